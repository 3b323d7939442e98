//! A centre's devices: registered with a one-time enrolment code, listed, revoked.

use deadpool_postgres::Pool;
use serde_json::{json, Value};
use uuid::Uuid;

use super::error::{refuse, AdminError};
use crate::auth;

/// How long a one-time enrolment code stays usable.
pub const ENROL_CODE_DAYS: i64 = 7;

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
    super::centres::centre_exists(&client, centre).await?;
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
