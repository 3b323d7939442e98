//! The print queue against a scripted printer: what happens to a job whose sender
//! died mid-print, and how a reprint settles it. (tests/printing.rs drives the same
//! queue through the `linli` binary with the simulator and a network printer.)

use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use linli::print::queue::job_state;
use linli::print::spooler::{Round, Spooler};
use linli::print::{self, JobState, Printing};
use linli::store::{open_connection, Actor, Store, DATABASE_FILE};
use linli_hardware::printer::{Delivery, Job, Printer, PrinterError, PrinterStatus};
use linli_hardware::receipt::{slip_text, Paper};

/// A printer that keeps what it is sent and answers `delivery` as scripted.
struct Scripted {
    printed: Arc<Mutex<Vec<Job>>>,
    delivery: Delivery,
}

impl Printer for Scripted {
    fn describe(&self) -> String {
        "scripted".into()
    }
    fn status(&mut self) -> Result<PrinterStatus, PrinterError> {
        Ok(PrinterStatus::ready())
    }
    fn send(&mut self, job: &Job) -> Result<(), PrinterError> {
        self.printed.lock().unwrap().push(job.clone());
        Ok(())
    }
    fn delivery(&self, _job: &Job) -> Delivery {
        self.delivery
    }
}

fn setup(
    delivery: Delivery,
) -> (
    tempfile::TempDir,
    Store,
    Spooler,
    Arc<Mutex<Vec<Job>>>,
    String,
) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_in(dir.path()).unwrap();
    let now = NaiveDate::from_ymd_opt(2026, 11, 28)
        .unwrap()
        .and_hms_opt(10, 0, 0)
        .unwrap();
    let slip = store
        .write(&Actor::cli(), now, |tx| {
            print::issue(tx, Printing::Queue, "test page", |stamp| {
                linli_core::slips::test_page(stamp, "scripted", "80mm", 48)
            })
        })
        .unwrap()
        .unwrap();
    let printed = Arc::new(Mutex::new(Vec::new()));
    let printer = Scripted {
        printed: printed.clone(),
        delivery,
    };
    let conn = open_connection(&dir.path().join(DATABASE_FILE)).unwrap();
    let spooler = Spooler::new(conn, Box::new(printer), Paper::Mm58);
    (dir, store, spooler, printed, slip.serial)
}

/// As a process SIGKILLed between sending the job and recording it leaves it.
fn die_while_sending(store: &Store, serial: &str, lease_until_ms: i64) {
    store
        .conn()
        .execute(
            "UPDATE print_jobs SET state = 'sending', lease_owner = '4194304:1', lease_until_ms = ?2
             WHERE serial = ?1",
            (serial, lease_until_ms),
        )
        .unwrap();
}

#[test]
fn a_job_whose_sender_died_is_held_in_doubt_until_staff_reprint_it() {
    let (_dir, mut store, mut spooler, printed, serial) = setup(Delivery::Unknown);
    // The lease has years to run, but its owner is gone: no need to wait it out.
    die_while_sending(&store, &serial, i64::MAX);
    assert_eq!(spooler.recover().unwrap(), 1);
    assert_eq!(
        job_state(store.conn(), &serial).unwrap(),
        Some(JobState::InDoubt)
    );
    // Not sent again on its own: the first paper may be in someone's hand.
    assert!(matches!(
        spooler.run_once().unwrap(),
        Round::Idle { next_due_ms: None }
    ));
    assert!(printed.lock().unwrap().is_empty());

    let now = NaiveDate::from_ymd_opt(2026, 11, 28)
        .unwrap()
        .and_hms_opt(10, 5, 0)
        .unwrap();
    store
        .write(&linli::usecase::demo::demo_actor("S001"), now, |tx| {
            print::reprint(tx, &serial)
        })
        .unwrap();
    assert_eq!(
        spooler.run_once().unwrap(),
        Round::Printed {
            serial: serial.clone(),
            copy: 1
        }
    );
    let jobs = printed.lock().unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].name, format!("{serial}-R1"));
    let text = slip_text(&jobs[0].bytes).unwrap();
    assert!(text.contains("重印") && text.contains(&serial), "{text}");
    let in_doubt: i64 = store
        .conn()
        .query_row(
            "SELECT count(*) FROM print_jobs WHERE state = 'in_doubt'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(in_doubt, 0, "the reprint settles the doubt");
}

#[test]
fn a_job_the_printer_never_got_is_sent_again_once() {
    let (_dir, store, mut spooler, printed, serial) = setup(Delivery::NotDelivered);
    die_while_sending(&store, &serial, 0);
    assert_eq!(spooler.recover().unwrap(), 1);
    assert!(matches!(
        spooler.run_once().unwrap(),
        Round::Printed { copy: 0, .. }
    ));
    assert!(matches!(spooler.run_once().unwrap(), Round::Idle { .. }));
    assert_eq!(printed.lock().unwrap().len(), 1);
    assert_eq!(
        job_state(store.conn(), &serial).unwrap(),
        Some(JobState::Printed)
    );
}

#[test]
fn a_job_that_did_arrive_is_recorded_not_resent() {
    let (_dir, store, mut spooler, printed, serial) = setup(Delivery::Delivered);
    die_while_sending(&store, &serial, 0);
    spooler.recover().unwrap();
    assert!(matches!(spooler.run_once().unwrap(), Round::Idle { .. }));
    assert!(printed.lock().unwrap().is_empty());
    assert_eq!(
        job_state(store.conn(), &serial).unwrap(),
        Some(JobState::Printed)
    );
}

#[test]
fn a_live_senders_job_is_left_alone() {
    let (_dir, store, mut spooler, _printed, serial) = setup(Delivery::Unknown);
    // Claimed by this very process (a CLI run printing it right now).
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let start = stat[stat.rfind(')').unwrap() + 2..]
        .split(' ')
        .nth(19)
        .unwrap()
        .to_string();
    store
        .conn()
        .execute(
            "UPDATE print_jobs SET state = 'sending', lease_owner = ?2, lease_until_ms = ?3 WHERE serial = ?1",
            (&serial, format!("{}:{start}", std::process::id()), i64::MAX),
        )
        .unwrap();
    assert_eq!(spooler.recover().unwrap(), 0);
    let state: String = store
        .conn()
        .query_row(
            "SELECT state FROM print_jobs WHERE serial = ?1",
            [&serial],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(state, "sending");
}
