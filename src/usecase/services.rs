//! The day's services: attendance with pickup, volunteer shifts, and ratings.

use chrono::{NaiveDate, NaiveDateTime};
use linli_core::attendance::{
    Attendance, AttendanceState, Collector, Leaving, PickupAuthorisation,
};
use linli_core::household::age_on;
use linli_core::household::Resident;
use linli_core::identity::mask_id_number;
use linli_core::outbox::EventPayload;
use linli_core::programme::ProgrammeKind;
use linli_core::rating::{normalise_comment, FollowUp, FollowUpPolicy, Rating, RatingLevel};
use linli_core::slips;
use linli_core::staff::Permission;
use linli_core::text;
use linli_core::volunteer::{clock_in, Shift, ShiftPolicy};
use linli_core::Text;
use rusqlite::OptionalExtension;
use serde_json::{json, Value};

use super::load;
use crate::clock;
use crate::print::{self, Printing};
use crate::store::{AppError, Refused, Tx};

fn to_json_text<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("domain values serialise")
}

fn from_json_text<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, AppError> {
    serde_json::from_str(text).map_err(|e| {
        AppError::from(rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            Box::new(e),
        ))
    })
}

// ---------------------------------------------------------------- attendance

pub fn set_pickup_authorisation(
    tx: &mut Tx<'_>,
    auth: &PickupAuthorisation,
) -> Result<(), AppError> {
    tx.authorise(Permission::RegisterHouseholds)?;
    for adult in &auth.adults {
        text::checked(
            "name",
            ("接送人姓名", "pickup adult's name"),
            &adult.name,
            text::NAME_CHARS,
        )?;
        text::checked(
            "relation",
            ("与孩子的关系", "relation"),
            &adult.relation,
            text::LABEL_CHARS,
        )?;
    }
    load::resident(tx, &auth.child)?
        .ok_or_else(|| load::not_found("居民", "resident", &mask_id_number(&auth.child)))?;
    // A mistyped ID number here would silently mean that adult can never collect
    // the child, so it is refused while the guardian is still at the desk.
    for adult in &auth.adults {
        if let Some(id) = &adult.id_number {
            linli_core::identity::IdNumber::parse(id, tx.now.date())?;
        }
    }
    tx.execute(
        "INSERT INTO pickup_authorisations (child, body) VALUES (?1, ?2)
         ON CONFLICT(child) DO UPDATE SET body = excluded.body",
        (&auth.child, to_json_text(auth)),
    )?;
    tx.audit(
        "pickup_list_set",
        &mask_id_number(&auth.child),
        json!({"adults": auth.adults.len()}),
    );
    Ok(())
}

fn load_attendance(
    tx: &Tx<'_>,
    programme: &str,
    date: NaiveDate,
    resident: &str,
) -> Result<Attendance, AppError> {
    let body: Option<String> = tx
        .query_row(
            "SELECT body FROM attendance WHERE programme_code = ?1 AND session_date = ?2 AND resident = ?3",
            (programme, date.to_string(), resident),
            |r| r.get(0),
        )
        .optional()?;
    match body {
        Some(body) => from_json_text(&body),
        None => Ok(Attendance::new(programme, date, resident)),
    }
}

fn save_attendance(
    tx: &mut Tx<'_>,
    a: &Attendance,
    picked_up_by: Option<String>,
) -> Result<(), AppError> {
    let (checked_in, checked_out) = match &a.state {
        AttendanceState::Absent => (None, None),
        AttendanceState::CheckedIn { at } => (Some(*at), None),
        AttendanceState::CheckedOut {
            checked_in_at, at, ..
        } => (Some(*checked_in_at), Some(*at)),
    };
    tx.execute(
        "INSERT INTO attendance (programme_code, session_date, resident, checked_in_at, checked_out_at, picked_up_by, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(programme_code, session_date, resident) DO UPDATE SET
             checked_out_at = excluded.checked_out_at, picked_up_by = excluded.picked_up_by, body = excluded.body",
        (
            &a.programme_code,
            a.session_date.to_string(),
            &a.resident_id_number,
            checked_in.map(clock::to_db),
            checked_out.map(clock::to_db),
            picked_up_by,
            to_json_text(a),
        ),
    )?;
    if let Some(event) = a.to_event() {
        tx.emit(event);
    }
    Ok(())
}

/// The programme's kind (`after_school`, `day_care`, ...), or a refusal naming it.
fn programme_kind(tx: &Tx<'_>, programme: &str) -> Result<String, AppError> {
    tx.query_row(
        "SELECT kind FROM programmes WHERE code = ?1",
        [programme],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| load::not_found("服务项目", "programme", programme))
}

/// Only people with a confirmed seat are on a programme's roll.
fn refuse_unless_enrolled(tx: &Tx<'_>, programme: &str, resident: &str) -> Result<(), AppError> {
    let confirmed = tx
        .query_row(
            "SELECT 1 FROM enrolments WHERE programme_code = ?1 AND resident = ?2 AND status = 'confirmed'",
            (programme, resident),
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if confirmed {
        return Ok(());
    }
    let name = load::programme(tx, programme)?
        .map(|p| p.name)
        .unwrap_or_else(|| Text::new(programme, programme));
    Err(Refused::new(
        "not_enrolled",
        Text::new("不能签到", "cannot check in"),
        vec![Text::new(
            format!(
                "居民{}没有「{}」的已确认名额，不能签到；请先报名或核对项目",
                mask_id_number(resident),
                name.zh
            ),
            format!(
                "Resident {} has no confirmed seat in \"{}\" and cannot check in; sign up first or check the programme",
                mask_id_number(resident),
                name.en
            ),
        )],
    )
    .into())
}

pub fn check_in(tx: &mut Tx<'_>, programme: &str, resident: &str) -> Result<(), AppError> {
    let now = tx.now;
    let planned = load::programme(tx, programme)?
        .ok_or_else(|| load::not_found("服务项目", "programme", programme))?;
    tx.authorise(if planned.kind == ProgrammeKind::DayCare {
        Permission::RecordDayCareAttendance
    } else {
        Permission::TakeRollCall
    })?;
    // A roll call on a day the programme does not run (a weekend, a holiday, a
    // school holiday for 四点半学校) is a mistake at the desk, not an attendance.
    if !planned.schedule.occurs_on(now.date(), &load::calendar(tx)?) {
        return Err(Refused::new(
            "no_session",
            Text::new(
                "今天没有这个项目的活动",
                "this programme does not run today",
            ),
            vec![Text::new(
                format!(
                    "「{}」的时间是：{}",
                    planned.name.zh,
                    planned.schedule.describe().zh
                ),
                format!(
                    "\"{}\" runs: {}",
                    planned.name.en,
                    planned.schedule.describe().en
                ),
            )],
        )
        .into());
    }
    refuse_unless_enrolled(tx, programme, resident)?;
    let mut a = load_attendance(tx, programme, now.date(), resident)?;
    a.check_in(now)?;
    save_attendance(tx, &a, None)?;
    tx.audit(
        "checked_in",
        &mask_id_number(resident),
        json!({"programme": programme}),
    );
    Ok(())
}

/// Check-out: children go only to an adult on their pickup list (core decides).
pub fn check_out(
    tx: &mut Tx<'_>,
    programme: &str,
    resident: &str,
    collector: Option<&Collector>,
) -> Result<(), AppError> {
    let now = tx.now;
    let kind = programme_kind(tx, programme)?;
    tx.authorise(if kind == "day_care" {
        Permission::RecordDayCareAttendance
    } else {
        Permission::RecordPickup
    })?;
    let mut a = load_attendance(tx, programme, now.date(), resident)?;
    let person = load::resident(tx, resident)?
        .ok_or_else(|| load::not_found("居民", "resident", &mask_id_number(resident)))?;
    let age = age_on(person.birth_date(), now.date());
    let children_programme = kind == "after_school" || kind == "lunch_care";
    let departure = if children_programme {
        let auth: PickupAuthorisation = match tx
            .query_row(
                "SELECT body FROM pickup_authorisations WHERE child = ?1",
                [resident],
                |r| r.get::<_, String>(0),
            )
            .optional()?
        {
            Some(body) => from_json_text(&body)?,
            None => PickupAuthorisation {
                child: resident.to_string(),
                adults: vec![],
                may_leave_alone: false,
            },
        };
        let collector = collector.cloned().unwrap_or(Collector::Alone);
        a.check_out(
            now,
            Leaving::Child {
                age,
                authorisation: &auth,
                collector: &collector,
            },
        )?
    } else {
        a.check_out(now, Leaving::Unaccompanied)?
    };
    save_attendance(tx, &a, departure.picked_up_by())?;
    tx.audit(
        "checked_out",
        &mask_id_number(resident),
        json!({"programme": programme, "departure": departure}),
    );
    Ok(())
}

// ---------------------------------------------------------------- volunteers

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
    bodies.iter().map(|b| from_json_text(b)).collect()
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
    shift.clock_out(tx.now, &ShiftPolicy::default())?;
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

/// 志愿服务证明: approved hours in `period` only, verifiable by its code. Issued by
/// staff (a certificate is the centre's word), audited.
pub fn volunteer_certificate(
    tx: &mut Tx<'_>,
    volunteer: &str,
    period: std::ops::RangeInclusive<chrono::NaiveDate>,
    printing: Printing,
) -> Result<Value, AppError> {
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
            .map(|b| from_json_text(b))
            .collect::<Result<_, _>>()?
    };
    let (minutes, _) = linli_core::volunteer::approved_in_period(volunteer, &shifts, &[], &period);
    tx.audit(
        "volunteer_certificate_issued",
        &mask_id_number(volunteer),
        json!({"from": period.start(), "to": period.end(), "approved_minutes": minutes}),
    );
    let slip = print::issue(tx, printing, &mask_id_number(volunteer), |stamp| {
        slips::volunteer_certificate(stamp, &person, &shifts, &[], period.clone())
    })?;
    Ok(json!({
        "volunteer": mask_id_number(volunteer),
        "from": period.start(),
        "to": period.end(),
        "approved_minutes": minutes,
        "slips": slip.into_iter().collect::<Vec<_>>(),
    }))
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
    from_json_text(&body)
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

// ---------------------------------------------------------------- ratings

/// Closes a bad rating's follow-up with what the resident was told.
pub fn close_follow_up(tx: &mut Tx<'_>, rating_id: &str, note: &str) -> Result<FollowUp, AppError> {
    let by = tx.authorise(Permission::FollowUpRatings)?.code;
    let by = by.as_str();
    let note = &text::checked("note", ("回访情况", "note"), note, text::NOTE_CHARS)?;
    let body: String = tx
        .query_row(
            "SELECT body FROM follow_ups WHERE rating_id = ?1",
            [rating_id],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| load::not_found("差评回访", "follow-up", rating_id))?;
    let mut follow_up: FollowUp = from_json_text(&body)?;
    follow_up.close(by, note, tx.now)?;
    tx.execute(
        "UPDATE follow_ups SET status = 'closed', body = ?2 WHERE rating_id = ?1",
        (rating_id, to_json_text(&follow_up)),
    )?;
    tx.emit(EventPayload::FollowUpChanged {
        rating_id: rating_id.to_string(),
        status: "closed".into(),
        due: follow_up.due,
        by: Some(by.to_string()),
        note: Some(note.to_string()),
    });
    tx.audit(
        "follow_up_closed",
        rating_id,
        json!({"due": follow_up.due.to_string()}),
    );
    Ok(follow_up)
}

/// Records a 好差评; a bad one opens a follow-up due in working days.
/// How a use of a service is named for its rating: programme, date and enrolment,
/// never the resident's ID number (ratings go to the district).
pub fn service_ref(programme_code: &str, session_date: &str, enrolment_id: &str) -> String {
    format!("{programme_code}:{session_date}:{enrolment_id}")
}

/// A session a household member attended, not yet rated.
#[derive(Clone, Debug)]
pub struct ServiceUse {
    pub service_ref: String,
    pub programme_code: String,
    pub programme_name: linli_core::Text,
    pub member_name: String,
    pub date: String,
}

/// The household's attended sessions of the last 30 days that nobody has rated, newest first.
pub fn unrated_service_uses(
    conn: &rusqlite::Connection,
    household_code: &str,
    today: NaiveDate,
) -> Result<Vec<ServiceUse>, AppError> {
    let since = (today - chrono::Duration::days(30)).to_string();
    // The enrolment a session was attended under is the newest one made by that day,
    // whatever became of it since: a child who left the programme can still rate the
    // sessions they had. Rated sessions are left out before the list is cut to 20, so
    // older unrated ones are not hidden behind newer rated ones.
    let mut stmt = conn.prepare_cached(
        "SELECT a.programme_code, a.session_date, e.id, r.name
         FROM attendance a
         JOIN residents r ON r.id_number = a.resident
         JOIN enrolments e ON e.id = (
             SELECT e2.id FROM enrolments e2
             WHERE e2.resident = a.resident AND e2.programme_code = a.programme_code
               AND e2.created_at <= a.session_date || 'T23:59:59'
             ORDER BY e2.created_at DESC, e2.rowid DESC LIMIT 1)
         WHERE r.household_code = ?1 AND a.session_date >= ?2
           AND NOT EXISTS (SELECT 1 FROM ratings t
                           WHERE t.service_ref = a.programme_code || ':' || a.session_date || ':' || e.id)
         ORDER BY a.session_date DESC, r.name LIMIT 20",
    )?;
    let rows = stmt
        .query_map([household_code, since.as_str()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut uses = Vec::new();
    let mut names: std::collections::HashMap<String, Option<linli_core::Text>> =
        std::collections::HashMap::new();
    for (programme_code, date, enrolment, member_name) in rows {
        let reference = service_ref(&programme_code, &date, &enrolment);
        if !names.contains_key(&programme_code) {
            let name = load::programme(conn, &programme_code)?.map(|p| p.name);
            names.insert(programme_code.clone(), name);
        }
        if let Some(Some(programme_name)) = names.get(&programme_code).cloned() {
            uses.push(ServiceUse {
                service_ref: reference,
                programme_code,
                programme_name,
                member_name,
                date,
            });
        }
    }
    Ok(uses)
}

pub fn submit_rating(
    tx: &mut Tx<'_>,
    service_ref: &str,
    programme_code: &str,
    level: u8,
    reason_tags: Vec<String>,
    comment: Option<String>,
) -> Result<Option<FollowUp>, AppError> {
    // 好差评 is the resident's own voice: staff cannot rate on anyone's behalf.
    if !tx.actor.is_resident() {
        return Err(Refused::new(
            "rating_by_resident_only",
            Text::new("评价只能由居民本人提交", "only residents rate services"),
            vec![Text::new(
                "请居民在自助机上登录后评价",
                "the resident rates the service at the kiosk after signing in",
            )],
        )
        .into());
    }
    let level = RatingLevel::from_u8(level)?;
    // What a resident types is kept trimmed (blank is no comment), not refused for a stray space.
    let comment = match comment {
        Some(raw) => normalise_comment(&raw)?,
        None => None,
    };
    let rating = Rating {
        id: uuid::Uuid::now_v7().to_string(),
        service: service_ref.to_string(),
        programme_code: programme_code.to_string(),
        level,
        reason_tags,
        comment,
        rated_at: tx.now,
    };
    rating.validate()?;
    let already: bool = tx
        .query_row(
            "SELECT 1 FROM ratings WHERE service_ref = ?1",
            [service_ref],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if already {
        linli_core::rating::check_single_rating(std::slice::from_ref(&rating), service_ref)?;
    }
    tx.execute(
        "INSERT INTO ratings (id, service_ref, programme_code, level, body, rated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        (&rating.id, service_ref, programme_code, level.as_u8(), to_json_text(&rating), clock::to_db(tx.now)),
    )?;
    tx.emit(EventPayload::RatingSubmitted {
        rating_id: rating.id.clone(),
        service_ref: rating.service.clone(),
        programme_code: rating.programme_code.clone(),
        level: level.as_u8(),
        reason_tags: rating.reason_tags.clone(),
    });
    let calendar = load::calendar(tx)?;
    let follow_up = FollowUp::open_for(&rating, &calendar, &FollowUpPolicy::default());
    if let Some(f) = &follow_up {
        tx.execute(
            "INSERT INTO follow_ups (rating_id, due, status, body) VALUES (?1, ?2, 'open', ?3)",
            (&f.rating_id, f.due.to_string(), to_json_text(f)),
        )?;
        tx.emit(EventPayload::FollowUpChanged {
            rating_id: f.rating_id.clone(),
            status: "open".into(),
            due: f.due,
            by: None,
            note: None,
        });
    }
    tx.audit(
        "rating_submitted",
        service_ref,
        json!({"level": level.as_u8(), "follow_up": follow_up.as_ref().map(|f| f.due.to_string())}),
    );
    Ok(follow_up)
}

pub fn at(date: NaiveDate, hour: u32, minute: u32) -> NaiveDateTime {
    date.and_hms_opt(hour, minute, 0)
        .expect("a valid time of day")
}
