//! Whether the district's published calendar still covers the coming days
//! (invariant 12): from 60 days before its last published year ends, district staff
//! are told next year's holidays and make-up working days are not published yet, in
//! `admin publish calendar`, `admin report`, `admin calendar status` and `/healthz`,
//! the places they look. `today` is always an argument, so every date can be tested.

use chrono::NaiveDate;
use linli_core::calendar::{Calendar, CalendarCoverage};
use linli_core::Text;
use serde_json::{json, Value};

/// The calendar devices hold now: the latest version published, if any.
pub async fn current(
    client: &tokio_postgres::Client,
) -> Result<Option<(i32, Calendar)>, tokio_postgres::Error> {
    let row = client
        .query_opt(
            "SELECT version, body FROM published WHERE kind = 'calendar' ORDER BY version DESC LIMIT 1",
            &[],
        )
        .await?;
    Ok(row.and_then(|row| {
        // Stored by this server from the same type; one that no longer reads counts
        // as none published, which warns rather than hides the problem.
        serde_json::from_value(row.get(1))
            .ok()
            .map(|calendar| (row.get(0), calendar))
    }))
}

pub fn coverage(calendar: Option<&Calendar>, today: NaiveDate) -> CalendarCoverage {
    calendar
        .map(|calendar| calendar.coverage(today))
        .unwrap_or(CalendarCoverage::Provisional { through: None })
}

/// The warning as JSON (`{zh, en}`), or null when the calendar covers the coming days.
pub fn warning_json(warning: Option<Text>) -> Value {
    warning.map_or(Value::Null, |text| json!(text))
}

/// The warning for `today`, or none.
pub async fn warning(
    client: &tokio_postgres::Client,
    today: NaiveDate,
) -> Result<Option<Text>, tokio_postgres::Error> {
    let current = current(client).await?;
    Ok(coverage(current.as_ref().map(|(_, c)| c), today).warning())
}

/// `linli-district admin calendar status`.
pub async fn status(
    client: &tokio_postgres::Client,
    today: NaiveDate,
) -> Result<Value, tokio_postgres::Error> {
    let current = current(client).await?;
    let coverage = coverage(current.as_ref().map(|(_, c)| c), today);
    Ok(json!({
        "today": today.to_string(),
        "version": current.as_ref().map(|(version, _)| *version),
        "coverage": coverage,
        "calendar_warning": warning_json(coverage.warning()),
    }))
}
