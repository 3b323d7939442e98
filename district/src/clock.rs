//! The district's wall clock. Everything in Linli speaks Asia/Shanghai local time
//! (UTC+8 all year, no daylight saving), so the district's own times are comparable
//! with what devices report.

use chrono::{Duration, NaiveDateTime, Utc};

/// Now, Asia/Shanghai local time.
pub fn now_local() -> NaiveDateTime {
    Utc::now().naive_utc() + Duration::hours(8)
}
