//! `linli export`: records as JSON (an array of objects) or CSV.
//!
//! ID numbers and phones are masked (invariant 6) unless a signed-in staff member
//! with the permission asks for them in full; every export, masked or not, is in the
//! audit log with who asked, so a district auditor can see who took what.

use chrono::NaiveDateTime;
use linli_core::identity::{mask_id_number, mask_phone};
use linli_core::staff::Permission;
use rusqlite::types::Value as SqlValue;
use serde_json::{json, Value};

use crate::error::AppError;
use crate::store::{Actor, Store};

pub use linli_core::table::Table;

/// What can be exported: the records of one area, one row per record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportKind {
    Programmes,
    Households,
    Enrolments,
    Attendance,
    VolunteerHours,
    Filings,
    Ratings,
}

impl ExportKind {
    pub const ALL: [ExportKind; 7] = [
        ExportKind::Programmes,
        ExportKind::Households,
        ExportKind::Enrolments,
        ExportKind::Attendance,
        ExportKind::VolunteerHours,
        ExportKind::Filings,
        ExportKind::Ratings,
    ];

    /// The name staff type for it (`linli export volunteer-hours`).
    pub fn name(self) -> &'static str {
        match self {
            ExportKind::Programmes => "programmes",
            ExportKind::Households => "households",
            ExportKind::Enrolments => "enrolments",
            ExportKind::Attendance => "attendance",
            ExportKind::VolunteerHours => "volunteer-hours",
            ExportKind::Filings => "filings",
            ExportKind::Ratings => "ratings",
        }
    }

    pub fn named(name: &str) -> Option<ExportKind> {
        ExportKind::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

/// How personal columns leave the device.
#[derive(Clone, Copy)]
enum Personal {
    IdNumber,
    Phone,
}

fn sql_to_json(value: SqlValue) -> Value {
    match value {
        SqlValue::Null => Value::Null,
        SqlValue::Integer(i) => json!(i),
        SqlValue::Real(f) => json!(f),
        SqlValue::Text(t) => json!(t),
        SqlValue::Blob(_) => Value::Null,
    }
}

/// Runs `sql` and names its columns; `personal` marks the columns to mask.
fn query_table(
    store: &Store,
    sql: &str,
    columns: Vec<&'static str>,
    personal: &[(&str, Personal)],
    unmasked: bool,
) -> Result<Table, AppError> {
    let mut stmt = store.conn().prepare(sql)?;
    let width = columns.len();
    let mask_at: Vec<Option<Personal>> = columns
        .iter()
        .map(|c| {
            personal
                .iter()
                .find(|(name, _)| name == c)
                .map(|(_, kind)| *kind)
        })
        .collect();
    let rows = stmt
        .query_map([], |r| {
            let mut row = Vec::with_capacity(width);
            for (i, mask) in mask_at.iter().enumerate() {
                let value = sql_to_json(r.get::<_, SqlValue>(i)?);
                let value = match (mask, &value, unmasked) {
                    (Some(Personal::IdNumber), Value::String(s), false) => json!(mask_id_number(s)),
                    (Some(Personal::Phone), Value::String(s), false) => json!(mask_phone(s)),
                    _ => value,
                };
                row.push(value);
            }
            Ok(row)
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Table { columns, rows })
}

fn split_tags(table: &mut Table, column: &str) {
    if let Some(i) = table.columns.iter().position(|c| *c == column) {
        for row in &mut table.rows {
            if let Value::String(text) = &row[i] {
                row[i] = json!(text
                    .split(';')
                    .filter(|t| !t.is_empty())
                    .collect::<Vec<_>>());
            }
        }
    }
}

pub fn table(store: &Store, kind: ExportKind, unmasked: bool) -> Result<Table, AppError> {
    use ExportKind::*;
    let id = Personal::IdNumber;
    let phone = Personal::Phone;
    Ok(match kind {
        Programmes => query_table(
            store,
            "SELECT p.code, json_extract(p.body, '$.name.zh'), json_extract(p.body, '$.name.en'), p.kind, p.status, p.capacity,
                    (SELECT count(*) FROM enrolments e WHERE e.programme_code = p.code AND e.status = 'confirmed'),
                    (SELECT count(*) FROM enrolments e WHERE e.programme_code = p.code AND e.status = 'offered'),
                    (SELECT count(*) FROM enrolments e WHERE e.programme_code = p.code AND e.status = 'waitlisted'),
                    json_extract(p.body, '$.fee.amount_fen')
             FROM programmes p ORDER BY p.code",
            vec!["code", "name_zh", "name_en", "kind", "status", "capacity", "confirmed", "offered", "waitlisted", "fee_fen"],
            &[],
            unmasked,
        )?,
        Households => {
            let mut t = query_table(
                store,
                "SELECT h.code, h.address, r.name, r.id_number, r.phone, r.tags, h.community_code
                 FROM households h JOIN residents r ON r.household_code = h.code
                 ORDER BY h.code, r.id_number",
                vec!["household_code", "address", "name", "id_number", "phone", "tags", "community_code"],
                &[("id_number", id), ("phone", phone)],
                unmasked,
            )?;
            split_tags(&mut t, "tags");
            t
        }
        Enrolments => query_table(
            store,
            "SELECT e.id, e.programme_code, r.name, e.resident, e.status,
                    CASE WHEN e.status = 'waitlisted' THEN
                        (SELECT count(*) FROM enrolments w WHERE w.programme_code = e.programme_code
                           AND w.status = 'waitlisted' AND w.sort_key <= e.sort_key) END,
                    e.offer_deadline, e.reason, e.created_at, e.updated_at
             FROM enrolments e JOIN residents r ON r.id_number = e.resident
             ORDER BY e.programme_code, e.status, e.sort_key",
            vec!["id", "code", "name", "id_number", "status", "position", "offer_deadline", "reason", "created_at", "updated_at"],
            &[("id_number", id)],
            unmasked,
        )?,
        Attendance => query_table(
            store,
            "SELECT a.programme_code, a.session_date, r.name, a.resident, a.checked_in_at, a.checked_out_at, a.picked_up_by
             FROM attendance a JOIN residents r ON r.id_number = a.resident
             ORDER BY a.session_date, a.programme_code, a.resident",
            vec!["code", "session_date", "name", "id_number", "checked_in_at", "checked_out_at", "picked_up_by"],
            &[("id_number", id)],
            unmasked,
        )?,
        VolunteerHours => query_table(
            store,
            "SELECT s.id, r.name, s.volunteer, s.activity, s.clock_in, s.clock_out, s.minutes,
                    round(s.minutes / 60.0, 2), s.status, s.reviewer, s.review_note
             FROM shifts s JOIN residents r ON r.id_number = s.volunteer
             ORDER BY s.clock_in",
            vec!["shift_id", "name", "id_number", "activity", "clock_in", "clock_out", "minutes", "hours", "status", "reviewer", "review_note"],
            &[("id_number", id)],
            unmasked,
        )?,
        Filings => query_table(
            store,
            "SELECT b.code, b.name, b.category, b.filing_status, b.filing_number,
                    (SELECT count(*) FROM ledgers l WHERE l.business_code = b.code),
                    (SELECT coalesce(sum(revenue_fen), 0) FROM ledgers l WHERE l.business_code = b.code),
                    (SELECT coalesce(sum(cost_fen), 0) FROM ledgers l WHERE l.business_code = b.code),
                    (SELECT coalesce(sum(revenue_fen - cost_fen), 0) FROM ledgers l WHERE l.business_code = b.code)
             FROM businesses b ORDER BY b.code",
            vec!["code", "name", "category", "status", "filing_number", "ledger_months", "revenue_fen", "cost_fen", "public_service_fund_fen"],
            &[],
            unmasked,
        )?,
        Ratings => {
            let mut t = query_table(
                store,
                "SELECT r.id, r.service_ref, r.programme_code, r.level,
                        (SELECT group_concat(value, ';') FROM json_each(r.body, '$.reason_tags')),
                        r.rated_at, f.status, f.due
                 FROM ratings r LEFT JOIN follow_ups f ON f.rating_id = r.id
                 ORDER BY r.rated_at",
                vec!["id", "service_ref", "code", "level", "reason_tags", "rated_at", "follow_up_status", "follow_up_due"],
                &[],
                unmasked,
            )?;
            split_tags(&mut t, "reason_tags");
            // A due date counted in working days through a year whose holidays are not
            // published may fall on a holiday nobody has announced yet: say so.
            let calendar = super::load::calendar(store.conn())?;
            let due = t.columns.iter().position(|c| *c == "follow_up_due");
            t.columns.push("follow_up_due_provisional");
            for row in &mut t.rows {
                let provisional = due
                    .and_then(|i| row[i].as_str())
                    .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                    .map(|d| calendar.is_provisional(d));
                row.push(provisional.map_or(Value::Null, Value::Bool));
            }
            t
        }
    })
}

/// `linli export`, by a signed-in staff member allowed to run reports; full ID
/// numbers and phones (`unmasked`) need the permission for them as well. Audited
/// either way, with who asked, before the rows are handed out.
pub fn export(
    store: &mut Store,
    actor: &Actor,
    kind: ExportKind,
    unmasked: bool,
    now: NaiveDateTime,
) -> Result<Table, AppError> {
    actor.authorise(Permission::RunReports)?;
    if unmasked {
        actor.authorise(Permission::ExportUnmaskedPersonalData)?;
    }
    let table = table(store, kind, unmasked)?;
    let what = format!("{kind:?}");
    store.write(actor, now, |tx| {
        tx.audit(
            if unmasked {
                "export_unmasked"
            } else {
                "export"
            },
            &what,
            json!({"rows": table.rows.len()}),
        );
        Ok(())
    })?;
    Ok(table)
}
