//! The district's wall clock. Everything in Linli speaks Asia/Shanghai local time
//! (UTC+8 all year, no daylight saving), so the district's own times are comparable
//! with what devices report.
//!
//! `LINLI_DISTRICT_NOW` (`YYYY-MM-DDTHH:MM:SS`) pins the clock of the commands and the
//! server for tests of the binary. Only debug builds read it: a district serving real
//! centres must never date staff changes, skew or reports by a made-up time.

use chrono::{Duration, NaiveDate, NaiveDateTime, Utc};

/// Now, Asia/Shanghai local time.
pub fn now_local() -> NaiveDateTime {
    let pinned = cfg!(debug_assertions)
        .then(|| std::env::var("LINLI_DISTRICT_NOW").ok())
        .flatten()
        .and_then(|text| linli_core::wire::time::parse_date_time(text.trim()));
    pinned.unwrap_or_else(|| Utc::now().naive_utc() + Duration::hours(8))
}

/// Today, Asia/Shanghai.
pub fn today() -> NaiveDate {
    now_local().date()
}
