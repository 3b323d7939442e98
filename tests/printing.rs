//! Slips through the durable print queue, run as a user runs `linli`, with faults
//! injected: paper pulled, the process killed mid-print, a network printer that
//! hangs up in the middle of a job. Nothing lost, nothing printed twice.

use crate::common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{command, count, demo_pin, json, linli, ok, refused, staff_ok};
use serde_json::Value;

const CUT: [u8; 4] = [0x1D, 0x56, 0x41, 0x01];

fn spool(dir: &Path) -> std::path::PathBuf {
    dir.join("spool")
}

fn spooled(dir: &Path, suffix: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(spool(dir))
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(suffix))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn only_slip(v: &Value) -> &Value {
    let slips = v["slips"]
        .as_array()
        .unwrap_or_else(|| panic!("no slips in {v}"));
    assert_eq!(slips.len(), 1, "{v}");
    &slips[0]
}

/// A child of primary-school age with no after-school enrolment yet.
fn free_child(dir: &Path) -> String {
    let conn = rusqlite::Connection::open(dir.join("linli.sqlite")).unwrap();
    conn.query_row(
        "SELECT id_number FROM residents WHERE birth_date BETWEEN '2016-01-01' AND '2018-06-30'
         AND id_number NOT IN (SELECT resident FROM enrolments) ORDER BY id_number LIMIT 1",
        [],
        |r| r.get(0),
    )
    .unwrap()
}

#[test]
fn the_test_page_prints_to_the_simulator_and_a_reprint_needs_staff() {
    let dir = tempfile::tempdir().unwrap();
    let demo = ok(dir.path(), &["demo"]);
    let v = ok(dir.path(), &["print-test"]);
    let slip = only_slip(&v);
    assert_eq!(slip["print"]["state"], "printed", "{v}");
    let serial = slip["serial"].as_str().unwrap();
    let text = std::fs::read_to_string(spool(dir.path()).join(format!("{serial}.txt"))).unwrap();
    assert!(text.contains(serial), "{text}");
    assert!(!text.contains("重印"), "{text}");

    let refusal = refused(dir.path(), &["reprint", serial]);
    assert_eq!(refusal["code"], "staff_credential_required");
    // The technician may run diagnostics but not put slips on paper again.
    let out = command(dir.path(), &["reprint", serial, "--staff", "S004"])
        .env("LINLI_STAFF_PIN", demo_pin(&demo, "S004"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    let out = command(dir.path(), &["reprint", serial, "--staff", "S001"])
        .env("LINLI_STAFF_PIN", demo_pin(&demo, "S001"))
        .output()
        .unwrap();
    let v = json(&out);
    assert!(out.status.success(), "{v}");
    assert_eq!(only_slip(&v)["print"]["state"], "printed", "{v}");
    let again =
        std::fs::read_to_string(spool(dir.path()).join(format!("{serial}-R1.txt"))).unwrap();
    assert!(again.contains("重印") && again.contains(serial), "{again}");
    assert_eq!(
        count(dir.path(), "SELECT count(*) FROM audit_log WHERE action = 'slip_reprinted' AND actor = 'staff:S001'"),
        1
    );
}

#[test]
fn paper_out_keeps_the_slip_and_it_prints_once_paper_is_back() {
    let dir = tempfile::tempdir().unwrap();
    let demo = ok(dir.path(), &["demo"]);
    let child = free_child(dir.path());
    std::fs::create_dir_all(spool(dir.path())).unwrap();
    std::fs::write(spool(dir.path()).join("PAPER_OUT"), "").unwrap();

    let started = Instant::now();
    let v = staff_ok(
        dir.path(),
        &demo,
        "S001",
        &[
            "signup",
            "--resident",
            &child,
            "--programme",
            "after-school",
        ],
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "a person is told at once, not after the whole wait"
    );
    assert_eq!(v["status"], "confirmed", "{v}");
    let slip = only_slip(&v);
    assert_eq!(slip["print"]["state"], "queued", "{v}");
    assert_eq!(slip["print"]["code"], "paper_out", "{v}");
    assert!(
        slip["print"]["reason"]["zh"]
            .as_str()
            .unwrap()
            .contains("缺纸"),
        "{v}"
    );
    assert!(spooled(dir.path(), ".bin").is_empty());
    let doctor = json(&linli(dir.path(), &["doctor"]));
    assert_eq!(
        doctor["printer"]["status"]["problems"][0], "paper_out",
        "{doctor}"
    );
    assert_eq!(doctor["print_jobs"]["queued"], 1, "{doctor}");

    std::fs::remove_file(spool(dir.path()).join("PAPER_OUT")).unwrap();
    let run = ok(dir.path(), &["print-queue", "run"]);
    let serial = slip["serial"].as_str().unwrap();
    assert_eq!(run["printed"][0]["serial"], serial, "{run}");
    assert_eq!(spooled(dir.path(), ".bin"), [format!("{serial}.bin")]);
    let text = std::fs::read_to_string(spool(dir.path()).join(format!("{serial}.txt"))).unwrap();
    assert!(
        !text.contains(&child),
        "the slip never carries the full ID number"
    );
    assert_eq!(
        text.matches("演示 DEMO").count(),
        2,
        "a slip from the demo centre says so, top and bottom: {text}"
    );

    // Running the queue again prints nothing more.
    let run = ok(dir.path(), &["print-queue", "run"]);
    assert_eq!(run["printed"].as_array().unwrap().len(), 0, "{run}");
    assert_eq!(spooled(dir.path(), ".bin").len(), 1);
}

#[test]
fn no_print_records_the_action_without_a_slip() {
    let dir = tempfile::tempdir().unwrap();
    let demo = ok(dir.path(), &["demo"]);
    let child = free_child(dir.path());
    let v = staff_ok(
        dir.path(),
        &demo,
        "S001",
        &[
            "--no-print",
            "signup",
            "--resident",
            &child,
            "--programme",
            "after-school",
        ],
    );
    assert_eq!(v["status"], "confirmed");
    assert!(v["slips"].as_array().is_none_or(|s| s.is_empty()), "{v}");
    assert_eq!(count(dir.path(), "SELECT count(*) FROM print_jobs"), 0);
    assert!(spooled(dir.path(), ".bin").is_empty());
}

#[test]
fn killing_the_printing_process_loses_no_slip_and_prints_none_twice() {
    let dir = tempfile::tempdir().unwrap();
    ok(dir.path(), &["demo"]);
    std::fs::create_dir_all(spool(dir.path())).unwrap();
    let paper_out = spool(dir.path()).join("PAPER_OUT");
    std::fs::write(&paper_out, "").unwrap();
    let mut serials = Vec::new();
    for _ in 0..24 {
        let v = ok(dir.path(), &["print-test"]);
        serials.push(only_slip(&v)["serial"].as_str().unwrap().to_string());
    }
    std::fs::remove_file(&paper_out).unwrap();

    // Kill the drain at ever later moments until one finishes on its own.
    let mut kills = 0;
    for delay_ms in (5..).step_by(15) {
        let mut child = command(dir.path(), &["print-queue", "run"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        if child.try_wait().unwrap().is_some() {
            break;
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        kills += 1;
        assert!(kills < 200, "the queue never drained");
    }
    let v = ok(dir.path(), &["print-queue", "run"]);
    assert!(
        kills >= 2,
        "the drain was interrupted at least twice ({kills})"
    );
    assert_eq!(v["queue"]["open"].as_array().unwrap().len(), 0, "{v}");

    let expected: Vec<String> = serials.iter().map(|s| format!("{s}.bin")).collect();
    let mut expected_sorted = expected.clone();
    expected_sorted.sort();
    assert_eq!(
        spooled(dir.path(), ".bin"),
        expected_sorted,
        "each slip exactly once"
    );
    assert_eq!(
        count(
            dir.path(),
            "SELECT count(*) FROM print_jobs WHERE state = 'printed'"
        ),
        serials.len() as i64
    );
    assert!(spooled(dir.path(), ".partial").len() <= 1);
}

/// A network printer that hangs up after 500 bytes of its first job and behaves
/// afterwards. Returns the port and every connection's bytes.
fn flaky_network_printer() -> (u16, Arc<Mutex<Vec<Vec<u8>>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for (index, stream) in listener.incoming().enumerate() {
            let mut stream = stream.unwrap();
            let mut received = Vec::new();
            let mut byte = [0u8; 1];
            let mut tail: Vec<u8> = Vec::new();
            while let Ok(1) = stream.read(&mut byte) {
                tail.push(byte[0]);
                if tail.len() > 3 {
                    received.push(tail.remove(0));
                }
                if tail.len() == 3 && tail[0] == 0x10 && tail[1] == 0x04 {
                    let _ = stream.write_all(&[0x12]);
                    tail.clear();
                }
                if index == 0 && received.len() >= 500 {
                    break;
                }
            }
            received.extend(tail);
            log.lock().unwrap().push(received);
        }
    });
    (port, seen)
}

#[test]
fn a_network_printer_hanging_up_mid_job_gets_the_whole_job_again_once() {
    let dir = tempfile::tempdir().unwrap();
    ok(dir.path(), &["demo"]);
    let (port, seen) = flaky_network_printer();
    std::fs::write(
        dir.path().join("device.toml"),
        format!(
            "[printer]\nkind = \"tcp\"\nhost = \"127.0.0.1\"\nport = {port}\ntimeout_ms = 1000\n"
        ),
    )
    .unwrap();
    let v = ok(dir.path(), &["print-test"]);
    assert_eq!(only_slip(&v)["print"]["state"], "printed", "{v}");
    assert!(
        only_slip(&v)["printer"].as_str().unwrap().contains("TCP"),
        "{v}"
    );
    let jobs: Vec<Vec<u8>> = seen
        .lock()
        .unwrap()
        .iter()
        .filter(|bytes| !bytes.is_empty())
        .cloned()
        .collect();
    let complete: Vec<&Vec<u8>> = jobs.iter().filter(|b| b.ends_with(&CUT)).collect();
    assert_eq!(
        complete.len(),
        1,
        "one whole slip, however often it was sent"
    );
    assert!(
        jobs.iter().any(|b| !b.ends_with(&CUT) && b.len() >= 500),
        "the broken first try"
    );
    assert_eq!(count(dir.path(), "SELECT max(attempts) FROM print_jobs"), 2);
}

#[test]
fn a_bad_device_configuration_is_refused_with_every_mistake() {
    let dir = tempfile::tempdir().unwrap();
    ok(dir.path(), &["demo"]);
    std::fs::write(
        dir.path().join("device.toml"),
        "[printer]\nkind = \"laser\"\n\n[gpio]\nbuzzer = 22\ncall_button = 22\n",
    )
    .unwrap();
    let v = refused(dir.path(), &["print-test"]);
    assert_eq!(v["code"], "device_config_invalid");
    let reasons = v["reasons"].to_string();
    assert!(reasons.contains("laser"), "{reasons}");
    assert!(reasons.contains("22"), "{reasons}");
    let doctor = linli(dir.path(), &["doctor"]);
    assert_eq!(doctor.status.code(), Some(1));
    assert_eq!(json(&doctor)["printer"]["configured"], false);
}

#[test]
fn a_volunteer_takes_home_a_record_and_staff_print_a_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let demo = ok(dir.path(), &["demo"]);
    let conn = rusqlite::Connection::open(dir.path().join("linli.sqlite")).unwrap();
    let volunteer: String = conn
        .query_row(
            "SELECT id_number FROM volunteers WHERE id_number NOT IN
             (SELECT volunteer FROM shifts WHERE status = 'open') ORDER BY id_number LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let at = |time: &str, args: &[&str]| {
        let out = command(dir.path(), args)
            .args(["--staff", "S001"])
            .env("LINLI_STAFF_PIN", demo_pin(&demo, "S001"))
            .env("LINLI_TEST_NOW", format!("2026-11-23T{time}"))
            .output()
            .unwrap();
        let v = json(&out);
        assert!(out.status.success(), "{args:?}: {v}");
        v
    };
    at(
        "09:00:00",
        &[
            "volunteer",
            "clock-in",
            "--resident",
            &volunteer,
            "--activity",
            "四点半学校辅导",
        ],
    );
    let out = at(
        "11:07:00",
        &["volunteer", "clock-out", "--resident", &volunteer],
    );
    assert_eq!(out["minutes"], 120, "{out}");
    let slip = only_slip(&out);
    assert_eq!(slip["kind"], "volunteer_clock_out");
    assert_eq!(slip["print"]["state"], "printed", "{out}");
    let serial = slip["serial"].as_str().unwrap();
    let text = std::fs::read_to_string(spool(dir.path()).join(format!("{serial}.txt"))).unwrap();
    assert!(text.contains("不是志愿服务证明"), "{text}");
    assert!(!text.contains(&volunteer), "{text}");

    let certificate = |staff: &str| {
        command(
            dir.path(),
            &[
                "volunteer",
                "certificate",
                "--resident",
                &volunteer,
                "--from",
                "2026-01-01",
                "--to",
                "2026-12-31",
                "--staff",
                staff,
            ],
        )
        .env("LINLI_STAFF_PIN", demo_pin(&demo, staff))
        .output()
        .unwrap()
    };
    // The front desk prints slips but does not vouch for hours.
    assert_eq!(certificate("S001").status.code(), Some(1));
    let out = certificate("S002");
    let v = json(&out);
    assert!(out.status.success(), "{v}");
    let slip = only_slip(&v);
    assert_eq!(slip["kind"], "volunteer_certificate");
    let text = std::fs::read_to_string(
        spool(dir.path()).join(format!("{}.txt", slip["serial"].as_str().unwrap())),
    )
    .unwrap();
    assert!(text.contains("志愿服务证明"), "{text}");
    assert!(
        text.contains(slip["verification_code"].as_str().unwrap()),
        "{text}"
    );
    // Today's shift awaits review, so it is not in the certificate's hours.
    assert_eq!(v["approved_minutes"], count(dir.path(), &format!(
        "SELECT coalesce(sum(json_extract(body, '$.minutes')), 0) FROM shifts WHERE volunteer = '{volunteer}' AND status = 'approved'"
    )), "{v}");
}
