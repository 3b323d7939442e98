//! A resident registered at another centre, looked up at the district by full ID
//! number by a staff member for a resident in front of them (invariant 10: the only
//! way this device holds another centre's household). The district records who asked
//! and why and limits how often; this device records it too, and keeps the household
//! under its owner, never to change it.

use std::path::Path;

use chrono::NaiveDateTime;
use linli_core::household::age_on;
use linli_core::identity::{mask_id_number, mask_name, IdNumber};
use linli_core::staff::Permission;
use linli_core::sync::MAX_LOOKUP_PURPOSE_CHARS;
use linli_core::Text;
use serde::Serialize;
use serde_json::json;

use super::http::{District, HttpError};
use super::{address, credential, not_enrolled, unreachable_district};
use crate::error::{AppError, Refused};
use crate::store::{Actor, Store};
use crate::usecase::{households, load};

/// A member of the household found, masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FoundMember {
    pub name: String,
    pub id_number: String,
    pub age: Option<u32>,
}

/// The household the district found, now usable here under its owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FoundHousehold {
    pub found: bool,
    /// The centre that registered it, and alone changes it.
    pub registered_at: String,
    /// Its key on this device.
    pub household: String,
    pub members: Vec<FoundMember>,
    pub note: &'static str,
}

pub fn resident(
    store: &mut Store,
    data_dir: &Path,
    actor: &Actor,
    now: NaiveDateTime,
    raw_id: &str,
    purpose: &str,
) -> Result<FoundHousehold, AppError> {
    let member = actor.authorise(Permission::RegisterHouseholds)?.clone();
    let id = load::parse_id(raw_id, now.date())?;
    let purpose = linli_core::text::checked(
        "purpose",
        ("查询用途", "purpose"),
        purpose,
        MAX_LOOKUP_PURPOSE_CHARS,
    )?;
    if purpose.is_empty() {
        return Err(linli_core::FieldError::new(
            "purpose",
            "required",
            "请写明查询用途（如“报名日间照料”）",
            "Say what the lookup is for (such as \"day care sign-up\")",
        )
        .into());
    }
    let credential = credential::load(data_dir)?.ok_or_else(not_enrolled)?;
    address::check(&credential.district_url)?;
    let district = District::new(&credential.district_url, Some(&credential.credential))
        .map_err(|e| unreachable_district(&e))?;
    let masked = id.masked();
    let answer = district.lookup_resident(id.as_str(), &member.code, &purpose);
    let household = match answer {
        Ok(answer) => answer.household,
        Err(HttpError::Refused { status, body }) => {
            store.write(actor, now, |tx| {
                tx.audit(
                    "registry_lookup",
                    &masked,
                    json!({"purpose": purpose, "found": false, "status": status}),
                );
                Ok(())
            })?;
            return Err(Refused::new(
                &body.code,
                Text::new("区级后台未给出结果", "the district gave no answer"),
                vec![Text::new(
                    format!("{}（{status}）", body.error.zh),
                    format!("{} ({status})", body.error.en),
                )],
            )
            .into());
        }
        Err(error) => return Err(unreachable_district(&error)),
    };
    store.write(actor, now, |tx| {
        households::store_known(tx, &household)?;
        tx.audit(
            "registry_lookup",
            &masked,
            json!({"purpose": purpose, "found": true, "centre": household.centre_code}),
        );
        Ok(())
    })?;
    let today = now.date();
    let members = household
        .members
        .iter()
        .map(|m| FoundMember {
            name: mask_name(&m.name),
            id_number: mask_id_number(&m.id_number),
            age: IdNumber::parse(&m.id_number, chrono::NaiveDate::MAX)
                .map(|id| age_on(id.birth_date(), today))
                .ok(),
        })
        .collect();
    Ok(FoundHousehold {
        found: true,
        household: households::local_household_key(
            &store.device().centre_code,
            &household.centre_code,
            &household.household_code,
        ),
        registered_at: household.centre_code,
        members,
        note: "此户由另一服务中心登记，本中心只使用、不修改 / registered by another centre: used here, changed only there",
    })
}
