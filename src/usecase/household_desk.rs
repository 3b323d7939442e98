//! A household registered, corrected, shown and moved away at the desk, one family at
//! a time (`linli household add|edit|show|move-away`).
//!
//! A household file is checked member by member with exactly the import's checks
//! ([`check_member`]), plus what only a family has: a relationship to the head of
//! household (exactly one head) and consent (a guardian's for each child under 14).
//! Every problem is named with its member and field, and nothing is saved until all are
//! right. A correction is audited with the old and the new value, a phone masked.

use std::collections::BTreeSet;
use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime};
use linli_core::consent::{self, Purpose, Relationship, GUARDIAN_CONSENT_BELOW};
use linli_core::household::age_on;
use linli_core::identity::{mask_phone, IdNumber};
use linli_core::staff::Permission;
use linli_core::Text;
use rusqlite::OptionalExtension;
use serde::Deserialize;
use serde_json::json;

use super::consents::{registering, write_consent, Consent};
use super::households::{
    check_member, foreign_owner, register_rows, LineError, MemberFields, Place, ResidentRow, Seen,
};
use super::load::{self, tags_from_db, tags_to_db};
use crate::clock;
use crate::error::{AppError, Refused};
use crate::print::Printing;
use crate::store::{Actor, Store, Tx};
use linli_core::receipt::IssuedSlip;

/// A household as a file gives it (`household add --file H.json`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HouseholdFile {
    /// Left out at the desk: the household gets the next code of the day.
    #[serde(default)]
    pub household_code: Option<String>,
    pub address: String,
    pub members: Vec<MemberFile>,
    #[serde(default)]
    pub consents: Vec<ConsentFile>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberFile {
    pub name: String,
    pub id_number: String,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// 与户主关系: head, spouse, child, … or 户主, 配偶, 子女, …
    pub relationship: String,
}

/// A consent given at the desk: by a guardian for a child under 14, by the resident
/// otherwise (no guardian).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentFile {
    pub resident: String,
    #[serde(default)]
    pub guardian: Option<String>,
    pub purposes: Vec<String>,
    /// The notice shown; today's when left out.
    #[serde(default)]
    pub notice_version: Option<String>,
}

/// A household file that passed every check.
#[derive(Clone, Debug)]
pub struct HouseholdForm {
    pub code: String,
    pub address: String,
    pub rows: Vec<ResidentRow>,
    pub relationships: Vec<Relationship>,
    pub consents: Vec<Consent>,
}

#[derive(Debug, serde::Serialize)]
pub struct HouseholdSaved {
    pub household_code: String,
    pub members_added: usize,
    pub members_changed: usize,
    pub consents_recorded: usize,
    /// A 同意回执 for each consent the file gave, for the one who gave it.
    pub slips: Vec<IssuedSlip>,
}

/// Reads a household file: UTF-8 or GBK (as Excel and Notepad save), one JSON object.
pub fn read_file(path: &Path) -> Result<HouseholdFile, AppError> {
    let bytes = std::fs::File::open(path).map_err(|e| {
        AppError::from(Refused::new(
            "file_unreadable",
            Text::new("无法打开户文件", "cannot open the household file"),
            vec![Text::new(
                format!("{}：{e}", path.display()),
                format!("{}: {e}", path.display()),
            )],
        ))
    })?;
    let text = super::import_text::read(bytes).map_err(|errors| refused(&errors))?;
    serde_json::from_str(&text).map_err(|e| {
        Refused::new(
            "invalid_household",
            Text::new(
                "户文件格式不正确，未保存",
                "the household file is malformed; nothing saved",
            ),
            vec![Text::new(
                format!("第{}行第{}列：{e}", e.line(), e.column()),
                format!("line {}, column {}: {e}", e.line(), e.column()),
            )],
        )
        .into()
    })
}

/// What is already known of the household's members (an edit adds to them): their ID
/// numbers, birth dates and whether a guardian's consent is on record.
#[derive(Default)]
struct Known {
    members: Vec<(IdNumber, bool)>,
}

/// Checks a file completely: every problem, or the form.
fn check(
    file: &HouseholdFile,
    code: &str,
    today: NaiveDate,
    known: &Known,
) -> Result<HouseholdForm, Vec<LineError>> {
    let mut errors = Vec::new();
    let mut seen = Seen::new(Place::Member);
    let mut rows = Vec::new();
    let mut relationships = Vec::new();
    if file.members.is_empty() {
        errors.push(LineError::new(
            0,
            "members",
            "此户没有成员",
            "the household has no members",
        ));
    }
    for (index, member) in file.members.iter().enumerate() {
        let line = index + 1;
        let fields = MemberFields {
            household_code: code,
            address: file.address.trim(),
            name: member.name.trim(),
            id_number: member.id_number.trim(),
            phone: member.phone.as_deref().unwrap_or("").trim(),
            tags: member
                .tags
                .iter()
                .map(|t| t.trim())
                .filter(|t| !t.is_empty())
                .collect(),
        };
        let row = check_member(line, &fields, today, &mut seen, &mut errors);
        match Relationship::parse(&member.relationship) {
            Ok(r) => relationships.push(r),
            Err(e) => errors.push(LineError {
                line,
                column: "relationship".into(),
                reason: e.message,
            }),
        }
        rows.extend(row);
    }
    let heads = relationships
        .iter()
        .filter(|r| **r == Relationship::Head)
        .count();
    if errors.is_empty() && heads != 1 {
        errors.push(LineError::new(
            0,
            "relationship",
            format!("一户须有且只有一位户主（现有{heads}位）"),
            format!("a household has exactly one head (this one has {heads})"),
        ));
    }
    // Everyone whose age a consent depends on: the file's members and those stored.
    let member_age = |id: &str| -> Option<u32> {
        rows.iter()
            .map(|r| &r.id_number)
            .chain(known.members.iter().map(|(id, _)| id))
            .find(|m| m.as_str() == id)
            .map(|m| age_on(m.birth_date(), today))
    };
    let line_of = |id: &str| -> usize {
        rows.iter()
            .position(|r| r.id_number.as_str() == id)
            .map(|i| i + 1)
            .unwrap_or(0)
    };
    let mut consents = Vec::new();
    for given in &file.consents {
        let resident_id = given.resident.trim().to_ascii_uppercase();
        let line = line_of(&resident_id);
        let Some(resident_age) = member_age(&resident_id) else {
            errors.push(LineError::new(
                line,
                "consents.resident",
                "同意书所写居民不是此户成员",
                "the consent names someone who is not a member of this household",
            ));
            continue;
        };
        let guardian_id = given
            .guardian
            .as_deref()
            .map(|g| g.trim().to_ascii_uppercase())
            .filter(|g| !g.is_empty());
        let guardian_age = match &guardian_id {
            Some(g) => match member_age(g) {
                Some(age) => Some(age),
                None => {
                    errors.push(LineError::new(
                        line,
                        "consents.guardian",
                        "监护人须是此户成员（请先把监护人登记在此户）",
                        "the guardian must be a member of this household (register them in it first)",
                    ));
                    continue;
                }
            },
            None => None,
        };
        let checked = consent::check_giver(
            resident_age,
            guardian_age,
            guardian_id.as_deref() == Some(resident_id.as_str()),
        )
        .and_then(|()| consent::parse_purposes(&given.purposes));
        match checked {
            Ok(purposes) => consents.push(Consent {
                resident: IdNumber::parse(&resident_id, NaiveDate::MAX).expect("a member's number"),
                guardian: guardian_id
                    .map(|g| IdNumber::parse(&g, NaiveDate::MAX).expect("a member's number")),
                purposes,
                notice_version: given
                    .notice_version
                    .clone()
                    .unwrap_or_else(|| consent::NOTICE_VERSION.to_string()),
            }),
            Err(e) => errors.push(LineError {
                line,
                column: format!("consents.{}", e.field),
                reason: e.message,
            }),
        }
    }
    // A child under 14 is registered only with a guardian's consent, given now or
    // already on record.
    for (index, row) in rows.iter().enumerate() {
        let id = row.id_number.as_str();
        let on_record = known
            .members
            .iter()
            .any(|(m, has)| m.as_str() == id && *has);
        if age_on(row.id_number.birth_date(), today) < GUARDIAN_CONSENT_BELOW
            && !on_record
            && !consents.iter().any(|c| c.resident.as_str() == id)
        {
            errors.push(LineError::new(
                index + 1,
                "consent",
                format!("未满{GUARDIAN_CONSENT_BELOW}周岁，须有监护人同意才能登记"),
                format!(
                    "under {GUARDIAN_CONSENT_BELOW}: needs a guardian's consent to be registered"
                ),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(HouseholdForm {
        code: code.to_string(),
        address: file.address.trim().to_string(),
        rows,
        relationships,
        consents,
    })
}

fn member_text(e: &LineError) -> Text {
    if e.line == 0 {
        return Text::new(
            format!("此户「{}」：{}", e.column, e.reason.zh),
            format!("the household, {}: {}", e.column, e.reason.en),
        );
    }
    Text::new(
        format!("第{}位成员「{}」：{}", e.line, e.column, e.reason.zh),
        format!("member {}, {}: {}", e.line, e.column, e.reason.en),
    )
}

fn refused(errors: &[LineError]) -> AppError {
    Refused::new(
        "invalid_household",
        Text::new(
            format!("未保存：发现{}处错误", errors.len()),
            format!("nothing saved: {} problems found", errors.len()),
        ),
        errors.iter().map(member_text).collect(),
    )
    .into()
}

/// The next desk code of the day, e.g. D20261202-03: no one invents a code at a busy
/// desk, and the day in it tells staff when the family came.
fn next_code(tx: &Tx<'_>, today: NaiveDate) -> Result<String, AppError> {
    let prefix = format!("D{}-", today.format("%Y%m%d"));
    let taken: i64 = tx
        .prepare_cached("SELECT count(*) FROM households WHERE code LIKE ?1 || '%'")?
        .query_row([&prefix], |r| r.get(0))?;
    Ok(format!("{prefix}{:02}", taken + 1))
}

fn known_members(tx: &Tx<'_>, code: &str) -> Result<Known, AppError> {
    let members = load::household_members(tx, code)?;
    let mut known = Known::default();
    for m in members {
        let has: bool = tx
            .prepare_cached("SELECT 1 FROM consents WHERE resident = ?1 AND guardian IS NOT NULL")?
            .query_row([m.id_number.as_str()], |_| Ok(()))
            .optional()?
            .is_some();
        known.members.push((m.id_number, has));
    }
    Ok(known)
}

/// Writes the form's members, relationships and consents; the caller checked the
/// household's standing (new, or this centre's own).
fn save_form(
    tx: &mut Tx<'_>,
    form: &HouseholdForm,
    community: &str,
    printing: Printing,
) -> Result<HouseholdSaved, AppError> {
    // Who is new: only they consent in person now (a correction is not a visit).
    let mut new_here = BTreeSet::new();
    for row in &form.rows {
        if load::resident(tx, row.id_number.as_str())?.is_none() {
            new_here.insert(row.id_number.as_str().to_string());
        }
    }
    let summary = register_rows(tx, &form.rows, community)?;
    for (row, relationship) in form.rows.iter().zip(&form.relationships) {
        tx.prepare_cached("UPDATE residents SET relationship = ?2 WHERE id_number = ?1")?
            .execute((row.id_number.as_str(), relationship.key()))?;
    }
    let today = tx.now.date();
    let mut slips = Vec::new();
    for c in &form.consents {
        slips.extend(write_consent(tx, c, today, printing)?);
    }
    // Someone of 14 or over who registers in person consents for themselves to the
    // services they came for; any other purpose is asked and recorded separately.
    let mut recorded = form.consents.len();
    for row in &form.rows {
        let id = row.id_number.as_str();
        let any: bool = tx
            .prepare_cached("SELECT 1 FROM consents WHERE resident = ?1")?
            .query_row([id], |_| Ok(()))
            .optional()?
            .is_some();
        if !any
            && new_here.contains(id)
            && age_on(row.id_number.birth_date(), today) >= GUARDIAN_CONSENT_BELOW
        {
            let own = Consent {
                resident: row.id_number.clone(),
                guardian: None,
                purposes: BTreeSet::from([Purpose::Services]),
                notice_version: consent::NOTICE_VERSION.to_string(),
            };
            // Nothing to hand over: the services they came for, asked in person.
            write_consent(tx, &own, today, Printing::Skip)?;
            recorded += 1;
        }
    }
    Ok(HouseholdSaved {
        household_code: form.code.clone(),
        members_added: summary.residents_created,
        members_changed: summary.residents_updated,
        consents_recorded: recorded,
        slips,
    })
}

fn community(store: &Store) -> Result<String, AppError> {
    Ok(store.setting("community_code")?.unwrap_or_default())
}

/// `linli household add`: a new household and its members, all or nothing.
pub fn add(
    store: &mut Store,
    actor: &Actor,
    now: NaiveDateTime,
    file: &HouseholdFile,
    printing: Printing,
) -> Result<HouseholdSaved, AppError> {
    let community = community(store)?;
    registering(store, actor, now, |tx| {
        let today = tx.now.date();
        let code = match file.household_code.as_deref().map(str::trim) {
            Some(code) if !code.is_empty() => code.to_string(),
            _ => next_code(tx, today)?,
        };
        if load::household(tx, &code)?.is_some() {
            return Err(Refused::new(
                "household_exists",
                Text::new(
                    format!("户编号 {code} 已登记，未保存"),
                    format!("household {code} is already registered; nothing saved"),
                ),
                vec![Text::new(
                    "修改此户请用 household edit",
                    "to change it, use household edit",
                )],
            )
            .into());
        }
        let form = check(file, &code, today, &Known::default()).map_err(|e| refused(&e))?;
        let saved = save_form(tx, &form, &community, printing)?;
        tx.audit(
            "household_registered",
            &code,
            json!({"members": form.rows.len(), "consents": saved.consents_recorded}),
        );
        Ok(saved)
    })
}

/// `linli household edit`: the file's members added or corrected (members left out
/// stay as they are); each changed value audited, old and new.
pub fn edit(
    store: &mut Store,
    actor: &Actor,
    now: NaiveDateTime,
    code: &str,
    file: &HouseholdFile,
    printing: Printing,
) -> Result<HouseholdSaved, AppError> {
    let community = community(store)?;
    registering(store, actor, now, |tx| {
        let household = own_household(tx, code)?;
        if let Some(given) = file.household_code.as_deref().map(str::trim) {
            if !given.is_empty() && given != code {
                return Err(Refused::new(
                    "household_mismatch",
                    Text::new(
                        format!("文件中的户编号（{given}）与要修改的户（{code}）不一致，未保存"),
                        format!("the file's household ({given}) is not the one being edited ({code}); nothing saved"),
                    ),
                    vec![],
                )
                .into());
            }
        }
        let known = known_members(tx, code)?;
        let form = check(file, code, tx.now.date(), &known).map_err(|e| refused(&e))?;
        if household.address != form.address {
            tx.audit(
                "household_edited",
                code,
                json!({"field": "address", "old": household.address, "new": form.address}),
            );
        }
        for (row, relationship) in form.rows.iter().zip(&form.relationships) {
            audit_changes(tx, row, *relationship)?;
        }
        save_form(tx, &form, &community, printing)
    })
}

/// One audit entry per changed value of a stored member; phones masked.
fn audit_changes(
    tx: &mut Tx<'_>,
    row: &ResidentRow,
    relationship: Relationship,
) -> Result<(), AppError> {
    let id = row.id_number.as_str();
    let stored: Option<(String, Option<String>, String, String)> = tx
        .prepare_cached(
            "SELECT name, phone, tags, relationship FROM residents WHERE id_number = ?1",
        )?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .optional()?;
    let Some((name, phone, tags, stored_relationship)) = stored else {
        return Ok(());
    };
    let masked_phone = |p: &Option<String>| p.as_deref().map(mask_phone);
    let new_phone = row.phone.as_ref().map(|p| p.as_str().to_string());
    let mut changes = Vec::new();
    if name != row.name {
        changes.push(("name", json!(name), json!(row.name)));
    }
    if phone != new_phone {
        changes.push((
            "phone",
            json!(masked_phone(&phone)),
            json!(masked_phone(&new_phone)),
        ));
    }
    if tags_from_db(&tags) != row.tags {
        changes.push(("tags", json!(tags), json!(tags_to_db(&row.tags))));
    }
    if stored_relationship != relationship.key() {
        changes.push((
            "relationship",
            json!(stored_relationship),
            json!(relationship.key()),
        ));
    }
    for (field, old, new) in changes {
        tx.audit(
            "resident_edited",
            &row.id_number.masked(),
            json!({"field": field, "old": old, "new": new}),
        );
    }
    Ok(())
}

/// This centre's own household, or the refusal naming why not.
pub(super) fn own_household(
    tx: &Tx<'_>,
    code: &str,
) -> Result<linli_core::household::Household, AppError> {
    let household =
        load::household(tx, code)?.ok_or_else(|| load::not_found("户", "household", code))?;
    let erased: Option<String> = tx
        .prepare_cached("SELECT erased_at FROM households WHERE code = ?1")?
        .query_row([code], |r| r.get(0))?;
    if let Some(at) = erased {
        return Err(Refused::new(
            "anonymised",
            Text::new(
                format!("此户已过保存年限，于{}匿名化，不能再修改", &at[..at.len().min(10)]),
                format!("this household was anonymised on {} after the years kept; it cannot be changed", &at[..at.len().min(10)]),
            ),
            vec![],
        )
        .into());
    }
    if let Some(owner) = foreign_owner(tx, code)? {
        return Err(Refused::new(
            "other_centre",
            Text::new(
                format!("此户由另一服务中心（{owner}）登记，只能由该中心修改"),
                format!("this household is registered by another centre ({owner}); only that centre can change it"),
            ),
            vec![],
        )
        .into());
    }
    Ok(household)
}

/// A household as the desk shows it: members masked.
#[derive(Debug, serde::Serialize)]
pub struct HouseholdShown {
    pub household_code: String,
    pub address: String,
    pub community_code: String,
    pub owner_centre: Option<String>,
    pub moved_away_on: Option<NaiveDate>,
    pub moved_away_reason: Option<String>,
    pub members: Vec<MemberShown>,
}

#[derive(Debug, serde::Serialize)]
pub struct MemberShown {
    pub name: String,
    /// Masked.
    pub id_number: String,
    /// Masked.
    pub phone: Option<String>,
    pub age: u32,
    pub relationship: Option<Relationship>,
    pub relationship_text: Option<Text>,
    pub tags: Vec<String>,
    pub purposes: Vec<Purpose>,
}

/// `linli household show`: the household and its members, masked (the look audited).
pub fn show(
    store: &mut Store,
    actor: &Actor,
    now: NaiveDateTime,
    code: &str,
) -> Result<HouseholdShown, AppError> {
    registering(store, actor, now, |tx| {
        let household =
            load::household(tx, code)?.ok_or_else(|| load::not_found("户", "household", code))?;
        let today = tx.now.date();
        let mut members = Vec::new();
        for m in load::household_members(tx, code)? {
            let relationship = load::relationship(tx, m.id_number.as_str())?;
            members.push(MemberShown {
                purposes: super::consents::purposes_of(tx, m.id_number.as_str())?
                    .into_iter()
                    .collect(),
                age: m.age_on(today),
                id_number: m.id_number.masked(),
                phone: m.phone.as_ref().map(|p| p.masked()),
                relationship,
                relationship_text: relationship.map(|r| r.describe()),
                tags: m.tags.iter().map(|t| t.as_str().to_string()).collect(),
                name: m.name,
            });
        }
        let reason: Option<String> = tx
            .prepare_cached("SELECT moved_away_reason FROM households WHERE code = ?1")?
            .query_row([code], |r| r.get(0))?;
        tx.audit("household_viewed", code, json!({}));
        Ok(HouseholdShown {
            owner_centre: foreign_owner(tx, code)?,
            household_code: household.code,
            address: household.address,
            community_code: household.community_code,
            moved_away_on: household.moved_away_on,
            moved_away_reason: reason,
            members,
        })
    })
}

/// A household as the desk's form edits it.
#[derive(Debug)]
pub struct HouseholdForEdit {
    /// Every member in full, for the form to send back corrected.
    pub file: HouseholdFile,
    /// Children under 14 with no guardian's consent on record (registered by an
    /// import): the form asks for it, since no save passes without it.
    pub needs_consent: Vec<String>,
}

/// A household as the desk's form edits it: nothing of it is shown unmasked; the
/// opening is audited as a look.
pub fn for_edit(
    store: &mut Store,
    actor: &Actor,
    now: NaiveDateTime,
    code: &str,
) -> Result<HouseholdForEdit, AppError> {
    registering(store, actor, now, |tx| {
        let household = own_household(tx, code)?;
        let mut members = Vec::new();
        for m in load::household_members(tx, code)? {
            members.push(MemberFile {
                // Empty when none is recorded (an import): the form asks for it.
                relationship: load::relationship(tx, m.id_number.as_str())?
                    .map(|r| r.key().to_string())
                    .unwrap_or_default(),
                id_number: m.id_number.as_str().to_string(),
                phone: m.phone.as_ref().map(|p| p.as_str().to_string()),
                tags: m.tags.iter().map(|t| t.as_str().to_string()).collect(),
                name: m.name,
            });
        }
        let today = tx.now.date();
        let needs_consent = known_members(tx, code)?
            .members
            .into_iter()
            .filter(|(id, has)| !has && age_on(id.birth_date(), today) < GUARDIAN_CONSENT_BELOW)
            .map(|(id, _)| id.as_str().to_string())
            .collect();
        tx.audit("household_viewed", code, json!({"for": "edit"}));
        Ok(HouseholdForEdit {
            file: HouseholdFile {
                household_code: Some(household.code),
                address: household.address,
                members,
                consents: Vec::new(),
            },
            needs_consent,
        })
    })
}

#[derive(Debug, serde::Serialize)]
pub struct MovedAway {
    pub household_code: String,
    pub moved_away_on: NaiveDate,
    pub members: usize,
}

/// `linli household move-away`: inactive from today (no new sign-ups), history kept.
pub fn move_away(
    store: &mut Store,
    actor: &Actor,
    now: NaiveDateTime,
    code: &str,
    reason: &str,
) -> Result<MovedAway, AppError> {
    actor.authorise(Permission::RegisterHouseholds)?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Refused::new(
            "reason_required",
            Text::new("请写明迁出原因", "give the reason for moving away"),
            vec![],
        )
        .into());
    }
    store.write(actor, now, |tx| {
        tx.authorise(Permission::RegisterHouseholds)?;
        let household = own_household(tx, code)?;
        if let Some(on) = household.moved_away_on {
            return Err(Refused::new(
                "already_moved_away",
                Text::new(
                    format!("此户已于{on}迁出"),
                    format!("this household moved away on {on}"),
                ),
                vec![],
            )
            .into());
        }
        let at = clock::to_db(tx.now);
        tx.prepare_cached(
            "UPDATE households SET moved_away_at = ?2, moved_away_reason = ?3 WHERE code = ?1",
        )?
        .execute((code, &at, reason))?;
        let members = load::household_members(tx, code)?.len();
        tx.emit(linli_core::outbox::EventPayload::HouseholdMovedAway {
            household_code: code.to_string(),
            moved_away_on: tx.now.date(),
            reason: reason.to_string(),
        });
        tx.audit(
            "household_moved_away",
            code,
            json!({"reason": reason, "members": members}),
        );
        Ok(MovedAway {
            household_code: code.to_string(),
            moved_away_on: tx.now.date(),
            members,
        })
    })
}
