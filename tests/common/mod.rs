//! Running the `linli` binary as a user does, for the integration tests: JSON on
//! stdout, exit codes, the data directory left behind.
#![allow(dead_code)] // not every helper is used by every module

pub mod proxy;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

/// A Monday in term time, so the children's programmes run (the demo dates relative to it).
pub const TODAY: &str = "2026-11-23T09:00:00";

pub fn linli(data: &Path, args: &[&str]) -> Output {
    command(data, args).output().expect("linli runs")
}

/// The command `linli` would run, for tests that add environment or start it in
/// the background.
pub fn command(data: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_linli"));
    command
        .arg("--data-dir")
        .arg(data)
        .args(args)
        // The test suite's own clock (debug builds only): unlike LINLI_NOW it holds on
        // enrolled and real-centre directories too, which the sync tests need.
        .env("LINLI_TEST_NOW", TODAY)
        .env_remove("LINLI_NOW")
        .env_remove("LINLI_STAFF_PIN")
        .env_remove("LINLI_STAFF")
        .env_remove("LINLI_DEVICE_CONFIG");
    command
}

/// `command` at another moment of the test suite's clock ("2026-11-23T17:55:00").
pub fn command_at(data: &Path, now: &str, args: &[&str]) -> Command {
    let mut command = command(data, args);
    command.env("LINLI_TEST_NOW", now);
    command
}

/// `linli` at `now`, which must succeed: its JSON.
pub fn run_at(data: &Path, now: &str, args: &[&str]) -> Value {
    let out = command_at(data, now, args).output().expect("linli runs");
    assert!(
        out.status.success(),
        "linli {args:?} failed: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    json(&out)
}

pub fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

pub fn ok(data: &Path, args: &[&str]) -> Value {
    let out = linli(data, args);
    assert!(
        out.status.success(),
        "linli {args:?} failed: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    json(&out)
}

pub fn refused(data: &Path, args: &[&str]) -> Value {
    let out = linli(data, args);
    assert_eq!(
        out.status.code(),
        Some(1),
        "linli {args:?} should be refused: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let v = json(&out);
    assert!(v["error"].is_string(), "{v}");
    assert!(v["reasons"].is_array(), "{v}");
    v
}

pub fn count(data: &Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(data.join("linli.sqlite")).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// A demo staff member's PIN, from the `linli demo` output that printed it.
pub fn demo_pin(demo: &Value, code: &str) -> String {
    demo["staff"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == code)
        .unwrap()["pin"]
        .as_str()
        .unwrap()
        .to_string()
}

/// `linli` run by a demo staff member: `--staff CODE` with the PIN `linli demo`
/// printed in `demo`, as staff at the desk run it.
pub fn as_staff(data: &Path, demo: &Value, code: &str, args: &[&str]) -> Output {
    command(data, args)
        .args(["--staff", code])
        .env("LINLI_STAFF_PIN", demo_pin(demo, code))
        .output()
        .expect("linli runs")
}

/// [`as_staff`] that must succeed; its JSON.
pub fn staff_ok(data: &Path, demo: &Value, code: &str, args: &[&str]) -> Value {
    let out = as_staff(data, demo, code, args);
    assert!(
        out.status.success(),
        "linli {args:?} as {code} failed: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    json(&out)
}

/// [`as_staff`] that must be refused (exit 1); its JSON.
pub fn staff_refused(data: &Path, demo: &Value, code: &str, args: &[&str]) -> Value {
    let out = as_staff(data, demo, code, args);
    assert_eq!(
        out.status.code(),
        Some(1),
        "linli {args:?} as {code} should be refused: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    json(&out)
}

/// `linli demo` on `data`, keeping its output (the staff PINs it printed once) beside
/// the data for helpers that only get the directory; see [`saved_demo`].
pub fn seed_demo(data: &Path) -> Value {
    let demo = ok(data, &["demo"]);
    std::fs::write(data.join("test-demo-output.json"), demo.to_string()).unwrap();
    demo
}

/// What [`seed_demo`] printed for `data`.
pub fn saved_demo(data: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(data.join("test-demo-output.json")).unwrap())
        .unwrap()
}

/// On the demo centre: the phone of a volunteer off shift who has the only kiosk PIN on
/// that number.
pub const VOLUNTEER_PHONE: &str =
    "SELECT r.phone FROM volunteers v JOIN residents r ON r.id_number = v.id_number
     JOIN resident_pins p ON p.id_number = r.id_number
     WHERE v.id_number NOT IN (SELECT volunteer FROM shifts WHERE status = 'open')
     AND (SELECT count(*) FROM residents o JOIN resident_pins op ON op.id_number = o.id_number
          WHERE o.phone = r.phone) = 1
     ORDER BY r.id_number LIMIT 1";
