//! The kiosk's one place that reads the clock.
//!
//! Core takes time as an argument (invariant 9); this is where it comes from. Centres
//! run on Beijing time, which has had no daylight saving since 1991, so a fixed
//! +08:00 offset is exact and spares a time-zone database on the device.
//! `LINLI_NOW` pins the clock for training sessions and tests that must see
//! a given day (for example an offer deadline passing).

use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};

pub const ENV_NOW: &str = "LINLI_NOW";

pub fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("+08:00 is a valid offset")
}

/// Local wall-clock time in Asia/Shanghai, or the time pinned by `LINLI_NOW`.
pub fn now() -> NaiveDateTime {
    if let Ok(pinned) = std::env::var(ENV_NOW) {
        if let Some(t) = parse_local(&pinned) {
            return t;
        }
    }
    Utc::now().with_timezone(&shanghai()).naive_local()
}

/// Accepts `2026-11-28T09:30:00`, `2026-11-28 09:30` or an RFC 3339 instant.
pub fn parse_local(text: &str) -> Option<NaiveDateTime> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&shanghai()).naive_local());
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Some(t);
        }
    }
    None
}

/// The text form every timestamp takes in the database: sortable, second precision.
pub fn to_db(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S").to_string()
}

pub fn from_db(text: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S").ok()
}
