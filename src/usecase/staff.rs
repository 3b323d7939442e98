//! Staff credentials: argon2-hashed PINs, the five-failure lockout, and the audit
//! trail of every sign-in (invariant 7).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::NaiveDateTime;
use linli_core::staff::{validate_pin, Lockout, Role, StaffMember};
use linli_core::Text;
use rusqlite::OptionalExtension;
use serde_json::json;

use crate::clock;
use crate::store::{Actor, AppError, Refused, Store};

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

/// `reason` says what needs the credential, e.g. "补打凭条须由有权限的工作人员操作".
pub fn credential_required(reason: Text) -> AppError {
    Refused::new(
        "staff_credential_required",
        Text::new("需要工作人员身份", "a staff credential is needed"),
        vec![reason],
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

/// Checks `pin` against a stored hash under the five-failure lockout, recording the
/// outcome (failures count, success resets) and auditing it either way.
pub fn check_pin(
    store: &mut Store,
    actor: &Actor,
    credential: &Credential<'_>,
    mut stored: StoredPin,
    pin: &str,
    now: NaiveDateTime,
) -> Result<PinCheck, AppError> {
    if stored.lockout.is_locked(now) {
        return Ok(PinCheck::Locked(stored.lockout.locked_until.unwrap_or(now)));
    }
    let verified = PasswordHash::new(&stored.hash)
        .map(|hash| {
            Argon2::default()
                .verify_password(pin.as_bytes(), &hash)
                .is_ok()
        })
        .unwrap_or(false);
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
    store.write(actor, now, |tx| {
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
            tx.audit(
                &format!("{audit_prefix}_sign_in_failed"),
                audit_subject,
                json!({"failures": stored.lockout.failures}),
            );
        }
        Ok(())
    })?;
    Ok(if verified {
        PinCheck::Accepted
    } else if stored.lockout.is_locked(now) {
        PinCheck::Locked(stored.lockout.locked_until.unwrap_or(now))
    } else {
        PinCheck::Wrong
    })
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
/// so they are written even though the caller is refused.
pub fn authenticate(
    store: &mut Store,
    code: &str,
    pin: &str,
    now: NaiveDateTime,
) -> Result<StaffMember, AppError> {
    let row: Option<(String, String, String, u32, Option<String>)> = store
        .conn()
        .query_row(
            "SELECT name, roles, pin_hash, failures, locked_until FROM staff WHERE code = ?1",
            [code],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let Some((name, roles, pin_hash, failures, locked_until)) = row else {
        store.write(&Actor(format!("unknown-staff:{code}")), now, |tx| {
            tx.audit(
                "staff_sign_in_failed",
                code,
                json!({"reason": "unknown code"}),
            );
            Ok(())
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
    match check_pin(store, &Actor::staff(code), &credential, stored, pin, now)? {
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
    Ok(StaffMember {
        code: code.to_string(),
        name,
        roles: serde_json::from_str(&roles).unwrap_or_default(),
    })
}
