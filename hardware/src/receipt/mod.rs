//! Receipts on paper: a core `Receipt` checked, laid out and rendered to ESC/POS.
//!
//! The bytes assume a Chinese receipt printer: initialised (ESC @), switched into
//! Chinese mode (FS &) so double-byte GBK prints as Hanzi, text in GBK, QR codes with
//! the printer's own GS ( k. `render` writes the whole job into any `io::Write` in one
//! call, so tests (and the spool simulator) see exactly what a printer would.

mod decode;
mod layout;
mod paper;
mod printable;
mod render;

pub use decode::{slip_text, DecodeError};
pub use layout::{char_columns, layout, text_columns, wrap, Line, Style};
pub use paper::Paper;
pub use printable::{check, is_printable, make_printable, MAX_QR_PAYLOAD, MISSING_GLYPH};
pub use render::{render, render_to_vec, RenderError};
