//! Why a job did not reach the paper.

use super::status::PrinterStatus;

/// Why a job did not reach the paper. The queue decides from the kind whether to
/// retry with backoff (`Unreachable`, `Interrupted`) or wait for a person
/// (`NotReady`: paper out, cover open).
#[derive(Debug, thiserror::Error)]
pub enum PrinterError {
    /// Could not connect, or the printer did not answer in time.
    #[error("printer unreachable: {0}")]
    Unreachable(String),
    /// The connection broke while the job was being sent; the printer may have
    /// printed part of it, but never the cut, so the whole job is sent again.
    #[error("job interrupted after {sent} of {total} bytes: {reason}")]
    Interrupted {
        sent: usize,
        total: usize,
        reason: String,
    },
    /// The printer answered and cannot print now (no paper, cover open, offline).
    #[error("printer not ready: {0:?}")]
    NotReady(PrinterStatus),
    #[error("printer I/O: {0}")]
    Io(#[from] std::io::Error),
}
