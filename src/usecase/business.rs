//! Convenience businesses (社区商业服务): their 备案 filing and monthly ledgers.

use chrono::Datelike;
use linli_core::business::{
    filing_number, record_ledger, standard_categories, ConvenienceBusiness, Filing, FilingAction,
    LedgerEntry, LedgerInput,
};
use rusqlite::OptionalExtension;
use serde_json::json;

use linli_core::slips;
use linli_core::staff::Permission;
use linli_core::text;

use super::load;
use crate::clock;
use crate::error::AppError;
use crate::print::{self, Printing};
use crate::store::Tx;

#[derive(serde::Serialize, serde::Deserialize)]
struct Stored {
    business: ConvenienceBusiness,
    filing: Filing,
}

fn load_business(tx: &Tx<'_>, code: &str) -> Result<(ConvenienceBusiness, Filing), AppError> {
    let body: String = tx
        .query_row("SELECT body FROM businesses WHERE code = ?1", [code], |r| {
            r.get(0)
        })
        .optional()?
        .ok_or_else(|| load::not_found("便民服务", "business", code))?;
    let stored: Stored = serde_json::from_str(&body).map_err(|e| {
        AppError::from(rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            Box::new(e),
        ))
    })?;
    Ok((stored.business, stored.filing))
}

fn save_business(
    tx: &mut Tx<'_>,
    business: &ConvenienceBusiness,
    filing: &Filing,
) -> Result<(), AppError> {
    let body = serde_json::to_string(&json!({"business": business, "filing": filing}))
        .expect("business serialises");
    tx.execute(
        "INSERT INTO businesses (code, name, category, filing_status, filing_number, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(code) DO UPDATE SET name = excluded.name, category = excluded.category,
             filing_status = excluded.filing_status, filing_number = excluded.filing_number, body = excluded.body",
        (&business.code, &business.name, &business.category, filing.status.as_str(), &filing.filing_number, body),
    )?;
    Ok(())
}

/// Registers a business as a draft filing.
pub fn register_business(
    tx: &mut Tx<'_>,
    business: ConvenienceBusiness,
) -> Result<Filing, AppError> {
    tx.authorise(Permission::FileBusinesses)?;
    for (field, what, value, max) in [
        ("name", ("名称", "name"), &business.name, text::LABEL_CHARS),
        (
            "operator",
            ("经营者", "operator"),
            &business.operator,
            text::LABEL_CHARS,
        ),
        (
            "stall",
            ("经营场所", "stall"),
            &business.stall,
            text::LABEL_CHARS,
        ),
    ] {
        text::checked(field, what, value, max)?;
    }
    for employee in &business.employees {
        text::checked(
            "employee",
            ("从业人员姓名", "employee's name"),
            &employee.name,
            text::NAME_CHARS,
        )?;
    }
    business.validate(&standard_categories())?;
    let exists: bool = tx
        .query_row(
            "SELECT 1 FROM businesses WHERE code = ?1",
            [&business.code],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if exists {
        return Err(crate::error::Refused::new(
            "duplicate",
            linli_core::Text::new("编号已被使用", "code already in use"),
            vec![linli_core::Text::new(
                format!("便民服务编号「{}」已登记", business.code),
                format!(
                    "a business with code \"{}\" is already registered",
                    business.code
                ),
            )],
        )
        .into());
    }
    let filing = Filing::draft(&business.code, tx.actor.name(), tx.now);
    save_business(tx, &business, &filing)?;
    tx.emit(filing.to_event());
    tx.audit(
        "business_registered",
        &business.code,
        json!({"category": business.category, "employees": business.employees.len()}),
    );
    Ok(filing)
}

/// Moves a filing through its states. `File` takes the next number of the year.
/// Moves a filing on (submit, file, reject…); the operator takes home a 备案回执
/// showing where the filing now stands.
pub fn act_on_filing(
    tx: &mut Tx<'_>,
    code: &str,
    action: FilingAction,
    printing: Printing,
) -> Result<Filing, AppError> {
    tx.authorise(Permission::FileBusinesses)?;
    if let FilingAction::ReturnForAmendment { reason }
    | FilingAction::Suspend { reason }
    | FilingAction::Revoke { reason }
    | FilingAction::Close { reason } = &action
    {
        text::checked("reason", ("原因", "reason"), reason, text::NOTE_CHARS)?;
    }
    let (business, mut filing) = load_business(tx, code)?;
    let action = match action {
        FilingAction::File {
            filing_number: number,
        } if number.is_empty() => {
            let district: String = tx
                .query_row(
                    "SELECT value FROM settings WHERE key = 'district_code'",
                    [],
                    |r| r.get(0),
                )
                .optional()?
                .unwrap_or_default();
            let year = tx.now.year();
            let prefix = format!("%{district}-{year}-%");
            let taken: u32 = tx.query_row(
                "SELECT count(*) FROM businesses WHERE filing_number LIKE ?1",
                [&prefix],
                |r| r.get(0),
            )?;
            FilingAction::File {
                filing_number: filing_number(&district, year, taken + 1)?,
            }
        }
        other => other,
    };
    let by = tx.actor.name().to_string();
    filing.apply(action, &by, tx.now)?;
    save_business(tx, &business, &filing)?;
    tx.emit(filing.to_event());
    tx.audit(
        "filing_changed",
        code,
        json!({"status": filing.status.as_str(), "filing_number": filing.filing_number}),
    );
    let categories = standard_categories();
    print::issue(tx, printing, code, |stamp| {
        slips::filing_receipt(stamp, &business, &filing, &categories)
    })?;
    Ok(filing)
}

/// Records a month's ledger; the operator takes home the month's summary.
pub fn record_month(
    tx: &mut Tx<'_>,
    code: &str,
    input: &LedgerInput,
    printing: Printing,
) -> Result<LedgerEntry, AppError> {
    tx.authorise(Permission::RecordLedgers)?;
    let (business, filing) = load_business(tx, code)?;
    let existing: Vec<LedgerEntry> = {
        let mut stmt = tx.prepare("SELECT month, revenue_fen, cost_fen, recorded_at FROM ledgers WHERE business_code = ?1")?;
        let rows = stmt.query_map([code], |r| {
            Ok(LedgerEntry {
                business_code: code.to_string(),
                month: r.get(0)?,
                revenue_fen: r.get(1)?,
                cost_fen: r.get(2)?,
                recorded_by: String::new(),
                recorded_at: clock::from_db(&r.get::<_, String>(3)?).unwrap_or_default(),
            })
        })?;
        rows.collect::<Result<Vec<_>, _>>()?
    };
    let by = tx.actor.name().to_string();
    let entry = record_ledger(&filing, &existing, input, &by, tx.now)?;
    tx.execute(
        "INSERT INTO ledgers (business_code, month, revenue_fen, cost_fen, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        (code, &entry.month, entry.revenue_fen, entry.cost_fen, clock::to_db(tx.now)),
    )?;
    tx.emit(entry.to_event());
    tx.audit(
        "ledger_recorded",
        code,
        json!({"month": entry.month, "profit_fen": entry.profit_fen()}),
    );
    print::issue(tx, printing, code, |stamp| {
        slips::ledger_summary(stamp, &business, &filing, &entry)
    })?;
    Ok(entry)
}
