//! Telling systemd how the kiosk is doing: the `sd_notify` protocol, written out
//! here because it is one datagram on a Unix socket and not worth a dependency.
//!
//! `deploy/linli-kiosk.service` runs the kiosk with `Type=notify` and
//! `WatchdogSec=30`. systemd then waits for `READY=1` before it counts the kiosk as
//! started, and restarts it when `WATCHDOG=1` stops arriving. Send the pings from a
//! timer on the UI event loop (every [`watchdog_interval`]), not from a thread of
//! their own: then a frozen UI thread stops the pings and systemd restarts the kiosk,
//! which is the failure the watchdog is there to catch.
//!
//! Every function is a no-op returning `Ok` when `NOTIFY_SOCKET` is unset, so the
//! same binary runs unchanged on a desktop, under `cargo run` and in tests. Errors
//! are returned rather than logged so the caller decides how loudly to complain; a
//! failed ping is worth a log line, never a crash.
//!
//! The protocol: `NOTIFY_SOCKET` names a datagram socket, either a path or an
//! abstract name written with a leading `@`; each message is newline-separated
//! `KEY=value` assignments (see `sd_notify(3)`).

use std::ffi::OsStr;
use std::io;
use std::time::Duration;

/// The environment variable systemd sets to the socket it listens on.
pub const NOTIFY_SOCKET: &str = "NOTIFY_SOCKET";
/// The watchdog period in microseconds, set when the unit has `WatchdogSec=`.
pub const WATCHDOG_USEC: &str = "WATCHDOG_USEC";
/// The process the watchdog period is meant for.
pub const WATCHDOG_PID: &str = "WATCHDOG_PID";

/// Start-up is finished: the window is up and the store is open.
pub fn notify_ready() -> io::Result<()> {
    notify("READY=1")
}

/// The kiosk is alive; send once per [`watchdog_interval`].
pub fn notify_watchdog() -> io::Result<()> {
    notify("WATCHDOG=1")
}

/// A one-line status that `systemctl status linli-kiosk` shows, such as
/// "打印机缺纸 / printer out of paper". Line breaks become spaces: a newline in the
/// text would start a new assignment, and a status must never be able to say
/// `READY=1` or `WATCHDOG=1` by accident.
pub fn notify_status(text: &str) -> io::Result<()> {
    let one_line: String = text
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    notify(&format!("STATUS={one_line}"))
}

/// The kiosk is shutting down on purpose, so systemd does not mistake the quiet
/// that follows for a hang.
pub fn notify_stopping() -> io::Result<()> {
    notify("STOPPING=1")
}

/// How often to call [`notify_watchdog`]: half of `WATCHDOG_USEC`, as `sd_watchdog_enabled(3)`
/// advises, so one late ping does not cost a restart. `None` when the unit has no
/// watchdog, when the value is unusable, or when `WATCHDOG_PID` names another process
/// (the variables were inherited from a parent the watchdog is really for).
pub fn watchdog_interval() -> Option<Duration> {
    let usec = std::env::var(WATCHDOG_USEC).ok();
    let pid = std::env::var(WATCHDOG_PID).ok();
    watchdog_interval_from(usec.as_deref(), pid.as_deref(), std::process::id())
}

/// [`watchdog_interval`] on given values instead of the environment, so the parsing
/// can be tested without touching process-global state.
pub fn watchdog_interval_from(
    watchdog_usec: Option<&str>,
    watchdog_pid: Option<&str>,
    our_pid: u32,
) -> Option<Duration> {
    if let Some(pid) = watchdog_pid {
        if pid.trim().parse::<u32>().ok()? != our_pid {
            return None;
        }
    }
    let usec: u64 = watchdog_usec?.trim().parse().ok()?;
    if usec == 0 {
        return None;
    }
    Some(Duration::from_micros(usec / 2))
}

/// Sends one message to `NOTIFY_SOCKET`, or does nothing when it is unset.
pub fn notify(message: &str) -> io::Result<()> {
    match std::env::var_os(NOTIFY_SOCKET) {
        Some(socket) if !socket.is_empty() => notify_to(&socket, message),
        _ => Ok(()),
    }
}

/// Sends one message to the socket named `socket`: a path, or `@name` for a Linux
/// abstract socket.
#[cfg(unix)]
pub fn notify_to(socket: &OsStr, message: &str) -> io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::net::UnixDatagram;

    let sender = UnixDatagram::unbound()?;
    let bytes = socket.as_bytes();
    if let Some(name) = bytes.strip_prefix(b"@") {
        send_abstract(&sender, name, message)
    } else if bytes.first() == Some(&b'/') {
        sender.send_to(message.as_bytes(), socket)?;
        Ok(())
    } else {
        // systemd also knows `vsock:` addresses (for virtual machines); a kiosk
        // never gets one, so anything but a path or `@name` is a setup mistake.
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!(
                "{NOTIFY_SOCKET}={} is neither an absolute path nor an @abstract name",
                socket.to_string_lossy()
            ),
        ))
    }
}

/// systemd exists only on Linux; elsewhere `NOTIFY_SOCKET` is never set by it, so
/// reaching this means someone set it by hand.
#[cfg(not(unix))]
pub fn notify_to(_socket: &OsStr, _message: &str) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "sd_notify needs Unix sockets",
    ))
}

#[cfg(target_os = "linux")]
fn send_abstract(
    sender: &std::os::unix::net::UnixDatagram,
    name: &[u8],
    message: &str,
) -> io::Result<()> {
    use std::os::linux::net::SocketAddrExt;
    use std::os::unix::net::SocketAddr;

    let address = SocketAddr::from_abstract_name(name)?;
    sender.send_to_addr(message.as_bytes(), &address)?;
    Ok(())
}

#[cfg(all(unix, not(target_os = "linux")))]
fn send_abstract(
    _sender: &std::os::unix::net::UnixDatagram,
    _name: &[u8],
    _message: &str,
) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "abstract socket names exist only on Linux",
    ))
}
