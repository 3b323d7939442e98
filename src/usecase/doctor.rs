//! `linli doctor`: what a technician checks first on a device that misbehaves.
//!
//! It must work on a damaged database too, so it reports what it can instead of
//! stopping at the first failure, and it never migrates or writes the file.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};
use serde_json::{json, Value};

use crate::store::{migrations, schema_version, DATABASE_FILE};

/// The disk's free space, and whether it leaves room to work.
fn disk(data_dir: &Path) -> (Value, bool) {
    let Some(free) = crate::disk::free_bytes(data_dir) else {
        return (json!({"free_mb": null, "state": "unknown"}), true);
    };
    let state = if free < crate::disk::FULL_BELOW_BYTES {
        "full"
    } else if free < crate::disk::ADVISED_FREE_BYTES {
        "low"
    } else {
        "ok"
    };
    let advice = (state != "ok").then(|| {
        format!(
            "本机存储空间{}（剩余 {} MB）：请清理空间，至少腾出 {} MB。这不是数据库损坏，不要恢复或删除数据库 / \
             the disk is {} ({} MB left): free at least {} MB. The database is not damaged: do not restore or delete it",
            if state == "full" { "已满" } else { "不足" },
            crate::disk::megabytes(free),
            crate::disk::megabytes(crate::disk::ADVISED_FREE_BYTES),
            if state == "full" { "full" } else { "nearly full" },
            crate::disk::megabytes(free),
            crate::disk::megabytes(crate::disk::ADVISED_FREE_BYTES),
        )
    });
    (
        json!({"free_mb": crate::disk::megabytes(free), "state": state, "advice": advice}),
        state != "full",
    )
}

/// Returns the report and whether everything is healthy.
pub fn run(data_dir: &Path) -> (Value, bool) {
    let path = data_dir.join(DATABASE_FILE);
    let (disk, disk_ok) = disk(data_dir);
    let (mut report, healthy) = run_checks(data_dir, &path);
    report["disk"] = disk;
    (report, healthy && disk_ok)
}

fn run_checks(data_dir: &Path, path: &Path) -> (Value, bool) {
    let path = path.to_path_buf();
    let (printer, printer_ok) = crate::print::report::printer(data_dir);
    if !path.exists() {
        return (
            json!({
                "ok": false,
                "database": path.display().to_string(),
                "problem": "no database yet: run `linli enrol` to set up a real centre, or `linli demo` for the demo",
                "printer": printer,
            }),
            false,
        );
    }
    match inspect(&path) {
        Ok(mut report) => {
            // Whatever is wrong is in `problems`, not only under its own heading.
            if let Some(problem) = report["sync"]["credential_problem"].as_str() {
                let problem = format!("the district credential cannot be read: {problem}");
                if let Some(list) = report["problems"].as_array_mut() {
                    list.push(json!(problem));
                }
            }
            if !printer_ok {
                let said = printer["problem"]
                    .as_str()
                    .or(printer["status"]["summary"].as_str())
                    .unwrap_or("the printer cannot print")
                    .to_string();
                if let Some(list) = report["problems"].as_array_mut() {
                    list.push(json!(format!("printer: {said}")));
                }
            }
            let credential_ok = report["sync"]["credential_problem"].is_null();
            let healthy = report["integrity"] == "ok"
                && report["schema_supported"] == true
                && printer_ok
                && credential_ok;
            report["ok"] = json!(healthy);
            report["printer"] = printer;
            (report, healthy)
        }
        // A full disk can stop even a read-only look (SQLite's shared-memory file);
        // the database is fine then, and restoring it would lose unsynced records.
        Err(e) if crate::disk::is_full(data_dir) => (
            json!({
                "ok": false,
                "database": path.display().to_string(),
                "integrity": "not_checked",
                "problem": format!("the database could not be opened because the disk is full ({e}). Free at least {} MB; do not restore or delete the database: records not yet synced would be lost", crate::disk::megabytes(crate::disk::ADVISED_FREE_BYTES)),
                "printer": printer,
            }),
            false,
        ),
        Err(e) => (
            json!({
                "ok": false,
                "database": path.display().to_string(),
                "integrity": "unreadable",
                "problem": format!("the database cannot be read: {e}. Copy the file first and do not delete it: records not yet synced to the district are only there. A technician can then restore the centre's data from the district."),
                "printer": printer,
            }),
            false,
        ),
    }
}

fn inspect(path: &Path) -> Result<Value, rusqlite::Error> {
    // Read-only, so a doctor run can never make a damaged file worse.
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let version = schema_version(&conn)?;
    let mut problems: Vec<String> = Vec::new();
    {
        let mut stmt = conn.prepare("PRAGMA integrity_check")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        for row in rows {
            let line = row?;
            if line != "ok" {
                problems.push(line);
            }
        }
    }
    let mut fk_problems = 0i64;
    if problems.is_empty() {
        let mut stmt = conn.prepare("PRAGMA foreign_key_check")?;
        let mut rows = stmt.query([])?;
        while rows.next()?.is_some() {
            fk_problems += 1;
        }
        if fk_problems > 0 {
            problems.push(format!(
                "{fk_problems} rows refer to records that do not exist"
            ));
        }
    }
    let pending: Option<i64> = if version >= 1 {
        conn.query_row(
            "SELECT count(*) FROM outbox WHERE sent_at IS NULL",
            [],
            |r| r.get(0),
        )
        .ok()
    } else {
        None
    };
    let data_dir = path.parent().unwrap_or(Path::new("."));
    let kind = crate::store::data_kind::settle_clock(&conn, data_dir)?;
    // Things a technician should act on that do not make the device unhealthy.
    let mut warnings: Vec<Value> = Vec::new();
    let calendar = if version >= 2 {
        let today = crate::clock::now().date();
        crate::usecase::load::calendar(&conn)
            .map(|calendar| {
                let coverage = calendar.coverage(today);
                if let Some(warning) = coverage.warning() {
                    warnings.push(json!({"code": "calendar_not_published", "message": warning}));
                }
                json!({"coverage": coverage, "warning": coverage.warning()})
            })
            .unwrap_or(Value::Null)
    } else {
        Value::Null
    };
    let clock = crate::clock::report();
    if let Some(note) = clock["note"].as_str() {
        warnings.push(json!({"code": "pinned_clock_ignored", "message": note}));
    }
    Ok(json!({
        "warnings": warnings,
        "data_kind": kind.as_str(),
        "clock": clock,
        "calendar": calendar,
        "database": path.display().to_string(),
        "integrity": if problems.is_empty() { "ok".to_string() } else { "damaged".to_string() },
        "problems": problems,
        "schema_version": version,
        "schema_latest": migrations::LATEST,
        "schema_supported": version <= migrations::LATEST,
        "pending_outbox": pending,
        "print_jobs": if version >= 5 { crate::print::report::counts(&conn) } else { Value::Null },
        // Last success, pending and parked events (with the district's reasons).
        "sync": if version >= 8 {
            crate::sync::status(&conn, path.parent().unwrap_or(Path::new(".")))
        } else {
            Value::Null
        },
    }))
}
