//! Every configured reader of the kiosk, started together and feeding one channel.

#[cfg(not(target_os = "linux"))]
use std::sync::mpsc::Sender;
use std::sync::mpsc::{self, Receiver};

#[cfg(target_os = "linux")]
use super::evdev::EvdevReader;
use super::simulated::SimulatedReader;
use super::token::ReaderEvent;
#[cfg(not(target_os = "linux"))]
use crate::config::Reads;
use crate::config::{ReaderKind, ReaderSettings};

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
