//! The scriptable interface, run as a user runs it: the `linli` binary, JSON on
//! stdout, exit codes, and the data directory left behind.

use crate::common;

use common::{as_staff, count, demo_pin, json, linli, ok, refused, staff_ok, staff_refused};

const CSV_HEADER: &str = "household_code,address,name,id_number,phone,tags\n";
// Valid GB 11643 numbers: a mother, her son aged 9 and an elderly man living alone.
const MOTHER: &str = "440306198703150026";
const SON: &str = "440306201703150015";
const ELDER: &str = "440306194001010015";

fn valid_id(first17: &str) -> String {
    format!(
        "{first17}{}",
        linli_core::identity::check_character(first17).unwrap()
    )
}

fn family_csv() -> String {
    format!(
        "{CSV_HEADER}T-001,海富花园1栋101,张丽,{},13800138000,low_income\nT-001,海富花园1栋101,张小明,{},,\nT-002,海富花园2栋202,王大爷,{},13912345678,living_alone\n",
        valid_id(&MOTHER[..17]),
        valid_id(&SON[..17]),
        valid_id(&ELDER[..17])
    )
}

#[test]
fn demo_seeds_a_whole_centre_once() {
    let dir = tempfile::tempdir().unwrap();
    let first = ok(dir.path(), &["demo"]);
    assert_eq!(first["already_seeded"], false);
    let households = first["summary"]["households"].as_i64().unwrap();
    let residents = first["summary"]["residents"].as_i64().unwrap();
    assert!(
        (250..=350).contains(&households),
        "about 300 households, got {households}"
    );
    assert!(
        (650..=950).contains(&residents),
        "about 800 residents, got {residents}"
    );
    let staff = first["staff"].as_array().unwrap();
    assert_eq!(staff.len(), 4, "four demo staff with their PINs");
    assert!(staff.iter().all(|s| s["pin"].as_str().unwrap().len() == 6));

    let programmes = staff_ok(dir.path(), &first, "S003", &["export", "programmes"]);
    let kinds: std::collections::BTreeSet<&str> = programmes
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    for kind in ["after_school", "lunch_care", "day_care", "activity"] {
        assert!(
            kinds.contains(kind),
            "a {kind} programme in the demo: {kinds:?}"
        );
    }
    for p in programmes.as_array().unwrap() {
        assert!(
            p["confirmed"].as_i64().unwrap() <= p["capacity"].as_i64().unwrap(),
            "{p}"
        );
    }
    let lunch = programmes
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == "lunch-care")
        .unwrap();
    assert!(
        lunch["waitlisted"].as_i64().unwrap() > 0,
        "lunch care has a waiting list: {lunch}"
    );
    assert_eq!(
        count(
            dir.path(),
            "SELECT count(*) FROM businesses WHERE filing_status = 'filed'"
        ),
        2
    );
    assert!(count(dir.path(), "SELECT count(*) FROM ledgers") >= 2);
    assert!(count(dir.path(), "SELECT count(*) FROM shifts") > 0);

    let before = count(dir.path(), "SELECT count(*) FROM outbox")
        + count(dir.path(), "SELECT count(*) FROM enrolments");
    let second = ok(dir.path(), &["demo"]);
    assert_eq!(second["already_seeded"], true);
    assert!(second.get("staff").is_none(), "PINs are printed only once");
    let after = count(dir.path(), "SELECT count(*) FROM outbox")
        + count(dir.path(), "SELECT count(*) FROM enrolments");
    assert_eq!(before, after, "running demo twice changes nothing");
}

#[test]
fn import_is_all_or_nothing_and_names_line_column_and_reason() {
    let dir = tempfile::tempdir().unwrap();
    // Staff to import with: the demo centre's manager.
    let demo = ok(dir.path(), &["demo"]);
    let residents_before = count(dir.path(), "SELECT count(*) FROM residents");
    let events_before = count(dir.path(), "SELECT count(*) FROM outbox");
    let bad = dir.path().join("bad.csv");
    let good_line = format!(
        "T-001,海富花园1栋101,张丽,{},13800138000,low_income\n",
        valid_id(&MOTHER[..17])
    );
    // Line 3 has a wrong check digit, line 4 a bad phone and an invalid tag.
    let mut wrong_check = valid_id(&SON[..17]);
    let last = wrong_check.pop().unwrap();
    wrong_check.push(if last == '1' { '2' } else { '1' });
    std::fs::write(
        &bad,
        format!("{CSV_HEADER}{good_line}T-001,海富花园1栋101,张小明,{wrong_check},,\nT-002,海富花园2栋202,王大爷,{},12345,Low Income\n", valid_id(&ELDER[..17])),
    )
    .unwrap();
    let v = staff_refused(
        dir.path(),
        &demo,
        "S003",
        &["import", "households", bad.to_str().unwrap()],
    );
    let reasons: Vec<String> = v["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_string())
        .collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("line 3") && r.contains("id_number")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("line 4") && r.contains("phone")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("line 4") && r.contains("tags")),
        "{reasons:?}"
    );
    assert_eq!(
        count(dir.path(), "SELECT count(*) FROM residents"),
        residents_before,
        "nothing imported"
    );
    assert_eq!(
        count(dir.path(), "SELECT count(*) FROM outbox"),
        events_before
    );

    let good = dir.path().join("good.csv");
    std::fs::write(&good, family_csv()).unwrap();
    let first = staff_ok(
        dir.path(),
        &demo,
        "S003",
        &["import", "households", good.to_str().unwrap()],
    );
    assert_eq!(first["imported"]["residents_created"], 3);
    assert_eq!(first["imported"]["households_created"], 2);
    let events = count(dir.path(), "SELECT count(*) FROM outbox");
    let second = staff_ok(
        dir.path(),
        &demo,
        "S003",
        &["import", "households", good.to_str().unwrap()],
    );
    assert_eq!(second["imported"]["residents_created"], 0);
    assert_eq!(second["imported"]["unchanged"], 3);
    assert_eq!(
        count(dir.path(), "SELECT count(*) FROM residents"),
        residents_before + 3
    );
    assert_eq!(
        count(dir.path(), "SELECT count(*) FROM outbox"),
        events,
        "a repeated import sends nothing new"
    );
}

#[test]
fn a_missing_column_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let demo = ok(dir.path(), &["demo"]);
    let file = dir.path().join("x.csv");
    std::fs::write(
        &file,
        "household_code,address,name,id_number,tags\nA,B,C,D,\n",
    )
    .unwrap();
    let v = staff_refused(
        dir.path(),
        &demo,
        "S003",
        &["import", "households", file.to_str().unwrap()],
    );
    assert!(v["reasons"][0].as_str().unwrap().contains("phone"), "{v}");
}

#[test]
fn signup_confirms_then_waitlists_with_an_explanation_and_cancel_offers_the_seat() {
    let dir = tempfile::tempdir().unwrap();
    let demo = ok(dir.path(), &["demo"]);
    // Find two children in term age with no enrolment in after-school, fill the rest.
    let enrolments = staff_ok(dir.path(), &demo, "S003", &["export", "programmes"]);
    let after = enrolments
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == "after-school")
        .unwrap()
        .clone();
    let free = after["capacity"].as_i64().unwrap()
        - after["confirmed"].as_i64().unwrap()
        - after["offered"].as_i64().unwrap();
    assert!(free > 0, "the demo leaves seats in after-school: {after}");

    let conn = rusqlite::Connection::open(dir.path().join("linli.sqlite")).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT id_number FROM residents WHERE birth_date BETWEEN '2015-01-01' AND '2019-06-30'
             AND id_number NOT IN (SELECT resident FROM enrolments WHERE programme_code = 'after-school')
             ORDER BY id_number",
        )
        .unwrap();
    let candidates: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(
        candidates.len() as i64 > free + 1,
        "enough children to fill the programme"
    );

    let mut confirmed = Vec::new();
    let mut waitlisted = None;
    for id in &candidates {
        let out = as_staff(
            dir.path(),
            &demo,
            "S001",
            &["signup", "--resident", id, "--programme", "after-school"],
        );
        if !out.status.success() {
            continue; // e.g. an overlapping schedule; the reason is printed
        }
        let v = json(&out);
        match v["status"].as_str().unwrap() {
            "confirmed" => confirmed.push(id.clone()),
            "waitlisted" => {
                assert!(v["position"].as_u64().unwrap() >= 1);
                assert_eq!(v["slips"][0]["kind"], "waitlist_slip", "{v}");
                let explanation = v["explanation"].as_str().unwrap();
                assert!(
                    explanation.contains("after-school-2026"),
                    "names the policy: {explanation}"
                );
                waitlisted = Some(id.clone());
                break;
            }
            other => panic!("unexpected status {other}"),
        }
    }
    waitlisted.expect("a full programme waitlists");
    assert!(!confirmed.is_empty());

    // The same child again is a duplicate, with a reason.
    let dup = staff_refused(
        dir.path(),
        &demo,
        "S001",
        &[
            "signup",
            "--resident",
            &confirmed[0],
            "--programme",
            "after-school",
        ],
    );
    assert_eq!(dup["code"], "duplicate", "{dup}");

    let cancelled = staff_ok(
        dir.path(),
        &demo,
        "S001",
        &[
            "cancel",
            "--resident",
            &confirmed[0],
            "--programme",
            "after-school",
        ],
    );
    assert_eq!(cancelled["status"], "cancelled");
    let offered = &cancelled["offered_to"];
    assert!(
        offered.is_object(),
        "the freed seat is offered to someone: {cancelled}"
    );
    let masked = offered["resident"].as_str().unwrap();
    assert!(
        masked.contains("********"),
        "the offered person's ID number is masked: {masked}"
    );
    assert!(
        !cancelled.to_string().contains(&confirmed[0]),
        "no full ID number in the output"
    );
    assert_eq!(cancelled["slips"][0]["kind"], "cancellation", "{cancelled}");
    assert_eq!(
        cancelled["slips"][0]["print"]["state"], "printed",
        "{cancelled}"
    );

    // The person offered the seat comes to the desk: their slip shows the deadline.
    let offered_id: String = conn
        .query_row(
            "SELECT resident FROM enrolments WHERE programme_code = 'after-school' AND status = 'offered'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let slip = staff_ok(
        dir.path(),
        &demo,
        "S001",
        &[
            "slip",
            "--resident",
            &offered_id,
            "--programme",
            "after-school",
        ],
    );
    assert_eq!(slip["slips"][0]["kind"], "offer_slip", "{slip}");
    let serial = slip["slips"][0]["serial"].as_str().unwrap();
    let text =
        std::fs::read_to_string(dir.path().join("spool").join(format!("{serial}.txt"))).unwrap();
    let deadline: String = conn
        .query_row(
            "SELECT offer_deadline FROM enrolments WHERE resident = ?1 AND status = 'offered'",
            [&offered_id],
            |r| r.get(0),
        )
        .unwrap();
    let day = chrono::NaiveDate::parse_from_str(&deadline[..10], "%Y-%m-%d").unwrap();
    // Near enough not to need its year, with its weekday: "11月25日（周三）".
    let printed = linli_core::dates::weekday_day_text(day).zh;
    assert!(
        text.contains(&printed),
        "the deadline {printed} is on the slip: {text}"
    );
}

#[test]
fn an_ineligible_resident_gets_every_reason() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f.csv");
    std::fs::write(&file, family_csv()).unwrap();
    // The centre's settings come from the demo; import our family beside it.
    let demo = ok(dir.path(), &["demo"]);
    staff_ok(
        dir.path(),
        &demo,
        "S003",
        &["import", "households", file.to_str().unwrap()],
    );
    let v = staff_refused(
        dir.path(),
        &demo,
        "S001",
        &[
            "signup",
            "--resident",
            &valid_id(&ELDER[..17]),
            "--programme",
            "after-school",
        ],
    );
    assert_eq!(v["code"], "ineligible", "{v}");
    let reasons = v["reasons"].to_string();
    assert!(
        reasons.contains("6") && reasons.contains("12"),
        "names the age range: {reasons}"
    );
}

#[test]
fn bad_input_is_refused_specifically_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let demo = ok(dir.path(), &["demo"]);
    let before = count(dir.path(), "SELECT count(*) FROM outbox");
    let v = staff_refused(
        dir.path(),
        &demo,
        "S001",
        &[
            "signup",
            "--resident",
            "44030619870315002",
            "--programme",
            "after-school",
        ],
    );
    assert!(
        v["error"].as_str().unwrap().contains("ID number"),
        "names the field in words: {v}"
    );
    assert!(
        v["reasons"].to_string().contains("18"),
        "says an ID number has 18 characters: {v}"
    );
    let v = staff_refused(
        dir.path(),
        &demo,
        "S001",
        &[
            "signup",
            "--resident",
            &valid_id(&MOTHER[..17]),
            "--programme",
            "no-such-thing",
        ],
    );
    assert_eq!(v["code"], "not_found");
    assert_eq!(count(dir.path(), "SELECT count(*) FROM outbox"), before);
}

#[test]
fn exports_mask_personal_data_unless_a_staff_member_signs_in() {
    let dir = tempfile::tempdir().unwrap();
    let demo = ok(dir.path(), &["demo"]);
    // Even masked, records leave the device only with a staff member's name on them.
    assert_eq!(
        refused(dir.path(), &["export", "households"])["code"],
        "staff_credential_required"
    );
    assert_eq!(
        staff_refused(dir.path(), &demo, "S004", &["export", "households"])["code"],
        "not_permitted",
        "a technician runs no reports"
    );
    let households = staff_ok(dir.path(), &demo, "S002", &["export", "households"]);
    let first = &households.as_array().unwrap()[0];
    assert!(first["household_code"].is_string());
    let id = first["id_number"].as_str().unwrap();
    assert!(id.contains("********") && id.len() == 18, "masked ID: {id}");

    let csv = as_staff(
        dir.path(),
        &demo,
        "S002",
        &["export", "enrolments", "--format", "csv"],
    );
    assert!(csv.status.success());
    let text = String::from_utf8(csv.stdout).unwrap();
    assert!(
        text.starts_with("id,code,name,id_number,status"),
        "{}",
        &text[..80.min(text.len())]
    );

    // Unmasked without a credential is refused.
    refused(dir.path(), &["export", "households", "--unmasked"]);
    // A front-desk clerk may not take full ID numbers.
    let pin_of = |code: &str| demo_pin(&demo, code);
    let clerk = refused(
        dir.path(),
        &[
            "export",
            "households",
            "--unmasked",
            "--staff",
            "S001",
            "--pin",
            &pin_of("S001"),
        ],
    );
    assert!(clerk["error"].is_string());
    let full = ok(
        dir.path(),
        &[
            "export",
            "households",
            "--unmasked",
            "--staff",
            "S003",
            "--pin",
            &pin_of("S003"),
        ],
    );
    let id = full.as_array().unwrap()[0]["id_number"].as_str().unwrap();
    assert!(!id.contains('*'), "unmasked for the manager: {id}");
    assert_eq!(count(dir.path(), "SELECT count(*) FROM audit_log WHERE action = 'export_unmasked' AND actor = 'staff:S003'"), 1);
}

#[test]
fn five_wrong_pins_lock_a_staff_account() {
    let dir = tempfile::tempdir().unwrap();
    let demo = ok(dir.path(), &["demo"]);
    let pin = demo["staff"][2]["pin"].as_str().unwrap().to_string();
    let code = demo["staff"][2]["code"].as_str().unwrap().to_string();
    let wrong = if pin == "135790" { "246801" } else { "135790" };
    for _ in 0..5 {
        refused(
            dir.path(),
            &[
                "export",
                "households",
                "--unmasked",
                "--staff",
                &code,
                "--pin",
                wrong,
            ],
        );
    }
    let locked = refused(
        dir.path(),
        &[
            "export",
            "households",
            "--unmasked",
            "--staff",
            &code,
            "--pin",
            &pin,
        ],
    );
    assert_eq!(
        locked["code"], "locked",
        "the right PIN is refused while locked: {locked}"
    );
    assert_eq!(
        count(
            dir.path(),
            "SELECT count(*) FROM audit_log WHERE action = 'staff_sign_in_failed'"
        ),
        5
    );
}

#[test]
fn doctor_reports_health_and_damage() {
    let dir = tempfile::tempdir().unwrap();
    ok(dir.path(), &["demo"]);
    let report = ok(dir.path(), &["doctor"]);
    assert_eq!(report["integrity"], "ok");
    assert_eq!(report["schema_version"], report["schema_latest"]);
    assert!(report["pending_outbox"].as_i64().unwrap() > 0);
    // No device.toml: the simulated printer, which has paper.
    assert!(report["printer"]["printer"]
        .as_str()
        .unwrap()
        .contains("simulated"));
    assert_eq!(report["printer"]["status"]["can_print"], true, "{report}");
    // The defaults are said to be the defaults, not a file that is not there.
    assert_eq!(report["printer"]["configured"], false, "{report}");
    assert!(report["printer"]["config_file"].is_null(), "{report}");
    assert!(report["printer"]["settings_from"]
        .as_str()
        .unwrap()
        .contains("built-in defaults"));
    assert_eq!(report["printer"]["paper"], "80mm", "not the Rust name Mm80");
    assert_eq!(report["print_jobs"]["in_doubt"], 0);

    // Damage the middle of the file, as a failing SD card does.
    let path = dir.path().join("linli.sqlite");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
        .unwrap();
    drop(conn);
    let mut bytes = std::fs::read(&path).unwrap();
    let len = bytes.len();
    for b in &mut bytes[len / 3..len / 3 + 40_000] {
        *b = 0xA5;
    }
    std::fs::write(&path, bytes).unwrap();
    let out = linli(dir.path(), &["doctor"]);
    assert!(
        !out.status.success(),
        "doctor exits non-zero on a damaged database"
    );
    let report = json(&out);
    assert_eq!(report["ok"], false);
    assert_ne!(report["integrity"], "ok", "{report}");
}

#[test]
fn a_read_only_data_directory_exits_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"").unwrap();
    let out = linli(&file.join("data"), &["export", "programmes"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(json(&out)["error"]
        .as_str()
        .unwrap()
        .contains("not writable"));
}

#[test]
fn demo_staff_pins_differ_from_one_install_to_the_next() {
    let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let first = ok(one.path(), &["demo"]);
    let second = ok(two.path(), &["demo"]);
    let pins = |demo: &serde_json::Value| -> Vec<String> {
        ["S001", "S002", "S003", "S004"]
            .iter()
            .map(|code| demo_pin(demo, code))
            .collect()
    };
    assert_ne!(
        pins(&first),
        pins(&second),
        "knowing one install's demo PINs must not open another"
    );
    // The people are the same demo everywhere (the district seeds the same ones).
    assert_eq!(first["summary"], second["summary"]);
}

#[test]
fn the_demo_is_refused_on_an_enrolled_device_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // An enrolled device: its credential is there (written first, before the database).
    std::fs::write(
        dir.path().join("district.json"),
        r#"{"district_url":"https://district.example","device_id":"0190a1b2-0000-7000-8000-000000000001","credential":"x","device_number":1,"centre_code":"440306-XA-XX"}"#,
    )
    .unwrap();
    let answer = refused(dir.path(), &["demo"]);
    assert_eq!(answer["code"], "not_a_demo_directory", "{answer}");
    assert!(
        answer["reasons"][0].as_str().unwrap().contains("已登记"),
        "{answer}"
    );
    assert_eq!(count(dir.path(), "SELECT count(*) FROM households"), 0);
    assert_eq!(count(dir.path(), "SELECT count(*) FROM staff"), 0);
    assert_eq!(count(dir.path(), "SELECT count(*) FROM outbox"), 0);
}

#[test]
fn a_pinned_clock_holds_only_on_demo_data_and_doctor_says_when_it_is_ignored() {
    let run = |dir: &std::path::Path, args: &[&str]| {
        let out = common::command(dir, args)
            .env_remove("LINLI_TEST_NOW")
            .env("LINLI_NOW", "2026-10-03T10:00:00")
            .output()
            .unwrap();
        json(&out)
    };
    // An empty directory is not practice data yet: what happens first there (an
    // enrolment) could make it a real centre's, so it runs on the real time.
    let empty = tempfile::tempdir().unwrap();
    let doctor = run(empty.path(), &["doctor"]);
    let doctor = if doctor["clock"].is_null() {
        run(empty.path(), &["print-test"]);
        run(empty.path(), &["doctor"])
    } else {
        doctor
    };
    assert_eq!(doctor["clock"]["pinned_honoured"], false, "{doctor}");
    let demo = tempfile::tempdir().unwrap();
    let seeded = run(demo.path(), &["demo"]);
    assert_eq!(seeded["already_seeded"], false, "{seeded}");
    let doctor = run(demo.path(), &["doctor"]);
    assert_eq!(doctor["clock"]["now"], "2026-10-03T10:00:00", "{doctor}");
    assert_eq!(doctor["clock"]["pinned_honoured"], true);
    assert_eq!(doctor["data_kind"], "demo");

    // The same request on an enrolled device is ignored, and doctor says so.
    std::fs::write(
        demo.path().join("district.json"),
        r#"{"district_url":"https://district.example","device_id":"0190a1b2-0000-7000-8000-000000000001","credential":"x","device_number":1,"centre_code":"440306-XA-HF"}"#,
    )
    .unwrap();
    let doctor = run(demo.path(), &["doctor"]);
    assert_eq!(doctor["clock"]["pinned_honoured"], false, "{doctor}");
    assert_ne!(doctor["clock"]["now"], "2026-10-03T10:00:00");
    assert!(
        doctor["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["code"] == "pinned_clock_ignored"),
        "{doctor}"
    );
}

#[test]
fn doctor_warns_from_sixty_days_before_the_calendar_runs_out() {
    let dir = tempfile::tempdir().unwrap();
    let at = |now: &str, args: &[&str]| {
        json(
            &common::command(dir.path(), args)
                .env("LINLI_TEST_NOW", now)
                .output()
                .unwrap(),
        )
    };
    at("2026-10-20T09:00:00", &["demo"]);
    let calm = at("2026-10-31T09:00:00", &["doctor"]);
    assert_eq!(calm["calendar"]["coverage"]["state"], "published", "{calm}");
    let soon = at("2026-11-01T09:00:00", &["doctor"]);
    assert_eq!(soon["calendar"]["coverage"]["state"], "ending_soon");
    assert!(soon["warnings"][0]["message"]["zh"]
        .as_str()
        .unwrap()
        .contains("2027年的放假和调休上班日尚未发布"));
    let past = at("2027-01-01T09:00:00", &["doctor"]);
    assert_eq!(
        past["calendar"]["coverage"]["state"], "provisional",
        "{past}"
    );
}

#[test]
fn the_data_directory_and_its_files_are_the_kiosk_users_alone_whatever_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let parent = tempfile::tempdir().unwrap();
    let data = parent.path().join("new-data-dir");
    let with_open_umask = |command: &str| {
        let shell = format!(
            "umask 000; exec '{}' --data-dir '{}' {command}",
            env!("CARGO_BIN_EXE_linli"),
            data.display()
        );
        let out = std::process::Command::new("sh")
            .args(["-c", &shell])
            .env("LINLI_TEST_NOW", common::TODAY)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{command}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    };
    with_open_umask("demo");
    // A slip in the spool too.
    with_open_umask("print-test");
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700, "the data directory");
    let mut checked = 0;
    for entry in walk(&data) {
        let m = mode(&entry);
        if entry.is_dir() {
            assert_eq!(m & 0o077, 0, "{} is {m:o}", entry.display());
        } else {
            assert_eq!(m & 0o077, 0, "{} is {m:o}", entry.display());
            checked += 1;
        }
    }
    assert!(checked >= 3, "the database, its WAL and a spooled slip");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        }
        out.push(path);
    }
    out
}

#[test]
fn every_desk_command_needs_a_staff_member_allowed_to_do_it_and_names_them_in_the_audit() {
    let dir = tempfile::tempdir().unwrap();
    let demo = ok(dir.path(), &["demo"]);
    let conn = rusqlite::Connection::open(dir.path().join("linli.sqlite")).unwrap();
    let child: String = conn
        .query_row(
            "SELECT id_number FROM residents WHERE birth_date BETWEEN '2016-01-01' AND '2018-06-30'
             AND id_number NOT IN (SELECT resident FROM enrolments) ORDER BY id_number LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let volunteer: String = conn
        .query_row(
            "SELECT id_number FROM volunteers WHERE id_number NOT IN
             (SELECT volunteer FROM shifts WHERE status = 'open') ORDER BY id_number LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let file = dir.path().join("f.csv");
    std::fs::write(&file, family_csv()).unwrap();
    let before = count(dir.path(), "SELECT count(*) FROM outbox");
    let commands: Vec<Vec<&str>> = vec![
        vec![
            "signup",
            "--resident",
            &child,
            "--programme",
            "after-school",
        ],
        vec![
            "cancel",
            "--resident",
            &child,
            "--programme",
            "after-school",
        ],
        vec![
            "offer",
            "accept",
            "--resident",
            &child,
            "--programme",
            "lunch-care",
        ],
        vec!["slip", "--resident", &child, "--programme", "after-school"],
        vec![
            "volunteer",
            "clock-in",
            "--resident",
            &volunteer,
            "--activity",
            "助餐送餐",
        ],
        vec!["volunteer", "clock-out", "--resident", &volunteer],
        vec!["import", "households", file.to_str().unwrap()],
        vec![
            "resident",
            "set-pin",
            "--resident",
            &child,
            "--new-pin",
            "285714",
        ],
        vec![
            "resident",
            "issue-card",
            "--resident",
            &child,
            "--card",
            "88991234",
        ],
        pay_cash(&child).to_vec(),
        vec![
            "fees",
            "refund",
            "--payment",
            "P-1",
            "--amount-fen",
            "100",
            "--reason",
            "x",
        ],
        vec!["fees", "summary", "--date", "2026-11-23"],
        vec!["search", "zxm"],
        vec!["roster", "show", "--programme", "lunch-care"],
        vec![
            "roster",
            "offer",
            "--programme",
            "lunch-care",
            "--resident",
            &child,
            "--reason",
            "x",
        ],
        vec![
            "roster",
            "withdraw",
            "--programme",
            "lunch-care",
            "--resident",
            &child,
            "--reason",
            "x",
        ],
    ];
    for args in &commands {
        let v = refused(dir.path(), args);
        assert_eq!(v["code"], "staff_credential_required", "{args:?}: {v}");
    }
    assert_eq!(
        count(dir.path(), "SELECT count(*) FROM outbox"),
        before,
        "nothing done without a staff member"
    );
    // A technician may configure the device but sign nobody up.
    let v = staff_refused(
        dir.path(),
        &demo,
        "S004",
        &[
            "signup",
            "--resident",
            &child,
            "--programme",
            "after-school",
        ],
    );
    assert_eq!(v["code"], "not_permitted", "{v}");
    // The front desk imports nobody in bulk: that is the manager's.
    let v = staff_refused(
        dir.path(),
        &demo,
        "S001",
        &["import", "households", file.to_str().unwrap()],
    );
    assert_eq!(v["code"], "not_permitted", "{v}");

    // Done by the clerk, the sign-up is the clerk's in the audit log.
    let signed = staff_ok(
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
    assert_eq!(signed["status"], "confirmed", "{signed}");
    let masked = linli_core::identity::mask_id_number(&child);
    assert_eq!(
        count(
            dir.path(),
            &format!("SELECT count(*) FROM audit_log WHERE action = 'signup_confirmed' AND subject = '{masked}' AND actor = 'staff:S001'")
        ),
        1
    );
    let pin = staff_ok(
        dir.path(),
        &demo,
        "S001",
        &[
            "resident",
            "set-pin",
            "--resident",
            &child,
            "--new-pin",
            "285714",
        ],
    );
    assert_eq!(pin["pin_set"], true);
    assert!(!pin.to_string().contains(&child), "masked: {pin}");
    let card = staff_ok(
        dir.path(),
        &demo,
        "S001",
        &[
            "resident",
            "issue-card",
            "--resident",
            &child,
            "--card",
            "88991234",
        ],
    );
    assert_eq!(card["card"], "card ****1234", "{card}");
    for action in ["resident_pin_set", "resident_card_issued"] {
        assert_eq!(
            count(
                dir.path(),
                &format!("SELECT count(*) FROM audit_log WHERE action = '{action}' AND actor = 'staff:S001'")
            ),
            1,
            "{action}"
        );
    }
}

#[test]
fn an_import_reads_files_as_excel_saves_them_and_names_the_lines_a_person_sees() {
    let dir = tempfile::tempdir().unwrap();
    let demo = ok(dir.path(), &["demo"]);
    let import = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        as_staff(
            dir.path(),
            &demo,
            "S003",
            &["import", "households", path.to_str().unwrap()],
        )
    };
    // Windows line endings: the bad phone is on line 3 as Notepad shows it.
    let crlf = format!(
        "{}\r\nW-1,海富花园3栋301,李梅,{},13800138001,\r\nW-1,海富花园3栋301,李小兵,{},12345,\r\n",
        CSV_HEADER.trim_end(),
        valid_id("44030619800101002"),
        valid_id("44030620170101001")
    );
    let out = import("crlf.csv", crlf.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    let reasons = v["reasons"].to_string();
    assert!(reasons.contains("line 3, column phone"), "{reasons}");

    // GBK, as Excel on Chinese Windows saves "CSV".
    let good = format!(
        "{}\r\nW-2,海富花园4栋401,黄秀英,{},13800138002,elderly_60\r\n",
        CSV_HEADER.trim_end(),
        valid_id("44030619500101002")
    );
    let (gbk, _, _) = encoding_rs::GBK.encode(&good);
    let out = import("gbk.csv", &gbk);
    let v = json(&out);
    assert!(out.status.success(), "{v}");
    assert_eq!(v["imported"]["residents_created"], 1);
    let name = count(
        dir.path(),
        "SELECT count(*) FROM residents WHERE name = '黄秀英' AND household_code = 'W-2'",
    );
    assert_eq!(name, 1, "the name arrived in Chinese, not mojibake");

    // A column named twice is refused by name before any row is read.
    let twice = format!(
        "household_code,address,name,id_number,phone,tags,name\nW-3,海富花园5栋501,王芳,{},,,王二\n",
        valid_id("44030619900101002")
    );
    let v = json(&import("twice.csv", twice.as_bytes()));
    assert!(
        v["reasons"][0]
            .as_str()
            .unwrap()
            .contains("column name: this column appears 2 times"),
        "{v}"
    );
    assert_eq!(
        count(
            dir.path(),
            "SELECT count(*) FROM residents WHERE name = '王芳'"
        ),
        0
    );

    // A misspelt column is named.
    let misspelt = "household_code,address,name,idnumber,phone,tags\nW-4,x,y,z,,\n";
    let v = json(&import("misspelt.csv", misspelt.as_bytes()));
    assert!(v["reasons"].to_string().contains("idnumber"), "{v}");

    // A name with an invisible right-to-left override is refused.
    let sneaky = format!(
        "{CSV_HEADER}W-5,海富花园6栋601,张\u{202E}三,{},,\n",
        valid_id("44030619910101002")
    );
    let v = json(&import("sneaky.csv", sneaky.as_bytes()));
    assert!(
        v["reasons"].to_string().contains("control characters"),
        "{v}"
    );
}

#[test]
fn an_endless_or_huge_import_is_refused_with_a_sentence_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let demo = ok(dir.path(), &["demo"]);
    let out = as_staff(
        dir.path(),
        &demo,
        "S003",
        &["import", "households", "/dev/zero"],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    assert!(
        v["reasons"][0]
            .as_str()
            .unwrap()
            .contains("larger than 16 MB"),
        "{v}"
    );
    // One line without end, small enough to read: named as too long.
    let path = dir.path().join("one-line.csv");
    std::fs::write(&path, "x".repeat(100_000)).unwrap();
    let v = json(&as_staff(
        dir.path(),
        &demo,
        "S003",
        &["import", "households", path.to_str().unwrap()],
    ));
    assert!(v["reasons"][0].as_str().unwrap().contains("line 1"), "{v}");
}

#[test]
fn a_free_text_field_has_a_length_limit_and_takes_no_control_characters() {
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
    let shifts = count(dir.path(), "SELECT count(*) FROM shifts");
    // The longest argument a process may take is 128 KiB; 100,000 letters fit.
    let huge = "a".repeat(100_000);
    let v = staff_refused(
        dir.path(),
        &demo,
        "S001",
        &[
            "volunteer",
            "clock-in",
            "--resident",
            &volunteer,
            "--activity",
            &huge,
        ],
    );
    assert_eq!(
        v["code"],
        "too_long",
        "{}",
        &v.to_string()[..200.min(v.to_string().len())]
    );
    assert!(
        v["error"].as_str().unwrap().contains("activity"),
        "{}",
        v["error"]
    );
    assert!(
        v["reasons"][0].as_str().unwrap().contains("100"),
        "{}",
        v["reasons"][0]
    );
    let v = staff_refused(
        dir.path(),
        &demo,
        "S001",
        &[
            "volunteer",
            "clock-in",
            "--resident",
            &volunteer,
            "--activity",
            "助餐\u{1b}[31m送餐",
        ],
    );
    assert_eq!(v["code"], "unprintable", "{v}");
    assert_eq!(count(dir.path(), "SELECT count(*) FROM shifts"), shifts);
}

#[test]
fn an_answer_that_cannot_be_written_is_an_error_not_a_silent_success() {
    let dir = tempfile::tempdir().unwrap();
    ok(dir.path(), &["demo"]);
    // A full disk under standard output.
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = common::command(dir.path(), &["doctor"])
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    let said: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(said["code"], "output_failed");
    assert!(
        said["error"]
            .as_str()
            .unwrap()
            .contains("cannot write the output"),
        "{said}"
    );
    // --help is an answer like any other.
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let help = common::command(dir.path(), &["--help"])
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(help.status.code(), Some(5));
    // A command line that cannot be understood is refused in JSON, with its code.
    let out = linli(dir.path(), &["signup", "--no-such-flag"]);
    assert_eq!(out.status.code(), Some(2));
    let v = json(&out);
    assert_eq!(v["code"], "usage", "{v}");
    assert!(v["reasons"][0].as_str().unwrap().contains("--no-such-flag"));
    // A reader that has gone (`| head` that stopped reading).
    // The reader is closed before the command starts: closed after spawning, a command
    // quick enough to fill the pipe's buffer first would rightly succeed.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let done = common::command(dir.path(), &["export", "households", "--format", "csv"])
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(
        done.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    // And a store that cannot be used says which error it is, by code.
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, "").unwrap();
    let v = json(&linli(&file.join("sub"), &["export", "households"]));
    assert_eq!(v["code"], "not_writable", "{v}");
}

#[test]
fn a_follow_up_due_in_a_year_without_published_holidays_is_marked_provisional() {
    let at = |now: &str| {
        let dir = tempfile::tempdir().unwrap();
        let run = |args: &[&str]| {
            json(
                &common::command(dir.path(), args)
                    .env("LINLI_TEST_NOW", now)
                    .output()
                    .unwrap(),
            )
        };
        let demo = run(&["demo"]);
        let ratings = json(
            &common::command(dir.path(), &["export", "ratings", "--staff", "S002"])
                .env("LINLI_TEST_NOW", now)
                .env("LINLI_STAFF_PIN", demo_pin(&demo, "S002"))
                .output()
                .unwrap(),
        );
        ratings
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["follow_up_due"].is_string())
            .map(|r| {
                (
                    r["follow_up_due"].as_str().unwrap().to_string(),
                    r["follow_up_due_provisional"].clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    let november = at("2026-11-23T09:00:00");
    assert!(!november.is_empty());
    assert!(november.iter().all(|(_, p)| *p == false), "{november:?}");
    let new_year = at("2026-12-31T09:00:00");
    assert!(
        new_year
            .iter()
            .any(|(due, p)| due.starts_with("2027") && *p == true),
        "{new_year:?}"
    );
}

#[test]
fn a_damaged_credential_is_still_an_enrolment_and_doctor_names_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    ok(dir.path(), &["demo"]);
    std::fs::write(dir.path().join("district.json"), "{\"broken").unwrap();
    let doctor = json(&linli(dir.path(), &["doctor"]));
    assert_eq!(doctor["sync"]["enrolled"], true, "{doctor}");
    assert_eq!(doctor["ok"], false);
    assert!(
        doctor["problems"].to_string().contains("credential"),
        "{doctor}"
    );
}

#[test]
fn files_an_older_install_left_readable_are_made_private_and_a_refused_enrolment_leaves_nothing() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    ok(dir.path(), &["demo"]);
    ok(dir.path(), &["print-test"]);
    let open_up = |path: &std::path::Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap()
    };
    let spool = dir.path().join("spool");
    let spooled: Vec<_> = std::fs::read_dir(&spool)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    open_up(&dir.path().join("linli.sqlite"), 0o644);
    open_up(&spool, 0o755);
    for file in &spooled {
        open_up(file, 0o644);
    }
    ok(dir.path(), &["doctor"]);
    ok(dir.path(), &["print-queue"]);
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir.path().join("linli.sqlite")), 0o600);
    assert_eq!(mode(&spool), 0o700);
    assert!(spooled.iter().all(|f| mode(f) == 0o600));

    let empty = tempfile::tempdir().unwrap();
    let v = refused(
        empty.path(),
        &[
            "enrol",
            "--district",
            "http://10.0.0.5:8080",
            "--code",
            "ABCD-EFGH-JKLM",
        ],
    );
    assert_eq!(v["code"], "insecure_district_url", "{v}");
    assert_eq!(
        std::fs::read_dir(empty.path()).unwrap().count(),
        0,
        "nothing written"
    );

    // A configuration file named but missing is a mistake, not the defaults.
    let out = common::command(dir.path(), &["doctor"])
        .env("LINLI_DEVICE_CONFIG", "/nonexistent/device.toml")
        .output()
        .unwrap();
    let doctor = json(&out);
    assert_eq!(doctor["ok"], false, "{doctor}");
    assert!(doctor["printer"]["problem"]
        .as_str()
        .unwrap()
        .contains("does not exist"));
}

// Import files as people save them (`usecase::import_text`).
#[test]
fn windows_line_endings_and_a_byte_order_mark_read_as_plain_lines() {
    let text = linli::usecase::import_text::read(&b"\xEF\xBB\xBFa,b\r\nc,d\r\n"[..]).unwrap();
    assert_eq!(text, "a,b\nc,d\n");
    assert_eq!(
        linli::usecase::import_text::read(&b"a\rb\r"[..]).unwrap(),
        "a\nb\n"
    );
}

#[test]
fn gbk_as_excel_saves_it_is_read() {
    let (bytes, _, _) = encoding_rs::GBK.encode("户编号,姓名\r\nA,张丽\r\n");
    assert_eq!(
        linli::usecase::import_text::read(&bytes[..]).unwrap(),
        "户编号,姓名\nA,张丽\n"
    );
}

#[test]
fn an_endless_input_is_refused_without_reading_it_all() {
    let endless = std::io::repeat(b'x');
    let problems = linli::usecase::import_text::read(endless).unwrap_err();
    assert!(
        problems[0].reason.en.contains("larger than 16 MB"),
        "{problems:?}"
    );
    let long = format!(
        "header\n{}\n",
        "x".repeat(linli::usecase::import_text::MAX_LINE_CHARS + 1)
    );
    let problems = linli::usecase::import_text::read(long.as_bytes()).unwrap_err();
    assert_eq!(problems[0].line, 2);
}

#[test]
fn undecodable_bytes_name_the_first_bad_line() {
    let problems =
        linli::usecase::import_text::read(&b"fine\nfine\n\xFF\xFF\xFF\n"[..]).unwrap_err();
    assert_eq!(problems[0].line, 3, "{problems:?}");
    assert!(problems[0].reason.zh.contains("UTF-8"));
}

#[test]
fn the_command_line_is_well_formed() {
    <linli::cli::args::Cli as clap::CommandFactory>::command().debug_assert();
}

/// The day-care member of the demo centre paying the whole monthly fee (under 80, no
/// waiving tag), and one aged 80 or over, whose fee is half waived.
fn day_care_payers(dir: &std::path::Path) -> (String, String) {
    let conn = rusqlite::Connection::open(dir.join("linli.sqlite")).unwrap();
    let pick = |condition: &str| -> String {
        conn.query_row(
            &format!(
                "SELECT r.id_number FROM residents r JOIN enrolments e ON e.resident = r.id_number
                 WHERE e.programme_code = 'day-care' AND e.status = 'confirmed'
                   AND r.tags NOT LIKE '%low_income%' AND r.tags NOT LIKE '%disabled%' AND {condition}
                 ORDER BY r.id_number LIMIT 1"
            ),
            [],
            |r| r.get(0),
        )
        .unwrap()
    };
    (
        pick("r.birth_date > '1946-11-23'"),
        pick("r.birth_date <= '1946-11-23'"),
    )
}

#[test]
fn fees_are_paid_refunded_and_summed_for_the_day_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let demo = ok(dir.path(), &["demo"]);
    let (full, half) = day_care_payers(dir.path());
    let paid = staff_ok(
        dir.path(),
        &demo,
        "S001",
        &[
            "fees",
            "pay",
            "--resident",
            &half,
            "--programme",
            "day-care",
            "--amount-fen",
            "15000",
            "--method",
            "cash",
        ],
    );
    assert_eq!(paid["quote"]["waived_fen"], 15_000, "{paid}");
    assert_eq!(paid["outstanding_fen"], 0, "{paid}");
    assert_eq!(paid["payment"]["method"], "cash", "{paid}");
    let slip = &paid["slips"][0];
    assert_eq!(slip["kind"], "payment_receipt", "{paid}");
    let serial = slip["serial"].as_str().unwrap();
    let text =
        std::fs::read_to_string(dir.path().join("spool").join(format!("{serial}.txt"))).unwrap();
    assert!(text.contains("收据") && text.contains("减免"), "{text}");
    assert!(!text.contains(&half) && !text.contains("80周岁"), "{text}");

    // A transfer needs its reference; a negative amount is refused by its field.
    let v = staff_refused(
        dir.path(),
        &demo,
        "S001",
        &[
            "fees",
            "pay",
            "--resident",
            &full,
            "--programme",
            "day-care",
            "--amount-fen",
            "30000",
            "--method",
            "reference",
        ],
    );
    assert!(
        v["reasons"][0].as_str().unwrap().contains("付款单号"),
        "{v}"
    );
    let v = staff_refused(
        dir.path(),
        &demo,
        "S001",
        &[
            "fees",
            "pay",
            "--resident",
            &full,
            "--programme",
            "day-care",
            "--amount-fen",
            "-5",
            "--method",
            "cash",
        ],
    );
    assert!(v["error"].as_str().unwrap().contains("金额"), "{v}");
    let by_transfer = staff_ok(
        dir.path(),
        &demo,
        "S001",
        &[
            "--no-print",
            "fees",
            "pay",
            "--resident",
            &full,
            "--programme",
            "day-care",
            "--amount-fen",
            "30000",
            "--method",
            "reference",
            "--reference",
            "4200001234",
        ],
    );
    let payment = by_transfer["payment"]["id"].as_str().unwrap().to_string();
    let before = count(dir.path(), "SELECT count(*) FROM outbox");
    let v = staff_refused(
        dir.path(),
        &demo,
        "S001",
        &[
            "fees",
            "refund",
            "--payment",
            &payment,
            "--amount-fen",
            "30001",
            "--reason",
            "重复缴费",
        ],
    );
    assert_eq!(v["code"], "above_paid", "{v}");
    assert_eq!(count(dir.path(), "SELECT count(*) FROM outbox"), before);
    let v = staff_refused(
        dir.path(),
        &demo,
        "S004",
        &[
            "fees",
            "refund",
            "--payment",
            &payment,
            "--amount-fen",
            "100",
            "--reason",
            "x",
        ],
    );
    assert_eq!(v["code"], "not_permitted", "{v}");
    let refunded = staff_ok(
        dir.path(),
        &demo,
        "S001",
        &[
            "--no-print",
            "fees",
            "refund",
            "--payment",
            &payment,
            "--amount-fen",
            "10000",
            "--reason",
            "重复缴费",
        ],
    );
    assert_eq!(refunded["left_fen"], 20_000, "{refunded}");

    let summary = staff_ok(
        dir.path(),
        &demo,
        "S001",
        &["fees", "summary", "--date", "2026-11-23", "--print"],
    );
    assert_eq!(summary["cash"]["paid_fen"], 15_000, "{summary}");
    assert_eq!(summary["reference"]["refunded_fen"], 10_000, "{summary}");
    assert_eq!(summary["net_cash_fen"], 15_000, "{summary}");
    assert_eq!(summary["net_fen"], 35_000, "{summary}");
    assert_eq!(
        summary["slips"][0]["kind"], "daily_cash_summary",
        "{summary}"
    );
    let out = as_staff(
        dir.path(),
        &demo,
        "S001",
        &["fees", "summary", "--date", "2026-11-23", "--format", "csv"],
    );
    assert!(out.status.success());
    let csv = String::from_utf8(out.stdout).unwrap();
    assert!(csv.starts_with('\u{feff}'), "{csv:?}");
    assert!(
        csv.contains("2026-11-23,total,2,45000,1,10000,35000\r\n"),
        "{csv:?}"
    );
}

#[test]
fn a_day_care_day_through_the_binary_flags_a_missing_drop_off_and_prints_a_masked_route() {
    let dir = tempfile::tempdir().unwrap();
    let demo = ok(dir.path(), &["demo"]);
    let conn = rusqlite::Connection::open(dir.path().join("linli.sqlite")).unwrap();
    let (elder, name): (String, String) = conn
        .query_row(
            "SELECT r.id_number, r.name FROM residents r JOIN enrolments e ON e.resident = r.id_number
             WHERE e.programme_code = 'day-care' AND e.status = 'confirmed'
               AND r.id_number NOT IN (SELECT resident FROM attendance WHERE session_date = '2026-11-23')
             ORDER BY r.id_number LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    drop(conn);
    let desk = |args: &[&str]| staff_ok(dir.path(), &demo, "S001", args);
    let leg = desk(&[
        "day-care",
        "transport",
        "--resident",
        &elder,
        "--pickup-at",
        "08:10",
        "--place",
        "海滨社区3栋1201",
    ]);
    assert_eq!(leg["place"], "海滨社区3栋1201", "{leg}");
    desk(&["day-care", "picked-up", "--resident", &elder]);
    desk(&["day-care", "arrive", "--resident", &elder]);
    let meal = desk(&["day-care", "meal", "--resident", &elder]);
    assert_eq!(meal["lunch"], true, "{meal}");
    // A time nobody can read is a usage error, before anything is opened.
    let out = as_staff(
        dir.path(),
        &demo,
        "S001",
        &[
            "day-care",
            "transport",
            "--resident",
            &elder,
            "--pickup-at",
            "8点",
            "--place",
            "x",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let day = desk(&["day-care", "show"]);
    assert_eq!(day["on_the_road"].as_array().unwrap().len(), 1, "{day}");
    assert!(!day.to_string().contains(&elder), "{day}");
    assert!(day["to_call"].is_array(), "{day}");

    let refusal = staff_refused(dir.path(), &demo, "S001", &["day-care", "close"]);
    assert_eq!(refusal["code"], "picked_up_not_dropped_off", "{refusal}");
    let v = staff_refused(dir.path(), &demo, "S004", &["day-care", "show"]);
    assert_eq!(v["code"], "not_permitted", "{v}");

    let route = desk(&["day-care", "route", "--print"]);
    assert_eq!(route["stops"][0]["place"], "海滨社区3栋…", "{route}");
    let serial = route["slips"][0]["serial"].as_str().unwrap();
    let text =
        std::fs::read_to_string(dir.path().join("spool").join(format!("{serial}.txt"))).unwrap();
    assert!(
        text.contains(&linli_core::identity::mask_name(&name)),
        "{text}"
    );
    assert!(
        !text.contains(&name) && !text.contains(&elder) && !text.contains("1201"),
        "{text}"
    );

    desk(&["day-care", "dropped-off", "--resident", &elder]);
    let closed = desk(&["day-care", "close"]);
    assert_eq!(closed["open_transport"], 0, "{closed}");
}

#[test]
fn the_desk_reports_an_absence_counts_the_meals_and_prints_the_kitchen_slip() {
    let dir = tempfile::tempdir().unwrap();
    let demo = ok(dir.path(), &["demo"]);
    let child: String = {
        let conn = rusqlite::Connection::open(dir.path().join("linli.sqlite")).unwrap();
        conn.query_row(
            "SELECT resident FROM enrolments WHERE programme_code = 'lunch-care' AND status = 'confirmed' ORDER BY resident LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap()
    };
    let enrolled = count(
        dir.path(),
        "SELECT count(*) FROM enrolments WHERE programme_code = 'lunch-care' AND status = 'confirmed'",
    );
    let absent = [
        "roll-call",
        "absent",
        "--programme",
        "lunch-care",
        "--resident",
        &child,
        "--reason",
        "ill",
        "--date",
        "2026-11-24",
        "--note",
        "发烧",
    ];
    let meals = ["meals", "--date", "2026-11-24"];
    let show = ["dietary", "show", "--resident", &child];
    // Each needs a staff member.
    for args in [&absent[..], &meals[..], &show[..]] {
        let v = refused(dir.path(), args);
        assert_eq!(v["code"], "staff_credential_required", "{args:?}: {v}");
    }

    let v = staff_ok(dir.path(), &demo, "S001", &absent);
    assert_eq!(v["absence"]["reason"], "ill", "{v}");
    assert_eq!(v["absence"]["part"], "whole_day", "{v}");
    assert!(!v.to_string().contains(&child), "masked: {v}");
    let day = staff_ok(dir.path(), &demo, "S001", &meals);
    let lunch = &day["days"][0];
    assert_eq!(lunch["programme_code"], "lunch-care", "{day}");
    assert_eq!(lunch["reported_absent"], 1, "{day}");
    assert_eq!(lunch["to_cook"], enrolled - 1, "{day}");
    assert_eq!(lunch["basis"], "expected", "{day}");
    let week = staff_ok(
        dir.path(),
        &demo,
        "S001",
        &["meals", "--date", "2026-11-24", "--week"],
    );
    assert_eq!(week["days"].as_array().unwrap().len(), 5, "{week}");
    assert_eq!(week["total_to_cook"], 5 * enrolled - 1, "{week}");

    // Yesterday is over; a technician never sees a child's allergies.
    let mut past = absent;
    past[9] = "2026-11-20";
    let v = staff_refused(dir.path(), &demo, "S001", &past);
    assert_eq!(v["code"], "in_the_past", "{v}");
    let set = [
        "dietary",
        "set",
        "--resident",
        &child,
        "--allergies",
        "花生，牛奶",
        "--diet",
        "清真",
    ];
    let v = staff_refused(dir.path(), &demo, "S004", &set);
    assert_eq!(v["code"], "not_permitted", "{v}");
    let v = staff_ok(dir.path(), &demo, "S001", &set);
    assert_eq!(
        v["dietary_needs"]["allergies"],
        serde_json::json!(["花生", "牛奶"]),
        "{v}"
    );
    let v = staff_refused(dir.path(), &demo, "S004", &show);
    assert_eq!(v["code"], "not_permitted", "{v}");
    assert!(!v.to_string().contains("花生"), "{v}");
    let v = staff_ok(dir.path(), &demo, "S002", &show);
    assert_eq!(v["summary"]["zh"], "花生、牛奶过敏；清真", "{v}");

    // Today's kitchen slip, through the printer simulator: counts, the diet, a masked name.
    let v = staff_ok(dir.path(), &demo, "S001", &["meals", "--print"]);
    let slip = &v["slips"][0];
    assert_eq!(slip["kind"], "kitchen_slip", "{v}");
    assert_eq!(slip["print"]["state"], "printed", "{v}");
    let text = std::fs::read_to_string(
        dir.path()
            .join("spool")
            .join(format!("{}.txt", slip["serial"].as_str().unwrap())),
    )
    .unwrap();
    assert!(text.contains("厨房备餐单"), "{text}");
    assert!(text.contains(&format!("{enrolled}份")), "{text}");
    assert!(text.contains("花生过敏：1人"), "{text}");
    let name: String = {
        let conn = rusqlite::Connection::open(dir.path().join("linli.sqlite")).unwrap();
        conn.query_row(
            "SELECT name FROM residents WHERE id_number = ?1",
            [&child],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert!(!text.contains(&name), "{text}");
    assert!(
        text.contains(&linli_core::identity::mask_name(&name)),
        "{text}"
    );
    assert!(!text.contains(&child), "{text}");
}

/// `linli audit`: managers read the audit log filtered by staff member, action,
/// resident and dates, as JSON or CSV; anyone else is refused, and every look is
/// itself in the log.
#[test]
fn a_manager_reads_the_audit_log_filtered_and_the_look_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let demo = ok(dir.path(), &["demo"]);
    assert_eq!(
        staff_refused(dir.path(), &demo, "S001", &["audit"])["code"],
        "not_permitted",
        "the front desk does not read the log"
    );
    let found = staff_ok(
        dir.path(),
        &demo,
        "S003",
        &["audit", "--by", "S001", "--action", "checked_in"],
    );
    let entries = found["entries"].as_array().unwrap();
    assert!(!entries.is_empty(), "{found}");
    assert!(entries
        .iter()
        .all(|e| e["actor"] == "staff:S001" && e["action"] == "checked_in"));
    assert!(
        entries
            .windows(2)
            .all(|w| w[0]["seq"].as_i64() > w[1]["seq"].as_i64()),
        "newest first"
    );
    // One resident's entries, by their full ID number; the log shows it masked.
    let conn = rusqlite::Connection::open(dir.path().join("linli.sqlite")).unwrap();
    let child: String = conn
        .query_row(
            "SELECT resident FROM attendance ORDER BY resident LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    drop(conn);
    let theirs = staff_ok(dir.path(), &demo, "S003", &["audit", "--resident", &child]);
    let theirs = theirs["entries"].as_array().unwrap();
    assert!(!theirs.is_empty());
    assert!(theirs
        .iter()
        .all(|e| e["subject"].as_str().unwrap().contains("********")));
    assert!(
        !serde_json::to_string(theirs).unwrap().contains(&child),
        "never in full"
    );
    // Dates: none before the demo's history, and an end before the start is refused.
    let none = staff_ok(dir.path(), &demo, "S003", &["audit", "--to", "2000-01-01"]);
    assert_eq!(none["entries"].as_array().unwrap().len(), 0);
    assert_eq!(
        staff_refused(
            dir.path(),
            &demo,
            "S003",
            &["audit", "--from", "2026-12-01", "--to", "2026-11-01"]
        )["code"],
        "before_from"
    );
    let csv = as_staff(
        dir.path(),
        &demo,
        "S003",
        &["audit", "--action", "checked_in", "--format", "csv"],
    );
    assert!(csv.status.success());
    let text = String::from_utf8(csv.stdout).unwrap();
    assert!(
        text.starts_with("seq,at,device_id,actor,action,subject,detail"),
        "{}",
        &text[..60.min(text.len())]
    );
    // Every look above is in the log, by the manager, with its filter.
    let looks = staff_ok(
        dir.path(),
        &demo,
        "S003",
        &["audit", "--action", "audit_log_viewed"],
    );
    let looks = looks["entries"].as_array().unwrap();
    assert!(looks.len() >= 4, "{looks:?}");
    assert!(looks.iter().all(|e| e["actor"] == "staff:S003"));
    assert!(looks.iter().any(|e| e["detail"]["action"] == "checked_in"));
}

/// A family of four registered at the desk from one JSON file: every problem named
/// with its member and field and nothing saved until all are right; a child under 14
/// only with a guardian's consent; a correction audited old and new (masked); a
/// household that moved away takes no new sign-ups.
#[test]
fn a_family_is_registered_corrected_and_moved_away_at_the_desk() {
    let dir = tempfile::tempdir().unwrap();
    let demo = ok(dir.path(), &["demo"]);
    let father = valid_id("44030619850101003");
    let mother = valid_id(&MOTHER[..17]);
    let son = valid_id(&SON[..17]);
    let grandmother = valid_id("44030619520506002");
    let family = |son_id: &str, consents: serde_json::Value| {
        serde_json::json!({
            "address": "海富花园3栋301",
            "members": [
                {"name": "李建国", "id_number": father, "phone": "13800138001", "relationship": "户主"},
                {"name": "张丽", "id_number": mother, "phone": "13800138002", "relationship": "配偶"},
                {"name": "李小龙", "id_number": son_id, "relationship": "子女"},
                {"name": "王秀英", "id_number": grandmother, "relationship": "外祖父母", "tags": ["living_alone"]},
            ],
            "consents": consents,
        })
    };
    let file = dir.path().join("family.json");
    let households_before = count(dir.path(), "SELECT count(*) FROM households");
    let save = |v: &serde_json::Value| std::fs::write(&file, v.to_string()).unwrap();
    let add = ["household", "add", "--file", file.to_str().unwrap()];

    // A mistyped ID number and a child without consent: both named, nothing saved.
    let mut wrong = son.clone();
    wrong.replace_range(17..18, if &son[17..] == "1" { "2" } else { "1" });
    save(&family(&wrong, serde_json::json!([])));
    let refusal = staff_refused(dir.path(), &demo, "S001", &add);
    assert_eq!(refusal["code"], "invalid_household", "{refusal}");
    let reasons = refusal.to_string();
    assert!(reasons.contains("第3位成员「id_number」"), "{reasons}");
    save(&family(&son, serde_json::json!([])));
    let refusal = staff_refused(dir.path(), &demo, "S001", &add);
    assert!(
        refusal.to_string().contains("第3位成员「consent」"),
        "{refusal}"
    );
    // A guardian who is a child cannot consent; nor can anyone for an adult.
    save(&family(
        &son,
        serde_json::json!([{"resident": son, "guardian": son, "purposes": ["services"]},
                            {"resident": mother, "guardian": father, "purposes": ["services"]}]),
    ));
    let refusal = staff_refused(dir.path(), &demo, "S001", &add).to_string();
    assert!(refusal.contains("consents.guardian"), "{refusal}");
    assert_eq!(
        count(dir.path(), "SELECT count(*) FROM households"),
        households_before,
        "nothing saved"
    );

    // Right: saved with the day's next code; the mother consents for the son, to
    // photos as well; every adult consents for themselves to the services.
    save(&family(
        &son,
        serde_json::json!([{"resident": son, "guardian": mother, "purposes": ["services", "photos"]}]),
    ));
    let saved = staff_ok(dir.path(), &demo, "S001", &add);
    let code = saved["household_code"].as_str().unwrap().to_string();
    assert_eq!(code, "D20261123-01");
    assert_eq!(saved["members_added"], 4);
    assert_eq!(saved["consents_recorded"], 4);
    // A 同意回执 for the mother, who consented for her son; none for the adults' own.
    let slips = saved["slips"].as_array().unwrap();
    assert_eq!(slips.len(), 1, "{saved}");
    assert_eq!(slips[0]["kind"], "consent_slip");
    let serial = slips[0]["serial"].as_str().unwrap();
    let paper: String = rusqlite::Connection::open(dir.path().join("linli.sqlite"))
        .unwrap()
        .query_row(
            "SELECT receipt FROM slips WHERE serial = ?1",
            [serial],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        paper.contains("李**") && paper.contains("张*") && !paper.contains("李小龙"),
        "names masked on paper: {paper}"
    );
    assert!(
        paper.contains("同意用于") && paper.contains("不同意用于"),
        "{paper}"
    );
    // The technician registers nobody.
    assert_eq!(
        staff_refused(
            dir.path(),
            &demo,
            "S004",
            &["household", "show", "--household", &code]
        )["code"],
        "not_permitted"
    );
    let shown = staff_ok(
        dir.path(),
        &demo,
        "S001",
        &["household", "show", "--household", &code],
    );
    let text = shown.to_string();
    assert!(
        !text.contains(&mother) && !text.contains("13800138002"),
        "masked: {text}"
    );
    let child = shown["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "李小龙")
        .unwrap();
    assert_eq!(child["relationship"], "child");
    assert_eq!(child["purposes"], serde_json::json!(["services", "photos"]));
    let consents = staff_ok(
        dir.path(),
        &demo,
        "S001",
        &["consent", "show", "--resident", &son],
    );
    assert_eq!(
        consents["consents"][0]["guardian"],
        linli_core::identity::mask_id_number(&mother)
    );

    // A new phone for the mother: the change audited, old and new masked.
    let mut edited = family(&son, serde_json::json!([]));
    edited["members"][1]["phone"] = "13900139002".into();
    save(&edited);
    let changed = staff_ok(
        dir.path(),
        &demo,
        "S001",
        &[
            "household",
            "edit",
            "--household",
            &code,
            "--file",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(changed["members_changed"], 1, "{changed}");
    let detail: String = rusqlite::Connection::open(dir.path().join("linli.sqlite"))
        .unwrap()
        .query_row(
            "SELECT detail FROM audit_log WHERE action = 'resident_edited' ORDER BY seq DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(detail.contains("\"field\":\"phone\""), "{detail}");
    assert!(
        detail.contains("138****8002") && detail.contains("139****9002"),
        "{detail}"
    );

    // Moved away: the history stays, a sign-up is refused in words.
    assert_eq!(
        staff_refused(
            dir.path(),
            &demo,
            "S001",
            &["household", "move-away", "--household", &code]
        )["code"],
        "reason_required"
    );
    staff_ok(
        dir.path(),
        &demo,
        "S001",
        &[
            "household",
            "move-away",
            "--household",
            &code,
            "--reason",
            "搬往龙岗区",
        ],
    );
    let refusal = staff_refused(
        dir.path(),
        &demo,
        "S001",
        &["signup", "--resident", &son, "--programme", "after-school"],
    );
    assert_eq!(refusal["code"], "moved_away", "{refusal}");
    assert_eq!(
        count(
            dir.path(),
            &format!("SELECT count(*) FROM residents WHERE household_code = '{code}'")
        ),
        4,
        "history kept"
    );
}

/// A forgotten PIN is reset at the desk: it stops working and a paused account opens;
/// cards are issued and revoked through `card`.
#[test]
fn a_resident_pin_reset_clears_the_forgotten_pin_and_cards_are_issued_and_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let demo = ok(dir.path(), &["demo"]);
    let resident: String = rusqlite::Connection::open(dir.path().join("linli.sqlite"))
        .unwrap()
        .query_row(
            "SELECT id_number FROM resident_pins ORDER BY id_number LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let reset = staff_ok(
        dir.path(),
        &demo,
        "S001",
        &["resident", "pin-reset", "--id", &resident],
    );
    assert_eq!(reset["pin_cleared"], true);
    assert_eq!(
        count(
            dir.path(),
            &format!("SELECT count(*) FROM resident_pins WHERE id_number = '{resident}'")
        ),
        0
    );
    assert_eq!(
        count(
            dir.path(),
            "SELECT count(*) FROM audit_log WHERE action = 'resident_pin_reset'"
        ),
        1
    );
    staff_ok(
        dir.path(),
        &demo,
        "S001",
        &["card", "issue", "--id", &resident, "--card", "CARD77001"],
    );
    staff_ok(
        dir.path(),
        &demo,
        "S001",
        &["card", "revoke", "--card", "CARD77001"],
    );
    assert_eq!(
        count(dir.path(), "SELECT count(*) FROM resident_cards WHERE token = 'CARD77001' AND revoked_at IS NOT NULL"),
        1
    );
}

/// `fees pay` of 1 yuan in cash for a child's lunch care.
fn pay_cash(child: &str) -> [&str; 10] {
    [
        "fees",
        "pay",
        "--resident",
        child,
        "--programme",
        "lunch-care",
        "--amount-fen",
        "100",
        "--method",
        "cash",
    ]
}

/// A first-17 with another sequence number, same birth date and sex: the ID number a
/// clerk mistyped when the family registered a second time.
fn retyped(id: &str) -> String {
    valid_id(&format!("{}99{}", &id[..14], &id[16..17]))
}

#[test]
fn a_family_registered_twice_is_found_compared_and_merged_with_the_childs_records() {
    let dir = tempfile::tempdir().unwrap();
    let demo = ok(dir.path(), &["demo"]);
    let conn = rusqlite::Connection::open(dir.path().join("linli.sqlite")).unwrap();
    let one = |sql: &str| -> String { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    // A child with a lunch-care place (a fee paid) and an after-school place, and the
    // parent with a phone in the same household.
    let child = one(
        "SELECT r.id_number FROM residents r JOIN enrolments e ON e.resident = r.id_number
         WHERE e.programme_code = 'lunch-care' AND e.status = 'confirmed'
           AND r.birth_date > '2013-01-01' ORDER BY r.id_number LIMIT 1",
    );
    let home = one(&format!(
        "SELECT household_code FROM residents WHERE id_number = '{child}'"
    ));
    let parent = one(&format!(
        "SELECT id_number FROM residents WHERE household_code = '{home}' AND phone IS NOT NULL
         AND birth_date < '2000-01-01' ORDER BY id_number LIMIT 1"
    ));
    let name_of = |id: &str| {
        one(&format!(
            "SELECT name FROM residents WHERE id_number = '{id}'"
        ))
    };
    let name_of_gone = name_of(&child);
    let parent_phone = one(&format!(
        "SELECT phone FROM residents WHERE id_number = '{parent}'"
    ));
    let pay = pay_cash(&child);
    staff_ok(dir.path(), &demo, "S001", &pay);
    let enrolled = count(
        dir.path(),
        &format!("SELECT count(*) FROM enrolments WHERE resident = '{child}'"),
    );
    assert!(enrolled >= 1);

    // The family comes to the desk again; the clerk types both ID numbers wrong and
    // brings a grandfather too.
    let (parent2, child2) = (retyped(&parent), retyped(&child));
    let grandfather = valid_id("36012119600101991");
    let file = dir.path().join("again.json");
    std::fs::write(
        &file,
        serde_json::json!({
            "address": "海富花园3栋301",
            "members": [
                {"name": name_of(&parent), "id_number": parent2, "phone": parent_phone, "relationship": "户主"},
                {"name": name_of(&child), "id_number": child2, "relationship": "子女"},
                {"name": "彭大山", "id_number": grandfather, "relationship": "父母"},
            ],
            "consents": [{"resident": child2, "guardian": parent2, "purposes": ["services"]}],
        })
        .to_string(),
    )
    .unwrap();
    let again = staff_ok(
        dir.path(),
        &demo,
        "S001",
        &["household", "add", "--file", file.to_str().unwrap()],
    )["household_code"]
        .as_str()
        .unwrap()
        .to_string();

    // Flagged: the parent by name, birth date and phone; the child (no phone) by name
    // and birth date. Masked.
    let found = staff_ok(dir.path(), &demo, "S001", &["household", "duplicates"]);
    let text = found.to_string();
    assert!(
        !text.contains(&child) && !text.contains(&parent_phone),
        "{text}"
    );
    let pairs = found["pairs"].as_array().unwrap();
    let between = |a: &serde_json::Value, b: &str| {
        pairs.iter().any(|p| {
            p["first"]["name"] == *a
                && [
                    &p["first"]["household_code"],
                    &p["second"]["household_code"],
                ]
                .iter()
                .all(|h| **h == *b || **h == *home)
        })
    };
    assert!(between(&name_of(&parent).into(), &again), "{text}");
    assert!(between(&name_of(&child).into(), &again), "{text}");

    // Side by side, nothing changed.
    let merge = |extra: &[&str]| -> Vec<String> {
        let mut args: Vec<String> = ["household", "merge", "--keep", &home, "--remove", &again]
            .iter()
            .map(|s| s.to_string())
            .collect();
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    };
    let preview_args = merge(&["--take", "id_number", "--dry-run"]);
    let preview_refs: Vec<&str> = preview_args.iter().map(String::as_str).collect();
    let preview = staff_ok(dir.path(), &demo, "S001", &preview_refs);
    assert_eq!(preview["done"], false);
    assert_eq!(preview["people"].as_array().unwrap().len(), 2, "{preview}");
    assert_eq!(preview["records_moved"]["payments"], 1, "{preview}");
    assert_eq!(
        preview["records_moved"]["enrolments"], enrolled,
        "{preview}"
    );
    assert!(
        count(
            dir.path(),
            &format!("SELECT count(*) FROM households WHERE code = '{again}'")
        ) == 1
    );

    // Refused: a household into itself, two families with no one in common, and a
    // technician; each changing nothing.
    let same = staff_refused(
        dir.path(),
        &demo,
        "S001",
        &["household", "merge", "--keep", &home, "--remove", &home],
    );
    assert_eq!(same["code"], "same_household");
    let stranger = one(&format!(
        "SELECT household_code FROM residents WHERE household_code NOT IN ('{home}', '{again}')
         ORDER BY household_code LIMIT 1"
    ));
    let unrelated = staff_refused(
        dir.path(),
        &demo,
        "S001",
        &[
            "household",
            "merge",
            "--keep",
            &stranger,
            "--remove",
            &again,
        ],
    );
    assert_eq!(unrelated["code"], "not_duplicates", "{unrelated}");
    assert_eq!(
        staff_refused(dir.path(), &demo, "S004", &preview_refs)["code"],
        "not_permitted"
    );
    // Both of the child's records signed up for lunch care (the second placed or
    // waiting): a clash staff must put right first, and the merge changes nothing.
    staff_ok(
        dir.path(),
        &demo,
        "S001",
        &["signup", "--resident", &child2, "--programme", "lunch-care"],
    );
    let done_args = merge(&["--take", "id_number"]);
    let done_refs: Vec<&str> = done_args.iter().map(String::as_str).collect();
    let refusal = staff_refused(dir.path(), &demo, "S001", &done_refs);
    assert_eq!(refusal["code"], "merge_conflict", "{refusal}");
    assert!(refusal.to_string().contains("lunch-care"), "{refusal}");
    assert_eq!(count(dir.path(), "SELECT count(*) FROM resident_merges"), 0);
    staff_ok(
        dir.path(),
        &demo,
        "S001",
        &["cancel", "--resident", &child2, "--programme", "lunch-care"],
    );

    // The merge, keeping the desk's corrected numbers: the child's enrolments, the paid
    // fee and the attendance move to them; the grandfather joins the household.
    let attended = count(
        dir.path(),
        &format!("SELECT count(*) FROM attendance WHERE resident = '{child}'"),
    );
    let own = count(
        dir.path(),
        &format!("SELECT count(*) FROM enrolments WHERE resident = '{child2}'"),
    );
    let merged = staff_ok(dir.path(), &demo, "S001", &done_refs);
    assert_eq!(merged["done"], true, "{merged}");
    let of = |id: &str, sql: &str| count(dir.path(), &sql.replace("{}", id));
    assert_eq!(
        of(
            &child,
            "SELECT count(*) FROM residents WHERE id_number = '{}'"
        ),
        0
    );
    assert_eq!(
        of(
            &child2,
            "SELECT count(*) FROM enrolments WHERE resident = '{}'"
        ),
        enrolled + own
    );
    assert_eq!(
        of(
            &child2,
            "SELECT count(*) FROM payments WHERE resident = '{}'"
        ),
        1
    );
    assert_eq!(
        of(
            &child2,
            "SELECT count(*) FROM attendance WHERE resident = '{}'"
        ),
        attended
    );
    assert_eq!(
        one(&format!(
            "SELECT household_code FROM residents WHERE id_number = '{grandfather}'"
        )),
        home
    );
    // No stored record names the old number any more: a visit's body, a pickup list.
    for table in ["attendance", "pickup_authorisations", "shifts"] {
        assert_eq!(
            count(
                dir.path(),
                &format!("SELECT count(*) FROM {table} WHERE instr(body, '{child}') > 0")
            ),
            0,
            "{table}"
        );
    }
    assert_eq!(
        count(
            dir.path(),
            &format!("SELECT count(*) FROM households WHERE code = '{again}'")
        ),
        0
    );
    // The old number is gone from the desk.
    let gone = staff_refused(dir.path(), &demo, "S001", &pay);
    assert_eq!(gone["code"], "not_found", "{gone}");
    // One audit entry, one event for the district, naming both numbers in full.
    let audit = one(
        "SELECT detail FROM audit_log WHERE action = 'households_merged' ORDER BY seq DESC LIMIT 1",
    );
    assert!(
        !audit.contains(&child) && !audit.contains(&child2),
        "{audit}"
    );
    let event = one("SELECT body FROM outbox WHERE kind = 'households_merged'");
    assert!(event.contains(&child) && event.contains(&child2), "{event}");
    assert_eq!(
        staff_ok(dir.path(), &demo, "S001", &["household", "duplicates"])["pairs"],
        serde_json::json!([])
    );
    // The old spreadsheet imported again does not bring the mistyped number back.
    let csv = dir.path().join("again.csv");
    std::fs::write(
        &csv,
        format!(
            "{CSV_HEADER}{home},海富花园3栋301,{},{child},,\n",
            name_of_gone
        ),
    )
    .unwrap();
    let refusal = staff_refused(
        dir.path(),
        &demo,
        "S003",
        &["import", "households", csv.to_str().unwrap()],
    );
    assert!(refusal.to_string().contains("合并到"), "{refusal}");
    assert_eq!(
        count(
            dir.path(),
            &format!("SELECT count(*) FROM residents WHERE id_number = '{child}'")
        ),
        0
    );
}

#[test]
fn a_residents_record_is_shown_masked_and_someone_unknown_here_is_asked_of_the_district() {
    let dir = tempfile::tempdir().unwrap();
    let demo = ok(dir.path(), &["demo"]);
    let conn = rusqlite::Connection::open(dir.path().join("linli.sqlite")).unwrap();
    let (id, phone): (String, String) = conn
        .query_row(
            "SELECT r.id_number, r.phone FROM residents r JOIN enrolments e ON e.resident = r.id_number
             WHERE r.phone IS NOT NULL ORDER BY r.id_number LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let shown = staff_ok(
        dir.path(),
        &demo,
        "S001",
        &["resident", "show", "--id", &id],
    );
    assert_eq!(shown["source"], "here");
    let text = shown.to_string();
    assert!(
        !text.contains(&id) && !text.contains(&phone),
        "masked: {text}"
    );
    assert!(
        !shown["resident"]["places"].as_array().unwrap().is_empty(),
        "{shown}"
    );
    assert_eq!(
        count(
            dir.path(),
            "SELECT count(*) FROM audit_log WHERE action = 'resident_viewed'"
        ),
        1
    );
    // The technician reads no one's record.
    assert_eq!(
        staff_refused(
            dir.path(),
            &demo,
            "S004",
            &["resident", "show", "--id", &id]
        )["code"],
        "not_permitted"
    );
    // Their own copy, on request: the places and the slip to take home; the rest of
    // the household masked; handing it over audited.
    let copy = staff_ok(
        dir.path(),
        &demo,
        "S001",
        &["resident", "copy", "--id", &id],
    );
    assert_eq!(copy["slip"]["kind"], "record_copy", "{copy}");
    assert_eq!(copy["record"]["places"], shown["resident"]["places"]);
    let others: Vec<String> = conn
        .prepare(&format!(
            "SELECT name FROM residents WHERE id_number <> '{id}' AND household_code =
             (SELECT household_code FROM residents WHERE id_number = '{id}')"
        ))
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let text = copy.to_string();
    let own = copy["record"]["name"].as_str().unwrap().to_string();
    for other in others.iter().filter(|o| **o != own) {
        assert!(!text.contains(other.as_str()), "{other} masked: {text}");
    }
    assert_eq!(copy["household"].as_array().unwrap().len(), others.len());
    assert_eq!(
        count(
            dir.path(),
            "SELECT count(*) FROM audit_log WHERE action = 'record_copy_given'"
        ),
        1
    );
    // Someone registered at no household here: asked of the district only with a
    // purpose, and this demo device is enrolled with no district.
    let stranger = valid_id("11010819800101001");
    let refusal = staff_refused(
        dir.path(),
        &demo,
        "S001",
        &["resident", "show", "--id", &stranger],
    );
    assert_eq!(refusal["code"], "not_registered_here", "{refusal}");
    assert!(refusal.to_string().contains("--purpose"));
    let asked = staff_refused(
        dir.path(),
        &demo,
        "S001",
        &[
            "resident",
            "show",
            "--id",
            &stranger,
            "--purpose",
            "报名日间照料",
        ],
    );
    assert_eq!(asked["code"], "not_enrolled", "{asked}");
}
