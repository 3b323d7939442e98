//! Staff credentials: argon2-hashed PINs, the five-failure lockout, and the audit
//! trail of every sign-in (invariant 7).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::NaiveDateTime;
use linli_core::staff::{validate_pin, Lockout, Role, StaffMember};
use linli_core::Text;
use rusqlite::OptionalExtension;
use serde_json::json;

use super::keypad::Keypad;
use crate::clock;
use crate::error::{AppError, Refused};
use crate::store::{Actor, Store, Tx};

pub fn pin_missing() -> AppError {
    Refused::new(
        "pin_required",
        Text::new("需要工作人员密码", "a staff PIN is needed"),
        vec![Text::new(
            "请用 --pin 或环境变量 LINLI_STAFF_PIN 提供密码",
            "give the PIN with --pin or the LINLI_STAFF_PIN environment variable",
        )],
    )
    .into()
}

fn wrong_credential() -> AppError {
    Refused::new(
        "wrong_credential",
        Text::new("工号或密码不正确", "wrong staff code or PIN"),
        vec![Text::new(
            "连续输错5次将锁定5分钟",
            "five wrong tries in a row lock the account for five minutes",
        )],
    )
    .into()
}

/// Where a PIN and its lockout are kept: a row of `table` whose `key_column` is `key`,
/// with `pin_hash`, `failures` and `locked_until` columns.
pub struct Credential<'a> {
    pub table: &'static str,
    pub key_column: &'static str,
    pub key: &'a str,
    /// Names the account in the audit log; masked if it is personal data.
    pub audit_subject: &'a str,
    /// "staff" or "resident": audit actions are `<prefix>_signed_in` and `<prefix>_sign_in_failed`.
    pub audit_prefix: &'static str,
}

pub struct StoredPin {
    pub hash: String,
    pub lockout: Lockout,
}

pub enum PinCheck {
    Accepted,
    Wrong,
    Locked(NaiveDateTime),
}

/// A hash of no one's PIN, to verify against when the account does not exist, so an
/// unknown phone, card or staff number costs the same argon2 check as a wrong PIN and
/// the time taken tells nothing.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_pin("975310"))
}

thread_local! {
    static PIN_CHECKS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// How many argon2 verifications this thread has run: what tests read to show that
/// every sign-in costs exactly one, known account or not.
pub fn pin_checks_on_this_thread() -> u64 {
    PIN_CHECKS.with(|checks| checks.get())
}

/// One argon2 verification of `pin` against `hash` (the decoy when there is none).
pub fn verify_pin(hash: Option<&str>, pin: &str) -> bool {
    PIN_CHECKS.with(|checks| checks.set(checks.get() + 1));
    let checked = hash.unwrap_or_else(|| decoy_hash());
    let verified = PasswordHash::new(checked)
        .map(|parsed| {
            Argon2::default()
                .verify_password(pin.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false);
    verified && hash.is_some()
}

/// Checks `pin` against a stored hash under the account's five-failure lockout, inside
/// the caller's transaction: records the outcome (failures count, success resets) and
/// audits it either way. Exactly one argon2 check, locked or not.
pub fn check_pin(
    tx: &mut Tx<'_>,
    credential: &Credential<'_>,
    mut stored: StoredPin,
    pin: &str,
    now: NaiveDateTime,
) -> Result<PinCheck, AppError> {
    if stored.lockout.is_locked(now) {
        verify_pin(None, pin);
        return Ok(PinCheck::Locked(stored.lockout.locked_until.unwrap_or(now)));
    }
    let verified = verify_pin(Some(&stored.hash), pin);
    if verified {
        stored.lockout.record_success();
    } else {
        stored.lockout.record_failure(now);
    }
    let Credential {
        table,
        key_column,
        key,
        audit_subject,
        audit_prefix,
    } = credential;
    tx.execute(
        &format!("UPDATE {table} SET failures = ?2, locked_until = ?3 WHERE {key_column} = ?1"),
        (
            key,
            stored.lockout.failures,
            stored.lockout.locked_until.map(clock::to_db),
        ),
    )?;
    if verified {
        tx.audit(
            &format!("{audit_prefix}_signed_in"),
            audit_subject,
            json!({}),
        );
    } else {
        let by = (*audit_prefix == "staff").then(|| Actor::sign_in_attempt(key));
        let actor = by.map(|by| std::mem::replace(&mut tx.actor, by));
        tx.audit(
            &format!("{audit_prefix}_sign_in_failed"),
            audit_subject,
            json!({"failures": stored.lockout.failures}),
        );
        if let Some(actor) = actor {
            tx.actor = actor;
        }
    }
    Ok(if verified {
        PinCheck::Accepted
    } else if stored.lockout.is_locked(now) {
        PinCheck::Locked(stored.lockout.locked_until.unwrap_or(now))
    } else {
        PinCheck::Wrong
    })
}

/// A random six-digit PIN that passes the policy (no repeats or straight runs).
pub fn random_pin() -> String {
    loop {
        // A v4 UUID carries 122 bits from the operating system's random source.
        let candidate = format!("{:06}", uuid::Uuid::new_v4().as_u128() % 1_000_000);
        if linli_core::staff::validate_pin(&candidate).is_ok() {
            return candidate;
        }
    }
}

pub fn hash_pin(pin: &str) -> String {
    // A v4 UUID is 122 bits from the operating system's random source: a good salt,
    // without a second random-number crate.
    let salt =
        SaltString::encode_b64(uuid::Uuid::new_v4().as_bytes()).expect("16 bytes make a salt");
    Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .expect("argon2 hashes a PIN")
        .to_string()
}

fn roles_to_text(roles: &[Role]) -> String {
    serde_json::to_string(roles).expect("roles serialise")
}

/// Adds a staff member (or leaves an existing one alone) inside a use-case's transaction.
pub fn create_staff_in(
    tx: &mut crate::store::Tx<'_>,
    member: &StaffMember,
    pin: &str,
) -> Result<bool, AppError> {
    validate_pin(pin)?;
    linli_core::text::checked(
        "name",
        ("姓名", "name"),
        &member.name,
        linli_core::text::NAME_CHARS,
    )?;
    let inserted = tx.execute(
        "INSERT INTO staff (code, name, roles, pin_hash) VALUES (?1, ?2, ?3, ?4) ON CONFLICT(code) DO NOTHING",
        (&member.code, &member.name, roles_to_text(&member.roles), hash_pin(pin)),
    )?;
    if inserted == 1 {
        tx.audit(
            "staff_created",
            &member.code,
            json!({"roles": member.roles}),
        );
    }
    Ok(inserted == 1)
}

/// Checks a staff code and PIN. Failures count toward the lockout and are audited,
/// so they are written even though the caller is refused. A disabled account is
/// refused like a wrong PIN.
pub fn authenticate(
    store: &mut Store,
    code: &str,
    pin: &str,
    now: NaiveDateTime,
) -> Result<StaffMember, AppError> {
    let (member, must_change) = authenticate_with(store, code, pin, now, |_, _| Ok(()))?;
    if must_change {
        return Err(pin_change_required(code));
    }
    Ok(member)
}

/// A one-time PIN (from the district or a manager) opens nothing but the change to the
/// member's own PIN.
fn pin_change_required(code: &str) -> AppError {
    Refused::new(
        "pin_change_required",
        Text::new("请先设置您自己的密码", "choose your own PIN first"),
        vec![Text::new(
            format!("这是一次性密码：请在自助机的工作人员入口登录设置新密码，或运行 linli staff change-pin --staff {code}（新密码放在 LINLI_NEW_PIN）"),
            format!("this is a one-time PIN: sign in at the kiosk's staff entry to choose a new one, or run `linli staff change-pin --staff {code}` with the new PIN in LINLI_NEW_PIN"),
        )],
    )
    .into()
}

/// [`authenticate`] for the one thing a one-time PIN may do: choose the member's own.
/// Says whether the PIN was a one-time PIN.
pub fn authenticate_allowing_pin_change(
    store: &mut Store,
    code: &str,
    pin: &str,
    now: NaiveDateTime,
) -> Result<(StaffMember, bool), AppError> {
    authenticate_with(store, code, pin, now, |_, _| Ok(()))
}

/// [`authenticate`] at the kiosk's own staff keypad: five failures in a row there,
/// whatever staff numbers were tried, lock the keypad for five minutes, and the lock
/// is kept in the database so a restart does not lift it.
pub fn authenticate_at_keypad(
    store: &mut Store,
    code: &str,
    pin: &str,
    now: NaiveDateTime,
) -> Result<(StaffMember, bool), AppError> {
    if let Some(until) = super::keypad::locked_until(store.conn(), Keypad::Staff, now)? {
        return Err(super::keypad::locked(Keypad::Staff, until));
    }
    let result = authenticate_with(store, code, pin, now, |tx, accepted| {
        super::keypad::record(tx, Keypad::Staff, accepted, now).map(|_| ())
    });
    match result {
        Err(e) if matches!(&e, AppError::Refused(_)) => {
            match super::keypad::locked_until(store.conn(), Keypad::Staff, now)? {
                Some(until) => Err(super::keypad::locked(Keypad::Staff, until)),
                None => Err(e),
            }
        }
        other => other,
    }
}

/// The check itself, with `also` run in the same transaction as the outcome (the
/// keypad's own count).
fn authenticate_with(
    store: &mut Store,
    code: &str,
    pin: &str,
    now: NaiveDateTime,
    also: impl FnOnce(&mut Tx<'_>, bool) -> Result<(), AppError>,
) -> Result<(StaffMember, bool), AppError> {
    type Row = (String, String, String, u32, Option<String>, bool, bool);
    let row: Option<Row> = store
        .conn()
        .query_row(
            "SELECT name, roles, pin_hash, failures, locked_until, disabled, must_change_pin
             FROM staff WHERE code = ?1",
            [code],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            },
        )
        .optional()?;
    let disabled = row.as_ref().is_some_and(|row| row.5);
    let Some((name, roles, pin_hash, failures, locked_until, _, must_change)) =
        row.filter(|_| !disabled)
    else {
        verify_pin(None, pin);
        let reason = if disabled { "disabled" } else { "unknown code" };
        store.write(&Actor::unknown_staff(code), now, |tx| {
            tx.audit("staff_sign_in_failed", code, json!({"reason": reason}));
            also(tx, false)
        })?;
        return Err(wrong_credential());
    };
    let credential = Credential {
        table: "staff",
        key_column: "code",
        key: code,
        audit_subject: code,
        audit_prefix: "staff",
    };
    let stored = StoredPin {
        hash: pin_hash,
        lockout: Lockout {
            failures,
            locked_until: locked_until.as_deref().and_then(clock::from_db),
        },
    };
    let member = StaffMember {
        code: code.to_string(),
        name,
        roles: serde_json::from_str(&roles).unwrap_or_default(),
    };
    let check = store.write(&Actor::member(&member), now, |tx| {
        let check = check_pin(tx, &credential, stored, pin, now)?;
        also(tx, matches!(check, PinCheck::Accepted))?;
        Ok(check)
    })?;
    match check {
        PinCheck::Accepted => {}
        PinCheck::Wrong => return Err(wrong_credential()),
        PinCheck::Locked(until) => {
            let until = until.format("%H:%M");
            return Err(Refused::new(
                "locked",
                Text::new("该工号已暂时锁定", "this staff account is locked for now"),
                vec![Text::new(
                    format!("密码连续输错次数过多，请于 {until} 后再试"),
                    format!("too many wrong PINs; try again after {until}"),
                )],
            )
            .into());
        }
    }
    Ok((member, must_change))
}
