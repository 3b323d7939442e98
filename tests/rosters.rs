//! The desk's roster (`usecase::rosters`): the confirmed, the waiting list in 轮候
//! order with groups and explanations, the offers; a seat offered now to the head of
//! the list and an offer or a waiting place withdrawn, each with a reason, audited and
//! told to the district; and every refusal (not the head, no seat, no reason, the
//! wrong role) leaving nothing behind. Then the same through the binary.

use chrono::{Duration, NaiveDateTime};
use linli::error::{AppError, Refused};
use linli::store::{Actor, Store};
use linli::usecase::{demo, rosters};
use linli_core::outbox::{EventPayload, OutboxEvent};

use crate::common::{count, seed_demo, staff_ok, staff_refused};

const LUNCH: &str = "lunch-care";

fn now() -> NaiveDateTime {
    linli::clock::parse_local("2026-11-23T09:00:00").unwrap()
}

fn seeded() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_in(dir.path()).unwrap();
    demo::seed(&mut store, now()).unwrap();
    (dir, store)
}

fn desk() -> Actor {
    demo::demo_actor("S001")
}

fn ids(store: &Store, status: &str) -> Vec<String> {
    let mut stmt = store
        .conn()
        .prepare(
            "SELECT resident FROM enrolments WHERE programme_code = ?1 AND status = ?2 ORDER BY sort_key",
        )
        .unwrap();
    let rows = stmt.query_map((LUNCH, status), |r| r.get(0)).unwrap();
    rows.map(Result::unwrap).collect()
}

fn status_of(store: &Store, resident: &str) -> (String, Option<String>) {
    store
        .conn()
        .query_row(
            "SELECT status, reason FROM enrolments WHERE programme_code = ?1 AND resident = ?2
             ORDER BY updated_at DESC, rowid DESC LIMIT 1",
            (LUNCH, resident),
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
}

/// Where the outbox and the audit log end.
fn marks(store: &Store) -> (i64, i64) {
    store
        .conn()
        .query_row(
            "SELECT (SELECT coalesce(max(seq), 0) FROM outbox), (SELECT coalesce(max(seq), 0) FROM audit_log)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
}

/// (resident, status) of every enrolment_changed event since `m`.
fn told_since(store: &Store, m: (i64, i64)) -> Vec<(String, String)> {
    let mut stmt = store
        .conn()
        .prepare("SELECT body FROM outbox WHERE seq > ?1 ORDER BY seq")
        .unwrap();
    let rows = stmt.query_map([m.0], |r| r.get::<_, String>(0)).unwrap();
    rows.map(|body| OutboxEvent::from_json(&body.unwrap()).unwrap().payload)
        .filter_map(|payload| match payload {
            EventPayload::EnrolmentChanged {
                resident_id_number,
                status,
                ..
            } => Some((resident_id_number, status)),
            _ => None,
        })
        .collect()
}

/// (actor, action, detail) of every audit record since `m`.
fn audits_since(store: &Store, m: (i64, i64)) -> Vec<(String, String, serde_json::Value)> {
    let mut stmt = store
        .conn()
        .prepare("SELECT actor, action, detail FROM audit_log WHERE seq > ?1 ORDER BY seq")
        .unwrap();
    let rows = stmt
        .query_map([m.1], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .unwrap();
    rows.map(|row| {
        let (actor, action, detail) = row.unwrap();
        (actor, action, serde_json::from_str(&detail).unwrap())
    })
    .collect()
}

fn refused<T: std::fmt::Debug>(result: Result<T, AppError>) -> Refused {
    match result {
        Err(AppError::Refused(r)) => r,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn words(r: &Refused) -> String {
    std::iter::once(format!("{} / {}", r.error.zh, r.error.en))
        .chain(r.reasons.iter().map(|t| format!("{} / {}", t.zh, t.en)))
        .collect::<Vec<_>>()
        .join(" | ")
}

/// One more seat, as when the district republishes the programme with a larger
/// capacity and the sweep has not run yet.
fn add_a_seat(store: &mut Store) {
    store
        .write(&Actor::system(), now(), |tx| {
            tx.execute(
                "UPDATE programmes SET capacity = capacity + 1,
                     body = json_set(body, '$.capacity', capacity + 1) WHERE code = ?1",
                [LUNCH],
            )?;
            Ok(())
        })
        .unwrap();
}

#[test]
fn the_desk_sees_the_confirmed_the_waiting_list_in_order_with_explanations_and_the_offers() {
    let (_dir, store) = seeded();
    let view = rosters::roster_view(&store, &desk(), LUNCH, now()).unwrap();
    assert_eq!(view.programme, LUNCH);
    assert_eq!(view.confirmed.len(), ids(&store, "confirmed").len());
    assert_eq!(view.free_seats, 0);
    let queue = ids(&store, "waitlisted");
    assert_eq!(view.waiting.len(), queue.len());
    for (n, (waiting, id)) in view.waiting.iter().zip(&queue).enumerate() {
        assert_eq!(waiting.position, n as u32 + 1);
        assert_eq!(waiting.resident, linli_core::identity::mask_id_number(id));
        assert!(!waiting.name.is_empty());
        assert!(
            waiting
                .explanation
                .zh
                .contains(&format!("您排在轮候第{}位", n + 1)),
            "{}",
            waiting.explanation.zh
        );
        assert!(waiting.explanation.en.contains("Waiting-list rule"));
        assert!(waiting.group.zh.starts_with('第'));
        assert!(!waiting.bucket.zh.is_empty() && !waiting.bucket.en.is_empty());
    }
    // The demo leaves one offer out, made five hours ago, for 48 hours.
    assert_eq!(view.offers.len(), 1, "{:?}", view.offers);
    let offer = &view.offers[0];
    assert_eq!(
        offer.deadline,
        now() - Duration::hours(5) + Duration::hours(48)
    );
    assert!(!offer.lapsed);
    assert!(!offer.deadline_words.zh.is_empty() && !offer.deadline_words.en.is_empty());
    // No full ID number in what the command prints.
    let json = serde_json::to_string(&view).unwrap();
    for id in queue.iter().chain(&ids(&store, "confirmed")) {
        assert!(!json.contains(id.as_str()));
    }
    for code in ["S002", "S004"] {
        let r = refused(rosters::roster_view(
            &store,
            &demo::demo_actor(code),
            LUNCH,
            now(),
        ));
        assert_eq!(r.code, "not_permitted", "{code}: {r:?}");
    }
    let r = refused(rosters::roster_view(&store, &Actor::kiosk(), LUNCH, now()));
    assert_eq!(r.code, "staff_credential_required");
}

#[test]
fn staff_offer_a_free_seat_now_only_to_the_head_of_the_list_and_only_with_a_reason() {
    let (_dir, mut store) = seeded();
    let queue = ids(&store, "waitlisted");
    let (head, second) = (queue[0].clone(), queue[1].clone());
    let before = marks(&store);
    // No seat free yet: refused in words, nothing written.
    let r = refused(rosters::offer_now(
        &mut store,
        &desk(),
        now(),
        LUNCH,
        &head,
        "家长来电",
    ));
    assert!(words(&r).contains("no seat is free"), "{}", words(&r));
    assert_eq!(marks(&store), before);
    add_a_seat(&mut store);
    let before = marks(&store);
    // Not the head: the order is the policy's.
    let r = refused(rosters::offer_now(
        &mut store,
        &desk(),
        now(),
        LUNCH,
        &second,
        "家长来电",
    ));
    assert_eq!(r.code, "not_offered");
    assert!(
        words(&r).contains("number 2 on the waiting list"),
        "{}",
        words(&r)
    );
    assert!(words(&r).contains("轮候第2位"));
    // No reason, a blank one, or the wrong role: refused, nothing written.
    for reason in ["", "   "] {
        let r = refused(rosters::offer_now(
            &mut store,
            &desk(),
            now(),
            LUNCH,
            &head,
            reason,
        ));
        assert_eq!(r.code, "reason_required");
        assert!(words(&r).contains("reason"), "{}", words(&r));
        assert!(words(&r).contains("原因"));
    }
    let r = refused(rosters::offer_now(
        &mut store,
        &demo::demo_actor("S004"),
        now(),
        LUNCH,
        &head,
        "x",
    ));
    assert_eq!(r.code, "not_permitted");
    let r = refused(rosters::offer_now(
        &mut store,
        &demo::demo_actor("S002"),
        now(),
        LUNCH,
        &head,
        "x",
    ));
    assert_eq!(r.code, "not_permitted");
    assert_eq!(marks(&store), before, "refusals write nothing");
    assert_eq!(status_of(&store, &head).0, "waitlisted");

    let offered = rosters::offer_now(
        &mut store,
        &desk(),
        now(),
        LUNCH,
        &head,
        "  区里新增名额，当面通知家长  ",
    )
    .unwrap();
    assert_eq!(offered.deadline, now() + Duration::hours(48));
    assert_eq!(offered.reason, "区里新增名额，当面通知家长");
    assert_eq!(status_of(&store, &head).0, "offered");
    assert_eq!(
        told_since(&store, before),
        [(head.clone(), "offered".to_string())]
    );
    let audits = audits_since(&store, before);
    assert_eq!(audits.len(), 1, "{audits:?}");
    assert_eq!(audits[0].0, "staff:S001");
    assert_eq!(audits[0].1, "waiting_list_offer_made");
    assert_eq!(audits[0].2["reason"], "区里新增名额，当面通知家长");
    let view = rosters::roster_view(&store, &desk(), LUNCH, now()).unwrap();
    assert_eq!(view.offers.len(), 2);
    assert_eq!(
        view.waiting[0].resident,
        linli_core::identity::mask_id_number(&second)
    );
    // Asked again: the seat is already held for them.
    let r = refused(rosters::offer_now(
        &mut store,
        &desk(),
        now(),
        LUNCH,
        &head,
        "再次",
    ));
    assert!(words(&r).contains("already held"), "{}", words(&r));
}

#[test]
fn staff_withdraw_an_offer_whose_seat_passes_on_and_a_waiting_place_with_a_reason() {
    let (_dir, mut store) = seeded();
    let offered = ids(&store, "offered")[0].clone();
    let queue = ids(&store, "waitlisted");
    let confirmed = ids(&store, "confirmed")[0].clone();
    let before = marks(&store);
    let r = refused(rosters::withdraw(
        &mut store,
        &desk(),
        now(),
        LUNCH,
        &offered,
        " ",
    ));
    assert_eq!(r.code, "reason_required");
    let r = refused(rosters::withdraw(
        &mut store,
        &desk(),
        now(),
        LUNCH,
        &confirmed,
        "搬走",
    ));
    assert!(words(&r).contains("cancel the sign-up"), "{}", words(&r));
    let r = refused(rosters::withdraw(
        &mut store,
        &demo::demo_actor("S004"),
        now(),
        LUNCH,
        &offered,
        "x",
    ));
    assert_eq!(r.code, "not_permitted");
    assert_eq!(marks(&store), before, "refusals write nothing");

    let out = rosters::withdraw(
        &mut store,
        &desk(),
        now(),
        LUNCH,
        &offered,
        "家长已电话放弃",
    )
    .unwrap();
    assert_eq!(
        out.status,
        linli_core::enrolment::EnrolmentStatus::Cancelled
    );
    let passed = out
        .offered_to
        .expect("the seat passes to the head of the list");
    assert_eq!(
        passed.resident,
        linli_core::identity::mask_id_number(&queue[0])
    );
    assert_eq!(
        status_of(&store, &offered),
        (
            "cancelled".to_string(),
            Some("withdrawn_by_staff".to_string())
        )
    );
    assert_eq!(status_of(&store, &queue[0]).0, "offered");
    let mut told = told_since(&store, before);
    told.sort();
    let mut want = vec![
        (offered.clone(), "cancelled".to_string()),
        (queue[0].clone(), "offered".to_string()),
    ];
    want.sort();
    assert_eq!(told, want);
    let audits = audits_since(&store, before);
    assert_eq!(audits.len(), 1);
    assert_eq!(
        (audits[0].0.as_str(), audits[0].1.as_str()),
        ("staff:S001", "waiting_list_withdrawn")
    );
    assert_eq!(audits[0].2["reason"], "家长已电话放弃");
    assert_eq!(audits[0].2["previous"], "offered");

    // Someone who only waits leaves the list; no seat moves.
    let last = queue.last().unwrap().clone();
    let before = marks(&store);
    let out = rosters::withdraw(&mut store, &desk(), now(), LUNCH, &last, "重复报名").unwrap();
    assert!(out.offered_to.is_none());
    assert_eq!(
        status_of(&store, &last),
        (
            "withdrawn".to_string(),
            Some("withdrawn_by_staff".to_string())
        )
    );
    assert_eq!(
        told_since(&store, before),
        [(last.clone(), "withdrawn".to_string())]
    );
}

#[test]
fn the_binary_shows_offers_and_withdraws_and_refuses_without_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let demo = seed_demo(dir.path());
    let shown = staff_ok(
        dir.path(),
        &demo,
        "S001",
        &["roster", "show", "--programme", LUNCH],
    );
    assert_eq!(shown["programme"], LUNCH);
    let waiting = shown["waiting"].as_array().unwrap();
    assert!(!waiting.is_empty());
    assert!(waiting[0]["explanation"]["zh"]
        .as_str()
        .unwrap()
        .contains("轮候第1位"));
    assert!(waiting[0]["explanation"]["en"].is_string());
    assert_eq!(shown["offers"].as_array().unwrap().len(), 1);
    let conn = rusqlite::Connection::open(dir.path().join("linli.sqlite")).unwrap();
    let offered: String = conn
        .query_row(
            "SELECT resident FROM enrolments WHERE programme_code = ?1 AND status = 'offered'",
            [LUNCH],
            |r| r.get(0),
        )
        .unwrap();
    let outbox = |dir: &std::path::Path| count(dir, "SELECT count(*) FROM outbox");
    let before = outbox(dir.path());
    let refusal = staff_refused(
        dir.path(),
        &demo,
        "S001",
        &[
            "roster",
            "withdraw",
            "--programme",
            LUNCH,
            "--resident",
            &offered,
        ],
    );
    assert_eq!(refusal["code"], "reason_required", "{refusal}");
    assert!(refusal["error"].as_str().unwrap().contains("原因"));
    assert_eq!(outbox(dir.path()), before, "a refusal writes nothing");
    let refusal = staff_refused(
        dir.path(),
        &demo,
        "S004",
        &["roster", "show", "--programme", LUNCH],
    );
    assert_eq!(refusal["code"], "not_permitted");
    let out = staff_ok(
        dir.path(),
        &demo,
        "S001",
        &[
            "roster",
            "withdraw",
            "--programme",
            LUNCH,
            "--resident",
            &offered,
            "--reason",
            "家长放弃",
        ],
    );
    assert_eq!(out["status"], "cancelled", "{out}");
    assert_eq!(out["previous"], "offered");
    assert!(out["offered_to"]["resident"].is_string());
    assert!(!out.to_string().contains(&offered));
    assert_eq!(
        outbox(dir.path()),
        before + 2,
        "the cancelled offer and the new one"
    );
    // With no seat free an offer is refused in words.
    let head: String = conn
        .query_row(
            "SELECT resident FROM enrolments WHERE programme_code = ?1 AND status = 'waitlisted'
             ORDER BY sort_key LIMIT 1",
            [LUNCH],
            |r| r.get(0),
        )
        .unwrap();
    let refusal = staff_refused(
        dir.path(),
        &demo,
        "S001",
        &[
            "roster",
            "offer",
            "--programme",
            LUNCH,
            "--resident",
            &head,
            "--reason",
            "试试",
        ],
    );
    assert_eq!(refusal["code"], "not_offered", "{refusal}");
    conn.execute(
        "UPDATE programmes SET capacity = capacity + 1, body = json_set(body, '$.capacity', capacity + 1) WHERE code = ?1",
        [LUNCH],
    )
    .unwrap();
    let out = staff_ok(
        dir.path(),
        &demo,
        "S001",
        &[
            "roster",
            "offer",
            "--programme",
            LUNCH,
            "--resident",
            &head,
            "--reason",
            "新增名额",
        ],
    );
    assert_eq!(out["reason"], "新增名额");
    assert!(out["deadline"].is_string());
}

#[test]
fn a_move_to_a_programme_of_the_same_kind_starts_afresh_there_and_passes_the_seat_on() {
    let (_dir, mut store) = seeded();
    // A second lunch-care programme, as when the district opens another hall.
    let mut second = linli::usecase::load::programme(store.conn(), LUNCH)
        .unwrap()
        .unwrap();
    second.code = "lunch-care-2".into();
    second.name = linli_core::Text::new("学生午托（二部）", "Lunch care (hall 2)");
    store
        .write(&Actor::system(), now(), |tx| {
            linli::usecase::catalogue::publish_programme(tx, &second)
        })
        .unwrap();
    let offered = ids(&store, "offered")[0].clone();
    let queue = ids(&store, "waitlisted");
    let before = marks(&store);
    let r = refused(rosters::move_place(
        &mut store,
        &desk(),
        now(),
        LUNCH,
        "lunch-care-2",
        &offered,
        "",
    ));
    assert_eq!(r.code, "reason_required");
    let r = refused(rosters::move_place(
        &mut store,
        &desk(),
        now(),
        LUNCH,
        "calligraphy",
        &offered,
        "换班",
    ));
    assert_eq!(r.code, "not_moved");
    assert!(words(&r).contains("same kind"), "{}", words(&r));
    let r = refused(rosters::move_place(
        &mut store,
        &demo::demo_actor("S004"),
        now(),
        LUNCH,
        "lunch-care-2",
        &offered,
        "换班",
    ));
    assert_eq!(r.code, "not_permitted");
    assert_eq!(marks(&store), before, "refusals write nothing");

    let moved = rosters::move_place(
        &mut store,
        &desk(),
        now(),
        LUNCH,
        "lunch-care-2",
        &offered,
        "离家近",
    )
    .unwrap();
    assert_eq!(
        moved.previous,
        linli_core::enrolment::EnrolmentStatus::Offered
    );
    assert_eq!(
        moved.placed,
        rosters::MovedInto::Confirmed,
        "the new hall has room"
    );
    assert_eq!(
        moved.offered_to.unwrap().resident,
        linli_core::identity::mask_id_number(&queue[0])
    );
    assert_eq!(status_of(&store, &offered).0, "cancelled");
    assert_eq!(status_of(&store, &queue[0]).0, "offered");
    let in_second: String = store
        .conn()
        .query_row(
            "SELECT status FROM enrolments WHERE programme_code = 'lunch-care-2' AND resident = ?1",
            [&offered],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(in_second, "confirmed");
    let actions: Vec<String> = audits_since(&store, before)
        .into_iter()
        .map(|a| a.1)
        .collect();
    assert!(
        actions.contains(&"enrolment_moved".to_string()),
        "{actions:?}"
    );
    assert_eq!(
        told_since(&store, before).len(),
        3,
        "cancelled, offered on, confirmed there"
    );
}
