//! linli-hardware's integration tests, in one binary (ripgrep's `tests/tests.rs`
//! layout): the device configuration, the GPIO signals and button, printers and their
//! transports, card readers, receipts and slips against golden snapshots, the systemd
//! watchdog, and the crate's architecture rules. Each module keeps the file name it
//! had as a binary of its own, so `receipt::golden_waitlist_slip_58mm` still names a
//! test.

mod common;

mod architecture;
mod config;
mod gpio;
mod printer;
mod reader;
mod receipt;
mod slips;
mod watchdog;
