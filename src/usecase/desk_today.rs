//! The desk's day at a glance, for the staff home of a front-desk terminal: every
//! session running today with its figures, offers waiting for an answer with their
//! deadlines, and the children not yet collected after closing.

use chrono::{NaiveDateTime, NaiveTime};
use linli_core::dates::day_time_text;
use linli_core::identity::mask_name;
use linli_core::programme::ProgrammeKind;
use linli_core::roll_call::{minutes_late, RollState, SessionCounts};
use linli_core::staff::Permission;
use linli_core::Text;
use rusqlite::Connection;
use serde::Serialize;

use super::load;
use super::roll_call;
use crate::clock;
use crate::error::AppError;
use crate::store::Actor;

/// One session running today.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SessionToday {
    pub programme_code: String,
    #[serde(serialize_with = "crate::json_shapes::both_languages")]
    pub name: Text,
    pub kind: ProgrammeKind,
    pub starts: NaiveTime,
    pub ends: NaiveTime,
    pub counts: SessionCounts,
    /// Children still here after the end and the grace period.
    pub late: u32,
    /// A children's programme: the desk takes its roll call.
    pub roll_call: bool,
}

/// A seat offered from the waiting list, not yet answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OfferWaiting {
    pub name_masked: String,
    #[serde(serialize_with = "crate::json_shapes::both_languages")]
    pub programme: Text,
    #[serde(serialize_with = "crate::json_shapes::db_time")]
    pub deadline: NaiveDateTime,
    #[serde(serialize_with = "crate::json_shapes::both_languages")]
    pub deadline_text: Text,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DeskToday {
    pub sessions: Vec<SessionToday>,
    /// Soonest deadline first.
    pub offers: Vec<OfferWaiting>,
    /// Children not yet collected once their session's grace period is over.
    pub uncollected: u32,
}

/// Today at the desk. Children's programmes count from their roll call; day care and
/// activities from who is enrolled and who came.
pub fn today(conn: &Connection, actor: &Actor, now: NaiveDateTime) -> Result<DeskToday, AppError> {
    actor.authorise(Permission::TakeRollCall)?;
    let date = now.date();
    let calendar = load::calendar(conn)?;
    let mut programmes: Vec<_> = load::all_programmes(conn)?
        .into_iter()
        .filter(|p| p.schedule.occurs_on(date, &calendar))
        .collect();
    programmes.sort_by_key(|p| (p.schedule.start, p.code.clone()));
    let mut day = DeskToday::default();
    for programme in programmes {
        let children = matches!(
            programme.kind,
            ProgrammeKind::AfterSchool | ProgrammeKind::LunchCare
        );
        let (counts, late) = if children {
            let roll = roll_call::roll_call(conn, actor, &programme.code, date)?;
            let here = roll
                .children
                .iter()
                .filter(|c| c.state == RollState::Here)
                .count() as u32;
            let late = minutes_late(date, roll.ends, now).map_or(0, |_| here);
            (roll.counts, late)
        } else {
            (attended_counts(conn, &programme.code, date)?, 0)
        };
        day.uncollected += late;
        day.sessions.push(SessionToday {
            programme_code: programme.code.clone(),
            name: programme.name.clone(),
            kind: programme.kind,
            starts: programme.schedule.start,
            ends: programme.schedule.end,
            counts,
            late,
            roll_call: children,
        });
    }
    day.offers = offers_waiting(conn)?;
    Ok(day)
}

/// Enrolled, came, and left, for a programme without a roll call of its own here.
fn attended_counts(
    conn: &Connection,
    programme: &str,
    date: chrono::NaiveDate,
) -> Result<SessionCounts, AppError> {
    let expected: u32 = conn
        .prepare_cached(
            "SELECT count(*) FROM enrolments WHERE programme_code = ?1 AND status = 'confirmed'",
        )?
        .query_row([programme], |r| r.get(0))?;
    let (arrived, left): (u32, u32) = conn
        .prepare_cached(
            "SELECT count(*), count(checked_out_at) FROM attendance
             WHERE programme_code = ?1 AND session_date = ?2",
        )?
        .query_row((programme, date.to_string()), |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    Ok(SessionCounts {
        expected,
        arrived,
        absent: 0,
        left,
    })
}

fn offers_waiting(conn: &Connection) -> Result<Vec<OfferWaiting>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT r.name, e.programme_code, e.offer_deadline FROM enrolments e
         JOIN residents r ON r.id_number = e.resident
         WHERE e.status = 'offered' AND e.offer_deadline IS NOT NULL
         ORDER BY e.offer_deadline",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut offers = Vec::new();
    for (name, code, deadline) in rows {
        let Some(deadline) = clock::from_db(&deadline) else {
            continue;
        };
        let programme = load::programme(conn, &code)?
            .map(|p| p.name)
            .unwrap_or_else(|| Text::new(code.clone(), code.clone()));
        offers.push(OfferWaiting {
            name_masked: mask_name(&name),
            programme,
            deadline,
            deadline_text: day_time_text(deadline),
        });
    }
    Ok(offers)
}
