//! A resident opened at the desk from 查找居民: the children's programmes they hold a
//! seat in (for reporting an absence ahead), their pickup list, and their dietary
//! needs, each only for a member whose role may see it (the pickup list with the
//! pickup permission, dietary needs with the dietary one). Reads only: every change
//! is its own use-case (`attendance::set_pickup_adult`, `dietary::set_dietary_needs`,
//! `absences::report_absence`), audited there.

use linli_core::dietary::DietaryNeeds;
use linli_core::identity::mask_id_number;
use linli_core::pickup::PickupAuthorisation;
use linli_core::staff::Permission;
use linli_core::Text;
use rusqlite::Connection;

use super::{attendance, dietary, load};
use crate::error::AppError;
use crate::store::Actor;

/// A programme of school-day children's care the resident holds a seat in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeldSeat {
    pub code: String,
    pub name: Text,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResidentPage {
    pub children_programmes: Vec<HeldSeat>,
    /// `None` for a member who may not see pickup lists.
    pub pickup: Option<PickupAuthorisation>,
    /// `None` for a member who may not see dietary needs; empty needs when none are
    /// recorded.
    pub dietary: Option<DietaryNeeds>,
    /// The child's absences from today on, for a member who takes the roll call.
    pub absences: Vec<linli_core::absence::Absence>,
    /// The kiosk PIN and cards, for a member who registers residents.
    pub access: Option<KioskAccess>,
    /// What the resident's data may be used for, and who gives consent for them, for a
    /// member who registers residents.
    pub consent: Option<ConsentStanding>,
}

/// The consent in force and who may change it at the desk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsentStanding {
    pub purposes: std::collections::BTreeSet<linli_core::consent::Purpose>,
    /// Under 14: the guardian of the consent on record (full number, kept in Rust),
    /// or none yet, when the household form asks for one.
    pub guardian: Option<String>,
    /// That guardian's name, masked, for staff to ask for them by name.
    pub guardian_name: Option<String>,
    pub under_14: bool,
}

/// How a resident signs in at the kiosk, as the desk manages it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KioskAccess {
    pub pin: PinStatus,
    /// Cards in use (not revoked), oldest first: the numbers stay in Rust, the
    /// screen shows their endings.
    pub cards: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PinStatus {
    NotSet,
    Set,
    /// Paused after five wrong tries; a reset opens it.
    Locked,
}

impl PinStatus {
    pub fn describe(self) -> Text {
        match self {
            PinStatus::NotSet => Text::new("未设置", "not set"),
            PinStatus::Set => Text::new("已设置", "set"),
            PinStatus::Locked => Text::new(
                "已锁定（输错5次），请重置",
                "locked after five wrong tries: reset it",
            ),
        }
    }
}

pub(super) fn kiosk_access(conn: &Connection, resident: &str) -> Result<KioskAccess, AppError> {
    let held: Option<Option<String>> = rusqlite::OptionalExtension::optional(
        conn.prepare_cached("SELECT locked_until FROM resident_pins WHERE id_number = ?1")?
            .query_row([resident], |r| r.get(0)),
    )?;
    let now = crate::clock::now();
    let pin = match held {
        None => PinStatus::NotSet,
        Some(until)
            if until
                .as_deref()
                .and_then(crate::clock::from_db)
                .is_some_and(|u| u > now) =>
        {
            PinStatus::Locked
        }
        Some(_) => PinStatus::Set,
    };
    let cards = conn
        .prepare_cached(
            "SELECT token FROM resident_cards WHERE id_number = ?1 AND revoked_at IS NULL
             ORDER BY issued_at, token",
        )?
        .query_map([resident], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(KioskAccess { pin, cards })
}

pub fn resident_page(
    conn: &Connection,
    actor: &Actor,
    resident: &str,
) -> Result<ResidentPage, AppError> {
    let member = actor.authorise(Permission::FindResidents)?.clone();
    load::resident(conn, resident)?
        .ok_or_else(|| load::not_found("居民", "resident", &mask_id_number(resident)))?;
    let mut children_programmes = Vec::new();
    let mut stmt = conn.prepare_cached(
        "SELECT programme_code FROM enrolments WHERE resident = ?1 AND status = 'confirmed'
         ORDER BY programme_code",
    )?;
    let codes: Vec<String> = stmt
        .query_map([resident], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for code in codes {
        if let Some(p) = load::programme(conn, &code)? {
            if p.kind.school_days_only() {
                children_programmes.push(HeldSeat {
                    code: p.code,
                    name: p.name,
                });
            }
        }
    }
    let pickup = if member.can(Permission::RecordPickup) {
        Some(attendance::pickup_list(conn, resident)?)
    } else {
        None
    };
    let dietary = if member.can(Permission::DietaryNeeds) {
        let found = dietary::dietary_needs_for(conn, actor, &[resident.to_string()])?;
        Some(found.into_values().next().unwrap_or_default())
    } else {
        None
    };
    let absences = if member.can(Permission::TakeRollCall) {
        super::absences::upcoming_absences(conn, actor, resident, crate::clock::now().date())?
    } else {
        Vec::new()
    };
    let access = if member.can(Permission::RegisterHouseholds) {
        Some(kiosk_access(conn, resident)?)
    } else {
        None
    };
    let consent = if member.can(Permission::RegisterHouseholds) {
        let person = load::resident(conn, resident)?.expect("found above");
        let guardian: Option<String> = rusqlite::OptionalExtension::optional(
            conn.prepare_cached(
                "SELECT guardian FROM consents WHERE resident = ?1 AND guardian IS NOT NULL
                 ORDER BY id DESC LIMIT 1",
            )?
            .query_row([resident], |r| r.get(0)),
        )?;
        let guardian_name = match &guardian {
            Some(g) => load::resident(conn, g)?.map(|g| linli_core::identity::mask_name(&g.name)),
            None => None,
        };
        Some(ConsentStanding {
            purposes: super::consents::purposes_of(conn, resident)?,
            guardian,
            guardian_name,
            under_14: person.age_on(crate::clock::now().date())
                < linli_core::consent::GUARDIAN_CONSENT_BELOW,
        })
    } else {
        None
    };
    Ok(ResidentPage {
        children_programmes,
        pickup,
        dietary,
        absences,
        access,
        consent,
    })
}
