//! 好差评: a resident rates a session they attended; a bad rating opens a follow-up
//! that a social worker closes with what the resident was told.

use chrono::NaiveDate;
use linli_core::dates::weekday_day_text;
use linli_core::outbox::EventPayload;
use linli_core::rating::{normalise_comment, FollowUp, FollowUpPolicy, Rating, RatingLevel};
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
    let mut follow_up: FollowUp = from_json_text("follow-up", &body)?;
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
    /// The session's date as stored (ISO), for matching; [`ServiceUse::title`] is
    /// what a resident reads.
    pub date: String,
}

impl ServiceUse {
    /// The session as the rating list names it, in one language each:
    /// "张小明 · 四点半学校 · 11月20日（周五）" / "张小明 · After-school club · Fri 20 Nov".
    pub fn title(&self) -> Text {
        let day = NaiveDate::parse_from_str(&self.date, "%Y-%m-%d")
            .map(weekday_day_text)
            // Stored dates are written by this program; show anything else as it is.
            .unwrap_or_else(|_| Text::new(self.date.clone(), self.date.clone()));
        Text::new(
            format!(
                "{} · {} · {}",
                self.member_name, self.programme_name.zh, day.zh
            ),
            format!(
                "{} · {} · {}",
                self.member_name, self.programme_name.en, day.en
            ),
        )
    }
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

/// Records a 好差评; a bad one opens a follow-up due in working days.
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
