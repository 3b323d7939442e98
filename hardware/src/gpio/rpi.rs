//! The real pins, through rppal (feature `rpi`).

use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use rppal::gpio::{Gpio, InputPin, Level, OutputPin};

use super::debounce::{ButtonPress, Debouncer};
use super::signals::{Beep, LightState, PinLevels, SignalEvent, SignalPlayer, Signals};
use super::worker::Worker;
use crate::config::GpioSettings;

/// How often the button pin is read: well inside any debounce time, and cheap.
const BUTTON_POLL: Duration = Duration::from_millis(5);

/// The light and buzzer pins, driven by a thread of their own that blinks the lamps
/// and plays beeps while the caller carries on.
pub struct RpiSignals {
    worker: Worker<SignalEvent>,
}

struct OutputPins {
    green: OutputPin,
    red: OutputPin,
    buzzer: OutputPin,
}

impl OutputPins {
    fn show(&mut self, levels: PinLevels) {
        self.green.write(Level::from(levels.green));
        self.red.write(Level::from(levels.red));
        self.buzzer.write(Level::from(levels.buzzer));
    }
}

impl RpiSignals {
    pub fn open(settings: &GpioSettings) -> Result<RpiSignals, rppal::gpio::Error> {
        let gpio = Gpio::new()?;
        let pins = OutputPins {
            green: gpio.get(settings.light_green)?.into_output_low(),
            red: gpio.get(settings.light_red)?.into_output_low(),
            buzzer: gpio.get(settings.buzzer)?.into_output_low(),
        };
        let worker = Worker::spawn("linli-signals", move |commands| play(pins, commands))?;
        Ok(RpiSignals { worker })
    }
}

/// Sleeps until the next blink or beep edge or the next command, whichever is first;
/// all pins go low when the owner drops `RpiSignals`.
fn play(mut pins: OutputPins, commands: Receiver<SignalEvent>) {
    let mut player = SignalPlayer::new(Instant::now());
    loop {
        let now = Instant::now();
        pins.show(player.levels(now));
        let command = match player.next_change(now) {
            Some(at) => commands.recv_timeout(at.saturating_duration_since(now)),
            None => commands.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match command {
            Ok(SignalEvent::Light(state)) => player.set_light(state, Instant::now()),
            Ok(SignalEvent::Beep(beep)) => player.beep(beep, Instant::now()),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    pins.show(PinLevels::default());
}

impl Signals for RpiSignals {
    fn set_light(&mut self, state: LightState) {
        self.worker.send(SignalEvent::Light(state));
    }

    fn beep(&mut self, beep: Beep) {
        self.worker.send(SignalEvent::Beep(beep));
    }
}

/// The call button's pin, polled by a thread of its own through a `Debouncer`;
/// presses go to the channel given to `open`.
pub struct RpiButton {
    _worker: Worker<()>,
}

impl RpiButton {
    pub fn open(
        settings: &GpioSettings,
        presses: Sender<ButtonPress>,
    ) -> Result<RpiButton, rppal::gpio::Error> {
        let pin = Gpio::new()?.get(settings.call_button)?;
        // The internal resistor holds the pin at the level of "not pressed".
        let pin = if settings.button_active_low {
            pin.into_input_pullup()
        } else {
            pin.into_input_pulldown()
        };
        let debouncer = Debouncer::new(settings.debounce, settings.button_active_low);
        let worker = Worker::spawn("linli-call-button", move |stop| {
            poll_button(&pin, debouncer, &presses, &stop);
        })?;
        Ok(RpiButton { _worker: worker })
    }
}

fn poll_button(
    pin: &InputPin,
    mut debouncer: Debouncer,
    presses: &Sender<ButtonPress>,
    stop: &Receiver<()>,
) {
    while let Err(RecvTimeoutError::Timeout) = stop.recv_timeout(BUTTON_POLL) {
        if let Some(press) = debouncer.sample(pin.is_high(), Instant::now()) {
            if presses.send(press).is_err() {
                return;
            }
        }
    }
}
