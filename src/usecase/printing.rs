//! Printing use-cases that are about the printer itself: the test page, reprints and
//! a technician's run of the queue. Slips for residents are issued by the use-cases
//! whose action they record (sign-up, cancellation, clock-out…).

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use linli_core::staff::Permission;
use serde::Serialize;

use crate::error::AppError;
use crate::print::report::QueueReport;
use crate::print::spooler::{Round, Spooler};
use crate::print::{self, device, Printing};
use crate::store::{Actor, Issued, Store};

/// A test page issued, naming the printer it was meant for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TestPage {
    pub printer: String,
}

/// Another copy of a slip queued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reprinted {
    pub reprint_of: String,
}

/// A copy that came out during a queue run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrintedCopy {
    pub serial: String,
    pub copy: i64,
}

/// The job a queue run stopped at, and why (no paper, cover open, unreachable).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoppedBy {
    pub serial: String,
    pub problem: String,
}

/// `linli print-queue run`: what printed, what stopped it, and what is left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueueRun {
    pub printer: String,
    /// Jobs left "sending" by a process that died, put back in the queue.
    pub recovered: usize,
    pub printed: Vec<PrintedCopy>,
    pub stopped_by: Option<StoppedBy>,
    pub queue: QueueReport,
}

/// `linli print-test`: the test page names the printer it was meant for, so a page
/// that comes out of the wrong printer says so.
pub fn print_test(
    store: &mut Store,
    data_dir: &Path,
    actor: &Actor,
    now: NaiveDateTime,
    printing: Printing,
) -> Result<Issued<TestPage>, AppError> {
    let config = device::load(data_dir)?;
    let printer = linli_hardware::printer::open(&config.printer, &data_dir.join("spool"));
    let description = printer.describe();
    let paper = config.printer.paper;
    store.write_issuing(actor, now, |tx| {
        print::issue(tx, printing, "test page", |stamp| {
            linli_core::slips::test_page(stamp, &description, paper.label(), paper.columns())
        })?;
        Ok(TestPage {
            printer: description.clone(),
        })
    })
}

/// `linli reprint SERIAL`: staff with the reprint permission only, audited.
pub fn reprint(
    store: &mut Store,
    actor: &Actor,
    now: NaiveDateTime,
    serial: &str,
) -> Result<Issued<Reprinted>, AppError> {
    store.write_issuing(actor, now, |tx| {
        tx.authorise(Permission::ReprintSlips)?;
        print::reprint(tx, serial)?;
        Ok(Reprinted {
            reprint_of: serial.to_string(),
        })
    })
}

/// `linli print-queue run`: prints every due job, for a technician who has just
/// loaded paper or fixed the cable, and says what is left.
pub fn run_queue(data_dir: &Path, wait: Duration) -> Result<QueueRun, AppError> {
    let config = device::load(data_dir)?;
    let mut spooler = Spooler::open(data_dir, &config.printer)?;
    let recovered = spooler.recover()?;
    spooler.retry_now()?;
    let deadline = Instant::now() + wait;
    let mut printed = Vec::new();
    let mut stopped_by = None;
    while Instant::now() < deadline {
        match spooler.run_once()? {
            Round::Printed { serial, copy } => printed.push(PrintedCopy { serial, copy }),
            Round::Held { serial, problem } => {
                stopped_by = Some(StoppedBy { serial, problem });
                break;
            }
            Round::Failed { serial, error } => {
                stopped_by = Some(StoppedBy {
                    serial,
                    problem: error,
                });
                break;
            }
            Round::Idle { .. } => break,
        }
    }
    Ok(QueueRun {
        printer: spooler.describe_printer(),
        recovered,
        printed,
        stopped_by,
        queue: spooler.queue_report()?,
    })
}
