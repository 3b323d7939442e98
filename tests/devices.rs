//! The kiosk's devices as the kiosk starts them: the print thread printing what use-cases
//! queue, and the call-staff button reaching the staff as an alert.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use linli::devices::Devices;
use linli::print::queue::job_state;
use linli::print::{self, JobState, Printing};
use linli::store::worker::StoreWorker;
use linli::store::{Actor, Store};
use linli::usecase::alerts;

fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !check() {
        assert!(
            Instant::now() < deadline,
            "{what} did not happen within 10 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn open_calls(worker: &StoreWorker) -> usize {
    worker
        .call(|store| alerts::open(store).unwrap())
        .unwrap()
        .len()
}

#[test]
fn the_print_thread_prints_what_a_use_case_queues_and_the_button_calls_staff() {
    let dir = tempfile::tempdir().unwrap();
    let worker = StoreWorker::spawn(Store::open_in(dir.path()).unwrap());
    let devices = Devices::start(dir.path(), &worker);
    assert!(devices.problem.is_none());
    let print_thread = devices.print.clone().expect("the print thread runs");

    let now = NaiveDate::from_ymd_opt(2026, 11, 28)
        .unwrap()
        .and_hms_opt(9, 0, 0)
        .unwrap();
    let serial = worker
        .call(move |store: &mut Store| {
            store
                .write(&Actor::kiosk(), now, |tx| {
                    print::issue(tx, Printing::Queue, "test page", |stamp| {
                        linli_core::slips::test_page(stamp, "simulated", "80mm", 48)
                    })
                })
                .unwrap()
                .unwrap()
                .serial
        })
        .unwrap();
    print_thread.wake();
    let bin = dir.path().join("spool").join(format!("{serial}.bin"));
    eventually("the slip printing", || bin.exists());
    let conn = rusqlite::Connection::open(dir.path().join("linli.sqlite")).unwrap();
    eventually("the job recorded as printed", || {
        job_state(&conn, &serial).unwrap() == Some(JobState::Printed)
    });

    // A worried resident presses three times: one call for the staff, not three.
    let button = devices
        .call_button
        .as_ref()
        .expect("simulated on this machine");
    button.press();
    button.press();
    button.press();
    eventually("the call reaching the staff", || open_calls(&worker) == 1);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(open_calls(&worker), 1);

    // Someone at the desk answers it, by name; answering it twice is refused.
    let answered = worker
        .call(move |store: &mut Store| {
            let id = alerts::open(store).unwrap()[0].id;
            let desk = linli::store::Actor::member(&linli_core::staff::StaffMember {
                code: "S001".into(),
                name: "前台".into(),
                roles: vec![linli_core::staff::Role::FrontDesk],
            });
            let first = alerts::acknowledge(store, &desk, now, id).map(|_| ());
            let again = alerts::acknowledge(store, &desk, now, id).map(|_| ());
            (first, again)
        })
        .unwrap();
    assert!(answered.0.is_ok());
    assert!(
        matches!(answered.1, Err(linli::error::AppError::Refused(r)) if r.code == "no_open_alert")
    );
    assert_eq!(open_calls(&worker), 0);
}

#[test]
fn a_broken_configuration_holds_slips_but_not_the_call_for_help() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("device.toml"),
        "[printer]\nkind = \"usb\"\n",
    )
    .unwrap();
    let worker = StoreWorker::spawn(Store::open_in(dir.path()).unwrap());
    let devices = Devices::start(dir.path(), &worker);
    let problem = devices.problem.as_ref().expect("the problem is named");
    assert!(problem.en.contains("device"), "{problem}");
    assert!(
        devices.print.is_none(),
        "nothing is sent to a half-understood printer"
    );
    devices.call_button.as_ref().unwrap().press();
    eventually("the call reaching the staff", || open_calls(&worker) == 1);
}

#[test]
fn an_offer_whose_deadline_passes_goes_to_the_next_person_without_anyone_touching_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_in(dir.path()).unwrap();
    linli::usecase::demo::seed(&mut store, linli::clock::now()).unwrap();
    // The demo's open lunch-care offer, with its deadline moved into the past.
    let offered: String = store
        .conn()
        .query_row(
            "SELECT resident FROM enrolments WHERE programme_code = 'lunch-care' AND status = 'offered'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    // Through a connection of its own, as time passing looks to the store.
    rusqlite::Connection::open(store.path())
        .unwrap()
        .execute(
            "UPDATE enrolments SET offer_deadline = '2000-01-01T00:00:00' WHERE status = 'offered'",
            [],
        )
        .unwrap();
    let worker = StoreWorker::spawn(store);
    let _sweep = linli::offer_sweep::OfferSweep::spawn(worker.clone(), Duration::from_millis(100));
    let status = |worker: &StoreWorker, id: String| {
        worker
            .call(move |store| {
                store
                    .conn()
                    .query_row(
                        "SELECT status FROM enrolments WHERE resident = ?1 AND programme_code = 'lunch-care' ORDER BY rowid DESC LIMIT 1",
                        [&id],
                        |r| r.get::<_, String>(0),
                    )
                    .unwrap()
            })
            .unwrap()
    };
    eventually("the lapsed offer is handed on", || {
        status(&worker, offered.clone()) != "offered"
    });
    let now_offered = worker
        .call(|store| {
            store
                .conn()
                .query_row(
                    "SELECT count(*) FROM enrolments WHERE programme_code = 'lunch-care' AND status = 'offered'",
                    [],
                    |r| r.get::<_, i64>(0),
                )
                .unwrap()
        })
        .unwrap();
    assert_eq!(
        now_offered, 1,
        "the seat went to the next person on the list"
    );
}
