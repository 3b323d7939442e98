//! The HTTP server: routes, shared state, body limits, and `run(listener, shutdown)`.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use chrono::NaiveDateTime;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::sync::Semaphore;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

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
    limiters: Arc<Limiters>,
    fixed_now: Option<NaiveDateTime>,
}

impl AppState {
    /// A server on `pool` with the limits it runs with in production.
    pub fn new(pool: Pool) -> AppState {
        AppState::with_limits(pool, Limits::default())
    }

    /// The same server with its clock pinned (tests of dates).
    pub fn at(mut self, now: NaiveDateTime) -> AppState {
        self.fixed_now = Some(now);
        self
    }

    /// The server's now: the district's clock, unless pinned.
    pub fn now(&self) -> NaiveDateTime {
        self.fixed_now.unwrap_or_else(crate::clock::now_local)
    }

    pub fn with_limits(pool: Pool, limits: Limits) -> AppState {
        let per_minute = |n: u32| {
            RateLimiter::keyed(Quota::per_minute(
                NonZeroU32::new(n.max(1)).expect("at least one"),
            ))
        };
        let limiters = Arc::new(Limiters {
            enrol: per_minute(limits.enrols_per_minute),
            lookup: per_minute(limits.lookups_per_minute_per_address),
        });
        AppState {
            pool,
            limits,
            limiters,
            fixed_now: None,
        }
    }
}

/// What one server instance allows, so that no client can hold it up or wear it out.
/// Tests shorten the times and lower the counts.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Lookups of another centre's household per device, in any hour (counted in the
    /// database, so across every instance). A staff member looks up the resident in
    /// front of them: a handful an hour at a busy desk.
    pub lookups_per_hour: u32,
    /// Per client address and instance: enrolment attempts (guessing codes), and
    /// lookups (a stolen credential used from elsewhere).
    pub enrols_per_minute: u32,
    pub lookups_per_minute_per_address: u32,
    /// A client that connects and never finishes the TLS handshake is cut off after this.
    pub tls_handshake: Duration,
    /// A client must send a request's whole header within this, from when the server
    /// starts waiting for it (so an idle keep-alive connection is closed too).
    pub header_read: Duration,
    /// Connections served at once; further clients wait in the listen queue until one
    /// ends, so memory and tasks stay bounded whatever arrives.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            lookups_per_hour: 30,
            enrols_per_minute: 10,
            lookups_per_minute_per_address: 30,
            tls_handshake: Duration::from_secs(10),
            header_read: Duration::from_secs(10),
            max_connections: 1024,
        }
    }
}

type AddressLimiter = DefaultKeyedRateLimiter<IpAddr>;

struct Limiters {
    enrol: AddressLimiter,
    lookup: AddressLimiter,
}

/// Which per-address allowance a request draws on.
#[derive(Clone, Copy)]
pub enum Allowance {
    Enrol,
    Lookup,
}

impl AppState {
    /// Takes one request from the client's allowance, or says how long to wait.
    pub fn allow(&self, allowance: Allowance, address: Option<IpAddr>) -> Result<(), ApiError> {
        let Some(address) = address else {
            return Ok(());
        };
        let limiter = match allowance {
            Allowance::Enrol => &self.limiters.enrol,
            Allowance::Lookup => &self.limiters.lookup,
        };
        // Forget addresses whose allowance is whole again, so the map stays small.
        if limiter.len() > 10_000 {
            limiter.retain_recent();
        }
        limiter.check_key(&address).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            ApiError::too_many(
                "too_many_requests",
                "来自此地址的请求过多".into(),
                "too many requests from this address".into(),
                wait.as_secs_f64().ceil() as u64,
            )
        })
    }
}

/// The client's address, as the connection gave it (behind a reverse proxy: the
/// proxy's, so the per-address limits then apply to all its clients together).
pub struct ClientAddress(pub Option<IpAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|info| info.0.ip()),
        ))
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

/// The database answers; and whether the published calendar covers the coming days,
/// for whoever watches the district (invariant 12).
async fn health(State(state): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    let client = state.pool.get().await?;
    let warning = crate::calendar::warning(&client, state.now().date()).await?;
    Ok(Json(serde_json::json!({
        "ok": true,
        "calendar_warning": crate::calendar::warning_json(warning),
    })))
}

/// Trades a one-time code for the device's credential. The code works once and only
/// before it expires; the credential is returned this once and stored only hashed.
async fn enrol(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    ValidJson(request): ValidJson<EnrolRequest>,
) -> Result<Json<EnrolResponse>, ApiError> {
    state.allow(Allowance::Enrol, address)?;
    let code = auth::normalise_code(&request.code);
    if !auth::well_formed_code(&request.code) {
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

/// Serves until `shutdown` completes, over TLS when `tls` is given, within the
/// state's [`Limits`]: at most `max_connections` at once (the rest wait to be
/// accepted), a TLS handshake and each request's header within their times. Then it
/// stops accepting and gives the connections still open a few seconds to finish.
pub async fn run(
    listener: TcpListener,
    state: AppState,
    tls: Option<tls::TlsFiles>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let acceptor = match &tls {
        Some(files) => Some(TlsAcceptor::from(tls::server_config(files)?)),
        None => None,
    };
    let limits = state.limits.clone();
    let app = router(state);
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        // A permit first: past the cap, connections wait in the kernel's queue.
        let permit = tokio::select! {
            () = &mut shutdown => break,
            permit = permits.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
        };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: pause rather than spin.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(app.clone().map_request(
            move |mut request: axum::http::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request
            },
        ));
        let mut http = hyper::server::conn::http1::Builder::new();
        http.timer(TokioTimer::new())
            .header_read_timeout(limits.header_read);
        let watcher = graceful.watcher();
        let acceptor = acceptor.clone();
        let handshake = limits.tls_handshake;
        tokio::spawn(async move {
            let _permit = permit;
            let result = match acceptor {
                None => {
                    watcher
                        .watch(http.serve_connection(TokioIo::new(stream), service))
                        .await
                }
                Some(acceptor) => {
                    let Ok(Ok(stream)) =
                        tokio::time::timeout(handshake, acceptor.accept(stream)).await
                    else {
                        tracing::debug!(%peer, "TLS handshake failed or timed out");
                        return;
                    };
                    watcher
                        .watch(http.serve_connection(TokioIo::new(stream), service))
                        .await
                }
            };
            if let Err(error) = result {
                tracing::debug!(%peer, %error, "connection ended");
            }
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(Duration::from_secs(5)) => {
            tracing::warn!("connections still open at shutdown were closed");
        }
    }
    Ok(())
}
