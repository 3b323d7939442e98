//! `linli doctor`: what a technician checks first on a device that misbehaves.
//!
//! It must work on a damaged database too, so it reports what it can instead of
//! stopping at the first failure, and it never migrates or writes the file.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};
use serde_json::{json, Value};

use crate::store::{migrations, schema_version, DATABASE_FILE};

/// Returns the report and whether everything is healthy.
pub fn run(data_dir: &Path) -> (Value, bool) {
    let path = data_dir.join(DATABASE_FILE);
    let (printer, printer_ok) = crate::print::report::printer(data_dir);
    if !path.exists() {
        return (
            json!({
                "ok": false,
                "database": path.display().to_string(),
                "problem": "no database yet: run `linli demo` or start the kiosk once",
                "printer": printer,
            }),
            false,
        );
    }
    match inspect(&path) {
        Ok(mut report) => {
            let healthy =
                report["integrity"] == "ok" && report["schema_supported"] == true && printer_ok;
            report["ok"] = json!(healthy);
            report["printer"] = printer;
            (report, healthy)
        }
        Err(e) => (
            json!({
                "ok": false,
                "database": path.display().to_string(),
                "integrity": "unreadable",
                "problem": format!("the database cannot be read: {e}. Restore it from the district backup; do not delete it before a technician has copied it."),
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
