//! 日间照料 at the desk: the day's list (expected, arrived, left, meals, transport),
//! arrivals and departures (through `attendance`), meals, the van's pick-ups and
//! drop-offs, absences members sent word of, the list of people to call, the
//! driver's route list, and closing the day, which core refuses while someone is on
//! the road without a reason (`linli_core::day_care`).
//!
//! Every use-case checks `Permission::RecordDayCareAttendance` itself. A day that is
//! closed takes no more changes: what was recorded is what staff signed off. Arrivals
//! and departures reach the district as `attendance_recorded`; meals, transport and
//! absences as `day_care_recorded`, each change with the member's whole day; a
//! closing as `day_care_closed`.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use linli_core::day_care::{self, DayEntry, Meal, TransportLeg};
use linli_core::identity::{mask_id_number, mask_name};
use linli_core::outbox::EventPayload;
use linli_core::programme::{Programme, ProgrammeKind};
use linli_core::slips;
use linli_core::staff::Permission;
use linli_core::{text, Text};
use rusqlite::OptionalExtension;
use serde::Serialize;
use serde_json::json;

use super::{attendance, load};
use crate::clock;
use crate::error::{AppError, Refused};
use crate::print::{self, Printing};
use crate::store::Tx;

/// One member on the day's list, as staff see it: masked, with what was recorded.
#[derive(Clone, Debug, Serialize)]
pub struct DayRow {
    /// The full ID number, for a screen to act on; never printed or put in JSON.
    #[serde(skip)]
    pub resident: String,
    pub resident_masked: String,
    pub name: String,
    /// The name in full, for the desk's list (staff greet members by name, as the roll
    /// call shows children's); JSON and slips carry the masked one.
    #[serde(skip)]
    pub full_name: String,
    pub expected: bool,
    #[serde(serialize_with = "crate::json_shapes::db_time_opt")]
    pub arrived_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::json_shapes::db_time_opt")]
    pub left_at: Option<NaiveDateTime>,
    pub absence_reason: Option<String>,
    pub breakfast: bool,
    pub lunch: bool,
    pub transport: Option<TransportRow>,
    /// Expected, not here, no word: call them.
    pub to_call: bool,
    /// Picked up and not dropped off.
    pub on_the_road: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct TransportRow {
    pub place: String,
    pub pickup_at: String,
    #[serde(serialize_with = "crate::json_shapes::db_time_opt")]
    pub picked_up_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::json_shapes::db_time_opt")]
    pub dropped_off_at: Option<NaiveDateTime>,
}

/// How a day was closed.
#[derive(Clone, Debug, Serialize)]
pub struct Closing {
    pub programme: String,
    pub date: NaiveDate,
    #[serde(serialize_with = "crate::json_shapes::db_time")]
    pub closed_at: NaiveDateTime,
    pub closed_by: String,
    pub reason: Option<String>,
    /// Members still on the road when it closed (only with a reason).
    pub open_transport: u32,
}

/// A day-care day: whether the programme runs, everyone on it, the people to call,
/// the members still on the road, and the closing if there was one.
#[derive(Clone, Debug, Serialize)]
pub struct Day {
    pub programme: String,
    pub date: NaiveDate,
    pub runs: bool,
    pub rows: Vec<DayRow>,
    pub to_call: Vec<DayRow>,
    pub on_the_road: Vec<DayRow>,
    pub expected: u32,
    pub arrived: u32,
    pub left: u32,
    pub lunches: u32,
    pub breakfasts: u32,
    pub closed: Option<Closing>,
}

/// The driver's list: its stops in pick-up order, masked as the slip prints them.
#[derive(Clone, Debug, Serialize)]
pub struct Route {
    pub programme: String,
    pub date: NaiveDate,
    pub stops: Vec<RouteStop>,
}

#[derive(Clone, Debug, Serialize)]
pub struct RouteStop {
    pub pickup_at: String,
    pub name: String,
    pub place: String,
    #[serde(serialize_with = "crate::json_shapes::db_time_opt")]
    pub picked_up_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::json_shapes::db_time_opt")]
    pub dropped_off_at: Option<NaiveDateTime>,
}

/// The day-care programme meant: the one named, which must be a day-care programme,
/// or, when none is named, the centre's only one.
pub fn programme(tx: &Tx<'_>, code: Option<&str>) -> Result<Programme, AppError> {
    if let Some(code) = code {
        let found = load::programme(tx, code)?
            .ok_or_else(|| load::not_found("服务项目", "programme", code))?;
        if found.kind != ProgrammeKind::DayCare {
            return Err(Refused::new(
                "not_day_care",
                Text::new("不是日间照料项目", "not a day-care programme"),
                vec![Text::new(
                    format!("「{}」不是日间照料项目", found.name.zh),
                    format!("\"{}\" is not a day-care programme", found.name.en),
                )],
            )
            .into());
        }
        return Ok(found);
    }
    let all: Vec<Programme> = load::all_programmes(tx)?
        .into_iter()
        .filter(|p| p.kind == ProgrammeKind::DayCare)
        .collect();
    match all.len() {
        1 => Ok(all.into_iter().next().expect("one")),
        0 => Err(load::not_found(
            "日间照料项目",
            "day-care programme",
            "day_care",
        )),
        _ => Err(Refused::new(
            "programme_required",
            Text::new("请指明项目", "name the programme"),
            vec![Text::new(
                format!(
                    "本中心有{}个日间照料项目，请用 --programme 指明：{}",
                    all.len(),
                    all.iter()
                        .map(|p| p.code.as_str())
                        .collect::<Vec<_>>()
                        .join("、")
                ),
                format!(
                    "This centre has {} day-care programmes; name one with --programme: {}",
                    all.len(),
                    all.iter()
                        .map(|p| p.code.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )],
        )
        .into()),
    }
}

fn time_from_db(text: Option<String>) -> Option<NaiveDateTime> {
    text.as_deref().and_then(clock::from_db)
}

/// Everyone on `programme`'s day `date`: the confirmed members if it runs that day,
/// and anyone with a record that day besides (a member who left the programme since).
fn entries(
    tx: &Tx<'_>,
    programme: &Programme,
    date: NaiveDate,
) -> Result<(bool, Vec<(DayEntry, String)>), AppError> {
    let runs = day_care::runs_on(programme, date, &load::calendar(tx)?);
    let day = date.to_string();
    let mut stmt = tx.prepare(
        "WITH people AS (
             SELECT resident, 1 AS expected FROM enrolments
              WHERE programme_code = ?1 AND status = 'confirmed' AND ?3
             UNION SELECT resident, 0 FROM attendance WHERE programme_code = ?1 AND session_date = ?2
             UNION SELECT resident, 0 FROM day_care_days WHERE programme_code = ?1 AND session_date = ?2
         )
         SELECT p.resident, max(p.expected), r.name, a.checked_in_at, a.checked_out_at,
                d.breakfast, d.lunch, d.place, d.pickup_at, d.picked_up_at, d.dropped_off_at,
                d.absence_reason
           FROM people p JOIN residents r ON r.id_number = p.resident
           LEFT JOIN attendance a ON a.programme_code = ?1 AND a.session_date = ?2 AND a.resident = p.resident
           LEFT JOIN day_care_days d ON d.programme_code = ?1 AND d.session_date = ?2 AND d.resident = p.resident
          GROUP BY p.resident ORDER BY r.name, p.resident",
    )?;
    let rows = stmt.query_map((&programme.code, &day, runs), |r| {
        let mut entry = DayEntry::new(r.get::<_, String>(0)?, r.get::<_, i64>(1)? == 1);
        let name: String = r.get(2)?;
        entry.arrived_at = time_from_db(r.get(3)?);
        entry.left_at = time_from_db(r.get(4)?);
        entry.meals.breakfast = r.get::<_, Option<i64>>(5)?.unwrap_or(0) == 1;
        entry.meals.lunch = r.get::<_, Option<i64>>(6)?.unwrap_or(0) == 1;
        let place: Option<String> = r.get(7)?;
        let pickup: Option<String> = r.get(8)?;
        if let (Some(place), Some(pickup)) = (place, pickup) {
            if let Ok(pickup_at) = NaiveTime::parse_from_str(&pickup, "%H:%M") {
                entry.transport = Some(TransportLeg {
                    place,
                    pickup_at,
                    picked_up_at: time_from_db(r.get(9)?),
                    dropped_off_at: time_from_db(r.get(10)?),
                });
            }
        }
        entry.absence_reason = r.get(11)?;
        Ok((entry, name))
    })?;
    Ok((runs, rows.collect::<Result<Vec<_>, _>>()?))
}

fn row_of(entry: &DayEntry, name: &str) -> DayRow {
    DayRow {
        resident: entry.resident.clone(),
        resident_masked: mask_id_number(&entry.resident),
        name: mask_name(name),
        full_name: name.to_string(),
        expected: entry.expected,
        arrived_at: entry.arrived_at,
        left_at: entry.left_at,
        absence_reason: entry.absence_reason.clone(),
        breakfast: entry.meals.breakfast,
        lunch: entry.meals.lunch,
        transport: entry.transport.as_ref().map(|leg| TransportRow {
            place: leg.place.clone(),
            pickup_at: leg.pickup_at.format("%H:%M").to_string(),
            picked_up_at: leg.picked_up_at,
            dropped_off_at: leg.dropped_off_at,
        }),
        to_call: entry.is_unexpected_absence(),
        on_the_road: entry.transport_open(),
    }
}

fn closing(tx: &Tx<'_>, programme: &str, date: NaiveDate) -> Result<Option<Closing>, AppError> {
    Ok(tx
        .query_row(
            "SELECT closed_at, closed_by, reason, open_transport FROM day_care_closings
             WHERE programme_code = ?1 AND session_date = ?2",
            (programme, date.to_string()),
            |r| {
                Ok(Closing {
                    programme: programme.to_string(),
                    date,
                    closed_at: time_from_db(r.get(0)?).unwrap_or_default(),
                    closed_by: r.get(1)?,
                    reason: r.get(2)?,
                    open_transport: r.get(3)?,
                })
            },
        )
        .optional()?)
}

/// The day as the desk sees it (a read: nothing is written).
pub fn show(tx: &mut Tx<'_>, code: Option<&str>, date: NaiveDate) -> Result<Day, AppError> {
    tx.authorise(Permission::RecordDayCareAttendance)?;
    let planned = programme(tx, code)?;
    let (runs, people) = entries(tx, &planned, date)?;
    let rows: Vec<DayRow> = people.iter().map(|(e, n)| row_of(e, n)).collect();
    let count = |f: &dyn Fn(&DayRow) -> bool| rows.iter().filter(|r| f(r)).count() as u32;
    Ok(Day {
        programme: planned.code.clone(),
        date,
        runs,
        expected: count(&|r| r.expected),
        arrived: count(&|r| r.arrived_at.is_some()),
        left: count(&|r| r.left_at.is_some()),
        lunches: count(&|r| r.lunch),
        breakfasts: count(&|r| r.breakfast),
        to_call: rows.iter().filter(|r| r.to_call).cloned().collect(),
        on_the_road: rows.iter().filter(|r| r.on_the_road).cloned().collect(),
        closed: closing(tx, &planned.code, date)?,
        rows,
    })
}

/// The list of people to call: expected today, not arrived, no word sent.
pub fn unexpected_absences(
    tx: &mut Tx<'_>,
    code: Option<&str>,
    date: NaiveDate,
) -> Result<Vec<DayRow>, AppError> {
    Ok(show(tx, code, date)?.to_call)
}

/// Refuses a change to a day that was closed.
fn refuse_if_closed(tx: &Tx<'_>, programme: &Programme, date: NaiveDate) -> Result<(), AppError> {
    if let Some(closed) = closing(tx, &programme.code, date)? {
        return Err(Refused::new(
            "day_closed",
            Text::new("当天已结束", "the day is closed"),
            vec![Text::new(
                format!(
                    "「{}」{}的记录已于{}结束，不能再更改",
                    programme.name.zh,
                    date,
                    closed.closed_at.format("%H:%M")
                ),
                format!(
                    "\"{}\" on {} was closed at {}; its records can no longer change",
                    programme.name.en,
                    date,
                    closed.closed_at.format("%H:%M")
                ),
            )],
        )
        .into());
    }
    Ok(())
}

/// The member's entry today, refused unless they have a confirmed seat (only members
/// are on the day's list) and the day is open.
fn member_today(
    tx: &Tx<'_>,
    code: Option<&str>,
    resident: &str,
) -> Result<(Programme, DayEntry), AppError> {
    let planned = programme(tx, code)?;
    let today = tx.now.date();
    refuse_if_closed(tx, &planned, today)?;
    let (_, people) = entries(tx, &planned, today)?;
    match people.into_iter().find(|(e, _)| e.resident == resident) {
        Some((entry, _)) => Ok((planned, entry)),
        None => {
            load::resident(tx, resident)?
                .ok_or_else(|| load::not_found("居民", "resident", &mask_id_number(resident)))?;
            Err(Refused::new(
                "not_enrolled",
                Text::new("不在今天的名单上", "not on today's list"),
                vec![Text::new(
                    format!(
                        "居民{}没有「{}」的已确认名额，或今天没有日间照料",
                        mask_id_number(resident),
                        planned.name.zh
                    ),
                    format!(
                        "Resident {} has no confirmed seat in \"{}\", or it does not run today",
                        mask_id_number(resident),
                        planned.name.en
                    ),
                )],
            )
            .into())
        }
    }
}

fn save(tx: &mut Tx<'_>, programme: &str, entry: &DayEntry) -> Result<(), AppError> {
    let leg = entry.transport.as_ref();
    tx.execute(
        "INSERT INTO day_care_days (programme_code, session_date, resident, breakfast, lunch, place,
             pickup_at, picked_up_at, dropped_off_at, absence_reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT(programme_code, session_date, resident) DO UPDATE SET
             breakfast = excluded.breakfast, lunch = excluded.lunch, place = excluded.place,
             pickup_at = excluded.pickup_at, picked_up_at = excluded.picked_up_at,
             dropped_off_at = excluded.dropped_off_at, absence_reason = excluded.absence_reason",
        rusqlite::params![
            programme,
            tx.now.date().to_string(),
            entry.resident,
            entry.meals.breakfast,
            entry.meals.lunch,
            leg.map(|l| l.place.clone()),
            leg.map(|l| l.pickup_at.format("%H:%M").to_string()),
            leg.and_then(|l| l.picked_up_at).map(clock::to_db),
            leg.and_then(|l| l.dropped_off_at).map(clock::to_db),
            entry.absence_reason,
        ],
    )?;
    tx.emit(EventPayload::DayCareRecorded {
        programme_code: programme.to_string(),
        session_date: tx.now.date(),
        resident_id_number: entry.resident.clone(),
        breakfast: entry.meals.breakfast,
        lunch: entry.meals.lunch,
        transport: leg.is_some(),
        picked_up_at: leg.and_then(|l| l.picked_up_at),
        dropped_off_at: leg.and_then(|l| l.dropped_off_at),
        absence_reason: entry.absence_reason.clone(),
    });
    Ok(())
}

/// 到达: the member arrives (the day's attendance check-in).
pub fn arrive(tx: &mut Tx<'_>, code: Option<&str>, resident: &str) -> Result<(), AppError> {
    tx.authorise(Permission::RecordDayCareAttendance)?;
    let (planned, _) = member_today(tx, code, resident)?;
    attendance::check_in(tx, &planned.code, resident)
}

/// 离开: the member goes home (check-out; day care needs no pickup adult).
pub fn leave(tx: &mut Tx<'_>, code: Option<&str>, resident: &str) -> Result<(), AppError> {
    tx.authorise(Permission::RecordDayCareAttendance)?;
    let (planned, _) = member_today(tx, code, resident)?;
    attendance::check_out(tx, &planned.code, resident, None)
}

/// 请假: the member sent word they will not come today, with the reason; they are then
/// off the list of people to call.
pub fn report_absence(
    tx: &mut Tx<'_>,
    code: Option<&str>,
    resident: &str,
    reason: &str,
) -> Result<(), AppError> {
    tx.authorise(Permission::RecordDayCareAttendance)?;
    let reason = text::checked("reason", ("原因", "reason"), reason, text::NOTE_CHARS)?;
    if reason.is_empty() {
        return Err(linli_core::FieldError::new(
            "reason",
            "required",
            "请写明请假原因",
            "Give the reason for the absence",
        )
        .into());
    }
    let (planned, mut entry) = member_today(tx, code, resident)?;
    entry.absence_reason = Some(reason.clone());
    save(tx, &planned.code, &entry)?;
    tx.audit(
        "day_care_absence",
        &mask_id_number(resident),
        json!({"programme": planned.code, "reason": reason}),
    );
    Ok(())
}

/// 用餐: the member took `meal`; only someone who arrived today eats here.
pub fn record_meal(
    tx: &mut Tx<'_>,
    code: Option<&str>,
    resident: &str,
    meal: Meal,
) -> Result<DayEntry, AppError> {
    tx.authorise(Permission::RecordDayCareAttendance)?;
    let (planned, mut entry) = member_today(tx, code, resident)?;
    if entry.arrived_at.is_none() {
        let label = meal.label();
        return Err(Refused::new(
            "not_arrived",
            Text::new("还没有签到", "not checked in"),
            vec![Text::new(
                format!(
                    "居民{}今天还没有到达，不能登记{}",
                    mask_id_number(resident),
                    label.zh
                ),
                format!(
                    "Resident {} has not arrived today, so no {} can be recorded",
                    mask_id_number(resident),
                    label.en
                ),
            )],
        )
        .into());
    }
    entry.meals.take(meal);
    save(tx, &planned.code, &entry)?;
    tx.audit(
        "day_care_meal",
        &mask_id_number(resident),
        json!({"programme": planned.code, "meal": meal}),
    );
    Ok(entry)
}

/// 接送安排: where and when the van picks the member up today. A new plan keeps a
/// pick-up or drop-off already recorded.
pub fn set_transport(
    tx: &mut Tx<'_>,
    code: Option<&str>,
    resident: &str,
    place: &str,
    pickup_at: NaiveTime,
) -> Result<DayEntry, AppError> {
    tx.authorise(Permission::RecordDayCareAttendance)?;
    let (planned, mut entry) = member_today(tx, code, resident)?;
    entry.transport = Some(match &entry.transport {
        Some(leg) => leg.replan(place, pickup_at)?,
        None => TransportLeg::plan(place, pickup_at)?,
    });
    save(tx, &planned.code, &entry)?;
    tx.audit(
        "day_care_transport_set",
        &mask_id_number(resident),
        json!({"programme": planned.code, "pickup_at": pickup_at.format("%H:%M").to_string()}),
    );
    Ok(entry)
}

fn no_transport(resident: &str) -> AppError {
    Refused::new(
        day_care::NO_TRANSPORT,
        Text::new("没有接送安排", "no transport planned"),
        vec![Text::new(
            format!(
                "居民{}今天没有接送安排，请先登记接送地点和时间",
                mask_id_number(resident)
            ),
            format!(
                "Resident {} has no transport planned today; set the pick-up place and time first",
                mask_id_number(resident)
            ),
        )],
    )
    .into()
}

/// 接上车 (`picked_up`) or 送达 (`!picked_up`), at the transaction's time.
pub fn record_transport(
    tx: &mut Tx<'_>,
    code: Option<&str>,
    resident: &str,
    picked_up: bool,
) -> Result<DayEntry, AppError> {
    tx.authorise(Permission::RecordDayCareAttendance)?;
    let (planned, mut entry) = member_today(tx, code, resident)?;
    let now = tx.now;
    let leg = entry
        .transport
        .as_mut()
        .ok_or_else(|| no_transport(resident))?;
    if picked_up {
        leg.pick_up(now)?;
    } else {
        leg.drop_off(now)?;
    }
    save(tx, &planned.code, &entry)?;
    tx.audit(
        if picked_up {
            "day_care_picked_up"
        } else {
            "day_care_dropped_off"
        },
        &mask_id_number(resident),
        json!({"programme": planned.code}),
    );
    Ok(entry)
}

/// 结束当天: refused while someone was picked up and has no drop-off time, unless
/// `reason` says why; the closing (and the reason) is kept and audited.
pub fn close_day(
    tx: &mut Tx<'_>,
    code: Option<&str>,
    reason: Option<&str>,
) -> Result<Closing, AppError> {
    let staff = tx.authorise(Permission::RecordDayCareAttendance)?;
    let planned = programme(tx, code)?;
    let today = tx.now.date();
    refuse_if_closed(tx, &planned, today)?;
    let (_, people) = entries(tx, &planned, today)?;
    let all: Vec<DayEntry> = people.iter().map(|(e, _)| e.clone()).collect();
    let open: Vec<String> = day_care::open_transport(&all)
        .iter()
        .map(|e| {
            let name = &people
                .iter()
                .find(|(p, _)| p.resident == e.resident)
                .expect("listed")
                .1;
            mask_name(name)
        })
        .collect();
    let reason = day_care::check_close(&all, reason).map_err(|e| {
        let mut refused = match AppError::from(e) {
            AppError::Refused(r) => r,
            other => return other,
        };
        refused.reasons.push(Text::new(
            format!("未送达：{}", open.join("、")),
            format!("Not dropped off: {}", open.join(", ")),
        ));
        AppError::Refused(refused)
    })?;
    let closing = Closing {
        programme: planned.code.clone(),
        date: today,
        closed_at: tx.now,
        closed_by: staff.code.clone(),
        reason,
        open_transport: open.len() as u32,
    };
    tx.execute(
        "INSERT INTO day_care_closings (programme_code, session_date, closed_at, closed_by, reason, open_transport)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        rusqlite::params![
            closing.programme,
            today.to_string(),
            clock::to_db(closing.closed_at),
            closing.closed_by,
            closing.reason,
            closing.open_transport,
        ],
    )?;
    tx.emit(EventPayload::DayCareClosed {
        programme_code: planned.code.clone(),
        session_date: today,
        closed_by: closing.closed_by.clone(),
        reason: closing.reason.clone(),
        open_transport: closing.open_transport,
    });
    tx.audit(
        "day_care_closed",
        &planned.code,
        json!({"date": today.to_string(), "open_transport": closing.open_transport, "reason": closing.reason}),
    );
    Ok(closing)
}

/// 接送单: the driver's route list for today, printed (masked inside the slip's
/// constructor). Audited: it names members and where they are picked up.
pub fn route_list(
    tx: &mut Tx<'_>,
    code: Option<&str>,
    printing: Printing,
) -> Result<Route, AppError> {
    tx.authorise(Permission::RecordDayCareAttendance)?;
    let planned = programme(tx, code)?;
    let today = tx.now.date();
    let (_, people) = entries(tx, &planned, today)?;
    let mut stops = Vec::new();
    for (entry, _) in &people {
        if let Some(leg) = &entry.transport {
            let member = load::resident(tx, &entry.resident)?.ok_or_else(|| {
                load::not_found("居民", "resident", &mask_id_number(&entry.resident))
            })?;
            stops.push((member, leg.clone()));
        }
    }
    tx.audit(
        "day_care_route_printed",
        &planned.code,
        json!({"date": today.to_string(), "stops": stops.len()}),
    );
    print::issue(tx, printing, &planned.code, |stamp| {
        slips::day_care_route(stamp, &planned, today, &stops)
    })?;
    let mut listed: Vec<RouteStop> = stops
        .iter()
        .map(|(member, leg)| RouteStop {
            pickup_at: leg.pickup_at.format("%H:%M").to_string(),
            name: mask_name(&member.name),
            place: day_care::route_place(&leg.place),
            picked_up_at: leg.picked_up_at,
            dropped_off_at: leg.dropped_off_at,
        })
        .collect();
    listed.sort_by(|a, b| a.pickup_at.cmp(&b.pickup_at));
    Ok(Route {
        programme: planned.code.clone(),
        date: today,
        stops: listed,
    })
}
