//! linli-hardware: printers, GPIO and readers.
//!
//! So far: turning a core `Receipt` into ESC/POS bytes for a Chinese receipt printer
//! (`receipt`). Transports, the print queue, status, GPIO and readers follow in the
//! rest of the receipts issue.

pub mod receipt;
