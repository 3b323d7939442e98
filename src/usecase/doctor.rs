//! `linli doctor`: what a technician checks first on a device that misbehaves.
//!
//! It must work on a damaged database too, so it reports what it can instead of
//! stopping at the first failure, and it never migrates or writes the file.

use std::path::Path;

use linli_core::calendar::CalendarCoverage;
use linli_core::Text;
use rusqlite::{Connection, OpenFlags};
use serde::Serialize;

use crate::clock::ClockReport;
use crate::print::report::{JobCounts, PrinterReport};
use crate::store::{migrations, schema_version, DATABASE_FILE};
use crate::sync::SyncStatus;

/// The disk's free space, and whether it leaves room to work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiskReport {
    pub free_mb: Option<u64>,
    /// "ok", "low", "full", or "unknown" when the system would not say.
    pub state: &'static str,
    pub advice: Option<String>,
}

/// Something a technician should act on that does not make the device unhealthy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub code: &'static str,
    pub message: Text,
}

/// How far the published holiday calendar reaches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CalendarReport {
    pub coverage: CalendarCoverage,
    pub warning: Option<Text>,
}

/// What a readable database holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DatabaseReport {
    pub warnings: Vec<Warning>,
    pub data_kind: &'static str,
    pub clock: ClockReport,
    pub calendar: Option<CalendarReport>,
    /// "ok" or "damaged".
    pub integrity: &'static str,
    /// Whatever is wrong, in words: the database's own damage, the credential, the printer.
    pub problems: Vec<String>,
    pub schema_version: u32,
    pub schema_latest: u32,
    pub schema_supported: bool,
    pub pending_outbox: Option<i64>,
    pub print_jobs: Option<JobCounts>,
    /// Last success, pending and parked events (with the district's reasons).
    pub sync: Option<SyncStatus>,
    /// The district's retention rule, the last sweep, and who was anonymised or is due.
    pub retention: Option<crate::usecase::retention::RetentionReport>,
}

/// `linli doctor`'s whole answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DoctorReport {
    pub ok: bool,
    pub database: String,
    /// Set when the database could not be looked at: why, and what to do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// When the database could not be read: "not_checked" (a full disk) or "unreadable".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub integrity: Option<&'static str>,
    #[serde(flatten)]
    pub contents: Option<DatabaseReport>,
    pub printer: PrinterReport,
    pub disk: DiskReport,
}

fn disk(data_dir: &Path) -> (DiskReport, bool) {
    let Some(free) = crate::disk::free_bytes(data_dir) else {
        return (
            DiskReport {
                free_mb: None,
                state: "unknown",
                advice: None,
            },
            true,
        );
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
        DiskReport {
            free_mb: Some(crate::disk::megabytes(free)),
            state,
            advice,
        },
        state != "full",
    )
}

/// Returns the report and whether everything is healthy.
pub fn run(data_dir: &Path) -> (DoctorReport, bool) {
    let path = data_dir.join(DATABASE_FILE);
    let (disk, disk_ok) = disk(data_dir);
    let (printer, printer_ok) = crate::print::report::printer(data_dir);
    let database = path.display().to_string();
    let unusable = |problem: String, integrity: Option<&'static str>| DoctorReport {
        ok: false,
        database: database.clone(),
        problem: Some(problem),
        integrity,
        contents: None,
        printer: printer.clone(),
        disk: disk.clone(),
    };
    if !path.exists() {
        let report = unusable(
            "no database yet: run `linli enrol` to set up a real centre, or `linli demo` for the demo".into(),
            None,
        );
        return (report, false);
    }
    match inspect(&path) {
        Ok(mut contents) => {
            // Whatever is wrong is in `problems`, not only under its own heading.
            let credential_problem = contents
                .sync
                .as_ref()
                .and_then(|s| s.credential_problem.clone());
            if let Some(problem) = &credential_problem {
                contents
                    .problems
                    .push(format!("the district credential cannot be read: {problem}"));
            }
            if !printer_ok {
                contents
                    .problems
                    .push(format!("printer: {}", printer.problem_line()));
            }
            let healthy = contents.integrity == "ok"
                && contents.schema_supported
                && printer_ok
                && credential_problem.is_none();
            let report = DoctorReport {
                ok: healthy,
                database,
                problem: None,
                integrity: None,
                contents: Some(contents),
                printer,
                disk,
            };
            (report, healthy && disk_ok)
        }
        // A full disk can stop even a read-only look (SQLite's shared-memory file);
        // the database is fine then, and restoring it would lose unsynced records.
        Err(e) if crate::disk::is_full(data_dir) => (
            unusable(
                format!("the database could not be opened because the disk is full ({e}). Free at least {} MB; do not restore or delete the database: records not yet synced would be lost", crate::disk::megabytes(crate::disk::ADVISED_FREE_BYTES)),
                Some("not_checked"),
            ),
            false,
        ),
        Err(e) => (
            unusable(
                format!("the database cannot be read: {e}. Copy the file first and do not delete it: records not yet synced to the district are only there. A technician can then restore the centre's data from the district."),
                Some("unreadable"),
            ),
            false,
        ),
    }
}

fn inspect(path: &Path) -> Result<DatabaseReport, rusqlite::Error> {
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
    let mut warnings: Vec<Warning> = Vec::new();
    let calendar = if version >= 2 {
        let today = crate::clock::now().date();
        crate::usecase::load::calendar(&conn).ok().map(|calendar| {
            let coverage = calendar.coverage(today);
            let warning = coverage.warning();
            if let Some(message) = &warning {
                warnings.push(Warning {
                    code: "calendar_not_published",
                    message: message.clone(),
                });
            }
            CalendarReport { coverage, warning }
        })
    } else {
        None
    };
    // A household due and not anonymised means the daily sweep is not running.
    let retention = (version >= 19)
        .then(|| crate::usecase::retention::report(&conn, crate::clock::now().date()).ok())
        .flatten();
    if let Some(report) = retention.as_ref().filter(|r| r.due_now > 0) {
        warnings.push(Warning {
            code: "retention_due",
            message: linli_core::Text::new(
                format!("有{}户已过保存年限尚未匿名化：自助机每天处理一次，请确认它在运行", report.due_now),
                format!("{} households are past the years kept and not yet anonymised: the kiosk does this daily; check it is running", report.due_now),
            ),
        });
    }
    let clock = crate::clock::report();
    if let Some(note) = &clock.note {
        warnings.push(Warning {
            code: "pinned_clock_ignored",
            message: note.clone(),
        });
    }
    Ok(DatabaseReport {
        warnings,
        data_kind: kind.as_str(),
        clock,
        calendar,
        integrity: if problems.is_empty() { "ok" } else { "damaged" },
        problems,
        schema_version: version,
        schema_latest: migrations::LATEST,
        schema_supported: version <= migrations::LATEST,
        pending_outbox: pending,
        print_jobs: (version >= 5).then(|| crate::print::report::counts(&conn)),
        sync: (version >= 8).then(|| crate::sync::status(&conn, data_dir)),
        retention,
    })
}
