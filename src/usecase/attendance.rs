//! 签到签退: the roll call, day-care attendance and pickup. A child leaves only with
//! an adult on their pickup list, or alone when the guardian allowed it and core's
//! age rule agrees.

use chrono::{NaiveDate, NaiveDateTime};
use linli_core::attendance::{
    Attendance, AttendanceState, Collector, Leaving, PickupAdult, PickupAuthorisation,
};
use linli_core::household::age_on;
use linli_core::identity::mask_id_number;
use linli_core::outbox::EventPayload;
use linli_core::programme::ProgrammeKind;
use linli_core::staff::Permission;
use linli_core::text;
use linli_core::Text;
use rusqlite::{Connection, OptionalExtension};
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
    store_list(tx, auth)?;
    tx.audit(
        "pickup_list_set",
        &mask_id_number(&auth.child),
        json!({"adults": auth.adults.len()}),
    );
    Ok(())
}

/// Keeps `list` as the child's pickup list and sends it to the district, which passes
/// it to the centre's other devices: a must-not-collect adult refused here is refused
/// at every desk of the centre.
fn store_list(tx: &mut Tx<'_>, list: &PickupAuthorisation) -> Result<(), AppError> {
    tx.execute(
        "INSERT INTO pickup_authorisations (child, body, changed_at) VALUES (?1, ?2, ?3)
         ON CONFLICT(child) DO UPDATE SET body = excluded.body, changed_at = excluded.changed_at",
        (&list.child, to_json_text(list), clock::to_db(tx.now)),
    )?;
    tx.emit(EventPayload::PickupListChanged {
        authorisation: list.clone(),
    });
    Ok(())
}

/// A child's pickup list from another desk of the centre, through the district. Kept
/// if it is newer than the one here; a child this device does not know is skipped
/// (the registry brings them, and the next change of their list with them).
pub fn receive_pickup_list(
    tx: &mut Tx<'_>,
    list: &PickupAuthorisation,
    changed_at: NaiveDateTime,
) -> Result<(), AppError> {
    // A list made for a number merged away since is its survivor's.
    let child = super::households::current_number(tx, &list.child)?;
    if child != list.child {
        let mut moved = list.clone();
        moved.child = child;
        return receive_pickup_list(tx, &moved, changed_at);
    }
    if load::resident(tx, &list.child)?.is_none() {
        return Ok(());
    }
    tx.execute(
        "INSERT INTO pickup_authorisations (child, body, changed_at) VALUES (?1, ?2, ?3)
         ON CONFLICT(child) DO UPDATE SET body = excluded.body, changed_at = excluded.changed_at
         WHERE pickup_authorisations.changed_at < excluded.changed_at",
        (&list.child, to_json_text(list), clock::to_db(changed_at)),
    )?;
    Ok(())
}

/// One adult to put on a child's pickup list at the desk, as the guardian names them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PickupAdultInput {
    /// The adult's ID number: their name comes from the registry when they are a
    /// resident, and the desk can then check their ID card at pickup.
    pub id_number: Option<String>,
    /// Needed when the adult is not in the registry (a grandparent from out of town).
    pub name: Option<String>,
    pub relation: String,
    pub must_not_collect: bool,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    pub card_code: Option<String>,
}

/// Adds an adult to a child's pickup list, or replaces their entry (the same ID
/// number, or the same name and relation): audited, and sent to the district.
pub fn set_pickup_adult(
    tx: &mut Tx<'_>,
    child: &str,
    input: &PickupAdultInput,
) -> Result<PickupAuthorisation, AppError> {
    tx.authorise(Permission::RecordPickup)?;
    let today = tx.now.date();
    let person = load::resident(tx, child)?
        .ok_or_else(|| load::not_found("孩子", "child", &mask_id_number(child)))?;
    let relation = text::checked(
        "relation",
        ("与孩子的关系", "relation"),
        &input.relation,
        text::LABEL_CHARS,
    )?;
    if relation.is_empty() {
        return Err(required(
            "relation",
            ("与孩子的关系", "relation to the child"),
        ));
    }
    let id_number = match &input.id_number {
        Some(raw) if !raw.trim().is_empty() => Some(load::parse_id(raw, today)?),
        _ => None,
    };
    if id_number
        .as_ref()
        .is_some_and(|id| id.as_str() == person.id_number.as_str())
    {
        return Err(Refused::new(
            "adult_is_the_child",
            Text::new(
                "接送人不能是孩子本人",
                "the child cannot collect themselves",
            ),
            vec![Text::new(
                "请填写来接孩子的成年人的身份证号",
                "give the ID number of the adult who collects the child",
            )],
        )
        .into());
    }
    let registered = match &id_number {
        Some(id) => load::resident(tx, id.as_str())?,
        None => None,
    };
    let name = match (&registered, &input.name) {
        (Some(adult), _) => adult.name.clone(),
        (None, Some(name)) if !name.trim().is_empty() => text::checked(
            "name",
            ("接送人姓名", "pickup adult's name"),
            name,
            text::NAME_CHARS,
        )?,
        _ => return Err(required("name", ("接送人姓名", "pickup adult's name"))),
    };
    // A teenage sibling is not an adult who can take responsibility for the child; a
    // must-not-collect entry is recorded whatever the age, so staff recognise them.
    if let Some(id) = &id_number {
        let age = age_on(id.birth_date(), today);
        if age < 18 && !input.must_not_collect {
            return Err(Refused::new(
                "pickup_adult_under_18",
                Text::new("接送人须年满18周岁", "the pickup adult must be 18 or over"),
                vec![Text::new(
                    format!("此人今年{age}岁，不能作为授权接送人"),
                    format!("this person is {age} and cannot be an authorised pickup adult"),
                )],
            )
            .into());
        }
    }
    if let (Some(from), Some(until)) = (input.valid_from, input.valid_until) {
        if until < from {
            return Err(Refused::new(
                "dates_reversed",
                Text::new("授权日期有误", "the dates are the wrong way round"),
                vec![Text::new(
                    format!("截止日期 {until} 早于开始日期 {from}"),
                    format!("the last day {until} is before the first day {from}"),
                )],
            )
            .into());
        }
    }
    let card_code = match &input.card_code {
        Some(card) if !card.trim().is_empty() => Some(text::checked(
            "card",
            ("接送卡号", "pickup card number"),
            card,
            text::LABEL_CHARS,
        )?),
        _ => None,
    };
    let mut list = pickup_list(tx, child)?;
    let adult = PickupAdult {
        name,
        relation,
        id_number: id_number.as_ref().map(|id| id.as_str().to_string()),
        card_code,
        must_not_collect: input.must_not_collect,
        valid_from: input.valid_from,
        valid_until: input.valid_until,
    };
    let same = |known: &PickupAdult| match (&known.id_number, &adult.id_number) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => known.name == adult.name && known.relation == adult.relation,
    };
    let replaced = list.adults.iter().position(same);
    match replaced {
        Some(index) => list.adults[index] = adult.clone(),
        None => list.adults.push(adult.clone()),
    }
    store_list(tx, &list)?;
    tx.audit(
        "pickup_adult_set",
        &mask_id_number(child),
        json!({
            "adult": linli_core::identity::mask_name(&adult.name),
            "relation": adult.relation,
            "must_not_collect": adult.must_not_collect,
            "valid_from": adult.valid_from,
            "valid_until": adult.valid_until,
            "replaced": replaced.is_some(),
        }),
    );
    Ok(list)
}

fn required(field: &str, what: (&str, &str)) -> AppError {
    linli_core::FieldError::new(
        field,
        "required",
        format!("请填写{}", what.0),
        format!("the {} is required", what.1),
    )
    .into()
}

/// A child's pickup list as the guardian set it; an empty one when none was set.
pub fn pickup_list(conn: &Connection, child: &str) -> Result<PickupAuthorisation, AppError> {
    let body: Option<String> = conn
        .prepare_cached("SELECT body FROM pickup_authorisations WHERE child = ?1")?
        .query_row([child], |r| r.get(0))
        .optional()?;
    match body {
        Some(body) => from_json_text("pickup list", &body),
        None => Ok(PickupAuthorisation {
            child: child.to_string(),
            adults: vec![],
            may_leave_alone: false,
        }),
    }
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
    // Only people with a confirmed seat are on a programme's roll.
    super::roster::refuse_unless_confirmed(
        tx,
        &planned,
        resident,
        Text::new("不能签到", "cannot check in"),
        Text::new(
            "，不能签到；请先报名或核对项目",
            " and cannot check in; sign up first or check the programme",
        ),
    )?;
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
        let auth = pickup_list(tx, resident)?;
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
