//! 学生午托 meals: the counts for the kitchen (today or the week), the count staff
//! record as served, and the kitchen's slip. Core (`linli_core::meals`) decides the
//! numbers from what this module reads: the confirmed children, the absences not
//! withdrawn, the check-ins and the recorded counts, each in one query per programme.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use linli_core::dates::weekday_day_text;
use linli_core::dietary::DietaryNeeds;
use linli_core::household::Resident;
use linli_core::meals::{days_to_show, meal_days, MealDay, MealInputs};
use linli_core::outbox::EventPayload;
use linli_core::programme::{Programme, ProgrammeKind};
use linli_core::receipt::IssuedSlip;
use linli_core::slips;
use linli_core::staff::Permission;
use linli_core::Text;
use serde::Serialize;
use serde_json::json;

use super::{dietary, load};
use crate::clock;
use crate::error::{AppError, Refused};
use crate::print::{self, Printing};
use crate::store::Tx;

/// The most meals one session can have recorded: far above any centre's lunch room,
/// so only a typing slip is refused.
pub const MAX_MEAL_COUNT: u32 = 1_000;

/// The meal counts of every lunch-care programme on the days asked for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MealCounts {
    pub date: NaiveDate,
    pub week: bool,
    /// Per programme, per day, programmes by code and days in order.
    pub days: Vec<MealDay>,
    /// Meals to cook over all the days and programmes.
    pub total_to_cook: u32,
    /// Days on which a recorded count is above the attendance.
    pub flagged: u32,
}

/// What printing the kitchen's slip did: the day's counts and the slip issued.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KitchenList {
    pub counts: MealCounts,
    /// How many children with dietary needs the slip lists.
    pub special_diets: u32,
    pub slip: Option<IssuedSlip>,
}

fn lunch_programmes(tx: &Tx<'_>) -> Result<Vec<Programme>, AppError> {
    Ok(load::all_programmes(tx)?
        .into_iter()
        .filter(|p| p.kind == ProgrammeKind::LunchCare)
        .collect())
}

/// Everything the counts of `programme` between `first` and `last` are made from.
fn inputs(
    tx: &Tx<'_>,
    programme: &str,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<MealInputs, AppError> {
    let mut inputs = MealInputs::default();
    let (first, last) = (first.to_string(), last.to_string());
    let mut stmt = tx.prepare_cached(
        "SELECT resident FROM enrolments WHERE programme_code = ?1 AND status = 'confirmed'",
    )?;
    for row in stmt.query_map([programme], |r| r.get::<_, String>(0))? {
        inputs.enrolled.insert(row?);
    }
    let mut stmt = tx.prepare_cached(
        "SELECT date, resident, part FROM absences
         WHERE programme_code = ?1 AND date BETWEEN ?2 AND ?3 AND withdrawn_at IS NULL",
    )?;
    let rows = stmt.query_map((programme, &first, &last), |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    for row in rows {
        let (date, resident, part) = row?;
        if let (Ok(date), Some(part)) = (
            date.parse::<NaiveDate>(),
            linli_core::absence::DayPart::from_code(&part),
        ) {
            inputs
                .absences
                .entry(date)
                .or_default()
                .push((resident, part));
        }
    }
    let mut stmt = tx.prepare_cached(
        "SELECT session_date, resident FROM attendance
         WHERE programme_code = ?1 AND session_date BETWEEN ?2 AND ?3",
    )?;
    let rows = stmt.query_map((programme, &first, &last), |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    for row in rows {
        let (date, resident) = row?;
        if let Ok(date) = date.parse::<NaiveDate>() {
            inputs.attended.entry(date).or_default().insert(resident);
        }
    }
    let mut stmt = tx.prepare_cached(
        "SELECT date, count FROM meal_counts WHERE programme_code = ?1 AND date BETWEEN ?2 AND ?3",
    )?;
    let rows = stmt.query_map((programme, &first, &last), |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?))
    })?;
    for row in rows {
        let (date, count) = row?;
        if let Ok(date) = date.parse::<NaiveDate>() {
            inputs.recorded.insert(date, count);
        }
    }
    Ok(inputs)
}

/// One programme's days, with the inputs they were counted from.
fn programme_days(
    tx: &Tx<'_>,
    programme: &Programme,
    calendar: &linli_core::calendar::Calendar,
    date: NaiveDate,
    week: bool,
) -> Result<(Vec<MealDay>, MealInputs), AppError> {
    let dates = days_to_show(programme, calendar, date, week);
    let (first, last) = (dates[0], dates[dates.len() - 1]);
    let inputs = inputs(tx, &programme.code, first, last)?;
    Ok((meal_days(programme, calendar, &dates, &inputs), inputs))
}

fn counts_of(date: NaiveDate, week: bool, days: Vec<MealDay>) -> MealCounts {
    MealCounts {
        date,
        week,
        total_to_cook: days.iter().map(|d| d.to_cook).sum(),
        flagged: days.iter().filter(|d| d.warning.is_some()).count() as u32,
        days,
    }
}

/// The meals to cook on `date`, or with `week` on each school day of its week, for
/// every lunch-care programme.
pub fn meal_counts(tx: &Tx<'_>, date: NaiveDate, week: bool) -> Result<MealCounts, AppError> {
    tx.authorise(Permission::RecordMealCounts)?;
    let calendar = load::calendar(tx)?;
    let mut days = Vec::new();
    for programme in lunch_programmes(tx)? {
        days.extend(programme_days(tx, &programme, &calendar, date, week)?.0);
    }
    Ok(counts_of(date, week, days))
}

/// Records how many meals `programme` served on `date` (today or a past day). A
/// count above the attendance is kept and flagged, not refused: the meals were
/// cooked, and the flag is what staff and an audit look at.
pub fn record_meal_count(
    tx: &mut Tx<'_>,
    programme_code: &str,
    date: NaiveDate,
    count: u32,
) -> Result<MealDay, AppError> {
    tx.authorise(Permission::RecordMealCounts)?;
    let programme = load::programme(tx, programme_code)?
        .ok_or_else(|| load::not_found("服务项目", "programme", programme_code))?;
    if programme.kind != ProgrammeKind::LunchCare {
        return Err(linli_core::FieldError::new(
            "programme",
            "not_lunch_care",
            format!("「{}」不是学生午托，不登记用餐人数", programme.name.zh),
            format!(
                "\"{}\" is not a lunch-care programme; meal counts are for lunch care",
                programme.name.en
            ),
        )
        .into());
    }
    if date > tx.now.date() {
        let day = weekday_day_text(date);
        return Err(linli_core::FieldError::new(
            "date",
            "in_the_future",
            format!("{}还没到，用餐人数在当天或之后登记", day.zh),
            format!(
                "{} has not come yet; record the meals served on the day or after",
                day.en
            ),
        )
        .into());
    }
    if count > MAX_MEAL_COUNT {
        return Err(linli_core::FieldError::new(
            "count",
            "out_of_range",
            format!("用餐人数{count}超过上限{MAX_MEAL_COUNT}，请核对"),
            format!("A meal count of {count} is above the limit of {MAX_MEAL_COUNT}; please check"),
        )
        .into());
    }
    let calendar = load::calendar(tx)?;
    if let Some(why) = linli_core::absence::why_no_session(&programme, date, &calendar) {
        return Err(Refused::new(
            "no_session",
            Text::new("这一天没有午托", "no lunch care that day"),
            vec![why],
        )
        .into());
    }
    tx.execute(
        "INSERT INTO meal_counts (programme_code, date, count, recorded_at, recorded_by)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(programme_code, date) DO UPDATE SET count = excluded.count,
             recorded_at = excluded.recorded_at, recorded_by = excluded.recorded_by",
        (
            &programme.code,
            date.to_string(),
            count,
            clock::to_db(tx.now),
            tx.actor.name(),
        ),
    )?;
    let (mut days, _) = programme_days(tx, &programme, &calendar, date, false)?;
    let day = days.remove(0);
    tx.emit(EventPayload::MealCountRecorded {
        programme_code: programme.code.clone(),
        date,
        served: count,
        expected: day.to_cook,
        above_attendance: day.warning.is_some(),
    });
    tx.audit(
        "meal_count_recorded",
        &programme.code,
        json!({"date": date, "count": count, "above_attendance": day.warning.is_some()}),
    );
    Ok(day)
}

/// Prints the kitchen's slip for `date`: each lunch-care programme's count and the
/// children expected that day who have dietary needs (masked names).
///
/// Needs both the meal-count and the dietary-needs permission: a kitchen list printed
/// without its allergies would read as "no allergies today", which is worse than no
/// list at all. Printing it is audited, since it puts health data on paper.
pub fn kitchen_slip(
    tx: &mut Tx<'_>,
    date: NaiveDate,
    printing: Printing,
) -> Result<KitchenList, AppError> {
    tx.authorise(Permission::RecordMealCounts)?;
    tx.authorise(Permission::DietaryNeeds)?;
    let calendar = load::calendar(tx)?;
    let mut meals: Vec<(Programme, MealDay)> = Vec::new();
    // The children the kitchen cooks for: expected (not reported away) or arrived.
    let mut eating: Vec<String> = Vec::new();
    for programme in lunch_programmes(tx)? {
        let (mut days, inputs) = programme_days(tx, &programme, &calendar, date, false)?;
        let day = days.remove(0);
        if day.no_session.is_none() {
            let (start, end) = (programme.schedule.start, programme.schedule.end);
            let away: Vec<&String> = inputs
                .absences
                .get(&date)
                .into_iter()
                .flatten()
                .filter(|(_, part)| part.covers(start, end))
                .map(|(child, _)| child)
                .collect();
            let attended = inputs.attended.get(&date);
            let arrived = |child: &String| attended.is_some_and(|set| set.contains(child));
            let checked_in = day.basis == linli_core::meals::MealBasis::CheckedIn;
            for child in &inputs.enrolled {
                let eats = if checked_in {
                    arrived(child)
                } else {
                    !away.contains(&child)
                };
                if eats && !eating.contains(child) {
                    eating.push(child.clone());
                }
            }
            for child in attended.into_iter().flatten() {
                if !eating.contains(child) {
                    eating.push(child.clone());
                }
            }
        }
        meals.push((programme, day));
    }
    let needs: BTreeMap<String, DietaryNeeds> = dietary::dietary_needs_for(
        tx,
        &crate::store::Actor::member(&tx.authorise(Permission::DietaryNeeds)?),
        &eating,
    )?;
    let mut diets: Vec<(Resident, DietaryNeeds)> = Vec::new();
    for (child, need) in needs {
        if let Some(resident) = load::resident(tx, &child)? {
            diets.push((resident, need));
        }
    }
    diets.sort_by(|a, b| a.0.name.cmp(&b.0.name));
    let days: Vec<MealDay> = meals.iter().map(|(_, day)| day.clone()).collect();
    let special_diets = diets.len() as u32;
    let slip = print::issue(tx, printing, &format!("午托 {date}"), |stamp| {
        let meals: Vec<(&Programme, &MealDay)> = meals.iter().map(|(p, d)| (p, d)).collect();
        let diets: Vec<(&Resident, &DietaryNeeds)> = diets.iter().map(|(r, n)| (r, n)).collect();
        slips::kitchen_slip(stamp, date, &meals, &diets)
    })?;
    // Only paper is audited: the counts alone are what `meal_counts` shows anyway.
    if let Some(issued) = &slip {
        tx.audit(
            "kitchen_slip_printed",
            &date.to_string(),
            json!({"serial": issued.serial, "special_diets": special_diets}),
        );
    }
    Ok(KitchenList {
        counts: counts_of(date, false, days),
        special_diets,
        slip,
    })
}
