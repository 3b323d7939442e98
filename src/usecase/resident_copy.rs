//! A resident's own record on request (`linli resident copy --id ID`, 个人信息保护法
//! 第四十五条): everything the centre holds about them, for them, with the 个人信息副本
//! slip to take home. Their own record as the desk shows it; other people who appear
//! in it (household members, pickup adults, guardians) masked; the slip masked like
//! every slip. Handing it over is audited.

use std::collections::BTreeSet;

use chrono::{NaiveDate, NaiveDateTime};
use linli_core::consent::{Purpose, Relationship};
use linli_core::enrolment::EnrolmentStatus;
use linli_core::identity::mask_name;
use linli_core::receipt::IssuedSlip;
use linli_core::slips::{record_copy_slip, RecordCopy};
use linli_core::Text;
use rusqlite::OptionalExtension;
use serde_json::json;

use super::consents::{on_record, registering, ConsentOnRecord};
use super::load;
use super::resident_record::{record_of, ResidentShown};
use crate::error::AppError;
use crate::print::Printing;
use crate::store::{Actor, Store};

#[derive(Debug, serde::Serialize)]
pub struct MemberOfHousehold {
    /// Masked: another person's name.
    pub name: String,
    pub relationship: Option<Relationship>,
}

#[derive(Debug, serde::Serialize)]
pub struct PaymentHeld {
    pub at: String,
    pub programme_code: String,
    pub period: String,
    pub amount_fen: i64,
    /// payment or refund.
    pub kind: String,
}

#[derive(Debug, serde::Serialize)]
pub struct ResidentCopy {
    pub record: ResidentShown,
    /// The others of the household, masked.
    pub household: Vec<MemberOfHousehold>,
    pub consents: Vec<ConsentOnRecord>,
    pub sessions_attended: usize,
    pub last_attended: Option<NaiveDate>,
    pub day_care_days: usize,
    pub absences_reported: usize,
    pub volunteer_shifts: usize,
    pub volunteer_minutes_approved: i64,
    pub payments: Vec<PaymentHeld>,
    /// Adults who may collect them (or must not), masked: "王* (外婆)".
    pub pickup_adults: Vec<String>,
    /// Dietary needs are on record (health data: shown to the kitchen's staff only).
    pub dietary_needs_held: bool,
    /// How many audit-log entries name them.
    pub audit_entries: usize,
    pub slip: Option<IssuedSlip>,
}

fn count(tx: &rusqlite::Connection, sql: &str, id: &str) -> Result<usize, AppError> {
    let n: i64 = tx.prepare_cached(sql)?.query_row([id], |r| r.get(0))?;
    Ok(n as usize)
}

/// `linli resident copy`: the record, the details held, and the slip.
pub fn copy(
    store: &mut Store,
    actor: &Actor,
    now: NaiveDateTime,
    raw_id: &str,
    printing: Printing,
) -> Result<ResidentCopy, AppError> {
    registering(store, actor, now, |tx| {
        let id = load::parse_id(raw_id, tx.now.date())?;
        let record =
            record_of(tx, &id)?.ok_or_else(|| load::not_found("居民", "resident", &id.masked()))?;
        let own = id.as_str();
        let mut household = Vec::new();
        for member in load::household_members(tx, &record.household_code)? {
            if member.id_number.as_str() == own {
                continue;
            }
            household.push(MemberOfHousehold {
                name: mask_name(&member.name),
                relationship: load::relationship(tx, member.id_number.as_str())?,
            });
        }
        let last_attended: Option<String> = tx
            .prepare_cached("SELECT max(session_date) FROM attendance WHERE resident = ?1")?
            .query_row([own], |r| r.get(0))
            .optional()?
            .flatten();
        let payments: Vec<PaymentHeld> = tx
            .prepare_cached(
                "SELECT at, programme, period, amount_fen, kind FROM payments
                 WHERE resident = ?1 ORDER BY at, id",
            )?
            .query_map([own], |r| {
                Ok(PaymentHeld {
                    at: r.get(0)?,
                    programme_code: r.get(1)?,
                    period: r.get(2)?,
                    amount_fen: r.get(3)?,
                    kind: r.get(4)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        let minutes: i64 = tx
            .prepare_cached(
                "SELECT coalesce(sum(minutes), 0) FROM shifts WHERE volunteer = ?1 AND status = 'approved'",
            )?
            .query_row([own], |r| r.get(0))?;
        let pickup_adults = super::attendance::pickup_list(tx, own)?
            .adults
            .iter()
            .map(|a| format!("{} ({})", mask_name(&a.name), a.relation))
            .collect();
        let subject = id.masked();
        let copy = ResidentCopy {
            household,
            consents: on_record(tx, own)?,
            sessions_attended: count(
                tx,
                "SELECT count(*) FROM attendance WHERE resident = ?1",
                own,
            )?,
            last_attended: last_attended
                .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()),
            day_care_days: count(
                tx,
                "SELECT count(*) FROM day_care_days WHERE resident = ?1",
                own,
            )?,
            absences_reported: count(tx, "SELECT count(*) FROM absences WHERE resident = ?1", own)?,
            volunteer_shifts: count(tx, "SELECT count(*) FROM shifts WHERE volunteer = ?1", own)?,
            volunteer_minutes_approved: minutes,
            payments,
            pickup_adults,
            dietary_needs_held: count(
                tx,
                "SELECT count(*) FROM dietary_needs WHERE resident = ?1",
                own,
            )? > 0,
            audit_entries: count(
                tx,
                "SELECT count(*) FROM audit_log WHERE subject = ?1",
                &subject,
            )?,
            record,
            slip: None,
        };
        let purposes: BTreeSet<Purpose> = copy.record.purposes.iter().copied().collect();
        let places: Vec<(Text, Text)> = copy
            .record
            .places
            .iter()
            .map(|p| {
                let status = serde_json::from_value::<EnrolmentStatus>(json!(p.status))
                    .map(EnrolmentStatus::label)
                    .unwrap_or_else(|_| Text::new(&p.status, &p.status));
                (p.programme.clone(), status)
            })
            .collect();
        let paid_fen = copy
            .payments
            .iter()
            .map(|p| {
                if p.kind == "refund" {
                    -p.amount_fen
                } else {
                    p.amount_fen
                }
            })
            .sum();
        let slip = crate::print::issue(tx, printing, &format!("副本 {subject}"), |stamp| {
            record_copy_slip(
                stamp,
                &RecordCopy {
                    name: &copy.record.name,
                    id_number: &copy.record.id_number,
                    phone: copy.record.phone.as_deref(),
                    household_code: &copy.record.household_code,
                    places,
                    purposes: &purposes,
                    sessions_attended: copy.sessions_attended,
                    last_attended: copy.last_attended,
                    volunteer_minutes: copy.volunteer_minutes_approved,
                    payments: copy.payments.len(),
                    paid_fen,
                    cards: copy.record.cards_in_use,
                },
            )
        })?;
        tx.audit(
            "record_copy_given",
            &subject,
            json!({"serial": slip.as_ref().map(|s| s.serial.clone())}),
        );
        Ok(ResidentCopy { slip, ..copy })
    })
}
