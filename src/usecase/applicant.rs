//! What eligibility needs to know of an applicant besides the resident: their
//! household, the centre's community, a guardian at home, and last term's outcome.

use linli_core::household::{age_on, Household, Resident};
use linli_core::programme::Programme;
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
