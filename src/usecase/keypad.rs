//! The device's own limit on wrong sign-ins at its keypads, whatever account was
//! tried: five failures within ten minutes at the resident keypad (phones, cards,
//! codes) or at the staff keypad lock that keypad for five minutes, so one kiosk
//! cannot be used to try one PIN against many accounts. A success in between does
//! not wipe the count (someone with one good PIN could otherwise guess four times,
//! sign in, and start again). Kept in the database: a restart (or pulling the plug)
//! does not lift a lock.

use chrono::Duration;
use chrono::NaiveDateTime;
use linli_core::staff::{LOCKOUT_MINUTES, MAX_FAILED_PIN_ATTEMPTS};
use linli_core::Text;
use rusqlite::{Connection, OptionalExtension};

use crate::clock;
use crate::error::{AppError, Refused};
use crate::store::Tx;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keypad {
    Resident,
    Staff,
}

impl Keypad {
    fn key(self) -> &'static str {
        match self {
            Keypad::Resident => "resident",
            Keypad::Staff => "staff",
        }
    }
}

/// Failures that count towards a lock are those within this window of the first.
const WINDOW_MINUTES: i64 = 10;

/// A keypad's count: failures since `first`, and a lock.
#[derive(Default)]
struct Count {
    failures: u32,
    first: Option<NaiveDateTime>,
    locked_until: Option<NaiveDateTime>,
}

fn load(conn: &Connection, keypad: Keypad) -> Result<Count, AppError> {
    let row: Option<(u32, Option<String>, Option<String>)> = conn
        .prepare_cached(
            "SELECT failures, first_failure_at, locked_until FROM keypad_limits WHERE keypad = ?1",
        )?
        .query_row([keypad.key()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    Ok(
        row.map_or_else(Count::default, |(failures, first, until)| Count {
            failures,
            first: first.as_deref().and_then(clock::from_db),
            locked_until: until.as_deref().and_then(clock::from_db),
        }),
    )
}

/// Until when the keypad is locked, if it is now.
pub fn locked_until(
    conn: &Connection,
    keypad: Keypad,
    now: NaiveDateTime,
) -> Result<Option<NaiveDateTime>, AppError> {
    Ok(load(conn, keypad)?
        .locked_until
        .filter(|until| now < *until))
}

/// Counts one sign-in at the keypad (inside the sign-in's own transaction); returns
/// the lock's end if this failure locked it.
pub fn record(
    tx: &mut Tx<'_>,
    keypad: Keypad,
    accepted: bool,
    now: NaiveDateTime,
) -> Result<Option<NaiveDateTime>, AppError> {
    let mut count = load(tx, keypad)?;
    if accepted || count.locked_until.is_some_and(|until| now < until) {
        return Ok(None);
    }
    let window = Duration::minutes(WINDOW_MINUTES);
    match count.first {
        Some(first) if now - first < window => count.failures += 1,
        _ => {
            count.first = Some(now);
            count.failures = 1;
        }
    }
    let mut locked = None;
    if count.failures >= MAX_FAILED_PIN_ATTEMPTS {
        let until = now + Duration::minutes(LOCKOUT_MINUTES);
        locked = Some(until);
        count = Count {
            failures: 0,
            first: None,
            locked_until: Some(until),
        };
    }
    tx.prepare_cached(
        "INSERT INTO keypad_limits (keypad, failures, first_failure_at, locked_until) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(keypad) DO UPDATE SET failures = ?2, first_failure_at = ?3, locked_until = ?4",
    )?
    .execute((
        keypad.key(),
        count.failures,
        count.first.map(clock::to_db),
        count.locked_until.map(clock::to_db),
    ))?;
    if let Some(until) = locked {
        tx.audit(
            "keypad_locked",
            keypad.key(),
            serde_json::json!({"until": clock::to_db(until)}),
        );
    }
    Ok(locked)
}

/// What the person at a locked keypad is told.
pub fn locked(keypad: Keypad, until: NaiveDateTime) -> AppError {
    let at = until.format("%H:%M");
    let (zh, en) = match keypad {
        Keypad::Resident => (
            format!("输错次数过多，本机居民登录已暂停，请于 {at} 后再试，或请工作人员帮忙"),
            format!("Too many wrong tries: resident sign-in on this kiosk is paused until {at}; staff can help"),
        ),
        Keypad::Staff => (
            format!("输错次数过多，本机工作人员登录已锁定，请于 {at} 后再试"),
            format!("Too many wrong tries: staff sign-in on this kiosk is locked until {at}"),
        ),
    };
    Refused::new(
        "keypad_locked",
        Text::new("暂时不能登录", "sign-in is paused for now"),
        vec![Text::new(zh, en)],
    )
    .into()
}
