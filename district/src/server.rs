//! The HTTP server: routes, shared state, body limits, and `run(listener, shutdown)`.

use std::future::Future;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use deadpool_postgres::Pool;
use linli_core::sync::{EnrolRequest, EnrolResponse, MAX_BODY_BYTES};
use tokio::net::TcpListener;
use uuid::Uuid;

use crate::auth;
use crate::error::{too_large, ApiError, ValidJson};
use crate::{pull, push, registry, tls};

/// The OpenAPI document, kept in the repository and served as is; a test checks that
/// it names every route the router has.
pub const OPENAPI: &str = include_str!("../openapi.json");

#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    pub limits: Limits,
}

impl AppState {
    /// A server on `pool` with the limits it runs with in production.
    pub fn new(pool: Pool) -> AppState {
        AppState::with_limits(pool, Limits::default())
    }

    pub fn with_limits(pool: Pool, limits: Limits) -> AppState {
        AppState { pool, limits }
    }
}

/// What one server instance allows, so that no client can hold it up or wear it out.
/// Tests shorten the times and lower the counts.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Lookups of another centre's household per device, in any hour. A staff member
    /// looks up the resident in front of them: a handful an hour at a busy desk.
    pub lookups_per_hour: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            lookups_per_hour: 30,
        }
    }
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/v1/enrol", post(enrol))
        .route("/v1/events", post(push::handler))
        .route("/v1/changes", get(pull::handler))
        .route("/v1/registry/lookup", post(registry::lookup_handler))
        .route("/healthz", get(health))
        .route("/openapi.json", get(openapi))
        .fallback(|| async { ApiError::not_found() })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::map_response(limit_to_json))
        .with_state(state)
}

/// axum answers an over-long body in plain text before our extractor sees it (when
/// the length is declared up front); this turns that answer into our JSON error.
async fn limit_to_json(response: axum::response::Response) -> axum::response::Response {
    let is_json = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE && !is_json {
        return too_large().into_response();
    }
    response
}

async fn openapi() -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        OPENAPI,
    )
}

async fn health(State(state): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    let client = state.pool.get().await?;
    client.query_one("SELECT 1", &[]).await?;
    Ok(Json(serde_json::json!({"ok": true})))
}

/// Trades a one-time code for the device's credential. The code works once and only
/// before it expires; the credential is returned this once and stored only hashed.
async fn enrol(
    State(state): State<AppState>,
    ValidJson(request): ValidJson<EnrolRequest>,
) -> Result<Json<EnrolResponse>, ApiError> {
    let code = auth::normalise_code(&request.code);
    if code.len() != 12 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_code",
            "登记码应为12位字母和数字",
            "an enrolment code is 12 letters and digits",
        )
        .field("code"));
    }
    let credential = auth::new_secret(32);
    let client = state.pool.get().await?;
    let unknown = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unknown_code",
            "登记码无效、已使用或已过期，请向区级工作人员重新申请",
            "the enrolment code is wrong, already used or expired; ask district staff for a new one",
        )
        .field("code")
    };
    let centre: String = client
        .query_opt(
            "SELECT centre_code FROM devices
             WHERE enrol_code_hash = $1 AND enrol_code_expires > now() AND revoked_at IS NULL",
            &[&auth::hash(&code)],
        )
        .await?
        .ok_or_else(unknown)?
        .get(0);
    if let Some(local) = request.centre_code.as_deref().filter(|c| *c != centre) {
        // Checked before the code is used, so the device can be given the right one.
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "wrong_centre",
            format!("本终端保存的是中心“{local}”的数据，此登记码属于中心“{centre}”"),
            format!("this device holds the data of centre \"{local}\"; the code is for centre \"{centre}\""),
        )
        .field("code"));
    }
    let row = client
        .query_opt(
            "UPDATE devices d SET credential_hash = $2, enrolled_at = now(),
                 enrol_code_hash = NULL, enrol_code_expires = NULL
             FROM centres c
             WHERE d.enrol_code_hash = $1 AND d.enrol_code_expires > now()
               AND d.revoked_at IS NULL AND c.code = d.centre_code
             RETURNING d.id, d.device_number, c.code, c.name, c.district_code, c.community_code",
            &[&auth::hash(&code), &auth::hash(&credential)],
        )
        .await?
        .ok_or_else(unknown)?;
    let device_id: Uuid = row.get(0);
    let device_number: i32 = row.get(1);
    tracing::info!(%device_id, "device enrolled");
    Ok(Json(EnrolResponse {
        device_id: device_id.to_string(),
        credential,
        device_number: device_number as u32,
        centre_code: row.get(2),
        centre_name: row.get(3),
        district_code: row.get(4),
        community_code: row.get(5),
    }))
}

/// Serves until `shutdown` completes, over TLS when `tls` is given.
pub async fn run(
    listener: TcpListener,
    state: AppState,
    tls: Option<tls::TlsFiles>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let app = router(state);
    match tls {
        None => axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(Into::into),
        Some(files) => tls::serve(listener, app, &files, shutdown).await,
    }
}
