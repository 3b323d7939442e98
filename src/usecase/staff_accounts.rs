//! A real centre's staff accounts (工作人员账号). They come from the district (district
//! staff add them with a one-time PIN) and every device of the centre receives them on
//! its next pull; a centre's manager can add, disable and reset them at the desk too,
//! and members choose their own PIN at their first sign-in. Every change here goes up
//! to the district in the same transaction (`StaffChanged`), which hands it to the
//! centre's other devices; whichever version was made last wins, on every device.
//!
//! Only the argon2 hash of a PIN is stored or sent. Codes are `S` and three digits,
//! what the kiosk's staff keypad can type.

use chrono::NaiveDateTime;
use linli_core::outbox::EventPayload;
use linli_core::staff::{validate_pin, Permission, Role, StaffMember};
use linli_core::sync::StaffAccount;
use linli_core::Text;
use rusqlite::OptionalExtension;
use serde::Serialize;
use serde_json::json;

use super::load;
use super::staff::{authenticate_allowing_pin_change, hash_pin};
use crate::clock;
use crate::error::{AppError, Refused};
use crate::store::{Actor, Store, Tx};

/// A stored account as `save` writes it.
struct Account {
    name: String,
    roles: Vec<Role>,
    pin_hash: String,
    must_change_pin: bool,
    disabled: bool,
}

fn stored(tx: &Tx<'_>, code: &str) -> Result<Option<Account>, AppError> {
    Ok(tx
        .query_row(
            "SELECT name, roles, pin_hash, must_change_pin, disabled FROM staff WHERE code = ?1",
            [code],
            |r| {
                let roles: String = r.get(1)?;
                Ok(Account {
                    name: r.get(0)?,
                    // Roles this build does not know (from a newer district) are left
                    // out, not fatal.
                    roles: serde_json::from_str(&roles).unwrap_or_default(),
                    pin_hash: r.get(2)?,
                    must_change_pin: r.get(3)?,
                    disabled: r.get(4)?,
                })
            },
        )
        .optional()?)
}

fn account(tx: &Tx<'_>, code: &str) -> Result<Account, AppError> {
    stored(tx, code)?.ok_or_else(|| unknown(code))
}

fn unknown(code: &str) -> AppError {
    load::not_found("工作人员", "staff member", code)
}

fn roles_text(roles: &[Role]) -> String {
    serde_json::to_string(roles).expect("roles serialise")
}

fn role_names(roles: &[Role]) -> Vec<String> {
    roles.iter().map(load::serde_name).collect()
}

/// Writes the account and tells the district, in the caller's transaction.
fn save(tx: &mut Tx<'_>, code: &str, account: &Account, changed_by: &str) -> Result<(), AppError> {
    let Account {
        name,
        roles,
        pin_hash,
        must_change_pin,
        disabled,
    } = account;
    let (must_change_pin, disabled) = (*must_change_pin, *disabled);
    // Newest wins at the district and on every device, by the time each version was
    // made. A change made here must be newer than the version this device holds, even
    // when this device's clock is behind the district's (which made that version):
    // otherwise a member's new PIN would be overwritten by the one-time PIN it replaced.
    let held: Option<NaiveDateTime> = tx
        .query_row(
            "SELECT updated_at FROM staff WHERE code = ?1",
            [code],
            |r| r.get::<_, Option<String>>(0),
        )
        .optional()?
        .flatten()
        .as_deref()
        .and_then(clock::from_db);
    let stamp = match held {
        Some(held) if held >= tx.now => held + chrono::Duration::seconds(1),
        _ => tx.now,
    };
    tx.execute(
        "INSERT INTO staff (code, name, roles, pin_hash, must_change_pin, disabled, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(code) DO UPDATE SET name = ?2, roles = ?3, pin_hash = ?4,
             must_change_pin = ?5, disabled = ?6, updated_at = ?7, failures = 0, locked_until = NULL",
        (
            code,
            name,
            roles_text(roles),
            pin_hash,
            must_change_pin,
            disabled,
            clock::to_db(stamp),
        ),
    )?;
    let now = std::mem::replace(&mut tx.now, stamp);
    tx.emit(EventPayload::StaffChanged {
        code: code.to_string(),
        name: name.to_string(),
        roles: role_names(roles),
        pin_hash: pin_hash.to_string(),
        must_change_pin,
        disabled,
        changed_by: changed_by.to_string(),
    });
    tx.now = now;
    Ok(())
}

/// A member's account as a manager sees it: never the PIN's hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaffAccountView {
    pub code: String,
    pub name: String,
    pub roles: Vec<Role>,
    pub must_change_pin: bool,
    pub disabled: bool,
    pub updated_at: Option<String>,
}

/// A member added, with the one-time PIN shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaffAdded {
    pub code: String,
    pub name: String,
    pub roles: Vec<Role>,
    pub pin: String,
    pub note: &'static str,
}

/// A member disabled or enabled again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaffDisabled {
    pub code: String,
    pub disabled: bool,
}

/// A new one-time PIN, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PinReset {
    pub code: String,
    pub pin: String,
    pub note: &'static str,
}

/// A manager adds a member at the desk; the one-time PIN is printed this once.
pub fn add(
    store: &mut Store,
    actor: &Actor,
    now: NaiveDateTime,
    code: &str,
    name: &str,
    roles: &[Role],
) -> Result<StaffAdded, AppError> {
    let pin = super::staff::random_pin();
    let hash = hash_pin(&pin);
    store.write(actor, now, |tx| {
        let manager = tx.authorise(Permission::ManageStaff)?;
        linli_core::staff::validate_new_staff_code("code", code)?;
        let name =
            linli_core::text::checked("name", ("姓名", "name"), name, linli_core::text::NAME_CHARS)?;
        if name.is_empty() {
            return Err(linli_core::FieldError::new("name", "required", "请填写姓名", "Give the name").into());
        }
        if roles.is_empty() {
            return Err(Refused::new(
                "roles_required",
                Text::new("请至少选择一个岗位", "give at least one role"),
                vec![Text::new(
                    "岗位：front_desk（前台）、social_worker（社工）、manager（中心负责人）、technician（技术人员）",
                    "roles: front_desk, social_worker, manager, technician",
                )],
            )
            .into());
        }
        if stored(tx, code)?.is_some() {
            return Err(Refused::new(
                "duplicate",
                Text::new("工号已被使用", "code already in use"),
                vec![Text::new(
                    format!("本中心已有工号 {code}"),
                    format!("this centre already has staff {code}"),
                )],
            )
            .into());
        }
        let account = Account {
            name: name.to_string(),
            roles: roles.to_vec(),
            pin_hash: hash.clone(),
            must_change_pin: true,
            disabled: false,
        };
        save(tx, code, &account, &manager.code)?;
        tx.audit("staff_added", code, json!({"roles": role_names(roles)}));
        Ok(StaffAdded {
            code: code.to_string(),
            name,
            roles: roles.to_vec(),
            pin: pin.clone(),
            note: "一次性密码只显示这一次；本人首次登录时须改为自己的密码 / This one-time PIN is shown only now; the member chooses their own at the first sign-in",
        })
    })
}

/// A manager disables a member (they sign in nowhere any more) or enables them again.
pub fn set_disabled(
    store: &mut Store,
    actor: &Actor,
    now: NaiveDateTime,
    code: &str,
    disabled: bool,
) -> Result<StaffDisabled, AppError> {
    store.write(actor, now, |tx| {
        let manager = tx.authorise(Permission::ManageStaff)?;
        if disabled && manager.code == code {
            return Err(Refused::new(
                "own_account",
                Text::new("不能停用自己的账号", "you cannot disable your own account"),
                vec![Text::new(
                    "请由另一位中心负责人或区里停用",
                    "another manager, or the district, can do it",
                )],
            )
            .into());
        }
        let account = Account {
            disabled,
            ..account(tx, code)?
        };
        save(tx, code, &account, &manager.code)?;
        tx.audit(
            if disabled {
                "staff_disabled"
            } else {
                "staff_enabled"
            },
            code,
            json!({}),
        );
        Ok(StaffDisabled {
            code: code.to_string(),
            disabled,
        })
    })
}

/// A manager gives a member a new one-time PIN (forgotten, or locked for good).
pub fn reset_pin(
    store: &mut Store,
    actor: &Actor,
    now: NaiveDateTime,
    code: &str,
) -> Result<PinReset, AppError> {
    let pin = super::staff::random_pin();
    let hash = hash_pin(&pin);
    store.write(actor, now, |tx| {
        let manager = tx.authorise(Permission::ManageStaff)?;
        let account = Account {
            pin_hash: hash.clone(),
            must_change_pin: true,
            ..account(tx, code)?
        };
        save(tx, code, &account, &manager.code)?;
        tx.audit("staff_pin_reset", code, json!({}));
        Ok(PinReset {
            code: code.to_string(),
            pin: pin.clone(),
            note: "一次性密码只显示这一次 / shown only this once",
        })
    })
}

/// A member chooses their own PIN, with the one they have now (the one-time PIN at
/// the first sign-in). The old PIN is checked like any sign-in; returns the member,
/// now signed in with their own PIN.
pub fn change_own_pin(
    store: &mut Store,
    now: NaiveDateTime,
    code: &str,
    old_pin: &str,
    new_pin: &str,
) -> Result<StaffMember, AppError> {
    let member = authenticate_allowing_pin_change(store, code, old_pin, now)?.0;
    validate_pin(new_pin)?;
    if new_pin == old_pin {
        return Err(Refused::new(
            "same_pin",
            Text::new(
                "新密码不能与原密码相同",
                "the new PIN must differ from the old one",
            ),
            vec![Text::new(
                "请换一个只有您知道的密码",
                "choose one only you know",
            )],
        )
        .into());
    }
    let hash = hash_pin(new_pin);
    store.write(&Actor::member(&member), now, |tx| {
        let account = Account {
            pin_hash: hash.clone(),
            must_change_pin: false,
            ..account(tx, code)?
        };
        save(tx, code, &account, code)?;
        tx.audit("staff_pin_changed", code, json!({}));
        Ok(())
    })?;
    Ok(member)
}

/// The centre's staff, without hashes: for a manager.
pub fn list(store: &Store, actor: &Actor) -> Result<Vec<StaffAccountView>, AppError> {
    actor.authorise(Permission::ManageStaff)?;
    let mut stmt = store.conn().prepare(
        "SELECT code, name, roles, must_change_pin, disabled, updated_at FROM staff ORDER BY code",
    )?;
    let rows = stmt
        .query_map([], account_view_from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

fn account_view_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StaffAccountView> {
    let roles: String = r.get(2)?;
    Ok(StaffAccountView {
        code: r.get(0)?,
        name: r.get(1)?,
        // Roles this build does not know (from a newer district) are left out, not fatal.
        roles: serde_json::from_str(&roles).unwrap_or_default(),
        must_change_pin: r.get(3)?,
        disabled: r.get(4)?,
        updated_at: r.get(5)?,
    })
}

/// An account as the district sent it: kept when it is newer than the one here, so a
/// change made at the desk and one made at the district settle the same way on every
/// device. Not sent back up (the district already has it).
pub fn receive(tx: &mut Tx<'_>, account: &StaffAccount) -> Result<(), AppError> {
    if let Err(error) = linli_core::staff::validate_staff_code("code", &account.code) {
        // The district checked it; one that no longer reads is skipped, not fatal.
        tx.audit(
            "staff_account_skipped",
            &account.code,
            json!({"reason": error.message.en}),
        );
        return Ok(());
    }
    let held: Option<Option<String>> = tx
        .query_row(
            "SELECT updated_at FROM staff WHERE code = ?1",
            [&account.code],
            |r| r.get(0),
        )
        .optional()?;
    let newer = match held.flatten().as_deref().and_then(clock::from_db) {
        Some(here) => account.changed_at > here,
        None => true,
    };
    if !newer {
        return Ok(());
    }
    tx.execute(
        "INSERT INTO staff (code, name, roles, pin_hash, must_change_pin, disabled, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(code) DO UPDATE SET name = ?2, roles = ?3, pin_hash = ?4,
             must_change_pin = ?5, disabled = ?6, updated_at = ?7",
        (
            &account.code,
            &account.name,
            roles_text(&account.roles),
            &account.pin_hash,
            account.must_change_pin,
            account.disabled,
            clock::to_db(account.changed_at),
        ),
    )?;
    tx.audit(
        "staff_account_received",
        &account.code,
        json!({"disabled": account.disabled, "must_change_pin": account.must_change_pin}),
    );
    Ok(())
}
