//! Consents on record (`linli consent record|show`): what a resident's data may be
//! used for, who consented (a guardian for a child under 14) and to which version of
//! the notice. The newest consent of a resident is the one in force; older ones stay,
//! as the record of what was agreed when.

use std::collections::BTreeSet;

use chrono::{NaiveDate, NaiveDateTime};
use linli_core::consent::{self, Purpose};
use linli_core::household::age_on;
use linli_core::identity::mask_id_number;
use rusqlite::Connection;
use serde_json::json;

use super::load;
use crate::clock;
use crate::error::AppError;
use crate::print::Printing;
use crate::store::{Actor, Store, Tx};
use linli_core::identity::IdNumber;
use linli_core::receipt::IssuedSlip;
use linli_core::staff::Permission;

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

/// A consent as recorded or shown: ID numbers masked.
#[derive(Debug, serde::Serialize)]
pub struct ConsentGiven {
    /// The 同意回执 printed for the one who consented.
    pub slip: Option<IssuedSlip>,
    pub resident: String,
    pub guardian: Option<String>,
    pub purposes: Vec<Purpose>,
    pub notice_version: String,
    pub given_on: String,
}

#[derive(Debug, serde::Serialize)]
pub struct ConsentOnRecord {
    pub guardian: Option<String>,
    pub purposes: Vec<Purpose>,
    pub notice_version: String,
    pub given_on: String,
    pub recorded_by: String,
}

#[derive(Debug, serde::Serialize)]
pub struct ConsentsShown {
    pub resident: String,
    pub consents: Vec<ConsentOnRecord>,
}

/// A consent as staff type it at the desk.
pub struct ConsentRequest<'a> {
    /// The resident's ID number.
    pub resident: &'a str,
    /// A guardian's ID number, for a child under 14.
    pub guardian: Option<&'a str>,
    pub purposes: &'a [String],
    /// The notice shown; today's when left out.
    pub notice_version: Option<&'a str>,
}

/// `linli consent record`: a new consent, replacing the one in force.
pub fn record(
    store: &mut Store,
    actor: &Actor,
    now: NaiveDateTime,
    request: &ConsentRequest<'_>,
    printing: Printing,
) -> Result<ConsentGiven, AppError> {
    let ConsentRequest {
        resident,
        guardian,
        purposes,
        notice_version,
    } = *request;
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
        let slip = write_consent(tx, &given, today, printing)?;
        Ok(ConsentGiven {
            slip,
            resident: person.id_number.masked(),
            guardian: given.guardian.as_ref().map(|g| g.masked()),
            purposes: given.purposes.iter().copied().collect(),
            notice_version: given.notice_version,
            given_on: today.to_string(),
        })
    })
}

/// `linli consent show`: a resident's consents, newest first (the look audited).
pub fn show(
    store: &mut Store,
    actor: &Actor,
    now: NaiveDateTime,
    resident: &str,
) -> Result<ConsentsShown, AppError> {
    registering(store, actor, now, |tx| {
        let id = load::parse_id(resident, tx.now.date())?;
        let rows = on_record(tx, id.as_str())?;
        tx.audit("consent_viewed", &id.masked(), json!({}));
        Ok(ConsentsShown {
            resident: id.masked(),
            consents: rows,
        })
    })
}

/// A resident's consents, newest first (the first is in force), guardians masked.
pub(super) fn on_record(conn: &Connection, id: &str) -> Result<Vec<ConsentOnRecord>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT guardian, purposes, notice_version, given_on, recorded_by
         FROM consents WHERE resident = ?1 ORDER BY id DESC",
    )?;
    let rows = stmt
        .query_map([id], |r| {
            let guardian: Option<String> = r.get(0)?;
            let purposes: String = r.get(1)?;
            Ok(ConsentOnRecord {
                guardian: guardian.as_deref().map(mask_id_number),
                purposes: purposes
                    .split(';')
                    .filter_map(|p| Purpose::parse(p).ok())
                    .collect(),
                notice_version: r.get(2)?,
                given_on: r.get(3)?,
                recorded_by: r.get(4)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// A change or a look by staff who register households: the permission checked before
/// anything is read and again inside the transaction (the use-case is the guard).
pub(super) fn registering<T>(
    store: &mut Store,
    actor: &Actor,
    now: NaiveDateTime,
    f: impl FnOnce(&mut Tx<'_>) -> Result<T, AppError>,
) -> Result<T, AppError> {
    actor.authorise(Permission::RegisterHouseholds)?;
    store.write(actor, now, |tx| {
        tx.authorise(Permission::RegisterHouseholds)?;
        f(tx)
    })
}

/// A consent checked and ready to keep.
#[derive(Clone, Debug)]
pub struct Consent {
    pub resident: IdNumber,
    pub guardian: Option<IdNumber>,
    pub purposes: BTreeSet<Purpose>,
    pub notice_version: String,
}

/// Keeps a consent (audited), and with `printing` issues the 同意回执 for the one
/// who gave it.
pub(super) fn write_consent(
    tx: &mut Tx<'_>,
    c: &Consent,
    given_on: NaiveDate,
    printing: Printing,
) -> Result<Option<IssuedSlip>, AppError> {
    let by = tx.actor.staff().map(|m| m.code.clone()).unwrap_or_default();
    let at = clock::to_db(tx.now);
    let purposes = c
        .purposes
        .iter()
        .map(|p| p.key())
        .collect::<Vec<_>>()
        .join(";");
    tx.prepare_cached(
        "INSERT INTO consents (resident, guardian, purposes, notice_version, given_on, recorded_by, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute((
        c.resident.as_str(),
        c.guardian.as_ref().map(|g| g.as_str()),
        &purposes,
        &c.notice_version,
        given_on.to_string(),
        &by,
        &at,
    ))?;
    tx.audit(
        "consent_recorded",
        &c.resident.masked(),
        json!({"guardian": c.guardian.as_ref().map(|g| g.masked()), "purposes": purposes,
               "notice_version": c.notice_version}),
    );
    let name_of = |tx: &Tx<'_>, id: &IdNumber| -> Result<String, AppError> {
        Ok(load::resident(tx, id.as_str())?
            .map(|r| r.name)
            .unwrap_or_default())
    };
    let resident = name_of(tx, &c.resident)?;
    let guardian = match &c.guardian {
        Some(g) => Some(name_of(tx, g)?),
        None => None,
    };
    crate::print::issue(
        tx,
        printing,
        &format!("同意 {}", c.resident.masked()),
        |stamp| {
            linli_core::slips::consent_slip(
                stamp,
                &resident,
                guardian.as_deref(),
                &c.purposes,
                &c.notice_version,
                given_on,
            )
        },
    )
}
