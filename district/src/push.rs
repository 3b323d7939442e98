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
use linli_core::sync::{EventResult, Outcome, PushRequest, PushResponse, MAX_BATCH_EVENTS};
use linli_core::FieldError;
use sha2::{Digest, Sha256};

use crate::apply::{self, Touched};
use crate::auth::Device;
use crate::clock;
use crate::db;
use crate::error::{ApiError, ValidJson};
use crate::state::AppState;
use crate::{registry, staff};

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
    let mut mode = Mode::Pipelined;
    loop {
        attempt += 1;
        match push_batch(&state, &device, &prepared, request.sent_at, mode).await {
            Ok(results) => {
                return Ok(Json(PushResponse {
                    results,
                    server_time: clock::now_local(),
                }))
            }
            Err(error) if attempt < RETRIES && error.is_retryable() => continue,
            // Something in the batch's content PostgreSQL would not store: find it
            // by applying the events one by one (invariant 5: never a 5xx for it).
            Err(error) if mode == Mode::Pipelined && error.is_content_error() => {
                tracing::warn!(%error, "a batch failed on its content; applying it event by event");
                mode = Mode::OneByOne;
            }
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

/// How a batch is applied. `Pipelined` sends every statement back to back in one
/// transaction: fast, but one statement PostgreSQL refuses aborts them all. When that
/// happens the batch is applied again `OneByOne`, each event under its own savepoint,
/// so the event PostgreSQL cannot store is rejected alone and the rest still commit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Pipelined,
    OneByOne,
}

async fn push_batch(
    state: &AppState,
    device: &Device,
    events: &[Prepared],
    sent_at: NaiveDateTime,
    mode: Mode,
) -> Result<Vec<EventResult>, db::DbError> {
    let mut client = state.pool.get().await?;
    let tx = client.transaction().await?;
    let mut results: Vec<Option<EventResult>> = vec![None; events.len()];
    let mut touched = Touched::default();
    // Inserted in the order the device committed them; the keys a repeat finds
    // already there are looked up together afterwards.
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut repeats = Vec::new();
    let mut candidates = Vec::new();
    for (index, event) in events.iter().enumerate() {
        match &event.parsed {
            Err(reason) => results[index] = Some(rejected(event, reason.clone())),
            Ok(parsed) => {
                if seen.insert(parsed.event_id.as_str(), index).is_some() {
                    // The same id twice in one batch: the second is a repeat.
                    repeats.push(index);
                } else {
                    candidates.push(index);
                }
            }
        }
    }
    // Events whose checks read the district's own tables (the registry): checked in
    // order against what the district has and what this batch brought before them,
    // so an event that cannot apply is rejected alone instead of failing the batch.
    let needs_state: Vec<usize> = candidates
        .iter()
        .copied()
        .filter(|&i| needs_state(parsed(&events[i])))
        .collect();
    if !needs_state.is_empty() {
        // The registry's audit triggers record which device made each change.
        tx.execute(
            "SELECT set_config('linli.device_id', $1, true)",
            &[&device.id.to_string()],
        )
        .await?;
        // A resend of an event applied before is a duplicate, whatever the checks
        // would say about it today.
        let ids: Vec<&str> = needs_state
            .iter()
            .map(|&i| parsed(&events[i]).event_id.as_str())
            .collect();
        let stored: std::collections::HashSet<String> = tx
            .query(
                "SELECT event_id FROM events WHERE device_id = $1 AND event_id = ANY($2)",
                &[&device.id, &ids],
            )
            .await?
            .iter()
            .map(|row| row.get(0))
            .collect();
        candidates.retain(|&i| {
            if stored.contains(&parsed(&events[i]).event_id) {
                repeats.push(i);
                false
            } else {
                true
            }
        });
        let of = |wanted: fn(&OutboxEvent) -> bool| -> Vec<(usize, &OutboxEvent)> {
            candidates
                .iter()
                .map(|&i| (i, parsed(&events[i])))
                .filter(|(_, event)| wanted(event))
                .collect()
        };
        let (registry_events, staff_events) = (of(registry::needs_state), of(staff::needs_state));
        let mut checked = registry::Checked::default();
        if !registry_events.is_empty() {
            checked = registry::check_batch(&tx, device, &registry_events).await?;
        }
        if !staff_events.is_empty() {
            checked
                .refused
                .extend(staff::check_batch(&tx, device, &staff_events).await?);
        }
        touched.households.extend(checked.left);
        candidates.retain(|i| match checked.refused.get(i) {
            Some(reason) => {
                results[*i] = Some(rejected(&events[*i], reason.clone()));
                false
            }
            None => true,
        });
    }
    match mode {
        Mode::Pipelined => {
            apply_pipelined(
                &tx,
                device,
                events,
                &candidates,
                &mut results,
                &mut repeats,
                &mut touched,
            )
            .await?
        }
        Mode::OneByOne => {
            apply_one_by_one(
                &tx,
                device,
                events,
                &candidates,
                &mut results,
                &mut repeats,
                &mut touched,
            )
            .await?
        }
    }
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
        registry::publish_household(&tx, &device.centre_code, household).await?;
    }
    for (kept, removed, people) in &touched.merges {
        db::add_change(
            &tx,
            Some(&device.centre_code),
            None,
            &linli_core::sync::ChangeBody::HouseholdsMerged {
                kept_household: kept.clone(),
                removed_household: removed.clone(),
                people: people.clone(),
            },
        )
        .await?;
    }
    for code in &touched.staff {
        staff::publish(&tx, &device.centre_code, code).await?;
    }
    for child in &touched.pickup_lists {
        crate::pickup::publish(&tx, &device.centre_code, child).await?;
    }
    for card in &touched.cards {
        crate::cards::publish(&tx, &device.centre_code, card).await?;
    }
    tx.commit().await?;
    Ok(results)
}

/// Whether checking this event needs the district's own tables.
fn needs_state(event: &OutboxEvent) -> bool {
    registry::needs_state(event) || staff::needs_state(event)
}

fn parsed(event: &Prepared) -> &OutboxEvent {
    event
        .parsed
        .as_ref()
        .expect("only parsed events are applied")
}

fn accepted(event: &Prepared) -> EventResult {
    EventResult {
        event_id: event.event_id.clone(),
        seq: event.seq,
        outcome: Outcome::Accepted,
        reason: None,
    }
}

/// The fast path: one statement stores every new event (the ids it returns are
/// exactly the events this batch is the first to bring), then every write goes out
/// pipelined on the one connection, run in the order sent.
async fn apply_pipelined(
    tx: &deadpool_postgres::Transaction<'_>,
    device: &Device,
    events: &[Prepared],
    candidates: &[usize],
    results: &mut [Option<EventResult>],
    repeats: &mut Vec<usize>,
    touched: &mut Touched,
) -> Result<(), db::DbError> {
    let mut columns = (
        Vec::with_capacity(candidates.len()),
        Vec::with_capacity(candidates.len()),
        Vec::with_capacity(candidates.len()),
        Vec::with_capacity(candidates.len()),
        Vec::with_capacity(candidates.len()),
        Vec::with_capacity(candidates.len()),
    );
    for &index in candidates {
        let event = &events[index];
        let parsed = parsed(event);
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
    let mut writes = Vec::new();
    for &index in candidates {
        let event = &events[index];
        let parsed = parsed(event);
        if inserted.contains(&parsed.event_id) {
            writes.extend(apply::writes(parsed, device.id, touched));
            results[index] = Some(accepted(event));
        } else {
            repeats.push(index);
        }
    }
    writes.extend(apply::attendance_write(touched));
    let mut statements = HashMap::new();
    for write in &writes {
        if !statements.contains_key(write.sql) {
            statements.insert(write.sql, tx.prepare_cached(write.sql).await?);
        }
    }
    try_join_all(writes.iter().map(|write| {
        let statement = &statements[write.sql];
        let params = write.params();
        async move { tx.execute(statement, &params).await }
    }))
    .await?;
    Ok(())
}

/// The careful path, taken only after the fast one failed on a batch's content: each
/// event is stored and applied under its own savepoint, one statement at a time, and
/// an event PostgreSQL refuses is rolled back to its savepoint and rejected with
/// PostgreSQL's reason, while every other event of the batch commits.
async fn apply_one_by_one(
    tx: &deadpool_postgres::Transaction<'_>,
    device: &Device,
    events: &[Prepared],
    candidates: &[usize],
    results: &mut [Option<EventResult>],
    repeats: &mut Vec<usize>,
    touched: &mut Touched,
) -> Result<(), db::DbError> {
    for &index in candidates {
        let event = &events[index];
        let parsed = parsed(event);
        tx.batch_execute("SAVEPOINT event").await?;
        let mut own = Touched::default();
        let attempt = async {
            let inserted = tx
                .query_opt(
                    "INSERT INTO events (device_id, event_id, seq, centre_code, kind, occurred_at, body_hash, body)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                     ON CONFLICT (device_id, event_id) DO NOTHING
                     RETURNING event_id",
                    &[
                        &device.id,
                        &parsed.event_id,
                        &event.seq,
                        &device.centre_code,
                        &parsed.kind(),
                        &parsed.occurred_at,
                        &event.hash,
                        &event.body,
                    ],
                )
                .await?
                .is_some();
            if inserted {
                let mut writes = apply::writes(parsed, device.id, &mut own);
                writes.extend(apply::attendance_write(&own));
                for write in &writes {
                    tx.execute(write.sql, &write.params()).await?;
                }
            }
            Ok::<bool, tokio_postgres::Error>(inserted)
        };
        match attempt.await {
            Ok(true) => {
                tx.batch_execute("RELEASE SAVEPOINT event").await?;
                // Everything the event touched is published after the batch, as in
                // the batch's own pass: a merge or a card left out here would never
                // reach the centre's other devices.
                touched.households.extend(own.households);
                touched.staff.extend(own.staff);
                touched.pickup_lists.extend(own.pickup_lists);
                touched.cards.extend(own.cards);
                touched.merges.extend(own.merges);
                results[index] = Some(accepted(event));
            }
            Ok(false) => {
                tx.batch_execute("RELEASE SAVEPOINT event").await?;
                repeats.push(index);
            }
            Err(error) if db::is_content_error(&error) => {
                tx.batch_execute("ROLLBACK TO SAVEPOINT event").await?;
                let detail = error
                    .as_db_error()
                    .map(|e| e.message().to_string())
                    .unwrap_or_else(|| error.to_string());
                tracing::warn!(event_id = %parsed.event_id, %detail, "event refused by the database");
                results[index] = Some(rejected(
                    event,
                    FieldError::new(
                        "event",
                        "cannot_store",
                        format!("区级后台无法保存此事件（{detail}），其余事件不受影响"),
                        format!("the district cannot store this event ({detail}); the rest of the batch is not affected"),
                    ),
                ));
            }
            Err(error) => return Err(error.into()),
        }
    }
    Ok(())
}
