//! The kiosk and the district end to end (issue 5, invariant 4): a real district server
//! on 127.0.0.1:0 with its own PostgreSQL database, the `linli` binary as a user runs
//! it, and faults injected on the wire and in the processes. Nothing is lost, nothing
//! is applied twice.

use crate::common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use common::proxy::{Fault, Proxy};
use common::{command, json, linli, ok, TODAY};
use linli_district::admin;
use linli_district::testing::{TestDb, TestServer};
use serde_json::Value;

const CENTRE: &str = "440306-XA-HF";

struct District {
    // Dropped in this order: the server before its database.
    server: TestServer,
    db: TestDb,
}

impl District {
    fn start() -> District {
        let db = TestDb::create();
        let server = TestServer::start(&db.url);
        let district = District { server, db };
        district.centre(CENTRE, "宝安区新安街道海富社区服务中心");
        district
    }

    fn url(&self) -> String {
        self.server.url()
    }

    fn centre(&self, code: &str, name: &str) {
        let (code, name) = (code.to_string(), name.to_string());
        self.db.run(move |pool| async move {
            admin::centre_add(&pool, &code, &name, "440306", "440306005003")
                .await
                .unwrap();
        });
    }

    fn device_code(&self, centre: &str, name: &str) -> String {
        let (centre, name) = (centre.to_string(), name.to_string());
        let added = self.db.run(move |pool| async move {
            admin::device_add(&pool, &centre, &name).await.unwrap()
        });
        added["code"].as_str().unwrap().to_string()
    }

    /// `linli-district admin staff add`: the one-time PIN it prints.
    fn staff_add(&self, centre: &str, code: &str, name: &str, role: &str) -> String {
        let (centre, code, name, role) = (
            centre.to_string(),
            code.to_string(),
            name.to_string(),
            role.to_string(),
        );
        let added = self.db.run(move |pool| async move {
            linli_district::staff::add(&pool, &centre, &code, &name, &[role], None)
                .await
                .unwrap()
        });
        added["pin"].as_str().unwrap().to_string()
    }

    fn text(&self, sql: &str) -> String {
        let sql = sql.to_string();
        self.db.run(move |pool| async move {
            let client = pool.get().await.unwrap();
            client
                .query_one(&sql, &[])
                .await
                .unwrap()
                .get::<_, String>(0)
        })
    }

    fn number(&self, sql: &str) -> i64 {
        let sql = sql.to_string();
        self.db.run(move |pool| async move {
            let client = pool.get().await.unwrap();
            client.query_one(&sql, &[]).await.unwrap().get::<_, i64>(0)
        })
    }
}

fn local(data: &Path, sql: &str) -> i64 {
    common::count(data, sql)
}

/// A demo kiosk enrolled with the district as device `name`.
fn enrolled_demo_kiosk(district: &District, url: &str, name: &str) -> tempfile::TempDir {
    let data = tempfile::tempdir().unwrap();
    common::seed_demo(data.path());
    let code = district.device_code(CENTRE, name);
    // The district's training set-up takes the demo; a real one never would.
    let enrolled = ok(
        data.path(),
        &["enrol", "--district", url, "--code", &code, "--training"],
    );
    assert_eq!(enrolled["centre"], CENTRE);
    data
}

fn sync_once(data: &Path) -> (bool, Value) {
    let out = linli(data, &["sync", "--once"]);
    (out.status.success(), json(&out))
}

/// Every event this device ever wrote is at the district exactly once.
fn assert_all_delivered_once(district: &District, data: &Path) {
    let written = local(data, "SELECT count(*) FROM outbox");
    assert_eq!(
        local(data, "SELECT count(*) FROM outbox WHERE sent_at IS NULL"),
        0
    );
    assert_eq!(district.number("SELECT count(*) FROM events"), written);
    assert_eq!(
        district.number("SELECT count(DISTINCT (device_id, event_id)) FROM events"),
        written
    );
}

#[test]
fn a_demo_kiosk_enrols_and_its_outbox_reaches_the_district_once() {
    let district = District::start();
    let data = enrolled_demo_kiosk(&district, &district.url(), "kiosk-1");
    let mode = std::fs::metadata(data.path().join("district.json"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(
        mode & 0o777,
        0o600,
        "the credential is the kiosk user's alone"
    );
    let written = local(data.path(), "SELECT count(*) FROM outbox");
    assert!(written > 1_000, "the demo wrote {written} events");

    let (success, report) = sync_once(data.path());
    assert!(success, "{report}");
    assert_eq!(report["pushed"], written);
    assert_eq!(report["pending"], 0);
    assert_all_delivered_once(&district, data.path());
    // The registry the kiosk collected is the district's now.
    assert_eq!(
        district.number("SELECT count(*) FROM households"),
        local(data.path(), "SELECT count(*) FROM households")
    );

    // A second round has nothing to push, and changes nothing at the district.
    let (success, again) = sync_once(data.path());
    assert!(success, "{again}");
    assert_eq!(again["pushed"], 0);
    assert_all_delivered_once(&district, data.path());

    let doctor = json(&linli(data.path(), &["doctor"]));
    assert_eq!(doctor["sync"]["enrolled"], true);
    assert_eq!(doctor["sync"]["pending"], 0);
    assert!(doctor["sync"]["last_success"].is_string(), "{doctor}");

    // A second enrolment of the same data directory is refused, changing nothing.
    let code = district.device_code(CENTRE, "kiosk-1b");
    let refused = common::refused(
        data.path(),
        &["enrol", "--district", &district.url(), "--code", &code],
    );
    assert_eq!(refused["code"], "already_enrolled");
}

#[test]
fn a_reply_lost_after_the_district_committed_is_sent_again_and_applied_once() {
    let district = District::start();
    let proxy = Proxy::start(district.server.address);
    let data = enrolled_demo_kiosk(&district, &district.url(), "kiosk-1");
    // From now on the kiosk talks to the district through the faulty wire.
    rewrite_district_url(data.path(), &proxy.url());
    proxy.set(Fault::DropReply);
    let (success, report) = sync_once(data.path());
    assert!(!success);
    assert_eq!(report["code"], "district_unreachable", "{report}");
    assert!(proxy.dropped.load(std::sync::atomic::Ordering::SeqCst) >= 1);
    let written = local(data.path(), "SELECT count(*) FROM outbox");
    let applied = district.number("SELECT count(*) FROM events");
    assert!(applied > 0, "the district committed the first batch");
    assert_eq!(
        local(
            data.path(),
            "SELECT count(*) FROM outbox WHERE sent_at IS NULL"
        ),
        written,
        "without an answer nothing counts as sent"
    );

    proxy.set(Fault::None);
    let (success, report) = sync_once(data.path());
    assert!(success, "{report}");
    assert_eq!(
        report["pushed"], written,
        "accepted or duplicate, every one answered"
    );
    assert_all_delivered_once(&district, data.path());
}

#[test]
fn a_district_that_fails_hangs_or_refuses_connections_loses_nothing() {
    let district = District::start();
    let proxy = Proxy::start(district.server.address);
    let data = enrolled_demo_kiosk(&district, &district.url(), "kiosk-1");
    rewrite_district_url(data.path(), &proxy.url());
    for fault in [Fault::Unavailable, Fault::Hang, Fault::Refuse] {
        proxy.set(fault);
        let started = std::time::Instant::now();
        let out = command(data.path(), &["sync", "--once"])
            .env("LINLI_SYNC_TIMEOUT_SECS", "2")
            .output()
            .unwrap();
        let report = json(&out);
        assert!(!out.status.success(), "{fault:?}: {report}");
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{fault:?} took too long"
        );
        if fault == Fault::Unavailable {
            assert!(
                report["reasons"][0].as_str().unwrap().contains("503"),
                "{report}"
            );
        }
        let doctor = json(&linli(data.path(), &["doctor"]));
        assert!(
            doctor["sync"]["last_error"].is_string(),
            "{fault:?}: {doctor}"
        );
    }
    assert_eq!(district.number("SELECT count(*) FROM events"), 0);
    proxy.set(Fault::None);
    let (success, report) = sync_once(data.path());
    assert!(success, "{report}");
    assert_all_delivered_once(&district, data.path());
    let doctor = json(&linli(data.path(), &["doctor"]));
    assert!(doctor["sync"]["last_error"].is_null(), "{doctor}");
}

#[test]
fn killing_the_kiosk_between_commit_and_upload_and_during_uploads_loses_and_doubles_nothing() {
    let district = District::start();
    let data = enrolled_demo_kiosk(&district, &district.url(), "kiosk-1");
    for round in 0..6u64 {
        // A committed action whose process dies before any upload: the commit is the
        // outbox row, so the next uploader finds it.
        if round == 2 {
            sign_up_a_child(data.path(), false);
        }
        let mut uploader = command(data.path(), &["sync"]).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(150 + round * 120));
        // SIGKILL: no chance to finish a batch or record anything.
        uploader.kill().unwrap();
        uploader.wait().unwrap();
    }
    let (success, report) = sync_once(data.path());
    assert!(success, "{report}");
    assert_all_delivered_once(&district, data.path());
    assert_eq!(
        district.number(
            "SELECT count(*) FROM events WHERE kind = 'enrolment_changed' AND body->'payload'->>'programme_code' = 'after-school'"
        ),
        local(data.path(), "SELECT count(*) FROM outbox WHERE kind = 'enrolment_changed' AND body LIKE '%\"after-school\"%'")
    );
}

#[test]
fn two_processes_uploading_one_queue_apply_each_event_once() {
    let district = District::start();
    let data = enrolled_demo_kiosk(&district, &district.url(), "kiosk-1");
    let spawn = || {
        command(data.path(), &["sync", "--once"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (first, second) = (spawn(), spawn());
    for child in [first, second] {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    assert_all_delivered_once(&district, data.path());
}

#[test]
fn a_rejected_event_is_parked_for_staff_and_the_queue_goes_on() {
    let district = District::start();
    let data = enrolled_demo_kiosk(&district, &district.url(), "kiosk-1");
    // One event claims another centre (as a tampered or buggy row would).
    let conn = rusqlite::Connection::open(data.path().join("linli.sqlite")).unwrap();
    conn.execute(
        "UPDATE outbox SET body = json_set(body, '$.centre_code', 'ELSEWHERE')
         WHERE seq = (SELECT min(seq) FROM outbox WHERE kind = 'rating_submitted')",
        [],
    )
    .unwrap();
    drop(conn);
    let written = local(data.path(), "SELECT count(*) FROM outbox");
    let (success, report) = sync_once(data.path());
    assert!(success, "{report}");
    assert_eq!(report["rejected"], 1);
    assert_eq!(report["pushed"], written - 1);
    assert_eq!(
        report["pending"], 0,
        "the rejected event does not block the rest"
    );
    assert_eq!(district.number("SELECT count(*) FROM events"), written - 1);
    let doctor = json(&linli(data.path(), &["doctor"]));
    let parked = doctor["sync"]["parked"].as_array().unwrap();
    assert_eq!(parked.len(), 1, "{doctor}");
    assert_eq!(parked[0]["kind"], "rating_submitted");
    assert_eq!(parked[0]["reason"]["code"], "wrong_centre");
    assert_eq!(district.number("SELECT count(*) FROM rejected_events"), 1);
    // Parked is not resent: the next round has nothing to do.
    let (_, again) = sync_once(data.path());
    assert_eq!(again["pushed"], 0);
    assert_eq!(again["rejected"], 0);
}

#[test]
fn a_device_whose_clock_is_days_off_still_syncs_and_the_district_notes_the_skew() {
    let district = District::start();
    let data = enrolled_demo_kiosk(&district, &district.url(), "kiosk-1");
    let (success, report) = sync_once(data.path());
    assert!(success, "{report}");
    assert_all_delivered_once(&district, data.path());
    // The kiosk runs at TODAY (the test clock); the district on the real clock.
    let kiosk = chrono::NaiveDateTime::parse_from_str(TODAY, "%Y-%m-%dT%H:%M:%S").unwrap();
    let district_now = chrono::Utc::now().naive_utc() + chrono::Duration::hours(8);
    let expected = (kiosk - district_now).num_seconds();
    let skew = district.number("SELECT clock_skew_seconds FROM devices");
    assert!(
        (skew - expected).abs() < 300,
        "skew {skew}, expected about {expected}"
    );
}

#[test]
fn a_revoked_device_is_refused_and_keeps_everything_it_recorded() {
    let district = District::start();
    let data = enrolled_demo_kiosk(&district, &district.url(), "kiosk-1");
    let device = ok(data.path(), &["doctor"]);
    assert_eq!(device["sync"]["enrolled"], true);
    district.db.run(|pool| async move {
        let client = pool.get().await.unwrap();
        client
            .execute("UPDATE devices SET revoked_at = now()", &[])
            .await
            .unwrap();
    });
    let (success, report) = sync_once(data.path());
    assert!(!success);
    assert_eq!(report["code"], "district_refused", "{report}");
    assert!(
        report["reasons"][0].as_str().unwrap().contains("401"),
        "{report}"
    );
    assert_eq!(
        local(
            data.path(),
            "SELECT count(*) FROM outbox WHERE sent_at IS NULL"
        ),
        local(data.path(), "SELECT count(*) FROM outbox")
    );
}

/// Issue 10 (invariant 10): a centre's households are that centre's. A kiosk of another
/// centre receives none of them on its pull; it gets one household only when a staff
/// member looks a resident up by full ID number, and the district records that lookup.
#[test]
fn a_household_of_one_centre_reaches_another_only_through_a_staff_lookup() {
    let district = District::start();
    district.centre("440306-XA-XY", "宝安区新安街道兴业社区服务中心");
    let first = enrolled_demo_kiosk(&district, &district.url(), "kiosk-1");
    assert!(sync_once(first.path()).0);
    assert!(district.number("SELECT count(*) FROM households") > 0);
    let second = tempfile::tempdir().unwrap();
    let code = district.device_code("440306-XA-XY", "kiosk-a");
    let enrolled = ok(
        second.path(),
        &["enrol", "--district", &district.url(), "--code", &code],
    );
    assert_eq!(enrolled["centre"], "440306-XA-XY");
    let (success, report) = sync_once(second.path());
    assert!(success, "{report}");
    assert_eq!(local(second.path(), "SELECT count(*) FROM households"), 0);
    assert_eq!(local(second.path(), "SELECT count(*) FROM residents"), 0);

    let id_number: String = rusqlite::Connection::open(first.path().join("linli.sqlite"))
        .unwrap()
        .query_row(
            "SELECT id_number FROM residents ORDER BY id_number LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let credential = linli::sync::credential::load(second.path())
        .unwrap()
        .expect("enrolled");
    let client = linli::sync::http::District::new(
        &credential.district_url,
        Some(credential.credential.as_str()),
    )
    .unwrap();
    let found = client
        .lookup_resident(&id_number, "S001", "报名日间照料")
        .unwrap();
    assert_eq!(found.household.centre_code, CENTRE);
    assert!(found
        .household
        .members
        .iter()
        .any(|m| m.id_number == id_number));
    assert_eq!(
        district.number(
            "SELECT count(*) FROM registry_lookups WHERE staff_code = 'S001' AND found_centre = '440306-XA-HF'"
        ),
        1
    );
    match client.lookup_resident("12345", "S001", "报名日间照料") {
        Err(linli::sync::http::HttpError::Refused { status, body }) => {
            assert_eq!(status, 400);
            assert_eq!(body.field.as_deref(), Some("id_number"));
        }
        other => panic!("a malformed ID number is refused: {other:?}"),
    }
}

#[test]
fn a_code_for_another_centre_is_refused_before_it_is_used_up() {
    let district = District::start();
    district.centre("440306-XA-XY", "宝安区新安街道兴业社区服务中心");
    let data = tempfile::tempdir().unwrap();
    ok(data.path(), &["demo"]);
    let code = district.device_code("440306-XA-XY", "kiosk-a");
    let refused = common::refused(
        data.path(),
        &[
            "enrol",
            "--district",
            &district.url(),
            "--code",
            &code,
            "--training",
        ],
    );
    assert_eq!(refused["code"], "wrong_centre", "{refused}");
    assert!(!data.path().join("district.json").exists());
    // The same code still works for a device of that centre.
    let fresh = tempfile::tempdir().unwrap();
    ok(
        fresh.path(),
        &["enrol", "--district", &district.url(), "--code", &code],
    );
}

#[test]
fn a_demo_kiosk_at_the_district_demo_centre_keeps_its_seats_and_a_second_kiosk_gets_only_the_rest()
{
    let district = District::start();
    district.db.run(|pool| async move {
        linli_district::demo::seed(&pool).await.unwrap();
    });
    let first = enrolled_demo_kiosk(&district, &district.url(), "kiosk-1");
    let (success, report) = sync_once(first.path());
    assert!(success, "{report}");
    // Seats the demo confirmed before enrolment are people's: the district counts
    // them as this kiosk's grant instead of giving them out again.
    let held = local(
        first.path(),
        "SELECT count(*) FROM enrolments WHERE programme_code = 'after-school' AND status IN ('confirmed', 'offered')",
    );
    assert!(held > 0);
    let capacity =
        district.number("SELECT capacity::bigint FROM programmes WHERE code = 'after-school'");
    let outstanding = district.number(
        "SELECT sum(granted + offer_seats - released)::bigint FROM seat_grants WHERE programme_code = 'after-school'",
    );
    assert!(
        outstanding >= held && outstanding <= capacity,
        "held {held}, outstanding {outstanding}, capacity {capacity}"
    );

    let second = tempfile::tempdir().unwrap();
    let code = district.device_code(CENTRE, "kiosk-2");
    ok(
        second.path(),
        &["enrol", "--district", &district.url(), "--code", &code],
    );
    assert!(sync_once(second.path()).0);
    assert!(sync_once(first.path()).0);
    assert!(sync_once(second.path()).0);
    let grant = |data: &Path| {
        local(
            data,
            "SELECT capacity FROM programmes WHERE code = 'after-school'",
        )
    };
    assert!(
        grant(first.path()) + grant(second.path()) <= capacity,
        "grants {} + {} exceed capacity {capacity}",
        grant(first.path()),
        grant(second.path())
    );
    assert!(grant(first.path()) >= held, "nobody loses a seat they hold");

    // Slips now carry the number the district gave the kiosk.
    sign_up_a_child(second.path(), true);
    let serial: String = rusqlite::Connection::open(second.path().join("linli.sqlite"))
        .unwrap()
        .query_row(
            "SELECT serial FROM slips ORDER BY rowid DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(serial.starts_with("D002-"), "{serial}");
}

fn rewrite_district_url(data: &Path, url: &str) {
    let path = data.join("district.json");
    let mut credential: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    credential["district_url"] = Value::String(url.to_string());
    std::fs::write(&path, credential.to_string()).unwrap();
}

/// Signs up the first demo child after-school takes (a refusal changes nothing, so
/// trying candidates in turn is safe); returns their ID number.
fn sign_up_a_child(data: &Path, print: bool) -> String {
    let conn = rusqlite::Connection::open(data.join("linli.sqlite")).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT id_number FROM residents
             WHERE id_number NOT IN (SELECT resident FROM enrolments)
             ORDER BY birth_date DESC",
        )
        .unwrap();
    let ids: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    drop(stmt);
    drop(conn);
    // As a parent does it at the kiosk: a freshly enrolled kiosk has no staff of its
    // own until the district sends its accounts.
    let mut store = linli::store::Store::open_in(data).unwrap();
    let now = linli::clock::parse_local(TODAY).unwrap();
    let printing = if print {
        linli::print::Printing::Queue
    } else {
        linli::print::Printing::Skip
    };
    for id in ids {
        let signed = linli::usecase::enrolment::signup(
            &mut store,
            &linli::store::Actor::kiosk(),
            now,
            &id,
            "after-school",
            printing,
        );
        if signed.is_ok() {
            return id;
        }
    }
    panic!("no demo resident can sign up for after-school");
}

#[test]
fn the_background_sync_drains_the_queue_when_the_network_returns_without_a_new_write() {
    let district = District::start();
    let proxy = Proxy::start(district.server.address);
    let data = enrolled_demo_kiosk(&district, &district.url(), "kiosk-1");
    rewrite_district_url(data.path(), &proxy.url());
    proxy.set(Fault::Refuse);
    let mut syncing = command(data.path(), &["sync"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(district.number("SELECT count(*) FROM events"), 0);
    // The network comes back; nothing new is written on the kiosk.
    proxy.set(Fault::None);
    let written = local(data.path(), "SELECT count(*) FROM outbox");
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    // Drained: at the district, and answered for on the kiosk.
    while district.number("SELECT count(*) FROM events") < written
        || local(
            data.path(),
            "SELECT count(*) FROM outbox WHERE sent_at IS NULL",
        ) > 0
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the queue was not drained after the network returned"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    syncing.kill().unwrap();
    syncing.wait().unwrap();
    assert_all_delivered_once(&district, data.path());
}

/// Issue 10: one event the district cannot apply (a resident of a household it never
/// heard of) used to fail the district's whole batch with 503, so the kiosk resent the
/// same batch for ever and nothing after it ever arrived. Now it is parked with the
/// district's reason and everything before and after it arrives.
#[test]
fn an_event_the_district_cannot_apply_is_parked_and_later_events_still_arrive() {
    let district = District::start();
    let data = enrolled_demo_kiosk(&district, &district.url(), "kiosk-1");
    let conn = rusqlite::Connection::open(data.path().join("linli.sqlite")).unwrap();
    conn.execute(
        "INSERT INTO outbox (event_id, kind, body, created_at)
         SELECT 'orphan-resident', kind,
                json_set(body, '$.event_id', 'orphan-resident',
                               '$.payload.household_code', 'NEVER-REGISTERED',
                               '$.payload.id_number', '11010519491231002X'),
                created_at
         FROM outbox WHERE kind = 'resident_registered' ORDER BY seq LIMIT 1",
        [],
    )
    .unwrap();
    drop(conn);
    // Written after the bad one: it must not wait behind it.
    sign_up_a_child(data.path(), false);
    let written = local(data.path(), "SELECT count(*) FROM outbox");
    let (success, report) = sync_once(data.path());
    assert!(success, "{report}");
    assert_eq!(report["rejected"], 1, "{report}");
    assert_eq!(report["pushed"], written - 1, "{report}");
    assert_eq!(report["pending"], 0, "{report}");
    let doctor = json(&linli(data.path(), &["doctor"]));
    let parked = doctor["sync"]["parked"].as_array().unwrap();
    assert_eq!(parked.len(), 1, "{doctor}");
    assert_eq!(parked[0]["event_id"], "orphan-resident");
    assert_eq!(parked[0]["reason"]["code"], "unknown_household", "{doctor}");
    assert!(
        parked[0]["reason"]["message"]["zh"]
            .as_str()
            .unwrap()
            .contains("NEVER-REGISTERED"),
        "{doctor}"
    );
    assert_eq!(district.number("SELECT count(*) FROM events"), written - 1);
    let last_local: String = rusqlite::Connection::open(data.path().join("linli.sqlite"))
        .unwrap()
        .query_row(
            "SELECT event_id FROM outbox ORDER BY seq DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        district.number(&format!(
            "SELECT count(*) FROM events WHERE event_id = '{last_local}'"
        )),
        1,
        "the kiosk's newest event reached the district"
    );
    assert_eq!(
        district.number("SELECT count(*) FROM residents WHERE id_number = '11010519491231002X'"),
        0
    );
}

/// `linli` on a real centre's device, at the real time (a real centre ignores pinned
/// clocks), as `staff` with `pin` when given.
fn at_real_centre(data: &Path, staff: Option<(&str, &str)>, args: &[&str]) -> (bool, Value) {
    let mut command = common::command(data, args);
    command.env_remove("LINLI_TEST_NOW");
    if let Some((code, pin)) = staff {
        command.args(["--staff", code]).env("LINLI_STAFF_PIN", pin);
    }
    let out = command.output().unwrap();
    (out.status.success(), json(&out))
}

/// A fresh device of `centre`, enrolled and synced once.
fn real_device(district: &District, centre: &str, name: &str) -> tempfile::TempDir {
    let data = tempfile::tempdir().unwrap();
    let code = district.device_code(centre, name);
    let (enrolled, answer) = at_real_centre(
        data.path(),
        None,
        &["enrol", "--district", &district.url(), "--code", &code],
    );
    assert!(enrolled, "{answer}");
    let (synced, report) = at_real_centre(data.path(), None, &["sync", "--once"]);
    assert!(synced, "{report}");
    data
}

/// The district publishes the centre's after-school club, from age 6.
fn publish_after_school(district: &District, centre: &str, today: chrono::NaiveDate) {
    let mut programme = linli_core::demo::programmes(today)
        .into_iter()
        .find(|p| p.code == "after-school")
        .unwrap();
    programme.rules.min_age = Some(6);
    let text = serde_json::to_string(&programme).unwrap();
    let centre_code = centre.to_string();
    district.db.run(move |pool| async move {
        admin::publish_programme(&pool, &centre_code, &text)
            .await
            .unwrap();
    });
}

/// The member chooses their own PIN in place of the one-time one; returns it.
fn choose_own_pin(data: &Path, code: &str, one_time: &str, own: &str) {
    let out = common::command(data, &["staff", "change-pin", "--staff", code])
        .env_remove("LINLI_TEST_NOW")
        .env("LINLI_STAFF_PIN", one_time)
        .env("LINLI_NEW_PIN", own)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn a_real_centre_from_enrolment_to_its_first_sign_up() {
    let district = District::start();
    let centre = "440306-XA-XY";
    district.centre(centre, "宝安区新安街道兴业社区服务中心");
    // District staff give the centre its manager, with a one-time PIN.
    let one_time = district.staff_add(centre, "S001", "周经理", "manager");
    let desk = real_device(&district, centre, "desk-1");
    assert_eq!(
        local(
            desk.path(),
            "SELECT count(*) FROM staff WHERE code = 'S001' AND must_change_pin = 1"
        ),
        1,
        "the account came down with the device's first sync"
    );
    // The one-time PIN opens nothing but the change to the manager's own PIN.
    let (done, refused) = at_real_centre(
        desk.path(),
        Some(("S001", &one_time)),
        &["export", "households", "--unmasked"],
    );
    assert!(!done);
    assert_eq!(refused["code"], "pin_change_required", "{refused}");
    let own = if one_time == "481937" {
        "592048"
    } else {
        "481937"
    };
    choose_own_pin(desk.path(), "S001", &one_time, own);
    let (synced, report) = at_real_centre(desk.path(), None, &["sync", "--once"]);
    assert!(synced, "{report}");
    assert_eq!(
        district.number("SELECT count(*) FROM staff_accounts WHERE code = 'S001' AND NOT must_change_pin"),
        1,
        "the district has the manager's own PIN now: {}",
        district.text("SELECT coalesce((SELECT string_agg(code || ':' || reason::text, ';') FROM rejected_events), '')")
    );
    // A second device of the centre signs the manager in with it, never the old one.
    let kiosk = real_device(&district, centre, "kiosk-2");
    let (ok_there, list) = at_real_centre(kiosk.path(), Some(("S001", own)), &["staff", "list"]);
    assert!(ok_there, "{list}");
    let (old_works, _) =
        at_real_centre(kiosk.path(), Some(("S001", &one_time)), &["staff", "list"]);
    assert!(!old_works, "the one-time PIN is spent everywhere");

    // The manager registers the centre's first households and a clerk, at the desk.
    let file = desk.path().join("households.csv");
    let mother = linli_core::demo::make_id_number(
        "440306",
        chrono::NaiveDate::from_ymd_opt(1988, 3, 15).unwrap(),
        false,
        &mut linli_core::demo::DemoRandom::new(7),
    );
    let today = linli::clock::real_now().date();
    let child_birth =
        chrono::NaiveDate::from_ymd_opt(chrono::Datelike::year(&today) - 8, 6, 1).unwrap();
    let child = linli_core::demo::make_id_number(
        "440306",
        child_birth,
        true,
        &mut linli_core::demo::DemoRandom::new(8),
    );
    std::fs::write(
        &file,
        format!(
            "household_code,address,name,id_number,phone,tags\nXY-001,兴业路1号101,刘芳,{},13900139001,\nXY-001,兴业路1号101,刘小宇,{},,\n",
            mother.as_str(),
            child.as_str()
        ),
    )
    .unwrap();
    let (imported, answer) = at_real_centre(
        desk.path(),
        Some(("S001", own)),
        &["import", "households", file.to_str().unwrap()],
    );
    assert!(imported, "{answer}");
    let (added, clerk) = at_real_centre(
        desk.path(),
        Some(("S001", own)),
        &[
            "staff",
            "add",
            "--code",
            "S002",
            "--name",
            "王前台",
            "--role",
            "front_desk",
        ],
    );
    assert!(added, "{clerk}");
    let clerk_pin = clerk["pin"].as_str().unwrap().to_string();
    // The district publishes the centre's after-school club.
    publish_after_school(&district, centre, today);
    assert!(at_real_centre(desk.path(), None, &["sync", "--once"]).0);
    assert_eq!(
        district.number("SELECT count(*) FROM staff_accounts WHERE code = 'S002'"),
        1,
        "the clerk the manager added reached the district"
    );
    // The clerk chooses a PIN at the other device and signs the child up there.
    assert!(at_real_centre(kiosk.path(), None, &["sync", "--once"]).0);
    let clerk_own = if clerk_pin == "372615" {
        "473926"
    } else {
        "372615"
    };
    choose_own_pin(kiosk.path(), "S002", &clerk_pin, clerk_own);
    let (signed, placed) = at_real_centre(
        kiosk.path(),
        Some(("S002", clerk_own)),
        &[
            "signup",
            "--resident",
            child.as_str(),
            "--programme",
            "after-school",
        ],
    );
    assert!(signed, "{placed}");
    assert!(
        placed["status"] == "confirmed" || placed["status"] == "waitlisted",
        "{placed}"
    );
    assert!(at_real_centre(kiosk.path(), None, &["sync", "--once"]).0);
    assert_eq!(
        district.number(&format!(
            "SELECT count(*) FROM enrolments WHERE resident_id_number = '{}'",
            child.as_str()
        )),
        1
    );
}

#[test]
fn another_centres_resident_is_looked_up_by_staff_used_here_and_never_changed_here() {
    let district = District::start();
    let other = "440306-XA-XY";
    district.centre(other, "宝安区新安街道兴业社区服务中心");
    // The demo centre's households are at the district.
    let home = enrolled_demo_kiosk(&district, &district.url(), "kiosk-1");
    assert!(sync_once(home.path()).0);
    let (id_number, household): (String, String) =
        rusqlite::Connection::open(home.path().join("linli.sqlite"))
            .unwrap()
            .query_row(
                "SELECT id_number, household_code FROM residents ORDER BY id_number LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
    let one_time = district.staff_add(other, "S001", "赵社工", "manager");
    let desk = real_device(&district, other, "desk-1");
    assert_eq!(
        local(desk.path(), "SELECT count(*) FROM residents"),
        0,
        "nobody else's residents"
    );
    let own = if one_time == "481937" {
        "592048"
    } else {
        "481937"
    };
    choose_own_pin(desk.path(), "S001", &one_time, own);
    let events_before = local(desk.path(), "SELECT count(*) FROM outbox");
    let (found, answer) = at_real_centre(
        desk.path(),
        Some(("S001", own)),
        &[
            "lookup",
            "--resident",
            &id_number,
            "--purpose",
            "报名长者书法班",
        ],
    );
    assert!(found, "{answer}");
    assert_eq!(answer["registered_at"], CENTRE);
    assert!(!answer.to_string().contains(&id_number), "masked: {answer}");
    let key = format!("{CENTRE}:{household}");
    assert_eq!(answer["household"], key.as_str());
    assert_eq!(
        local(
            desk.path(),
            &format!("SELECT count(*) FROM households WHERE code = '{key}' AND owner_centre = '{CENTRE}'")
        ),
        1,
        "kept under its owner"
    );
    assert_eq!(
        local(desk.path(), "SELECT count(*) FROM audit_log WHERE action = 'registry_lookup' AND actor = 'staff:S001'"),
        1
    );
    assert_eq!(
        district.number("SELECT count(*) FROM registry_lookups WHERE staff_code = 'S001'"),
        1
    );
    // Nothing about that household goes back up from here: it is the other centre's.
    assert_eq!(
        local(desk.path(), "SELECT count(*) FROM outbox") - events_before,
        0,
        "a lookup sends nothing up"
    );
    // An import here that names them is refused, naming the centre that owns them.
    let file = desk.path().join("h.csv");
    std::fs::write(
        &file,
        format!("household_code,address,name,id_number,phone,tags\nXY-009,兴业路9号,某某,{id_number},,\n"),
    )
    .unwrap();
    let (imported, refused) = at_real_centre(
        desk.path(),
        Some(("S001", own)),
        &["import", "households", file.to_str().unwrap()],
    );
    assert!(!imported);
    assert!(refused["reasons"].to_string().contains(CENTRE), "{refused}");
    assert_eq!(
        local(desk.path(), "SELECT count(*) FROM outbox WHERE kind IN ('household_registered', 'resident_registered')"),
        0
    );
}

/// A server that answers every request with a redirect to `target`.
fn redirector(target: String) -> (String, std::thread::JoinHandle<()>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let thread = std::thread::spawn(move || {
        listener.set_nonblocking(false).unwrap();
        for stream in listener.incoming().take(4) {
            let Ok(mut stream) = stream else { return };
            let mut buffer = [0u8; 8192];
            let _ = stream.read(&mut buffer);
            let answer = format!(
                "HTTP/1.1 307 Temporary Redirect\r\nLocation: {target}/v1/events\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    (url, thread)
}

#[test]
fn a_redirect_is_never_followed_so_records_cannot_be_sent_elsewhere() {
    let district = District::start();
    let data = enrolled_demo_kiosk(&district, &district.url(), "kiosk-1");
    // Where a redirect would send the records: anything that arrives here is a leak.
    let elsewhere = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    elsewhere.set_nonblocking(true).unwrap();
    let (url, _thread) = redirector(format!("http://{}", elsewhere.local_addr().unwrap()));
    rewrite_district_url(data.path(), &url);
    let pending = local(
        data.path(),
        "SELECT count(*) FROM outbox WHERE sent_at IS NULL",
    );
    let (success, report) = sync_once(data.path());
    assert!(!success, "{report}");
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        elsewhere.accept().is_err(),
        "the kiosk followed the redirect and sent its records elsewhere"
    );
    assert_eq!(
        local(
            data.path(),
            "SELECT count(*) FROM outbox WHERE sent_at IS NULL"
        ),
        pending,
        "nothing counts as sent"
    );
}

#[test]
fn only_https_or_loopback_http_is_accepted() {
    for good in [
        "https://district.example.gov.cn",
        "https://10.1.2.3:8443/",
        "http://127.0.0.1:8080",
        "http://127.8.9.10",
        "http://[::1]:9000",
    ] {
        assert!(linli::sync::address::check(good).is_ok(), "{good}");
    }
    for bad in [
        "http://district.example.gov.cn",
        "http://10.1.2.3:8080",
        "http://localhost.evil.example",
        "http://128.0.0.1",
        "ftp://127.0.0.1",
        "district.example",
    ] {
        assert!(linli::sync::address::check(bad).is_err(), "{bad}");
    }
}

/// What one desk does to the registry reaches the centre's other devices: a household
/// moved away takes no sign-up at the other kiosk either, and a family registered
/// twice and merged at the desk is one family there too, the card given to the
/// absorbed record now the survivor's.
#[test]
fn a_move_away_and_a_merge_at_one_desk_reach_the_centres_other_kiosk() {
    let district = District::start();
    let centre = "440306-XA-XY";
    district.centre(centre, "宝安区新安街道兴业社区服务中心");
    let one_time = district.staff_add(centre, "S001", "周经理", "manager");
    let desk = real_device(&district, centre, "desk-1");
    let own = if one_time == "481937" {
        "592048"
    } else {
        "481937"
    };
    choose_own_pin(desk.path(), "S001", &one_time, own);
    assert!(at_real_centre(desk.path(), None, &["sync", "--once"]).0);
    let kiosk = real_device(&district, centre, "kiosk-2");
    let staff = Some(("S001", own));

    let today = linli::clock::real_now().date();
    let id = |birth: chrono::NaiveDate, male: bool, seed: u64| {
        linli_core::demo::make_id_number(
            "440306",
            birth,
            male,
            &mut linli_core::demo::DemoRandom::new(seed),
        )
        .as_str()
        .to_string()
    };
    let mother_birth = chrono::NaiveDate::from_ymd_opt(1988, 3, 15).unwrap();
    let (mother, mother_again) = (id(mother_birth, false, 7), id(mother_birth, false, 9));
    assert_ne!(mother, mother_again);
    let child_birth =
        chrono::NaiveDate::from_ymd_opt(chrono::Datelike::year(&today) - 8, 6, 1).unwrap();
    let (leaving_father, leaving_child) = (
        id(
            chrono::NaiveDate::from_ymd_opt(1985, 1, 2).unwrap(),
            true,
            11,
        ),
        id(child_birth, true, 12),
    );
    // XY-003 is 刘芳 registered a second time with her number mistyped.
    let file = desk.path().join("households.csv");
    std::fs::write(
        &file,
        format!(
            "household_code,address,name,id_number,phone,tags\n\
             XY-001,兴业路1号101,刘芳,{mother},13900139001,\n\
             XY-002,兴业路2号202,陈建,{leaving_father},13900139002,\n\
             XY-002,兴业路2号202,陈小乐,{leaving_child},,\n\
             XY-003,兴业路1号101,刘芳,{mother_again},13900139001,\n"
        ),
    )
    .unwrap();
    let (imported, answer) = at_real_centre(
        desk.path(),
        staff,
        &["import", "households", file.to_str().unwrap()],
    );
    assert!(imported, "{answer}");
    publish_after_school(&district, centre, today);
    assert!(at_real_centre(desk.path(), None, &["sync", "--once"]).0);
    assert!(at_real_centre(kiosk.path(), None, &["sync", "--once"]).0);
    // At the other kiosk, a card for the second record (before anyone noticed).
    let (issued, card) = at_real_centre(
        kiosk.path(),
        staff,
        &[
            "card",
            "issue",
            "--id",
            &mother_again,
            "--card",
            "CARD55001",
        ],
    );
    assert!(issued, "{card}");
    assert!(at_real_centre(kiosk.path(), None, &["sync", "--once"]).0);

    // At the desk: the Chens move away, and the two 刘芳 are merged.
    let (moved, answer) = at_real_centre(
        desk.path(),
        staff,
        &[
            "household",
            "move-away",
            "--household",
            "XY-002",
            "--reason",
            "搬到外区",
        ],
    );
    assert!(moved, "{answer}");
    let (merged, answer) = at_real_centre(
        desk.path(),
        staff,
        &[
            "household",
            "merge",
            "--keep",
            "XY-001",
            "--remove",
            "XY-003",
        ],
    );
    assert!(merged, "{answer}");
    assert!(at_real_centre(desk.path(), None, &["sync", "--once"]).0);
    assert_eq!(
        district.number("SELECT count(*) FROM households WHERE code = 'XY-002' AND moved_away_on IS NOT NULL"),
        1,
        "{}",
        district.text("SELECT coalesce((SELECT string_agg(code || ':' || reason::text, ';') FROM rejected_events), '')")
    );
    assert!(at_real_centre(kiosk.path(), None, &["sync", "--once"]).0);

    // The other kiosk: no sign-up for the Chens' child, in words.
    assert_eq!(
        local(
            kiosk.path(),
            "SELECT count(*) FROM households WHERE code = 'XY-002' AND moved_away_at IS NOT NULL"
        ),
        1
    );
    let (signed, refused) = at_real_centre(
        kiosk.path(),
        staff,
        &[
            "signup",
            "--resident",
            &leaving_child,
            "--programme",
            "after-school",
        ],
    );
    assert!(!signed, "{refused}");
    assert_eq!(refused["code"], "moved_away", "{refused}");
    // And one 刘芳, who holds the card.
    assert_eq!(
        local(
            kiosk.path(),
            &format!("SELECT count(*) FROM residents WHERE id_number = '{mother_again}'")
        ),
        0
    );
    assert_eq!(
        local(
            kiosk.path(),
            "SELECT count(*) FROM households WHERE code = 'XY-003'"
        ),
        0
    );
    assert_eq!(
        local(
            kiosk.path(),
            &format!("SELECT count(*) FROM resident_cards WHERE token = 'CARD55001' AND id_number = '{mother}'")
        ),
        1
    );
    // The desk heard its own merge back and changed nothing more; the card the kiosk
    // gave the second record before the merge reached it is hers, under her number.
    assert!(at_real_centre(desk.path(), None, &["sync", "--once"]).0);
    assert_eq!(
        local(
            desk.path(),
            &format!("SELECT count(*) FROM resident_cards WHERE token = 'CARD55001' AND id_number = '{mother}'")
        ),
        1
    );
    assert_eq!(
        local(
            desk.path(),
            "SELECT count(*) FROM audit_log WHERE action = 'households_merged_elsewhere'"
        ),
        0
    );
}
