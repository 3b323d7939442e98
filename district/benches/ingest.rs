//! The district's ingestion speed (issue 5, "Speed"), printed as a table for
//! docs/benchmarks.md. Run with `cargo bench -p linli-district --bench ingest`.
//!
//! - 500 enrolled devices, each with a realistic day of a centre's outbox (about 270
//!   events: roll call for 四点半学校, 学生午托 and 日间照料 with check-in and check-out,
//!   a class, volunteer shifts and reviews, a household registered, a few sign-ups and
//!   cancellations, 好差评 ratings with their follow-ups), pushed over HTTP by many
//!   clients at once, each device's batches in order as its sync thread sends them.
//!   Measured: events ingested per second overall and each push's latency.
//! - In the same run, on the same database, the same rows loaded with one plain
//!   `COPY … FROM STDIN (FORMAT binary)` into a table with the columns of `events` and
//!   its primary key (device, event id), without its other index, foreign key or any
//!   projection: the floor a database write path cannot beat. The aim is
//!   ingestion at no less than a quarter of that rate.
//! - A week offline on one busy device (50,000 events) drained in the kiosk's batches,
//!   one after another (aim: under 30 s).
//!
//! The server is the release-built `linli-district serve` in a child process, as it
//! runs in production: its own runtime on every core, its own pool, and no sharing of
//! a runtime or allocator with the load generator, which an in-process server would
//! do. Request bodies are serialised before the clock starts, so the generator's own
//! work during the run is sending bytes and collecting answers.
//!
//! Environment, to scale a quick check down:
//! `LINLI_LOAD_DEVICES` (500), `LINLI_LOAD_CENTRES` (25), `LINLI_LOAD_BATCH` (150),
//! `LINLI_LOAD_CLIENTS` (concurrent pushes, 32), `LINLI_LOAD_CONNECTIONS` (the
//! server's pool, 16), `LINLI_LOAD_WEEK_EVENTS` (50,000; 0 skips that part),
//! `LINLI_LOAD_COPY_RUNS` (3: the COPY baseline is the median of these runs);
//! `LINLI_LOAD_SERVER` runs another build of `linli-district` against the same load.
//! The database server is the tests' (`LINLI_TEST_PG`, else 127.0.0.1:5432).

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{Duration as Days, NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use linli_core::eligibility::{EligibilityRules, Residency};
use linli_core::identity::check_character;
use linli_core::outbox::{AttendanceEventKind, EventPayload, OutboxEvent, PROTOCOL_VERSION};
use linli_core::programme::{Fee, FeePeriod, Programme, ProgrammeKind, ProgrammeStatus, Schedule};
use linli_core::sync::{
    EnrolRequest, EnrolResponse, Outcome, PushRequest, PushResponse, PushedEvent,
};
use linli_core::waitlist::{Priority, PriorityBucket, WaitlistPolicy};
use linli_core::Text;
use linli_district::testing::TestDb;
use linli_district::{admin, clock, db};
use sha2::{Digest, Sha256};
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{ToSql, Type};
use uuid::Uuid;

/// The kiosk's batch when it drains a backlog (`PUSH_BATCH` in src/sync/mod.rs).
const KIOSK_DRAIN_BATCH: usize = 500;

/// The school day every device's events happen on (a Thursday in term).
fn the_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 26).expect("a date")
}

struct Config {
    devices: usize,
    centres: usize,
    batch: usize,
    clients: usize,
    connections: usize,
    week_events: usize,
    copy_runs: usize,
}

fn env_number(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(text) => text
            .replace(['_', ','], "")
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a whole number, not {text:?}")),
        Err(_) => default,
    }
}

impl Config {
    fn from_env() -> Config {
        let devices = env_number("LINLI_LOAD_DEVICES", 500).max(1);
        Config {
            devices,
            centres: env_number("LINLI_LOAD_CENTRES", 25).clamp(1, devices),
            batch: env_number("LINLI_LOAD_BATCH", 150).clamp(1, linli_core::sync::MAX_BATCH_EVENTS),
            clients: env_number("LINLI_LOAD_CLIENTS", 32).max(1),
            connections: env_number("LINLI_LOAD_CONNECTIONS", 16).max(1),
            week_events: env_number("LINLI_LOAD_WEEK_EVENTS", 50_000),
            copy_runs: env_number("LINLI_LOAD_COPY_RUNS", 3).max(1),
        }
    }
}

// ------------------------------------------------------------------ the server

/// `linli-district serve` on 127.0.0.1:0, killed when dropped.
struct ServerProcess {
    child: Child,
    url: String,
}

impl ServerProcess {
    fn start(database_url: &str, connections: usize) -> ServerProcess {
        // Another build of the server can be measured against the same load.
        let program = std::env::var("LINLI_LOAD_SERVER")
            .unwrap_or_else(|_| env!("CARGO_BIN_EXE_linli-district").to_string());
        let mut child = Command::new(program)
            // Every device enrols from this one address, far beyond what a real
            // address is allowed.
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--enrols-per-minute",
                "1000000",
                "--connections",
            ])
            .arg(connections.to_string())
            .env("DATABASE_URL", database_url)
            .env("LINLI_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the district server starts");
        let mut stdout = BufReader::new(child.stdout.take().expect("its stdout"));
        // Its first output is one JSON object saying where (read on until it parses,
        // should it ever be printed over several lines).
        let mut first = String::new();
        let said: serde_json::Value = loop {
            let read = stdout
                .read_line(&mut first)
                .expect("the server says where it listens");
            assert!(read > 0, "the server stopped before listening: {first}");
            if let Ok(said) = serde_json::from_str(&first) {
                break said;
            }
        };
        let url = said["listening"]
            .as_str()
            .expect("a listening address")
            .to_string();
        // Keep reading, so the server can never block on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        ServerProcess { child, url }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ------------------------------------------------------------------ a day's events

fn time(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).expect("a time")
}

/// A valid ID number (GB 11643), different for every (`base`, `person`).
fn id_number(base: NaiveDate, person: u32) -> String {
    let birth = base + Days::days(i64::from(person / 1000));
    let first17 = format!("440306{}{:03}", birth.format("%Y%m%d"), person % 1000);
    let check = check_character(&first17).expect("17 digits");
    format!("{first17}{check}")
}

fn child_id(block: u32, n: u32) -> String {
    id_number(
        NaiveDate::from_ymd_opt(2014, 9, 1).expect("a date"),
        block * 100 + n,
    )
}

fn elder_id(block: u32, n: u32) -> String {
    id_number(
        NaiveDate::from_ymd_opt(1945, 1, 1).expect("a date"),
        block * 100 + n,
    )
}

fn adult_id(block: u32, n: u32) -> String {
    id_number(
        NaiveDate::from_ymd_opt(1980, 1, 1).expect("a date"),
        block * 100 + n,
    )
}

fn attendance(
    programme: &str,
    date: NaiveDate,
    resident: String,
    kind: AttendanceEventKind,
    at: NaiveDateTime,
    picked_up_by: Option<String>,
    left_alone: bool,
) -> EventPayload {
    EventPayload::AttendanceRecorded {
        programme_code: programme.into(),
        session_date: date,
        resident_id_number: resident,
        kind,
        at,
        picked_up_by,
        left_alone,
    }
}

const SURNAMES: &[&str] = &["张", "王", "李", "赵", "陈", "刘", "杨", "黄", "周", "吴"];

/// What one centre device records on `date`, in the order it commits it. `block`
/// keeps the people of different devices (and days) apart, so their rows differ as
/// they would across a district.
fn day_of_events(device_id: &str, centre: &str, date: NaiveDate, block: u32) -> Vec<OutboxEvent> {
    let at = |t: NaiveTime| date.and_time(t);
    let secs = |t: NaiveTime, s: u32| date.and_time(t) + Days::seconds(i64::from(s));
    let mut day: Vec<(NaiveDateTime, EventPayload)> = Vec::new();
    // 日间照料: sixteen elders arrive in the morning and go home late afternoon.
    for n in 0..16 {
        let elder = elder_id(block, n);
        day.push((
            secs(time(8, 30), n * 90),
            attendance(
                "day-care",
                date,
                elder.clone(),
                AttendanceEventKind::CheckIn,
                secs(time(8, 30), n * 90),
                None,
                false,
            ),
        ));
        day.push((
            secs(time(16, 40), n * 60),
            attendance(
                "day-care",
                date,
                elder,
                AttendanceEventKind::CheckOut,
                secs(time(16, 40), n * 60),
                None,
                false,
            ),
        ));
    }
    // A morning class, partly the same elders.
    for n in 10..22 {
        let elder = elder_id(block, n);
        day.push((
            secs(time(9, 25), n * 20),
            attendance(
                "calligraphy",
                date,
                elder.clone(),
                AttendanceEventKind::CheckIn,
                secs(time(9, 25), n * 20),
                None,
                false,
            ),
        ));
        day.push((
            secs(time(11, 0), n * 15),
            attendance(
                "calligraphy",
                date,
                elder,
                AttendanceEventKind::CheckOut,
                secs(time(11, 0), n * 15),
                None,
                false,
            ),
        ));
    }
    // Eight volunteers clock in and out; a social worker reviews half of the shifts.
    for n in 0..8 {
        let shift_id = Uuid::now_v7().to_string();
        let volunteer = adult_id(block, n);
        let activity = ["长者探访", "课业辅导", "午托帮厨", "活动协助"][n as usize % 4].to_string();
        let clock_in = secs(time(8, 50), n * 300);
        let clock_out = secs(time(11, 30), n * 420);
        let minutes = u32::try_from((clock_out - clock_in).num_minutes()).unwrap_or(0);
        day.push((
            clock_in,
            EventPayload::ShiftRecorded {
                shift_id: shift_id.clone(),
                volunteer_id_number: volunteer.clone(),
                activity: activity.clone(),
                clock_in,
                clock_out: None,
                minutes: 0,
                status: "open".into(),
            },
        ));
        day.push((
            clock_out,
            EventPayload::ShiftRecorded {
                shift_id: shift_id.clone(),
                volunteer_id_number: volunteer,
                activity,
                clock_in,
                clock_out: Some(clock_out),
                minutes,
                status: "pending".into(),
            },
        ));
        if n % 2 == 0 {
            day.push((
                secs(time(15, 0), n * 60),
                EventPayload::ShiftReviewed {
                    shift_id,
                    status: "approved".into(),
                    reviewer: "SW-01".into(),
                    note: None,
                    confirmed_clock_out: None,
                    minutes,
                },
            ));
        }
    }
    day.push((
        at(time(10, 5)),
        EventPayload::VolunteerRegistered {
            volunteer_id_number: adult_id(block, 8),
            skills: vec!["tutoring".into(), "first_aid".into()],
        },
    ));
    // A family registers at the front desk: the household and its three members.
    let household = format!("HH-{centre}-{block}");
    let surname = SURNAMES[block as usize % SURNAMES.len()];
    day.push((
        at(time(10, 15)),
        EventPayload::HouseholdRegistered {
            household_code: household.clone(),
            address: format!(
                "宝安区新安街道海滨社区{}栋{}室",
                block % 40 + 1,
                100 + block % 30
            ),
            community_code: "440306001001".into(),
        },
    ));
    for (n, (id, name, phone, tags)) in [
        (
            adult_id(block, 9),
            format!("{surname}伟"),
            Some(format!("138{:08}", block)),
            vec!["non_hukou"],
        ),
        (
            adult_id(block, 10),
            "李娜".to_string(),
            Some(format!("139{:08}", block)),
            vec!["non_hukou"],
        ),
        (child_id(block, 60), format!("{surname}小明"), None, vec![]),
    ]
    .into_iter()
    .enumerate()
    {
        day.push((
            secs(time(10, 16), n as u32 * 40),
            EventPayload::ResidentRegistered {
                household_code: household.clone(),
                id_number: id,
                name,
                phone,
                tags: tags.into_iter().map(String::from).collect(),
            },
        ));
    }
    // Sign-ups: the new child waits for both children's programmes; renewals are
    // confirmed; an elder joins day care's list; one place is given up.
    let sign_ups: [(&str, String, &str, u32); 8] = [
        ("after-school", child_id(block, 60), "waitlisted", 1),
        ("lunch-care", child_id(block, 60), "waitlisted", 1),
        ("after-school", child_id(block, 70), "confirmed", 1),
        ("lunch-care", child_id(block, 71), "confirmed", 1),
        ("after-school", child_id(block, 72), "confirmed", 0),
        ("day-care", elder_id(block, 30), "waitlisted", 0),
        ("day-care", elder_id(block, 31), "waitlisted", 2),
        ("lunch-care", child_id(block, 73), "cancelled", 1),
    ];
    for (n, (programme, resident, status, bucket)) in sign_ups.into_iter().enumerate() {
        let applied_at = secs(time(10, 20), n as u32 * 600);
        let sort_key = Priority {
            bucket,
            credit: false,
            applied_at,
            seq: u64::from(block) * 10 + n as u64,
        }
        .sort_key();
        day.push((
            applied_at,
            EventPayload::EnrolmentChanged {
                enrolment_id: Uuid::now_v7().to_string(),
                programme_code: programme.into(),
                resident_id_number: resident,
                status: status.into(),
                priority_sort_key: sort_key,
                offer_deadline: None,
                reason: (status == "cancelled").then(|| "家长接送时间变化".to_string()),
            },
        ));
    }
    // 学生午托: forty children come at noon and are walked back to school.
    for n in 20..60 {
        let child = child_id(block, n);
        day.push((
            secs(time(11, 50), n * 15),
            attendance(
                "lunch-care",
                date,
                child.clone(),
                AttendanceEventKind::CheckIn,
                secs(time(11, 50), n * 15),
                None,
                false,
            ),
        ));
        day.push((
            secs(time(13, 50), n * 10),
            attendance(
                "lunch-care",
                date,
                child,
                AttendanceEventKind::CheckOut,
                secs(time(13, 50), n * 10),
                Some("陈老师 (学校)".into()),
                false,
            ),
        ));
    }
    // 四点半学校: forty children after school, collected by an authorised adult (or, for
    // a few over twelve, leaving alone on their guardian's consent).
    for n in 0..40 {
        let child = child_id(block, n);
        day.push((
            secs(time(16, 30), n * 20),
            attendance(
                "after-school",
                date,
                child.clone(),
                AttendanceEventKind::CheckIn,
                secs(time(16, 30), n * 20),
                None,
                false,
            ),
        ));
        let alone = n % 10 == 9;
        let collector =
            (!alone).then(|| format!("{}女士 (母亲)", SURNAMES[n as usize % SURNAMES.len()]));
        day.push((
            secs(time(17, 30), n * 45),
            attendance(
                "after-school",
                date,
                child,
                AttendanceEventKind::CheckOut,
                secs(time(17, 30), n * 45),
                collector,
                alone,
            ),
        ));
    }
    // 好差评 at the kiosk as people leave; a bad rating opens a follow-up.
    let levels = [5u8, 5, 4, 5, 3, 5, 4, 5, 5, 2, 5, 4, 5, 1];
    for (n, level) in levels.into_iter().enumerate() {
        let programme = ["after-school", "lunch-care", "day-care"][n % 3];
        let rating_id = Uuid::now_v7().to_string();
        let rated_at = secs(time(13, 55), n as u32 * 1500);
        let reason_tags: Vec<String> = match level {
            1 | 2 => vec!["waiting_time".into(), "staff_attitude".into()],
            3 => vec!["environment".into()],
            _ => vec![],
        };
        day.push((
            rated_at,
            EventPayload::RatingSubmitted {
                rating_id: rating_id.clone(),
                service_ref: format!("{programme}/{date}"),
                programme_code: programme.into(),
                level,
                reason_tags,
            },
        ));
        if level <= 2 {
            day.push((
                rated_at,
                EventPayload::FollowUpChanged {
                    rating_id,
                    status: "open".into(),
                    due: date + Days::days(3),
                    by: None,
                    note: None,
                },
            ));
        }
    }
    // Now and then the month's accounts of a convenience business.
    if block.is_multiple_of(20) {
        day.push((
            at(time(15, 30)),
            EventPayload::LedgerRecorded {
                business_code: format!("B-{centre}-{}", block % 3),
                month: "2026-10".into(),
                revenue_fen: 1_234_500,
                cost_fen: 1_100_000,
            },
        ));
    }
    day.sort_by_key(|(at, _)| *at);
    day.into_iter()
        .map(|(at, payload)| {
            OutboxEvent::new(Uuid::now_v7().to_string(), device_id, centre, at, payload)
        })
        .collect()
}

// ------------------------------------------------------------------ the district

fn programme(
    code: &str,
    kind: ProgrammeKind,
    capacity: u32,
    start: NaiveTime,
    end: NaiveTime,
) -> String {
    let day = the_day();
    let school = kind == ProgrammeKind::AfterSchool || kind == ProgrammeKind::LunchCare;
    let children = school;
    let programme = Programme {
        code: code.into(),
        name: Text::new(format!("{code}（负载测试）"), format!("{code} (load test)")),
        kind,
        schedule: Schedule {
            weekdays: vec![
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
            ],
            start,
            end,
            first_day: day - Days::days(80),
            last_day: day + Days::days(60),
            school_days_only: school,
        },
        capacity,
        fee: Fee {
            amount_fen: 0,
            per: FeePeriod::Term,
            waivers: vec![],
        },
        status: ProgrammeStatus::Open,
        offer_hours: 48,
        rules: EligibilityRules {
            id: format!("{code}-2026"),
            version: 1,
            min_age: Some(if children { 6 } else { 60 }),
            max_age: children.then_some(12),
            age_reference: day,
            residency: Residency::CommunityHouseholdOrResidencePermit,
            required_tags: vec![],
            excluded_tags: vec![],
            guardian_required_under: children.then_some(14),
        },
        policy: WaitlistPolicy {
            id: format!("{code}-2026"),
            version: 1,
            buckets: vec![
                PriorityBucket {
                    name: Text::new("低保及残疾家庭", "low-income and disabled households"),
                    any_of_tags: vec!["low_income".into(), "disabled".into()],
                },
                PriorityBucket {
                    name: Text::new("独居长者", "elderly living alone"),
                    any_of_tags: vec!["living_alone".into()],
                },
                PriorityBucket {
                    name: Text::new("其他申请人", "other applicants"),
                    any_of_tags: vec![],
                },
            ],
            credit_for_unplaced: true,
        },
    };
    serde_json::to_string(&programme).expect("programmes serialise")
}

struct EnrolledDevice {
    id: String,
    centre: String,
    credential: String,
}

/// Centres with the three programmes whose seats the district shares out, and their
/// devices, each registered by district staff and enrolled over HTTP like a kiosk.
async fn set_up_district(
    pool: &deadpool_postgres::Pool,
    http: &reqwest::Client,
    server: &str,
    config: &Config,
) -> Vec<EnrolledDevice> {
    let mut centres = Vec::new();
    for c in 0..config.centres {
        let code = format!("LOAD-{c:02}");
        admin::centre_add(
            pool,
            &code,
            &format!("负载测试中心{c}"),
            "440306",
            "440306001001",
        )
        .await
        .expect("the centre is added");
        for text in [
            programme(
                "after-school",
                ProgrammeKind::AfterSchool,
                40,
                time(16, 30),
                time(18, 0),
            ),
            programme(
                "lunch-care",
                ProgrammeKind::LunchCare,
                24,
                time(11, 50),
                time(14, 0),
            ),
            programme(
                "day-care",
                ProgrammeKind::DayCare,
                20,
                time(8, 30),
                time(17, 0),
            ),
        ] {
            admin::publish_programme(pool, &code, &text)
                .await
                .expect("the programme is published");
        }
        centres.push(code);
    }
    let mut devices = Vec::new();
    for d in 0..config.devices + 1 {
        let centre = centres[d % centres.len()].clone();
        let added = admin::device_add(pool, &centre, &format!("终端-{d:03}"))
            .await
            .expect("the device is added");
        let request = EnrolRequest {
            code: added["code"].as_str().expect("a code").to_string(),
            centre_code: None,
        };
        let answer = http
            .post(format!("{server}/v1/enrol"))
            .body(serde_json::to_vec(&request).expect("JSON"))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .send()
            .await
            .expect("the server answers");
        assert!(answer.status().is_success(), "enrol: {}", answer.status());
        let enrolled: EnrolResponse =
            serde_json::from_slice(&answer.bytes().await.expect("a body"))
                .expect("an enrol answer");
        devices.push(EnrolledDevice {
            id: enrolled.device_id,
            centre: enrolled.centre_code,
            credential: enrolled.credential,
        });
    }
    devices
}

/// One device's outbox as the request bodies its sync thread would send, in order.
struct Upload {
    credential: String,
    bodies: Vec<Vec<u8>>,
    events: usize,
}

fn upload(device: &EnrolledDevice, events: &[OutboxEvent], batch: usize) -> Upload {
    let pushed: Vec<PushedEvent> = events
        .iter()
        .enumerate()
        .map(|(seq, event)| PushedEvent {
            seq: seq as i64 + 1,
            event: serde_json::to_value(event).expect("events serialise"),
        })
        .collect();
    let bodies = pushed
        .chunks(batch)
        .map(|chunk| {
            serde_json::to_vec(&PushRequest {
                protocol_version: PROTOCOL_VERSION,
                sent_at: clock::now_local(),
                events: chunk.to_vec(),
            })
            .expect("requests serialise")
        })
        .collect();
    Upload {
        credential: device.credential.clone(),
        bodies,
        events: events.len(),
    }
}

/// What the pushes gave: each batch's latency and answer.
#[derive(Default)]
struct Pushed {
    latencies: Vec<Duration>,
    answers: Vec<Vec<u8>>,
}

async fn push_all(
    http: &reqwest::Client,
    server: &str,
    uploads: Vec<Upload>,
    clients: usize,
) -> Pushed {
    let queue = Arc::new(Mutex::new(VecDeque::from(uploads)));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..clients {
        let queue = queue.clone();
        let http = http.clone();
        let url = format!("{server}/v1/events");
        tasks.spawn(async move {
            let mut pushed = Pushed::default();
            loop {
                let next = queue.lock().expect("the queue").pop_front();
                let Some(device) = next else { break };
                // A device's batches go one after another, as its sync thread sends them.
                for body in device.bodies {
                    let started = Instant::now();
                    let answer = http
                        .post(&url)
                        .bearer_auth(&device.credential)
                        .header(reqwest::header::CONTENT_TYPE, "application/json")
                        .body(body)
                        .send()
                        .await
                        .expect("the server answers");
                    let status = answer.status();
                    let bytes = answer.bytes().await.expect("a body").to_vec();
                    pushed.latencies.push(started.elapsed());
                    assert!(
                        status.is_success(),
                        "push: {status} {}",
                        String::from_utf8_lossy(&bytes)
                    );
                    pushed.answers.push(bytes);
                }
            }
            pushed
        });
    }
    let mut all = Pushed::default();
    while let Some(done) = tasks.join_next().await {
        let done = done.expect("a client does not panic");
        all.latencies.extend(done.latencies);
        all.answers.extend(done.answers);
    }
    all
}

/// Every event must have been accepted, or the rate would count work not done.
fn accepted(answers: &[Vec<u8>]) -> usize {
    let mut accepted = 0;
    for answer in answers {
        let response: PushResponse = serde_json::from_slice(answer).expect("a push answer");
        for result in response.results {
            assert_eq!(result.outcome, Outcome::Accepted, "{result:?}");
            accepted += 1;
        }
    }
    accepted
}

/// The rows `events` would hold for these events, for COPY.
struct Row {
    device_id: Uuid,
    event_id: String,
    seq: i64,
    centre_code: String,
    kind: &'static str,
    occurred_at: NaiveDateTime,
    body_hash: Vec<u8>,
    body: serde_json::Value,
}

fn rows_of(device: &EnrolledDevice, events: &[OutboxEvent]) -> Vec<Row> {
    events
        .iter()
        .enumerate()
        .map(|(seq, event)| {
            let body = serde_json::to_value(event).expect("events serialise");
            Row {
                device_id: device.id.parse().expect("a uuid"),
                event_id: event.event_id.clone(),
                seq: seq as i64 + 1,
                centre_code: event.centre_code.clone(),
                kind: event.kind(),
                occurred_at: event.occurred_at,
                body_hash: Sha256::digest(body.to_string().as_bytes()).to_vec(),
                body,
            }
        })
        .collect()
}

/// Loads `rows` with COPY `runs` times into a fresh table (emptied before each run)
/// and gives each run's time. The shared VM's disk makes one run vary by half; the
/// median of a few is the baseline.
async fn copy_rows(pool: &deadpool_postgres::Pool, rows: &[Row], runs: usize) -> Vec<Duration> {
    let mut client = pool.get().await.expect("a connection");
    client
        .batch_execute(
            "CREATE TABLE events_copy (
                 device_id   uuid NOT NULL,
                 event_id    text NOT NULL,
                 seq         bigint NOT NULL,
                 centre_code text NOT NULL,
                 kind        text NOT NULL,
                 occurred_at timestamp NOT NULL,
                 received_at timestamptz NOT NULL DEFAULT now(),
                 body_hash   bytea NOT NULL,
                 body        jsonb NOT NULL,
                 PRIMARY KEY (device_id, event_id)
             )",
        )
        .await
        .expect("the COPY table");
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        client
            .batch_execute("TRUNCATE events_copy")
            .await
            .expect("TRUNCATE");
        checkpoint(pool).await;
        let started = Instant::now();
        let tx = client.transaction().await.expect("a transaction");
        let sink = tx
            .copy_in(
                "COPY events_copy (device_id, event_id, seq, centre_code, kind, occurred_at, body_hash, body)
                 FROM STDIN (FORMAT binary)",
            )
            .await
            .expect("COPY starts");
        let mut writer = std::pin::pin!(BinaryCopyInWriter::new(
            sink,
            &[
                Type::UUID,
                Type::TEXT,
                Type::INT8,
                Type::TEXT,
                Type::TEXT,
                Type::TIMESTAMP,
                Type::BYTEA,
                Type::JSONB
            ],
        ));
        for row in rows {
            let values: [&(dyn ToSql + Sync); 8] = [
                &row.device_id,
                &row.event_id,
                &row.seq,
                &row.centre_code,
                &row.kind,
                &row.occurred_at,
                &row.body_hash,
                &row.body,
            ];
            writer
                .as_mut()
                .write(&values)
                .await
                .expect("a row is copied");
        }
        let copied = writer.as_mut().finish().await.expect("COPY finishes");
        tx.commit().await.expect("COPY commits");
        times.push(started.elapsed());
        assert_eq!(copied as usize, rows.len());
    }
    times
}

/// Starts each measured part with the same clean buffers, so one part does not pay
/// for writing out the other's pages.
async fn checkpoint(pool: &deadpool_postgres::Pool) {
    let client = pool.get().await.expect("a connection");
    if let Err(error) = client.batch_execute("CHECKPOINT").await {
        eprintln!("(no CHECKPOINT between the parts: {error})");
    }
}

async fn count_events(pool: &deadpool_postgres::Pool) -> i64 {
    let client = pool.get().await.expect("a connection");
    client
        .query_one("SELECT count(*) FROM events", &[])
        .await
        .expect("a count")
        .get(0)
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[index]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn per_second(n: usize, d: Duration) -> String {
    let rate = n as f64 / d.as_secs_f64();
    // Thousands separated, as docs/benchmarks.md writes them.
    let digits = format!("{rate:.0}");
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn main() {
    let config = Config::from_env();
    let database = TestDb::create();
    let server = ServerProcess::start(&database.url, config.connections);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(run(&config, &database.url, &server.url));
    drop(server);
}

async fn run(config: &Config, database_url: &str, server: &str) {
    let pool = db::pool(database_url, 4).expect("a pool");
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(config.clients)
        .build()
        .expect("an HTTP client");
    let started = Instant::now();
    let mut devices = set_up_district(&pool, &http, server, config).await;
    // The last device enrolled is the one that was offline for a week.
    let week_device = devices.pop().expect("the week's device");
    eprintln!(
        "{} centres, {} devices enrolled in {:.1} s",
        config.centres,
        devices.len() + 1,
        started.elapsed().as_secs_f64()
    );

    let days: Vec<Vec<OutboxEvent>> = devices
        .iter()
        .enumerate()
        .map(|(block, device)| day_of_events(&device.id, &device.centre, the_day(), block as u32))
        .collect();
    let total: usize = days.iter().map(Vec::len).sum();
    let uploads: Vec<Upload> = devices
        .iter()
        .zip(&days)
        .map(|(device, events)| upload(device, events, config.batch))
        .collect();
    let batches: usize = uploads.iter().map(|u| u.bodies.len()).sum();
    let bytes: usize = uploads.iter().flat_map(|u| &u.bodies).map(Vec::len).sum();
    eprintln!(
        "{total} events ({:.0} per device), {batches} batches, {:.1} MB of JSON",
        total as f64 / devices.len() as f64,
        bytes as f64 / 1e6
    );
    debug_assert_eq!(uploads.iter().map(|u| u.events).sum::<usize>(), total);

    checkpoint(&pool).await;
    let push_started = Instant::now();
    let mut pushed = push_all(&http, server, uploads, config.clients).await;
    let push_elapsed = push_started.elapsed();
    assert_eq!(accepted(&pushed.answers), total, "every event is accepted");
    assert_eq!(
        count_events(&pool).await as usize,
        total,
        "every event is stored once"
    );

    let rows: Vec<Row> = devices
        .iter()
        .zip(&days)
        .flat_map(|(device, events)| rows_of(device, events))
        .collect();
    let mut copies = copy_rows(&pool, &rows, config.copy_runs).await;
    let copy_runs = copies
        .iter()
        .map(|d| format!("{:.2} s", d.as_secs_f64()))
        .collect::<Vec<_>>()
        .join(", ");
    let copy_elapsed = percentile(&mut copies, 0.5);

    let week = if config.week_events > 0 {
        let mut events = Vec::new();
        let mut block = 100_000;
        'week: for day in 0..7 {
            let date = the_day() - Days::days(6 - day);
            for _ in 0..config.week_events.div_ceil(7 * 260) {
                events.extend(day_of_events(
                    &week_device.id,
                    &week_device.centre,
                    date,
                    block,
                ));
                block += 1;
                if events.len() >= config.week_events {
                    break 'week;
                }
            }
        }
        events.truncate(config.week_events);
        let backlog = upload(&week_device, &events, KIOSK_DRAIN_BATCH);
        let batches = backlog.bodies.len();
        checkpoint(&pool).await;
        let started = Instant::now();
        let drained = push_all(&http, server, vec![backlog], 1).await;
        let elapsed = started.elapsed();
        assert_eq!(accepted(&drained.answers), events.len());
        Some((events.len(), batches, elapsed, drained))
    } else {
        None
    };

    let p50 = percentile(&mut pushed.latencies, 0.50);
    let p99 = percentile(&mut pushed.latencies, 0.99);
    let max = *pushed.latencies.last().expect("pushes");
    let push_rate = total as f64 / push_elapsed.as_secs_f64();
    let copy_rate = rows.len() as f64 / copy_elapsed.as_secs_f64();
    println!(
        "\n## District ingestion: {} devices in {} centres, {total} events, batches of {}, {} concurrent clients, server pool {}\n",
        devices.len(),
        config.centres,
        config.batch,
        config.clients,
        config.connections
    );
    println!("| measure | n | time | rate | p50 | p99 | max |\n|---|---|---|---|---|---|---|");
    println!(
        "| push over HTTP (`POST /v1/events`: checked, stored once, applied) | {total} events in {batches} batches | {:.2} s | {} events/s | {} | {} | {} |",
        push_elapsed.as_secs_f64(),
        per_second(total, push_elapsed),
        ms(p50),
        ms(p99),
        ms(max)
    );
    println!(
        "| plain `COPY … FROM STDIN (FORMAT binary)` of the same rows, one stream, primary key only (median of {} runs: {copy_runs}) | {} rows | {:.2} s | {} rows/s | | | |",
        copies.len(),
        rows.len(),
        copy_elapsed.as_secs_f64(),
        per_second(rows.len(), copy_elapsed)
    );
    println!(
        "\nPush against COPY: {:.2} (aim: at least 0.25).",
        push_rate / copy_rate
    );
    if let Some((events, batches, elapsed, mut drained)) = week {
        let p50 = percentile(&mut drained.latencies, 0.50);
        let p99 = percentile(&mut drained.latencies, 0.99);
        println!(
            "\n| measure | n | time | rate | p50 | p99 | target |\n|---|---|---|---|---|---|---|"
        );
        println!(
            "| a week offline on one busy device, drained in batches of {KIOSK_DRAIN_BATCH} one after another | {events} events in {batches} batches | {:.2} s | {} events/s | {} | {} | < 30 s |",
            elapsed.as_secs_f64(),
            per_second(events, elapsed),
            ms(p50),
            ms(p99)
        );
    }
}
