//! What every transport does: send one whole job, say how the printer is, and
//! after a crash say whether a job arrived. The kiosk's print queue knows only this.

use std::io::Write;

use super::error::PrinterError;
use super::status::PrinterStatus;

/// One print job as it leaves the queue: the rendered bytes and a file-safe name
/// (the slip's serial, with a suffix for reprints) the simulator names its files by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    pub name: String,
    pub bytes: Vec<u8>,
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
pub(super) fn write_counting(
    out: &mut impl Write,
    bytes: &[u8],
    chunk: usize,
) -> Result<(), PrinterError> {
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
