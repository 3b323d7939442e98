//! The front desk's day, as the people at it notice it: children checked in and handed
//! only to the right adult, volunteers' hours, waiting-list offers that pass on when
//! they lapse, convenience businesses' filings and ledgers, and ratings that open a
//! follow-up. Each use-case runs against the seeded demo centre, and every check looks
//! at what was written: the change, its outbox event and its audit record, or, for a
//! refusal, nothing at all.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use linli::clock;
use linli::error::{AppError, Refused};
use linli::print::Printing;
use linli::store::{Actor, Store};
use linli::usecase::{
    absences, attendance, business, day_care, demo, dietary, enrolment, fees, meals, ratings,
    volunteers,
};
use linli_core::absence::{AbsenceReason, AbsenceReport, DayPart};
use linli_core::attendance::{Collector, PickupAdult, PickupAuthorisation};
use linli_core::business::{ConvenienceBusiness, FilingAction, FilingStatus, LedgerInput};
use linli_core::day_care::Meal;
use linli_core::dietary::DietaryNeeds;
use linli_core::fees::PaymentMethod;
use linli_core::meals::MealBasis;
use linli_core::outbox::{AttendanceEventKind, EventPayload, OutboxEvent};
use rusqlite::OptionalExtension;

fn t(text: &str) -> NaiveDateTime {
    linli::clock::parse_local(text).unwrap()
}

/// Monday 23 November 2026, 09:00: a school day in the autumn term.
/// A result as the command line prints it.
fn json<T: serde::Serialize>(issued: linli::store::Issued<T>) -> serde_json::Value {
    serde_json::to_value(issued.outcome).unwrap()
}

fn now() -> NaiveDateTime {
    t("2026-11-23T09:00:00")
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

fn social_worker() -> Actor {
    demo::demo_actor("S002")
}

fn technician() -> Actor {
    demo::demo_actor("S004")
}

/// Where the outbox and the audit log end, to see what one use-case added.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Marks {
    outbox: i64,
    audit: i64,
    print_jobs: i64,
}

fn marks(store: &Store) -> Marks {
    let max = |table: &str| -> i64 {
        store
            .conn()
            .query_row(
                &format!("SELECT coalesce(max(rowid), 0) FROM {table}"),
                [],
                |r| r.get(0),
            )
            .unwrap()
    };
    Marks {
        outbox: max("outbox"),
        audit: max("audit_log"),
        print_jobs: max("print_jobs"),
    }
}

/// Outbox events written since `m`, oldest first.
fn events_since(store: &Store, m: Marks) -> Vec<EventPayload> {
    let mut stmt = store
        .conn()
        .prepare("SELECT kind, body FROM outbox WHERE seq > ?1 ORDER BY seq")
        .unwrap();
    let rows = stmt
        .query_map([m.outbox], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })
        .unwrap();
    rows.map(|row| {
        let (kind, body) = row.unwrap();
        let event = OutboxEvent::from_json(&body).unwrap();
        assert_eq!(event.kind(), kind, "the kind column matches the event");
        event.payload
    })
    .collect()
}

/// Kinds of the slips queued for printing since `m`, oldest first.
fn slip_kinds_since(store: &Store, m: Marks) -> Vec<String> {
    let mut stmt = store
        .conn()
        .prepare(
            "SELECT s.kind FROM print_jobs j JOIN slips s ON s.serial = j.serial
             WHERE j.id > ?1 ORDER BY j.id",
        )
        .unwrap();
    let rows = stmt.query_map([m.print_jobs], |r| r.get(0)).unwrap();
    rows.map(Result::unwrap).collect()
}

fn kinds_since(store: &Store, m: Marks) -> Vec<String> {
    events_since(store, m)
        .iter()
        .map(|e| e.kind().to_string())
        .collect()
}

/// Audit actions written since `m`, oldest first, with who did them.
fn audits_since(store: &Store, m: Marks) -> Vec<(String, String)> {
    let mut stmt = store
        .conn()
        .prepare("SELECT actor, action FROM audit_log WHERE seq > ?1 ORDER BY seq")
        .unwrap();
    let rows = stmt
        .query_map([m.audit], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    rows.map(Result::unwrap).collect()
}

fn actions_since(store: &Store, m: Marks) -> Vec<String> {
    audits_since(store, m).into_iter().map(|(_, a)| a).collect()
}

/// The refusal a person sees; panics on success or on a store failure.
fn refused<T: std::fmt::Debug>(result: Result<T, AppError>) -> Refused {
    match result {
        Err(AppError::Refused(r)) => r,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// Everything the refusal says, in Chinese, as one string.
fn zh(r: &Refused) -> String {
    std::iter::once(r.error.zh.as_str())
        .chain(r.reasons.iter().map(|t| t.zh.as_str()))
        .collect::<Vec<_>>()
        .join(" | ")
}

fn assert_nothing_written(store: &Store, before: Marks, what: &str) {
    assert_eq!(
        marks(store),
        before,
        "{what}: a refusal writes no outbox event and no audit record"
    );
}

fn ledger(month: &str, revenue_fen: i64, cost_fen: i64, distributed_fen: i64) -> LedgerInput {
    LedgerInput {
        month: month.into(),
        revenue_fen,
        cost_fen,
        distributed_fen,
    }
}

fn one_string(store: &Store, sql: &str) -> String {
    store.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

// ---------------------------------------------------------------- attendance

fn attendance_row(
    store: &Store,
    programme: &str,
    date: NaiveDate,
    resident: &str,
) -> Option<(String, Option<String>, Option<String>)> {
    store
        .conn()
        .query_row(
            "SELECT checked_in_at, checked_out_at, picked_up_by FROM attendance
             WHERE programme_code = ?1 AND session_date = ?2 AND resident = ?3",
            (programme, date.to_string(), resident),
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .unwrap()
}

#[test]
fn a_child_goes_home_only_with_an_adult_on_their_pickup_list() {
    let (_dir, mut store) = seeded();
    let today = now().date();
    let at = |h, m| clock::at(today, h, m);

    // A child on 四点半学校 with a pickup list naming the household's adults.
    let (child, list_body): (String, String) = store
        .conn()
        .query_row(
            "SELECT p.child, p.body FROM pickup_authorisations p
             JOIN enrolments e ON e.resident = p.child AND e.programme_code = 'after-school' AND e.status = 'confirmed'
             ORDER BY p.child LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let mut list: PickupAuthorisation = serde_json::from_str(&list_body).unwrap();
    let parent = list.adults[0].clone();
    let parent_id = parent.id_number.clone().unwrap();
    // Two adults from elsewhere in the community: one nobody named, and one the
    // guardian named because he must never take the child.
    let outsiders: Vec<(String, String)> = {
        let mut stmt = store
            .conn()
            .prepare(
                "SELECT id_number, name FROM residents
                 WHERE household_code <> (SELECT household_code FROM residents WHERE id_number = ?1)
                   AND birth_date BETWEEN '1970-01-01' AND '1995-12-31'
                 ORDER BY id_number LIMIT 2",
            )
            .unwrap();
        let rows = stmt
            .query_map([&child], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap();
        rows.map(Result::unwrap).collect()
    };
    let (stranger_id, _) = outsiders[0].clone();
    let (barred_id, barred_name) = outsiders[1].clone();
    list.adults.push(PickupAdult {
        name: barred_name.clone(),
        relation: "父亲".into(),
        id_number: Some(barred_id.clone()),
        card_code: None,
        must_not_collect: true,
        valid_from: None,
        valid_until: None,
    });
    let before = marks(&store);
    store
        .write(&desk(), now(), |tx| {
            attendance::set_pickup_authorisation(tx, &list)
        })
        .unwrap();
    assert_eq!(actions_since(&store, before), ["pickup_list_set"]);

    // Check-in at 16:35: on the roll, told to the district, audited.
    let before = marks(&store);
    store
        .write(&desk(), at(16, 35), |tx| {
            attendance::check_in(tx, "after-school", &child)
        })
        .unwrap();
    let row = attendance_row(&store, "after-school", today, &child).unwrap();
    assert_eq!(row, (format!("{today}T16:35:00"), None, None));
    match events_since(&store, before).as_slice() {
        [EventPayload::AttendanceRecorded {
            resident_id_number,
            kind: AttendanceEventKind::CheckIn,
            ..
        }] => assert_eq!(resident_id_number, &child),
        other => panic!("one check-in event expected, got {other:?}"),
    }
    assert_eq!(
        audits_since(&store, before),
        [("staff:S001".to_string(), "checked_in".to_string())]
    );

    // A second check-in is refused, saying when the first one was.
    let before = marks(&store);
    let r = refused(store.write(&desk(), at(16, 50), |tx| {
        attendance::check_in(tx, "after-school", &child)
    }));
    assert_eq!(r.code, "already_checked_in");
    assert!(zh(&r).contains("16:35"), "{}", zh(&r));
    assert_nothing_written(&store, before, "second check-in");

    // An adult not on the list is turned away; the child is still in the building.
    let before = marks(&store);
    let r = refused(store.write(&desk(), at(17, 40), |tx| {
        attendance::check_out(
            tx,
            "after-school",
            &child,
            Some(&Collector::IdNumber(stranger_id.clone())),
        )
    }));
    assert_eq!(r.code, "not_authorised");
    assert!(zh(&r).contains("不在孩子的授权接送名单上"), "{}", zh(&r));
    assert_nothing_written(&store, before, "unlisted adult");
    assert_eq!(
        attendance_row(&store, "after-school", today, &child).unwrap(),
        row,
        "still checked in"
    );

    // The adult the guardian barred: keep the child and call the social worker.
    let r = refused(store.write(&desk(), at(17, 45), |tx| {
        attendance::check_out(
            tx,
            "after-school",
            &child,
            Some(&Collector::IdNumber(barred_id.clone())),
        )
    }));
    assert_eq!(r.code, "must_not_collect");
    let said = zh(&r);
    assert!(said.contains(&barred_name), "{said}");
    assert!(
        said.contains("请留住孩子") && said.contains("联系社工"),
        "{said}"
    );
    assert_nothing_written(&store, before, "barred adult");
    assert_eq!(
        attendance_row(&store, "after-school", today, &child).unwrap(),
        row
    );

    // A child of primary-school age does not walk out alone either.
    let r = refused(store.write(&desk(), at(17, 50), |tx| {
        attendance::check_out(tx, "after-school", &child, None)
    }));
    assert_eq!(r.code, "may_not_leave_alone");
    assert_nothing_written(&store, before, "child alone");

    // The parent on the list takes the child home.
    store
        .write(&desk(), at(17, 55), |tx| {
            attendance::check_out(
                tx,
                "after-school",
                &child,
                Some(&Collector::IdNumber(parent_id.clone())),
            )
        })
        .unwrap();
    let collected_by = format!("{} ({})", parent.name, parent.relation);
    assert_eq!(
        attendance_row(&store, "after-school", today, &child).unwrap(),
        (
            format!("{today}T16:35:00"),
            Some(format!("{today}T17:55:00")),
            Some(collected_by.clone())
        )
    );
    match events_since(&store, before).as_slice() {
        [EventPayload::AttendanceRecorded {
            kind: AttendanceEventKind::CheckOut,
            picked_up_by,
            left_alone: false,
            ..
        }] => assert_eq!(picked_up_by.as_deref(), Some(collected_by.as_str())),
        other => panic!("one check-out event expected, got {other:?}"),
    }
    assert_eq!(actions_since(&store, before), ["checked_out"]);

    // Nor can a child who has left be checked in again to the same session.
    let before = marks(&store);
    let r = refused(store.write(&desk(), at(18, 0), |tx| {
        attendance::check_in(tx, "after-school", &child)
    }));
    assert_eq!(r.code, "already_checked_out");
    assert_nothing_written(&store, before, "check-in after check-out");
}

#[test]
fn elderly_day_care_checks_out_without_a_pickup_and_only_the_enrolled_check_in() {
    let (_dir, mut store) = seeded();
    let today = now().date();
    // An older resident with no seat in day care (not signed up, or still waiting) is
    // not put on its roll: the desk is told why, and nothing is recorded.
    let outsider = one_string(
        &store,
        "SELECT id_number FROM residents WHERE birth_date < '1960-01-01'
           AND id_number NOT IN (SELECT resident FROM enrolments WHERE programme_code = 'day-care' AND status = 'confirmed')
         ORDER BY id_number LIMIT 1",
    );
    let before = marks(&store);
    let r = refused(store.write(&desk(), clock::at(today, 9, 0), |tx| {
        attendance::check_in(tx, "day-care", &outsider)
    }));
    assert_eq!(r.code, "not_enrolled", "{}", zh(&r));
    assert!(zh(&r).contains("长者日间照料"), "{}", zh(&r));
    assert_nothing_written(&store, before, "check-in without a seat");
    assert_eq!(attendance_row(&store, "day-care", today, &outsider), None);
    // A programme that does not exist is named as such, not a database failure.
    let r = refused(store.write(&desk(), clock::at(today, 9, 0), |tx| {
        attendance::check_in(tx, "yoga", &outsider)
    }));
    assert_eq!(r.code, "not_found");
    let r = refused(store.write(&desk(), clock::at(today, 9, 0), |tx| {
        attendance::check_out(tx, "yoga", &outsider, None)
    }));
    assert_eq!(r.code, "not_found");
    assert_nothing_written(&store, before, "unknown programme");

    let elder = one_string(
        &store,
        "SELECT resident FROM enrolments WHERE programme_code = 'day-care' AND status = 'confirmed' ORDER BY resident LIMIT 1",
    );
    let before = marks(&store);
    store
        .write(&desk(), clock::at(today, 9, 5), |tx| {
            attendance::check_in(tx, "day-care", &elder)
        })
        .unwrap();
    store
        .write(&desk(), clock::at(today, 16, 10), |tx| {
            attendance::check_out(tx, "day-care", &elder, None)
        })
        .unwrap();
    assert_eq!(
        attendance_row(&store, "day-care", today, &elder).unwrap(),
        (
            format!("{today}T09:05:00"),
            Some(format!("{today}T16:10:00")),
            None
        )
    );
    let kinds: Vec<_> = events_since(&store, before)
        .into_iter()
        .map(|e| match e {
            EventPayload::AttendanceRecorded {
                kind, picked_up_by, ..
            } => (kind, picked_up_by),
            other => panic!("unexpected event {other:?}"),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            (AttendanceEventKind::CheckIn, None),
            (AttendanceEventKind::CheckOut, None)
        ]
    );
    assert_eq!(actions_since(&store, before), ["checked_in", "checked_out"]);
}

// ---------------------------------------------------------------- volunteers

/// A shift as stored: (minutes, status, clock-out).
fn stored_shift(store: &Store, id: &str) -> (i64, String, Option<String>) {
    store
        .conn()
        .query_row(
            "SELECT minutes, status, clock_out FROM shifts WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap()
}

#[test]
fn a_volunteer_shift_is_clocked_rounded_reviewed_and_never_deleted() {
    let (_dir, mut store) = seeded();
    let day = now().date();
    let volunteer = one_string(
        &store,
        "SELECT id_number FROM residents
         WHERE id_number NOT IN (SELECT id_number FROM volunteers)
           AND birth_date BETWEEN '1965-01-01' AND '2000-12-31'
         ORDER BY id_number LIMIT 1",
    );

    // Someone not in the household registry cannot be registered: the desk is told so.
    let before = marks(&store);
    let r = refused(store.write(&social_worker(), now(), |tx| {
        volunteers::register_volunteer(tx, "11010519491231002X", "陪伴")
    }));
    assert_eq!(r.code, "not_found", "{}", zh(&r));
    assert_nothing_written(&store, before, "volunteer not registered as a resident");

    let registered = store
        .write(&social_worker(), now(), |tx| {
            volunteers::register_volunteer(tx, &volunteer, "陪伴;理发")
        })
        .unwrap();
    assert!(registered);
    assert_eq!(actions_since(&store, before), ["volunteer_registered"]);
    // Registering twice does not make a second volunteer.
    let again = store
        .write(&social_worker(), now(), |tx| {
            volunteers::register_volunteer(tx, &volunteer, "陪伴")
        })
        .unwrap();
    assert!(!again);
    let count: i64 = store
        .conn()
        .query_row(
            "SELECT count(*) FROM volunteers WHERE id_number = ?1",
            [&volunteer],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(count, 1);

    let before = marks(&store);
    let shift = store
        .write(&Actor::kiosk(), clock::at(day, 9, 0), |tx| {
            volunteers::clock_in_volunteer(tx, &volunteer, "长者探访")
        })
        .unwrap();
    assert_eq!(kinds_since(&store, before), ["shift_recorded"]);
    assert_eq!(actions_since(&store, before), ["volunteer_clocked_in"]);

    // Clocking in again while the shift is open is refused, naming the open shift.
    let before = marks(&store);
    let r = refused(store.write(&Actor::kiosk(), clock::at(day, 9, 30), |tx| {
        volunteers::clock_in_volunteer(tx, &volunteer, "助餐送餐")
    }));
    assert_eq!(r.code, "shift_already_open");
    assert!(
        zh(&r).contains("长者探访") && zh(&r).contains("09:00"),
        "{}",
        zh(&r)
    );
    assert_nothing_written(&store, before, "second clock-in");
    let shifts: i64 = store
        .conn()
        .query_row(
            "SELECT count(*) FROM shifts WHERE volunteer = ?1",
            [&volunteer],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(shifts, 1);

    // A second tap two minutes in is refused, saying how long is left and who helps,
    // and the shift stays open: no 0-minute shift for a double tap.
    let before = marks(&store);
    let r = refused(store.write(&Actor::kiosk(), clock::at(day, 9, 2), |tx| {
        volunteers::clock_out_volunteer(tx, &volunteer, Printing::Queue)
    }));
    assert_eq!(r.code, "shift_too_short");
    assert!(
        zh(&r).contains("还需3分钟") && zh(&r).contains("如果签错了，请找工作人员"),
        "{}",
        zh(&r)
    );
    assert!(
        r.reasons[0].en.contains("3 more minutes")
            && r.reasons[0]
                .en
                .contains("If you clocked in by mistake, ask staff"),
        "{}",
        r.reasons[0].en
    );
    assert_nothing_written(&store, before, "clock-out two minutes in");
    assert_eq!(
        stored_shift(&store, &shift.id),
        (0, "open".to_string(), None)
    );

    // 09:00 to 11:07 is 127 minutes: recorded as 120 (whole quarter hours, down).
    let before = marks(&store);
    let closed = store
        .write(&Actor::kiosk(), clock::at(day, 11, 7), |tx| {
            volunteers::clock_out_volunteer(tx, &volunteer, Printing::Queue)
        })
        .unwrap();
    assert_eq!(closed.id, shift.id);
    assert_eq!(
        slip_kinds_since(&store, before),
        ["volunteer_clock_out"],
        "the volunteer takes home a record of the time"
    );
    assert_eq!(
        stored_shift(&store, &shift.id),
        (120, "pending".to_string(), Some(format!("{day}T11:07:00")))
    );
    match events_since(&store, before).as_slice() {
        [EventPayload::ShiftRecorded {
            minutes, status, ..
        }] => assert_eq!((*minutes, status.as_str()), (120, "pending")),
        other => panic!("one shift event expected, got {other:?}"),
    }
    assert_eq!(actions_since(&store, before), ["volunteer_clocked_out"]);

    // Declining needs a reason the volunteer can read.
    let before = marks(&store);
    let r = refused(store.write(&social_worker(), clock::at(day, 14, 0), |tx| {
        volunteers::review_shift(tx, &shift.id, Some("   "))
    }));
    assert_eq!(r.code, "required");
    assert!(zh(&r).contains("原因"), "{}", zh(&r));
    assert_nothing_written(&store, before, "decline without reason");
    assert_eq!(
        one_string(
            &store,
            &format!("SELECT status FROM shifts WHERE id = '{}'", shift.id)
        ),
        "pending"
    );

    // The social worker approves: the 120 minutes now count.
    let approved = store
        .write(&social_worker(), clock::at(day, 14, 5), |tx| {
            volunteers::review_shift(tx, &shift.id, None)
        })
        .unwrap();
    assert_eq!(approved.approved_minutes(), 120);
    let stored: (String, Option<String>) = store
        .conn()
        .query_row(
            "SELECT status, reviewer FROM shifts WHERE id = ?1",
            [&shift.id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(stored, ("approved".to_string(), Some("S002".to_string())));
    match events_since(&store, before).as_slice() {
        [EventPayload::ShiftReviewed {
            status,
            reviewer,
            minutes,
            ..
        }] => assert_eq!(
            (status.as_str(), reviewer.as_str(), *minutes),
            ("approved", "S002", 120)
        ),
        other => panic!("one review event expected, got {other:?}"),
    }
    assert_eq!(
        audits_since(&store, before),
        [("staff:S002".to_string(), "shift_reviewed".to_string())]
    );

    // A reviewed shift is not reviewed again: corrections are separate records.
    let before = marks(&store);
    let r = refused(store.write(&social_worker(), clock::at(day, 15, 0), |tx| {
        volunteers::review_shift(tx, &shift.id, Some("记录有误"))
    }));
    assert_eq!(r.code, "already_reviewed");
    assert_nothing_written(&store, before, "second review");

    // And no shift is ever deleted, whatever writes to the database.
    let deleted = store
        .conn()
        .execute("DELETE FROM shifts WHERE id = ?1", [&shift.id]);
    assert!(deleted.is_err(), "deleting a shift must fail");
    let left: i64 = store
        .conn()
        .query_row(
            "SELECT count(*) FROM shifts WHERE id = ?1",
            [&shift.id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(left, 1);
}

// ---------------------------------------------------------------- offers

const LUNCH: &str = "lunch-care";

#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    status: String,
    reason: Option<String>,
    deadline: Option<String>,
}

fn enrolment_of(store: &Store, resident: &str) -> Row {
    store
        .conn()
        .query_row(
            "SELECT status, reason, offer_deadline FROM enrolments
             WHERE programme_code = ?1 AND resident = ?2 ORDER BY updated_at DESC, rowid DESC LIMIT 1",
            (LUNCH, resident),
            |r| {
                Ok(Row {
                    status: r.get(0)?,
                    reason: r.get(1)?,
                    deadline: r.get(2)?,
                })
            },
        )
        .unwrap()
}

/// The waiting list in policy order (the sort key is the priority order, head first).
fn queue(store: &Store) -> Vec<String> {
    let mut stmt = store
        .conn()
        .prepare(
            "SELECT resident FROM enrolments WHERE programme_code = ?1 AND status = 'waitlisted' ORDER BY sort_key",
        )
        .unwrap();
    let rows = stmt.query_map([LUNCH], |r| r.get(0)).unwrap();
    rows.map(Result::unwrap).collect()
}

fn with_status(store: &Store, status: &str) -> Vec<String> {
    let mut stmt = store
        .conn()
        .prepare(
            "SELECT resident FROM enrolments WHERE programme_code = ?1 AND status = ?2 ORDER BY created_at, resident",
        )
        .unwrap();
    let rows = stmt.query_map((LUNCH, status), |r| r.get(0)).unwrap();
    rows.map(Result::unwrap).collect()
}

/// Seats held (confirmed + offered) never exceed capacity, and while anyone waits
/// none is left empty.
fn assert_seats(store: &Store, step: &str) {
    let (held, capacity, waiting): (i64, i64, i64) = store
        .conn()
        .query_row(
            "SELECT (SELECT count(*) FROM enrolments WHERE programme_code = ?1 AND status IN ('confirmed', 'offered')),
                    (SELECT capacity FROM programmes WHERE code = ?1),
                    (SELECT count(*) FROM enrolments WHERE programme_code = ?1 AND status = 'waitlisted')",
            [LUNCH],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert!(held <= capacity, "{step}: {held} seats held of {capacity}");
    if waiting > 0 {
        assert_eq!(
            held, capacity,
            "{step}: a seat sits empty while {waiting} wait"
        );
    }
}

/// Every enrolment changed since `m` has its own enrolment_changed event with the
/// status written, and the changed ones are exactly `expected` (resident, status).
fn assert_changes_told(store: &Store, m: Marks, expected: &[(&str, &str)]) {
    let mut told: Vec<(String, String)> = events_since(store, m)
        .into_iter()
        .filter_map(|e| match e {
            EventPayload::EnrolmentChanged {
                resident_id_number,
                status,
                programme_code,
                ..
            } => {
                assert_eq!(programme_code, LUNCH);
                Some((resident_id_number, status))
            }
            _ => None,
        })
        .collect();
    told.sort();
    let mut want: Vec<(String, String)> = expected
        .iter()
        .map(|(r, s)| (r.to_string(), s.to_string()))
        .collect();
    want.sort();
    assert_eq!(
        told, want,
        "one enrolment_changed event per changed enrolment"
    );
    for (resident, status) in expected {
        assert_eq!(&enrolment_of(store, resident).status, status);
    }
}

#[test]
fn a_freed_seat_is_offered_in_turn_and_passes_on_when_declined_or_lapsed() {
    let (_dir, mut store) = seeded();
    let t0 = now();
    let offer_hours: i64 = {
        let body = one_string(
            &store,
            "SELECT body FROM programmes WHERE code = 'lunch-care'",
        );
        let p: linli_core::programme::Programme = serde_json::from_str(&body).unwrap();
        i64::from(p.offer_hours)
    };
    assert_eq!(offer_hours, 48);
    assert_seats(&store, "the demo centre");
    // The demo leaves one open offer (made five hours before now) and a queue.
    let seeded_offer = with_status(&store, "offered");
    assert_eq!(seeded_offer.len(), 1, "{seeded_offer:?}");
    let seeded_offer = seeded_offer[0].clone();
    let seeded_deadline = t0 - Duration::hours(5) + Duration::hours(offer_hours);
    assert_eq!(
        enrolment_of(&store, &seeded_offer).deadline,
        Some(linli::clock::to_db(seeded_deadline))
    );
    let waiting = queue(&store);
    assert!(
        waiting.len() >= 7,
        "the demo queue is too short: {waiting:?}"
    );
    let confirmed = with_status(&store, "confirmed");

    // 1. A confirmed child cancels: the head of the list is offered the seat for 48 hours.
    let leaver = confirmed[0].clone();
    let head = waiting[0].clone();
    let m = marks(&store);
    let out =
        json(enrolment::cancel(&mut store, &desk(), t0, &leaver, LUNCH, Printing::Skip).unwrap());
    assert_eq!(out["previous"], "confirmed");
    assert_eq!(out["status"], "cancelled");
    let offered = enrolment_of(&store, &head);
    assert_eq!(offered.status, "offered");
    assert_eq!(
        offered.deadline,
        Some(linli::clock::to_db(t0 + Duration::hours(offer_hours)))
    );
    assert_eq!(
        out["offered_to"]["deadline"],
        linli::clock::to_db(t0 + Duration::hours(offer_hours))
    );
    assert_eq!(
        enrolment_of(&store, &leaver).reason.as_deref(),
        Some("cancelled")
    );
    assert_changes_told(&store, m, &[(&leaver, "cancelled"), (&head, "offered")]);
    assert_eq!(actions_since(&store, m), ["enrolment_cancelled"]);
    assert_seats(&store, "after the cancellation");

    // 2. Accepting before the deadline confirms the seat.
    let m = marks(&store);
    let out = json(
        enrolment::answer_offer(
            &mut store,
            &desk(),
            t0 + Duration::hours(1),
            &head,
            LUNCH,
            true,
            Printing::Skip,
        )
        .unwrap(),
    );
    assert_eq!(out["status"], "confirmed");
    let row = enrolment_of(&store, &head);
    assert_eq!(
        (row.status.as_str(), row.reason.as_deref(), row.deadline),
        ("confirmed", Some("offer_accepted"), None)
    );
    assert_changes_told(&store, m, &[(&head, "confirmed")]);
    assert_eq!(actions_since(&store, m), ["offer_accepted"]);
    assert_seats(&store, "after the acceptance");

    // 3. Another cancellation two hours later: the next in line is offered.
    let leaver2 = confirmed[1].clone();
    let second = waiting[1].clone();
    let m = marks(&store);
    enrolment::cancel(
        &mut store,
        &desk(),
        t0 + Duration::hours(2),
        &leaver2,
        LUNCH,
        Printing::Skip,
    )
    .unwrap();
    assert_changes_told(&store, m, &[(&leaver2, "cancelled"), (&second, "offered")]);
    assert_seats(&store, "after the second cancellation");

    // 4. Nobody answers: after both deadlines the offers lapse and the seats go to the
    // next two in line, earliest deadline first.
    let later = t0 + Duration::hours(2 + offer_hours) + Duration::minutes(1);
    let (third, fourth) = (waiting[2].clone(), waiting[3].clone());
    let m = marks(&store);
    enrolment::expire_offers(&mut store, later).unwrap();
    for lapsed in [&seeded_offer, &second] {
        let row = enrolment_of(&store, lapsed);
        assert_eq!(
            (row.status.as_str(), row.reason.as_deref(), row.deadline),
            ("cancelled", Some("offer_expired"), None),
            "a lapsed offer gives the seat up"
        );
    }
    for next in [&third, &fourth] {
        assert_eq!(
            enrolment_of(&store, next),
            Row {
                status: "offered".into(),
                reason: None,
                deadline: Some(linli::clock::to_db(later + Duration::hours(offer_hours))),
            }
        );
    }
    assert_changes_told(
        &store,
        m,
        &[
            (&seeded_offer, "cancelled"),
            (&second, "cancelled"),
            (&third, "offered"),
            (&fourth, "offered"),
        ],
    );
    assert_eq!(actions_since(&store, m), ["offers_expired"]);
    assert_seats(&store, "after the offers lapsed");
    // A second sweep finds nothing more to do.
    let m = marks(&store);
    enrolment::expire_offers(&mut store, later).unwrap();
    assert_nothing_written(&store, m, "a sweep with nothing due");

    // 5. Declining passes the seat straight on.
    let fifth = waiting[4].clone();
    let m = marks(&store);
    let out = json(
        enrolment::answer_offer(
            &mut store,
            &desk(),
            later + Duration::hours(1),
            &third,
            LUNCH,
            false,
            Printing::Skip,
        )
        .unwrap(),
    );
    assert_eq!(out["status"], "cancelled", "said as it is recorded");
    assert_eq!(
        out["offered_to"]["deadline"],
        linli::clock::to_db(later + Duration::hours(1 + offer_hours))
    );
    assert_eq!(
        enrolment_of(&store, &third).reason.as_deref(),
        Some("offer_declined")
    );
    assert_changes_told(&store, m, &[(&third, "cancelled"), (&fifth, "offered")]);
    assert_eq!(actions_since(&store, m), ["offer_declined"]);
    assert_seats(&store, "after the decline");

    // 6. Accepting after the deadline is refused, saying the deadline passed, and
    // changes nothing; the lapse itself is left to the sweep.
    let too_late = later + Duration::hours(offer_hours) + Duration::minutes(5);
    let m = marks(&store);
    let r = refused(enrolment::answer_offer(
        &mut store,
        &desk(),
        too_late,
        &fourth,
        LUNCH,
        true,
        Printing::Skip,
    ));
    assert_eq!(r.code, "offer_expired", "{}", zh(&r));
    assert!(zh(&r).contains("截止"), "{}", zh(&r));
    assert_nothing_written(&store, m, "a late acceptance");
    assert_eq!(enrolment_of(&store, &fourth).status, "offered");
    assert_seats(&store, "after the late acceptance");

    // Declining it late is refused the same way.
    let r = refused(enrolment::answer_offer(
        &mut store,
        &desk(),
        too_late,
        &fourth,
        LUNCH,
        false,
        Printing::Skip,
    ));
    assert_eq!(r.code, "offer_expired", "{}", zh(&r));
    assert_nothing_written(&store, m, "a late decline");

    // Any roster use-case later than a deadline lapses the offer on the way: the next
    // in line, at the desk, is offered the seat and takes it at once.
    let (sixth, seventh) = (queue(&store)[0].clone(), queue(&store)[1].clone());
    assert_eq!(sixth, waiting[5], "the queue kept its order");
    enrolment::answer_offer(
        &mut store,
        &desk(),
        too_late,
        &sixth,
        LUNCH,
        true,
        Printing::Skip,
    )
    .unwrap();
    assert_eq!(
        enrolment_of(&store, &fourth).reason.as_deref(),
        Some("offer_expired")
    );
    assert_changes_told(&store, m, &[(&fourth, "cancelled"), (&sixth, "confirmed")]);
    assert_seats(&store, "after the next in line accepted");
    // And a cancellation then goes to the one after.
    let m = marks(&store);
    let leaver3 = with_status(&store, "confirmed")[0].clone();
    enrolment::cancel(
        &mut store,
        &desk(),
        too_late,
        &leaver3,
        LUNCH,
        Printing::Skip,
    )
    .unwrap();
    assert_changes_told(&store, m, &[(&leaver3, "cancelled"), (&seventh, "offered")]);
    assert_seats(&store, "after a late cancellation");
}

#[test]
fn a_clash_with_a_current_programme_shows_on_the_card_before_the_tap_in_the_words_of_the_refusal() {
    let (_dir, mut store) = seeded();
    // An elder in day care (weekdays 08:30–17:00), not in calligraphy (Tue, Thu 09:30–11:00).
    let elder = one_string(
        &store,
        "SELECT resident FROM enrolments WHERE programme_code = 'day-care'
           AND status IN ('confirmed', 'waitlisted', 'offered')
           AND resident NOT IN (SELECT resident FROM enrolments WHERE programme_code = 'calligraphy'
                                AND status IN ('confirmed', 'waitlisted', 'offered'))
         ORDER BY resident LIMIT 1",
    );
    let resident = linli::usecase::load::resident(store.conn(), &elder)
        .unwrap()
        .unwrap();
    let options = enrolment::programme_options(store.conn(), &resident, now()).unwrap();
    let card = |code: &str| {
        options
            .iter()
            .find(|option| option.code == code)
            .unwrap_or_else(|| panic!("{code} is listed"))
            .clone()
    };
    let calligraphy = card("calligraphy");
    let clash = linli_core::Text::new(
        "与已报名的「长者日间照料」时间冲突（周一至周五 08:30–17:00）",
        "Clashes with \"Elderly day care\", already signed up for (Mon–Fri 08:30–17:00)",
    );
    assert_eq!(calligraphy.reasons, vec![clash.clone()]);
    // Day care itself, which they are in, clashes with nothing.
    assert!(
        card("day-care").reasons.is_empty(),
        "{:?}",
        card("day-care").reasons
    );
    // Those they may sign up for come first.
    let eligible: Vec<bool> = options.iter().map(|o| o.reasons.is_empty()).collect();
    assert!(eligible.windows(2).all(|w| w[0] || !w[1]), "{eligible:?}");

    // The tap is refused with the very reason the card showed, and nothing is written.
    let before = marks(&store);
    let r = refused(enrolment::signup(
        &mut store,
        &desk(),
        now(),
        &elder,
        "calligraphy",
        Printing::Queue,
    ));
    assert_eq!(r.code, "overlap");
    assert_eq!(r.reasons, vec![clash]);
    assert_nothing_written(&store, before, "a clashing sign-up");

    // A closed programme says so on its card.
    store
        .conn()
        .execute(
            "UPDATE programmes SET body = json_set(body, '$.status', 'closed') WHERE code = 'calligraphy'",
            [],
        )
        .unwrap();
    let options = enrolment::programme_options(store.conn(), &resident, now()).unwrap();
    let calligraphy = options.iter().find(|o| o.code == "calligraphy").unwrap();
    assert_eq!(calligraphy.reasons[0].zh, "「长者书法班」已停止报名");
    assert_eq!(calligraphy.reasons.len(), 2, "{:?}", calligraphy.reasons);
}

// ---------------------------------------------------------------- businesses

fn ledger_count(store: &Store, code: &str) -> i64 {
    store
        .conn()
        .query_row(
            "SELECT count(*) FROM ledgers WHERE business_code = ?1",
            [code],
            |r| r.get(0),
        )
        .unwrap()
}

#[test]
fn a_business_is_filed_once_and_its_profit_is_never_distributed() {
    let (_dir, mut store) = seeded();
    let manager = demo::demo_actor("S003");
    let t0 = now();

    // The demo's two businesses were filed this year as numbers 1 and 2 of the district.
    assert_eq!(
        one_string(
            &store,
            "SELECT filing_number FROM businesses WHERE code = 'HF-B01'"
        ),
        "备案-440306-2026-0001"
    );

    // A third business: registered, submitted, filed with the next number.
    let shop = ConvenienceBusiness {
        code: "HF-B03".into(),
        name: "便民裁缝铺".into(),
        category: linli_core::business::TAILORING.into(),
        operator: "海富社区服务中心".into(),
        stall: "服务中心一楼西侧".into(),
        employees: vec![],
    };
    let m = marks(&store);
    store
        .write(&manager, t0, |tx| {
            business::register_business(tx, shop.clone())?;
            business::act_on_filing(tx, "HF-B03", FilingAction::Submit, Printing::Queue)
        })
        .unwrap();
    let filing = store
        .write(&manager, t0 + Duration::hours(1), |tx| {
            business::act_on_filing(
                tx,
                "HF-B03",
                FilingAction::File {
                    filing_number: String::new(),
                },
                Printing::Queue,
            )
        })
        .unwrap();
    assert_eq!(filing.status, FilingStatus::Filed);
    let number = filing.filing_number.clone().unwrap();
    assert_eq!(number, "备案-440306-2026-0003");
    assert_eq!(
        linli_core::business::parse_filing_number(&number).unwrap(),
        ("440306".to_string(), 2026, 3)
    );
    let stored: (String, String) = store
        .conn()
        .query_row(
            "SELECT filing_status, filing_number FROM businesses WHERE code = 'HF-B03'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(stored, ("filed".to_string(), number.clone()));
    assert_eq!(
        kinds_since(&store, m),
        ["filing_changed", "filing_changed", "filing_changed"]
    );
    assert_eq!(
        actions_since(&store, m),
        ["business_registered", "filing_changed", "filing_changed"]
    );

    // Filing it a second time is refused and the number stays.
    let m = marks(&store);
    let r = refused(store.write(&manager, t0 + Duration::hours(2), |tx| {
        business::act_on_filing(
            tx,
            "HF-B03",
            FilingAction::File {
                filing_number: String::new(),
            },
            Printing::Queue,
        )
    }));
    assert_eq!(r.code, "illegal_transition");
    assert!(zh(&r).contains("已备案"), "{}", zh(&r));
    assert_nothing_written(&store, m, "filing twice");
    assert_eq!(
        one_string(
            &store,
            "SELECT filing_number FROM businesses WHERE code = 'HF-B03'"
        ),
        number
    );

    // A month's accounts that pay out profit are refused: it all goes to public service.
    let before_ledgers = ledger_count(&store, "HF-B01");
    let m = marks(&store);
    let r = refused(store.write(&manager, t0, |tx| {
        business::record_month(
            tx,
            "HF-B01",
            &ledger("2026-07", 1_500_000, 900_000, 100_000),
            Printing::Queue,
        )
    }));
    assert_eq!(r.code, "profit_distribution");
    assert!(zh(&r).contains("利润须全部用于社区公益服务"), "{}", zh(&r));
    assert_nothing_written(&store, m, "distributed profit");
    assert_eq!(ledger_count(&store, "HF-B01"), before_ledgers);

    // The same month without a distribution is recorded, with its event.
    let entry = store
        .write(&manager, t0, |tx| {
            business::record_month(
                tx,
                "HF-B01",
                &ledger("2026-07", 1_500_000, 900_000, 0),
                Printing::Queue,
            )
        })
        .unwrap();
    assert_eq!(entry.to_public_service_fund_fen(), 600_000);
    assert_eq!(ledger_count(&store, "HF-B01"), before_ledgers + 1);
    assert_eq!(kinds_since(&store, m), ["ledger_recorded"]);
    assert_eq!(slip_kinds_since(&store, m), ["ledger_summary"]);
    assert_eq!(actions_since(&store, m), ["ledger_recorded"]);

    // A second ledger for October (the demo recorded it) is refused.
    let m = marks(&store);
    let r = refused(store.write(&manager, t0, |tx| {
        business::record_month(tx, "HF-B01", &ledger("2026-10", 1, 0, 0), Printing::Queue)
    }));
    assert_eq!(r.code, "duplicate_ledger");
    assert!(zh(&r).contains("2026-10"), "{}", zh(&r));
    assert_nothing_written(&store, m, "second ledger for a month");
    assert_eq!(ledger_count(&store, "HF-B01"), before_ledgers + 1);
}

// ---------------------------------------------------------------- ratings

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

#[test]
fn a_bad_rating_opens_a_follow_up_due_in_working_days_and_a_service_is_rated_once() {
    let (_dir, mut store) = seeded();
    let calendar = linli_core::calendar::china_2026();
    let kiosk = Actor::kiosk();

    // Rated on Friday 25 September (the Mid-Autumn holiday): the weekend and the
    // holiday do not count, so the follow-up is due Wednesday 30 September.
    let friday = t("2026-09-25T10:00:00");
    let m = marks(&store);
    let follow_up = store
        .write(&kiosk, friday, |tx| {
            ratings::submit_rating(
                tx,
                "day-care:2026-09-25:E-test-1",
                "day-care",
                2,
                vec!["waiting_time".into()],
                Some("午饭等了很久".into()),
            )
        })
        .unwrap()
        .expect("a bad rating opens a follow-up");
    let expected = calendar.add_working_days(friday.date(), 3);
    assert_eq!(expected, d(2026, 9, 30));
    assert_eq!(follow_up.due, expected);
    let stored: (String, String) = store
        .conn()
        .query_row(
            "SELECT f.due, f.status FROM follow_ups f JOIN ratings r ON r.id = f.rating_id
             WHERE r.service_ref = 'day-care:2026-09-25:E-test-1'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(stored, ("2026-09-30".to_string(), "open".to_string()));
    match events_since(&store, m).as_slice() {
        [EventPayload::RatingSubmitted { level: 2, .. }, EventPayload::FollowUpChanged { due, status, .. }] =>
        {
            assert_eq!((*due, status.as_str()), (expected, "open"))
        }
        other => panic!("a rating and a follow-up event expected, got {other:?}"),
    }
    assert_eq!(actions_since(&store, m), ["rating_submitted"]);

    // Rated on Tuesday 29 September: across the National Day week to Friday 9 October.
    let tuesday = t("2026-09-29T16:00:00");
    let follow_up = store
        .write(&kiosk, tuesday, |tx| {
            ratings::submit_rating(
                tx,
                "after-school:2026-09-29:E-test-2",
                "after-school",
                1,
                vec![],
                Some("  接孩子时排队太久\n".into()),
            )
        })
        .unwrap()
        .unwrap();
    // What the resident typed is kept without the stray spaces, not refused for them.
    let body = one_string(
        &store,
        "SELECT body FROM ratings WHERE service_ref = 'after-school:2026-09-29:E-test-2'",
    );
    let rating: linli_core::rating::Rating = serde_json::from_str(&body).unwrap();
    assert_eq!(rating.comment.as_deref(), Some("接孩子时排队太久"));
    assert_eq!(follow_up.due, calendar.add_working_days(tuesday.date(), 3));
    assert_eq!(follow_up.due, d(2026, 10, 9));

    // A fair rating opens nothing.
    let m = marks(&store);
    let none = store
        .write(&kiosk, now(), |tx| {
            ratings::submit_rating(
                tx,
                "day-care:2026-11-23:E-test-3",
                "day-care",
                3,
                vec![],
                Some("   ".into()),
            )
        })
        .unwrap();
    assert!(none.is_none());
    let body = one_string(
        &store,
        "SELECT body FROM ratings WHERE service_ref = 'day-care:2026-11-23:E-test-3'",
    );
    let rating: linli_core::rating::Rating = serde_json::from_str(&body).unwrap();
    assert_eq!(rating.comment, None, "a blank comment is no comment");
    assert_eq!(kinds_since(&store, m), ["rating_submitted"]);

    // Rating the same service again is refused and the first rating stands.
    let m = marks(&store);
    let r = refused(store.write(&kiosk, friday + Duration::hours(1), |tx| {
        ratings::submit_rating(
            tx,
            "day-care:2026-09-25:E-test-1",
            "day-care",
            5,
            vec![],
            None,
        )
    }));
    assert_eq!(r.code, "already_rated");
    assert!(zh(&r).contains("只能评价一次"), "{}", zh(&r));
    assert_nothing_written(&store, m, "second rating");
    let level: i64 = store
        .conn()
        .query_row(
            "SELECT level FROM ratings WHERE service_ref = 'day-care:2026-09-25:E-test-1'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(level, 2);
    let follow_ups: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM follow_ups", [], |r| r.get(0))
        .unwrap();
    // The demo's one bad rating, plus the two above.
    assert_eq!(follow_ups, 3);

    // One the demo centre already rated is refused the same way.
    let seeded_ref = one_string(
        &store,
        "SELECT service_ref FROM ratings ORDER BY rated_at, id LIMIT 1",
    );
    let r = refused(store.write(&kiosk, now(), |tx| {
        ratings::submit_rating(tx, &seeded_ref, "after-school", 1, vec![], None)
    }));
    assert_eq!(r.code, "already_rated");
    assert_nothing_written(&store, m, "second rating of a demo service");
}

#[test]
fn no_roll_call_on_a_day_the_programme_does_not_run_and_no_mistyped_pickup_adult() {
    let (_dir, mut store) = seeded();
    let child: String = one_string(
        &store,
        "SELECT resident FROM enrolments WHERE programme_code = 'after-school' AND status = 'confirmed' ORDER BY resident LIMIT 1",
    );
    let before = marks(&store);
    // Sunday 22 November, and Thursday 1 October (National Day): 四点半学校 does not run.
    for day in ["2026-11-22T16:35:00", "2026-10-01T16:35:00"] {
        let r = refused(store.write(&desk(), t(day), |tx| {
            attendance::check_in(tx, "after-school", &child)
        }));
        assert_eq!(r.code, "no_session", "{day}");
        assert!(
            zh(&r).contains("周一至周五"),
            "says when it runs: {}",
            zh(&r)
        );
    }
    assert_nothing_written(&store, before, "a check-in on a day without a session");

    // A pickup list whose adult's ID number has a typo is refused at the desk.
    let mut typo = String::from("11010519491231002X");
    typo.replace_range(17..18, "3");
    let list = PickupAuthorisation {
        child: child.clone(),
        adults: vec![PickupAdult {
            name: "李四".into(),
            relation: "舅舅".into(),
            id_number: Some(typo),
            card_code: None,
            must_not_collect: false,
            valid_from: None,
            valid_until: None,
        }],
        may_leave_alone: false,
    };
    let before = marks(&store);
    let r = refused(store.write(&desk(), now(), |tx| {
        attendance::set_pickup_authorisation(tx, &list)
    }));
    assert_eq!(r.code, "check_character");
    assert_nothing_written(&store, before, "a pickup list with a mistyped ID number");
}

/// The store keeps each programme's roster in memory between use-cases; it must never
/// remember a rolled-back change, nor miss a change another process committed.
#[test]
fn the_roster_a_store_remembers_follows_rollbacks_and_other_processes() {
    let (dir, mut store) = seeded();
    let free_child = |store: &Store| -> String {
        one_string(
            store,
            "SELECT id_number FROM residents WHERE birth_date BETWEEN '2015-01-01' AND '2019-06-30'
             AND id_number NOT IN (SELECT resident FROM enrolments WHERE programme_code = 'after-school')
             ORDER BY id_number LIMIT 1",
        )
    };
    let child = free_child(&store);
    // A use-case that signs up and then fails: the sign-up is rolled back...
    let failed: Result<(), AppError> = store.write(&desk(), now(), |tx| {
        enrolment::signup_in(tx, &child, "after-school")?;
        Err(Refused::new("test", linli_core::Text::new("中止", "abort"), vec![]).into())
    });
    assert!(failed.is_err());
    // ...so signing the same child up again is not a duplicate.
    let placed = store.write(&desk(), now(), |tx| {
        enrolment::signup_in(tx, &child, "after-school")
    });
    assert!(
        placed.is_ok(),
        "the rolled-back sign-up is forgotten: {placed:?}"
    );

    // Another process (the CLI, a sync) cancels that enrolment behind this store's back.
    let mut other = Store::open_in(dir.path()).unwrap();
    enrolment::cancel(
        &mut other,
        &desk(),
        now(),
        &child,
        "after-school",
        Printing::Skip,
    )
    .unwrap();
    // This store must see it: the child can sign up again rather than be a "duplicate".
    let again = store.write(&desk(), now() + Duration::minutes(1), |tx| {
        enrolment::signup_in(tx, &child, "after-school")
    });
    assert!(
        again.is_ok(),
        "a change from another connection is seen: {again:?}"
    );
    let active: i64 = store
        .conn()
        .query_row(
            "SELECT count(*) FROM enrolments WHERE resident = ?1 AND programme_code = 'after-school' AND status IN ('confirmed', 'waitlisted', 'offered')",
            [&child],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(active, 1);
}

#[test]
fn a_social_worker_settles_a_forgotten_shift_and_closes_a_complaint() {
    let (_dir, mut store) = seeded();
    let social = social_worker();
    // The demo's last volunteer forgot to clock out; today's clock-in closed that shift
    // into "needs confirmation", with no hours counted yet.
    let (shift_id, clock_in): (String, String) = store
        .conn()
        .query_row(
            "SELECT id, clock_in FROM shifts WHERE status = 'needs_confirmation' LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let clock_in = linli::clock::from_db(&clock_in).unwrap();
    let before = marks(&store);
    let r = refused(store.write(&social, now(), |tx| {
        volunteers::confirm_shift_end(tx, &shift_id, clock_in + Duration::hours(20), None)
    }));
    assert!(
        zh(&r).contains("小时"),
        "an implausible end is refused: {}",
        zh(&r)
    );
    assert_nothing_written(&store, before, "an implausible end time");
    let shift = store
        .write(&social, now(), |tx| {
            volunteers::confirm_shift_end(
                tx,
                &shift_id,
                clock_in + Duration::minutes(150),
                Some("组织者确认"),
            )
        })
        .unwrap();
    assert_eq!(shift.minutes, 150);
    assert_eq!(
        one_string(
            &store,
            &format!("SELECT status FROM shifts WHERE id = '{shift_id}'")
        ),
        "approved"
    );

    // The demo's bad rating has an open follow-up; closing it needs a note, once.
    let rating_id = one_string(
        &store,
        "SELECT rating_id FROM follow_ups WHERE status = 'open' LIMIT 1",
    );
    let before = marks(&store);
    refused(store.write(&social, now(), |tx| {
        ratings::close_follow_up(tx, &rating_id, "  ")
    }));
    assert_nothing_written(&store, before, "closing a follow-up without a note");
    store
        .write(&social, now(), |tx| {
            ratings::close_follow_up(tx, &rating_id, "已电话回访家长，调整接送排队")
        })
        .unwrap();
    assert_eq!(
        one_string(
            &store,
            &format!("SELECT status FROM follow_ups WHERE rating_id = '{rating_id}'")
        ),
        "closed"
    );
    assert!(kinds_since(&store, before).contains(&"follow_up_changed".to_string()));
    refused(store.write(&social, now(), |tx| {
        ratings::close_follow_up(tx, &rating_id, "再次")
    }));
}

// ---------------------------------------------------------------- permissions

/// Invariant 7: each staff use-case checks the permission itself, whatever screen or
/// command reached it. Every one below is called with an actor that may not do it and
/// must refuse in words, writing nothing.
#[test]
fn every_staff_use_case_checks_the_permission_itself() {
    let (_dir, mut store) = seeded();
    let child = one_string(
        &store,
        "SELECT resident FROM enrolments WHERE programme_code = 'after-school' AND status = 'confirmed' ORDER BY resident LIMIT 1",
    );
    let shift = one_string(
        &store,
        "SELECT id FROM shifts WHERE status = 'pending' ORDER BY id LIMIT 1",
    );
    let rating = one_string(
        &store,
        "SELECT rating_id FROM follow_ups WHERE status <> 'closed' LIMIT 1",
    );
    let elder = one_string(
        &store,
        "SELECT resident FROM enrolments WHERE programme_code = 'day-care' AND status = 'confirmed' ORDER BY resident LIMIT 1",
    );
    type Case<'a> = (
        &'a str,
        Box<dyn Fn(&mut linli::store::Tx<'_>) -> Result<(), AppError> + 'a>,
    );
    let cases: Vec<(Actor, Case)> = vec![
        (
            technician(),
            (
                "roll call",
                Box::new(|tx| attendance::check_in(tx, "after-school", &child)),
            ),
        ),
        (
            Actor::kiosk(),
            (
                "day-care check-in",
                Box::new(|tx| attendance::check_in(tx, "day-care", &elder)),
            ),
        ),
        (
            technician(),
            (
                "pickup",
                Box::new(|tx| {
                    attendance::check_out(tx, "after-school", &child, Some(&Collector::Alone))
                }),
            ),
        ),
        (
            desk(),
            (
                "approve hours",
                Box::new(|tx| volunteers::review_shift(tx, &shift, None).map(|_| ())),
            ),
        ),
        (
            Actor::kiosk(),
            (
                "approve hours at the kiosk",
                Box::new(|tx| volunteers::review_shift(tx, &shift, None).map(|_| ())),
            ),
        ),
        (
            desk(),
            (
                "close a follow-up",
                Box::new(|tx| ratings::close_follow_up(tx, &rating, "已回访").map(|_| ())),
            ),
        ),
        (
            desk(),
            (
                "register a volunteer",
                Box::new(|tx| volunteers::register_volunteer(tx, &child, "陪伴").map(|_| ())),
            ),
        ),
        (
            desk(),
            (
                "file a business",
                Box::new(|tx| {
                    business::act_on_filing(
                        tx,
                        "HF-B01",
                        FilingAction::Suspend {
                            reason: "检查".into(),
                        },
                        Printing::Skip,
                    )
                    .map(|_| ())
                }),
            ),
        ),
        (
            social_worker(),
            (
                "record a ledger",
                Box::new(|tx| {
                    business::record_month(
                        tx,
                        "HF-B01",
                        &ledger("2020-01", 1, 0, 0),
                        Printing::Skip,
                    )
                    .map(|_| ())
                }),
            ),
        ),
        (
            technician(),
            (
                "an absence",
                Box::new(|tx| {
                    absences::report_absence(
                        tx,
                        "after-school",
                        &child,
                        &AbsenceReport {
                            date: now().date(),
                            part: DayPart::WholeDay,
                            reason: AbsenceReason::Leave,
                            note: None,
                        },
                    )
                    .map(|_| ())
                }),
            ),
        ),
        (
            Actor::kiosk(),
            (
                "meal counts at the kiosk",
                Box::new(|tx| meals::meal_counts(tx, now().date(), true).map(|_| ())),
            ),
        ),
        (
            technician(),
            (
                "a meal count",
                Box::new(|tx| {
                    meals::record_meal_count(tx, "lunch-care", now().date(), 1).map(|_| ())
                }),
            ),
        ),
        (
            technician(),
            (
                "a child's allergies",
                Box::new(|tx| dietary::dietary_needs(tx, &child).map(|_| ())),
            ),
        ),
        (
            Actor::system(),
            (
                "a sign-up by nobody in particular",
                Box::new(|tx| enrolment::signup_in(tx, &child, "calligraphy").map(|_| ())),
            ),
        ),
        (
            desk(),
            (
                "a rating in a resident's name",
                Box::new(|tx| {
                    ratings::submit_rating(
                        tx,
                        "after-school:2026-11-20:x",
                        "after-school",
                        5,
                        vec![],
                        None,
                    )
                    .map(|_| ())
                }),
            ),
        ),
        (
            technician(),
            (
                "a fee",
                Box::new(|tx| {
                    fees::pay(
                        tx,
                        &elder,
                        "day-care",
                        100,
                        PaymentMethod::Cash,
                        None,
                        Printing::Queue,
                    )
                    .map(|_| ())
                }),
            ),
        ),
        (
            Actor::kiosk(),
            (
                "a fee at the kiosk",
                Box::new(|tx| {
                    fees::pay(
                        tx,
                        &elder,
                        "day-care",
                        100,
                        PaymentMethod::Cash,
                        None,
                        Printing::Queue,
                    )
                    .map(|_| ())
                }),
            ),
        ),
        (
            technician(),
            (
                "a refund",
                Box::new(|tx| fees::refund(tx, "P-1", 100, "x", Printing::Queue).map(|_| ())),
            ),
        ),
        (
            technician(),
            (
                "the day's cash",
                Box::new(|tx| fees::daily_summary(tx, now().date(), Printing::Queue).map(|_| ())),
            ),
        ),
    ];
    for (actor, (what, case)) in cases {
        let before = marks(&store);
        let r = refused(store.write(&actor, now(), |tx| case(tx)));
        assert!(
            [
                "not_permitted",
                "staff_credential_required",
                "rating_by_resident_only"
            ]
            .contains(&r.code.as_str()),
            "{what}: {r:?}"
        );
        assert!(!zh(&r).is_empty());
        assert_nothing_written(&store, before, what);
    }
}

#[test]
fn older_unrated_sessions_are_not_hidden_by_rated_ones_and_a_member_who_left_can_rate() {
    let (_dir, mut store) = seeded();
    let child = one_string(
        &store,
        "SELECT resident FROM enrolments WHERE programme_code = 'after-school' AND status = 'confirmed' ORDER BY resident LIMIT 1",
    );
    let household = one_string(
        &store,
        &format!("SELECT household_code FROM residents WHERE id_number = '{child}'"),
    );
    let enrolled_at = one_string(
        &store,
        &format!("SELECT created_at FROM enrolments WHERE resident = '{child}' AND programme_code = 'after-school' AND status = 'confirmed'"),
    );
    // 25 attended sessions after the enrolment, newest first in the list.
    let first =
        NaiveDate::parse_from_str(&enrolled_at[..10], "%Y-%m-%d").unwrap() + Duration::days(1);
    {
        let conn = rusqlite::Connection::open(store.path()).unwrap();
        for day in 0..25 {
            let date = (first + Duration::days(day)).to_string();
            conn.execute(
                "INSERT OR IGNORE INTO attendance (programme_code, session_date, resident, checked_in_at, checked_out_at, body)
                 VALUES ('after-school', ?1, ?2, ?1 || 'T16:30:00', ?1 || 'T17:50:00', '{}')",
                [&date, &child],
            )
            .unwrap();
        }
    }
    let today = first + Duration::days(25);
    let mine = |store: &Store| -> Vec<ratings::ServiceUse> {
        ratings::unrated_service_uses(store.conn(), &household, today)
            .unwrap()
            .into_iter()
            .filter(|u| u.programme_code == "after-school")
            .collect()
    };
    let listed = mine(&store);
    assert_eq!(listed.len(), 20, "the list is cut to 20");
    // Residents read the day in words, in one language at a time.
    let newest = NaiveDate::parse_from_str(&listed[0].date, "%Y-%m-%d").unwrap();
    let title = listed[0].title();
    let day = linli_core::dates::weekday_day_text(newest);
    assert!(
        title
            .zh
            .ends_with(&format!("四点半学校（课后托管） · {}", day.zh)),
        "{}",
        title.zh
    );
    assert!(
        title.en.ends_with(&format!(
            "Four-thirty school (after-school care) · {}",
            day.en
        )),
        "{}",
        title.en
    );
    assert!(!title.zh.contains(&listed[0].date) && !title.en.contains(&listed[0].date));
    // The demo may have rated one or two of these days already.
    let rated_before: i64 = store
        .conn()
        .query_row(
            "SELECT count(*) FROM ratings r JOIN attendance a
             ON r.service_ref = 'after-school:' || a.session_date || ':' ||
                (SELECT id FROM enrolments WHERE resident = ?1 AND programme_code = 'after-school' AND status = 'confirmed')
             WHERE a.resident = ?1 AND a.programme_code = 'after-school' AND a.session_date >= ?2",
            [&child, &first.to_string()],
            |r| r.get(0),
        )
        .unwrap();
    // Rate the 20 shown: the 5 older ones must come next.
    for u in &listed {
        store
            .write(&Actor::kiosk(), now(), |tx| {
                ratings::submit_rating(tx, &u.service_ref, "after-school", 5, vec![], None)
            })
            .unwrap();
    }
    let rest = mine(&store);
    assert_eq!(
        rest.len() as i64,
        25 - 20 - rated_before,
        "the older unrated sessions come next"
    );
    assert!(!rest.is_empty());
    // The child leaves the programme; what they attended can still be rated.
    store
        .write(&desk(), now(), |tx| {
            enrolment::cancel_in(tx, &child, "after-school", Printing::Skip)
        })
        .unwrap();
    assert_eq!(mine(&store).len(), rest.len());
}

// ---------------------------------------------------------------- fees

/// A day-care member aged 80 or over on `now()` without a full waiver: half the
/// monthly fee is waived for their age (`elderly_80`), so ¥150.00 is due.
fn elder_over_80(store: &Store) -> String {
    one_string(
        store,
        "SELECT r.id_number FROM residents r JOIN enrolments e ON e.resident = r.id_number
         WHERE e.programme_code = 'day-care' AND e.status = 'confirmed'
           AND r.birth_date <= '1946-11-23' AND r.tags NOT LIKE '%low_income%'
         ORDER BY r.id_number LIMIT 1",
    )
}

/// A day-care member under 80 with no waiving tag: the whole ¥300.00 is due.
fn elder_paying_in_full(store: &Store) -> String {
    one_string(
        store,
        "SELECT r.id_number FROM residents r JOIN enrolments e ON e.resident = r.id_number
         WHERE e.programme_code = 'day-care' AND e.status = 'confirmed'
           AND r.birth_date > '1946-11-23' AND r.tags NOT LIKE '%low_income%'
           AND r.tags NOT LIKE '%disabled%'
         ORDER BY r.id_number LIMIT 1",
    )
}

/// The slip as the printer would print it on 58 mm paper, decoded back to text.
fn printed_slip(store: &Store, serial: &str) -> String {
    let receipt = linli::print::queue::stored_slip(store.conn(), serial)
        .unwrap()
        .expect("the slip is stored");
    let paper = linli_hardware::receipt::Paper::Mm58;
    let bytes = linli_hardware::receipt::render_to_vec(&receipt, paper).unwrap();
    linli_hardware::receipt::slip_text(&bytes).unwrap()
}

fn pay(
    store: &mut Store,
    actor: &Actor,
    at: NaiveDateTime,
    resident: &str,
    amount_fen: i64,
    method: PaymentMethod,
    reference: Option<&str>,
) -> Result<linli::store::Issued<fees::Paid>, AppError> {
    store.write_issuing(actor, at, |tx| {
        fees::pay(
            tx,
            resident,
            "day-care",
            amount_fen,
            method,
            reference,
            Printing::Queue,
        )
    })
}

#[test]
fn a_fee_with_a_waiver_is_paid_in_part_and_its_receipt_shows_the_waiver_as_an_amount_only() {
    let (_dir, mut store) = seeded();
    let elder = elder_over_80(&store);
    let name: String = store
        .conn()
        .query_row(
            "SELECT name FROM residents WHERE id_number = ?1",
            [&elder],
            |r| r.get(0),
        )
        .unwrap();
    let before = marks(&store);
    let paid = pay(
        &mut store,
        &desk(),
        now(),
        &elder,
        10_000,
        PaymentMethod::Cash,
        None,
    )
    .unwrap();
    let outcome = &paid.outcome;
    assert_eq!(outcome.quote.base_fen, 30_000);
    assert_eq!(outcome.quote.waived_fen, 15_000);
    assert_eq!(outcome.quote.due_fen, 15_000);
    assert_eq!(outcome.outstanding_fen, 5_000);
    assert_eq!(outcome.payment.period, "2026-11");
    assert_eq!(outcome.payment.staff, "S001");
    assert_eq!(kinds_since(&store, before), ["payment_recorded"]);
    match &events_since(&store, before)[0] {
        EventPayload::PaymentRecorded {
            amount_fen,
            kind,
            method,
            resident_id_number,
            ..
        } => {
            assert_eq!(
                (*amount_fen, kind.as_str(), method.as_str()),
                (10_000, "payment", "cash")
            );
            assert_eq!(resident_id_number, &elder);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        audits_since(&store, before),
        [("staff:S001".to_string(), "fee_paid".to_string())]
    );
    assert_eq!(slip_kinds_since(&store, before), ["payment_receipt"]);
    let text = printed_slip(&store, &paid.slips[0].serial);
    for expected in [
        "收据",
        "Payment receipt",
        "减免/Waiver",
        "-￥150.00",
        "应付/To pay",
        "实收/Paid",
        "￥100.00",
        "尚欠/Owed",
        "￥50.00",
        "现金",
        "2026年11月",
    ] {
        assert!(text.contains(expected), "{expected:?} in:\n{text}");
    }
    // The waiver's reason (the elder's age tag) and the elder's full name and ID
    // number stay off the paper; and it is not the "to pay" slip.
    for secret in [
        "80周岁",
        "Aged 80",
        "elderly_80",
        name.as_str(),
        elder.as_str(),
        "不作付款收据",
    ] {
        assert!(!text.contains(secret), "{secret:?} in:\n{text}");
    }

    // More than is still owed is refused, by the field, and writes nothing.
    let before = marks(&store);
    let r = refused(pay(
        &mut store,
        &desk(),
        now(),
        &elder,
        5_001,
        PaymentMethod::Cash,
        None,
    ));
    assert_eq!(r.code, "above_due", "{r:?}");
    assert!(
        zh(&r).contains("￥50.00") || zh(&r).contains("¥50.00"),
        "{}",
        zh(&r)
    );
    // A transfer without its reference, or with one nobody could have typed right.
    let r = refused(pay(
        &mut store,
        &desk(),
        now(),
        &elder,
        5_000,
        PaymentMethod::Reference,
        None,
    ));
    assert!(zh(&r).contains("付款单号"), "{}", zh(&r));
    let r = refused(pay(
        &mut store,
        &desk(),
        now(),
        &elder,
        5_000,
        PaymentMethod::Reference,
        Some("42 00"),
    ));
    assert!(zh(&r).contains("付款单号"), "{}", zh(&r));
    assert_nothing_written(&store, before, "a payment refused");

    // The rest by transfer settles the month; then nothing more is taken.
    let rest = pay(
        &mut store,
        &desk(),
        now(),
        &elder,
        5_000,
        PaymentMethod::Reference,
        Some("4200001234"),
    )
    .unwrap();
    assert_eq!(rest.outcome.outstanding_fen, 0);
    let text = printed_slip(&store, &rest.slips[0].serial);
    assert!(text.contains("4200001234"), "{text}");
    assert!(text.contains("转账"), "{text}");
    let before = marks(&store);
    let r = refused(pay(
        &mut store,
        &desk(),
        now(),
        &elder,
        1,
        PaymentMethod::Cash,
        None,
    ));
    assert_eq!(r.code, "nothing_due", "{r:?}");
    assert_nothing_written(&store, before, "a payment for a month paid in full");
    // Next month, the fee is due again.
    let december = t("2026-12-01T09:00:00");
    assert_eq!(
        pay(
            &mut store,
            &desk(),
            december,
            &elder,
            15_000,
            PaymentMethod::Cash,
            None
        )
        .unwrap()
        .outcome
        .payment
        .period,
        "2026-12"
    );
}

#[test]
fn a_refund_above_what_was_paid_or_without_a_reason_is_refused_and_a_technician_takes_no_money() {
    let (_dir, mut store) = seeded();
    let elder = elder_paying_in_full(&store);
    let before = marks(&store);
    let r = refused(pay(
        &mut store,
        &technician(),
        now(),
        &elder,
        30_000,
        PaymentMethod::Cash,
        None,
    ));
    assert_eq!(r.code, "not_permitted", "{r:?}");
    assert_nothing_written(&store, before, "a technician taking a fee");
    // Someone without a seat owes nothing.
    let outsider = one_string(
        &store,
        "SELECT id_number FROM residents WHERE id_number NOT IN
           (SELECT resident FROM enrolments WHERE programme_code = 'day-care' AND status = 'confirmed')
         ORDER BY id_number LIMIT 1",
    );
    let r = refused(pay(
        &mut store,
        &desk(),
        now(),
        &outsider,
        30_000,
        PaymentMethod::Cash,
        None,
    ));
    assert_eq!(r.code, "not_enrolled", "{r:?}");
    assert_nothing_written(&store, before, "a fee for someone without a seat");

    let paid = pay(
        &mut store,
        &desk(),
        now(),
        &elder,
        30_000,
        PaymentMethod::Cash,
        None,
    )
    .unwrap();
    let id = paid.outcome.payment.id.clone();
    let refund = |store: &mut Store, actor: &Actor, fen: i64, reason: &str| {
        store.write_issuing(actor, now(), |tx| {
            fees::refund(tx, &id, fen, reason, Printing::Queue)
        })
    };
    let before = marks(&store);
    let r = refused(refund(&mut store, &desk(), 30_001, "月中退出"));
    assert_eq!(r.code, "above_paid", "{r:?}");
    let r = refused(refund(&mut store, &desk(), 10_000, "   "));
    assert!(zh(&r).contains("原因"), "{}", zh(&r));
    let r = refused(refund(&mut store, &technician(), 10_000, "月中退出"));
    assert_eq!(r.code, "not_permitted", "{r:?}");
    let r = refused(store.write_issuing(&desk(), now(), |tx| {
        fees::refund(tx, "no-such-payment", 100, "x", Printing::Queue)
    }));
    assert_eq!(r.code, "not_found", "{r:?}");
    assert_nothing_written(&store, before, "a refused refund");

    let done = refund(&mut store, &social_worker(), 10_000, "月中退出，按天退费").unwrap();
    assert_eq!(done.outcome.left_fen, 20_000);
    assert_eq!(done.outcome.refund.refunds.as_deref(), Some(id.as_str()));
    assert_eq!(kinds_since(&store, before), ["payment_recorded"]);
    assert_eq!(actions_since(&store, before), ["fee_refunded"]);
    assert_eq!(slip_kinds_since(&store, before), ["refund_receipt"]);
    let text = printed_slip(&store, &done.slips[0].serial);
    assert!(text.contains("退款收据"), "{text}");
    assert!(text.contains("月中退出"), "{text}");
    assert!(text.contains("￥100.00"), "{text}");
    // What is left of the payment is all that can still go back.
    let before = marks(&store);
    let r = refused(refund(&mut store, &desk(), 20_001, "再退"));
    assert_eq!(r.code, "above_paid", "{r:?}");
    assert_nothing_written(&store, before, "a second refund above what is left");
    // And the record itself cannot be rewritten or removed.
    assert!(store
        .conn()
        .execute("UPDATE payments SET amount_fen = 1", [])
        .is_err());
    assert!(store.conn().execute("DELETE FROM payments", []).is_err());
}

#[test]
fn the_daily_summary_totals_the_day_by_method_and_prints_no_person() {
    let (_dir, mut store) = seeded();
    let full = elder_paying_in_full(&store);
    let half = elder_over_80(&store);
    let morning = t("2026-11-23T09:30:00");
    pay(
        &mut store,
        &desk(),
        morning,
        &full,
        30_000,
        PaymentMethod::Cash,
        None,
    )
    .unwrap();
    let transfer = pay(
        &mut store,
        &desk(),
        morning,
        &half,
        15_000,
        PaymentMethod::Reference,
        Some("WX-20261123-0001"),
    )
    .unwrap();
    store
        .write_issuing(&desk(), t("2026-11-23T15:00:00"), |tx| {
            fees::refund(
                tx,
                &transfer.outcome.payment.id,
                5_000,
                "重复缴费",
                Printing::Skip,
            )
        })
        .unwrap();
    // The day before is another day's money.
    pay(
        &mut store,
        &desk(),
        t("2026-11-22T10:00:00"),
        &full,
        100,
        PaymentMethod::Cash,
        None,
    )
    .ok();

    let before = marks(&store);
    let r = refused(store.write_issuing(&technician(), now(), |tx| {
        fees::daily_summary(tx, now().date(), Printing::Queue)
    }));
    assert_eq!(r.code, "not_permitted");
    assert_nothing_written(&store, before, "a technician reading the day's money");

    let done = store
        .write_issuing(&desk(), t("2026-11-23T17:30:00"), |tx| {
            fees::daily_summary(tx, now().date(), Printing::Queue)
        })
        .unwrap();
    let summary = &done.outcome;
    assert_eq!((summary.cash.payments, summary.cash.paid_fen), (1, 30_000));
    assert_eq!(
        (summary.reference.payments, summary.reference.paid_fen),
        (1, 15_000)
    );
    assert_eq!(
        (summary.reference.refunds, summary.reference.refunded_fen),
        (1, 5_000)
    );
    assert_eq!(summary.net_cash_fen, 30_000);
    assert_eq!(summary.net_fen, 40_000);
    assert_eq!(actions_since(&store, before), ["fee_summary"]);
    assert_eq!(slip_kinds_since(&store, before), ["daily_cash_summary"]);
    let text = printed_slip(&store, &done.slips[0].serial);
    assert!(text.contains("收费日结单"), "{text}");
    assert!(text.contains("￥300.00"), "{text}");
    assert!(text.contains("￥400.00"), "{text}");
    assert!(!text.contains(&full) && !text.contains(&half), "{text}");
    for payer in [&full, &half] {
        let name = one_string(
            &store,
            &format!("SELECT name FROM residents WHERE id_number = '{payer}'"),
        );
        let masked = linli_core::identity::mask_name(&name);
        assert!(!text.contains(&masked), "no payer, even masked: {text}");
    }

    // The export for the end of the day: Excel's CSV, and the same numbers.
    let csv = fees::summary_csv(summary);
    assert!(csv.starts_with('\u{feff}'));
    assert!(csv.contains("date,method,payments,paid_fen,refunds,refunded_fen,net_fen\r\n"));
    assert!(
        csv.contains("2026-11-23,cash,1,30000,0,0,30000\r\n"),
        "{csv}"
    );
    assert!(
        csv.contains("2026-11-23,total,2,45000,1,5000,40000\r\n"),
        "{csv}"
    );
    assert!(!csv.replace("\r\n", "").contains('\n'));
}

// ---------------------------------------------------------------- day care

/// `n` day-care members with no attendance yet on `now()`'s day, with their names.
fn day_care_members(store: &Store, n: usize) -> Vec<(String, String)> {
    let mut stmt = store
        .conn()
        .prepare(
            "SELECT r.id_number, r.name FROM residents r JOIN enrolments e ON e.resident = r.id_number
             WHERE e.programme_code = 'day-care' AND e.status = 'confirmed'
               AND r.id_number NOT IN (SELECT resident FROM attendance
                                       WHERE programme_code = 'day-care' AND session_date = '2026-11-23')
             ORDER BY r.id_number LIMIT ?1",
        )
        .unwrap();
    let rows = stmt
        .query_map([n as i64], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    let found: Vec<(String, String)> = rows.map(Result::unwrap).collect();
    assert_eq!(
        found.len(),
        n,
        "the demo has {n} day-care members not yet in"
    );
    found
}

#[test]
fn a_day_care_day_with_a_missing_drop_off_is_flagged_and_does_not_close_silently() {
    let (_dir, mut store) = seeded();
    let people = day_care_members(&store, 4);
    let (a, b, c, d) = (&people[0], &people[1], &people[2], &people[3]);
    let at = |h, m| clock::at(now().date(), h, m);
    let time = |h, m| chrono::NaiveTime::from_hms_opt(h, m, 0).unwrap();
    let write = |store: &mut Store,
                 when: NaiveDateTime,
                 f: &dyn Fn(&mut linli::store::Tx<'_>) -> Result<(), AppError>| {
        store.write(&desk(), when, |tx| f(tx))
    };
    write(&mut store, at(7, 30), &|tx| {
        day_care::set_transport(tx, None, &a.0, "海滨社区3栋1201", time(8, 0)).map(|_| ())?;
        day_care::set_transport(tx, None, &b.0, "幸福花园5号楼2单元", time(8, 15)).map(|_| ())
    })
    .unwrap();
    write(&mut store, at(8, 5), &|tx| {
        day_care::record_transport(tx, None, &a.0, true).map(|_| ())
    })
    .unwrap();
    write(&mut store, at(8, 20), &|tx| {
        day_care::record_transport(tx, None, &b.0, true).map(|_| ())
    })
    .unwrap();
    let before = marks(&store);
    write(&mut store, at(8, 35), &|tx| {
        day_care::record_transport(tx, None, &a.0, false).map(|_| ())?;
        day_care::arrive(tx, None, &a.0)?;
        day_care::arrive(tx, None, &b.0)?;
        day_care::report_absence(tx, None, &d.0, "家属来电：去医院复查")
    })
    .unwrap();
    // The district hears of each: the drop-off and the absence with the whole day,
    // arrivals as attendance.
    assert_eq!(
        kinds_since(&store, before),
        [
            "day_care_recorded",
            "attendance_recorded",
            "attendance_recorded",
            "day_care_recorded"
        ]
    );
    match &events_since(&store, before)[0] {
        EventPayload::DayCareRecorded {
            resident_id_number,
            picked_up_at,
            dropped_off_at,
            ..
        } => {
            assert_eq!(resident_id_number, &a.0);
            assert_eq!(*picked_up_at, Some(at(8, 5)));
            assert_eq!(*dropped_off_at, Some(at(8, 35)));
        }
        other => panic!("{other:?}"),
    }
    // A second drop-off, or a meal for someone not here, is refused and changes nothing.
    let before = marks(&store);
    let r = refused(store.write(&desk(), at(9, 0), |tx| {
        day_care::record_transport(tx, None, &a.0, false)
    }));
    assert_eq!(r.code, "already_dropped_off", "{r:?}");
    let r = refused(store.write(&desk(), at(12, 0), |tx| {
        day_care::record_meal(tx, None, &c.0, Meal::Lunch)
    }));
    assert_eq!(r.code, "not_arrived", "{r:?}");
    let r = refused(store.write(&technician(), at(12, 0), |tx| {
        day_care::show(tx, None, now().date())
    }));
    assert_eq!(r.code, "not_permitted", "{r:?}");
    assert_nothing_written(&store, before, "refused day-care records");
    store
        .write(&desk(), at(12, 0), |tx| {
            day_care::record_meal(tx, None, &a.0, Meal::Lunch)
        })
        .unwrap();

    let day = store
        .write(&desk(), at(16, 0), |tx| {
            day_care::show(tx, None, now().date())
        })
        .unwrap();
    assert!(day.runs);
    let masked = |id: &str| linli_core::identity::mask_id_number(id);
    let on_road: Vec<&str> = day
        .on_the_road
        .iter()
        .map(|r| r.resident.as_str())
        .collect();
    assert_eq!(on_road, [b.0.as_str()], "picked up and never dropped off");
    let to_call: Vec<&str> = day.to_call.iter().map(|r| r.resident.as_str()).collect();
    assert!(
        to_call.contains(&c.0.as_str()),
        "expected, absent, silent: call"
    );
    for here_or_excused in [&a.0, &b.0, &d.0] {
        assert!(!to_call.contains(&here_or_excused.as_str()));
    }
    let listed = store
        .write(&desk(), at(16, 0), |tx| {
            day_care::unexpected_absences(tx, None, now().date())
        })
        .unwrap();
    assert_eq!(listed.len(), day.to_call.len());
    assert!(day.lunches >= 1);
    // What goes out as JSON is masked.
    let shown = serde_json::to_string(&day).unwrap();
    assert!(!shown.contains(&b.0) && !shown.contains(&b.1), "{shown}");
    assert!(shown.contains(&masked(&b.0)));

    // Closing without a reason is refused, naming who is on the road, masked.
    let before = marks(&store);
    let r = refused(store.write(&desk(), at(17, 30), |tx| {
        day_care::close_day(tx, None, None)
    }));
    assert_eq!(r.code, "picked_up_not_dropped_off", "{r:?}");
    assert!(
        zh(&r).contains(&linli_core::identity::mask_name(&b.1)),
        "{}",
        zh(&r)
    );
    assert!(!zh(&r).contains(&b.1), "{}", zh(&r));
    assert_nothing_written(&store, before, "a day closed silently");

    // The driver's list: masked names, places cut at the building, in pick-up order.
    let route = store
        .write_issuing(&desk(), at(17, 30), |tx| {
            day_care::route_list(tx, None, Printing::Queue)
        })
        .unwrap();
    assert_eq!(route.outcome.stops.len(), 2);
    assert_eq!(route.outcome.stops[0].pickup_at, "08:00");
    let text = printed_slip(&store, &route.slips[0].serial);
    assert!(text.contains("日间照料接送单"), "{text}");
    assert!(
        text.contains(&linli_core::identity::mask_name(&a.1)),
        "{text}"
    );
    assert!(text.contains("海滨社区3栋…"), "{text}");
    assert!(text.contains("幸福花园5号楼…"), "{text}");
    for secret in [
        a.1.as_str(),
        b.1.as_str(),
        a.0.as_str(),
        b.0.as_str(),
        "1201",
        "2单元",
    ] {
        assert!(!text.contains(secret), "{secret:?} in:\n{text}");
    }
    assert!(text.contains("08:20 / __:__"), "{text}");

    // With a reason it closes, the reason kept; then the day takes no more changes.
    let before = marks(&store);
    let closed = store
        .write(&desk(), at(17, 35), |tx| {
            day_care::close_day(tx, None, Some("车辆故障，家属自行接回，已电话确认到家"))
        })
        .unwrap();
    assert_eq!(closed.open_transport, 1);
    assert_eq!(actions_since(&store, before), ["day_care_closed"]);
    let r = refused(store.write(&desk(), at(17, 40), |tx| {
        day_care::record_transport(tx, None, &b.0, false)
    }));
    assert_eq!(r.code, "day_closed", "{r:?}");
}

// ---------------------------------------------------------------- absences, meals, diets

fn lunch_day(counts: &linli::usecase::meals::MealCounts, date: &str) -> linli_core::meals::MealDay {
    counts
        .days
        .iter()
        .find(|d| d.programme_code == "lunch-care" && d.date.to_string() == date)
        .unwrap_or_else(|| panic!("no lunch-care day {date} in {counts:?}"))
        .clone()
}

fn counts(
    store: &mut Store,
    at: NaiveDateTime,
    date: &str,
    week: bool,
) -> linli::usecase::meals::MealCounts {
    let date: NaiveDate = date.parse().unwrap();
    store
        .write(&desk(), at, |tx| meals::meal_counts(tx, date, week))
        .unwrap()
}

fn ill(date: &str, part: DayPart) -> AbsenceReport {
    AbsenceReport {
        date: date.parse().unwrap(),
        part,
        reason: AbsenceReason::Ill,
        note: Some("发烧".into()),
    }
}

fn lunch_children(store: &Store) -> Vec<String> {
    let mut stmt = store
        .conn()
        .prepare(
            "SELECT resident FROM enrolments WHERE programme_code = 'lunch-care' AND status = 'confirmed' ORDER BY resident",
        )
        .unwrap();
    let rows = stmt.query_map([], |r| r.get(0)).unwrap();
    rows.map(Result::unwrap).collect()
}

#[test]
fn an_absence_lowers_the_meal_count_until_the_roll_call_corrects_it() {
    let (_dir, mut store) = seeded();
    let children = lunch_children(&store);
    let (child, other) = (children[0].clone(), children[1].clone());
    let enrolled = children.len() as u32;
    // Monday 23 November 2026, 09:00: nobody has checked in to lunch care yet.
    let before = lunch_day(
        &counts(&mut store, now(), "2026-11-23", false),
        "2026-11-23",
    );
    assert_eq!(
        (before.enrolled, before.expected, before.to_cook),
        (enrolled, enrolled, enrolled)
    );
    assert_eq!(before.basis, MealBasis::Expected);

    // A parent calls at 09:00: the child is ill today. Recorded, told, audited.
    let m = marks(&store);
    let absence = store
        .write(&desk(), now(), |tx| {
            absences::report_absence(
                tx,
                "lunch-care",
                &child,
                &ill("2026-11-23", DayPart::WholeDay),
            )
        })
        .unwrap();
    assert_eq!(absence.reported_by, "staff:S001");
    assert_eq!(kinds_since(&store, m), ["absence_reported"]);
    match events_since(&store, m).as_slice() {
        [EventPayload::AbsenceReported {
            reason,
            part,
            withdrawn,
            ..
        }] => {
            assert_eq!(
                (reason.as_str(), part.as_str(), *withdrawn),
                ("ill", "whole_day", false)
            );
        }
        other => panic!("{other:?}"),
    }
    let body: String = one_string(&store, "SELECT body FROM outbox ORDER BY seq DESC LIMIT 1");
    assert!(
        !body.contains("发烧"),
        "the note stays at the centre: {body}"
    );
    assert_eq!(
        audits_since(&store, m),
        [("staff:S001".to_string(), "absence_reported".to_string())]
    );
    let after = lunch_day(
        &counts(&mut store, now(), "2026-11-23", false),
        "2026-11-23",
    );
    assert_eq!(
        (after.reported_absent, after.expected, after.to_cook),
        (1, enrolled - 1, enrolled - 1)
    );
    let roll = store
        .write(&desk(), now(), |tx| {
            absences::absences_on(tx, &desk(), "lunch-care", "2026-11-23".parse().unwrap())
        })
        .unwrap();
    assert_eq!(roll.len(), 1);
    assert_eq!(roll[0].absence.resident_id_number, child);

    // Reported in advance for Wednesday afternoon: the week's plan shows it.
    store
        .write(&desk(), now(), |tx| {
            absences::report_absence(
                tx,
                "lunch-care",
                &other,
                &ill("2026-11-25", DayPart::Afternoon),
            )
        })
        .unwrap();
    let week = counts(&mut store, now(), "2026-11-25", true);
    let planned: Vec<(String, u32)> = week
        .days
        .iter()
        .filter(|d| d.programme_code == "lunch-care")
        .map(|d| (d.date.to_string(), d.to_cook))
        .collect();
    assert_eq!(
        planned,
        [
            ("2026-11-23".to_string(), enrolled - 1),
            ("2026-11-24".to_string(), enrolled),
            ("2026-11-25".to_string(), enrolled - 1),
            ("2026-11-26".to_string(), enrolled),
            ("2026-11-27".to_string(), enrolled),
        ]
    );

    // A past day is refused, as is a Sunday, and neither writes anything.
    let m = marks(&store);
    let r = refused(store.write(&desk(), now(), |tx| {
        absences::report_absence(
            tx,
            "lunch-care",
            &other,
            &ill("2026-11-20", DayPart::WholeDay),
        )
    }));
    assert_eq!(r.code, "in_the_past", "{r:?}");
    assert!(zh(&r).contains("日期有误"), "{}", zh(&r));
    let r = refused(store.write(&desk(), now(), |tx| {
        absences::report_absence(
            tx,
            "lunch-care",
            &other,
            &ill("2026-11-29", DayPart::WholeDay),
        )
    }));
    assert_eq!(r.code, "no_session");
    assert!(zh(&r).contains("周一至周五"), "{}", zh(&r));
    assert_nothing_written(&store, m, "an absence for a past day or a Sunday");

    // The parent calls back: the child comes after all.
    store
        .write(&desk(), now(), |tx| {
            absences::withdraw_absence(
                tx,
                "lunch-care",
                &child,
                "2026-11-23".parse().unwrap(),
                DayPart::WholeDay,
            )
        })
        .unwrap();
    assert_eq!(
        lunch_day(
            &counts(&mut store, now(), "2026-11-23", false),
            "2026-11-23"
        )
        .expected,
        enrolled
    );
    store
        .write(&desk(), now(), |tx| {
            absences::report_absence(
                tx,
                "lunch-care",
                &child,
                &ill("2026-11-23", DayPart::WholeDay),
            )
        })
        .unwrap();

    // At 11:50 two children check in, one of them the child reported ill: the roll
    // call now gives the count, and the child who came is fed.
    let noon = t("2026-11-23T11:50:00");
    for who in [&child, &children[2]] {
        store
            .write(&desk(), noon, |tx| {
                attendance::check_in(tx, "lunch-care", who)
            })
            .unwrap();
    }
    let day = lunch_day(&counts(&mut store, noon, "2026-11-23", false), "2026-11-23");
    assert_eq!(
        (
            day.basis,
            day.checked_in,
            day.to_cook,
            day.came_though_absent
        ),
        (MealBasis::CheckedIn, 2, 2, 1)
    );
    // A child already here is checked out, not marked absent.
    let m = marks(&store);
    let r = refused(store.write(&desk(), noon, |tx| {
        absences::report_absence(
            tx,
            "lunch-care",
            &children[2],
            &ill("2026-11-23", DayPart::Afternoon),
        )
    }));
    assert_eq!(r.code, "already_checked_in");
    assert!(zh(&r).contains("签退"), "{}", zh(&r));
    assert_nothing_written(&store, m, "an absence for a child already here");

    // Three meals recorded for two children: kept, and flagged.
    let m = marks(&store);
    let recorded = store
        .write(&desk(), t("2026-11-23T13:00:00"), |tx| {
            meals::record_meal_count(tx, "lunch-care", "2026-11-23".parse().unwrap(), 3)
        })
        .unwrap();
    assert_eq!(recorded.recorded, Some(3));
    assert!(recorded.warning.unwrap().zh.contains("多于签到人数2人"));
    assert_eq!(actions_since(&store, m), ["meal_count_recorded"]);
    let flagged = counts(&mut store, t("2026-11-23T13:00:00"), "2026-11-23", false);
    assert_eq!(flagged.flagged, 1);
    // Tomorrow's meals cannot be recorded yet.
    let r = refused(store.write(&desk(), t("2026-11-23T13:00:00"), |tx| {
        meals::record_meal_count(tx, "lunch-care", "2026-11-24".parse().unwrap(), 3)
    }));
    assert_eq!(r.code, "in_the_future");
}

#[test]
fn a_holiday_counts_no_meals_and_says_why() {
    let (_dir, mut store) = seeded();
    // The week of National Day: Monday 28 September to Friday 2 October 2026.
    let week = counts(&mut store, now(), "2026-10-01", true);
    let lunch: Vec<&linli_core::meals::MealDay> = week
        .days
        .iter()
        .filter(|d| d.programme_code == "lunch-care")
        .collect();
    assert_eq!(lunch.len(), 5);
    for day in &lunch[..3] {
        assert_eq!(day.basis, MealBasis::Expected, "{day:?}");
        assert!(day.to_cook > 0);
    }
    for day in &lunch[3..] {
        assert_eq!((day.basis, day.to_cook), (MealBasis::NoSession, 0));
        assert!(
            day.no_session.as_ref().unwrap().zh.contains("国庆节放假"),
            "{day:?}"
        );
    }
}

#[test]
fn dietary_needs_reach_the_kitchen_slip_masked_and_no_technician_or_carried_slip() {
    let (_dir, mut store) = seeded();
    let children = lunch_children(&store);
    let child = children[0].clone();
    let name = one_string(
        &store,
        &format!("SELECT name FROM residents WHERE id_number = '{child}'"),
    );
    let needs = DietaryNeeds {
        allergies: vec!["花生".into(), " 牛奶 ".into()],
        diet: Some("清真".into()),
        note: None,
    };
    // A technician may neither record, read nor print them.
    let m = marks(&store);
    let r = refused(store.write(&technician(), now(), |tx| {
        dietary::set_dietary_needs(tx, &child, &needs)
    }));
    assert_eq!(r.code, "not_permitted");
    let r = refused(store.write(&technician(), now(), |tx| {
        dietary::dietary_needs(tx, &child)
    }));
    assert_eq!(r.code, "not_permitted");
    let r = refused(store.write(&technician(), now(), |tx| {
        dietary::dietary_needs_for(tx, &technician(), std::slice::from_ref(&child))
    }));
    assert_eq!(r.code, "not_permitted");
    let r = refused(store.write(&technician(), now(), |tx| {
        meals::kitchen_slip(tx, now().date(), Printing::Queue)
    }));
    assert_eq!(r.code, "not_permitted");
    assert_nothing_written(&store, m, "a technician and dietary needs");

    // The desk records them: audited, never sent to the district.
    let m = marks(&store);
    let stored = store
        .write(&desk(), now(), |tx| {
            dietary::set_dietary_needs(tx, &child, &needs)
        })
        .unwrap();
    assert_eq!(stored.allergies, ["花生", "牛奶"]);
    assert_eq!(actions_since(&store, m), ["dietary_needs_set"]);
    assert!(
        kinds_since(&store, m).is_empty(),
        "health data stays at the centre"
    );
    let audit: String = one_string(
        &store,
        "SELECT detail FROM audit_log ORDER BY seq DESC LIMIT 1",
    );
    assert!(!audit.contains("花生"), "{audit}");
    // The social worker reads them, for the roll call too.
    let read = store
        .write(&social_worker(), now(), |tx| {
            dietary::dietary_needs(tx, &child)
        })
        .unwrap();
    assert_eq!(read, stored);
    let roll = store
        .write(&social_worker(), now(), |tx| {
            dietary::dietary_needs_for(tx, &social_worker(), &children)
        })
        .unwrap();
    assert_eq!(roll.len(), 1);
    assert_eq!(roll[&child], stored);
    // Too long a diet is refused by name and changes nothing.
    let m = marks(&store);
    let long = DietaryNeeds {
        diet: Some("素".repeat(101)),
        ..DietaryNeeds::default()
    };
    let r = refused(store.write(&desk(), now(), |tx| {
        dietary::set_dietary_needs(tx, &child, &long)
    }));
    assert!(zh(&r).contains("饮食要求"), "{}", zh(&r));
    assert_nothing_written(&store, m, "a diet too long");

    // The kitchen slip: counts and the diet, the name masked.
    let m = marks(&store);
    let list = store
        .write_issuing(&desk(), now(), |tx| {
            meals::kitchen_slip(tx, now().date(), Printing::Queue)
        })
        .unwrap();
    assert_eq!(list.outcome.special_diets, 1);
    assert_eq!(slip_kinds_since(&store, m), ["kitchen_slip"]);
    assert!(actions_since(&store, m).contains(&"kitchen_slip_printed".to_string()));
    let serial = &list.slips[0].serial;
    let slip = linli::print::queue::stored_slip(store.conn(), serial)
        .unwrap()
        .unwrap();
    let text: String = slip
        .texts()
        .into_iter()
        .map(|(_, t)| format!("{t}\n"))
        .collect();
    let masked = linli_core::identity::mask_name(&name);
    assert!(
        text.contains(&format!("{masked}：花生、牛奶过敏；清真")),
        "{text}"
    );
    assert!(text.contains("花生过敏：1人"), "{text}");
    assert!(text.contains(&format!("{}份", children.len())), "{text}");
    assert!(!text.contains(&name), "{text}");

    // The slips the child carries home (the seat's confirmation, the fee slip) say
    // nothing of it.
    let m = marks(&store);
    let status = enrolment::status_slip(
        &mut store,
        &desk(),
        now(),
        &child,
        "lunch-care",
        Printing::Queue,
    )
    .unwrap();
    assert!(!status.slips.is_empty());
    assert_eq!(slip_kinds_since(&store, m).len(), status.slips.len());
    for issued in &status.slips {
        let carried = linli::print::queue::stored_slip(store.conn(), &issued.serial)
            .unwrap()
            .unwrap();
        assert!(linli_core::slips::carried_by_a_person(carried.kind));
        let text: String = carried
            .texts()
            .into_iter()
            .map(|(_, t)| format!("{t}\n"))
            .collect();
        for secret in ["花生", "牛奶", "清真", "过敏"] {
            assert!(
                !text.contains(secret),
                "{secret} on a {:?}: {text}",
                carried.kind
            );
        }
    }
}

/// Retention, over a moved clock: a household that moved away is kept whole until the
/// district's years are up, then anonymised by the daily sweep, its figures and
/// payments still there under numbers that name nobody; `doctor` says so.
#[test]
fn a_household_that_moved_away_is_anonymised_once_the_districts_years_are_up() {
    use linli::usecase::{household_desk, retention};
    use linli_core::sync::{Change, ChangeBody, PullResponse};
    let (dir, mut store) = seeded();
    let one = |store: &Store, sql: &str| -> i64 {
        store.conn().query_row(sql, [], |r| r.get(0)).unwrap()
    };
    // An elder in day care whose fee was paid at the desk.
    let elder = elder_over_80(&store);
    pay(
        &mut store,
        &desk(),
        now(),
        &elder,
        5000,
        PaymentMethod::Cash,
        None,
    )
    .unwrap();
    let code: String = store
        .conn()
        .query_row(
            "SELECT household_code FROM residents WHERE id_number = ?1",
            [&elder],
            |r| r.get(0),
        )
        .unwrap();
    let ids: Vec<String> = store
        .conn()
        .prepare("SELECT id_number FROM residents WHERE household_code = ?1")
        .unwrap()
        .query_map([&code], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let of_household = |table: &str, column: &str| {
        format!(
            "SELECT count(*) FROM {table} x JOIN residents r ON r.id_number = x.{column}
             WHERE r.household_code = '{code}'"
        )
    };
    let visits = one(&store, &of_household("attendance", "resident"))
        + one(&store, &of_household("day_care_days", "resident"));
    let payments = one(&store, &of_household("payments", "resident"));
    assert!(payments > 0, "a family who paid");

    // Without a rule nothing is removed, however long ago they left.
    let moved_on = t("2026-11-30T10:00:00");
    household_desk::move_away(&mut store, &desk(), moved_on, &code, "搬到外区").unwrap();
    let swept = retention::sweep(&mut store, t("2040-01-01T03:00:00")).unwrap();
    assert_eq!((swept.households, swept.residents), (0, 0));

    // The district publishes three years.
    let rule = linli_core::retention::RetentionRule {
        version: 1,
        years: 3,
    };
    linli::sync::apply::page(
        &mut store,
        PullResponse {
            changes: vec![Change {
                cursor: 1,
                change: ChangeBody::RetentionPublished { rule: rule.clone() },
            }],
            next_cursor: 1,
            more: false,
            grants: vec![],
            server_time: moved_on,
        },
    )
    .unwrap();
    assert_eq!(retention::rule(store.conn()).unwrap(), Some(rule));

    // Years later, but she still holds her day-care place, and what the desk recorded
    // has not reached the district: kept whole.
    let swept = retention::sweep(&mut store, t("2031-01-05T03:00:00")).unwrap();
    assert_eq!(swept.households, 0, "a place still held");
    enrolment::cancel(
        &mut store,
        &desk(),
        moved_on,
        &elder,
        "day-care",
        Printing::Skip,
    )
    .unwrap();
    let swept = retention::sweep(&mut store, t("2031-01-05T03:00:00")).unwrap();
    assert_eq!(swept.households, 0, "events not yet sent");
    // The district acknowledges everything, as a sync does.
    store
        .write(&Actor::system(), moved_on, |tx| {
            tx.execute(
                "UPDATE outbox SET sent_at = ?1 WHERE sent_at IS NULL",
                ["2026-11-30T10:05:00"],
            )?;
            Ok(())
        })
        .unwrap();
    let sent_naming_her = one(
        &store,
        &format!("SELECT count(*) FROM outbox WHERE instr(body, '{elder}') > 0"),
    );
    assert!(sent_naming_her > 0);

    // The last day of the three years: kept whole.
    let swept = retention::sweep_daily(&mut store, t("2029-11-30T03:00:00")).unwrap();
    assert_eq!(swept.map(|s| s.households), Some(0));
    assert_eq!(
        one(&store, &format!("SELECT count(*) FROM residents WHERE household_code = '{code}' AND id_number NOT LIKE '000000%'")),
        ids.len() as i64
    );
    // The next day doctor sees it due before the sweep has run.
    let due_day = t("2029-12-01T03:00:00");
    linli::clock::pin_this_thread(Some(due_day));
    let (report, _) = linli::usecase::doctor::run(dir.path());
    let report = serde_json::to_value(report).unwrap();
    assert_eq!(report["retention"]["due_now"], 1, "{}", report["retention"]);
    assert!(report["warnings"].to_string().contains("retention_due"));

    let swept = retention::sweep_daily(&mut store, due_day)
        .unwrap()
        .unwrap();
    assert_eq!((swept.households, swept.residents), (1, ids.len()));
    // Once a day: the second look does nothing.
    assert_eq!(retention::sweep_daily(&mut store, due_day).unwrap(), None);
    // Nobody of them is named any more, anywhere the centre keeps people.
    for id in &ids {
        for (table, column) in [
            ("residents", "id_number"),
            ("attendance", "resident"),
            ("payments", "resident"),
            ("enrolments", "resident"),
            ("consents", "resident"),
            ("resident_pins", "id_number"),
            ("resident_cards", "id_number"),
        ] {
            assert_eq!(
                one(
                    &store,
                    &format!("SELECT count(*) FROM {table} WHERE {column} = '{id}'")
                ),
                0,
                "{table} still names them"
            );
        }
        assert_eq!(
            one(
                &store,
                &format!("SELECT count(*) FROM attendance WHERE instr(body, '{id}') > 0")
            ),
            0
        );
        // Sent long ago: the district has it, and the copy here named them in full.
        assert_eq!(
            one(
                &store,
                &format!("SELECT count(*) FROM outbox WHERE instr(body, '{id}') > 0")
            ),
            0
        );
    }
    assert_eq!(
        one(&store, &format!("SELECT count(*) FROM residents WHERE household_code = '{code}' AND name = '（已匿名）' AND phone IS NULL AND id_number LIKE '000000%'")),
        ids.len() as i64
    );
    assert_eq!(
        store
            .conn()
            .query_row(
                "SELECT address FROM households WHERE code = ?1",
                [&code],
                |r| r.get::<_, String>(0)
            )
            .unwrap(),
        "（已匿名）"
    );
    // The centre's figures still add up.
    assert_eq!(
        one(&store, &of_household("attendance", "resident"))
            + one(&store, &of_household("day_care_days", "resident")),
        visits
    );
    assert_eq!(one(&store, &of_household("payments", "resident")), payments);
    assert_eq!(
        one(&store, &format!("SELECT count(*) FROM audit_log WHERE action = 'household_anonymised' AND subject = '{code}'")),
        1
    );
    // Pseudonyms are not possible duplicates of each other.
    let (pairs, _) = linli::usecase::household_merge::find_duplicates(store.conn()).unwrap();
    assert!(pairs.iter().all(|p| p.first.name != "（已匿名）"));
    let (report, _) = linli::usecase::doctor::run(dir.path());
    let report = serde_json::to_value(report).unwrap();
    assert_eq!(report["retention"]["due_now"], 0);
    assert_eq!(report["retention"]["households_anonymised"], 1);
    assert_eq!(report["retention"]["last_sweep_on"], "2029-12-01");
    linli::clock::pin_this_thread(None);
}
