//! 报名: sign-ups, the 轮候 waiting list and seat offers for one programme.
//!
//! A [`Roster`] holds a programme's enrolments and keeps two promises:
//! - held seats (confirmed + offered) never exceed capacity (invariant 2), and
//! - nobody jumps the queue: a seat goes to a newcomer only when nobody is waiting,
//!   and every seat freed while people wait is offered to the head of the list, once.
//!
//! Status words: a *cancelled* enrolment gave up a seat (confirmed or offered); a
//! *withdrawn* one left the waiting list. `reason` says why in a stable code.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::dates::weekday_day_time_text;
use crate::eligibility::Applicant;
use crate::programme::{Programme, ProgrammeStatus, Schedule};
use crate::waitlist::{Priority, WaitlistPolicy};
use crate::Text;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnrolmentStatus {
    Confirmed,
    Waitlisted,
    Offered,
    Cancelled,
    Withdrawn,
}

impl EnrolmentStatus {
    /// Still in the programme or in the queue for it.
    pub fn is_active(self) -> bool {
        matches!(
            self,
            EnrolmentStatus::Confirmed | EnrolmentStatus::Waitlisted | EnrolmentStatus::Offered
        )
    }

    /// Counts against capacity: an offered seat is kept free for the person offered it.
    pub fn holds_seat(self) -> bool {
        matches!(self, EnrolmentStatus::Confirmed | EnrolmentStatus::Offered)
    }

    pub fn label(self) -> Text {
        match self {
            EnrolmentStatus::Confirmed => Text::new("已确认", "Confirmed"),
            EnrolmentStatus::Waitlisted => Text::new("轮候中", "On the waiting list"),
            EnrolmentStatus::Offered => Text::new("待确认名额", "Seat offered"),
            EnrolmentStatus::Cancelled => Text::new("已取消", "Cancelled"),
            EnrolmentStatus::Withdrawn => Text::new("已退出轮候", "Left the waiting list"),
        }
    }
}

/// Stable codes in [`Enrolment::reason`].
pub mod reason {
    pub const CANCELLED: &str = "cancelled";
    pub const WITHDRAWN: &str = "withdrawn";
    pub const OFFER_DECLINED: &str = "offer_declined";
    pub const OFFER_EXPIRED: &str = "offer_expired";
    pub const OFFER_ACCEPTED: &str = "offer_accepted";
    /// Staff took a waiting-list place or an unanswered offer back, with a reason
    /// that is in the audit log beside their name.
    pub const WITHDRAWN_BY_STAFF: &str = "withdrawn_by_staff";
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolment {
    pub id: String,
    pub programme_code: String,
    /// The resident's ID number.
    pub resident: String,
    pub status: EnrolmentStatus,
    pub priority: Priority,
    /// Set while `Offered`: the offer lapses after this instant.
    pub offer_deadline: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
    /// Why the status last changed, one of the codes in [`reason`].
    pub reason: Option<String>,
}

/// What a sign-up needs. `now` and `seq` come from the device: core reads no clock.
#[derive(Clone, Debug)]
pub struct SignupRequest<'a> {
    pub programme: &'a Programme,
    pub applicant: Applicant<'a>,
    /// The applicant's other active enrolments: (programme name, its schedule). Used
    /// to refuse clashing sign-ups; see [`clash_reasons`].
    pub other_active_schedules: Vec<(Text, Schedule)>,
    pub unplaced_last_term: bool,
    pub enrolment_id: String,
    pub now: NaiveDateTime,
    pub seq: u64,
}

/// Why a programme at `schedule` cannot be taken beside the ones a person is already
/// in (`others`: name and schedule of each other active enrolment), one reason per
/// clash. The sign-up refuses with these, and the programme list shows them before
/// anyone taps 报名, so both say the same thing.
pub fn clash_reasons(schedule: &Schedule, others: &[(Text, Schedule)]) -> Vec<Text> {
    others
        .iter()
        .filter(|(_, other)| schedule.overlaps(other))
        .map(|(name, other)| {
            let when = other.describe();
            Text::new(
                format!("与已报名的「{}」时间冲突（{}）", name.zh, when.zh),
                format!(
                    "Clashes with \"{}\", already signed up for ({})",
                    name.en, when.en
                ),
            )
        })
        .collect()
}

/// The reason nobody can sign up for a closed programme, or `None` while it is open.
pub fn closed_reason(programme: &Programme) -> Option<Text> {
    (programme.status == ProgrammeStatus::Closed).then(|| {
        Text::new(
            format!("「{}」已停止报名", programme.name.zh),
            format!("Sign-ups for \"{}\" are closed", programme.name.en),
        )
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusalCode {
    Duplicate,
    Overlap,
    Ineligible,
    Closed,
    NotFound,
    NotOffered,
    OfferExpired,
    /// The applicant's household moved away (迁出): its history stays, sign-ups end.
    MovedAway,
}

/// A refused action, with every reason in words. Nothing changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub code: RefusalCode,
    pub reasons: Vec<Text>,
}

impl Refusal {
    fn one(code: RefusalCode, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Refusal {
            code,
            reasons: vec![Text::new(zh, en)],
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (index, reason) in self.reasons.iter().enumerate() {
            if index > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{reason}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Refusal {}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Placement {
    Confirmed {
        enrolment_id: String,
    },
    Waitlisted {
        enrolment_id: String,
        position: u32,
        explanation: Text,
    },
}

/// A seat held for a resident until `deadline`; the kiosk notifies them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offer {
    pub enrolment_id: String,
    pub resident: String,
    pub deadline: NaiveDateTime,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelOutcome {
    pub enrolment_id: String,
    pub previous: EnrolmentStatus,
    /// The freed seat, offered to the head of the waiting list.
    pub offer: Option<Offer>,
}

/// One programme's enrolments and the rules that move them.
///
/// Build it with [`Roster::new`] or [`Roster::for_programme`] from the stored
/// enrolments (at least the active ones), act on it through its methods, then persist
/// [`Roster::take_changes`]. The entries are read-only from outside
/// ([`Roster::entries`]) because the roster keeps indexes over them: a sorted waiting
/// list and a map of active residents, which is what keeps a sign-up against
/// thousands waiting to a few microseconds.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(from = "RosterRecord", into = "RosterRecord")]
pub struct Roster {
    pub programme_code: String,
    /// Seats this device may fill. Change it with [`Roster::set_capacity`] so the new
    /// seats are offered.
    pub capacity: u32,
    pub offer_hours: u32,
    pub policy: WaitlistPolicy,
    entries: Vec<Enrolment>,
    /// Waitlisted entries as (priority, index into entries), sorted.
    waiting: Vec<(Priority, usize)>,
    /// Resident ID number -> index of their active enrolment. A BTreeMap, not a
    /// HashMap, because core takes no randomness, not even a hash seed.
    active_by_resident: BTreeMap<String, usize>,
    /// Confirmed + offered.
    held: u32,
    /// Ids of entries added or modified since the last take_changes.
    changed: Vec<String>,
    /// The district decides who gets a freed seat (a device enrolled with it): the
    /// waiting list spans every device of the centre, so this roster, which sees only
    /// its own device's part, never offers a seat itself. See [`Roster::district_offers`].
    district_offers: bool,
    /// Seats given back to the district since the last [`Roster::take_released`].
    released: u32,
}

/// The plain data of a [`Roster`], as stored or sent; indexes are rebuilt on load.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterRecord {
    pub programme_code: String,
    pub capacity: u32,
    pub offer_hours: u32,
    pub policy: WaitlistPolicy,
    pub entries: Vec<Enrolment>,
}

impl From<RosterRecord> for Roster {
    fn from(record: RosterRecord) -> Self {
        Roster::new(
            record.programme_code,
            record.capacity,
            record.offer_hours,
            record.policy,
            record.entries,
        )
    }
}

impl From<Roster> for RosterRecord {
    fn from(roster: Roster) -> Self {
        RosterRecord {
            programme_code: roster.programme_code,
            capacity: roster.capacity,
            offer_hours: roster.offer_hours,
            policy: roster.policy,
            entries: roster.entries,
        }
    }
}

/// Two rosters are equal when their data is; indexes and pending changes follow.
impl PartialEq for Roster {
    fn eq(&self, other: &Self) -> bool {
        self.programme_code == other.programme_code
            && self.capacity == other.capacity
            && self.offer_hours == other.offer_hours
            && self.policy == other.policy
            && self.entries == other.entries
    }
}

impl Eq for Roster {}

impl Roster {
    pub fn new(
        programme_code: impl Into<String>,
        capacity: u32,
        offer_hours: u32,
        policy: WaitlistPolicy,
        mut entries: Vec<Enrolment>,
    ) -> Self {
        // A store loads the roster, places one application and saves it. Room for a
        // few new entries up front keeps that one push from copying every entry into
        // a larger buffer, which costs more than the placement itself.
        entries.reserve(8);
        let mut waiting = Vec::with_capacity(entries.len() + 8);
        let mut active_by_resident = BTreeMap::new();
        let mut held = 0;
        for (index, entry) in entries.iter().enumerate() {
            if entry.status == EnrolmentStatus::Waitlisted {
                waiting.push((entry.priority.clone(), index));
            }
            if entry.status.holds_seat() {
                held += 1;
            }
            if entry.status.is_active() {
                // Stored data with two active enrolments for one person (two devices
                // offline at once) keeps both; lookups find the first.
                active_by_resident
                    .entry(entry.resident.clone())
                    .or_insert(index);
            }
        }
        waiting.sort();
        Roster {
            programme_code: programme_code.into(),
            capacity,
            offer_hours,
            policy,
            entries,
            waiting,
            active_by_resident,
            held,
            changed: Vec::new(),
            district_offers: false,
            released: 0,
        }
    }

    /// Puts the district in charge of freed seats (invariant 2 across devices).
    ///
    /// A seat freed while someone waits here goes back to the district, because the
    /// head of the centre's one waiting list may have signed up at another device; the
    /// district offers it to them and this device hears of it (`offer_to`). A seat
    /// freed while nobody waits here stays in this device's grant for the next sign-up.
    pub fn district_offers(mut self) -> Self {
        self.district_offers = true;
        self
    }

    /// Seats given back since the last call; the store records them with an event.
    pub fn take_released(&mut self) -> u32 {
        std::mem::take(&mut self.released)
    }

    /// Gives back free seats beyond `keep_free` (the district asks for them while
    /// people wait elsewhere). Never takes a held seat. Returns how many went back.
    pub fn release_free_seats(&mut self, keep_free: u32) -> u32 {
        let free = self.capacity.saturating_sub(self.held);
        let surplus = free.saturating_sub(keep_free);
        self.capacity -= surplus;
        self.released += surplus;
        surplus
    }

    /// Offers a seat the district granted for exactly this enrolment: the district
    /// found them at the head of the centre's waiting list. Refused, changing nothing,
    /// when they no longer wait or no seat is free.
    pub fn offer_to(
        &mut self,
        enrolment_id: &str,
        deadline: NaiveDateTime,
        now: NaiveDateTime,
    ) -> Result<Offer, Refusal> {
        let index = self
            .entries
            .iter()
            .position(|entry| {
                entry.id == enrolment_id && entry.status == EnrolmentStatus::Waitlisted
            })
            .ok_or_else(Self::not_found)?;
        if self.held >= self.capacity {
            return Err(Refusal::one(
                RefusalCode::NotOffered,
                "没有空余名额可以保留",
                "There is no free seat to offer",
            ));
        }
        self.set_status(index, EnrolmentStatus::Offered, None, now);
        let entry = &mut self.entries[index];
        entry.offer_deadline = Some(deadline);
        Ok(Offer {
            enrolment_id: entry.id.clone(),
            resident: entry.resident.clone(),
            deadline,
        })
    }

    /// A roster with the programme's own capacity, offer time and policy. An offline
    /// device whose district granted it fewer seats passes those to [`Roster::new`].
    pub fn for_programme(programme: &Programme, entries: Vec<Enrolment>) -> Self {
        Roster::new(
            programme.code.clone(),
            programme.capacity,
            programme.offer_hours,
            programme.policy.clone(),
            entries,
        )
    }

    /// Every enrolment this roster holds, in the order loaded and added.
    pub fn entries(&self) -> &[Enrolment] {
        &self.entries
    }

    pub fn into_entries(self) -> Vec<Enrolment> {
        self.entries
    }

    /// Signs a person up: refused if the programme is closed, the person is ineligible
    /// (all reasons), already signed up, or busy at the same time elsewhere; otherwise
    /// confirmed if a seat is free and nobody is waiting, else put on the waiting list.
    pub fn signup(&mut self, req: SignupRequest) -> Result<Placement, Refusal> {
        let programme = req.programme;
        if programme.code != self.programme_code {
            return Err(Refusal::one(
                RefusalCode::NotFound,
                format!("报名的项目（{}）与名单不符", programme.code),
                format!(
                    "The programme ({}) does not match this list",
                    programme.code
                ),
            ));
        }
        if let Some(on) = req.applicant.household.moved_away_on {
            return Err(Refusal::one(
                RefusalCode::MovedAway,
                format!("此户已于{on}迁出，不能再报名；如已迁回，请到前台恢复登记"),
                format!("this household moved away on {on} and takes no new sign-ups; if they are back, the front desk can restore it"),
            ));
        }
        if let Some(closed) = closed_reason(programme) {
            return Err(Refusal {
                code: RefusalCode::Closed,
                reasons: vec![closed],
            });
        }
        if let Err(reasons) = programme.rules.evaluate(&req.applicant) {
            return Err(Refusal {
                code: RefusalCode::Ineligible,
                reasons,
            });
        }

        let resident = req.applicant.resident.id_number.as_str();
        if let Some(&index) = self.active_by_resident.get(resident) {
            return Err(self.duplicate_refusal(index));
        }

        let clashes = clash_reasons(&programme.schedule, &req.other_active_schedules);
        if !clashes.is_empty() {
            return Err(Refusal {
                code: RefusalCode::Overlap,
                reasons: clashes,
            });
        }

        // Age tags are derived on the day of application, as the policy sees them.
        let priority = self.policy.priority(
            &req.applicant.resident.tags_on(req.now.date()),
            req.unplaced_last_term,
            req.now,
            req.seq,
        );
        let index = self.entries.len();
        // Never jump the queue: a free seat goes to a newcomer only if nobody waits.
        let confirmed = self.held < self.capacity && self.waiting.is_empty();
        let placement = if confirmed {
            self.held += 1;
            Placement::Confirmed {
                enrolment_id: req.enrolment_id.clone(),
            }
        } else {
            let key = (priority.clone(), index);
            let rank = self.waiting.partition_point(|waiting| *waiting < key);
            self.waiting.insert(rank, key);
            let position = rank as u32 + 1;
            Placement::Waitlisted {
                enrolment_id: req.enrolment_id.clone(),
                position,
                explanation: self.policy.explain(&priority, position, self.offer_hours),
            }
        };
        self.active_by_resident.insert(resident.to_string(), index);
        self.changed.push(req.enrolment_id.clone());
        self.entries.push(Enrolment {
            id: req.enrolment_id,
            programme_code: self.programme_code.clone(),
            resident: resident.to_string(),
            status: if confirmed {
                EnrolmentStatus::Confirmed
            } else {
                EnrolmentStatus::Waitlisted
            },
            priority,
            offer_deadline: None,
            updated_at: req.now,
            reason: None,
        });
        Ok(placement)
    }

    fn duplicate_refusal(&self, index: usize) -> Refusal {
        let existing = &self.entries[index];
        match existing.status {
            EnrolmentStatus::Waitlisted => {
                let position = self.position_at(index);
                Refusal::one(
                    RefusalCode::Duplicate,
                    format!("已经报过名了：正在轮候，排第{position}位"),
                    format!("Already signed up: number {position} on the waiting list"),
                )
            }
            EnrolmentStatus::Offered => {
                let deadline = existing
                    .offer_deadline
                    .map(weekday_day_time_text)
                    .unwrap_or_else(|| Text::new("", ""));
                Refusal::one(
                    RefusalCode::Duplicate,
                    format!("已经报过名了：已为您保留名额，请在{}前确认", deadline.zh),
                    format!(
                        "Already signed up: a seat is held for you; accept it by {}",
                        deadline.en
                    ),
                )
            }
            _ => Refusal::one(
                RefusalCode::Duplicate,
                "已经报过名了：名额已确认",
                "Already signed up: the seat is confirmed",
            ),
        }
    }

    fn not_found() -> Refusal {
        Refusal::one(
            RefusalCode::NotFound,
            "没有找到此项目的有效报名",
            "No active sign-up for this programme was found",
        )
    }

    /// The one place statuses change, so the indexes and the change list follow.
    /// Entries never move back onto the waiting list.
    fn set_status(
        &mut self,
        index: usize,
        status: EnrolmentStatus,
        reason: Option<&str>,
        now: NaiveDateTime,
    ) {
        let previous = self.entries[index].status;
        debug_assert_ne!(status, EnrolmentStatus::Waitlisted);
        if previous == EnrolmentStatus::Waitlisted {
            let key = (self.entries[index].priority.clone(), index);
            if let Ok(rank) = self.waiting.binary_search(&key) {
                self.waiting.remove(rank);
            }
        }
        match (previous.holds_seat(), status.holds_seat()) {
            (false, true) => self.held += 1,
            (true, false) => self.held -= 1,
            _ => {}
        }
        if previous.is_active() && !status.is_active() {
            let resident = &self.entries[index].resident;
            if self.active_by_resident.get(resident) == Some(&index) {
                self.active_by_resident.remove(resident);
            }
        }
        let entry = &mut self.entries[index];
        entry.status = status;
        entry.reason = reason.map(str::to_string);
        entry.updated_at = now;
        if status != EnrolmentStatus::Offered {
            entry.offer_deadline = None;
        }
        self.changed.push(entry.id.clone());
    }

    /// Cancels a resident's sign-up. A confirmed or offered seat is freed and offered to
    /// the head of the waiting list; a waiting-list place is simply withdrawn.
    pub fn cancel(&mut self, resident: &str, now: NaiveDateTime) -> Result<CancelOutcome, Refusal> {
        let index = *self
            .active_by_resident
            .get(resident)
            .ok_or_else(Self::not_found)?;
        let previous = self.entries[index].status;
        let enrolment_id = self.entries[index].id.clone();
        let offer = if previous.holds_seat() {
            self.set_status(
                index,
                EnrolmentStatus::Cancelled,
                Some(reason::CANCELLED),
                now,
            );
            self.offer_next(now)
        } else {
            self.set_status(
                index,
                EnrolmentStatus::Withdrawn,
                Some(reason::WITHDRAWN),
                now,
            );
            None
        };
        Ok(CancelOutcome {
            enrolment_id,
            previous,
            offer,
        })
    }

    /// Staff take back a waiting-list place or an offer not yet answered (a family
    /// moved away, a duplicate application). An offer's seat passes to the head of
    /// the waiting list, as a cancellation's does. A confirmed seat is refused: giving
    /// it up is a cancellation, which the family is told of on their slip.
    pub fn withdraw(
        &mut self,
        resident: &str,
        now: NaiveDateTime,
    ) -> Result<CancelOutcome, Refusal> {
        let index = *self
            .active_by_resident
            .get(resident)
            .ok_or_else(Self::not_found)?;
        let previous = self.entries[index].status;
        let enrolment_id = self.entries[index].id.clone();
        let offer = match previous {
            EnrolmentStatus::Confirmed => {
                return Err(Refusal::one(
                    RefusalCode::NotOffered,
                    "名额已确认，不能撤回；如需退出请办理取消报名",
                    "The seat is confirmed and cannot be withdrawn; cancel the sign-up instead",
                ))
            }
            EnrolmentStatus::Offered => {
                self.set_status(
                    index,
                    EnrolmentStatus::Cancelled,
                    Some(reason::WITHDRAWN_BY_STAFF),
                    now,
                );
                self.offer_next(now)
            }
            _ => {
                self.set_status(
                    index,
                    EnrolmentStatus::Withdrawn,
                    Some(reason::WITHDRAWN_BY_STAFF),
                    now,
                );
                None
            }
        };
        Ok(CancelOutcome {
            enrolment_id,
            previous,
            offer,
        })
    }

    fn offered_index(&self, resident: &str) -> Result<usize, Refusal> {
        let index = *self
            .active_by_resident
            .get(resident)
            .ok_or_else(Self::not_found)?;
        match self.entries[index].status {
            EnrolmentStatus::Offered => Ok(index),
            EnrolmentStatus::Confirmed => Err(Refusal::one(
                RefusalCode::NotOffered,
                "名额已确认，无需再次确认",
                "The seat is already confirmed",
            )),
            _ => {
                let position = self.position_at(index);
                Err(Refusal::one(
                    RefusalCode::NotOffered,
                    format!("暂时还没有名额，仍在轮候第{position}位"),
                    format!(
                        "No seat has been offered yet; still number {position} on the waiting list"
                    ),
                ))
            }
        }
    }

    /// Takes up an offered seat. Refused, changing nothing, once the deadline has
    /// passed; [`Roster::expire_offers`] then passes the seat on.
    pub fn accept_offer(&mut self, resident: &str, now: NaiveDateTime) -> Result<(), Refusal> {
        let index = self.offered_index(resident)?;
        if let Some(deadline) = self.entries[index].offer_deadline {
            if now > deadline {
                let at = weekday_day_time_text(deadline);
                return Err(Refusal::one(
                    RefusalCode::OfferExpired,
                    format!("保留名额的确认期限已于{}截止，无法再确认", at.zh),
                    format!(
                        "The offer ran out on {} and can no longer be accepted",
                        at.en
                    ),
                ));
            }
        }
        self.set_status(
            index,
            EnrolmentStatus::Confirmed,
            Some(reason::OFFER_ACCEPTED),
            now,
        );
        Ok(())
    }

    /// Turns an offered seat down; it passes to the next person waiting.
    pub fn decline_offer(
        &mut self,
        resident: &str,
        now: NaiveDateTime,
    ) -> Result<Option<Offer>, Refusal> {
        let index = self.offered_index(resident)?;
        self.set_status(
            index,
            EnrolmentStatus::Cancelled,
            Some(reason::OFFER_DECLINED),
            now,
        );
        Ok(self.offer_next(now))
    }

    /// Lapses every offer whose deadline is before `now`, earliest deadline first, and
    /// passes each seat on. Returns (lapsed enrolment id, the offer that replaced it).
    pub fn expire_offers(&mut self, now: NaiveDateTime) -> Vec<(String, Option<Offer>)> {
        let mut lapsed: Vec<usize> = self
            .entries
            .iter()
            .enumerate()
            .filter(|(_, entry)| {
                entry.status == EnrolmentStatus::Offered
                    && entry.offer_deadline.is_some_and(|deadline| deadline < now)
            })
            .map(|(index, _)| index)
            .collect();
        lapsed.sort_by(|&a, &b| {
            let (a, b) = (&self.entries[a], &self.entries[b]);
            (a.offer_deadline, &a.priority).cmp(&(b.offer_deadline, &b.priority))
        });
        lapsed
            .into_iter()
            .map(|index| {
                self.set_status(
                    index,
                    EnrolmentStatus::Cancelled,
                    Some(reason::OFFER_EXPIRED),
                    now,
                );
                (self.entries[index].id.clone(), self.offer_next(now))
            })
            .collect()
    }

    /// Changes capacity (e.g. the district grants more seats) and offers any new seats
    /// to the head(s) of the waiting list. Lowering it never takes a seat away from
    /// someone holding one: no new seats are given until held seats fall below it.
    pub fn set_capacity(&mut self, capacity: u32, now: NaiveDateTime) -> Vec<Offer> {
        self.capacity = capacity;
        self.offer_free_seats(now)
    }

    /// Offers every free seat to the waiting list. Call it after loading a roster, in
    /// case capacity was raised elsewhere (a district grant synced in): otherwise those
    /// seats would sit empty, because a newcomer never takes a seat while others wait.
    pub fn offer_free_seats(&mut self, now: NaiveDateTime) -> Vec<Offer> {
        if self.district_offers {
            if !self.waiting.is_empty() {
                self.release_free_seats(0);
            }
            return Vec::new();
        }
        std::iter::from_fn(|| self.offer_next(now)).collect()
    }

    /// Offers one seat to the head of the list, if a seat is free and anyone waits.
    /// Under the district, a freed seat someone here waits for goes back to it instead.
    fn offer_next(&mut self, now: NaiveDateTime) -> Option<Offer> {
        if self.held >= self.capacity {
            return None;
        }
        if self.district_offers {
            if !self.waiting.is_empty() {
                self.release_free_seats(0);
            }
            return None;
        }
        let head = self.waiting.first()?.1;
        let deadline = now + Duration::hours(i64::from(self.offer_hours));
        self.set_status(head, EnrolmentStatus::Offered, None, now);
        let entry = &mut self.entries[head];
        entry.offer_deadline = Some(deadline);
        Some(Offer {
            enrolment_id: entry.id.clone(),
            resident: entry.resident.clone(),
            deadline,
        })
    }

    pub fn confirmed(&self) -> u32 {
        self.entries
            .iter()
            .filter(|entry| entry.status == EnrolmentStatus::Confirmed)
            .count() as u32
    }

    pub fn offered(&self) -> u32 {
        self.held - self.confirmed()
    }

    /// Confirmed plus offered: the seats taken out of capacity.
    pub fn held(&self) -> u32 {
        self.held
    }

    pub fn waiting(&self) -> u32 {
        self.waiting.len() as u32
    }

    /// Seats a newcomer could be confirmed into right now.
    pub fn free_seats(&self) -> u32 {
        if self.waiting.is_empty() {
            self.capacity.saturating_sub(self.held)
        } else {
            0
        }
    }

    /// The waiting list in policy order, head first.
    pub fn waitlist(&self) -> Vec<&Enrolment> {
        self.waiting
            .iter()
            .map(|(_, index)| &self.entries[*index])
            .collect()
    }

    fn position_at(&self, index: usize) -> u32 {
        let key = (self.entries[index].priority.clone(), index);
        self.waiting.partition_point(|waiting| *waiting < key) as u32 + 1
    }

    /// A waiting resident's place, counting from 1.
    pub fn position(&self, resident: &str) -> Option<u32> {
        let index = *self.active_by_resident.get(resident)?;
        (self.entries[index].status == EnrolmentStatus::Waitlisted).then(|| self.position_at(index))
    }

    /// The slip's sentence for a waiting resident (bucket, credit, time, policy version).
    pub fn explain(&self, resident: &str) -> Option<Text> {
        let position = self.position(resident)?;
        let entry = self.enrolment(resident)?;
        Some(
            self.policy
                .explain(&entry.priority, position, self.offer_hours),
        )
    }

    /// The resident's active enrolment in this programme, if any.
    pub fn enrolment(&self, resident: &str) -> Option<&Enrolment> {
        self.active_by_resident
            .get(resident)
            .map(|&index| &self.entries[index])
    }

    /// Entries added or changed since the last call, in `entries` order, so the store
    /// writes exactly these (and their outbox events) in one transaction.
    pub fn take_changes(&mut self) -> Vec<Enrolment> {
        let changed: BTreeSet<String> = std::mem::take(&mut self.changed).into_iter().collect();
        self.entries
            .iter()
            .filter(|entry| changed.contains(&entry.id))
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eligibility::tests::{d, household, resident, COMMUNITY};
    use crate::eligibility::{EligibilityRules, Residency};
    use crate::household::{Household, Resident, LOW_INCOME};
    use crate::programme::tests::after_school;
    use crate::programme::ProgrammeKind;
    use chrono::{NaiveTime, Weekday};
    use proptest::prelude::*;

    fn at(day: u32, h: u32, m: u32) -> NaiveDateTime {
        d(2026, 11, day).and_hms_opt(h, m, 0).unwrap()
    }

    struct Desk {
        programme: Programme,
        home: Household,
        seq: u64,
    }

    impl Desk {
        fn new(capacity: u32) -> Self {
            let mut programme = after_school();
            programme.capacity = capacity;
            Desk {
                programme,
                home: household(COMMUNITY),
                seq: 0,
            }
        }

        fn roster(&self) -> Roster {
            Roster::for_programme(&self.programme, Vec::new())
        }

        fn request<'a>(&'a mut self, child: &'a Resident, now: NaiveDateTime) -> SignupRequest<'a> {
            self.seq += 1;
            SignupRequest {
                programme: &self.programme,
                applicant: Applicant {
                    resident: child,
                    household: &self.home,
                    centre_community_code: COMMUNITY,
                    has_guardian_in_household: true,
                },
                other_active_schedules: Vec::new(),
                unplaced_last_term: false,
                enrolment_id: format!("E{:04}", self.seq),
                now,
                seq: self.seq,
            }
        }
    }

    fn child(n: u32, tags: &[&str]) -> Resident {
        resident(
            &format!("孩子{n}"),
            d(2018, 1 + n % 12, 1 + n % 28),
            n,
            tags,
        )
    }

    fn id(r: &Resident) -> &str {
        r.id_number.as_str()
    }

    #[test]
    fn an_eight_year_old_is_confirmed_while_seats_are_free_then_the_list_starts() {
        let mut desk = Desk::new(2);
        let mut roster = desk.roster();
        let (a, b, c) = (child(1, &[]), child(2, &[]), child(3, &[]));
        assert_eq!(a.age_on(d(2026, 9, 1)), 8);
        let placed = roster.signup(desk.request(&a, at(28, 9, 0))).unwrap();
        assert_eq!(
            placed,
            Placement::Confirmed {
                enrolment_id: "E0001".into()
            }
        );
        roster.signup(desk.request(&b, at(28, 9, 5))).unwrap();
        match roster.signup(desk.request(&c, at(28, 9, 30))).unwrap() {
            Placement::Waitlisted {
                position,
                explanation,
                ..
            } => {
                assert_eq!(position, 1);
                let lines: Vec<&str> = explanation.zh.lines().collect();
                assert_eq!(lines[0], "您排在轮候第1位");
                assert_eq!(
                    lines[1],
                    "您在第3组（共3组）：不属于优先人群的申请人按申请时间排序"
                );
                assert!(lines.contains(&"申请时间：11月28日 09:30"));
                assert_eq!(lines.last(), Some(&"轮候规则：lunch-2026 第2版"));
            }
            other => panic!("expected the waiting list, got {other:?}"),
        }
        assert_eq!(
            (roster.confirmed(), roster.waiting(), roster.free_seats()),
            (2, 1, 0)
        );
    }

    #[test]
    fn a_low_income_family_applying_later_is_placed_ahead_and_told_why() {
        let mut desk = Desk::new(1);
        let mut roster = desk.roster();
        let first = child(1, &[]);
        let early = child(2, &[]);
        let low_income = child(3, &[LOW_INCOME]);
        roster.signup(desk.request(&first, at(27, 8, 0))).unwrap();
        roster.signup(desk.request(&early, at(27, 9, 0))).unwrap();
        let placed = roster
            .signup(desk.request(&low_income, at(28, 9, 30)))
            .unwrap();
        let Placement::Waitlisted {
            position,
            explanation,
            ..
        } = placed
        else {
            panic!("expected the waiting list");
        };
        assert_eq!(position, 1);
        assert!(explanation
            .zh
            .contains("您在第1组（共3组）：您的家庭符合这一组的优先条件"));
        assert_eq!(roster.position(id(&early)), Some(2));
        let order: Vec<&str> = roster
            .waitlist()
            .iter()
            .map(|e| e.resident.as_str())
            .collect();
        assert_eq!(order, vec![id(&low_income), id(&early)]);
    }

    #[test]
    fn credit_for_last_term_puts_an_unplaced_child_ahead_within_the_bucket() {
        let mut desk = Desk::new(0);
        let mut roster = desk.roster();
        let (early, returning) = (child(1, &[]), child(2, &[]));
        roster.signup(desk.request(&early, at(27, 8, 0))).unwrap();
        let mut request = desk.request(&returning, at(28, 8, 0));
        request.unplaced_last_term = true;
        roster.signup(request).unwrap();
        assert_eq!(roster.position(id(&returning)), Some(1));
        assert!(roster
            .explain(id(&returning))
            .unwrap()
            .zh
            .contains("上学期轮候未获安排，本组内排在前面"));
    }

    #[test]
    fn signing_up_twice_is_refused_and_says_where_the_child_stands() {
        let mut desk = Desk::new(1);
        let mut roster = desk.roster();
        let (a, b) = (child(1, &[]), child(2, &[]));
        roster.signup(desk.request(&a, at(28, 9, 0))).unwrap();
        roster.signup(desk.request(&b, at(28, 9, 1))).unwrap();
        roster.take_changes();
        let again = roster.signup(desk.request(&a, at(28, 9, 2))).unwrap_err();
        assert_eq!(again.code, RefusalCode::Duplicate);
        assert!(again.reasons[0].zh.contains("名额已确认"));
        let again = roster.signup(desk.request(&b, at(28, 9, 3))).unwrap_err();
        assert!(again.reasons[0].zh.contains("排第1位"));
        assert!(
            roster.take_changes().is_empty(),
            "a refusal changes nothing"
        );
        assert_eq!(roster.entries().len(), 2);
    }

    #[test]
    fn a_clash_with_another_programme_is_refused_naming_it() {
        let mut desk = Desk::new(5);
        let mut roster = desk.roster();
        let a = child(1, &[]);
        let calligraphy = Schedule {
            weekdays: vec![Weekday::Wed],
            start: NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(18, 0, 0).unwrap(),
            first_day: d(2026, 10, 1),
            last_day: d(2026, 12, 31),
            school_days_only: false,
        };
        let mut request = desk.request(&a, at(28, 9, 0));
        request.other_active_schedules = vec![(
            Text::new("少儿书法班", "Children's calligraphy"),
            calligraphy,
        )];
        let refusal = roster.signup(request).unwrap_err();
        assert_eq!(refusal.code, RefusalCode::Overlap);
        assert_eq!(
            refusal.reasons[0].zh,
            "与已报名的「少儿书法班」时间冲突（周三 17:00–18:00）"
        );
        assert_eq!(
            refusal.reasons[0].en,
            "Clashes with \"Children's calligraphy\", already signed up for (Wed 17:00–18:00)"
        );
        assert!(roster.entries().is_empty());
    }

    #[test]
    fn an_ineligible_child_gets_every_reason_and_a_closed_programme_says_so() {
        let mut desk = Desk::new(5);
        let mut roster = desk.roster();
        let teen = resident("陈浩", d(2013, 1, 5), 33, &[]);
        let mut request = desk.request(&teen, at(28, 9, 0));
        request.applicant.has_guardian_in_household = false;
        let refusal = roster.signup(request).unwrap_err();
        assert_eq!(refusal.code, RefusalCode::Ineligible);
        assert_eq!(refusal.reasons.len(), 2);

        desk.programme.status = ProgrammeStatus::Closed;
        let a = child(1, &[]);
        let refusal = roster.signup(desk.request(&a, at(28, 9, 0))).unwrap_err();
        assert_eq!(refusal.code, RefusalCode::Closed);
        assert!(refusal.reasons[0].zh.contains("已停止报名"));
    }

    #[test]
    fn cancelling_a_seat_offers_it_to_the_head_of_the_list_with_a_deadline() {
        let mut desk = Desk::new(1);
        let mut roster = desk.roster();
        let (a, b, c) = (child(1, &[]), child(2, &[]), child(3, &[]));
        roster.signup(desk.request(&a, at(28, 9, 0))).unwrap();
        roster.signup(desk.request(&b, at(28, 9, 1))).unwrap();
        roster.signup(desk.request(&c, at(28, 9, 2))).unwrap();
        roster.take_changes();

        let outcome = roster.cancel(id(&a), at(28, 10, 0)).unwrap();
        assert_eq!(outcome.previous, EnrolmentStatus::Confirmed);
        let offer = outcome
            .offer
            .expect("the seat goes to the head of the list");
        assert_eq!(offer.resident, id(&b));
        assert_eq!(offer.deadline, at(30, 10, 0)); // 48 hours
        assert_eq!(roster.position(id(&c)), Some(1));
        let changes = roster.take_changes();
        let changed: Vec<(&str, EnrolmentStatus)> =
            changes.iter().map(|e| (e.id.as_str(), e.status)).collect();
        assert_eq!(
            changed,
            vec![
                ("E0001", EnrolmentStatus::Cancelled),
                ("E0002", EnrolmentStatus::Offered)
            ]
        );

        roster.accept_offer(id(&b), at(29, 8, 0)).unwrap();
        assert_eq!(
            roster.enrolment(id(&b)).unwrap().status,
            EnrolmentStatus::Confirmed
        );
        assert_eq!(roster.held(), 1);
    }

    #[test]
    fn staff_withdraw_an_offer_or_a_waiting_place_but_never_a_confirmed_seat() {
        let mut desk = Desk::new(1);
        let mut roster = desk.roster();
        let (a, b, c, d) = (child(1, &[]), child(2, &[]), child(3, &[]), child(4, &[]));
        for (n, person) in [&a, &b, &c, &d].into_iter().enumerate() {
            roster
                .signup(desk.request(person, at(28, 9, n as u32)))
                .unwrap();
        }
        roster.cancel(id(&a), at(28, 10, 0)).unwrap();
        roster.take_changes();
        let refused = roster.withdraw(id(&a), at(28, 11, 0)).unwrap_err();
        assert_eq!(refused.code, RefusalCode::NotFound);
        // b holds the offer; withdrawing it passes the seat to c, the next in turn.
        let outcome = roster.withdraw(id(&b), at(28, 11, 0)).unwrap();
        assert_eq!(outcome.previous, EnrolmentStatus::Offered);
        assert_eq!(outcome.offer.unwrap().resident, id(&c));
        let b_now = roster
            .entries()
            .iter()
            .find(|e| e.resident == id(&b))
            .unwrap();
        assert_eq!(b_now.status, EnrolmentStatus::Cancelled);
        assert_eq!(b_now.reason.as_deref(), Some(reason::WITHDRAWN_BY_STAFF));
        // d only waits: taken off the list, no seat moves.
        let outcome = roster.withdraw(id(&d), at(28, 11, 5)).unwrap();
        assert_eq!(outcome.previous, EnrolmentStatus::Waitlisted);
        assert!(outcome.offer.is_none());
        assert_eq!(roster.waiting(), 0);
        roster.accept_offer(id(&c), at(28, 12, 0)).unwrap();
        roster.take_changes();
        let refused = roster.withdraw(id(&c), at(28, 13, 0)).unwrap_err();
        assert_eq!(refused.code, RefusalCode::NotOffered);
        assert!(refused.reasons[0].en.contains("cancel the sign-up"));
        assert!(
            roster.take_changes().is_empty(),
            "a refusal changes nothing"
        );
    }

    #[test]
    fn withdrawing_from_the_waiting_list_frees_no_seat() {
        let mut desk = Desk::new(1);
        let mut roster = desk.roster();
        let (a, b, c) = (child(1, &[]), child(2, &[]), child(3, &[]));
        for (who, minute) in [(&a, 0), (&b, 1), (&c, 2)] {
            roster.signup(desk.request(who, at(28, 9, minute))).unwrap();
        }
        let outcome = roster.cancel(id(&b), at(28, 10, 0)).unwrap();
        assert_eq!(outcome.previous, EnrolmentStatus::Waitlisted);
        assert_eq!(outcome.offer, None);
        assert_eq!(roster.entries()[1].status, EnrolmentStatus::Withdrawn);
        assert_eq!(roster.position(id(&c)), Some(1));
        let nobody = roster.cancel(id(&b), at(28, 10, 1)).unwrap_err();
        assert_eq!(nobody.code, RefusalCode::NotFound);
    }

    #[test]
    fn an_unanswered_offer_lapses_and_passes_on_and_cannot_be_accepted_late() {
        let mut desk = Desk::new(1);
        let mut roster = desk.roster();
        let (a, b, c) = (child(1, &[]), child(2, &[]), child(3, &[]));
        for (who, minute) in [(&a, 0), (&b, 1), (&c, 2)] {
            roster.signup(desk.request(who, at(28, 9, minute))).unwrap();
        }
        roster.cancel(id(&a), at(28, 10, 0)).unwrap();
        // Exactly at the deadline the offer still stands.
        assert!(roster.expire_offers(at(30, 10, 0)).is_empty());
        let late = roster.accept_offer(id(&b), at(30, 10, 1)).unwrap_err();
        assert_eq!(late.code, RefusalCode::OfferExpired);
        assert_eq!(
            roster.enrolment(id(&b)).unwrap().status,
            EnrolmentStatus::Offered
        );

        let lapsed = roster.expire_offers(at(30, 10, 1));
        assert_eq!(lapsed.len(), 1);
        assert_eq!(lapsed[0].0, "E0002");
        let next = lapsed[0].1.clone().unwrap();
        assert_eq!(next.resident, id(&c));
        assert_eq!(
            roster.entries()[1].reason.as_deref(),
            Some(reason::OFFER_EXPIRED)
        );

        let passed_on = roster.decline_offer(id(&c), at(30, 11, 0)).unwrap();
        assert_eq!(passed_on, None, "nobody else is waiting");
        assert_eq!(
            roster.entries()[2].reason.as_deref(),
            Some(reason::OFFER_DECLINED)
        );
        assert_eq!(roster.held(), 0);
        assert_eq!(roster.free_seats(), 1);
    }

    #[test]
    fn accepting_without_an_offer_says_where_the_child_stands() {
        let mut desk = Desk::new(0);
        let mut roster = desk.roster();
        let a = child(1, &[]);
        roster.signup(desk.request(&a, at(28, 9, 0))).unwrap();
        let refusal = roster.accept_offer(id(&a), at(28, 9, 5)).unwrap_err();
        assert_eq!(refusal.code, RefusalCode::NotOffered);
        assert!(refusal.reasons[0].zh.contains("仍在轮候第1位"));
    }

    #[test]
    fn raising_capacity_offers_the_new_seats_in_policy_order() {
        let mut desk = Desk::new(1);
        let mut roster = desk.roster();
        let people: Vec<Resident> = (1..=4).map(|n| child(n, &[])).collect();
        for (minute, who) in people.iter().enumerate() {
            roster
                .signup(desk.request(who, at(28, 9, minute as u32)))
                .unwrap();
        }
        let offers = roster.set_capacity(3, at(28, 12, 0));
        let offered: Vec<&str> = offers.iter().map(|o| o.resident.as_str()).collect();
        assert_eq!(offered, vec![id(&people[1]), id(&people[2])]);
        assert_eq!(roster.held(), 3);
        // Lowering below what is held takes nobody's seat.
        assert!(roster.set_capacity(1, at(28, 13, 0)).is_empty());
        assert_eq!(roster.held(), 3);
        assert_eq!(
            roster.cancel(id(&people[0]), at(28, 14, 0)).unwrap().offer,
            None
        );
    }

    #[test]
    fn under_the_district_a_freed_seat_someone_waits_for_goes_back_not_to_the_local_head() {
        let mut desk = Desk::new(1);
        let mut roster = desk.roster().district_offers();
        let people: Vec<Resident> = (1..=2).map(|n| child(n, &[])).collect();
        for (minute, who) in people.iter().enumerate() {
            roster
                .signup(desk.request(who, at(28, 9, minute as u32)))
                .unwrap();
        }
        let outcome = roster.cancel(id(&people[0]), at(28, 10, 0)).unwrap();
        assert_eq!(outcome.offer, None, "the district decides who gets it");
        assert_eq!(roster.take_released(), 1);
        assert_eq!(roster.capacity, 0);
        assert_eq!(roster.position(id(&people[1])), Some(1));
        // The district's offer comes back with its own seat.
        roster.capacity += 1;
        let waiting_id = roster.enrolment(id(&people[1])).unwrap().id.clone();
        let deadline = at(29, 18, 0);
        let offer = roster
            .offer_to(&waiting_id, deadline, at(28, 11, 0))
            .unwrap();
        assert_eq!(offer.resident, id(&people[1]));
        assert_eq!(roster.held(), 1);
        assert!(
            roster
                .offer_to(&waiting_id, deadline, at(28, 11, 0))
                .is_err(),
            "no longer waiting"
        );
    }

    #[test]
    fn under_the_district_a_freed_seat_nobody_waits_for_stays_for_the_next_sign_up() {
        let mut desk = Desk::new(1);
        let mut roster = desk.roster().district_offers();
        let first = child(1, &[]);
        roster.signup(desk.request(&first, at(28, 9, 0))).unwrap();
        roster.cancel(id(&first), at(28, 9, 30)).unwrap();
        assert_eq!(roster.take_released(), 0);
        let second = child(2, &[]);
        assert!(matches!(
            roster.signup(desk.request(&second, at(28, 10, 0))).unwrap(),
            Placement::Confirmed { .. }
        ));
    }

    #[test]
    fn releasing_free_seats_never_takes_a_held_one() {
        let mut desk = Desk::new(3);
        let mut roster = desk.roster().district_offers();
        roster
            .signup(desk.request(&child(1, &[]), at(28, 9, 0)))
            .unwrap();
        assert_eq!(roster.release_free_seats(1), 1);
        assert_eq!(roster.capacity, 2);
        assert_eq!(roster.release_free_seats(0), 1);
        assert_eq!(roster.release_free_seats(0), 0);
        assert_eq!((roster.capacity, roster.held()), (1, 1));
        assert_eq!(roster.take_released(), 2);
    }

    #[test]
    fn an_elderly_resident_living_alone_joins_day_care() {
        let mut programme = after_school();
        programme.code = "HX-DC-2026".into();
        programme.kind = ProgrammeKind::DayCare;
        programme.name = Text::new("海华社区日间照料", "Haihua elderly day care");
        programme.schedule.school_days_only = false;
        programme.rules = EligibilityRules {
            id: "day-care-2026".into(),
            version: 1,
            min_age: Some(60),
            max_age: None,
            age_reference: d(2026, 11, 28),
            residency: Residency::CommunityHousehold,
            required_tags: vec!["living_alone".into()],
            excluded_tags: vec![],
            guardian_required_under: None,
        };
        let grandma = resident("刘桂英", d(1944, 5, 20), 28, &["living_alone"]);
        let home = household(COMMUNITY);
        let mut roster = Roster::for_programme(&programme, Vec::new());
        let placed = roster
            .signup(SignupRequest {
                programme: &programme,
                applicant: Applicant {
                    resident: &grandma,
                    household: &home,
                    centre_community_code: COMMUNITY,
                    has_guardian_in_household: false,
                },
                other_active_schedules: vec![],
                unplaced_last_term: false,
                enrolment_id: "E-DC-1".into(),
                now: at(28, 9, 0),
                seq: 1,
            })
            .unwrap();
        assert_eq!(
            placed,
            Placement::Confirmed {
                enrolment_id: "E-DC-1".into()
            }
        );
    }

    #[test]
    fn a_roster_survives_a_round_trip_through_json() {
        let mut desk = Desk::new(1);
        let mut roster = desk.roster();
        let (a, b) = (child(1, &[]), child(2, &[]));
        roster.signup(desk.request(&a, at(28, 9, 0))).unwrap();
        roster.signup(desk.request(&b, at(28, 9, 1))).unwrap();
        roster.take_changes();
        let back: Roster = serde_json::from_str(&serde_json::to_string(&roster).unwrap()).unwrap();
        assert_eq!(back, roster);
        assert!(serde_json::to_string(&roster.entries()[1])
            .unwrap()
            .contains("\"waitlisted\""));
    }

    #[derive(Clone, Debug)]
    enum Action {
        Signup {
            person: usize,
            unplaced_last_term: bool,
        },
        Cancel {
            person: usize,
        },
        Accept {
            person: usize,
        },
        Decline {
            person: usize,
        },
        Expire,
        SetCapacity {
            capacity: u32,
        },
        Wait {
            minutes: i64,
        },
    }

    fn action() -> impl Strategy<Value = Action> {
        prop_oneof![
            4 => (0..PEOPLE, any::<bool>()).prop_map(|(person, unplaced_last_term)| Action::Signup { person, unplaced_last_term }),
            2 => (0..PEOPLE).prop_map(|person| Action::Cancel { person }),
            2 => (0..PEOPLE).prop_map(|person| Action::Accept { person }),
            1 => (0..PEOPLE).prop_map(|person| Action::Decline { person }),
            1 => Just(Action::Expire),
            1 => (0u32..6).prop_map(|capacity| Action::SetCapacity { capacity }),
            2 => (1i64..3_000).prop_map(|minutes| Action::Wait { minutes }),
        ]
    }

    const PEOPLE: usize = 10;

    fn snapshot(roster: &Roster) -> std::collections::BTreeMap<String, Enrolment> {
        roster
            .entries()
            .iter()
            .map(|e| (e.id.clone(), e.clone()))
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn the_roster_keeps_its_promises_under_any_sequence(
            capacity in 0u32..4,
            actions in proptest::collection::vec(action(), 1..60),
        ) {
            let mut desk = Desk::new(capacity);
            desk.programme.offer_hours = 24;
            let mut roster = desk.roster();
            roster.offer_hours = 24;
            let tag_sets: [&[&str]; 3] = [&[], &[LOW_INCOME], &["disabled"]];
            let people: Vec<Resident> = (0..PEOPLE)
                .map(|n| child(n as u32 + 1, tag_sets[n % 3]))
                .collect();
            let mut now = at(28, 8, 0);
            let mut capacity_lowered_below_held = false;

            for action in actions {
                let before = snapshot(&roster);
                let held_before = roster.held();
                let waiting_before = roster.waiting();
                let head_before = roster.waitlist().first().map(|e| e.priority.clone());
                let mut freed = 0u32;
                let mut offers: Vec<Offer> = Vec::new();

                match action {
                    Action::Signup { person, unplaced_last_term } => {
                        let mut request = desk.request(&people[person], now);
                        request.unplaced_last_term = unplaced_last_term;
                        let had_active = roster.enrolment(id(&people[person])).is_some();
                        match roster.signup(request) {
                            Ok(Placement::Confirmed { .. }) => {
                                prop_assert!(waiting_before == 0, "jumped the queue");
                                prop_assert!(held_before < roster.capacity);
                            }
                            Ok(Placement::Waitlisted { position, .. }) => {
                                prop_assert_eq!(Some(position), roster.position(id(&people[person])));
                            }
                            Err(refusal) => {
                                prop_assert_eq!(refusal.code, RefusalCode::Duplicate);
                                prop_assert!(had_active);
                            }
                        }
                    }
                    Action::Cancel { person } => {
                        if let Ok(outcome) = roster.cancel(id(&people[person]), now) {
                            if outcome.previous.holds_seat() {
                                freed += 1;
                                offers.extend(outcome.offer);
                            } else {
                                prop_assert!(outcome.offer.is_none());
                            }
                        }
                    }
                    Action::Accept { person } => {
                        let _ = roster.accept_offer(id(&people[person]), now);
                    }
                    Action::Decline { person } => {
                        if let Ok(offer) = roster.decline_offer(id(&people[person]), now) {
                            freed += 1;
                            offers.extend(offer);
                        }
                    }
                    Action::Expire => {
                        for (_, offer) in roster.expire_offers(now) {
                            freed += 1;
                            offers.extend(offer);
                        }
                    }
                    Action::SetCapacity { capacity } => {
                        if capacity < held_before {
                            capacity_lowered_below_held = true;
                        }
                        offers = roster.set_capacity(capacity, now);
                        let new_seats = capacity.saturating_sub(held_before);
                        prop_assert_eq!(offers.len() as u32, new_seats.min(waiting_before));
                    }
                    Action::Wait { minutes } => now += Duration::minutes(minutes),
                }

                // Held seats never exceed capacity; after capacity is lowered below the
                // seats already held, nobody loses a seat but none are handed out.
                let held = roster.held();
                prop_assert!(held <= roster.capacity.max(held_before));
                if !capacity_lowered_below_held {
                    prop_assert!(held <= roster.capacity);
                }

                // Every seat freed while someone waits yields exactly one offer.
                if freed > 0 {
                    let room = roster.capacity.saturating_sub(held_before - freed);
                    let expected = freed.min(room).min(waiting_before);
                    prop_assert_eq!(offers.len() as u32, expected);
                }
                // The first offer goes to whoever headed the list.
                if let (Some(first), Some(head)) = (offers.first(), head_before) {
                    let offered = roster.entries().iter().find(|e| e.id == first.enrolment_id).unwrap();
                    prop_assert_eq!(&offered.priority, &head);
                }
                for offer in &offers {
                    prop_assert_eq!(offer.deadline, now + Duration::hours(24));
                }

                // Nobody waits while a seat is free.
                if roster.waiting() > 0 {
                    prop_assert!(held >= roster.capacity);
                }

                // The indexes agree with the data: a roster rebuilt from the entries
                // alone (as the store loads it) sees the same list and seats.
                let mut sorted: Vec<&Enrolment> = roster
                    .entries()
                    .iter()
                    .filter(|e| e.status == EnrolmentStatus::Waitlisted)
                    .collect();
                sorted.sort_by(|a, b| a.priority.cmp(&b.priority));
                prop_assert_eq!(&roster.waitlist(), &sorted);
                prop_assert_eq!(
                    held,
                    roster.entries().iter().filter(|e| e.status.holds_seat()).count() as u32
                );
                let reloaded = Roster::new(
                    roster.programme_code.clone(),
                    roster.capacity,
                    roster.offer_hours,
                    roster.policy.clone(),
                    roster.entries().to_vec(),
                );
                prop_assert_eq!(reloaded.waitlist(), roster.waitlist());
                prop_assert_eq!(reloaded.held(), held);

                // The waiting list is in policy order, the positions agree with it, and
                // the database's sort_key orders it the same way.
                let list = roster.waitlist();
                for (index, entry) in list.iter().enumerate() {
                    prop_assert_eq!(roster.position(&entry.resident), Some(index as u32 + 1));
                }
                for pair in list.windows(2) {
                    prop_assert!(pair[0].priority < pair[1].priority);
                    prop_assert!(pair[0].priority.sort_key() < pair[1].priority.sort_key());
                }

                // A person has at most one active enrolment: never both waiting and seated.
                let mut active = BTreeSet::new();
                for entry in roster.entries().iter().filter(|e| e.status.is_active()) {
                    prop_assert!(active.insert(entry.resident.clone()), "{} twice", entry.resident);
                }

                // take_changes returns exactly the entries that were added or changed.
                let after = snapshot(&roster);
                let expected: BTreeSet<String> = after
                    .iter()
                    .filter(|(id, entry)| before.get(*id) != Some(*entry))
                    .map(|(id, _)| id.clone())
                    .collect();
                let reported: BTreeSet<String> = roster.take_changes().into_iter().map(|e| e.id).collect();
                prop_assert_eq!(reported, expected);
            }
        }
    }
}
