//! The ESC/POS bytes of a laid-out slip, written into any `io::Write` in one call.

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

use escpos::driver::Driver;
use escpos::printer::Printer;
use escpos::utils::{Encoder, Protocol, QRCodeCorrectionLevel, QRCodeModel, QRCodeOption};
use linli_core::receipt::Receipt;
use linli_core::FieldError;

use super::layout::{layout, Style};
use super::paper::Paper;
use super::printable::check;

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
