//! The HTTP server: routes, body limits, and `run(listener, state, tls, shutdown)`.
//! The handlers live beside the concept they serve (`enrol`, `push`, `pull`,
//! `registry`) and take the shared state from `state`.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use linli_core::sync::MAX_BODY_BYTES;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use crate::error::{too_large, ApiError};
use crate::state::AppState;
use crate::{enrol, pull, push, registry, tls};

/// The OpenAPI document, kept in the repository and served as is; a test checks that
/// it names every route the router has.
pub const OPENAPI: &str = include_str!("../openapi.json");

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/v1/enrol", post(enrol::handler))
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

/// Serves until `shutdown` completes, over TLS when `tls` is given, within the
/// state's [`Limits`]: at most `max_connections` at once (the rest wait to be
/// accepted), a TLS handshake and each request's header within their times. Then it
/// stops accepting and gives the connections still open a few seconds to finish.
pub async fn run(
    listener: TcpListener,
    state: AppState,
    tls: Option<tls::TlsFiles>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), tls::ConfigError> {
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
