//! 请假: absences from 四点半学校 and 学生午托, marked at the roll call or reported in
//! advance by a parent, for today or a later day, the whole day or half of it. Core
//! (`linli_core::absence`) checks the date, the session and the note; this module
//! checks what needs the store (a confirmed seat, today's check-in) and records it
//! with its audit record and its outbox event.

use chrono::NaiveDate;
use linli_core::absence::{
    check_report, Absence, AbsenceReason, AbsenceReport, DayPart, ALREADY_CHECKED_IN, IN_THE_PAST,
};
use linli_core::dates::{long_date_text, weekday_day_text};
use linli_core::identity::mask_id_number;
use linli_core::programme::Programme;
use linli_core::staff::Permission;
use linli_core::Text;
use rusqlite::OptionalExtension;
use serde::Serialize;
use serde_json::json;

use super::load;
use crate::clock;
use crate::error::{AppError, Refused};
use crate::store::Tx;

/// An absence on the roll call's list: the record and the child's name, for the
/// screen to mask as it shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RollAbsence {
    pub absence: Absence,
    pub name: String,
}

fn programme(conn: &rusqlite::Connection, code: &str) -> Result<Programme, AppError> {
    load::programme(conn, code)?.ok_or_else(|| load::not_found("服务项目", "programme", code))
}

/// A child already here today is not absent: staff check them out instead, which
/// records who collected them.
fn refuse_if_checked_in(
    tx: &Tx<'_>,
    programme: &Programme,
    resident: &str,
    date: NaiveDate,
) -> Result<(), AppError> {
    let arrived: Option<String> = tx
        .query_row(
            "SELECT checked_in_at FROM attendance WHERE programme_code = ?1 AND session_date = ?2 AND resident = ?3",
            (&programme.code, date.to_string(), resident),
            |r| r.get(0),
        )
        .optional()?;
    let Some(arrived) = arrived.as_deref().and_then(clock::from_db) else {
        return Ok(());
    };
    let time = arrived.format("%H:%M");
    Err(Refused::new(
        ALREADY_CHECKED_IN,
        Text::new("孩子已签到，不能请假", "the child has checked in already"),
        vec![Text::new(
            format!(
                "居民{}今天{time}已在「{}」签到；要提前离开，请办理签退（须由授权接送人接走）",
                mask_id_number(resident),
                programme.name.zh
            ),
            format!(
                "Resident {} checked in to \"{}\" at {time} today; to leave early, check them out (to an authorised pickup adult)",
                mask_id_number(resident),
                programme.name.en
            ),
        )],
    )
    .into())
}

fn absence_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Absence> {
    let text = |i: usize| r.get::<_, String>(i);
    let date: NaiveDate = text(2)?.parse().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(2, rusqlite::types::Type::Text, Box::new(e))
    })?;
    Ok(Absence {
        programme_code: text(0)?,
        resident_id_number: text(1)?,
        date,
        part: DayPart::from_code(&text(3)?).unwrap_or(DayPart::WholeDay),
        reason: AbsenceReason::from_code(&text(4)?).unwrap_or(AbsenceReason::Other),
        note: r.get(5)?,
        reported_at: clock::from_db(&text(6)?).unwrap_or_default(),
        reported_by: text(7)?,
        withdrawn_at: r
            .get::<_, Option<String>>(8)?
            .as_deref()
            .and_then(clock::from_db),
    })
}

const ABSENCE_COLUMNS: &str =
    "programme_code, resident, date, part, reason, note, reported_at, reported_by, withdrawn_at";

/// Records that `resident` will be (or is) away from `programme` on the report's date
/// and part of the day. Reporting the same date and part again replaces the reason
/// and note (a parent calling back with more), and revives a withdrawn absence.
pub fn report_absence(
    tx: &mut Tx<'_>,
    programme_code: &str,
    resident: &str,
    report: &AbsenceReport,
) -> Result<Absence, AppError> {
    tx.authorise(Permission::TakeRollCall)?;
    let planned = programme(tx, programme_code)?;
    let today = tx.now.date();
    let report = check_report(report, &planned, today, &load::calendar(tx)?)?;
    load::resident(tx, resident)?
        .ok_or_else(|| load::not_found("居民", "resident", &mask_id_number(resident)))?;
    // Only a child with a confirmed seat is expected, so only they can be away.
    super::roster::refuse_unless_confirmed(
        tx,
        &planned,
        resident,
        Text::new("不能请假", "cannot record the absence"),
        Text::new(
            "，无需请假；请核对孩子和项目",
            ", so there is no session to be away from; check the child and the programme",
        ),
    )?;
    if report.date == today {
        refuse_if_checked_in(tx, &planned, resident, today)?;
    }
    let absence = Absence {
        programme_code: planned.code.clone(),
        resident_id_number: resident.to_string(),
        date: report.date,
        part: report.part,
        reason: report.reason,
        note: report.note.clone(),
        reported_at: tx.now,
        reported_by: tx.actor.name().to_string(),
        withdrawn_at: None,
    };
    tx.execute(
        "INSERT INTO absences (programme_code, resident, date, part, reason, note, reported_at, reported_by, withdrawn_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL)
         ON CONFLICT(programme_code, resident, date, part) DO UPDATE SET
             reason = excluded.reason, note = excluded.note, reported_at = excluded.reported_at,
             reported_by = excluded.reported_by, withdrawn_at = NULL",
        (
            &absence.programme_code,
            &absence.resident_id_number,
            absence.date.to_string(),
            absence.part.code(),
            absence.reason.code(),
            &absence.note,
            clock::to_db(absence.reported_at),
            &absence.reported_by,
        ),
    )?;
    tx.emit(absence.to_event());
    // The note stays out of the audit detail: it may say what the illness is.
    tx.audit(
        "absence_reported",
        &mask_id_number(resident),
        json!({
            "programme": absence.programme_code,
            "date": absence.date,
            "part": absence.part.code(),
            "reason": absence.reason.code(),
        }),
    );
    Ok(absence)
}

/// The parent calls back: the child comes after all. The absence is kept, marked
/// withdrawn, so the roll call and the meal count expect the child again.
pub fn withdraw_absence(
    tx: &mut Tx<'_>,
    programme_code: &str,
    resident: &str,
    date: NaiveDate,
    part: DayPart,
) -> Result<Absence, AppError> {
    tx.authorise(Permission::TakeRollCall)?;
    let planned = programme(tx, programme_code)?;
    if date < tx.now.date() {
        let day = long_date_text(date);
        return Err(linli_core::FieldError::new(
            "date",
            IN_THE_PAST,
            format!("{}已经过去，请假记录不再更改", day.zh),
            format!("{} has passed; its absences are no longer changed", day.en),
        )
        .into());
    }
    let found: Option<Absence> = tx
        .query_row(
            &format!(
                "SELECT {ABSENCE_COLUMNS} FROM absences
                 WHERE programme_code = ?1 AND resident = ?2 AND date = ?3 AND part = ?4 AND withdrawn_at IS NULL"
            ),
            (&planned.code, resident, date.to_string(), part.code()),
            absence_from_row,
        )
        .optional()?;
    let Some(mut absence) = found else {
        let day = weekday_day_text(date);
        return Err(Refused::new(
            "no_absence",
            Text::new("没有这条请假记录", "no such absence"),
            vec![Text::new(
                format!(
                    "居民{}在{}{}没有「{}」的请假记录",
                    mask_id_number(resident),
                    day.zh,
                    part.label().zh,
                    planned.name.zh
                ),
                format!(
                    "Resident {} has no absence from \"{}\" on {} ({})",
                    mask_id_number(resident),
                    planned.name.en,
                    day.en,
                    part.label().en
                ),
            )],
        )
        .into());
    };
    absence.withdrawn_at = Some(tx.now);
    tx.execute(
        "UPDATE absences SET withdrawn_at = ?5
         WHERE programme_code = ?1 AND resident = ?2 AND date = ?3 AND part = ?4",
        (
            &absence.programme_code,
            resident,
            date.to_string(),
            part.code(),
            clock::to_db(tx.now),
        ),
    )?;
    tx.emit(absence.to_event());
    tx.audit(
        "absence_withdrawn",
        &mask_id_number(resident),
        json!({"programme": absence.programme_code, "date": date, "part": part.code()}),
    );
    Ok(absence)
}

/// A child's absences from today on (not withdrawn), soonest first, for the desk's
/// page of the child: what a parent reported, to withdraw when they call back.
pub fn upcoming_absences(
    conn: &rusqlite::Connection,
    actor: &crate::store::Actor,
    resident: &str,
    today: NaiveDate,
) -> Result<Vec<Absence>, AppError> {
    actor.authorise(Permission::TakeRollCall)?;
    let mut stmt = conn.prepare(&format!(
        "SELECT {ABSENCE_COLUMNS} FROM absences
         WHERE resident = ?1 AND date >= ?2 AND withdrawn_at IS NULL
         ORDER BY date, programme_code, part"
    ))?;
    let rows = stmt.query_map((resident, today.to_string()), absence_from_row)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// The absences (not withdrawn) from `programme` on `date`, for the roll call: the
/// children not to wait for. Ordered by name, as the roll is.
pub fn absences_on(
    conn: &rusqlite::Connection,
    actor: &crate::store::Actor,
    programme_code: &str,
    date: NaiveDate,
) -> Result<Vec<RollAbsence>, AppError> {
    actor.authorise(Permission::TakeRollCall)?;
    let planned = programme(conn, programme_code)?;
    let mut stmt = conn.prepare(&format!(
        "SELECT {}, r.name FROM absences a JOIN residents r ON r.id_number = a.resident
         WHERE a.programme_code = ?1 AND a.date = ?2 AND a.withdrawn_at IS NULL
         ORDER BY r.name, a.resident, a.part",
        ABSENCE_COLUMNS
            .split(", ")
            .map(|column| format!("a.{column}"))
            .collect::<Vec<_>>()
            .join(", ")
    ))?;
    let rows = stmt.query_map((&planned.code, date.to_string()), |r| {
        Ok(RollAbsence {
            absence: absence_from_row(r)?,
            name: r.get(9)?,
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}
