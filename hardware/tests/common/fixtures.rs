//! The fixed domain data every slip kind is built from, shared by the golden tests
//! and the render benchmark (`benches/render.rs` includes this file by path).
#![allow(dead_code)] // each includer uses its own subset

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Weekday};
use linli_core::absence::DayPart;
use linli_core::business::{
    filing_number, record_ledger, standard_categories, ConvenienceBusiness, Filing, FilingAction,
    LedgerInput, SHOE_REPAIR,
};
use linli_core::calendar::china_2026;
use linli_core::day_care::TransportLeg;
use linli_core::dietary::DietaryNeeds;
use linli_core::eligibility::{EligibilityRules, Residency};
use linli_core::enrolment::{reason, Enrolment, EnrolmentStatus};
use linli_core::fees::{Account, Payment, PaymentKind, PaymentMethod};
use linli_core::household::{parse_tags, Resident, LOW_INCOME};
use linli_core::identity::{check_character, IdNumber, Phone};
use linli_core::meals::{meal_days, MealInputs};
use linli_core::programme::{
    Fee, FeePeriod, FeeQuote, Programme, ProgrammeKind, ProgrammeStatus, Schedule, Waiver,
};
use linli_core::receipt::{Receipt, ReceiptKind};
use linli_core::slips::{self, SlipStamp};
use linli_core::volunteer::{clock_in, Shift, ShiftPolicy};
use linli_core::waitlist::{PriorityBucket, WaitlistPolicy};
use linli_core::Text;
use linli_hardware::receipt::Paper;

pub const PAPERS: [Paper; 2] = [Paper::Mm58, Paper::Mm80];
pub const CHILD_NAME: &str = "王小明";
pub const VOLUNTEER_NAME: &str = "李秀英";

pub fn date(month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, month, day).unwrap()
}

pub fn at(month: u32, day: u32, hour: u32, minute: u32) -> NaiveDateTime {
    date(month, day).and_hms_opt(hour, minute, 0).unwrap()
}

/// A valid ID number for a birth date (the check character computed, not invented).
pub fn id_number(birth: &str, sequence: &str) -> IdNumber {
    let first17 = format!("440306{birth}{sequence}");
    let check = check_character(&first17).unwrap();
    IdNumber::parse(&format!("{first17}{check}"), date(11, 28)).unwrap()
}

pub fn child() -> Resident {
    Resident {
        id_number: id_number("20180506", "123"),
        name: CHILD_NAME.into(),
        phone: Some(Phone::parse("13812345678").unwrap()),
        household_code: "H-0001".into(),
        tags: parse_tags(&[LOW_INCOME]).unwrap(),
    }
}

pub fn volunteer() -> Resident {
    Resident {
        id_number: id_number("19610314", "042"),
        name: VOLUNTEER_NAME.into(),
        phone: None,
        household_code: "H-0002".into(),
        tags: Default::default(),
    }
}

pub fn after_school() -> Programme {
    Programme {
        code: "HX-ASC-2026A".into(),
        name: Text::new(
            "海华社区四点半学校（2026秋）",
            "Haihua after-school club (autumn 2026)",
        ),
        kind: ProgrammeKind::AfterSchool,
        schedule: Schedule {
            weekdays: vec![
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
            ],
            start: NaiveTime::from_hms_opt(16, 30, 0).unwrap(),
            end: NaiveTime::from_hms_opt(18, 0, 0).unwrap(),
            first_day: date(9, 1),
            last_day: NaiveDate::from_ymd_opt(2027, 1, 22).unwrap(),
            school_days_only: true,
        },
        capacity: 30,
        fee: Fee {
            amount_fen: 30_000,
            per: FeePeriod::Term,
            waivers: vec![Waiver {
                tag: LOW_INCOME.into(),
                percent: 100,
            }],
        },
        status: ProgrammeStatus::Open,
        offer_hours: 48,
        rules: EligibilityRules {
            id: "after-school-2026".into(),
            version: 1,
            min_age: Some(6),
            max_age: Some(12),
            age_reference: date(9, 1),
            residency: Residency::CommunityHouseholdOrResidencePermit,
            required_tags: vec![],
            excluded_tags: vec![],
            guardian_required_under: Some(14),
        },
        policy: WaitlistPolicy {
            id: "asc-2026".into(),
            version: 2,
            buckets: vec![
                PriorityBucket {
                    name: Text::new("低保家庭", "Low-income families"),
                    any_of_tags: vec![LOW_INCOME.into()],
                },
                PriorityBucket {
                    name: Text::new("其他居民", "Other residents"),
                    any_of_tags: vec![],
                },
            ],
            credit_for_unplaced: true,
        },
    }
}

/// A shift of `minutes` on 2026-11-`day` from 09:00, approved or left pending.
pub fn shift(id: &str, day: u32, minutes: i64, approved: bool) -> Shift {
    let policy = ShiftPolicy::default();
    let start = at(11, day, 9, 0);
    let volunteer = volunteer();
    let mut shift = clock_in(
        &mut [],
        id,
        volunteer.id_number.as_str(),
        "长者探访",
        start,
        &policy,
    )
    .unwrap()
    .shift;
    shift
        .clock_out(start + TimeDelta::minutes(minutes), &policy)
        .unwrap();
    if approved {
        shift.approve("陈社工", None, at(11, day, 18, 0)).unwrap();
    }
    shift
}

pub fn business() -> ConvenienceBusiness {
    ConvenienceBusiness {
        code: "B-1".into(),
        name: "海华便民修鞋点".into(),
        category: SHOE_REPAIR.into(),
        operator: "深圳市海华社会工作服务中心".into(),
        stall: "一楼东侧".into(),
        employees: vec![],
    }
}

/// The demo centre's 学生午托, Monday to Friday 11:50–14:00 on school days.
pub fn lunch_care() -> Programme {
    linli_core::demo::programmes(date(11, 23))
        .into_iter()
        .find(|p| p.code == "lunch-care")
        .unwrap()
}

pub fn filed() -> Filing {
    let mut filing = Filing::draft("B-1", "张建国", at(11, 2, 9, 0));
    filing
        .apply(FilingAction::Submit, "张建国", at(11, 2, 9, 5))
        .unwrap();
    filing
        .apply(
            FilingAction::File {
                filing_number: filing_number("440306", 2026, 7).unwrap(),
            },
            "刘晓燕",
            at(11, 3, 10, 0),
        )
        .unwrap();
    filing
}

/// The slip of `kind` as the kiosk would print it on 28 November 2026 at 16:05.
pub fn slip(kind: ReceiptKind, paper: Paper) -> Receipt {
    let sequence = ReceiptKind::ALL.iter().position(|k| *k == kind).unwrap() + 1;
    let stamp = SlipStamp {
        centre_name: "海华社区服务中心".into(),
        issued_at: at(11, 28, 16, 5),
        serial: format!("HF01-20261128-{sequence:04}"),
        verification_code: "K7Q2M9".into(),
    };
    let programme = after_school();
    let member = child();
    let quote = programme.fee.quote(&member.tags_on(date(11, 28)));
    let applied = at(11, 28, 9, 30);
    let priority = programme
        .policy
        .priority(&member.tags_on(applied.date()), true, applied, 7);
    match kind {
        ReceiptKind::EnrolmentConfirmation => slips::enrolment_confirmation(
            &stamp,
            &member,
            &programme,
            &quote,
            &china_2026(),
            date(11, 28),
        ),
        ReceiptKind::WaitlistSlip => {
            slips::waitlist_slip(&stamp, &member, &programme, &priority, 3)
        }
        ReceiptKind::OfferSlip => slips::offer_slip(&stamp, &member, &programme, at(11, 30, 18, 0)),
        ReceiptKind::Cancellation => {
            let enrolment = Enrolment {
                id: "E-0042".into(),
                programme_code: programme.code.clone(),
                resident: member.id_number.as_str().into(),
                status: EnrolmentStatus::Cancelled,
                priority,
                offer_deadline: None,
                updated_at: at(11, 28, 15, 58),
                reason: Some(reason::CANCELLED.into()),
            };
            slips::cancellation(&stamp, &member, &programme, &enrolment)
        }
        ReceiptKind::FeeReceipt => {
            slips::fee_receipt(&stamp, &member, &programme, &quote, &china_2026())
        }
        ReceiptKind::VolunteerClockOut => {
            slips::volunteer_clock_out(&stamp, &volunteer(), &shift("S-9", 28, 160, false))
        }
        ReceiptKind::VolunteerCertificate => {
            let shifts = [
                shift("S-1", 3, 95, true),
                shift("S-2", 10, 120, true),
                shift("S-3", 17, 240, false),
                shift("S-4", 24, 60, true),
            ];
            slips::volunteer_certificate(
                &stamp,
                &volunteer(),
                &shifts,
                &[],
                date(1, 1)..=date(11, 28),
            )
        }
        ReceiptKind::FilingReceipt => {
            slips::filing_receipt(&stamp, &business(), &filed(), &standard_categories())
        }
        ReceiptKind::LedgerSummary => {
            let filing = filed();
            let input = LedgerInput {
                month: "2026-10".into(),
                revenue_fen: 320_000,
                cost_fen: 180_050,
                distributed_fen: 0,
            };
            let entry = record_ledger(&filing, &[], &input, "黄丽华", at(11, 2, 10, 0)).unwrap();
            slips::ledger_summary(&stamp, &business(), &filing, &entry)
        }
        ReceiptKind::TestPage => {
            slips::test_page(&stamp, "Xprinter (USB lp0)", paper.label(), paper.columns())
        }
        ReceiptKind::PaymentReceipt => {
            // Half the fee waived (for a tag the slip does not name), paid in part by
            // transfer, so every row the receipt can have is on it.
            let quote = half_waived();
            let account = Account {
                due_fen: quote.due_fen,
                paid_fen: 10_000,
            };
            slips::payment_receipt(
                &stamp,
                &member,
                &programme,
                &quote,
                &transfer(),
                &account,
                "黄丽华",
            )
        }
        ReceiptKind::RefundReceipt => slips::refund_receipt(
            &stamp,
            &member,
            &programme,
            &transfer(),
            &refund_of_transfer(),
            6_000,
            "黄丽华",
        ),
        ReceiptKind::DailyCashSummary => {
            let cash = Payment {
                id: "P-0003".into(),
                method: PaymentMethod::Cash,
                reference: None,
                amount_fen: 45_000,
                at: at(11, 28, 11, 20),
                ..transfer()
            };
            let records = [transfer(), refund_of_transfer(), cash];
            slips::daily_cash_summary(
                &stamp,
                &linli_core::fees::daily_summary(date(11, 28), &records),
                "黄丽华",
            )
        }
        ReceiptKind::DayCareRoute => {
            let time = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
            let mut first = TransportLeg::plan("海滨社区3栋1201", time(8, 0)).unwrap();
            first.pick_up(at(11, 28, 8, 3)).unwrap();
            first.drop_off(at(11, 28, 8, 25)).unwrap();
            let second =
                TransportLeg::plan("宝安区新安街道海滨社区东门岗亭旁", time(8, 15)).unwrap();
            slips::day_care_route(
                &stamp,
                &programme,
                date(11, 28),
                &[(volunteer(), second), (member, first)],
            )
        }
        ReceiptKind::KitchenSlip => {
            let lunch = lunch_care();
            let day = date(11, 30);
            let mut inputs = MealInputs {
                enrolled: (0..22).map(|i| format!("C{i:02}")).collect(),
                ..MealInputs::default()
            };
            inputs.absences.insert(
                day,
                vec![
                    ("C01".into(), DayPart::WholeDay),
                    ("C02".into(), DayPart::Morning),
                ],
            );
            inputs.recorded.insert(day, 21);
            let counts = meal_days(&lunch, &china_2026(), &[day], &inputs);
            let needs = DietaryNeeds {
                allergies: vec!["花生".into(), "牛奶".into()],
                diet: Some("清真".into()),
                note: None,
            };
            slips::kitchen_slip(&stamp, day, &[(&lunch, &counts[0])], &[(&member, &needs)])
        }
        ReceiptKind::LatePickupSlip => {
            let calls = [
                slips::LateCall {
                    at: at(11, 23, 18, 20),
                    contact: "李* (母亲) 138****5678",
                    outcome: Text::new("无人接听", "no answer"),
                },
                slips::LateCall {
                    at: at(11, 23, 18, 26),
                    contact: "王* (外婆) 139****1234",
                    outcome: Text::new("已接通", "reached"),
                },
            ];
            slips::late_pickup_slip(
                &stamp,
                &after_school(),
                date(11, 23),
                NaiveTime::from_hms_opt(18, 0, 0).unwrap(),
                &child().name,
                32,
                &calls,
            )
        }
        ReceiptKind::ConsentSlip => slips::consent_slip(
            &stamp,
            &child().name,
            Some("李秀英"),
            &[
                linli_core::consent::Purpose::Services,
                linli_core::consent::Purpose::Photos,
            ]
            .into_iter()
            .collect(),
            linli_core::consent::NOTICE_VERSION,
            date(11, 23),
        ),
        ReceiptKind::RecordCopy => slips::record_copy_slip(
            &stamp,
            &slips::RecordCopy {
                name: &child().name,
                id_number: &child().id_number.masked(),
                phone: Some("138****5678"),
                household_code: "H-0001",
                places: vec![
                    (after_school().name, Text::new("已确认", "Confirmed")),
                    (
                        Text::new("学生午托", "Student lunch care"),
                        Text::new("轮候中", "On the waiting list"),
                    ),
                ],
                purposes: &[linli_core::consent::Purpose::Services]
                    .into_iter()
                    .collect(),
                sessions_attended: 38,
                last_attended: Some(date(11, 23)),
                volunteer_minutes: 0,
                payments: 2,
                paid_fen: 90_000,
                cards: 1,
            },
        ),
    }
}

pub fn half_waived() -> FeeQuote {
    FeeQuote {
        base_fen: 30_000,
        waived_fen: 15_000,
        due_fen: 15_000,
        waiver_tag: Some("disabled".into()),
    }
}

pub fn transfer() -> Payment {
    Payment {
        id: "P-0001".into(),
        resident: child().id_number.as_str().into(),
        programme_code: after_school().code,
        period: "term".into(),
        kind: PaymentKind::Payment,
        amount_fen: 10_000,
        method: PaymentMethod::Reference,
        reference: Some("4200001234202611281234".into()),
        reason: None,
        refunds: None,
        staff: "S001".into(),
        at: at(11, 28, 9, 40),
    }
}

pub fn refund_of_transfer() -> Payment {
    Payment {
        id: "P-0002".into(),
        kind: PaymentKind::Refund,
        amount_fen: 4_000,
        reason: Some("少上两周课，按比例退费".into()),
        refunds: Some("P-0001".into()),
        at: at(11, 28, 15, 10),
        ..transfer()
    }
}
