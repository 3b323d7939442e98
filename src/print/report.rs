//! What staff and technicians see of printing: the queue, and the printer's health
//! for `linli doctor`.

use std::path::Path;

use rusqlite::Connection;
use serde::Serialize;

use super::device;
use super::queue::{self, JobState};
use crate::error::AppError;

/// One print job as the queue lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueuedJob {
    pub job: i64,
    pub serial: String,
    pub copy: i64,
    pub kind: String,
    /// Whom or what the slip concerns, masked.
    pub subject: String,
    pub state: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: String,
    pub printed_at: Option<String>,
}

/// A slip not yet on paper, with what staff are told about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaitingSlip {
    pub serial: String,
    pub print: JobState,
}

/// `linli print-queue`: what is waiting, and what printed lately.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueueReport {
    pub open: Vec<QueuedJob>,
    pub waiting: Vec<WaitingSlip>,
    pub recent: Vec<QueuedJob>,
}

fn queued_job_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<QueuedJob> {
    Ok(QueuedJob {
        job: r.get(0)?,
        serial: r.get(1)?,
        copy: r.get(2)?,
        kind: r.get(3)?,
        subject: r.get(4)?,
        state: r.get(5)?,
        attempts: r.get(6)?,
        last_error: r.get(7)?,
        created_at: r.get(8)?,
        printed_at: r.get(9)?,
    })
}

/// Jobs not yet on paper (oldest first) and the last few printed, newest first.
pub fn queue(conn: &Connection) -> Result<QueueReport, AppError> {
    let rows = |sql: &str| -> Result<Vec<QueuedJob>, AppError> {
        let mut stmt = conn.prepare(sql)?;
        let rows = stmt
            .query_map([], queued_job_from_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    };
    const COLUMNS: &str = "SELECT j.id, j.serial, j.copy, s.kind, s.subject, j.state, j.attempts,
                                  j.last_error, j.created_at, j.printed_at
                           FROM print_jobs j JOIN slips s ON s.serial = j.serial";
    let open = rows(&format!(
        "{COLUMNS} WHERE j.state IN ('queued', 'sending', 'in_doubt') ORDER BY j.id"
    ))?;
    let recent = rows(&format!(
        "{COLUMNS} WHERE j.state IN ('printed', 'cancelled') ORDER BY j.id DESC LIMIT 10"
    ))?;
    let waiting = open
        .iter()
        .filter_map(|job| {
            let state = queue::job_state(conn, &job.serial).ok()??;
            Some(WaitingSlip {
                serial: job.serial.clone(),
                print: state,
            })
        })
        .collect();
    Ok(QueueReport {
        open,
        waiting,
        recent,
    })
}

/// Jobs by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct JobCounts {
    pub queued: i64,
    pub sending: i64,
    pub in_doubt: i64,
    pub printed: i64,
}

impl JobCounts {
    /// Slips not yet on paper, for the staff home.
    pub fn waiting(&self) -> i64 {
        self.queued + self.sending + self.in_doubt
    }
}

/// Counts of jobs by state, for `doctor` and the staff home; zeros on a database from
/// before printing.
pub fn counts(conn: &Connection) -> JobCounts {
    let mut counts = JobCounts::default();
    let by_state = conn
        .prepare("SELECT state, count(*) FROM print_jobs GROUP BY state")
        .and_then(|mut statement| {
            statement
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .unwrap_or_default();
    for (state, n) in by_state {
        match state.as_str() {
            "queued" => counts.queued = n,
            "sending" => counts.sending = n,
            "in_doubt" => counts.in_doubt = n,
            "printed" => counts.printed = n,
            _ => {}
        }
    }
    counts
}

/// What the printer said when asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrinterStatusReport {
    /// Absent when the printer could not be reached at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answered: Option<bool>,
    /// `false` when the printer could not be reached.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reachable: Option<bool>,
    pub can_print: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problems: Option<Vec<&'static str>>,
    pub summary: String,
}

/// The printer as `doctor` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrinterReport {
    pub configured: bool,
    pub config_file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settings_from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub printer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paper: Option<String>,
    /// Why the settings cannot be used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<PrinterStatusReport>,
}

impl PrinterReport {
    /// What stops it printing, in a line.
    pub fn problem_line(&self) -> String {
        self.problem
            .clone()
            .or_else(|| self.status.as_ref().map(|s| s.summary.clone()))
            .unwrap_or_else(|| "the printer cannot print".to_string())
    }

    fn unusable(config_file: Option<String>, problem: String, reasons: Vec<String>) -> Self {
        PrinterReport {
            configured: false,
            config_file,
            settings_from: None,
            printer: None,
            paper: None,
            problem: Some(problem),
            reasons,
            status: None,
        }
    }
}

/// The configured printer and what it says now. Healthy when it can print.
pub fn printer(data_dir: &Path) -> (PrinterReport, bool) {
    let config = match device::load(data_dir) {
        Ok(config) => config,
        Err(AppError::Refused(refused)) => {
            return (
                PrinterReport::unusable(
                    Some(device::config_path(data_dir).display().to_string()),
                    refused.error.to_string(),
                    refused.reasons.iter().map(|r| r.to_string()).collect(),
                ),
                false,
            )
        }
        Err(other) => {
            return (
                PrinterReport::unusable(None, other.to_string(), Vec::new()),
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
    let status = match printer.status() {
        Ok(status) => PrinterStatusReport {
            answered: Some(status.answered),
            reachable: None,
            can_print: status.can_print(),
            problems: Some(status.problems()),
            summary: status.describe().to_string(),
        },
        Err(error) => PrinterStatusReport {
            answered: None,
            reachable: Some(false),
            can_print: false,
            summary: error.to_string(),
            problems: None,
        },
    };
    let healthy = status.can_print;
    let report = PrinterReport {
        configured,
        config_file: path.exists().then(|| path.display().to_string()),
        settings_from: Some(source),
        printer: Some(printer.describe()),
        paper: Some(config.printer.paper.label().to_string()),
        problem: None,
        reasons: Vec::new(),
        status: Some(status),
    };
    (report, healthy)
}
