//! Absences (请假) from the children's programmes, 四点半学校 and 学生午托: a child
//! marked absent at the roll call, or reported in advance by a parent for a future
//! day or part of a day.
//!
//! An absence is for one programme's session on one date and one part of the day.
//! The parts are the two halves of a school day, split at noon, because that is how
//! parents report them ("上午看病", "下午请假"); an absence counts against a session
//! when its part overlaps the session's hours. A part that misses the session
//! entirely (a morning off from 四点半学校, which runs from 16:30) is refused: it
//! would be recorded and mean nothing, while the parent believes it was passed on.
//!
//! Absences are not for the past: a day that is over has its roll call, and a child
//! who did not come is simply not checked in. Today is allowed, because a parent's
//! call at 10:00 about this afternoon is the most common report of all.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::dates::{long_date_text, weekday_day_text, weekday_text};
use crate::outbox::EventPayload;
use crate::programme::{Programme, Schedule};
use crate::{text, FieldError, Text};

/// Refusal codes the desk may react to.
pub const IN_THE_PAST: &str = "in_the_past";
pub const NO_SESSION: &str = "no_session";
pub const PART_OUTSIDE_SESSION: &str = "part_outside_session";
pub const ALREADY_CHECKED_IN: &str = "already_checked_in";
pub const NOT_A_CHILDRENS_PROGRAMME: &str = "not_a_childrens_programme";

/// Where the morning ends and the afternoon begins.
fn noon() -> NaiveTime {
    NaiveTime::from_hms_opt(12, 0, 0).expect("noon is a time")
}

/// Which part of the day a child is away.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayPart {
    WholeDay,
    /// Before noon.
    Morning,
    /// From noon.
    Afternoon,
}

impl DayPart {
    pub const ALL: [DayPart; 3] = [DayPart::WholeDay, DayPart::Morning, DayPart::Afternoon];

    /// The stable name (the database's, the wire's and the command line's).
    pub fn code(self) -> &'static str {
        match self {
            DayPart::WholeDay => "whole_day",
            DayPart::Morning => "morning",
            DayPart::Afternoon => "afternoon",
        }
    }

    pub fn from_code(code: &str) -> Option<DayPart> {
        DayPart::ALL.into_iter().find(|part| part.code() == code)
    }

    pub fn label(self) -> Text {
        match self {
            DayPart::WholeDay => Text::new("全天", "whole day"),
            DayPart::Morning => Text::new("上午", "morning"),
            DayPart::Afternoon => Text::new("下午", "afternoon"),
        }
    }

    /// Whether being away for this part means missing some of a session held from
    /// `start` to `end` (half-open, as schedules are).
    pub fn covers(self, start: NaiveTime, end: NaiveTime) -> bool {
        match self {
            DayPart::WholeDay => true,
            DayPart::Morning => start < noon(),
            DayPart::Afternoon => end > noon(),
        }
    }
}

/// Why a child is away.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AbsenceReason {
    /// 病假.
    Ill,
    /// 事假.
    Leave,
    /// Anything else: the note says what.
    Other,
}

impl AbsenceReason {
    pub const ALL: [AbsenceReason; 3] = [
        AbsenceReason::Ill,
        AbsenceReason::Leave,
        AbsenceReason::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            AbsenceReason::Ill => "ill",
            AbsenceReason::Leave => "leave",
            AbsenceReason::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<AbsenceReason> {
        AbsenceReason::ALL
            .into_iter()
            .find(|reason| reason.code() == code)
    }

    pub fn label(self) -> Text {
        match self {
            AbsenceReason::Ill => Text::new("病假", "ill"),
            AbsenceReason::Leave => Text::new("事假", "leave"),
            AbsenceReason::Other => Text::new("其他", "other"),
        }
    }
}

/// What staff type when a parent reports an absence (or a child is marked absent).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AbsenceReport {
    pub date: NaiveDate,
    pub part: DayPart,
    pub reason: AbsenceReason,
    /// Required for `Other`; optional otherwise ("发烧").
    pub note: Option<String>,
}

/// One recorded absence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Absence {
    pub programme_code: String,
    pub resident_id_number: String,
    pub date: NaiveDate,
    pub part: DayPart,
    pub reason: AbsenceReason,
    pub note: Option<String>,
    pub reported_at: NaiveDateTime,
    /// Who took the report (the audit log's actor name, e.g. "staff:S001").
    pub reported_by: String,
    /// Set when the parent calls back: the child comes after all. Kept, not deleted.
    pub withdrawn_at: Option<NaiveDateTime>,
}

impl Absence {
    pub fn is_active(&self) -> bool {
        self.withdrawn_at.is_none()
    }

    /// The outbox record: the reason's category, never the note. The district counts
    /// absences by reason (an outbreak shows as a week of 病假); the note may say what
    /// the illness is, which is health data and stays at the centre.
    pub fn to_event(&self) -> EventPayload {
        EventPayload::AbsenceReported {
            programme_code: self.programme_code.clone(),
            resident_id_number: self.resident_id_number.clone(),
            date: self.date,
            part: self.part.code().to_string(),
            reason: self.reason.code().to_string(),
            withdrawn: self.withdrawn_at.is_some(),
        }
    }
}

/// Why `schedule` has no session on `date`, in words, or `None` when it has one.
/// The calendar's own name for a holiday comes first, since "国庆节" is what staff and
/// parents know the day as.
pub fn why_no_session(programme: &Programme, date: NaiveDate, calendar: &Calendar) -> Option<Text> {
    let schedule: &Schedule = &programme.schedule;
    if schedule.occurs_on(date, calendar) {
        return None;
    }
    let day = weekday_day_text(date);
    let because = if date < schedule.first_day || date > schedule.last_day {
        let dates = schedule.describe_dates();
        Text::new(
            format!("不在项目日期内（{}）", dates.zh),
            format!("outside the programme's dates ({})", dates.en),
        )
    } else if let (Some(name), false) = (
        calendar.holidays.get(&date),
        calendar.make_up_workdays.contains_key(&date),
    ) {
        Text::new(format!("{}放假", name.zh), format!("{} holiday", name.en))
    } else if !schedule.weekdays.contains(&date.weekday()) {
        let weekday = weekday_text(date.weekday());
        Text::new(
            format!("{}不开", weekday.zh),
            format!("it does not run on {}", weekday.en),
        )
    } else {
        Text::new(
            "学校放假（不在学期内）",
            "school holidays (outside the school term)",
        )
    };
    let runs = schedule.describe();
    Some(Text::new(
        format!(
            "{}「{}」没有活动：{}。项目时间：{}",
            day.zh, programme.name.zh, because.zh, runs.zh
        ),
        format!(
            "\"{}\" does not run on {}: {}. It runs {}",
            programme.name.en, day.en, because.en, runs.en
        ),
    ))
}

/// The checks on a report that need no store: the date is today or later, the
/// programme runs that day, the part touches the session, and the note is within its
/// limits (required for `Other`). Returns the report with its note trimmed.
pub fn check_report(
    report: &AbsenceReport,
    programme: &Programme,
    today: NaiveDate,
    calendar: &Calendar,
) -> Result<AbsenceReport, FieldError> {
    if !programme.kind.school_days_only() {
        return Err(FieldError::new(
            "programme",
            NOT_A_CHILDRENS_PROGRAMME,
            format!(
                "「{}」不是四点半学校或学生午托，不在这里请假",
                programme.name.zh
            ),
            format!(
                "\"{}\" is not an after-school or lunch-care programme; absences are not recorded for it here",
                programme.name.en
            ),
        ));
    }
    if report.date < today {
        let day = long_date_text(report.date);
        return Err(FieldError::new(
            "date",
            IN_THE_PAST,
            format!("请假日期{}已经过去，只能为今天或以后请假", day.zh),
            format!(
                "The date {} has passed; an absence can be reported for today or a later day only",
                day.en
            ),
        ));
    }
    if let Some(why) = why_no_session(programme, report.date, calendar) {
        return Err(FieldError::new("date", NO_SESSION, why.zh, why.en));
    }
    let schedule = &programme.schedule;
    if !report.part.covers(schedule.start, schedule.end) {
        let part = report.part.label();
        let runs = schedule.describe();
        return Err(FieldError::new(
            "part",
            PART_OUTSIDE_SESSION,
            format!(
                "「{}」的时间是{}，{}不在其中：请选全天或另一半天",
                programme.name.zh, runs.zh, part.zh
            ),
            format!(
                "\"{}\" runs {}, not in the {}: choose the whole day or the other half",
                programme.name.en, runs.en, part.en
            ),
        ));
    }
    let note = match report.note.as_deref() {
        Some(note) => Some(text::checked(
            "note",
            ("请假说明", "note"),
            note,
            text::LABEL_CHARS,
        )?)
        .filter(|note| !note.is_empty()),
        None => None,
    };
    if report.reason == AbsenceReason::Other && note.is_none() {
        return Err(FieldError::new(
            "note",
            "required",
            "请假原因为“其他”时，请写明原因",
            "When the reason is \"other\", write what it is in the note",
        ));
    }
    Ok(AbsenceReport {
        note,
        ..report.clone()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::china_2026;
    use crate::demo::programmes;

    fn date(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    fn programme(code: &str) -> Programme {
        programmes(date(11, 23))
            .into_iter()
            .find(|p| p.code == code)
            .unwrap()
    }

    fn report(day: NaiveDate, part: DayPart) -> AbsenceReport {
        AbsenceReport {
            date: day,
            part,
            reason: AbsenceReason::Ill,
            note: None,
        }
    }

    #[test]
    fn today_and_later_school_days_are_taken_and_the_past_is_refused() {
        let lunch = programme("lunch-care");
        let calendar = china_2026();
        let today = date(11, 23);
        for day in [today, date(11, 27), date(12, 7)] {
            check_report(&report(day, DayPart::WholeDay), &lunch, today, &calendar).unwrap();
        }
        let error = check_report(
            &report(date(11, 20), DayPart::WholeDay),
            &lunch,
            today,
            &calendar,
        )
        .unwrap_err();
        assert_eq!(
            (error.field.as_str(), error.code.as_str()),
            ("date", IN_THE_PAST)
        );
        assert!(error.message.zh.contains("2026年11月20日"), "{error:?}");
    }

    #[test]
    fn a_day_without_a_session_is_refused_with_the_schedule_and_the_holiday_named() {
        let after_school = programme("after-school");
        let calendar = china_2026();
        let today = date(9, 28);
        let error = check_report(
            &report(date(10, 1), DayPart::WholeDay),
            &after_school,
            today,
            &calendar,
        )
        .unwrap_err();
        assert_eq!(error.code, NO_SESSION);
        assert!(error.message.zh.contains("国庆节放假"), "{error:?}");
        assert!(error.message.zh.contains("周一至周五"), "{error:?}");
        // Saturday 10 October is a make-up workday, but the programme runs Mon–Fri.
        let error = check_report(
            &report(date(10, 10), DayPart::WholeDay),
            &after_school,
            today,
            &calendar,
        )
        .unwrap_err();
        assert!(error.message.zh.contains("周六不开"), "{error:?}");
    }

    #[test]
    fn a_part_of_the_day_must_touch_the_session_and_other_needs_a_note() {
        let calendar = china_2026();
        let today = date(11, 23);
        let after_school = programme("after-school");
        let error = check_report(
            &report(today, DayPart::Morning),
            &after_school,
            today,
            &calendar,
        )
        .unwrap_err();
        assert_eq!(
            (error.field.as_str(), error.code.as_str()),
            ("part", PART_OUTSIDE_SESSION)
        );
        check_report(
            &report(today, DayPart::Afternoon),
            &after_school,
            today,
            &calendar,
        )
        .unwrap();
        // Lunch care runs across noon: either half touches it.
        let lunch = programme("lunch-care");
        for part in DayPart::ALL {
            check_report(&report(today, part), &lunch, today, &calendar).unwrap();
        }
        let mut other = report(today, DayPart::WholeDay);
        other.reason = AbsenceReason::Other;
        other.note = Some("  ".into());
        let error = check_report(&other, &lunch, today, &calendar).unwrap_err();
        assert_eq!(
            (error.field.as_str(), error.code.as_str()),
            ("note", "required")
        );
        other.note = Some("x".repeat(text::LABEL_CHARS + 1));
        assert_eq!(
            check_report(&other, &lunch, today, &calendar)
                .unwrap_err()
                .code,
            "too_long"
        );
        other.note = Some(" 随家人回老家 ".into());
        let checked = check_report(&other, &lunch, today, &calendar).unwrap();
        assert_eq!(checked.note.as_deref(), Some("随家人回老家"));
    }

    #[test]
    fn only_the_childrens_programmes_take_absences() {
        let calendar = china_2026();
        let error = check_report(
            &report(date(11, 23), DayPart::WholeDay),
            &programme("day-care"),
            date(11, 23),
            &calendar,
        )
        .unwrap_err();
        assert_eq!(error.code, NOT_A_CHILDRENS_PROGRAMME);
    }

    #[test]
    fn the_event_carries_the_reason_but_never_the_note() {
        let absence = Absence {
            programme_code: "lunch-care".into(),
            resident_id_number: "44030620180512002X".into(),
            date: date(11, 24),
            part: DayPart::WholeDay,
            reason: AbsenceReason::Ill,
            note: Some("水痘".into()),
            reported_at: date(11, 23).and_hms_opt(8, 0, 0).unwrap(),
            reported_by: "staff:S001".into(),
            withdrawn_at: None,
        };
        let event = absence.to_event();
        let json = serde_json::to_string(&event).unwrap();
        assert!(json.contains("\"reason\":\"ill\""), "{json}");
        assert!(!json.contains("水痘"), "{json}");
    }
}
