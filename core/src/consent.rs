//! Consent to the use of a resident's personal data (个人信息保护法), and a household
//! member's relationship to the head of household.
//!
//! A child under 14 cannot consent: a guardian does, for them (PIPL art. 31). Anyone 14
//! or older consents for themselves. Consent is for named purposes; a purpose not
//! consented to is not used.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::{FieldError, Text};

/// Below this age a guardian consents for the child.
pub const GUARDIAN_CONSENT_BELOW: u32 = 14;
/// A guardian is an adult.
pub const GUARDIAN_AGE: u32 = 18;
/// The version of the privacy notice (个人信息告知书) the desk shows today; a consent
/// records the version the person was shown, so a later notice can ask again.
pub const NOTICE_VERSION: &str = "2026-1";

/// What a resident's data may be used for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// Registering and running the services signed up for (报名、考勤、接送、收费).
    Services,
    /// Being told about the centre's activities by phone or message.
    ActivityContact,
    /// Photos taken at activities, shown in the centre or its reports.
    Photos,
}

impl Purpose {
    pub const ALL: [Purpose; 3] = [Purpose::Services, Purpose::ActivityContact, Purpose::Photos];

    pub fn key(self) -> &'static str {
        match self {
            Purpose::Services => "services",
            Purpose::ActivityContact => "activity_contact",
            Purpose::Photos => "photos",
        }
    }

    pub fn describe(self) -> Text {
        match self {
            Purpose::Services => Text::new("办理和提供所报名的服务", "the services signed up for"),
            Purpose::ActivityContact => Text::new("活动通知联系", "being told about activities"),
            Purpose::Photos => Text::new("活动照片", "photos at activities"),
        }
    }

    /// Reads a purpose as staff or a file write it: its key or its Chinese name.
    pub fn parse(raw: &str) -> Result<Purpose, FieldError> {
        let raw = raw.trim();
        Purpose::ALL
            .into_iter()
            .find(|p| p.key() == raw || p.describe().zh == raw || short_zh(*p) == raw)
            .ok_or_else(|| {
                FieldError::new(
                    "purposes",
                    "unknown_purpose",
                    format!("不认识的用途「{raw}」（可选：services 服务、activity_contact 活动联系、photos 照片）"),
                    format!("unknown purpose \"{raw}\" (one of: services, activity_contact, photos)"),
                )
            })
    }
}

fn short_zh(p: Purpose) -> &'static str {
    match p {
        Purpose::Services => "服务",
        Purpose::ActivityContact => "活动联系",
        Purpose::Photos => "照片",
    }
}

/// Parses a list of purposes; services must be among them, since without it nothing
/// about the person may be kept at all.
pub fn parse_purposes<S: AsRef<str>>(raw: &[S]) -> Result<BTreeSet<Purpose>, FieldError> {
    let purposes = raw
        .iter()
        .map(|p| Purpose::parse(p.as_ref()))
        .collect::<Result<BTreeSet<_>, _>>()?;
    if !purposes.contains(&Purpose::Services) {
        return Err(FieldError::new(
            "purposes",
            "services_required",
            "同意的用途必须包括「服务」：不同意则无法登记",
            "the purposes must include services: without it the person cannot be registered",
        ));
    }
    Ok(purposes)
}

/// Who gave a consent, checked against the resident's age: a guardian (an adult) for
/// a child under 14, nobody else for anyone older.
pub fn check_giver(
    resident_age: u32,
    guardian_age: Option<u32>,
    guardian_is_resident: bool,
) -> Result<(), FieldError> {
    match guardian_age {
        None if resident_age < GUARDIAN_CONSENT_BELOW => Err(FieldError::new(
            "guardian",
            "guardian_required",
            format!("未满{GUARDIAN_CONSENT_BELOW}周岁的儿童须由监护人同意，请填写监护人"),
            format!("a child under {GUARDIAN_CONSENT_BELOW} needs a guardian's consent: name the guardian"),
        )),
        Some(_) if resident_age >= GUARDIAN_CONSENT_BELOW => Err(FieldError::new(
            "guardian",
            "consents_for_self",
            format!("年满{GUARDIAN_CONSENT_BELOW}周岁的居民由本人同意，不填监护人"),
            format!("a resident aged {GUARDIAN_CONSENT_BELOW} or over consents for themselves: no guardian"),
        )),
        Some(_) if guardian_is_resident => Err(FieldError::new(
            "guardian",
            "guardian_is_child",
            "监护人不能是儿童本人",
            "the guardian cannot be the child",
        )),
        Some(age) if age < GUARDIAN_AGE => Err(FieldError::new(
            "guardian",
            "guardian_not_adult",
            format!("监护人须年满{GUARDIAN_AGE}周岁"),
            format!("a guardian must be {GUARDIAN_AGE} or over"),
        )),
        _ => Ok(()),
    }
}

/// A household member's relationship to the head of household (与户主关系).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relationship {
    Head,
    Spouse,
    Child,
    Parent,
    Grandparent,
    Grandchild,
    Sibling,
    Other,
}

impl Relationship {
    pub const ALL: [Relationship; 8] = [
        Relationship::Head,
        Relationship::Spouse,
        Relationship::Child,
        Relationship::Parent,
        Relationship::Grandparent,
        Relationship::Grandchild,
        Relationship::Sibling,
        Relationship::Other,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Relationship::Head => "head",
            Relationship::Spouse => "spouse",
            Relationship::Child => "child",
            Relationship::Parent => "parent",
            Relationship::Grandparent => "grandparent",
            Relationship::Grandchild => "grandchild",
            Relationship::Sibling => "sibling",
            Relationship::Other => "other",
        }
    }

    pub fn describe(self) -> Text {
        match self {
            Relationship::Head => Text::new("户主", "head of household"),
            Relationship::Spouse => Text::new("配偶", "spouse"),
            Relationship::Child => Text::new("子女", "child"),
            Relationship::Parent => Text::new("父母", "parent"),
            Relationship::Grandparent => Text::new("祖父母/外祖父母", "grandparent"),
            Relationship::Grandchild => Text::new("孙子女/外孙子女", "grandchild"),
            Relationship::Sibling => Text::new("兄弟姐妹", "sibling"),
            Relationship::Other => Text::new("其他", "other"),
        }
    }

    /// Its key, or its Chinese name (either half of 祖父母/外祖父母 too).
    pub fn parse(raw: &str) -> Result<Relationship, FieldError> {
        let raw = raw.trim();
        Relationship::ALL
            .into_iter()
            .find(|r| r.key() == raw || r.describe().zh.split('/').any(|zh| zh == raw))
            .ok_or_else(|| {
                FieldError::new(
                    "relationship",
                    "unknown_relationship",
                    format!("不认识的与户主关系「{raw}」（户主、配偶、子女、父母、祖父母、孙子女、兄弟姐妹、其他）"),
                    format!("unknown relationship \"{raw}\" (head, spouse, child, parent, grandparent, grandchild, sibling, other)"),
                )
            })
    }

    /// Reads what the store keeps; an old row without one is "other".
    pub fn from_db(raw: &str) -> Option<Relationship> {
        Relationship::ALL.into_iter().find(|r| r.key() == raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_child_under_fourteen_needs_an_adult_guardian_and_an_older_resident_none() {
        assert_eq!(
            check_giver(9, None, false).unwrap_err().code,
            "guardian_required"
        );
        assert!(check_giver(9, Some(38), false).is_ok());
        assert_eq!(
            check_giver(9, Some(16), false).unwrap_err().code,
            "guardian_not_adult"
        );
        assert_eq!(
            check_giver(9, Some(9), true).unwrap_err().code,
            "guardian_is_child"
        );
        // The fourteenth birthday is the line: from it on, the resident consents.
        assert!(check_giver(14, None, false).is_ok());
        assert_eq!(
            check_giver(14, Some(40), false).unwrap_err().code,
            "consents_for_self"
        );
        assert!(check_giver(13, Some(40), false).is_ok());
    }

    #[test]
    fn purposes_read_in_either_language_and_must_include_services() {
        let p = parse_purposes(&["services", "照片"]).unwrap();
        assert!(p.contains(&Purpose::Photos) && !p.contains(&Purpose::ActivityContact));
        assert_eq!(
            parse_purposes(&["photos"]).unwrap_err().code,
            "services_required"
        );
        assert_eq!(
            parse_purposes(&["服务", "广告"]).unwrap_err().code,
            "unknown_purpose"
        );
    }

    #[test]
    fn relationships_read_by_key_or_chinese_name() {
        assert_eq!(Relationship::parse("户主").unwrap(), Relationship::Head);
        assert_eq!(
            Relationship::parse("外祖父母").unwrap(),
            Relationship::Grandparent
        );
        assert_eq!(Relationship::parse("child").unwrap(), Relationship::Child);
        assert!(Relationship::parse("朋友").is_err());
    }
}
