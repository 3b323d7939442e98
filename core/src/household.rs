//! Households (户) and the residents (居民) in them, with their 人群标签 tags.
//!
//! Tags are data, not an enum: the district invents new ones (a new subsidy, a new
//! priority group) and eligibility rules and waiting-list policies refer to them by
//! name, so a device must carry tags it has never heard of. The well-known ones get
//! constants and translations so code and screens do not spell them twice.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::identity::{IdNumber, Phone, Sex};
use crate::{FieldError, Text};

pub const ELDERLY_60: &str = "elderly_60";
pub const ELDERLY_80: &str = "elderly_80";
pub const LIVING_ALONE: &str = "living_alone";
pub const LOW_INCOME: &str = "low_income";
pub const DISABLED: &str = "disabled";
pub const NON_HUKOU: &str = "non_hukou";
pub const RESIDENCE_PERMIT: &str = "residence_permit";

const TAG_MAX_LENGTH: usize = 32;
const NAME_MAX_LENGTH: usize = 30;

/// One 人群标签: lower-case ASCII letters, digits and `_`, 1 to 32 characters, so it
/// is safe as a key in the database, in the wire protocol and in rule data.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Tag(String);

impl Tag {
    pub fn parse(raw: &str) -> Result<Tag, FieldError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.len() > TAG_MAX_LENGTH {
            return Err(FieldError::new(
                "tags",
                "length",
                format!("人群标签“{trimmed}”应为1至{TAG_MAX_LENGTH}个字符"),
                format!("The tag \"{trimmed}\" must be 1 to {TAG_MAX_LENGTH} characters long"),
            ));
        }
        let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_';
        if !trimmed.chars().all(allowed) {
            return Err(FieldError::new(
                "tags",
                "characters",
                format!("人群标签“{trimmed}”只能使用小写英文字母、数字和下划线"),
                format!(
                    "The tag \"{trimmed}\" may use only lower-case letters, digits and underscores"
                ),
            ));
        }
        Ok(Tag(trimmed.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Words for this tag on a screen; see [`describe_tag`].
    pub fn describe(&self) -> Text {
        describe_tag(&self.0)
    }
}

impl std::fmt::Display for Tag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Tag {
    type Error = FieldError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Tag::parse(&value)
    }
}

impl From<Tag> for String {
    fn from(value: Tag) -> Self {
        value.0
    }
}

/// The tags this build has words for.
pub const KNOWN_TAGS: [&str; 7] = [
    ELDERLY_60,
    ELDERLY_80,
    LIVING_ALONE,
    LOW_INCOME,
    DISABLED,
    NON_HUKOU,
    RESIDENCE_PERMIT,
];

/// A tag as staff type it: its key, or its words (低保, 独居, 独居老人 …) in either
/// language; anything else as typed, for [`Tag::parse`] to judge.
pub fn tag_from_words(raw: &str) -> String {
    let raw = raw.trim();
    let words = raw.strip_suffix("老人").unwrap_or(raw);
    KNOWN_TAGS
        .into_iter()
        .find(|tag| {
            let text = describe_tag(tag);
            *tag == raw || text.zh == raw || text.zh == words || text.en.eq_ignore_ascii_case(raw)
        })
        .map_or_else(|| raw.to_string(), str::to_string)
}

/// Parses a list of tags as a set; the first bad one is refused, naming it.
pub fn parse_tags<S: AsRef<str>>(raw: &[S]) -> Result<BTreeSet<Tag>, FieldError> {
    raw.iter().map(|tag| Tag::parse(tag.as_ref())).collect()
}

/// Words for a tag. Tags this build does not know (new district data) are shown as
/// they are rather than hidden, so staff can still see and ask about them.
pub fn describe_tag(tag: &str) -> Text {
    match tag {
        ELDERLY_60 => Text::new("60周岁以上老人", "Aged 60 or over"),
        ELDERLY_80 => Text::new("80周岁以上老人", "Aged 80 or over"),
        LIVING_ALONE => Text::new("独居", "Living alone"),
        LOW_INCOME => Text::new("低保", "Minimum living allowance (dibao)"),
        DISABLED => Text::new("残疾", "Disabled"),
        NON_HUKOU => Text::new("非户籍", "Non-hukou resident"),
        RESIDENCE_PERMIT => Text::new("持居住证", "Holds a residence permit"),
        other => Text::new(other, other),
    }
}

/// Age in whole years (周岁) on `on`; the birthday itself counts.
///
/// Someone born on 29 February turns a year older on 1 March in a common year: the
/// comparison is "has (month, day) of the birthday been reached", and 28 February has
/// not yet reached 29 February. That way nobody is counted a year older before a full
/// year has passed, which matters for lower age limits (a child must really be 6) and
/// is harmless for upper ones. Dates on or before the birth give 0.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> u32 {
    if on <= birth {
        return 0;
    }
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years.max(0) as u32
}

/// A name as typed at registration: trimmed, 1 to 30 characters, no digits or
/// control characters (a digit almost always means the ID number went into the
/// wrong box). Middle dots of minority names (阿依古丽·买买提) are fine.
pub fn parse_name(raw: &str) -> Result<String, FieldError> {
    let trimmed = raw.trim();
    let length = trimmed.chars().count();
    if length == 0 || length > NAME_MAX_LENGTH {
        return Err(FieldError::new(
            "name",
            "length",
            format!("姓名应为1至{NAME_MAX_LENGTH}个字"),
            format!("A name must be 1 to {NAME_MAX_LENGTH} characters long"),
        ));
    }
    if trimmed
        .chars()
        .any(|c| c.is_control() || c.is_ascii_digit())
    {
        return Err(FieldError::new(
            "name",
            "characters",
            "姓名中不能有数字或控制字符，请核对",
            "A name cannot contain digits or control characters. Please check it",
        ));
    }
    Ok(trimmed.to_string())
}

/// 户: the unit services are collected for (以家庭为单位).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Household {
    pub code: String,
    pub address: String,
    /// The community (社区) the household lives in; eligibility compares it with the
    /// centre's own community for "community household" rules.
    pub community_code: String,
    /// The day the household moved away (迁出): it stays, with its history, but takes
    /// no new sign-ups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved_away_on: Option<NaiveDate>,
}

impl Household {
    /// Every missing field, so a registration form can mark all of them at once.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.code.trim().is_empty() {
            errors.push(FieldError::new(
                "household_code",
                "missing",
                "缺少户编号",
                "The household code is missing",
            ));
        }
        if self.address.trim().is_empty() {
            errors.push(FieldError::new(
                "address",
                "missing",
                "请填写住址",
                "Please enter the address",
            ));
        }
        if self.community_code.trim().is_empty() {
            errors.push(FieldError::new(
                "community_code",
                "missing",
                "请选择所在社区",
                "Please choose the community",
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// 居民. Birth date and sex are not stored separately: they come from the ID number,
/// so they can never disagree with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resident {
    pub id_number: IdNumber,
    pub name: String,
    pub phone: Option<Phone>,
    pub household_code: String,
    pub tags: BTreeSet<Tag>,
}

impl Resident {
    pub fn birth_date(&self) -> NaiveDate {
        self.id_number.birth_date()
    }

    pub fn sex(&self) -> Sex {
        self.id_number.sex()
    }

    pub fn age_on(&self, date: NaiveDate) -> u32 {
        age_on(self.birth_date(), date)
    }

    /// True if `tag` is among the recorded tags. Age tags are never recorded (they
    /// depend on the date), so ask [`Resident::tags_on`] for those.
    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|own| own.as_str() == tag)
    }

    /// The tags that follow from age alone. They are computed, never stored, because a
    /// stored `elderly_60` would go stale on the resident's birthday.
    pub fn derived_tags(birth: NaiveDate, on: NaiveDate) -> Vec<Tag> {
        let age = age_on(birth, on);
        let mut tags = Vec::new();
        if age >= 60 {
            tags.push(Tag(ELDERLY_60.to_string()));
        }
        if age >= 80 {
            tags.push(Tag(ELDERLY_80.to_string()));
        }
        tags
    }

    /// Recorded tags plus the age tags that hold on `date`: what eligibility and the
    /// waiting list should look at.
    pub fn tags_on(&self, date: NaiveDate) -> BTreeSet<Tag> {
        let mut tags = self.tags.clone();
        tags.extend(Resident::derived_tags(self.birth_date(), date));
        tags
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn resident(id: &str) -> Resident {
        Resident {
            id_number: IdNumber::parse(id, date(2026, 9, 1)).unwrap(),
            name: "王秀英".to_string(),
            phone: None,
            household_code: "H0001".to_string(),
            tags: parse_tags(&[LIVING_ALONE]).unwrap(),
        }
    }

    #[test]
    fn tags_are_checked_and_trimmed() {
        assert_eq!(Tag::parse(" low_income ").unwrap().as_str(), LOW_INCOME);
        assert_eq!(
            Tag::parse("veteran_family2").unwrap().to_string(),
            "veteran_family2"
        );
        assert_eq!(Tag::parse("").unwrap_err().code, "length");
        assert_eq!(Tag::parse(&"a".repeat(33)).unwrap_err().code, "length");
        let error = Tag::parse("Low-Income").unwrap_err();
        assert_eq!(
            (error.field.as_str(), error.code.as_str()),
            ("tags", "characters")
        );
        assert!(error.message.zh.contains("Low-Income"));
        assert!(parse_tags(&["disabled", "独居"]).is_err());
        assert_eq!(parse_tags(&["disabled", "disabled"]).unwrap().len(), 1);
    }

    #[test]
    fn tags_deserialise_only_when_valid() {
        let tags: BTreeSet<Tag> = serde_json::from_str(r#"["living_alone","disabled"]"#).unwrap();
        assert_eq!(tags.len(), 2);
        assert!(serde_json::from_str::<Tag>(r#""Living Alone""#).is_err());
    }

    #[test]
    fn known_tags_are_translated_and_unknown_ones_shown_as_is() {
        assert_eq!(describe_tag(LOW_INCOME).zh, "低保");
        assert_eq!(describe_tag("veteran_family").zh, "veteran_family");
    }

    #[test]
    fn age_counts_the_birthday_itself() {
        let birth = date(2020, 9, 1);
        assert_eq!(age_on(birth, date(2026, 8, 31)), 5);
        assert_eq!(age_on(birth, date(2026, 9, 1)), 6);
        assert_eq!(age_on(birth, date(2019, 1, 1)), 0);
    }

    #[test]
    fn leap_day_birthdays_turn_over_on_first_of_march_in_common_years() {
        let birth = date(2016, 2, 29);
        assert_eq!(age_on(birth, date(2026, 2, 28)), 9);
        assert_eq!(age_on(birth, date(2026, 3, 1)), 10);
        assert_eq!(age_on(birth, date(2028, 2, 28)), 11);
        assert_eq!(age_on(birth, date(2028, 2, 29)), 12);
    }

    #[test]
    fn elderly_tags_follow_age_on_the_date() {
        let birth = date(1946, 5, 10);
        assert!(Resident::derived_tags(birth, date(2006, 5, 9)).is_empty());
        let at_60: Vec<String> = Resident::derived_tags(birth, date(2006, 5, 10))
            .into_iter()
            .map(String::from)
            .collect();
        assert_eq!(at_60, vec![ELDERLY_60]);
        assert_eq!(Resident::derived_tags(birth, date(2026, 5, 10)).len(), 2);
    }

    #[test]
    fn resident_reads_birth_sex_and_age_from_the_id_number() {
        let resident = resident("11010519491231002X");
        assert_eq!(resident.birth_date(), date(1949, 12, 31));
        assert_eq!(resident.sex(), Sex::Female);
        assert_eq!(resident.age_on(date(2026, 9, 1)), 76);
        assert!(resident.has_tag(LIVING_ALONE));
        assert!(!resident.has_tag(ELDERLY_60));
        let tags = resident.tags_on(date(2026, 9, 1));
        assert!(tags.contains(&Tag::parse(ELDERLY_60).unwrap()));
        assert!(!tags.contains(&Tag::parse(ELDERLY_80).unwrap()));
    }

    #[test]
    fn names_are_trimmed_and_digits_refused() {
        assert_eq!(parse_name("  李四 ").unwrap(), "李四");
        assert_eq!(parse_name("阿依古丽·买买提").unwrap(), "阿依古丽·买买提");
        assert_eq!(parse_name("   ").unwrap_err().code, "length");
        assert_eq!(
            parse_name("440306199001011234").unwrap_err().code,
            "characters"
        );
    }

    #[test]
    fn household_lists_every_missing_field() {
        let household = Household {
            code: "H1".into(),
            address: " ".into(),
            community_code: String::new(),
            moved_away_on: None,
        };
        let fields: Vec<String> = household
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, vec!["address", "community_code"]);
    }
}
