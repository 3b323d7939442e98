//! Asking a printer how it is (DLE EOT n) over any transport that can carry the
//! question and its one-byte answer.

use std::io;
use std::time::Duration;

use super::error::PrinterError;
use super::status::{is_status_byte, parse_status, PrinterStatus, DLE_EOT};

/// A transport that can carry a status query: write the command, wait for one byte.
pub trait StatusQuery {
    fn write_command(&mut self, bytes: &[u8]) -> io::Result<()>;
    /// One byte, or `None` when nothing arrived within `timeout`.
    fn read_byte(&mut self, timeout: Duration) -> io::Result<Option<u8>>;

    /// Asks DLE EOT `n` and returns the status byte, or `None` if the printer gave no
    /// valid answer in time.
    fn ask(&mut self, n: u8, timeout: Duration) -> Result<Option<u8>, PrinterError> {
        self.write_command(&[DLE_EOT[0], DLE_EOT[1], n])?;
        match self.read_byte(timeout)? {
            Some(b) if is_status_byte(b) => Ok(Some(b)),
            Some(b) => Err(PrinterError::Unreachable(format!(
                "unexpected answer 0x{b:02X} to a status query"
            ))),
            None => Ok(None),
        }
    }

    /// The full status: printer, then the cause and paper sensor when it answered.
    fn query_status(&mut self, timeout: Duration) -> Result<Option<PrinterStatus>, PrinterError> {
        let Some(printer) = self.ask(1, timeout)? else {
            return Ok(None);
        };
        let cause = self.ask(2, timeout)?;
        let paper = self.ask(4, timeout)?;
        Ok(Some(parse_status(printer, cause, paper)))
    }
}
