//! 操作日志 for managers (`linli audit`): the audit log filtered by date, staff member,
//! resident, action and device, newest first, as JSON or CSV. Needs
//! `Permission::ViewAuditLog`; every look is itself audited, with its filter, so an
//! auditor sees who read the log. Subjects are already masked when written (a
//! resident's ID number as `440306********123X`), so the log never shows more than the
//! screens did; a resident is found by the masked form of the ID number asked for.

use chrono::NaiveDate;
use linli_core::identity::mask_id_number;
use linli_core::staff::Permission;
use linli_core::table::Table;
use serde_json::{json, Value};

use crate::clock;
use crate::error::AppError;
use crate::store::Tx;

/// The most entries one look returns; the answer says when there were more.
pub const MAX_ENTRIES: usize = 10_000;

/// What to look for; every part is optional and they all apply.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct AuditFilter {
    pub from: Option<NaiveDate>,
    /// Inclusive: the whole of that day.
    pub to: Option<NaiveDate>,
    /// A staff code: the entries that member made.
    pub staff: Option<String>,
    /// A full ID number: the entries about that resident (matched masked).
    #[serde(skip)]
    pub resident: Option<String>,
    pub action: Option<String>,
    pub device: Option<String>,
}

/// The entries found, newest first, and whether more matched than were returned.
pub struct AuditLook {
    /// For the command line and the export (the detail as JSON).
    pub entries: Table,
    /// The same entries, typed, for a screen.
    pub lines: Vec<AuditLine>,
    pub more: bool,
}

/// One entry as a screen lists it (the detail stays in the export).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditLine {
    /// Store format: 2026-11-24T09:12:00.
    pub at: String,
    pub device_id: String,
    /// "staff:S001", "kiosk", "system".
    pub actor: String,
    pub action: String,
    /// Masked as written.
    pub subject: String,
}

/// The audit log as `filter` narrows it.
pub fn audit_entries(tx: &mut Tx<'_>, filter: &AuditFilter) -> Result<AuditLook, AppError> {
    tx.authorise(Permission::ViewAuditLog)?;
    if let (Some(from), Some(to)) = (filter.from, filter.to) {
        if to < from {
            return Err(linli_core::FieldError::new(
                "to",
                "before_from",
                format!("截止日期{to}早于开始日期{from}"),
                format!("the end date {to} is before the start date {from}"),
            )
            .into());
        }
    }
    let mut conditions = Vec::new();
    let mut params: Vec<String> = Vec::new();
    let mut add = |condition: &str, value: String| {
        params.push(value);
        conditions.push(condition.replace('?', &format!("?{}", params.len())));
    };
    if let Some(from) = filter.from {
        add("at >= ?", clock::to_db(clock::at(from, 0, 0)));
    }
    if let Some(to) = filter.to {
        let next = to.succ_opt().unwrap_or(to);
        add("at < ?", clock::to_db(clock::at(next, 0, 0)));
    }
    if let Some(staff) = &filter.staff {
        add("actor = ?", format!("staff:{}", staff.trim()));
    }
    if let Some(resident) = &filter.resident {
        add("subject = ?", mask_id_number(resident.trim()));
    }
    if let Some(action) = &filter.action {
        add("action = ?", action.trim().to_string());
    }
    if let Some(device) = &filter.device {
        add("device_id = ?", device.trim().to_string());
    }
    let condition = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    let mut stmt = tx.prepare(&format!(
        "SELECT seq, at, device_id, actor, action, subject, detail FROM audit_log {condition}
          ORDER BY seq DESC LIMIT {}",
        MAX_ENTRIES + 1
    ))?;
    let mut rows: Vec<Vec<Value>> = stmt
        .query_map(rusqlite::params_from_iter(params.iter()), |r| {
            let detail: String = r.get(6)?;
            Ok(vec![
                json!(r.get::<_, i64>(0)?),
                json!(r.get::<_, String>(1)?),
                json!(r.get::<_, String>(2)?),
                json!(r.get::<_, String>(3)?),
                json!(r.get::<_, String>(4)?),
                json!(r.get::<_, String>(5)?),
                serde_json::from_str(&detail).unwrap_or(Value::String(detail)),
            ])
        })?
        .collect::<Result<_, _>>()?;
    drop(stmt);
    let more = rows.len() > MAX_ENTRIES;
    rows.truncate(MAX_ENTRIES);
    let text = |row: &[Value], i: usize| row[i].as_str().unwrap_or_default().to_string();
    let lines = rows
        .iter()
        .map(|row| AuditLine {
            at: text(row, 1),
            device_id: text(row, 2),
            actor: text(row, 3),
            action: text(row, 4),
            subject: text(row, 5),
        })
        .collect();
    let mut looked = serde_json::to_value(filter).expect("a filter serialises");
    if let Some(resident) = &filter.resident {
        looked["resident"] = json!(mask_id_number(resident.trim()));
    }
    looked["found"] = json!(rows.len());
    tx.audit("audit_log_viewed", "audit_log", looked);
    Ok(AuditLook {
        entries: Table {
            columns: vec![
                "seq",
                "at",
                "device_id",
                "actor",
                "action",
                "subject",
                "detail",
            ],
            rows,
        },
        lines,
        more,
    })
}

/// The entries `filter` finds saved as `exports/audit-log-…csv` in the data directory
/// (for an auditor's spreadsheet), whole or not at all; the look and the export are
/// both audited. The path and how many entries it holds.
pub fn export_csv(
    store: &mut crate::store::Store,
    actor: &crate::store::Actor,
    now: chrono::NaiveDateTime,
    filter: &AuditFilter,
) -> Result<(std::path::PathBuf, usize), AppError> {
    actor.authorise(Permission::ViewAuditLog)?;
    let dir = store.data_dir().join("exports");
    store.write(actor, now, |tx| {
        let look = audit_entries(tx, filter)?;
        let name = format!("audit-log-{}.csv", now.format("%Y%m%d-%H%M%S"));
        let path = crate::disk::write_whole(&dir, &name, look.entries.to_csv().as_bytes(), 0o640)
            .map_err(|e| crate::error::StoreError::from_file_write(&dir, e))?;
        let rows = look.entries.rows.len();
        tx.audit(
            "audit_log_exported",
            "audit_log",
            json!({"file": name, "entries": rows, "more": look.more}),
        );
        Ok((path, rows))
    })
}
