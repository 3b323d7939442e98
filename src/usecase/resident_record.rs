//! One resident's record as the desk reads it (`linli resident show --id ID`): who
//! they are (masked), their household and relationship in it, what they consented
//! to, their places, and how they sign in at the kiosk. The look is audited. A
//! resident not registered here is not an error: the command then asks the district
//! (an audited lookup, `sync::lookup`).

use chrono::{NaiveDate, NaiveDateTime};
use linli_core::consent::{Purpose, Relationship};
use linli_core::Text;
use serde_json::json;

use super::consents::{purposes_of, registering};
use super::households::foreign_owner;
use super::load;
use super::resident_page::{kiosk_access, PinStatus};
use crate::error::AppError;
use crate::store::{Actor, Store, Tx};

#[derive(Debug, serde::Serialize)]
pub struct PlaceShown {
    pub programme_code: String,
    pub programme: Text,
    /// confirmed, waitlisted, offered, cancelled, …
    pub status: String,
}

#[derive(Debug, serde::Serialize)]
pub struct ResidentShown {
    pub name: String,
    /// Masked.
    pub id_number: String,
    /// Masked.
    pub phone: Option<String>,
    pub age: u32,
    pub household_code: String,
    /// The centre that registered the household, when it is another centre's.
    pub registered_by: Option<String>,
    pub moved_away_on: Option<NaiveDate>,
    pub relationship: Option<Relationship>,
    pub tags: Vec<String>,
    pub purposes: Vec<Purpose>,
    pub places: Vec<PlaceShown>,
    pub pin: PinStatus,
    pub cards_in_use: usize,
}

/// The resident's record, or `None` when no one with that number is registered here.
pub fn show(
    store: &mut Store,
    actor: &Actor,
    now: NaiveDateTime,
    raw_id: &str,
) -> Result<Option<ResidentShown>, AppError> {
    registering(store, actor, now, |tx| {
        let id = load::parse_id(raw_id, tx.now.date())?;
        let shown = record_of(tx, &id)?;
        if shown.is_some() {
            tx.audit("resident_viewed", &id.masked(), json!({}));
        }
        Ok(shown)
    })
}

/// The record as [`show`] gives it, read inside the caller's transaction (not audited
/// here: the caller says what the look was for).
pub(super) fn record_of(
    tx: &Tx<'_>,
    id: &linli_core::identity::IdNumber,
) -> Result<Option<ResidentShown>, AppError> {
    {
        let Some(person) = load::resident(tx, id.as_str())? else {
            return Ok(None);
        };
        let household = load::household(tx, &person.household_code)?;
        let relationship = load::relationship(tx, id.as_str())?;
        let rows: Vec<(String, String)> = tx
            .prepare_cached(
                "SELECT programme_code, status FROM enrolments WHERE resident = ?1
                 ORDER BY created_at, programme_code",
            )?
            .query_map([id.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut places = Vec::with_capacity(rows.len());
        for (code, status) in rows {
            let programme = load::programme(tx, &code)?
                .map(|p| p.name)
                .unwrap_or_else(|| Text::new(&code, &code));
            places.push(PlaceShown {
                programme_code: code,
                programme,
                status,
            });
        }
        let access = kiosk_access(tx, id.as_str())?;
        Ok(Some(ResidentShown {
            registered_by: foreign_owner(tx, &person.household_code)?,
            moved_away_on: household.and_then(|h| h.moved_away_on),
            relationship,
            tags: person.tags.iter().map(|t| t.as_str().to_string()).collect(),
            purposes: purposes_of(tx, id.as_str())?.into_iter().collect(),
            age: person.age_on(tx.now.date()),
            id_number: id.masked(),
            phone: person.phone.as_ref().map(|p| p.masked()),
            household_code: person.household_code,
            name: person.name,
            places,
            pin: access.pin,
            cards_in_use: access.cards.len(),
        }))
    }
}
