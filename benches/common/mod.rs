//! What the bench binaries share: a district's worth of made-up residents.

use chrono::NaiveDate;
use linli::usecase::{demo_people, households};

/// `total` residents with distinct ID numbers and household codes, from the demo's
/// generator (which only de-duplicates within one batch).
pub fn people(today: NaiveDate, total: usize) -> Vec<households::ResidentRow> {
    let mut rng = demo_people::DemoRandom::new(7);
    let mut people = Vec::new();
    let mut batch = 0;
    while people.len() < total {
        // Each batch restarts at HF-0001; make household codes unique across batches.
        for mut r in demo_people::households(today, 1_000, &mut rng) {
            r.household_code = format!("{}-{batch}", r.household_code);
            people.push(r);
        }
        batch += 1;
    }
    let mut seen = std::collections::HashSet::new();
    people.retain(|r| seen.insert(r.id_number.as_str().to_string()));
    people.truncate(total);
    people
}
