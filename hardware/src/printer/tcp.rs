//! Network printers on their raw port (9100): one connection per job.
//!
//! TCP accepts a whole slip into the kernel's buffer even when the printer is about
//! to drop the connection, so a successful write proves nothing. When the printer
//! answers status queries, a DLE EOT sent after the job is the receipt: the printer
//! handles bytes in order, so an answer means every byte of the job arrived.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::time::Duration;

use super::error::PrinterError;
use super::query::StatusQuery;
use super::status::PrinterStatus;
use super::transport::{write_counting, Job, Printer};

pub struct TcpPrinter {
    host: String,
    port: u16,
    timeout: Duration,
}

impl TcpPrinter {
    pub fn new(host: String, port: u16, timeout: Duration) -> Self {
        TcpPrinter {
            host,
            port,
            timeout,
        }
    }

    fn connect(&self) -> Result<TcpStream, PrinterError> {
        let unreachable =
            |e: io::Error| PrinterError::Unreachable(format!("{}: {e}", self.describe()));
        let addresses = (self.host.as_str(), self.port)
            .to_socket_addrs()
            .map_err(unreachable)?;
        let mut last = io::Error::new(io::ErrorKind::NotFound, "no address");
        for address in addresses {
            match TcpStream::connect_timeout(&address, self.timeout) {
                Ok(stream) => {
                    stream.set_write_timeout(Some(self.timeout))?;
                    stream.set_nodelay(true)?;
                    return Ok(stream);
                }
                Err(e) => last = e,
            }
        }
        Err(unreachable(last))
    }
}

struct Connection<'a>(&'a mut TcpStream);

impl StatusQuery for Connection<'_> {
    fn write_command(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.0.write_all(bytes)
    }

    fn read_byte(&mut self, timeout: Duration) -> io::Result<Option<u8>> {
        self.0.set_read_timeout(Some(timeout))?;
        let mut byte = [0u8; 1];
        match self.0.read(&mut byte) {
            Ok(0) => Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the printer closed the connection",
            )),
            Ok(_) => Ok(Some(byte[0])),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }
}

impl Printer for TcpPrinter {
    fn describe(&self) -> String {
        format!("TCP {}:{}", self.host, self.port)
    }

    fn status(&mut self) -> Result<PrinterStatus, PrinterError> {
        let mut stream = self.connect()?;
        let status = Connection(&mut stream).query_status(self.timeout)?;
        let _ = stream.shutdown(Shutdown::Both);
        Ok(status.unwrap_or_else(PrinterStatus::unknown))
    }

    fn send(&mut self, job: &Job) -> Result<(), PrinterError> {
        let mut stream = self.connect()?;
        let before = Connection(&mut stream).query_status(self.timeout)?;
        if let Some(status) = before.filter(|s| !s.can_print()) {
            return Err(PrinterError::NotReady(status));
        }
        write_counting(&mut stream, &job.bytes, 1024)?;
        if before.is_some() {
            // The printer answered before the job, so it must answer after it.
            let interrupted = |reason: String| PrinterError::Interrupted {
                sent: job.bytes.len(),
                total: job.bytes.len(),
                reason,
            };
            match Connection(&mut stream).ask(1, self.timeout) {
                Ok(Some(_)) => {}
                Ok(None) => return Err(interrupted("no answer after the job".into())),
                Err(e) => return Err(interrupted(e.to_string())),
            }
        }
        let _ = stream.shutdown(Shutdown::Both);
        Ok(())
    }
}
