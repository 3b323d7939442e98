//! What a reader read, and which reader read it.

use crate::config::Reads;

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
