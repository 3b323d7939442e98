//! The events the district refused (`push`), kept with their reasons.

use deadpool_postgres::Pool;
use serde_json::{json, Value};
use uuid::Uuid;

use super::error::AdminError;

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
