//! Attendance (考勤): check-in and check-out per session, and who may take a child home.
//!
//! A session is one programme on one date (`programme_code` + `session_date`). Each
//! person has one `Attendance` per session: absent, checked in, checked out. A second
//! check-in, or a check-out without a check-in, is refused rather than silently ignored,
//! because the roll is what staff rely on to know who is in the building.
//!
//! Children leave only with an adult on their `PickupAuthorisation` list. An adult
//! flagged `must_not_collect` (for example a parent under a court order) is refused
//! with a message telling staff to keep the child and call the social worker. A child
//! of `MIN_AGE_TO_LEAVE_ALONE` (12) or over may leave alone only if the guardian gave
//! written consent (`may_leave_alone`). Twelve is the age the brief names; it is also
//! the age most Shenzhen after-school programmes use for 自行离校 consent forms.
//! Elderly day care and adult activities check out without a pickup.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::outbox::{AttendanceEventKind, EventPayload};
pub use crate::pickup::{PickupAdult, PickupAuthorisation};
use crate::{FieldError, Text};

/// A child this old or older may leave alone, if and only if the guardian consented in writing.
pub const MIN_AGE_TO_LEAVE_ALONE: u32 = 12;

/// Refusal codes (`FieldError::code`) the kiosk may react to specially.
pub const ALREADY_CHECKED_IN: &str = "already_checked_in";
pub const ALREADY_CHECKED_OUT: &str = "already_checked_out";
pub const NOT_CHECKED_IN: &str = "not_checked_in";
pub const WRONG_SESSION_DATE: &str = "wrong_session_date";
pub const BEFORE_CHECK_IN: &str = "before_check_in";
pub const WRONG_PICKUP_LIST: &str = "wrong_pickup_list";
/// The kiosk should raise this loudly: a person who must not collect the child is at the desk.
pub const MUST_NOT_COLLECT: &str = "must_not_collect";
pub const NOT_AUTHORISED: &str = "not_authorised";
/// On the list, but the guardian's dates for this adult do not include today.
pub const PICKUP_NOT_VALID_TODAY: &str = "pickup_not_valid_today";

/// Minutes after a session's end before a child still here is a late pickup (晚接):
/// long enough for a parent held up at a crossing, short enough that the desk starts
/// calling while the building is still staffed.
pub const LATE_PICKUP_GRACE_MINUTES: i64 = 15;
pub const MAY_NOT_LEAVE_ALONE: &str = "may_not_leave_alone";

/// Who is at the desk to take a child home.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Collector {
    /// An adult who showed their ID card (typed or read by the card reader).
    IdNumber(String),
    /// An adult who showed a pickup card.
    CardCode(String),
    /// The adult staff picked from the child's list on screen, by name and relation
    /// (the list a guardian set: an adult with no ID number recorded is still on it).
    Listed { name: String, relation: String },
    /// The child is leaving on their own.
    Alone,
}

/// How a person left.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Departure {
    /// Elderly day care or an adult activity: no pickup needed.
    OnTheirOwn,
    /// A child of 12 or over leaving alone with the guardian's written consent.
    AloneWithConsent,
    /// A child collected by an authorised adult.
    CollectedBy { name: String, relation: String },
}

impl Departure {
    /// For the outbox and reports: "name (relation)".
    pub fn picked_up_by(&self) -> Option<String> {
        match self {
            Departure::CollectedBy { name, relation } => Some(format!("{name} ({relation})")),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum AttendanceState {
    Absent,
    CheckedIn {
        at: NaiveDateTime,
    },
    CheckedOut {
        checked_in_at: NaiveDateTime,
        at: NaiveDateTime,
        departure: Departure,
    },
}

/// What the check-out needs to know about the person leaving.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Leaving<'a> {
    /// Elderly day care or an adult activity: they leave when they like.
    Unaccompanied,
    /// A child: leaves only with an authorised adult, or alone with consent from age 12.
    Child {
        age: u32,
        authorisation: &'a PickupAuthorisation,
        collector: &'a Collector,
    },
}

/// One person's attendance at one session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attendance {
    pub programme_code: String,
    pub session_date: NaiveDate,
    pub resident_id_number: String,
    pub state: AttendanceState,
}

impl Attendance {
    /// A person on the roll who has not arrived yet.
    pub fn new(
        programme_code: impl Into<String>,
        session_date: NaiveDate,
        resident_id_number: impl Into<String>,
    ) -> Attendance {
        Attendance {
            programme_code: programme_code.into(),
            session_date,
            resident_id_number: resident_id_number.into(),
            state: AttendanceState::Absent,
        }
    }

    pub fn is_present(&self) -> bool {
        matches!(self.state, AttendanceState::CheckedIn { .. })
    }

    /// Arrived at all this session (still here or already gone): what meals and
    /// attendance reports count.
    pub fn attended(&self) -> bool {
        !matches!(self.state, AttendanceState::Absent)
    }

    pub fn check_in(&mut self, at: NaiveDateTime) -> Result<(), FieldError> {
        if at.date() != self.session_date {
            return Err(wrong_date(self.session_date, at));
        }
        match &self.state {
            AttendanceState::Absent => {
                self.state = AttendanceState::CheckedIn { at };
                Ok(())
            }
            AttendanceState::CheckedIn { at: earlier } => Err(FieldError::new(
                "attendance",
                ALREADY_CHECKED_IN,
                format!("已于{}签到，无需重复签到", earlier.format("%H:%M")),
                format!("Already checked in at {}", earlier.format("%H:%M")),
            )),
            AttendanceState::CheckedOut { at: left, .. } => Err(FieldError::new(
                "attendance",
                ALREADY_CHECKED_OUT,
                format!("本场次已于{}签退，不能再次签到", left.format("%H:%M")),
                format!(
                    "Already checked out of this session at {}; cannot check in again",
                    left.format("%H:%M")
                ),
            )),
        }
    }

    /// Records the departure, or refuses it with a message for staff. Nothing changes on refusal.
    pub fn check_out(
        &mut self,
        at: NaiveDateTime,
        leaving: Leaving<'_>,
    ) -> Result<Departure, FieldError> {
        let checked_in_at = match &self.state {
            AttendanceState::CheckedIn { at } => *at,
            AttendanceState::Absent => {
                return Err(FieldError::new(
                    "attendance",
                    NOT_CHECKED_IN,
                    "尚未签到，不能签退",
                    "Not checked in yet, so cannot check out",
                ))
            }
            AttendanceState::CheckedOut { at: left, .. } => {
                return Err(FieldError::new(
                    "attendance",
                    ALREADY_CHECKED_OUT,
                    format!("已于{}签退", left.format("%H:%M")),
                    format!("Already checked out at {}", left.format("%H:%M")),
                ))
            }
        };
        if at < checked_in_at {
            return Err(FieldError::new(
                "at",
                BEFORE_CHECK_IN,
                format!(
                    "签退时间{}早于签到时间{}",
                    at.format("%H:%M"),
                    checked_in_at.format("%H:%M")
                ),
                format!(
                    "Check-out time {} is before the check-in time {}",
                    at.format("%H:%M"),
                    checked_in_at.format("%H:%M")
                ),
            ));
        }
        let departure = match leaving {
            Leaving::Unaccompanied => Departure::OnTheirOwn,
            Leaving::Child {
                age,
                authorisation,
                collector,
            } => {
                if !same_id(&authorisation.child, &self.resident_id_number) {
                    return Err(FieldError::new(
                        "authorisation",
                        WRONG_PICKUP_LIST,
                        "接送名单不属于这个孩子，请核对",
                        "This pickup list belongs to a different child; please check",
                    ));
                }
                decide_pickup(at.date(), age, authorisation, collector)?
            }
        };
        self.state = AttendanceState::CheckedOut {
            checked_in_at,
            at,
            departure: departure.clone(),
        };
        Ok(departure)
    }

    /// The outbox record of the latest change (None while absent).
    pub fn to_event(&self) -> Option<EventPayload> {
        let (kind, at, departure) = match &self.state {
            AttendanceState::Absent => return None,
            AttendanceState::CheckedIn { at } => (AttendanceEventKind::CheckIn, *at, None),
            AttendanceState::CheckedOut { at, departure, .. } => {
                (AttendanceEventKind::CheckOut, *at, Some(departure))
            }
        };
        Some(EventPayload::AttendanceRecorded {
            programme_code: self.programme_code.clone(),
            session_date: self.session_date,
            resident_id_number: self.resident_id_number.clone(),
            kind,
            at,
            picked_up_by: departure.and_then(Departure::picked_up_by),
            left_alone: departure == Some(&Departure::AloneWithConsent),
        })
    }
}

/// ID numbers compare without regard to spaces or a lower-case check character x.
fn same_id(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

fn wrong_date(session_date: NaiveDate, at: NaiveDateTime) -> FieldError {
    FieldError::new(
        "at",
        WRONG_SESSION_DATE,
        format!(
            "时间{}不在本场次日期{}内",
            at.format("%Y-%m-%d %H:%M"),
            session_date.format("%Y-%m-%d")
        ),
        format!(
            "Time {} is not on this session's date {}",
            at.format("%Y-%m-%d %H:%M"),
            session_date.format("%Y-%m-%d")
        ),
    )
}

fn decide_pickup(
    date: NaiveDate,
    age: u32,
    authorisation: &PickupAuthorisation,
    collector: &Collector,
) -> Result<Departure, FieldError> {
    let adult = match collector {
        Collector::Alone => {
            if age >= MIN_AGE_TO_LEAVE_ALONE && authorisation.may_leave_alone {
                return Ok(Departure::AloneWithConsent);
            }
            let (zh, en) = if age < MIN_AGE_TO_LEAVE_ALONE {
                (
                    format!("孩子未满{MIN_AGE_TO_LEAVE_ALONE}周岁，须由授权的成年人接送，不能独自离开"),
                    format!("Children under {MIN_AGE_TO_LEAVE_ALONE} must be collected by an authorised adult and cannot leave alone"),
                )
            } else {
                (
                    "监护人未签署书面同意，孩子不能独自离开，须由授权的成年人接送".to_string(),
                    "The guardian has not given written consent for the child to leave alone; an authorised adult must collect them".to_string(),
                )
            };
            return Err(FieldError::new("collector", MAY_NOT_LEAVE_ALONE, zh, en));
        }
        Collector::IdNumber(id) => authorisation.adults.iter().find(|adult| {
            adult
                .id_number
                .as_deref()
                .is_some_and(|known| same_id(known, id))
        }),
        Collector::CardCode(code) => authorisation.adults.iter().find(|adult| {
            adult
                .card_code
                .as_deref()
                .is_some_and(|known| known.trim() == code.trim())
        }),
        Collector::Listed { name, relation } => authorisation
            .adults
            .iter()
            .find(|adult| adult.name == *name && adult.relation == *relation),
    };
    match adult {
        Some(adult) if adult.must_not_collect => Err(FieldError::new(
            "collector",
            MUST_NOT_COLLECT,
            format!(
                "{}（{}）不得接走这个孩子。请留住孩子，不要交给此人，并立即联系社工",
                adult.name, adult.relation
            ),
            format!(
                "{} ({}) must not collect this child. Keep the child here, do not hand them over, and call the social worker now",
                adult.name, adult.relation
            ),
        )),
        Some(adult) if !adult.covers(date) => Err(FieldError::new(
            "collector",
            PICKUP_NOT_VALID_TODAY,
            format!(
                "{}（{}）今天不在授权接送的日期内（{}），不能接走孩子。请联系监护人核实",
                adult.name,
                adult.relation,
                validity_text(adult).zh
            ),
            format!(
                "{} ({}) is not authorised to collect the child today ({}). Please contact the guardian",
                adult.name,
                adult.relation,
                validity_text(adult).en
            ),
        )),
        Some(adult) => Ok(Departure::CollectedBy {
            name: adult.name.clone(),
            relation: adult.relation.clone(),
        }),
        None => Err(FieldError::new(
            "collector",
            NOT_AUTHORISED,
            "此人不在孩子的授权接送名单上，不能接走孩子。请联系监护人核实",
            "This person is not on the child's pickup list and cannot collect the child. Please contact the guardian",
        )),
    }
}

/// "2026-09-01 起" / "from 2026-09-01", "至 2026-12-31" / "until 2026-12-31", both, or
/// "长期" / "no end date".
pub fn validity_text(adult: &PickupAdult) -> Text {
    match (adult.valid_from, adult.valid_until) {
        (None, None) => Text::new("长期有效", "no end date"),
        (Some(from), None) => Text::new(format!("{from} 起"), format!("from {from}")),
        (None, Some(until)) => Text::new(format!("至 {until}"), format!("until {until}")),
        (Some(from), Some(until)) => {
            Text::new(format!("{from} 至 {until}"), format!("{from} to {until}"))
        }
    }
}

/// Meals to serve for one session: everyone who checked in (present or already left),
/// because lunch-care children who go home early have still been fed or catered for.
pub fn meal_count(records: &[Attendance], programme_code: &str, session_date: NaiveDate) -> u32 {
    records
        .iter()
        .filter(|record| {
            record.programme_code == programme_code
                && record.session_date == session_date
                && record.attended()
        })
        .count() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHILD: &str = "44030620180512002X";

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 9, 7).unwrap()
    }

    fn at(hour: u32, minute: u32) -> NaiveDateTime {
        day().and_hms_opt(hour, minute, 0).unwrap()
    }

    fn pickup_list(may_leave_alone: bool) -> PickupAuthorisation {
        PickupAuthorisation {
            child: CHILD.into(),
            may_leave_alone,
            adults: vec![
                PickupAdult {
                    name: "李梅".into(),
                    relation: "母亲".into(),
                    id_number: Some("44030619880101002x".into()),
                    card_code: Some("CARD-7".into()),
                    must_not_collect: false,
                    valid_from: None,
                    valid_until: None,
                },
                PickupAdult {
                    name: "王强".into(),
                    relation: "父亲".into(),
                    id_number: Some("440306198501010011".into()),
                    card_code: None,
                    must_not_collect: true,
                    valid_from: None,
                    valid_until: None,
                },
            ],
        }
    }

    fn checked_in_child() -> Attendance {
        let mut attendance = Attendance::new("ASC-2026A", day(), CHILD);
        attendance.check_in(at(16, 30)).unwrap();
        attendance
    }

    #[test]
    fn double_check_in_is_refused_and_keeps_the_first_time() {
        let mut attendance = checked_in_child();
        let error = attendance.check_in(at(16, 45)).unwrap_err();
        assert_eq!(error.code, ALREADY_CHECKED_IN);
        assert!(error.message.zh.contains("16:30"));
        assert_eq!(
            attendance.state,
            AttendanceState::CheckedIn { at: at(16, 30) }
        );
    }

    #[test]
    fn check_out_before_check_in_is_refused() {
        let mut attendance = Attendance::new("DAY-1", day(), "110105194912310021");
        let error = attendance
            .check_out(at(17, 0), Leaving::Unaccompanied)
            .unwrap_err();
        assert_eq!(error.code, NOT_CHECKED_IN);
        assert_eq!(attendance.state, AttendanceState::Absent);
    }

    #[test]
    fn a_check_out_time_earlier_than_check_in_is_refused() {
        let mut attendance = Attendance::new("DAY-1", day(), "110105194912310021");
        attendance.check_in(at(9, 0)).unwrap();
        let error = attendance
            .check_out(at(8, 59), Leaving::Unaccompanied)
            .unwrap_err();
        assert_eq!(error.code, BEFORE_CHECK_IN);
    }

    #[test]
    fn check_in_on_another_day_is_refused() {
        let mut attendance = Attendance::new("DAY-1", day(), "110105194912310021");
        let next_day = day().succ_opt().unwrap().and_hms_opt(9, 0, 0).unwrap();
        assert_eq!(
            attendance.check_in(next_day).unwrap_err().code,
            WRONG_SESSION_DATE
        );
    }

    #[test]
    fn elderly_day_care_checks_out_without_pickup_and_only_once() {
        let mut attendance = Attendance::new("DAY-1", day(), "110105194912310021");
        attendance.check_in(at(9, 0)).unwrap();
        assert_eq!(
            attendance.check_out(at(16, 0), Leaving::Unaccompanied),
            Ok(Departure::OnTheirOwn)
        );
        let again = attendance
            .check_out(at(16, 5), Leaving::Unaccompanied)
            .unwrap_err();
        assert_eq!(again.code, ALREADY_CHECKED_OUT);
        assert_eq!(
            attendance.check_in(at(16, 10)).unwrap_err().code,
            ALREADY_CHECKED_OUT
        );
    }

    #[test]
    fn an_authorised_adult_collects_by_id_number_or_card() {
        let list = pickup_list(false);
        for collector in [
            Collector::IdNumber("44030619880101002X".into()),
            Collector::CardCode("CARD-7".into()),
        ] {
            let mut attendance = checked_in_child();
            let departure = attendance
                .check_out(
                    at(18, 0),
                    Leaving::Child {
                        age: 8,
                        authorisation: &list,
                        collector: &collector,
                    },
                )
                .unwrap();
            assert_eq!(departure.picked_up_by().as_deref(), Some("李梅 (母亲)"));
        }
    }

    #[test]
    fn a_must_not_collect_adult_is_refused_and_staff_are_told_to_keep_the_child() {
        let list = pickup_list(false);
        let mut attendance = checked_in_child();
        let collector = Collector::IdNumber("440306198501010011".into());
        let error = attendance
            .check_out(
                at(18, 0),
                Leaving::Child {
                    age: 8,
                    authorisation: &list,
                    collector: &collector,
                },
            )
            .unwrap_err();
        assert_eq!(error.code, MUST_NOT_COLLECT);
        assert!(error.message.zh.contains("请留住孩子"));
        assert!(error.message.zh.contains("联系社工"));
        assert!(error.message.en.contains("call the social worker"));
        assert!(attendance.is_present());
    }

    #[test]
    fn an_adult_picked_from_the_list_collects_only_within_the_guardians_dates() {
        let mut list = pickup_list(false);
        list.adults[0].valid_until = Some(day() - chrono::Duration::days(1));
        let mother = Collector::Listed {
            name: "李梅".into(),
            relation: "母亲".into(),
        };
        let mut a = checked_in_child();
        let error = a
            .check_out(
                at(17, 0),
                Leaving::Child {
                    age: 8,
                    authorisation: &list,
                    collector: &mother,
                },
            )
            .unwrap_err();
        assert_eq!(error.code, PICKUP_NOT_VALID_TODAY);
        assert!(
            error.message.zh.contains("至 2026-09-06"),
            "{}",
            error.message.zh
        );
        assert!(a.is_present(), "a refusal changes nothing");

        list.adults[0].valid_until = Some(day());
        let departure = a
            .check_out(
                at(17, 0),
                Leaving::Child {
                    age: 8,
                    authorisation: &list,
                    collector: &mother,
                },
            )
            .unwrap();
        assert_eq!(departure.picked_up_by().as_deref(), Some("李梅 (母亲)"));
    }

    #[test]
    fn a_must_not_collect_adult_is_refused_whatever_their_dates() {
        let mut list = pickup_list(false);
        list.adults[1].valid_until = Some(day() - chrono::Duration::days(30));
        let father = Collector::Listed {
            name: "王强".into(),
            relation: "父亲".into(),
        };
        let error = checked_in_child()
            .check_out(
                at(17, 0),
                Leaving::Child {
                    age: 8,
                    authorisation: &list,
                    collector: &father,
                },
            )
            .unwrap_err();
        assert_eq!(error.code, MUST_NOT_COLLECT);
    }

    #[test]
    fn an_adult_not_on_the_list_is_refused() {
        let list = pickup_list(false);
        let mut attendance = checked_in_child();
        let collector = Collector::CardCode("CARD-8".into());
        let error = attendance
            .check_out(
                at(18, 0),
                Leaving::Child {
                    age: 8,
                    authorisation: &list,
                    collector: &collector,
                },
            )
            .unwrap_err();
        assert_eq!(error.code, NOT_AUTHORISED);
        assert!(attendance.is_present());
    }

    #[test]
    fn leaving_alone_needs_age_twelve_and_written_consent() {
        let cases = [
            (11, true, false),
            (12, false, false),
            (12, true, true),
            (13, true, true),
        ];
        for (age, consent, allowed) in cases {
            let list = pickup_list(consent);
            let mut attendance = checked_in_child();
            let result = attendance.check_out(
                at(18, 0),
                Leaving::Child {
                    age,
                    authorisation: &list,
                    collector: &Collector::Alone,
                },
            );
            match result {
                Ok(departure) => {
                    assert!(allowed, "age {age}, consent {consent}");
                    assert_eq!(departure, Departure::AloneWithConsent);
                }
                Err(error) => {
                    assert!(!allowed, "age {age}, consent {consent}");
                    assert_eq!(error.code, MAY_NOT_LEAVE_ALONE);
                }
            }
        }
    }

    #[test]
    fn another_childs_pickup_list_is_refused() {
        let mut list = pickup_list(true);
        list.child = "440306201805120011".into();
        let mut attendance = checked_in_child();
        let collector = Collector::CardCode("CARD-7".into());
        let error = attendance
            .check_out(
                at(18, 0),
                Leaving::Child {
                    age: 8,
                    authorisation: &list,
                    collector: &collector,
                },
            )
            .unwrap_err();
        assert_eq!(error.code, WRONG_PICKUP_LIST);
    }

    #[test]
    fn check_out_event_names_the_collector() {
        let list = pickup_list(false);
        let mut attendance = checked_in_child();
        attendance
            .check_out(
                at(18, 0),
                Leaving::Child {
                    age: 8,
                    authorisation: &list,
                    collector: &Collector::CardCode("CARD-7".into()),
                },
            )
            .unwrap();
        match attendance.to_event() {
            Some(EventPayload::AttendanceRecorded {
                kind,
                picked_up_by,
                left_alone,
                ..
            }) => {
                assert_eq!(kind, AttendanceEventKind::CheckOut);
                assert_eq!(picked_up_by.as_deref(), Some("李梅 (母亲)"));
                assert!(!left_alone);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn meal_count_counts_everyone_who_came_to_that_session_only() {
        let mut here = Attendance::new("LUNCH", day(), "a");
        here.check_in(at(12, 0)).unwrap();
        let mut gone = Attendance::new("LUNCH", day(), "b");
        gone.check_in(at(12, 0)).unwrap();
        gone.check_out(at(12, 30), Leaving::Unaccompanied).unwrap();
        let absent = Attendance::new("LUNCH", day(), "c");
        let mut other_programme = Attendance::new("DAY-1", day(), "d");
        other_programme.check_in(at(12, 0)).unwrap();
        let records = [here, gone, absent, other_programme];
        assert_eq!(meal_count(&records, "LUNCH", day()), 2);
        assert_eq!(meal_count(&records, "LUNCH", day().succ_opt().unwrap()), 0);
    }
}
