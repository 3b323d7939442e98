//! Meal counts for 学生午托 (lunch care): how many lunches the kitchen cooks each day.
//!
//! The count starts from the children with a confirmed seat, less those reported
//! absent for a part of the day that touches the session ([`crate::absence`]): that is
//! what the kitchen plans the week by. Once the roll call has begun (any child of the
//! session checked in), the children checked in are the count instead: the morning's
//! check-in corrects the plan, and a child who came although a parent reported them
//! absent is fed like everyone else.
//!
//! Staff may also record the number of meals actually served. A number above the
//! attendance (the children checked in, or before any check-in the children expected)
//! is not refused, since the kitchen did cook them, but it is flagged: meals are paid
//! for per child, and a count above the roll is what an audit asks about first.
//!
//! Days the programme does not run (weekends, holidays, school holidays) count 0 and
//! say why, in the calendar's words.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Duration, NaiveDate};
use serde::Serialize;

use crate::absence::{why_no_session, DayPart};
use crate::calendar::Calendar;
use crate::programme::Programme;
use crate::Text;

/// What a programme's meal counts are made from, for the dates asked about.
#[derive(Clone, Debug, Default)]
pub struct MealInputs {
    /// Children with a confirmed seat, by ID number.
    pub enrolled: BTreeSet<String>,
    /// Absences not withdrawn, per date: the child and the part of the day.
    pub absences: BTreeMap<NaiveDate, Vec<(String, DayPart)>>,
    /// Children who checked in (still here or gone home), per date.
    pub attended: BTreeMap<NaiveDate, BTreeSet<String>>,
    /// The meal count staff recorded, per date.
    pub recorded: BTreeMap<NaiveDate, u32>,
}

/// Where the number to cook came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MealBasis {
    /// The programme does not run that day: nothing to cook.
    NoSession,
    /// No child has checked in yet: enrolled less reported absent.
    Expected,
    /// The roll call has begun: the children checked in.
    CheckedIn,
}

/// One programme's meals on one day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MealDay {
    pub programme_code: String,
    pub date: NaiveDate,
    /// Why there is no session, when there is none.
    pub no_session: Option<Text>,
    pub enrolled: u32,
    pub reported_absent: u32,
    /// Enrolled less reported absent.
    pub expected: u32,
    pub checked_in: u32,
    /// Of those checked in, how many had been reported absent.
    pub came_though_absent: u32,
    pub basis: MealBasis,
    pub to_cook: u32,
    /// The meals staff recorded as served, if they did.
    pub recorded: Option<u32>,
    /// Set when the recorded count is above the attendance.
    pub warning: Option<Text>,
}

/// Monday to Sunday of the week `date` is in.
pub fn week_of(date: NaiveDate) -> Vec<NaiveDate> {
    let monday = date - Duration::days(i64::from(date.weekday().num_days_from_monday()));
    (0..7)
        .map(|offset| monday + Duration::days(offset))
        .collect()
}

/// The days a meal plan shows: `date` alone, or with `week` Monday to Friday of its
/// week (each one, a day off saying why) and a Saturday or Sunday only when the
/// programme runs then (a make-up school day, 调休, on a weekday it is held).
pub fn days_to_show(
    programme: &Programme,
    calendar: &Calendar,
    date: NaiveDate,
    week: bool,
) -> Vec<NaiveDate> {
    if !week {
        return vec![date];
    }
    week_of(date)
        .into_iter()
        .filter(|day| {
            day.weekday().num_days_from_monday() < 5 || programme.schedule.occurs_on(*day, calendar)
        })
        .collect()
}

/// The meal counts of `programme` on each of `dates`.
pub fn meal_days(
    programme: &Programme,
    calendar: &Calendar,
    dates: &[NaiveDate],
    inputs: &MealInputs,
) -> Vec<MealDay> {
    dates
        .iter()
        .map(|date| meal_day(programme, calendar, *date, inputs))
        .collect()
}

fn meal_day(
    programme: &Programme,
    calendar: &Calendar,
    date: NaiveDate,
    inputs: &MealInputs,
) -> MealDay {
    let recorded = inputs.recorded.get(&date).copied();
    if let Some(why) = why_no_session(programme, date, calendar) {
        return MealDay {
            programme_code: programme.code.clone(),
            date,
            no_session: Some(why),
            enrolled: 0,
            reported_absent: 0,
            expected: 0,
            checked_in: 0,
            came_though_absent: 0,
            basis: MealBasis::NoSession,
            to_cook: 0,
            recorded,
            warning: None,
        };
    }
    let (start, end) = (programme.schedule.start, programme.schedule.end);
    let absent: BTreeSet<&str> = inputs
        .absences
        .get(&date)
        .into_iter()
        .flatten()
        .filter(|(child, part)| part.covers(start, end) && inputs.enrolled.contains(child))
        .map(|(child, _)| child.as_str())
        .collect();
    let empty = BTreeSet::new();
    let attended = inputs.attended.get(&date).unwrap_or(&empty);
    let enrolled = inputs.enrolled.len() as u32;
    let reported_absent = absent.len() as u32;
    let expected = enrolled - reported_absent;
    let checked_in = attended.len() as u32;
    let came_though_absent = attended
        .iter()
        .filter(|child| absent.contains(child.as_str()))
        .count() as u32;
    let (basis, to_cook) = if checked_in > 0 {
        (MealBasis::CheckedIn, checked_in)
    } else {
        (MealBasis::Expected, expected)
    };
    let warning = recorded
        .filter(|count| *count > to_cook)
        .map(|count| over_attendance(count, basis, to_cook));
    MealDay {
        programme_code: programme.code.clone(),
        date,
        no_session: None,
        enrolled,
        reported_absent,
        expected,
        checked_in,
        came_though_absent,
        basis,
        to_cook,
        recorded,
        warning,
    }
}

fn over_attendance(count: u32, basis: MealBasis, attendance: u32) -> Text {
    match basis {
        MealBasis::CheckedIn => Text::new(
            format!("登记用餐{count}份，多于签到人数{attendance}人，请核对"),
            format!(
                "{count} meals recorded, more than the {attendance} children checked in: please check"
            ),
        ),
        _ => Text::new(
            format!("登记用餐{count}份，多于预计人数{attendance}人（尚无签到），请核对"),
            format!(
                "{count} meals recorded, more than the {attendance} children expected (no check-in yet): please check"
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::china_2026;
    use crate::demo::programmes;

    fn date(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    fn lunch() -> Programme {
        programmes(date(11, 23))
            .into_iter()
            .find(|p| p.code == "lunch-care")
            .unwrap()
    }

    fn inputs(children: u32) -> MealInputs {
        MealInputs {
            enrolled: (0..children).map(|i| format!("C{i:03}")).collect(),
            ..MealInputs::default()
        }
    }

    #[test]
    fn an_absence_lowers_the_expected_count_until_the_roll_call_corrects_it() {
        let calendar = china_2026();
        let day = date(11, 24);
        let mut data = inputs(20);
        data.absences.insert(
            day,
            vec![
                ("C001".into(), DayPart::WholeDay),
                ("X".into(), DayPart::WholeDay),
            ],
        );
        let [before] = meal_days(&lunch(), &calendar, &[day], &data)
            .try_into()
            .unwrap();
        assert_eq!(
            (before.enrolled, before.reported_absent, before.expected),
            (20, 1, 19)
        );
        assert_eq!((before.basis, before.to_cook), (MealBasis::Expected, 19));
        // The roll call: 17 came, among them the child reported absent.
        data.attended
            .insert(day, (1..18).map(|i| format!("C{i:03}")).collect());
        let [after] = meal_days(&lunch(), &calendar, &[day], &data)
            .try_into()
            .unwrap();
        assert_eq!((after.basis, after.to_cook), (MealBasis::CheckedIn, 17));
        assert_eq!(after.came_though_absent, 1);
        assert_eq!(after.warning, None);
        data.recorded.insert(day, 18);
        let [flagged] = meal_days(&lunch(), &calendar, &[day], &data)
            .try_into()
            .unwrap();
        let warning = flagged.warning.unwrap();
        assert!(warning.zh.contains("多于签到人数17人"), "{warning:?}");
    }

    #[test]
    fn a_week_counts_zero_on_a_holiday_and_says_why() {
        let calendar = china_2026();
        let days = days_to_show(&lunch(), &calendar, date(10, 1), true);
        // Mon 28 Sep to Fri 2 Oct; Saturday 10 Oct's make-up day is another week.
        assert_eq!(days.first(), Some(&date(9, 28)));
        assert_eq!(days.len(), 5);
        let week = meal_days(&lunch(), &calendar, &days, &inputs(12));
        let counts: Vec<u32> = week.iter().map(|d| d.to_cook).collect();
        assert_eq!(counts, [12, 12, 12, 0, 0]);
        assert!(week[3]
            .no_session
            .as_ref()
            .unwrap()
            .zh
            .contains("国庆节放假"));
        assert_eq!(week[3].basis, MealBasis::NoSession);
    }

    #[test]
    fn a_morning_absence_from_an_afternoon_session_does_not_count() {
        let calendar = china_2026();
        let mut after_school = lunch();
        after_school.schedule.start = chrono::NaiveTime::from_hms_opt(16, 30, 0).unwrap();
        after_school.schedule.end = chrono::NaiveTime::from_hms_opt(18, 0, 0).unwrap();
        let day = date(11, 24);
        let mut data = inputs(5);
        data.absences
            .insert(day, vec![("C001".into(), DayPart::Morning)]);
        let [count] = meal_days(&after_school, &calendar, &[day], &data)
            .try_into()
            .unwrap();
        assert_eq!(count.expected, 5);
    }
}
