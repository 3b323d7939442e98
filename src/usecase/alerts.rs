//! Alerts for staff: a resident pressed "call staff" (the button on the kiosk, or the
//! on-screen one). Stored, so a call made while the desk was busy is still there when
//! someone looks, and acknowledged by name.

use chrono::NaiveDateTime;
use linli_core::Text;
use rusqlite::OptionalExtension;
use serde::Serialize;
use serde_json::json;

use crate::clock;
use crate::error::{AppError, Refused};
use crate::store::{Actor, Store};

/// Presses closer together than this are one call: a worried resident pressing five
/// times should not fill the list.
const SAME_CALL_SECONDS: i64 = 60;

/// Records a call for staff from `source` (e.g. "button", "screen"). Returns the
/// alert's id; a repeat press within a minute returns the open call's id.
pub fn raise(store: &mut Store, now: NaiveDateTime, source: &str) -> Result<i64, AppError> {
    store.write(&Actor::kiosk(), now, |tx| {
        let since = clock::to_db(now - chrono::Duration::seconds(SAME_CALL_SECONDS));
        let open: Option<i64> = tx
            .prepare_cached(
                "SELECT id FROM alerts WHERE kind = 'call_staff' AND acknowledged_at IS NULL
                 AND raised_at >= ?1 ORDER BY id DESC LIMIT 1",
            )?
            .query_row([&since], |r| r.get(0))
            .optional()?;
        if let Some(id) = open {
            return Ok(id);
        }
        tx.prepare_cached(
            "INSERT INTO alerts (kind, source, raised_at) VALUES ('call_staff', ?1, ?2)",
        )?
        .execute((source, clock::to_db(now)))?;
        let id = tx.last_insert_rowid();
        tx.audit("staff_called", source, json!({"alert": id}));
        Ok(id)
    })
}

/// A call for staff not yet answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenCall {
    pub id: i64,
    pub kind: String,
    /// Where it was made: "button" (the kiosk's call button) or "screen".
    pub source: String,
    #[serde(serialize_with = "crate::json_shapes::db_time")]
    pub raised_at: NaiveDateTime,
}

/// A call answered, and by whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallAnswered {
    pub acknowledged: i64,
    pub by: String,
}

/// Open calls, oldest first.
pub fn open(store: &Store) -> Result<Vec<OpenCall>, AppError> {
    let mut stmt = store.conn().prepare(
        "SELECT id, kind, source, raised_at FROM alerts WHERE acknowledged_at IS NULL ORDER BY id",
    )?;
    let rows = stmt
        .query_map([], open_call_from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// How many calls wait for an answer, for the staff home.
pub fn open_count(conn: &rusqlite::Connection) -> Result<i64, AppError> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM alerts WHERE acknowledged_at IS NULL")?
        .query_row([], |r| r.get(0))?)
}

/// A staff member answers a call.
pub fn acknowledge(
    store: &mut Store,
    actor: &Actor,
    now: NaiveDateTime,
    id: i64,
) -> Result<CallAnswered, AppError> {
    store.write(actor, now, |tx| {
        let staff = tx.authorise(linli_core::staff::Permission::AnswerCalls)?;
        let changed = tx
            .prepare_cached(
                "UPDATE alerts SET acknowledged_at = ?2, acknowledged_by = ?3
                 WHERE id = ?1 AND acknowledged_at IS NULL",
            )?
            .execute((id, clock::to_db(now), &staff.code))?;
        if changed == 0 {
            return Err(Refused::new(
                "no_open_alert",
                Text::new("没有这条待处理的呼叫", "no such open call"),
                vec![Text::new(
                    format!("呼叫 {id} 不存在或已有人处理"),
                    format!("Call {id} does not exist or has already been answered"),
                )],
            )
            .into());
        }
        tx.audit("staff_call_answered", &id.to_string(), json!({}));
        Ok(CallAnswered {
            acknowledged: id,
            by: staff.code.clone(),
        })
    })
}

fn open_call_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OpenCall> {
    let raised_at: String = r.get(3)?;
    Ok(OpenCall {
        id: r.get(0)?,
        kind: r.get(1)?,
        source: r.get(2)?,
        raised_at: clock::from_db(&raised_at).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                3,
                rusqlite::types::Type::Text,
                format!("not a timestamp: {raised_at}").into(),
            )
        })?,
    })
}
