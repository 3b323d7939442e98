//! The desk's side of a programme's roster: who holds a seat, the waiting list in 轮候
//! order with each person's group and the explanation they were given, the offers
//! out and how the last ones were answered; and the two things staff may do to it,
//! each with a reason in their own words: offer a free seat to the head of the list
//! now (instead of at the next sweep), and withdraw a waiting place or an unanswered
//! offer. The order itself is the policy's and cannot be changed by hand: an offer
//! goes only to the head, and a withdrawn offer's seat passes on as a cancelled one's.
//!
//! Each action is one `Store::write`: the changed enrolments with their
//! `enrolment_changed` events (statuses the district already knows) and an audit
//! record naming the staff member and their reason.

use chrono::{Duration, NaiveDateTime};
use linli_core::dates::weekday_day_time_text;
use linli_core::enrolment::{reason as reason_code, EnrolmentStatus, Roster};
use linli_core::identity::{mask_id_number, mask_name};
use linli_core::programme::Programme;
use linli_core::staff::Permission;
use linli_core::Text;
use rusqlite::Connection;
use serde::Serialize;
use serde_json::json;

use super::enrolment::OfferMade;
use super::load;
use super::roster::{load_roster, save_roster, stored_roster};
use super::search::ResidentRef;
use crate::error::{AppError, Refused};
use crate::json_shapes;
use crate::store::{Actor, Store, Tx};

/// How many answered offers the view lists, newest first.
const ANSWERED_SHOWN: usize = 50;

/// The longest reason staff may give: a sentence or two, kept in the audit log.
pub const MAX_REASON_CHARS: usize = 500;

/// A programme's roster as the desk reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RosterView {
    pub programme: String,
    pub name: Text,
    /// Seats this device may fill.
    pub capacity: u32,
    pub free_seats: u32,
    /// Freed seats go back to the district, which offers them across the centre.
    pub district_offers: bool,
    pub confirmed: Vec<SeatHolder>,
    /// Head first.
    pub waiting: Vec<Waiting>,
    pub offers: Vec<OpenOffer>,
    /// The latest offers that were accepted, declined or ran out, newest first.
    pub answered: Vec<AnsweredOffer>,
    /// The programmes of the same kind a place may be moved to (`move_place`).
    pub move_targets: Vec<MoveTarget>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MoveTarget {
    pub code: String,
    pub name: Text,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeatHolder {
    /// For the desk's screen to act on them; never serialised.
    #[serde(skip)]
    pub id: ResidentRef,
    pub name: String,
    /// Masked ID number.
    pub resident: String,
    #[serde(serialize_with = "json_shapes::db_time")]
    pub since: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Waiting {
    /// For the desk's screen to act on them; never serialised.
    #[serde(skip)]
    pub id: ResidentRef,
    pub position: u32,
    pub name: String,
    /// Masked ID number.
    pub resident: String,
    /// The group by number, as the resident's explanation names it.
    pub group: Text,
    /// The policy's name for the group, for staff only (it can name a family's
    /// circumstances, so it is never on a slip).
    pub bucket: Text,
    pub credit_for_last_term: bool,
    #[serde(serialize_with = "json_shapes::db_time")]
    pub applied_at: NaiveDateTime,
    /// The sentence the resident was given (invariant 3).
    pub explanation: Text,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenOffer {
    /// For the desk's screen to act on them; never serialised.
    #[serde(skip)]
    pub id: ResidentRef,
    pub name: String,
    /// Masked ID number.
    pub resident: String,
    #[serde(serialize_with = "json_shapes::db_time")]
    pub deadline: NaiveDateTime,
    pub deadline_words: Text,
    /// The deadline has passed; the next sweep passes the seat on.
    pub lapsed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OfferAnswer {
    Accepted,
    Declined,
    Lapsed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnsweredOffer {
    pub name: String,
    /// Masked ID number.
    pub resident: String,
    pub answer: OfferAnswer,
    #[serde(serialize_with = "json_shapes::db_time")]
    pub at: NaiveDateTime,
}

/// A seat staff offered now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeatOffered {
    pub programme: String,
    pub name: String,
    /// Masked ID number.
    pub resident: String,
    #[serde(serialize_with = "json_shapes::db_time")]
    pub deadline: NaiveDateTime,
    pub deadline_words: Text,
    pub reason: String,
}

/// A waiting place or an offer staff withdrew, and where a freed seat went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlaceWithdrawn {
    pub programme: String,
    pub name: String,
    /// Masked ID number.
    pub resident: String,
    pub previous: EnrolmentStatus,
    pub status: EnrolmentStatus,
    pub offered_to: Option<OfferMade>,
    pub reason: String,
}

fn programme_or_refuse(conn: &Connection, code: &str) -> Result<Programme, AppError> {
    load::programme(conn, code)?.ok_or_else(|| load::not_found("服务项目", "programme", code))
}

fn name_of(conn: &Connection, id_number: &str) -> Result<String, AppError> {
    Ok(load::resident(conn, id_number)?
        .map(|r| r.name)
        .unwrap_or_default())
}

/// `linli roster show`: the roster of `programme_code` for a member allowed to manage
/// enrolments. Reads only (masked IDs, no audit).
pub fn roster_view(
    store: &Store,
    actor: &Actor,
    programme_code: &str,
    now: NaiveDateTime,
) -> Result<RosterView, AppError> {
    actor.authorise(Permission::ManageEnrolments)?;
    let conn = store.conn();
    let programme = programme_or_refuse(conn, programme_code)?;
    let roster = stored_roster(conn, &programme)?;
    let district_offers = super::seats::grant(conn, &programme.code)?.is_some();
    let capacity = if district_offers {
        super::seats::grant(conn, &programme.code)?
            .map(|(granted, offer_seats, released, _)| {
                (granted + offer_seats - released).max(0) as u32
            })
            .unwrap_or(0)
    } else {
        roster.capacity
    };
    let mut confirmed = Vec::new();
    let mut offers = Vec::new();
    for entry in roster.entries() {
        match entry.status {
            EnrolmentStatus::Confirmed => confirmed.push(SeatHolder {
                id: ResidentRef::new(&entry.resident),
                name: name_of(conn, &entry.resident)?,
                resident: mask_id_number(&entry.resident),
                since: entry.updated_at,
            }),
            EnrolmentStatus::Offered => {
                let deadline = entry.offer_deadline.unwrap_or(entry.updated_at);
                offers.push(OpenOffer {
                    id: ResidentRef::new(&entry.resident),
                    name: name_of(conn, &entry.resident)?,
                    resident: mask_id_number(&entry.resident),
                    deadline,
                    deadline_words: weekday_day_time_text(deadline),
                    lapsed: deadline < now,
                })
            }
            _ => {}
        }
    }
    confirmed.sort_by(|a, b| (a.since, &a.resident).cmp(&(b.since, &b.resident)));
    offers.sort_by_key(|o| o.deadline);
    let mut waiting = Vec::new();
    for (index, entry) in roster.waitlist().into_iter().enumerate() {
        let position = index as u32 + 1;
        let bucket = programme
            .policy
            .buckets
            .get(entry.priority.bucket as usize)
            .map(|b| b.name.clone())
            .unwrap_or_else(|| Text::new("其他申请人", "other applicants"));
        waiting.push(Waiting {
            id: ResidentRef::new(&entry.resident),
            position,
            name: name_of(conn, &entry.resident)?,
            resident: mask_id_number(&entry.resident),
            group: programme.policy.group_number(entry.priority.bucket),
            bucket,
            credit_for_last_term: entry.priority.credit,
            applied_at: entry.priority.applied_at,
            explanation: programme
                .policy
                .explain(&entry.priority, position, roster.offer_hours),
        });
    }
    Ok(RosterView {
        programme: programme.code.clone(),
        name: programme.name.clone(),
        capacity,
        free_seats: capacity.saturating_sub(roster.held()),
        district_offers,
        confirmed,
        waiting,
        offers,
        answered: answered_offers(conn, &programme.code)?,
        move_targets: load::all_programmes(conn)?
            .into_iter()
            .filter(|p| p.kind == programme.kind && p.code != programme.code)
            .map(|p| MoveTarget {
                code: p.code,
                name: p.name,
            })
            .collect(),
    })
}

fn answered_offers(
    conn: &Connection,
    programme_code: &str,
) -> Result<Vec<AnsweredOffer>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT e.resident, coalesce(r.name, ''), e.reason, e.updated_at
         FROM enrolments e LEFT JOIN residents r ON r.id_number = e.resident
         WHERE e.programme_code = ?1 AND e.reason IN (?2, ?3, ?4)
         ORDER BY e.updated_at DESC, e.rowid DESC LIMIT ?5",
    )?;
    let rows = stmt.query_map(
        (
            programme_code,
            reason_code::OFFER_ACCEPTED,
            reason_code::OFFER_DECLINED,
            reason_code::OFFER_EXPIRED,
            ANSWERED_SHOWN as i64,
        ),
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        },
    )?;
    let mut out = Vec::new();
    for row in rows {
        let (resident, name, reason, at) = row?;
        let answer = match reason.as_str() {
            reason_code::OFFER_ACCEPTED => OfferAnswer::Accepted,
            reason_code::OFFER_DECLINED => OfferAnswer::Declined,
            _ => OfferAnswer::Lapsed,
        };
        out.push(AnsweredOffer {
            name,
            resident: mask_id_number(&resident),
            answer,
            at: crate::clock::from_db(&at).unwrap_or_default(),
        });
    }
    Ok(out)
}

/// The reason staff gave, trimmed; refused when blank, too long or unprintable.
pub fn required_reason(raw: &str) -> Result<String, AppError> {
    let reason = linli_core::text::checked("reason", ("原因", "reason"), raw, MAX_REASON_CHARS)?;
    if reason.is_empty() {
        return Err(Refused::new(
            "reason_required",
            Text::new("请填写原因", "a reason is needed"),
            vec![Text::new(
                "原因：必须填写，说明为什么这样处理（记入操作日志）",
                "reason: required; say why, in a few words (it goes in the audit log)",
            )],
        )
        .into());
    }
    Ok(reason)
}

fn refusal(r: linli_core::enrolment::Refusal, zh: &str, en: &str) -> AppError {
    let code = load::serde_name(&r.code);
    Refused::new(&code, Text::new(zh, en), r.reasons).into()
}

fn not_offered(zh: String, en: String) -> AppError {
    Refused::new(
        "not_offered",
        Text::new("未能发出名额通知", "no offer was made"),
        vec![Text::new(zh, en)],
    )
    .into()
}

/// `linli roster offer`: offers a free seat to the head of the waiting list now, for a
/// member allowed to make waiting-list offers, with their reason. Refused, changing
/// nothing, for anyone but the head (the order is the policy's), when no seat is
/// free, and where the district hands out freed seats.
pub fn offer_now(
    store: &mut Store,
    actor: &Actor,
    now: NaiveDateTime,
    programme_code: &str,
    raw_id: &str,
    reason: &str,
) -> Result<SeatOffered, AppError> {
    store.write(actor, now, |tx| {
        tx.authorise(Permission::MakeWaitingListOffers)?;
        let reason = required_reason(reason)?;
        let programme = programme_or_refuse(tx, programme_code)?;
        let id = load::parse_id(raw_id, now.date())?;
        let name = load::resident(tx, id.as_str())?
            .ok_or_else(|| load::not_found("居民", "resident", &id.masked()))?
            .name;
        let mut roster = load_roster(tx, &programme)?;
        let entry = roster.enrolment(id.as_str()).cloned().ok_or_else(|| {
            not_offered(
                format!("{}不在{}的轮候名单上", mask_name(&name), programme.name.zh),
                format!(
                    "{} is not on the waiting list of {}",
                    mask_name(&name),
                    programme.name.en
                ),
            )
        })?;
        match entry.status {
            EnrolmentStatus::Waitlisted => {}
            EnrolmentStatus::Offered => {
                let at = weekday_day_time_text(entry.offer_deadline.unwrap_or(now));
                return Err(not_offered(
                    format!("已为其保留名额，确认期限至{}", at.zh),
                    format!("a seat is already held for them until {}", at.en),
                ));
            }
            _ => {
                return Err(not_offered(
                    "名额已确认，无需再发通知".into(),
                    "their seat is already confirmed".into(),
                ))
            }
        }
        let position = roster.position(id.as_str()).unwrap_or(0);
        if position != 1 {
            return Err(not_offered(
                format!("排在轮候第{position}位：名额按轮候规则的顺序先给第1位，顺序不能手动调整"),
                format!(
                    "they are number {position} on the waiting list: a seat goes to number 1 first, in the order the waiting-list rule sets, which cannot be changed by hand"
                ),
            ));
        }
        if super::seats::grant(tx, &programme.code)?.is_some() {
            return Err(not_offered(
                "该项目的空余名额由区级后台按全中心的轮候顺序分配，本机不能直接发出".into(),
                "the district hands out this programme's freed seats in the order of the whole centre's waiting list; this device cannot offer one itself".into(),
            ));
        }
        // Offers whose time ran out are passed on first, as the sweep would: the seat
        // may be the one this person is now offered.
        let lapsed = roster.expire_offers(now);
        let passed_on = lapsed
            .into_iter()
            .filter_map(|(_, offer)| offer)
            .find(|offer| offer.resident == id.as_str());
        let offer = match passed_on {
            Some(offer) => offer,
            None => {
                if roster.held() >= roster.capacity {
                    let (zh, en) = free_seats_words(&roster);
                    return Err(not_offered(zh, en));
                }
                let deadline = now + Duration::hours(i64::from(roster.offer_hours));
                roster
                    .offer_to(&entry.id, deadline, now)
                    .map_err(|r| refusal(r, "未能发出名额通知", "no offer was made"))?
            }
        };
        save_roster(tx, roster)?;
        let masked = id.masked();
        tx.audit(
            "waiting_list_offer_made",
            &masked,
            json!({
                "programme": programme.code,
                "enrolment": offer.enrolment_id,
                "deadline": crate::clock::to_db(offer.deadline),
                "reason": reason,
            }),
        );
        Ok(SeatOffered {
            programme: programme.code,
            name,
            resident: masked,
            deadline: offer.deadline,
            deadline_words: weekday_day_time_text(offer.deadline),
            reason,
        })
    })
}

fn free_seats_words(roster: &Roster) -> (String, String) {
    let confirmed = roster.confirmed();
    let offered = roster.offered();
    (
        format!(
            "暂无空余名额：共{}个名额，已确认{confirmed}人，保留待确认{offered}个",
            roster.capacity
        ),
        format!(
            "no seat is free: {} seats, {confirmed} confirmed and {offered} held for an answer",
            roster.capacity
        ),
    )
}

/// `linli roster withdraw`: takes back a waiting place or an unanswered offer, for a
/// member allowed to manage enrolments, with their reason; an offer's seat passes to
/// the head of the waiting list. A confirmed seat is refused (that is a cancellation).
pub fn withdraw(
    store: &mut Store,
    actor: &Actor,
    now: NaiveDateTime,
    programme_code: &str,
    raw_id: &str,
    reason: &str,
) -> Result<PlaceWithdrawn, AppError> {
    store.write(actor, now, |tx| {
        withdraw_in(tx, programme_code, raw_id, reason)
    })
}

fn withdraw_in(
    tx: &mut Tx<'_>,
    programme_code: &str,
    raw_id: &str,
    reason: &str,
) -> Result<PlaceWithdrawn, AppError> {
    tx.authorise(Permission::ManageEnrolments)?;
    let now = tx.now;
    let reason = required_reason(reason)?;
    let programme = programme_or_refuse(tx, programme_code)?;
    let id = load::parse_id(raw_id, now.date())?;
    let name = load::resident(tx, id.as_str())?
        .ok_or_else(|| load::not_found("居民", "resident", &id.masked()))?
        .name;
    let mut roster = load_roster(tx, &programme)?;
    let outcome = roster
        .withdraw(id.as_str(), now)
        .map_err(|r| refusal(r, "未能撤回", "nothing was withdrawn"))?;
    let status = super::roster::roster_status(&roster, &outcome.enrolment_id)
        .unwrap_or(EnrolmentStatus::Withdrawn);
    save_roster(tx, roster)?;
    let offered_to = match &outcome.offer {
        Some(offer) => Some(OfferMade {
            resident: mask_id_number(&offer.resident),
            name: Some(mask_name(&name_of(tx, &offer.resident)?)),
            deadline: offer.deadline,
        }),
        None => None,
    };
    let masked = id.masked();
    tx.audit(
        "waiting_list_withdrawn",
        &masked,
        json!({
            "programme": programme.code,
            "enrolment": outcome.enrolment_id,
            "previous": load::serde_name(&outcome.previous),
            "offered": offered_to.as_ref().map(|o| &o.resident),
            "reason": reason,
        }),
    );
    Ok(PlaceWithdrawn {
        programme: programme.code,
        name,
        resident: masked,
        previous: outcome.previous,
        status,
        offered_to,
        reason,
    })
}

/// Where a moved person now stands in the programme they moved to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum MovedInto {
    Confirmed,
    Waitlisted { position: u32, explanation: Text },
}

/// A place given up in one programme for a new application to another of its kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlaceMoved {
    pub from: String,
    pub to: String,
    pub name: String,
    /// Masked ID number.
    pub resident: String,
    pub previous: EnrolmentStatus,
    pub placed: MovedInto,
    /// Who was offered the seat the move freed, if it freed one.
    pub offered_to: Option<OfferMade>,
    pub reason: String,
}

fn not_moved(zh: String, en: String) -> AppError {
    Refused::new(
        "not_moved",
        Text::new("未能转到其他项目", "the place was not moved"),
        vec![Text::new(zh, en)],
    )
    .into()
}

/// `linli roster move`: gives up a person's place (waiting, offered or confirmed) in
/// one programme and applies for them to another of the same kind, for a member
/// allowed to manage enrolments, with their reason. Nothing of the old place is
/// kept: the new programme places them by its own policy, as a new application, and
/// a freed seat in the old one passes on. If the new programme refuses them (not
/// eligible, closed), nothing changes in either.
pub fn move_place(
    store: &mut Store,
    actor: &Actor,
    now: NaiveDateTime,
    from_code: &str,
    to_code: &str,
    raw_id: &str,
    reason: &str,
) -> Result<PlaceMoved, AppError> {
    store.write(actor, now, |tx| {
        tx.authorise(Permission::ManageEnrolments)?;
        let reason = required_reason(reason)?;
        let from = programme_or_refuse(tx, from_code)?;
        let to = programme_or_refuse(tx, to_code)?;
        if from.code == to.code {
            return Err(not_moved(
                "转入项目与原项目相同".into(),
                "the programme to move to is the one they are in".into(),
            ));
        }
        if from.kind != to.kind {
            return Err(not_moved(
                format!(
                    "只能转到同类项目：{}与{}不是同一类服务",
                    from.name.zh, to.name.zh
                ),
                format!(
                    "a place moves only to a programme of the same kind: {} and {} are different services",
                    from.name.en, to.name.en
                ),
            ));
        }
        let id = load::parse_id(raw_id, now.date())?;
        let name = load::resident(tx, id.as_str())?
            .ok_or_else(|| load::not_found("居民", "resident", &id.masked()))?
            .name;
        let mut roster = load_roster(tx, &from)?;
        let outcome = roster
            .cancel(id.as_str(), now)
            .map_err(|r| refusal(r, "未能转到其他项目", "the place was not moved"))?;
        save_roster(tx, roster)?;
        let placed = match super::enrolment::signup_in(tx, id.as_str(), &to.code)? {
            linli_core::enrolment::Placement::Confirmed { .. } => MovedInto::Confirmed,
            linli_core::enrolment::Placement::Waitlisted {
                position,
                explanation,
                ..
            } => MovedInto::Waitlisted {
                position,
                explanation,
            },
        };
        let offered_to = match &outcome.offer {
            Some(offer) => Some(OfferMade {
                resident: mask_id_number(&offer.resident),
                name: Some(mask_name(&name_of(tx, &offer.resident)?)),
                deadline: offer.deadline,
            }),
            None => None,
        };
        let masked = id.masked();
        tx.audit(
            "enrolment_moved",
            &masked,
            json!({
                "from": from.code,
                "to": to.code,
                "previous": load::serde_name(&outcome.previous),
                "reason": reason,
            }),
        );
        Ok(PlaceMoved {
            from: from.code,
            to: to.code,
            name,
            resident: masked,
            previous: outcome.previous,
            placed,
            offered_to,
            reason,
        })
    })
}
