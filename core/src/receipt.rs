//! Receipts: what a slip says, independent of how a printer prints it.
//!
//! Core only describes the slip; `linli-hardware` lays it out for a paper width and
//! turns it into printer bytes. Keeping the model here lets the kiosk build a slip in
//! the same place it decides the action (and the district backend re-create one for
//! verification) without either depending on printer code.
//!
//! **Personal data goes in already masked** (invariant 6). The model cannot tell a
//! name from a programme title, so it does not mask anything itself: whoever builds a
//! receipt passes `identity::mask_name`, `mask_id_number` and `mask_phone` output (or
//! `IdNumber::masked`, `Phone::masked`), never the raw value. A slip leaves the
//! building in a resident's pocket; nothing on it may identify them more than the
//! masked forms do.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::{FieldError, Text};

/// Which slip this is. The wire name (snake_case) is what the print queue and the
/// district store, so it must stay stable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptKind {
    EnrolmentConfirmation,
    WaitlistSlip,
    OfferSlip,
    Cancellation,
    FeeReceipt,
    VolunteerClockOut,
    VolunteerCertificate,
    FilingReceipt,
    LedgerSummary,
    TestPage,
    PaymentReceipt,
    RefundReceipt,
    DailyCashSummary,
    DayCareRoute,
    /// The kitchen's list of lunches to cook: stays in the kitchen, never with a child.
    KitchenSlip,
    /// A child collected late: the calls made, signed by the adult who collects.
    LatePickupSlip,
    /// 个人信息处理同意回执: what a resident's data may be used for, as a guardian (or
    /// the resident) consented at the desk, for them to keep.
    ConsentSlip,
    /// 个人信息副本: what the centre holds about a resident, for them, on request.
    RecordCopy,
}

impl ReceiptKind {
    pub const ALL: [ReceiptKind; 18] = [
        ReceiptKind::EnrolmentConfirmation,
        ReceiptKind::WaitlistSlip,
        ReceiptKind::OfferSlip,
        ReceiptKind::Cancellation,
        ReceiptKind::FeeReceipt,
        ReceiptKind::VolunteerClockOut,
        ReceiptKind::VolunteerCertificate,
        ReceiptKind::FilingReceipt,
        ReceiptKind::LedgerSummary,
        ReceiptKind::TestPage,
        ReceiptKind::PaymentReceipt,
        ReceiptKind::RefundReceipt,
        ReceiptKind::DailyCashSummary,
        ReceiptKind::DayCareRoute,
        ReceiptKind::KitchenSlip,
        ReceiptKind::LatePickupSlip,
        ReceiptKind::ConsentSlip,
        ReceiptKind::RecordCopy,
    ];

    /// The stable wire name, the same as serde's.
    pub fn code(self) -> &'static str {
        match self {
            ReceiptKind::EnrolmentConfirmation => "enrolment_confirmation",
            ReceiptKind::WaitlistSlip => "waitlist_slip",
            ReceiptKind::OfferSlip => "offer_slip",
            ReceiptKind::Cancellation => "cancellation",
            ReceiptKind::FeeReceipt => "fee_receipt",
            ReceiptKind::VolunteerClockOut => "volunteer_clock_out",
            ReceiptKind::VolunteerCertificate => "volunteer_certificate",
            ReceiptKind::FilingReceipt => "filing_receipt",
            ReceiptKind::LedgerSummary => "ledger_summary",
            ReceiptKind::TestPage => "test_page",
            ReceiptKind::PaymentReceipt => "payment_receipt",
            ReceiptKind::RefundReceipt => "refund_receipt",
            ReceiptKind::DailyCashSummary => "daily_cash_summary",
            ReceiptKind::DayCareRoute => "day_care_route",
            ReceiptKind::KitchenSlip => "kitchen_slip",
            ReceiptKind::LatePickupSlip => "late_pickup_slip",
            ReceiptKind::ConsentSlip => "consent_slip",
            ReceiptKind::RecordCopy => "record_copy",
        }
    }
}

/// A slip a transaction issued, as the one who asked is told of it: its serial and
/// verification code (on the paper) and its kind. The print queue prints it; the
/// transaction that issued it only records that it did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedSlip {
    pub serial: String,
    pub verification_code: String,
    pub kind: ReceiptKind,
}

/// One piece of a slip's body. The renderer decides columns and wrapping; the model
/// only says what belongs together.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BodyLine {
    /// "项目 / Programme: 四点半学校": labels align in one column, values in the next.
    Row { label: String, value: String },
    /// Running text (the 轮候 explanation, a note), wrapped to the paper width.
    Paragraph { text: String },
    /// A rule across the paper.
    Separator,
}

impl BodyLine {
    pub fn row(label: impl Into<String>, value: impl Into<String>) -> Self {
        BodyLine::Row {
            label: label.into(),
            value: value.into(),
        }
    }

    pub fn paragraph(text: impl Into<String>) -> Self {
        BodyLine::Paragraph { text: text.into() }
    }
}

/// A slip a person takes home. Every text in it is printed as given, so personal data
/// must already be masked (see the module documentation).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub centre_name: String,
    /// `zh` is the title; `en` the English subtitle printed under it.
    pub title: Text,
    pub kind: ReceiptKind,
    pub body: Vec<BodyLine>,
    /// Local time in Asia/Shanghai; core reads no clock, so the caller supplies it.
    pub issued_at: NaiveDateTime,
    /// Unique per slip; a reprint keeps it so the two papers are recognisably one.
    pub serial: String,
    /// Short code a clerk (or the district) types in to check a slip is genuine.
    pub verification_code: String,
    /// What the QR code encodes (normally a verification URL). ASCII only: the QR
    /// bytes go to the printer as they are, with no text encoding to fall back on.
    pub qr_payload: String,
    /// One line telling the reader how their data is handled.
    pub privacy_note: String,
    pub reprint: bool,
    /// Issued on practice data (the demo centre, a training copy): printed with a
    /// 演示/DEMO mark so nobody takes it for a real place or record (invariant 11).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub demo: bool,
}

impl Receipt {
    /// The same slip marked as a reprint: same serial and code, so it verifies as the
    /// original does.
    pub fn as_reprint(&self) -> Receipt {
        Receipt {
            reprint: true,
            ..self.clone()
        }
    }

    /// Every printed text with the field it came from, in print order. Renderers and
    /// checks walk this one list so no field can be printed without being checked.
    pub fn texts(&self) -> Vec<(String, &str)> {
        let mut texts = vec![
            ("centre_name".to_string(), self.centre_name.as_str()),
            ("title.zh".to_string(), self.title.zh.as_str()),
            ("title.en".to_string(), self.title.en.as_str()),
        ];
        for (index, line) in self.body.iter().enumerate() {
            match line {
                BodyLine::Row { label, value } => {
                    texts.push((format!("body[{index}].label"), label.as_str()));
                    texts.push((format!("body[{index}].value"), value.as_str()));
                }
                BodyLine::Paragraph { text } => {
                    texts.push((format!("body[{index}].text"), text.as_str()));
                }
                BodyLine::Separator => {}
            }
        }
        texts.push(("serial".to_string(), self.serial.as_str()));
        texts.push((
            "verification_code".to_string(),
            self.verification_code.as_str(),
        ));
        texts.push(("privacy_note".to_string(), self.privacy_note.as_str()));
        texts
    }

    /// Structural checks independent of any printer: the fields every slip must carry.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let required = [
            ("centre_name", &self.centre_name, "中心名称", "centre name"),
            ("title.zh", &self.title.zh, "标题", "title"),
            ("serial", &self.serial, "编号", "serial number"),
            (
                "verification_code",
                &self.verification_code,
                "校验码",
                "verification code",
            ),
            ("qr_payload", &self.qr_payload, "二维码内容", "QR payload"),
            (
                "privacy_note",
                &self.privacy_note,
                "隐私提示",
                "privacy note",
            ),
        ];
        for (field, value, zh, en) in required {
            if value.trim().is_empty() {
                errors.push(FieldError::new(
                    field,
                    "required",
                    format!("回执缺少{zh}"),
                    format!("The receipt has no {en}"),
                ));
            }
        }
        if !self.qr_payload.chars().all(|c| c.is_ascii_graphic()) {
            errors.push(FieldError::new(
                "qr_payload",
                "not_ascii",
                "二维码内容只能包含ASCII可见字符",
                "The QR payload may contain visible ASCII characters only",
            ));
        }
        if self.privacy_note.contains('\n') {
            errors.push(FieldError::new(
                "privacy_note",
                "not_one_line",
                "隐私提示只能有一行",
                "The privacy note must be a single line",
            ));
        }
        errors
    }

    /// Refuses the slip if any printed character fails `is_printable` (the printer's
    /// character set, supplied by the hardware crate) or is a control character.
    ///
    /// Control characters are refused whatever the printer says: ESC, GS and friends
    /// inside a name would be taken as printer commands. The first offending character
    /// is reported with its field and, where one exists, the character to use instead.
    pub fn check_printable(&self, is_printable: impl Fn(char) -> bool) -> Result<(), FieldError> {
        for (field, text) in self.texts() {
            if let Some(c) = text.chars().find(|&c| c.is_control() || !is_printable(c)) {
                return Err(unprintable(&field, c));
            }
        }
        Ok(())
    }
}

/// Characters people type that a Chinese receipt printer cannot print, with the one
/// that looks the same and can.
pub fn printable_substitute(c: char) -> Option<char> {
    match c {
        // The half-width yen/yuan sign is not in GBK; the full-width one is.
        '\u{00A5}' => Some('\u{FFE5}'),
        _ => None,
    }
}

fn unprintable(field: &str, c: char) -> FieldError {
    let code_point = format!("U+{:04X}", c as u32);
    let shown = if c.is_control() {
        code_point.clone()
    } else {
        format!("\u{201C}{c}\u{201D} ({code_point})")
    };
    match printable_substitute(c) {
        Some(substitute) => {
            let substitute = format!("\u{201C}{substitute}\u{201D} (U+{:04X})", substitute as u32);
            FieldError::new(
                field,
                "unprintable_character",
                format!("打印机无法打印字符{shown}，请改用{substitute}"),
                format!("The printer cannot print {shown}; use {substitute} instead"),
            )
        }
        None => FieldError::new(
            field,
            "unprintable_character",
            format!("打印机无法打印字符{shown}"),
            format!("The printer cannot print {shown}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn receipt() -> Receipt {
        Receipt {
            centre_name: "幸福里社区服务中心".into(),
            title: Text::new("报名确认", "Enrolment confirmation"),
            kind: ReceiptKind::EnrolmentConfirmation,
            body: vec![
                BodyLine::row("姓名", "张*"),
                BodyLine::Separator,
                BodyLine::paragraph("请按时到场。"),
            ],
            issued_at: NaiveDate::from_ymd_opt(2026, 3, 2)
                .unwrap()
                .and_hms_opt(16, 5, 0)
                .unwrap(),
            serial: "R-0001".into(),
            verification_code: "7KQ2".into(),
            qr_payload: "https://v.example/r/R-0001".into(),
            privacy_note: "个人信息已脱敏".into(),
            reprint: false,
            demo: false,
        }
    }

    #[test]
    fn a_complete_receipt_validates() {
        assert!(receipt().validate().is_empty());
    }

    #[test]
    fn missing_fields_and_non_ascii_qr_are_named() {
        let mut r = receipt();
        r.serial = " ".into();
        r.qr_payload = "二维码".into();
        let fields: Vec<_> = r.validate().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["serial", "qr_payload"]);
    }

    #[test]
    fn an_unprintable_character_names_its_field_and_substitute() {
        let mut r = receipt();
        r.body[0] = BodyLine::row("金额", "¥10.00");
        let error = r.check_printable(|c| c != '¥').unwrap_err();
        assert_eq!(error.field, "body[0].value");
        assert_eq!(error.code, "unprintable_character");
        assert!(error.message.en.contains("U+FFE5"), "{}", error.message.en);
        assert!(error.message.zh.contains('￥'), "{}", error.message.zh);
    }

    #[test]
    fn control_characters_are_refused_whatever_the_printer_says() {
        let mut r = receipt();
        r.centre_name = "中心\u{1b}@".into();
        let error = r.check_printable(|_| true).unwrap_err();
        assert_eq!(error.field, "centre_name");
        assert!(error.message.en.contains("U+001B"));
    }

    #[test]
    fn a_reprint_keeps_serial_and_code() {
        let original = receipt();
        let again = original.as_reprint();
        assert!(again.reprint && !original.reprint);
        assert_eq!(again.serial, original.serial);
        assert_eq!(again.verification_code, original.verification_code);
    }

    #[test]
    fn kinds_serialise_to_their_codes() {
        for kind in ReceiptKind::ALL {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.code()));
        }
    }
}
