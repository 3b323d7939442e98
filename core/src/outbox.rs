//! Outbox events (待同步事件): the wire records a centre sends to the district.
//!
//! Invariant 4: every change the district must know is written to the outbox in the same
//! transaction as the change itself, and the district applies each event exactly once
//! (keyed by `event_id`) however often it is sent.
//!
//! The payloads deliberately use plain wire types (strings, integers, dates) rather than
//! the in-memory domain types: the wire format must stay stable while the rules evolve, and
//! a district backend of one version must read what devices of an older version sent.
//!
//! Versioning: `PROTOCOL_VERSION` is the newest schema this build understands. Every
//! event carries the `schema_version` it was written with. A reader refuses an event
//! from a newer schema (or of a type it does not know) instead of guessing, so the device
//! keeps it queued until the district is upgraded; nothing is silently dropped.
//! Additive changes (a new optional field with `#[serde(default)]`) keep the version;
//! a new event type or a changed meaning bumps it.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::FieldError;

/// The newest outbox schema this build reads and writes.
/// Version 3 added `staff_changed`, version 4 `payment_recorded`, `day_care_recorded`
/// and `absence_reported`, version 5 `pickup_list_changed`, version 6
/// `meal_count_recorded` and `day_care_closed`, version 7 `card_changed`, version 8
/// `households_merged`, version 9 `household_moved_away`; versions 1 to 8 are still read.
pub const PROTOCOL_VERSION: u16 = 9;

/// The most meals one programme can have served on a day in an event: far above any
/// centre, so only a fault is refused.
pub const MAX_MEALS_SERVED: u32 = 10_000;

/// The most adults one child's pickup list may name in an event: far above any
/// family, so only a fault is refused.
pub const MAX_PICKUP_ADULTS: usize = 20;

/// One change recorded on a device, waiting to be sent to the district.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEvent {
    pub schema_version: u16,
    /// Globally unique (uuid v7 / ulid made by the caller); the district's idempotency key.
    pub event_id: String,
    pub device_id: String,
    pub centre_code: String,
    /// When the change happened on the device, Asia/Shanghai local time.
    #[serde(with = "crate::wire::time::date_time")]
    pub occurred_at: NaiveDateTime,
    pub payload: EventPayload,
}

/// Whether an attendance event is an arrival or a departure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttendanceEventKind {
    CheckIn,
    CheckOut,
}

/// What changed. The JSON carries the variant name in a `type` field, snake_case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventPayload {
    HouseholdRegistered {
        household_code: String,
        address: String,
        community_code: String,
    },
    /// Carries the FULL ID number on purpose. The district keeps the household registry
    /// for all its centres (DESIGN.md section 2: it is authoritative for shared facts) and
    /// must recognise the same person registering at two centres, which a masked number
    /// cannot do. Masking (invariant 6) is a rule about screens and paper; this event only
    /// travels device → district over HTTPS and is never displayed.
    ResidentRegistered {
        household_code: String,
        id_number: String,
        name: String,
        phone: Option<String>,
        tags: Vec<String>,
    },
    EnrolmentChanged {
        enrolment_id: String,
        programme_code: String,
        resident_id_number: String,
        /// An `EnrolmentStatus` in snake_case ("confirmed", "waitlisted", …).
        status: String,
        /// `Priority::sort_key()`, so the district can order its own copy of the waiting list.
        priority_sort_key: String,
        #[serde(default, with = "crate::wire::time::option_date_time")]
        offer_deadline: Option<NaiveDateTime>,
        reason: Option<String>,
    },
    AttendanceRecorded {
        programme_code: String,
        #[serde(with = "crate::wire::time::date")]
        session_date: NaiveDate,
        resident_id_number: String,
        kind: AttendanceEventKind,
        #[serde(with = "crate::wire::time::date_time")]
        at: NaiveDateTime,
        /// Who collected a child ("name (relation)"), on a check-out with a pickup adult.
        picked_up_by: Option<String>,
        /// A child of 12 or over who left alone on the guardian's written consent.
        #[serde(default)]
        left_alone: bool,
    },
    ShiftRecorded {
        shift_id: String,
        volunteer_id_number: String,
        activity: String,
        #[serde(with = "crate::wire::time::date_time")]
        clock_in: NaiveDateTime,
        #[serde(default, with = "crate::wire::time::option_date_time")]
        clock_out: Option<NaiveDateTime>,
        minutes: u32,
        /// A `ShiftStatus` in snake_case ("open", "pending", "needs_confirmation", …).
        status: String,
    },
    ShiftReviewed {
        shift_id: String,
        /// "approved" or "declined".
        status: String,
        reviewer: String,
        note: Option<String>,
        /// The end time a social worker confirmed for a forgotten shift, and the minutes it earns.
        #[serde(default, with = "crate::wire::time::option_date_time")]
        confirmed_clock_out: Option<NaiveDateTime>,
        #[serde(default)]
        minutes: u32,
    },
    /// An approved or declined shift is never edited; a correction is a new record.
    ShiftCorrected {
        correction_id: String,
        shift_id: String,
        volunteer_id_number: String,
        corrected_minutes: u32,
        reason: String,
        by: String,
    },
    FilingChanged {
        business_code: String,
        /// A `FilingStatus` in snake_case ("submitted", "filed", …).
        status: String,
        filing_number: Option<String>,
        by: String,
    },
    LedgerRecorded {
        business_code: String,
        /// "YYYY-MM".
        month: String,
        revenue_fen: i64,
        cost_fen: i64,
    },
    RatingSubmitted {
        rating_id: String,
        service_ref: String,
        programme_code: String,
        /// 1 (very dissatisfied) ..= 5 (very satisfied).
        level: u8,
        reason_tags: Vec<String>,
    },
    FollowUpChanged {
        rating_id: String,
        /// "open" or "closed".
        status: String,
        /// The last working day on which the follow-up is in time.
        #[serde(with = "crate::wire::time::date")]
        due: NaiveDate,
        by: Option<String>,
        note: Option<String>,
    },
    /// Version 2. Seats of the district's grant this device gives back (invariant 2):
    /// freed by a cancellation, or unused while people wait at other devices.
    /// `released_total` is the device's running total for the programme, so the
    /// district can tell a lost event from a repeated one.
    SeatsReleased {
        programme_code: String,
        count: u32,
        released_total: u32,
    },
    /// Version 2. A resident registered as a volunteer at this centre, with the skills
    /// the national volunteer record names.
    VolunteerRegistered {
        volunteer_id_number: String,
        skills: Vec<String>,
    },
    /// Version 3. A staff account of this centre as a manager left it (added,
    /// disabled, a one-time PIN set) or as its member left it (their own PIN chosen
    /// at first sign-in). The district keeps the newest by `occurred_at` and sends it
    /// to the centre's devices as a `staff_account` change. The centre is the
    /// device's, so no event can touch another centre's staff.
    StaffChanged {
        code: String,
        name: String,
        /// `Role`s in snake_case ("front_desk", "social_worker", "manager", "technician").
        roles: Vec<String>,
        /// The argon2 PHC hash of the PIN; the PIN itself never leaves the device.
        pin_hash: String,
        must_change_pin: bool,
        disabled: bool,
        /// The staff code of who made the change (a manager, or the member themself).
        changed_by: String,
    },
    /// Version 4. A fee paid or refunded at the desk (`fees::Payment`), so the
    /// district's reports can sum a centre's takings. Records are never changed: a
    /// refund is a record of its own naming the payment (`refunds`).
    PaymentRecorded {
        payment_id: String,
        programme_code: String,
        resident_id_number: String,
        /// The fee period paid for: "term", "YYYY-MM" or "YYYY-MM-DD".
        period: String,
        /// "payment" or "refund".
        kind: String,
        /// Always positive; a refund's direction is its kind.
        amount_fen: i64,
        /// "cash" or "reference".
        method: String,
        reference: Option<String>,
        reason: Option<String>,
        refunds: Option<String>,
        /// The staff code of who took or gave the money.
        staff: String,
    },
    /// Version 4. One member's elderly day-care day beyond arrival and departure
    /// (those are `attendance_recorded`): meals taken, the centre's transport and word
    /// of an absence, as the desk last left it; the district keeps the newest by
    /// `occurred_at`. The pick-up place stays on the device: an address is not what a
    /// district report counts.
    DayCareRecorded {
        programme_code: String,
        #[serde(with = "crate::wire::time::date")]
        session_date: NaiveDate,
        resident_id_number: String,
        breakfast: bool,
        lunch: bool,
        /// A pick-up was planned for the day.
        #[serde(default)]
        transport: bool,
        #[serde(default, with = "crate::wire::time::option_date_time")]
        picked_up_at: Option<NaiveDateTime>,
        #[serde(default, with = "crate::wire::time::option_date_time")]
        dropped_off_at: Option<NaiveDateTime>,
        absence_reason: Option<String>,
    },
    /// Version 4. A child's absence from 四点半学校 or 学生午托 on one date and part of
    /// the day, reported at the desk (or its withdrawal: the child comes after all).
    /// The reason is a category (`ill`, `leave`, `other`); the note staff wrote stays
    /// on the device, since it may say what the illness is.
    AbsenceReported {
        programme_code: String,
        resident_id_number: String,
        #[serde(with = "crate::wire::time::date")]
        date: NaiveDate,
        /// A `DayPart` code: "whole_day", "morning" or "afternoon".
        part: String,
        /// An `AbsenceReason` code: "ill", "leave" or "other".
        reason: String,
        #[serde(default)]
        withdrawn: bool,
    },
    /// Version 5. A child's whole pickup list as the desk left it: who may collect,
    /// who must not, their dates. The district keeps the newest by `occurred_at` and
    /// sends it to the centre's other devices as a `pickup_list` change, so a
    /// must-not-collect adult refused at one desk is refused at every desk.
    PickupListChanged {
        authorisation: crate::pickup::PickupAuthorisation,
    },
    /// Version 6. The meals a 学生午托 programme served on a day as the desk recorded
    /// them, with the meals core expected (enrolled less absent, or the check-in) and
    /// whether the count is above the attendance; the district keeps the newest by
    /// `occurred_at`, so a count put right replaces the first.
    MealCountRecorded {
        programme_code: String,
        #[serde(with = "crate::wire::time::date")]
        date: NaiveDate,
        served: u32,
        expected: u32,
        above_attendance: bool,
    },
    /// Version 6. An elderly day-care day closed at the desk: who closed it, and the
    /// reason when members picked up were never dropped off (`open_transport`). A
    /// closed day is final; the district keeps the first closing it hears of.
    DayCareClosed {
        programme_code: String,
        #[serde(with = "crate::wire::time::date")]
        session_date: NaiveDate,
        closed_by: String,
        reason: Option<String>,
        open_transport: u32,
    },
    /// Version 7. A resident's card issued (or issued again) or revoked (挂失) at a
    /// desk. The district keeps the newest per centre and card and sends it to the
    /// centre's other devices as a `card` change, so a lost card stops on every kiosk
    /// of the centre.
    CardChanged {
        card: String,
        resident_id_number: String,
        revoked: bool,
    },
    /// Version 8. Two households of the centre found at a desk to be one family,
    /// merged: the removed household's members now belong to the kept one (sent as
    /// `resident_registered` just before), and each person registered twice is one
    /// person again. Everything the centre holds of an absorbed number (enrolments,
    /// attendance, volunteer hours, day care, cards) moves to its survivor, and the
    /// absorbed number leaves the registry.
    HouseholdsMerged {
        kept_household: String,
        removed_household: String,
        people: Vec<MergedPerson>,
    },
    /// Version 9. A household of the centre moved away: from that day it takes no new
    /// sign-ups at any of the centre's devices; its history is kept.
    HouseholdMovedAway {
        household_code: String,
        moved_away_on: NaiveDate,
        reason: String,
    },
}

/// One person registered twice, as a merge made them one: full ID numbers, like
/// `resident_registered`, since the district must find both.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergedPerson {
    pub absorbed: String,
    pub survivor: String,
}

/// The most people one merge names: two households' members, far below any real family.
pub const MAX_MERGED_PEOPLE: usize = 30;

/// Every `type` value this build understands, in declaration order.
pub const KNOWN_EVENT_TYPES: [&str; 23] = [
    "household_registered",
    "resident_registered",
    "enrolment_changed",
    "attendance_recorded",
    "shift_recorded",
    "shift_reviewed",
    "shift_corrected",
    "filing_changed",
    "ledger_recorded",
    "rating_submitted",
    "follow_up_changed",
    "seats_released",
    "volunteer_registered",
    "staff_changed",
    "payment_recorded",
    "day_care_recorded",
    "absence_reported",
    "pickup_list_changed",
    "meal_count_recorded",
    "day_care_closed",
    "card_changed",
    "households_merged",
    "household_moved_away",
];

impl EventPayload {
    /// The `type` tag this payload has on the wire.
    pub fn kind(&self) -> &'static str {
        match self {
            EventPayload::HouseholdRegistered { .. } => "household_registered",
            EventPayload::ResidentRegistered { .. } => "resident_registered",
            EventPayload::EnrolmentChanged { .. } => "enrolment_changed",
            EventPayload::AttendanceRecorded { .. } => "attendance_recorded",
            EventPayload::ShiftRecorded { .. } => "shift_recorded",
            EventPayload::ShiftReviewed { .. } => "shift_reviewed",
            EventPayload::ShiftCorrected { .. } => "shift_corrected",
            EventPayload::FilingChanged { .. } => "filing_changed",
            EventPayload::LedgerRecorded { .. } => "ledger_recorded",
            EventPayload::RatingSubmitted { .. } => "rating_submitted",
            EventPayload::FollowUpChanged { .. } => "follow_up_changed",
            EventPayload::SeatsReleased { .. } => "seats_released",
            EventPayload::VolunteerRegistered { .. } => "volunteer_registered",
            EventPayload::StaffChanged { .. } => "staff_changed",
            EventPayload::PaymentRecorded { .. } => "payment_recorded",
            EventPayload::DayCareRecorded { .. } => "day_care_recorded",
            EventPayload::AbsenceReported { .. } => "absence_reported",
            EventPayload::PickupListChanged { .. } => "pickup_list_changed",
            EventPayload::MealCountRecorded { .. } => "meal_count_recorded",
            EventPayload::DayCareClosed { .. } => "day_care_closed",
            EventPayload::CardChanged { .. } => "card_changed",
            EventPayload::HouseholdsMerged { .. } => "households_merged",
            EventPayload::HouseholdMovedAway { .. } => "household_moved_away",
        }
    }
}

/// What a text field may hold, with its longest length in characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextKind {
    /// One line: no control character at all.
    Line(usize),
    /// Free text (notes, reasons): line breaks and tabs allowed, no other control
    /// character.
    Text(usize),
}

/// Names and addresses people type: 50 and 200 characters, as on the kiosk's forms.
pub const MAX_NAME_CHARS: usize = 50;
pub const MAX_ADDRESS_CHARS: usize = 200;
/// Codes and ids (household codes, programme codes, event and record ids).
pub const MAX_CODE_CHARS: usize = 64;
/// Notes and reasons in a person's words.
pub const MAX_FREE_TEXT_CHARS: usize = 2_000;
/// Tags, skills and reason tags: each one short, and not too many of them.
pub const MAX_TAG_CHARS: usize = 40;
pub const MAX_TAGS: usize = 32;

/// One text field's check: present when required, within its length, and without
/// control or invisible characters. `field` is the wire name ("payload.name").
pub fn check_text(
    field: &str,
    value: &str,
    kind: TextKind,
    required: bool,
) -> Result<(), FieldError> {
    if required && value.trim().is_empty() {
        return Err(FieldError::new(
            field,
            "required",
            format!("{field}不能为空"),
            format!("{field} must not be empty"),
        ));
    }
    let (max, free) = match kind {
        TextKind::Line(max) => (max, false),
        TextKind::Text(max) => (max, true),
    };
    let length = value.chars().count();
    if length > max {
        return Err(FieldError::new(
            field,
            "too_long",
            format!("{field}有{length}个字，最多{max}个字"),
            format!("{field} has {length} characters; at most {max} are allowed"),
        ));
    }
    for (position, c) in value.chars().enumerate() {
        let allowed_break = free && matches!(c, '\n' | '\r' | '\t');
        if (c.is_control() && !allowed_break) || crate::text::is_invisible(c) {
            let code = format!("U+{:04X}", u32::from(c));
            let position = position + 1;
            return Err(FieldError::new(
                field,
                "invalid_character",
                format!("{field}的第{position}个字符是不可见的控制字符（{code}），请删去后重新输入"),
                format!("{field} holds an invisible control character ({code}) at position {position}; remove it and type the text again"),
            ));
        }
    }
    Ok(())
}

fn check_list(field: &str, values: &[String], max_chars: usize) -> Result<(), FieldError> {
    if values.len() > MAX_TAGS {
        return Err(FieldError::new(
            field,
            "too_many",
            format!("{field}有{}项，最多{MAX_TAGS}项", values.len()),
            format!(
                "{field} has {} entries; at most {MAX_TAGS} are allowed",
                values.len()
            ),
        ));
    }
    values
        .iter()
        .try_for_each(|value| check_text(field, value, TextKind::Line(max_chars), true))
}

impl EventPayload {
    /// Every text field of the event checked for presence (where required), length
    /// and characters, the first problem with the field it is in. The district applies
    /// no event that fails, and a device can check before it writes one.
    pub fn check_text_fields(&self) -> Result<(), FieldError> {
        use TextKind::{Line, Text};
        let code = Line(MAX_CODE_CHARS);
        let name = Line(MAX_NAME_CHARS);
        let free = Text(MAX_FREE_TEXT_CHARS);
        let text = |field: &str, value: &str, kind: TextKind, required: bool| {
            check_text(&format!("payload.{field}"), value, kind, required)
        };
        let optional = |field: &str, value: &Option<String>, kind: TextKind| {
            value
                .as_deref()
                .map_or(Ok(()), |v| text(field, v, kind, false))
        };
        let list = |field: &str, values: &[String]| {
            check_list(&format!("payload.{field}"), values, MAX_TAG_CHARS)
        };
        match self {
            EventPayload::HouseholdRegistered {
                household_code,
                address,
                community_code,
            } => {
                text("household_code", household_code, code, true)?;
                text("address", address, Line(MAX_ADDRESS_CHARS), true)?;
                text("community_code", community_code, code, false)
            }
            EventPayload::ResidentRegistered {
                household_code,
                id_number,
                name: person,
                phone,
                tags,
            } => {
                text("household_code", household_code, code, true)?;
                text("id_number", id_number, code, true)?;
                text("name", person, name, true)?;
                optional("phone", phone, Line(20))?;
                list("tags", tags)
            }
            EventPayload::EnrolmentChanged {
                enrolment_id,
                programme_code,
                resident_id_number,
                status,
                priority_sort_key,
                reason,
                ..
            } => {
                text("enrolment_id", enrolment_id, code, true)?;
                text("programme_code", programme_code, code, true)?;
                text("resident_id_number", resident_id_number, code, true)?;
                text("status", status, code, true)?;
                text("priority_sort_key", priority_sort_key, code, true)?;
                optional("reason", reason, free)
            }
            EventPayload::AttendanceRecorded {
                programme_code,
                resident_id_number,
                picked_up_by,
                ..
            } => {
                text("programme_code", programme_code, code, true)?;
                text("resident_id_number", resident_id_number, code, true)?;
                optional("picked_up_by", picked_up_by, Line(100))
            }
            EventPayload::ShiftRecorded {
                shift_id,
                volunteer_id_number,
                activity,
                status,
                ..
            } => {
                text("shift_id", shift_id, code, true)?;
                text("volunteer_id_number", volunteer_id_number, code, true)?;
                text("activity", activity, Line(100), true)?;
                text("status", status, code, true)
            }
            EventPayload::ShiftReviewed {
                shift_id,
                status,
                reviewer,
                note,
                ..
            } => {
                text("shift_id", shift_id, code, true)?;
                text("status", status, code, true)?;
                text("reviewer", reviewer, name, true)?;
                optional("note", note, free)
            }
            EventPayload::ShiftCorrected {
                correction_id,
                shift_id,
                volunteer_id_number,
                reason,
                by,
                ..
            } => {
                text("correction_id", correction_id, code, true)?;
                text("shift_id", shift_id, code, true)?;
                text("volunteer_id_number", volunteer_id_number, code, true)?;
                text("reason", reason, free, true)?;
                text("by", by, name, true)
            }
            EventPayload::FilingChanged {
                business_code,
                status,
                filing_number,
                by,
            } => {
                text("business_code", business_code, code, true)?;
                text("status", status, code, true)?;
                optional("filing_number", filing_number, code)?;
                text("by", by, name, true)
            }
            EventPayload::LedgerRecorded {
                business_code,
                month,
                ..
            } => {
                text("business_code", business_code, code, true)?;
                text("month", month, code, true)
            }
            EventPayload::RatingSubmitted {
                rating_id,
                service_ref,
                programme_code,
                reason_tags,
                ..
            } => {
                text("rating_id", rating_id, code, true)?;
                text("service_ref", service_ref, Line(2 * MAX_CODE_CHARS), true)?;
                text("programme_code", programme_code, code, true)?;
                list("reason_tags", reason_tags)
            }
            EventPayload::FollowUpChanged {
                rating_id,
                status,
                by,
                note,
                ..
            } => {
                text("rating_id", rating_id, code, true)?;
                text("status", status, code, true)?;
                optional("by", by, name)?;
                optional("note", note, free)
            }
            EventPayload::SeatsReleased { programme_code, .. } => {
                text("programme_code", programme_code, code, true)
            }
            EventPayload::VolunteerRegistered {
                volunteer_id_number,
                skills,
            } => {
                text("volunteer_id_number", volunteer_id_number, code, true)?;
                list("skills", skills)
            }
            EventPayload::StaffChanged {
                code: staff,
                name: person,
                roles,
                pin_hash,
                changed_by,
                ..
            } => {
                crate::staff::validate_staff_code("payload.code", staff)?;
                text("name", person, name, true)?;
                list("roles", roles)?;
                text("pin_hash", pin_hash, Line(255), true)?;
                crate::staff::validate_staff_code("payload.changed_by", changed_by)
            }
            EventPayload::PaymentRecorded {
                payment_id,
                programme_code,
                resident_id_number,
                period,
                kind,
                method,
                reference,
                reason,
                refunds,
                staff,
                ..
            } => {
                text("payment_id", payment_id, code, true)?;
                text("programme_code", programme_code, code, true)?;
                text("resident_id_number", resident_id_number, code, true)?;
                text("period", period, code, true)?;
                text("kind", kind, code, true)?;
                text("method", method, code, true)?;
                optional("reference", reference, Line(crate::fees::REFERENCE_CHARS))?;
                optional("reason", reason, free)?;
                optional("refunds", refunds, code)?;
                crate::staff::validate_staff_code("payload.staff", staff)
            }
            EventPayload::DayCareRecorded {
                programme_code,
                resident_id_number,
                absence_reason,
                ..
            } => {
                text("programme_code", programme_code, code, true)?;
                text("resident_id_number", resident_id_number, code, true)?;
                optional("absence_reason", absence_reason, free)
            }
            EventPayload::AbsenceReported {
                programme_code,
                resident_id_number,
                part,
                reason,
                ..
            } => {
                text("programme_code", programme_code, code, true)?;
                text("resident_id_number", resident_id_number, code, true)?;
                text("part", part, code, true)?;
                text("reason", reason, code, true)
            }
            EventPayload::PickupListChanged { authorisation } => {
                text("authorisation.child", &authorisation.child, code, true)?;
                if authorisation.adults.len() > MAX_PICKUP_ADULTS {
                    return Err(FieldError::new(
                        "payload.authorisation.adults",
                        "too_many",
                        format!("接送名单最多{MAX_PICKUP_ADULTS}人"),
                        format!("a pickup list names at most {MAX_PICKUP_ADULTS} adults"),
                    ));
                }
                authorisation.adults.iter().try_for_each(|adult| {
                    text("authorisation.adults.name", &adult.name, name, true)?;
                    text("authorisation.adults.relation", &adult.relation, code, true)?;
                    optional("authorisation.adults.id_number", &adult.id_number, code)?;
                    optional("authorisation.adults.card_code", &adult.card_code, code)
                })
            }
            EventPayload::MealCountRecorded {
                programme_code,
                served,
                expected,
                ..
            } => {
                text("programme_code", programme_code, code, true)?;
                for (field, value) in [("served", served), ("expected", expected)] {
                    if *value > MAX_MEALS_SERVED {
                        return Err(FieldError::new(
                            format!("payload.{field}"),
                            "out_of_range",
                            format!("用餐份数最多{MAX_MEALS_SERVED}，现为{value}"),
                            format!("a meal count is at most {MAX_MEALS_SERVED}; this is {value}"),
                        ));
                    }
                }
                Ok(())
            }
            EventPayload::DayCareClosed {
                programme_code,
                closed_by,
                reason,
                open_transport,
                ..
            } => {
                text("programme_code", programme_code, code, true)?;
                crate::staff::validate_staff_code("payload.closed_by", closed_by)?;
                optional("reason", reason, free)?;
                if *open_transport > 0 && reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
                    return Err(FieldError::new(
                        "payload.reason",
                        "required",
                        "有人未送达时结束当天须写明原因",
                        "a day closed with members not dropped off needs its reason",
                    ));
                }
                Ok(())
            }
            EventPayload::CardChanged {
                card,
                resident_id_number,
                ..
            } => {
                text("card", card, code, true)?;
                text("resident_id_number", resident_id_number, code, true)
            }
            EventPayload::HouseholdMovedAway {
                household_code,
                reason,
                ..
            } => {
                text("household_code", household_code, code, true)?;
                text("reason", reason, TextKind::Text(MAX_FREE_TEXT_CHARS), true)
            }
            EventPayload::HouseholdsMerged {
                kept_household,
                removed_household,
                people,
            } => {
                text("kept_household", kept_household, code, true)?;
                text("removed_household", removed_household, code, true)?;
                if kept_household == removed_household {
                    return Err(FieldError::new(
                        "payload.removed_household",
                        "same_household",
                        "不能把一户并入它自己",
                        "a household cannot be merged into itself",
                    ));
                }
                if people.is_empty() || people.len() > MAX_MERGED_PEOPLE {
                    return Err(FieldError::new(
                        "payload.people",
                        "invalid_count",
                        format!("合并须写明1至{MAX_MERGED_PEOPLE}人"),
                        format!("a merge names 1 to {MAX_MERGED_PEOPLE} people"),
                    ));
                }
                for person in people {
                    text("people.absorbed", &person.absorbed, code, true)?;
                    text("people.survivor", &person.survivor, code, true)?;
                    if person.absorbed == person.survivor {
                        return Err(FieldError::new(
                            "payload.people.survivor",
                            "same_person",
                            "合并前后的身份证号相同",
                            "the absorbed and surviving ID numbers are the same",
                        ));
                    }
                }
                Ok(())
            }
        }
    }
}

impl OutboxEvent {
    /// A new event in the current schema.
    pub fn new(
        event_id: impl Into<String>,
        device_id: impl Into<String>,
        centre_code: impl Into<String>,
        occurred_at: NaiveDateTime,
        payload: EventPayload,
    ) -> OutboxEvent {
        OutboxEvent {
            schema_version: PROTOCOL_VERSION,
            event_id: event_id.into(),
            device_id: device_id.into(),
            centre_code: centre_code.into(),
            occurred_at,
            payload,
        }
    }

    /// The payload's `type` tag, e.g. "attendance_recorded" (for logs and database columns).
    pub fn kind(&self) -> &'static str {
        self.payload.kind()
    }

    pub fn to_json(&self) -> String {
        // Serialising these plain structs cannot fail: every map key is a string.
        serde_json::to_string(self).expect("outbox events always serialise")
    }

    /// Reads an event, refusing one written by a newer schema or of an unknown type
    /// with a message that says so, rather than misreading it.
    pub fn from_json(json: &str) -> Result<OutboxEvent, FieldError> {
        let value: serde_json::Value = serde_json::from_str(json).map_err(|error| {
            FieldError::new(
                "event",
                "malformed_event",
                format!("待同步事件不是有效的JSON：{error}"),
                format!("The outbox event is not valid JSON: {error}"),
            )
        })?;
        OutboxEvent::from_value(value)
    }

    /// [`OutboxEvent::from_json`] for an event already parsed (the district reads a
    /// whole batch at once and must not parse each event twice).
    pub fn from_value(mut value: serde_json::Value) -> Result<OutboxEvent, FieldError> {
        crate::wire::integral_numbers(&mut value);
        let version = value
            .get("schema_version")
            .and_then(serde_json::Value::as_u64)
            .ok_or_else(|| {
                FieldError::new(
                    "schema_version",
                    "missing_schema_version",
                    "待同步事件缺少版本号（schema_version）",
                    "The outbox event has no schema_version",
                )
            })?;
        if version == 0 || version > u64::from(PROTOCOL_VERSION) {
            return Err(FieldError::new(
                "schema_version",
                "unsupported_schema_version",
                format!(
                    "待同步事件的版本为{version}，本程序只支持1至{PROTOCOL_VERSION}版，请先升级程序"
                ),
                format!(
                    "The outbox event has schema version {version}; this software reads versions 1 to {PROTOCOL_VERSION}. Upgrade it first."
                ),
            ));
        }
        let kind = value
            .get("payload")
            .and_then(|payload| payload.get("type"))
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| {
                FieldError::new(
                    "payload.type",
                    "missing_event_type",
                    "待同步事件缺少类型（payload.type）",
                    "The outbox event has no payload type",
                )
            })?;
        if !KNOWN_EVENT_TYPES.contains(&kind.as_str()) {
            return Err(FieldError::new(
                "payload.type",
                "unknown_event_type",
                format!("未知的事件类型“{kind}”，本程序无法处理，请先升级程序"),
                format!("Unknown event type \"{kind}\"; this software cannot apply it. Upgrade it first."),
            ));
        }
        serde_json::from_value(value).map_err(|error| {
            FieldError::new(
                "event",
                "malformed_event",
                format!("“{kind}”事件内容不完整或格式错误：{error}"),
                format!("The \"{kind}\" event is incomplete or malformed: {error}"),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
    }

    fn one_of_each() -> Vec<EventPayload> {
        vec![
            EventPayload::HouseholdRegistered {
                household_code: "H-0001".into(),
                address: "宝安区新安街道海滨社区1栋101".into(),
                community_code: "440306001001".into(),
            },
            EventPayload::ResidentRegistered {
                household_code: "H-0001".into(),
                id_number: "11010519491231002X".into(),
                name: "张三".into(),
                phone: Some("13800138000".into()),
                tags: vec!["elderly_60".into()],
            },
            EventPayload::EnrolmentChanged {
                enrolment_id: "E-1".into(),
                programme_code: "ASC-2026A".into(),
                resident_id_number: "11010519491231002X".into(),
                status: "offered".into(),
                priority_sort_key: "0001-0-20260901T0800-0000000001".into(),
                offer_deadline: Some(at("2026-09-03 18:00")),
                reason: None,
            },
            EventPayload::AttendanceRecorded {
                programme_code: "ASC-2026A".into(),
                session_date: NaiveDate::from_ymd_opt(2026, 9, 7).unwrap(),
                resident_id_number: "11010519491231002X".into(),
                kind: AttendanceEventKind::CheckOut,
                at: at("2026-09-07 18:05"),
                picked_up_by: Some("李四 (母亲)".into()),
                left_alone: false,
            },
            EventPayload::ShiftRecorded {
                shift_id: "S-1".into(),
                volunteer_id_number: "11010519491231002X".into(),
                activity: "长者探访".into(),
                clock_in: at("2026-09-07 09:00"),
                clock_out: Some(at("2026-09-07 11:00")),
                minutes: 120,
                status: "pending".into(),
            },
            EventPayload::ShiftReviewed {
                shift_id: "S-1".into(),
                status: "approved".into(),
                reviewer: "SW-01".into(),
                note: None,
                confirmed_clock_out: None,
                minutes: 120,
            },
            EventPayload::ShiftCorrected {
                correction_id: "C-1".into(),
                shift_id: "S-1".into(),
                volunteer_id_number: "11010519491231002X".into(),
                corrected_minutes: 90,
                reason: "签退时间登记错误".into(),
                by: "SW-01".into(),
            },
            EventPayload::FilingChanged {
                business_code: "B-1".into(),
                status: "filed".into(),
                filing_number: Some("备案-440306-2026-0001".into()),
                by: "WS-02".into(),
            },
            EventPayload::LedgerRecorded {
                business_code: "B-1".into(),
                month: "2026-10".into(),
                revenue_fen: 1_234_500,
                cost_fen: 1_300_000,
            },
            EventPayload::RatingSubmitted {
                rating_id: "R-1".into(),
                service_ref: "ASC-2026A/2026-09-07".into(),
                programme_code: "ASC-2026A".into(),
                level: 2,
                reason_tags: vec!["waiting_time".into()],
            },
            EventPayload::FollowUpChanged {
                rating_id: "R-1".into(),
                status: "open".into(),
                due: NaiveDate::from_ymd_opt(2026, 9, 10).unwrap(),
                by: None,
                note: None,
            },
            EventPayload::SeatsReleased {
                programme_code: "ASC-2026A".into(),
                count: 1,
                released_total: 3,
            },
            EventPayload::VolunteerRegistered {
                volunteer_id_number: "11010519491231002X".into(),
                skills: vec!["tutoring".into()],
            },
            EventPayload::StaffChanged {
                code: "S004".into(),
                name: "王芳".into(),
                roles: vec!["front_desk".into()],
                pin_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA"
                    .into(),
                must_change_pin: true,
                disabled: false,
                changed_by: "S003".into(),
            },
            EventPayload::PaymentRecorded {
                payment_id: "P-1".into(),
                programme_code: "day-care".into(),
                resident_id_number: "11010519491231002X".into(),
                period: "2026-11".into(),
                kind: "refund".into(),
                amount_fen: 5_000,
                method: "reference".into(),
                reference: Some("4200001234".into()),
                reason: Some("月中退出".into()),
                refunds: Some("P-0".into()),
                staff: "S001".into(),
            },
            EventPayload::DayCareRecorded {
                programme_code: "day-care".into(),
                session_date: NaiveDate::from_ymd_opt(2026, 9, 7).unwrap(),
                resident_id_number: "11010519491231002X".into(),
                breakfast: false,
                lunch: true,
                transport: true,
                picked_up_at: Some(at("2026-09-07 08:05")),
                dropped_off_at: None,
                absence_reason: None,
            },
            EventPayload::AbsenceReported {
                programme_code: "lunch-care".into(),
                resident_id_number: "11010519491231002X".into(),
                date: NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
                part: "whole_day".into(),
                reason: "ill".into(),
                withdrawn: false,
            },
            EventPayload::PickupListChanged {
                authorisation: crate::pickup::PickupAuthorisation {
                    child: "11010520150307002X".into(),
                    adults: vec![crate::pickup::PickupAdult {
                        name: "李娜".into(),
                        relation: "母亲".into(),
                        id_number: None,
                        card_code: None,
                        must_not_collect: false,
                        valid_from: None,
                        valid_until: NaiveDate::from_ymd_opt(2027, 1, 31),
                    }],
                    may_leave_alone: false,
                },
            },
            EventPayload::MealCountRecorded {
                programme_code: "lunch-care".into(),
                date: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
                served: 21,
                expected: 19,
                above_attendance: true,
            },
            EventPayload::DayCareClosed {
                programme_code: "day-care".into(),
                session_date: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
                closed_by: "S001".into(),
                reason: Some("家属在车站接走".into()),
                open_transport: 1,
            },
            EventPayload::CardChanged {
                card: "88001234".into(),
                resident_id_number: "11010519491231002X".into(),
                revoked: true,
            },
            EventPayload::HouseholdsMerged {
                kept_household: "H0001".into(),
                removed_household: "D20261203-01".into(),
                people: vec![MergedPerson {
                    absorbed: "110105198001010016".into(),
                    survivor: "11010519491231002X".into(),
                }],
            },
            EventPayload::HouseholdMovedAway {
                household_code: "H-0001".into(),
                moved_away_on: NaiveDate::from_ymd_opt(2026, 12, 4).unwrap(),
                reason: "搬到外区".into(),
            },
        ]
    }

    #[test]
    fn every_payload_round_trips_through_json_with_its_type_tag() {
        let payloads = one_of_each();
        assert_eq!(payloads.len(), KNOWN_EVENT_TYPES.len());
        for (index, payload) in payloads.into_iter().enumerate() {
            let event = OutboxEvent::new(
                format!("evt-{index}"),
                "kiosk-01",
                "440306001",
                at("2026-09-07 18:05"),
                payload,
            );
            assert_eq!(event.schema_version, PROTOCOL_VERSION);
            assert_eq!(event.kind(), KNOWN_EVENT_TYPES[index]);
            let json = event.to_json();
            let value: serde_json::Value = serde_json::from_str(&json).unwrap();
            assert_eq!(value["payload"]["type"], event.kind());
            assert_eq!(OutboxEvent::from_json(&json).unwrap(), event);
        }
    }

    #[test]
    fn every_text_field_is_checked_for_length_and_characters() {
        for payload in one_of_each() {
            assert_eq!(payload.check_text_fields(), Ok(()), "{payload:?}");
        }
        let resident = |name: &str| EventPayload::ResidentRegistered {
            household_code: "H-0001".into(),
            id_number: "11010519491231002X".into(),
            name: name.into(),
            phone: None,
            tags: vec![],
        };
        let error = resident("张\u{7}三").check_text_fields().unwrap_err();
        assert_eq!(error.field, "payload.name");
        assert_eq!(error.code, "invalid_character");
        assert!(error.message.en.contains("U+0007"), "{error:?}");
        assert!(error.message.zh.contains("第2个字符"), "{error:?}");
        // A right-to-left override shows a name other than it is: refused too.
        let error = resident("张\u{202E}三").check_text_fields().unwrap_err();
        assert_eq!(error.code, "invalid_character");
        assert_eq!(
            resident(" ").check_text_fields().unwrap_err().code,
            "required"
        );
        assert_eq!(
            resident(&"张".repeat(MAX_NAME_CHARS)).check_text_fields(),
            Ok(())
        );
        let error = resident(&"张".repeat(MAX_NAME_CHARS + 1))
            .check_text_fields()
            .unwrap_err();
        assert_eq!(
            (error.field.as_str(), error.code.as_str()),
            ("payload.name", "too_long")
        );
        // Free text keeps its line breaks; a one-line field does not take them.
        let review = |note: &str| EventPayload::ShiftReviewed {
            shift_id: "S-1".into(),
            status: "approved".into(),
            reviewer: "SW-01".into(),
            note: Some(note.into()),
            confirmed_clock_out: None,
            minutes: 0,
        };
        assert_eq!(review("第一行\n第二行").check_text_fields(), Ok(()));
        assert_eq!(
            review(&"字".repeat(MAX_FREE_TEXT_CHARS + 1))
                .check_text_fields()
                .unwrap_err()
                .field,
            "payload.note"
        );
        let household = EventPayload::HouseholdRegistered {
            household_code: "H-1".into(),
            address: "1栋\n101".into(),
            community_code: String::new(),
        };
        assert_eq!(
            household.check_text_fields().unwrap_err().field,
            "payload.address"
        );
        let tags = EventPayload::VolunteerRegistered {
            volunteer_id_number: "11010519491231002X".into(),
            skills: vec!["辅导".into(); MAX_TAGS + 1],
        };
        assert_eq!(tags.check_text_fields().unwrap_err().code, "too_many");
    }

    #[test]
    fn wire_format_is_stable() {
        let event = OutboxEvent::new(
            "evt-1",
            "kiosk-01",
            "440306001",
            at("2026-10-31 17:00"),
            EventPayload::LedgerRecorded {
                business_code: "B-1".into(),
                month: "2026-10".into(),
                revenue_fen: 100,
                cost_fen: 40,
            },
        );
        assert_eq!(
            event.to_json(),
            r#"{"schema_version":9,"event_id":"evt-1","device_id":"kiosk-01","centre_code":"440306001","occurred_at":"2026-10-31T17:00:00","payload":{"type":"ledger_recorded","business_code":"B-1","month":"2026-10","revenue_fen":100,"cost_fen":40}}"#
        );
    }

    #[test]
    fn an_unknown_event_type_is_refused_with_its_name() {
        let json = r#"{"schema_version":1,"event_id":"e","device_id":"d","centre_code":"c","occurred_at":"2026-10-31T17:00:00","payload":{"type":"parcel_received","parcel":"P-1"}}"#;
        let error = OutboxEvent::from_json(json).unwrap_err();
        assert_eq!(error.code, "unknown_event_type");
        assert_eq!(error.field, "payload.type");
        assert!(error.message.zh.contains("parcel_received"));
        assert!(error.message.en.contains("parcel_received"));
    }

    #[test]
    fn an_event_from_a_newer_schema_is_refused_even_if_it_would_parse() {
        let event = OutboxEvent::new(
            "evt-1",
            "kiosk-01",
            "440306001",
            at("2026-10-31 17:00"),
            EventPayload::LedgerRecorded {
                business_code: "B-1".into(),
                month: "2026-10".into(),
                revenue_fen: 100,
                cost_fen: 40,
            },
        );
        let newer = event
            .to_json()
            .replace("\"schema_version\":9", "\"schema_version\":10");
        let error = OutboxEvent::from_json(&newer).unwrap_err();
        assert_eq!(error.code, "unsupported_schema_version");
        assert!(error.message.en.contains("schema version 10"));
    }

    #[test]
    fn a_known_type_with_missing_fields_is_refused_as_malformed() {
        let json = r#"{"schema_version":1,"event_id":"e","device_id":"d","centre_code":"c","occurred_at":"2026-10-31T17:00:00","payload":{"type":"ledger_recorded","business_code":"B-1"}}"#;
        let error = OutboxEvent::from_json(json).unwrap_err();
        assert_eq!(error.code, "malformed_event");
        assert!(error.message.en.contains("ledger_recorded"));
    }

    #[test]
    fn an_event_without_a_schema_version_is_refused() {
        let json = r#"{"event_id":"e","device_id":"d","centre_code":"c","occurred_at":"2026-10-31T17:00:00","payload":{"type":"ledger_recorded","business_code":"B-1","month":"2026-10","revenue_fen":1,"cost_fen":1}}"#;
        assert_eq!(
            OutboxEvent::from_json(json).unwrap_err().code,
            "missing_schema_version"
        );
    }
}
