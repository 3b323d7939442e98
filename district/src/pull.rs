//! `GET /v1/changes?after=CURSOR`: what the district published or decided since the
//! device's cursor, and the device's seats. The device applies a page in one local
//! transaction together with the new cursor, so a change is applied once even if the
//! answer is lost and the same page is asked for again.

use axum::extract::State;
use axum::Json;
use linli_core::sync::{Change, ChangeBody, PullResponse, SeatGrant, MAX_PULL_CHANGES};
use serde::Deserialize;

use crate::auth::Device;
use crate::clock;
use crate::db::DbError;
use crate::error::{ApiError, ValidQuery};
use crate::grants;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullQuery {
    #[serde(default)]
    pub after: i64,
    /// Any number of digits: the document says a larger limit is taken as the
    /// largest page, however large it is.
    #[serde(default, deserialize_with = "saturating_limit")]
    pub limit: Option<usize>,
}

fn saturating_limit<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<usize>, D::Error> {
    let text = String::deserialize(d)?;
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(serde::de::Error::custom(format!(
            "limit \"{text}\" is not a whole number of 0 or more"
        )));
    }
    Ok(Some(text.parse().unwrap_or(usize::MAX)))
}

pub async fn handler(
    State(state): State<AppState>,
    device: Device,
    ValidQuery(query): ValidQuery<PullQuery>,
) -> Result<Json<PullResponse>, ApiError> {
    if query.after < 0 {
        return Err(ApiError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "invalid_cursor",
            "游标不能为负数",
            "the cursor must not be negative",
        )
        .field("after"));
    }
    let limit = query
        .limit
        .unwrap_or(MAX_PULL_CHANGES)
        .clamp(1, MAX_PULL_CHANGES);
    let mut attempt = 0;
    loop {
        attempt += 1;
        match pull(&state, &device, query.after, limit).await {
            Ok(response) => return Ok(Json(response)),
            Err(error) if attempt < 5 && error.is_retryable() => continue,
            Err(error) => return Err(error.into()),
        }
    }
}

async fn pull(
    state: &AppState,
    device: &Device,
    after: i64,
    limit: usize,
) -> Result<PullResponse, DbError> {
    let mut client = state.pool.get().await?;
    let tx = client.transaction().await?;
    let now = clock::now_local();
    let codes: Vec<String> = tx
        .query(
            "SELECT code FROM programmes WHERE centre_code = $1 ORDER BY code",
            &[&device.centre_code],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    grants::lock_programmes(&tx, &device.centre_code, &codes).await?;
    let mut keep = Vec::with_capacity(codes.len());
    for code in &codes {
        let keep_free = grants::allocate(&tx, &device.centre_code, code, now, Some(device.id))
            .await?
            .unwrap_or(0);
        keep.push(keep_free);
    }
    let mut grants_out = Vec::with_capacity(codes.len());
    for (code, keep_free) in codes.iter().zip(keep) {
        let granted: i32 = tx
            .query_opt(
                "SELECT granted FROM seat_grants WHERE centre_code = $1 AND programme_code = $2 AND device_id = $3",
                &[&device.centre_code, code, &device.id],
            )
            .await?
            .map(|r| r.get(0))
            .unwrap_or(0);
        grants_out.push(SeatGrant {
            programme_code: code.clone(),
            granted_total: granted as u32,
            keep_free,
        });
    }
    let rows = tx
        .query(
            "SELECT cursor, body FROM changes
             WHERE cursor > $1
               AND (centre_code IS NULL OR centre_code = $2)
               AND (device_id IS NULL OR device_id = $3)
             ORDER BY cursor LIMIT $4",
            &[
                &after,
                &device.centre_code,
                &device.id,
                &((limit + 1) as i64),
            ],
        )
        .await?;
    tx.commit().await?;
    let more = rows.len() > limit;
    let mut changes = Vec::with_capacity(rows.len().min(limit));
    for row in rows.iter().take(limit) {
        let body: serde_json::Value = row.get(1);
        // Written by this server from the same types; one that no longer reads is a
        // bug to log, never a reason to stall every device of the district.
        match serde_json::from_value::<ChangeBody>(body) {
            Ok(change) => changes.push(Change {
                cursor: row.get(0),
                change,
            }),
            Err(error) => {
                tracing::error!(cursor = row.get::<_, i64>(0), %error, "unreadable change")
            }
        }
    }
    let next_cursor = rows
        .iter()
        .take(limit)
        .last()
        .map(|r| r.get::<_, i64>(0))
        .unwrap_or(after);
    Ok(PullResponse {
        changes,
        next_cursor,
        more,
        grants: grants_out,
        server_time: now,
    })
}
