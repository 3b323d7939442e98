//! 服务项目: what a centre offers, when it runs, how many it takes and what it costs.
//!
//! Programmes are published by the district. A programme carries its own eligibility
//! rules and 轮候 policy so a centre can decide a sign-up offline from the data alone.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate, NaiveTime, Weekday};
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::dates::{date_range_text, long_date_text, WEEKDAY_EN, WEEKDAY_ZH};
use crate::eligibility::EligibilityRules;
use crate::household::{describe_tag, Tag};
use crate::waitlist::WaitlistPolicy;
use crate::{FieldError, Text};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProgrammeKind {
    /// 四点半学校: supervised homework after school until parents finish work.
    AfterSchool,
    /// 学生午托: lunch and a midday rest for schoolchildren.
    LunchCare,
    /// 日间照料: day care for elderly residents.
    DayCare,
    /// 活动: anything else, e.g. a calligraphy class or a health talk.
    Activity,
}

impl ProgrammeKind {
    /// Children's care follows the school timetable: no school, no 四点半学校.
    pub fn school_days_only(self) -> bool {
        matches!(self, ProgrammeKind::AfterSchool | ProgrammeKind::LunchCare)
    }

    pub fn label(self) -> Text {
        match self {
            ProgrammeKind::AfterSchool => Text::new("四点半学校", "After-school club"),
            ProgrammeKind::LunchCare => Text::new("学生午托", "Lunch care"),
            ProgrammeKind::DayCare => Text::new("日间照料", "Elderly day care"),
            ProgrammeKind::Activity => Text::new("活动", "Activity"),
        }
    }
}

/// When a programme runs: on `weekdays` between `first_day` and `last_day` inclusive,
/// from `start` to `end` (half-open, so 16:30–18:00 and 18:00–19:00 do not clash).
///
/// In JSON, weekdays are lower-case three-letter names: `["mon","tue","wed"]`
/// (full English names in any case are accepted on input).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    #[serde(with = "weekday_names")]
    pub weekdays: Vec<Weekday>,
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    /// Skips days without school (holidays, weekends, the summer break) even when they
    /// fall on one of `weekdays`. A make-up Saturday runs only if Saturday is listed.
    pub school_days_only: bool,
}

mod weekday_names {
    use chrono::Weekday;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(days: &[Weekday], s: S) -> Result<S::Ok, S::Error> {
        let names: Vec<String> = days
            .iter()
            .map(|day| day.to_string().to_lowercase())
            .collect();
        names.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Weekday>, D::Error> {
        let names = Vec::<String>::deserialize(d)?;
        names
            .iter()
            .map(|name| {
                name.parse::<Weekday>().map_err(|_| {
                    serde::de::Error::custom(format!(
                        "unknown weekday \"{name}\" (expected mon, tue, wed, thu, fri, sat or sun)"
                    ))
                })
            })
            .collect()
    }
}

impl Schedule {
    pub fn occurs_on(&self, date: NaiveDate, calendar: &Calendar) -> bool {
        date >= self.first_day
            && date <= self.last_day
            && self.weekdays.contains(&date.weekday())
            && (!self.school_days_only || calendar.is_school_day(date))
    }

    /// The first day on or after `from` that the programme runs: the first session
    /// someone signing up on `from` can attend. `None` once the term is over.
    pub fn first_session_from(&self, from: NaiveDate, calendar: &Calendar) -> Option<NaiveDate> {
        from.max(self.first_day)
            .iter_days()
            .take_while(|day| *day <= self.last_day)
            .find(|day| self.occurs_on(*day, calendar))
    }

    /// Whether one person could not attend both: a shared weekday, intersecting date
    /// ranges and intersecting times.
    pub fn overlaps(&self, other: &Schedule) -> bool {
        let shares_weekday = self.weekdays.iter().any(|day| other.weekdays.contains(day));
        let dates_intersect = self.first_day <= other.last_day && other.first_day <= self.last_day;
        let times_intersect = self.start < other.end && other.start < self.end;
        shares_weekday && dates_intersect && times_intersect
    }

    /// e.g. "周一至周五 16:30–18:00，学校上课日" / "Mon–Fri 16:30–18:00, school days".
    pub fn describe(&self) -> Text {
        let (days_zh, days_en) = describe_weekdays(&self.weekdays);
        let times = format!(
            "{}–{}",
            self.start.format("%H:%M"),
            self.end.format("%H:%M")
        );
        let (school_zh, school_en) = if self.school_days_only {
            ("，学校上课日", ", school days")
        } else {
            ("", "")
        };
        Text::new(
            format!("{days_zh} {times}{school_zh}"),
            format!("{days_en} {times}{school_en}"),
        )
    }

    /// The term's dates, e.g. "2026年9月1日至2027年1月22日" / "1 Sep 2026 – 22 Jan 2027".
    pub fn describe_dates(&self) -> Text {
        date_range_text(self.first_day, self.last_day)
    }

    /// [`Schedule::describe_dates`], saying so when the term runs into a year whose
    /// holidays are not published yet: a school-day programme cannot promise which of
    /// those days it runs until the district publishes them.
    pub fn describe_dates_with(&self, calendar: &Calendar) -> Text {
        let dates = self.describe_dates();
        match self.provisional_note(self.first_day, calendar) {
            None => dates,
            Some(note) => Text::new(
                format!("{}（{}）", dates.zh, note.zh),
                format!("{} ({})", dates.en, note.en),
            ),
        }
    }

    /// For a school-day programme whose days from `from` to the end of the term run
    /// into a year the calendar was not published for: from when its school days are
    /// not yet known. `None` when every day is known.
    pub fn provisional_note(&self, from: NaiveDate, calendar: &Calendar) -> Option<Text> {
        if !self.school_days_only {
            return None;
        }
        let unknown = long_date_text(calendar.first_provisional_day(from, self.last_day)?);
        Some(Text::new(
            format!("{}起的上课日待区里公布节假日安排后确定", unknown.zh),
            format!(
                "school days from {} are confirmed once the holiday schedule is published",
                unknown.en
            ),
        ))
    }

    pub fn validate(&self) -> Result<(), FieldError> {
        if self.weekdays.is_empty() {
            return Err(FieldError::new(
                "schedule.weekdays",
                "required",
                "请至少选择一个上课日（周一至周日）",
                "Choose at least one weekday",
            ));
        }
        let distinct: BTreeSet<u32> = self
            .weekdays
            .iter()
            .map(|day| day.num_days_from_monday())
            .collect();
        if distinct.len() != self.weekdays.len() {
            return Err(FieldError::new(
                "schedule.weekdays",
                "duplicate",
                "上课日有重复",
                "A weekday is listed twice",
            ));
        }
        if self.start >= self.end {
            return Err(FieldError::new(
                "schedule.end",
                "out_of_range",
                format!(
                    "结束时间（{}）须晚于开始时间（{}）",
                    self.end.format("%H:%M"),
                    self.start.format("%H:%M")
                ),
                format!(
                    "The end time ({}) must be after the start time ({})",
                    self.end.format("%H:%M"),
                    self.start.format("%H:%M")
                ),
            ));
        }
        if self.first_day > self.last_day {
            return Err(FieldError::new(
                "schedule.last_day",
                "out_of_range",
                format!(
                    "结束日期（{}）早于开始日期（{}）",
                    self.last_day, self.first_day
                ),
                format!(
                    "The last day ({}) is before the first day ({})",
                    self.last_day, self.first_day
                ),
            ));
        }
        Ok(())
    }
}

/// Runs of three or more consecutive days read as a range ("周一至周五"); anything else
/// is listed ("周二、周四").
fn describe_weekdays(weekdays: &[Weekday]) -> (String, String) {
    let days: BTreeSet<usize> = weekdays
        .iter()
        .map(|day| day.num_days_from_monday() as usize)
        .collect();
    if days.len() == 7 {
        return ("每天".into(), "Every day".into());
    }
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for day in days {
        match runs.last_mut() {
            Some((_, last)) if *last + 1 == day => *last = day,
            _ => runs.push((day, day)),
        }
    }
    let mut zh = Vec::new();
    let mut en = Vec::new();
    for (first, last) in runs {
        if last - first >= 2 {
            zh.push(format!("{}至{}", WEEKDAY_ZH[first], WEEKDAY_ZH[last]));
            en.push(format!("{}–{}", WEEKDAY_EN[first], WEEKDAY_EN[last]));
        } else {
            for day in first..=last {
                zh.push(WEEKDAY_ZH[day].to_string());
                en.push(WEEKDAY_EN[day].to_string());
            }
        }
    }
    (zh.join("、"), en.join(", "))
}

/// A fee reduction for people with a tag, e.g. 100% for `low_income`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waiver {
    pub tag: String,
    /// 0–100; 100 means free.
    pub percent: u8,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeePeriod {
    Term,
    Session,
    Month,
}

impl FeePeriod {
    pub fn label(self) -> Text {
        match self {
            FeePeriod::Term => Text::new("每学期", "per term"),
            FeePeriod::Session => Text::new("每次", "per session"),
            FeePeriod::Month => Text::new("每月", "per month"),
        }
    }
}

/// Money is in fen (1/100 yuan) as an integer everywhere, so sums are exact.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fee {
    pub amount_fen: i64,
    pub per: FeePeriod,
    pub waivers: Vec<Waiver>,
}

/// What one person pays: `due_fen = base_fen - waived_fen`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeQuote {
    pub base_fen: i64,
    pub waived_fen: i64,
    pub due_fen: i64,
    /// The tag whose waiver applied, if any.
    pub waiver_tag: Option<String>,
}

/// "¥1,234.50" style without the thousands separator, as receipts print it: "¥1234.50".
pub fn format_fen(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let fen = fen.unsigned_abs();
    format!("{sign}¥{}.{:02}", fen / 100, fen % 100)
}

impl Fee {
    /// Pass the tags as they stand on the day, `Resident::tags_on(date)`, so waivers for
    /// age tags apply. The largest waiver among the person's tags applies (waivers do not add up). A
    /// waiver that comes to a fraction of a fen is rounded up in the resident's favour,
    /// so a 50% waiver on ¥0.05 waives ¥0.03 and ¥0.02 is due.
    pub fn quote(&self, tags: &BTreeSet<Tag>) -> FeeQuote {
        let best = self
            .waivers
            .iter()
            .filter(|waiver| tags.iter().any(|tag| tag.as_str() == waiver.tag))
            .max_by_key(|waiver| waiver.percent);
        let base = self.amount_fen.max(0);
        let (waived, waiver_tag) = match best {
            Some(waiver) => {
                let percent = i64::from(waiver.percent.min(100));
                ((base * percent + 99) / 100, Some(waiver.tag.clone()))
            }
            None => (0, None),
        };
        FeeQuote {
            base_fen: base,
            waived_fen: waived,
            due_fen: base - waived,
            waiver_tag,
        }
    }

    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.amount_fen < 0 {
            errors.push(FieldError::new(
                "fee.amount_fen",
                "out_of_range",
                "收费金额不能为负数",
                "The fee cannot be negative",
            ));
        }
        for (index, waiver) in self.waivers.iter().enumerate() {
            if waiver.percent > 100 {
                errors.push(FieldError::new(
                    format!("fee.waivers[{index}].percent"),
                    "out_of_range",
                    format!("减免比例须在0%至100%之间，现为{}%", waiver.percent),
                    format!("A waiver must be 0% to 100%, not {}%", waiver.percent),
                ));
            }
            if Tag::parse(&waiver.tag).is_err() {
                errors.push(FieldError::new(
                    format!("fee.waivers[{index}].tag"),
                    "invalid_tag",
                    format!("减免标签“{}”格式不正确", waiver.tag),
                    format!("Malformed waiver tag \"{}\"", waiver.tag),
                ));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

impl FeeQuote {
    /// e.g. "¥300.00 每学期，「低保」减免¥300.00，应付¥0.00".
    pub fn describe(&self, per: FeePeriod) -> Text {
        let per = per.label();
        match &self.waiver_tag {
            Some(tag) if self.waived_fen > 0 => {
                let tag = describe_tag(tag);
                Text::new(
                    format!(
                        "{} {}，「{}」减免{}，应付{}",
                        format_fen(self.base_fen),
                        per.zh,
                        tag.zh,
                        format_fen(self.waived_fen),
                        format_fen(self.due_fen)
                    ),
                    format!(
                        "{} {}, {} waived for \"{}\", {} to pay",
                        format_fen(self.base_fen),
                        per.en,
                        format_fen(self.waived_fen),
                        tag.en,
                        format_fen(self.due_fen)
                    ),
                )
            }
            _ if self.base_fen == 0 => Text::new("免费", "Free"),
            _ => Text::new(
                format!("{} {}", format_fen(self.due_fen), per.zh),
                format!("{} {}", format_fen(self.due_fen), per.en),
            ),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProgrammeStatus {
    Open,
    Closed,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Programme {
    pub code: String,
    pub name: Text,
    pub kind: ProgrammeKind,
    pub schedule: Schedule,
    /// Seats this centre may confirm (for an offline device: the seats the district
    /// has granted it, invariant 2).
    pub capacity: u32,
    pub fee: Fee,
    pub status: ProgrammeStatus,
    /// How long a resident has to accept a seat freed for them.
    pub offer_hours: u32,
    pub rules: EligibilityRules,
    pub policy: WaitlistPolicy,
}

impl Programme {
    /// Every problem at once, so the district can fix a programme in one round.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.code.trim().is_empty() {
            errors.push(FieldError::new(
                "code",
                "required",
                "服务项目缺少编号",
                "The programme has no code",
            ));
        }
        if self.name.zh.trim().is_empty() || self.name.en.trim().is_empty() {
            errors.push(FieldError::new(
                "name",
                "required",
                "服务项目需有中文和英文名称",
                "The programme needs a Chinese and an English name",
            ));
        }
        if let Err(error) = self.schedule.validate() {
            errors.push(error);
        }
        if self.kind.school_days_only() && !self.schedule.school_days_only {
            let label = self.kind.label();
            errors.push(FieldError::new(
                "schedule.school_days_only",
                "school_days_only",
                format!("{}只在学校上课日开放，请勾选“仅学校上课日”", label.zh),
                format!(
                    "{} runs on school days only; set school_days_only",
                    label.en
                ),
            ));
        }
        if self.capacity == 0 {
            errors.push(FieldError::new(
                "capacity",
                "out_of_range",
                "名额至少为1；暂停报名请将项目设为关闭",
                "Capacity must be at least 1; to stop sign-ups, close the programme",
            ));
        }
        if self.offer_hours == 0 {
            errors.push(FieldError::new(
                "offer_hours",
                "out_of_range",
                "候补名额的确认时限至少为1小时",
                "Residents need at least 1 hour to accept an offered seat",
            ));
        }
        for result in [
            self.fee.validate(),
            self.rules.validate(),
            self.policy.validate(),
        ] {
            if let Err(more) = result {
                errors.extend(more);
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::calendar::china_2026;
    use crate::eligibility::tests::{after_school_rules, d};
    use crate::household::{DISABLED, LOW_INCOME};
    use crate::waitlist::tests::lunch_policy;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn a_term_running_into_an_unpublished_year_does_not_promise_those_days() {
        let calendar = china_2026();
        let mut schedule = after_school_schedule();
        schedule.first_day = d(2026, 9, 1);
        schedule.last_day = d(2027, 1, 22);
        let dates = schedule.describe_dates_with(&calendar);
        assert!(
            dates
                .zh
                .contains("2027年1月1日起的上课日待区里公布节假日安排后确定"),
            "{}",
            dates.zh
        );
        assert!(dates.en.contains("from 1 Jan 2027"));
        schedule.last_day = d(2026, 12, 31);
        assert_eq!(
            schedule.describe_dates_with(&calendar),
            schedule.describe_dates()
        );
        // Day care does not follow the school calendar: nothing to wait for.
        schedule.last_day = d(2027, 3, 1);
        schedule.school_days_only = false;
        assert_eq!(
            schedule.describe_dates_with(&calendar),
            schedule.describe_dates()
        );
    }

    pub(crate) fn after_school_schedule() -> Schedule {
        Schedule {
            weekdays: vec![
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
            ],
            start: t(16, 30),
            end: t(18, 0),
            first_day: d(2026, 9, 1),
            last_day: d(2027, 1, 22),
            school_days_only: true,
        }
    }

    pub(crate) fn after_school() -> Programme {
        Programme {
            code: "HX-ASC-2026A".into(),
            name: Text::new(
                "海华社区四点半学校（2026秋）",
                "Haihua after-school club (autumn 2026)",
            ),
            kind: ProgrammeKind::AfterSchool,
            schedule: after_school_schedule(),
            capacity: 30,
            fee: Fee {
                amount_fen: 30_000,
                per: FeePeriod::Term,
                waivers: vec![
                    Waiver {
                        tag: LOW_INCOME.into(),
                        percent: 100,
                    },
                    Waiver {
                        tag: DISABLED.into(),
                        percent: 50,
                    },
                ],
            },
            status: ProgrammeStatus::Open,
            offer_hours: 48,
            rules: after_school_rules(),
            policy: lunch_policy(),
        }
    }

    fn tags(names: &[&str]) -> BTreeSet<Tag> {
        names.iter().map(|n| Tag::parse(n).unwrap()).collect()
    }

    #[test]
    fn after_school_runs_on_school_days_but_not_on_national_day_or_weekends() {
        let schedule = after_school_schedule();
        let calendar = china_2026();
        assert!(schedule.occurs_on(d(2026, 9, 15), &calendar)); // a Tuesday in term
        assert!(!schedule.occurs_on(d(2026, 10, 2), &calendar)); // National Day holiday
        assert!(!schedule.occurs_on(d(2026, 9, 12), &calendar)); // Saturday
        assert!(!schedule.occurs_on(d(2026, 8, 25), &calendar)); // before the term
    }

    #[test]
    fn day_care_runs_on_its_weekdays_even_in_the_school_holidays() {
        let day_care = Schedule {
            weekdays: vec![Weekday::Mon, Weekday::Wed, Weekday::Fri],
            start: t(9, 0),
            end: t(16, 0),
            first_day: d(2026, 1, 1),
            last_day: d(2026, 12, 31),
            school_days_only: false,
        };
        assert!(day_care.occurs_on(d(2026, 8, 5), &china_2026())); // Wednesday in summer
        assert!(!day_care.occurs_on(d(2026, 8, 6), &china_2026())); // Thursday
    }

    #[test]
    fn describe_reads_like_the_notice_board() {
        let text = after_school_schedule().describe();
        assert_eq!(text.zh, "周一至周五 16:30–18:00，学校上课日");
        assert_eq!(text.en, "Mon–Fri 16:30–18:00, school days");

        let mut tue_thu = after_school_schedule();
        tue_thu.weekdays = vec![Weekday::Thu, Weekday::Tue];
        tue_thu.school_days_only = false;
        tue_thu.start = t(9, 30);
        tue_thu.end = t(11, 0);
        let text = tue_thu.describe();
        assert_eq!(text.zh, "周二、周四 09:30–11:00");
        assert_eq!(text.en, "Tue, Thu 09:30–11:00");

        let mut mixed = after_school_schedule();
        mixed.weekdays = vec![
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Sat,
            Weekday::Sun,
        ];
        assert!(mixed.describe().zh.starts_with("周一至周三、周六、周日 "));
        mixed.weekdays.extend([Weekday::Thu, Weekday::Fri]);
        assert!(mixed.describe().en.starts_with("Every day "));
        assert_eq!(
            after_school_schedule().describe_dates().zh,
            "2026年9月1日至2027年1月22日"
        );
    }

    #[test]
    fn lunch_care_and_after_school_do_not_clash_but_two_afternoon_clubs_do() {
        let mut lunch = after_school_schedule();
        lunch.start = t(11, 50);
        lunch.end = t(14, 0);
        assert!(!lunch.overlaps(&after_school_schedule()));

        let mut calligraphy = after_school_schedule();
        calligraphy.weekdays = vec![Weekday::Wed];
        calligraphy.start = t(17, 0);
        calligraphy.end = t(18, 30);
        assert!(calligraphy.overlaps(&after_school_schedule()));

        // Starting exactly when the other ends is not a clash.
        calligraphy.start = t(18, 0);
        assert!(!calligraphy.overlaps(&after_school_schedule()));

        // Same hours, but in the spring term: no clash.
        let mut spring = after_school_schedule();
        spring.first_day = d(2026, 3, 2);
        spring.last_day = d(2026, 7, 10);
        assert!(!spring.overlaps(&after_school_schedule()));
    }

    #[test]
    fn weekdays_serialise_as_short_lower_case_names() {
        let json = serde_json::to_value(after_school_schedule()).unwrap();
        assert_eq!(
            json["weekdays"],
            serde_json::json!(["mon", "tue", "wed", "thu", "fri"])
        );
        let back: Schedule = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back, after_school_schedule());

        let mut bad = json;
        bad["weekdays"] = serde_json::json!(["mon", "someday"]);
        let error = serde_json::from_value::<Schedule>(bad).unwrap_err();
        assert!(error.to_string().contains("someday"));
    }

    #[test]
    fn fees_are_waived_by_the_largest_matching_waiver() {
        let fee = after_school().fee;
        let full = fee.quote(&tags(&[]));
        assert_eq!((full.due_fen, full.waiver_tag), (30_000, None));
        let low_income = fee.quote(&tags(&["low_income", "disabled"]));
        assert_eq!(low_income.due_fen, 0);
        assert_eq!(low_income.waiver_tag.as_deref(), Some("low_income"));
        let disabled = fee.quote(&tags(&["disabled"]));
        assert_eq!((disabled.waived_fen, disabled.due_fen), (15_000, 15_000));
        assert_eq!(
            disabled.describe(FeePeriod::Term).zh,
            "¥300.00 每学期，「残疾」减免¥150.00，应付¥150.00"
        );
    }

    #[test]
    fn a_fraction_of_a_fen_is_waived_in_the_residents_favour() {
        let fee = Fee {
            amount_fen: 5,
            per: FeePeriod::Session,
            waivers: vec![Waiver {
                tag: DISABLED.into(),
                percent: 50,
            }],
        };
        let quote = fee.quote(&tags(&["disabled"]));
        assert_eq!((quote.waived_fen, quote.due_fen), (3, 2));
        assert_eq!(format_fen(1234), "¥12.34");
        assert_eq!(format_fen(-5), "-¥0.05");
    }

    #[test]
    fn a_valid_programme_passes_and_a_broken_one_lists_every_problem() {
        assert_eq!(after_school().validate(), Ok(()));
        let mut broken = after_school();
        broken.capacity = 0;
        broken.schedule.school_days_only = false;
        broken.schedule.end = t(16, 0);
        broken.fee.waivers[1].percent = 150;
        let fields: Vec<String> = broken
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            vec![
                "schedule.end",
                "schedule.school_days_only",
                "capacity",
                "fee.waivers[1].percent"
            ]
        );
    }

    #[test]
    fn programme_round_trips_through_json() {
        let json = serde_json::to_string(&after_school()).unwrap();
        assert!(json.contains("\"kind\":\"after_school\""));
        let back: Programme = serde_json::from_str(&json).unwrap();
        assert_eq!(back, after_school());
    }
}
