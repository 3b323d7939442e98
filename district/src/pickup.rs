//! Children's pickup lists (接送名单) at the district: kept per centre only to pass a
//! desk's change to the centre's other devices, so a must-not-collect adult refused at
//! one desk is refused at every desk. No report reads them, and no other centre's
//! device is sent them.

use linli_core::pickup::PickupAuthorisation;
use linli_core::sync::ChangeBody;
use tokio_postgres::Transaction;

use crate::db;

/// Puts the child's list, as the district now has it (the newest), on the feed of
/// its centre's devices.
pub async fn publish(
    tx: &Transaction<'_>,
    centre: &str,
    child: &str,
) -> Result<(), tokio_postgres::Error> {
    let Some(row) = tx
        .query_opt(
            "SELECT body, changed_at FROM pickup_lists
             WHERE centre_code = $1 AND child_id_number = $2",
            &[&centre, &child],
        )
        .await?
    else {
        return Ok(());
    };
    let body: serde_json::Value = row.get(0);
    // Stored only from an event that parsed as this type.
    let Ok(authorisation) = serde_json::from_value::<PickupAuthorisation>(body) else {
        return Ok(());
    };
    let change = ChangeBody::PickupList {
        authorisation,
        changed_at: row.get(1),
    };
    db::add_change(tx, Some(centre), None, &change).await?;
    Ok(())
}
