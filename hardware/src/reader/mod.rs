//! Card readers and QR scanners.
//!
//! Most IC-card readers and QR scanners are USB "keyboard wedge" devices: they type
//! what they read, quickly, and press Enter. `EvdevReader` takes such a device for
//! the kiosk alone and turns its typing into `Token`s; `SimulatedReader` presents
//! tokens by code. Both deliver `ReaderEvent`s on one channel, which the kiosk reads
//! without knowing which kind of reader it has.

#[cfg(target_os = "linux")]
pub mod evdev;
mod wedge;

use std::sync::mpsc::{self, Receiver, Sender};

use crate::config::{ReaderKind, ReaderSettings, Reads};

#[cfg(target_os = "linux")]
pub use evdev::EvdevReader;
pub use wedge::{Key, WedgeDecoder, MAX_TOKEN_CHARS, MIN_TOKEN_CHARS};

/// What a reader read.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Token {
    /// An IC card's number: 6 to 20 digits.
    Card(String),
    /// Anything else, such as a QR code's content (a slip's verification URL).
    Code(String),
}

impl Token {
    pub fn classify(text: String) -> Token {
        let digits = text.chars().all(|c| c.is_ascii_digit());
        if digits && (6..=20).contains(&text.len()) {
            Token::Card(text)
        } else {
            Token::Code(text)
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Token::Card(text) | Token::Code(text) => text,
        }
    }

    /// What a token read by a reader for `reads` is: a code scanner never yields a
    /// card, whatever it read (a QR code of digits is still a code).
    pub fn from_reader(self, reads: Reads) -> Token {
        match (reads, self) {
            (Reads::Codes, Token::Card(text)) => Token::Code(text),
            (_, token) => token,
        }
    }
}

/// A token and the name (from the device configuration) of the reader that read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReaderEvent {
    pub reader: String,
    pub token: Token,
}

/// A reader that reads what code presents to it: tests, demos and desktops.
#[derive(Clone, Debug)]
pub struct SimulatedReader {
    name: String,
    reads: Reads,
    events: Sender<ReaderEvent>,
}

impl SimulatedReader {
    pub fn new(name: impl Into<String>, reads: Reads, events: Sender<ReaderEvent>) -> Self {
        SimulatedReader {
            name: name.into(),
            reads,
            events,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn present(&self, token: Token) {
        // Nobody listening (the kiosk is shutting down) is not the reader's problem.
        let _ = self.events.send(ReaderEvent {
            reader: self.name.clone(),
            token: token.from_reader(self.reads),
        });
    }
}

/// Every reader of the kiosk, feeding one channel. Dropping it stops the readers
/// and hands their devices back.
pub struct Readers {
    events: Receiver<ReaderEvent>,
    simulated: Vec<SimulatedReader>,
    devices: Vec<(String, EvdevReader)>,
}

impl Readers {
    pub fn events(&self) -> &Receiver<ReaderEvent> {
        &self.events
    }

    /// Takes the event channel, for a thread of its own; `events` then yields nothing.
    /// The readers keep running as long as `self` lives.
    pub fn take_events(&mut self) -> Receiver<ReaderEvent> {
        std::mem::replace(&mut self.events, mpsc::channel().1)
    }

    /// The simulated reader called `name`, to present tokens to; also the stand-in
    /// for a device reader this machine cannot open.
    pub fn simulated(&self, name: &str) -> Option<&SimulatedReader> {
        self.simulated.iter().find(|reader| reader.name() == name)
    }

    /// Names of device readers that are not plugged in (or cannot be opened) now.
    pub fn disconnected(&self) -> Vec<&str> {
        self.devices
            .iter()
            .filter(|(_, reader)| !reader.is_connected())
            .map(|(name, _)| name.as_str())
            .collect()
    }
}

/// Starts every configured reader. A device reader that cannot be started on this
/// machine becomes a simulated one, with a one-line note on stderr saying why.
pub fn open_readers(settings: &[ReaderSettings]) -> Readers {
    let (sender, events) = mpsc::channel();
    let mut readers = Readers {
        events,
        simulated: Vec::new(),
        devices: Vec::new(),
    };
    for reader in settings {
        let simulated = SimulatedReader::new(reader.name.clone(), reader.reads, sender.clone());
        let ReaderKind::KeyboardWedge { device, key_gap } = &reader.kind else {
            readers.simulated.push(simulated);
            continue;
        };
        match EvdevReader::open(&reader.name, device, *key_gap, reader.reads, sender.clone()) {
            Ok(device) => readers.devices.push((reader.name.clone(), device)),
            Err(e) => {
                eprintln!(
                    "linli: 读卡器 {name} 改为模拟：无法启动：{e} / \
                     reader {name} is simulated: it cannot start: {e}",
                    name = reader.name,
                );
                readers.simulated.push(simulated);
            }
        }
    }
    readers
}

/// Off Linux there are no event devices; an empty type keeps `Readers` one shape.
#[cfg(not(target_os = "linux"))]
enum EvdevReader {}

#[cfg(not(target_os = "linux"))]
impl EvdevReader {
    fn open(
        _name: &str,
        _device: &std::path::Path,
        _key_gap: std::time::Duration,
        _reads: Reads,
        _events: Sender<ReaderEvent>,
    ) -> std::io::Result<EvdevReader> {
        Err(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            "keyboard-wedge readers need Linux",
        ))
    }

    fn is_connected(&self) -> bool {
        match *self {}
    }
}
