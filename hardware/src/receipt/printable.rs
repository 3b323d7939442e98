//! What a printer can print: the character set of a Chinese receipt printer (GBK),
//! the checks a slip passes before it is queued, and the substitutes for what it
//! cannot print.

use linli_core::receipt::Receipt;
use linli_core::FieldError;

/// Longest QR payload accepted: version 11 at level M holds 251 bytes.
pub const MAX_QR_PAYLOAD: usize = 240;

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
