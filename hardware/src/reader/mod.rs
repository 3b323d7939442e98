//! Card readers and QR scanners.
//!
//! Most IC-card readers and QR scanners are USB "keyboard wedge" devices: they type
//! what they read, quickly, and press Enter. `EvdevReader` takes such a device for
//! the kiosk alone and turns its typing into `Token`s; `SimulatedReader` presents
//! tokens by code. Both deliver `ReaderEvent`s on one channel, which the kiosk reads
//! without knowing which kind of reader it has.

#[cfg(target_os = "linux")]
pub mod evdev;
mod readers;
mod simulated;
mod token;
mod wedge;

#[cfg(target_os = "linux")]
pub use evdev::EvdevReader;
pub use readers::{open_readers, Readers};
pub use simulated::SimulatedReader;
pub use token::{ReaderEvent, Token};
pub use wedge::{Key, WedgeDecoder, MAX_TOKEN_CHARS, MIN_TOKEN_CHARS};
