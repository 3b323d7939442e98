//! Slips and the print queue.
//!
//! A use-case that gives a person something to take home calls `issue` inside its own
//! transaction: the slip gets its serial and verification code, is stored as printed
//! (already masked), and a print job is queued, all in the commit that records the
//! action. So a sign-up without its slip, or a slip for a sign-up that rolled back,
//! cannot exist. The `Spooler` (its own thread in the kiosk, inline in a CLI run)
//! takes jobs from the queue to the printer.

pub mod device;
pub mod report;
pub mod spooler;
pub mod thread;

use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use linli_core::receipt::{Receipt, ReceiptKind};
use linli_core::slips::SlipStamp;
use linli_core::Text;
use rusqlite::OptionalExtension;
use serde::Serialize;

use crate::clock;
use crate::store::{AppError, Tx};

pub use spooler::{JobState, Spooler};

/// Whether this run prints. `Skip` is `--no-print`: the action is recorded, no slip.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Printing {
    Queue,
    Skip,
}

/// A slip issued in a transaction, for the interface to report and wait on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IssuedSlip {
    pub serial: String,
    pub verification_code: String,
    pub kind: ReceiptKind,
}

/// Crockford's base32: no I, L, O or U, so a code read aloud or typed is unambiguous.
const CODE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Six random characters: 30 bits, checked against the stored slip, so guessing one
/// for a known serial is a one-in-a-billion shot.
fn verification_code() -> String {
    let random = uuid::Uuid::new_v4().as_u128();
    (0..6)
        .map(|i| CODE_ALPHABET[((random >> (5 * i)) & 31) as usize] as char)
        .collect()
}

/// Machine time for the queue's timing columns.
pub fn epoch_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The next serial for today on this device: `<device tag>-<YYYYMMDD>-<NNNN>`. The tag
/// keeps two kiosks of one centre apart: `D` and the number the district gave the
/// device when it enrolled (unique in the centre), or before enrolment the last four
/// hex digits of the device id (its random part: a uuid v7 starts with the time, which
/// every device made in the same years shares).
fn next_serial(tx: &Tx<'_>) -> Result<String, AppError> {
    let day = tx.now.format("%Y%m%d").to_string();
    let last: i64 = tx
        .prepare_cached(
            "INSERT INTO slip_counters (day, last) VALUES (?1, 1)
             ON CONFLICT(day) DO UPDATE SET last = last + 1 RETURNING last",
        )?
        .query_row([&day], |r| r.get(0))?;
    let number: Option<u32> = tx
        .prepare_cached("SELECT value FROM settings WHERE key = 'device_number'")?
        .query_row([], |r| r.get::<_, String>(0))
        .optional()?
        .and_then(|n| n.parse().ok());
    let tag = match number {
        Some(number) => format!("D{number:03}"),
        None => {
            let hex: Vec<char> = tx
                .device()
                .device_id
                .chars()
                .filter(|c| c.is_ascii_hexdigit())
                .collect();
            hex[hex.len().saturating_sub(4)..]
                .iter()
                .collect::<String>()
                .to_ascii_uppercase()
        }
    };
    Ok(format!("{tag}-{day}-{last:04}"))
}

fn centre_name(tx: &Tx<'_>) -> Result<String, AppError> {
    Ok(tx
        .prepare_cached("SELECT value FROM settings WHERE key = 'centre_name'")?
        .query_row([], |r| r.get::<_, String>(0))
        .optional()?
        .unwrap_or_else(|| "邻里社区服务中心".to_string()))
}

/// Issues a slip built by `build` from the stamp, stores it and queues its printing
/// (unless `printing` is `Skip`, when nothing is issued). `subject` names whom or what
/// it concerns for staff lists, already masked.
pub fn issue(
    tx: &mut Tx<'_>,
    printing: Printing,
    subject: &str,
    build: impl FnOnce(&SlipStamp) -> Receipt,
) -> Result<Option<IssuedSlip>, AppError> {
    if printing == Printing::Skip {
        return Ok(None);
    }
    let stamp = SlipStamp {
        centre_name: centre_name(tx)?,
        issued_at: tx.now,
        serial: next_serial(tx)?,
        verification_code: verification_code(),
    };
    let mut receipt = build(&stamp);
    receipt.demo = crate::store::data_kind::data_kind(tx)?.is_practice();
    let receipt = linli_hardware::receipt::make_printable(receipt);
    if let Err(error) = linli_hardware::receipt::check(&receipt) {
        // Every text on a slip comes from Linli or has been made printable above, so
        // this is a bug in a slip constructor, not a resident's mistake.
        return Err(AppError::Store(crate::store::StoreError::Internal(
            format!(
                "slip {} cannot be printed: {}",
                receipt.kind.code(),
                error.message.en
            ),
        )));
    }
    insert(tx, &receipt, subject)?;
    queue_copy(tx, &receipt.serial, 0)?;
    let issued = IssuedSlip {
        serial: receipt.serial.clone(),
        verification_code: receipt.verification_code.clone(),
        kind: receipt.kind,
    };
    tx.issued.push(issued.clone());
    Ok(Some(issued))
}

fn insert(tx: &Tx<'_>, receipt: &Receipt, subject: &str) -> Result<(), AppError> {
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

fn queue_copy(tx: &Tx<'_>, serial: &str, copy: i64) -> Result<(), AppError> {
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
            AppError::Store(crate::store::StoreError::Internal(format!(
                "stored slip {serial} is unreadable: {e}"
            )))
        })
    })
    .transpose()
}

/// Queues another copy of a slip, marked 重印/REPRINT, and settles any copy whose
/// printing was in doubt (the reprint is the answer to "did it print?"). Audited: a
/// reprint puts a person's (masked) data on paper again.
pub fn reprint(tx: &mut Tx<'_>, serial: &str) -> Result<IssuedSlip, AppError> {
    let receipt = stored_slip(tx, serial)?
        .ok_or_else(|| crate::usecase::load::not_found("凭条", "slip", serial))?;
    let copy: i64 = tx
        .prepare_cached("SELECT coalesce(max(copy), 0) + 1 FROM print_jobs WHERE serial = ?1")?
        .query_row([serial], |r| r.get(0))?;
    let settled = tx
        .prepare_cached(
            "UPDATE print_jobs SET state = 'cancelled', last_error = 'superseded_by_reprint'
             WHERE serial = ?1 AND state = 'in_doubt'",
        )?
        .execute([serial])?;
    queue_copy(tx, serial, copy)?;
    tx.audit(
        "slip_reprinted",
        serial,
        serde_json::json!({"copy": copy, "kind": receipt.kind.code(), "settled_in_doubt": settled}),
    );
    Ok(IssuedSlip {
        serial: serial.to_string(),
        verification_code: receipt.verification_code,
        kind: receipt.kind,
    })
}

/// How long a CLI command waits for its slip before saying it is queued and why.
pub const CLI_WAIT: Duration = Duration::from_secs(20);

/// Prints the slips a command issued (listed under `"slips"` in its output) and
/// records on each how it went: `"print": {"state": "printed"}`, or queued with the
/// reason. A slip that does not print now stays queued; the kiosk, or the next
/// command, prints it when the printer is back.
pub fn deliver(data_dir: &Path, output: &mut serde_json::Value, wait: Duration) {
    let Some(slips) = output.get_mut("slips").and_then(|s| s.as_array_mut()) else {
        return;
    };
    if slips.is_empty() {
        return;
    }
    let spooler = device::load(data_dir)
        .and_then(|config| Spooler::open(data_dir, &config.printer).map_err(AppError::from));
    let deadline = Instant::now() + wait;
    let mut spooler = match spooler {
        Ok(spooler) => spooler,
        Err(error) => {
            let state = JobState::Queued {
                code: "printer_not_configured".into(),
                reason: Text::new(
                    format!("凭条已排队；打印机无法使用：{error}"),
                    format!("The slip is queued; the printer cannot be used: {error}"),
                ),
            };
            for slip in slips.iter_mut() {
                slip["print"] = serde_json::to_value(&state).expect("states serialise");
            }
            return;
        }
    };
    for slip in slips.iter_mut() {
        let Some(serial) = slip["serial"].as_str().map(str::to_string) else {
            continue;
        };
        let state = spooler
            .wait_for(&serial, deadline)
            .unwrap_or_else(|e| JobState::Queued {
                code: "queue_error".into(),
                reason: Text::new(
                    format!("凭条已排队：{e}"),
                    format!("The slip is queued: {e}"),
                ),
            });
        slip["print"] = serde_json::to_value(&state).expect("states serialise");
        slip["printer"] = serde_json::Value::String(spooler.describe_printer());
    }
}
