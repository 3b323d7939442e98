//! A week offline on one busy kiosk: 50,000 events waiting in the outbox, drained to a
//! real district server (release build, local PostgreSQL) by one sync round. Target:
//! under 30 s. Run with `cargo bench --bench sync`; figures go in docs/benchmarks.md.
//! `LINLI_SYNC_EVENTS` changes the number of events.

use std::time::Instant;

use chrono::Duration;
use linli::store::{Actor, Store};
use linli::usecase::demo;
use linli_core::outbox::{AttendanceEventKind, EventPayload};
use linli_district::admin;
use linli_district::testing::{TestDb, TestServer};

fn main() {
    let events: usize = std::env::var("LINLI_SYNC_EVENTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(50_000);
    let db = TestDb::create();
    let server = TestServer::start(&db.url);
    let code = db.run(|pool| async move {
        admin::centre_add(
            &pool,
            demo::CENTRE_CODE,
            demo::CENTRE_NAME,
            "440306",
            "440306005003",
        )
        .await
        .unwrap();
        admin::device_add(&pool, demo::CENTRE_CODE, "busy-kiosk")
            .await
            .unwrap()["code"]
            .as_str()
            .unwrap()
            .to_string()
    });
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_in(dir.path()).unwrap();
    let now = linli::clock::now();
    demo::seed(&mut store, now).unwrap();
    linli::sync::enrol(&mut store, dir.path(), &server.url(), &code, true, now).unwrap();
    linli::sync::round(&mut store, dir.path()).unwrap();

    // A week of a busy centre's days, offline: children checked in and out of the
    // after-school programme, written as the use-cases write them (100 per commit).
    let children: Vec<String> = {
        let mut stmt = store
            .conn()
            .prepare("SELECT resident FROM enrolments WHERE status = 'confirmed'")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let mut written = 0;
    let mut day = 0;
    while written < events {
        store
            .write(&Actor::kiosk(), now, |tx| {
                for i in 0..100.min(events - written) {
                    let child = &children[(written + i) % children.len()];
                    let at = now - Duration::days(7)
                        + Duration::minutes(((written + i) / 2) as i64 % 600);
                    tx.emit(EventPayload::AttendanceRecorded {
                        programme_code: "after-school".into(),
                        session_date: (now - Duration::days(7 - (day % 7))).date(),
                        resident_id_number: child.clone(),
                        kind: if (written + i) % 2 == 0 {
                            AttendanceEventKind::CheckIn
                        } else {
                            AttendanceEventKind::CheckOut
                        },
                        at,
                        picked_up_by: None,
                        left_alone: false,
                    });
                }
                Ok(())
            })
            .unwrap();
        written += 100.min(events - written);
        day += 1;
    }
    let started = Instant::now();
    let report = linli::sync::round(&mut store, dir.path()).unwrap();
    let elapsed = started.elapsed();
    assert_eq!(report.pending, 0);
    println!("| measure | events | time | events/s | target |");
    println!("| --- | --- | --- | --- | --- |");
    println!(
        "| a week offline drained (one round, batches of {}) | {} | {:.1} s | {:.0} | < 30 s |",
        linli::sync::PUSH_BATCH,
        report.pushed,
        elapsed.as_secs_f64(),
        report.pushed as f64 / elapsed.as_secs_f64()
    );
    drop(server);
}
