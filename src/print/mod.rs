//! Slips and the print queue.
//!
//! A use-case that gives a person something to take home calls `issue` inside its own
//! transaction (`issue.rs`); the slip and its job are the queue's records (`queue.rs`).
//! The `Spooler` (its own thread in the kiosk, `thread.rs`; inline in a CLI run,
//! `deliver.rs`) takes jobs from the queue to the printer.

pub mod deliver;
pub mod device;
pub mod issue;
pub mod queue;
pub mod report;
pub mod spooler;
pub mod thread;

pub use deliver::{deliver, Delivered, CLI_WAIT};
pub use issue::{issue, reprint, Printing};
pub use linli_core::receipt::IssuedSlip;
pub use queue::JobState;
pub use spooler::Spooler;
