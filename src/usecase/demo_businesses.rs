//! The demo centre's convenience businesses: two filed, with three months of accounts
//! recorded as an operator would, through the real filing and ledger use-cases.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use linli_core::business::{
    ConvenienceBusiness, Employee, FilingAction, LedgerInput, SHOE_REPAIR, WELFARE_LOTTERY,
};

use super::business::{act_on_filing, record_month, register_business};
use super::households::ResidentRow;
use crate::error::AppError;
use crate::print::Printing;
use crate::store::{Actor, Tx};

fn month_before(date: NaiveDate, months_back: u32) -> String {
    let mut year = date.year();
    let mut month = date.month() as i32 - months_back as i32;
    while month < 1 {
        month += 12;
        year -= 1;
    }
    format!("{year:04}-{month:02}")
}

/// When the demo records a month's accounts: a few days after the month ended, as
/// an operator would, but never later than now (the first of a month is also a day
/// the demo must seed on).
fn demo_ledger_day(month_start_after: NaiveDate, now: NaiveDateTime) -> NaiveDateTime {
    let typical = month_start_after
        .and_hms_opt(10, 0, 0)
        .expect("10:00 exists")
        + Duration::days(2);
    typical.min(now)
}

/// The first day of the month after "YYYY-MM".
fn first_of_next_month(month: &str) -> NaiveDate {
    let start = linli_core::business::parse_month(month).expect("the demo's months are valid");
    let (year, month) = if start.month() == 12 {
        (start.year() + 1, 1)
    } else {
        (start.year(), start.month() + 1)
    };
    NaiveDate::from_ymd_opt(year, month, 1).expect("the first of a month exists")
}

/// Two filed businesses with three months of accounts, for the demo centre, inside
/// the demo's one transaction (`tx.now` is moved to each step's time and back), done
/// by `operator` (the demo's manager, standing in for the community workstation).
pub fn seed(tx: &mut Tx<'_>, people: &[ResidentRow], operator: Actor) -> Result<(), AppError> {
    let now = tx.now;
    let today = now.date();
    let adults: Vec<&ResidentRow> = people
        .iter()
        .filter(|p| {
            (25..=55).contains(&linli_core::household::age_on(
                p.id_number.birth_date(),
                today,
            ))
        })
        .skip(40)
        .step_by(31)
        .take(3)
        .collect();
    let employee = |row: &ResidentRow, laid_off: bool| {
        Employee::new(
            &row.name,
            row.id_number.as_str(),
            laid_off,
            today - Duration::days(400),
            today,
        )
    };
    let businesses = [
        ConvenienceBusiness {
            code: "HF-B01".into(),
            name: "海富社区福利彩票销售点".into(),
            category: WELFARE_LOTTERY.into(),
            operator: "海富社区服务中心".into(),
            stall: "服务中心一楼东侧".into(),
            employees: adults
                .iter()
                .take(1)
                .map(|r| employee(r, true))
                .collect::<Result<_, _>>()?,
        },
        ConvenienceBusiness {
            code: "HF-B02".into(),
            name: "便民修鞋配钥匙".into(),
            category: SHOE_REPAIR.into(),
            operator: "海富社区服务中心".into(),
            stall: "服务中心门口便民亭".into(),
            employees: adults
                .iter()
                .skip(1)
                .map(|r| employee(r, false))
                .collect::<Result<_, _>>()?,
        },
    ];
    let actor = std::mem::replace(&mut tx.actor, operator);
    for (i, business) in businesses.into_iter().enumerate() {
        let code = business.code.clone();
        tx.now = now - Duration::days(120);
        register_business(tx, business)?;
        act_on_filing(tx, &code, FilingAction::Submit, Printing::Skip)?;
        tx.now = now - Duration::days(110);
        act_on_filing(
            tx,
            &code,
            FilingAction::File {
                filing_number: String::new(),
            },
            Printing::Skip,
        )?;
        for back in (1..=3u32).rev() {
            let month = month_before(today, back);
            tx.now = demo_ledger_day(first_of_next_month(&month), now);
            let input = LedgerInput {
                month,
                revenue_fen: 1_200_000 + 150_000 * i64::from(back) + 400_000 * i as i64,
                cost_fen: 900_000 + 50_000 * i64::from(back),
                distributed_fen: 0,
            };
            record_month(tx, &code, &input, Printing::Skip)?;
        }
    }
    tx.now = now;
    tx.actor = actor;
    Ok(())
}
