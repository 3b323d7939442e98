//! The slips a centre prints (凭条/回执): one constructor per [`ReceiptKind`].
//!
//! Every constructor takes the domain types themselves (a [`Resident`], a [`Shift`], a
//! [`Filing`]…) and masks personal data inside, so no caller can put a full name, ID
//! number or phone on paper by forgetting a call (invariant 6). What a slip shows of a
//! person is only what that slip needs: a member's masked name, never a birth date and
//! never a 人群标签 (see [`waitlist_slip`] for why tags stay off paper).
//!
//! Labels read "中文/English", Chinese first, as staff and residents scan the Chinese;
//! names are printed in Chinese only, descriptions in both languages.
//!
//! The header data every slip shares (centre, time, serial, verification code) comes in
//! a [`SlipStamp`] from the caller: core reads no clock and hands out no serials.

use std::ops::RangeInclusive;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime};

use crate::business::{
    find_category, parse_month, BusinessCategory, ConvenienceBusiness, Filing, FilingStatus,
    LedgerEntry,
};
use crate::calendar::Calendar;
use crate::dates::{
    date_range_text, day_time_text, long_date_text, weekday_day_text, weekday_day_time_text,
};
use crate::day_care::{route_place, TransportLeg};
use crate::dietary::DietaryNeeds;
use crate::enrolment::{reason, Enrolment, EnrolmentStatus};
use crate::fees::{period_text, Account, DailySummary, Payment, PaymentMethod};
use crate::household::Resident;
use crate::identity::mask_name;
use crate::meals::{MealBasis, MealDay};
use crate::programme::{format_fen, FeePeriod, FeeQuote, Programme};
use crate::receipt::{printable_substitute, BodyLine, Receipt, ReceiptKind};
use crate::volunteer::{approved_in_period, Shift, ShiftCorrection};
use crate::waitlist::Priority;
use crate::Text;

/// The data every slip carries besides its body, filled by the caller from its store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlipStamp {
    pub centre_name: String,
    /// Asia/Shanghai local time.
    pub issued_at: NaiveDateTime,
    /// e.g. "HF01-20261128-0007"; unique per slip, kept by a reprint.
    pub serial: String,
    /// e.g. "K7Q2M9": 6 characters of Crockford base32.
    pub verification_code: String,
}

/// The one-line note at the foot of every slip. Chinese and English are sized so the
/// note breaks between the languages on 58 mm paper (32 columns: 26 + 20) and fits on
/// one line on 80 mm paper (48 columns: 26 + 1 + 20).
pub const PRIVACY_NOTE: &str = "个人信息已脱敏，仅本次使用 Personal data masked";

/// What the QR code of a slip starts with: names the format and its version, so a desk
/// scanner can tell a Linli slip from any other QR code and a later format can coexist.
pub const QR_PREFIX: &str = "LINLI1:";

/// The QR payload of a slip: `LINLI1:{serial}:{code}`. It carries no URL on purpose: a
/// slip is checked against the centre's own records by the desk scanner, which works
/// offline, and a URL would tie every printed slip to a host name for good.
pub fn qr_payload(serial: &str, verification_code: &str) -> String {
    format!("{QR_PREFIX}{serial}:{verification_code}")
}

/// Reads a scanned QR payload back into (serial, verification code).
///
/// The code is everything after the last ':' (Crockford base32 has no ':'), so a serial
/// may contain ':' and still round-trip. Surrounding whitespace is ignored because
/// keyboard-wedge scanners end a scan with a line break. Anything else that does not
/// look like a slip gives `None`.
pub fn parse_qr_payload(payload: &str) -> Option<(String, String)> {
    let rest = payload.trim().strip_prefix(QR_PREFIX)?;
    let (serial, code) = rest.rsplit_once(':')?;
    let well_formed = |part: &str| !part.is_empty() && part.chars().all(|c| c.is_ascii_graphic());
    if well_formed(serial) && well_formed(code) {
        Some((serial.to_string(), code.to_string()))
    } else {
        None
    }
}

/// 报名确认: the member, the programme, when it runs, what it costs.
///
/// `seat_from` is the day the seat became the member's (the sign-up, or the accepted
/// offer). The slip gives the first session they can attend from that day, not the
/// term's first day: a parent signing up in November reads the date as when to come,
/// and a September date would send them nowhere.
pub fn enrolment_confirmation(
    stamp: &SlipStamp,
    member: &Resident,
    programme: &Programme,
    quote: &FeeQuote,
    calendar: &Calendar,
    seat_from: NaiveDate,
) -> Receipt {
    let schedule = &programme.schedule;
    let mut body = vec![member_row(member), programme_row(programme)];
    body.extend(status_rows(EnrolmentStatus::Confirmed.label()));
    body.extend(text_rows("时段/Schedule", &schedule.describe()));
    match schedule.first_session_from(seat_from, calendar) {
        Some(first) => {
            body.extend(text_rows("首次/First", &weekday_day_text(first)));
            body.extend(text_rows("结束/Until", &long_date_text(schedule.last_day)));
            if let Some(note) = schedule.provisional_note(first, calendar) {
                body.extend(paragraphs(&note));
            }
        }
        // No session left this term (a late sign-up): the dates say so by themselves.
        None => body.extend(text_rows(
            "日期/Dates",
            &schedule.describe_dates_with(calendar),
        )),
    }
    body.extend(fee_rows(quote, programme.fee.per));
    body.push(BodyLine::Separator);
    body.extend(paragraphs(&Text::new(
        "请按时到场；如需取消，请到自助机或前台办理。",
        "Please arrive on time. To cancel, use the kiosk or the front desk.",
    )));
    if programme.kind.school_days_only() {
        // Children's programmes end with a pickup check (attendance); saying so on the
        // confirmation saves a parent an argument at the door.
        body.extend(paragraphs(&Text::new(
            "离开时须由已登记的接送人接走。",
            "Children leave only with a registered pickup adult.",
        )));
    }
    body.extend(waiver_note(quote));
    slip(stamp, ReceiptKind::EnrolmentConfirmation, body)
}

/// 轮候凭条: the member's place on the waiting list and why (invariant 3).
///
/// `priority` is the enrolment's (`Enrolment::priority`) and `position` the place from
/// the placement or `Roster::position`; the policy is the programme's.
///
/// The explanation is core's own (`WaitlistPolicy::explain`, also in
/// `Placement::Waitlisted`), so the slip and the screen explain a place in the same
/// words. It names the priority group by its number ("第1组（共3组）"), never by its
/// policy name: 「低保家庭」 or 「残疾人家庭」 are the applicant's 人群标签 in other
/// words, sensitive data, and this slip is often carried by a child to school and back.
pub fn waitlist_slip(
    stamp: &SlipStamp,
    member: &Resident,
    programme: &Programme,
    priority: &Priority,
    position: u32,
) -> Receipt {
    let mut body = vec![member_row(member), programme_row(programme)];
    body.extend(status_rows(EnrolmentStatus::Waitlisted.label()));
    body.extend(text_rows(
        "位置/Position",
        &Text::new(format!("第{position}位"), format!("No. {position}")),
    ));
    if let Some(phone) = &member.phone {
        // The number the offer will go to, masked: enough for the resident to notice a
        // wrong number on file, useless to anyone who finds the slip.
        body.push(BodyLine::row("通知/Notify", phone.masked()));
    }
    body.push(BodyLine::Separator);
    body.extend(line_paragraphs(&programme.policy.explain(
        priority,
        position,
        programme.offer_hours,
    )));
    slip(stamp, ReceiptKind::WaitlistSlip, body)
}

/// 名额保留通知: a seat held for the member until `deadline` (`Offer::deadline`).
pub fn offer_slip(
    stamp: &SlipStamp,
    member: &Resident,
    programme: &Programme,
    deadline: NaiveDateTime,
) -> Receipt {
    let mut body = vec![member_row(member), programme_row(programme)];
    body.extend(status_rows(EnrolmentStatus::Offered.label()));
    body.extend(text_rows("截止/Deadline", &weekday_day_time_text(deadline)));
    body.extend(text_rows("时段/Schedule", &programme.schedule.describe()));
    body.push(BodyLine::Separator);
    body.extend(paragraphs(&Text::new(
        "请在截止时间前到自助机或前台确认；逾期未确认，名额将顺延给下一位轮候者。",
        "Accept at the kiosk or the front desk before the deadline; otherwise the seat passes to the next person waiting.",
    )));
    slip(stamp, ReceiptKind::OfferSlip, body)
}

/// 取消回执: a sign-up given up (cancelled) or a waiting-list place left (withdrawn).
/// The time and reason come from the enrolment as `Roster::cancel` (or an expiry) left it.
pub fn cancellation(
    stamp: &SlipStamp,
    member: &Resident,
    programme: &Programme,
    enrolment: &Enrolment,
) -> Receipt {
    let mut body = vec![member_row(member), programme_row(programme)];
    body.extend(status_rows(enrolment.status.label()));
    body.extend(text_rows(
        "取消/Cancelled",
        &day_time_text(enrolment.updated_at),
    ));
    body.extend(text_rows(
        "原因/Reason",
        &reason_text(enrolment.reason.as_deref()),
    ));
    body.push(BodyLine::Separator);
    body.extend(paragraphs(&Text::new(
        "如需再次报名，请重新申请。",
        "To sign up again, apply anew.",
    )));
    slip(stamp, ReceiptKind::Cancellation, body)
}

/// 费用凭条: list price, waiver and amount due for one member.
///
/// Core records what is due (`FeeQuote`), not what was paid, so this slip states the
/// amount due and says plainly that it is not proof of payment; a paid receipt needs a
/// payment record first.
pub fn fee_receipt(
    stamp: &SlipStamp,
    payer: &Resident,
    programme: &Programme,
    quote: &FeeQuote,
    calendar: &Calendar,
) -> Receipt {
    let mut body = vec![member_row(payer), programme_row(programme)];
    body.extend(text_rows(
        "日期/Dates",
        &programme.schedule.describe_dates_with(calendar),
    ));
    body.extend(fee_rows(quote, programme.fee.per));
    body.push(BodyLine::Separator);
    body.extend(paragraphs(&Text::new(
        "本凭条列明应付金额，不作付款收据。",
        "This slip shows the amount due; it is not a payment receipt.",
    )));
    body.extend(waiver_note(quote));
    slip(stamp, ReceiptKind::FeeReceipt, body)
}

/// 收据: money taken for one member's fee, the real receipt (the 费用凭条 above only
/// says what is due). The waiver shows as an amount, never by its tag (see
/// [`fee_rows`]); the payer is the member whose fee it is, masked; the reference of a
/// transfer is printed whole (it names a bank record, not a person) so the payer can
/// match it; `account` is the account after this payment, so the slip says what is
/// still owed, if anything. `staff_name` is who took the money, masked like a clerk
/// on a ledger summary.
pub fn payment_receipt(
    stamp: &SlipStamp,
    payer: &Resident,
    programme: &Programme,
    quote: &FeeQuote,
    payment: &Payment,
    account: &Account,
    staff_name: &str,
) -> Receipt {
    let mut body = vec![member_row(payer), programme_row(programme)];
    body.extend(text_rows("期间/For", &period_text(&payment.period)));
    body.extend(fee_rows(quote, programme.fee.per));
    body.push(BodyLine::Separator);
    body.push(BodyLine::row("实收/Paid", yuan(payment.amount_fen)));
    body.extend(method_rows(payment));
    let owed = account.outstanding_fen();
    body.push(BodyLine::row(
        "尚欠/Owed",
        if owed == 0 {
            "0".to_string()
        } else {
            yuan(owed)
        },
    ));
    body.push(BodyLine::row("收款人/Clerk", mask_name(staff_name)));
    body.extend(text_rows("时间/Time", &day_time_text(payment.at)));
    body.push(BodyLine::Separator);
    body.extend(paragraphs(&Text::new(
        "本收据为付款凭证，请妥善保管；退款时请出示。",
        "This is your receipt for the payment; keep it and show it for any refund.",
    )));
    body.extend(waiver_note(quote));
    slip(stamp, ReceiptKind::PaymentReceipt, body)
}

/// 退款收据: money given back from one payment, with the reason staff gave. The
/// original payment is named by its date and amount (what the payer's own receipt
/// shows), the refund by amount and method; `left_fen` is what remains refundable.
pub fn refund_receipt(
    stamp: &SlipStamp,
    payer: &Resident,
    programme: &Programme,
    original: &Payment,
    refund: &Payment,
    left_fen: i64,
    staff_name: &str,
) -> Receipt {
    let mut body = vec![member_row(payer), programme_row(programme)];
    body.extend(text_rows("期间/For", &period_text(&refund.period)));
    body.extend(text_rows("原收款/Paid on", &day_time_text(original.at)));
    body.push(BodyLine::row("原金额/Paid", yuan(original.amount_fen)));
    body.push(BodyLine::Separator);
    body.push(BodyLine::row("退款/Refund", yuan(refund.amount_fen)));
    body.extend(method_rows(refund));
    body.push(BodyLine::row("可再退/Left", yuan(left_fen)));
    if let Some(reason) = &refund.reason {
        body.push(BodyLine::row("原因/Reason", reason.clone()));
    }
    body.push(BodyLine::row("经办人/Clerk", mask_name(staff_name)));
    body.extend(text_rows("时间/Time", &day_time_text(refund.at)));
    body.push(BodyLine::Separator);
    body.extend(paragraphs(&Text::new(
        "退款已按原付款方式退回，请当面核对金额。",
        "The refund goes back the way the payment came; please check the amount now.",
    )));
    slip(stamp, ReceiptKind::RefundReceipt, body)
}

/// 收费日结单: the day's money by method, for the cash drawer at closing. Totals only,
/// no person: it is left in the drawer and filed, and many hands touch it.
pub fn daily_cash_summary(stamp: &SlipStamp, summary: &DailySummary, staff_name: &str) -> Receipt {
    let mut body = text_rows("日期/Date", &long_date_text(summary.date));
    for (label, totals) in [
        (PaymentMethod::Cash.label(), &summary.cash),
        (PaymentMethod::Reference.label(), &summary.reference),
    ] {
        body.push(BodyLine::Separator);
        body.push(BodyLine::paragraph(format!("{}/{}", label.zh, label.en)));
        body.push(BodyLine::row(
            "收款/Payments",
            format!("{}笔 {}", totals.payments, yuan(totals.paid_fen)),
        ));
        body.push(BodyLine::row(
            "退款/Refunds",
            format!("{}笔 {}", totals.refunds, yuan(totals.refunded_fen)),
        ));
        body.push(BodyLine::row("小计/Net", yuan(totals.net_fen())));
    }
    body.push(BodyLine::Separator);
    body.push(BodyLine::row(
        "现金净额/Net cash",
        yuan(summary.net_cash_fen),
    ));
    body.push(BodyLine::row("合计/Net total", yuan(summary.net_fen)));
    body.push(BodyLine::row("打印人/Printed by", mask_name(staff_name)));
    body.push(BodyLine::Separator);
    body.extend(paragraphs(&Text::new(
        "现金净额应与钱箱当日增加的现金相符；转账以对账单为准。",
        "Net cash should match what the drawer gained today; transfers are checked against the statement.",
    )));
    slip(stamp, ReceiptKind::DailyCashSummary, body)
}

/// 日间照料接送单: the driver's list for one day, in pick-up order. Each stop is the
/// planned time, the member's masked name and the place shortened to the building
/// (`day_care::route_place`): the list travels in a van and is left on a seat, so it
/// shows no flat number, phone or ID. Times already recorded are printed; the rest
/// are blanks for the driver to fill in.
pub fn day_care_route(
    stamp: &SlipStamp,
    programme: &Programme,
    date: NaiveDate,
    stops: &[(Resident, TransportLeg)],
) -> Receipt {
    let mut body = vec![programme_row(programme)];
    body.extend(text_rows("日期/Date", &long_date_text(date)));
    body.push(BodyLine::row("人数/Members", stops.len().to_string()));
    let mut ordered: Vec<&(Resident, TransportLeg)> = stops.iter().collect();
    ordered.sort_by_key(|(member, leg)| (leg.pickup_at, member.id_number.as_str().to_string()));
    let clock = |t: Option<NaiveDateTime>| {
        t.map(|t| t.format("%H:%M").to_string())
            .unwrap_or_else(|| "__:__".to_string())
    };
    for (number, (member, leg)) in ordered.into_iter().enumerate() {
        body.push(BodyLine::Separator);
        body.push(BodyLine::row(
            format!("{}. {}", number + 1, leg.pickup_at.format("%H:%M")),
            mask_name(&member.name),
        ));
        body.push(BodyLine::row("地点/Place", route_place(&leg.place)));
        body.push(BodyLine::row(
            "接/送 In/Out",
            format!(
                "{} / {}",
                clock(leg.picked_up_at),
                clock(leg.dropped_off_at)
            ),
        ));
    }
    if stops.is_empty() {
        body.extend(paragraphs(&Text::new(
            "今天没有安排接送。",
            "No pick-ups planned today.",
        )));
    }
    body.push(BodyLine::Separator);
    body.extend(paragraphs(&Text::new(
        "每位长者送达后请记下时间并交回前台；未送达的须当天报告。",
        "Note each drop-off time and hand this back at the desk; report anyone not dropped off the same day.",
    )));
    slip(stamp, ReceiptKind::DayCareRoute, body)
}

/// How the money moved: the method, and a transfer's reference on a line of its own.
fn method_rows(payment: &Payment) -> Vec<BodyLine> {
    let mut rows = text_rows("方式/Method", &payment.method.label());
    if let Some(reference) = &payment.reference {
        rows.extend(identifier_lines("单号/Reference", reference.clone()));
    }
    rows
}

/// 义工签退凭条: one shift as recorded at clock-out, before review.
pub fn volunteer_clock_out(stamp: &SlipStamp, volunteer: &Resident, shift: &Shift) -> Receipt {
    let clock_out = match shift.clock_out {
        Some(at) => day_time_text(at),
        // A forgotten shift closed automatically has no end time until a social worker
        // confirms one.
        None => Text::new("待社工确认", "to be confirmed"),
    };
    let mut body = vec![
        BodyLine::row("义工/Volunteer", mask_name(&volunteer.name)),
        BodyLine::row("服务/Activity", shift.activity.clone()),
    ];
    body.extend(text_rows("签到/Clock-in", &day_time_text(shift.clock_in)));
    body.extend(text_rows("签退/Clock-out", &clock_out));
    body.extend(text_rows(
        "时长/Recorded",
        &duration_text(u64::from(shift.minutes)),
    ));
    body.extend(status_rows(shift.status.label()));
    body.push(BodyLine::Separator);
    body.extend(paragraphs(&Text::new(
        "时长已按中心规则取整，经社工审核认定后才计入服务时长。",
        "Minutes are rounded by the centre's rule and count only once a social worker approves them.",
    )));
    // Volunteers show slips to schools and employers; a slip of unreviewed minutes
    // must not pass for a certificate.
    body.extend(paragraphs(&Text::new(
        "本凭条为平台服务记录，不是志愿服务证明",
        "A platform record, not a volunteer certificate",
    )));
    slip(stamp, ReceiptKind::VolunteerClockOut, body)
}

/// 志愿服务证明: a volunteer's approved hours over `period` (by clock-in date).
///
/// Pass all the volunteer's shifts and the corrections on record: only approved time
/// counts, corrections applied, exactly as `volunteer::total_approved_minutes` counts
/// it; other volunteers' shifts and shifts outside the period are left out here.
///
/// A certificate names its holder, but it leaves the building and gets copied, so the
/// name and ID number are masked like on every other slip. The masked pair is enough
/// for a reader to match the paper to the person in front of them, and the
/// verification code (and QR) lets anyone who needs certainty check it with the centre.
pub fn volunteer_certificate(
    stamp: &SlipStamp,
    volunteer: &Resident,
    shifts: &[Shift],
    corrections: &[ShiftCorrection],
    period: RangeInclusive<NaiveDate>,
) -> Receipt {
    let (minutes, records) =
        approved_in_period(volunteer.id_number.as_str(), shifts, corrections, &period);
    let mut body = vec![BodyLine::row("姓名/Name", mask_name(&volunteer.name))];
    body.extend(identifier_lines(
        "证件号/ID No.",
        volunteer.id_number.masked(),
    ));
    body.extend(text_rows(
        "期间/Period",
        &date_range_text(*period.start(), *period.end()),
    ));
    body.extend(text_rows("认定/Approved", &duration_text(minutes)));
    body.extend(text_rows(
        "记录/Records",
        &Text::new(format!("{records}次"), format!("{records} shifts")),
    ));
    body.push(BodyLine::row("出具/Issuer", stamp.centre_name.clone()));
    body.push(BodyLine::Separator);
    body.extend(paragraphs(&Text::new(
        "兹证明上述义工在本中心参加志愿服务；时长只计社工审核认定的记录。",
        "This certifies the volunteer's service at this centre. Only hours approved by a social worker count.",
    )));
    body.extend(paragraphs(&Text::new(
        "凭校验码或扫描二维码向本中心核验。",
        "Verify it with the code or the QR code at the centre.",
    )));
    slip(stamp, ReceiptKind::VolunteerCertificate, body)
}

/// 备案回执: where a convenience business's filing stands and what to do next.
///
/// `ConvenienceBusiness::operator` is the organisation running the centre (承办机构), a
/// public party to the filing, so it is printed in full; the staff member who handled
/// the latest step is a person and is masked.
pub fn filing_receipt(
    stamp: &SlipStamp,
    business: &ConvenienceBusiness,
    filing: &Filing,
    categories: &[BusinessCategory],
) -> Receipt {
    let category = find_category(categories, &business.category)
        .map(|category| category.label.clone())
        // A category this device does not know is shown as its code rather than hidden.
        .unwrap_or_else(|| Text::new(business.category.clone(), ""));
    let mut body = business_rows(business, filing);
    body.extend(text_rows("类别/Category", &category));
    body.push(BodyLine::row("机构/Operator", business.operator.clone()));
    body.push(BodyLine::row("地点/Stall", business.stall.clone()));
    body.extend(status_rows(filing.status.label()));
    let filed_at = filing
        .history
        .iter()
        .rev()
        .find(|change| change.to == FilingStatus::Filed)
        .map(|change| change.at);
    if let Some(at) = filed_at {
        body.extend(text_rows("备案于/Filed", &long_date_text(at.date())));
    }
    if let Some(last) = filing.history.last() {
        if let Some(reason) = &last.reason {
            body.push(BodyLine::row("原因/Reason", reason.clone()));
        }
        body.push(BodyLine::row("经办人/Clerk", mask_name(&last.by)));
    }
    body.push(BodyLine::Separator);
    body.extend(paragraphs(&filing_next_steps(filing)));
    slip(stamp, ReceiptKind::FilingReceipt, body)
}

/// 经营台账月报: one month's accounts of a filed business, and where the profit goes.
pub fn ledger_summary(
    stamp: &SlipStamp,
    business: &ConvenienceBusiness,
    filing: &Filing,
    entry: &LedgerEntry,
) -> Receipt {
    let month = match parse_month(&entry.month) {
        Ok(first) => Text::new(
            format!("{}年{}月", first.year(), first.month()),
            first.format("%b %Y").to_string(),
        ),
        // Stored ledgers were validated when recorded; show anything else as it is.
        Err(_) => Text::new(entry.month.clone(), entry.month.clone()),
    };
    let mut body = business_rows(business, filing);
    body.extend(text_rows("月份/Month", &month));
    body.push(BodyLine::row("收入/Revenue", yuan(entry.revenue_fen)));
    body.push(BodyLine::row("成本/Cost", yuan(entry.cost_fen)));
    body.push(BodyLine::row("利润/Profit", yuan(entry.profit_fen())));
    body.push(BodyLine::row(
        "公益金/To fund",
        yuan(entry.to_public_service_fund_fen()),
    ));
    body.push(BodyLine::row("经办人/Clerk", mask_name(&entry.recorded_by)));
    body.extend(text_rows(
        "登记/Recorded",
        &day_time_text(entry.recorded_at),
    ));
    body.push(BodyLine::Separator);
    body.extend(paragraphs(&Text::new(
        "利润全部用于社区公益服务，不得分配。",
        "All profit goes to community public services; none is distributed.",
    )));
    if entry.profit_fen() < 0 {
        body.extend(paragraphs(&Text::new(
            "本月亏损，不动用公益服务基金弥补。",
            "A loss this month; the public-service fund is not drawn on to cover it.",
        )));
    }
    slip(stamp, ReceiptKind::LedgerSummary, body)
}

/// 打印机测试页: what a technician prints after changing paper or a printer. `printer`
/// names the printer, `paper` the roll ("58mm"), `columns` its width in font-A columns
/// (the hardware crate's `Paper::columns`). No personal data: it is printed anywhere.
pub fn test_page(stamp: &SlipStamp, printer: &str, paper: &str, columns: usize) -> Receipt {
    // "----+----1----+----2…": each '+' marks a fifth column and each digit a tenth, so
    // a clipped or shifted edge shows at a glance. One ASCII word exactly as wide as the
    // paper, so it prints on one line.
    let ruler: String = (1..=columns)
        .map(|column| match column % 10 {
            0 => char::from_digit((column / 10 % 10) as u32, 10).unwrap_or('0'),
            5 => '+',
            _ => '-',
        })
        .collect();
    // Full-width digits, two columns each: shows that double-byte characters line up
    // with the ASCII ruler above (every digit under a pair of columns).
    let wide_ruler: String = (1..=columns / 2)
        .map(|index| char::from_u32(0xFF10 + (index % 10) as u32).unwrap_or('０'))
        .collect();
    let body = vec![
        BodyLine::row("打印机/Printer", printer),
        BodyLine::row("纸宽/Paper", format!("{paper}，{columns}列")),
        BodyLine::row("", format!("{paper}, {columns} columns")),
        BodyLine::Separator,
        BodyLine::paragraph(ruler),
        BodyLine::paragraph(wide_ruler),
        BodyLine::Separator,
        BodyLine::paragraph("常用字：社区服务中心欢迎您，请排队取号。老人、儿童优先。"),
        BodyLine::paragraph("标点：，。、；：？！“”‘’（）《》【】「」…—～"),
        BodyLine::paragraph("金额：￥1234.50"),
        BodyLine::paragraph("ASCII: ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghijklmnopqrstuvwxyz 0123456789 !#$%&()*+,-./:;<=>?@[]"),
        BodyLine::Separator,
        BodyLine::paragraph("如以上内容清晰可辨，打印正常"),
        BodyLine::paragraph("Printer OK if this is legible"),
    ];
    slip(stamp, ReceiptKind::TestPage, body)
}

/// The kinds of slip a resident or a child takes away: none of them may show a
/// child's dietary needs or allergies (health data), whatever else they show.
pub fn carried_by_a_person(kind: ReceiptKind) -> bool {
    !matches!(kind, ReceiptKind::KitchenSlip | ReceiptKind::TestPage)
}

/// 厨房备餐单: the lunches to cook on `date` for each lunch-care programme, and the
/// children with dietary needs among those expected, for the kitchen.
///
/// This is the one slip that shows allergies. It may, because it is the kitchen's
/// list: it goes from the desk printer to the kitchen and stays there, the issue's
/// "kitchen list", never a slip a child carries ([`carried_by_a_person`]). A cook
/// needs to know that one child must not have peanuts; the cook does not need to
/// know which child by full name, so names are masked like on every slip (张*明:
/// staff match the plate to the child at the roll call, where names are on screen).
/// Diets are given as counts first (how many 清真 meals), then per child.
pub fn kitchen_slip(
    stamp: &SlipStamp,
    date: NaiveDate,
    meals: &[(&Programme, &MealDay)],
    diets: &[(&Resident, &DietaryNeeds)],
) -> Receipt {
    let mut body = text_rows("日期/Date", &weekday_day_text(date));
    for (programme, day) in meals {
        body.push(BodyLine::Separator);
        body.push(programme_row(programme));
        if let Some(why) = &day.no_session {
            body.extend(text_rows("备餐/To cook", &Text::new("0份", "0 meals")));
            body.extend(paragraphs(why));
            continue;
        }
        body.push(BodyLine::row(
            "报名/Enrolled",
            format!("{}人", day.enrolled),
        ));
        body.push(BodyLine::row(
            "请假/Absent",
            format!("{}人", day.reported_absent),
        ));
        if day.basis == MealBasis::CheckedIn {
            body.push(BodyLine::row(
                "签到/Arrived",
                format!("{}人", day.checked_in),
            ));
        }
        body.extend(text_rows(
            "备餐/To cook",
            &Text::new(
                format!("{}份", day.to_cook),
                format!("{} meals", day.to_cook),
            ),
        ));
        if let Some(recorded) = day.recorded {
            body.push(BodyLine::row("已登记/Recorded", format!("{recorded}份")));
        }
        if let Some(warning) = &day.warning {
            body.extend(paragraphs(&Text::new(
                format!("！{}", warning.zh),
                format!("! {}", warning.en),
            )));
        }
    }
    body.push(BodyLine::Separator);
    if diets.is_empty() {
        body.extend(paragraphs(&Text::new(
            "今日无特殊饮食。",
            "No special diets today.",
        )));
    } else {
        body.push(BodyLine::row(
            "特殊饮食/Diets",
            format!("{}人", diets.len()),
        ));
        // How many of each: what the kitchen prepares separately.
        let mut counts: std::collections::BTreeMap<String, u32> = Default::default();
        for (_, needs) in diets {
            for allergy in &needs.allergies {
                *counts.entry(format!("{allergy}过敏")).or_default() += 1;
            }
            if let Some(diet) = &needs.diet {
                *counts.entry(diet.clone()).or_default() += 1;
            }
        }
        for (what, count) in counts {
            body.push(BodyLine::paragraph(format!("{what}：{count}人")));
        }
        body.push(BodyLine::Separator);
        for (child, needs) in diets {
            body.push(BodyLine::paragraph(format!(
                "{}：{}",
                mask_name(&child.name),
                needs.summary().zh
            )));
        }
    }
    body.push(BodyLine::Separator);
    body.extend(paragraphs(&Text::new(
        "仅供厨房备餐使用，请勿交给学生或家长。",
        "For the kitchen only; never hand it to a child or parent.",
    )));
    slip(stamp, ReceiptKind::KitchenSlip, body)
}

/// A call the desk made about a late child, as the late-pickup slip prints it: when,
/// to whom (masked, as the desk saw it) and how it went.
pub struct LateCall<'a> {
    pub at: NaiveDateTime,
    pub contact: &'a str,
    pub outcome: Text,
}

/// 晚接记录单: a child still at the centre after closing and the grace period, the
/// calls made to their guardians, and a line for the adult who collects them to sign
/// with the time. It goes into the centre's file (a pattern of late pickups is a
/// social worker's concern) or with the adult, so the child's name is masked and the
/// contacts are as masked as on screen.
pub fn late_pickup_slip(
    stamp: &SlipStamp,
    programme: &Programme,
    date: NaiveDate,
    ends: NaiveTime,
    child: &str,
    minutes_late: i64,
    calls: &[LateCall<'_>],
) -> Receipt {
    let mut body = vec![programme_row(programme)];
    body.extend(text_rows("日期/Date", &long_date_text(date)));
    body.push(BodyLine::row("姓名/Name", mask_name(child)));
    body.push(BodyLine::row("结束/Ends", ends.format("%H:%M").to_string()));
    body.push(BodyLine::row(
        "晚接/Late",
        format!("{minutes_late}分钟/min"),
    ));
    body.push(BodyLine::Separator);
    if calls.is_empty() {
        body.extend(paragraphs(&Text::new(
            "尚未联系监护人。",
            "No call made yet.",
        )));
    }
    for call in calls {
        body.push(BodyLine::row(
            call.at.format("%H:%M").to_string(),
            format!("{} {}/{}", call.contact, call.outcome.zh, call.outcome.en),
        ));
    }
    body.push(BodyLine::Separator);
    body.push(BodyLine::row("接走/Out", "__:__"));
    body.push(BodyLine::row("签名/Signed", "________"));
    body.extend(paragraphs(&Text::new(
        "请在结束时间前接孩子；如有困难请提前联系中心。",
        "Please collect before closing; call the centre ahead if you cannot.",
    )));
    slip(stamp, ReceiptKind::LatePickupSlip, body)
}

/// 个人信息处理同意回执: the consent just recorded, for the one who gave it to keep.
/// Names masked (the slip may be left on the counter); each purpose in both languages,
/// those consented to and those not, the notice's version, and how to change it.
pub fn consent_slip(
    stamp: &SlipStamp,
    resident: &str,
    guardian: Option<&str>,
    purposes: &std::collections::BTreeSet<crate::consent::Purpose>,
    notice_version: &str,
    given_on: NaiveDate,
) -> Receipt {
    use crate::consent::Purpose;
    let mut body = vec![BodyLine::row("居民/Resident", mask_name(resident))];
    body.push(match guardian {
        Some(g) => BodyLine::row("监护人/Guardian", mask_name(g)),
        None => BodyLine::row("同意人/Given by", "本人/Self"),
    });
    body.extend(text_rows("日期/Date", &long_date_text(given_on)));
    body.push(BodyLine::row("告知书/Notice", notice_version.to_string()));
    body.push(BodyLine::Separator);
    for (agreed, heading) in [
        (true, Text::new("同意用于：", "Consented to:")),
        (false, Text::new("不同意用于：", "Not consented to:")),
    ] {
        let listed: Vec<Purpose> = Purpose::ALL
            .into_iter()
            .filter(|p| purposes.contains(p) == agreed)
            .collect();
        if listed.is_empty() {
            continue;
        }
        body.extend(paragraphs(&heading));
        for purpose in listed {
            body.extend(purpose_lines(purpose));
        }
    }
    body.push(BodyLine::Separator);
    body.extend(paragraphs(&Text::new(
        "未同意的用途不会使用您的信息。可随时到服务中心查阅、更正或撤回同意。",
        "Your data is not used for what you did not consent to. Ask at the centre to see, correct or withdraw it at any time.",
    )));
    slip(stamp, ReceiptKind::ConsentSlip, body)
}

/// What a 个人信息副本 summarises: the resident's record as the desk read it, masked.
pub struct RecordCopy<'a> {
    pub name: &'a str,
    /// Masked, as everywhere on paper.
    pub id_number: &'a str,
    pub phone: Option<&'a str>,
    pub household_code: &'a str,
    /// Each programme and the place's standing.
    pub places: Vec<(Text, Text)>,
    pub purposes: &'a std::collections::BTreeSet<crate::consent::Purpose>,
    pub sessions_attended: usize,
    pub last_attended: Option<NaiveDate>,
    pub volunteer_minutes: i64,
    pub payments: usize,
    pub paid_fen: i64,
    pub cards: usize,
}

/// 个人信息副本: a resident's own record on request (个人信息保护法 第四十五条), the
/// whole of it in summary on one slip, masked like every slip; the screen and the
/// command's answer have the details.
pub fn record_copy_slip(stamp: &SlipStamp, copy: &RecordCopy<'_>) -> Receipt {
    let mut body = vec![BodyLine::row("姓名/Name", mask_name(copy.name))];
    body.extend(identifier_lines(
        "身份证号/ID number",
        copy.id_number.to_string(),
    ));
    if let Some(phone) = copy.phone {
        body.push(BodyLine::row("电话/Phone", phone.to_string()));
    }
    body.push(BodyLine::row(
        "户/Household",
        copy.household_code.to_string(),
    ));
    body.push(BodyLine::Separator);
    if copy.places.is_empty() {
        body.extend(paragraphs(&Text::new(
            "没有报名记录。",
            "No places on record.",
        )));
    }
    for (programme, status) in &copy.places {
        body.push(BodyLine::row("项目/Programme", programme.zh.clone()));
        body.extend(status_rows(status.clone()));
    }
    body.push(BodyLine::Separator);
    body.push(BodyLine::row(
        "出勤/Attended",
        format!("{}次/times", copy.sessions_attended),
    ));
    if let Some(last) = copy.last_attended {
        body.extend(text_rows("最近/Last", &long_date_text(last)));
    }
    if copy.volunteer_minutes > 0 {
        body.push(BodyLine::row(
            "志愿服务/Volunteer",
            format!("{:.1}小时/h", copy.volunteer_minutes as f64 / 60.0),
        ));
    }
    body.push(BodyLine::row(
        "缴费/Payments",
        format!("{} · {}", copy.payments, yuan(copy.paid_fen)),
    ));
    body.push(BodyLine::row("居民卡/Cards", copy.cards.to_string()));
    body.push(BodyLine::Separator);
    body.extend(paragraphs(&Text::new("同意用于：", "Consented to:")));
    if copy.purposes.is_empty() {
        body.extend(paragraphs(&Text::new(
            "（没有同意记录）",
            "(no consent on record)",
        )));
    }
    for purpose in copy.purposes {
        body.extend(purpose_lines(*purpose));
    }
    body.push(BodyLine::Separator);
    body.extend(paragraphs(&Text::new(
        "如有错误，请告诉工作人员更正；更正会被记录。",
        "If anything is wrong, tell the staff: they correct it, and the correction is recorded.",
    )));
    slip(stamp, ReceiptKind::RecordCopy, body)
}

// ---------------------------------------------------------------- shared pieces

/// A purpose of personal data as a listed item: Chinese, then English under it.
fn purpose_lines(purpose: crate::consent::Purpose) -> [BodyLine; 2] {
    let words = purpose.describe();
    [
        BodyLine::paragraph(format!("· {}", words.zh)),
        BodyLine::paragraph(words.en),
    ]
}

/// The title of each kind, in one place so a kind cannot be printed under two names.
fn title(kind: ReceiptKind) -> Text {
    let (zh, en) = match kind {
        ReceiptKind::EnrolmentConfirmation => ("报名确认", "Enrolment confirmation"),
        ReceiptKind::WaitlistSlip => ("轮候凭条", "Waiting-list slip"),
        ReceiptKind::OfferSlip => ("名额保留通知", "Seat offer"),
        ReceiptKind::Cancellation => ("取消回执", "Cancellation"),
        ReceiptKind::FeeReceipt => ("费用凭条", "Fee slip"),
        ReceiptKind::VolunteerClockOut => ("义工签退凭条", "Volunteer clock-out"),
        ReceiptKind::VolunteerCertificate => ("志愿服务证明", "Volunteer service certificate"),
        ReceiptKind::FilingReceipt => ("备案回执", "Filing receipt"),
        ReceiptKind::LedgerSummary => ("经营台账月报", "Monthly ledger summary"),
        ReceiptKind::TestPage => ("打印机测试页", "Printer test page"),
        ReceiptKind::PaymentReceipt => ("收据", "Payment receipt"),
        ReceiptKind::RefundReceipt => ("退款收据", "Refund receipt"),
        ReceiptKind::DailyCashSummary => ("收费日结单", "Daily cash summary"),
        ReceiptKind::DayCareRoute => ("日间照料接送单", "Day-care route list"),
        ReceiptKind::KitchenSlip => ("厨房备餐单", "Kitchen meal list"),
        ReceiptKind::LatePickupSlip => ("晚接记录单", "Late pickup record"),
        ReceiptKind::ConsentSlip => ("个人信息处理同意回执", "Consent receipt"),
        ReceiptKind::RecordCopy => ("个人信息副本", "Copy of your record"),
    };
    Text::new(zh, en)
}

fn slip(stamp: &SlipStamp, kind: ReceiptKind, body: Vec<BodyLine>) -> Receipt {
    Receipt {
        centre_name: stamp.centre_name.clone(),
        title: title(kind),
        kind,
        body,
        issued_at: stamp.issued_at,
        serial: stamp.serial.clone(),
        verification_code: stamp.verification_code.clone(),
        qr_payload: qr_payload(&stamp.serial, &stamp.verification_code),
        privacy_note: PRIVACY_NOTE.to_string(),
        reprint: false,
        demo: false,
    }
}

/// The member as every enrolment slip shows them: the masked name and nothing else.
/// Birth date, ID number and tags stay off paper; the programme says what the slip is for.
fn member_row(member: &Resident) -> BodyLine {
    BodyLine::row("姓名/Name", mask_name(&member.name))
}

/// Programme names are names: Chinese only, as on the notice board.
fn programme_row(programme: &Programme) -> BodyLine {
    BodyLine::row("项目/Programme", programme.name.zh.clone())
}

fn status_rows(label: Text) -> Vec<BodyLine> {
    text_rows("状态/Status", &label)
}

/// A value in both languages: Chinese on the labelled row, English under it. On 58 mm
/// paper values get about 17 columns, where "已确认 / Confirmed" on one row would break
/// at a random space; one language per line always reads. An English part that is empty
/// or the same as the Chinese is not repeated.
fn text_rows(label: &str, text: &Text) -> Vec<BodyLine> {
    let mut rows = vec![BodyLine::row(label, text.zh.clone())];
    if !text.en.is_empty() && text.en != text.zh {
        rows.push(BodyLine::row("", text.en.clone()));
    }
    rows
}

/// An identifier (ID number, filing number) under its label on a line of its own: a
/// wrapped identifier is easily misread, and the full width of the narrowest paper (32
/// columns) holds any of them whole, where a value column (about 17) does not.
fn identifier_lines(label: &str, value: String) -> [BodyLine; 2] {
    [BodyLine::paragraph(label), BodyLine::paragraph(value)]
}

/// Running text, Chinese paragraph first.
fn paragraphs(text: &Text) -> [BodyLine; 2] {
    [
        BodyLine::paragraph(text.zh.clone()),
        BodyLine::paragraph(text.en.clone()),
    ]
}

/// Running text of several lines (split at '\n': paper takes no control characters),
/// every Chinese line first, then every English one, so each language reads whole.
fn line_paragraphs(text: &Text) -> Vec<BodyLine> {
    text.zh
        .lines()
        .chain(text.en.lines())
        .map(BodyLine::paragraph)
        .collect()
}

/// Money as receipts print it: `format_fen`, with its "¥" (U+00A5, not in GBK) swapped
/// for the full-width "￥" the printer has, using the receipt model's own substitution.
fn yuan(fen: i64) -> String {
    format_fen(fen)
        .chars()
        .map(|c| printable_substitute(c).unwrap_or(c))
        .collect()
}

/// The fee as list price, waiver and amount due.
///
/// The waiver is shown as an amount without the tag it was granted for: the tag is the
/// reason (低保, 残疾…), and a tag must not reach paper a child may carry (see
/// [`waitlist_slip`]). `waiver_note` tells the reader where the reason is on record.
fn fee_rows(quote: &FeeQuote, per: FeePeriod) -> Vec<BodyLine> {
    if quote.base_fen == 0 {
        return text_rows("费用/Fee", &Text::new("免费", "Free"));
    }
    let mut rows = text_rows("周期/Period", &per.label());
    rows.push(BodyLine::row("标价/Price", yuan(quote.base_fen)));
    if quote.waived_fen > 0 {
        rows.push(BodyLine::row("减免/Waiver", yuan(-quote.waived_fen)));
    }
    rows.push(BodyLine::row("应付/To pay", yuan(quote.due_fen)));
    rows
}

fn waiver_note(quote: &FeeQuote) -> Vec<BodyLine> {
    if quote.waived_fen == 0 {
        return Vec::new();
    }
    paragraphs(&Text::new(
        "减免依据已在中心登记，如有疑问请询问前台。",
        "The reason for the waiver is on record; ask the front desk if in doubt.",
    ))
    .to_vec()
}

/// Business name and filing number, the two lines a filing and a ledger share.
fn business_rows(business: &ConvenienceBusiness, filing: &Filing) -> Vec<BodyLine> {
    let mut rows = vec![BodyLine::row("名称/Business", business.name.clone())];
    match &filing.filing_number {
        Some(number) => rows.extend(identifier_lines("备案号/Filing No.", number.clone())),
        None => rows.extend(text_rows(
            "备案号/No.",
            &Text::new("尚未分配", "not yet issued"),
        )),
    }
    rows
}

fn filing_next_steps(filing: &Filing) -> Text {
    match filing.status {
        FilingStatus::Draft if filing.history.is_empty() => Text::new(
            "请核对信息后提交备案。",
            "Check the details, then submit the filing.",
        ),
        FilingStatus::Draft => Text::new(
            "请按退回意见补正后重新提交。",
            "Amend as asked, then submit again.",
        ),
        FilingStatus::Submitted => Text::new(
            "已提交社区工作站，审核结果将另行通知。",
            "Submitted to the community workstation; you will be told the outcome.",
        ),
        FilingStatus::Filed => Text::new(
            "请在经营场所公示备案号；每月结束后登记经营台账，利润全部用于社区公益服务。",
            "Display the filing number at the stall. Record the accounts after each month; all profit goes to community services.",
        ),
        FilingStatus::Suspended => Text::new(
            "暂停期间不得经营；整改完成后请申请恢复。",
            "Do not trade while suspended; apply to reinstate once put right.",
        ),
        FilingStatus::Revoked | FilingStatus::Closed => Text::new(
            "本备案已终止；如需继续经营，请重新申请备案。",
            "This filing has ended. To trade again, file a new application.",
        ),
    }
}

/// Why an enrolment ended, in words, from its stable reason code.
fn reason_text(code: Option<&str>) -> Text {
    match code {
        Some(reason::CANCELLED) => Text::new("申请取消", "Cancelled on request"),
        Some(reason::WITHDRAWN) => Text::new("申请退出轮候", "Left the list on request"),
        Some(reason::OFFER_DECLINED) => Text::new("放弃保留的名额", "Offered seat declined"),
        Some(reason::OFFER_EXPIRED) => {
            Text::new("保留名额逾期未确认", "Offer not accepted in time")
        }
        Some(reason::WITHDRAWN_BY_STAFF) => Text::new(
            "工作人员撤回（请向前台了解原因）",
            "Withdrawn by staff (ask at the desk why)",
        ),
        _ => Text::new("已取消", "Cancelled"),
    }
}

/// "2小时30分钟 / 2 h 30 min".
fn duration_text(minutes: u64) -> Text {
    let (hours, rest) = (minutes / 60, minutes % 60);
    match (hours, rest) {
        (0, rest) => Text::new(format!("{rest}分钟"), format!("{rest} min")),
        (hours, 0) => Text::new(format!("{hours}小时"), format!("{hours} h")),
        (hours, rest) => Text::new(
            format!("{hours}小时{rest}分钟"),
            format!("{hours} h {rest} min"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::business::{
        filing_number, record_ledger, standard_categories, FilingAction, LedgerInput, SHOE_REPAIR,
    };
    use crate::eligibility::tests::{d, resident};
    use crate::household::{parse_tags, LOW_INCOME};
    use crate::identity::Phone;
    use crate::programme::tests::after_school;
    use crate::volunteer::{clock_in, ShiftPolicy, ShiftStatus};
    use proptest::prelude::*;

    const CHILD_NAME: &str = "王小明";
    const VOLUNTEER_NAME: &str = "李秀英";
    const PHONE: &str = "13812345678";

    fn at(day: u32, hour: u32, minute: u32) -> NaiveDateTime {
        d(2026, 11, day).and_hms_opt(hour, minute, 0).unwrap()
    }

    fn stamp() -> SlipStamp {
        SlipStamp {
            centre_name: "海华社区服务中心".into(),
            issued_at: at(28, 16, 5),
            serial: "HF01-20261128-0007".into(),
            verification_code: "K7Q2M9".into(),
        }
    }

    /// A low-income child with a phone on file: everything a careless slip could leak.
    fn child() -> Resident {
        let mut child = resident(CHILD_NAME, d(2018, 5, 6), 123, &[LOW_INCOME]);
        child.phone = Some(Phone::parse(PHONE).unwrap());
        child
    }

    fn volunteer() -> Resident {
        resident(VOLUNTEER_NAME, d(1961, 3, 14), 42, &[])
    }

    fn shift(id: &str, who: &Resident, day: u32, minutes: i64, status: ShiftStatus) -> Shift {
        let policy = ShiftPolicy::default();
        let start = at(day, 9, 0);
        let mut shift = clock_in(
            &mut [],
            id,
            who.id_number.as_str(),
            "长者探访",
            start,
            &policy,
        )
        .unwrap()
        .shift;
        shift
            .clock_out(start + chrono::TimeDelta::minutes(minutes), &policy)
            .unwrap();
        match status {
            ShiftStatus::Approved => shift.approve("社工陈", None, at(day, 18, 0)).unwrap(),
            ShiftStatus::Declined => shift.decline("社工陈", "重复签到", at(day, 18, 0)).unwrap(),
            _ => {}
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
        let mut filing = Filing::draft("B-1", "张建国", at(2, 9, 0));
        filing
            .apply(FilingAction::Submit, "张建国", at(2, 9, 5))
            .unwrap();
        let number = filing_number("440306", 2026, 7).unwrap();
        filing
            .apply(
                FilingAction::File {
                    filing_number: number,
                },
                "刘工作站",
                at(3, 10, 0),
            )
            .unwrap();
        filing
    }

    fn ledger(filing: &Filing) -> LedgerEntry {
        let input = LedgerInput {
            month: "2026-10".into(),
            revenue_fen: 320_000,
            cost_fen: 180_050,
            distributed_fen: 0,
        };
        record_ledger(filing, &[], &input, "黄会计", at(2, 10, 0)).unwrap()
    }

    /// One slip of every kind, in `ReceiptKind::ALL` order.
    fn every_slip() -> Vec<Receipt> {
        let programme = after_school();
        let member = child();
        let quote = programme
            .fee
            .quote(&member.tags_on(stamp().issued_at.date()));
        let priority = programme.policy.priority(
            &member.tags_on(at(28, 9, 30).date()),
            true,
            at(28, 9, 30),
            7,
        );
        let lapsed = Enrolment {
            id: "E-1".into(),
            programme_code: programme.code.clone(),
            resident: member.id_number.as_str().into(),
            status: EnrolmentStatus::Cancelled,
            priority: priority.clone(),
            offer_deadline: Some(at(28, 12, 0)),
            updated_at: at(28, 15, 0),
            reason: Some(reason::OFFER_EXPIRED.into()),
        };
        let helper = volunteer();
        let shifts = vec![shift("S-1", &helper, 20, 95, ShiftStatus::Approved)];
        let just_closed = shift("S-2", &helper, 28, 95, ShiftStatus::Pending);
        let filing = filed();
        vec![
            enrolment_confirmation(
                &stamp(),
                &member,
                &programme,
                &quote,
                &crate::calendar::china_2026(),
                stamp().issued_at.date(),
            ),
            waitlist_slip(&stamp(), &member, &programme, &priority, 3),
            offer_slip(&stamp(), &member, &programme, at(30, 18, 0)),
            cancellation(&stamp(), &member, &programme, &lapsed),
            fee_receipt(
                &stamp(),
                &member,
                &programme,
                &quote,
                &crate::calendar::china_2026(),
            ),
            volunteer_clock_out(&stamp(), &helper, &just_closed),
            volunteer_certificate(
                &stamp(),
                &helper,
                &shifts,
                &[],
                d(2026, 1, 1)..=d(2026, 11, 28),
            ),
            filing_receipt(&stamp(), &business(), &filing, &standard_categories()),
            ledger_summary(&stamp(), &business(), &filing, &ledger(&filing)),
            test_page(&stamp(), "Xprinter XP-58 (USB)", "58mm", 32),
            payment_receipt(
                &stamp(),
                &member,
                &programme,
                &half_waived(),
                &paid(),
                &Account {
                    due_fen: 15_000,
                    paid_fen: 10_000,
                },
                "黄会计",
            ),
            refund_receipt(
                &stamp(),
                &member,
                &programme,
                &paid(),
                &refunded(),
                6_000,
                "黄会计",
            ),
            daily_cash_summary(
                &stamp(),
                &crate::fees::daily_summary(d(2026, 11, 28), &[paid(), refunded()]),
                "黄会计",
            ),
            day_care_route(
                &stamp(),
                &programme,
                d(2026, 11, 28),
                &[(helper.clone(), route_leg())],
            ),
            kitchen_slip(
                &stamp(),
                d(2026, 11, 30),
                &[(&lunch_care(), &lunch_day())],
                &[(&member, &peanuts())],
            ),
            late_pickup_slip(
                &stamp(),
                &programme,
                d(2026, 11, 23),
                NaiveTime::from_hms_opt(18, 0, 0).unwrap(),
                &member.name,
                25,
                &[LateCall {
                    at: at(23, 18, 20),
                    contact: "李* (母亲) 138****5678",
                    outcome: Text::new("无人接听", "no answer"),
                }],
            ),
            consent_slip(
                &stamp(),
                &member.name,
                Some("李秀英"),
                &[crate::consent::Purpose::Services].into_iter().collect(),
                crate::consent::NOTICE_VERSION,
                d(2026, 11, 23),
            ),
            record_copy_slip(
                &stamp(),
                &RecordCopy {
                    name: &member.name,
                    id_number: &member.id_number.masked(),
                    phone: None,
                    household_code: &member.household_code,
                    places: vec![(programme.name.clone(), EnrolmentStatus::Confirmed.label())],
                    purposes: &[crate::consent::Purpose::Services].into_iter().collect(),
                    sessions_attended: 12,
                    last_attended: Some(d(2026, 11, 23)),
                    volunteer_minutes: 0,
                    payments: 1,
                    paid_fen: 45_000,
                    cards: 1,
                },
            ),
        ]
    }

    fn route_leg() -> TransportLeg {
        let mut leg = TransportLeg::plan(
            "海滨社区3栋1201",
            chrono::NaiveTime::from_hms_opt(8, 10, 0).unwrap(),
        )
        .unwrap();
        leg.pick_up(at(28, 8, 12)).unwrap();
        leg
    }

    #[test]
    fn the_route_list_masks_the_member_and_stops_the_place_at_the_building() {
        let text = printed(&every_slip()[13]);
        assert!(text.contains("1. 08:10"), "{text}");
        assert!(text.contains("李**"), "{text}");
        assert!(text.contains("海滨社区3栋…"), "{text}");
        assert!(!text.contains("1201"), "{text}");
        assert!(text.contains("08:12 / __:__"), "{text}");
    }

    /// A fee half waived for a tag a slip must not name.
    fn half_waived() -> FeeQuote {
        FeeQuote {
            base_fen: 30_000,
            waived_fen: 15_000,
            due_fen: 15_000,
            waiver_tag: Some("disabled".into()),
        }
    }

    fn paid() -> crate::fees::Payment {
        crate::fees::Payment {
            id: "P-1".into(),
            resident: child().id_number.as_str().into(),
            programme_code: after_school().code,
            period: "term".into(),
            kind: crate::fees::PaymentKind::Payment,
            amount_fen: 10_000,
            method: PaymentMethod::Reference,
            reference: Some("4200001234202611".into()),
            reason: None,
            refunds: None,
            staff: "S001".into(),
            at: at(28, 9, 40),
        }
    }

    fn refunded() -> crate::fees::Payment {
        crate::fees::Payment {
            id: "P-2".into(),
            kind: crate::fees::PaymentKind::Refund,
            amount_fen: 4_000,
            reason: Some("少上两周课".into()),
            refunds: Some("P-1".into()),
            at: at(28, 15, 10),
            ..paid()
        }
    }

    fn lunch_care() -> Programme {
        crate::demo::programmes(d(2026, 11, 23))
            .into_iter()
            .find(|p| p.code == "lunch-care")
            .unwrap()
    }

    fn lunch_day() -> MealDay {
        let day = d(2026, 11, 30);
        let mut inputs = crate::meals::MealInputs {
            enrolled: (0..20).map(|i| format!("C{i}")).collect(),
            ..Default::default()
        };
        inputs
            .absences
            .insert(day, vec![("C1".into(), crate::absence::DayPart::WholeDay)]);
        inputs.recorded.insert(day, 21);
        let calendar = crate::calendar::china_2026();
        crate::meals::meal_days(&lunch_care(), &calendar, &[day], &inputs).remove(0)
    }

    fn peanuts() -> DietaryNeeds {
        DietaryNeeds {
            allergies: vec!["花生".into(), "牛奶".into()],
            diet: Some("清真".into()),
            note: None,
        }
    }

    #[test]
    fn the_payment_receipt_is_a_receipt_with_the_waiver_as_an_amount_and_never_its_tag() {
        let slips = every_slip();
        let receipt = &slips[10];
        assert_eq!(receipt.kind, ReceiptKind::PaymentReceipt);
        assert_eq!(receipt.title.zh, "收据");
        let text = printed(receipt);
        for expected in [
            "王**",
            "减免/Waiver\n-￥150.00",
            "应付/To pay\n￥150.00",
            "实收/Paid\n￥100.00",
            "转账",
            "4200001234202611",
            "尚欠/Owed\n￥50.00",
            "黄**",
        ] {
            assert!(text.contains(expected), "{expected:?} in:\n{text}");
        }
        for secret in ["残疾", "disabled", "Disabled", "不作付款收据"] {
            assert!(!text.contains(secret), "{secret:?} in:\n{text}");
        }
        let refund = printed(&slips[11]);
        assert!(refund.contains("退款/Refund\n￥40.00"), "{refund}");
        assert!(refund.contains("少上两周课"), "{refund}");
        assert!(refund.contains("可再退/Left\n￥60.00"), "{refund}");
        let summary = printed(&slips[12]);
        assert!(summary.contains("现金净额/Net cash\n￥0.00"), "{summary}");
        assert!(summary.contains("1笔 ￥100.00"), "{summary}");
        assert!(summary.contains("合计/Net total\n￥60.00"), "{summary}");
        assert!(
            !summary.contains("王**"),
            "no person on the day's summary: {summary}"
        );
    }

    #[test]
    fn the_kitchen_slip_counts_meals_flags_too_many_and_masks_the_children_with_diets() {
        let slip = every_slip()
            .into_iter()
            .find(|slip| slip.kind == ReceiptKind::KitchenSlip)
            .unwrap();
        let text = printed(&slip);
        assert!(text.contains("19份"), "{text}");
        assert!(text.contains("多于预计人数19人"), "{text}");
        assert!(text.contains("花生过敏：1人"), "{text}");
        assert!(text.contains("清真：1人"), "{text}");
        assert!(text.contains("王**：花生、牛奶过敏；清真"), "{text}");
        assert!(!text.contains(CHILD_NAME), "{text}");
    }

    #[test]
    fn no_slip_a_person_carries_shows_dietary_needs() {
        for slip in every_slip() {
            let text = printed(&slip);
            let shows = text.contains("花生") || text.contains("清真");
            // Only the kitchen's own list; the test page is carried by nobody and
            // names no child.
            assert_eq!(
                shows,
                slip.kind == ReceiptKind::KitchenSlip,
                "{:?}:\n{text}",
                slip.kind
            );
            assert_eq!(
                carried_by_a_person(slip.kind),
                !matches!(slip.kind, ReceiptKind::KitchenSlip | ReceiptKind::TestPage)
            );
        }
    }

    /// Every printed text of a slip, one per line; the empty label of a continuation
    /// row is left out so a value's two languages read as consecutive lines.
    fn printed(receipt: &Receipt) -> String {
        let mut all: Vec<&str> = receipt
            .texts()
            .into_iter()
            .map(|(_, text)| text)
            .filter(|text| !text.is_empty())
            .collect();
        all.push(&receipt.qr_payload);
        all.join("\n")
    }

    #[test]
    fn every_kind_has_a_constructor_and_every_slip_validates() {
        let slips = every_slip();
        let kinds: Vec<ReceiptKind> = slips.iter().map(|slip| slip.kind).collect();
        assert_eq!(kinds, ReceiptKind::ALL);
        for slip in &slips {
            assert_eq!(slip.validate(), vec![], "{:?}", slip.kind);
            assert!(!slip.reprint);
            assert_eq!(slip.serial, stamp().serial);
            assert_eq!(slip.qr_payload, "LINLI1:HF01-20261128-0007:K7Q2M9");
            assert_eq!(slip.privacy_note, PRIVACY_NOTE);
        }
    }

    #[test]
    fn no_slip_prints_a_full_name_id_number_phone_birth_date_or_tag() {
        let child = child();
        let helper = volunteer();
        for slip in every_slip() {
            let text = printed(&slip);
            for secret in [
                CHILD_NAME,
                "小明",
                child.id_number.as_str(),
                "20180506",
                PHONE,
                VOLUNTEER_NAME,
                "秀英",
                helper.id_number.as_str(),
                "19610314",
                // The fixture filing's and ledger's people: staff names are masked too.
                "张建国",
                "刘工作站",
                "黄会计",
                // The child's tag, in any of the words core has for it.
                "低保",
                "Low-income",
                "dibao",
                "low_income",
            ] {
                assert!(
                    !text.contains(secret),
                    "{:?} prints {secret:?}:\n{text}",
                    slip.kind
                );
            }
        }
    }

    #[test]
    fn masked_forms_are_what_the_slips_show() {
        let texts: Vec<String> = every_slip().iter().map(printed).collect();
        assert!(texts[0].contains("王**"));
        assert!(texts[1].contains("138****5678"));
        assert!(texts[6].contains("李**"), "{}", texts[6]);
        assert!(texts[6].contains(&volunteer().id_number.masked()));
        assert!(texts[7].contains("刘***"));
        assert!(texts[8].contains("黄**"));
    }

    #[test]
    fn the_waiting_list_slip_explains_the_place_as_the_screen_does_without_naming_the_group() {
        let programme = after_school();
        let member = child();
        let priority =
            programme
                .policy
                .priority(&member.tags_on(d(2026, 11, 28)), true, at(28, 9, 30), 7);
        let text = printed(&every_slip()[1]);
        assert!(text.contains("第3位\nNo. 3"), "{text}");
        // Line for line the explanation the kiosk shows, Chinese whole then English.
        let screen = programme
            .policy
            .explain(&priority, 3, programme.offer_hours);
        let both = format!("{}\n{}", screen.zh, screen.en);
        assert!(text.contains(&both), "{text}");
        assert!(text.contains("您在第1组（共3组）"), "{text}");
        assert!(text.contains("申请时间：11月28日 09:30"), "{text}");
        assert!(text.contains("保留48小时"), "{text}");
        assert!(text.contains("holds it for you for 48 hours"), "{text}");
        for bucket in &programme.policy.buckets {
            assert!(!text.contains(&bucket.name.zh), "{text}");
        }
    }

    #[test]
    fn the_offer_deadline_has_its_weekday_and_says_it_lapses() {
        let text = printed(&every_slip()[2]);
        assert!(text.contains("11月30日（周一）18:00"), "{text}");
        assert!(text.contains("Mon 30 Nov, 18:00"), "{text}");
        assert!(text.contains("顺延给下一位"), "{text}");
    }

    #[test]
    fn a_cancellation_says_when_and_why_in_words() {
        let text = printed(&every_slip()[3]);
        assert!(text.contains("11月28日 15:00\n28 Nov 15:00"), "{text}");
        assert!(!text.contains("2026-11-28"), "{text}");
        assert!(text.contains("保留名额逾期未确认\nOffer not accepted in time"));
        assert!(!text.contains(reason::OFFER_EXPIRED));
    }

    fn confirmation_on(day: NaiveDate) -> String {
        let programme = after_school();
        let member = child();
        let quote = programme.fee.quote(&member.tags_on(day));
        printed(&enrolment_confirmation(
            &stamp(),
            &member,
            &programme,
            &quote,
            &crate::calendar::china_2026(),
            day,
        ))
    }

    #[test]
    fn a_confirmation_gives_the_first_session_the_member_can_attend() {
        // Mid-term, on a Saturday: the next school day, not the term's 1 September.
        let text = confirmation_on(d(2026, 11, 28));
        assert!(
            text.contains("首次/First\n11月30日（周一）\nMon 30 Nov"),
            "{text}"
        );
        assert!(!text.contains("9月1日"), "{text}");
        assert!(text.contains("2027年1月22日"), "{text}");
        // On the first day of the National Day holiday: the first school day after it.
        let text = confirmation_on(d(2026, 10, 1));
        assert!(text.contains("10月8日（周四）"), "{text}");
        // Before the term: its first day.
        let text = confirmation_on(d(2026, 8, 20));
        assert!(text.contains("9月1日（周二）\nTue 1 Sep"), "{text}");
    }

    #[test]
    fn fee_slips_use_the_full_width_yuan_sign_and_show_the_waiver_amount() {
        let programme = after_school();
        let member = child();
        let waived = programme.fee.quote(&member.tags);
        let full = programme.fee.quote(&parse_tags::<&str>(&[]).unwrap());
        for quote in [&waived, &full] {
            for slip in [
                fee_receipt(
                    &stamp(),
                    &member,
                    &programme,
                    quote,
                    &crate::calendar::china_2026(),
                ),
                enrolment_confirmation(
                    &stamp(),
                    &member,
                    &programme,
                    quote,
                    &crate::calendar::china_2026(),
                    stamp().issued_at.date(),
                ),
            ] {
                let text = printed(&slip);
                assert!(!text.contains('¥'), "{text}");
                assert!(
                    text.contains("每学期\nper term\n标价/Price\n￥300.00"),
                    "{text}"
                );
            }
        }
        let text = printed(&fee_receipt(
            &stamp(),
            &member,
            &programme,
            &waived,
            &crate::calendar::china_2026(),
        ));
        assert!(
            text.contains("-￥300.00") && text.contains("￥0.00"),
            "{text}"
        );
        assert!(text.contains("不作付款收据"), "{text}");
        let text = printed(&fee_receipt(
            &stamp(),
            &member,
            &programme,
            &full,
            &crate::calendar::china_2026(),
        ));
        assert!(!text.contains("减免"), "{text}");
    }

    #[test]
    fn a_free_programme_says_free() {
        let mut programme = after_school();
        programme.fee.amount_fen = 0;
        let quote = programme.fee.quote(&child().tags);
        let text = printed(&fee_receipt(
            &stamp(),
            &child(),
            &programme,
            &quote,
            &crate::calendar::china_2026(),
        ));
        assert!(text.contains("免费\nFree"), "{text}");
        assert!(!text.contains('￥'), "{text}");
    }

    #[test]
    fn the_certificate_counts_only_approved_time_of_this_volunteer_in_the_period() {
        let helper = volunteer();
        let other = resident("赵六", d(1970, 1, 1), 9, &[]);
        let declined = shift("S-4", &helper, 21, 120, ShiftStatus::Declined);
        let shifts = vec![
            shift("S-1", &helper, 20, 95, ShiftStatus::Approved), // rounds down to 90
            shift("S-2", &helper, 21, 60, ShiftStatus::Approved),
            shift("S-3", &helper, 22, 240, ShiftStatus::Pending),
            declined.clone(),
            shift("S-5", &other, 20, 300, ShiftStatus::Approved),
            shift("S-6", &helper, 2, 60, ShiftStatus::Approved), // before the period
        ];
        let period = d(2026, 11, 10)..=d(2026, 11, 28);
        let text = printed(&volunteer_certificate(
            &stamp(),
            &helper,
            &shifts,
            &[],
            period.clone(),
        ));
        assert!(text.contains("2小时30分钟\n2 h 30 min"), "{text}");
        assert!(text.contains("2次\n2 shifts"), "{text}");
        assert!(text.contains("2026年11月10日至2026年11月28日"), "{text}");
        assert!(text.contains("凭校验码或扫描二维码向本中心核验"), "{text}");

        // A correction (here: the declined shift found genuine) counts like approval.
        let correction =
            ShiftCorrection::new(&declined, "C-1", 45, "误拒", "社工陈", at(23, 9, 0)).unwrap();
        let text = printed(&volunteer_certificate(
            &stamp(),
            &helper,
            &shifts,
            &[correction],
            period,
        ));
        assert!(text.contains("3小时15分钟\n3 h 15 min"), "{text}");
        assert!(text.contains("3次\n3 shifts"), "{text}");
    }

    #[test]
    fn a_clock_out_slip_is_marked_as_not_a_certificate() {
        let text = printed(&every_slip()[5]);
        assert!(
            text.contains(
                "本凭条为平台服务记录，不是志愿服务证明\nA platform record, not a volunteer certificate"
            ),
            "{text}"
        );
        assert!(text.contains("1小时30分钟\n1 h 30 min"), "{text}");
        assert!(text.contains("待审核\nAwaiting approval"), "{text}");

        let mut forgotten = shift("S-9", &volunteer(), 20, 60, ShiftStatus::Pending);
        forgotten.clock_out = None;
        forgotten.status = ShiftStatus::NeedsConfirmation;
        let text = printed(&volunteer_clock_out(&stamp(), &volunteer(), &forgotten));
        assert!(text.contains("待社工确认\nto be confirmed"), "{text}");
    }

    #[test]
    fn a_filing_receipt_names_number_category_status_and_next_step() {
        let text = printed(&every_slip()[7]);
        for wanted in [
            "备案-440306-2026-0007",
            "修鞋\nShoe repair",
            "深圳市海华社会工作服务中心",
            "已备案\nfiled",
            "备案于/Filed\n2026年11月3日\n3 Nov 2026",
            "公示备案号",
        ] {
            assert!(text.contains(wanted), "{wanted} missing:\n{text}");
        }
        let draft = Filing::draft("B-1", "张建国", at(2, 9, 0));
        let text = printed(&filing_receipt(&stamp(), &business(), &draft, &[]));
        assert!(
            text.contains("尚未分配") && text.contains("shoe_repair"),
            "{text}"
        );
    }

    #[test]
    fn a_ledger_summary_adds_up_and_a_loss_puts_nothing_in_the_fund() {
        let filing = filed();
        let text = printed(&every_slip()[8]);
        for wanted in [
            "2026年10月\nOct 2026",
            "￥3200.00",
            "￥1800.50",
            "￥1399.50",
        ] {
            assert!(text.contains(wanted), "{wanted} missing:\n{text}");
        }
        let mut loss = ledger(&filing);
        loss.cost_fen = 400_000;
        let text = printed(&ledger_summary(&stamp(), &business(), &filing, &loss));
        assert!(
            text.contains("-￥800.00") && text.contains("￥0.00"),
            "{text}"
        );
        assert!(text.contains("本月亏损"), "{text}");
    }

    #[test]
    fn the_test_page_rulers_are_exactly_as_wide_as_the_paper() {
        for columns in [32, 48] {
            let page = test_page(&stamp(), "spool", "80mm", columns);
            let paragraphs: Vec<&str> = page
                .body
                .iter()
                .filter_map(|line| match line {
                    BodyLine::Paragraph { text } => Some(text.as_str()),
                    _ => None,
                })
                .collect();
            assert_eq!(paragraphs[0].len(), columns);
            assert!(paragraphs[0].starts_with("----+----1----+----2"));
            assert_eq!(paragraphs[1].chars().count() * 2, columns);
            assert!(printed(&page).contains('￥'));
        }
    }

    #[test]
    fn the_privacy_note_breaks_between_its_languages_on_58mm_and_fits_80mm() {
        let columns =
            |text: &str| -> usize { text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum() };
        let (zh, en) = PRIVACY_NOTE.split_once(' ').unwrap();
        assert!(!zh.is_ascii() && en.is_ascii());
        assert!(columns(zh) <= 32 && columns(en) <= 32);
        assert!(columns(zh) + 1 + en.split(' ').next().unwrap().len() > 32);
        assert!(columns(PRIVACY_NOTE) <= 48);
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration_text(0).to_string(), "0分钟 / 0 min");
        assert_eq!(duration_text(120).to_string(), "2小时 / 2 h");
        assert_eq!(duration_text(75).zh, "1小时15分钟");
    }

    #[test]
    fn scanned_payloads_that_are_not_slips_are_refused() {
        assert_eq!(
            parse_qr_payload("LINLI1:HF01-20261128-0007:K7Q2M9\r\n"),
            Some(("HF01-20261128-0007".into(), "K7Q2M9".into()))
        );
        for bad in [
            "",
            "LINLI1:",
            "LINLI1:HF01",
            "LINLI1::K7Q2M9",
            "LINLI1:HF01:",
            "LINLI2:HF01:K7Q2M9",
            "https://example.com/v/HF01",
            "LINLI1:HF 01:K7Q2M9",
            "LINLI1:编号:K7Q2M9",
        ] {
            assert_eq!(parse_qr_payload(bad), None, "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn qr_payloads_round_trip(
            serial in "[A-Z0-9][A-Z0-9:-]{0,23}",
            code in "[0-9A-HJKMNP-TV-Z]{6}",
        ) {
            let payload = qr_payload(&serial, &code);
            prop_assert!(payload.chars().all(|c| c.is_ascii_graphic()));
            prop_assert_eq!(parse_qr_payload(&payload), Some((serial, code)));
        }
    }
}
