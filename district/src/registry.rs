//! The household registry at the district: the checks a registry event needs against
//! what the district already holds, and the feed of households devices pull.
//!
//! A registry event is checked in the order the device sent it, against the district's
//! tables and the events of the same batch before it: a resident of a household the
//! district never heard of is rejected on its own, with that reason, instead of failing
//! the whole batch on the foreign key (which would block the device's queue for good).

use std::collections::{HashMap, HashSet};

use linli_core::outbox::{EventPayload, OutboxEvent};
use linli_core::sync::{ChangeBody, RegistryHousehold, RegistryMember};
use linli_core::FieldError;
use tokio_postgres::Transaction;

use crate::auth::Device;
use crate::db;

/// Whether checking this event needs the district's own tables.
pub fn needs_state(event: &OutboxEvent) -> bool {
    matches!(
        event.payload,
        EventPayload::HouseholdRegistered { .. } | EventPayload::ResidentRegistered { .. }
    )
}

fn unknown_household(code: &str) -> FieldError {
    FieldError::new(
        "payload.household_code",
        "unknown_household",
        format!("区级后台没有户“{code}”的登记（该户的登记事件未到达或被拒绝），此居民未被登记"),
        format!(
            "the district has no household \"{code}\" (its registration never arrived or was rejected); this resident was not registered"
        ),
    )
}

/// The events (index in the batch, event) that the district's state refuses, with
/// their reasons. `events` are in the order sent.
pub async fn check_batch(
    tx: &Transaction<'_>,
    _device: &Device,
    events: &[(usize, &OutboxEvent)],
) -> Result<HashMap<usize, FieldError>, tokio_postgres::Error> {
    let codes: Vec<&str> = events
        .iter()
        .filter_map(|(_, event)| match &event.payload {
            EventPayload::HouseholdRegistered { household_code, .. }
            | EventPayload::ResidentRegistered { household_code, .. } => {
                Some(household_code.as_str())
            }
            _ => None,
        })
        .collect();
    let mut known: HashSet<String> = tx
        .query(
            "SELECT code FROM households WHERE code = ANY($1)",
            &[&codes],
        )
        .await?
        .iter()
        .map(|row| row.get(0))
        .collect();
    let mut refused = HashMap::new();
    for (index, event) in events {
        match &event.payload {
            EventPayload::HouseholdRegistered { household_code, .. } => {
                known.insert(household_code.clone());
            }
            EventPayload::ResidentRegistered { household_code, .. } => {
                if !known.contains(household_code) {
                    refused.insert(*index, unknown_household(household_code));
                }
            }
            _ => {}
        }
    }
    Ok(refused)
}

/// The household as the district knows it now, with its members; `None` if the
/// district has no such household.
pub async fn household(
    tx: &Transaction<'_>,
    code: &str,
) -> Result<Option<RegistryHousehold>, tokio_postgres::Error> {
    let Some(row) = tx
        .query_opt(
            "SELECT address, community_code, centre_code FROM households WHERE code = $1",
            &[&code],
        )
        .await?
    else {
        return Ok(None);
    };
    let members = tx
        .query(
            "SELECT id_number, name, phone, tags FROM residents WHERE household_code = $1 ORDER BY id_number",
            &[&code],
        )
        .await?
        .iter()
        .map(|r| RegistryMember {
            id_number: r.get(0),
            name: r.get(1),
            phone: r.get(2),
            tags: r.get(3),
        })
        .collect();
    Ok(Some(RegistryHousehold {
        household_code: code.to_string(),
        address: row.get(0),
        community_code: row.get(1),
        centre_code: row.get(2),
        members,
    }))
}

/// Puts a household, as the district now knows it, on the feed.
pub async fn publish_household(
    tx: &Transaction<'_>,
    code: &str,
) -> Result<(), tokio_postgres::Error> {
    if let Some(household) = household(tx, code).await? {
        db::add_change(tx, None, None, &ChangeBody::HouseholdKnown(household)).await?;
    }
    Ok(())
}
