//! Every kind of slip, built by its `linli_core::slips` constructor from fixed domain
//! data, rendered at both paper widths: golden snapshots, the decoded text equal to the
//! layout line for line, every line within the paper, every slip printable, reprints.
//!
//! Snapshots (in `tests/golden/slips/`) are compared with `common::assert_golden`; see
//! there how to update them.

use linli_hardware::receipt::{
    check, layout, render_to_vec, slip_text, text_columns, Paper, Style,
};

use crate::common::assert_golden;
use crate::common::fixtures::*;
use linli_core::receipt::{Receipt, ReceiptKind};
use linli_core::slips;

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

#[test]
fn golden_payment_receipt() {
    golden(ReceiptKind::PaymentReceipt);
}

#[test]
fn golden_refund_receipt() {
    golden(ReceiptKind::RefundReceipt);
}

#[test]
fn golden_daily_cash_summary() {
    golden(ReceiptKind::DailyCashSummary);
}

#[test]
fn golden_day_care_route() {
    golden(ReceiptKind::DayCareRoute);
}

#[test]
fn golden_kitchen_slip() {
    golden(ReceiptKind::KitchenSlip);
}

#[test]
fn golden_late_pickup_slip() {
    golden(ReceiptKind::LatePickupSlip);
}

#[test]
fn golden_consent_slip() {
    golden(ReceiptKind::ConsentSlip);
}

#[test]
fn golden_record_copy() {
    golden(ReceiptKind::RecordCopy);
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
