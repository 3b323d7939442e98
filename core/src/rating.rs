//! 好差评: residents rate each service use, and a bad rating is followed up.
//!
//! The five levels and their wording are the national ones for 政务服务"好差评"
//! (国办发〔2019〕51号): 非常满意、满意、基本满意、不满意、非常不满意, the last two
//! being 差评. One service use gets one rating (现场服务"一次一评"), and every bad
//! rating gets a person who contacts the resident (差评"件件有整改、有反馈").

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::{FieldError, Text};

pub const COMMENT_MAX_CHARS: usize = 200;
pub const REASON_TAGS_MAX: usize = 10;

/// Well-known reasons a resident can tap instead of typing; the district may add
/// more as data, so reasons are strings.
pub const REASON_WAITING_TIME: &str = "waiting_time";
pub const REASON_STAFF_ATTITUDE: &str = "staff_attitude";
pub const REASON_PROCESS: &str = "process";
pub const REASON_ENVIRONMENT: &str = "environment";
pub const REASON_CONTENT: &str = "content";
pub const REASON_OTHER: &str = "other";

/// Three working days to contact the resident after a bad rating.
///
/// The national rule asks for every 差评 to be checked with the resident and fixed
/// with feedback but leaves the deadline to local schemes for government service
/// halls (some give 5 working days, some 7 calendar days). A community centre sees the same neighbours
/// every week and the complaint is usually about something small and immediate (a
/// late meal, a child's pickup), so a phone call within three working days is both
/// achievable for a 社工 and soon enough to still matter. The district can configure
/// a different number through [`FollowUpPolicy`].
pub const DEFAULT_FOLLOW_UP_WORKING_DAYS: u32 = 3;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RatingLevel {
    VeryDissatisfied = 1,
    Dissatisfied = 2,
    Neutral = 3,
    Satisfied = 4,
    VerySatisfied = 5,
}

impl RatingLevel {
    /// In the order the national scheme lists them (best first), which is also the
    /// order buttons are shown, so residents meet the familiar layout.
    pub const ALL: [RatingLevel; 5] = [
        RatingLevel::VerySatisfied,
        RatingLevel::Satisfied,
        RatingLevel::Neutral,
        RatingLevel::Dissatisfied,
        RatingLevel::VeryDissatisfied,
    ];

    pub fn from_u8(value: u8) -> Result<RatingLevel, FieldError> {
        match value {
            1 => Ok(RatingLevel::VeryDissatisfied),
            2 => Ok(RatingLevel::Dissatisfied),
            3 => Ok(RatingLevel::Neutral),
            4 => Ok(RatingLevel::Satisfied),
            5 => Ok(RatingLevel::VerySatisfied),
            other => Err(FieldError::new(
                "level",
                "out_of_range",
                format!("评价等级应为1至5，收到的是{other}"),
                format!("A rating level is 1 to 5; got {other}"),
            )),
        }
    }

    pub fn as_u8(self) -> u8 {
        self as u8
    }

    pub fn label(self) -> Text {
        match self {
            RatingLevel::VeryDissatisfied => Text::new("非常不满意", "Very dissatisfied"),
            RatingLevel::Dissatisfied => Text::new("不满意", "Dissatisfied"),
            RatingLevel::Neutral => Text::new("基本满意", "Fairly satisfied"),
            RatingLevel::Satisfied => Text::new("满意", "Satisfied"),
            RatingLevel::VerySatisfied => Text::new("非常满意", "Very satisfied"),
        }
    }

    /// 差评: the two levels that open a follow-up.
    pub fn is_bad(self) -> bool {
        self <= RatingLevel::Dissatisfied
    }
}

pub fn describe_reason(reason: &str) -> Text {
    match reason {
        REASON_WAITING_TIME => Text::new("等候时间长", "Waited too long"),
        REASON_STAFF_ATTITUDE => Text::new("服务态度", "Staff attitude"),
        REASON_PROCESS => Text::new("手续繁琐", "Too much paperwork"),
        REASON_ENVIRONMENT => Text::new("环境设施", "Premises and facilities"),
        REASON_CONTENT => Text::new("服务内容", "What the service offered"),
        REASON_OTHER => Text::new("其他", "Other"),
        other => Text::new(other, other),
    }
}

/// A typed comment as it should be stored: trimmed, blank becomes `None`, and at
/// most 200 characters (counted as characters, so 200 汉字 fit).
pub fn normalise_comment(raw: &str) -> Result<Option<String>, FieldError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    let length = trimmed.chars().count();
    if length > COMMENT_MAX_CHARS {
        return Err(FieldError::new(
            "comment",
            "too_long",
            format!("意见最多{COMMENT_MAX_CHARS}个字，现在是{length}个字，请删减"),
            format!(
                "A comment can be at most {COMMENT_MAX_CHARS} characters; this one has {length}. Please shorten it"
            ),
        ));
    }
    Ok(Some(trimmed.to_string()))
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    pub id: String,
    /// The service use being rated: an enrolment, attendance or shift id. One rating
    /// per service use.
    pub service: String,
    pub programme_code: String,
    pub level: RatingLevel,
    pub reason_tags: Vec<String>,
    pub comment: Option<String>,
    pub rated_at: NaiveDateTime,
}

impl Rating {
    pub fn is_bad(&self) -> bool {
        self.level.is_bad()
    }

    /// Reasons are not required, even for a bad rating: an unhappy resident who is
    /// made to fill in a form tends to walk away, and the follow-up call will ask.
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.service.trim().is_empty() {
            return Err(FieldError::new(
                "service",
                "missing",
                "缺少要评价的服务记录",
                "The service being rated is missing",
            ));
        }
        if self.reason_tags.len() > REASON_TAGS_MAX {
            return Err(FieldError::new(
                "reason_tags",
                "too_many",
                format!("最多选择{REASON_TAGS_MAX}个原因"),
                format!("Choose at most {REASON_TAGS_MAX} reasons"),
            ));
        }
        let well_formed = |reason: &String| {
            !reason.is_empty()
                && reason.len() <= 32
                && reason
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        };
        if let Some(bad) = self.reason_tags.iter().find(|reason| !well_formed(reason)) {
            return Err(FieldError::new(
                "reason_tags",
                "unknown_format",
                format!("评价原因“{bad}”格式不正确"),
                format!("The rating reason \"{bad}\" is not in the expected format"),
            ));
        }
        if let Some(comment) = &self.comment {
            if normalise_comment(comment)?.as_deref() != Some(comment.as_str()) {
                return Err(FieldError::new(
                    "comment",
                    "not_normalised",
                    "意见内容为空或首尾有空格",
                    "The comment is blank or has surrounding spaces",
                ));
            }
        }
        Ok(())
    }
}

/// Refuses a second rating of the same service use (一次一评). The store enforces
/// this with a unique key as well; this gives the resident the words.
pub fn check_single_rating(existing: &[Rating], service: &str) -> Result<(), FieldError> {
    if existing.iter().any(|rating| rating.service == service) {
        return Err(FieldError::new(
            "service",
            "already_rated",
            "这次服务您已经评价过了，每次服务只能评价一次",
            "You have already rated this service; each service can be rated once",
        ));
    }
    Ok(())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUpPolicy {
    pub working_days: u32,
}

impl Default for FollowUpPolicy {
    fn default() -> Self {
        FollowUpPolicy {
            working_days: DEFAULT_FOLLOW_UP_WORKING_DAYS,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum FollowUpStatus {
    Open,
    Closed {
        by: String,
        note: String,
        at: NaiveDateTime,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUp {
    pub rating_id: String,
    pub due: NaiveDate,
    pub status: FollowUpStatus,
}

impl FollowUp {
    /// The follow-up a rating needs, or `None` for a good one. The deadline counts
    /// working days from the day of the rating, so a complaint made on Friday before
    /// the National Day week is not overdue before anybody is back at work.
    pub fn open_for(
        rating: &Rating,
        calendar: &Calendar,
        policy: &FollowUpPolicy,
    ) -> Option<FollowUp> {
        if !rating.is_bad() {
            return None;
        }
        Some(FollowUp {
            rating_id: rating.id.clone(),
            due: calendar.add_working_days(rating.rated_at.date(), policy.working_days),
            status: FollowUpStatus::Open,
        })
    }

    /// Records the outcome. A note is required: "closed" without saying what the
    /// resident was told is exactly what the national scheme's audits look for.
    pub fn close(&mut self, by: &str, note: &str, at: NaiveDateTime) -> Result<(), FieldError> {
        if let FollowUpStatus::Closed { by, .. } = &self.status {
            return Err(FieldError::new(
                "follow_up",
                "already_closed",
                format!("这条差评回访已由{by}办结"),
                format!("This follow-up was already closed by {by}"),
            ));
        }
        if by.trim().is_empty() {
            return Err(FieldError::new(
                "by",
                "missing",
                "缺少办结人",
                "Who closed the follow-up is missing",
            ));
        }
        let note = note.trim();
        if note.is_empty() {
            return Err(FieldError::new(
                "note",
                "missing",
                "请写明回访情况和处理结果",
                "Please write what the resident was told and what was done",
            ));
        }
        self.status = FollowUpStatus::Closed {
            by: by.trim().to_string(),
            note: note.to_string(),
            at,
        };
        Ok(())
    }

    pub fn is_open(&self) -> bool {
        self.status == FollowUpStatus::Open
    }

    /// Overdue from the day after `due`: the due day itself is still in time.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.is_open() && today > self.due
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::china_2026;

    fn at(y: i32, m: u32, d: u32, h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
    }

    fn rating(service: &str, level: RatingLevel, rated_at: NaiveDateTime) -> Rating {
        Rating {
            id: format!("R-{service}"),
            service: service.to_string(),
            programme_code: "AS-2026A".to_string(),
            level,
            reason_tags: vec![REASON_WAITING_TIME.to_string()],
            comment: Some("接孩子时等了很久".to_string()),
            rated_at,
        }
    }

    #[test]
    fn levels_use_the_national_wording_and_numbers() {
        let labels: Vec<String> = RatingLevel::ALL.iter().map(|l| l.label().zh).collect();
        assert_eq!(
            labels,
            ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
        );
        for level in RatingLevel::ALL {
            assert_eq!(RatingLevel::from_u8(level.as_u8()).unwrap(), level);
        }
        assert_eq!(RatingLevel::from_u8(4).unwrap(), RatingLevel::Satisfied);
        let error = RatingLevel::from_u8(0).unwrap_err();
        assert_eq!(
            (error.field.as_str(), error.code.as_str()),
            ("level", "out_of_range")
        );
        assert!(RatingLevel::from_u8(6).is_err());
    }

    #[test]
    fn only_the_two_lowest_levels_are_bad() {
        let bad: Vec<RatingLevel> = RatingLevel::ALL
            .into_iter()
            .filter(|l| l.is_bad())
            .collect();
        assert_eq!(
            bad,
            [RatingLevel::Dissatisfied, RatingLevel::VeryDissatisfied]
        );
    }

    #[test]
    fn comments_are_trimmed_and_limited_to_200_characters() {
        assert_eq!(normalise_comment("  好  ").unwrap().as_deref(), Some("好"));
        assert_eq!(normalise_comment("   ").unwrap(), None);
        assert!(normalise_comment(&"好".repeat(200)).unwrap().is_some());
        let error = normalise_comment(&"好".repeat(201)).unwrap_err();
        assert_eq!(
            (error.field.as_str(), error.code.as_str()),
            ("comment", "too_long")
        );
        assert!(error.message.zh.contains("201"));
    }

    #[test]
    fn validate_checks_every_part() {
        let good = rating("E1", RatingLevel::Satisfied, at(2026, 9, 30, 10));
        good.validate().unwrap();
        let mut long = good.clone();
        long.comment = Some("很".repeat(201));
        assert_eq!(long.validate().unwrap_err().code, "too_long");
        let mut bad_reason = good.clone();
        bad_reason.reason_tags = vec!["等太久".to_string()];
        assert_eq!(bad_reason.validate().unwrap_err().field, "reason_tags");
        let mut no_service = good;
        no_service.service = " ".to_string();
        assert_eq!(no_service.validate().unwrap_err().code, "missing");
    }

    #[test]
    fn a_service_use_can_be_rated_once() {
        let existing = vec![rating("E1", RatingLevel::Satisfied, at(2026, 9, 1, 9))];
        assert!(check_single_rating(&existing, "E2").is_ok());
        let error = check_single_rating(&existing, "E1").unwrap_err();
        assert_eq!(error.code, "already_rated");
    }

    #[test]
    fn good_ratings_open_no_follow_up() {
        let calendar = china_2026();
        let policy = FollowUpPolicy::default();
        let neutral = rating("E1", RatingLevel::Neutral, at(2026, 9, 30, 10));
        assert_eq!(FollowUp::open_for(&neutral, &calendar, &policy), None);
    }

    #[test]
    fn follow_up_deadline_skips_the_national_day_holiday() {
        let calendar = china_2026();
        let policy = FollowUpPolicy::default();
        assert_eq!(policy.working_days, 3);
        // Wednesday 30 Sep: the next working days are 8, 9 and 10 Oct (a make-up Saturday).
        let bad = rating("E1", RatingLevel::VeryDissatisfied, at(2026, 9, 30, 17));
        let follow_up = FollowUp::open_for(&bad, &calendar, &policy).unwrap();
        assert_eq!(follow_up.rating_id, "R-E1");
        assert_eq!(
            follow_up.due,
            NaiveDate::from_ymd_opt(2026, 10, 10).unwrap()
        );
        assert!(!follow_up.is_overdue(NaiveDate::from_ymd_opt(2026, 10, 10).unwrap()));
        assert!(follow_up.is_overdue(NaiveDate::from_ymd_opt(2026, 10, 11).unwrap()));
    }

    #[test]
    fn closing_needs_a_note_and_happens_once() {
        let calendar = china_2026();
        let bad = rating("E1", RatingLevel::Dissatisfied, at(2026, 11, 2, 9));
        let mut follow_up =
            FollowUp::open_for(&bad, &calendar, &FollowUpPolicy { working_days: 1 }).unwrap();
        assert_eq!(follow_up.due, NaiveDate::from_ymd_opt(2026, 11, 3).unwrap());
        let error = follow_up
            .close("S001", "  ", at(2026, 11, 3, 9))
            .unwrap_err();
        assert_eq!(error.field, "note");
        assert!(follow_up.is_open());
        follow_up
            .close("S001", "已电话联系家长，调整了接送时间", at(2026, 11, 3, 9))
            .unwrap();
        assert!(!follow_up.is_overdue(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()));
        let error = follow_up
            .close("S002", "again", at(2026, 11, 4, 9))
            .unwrap_err();
        assert_eq!(error.code, "already_closed");
        assert!(error.message.zh.contains("S001"));
    }

    #[test]
    fn serde_shapes_are_stable() {
        assert_eq!(
            serde_json::to_string(&RatingLevel::VeryDissatisfied).unwrap(),
            "\"very_dissatisfied\""
        );
        let closed = FollowUpStatus::Closed {
            by: "S001".into(),
            note: "ok".into(),
            at: at(2026, 11, 3, 9),
        };
        let json = serde_json::to_string(&closed).unwrap();
        assert!(json.contains("\"status\":\"closed\""));
        assert_eq!(
            serde_json::from_str::<FollowUpStatus>(&json).unwrap(),
            closed
        );
    }

    #[test]
    fn reasons_are_described() {
        assert_eq!(describe_reason(REASON_WAITING_TIME).zh, "等候时间长");
        assert_eq!(describe_reason("noise").en, "noise");
    }
}
