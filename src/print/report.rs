//! What staff and technicians see of printing: the queue, and the printer's health
//! for `linli doctor`.

use std::path::Path;

use rusqlite::Connection;
use serde_json::{json, Value};

use super::{device, spooler};
use crate::store::AppError;

/// Jobs not yet on paper (oldest first) and the last few printed, newest first.
pub fn queue(conn: &Connection) -> Result<Value, AppError> {
    let rows = |sql: &str| -> Result<Vec<Value>, AppError> {
        let mut stmt = conn.prepare(sql)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(json!({
                    "job": r.get::<_, i64>(0)?,
                    "serial": r.get::<_, String>(1)?,
                    "copy": r.get::<_, i64>(2)?,
                    "kind": r.get::<_, String>(3)?,
                    "subject": r.get::<_, String>(4)?,
                    "state": r.get::<_, String>(5)?,
                    "attempts": r.get::<_, i64>(6)?,
                    "last_error": r.get::<_, Option<String>>(7)?,
                    "created_at": r.get::<_, String>(8)?,
                    "printed_at": r.get::<_, Option<String>>(9)?,
                }))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    };
    const COLUMNS: &str = "SELECT j.id, j.serial, j.copy, s.kind, s.subject, j.state, j.attempts,
                                  j.last_error, j.created_at, j.printed_at
                           FROM print_jobs j JOIN slips s ON s.serial = j.serial";
    let open = rows(&format!(
        "{COLUMNS} WHERE j.state IN ('queued', 'sending', 'in_doubt') ORDER BY j.id"
    ))?;
    let printed = rows(&format!(
        "{COLUMNS} WHERE j.state IN ('printed', 'cancelled') ORDER BY j.id DESC LIMIT 10"
    ))?;
    let for_staff = open
        .iter()
        .filter_map(|job| {
            let serial = job["serial"].as_str()?;
            let state = spooler::job_state(conn, serial).ok()??;
            Some(json!({"serial": serial, "print": state}))
        })
        .collect::<Vec<_>>();
    Ok(json!({"open": open, "waiting": for_staff, "recent": printed}))
}

/// Counts of jobs by state, for `doctor`; zeros on a database from before printing.
pub fn counts(conn: &Connection) -> Value {
    let count = |state: &str| -> i64 {
        conn.query_row(
            "SELECT count(*) FROM print_jobs WHERE state = ?1",
            [state],
            |r| r.get(0),
        )
        .unwrap_or(0)
    };
    json!({
        "queued": count("queued"),
        "sending": count("sending"),
        "in_doubt": count("in_doubt"),
        "printed": count("printed"),
    })
}

/// The configured printer and what it says now. Healthy when it can print.
pub fn printer(data_dir: &Path) -> (Value, bool) {
    let config = match device::load(data_dir) {
        Ok(config) => config,
        Err(AppError::Refused(refused)) => {
            return (
                json!({
                    "configured": false,
                    "config_file": device::config_path(data_dir).display().to_string(),
                    "problem": refused.error.to_string(),
                    "reasons": refused.reasons.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
                }),
                false,
            )
        }
        Err(other) => {
            return (
                json!({"configured": false, "problem": other.to_string()}),
                false,
            )
        }
    };
    let mut printer = linli_hardware::printer::open(&config.printer, &data_dir.join("spool"));
    // Without the file the built-in defaults apply (the simulated printer): say so,
    // rather than naming a file that is not there as the configuration in use.
    let path = device::config_path(data_dir);
    let (configured, source) = if path.exists() {
        (true, path.display().to_string())
    } else {
        (
            false,
            format!(
                "内置默认设置（没有 {} 文件）/ built-in defaults (no file at {})",
                path.display(),
                path.display()
            ),
        )
    };
    let mut report = json!({
        "configured": configured,
        "config_file": path.exists().then(|| path.display().to_string()),
        "settings_from": source,
        "printer": printer.describe(),
        "paper": config.printer.paper.label(),
    });
    let healthy = match printer.status() {
        Ok(status) => {
            report["status"] = json!({
                "answered": status.answered,
                "can_print": status.can_print(),
                "problems": status.problems(),
                "summary": status.describe().to_string(),
            });
            status.can_print()
        }
        Err(error) => {
            report["status"] = json!({
                "reachable": false,
                "can_print": false,
                "summary": error.to_string(),
            });
            false
        }
    };
    (report, healthy)
}
