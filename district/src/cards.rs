//! Residents' cards at the district: kept per centre only to pass a desk's issue or
//! revocation to the centre's other devices, so a card reported lost stops on every
//! kiosk of the centre. No report reads them, and no other centre's device is sent
//! them.

use linli_core::sync::ChangeBody;
use tokio_postgres::Transaction;

use crate::db;

/// Puts the card, as the district now has it (the newest), on the feed of its
/// centre's devices.
pub async fn publish(
    tx: &Transaction<'_>,
    centre: &str,
    card: &str,
) -> Result<(), tokio_postgres::Error> {
    let Some(row) = tx
        .query_opt(
            "SELECT resident_id_number, revoked, changed_at FROM resident_cards
             WHERE centre_code = $1 AND card = $2",
            &[&centre, &card],
        )
        .await?
    else {
        return Ok(());
    };
    let change = ChangeBody::Card {
        card: card.to_string(),
        resident_id_number: row.get(0),
        revoked: row.get(1),
        changed_at: row.get(2),
    };
    db::add_change(tx, Some(centre), None, &change).await?;
    Ok(())
}
