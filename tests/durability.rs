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

/// A full disk, for real: the data directory on a small tmpfs in a mount namespace of
/// the test's own (`unshare -rm`: no root needed), filled to the last block.
#[test]
fn a_full_disk_is_named_as_such_loses_nothing_and_is_never_taken_for_damage() {
    let outside = tempfile::tempdir().unwrap();
    let seed = outside.path().join("seed");
    let seeded = Command::new(env!("CARGO_BIN_EXE_linli"))
        .arg("--data-dir")
        .arg(&seed)
        .arg("demo")
        .env("LINLI_TEST_NOW", TODAY)
        .output()
        .unwrap();
    assert!(seeded.status.success());
    let demo: serde_json::Value = serde_json::from_slice(&seeded.stdout).unwrap();
    let pin = demo["staff"][0]["pin"].as_str().unwrap().to_string();
    let child: String = rusqlite::Connection::open(seed.join("linli.sqlite"))
        .unwrap()
        .query_row(
            "SELECT id_number FROM residents WHERE birth_date BETWEEN '2016-01-01' AND '2018-06-30'
             AND id_number NOT IN (SELECT resident FROM enrolments) ORDER BY id_number LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let enrolments_before: i64 = rusqlite::Connection::open(seed.join("linli.sqlite"))
        .unwrap()
        .query_row("SELECT count(*) FROM enrolments", [], |r| r.get(0))
        .unwrap();
    let small = outside.path().join("small");
    std::fs::create_dir(&small).unwrap();
    let linli = env!("CARGO_BIN_EXE_linli");
    let out = outside.path().display().to_string();
    let script = format!(
        r#"set -u
mount -t tmpfs -o size=6m tmpfs '{small}'
cp -a '{seed}' '{small}/data'
dd if=/dev/zero of='{small}/fill' bs=4096 2>/dev/null
'{linli}' --data-dir '{small}/data' signup --resident {child} --programme after-school --staff S001 > '{out}/signup.json'; echo $? > '{out}/signup.code'
'{linli}' --data-dir '{small}/data' doctor > '{out}/doctor.json'; echo $? > '{out}/doctor.code'
rm '{small}/fill'
'{linli}' --data-dir '{small}/data' signup --resident {child} --programme after-school --staff S001 > '{out}/again.json'; echo $? > '{out}/again.code'
cp -a '{small}/data' '{out}/after'
"#,
        small = small.display(),
        seed = seed.display(),
    );
    let ran = Command::new("unshare")
        .args(["-rm", "sh", "-c", &script])
        .env("LINLI_TEST_NOW", TODAY)
        .env("LINLI_STAFF_PIN", &pin)
        .output()
        .expect("unshare (util-linux) runs: the full-disk test needs a mount namespace");
    assert!(
        ran.status.success(),
        "the namespace could not be set up: {}",
        String::from_utf8_lossy(&ran.stderr)
    );
    let read = |name: &str| std::fs::read_to_string(outside.path().join(name)).unwrap();
    let signup: serde_json::Value = serde_json::from_str(&read("signup.json")).unwrap();
    assert_ne!(read("signup.code").trim(), "0", "{signup}");
    assert_eq!(signup["code"], "disk_full", "{signup}");
    let said = signup["error"].as_str().unwrap();
    assert!(
        said.contains("存储空间已满") && said.contains("MB"),
        "{said}"
    );
    assert!(!said.contains("disk I/O error"), "{said}");
    let doctor: serde_json::Value = serde_json::from_str(&read("doctor.json")).unwrap();
    assert_eq!(doctor["disk"]["state"], "full", "{doctor}");
    assert!(
        !doctor.to_string().to_lowercase().contains("restore it"),
        "no restore is advised for a full disk: {doctor}"
    );
    assert!(doctor["disk"]["advice"]
        .as_str()
        .unwrap()
        .contains("do not restore"));
    // Room again: the sign-up goes through and everything from before is there.
    let again: serde_json::Value = serde_json::from_str(&read("again.json")).unwrap();
    assert_eq!(read("again.code").trim(), "0", "{again}");
    assert_eq!(again["status"], "confirmed", "{again}");
    let after: i64 = rusqlite::Connection::open(outside.path().join("after/linli.sqlite"))
        .unwrap()
        .query_row("SELECT count(*) FROM enrolments", [], |r| r.get(0))
        .unwrap();
    assert_eq!(after, enrolments_before + 1);
}
