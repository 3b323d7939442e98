//! What eligibility needs to know of an applicant besides the resident: their
//! household, the centre's community, a guardian at home, and last term's outcome.

use linli_core::household::{age_on, Household, Resident};
use linli_core::programme::{Programme, Schedule};
use linli_core::Text;
use rusqlite::OptionalExtension;

use super::load;
use crate::error::AppError;

/// Age from which a household member can be a child's guardian.
const ADULT_AGE: u32 = 18;

/// What eligibility needs to know besides the resident: their household, the
/// centre's community, and whether another adult in the household can be a guardian.
pub fn applicant_context(
    conn: &rusqlite::Connection,
    resident: &Resident,
    today: chrono::NaiveDate,
) -> Result<(Household, String, bool), AppError> {
    let household = load::household(conn, &resident.household_code)?
        .ok_or_else(|| load::not_found("户", "household", &resident.household_code))?;
    let members = load::household_members(conn, &household.code)?;
    let has_guardian = members
        .iter()
        .any(|m| m.id_number != resident.id_number && age_on(m.birth_date(), today) >= ADULT_AGE);
    let centre_community = conn
        .prepare_cached("SELECT value FROM settings WHERE key = 'community_code'")?
        .query_row([], |r| r.get::<_, String>(0))
        .optional()?
        .unwrap_or_default();
    Ok((household, centre_community, has_guardian))
}

/// Whether the resident went unplaced in this kind of programme last term: it ranks
/// them ahead within their priority group (the 轮候 policy's credit).
pub fn unplaced_last_term(
    conn: &rusqlite::Connection,
    programme: &Programme,
    resident: &Resident,
) -> Result<bool, AppError> {
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM unplaced_last_term WHERE programme_kind = ?1 AND resident = ?2",
        )?
        .query_row(
            [
                load::serde_name(&programme.kind),
                resident.id_number.as_str().to_string(),
            ],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// The resident's other active enrolments (confirmed, waiting or offered) beside
/// `programme_code`: each programme's name and schedule, for core's clash check
/// (`enrolment::clash_reasons`) at sign-up and in the programme list alike.
pub fn other_active_schedules(
    conn: &rusqlite::Connection,
    resident: &Resident,
    programme_code: &str,
) -> Result<Vec<(Text, Schedule)>, AppError> {
    let codes = conn
        .prepare_cached(
            "SELECT DISTINCT programme_code FROM enrolments
             WHERE resident = ?1 AND programme_code <> ?2 AND status IN ('confirmed', 'waitlisted', 'offered')",
        )?
        .query_map([resident.id_number.as_str(), programme_code], |r| {
            r.get::<_, String>(0)
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut schedules = Vec::with_capacity(codes.len());
    for code in codes {
        if let Some(other) = load::programme(conn, &code)? {
            schedules.push((other.name, other.schedule));
        }
    }
    Ok(schedules)
}
