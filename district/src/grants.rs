//! Seats across devices (invariant 2).
//!
//! A programme's capacity is shared out: each device of the centre holds a grant and
//! confirms sign-ups only within it, online or offline. The district never hands out
//! more than capacity minus every grant still outstanding, so the sum of what devices
//! can confirm never exceeds capacity, however long any of them is offline.
//!
//! - While anyone waits (at any device), free seats go as offers to the head of the
//!   one waiting list, ordered by core's 轮候 sort key, to whichever device they signed
//!   up at. Devices then keep no free seats (`keep_free` 0) and give back what they
//!   have, so those seats reach the list too.
//! - While nobody waits, free seats are shared evenly among the centre's devices, and
//!   a device holding more than its share gives the surplus back.
//!
//! Seats are decided when a device of the centre pulls (and when a programme is
//! published), not in the push path: every round pushes before it pulls, so the
//! decision sees the newest data, and pushes from a centre's devices never wait on
//! each other for a programme's lock. Each decision is made with the programme's row
//! locked, so two instances of the server never grant the same seat twice.

use std::collections::HashMap;

use chrono::{Duration, NaiveDateTime};
use linli_core::sync::ChangeBody;
use tokio_postgres::Transaction;
use uuid::Uuid;

use crate::db;

#[derive(Default, Clone, Copy, Debug)]
struct DeviceSeats {
    /// Seats outstanding with the device: granted plus offer seats, less released.
    outstanding: i64,
    held: i64,
    pending_offers: i64,
}

impl DeviceSeats {
    fn free(&self) -> i64 {
        (self.outstanding - self.held - self.pending_offers).max(0)
    }
}

/// Locks the programmes' rows, in code order, so every transaction that decides
/// seats takes its locks in the same order and two cannot wait on each other.
pub async fn lock_programmes(
    tx: &Transaction<'_>,
    centre_code: &str,
    codes: &[String],
) -> Result<(), tokio_postgres::Error> {
    tx.query(
        "SELECT code FROM programmes WHERE centre_code = $1 AND code = ANY($2) ORDER BY code FOR UPDATE",
        &[&centre_code, &codes],
    )
    .await?;
    Ok(())
}

/// Makes offers while seats are free and people wait; for a device that is pulling,
/// tops up its share and says how many free seats it may keep. Call with the
/// programme's row locked ([`lock_programmes`]).
pub async fn allocate(
    tx: &Transaction<'_>,
    centre_code: &str,
    programme_code: &str,
    now: NaiveDateTime,
    pulling: Option<Uuid>,
) -> Result<Option<u32>, tokio_postgres::Error> {
    let Some(programme) = tx
        .query_opt(
            "SELECT capacity, offer_hours FROM programmes WHERE centre_code = $1 AND code = $2",
            &[&centre_code, &programme_code],
        )
        .await?
    else {
        // Enrolments in a programme the district never published (a device's own
        // demo data): nothing of the district's to share out.
        return Ok(None);
    };
    let capacity = i64::from(programme.get::<_, i32>(0));
    let offer_hours = i64::from(programme.get::<_, i32>(1));
    tx.execute(
        "INSERT INTO seat_grants (centre_code, programme_code, device_id)
         SELECT $1, $2, id FROM devices
         WHERE centre_code = $1 AND credential_hash IS NOT NULL AND revoked_at IS NULL
         ON CONFLICT DO NOTHING",
        &[&centre_code, &programme_code],
    )
    .await?;
    let active: Vec<Uuid> = tx
        .query(
            "SELECT id FROM devices WHERE centre_code = $1 AND credential_hash IS NOT NULL AND revoked_at IS NULL",
            &[&centre_code],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut seats: HashMap<Uuid, DeviceSeats> = HashMap::new();
    for row in tx
        .query(
            "SELECT device_id, granted + offer_seats - released FROM seat_grants
             WHERE centre_code = $1 AND programme_code = $2",
            &[&centre_code, &programme_code],
        )
        .await?
    {
        seats.entry(row.get(0)).or_default().outstanding = i64::from(row.get::<_, i32>(1));
    }
    for row in tx
        .query(
            "SELECT device_id,
                    count(*) FILTER (WHERE status IN ('confirmed', 'offered')),
                    count(*) FILTER (WHERE status = 'waitlisted' AND offer_pending)
             FROM enrolments WHERE centre_code = $1 AND programme_code = $2
             GROUP BY device_id",
            &[&centre_code, &programme_code],
        )
        .await?
    {
        let entry = seats.entry(row.get(0)).or_default();
        entry.held = row.get(1);
        entry.pending_offers = row.get(2);
    }
    // Seats a device holds beyond its grant were confirmed before it enrolled (its own
    // data from before the district managed the programme): they are people's seats,
    // so the grant adopts them rather than handing them out again.
    for (device_id, entry) in seats.iter_mut() {
        let beyond = entry.held + entry.pending_offers - entry.outstanding;
        if beyond > 0 {
            tracing::info!(%device_id, programme_code, beyond, "seats held before enrolment adopted into the grant");
            tx.execute(
                "UPDATE seat_grants SET granted = granted + $4
                 WHERE centre_code = $1 AND programme_code = $2 AND device_id = $3",
                &[&centre_code, &programme_code, device_id, &(beyond as i32)],
            )
            .await?;
            entry.outstanding += beyond;
        }
    }
    // Seats with revoked devices stay counted: people may hold them.
    let mut pool = capacity - seats.values().map(|s| s.outstanding).sum::<i64>();
    while pool > 0 {
        let Some(head) = tx
            .query_opt(
                "SELECT id, device_id, resident_id_number, sort_key FROM enrolments
                 WHERE centre_code = $1 AND programme_code = $2 AND status = 'waitlisted'
                   AND NOT offer_pending AND device_id = ANY($3)
                 ORDER BY sort_key, id LIMIT 1",
                &[&centre_code, &programme_code, &active],
            )
            .await?
        else {
            break;
        };
        let enrolment_id: String = head.get(0);
        let device_id: Uuid = head.get(1);
        let sort_key: String = head.get(3);
        let deadline = now + Duration::hours(offer_hours);
        tx.execute(
            "UPDATE enrolments SET offer_pending = true WHERE centre_code = $1 AND id = $2",
            &[&centre_code, &enrolment_id],
        )
        .await?;
        tx.execute(
            "UPDATE seat_grants SET offer_seats = offer_seats + 1
             WHERE centre_code = $1 AND programme_code = $2 AND device_id = $3",
            &[&centre_code, &programme_code, &device_id],
        )
        .await?;
        tx.execute(
            "INSERT INTO offers (centre_code, programme_code, enrolment_id, device_id, sort_key, deadline)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[&centre_code, &programme_code, &enrolment_id, &device_id, &sort_key, &deadline],
        )
        .await?;
        db::add_change(
            tx,
            Some(centre_code),
            Some(device_id),
            &ChangeBody::OfferMade {
                enrolment_id,
                programme_code: programme_code.to_string(),
                resident_id_number: head.get(2),
                offer_deadline: deadline,
            },
        )
        .await?;
        let entry = seats.entry(device_id).or_default();
        entry.outstanding += 1;
        entry.pending_offers += 1;
        pool -= 1;
    }
    let Some(device) = pulling else {
        return Ok(None);
    };
    let waiting = tx
        .query_opt(
            "SELECT 1 FROM enrolments WHERE centre_code = $1 AND programme_code = $2
             AND status = 'waitlisted' AND NOT offer_pending LIMIT 1",
            &[&centre_code, &programme_code],
        )
        .await?
        .is_some();
    if waiting || active.is_empty() {
        return Ok(Some(0));
    }
    let unused = pool.max(0)
        + active
            .iter()
            .map(|d| seats.get(d).map(DeviceSeats::free).unwrap_or(0))
            .sum::<i64>();
    let devices = active.len() as i64;
    let share = (unused + devices - 1) / devices;
    let free_here = seats.get(&device).map(DeviceSeats::free).unwrap_or(0);
    let give = pool.min(share - free_here).max(0);
    if give > 0 {
        tx.execute(
            "UPDATE seat_grants SET granted = granted + $4
             WHERE centre_code = $1 AND programme_code = $2 AND device_id = $3",
            &[&centre_code, &programme_code, &device, &(give as i32)],
        )
        .await?;
    }
    Ok(Some(share as u32))
}
