//! The demo centre's people as the kiosk registers them: import rows.
//!
//! The generator lives in [`linli_core::demo`] so the district backend seeds the same
//! people; this module only gives each person the line number an import row carries.

use chrono::NaiveDate;
use linli_core::demo::DemoPerson;
pub use linli_core::demo::{make_id_number, DemoRandom};

use super::households::ResidentRow;

/// Generates `households` households with their members as import rows.
pub fn households(today: NaiveDate, households: usize, rng: &mut DemoRandom) -> Vec<ResidentRow> {
    rows(linli_core::demo::people(today, households, rng))
}

/// Numbered as the lines of an import file would be: the header is line 1.
pub fn rows(people: Vec<DemoPerson>) -> Vec<ResidentRow> {
    people
        .into_iter()
        .enumerate()
        .map(|(index, person)| ResidentRow {
            line: index + 2,
            household_code: person.household_code,
            address: person.address,
            name: person.name,
            id_number: person.id_number,
            phone: person.phone,
            tags: person.tags,
        })
        .collect()
}
