//! What a data directory holds: nothing yet, the demo centre, a training copy, or a
//! real centre (invariant 11: demo and real data never mix).
//!
//! The kind is written once, in the transaction that first puts data in the directory
//! (the demo seed writes `demo`), and everything that must not cross the line asks
//! here: the demo seed refuses a real centre, enrolment refuses the demo unless told
//! it is a training district, and a pinned clock is honoured only off real centres.

use rusqlite::{Connection, OptionalExtension};

/// The settings key that records the kind.
pub const SETTING: &str = "data_kind";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataKind {
    /// No centre and no household yet: the demo may be seeded or the device enrolled.
    Fresh,
    /// The demo centre (`linli demo`); says 演示 / DEMO on every screen and slip.
    Demo,
    /// A copy for training staff; like the demo, never a centre's records.
    Training,
    /// A real centre's records.
    Real,
}

impl DataKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DataKind::Fresh => "fresh",
            DataKind::Demo => "demo",
            DataKind::Training => "training",
            DataKind::Real => "real",
        }
    }

    /// The demo and training copies are not a centre's records: they are marked as
    /// such on every screen and slip, and may run on a pinned clock.
    pub fn is_practice(self) -> bool {
        matches!(self, DataKind::Demo | DataKind::Training)
    }
}

pub fn data_kind(conn: &Connection) -> Result<DataKind, rusqlite::Error> {
    let setting = |key: &str| -> Result<Option<String>, rusqlite::Error> {
        conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .optional()
    };
    match setting(SETTING)?.as_deref() {
        Some("demo") => return Ok(DataKind::Demo),
        Some("training") => return Ok(DataKind::Training),
        Some("real") => return Ok(DataKind::Real),
        _ => {}
    }
    // A directory from before the kind was recorded: the demo left its seed date.
    if setting("demo_seeded_on")?.is_some() {
        return Ok(DataKind::Demo);
    }
    let has_centre = setting("centre_code")?.is_some_and(|code| !code.is_empty());
    let has_households = conn
        .query_row("SELECT 1 FROM households LIMIT 1", [], |_| Ok(()))
        .optional()?
        .is_some();
    Ok(if has_centre || has_households {
        DataKind::Real
    } else {
        DataKind::Fresh
    })
}

/// Decides, for this process, whether a pinned clock (`LINLI_NOW`) is honoured: only
/// on practice data that is not enrolled with a district. An empty directory does not
/// qualify: what is done first in it (an enrolment, an import) may make it a real
/// centre's, dated by the pinned clock.
pub fn settle_clock(
    conn: &Connection,
    data_dir: &std::path::Path,
) -> Result<DataKind, rusqlite::Error> {
    let kind = data_kind(conn)?;
    let enrolled = crate::data_dir::is_enrolled(data_dir);
    crate::clock::allow_pinning(!enrolled && kind.is_practice());
    Ok(kind)
}

/// The one exception: seeding the demo into an empty directory (`linli demo`, the
/// kiosk's `--demo`) may be pinned, since the seed makes the directory practice data.
pub fn allow_pinned_demo_seed(
    conn: &Connection,
    data_dir: &std::path::Path,
) -> Result<(), rusqlite::Error> {
    let kind = data_kind(conn)?;
    let enrolled = crate::data_dir::is_enrolled(data_dir);
    if !enrolled && (kind == DataKind::Fresh || kind.is_practice()) {
        crate::clock::allow_pinning(true);
    }
    Ok(())
}
