//! Working days and school days.
//!
//! China moves weekends around public holidays (调休): a holiday week is paid for with
//! a Saturday or Sunday on which everyone works. So "working day" is not "Monday to
//! Friday", and deadlines (offer deadlines, rating follow-ups) and school-day
//! programmes (四点半学校, 学生午托) must read the published schedule. The district
//! publishes it as data; [`china_2026`] is the built-in copy for 2026.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::{FieldError, Text};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// 放假: no work and no school, even on a weekday.
    Holiday,
    /// 调休上班: a Saturday or Sunday worked (and taught) like a weekday.
    MakeUpWorkday,
}

/// 学期: the span in which a school holds classes. Winter and summer holidays lie
/// between terms, so they are not school days.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchoolTerm {
    pub name: Text,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
}

impl SchoolTerm {
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.first_day <= date && date <= self.last_day
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Calendar {
    /// Every day off in a holiday period, weekend days included, each with its name.
    pub holidays: BTreeMap<NaiveDate, Text>,
    pub make_up_workdays: BTreeMap<NaiveDate, Text>,
    pub school_terms: Vec<SchoolTerm>,
    /// The years whose State Council holiday notice this calendar carries. A year not
    /// listed is unknown, not "a year without holidays": its answers are provisional.
    /// Calendars published before this field existed list none; their years are then
    /// the years their holidays fall in.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub published_years: BTreeSet<i32>,
}

/// How long before the published schedule runs out staff are warned that the next
/// year's holidays and make-up days are missing. The State Council's notice usually
/// comes in November; two months leaves time to chase the district for it.
pub const UNPUBLISHED_WARNING_DAYS: i64 = 60;

/// Whether the calendar can answer for the coming days.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum CalendarCoverage {
    /// Published well beyond the warning window.
    Published { through: NaiveDate },
    /// Published through `through`, which is at most [`UNPUBLISHED_WARNING_DAYS`]
    /// away: next year's schedule is missing.
    EndingSoon { through: NaiveDate },
    /// Today is past the published schedule (or none was ever published): school-day
    /// and working-day answers follow the plain weekday rule and may be wrong.
    Provisional { through: Option<NaiveDate> },
}

impl CalendarCoverage {
    /// The warning staff see (doctor, the staff home, the district), or none.
    pub fn warning(&self) -> Option<Text> {
        match self {
            CalendarCoverage::Published { .. } => None,
            CalendarCoverage::EndingSoon { through } => {
                let next = through.year() + 1;
                Some(Text::new(
                    format!(
                        "节假日安排只发布到{}：{next}年的放假和调休上班日尚未发布，请联系区级后台发布",
                        date_zh(*through)
                    ),
                    format!(
                        "The holiday schedule is published only to {}: the {next} holidays and make-up working days are not published yet. Ask the district to publish them",
                        date_en(*through)
                    ),
                ))
            }
            CalendarCoverage::Provisional { through } => Some(match through {
                Some(through) => Text::new(
                    format!(
                        "节假日安排只发布到{}，之后的上课日和工作日是暂定的（按周一至周五推算，未计节假日和调休），请联系区级后台发布",
                        date_zh(*through)
                    ),
                    format!(
                        "The holiday schedule is published only to {}: later school days and working days are provisional (Monday to Friday, without holidays or make-up days). Ask the district to publish the schedule",
                        date_en(*through)
                    ),
                ),
                None => Text::new(
                    "尚未发布节假日安排，上课日和工作日是暂定的（按周一至周五推算），请联系区级后台发布",
                    "No holiday schedule is published: school days and working days are provisional (Monday to Friday). Ask the district to publish the schedule",
                ),
            }),
        }
    }
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

fn date_zh(date: NaiveDate) -> String {
    crate::dates::long_date_text(date).zh
}

fn date_en(date: NaiveDate) -> String {
    crate::dates::long_date_text(date).en
}

impl Calendar {
    /// The years whose holiday notice this calendar carries (see `published_years`).
    pub fn years_published(&self) -> BTreeSet<i32> {
        if !self.published_years.is_empty() {
            return self.published_years.clone();
        }
        self.holidays
            .keys()
            .chain(self.make_up_workdays.keys())
            .map(|date| date.year())
            .collect()
    }

    /// The last day of the unbroken run of published years that holds the earliest
    /// one: a gap year is as unknown as a year after the end.
    pub fn published_through(&self) -> Option<NaiveDate> {
        let years = self.years_published();
        let mut last = *years.iter().next()?;
        while years.contains(&(last + 1)) {
            last += 1;
        }
        NaiveDate::from_ymd_opt(last, 12, 31)
    }

    /// Whether what this calendar says about `date` is a guess: its year's holidays
    /// and make-up days were never published.
    pub fn is_provisional(&self, date: NaiveDate) -> bool {
        !self.years_published().contains(&date.year())
    }

    /// The first day of `from..=to` the calendar cannot yet answer for, if any.
    pub fn first_provisional_day(&self, from: NaiveDate, to: NaiveDate) -> Option<NaiveDate> {
        let years = self.years_published();
        (from.year()..=to.year())
            .find(|year| !years.contains(year))
            .map(|year| {
                NaiveDate::from_ymd_opt(year, 1, 1)
                    .expect("1 January exists")
                    .max(from)
            })
    }

    /// Whether staff must be told the schedule runs out (or has run out) by `today`.
    pub fn coverage(&self, today: NaiveDate) -> CalendarCoverage {
        match self.published_through() {
            Some(through) if self.is_provisional(today) || today > through => {
                CalendarCoverage::Provisional {
                    through: Some(through),
                }
            }
            Some(through) if (through - today).num_days() <= UNPUBLISHED_WARNING_DAYS => {
                CalendarCoverage::EndingSoon { through }
            }
            Some(through) => CalendarCoverage::Published { through },
            None => CalendarCoverage::Provisional { through: None },
        }
    }

    /// Whether the schedule says anything special about `date`.
    pub fn day_kind(&self, date: NaiveDate) -> Option<DayKind> {
        if self.make_up_workdays.contains_key(&date) {
            Some(DayKind::MakeUpWorkday)
        } else if self.holidays.contains_key(&date) {
            Some(DayKind::Holiday)
        } else {
            None
        }
    }

    /// The name of a holiday or make-up workday, for screens ("国庆节" on 3 Oct).
    pub fn day_name(&self, date: NaiveDate) -> Option<&Text> {
        self.make_up_workdays
            .get(&date)
            .or_else(|| self.holidays.get(&date))
    }

    /// A make-up workday wins over everything; otherwise Monday to Friday unless a
    /// holiday. (A date in both lists is refused by [`Calendar::validate`].)
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        self.make_up_workdays.contains_key(&date)
            || (!is_weekend(date) && !self.holidays.contains_key(&date))
    }

    /// Schools follow the same make-up days as offices, so a school day is a working
    /// day inside a term.
    pub fn is_school_day(&self, date: NaiveDate) -> bool {
        self.is_working_day(date) && self.school_term_on(date).is_some()
    }

    pub fn school_term_on(&self, date: NaiveDate) -> Option<&SchoolTerm> {
        self.school_terms.iter().find(|term| term.contains(date))
    }

    /// The `n`-th working day strictly after `date` (`date` itself when `n` is 0).
    /// "Within 3 working days of Friday" is therefore the following Wednesday.
    pub fn add_working_days(&self, date: NaiveDate, n: u32) -> NaiveDate {
        let mut current = date;
        let mut remaining = n;
        while remaining > 0 {
            current += Duration::days(1);
            if self.is_working_day(current) {
                remaining -= 1;
            }
        }
        current
    }

    /// The number of working days in `(from, to]`; 0 when `to` is not after `from`.
    ///
    /// Counted arithmetically (weekdays, minus holidays on weekdays, plus make-up
    /// weekend days) so reports over long spans stay cheap.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        if to <= from {
            return 0;
        }
        let span_days = (to - from).num_days();
        let full_weeks = span_days / 7;
        let mut weekdays = full_weeks * 5;
        let mut day = from + Duration::days(full_weeks * 7);
        while day < to {
            day += Duration::days(1);
            if !is_weekend(day) {
                weekdays += 1;
            }
        }
        let after_from = from + Duration::days(1);
        let holidays_on_weekdays = self
            .holidays
            .range(after_from..=to)
            .filter(|(date, _)| !is_weekend(**date) && !self.make_up_workdays.contains_key(date))
            .count() as i64;
        let make_up_on_weekends = self
            .make_up_workdays
            .range(after_from..=to)
            .filter(|(date, _)| is_weekend(**date))
            .count() as i64;
        (weekdays - holidays_on_weekdays + make_up_on_weekends) as u32
    }

    /// Refuses data that cannot be right, so a bad district publication is caught
    /// before it shifts anybody's deadline.
    pub fn validate(&self) -> Result<(), FieldError> {
        if let Some(date) = self
            .holidays
            .keys()
            .find(|date| self.make_up_workdays.contains_key(date))
        {
            return Err(FieldError::new(
                "calendar",
                "holiday_and_workday",
                format!("{}既被设为放假又被设为调休上班，请核对", date_zh(*date)),
                format!(
                    "{} is listed both as a holiday and as a make-up workday. Please check it",
                    date_en(*date)
                ),
            ));
        }
        if let Some(date) = self
            .make_up_workdays
            .keys()
            .find(|date| !is_weekend(**date))
        {
            return Err(FieldError::new(
                "calendar",
                "make_up_workday_on_weekday",
                format!("{}本来就是工作日，不能设为调休上班日", date_zh(*date)),
                format!(
                    "{} is already a weekday, so it cannot be a make-up workday",
                    date_en(*date)
                ),
            ));
        }
        if let Some(term) = self
            .school_terms
            .iter()
            .find(|term| term.last_day < term.first_day)
        {
            return Err(FieldError::new(
                "school_terms",
                "term_dates",
                format!("学期“{}”的结束日期早于开始日期", term.name.zh),
                format!("The term \"{}\" ends before it begins", term.name.en),
            ));
        }
        let mut terms: Vec<&SchoolTerm> = self.school_terms.iter().collect();
        terms.sort_by_key(|term| term.first_day);
        if let Some(pair) = terms
            .windows(2)
            .find(|pair| pair[1].first_day <= pair[0].last_day)
        {
            return Err(FieldError::new(
                "school_terms",
                "term_overlap",
                format!("学期“{}”与“{}”的日期重叠", pair[0].name.zh, pair[1].name.zh),
                format!(
                    "The terms \"{}\" and \"{}\" overlap",
                    pair[0].name.en, pair[1].name.en
                ),
            ));
        }
        Ok(())
    }

    /// Takes in another publication (usually the next year's). The newer data wins:
    /// a date it names replaces whatever this calendar said about that date, and its
    /// terms replace any of ours they overlap (a corrected term date).
    pub fn merge(&mut self, other: Calendar) {
        let years: BTreeSet<i32> = self
            .years_published()
            .union(&other.years_published())
            .copied()
            .collect();
        self.published_years = years;
        for (date, name) in other.holidays {
            self.make_up_workdays.remove(&date);
            self.holidays.insert(date, name);
        }
        for (date, name) in other.make_up_workdays {
            self.holidays.remove(&date);
            self.make_up_workdays.insert(date, name);
        }
        self.school_terms.retain(|ours| {
            !other.school_terms.iter().any(|theirs| {
                ours.first_day <= theirs.last_day && theirs.first_day <= ours.last_day
            })
        });
        self.school_terms.extend(other.school_terms);
        self.school_terms.sort_by_key(|term| term.first_day);
    }
}

/// The 2026 schedule from 国务院办公厅关于2026年部分节假日安排的通知 (4 Nov 2025),
/// and approximate Shenzhen primary-school terms.
///
/// The autumn term runs into January 2027, whose holidays (元旦 2027) were not part of
/// this notice: until the district merges the 2027 schedule, every day of 2027 is
/// provisional ([`Calendar::is_provisional`]) and screens say so.
pub fn china_2026() -> Calendar {
    let date =
        |month: u32, day: u32| NaiveDate::from_ymd_opt(2026, month, day).expect("valid 2026 date");
    let mut calendar = Calendar::default();
    let mut holiday = |first: NaiveDate, last: NaiveDate, zh: &str, en: &str| {
        let mut day = first;
        while day <= last {
            calendar.holidays.insert(day, Text::new(zh, en));
            day += Duration::days(1);
        }
    };
    holiday(date(1, 1), date(1, 3), "元旦", "New Year's Day");
    holiday(date(2, 15), date(2, 23), "春节", "Spring Festival");
    holiday(date(4, 4), date(4, 6), "清明节", "Qingming Festival");
    holiday(date(5, 1), date(5, 5), "劳动节", "Labour Day");
    holiday(date(6, 19), date(6, 21), "端午节", "Dragon Boat Festival");
    holiday(date(9, 25), date(9, 27), "中秋节", "Mid-Autumn Festival");
    holiday(date(10, 1), date(10, 7), "国庆节", "National Day");
    let make_up = [
        (date(1, 4), "元旦", "New Year's Day"),
        (date(2, 14), "春节", "Spring Festival"),
        (date(2, 28), "春节", "Spring Festival"),
        (date(5, 9), "劳动节", "Labour Day"),
        (date(9, 20), "国庆节", "National Day"),
        (date(10, 10), "国庆节", "National Day"),
    ];
    for (day, zh, en) in make_up {
        calendar.make_up_workdays.insert(
            day,
            Text::new(
                format!("{zh}调休上班"),
                format!("Working day in exchange for the {en} holiday"),
            ),
        );
    }
    calendar.published_years = BTreeSet::from([2026]);
    calendar.school_terms = vec![
        SchoolTerm {
            name: Text::new(
                "2025–2026学年第二学期",
                "2025–2026 school year, spring term",
            ),
            first_day: date(3, 2),
            last_day: date(7, 10),
        },
        SchoolTerm {
            name: Text::new(
                "2026–2027学年第一学期",
                "2026–2027 school year, autumn term",
            ),
            first_day: date(9, 1),
            last_day: NaiveDate::from_ymd_opt(2027, 1, 22).expect("valid date"),
        },
    ];
    calendar
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_2026_schedule_is_the_published_one() {
        let calendar = china_2026();
        calendar.validate().unwrap();
        // 7 holiday periods: 3 + 9 + 3 + 5 + 3 + 3 + 7 named days off.
        assert_eq!(calendar.holidays.len(), 33);
        assert_eq!(calendar.make_up_workdays.len(), 6);
        assert_eq!(calendar.day_name(date(2026, 2, 17)).unwrap().zh, "春节");
        assert_eq!(
            calendar.day_name(date(2026, 10, 10)).unwrap().zh,
            "国庆节调休上班"
        );
        assert_eq!(
            calendar.day_kind(date(2026, 1, 4)),
            Some(DayKind::MakeUpWorkday)
        );
        assert_eq!(calendar.day_kind(date(2026, 6, 19)), Some(DayKind::Holiday));
        assert_eq!(calendar.day_kind(date(2026, 6, 22)), None);
    }

    #[test]
    fn holidays_and_make_up_days_change_working_days() {
        let calendar = china_2026();
        // Friday 25 Sep is 中秋节; Sunday 20 Sep and Saturday 10 Oct are worked.
        assert!(!calendar.is_working_day(date(2026, 9, 25)));
        assert!(calendar.is_working_day(date(2026, 9, 20)));
        assert!(calendar.is_working_day(date(2026, 10, 10)));
        assert!(!calendar.is_working_day(date(2026, 10, 11)));
        assert!(calendar.is_working_day(date(2026, 10, 8)));
        assert!(!calendar.is_working_day(date(2026, 2, 23)));
    }

    #[test]
    fn school_days_need_a_term_and_a_working_day() {
        let calendar = china_2026();
        assert!(calendar.is_school_day(date(2026, 3, 2)));
        assert!(
            !calendar.is_school_day(date(2026, 2, 28)),
            "make-up day before term"
        );
        assert!(
            calendar.is_school_day(date(2026, 5, 9)),
            "make-up Saturday in term"
        );
        assert!(
            !calendar.is_school_day(date(2026, 5, 4)),
            "Labour Day holiday"
        );
        assert!(!calendar.is_school_day(date(2026, 7, 20)), "summer holiday");
        assert!(calendar.is_school_day(date(2026, 9, 1)));
        assert!(!calendar.is_school_day(date(2026, 10, 5)), "National Day");
        assert!(!calendar.is_school_day(date(2027, 1, 25)), "winter holiday");
        assert_eq!(
            calendar.school_term_on(date(2026, 11, 2)).unwrap().name.zh,
            "2026–2027学年第一学期"
        );
    }

    #[test]
    fn working_days_skip_the_national_day_week() {
        let calendar = china_2026();
        // Wednesday 30 Sep + 1 working day = Thursday 8 Oct.
        assert_eq!(
            calendar.add_working_days(date(2026, 9, 30), 1),
            date(2026, 10, 8)
        );
        // Friday 9 Oct + 1 = Saturday 10 Oct (调休上班).
        assert_eq!(
            calendar.add_working_days(date(2026, 10, 9), 1),
            date(2026, 10, 10)
        );
        assert_eq!(
            calendar.add_working_days(date(2026, 10, 9), 0),
            date(2026, 10, 9)
        );
        assert_eq!(
            calendar.working_days_between(date(2026, 9, 30), date(2026, 10, 8)),
            1
        );
        assert_eq!(
            calendar.working_days_between(date(2026, 10, 8), date(2026, 9, 30)),
            0
        );
    }

    #[test]
    fn validate_refuses_contradictions() {
        let mut calendar = china_2026();
        calendar
            .holidays
            .insert(date(2026, 10, 10), Text::new("国庆节", "National Day"));
        let error = calendar.validate().unwrap_err();
        assert_eq!(error.code, "holiday_and_workday");
        assert!(error.message.zh.contains("2026年10月10日"));

        let mut calendar = china_2026();
        calendar
            .make_up_workdays
            .insert(date(2026, 10, 12), Text::new("x", "x"));
        assert_eq!(
            calendar.validate().unwrap_err().code,
            "make_up_workday_on_weekday"
        );

        let mut calendar = china_2026();
        calendar.school_terms[0].last_day = date(2026, 3, 1);
        assert_eq!(calendar.validate().unwrap_err().code, "term_dates");

        let mut calendar = china_2026();
        calendar.school_terms[1].first_day = date(2026, 7, 1);
        assert_eq!(calendar.validate().unwrap_err().code, "term_overlap");
    }

    #[test]
    fn merging_a_newer_publication_wins_per_date_and_per_term() {
        let mut calendar = china_2026();
        let mut next = Calendar::default();
        next.holidays
            .insert(date(2027, 1, 1), Text::new("元旦", "New Year's Day"));
        // A correction: 10 Oct becomes a holiday after all.
        next.holidays
            .insert(date(2026, 10, 10), Text::new("国庆节", "National Day"));
        next.school_terms.push(SchoolTerm {
            name: Text::new("2026–2027学年第一学期（修订）", "autumn term (revised)"),
            first_day: date(2026, 9, 1),
            last_day: date(2027, 1, 29),
        });
        calendar.merge(next);
        calendar.validate().unwrap();
        assert!(!calendar.is_school_day(date(2027, 1, 1)));
        assert!(!calendar.is_working_day(date(2026, 10, 10)));
        assert_eq!(calendar.school_terms.len(), 2);
        assert!(calendar.is_school_day(date(2027, 1, 27)));
    }

    #[test]
    fn only_published_years_answer_for_sure() {
        let calendar = china_2026();
        assert_eq!(calendar.published_through(), Some(date(2026, 12, 31)));
        assert!(!calendar.is_provisional(date(2026, 12, 31)));
        // 元旦 2027 and the 2027 Spring Festival are not in the 2026 notice.
        assert!(calendar.is_provisional(date(2027, 1, 1)));
        assert!(calendar.is_provisional(date(2027, 2, 8)));
        assert_eq!(
            calendar.first_provisional_day(date(2026, 11, 1), date(2027, 3, 1)),
            Some(date(2027, 1, 1))
        );
        assert_eq!(
            calendar.first_provisional_day(date(2026, 3, 1), date(2026, 7, 1)),
            None
        );
    }

    #[test]
    fn staff_are_warned_sixty_days_before_the_schedule_runs_out() {
        let calendar = china_2026();
        assert_eq!(
            calendar.coverage(date(2026, 10, 31)),
            CalendarCoverage::Published {
                through: date(2026, 12, 31)
            }
        );
        assert!(calendar.coverage(date(2026, 10, 31)).warning().is_none());
        let soon = calendar.coverage(date(2026, 11, 1));
        assert_eq!(
            soon,
            CalendarCoverage::EndingSoon {
                through: date(2026, 12, 31)
            }
        );
        assert!(soon
            .warning()
            .unwrap()
            .zh
            .contains("2027年的放假和调休上班日尚未发布"));
        let past = calendar.coverage(date(2027, 1, 1));
        assert!(matches!(past, CalendarCoverage::Provisional { .. }));
        assert!(past.warning().unwrap().en.contains("provisional"));
        assert!(matches!(
            Calendar::default().coverage(date(2026, 5, 1)),
            CalendarCoverage::Provisional { through: None }
        ));
        // Merging the next year's notice moves the end.
        let mut merged = calendar.clone();
        let mut next = Calendar::default();
        next.holidays
            .insert(date(2027, 1, 1), Text::new("元旦", "New Year's Day"));
        merged.merge(next);
        assert_eq!(merged.published_through(), Some(date(2027, 12, 31)));
        assert!(merged.coverage(date(2026, 12, 1)).warning().is_none());
    }

    #[test]
    fn a_calendar_published_before_years_were_listed_reads_its_holidays_years() {
        let mut calendar = china_2026();
        calendar.published_years.clear();
        let json = serde_json::to_string(&calendar).unwrap();
        assert!(!json.contains("published_years"));
        let read: Calendar = serde_json::from_str(&json).unwrap();
        assert_eq!(read.published_through(), Some(date(2026, 12, 31)));
    }

    #[test]
    fn serde_round_trip() {
        let calendar = china_2026();
        let json = serde_json::to_string(&calendar).unwrap();
        assert!(json.contains("\"2026-10-01\""));
        assert_eq!(serde_json::from_str::<Calendar>(&json).unwrap(), calendar);
    }

    fn count_day_by_day(calendar: &Calendar, from: NaiveDate, to: NaiveDate) -> u32 {
        let mut count = 0;
        let mut day = from;
        while day < to {
            day += Duration::days(1);
            if calendar.is_working_day(day) {
                count += 1;
            }
        }
        count
    }

    /// The 2026 calendar plus random extra holidays and make-up days, so the
    /// arithmetic count meets every mix of weekdays, weekends and special days.
    fn any_calendar() -> impl Strategy<Value = Calendar> {
        let offsets = proptest::collection::btree_set(0i64..800, 0..40);
        (offsets.clone(), offsets).prop_map(|(holidays, make_ups)| {
            let origin = date(2025, 6, 1);
            let mut calendar = china_2026();
            for offset in holidays {
                calendar
                    .holidays
                    .insert(origin + Duration::days(offset), Text::new("h", "h"));
            }
            for offset in make_ups {
                calendar
                    .make_up_workdays
                    .insert(origin + Duration::days(offset), Text::new("m", "m"));
            }
            calendar
        })
    }

    proptest! {
        #[test]
        fn adding_and_counting_working_days_agree(
            calendar in any_calendar(),
            start_offset in 0i64..700,
            n in 0u32..80,
        ) {
            let start = date(2025, 6, 1) + Duration::days(start_offset);
            let end = calendar.add_working_days(start, n);
            prop_assert_eq!(calendar.working_days_between(start, end), n);
            prop_assert_eq!(count_day_by_day(&calendar, start, end), n);
            if n > 0 {
                prop_assert!(calendar.is_working_day(end));
            }
        }

        #[test]
        fn counting_matches_a_day_by_day_count(
            calendar in any_calendar(),
            from_offset in 0i64..800,
            span in -10i64..400,
        ) {
            let from = date(2025, 6, 1) + Duration::days(from_offset);
            let to = from + Duration::days(span);
            prop_assert_eq!(
                calendar.working_days_between(from, to),
                count_day_by_day(&calendar, from, to)
            );
        }
    }
}
