//! The status light, the buzzer and the call-staff button on a Raspberry Pi's header.
//!
//! The kiosk talks to `Signals` and reads `CallButton` presses from a channel; what is
//! behind them is chosen once at start by `open_signals` and `open_call_button`: the
//! real pins in a build with the `rpi` feature and a `[gpio]` section, a simulator
//! otherwise. The timing (blink rates, beep patterns, debouncing) lives in pure types
//! here so it is tested on any machine.

mod debounce;
#[cfg(feature = "rpi")]
mod rpi;
mod signals;
mod worker;

use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use linli_core::Text;

use crate::config::GpioSettings;

pub use debounce::{ButtonPress, Debouncer};
#[cfg(feature = "rpi")]
pub use rpi::{RpiButton, RpiSignals};
pub use signals::{Beep, LightPattern, LightState, PinLevels, SignalPlayer};
pub(crate) use worker::Worker;

/// The light and the buzzer. Calls return at once: a real device plays patterns on
/// its own thread, because the UI thread never waits on hardware.
pub trait Signals: Send {
    fn set_light(&mut self, state: LightState);
    fn beep(&mut self, beep: Beep);
}

/// One call on `Signals`, as the simulator records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignalEvent {
    Light(LightState),
    Beep(Beep),
}

impl SignalEvent {
    pub fn describe(self) -> Text {
        let (zh, en) = match self {
            SignalEvent::Light(state) => (
                format!("状态灯：{}", state.describe().zh),
                format!("light: {}", state.describe().en),
            ),
            SignalEvent::Beep(beep) => (beep.describe().zh, beep.describe().en),
        };
        Text::new(zh, en)
    }
}

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

/// Presses of the call-staff button, in order, on a channel the kiosk can wait on
/// from any thread.
pub struct CallButton {
    presses: Receiver<ButtonPress>,
    /// Whatever feeds the channel (a pin-polling thread) lives as long as this does.
    _source: Option<Box<dyn Send>>,
}

impl CallButton {
    pub fn presses(&self) -> &Receiver<ButtonPress> {
        &self.presses
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
        let button = CallButton {
            presses: receiver,
            _source: None,
        };
        (SimulatedButton { presses }, button)
    }

    pub fn press(&self) {
        // Nobody listening (the kiosk is shutting down) is not an error for a button.
        let _ = self.presses.send(ButtonPress { at: Instant::now() });
    }
}

/// The light and buzzer of this kiosk: the pins of `settings` where they can be
/// driven, else a simulator, with a one-line note on stderr saying why.
pub fn open_signals(settings: Option<&GpioSettings>) -> Box<dyn Signals> {
    match settings.map(open_rpi_signals) {
        Some(Ok(signals)) => signals,
        Some(Err(why)) => simulated_signals(why),
        None => simulated_signals(no_gpio_section()),
    }
}

/// The call button of this kiosk, and a way to press it by code when it is simulated.
pub fn open_call_button(settings: Option<&GpioSettings>) -> (CallButton, Option<SimulatedButton>) {
    match settings.map(open_rpi_button) {
        Some(Ok(button)) => (button, None),
        Some(Err(why)) => simulated_button(why),
        None => simulated_button(no_gpio_section()),
    }
}

fn simulated_signals(why: Text) -> Box<dyn Signals> {
    eprintln!(
        "linli: 状态灯和蜂鸣器为模拟：{} / light and buzzer are simulated: {}",
        why.zh, why.en
    );
    Box::new(SimulatedSignals::printing())
}

fn simulated_button(why: Text) -> (CallButton, Option<SimulatedButton>) {
    eprintln!(
        "linli: 呼叫按钮为模拟：{} / the call button is simulated: {}",
        why.zh, why.en
    );
    let (simulated, button) = SimulatedButton::new();
    (button, Some(simulated))
}

fn no_gpio_section() -> Text {
    Text::new(
        "设备配置中没有 [gpio]",
        "the device configuration has no [gpio] section",
    )
}

#[cfg(feature = "rpi")]
fn open_rpi_signals(settings: &GpioSettings) -> Result<Box<dyn Signals>, Text> {
    match RpiSignals::open(settings) {
        Ok(signals) => Ok(Box::new(signals)),
        Err(e) => Err(gpio_failed(&e)),
    }
}

#[cfg(feature = "rpi")]
fn open_rpi_button(settings: &GpioSettings) -> Result<CallButton, Text> {
    let (presses, receiver) = mpsc::channel();
    match RpiButton::open(settings, presses) {
        Ok(button) => Ok(CallButton {
            presses: receiver,
            _source: Some(Box::new(button)),
        }),
        Err(e) => Err(gpio_failed(&e)),
    }
}

#[cfg(feature = "rpi")]
fn gpio_failed(error: &dyn std::fmt::Display) -> Text {
    Text::new(
        format!("无法打开 GPIO：{error}"),
        format!("cannot open GPIO: {error}"),
    )
}

#[cfg(not(feature = "rpi"))]
fn open_rpi_signals(_settings: &GpioSettings) -> Result<Box<dyn Signals>, Text> {
    Err(built_without_rpi())
}

#[cfg(not(feature = "rpi"))]
fn open_rpi_button(_settings: &GpioSettings) -> Result<CallButton, Text> {
    Err(built_without_rpi())
}

#[cfg(not(feature = "rpi"))]
fn built_without_rpi() -> Text {
    Text::new(
        "本程序编译时未启用 rpi 功能",
        "this build was made without the `rpi` feature",
    )
}
