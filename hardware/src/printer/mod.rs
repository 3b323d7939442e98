//! Printers: where a rendered job goes, and what the printer says about itself.
//!
//! Every transport (USB device file, TCP 9100, serial port, the spool simulator)
//! implements `Printer`: send one whole job, and query real-time status (DLE EOT)
//! where the transport can answer. The print queue in the kiosk only sees the trait,
//! so desktops and CI exercise the same queue code as a device with paper in it.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use crate::receipt::Paper;

/// How the kiosk reaches its printer; chosen in the device configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PrinterConnection {
    /// No printer attached: each job is written to `DATA_DIR/spool/` as
    /// `<serial>.bin` with a readable `<serial>.txt` beside it.
    Simulator,
    /// A USB printer's device file (`/dev/usb/lp0`, or the udev name `/dev/linli-printer`).
    Usb { device: PathBuf },
    /// A network printer's raw port (9100 by convention).
    Tcp { host: String, port: u16 },
    /// A serial port (`/dev/ttyUSB0`, `/dev/serial0`) at `baud`, 8N1.
    Serial { device: PathBuf, baud: u32 },
}

/// The printer section of the device configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrinterSettings {
    pub connection: PrinterConnection,
    pub paper: Paper,
    /// How long one connect, write or status query may take before the printer
    /// counts as unreachable.
    pub timeout: Duration,
}

impl Default for PrinterSettings {
    fn default() -> Self {
        PrinterSettings {
            connection: PrinterConnection::Simulator,
            paper: Paper::Mm80,
            timeout: Duration::from_secs(5),
        }
    }
}

mod device;
mod spool;
mod status;
mod tcp;

use std::path::Path;

pub use device::{DevicePrinter, SERIAL_BAUDS};
pub use spool::{SpoolPrinter, SIMULATED_FAULT_FILES};
pub use status::{parse_status, problem_text, PrinterStatus, StatusQuery, DLE_EOT};
pub use tcp::TcpPrinter;

/// One print job as it leaves the queue: the rendered bytes and a file-safe name
/// (the slip's serial, with a suffix for reprints) the simulator names its files by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Why a job did not reach the paper. The queue decides from the kind whether to
/// retry with backoff (`Unreachable`, `Interrupted`) or wait for a person
/// (`NotReady`: paper out, cover open).
#[derive(Debug, thiserror::Error)]
pub enum PrinterError {
    /// Could not connect, or the printer did not answer in time.
    #[error("printer unreachable: {0}")]
    Unreachable(String),
    /// The connection broke while the job was being sent; the printer may have
    /// printed part of it, but never the cut, so the whole job is sent again.
    #[error("job interrupted after {sent} of {total} bytes: {reason}")]
    Interrupted {
        sent: usize,
        total: usize,
        reason: String,
    },
    /// The printer answered and cannot print now (no paper, cover open, offline).
    #[error("printer not ready: {0:?}")]
    NotReady(PrinterStatus),
    #[error("printer I/O: {0}")]
    Io(#[from] std::io::Error),
}

/// Whether a job that was being sent when the process died reached the printer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    Delivered,
    NotDelivered,
    /// The transport cannot tell (a real printer keeps no record): a person must look.
    Unknown,
}

/// A printer, reached over one transport.
pub trait Printer: Send {
    /// Where the jobs go, for `linli doctor` and logs ("TCP 192.168.1.50:9100").
    fn describe(&self) -> String;

    /// Real-time status. `Ok(PrinterStatus::unknown())` when the transport cannot
    /// answer (a one-way USB printer); `Err(Unreachable)` when it should and does not.
    fn status(&mut self) -> Result<PrinterStatus, PrinterError>;

    /// Sends one whole job. Checks status first where the printer answers, so a job
    /// meant for a printer without paper stays in the queue instead of vanishing
    /// into the printer's buffer.
    fn send(&mut self, job: &Job) -> Result<(), PrinterError>;

    /// After a crash between sending and recording it: did `job` arrive?
    fn delivery(&self, _job: &Job) -> Delivery {
        Delivery::Unknown
    }
}

/// Writes `bytes` in pieces so that a broken connection reports how far it got.
fn write_counting(out: &mut impl Write, bytes: &[u8], chunk: usize) -> Result<(), PrinterError> {
    let mut sent = 0;
    for piece in bytes.chunks(chunk) {
        if let Err(e) = out.write_all(piece).and_then(|()| out.flush()) {
            return Err(PrinterError::Interrupted {
                sent,
                total: bytes.len(),
                reason: e.to_string(),
            });
        }
        sent += piece.len();
    }
    Ok(())
}

/// The configured printer. `spool_dir` is where the simulator writes (`DATA_DIR/spool`).
pub fn open(settings: &PrinterSettings, spool_dir: &Path) -> Box<dyn Printer> {
    match &settings.connection {
        PrinterConnection::Simulator => Box::new(SpoolPrinter::new(spool_dir)),
        PrinterConnection::Usb { device } => {
            Box::new(DevicePrinter::usb(device.clone(), settings.timeout))
        }
        PrinterConnection::Serial { device, baud } => Box::new(DevicePrinter::serial(
            device.clone(),
            *baud,
            settings.timeout,
        )),
        PrinterConnection::Tcp { host, port } => {
            Box::new(TcpPrinter::new(host.clone(), *port, settings.timeout))
        }
    }
}
