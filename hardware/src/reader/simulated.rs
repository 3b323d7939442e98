//! A reader driven by code rather than a device.

use std::sync::mpsc::Sender;

use super::token::{ReaderEvent, Token};
use crate::config::Reads;

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
