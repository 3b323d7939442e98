//! The sync wire protocol between a device and the district backend: what a device
//! sends when it enrols, pushes its outbox and pulls what the district knows.
//!
//! Both sides compile these same types, so a field renamed on one side cannot drift
//! from the other. Times are Asia/Shanghai local time without zone, like everything
//! else in Linli; the district records its own clock beside a device's, because a
//! device's clock may be hours off.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::business::BusinessCategory;
use crate::calendar::Calendar;
use crate::eligibility::EligibilityRules;
use crate::programme::Programme;
use crate::waitlist::WaitlistPolicy;
use crate::{FieldError, Text};

/// The most events one push may carry. A week offline (tens of thousands of events)
/// goes up in many batches, each one PostgreSQL transaction of bounded size.
pub const MAX_BATCH_EVENTS: usize = 1_000;

/// The largest request body the district reads, in bytes: a full batch of the largest
/// events with room to spare. Anything bigger is refused before it is parsed.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// The most changes one pull answers with; the device asks again while `more` is set.
pub const MAX_PULL_CHANGES: usize = 2_000;

/// `POST /v1/enrol`: a device trades the one-time code district staff gave it for its
/// lasting credential.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    pub code: String,
    /// The centre whose data the device already holds, if any: a code for another
    /// centre is refused without being used up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub centre_code: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolResponse {
    pub device_id: String,
    /// Shown once and kept only hashed by the district: the device stores it (mode
    /// 0600) and sends it as a bearer token with every request.
    pub credential: String,
    /// Numbered by the district within the centre, so slip serial numbers of two
    /// kiosks of one centre can never collide.
    pub device_number: u32,
    pub centre_code: String,
    pub centre_name: String,
    pub district_code: String,
    pub community_code: String,
}

/// `POST /v1/events`: one batch of the device's outbox, oldest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    pub protocol_version: u16,
    /// The device's clock when it sent the batch; the district compares it with its own.
    #[serde(with = "crate::wire::time::date_time")]
    pub sent_at: NaiveDateTime,
    pub events: Vec<PushedEvent>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushedEvent {
    /// The device's outbox sequence number: the order the device committed them in.
    pub seq: i64,
    /// The event as the device stored it (an `OutboxEvent`). Kept as raw JSON so one
    /// event the district cannot read is rejected alone instead of failing the batch.
    pub event: serde_json::Value,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResponse {
    /// One per pushed event, in the order sent.
    pub results: Vec<EventResult>,
    pub server_time: NaiveDateTime,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Applied now.
    Accepted,
    /// Applied before (same id, same content); nothing changed this time.
    Duplicate,
    /// Not applied, with a reason; the device parks it for staff and goes on.
    Rejected,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventResult {
    pub event_id: String,
    pub seq: i64,
    pub outcome: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<FieldError>,
}

/// `GET /v1/changes?after=CURSOR`: what changed at the district since the cursor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PullResponse {
    pub changes: Vec<Change>,
    /// Where the next pull starts; the device stores it with the changes it applied.
    pub next_cursor: i64,
    /// More changes wait beyond this page.
    pub more: bool,
    /// This device's seats, per programme of its centre (invariant 2).
    pub grants: Vec<SeatGrant>,
    pub server_time: NaiveDateTime,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub cursor: i64,
    pub change: ChangeBody,
}

/// One fact the district publishes or decides. Tagged by `type`, snake_case.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ChangeBody {
    /// A programme of the device's centre, new or republished. Its `capacity` is the
    /// whole programme's; the device confirms only within its own grant.
    ProgrammePublished {
        programme: Box<Programme>,
    },
    RulesPublished {
        rules: EligibilityRules,
    },
    PolicyPublished {
        policy: WaitlistPolicy,
    },
    CalendarPublished {
        calendar: Calendar,
    },
    CategoriesPublished {
        categories: Vec<BusinessCategory>,
    },
    /// Two households of the device's centre merged at one of its desks (sent only to
    /// that centre's devices, after the kept household as it now is): each absorbed
    /// number's records move to its survivor, as at the desk that merged them.
    HouseholdsMerged {
        kept_household: String,
        removed_household: String,
        people: Vec<crate::outbox::MergedPerson>,
    },
    /// How long the personal data of households no longer served is kept.
    RetentionPublished {
        rule: crate::retention::RetentionRule,
    },
    /// A household registered anywhere in the district (一次采集、多次使用).
    HouseholdKnown(RegistryHousehold),
    /// A staff account of the device's centre, new or changed (at the district or at
    /// one of the centre's devices); sent only to that centre's devices. The device
    /// keeps the newest by `changed_at`.
    StaffAccount(StaffAccount),
    /// The district gives a seat, granted to this device with this change, to a person
    /// who is waiting here: they are at the head of the district's waiting list.
    OfferMade {
        enrolment_id: String,
        programme_code: String,
        resident_id_number: String,
        offer_deadline: NaiveDateTime,
    },
    /// A child's pickup list as a desk of the device's centre last left it; sent only
    /// to that centre's devices, which keep the newest by `changed_at`.
    PickupList {
        authorisation: crate::pickup::PickupAuthorisation,
        changed_at: NaiveDateTime,
    },
    /// A resident's card as a desk of the device's centre last left it (issued, or
    /// revoked when reported lost); sent only to that centre's devices, which keep the
    /// newest by `changed_at`.
    Card {
        card: String,
        resident_id_number: String,
        revoked: bool,
        changed_at: NaiveDateTime,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryHousehold {
    pub household_code: String,
    pub address: String,
    pub community_code: String,
    /// The centre where it was registered.
    pub centre_code: String,
    pub members: Vec<RegistryMember>,
    /// The day it moved away: no new sign-ups from then on (history kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved_away_on: Option<chrono::NaiveDate>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryMember {
    pub id_number: String,
    pub name: String,
    pub phone: Option<String>,
    pub tags: Vec<String>,
}

/// A staff member of a centre as the district knows them. The PIN travels only as its
/// argon2 PHC hash (`$argon2id$v=19$…`, the argon2 crate's default parameters), which
/// the device verifies offline with `PasswordHash::new` and
/// `Argon2::default().verify_password`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffAccount {
    /// Unique within the centre ("S001").
    pub code: String,
    pub name: String,
    pub roles: Vec<crate::staff::Role>,
    pub pin_hash: String,
    /// The PIN is a one-time PIN district staff or a manager handed out: the member
    /// must choose their own at their next sign-in.
    pub must_change_pin: bool,
    /// A disabled account signs in nowhere.
    pub disabled: bool,
    /// When this version of the account was made (district or device clock); the
    /// newest wins.
    pub changed_at: NaiveDateTime,
}

/// `POST /v1/registry/lookup`: a staff member at a device looks up, by full ID number,
/// a resident in front of them who is registered at another centre (invariant 10: the
/// only way a device holds another centre's household). The district records who asked,
/// when and why, and limits how often a device may ask.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistryLookupRequest {
    /// The full ID number (GB 11643) as on the resident's card.
    pub id_number: String,
    /// The staff member signed in at the device who asks.
    pub staff_code: String,
    /// Why, in a few words (e.g. "报名日间照料"); kept with the lookup.
    pub purpose: String,
}

/// The household that holds the resident looked up, with all its members.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryLookupResponse {
    pub household: RegistryHousehold,
}

/// The longest purpose a lookup may give, in characters.
pub const MAX_LOOKUP_PURPOSE_CHARS: usize = 200;

impl RegistryLookupRequest {
    /// Every field checked as the district checks it, so a device can refuse a bad
    /// lookup before it goes out. Returns the ID number in its canonical form.
    pub fn validate(&self) -> Result<String, FieldError> {
        let id = crate::identity::IdNumber::parse(&self.id_number, NaiveDate::MAX).map_err(
            |mut e| {
                e.field = "id_number".into();
                e
            },
        )?;
        crate::staff::validate_staff_code("staff_code", &self.staff_code)?;
        crate::outbox::check_text(
            "purpose",
            &self.purpose,
            crate::outbox::TextKind::Line(MAX_LOOKUP_PURPOSE_CHARS),
            true,
        )?;
        Ok(id.as_str().to_string())
    }
}

/// The seats of one programme this device may hold (confirmed plus offered).
///
/// `granted_total` only ever grows: the device's own count of seats it gave back
/// (`released_total` in its `seats_released` events) is subtracted on both sides, so a
/// lost or repeated message cannot make either side count a seat twice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatGrant {
    pub programme_code: String,
    pub granted_total: u32,
    /// Free seats the device may keep beyond the ones it holds; it gives back any more
    /// so they can go to people waiting at other devices.
    pub keep_free: u32,
}

/// A JSON error body from the district: what was wrong, in both languages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: Text,
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// A month of a report, "YYYY-MM", checked.
pub fn parse_month(text: &str) -> Result<NaiveDate, FieldError> {
    NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d").map_err(|_| {
        FieldError::new(
            "month",
            "invalid_month",
            format!("月份“{text}”格式不对，应为YYYY-MM"),
            format!("month \"{text}\" is not YYYY-MM"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_carries_its_type_tag() {
        let change = Change {
            cursor: 7,
            change: ChangeBody::OfferMade {
                enrolment_id: "E-1".into(),
                programme_code: "lunch-care".into(),
                resident_id_number: "11010519491231002X".into(),
                offer_deadline: NaiveDate::from_ymd_opt(2026, 12, 1)
                    .unwrap()
                    .and_hms_opt(18, 0, 0)
                    .unwrap(),
            },
        };
        let json = serde_json::to_value(&change).unwrap();
        assert_eq!(json["change"]["type"], "offer_made");
        assert_eq!(serde_json::from_value::<Change>(json).unwrap(), change);
    }

    #[test]
    fn a_push_with_an_unknown_field_is_refused() {
        let json =
            r#"{"protocol_version":2,"sent_at":"2026-11-28T09:00:00","events":[],"extra":1}"#;
        assert!(serde_json::from_str::<PushRequest>(json).is_err());
    }

    #[test]
    fn a_push_sent_at_a_leap_second_is_refused_with_the_time_named() {
        let push = r#"{"protocol_version":3,"sent_at":"2026-11-28T23:59:60","events":[]}"#;
        assert!(serde_json::from_str::<PushRequest>(push)
            .unwrap_err()
            .to_string()
            .contains("23:59:60"));
    }

    #[test]
    fn months_are_checked() {
        assert!(parse_month("2026-11").is_ok());
        assert_eq!(parse_month("2026-13").unwrap_err().code, "invalid_month");
    }
}
