//! Sign-ups, cancellations and waiting-list offers.
//!
//! Each use-case loads one programme's roster, lets core decide, and writes exactly
//! what changed with its outbox events and audit record in one transaction. The
//! `BEGIN IMMEDIATE` of [`Store::write`] serialises writers, so two desks can never
//! both take the last seat (invariant 2); the capacity trigger in the schema is the
//! second lock on that door.

use chrono::NaiveDateTime;
use linli_core::eligibility::Applicant;
use linli_core::enrolment::{Enrolment, EnrolmentStatus, Offer, Placement, Roster, SignupRequest};
use linli_core::household::{age_on, Household, Resident};
use linli_core::identity::mask_id_number;
use linli_core::outbox::EventPayload;
use linli_core::programme::Programme;
use linli_core::Text;
use rusqlite::OptionalExtension;
use serde_json::{json, Value};

use linli_core::receipt::Receipt;
use linli_core::slips::{self, SlipStamp};
use linli_core::staff::Permission;

use super::load;
use crate::clock;
use crate::print::{self, IssuedSlip, Printing};
use crate::store::{Actor, AppError, Refused, Store, Tx};

/// Age from which a household member can be a child's guardian.
const ADULT_AGE: u32 = 18;

fn status_to_db(status: EnrolmentStatus) -> String {
    load::serde_name(&status)
}

fn status_from_db(text: &str) -> EnrolmentStatus {
    serde_json::from_value(Value::String(text.to_string())).unwrap_or(EnrolmentStatus::Cancelled)
}

/// Loads the programme's active enrolments as core's roster.
pub fn load_roster(tx: &mut Tx<'_>, programme: &Programme) -> Result<Roster, AppError> {
    let roster = match tx.take_cached_roster(&programme.code) {
        // A programme republished by the district (new capacity, new policy)
        // invalidates what was cached under the old one.
        Some(roster)
            if roster.capacity == programme.capacity
                && roster.offer_hours == programme.offer_hours
                && roster.policy == programme.policy =>
        {
            roster
        }
        _ => stored_roster(tx, programme)?,
    };
    // Seats the district shares across devices: it decides who gets a freed one.
    let district_managed = crate::sync::outbox::grant(tx, &programme.code)?.is_some();
    Ok(if district_managed {
        roster.district_offers()
    } else {
        roster
    })
}

/// A programme's roster as stored, without the connection's cache.
fn stored_roster(conn: &rusqlite::Connection, programme: &Programme) -> Result<Roster, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, resident, status, priority, offer_deadline, reason, updated_at FROM enrolments
         WHERE programme_code = ?1 AND status IN ('confirmed', 'waitlisted', 'offered')",
    )?;
    let rows = stmt.query_map([&programme.code], |r| {
        enrolment_from_row(r, &programme.code)
    })?;
    let entries = rows.collect::<Result<Vec<_>, _>>()?;
    Ok(Roster::for_programme(programme, entries))
}

/// Columns: id, resident, status, priority, offer_deadline, reason, updated_at.
fn enrolment_from_row(r: &rusqlite::Row<'_>, programme_code: &str) -> rusqlite::Result<Enrolment> {
    let priority: String = r.get(3)?;
    let deadline: Option<String> = r.get(4)?;
    let updated: String = r.get(6)?;
    Ok(Enrolment {
        id: r.get(0)?,
        programme_code: programme_code.to_string(),
        resident: r.get(1)?,
        status: status_from_db(&r.get::<_, String>(2)?),
        priority: serde_json::from_str(&priority).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(3, rusqlite::types::Type::Text, Box::new(e))
        })?,
        offer_deadline: deadline.as_deref().and_then(clock::from_db),
        updated_at: clock::from_db(&updated).unwrap_or_default(),
        reason: r.get(5)?,
    })
}

/// A resident's newest enrolment in a programme as it is stored now, whatever its
/// status: what their slip describes.
fn latest_enrolment(
    tx: &Tx<'_>,
    programme_code: &str,
    resident: &str,
) -> Result<Enrolment, AppError> {
    tx.prepare_cached(
        "SELECT id, resident, status, priority, offer_deadline, reason, updated_at FROM enrolments
         WHERE programme_code = ?1 AND resident = ?2 ORDER BY rowid DESC LIMIT 1",
    )?
    .query_row([programme_code, resident], |r| {
        enrolment_from_row(r, programme_code)
    })
    .optional()?
    .ok_or_else(|| load::not_found("报名记录", "enrolment", &mask_id_number(resident)))
}

/// The slips a person takes home for where they now stand in a programme: the
/// confirmation (and a fee slip for a programme with a fee), the waiting-list slip,
/// the offer slip, or the cancellation.
fn issue_slips(
    tx: &mut Tx<'_>,
    printing: Printing,
    resident: &Resident,
    programme: &Programme,
    waitlist_position: Option<u32>,
) -> Result<Vec<IssuedSlip>, AppError> {
    let enrolment = latest_enrolment(tx, &programme.code, resident.id_number.as_str())?;
    let subject = resident.id_number.masked();
    let mut slips = Vec::new();
    let mut issue = |tx: &mut Tx<'_>, build: &dyn Fn(&SlipStamp) -> Receipt| {
        print::issue(tx, printing, &subject, build).map(|slip| slips.extend(slip))
    };
    match enrolment.status {
        EnrolmentStatus::Confirmed => {
            let quote = programme.fee.quote(&resident.tags_on(tx.now.date()));
            // The slip says which of its dates the published calendar cannot yet
            // answer for, rather than promising sessions on unknown holidays.
            let calendar = load::calendar(tx)?;
            issue(tx, &|stamp| {
                slips::enrolment_confirmation(stamp, resident, programme, &quote, &calendar)
            })?;
            if quote.base_fen > 0 {
                issue(tx, &|stamp| {
                    slips::fee_receipt(stamp, resident, programme, &quote, &calendar)
                })?;
            }
        }
        EnrolmentStatus::Waitlisted => {
            let position = waitlist_position.unwrap_or(0);
            issue(tx, &|stamp| {
                slips::waitlist_slip(stamp, resident, programme, &enrolment.priority, position)
            })?;
        }
        EnrolmentStatus::Offered => {
            let deadline = enrolment.offer_deadline.unwrap_or(tx.now);
            issue(tx, &|stamp| {
                slips::offer_slip(stamp, resident, programme, deadline)
            })?;
        }
        _ => {
            issue(tx, &|stamp| {
                slips::cancellation(stamp, resident, programme, &enrolment)
            })?;
        }
    }
    Ok(slips)
}

/// Writes what core changed in the roster, each change with its outbox event, and
/// keeps the roster for the next use-case on this connection.
pub fn save_roster(tx: &mut Tx<'_>, mut roster: Roster) -> Result<Vec<Enrolment>, AppError> {
    let released = roster.take_released();
    if released > 0 {
        crate::sync::apply::record_release(tx, &roster.programme_code, released, roster.capacity)?;
    }
    let changes = roster.take_changes();
    let at = clock::to_db(tx.now);
    // Seats are released before they are taken: writing a cancellation after the
    // offer it caused would trip the capacity trigger for a moment.
    let mut ordered: Vec<&Enrolment> = changes.iter().collect();
    ordered.sort_by_key(|e| {
        matches!(
            e.status,
            EnrolmentStatus::Confirmed | EnrolmentStatus::Offered
        )
    });
    for e in ordered {
        let status = status_to_db(e.status);
        let priority = serde_json::to_string(&e.priority).expect("priority serialises");
        let deadline = e.offer_deadline.map(clock::to_db);
        tx.prepare_cached(
            "INSERT INTO enrolments (id, programme_code, resident, status, sort_key, priority, offer_deadline, reason, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)
             ON CONFLICT(id) DO UPDATE SET status = excluded.status, offer_deadline = excluded.offer_deadline,
                 reason = excluded.reason, updated_at = excluded.updated_at",
        )?
        .execute((
            &e.id,
            &e.programme_code,
            &e.resident,
            &status,
            e.priority.sort_key(),
            &priority,
            &deadline,
            &e.reason,
            &at,
        ))?;
        tx.emit(EventPayload::EnrolmentChanged {
            enrolment_id: e.id.clone(),
            programme_code: e.programme_code.clone(),
            resident_id_number: e.resident.clone(),
            status,
            priority_sort_key: e.priority.sort_key(),
            offer_deadline: e.offer_deadline,
            reason: e.reason.clone(),
        });
    }
    tx.keep_roster(roster);
    Ok(changes)
}

fn programme_or_refuse(tx: &Tx<'_>, code: &str) -> Result<Programme, AppError> {
    load::programme(tx, code)?.ok_or_else(|| load::not_found("服务项目", "programme", code))
}

fn resident_or_refuse(tx: &Tx<'_>, raw_id: &str) -> Result<Resident, AppError> {
    let id = load::parse_id(raw_id, tx.now.date())?;
    load::resident(tx, id.as_str())?
        .ok_or_else(|| load::not_found("居民", "resident", &id.masked()))
}

/// Masked name and ID of whoever got an offer, for output and audit.
fn describe_offer(tx: &Tx<'_>, offer: &Offer) -> Result<Value, AppError> {
    let name: Option<String> = tx
        .query_row(
            "SELECT name FROM residents WHERE id_number = ?1",
            [&offer.resident],
            |r| r.get(0),
        )
        .optional()?;
    Ok(json!({
        "resident": mask_id_number(&offer.resident),
        "name": name.map(|n| linli_core::identity::mask_name(&n)),
        "deadline": clock::to_db(offer.deadline),
    }))
}

/// Lapses offers whose deadline passed, passing each seat on, and offers free seats. Every roster-touching
/// use-case does this first, so a deadline passes even on a device nobody touched.
fn expire(tx: &mut Tx<'_>, roster: &mut Roster) -> Result<Vec<Value>, AppError> {
    let now = tx.now;
    let expired = roster.expire_offers(now);
    // Seats the district granted since the last load (a raised capacity) go to the
    // waiting list too; without this they would sit empty while people wait.
    let granted = roster.offer_free_seats(now);
    let mut passed_on = Vec::new();
    for offer in expired
        .iter()
        .filter_map(|(_, offer)| offer.as_ref())
        .chain(granted.iter())
    {
        passed_on.push(describe_offer(tx, offer)?);
    }
    Ok(passed_on)
}

fn refusal(r: linli_core::enrolment::Refusal, zh: &str, en: &str) -> AppError {
    let code = load::serde_name(&r.code);
    Refused::new(&code, Text::new(zh, en), r.reasons).into()
}

/// What eligibility needs to know besides the resident: their household, the
/// centre's community, and whether another adult in the household can be a guardian.
fn applicant_context(
    conn: &rusqlite::Connection,
    resident: &Resident,
    today: chrono::NaiveDate,
) -> Result<(Household, String, bool), AppError> {
    let household = load::household(conn, &resident.household_code)?
        .ok_or_else(|| load::not_found("户", "household", &resident.household_code))?;
    let members = load::household_members(conn, &household.code)?;
    let has_guardian = members
        .iter()
        .any(|m| m.id_number != resident.id_number && age_on(m.birth_date(), today) >= ADULT_AGE);
    let centre_community = conn
        .prepare_cached("SELECT value FROM settings WHERE key = 'community_code'")?
        .query_row([], |r| r.get::<_, String>(0))
        .optional()?
        .unwrap_or_default();
    Ok((household, centre_community, has_guardian))
}

/// Whether the resident went unplaced in this kind of programme last term: it ranks
/// them ahead within their priority group (the 轮候 policy's credit).
fn unplaced_last_term(
    conn: &rusqlite::Connection,
    programme: &Programme,
    resident: &Resident,
) -> Result<bool, AppError> {
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM unplaced_last_term WHERE programme_kind = ?1 AND resident = ?2",
        )?
        .query_row(
            [
                load::serde_name(&programme.kind),
                resident.id_number.as_str().to_string(),
            ],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// One programme as a resident sees it before signing up.
#[derive(Clone, Debug)]
pub struct ProgrammeOption {
    pub code: String,
    pub name: Text,
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

/// Every open programme for `resident`: eligible ones first, then the others with
/// their reasons, each group in name order.
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
        options.push(ProgrammeOption {
            code: programme.code.clone(),
            name: programme.name.clone(),
            schedule: programme.schedule.describe(),
            fee: programme
                .fee
                .quote(&resident.tags_on(today))
                .describe(programme.fee.per),
            reasons: programme
                .rules
                .evaluate(&applicant)
                .err()
                .unwrap_or_default(),
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

pub fn signup_in(
    tx: &mut Tx<'_>,
    raw_id: &str,
    programme_code: &str,
) -> Result<Placement, AppError> {
    tx.actor
        .authorise_for_resident(Permission::ManageEnrolments)?;
    let now = tx.now;
    let today = now.date();
    let programme = programme_or_refuse(tx, programme_code)?;
    let resident = resident_or_refuse(tx, raw_id)?;
    let (household, centre_community, has_guardian) = applicant_context(tx, &resident, today)?;
    let mut other_active_schedules = Vec::new();
    {
        let mut stmt = tx.prepare_cached(
            "SELECT DISTINCT programme_code FROM enrolments
             WHERE resident = ?1 AND programme_code <> ?2 AND status IN ('confirmed', 'waitlisted', 'offered')",
        )?;
        let codes = stmt
            .query_map([resident.id_number.as_str(), programme_code], |r| {
                r.get::<_, String>(0)
            })?
            .collect::<Result<Vec<_>, _>>()?;
        for code in codes {
            if let Some(other) = load::programme(tx, &code)? {
                // Named as the resident knows it, in both languages, for the refusal.
                let name = format!("{} / {}", other.name.zh, other.name.en);
                other_active_schedules.push((name, other.schedule.clone()));
            }
        }
    }
    let unplaced_last_term = unplaced_last_term(tx, &programme, &resident)?;
    // Sequence numbers only break ties between applications in the same second;
    // enrolments are never deleted, so the highest rowid only grows.
    let seq: u64 = tx
        .prepare_cached("SELECT coalesce(max(rowid), 0) FROM enrolments")?
        .query_row([], |r| r.get::<_, i64>(0))? as u64
        + 1;
    let mut roster = load_roster(tx, &programme)?;
    expire(tx, &mut roster)?;
    let request = SignupRequest {
        programme: &programme,
        applicant: Applicant {
            resident: &resident,
            household: &household,
            centre_community_code: &centre_community,
            has_guardian_in_household: has_guardian,
        },
        other_active_schedules,
        unplaced_last_term,
        enrolment_id: uuid::Uuid::now_v7().to_string(),
        now,
        seq,
    };
    let placement = roster
        .signup(request)
        .map_err(|r| refusal(r, "报名未成功", "sign-up refused"))?;
    save_roster(tx, roster)?;
    let masked = resident.id_number.masked();
    match &placement {
        Placement::Confirmed { enrolment_id } => tx.audit(
            "signup_confirmed",
            &masked,
            json!({"programme": programme.code, "enrolment": enrolment_id}),
        ),
        Placement::Waitlisted {
            enrolment_id,
            position,
            ..
        } => tx.audit(
            "signup_waitlisted",
            &masked,
            json!({"programme": programme.code, "enrolment": enrolment_id, "position": position}),
        ),
    }
    Ok(placement)
}

/// `linli signup`.
pub fn signup(
    store: &mut Store,
    actor: &Actor,
    now: NaiveDateTime,
    raw_id: &str,
    programme_code: &str,
    printing: Printing,
) -> Result<Value, AppError> {
    let (outcome, slips) = store.write(actor, now, |tx| {
        let placement = signup_in(tx, raw_id, programme_code)?;
        let position = match &placement {
            Placement::Waitlisted { position, .. } => Some(*position),
            Placement::Confirmed { .. } => None,
        };
        let resident = resident_or_refuse(tx, raw_id)?;
        let programme = programme_or_refuse(tx, programme_code)?;
        let slips = issue_slips(tx, printing, &resident, &programme, position)?;
        Ok((placement, slips))
    })?;
    Ok(match outcome {
        Placement::Confirmed { enrolment_id } => json!({
            "status": "confirmed",
            "enrolment_id": enrolment_id,
            "programme": programme_code,
            "slips": slips,
        }),
        Placement::Waitlisted {
            enrolment_id,
            position,
            explanation,
        } => json!({
            "status": "waitlisted",
            "position": position,
            "explanation": explanation.to_string(),
            "enrolment_id": enrolment_id,
            "programme": programme_code,
            "slips": slips,
        }),
    })
}

/// `linli cancel`: a cancelled seat goes to the head of the waiting list at once.
pub fn cancel(
    store: &mut Store,
    actor: &Actor,
    now: NaiveDateTime,
    raw_id: &str,
    programme_code: &str,
    printing: Printing,
) -> Result<Value, AppError> {
    store.write(actor, now, |tx| {
        cancel_in(tx, raw_id, programme_code, printing)
    })
}

/// [`cancel`] inside a transaction the caller holds.
pub fn cancel_in(
    tx: &mut Tx<'_>,
    raw_id: &str,
    programme_code: &str,
    printing: Printing,
) -> Result<Value, AppError> {
    tx.actor
        .authorise_for_resident(Permission::ManageEnrolments)?;
    {
        let programme = programme_or_refuse(tx, programme_code)?;
        let resident = resident_or_refuse(tx, raw_id)?;
        let mut roster = load_roster(tx, &programme)?;
        expire(tx, &mut roster)?;
        let outcome = roster
            .cancel(resident.id_number.as_str(), tx.now)
            .map_err(|r| refusal(r, "取消未成功", "cancellation refused"))?;
        let status_now =
            roster_status(&roster, &outcome.enrolment_id).unwrap_or(EnrolmentStatus::Cancelled);
        save_roster(tx, roster)?;
        let offered = match &outcome.offer {
            Some(offer) => describe_offer(tx, offer)?,
            None => Value::Null,
        };
        let masked = resident.id_number.masked();
        tx.audit(
            "enrolment_cancelled",
            &masked,
            json!({"programme": programme.code, "enrolment": outcome.enrolment_id, "offered": offered}),
        );
        let slips = issue_slips(tx, printing, &resident, &programme, None)?;
        Ok(json!({
            "status": status_to_db(status_now),
            "previous": status_to_db(outcome.previous),
            "programme": programme.code,
            "resident": masked,
            "offered_to": offered,
            "slips": slips,
        }))
    }
}

fn roster_status(roster: &Roster, enrolment_id: &str) -> Option<EnrolmentStatus> {
    roster
        .entries()
        .iter()
        .find(|e| e.id == enrolment_id)
        .map(|e| e.status)
}

/// `linli offer accept|decline`.
pub fn answer_offer(
    store: &mut Store,
    actor: &Actor,
    now: NaiveDateTime,
    raw_id: &str,
    programme_code: &str,
    accept: bool,
    printing: Printing,
) -> Result<Value, AppError> {
    store.write(actor, now, |tx| {
        tx.actor
            .authorise_for_resident(Permission::ManageEnrolments)?;
        let programme = programme_or_refuse(tx, programme_code)?;
        let resident = resident_or_refuse(tx, raw_id)?;
        let mut roster = load_roster(tx, &programme)?;
        let id = resident.id_number.as_str();
        let masked = resident.id_number.masked();
        // The sweep below would lapse this resident's own late offer first, and they
        // would hear "no enrolment found" instead of "the deadline passed".
        if let Some(deadline) = roster
            .enrolment(id)
            .filter(|e| e.status == EnrolmentStatus::Offered)
            .and_then(|e| e.offer_deadline)
            .filter(|deadline| *deadline < tx.now)
        {
            if accept {
                roster
                    .accept_offer(id, tx.now)
                    .map_err(|r| refusal(r, "未能接受名额", "the offer could not be accepted"))?;
            } else {
                let at = deadline.format("%Y-%m-%d %H:%M");
                return Err(Refused::new(
                    "offer_expired",
                    Text::new("无需放弃名额", "nothing to decline"),
                    vec![Text::new(
                        format!("保留名额的确认期限已于{at}截止，名额已自动放弃，无需再操作"),
                        format!("The offer ran out at {at} and has already lapsed; nothing more to do"),
                    )],
                )
                .into());
            }
        }
        expire(tx, &mut roster)?;
        if accept {
            roster
                .accept_offer(id, tx.now)
                .map_err(|r| refusal(r, "未能接受名额", "the offer could not be accepted"))?;
            save_roster(tx, roster)?;
            tx.audit("offer_accepted", &masked, json!({"programme": programme.code}));
            let slips = issue_slips(tx, printing, &resident, &programme, None)?;
            Ok(json!({"status": "confirmed", "programme": programme.code, "resident": masked, "slips": slips}))
        } else {
            let enrolment_id = roster.enrolment(id).map(|e| e.id.clone());
            let next = roster
                .decline_offer(id, tx.now)
                .map_err(|r| refusal(r, "未能放弃名额", "the offer could not be declined"))?;
            // Said as it is recorded: a declined seat is cancelled (core's word for giving
            // up a held seat), not "withdrawn" (leaving the waiting list).
            let status = enrolment_id
                .and_then(|eid| roster_status(&roster, &eid))
                .unwrap_or(EnrolmentStatus::Cancelled);
            save_roster(tx, roster)?;
            let offered = match &next {
                Some(offer) => describe_offer(tx, offer)?,
                None => Value::Null,
            };
            tx.audit("offer_declined", &masked, json!({"programme": programme.code, "offered": offered}));
            let slips = issue_slips(tx, printing, &resident, &programme, None)?;
            Ok(json!({"status": status_to_db(status), "programme": programme.code, "resident": masked, "offered_to": offered, "slips": slips}))
        }
    })
}

/// `linli slip`: prints where a resident stands in a programme now (confirmation,
/// waiting-list place, offer with its deadline, or cancellation), e.g. for someone
/// told of an offer by phone who comes to the desk, or who lost their slip.
pub fn status_slip(
    store: &mut Store,
    actor: &Actor,
    now: NaiveDateTime,
    raw_id: &str,
    programme_code: &str,
    printing: Printing,
) -> Result<Value, AppError> {
    store.write(actor, now, |tx| {
        tx.actor
            .authorise_for_resident(Permission::ManageEnrolments)?;
        let programme = programme_or_refuse(tx, programme_code)?;
        let resident = resident_or_refuse(tx, raw_id)?;
        let roster = load_roster(tx, &programme)?;
        let position = roster.position(resident.id_number.as_str());
        tx.keep_roster(roster);
        let slips = issue_slips(tx, printing, &resident, &programme, position)?;
        tx.audit(
            "status_slip_printed",
            &resident.id_number.masked(),
            json!({"programme": programme.code}),
        );
        Ok(json!({"programme": programme.code, "resident": resident.id_number.masked(), "slips": slips}))
    })
}

/// Sweeps every programme for lapsed offers; the kiosk runs it periodically.
pub fn expire_offers(store: &mut Store, now: NaiveDateTime) -> Result<Value, AppError> {
    store.write(&Actor::system(), now, |tx| {
        let mut passed = Vec::new();
        for programme in load::all_programmes(tx)? {
            let mut roster = load_roster(tx, &programme)?;
            let moved = expire(tx, &mut roster)?;
            let changes = save_roster(tx, roster)?;
            if !changes.is_empty() {
                tx.audit(
                    "offers_expired",
                    &programme.code,
                    json!({"passed_on": moved.len()}),
                );
            }
            passed.extend(moved);
        }
        Ok(json!({"passed_on": passed}))
    })
}
