//! Eligibility plus 轮候 placement of one application against a 5,000-entry waiting
//! list (target: under 50 µs), and a week's 学生午托 meal counts for 200 children
//! (the rule's share of the 10 ms target; the store bench times the whole use-case).
//! Run with `cargo bench -p linli-core`.

use std::collections::BTreeSet;

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use linli_core::eligibility::{Applicant, EligibilityRules, Residency};
use linli_core::enrolment::{Enrolment, EnrolmentStatus, Placement, Roster, SignupRequest};
use linli_core::household::{Household, Resident, Tag};
use linli_core::identity::{check_character, IdNumber};
use linli_core::programme::{Fee, FeePeriod, Programme, ProgrammeKind, ProgrammeStatus, Schedule};
use linli_core::waitlist::{PriorityBucket, WaitlistPolicy};
use linli_core::Text;

const COMMUNITY: &str = "440306005003";

fn id_number(birth: &str, sequence: u32) -> IdNumber {
    let first17 = format!("440306{birth}{:03}", sequence % 1000);
    let check = check_character(&first17).unwrap();
    IdNumber::parse(&format!("{first17}{check}"), NaiveDate::MAX).unwrap()
}

fn programme() -> Programme {
    let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
    Programme {
        code: "lunch-care".into(),
        name: Text::new("学生午托", "Student lunch care"),
        kind: ProgrammeKind::LunchCare,
        schedule: Schedule {
            weekdays: vec![
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
            ],
            start: NaiveTime::from_hms_opt(11, 50, 0).unwrap(),
            end: NaiveTime::from_hms_opt(14, 0, 0).unwrap(),
            first_day: day(9, 1),
            last_day: day(12, 31),
            school_days_only: true,
        },
        capacity: 100,
        fee: Fee {
            amount_fen: 45_000,
            per: FeePeriod::Month,
            waivers: vec![],
        },
        status: ProgrammeStatus::Open,
        offer_hours: 48,
        rules: EligibilityRules {
            id: "lunch-care-2026".into(),
            version: 1,
            min_age: Some(6),
            max_age: Some(12),
            age_reference: day(9, 1),
            residency: Residency::CommunityHouseholdOrResidencePermit,
            required_tags: vec![],
            excluded_tags: vec![],
            guardian_required_under: Some(14),
        },
        policy: WaitlistPolicy {
            id: "lunch-care-2026".into(),
            version: 1,
            buckets: vec![
                PriorityBucket {
                    name: Text::new("低保家庭", "low-income"),
                    any_of_tags: vec!["low_income".into()],
                },
                PriorityBucket {
                    name: Text::new("其他", "others"),
                    any_of_tags: vec![],
                },
            ],
            credit_for_unplaced: true,
        },
    }
}

fn bench_signup(c: &mut Criterion) {
    let programme = programme();
    let start = NaiveDateTime::new(
        NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
        NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
    );
    let low_income: BTreeSet<Tag> = [Tag::parse("low_income").unwrap()].into();
    let none = BTreeSet::new();
    // 100 seated and 5,000 waiting, in a mix of buckets and credits.
    let entries: Vec<Enrolment> = (0..5_100u32)
        .map(|n| Enrolment {
            id: format!("E{n}"),
            programme_code: programme.code.clone(),
            resident: format!("4403062016{n:08}"),
            status: if n < 100 {
                EnrolmentStatus::Confirmed
            } else {
                EnrolmentStatus::Waitlisted
            },
            priority: programme.policy.priority(
                if n % 7 == 0 { &low_income } else { &none },
                n % 11 == 0,
                start + Duration::seconds(i64::from(n)),
                u64::from(n),
            ),
            offer_deadline: None,
            updated_at: start,
            reason: None,
        })
        .collect();
    assert_eq!(
        Roster::for_programme(&programme, entries.clone()).waiting(),
        5_000
    );
    let household = Household {
        code: "HF-0001".into(),
        address: "海富花园1栋101".into(),
        community_code: COMMUNITY.into(),
        moved_away_on: None,
    };
    let child = Resident {
        id_number: id_number("20170501", 123),
        name: "张小明".into(),
        phone: None,
        household_code: household.code.clone(),
        tags: low_income.clone(),
    };
    let now = start + Duration::days(27);
    c.bench_function("eligibility + placement against 5,000 waiting", |b| {
        b.iter_batched(
            // Built as the store builds it: loaded rows, then one application.
            || Roster::for_programme(&programme, entries.clone()),
            |mut roster| {
                let placed = roster
                    .signup(SignupRequest {
                        programme: &programme,
                        applicant: Applicant {
                            resident: &child,
                            household: &household,
                            centre_community_code: COMMUNITY,
                            has_guardian_in_household: true,
                        },
                        other_active_schedules: Vec::new(),
                        unplaced_last_term: false,
                        enrolment_id: "E-new".into(),
                        now,
                        seq: 9_999,
                    })
                    .unwrap();
                assert!(matches!(placed, Placement::Waitlisted { .. }));
                roster
            },
            BatchSize::LargeInput,
        )
    });
}

/// 200 children, one in ten reported away on some day of the week, the rest checked
/// in on Monday: the week of Monday 23 November 2026.
fn bench_week_meal_counts(c: &mut Criterion) {
    use linli_core::absence::DayPart;
    use linli_core::meals::{days_to_show, meal_days, MealInputs};
    let programme = programme();
    let calendar = linli_core::calendar::china_2026();
    let monday = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let mut inputs = MealInputs::default();
    for i in 0..200u32 {
        let child = id_number("20180506", i).as_str().to_string();
        if i % 10 == 0 {
            let day = monday + Duration::days(i64::from(i / 10 % 5));
            inputs
                .absences
                .entry(day)
                .or_default()
                .push((child.clone(), DayPart::WholeDay));
        } else {
            inputs
                .attended
                .entry(monday)
                .or_default()
                .insert(child.clone());
        }
        inputs.enrolled.insert(child);
    }
    c.bench_function("week meal counts, 200 children (core)", |b| {
        b.iter(|| {
            let days = days_to_show(&programme, &calendar, monday, true);
            meal_days(&programme, &calendar, &days, &inputs)
        })
    });
}

criterion_group!(benches, bench_signup, bench_week_meal_counts);
criterion_main!(benches);
