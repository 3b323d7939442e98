//! Transports against fake printers that misbehave on purpose: a network printer that
//! hangs up mid-job or runs out of paper, a serial printer on a pseudo-terminal, and
//! the spool simulator with its fault files.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use linli_hardware::printer::{
    open, Delivery, Job, Printer, PrinterConnection, PrinterError, PrinterSettings, SpoolPrinter,
};

const TIMEOUT: Duration = Duration::from_millis(800);

fn job(name: &str, len: usize) -> Job {
    // Plain bytes, with no 0x10 that the fake printers would take for DLE EOT.
    let mut bytes: Vec<u8> = (0..len).map(|i| b'A' + (i % 26) as u8).collect();
    bytes.extend_from_slice(&[0x1D, 0x56, 0x01]); // the cut, last
    Job {
        name: name.to_string(),
        bytes,
    }
}

/// What the fake printer answers to DLE EOT 1/2/4.
#[derive(Clone, Copy)]
struct Answers {
    printer: u8,
    cause: u8,
    paper: u8,
}

const READY: Answers = Answers {
    printer: 0x12,
    cause: 0x12,
    paper: 0x12,
};
const PAPER_OUT: Answers = Answers {
    printer: 0x1A,
    cause: 0x32,
    paper: 0x72,
};

/// Reads one connection like a printer: answers status queries, keeps job bytes, and
/// hangs up after `hang_up_after` job bytes if set.
fn serve(mut stream: impl Read + Write, answers: Answers, hang_up_after: Option<usize>) -> Vec<u8> {
    let mut received = Vec::new();
    let mut byte = [0u8; 1];
    let mut pending: Vec<u8> = Vec::new();
    while let Ok(1) = stream.read(&mut byte) {
        pending.push(byte[0]);
        if pending.len() == 3 && pending[0] == 0x10 && pending[1] == 0x04 {
            let answer = match pending[2] {
                1 => answers.printer,
                2 => answers.cause,
                _ => answers.paper,
            };
            if stream.write_all(&[answer]).is_err() {
                break;
            }
            pending.clear();
        } else if pending[0] != 0x10 || (pending.len() == 2 && pending[1] != 0x04) {
            received.append(&mut pending);
            if hang_up_after.is_some_and(|n| received.len() >= n) {
                return received;
            }
        }
    }
    received
}

/// A TCP printer on 127.0.0.1:0; each connection is served by `behaviour(index)`.
fn tcp_printer(
    behaviour: impl Fn(usize) -> (Answers, Option<usize>) + Send + 'static,
) -> (u16, Arc<Mutex<Vec<Vec<u8>>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let jobs = Arc::new(Mutex::new(Vec::new()));
    let seen = jobs.clone();
    thread::spawn(move || {
        for (index, stream) in listener.incoming().enumerate() {
            let stream: TcpStream = stream.unwrap();
            let (answers, hang_up) = behaviour(index);
            let received = serve(stream, answers, hang_up);
            seen.lock().unwrap().push(received);
        }
    });
    (port, jobs)
}

fn tcp(port: u16) -> Box<dyn Printer> {
    let settings = PrinterSettings {
        connection: PrinterConnection::Tcp {
            host: "127.0.0.1".into(),
            port,
        },
        timeout: TIMEOUT,
        ..PrinterSettings::default()
    };
    open(&settings, &PathBuf::from("/nonexistent"))
}

fn wait_for(jobs: &Arc<Mutex<Vec<Vec<u8>>>>, count: usize) -> Vec<Vec<u8>> {
    for _ in 0..100 {
        if jobs.lock().unwrap().len() >= count {
            break;
        }
        thread::sleep(Duration::from_millis(20));
    }
    jobs.lock().unwrap().clone()
}

#[test]
fn a_network_printer_receives_the_whole_job_and_confirms_it() {
    let (port, jobs) = tcp_printer(|_| (READY, None));
    let mut printer = tcp(port);
    let job = job("J1", 5000);
    printer.send(&job).unwrap();
    let received = wait_for(&jobs, 1);
    assert_eq!(received, vec![job.bytes]);
    assert!(printer.status().unwrap().can_print());
}

#[test]
fn a_network_printer_hanging_up_mid_job_is_an_interruption_not_a_success() {
    // The printer reads 3,000 bytes of a 60,000-byte job and closes the connection.
    let (port, jobs) = tcp_printer(|_| (READY, Some(3000)));
    let mut printer = tcp(port);
    let job = job("J2", 60_000);
    match printer.send(&job) {
        Err(PrinterError::Interrupted { total, .. }) => assert_eq!(total, job.bytes.len()),
        other => panic!("expected an interruption, got {other:?}"),
    }
    let received = wait_for(&jobs, 1);
    assert!(received[0].len() < job.bytes.len());
    assert!(
        !received[0].ends_with(&[0x1D, 0x56, 0x01]),
        "the cut never arrived"
    );
}

#[test]
fn a_small_job_cut_off_before_the_end_is_caught_by_the_status_receipt() {
    // Small enough to sit wholly in the socket buffer: only the DLE EOT after the job
    // shows the printer never read it all.
    let (port, _jobs) = tcp_printer(|_| (READY, Some(100)));
    let mut printer = tcp(port);
    assert!(matches!(
        printer.send(&job("J3", 400)),
        Err(PrinterError::Interrupted { .. })
    ));
}

#[test]
fn a_network_printer_without_paper_gets_no_job() {
    let (port, jobs) = tcp_printer(|_| (PAPER_OUT, None));
    let mut printer = tcp(port);
    match printer.send(&job("J4", 100)) {
        Err(PrinterError::NotReady(status)) => {
            assert!(status.paper_out);
            assert!(status.describe().zh.contains("缺纸"));
        }
        other => panic!("expected paper out, got {other:?}"),
    }
    let received = wait_for(&jobs, 1);
    assert!(received[0].is_empty(), "no job byte was sent");
    assert!(printer.status().unwrap().paper_out);
}

#[test]
fn nobody_listening_is_unreachable() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let mut printer = tcp(port);
    assert!(matches!(
        printer.status(),
        Err(PrinterError::Unreachable(_))
    ));
    assert!(matches!(
        printer.send(&job("J5", 10)),
        Err(PrinterError::Unreachable(_))
    ));
}

/// A pseudo-terminal pair: the printer side (master) and the device path (slave).
fn pty() -> (std::fs::File, PathBuf) {
    // SAFETY: plain libc pty calls; the fd is owned by the returned File.
    unsafe {
        let master = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY);
        assert!(master >= 0);
        assert_eq!(libc::grantpt(master), 0);
        assert_eq!(libc::unlockpt(master), 0);
        let mut name = [0 as libc::c_char; 128];
        assert_eq!(libc::ptsname_r(master, name.as_mut_ptr(), name.len()), 0);
        let path = std::ffi::CStr::from_ptr(name.as_ptr())
            .to_string_lossy()
            .into_owned();
        (std::fs::File::from_raw_fd(master), PathBuf::from(path))
    }
}

#[test]
fn a_serial_printer_is_configured_raw_and_answers_status() {
    let (master, device) = pty();
    let reader = master.try_clone().unwrap();
    let printer_side = thread::spawn(move || {
        struct Both(std::fs::File, std::fs::File);
        impl Read for Both {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                self.0.read(buf)
            }
        }
        impl Write for Both {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.1.write(buf)
            }
            fn flush(&mut self) -> std::io::Result<()> {
                self.1.flush()
            }
        }
        serve(Both(reader, master), READY, Some(5003))
    });
    let settings = PrinterSettings {
        connection: PrinterConnection::Serial {
            device: device.clone(),
            baud: 9600,
        },
        timeout: TIMEOUT,
        ..PrinterSettings::default()
    };
    let mut printer = open(&settings, &PathBuf::from("/nonexistent"));
    assert!(printer.describe().contains("9600"));
    let job = job("S1", 5000);
    printer.send(&job).unwrap();
    // Raw mode matters: a cooked tty would turn bytes into line edits and echo them.
    assert_eq!(printer_side.join().unwrap(), job.bytes);
}

#[test]
fn a_usb_device_that_does_not_answer_is_printed_to_with_status_unknown() {
    let (master, device) = pty();
    // Raw, no echo, like a one-way USB printer that never talks back.
    // SAFETY: termios filled by tcgetattr on an open fd.
    unsafe {
        let mut tio: libc::termios = std::mem::zeroed();
        libc::tcgetattr(master.as_raw_fd(), &mut tio);
        libc::cfmakeraw(&mut tio);
        libc::tcsetattr(master.as_raw_fd(), libc::TCSANOW, &tio);
    }
    let settings = PrinterSettings {
        connection: PrinterConnection::Usb {
            device: device.clone(),
        },
        timeout: Duration::from_millis(200),
        ..PrinterSettings::default()
    };
    let mut slave_raw = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&device)
        .unwrap();
    // SAFETY: as above, on the slave side.
    unsafe {
        let mut tio: libc::termios = std::mem::zeroed();
        libc::tcgetattr(slave_raw.as_raw_fd(), &mut tio);
        libc::cfmakeraw(&mut tio);
        libc::tcsetattr(slave_raw.as_raw_fd(), libc::TCSANOW, &tio);
    }
    slave_raw.flush().unwrap();
    let mut printer = open(&settings, &PathBuf::from("/nonexistent"));
    let status = printer.status().unwrap();
    assert!(!status.answered && status.can_print());
    let job = job("U1", 300);
    printer.send(&job).unwrap();
    let mut got = vec![0u8; 3 * 2 + job.bytes.len()];
    (&master).read_exact(&mut got).unwrap();
    // Two unanswered DLE EOT 1 (status, then send's check), then the job.
    assert_eq!(&got[..6], &[0x10, 0x04, 1, 0x10, 0x04, 1]);
    assert!(got.ends_with(&job.bytes));
}

#[test]
fn a_missing_device_is_unreachable() {
    let settings = PrinterSettings {
        connection: PrinterConnection::Usb {
            device: "/dev/usb/lp-does-not-exist".into(),
        },
        ..PrinterSettings::default()
    };
    let mut printer = open(&settings, &PathBuf::from("/nonexistent"));
    assert!(matches!(
        printer.status(),
        Err(PrinterError::Unreachable(_))
    ));
}

#[test]
fn the_simulator_writes_bytes_and_text_once_and_obeys_fault_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut printer = SpoolPrinter::new(dir.path());
    let job = Job {
        name: "HF01-20261128-0001".into(),
        bytes: b"\x1b@\x1c&hello\n\x1dV\x01".to_vec(),
    };
    assert_eq!(printer.delivery(&job), Delivery::NotDelivered);

    std::fs::write(dir.path().join("PAPER_OUT"), "").unwrap();
    assert!(matches!(printer.send(&job), Err(PrinterError::NotReady(s)) if s.paper_out));
    assert_eq!(printer.delivery(&job), Delivery::NotDelivered);

    std::fs::remove_file(dir.path().join("PAPER_OUT")).unwrap();
    printer.send(&job).unwrap();
    let bin = dir.path().join("HF01-20261128-0001.bin");
    assert_eq!(std::fs::read(&bin).unwrap(), job.bytes);
    let text = std::fs::read_to_string(dir.path().join("HF01-20261128-0001.txt")).unwrap();
    assert!(text.contains("hello"), "{text}");
    assert_eq!(printer.delivery(&job), Delivery::Delivered);

    // Sending the same job again leaves the first paper alone.
    let again = Job {
        bytes: b"different".to_vec(),
        ..job.clone()
    };
    printer.send(&again).unwrap();
    assert_eq!(std::fs::read(&bin).unwrap(), job.bytes);
}
