//! District reports, exports and the demo, checked the way a district auditor would:
//! the data arrives as devices send it (enrolled over HTTP, events pushed to
//! /v1/events), then the figures and fields are compared with what was sent.

use chrono::{NaiveDate, NaiveDateTime};
use clap::Parser;
use deadpool_postgres::Pool;
use linli_core::identity::{check_character, mask_id_number, mask_phone};
use linli_core::outbox::{AttendanceEventKind, EventPayload, OutboxEvent, PROTOCOL_VERSION};
use linli_core::sync::{
    ChangeBody, EnrolRequest, EnrolResponse, Outcome, PullResponse, PushRequest, PushResponse,
    PushedEvent,
};
use linli_district::admin::{self, AdminError};
use linli_district::export::{self, ExportKind, ExportRequest, Format};
use linli_district::report;
use linli_district::testing::{TestDb, TestServer};
use serde_json::{json, Value};

use crate::common::{self, resident};

const CENTRE_A: &str = "440306-XA-T1";
const CENTRE_B: &str = "440306-XA-T2";
const CENTRE_A_NAME: &str = "宝安区新安街道测试一社区服务中心";

/// A valid ID number (GB 11643) from its first 17 digits.
fn id(first17: &str) -> String {
    format!("{first17}{}", check_character(first17).expect("17 digits"))
}

fn at(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S").expect("a timestamp")
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("a date")
}

/// A device enrolled through the real API, pushing events as a kiosk does.
struct Device {
    base: String,
    enrolled: common::Device,
    centre: String,
    seq: i64,
}

impl Device {
    async fn enrol(pool: &Pool, server: &TestServer, centre: &str, name: &str) -> Device {
        let added = admin::device_add(pool, centre, name)
            .await
            .expect("device added");
        let response: EnrolResponse = common::post(&server.url(), "/v1/enrol")
            .json(&EnrolRequest {
                code: added["code"].as_str().unwrap().to_string(),
                centre_code: None,
            })
            .send()
            .await
            .expect("enrol answers")
            .error_for_status()
            .expect("enrolled")
            .json()
            .await
            .expect("an enrol response");
        Device {
            base: server.url(),
            enrolled: common::Device {
                id: response.device_id,
                credential: response.credential,
            },
            centre: centre.to_string(),
            seq: 0,
        }
    }

    /// Pushes events in one batch and insists every one is accepted.
    async fn push(&mut self, events: Vec<(&str, EventPayload)>) {
        for result in self.push_answered(events).await {
            assert_eq!(result.outcome, Outcome::Accepted, "{result:?}");
        }
    }

    /// Pushes events in one batch and returns the district's answer for each.
    async fn push_answered(
        &mut self,
        events: Vec<(&str, EventPayload)>,
    ) -> Vec<linli_core::sync::EventResult> {
        let events = events
            .into_iter()
            .map(|(when, payload)| OutboxEvent {
                schema_version: PROTOCOL_VERSION,
                event_id: uuid::Uuid::now_v7().to_string(),
                device_id: self.enrolled.id.clone(),
                centre_code: self.centre.clone(),
                occurred_at: at(when),
                payload,
            })
            .collect();
        self.push_events(events).await
    }

    /// Pushes events as they are (one sent again keeps its id), one batch.
    async fn push_events(
        &mut self,
        events: Vec<OutboxEvent>,
    ) -> Vec<linli_core::sync::EventResult> {
        let mut pushed = Vec::new();
        for event in events {
            self.seq += 1;
            pushed.push(PushedEvent {
                seq: self.seq,
                event: serde_json::to_value(&event).unwrap(),
            });
        }
        let response: PushResponse = self
            .enrolled
            .post(&self.base, "/v1/events")
            .json(&PushRequest {
                protocol_version: PROTOCOL_VERSION,
                sent_at: at("2026-11-30T20:00:00"),
                events: pushed,
            })
            .send()
            .await
            .expect("push answers")
            .error_for_status()
            .expect("push succeeds")
            .json()
            .await
            .expect("a push response");
        response.results
    }

    async fn pull_all(&self) -> Vec<ChangeBody> {
        let mut after = 0;
        let mut changes = Vec::new();
        loop {
            let page: PullResponse = self
                .enrolled
                .get(&self.base, &format!("/v1/changes?after={after}"))
                .send()
                .await
                .expect("pull answers")
                .error_for_status()
                .expect("pull succeeds")
                .json()
                .await
                .expect("a pull response");
            changes.extend(page.changes.into_iter().map(|c| c.change));
            after = page.next_cursor;
            if !page.more {
                return changes;
            }
        }
    }
}

fn enrolment(id: &str, programme: &str, resident: &str, status: &str) -> EventPayload {
    EventPayload::EnrolmentChanged {
        enrolment_id: id.into(),
        programme_code: programme.into(),
        resident_id_number: resident.into(),
        status: status.into(),
        priority_sort_key: format!("1|{id}"),
        offer_deadline: None,
        reason: None,
    }
}

fn attendance(
    programme: &str,
    day: &str,
    resident: &str,
    kind: AttendanceEventKind,
    when: &str,
) -> EventPayload {
    EventPayload::AttendanceRecorded {
        programme_code: programme.into(),
        session_date: date(day),
        resident_id_number: resident.into(),
        kind,
        at: at(when),
        picked_up_by: None,
        left_alone: false,
    }
}

fn shift(
    id: &str,
    volunteer: &str,
    activity: &str,
    clock_in: &str,
    minutes: u32,
    status: &str,
) -> EventPayload {
    EventPayload::ShiftRecorded {
        shift_id: id.into(),
        volunteer_id_number: volunteer.into(),
        activity: activity.into(),
        clock_in: at(clock_in),
        clock_out: Some(at(clock_in) + chrono::Duration::minutes(i64::from(minutes))),
        minutes,
        status: status.into(),
    }
}

fn review(id: &str, status: &str) -> EventPayload {
    EventPayload::ShiftReviewed {
        shift_id: id.into(),
        status: status.into(),
        reviewer: "S002".into(),
        note: None,
        confirmed_clock_out: None,
        minutes: 0,
    }
}

fn rating(id: &str, programme: &str, level: u8) -> EventPayload {
    EventPayload::RatingSubmitted {
        rating_id: id.into(),
        service_ref: format!("{programme}:{id}"),
        programme_code: programme.into(),
        level,
        reason_tags: if level <= 2 {
            vec!["waiting_time".into()]
        } else {
            vec![]
        },
    }
}

fn follow_up(id: &str, status: &str, due: &str) -> EventPayload {
    EventPayload::FollowUpChanged {
        rating_id: id.into(),
        status: status.into(),
        due: date(due),
        by: None,
        note: None,
    }
}

/// The people of the seeded centre.
struct People {
    child1: String,
    child2: String,
    volunteer: String,
    volunteer_phone: String,
}

/// Two centres; centre A has a month (November 2026) of everything a report counts,
/// with records just outside the month that must not count; centre B a little of its
/// own that must not leak into A's figures.
async fn seed(pool: &Pool, server: &TestServer) -> People {
    admin::centre_add(pool, CENTRE_A, CENTRE_A_NAME, "440306", "440306005009")
        .await
        .unwrap();
    admin::centre_add(
        pool,
        CENTRE_B,
        "宝安区新安街道测试二社区服务中心",
        "440306",
        "",
    )
    .await
    .unwrap();
    // A published programme with no activity in the month still has its line.
    let calligraphy = linli_core::demo::programmes(date("2026-11-23"))
        .into_iter()
        .find(|p| p.code == "calligraphy")
        .unwrap();
    admin::publish_programme(
        pool,
        CENTRE_A,
        &serde_json::to_string(&calligraphy).unwrap(),
    )
    .await
    .unwrap();
    let people = People {
        child1: id("44030620160304001"),
        child2: id("44030620170511002"),
        // Male (odd 17th digit), born 1985-06-15.
        volunteer: id("44030619850615003"),
        volunteer_phone: "13800138000".into(),
    };
    let mut a = Device::enrol(pool, server, CENTRE_A, "front desk").await;
    a.push(vec![
        (
            "2026-10-01T09:00:00",
            EventPayload::HouseholdRegistered {
                household_code: "T1-0001".into(),
                address: "海富花园1栋101".into(),
                community_code: "440306005009".into(),
            },
        ),
        (
            "2026-10-01T09:00:01",
            EventPayload::ResidentRegistered {
                household_code: "T1-0001".into(),
                id_number: people.child1.clone(),
                name: "陈一".into(),
                phone: None,
                tags: vec![],
            },
        ),
        (
            "2026-10-01T09:00:02",
            EventPayload::ResidentRegistered {
                household_code: "T1-0001".into(),
                id_number: people.child2.clone(),
                name: "陈二".into(),
                phone: None,
                tags: vec!["low_income".into()],
            },
        ),
        (
            "2026-10-01T09:00:03",
            EventPayload::ResidentRegistered {
                household_code: "T1-0001".into(),
                id_number: people.volunteer.clone(),
                name: "陈志强".into(),
                phone: Some(people.volunteer_phone.clone()),
                tags: vec![],
            },
        ),
        (
            "2026-10-01T09:05:00",
            EventPayload::VolunteerRegistered {
                volunteer_id_number: people.volunteer.clone(),
                skills: vec!["陪伴".into(), "辅导".into()],
            },
        ),
        // Enrolments: October's does not count in November; E3 was confirmed then
        // cancelled and counts once, as cancelled.
        (
            "2026-10-30T10:00:00",
            enrolment("E0", "after-school", &people.child1, "confirmed"),
        ),
        (
            "2026-11-03T10:00:00",
            enrolment("E1", "lunch-care", &people.child1, "confirmed"),
        ),
        (
            "2026-11-04T10:00:00",
            enrolment("E2", "lunch-care", &people.child2, "waitlisted"),
        ),
        (
            "2026-11-05T10:00:00",
            enrolment("E3", "after-school", &people.child2, "confirmed"),
        ),
        (
            "2026-11-06T10:00:00",
            enrolment("E3", "after-school", &people.child2, "cancelled"),
        ),
        // Attendance: three person-days on two days in November, one in October.
        (
            "2026-10-31T11:50:00",
            attendance(
                "lunch-care",
                "2026-10-31",
                &people.child1,
                AttendanceEventKind::CheckIn,
                "2026-10-31T11:50:00",
            ),
        ),
        (
            "2026-11-03T11:50:00",
            attendance(
                "lunch-care",
                "2026-11-03",
                &people.child1,
                AttendanceEventKind::CheckIn,
                "2026-11-03T11:50:00",
            ),
        ),
        (
            "2026-11-03T14:00:00",
            attendance(
                "lunch-care",
                "2026-11-03",
                &people.child1,
                AttendanceEventKind::CheckOut,
                "2026-11-03T14:00:00",
            ),
        ),
        (
            "2026-11-04T11:50:00",
            attendance(
                "lunch-care",
                "2026-11-04",
                &people.child1,
                AttendanceEventKind::CheckIn,
                "2026-11-04T11:50:00",
            ),
        ),
        (
            "2026-11-04T11:52:00",
            attendance(
                "lunch-care",
                "2026-11-04",
                &people.child2,
                AttendanceEventKind::CheckIn,
                "2026-11-04T11:52:00",
            ),
        ),
        // Shifts: S1 approved 60; S2 approved 90 then corrected twice (the latest,
        // 120, counts); S3 declined; S4 pending; S0 approved but in October.
        (
            "2026-10-20T11:00:00",
            shift(
                "S0",
                &people.volunteer,
                "长者探访",
                "2026-10-20T09:00:00",
                100,
                "pending",
            ),
        ),
        ("2026-10-21T09:00:00", review("S0", "approved")),
        (
            "2026-11-05T11:00:00",
            shift(
                "S1",
                &people.volunteer,
                "长者探访",
                "2026-11-05T09:00:00",
                60,
                "pending",
            ),
        ),
        (
            "2026-11-06T11:00:00",
            shift(
                "S2",
                &people.volunteer,
                "四点半学校辅导",
                "2026-11-06T09:30:00",
                90,
                "pending",
            ),
        ),
        (
            "2026-11-07T11:00:00",
            shift(
                "S3",
                &people.volunteer,
                "社区环境整治",
                "2026-11-07T09:00:00",
                45,
                "pending",
            ),
        ),
        (
            "2026-11-08T11:00:00",
            shift(
                "S4",
                &people.volunteer,
                "助餐送餐",
                "2026-11-08T09:00:00",
                30,
                "pending",
            ),
        ),
        ("2026-11-09T09:00:00", review("S1", "approved")),
        ("2026-11-09T09:01:00", review("S2", "approved")),
        ("2026-11-09T09:02:00", review("S3", "declined")),
        (
            "2026-11-10T09:00:00",
            EventPayload::ShiftCorrected {
                correction_id: "C1".into(),
                shift_id: "S2".into(),
                volunteer_id_number: people.volunteer.clone(),
                corrected_minutes: 100,
                reason: "签退时间记错".into(),
                by: "S002".into(),
            },
        ),
        (
            "2026-11-11T09:00:00",
            EventPayload::ShiftCorrected {
                correction_id: "C2".into(),
                shift_id: "S2".into(),
                volunteer_id_number: people.volunteer.clone(),
                corrected_minutes: 120,
                reason: "按活动签到表更正".into(),
                by: "S003".into(),
            },
        ),
        // Ratings: R2's follow-up is open past its due date (overdue); R3's is closed;
        // R4's is open but not yet due; R0 is October's.
        ("2026-10-15T15:00:00", rating("R0", "lunch-care", 4)),
        ("2026-11-03T15:00:00", rating("R1", "lunch-care", 5)),
        ("2026-11-04T15:00:00", rating("R2", "lunch-care", 2)),
        ("2026-11-04T15:00:01", follow_up("R2", "open", "2026-11-10")),
        ("2026-11-05T15:00:00", rating("R3", "lunch-care", 1)),
        ("2026-11-05T15:00:01", follow_up("R3", "open", "2026-11-10")),
        (
            "2026-11-09T15:00:00",
            follow_up("R3", "closed", "2026-11-10"),
        ),
        ("2026-11-20T15:00:00", rating("R4", "lunch-care", 2)),
        ("2026-11-20T15:00:01", follow_up("R4", "open", "2026-12-04")),
        // Filings and ledgers: B1 filed in November, B2 submitted in October.
        (
            "2026-10-15T10:00:00",
            EventPayload::FilingChanged {
                business_code: "B2".into(),
                status: "submitted".into(),
                filing_number: None,
                by: "S003".into(),
            },
        ),
        (
            "2026-11-02T10:00:00",
            EventPayload::FilingChanged {
                business_code: "B1".into(),
                status: "filed".into(),
                filing_number: Some("BA-440306-2026-001".into()),
                by: "S003".into(),
            },
        ),
        (
            "2026-11-02T10:00:01",
            EventPayload::LedgerRecorded {
                business_code: "B1".into(),
                month: "2026-10".into(),
                revenue_fen: 5_000,
                cost_fen: 1_000,
            },
        ),
        (
            "2026-11-30T18:00:00",
            EventPayload::LedgerRecorded {
                business_code: "B1".into(),
                month: "2026-11".into(),
                revenue_fen: 100_000,
                cost_fen: 40_000,
            },
        ),
        (
            "2026-11-30T18:00:01",
            EventPayload::LedgerRecorded {
                business_code: "B2".into(),
                month: "2026-11".into(),
                revenue_fen: 20_000,
                cost_fen: 25_000,
            },
        ),
    ])
    .await;

    let mut b = Device::enrol(pool, server, CENTRE_B, "front desk").await;
    let other = id("44030619700101005");
    b.push(vec![
        (
            "2026-11-01T09:00:00",
            EventPayload::HouseholdRegistered {
                household_code: "T2-0001".into(),
                address: "富华小区2栋202".into(),
                community_code: "".into(),
            },
        ),
        (
            "2026-11-01T09:00:01",
            EventPayload::ResidentRegistered {
                household_code: "T2-0001".into(),
                id_number: other.clone(),
                name: "林二".into(),
                phone: Some("13900139000".into()),
                tags: vec![],
            },
        ),
        (
            "2026-11-03T10:00:00",
            enrolment("E1", "lunch-care", &other, "confirmed"),
        ),
        (
            "2026-11-05T11:00:00",
            shift(
                "S1",
                &other,
                "长者探访",
                "2026-11-05T09:00:00",
                30,
                "pending",
            ),
        ),
        ("2026-11-06T09:00:00", review("S1", "approved")),
    ])
    .await;
    people
}

fn programme<'a>(centre: &'a Value, code: &str) -> &'a Value {
    centre["programmes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["programme_code"] == code)
        .unwrap_or_else(|| panic!("programme {code} in the report"))
}

#[tokio::test]
async fn the_monthly_report_counts_what_the_centres_recorded() {
    let db = TestDb::create();
    let server = TestServer::start(&db.url);
    let pool = linli_district::db::pool(&db.url, 4).unwrap();
    seed(&pool, &server).await;

    let today = date("2026-12-01");
    let report = report::monthly(&pool, "2026-11", None, today)
        .await
        .unwrap()
        .to_json();
    assert_eq!(report["month"], "2026-11");
    let centres = report["centres"].as_array().unwrap();
    assert_eq!(centres.len(), 2);
    let a = &centres[0];
    assert_eq!(a["centre_code"], CENTRE_A);

    let lunch = programme(a, "lunch-care");
    assert_eq!(lunch["enrolments"]["confirmed"], 1);
    assert_eq!(lunch["enrolments"]["waitlisted"], 1);
    assert_eq!(lunch["enrolments"]["total"], 2);
    assert_eq!(lunch["attendance_days"], 3);
    assert_eq!(lunch["session_days"], 2);
    assert_eq!(
        lunch["ratings"],
        json!({"1": 1, "2": 2, "3": 0, "4": 0, "5": 1, "total": 4, "follow_ups_overdue": 1})
    );
    let after_school = programme(a, "after-school");
    assert_eq!(after_school["enrolments"]["cancelled"], 1);
    assert_eq!(
        after_school["enrolments"]["confirmed"], 0,
        "October's sign-up is not November's"
    );
    let calligraphy = programme(a, "calligraphy");
    assert_eq!(calligraphy["programme_name"], "长者书法班");
    assert_eq!(calligraphy["enrolments"]["total"], 0);

    assert_eq!(a["enrolments"]["total"], 3);
    assert_eq!(
        a["volunteer_hours"],
        json!({"approved_shifts": 2, "volunteers": 1, "minutes": 180, "hours": 3.0}),
        "S1 60 + S2 corrected to 120; declined, pending and October's shifts do not count"
    );
    assert_eq!(a["filings"]["by_status"]["filed"], 1);
    assert_eq!(a["filings"]["by_status"]["submitted"], 1);
    assert_eq!(a["filings"]["total"], 2);
    assert_eq!(a["filings"]["changed_in_month"]["filed"], 1);
    assert_eq!(a["filings"]["changed_in_month"]["submitted"], 0);
    assert_eq!(
        a["ledgers"],
        json!({"businesses": 2, "revenue_fen": 120_000, "cost_fen": 65_000, "profit_fen": 55_000})
    );

    let b = &centres[1];
    assert_eq!(b["centre_code"], CENTRE_B);
    assert_eq!(b["volunteer_hours"]["minutes"], 30);
    assert_eq!(programme(b, "lunch-care")["enrolments"]["confirmed"], 1);

    // The overdue count moves with the day it is judged on.
    let earlier = report::monthly(&pool, "2026-11", Some(CENTRE_A), date("2026-11-10"))
        .await
        .unwrap()
        .to_json();
    assert_eq!(
        earlier["centres"].as_array().unwrap().len(),
        1,
        "--centre keeps one centre"
    );
    assert_eq!(
        programme(&earlier["centres"][0], "lunch-care")["ratings"]["follow_ups_overdue"],
        0
    );

    // October: the other side of the boundary.
    let october = report::monthly(&pool, "2026-10", Some(CENTRE_A), today)
        .await
        .unwrap()
        .to_json();
    let oct = &october["centres"][0];
    assert_eq!(oct["volunteer_hours"]["minutes"], 100);
    assert_eq!(programme(oct, "after-school")["enrolments"]["confirmed"], 1);
    assert_eq!(programme(oct, "lunch-care")["attendance_days"], 1);
    assert_eq!(oct["ledgers"]["revenue_fen"], 5_000);

    // CSV: a line per programme and the centre's own line with the centre-wide figures.
    let csv_text = report::monthly(&pool, "2026-11", Some(CENTRE_A), today)
        .await
        .unwrap()
        .to_csv();
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let header = reader.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let column = |row: &csv::StringRecord, name: &str| -> String {
        let i = header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("column {name}"));
        row[i].to_string()
    };
    let total = rows
        .iter()
        .find(|r| column(r, "programme_code").is_empty())
        .unwrap();
    assert_eq!(column(total, "volunteer_minutes"), "180");
    assert_eq!(column(total, "ledger_profit_fen"), "55000");
    assert_eq!(column(total, "follow_ups_overdue"), "1");
    assert_eq!(column(total, "month"), "2026-11");
    let lunch = rows
        .iter()
        .find(|r| column(r, "programme_code") == "lunch-care")
        .unwrap();
    assert_eq!(column(lunch, "attendance_days"), "3");
    assert_eq!(column(lunch, "ratings_2"), "2");
    assert_eq!(
        column(lunch, "volunteer_minutes"),
        "",
        "hours belong to the centre's line"
    );
}

fn refused_field(result: Result<Value, AdminError>) -> String {
    match result {
        Err(AdminError::Refused(error)) => {
            assert!(!error.message.zh.is_empty() && !error.message.en.is_empty());
            error.field
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn request(kind: ExportKind) -> ExportRequest<'static> {
    ExportRequest {
        kind,
        format: Format::Json,
        centre: None,
        from: None,
        to: None,
        unmasked: false,
        by: None,
    }
}

async fn exports_logged(pool: &Pool) -> Vec<(String, Option<String>, bool, i32)> {
    let client = pool.get().await.unwrap();
    client
        .query(
            "SELECT kind, exported_by, unmasked, row_count FROM exports_log ORDER BY id",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect()
}

#[tokio::test]
async fn bad_input_is_refused_by_field_and_changes_nothing() {
    let db = TestDb::create();
    let pool = linli_district::db::pool(&db.url, 4).unwrap();
    admin::centre_add(&pool, CENTRE_A, CENTRE_A_NAME, "440306", "")
        .await
        .unwrap();
    for month in ["2026-13", "11/2026", "", "2026"] {
        assert_eq!(
            refused_field(report::report(&pool, month, None, Format::Json).await),
            "month"
        );
    }
    assert_eq!(
        refused_field(report::report(&pool, "2026-11", Some("NO-SUCH"), Format::Json).await),
        "centre"
    );
    let cases: Vec<(ExportRequest, &str)> = vec![
        (
            ExportRequest {
                from: Some("2026-02-30"),
                ..request(ExportKind::VolunteerRecords)
            },
            "from",
        ),
        (
            ExportRequest {
                to: Some("yesterday"),
                ..request(ExportKind::Enrolments)
            },
            "to",
        ),
        (
            ExportRequest {
                from: Some("2026-11-30"),
                to: Some("2026-11-01"),
                ..request(ExportKind::VolunteerRecords)
            },
            "to",
        ),
        (
            ExportRequest {
                unmasked: true,
                ..request(ExportKind::VolunteerRecords)
            },
            "by",
        ),
        (
            ExportRequest {
                unmasked: true,
                by: Some("  "),
                ..request(ExportKind::Households)
            },
            "by",
        ),
        (
            ExportRequest {
                centre: Some("NO-SUCH"),
                ..request(ExportKind::Households)
            },
            "centre",
        ),
    ];
    for (bad, field) in cases {
        assert_eq!(
            refused_field(export::export(&pool, &bad).await),
            field,
            "{bad:?}"
        );
    }
    assert!(
        exports_logged(&pool).await.is_empty(),
        "a refused export leaves no trace but its error"
    );
}

fn object_keys(value: &Value) -> Vec<String> {
    value.as_object().unwrap().keys().cloned().collect()
}

#[tokio::test]
async fn exports_use_the_kiosks_keys_mask_by_default_and_log_who_asked() {
    let db = TestDb::create();
    let server = TestServer::start(&db.url);
    let pool = linli_district::db::pool(&db.url, 4).unwrap();
    let people = seed(&pool, &server).await;

    let households = export::export(
        &pool,
        &ExportRequest {
            centre: Some(CENTRE_A),
            ..request(ExportKind::Households)
        },
    )
    .await
    .unwrap();
    let rows = households.as_array().unwrap();
    assert_eq!(rows.len(), 3);
    // The kiosk's keys (src/usecase/export.rs), plus the centre the district adds.
    let mut keys = object_keys(&rows[0]);
    keys.sort();
    let mut expected = vec![
        "centre_code",
        "household_code",
        "address",
        "name",
        "id_number",
        "phone",
        "tags",
        "community_code",
    ];
    expected.sort();
    assert_eq!(keys, expected);
    let volunteer = rows.iter().find(|r| r["name"] == "陈志强").unwrap();
    assert_eq!(volunteer["household_code"], "T1-0001");
    assert_eq!(volunteer["id_number"], mask_id_number(&people.volunteer));
    assert_eq!(volunteer["phone"], mask_phone(&people.volunteer_phone));
    assert_eq!(volunteer["phone"], "138****8000");
    let child2 = rows.iter().find(|r| r["name"] == "陈二").unwrap();
    assert_eq!(child2["tags"], json!(["low_income"]));
    assert!(
        !households.to_string().contains(&people.volunteer),
        "no full ID number by default"
    );

    let hours = export::export(
        &pool,
        &ExportRequest {
            centre: Some(CENTRE_A),
            ..request(ExportKind::VolunteerHours)
        },
    )
    .await
    .unwrap();
    let s2 = hours
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["shift_id"] == "S2")
        .unwrap();
    assert_eq!(s2["minutes"], 90, "the shift as clocked");
    assert_eq!(
        s2["corrected_minutes"], 120,
        "and the latest correction beside it"
    );
    assert_eq!(s2["reviewer"], "S002");
    assert_eq!(s2["clock_in"], "2026-11-06T09:30:00");

    let enrolments = export::export(
        &pool,
        &ExportRequest {
            centre: Some(CENTRE_A),
            ..request(ExportKind::Enrolments)
        },
    )
    .await
    .unwrap();
    let e2 = enrolments
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "E2")
        .unwrap();
    assert_eq!(e2["code"], "lunch-care");
    assert_eq!(e2["status"], "waitlisted");
    assert_eq!(e2["position"], 1);
    assert_eq!(e2["id_number"], mask_id_number(&people.child2));

    let ratings = export::export(
        &pool,
        &ExportRequest {
            centre: Some(CENTRE_A),
            ..request(ExportKind::Ratings)
        },
    )
    .await
    .unwrap();
    let r2 = ratings
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "R2")
        .unwrap();
    assert_eq!(r2["follow_up_status"], "open");
    assert_eq!(r2["follow_up_due"], "2026-11-10");
    assert_eq!(r2["reason_tags"], json!(["waiting_time"]));

    let filings = export::export(
        &pool,
        &ExportRequest {
            centre: Some(CENTRE_A),
            ..request(ExportKind::Filings)
        },
    )
    .await
    .unwrap();
    let b1 = filings
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "B1")
        .unwrap();
    assert_eq!(b1["filing_number"], "BA-440306-2026-001");
    assert_eq!(b1["ledger_months"], 2);
    assert_eq!(b1["public_service_fund_fen"], 64_000);

    let attendance = export::export(
        &pool,
        &ExportRequest {
            centre: Some(CENTRE_A),
            from: Some("2026-11-01"),
            ..request(ExportKind::Attendance)
        },
    )
    .await
    .unwrap();
    assert_eq!(
        attendance.as_array().unwrap().len(),
        3,
        "October's session is before --from"
    );

    // CSV: the same keys as the header, masked values, lists joined with ';'.
    let csv_value = export::export(
        &pool,
        &ExportRequest {
            centre: Some(CENTRE_A),
            format: Format::Csv,
            ..request(ExportKind::Households)
        },
    )
    .await
    .unwrap();
    let csv_text = csv_value.as_str().expect("CSV is one string");
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        vec![
            "centre_code",
            "household_code",
            "address",
            "name",
            "id_number",
            "phone",
            "tags",
            "community_code"
        ]
    );
    assert!(!csv_text.contains(&people.volunteer));
    assert!(csv_text.contains(&mask_id_number(&people.volunteer)));

    // Full values only when asked for by name, and that is logged.
    let full = export::export(
        &pool,
        &ExportRequest {
            centre: Some(CENTRE_A),
            unmasked: true,
            by: Some("区民政局 张审计"),
            ..request(ExportKind::Households)
        },
    )
    .await
    .unwrap();
    let volunteer = full
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "陈志强")
        .unwrap();
    assert_eq!(volunteer["id_number"], people.volunteer.as_str());
    assert_eq!(volunteer["phone"], people.volunteer_phone.as_str());

    let log = exports_logged(&pool).await;
    assert_eq!(log.len(), 8, "every export is logged, masked or not");
    assert_eq!(log[0], ("households".to_string(), None, false, 3));
    assert_eq!(
        log[7],
        (
            "households".to_string(),
            Some("区民政局 张审计".to_string()),
            true,
            3
        )
    );
}

#[tokio::test]
async fn volunteer_records_carry_the_national_fields() {
    let db = TestDb::create();
    let server = TestServer::start(&db.url);
    let pool = linli_district::db::pool(&db.url, 4).unwrap();
    let people = seed(&pool, &server).await;

    let november = ExportRequest {
        centre: Some(CENTRE_A),
        from: Some("2026-11-01"),
        to: Some("2026-11-30"),
        ..request(ExportKind::VolunteerRecords)
    };
    let records = export::export(&pool, &november).await.unwrap();
    let records = records.as_array().unwrap();
    assert_eq!(records.len(), 2, "approved shifts only: S1 and S2");
    for key in [
        "name",
        "sex",
        "birth_date",
        "id_number",
        "area",
        "contact",
        "skills",
        "service_category",
        "activity",
        "date",
        "place",
        "content",
        "hours",
        "organiser",
        "person_in_charge",
    ] {
        assert!(
            records[0].get(key).is_some(),
            "the national record names {key}"
        );
    }
    let s1 = &records[0];
    assert_eq!(s1["record_id"], "S1");
    assert_eq!(s1["name"], "陈志强");
    // Masked, nothing beside the number gives it back: no sex, no birth date.
    assert_eq!(s1["sex"], Value::Null);
    assert_eq!(s1["birth_date"], Value::Null);
    assert_eq!(s1["id_number"], mask_id_number(&people.volunteer));
    assert_eq!(s1["contact"], "138****8000");
    assert_eq!(s1["area"], "440306005009");
    assert_eq!(s1["skills"], json!(["陪伴", "辅导"]));
    assert_eq!(s1["activity"], "长者探访");
    assert_eq!(s1["content"], "长者探访");
    assert_eq!(s1["date"], "2026-11-05");
    assert_eq!(s1["place"], CENTRE_A_NAME);
    assert_eq!(s1["organiser"], CENTRE_A_NAME);
    assert_eq!(s1["person_in_charge"], "S002");
    assert_eq!(s1["hours"], 1.0);
    let s2 = &records[1];
    assert_eq!(s2["record_id"], "S2");
    assert_eq!(
        s2["minutes"], 120,
        "the latest correction replaces the clocked 90"
    );
    assert_eq!(s2["hours"], 2.0);

    // Without a range, October's approved shift is there too.
    let all = export::export(
        &pool,
        &ExportRequest {
            centre: Some(CENTRE_A),
            ..request(ExportKind::VolunteerRecords)
        },
    )
    .await
    .unwrap();
    assert_eq!(all.as_array().unwrap().len(), 3);

    // Filing with the national system needs the full ID number and phone.
    let full = export::export(
        &pool,
        &ExportRequest {
            unmasked: true,
            by: Some("S003"),
            format: Format::Csv,
            ..november.clone()
        },
    )
    .await
    .unwrap();
    let text = full.as_str().unwrap();
    assert!(text.contains(&people.volunteer));
    assert!(text.contains(",男,1985-06-15,"), "{text}");
    assert!(text.contains(&people.volunteer_phone));
    assert!(text.contains("陪伴;辅导"));
    // Who took which list can be added to, never rewritten.
    let client = pool.get().await.unwrap();
    for statement in [
        "UPDATE exports_log SET exported_by = 'nobody'",
        "DELETE FROM exports_log",
        "TRUNCATE exports_log",
    ] {
        let refused = client.batch_execute(statement).await.unwrap_err();
        assert!(
            format!("{refused:?}").contains("append-only"),
            "{statement}: {refused:?}"
        );
    }
    let log = exports_logged(&pool).await;
    assert_eq!(
        log.last().unwrap(),
        &(
            "volunteer-records".to_string(),
            Some("S003".to_string()),
            true,
            2
        )
    );
}

#[tokio::test]
async fn the_demo_is_the_kiosks_centre_and_seeds_once() {
    let db = TestDb::create();
    let server = TestServer::start(&db.url);
    let pool = linli_district::db::pool(&db.url, 4).unwrap();
    let now = at("2026-11-23T09:00:00");
    let kiosk = linli_core::demo::demo_people(now.date());

    let first = linli_district::demo::seed_at(&pool, now).await.unwrap();
    assert_eq!(first["already_seeded"], false);
    assert_eq!(first["centre"], "440306-XA-HF");
    assert_eq!(first["summary"]["households"], 300);
    assert_eq!(first["summary"]["residents"], kiosk.len() as i64);
    assert_eq!(first["summary"]["programmes"], 4);

    let counts = |pool: Pool| async move {
        let client = pool.get().await.unwrap();
        let row = client
            .query_one(
                "SELECT (SELECT count(*) FROM households), (SELECT count(*) FROM residents),
                        (SELECT count(*) FROM programmes), (SELECT count(*) FROM published),
                        (SELECT count(*) FROM changes), (SELECT count(*) FROM centres)",
                &[],
            )
            .await
            .unwrap();
        (0..6).map(|i| row.get::<_, i64>(i)).collect::<Vec<_>>()
    };
    let before = counts(pool.clone()).await;
    let again = linli_district::demo::seed_at(&pool, now).await.unwrap();
    assert_eq!(again["already_seeded"], true);
    assert_eq!(counts(pool.clone()).await, before);
    // Another day makes other birth dates for the same households: still nothing added.
    let later = linli_district::demo::seed_at(&pool, now + chrono::Duration::days(40))
        .await
        .unwrap();
    assert_eq!(later["already_seeded"], true);
    assert_eq!(counts(pool.clone()).await, before);

    // The centre as the kiosk's demo has it.
    let client = pool.get().await.unwrap();
    let centre = client
        .query_one(
            "SELECT name, district_code, community_code FROM centres WHERE code = '440306-XA-HF'",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(centre.get::<_, String>(0), "宝安区新安街道海富社区服务中心");
    assert_eq!(centre.get::<_, String>(1), "440306");
    assert_eq!(centre.get::<_, String>(2), "440306005003");

    // A kiosk enrolled at the demo centre pulls the same people, programmes, calendar
    // and categories its own `linli demo` made.
    let device = Device::enrol(&pool, &server, "440306-XA-HF", "demo kiosk").await;
    let changes = device.pull_all().await;
    let mut registry = std::collections::BTreeMap::new();
    let mut programmes = Vec::new();
    let (mut calendars, mut categories) = (0, 0);
    for change in changes {
        match change {
            ChangeBody::HouseholdKnown(household) => {
                registry.insert(household.household_code.clone(), household);
            }
            ChangeBody::ProgrammePublished { programme } => programmes.push(*programme),
            ChangeBody::CalendarPublished { calendar } => {
                assert_eq!(calendar, linli_core::demo::demo_calendar(now.date()));
                calendars += 1;
            }
            ChangeBody::CategoriesPublished { categories: list } => {
                assert_eq!(list, linli_core::business::standard_categories());
                categories += 1;
            }
            _ => {}
        }
    }
    assert_eq!((calendars, categories), (1, 1));
    assert_eq!(programmes, linli_core::demo::programmes(now.date()));
    assert_eq!(registry.len(), 300);
    for person in &kiosk {
        let household = &registry[&person.household_code];
        assert_eq!(household.centre_code, "440306-XA-HF");
        assert_eq!(household.address, person.address);
        let member = household
            .members
            .iter()
            .find(|m| m.id_number == person.id_number.as_str())
            .unwrap_or_else(|| panic!("{} in {}", person.name, person.household_code));
        assert_eq!(member.name, person.name);
        assert_eq!(
            member.phone.as_deref(),
            person.phone.as_ref().map(|p| p.as_str())
        );
        let tags: Vec<&str> = person.tags.iter().map(|t| t.as_str()).collect();
        assert_eq!(member.tags, tags);
    }
    let members: usize = registry.values().map(|h| h.members.len()).sum();
    assert_eq!(members, kiosk.len());
}

#[test]
fn the_commands_parse_as_documented() {
    use linli_district::cli::{Admin, Cli, Command};
    let parse = |args: &[&str]| {
        let mut all = vec!["linli-district", "--database-url", "postgres://x"];
        all.extend_from_slice(args);
        match Cli::try_parse_from(all)
            .unwrap_or_else(|e| panic!("{args:?}: {e}"))
            .command
        {
            Command::Admin { action } => action,
            other => panic!("{other:?}"),
        }
    };
    for kind in [
        "enrolments",
        "attendance",
        "volunteer-hours",
        "filings",
        "ratings",
        "households",
    ] {
        for format in ["json", "csv"] {
            assert!(matches!(
                parse(&["admin", "export", kind, "--format", format, "--centre", "C"]),
                Admin::Export {
                    unmasked: false,
                    ..
                }
            ));
        }
    }
    assert!(matches!(
        parse(&[
            "admin",
            "export",
            "volunteer-records",
            "--format",
            "csv",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
            "--unmasked",
            "--by",
            "S003",
        ]),
        Admin::Export {
            what: ExportKind::VolunteerRecords,
            format: Format::Csv,
            unmasked: true,
            ..
        }
    ));
    assert!(matches!(
        parse(&["admin", "report", "--month", "2026-11", "--centre", "C", "--format", "csv"]),
        Admin::Report {
            format: Format::Csv,
            ..
        }
    ));
    assert!(matches!(parse(&["admin", "demo"]), Admin::Demo));
    use linli_district::cli::StaffAction;
    match parse(&[
        "admin",
        "staff",
        "add",
        "--centre",
        "C",
        "--code",
        "S001",
        "--name",
        "刘经理",
        "--role",
        "manager",
        "--role",
        "social_worker",
    ]) {
        Admin::Staff {
            action: StaffAction::Add { roles, .. },
        } => assert_eq!(roles, vec!["manager", "social_worker"]),
        other => panic!("{other:?}"),
    }
    for action in ["list", "disable", "enable", "reset-pin"] {
        let mut args = vec!["admin", "staff", action, "--centre", "C"];
        if action != "list" {
            args.extend(["--code", "S001"]);
        }
        assert!(matches!(parse(&args), Admin::Staff { .. }), "{action}");
    }
    assert!(Cli::try_parse_from([
        "linli-district",
        "admin",
        "export",
        "volunteer-records",
        "--format",
        "xml"
    ])
    .is_err());
}

// ---------------------------------------------------------------------------------
// Staff accounts of a real centre (issue 10).

fn staff_changed(
    code: &str,
    name: &str,
    role: &str,
    pin: &str,
    must_change_pin: bool,
    disabled: bool,
    by: &str,
) -> EventPayload {
    EventPayload::StaffChanged {
        code: code.into(),
        name: name.into(),
        roles: vec![role.into()],
        pin_hash: linli_district::staff::hash_pin(pin),
        must_change_pin,
        disabled,
        changed_by: by.into(),
    }
}

/// The newest version of each staff account a device has pulled.
fn accounts(
    changes: Vec<ChangeBody>,
) -> std::collections::BTreeMap<String, linli_core::sync::StaffAccount> {
    let mut accounts = std::collections::BTreeMap::new();
    for change in changes {
        if let ChangeBody::StaffAccount(account) = change {
            accounts.insert(account.code.clone(), account);
        }
    }
    accounts
}

fn verifies(hash: &str, pin: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    argon2::Argon2::default()
        .verify_password(
            pin.as_bytes(),
            &PasswordHash::new(hash).expect("a PHC string"),
        )
        .is_ok()
}

#[tokio::test]
async fn a_centres_staff_accounts_go_round_the_district_and_its_devices() {
    use linli_district::staff;
    let db = TestDb::create();
    let server = TestServer::start(&db.url);
    let pool = linli_district::db::pool(&db.url, 4).unwrap();
    for (code, name) in [(CENTRE_A, CENTRE_A_NAME), (CENTRE_B, "测试二社区服务中心")] {
        admin::centre_add(&pool, code, name, "440306", "440306005009")
            .await
            .unwrap();
    }
    let added = staff::add(
        &pool,
        CENTRE_A,
        "S001",
        "刘经理",
        &["manager".into()],
        Some("zhang"),
    )
    .await
    .unwrap();
    let pin = added["pin"].as_str().unwrap().to_string();
    assert_eq!(linli_core::staff::validate_pin(&pin), Ok(()), "{pin}");
    assert_eq!(added["must_change_pin"], true);
    let mut desk = Device::enrol(&pool, &server, CENTRE_A, "desk-1").await;
    let other = Device::enrol(&pool, &server, CENTRE_B, "desk-1").await;

    // The centre's device receives the account, and the one-time PIN signs in there
    // exactly as the kiosk verifies PINs; another centre's device receives nothing.
    let held = accounts(desk.pull_all().await);
    let manager = &held["S001"];
    assert_eq!(manager.roles, vec![linli_core::staff::Role::Manager]);
    assert!(manager.must_change_pin && !manager.disabled);
    assert!(verifies(&manager.pin_hash, &pin));
    assert!(!verifies(&manager.pin_hash, "135790"));
    assert!(accounts(other.pull_all().await).is_empty());

    // At the desk the manager adds a colleague with a one-time PIN, and she chooses
    // her own at her first sign-in; the district keeps the newest and passes it on.
    desk.push(vec![
        (
            "2026-11-02T09:00:00",
            staff_changed("S002", "王芳", "front_desk", "135790", true, false, "S001"),
        ),
        (
            "2026-11-02T09:05:00",
            staff_changed("S002", "王芳", "front_desk", "802461", false, false, "S002"),
        ),
    ])
    .await;
    let held = accounts(desk.pull_all().await);
    assert!(!held["S002"].must_change_pin);
    assert!(verifies(&held["S002"].pin_hash, "802461"));
    // An older version arriving late (a device that was offline) changes nothing.
    desk.push(vec![(
        "2026-11-02T08:00:00",
        staff_changed("S002", "王芳", "front_desk", "135790", true, true, "S001"),
    )])
    .await;
    let listed = staff::list(&pool, CENTRE_A).await.unwrap();
    let s002 = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["code"] == "S002")
        .unwrap();
    assert_eq!(s002["disabled"], false, "{listed}");
    assert_eq!(s002["must_change_pin"], false, "{listed}");
    assert_eq!(s002["changed_by"], "S002");
    assert!(
        !listed.to_string().contains("$argon2"),
        "a list never shows PIN hashes: {listed}"
    );
    // Only a known, enabled manager changes other people's accounts.
    let answers = desk
        .push_answered(vec![
            (
                "2026-11-02T10:00:00",
                staff_changed("S001", "刘经理", "manager", "135790", false, true, "S002"),
            ),
            (
                "2026-11-02T10:00:00",
                staff_changed("S003", "李四", "manager", "135790", true, false, "S999"),
            ),
            (
                "2026-11-02T10:00:00",
                staff_changed("S002", "王芳", "manager", "802461", false, false, "S002"),
            ),
        ])
        .await;
    let codes: Vec<Option<&str>> = answers
        .iter()
        .map(|r| r.reason.as_ref().map(|reason| reason.code.as_str()))
        .collect();
    assert_eq!(
        codes,
        vec![
            Some("not_permitted"),
            Some("unknown_staff"),
            Some("not_permitted")
        ]
    );
    assert!(answers.iter().all(|r| r.outcome == Outcome::Rejected));
    assert_eq!(
        answers[0].reason.as_ref().unwrap().field,
        "payload.changed_by"
    );
    let bad_hash = EventPayload::StaffChanged {
        code: "S004".into(),
        name: "赵六".into(),
        roles: vec!["boss".into()],
        pin_hash: "123456".into(),
        must_change_pin: true,
        disabled: false,
        changed_by: "S001".into(),
    };
    let answers = desk
        .push_answered(vec![("2026-11-02T10:00:00", bad_hash)])
        .await;
    assert_eq!(answers[0].reason.as_ref().unwrap().code, "unknown_role");

    // District staff disable, re-enable and reset; each reaches the desk on its pull.
    staff::disable(&pool, CENTRE_A, "S002", None).await.unwrap();
    assert!(accounts(desk.pull_all().await)["S002"].disabled);
    assert_eq!(
        refused_field(staff::reset_pin(&pool, CENTRE_A, "S002", None).await),
        "code"
    );
    staff::enable(&pool, CENTRE_A, "S002", None).await.unwrap();
    let reset = staff::reset_pin(&pool, CENTRE_A, "S002", None)
        .await
        .unwrap();
    let new_pin = reset["pin"].as_str().unwrap();
    let held = accounts(desk.pull_all().await);
    assert!(!held["S002"].disabled && held["S002"].must_change_pin);
    assert!(verifies(&held["S002"].pin_hash, new_pin));
    assert!(!verifies(&held["S002"].pin_hash, "802461"));
    assert!(accounts(other.pull_all().await).is_empty());

    // Codes are unique within a centre, not across the district; bad input names its field.
    assert_eq!(
        refused_field(
            staff::add(&pool, CENTRE_A, "S001", "又一个", &["manager".into()], None).await
        ),
        "code"
    );
    staff::add(&pool, CENTRE_B, "S001", "陈经理", &["manager".into()], None)
        .await
        .unwrap();
    for (code, name, role, field) in [
        ("S 1", "王五", "manager", "code"),
        ("S005", "王\u{7}五", "manager", "name"),
        ("S005", "王五", "boss", "role"),
    ] {
        assert_eq!(
            refused_field(staff::add(&pool, CENTRE_A, code, name, &[role.into()], None).await),
            field
        );
    }
    assert_eq!(
        refused_field(
            staff::add(&pool, "NOWHERE", "S009", "王五", &["manager".into()], None).await
        ),
        "centre"
    );
    assert_eq!(
        refused_field(staff::disable(&pool, CENTRE_A, "S404", None).await),
        "code"
    );

    // Every change is in the staff audit, which holds no hash and cannot be rewritten.
    let client = pool.get().await.unwrap();
    let audit: Vec<Value> = client
        .query(
            "SELECT to_jsonb(a) FROM staff_audit a WHERE centre_code = $1 ORDER BY id",
            &[&CENTRE_A],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(audit.len() >= 6, "{audit:?}");
    assert!(!Value::Array(audit.clone()).to_string().contains("$argon2"));
    assert_eq!(audit[0]["changed_by"], "district/zhang");
    assert!(client
        .batch_execute("DELETE FROM staff_audit")
        .await
        .is_err());
}

/// Invariant 6 in every export kind: masked, no birth date or sex stands beside the
/// masked number; and a CSV never carries a cell a spreadsheet would run as a formula
/// (a name typed as `=HYPERLINK(…)` arrives as text).
#[tokio::test]
async fn masked_exports_carry_no_birth_date_and_csv_carries_no_formula() {
    let db = TestDb::create();
    let server = TestServer::start(&db.url);
    let pool = linli_district::db::pool(&db.url, 4).unwrap();
    seed(&pool, &server).await;
    let mut device = Device::enrol(&pool, &server, CENTRE_A, "desk-9").await;
    let sly = id("11010519800101001");
    device
        .push(vec![
            (
                "2026-11-03T09:00:00",
                EventPayload::HouseholdRegistered {
                    household_code: "H-SLY".into(),
                    address: "@SUM(1+1)".into(),
                    community_code: "440306005009".into(),
                },
            ),
            (
                "2026-11-03T09:00:00",
                EventPayload::ResidentRegistered {
                    household_code: "H-SLY".into(),
                    id_number: sly.clone(),
                    name: "=HYPERLINK(\"http://evil\",\"点我\")".into(),
                    phone: None,
                    tags: vec!["-1".into()],
                },
            ),
        ])
        .await;
    for kind in [
        ExportKind::Enrolments,
        ExportKind::Attendance,
        ExportKind::VolunteerHours,
        ExportKind::Filings,
        ExportKind::Ratings,
        ExportKind::Households,
        ExportKind::VolunteerRecords,
    ] {
        let rows = export::export(&pool, &request(kind)).await.unwrap();
        for row in rows.as_array().unwrap() {
            for key in ["birth_date", "sex", "birth", "gender", "age"] {
                assert!(
                    row.get(key).is_none_or(Value::is_null),
                    "{kind:?} carries {key} beside a masked ID: {row}"
                );
            }
        }
        let csv = export::export(
            &pool,
            &ExportRequest {
                format: Format::Csv,
                ..request(kind)
            },
        )
        .await
        .unwrap();
        let mut reader = csv::Reader::from_reader(csv.as_str().unwrap().as_bytes());
        for record in reader.records() {
            for cell in record.unwrap().iter() {
                // A negative number (a loss) is a number, not a formula.
                let formula = cell.starts_with(['=', '+', '@', '\t', '\r'])
                    || (cell.starts_with('-') && cell.parse::<f64>().is_err());
                assert!(!formula, "{kind:?}: a formula cell {cell:?}");
            }
        }
    }
    let csv = export::export(
        &pool,
        &ExportRequest {
            format: Format::Csv,
            ..request(ExportKind::Households)
        },
    )
    .await
    .unwrap();
    let text = csv.as_str().unwrap();
    assert!(text.contains("'@SUM(1+1)"), "{text}");
    assert!(text.contains("\"'=HYPERLINK(\"\"http://evil\"\""), "{text}");
    // JSON is not opened by a spreadsheet: the text stays as typed.
    let json = export::export(&pool, &request(ExportKind::Households))
        .await
        .unwrap();
    assert!(json
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["address"] == "@SUM(1+1)"));
}

// ---------------------------------------------------------------------------------
// The command line when its output cannot be written (issue 10).

fn district_cli(db: &TestDb, args: &[&str]) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_linli-district"));
    command
        .args(args)
        .env("DATABASE_URL", &db.url)
        .env("LINLI_LOG", "warn")
        .stderr(std::process::Stdio::piped());
    command
}

#[track_caller]
fn assert_failed_loudly(what: &str, output: std::process::Output) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{what} panicked: {stderr}");
    assert_eq!(output.status.code(), Some(4), "{what}: {stderr}");
    let said: Value = serde_json::from_str(stderr.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("{what}: standard error is not our JSON ({e}): {stderr}"));
    assert_eq!(said["code"], "output_failed", "{what}: {said}");
    assert!(said["error"].as_str().is_some_and(|e| !e.is_empty()));
}

/// `linli-district admin rejected | head` used to panic on the closed pipe, and a CSV
/// export to a full disk exited 0: whoever reads the output never got it all. Every
/// command now exits 4 with `output_failed` on standard error, answers and refusals
/// alike.
#[test]
fn a_command_whose_output_cannot_be_written_fails_loudly_and_never_panics() {
    let db = TestDb::create();
    db.run(|pool| async move {
        linli_district::demo::seed(&pool).await.unwrap();
    });
    let commands: Vec<Vec<&str>> = vec![
        vec!["admin", "rejected"],
        vec!["admin", "device", "list"],
        vec!["admin", "export", "households", "--format", "csv"],
        vec!["admin", "export", "households"],
        vec!["admin", "report", "--month", "2026-11"],
        vec!["admin", "staff", "list", "--centre", "440306-XA-HF"],
        // A refusal is output too.
        vec!["admin", "report", "--month", "2026-13"],
        vec!["migrate"],
        vec!["--help"],
    ];
    for args in &commands {
        let full = district_cli(&db, args)
            .stdout(std::fs::File::create("/dev/full").unwrap())
            .output()
            .unwrap();
        assert_failed_loudly(&format!("{args:?} > /dev/full"), full);
        // The reader is gone before the command starts, as `| head -0` would be: closing it
        // only after spawning raced a fast command (`--help`) that wrote into the pipe's
        // buffer first and rightly succeeded.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let closed = district_cli(&db, args).stdout(writer).output().unwrap();
        assert_failed_loudly(&format!("{args:?} | closed"), closed);
    }
    // With somewhere to write, the same command succeeds.
    let fine = district_cli(&db, &["admin", "rejected"]).output().unwrap();
    assert!(fine.status.success(), "{fine:?}");
    assert_eq!(String::from_utf8_lossy(&fine.stdout).trim(), "[]");
}

#[test]
fn every_json_error_of_the_command_line_carries_its_code() {
    let db = TestDb::create();
    let run = |args: &[&str], url: Option<&str>| {
        let mut command = district_cli(&db, args);
        command.env_remove("DATABASE_URL");
        if let Some(url) = url {
            command.env("DATABASE_URL", url);
        }
        let output = command.output().unwrap();
        let body: Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {e}: {output:?}"));
        (output.status.code(), body)
    };
    let cases: Vec<(Vec<&str>, Option<&str>, i32, &str)> = vec![
        (vec!["admin", "rejected"], None, 2, "no_database"),
        (
            vec!["admin", "rejected"],
            Some("host=127.0.0.1 port=1 user=postgres dbname=x connect_timeout=2"),
            3,
            "database_unavailable",
        ),
        (
            vec!["admin", "report", "--month", "2026-13"],
            Some(&db.url),
            1,
            "invalid_month",
        ),
        (
            vec![
                "admin", "staff", "add", "--centre", "NOWHERE", "--code", "S001", "--name", "王五",
                "--role", "manager",
            ],
            Some(&db.url),
            1,
            "not_found",
        ),
        // A code the kiosk's staff keypad could never type.
        (
            vec![
                "admin", "staff", "add", "--centre", "NOWHERE", "--code", "X1", "--name", "王五",
                "--role", "manager",
            ],
            Some(&db.url),
            1,
            "invalid_staff_code",
        ),
        (
            vec!["serve", "--listen", "not-an-address"],
            Some(&db.url),
            2,
            "listen_failed",
        ),
    ];
    for (args, url, status, code) in cases {
        let (got, body) = run(&args, url);
        assert_eq!(got, Some(status), "{args:?}: {body}");
        assert_eq!(body["code"], code, "{args:?}: {body}");
        assert!(
            body["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{body}"
        );
    }
}

// ---------------------------------------------------------------------------------
// Calendar coverage where district staff look (issue 10, invariant 12).

fn calendar_2026() -> String {
    json!({
        "holidays": {"2026-10-01": {"zh": "国庆节", "en": "National Day"}},
        "make_up_workdays": {"2026-10-10": {"zh": "国庆调休", "en": "National Day make-up day"}},
        "school_terms": [],
        "published_years": [2026]
    })
    .to_string()
}

#[tokio::test]
async fn district_staff_are_warned_sixty_days_before_the_calendar_runs_out() {
    let db = TestDb::create();
    let pool = linli_district::db::pool(&db.url, 4).unwrap();
    let client = pool.get().await.unwrap();
    // Nothing published yet: every answer a device gives about school days is a guess.
    let none = linli_district::calendar::status(&client, date("2026-06-01"))
        .await
        .unwrap();
    assert_eq!(none["coverage"]["state"], "provisional", "{none}");
    assert!(none["calendar_warning"]["en"].is_string(), "{none}");

    // Published in the summer: all quiet.
    let published = admin::publish_calendar_at(&pool, &calendar_2026(), date("2026-06-01"))
        .await
        .unwrap();
    assert_eq!(published["calendar_warning"], Value::Null, "{published}");
    assert_eq!(published["coverage"]["through"], "2026-12-31");
    for (today, state) in [
        ("2026-10-31", "published"),
        ("2026-11-01", "ending_soon"),
        ("2026-12-31", "ending_soon"),
        ("2027-01-01", "provisional"),
    ] {
        let status = linli_district::calendar::status(&client, date(today))
            .await
            .unwrap();
        assert_eq!(status["coverage"]["state"], state, "{today}: {status}");
        assert_eq!(
            status["calendar_warning"].is_null(),
            state == "published",
            "{today}: {status}"
        );
    }
    let soon = linli_district::calendar::status(&client, date("2026-11-15"))
        .await
        .unwrap();
    assert!(
        soon["calendar_warning"]["zh"]
            .as_str()
            .unwrap()
            .contains("2027年的放假和调休上班日尚未发布"),
        "{soon}"
    );
    // Publishing the same year again in November still warns, in the command's answer.
    let again = admin::publish_calendar_at(&pool, &calendar_2026(), date("2026-11-15"))
        .await
        .unwrap();
    assert_eq!(again["calendar_warning"], soon["calendar_warning"]);

    // The monthly report carries it, and /healthz on a server whose clock reads that day.
    let report = report::report_at(&pool, "2026-11", None, Format::Json, date("2026-11-15"))
        .await
        .unwrap();
    assert_eq!(report["calendar_warning"], soon["calendar_warning"]);
    let quiet = report::report_at(&pool, "2026-10", None, Format::Json, date("2026-10-15"))
        .await
        .unwrap();
    assert_eq!(quiet["calendar_warning"], Value::Null);
    for (now, warned) in [
        ("2026-11-15T09:00:00", true),
        ("2026-10-15T09:00:00", false),
    ] {
        let server = TestServer::start_at(&db.url, at(now));
        let health: Value = reqwest::get(format!("{}/healthz", server.url()))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(health["ok"], true);
        assert_eq!(
            !health["calendar_warning"].is_null(),
            warned,
            "{now}: {health}"
        );
    }

    // And on the command line, the clock pinned as a training district would.
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_linli-district"))
        .args(["admin", "calendar", "status"])
        .env("DATABASE_URL", &db.url)
        .env("LINLI_DISTRICT_NOW", "2026-12-01T09:00:00")
        .output()
        .unwrap();
    assert!(status.status.success(), "{status:?}");
    let status: Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(status["coverage"]["state"], "ending_soon", "{status}");
    assert_eq!(status["today"], "2026-12-01");
    let csv = std::process::Command::new(env!("CARGO_BIN_EXE_linli-district"))
        .args(["admin", "report", "--month", "2026-11", "--format", "csv"])
        .env("DATABASE_URL", &db.url)
        .env("LINLI_DISTRICT_NOW", "2026-12-01T09:00:00")
        .output()
        .unwrap();
    assert!(csv.status.success(), "{csv:?}");
    assert!(String::from_utf8_lossy(&csv.stdout).starts_with("centre_code,"));
    assert!(
        String::from_utf8_lossy(&csv.stderr).contains("calendar_warning"),
        "a CSV report's reader hears of it on standard error: {csv:?}"
    );
}

fn absence(resident: &str, day: &str, part: &str, reason: &str, withdrawn: bool) -> EventPayload {
    EventPayload::AbsenceReported {
        programme_code: "lunch-care".into(),
        resident_id_number: resident.into(),
        date: date(day),
        part: part.into(),
        reason: reason.into(),
        withdrawn,
    }
}

#[tokio::test]
async fn a_childs_absence_is_kept_newest_first_and_a_bad_one_is_refused_by_field() {
    let db = TestDb::create();
    let server = TestServer::start(&db.url);
    let pool = linli_district::db::pool(&db.url, 4).unwrap();
    admin::centre_add(&pool, CENTRE_A, CENTRE_A_NAME, "440306", "440306005009")
        .await
        .unwrap();
    let mut desk = Device::enrol(&pool, &server, CENTRE_A, "desk-1").await;
    let child = id("44030620180512002");
    desk.push(vec![
        (
            "2026-11-23T08:00:00",
            absence(&child, "2026-11-24", "whole_day", "ill", false),
        ),
        (
            "2026-11-23T08:05:00",
            absence(&child, "2026-11-25", "afternoon", "leave", false),
        ),
        // The parent calls back: Tuesday is withdrawn.
        (
            "2026-11-23T10:00:00",
            absence(&child, "2026-11-24", "whole_day", "ill", true),
        ),
    ])
    .await;
    let client = pool.get().await.unwrap();
    let rows = client
        .query(
            "SELECT absence_date::text, part, reason, withdrawn FROM absences
             WHERE centre_code = $1 AND resident_id_number = $2 ORDER BY absence_date",
            &[&CENTRE_A, &child],
        )
        .await
        .unwrap();
    let got: Vec<(String, String, String, bool)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
    assert_eq!(
        got,
        [
            (
                "2026-11-24".to_string(),
                "whole_day".to_string(),
                "ill".to_string(),
                true
            ),
            (
                "2026-11-25".to_string(),
                "afternoon".to_string(),
                "leave".to_string(),
                false
            ),
        ]
    );
    // An unknown part, an unknown reason and a mistyped ID number are each refused alone.
    let mut typo = child.clone();
    typo.replace_range(17..18, if child.ends_with('0') { "1" } else { "0" });
    let answers = desk
        .push_answered(vec![
            (
                "2026-11-23T11:00:00",
                absence(&child, "2026-11-26", "evening", "ill", false),
            ),
            (
                "2026-11-23T11:00:00",
                absence(&child, "2026-11-26", "whole_day", "bored", false),
            ),
            (
                "2026-11-23T11:00:00",
                absence(&typo, "2026-11-26", "whole_day", "ill", false),
            ),
        ])
        .await;
    let fields: Vec<String> = answers
        .iter()
        .map(|r| {
            assert_eq!(r.outcome, Outcome::Rejected, "{r:?}");
            r.reason
                .as_ref()
                .map(|e| e.field.clone())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(
        fields,
        [
            "payload.part",
            "payload.reason",
            "payload.resident_id_number"
        ]
    );
    let count: i64 = client
        .query_one("SELECT count(*) FROM absences", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(count, 2, "nothing of the refused events was written");
}

fn household(code: &str) -> EventPayload {
    EventPayload::HouseholdRegistered {
        household_code: code.into(),
        address: "海富花园3栋301".into(),
        community_code: "440306005009".into(),
    }
}

/// A family registered twice at a centre, merged at its desk: the district moves the
/// child's enrolment, attendance and card to the number that survives, drops the
/// absorbed number and the emptied household, and applies the merge once however often
/// it arrives. Another centre's device cannot merge this centre's people.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_merge_at_the_desk_is_applied_at_the_district_exactly_once() {
    let db = TestDb::create();
    let server = TestServer::start(&db.url);
    let pool = linli_district::db::pool(&db.url, 4).unwrap();
    admin::centre_add(&pool, CENTRE_A, CENTRE_A_NAME, "440306", "440306005009")
        .await
        .unwrap();
    admin::centre_add(
        &pool,
        CENTRE_B,
        "测试二社区服务中心",
        "440306",
        "440306005010",
    )
    .await
    .unwrap();
    let mut desk = Device::enrol(&pool, &server, CENTRE_A, "desk-1").await;
    let mut elsewhere = Device::enrol(&pool, &server, CENTRE_B, "desk-b").await;
    let (child, child_again) = (id("44030620170315001"), id("44030620170315991"));
    let (mother, mother_again) = (id("44030619870315002"), id("44030619870315992"));
    desk.push(vec![
        ("2026-09-01T09:00:00", household("H0001")),
        ("2026-09-01T09:00:00", resident("H0001", &mother, "张丽")),
        ("2026-09-01T09:00:00", resident("H0001", &child, "李小龙")),
        (
            "2026-09-01T09:05:00",
            enrolment("E1", "after-school", &child, "confirmed"),
        ),
        (
            "2026-11-23T16:30:00",
            attendance(
                "after-school",
                "2026-11-23",
                &child,
                AttendanceEventKind::CheckIn,
                "2026-11-23T16:30:00",
            ),
        ),
        (
            "2026-11-23T16:31:00",
            EventPayload::CardChanged {
                card: "88001234".into(),
                resident_id_number: child.clone(),
                revoked: false,
            },
        ),
        ("2026-12-01T10:00:00", household("D20261201-01")),
        (
            "2026-12-01T10:00:00",
            resident("D20261201-01", &mother_again, "张丽"),
        ),
        (
            "2026-12-01T10:00:00",
            resident("D20261201-01", &child_again, "李小龙"),
        ),
    ])
    .await;
    let merge = |device: &Device| OutboxEvent {
        schema_version: PROTOCOL_VERSION,
        event_id: uuid::Uuid::now_v7().to_string(),
        device_id: device.enrolled.id.clone(),
        centre_code: device.centre.clone(),
        occurred_at: at("2026-12-03T10:00:00"),
        payload: EventPayload::HouseholdsMerged {
            kept_household: "H0001".into(),
            removed_household: "D20261201-01".into(),
            people: vec![
                linli_core::outbox::MergedPerson {
                    absorbed: child.clone(),
                    survivor: child_again.clone(),
                },
                linli_core::outbox::MergedPerson {
                    absorbed: mother.clone(),
                    survivor: mother_again.clone(),
                },
            ],
        },
    };
    // Another centre's device: refused as not its centre's, and nothing changes.
    let mut stranger = merge(&elsewhere);
    stranger.centre_code = CENTRE_A.into();
    let refused = elsewhere.push_events(vec![stranger]).await;
    assert_eq!(refused[0].outcome, Outcome::Rejected, "{refused:?}");

    // The desk sends the survivors into the kept household, then the merge; the
    // network drops the answer and the same batch is sent again.
    let moved_in = |device: &Device| {
        [&mother_again, &child_again].map(|who| OutboxEvent {
            schema_version: PROTOCOL_VERSION,
            event_id: uuid::Uuid::now_v7().to_string(),
            device_id: device.enrolled.id.clone(),
            centre_code: device.centre.clone(),
            occurred_at: at("2026-12-03T10:00:00"),
            payload: resident(
                "H0001",
                who,
                if *who == mother_again {
                    "张丽"
                } else {
                    "李小龙"
                },
            ),
        })
    };
    let mut batch: Vec<OutboxEvent> = moved_in(&desk).into();
    batch.push(merge(&desk));
    let first = desk.push_events(batch.clone()).await;
    assert!(
        first.iter().all(|r| r.outcome == Outcome::Accepted),
        "{first:?}"
    );
    let again = desk.push_events(batch).await;
    assert!(
        again.iter().all(|r| r.outcome == Outcome::Duplicate),
        "{again:?}"
    );

    let client = pool.get().await.unwrap();
    let one = |sql: &'static str| {
        let client = &client;
        async move {
            let row = client.query_one(sql, &[]).await.unwrap();
            row.get::<_, i64>(0)
        }
    };
    // Whose records of a kind the centre holds: (the survivor's, the absorbed's).
    let holders = |sql: &'static str| {
        let (client, child, child_again) = (&client, &child, &child_again);
        async move {
            let rows = client.query(sql, &[&CENTRE_A]).await.unwrap();
            let of = |who: &str| rows.iter().filter(|r| r.get::<_, String>(0) == who).count();
            (of(child_again), of(child))
        }
    };
    for sql in [
        "SELECT resident_id_number FROM enrolments WHERE centre_code = $1",
        "SELECT resident_id_number FROM attendance WHERE centre_code = $1",
        "SELECT resident_id_number FROM resident_cards WHERE centre_code = $1",
    ] {
        assert_eq!(holders(sql).await, (1, 0), "{sql}");
    }
    let registry = client
        .query(
            "SELECT id_number FROM residents WHERE centre_code = $1 AND household_code = 'H0001'",
            &[&CENTRE_A],
        )
        .await
        .unwrap();
    let mut numbers: Vec<String> = registry.iter().map(|r| r.get(0)).collect();
    numbers.sort();
    let mut expected = vec![child_again.clone(), mother_again.clone()];
    expected.sort();
    assert_eq!(numbers, expected, "the absorbed numbers left the registry");
    assert_eq!(
        one("SELECT count(*) FROM households WHERE code = 'D20261201-01'").await,
        0,
        "the emptied household is gone"
    );
    assert_eq!(
        one("SELECT count(*) FROM resident_merges").await,
        2,
        "applied once"
    );
}
