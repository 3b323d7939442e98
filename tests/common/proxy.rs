//! A TCP proxy between a kiosk and the district that injects network faults: the
//! request reaches the server (which commits) but the reply is dropped; a 503; a
//! server that never answers; a connection refused at once.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Fault {
    /// Passes everything through.
    None = 0,
    /// Forwards the request, lets the server answer, then closes the client's
    /// connection without passing the answer on.
    DropReply = 1,
    /// Answers 503 without asking the server.
    Unavailable = 2,
    /// Reads the request and never answers.
    Hang = 3,
    /// Closes every connection at once.
    Refuse = 4,
}

pub struct Proxy {
    pub address: SocketAddr,
    fault: Arc<AtomicU8>,
    /// Replies dropped so far (DropReply).
    pub dropped: Arc<AtomicUsize>,
}

impl Proxy {
    pub fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let fault = Arc::new(AtomicU8::new(Fault::None as u8));
        let dropped = Arc::new(AtomicUsize::new(0));
        let (mode, count) = (fault.clone(), dropped.clone());
        thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let fault = match mode.load(Ordering::SeqCst) {
                    1 => Fault::DropReply,
                    2 => Fault::Unavailable,
                    3 => Fault::Hang,
                    4 => Fault::Refuse,
                    _ => Fault::None,
                };
                let count = count.clone();
                thread::spawn(move || serve(client, upstream, fault, &count));
            }
        });
        Proxy {
            address,
            fault,
            dropped,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    pub fn set(&self, fault: Fault) {
        self.fault.store(fault as u8, Ordering::SeqCst);
    }
}

fn serve(mut client: TcpStream, upstream: SocketAddr, fault: Fault, dropped: &AtomicUsize) {
    match fault {
        Fault::Refuse => {
            let _ = client.shutdown(Shutdown::Both);
        }
        Fault::Hang => {
            let mut buffer = [0u8; 4096];
            while let Ok(n) = client.read(&mut buffer) {
                if n == 0 {
                    break;
                }
            }
            thread::sleep(Duration::from_secs(120));
        }
        Fault::Unavailable => {
            // The whole request is read before answering: closing a socket with
            // unread bytes in it sends a reset, which the client may see before
            // the 503 and report as a broken connection instead.
            let _ = client.set_read_timeout(Some(Duration::from_secs(2)));
            read_request(&mut client);
            let body =
                r#"{"error":{"zh":"维护中","en":"down for maintenance"},"code":"unavailable"}"#;
            let _ = write!(
                client,
                "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = client.flush();
            let _ = client.shutdown(Shutdown::Write);
            // Drain until the client closes, for the same reason.
            let mut rest = [0u8; 4096];
            while matches!(client.read(&mut rest), Ok(n) if n > 0) {}
        }
        Fault::None | Fault::DropReply => {
            let Ok(mut server) = TcpStream::connect(upstream) else {
                return;
            };
            let (mut client_read, mut server_write) =
                (client.try_clone().unwrap(), server.try_clone().unwrap());
            thread::spawn(move || {
                let _ = std::io::copy(&mut client_read, &mut server_write);
                let _ = server_write.shutdown(Shutdown::Write);
            });
            let mut buffer = [0u8; 65536];
            loop {
                match server.read(&mut buffer) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if fault == Fault::DropReply {
                            // The server has answered, so it has committed: the
                            // client never learns it.
                            dropped.fetch_add(1, Ordering::SeqCst);
                            break;
                        }
                        if client.write_all(&buffer[..n]).is_err() {
                            break;
                        }
                    }
                }
            }
            let _ = client.shutdown(Shutdown::Both);
            let _ = server.shutdown(Shutdown::Both);
        }
    }
}

/// Reads one HTTP request, headers and `content-length` body, so nothing of it is
/// left unread when the proxy answers on its own.
fn read_request(client: &mut TcpStream) {
    let mut request = Vec::new();
    let mut buffer = [0u8; 65536];
    loop {
        if let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
            let headers = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
            let length = headers
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .and_then(|value| value.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if request.len() >= end + 4 + length {
                return;
            }
        }
        match client.read(&mut buffer) {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buffer[..n]),
        }
    }
}
