//! What every request handler is given: the database pool, the server's limits and
//! their per-address counters, and the server's clock. The handlers (`enrol`, `push`,
//! `pull`, `registry`) and the credential check (`auth`) know this, not the server
//! that routes to them.

use std::net::IpAddr;
use std::sync::Arc;

use chrono::NaiveDateTime;
use deadpool_postgres::Pool;

use crate::error::ApiError;
use crate::limits::{Allowance, Limiters, Limits};

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
        let limiters = Arc::new(Limiters::new(&limits));
        AppState {
            pool,
            limits,
            limiters,
            fixed_now: None,
        }
    }

    /// Takes one request from the client's allowance, or says how long to wait.
    pub fn allow(&self, allowance: Allowance, address: Option<IpAddr>) -> Result<(), ApiError> {
        self.limiters.allow(allowance, address)
    }
}
