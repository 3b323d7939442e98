//! District staff's commands (`linli-district admin …`): centres, devices, and what
//! the district publishes. Each returns the JSON the command prints, or a refusal
//! that names the field and changes nothing.

use deadpool_postgres::Pool;
use linli_core::business::{validate_categories, BusinessCategory};
use linli_core::calendar::Calendar;
use linli_core::eligibility::EligibilityRules;
use linli_core::programme::Programme;
use linli_core::sync::ChangeBody;
use linli_core::waitlist::WaitlistPolicy;
use linli_core::FieldError;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::auth;
use crate::db::{self, DbError};
use crate::grants;

/// How long a one-time enrolment code stays usable.
pub const ENROL_CODE_DAYS: i64 = 7;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    Refused(FieldError),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<tokio_postgres::Error> for AdminError {
    fn from(error: tokio_postgres::Error) -> Self {
        AdminError::Db(error.into())
    }
}

impl From<deadpool_postgres::PoolError> for AdminError {
    fn from(error: deadpool_postgres::PoolError) -> Self {
        AdminError::Db(error.into())
    }
}

impl From<FieldError> for AdminError {
    fn from(error: FieldError) -> Self {
        AdminError::Refused(error)
    }
}

fn refuse(field: &str, code: &str, zh: String, en: String) -> AdminError {
    AdminError::Refused(FieldError::new(field, code, zh, en))
}

pub async fn centre_add(
    pool: &Pool,
    code: &str,
    name: &str,
    district: &str,
    community: &str,
) -> Result<Value, AdminError> {
    if code.is_empty()
        || code.len() > 40
        || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err(refuse(
            "code",
            "invalid_code",
            format!("中心编号“{code}”只能含字母、数字和“-”，最多40个字符"),
            format!("centre code \"{code}\" may hold only letters, digits and '-', at most 40"),
        ));
    }
    linli_core::outbox::check_text("name", name, linli_core::outbox::TextKind::Line(100), true)?;
    if name.trim().is_empty() || name.chars().count() > 100 {
        return Err(refuse(
            "name",
            "invalid_name",
            "中心名称须为1至100个字".into(),
            "the centre name must be 1 to 100 characters".into(),
        ));
    }
    if district.len() != 6 || !district.chars().all(|c| c.is_ascii_digit()) {
        return Err(refuse(
            "district",
            "invalid_district",
            format!("区划代码“{district}”应为6位数字（GB/T 2260，如440306）"),
            format!("district \"{district}\" must be a 6-digit GB/T 2260 code such as 440306"),
        ));
    }
    let client = pool.get().await?;
    let inserted = client
        .execute(
            "INSERT INTO centres (code, name, district_code, community_code) VALUES ($1, $2, $3, $4)
             ON CONFLICT (code) DO NOTHING",
            &[&code, &name.trim(), &district, &community],
        )
        .await?;
    if inserted == 0 {
        return Err(refuse(
            "code",
            "exists",
            format!("中心“{code}”已存在"),
            format!("centre \"{code}\" already exists"),
        ));
    }
    Ok(json!({"centre": code, "name": name.trim(), "district": district}))
}

pub(crate) async fn centre_exists(
    client: &deadpool_postgres::Client,
    code: &str,
) -> Result<(), AdminError> {
    if client
        .query_opt("SELECT 1 FROM centres WHERE code = $1", &[&code])
        .await?
        .is_none()
    {
        return Err(refuse(
            "centre",
            "not_found",
            format!("没有中心“{code}”，请先用 centre add 添加"),
            format!("there is no centre \"{code}\"; add it with `centre add` first"),
        ));
    }
    Ok(())
}

/// Registers a device and gives the one-time code it enrols with. The code is shown
/// this once; only its hash is kept.
pub async fn device_add(pool: &Pool, centre: &str, name: &str) -> Result<Value, AdminError> {
    // Control characters would reach staff's terminals and the kiosks that show it.
    linli_core::outbox::check_text("name", name, linli_core::outbox::TextKind::Line(100), true)?;
    if name.trim().is_empty() || name.chars().count() > 100 {
        return Err(refuse(
            "name",
            "invalid_name",
            "终端名称须为1至100个字".into(),
            "the device name must be 1 to 100 characters".into(),
        ));
    }
    let mut client = pool.get().await?;
    centre_exists(&client, centre).await?;
    let code = auth::new_enrol_code();
    let id = Uuid::now_v7();
    let tx = client.transaction().await?;
    // Numbering within the centre under the centre's row lock: two staff adding
    // devices at once get different numbers.
    tx.execute(
        "SELECT 1 FROM centres WHERE code = $1 FOR UPDATE",
        &[&centre],
    )
    .await?;
    let inserted = tx
        .execute(
            "INSERT INTO devices (id, centre_code, name, device_number, enrol_code_hash, enrol_code_expires)
             SELECT $1, $2, $3, coalesce(max(device_number), 0) + 1, $4, now() + make_interval(days => $5)
             FROM devices WHERE centre_code = $2
             ON CONFLICT (centre_code, name) DO NOTHING",
            &[&id, &centre, &name.trim(), &auth::hash(&auth::normalise_code(&code)), &(ENROL_CODE_DAYS as i32)],
        )
        .await?;
    if inserted == 0 {
        return Err(refuse(
            "name",
            "exists",
            format!("中心“{centre}”已有名为“{}”的终端", name.trim()),
            format!(
                "centre \"{centre}\" already has a device named \"{}\"",
                name.trim()
            ),
        ));
    }
    tx.commit().await?;
    Ok(json!({
        "code": code,
        "device_id": id.to_string(),
        "expires_in_days": ENROL_CODE_DAYS,
    }))
}

pub async fn device_revoke(pool: &Pool, device: &str) -> Result<Value, AdminError> {
    let id: Uuid = device.parse().map_err(|_| {
        refuse(
            "device",
            "invalid_device",
            format!("“{device}”不是终端编号（UUID）"),
            format!("\"{device}\" is not a device id (a UUID)"),
        )
    })?;
    let client = pool.get().await?;
    let row = client
        .query_opt(
            "UPDATE devices SET revoked_at = coalesce(revoked_at, now()), enrol_code_hash = NULL
             WHERE id = $1 RETURNING centre_code, name",
            &[&id],
        )
        .await?
        .ok_or_else(|| {
            refuse(
                "device",
                "not_found",
                format!("没有终端“{device}”"),
                format!("there is no device \"{device}\""),
            )
        })?;
    Ok(
        json!({"revoked": device, "centre": row.get::<_, String>(0), "name": row.get::<_, String>(1)}),
    )
}

pub async fn device_list(pool: &Pool, centre: Option<&str>) -> Result<Value, AdminError> {
    let client = pool.get().await?;
    let rows = client
        .query(
            "SELECT d.id, d.centre_code, d.name, d.device_number, d.enrolled_at IS NOT NULL,
                    d.revoked_at IS NOT NULL, to_char(d.last_seen_at, 'YYYY-MM-DD\"T\"HH24:MI:SSOF'),
                    d.clock_skew_seconds,
                    (SELECT count(*) FROM rejected_events r WHERE r.device_id = d.id)
             FROM devices d WHERE $1::text IS NULL OR d.centre_code = $1
             ORDER BY d.centre_code, d.device_number",
            &[&centre],
        )
        .await?;
    Ok(Value::Array(
        rows.iter()
            .map(|r| {
                json!({
                    "device_id": r.get::<_, Uuid>(0).to_string(),
                    "centre": r.get::<_, String>(1),
                    "name": r.get::<_, String>(2),
                    "device_number": r.get::<_, i32>(3),
                    "enrolled": r.get::<_, bool>(4),
                    "revoked": r.get::<_, bool>(5),
                    "last_seen_at": r.get::<_, Option<String>>(6),
                    "clock_skew_seconds": r.get::<_, Option<i64>>(7),
                    "rejected_events": r.get::<_, i64>(8),
                })
            })
            .collect(),
    ))
}

/// Events the district refused, for staff to look into with the centre.
pub async fn rejected(pool: &Pool, centre: Option<&str>) -> Result<Value, AdminError> {
    let client = pool.get().await?;
    let rows = client
        .query(
            "SELECT r.device_id, d.centre_code, r.event_id, r.seq, r.code, r.reason, r.times,
                    to_char(r.last_at, 'YYYY-MM-DD\"T\"HH24:MI:SSOF')
             FROM rejected_events r JOIN devices d ON d.id = r.device_id
             WHERE $1::text IS NULL OR d.centre_code = $1
             ORDER BY r.last_at DESC",
            &[&centre],
        )
        .await?;
    Ok(Value::Array(
        rows.iter()
            .map(|r| {
                json!({
                    "device_id": r.get::<_, Uuid>(0).to_string(),
                    "centre": r.get::<_, String>(1),
                    "event_id": r.get::<_, String>(2),
                    "seq": r.get::<_, i64>(3),
                    "code": r.get::<_, String>(4),
                    "reason": r.get::<_, Value>(5),
                    "times": r.get::<_, i32>(6),
                    "last_at": r.get::<_, String>(7),
                })
            })
            .collect(),
    ))
}

fn parse_file<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T, AdminError> {
    serde_json::from_str(text).map_err(|e| {
        refuse(
            "file",
            "invalid_file",
            format!("{what}文件格式有误：{e}"),
            format!("the {what} file is not valid: {e}"),
        )
    })
}

fn first_error(errors: Vec<FieldError>) -> AdminError {
    AdminError::Refused(
        errors
            .into_iter()
            .next()
            .expect("validation gives a reason"),
    )
}

/// Publishes (or republishes) a centre's programme from its JSON (core's `Programme`,
/// rule set and 轮候 policy inside). Devices receive it on their next pull.
pub async fn publish_programme(pool: &Pool, centre: &str, text: &str) -> Result<Value, AdminError> {
    let programme: Programme = parse_file("programme", text)?;
    programme.validate().map_err(first_error)?;
    let mut client = pool.get().await?;
    centre_exists(&client, centre).await?;
    let tx = client.transaction().await?;
    let body = serde_json::to_value(&programme).expect("programmes serialise");
    tx.execute(
        "INSERT INTO programmes (centre_code, code, capacity, offer_hours, body) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (centre_code, code) DO UPDATE SET capacity = excluded.capacity,
             offer_hours = excluded.offer_hours, body = excluded.body, published_at = now()",
        &[&centre, &programme.code, &(programme.capacity as i32), &(programme.offer_hours as i32), &body],
    )
    .await?;
    publish_versioned(
        &tx,
        "rules",
        &programme.rules.id,
        programme.rules.version,
        &programme.rules,
    )
    .await?;
    publish_versioned(
        &tx,
        "policy",
        &programme.policy.id,
        programme.policy.version,
        &programme.policy,
    )
    .await?;
    db::add_change(
        &tx,
        Some(centre),
        None,
        &ChangeBody::ProgrammePublished {
            programme: Box::new(programme.clone()),
        },
    )
    .await?;
    grants::lock_programmes(&tx, centre, std::slice::from_ref(&programme.code)).await?;
    grants::allocate(
        &tx,
        centre,
        &programme.code,
        crate::clock::now_local(),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(json!({"published": programme.code, "centre": centre, "capacity": programme.capacity}))
}

/// Stores a versioned document once; the same id and version with other content is
/// refused, because devices may already hold the first.
pub(crate) async fn publish_versioned<T: serde::Serialize>(
    tx: &tokio_postgres::Transaction<'_>,
    kind: &str,
    id: &str,
    version: u32,
    doc: &T,
) -> Result<bool, AdminError> {
    let body = serde_json::to_value(doc).expect("documents serialise");
    let existing = tx
        .query_opt(
            "SELECT body FROM published WHERE kind = $1 AND id = $2 AND version = $3",
            &[&kind, &id, &(version as i32)],
        )
        .await?;
    match existing {
        Some(row) if row.get::<_, Value>(0) == body => Ok(false),
        Some(_) => Err(refuse(
            "version",
            "version_exists",
            format!("{kind}“{id}”第{version}版已发布且内容不同，修改后请用新版本号"),
            format!("{kind} \"{id}\" version {version} is already published with other content; publish a change as a new version"),
        )),
        None => {
            tx.execute(
                "INSERT INTO published (kind, id, version, body) VALUES ($1, $2, $3, $4)",
                &[&kind, &id, &(version as i32), &body],
            )
            .await?;
            Ok(true)
        }
    }
}

pub async fn publish_rules(pool: &Pool, text: &str) -> Result<Value, AdminError> {
    let rules: EligibilityRules = parse_file("rules", text)?;
    let (id, version) = (rules.id.clone(), rules.version);
    publish_document(
        pool,
        "rules",
        &id,
        version,
        &rules.clone(),
        ChangeBody::RulesPublished { rules },
    )
    .await
}

pub async fn publish_policy(pool: &Pool, text: &str) -> Result<Value, AdminError> {
    let policy: WaitlistPolicy = parse_file("policy", text)?;
    let (id, version) = (policy.id.clone(), policy.version);
    publish_document(
        pool,
        "policy",
        &id,
        version,
        &policy.clone(),
        ChangeBody::PolicyPublished { policy },
    )
    .await
}

/// A versioned document for every centre: stored once, and put on the feed the
/// first time (publishing the same version again changes nothing).
async fn publish_document<T: serde::Serialize>(
    pool: &Pool,
    kind: &str,
    id: &str,
    version: u32,
    doc: &T,
    change: ChangeBody,
) -> Result<Value, AdminError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    if publish_versioned(&tx, kind, id, version, doc).await? {
        db::add_change(&tx, None, None, &change).await?;
    }
    tx.commit().await?;
    Ok(json!({"published": id, "version": version}))
}

pub async fn publish_calendar(pool: &Pool, text: &str) -> Result<Value, AdminError> {
    publish_calendar_at(pool, text, crate::clock::today()).await
}

/// Publishes the calendar and says, as of `today`, whether it covers the coming days
/// (`calendar_warning`: next year's holidays not published yet).
pub async fn publish_calendar_at(
    pool: &Pool,
    text: &str,
    today: chrono::NaiveDate,
) -> Result<Value, AdminError> {
    let calendar: Calendar = parse_file("calendar", text)?;
    calendar.validate()?;
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let version: i32 = tx
        .query_one(
            "SELECT coalesce(max(version), 0) + 1 FROM published WHERE kind = 'calendar'",
            &[],
        )
        .await?
        .get(0);
    publish_versioned(&tx, "calendar", "calendar", version as u32, &calendar).await?;
    let coverage = calendar.coverage(today);
    db::add_change(&tx, None, None, &ChangeBody::CalendarPublished { calendar }).await?;
    tx.commit().await?;
    Ok(json!({
        "published": "calendar",
        "version": version,
        "coverage": coverage,
        "calendar_warning": crate::calendar::warning_json(coverage.warning()),
    }))
}

pub async fn publish_categories(pool: &Pool, text: &str) -> Result<Value, AdminError> {
    let categories: Vec<BusinessCategory> = parse_file("categories", text)?;
    validate_categories(&categories)?;
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let version: i32 = tx
        .query_one(
            "SELECT coalesce(max(version), 0) + 1 FROM published WHERE kind = 'categories'",
            &[],
        )
        .await?
        .get(0);
    publish_versioned(&tx, "categories", "categories", version as u32, &categories).await?;
    let count = categories.len();
    db::add_change(
        &tx,
        None,
        None,
        &ChangeBody::CategoriesPublished { categories },
    )
    .await?;
    tx.commit().await?;
    Ok(json!({"published": "categories", "version": version, "categories": count}))
}
