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
pub const PROTOCOL_VERSION: u16 = 2;

/// One change recorded on a device, waiting to be sent to the district.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEvent {
    pub schema_version: u16,
    /// Globally unique (uuid v7 / ulid made by the caller); the district's idempotency key.
    pub event_id: String,
    pub device_id: String,
    pub centre_code: String,
    /// When the change happened on the device, Asia/Shanghai local time.
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
        offer_deadline: Option<NaiveDateTime>,
        reason: Option<String>,
    },
    AttendanceRecorded {
        programme_code: String,
        session_date: NaiveDate,
        resident_id_number: String,
        kind: AttendanceEventKind,
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
        clock_in: NaiveDateTime,
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
        #[serde(default)]
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
}

/// Every `type` value this build understands, in declaration order.
pub const KNOWN_EVENT_TYPES: [&str; 13] = [
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
    pub fn from_value(value: serde_json::Value) -> Result<OutboxEvent, FieldError> {
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
            r#"{"schema_version":2,"event_id":"evt-1","device_id":"kiosk-01","centre_code":"440306001","occurred_at":"2026-10-31T17:00:00","payload":{"type":"ledger_recorded","business_code":"B-1","month":"2026-10","revenue_fen":100,"cost_fen":40}}"#
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
            .replace("\"schema_version\":2", "\"schema_version\":3");
        let error = OutboxEvent::from_json(&newer).unwrap_err();
        assert_eq!(error.code, "unsupported_schema_version");
        assert!(error.message.en.contains("schema version 3"));
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
