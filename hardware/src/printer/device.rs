//! Printers behind a device file: USB printer-class devices (`/dev/usb/lp0`) and
//! serial ports. Both are opened non-blocking and driven through poll(2), so a printer
//! that stops reading (paper out on a USB printer blocks its writes) costs the
//! print thread a timeout, never a hang.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::error::PrinterError;
use super::query::StatusQuery;
use super::status::PrinterStatus;
use super::transport::{write_counting, Job, Printer};

/// LPGETSTATUS from <linux/lp.h>: the USB printer class's port status, which every
/// USB printer answers even when it cannot answer DLE EOT.
const LPGETSTATUS: libc::c_ulong = 0x060b;
const LP_PERRORP: libc::c_int = 0x08; // active low: clear means an error
const LP_PSELECD: libc::c_int = 0x10;
const LP_POUTPA: libc::c_int = 0x20;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Usb,
    Serial { baud: u32 },
}

pub struct DevicePrinter {
    device: PathBuf,
    kind: Kind,
    timeout: Duration,
}

/// Serial speeds a receipt printer is set to; the configuration refuses others.
pub const SERIAL_BAUDS: [u32; 8] = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200];

fn baud_constant(baud: u32) -> Option<libc::speed_t> {
    Some(match baud {
        1200 => libc::B1200,
        2400 => libc::B2400,
        4800 => libc::B4800,
        9600 => libc::B9600,
        19200 => libc::B19200,
        38400 => libc::B38400,
        57600 => libc::B57600,
        115200 => libc::B115200,
        _ => return None,
    })
}

impl DevicePrinter {
    pub fn usb(device: PathBuf, timeout: Duration) -> Self {
        DevicePrinter {
            device,
            kind: Kind::Usb,
            timeout,
        }
    }

    pub fn serial(device: PathBuf, baud: u32, timeout: Duration) -> Self {
        DevicePrinter {
            device,
            kind: Kind::Serial { baud },
            timeout,
        }
    }

    fn open(&self) -> Result<Port, PrinterError> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
            .open(&self.device)
            .map_err(|e| PrinterError::Unreachable(format!("{}: {e}", self.device.display())))?;
        if let Kind::Serial { baud } = self.kind {
            configure_serial(&file, baud)?;
        }
        Ok(Port {
            file,
            timeout: self.timeout,
        })
    }

    /// USB port status, when the device is a USB printer (a pty or serial port is not).
    fn port_status(port: &Port) -> Option<PrinterStatus> {
        let mut bits: libc::c_int = 0;
        // SAFETY: LPGETSTATUS writes one int through the pointer, which lives here.
        let rc = unsafe { libc::ioctl(port.file.as_raw_fd(), LPGETSTATUS as _, &mut bits) };
        (rc == 0).then(|| PrinterStatus {
            answered: true,
            online: bits & LP_PSELECD != 0,
            paper_out: bits & LP_POUTPA != 0,
            error: bits & LP_PERRORP == 0,
            ..PrinterStatus::default()
        })
    }

    fn status_of(&self, port: &mut Port) -> Result<Option<PrinterStatus>, PrinterError> {
        if let Some(status) = port.query_status(self.timeout)? {
            return Ok(Some(status));
        }
        Ok(match self.kind {
            Kind::Usb => Self::port_status(port),
            Kind::Serial { .. } => None,
        })
    }
}

/// 8N1, raw, at `baud`, no flow control: what ESC/POS serial printers ship with.
fn configure_serial(file: &File, baud: u32) -> Result<(), PrinterError> {
    let speed = baud_constant(baud)
        .ok_or_else(|| PrinterError::Unreachable(format!("unsupported serial speed {baud}")))?;
    let fd = file.as_raw_fd();
    // SAFETY: termios is plain data filled by tcgetattr before use; fd is open.
    unsafe {
        let mut tio: libc::termios = std::mem::zeroed();
        if libc::tcgetattr(fd, &mut tio) != 0 {
            return Err(io::Error::last_os_error().into());
        }
        libc::cfmakeraw(&mut tio);
        tio.c_cflag |= libc::CLOCAL | libc::CREAD;
        tio.c_cflag &= !(libc::CRTSCTS | libc::CSTOPB | libc::PARENB);
        tio.c_cc[libc::VMIN] = 0;
        tio.c_cc[libc::VTIME] = 0;
        if libc::cfsetispeed(&mut tio, speed) != 0
            || libc::cfsetospeed(&mut tio, speed) != 0
            || libc::tcsetattr(fd, libc::TCSANOW, &tio) != 0
        {
            return Err(io::Error::last_os_error().into());
        }
    }
    Ok(())
}

/// An open device file with poll-based timeouts.
struct Port {
    file: File,
    timeout: Duration,
}

impl Port {
    /// Waits until the device is ready for `events` or `timeout` passes.
    fn wait(&self, events: libc::c_short, timeout: Duration) -> io::Result<bool> {
        let mut fd = libc::pollfd {
            fd: self.file.as_raw_fd(),
            events,
            revents: 0,
        };
        let millis = timeout.as_millis().min(i32::MAX as u128) as libc::c_int;
        loop {
            // SAFETY: one valid pollfd for the duration of the call.
            let rc = unsafe { libc::poll(&mut fd, 1, millis) };
            if rc < 0 {
                let e = io::Error::last_os_error();
                if e.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(e);
            }
            if fd.revents & (libc::POLLERR | libc::POLLNVAL) != 0 {
                return Err(io::Error::new(
                    io::ErrorKind::BrokenPipe,
                    "the printer device reported an error",
                ));
            }
            return Ok(rc > 0);
        }
    }
}

impl Write for Port {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let deadline = Instant::now() + self.timeout;
        loop {
            match self.file.write(buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() || !self.wait(libc::POLLOUT, left)? {
                        return Err(io::Error::new(
                            io::ErrorKind::TimedOut,
                            "the printer stopped accepting data",
                        ));
                    }
                }
                other => return other,
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl StatusQuery for Port {
    fn write_command(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.write_all(bytes)
    }

    fn read_byte(&mut self, timeout: Duration) -> io::Result<Option<u8>> {
        if !self.wait(libc::POLLIN, timeout)? {
            return Ok(None);
        }
        let mut byte = [0u8; 1];
        match self.file.read(&mut byte) {
            Ok(0) => Ok(None),
            Ok(_) => Ok(Some(byte[0])),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(None),
            Err(e) => Err(e),
        }
    }
}

impl Printer for DevicePrinter {
    fn describe(&self) -> String {
        match self.kind {
            Kind::Usb => format!("USB {}", self.device.display()),
            Kind::Serial { baud } => format!("serial {} {baud} 8N1", self.device.display()),
        }
    }

    fn status(&mut self) -> Result<PrinterStatus, PrinterError> {
        let mut port = self.open()?;
        Ok(self
            .status_of(&mut port)?
            .unwrap_or_else(PrinterStatus::unknown))
    }

    fn send(&mut self, job: &Job) -> Result<(), PrinterError> {
        let mut port = self.open()?;
        let before = self.status_of(&mut port)?;
        if let Some(status) = before.filter(|s| !s.can_print()) {
            return Err(PrinterError::NotReady(status));
        }
        write_counting(&mut port, &job.bytes, 256)?;
        Ok(())
    }
}
