//! The Linli kiosk: wiring, use-cases, the SQLite store and the kiosk window.
//!
//! See ARCHITECTURE.md for the bird's-eye view. The rules live in `linli-core`; this
//! crate loads data, asks core to decide, and writes the outcome durably.

pub mod cli;
pub mod clock;
pub mod data_dir;
pub mod devices;
pub mod disk;
pub mod error;
pub mod json_shapes;
pub mod kiosk;
pub mod offer_sweep;
pub mod print;
pub mod store;
pub mod sync;
pub mod usecase;
