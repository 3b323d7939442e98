//! The kiosk's one place that reads the clock.
//!
//! Core takes time as an argument (invariant 9); this is where it comes from. Centres
//! run on Beijing time, which has had no daylight saving since 1991, so a fixed
//! +08:00 offset is exact and spares a time-zone database on the device.
//!
//! `LINLI_NOW` pins the clock for training on the demo centre. A pinned clock on a real
//! centre would date sign-ups, offers and slips wrongly and could be used to reopen a
//! lapsed offer, so it is honoured only once the data directory is known to be a demo
//! or training one that is not enrolled with a district ([`allow_pinning`], decided by
//! the store when it opens); `doctor` says when it was ignored. The test suite has a
//! clock of its own, `LINLI_TEST_NOW`, which only debug builds read: the release
//! binary a centre runs never looks at it.

use std::sync::atomic::{AtomicU8, Ordering};

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Utc};

pub const ENV_NOW: &str = "LINLI_NOW";
pub const ENV_TEST_NOW: &str = "LINLI_TEST_NOW";

const UNDECIDED: u8 = 0;
const HONOURED: u8 = 1;
const IGNORED: u8 = 2;

/// Until a store has said what kind of data directory this is, a pinned clock is
/// not honoured: safer to run on the real time than on a made-up one.
static PINNING: AtomicU8 = AtomicU8::new(UNDECIDED);

pub fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("+08:00 is a valid offset")
}

/// Whether `LINLI_NOW` may pin the clock from now on in this process.
pub fn allow_pinning(allowed: bool) {
    PINNING.store(if allowed { HONOURED } else { IGNORED }, Ordering::SeqCst);
}

/// Local wall-clock time in Asia/Shanghai, or the time pinned for training or tests.
pub fn now() -> NaiveDateTime {
    if let Some(pinned) = test_pinned() {
        return pinned;
    }
    if PINNING.load(Ordering::SeqCst) == HONOURED {
        if let Some(pinned) = requested_pin() {
            return pinned;
        }
    }
    real_now()
}

/// The machine's own time in Asia/Shanghai, whatever is pinned.
pub fn real_now() -> NaiveDateTime {
    Utc::now().with_timezone(&shanghai()).naive_local()
}

fn test_pinned() -> Option<NaiveDateTime> {
    if !cfg!(debug_assertions) {
        return None;
    }
    if let Some(pinned) = THREAD_NOW.with(|now| now.get()) {
        return Some(pinned);
    }
    std::env::var(ENV_TEST_NOW)
        .ok()
        .and_then(|text| parse_local(&text))
}

thread_local! {
    static THREAD_NOW: std::cell::Cell<Option<NaiveDateTime>> = const { std::cell::Cell::new(None) };
}

/// Pins the clock of this thread only (`None` unpins it), in debug builds only: the
/// kiosk's UI tests run their use-cases on the test's own thread and move time on
/// (a shift's length, an offer's deadline) without touching other tests.
pub fn pin_this_thread(at: Option<NaiveDateTime>) {
    THREAD_NOW.with(|now| now.set(at));
}

fn requested_pin() -> Option<NaiveDateTime> {
    std::env::var(ENV_NOW)
        .ok()
        .and_then(|text| parse_local(&text))
}

/// What `doctor` says about the clock: the time in use, and whether a pinned time
/// was asked for and honoured.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ClockReport {
    pub now: String,
    pub pinned_requested: Option<String>,
    pub pinned_honoured: bool,
    /// Why a pinned time was ignored.
    pub note: Option<linli_core::Text>,
}

pub fn report() -> ClockReport {
    let requested = std::env::var(ENV_NOW).ok();
    let honoured = requested.is_some() && PINNING.load(Ordering::SeqCst) == HONOURED;
    let note = match (&requested, honoured) {
        (Some(_), false) => Some(linli_core::Text::new(
            "LINLI_NOW 已设置但未采用：只有未登记到区级后台的演示或培训数据才可固定时间",
            "LINLI_NOW is set but ignored: only a demo or training data directory that is not enrolled with a district may pin the clock",
        )),
        _ => None,
    };
    ClockReport {
        now: to_db(now()),
        pinned_requested: requested,
        pinned_honoured: honoured,
        note,
    }
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

/// `date` at `hour:minute`, for the demo and tests that set a scene at a time of day.
pub fn at(date: NaiveDate, hour: u32, minute: u32) -> NaiveDateTime {
    date.and_hms_opt(hour, minute, 0)
        .expect("a valid time of day")
}
