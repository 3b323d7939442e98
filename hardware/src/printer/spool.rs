//! The simulated printer: each job becomes `<name>.bin` (the exact bytes a printer
//! would get) and `<name>.txt` (what it would print) in the spool directory.
//!
//! It behaves like a printer where it matters to the queue. Faults are injected the
//! way a technician would cause them: a file named `PAPER_OUT`, `COVER_OPEN` or
//! `OFFLINE` in the spool directory is the roll pulled, the lid lifted, the printer
//! switched off. The `.bin` is renamed into place last, so it exists only for a job
//! that was completely written: that is what `delivery` answers after a crash.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::error::PrinterError;
use super::status::PrinterStatus;
use super::transport::{Delivery, Job, Printer};
use crate::receipt::slip_text;

/// The files that simulate printer faults, with what each means.
pub const SIMULATED_FAULT_FILES: [(&str, &str); 3] = [
    ("PAPER_OUT", "paper out"),
    ("COVER_OPEN", "cover open"),
    ("OFFLINE", "printer offline"),
];

pub struct SpoolPrinter {
    dir: PathBuf,
}

impl SpoolPrinter {
    pub fn new(dir: &Path) -> Self {
        SpoolPrinter {
            dir: dir.to_path_buf(),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn bin(&self, job: &Job) -> PathBuf {
        self.dir.join(format!("{}.bin", job.name))
    }

    fn write_atomically(&self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        let partial = path.with_extension("partial");
        let mut file = File::create(&partial)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&partial, path)
    }
}

impl Printer for SpoolPrinter {
    fn describe(&self) -> String {
        format!("simulated printer, spool {}", self.dir.display())
    }

    fn status(&mut self) -> Result<PrinterStatus, PrinterError> {
        fs::create_dir_all(&self.dir)
            .map_err(|e| PrinterError::Unreachable(format!("spool {}: {e}", self.dir.display())))?;
        let present = |name: &str| self.dir.join(name).exists();
        Ok(PrinterStatus {
            online: !present("OFFLINE"),
            paper_out: present("PAPER_OUT"),
            cover_open: present("COVER_OPEN"),
            ..PrinterStatus::ready()
        })
    }

    fn send(&mut self, job: &Job) -> Result<(), PrinterError> {
        let status = self.status()?;
        if !status.can_print() {
            return Err(PrinterError::NotReady(status));
        }
        let bin = self.bin(job);
        if bin.exists() {
            // Already on paper: a repeated send must not print twice.
            return Ok(());
        }
        let text = slip_text(&job.bytes)
            .unwrap_or_else(|e| format!("(the job could not be decoded: {e})\n"));
        self.write_atomically(&self.dir.join(format!("{}.txt", job.name)), text.as_bytes())?;
        self.write_atomically(&bin, &job.bytes)?;
        // The rename is durable only once the directory itself is synced.
        File::open(&self.dir)?.sync_all()?;
        Ok(())
    }

    fn delivery(&self, job: &Job) -> Delivery {
        if self.bin(job).exists() {
            Delivery::Delivered
        } else {
            Delivery::NotDelivered
        }
    }
}
