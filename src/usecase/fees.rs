//! 收费: taking a programme's fee at the desk (cash, or a transfer named by its
//! reference), refunds with a reason, and the day's cash summary with its export.
//! Core decides what is due and what may be taken or given back (`linli_core::fees`);
//! each use-case here is one transaction: the record, its audit entry, its outbox
//! event and its slip.

use chrono::NaiveDate;
use linli_core::fees::{
    self, check_payment, check_reference, check_refund, period_key, Account, DailySummary, Payment,
    PaymentKind, PaymentMethod,
};
use linli_core::identity::{mask_id_number, mask_name};
use linli_core::outbox::EventPayload;
use linli_core::programme::FeeQuote;
use linli_core::slips;
use linli_core::staff::Permission;
use linli_core::table::Table;
use linli_core::Text;
use serde::Serialize;
use serde_json::json;

use super::load;
use crate::clock;
use crate::error::AppError;
use crate::print::{self, Printing};
use crate::store::{Store, Tx};

/// A payment taken: the record, what the fee was (with any waiver as an amount) and
/// where the account stands after it.
#[derive(Clone, Debug, Serialize)]
pub struct Paid {
    pub payment: Payment,
    pub quote: FeeQuote,
    pub account: Account,
    pub outstanding_fen: i64,
}

/// A refund given: the record, the payment it came from, and what of that payment can
/// still be given back.
#[derive(Clone, Debug, Serialize)]
pub struct Refunded {
    pub refund: Payment,
    pub original: Payment,
    pub left_fen: i64,
}

fn payment_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Payment> {
    let text = |i: usize| row.get::<_, String>(i);
    let bad = |i: usize, what: &str| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Text,
            format!("not a payment {what}").into(),
        )
    };
    Ok(Payment {
        id: text(0)?,
        resident: text(1)?,
        programme_code: text(2)?,
        period: text(3)?,
        kind: PaymentKind::parse(&text(4)?).ok_or_else(|| bad(4, "kind"))?,
        amount_fen: row.get(5)?,
        method: PaymentMethod::parse(&text(6)?).ok_or_else(|| bad(6, "method"))?,
        reference: row.get(7)?,
        reason: row.get(8)?,
        refunds: row.get(9)?,
        staff: text(10)?,
        at: clock::from_db(&text(11)?).ok_or_else(|| bad(11, "time"))?,
    })
}

const PAYMENT_COLUMNS: &str =
    "id, resident, programme, period, kind, amount_fen, method, reference, reason, refunds, staff, at";

fn payments_where(
    tx: &Tx<'_>,
    condition: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<Payment>, AppError> {
    let mut stmt = tx.prepare(&format!(
        "SELECT {PAYMENT_COLUMNS} FROM payments WHERE {condition} ORDER BY at, rowid"
    ))?;
    let rows = stmt.query_map(params, payment_from_row)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Where `person`'s account for `programme` stands today: the fee with any waiver for
/// their tags on the day, the fee period, and what was paid in it.
fn standing(
    tx: &Tx<'_>,
    person: &linli_core::household::Resident,
    programme: &linli_core::programme::Programme,
) -> Result<(FeeQuote, String, Account), AppError> {
    let today = tx.now.date();
    let quote = programme.fee.quote(&person.tags_on(today));
    let period = period_key(programme.fee.per, today);
    let records = payments_where(
        tx,
        "resident = ?1 AND programme = ?2 AND period = ?3",
        (person.id_number.as_str(), &programme.code, &period),
    )?;
    let account = Account::of(quote.due_fen, &records);
    Ok((quote, period, account))
}

fn insert(tx: &mut Tx<'_>, p: &Payment, due_fen: i64) -> Result<(), AppError> {
    tx.execute(
        &format!("INSERT INTO payments ({PAYMENT_COLUMNS}, due_fen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"),
        rusqlite::params![
            p.id,
            p.resident,
            p.programme_code,
            p.period,
            p.kind.as_str(),
            p.amount_fen,
            p.method.as_str(),
            p.reference,
            p.reason,
            p.refunds,
            p.staff,
            clock::to_db(p.at),
            due_fen,
        ],
    )?;
    tx.emit(EventPayload::PaymentRecorded {
        payment_id: p.id.clone(),
        programme_code: p.programme_code.clone(),
        resident_id_number: p.resident.clone(),
        period: p.period.clone(),
        kind: p.kind.as_str().into(),
        amount_fen: p.amount_fen,
        method: p.method.as_str().into(),
        reference: p.reference.clone(),
        reason: p.reason.clone(),
        refunds: p.refunds.clone(),
        staff: p.staff.clone(),
    });
    Ok(())
}

/// 收费: takes `amount_fen` of `resident`'s fee for `programme` for the current fee
/// period (`fees::period_key`), at most what is still owed after any waiver, and
/// issues the 收据. `reference` is required for `PaymentMethod::Reference`, refused
/// for cash.
pub fn pay(
    tx: &mut Tx<'_>,
    resident: &str,
    programme: &str,
    amount_fen: i64,
    method: PaymentMethod,
    reference: Option<&str>,
    printing: Printing,
) -> Result<Paid, AppError> {
    let staff = tx.authorise(Permission::RecordFees)?;
    let reference = check_reference(method, reference)?;
    let person = load::resident(tx, resident)?
        .ok_or_else(|| load::not_found("居民", "resident", &mask_id_number(resident)))?;
    let planned = load::programme(tx, programme)?
        .ok_or_else(|| load::not_found("服务项目", "programme", programme))?;
    // A fee is paid for a seat: only a confirmed enrolment owes one.
    super::roster::refuse_unless_confirmed(
        tx,
        &planned,
        resident,
        Text::new("不能收费", "cannot take the fee"),
        Text::new(
            "，无需缴费；请核对居民和项目",
            ", so no fee is due; check the resident and the programme",
        ),
    )?;
    let (quote, period, before) = standing(tx, &person, &planned)?;
    check_payment(&before, amount_fen)?;
    let payment = Payment {
        id: uuid::Uuid::now_v7().to_string(),
        resident: resident.to_string(),
        programme_code: programme.to_string(),
        period,
        kind: PaymentKind::Payment,
        amount_fen,
        method,
        reference,
        reason: None,
        refunds: None,
        staff: staff.code.clone(),
        at: tx.now,
    };
    insert(tx, &payment, quote.due_fen)?;
    let account = Account {
        due_fen: before.due_fen,
        paid_fen: before.paid_fen + amount_fen,
    };
    tx.audit(
        "fee_paid",
        &mask_id_number(resident),
        json!({
            "payment": payment.id,
            "programme": programme,
            "period": payment.period,
            "amount_fen": amount_fen,
            "method": method.as_str(),
            "waived_fen": quote.waived_fen,
        }),
    );
    print::issue(tx, printing, &mask_id_number(resident), |stamp| {
        slips::payment_receipt(
            stamp,
            &person,
            &planned,
            &quote,
            &payment,
            &account,
            &staff.name,
        )
    })?;
    Ok(Paid {
        outstanding_fen: account.outstanding_fen(),
        payment,
        quote,
        account,
    })
}

/// 退费: gives `amount_fen` back from the payment `payment_id` (the id `pay` returned
/// and the receipt's record carries), at most what is left of it, with a reason; the
/// money goes back by the payment's own method and reference. Issues the 退款收据.
pub fn refund(
    tx: &mut Tx<'_>,
    payment_id: &str,
    amount_fen: i64,
    reason: &str,
    printing: Printing,
) -> Result<Refunded, AppError> {
    let staff = tx.authorise(Permission::RecordFees)?;
    let original = payments_where(tx, "id = ?1", [payment_id])?
        .into_iter()
        .next()
        .ok_or_else(|| load::not_found("收款记录", "payment", payment_id))?;
    let refunded_fen: i64 = payments_where(tx, "refunds = ?1", [payment_id])?
        .iter()
        .map(|r| r.amount_fen)
        .sum();
    let reason = check_refund(&original, refunded_fen, amount_fen, reason)?;
    let person = load::resident(tx, &original.resident)?
        .ok_or_else(|| load::not_found("居民", "resident", &mask_id_number(&original.resident)))?;
    let planned = load::programme(tx, &original.programme_code)?
        .ok_or_else(|| load::not_found("服务项目", "programme", &original.programme_code))?;
    let refund = Payment {
        id: uuid::Uuid::now_v7().to_string(),
        kind: PaymentKind::Refund,
        amount_fen,
        reason: Some(reason),
        refunds: Some(original.id.clone()),
        staff: staff.code.clone(),
        at: tx.now,
        ..original.clone()
    };
    let due_fen: i64 = tx.query_row(
        "SELECT due_fen FROM payments WHERE id = ?1",
        [payment_id],
        |r| r.get(0),
    )?;
    insert(tx, &refund, due_fen)?;
    let left_fen = original.amount_fen - refunded_fen - amount_fen;
    tx.audit(
        "fee_refunded",
        &mask_id_number(&original.resident),
        json!({
            "refund": refund.id,
            "payment": original.id,
            "amount_fen": amount_fen,
            "reason": refund.reason,
        }),
    );
    print::issue(tx, printing, &mask_id_number(&original.resident), |stamp| {
        slips::refund_receipt(
            stamp,
            &person,
            &planned,
            &original,
            &refund,
            left_fen,
            &staff.name,
        )
    })?;
    Ok(Refunded {
        refund,
        original,
        left_fen,
    })
}

/// 日结: the day's takings and refunds by method (`fees::daily_summary`); with
/// `Printing::Queue` the 收费日结单 is printed. Looking is audited: the day's money is
/// staff business.
pub fn daily_summary(
    tx: &mut Tx<'_>,
    date: NaiveDate,
    printing: Printing,
) -> Result<DailySummary, AppError> {
    Ok(summarised_day(tx, date, printing)?.0)
}

/// The day's records and their summary, read once: the look audited, the slip issued
/// with `Printing::Queue`.
fn summarised_day(
    tx: &mut Tx<'_>,
    date: NaiveDate,
    printing: Printing,
) -> Result<(DailySummary, Vec<Payment>), AppError> {
    let staff = tx.authorise(Permission::RecordFees)?;
    let from = clock::to_db(clock::at(date, 0, 0));
    let until = clock::to_db(clock::at(date + chrono::Duration::days(1), 0, 0));
    let records = payments_where(tx, "at >= ?1 AND at < ?2", (&from, &until))?;
    let summary = fees::daily_summary(date, &records);
    tx.audit(
        "fee_summary",
        &date.to_string(),
        json!({"net_cash_fen": summary.net_cash_fen, "net_fen": summary.net_fen}),
    );
    print::issue(tx, printing, &date.to_string(), |stamp| {
        slips::daily_cash_summary(stamp, &summary, &staff.name)
    })?;
    Ok((summary, records))
}

/// The summary as an export table: one row per method and a total, amounts in fen
/// (whole numbers a spreadsheet sums exactly), no person in it.
pub fn summary_table(summary: &DailySummary) -> Table {
    let row = |method: &str, t: &fees::MethodTotals| {
        vec![
            json!(summary.date.to_string()),
            json!(method),
            json!(t.payments),
            json!(t.paid_fen),
            json!(t.refunds),
            json!(t.refunded_fen),
            json!(t.net_fen()),
        ]
    };
    let total = fees::MethodTotals {
        payments: summary.cash.payments + summary.reference.payments,
        paid_fen: summary.cash.paid_fen + summary.reference.paid_fen,
        refunds: summary.cash.refunds + summary.reference.refunds,
        refunded_fen: summary.cash.refunded_fen + summary.reference.refunded_fen,
    };
    Table {
        columns: vec![
            "date",
            "method",
            "payments",
            "paid_fen",
            "refunds",
            "refunded_fen",
            "net_fen",
        ],
        rows: vec![
            row("cash", &summary.cash),
            row("reference", &summary.reference),
            row("total", &total),
        ],
    }
}

/// The summary as a CSV file Excel opens as it is: UTF-8 with a byte-order mark (or
/// Excel reads it in the system's code page) and CRLF line ends.
pub fn summary_csv(summary: &DailySummary) -> String {
    let csv = summary_table(summary).to_csv();
    format!("\u{feff}{}", csv.replace('\n', "\r\n"))
}

/// One programme a resident has a seat in and a fee for, this fee period: the fee
/// with any waiver (core's `FeeQuote`), and what was paid against it.
#[derive(Clone, Debug, Serialize)]
pub struct FeeAccount {
    pub programme_code: String,
    pub programme_name: Text,
    pub period: String,
    pub quote: FeeQuote,
    pub account: Account,
    pub outstanding_fen: i64,
}

/// A payment or a refund as the desk lists it, with what of a payment can still be
/// given back.
#[derive(Clone, Debug, Serialize)]
pub struct PaymentLine {
    pub payment: Payment,
    pub resident_masked: String,
    pub name_masked: String,
    pub programme_name: Text,
    /// What of a payment is left to refund; 0 for a refund.
    pub refundable_fen: i64,
}

/// What one resident owes and paid: each programme's account this period, and their
/// payments and refunds, newest first.
#[derive(Clone, Debug, Serialize)]
pub struct ResidentFees {
    pub resident_masked: String,
    pub accounts: Vec<FeeAccount>,
    pub payments: Vec<PaymentLine>,
}

/// How many of a resident's payments the desk lists (the newest).
pub const LISTED_PAYMENTS: usize = 20;

fn lines(tx: &Tx<'_>, records: Vec<Payment>) -> Result<Vec<PaymentLine>, AppError> {
    let mut listed = Vec::with_capacity(records.len());
    for payment in records {
        let refunded: i64 = tx.query_row(
            "SELECT coalesce(sum(amount_fen), 0) FROM payments WHERE refunds = ?1",
            [&payment.id],
            |r| r.get(0),
        )?;
        let name = load::resident(tx, &payment.resident)?
            .map(|r| mask_name(&r.name))
            .unwrap_or_default();
        let programme_name = load::programme(tx, &payment.programme_code)?
            .map(|p| p.name)
            .unwrap_or_else(|| Text::new(&payment.programme_code, &payment.programme_code));
        listed.push(PaymentLine {
            refundable_fen: match payment.kind {
                PaymentKind::Payment => payment.amount_fen - refunded,
                PaymentKind::Refund => 0,
            },
            resident_masked: mask_id_number(&payment.resident),
            name_masked: name,
            programme_name,
            payment,
        });
    }
    Ok(listed)
}

/// 收费 for one resident: every programme they hold a confirmed seat in whose list
/// price is not nothing, with this period's fee after waivers and what is still owed,
/// and their latest payments. A read, checked like a payment.
pub fn resident_fees(tx: &mut Tx<'_>, resident: &str) -> Result<ResidentFees, AppError> {
    tx.authorise(Permission::RecordFees)?;
    let person = load::resident(tx, resident)?
        .ok_or_else(|| load::not_found("居民", "resident", &mask_id_number(resident)))?;
    let codes: Vec<String> = tx
        .prepare(
            "SELECT programme_code FROM enrolments WHERE resident = ?1 AND status = 'confirmed'
              ORDER BY programme_code",
        )?
        .query_map([resident], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut accounts = Vec::new();
    for code in codes {
        let Some(programme) = load::programme(tx, &code)? else {
            continue;
        };
        if programme.fee.amount_fen == 0 {
            continue;
        }
        let (quote, period, account) = standing(tx, &person, &programme)?;
        accounts.push(FeeAccount {
            programme_code: code,
            programme_name: programme.name,
            period,
            quote,
            outstanding_fen: account.outstanding_fen(),
            account,
        });
    }
    let mut records = payments_where(tx, "resident = ?1", [resident])?;
    records.reverse();
    records.truncate(LISTED_PAYMENTS);
    Ok(ResidentFees {
        resident_masked: mask_id_number(resident),
        accounts,
        payments: lines(tx, records)?,
    })
}

/// The day's payments and refunds in the order taken, with the day's summary (whose
/// look is audited by [`daily_summary`]).
pub fn day_payments(
    tx: &mut Tx<'_>,
    date: NaiveDate,
) -> Result<(DailySummary, Vec<PaymentLine>), AppError> {
    let (summary, records) = summarised_day(tx, date, Printing::Skip)?;
    Ok((summary, lines(tx, records)?))
}

/// The day's summary saved as `exports/fees-summary-DATE.csv` in the data directory
/// (for a USB stick or the office's spreadsheet), whole or not at all, and audited.
pub fn export_summary(
    store: &mut Store,
    actor: &crate::store::Actor,
    date: NaiveDate,
) -> Result<std::path::PathBuf, AppError> {
    let dir = store.data_dir().join("exports");
    store.write(actor, clock::now(), |tx| {
        let summary = daily_summary(tx, date, Printing::Skip)?;
        let name = format!("fees-summary-{date}.csv");
        let path = crate::disk::write_whole(&dir, &name, summary_csv(&summary).as_bytes(), 0o640)
            .map_err(|e| crate::error::StoreError::from_file_write(&dir, e))?;
        tx.audit(
            "fee_summary_exported",
            &date.to_string(),
            json!({"file": name, "net_fen": summary.net_fen}),
        );
        Ok(path)
    })
}
