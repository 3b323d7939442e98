//! 申领资格条件: who may sign up for a programme.
//!
//! The district sets these conditions for services aimed at particular groups and
//! publishes them as versioned JSON, so a centre never hard-codes them. Evaluation
//! collects every unmet condition, because a resident standing at the kiosk should
//! learn all of what stands in the way at once, not one reason per visit.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::household::{describe_tag, Household, Resident, Tag, RESIDENCE_PERMIT};
use crate::{FieldError, Text};

/// Where an applicant must live.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Residency {
    /// Open to anyone, e.g. a public lecture.
    Any,
    /// The applicant's household must be registered in this centre's community.
    CommunityHousehold,
    /// As above, or a non-hukou resident holding a residence permit (居住证), the usual
    /// rule for services that follow the permit holder's entitlements.
    CommunityHouseholdOrResidencePermit,
}

/// A versioned set of conditions, e.g. `after-school-2026` version 1.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EligibilityRules {
    pub id: String,
    pub version: u32,
    /// Inclusive, in whole years on `age_reference`.
    pub min_age: Option<u32>,
    /// Inclusive, in whole years on `age_reference`.
    pub max_age: Option<u32>,
    /// The day ages are counted on, usually the first day of the term, so a child who
    /// turns 6 in August may join a September term.
    pub age_reference: NaiveDate,
    pub residency: Residency,
    /// ALL of these tags are required (an empty list requires none).
    pub required_tags: Vec<String>,
    /// Having ANY of these tags excludes the applicant.
    pub excluded_tags: Vec<String>,
    /// Applicants younger than this need an adult (18+) in their household.
    pub guardian_required_under: Option<u32>,
}

/// What evaluation needs to know about the person applying.
#[derive(Clone, Debug, PartialEq)]
pub struct Applicant<'a> {
    pub resident: &'a Resident,
    pub household: &'a Household,
    pub centre_community_code: &'a str,
    /// Whether another member of the household is 18 or older; see [`guardian_present`].
    pub has_guardian_in_household: bool,
}

/// The age of legal adulthood in the PRC: who can act as a guardian.
pub const ADULT_AGE: u32 = 18;

/// Whether someone other than the applicant in `household_members` is an adult on `on`.
/// The kiosk computes `Applicant::has_guardian_in_household` with this.
pub fn guardian_present(
    applicant: &Resident,
    household_members: &[Resident],
    on: NaiveDate,
) -> bool {
    household_members
        .iter()
        .any(|member| member.id_number != applicant.id_number && member.age_on(on) >= ADULT_AGE)
}

impl EligibilityRules {
    /// `Ok` if the applicant meets every condition, otherwise every condition they do
    /// not meet, in plain words.
    pub fn evaluate(&self, a: &Applicant) -> Result<(), Vec<Text>> {
        let mut reasons = Vec::new();
        let age = a.resident.age_on(self.age_reference);
        let on = crate::dates::long_date_text(self.age_reference);

        let too_young = self.min_age.is_some_and(|min| age < min);
        let too_old = self.max_age.is_some_and(|max| age > max);
        if too_young || too_old {
            let (zh, en) = match (self.min_age, self.max_age) {
                (Some(min), Some(max)) => (
                    format!(
                        "年龄需在{min}至{max}周岁之间（按{}计算），申请人届时{age}周岁",
                        on.zh
                    ),
                    format!(
                        "Age must be between {min} and {max} on {}; the applicant will be {age}",
                        on.en
                    ),
                ),
                (Some(min), None) => (
                    format!(
                        "年龄需年满{min}周岁（按{}计算），申请人届时{age}周岁",
                        on.zh
                    ),
                    format!(
                        "Must be at least {min} years old on {}; the applicant will be {age}",
                        on.en
                    ),
                ),
                (None, Some(max)) => (
                    format!(
                        "年龄需在{max}周岁及以下（按{}计算），申请人届时{age}周岁",
                        on.zh
                    ),
                    format!(
                        "Must be {max} or younger on {}; the applicant will be {age}",
                        on.en
                    ),
                ),
                (None, None) => unreachable!("an age limit failed, so one exists"),
            };
            reasons.push(Text::new(zh, en));
        }

        let in_community = a.household.community_code == a.centre_community_code;
        match self.residency {
            Residency::Any => {}
            Residency::CommunityHousehold if !in_community => reasons.push(Text::new(
                "本项目仅面向户籍登记在本社区的家庭，申请人的家庭登记在其他社区",
                "Only for households registered in this community; the applicant's household is registered elsewhere",
            )),
            Residency::CommunityHouseholdOrResidencePermit
                if !in_community && !a.resident.has_tag(RESIDENCE_PERMIT) =>
            {
                reasons.push(Text::new(
                    "本项目面向本社区登记的家庭或持有居住证的居民，申请人两者都不符合",
                    "Only for households registered in this community or holders of a residence permit; the applicant is neither",
                ))
            }
            _ => {}
        }

        // Age tags (elderly_60, elderly_80) are derived, never stored, so tags are
        // read as they stand on the reference date, like the age itself.
        let tags = a.resident.tags_on(self.age_reference);
        let has = |wanted: &str| tags.iter().any(|tag| tag.as_str() == wanted);
        for tag in &self.required_tags {
            if !has(tag) {
                let name = describe_tag(tag);
                reasons.push(Text::new(
                    format!("本项目仅限「{}」居民参加，申请人不符合此条件", name.zh),
                    format!(
                        "Only for residents listed as \"{}\"; the applicant is not",
                        name.en
                    ),
                ));
            }
        }

        for tag in &self.excluded_tags {
            if has(tag) {
                let name = describe_tag(tag);
                reasons.push(Text::new(
                    format!("「{}」居民不在本项目的服务范围内", name.zh),
                    format!(
                        "Residents listed as \"{}\" are outside this programme's scope",
                        name.en
                    ),
                ));
            }
        }

        if let Some(under) = self.guardian_required_under {
            if age < under && !a.has_guardian_in_household {
                reasons.push(Text::new(
                    format!("未满{under}周岁的申请人，家庭中需有一名年满18周岁的监护人，请先登记监护人"),
                    format!("Applicants under {under} need an adult (18 or over) in their household; please register the guardian first"),
                ));
            }
        }

        if reasons.is_empty() {
            Ok(())
        } else {
            Err(reasons)
        }
    }

    /// The conditions in plain words, for the programme's detail page.
    pub fn describe(&self) -> Vec<Text> {
        let mut lines = Vec::new();
        let on = crate::dates::long_date_text(self.age_reference);
        match (self.min_age, self.max_age) {
            (Some(min), Some(max)) => lines.push(Text::new(
                format!("{min}至{max}周岁（按{}计算）", on.zh),
                format!("Aged {min} to {max} on {}", on.en),
            )),
            (Some(min), None) => lines.push(Text::new(
                format!("年满{min}周岁（按{}计算）", on.zh),
                format!("Aged {min} or over on {}", on.en),
            )),
            (None, Some(max)) => lines.push(Text::new(
                format!("{max}周岁及以下（按{}计算）", on.zh),
                format!("Aged {max} or under on {}", on.en),
            )),
            (None, None) => {}
        }
        match self.residency {
            Residency::Any => {}
            Residency::CommunityHousehold => lines.push(Text::new(
                "本社区登记的家庭",
                "Households registered in this community",
            )),
            Residency::CommunityHouseholdOrResidencePermit => lines.push(Text::new(
                "本社区登记的家庭，或持居住证的居民",
                "Households registered in this community, or residence-permit holders",
            )),
        }
        for tag in &self.required_tags {
            let name = describe_tag(tag);
            lines.push(Text::new(
                format!("仅限「{}」居民", name.zh),
                format!("Only residents listed as \"{}\"", name.en),
            ));
        }
        for tag in &self.excluded_tags {
            let name = describe_tag(tag);
            lines.push(Text::new(
                format!("不含「{}」居民", name.zh),
                format!("Not for residents listed as \"{}\"", name.en),
            ));
        }
        if let Some(under) = self.guardian_required_under {
            lines.push(Text::new(
                format!("未满{under}周岁需有家庭成员监护"),
                format!("Under {under}s need an adult in the household"),
            ));
        }
        lines
    }

    /// Checks a rule set received from the district before it is used.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = crate::check_id_and_version(
            "rules",
            &self.id,
            self.version,
            "资格条件",
            "eligibility rule set",
        );
        if let (Some(min), Some(max)) = (self.min_age, self.max_age) {
            if min > max {
                errors.push(FieldError::new(
                    "rules.min_age",
                    "out_of_range",
                    format!("最低年龄（{min}周岁）不能高于最高年龄（{max}周岁）"),
                    format!("The minimum age ({min}) is above the maximum age ({max})"),
                ));
            }
        }
        for (field, list) in [
            ("rules.required_tags", &self.required_tags),
            ("rules.excluded_tags", &self.excluded_tags),
        ] {
            for tag in list {
                if Tag::parse(tag).is_err() {
                    errors.push(FieldError::new(
                        field,
                        "invalid_tag",
                        format!("标签“{tag}”格式不正确"),
                        format!("Malformed tag \"{tag}\""),
                    ));
                }
            }
        }
        for tag in &self.required_tags {
            if self.excluded_tags.contains(tag) {
                errors.push(FieldError::new(
                    "rules.excluded_tags",
                    "contradiction",
                    format!("标签“{tag}”既是必需又被排除，没有人能符合条件"),
                    format!("Tag \"{tag}\" is both required and excluded, so nobody could qualify"),
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::household::{DISABLED, ELDERLY_60, ELDERLY_80, LIVING_ALONE, LOW_INCOME, NON_HUKOU};
    use crate::identity::IdNumber;
    use std::collections::BTreeSet;

    pub(crate) const COMMUNITY: &str = "440306001001";

    pub(crate) fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// A valid GB 11643 number for the birth date and serial (check digit computed), so
    /// the tests run against the real IdNumber::parse.
    pub(crate) fn id_number(birth: NaiveDate, serial: u32) -> IdNumber {
        let first17 = format!("440306{}{:03}", birth.format("%Y%m%d"), serial % 1000);
        const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        let sum: u32 = first17
            .bytes()
            .zip(WEIGHTS)
            .map(|(b, w)| (b - b'0') as u32 * w)
            .sum();
        let check = b"10X98765432"[(sum % 11) as usize] as char;
        IdNumber::parse(&format!("{first17}{check}"), d(2026, 11, 28)).unwrap()
    }

    pub(crate) fn resident(name: &str, birth: NaiveDate, serial: u32, tags: &[&str]) -> Resident {
        Resident {
            id_number: id_number(birth, serial),
            name: name.into(),
            phone: None,
            household_code: "H-0001".into(),
            tags: tags
                .iter()
                .map(|t| Tag::parse(t).unwrap())
                .collect::<BTreeSet<_>>(),
        }
    }

    pub(crate) fn household(community: &str) -> Household {
        Household {
            code: "H-0001".into(),
            address: "宝安区新安街道海华社区 12栋301".into(),
            community_code: community.into(),
            moved_away_on: None,
        }
    }

    pub(crate) fn after_school_rules() -> EligibilityRules {
        EligibilityRules {
            id: "after-school-2026".into(),
            version: 1,
            min_age: Some(6),
            max_age: Some(12),
            age_reference: d(2026, 9, 1),
            residency: Residency::CommunityHouseholdOrResidencePermit,
            required_tags: vec![],
            excluded_tags: vec![],
            guardian_required_under: Some(14),
        }
    }

    fn day_care_rules() -> EligibilityRules {
        EligibilityRules {
            id: "day-care-2026".into(),
            version: 3,
            min_age: Some(60),
            max_age: None,
            age_reference: d(2026, 11, 28),
            residency: Residency::CommunityHousehold,
            required_tags: vec![LIVING_ALONE.into()],
            excluded_tags: vec![],
            guardian_required_under: None,
        }
    }

    fn applicant<'a>(r: &'a Resident, h: &'a Household, guardian: bool) -> Applicant<'a> {
        Applicant {
            resident: r,
            household: h,
            centre_community_code: COMMUNITY,
            has_guardian_in_household: guardian,
        }
    }

    #[test]
    fn a_child_of_8_with_a_parent_at_home_may_join_the_after_school_club() {
        let child = resident("王小明", d(2018, 3, 14), 21, &[]);
        let home = household(COMMUNITY);
        assert_eq!(
            after_school_rules().evaluate(&applicant(&child, &home, true)),
            Ok(())
        );
    }

    #[test]
    fn age_is_counted_on_the_reference_date_not_today() {
        // Turns 6 on 31 August 2026: old enough for a term counted from 1 September.
        let just_six = resident("李朵朵", d(2020, 8, 31), 42, &[]);
        let home = household(COMMUNITY);
        assert!(after_school_rules()
            .evaluate(&applicant(&just_six, &home, true))
            .is_ok());
        // Turns 6 on 2 September: too young by a day.
        let not_yet = resident("李果果", d(2020, 9, 2), 42, &[]);
        let reasons = after_school_rules()
            .evaluate(&applicant(&not_yet, &home, true))
            .unwrap_err();
        assert_eq!(
            reasons,
            vec![Text::new(
                "年龄需在6至12周岁之间（按2026年9月1日计算），申请人届时5周岁",
                "Age must be between 6 and 12 on 1 Sep 2026; the applicant will be 5"
            )]
        );
    }

    #[test]
    fn every_unmet_condition_is_reported_not_only_the_first() {
        // A 13-year-old from another community, no residence permit, no adult at home.
        let teen = resident("陈浩", d(2013, 1, 5), 33, &[]);
        let elsewhere = household("440306002003");
        let reasons = after_school_rules()
            .evaluate(&applicant(&teen, &elsewhere, false))
            .unwrap_err();
        assert_eq!(reasons.len(), 3, "{reasons:?}");
        assert!(reasons[0].zh.contains("届时13周岁"));
        assert!(reasons[1].zh.contains("居住证"));
        assert!(reasons[2].zh.contains("监护人"));
        assert!(reasons[2].en.contains("under 14"));
    }

    #[test]
    fn a_residence_permit_admits_a_non_hukou_child_from_outside_the_household_register() {
        let child = resident("周可", d(2017, 6, 1), 62, &[NON_HUKOU, RESIDENCE_PERMIT]);
        let elsewhere = household("440306002003");
        assert!(after_school_rules()
            .evaluate(&applicant(&child, &elsewhere, true))
            .is_ok());
        let mut strict = after_school_rules();
        strict.residency = Residency::CommunityHousehold;
        let reasons = strict
            .evaluate(&applicant(&child, &elsewhere, true))
            .unwrap_err();
        assert!(reasons[0].zh.contains("户籍登记在本社区"));
    }

    #[test]
    fn an_82_year_old_living_alone_qualifies_for_day_care() {
        let grandma = resident("刘桂英", d(1944, 5, 20), 28, &[LIVING_ALONE]);
        let home = household(COMMUNITY);
        assert_eq!(grandma.age_on(d(2026, 11, 28)), 82);
        assert!(day_care_rules()
            .evaluate(&applicant(&grandma, &home, false))
            .is_ok());
    }

    #[test]
    fn an_elderly_man_living_with_family_is_told_day_care_is_for_people_living_alone() {
        let grandpa = resident("张建国", d(1950, 2, 2), 17, &[]);
        let home = household(COMMUNITY);
        let reasons = day_care_rules()
            .evaluate(&applicant(&grandpa, &home, true))
            .unwrap_err();
        assert_eq!(reasons.len(), 1);
        assert!(reasons[0].zh.contains("「独居」"), "{}", reasons[0]);
    }

    #[test]
    fn age_tags_are_derived_on_the_reference_date_not_read_from_records() {
        // 高龄 (80+) activity: the tag is never stored, it follows from the birth date.
        let mut rules = day_care_rules();
        rules.min_age = None;
        rules.required_tags = vec![ELDERLY_80.into()];
        let home = household(COMMUNITY);
        let grandma = resident("刘桂英", d(1944, 5, 20), 28, &[]);
        assert!(rules.evaluate(&applicant(&grandma, &home, false)).is_ok());
        let younger = resident("黄志强", d(1951, 4, 4), 29, &[ELDERLY_60]);
        let reasons = rules
            .evaluate(&applicant(&younger, &home, false))
            .unwrap_err();
        assert_eq!(
            reasons,
            vec![Text::new(
                "本项目仅限「80周岁以上老人」居民参加，申请人不符合此条件",
                "Only for residents listed as \"Aged 80 or over\"; the applicant is not"
            )]
        );
    }

    #[test]
    fn excluded_tags_refuse_with_the_tag_named() {
        let mut rules = day_care_rules();
        rules.required_tags.clear();
        rules.excluded_tags = vec![DISABLED.into()];
        let person = resident("赵敏", d(1955, 7, 7), 44, &[DISABLED, LOW_INCOME]);
        let home = household(COMMUNITY);
        let reasons = rules
            .evaluate(&applicant(&person, &home, true))
            .unwrap_err();
        assert_eq!(reasons.len(), 1);
        assert_eq!(reasons[0].zh, "「残疾」居民不在本项目的服务范围内");
    }

    #[test]
    fn guardian_present_counts_only_other_adults() {
        let child = resident("王小明", d(2018, 3, 14), 21, &[]);
        let sister = resident("王小红", d(2010, 3, 14), 22, &[]);
        let mother = resident("林慧", d(1988, 10, 1), 23, &[]);
        let on = d(2026, 11, 28);
        assert!(!guardian_present(
            &child,
            &[child.clone(), sister.clone()],
            on
        ));
        assert!(guardian_present(
            &child,
            &[child.clone(), sister, mother],
            on
        ));
    }

    #[test]
    fn rules_round_trip_through_district_json_and_validate() {
        let json = r#"{"id":"after-school-2026","version":1,"min_age":6,"max_age":12,
            "age_reference":"2026-09-01","residency":"community_household_or_residence_permit",
            "required_tags":[],"excluded_tags":[],"guardian_required_under":14}"#;
        let rules: EligibilityRules = serde_json::from_str(json).unwrap();
        assert_eq!(rules, after_school_rules());
        assert!(rules.validate().is_ok());

        let mut bad = rules;
        bad.min_age = Some(13);
        bad.required_tags = vec!["Low Income".into()];
        let fields: Vec<String> = bad
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, vec!["rules.min_age", "rules.required_tags"]);
    }

    #[test]
    fn describe_lists_the_conditions_in_words() {
        let lines = after_school_rules().describe();
        assert_eq!(lines[0].zh, "6至12周岁（按2026年9月1日计算）");
        assert_eq!(lines[0].en, "Aged 6 to 12 on 1 Sep 2026");
        assert!(lines[1].zh.contains("居住证"));
    }
}
