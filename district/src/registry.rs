//! The household registry at the district: the checks a registry event needs against
//! what the district already holds, and the feed of households devices pull.
//!
//! A registry event is checked in the order the device sent it, against the district's
//! tables and the events of the same batch before it: a resident of a household the
//! district never heard of is rejected on its own, with that reason, instead of failing
//! the whole batch on the foreign key (which would block the device's queue for good).

use std::collections::{HashMap, HashSet};

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use linli_core::identity::mask_id_number;
use linli_core::outbox::{EventPayload, OutboxEvent};
use linli_core::sync::{
    ChangeBody, RegistryHousehold, RegistryLookupRequest, RegistryLookupResponse, RegistryMember,
};
use linli_core::FieldError;
use tokio_postgres::Transaction;

use crate::auth::Device;
use crate::db;
use crate::error::{ApiError, ValidJson};
use crate::limits::{Allowance, ClientAddress};
use crate::state::AppState;

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
        format!("区级后台没有本中心户“{code}”的登记（该户的登记事件未到达或被拒绝），此居民未被登记"),
        format!(
            "the district has no household \"{code}\" of this centre (its registration never arrived or was rejected); this resident was not registered"
        ),
    )
}

fn registered_elsewhere(owner: &Owner) -> FieldError {
    FieldError::new(
        "payload.id_number",
        "registered_elsewhere",
        format!(
            "此居民已在{}（{}）登记，只能由该中心修改；如需为其办理，请用身份证号查询其登记信息",
            owner.centre_name, owner.centre_code
        ),
        format!(
            "this resident is registered at {} ({}) and only that centre can change them; to serve them here, look them up by ID number",
            owner.centre_name, owner.centre_code
        ),
    )
}

/// Who holds a resident now.
#[derive(Clone, Debug)]
struct Owner {
    centre_code: String,
    centre_name: String,
    household_code: String,
}

/// What the district's state says about a batch's registry events.
#[derive(Default, Debug)]
pub struct Checked {
    /// Events refused, by index in the batch, with their reasons.
    pub refused: HashMap<usize, FieldError>,
    /// Households a resident moves out of: their member lists change too.
    pub left: Vec<String>,
}

/// Checks a batch's registry events, in the order sent, against the district's tables
/// and the batch's own earlier events: a resident of another centre cannot be changed
/// or moved by this device (`registered_elsewhere`, naming the owning centre), and a
/// resident needs their household registered at this centre first
/// (`unknown_household`). Households are this centre's by their key, so a device can
/// only ever register or change its own centre's.
pub async fn check_batch(
    tx: &Transaction<'_>,
    device: &Device,
    events: &[(usize, &OutboxEvent)],
) -> Result<Checked, tokio_postgres::Error> {
    let mut codes: Vec<&str> = Vec::new();
    let mut ids: Vec<&str> = Vec::new();
    for (_, event) in events {
        match &event.payload {
            EventPayload::HouseholdRegistered { household_code, .. } => {
                codes.push(household_code);
            }
            EventPayload::ResidentRegistered {
                household_code,
                id_number,
                ..
            } => {
                codes.push(household_code);
                ids.push(id_number);
            }
            _ => {}
        }
    }
    ids.sort_unstable();
    ids.dedup();
    // Two centres' devices registering the same new person at once must not both
    // pass: each ID number's lock is held until this batch commits, taken in one
    // order (a deadlock between two batches is retried like any other).
    if !ids.is_empty() {
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(id, 76737876))
             FROM (SELECT unnest($1::text[]) AS id ORDER BY 1) ids",
            &[&ids],
        )
        .await?;
    }
    let mut known: HashSet<String> = tx
        .query(
            "SELECT code FROM households WHERE centre_code = $1 AND code = ANY($2)",
            &[&device.centre_code, &codes],
        )
        .await?
        .iter()
        .map(|row| row.get(0))
        .collect();
    let mut owners: HashMap<String, Owner> = tx
        .query(
            "SELECT r.id_number, r.centre_code, c.name, r.household_code
             FROM residents r JOIN centres c ON c.code = r.centre_code
             WHERE r.id_number = ANY($1)",
            &[&ids],
        )
        .await?
        .iter()
        .map(|row| {
            (
                row.get(0),
                Owner {
                    centre_code: row.get(1),
                    centre_name: row.get(2),
                    household_code: row.get(3),
                },
            )
        })
        .collect();
    let mut checked = Checked::default();
    for (index, event) in events {
        match &event.payload {
            EventPayload::HouseholdRegistered { household_code, .. } => {
                known.insert(household_code.clone());
            }
            EventPayload::ResidentRegistered {
                household_code,
                id_number,
                ..
            } => {
                let owner = owners.get(id_number);
                if let Some(owner) = owner.filter(|o| o.centre_code != device.centre_code) {
                    checked.refused.insert(*index, registered_elsewhere(owner));
                } else if !known.contains(household_code) {
                    checked
                        .refused
                        .insert(*index, unknown_household(household_code));
                } else {
                    if let Some(owner) = owner.filter(|o| &o.household_code != household_code) {
                        checked.left.push(owner.household_code.clone());
                    }
                    owners.insert(
                        id_number.clone(),
                        Owner {
                            centre_code: device.centre_code.clone(),
                            centre_name: String::new(),
                            household_code: household_code.clone(),
                        },
                    );
                }
            }
            _ => {}
        }
    }
    Ok(checked)
}

/// The household as the district knows it now, with its members; `None` if the
/// centre has no such household.
pub async fn household(
    client: &tokio_postgres::Client,
    centre_code: &str,
    code: &str,
) -> Result<Option<RegistryHousehold>, tokio_postgres::Error> {
    let Some(row) = client
        .query_opt(
            "SELECT address, community_code, moved_away_on FROM households
             WHERE centre_code = $1 AND code = $2",
            &[&centre_code, &code],
        )
        .await?
    else {
        return Ok(None);
    };
    let members = client
        .query(
            "SELECT id_number, name, phone, tags FROM residents
             WHERE centre_code = $1 AND household_code = $2 ORDER BY id_number",
            &[&centre_code, &code],
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
        centre_code: centre_code.to_string(),
        members,
        moved_away_on: row.get(2),
    }))
}

/// Puts a household, as the district now knows it, on the feed of its own centre's
/// devices only: another centre's device sees it only through a staff member's
/// lookup (invariant 10).
pub async fn publish_household(
    tx: &Transaction<'_>,
    centre_code: &str,
    code: &str,
) -> Result<(), tokio_postgres::Error> {
    if let Some(household) = household(tx.client(), centre_code, code).await? {
        db::add_change(
            tx,
            Some(centre_code),
            None,
            &ChangeBody::HouseholdKnown(household),
        )
        .await?;
    }
    Ok(())
}

/// `POST /v1/registry/lookup`: the household of a resident registered anywhere in the
/// district, for a staff member serving them at this device. Each lookup is recorded
/// (`registry_lookups`, append-only) before the answer leaves, found or not, and a
/// device may make only so many an hour.
pub async fn lookup_handler(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    device: Device,
    ValidJson(request): ValidJson<RegistryLookupRequest>,
) -> Result<Json<RegistryLookupResponse>, ApiError> {
    state.allow(Allowance::Lookup, address)?;
    let id_number = request.validate().map_err(ApiError::bad_request)?;
    let mut client = state.pool.get().await?;
    let tx = client.transaction().await?;
    // One lookup at a time per device, so two at once cannot both slip under the limit.
    tx.execute(
        "SELECT 1 FROM devices WHERE id = $1 FOR UPDATE",
        &[&device.id],
    )
    .await?;
    let limit = i64::from(state.limits.lookups_per_hour);
    let window = tx
        .query_one(
            "SELECT count(*), ceil(extract(epoch FROM min(at) + interval '1 hour' - now()))::bigint
             FROM registry_lookups WHERE device_id = $1 AND at > now() - interval '1 hour'",
            &[&device.id],
        )
        .await?;
    let (made, wait): (i64, Option<i64>) = (window.get(0), window.get(1));
    if made >= limit {
        return Err(ApiError::too_many(
            "too_many_lookups",
            format!("本终端一小时内最多查询{limit}次"),
            format!("a device may look up at most {limit} residents an hour"),
            wait.unwrap_or(1).max(1) as u64,
        ));
    }
    let found = tx
        .query_opt(
            "SELECT centre_code, household_code FROM residents WHERE id_number = $1",
            &[&id_number],
        )
        .await?;
    let household = match &found {
        Some(row) => {
            let (centre, code): (String, String) = (row.get(0), row.get(1));
            household(tx.client(), &centre, &code).await?
        }
        None => None,
    };
    tx.execute(
        "INSERT INTO registry_lookups (device_id, centre_code, staff_code, id_masked, purpose, found_centre)
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            &device.id,
            &device.centre_code,
            &request.staff_code,
            &mask_id_number(&id_number),
            &request.purpose.trim(),
            &household.as_ref().map(|h| h.centre_code.clone()),
        ],
    )
    .await?;
    tx.commit().await?;
    tracing::info!(device = %device.id, staff = %request.staff_code, found = household.is_some(), "registry lookup");
    match household {
        Some(household) => Ok(Json(RegistryLookupResponse { household })),
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_resident",
            "区级后台没有这个身份证号的居民登记",
            "the district has no resident with this ID number",
        )
        .field("id_number")),
    }
}
