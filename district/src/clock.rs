//! The district's wall clock. Everything in Linli speaks Asia/Shanghai local time
//! (UTC+8 all year, no daylight saving), so the district's own times are comparable
//! with what devices report.
//!
//! `LINLI_DISTRICT_NOW` (`YYYY-MM-DDTHH:MM:SS`) pins the clock of the commands and the
//! server, for training and for tests of the binary, as `LINLI_NOW` does on a kiosk.

use chrono::{Duration, NaiveDate, NaiveDateTime, Utc};

/// Now, Asia/Shanghai local time.
pub fn now_local() -> NaiveDateTime {
    std::env::var("LINLI_DISTRICT_NOW")
        .ok()
        .and_then(|text| linli_core::sync::wire_time::parse_date_time(text.trim()))
        .unwrap_or_else(|| Utc::now().naive_utc() + Duration::hours(8))
}

/// Today, Asia/Shanghai.
pub fn today() -> NaiveDate {
    now_local().date()
}
