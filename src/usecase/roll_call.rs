//! 点名 at the desk: today's roll of a children's programme (四点半学校, 学生午托) in
//! school-year groups, a whole group checked in at once, the check-out to an adult on
//! the child's pickup list, and the late-pickup list with the calls made.
//!
//! The single check-in and check-out rules stay in `attendance` (and core); this is
//! what the desk needs around them. A must-not-collect adult at the desk is refused by
//! core whatever the caller; `check_out_at_desk` also records an alert for staff in a
//! transaction of its own, since the refused check-out itself writes nothing.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use linli_core::attendance::{
    validity_text, Attendance, AttendanceState, Collector, Departure, MIN_AGE_TO_LEAVE_ALONE,
    MUST_NOT_COLLECT,
};
use linli_core::identity::{mask_id_number, mask_name, mask_phone};
use linli_core::programme::{Programme, ProgrammeKind};
use linli_core::roll_call::{
    group_label, late_from, minutes_late, school_year, RollState, SessionCounts,
};
use linli_core::slips;
use linli_core::staff::Permission;
use linli_core::text;
use linli_core::Text;
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use serde_json::json;

use super::attendance;
use super::load;
use super::stored_json::from_json_text;
use crate::clock;
use crate::error::{AppError, Refused};
use crate::store::{Actor, Store, Tx};

/// One adult on a child's pickup list, as the desk shows them: the name masked (staff
/// ask the adult their name and compare), the relation, and whether they may collect
/// today.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PickupChoice {
    pub name_masked: String,
    pub relation: String,
    /// Must NOT collect: shown so staff recognise them, never offered as a choice.
    pub must_not_collect: bool,
    /// The guardian's dates cover today.
    pub valid_today: bool,
    #[serde(serialize_with = "crate::json_shapes::both_languages")]
    pub validity: Text,
    /// How the desk names this adult to `check_out_at_desk`; kept in Rust on screen.
    #[serde(skip)]
    pub collector: Collector,
}

/// One child on today's roll.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RollCallChild {
    /// The full ID number, for the actions; never serialised or shown.
    #[serde(skip)]
    pub id_number: String,
    pub id_masked: String,
    pub name: String,
    pub age: u32,
    #[serde(serialize_with = "crate::json_shapes::both_languages")]
    pub group: Text,
    /// The school year the group stands for (`None`: 其他), which orders the groups.
    #[serde(skip)]
    pub school_year: Option<u32>,
    pub state: RollState,
    #[serde(serialize_with = "crate::json_shapes::db_time_opt")]
    pub checked_in_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::json_shapes::db_time_opt")]
    pub left_at: Option<NaiveDateTime>,
    /// "李梅 (母亲)", or "自行离开" when the child left alone with consent.
    pub left_with: Option<String>,
    pub pickup: Vec<PickupChoice>,
    /// 12 or over with the guardian's written consent: may leave alone.
    pub may_leave_alone: bool,
    /// Why the child is away, when a guardian reported it.
    #[serde(serialize_with = "crate::json_shapes::both_languages_opt")]
    pub absence: Option<Text>,
    /// Allergies and dietary needs, for staff who may see them; `None` otherwise.
    #[serde(serialize_with = "crate::json_shapes::both_languages_opt")]
    pub dietary: Option<Text>,
}

/// Today's roll of one programme.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RollCall {
    pub programme_code: String,
    #[serde(serialize_with = "crate::json_shapes::both_languages")]
    pub programme_name: Text,
    pub kind: ProgrammeKind,
    pub date: NaiveDate,
    /// Whether the programme runs on `date` (school days, holidays, the term).
    pub runs: bool,
    pub starts: NaiveTime,
    pub ends: NaiveTime,
    /// From when a child still here is late to be collected.
    #[serde(serialize_with = "crate::json_shapes::db_time")]
    pub late_from: NaiveDateTime,
    pub counts: SessionCounts,
    /// In school-year order, then by name.
    pub children: Vec<RollCallChild>,
}

impl RollCall {
    /// The groups in the order the roll lists them, each with its children.
    pub fn groups(&self) -> Vec<(Text, Vec<&RollCallChild>)> {
        let mut groups: Vec<(Text, Vec<&RollCallChild>)> = Vec::new();
        for child in &self.children {
            match groups.iter_mut().find(|(label, _)| *label == child.group) {
                Some((_, members)) => members.push(child),
                None => groups.push((child.group.clone(), vec![child])),
            }
        }
        groups
    }
}

/// The programmes a roll call is taken for: children's care, where who takes a child
/// home matters. Day care has its own screen; activities take no roll.
fn is_children_programme(kind: ProgrammeKind) -> bool {
    matches!(kind, ProgrammeKind::AfterSchool | ProgrammeKind::LunchCare)
}

fn children_programme(conn: &Connection, code: &str) -> Result<Programme, AppError> {
    let programme = load::programme(conn, code)?
        .ok_or_else(|| load::not_found("服务项目", "programme", code))?;
    if !is_children_programme(programme.kind) {
        return Err(Refused::new(
            "not_a_roll_call_programme",
            Text::new("这个项目不点名", "this programme has no roll call"),
            vec![Text::new(
                format!(
                    "「{}」不是四点半学校或学生午托；日间照料请用日间照料页面",
                    programme.name.zh
                ),
                format!(
                    "\"{}\" is not an after-school club or lunch care; day care has its own page",
                    programme.name.en
                ),
            )],
        )
        .into());
    }
    Ok(programme)
}

/// The confirmed children of a programme, by ID number.
fn confirmed(conn: &Connection, programme: &str) -> Result<Vec<String>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT resident FROM enrolments WHERE programme_code = ?1 AND status = 'confirmed'",
    )?;
    let rows = stmt
        .query_map([programme], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    Ok(rows)
}

fn attendance_on(
    conn: &Connection,
    programme: &str,
    date: NaiveDate,
) -> Result<HashMap<String, Attendance>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT resident, body FROM attendance WHERE programme_code = ?1 AND session_date = ?2",
    )?;
    let rows = stmt
        .query_map((programme, date.to_string()), |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(resident, body)| Ok((resident, from_json_text("attendance", &body)?)))
        .collect()
}

/// Children reported absent for `date` (the whole day or the part of it the
/// programme runs in), by ID number, with the reason in words.
fn reported_absent(
    conn: &Connection,
    actor: &Actor,
    programme: &str,
    date: NaiveDate,
) -> Result<HashMap<String, Text>, AppError> {
    Ok(super::absences::absences_on(conn, actor, programme, date)?
        .into_iter()
        .map(|found| {
            let absence = found.absence;
            (absence.resident_id_number.clone(), absence.reason.label())
        })
        .collect())
}

/// Today's roll (or another day's), for the desk or `linli roll-call show`.
pub fn roll_call(
    conn: &Connection,
    actor: &Actor,
    programme_code: &str,
    date: NaiveDate,
) -> Result<RollCall, AppError> {
    actor.authorise(Permission::TakeRollCall)?;
    build_roll(conn, actor, programme_code, date)
}

/// The roll, for use-cases that checked their own permission.
fn build_roll(
    conn: &Connection,
    actor: &Actor,
    programme_code: &str,
    date: NaiveDate,
) -> Result<RollCall, AppError> {
    let programme = children_programme(conn, programme_code)?;
    let runs = programme.schedule.occurs_on(date, &load::calendar(conn)?);
    let attendance = attendance_on(conn, programme_code, date)?;
    let absent = reported_absent(conn, actor, programme_code, date)?;
    let enrolled = confirmed(conn, programme_code)?;
    // Allergies are shown only to those who may see them (not a technician): the
    // roll call is where the desk needs them, as the child's snack is handed out.
    let dietary = if actor
        .staff()
        .is_some_and(|m| m.can(Permission::DietaryNeeds))
    {
        super::dietary::dietary_needs_for(conn, actor, &enrolled)?
    } else {
        Default::default()
    };
    let mut children = Vec::new();
    for id in enrolled {
        let Some(person) = load::resident(conn, &id)? else {
            continue;
        };
        let record = attendance.get(&id);
        let state = RollState::of(record.map(|a| &a.state), absent.contains_key(&id));
        let (checked_in_at, left_at, left_with) = match record.map(|a| &a.state) {
            Some(AttendanceState::CheckedIn { at }) => (Some(*at), None, None),
            Some(AttendanceState::CheckedOut {
                checked_in_at,
                at,
                departure,
            }) => (
                Some(*checked_in_at),
                Some(*at),
                Some(match departure {
                    Departure::CollectedBy { .. } => departure.picked_up_by().unwrap_or_default(),
                    _ => "自行离开 / left alone".to_string(),
                }),
            ),
            _ => (None, None, None),
        };
        let list = attendance::pickup_list(conn, &id)?;
        let age = person.age_on(date);
        let year = school_year(person.birth_date(), date);
        children.push(RollCallChild {
            id_masked: mask_id_number(&id),
            name: person.name.clone(),
            age,
            group: group_label(year),
            school_year: year,
            state,
            checked_in_at,
            left_at,
            left_with,
            pickup: list
                .adults
                .iter()
                .map(|adult| PickupChoice {
                    name_masked: mask_name(&adult.name),
                    relation: adult.relation.clone(),
                    must_not_collect: adult.must_not_collect,
                    valid_today: adult.covers(date),
                    validity: validity_text(adult),
                    collector: Collector::Listed {
                        name: adult.name.clone(),
                        relation: adult.relation.clone(),
                    },
                })
                .collect(),
            may_leave_alone: list.may_leave_alone && age >= MIN_AGE_TO_LEAVE_ALONE,
            absence: absent.get(&id).cloned(),
            dietary: dietary.get(&id).map(|needs| needs.summary()),
            id_number: id,
        });
    }
    children.sort_by(|a, b| {
        (a.school_year.unwrap_or(u32::MAX), &a.name)
            .cmp(&(b.school_year.unwrap_or(u32::MAX), &b.name))
    });
    let counts = SessionCounts::of(children.iter().map(|c| c.state));
    Ok(RollCall {
        programme_code: programme.code.clone(),
        programme_name: programme.name.clone(),
        kind: programme.kind,
        date,
        runs,
        starts: programme.schedule.start,
        ends: programme.schedule.end,
        late_from: late_from(date, programme.schedule.end),
        counts,
        children,
    })
}

/// What a group check-in did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct GroupCheckIn {
    /// Checked in now.
    pub checked_in: u32,
    /// Already here (or already gone): left as they were.
    pub already: u32,
}

/// Checks in every child named who is not here yet, in one transaction: the desk taps
/// "二年级 全部签到" as the class walks in. A child already checked in or collected is
/// left alone rather than refusing the whole group.
pub fn check_in_group(
    tx: &mut Tx<'_>,
    programme: &str,
    residents: &[String],
) -> Result<GroupCheckIn, AppError> {
    tx.authorise(Permission::TakeRollCall)?;
    children_programme(tx, programme)?;
    let mut outcome = GroupCheckIn::default();
    for resident in residents {
        match tx.attempt(|tx| attendance::check_in(tx, programme, resident)) {
            Ok(()) => outcome.checked_in += 1,
            Err(AppError::Refused(refused))
                if refused.code == linli_core::attendance::ALREADY_CHECKED_IN
                    || refused.code == linli_core::attendance::ALREADY_CHECKED_OUT =>
            {
                outcome.already += 1
            }
            Err(other) => return Err(other),
        }
    }
    Ok(outcome)
}

/// What a child's card did at the roll call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CardCheckIn {
    /// The child's name, as the roll call shows it.
    pub name: String,
    /// False when they were already here (or already gone): nothing changed.
    pub checked_in: bool,
}

/// 刷卡签到: the child whose card the desk's reader read is checked in to
/// `programme`. A card nobody holds, or a holder without a seat in the programme, is
/// refused in words (an adult's card is for 签退, chosen from the child's row).
pub fn check_in_by_card(
    tx: &mut Tx<'_>,
    programme: &str,
    card: &str,
) -> Result<CardCheckIn, AppError> {
    tx.authorise(Permission::TakeRollCall)?;
    let planned = children_programme(tx, programme)?;
    let holder: Option<String> = tx
        .query_row(
            "SELECT id_number FROM resident_cards WHERE token = ?1 AND revoked_at IS NULL",
            [card.trim()],
            |r| r.get(0),
        )
        .optional()?;
    let children = confirmed(tx, programme)?;
    let Some(resident) = holder else {
        for child in &children {
            let list = attendance::pickup_list(tx, child)?;
            if list
                .adults
                .iter()
                .any(|a| a.card_code.as_deref() == Some(card.trim()))
            {
                return Err(Refused::new(
                    "pickup_card",
                    Text::new("这是接送卡", "this is a pickup card"),
                    vec![Text::new(
                        "接孩子的家长刷卡：请先点孩子那一行的“签退”，再刷卡",
                        "A parent collecting a child: tap the child's 签退 first, then the card",
                    )],
                )
                .into());
            }
        }
        return Err(Refused::new(
            "unknown_card",
            Text::new("这张卡没有登记", "this card is not registered"),
            vec![Text::new(
                "本中心没有发过这张卡；请按名字签到，并请家长到前台补办卡",
                "This centre never issued the card: check the child in by name, and have the parent register a card at the desk",
            )],
        )
        .into());
    };
    if !children.contains(&resident) {
        let name = load::resident(tx, &resident)?
            .map(|r| mask_name(&r.name))
            .unwrap_or_default();
        return Err(Refused::new(
            "not_on_roll",
            Text::new("持卡人不在这份名单上", "the card's holder is not on this roll"),
            vec![Text::new(
                format!(
                    "{name}没有「{}」的名额。接孩子的家长刷卡：请先点孩子那一行的“签退”，再刷卡",
                    planned.name.zh
                ),
                format!(
                    "{name} has no seat in \"{}\". A parent collecting a child: tap the child's 签退 first, then the card",
                    planned.name.en
                ),
            )],
        )
        .into());
    }
    let done = check_in_group(tx, programme, std::slice::from_ref(&resident))?;
    let name = load::resident(tx, &resident)?
        .map(|r| r.name)
        .unwrap_or_default();
    Ok(CardCheckIn {
        name,
        checked_in: done.checked_in == 1,
    })
}

/// The check-out at the desk. When core refuses because the adult must not collect
/// the child, staff are alerted in a transaction of its own (an open alert the desk
/// and the social worker see, and an audit record) and the refusal is returned.
pub fn check_out_at_desk(
    store: &mut Store,
    actor: &Actor,
    now: NaiveDateTime,
    programme: &str,
    resident: &str,
    collector: &Collector,
) -> Result<(), AppError> {
    let result = store.write(actor, now, |tx| {
        attendance::check_out(tx, programme, resident, Some(collector))
    });
    if let Err(AppError::Refused(refused)) = &result {
        if refused.code == MUST_NOT_COLLECT {
            store.write(actor, now, |tx| {
                tx.authorise(Permission::RecordPickup)?;
                tx.prepare_cached(
                    "INSERT INTO alerts (kind, source, raised_at) VALUES ('must_not_collect', ?1, ?2)",
                )?
                .execute((
                    format!("{programme} {}", mask_id_number(resident)),
                    clock::to_db(now),
                ))?;
                tx.audit(
                    "pickup_refused_must_not_collect",
                    &mask_id_number(resident),
                    json!({"programme": programme}),
                );
                Ok(())
            })?;
        }
    }
    result
}

/// An adult to call about a child still here.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Contact {
    pub name_masked: String,
    pub relation: String,
    pub phone_masked: String,
}

/// A call the desk made about a late child.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CallRecord {
    #[serde(serialize_with = "crate::json_shapes::db_time")]
    pub at: NaiveDateTime,
    pub staff: String,
    pub contact: String,
    pub outcome: CallOutcome,
    pub note: String,
}

/// How a call went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallOutcome {
    /// Spoke to them: someone is coming.
    Reached,
    NoAnswer,
    /// The number is wrong or out of service: the registry needs correcting.
    WrongNumber,
}

impl CallOutcome {
    pub fn label(self) -> Text {
        match self {
            CallOutcome::Reached => Text::new("已接通", "reached"),
            CallOutcome::NoAnswer => Text::new("无人接听", "no answer"),
            CallOutcome::WrongNumber => Text::new("号码有误", "wrong number"),
        }
    }

    fn to_db(self) -> &'static str {
        match self {
            CallOutcome::Reached => "reached",
            CallOutcome::NoAnswer => "no_answer",
            CallOutcome::WrongNumber => "wrong_number",
        }
    }

    fn from_db(text: &str) -> CallOutcome {
        match text {
            "reached" => CallOutcome::Reached,
            "wrong_number" => CallOutcome::WrongNumber,
            _ => CallOutcome::NoAnswer,
        }
    }
}

/// A child still here after closing and the grace period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LateChild {
    #[serde(skip)]
    pub id_number: String,
    pub id_masked: String,
    pub name: String,
    #[serde(serialize_with = "crate::json_shapes::both_languages")]
    pub group: Text,
    pub minutes_late: i64,
    pub contacts: Vec<Contact>,
    pub calls: Vec<CallRecord>,
}

/// The late-pickup list of one programme today.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LatePickups {
    pub programme_code: String,
    #[serde(serialize_with = "crate::json_shapes::both_languages")]
    pub programme_name: Text,
    pub ends: NaiveTime,
    #[serde(serialize_with = "crate::json_shapes::db_time")]
    pub late_from: NaiveDateTime,
    /// Before `late_from` nobody is late yet, and the list is empty.
    pub children: Vec<LateChild>,
}

/// The people to call about a child: the adults on the pickup list who may collect
/// (with a phone in the registry), then the household's other adults with a phone.
/// Contacts are numbered in this order for `record_call`.
fn contacts(
    conn: &Connection,
    child: &str,
    today: NaiveDate,
) -> Result<Vec<(Contact, String)>, AppError> {
    let mut found: Vec<(Contact, String)> = Vec::new();
    let list = attendance::pickup_list(conn, child)?;
    for adult in list.adults.iter().filter(|a| !a.must_not_collect) {
        let Some(id) = &adult.id_number else { continue };
        if let Some(person) = load::resident(conn, id)? {
            if let Some(phone) = &person.phone {
                found.push((
                    Contact {
                        name_masked: mask_name(&adult.name),
                        relation: adult.relation.clone(),
                        phone_masked: phone.masked(),
                    },
                    phone.as_str().to_string(),
                ));
            }
        }
    }
    let barred: Vec<&str> = list
        .adults
        .iter()
        .filter(|a| a.must_not_collect)
        .filter_map(|a| a.id_number.as_deref())
        .collect();
    if let Some(person) = load::resident(conn, child)? {
        for member in load::household_members(conn, &person.household_code)? {
            let Some(phone) = &member.phone else { continue };
            if member.age_on(today) < 18
                || barred.contains(&member.id_number.as_str())
                || found.iter().any(|(_, known)| known == phone.as_str())
            {
                continue;
            }
            found.push((
                Contact {
                    name_masked: mask_name(&member.name),
                    relation: "家庭成员 / household".to_string(),
                    phone_masked: phone.masked(),
                },
                phone.as_str().to_string(),
            ));
        }
    }
    Ok(found)
}

fn calls(
    conn: &Connection,
    programme: &str,
    date: NaiveDate,
    child: &str,
) -> Result<Vec<CallRecord>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT at, staff, contact, outcome, note FROM pickup_calls
         WHERE programme_code = ?1 AND session_date = ?2 AND child = ?3 ORDER BY id",
    )?;
    let rows = stmt
        .query_map((programme, date.to_string(), child), |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows
        .into_iter()
        .map(|(at, staff, contact, outcome, note)| CallRecord {
            at: clock::from_db(&at).unwrap_or_default(),
            staff,
            contact,
            outcome: CallOutcome::from_db(&outcome),
            note,
        })
        .collect())
}

/// The children still here once the session is over and the grace period has passed.
pub fn late_pickups(
    conn: &Connection,
    actor: &Actor,
    programme_code: &str,
    now: NaiveDateTime,
) -> Result<LatePickups, AppError> {
    actor.authorise(Permission::RecordPickup)?;
    let roll = build_roll(conn, actor, programme_code, now.date())?;
    let mut children = Vec::new();
    if let Some(late) = minutes_late(roll.date, roll.ends, now) {
        for child in roll.children.iter().filter(|c| c.state == RollState::Here) {
            children.push(LateChild {
                id_masked: child.id_masked.clone(),
                name: child.name.clone(),
                group: child.group.clone(),
                minutes_late: late,
                contacts: contacts(conn, &child.id_number, roll.date)?
                    .into_iter()
                    .map(|(contact, _)| contact)
                    .collect(),
                calls: calls(conn, programme_code, roll.date, &child.id_number)?,
                id_number: child.id_number.clone(),
            });
        }
    }
    Ok(LatePickups {
        programme_code: roll.programme_code,
        programme_name: roll.programme_name,
        ends: roll.ends,
        late_from: roll.late_from,
        children,
    })
}

/// A call made about a late child: the contact by its number in the list (from 1), how
/// it went, and a note ("外婆18:50到").
pub fn record_call(
    tx: &mut Tx<'_>,
    programme: &str,
    child: &str,
    contact: usize,
    outcome: CallOutcome,
    note: &str,
) -> Result<CallRecord, AppError> {
    let staff = tx.authorise(Permission::RecordPickup)?;
    let note = text::checked("note", ("备注", "note"), note, text::NOTE_CHARS)?;
    children_programme(tx, programme)?;
    let now = tx.now;
    let listed = contacts(tx, child, now.date())?;
    let Some((chosen, _)) = contact.checked_sub(1).and_then(|i| listed.get(i)) else {
        return Err(Refused::new(
            "no_such_contact",
            Text::new("没有这个联系人", "no such contact"),
            vec![Text::new(
                format!(
                    "这个孩子有{}位可联系的成年人，请选第1到第{}位",
                    listed.len(),
                    listed.len()
                ),
                format!(
                    "this child has {} adults to call; choose 1 to {}",
                    listed.len(),
                    listed.len()
                ),
            )],
        )
        .into());
    };
    let contact_text = format!(
        "{} ({}) {}",
        chosen.name_masked, chosen.relation, chosen.phone_masked
    );
    tx.execute(
        "INSERT INTO pickup_calls (programme_code, session_date, child, contact, outcome, note, staff, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        (
            programme,
            now.date().to_string(),
            child,
            &contact_text,
            outcome.to_db(),
            &note,
            &staff.name,
            clock::to_db(now),
        ),
    )?;
    tx.audit(
        "late_pickup_call",
        &mask_id_number(child),
        json!({"programme": programme, "outcome": outcome.to_db()}),
    );
    Ok(CallRecord {
        at: now,
        staff: staff.name,
        contact: contact_text,
        outcome,
        note,
    })
}

/// The full number of a contact, to dial it: shown only on request, and every such
/// look is in the audit log (invariant 6).
pub fn reveal_contact_phone(
    tx: &mut Tx<'_>,
    child: &str,
    contact: usize,
) -> Result<String, AppError> {
    tx.authorise(Permission::RecordPickup)?;
    let listed = contacts(tx, child, tx.now.date())?;
    let (shown, full) = contact
        .checked_sub(1)
        .and_then(|i| listed.into_iter().nth(i))
        .ok_or_else(|| load::not_found("联系人", "contact", &contact.to_string()))?;
    tx.audit(
        "phone_shown_in_full",
        &mask_phone(&full),
        json!({"child": mask_id_number(child), "relation": shown.relation, "why": "late_pickup_call"}),
    );
    Ok(full)
}

/// A late child's 晚接记录单 as printed: the slip, and how late they were.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LateSlip {
    pub minutes_late: i64,
    pub slip: Option<linli_core::receipt::IssuedSlip>,
}

/// Prints the 晚接记录单 of `child`, still here after `programme` ended: the calls made
/// so far, and lines for the adult who collects them. Refused for a child who is not
/// late (gone home, or the grace period not over). Printing it is audited.
pub fn late_pickup_slip(
    tx: &mut Tx<'_>,
    programme: &str,
    child: &str,
    printing: crate::print::Printing,
) -> Result<LateSlip, AppError> {
    tx.authorise(Permission::RecordPickup)?;
    let actor = tx.actor.clone();
    let now = tx.now;
    let late = late_pickups(tx, &actor, programme, now)?;
    let Some(found) = late.children.iter().find(|c| c.id_number == child) else {
        return Err(Refused::new(
            "not_late",
            Text::new("这个孩子不在晚接名单上", "this child is not on the late list"),
            vec![Text::new(
                format!(
                    "{}起还在中心的孩子才算晚接；这个孩子已离开或还未到时间",
                    late.late_from.format("%H:%M")
                ),
                format!(
                    "a child is late once still here at {}; this one has left or it is not time yet",
                    late.late_from.format("%H:%M")
                ),
            )],
        )
        .into());
    };
    let planned = children_programme(tx, programme)?;
    let calls: Vec<slips::LateCall<'_>> = found
        .calls
        .iter()
        .map(|c| slips::LateCall {
            at: c.at,
            contact: &c.contact,
            outcome: c.outcome.label(),
        })
        .collect();
    let slip = crate::print::issue(
        tx,
        printing,
        &format!("晚接 {}", found.id_masked),
        |stamp| {
            slips::late_pickup_slip(
                stamp,
                &planned,
                now.date(),
                late.ends,
                &found.name,
                found.minutes_late,
                &calls,
            )
        },
    )?;
    if let Some(issued) = &slip {
        tx.audit(
            "late_pickup_slip_printed",
            &found.id_masked,
            json!({"programme": programme, "serial": issued.serial, "minutes_late": found.minutes_late}),
        );
    }
    Ok(LateSlip {
        minutes_late: found.minutes_late,
        slip,
    })
}
