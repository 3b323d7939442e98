//! Dates and times as residents read them, on screens and on slips.
//!
//! The one place these words are made, so a date reads the same wherever it appears:
//! "11月27日（周五）" / "Fri 27 Nov", never the ISO "2026-11-27" people have to decode,
//! and never a zero-padded "01月05日". The year is left out where the date is near
//! (a deadline, an application, a first session) and kept where it may be far
//! ([`long_date_text`]: a term, a certificate's period). Machine formats (exports, CSV,
//! JSON, audit, the wire) stay ISO and do not come here.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Weekday};

use crate::Text;

pub(crate) const WEEKDAY_ZH: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
pub(crate) const WEEKDAY_EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// "周五" / "Fri", as the programme notices name days.
pub fn weekday_text(day: Weekday) -> Text {
    let index = day.num_days_from_monday() as usize;
    Text::new(WEEKDAY_ZH[index], WEEKDAY_EN[index])
}

/// "11月27日" / "27 Nov".
pub fn day_text(date: NaiveDate) -> Text {
    Text::new(
        format!("{}月{}日", date.month(), date.day()),
        date.format("%-d %b").to_string(),
    )
}

/// "11月27日（周五）" / "Fri 27 Nov": for a day someone must turn up or act on, since
/// people plan by weekday and a bare date is easy to misread by a day.
pub fn weekday_day_text(date: NaiveDate) -> Text {
    let day = day_text(date);
    let weekday = weekday_text(date.weekday());
    Text::new(
        format!("{}（{}）", day.zh, weekday.zh),
        format!("{} {}", weekday.en, day.en),
    )
}

/// "11月27日 16:30" / "27 Nov 16:30".
pub fn day_time_text(at: NaiveDateTime) -> Text {
    let day = day_text(at.date());
    let time = at.format("%H:%M");
    Text::new(format!("{} {time}", day.zh), format!("{} {time}", day.en))
}

/// "11月27日（周五）16:30" / "Fri 27 Nov, 16:30": a deadline.
pub fn weekday_day_time_text(at: NaiveDateTime) -> Text {
    let day = weekday_day_text(at.date());
    let time = at.format("%H:%M");
    Text::new(format!("{}{time}", day.zh), format!("{}, {time}", day.en))
}

/// "2026年11月27日" / "27 Nov 2026": a date that may be in another year.
pub fn long_date_text(date: NaiveDate) -> Text {
    Text::new(
        format!("{}年{}月{}日", date.year(), date.month(), date.day()),
        date.format("%-d %b %Y").to_string(),
    )
}

/// "2026年9月1日至2027年1月22日" / "1 Sep 2026 – 22 Jan 2027".
pub fn date_range_text(first: NaiveDate, last: NaiveDate) -> Text {
    let (first, last) = (long_date_text(first), long_date_text(last));
    Text::new(
        format!("{}至{}", first.zh, last.zh),
        format!("{} – {}", first.en, last.en),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(iso: &str) -> NaiveDate {
        iso.parse().unwrap()
    }

    #[test]
    fn dates_read_as_people_write_them_without_zero_padding() {
        assert_eq!(day_text(day("2027-01-05")), Text::new("1月5日", "5 Jan"));
        assert_eq!(
            weekday_day_text(day("2026-11-27")),
            Text::new("11月27日（周五）", "Fri 27 Nov")
        );
        let at = day("2026-11-27").and_hms_opt(16, 30, 0).unwrap();
        assert_eq!(
            day_time_text(at),
            Text::new("11月27日 16:30", "27 Nov 16:30")
        );
        assert_eq!(
            weekday_day_time_text(at),
            Text::new("11月27日（周五）16:30", "Fri 27 Nov, 16:30")
        );
        assert_eq!(
            date_range_text(day("2026-09-01"), day("2027-01-22")),
            Text::new("2026年9月1日至2027年1月22日", "1 Sep 2026 – 22 Jan 2027")
        );
    }
}
