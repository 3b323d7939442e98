//! linli-district: the district backend (区级后台).
//!
//! Devices enrol with a one-time code, push their outbox (applied exactly once,
//! invariant 4), and pull what the district publishes and decides, including the seats
//! each device may fill (invariant 2). District staff work through `linli-district
//! admin`. The server keeps no state of its own between requests: several instances
//! can serve one PostgreSQL database.

pub mod admin;
pub mod apply;
pub mod auth;
pub mod calendar;
pub mod cards;
pub mod cli;
pub mod clock;
pub mod db;
pub mod demo;
pub mod enrol;
pub mod error;
pub mod export;
pub mod grants;
pub mod limits;
pub mod pgtls;
pub mod pickup;
pub mod pull;
pub mod push;
pub mod registry;
pub mod report;
pub mod server;
pub mod staff;
pub mod state;
// Throwaway databases and servers for tests (this crate's, the kiosk's end-to-end
// tests and the load generator); never part of the production build.
#[cfg(feature = "testing")]
pub mod testing;
pub mod tls;
