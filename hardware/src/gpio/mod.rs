//! The status light, the buzzer and the call-staff button on a Raspberry Pi's header.
//!
//! The kiosk talks to `Signals` and reads `CallButton` presses from a channel; what is
//! behind them is chosen once at start by `open_signals` and `open_call_button`: the
//! real pins in a build with the `rpi` feature and a `[gpio]` section, a simulator
//! otherwise. The timing (blink rates, beep patterns, debouncing) lives in pure types
//! here so it is tested on any machine.

mod button;
mod debounce;
mod open;
#[cfg(feature = "rpi")]
mod rpi;
mod signals;
mod simulated;
mod worker;

pub use button::CallButton;
pub use debounce::{ButtonPress, Debouncer};
pub use open::{open_call_button, open_signals};
#[cfg(feature = "rpi")]
pub use rpi::{RpiButton, RpiSignals};
pub use signals::{Beep, LightPattern, LightState, PinLevels, SignalEvent, SignalPlayer, Signals};
pub use simulated::{SimulatedButton, SimulatedSignals};
pub(crate) use worker::Worker;
