//! Printers: where a rendered job goes, and what the printer says about itself.
//!
//! Every transport (USB device file, TCP 9100, serial port, the spool simulator)
//! implements `Printer`: send one whole job, and query real-time status (DLE EOT)
//! where the transport can answer. The print queue in the kiosk only sees the trait,
//! so desktops and CI exercise the same queue code as a device with paper in it.

mod device;
mod error;
mod query;
mod settings;
mod spool;
mod status;
mod tcp;
mod transport;

pub use device::{DevicePrinter, SERIAL_BAUDS};
pub use error::PrinterError;
pub use query::StatusQuery;
pub use settings::{open, PrinterConnection, PrinterSettings};
pub use spool::{SpoolPrinter, SIMULATED_FAULT_FILES};
pub use status::{parse_status, problem_text, PrinterStatus, DLE_EOT};
pub use tcp::TcpPrinter;
pub use transport::{Delivery, Job, Printer};
