//! Residents identifying themselves at the kiosk: phone number and a six-digit PIN
//! that staff set at the desk, or their community card and that PIN (something held
//! and something known), under the same five-failure lockout as staff PINs plus the
//! kiosk's own limit across accounts (`keypad`). An unknown phone, an unknown card and
//! a wrong PIN get the same words and cost the same single argon2 check, so the kiosk
//! never confirms that a number or card belongs to someone.

use chrono::NaiveDateTime;
use linli_core::household::Resident;
use linli_core::identity::{mask_id_number, mask_phone, Phone};
use linli_core::outbox::EventPayload;
use linli_core::staff::{validate_pin, Lockout, Permission};
use linli_core::Text;
use rusqlite::OptionalExtension;
use serde_json::json;

use super::keypad::{self, Keypad};
use super::load;
use super::staff::{check_pin, hash_pin, verify_pin, Credential, PinCheck, StoredPin};
use crate::clock;
use crate::error::{AppError, Refused};
use crate::store::{Actor, Store, Tx};

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

fn wrong_card_or_pin() -> AppError {
    Refused::new(
        "wrong_card_or_pin",
        Text::new("卡片或密码不正确", "wrong card or PIN"),
        vec![Text::new(
            "连续输错5次将暂停5分钟；没有密码或忘记密码请找工作人员",
            "five wrong tries in a row pause sign-in for five minutes; staff set or reset a PIN",
        )],
    )
    .into()
}

/// The one kiosk-PIN holder of a phone or card: (id number, hash, failures, lock).
type Holder = (String, String, u32, Option<String>);

/// Checks `pin` for `holder` (None: nobody, checked against the decoy all the same),
/// counting the outcome at the kiosk's resident keypad, all in one transaction.
fn check_holder(
    store: &mut Store,
    now: NaiveDateTime,
    holder: Option<Holder>,
    pin: &str,
    unknown_subject: &str,
    by: &str,
) -> Result<Option<(String, PinCheck)>, AppError> {
    if let Some(until) = keypad::locked_until(store.conn(), Keypad::Resident, now)? {
        return Err(keypad::locked(Keypad::Resident, until));
    }
    let (outcome, keypad_lock) = store.write(&Actor::kiosk(), now, |tx| {
        let outcome = match &holder {
            Some((id_number, hash, failures, until)) => {
                let masked = mask_id_number(id_number);
                let credential = Credential {
                    table: "resident_pins",
                    key_column: "id_number",
                    key: id_number,
                    audit_subject: &masked,
                    audit_prefix: "resident",
                };
                let stored = StoredPin {
                    hash: hash.clone(),
                    lockout: Lockout {
                        failures: *failures,
                        locked_until: until.as_deref().and_then(clock::from_db),
                    },
                };
                Some((
                    id_number.clone(),
                    check_pin(tx, &credential, stored, pin, now)?,
                ))
            }
            None => {
                verify_pin(None, pin);
                tx.audit(
                    "resident_sign_in_failed",
                    unknown_subject,
                    json!({"by": by, "reason": "unknown"}),
                );
                None
            }
        };
        let accepted = matches!(outcome, Some((_, PinCheck::Accepted)));
        let keypad_lock = keypad::record(tx, Keypad::Resident, accepted, now)?;
        Ok((outcome, keypad_lock))
    })?;
    if let Some(until) = keypad_lock {
        return Err(keypad::locked(Keypad::Resident, until));
    }
    Ok(outcome)
}

fn signed_in(store: &Store, id_number: &str) -> Result<Resident, AppError> {
    load::resident(store.conn(), id_number)?
        .ok_or_else(|| load::not_found("居民", "resident", &mask_id_number(id_number)))
}

/// The resident whose phone and PIN these are.
pub fn sign_in(
    store: &mut Store,
    now: NaiveDateTime,
    raw_phone: &str,
    pin: &str,
) -> Result<Resident, AppError> {
    let phone = Phone::parse(raw_phone.trim()).ok();
    // One kiosk PIN per phone (`set_pin` keeps it so): the household member who holds
    // it signs in and acts for the household. Older data may have several; the one
    // set most recently is the phone's.
    let holder: Option<Holder> = match &phone {
        Some(phone) => store
            .conn()
            .prepare_cached(
                "SELECT p.id_number, p.pin_hash, p.failures, p.locked_until
                 FROM residents r JOIN resident_pins p ON p.id_number = r.id_number
                 WHERE r.phone = ?1 ORDER BY p.set_at DESC, p.id_number LIMIT 1",
            )?
            .query_row([phone.as_str()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()?,
        None => None,
    };
    let subject = mask_phone(raw_phone.trim());
    // A locked account gets the words an unknown phone gets (they say that wrong tries
    // pause sign-in): otherwise the answer would tell which phones are residents'.
    match check_holder(store, now, holder, pin, &subject, "phone")? {
        Some((id_number, PinCheck::Accepted)) => signed_in(store, &id_number),
        _ => Err(wrong_phone_or_pin()),
    }
}

/// The resident whose community card the card reader read, with their PIN. An
/// unknown or revoked card gets the same words as a wrong PIN, and is audited and
/// counted: a found card tells its finder nothing.
pub fn sign_in_by_card(
    store: &mut Store,
    now: NaiveDateTime,
    card: &str,
    pin: &str,
) -> Result<Resident, AppError> {
    let holder: Option<Holder> = store
        .conn()
        .prepare_cached(
            "SELECT p.id_number, p.pin_hash, p.failures, p.locked_until
             FROM resident_cards c JOIN resident_pins p ON p.id_number = c.id_number
             WHERE c.token = ?1 AND c.revoked_at IS NULL",
        )?
        .query_row([card.trim()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    let subject = mask_token(card.trim());
    match check_holder(store, now, holder, pin, &subject, "card")? {
        Some((id_number, PinCheck::Accepted)) => signed_in(store, &id_number),
        _ => Err(wrong_card_or_pin()),
    }
}

/// Something the code scanner read where a resident signs in. A QR code is never a
/// credential (anyone can print one); it is audited and counted like a failed
/// sign-in, so a stream of them cannot be used to probe the kiosk.
pub fn code_presented(store: &mut Store, now: NaiveDateTime, code: &str) -> Result<(), AppError> {
    if let Some(until) = keypad::locked_until(store.conn(), Keypad::Resident, now)? {
        return Err(keypad::locked(Keypad::Resident, until));
    }
    let subject = mask_token(code.trim());
    let lock = store.write(&Actor::kiosk(), now, |tx| {
        tx.audit("code_presented_at_sign_in", &subject, json!({}));
        keypad::record(tx, Keypad::Resident, false, now)
    })?;
    if let Some(until) = lock {
        return Err(keypad::locked(Keypad::Resident, until));
    }
    Err(Refused::new(
        "code_is_not_a_card",
        Text::new("二维码不能用于登录", "a QR code does not sign you in"),
        vec![Text::new(
            "请刷居民卡，或输入手机号和密码",
            "tap your resident card, or type your phone number and PIN",
        )],
    )
    .into())
}

/// A resident's kiosk PIN set at the desk.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PinSet {
    /// Masked ID number.
    pub resident: String,
    pub pin_set: bool,
}

/// A community card registered for a resident.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CardIssued {
    /// Masked ID number.
    pub resident: String,
    /// The card's last characters only.
    pub card: String,
}

/// Staff set (or reset) a resident's kiosk PIN at the desk; audited.
pub fn set_pin(
    store: &mut Store,
    actor: &Actor,
    now: NaiveDateTime,
    raw_id: &str,
    pin: &str,
) -> Result<PinSet, AppError> {
    actor.authorise(Permission::RegisterHouseholds)?;
    validate_pin(pin)?;
    let hash = hash_pin(pin);
    store.write(actor, now, |tx| {
        tx.authorise(Permission::RegisterHouseholds)?;
        let id = load::parse_id(raw_id, now.date())?;
        let resident = load::resident(tx, id.as_str())?
            .ok_or_else(|| load::not_found("居民", "resident", &id.masked()))?;
        refuse_second_pin_on_phone(tx, &resident)?;
        set_pin_in(tx, resident.id_number.as_str(), &hash)?;
        Ok(PinSet {
            resident: resident.id_number.masked(),
            pin_set: true,
        })
    })
}

/// What a PIN reset did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PinReset {
    /// Masked ID number.
    pub resident: String,
    /// A PIN was set and no longer works.
    pub pin_cleared: bool,
    /// Sign-in was paused after five wrong tries, and no longer is.
    pub was_locked: bool,
}

/// `linli resident pin-reset`: a forgotten PIN stops working and a locked account is
/// unlocked; the resident then chooses a new PIN. Staff never learn it. Audited.
pub fn reset_pin(
    store: &mut Store,
    actor: &Actor,
    now: NaiveDateTime,
    raw_id: &str,
) -> Result<PinReset, AppError> {
    super::consents::registering(store, actor, now, |tx| {
        let id = load::parse_id(raw_id, now.date())?;
        let resident = load::resident(tx, id.as_str())?
            .ok_or_else(|| load::not_found("居民", "resident", &id.masked()))?;
        let held: Option<(u32, Option<String>)> = tx
            .prepare_cached(
                "SELECT failures, locked_until FROM resident_pins WHERE id_number = ?1",
            )?
            .query_row([id.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let was_locked = held
            .as_ref()
            .and_then(|(_, until)| until.as_deref().and_then(clock::from_db))
            .is_some_and(|until| until > tx.now);
        tx.execute(
            "DELETE FROM resident_pins WHERE id_number = ?1",
            [id.as_str()],
        )?;
        tx.audit(
            "resident_pin_reset",
            &resident.id_number.masked(),
            json!({"was_locked": was_locked, "failures": held.as_ref().map(|(f, _)| f)}),
        );
        Ok(PinReset {
            resident: resident.id_number.masked(),
            pin_cleared: held.is_some(),
            was_locked,
        })
    })
}

/// A phone signs in one account, so that signing in is one PIN check: a second
/// resident with the same phone cannot get a PIN of their own (the holder signs in
/// and acts for the household).
fn refuse_second_pin_on_phone(tx: &Tx<'_>, resident: &Resident) -> Result<(), AppError> {
    let Some(phone) = &resident.phone else {
        return Ok(());
    };
    let holder: Option<String> = tx
        .prepare_cached(
            "SELECT r.name FROM residents r JOIN resident_pins p ON p.id_number = r.id_number
             WHERE r.phone = ?1 AND r.id_number <> ?2 LIMIT 1",
        )?
        .query_row([phone.as_str(), resident.id_number.as_str()], |r| {
            r.get::<_, String>(0)
        })
        .optional()?;
    match holder {
        None => Ok(()),
        Some(name) => {
            let name = linli_core::identity::mask_name(&name);
            Err(AppError::from(Refused::new(
                "phone_has_a_pin",
                Text::new("该手机号已设置自助机密码", "this phone already has a kiosk PIN"),
                vec![Text::new(
                    format!("同一手机号只能设一个自助机密码，现由{name}使用；{name}登录后可为全家办理，或先为其中一人更换手机号"),
                    format!("one phone has one kiosk PIN, now {name}'s; {name} signs in for the whole household, or give one of them another phone number first"),
                )],
            )))
        }
    }
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

/// The last four characters of a card number: enough for its holder to recognise it.
pub fn card_ending(token: &str) -> String {
    let count = token.chars().count();
    token.chars().skip(count.saturating_sub(4)).collect()
}

/// A card number in the audit log: enough to recognise it, not to copy it.
fn mask_token(token: &str) -> String {
    format!("card ****{}", card_ending(token))
}

/// Staff register a community card for a resident at the desk; audited.
pub fn issue_card(
    store: &mut Store,
    actor: &Actor,
    now: NaiveDateTime,
    raw_id: &str,
    card: &str,
) -> Result<CardIssued, AppError> {
    store.write(actor, now, |tx| {
        tx.authorise(Permission::RegisterHouseholds)?;
        let id = load::parse_id(raw_id, now.date())?;
        let resident = load::resident(tx, id.as_str())?
            .ok_or_else(|| load::not_found("居民", "resident", &id.masked()))?;
        let card = card.trim();
        if card.is_empty() || card.len() > 64 || !card.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(Refused::new(
                "invalid_card",
                Text::new("卡号有误", "the card number is not valid"),
                vec![Text::new(
                    "卡号应为1至64位字母或数字（读卡器读出的号码）",
                    "a card number is 1 to 64 letters or digits, as the card reader reads it",
                )],
            )
            .into());
        }
        issue_card_in(tx, resident.id_number.as_str(), card)?;
        Ok(CardIssued {
            resident: resident.id_number.masked(),
            card: mask_token(card),
        })
    })
}

/// A card revoked at the desk.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CardRevoked {
    /// Masked ID number of whose it was.
    pub resident: String,
    /// The card's last characters only.
    pub card: String,
}

/// 挂失: the card stops working at once (sign-in, the desk's search, the roll call);
/// whose it was is kept, and issuing it again brings it back. An unknown card or one
/// already revoked is refused in words.
pub fn revoke_card(
    store: &mut Store,
    actor: &Actor,
    now: NaiveDateTime,
    card: &str,
) -> Result<CardRevoked, AppError> {
    store.write(actor, now, |tx| {
        tx.authorise(Permission::RegisterHouseholds)?;
        let card = card.trim();
        let found: Option<(String, Option<String>)> = tx
            .query_row(
                "SELECT id_number, revoked_at FROM resident_cards WHERE token = ?1",
                [card],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let masked = mask_token(card);
        let Some((id_number, revoked)) = found else {
            return Err(Refused::new(
                "unknown_card",
                Text::new("没有这张卡", "no such card"),
                vec![Text::new(
                    format!("本中心没有发过卡号为{masked}的卡，请核对卡号"),
                    format!("This centre never issued a card {masked}: check the number"),
                )],
            )
            .into());
        };
        if let Some(at) = revoked {
            return Err(Refused::new(
                "card_already_revoked",
                Text::new("这张卡已经停用", "the card is already revoked"),
                vec![Text::new(
                    format!("卡{masked}已于{at}停用"),
                    format!("Card {masked} was revoked at {at}"),
                )],
            )
            .into());
        }
        tx.execute(
            "UPDATE resident_cards SET revoked_at = ?2 WHERE token = ?1",
            (card, clock::to_db(tx.now)),
        )?;
        tx.emit(EventPayload::CardChanged {
            card: card.to_string(),
            resident_id_number: id_number.clone(),
            revoked: true,
        });
        tx.audit(
            "resident_card_revoked",
            &mask_id_number(&id_number),
            json!({"card": masked}),
        );
        Ok(CardRevoked {
            resident: mask_id_number(&id_number),
            card: masked,
        })
    })
}

/// A card as another desk of the centre left it, from the district: kept when newer
/// than what this device has (an issue or a revocation, whichever came last), and
/// ignored for a resident this device does not know yet (the household comes with
/// its own change, and the card with the next one).
pub fn receive_card(
    tx: &mut Tx<'_>,
    card: &str,
    resident: &str,
    revoked: bool,
    changed_at: NaiveDateTime,
) -> Result<(), AppError> {
    // A card given to a number merged away since is its survivor's.
    let resident = &super::households::current_number(tx, resident)?;
    if load::resident(tx, resident)?.is_none() {
        return Ok(());
    }
    let ours: Option<String> = tx
        .query_row(
            "SELECT max(issued_at, coalesce(revoked_at, '')) FROM resident_cards WHERE token = ?1",
            [card],
            |r| r.get(0),
        )
        .optional()?;
    let at = clock::to_db(changed_at);
    if ours.is_some_and(|ours| ours > at) {
        return Ok(());
    }
    tx.execute(
        "INSERT INTO resident_cards (token, id_number, issued_at, revoked_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(token) DO UPDATE SET id_number = ?2,
             issued_at = CASE WHEN ?4 IS NULL THEN ?3 ELSE issued_at END, revoked_at = ?4",
        (card, resident, &at, revoked.then_some(&at)),
    )?;
    Ok(())
}

/// Registers a card (or QR token) for a resident, replacing any earlier holder.
pub fn issue_card_in(tx: &mut Tx<'_>, id_number: &str, token: &str) -> Result<(), AppError> {
    tx.execute(
        "INSERT INTO resident_cards (token, id_number, issued_at) VALUES (?1, ?2, ?3)
         ON CONFLICT(token) DO UPDATE SET id_number = ?2, issued_at = ?3, revoked_at = NULL",
        (token, id_number, clock::to_db(tx.now)),
    )?;
    tx.emit(EventPayload::CardChanged {
        card: token.to_string(),
        resident_id_number: id_number.to_string(),
        revoked: false,
    });
    tx.audit(
        "resident_card_issued",
        &mask_id_number(id_number),
        json!({"card": mask_token(token)}),
    );
    Ok(())
}

/// A resident's full ID number and phone, for the desk member who asked with a reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownInFull {
    pub id_number: String,
    pub phone: Option<String>,
}

/// "Show in full" at the desk: the whole ID number and phone of a resident, only with a
/// reason, and the look is itself audited with it (`shown_in_full`, invariant 6).
pub fn show_in_full(
    store: &mut Store,
    actor: &Actor,
    now: NaiveDateTime,
    raw_id: &str,
    reason: &str,
) -> Result<ShownInFull, AppError> {
    let reason = linli_core::text::checked("reason", ("原因", "reason"), reason, 200)?;
    if reason.is_empty() {
        return Err(linli_core::FieldError::new(
            "reason",
            "required",
            "请写明为什么要看完整号码（会记录在操作日志）",
            "Say why the full numbers are needed (it is kept in the audit log)",
        )
        .into());
    }
    super::consents::registering(store, actor, now, |tx| {
        let id = load::parse_id(raw_id, tx.now.date())?;
        let resident = load::resident(tx, id.as_str())?
            .ok_or_else(|| load::not_found("居民", "resident", &id.masked()))?;
        tx.audit(
            "shown_in_full",
            &id.masked(),
            json!({"reason": reason, "phone": resident.phone.is_some()}),
        );
        Ok(ShownInFull {
            id_number: id.as_str().to_string(),
            phone: resident.phone.map(|p| p.as_str().to_string()),
        })
    })
}
