//! The kiosk's view of the programmes for one resident before they sign up: every
//! reason they may not, their current place, seats left, and where a sign-up now
//! would put them on the waiting list.

use chrono::NaiveDateTime;
use linli_core::dates::weekday_day_time_text;
use linli_core::eligibility::Applicant;
use linli_core::enrolment::{clash_reasons, closed_reason, EnrolmentStatus};
use linli_core::household::Resident;
use linli_core::Text;
use rusqlite::OptionalExtension;

use super::applicant::{applicant_context, other_active_schedules, unplaced_last_term};
use super::load;
use super::roster::{status_from_db, stored_roster};
use crate::clock;
use crate::error::AppError;

/// One programme as a resident sees it before signing up.
#[derive(Clone, Debug)]
pub struct ProgrammeOption {
    pub code: String,
    pub name: Text,
    pub kind: linli_core::programme::ProgrammeKind,
    pub schedule: Text,
    pub fee: Text,
    /// Every reason this resident may not sign up; empty when they may.
    pub reasons: Vec<Text>,
    /// Their current place, if any: confirmed, offered, or waitlisted at a position.
    pub current: Option<(EnrolmentStatus, Option<u32>)>,
    /// Until when an offered seat is held.
    pub offer_deadline: Option<NaiveDateTime>,
    pub free_seats: u32,
    pub waiting: u32,
    /// For a full programme: the waiting-list place a sign-up now would get, by the
    /// 轮候 policy (their priority group, credit, and now as the time of applying).
    pub would_wait_at: Option<u32>,
}

impl ProgrammeOption {
    /// Seats or the waiting list, or the resident's current place, in words.
    pub fn outlook(&self) -> Text {
        match self.current {
            Some((EnrolmentStatus::Confirmed, _)) => Text::new("已报名", "Signed up"),
            Some((EnrolmentStatus::Offered, _)) => Text::new(
                "有名额待您确认，请到前台或在“我的报名”中确认",
                "A seat is offered to you: confirm it at the desk",
            ),
            Some((_, position)) => {
                let position = position.unwrap_or(0);
                Text::new(
                    format!("正在轮候，第{position}位"),
                    format!("On the waiting list, number {position}"),
                )
            }
            None if self.free_seats > 0 => Text::new(
                format!("还有{}个名额", self.free_seats),
                format!("{} seats left", self.free_seats),
            ),
            None => {
                let place = self.would_wait_at.unwrap_or(self.waiting + 1);
                Text::new(
                    format!("已满：现在报名将排在轮候第{place}位（共{}人在等，按轮候规则排序）", self.waiting),
                    format!(
                        "Full: signing up now puts you number {place} on the waiting list ({} waiting, in the order the waiting-list rule sets)",
                        self.waiting
                    ),
                )
            }
        }
    }

    /// Whether a seat is held for the resident, waiting for their answer.
    pub fn is_offered(&self) -> bool {
        matches!(self.current, Some((EnrolmentStatus::Offered, _)))
    }

    /// The resident's place as "my enrolments" lists it: an offer with its deadline,
    /// otherwise the outlook.
    pub fn place(&self) -> Text {
        match (self.is_offered(), self.offer_deadline) {
            (true, Some(deadline)) => {
                let until = weekday_day_time_text(deadline);
                Text::new(
                    format!("有名额为您保留至{}，请在此之前确认", until.zh),
                    format!(
                        "A seat is held for you until {}: answer before then",
                        until.en
                    ),
                )
            }
            _ => self.outlook(),
        }
    }

    /// An offered seat as the member list flags it: the programme and until when.
    pub fn offer_flag(&self) -> Text {
        match self.offer_deadline {
            Some(deadline) => {
                let until = linli_core::dates::weekday_day_time_text(deadline);
                Text::new(
                    format!("「{}」有名额等您确认，{}前有效", self.name.zh, until.zh),
                    format!(
                        "A seat in {} waits for your answer until {}",
                        self.name.en, until.en
                    ),
                )
            }
            None => Text::new(
                format!("「{}」有名额等您确认", self.name.zh),
                format!("A seat in {} waits for your answer", self.name.en),
            ),
        }
    }
}

/// Every programme for `resident`, closed ones included: those they may sign up for
/// first, then the others with their reasons, each group in name order.
pub fn programme_options(
    conn: &rusqlite::Connection,
    resident: &Resident,
    now: NaiveDateTime,
) -> Result<Vec<ProgrammeOption>, AppError> {
    let today = now.date();
    let (household, community, has_guardian) = applicant_context(conn, resident, today)?;
    let applicant = Applicant {
        resident,
        household: &household,
        centre_community_code: &community,
        has_guardian_in_household: has_guardian,
    };
    let mut options = Vec::new();
    for programme in load::all_programmes(conn)? {
        let count = |status: &str| -> Result<u32, rusqlite::Error> {
            conn.prepare_cached(
                "SELECT count(*) FROM enrolments WHERE programme_code = ?1 AND status = ?2",
            )?
            .query_row([programme.code.as_str(), status], |r| r.get(0))
        };
        let held = count("confirmed")? + count("offered")?;
        let waiting = count("waitlisted")?;
        let current = conn
            .prepare_cached(
                "SELECT status, offer_deadline FROM enrolments WHERE programme_code = ?1 AND resident = ?2
                 AND status IN ('confirmed', 'offered', 'waitlisted') ORDER BY rowid DESC LIMIT 1",
            )?
            .query_row([programme.code.as_str(), resident.id_number.as_str()], |r| {
                Ok((
                    status_from_db(&r.get::<_, String>(0)?),
                    r.get::<_, Option<String>>(1)?,
                ))
            })
            .optional()?;
        let offer_deadline = current
            .as_ref()
            .and_then(|(_, deadline)| deadline.as_deref().and_then(clock::from_db));
        let current = current.map(|(status, _)| status);
        let current = match current {
            Some(EnrolmentStatus::Waitlisted) => {
                // The position follows the 轮候 policy, which only the roster knows.
                let roster = stored_roster(conn, &programme)?;
                Some((
                    EnrolmentStatus::Waitlisted,
                    roster.position(resident.id_number.as_str()),
                ))
            }
            Some(status) => Some((status, None)),
            None => None,
        };
        let free_seats = programme.capacity.saturating_sub(held);
        let would_wait_at = if free_seats == 0 && current.is_none() {
            let roster = stored_roster(conn, &programme)?;
            let credit = unplaced_last_term(conn, &programme, resident)?;
            let mine = programme
                .policy
                .priority(&resident.tags_on(today), credit, now, u64::MAX);
            let ahead = roster
                .waitlist()
                .iter()
                .filter(|e| e.priority < mine)
                .count();
            Some(ahead as u32 + 1)
        } else {
            None
        };
        // The reasons a sign-up would be refused with, in the words it would use, so
        // nobody taps 报名 only to learn of a closed door: closed, then every unmet
        // condition, then a clash with what they are already in. A programme they are
        // in already clashes with nothing new, and is not closed to them: they keep
        // their place.
        let mut reasons = programme
            .rules
            .evaluate(&applicant)
            .err()
            .unwrap_or_default();
        if current.is_none() {
            reasons.splice(0..0, closed_reason(&programme));
            let others = other_active_schedules(conn, resident, &programme.code)?;
            reasons.extend(clash_reasons(&programme.schedule, &others));
        }
        options.push(ProgrammeOption {
            code: programme.code.clone(),
            name: programme.name.clone(),
            kind: programme.kind,
            schedule: programme.schedule.describe(),
            fee: programme
                .fee
                .quote(&resident.tags_on(today))
                .describe(programme.fee.per),
            reasons,
            current,
            offer_deadline,
            free_seats,
            waiting,
            would_wait_at,
        });
    }
    options.sort_by(|a, b| {
        (!a.reasons.is_empty(), &a.name.zh).cmp(&(!b.reasons.is_empty(), &b.name.zh))
    });
    Ok(options)
}
