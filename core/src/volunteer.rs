//! Volunteers (义工/志愿者): service shifts, their review by a social worker, and star levels.
//!
//! A shift is clocked in and out at the kiosk, then waits (`Pending`) for a social worker
//! to approve or decline it. Shifts are never deleted: a declined shift stays on record
//! with its reason, and an approved or declined shift is never edited; a mistake found
//! later is fixed by a new `ShiftCorrection` record, so the history a volunteer's
//! certificate rests on can always be replayed.
//!
//! A shift left open too long (more than `max_open_hours`, or past midnight: centre
//! services do not run overnight) was almost certainly forgotten. It is closed into
//! `NeedsConfirmation` with no hours, because counting up to the moment someone noticed
//! would invent hours; a social worker confirms the real end time.

use chrono::{NaiveDateTime, TimeDelta};
use serde::{Deserialize, Serialize};

use crate::dates::day_time_text;
use crate::outbox::EventPayload;
use crate::FieldError;

pub const SHIFT_ALREADY_OPEN: &str = "shift_already_open";
pub const SHIFT_NOT_OPEN: &str = "shift_not_open";
pub const BEFORE_CLOCK_IN: &str = "before_clock_in";
pub const ALREADY_REVIEWED: &str = "already_reviewed";
pub const NOT_REVIEWABLE: &str = "not_reviewable";
pub const REQUIRED: &str = "required";
pub const IMPLAUSIBLE_END_TIME: &str = "implausible_end_time";
pub const SHIFT_TOO_SHORT: &str = "shift_too_short";

/// The shortest shift a clock-out closes. A second tap on 签退 right after 签到 (or a
/// double tap on 签退 itself) is a slip of the finger, not a shift: closing it at 0
/// minutes would leave a worthless record for a social worker to review and end a
/// shift the volunteer meant to serve. Below this the clock-out is refused and the
/// shift stays open; five minutes is longer than any double tap and shorter than any
/// real service. (The rounding rule's `min_minutes` is another matter: how long a
/// shift must be to earn time.)
pub const MIN_SHIFT_MINUTES: i64 = 5;

/// Why a shift that began at `clock_in` cannot be clocked out at `at` yet, if it
/// cannot: the refusal a clock-out gives, which the kiosk also shows before the tap.
pub fn too_short_to_close(
    clock_in: NaiveDateTime,
    at: NaiveDateTime,
    policy: &ShiftPolicy,
) -> Option<FieldError> {
    let served = at - clock_in;
    let minimum = TimeDelta::minutes(MIN_SHIFT_MINUTES);
    if served >= minimum || policy.is_forgotten(clock_in, at) {
        return None;
    }
    // Whole minutes still to go, rounded up: "1 more minute" at 4:30 served.
    let left = ((minimum - served).num_seconds() + 59) / 60;
    Some(FieldError::new(
        "shift",
        SHIFT_TOO_SHORT,
        format!(
            "签到{}分钟后才能签退，还需{left}分钟。如果签错了，请找工作人员",
            MIN_SHIFT_MINUTES
        ),
        format!(
            "You can clock out {MIN_SHIFT_MINUTES} minutes after clocking in: {left} more minute{}. If you clocked in by mistake, ask staff",
            if left == 1 { "" } else { "s" }
        ),
    ))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShiftStatus {
    /// Clocked in, not yet out.
    Open,
    /// Clocked out, waiting for a social worker.
    Pending,
    /// Closed because it was forgotten; earns nothing until the real end time is confirmed.
    NeedsConfirmation,
    Approved,
    Declined,
}

impl ShiftStatus {
    /// The wire name (same as serde's).
    pub fn as_str(self) -> &'static str {
        match self {
            ShiftStatus::Open => "open",
            ShiftStatus::Pending => "pending",
            ShiftStatus::NeedsConfirmation => "needs_confirmation",
            ShiftStatus::Approved => "approved",
            ShiftStatus::Declined => "declined",
        }
    }

    pub fn label(self) -> crate::Text {
        let (zh, en) = match self {
            ShiftStatus::Open => ("服务中", "In progress"),
            ShiftStatus::Pending => ("待审核", "Awaiting approval"),
            ShiftStatus::NeedsConfirmation => ("待确认签退时间", "End time to be confirmed"),
            ShiftStatus::Approved => ("已认定", "Approved"),
            ShiftStatus::Declined => ("未认定", "Declined"),
        };
        crate::Text::new(zh, en)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundingMode {
    Down,
    /// Half a unit or more rounds up.
    Nearest,
    Up,
}

/// How clocked minutes become recorded minutes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundingPolicy {
    pub unit_minutes: u32,
    pub mode: RoundingMode,
    /// A shift shorter than this (before rounding) earns nothing: signing in and out
    /// again at once is not service.
    pub min_minutes: u32,
}

impl Default for RoundingPolicy {
    /// Quarter hours, rounded down, at least 30 minutes: never credits time not served.
    fn default() -> Self {
        RoundingPolicy {
            unit_minutes: 15,
            mode: RoundingMode::Down,
            min_minutes: 30,
        }
    }
}

impl RoundingPolicy {
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.unit_minutes == 0 || self.unit_minutes > 24 * 60 {
            return Err(FieldError::new(
                "unit_minutes",
                "out_of_range",
                "计时单位须在1至1440分钟之间",
                "The rounding unit must be between 1 and 1440 minutes",
            ));
        }
        if self.min_minutes > 24 * 60 {
            return Err(FieldError::new(
                "min_minutes",
                "out_of_range",
                "最短计时不能超过1440分钟",
                "The minimum shift length cannot exceed 1440 minutes",
            ));
        }
        Ok(())
    }

    pub fn round(&self, raw_minutes: u32) -> u32 {
        if raw_minutes < self.min_minutes {
            return 0;
        }
        let unit = self.unit_minutes.max(1);
        let units = match self.mode {
            RoundingMode::Down => raw_minutes / unit,
            RoundingMode::Up => raw_minutes.div_ceil(unit),
            // 2·raw + unit over 2·unit: rounds half up without floating point.
            RoundingMode::Nearest => (2 * raw_minutes + unit) / (2 * unit),
        };
        units * unit
    }
}

/// The centre's shift rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShiftPolicy {
    pub rounding: RoundingPolicy,
    /// A shift open longer than this is treated as forgotten.
    pub max_open_hours: u32,
}

impl Default for ShiftPolicy {
    fn default() -> Self {
        ShiftPolicy {
            rounding: RoundingPolicy::default(),
            max_open_hours: 12,
        }
    }
}

impl ShiftPolicy {
    pub fn validate(&self) -> Result<(), FieldError> {
        self.rounding.validate()?;
        if self.max_open_hours == 0 || self.max_open_hours > 24 {
            return Err(FieldError::new(
                "max_open_hours",
                "out_of_range",
                "最长服务时长须在1至24小时之间",
                "The longest shift must be between 1 and 24 hours",
            ));
        }
        Ok(())
    }

    /// Open longer than the maximum, or into a later day than it began.
    pub fn is_forgotten(&self, clock_in: NaiveDateTime, now: NaiveDateTime) -> bool {
        now - clock_in > TimeDelta::hours(i64::from(self.max_open_hours))
            || now.date() > clock_in.date()
    }
}

/// One service shift of one volunteer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shift {
    pub id: String,
    /// The volunteer's ID number.
    pub volunteer: String,
    /// What they did, e.g. "长者探访" (elderly home visits).
    pub activity: String,
    pub clock_in: NaiveDateTime,
    /// None while open, and for a forgotten shift until its end time is confirmed.
    pub clock_out: Option<NaiveDateTime>,
    pub status: ShiftStatus,
    /// Rounded minutes; they count towards hours only once the shift is approved.
    pub minutes: u32,
    /// When the shift was closed as forgotten.
    pub auto_closed_at: Option<NaiveDateTime>,
    pub reviewer: Option<String>,
    pub reviewed_at: Option<NaiveDateTime>,
    /// The approval note, or the reason for declining.
    pub review_note: Option<String>,
}

/// A successful clock-in: the new shift and any forgotten shifts closed on the way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClockIn {
    pub shift: Shift,
    /// Ids of this volunteer's forgotten shifts now in `NeedsConfirmation`; persist them too.
    pub auto_closed: Vec<String>,
}

fn required(field: &str, zh_name: &str, en_name: &str) -> FieldError {
    FieldError::new(
        field,
        REQUIRED,
        format!("请填写{zh_name}"),
        format!("Please fill in the {en_name}"),
    )
}

/// Opens a shift. `volunteer_shifts` are this volunteer's existing shifts (others are
/// ignored). A still-open shift refuses the clock-in; forgotten ones are closed into
/// `NeedsConfirmation` first so yesterday's forgotten clock-out never blocks today.
/// On refusal nothing in `volunteer_shifts` is changed.
pub fn clock_in(
    volunteer_shifts: &mut [Shift],
    shift_id: impl Into<String>,
    volunteer: &str,
    activity: &str,
    at: NaiveDateTime,
    policy: &ShiftPolicy,
) -> Result<ClockIn, FieldError> {
    if volunteer.trim().is_empty() {
        return Err(required(
            "volunteer",
            "义工身份证号",
            "volunteer's ID number",
        ));
    }
    if activity.trim().is_empty() {
        return Err(required("activity", "服务项目", "activity"));
    }
    let mine = |shift: &&mut Shift| shift.volunteer.eq_ignore_ascii_case(volunteer);
    if let Some(open) = volunteer_shifts
        .iter_mut()
        .filter(mine)
        .find(|shift| shift.status == ShiftStatus::Open && !policy.is_forgotten(shift.clock_in, at))
    {
        return Err(FieldError::new(
            "volunteer",
            SHIFT_ALREADY_OPEN,
            format!(
                "你已于{}签到“{}”，请先签退再开始新的服务",
                open.clock_in.format("%H:%M"),
                open.activity
            ),
            format!(
                "You clocked in to \"{}\" at {}; clock out before starting another shift",
                open.activity,
                open.clock_in.format("%H:%M")
            ),
        ));
    }
    let mut auto_closed = Vec::new();
    for shift in volunteer_shifts.iter_mut().filter(mine) {
        if shift.close_if_forgotten(at, policy) {
            auto_closed.push(shift.id.clone());
        }
    }
    Ok(ClockIn {
        shift: Shift {
            id: shift_id.into(),
            volunteer: volunteer.trim().to_string(),
            activity: activity.trim().to_string(),
            clock_in: at,
            clock_out: None,
            status: ShiftStatus::Open,
            minutes: 0,
            auto_closed_at: None,
            reviewer: None,
            reviewed_at: None,
            review_note: None,
        },
        auto_closed,
    })
}

impl Shift {
    /// Closes the shift; returns `Pending`, or `NeedsConfirmation` (no minutes) when the
    /// shift had been forgotten, so the kiosk can tell the volunteer a social worker will confirm.
    pub fn clock_out(
        &mut self,
        at: NaiveDateTime,
        policy: &ShiftPolicy,
    ) -> Result<ShiftStatus, FieldError> {
        if self.status != ShiftStatus::Open {
            return Err(FieldError::new(
                "shift",
                SHIFT_NOT_OPEN,
                format!("这次服务已签退（{}），不能再次签退", self.status.label().zh),
                format!(
                    "This shift is already closed ({}); cannot clock out again",
                    self.status.label().en
                ),
            ));
        }
        if at < self.clock_in {
            return Err(FieldError::new(
                "at",
                BEFORE_CLOCK_IN,
                format!(
                    "签退时间{}早于签到时间{}",
                    day_time_text(at).zh,
                    day_time_text(self.clock_in).zh
                ),
                format!(
                    "Clock-out time {} is before the clock-in time {}",
                    day_time_text(at).en,
                    day_time_text(self.clock_in).en
                ),
            ));
        }
        if let Some(too_short) = too_short_to_close(self.clock_in, at, policy) {
            return Err(too_short);
        }
        if !self.close_if_forgotten(at, policy) {
            self.clock_out = Some(at);
            self.minutes = policy.rounding.round(raw_minutes(self.clock_in, at));
            self.status = ShiftStatus::Pending;
        }
        Ok(self.status)
    }

    /// The nightly (or on-load) sweep: closes an open shift that was forgotten. True if it did.
    pub fn close_if_forgotten(&mut self, now: NaiveDateTime, policy: &ShiftPolicy) -> bool {
        if self.status != ShiftStatus::Open || !policy.is_forgotten(self.clock_in, now) {
            return false;
        }
        self.status = ShiftStatus::NeedsConfirmation;
        self.minutes = 0;
        self.clock_out = None;
        self.auto_closed_at = Some(now);
        true
    }

    fn refuse_unless_reviewable(&self, confirming_end: bool) -> Result<(), FieldError> {
        match (self.status, confirming_end) {
            (ShiftStatus::Pending, false) | (ShiftStatus::NeedsConfirmation, true) => Ok(()),
            (ShiftStatus::Approved | ShiftStatus::Declined, _) => Err(FieldError::new(
                "shift",
                ALREADY_REVIEWED,
                format!(
                    "这次服务已审核（{}），不能更改；如需更正，请登记更正记录",
                    self.status.label().zh
                ),
                format!(
                    "This shift was already reviewed ({}) and cannot be changed; record a correction instead",
                    self.status.label().en
                ),
            )),
            (ShiftStatus::Open, _) => Err(FieldError::new(
                "shift",
                NOT_REVIEWABLE,
                "义工尚未签退，签退后才能审核",
                "The volunteer has not clocked out yet; review after clock-out",
            )),
            (ShiftStatus::NeedsConfirmation, false) => Err(FieldError::new(
                "shift",
                NOT_REVIEWABLE,
                "这次服务忘记签退，请先确认实际结束时间",
                "This shift was never clocked out; confirm its real end time first",
            )),
            (ShiftStatus::Pending, true) => Err(FieldError::new(
                "shift",
                NOT_REVIEWABLE,
                "这次服务已正常签退，无需确认结束时间，请直接审核",
                "This shift was clocked out normally; approve or decline it instead",
            )),
        }
    }

    fn record_review(
        &mut self,
        status: ShiftStatus,
        reviewer: &str,
        note: Option<&str>,
        at: NaiveDateTime,
    ) {
        self.status = status;
        self.reviewer = Some(reviewer.trim().to_string());
        self.reviewed_at = Some(at);
        self.review_note = note
            .map(str::trim)
            .filter(|note| !note.is_empty())
            .map(str::to_string);
    }

    /// A social worker approves a pending shift; its minutes now count.
    pub fn approve(
        &mut self,
        reviewer: &str,
        note: Option<&str>,
        at: NaiveDateTime,
    ) -> Result<(), FieldError> {
        if reviewer.trim().is_empty() {
            return Err(required("reviewer", "审核社工", "reviewer"));
        }
        self.refuse_unless_reviewable(false)?;
        self.record_review(ShiftStatus::Approved, reviewer, note, at);
        Ok(())
    }

    /// A social worker declines a pending or forgotten shift. The shift stays on record.
    pub fn decline(
        &mut self,
        reviewer: &str,
        reason: &str,
        at: NaiveDateTime,
    ) -> Result<(), FieldError> {
        if reviewer.trim().is_empty() {
            return Err(required("reviewer", "审核社工", "reviewer"));
        }
        if reason.trim().is_empty() {
            return Err(FieldError::new(
                "reason",
                REQUIRED,
                "不予认定须写明原因，义工有权知道",
                "Declining needs a reason: the volunteer has a right to know why",
            ));
        }
        if self.status != ShiftStatus::NeedsConfirmation {
            self.refuse_unless_reviewable(false)?;
        }
        self.record_review(ShiftStatus::Declined, reviewer, Some(reason), at);
        Ok(())
    }

    /// A social worker confirms when a forgotten shift really ended; it is approved with
    /// the minutes that end time earns.
    pub fn confirm_end_time(
        &mut self,
        reviewer: &str,
        real_end: NaiveDateTime,
        note: Option<&str>,
        at: NaiveDateTime,
        policy: &ShiftPolicy,
    ) -> Result<(), FieldError> {
        if reviewer.trim().is_empty() {
            return Err(required("reviewer", "审核社工", "reviewer"));
        }
        self.refuse_unless_reviewable(true)?;
        let too_late = real_end - self.clock_in
            > TimeDelta::hours(i64::from(policy.max_open_hours))
            || self.auto_closed_at.is_some_and(|closed| real_end > closed);
        if real_end <= self.clock_in || too_late {
            return Err(FieldError::new(
                "real_end",
                IMPLAUSIBLE_END_TIME,
                format!(
                    "结束时间{}须晚于签到时间{}，且服务不超过{}小时",
                    day_time_text(real_end).zh,
                    day_time_text(self.clock_in).zh,
                    policy.max_open_hours
                ),
                format!(
                    "The end time {} must be after the clock-in at {} and within {} hours of it",
                    day_time_text(real_end).en,
                    day_time_text(self.clock_in).en,
                    policy.max_open_hours
                ),
            ));
        }
        self.clock_out = Some(real_end);
        self.minutes = policy.rounding.round(raw_minutes(self.clock_in, real_end));
        self.record_review(ShiftStatus::Approved, reviewer, note, at);
        Ok(())
    }

    /// Minutes this shift adds to the volunteer's hours, before corrections.
    pub fn approved_minutes(&self) -> u32 {
        if self.status == ShiftStatus::Approved {
            self.minutes
        } else {
            0
        }
    }

    /// The outbox record after clock-in, clock-out or an automatic close.
    pub fn to_recorded_event(&self) -> EventPayload {
        EventPayload::ShiftRecorded {
            shift_id: self.id.clone(),
            volunteer_id_number: self.volunteer.clone(),
            activity: self.activity.clone(),
            clock_in: self.clock_in,
            clock_out: self.clock_out,
            minutes: self.minutes,
            status: self.status.as_str().to_string(),
        }
    }

    /// The outbox record after approve, decline or confirm_end_time.
    pub fn to_reviewed_event(&self) -> EventPayload {
        EventPayload::ShiftReviewed {
            shift_id: self.id.clone(),
            status: self.status.as_str().to_string(),
            reviewer: self.reviewer.clone().unwrap_or_default(),
            note: self.review_note.clone(),
            confirmed_clock_out: if self.auto_closed_at.is_some() {
                self.clock_out
            } else {
                None
            },
            minutes: self.minutes,
        }
    }
}

fn raw_minutes(from: NaiveDateTime, to: NaiveDateTime) -> u32 {
    u32::try_from((to - from).num_minutes()).unwrap_or(0)
}

/// A later correction of a reviewed shift's minutes; the shift itself is never edited.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShiftCorrection {
    pub id: String,
    pub shift_id: String,
    pub volunteer: String,
    /// The minutes the shift should count from now on (replaces earlier values).
    pub corrected_minutes: u32,
    pub reason: String,
    pub by: String,
    pub at: NaiveDateTime,
}

impl ShiftCorrection {
    /// Only a reviewed (approved or declined) shift is corrected; open or pending ones are
    /// simply reviewed.
    pub fn new(
        shift: &Shift,
        id: impl Into<String>,
        corrected_minutes: u32,
        reason: &str,
        by: &str,
        at: NaiveDateTime,
    ) -> Result<ShiftCorrection, FieldError> {
        if !matches!(shift.status, ShiftStatus::Approved | ShiftStatus::Declined) {
            return Err(FieldError::new(
                "shift",
                NOT_REVIEWABLE,
                format!(
                    "只有已审核的服务才需要更正；这次服务{}，请直接审核",
                    shift.status.label().zh
                ),
                format!(
                    "Only reviewed shifts are corrected; this one is \"{}\", so review it instead",
                    shift.status.label().en
                ),
            ));
        }
        if by.trim().is_empty() {
            return Err(required("by", "更正人", "person making the correction"));
        }
        if reason.trim().is_empty() {
            return Err(required("reason", "更正原因", "reason for the correction"));
        }
        if corrected_minutes > 24 * 60 {
            return Err(FieldError::new(
                "corrected_minutes",
                "out_of_range",
                "一次服务不能超过24小时（1440分钟）",
                "One shift cannot exceed 24 hours (1440 minutes)",
            ));
        }
        Ok(ShiftCorrection {
            id: id.into(),
            shift_id: shift.id.clone(),
            volunteer: shift.volunteer.clone(),
            corrected_minutes,
            reason: reason.trim().to_string(),
            by: by.trim().to_string(),
            at,
        })
    }

    pub fn to_event(&self) -> EventPayload {
        EventPayload::ShiftCorrected {
            correction_id: self.id.clone(),
            shift_id: self.shift_id.clone(),
            volunteer_id_number: self.volunteer.clone(),
            corrected_minutes: self.corrected_minutes,
            reason: self.reason.clone(),
            by: self.by.clone(),
        }
    }
}

/// What a shift counts after corrections: the latest correction (by time, then by order
/// in the slice) wins; without one, the approved minutes.
pub fn effective_minutes(shift: &Shift, corrections: &[ShiftCorrection]) -> u32 {
    corrections
        .iter()
        .enumerate()
        .filter(|(_, correction)| correction.shift_id == shift.id)
        .max_by_key(|(order, correction)| (correction.at, *order))
        .map(|(_, correction)| correction.corrected_minutes)
        .unwrap_or_else(|| shift.approved_minutes())
}

/// A volunteer's total approved minutes, corrections applied. Shifts of others are ignored.
pub fn total_approved_minutes(
    volunteer: &str,
    shifts: &[Shift],
    corrections: &[ShiftCorrection],
) -> u64 {
    shifts
        .iter()
        .filter(|shift| shift.volunteer.eq_ignore_ascii_case(volunteer))
        .map(|shift| u64::from(effective_minutes(shift, corrections)))
        .sum()
}

/// What a certificate for `period` (by clock-in date) vouches for: the approved
/// minutes, corrections applied, and how many shifts contribute to them.
pub fn approved_in_period(
    volunteer: &str,
    shifts: &[Shift],
    corrections: &[ShiftCorrection],
    period: &std::ops::RangeInclusive<chrono::NaiveDate>,
) -> (u64, usize) {
    let in_period: Vec<Shift> = shifts
        .iter()
        .filter(|shift| shift.volunteer.eq_ignore_ascii_case(volunteer))
        .filter(|shift| period.contains(&shift.clock_in.date()))
        .cloned()
        .collect();
    let records = in_period
        .iter()
        .filter(|shift| effective_minutes(shift, corrections) > 0)
        .count();
    (
        total_approved_minutes(volunteer, &in_period, corrections),
        records,
    )
}

/// Approved hours needed for each star, 1★ first.
///
/// The default is the national scale of the 《中国注册志愿者管理办法》 (Communist Youth
/// League, 2013), the scale most Chinese volunteer platforms follow: 100, 300, 600, 1000
/// and 1500 approved hours for one to five stars. A district may publish its own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StarThresholds {
    pub hours: Vec<u32>,
}

impl Default for StarThresholds {
    fn default() -> Self {
        StarThresholds {
            hours: vec![100, 300, 600, 1000, 1500],
        }
    }
}

impl StarThresholds {
    pub fn validate(&self) -> Result<(), FieldError> {
        let increasing = self.hours.windows(2).all(|pair| pair[0] < pair[1]);
        if self.hours.is_empty() || self.hours.len() > 10 || self.hours[0] == 0 || !increasing {
            return Err(FieldError::new(
                "hours",
                "invalid_thresholds",
                "星级时长须为1至10个递增的正整数小时数",
                "Star thresholds must be 1 to 10 increasing positive numbers of hours",
            ));
        }
        Ok(())
    }

    /// Stars earned by this many approved minutes (0 before the first threshold).
    pub fn star_level(&self, approved_minutes: u64) -> u8 {
        self.hours
            .iter()
            .take_while(|hours| approved_minutes >= u64::from(**hours) * 60)
            .count() as u8
    }

    /// The next star and the minutes still needed for it; None at the top level.
    pub fn next_star(&self, approved_minutes: u64) -> Option<(u8, u64)> {
        let level = self.star_level(approved_minutes);
        self.hours
            .get(usize::from(level))
            .map(|hours| (level + 1, u64::from(*hours) * 60 - approved_minutes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    const VOLUNTEER: &str = "110105194912310021";

    fn at(day: u32, hour: u32, minute: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 9, day)
            .unwrap()
            .and_hms_opt(hour, minute, 0)
            .unwrap()
    }

    fn open_shift(id: &str, day: u32, hour: u32) -> Shift {
        clock_in(
            &mut [],
            id,
            VOLUNTEER,
            "长者探访",
            at(day, hour, 0),
            &ShiftPolicy::default(),
        )
        .unwrap()
        .shift
    }

    fn pending_shift(minutes_long: u32) -> Shift {
        let mut shift = open_shift("S-1", 7, 9);
        let end = at(7, 9, 0) + TimeDelta::minutes(i64::from(minutes_long));
        shift.clock_out(end, &ShiftPolicy::default()).unwrap();
        shift
    }

    #[test]
    fn rounding_modes_and_minimum() {
        let policy = |mode, min_minutes| RoundingPolicy {
            unit_minutes: 15,
            mode,
            min_minutes,
        };
        assert_eq!(policy(RoundingMode::Down, 0).round(44), 30);
        assert_eq!(policy(RoundingMode::Up, 0).round(31), 45);
        assert_eq!(policy(RoundingMode::Up, 0).round(30), 30);
        assert_eq!(policy(RoundingMode::Nearest, 0).round(37), 30);
        assert_eq!(policy(RoundingMode::Nearest, 0).round(38), 45);
        assert_eq!(policy(RoundingMode::Down, 30).round(29), 0);
        assert_eq!(policy(RoundingMode::Down, 30).round(30), 30);
        assert!(policy(RoundingMode::Down, 0).validate().is_ok());
        let zero_unit = RoundingPolicy {
            unit_minutes: 0,
            ..RoundingPolicy::default()
        };
        assert_eq!(zero_unit.validate().unwrap_err().field, "unit_minutes");
    }

    #[test]
    fn clock_out_records_rounded_minutes_and_waits_for_review() {
        let shift = pending_shift(128);
        assert_eq!(shift.status, ShiftStatus::Pending);
        assert_eq!(shift.minutes, 120);
        assert_eq!(shift.approved_minutes(), 0);
    }

    #[test]
    fn a_volunteer_cannot_have_two_open_shifts() {
        let mut shifts = vec![open_shift("S-1", 7, 9)];
        let error = clock_in(
            &mut shifts,
            "S-2",
            VOLUNTEER,
            "图书整理",
            at(7, 10, 0),
            &ShiftPolicy::default(),
        )
        .unwrap_err();
        assert_eq!(error.code, SHIFT_ALREADY_OPEN);
        assert!(error.message.zh.contains("长者探访"));
        assert_eq!(shifts[0].status, ShiftStatus::Open);

        // Another volunteer's open shift does not block this one.
        let mut others = vec![open_shift("S-1", 7, 9)];
        others[0].volunteer = "440306198501010011".into();
        assert!(clock_in(
            &mut others,
            "S-2",
            VOLUNTEER,
            "图书整理",
            at(7, 10, 0),
            &ShiftPolicy::default()
        )
        .is_ok());
    }

    #[test]
    fn yesterdays_forgotten_shift_is_closed_without_hours_at_the_next_clock_in() {
        let mut shifts = vec![open_shift("S-1", 7, 18)];
        let outcome = clock_in(
            &mut shifts,
            "S-2",
            VOLUNTEER,
            "长者探访",
            at(8, 9, 0),
            &ShiftPolicy::default(),
        )
        .unwrap();
        assert_eq!(outcome.auto_closed, vec!["S-1".to_string()]);
        assert_eq!(shifts[0].status, ShiftStatus::NeedsConfirmation);
        assert_eq!(shifts[0].minutes, 0);
        assert_eq!(shifts[0].clock_out, None);
        assert_eq!(outcome.shift.status, ShiftStatus::Open);
    }

    #[test]
    fn a_shift_open_longer_than_the_maximum_counts_no_hours_at_clock_out() {
        let mut shift = open_shift("S-1", 7, 7);
        let policy = ShiftPolicy::default();
        // 12 h exactly is still a (long) shift; a minute more is forgotten.
        let mut exactly = shift.clone();
        assert_eq!(
            exactly.clock_out(at(7, 19, 0), &policy),
            Ok(ShiftStatus::Pending)
        );
        assert_eq!(
            shift.clock_out(at(7, 19, 1), &policy),
            Ok(ShiftStatus::NeedsConfirmation)
        );
        assert_eq!(shift.approved_minutes(), 0);
        assert_eq!(shift.minutes, 0);
    }

    #[test]
    fn past_midnight_is_forgotten_even_if_short() {
        let mut shift = open_shift("S-1", 7, 22);
        assert!(shift.close_if_forgotten(at(8, 0, 30), &ShiftPolicy::default()));
        assert_eq!(shift.status, ShiftStatus::NeedsConfirmation);
        let mut today = open_shift("S-2", 7, 9);
        assert!(!today.close_if_forgotten(at(7, 17, 0), &ShiftPolicy::default()));
        assert_eq!(today.status, ShiftStatus::Open);
    }

    #[test]
    fn a_clock_out_within_minutes_of_the_clock_in_is_refused_and_the_shift_stays_open() {
        let mut shift = open_shift("S-1", 7, 9);
        let before = shift.clone();
        let policy = ShiftPolicy::default();
        let error = shift.clock_out(at(7, 9, 0), &policy).unwrap_err();
        assert_eq!(error.code, SHIFT_TOO_SHORT);
        assert!(
            error.message.zh.contains("还需5分钟"),
            "{}",
            error.message.zh
        );
        assert!(error.message.zh.contains("如果签错了，请找工作人员"));
        assert!(
            error.message.en.contains("5 more minutes"),
            "{}",
            error.message.en
        );
        assert!(error
            .message
            .en
            .contains("If you clocked in by mistake, ask staff"));
        assert_eq!(shift, before, "a refused clock-out changes nothing");
        let error = shift.clock_out(at(7, 9, 4), &policy).unwrap_err();
        assert!(
            error.message.en.contains("1 more minute."),
            "{}",
            error.message.en
        );
        assert_eq!(
            shift.clock_out(at(7, 9, 5), &policy),
            Ok(ShiftStatus::Pending)
        );
    }

    #[test]
    fn clock_out_twice_or_before_clock_in_is_refused() {
        let mut shift = open_shift("S-1", 7, 9);
        assert_eq!(
            shift
                .clock_out(at(7, 8, 0), &ShiftPolicy::default())
                .unwrap_err()
                .code,
            BEFORE_CLOCK_IN
        );
        shift
            .clock_out(at(7, 11, 0), &ShiftPolicy::default())
            .unwrap();
        assert_eq!(
            shift
                .clock_out(at(7, 12, 0), &ShiftPolicy::default())
                .unwrap_err()
                .code,
            SHIFT_NOT_OPEN
        );
        assert_eq!(shift.clock_out, Some(at(7, 11, 0)));
    }

    #[test]
    fn approval_counts_the_minutes_and_cannot_be_changed_afterwards() {
        let mut shift = pending_shift(120);
        shift
            .approve("SW-01", Some("辛苦了"), at(8, 10, 0))
            .unwrap();
        assert_eq!(shift.approved_minutes(), 120);
        assert_eq!(shift.reviewer.as_deref(), Some("SW-01"));
        let error = shift
            .decline("SW-02", "重复登记", at(9, 10, 0))
            .unwrap_err();
        assert_eq!(error.code, ALREADY_REVIEWED);
        assert!(error.message.zh.contains("更正记录"));
        assert_eq!(shift.status, ShiftStatus::Approved);
        assert_eq!(
            shift.approve("SW-02", None, at(9, 10, 0)).unwrap_err().code,
            ALREADY_REVIEWED
        );
    }

    #[test]
    fn declining_needs_a_reason_and_keeps_the_shift() {
        let mut shift = pending_shift(120);
        let error = shift.decline("SW-01", "  ", at(8, 10, 0)).unwrap_err();
        assert_eq!(error.field, "reason");
        assert_eq!(shift.status, ShiftStatus::Pending);
        shift
            .decline("SW-01", "当天活动取消", at(8, 10, 0))
            .unwrap();
        assert_eq!(shift.status, ShiftStatus::Declined);
        assert_eq!(shift.review_note.as_deref(), Some("当天活动取消"));
        assert_eq!(shift.approved_minutes(), 0);
        assert_eq!(shift.minutes, 120);
    }

    #[test]
    fn an_open_shift_cannot_be_reviewed() {
        let mut shift = open_shift("S-1", 7, 9);
        assert_eq!(
            shift.approve("SW-01", None, at(7, 10, 0)).unwrap_err().code,
            NOT_REVIEWABLE
        );
    }

    #[test]
    fn a_forgotten_shift_earns_hours_only_once_the_end_time_is_confirmed() {
        let policy = ShiftPolicy::default();
        let mut shift = open_shift("S-1", 7, 9);
        shift.close_if_forgotten(at(8, 6, 0), &policy);
        assert_eq!(
            shift.approve("SW-01", None, at(8, 10, 0)).unwrap_err().code,
            NOT_REVIEWABLE
        );
        let too_long = shift
            .confirm_end_time("SW-01", at(7, 23, 0), None, at(8, 10, 0), &policy)
            .unwrap_err();
        assert_eq!(too_long.code, IMPLAUSIBLE_END_TIME);
        let before = shift
            .confirm_end_time("SW-01", at(7, 8, 0), None, at(8, 10, 0), &policy)
            .unwrap_err();
        assert_eq!(before.code, IMPLAUSIBLE_END_TIME);
        assert_eq!(shift.approved_minutes(), 0);
        shift
            .confirm_end_time(
                "SW-01",
                at(7, 12, 10),
                Some("电话核实"),
                at(8, 10, 0),
                &policy,
            )
            .unwrap();
        assert_eq!(shift.status, ShiftStatus::Approved);
        assert_eq!(shift.clock_out, Some(at(7, 12, 10)));
        assert_eq!(shift.approved_minutes(), 180);
    }

    #[test]
    fn corrections_replace_minutes_without_editing_the_shift() {
        let mut shift = pending_shift(120);
        assert_eq!(
            ShiftCorrection::new(&shift, "C-0", 60, "x", "SW-01", at(8, 9, 0))
                .unwrap_err()
                .code,
            NOT_REVIEWABLE
        );
        shift.approve("SW-01", None, at(8, 10, 0)).unwrap();
        assert_eq!(
            ShiftCorrection::new(&shift, "C-1", 60, " ", "SW-01", at(9, 9, 0))
                .unwrap_err()
                .field,
            "reason"
        );
        let first =
            ShiftCorrection::new(&shift, "C-1", 60, "签退时间录错", "SW-01", at(9, 9, 0)).unwrap();
        let second =
            ShiftCorrection::new(&shift, "C-2", 90, "再次核实", "SW-02", at(10, 9, 0)).unwrap();
        assert_eq!(effective_minutes(&shift, &[]), 120);
        assert_eq!(
            effective_minutes(&shift, &[second.clone(), first.clone()]),
            90
        );
        assert_eq!(shift.minutes, 120);
        assert_eq!(
            total_approved_minutes(VOLUNTEER, &[shift.clone()], &[first]),
            60
        );
    }

    #[test]
    fn total_counts_only_this_volunteers_approved_shifts() {
        let mut approved = pending_shift(120);
        approved.approve("SW-01", None, at(8, 10, 0)).unwrap();
        let pending = pending_shift(60);
        let mut declined = pending_shift(90);
        declined.decline("SW-01", "未到岗", at(8, 10, 0)).unwrap();
        let mut someone_else = approved.clone();
        someone_else.volunteer = "440306198501010011".into();
        let shifts = [approved, pending, declined, someone_else];
        assert_eq!(total_approved_minutes(VOLUNTEER, &shifts, &[]), 120);
    }

    #[test]
    fn star_levels_follow_the_national_thresholds() {
        let stars = StarThresholds::default();
        assert!(stars.validate().is_ok());
        assert_eq!(stars.star_level(99 * 60 + 59), 0);
        assert_eq!(stars.star_level(100 * 60), 1);
        assert_eq!(stars.star_level(299 * 60), 1);
        assert_eq!(stars.star_level(300 * 60), 2);
        assert_eq!(stars.star_level(1500 * 60), 5);
        assert_eq!(stars.next_star(250 * 60), Some((2, 50 * 60)));
        assert_eq!(stars.next_star(2000 * 60), None);
        let unordered = StarThresholds {
            hours: vec![100, 50],
        };
        assert_eq!(unordered.validate().unwrap_err().code, "invalid_thresholds");
    }
}
