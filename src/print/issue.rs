//! Issuing a slip inside the transaction of the action it records: its serial and
//! verification code, the slip stored as printed (already masked) and its job queued,
//! all in that commit. So a sign-up without its slip, or a slip for a sign-up that
//! rolled back, cannot exist; the spooler prints it after the commit.

use linli_core::receipt::{IssuedSlip, Receipt};
use linli_core::slips::SlipStamp;
use rusqlite::OptionalExtension;

use super::queue::{insert, queue_copy, stored_slip};
use crate::error::AppError;
use crate::store::Tx;

/// Whether this run prints. `Skip` is `--no-print`: the action is recorded, no slip.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Printing {
    Queue,
    Skip,
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
        return Err(AppError::Store(crate::error::StoreError::Internal(
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

/// Queues another copy of a slip, marked 重印/REPRINT, and settles any copy whose
/// printing was in doubt (the reprint is the answer to "did it print?"). Audited: a
/// reprint puts a person's (masked) data on paper again.
pub fn reprint(tx: &mut Tx<'_>, serial: &str) -> Result<IssuedSlip, AppError> {
    let receipt =
        stored_slip(tx, serial)?.ok_or_else(|| crate::error::not_found("凭条", "slip", serial))?;
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
    let issued = IssuedSlip {
        serial: serial.to_string(),
        verification_code: receipt.verification_code,
        kind: receipt.kind,
    };
    tx.issued.push(issued.clone());
    Ok(issued)
}
