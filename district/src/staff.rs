//! Staff accounts of real centres (工作人员账号): what `linli-district admin staff …`
//! does, what a `staff_changed` event from a centre's device may do, and the
//! `staff_account` change every device of the centre receives.
//!
//! A one-time PIN is shown once, when it is made, and kept only as its argon2 hash
//! (the argon2 crate's default parameters, which the kiosk verifies with). The newest
//! version of an account wins, whether district staff or a device made it.

use std::collections::HashMap;

use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString};
use argon2::Argon2;
use chrono::NaiveDateTime;
use deadpool_postgres::Pool;
use linli_core::outbox::{check_text, EventPayload, OutboxEvent, TextKind, MAX_NAME_CHARS};
use linli_core::staff::{validate_pin, validate_staff_code, Role, PIN_LENGTH};
use linli_core::sync::{ChangeBody, StaffAccount};
use linli_core::FieldError;
use serde_json::{json, Value};
use tokio_postgres::Transaction;

use crate::admin::AdminError;
use crate::auth::Device;
use crate::{clock, db};

/// Reads a role as written on the command line or in an event ("front_desk").
pub fn parse_role(field: &str, text: &str) -> Result<Role, FieldError> {
    serde_json::from_value(Value::String(text.trim().to_string())).map_err(|_| {
        let names: Vec<String> = Role::ALL.iter().map(|r| role_name(*r)).collect();
        FieldError::new(
            field,
            "unknown_role",
            format!("“{text}”不是工作人员角色，应为：{}", names.join("、")),
            format!(
                "\"{text}\" is not a staff role; expected one of {}",
                names.join(", ")
            ),
        )
    })
}

pub fn role_name(role: Role) -> String {
    serde_json::to_value(role)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Roles as given, each known, at least one, none twice.
pub fn parse_roles(field: &str, texts: &[String]) -> Result<Vec<Role>, FieldError> {
    if texts.is_empty() {
        return Err(FieldError::new(
            field,
            "required",
            "至少要有一个角色",
            "at least one role is needed",
        ));
    }
    let mut roles = Vec::new();
    for text in texts {
        let role = parse_role(field, text)?;
        if !roles.contains(&role) {
            roles.push(role);
        }
    }
    Ok(roles)
}

/// A PHC string the kiosk can verify: argon2, well formed.
pub fn check_pin_hash(field: &str, hash: &str) -> Result<(), FieldError> {
    match PasswordHash::new(hash) {
        Ok(parsed) if parsed.algorithm.as_str().starts_with("argon2") => Ok(()),
        _ => Err(FieldError::new(
            field,
            "invalid_pin_hash",
            "密码摘要不是argon2格式（$argon2id$…）",
            "the PIN hash is not an argon2 PHC string ($argon2id$…)",
        )),
    }
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buffer = [0u8; N];
    getrandom::getrandom(&mut buffer).expect("the operating system gives random bytes");
    buffer
}

/// A one-time PIN: six random digits that core accepts as a PIN (no repeated digit,
/// no run), drawn without bias from the operating system's random source.
pub fn one_time_pin() -> String {
    loop {
        let n = u32::from_le_bytes(random_bytes::<4>());
        // Values past the last whole million would make low PINs likelier.
        if n >= 4_294_000_000 {
            continue;
        }
        let pin = format!("{:0width$}", n % 1_000_000, width = PIN_LENGTH);
        if validate_pin(&pin).is_ok() {
            return pin;
        }
    }
}

/// The PIN's argon2 PHC hash, exactly as the kiosk makes and verifies them.
pub fn hash_pin(pin: &str) -> String {
    let salt = SaltString::encode_b64(&random_bytes::<16>()).expect("16 bytes make a salt");
    Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .expect("argon2 hashes a PIN")
        .to_string()
}

/// An account as stored.
#[derive(Clone, Debug)]
struct Stored {
    name: String,
    roles: Vec<String>,
    disabled: bool,
    changed_at: NaiveDateTime,
}

async fn load(
    client: &tokio_postgres::Client,
    centre: &str,
    codes: &[&str],
) -> Result<HashMap<String, Stored>, tokio_postgres::Error> {
    Ok(client
        .query(
            "SELECT code, name, roles, disabled, changed_at FROM staff_accounts
             WHERE centre_code = $1 AND code = ANY($2)",
            &[&centre, &codes],
        )
        .await?
        .iter()
        .map(|r| {
            (
                r.get(0),
                Stored {
                    name: r.get(1),
                    roles: r.get(2),
                    disabled: r.get(3),
                    changed_at: r.get(4),
                },
            )
        })
        .collect())
}

/// Whether checking this event needs the district's staff accounts.
pub fn needs_state(event: &OutboxEvent) -> bool {
    matches!(event.payload, EventPayload::StaffChanged { .. })
}

/// The checks of a `staff_changed` event that need no tables.
pub fn check_event(payload: &EventPayload) -> Result<(), FieldError> {
    if let EventPayload::StaffChanged {
        roles, pin_hash, ..
    } = payload
    {
        parse_roles("payload.roles", roles)?;
        check_pin_hash("payload.pin_hash", pin_hash)?;
    }
    Ok(())
}

fn refused_actor(code: &str, why: &str, zh: &str, en: &str) -> FieldError {
    FieldError::new(
        "payload.changed_by",
        why,
        format!("工作人员“{code}”{zh}"),
        format!("staff member \"{code}\" {en}"),
    )
}

/// Checks a batch's staff events in the order sent: who made the change must be an
/// enabled account of the centre the district knows, and a manager, unless they
/// changed only their own PIN. The device checked this too; the district does not take
/// a device's word for who may manage staff.
pub async fn check_batch(
    tx: &Transaction<'_>,
    device: &Device,
    events: &[(usize, &OutboxEvent)],
) -> Result<HashMap<usize, FieldError>, tokio_postgres::Error> {
    let mut codes: Vec<&str> = Vec::new();
    for (_, event) in events {
        if let EventPayload::StaffChanged {
            code, changed_by, ..
        } = &event.payload
        {
            codes.push(code);
            codes.push(changed_by);
        }
    }
    // Two batches changing one centre's staff at once decide in turn.
    tx.execute(
        "SELECT 1 FROM centres WHERE code = $1 FOR UPDATE",
        &[&device.centre_code],
    )
    .await?;
    let mut accounts = load(tx.client(), &device.centre_code, &codes).await?;
    let manager = role_name(Role::Manager);
    let mut refused = HashMap::new();
    for (index, event) in events {
        let EventPayload::StaffChanged {
            code,
            name,
            roles,
            disabled,
            changed_by,
            ..
        } = &event.payload
        else {
            continue;
        };
        let verdict = match accounts.get(changed_by) {
            None => Err(refused_actor(
                changed_by,
                "unknown_staff",
                "不是本中心在区级后台登记的工作人员，不能修改工作人员账号",
                "is not a staff account of this centre at the district and cannot change staff accounts",
            )),
            Some(actor) if actor.disabled => Err(refused_actor(
                changed_by,
                "staff_disabled",
                "的账号已停用，不能修改工作人员账号",
                "is disabled and cannot change staff accounts",
            )),
            Some(actor) if actor.roles.contains(&manager) => Ok(()),
            Some(_) => {
                let own_pin_only = changed_by == code
                    && accounts.get(code).is_some_and(|target| {
                        &target.name == name && &target.roles == roles && target.disabled == *disabled
                    });
                if own_pin_only {
                    Ok(())
                } else {
                    Err(refused_actor(
                        changed_by,
                        "not_permitted",
                        "不是中心经理，只能修改自己的密码",
                        "is not a manager and may change only their own PIN",
                    ))
                }
            }
        };
        match verdict {
            Err(reason) => {
                refused.insert(*index, reason);
            }
            Ok(()) => {
                let newer = accounts
                    .get(code)
                    .is_none_or(|stored| stored.changed_at < event.occurred_at);
                if newer {
                    accounts.insert(
                        code.clone(),
                        Stored {
                            name: name.clone(),
                            roles: roles.clone(),
                            disabled: *disabled,
                            changed_at: event.occurred_at,
                        },
                    );
                }
            }
        }
    }
    Ok(refused)
}

/// Puts the account, as the district now has it, on the feed of its centre's devices.
pub async fn publish(
    tx: &Transaction<'_>,
    centre: &str,
    code: &str,
) -> Result<(), tokio_postgres::Error> {
    let Some(row) = tx
        .query_opt(
            "SELECT name, roles, pin_hash, must_change_pin, disabled, changed_at
             FROM staff_accounts WHERE centre_code = $1 AND code = $2",
            &[&centre, &code],
        )
        .await?
    else {
        return Ok(());
    };
    let roles: Vec<String> = row.get(1);
    let account = StaffAccount {
        code: code.to_string(),
        name: row.get(0),
        // Stored only after parse_roles accepted them.
        roles: roles
            .iter()
            .filter_map(|r| parse_role("roles", r).ok())
            .collect(),
        pin_hash: row.get(2),
        must_change_pin: row.get(3),
        disabled: row.get(4),
        changed_at: row.get(5),
    };
    db::add_change(tx, Some(centre), None, &ChangeBody::StaffAccount(account)).await?;
    Ok(())
}

// ---------------------------------------------------------------------------------
// `linli-district admin staff …`

fn refuse(field: &str, code: &str, zh: String, en: String) -> AdminError {
    AdminError::Refused(FieldError::new(field, code, zh, en))
}

fn not_found(centre: &str, code: &str) -> AdminError {
    refuse(
        "code",
        "not_found",
        format!("中心“{centre}”没有工号为“{code}”的工作人员"),
        format!("centre \"{centre}\" has no staff member \"{code}\""),
    )
}

/// Who is acting, for the account's record: district staff by their login name.
fn by(login: Option<&str>) -> String {
    format!("district/{}", login.unwrap_or("admin"))
}

/// `admin staff add`: a new account with a one-time PIN, printed this once.
pub async fn add(
    pool: &Pool,
    centre: &str,
    code: &str,
    name: &str,
    roles: &[String],
    login: Option<&str>,
) -> Result<Value, AdminError> {
    linli_core::staff::validate_new_staff_code("code", code)?;
    let name = name.trim();
    check_text("name", name, TextKind::Line(MAX_NAME_CHARS), true)?;
    let roles = parse_roles("role", roles)?;
    let mut client = pool.get().await?;
    crate::admin::centre_exists(&client, centre).await?;
    let pin = one_time_pin();
    let now = clock::now_local();
    let role_names: Vec<String> = roles.iter().map(|r| role_name(*r)).collect();
    let tx = client.transaction().await?;
    let inserted = tx
        .execute(
            "INSERT INTO staff_accounts (centre_code, code, name, roles, pin_hash, must_change_pin, changed_at, changed_by)
             VALUES ($1, $2, $3, $4, $5, true, $6, $7) ON CONFLICT DO NOTHING",
            &[&centre, &code, &name, &role_names, &hash_pin(&pin), &now, &by(login)],
        )
        .await?;
    if inserted == 0 {
        return Err(refuse(
            "code",
            "exists",
            format!("中心“{centre}”已有工号“{code}”"),
            format!("centre \"{centre}\" already has staff code \"{code}\""),
        ));
    }
    publish(&tx, centre, code).await?;
    tx.commit().await?;
    Ok(json!({
        "centre": centre,
        "code": code,
        "name": name,
        "roles": role_names,
        "pin": pin,
        "must_change_pin": true,
    }))
}

/// `admin staff list`: the centre's accounts, without their PIN hashes.
pub async fn list(pool: &Pool, centre: &str) -> Result<Value, AdminError> {
    let client = pool.get().await?;
    crate::admin::centre_exists(&client, centre).await?;
    let rows = client
        .query(
            "SELECT code, name, roles, must_change_pin, disabled,
                    to_char(changed_at, 'YYYY-MM-DD\"T\"HH24:MI:SS'), changed_by
             FROM staff_accounts WHERE centre_code = $1 ORDER BY code",
            &[&centre],
        )
        .await?;
    Ok(Value::Array(
        rows.iter()
            .map(|r| {
                json!({
                    "code": r.get::<_, String>(0),
                    "name": r.get::<_, String>(1),
                    "roles": r.get::<_, Vec<String>>(2),
                    "must_change_pin": r.get::<_, bool>(3),
                    "disabled": r.get::<_, bool>(4),
                    "changed_at": r.get::<_, String>(5),
                    "changed_by": r.get::<_, String>(6),
                })
            })
            .collect(),
    ))
}

/// The change district staff make to one account, as the newest version.
enum AdminChange {
    Disable,
    Enable,
    ResetPin(String),
}

async fn change(
    pool: &Pool,
    centre: &str,
    code: &str,
    what: AdminChange,
    login: Option<&str>,
) -> Result<(), AdminError> {
    validate_staff_code("code", code)?;
    let mut client = pool.get().await?;
    crate::admin::centre_exists(&client, centre).await?;
    let tx = client.transaction().await?;
    let disabled: bool = tx
        .query_opt(
            "SELECT disabled FROM staff_accounts WHERE centre_code = $1 AND code = $2 FOR UPDATE",
            &[&centre, &code],
        )
        .await?
        .ok_or_else(|| not_found(centre, code))?
        .get(0);
    // Later than the version it replaces even if a device's clock ran ahead.
    let now = clock::now_local();
    let (sql, hash) = match &what {
        AdminChange::Disable => ("disabled = true", None),
        AdminChange::Enable => ("disabled = false", None),
        AdminChange::ResetPin(_) if disabled => {
            return Err(refuse(
                "code",
                "disabled",
                format!("“{code}”的账号已停用，请先用 staff enable 启用再重置密码"),
                format!(
                "\"{code}\" is disabled; enable it with `staff enable` before resetting its PIN"
            ),
            ))
        }
        AdminChange::ResetPin(pin) => {
            ("pin_hash = $5, must_change_pin = true", Some(hash_pin(pin)))
        }
    };
    let statement = format!(
        "UPDATE staff_accounts SET {sql}, changed_at = greatest($3, changed_at + interval '1 second'),
             changed_by = $4, device_id = NULL
         WHERE centre_code = $1 AND code = $2"
    );
    let who = by(login);
    match &hash {
        Some(hash) => {
            tx.execute(&statement, &[&centre, &code, &now, &who, hash])
                .await?
        }
        None => {
            tx.execute(&statement, &[&centre, &code, &now, &who])
                .await?
        }
    };
    publish(&tx, centre, code).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn disable(
    pool: &Pool,
    centre: &str,
    code: &str,
    login: Option<&str>,
) -> Result<Value, AdminError> {
    change(pool, centre, code, AdminChange::Disable, login).await?;
    Ok(json!({"centre": centre, "code": code, "disabled": true}))
}

pub async fn enable(
    pool: &Pool,
    centre: &str,
    code: &str,
    login: Option<&str>,
) -> Result<Value, AdminError> {
    change(pool, centre, code, AdminChange::Enable, login).await?;
    Ok(json!({"centre": centre, "code": code, "disabled": false}))
}

/// `admin staff reset-pin`: a new one-time PIN, printed this once.
pub async fn reset_pin(
    pool: &Pool,
    centre: &str,
    code: &str,
    login: Option<&str>,
) -> Result<Value, AdminError> {
    let pin = one_time_pin();
    change(
        pool,
        centre,
        code,
        AdminChange::ResetPin(pin.clone()),
        login,
    )
    .await?;
    Ok(json!({"centre": centre, "code": code, "pin": pin, "must_change_pin": true}))
}
