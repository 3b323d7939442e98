//! A child's dietary needs and allergies, recorded at the desk for the kitchen and the
//! roll call.
//!
//! Health data is sensitive personal information (PIPL art. 28), so it is kept only
//! where it is needed: in this device's database, read only by roles with
//! `Permission::DietaryNeeds` (front desk, social worker, manager; never a
//! technician), printed only on the kitchen's list, and never sent to the district:
//! no outbox event carries it, because nobody at the district cooks the lunch. Every
//! change is audited, with how many allergies were recorded, never which: the audit
//! log is read by people who do not need to know.

use std::collections::BTreeMap;

use linli_core::dietary::DietaryNeeds;
use linli_core::identity::mask_id_number;
use linli_core::staff::Permission;
use rusqlite::OptionalExtension;
use serde_json::json;

use super::load;
use crate::clock;
use crate::error::AppError;
use crate::store::Tx;

fn needs_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DietaryNeeds> {
    let allergies: String = r.get(0)?;
    Ok(DietaryNeeds {
        // Written by this module from a Vec<String>; anything else reads as none
        // rather than failing the roll call.
        allergies: serde_json::from_str(&allergies).unwrap_or_default(),
        diet: r.get(1)?,
        note: r.get(2)?,
    })
}

fn refuse_unknown(tx: &Tx<'_>, resident: &str) -> Result<(), AppError> {
    load::resident(tx, resident)?
        .map(|_| ())
        .ok_or_else(|| load::not_found("居民", "resident", &mask_id_number(resident)))
}

/// Records `resident`'s needs as given (replacing what was there); empty needs remove
/// the record. Returns the needs as stored (trimmed, repeats dropped).
pub fn set_dietary_needs(
    tx: &mut Tx<'_>,
    resident: &str,
    needs: &DietaryNeeds,
) -> Result<DietaryNeeds, AppError> {
    tx.authorise(Permission::DietaryNeeds)?;
    let needs = needs.checked()?;
    refuse_unknown(tx, resident)?;
    if needs.is_empty() {
        tx.execute("DELETE FROM dietary_needs WHERE resident = ?1", [resident])?;
    } else {
        tx.execute(
            "INSERT INTO dietary_needs (resident, allergies, diet, note, updated_at, updated_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(resident) DO UPDATE SET allergies = excluded.allergies,
                 diet = excluded.diet, note = excluded.note,
                 updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            (
                resident,
                serde_json::to_string(&needs.allergies).expect("strings serialise"),
                &needs.diet,
                &needs.note,
                clock::to_db(tx.now),
                tx.actor.name(),
            ),
        )?;
    }
    tx.audit(
        "dietary_needs_set",
        &mask_id_number(resident),
        json!({
            "allergies": needs.allergies.len(),
            "diet": needs.diet.is_some(),
            "note": needs.note.is_some(),
        }),
    );
    Ok(needs)
}

/// `resident`'s needs (empty when none are recorded).
pub fn dietary_needs(tx: &Tx<'_>, resident: &str) -> Result<DietaryNeeds, AppError> {
    tx.authorise(Permission::DietaryNeeds)?;
    refuse_unknown(tx, resident)?;
    Ok(tx
        .query_row(
            "SELECT allergies, diet, note FROM dietary_needs WHERE resident = ?1",
            [resident],
            needs_from_row,
        )
        .optional()?
        .unwrap_or_default())
}

/// The needs of those of `residents` who have any, by ID number: what the roll call
/// screen shows beside each child, in one call for the whole list.
pub fn dietary_needs_for(
    conn: &rusqlite::Connection,
    actor: &crate::store::Actor,
    residents: &[String],
) -> Result<BTreeMap<String, DietaryNeeds>, AppError> {
    actor.authorise(Permission::DietaryNeeds)?;
    let mut found = BTreeMap::new();
    let mut stmt =
        conn.prepare_cached("SELECT allergies, diet, note FROM dietary_needs WHERE resident = ?1")?;
    for resident in residents {
        if let Some(needs) = stmt.query_row([resident], needs_from_row).optional()? {
            found.insert(resident.clone(), needs);
        }
    }
    Ok(found)
}
