//! The HTTP side of sync: reqwest on a small tokio runtime of its own, so the store
//! and UI threads never wait on the network (invariant 8).

use std::time::Duration;

use linli_core::outbox::PROTOCOL_VERSION;
use linli_core::sync::{
    EnrolRequest, EnrolResponse, ErrorBody, PullResponse, PushRequest, PushResponse, PushedEvent,
    RegistryLookupRequest, RegistryLookupResponse,
};

/// Giving up on a connection or an answer: the round fails and is retried later with
/// backoff, so a server that hangs costs one timeout, not a stuck queue.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// `LINLI_SYNC_TIMEOUT_SECS` shortens the answer timeout (tests of a hanging server).
fn request_timeout() -> Duration {
    std::env::var("LINLI_SYNC_TIMEOUT_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map(Duration::from_secs)
        .unwrap_or(REQUEST_TIMEOUT)
}

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("network: {0}")]
    Network(String),
    #[error("the district answered {status}: {}", body.error.en)]
    Refused { status: u16, body: ErrorBody },
    #[error("the district answered {status} with an unreadable body")]
    Unexpected { status: u16 },
}

pub struct District {
    base: String,
    credential: Option<String>,
    client: reqwest::Client,
    runtime: tokio::runtime::Runtime,
}

impl District {
    pub fn new(base: &str, credential: Option<&str>) -> Result<District, HttpError> {
        let mut builder = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(request_timeout())
            // Never followed: a redirect could send residents' ID numbers to an address
            // `address::check` never saw (plain http, another host). The district
            // answers at the enrolled address or not at all.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("linli/", env!("CARGO_PKG_VERSION")));
        // A district with a private certificate authority: its CA certificate (PEM).
        if let Ok(path) = std::env::var("LINLI_DISTRICT_CA") {
            let pem = std::fs::read(&path)
                .map_err(|e| HttpError::Network(format!("LINLI_DISTRICT_CA {path}: {e}")))?;
            let certificate = reqwest::Certificate::from_pem(&pem)
                .map_err(|e| HttpError::Network(format!("LINLI_DISTRICT_CA {path}: {e}")))?;
            builder = builder.add_root_certificate(certificate);
        }
        let client = builder
            .build()
            .map_err(|e| HttpError::Network(e.to_string()))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| HttpError::Network(e.to_string()))?;
        Ok(District {
            base: base.trim_end_matches('/').to_string(),
            credential: credential.map(str::to_string),
            client,
            runtime,
        })
    }

    fn send<T: serde::de::DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, HttpError> {
        let request = match &self.credential {
            Some(credential) => request.bearer_auth(credential),
            None => request,
        };
        self.runtime.block_on(async {
            let response = request
                .send()
                .await
                .map_err(|e| HttpError::Network(describe(&e)))?;
            let status = response.status().as_u16();
            let bytes = response
                .bytes()
                .await
                .map_err(|e| HttpError::Network(describe(&e)))?;
            if (200..300).contains(&status) {
                serde_json::from_slice(&bytes).map_err(|_| HttpError::Unexpected { status })
            } else {
                match serde_json::from_slice::<ErrorBody>(&bytes) {
                    Ok(body) => Err(HttpError::Refused { status, body }),
                    Err(_) => Err(HttpError::Unexpected { status }),
                }
            }
        })
    }

    pub fn enrol(
        &self,
        code: &str,
        centre_code: Option<String>,
    ) -> Result<EnrolResponse, HttpError> {
        self.send(
            self.client
                .post(format!("{}/v1/enrol", self.base))
                .json(&EnrolRequest {
                    // As typed, less the spaces a copy and paste brings around it.
                    code: code.trim().to_string(),
                    centre_code,
                }),
        )
    }

    pub fn push(&self, batch: &[PushedEvent]) -> Result<PushResponse, HttpError> {
        let request = PushRequest {
            protocol_version: PROTOCOL_VERSION,
            sent_at: crate::clock::now(),
            events: batch.to_vec(),
        };
        self.send(
            self.client
                .post(format!("{}/v1/events", self.base))
                .json(&request),
        )
    }

    /// Looks up, by full ID number, the household of a resident registered at another
    /// centre, for the staff member `staff_code` serving them here (`purpose` in a few
    /// words). The district records every lookup and limits how many a device makes;
    /// an unknown ID number is `Refused` with status 404 (`unknown_resident`), too
    /// many lookups with 429 (`too_many_lookups`).
    pub fn lookup_resident(
        &self,
        id_number: &str,
        staff_code: &str,
        purpose: &str,
    ) -> Result<RegistryLookupResponse, HttpError> {
        self.send(
            self.client
                .post(format!("{}/v1/registry/lookup", self.base))
                .json(&RegistryLookupRequest {
                    id_number: id_number.to_string(),
                    staff_code: staff_code.to_string(),
                    purpose: purpose.to_string(),
                }),
        )
    }

    pub fn pull(&self, after: i64) -> Result<PullResponse, HttpError> {
        self.send(
            self.client
                .get(format!("{}/v1/changes", self.base))
                .query(&[("after", after)]),
        )
    }
}

/// reqwest's top-level message hides the cause ("error sending request"); the chain
/// says what happened (refused, timed out, closed before the answer).
fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
