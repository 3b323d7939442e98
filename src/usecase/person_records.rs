//! The records that name a person, in one list: a merge moves them from the absorbed
//! number to the survivor (`household_merge`), retention from a resident's number to
//! their pseudonym (`retention`). A table that names a person and is not here would
//! keep the old number after either.

use crate::error::AppError;
use crate::store::Tx;

/// Every record naming `from` relabelled to `to`, inside the stored bodies too. One of
/// a kind per person (a PIN, dietary needs, a child's pickup list, last term's place)
/// is the caller's to settle first, and so is a volunteer registration for `to`.
pub(super) fn relabel(tx: &Tx<'_>, from: &str, to: &str) -> Result<(), AppError> {
    for sql in [
        // The stored records name the person too (a visit's body, a shift's, a
        // pickup list's child and adults, on any child's list): an ID number is
        // always a whole JSON string, so the quoted number is replaced whole.
        "UPDATE attendance SET body = replace(body, '\"' || ?1 || '\"', '\"' || ?2 || '\"')
         WHERE resident = ?1",
        "UPDATE shifts SET body = replace(body, '\"' || ?1 || '\"', '\"' || ?2 || '\"')
         WHERE volunteer = ?1",
        "UPDATE pickup_authorisations
         SET body = replace(body, '\"' || ?1 || '\"', '\"' || ?2 || '\"')
         WHERE instr(body, '\"' || ?1 || '\"') > 0",
        "UPDATE enrolments SET resident = ?2 WHERE resident = ?1",
        "UPDATE attendance SET resident = ?2 WHERE resident = ?1",
        "UPDATE shifts SET volunteer = ?2 WHERE volunteer = ?1",
        "UPDATE payments SET resident = ?2 WHERE resident = ?1",
        "UPDATE pickup_calls SET child = ?2 WHERE child = ?1",
        "UPDATE consents SET resident = ?2 WHERE resident = ?1",
        "UPDATE consents SET guardian = ?2 WHERE guardian = ?1",
        "UPDATE resident_cards SET id_number = ?2 WHERE id_number = ?1",
        "UPDATE day_care_days SET resident = ?2 WHERE resident = ?1",
        "UPDATE absences SET resident = ?2 WHERE resident = ?1",
    ] {
        tx.prepare_cached(sql)?.execute((from, to))?;
    }
    Ok(())
}
