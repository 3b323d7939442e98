//! What the district publishes for devices to pull: a centre's programmes, and for
//! every centre the eligibility rules, 轮候 policies, the calendar and the business
//! categories. Versioned documents are stored once and never changed.

use deadpool_postgres::Pool;
use linli_core::business::{validate_categories, BusinessCategory};
use linli_core::calendar::Calendar;
use linli_core::eligibility::EligibilityRules;
use linli_core::programme::Programme;
use linli_core::sync::ChangeBody;
use linli_core::waitlist::WaitlistPolicy;
use linli_core::FieldError;
use serde_json::{json, Value};

use super::error::{refuse, AdminError};
use crate::db;
use crate::grants;

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
    super::centres::centre_exists(&client, centre).await?;
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

/// The retention rule for every centre: how long the personal data of households no
/// longer served is kept. Checked as the kiosk checks it (every problem by field).
pub async fn publish_retention(pool: &Pool, text: &str) -> Result<Value, AdminError> {
    let rule: linli_core::retention::RetentionRule = parse_file("retention", text)?;
    rule.validate().map_err(AdminError::Refused)?;
    let version = rule.version;
    publish_document(
        pool,
        "retention",
        "retention",
        version,
        &rule.clone(),
        ChangeBody::RetentionPublished { rule },
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
