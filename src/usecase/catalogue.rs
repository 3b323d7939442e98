//! The catalogue the district publishes, as this device keeps it: programmes with their
//! eligibility rules and waiting-list policies, the holiday calendar, other published
//! documents. The demo centre and sync both publish through here.

use linli_core::calendar::Calendar;
use linli_core::programme::Programme;
use linli_core::Text;
use serde_json::json;

use super::load;
use crate::error::{AppError, Refused};
use crate::store::Tx;

pub fn publish_calendar(tx: &mut Tx<'_>, calendar: Calendar) -> Result<(), AppError> {
    calendar.validate()?;
    let version: i64 = tx.query_row(
        "SELECT coalesce(max(version), 0) + 1 FROM published WHERE kind = 'calendar'",
        [],
        |r| r.get(0),
    )?;
    tx.execute(
        "INSERT INTO published (kind, id, version, body) VALUES ('calendar', 'calendar', ?1, ?2)",
        (
            version,
            serde_json::to_string(&calendar).expect("calendar serialises"),
        ),
    )?;
    tx.audit(
        "calendar_published",
        "calendar",
        json!({"version": version}),
    );
    Ok(())
}

/// Stores a programme as the district published it (new or a new version).
pub fn publish_programme(tx: &mut Tx<'_>, programme: &Programme) -> Result<(), AppError> {
    programme.validate().map_err(|errors| {
        AppError::from(Refused::new(
            "invalid_programme",
            Text::new("服务项目数据有误", "invalid programme"),
            errors.into_iter().map(|e| e.message).collect(),
        ))
    })?;
    let body = serde_json::to_string(programme).expect("programmes serialise");
    let kind = load::serde_name(&programme.kind);
    let status = load::serde_name(&programme.status);
    tx.execute(
        "INSERT INTO programmes (code, kind, capacity, status, body) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(code) DO UPDATE SET kind = excluded.kind, capacity = excluded.capacity,
             status = excluded.status, body = excluded.body",
        (&programme.code, &kind, programme.capacity, &status, &body),
    )?;
    for (kind, id, version, body) in [
        (
            "eligibility_rules",
            &programme.rules.id,
            programme.rules.version,
            serde_json::to_string(&programme.rules),
        ),
        (
            "waitlist_policy",
            &programme.policy.id,
            programme.policy.version,
            serde_json::to_string(&programme.policy),
        ),
    ] {
        tx.execute(
            "INSERT INTO published (kind, id, version, body) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
            (kind, id, version, body.expect("rules serialise")),
        )?;
    }
    tx.audit(
        "programme_published",
        &programme.code,
        json!({"capacity": programme.capacity}),
    );
    Ok(())
}

/// Keeps a published document (rules, a policy, business categories) by kind, id and
/// version; a version already held is left as it is.
pub fn published<T: serde::Serialize>(
    tx: &Tx<'_>,
    kind: &str,
    id: &str,
    version: u32,
    doc: &T,
) -> Result<(), AppError> {
    tx.execute(
        "INSERT INTO published (kind, id, version, body) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
        (kind, id, version, serde_json::to_string(doc).expect("documents serialise")),
    )?;
    Ok(())
}
