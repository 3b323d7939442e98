//! 志愿服务: volunteers, their shifts (clock in and out), the social worker's review
//! of the hours, and the certificate of approved hours.

use chrono::NaiveDateTime;
use linli_core::household::Resident;
use linli_core::identity::mask_id_number;
use linli_core::slips;
use linli_core::staff::Permission;
use linli_core::text;
use linli_core::volunteer::{clock_in, Shift, ShiftPolicy, SHIFT_TOO_SHORT};
use linli_core::Text;
use rusqlite::OptionalExtension;
use serde::Serialize;
use serde_json::json;

use super::load;
use super::stored_json::{from_json_text, to_json_text};
use crate::clock;
use crate::error::{AppError, Refused};
use crate::print::{self, Printing};
use crate::store::Tx;

pub fn register_volunteer(
    tx: &mut Tx<'_>,
    id_number: &str,
    skills: &str,
) -> Result<bool, AppError> {
    tx.authorise(Permission::ApproveVolunteerHours)?;
    let skills = &text::checked("skills", ("技能", "skills"), skills, text::LABEL_CHARS)?;
    if load::resident(tx, id_number)?.is_none() {
        return Err(load::not_found(
            "居民",
            "resident",
            &mask_id_number(id_number),
        ));
    }
    let at = clock::to_db(tx.now);
    let inserted = tx.execute(
        "INSERT INTO volunteers (id_number, skills, registered_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
        (id_number, skills, &at),
    )?;
    if inserted == 1 {
        tx.audit(
            "volunteer_registered",
            &mask_id_number(id_number),
            json!({"skills": skills}),
        );
    }
    Ok(inserted == 1)
}

fn save_shift(tx: &mut Tx<'_>, shift: &Shift) -> Result<(), AppError> {
    tx.execute(
        "INSERT INTO shifts (id, volunteer, activity, clock_in, clock_out, minutes, status, reviewer, review_note, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT(id) DO UPDATE SET clock_out = excluded.clock_out, minutes = excluded.minutes, status = excluded.status,
             reviewer = excluded.reviewer, review_note = excluded.review_note, body = excluded.body",
        (
            &shift.id,
            &shift.volunteer,
            &shift.activity,
            clock::to_db(shift.clock_in),
            shift.clock_out.map(clock::to_db),
            shift.minutes,
            shift.status.as_str(),
            &shift.reviewer,
            &shift.review_note,
            to_json_text(shift),
        ),
    )?;
    Ok(())
}

fn volunteer_shifts(tx: &Tx<'_>, volunteer: &str) -> Result<Vec<Shift>, AppError> {
    let mut stmt = tx.prepare_cached("SELECT body FROM shifts WHERE volunteer = ?1 AND status IN ('open', 'pending', 'needs_confirmation')")?;
    let bodies = stmt
        .query_map([volunteer], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    bodies.iter().map(|b| from_json_text("shift", b)).collect()
}

pub fn clock_in_volunteer(
    tx: &mut Tx<'_>,
    volunteer: &str,
    activity: &str,
) -> Result<Shift, AppError> {
    tx.actor
        .authorise_for_resident(Permission::RecordVolunteerShifts)?;
    let activity = &text::checked(
        "activity",
        ("活动", "activity"),
        activity,
        text::LABEL_CHARS,
    )?;
    let known: bool = tx
        .query_row(
            "SELECT 1 FROM volunteers WHERE id_number = ?1",
            [volunteer],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if !known {
        return Err(load::not_found(
            "义工登记",
            "volunteer registration",
            &mask_id_number(volunteer),
        ));
    }
    let mut shifts = volunteer_shifts(tx, volunteer)?;
    let started = clock_in(
        &mut shifts,
        uuid::Uuid::now_v7().to_string(),
        volunteer,
        activity,
        tx.now,
        &ShiftPolicy::default(),
    )?;
    for closed in shifts
        .iter()
        .filter(|s| started.auto_closed.contains(&s.id))
    {
        save_shift(tx, closed)?;
        tx.emit(closed.to_recorded_event());
    }
    save_shift(tx, &started.shift)?;
    tx.emit(started.shift.to_recorded_event());
    tx.audit(
        "volunteer_clocked_in",
        &mask_id_number(volunteer),
        json!({"shift": started.shift.id, "activity": activity}),
    );
    Ok(started.shift)
}

/// Clocks a volunteer out; the slip they take home is a record of the time, marked as
/// not a certificate (only approved hours make one).
/// Why the volunteer's open shift (begun at `clock_in`) cannot be clocked out at `now`
/// yet, in words; shown on the 签退 button's screen before anyone taps it.
pub fn clock_out_refused(clock_in: NaiveDateTime, now: NaiveDateTime) -> Option<Text> {
    linli_core::volunteer::too_short_to_close(clock_in, now, &ShiftPolicy::default())
        .map(|error| error.message)
}

pub fn clock_out_volunteer(
    tx: &mut Tx<'_>,
    volunteer: &str,
    printing: Printing,
) -> Result<Shift, AppError> {
    tx.actor
        .authorise_for_resident(Permission::RecordVolunteerShifts)?;
    let mut shifts = volunteer_shifts(tx, volunteer)?;
    let Some(shift) = shifts
        .iter_mut()
        .find(|s| s.status == linli_core::volunteer::ShiftStatus::Open)
    else {
        return Err(load::not_found(
            "进行中的服务",
            "open shift",
            &mask_id_number(volunteer),
        ));
    };
    shift
        .clock_out(tx.now, &ShiftPolicy::default())
        .map_err(|error| -> AppError {
            if error.code == SHIFT_TOO_SHORT {
                // Nothing is written: the shift stays open for the real clock-out.
                Refused::new(
                    SHIFT_TOO_SHORT,
                    Text::new("还不能签退", "too early to clock out"),
                    vec![error.message],
                )
                .into()
            } else {
                error.into()
            }
        })?;
    let shift = shift.clone();
    save_shift(tx, &shift)?;
    tx.emit(shift.to_recorded_event());
    tx.audit(
        "volunteer_clocked_out",
        &mask_id_number(volunteer),
        json!({"shift": shift.id, "minutes": shift.minutes}),
    );
    let person = volunteer_resident(tx, volunteer)?;
    print::issue(tx, printing, &mask_id_number(volunteer), |stamp| {
        slips::volunteer_clock_out(stamp, &person, &shift)
    })?;
    Ok(shift)
}

fn volunteer_resident(tx: &Tx<'_>, volunteer: &str) -> Result<Resident, AppError> {
    load::resident(tx, volunteer)?
        .ok_or_else(|| load::not_found("居民", "resident", &mask_id_number(volunteer)))
}

/// A certificate issued: whose (masked), the period and the approved minutes in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Certificate {
    pub volunteer: String,
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
    pub approved_minutes: u64,
}

/// 志愿服务证明: approved hours in `period` only, verifiable by its code. Issued by
/// staff (a certificate is the centre's word), audited.
pub fn volunteer_certificate(
    tx: &mut Tx<'_>,
    volunteer: &str,
    period: std::ops::RangeInclusive<chrono::NaiveDate>,
    printing: Printing,
) -> Result<Certificate, AppError> {
    tx.authorise(Permission::ApproveVolunteerHours)?;
    if period.start() > period.end() {
        let (from, to) = (period.start(), period.end());
        return Err(Refused::new(
            "bad_period",
            Text::new("日期范围有误", "the period is wrong"),
            vec![Text::new(
                format!("开始日期 {from} 晚于结束日期 {to}"),
                format!("The first day {from} is after the last day {to}"),
            )],
        )
        .into());
    }
    let person = volunteer_resident(tx, volunteer)?;
    let shifts: Vec<Shift> = {
        let mut stmt = tx.prepare_cached("SELECT body FROM shifts WHERE volunteer = ?1")?;
        let bodies = stmt
            .query_map([volunteer], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        bodies
            .iter()
            .map(|b| from_json_text("shift", b))
            .collect::<Result<_, _>>()?
    };
    let (minutes, _) = linli_core::volunteer::approved_in_period(volunteer, &shifts, &[], &period);
    tx.audit(
        "volunteer_certificate_issued",
        &mask_id_number(volunteer),
        json!({"from": period.start(), "to": period.end(), "approved_minutes": minutes}),
    );
    print::issue(tx, printing, &mask_id_number(volunteer), |stamp| {
        slips::volunteer_certificate(stamp, &person, &shifts, &[], period.clone())
    })?;
    Ok(Certificate {
        volunteer: mask_id_number(volunteer),
        from: *period.start(),
        to: *period.end(),
        approved_minutes: minutes,
    })
}

/// A social worker approves (`decline_reason` None) or declines a shift; the
/// signed-in reviewer is recorded.
pub fn review_shift(
    tx: &mut Tx<'_>,
    shift_id: &str,
    decline_reason: Option<&str>,
) -> Result<Shift, AppError> {
    let reviewer = tx.authorise(Permission::ApproveVolunteerHours)?.code;
    let reviewer = reviewer.as_str();
    let decline_reason = decline_reason
        .map(|reason| {
            text::checked(
                "reason",
                ("不通过的原因", "reason"),
                reason,
                text::NOTE_CHARS,
            )
        })
        .transpose()?;
    let decline_reason = decline_reason.as_deref();
    let mut shift = load_shift(tx, shift_id)?;
    let now = tx.now;
    match decline_reason {
        None => shift.approve(reviewer, None, now)?,
        Some(reason) => shift.decline(reviewer, reason, now)?,
    }
    save_shift(tx, &shift)?;
    tx.emit(shift.to_reviewed_event());
    tx.audit(
        "shift_reviewed",
        shift_id,
        json!({"status": shift.status.as_str()}),
    );
    Ok(shift)
}

fn load_shift(tx: &Tx<'_>, shift_id: &str) -> Result<Shift, AppError> {
    let body: String = tx
        .query_row("SELECT body FROM shifts WHERE id = ?1", [shift_id], |r| {
            r.get(0)
        })
        .optional()?
        .ok_or_else(|| load::not_found("服务记录", "shift", shift_id))?;
    from_json_text("shift", &body)
}

/// A social worker confirms when a forgotten shift really ended (the volunteer or
/// the activity's organiser says so); the shift is approved with the hours that earns.
pub fn confirm_shift_end(
    tx: &mut Tx<'_>,
    shift_id: &str,
    real_end: NaiveDateTime,
    note: Option<&str>,
) -> Result<Shift, AppError> {
    let reviewer = tx.authorise(Permission::ApproveVolunteerHours)?.code;
    let reviewer = reviewer.as_str();
    let note = note
        .map(|note| text::checked("note", ("备注", "note"), note, text::NOTE_CHARS))
        .transpose()?;
    let note = note.as_deref();
    let mut shift = load_shift(tx, shift_id)?;
    let now = tx.now;
    shift.confirm_end_time(reviewer, real_end, note, now, &ShiftPolicy::default())?;
    save_shift(tx, &shift)?;
    tx.emit(shift.to_reviewed_event());
    tx.audit(
        "shift_end_confirmed",
        shift_id,
        json!({"minutes": shift.minutes, "clock_out": clock::to_db(real_end)}),
    );
    Ok(shift)
}

/// Whether the resident is registered as a volunteer.
pub fn is_volunteer(conn: &rusqlite::Connection, id_number: &str) -> Result<bool, AppError> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM volunteers WHERE id_number = ?1")?
        .query_row([id_number], |r| r.get::<_, i64>(0))?
        > 0)
}

/// The volunteer's open shift, if they are clocked in. A read that fails is an error,
/// never "not clocked in": that would offer to clock the volunteer in a second time.
pub fn open_shift(conn: &rusqlite::Connection, volunteer: &str) -> Result<Option<Shift>, AppError> {
    let body: Option<String> = conn
        .prepare_cached("SELECT body FROM shifts WHERE volunteer = ?1 AND status = 'open'")?
        .query_row([volunteer], |r| r.get(0))
        .optional()?;
    body.map(|b| from_json_text("shift", &b)).transpose()
}

/// What a volunteer may clock in to today: the programmes running today, then
/// other volunteering.
pub fn activities_on(
    conn: &rusqlite::Connection,
    day: chrono::NaiveDate,
) -> Result<Vec<Text>, AppError> {
    let calendar = load::calendar(conn)?;
    let mut activities: Vec<Text> = load::all_programmes(conn)?
        .into_iter()
        .filter(|p| p.schedule.occurs_on(day, &calendar))
        .map(|p| p.name)
        .collect();
    activities.push(Text::new("其他志愿服务", "Other volunteering"));
    Ok(activities)
}
