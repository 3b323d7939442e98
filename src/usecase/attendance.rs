//! 签到签退: the roll call, day-care attendance and pickup. A child leaves only with
//! an adult on their pickup list, or alone when the guardian allowed it and core's
//! age rule agrees.

use chrono::NaiveDate;
use linli_core::attendance::{
    Attendance, AttendanceState, Collector, Leaving, PickupAuthorisation,
};
use linli_core::household::age_on;
use linli_core::identity::mask_id_number;
use linli_core::programme::ProgrammeKind;
use linli_core::staff::Permission;
use linli_core::text;
use linli_core::Text;
use rusqlite::OptionalExtension;
use serde_json::json;

use super::load;
use super::stored_json::{from_json_text, to_json_text};
use crate::clock;
use crate::error::{AppError, Refused};
use crate::store::Tx;

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
        Some(body) => from_json_text("attendance", &body),
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
            Some(body) => from_json_text("pickup list", &body)?,
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
