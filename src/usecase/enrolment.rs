//! Sign-ups, cancellations and waiting-list offers.
//!
//! Each use-case loads one programme's roster, lets core decide, and writes exactly
//! what changed with its outbox events and audit record in one transaction. The
//! `BEGIN IMMEDIATE` of [`Store::write`] serialises writers, so two desks can never
//! both take the last seat (invariant 2); the capacity trigger in the schema is the
//! second lock on that door.

use chrono::NaiveDateTime;
use linli_core::dates::weekday_day_time_text;
use linli_core::eligibility::Applicant;
use linli_core::enrolment::{EnrolmentStatus, Offer, Placement, Roster, SignupRequest};
use linli_core::household::Resident;
use linli_core::identity::mask_id_number;
use linli_core::programme::Programme;
use linli_core::staff::Permission;
use linli_core::Text;
use rusqlite::OptionalExtension;
use serde::Serialize;
use serde_json::json;

use super::applicant::{applicant_context, other_active_schedules, unplaced_last_term};
use super::load;
use super::placement_slips::issue_slips;
use super::roster::{load_roster, roster_status, save_roster};
use crate::error::{AppError, Refused};
use crate::json_shapes;
use crate::print::Printing;
use crate::store::{Actor, Issued, Store, Tx};

pub use super::options::{programme_options, ProgrammeOption};

/// A waiting-list seat offered to someone, as staff may see it: masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OfferMade {
    /// Masked ID number.
    pub resident: String,
    /// Masked name, when the resident is on this device.
    pub name: Option<String>,
    #[serde(serialize_with = "json_shapes::db_time")]
    pub deadline: NaiveDateTime,
}

/// Where a sign-up placed the resident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum SignedUp {
    Confirmed {
        enrolment_id: String,
        programme: String,
    },
    Waitlisted {
        position: u32,
        /// Why they wait, naming the policy.
        #[serde(serialize_with = "json_shapes::both_languages")]
        explanation: Text,
        enrolment_id: String,
        programme: String,
    },
}

impl SignedUp {
    pub fn is_confirmed(&self) -> bool {
        matches!(self, SignedUp::Confirmed { .. })
    }
}

/// A place given up (a cancellation or a declined offer), and the offer it made to
/// the next person waiting, if anyone was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlaceGivenUp {
    pub status: EnrolmentStatus,
    /// Absent for a declined offer, whose previous state is always "offered".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<EnrolmentStatus>,
    pub programme: String,
    /// Masked ID number.
    pub resident: String,
    pub offered_to: Option<OfferMade>,
}

/// An accepted offer: the seat is the resident's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OfferAccepted {
    pub status: EnrolmentStatus,
    pub programme: String,
    /// Masked ID number.
    pub resident: String,
}

/// The answer to an offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum OfferAnswered {
    Accepted(OfferAccepted),
    Declined(PlaceGivenUp),
}

/// A status slip printed for where the resident stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusSlip {
    pub programme: String,
    /// Masked ID number.
    pub resident: String,
}

/// Offers the sweep made: each lapsed offer's seat, and each newly granted seat,
/// passed on to the next person waiting.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OffersSwept {
    pub passed_on: Vec<OfferMade>,
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
fn describe_offer(tx: &Tx<'_>, offer: &Offer) -> Result<OfferMade, AppError> {
    let name: Option<String> = tx
        .query_row(
            "SELECT name FROM residents WHERE id_number = ?1",
            [&offer.resident],
            |r| r.get(0),
        )
        .optional()?;
    Ok(OfferMade {
        resident: mask_id_number(&offer.resident),
        name: name.map(|n| linli_core::identity::mask_name(&n)),
        deadline: offer.deadline,
    })
}

/// Lapses offers whose deadline passed, passing each seat on, and offers free seats. Every roster-touching
/// use-case does this first, so a deadline passes even on a device nobody touched.
fn expire(tx: &mut Tx<'_>, roster: &mut Roster) -> Result<Vec<OfferMade>, AppError> {
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
    let other_active_schedules = other_active_schedules(tx, &resident, programme_code)?;
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

/// `linli signup`, and the kiosk's 报名.
pub fn signup(
    store: &mut Store,
    actor: &Actor,
    now: NaiveDateTime,
    raw_id: &str,
    programme_code: &str,
    printing: Printing,
) -> Result<Issued<SignedUp>, AppError> {
    store.write_issuing(actor, now, |tx| {
        let placement = signup_in(tx, raw_id, programme_code)?;
        let resident = resident_or_refuse(tx, raw_id)?;
        let programme = programme_or_refuse(tx, programme_code)?;
        let programme_code = programme.code.clone();
        Ok(match placement {
            Placement::Confirmed { enrolment_id } => {
                issue_slips(tx, printing, &resident, &programme, None)?;
                SignedUp::Confirmed {
                    enrolment_id,
                    programme: programme_code,
                }
            }
            Placement::Waitlisted {
                enrolment_id,
                position,
                explanation,
            } => {
                issue_slips(tx, printing, &resident, &programme, Some(position))?;
                SignedUp::Waitlisted {
                    position,
                    explanation,
                    enrolment_id,
                    programme: programme_code,
                }
            }
        })
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
) -> Result<Issued<PlaceGivenUp>, AppError> {
    store.write_issuing(actor, now, |tx| {
        cancel_in(tx, raw_id, programme_code, printing)
    })
}

/// [`cancel`] inside a transaction the caller holds.
pub fn cancel_in(
    tx: &mut Tx<'_>,
    raw_id: &str,
    programme_code: &str,
    printing: Printing,
) -> Result<PlaceGivenUp, AppError> {
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
            Some(offer) => Some(describe_offer(tx, offer)?),
            None => None,
        };
        let masked = resident.id_number.masked();
        tx.audit(
            "enrolment_cancelled",
            &masked,
            json!({"programme": programme.code, "enrolment": outcome.enrolment_id, "offered": offered}),
        );
        issue_slips(tx, printing, &resident, &programme, None)?;
        Ok(PlaceGivenUp {
            status: status_now,
            previous: Some(outcome.previous),
            programme: programme.code,
            resident: masked,
            offered_to: offered,
        })
    }
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
) -> Result<Issued<OfferAnswered>, AppError> {
    store.write_issuing(actor, now, |tx| {
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
                let at = weekday_day_time_text(deadline);
                return Err(Refused::new(
                    "offer_expired",
                    Text::new("无需放弃名额", "nothing to decline"),
                    vec![Text::new(
                        format!(
                            "保留名额的确认期限已于{}截止，名额已自动放弃，无需再操作",
                            at.zh
                        ),
                        format!(
                            "The offer ran out on {} and has already lapsed; nothing more to do",
                            at.en
                        ),
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
            tx.audit(
                "offer_accepted",
                &masked,
                json!({"programme": programme.code}),
            );
            issue_slips(tx, printing, &resident, &programme, None)?;
            Ok(OfferAnswered::Accepted(OfferAccepted {
                status: EnrolmentStatus::Confirmed,
                programme: programme.code,
                resident: masked,
            }))
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
                Some(offer) => Some(describe_offer(tx, offer)?),
                None => None,
            };
            tx.audit(
                "offer_declined",
                &masked,
                json!({"programme": programme.code, "offered": offered}),
            );
            issue_slips(tx, printing, &resident, &programme, None)?;
            Ok(OfferAnswered::Declined(PlaceGivenUp {
                status,
                previous: None,
                programme: programme.code,
                resident: masked,
                offered_to: offered,
            }))
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
) -> Result<Issued<StatusSlip>, AppError> {
    store.write_issuing(actor, now, |tx| {
        tx.actor
            .authorise_for_resident(Permission::ManageEnrolments)?;
        let programme = programme_or_refuse(tx, programme_code)?;
        let resident = resident_or_refuse(tx, raw_id)?;
        let roster = load_roster(tx, &programme)?;
        let position = roster.position(resident.id_number.as_str());
        tx.keep_roster(roster);
        issue_slips(tx, printing, &resident, &programme, position)?;
        tx.audit(
            "status_slip_printed",
            &resident.id_number.masked(),
            json!({"programme": programme.code}),
        );
        Ok(StatusSlip {
            programme: programme.code,
            resident: resident.id_number.masked(),
        })
    })
}

/// Sweeps every programme for lapsed offers; the kiosk runs it periodically.
pub fn expire_offers(store: &mut Store, now: NaiveDateTime) -> Result<OffersSwept, AppError> {
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
        Ok(OffersSwept { passed_on: passed })
    })
}

/// The first session of `programme_code` on or after `from`, in words ("11月30日（周一）"),
/// as the confirmation slip gives it; `None` when none is left this term.
pub fn first_session(
    conn: &rusqlite::Connection,
    programme_code: &str,
    from: chrono::NaiveDate,
) -> Result<Option<Text>, AppError> {
    let Some(programme) = load::programme(conn, programme_code)? else {
        return Ok(None);
    };
    let calendar = load::calendar(conn)?;
    Ok(programme
        .schedule
        .first_session_from(from, &calendar)
        .map(linli_core::dates::weekday_day_text))
}
