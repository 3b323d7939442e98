//! Retention (个人信息保护法 第十九条), by the district's rule
//! (`linli_core::retention`): a household that moved away, none of whose members has
//! been served for the rule's years, is anonymised. Each member is kept under a
//! pseudonym that names nobody (area 000000, their birth year and sex only), so the
//! centre's figures and accounts still add up: attendance, meals, day care, payments
//! and volunteer hours stay, relabelled (`person_records`). Their name, number, phone,
//! tags, PIN, cards, dietary needs, pickup lists, the van's address and the notes and
//! numbers of late-pickup calls go; so does the household's address. No mapping from
//! the old number is kept.
//!
//! The kiosk sweeps once a day (`offer_sweep`), and `linli doctor` reports the rule,
//! the last sweep, how many were anonymised and how many are due.

use chrono::{NaiveDate, NaiveDateTime};
use linli_core::identity::{IdNumber, Sex};
use linli_core::retention::RetentionRule;
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use serde_json::json;

use crate::clock;
use crate::error::AppError;
use crate::store::{set_setting, Actor, Store, Tx};

/// What an anonymised resident is called.
pub const ANONYMISED: &str = "（已匿名）";

const SWEPT_ON: &str = "retention_swept_on";

/// The rule in force: the newest the district published.
pub fn rule(conn: &Connection) -> Result<Option<RetentionRule>, AppError> {
    let body: Option<String> = conn
        .prepare_cached(
            "SELECT body FROM published WHERE kind = 'retention_rule'
             ORDER BY version DESC LIMIT 1",
        )?
        .query_row([], |r| r.get(0))
        .optional()?;
    Ok(body.and_then(|b| serde_json::from_str(&b).ok()))
}

/// A household's last day of service: its members' last visit, day-care day, volunteer
/// shift, payment or change of a place, or the day it moved away if that is later.
fn last_service(conn: &Connection, code: &str) -> Result<Option<NaiveDate>, AppError> {
    let last: Option<String> = conn
        .prepare_cached(
            "SELECT max(d) FROM (
               SELECT max(a.session_date) AS d FROM attendance a
                 JOIN residents r ON r.id_number = a.resident WHERE r.household_code = ?1
               UNION ALL SELECT max(x.session_date) FROM day_care_days x
                 JOIN residents r ON r.id_number = x.resident WHERE r.household_code = ?1
               UNION ALL SELECT max(substr(s.clock_in, 1, 10)) FROM shifts s
                 JOIN residents r ON r.id_number = s.volunteer WHERE r.household_code = ?1
               UNION ALL SELECT max(substr(p.at, 1, 10)) FROM payments p
                 JOIN residents r ON r.id_number = p.resident WHERE r.household_code = ?1
               UNION ALL SELECT max(substr(e.updated_at, 1, 10)) FROM enrolments e
                 JOIN residents r ON r.id_number = e.resident WHERE r.household_code = ?1
               UNION ALL SELECT substr(moved_away_at, 1, 10) FROM households WHERE code = ?1)",
        )?
        .query_row([code], |r| r.get(0))?;
    Ok(last.and_then(|d| d.parse().ok()))
}

/// Whether anyone of the household is still part of what the centre does for others,
/// or has something not yet finished: named on another household's child's pickup list
/// (a must-not-collect adult above all) or as the guardian who consented for another
/// household's child; a place still held or waited for; a volunteer shift not yet
/// reviewed; an event not yet sent to the district. Such a household waits, whatever
/// its years: anonymising it would break the other family's list, or send the district
/// a number that names nobody.
fn still_in_use(conn: &Connection, code: &str) -> Result<bool, AppError> {
    let n: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM residents r WHERE r.household_code = ?1 AND (
               EXISTS (SELECT 1 FROM pickup_authorisations p JOIN residents c ON c.id_number = p.child
                       WHERE c.household_code <> ?1 AND instr(p.body, '\"' || r.id_number || '\"') > 0)
               OR EXISTS (SELECT 1 FROM consents k JOIN residents c ON c.id_number = k.resident
                          WHERE k.guardian = r.id_number AND c.household_code <> ?1)
               OR EXISTS (SELECT 1 FROM enrolments e WHERE e.resident = r.id_number
                          AND e.status IN ('confirmed', 'waitlisted', 'offered'))
               OR EXISTS (SELECT 1 FROM shifts s WHERE s.volunteer = r.id_number
                          AND s.status IN ('open', 'pending', 'needs_confirmation'))
               OR EXISTS (SELECT 1 FROM outbox o WHERE o.sent_at IS NULL
                          AND instr(o.body, '\"' || r.id_number || '\"') > 0))",
        )?
        .query_row([code], |r| r.get(0))?;
    Ok(n > 0)
}

/// The households due on `today` under `rule`, oldest code first.
fn due(conn: &Connection, rule: &RetentionRule, today: NaiveDate) -> Result<Vec<String>, AppError> {
    let moved: Vec<String> = conn
        .prepare_cached(
            "SELECT code FROM households WHERE moved_away_at IS NOT NULL AND erased_at IS NULL
             ORDER BY code",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut due = Vec::new();
    for code in moved {
        if last_service(conn, &code)?.is_some_and(|last| rule.due(last, today))
            && !still_in_use(conn, &code)?
        {
            due.push(code);
        }
    }
    Ok(due)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Swept {
    pub rule: Option<RetentionRule>,
    pub households: usize,
    pub residents: usize,
}

/// Anonymises every household due today, each in a transaction of its own (one that
/// fails is left for tomorrow and says why; the rest go on); without a rule, nothing
/// (the district has not said how long, so nothing is removed).
pub fn sweep(store: &mut Store, now: NaiveDateTime) -> Result<Swept, AppError> {
    let Some(rule) = rule(store.conn())? else {
        return Ok(Swept {
            rule: None,
            households: 0,
            residents: 0,
        });
    };
    let mut swept = Swept {
        rule: Some(rule.clone()),
        households: 0,
        residents: 0,
    };
    for code in due(store.conn(), &rule, now.date())? {
        match store.write(&Actor::system(), now, |tx| {
            anonymise_household(tx, &code, &rule)
        }) {
            Ok(members) => {
                swept.households += 1;
                swept.residents += members;
            }
            Err(error) => {
                eprintln!("linli: 户 {code} 匿名化失败，明天再试 / household {code} not anonymised, tried again tomorrow: {error}");
            }
        }
    }
    Ok(swept)
}

/// As [`sweep`], at most once a day: the kiosk's timer calls this every half minute,
/// and the day is marked first, so a failure is not retried every half minute.
pub fn sweep_daily(store: &mut Store, now: NaiveDateTime) -> Result<Option<Swept>, AppError> {
    let today = now.date().to_string();
    if store.setting(SWEPT_ON)?.as_deref() == Some(today.as_str()) {
        return Ok(None);
    }
    store.write(&Actor::system(), now, |tx| {
        set_setting(tx, SWEPT_ON, &today)?;
        Ok(())
    })?;
    sweep(store, now).map(Some)
}

/// One household's members kept under pseudonyms, its address gone; how many.
fn anonymise_household(
    tx: &mut Tx<'_>,
    code: &str,
    rule: &RetentionRule,
) -> Result<usize, AppError> {
    let last = last_service(tx, code)?;
    let members: Vec<(String, String, String)> = tx
        .prepare_cached(
            "SELECT id_number, birth_date, sex FROM residents WHERE household_code = ?1
             ORDER BY id_number",
        )?
        .query_map([code], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    for (id, birth_date, sex) in &members {
        anonymise(tx, code, id, birth_date, sex, rule)?;
    }
    tx.prepare_cached(
        "UPDATE households SET address = ?2, erased_at = ?3, moved_away_reason = NULL
         WHERE code = ?1",
    )?
    .execute((code, ANONYMISED, clock::to_db(tx.now)))?;
    tx.audit(
        "household_anonymised",
        code,
        json!({"members": members.len(), "last_service": last, "years": rule.years,
               "rule_version": rule.version}),
    );
    Ok(members.len())
}

/// One member kept under a fresh pseudonym; everything that named them in person gone.
fn anonymise(
    tx: &Tx<'_>,
    household: &str,
    id: &str,
    birth_date: &str,
    sex: &str,
    rule: &RetentionRule,
) -> Result<(), AppError> {
    let year: i32 = birth_date
        .get(..4)
        .and_then(|y| y.parse().ok())
        .unwrap_or(1900);
    let sex_of = if sex == "male" {
        Sex::Male
    } else {
        Sex::Female
    };
    let pseudonym = loop {
        let bytes = *uuid::Uuid::new_v4().as_bytes();
        let noise = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        let candidate = IdNumber::pseudonym(year, sex_of, noise);
        let taken: bool = tx
            .prepare_cached("SELECT 1 FROM residents WHERE id_number = ?1")?
            .query_row([candidate.as_str()], |_| Ok(()))
            .optional()?
            .is_some();
        if !taken {
            break candidate;
        }
    };
    let p = pseudonym.as_str();
    let at = clock::to_db(tx.now);
    // Recorded first: payments and pickup calls follow only a recorded pseudonym.
    tx.prepare_cached(
        "INSERT INTO resident_erasures (pseudonym, household_code, erased_at, rule_version, years)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute((p, household, &at, rule.version, rule.years))?;
    tx.prepare_cached(
        "INSERT INTO residents (id_number, household_code, name, phone, birth_date, sex, tags,
                                created_at, updated_at, relationship)
         SELECT ?2, household_code, ?3, NULL, ?4, sex, '', created_at, ?5, ''
         FROM residents WHERE id_number = ?1",
    )?
    .execute((id, p, ANONYMISED, pseudonym.birth_date().to_string(), &at))?;
    tx.prepare_cached(
        "INSERT INTO volunteers (id_number, skills, registered_at)
         SELECT ?2, '', registered_at FROM volunteers WHERE id_number = ?1",
    )?
    .execute((id, p))?;
    // Whom to call and what was said: the guardian's, not the centre's to keep.
    tx.prepare_cached(
        "UPDATE pickup_calls SET child = ?2, contact = '', note = '' WHERE child = ?1",
    )?
    .execute((id, p))?;
    for sql in [
        // Where the van fetched them, and why they were away.
        "UPDATE day_care_days SET place = NULL, pickup_at = NULL, absence_reason = NULL
         WHERE resident = ?1",
        "UPDATE attendance SET picked_up_by = NULL WHERE resident = ?1",
        // Who collected the child, in the visit's own record.
        "UPDATE attendance
         SET body = json_set(body, '$.state.departure.collected_by.name', '（已匿名）')
         WHERE resident = ?1
           AND json_extract(body, '$.state.departure.collected_by.name') IS NOT NULL",
        // What this device already sent the district about them: the district has it;
        // the copy here is only the record of sending, and names them in full.
        "DELETE FROM outbox WHERE sent_at IS NOT NULL AND instr(body, '\"' || ?1 || '\"') > 0",
        "UPDATE absences SET note = NULL WHERE resident = ?1",
        "DELETE FROM resident_pins WHERE id_number = ?1",
        "DELETE FROM resident_cards WHERE id_number = ?1",
        "DELETE FROM dietary_needs WHERE resident = ?1",
        "DELETE FROM pickup_authorisations WHERE child = ?1",
        "DELETE FROM unplaced_last_term WHERE resident = ?1",
    ] {
        tx.prepare_cached(sql)?.execute([id])?;
    }
    super::person_records::relabel(tx, id, p)?;
    for sql in [
        "DELETE FROM volunteers WHERE id_number = ?1",
        "DELETE FROM residents WHERE id_number = ?1",
    ] {
        tx.prepare_cached(sql)?.execute([id])?;
    }
    Ok(())
}

/// `linli doctor`'s retention line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RetentionReport {
    /// The rule in force, if the district published one.
    pub rule: Option<RetentionRule>,
    pub last_sweep_on: Option<String>,
    pub households_anonymised: i64,
    pub residents_anonymised: i64,
    /// Households the next sweep will anonymise.
    pub due_now: usize,
}

pub fn report(conn: &Connection, today: NaiveDate) -> Result<RetentionReport, AppError> {
    let rule = rule(conn)?;
    let due_now = match &rule {
        Some(rule) => due(conn, rule, today)?.len(),
        None => 0,
    };
    let count = |sql: &str| -> Result<i64, AppError> {
        Ok(conn.prepare_cached(sql)?.query_row([], |r| r.get(0))?)
    };
    Ok(RetentionReport {
        households_anonymised: count(
            "SELECT count(*) FROM households WHERE erased_at IS NOT NULL",
        )?,
        residents_anonymised: count("SELECT count(*) FROM resident_erasures")?,
        last_sweep_on: conn
            .query_row(
                "SELECT value FROM settings WHERE key = ?1",
                [SWEPT_ON],
                |r| r.get(0),
            )
            .optional()?,
        rule,
        due_now,
    })
}
