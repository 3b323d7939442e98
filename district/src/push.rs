//! `POST /v1/events`: a device's outbox batch, applied exactly once (invariant 4).
//!
//! One PostgreSQL transaction per batch. `events` has the permanent key (device, event
//! id): an event is applied only by the statement that inserted it, so a repeat —
//! resent after a lost reply, or sent by two processes at once — finds the row and is
//! answered `duplicate` without being applied again. The same id with other content is
//! `rejected`. Either way every event gets its own answer and a bad one never holds
//! the others back.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::NaiveDateTime;
use futures_util::future::try_join_all;
use linli_core::outbox::{OutboxEvent, PROTOCOL_VERSION};
use linli_core::sync::{
    ChangeBody, EventResult, Outcome, PushRequest, PushResponse, RegistryHousehold, RegistryMember,
    MAX_BATCH_EVENTS,
};
use linli_core::FieldError;
use sha2::{Digest, Sha256};
use tokio_postgres::types::ToSql;

use crate::apply::{self, Touched};
use crate::auth::Device;
use crate::clock;
use crate::db;
use crate::error::{ApiError, ValidJson};
use crate::server::AppState;

/// How often a batch is retried when PostgreSQL reports a deadlock or serialization
/// failure between two concurrent batches; each retry starts the batch afresh.
const RETRIES: usize = 5;

pub async fn handler(
    State(state): State<AppState>,
    device: Device,
    ValidJson(request): ValidJson<PushRequest>,
) -> Result<Json<PushResponse>, ApiError> {
    check_request(&request)?;
    let prepared: Vec<Prepared> = request
        .events
        .iter()
        .map(|pushed| prepare(pushed.seq, &pushed.event, &device))
        .collect();
    let mut attempt = 0;
    loop {
        attempt += 1;
        match push_batch(&state, &device, &prepared, request.sent_at).await {
            Ok(results) => {
                return Ok(Json(PushResponse {
                    results,
                    server_time: clock::now_local(),
                }))
            }
            Err(error) if attempt < RETRIES && error.is_retryable() => continue,
            Err(error) => return Err(error.into()),
        }
    }
}

fn check_request(request: &PushRequest) -> Result<(), ApiError> {
    if request.protocol_version == 0 || request.protocol_version > PROTOCOL_VERSION {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "unsupported_protocol_version",
            format!(
                "协议版本{}不受支持，区级后台支持1至{PROTOCOL_VERSION}版",
                request.protocol_version
            ),
            format!(
                "protocol version {} is not supported; the district reads versions 1 to {PROTOCOL_VERSION}",
                request.protocol_version
            ),
        )
        .field("protocol_version"));
    }
    if request.events.len() > MAX_BATCH_EVENTS {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "batch_too_large",
            format!(
                "一次最多上传{MAX_BATCH_EVENTS}条事件，本次{}条",
                request.events.len()
            ),
            format!(
                "a batch carries at most {MAX_BATCH_EVENTS} events; this one has {}",
                request.events.len()
            ),
        )
        .field("events"));
    }
    Ok(())
}

/// One pushed event, read and checked before the transaction starts.
struct Prepared {
    seq: i64,
    /// The id as sent, even when the event could not be read (for the answer).
    event_id: String,
    hash: Vec<u8>,
    body: serde_json::Value,
    parsed: Result<OutboxEvent, FieldError>,
}

fn prepare(seq: i64, body: &serde_json::Value, device: &Device) -> Prepared {
    let event_id = body
        .get("event_id")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .replace('\0', "\u{FFFD}");
    let text = body.to_string();
    let hash = Sha256::digest(text.as_bytes()).to_vec();
    // PostgreSQL text cannot hold NUL; caught here, the event is rejected alone
    // instead of failing the batch it came in.
    let parsed = if text.contains("\\u0000") {
        Err(FieldError::new(
            "event",
            "invalid_character",
            "事件含有不可保存的空字符（\\u0000）",
            "the event holds a NUL character (\\u0000), which cannot be stored",
        ))
    } else {
        OutboxEvent::from_value(body.clone())
            .and_then(|event| apply::check(&event, device.id, &device.centre_code).map(|()| event))
    };
    Prepared {
        seq,
        event_id,
        hash,
        body: body.clone(),
        parsed,
    }
}

fn rejected(event: &Prepared, reason: FieldError) -> EventResult {
    EventResult {
        event_id: event.event_id.clone(),
        seq: event.seq,
        outcome: Outcome::Rejected,
        reason: Some(reason),
    }
}

fn altered() -> FieldError {
    FieldError::new(
        "event_id",
        "altered_event",
        "同一事件编号已收到过不同的内容，本次内容未被采用",
        "an event with this id arrived before with different content; this one was not applied",
    )
}

async fn push_batch(
    state: &AppState,
    device: &Device,
    events: &[Prepared],
    sent_at: NaiveDateTime,
) -> Result<Vec<EventResult>, db::DbError> {
    let mut client = state.pool.get().await?;
    let tx = client.transaction().await?;
    let mut results = Vec::with_capacity(events.len());
    let mut touched = Touched::default();
    let mut writes = Vec::new();
    // Inserted in the order the device committed them; the keys a repeat finds
    // already there are looked up together afterwards.
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut repeats = Vec::new();
    let mut inserts = Vec::new();
    for (index, event) in events.iter().enumerate() {
        match &event.parsed {
            Err(reason) => results.push(Some(rejected(event, reason.clone()))),
            Ok(parsed) => {
                if seen.insert(parsed.event_id.as_str(), index).is_some() {
                    // The same id twice in one batch: the second is a repeat.
                    repeats.push(index);
                    results.push(None);
                    continue;
                }
                inserts.push(index);
                results.push(None);
            }
        }
    }
    // One statement for the whole batch: the rows go in as arrays, and the ids it
    // returns are exactly the events this batch is the first to bring.
    let mut columns = (
        Vec::with_capacity(inserts.len()),
        Vec::with_capacity(inserts.len()),
        Vec::with_capacity(inserts.len()),
        Vec::with_capacity(inserts.len()),
        Vec::with_capacity(inserts.len()),
        Vec::with_capacity(inserts.len()),
    );
    for &index in &inserts {
        let event = &events[index];
        let parsed = event
            .parsed
            .as_ref()
            .expect("only parsed events are inserted");
        columns.0.push(parsed.event_id.as_str());
        columns.1.push(event.seq);
        columns.2.push(parsed.kind());
        columns.3.push(parsed.occurred_at);
        columns.4.push(event.hash.as_slice());
        columns.5.push(&event.body);
    }
    let inserted: std::collections::HashSet<String> = tx
        .query(
            "INSERT INTO events (device_id, event_id, seq, centre_code, kind, occurred_at, body_hash, body)
             SELECT $1, e.id, e.seq, $2, e.kind, e.at, e.hash, e.body
             FROM unnest($3::text[], $4::bigint[], $5::text[], $6::timestamp[], $7::bytea[], $8::jsonb[])
                  AS e(id, seq, kind, at, hash, body)
             ON CONFLICT (device_id, event_id) DO NOTHING
             RETURNING event_id",
            &[
                &device.id,
                &device.centre_code,
                &columns.0,
                &columns.1,
                &columns.2,
                &columns.3,
                &columns.4,
                &columns.5,
            ],
        )
        .await?
        .iter()
        .map(|row| row.get(0))
        .collect();
    for &index in &inserts {
        let event = &events[index];
        let parsed = event.parsed.as_ref().expect("parsed");
        if inserted.contains(&parsed.event_id) {
            writes.extend(apply::writes(parsed, device.id, &mut touched));
            results[index] = Some(EventResult {
                event_id: event.event_id.clone(),
                seq: event.seq,
                outcome: Outcome::Accepted,
                reason: None,
            });
        } else {
            repeats.push(index);
        }
    }
    writes.extend(apply::attendance_write(&touched));
    // Apply in device order, pipelined: the statements go out back to back on one
    // connection and run in the order sent.
    let mut statements = HashMap::new();
    for write in &writes {
        if !statements.contains_key(write.sql) {
            statements.insert(write.sql, tx.prepare_cached(write.sql).await?);
        }
    }
    try_join_all(writes.iter().map(|write| {
        let statement = &statements[write.sql];
        let params: Vec<&(dyn ToSql + Sync)> = write
            .params
            .iter()
            .map(|p| p.as_ref() as &(dyn ToSql + Sync))
            .collect();
        let tx = &tx;
        async move { tx.execute(statement, &params).await }
    }))
    .await?;
    if !repeats.is_empty() {
        let ids: Vec<&str> = repeats
            .iter()
            .map(|&i| events[i].event_id.as_str())
            .collect();
        let rows = tx
            .query(
                "SELECT event_id, body_hash FROM events WHERE device_id = $1 AND event_id = ANY($2)",
                &[&device.id, &ids],
            )
            .await?;
        let stored: HashMap<String, Vec<u8>> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
        for index in repeats {
            let event = &events[index];
            let same = stored.get(&event.event_id) == Some(&event.hash);
            results[index] = Some(if same {
                EventResult {
                    event_id: event.event_id.clone(),
                    seq: event.seq,
                    outcome: Outcome::Duplicate,
                    reason: None,
                }
            } else {
                rejected(event, altered())
            });
        }
    }
    let results: Vec<EventResult> = results
        .into_iter()
        .map(|r| r.expect("every event has an answer"))
        .collect();
    for (event, result) in events.iter().zip(&results) {
        if let (Outcome::Rejected, Some(reason)) = (result.outcome, &result.reason) {
            let reason_json = serde_json::to_value(reason).expect("reasons serialise");
            tx.execute(
                "INSERT INTO rejected_events (device_id, event_id, body_hash, seq, code, reason, body)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (device_id, event_id, body_hash)
                 DO UPDATE SET times = rejected_events.times + 1, last_at = now()",
                &[
                    &device.id,
                    &event.event_id,
                    &event.hash,
                    &event.seq,
                    &reason.code,
                    &reason_json,
                    &event.body.to_string(),
                ],
            )
            .await?;
        }
    }
    let now = clock::now_local();
    let skew = (sent_at - now).num_seconds();
    tx.execute(
        "UPDATE devices SET last_seen_at = now(), clock_skew_seconds = $2 WHERE id = $1",
        &[&device.id, &skew],
    )
    .await?;
    // Last before the commit: publishing takes the feed's counter lock, which every
    // batch registering a household waits on until this one commits.
    for household in &touched.households {
        publish_household(&tx, household).await?;
    }
    tx.commit().await?;
    Ok(results)
}

/// Puts a household, as the district now knows it, on the feed every centre reads.
pub async fn publish_household(
    tx: &tokio_postgres::Transaction<'_>,
    code: &str,
) -> Result<(), tokio_postgres::Error> {
    let Some(row) = tx
        .query_opt(
            "SELECT address, community_code, centre_code FROM households WHERE code = $1",
            &[&code],
        )
        .await?
    else {
        // Members arrived before their household: it is published when it comes.
        return Ok(());
    };
    let members = tx
        .query(
            "SELECT id_number, name, phone, tags FROM residents WHERE household_code = $1 ORDER BY id_number",
            &[&code],
        )
        .await?
        .iter()
        .map(|r| RegistryMember {
            id_number: r.get(0),
            name: r.get(1),
            phone: r.get(2),
            tags: r.get(3),
        })
        .collect();
    let body = ChangeBody::HouseholdKnown(RegistryHousehold {
        household_code: code.to_string(),
        address: row.get(0),
        community_code: row.get(1),
        centre_code: row.get(2),
        members,
    });
    db::add_change(tx, None, None, &body).await?;
    Ok(())
}
