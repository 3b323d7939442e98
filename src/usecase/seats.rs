//! Seats of a programme whose capacity the district shares across the centre's
//! devices (invariant 2): the grant this device holds, the capacity that leaves it, and
//! the seats it gives back, each release told to the district in the same transaction.

use linli_core::outbox::EventPayload;
use rusqlite::{Connection, OptionalExtension};

use crate::error::AppError;
use crate::store::Tx;

/// The seats row of a programme, if the district manages its seats.
pub fn grant(
    conn: &Connection,
    programme_code: &str,
) -> Result<Option<(i64, i64, i64, i64)>, rusqlite::Error> {
    conn.prepare_cached(
        "SELECT granted, offer_seats, released, keep_free FROM seat_grants WHERE programme_code = ?1",
    )?
    .query_row([programme_code], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
    .optional()
}

/// Seats this device may hold in a district-managed programme, as it knows them now.
pub fn effective_capacity(tx: &Tx<'_>, programme_code: &str) -> Result<u32, AppError> {
    Ok(grant(tx, programme_code)?
        .map(|(granted, offer_seats, released, _)| (granted + offer_seats - released).max(0) as u32)
        .unwrap_or(0))
}

/// Keeps the stored capacity equal to the grant, for the schema's capacity trigger
/// and for screens showing free seats.
pub fn store_capacity(tx: &Tx<'_>, programme_code: &str, capacity: u32) -> Result<(), AppError> {
    tx.execute(
        "UPDATE programmes SET capacity = ?2, body = json_set(body, '$.capacity', ?2) WHERE code = ?1",
        (programme_code, capacity),
    )?;
    Ok(())
}

/// Records seats a roster gave back: the running total, the stored capacity, and the
/// event that tells the district (in this same transaction, invariant 4).
pub fn record_release(
    tx: &mut Tx<'_>,
    programme_code: &str,
    count: u32,
    capacity: u32,
) -> Result<(), AppError> {
    tx.execute(
        "UPDATE seat_grants SET released = released + ?2 WHERE programme_code = ?1",
        (programme_code, count),
    )?;
    let released_total: i64 = tx.query_row(
        "SELECT released FROM seat_grants WHERE programme_code = ?1",
        [programme_code],
        |r| r.get(0),
    )?;
    store_capacity(tx, programme_code, capacity)?;
    tx.emit(EventPayload::SeatsReleased {
        programme_code: programme_code.to_string(),
        count,
        released_total: released_total as u32,
    });
    Ok(())
}
