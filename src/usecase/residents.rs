//! Residents identifying themselves at the kiosk: phone number and a six-digit PIN
//! that staff set at the desk, under the same five-failure lockout as staff PINs.
//! A wrong phone and a wrong PIN get the same answer, so the kiosk never confirms
//! that a number belongs to someone.

use chrono::NaiveDateTime;
use linli_core::household::Resident;
use linli_core::identity::{mask_id_number, Phone};
use linli_core::staff::{authorise, validate_pin, Lockout, Permission, StaffMember};
use linli_core::Text;
use rusqlite::OptionalExtension;
use serde_json::json;

use super::load;
use super::staff::{check_pin, hash_pin, Credential, PinCheck, StoredPin};
use crate::clock;
use crate::store::{Actor, AppError, Refused, Store, Tx};

fn wrong_phone_or_pin() -> AppError {
    Refused::new(
        "wrong_phone_or_pin",
        Text::new("手机号或密码不正确", "wrong phone number or PIN"),
        vec![Text::new(
            "连续输错5次将暂停5分钟；忘记密码请找工作人员",
            "five wrong tries in a row pause sign-in for five minutes; staff can reset a forgotten PIN",
        )],
    )
    .into()
}

fn locked(until: NaiveDateTime) -> AppError {
    let until = until.format("%H:%M");
    Refused::new(
        "locked",
        Text::new("暂时不能登录", "sign-in is paused for now"),
        vec![Text::new(
            format!("密码连续输错次数过多，请于 {until} 后再试，或请工作人员帮忙"),
            format!("Too many wrong PINs: try again after {until}, or ask staff for help"),
        )],
    )
    .into()
}

/// The resident whose phone and PIN these are.
pub fn sign_in(
    store: &mut Store,
    now: NaiveDateTime,
    raw_phone: &str,
    pin: &str,
) -> Result<Resident, AppError> {
    let Ok(phone) = Phone::parse(raw_phone.trim()) else {
        return Err(wrong_phone_or_pin());
    };
    // Several members of a household may give one phone; each has their own PIN.
    let holders: Vec<(String, String, u32, Option<String>)> = {
        let mut stmt = store.conn().prepare_cached(
            "SELECT p.id_number, p.pin_hash, p.failures, p.locked_until
             FROM residents r JOIN resident_pins p ON p.id_number = r.id_number
             WHERE r.phone = ?1 ORDER BY p.id_number",
        )?;
        let rows = stmt.query_map([phone.as_str()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
        rows.collect::<Result<_, _>>()?
    };
    if holders.is_empty() {
        return Err(wrong_phone_or_pin());
    }
    let mut locked_until = None;
    for (id_number, hash, failures, until) in holders {
        let masked = mask_id_number(&id_number);
        let credential = Credential {
            table: "resident_pins",
            key_column: "id_number",
            key: &id_number,
            audit_subject: &masked,
            audit_prefix: "resident",
        };
        let stored = StoredPin {
            hash,
            lockout: Lockout {
                failures,
                locked_until: until.as_deref().and_then(clock::from_db),
            },
        };
        match check_pin(store, &Actor::kiosk(), &credential, stored, pin, now)? {
            PinCheck::Accepted => {
                return load::resident(store.conn(), &id_number)?
                    .ok_or_else(|| load::not_found("居民", "resident", &masked));
            }
            PinCheck::Locked(until) => locked_until = Some(until),
            PinCheck::Wrong => {}
        }
    }
    Err(locked_until.map_or_else(wrong_phone_or_pin, locked))
}

/// Staff set (or reset) a resident's kiosk PIN at the desk; audited.
pub fn set_pin(
    store: &mut Store,
    staff: &StaffMember,
    now: NaiveDateTime,
    raw_id: &str,
    pin: &str,
) -> Result<serde_json::Value, AppError> {
    authorise(staff, Permission::RegisterHouseholds)?;
    validate_pin(pin)?;
    let hash = hash_pin(pin);
    store.write(&Actor::staff(&staff.code), now, |tx| {
        let id = load::parse_id(raw_id, now.date())?;
        let resident = load::resident(tx, id.as_str())?
            .ok_or_else(|| load::not_found("居民", "resident", &id.masked()))?;
        set_pin_in(tx, resident.id_number.as_str(), &hash)?;
        Ok(json!({"resident": resident.id_number.masked(), "pin_set": true}))
    })
}

/// Stores an already hashed PIN and clears any lockout.
pub fn set_pin_in(tx: &mut Tx<'_>, id_number: &str, hash: &str) -> Result<(), AppError> {
    tx.execute(
        "INSERT INTO resident_pins (id_number, pin_hash, set_at) VALUES (?1, ?2, ?3)
         ON CONFLICT(id_number) DO UPDATE SET pin_hash = ?2, failures = 0, locked_until = NULL, set_at = ?3",
        (id_number, hash, clock::to_db(tx.now)),
    )?;
    tx.audit("resident_pin_set", &mask_id_number(id_number), json!({}));
    Ok(())
}

/// The resident whose card (or QR code) the reader just read. An unknown card gets
/// the same answer as a wrong PIN would, and is audited, so a stray card is noticed.
pub fn sign_in_by_token(
    store: &mut Store,
    now: NaiveDateTime,
    token: &str,
) -> Result<Resident, AppError> {
    let holder: Option<String> = store
        .conn()
        .prepare_cached("SELECT id_number FROM resident_cards WHERE token = ?1")?
        .query_row([token.trim()], |r| r.get(0))
        .optional()?;
    let masked_token = mask_token(token.trim());
    store.write(&Actor::kiosk(), now, |tx| {
        match &holder {
            Some(id) => tx.audit(
                "resident_signed_in",
                &mask_id_number(id),
                json!({"by": "card"}),
            ),
            None => tx.audit(
                "resident_sign_in_failed",
                &masked_token,
                json!({"by": "card"}),
            ),
        }
        Ok(())
    })?;
    let Some(id) = holder else {
        return Err(Refused::new(
            "unknown_card",
            Text::new("这张卡还没有登记", "this card is not registered"),
            vec![Text::new(
                "请用手机号和密码登录，或请工作人员为您登记卡片",
                "sign in with your phone number and PIN, or ask staff to register the card",
            )],
        )
        .into());
    };
    load::resident(store.conn(), &id)?
        .ok_or_else(|| load::not_found("居民", "resident", &mask_id_number(&id)))
}

/// A card number in the audit log: enough to recognise it, not to copy it.
fn mask_token(token: &str) -> String {
    let shown: String = token
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("card ****{shown}")
}

/// Registers a card (or QR token) for a resident, replacing any earlier holder.
pub fn issue_card_in(tx: &mut Tx<'_>, id_number: &str, token: &str) -> Result<(), AppError> {
    tx.execute(
        "INSERT INTO resident_cards (token, id_number, issued_at) VALUES (?1, ?2, ?3)
         ON CONFLICT(token) DO UPDATE SET id_number = ?2, issued_at = ?3",
        (token, id_number, clock::to_db(tx.now)),
    )?;
    tx.audit(
        "resident_card_issued",
        &mask_id_number(id_number),
        json!({"card": mask_token(token)}),
    );
    Ok(())
}
