//! 日间照料: an elderly day-care day. Who is expected (confirmed members, on a day the
//! programme runs), who came and left (`attendance`), the meals each took, and the
//! centre's transport: where and when each member is picked up, when they were picked
//! up and when dropped off again.
//!
//! Two rules keep the day safe:
//! - A member picked up and never dropped off is somewhere between their home and the
//!   centre. The day does not close while one is open, unless staff give a reason in
//!   words (the van broke down and a relative took them home), which is kept.
//! - Someone expected who neither came nor sent word (an absence with a reason) may
//!   have fallen at home: they are on the list of people to call.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::programme::Programme;
use crate::{FieldError, Text};

pub const ALREADY_PICKED_UP: &str = "already_picked_up";
pub const NOT_PICKED_UP: &str = "not_picked_up";
pub const ALREADY_DROPPED_OFF: &str = "already_dropped_off";
pub const NO_TRANSPORT: &str = "no_transport";
pub const OPEN_TRANSPORT: &str = "picked_up_not_dropped_off";

/// How many characters of a pick-up place a route list prints: enough for the
/// community, building and gate a driver looks for, not the flat a stranger could find.
pub const ROUTE_PLACE_CHARS: usize = 12;

/// A meal the centre serves day-care members.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Meal {
    Breakfast,
    Lunch,
}

impl Meal {
    pub fn label(self) -> Text {
        match self {
            Meal::Breakfast => Text::new("早餐", "breakfast"),
            Meal::Lunch => Text::new("午餐", "lunch"),
        }
    }
}

/// Meals one member took on one day.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meals {
    pub breakfast: bool,
    pub lunch: bool,
}

impl Meals {
    pub fn take(&mut self, meal: Meal) {
        match meal {
            Meal::Breakfast => self.breakfast = true,
            Meal::Lunch => self.lunch = true,
        }
    }
}

/// The centre's transport for one member on one day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransportLeg {
    /// The pick-up place as staff typed it ("海滨社区3栋东门").
    pub place: String,
    /// When the van is due there.
    pub pickup_at: NaiveTime,
    pub picked_up_at: Option<NaiveDateTime>,
    pub dropped_off_at: Option<NaiveDateTime>,
}

impl TransportLeg {
    /// A planned pick-up; the place must be 1 to `text::LABEL_CHARS` printable characters.
    pub fn plan(place: &str, pickup_at: NaiveTime) -> Result<TransportLeg, FieldError> {
        let place = crate::text::checked(
            "place",
            ("接送地点", "pick-up place"),
            place,
            crate::text::LABEL_CHARS,
        )?;
        if place.is_empty() {
            return Err(FieldError::new(
                "place",
                "required",
                "请填写接送地点",
                "The pick-up place is required",
            ));
        }
        Ok(TransportLeg {
            place,
            pickup_at,
            picked_up_at: None,
            dropped_off_at: None,
        })
    }

    /// A new plan for a leg already under way keeps what happened on it.
    pub fn replan(&self, place: &str, pickup_at: NaiveTime) -> Result<TransportLeg, FieldError> {
        Ok(TransportLeg {
            picked_up_at: self.picked_up_at,
            dropped_off_at: self.dropped_off_at,
            ..TransportLeg::plan(place, pickup_at)?
        })
    }

    pub fn pick_up(&mut self, at: NaiveDateTime) -> Result<(), FieldError> {
        if let Some(when) = self.picked_up_at {
            return Err(FieldError::new(
                "picked_up_at",
                ALREADY_PICKED_UP,
                format!("已于{}接上车，不能重复登记", when.format("%H:%M")),
                format!("Already picked up at {}", when.format("%H:%M")),
            ));
        }
        self.picked_up_at = Some(at);
        Ok(())
    }

    pub fn drop_off(&mut self, at: NaiveDateTime) -> Result<(), FieldError> {
        let Some(picked) = self.picked_up_at else {
            return Err(FieldError::new(
                "dropped_off_at",
                NOT_PICKED_UP,
                "还没有登记接上车，不能登记送达",
                "Not picked up yet, so cannot be dropped off",
            ));
        };
        if let Some(when) = self.dropped_off_at {
            return Err(FieldError::new(
                "dropped_off_at",
                ALREADY_DROPPED_OFF,
                format!("已于{}送达，不能重复登记", when.format("%H:%M")),
                format!("Already dropped off at {}", when.format("%H:%M")),
            ));
        }
        if at < picked {
            return Err(FieldError::new(
                "dropped_off_at",
                "before_pick_up",
                "送达时间早于接上车时间",
                "The drop-off is before the pick-up",
            ));
        }
        self.dropped_off_at = Some(at);
        Ok(())
    }

    /// Picked up and not yet dropped off: the member is on the road.
    pub fn is_open(&self) -> bool {
        self.picked_up_at.is_some() && self.dropped_off_at.is_none()
    }
}

/// One member's day, as the desk records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayEntry {
    pub resident: String,
    /// A confirmed member on a day the programme runs.
    pub expected: bool,
    pub arrived_at: Option<NaiveDateTime>,
    pub left_at: Option<NaiveDateTime>,
    /// Word sent that they will not come (ill, a hospital visit), in words.
    pub absence_reason: Option<String>,
    pub meals: Meals,
    pub transport: Option<TransportLeg>,
}

impl DayEntry {
    pub fn new(resident: impl Into<String>, expected: bool) -> DayEntry {
        DayEntry {
            resident: resident.into(),
            expected,
            arrived_at: None,
            left_at: None,
            absence_reason: None,
            meals: Meals::default(),
            transport: None,
        }
    }

    /// Expected, not here, and nobody said why.
    pub fn is_unexpected_absence(&self) -> bool {
        self.expected && self.arrived_at.is_none() && self.absence_reason.is_none()
    }

    /// Picked up and not dropped off.
    pub fn transport_open(&self) -> bool {
        self.transport.as_ref().is_some_and(TransportLeg::is_open)
    }
}

/// Whether `programme` has a day-care day on `date` (its weekdays, its dates and the
/// calendar's holidays).
pub fn runs_on(programme: &Programme, date: NaiveDate, calendar: &Calendar) -> bool {
    programme.schedule.occurs_on(date, calendar)
}

/// The people to call: expected, not arrived, no reason given.
pub fn unexpected_absences(entries: &[DayEntry]) -> Vec<&DayEntry> {
    entries
        .iter()
        .filter(|e| e.is_unexpected_absence())
        .collect()
}

/// The members still on the road.
pub fn open_transport(entries: &[DayEntry]) -> Vec<&DayEntry> {
    entries.iter().filter(|e| e.transport_open()).collect()
}

/// Closing the day: refused while someone was picked up and not dropped off, unless
/// `reason` says why (then the reason, trimmed, is what the closing keeps).
pub fn check_close(
    entries: &[DayEntry],
    reason: Option<&str>,
) -> Result<Option<String>, FieldError> {
    let reason = match reason {
        Some(text) => Some(crate::text::checked(
            "reason",
            ("原因", "reason"),
            text,
            crate::text::NOTE_CHARS,
        )?)
        .filter(|r| !r.is_empty()),
        None => None,
    };
    let open = open_transport(entries).len();
    if open > 0 && reason.is_none() {
        return Err(FieldError::new(
            "reason",
            OPEN_TRANSPORT,
            format!("有{open}位长者已接上车但没有送达记录：请先登记送达，或写明原因后结束当天"),
            format!("{open} member(s) were picked up and have no drop-off time: record the drop-off, or give a reason to close the day"),
        ));
    }
    Ok(reason)
}

/// A pick-up place as a driver's list prints it: the first `ROUTE_PLACE_CHARS`
/// characters up to the building (a flat or room number after 栋/座/号楼 is left off),
/// with "…" where it was cut.
pub fn route_place(place: &str) -> String {
    let place = place.trim();
    let mut cut: Option<usize> = None;
    for marker in ["号楼", "栋", "座"] {
        if let Some(at) = place.find(marker) {
            let end = at + marker.len();
            cut = Some(cut.map_or(end, |c: usize| c.min(end)));
        }
    }
    let kept = match cut {
        Some(end) if end < place.len() => &place[..end],
        _ => place,
    };
    let chars: Vec<char> = kept.chars().collect();
    if chars.len() > ROUTE_PLACE_CHARS {
        let mut short: String = chars[..ROUTE_PLACE_CHARS].iter().collect();
        short.push('…');
        short
    } else if kept.len() < place.len() {
        format!("{kept}…")
    } else {
        kept.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 23)
            .unwrap()
            .and_hms_opt(h, m, 0)
            .unwrap()
    }

    fn leg() -> TransportLeg {
        TransportLeg::plan("海滨社区3栋东门", NaiveTime::from_hms_opt(8, 0, 0).unwrap()).unwrap()
    }

    #[test]
    fn a_leg_is_picked_up_once_then_dropped_off_once_in_order() {
        let mut leg = leg();
        assert_eq!(leg.drop_off(at(9, 0)).unwrap_err().code, NOT_PICKED_UP);
        leg.pick_up(at(8, 5)).unwrap();
        assert!(leg.is_open());
        assert_eq!(leg.pick_up(at(8, 6)).unwrap_err().code, ALREADY_PICKED_UP);
        assert_eq!(leg.drop_off(at(8, 0)).unwrap_err().code, "before_pick_up");
        leg.drop_off(at(8, 30)).unwrap();
        assert!(!leg.is_open());
        assert_eq!(
            leg.drop_off(at(8, 31)).unwrap_err().code,
            ALREADY_DROPPED_OFF
        );
        assert_eq!(
            TransportLeg::plan(" ", NaiveTime::MIN).unwrap_err().code,
            "required"
        );
    }

    #[test]
    fn a_day_with_someone_on_the_road_closes_only_with_a_reason() {
        let mut on_the_road = DayEntry::new("A", true);
        let mut picked = leg();
        picked.pick_up(at(8, 5)).unwrap();
        on_the_road.transport = Some(picked);
        let home = DayEntry::new("B", true);
        let entries = [on_the_road, home];
        let error = check_close(&entries, None).unwrap_err();
        assert_eq!(
            (error.field.as_str(), error.code.as_str()),
            ("reason", OPEN_TRANSPORT)
        );
        assert!(error.message.zh.contains("1位"));
        assert_eq!(
            check_close(&entries, Some("  ")).unwrap_err().code,
            OPEN_TRANSPORT
        );
        assert_eq!(
            check_close(&entries, Some(" 家属自行接回 ")),
            Ok(Some("家属自行接回".into()))
        );
        assert_eq!(check_close(&entries[1..], None), Ok(None));
    }

    #[test]
    fn the_people_to_call_are_expected_absent_and_silent() {
        let mut came = DayEntry::new("came", true);
        came.arrived_at = Some(at(8, 40));
        let mut ill = DayEntry::new("ill", true);
        ill.absence_reason = Some("感冒".into());
        let silent = DayEntry::new("silent", true);
        let visitor = DayEntry::new("visitor", false);
        let entries = [came, ill, silent, visitor];
        let call: Vec<&str> = unexpected_absences(&entries)
            .iter()
            .map(|e| e.resident.as_str())
            .collect();
        assert_eq!(call, ["silent"]);
    }

    #[test]
    fn a_route_place_stops_at_the_building() {
        assert_eq!(route_place("海滨社区3栋1201"), "海滨社区3栋…");
        assert_eq!(route_place("海滨社区3栋"), "海滨社区3栋");
        assert_eq!(
            route_place("宝安区新安街道海滨社区东门岗亭旁"),
            "宝安区新安街道海滨社区东…"
        );
        assert_eq!(route_place("幸福花园5号楼2单元"), "幸福花园5号楼…");
    }
}
