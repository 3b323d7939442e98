//! The light, buzzer and call button without a Pi: tests, demos and desktops.

use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use super::button::CallButton;
use super::debounce::ButtonPress;
use super::signals::{Beep, LightState, SignalEvent, Signals};

/// Records every call; tests read the record, a desktop build also prints each call.
#[derive(Clone, Debug, Default)]
pub struct SimulatedSignals {
    events: Arc<Mutex<Vec<SignalEvent>>>,
    print: bool,
}

impl SimulatedSignals {
    pub fn new() -> Self {
        SimulatedSignals::default()
    }

    /// Also prints each call on stderr, for a person watching a desktop kiosk.
    pub fn printing() -> Self {
        SimulatedSignals {
            print: true,
            ..SimulatedSignals::default()
        }
    }

    /// The shared record, still filled by this simulator after it is boxed away.
    pub fn events(&self) -> Arc<Mutex<Vec<SignalEvent>>> {
        Arc::clone(&self.events)
    }

    fn record(&mut self, event: SignalEvent) {
        if self.print {
            eprintln!("linli: [模拟/simulated] {}", event.describe());
        }
        self.events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(event);
    }
}

impl Signals for SimulatedSignals {
    fn set_light(&mut self, state: LightState) {
        self.record(SignalEvent::Light(state));
    }

    fn beep(&mut self, beep: Beep) {
        self.record(SignalEvent::Beep(beep));
    }
}

/// A call button pressed by code: tests, and a desktop kiosk's stand-in key.
#[derive(Clone, Debug)]
pub struct SimulatedButton {
    presses: Sender<ButtonPress>,
}

impl SimulatedButton {
    pub fn new() -> (SimulatedButton, CallButton) {
        let (presses, receiver) = mpsc::channel();
        let button = CallButton::fed_by(receiver, None);
        (SimulatedButton { presses }, button)
    }

    pub fn press(&self) {
        // Nobody listening (the kiosk is shutting down) is not an error for a button.
        let _ = self.presses.send(ButtonPress { at: Instant::now() });
    }
}
