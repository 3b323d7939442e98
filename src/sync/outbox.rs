//! The local side of push: reading the outbox in order and recording the district's
//! answer for each event, plus the sync status kept in settings.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use linli_core::sync::{Outcome, PushResponse, PushedEvent};
use rusqlite::Connection;
use serde_json::{json, Value};

use crate::clock;
use crate::error::AppError;
use crate::store::{set_setting, Actor, Store, Tx};

/// The oldest events not yet answered for, as stored (byte for byte what was
/// committed, so a resend is recognisably the same event).
pub fn pending_batch(store: &Store, limit: usize) -> Result<Vec<PushedEvent>, AppError> {
    let mut stmt = store.conn().prepare_cached(
        "SELECT seq, body FROM outbox WHERE sent_at IS NULL AND parked_at IS NULL ORDER BY seq LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit as i64], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut batch = Vec::new();
    for row in rows {
        let (seq, body) = row?;
        // A body that is not JSON cannot have been written by this program; sending it
        // as a string lets the district reject it with a reason, so it is parked
        // visibly instead of blocking the queue.
        let event = serde_json::from_str(&body).unwrap_or(Value::String(body));
        batch.push(PushedEvent { seq, event });
    }
    Ok(batch)
}

/// Marks accepted and duplicate events sent and parks rejected ones, in one local
/// transaction. Returns (sent, parked).
pub fn record_results(
    store: &mut Store,
    batch: &[PushedEvent],
    answer: &PushResponse,
) -> Result<(usize, usize), AppError> {
    let sent_by_seq: HashMap<i64, &linli_core::sync::EventResult> =
        answer.results.iter().map(|r| (r.seq, r)).collect();
    let now = clock::now();
    store.write(&Actor::system(), now, |tx| {
        let at = clock::to_db(now);
        let (mut sent, mut parked) = (0, 0);
        for event in batch {
            let Some(result) = sent_by_seq.get(&event.seq) else {
                continue;
            };
            match result.outcome {
                Outcome::Accepted | Outcome::Duplicate => {
                    tx.prepare_cached("UPDATE outbox SET sent_at = ?2 WHERE seq = ?1 AND sent_at IS NULL")?
                        .execute((event.seq, &at))?;
                    sent += 1;
                }
                Outcome::Rejected => {
                    let reason = serde_json::to_string(&result.reason).expect("reasons serialise");
                    tx.prepare_cached(
                        "UPDATE outbox SET parked_at = ?2, park_reason = ?3 WHERE seq = ?1 AND parked_at IS NULL",
                    )?
                    .execute((event.seq, &at, &reason))?;
                    tx.audit(
                        "sync_event_parked",
                        &result.event_id,
                        json!({"seq": event.seq, "reason": result.reason}),
                    );
                    parked += 1;
                }
            }
        }
        Ok((sent, parked))
    })
}

pub fn pending_count(conn: &Connection) -> Result<i64, rusqlite::Error> {
    conn.query_row(
        "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND parked_at IS NULL",
        [],
        |r| r.get(0),
    )
}

pub fn parked_count(conn: &Connection) -> Result<i64, rusqlite::Error> {
    conn.query_row(
        "SELECT count(*) FROM outbox WHERE parked_at IS NOT NULL",
        [],
        |r| r.get(0),
    )
}

/// An event the district refused, kept with its reason for staff to act on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ParkedEvent {
    pub seq: i64,
    pub event_id: String,
    pub kind: String,
    pub created_at: String,
    pub parked_at: String,
    /// The district's refusal as it sent it.
    pub reason: Option<linli_core::FieldError>,
}

/// Parked events for staff: what they were and why the district refused them.
pub fn parked(conn: &Connection) -> Result<Vec<ParkedEvent>, rusqlite::Error> {
    let mut stmt = conn.prepare(
        "SELECT seq, event_id, kind, created_at, parked_at, park_reason FROM outbox
         WHERE parked_at IS NOT NULL ORDER BY seq",
    )?;
    let rows = stmt.query_map([], |r| {
        let reason: Option<String> = r.get(5)?;
        Ok(ParkedEvent {
            seq: r.get(0)?,
            event_id: r.get(1)?,
            kind: r.get(2)?,
            created_at: r.get(3)?,
            parked_at: r.get(4)?,
            reason: reason.and_then(|r| {
                serde_json::from_str::<Option<linli_core::FieldError>>(&r)
                    .ok()
                    .flatten()
            }),
        })
    })?;
    rows.collect()
}

/// Where the next pull starts.
pub fn cursor(store: &Store) -> Result<i64, AppError> {
    Ok(store
        .setting("district_cursor")?
        .and_then(|c| c.parse().ok())
        .unwrap_or(0))
}

pub fn record_status(
    store: &mut Store,
    now: NaiveDateTime,
    success: Option<&str>,
    error: Option<&str>,
) -> Result<(), AppError> {
    store.write(&Actor::system(), now, |tx| {
        set_setting(tx, "sync_last_attempt", &clock::to_db(now))?;
        if let Some(success) = success {
            set_setting(tx, "sync_last_success", success)?;
            tx.execute("DELETE FROM settings WHERE key = 'sync_last_error'", [])?;
        }
        if let Some(error) = error {
            set_setting(tx, "sync_last_error", error)?;
        }
        Ok(())
    })
}

/// Rewrites unsent events to the identity the district enrolled this device under.
/// Returns how many. Sent events are never touched.
pub fn adopt_identity(
    tx: &mut Tx<'_>,
    device_id: &str,
    centre_code: &str,
) -> Result<usize, AppError> {
    let rows: Vec<(i64, String)> = tx
        .prepare("SELECT seq, body FROM outbox WHERE sent_at IS NULL")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut adopted = 0;
    for (seq, body) in rows {
        let Ok(mut event) = serde_json::from_str::<Value>(&body) else {
            continue;
        };
        event["device_id"] = json!(device_id);
        if event["centre_code"].as_str().unwrap_or_default().is_empty() {
            event["centre_code"] = json!(centre_code);
        }
        tx.execute(
            "UPDATE outbox SET body = ?2 WHERE seq = ?1",
            (seq, event.to_string()),
        )?;
        adopted += 1;
    }
    Ok(adopted)
}
