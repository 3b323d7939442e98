//! linli-hardware: printers, GPIO and readers (filled by the receipts issue).
