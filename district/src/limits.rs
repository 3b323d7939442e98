//! What one server instance allows, so that no client can hold it up or wear it out:
//! the times and counts (`Limits`), and the per-address allowances drawn on by
//! enrolment and registry lookups, keyed by the address the connection came from.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::time::Duration;

use axum::extract::ConnectInfo;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::ApiError;

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

/// The per-address counters of one instance (kept in memory, so each instance
/// counts its own clients).
pub(crate) struct Limiters {
    enrol: AddressLimiter,
    lookup: AddressLimiter,
}

/// Which per-address allowance a request draws on.
#[derive(Clone, Copy)]
pub enum Allowance {
    Enrol,
    Lookup,
}

impl Limiters {
    pub(crate) fn new(limits: &Limits) -> Limiters {
        let per_minute = |n: u32| {
            RateLimiter::keyed(Quota::per_minute(
                NonZeroU32::new(n.max(1)).expect("at least one"),
            ))
        };
        Limiters {
            enrol: per_minute(limits.enrols_per_minute),
            lookup: per_minute(limits.lookups_per_minute_per_address),
        }
    }

    /// Takes one request from the client's allowance, or says how long to wait.
    pub(crate) fn allow(
        &self,
        allowance: Allowance,
        address: Option<IpAddr>,
    ) -> Result<(), ApiError> {
        let Some(address) = address else {
            return Ok(());
        };
        let limiter = match allowance {
            Allowance::Enrol => &self.enrol,
            Allowance::Lookup => &self.lookup,
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
