//! The store's own guarantees: migrations, refusal of newer schemas, unwritable and
//! damaged data directories, the append-only audit log, and one transaction for the
//! change, its outbox event and its audit record.

use std::path::Path;

use linli::error::{AppError, Refused, StoreError};
use linli::store::{migrate_to, migrations, open_connection, schema_version, Actor, Store};
use linli_core::outbox::EventPayload;
use linli_core::Text;
use serde_json::json;

fn now() -> chrono::NaiveDateTime {
    linli::clock::parse_local("2026-11-28T10:00:00").unwrap()
}

/// Rows that exist at schema version `version`, so an upgrade can be shown to keep them.
fn seed_at_version(conn: &rusqlite::Connection, version: u32) {
    if version >= 1 {
        conn.execute_batch(
            "INSERT INTO settings (key, value) VALUES ('centre_code', 'TEST');
             INSERT INTO households (code, address, community_code, created_at) VALUES ('H1', '一栋101', '440306005003', '2026-01-01T00:00:00');
             INSERT INTO residents (id_number, household_code, name, phone, birth_date, sex, tags, created_at, updated_at)
               VALUES ('11010519491231002X', 'H1', '王秀英', NULL, '1949-12-31', 'female', 'living_alone', '2026-01-01T00:00:00', '2026-01-01T00:00:00');",
        )
        .unwrap();
    }
    if version >= 2 {
        conn.execute_batch(
            "INSERT INTO programmes (code, kind, capacity, status, body) VALUES ('P1', 'day_care', 5, 'open', '{}');
             INSERT INTO enrolments (id, programme_code, resident, status, sort_key, priority, created_at, updated_at)
               VALUES ('E1', 'P1', '11010519491231002X', 'confirmed', 'k', '{}', '2026-01-01T00:00:00', '2026-01-01T00:00:00');",
        )
        .unwrap();
    }
    if version >= 3 {
        conn.execute_batch(
            "INSERT INTO volunteers (id_number, registered_at) VALUES ('11010519491231002X', '2026-01-01T00:00:00');",
        )
        .unwrap();
    }
}

#[test]
fn a_new_database_is_created_at_the_latest_version() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in(dir.path()).unwrap();
    assert_eq!(schema_version(store.conn()).unwrap(), migrations::LATEST);
    let mode: String = store
        .conn()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let sync: i64 = store
        .conn()
        .query_row("PRAGMA synchronous", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        sync, 2,
        "synchronous must be FULL so a commit survives power loss"
    );
    let fk: i64 = store
        .conn()
        .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
        .unwrap();
    assert_eq!(fk, 1);
}

#[test]
fn every_earlier_version_migrates_forward_keeping_its_data() {
    for version in 0..migrations::LATEST {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("linli.sqlite");
        {
            let mut conn = open_connection(&path).unwrap();
            migrate_to(&mut conn, &path, version).unwrap();
            assert_eq!(schema_version(&conn).unwrap(), version);
            seed_at_version(&conn, version);
        }
        let store = Store::open(&path).unwrap();
        assert_eq!(
            schema_version(store.conn()).unwrap(),
            migrations::LATEST,
            "from version {version}"
        );
        if version >= 1 {
            let name: String = store
                .conn()
                .query_row(
                    "SELECT name FROM residents WHERE id_number = '11010519491231002X'",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(
                name, "王秀英",
                "a resident written at version {version} survives the upgrade"
            );
        }
        if version >= 2 {
            let status: String = store
                .conn()
                .query_row("SELECT status FROM enrolments WHERE id = 'E1'", [], |r| {
                    r.get(0)
                })
                .unwrap();
            assert_eq!(status, "confirmed");
        }
    }
}

#[test]
fn a_database_from_a_newer_linli_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("linli.sqlite");
    {
        let store = Store::open(&path).unwrap();
        store
            .conn()
            .pragma_update(None, "user_version", migrations::LATEST + 1)
            .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    match Store::open(&path) {
        Err(StoreError::NewerSchema {
            found, supported, ..
        }) => {
            assert_eq!(found, migrations::LATEST + 1);
            assert_eq!(supported, migrations::LATEST);
        }
        Err(other) => panic!("expected NewerSchema, got {other}"),
        Ok(_) => panic!("a newer schema must be refused"),
    }
    let message = Store::open(&path).err().unwrap().to_string();
    assert!(message.contains("newer"), "{message}");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the refused file is not modified"
    );
}

fn is_root() -> bool {
    // Root ignores file permissions, so a read-only directory is only read-only for others.
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0"))
        .unwrap_or(false)
}

#[test]
fn a_read_only_data_directory_gives_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let blocker;
    let target: &Path = if is_root() {
        // As root, permissions do not stop writes; a data "directory" below a regular
        // file is unwritable for everyone.
        blocker = dir.path().join("a-file");
        std::fs::write(&blocker, b"").unwrap();
        &blocker
    } else {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o555)).unwrap();
        &data
    };
    let target = if is_root() {
        target.join("linli")
    } else {
        target.to_path_buf()
    };
    match Store::open_in(&target) {
        Err(StoreError::NotWritable { path, .. }) => assert_eq!(path, target),
        Err(other) => panic!("expected NotWritable, got {other}"),
        Ok(_) => panic!("an unwritable directory must be refused"),
    }
    let message = Store::open_in(&target).err().unwrap().to_string();
    assert!(message.contains("not writable"), "{message}");
}

#[test]
fn a_file_that_is_not_a_database_is_reported_as_damaged() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("linli.sqlite"), vec![0x42u8; 8192]).unwrap();
    match Store::open_in(dir.path()) {
        Err(StoreError::Damaged { .. }) => {}
        Err(other) => panic!("expected Damaged, got {other}"),
        Ok(_) => panic!("garbage must not open as a database"),
    }
}

#[test]
fn the_audit_log_cannot_be_rewritten() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_in(dir.path()).unwrap();
    store
        .write(&linli::usecase::demo::demo_actor("S001"), now(), |tx| {
            tx.audit("something", "subject", json!({}));
            Ok(())
        })
        .unwrap();
    let update = store
        .conn()
        .execute("UPDATE audit_log SET actor = 'someone else'", []);
    assert!(update.is_err(), "updating the audit log must fail");
    let delete = store.conn().execute("DELETE FROM audit_log", []);
    assert!(delete.is_err(), "deleting from the audit log must fail");
    let (actor, device): (String, String) = store
        .conn()
        .query_row("SELECT actor, device_id FROM audit_log", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(actor, "staff:S001");
    assert_eq!(device, store.device().device_id);
}

#[test]
fn a_refused_use_case_writes_neither_change_nor_event_nor_audit() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_in(dir.path()).unwrap();
    let result: Result<(), AppError> = store.write(&Actor::cli(), now(), |tx| {
        tx.execute(
            "INSERT INTO households (code, address, community_code, created_at) VALUES ('H9', 'x', 'c', 't')",
            [],
        )?;
        tx.emit(EventPayload::HouseholdRegistered {
            household_code: "H9".into(),
            address: "x".into(),
            community_code: "c".into(),
        });
        tx.audit("register", "H9", json!({}));
        Err(Refused::new("no", Text::new("不", "no"), vec![]).into())
    });
    assert!(result.is_err());
    let count = |store: &Store, sql: &str| -> i64 {
        store.conn().query_row(sql, [], |r| r.get(0)).unwrap()
    };
    assert_eq!(count(&store, "SELECT count(*) FROM households"), 0);
    assert_eq!(count(&store, "SELECT count(*) FROM outbox"), 0);
    assert_eq!(count(&store, "SELECT count(*) FROM audit_log"), 0);

    store
        .write(&Actor::cli(), now(), |tx| {
            tx.execute(
                "INSERT INTO households (code, address, community_code, created_at) VALUES ('H9', 'x', 'c', 't')",
                [],
            )?;
            tx.emit(EventPayload::HouseholdRegistered {
                household_code: "H9".into(),
                address: "x".into(),
                community_code: "c".into(),
            });
            tx.audit("register", "H9", json!({}));
            Ok(())
        })
        .unwrap();
    assert_eq!(count(&store, "SELECT count(*) FROM households"), 1);
    assert_eq!(count(&store, "SELECT count(*) FROM outbox"), 1);
    assert_eq!(count(&store, "SELECT count(*) FROM audit_log"), 1);
}

#[test]
fn the_store_worker_answers_off_the_calling_thread() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in(dir.path()).unwrap();
    let caller = std::thread::current().id();
    let worker = linli::store::worker::StoreWorker::spawn(store);
    let (on_thread, version) = worker
        .call(move |store| {
            (
                std::thread::current().id(),
                schema_version(store.conn()).unwrap(),
            )
        })
        .unwrap();
    assert_ne!(on_thread, caller, "store work runs on the store thread");
    assert_eq!(version, migrations::LATEST);
}

fn register_household(store: &mut Store, n: usize) {
    store
        .write(&Actor::cli(), now(), |tx| {
            tx.execute(
                "INSERT INTO households (code, address, community_code, created_at) VALUES (?1, '海富花园', 'c', 't')",
                [format!("H{n}")],
            )?;
            Ok(())
        })
        .unwrap();
}

/// Checkpoints never run inside a resident's commit: the store folds the log into the
/// database when asked (the store thread asks when idle), or past a safety net.
#[test]
fn the_write_ahead_log_is_folded_in_only_when_asked_or_past_the_safety_net() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_in(dir.path()).unwrap();
    store.checkpoint().unwrap();
    let main_file = dir.path().join("linli.sqlite");
    let size = || std::fs::metadata(&main_file).unwrap().len();
    let before = size();
    for n in 0..300 {
        register_household(&mut store, n);
    }
    assert_eq!(
        size(),
        before,
        "no automatic checkpoint ran during the commits"
    );
    assert_eq!(store.commits_since_checkpoint(), 300);
    store.checkpoint().unwrap();
    assert!(
        size() > before,
        "the checkpoint copied the commits into the database file"
    );
    assert_eq!(store.commits_since_checkpoint(), 0);

    for n in 300..1_300 {
        register_household(&mut store, n);
    }
    assert!(
        store.commits_since_checkpoint() < 1_000,
        "the safety net checkpointed a long batch"
    );

    // Through the store thread: once it has nothing to do, it checkpoints by itself.
    let worker = linli::store::worker::StoreWorker::spawn(store);
    worker
        .call(|store| register_household(store, 9_999))
        .unwrap();
    // Each call queues the next job the moment the previous answer arrives, so the
    // thread is idle only between calls: leave it a moment, on a loaded machine too.
    let idle_checkpoint = (0..500).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(10));
        worker.call(|store| store.commits_since_checkpoint()) == Some(0)
    });
    assert!(idle_checkpoint, "the idle store thread checkpoints");
}

/// The dates a demo must seed on: the first, second and last day of every month of
/// 2026 and 2027, 29 February 2028, and the day before, of and after every holiday
/// and make-up working day of the built-in calendar. Each one failed for some
/// earlier piece of the demo (a ledger month not over, a term outside the calendar).
fn demo_dates() -> Vec<chrono::NaiveDate> {
    use chrono::{Datelike, Duration, NaiveDate};
    let mut dates = std::collections::BTreeSet::new();
    for year in [2026, 2027] {
        for month in 1..=12 {
            let first = NaiveDate::from_ymd_opt(year, month, 1).unwrap();
            let next = if month == 12 {
                NaiveDate::from_ymd_opt(year + 1, 1, 1).unwrap()
            } else {
                NaiveDate::from_ymd_opt(year, month + 1, 1).unwrap()
            };
            dates.insert(first);
            dates.insert(first + Duration::days(1));
            dates.insert(next - Duration::days(1));
        }
    }
    dates.insert(NaiveDate::from_ymd_opt(2028, 2, 29).unwrap());
    let calendar = linli_core::calendar::china_2026();
    for day in calendar
        .holidays
        .keys()
        .chain(calendar.make_up_workdays.keys())
    {
        for offset in -1..=1 {
            dates.insert(*day + Duration::days(offset));
        }
    }
    assert!(dates.iter().any(|d| d.month() == 2 && d.day() == 29));
    dates.into_iter().collect()
}

#[test]
fn the_demo_seeds_and_the_kiosk_starts_on_every_date() {
    let dates = demo_dates();
    // Two threads for the two cores; each date gets a directory of its own.
    let failures: Vec<String> = std::thread::scope(|scope| {
        let halves: Vec<Vec<chrono::NaiveDate>> = vec![
            dates.iter().copied().step_by(2).collect(),
            dates.iter().copied().skip(1).step_by(2).collect(),
        ];
        let workers: Vec<_> = halves
            .into_iter()
            .map(|mine| {
                scope.spawn(move || {
                    let mut failed = Vec::new();
                    for date in mine {
                        let now = date.and_hms_opt(9, 0, 0).unwrap();
                        let dir = tempfile::tempdir().unwrap();
                        let mut store = Store::open_in(dir.path()).unwrap();
                        let outcome = linli::kiosk::attract::load_summary(&mut store, true, now)
                            .map_err(|e| e.to_string())
                            .and_then(|summary| {
                                let seeded = linli::usecase::demo::seed(&mut store, now)
                                    .map_err(|e| e.to_string())?;
                                let summary_counts = &seeded.summary;
                                if !summary.demo_seeded_now || !summary.demo {
                                    return Err("the kiosk did not start on the demo".into());
                                }
                                if summary_counts.households == 0 || summary_counts.enrolments == 0
                                {
                                    return Err(format!("an empty demo: {seeded:?}"));
                                }
                                Ok(())
                            });
                        if let Err(e) = outcome {
                            failed.push(format!("{date}: {e}"));
                        }
                    }
                    failed
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    assert!(failures.is_empty(), "the demo failed on {failures:#?}");
}

#[test]
fn a_demo_seed_that_fails_half_way_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(linli::store::DATABASE_FILE);
    {
        let mut store = Store::open(&path).unwrap();
        // A fault late in the seed: the first rating cannot be written.
        store
            .conn()
            .execute_batch(
                "CREATE TRIGGER no_ratings BEFORE INSERT ON ratings
                 BEGIN SELECT RAISE(ABORT, 'disk trouble'); END;",
            )
            .unwrap();
        let error = linli::usecase::demo::seed(&mut store, now()).unwrap_err();
        assert!(error.to_string().contains("disk trouble"), "{error}");
    }
    let conn = rusqlite::Connection::open(&path).unwrap();
    for table in [
        "households",
        "residents",
        "programmes",
        "enrolments",
        "staff",
        "outbox",
        "audit_log",
        "businesses",
    ] {
        let rows: i64 = conn
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 0, "{table} kept {rows} rows of a failed seed");
    }
    let settings: i64 = conn
        .query_row(
            "SELECT count(*) FROM settings WHERE key IN ('centre_code', 'data_kind', 'demo_seeded_on')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(settings, 0);
    drop(conn);
    // And the directory takes the demo afterwards, as if nothing had happened.
    let mut store = Store::open(&path).unwrap();
    store
        .conn()
        .execute_batch("DROP TRIGGER no_ratings")
        .unwrap();
    let seeded = linli::usecase::demo::seed(&mut store, now()).unwrap();
    assert!(!seeded.already_seeded);
}

#[test]
fn the_kiosk_never_seeds_the_demo_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_in(dir.path()).unwrap();
    let summary = linli::kiosk::attract::load_summary(&mut store, false, now()).unwrap();
    assert!(summary.not_set_up);
    assert!(!summary.demo_seeded_now);
    let households: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM households", [], |r| r.get(0))
        .unwrap();
    assert_eq!(households, 0, "a device not asked for the demo holds none");
    assert_eq!(store.setting("centre_code").unwrap(), None);
}

#[test]
fn on_new_years_day_2027_the_kiosk_does_not_show_school_as_ordinary() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_in(dir.path()).unwrap();
    let new_year = chrono::NaiveDate::from_ymd_opt(2027, 1, 1)
        .unwrap()
        .and_hms_opt(9, 0, 0)
        .unwrap();
    let summary = linli::kiosk::attract::load_summary(&mut store, true, new_year).unwrap();
    let school: Vec<_> = summary
        .today
        .iter()
        .filter(|(name, _)| name.zh.contains("四点半") || name.zh.contains("午托"))
        .collect();
    assert!(
        !school.is_empty(),
        "the weekday rule still offers it: {:?}",
        summary.today
    );
    for (name, _) in school {
        assert!(name.zh.contains("暂定"), "{}", name.zh);
        assert!(name.en.contains("provisional"), "{}", name.en);
    }
    let calendar = linli::usecase::load::calendar(store.conn()).unwrap();
    // The 2027 Spring Festival too: answered by the weekday rule, and said to be so.
    let spring = chrono::NaiveDate::from_ymd_opt(2027, 2, 8).unwrap();
    assert!(calendar.is_provisional(spring));
    assert!(calendar.coverage(spring).warning().is_some());
}
