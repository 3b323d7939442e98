//! Invariants 1 and 4 under fault injection: `linli signup` is killed with SIGKILL
//! at random moments. Every sign-up the program reported must be in the database,
//! every enrolment must have its outbox event and audit record, and the file must
//! pass SQLite's integrity check after every kill.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

const TODAY: &str = "2026-11-23T09:00:00";

fn count(data: &Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(data.join("linli.sqlite")).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn killing_linli_mid_write_loses_nothing_it_reported_and_half_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let seeded = Command::new(env!("CARGO_BIN_EXE_linli"))
        .arg("--data-dir")
        .arg(data)
        .arg("demo")
        .env("LINLI_NOW", TODAY)
        .output()
        .unwrap();
    assert!(seeded.status.success());
    let demo: serde_json::Value = serde_json::from_slice(&seeded.stdout).unwrap();
    let pin = demo["staff"][0]["pin"].as_str().unwrap().to_string();
    assert_eq!(demo["staff"][0]["code"], "S001");

    let elders: Vec<String> = {
        let conn = rusqlite::Connection::open(data.join("linli.sqlite")).unwrap();
        let mut stmt = conn
            .prepare(
                "SELECT id_number FROM residents WHERE birth_date < '1960-01-01'
                 AND id_number NOT IN (SELECT resident FROM enrolments WHERE programme_code = 'day-care')
                 ORDER BY id_number LIMIT 30",
            )
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert!(elders.len() >= 20);

    let mut reported = Vec::new();
    let mut killed = 0;
    for (i, id) in elders.iter().enumerate() {
        let mut child = Command::new(env!("CARGO_BIN_EXE_linli"))
            .arg("--data-dir")
            .arg(data)
            .args(["signup", "--resident", id, "--programme", "day-care"])
            .args(["--staff", "S001"])
            .env("LINLI_STAFF_PIN", &pin)
            .env("LINLI_NOW", TODAY)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Kill at a spread of moments: before opening, mid-transaction, after the commit.
        // Every fifth one runs to the end, so there are reported sign-ups to look for.
        if i % 5 != 0 {
            std::thread::sleep(Duration::from_micros((i as u64 * 1_700) % 25_000));
            let _ = child.kill();
        }
        let status = child.wait().unwrap();
        let mut out = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        if status.success() {
            reported.push(id.clone());
        } else {
            killed += 1;
        }
        // After every kill the file is intact and every enrolment is complete.
        let conn = rusqlite::Connection::open(data.join("linli.sqlite")).unwrap();
        let integrity: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(integrity, "ok");
    }
    assert!(killed > 0, "the test killed at least one sign-up in flight");
    assert!(!reported.is_empty(), "some sign-ups completed");
    for id in &reported {
        let n = count(data, &format!("SELECT count(*) FROM enrolments WHERE resident = '{id}' AND programme_code = 'day-care'"));
        assert_eq!(n, 1, "a reported sign-up survives");
    }
    let enrolment_rows = count(data, "SELECT count(*) FROM enrolments WHERE programme_code = 'day-care' AND created_at = '2026-11-23T09:00:00'");
    let audit_rows = count(
        data,
        "SELECT count(*) FROM audit_log WHERE action IN ('signup_confirmed', 'signup_waitlisted') AND at = '2026-11-23T09:00:00'",
    );
    assert_eq!(
        enrolment_rows, audit_rows,
        "every enrolment has its audit record and no audit record lacks its enrolment"
    );
    let events = count(
        data,
        "SELECT count(*) FROM outbox WHERE kind = 'enrolment_changed' AND created_at = '2026-11-23T09:00:00'",
    );
    assert!(
        events >= enrolment_rows,
        "every enrolment has its outbox event"
    );
}
