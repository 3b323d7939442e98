//! Every kind of slip, built by its `linli_core::slips` constructor from fixed domain
//! data, rendered at both paper widths: golden snapshots, the decoded text equal to the
//! layout line for line, every line within the paper, every slip printable, reprints.
//!
//! Snapshots (in `tests/golden/slips/`) are compared with `common::assert_golden`; see
//! there how to update them.

mod common;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Weekday};
use linli_core::business::{
    filing_number, record_ledger, standard_categories, ConvenienceBusiness, Filing, FilingAction,
    LedgerInput, SHOE_REPAIR,
};
use linli_core::eligibility::{EligibilityRules, Residency};
use linli_core::enrolment::{reason, Enrolment, EnrolmentStatus};
use linli_core::household::{parse_tags, Resident, LOW_INCOME};
use linli_core::identity::{check_character, IdNumber, Phone};
use linli_core::programme::{
    Fee, FeePeriod, Programme, ProgrammeKind, ProgrammeStatus, Schedule, Waiver,
};
use linli_core::receipt::{Receipt, ReceiptKind};
use linli_core::slips::{self, SlipStamp};
use linli_core::volunteer::{clock_in, Shift, ShiftPolicy};
use linli_core::waitlist::{PriorityBucket, WaitlistPolicy};
use linli_core::Text;
use linli_hardware::receipt::{
    check, layout, render_to_vec, slip_text, text_columns, Paper, Style,
};

use common::assert_golden;

const PAPERS: [Paper; 2] = [Paper::Mm58, Paper::Mm80];
const CHILD_NAME: &str = "王小明";
const VOLUNTEER_NAME: &str = "李秀英";

fn date(month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, month, day).unwrap()
}

fn at(month: u32, day: u32, hour: u32, minute: u32) -> NaiveDateTime {
    date(month, day).and_hms_opt(hour, minute, 0).unwrap()
}

/// A valid ID number for a birth date (the check character computed, not invented).
fn id_number(birth: &str, sequence: &str) -> IdNumber {
    let first17 = format!("440306{birth}{sequence}");
    let check = check_character(&first17).unwrap();
    IdNumber::parse(&format!("{first17}{check}"), date(11, 28)).unwrap()
}

fn child() -> Resident {
    Resident {
        id_number: id_number("20180506", "123"),
        name: CHILD_NAME.into(),
        phone: Some(Phone::parse("13812345678").unwrap()),
        household_code: "H-0001".into(),
        tags: parse_tags(&[LOW_INCOME]).unwrap(),
    }
}

fn volunteer() -> Resident {
    Resident {
        id_number: id_number("19610314", "042"),
        name: VOLUNTEER_NAME.into(),
        phone: None,
        household_code: "H-0002".into(),
        tags: Default::default(),
    }
}

fn after_school() -> Programme {
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
fn shift(id: &str, day: u32, minutes: i64, approved: bool) -> Shift {
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

fn business() -> ConvenienceBusiness {
    ConvenienceBusiness {
        code: "B-1".into(),
        name: "海华便民修鞋点".into(),
        category: SHOE_REPAIR.into(),
        operator: "深圳市海华社会工作服务中心".into(),
        stall: "一楼东侧".into(),
        employees: vec![],
    }
}

fn filed() -> Filing {
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
fn slip(kind: ReceiptKind, paper: Paper) -> Receipt {
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
        ReceiptKind::EnrolmentConfirmation => {
            slips::enrolment_confirmation(&stamp, &member, &programme, &quote)
        }
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
        ReceiptKind::FeeReceipt => slips::fee_receipt(&stamp, &member, &programme, &quote),
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
    }
}

/// Snapshots live in `golden/slips/`: the hand-built slip of `receipt.rs` already owns
/// `golden/waitlist_slip_*`, and one name must not mean two snapshots.
fn golden(kind: ReceiptKind) {
    for paper in PAPERS {
        let name = format!("slips/{}_{}", kind.code(), paper.label());
        assert_golden(&name, &render_to_vec(&slip(kind, paper), paper).unwrap());
    }
}

#[test]
fn golden_enrolment_confirmation() {
    golden(ReceiptKind::EnrolmentConfirmation);
}

#[test]
fn golden_waitlist_slip() {
    golden(ReceiptKind::WaitlistSlip);
}

#[test]
fn golden_offer_slip() {
    golden(ReceiptKind::OfferSlip);
}

#[test]
fn golden_cancellation() {
    golden(ReceiptKind::Cancellation);
}

#[test]
fn golden_fee_receipt() {
    golden(ReceiptKind::FeeReceipt);
}

#[test]
fn golden_volunteer_clock_out() {
    golden(ReceiptKind::VolunteerClockOut);
}

#[test]
fn golden_volunteer_certificate() {
    golden(ReceiptKind::VolunteerCertificate);
}

#[test]
fn golden_filing_receipt() {
    golden(ReceiptKind::FilingReceipt);
}

#[test]
fn golden_ledger_summary() {
    golden(ReceiptKind::LedgerSummary);
}

#[test]
fn golden_test_page() {
    golden(ReceiptKind::TestPage);
}

/// Every slip of every kind on every paper, with its name for messages.
fn every_slip() -> Vec<(String, Paper, Receipt)> {
    ReceiptKind::ALL
        .into_iter()
        .flat_map(|kind| {
            PAPERS.map(|paper| {
                let name = format!("{}_{}", kind.code(), paper.label());
                (name, paper, slip(kind, paper))
            })
        })
        .collect()
}

#[test]
fn every_slip_passes_the_printer_check() {
    for (name, _, receipt) in every_slip() {
        assert_eq!(check(&receipt), Ok(()), "{name}");
    }
}

#[test]
fn the_printed_text_is_the_layout_line_for_line() {
    for (name, paper, receipt) in every_slip() {
        let mut expected = String::new();
        for line in layout(&receipt, paper) {
            if line.style == Style::Qr {
                expected.push_str("[QR] ");
            }
            expected.push_str(&line.text);
            expected.push('\n');
        }
        // The feed past the cutter before the cut.
        expected.push_str("\n\n\n\n");
        let bytes = render_to_vec(&receipt, paper).unwrap();
        assert_eq!(slip_text(&bytes).unwrap(), expected, "{name}");
    }
}

#[test]
fn every_line_fits_the_paper() {
    for (name, paper, receipt) in every_slip() {
        for line in layout(&receipt, paper) {
            // The QR line is a symbol sized by module dots, not text.
            if line.style != Style::Qr {
                assert!(
                    text_columns(&line.text) <= paper.columns(),
                    "{name}: {:?} is {} columns",
                    line.text,
                    text_columns(&line.text)
                );
            }
        }
    }
}

#[test]
fn no_printed_slip_carries_a_full_name_id_number_phone_or_tag() {
    let secrets = [
        CHILD_NAME.to_string(),
        child().id_number.as_str().to_string(),
        "13812345678".to_string(),
        VOLUNTEER_NAME.to_string(),
        volunteer().id_number.as_str().to_string(),
        "20180506".to_string(),
        "低保".to_string(),
    ];
    for (name, paper, receipt) in every_slip() {
        let text = slip_text(&render_to_vec(&receipt, paper).unwrap()).unwrap();
        // Wrapping could split a secret across lines; look at the text without breaks.
        let joined: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        for secret in &secrets {
            assert!(!joined.contains(secret.as_str()), "{name} prints {secret}");
        }
    }
}

#[test]
fn identifiers_print_whole_on_a_line_of_their_own() {
    let masked_id = volunteer().id_number.masked();
    let cases = [
        (ReceiptKind::VolunteerCertificate, masked_id.as_str()),
        (ReceiptKind::FilingReceipt, "备案-440306-2026-0007"),
        (ReceiptKind::LedgerSummary, "备案-440306-2026-0007"),
    ];
    for (kind, identifier) in cases {
        for paper in PAPERS {
            let bytes = render_to_vec(&slip(kind, paper), paper).unwrap();
            let text = slip_text(&bytes).unwrap();
            assert!(
                text.lines().any(|line| line == identifier),
                "{kind:?} {paper:?}:\n{text}"
            );
        }
    }
}

#[test]
fn a_reprint_says_so_and_keeps_serial_and_code() {
    const MARK: &str = "** 重印/REPRINT **";
    for (name, paper, original) in every_slip() {
        let first = slip_text(&render_to_vec(&original, paper).unwrap()).unwrap();
        let again = slip_text(&render_to_vec(&original.as_reprint(), paper).unwrap()).unwrap();
        assert!(!first.contains(MARK), "{name}");
        let marks: Vec<&str> = again.lines().filter(|l| l.contains(MARK)).collect();
        assert_eq!(marks.len(), 1, "{name}:\n{again}");
        let serial = format!("编号/Serial {}\n", original.serial);
        assert!(first.contains(&serial) && again.contains(&serial), "{name}");
        assert!(again.contains(&format!("[QR] {}\n", original.qr_payload)));
        // Apart from the marker, the reprint is the same slip.
        assert_eq!(
            again.replace(&format!("{}\n", marks[0]), ""),
            first,
            "{name}"
        );
    }
}

#[test]
fn the_qr_code_on_paper_leads_back_to_the_slip() {
    for (name, paper, receipt) in every_slip() {
        let text = slip_text(&render_to_vec(&receipt, paper).unwrap()).unwrap();
        let payload = text
            .lines()
            .find_map(|line| line.strip_prefix("[QR] "))
            .unwrap_or_else(|| panic!("{name}: no QR"));
        assert_eq!(
            slips::parse_qr_payload(payload),
            Some((receipt.serial.clone(), receipt.verification_code.clone())),
            "{name}"
        );
    }
}
