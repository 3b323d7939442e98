//! The durable print queue's records: every slip as printed (`slips`, never rewritten)
//! and one job per paper to print (`print_jobs`), with where each stands. Issuing,
//! reprinting, the spooler and the reports all read and write them through here.

use std::time::{SystemTime, UNIX_EPOCH};

use linli_core::receipt::Receipt;
use linli_core::Text;
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use crate::clock;
use crate::error::AppError;
use crate::store::Tx;

/// Machine time for the queue's timing columns.
pub fn epoch_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

pub(crate) fn insert(tx: &Tx<'_>, receipt: &Receipt, subject: &str) -> Result<(), AppError> {
    let body = serde_json::to_string(receipt).expect("receipts serialise");
    tx.prepare_cached(
        "INSERT INTO slips (serial, kind, verification_code, subject, receipt, issued_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute((
        &receipt.serial,
        receipt.kind.code(),
        &receipt.verification_code,
        subject,
        &body,
        clock::to_db(receipt.issued_at),
    ))?;
    Ok(())
}

pub(crate) fn queue_copy(tx: &Tx<'_>, serial: &str, copy: i64) -> Result<(), AppError> {
    tx.prepare_cached(
        "INSERT INTO print_jobs (serial, copy, state, next_attempt_ms, requested_by, created_at)
         VALUES (?1, ?2, 'queued', ?3, ?4, ?5)",
    )?
    .execute((
        serial,
        copy,
        epoch_ms(),
        tx.actor.name(),
        clock::to_db(tx.now),
    ))?;
    Ok(())
}

/// A stored slip, as it was printed.
pub fn stored_slip(conn: &rusqlite::Connection, serial: &str) -> Result<Option<Receipt>, AppError> {
    let body: Option<String> = conn
        .prepare_cached("SELECT receipt FROM slips WHERE serial = ?1")?
        .query_row([serial], |r| r.get(0))
        .optional()?;
    body.map(|b| {
        serde_json::from_str(&b).map_err(|e| {
            AppError::Store(crate::error::StoreError::Internal(format!(
                "stored slip {serial} is unreadable: {e}"
            )))
        })
    })
    .transpose()
}

/// Where a slip's newest copy stands, for the person waiting for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum JobState {
    Printed,
    Queued {
        /// Stable code: paper_out, cover_open, unreachable, interrupted, waiting.
        code: String,
        reason: Text,
    },
    InDoubt,
    Cancelled,
}

/// The newest copy's state, with the reason in words while it waits.
pub fn job_state(conn: &Connection, serial: &str) -> Result<Option<JobState>, AppError> {
    let row: Option<(String, Option<String>)> = conn
        .prepare_cached(
            "SELECT state, last_error FROM print_jobs WHERE serial = ?1 ORDER BY copy DESC LIMIT 1",
        )?
        .query_row([serial], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(row.map(|(state, error)| match state.as_str() {
        "printed" => JobState::Printed,
        "in_doubt" => JobState::InDoubt,
        "cancelled" => JobState::Cancelled,
        _ => {
            let code = error
                .as_deref()
                .map(|e| e.split(':').next().unwrap_or(e).to_string())
                .unwrap_or_else(|| "waiting".to_string());
            let reason = queued_reason(&code);
            JobState::Queued { code, reason }
        }
    }))
}

fn queued_reason(code: &str) -> Text {
    match code {
        "paper_out" | "cover_open" | "printer_error" | "offline" => {
            let (zh, en) = linli_hardware::printer::problem_text(code);
            Text::new(
                format!("{zh}；处理后凭条会自动打印"),
                format!("{en}; the slip prints once that is fixed"),
            )
        }
        "unreachable" => Text::new(
            "连接不上打印机，正在重试",
            "The printer cannot be reached; retrying",
        ),
        "interrupted" => Text::new(
            "打印中断，正在重新发送",
            "Printing was interrupted; sending again",
        ),
        "interrupted_by_restart" => Text::new(
            "设备重启时正在打印，正在重新发送",
            "The device restarted while printing; sending again",
        ),
        _ => Text::new("排队等待打印", "Waiting to print"),
    }
}
