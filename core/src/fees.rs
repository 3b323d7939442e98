//! 收费: payments and refunds of a programme's fee, in fen, and the day's cash summary.
//!
//! What a person owes is the programme's [`Fee`] quoted on their tags (waivers apply
//! by themselves, `Fee::quote`), once per fee period: a term fee once for the term, a
//! monthly fee once per calendar month, a per-session fee once per day. Payments and
//! refunds are records that are never changed; what is still owed for a period is the
//! amount due less what was paid for it, net of refunds.
//!
//! Decisions, each a rule of this module rather than of a screen:
//! - A payment is more than zero and at most what is still owed for the period. The
//!   desk never takes more than is due: an overpayment would be money the centre holds
//!   for nobody's fee, needing a refund the same day. A period paid in parts is fine.
//! - Nothing is taken where nothing is due (a fee waived in full, a free programme).
//! - A payment in cash has no reference; one made elsewhere (a bank transfer, WeChat
//!   Pay, Alipay at the counter's code) is recorded with its payment reference, so the
//!   centre's books can be matched against the statement. A reference is 4 to 64
//!   letters, digits, '-', '_' or '/', the characters such references use; anything
//!   else is a typing mistake the desk should see now.
//! - A refund names the payment it returns money from, at most what is left of it
//!   after earlier refunds, with a reason in words. It goes back the way the money
//!   came (cash as cash; a transfer by transfer, under the original reference).

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::programme::{format_fen, FeePeriod};
use crate::{FieldError, Text};

/// The longest payment reference: the longest bank or wallet transaction numbers are
/// about 32 characters, and twice that leaves room for a prefix staff add.
pub const REFERENCE_CHARS: usize = 64;
const REFERENCE_MIN_CHARS: usize = 4;

/// The most one payment may be, in fen (100,000 yuan): far above any fee, far below
/// what would overflow a sum of a year's payments.
pub const MAX_PAYMENT_FEN: i64 = 10_000_000;

/// How the money came: cash at the desk, or a payment made elsewhere and named by
/// its reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    Cash,
    Reference,
}

impl PaymentMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMethod::Cash => "cash",
            PaymentMethod::Reference => "reference",
        }
    }

    pub fn parse(text: &str) -> Option<PaymentMethod> {
        match text {
            "cash" => Some(PaymentMethod::Cash),
            "reference" => Some(PaymentMethod::Reference),
            _ => None,
        }
    }

    pub fn label(self) -> Text {
        match self {
            PaymentMethod::Cash => Text::new("现金", "Cash"),
            PaymentMethod::Reference => Text::new("转账", "Transfer"),
        }
    }
}

/// A payment takes money in; a refund gives some of one payment back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentKind {
    Payment,
    Refund,
}

impl PaymentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentKind::Payment => "payment",
            PaymentKind::Refund => "refund",
        }
    }

    pub fn parse(text: &str) -> Option<PaymentKind> {
        match text {
            "payment" => Some(PaymentKind::Payment),
            "refund" => Some(PaymentKind::Refund),
            _ => None,
        }
    }
}

/// One payment or refund, as recorded (never changed afterwards).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub id: String,
    pub resident: String,
    pub programme_code: String,
    /// The fee period it pays for: [`period_key`].
    pub period: String,
    pub kind: PaymentKind,
    /// Always positive; a refund's direction is its kind.
    pub amount_fen: i64,
    pub method: PaymentMethod,
    pub reference: Option<String>,
    /// A refund's reason, in the staff member's words.
    pub reason: Option<String>,
    /// The payment a refund returns money from.
    pub refunds: Option<String>,
    /// The staff code of who took or gave the money.
    pub staff: String,
    pub at: NaiveDateTime,
}

/// The fee period a payment on `day` is for: "term" (the programme is one term),
/// "2026-11" for a monthly fee, the day itself for a fee per session.
pub fn period_key(per: FeePeriod, day: NaiveDate) -> String {
    match per {
        FeePeriod::Term => "term".to_string(),
        FeePeriod::Month => format!("{:04}-{:02}", day.year(), day.month()),
        FeePeriod::Session => day.to_string(),
    }
}

/// A period key in words, for a receipt: "本学期 / this term", "2026年11月 / Nov 2026",
/// "2026年11月23日 / 23 Nov 2026".
pub fn period_text(key: &str) -> Text {
    if key == "term" {
        return Text::new("本学期", "This term");
    }
    if let Ok(day) = NaiveDate::parse_from_str(key, "%Y-%m-%d") {
        return Text::new(
            format!("{}年{}月{}日", day.year(), day.month(), day.day()),
            day.format("%-d %b %Y").to_string(),
        );
    }
    if let Ok(first) = NaiveDate::parse_from_str(&format!("{key}-01"), "%Y-%m-%d") {
        return Text::new(
            format!("{}年{}月", first.year(), first.month()),
            first.format("%b %Y").to_string(),
        );
    }
    Text::new(key, key)
}

/// The method and reference as typed, checked together: the reference, trimmed, for
/// a payment made elsewhere; none for cash.
pub fn check_reference(
    method: PaymentMethod,
    reference: Option<&str>,
) -> Result<Option<String>, FieldError> {
    let reference = reference.map(str::trim).filter(|r| !r.is_empty());
    match (method, reference) {
        (PaymentMethod::Cash, None) => Ok(None),
        (PaymentMethod::Cash, Some(_)) => Err(FieldError::new(
            "reference",
            "reference_with_cash",
            "现金付款不需要付款单号；如为转账，请选择“转账”",
            "A cash payment has no payment reference; for a transfer, choose \"reference\"",
        )),
        (PaymentMethod::Reference, None) => Err(FieldError::new(
            "reference",
            "required",
            "转账付款须填写付款单号（银行或支付凭证上的交易号）",
            "A transfer needs its payment reference (the transaction number on the bank or wallet record)",
        )),
        (PaymentMethod::Reference, Some(reference)) => {
            let length = reference.chars().count();
            if !(REFERENCE_MIN_CHARS..=REFERENCE_CHARS).contains(&length) {
                return Err(FieldError::new(
                    "reference",
                    "out_of_range",
                    format!("付款单号须为{REFERENCE_MIN_CHARS}至{REFERENCE_CHARS}个字符，现在是{length}个"),
                    format!("The payment reference must be {REFERENCE_MIN_CHARS} to {REFERENCE_CHARS} characters; this one has {length}"),
                ));
            }
            if let Some(bad) = reference
                .chars()
                .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/')))
            {
                return Err(FieldError::new(
                    "reference",
                    "invalid_character",
                    format!("付款单号只能有字母、数字和 - _ /，不能有“{bad}”"),
                    format!("A payment reference holds only letters, digits and - _ /, not \"{bad}\""),
                ));
            }
            Ok(Some(reference.to_string()))
        }
    }
}

/// What one person's account for one programme and period stands at.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub due_fen: i64,
    /// Payments less refunds.
    pub paid_fen: i64,
}

impl Account {
    /// The records of one resident, programme and period, against what is due.
    pub fn of(due_fen: i64, records: &[Payment]) -> Account {
        let paid_fen = records
            .iter()
            .map(|p| match p.kind {
                PaymentKind::Payment => p.amount_fen,
                PaymentKind::Refund => -p.amount_fen,
            })
            .sum();
        Account { due_fen, paid_fen }
    }

    /// Never negative: a fee lowered after it was paid is a refund's business.
    pub fn outstanding_fen(&self) -> i64 {
        (self.due_fen - self.paid_fen).max(0)
    }
}

/// An amount typed in yuan at the desk ("225", "225.5", "¥225.50", full-width digits
/// from a Chinese keyboard) as whole fen, read digit by digit so no float ever holds
/// money. More than two decimals, a sign, or anything else is refused by name.
pub fn parse_yuan(field: &str, typed: &str) -> Result<i64, FieldError> {
    let normal: String = typed
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).expect("a digit"),
            '．' | '。' => '.',
            other => other,
        })
        .filter(|c| !matches!(c, ',' | '，' | ' '))
        .collect();
    let digits = normal
        .trim_start_matches(['¥', '￥'])
        .trim_end_matches('元');
    let bad = || {
        FieldError::new(
            field,
            "invalid_amount",
            format!("金额“{}”看不懂：请输入元，例如 225 或 225.50", typed.trim()),
            format!(
                "\"{}\" is not an amount: type yuan, e.g. 225 or 225.50",
                typed.trim()
            ),
        )
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |part: &str| part.chars().all(|c| c.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty())
        || !all_digits(whole)
        || !all_digits(fraction)
        || fraction.len() > 2
        || whole.len() > 9
    {
        return Err(bad());
    }
    let yuan: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let fen: i64 = match fraction.len() {
        0 => 0,
        1 => fraction.parse::<i64>().map_err(|_| bad())? * 10,
        _ => fraction.parse().map_err(|_| bad())?,
    };
    Ok(yuan * 100 + fen)
}

/// Fen as the desk types it back: "225.50", no sign, for a field's first value.
pub fn yuan_typed(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

fn positive(amount_fen: i64) -> Result<(), FieldError> {
    if amount_fen <= 0 {
        return Err(FieldError::new(
            "amount_fen",
            "out_of_range",
            format!("金额须大于零（以分计），现为{amount_fen}分"),
            format!("The amount must be more than zero (in fen); it is {amount_fen} fen"),
        ));
    }
    if amount_fen > MAX_PAYMENT_FEN {
        return Err(FieldError::new(
            "amount_fen",
            "out_of_range",
            format!(
                "金额{}超过单笔上限{}",
                format_fen(amount_fen),
                format_fen(MAX_PAYMENT_FEN)
            ),
            format!(
                "{} is above the limit of {} for one payment",
                format_fen(amount_fen),
                format_fen(MAX_PAYMENT_FEN)
            ),
        ));
    }
    Ok(())
}

/// A payment of `amount_fen` into `account`: refused when nothing is owed or when it
/// is more than what is owed (see the module's decisions).
pub fn check_payment(account: &Account, amount_fen: i64) -> Result<(), FieldError> {
    positive(amount_fen)?;
    let owed = account.outstanding_fen();
    if owed == 0 {
        return Err(FieldError::new(
            "amount_fen",
            "nothing_due",
            if account.due_fen == 0 {
                "本期无应付费用（免费或已全额减免），无需收费".to_string()
            } else {
                format!(
                    "本期应付{}已全部付清，无需再收",
                    format_fen(account.due_fen)
                )
            },
            if account.due_fen == 0 {
                "Nothing is due for this period (free, or waived in full)".to_string()
            } else {
                format!(
                    "The {} due for this period is paid in full",
                    format_fen(account.due_fen)
                )
            },
        ));
    }
    if amount_fen > owed {
        return Err(FieldError::new(
            "amount_fen",
            "above_due",
            format!(
                "收款{}多于尚欠的{}，请按尚欠金额收取",
                format_fen(amount_fen),
                format_fen(owed)
            ),
            format!(
                "{} is more than the {} still owed; take the amount owed",
                format_fen(amount_fen),
                format_fen(owed)
            ),
        ));
    }
    Ok(())
}

/// A refund of `amount_fen` from `original`, of which `refunded_fen` was already given
/// back; the reason trimmed (1 to `text::NOTE_CHARS` characters).
pub fn check_refund(
    original: &Payment,
    refunded_fen: i64,
    amount_fen: i64,
    reason: &str,
) -> Result<String, FieldError> {
    if original.kind != PaymentKind::Payment {
        return Err(FieldError::new(
            "payment",
            "not_a_payment",
            "这是一笔退款记录，只能对收款记录退款",
            "This record is a refund; only a payment can be refunded",
        ));
    }
    positive(amount_fen)?;
    let left = original.amount_fen - refunded_fen;
    if amount_fen > left {
        return Err(FieldError::new(
            "amount_fen",
            "above_paid",
            format!(
                "退款{}多于该笔可退的{}（原收{}）",
                format_fen(amount_fen),
                format_fen(left.max(0)),
                format_fen(original.amount_fen)
            ),
            format!(
                "A refund of {} is more than the {} left of this payment (paid {})",
                format_fen(amount_fen),
                format_fen(left.max(0)),
                format_fen(original.amount_fen)
            ),
        ));
    }
    let reason = crate::text::checked(
        "reason",
        ("退款原因", "refund reason"),
        reason,
        crate::text::NOTE_CHARS,
    )?;
    if reason.is_empty() {
        return Err(FieldError::new(
            "reason",
            "required",
            "退款须写明原因",
            "A refund needs a reason",
        ));
    }
    Ok(reason)
}

/// One method's takings and refunds for the day.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodTotals {
    pub payments: u32,
    pub paid_fen: i64,
    pub refunds: u32,
    pub refunded_fen: i64,
}

impl MethodTotals {
    pub fn net_fen(&self) -> i64 {
        self.paid_fen - self.refunded_fen
    }
}

/// 日结: the day's money by method. `net_cash_fen` is what the cash drawer should hold
/// more than it did in the morning.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailySummary {
    pub date: NaiveDate,
    pub cash: MethodTotals,
    pub reference: MethodTotals,
    pub net_cash_fen: i64,
    pub net_fen: i64,
}

/// The summary of the records that happened on `date` (others are ignored).
pub fn daily_summary(date: NaiveDate, records: &[Payment]) -> DailySummary {
    let mut cash = MethodTotals::default();
    let mut reference = MethodTotals::default();
    for record in records.iter().filter(|r| r.at.date() == date) {
        let totals = match record.method {
            PaymentMethod::Cash => &mut cash,
            PaymentMethod::Reference => &mut reference,
        };
        match record.kind {
            PaymentKind::Payment => {
                totals.payments += 1;
                totals.paid_fen += record.amount_fen;
            }
            PaymentKind::Refund => {
                totals.refunds += 1;
                totals.refunded_fen += record.amount_fen;
            }
        }
    }
    DailySummary {
        date,
        net_cash_fen: cash.net_fen(),
        net_fen: cash.net_fen() + reference.net_fen(),
        cash,
        reference,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn yuan_typed_at_the_desk_becomes_exact_fen_or_a_named_refusal() {
        for (typed, fen) in [
            ("225", 22500),
            ("225.5", 22550),
            ("225.50", 22550),
            (" ¥225.05 ", 22505),
            ("￥0.01", 1),
            ("２２５．５", 22550),
            ("1,234.00", 123400),
            ("450元", 45000),
            (".5", 50),
            ("0.1", 10),
        ] {
            assert_eq!(parse_yuan("amount", typed), Ok(fen), "{typed}");
        }
        for typed in ["", "abc", "-5", "1.234", "1.2.3", "¥", "1e3", "99999999999"] {
            let error = parse_yuan("amount", typed).expect_err(typed);
            assert_eq!(error.code, "invalid_amount", "{typed}");
            assert_eq!(error.field, "amount");
        }
        assert_eq!(yuan_typed(22505), "225.05");
        assert_eq!(parse_yuan("amount", &yuan_typed(22505)), Ok(22505));
    }

    use super::*;

    fn at(day: u32, h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, day)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
    }

    fn record(kind: PaymentKind, method: PaymentMethod, fen: i64, when: NaiveDateTime) -> Payment {
        Payment {
            id: format!("P-{fen}"),
            resident: "11010519491231002X".into(),
            programme_code: "day-care".into(),
            period: "2026-11".into(),
            kind,
            amount_fen: fen,
            method,
            reference: None,
            reason: None,
            refunds: None,
            staff: "S001".into(),
            at: when,
        }
    }

    #[test]
    fn a_payment_is_positive_and_never_more_than_is_owed() {
        let account = Account::of(15_000, &[]);
        assert_eq!(check_payment(&account, 15_000), Ok(()));
        assert_eq!(check_payment(&account, 0).unwrap_err().code, "out_of_range");
        assert_eq!(check_payment(&account, -5).unwrap_err().field, "amount_fen");
        let error = check_payment(&account, 15_001).unwrap_err();
        assert_eq!(error.code, "above_due");
        assert!(error.message.zh.contains("¥150.00"), "{error:?}");
        // Paid in part, the rest is what may be taken.
        let part = record(PaymentKind::Payment, PaymentMethod::Cash, 10_000, at(2, 9));
        let account = Account::of(15_000, std::slice::from_ref(&part));
        assert_eq!(account.outstanding_fen(), 5_000);
        assert_eq!(
            check_payment(&account, 5_001).unwrap_err().code,
            "above_due"
        );
        // A refund opens what it gave back again.
        let back = record(PaymentKind::Refund, PaymentMethod::Cash, 3_000, at(2, 10));
        assert_eq!(Account::of(15_000, &[part, back]).outstanding_fen(), 8_000);
        // A waiver in full leaves nothing to take.
        assert_eq!(
            check_payment(&Account::of(0, &[]), 100).unwrap_err().code,
            "nothing_due"
        );
    }

    #[test]
    fn a_transfer_needs_its_reference_and_cash_takes_none() {
        assert_eq!(check_reference(PaymentMethod::Cash, None), Ok(None));
        assert_eq!(check_reference(PaymentMethod::Cash, Some("  ")), Ok(None));
        assert_eq!(
            check_reference(PaymentMethod::Cash, Some("WX123"))
                .unwrap_err()
                .code,
            "reference_with_cash"
        );
        assert_eq!(
            check_reference(PaymentMethod::Reference, None)
                .unwrap_err()
                .code,
            "required"
        );
        assert_eq!(
            check_reference(PaymentMethod::Reference, Some(" 4200001234/2026 ")),
            Ok(Some("4200001234/2026".into()))
        );
        let error = check_reference(PaymentMethod::Reference, Some("42 00")).unwrap_err();
        assert_eq!(
            (error.field.as_str(), error.code.as_str()),
            ("reference", "invalid_character")
        );
        assert_eq!(
            check_reference(PaymentMethod::Reference, Some("A1"))
                .unwrap_err()
                .code,
            "out_of_range"
        );
        let long = "9".repeat(REFERENCE_CHARS + 1);
        assert_eq!(
            check_reference(PaymentMethod::Reference, Some(&long))
                .unwrap_err()
                .code,
            "out_of_range"
        );
    }

    #[test]
    fn a_refund_needs_a_reason_and_cannot_exceed_what_is_left_of_the_payment() {
        let paid = record(PaymentKind::Payment, PaymentMethod::Cash, 15_000, at(2, 9));
        assert_eq!(check_refund(&paid, 0, 15_000, " 退出 "), Ok("退出".into()));
        assert_eq!(
            check_refund(&paid, 0, 15_001, "退出").unwrap_err().code,
            "above_paid"
        );
        assert_eq!(
            check_refund(&paid, 10_000, 5_001, "退出").unwrap_err().code,
            "above_paid"
        );
        assert_eq!(
            check_refund(&paid, 0, 100, "  ").unwrap_err().code,
            "required"
        );
        assert_eq!(
            check_refund(&paid, 0, 100, "a\u{7}").unwrap_err().code,
            "unprintable"
        );
        let refund = record(PaymentKind::Refund, PaymentMethod::Cash, 100, at(2, 9));
        assert_eq!(
            check_refund(&refund, 0, 100, "x").unwrap_err().code,
            "not_a_payment"
        );
    }

    #[test]
    fn the_daily_summary_sums_the_day_by_method_and_nets_the_cash() {
        use PaymentKind::*;
        use PaymentMethod::*;
        let records = [
            record(Payment, Cash, 15_000, at(23, 9)),
            record(Payment, Cash, 30_000, at(23, 10)),
            record(Payment, PaymentMethod::Reference, 45_000, at(23, 11)),
            record(Refund, Cash, 5_000, at(23, 15)),
            // Another day is not today's money.
            record(Payment, Cash, 99_900, at(22, 16)),
        ];
        let summary = daily_summary(at(23, 0).date(), &records);
        assert_eq!(summary.cash.payments, 2);
        assert_eq!(summary.cash.paid_fen, 45_000);
        assert_eq!(summary.cash.refunds, 1);
        assert_eq!(summary.cash.refunded_fen, 5_000);
        assert_eq!(summary.reference.paid_fen, 45_000);
        assert_eq!(summary.net_cash_fen, 40_000);
        assert_eq!(summary.net_fen, 85_000);
    }

    #[test]
    fn periods_follow_the_fee_and_read_in_words() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert_eq!(period_key(FeePeriod::Term, day), "term");
        assert_eq!(period_key(FeePeriod::Month, day), "2026-11");
        assert_eq!(period_key(FeePeriod::Session, day), "2026-11-23");
        assert_eq!(period_text("2026-11"), Text::new("2026年11月", "Nov 2026"));
        assert_eq!(period_text("2026-11-23").zh, "2026年11月23日");
        assert_eq!(period_text("term").zh, "本学期");
    }
}
