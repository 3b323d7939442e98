//! Consents on record (`linli consent record|show`): what a resident's data may be
//! used for, who consented (a guardian for a child under 14) and to which version of
//! the notice. The newest consent of a resident is the one in force; older ones stay,
//! as the record of what was agreed when.

use std::collections::BTreeSet;

use chrono::NaiveDateTime;
use linli_core::consent::{self, Purpose};
use linli_core::household::age_on;
use linli_core::identity::mask_id_number;
use rusqlite::Connection;
use serde_json::{json, Value};

use super::household_desk::{registering, write_consent, Consent};
use super::load;
use crate::error::AppError;
use crate::store::{Actor, Store};

/// The purposes in force for a resident: their newest consent's; none without one.
pub fn purposes_of(conn: &Connection, id_number: &str) -> Result<BTreeSet<Purpose>, AppError> {
    let newest: Option<String> = rusqlite::OptionalExtension::optional(
        conn.prepare_cached(
            "SELECT purposes FROM consents WHERE resident = ?1 ORDER BY id DESC LIMIT 1",
        )?
        .query_row([id_number], |r| r.get(0)),
    )?;
    Ok(newest
        .unwrap_or_default()
        .split(';')
        .filter_map(|p| Purpose::parse(p).ok())
        .collect())
}

/// Whether the resident's data may be used for `purpose`: a purpose not consented to
/// is not used.
pub fn permits(conn: &Connection, id_number: &str, purpose: Purpose) -> Result<bool, AppError> {
    Ok(purposes_of(conn, id_number)?.contains(&purpose))
}

/// `linli consent record`: a new consent, replacing the one in force.
pub fn record(
    store: &mut Store,
    actor: &Actor,
    now: NaiveDateTime,
    resident: &str,
    guardian: Option<&str>,
    purposes: &[String],
    notice_version: Option<&str>,
) -> Result<Value, AppError> {
    registering(store, actor, now, |tx| {
        let today = tx.now.date();
        let id = load::parse_id(resident, today)?;
        let person = load::resident(tx, id.as_str())?
            .ok_or_else(|| load::not_found("居民", "resident", &id.masked()))?;
        let guardian = match guardian.map(str::trim).filter(|g| !g.is_empty()) {
            Some(raw) => {
                let g = load::parse_id(raw, today)?;
                let held = load::resident(tx, g.as_str())?
                    .ok_or_else(|| load::not_found("监护人", "guardian", &g.masked()))?;
                Some(held)
            }
            None => None,
        };
        consent::check_giver(
            person.age_on(today),
            guardian.as_ref().map(|g| age_on(g.birth_date(), today)),
            guardian.as_ref().map(|g| g.id_number == person.id_number) == Some(true),
        )?;
        let purposes = consent::parse_purposes(purposes)?;
        let given = Consent {
            resident: person.id_number.clone(),
            guardian: guardian.map(|g| g.id_number),
            purposes,
            notice_version: notice_version
                .map(str::to_string)
                .unwrap_or_else(|| consent::NOTICE_VERSION.to_string()),
        };
        write_consent(tx, &given, today)?;
        Ok(json!({
            "resident": person.id_number.masked(),
            "guardian": given.guardian.as_ref().map(|g| g.masked()),
            "purposes": given.purposes.iter().map(|p| p.key()).collect::<Vec<_>>(),
            "notice_version": given.notice_version,
            "given_on": today,
        }))
    })
}

/// `linli consent show`: a resident's consents, newest first (the look audited).
pub fn show(
    store: &mut Store,
    actor: &Actor,
    now: NaiveDateTime,
    resident: &str,
) -> Result<Value, AppError> {
    registering(store, actor, now, |tx| {
        let id = load::parse_id(resident, tx.now.date())?;
        let mut stmt = tx.prepare_cached(
            "SELECT guardian, purposes, notice_version, given_on, recorded_by
             FROM consents WHERE resident = ?1 ORDER BY id DESC",
        )?;
        let rows = stmt
            .query_map([id.as_str()], |r| {
                let guardian: Option<String> = r.get(0)?;
                let purposes: String = r.get(1)?;
                Ok(json!({
                    "guardian": guardian.as_deref().map(mask_id_number),
                    "purposes": purposes.split(';').collect::<Vec<_>>(),
                    "notice_version": r.get::<_, String>(2)?,
                    "given_on": r.get::<_, String>(3)?,
                    "recorded_by": r.get::<_, String>(4)?,
                }))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        drop(stmt);
        tx.audit("consent_viewed", &id.masked(), json!({}));
        Ok(json!({"resident": id.masked(), "consents": rows}))
    })
}
