//! The sd_notify messages as systemd receives them: a datagram socket bound in a
//! temporary directory (and an abstract one) stands in for systemd's.
//!
//! Environment variables belong to the whole process and tests run on parallel
//! threads, so everything that sets them is in one test function; the other tests
//! use the `*_from` / `notify_to` forms that take their inputs as arguments.

use std::os::unix::net::UnixDatagram;
use std::time::Duration;

use linli_hardware::watchdog::{
    self, notify_ready, notify_status, notify_stopping, notify_watchdog, watchdog_interval,
    watchdog_interval_from,
};

/// Reads one datagram, failing the test instead of hanging when none was sent.
fn receive(socket: &UnixDatagram) -> String {
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut buffer = [0u8; 4096];
    let length = socket.recv(&mut buffer).expect("a datagram arrives");
    String::from_utf8(buffer[..length].to_vec()).unwrap()
}

fn nothing_waiting(socket: &UnixDatagram) -> bool {
    socket.set_nonblocking(true).unwrap();
    let mut buffer = [0u8; 16];
    let nothing =
        matches!(socket.recv(&mut buffer), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock);
    socket.set_nonblocking(false).unwrap();
    nothing
}

#[test]
fn messages_reach_the_notify_socket_and_the_interval_follows_the_environment() {
    // Unset: every call is a quiet no-op, so desktops and CI need no systemd.
    std::env::remove_var(watchdog::NOTIFY_SOCKET);
    std::env::remove_var(watchdog::WATCHDOG_USEC);
    std::env::remove_var(watchdog::WATCHDOG_PID);
    notify_ready().unwrap();
    notify_watchdog().unwrap();
    notify_status("无人接收").unwrap();
    notify_stopping().unwrap();
    assert_eq!(watchdog_interval(), None);

    // A socket path, as systemd gives a system service.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notify");
    let systemd = UnixDatagram::bind(&path).unwrap();
    std::env::set_var(watchdog::NOTIFY_SOCKET, &path);

    notify_ready().unwrap();
    assert_eq!(receive(&systemd), "READY=1");
    notify_watchdog().unwrap();
    assert_eq!(receive(&systemd), "WATCHDOG=1");
    notify_status("打印机缺纸 / printer out of paper").unwrap();
    assert_eq!(
        receive(&systemd),
        "STATUS=打印机缺纸 / printer out of paper"
    );
    notify_status("line one\nREADY=1").unwrap();
    assert_eq!(
        receive(&systemd),
        "STATUS=line one READY=1",
        "a newline in a status must not become an assignment of its own"
    );
    notify_stopping().unwrap();
    assert_eq!(receive(&systemd), "STOPPING=1");
    assert!(nothing_waiting(&systemd), "one datagram per call");

    // An abstract name, written with '@' (systemd's user manager uses these).
    #[cfg(target_os = "linux")]
    {
        use std::os::linux::net::SocketAddrExt;
        use std::os::unix::net::SocketAddr;
        let name = format!("linli-watchdog-test-{}", std::process::id());
        let address = SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
        let abstract_systemd = UnixDatagram::bind_addr(&address).unwrap();
        std::env::set_var(watchdog::NOTIFY_SOCKET, format!("@{name}"));
        notify_watchdog().unwrap();
        assert_eq!(receive(&abstract_systemd), "WATCHDOG=1");
    }

    // Nobody listening: the caller gets an error to log, not a panic.
    std::env::set_var(watchdog::NOTIFY_SOCKET, dir.path().join("gone"));
    assert!(notify_watchdog().is_err());
    std::env::set_var(watchdog::NOTIFY_SOCKET, "relative/socket");
    assert_eq!(
        notify_ready().unwrap_err().kind(),
        std::io::ErrorKind::Unsupported
    );
    std::env::remove_var(watchdog::NOTIFY_SOCKET);

    // WatchdogSec=30 arrives as 30,000,000 µs; ping at half that.
    std::env::set_var(watchdog::WATCHDOG_USEC, "30000000");
    assert_eq!(watchdog_interval(), Some(Duration::from_secs(15)));
    std::env::set_var(watchdog::WATCHDOG_PID, std::process::id().to_string());
    assert_eq!(watchdog_interval(), Some(Duration::from_secs(15)));
    std::env::set_var(watchdog::WATCHDOG_PID, (std::process::id() + 1).to_string());
    assert_eq!(
        watchdog_interval(),
        None,
        "a period meant for another process is not ours"
    );
    std::env::remove_var(watchdog::WATCHDOG_PID);
    std::env::remove_var(watchdog::WATCHDOG_USEC);
    assert_eq!(watchdog_interval(), None);
}

#[test]
fn the_interval_is_half_the_period_and_only_for_our_process() {
    let half = |usec, pid| watchdog_interval_from(usec, pid, 4242);
    assert_eq!(half(Some("30000000"), None), Some(Duration::from_secs(15)));
    assert_eq!(
        half(Some("1000001"), None),
        Some(Duration::from_micros(500_000))
    );
    assert_eq!(
        half(Some("30000000"), Some("4242")),
        Some(Duration::from_secs(15))
    );
    assert_eq!(half(Some("30000000"), Some("1")), None);
    assert_eq!(half(Some("30000000"), Some("not a pid")), None);
    assert_eq!(half(None, None), None);
    assert_eq!(half(None, Some("4242")), None);
    assert_eq!(half(Some("0"), None), None, "0 means no watchdog");
    assert_eq!(half(Some("-5"), None), None);
    assert_eq!(half(Some("30s"), None), None);
    assert_eq!(half(Some(""), None), None);
}

#[test]
fn notify_to_sends_exactly_one_message_to_a_named_socket() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notify");
    let systemd = UnixDatagram::bind(&path).unwrap();
    watchdog::notify_to(path.as_os_str(), "READY=1\nSTATUS=开放中").unwrap();
    assert_eq!(receive(&systemd), "READY=1\nSTATUS=开放中");
    assert!(nothing_waiting(&systemd));
}
