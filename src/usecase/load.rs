//! Reading core's domain types back out of SQLite. One place, so every use-case
//! sees a resident, household or programme the same way.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use linli_core::consent::Relationship;
use linli_core::household::{Household, Resident, Tag};
use linli_core::identity::{IdNumber, Phone};
use linli_core::programme::Programme;
use rusqlite::{Connection, OptionalExtension};

use crate::error::AppError;

pub const RESIDENT_COLUMNS: &str = "id_number, household_code, name, phone, tags";

/// Tags are stored as one `;`-separated column: the same form the CSV import takes,
/// and cheap to read for 200,000 residents.
pub fn tags_to_db(tags: &BTreeSet<Tag>) -> String {
    tags.iter()
        .map(|t| t.as_str())
        .collect::<Vec<_>>()
        .join(";")
}

pub fn tags_from_db(text: &str) -> BTreeSet<Tag> {
    text.split(';')
        .filter(|t| !t.is_empty())
        .filter_map(|t| Tag::parse(t).ok())
        .collect()
}

pub fn resident_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Resident> {
    let id: String = row.get(0)?;
    let phone: Option<String> = row.get(3)?;
    let tags: String = row.get(4)?;
    Ok(Resident {
        // The database only ever holds numbers that passed validation (or an
        // anonymised resident's pseudonym), born before any "today".
        id_number: IdNumber::stored(&id)
            .map_err(|e| rusqlite::Error::InvalidColumnName(format!("id_number {e}")))?,
        household_code: row.get(1)?,
        name: row.get(2)?,
        phone: phone.and_then(|p| Phone::parse(&p).ok()),
        tags: tags_from_db(&tags),
    })
}

pub use crate::error::not_found;

pub fn resident(conn: &Connection, id_number: &str) -> Result<Option<Resident>, AppError> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {RESIDENT_COLUMNS} FROM residents WHERE id_number = ?1"
        ))?
        .query_row([id_number], resident_from_row)
        .optional()?)
}

pub fn household(conn: &Connection, code: &str) -> Result<Option<Household>, AppError> {
    Ok(conn
        .prepare_cached(
            "SELECT code, address, community_code, moved_away_at FROM households WHERE code = ?1",
        )?
        .query_row([code], |r| {
            Ok(Household {
                code: r.get(0)?,
                address: r.get(1)?,
                community_code: r.get(2)?,
                moved_away_on: r
                    .get::<_, Option<String>>(3)?
                    .and_then(|at| crate::clock::from_db(&at))
                    .map(|at| at.date()),
            })
        })
        .optional()?)
}

/// A resident's 与户主关系, if one is recorded.
pub fn relationship(conn: &Connection, id: &str) -> Result<Option<Relationship>, AppError> {
    let raw: String = conn
        .prepare_cached("SELECT relationship FROM residents WHERE id_number = ?1")?
        .query_row([id], |r| r.get(0))?;
    Ok(Relationship::from_db(&raw))
}

pub fn household_members(conn: &Connection, code: &str) -> Result<Vec<Resident>, AppError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {RESIDENT_COLUMNS} FROM residents WHERE household_code = ?1 ORDER BY id_number"
    ))?;
    let rows = stmt.query_map([code], resident_from_row)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

pub fn programme(conn: &Connection, code: &str) -> Result<Option<Programme>, AppError> {
    let body: Option<String> = conn
        .query_row("SELECT body FROM programmes WHERE code = ?1", [code], |r| {
            r.get(0)
        })
        .optional()?;
    match body {
        None => Ok(None),
        Some(body) => Ok(Some(serde_json::from_str(&body).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
        })?)),
    }
}

pub fn all_programmes(conn: &Connection) -> Result<Vec<Programme>, AppError> {
    let mut stmt = conn.prepare("SELECT code FROM programmes ORDER BY code")?;
    let codes = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::with_capacity(codes.len());
    for code in codes {
        if let Some(p) = programme(conn, &code)? {
            out.push(p);
        }
    }
    Ok(out)
}

/// Validates an ID number typed by a person, for lookups: a typo is told apart
/// from "not registered".
pub fn parse_id(raw: &str, today: NaiveDate) -> Result<IdNumber, AppError> {
    Ok(IdNumber::parse(raw, today)?)
}

/// The calendar the district published last (holidays, make-up workdays, terms).
pub fn calendar(conn: &Connection) -> Result<linli_core::calendar::Calendar, AppError> {
    let body: Option<String> = conn
        .query_row(
            "SELECT body FROM published WHERE kind = 'calendar' ORDER BY version DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    Ok(match body {
        Some(body) => serde_json::from_str(&body).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
        })?,
        // Before the district publishes one, the national schedule built in is the best guess.
        None => linli_core::calendar::china_2026(),
    })
}

/// The snake_case name serde gives a unit enum variant (a status, a kind, a code):
/// the one spelling used in the database, the wire format and the CLI.
pub fn serde_name<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        _ => String::new(),
    }
}
