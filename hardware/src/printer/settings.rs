//! The printer section of the device configuration, and the printer it names.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::device::DevicePrinter;
use super::spool::SpoolPrinter;
use super::tcp::TcpPrinter;
use super::transport::Printer;
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
