//! The device's own limit on wrong sign-ins at its keypads, whatever account was
//! tried: five failures in a row at the resident keypad (phones, cards, codes) or at
//! the staff keypad lock that keypad for five minutes, so one kiosk cannot be used to
//! try one PIN against many accounts. Kept in the database: a restart (or pulling the
//! plug) does not lift a lock.

use chrono::NaiveDateTime;
use linli_core::staff::Lockout;
use linli_core::Text;
use rusqlite::{Connection, OptionalExtension};

use crate::clock;
use crate::store::{AppError, Refused, Tx};

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

fn load(conn: &Connection, keypad: Keypad) -> Result<Lockout, AppError> {
    let row: Option<(u32, Option<String>)> = conn
        .prepare_cached("SELECT failures, locked_until FROM keypad_limits WHERE keypad = ?1")?
        .query_row([keypad.key()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(
        row.map_or_else(Lockout::default, |(failures, until)| Lockout {
            failures,
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
    let lockout = load(conn, keypad)?;
    Ok(lockout
        .is_locked(now)
        .then(|| lockout.locked_until.unwrap_or(now)))
}

/// Counts one sign-in at the keypad (inside the sign-in's own transaction); returns
/// the lock's end if this failure locked it.
pub fn record(
    tx: &mut Tx<'_>,
    keypad: Keypad,
    accepted: bool,
    now: NaiveDateTime,
) -> Result<Option<NaiveDateTime>, AppError> {
    let mut lockout = load(tx, keypad)?;
    if accepted {
        lockout.record_success();
    } else {
        lockout.record_failure(now);
    }
    tx.prepare_cached(
        "INSERT INTO keypad_limits (keypad, failures, locked_until) VALUES (?1, ?2, ?3)
         ON CONFLICT(keypad) DO UPDATE SET failures = ?2, locked_until = ?3",
    )?
    .execute((
        keypad.key(),
        lockout.failures,
        lockout.locked_until.map(clock::to_db),
    ))?;
    let locked = lockout
        .is_locked(now)
        .then(|| lockout.locked_until.unwrap_or(now));
    if locked.is_some() {
        tx.audit(
            "keypad_locked",
            keypad.key(),
            serde_json::json!({"until": lockout.locked_until.map(clock::to_db)}),
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
