//! Receipts on paper: a core `Receipt` checked, laid out and rendered to ESC/POS.
//!
//! The bytes assume a Chinese receipt printer: initialised (ESC @), switched into
//! Chinese mode (FS &) so double-byte GBK prints as Hanzi, text in GBK, QR codes with
//! the printer's own GS ( k. `render` writes the whole job into any `io::Write` in one
//! call, so tests (and the spool simulator) see exactly what a printer would.

mod decode;
mod layout;

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

use escpos::driver::Driver;
use escpos::printer::Printer;
use escpos::utils::{Encoder, Protocol, QRCodeCorrectionLevel, QRCodeModel, QRCodeOption};
use linli_core::receipt::Receipt;
use linli_core::FieldError;

pub use decode::{slip_text, DecodeError};
pub use layout::{char_columns, layout, text_columns, wrap, Line, Style};

/// Paper roll width. Columns are for the printer's standard font A (12 × 24 dots):
/// 384 dots / 12 = 32, 576 / 12 = 48.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Paper {
    Mm58,
    Mm80,
}

impl Paper {
    /// As the configuration file and the test page write it.
    pub fn label(self) -> &'static str {
        match self {
            Paper::Mm58 => "58mm",
            Paper::Mm80 => "80mm",
        }
    }

    pub fn columns(self) -> usize {
        match self {
            Paper::Mm58 => 32,
            Paper::Mm80 => 48,
        }
    }

    pub fn dots(self) -> usize {
        match self {
            Paper::Mm58 => 384,
            Paper::Mm80 => 576,
        }
    }

    /// QR module size in dots: 72 modules across the paper fit a version 11 symbol
    /// (61 modules) with its 4-module quiet zone on each side, which holds any
    /// payload `check` lets through.
    fn qr_module_dots(self) -> u8 {
        (self.dots() / 72).min(8) as u8
    }
}

/// Longest QR payload accepted: version 11 at level M holds 251 bytes.
pub const MAX_QR_PAYLOAD: usize = 240;

/// Commands sent raw: escpos has no call for them (see PLATFORM-NOTES).
const FS_CHINESE_MODE_ON: &[u8] = &[0x1C, 0x26];
const GS_SIZE_DOUBLE_HEIGHT: &[u8] = &[0x1D, 0x21, 0x01];
const GS_SIZE_NORMAL: &[u8] = &[0x1D, 0x21, 0x00];

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The slip cannot be printed as built: a missing field, an unprintable character.
    #[error("receipt refused: {0}")]
    Refused(FieldError),
    #[error("ESC/POS: {0}")]
    Escpos(String),
    #[error("writing the print job: {0}")]
    Io(#[from] std::io::Error),
}

impl From<escpos::errors::PrinterError> for RenderError {
    fn from(error: escpos::errors::PrinterError) -> Self {
        RenderError::Escpos(error.to_string())
    }
}

/// Whether the printer prints `c`: ASCII graphic characters and space, and anything
/// GBK encodes in two bytes. Single-byte non-ASCII GBK (0x80, "€" in encoding_rs's
/// GBK) is refused: printer fonts do not carry it.
pub fn is_printable(c: char) -> bool {
    if c.is_control() {
        return false;
    }
    if c.is_ascii() {
        return true;
    }
    let mut buffer = [0u8; 4];
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(c.encode_utf8(&mut buffer));
    !unmappable && bytes.len() == 2
}

/// Every check a slip must pass before it is queued: the model's own validation and
/// the printer's character set. Run it when the slip is built so a refusal reaches the
/// person at the counter, not a garbled paper.
pub fn check(receipt: &Receipt) -> Result<(), FieldError> {
    if let Some(error) = receipt.validate().into_iter().next() {
        return Err(error);
    }
    if receipt.qr_payload.len() > MAX_QR_PAYLOAD {
        return Err(FieldError::new(
            "qr_payload",
            "too_long",
            format!("二维码内容不能超过{MAX_QR_PAYLOAD}个字符"),
            format!("The QR payload must be at most {MAX_QR_PAYLOAD} characters"),
        ));
    }
    receipt.check_printable(is_printable)
}

/// What stands in for a character no printer font has: a white square, which GBK
/// holds, so a rare character in a name (生僻字 outside GBK) prints as a visible gap
/// instead of refusing the whole slip, or the action it records.
pub const MISSING_GLYPH: char = '\u{25A1}';

/// The slip with every unprintable character replaced: by the look-alike the printer
/// has (￥ for ¥), by a space for control characters, otherwise by `MISSING_GLYPH`.
/// Slips built from people's data go through this before `check`.
pub fn make_printable(mut receipt: Receipt) -> Receipt {
    let fix = |text: &mut String| {
        if text.chars().all(is_printable) {
            return;
        }
        *text = text
            .chars()
            .map(|c| match c {
                c if is_printable(c) => c,
                c if c.is_control() => ' ',
                c => linli_core::receipt::printable_substitute(c)
                    .filter(|&s| is_printable(s))
                    .unwrap_or(MISSING_GLYPH),
            })
            .collect();
    };
    fix(&mut receipt.centre_name);
    fix(&mut receipt.title.zh);
    fix(&mut receipt.title.en);
    for line in &mut receipt.body {
        match line {
            linli_core::receipt::BodyLine::Row { label, value } => {
                fix(label);
                fix(value);
            }
            linli_core::receipt::BodyLine::Paragraph { text } => fix(text),
            linli_core::receipt::BodyLine::Separator => {}
        }
    }
    fix(&mut receipt.serial);
    fix(&mut receipt.verification_code);
    fix(&mut receipt.privacy_note);
    receipt
}

/// The ESC/POS job for `receipt` on `paper`, written to `out` in one `write_all`.
pub fn render(receipt: &Receipt, paper: Paper, out: &mut impl Write) -> Result<(), RenderError> {
    let bytes = render_to_vec(receipt, paper)?;
    out.write_all(&bytes)?;
    out.flush()?;
    Ok(())
}

/// The ESC/POS job for `receipt` on `paper`.
pub fn render_to_vec(receipt: &Receipt, paper: Paper) -> Result<Vec<u8>, RenderError> {
    check(receipt).map_err(RenderError::Refused)?;
    let buffer = Buffer::default();
    let mut printer = Printer::new(
        buffer.clone(),
        Protocol::new(Encoder::new(encoding_rs::GBK)),
        None,
    );
    printer.init()?.custom(FS_CHINESE_MODE_ON)?;
    for line in layout(receipt, paper) {
        match line.style {
            Style::Normal => {
                printer.writeln(&line.text)?;
            }
            Style::Bold => {
                printer.bold(true)?.writeln(&line.text)?.bold(false)?;
            }
            Style::Title => {
                printer
                    .bold(true)?
                    .custom(GS_SIZE_DOUBLE_HEIGHT)?
                    .writeln(&line.text)?
                    .custom(GS_SIZE_NORMAL)?
                    .bold(false)?;
            }
            Style::Qr => {
                let option = QRCodeOption::new(
                    QRCodeModel::Model2,
                    paper.qr_module_dots(),
                    QRCodeCorrectionLevel::M,
                );
                printer
                    .justify(escpos::utils::JustifyMode::CENTER)?
                    .qrcode_option(&line.text, option)?
                    .justify(escpos::utils::JustifyMode::LEFT)?;
            }
        }
    }
    // Feed the last line past the cutter before the partial cut.
    printer.feeds(4)?.partial_cut()?.print()?;
    drop(printer);
    let bytes = buffer.0.take();
    Ok(bytes)
}

/// An escpos driver that collects the job in memory; escpos drivers write through
/// `&self`, hence the shared cell.
#[derive(Clone, Default)]
struct Buffer(Rc<RefCell<Vec<u8>>>);

impl Driver for Buffer {
    fn name(&self) -> String {
        "memory".to_string()
    }

    fn write(&self, data: &[u8]) -> escpos::errors::Result<()> {
        self.0.borrow_mut().extend_from_slice(data);
        Ok(())
    }

    fn read(&self, _buf: &mut [u8]) -> escpos::errors::Result<usize> {
        Ok(0)
    }

    fn flush(&self) -> escpos::errors::Result<()> {
        Ok(())
    }
}
