//! The local side of pull: one page of the district's changes, its seat grants and
//! the new cursor, applied in one local transaction. If the process dies before it
//! commits, the same page is asked for again; after, the cursor has moved with it.
//!
//! Nothing applied here goes back into the outbox as the district's own news (that
//! would echo forever); only what this device decides in response does: an offer it
//! passes on, or seats it gives back.

use linli_core::sync::{ChangeBody, PullResponse, SeatGrant};
use serde_json::json;

use crate::clock;
use crate::error::AppError;
use crate::store::{set_setting, Actor, Store, Tx};
use crate::usecase::{catalogue, households, load, roster, seats, staff_accounts};

/// Applies a page; returns how many changes it held.
pub fn page(store: &mut Store, page: PullResponse) -> Result<usize, AppError> {
    let now = clock::now();
    store.write(&Actor::system(), now, |tx| {
        for change in &page.changes {
            change_one(tx, &change.change)?;
        }
        for grant in &page.grants {
            seats(tx, grant)?;
        }
        set_setting(tx, "district_cursor", &page.next_cursor.to_string())?;
        Ok(page.changes.len())
    })
}

fn change_one(tx: &mut Tx<'_>, change: &ChangeBody) -> Result<(), AppError> {
    match change {
        ChangeBody::ProgrammePublished { programme } => {
            tx.execute(
                "INSERT INTO seat_grants (programme_code) VALUES (?1) ON CONFLICT DO NOTHING",
                [&programme.code],
            )?;
            // The district publishes the whole programme's capacity; this device
            // confirms only within its own grant (invariant 2), which may be none yet.
            tx.take_cached_roster(&programme.code);
            catalogue::publish_programme(tx, programme)?;
            let grant = seats::effective_capacity(tx, &programme.code)?;
            seats::store_capacity(tx, &programme.code, grant)?;
        }
        ChangeBody::RulesPublished { rules } => {
            catalogue::published(tx, "eligibility_rules", &rules.id, rules.version, rules)?;
        }
        ChangeBody::PolicyPublished { policy } => {
            catalogue::published(tx, "waitlist_policy", &policy.id, policy.version, policy)?;
        }
        ChangeBody::CalendarPublished { calendar } => {
            catalogue::publish_calendar(tx, calendar.clone())?;
        }
        ChangeBody::CategoriesPublished { categories } => {
            let version: i64 = tx.query_row(
                "SELECT coalesce(max(version), 0) + 1 FROM published WHERE kind = 'business_categories'",
                [],
                |r| r.get(0),
            )?;
            catalogue::published(
                tx,
                "business_categories",
                "categories",
                version as u32,
                categories,
            )?;
        }
        ChangeBody::HouseholdsMerged {
            kept_household,
            removed_household,
            people,
        } => {
            crate::usecase::household_merge::receive(tx, kept_household, removed_household, people)?
        }
        ChangeBody::RetentionPublished { rule } => {
            // Checked here too: a rule of no years would anonymise yesterday's move.
            if rule.validate().is_ok() {
                catalogue::published(tx, "retention_rule", "retention", rule.version, rule)?;
            }
        }
        ChangeBody::HouseholdKnown(household) => households::store_known(tx, household)?,
        ChangeBody::OfferMade {
            enrolment_id,
            programme_code,
            offer_deadline,
            ..
        } => offer(tx, enrolment_id, programme_code, *offer_deadline)?,
        ChangeBody::StaffAccount(account) => staff_accounts::receive(tx, account)?,
        ChangeBody::PickupList {
            authorisation,
            changed_at,
        } => crate::usecase::attendance::receive_pickup_list(tx, authorisation, *changed_at)?,
        ChangeBody::Card {
            card,
            resident_id_number,
            revoked,
            changed_at,
        } => crate::usecase::residents::receive_card(
            tx,
            card,
            resident_id_number,
            *revoked,
            *changed_at,
        )?,
    }
    Ok(())
}

/// The district gave a seat to someone waiting here. The seat came with the offer;
/// if they stopped waiting meanwhile (cancelled offline), it goes straight back.
fn offer(
    tx: &mut Tx<'_>,
    enrolment_id: &str,
    programme_code: &str,
    deadline: chrono::NaiveDateTime,
) -> Result<(), AppError> {
    tx.execute(
        "INSERT INTO seat_grants (programme_code) VALUES (?1) ON CONFLICT DO NOTHING",
        [programme_code],
    )?;
    tx.execute(
        "UPDATE seat_grants SET offer_seats = offer_seats + 1 WHERE programme_code = ?1",
        [programme_code],
    )?;
    let Some(programme) = load::programme(tx, programme_code)? else {
        return Ok(());
    };
    let mut roster = roster::load_roster(tx, &programme)?;
    roster.capacity = seats::effective_capacity(tx, programme_code)?;
    let now = tx.now;
    let outcome = match roster.offer_to(enrolment_id, deadline, now) {
        Ok(offer) => {
            json!({"offered": linli_core::identity::mask_id_number(&offer.resident), "deadline": clock::to_db(deadline)})
        }
        Err(_) => {
            let free = roster.capacity.saturating_sub(roster.held());
            roster.release_free_seats(free.saturating_sub(1));
            json!({"returned": true})
        }
    };
    seats::store_capacity(tx, programme_code, roster.capacity)?;
    roster::save_roster(tx, roster)?;
    tx.audit("district_offer", enrolment_id, outcome);
    Ok(())
}

/// This device's seats in one programme: the district's running total, and how many
/// free seats it may keep; any beyond that go back at once.
fn seats(tx: &mut Tx<'_>, grant: &SeatGrant) -> Result<(), AppError> {
    tx.execute(
        "INSERT INTO seat_grants (programme_code) VALUES (?1) ON CONFLICT DO NOTHING",
        [&grant.programme_code],
    )?;
    // A reply overtaken by a newer one must not shrink the grant: it only grows.
    tx.execute(
        "UPDATE seat_grants SET granted = max(granted, ?2), keep_free = ?3 WHERE programme_code = ?1",
        (&grant.programme_code, grant.granted_total, grant.keep_free),
    )?;
    let Some(programme) = load::programme(tx, &grant.programme_code)? else {
        return Ok(());
    };
    let mut roster = roster::load_roster(tx, &programme)?;
    roster.capacity = seats::effective_capacity(tx, &grant.programme_code)?;
    roster.release_free_seats(grant.keep_free);
    seats::store_capacity(tx, &grant.programme_code, roster.capacity)?;
    roster::save_roster(tx, roster)?;
    Ok(())
}
