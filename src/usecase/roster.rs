//! A programme's roster as this device stores it: its active enrolments loaded into
//! core's `Roster` (from the connection's cache when it is still true), and what core
//! changed written back, each change with its outbox event (invariant 4).

use linli_core::enrolment::{Enrolment, EnrolmentStatus, Roster};
use linli_core::identity::mask_id_number;
use linli_core::outbox::EventPayload;
use linli_core::programme::Programme;
use linli_core::Text;
use rusqlite::OptionalExtension;
use serde_json::Value;

use super::load;
use crate::clock;
use crate::error::{AppError, Refused};
use crate::store::Tx;

pub fn status_to_db(status: EnrolmentStatus) -> String {
    load::serde_name(&status)
}

pub fn status_from_db(text: &str) -> EnrolmentStatus {
    serde_json::from_value(Value::String(text.to_string())).unwrap_or(EnrolmentStatus::Cancelled)
}

/// Loads the programme's active enrolments as core's roster.
pub fn load_roster(tx: &mut Tx<'_>, programme: &Programme) -> Result<Roster, AppError> {
    let roster = match tx.take_cached_roster(&programme.code) {
        // A programme republished by the district (new capacity, new policy)
        // invalidates what was cached under the old one.
        Some(roster)
            if roster.capacity == programme.capacity
                && roster.offer_hours == programme.offer_hours
                && roster.policy == programme.policy =>
        {
            roster
        }
        _ => stored_roster(tx, programme)?,
    };
    // Seats the district shares across devices: it decides who gets a freed one.
    let district_managed = super::seats::grant(tx, &programme.code)?.is_some();
    Ok(if district_managed {
        roster.district_offers()
    } else {
        roster
    })
}

/// A programme's roster as stored, without the connection's cache.
pub fn stored_roster(
    conn: &rusqlite::Connection,
    programme: &Programme,
) -> Result<Roster, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, resident, status, priority, offer_deadline, reason, updated_at FROM enrolments
         WHERE programme_code = ?1 AND status IN ('confirmed', 'waitlisted', 'offered')",
    )?;
    let rows = stmt.query_map([&programme.code], |r| {
        enrolment_from_row(r, &programme.code)
    })?;
    let entries = rows.collect::<Result<Vec<_>, _>>()?;
    Ok(Roster::for_programme(programme, entries))
}

/// Columns: id, resident, status, priority, offer_deadline, reason, updated_at.
fn enrolment_from_row(r: &rusqlite::Row<'_>, programme_code: &str) -> rusqlite::Result<Enrolment> {
    let priority: String = r.get(3)?;
    let deadline: Option<String> = r.get(4)?;
    let updated: String = r.get(6)?;
    Ok(Enrolment {
        id: r.get(0)?,
        programme_code: programme_code.to_string(),
        resident: r.get(1)?,
        status: status_from_db(&r.get::<_, String>(2)?),
        priority: serde_json::from_str(&priority).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(3, rusqlite::types::Type::Text, Box::new(e))
        })?,
        offer_deadline: deadline.as_deref().and_then(clock::from_db),
        updated_at: clock::from_db(&updated).unwrap_or_default(),
        reason: r.get(5)?,
    })
}

/// A resident's newest enrolment in a programme as it is stored now, whatever its
/// status: what their slip describes.
pub fn latest_enrolment(
    tx: &Tx<'_>,
    programme_code: &str,
    resident: &str,
) -> Result<Enrolment, AppError> {
    tx.prepare_cached(
        "SELECT id, resident, status, priority, offer_deadline, reason, updated_at FROM enrolments
         WHERE programme_code = ?1 AND resident = ?2 ORDER BY rowid DESC LIMIT 1",
    )?
    .query_row([programme_code, resident], |r| {
        enrolment_from_row(r, programme_code)
    })
    .optional()?
    .ok_or_else(|| load::not_found("报名记录", "enrolment", &mask_id_number(resident)))
}

/// Writes what core changed in the roster, each change with its outbox event, and
/// keeps the roster for the next use-case on this connection.
pub fn save_roster(tx: &mut Tx<'_>, mut roster: Roster) -> Result<Vec<Enrolment>, AppError> {
    let released = roster.take_released();
    if released > 0 {
        super::seats::record_release(tx, &roster.programme_code, released, roster.capacity)?;
    }
    let changes = roster.take_changes();
    let at = clock::to_db(tx.now);
    // Seats are released before they are taken: writing a cancellation after the
    // offer it caused would trip the capacity trigger for a moment.
    let mut ordered: Vec<&Enrolment> = changes.iter().collect();
    ordered.sort_by_key(|e| {
        matches!(
            e.status,
            EnrolmentStatus::Confirmed | EnrolmentStatus::Offered
        )
    });
    for e in ordered {
        let status = status_to_db(e.status);
        let priority = serde_json::to_string(&e.priority).expect("priority serialises");
        let deadline = e.offer_deadline.map(clock::to_db);
        tx.prepare_cached(
            "INSERT INTO enrolments (id, programme_code, resident, status, sort_key, priority, offer_deadline, reason, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)
             ON CONFLICT(id) DO UPDATE SET status = excluded.status, offer_deadline = excluded.offer_deadline,
                 reason = excluded.reason, updated_at = excluded.updated_at",
        )?
        .execute((
            &e.id,
            &e.programme_code,
            &e.resident,
            &status,
            e.priority.sort_key(),
            &priority,
            &deadline,
            &e.reason,
            &at,
        ))?;
        tx.emit(EventPayload::EnrolmentChanged {
            enrolment_id: e.id.clone(),
            programme_code: e.programme_code.clone(),
            resident_id_number: e.resident.clone(),
            status,
            priority_sort_key: e.priority.sort_key(),
            offer_deadline: e.offer_deadline,
            reason: e.reason.clone(),
        });
    }
    tx.keep_roster(roster);
    Ok(changes)
}

pub fn roster_status(roster: &Roster, enrolment_id: &str) -> Option<EnrolmentStatus> {
    roster
        .entries()
        .iter()
        .find(|e| e.id == enrolment_id)
        .map(|e| e.status)
}

/// Refuses unless `resident` holds a confirmed seat in `programme`: only they are on
/// its roll, owe its fee, or can be away from it. `refusal` says what could not be
/// done ("不能签到"); `then` finishes the sentence after "has no confirmed seat in …"
/// ("，不能签到；请先报名…" / " and cannot check in; sign up first…").
pub fn refuse_unless_confirmed(
    tx: &Tx<'_>,
    programme: &Programme,
    resident: &str,
    refusal: Text,
    then: Text,
) -> Result<(), AppError> {
    let confirmed = tx
        .query_row(
            "SELECT 1 FROM enrolments WHERE programme_code = ?1 AND resident = ?2 AND status = 'confirmed'",
            (&programme.code, resident),
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if confirmed {
        return Ok(());
    }
    Err(Refused::new(
        "not_enrolled",
        refusal,
        vec![Text::new(
            format!(
                "居民{}没有「{}」的已确认名额{}",
                mask_id_number(resident),
                programme.name.zh,
                then.zh
            ),
            format!(
                "Resident {} has no confirmed seat in \"{}\"{}",
                mask_id_number(resident),
                programme.name.en,
                then.en
            ),
        )],
    )
    .into())
}
