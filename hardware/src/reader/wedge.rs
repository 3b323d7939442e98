//! Telling a keyboard-wedge reader's typing apart from a person's.

use std::time::{Duration, Instant};

use super::token::Token;
use crate::config::DEFAULT_KEY_GAP;

/// Shorter bursts are stray keys, not a card or code.
pub const MIN_TOKEN_CHARS: usize = 4;
/// A stuck or misbehaving device must not grow a burst without limit; the largest QR
/// symbols hold under 3000 characters.
pub const MAX_TOKEN_CHARS: usize = 4096;

/// A key as a wedge reader types it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Enter,
}

/// Collects keys into bursts; a burst that ends with Enter, with no gap between keys
/// longer than the limit, is what a reader typed. Pure: time comes in with each key.
#[derive(Clone, Debug)]
pub struct WedgeDecoder {
    max_gap: Duration,
    burst: String,
    chars: usize,
    overflowed: bool,
    last_key: Option<Instant>,
}

impl Default for WedgeDecoder {
    fn default() -> Self {
        WedgeDecoder::new(DEFAULT_KEY_GAP)
    }
}

impl WedgeDecoder {
    pub fn new(max_gap: Duration) -> Self {
        WedgeDecoder {
            max_gap,
            burst: String::new(),
            chars: 0,
            overflowed: false,
            last_key: None,
        }
    }

    /// Feeds one key pressed at `at`; returns the token when this Enter ends a burst.
    pub fn key(&mut self, key: Key, at: Instant) -> Option<Token> {
        // A pause longer than a reader ever makes means the keys before it were typed
        // by a person (or were a fragment): start over from this key.
        if self
            .last_key
            .is_some_and(|last| at.saturating_duration_since(last) > self.max_gap)
        {
            self.reset();
        }
        match key {
            Key::Char(c) => {
                self.push(c);
                self.last_key = Some(at);
                None
            }
            Key::Enter => {
                let complete = self.chars >= MIN_TOKEN_CHARS && !self.overflowed;
                let burst = std::mem::take(&mut self.burst);
                self.reset();
                complete.then(|| Token::classify(burst))
            }
        }
    }

    /// Drops the burst so far: used when a key arrives that cannot be represented,
    /// since a token missing a character must never be taken for a real one.
    pub fn reset(&mut self) {
        self.burst.clear();
        self.chars = 0;
        self.overflowed = false;
        self.last_key = None;
    }

    fn push(&mut self, c: char) {
        if self.chars == MAX_TOKEN_CHARS {
            self.overflowed = true;
        } else {
            self.burst.push(c);
            self.chars += 1;
        }
    }
}
