//! Printing use-cases that are about the printer itself: the test page, reprints and
//! a technician's run of the queue. Slips for residents are issued by the use-cases
//! whose action they record (sign-up, cancellation, clock-out…).

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use linli_core::staff::{Permission, StaffMember};
use serde_json::{json, Value};

use crate::print::spooler::{Round, Spooler};
use crate::print::{self, device, Printing};
use crate::store::{Actor, AppError, Store};

/// `linli print-test`: the test page names the printer it was meant for, so a page
/// that comes out of the wrong printer says so.
pub fn print_test(
    store: &mut Store,
    data_dir: &Path,
    actor: &Actor,
    now: NaiveDateTime,
    printing: Printing,
) -> Result<Value, AppError> {
    let config = device::load(data_dir)?;
    let printer = linli_hardware::printer::open(&config.printer, &data_dir.join("spool"));
    let description = printer.describe();
    let paper = config.printer.paper;
    let slip = store.write(actor, now, |tx| {
        print::issue(tx, printing, "test page", |stamp| {
            linli_core::slips::test_page(stamp, &description, paper.label(), paper.columns())
        })
    })?;
    Ok(json!({"printer": description, "slips": slip.into_iter().collect::<Vec<_>>()}))
}

/// `linli reprint SERIAL`: staff with the reprint permission only, audited.
pub fn reprint(
    store: &mut Store,
    staff: &StaffMember,
    now: NaiveDateTime,
    serial: &str,
) -> Result<Value, AppError> {
    let slip = store.write(&Actor::member(staff), now, |tx| {
        tx.authorise(Permission::ReprintSlips)?;
        print::reprint(tx, serial)
    })?;
    Ok(json!({"reprint_of": serial, "slips": [slip]}))
}

/// `linli print-queue run`: prints every due job, for a technician who has just
/// loaded paper or fixed the cable, and says what is left.
pub fn run_queue(data_dir: &Path, wait: Duration) -> Result<Value, AppError> {
    let config = device::load(data_dir)?;
    let mut spooler = Spooler::open(data_dir, &config.printer)?;
    let recovered = spooler.recover()?;
    spooler.retry_now()?;
    let deadline = Instant::now() + wait;
    let mut printed = Vec::new();
    let mut stopped = Value::Null;
    while Instant::now() < deadline {
        match spooler.run_once()? {
            Round::Printed { serial, copy } => {
                printed.push(json!({"serial": serial, "copy": copy}))
            }
            Round::Held { serial, problem } => {
                stopped = json!({"serial": serial, "problem": problem});
                break;
            }
            Round::Failed { serial, error } => {
                stopped = json!({"serial": serial, "problem": error});
                break;
            }
            Round::Idle { .. } => break,
        }
    }
    Ok(json!({
        "printer": spooler.describe_printer(),
        "recovered": recovered,
        "printed": printed,
        "stopped_by": stopped,
        "queue": spooler.queue_report()?,
    }))
}
