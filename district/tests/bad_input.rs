//! Invariant 5 at the district: bad input gets a clear, specific JSON error (which
//! field, why) and changes nothing, and is never answered as if it were the district's
//! own failure (5xx). Invariant 4's other half: a replayed event is applied once, and
//! an altered one is refused while the first version stays.
//!
//! Each test runs a real server on its own throwaway PostgreSQL database and looks
//! at the tables afterwards, because an answer alone cannot show that nothing changed.

use chrono::NaiveDateTime;
use linli_core::outbox::{EventPayload, OutboxEvent, PROTOCOL_VERSION};
use linli_core::sync::{MAX_BATCH_EVENTS, MAX_BODY_BYTES};
use linli_district::admin;
use linli_district::testing::{TestDb, TestServer};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use serde_json::{json, Value};

use crate::common::{self, add_device, enrol, enrolled, read_answer, resident, Device};

const SENT_AT: &str = "2026-09-07T18:06:00";

/// The error body the document describes (`ErrorBody`): exactly `error` {zh, en},
/// `code` and, when the error is about one field, `field`; nothing else.
#[track_caller]
fn assert_error(answer: &(u16, Value), status: u16, code: &str, field: Option<&str>) {
    let (got, body) = answer;
    assert!(
        *got < 500,
        "bad input answered {got}, as if the district had failed: {body}"
    );
    assert_eq!(*got, status, "{body}");
    let object = body
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {body}"));
    for key in object.keys() {
        assert!(
            ["error", "code", "field"].contains(&key.as_str()),
            "undocumented key {key:?}: {body}"
        );
    }
    let words = body["error"]
        .as_object()
        .unwrap_or_else(|| panic!("no error text: {body}"));
    assert_eq!(words.len(), 2, "error has {{zh, en}} only: {body}");
    for language in ["zh", "en"] {
        assert!(
            words[language]
                .as_str()
                .is_some_and(|text| !text.trim().is_empty()),
            "the {language} message is empty: {body}"
        );
    }
    assert_eq!(body["code"], code, "{body}");
    match field {
        Some(field) => assert_eq!(body["field"], field, "{body}"),
        None => assert!(body.get("field").is_none_or(Value::is_string), "{body}"),
    }
}

fn at() -> NaiveDateTime {
    NaiveDateTime::parse_from_str("2026-09-07 18:05", "%Y-%m-%d %H:%M").unwrap()
}

fn household(code: &str, address: &str) -> EventPayload {
    EventPayload::HouseholdRegistered {
        household_code: code.into(),
        address: address.into(),
        community_code: "440306001001".into(),
    }
}

fn event(device_id: &str, centre: &str, event_id: &str, payload: EventPayload) -> Value {
    serde_json::to_value(OutboxEvent::new(event_id, device_id, centre, at(), payload)).unwrap()
}

fn batch(events: Vec<Value>) -> Value {
    let events: Vec<Value> = events
        .into_iter()
        .enumerate()
        .map(|(index, event)| json!({"seq": index + 1, "event": event}))
        .collect();
    json!({"protocol_version": 2, "sent_at": SENT_AT, "events": events})
}

async fn push(server: &TestServer, device: &Device, body: &Value) -> (u16, Value) {
    read_answer(
        device
            .post(&server.url(), "/v1/events")
            .json(body)
            .send()
            .await
            .expect("the server answers"),
    )
    .await
}

/// Sends raw bytes as the body, with the given content type (if any).
async fn push_raw(
    server: &TestServer,
    device: &Device,
    content_type: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> (u16, Value) {
    let mut request = device.post(&server.url(), "/v1/events");
    if let Some(content_type) = content_type {
        request = request.header(CONTENT_TYPE, content_type);
    }
    read_answer(request.body(body).send().await.expect("the server answers")).await
}

fn outcomes(body: &Value) -> Vec<(String, Option<String>, Option<String>)> {
    body["results"]
        .as_array()
        .unwrap_or_else(|| panic!("no results: {body}"))
        .iter()
        .map(|result| {
            (
                result["outcome"].as_str().unwrap().to_string(),
                result["reason"]["code"].as_str().map(str::to_string),
                result["reason"]["field"].as_str().map(str::to_string),
            )
        })
        .collect()
}

fn accepted() -> (String, Option<String>, Option<String>) {
    ("accepted".into(), None, None)
}

fn rejected(code: &str, field: &str) -> (String, Option<String>, Option<String>) {
    ("rejected".into(), Some(code.into()), Some(field.into()))
}

/// One number from PostgreSQL, e.g. a row count.
fn count(db: &TestDb, sql: &'static str) -> i64 {
    db.run(move |pool| async move {
        let client = pool.get().await.unwrap();
        client.query_one(sql, &[]).await.unwrap().get(0)
    })
}

fn text(db: &TestDb, sql: &'static str) -> String {
    db.run(move |pool| async move {
        let client = pool.get().await.unwrap();
        client.query_one(sql, &[]).await.unwrap().get(0)
    })
}

#[tokio::test]
async fn malformed_json_is_400_and_changes_nothing() {
    let db = TestDb::create();
    let server = TestServer::start(&db.url);
    let device = enrolled(&db, &server, "C-1", "kiosk-1").await;
    let good = batch(vec![event(
        &device.id,
        "C-1",
        "e-1",
        household("H-1", "1栋101"),
    )])
    .to_string();
    for body in [
        "",
        "{",
        "[1,",
        "not json",
        "{\"protocol_version\": 2,}",
        &good[..good.len() - 1],
    ] {
        let answer = push_raw(&server, &device, Some("application/json"), body.to_string()).await;
        assert_error(&answer, 400, "malformed_json", None);
    }
    let answer = read_answer(
        common::post(&server.url(), "/v1/enrol")
            .header(CONTENT_TYPE, "application/json")
            .body("{\"code\": ")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(&answer, 400, "malformed_json", None);
    assert_eq!(count(&db, "SELECT count(*) FROM events"), 0);
}

#[tokio::test]
async fn a_body_not_declared_as_json_is_415() {
    let db = TestDb::create();
    let server = TestServer::start(&db.url);
    let device = enrolled(&db, &server, "C-1", "kiosk-1").await;
    let good = batch(vec![event(
        &device.id,
        "C-1",
        "e-1",
        household("H-1", "1栋101"),
    )])
    .to_string();
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("application/xml"),
    ] {
        let answer = push_raw(&server, &device, content_type, good.clone()).await;
        assert_error(&answer, 415, "not_json", None);
    }
    let (code, _) = add_device(&db, "C-1", "kiosk-2");
    let answer = read_answer(
        common::post(&server.url(), "/v1/enrol")
            .header(CONTENT_TYPE, "text/plain")
            .body(json!({"code": code}).to_string())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(&answer, 415, "not_json", None);
    assert_eq!(count(&db, "SELECT count(*) FROM events"), 0);
    // The refused enrolment left its code usable.
    assert_eq!(enrol(&server, &code).await.status(), 200);
}

/// A batch whose JSON is exactly `size` bytes: one event padded out, which the server
/// answers per event (it is no outbox event) once the body is within the limit.
fn padded_batch(size: usize) -> Vec<u8> {
    let empty = json!({"protocol_version": 2, "sent_at": SENT_AT, "events": [{"seq": 1, "event": {"pad": ""}}]}).to_string();
    let pad = "x".repeat(size - empty.len());
    let body = json!({"protocol_version": 2, "sent_at": SENT_AT, "events": [{"seq": 1, "event": {"pad": pad}}]}).to_string();
    assert_eq!(body.len(), size);
    body.into_bytes()
}

#[tokio::test]
async fn a_body_over_the_limit_with_content_length_is_413_json() {
    let db = TestDb::create();
    let server = TestServer::start(&db.url);
    let device = enrolled(&db, &server, "C-1", "kiosk-1").await;
    // Right at the limit the body is read (and its one event refused on its own) ...
    let (status, body) = push_raw(
        &server,
        &device,
        Some("application/json"),
        padded_batch(MAX_BODY_BYTES),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        outcomes(&body),
        vec![rejected("missing_schema_version", "schema_version")]
    );
    // ... and one byte over it is not.
    let answer = push_raw(
        &server,
        &device,
        Some("application/json"),
        padded_batch(MAX_BODY_BYTES + 1),
    )
    .await;
    assert_error(&answer, 413, "too_large", None);
    let answer = read_answer(
        common::post(&server.url(), "/v1/enrol")
            .header(CONTENT_TYPE, "application/json")
            .body(format!("{{\"code\": \"{}\"}}", "A".repeat(MAX_BODY_BYTES)))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(&answer, 413, "too_large", None);
}

/// Without Content-Length the server only learns the size while reading; the answer
/// must still be our JSON 413, not axum's plain-text one.
#[tokio::test]
async fn a_chunked_body_over_the_limit_is_413_json() {
    let db = TestDb::create();
    let server = TestServer::start(&db.url);
    let device = enrolled(&db, &server, "C-1", "kiosk-1").await;
    let chunked = |bytes: Vec<u8>| {
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
            bytes.chunks(64 * 1024).map(|c| Ok(c.to_vec())).collect();
        reqwest::Body::wrap_stream(futures_util::stream::iter(chunks))
    };
    let (status, body) = push_raw(
        &server,
        &device,
        Some("application/json"),
        chunked(padded_batch(MAX_BODY_BYTES)),
    )
    .await;
    assert_eq!(
        status, 200,
        "a chunked body within the limit is read: {body}"
    );
    let answer = push_raw(
        &server,
        &device,
        Some("application/json"),
        chunked(padded_batch(MAX_BODY_BYTES + 1)),
    )
    .await;
    assert_error(&answer, 413, "too_large", None);
    let answer = read_answer(
        common::post(&server.url(), "/v1/enrol")
            .header(CONTENT_TYPE, "application/json")
            .body(chunked(
                format!("{{\"code\": \"{}\"}}", "A".repeat(MAX_BODY_BYTES)).into_bytes(),
            ))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(&answer, 413, "too_large", None);
}

#[tokio::test]
async fn more_events_than_a_batch_takes_is_413_and_applies_none() {
    let db = TestDb::create();
    let server = TestServer::start(&db.url);
    let device = enrolled(&db, &server, "C-1", "kiosk-1").await;
    let events = |n: usize| -> Vec<Value> {
        (0..n)
            .map(|i| {
                event(
                    &device.id,
                    "C-1",
                    &format!("e-{i}"),
                    household(&format!("H-{i}"), "1栋101"),
                )
            })
            .collect()
    };
    let answer = push(&server, &device, &batch(events(MAX_BATCH_EVENTS + 1))).await;
    assert_error(&answer, 413, "batch_too_large", Some("events"));
    assert_eq!(count(&db, "SELECT count(*) FROM events"), 0);
    assert_eq!(count(&db, "SELECT count(*) FROM households"), 0);
    // A full batch is fine: the limit is not off by one.
    let (status, body) = push(&server, &device, &batch(events(MAX_BATCH_EVENTS))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        count(&db, "SELECT count(*) FROM events"),
        MAX_BATCH_EVENTS as i64
    );
}

#[tokio::test]
async fn a_wrong_protocol_version_is_refused_whole() {
    let db = TestDb::create();
    let server = TestServer::start(&db.url);
    let device = enrolled(&db, &server, "C-1", "kiosk-1").await;
    let with_version = |version: Value| {
        let mut body = batch(vec![event(
            &device.id,
            "C-1",
            "e-1",
            household("H-1", "1栋101"),
        )]);
        body["protocol_version"] = version;
        body
    };
    for version in [json!(0), json!(PROTOCOL_VERSION + 1), json!(65535)] {
        let answer = push(&server, &device, &with_version(version)).await;
        assert_error(
            &answer,
            400,
            "unsupported_protocol_version",
            Some("protocol_version"),
        );
    }
    // Not a version number at all: the body does not fit the schema.
    for version in [json!(-1), json!(65536), json!("2"), json!(2.5), Value::Null] {
        let answer = push(&server, &device, &with_version(version)).await;
        assert_error(&answer, 422, "invalid_body", None);
    }
    let mut missing = with_version(json!(2));
    missing.as_object_mut().unwrap().remove("protocol_version");
    assert_error(
        &push(&server, &device, &missing).await,
        422,
        "invalid_body",
        None,
    );
    assert_eq!(count(&db, "SELECT count(*) FROM events"), 0);
}

#[tokio::test]
async fn unknown_fields_are_refused_not_ignored() {
    let db = TestDb::create();
    let server = TestServer::start(&db.url);
    let device = enrolled(&db, &server, "C-1", "kiosk-1").await;
    let good = batch(vec![event(
        &device.id,
        "C-1",
        "e-1",
        household("H-1", "1栋101"),
    )]);
    let mut extra = good.clone();
    extra["priority"] = json!("high");
    let answer = push(&server, &device, &extra).await;
    assert_error(&answer, 422, "invalid_body", None);
    assert!(
        answer.1["error"]["en"]
            .as_str()
            .unwrap()
            .contains("priority"),
        "the message names the field: {}",
        answer.1
    );
    let mut extra = good.clone();
    extra["events"][0]["sent_twice"] = json!(true);
    assert_error(
        &push(&server, &device, &extra).await,
        422,
        "invalid_body",
        None,
    );
    assert_eq!(count(&db, "SELECT count(*) FROM events"), 0);

    let (code, _) = add_device(&db, "C-1", "kiosk-2");
    let answer = read_answer(
        common::post(&server.url(), "/v1/enrol")
            .json(&json!({"code": code, "name": "kiosk-2"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(&answer, 422, "invalid_body", None);

    let answer = read_answer(
        device
            .get(&server.url(), "/v1/changes?after=0&since=5")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(&answer, 400, "invalid_query", None);
}

#[tokio::test]
async fn a_negative_or_garbage_cursor_is_400() {
    let db = TestDb::create();
    let server = TestServer::start(&db.url);
    let device = enrolled(&db, &server, "C-1", "kiosk-1").await;
    let pull = |query: &str| {
        let request = device.get(&server.url(), &format!("/v1/changes?{query}"));
        async move { read_answer(request.send().await.unwrap()).await }
    };
    for query in ["after=-1".to_string(), format!("after={}", i64::MIN)] {
        assert_error(&pull(&query).await, 400, "invalid_cursor", Some("after"));
    }
    for query in [
        "after=abc",
        "after=1.5",
        "after=",
        "after=99999999999999999999",
        "after=0x10",
        "limit=-1",
        "limit=many",
        "after=1&after=2",
    ] {
        assert_error(&pull(query).await, 400, "invalid_query", None);
    }
    // The edges that are fine.
    for query in ["", "after=0", "after=0&limit=0", "limit=1000000"] {
        let (status, body) = pull(query).await;
        assert_eq!(status, 200, "?{query}: {body}");
    }
}

#[tokio::test]
async fn a_missing_unknown_or_garbage_credential_is_401() {
    let db = TestDb::create();
    let server = TestServer::start(&db.url);
    let device = enrolled(&db, &server, "C-1", "kiosk-1").await;
    let body = batch(vec![event(
        &device.id,
        "C-1",
        "e-1",
        household("H-1", "1栋101"),
    )]);
    let unknown = format!("Bearer {}", "ab".repeat(32));
    let too_long = format!("Bearer {}", "a".repeat(200));
    let wrong_scheme = format!("Basic {}", device.credential);
    let bare = device.credential.clone();
    let tokens: Vec<Option<&str>> = vec![
        None,
        Some(""),
        Some("Bearer"),
        Some("Bearer "),
        Some("Bearer    "),
        Some(&unknown),
        Some(&too_long),
        Some(&wrong_scheme),
        Some(&bare),
        Some("Bearer ' OR '1'='1"),
    ];
    for token in tokens {
        let mut push = common::post(&server.url(), "/v1/events").json(&body);
        let mut pull = common::get(&server.url(), "/v1/changes");
        if let Some(token) = token {
            push = push.header(AUTHORIZATION, token);
            pull = pull.header(AUTHORIZATION, token);
        }
        assert_error(
            &read_answer(push.send().await.unwrap()).await,
            401,
            "unauthorized",
            None,
        );
        assert_error(
            &read_answer(pull.send().await.unwrap()).await,
            401,
            "unauthorized",
            None,
        );
    }
    // Bytes that are not text in the header.
    let raw = reqwest::header::HeaderValue::from_bytes(b"Bearer \xff\xfe").unwrap();
    let answer = read_answer(
        common::get(&server.url(), "/v1/changes")
            .header(AUTHORIZATION, raw)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(&answer, 401, "unauthorized", None);
    assert_eq!(count(&db, "SELECT count(*) FROM events"), 0);
}

#[tokio::test]
async fn a_revoked_device_is_401_from_then_on() {
    let db = TestDb::create();
    let server = TestServer::start(&db.url);
    let device = enrolled(&db, &server, "C-1", "kiosk-1").await;
    let first = batch(vec![event(
        &device.id,
        "C-1",
        "e-1",
        household("H-1", "1栋101"),
    )]);
    let (status, body) = push(&server, &device, &first).await;
    assert_eq!(status, 200, "{body}");
    let id = device.id.clone();
    db.run(move |pool| async move { admin::device_revoke(&pool, &id).await.expect("revoked") });
    let second = batch(vec![event(
        &device.id,
        "C-1",
        "e-2",
        household("H-2", "2栋202"),
    )]);
    assert_error(
        &push(&server, &device, &second).await,
        401,
        "unauthorized",
        None,
    );
    let pulled = read_answer(
        device
            .get(&server.url(), "/v1/changes")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(&pulled, 401, "unauthorized", None);
    assert_eq!(count(&db, "SELECT count(*) FROM events"), 1);
    assert_eq!(
        count(&db, "SELECT count(*) FROM households WHERE code = 'H-2'"),
        0
    );
}

#[tokio::test]
async fn an_event_for_another_centre_or_device_is_rejected_alone() {
    let db = TestDb::create();
    let server = TestServer::start(&db.url);
    let mine = enrolled(&db, &server, "C-1", "kiosk-1").await;
    let other = enrolled(&db, &server, "C-2", "kiosk-1").await;
    let neighbour = enrolled(&db, &server, "C-1", "kiosk-2").await;
    let body = batch(vec![
        event(&mine.id, "C-1", "e-1", household("H-1", "1栋101")),
        event(&mine.id, "C-2", "e-2", household("H-2", "2栋202")),
        event(&other.id, "C-2", "e-3", household("H-3", "3栋303")),
        event(&neighbour.id, "C-1", "e-4", household("H-4", "4栋404")),
        event(&mine.id, "C-1", "e-5", household("H-5", "5栋505")),
    ]);
    let (status, answer) = push(&server, &mine, &body).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        outcomes(&answer),
        vec![
            accepted(),
            rejected("wrong_centre", "centre_code"),
            rejected("wrong_device", "device_id"),
            rejected("wrong_device", "device_id"),
            accepted(),
        ]
    );
    assert_eq!(count(&db, "SELECT count(*) FROM events"), 2);
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM households WHERE code IN ('H-2', 'H-3', 'H-4')"
        ),
        0
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM households WHERE centre_code = 'C-2'"
        ),
        0
    );
    // Parked for district staff, with their reasons.
    assert_eq!(count(&db, "SELECT count(*) FROM rejected_events"), 3);
}

#[tokio::test]
async fn a_replayed_event_is_a_duplicate_applied_once() {
    let db = TestDb::create();
    let server = TestServer::start(&db.url);
    let device = enrolled(&db, &server, "C-1", "kiosk-1").await;
    let body = batch(vec![event(
        &device.id,
        "C-1",
        "e-1",
        household("H-1", "1栋101"),
    )]);
    let (_, first) = push(&server, &device, &body).await;
    assert_eq!(outcomes(&first), vec![accepted()]);
    for _ in 0..3 {
        let (status, again) = push(&server, &device, &body).await;
        assert_eq!(status, 200);
        assert_eq!(
            outcomes(&again),
            vec![("duplicate".to_string(), None, None)]
        );
    }
    // Twice within one batch: the second copy is the duplicate.
    let twice = batch(vec![
        event(&device.id, "C-1", "e-2", household("H-2", "2栋202")),
        event(&device.id, "C-1", "e-2", household("H-2", "2栋202")),
    ]);
    let (_, answer) = push(&server, &device, &twice).await;
    assert_eq!(
        outcomes(&answer),
        vec![accepted(), ("duplicate".to_string(), None, None)]
    );
    assert_eq!(
        count(&db, "SELECT count(*) FROM events WHERE event_id = 'e-1'"),
        1
    );
    assert_eq!(count(&db, "SELECT count(*) FROM events"), 2);
    // Applying a household publishes it to every centre: once per household, however
    // often its event came.
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM changes WHERE kind = 'household_known'"
        ),
        2
    );
    assert_eq!(count(&db, "SELECT count(*) FROM rejected_events"), 0);
}

#[tokio::test]
async fn the_same_event_id_with_other_content_is_rejected_and_the_first_kept() {
    let db = TestDb::create();
    let server = TestServer::start(&db.url);
    let device = enrolled(&db, &server, "C-1", "kiosk-1").await;
    let first = batch(vec![event(
        &device.id,
        "C-1",
        "e-1",
        household("H-1", "1栋101"),
    )]);
    push(&server, &device, &first).await;
    let altered = batch(vec![
        event(&device.id, "C-1", "e-1", household("H-1", "9栋909")),
        event(&device.id, "C-1", "e-2", household("H-2", "2栋202")),
    ]);
    let (status, answer) = push(&server, &device, &altered).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        outcomes(&answer),
        vec![rejected("altered_event", "event_id"), accepted()]
    );
    assert_eq!(
        text(&db, "SELECT address FROM households WHERE code = 'H-1'"),
        "1栋101"
    );
    assert_eq!(
        text(
            &db,
            "SELECT body->'payload'->>'address' FROM events WHERE event_id = 'e-1'"
        ),
        "1栋101"
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM rejected_events WHERE code = 'altered_event'"
        ),
        1
    );
    // The first version sent again is still just a duplicate.
    let (_, again) = push(&server, &device, &first).await;
    assert_eq!(
        outcomes(&again),
        vec![("duplicate".to_string(), None, None)]
    );
}

#[tokio::test]
async fn an_event_the_district_cannot_read_is_rejected_with_its_reason() {
    let db = TestDb::create();
    let server = TestServer::start(&db.url);
    let device = enrolled(&db, &server, "C-1", "kiosk-1").await;
    let mut newer = event(&device.id, "C-1", "e-2", household("H-2", "2栋202"));
    newer["schema_version"] = json!(PROTOCOL_VERSION + 1);
    let mut unknown_type = event(&device.id, "C-1", "e-3", household("H-3", "3栋303"));
    unknown_type["payload"] = json!({"type": "parcel_received", "parcel": "P-1"});
    let mut no_version = event(&device.id, "C-1", "e-4", household("H-4", "4栋404"));
    no_version.as_object_mut().unwrap().remove("schema_version");
    let mut incomplete = event(&device.id, "C-1", "e-5", household("H-5", "5栋505"));
    incomplete["payload"]
        .as_object_mut()
        .unwrap()
        .remove("address");
    let mut bad_level = event(
        &device.id,
        "C-1",
        "e-6",
        EventPayload::RatingSubmitted {
            rating_id: "R-1".into(),
            service_ref: "ASC/2026-09-07".into(),
            programme_code: "ASC".into(),
            level: 5,
            reason_tags: vec![],
        },
    );
    bad_level["payload"]["level"] = json!(9);
    let body = batch(vec![
        event(&device.id, "C-1", "e-1", household("H-1", "1栋101")),
        newer,
        unknown_type,
        no_version,
        incomplete,
        json!(42),
        bad_level,
        event(&device.id, "C-1", "e-7", household("H-7", "7栋707")),
    ]);
    let (status, answer) = push(&server, &device, &body).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        outcomes(&answer),
        vec![
            accepted(),
            rejected("unsupported_schema_version", "schema_version"),
            rejected("unknown_event_type", "payload.type"),
            rejected("missing_schema_version", "schema_version"),
            rejected("malformed_event", "event"),
            rejected("missing_schema_version", "schema_version"),
            rejected("out_of_range", "payload.level"),
            accepted(),
        ]
    );
    let results = answer["results"].as_array().unwrap();
    assert!(
        results[1]["reason"]["message"]["en"]
            .as_str()
            .unwrap()
            .contains(&format!("schema version {}", PROTOCOL_VERSION + 1)),
        "{answer}"
    );
    assert!(
        results[2]["reason"]["message"]["en"]
            .as_str()
            .unwrap()
            .contains("parcel_received"),
        "{answer}"
    );
    assert_eq!(
        results[1]["event_id"], "e-2",
        "the answer names the rejected event"
    );
    assert_eq!(count(&db, "SELECT count(*) FROM events"), 2);
    assert_eq!(count(&db, "SELECT count(*) FROM households"), 2);
    assert_eq!(count(&db, "SELECT count(*) FROM rejected_events"), 6);
}

#[tokio::test]
async fn a_wrong_or_used_enrolment_code_is_refused() {
    let db = TestDb::create();
    let server = TestServer::start(&db.url);
    let (code, _) = add_device(&db, "C-1", "kiosk-1");
    // Typed as a person might: lower case, spaces instead of dashes.
    let typed = code.to_lowercase().replace('-', " ");
    assert_eq!(enrol(&server, &typed).await.status(), 200);
    assert_error(
        &read_answer(enrol(&server, &code).await).await,
        401,
        "unknown_code",
        Some("code"),
    );
    assert_error(
        &read_answer(enrol(&server, "ABCD-EFGH-JKMN").await).await,
        401,
        "unknown_code",
        Some("code"),
    );
    for garbage in [
        "",
        "abc",
        "ABCD-EFGH-JKMN-P",
        "登记码登记码登记码登记码",
        "'; DROP TABLE devices; --",
    ] {
        assert_error(
            &read_answer(enrol(&server, garbage).await).await,
            400,
            "invalid_code",
            Some("code"),
        );
    }
    // A device revoked before it enrolled cannot enrol with its code.
    let (code, id) = add_device(&db, "C-1", "kiosk-2");
    db.run(move |pool| async move { admin::device_revoke(&pool, &id).await.expect("revoked") });
    assert_error(
        &read_answer(enrol(&server, &code).await).await,
        401,
        "unknown_code",
        Some("code"),
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM devices WHERE credential_hash IS NOT NULL"
        ),
        1
    );
}

/// Content serde reads but PostgreSQL cannot store: a NUL character, a date before
/// 4713 BC. Each must be rejected on its own like any unreadable event; today the
/// whole batch fails with 503 instead, and since the device resends the same batch,
/// that one event holds its queue up for good.
#[tokio::test]
async fn an_event_postgresql_cannot_store_is_rejected_alone() {
    let db = TestDb::create();
    let server = TestServer::start(&db.url);
    let device = enrolled(&db, &server, "C-1", "kiosk-1").await;
    let mut ancient = event(&device.id, "C-1", "e-ancient", household("H-3", "3栋303"));
    ancient["occurred_at"] = json!("-200000-01-01T00:00:00");
    let unstorable = vec![
        event(&device.id, "C-1", "e-nul", household("H-2", "2栋\u{0}202")),
        event(&device.id, "C-1", "e-\u{0}", household("H-2", "2栋202")),
        ancient,
        event(
            &device.id,
            "C-1",
            "e-date",
            EventPayload::AttendanceRecorded {
                programme_code: "ASC".into(),
                session_date: chrono::NaiveDate::from_ymd_opt(-5000, 1, 1).unwrap(),
                resident_id_number: "11010519491231002X".into(),
                kind: linli_core::outbox::AttendanceEventKind::CheckIn,
                at: at(),
                picked_up_by: None,
                left_alone: false,
            },
        ),
    ];
    for (index, bad) in unstorable.into_iter().enumerate() {
        let good = event(
            &device.id,
            "C-1",
            &format!("good-{index}"),
            household(&format!("H-good-{index}"), "1栋101"),
        );
        let (status, answer) = push(&server, &device, &batch(vec![good, bad])).await;
        assert_eq!(status, 200, "case {index}: {answer}");
        let results = outcomes(&answer);
        assert_eq!(results[0], accepted(), "case {index}: {answer}");
        assert_eq!(results[1].0, "rejected", "case {index}: {answer}");
    }
}

/// Minutes and seat totals are u32 on the wire and `integer` in PostgreSQL; a value
/// beyond i32 is today stored wrapped (4294967295 minutes become -1) and accepted.
#[tokio::test]
async fn a_number_beyond_the_column_is_rejected_not_wrapped() {
    let db = TestDb::create();
    let server = TestServer::start(&db.url);
    let device = enrolled(&db, &server, "C-1", "kiosk-1").await;
    let shift = event(
        &device.id,
        "C-1",
        "e-1",
        EventPayload::ShiftRecorded {
            shift_id: "S-1".into(),
            volunteer_id_number: "11010519491231002X".into(),
            activity: "长者探访".into(),
            clock_in: at(),
            clock_out: None,
            minutes: u32::MAX,
            status: "pending".into(),
        },
    );
    let (status, answer) = push(&server, &device, &batch(vec![shift])).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(outcomes(&answer)[0].0, "rejected", "{answer}");
    assert_eq!(
        count(&db, "SELECT count(*) FROM shifts WHERE minutes < 0"),
        0
    );
}

fn roll_call(
    kind: linli_core::outbox::AttendanceEventKind,
    at: &str,
    by: Option<&str>,
) -> EventPayload {
    EventPayload::AttendanceRecorded {
        programme_code: "ASC".into(),
        session_date: chrono::NaiveDate::from_ymd_opt(2026, 9, 7).unwrap(),
        resident_id_number: "11010519491231002X".into(),
        kind,
        at: NaiveDateTime::parse_from_str(at, "%Y-%m-%d %H:%M").unwrap(),
        picked_up_by: by.map(str::to_string),
        left_alone: false,
    }
}

/// Roll call is written a batch at a time, merged per child and session: the result
/// must be what applying each event in order would leave, across batches too.
#[tokio::test]
async fn roll_call_in_one_batch_or_many_leaves_what_each_event_in_order_would() {
    use linli_core::outbox::AttendanceEventKind::{CheckIn, CheckOut};
    let db = TestDb::create();
    let server = TestServer::start(&db.url);
    let device = enrolled(&db, &server, "C-1", "kiosk-1").await;
    let events = vec![
        event(
            &device.id,
            "C-1",
            "a-1",
            roll_call(CheckIn, "2026-09-07 16:30", None),
        ),
        event(
            &device.id,
            "C-1",
            "a-2",
            roll_call(CheckOut, "2026-09-07 18:00", Some("李四 (母亲)")),
        ),
        // Back after leaving, then the grandmother collects: the last of each counts.
        event(
            &device.id,
            "C-1",
            "a-3",
            roll_call(CheckIn, "2026-09-07 18:10", None),
        ),
        event(
            &device.id,
            "C-1",
            "a-4",
            roll_call(CheckOut, "2026-09-07 18:40", Some("王五 (祖母)")),
        ),
    ];
    let (status, answer) = push(&server, &device, &batch(events)).await;
    assert_eq!(status, 200, "{answer}");
    let row = "SELECT to_char(checked_in_at, 'HH24:MI') || ' ' || to_char(checked_out_at, 'HH24:MI') || ' ' || picked_up_by FROM attendance";
    assert_eq!(text(&db, row), "18:10 18:40 王五 (祖母)");
    // A later batch with only an arrival (a correction) keeps the departure it lacks.
    let later = vec![event(
        &device.id,
        "C-1",
        "a-5",
        roll_call(CheckIn, "2026-09-07 16:45", None),
    )];
    let (status, answer) = push(&server, &device, &batch(later)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(text(&db, row), "16:45 18:40 王五 (祖母)");
    assert_eq!(count(&db, "SELECT count(*) FROM attendance"), 1);
}

/// A resident whose household the district never heard of used to fail the batch's
/// transaction on the foreign key: 503 for the whole batch, resent for ever, so that
/// kiosk's queue was blocked for good. Now it is rejected alone with its reason.
#[tokio::test]
async fn a_resident_of_an_unknown_household_is_rejected_alone_and_the_batch_commits() {
    let db = TestDb::create();
    let server = TestServer::start(&db.url);
    let device = enrolled(&db, &server, "C-1", "kiosk-1").await;
    let body = batch(vec![
        event(&device.id, "C-1", "e-1", household("H-1", "1栋101")),
        event(
            &device.id,
            "C-1",
            "e-2",
            resident("H-NOWHERE", "11010519491231002X", "张三"),
        ),
        // Registered earlier in the same batch: known by the time its member comes.
        event(
            &device.id,
            "C-1",
            "e-3",
            resident("H-1", "110105201503010029", "张小明"),
        ),
        event(&device.id, "C-1", "e-4", household("H-4", "4栋404")),
    ]);
    let (status, answer) = push(&server, &device, &body).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        outcomes(&answer),
        vec![
            accepted(),
            rejected("unknown_household", "payload.household_code"),
            accepted(),
            accepted(),
        ]
    );
    let reason = &answer["results"][1]["reason"]["message"];
    assert!(
        reason["en"].as_str().unwrap().contains("H-NOWHERE")
            && reason["zh"].as_str().unwrap().contains("H-NOWHERE"),
        "the reason names the household: {answer}"
    );
    assert_eq!(count(&db, "SELECT count(*) FROM events"), 3);
    assert_eq!(count(&db, "SELECT count(*) FROM residents"), 1);
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM rejected_events WHERE code = 'unknown_household'"
        ),
        1
    );
    // Resent (as a device does until it parks it), it is rejected again, not applied;
    // once its household arrives, a new registration of the person goes through.
    let (_, again) = push(&server, &device, &body).await;
    assert_eq!(
        outcomes(&again)[1],
        rejected("unknown_household", "payload.household_code")
    );
    let later = batch(vec![
        event(&device.id, "C-1", "e-5", household("H-NOWHERE", "9栋909")),
        event(
            &device.id,
            "C-1",
            "e-6",
            resident("H-NOWHERE", "11010519491231002X", "张三"),
        ),
    ]);
    let (_, answer) = push(&server, &device, &later).await;
    assert_eq!(outcomes(&answer), vec![accepted(), accepted()]);
    assert_eq!(count(&db, "SELECT count(*) FROM residents"), 2);
}

/// Whatever PostgreSQL itself refuses in an event that passed every check (here a
/// constraint the test adds, standing for any the checks might miss), the batch is
/// applied again event by event: that event is rejected with PostgreSQL's reason and
/// every other one commits. Never a 5xx for a device's data.
#[tokio::test]
async fn an_event_postgresql_refuses_after_the_checks_is_rejected_alone() {
    let db = TestDb::create();
    let server = TestServer::start(&db.url);
    let device = enrolled(&db, &server, "C-1", "kiosk-1").await;
    db.run(|pool| async move {
        let client = pool.get().await.unwrap();
        client
            .batch_execute(
                "ALTER TABLE households ADD CONSTRAINT no_refused_addresses CHECK (address NOT LIKE '%REFUSED%')",
            )
            .await
            .unwrap();
    });
    let body = batch(vec![
        event(&device.id, "C-1", "e-1", household("H-1", "1栋101")),
        event(&device.id, "C-1", "e-2", household("H-2", "REFUSED 2栋")),
        event(
            &device.id,
            "C-1",
            "e-3",
            resident("H-1", "11010519491231002X", "张三"),
        ),
        event(&device.id, "C-1", "e-4", roll_call_event()),
    ]);
    let (status, answer) = push(&server, &device, &body).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        outcomes(&answer),
        vec![
            accepted(),
            rejected("cannot_store", "event"),
            accepted(),
            accepted(),
        ]
    );
    assert!(
        answer["results"][1]["reason"]["message"]["en"]
            .as_str()
            .unwrap()
            .contains("no_refused_addresses"),
        "PostgreSQL's reason is passed on: {answer}"
    );
    assert_eq!(count(&db, "SELECT count(*) FROM events"), 3);
    assert_eq!(count(&db, "SELECT count(*) FROM households"), 1);
    assert_eq!(count(&db, "SELECT count(*) FROM residents"), 1);
    assert_eq!(count(&db, "SELECT count(*) FROM attendance"), 1);
    // The events that committed are duplicates when sent again; the refused one is
    // refused again.
    let (status, again) = push(&server, &device, &body).await;
    assert_eq!(status, 200, "{again}");
    let duplicate = ("duplicate".to_string(), None, None);
    assert_eq!(
        outcomes(&again),
        vec![
            duplicate.clone(),
            rejected("cannot_store", "event"),
            duplicate.clone(),
            duplicate,
        ]
    );
}

fn roll_call_event() -> EventPayload {
    roll_call(
        linli_core::outbox::AttendanceEventKind::CheckIn,
        "2026-09-07 16:30",
        None,
    )
}

// ---------------------------------------------------------------------------------
// The registry across centres (issue 10, invariant 10).

const ZHANG: &str = "11010519491231002X";
const ZHANG_PHONE: &str = "13800138000";

/// A centre with its own name (so a refusal can be seen to name it) and a device.
async fn device_of(db: &TestDb, server: &TestServer, centre: &str, centre_name: &str) -> Device {
    let (code, name) = (centre.to_string(), centre_name.to_string());
    db.run(move |pool| async move {
        admin::centre_add(&pool, &code, &name, "440306", "440306001001")
            .await
            .expect("the centre is added");
    });
    enrolled(db, server, centre, "kiosk-1").await
}

async fn pull_households(server: &TestServer, device: &Device) -> Vec<Value> {
    let (status, body) = read_answer(
        device
            .get(&server.url(), "/v1/changes?after=0")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["change"].clone())
        .filter(|c| c["type"] == "household_known")
        .collect()
}

#[tokio::test]
async fn two_centres_each_keep_their_own_household_001_and_see_only_their_own() {
    let db = TestDb::create();
    let server = TestServer::start(&db.url);
    let a = device_of(&db, &server, "C-A", "海富社区服务中心").await;
    let b = device_of(&db, &server, "C-B", "兴业社区服务中心").await;
    let (_, answer) = push(
        &server,
        &a,
        &batch(vec![
            event(&a.id, "C-A", "a-1", household("001", "海富1栋101")),
            event(&a.id, "C-A", "a-2", resident("001", ZHANG, "张三")),
        ]),
    )
    .await;
    assert_eq!(outcomes(&answer), vec![accepted(), accepted()]);
    let (_, answer) = push(
        &server,
        &b,
        &batch(vec![
            event(&b.id, "C-B", "b-1", household("001", "兴业9栋909")),
            event(
                &b.id,
                "C-B",
                "b-2",
                resident("001", "110105201503010029", "李四"),
            ),
        ]),
    )
    .await;
    assert_eq!(outcomes(&answer), vec![accepted(), accepted()]);
    assert_eq!(
        count(&db, "SELECT count(*) FROM households WHERE code = '001'"),
        2
    );
    assert_eq!(
        text(
            &db,
            "SELECT address FROM households WHERE centre_code = 'C-A' AND code = '001'"
        ),
        "海富1栋101",
        "B's household 001 did not overwrite A's"
    );
    // Each centre's devices receive their own households only.
    let at_a = pull_households(&server, &a).await;
    assert_eq!(at_a.len(), 1, "{at_a:?}");
    assert_eq!(at_a[0]["centre_code"], "C-A");
    assert_eq!(at_a[0]["address"], "海富1栋101");
    assert_eq!(at_a[0]["members"][0]["id_number"], ZHANG);
    let at_b = pull_households(&server, &b).await;
    assert_eq!(at_b.len(), 1, "{at_b:?}");
    assert_eq!(at_b[0]["centre_code"], "C-B");
    assert!(
        !at_b.iter().any(|h| h.to_string().contains(ZHANG)),
        "B's device never receives A's resident: {at_b:?}"
    );
}

#[tokio::test]
async fn a_device_of_another_centre_cannot_change_or_move_a_resident() {
    let db = TestDb::create();
    let server = TestServer::start(&db.url);
    let a = device_of(&db, &server, "C-A", "海富社区服务中心").await;
    let b = device_of(&db, &server, "C-B", "兴业社区服务中心").await;
    push(
        &server,
        &a,
        &batch(vec![
            event(&a.id, "C-A", "a-1", household("001", "海富1栋101")),
            event(&a.id, "C-A", "a-2", resident("001", ZHANG, "张三")),
        ]),
    )
    .await;
    let (status, answer) = push(
        &server,
        &b,
        &batch(vec![
            event(&b.id, "C-B", "b-1", household("001", "兴业9栋909")),
            // Into B's own household 001: a move to another centre.
            event(&b.id, "C-B", "b-2", resident("001", ZHANG, "张叁")),
            event(&b.id, "C-B", "b-3", household("002", "兴业8栋808")),
            event(&b.id, "C-B", "b-4", resident("002", ZHANG, "张三")),
        ]),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        outcomes(&answer),
        vec![
            accepted(),
            rejected("registered_elsewhere", "payload.id_number"),
            accepted(),
            rejected("registered_elsewhere", "payload.id_number"),
        ]
    );
    let reason = &answer["results"][1]["reason"]["message"];
    assert!(
        reason["zh"].as_str().unwrap().contains("海富社区服务中心")
            && reason["en"].as_str().unwrap().contains("海富社区服务中心"),
        "the refusal names the owning centre in words: {answer}"
    );
    assert_eq!(
        text(
            &db,
            "SELECT centre_code || ' ' || household_code || ' ' || name FROM residents WHERE id_number = '11010519491231002X'"
        ),
        "C-A 001 张三",
        "the resident at the owning centre is unchanged"
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM rejected_events WHERE code = 'registered_elsewhere'"
        ),
        2
    );
    // The owning centre still changes its own resident, and moves them between its
    // households; the household left behind is republished without them.
    let (_, answer) = push(
        &server,
        &a,
        &batch(vec![
            event(&a.id, "C-A", "a-3", household("003", "海富3栋303")),
            event(&a.id, "C-A", "a-4", resident("003", ZHANG, "张三丰")),
        ]),
    )
    .await;
    assert_eq!(outcomes(&answer), vec![accepted(), accepted()]);
    let at_a = pull_households(&server, &a).await;
    let last_001 = at_a
        .iter()
        .rev()
        .find(|h| h["household_code"] == "001")
        .unwrap();
    assert_eq!(last_001["members"], json!([]), "{at_a:?}");
}

#[tokio::test]
async fn every_registry_change_is_audited_masked_and_the_audit_cannot_be_rewritten() {
    let db = TestDb::create();
    let server = TestServer::start(&db.url);
    let a = device_of(&db, &server, "C-A", "海富社区服务中心").await;
    let with_phone = |id: &str, phone: &str, name: &str| EventPayload::ResidentRegistered {
        household_code: "001".into(),
        id_number: id.into(),
        name: name.into(),
        phone: Some(phone.into()),
        tags: vec!["elderly_60".into()],
    };
    push(
        &server,
        &a,
        &batch(vec![
            event(&a.id, "C-A", "a-1", household("001", "海富1栋101")),
            event(&a.id, "C-A", "a-2", with_phone(ZHANG, ZHANG_PHONE, "张三")),
            // Sent again unchanged: nothing changed, nothing to audit.
            event(&a.id, "C-A", "a-3", with_phone(ZHANG, ZHANG_PHONE, "张三")),
            event(
                &a.id,
                "C-A",
                "a-4",
                with_phone(ZHANG, "13912345678", "张三"),
            ),
        ]),
    )
    .await;
    let rows: Vec<Value> = db.run(|pool| async move {
        let client = pool.get().await.unwrap();
        client
            .query("SELECT to_jsonb(a) FROM registry_audit a ORDER BY id", &[])
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect()
    });
    let whats: Vec<&str> = rows.iter().map(|r| r["what"].as_str().unwrap()).collect();
    assert_eq!(
        whats,
        vec![
            "household_registered",
            "resident_registered",
            "resident_changed"
        ],
        "{rows:?}"
    );
    for row in &rows {
        assert_eq!(row["device_id"], a.id.as_str(), "{row}");
        assert_eq!(row["centre_code"], "C-A", "{row}");
        let all = row.to_string();
        for secret in [ZHANG, ZHANG_PHONE, "13912345678"] {
            assert!(
                !all.contains(secret),
                "{secret} in full in the audit: {row}"
            );
        }
    }
    assert_eq!(rows[1]["subject"], mask_id(ZHANG));
    assert_eq!(
        rows[2]["changes"],
        json!({"phone": ["138****8000", "139****5678"]}),
        "old → new, masked"
    );
    for statement in [
        "UPDATE registry_audit SET what = 'nothing'",
        "DELETE FROM registry_audit",
        "TRUNCATE registry_audit",
    ] {
        let refused = db.run(move |pool| async move {
            let client = pool.get().await.unwrap();
            client.batch_execute(statement).await.err()
        });
        let refused = refused.unwrap_or_else(|| panic!("{statement} went through"));
        assert!(
            format!("{refused:?}").contains("append-only"),
            "{statement}: {refused:?}"
        );
    }
    assert_eq!(count(&db, "SELECT count(*) FROM registry_audit"), 3);
}

fn mask_id(id: &str) -> String {
    linli_core::identity::mask_id_number(id)
}

async fn lookup(
    server: &TestServer,
    device: &Device,
    body: Value,
) -> (reqwest::StatusCode, Option<String>, Value) {
    let response = device
        .post(&server.url(), "/v1/registry/lookup")
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    let (_, body) = read_answer(response).await;
    (status, retry_after, body)
}

#[tokio::test]
async fn a_staff_member_looks_up_another_centres_resident_and_every_lookup_is_audited() {
    let db = TestDb::create();
    let server = TestServer::start_with(
        &db.url,
        linli_district::limits::Limits {
            lookups_per_hour: 4,
            ..Default::default()
        },
    );
    let a = device_of(&db, &server, "C-A", "海富社区服务中心").await;
    let b = device_of(&db, &server, "C-B", "兴业社区服务中心").await;
    push(
        &server,
        &a,
        &batch(vec![
            event(&a.id, "C-A", "a-1", household("001", "海富1栋101")),
            event(&a.id, "C-A", "a-2", resident("001", ZHANG, "张三")),
            event(
                &a.id,
                "C-A",
                "a-3",
                resident("001", "110105201503010029", "张小明"),
            ),
        ]),
    )
    .await;
    let ask = |id: &str| json!({"id_number": id, "staff_code": "S001", "purpose": "报名日间照料"});
    let (status, _, body) = lookup(&server, &b, ask(&ZHANG.to_lowercase())).await;
    assert_eq!(status, 200, "{body}");
    let found: linli_core::sync::RegistryLookupResponse =
        serde_json::from_value(body.clone()).expect("the documented answer");
    assert_eq!(found.household.centre_code, "C-A");
    assert_eq!(found.household.household_code, "001");
    assert_eq!(found.household.members.len(), 2);

    // Bad lookups are refused by field and cost nothing.
    let bad = [
        (
            json!({"id_number": "110105194912310021", "staff_code": "S001", "purpose": "x"}),
            "id_number",
        ),
        (
            json!({"id_number": "12345", "staff_code": "S001", "purpose": "x"}),
            "id_number",
        ),
        (
            json!({"id_number": ZHANG, "staff_code": "", "purpose": "x"}),
            "staff_code",
        ),
        (
            json!({"id_number": ZHANG, "staff_code": "S 1", "purpose": "x"}),
            "staff_code",
        ),
        (
            json!({"id_number": ZHANG, "staff_code": "S001", "purpose": "  "}),
            "purpose",
        ),
        (
            json!({"id_number": ZHANG, "staff_code": "S001", "purpose": "报名\u{7}"}),
            "purpose",
        ),
        (
            json!({"id_number": ZHANG, "staff_code": "S001", "purpose": "长".repeat(201)}),
            "purpose",
        ),
    ];
    for (body, field) in bad {
        let (status, _, answer) = lookup(&server, &b, body.clone()).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert_eq!(answer["field"], field, "{body}: {answer}");
    }
    // Nobody with that number: 404, and recorded all the same.
    let nobody = format!(
        "11010520000101003{}",
        linli_core::identity::check_character("11010520000101003").unwrap()
    );
    let (status, _, answer) = lookup(&server, &b, ask(&nobody)).await;
    assert_eq!(status, 404, "{answer}");
    assert_error(&(404, answer), 404, "unknown_resident", Some("id_number"));
    // Without a credential there is no lookup at all.
    let anonymous = common::post(&server.url(), "/v1/registry/lookup")
        .json(&ask(ZHANG))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);

    let log: Vec<Value> = db.run(|pool| async move {
        let client = pool.get().await.unwrap();
        client
            .query(
                "SELECT to_jsonb(l) FROM registry_lookups l ORDER BY id",
                &[],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect()
    });
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(log[0]["device_id"], b.id.as_str());
    assert_eq!(log[0]["centre_code"], "C-B");
    assert_eq!(log[0]["staff_code"], "S001");
    assert_eq!(log[0]["purpose"], "报名日间照料");
    assert_eq!(log[0]["id_masked"], mask_id(ZHANG));
    assert_eq!(log[0]["found_centre"], "C-A");
    assert!(log[1]["found_centre"].is_null());
    assert!(!Value::Array(log.clone()).to_string().contains(ZHANG));
    let refused = db.run(|pool| async move {
        let client = pool.get().await.unwrap();
        client
            .batch_execute("DELETE FROM registry_lookups")
            .await
            .err()
    });
    assert!(refused.is_some(), "the lookup log is append-only");

    // Two more fill the hour's four; the fifth waits, told for how long.
    for _ in 0..2 {
        assert_eq!(lookup(&server, &b, ask(ZHANG)).await.0, 200);
    }
    let (status, retry_after, answer) = lookup(&server, &b, ask(ZHANG)).await;
    assert_eq!(status, 429, "{answer}");
    assert_eq!(answer["code"], "too_many_lookups");
    let seconds: u64 = retry_after.expect("Retry-After").parse().unwrap();
    assert!((3_500..=3_600).contains(&seconds), "{seconds}");
    assert_eq!(count(&db, "SELECT count(*) FROM registry_lookups"), 4);
    // Another device has its own allowance.
    assert_eq!(lookup(&server, &a, ask(ZHANG)).await.0, 200);
}

/// Core's text checks (length, control and invisible characters) are applied before
/// an event is applied: each bad one is rejected alone, naming its field.
#[tokio::test]
async fn a_text_field_with_a_control_character_or_over_its_length_is_rejected_alone() {
    let db = TestDb::create();
    let server = TestServer::start(&db.url);
    let device = enrolled(&db, &server, "C-1", "kiosk-1").await;
    let body = batch(vec![
        event(&device.id, "C-1", "e-1", household("H-1", "1栋101")),
        event(
            &device.id,
            "C-1",
            "e-2",
            household("H-2", "2栋\u{1b}[31m202"),
        ),
        event(
            &device.id,
            "C-1",
            "e-3",
            resident("H-1", ZHANG, "张\u{202E}三"),
        ),
        event(
            &device.id,
            "C-1",
            "e-4",
            household("H-4", &"长".repeat(201)),
        ),
        event(
            &device.id,
            "C-1",
            "e-5",
            EventPayload::ResidentRegistered {
                household_code: "H-1".into(),
                id_number: ZHANG.into(),
                name: "张三".into(),
                phone: Some("call me".into()),
                tags: vec![],
            },
        ),
        event(&device.id, "C-1", "e-6", resident("H-1", ZHANG, "张三")),
    ]);
    let (status, answer) = push(&server, &device, &body).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        outcomes(&answer),
        vec![
            accepted(),
            rejected("invalid_character", "payload.address"),
            rejected("invalid_character", "payload.name"),
            rejected("too_long", "payload.address"),
            rejected("characters", "payload.phone"),
            accepted(),
        ]
    );
    assert_eq!(text(&db, "SELECT name FROM residents"), "张三");
}

/// A month's accounts the report could not add up (an amount past any stall's, or
/// negative) is rejected alone, and the report stays whole.
#[tokio::test]
async fn a_ledger_amount_out_of_range_is_rejected_and_the_report_survives() {
    let db = TestDb::create();
    let server = TestServer::start(&db.url);
    let device = enrolled(&db, &server, "C-1", "kiosk-1").await;
    let ledger = |revenue_fen: i64, cost_fen: i64| EventPayload::LedgerRecorded {
        business_code: "B-1".into(),
        month: "2026-10".into(),
        revenue_fen,
        cost_fen,
    };
    let body = batch(vec![
        event(&device.id, "C-1", "e-1", ledger(i64::MAX, i64::MIN)),
        event(&device.id, "C-1", "e-2", ledger(-5, 10)),
        event(&device.id, "C-1", "e-3", ledger(500_000, 320_000)),
    ]);
    let (status, answer) = push(&server, &device, &body).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        outcomes(&answer),
        vec![
            rejected("out_of_range", "payload.revenue_fen"),
            rejected("out_of_range", "payload.revenue_fen"),
            accepted(),
        ]
    );
    let report = db.run(|pool| async move {
        linli_district::report::report_at(
            &pool,
            "2026-10",
            None,
            linli_district::export::Format::Json,
            chrono::NaiveDate::from_ymd_opt(2026, 11, 5).unwrap(),
        )
        .await
        .map_err(|e| e.to_string())
    });
    let report = report.unwrap();
    assert!(
        report.to_string().contains("\"revenue_fen\":500000"),
        "only the sound month is counted: {report}"
    );
}

/// A name with control characters is refused before it reaches staff's terminals.
#[tokio::test]
async fn district_staff_cannot_name_a_centre_or_device_with_control_characters() {
    let db = TestDb::create();
    let (centre, device) = db.run(|pool| async move {
        let centre = admin::centre_add(&pool, "C-9", "C\u{1b}[31m中心", "440306", "")
            .await
            .is_err();
        admin::centre_add(&pool, "C-9", "兴业社区服务中心", "440306", "")
            .await
            .unwrap();
        let device = admin::device_add(&pool, "C-9", "k\u{1b}").await.is_err();
        (centre, device)
    });
    assert!(centre && device, "both refused");
}

/// Guessing enrolment codes from one address runs into a limit: 429 with Retry-After,
/// the same JSON error body, and nothing else changes.
#[tokio::test]
async fn enrolment_attempts_from_one_address_are_limited() {
    let db = TestDb::create();
    let server = TestServer::start_with(
        &db.url,
        linli_district::limits::Limits {
            enrols_per_minute: 3,
            ..Default::default()
        },
    );
    let (code, _) = add_device(&db, "C-1", "kiosk-1");
    for guess in ["ABCD-EFGH-JKMN", "ABCD-EFGH-JKMP", "ABCD-EFGH-JKMQ"] {
        assert_error(
            &read_answer(enrol(&server, guess).await).await,
            401,
            "unknown_code",
            Some("code"),
        );
    }
    let response = enrol(&server, &code).await;
    let retry_after: u64 = response
        .headers()
        .get("retry-after")
        .expect("Retry-After")
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let answer = read_answer(response).await;
    assert_error(&answer, 429, "too_many_requests", None);
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM devices WHERE credential_hash IS NOT NULL"
        ),
        0,
        "the limited attempt did not use the code"
    );
}

fn payment(
    id: &str,
    kind: &str,
    method: &str,
    reference: Option<&str>,
    reason: Option<&str>,
    refunds: Option<&str>,
) -> EventPayload {
    EventPayload::PaymentRecorded {
        payment_id: id.into(),
        programme_code: "day-care".into(),
        resident_id_number: "11010519491231002X".into(),
        period: "2026-09".into(),
        kind: kind.into(),
        amount_fen: 15_000,
        method: method.into(),
        reference: reference.map(Into::into),
        reason: reason.map(Into::into),
        refunds: refunds.map(Into::into),
        staff: "S001".into(),
    }
}

#[tokio::test]
async fn fees_are_kept_once_and_a_refund_without_its_payment_or_reason_is_rejected() {
    let db = TestDb::create();
    let server = TestServer::start(&db.url);
    let device = enrolled(&db, &server, "C-1", "kiosk-1").await;
    let events = vec![
        event(
            &device.id,
            "C-1",
            "e-1",
            payment("P-1", "payment", "cash", None, None, None),
        ),
        event(
            &device.id,
            "C-1",
            "e-2",
            payment("P-2", "payment", "reference", None, None, None),
        ),
        event(
            &device.id,
            "C-1",
            "e-3",
            payment("P-3", "payment", "cash", Some("WX1234"), None, None),
        ),
        event(
            &device.id,
            "C-1",
            "e-4",
            payment("P-4", "refund", "cash", None, None, Some("P-1")),
        ),
        event(
            &device.id,
            "C-1",
            "e-5",
            payment("P-5", "refund", "cash", None, Some("退出"), None),
        ),
        event(
            &device.id,
            "C-1",
            "e-6",
            payment("P-6", "refund", "cash", None, Some("退出"), Some("P-1")),
        ),
    ];
    let mut body = batch(events);
    body["protocol_version"] = json!(4);
    let (status, answer) = push(&server, &device, &body).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        outcomes(&answer),
        vec![
            accepted(),
            rejected("required", "payload.reference"),
            rejected("reference_with_cash", "payload.reference"),
            rejected("required", "payload.reason"),
            rejected("required", "payload.refunds"),
            accepted(),
        ]
    );
    assert_eq!(count(&db, "SELECT count(*) FROM payments"), 2);
    // Sent again, nothing is counted twice.
    let (status, answer) = push(&server, &device, &body).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(count(&db, "SELECT count(*) FROM payments"), 2);
    assert_eq!(
        count(
            &db,
            "SELECT sum(CASE kind WHEN 'payment' THEN amount_fen ELSE -amount_fen END)::bigint FROM payments"
        ),
        0
    );
}

#[tokio::test]
async fn a_day_care_day_keeps_the_newest_and_a_drop_off_without_a_pick_up_is_rejected() {
    let db = TestDb::create();
    let server = TestServer::start(&db.url);
    let device = enrolled(&db, &server, "C-1", "kiosk-1").await;
    let time = |text: &str| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap();
    let day =
        |lunch: bool, picked: Option<&str>, dropped: Option<&str>| EventPayload::DayCareRecorded {
            programme_code: "day-care".into(),
            session_date: at().date(),
            resident_id_number: "11010519491231002X".into(),
            breakfast: false,
            lunch,
            transport: true,
            picked_up_at: picked.map(time),
            dropped_off_at: dropped.map(time),
            absence_reason: None,
        };
    let at_time = |id: &str, when: &str, payload: EventPayload| {
        serde_json::to_value(OutboxEvent::new(id, &device.id, "C-1", time(when), payload)).unwrap()
    };
    let mut body = batch(vec![
        at_time(
            "e-1",
            "2026-09-07 12:00",
            day(true, Some("2026-09-07 08:05"), Some("2026-09-07 08:30")),
        ),
        // Sent later but older: it does not undo the lunch.
        at_time(
            "e-2",
            "2026-09-07 08:06",
            day(false, Some("2026-09-07 08:05"), None),
        ),
        at_time(
            "e-3",
            "2026-09-07 12:01",
            day(true, None, Some("2026-09-07 08:30")),
        ),
        at_time(
            "e-4",
            "2026-09-07 12:02",
            day(true, Some("2026-09-07 09:00"), Some("2026-09-07 08:30")),
        ),
    ]);
    body["protocol_version"] = json!(4);
    let (status, answer) = push(&server, &device, &body).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        outcomes(&answer),
        vec![
            accepted(),
            accepted(),
            rejected("not_picked_up", "payload.dropped_off_at"),
            rejected("before_pick_up", "payload.dropped_off_at"),
        ]
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM day_care_days WHERE lunch AND dropped_off_at IS NOT NULL"
        ),
        1
    );
}
