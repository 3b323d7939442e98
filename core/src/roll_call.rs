//! Roll call (点名) for 四点半学校 and 学生午托: who is expected today, in which group,
//! and who is late to be collected.
//!
//! A desk with 80 children leaving in 20 minutes needs the list in groups it can take
//! at a glance. Centres group children by school year (一年级 … 初三) because that is
//! how schools let them out and how parents ask ("the second-graders"); the registry
//! holds no school records, so the year is worked out from the birth date by the rule
//! schools admit by: a child who is six by 31 August starts 一年级 that September.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};
use serde::Serialize;

use crate::attendance::{AttendanceState, LATE_PICKUP_GRACE_MINUTES};
use crate::household::age_on;
use crate::Text;

/// The school year a child born on `birth` is in on `on`: 1 to 6 for primary school,
/// 7 to 9 for junior middle school, `None` before school or after 初三.
pub fn school_year(birth: NaiveDate, on: NaiveDate) -> Option<u32> {
    let starts = if on.month() >= 9 {
        on.year()
    } else {
        on.year() - 1
    };
    let cutoff = NaiveDate::from_ymd_opt(starts, 8, 31)?;
    let age_at_entry = age_on(birth, cutoff);
    let year = age_at_entry.checked_sub(5)?;
    (1..=9).contains(&year).then_some(year)
}

/// The group a child is listed under: "二年级" / "Year 2", "初一" / "Year 7", or
/// "其他" / "Other" for a child outside school years (a sibling brought along).
pub fn group_label(year: Option<u32>) -> Text {
    const PRIMARY: [&str; 6] = ["一", "二", "三", "四", "五", "六"];
    const JUNIOR: [&str; 3] = ["初一", "初二", "初三"];
    match year {
        Some(year @ 1..=6) => Text::new(
            format!("{}年级", PRIMARY[year as usize - 1]),
            format!("Year {year}"),
        ),
        Some(year @ 7..=9) => Text::new(JUNIOR[year as usize - 7], format!("Year {year}")),
        _ => Text::new("其他", "Other"),
    }
}

/// Where one child on the roll stands today.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RollState {
    /// Enrolled, not here yet, no absence reported.
    Expected,
    /// A guardian or staff reported the child absent for today.
    ReportedAbsent,
    /// Checked in and still here.
    Here,
    /// Checked in and collected (or left alone with consent).
    Left,
}

impl RollState {
    pub fn of(attendance: Option<&AttendanceState>, reported_absent: bool) -> RollState {
        match attendance {
            Some(AttendanceState::CheckedIn { .. }) => RollState::Here,
            Some(AttendanceState::CheckedOut { .. }) => RollState::Left,
            // A child reported absent who turns up after all is simply checked in.
            Some(AttendanceState::Absent) | None if reported_absent => RollState::ReportedAbsent,
            _ => RollState::Expected,
        }
    }
}

/// The day's figures for one session, as the staff home shows them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SessionCounts {
    /// On the roll and not reported absent: who should come.
    pub expected: u32,
    /// Came today (here now or already left).
    pub arrived: u32,
    /// Reported absent.
    pub absent: u32,
    /// Already collected.
    pub left: u32,
}

impl SessionCounts {
    pub fn of(states: impl IntoIterator<Item = RollState>) -> SessionCounts {
        let mut counts = SessionCounts::default();
        for state in states {
            match state {
                RollState::Expected => counts.expected += 1,
                RollState::ReportedAbsent => counts.absent += 1,
                RollState::Here => {
                    counts.expected += 1;
                    counts.arrived += 1;
                }
                RollState::Left => {
                    counts.expected += 1;
                    counts.arrived += 1;
                    counts.left += 1;
                }
            }
        }
        counts
    }

    /// Expected but not here yet: the ones to look out for (or call about).
    pub fn missing(&self) -> u32 {
        self.expected - self.arrived
    }
}

/// From when a child still here is late to be collected: the session's end plus the
/// grace period.
pub fn late_from(session_date: NaiveDate, ends: NaiveTime) -> NaiveDateTime {
    session_date.and_time(ends) + Duration::minutes(LATE_PICKUP_GRACE_MINUTES)
}

/// Minutes past the end of the session at `now` for a child still here, once the grace
/// period is over; `None` before then.
pub fn minutes_late(session_date: NaiveDate, ends: NaiveTime, now: NaiveDateTime) -> Option<i64> {
    (now >= late_from(session_date, ends))
        .then(|| (now - session_date.and_time(ends)).num_minutes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_child_six_by_the_end_of_august_starts_year_one_that_september() {
        // Born 31 August 2019: six on the cut-off day, so 一年级 from September 2025.
        assert_eq!(school_year(date(2019, 8, 31), date(2025, 9, 1)), Some(1));
        // Born a day later: waits a year.
        assert_eq!(school_year(date(2019, 9, 1), date(2025, 9, 1)), None);
        assert_eq!(school_year(date(2019, 9, 1), date(2026, 9, 1)), Some(1));
        // The year holds until the summer: still 一年级 in June, 二年级 in September.
        assert_eq!(school_year(date(2019, 8, 31), date(2026, 6, 30)), Some(1));
        assert_eq!(school_year(date(2019, 8, 31), date(2026, 9, 1)), Some(2));
        // A leap-day child counts its birthday on 28 February in other years.
        assert_eq!(school_year(date(2020, 2, 29), date(2026, 11, 2)), Some(1));
        // 初三 is the last; older is outside school years.
        assert_eq!(school_year(date(2011, 3, 1), date(2025, 10, 1)), Some(9));
        assert_eq!(school_year(date(2010, 3, 1), date(2025, 10, 1)), None);
    }

    #[test]
    fn groups_are_named_as_schools_name_them() {
        assert_eq!(group_label(Some(2)).zh, "二年级");
        assert_eq!(group_label(Some(7)).zh, "初一");
        assert_eq!(group_label(Some(9)).en, "Year 9");
        assert_eq!(group_label(None).zh, "其他");
    }

    #[test]
    fn the_days_counts_follow_each_childs_state() {
        let counts = SessionCounts::of([
            RollState::Expected,
            RollState::Here,
            RollState::Left,
            RollState::ReportedAbsent,
        ]);
        assert_eq!(
            counts,
            SessionCounts {
                expected: 3,
                arrived: 2,
                absent: 1,
                left: 1
            }
        );
        assert_eq!(counts.missing(), 1);
    }

    #[test]
    fn a_child_is_late_once_the_grace_period_is_over() {
        let day = date(2026, 11, 23);
        let ends = NaiveTime::from_hms_opt(18, 0, 0).unwrap();
        assert_eq!(
            minutes_late(day, ends, day.and_hms_opt(18, 14, 0).unwrap()),
            None
        );
        assert_eq!(
            minutes_late(day, ends, day.and_hms_opt(18, 15, 0).unwrap()),
            Some(15)
        );
        assert_eq!(
            minutes_late(day, ends, day.and_hms_opt(19, 2, 0).unwrap()),
            Some(62)
        );
    }

    #[test]
    fn a_reported_absence_gives_way_to_the_child_arriving() {
        let at = date(2026, 11, 23).and_hms_opt(16, 40, 0).unwrap();
        assert_eq!(RollState::of(None, true), RollState::ReportedAbsent);
        assert_eq!(
            RollState::of(Some(&AttendanceState::CheckedIn { at }), true),
            RollState::Here
        );
        assert_eq!(RollState::of(None, false), RollState::Expected);
    }
}
