//! Possible duplicates and the merge of two households that are one family
//! (`linli household duplicates`, `household merge --keep CODE --remove CODE`).
//!
//! A registry of years gathers the same person twice: imported from the district's
//! spreadsheet, then registered again at the desk with an ID number typed one digit
//! wrong. The same name, birth date and phone in two households is flagged. A merge is
//! of households, since a family arrives twice as a whole: each member of the removed
//! household with the name and birth date of a kept member is that person again, and
//! everything the centre holds of them (enrolments and with them ratings, attendance,
//! volunteer hours, fees, consents, cards) moves to the one number that survives; the
//! removed household's other members join the kept household. One transaction, one
//! audit entry, and one event the district applies once.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use linli_core::consent::Relationship;
use linli_core::household::Resident;
use linli_core::outbox::{EventPayload, MergedPerson};
use linli_core::Text;
use rusqlite::{Connection, OptionalExtension};
use serde_json::json;

use super::consents::registering;
use super::household_desk::own_household;
use super::load::{self, tags_to_db};
use crate::clock;
use crate::error::{AppError, Refused};
use crate::store::{Actor, Store, Tx};

/// One person of a possible duplicate, as staff compare them: masked.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PersonShown {
    pub household_code: String,
    pub name: String,
    /// Masked.
    pub id_number: String,
    /// Masked.
    pub phone: Option<String>,
    pub birth_date: NaiveDate,
    pub relationship: Option<Relationship>,
    /// Enrolments in force (confirmed, offered or waiting).
    pub enrolments: usize,
}

#[derive(Debug, serde::Serialize)]
pub struct DuplicatePair {
    pub first: PersonShown,
    pub second: PersonShown,
    pub reason: Text,
}

#[derive(Debug, serde::Serialize)]
pub struct DuplicatesFound {
    pub pairs: Vec<DuplicatePair>,
    /// More pairs than [`MAX_PAIRS`] were found.
    pub more: bool,
}

/// `linli household duplicates`: people registered in two households with the same
/// name, birth date and phone. (The same ID number cannot be in two households here:
/// it is the registry's key, and a registration naming a number already held in
/// another household is refused with that household's code.)
pub fn duplicates(
    store: &mut Store,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<DuplicatesFound, AppError> {
    registering(store, actor, now, |tx| {
        let (pairs, more) = find_duplicates(tx)?;
        tx.audit(
            "duplicates_listed",
            "",
            json!({"pairs": pairs.len(), "more": more}),
        );
        Ok(DuplicatesFound { pairs, more })
    })
}

/// The most pairs one answer lists: more than a desk works through in a day; `more`
/// says there are others, and they come up once these are merged.
pub const MAX_PAIRS: usize = 200;

/// The names and birth dates shared by more than one resident come from their
/// trigger-kept counts (migration 18), so only those groups are read. Two entries
/// agree on the phone when both have the same one, or when one has none to compare
/// (a child's record seldom has a phone of its own). At most [`MAX_PAIRS`], and
/// whether there were more.
pub fn find_duplicates(conn: &Connection) -> Result<(Vec<DuplicatePair>, bool), AppError> {
    let groups: Vec<(String, String)> = conn
        .prepare_cached(
            "SELECT name, birth_date FROM name_birth_counts WHERE n > 1
             ORDER BY name, birth_date",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut pairs = Vec::new();
    for (name, birth_date) in groups {
        // Households and phones first: most groups are two people of one household
        // (or two namesakes with different phones), and nobody of those is read in full.
        let entries: Vec<(String, Option<String>, String)> = conn
            .prepare_cached(
                "SELECT id_number, phone, household_code FROM residents
                 WHERE name = ?1 AND birth_date = ?2 AND id_number NOT LIKE '000000%'
                 ORDER BY household_code, id_number",
            )?
            .query_map((&name, &birth_date), |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?
            .collect::<Result<_, _>>()?;
        for (i, (first, first_phone, first_home)) in entries.iter().enumerate() {
            for (second, second_phone, second_home) in &entries[i + 1..] {
                // Two entries in one household are not two families to merge.
                if first_home == second_home {
                    continue;
                }
                let reason = match (first_phone, second_phone) {
                    (Some(a), Some(b)) if a == b => Text::new(
                        "姓名、出生日期和电话相同",
                        "same name, birth date and phone",
                    ),
                    (Some(_), Some(_)) => continue,
                    _ => Text::new(
                        "姓名和出生日期相同（无电话可比）",
                        "same name and birth date (no phone to compare)",
                    ),
                };
                if pairs.len() == MAX_PAIRS {
                    return Ok((pairs, true));
                }
                pairs.push(DuplicatePair {
                    first: person_shown(conn, first)?,
                    second: person_shown(conn, second)?,
                    reason,
                });
            }
        }
    }
    Ok((pairs, false))
}

fn person_shown(conn: &Connection, id: &str) -> Result<PersonShown, AppError> {
    let person = load::resident(conn, id)?.ok_or_else(|| {
        load::not_found(
            "居民",
            "resident",
            &linli_core::identity::mask_id_number(id),
        )
    })?;
    Ok(PersonShown {
        relationship: load::relationship(conn, id)?,
        enrolments: active_enrolments(conn, id)?,
        household_code: person.household_code.clone(),
        birth_date: person.birth_date(),
        id_number: person.id_number.masked(),
        phone: person.phone.as_ref().map(|p| p.masked()),
        name: person.name,
    })
}

fn active_enrolments(conn: &Connection, id: &str) -> Result<usize, AppError> {
    let n: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM enrolments WHERE resident = ?1
             AND status IN ('confirmed', 'waitlisted', 'offered')",
        )?
        .query_row([id], |r| r.get(0))?;
    Ok(n as usize)
}

/// A value staff chose to take from the removed household rather than the kept one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Take {
    Address,
    Phone,
    IdNumber,
}

impl Take {
    pub fn parse(raw: &str) -> Result<Take, AppError> {
        match raw.trim() {
            "address" | "地址" => Ok(Take::Address),
            "phone" | "电话" => Ok(Take::Phone),
            "id_number" | "身份证号" => Ok(Take::IdNumber),
            other => Err(Refused::new(
                "invalid_take",
                Text::new(
                    format!("无法识别要采用的字段“{other}”（可用：address, phone, id_number）"),
                    format!("cannot tell which value to take: \"{other}\" (use address, phone or id_number)"),
                ),
                vec![],
            )
            .into()),
        }
    }
}

/// One person registered twice, and what of them survives.
#[derive(Debug, serde::Serialize)]
pub struct PersonMerged {
    pub name: String,
    /// Masked.
    pub survivor: String,
    /// Masked.
    pub absorbed: String,
    /// Masked.
    pub phone: Option<String>,
    pub kept: PersonShown,
    pub removed: PersonShown,
}

/// A merge as planned (`--dry-run`) or done.
#[derive(Debug, serde::Serialize)]
pub struct Merged {
    pub kept_household: String,
    pub removed_household: String,
    pub address: String,
    pub people: Vec<PersonMerged>,
    /// Members of the removed household who join the kept one as they are (masked).
    pub members_joining: Vec<String>,
    /// The records of absorbed numbers that move to their survivors, by kind.
    pub records_moved: BTreeMap<&'static str, usize>,
    /// Joining members whose relationship was to the removed household's head.
    pub relationships_to_check: Vec<String>,
    pub done: bool,
}

struct Pair {
    survivor: Resident,
    absorbed: Resident,
    phone: Option<String>,
    tags: String,
    relationship: String,
}

struct Plan {
    keep: String,
    remove: String,
    address: String,
    address_changed: bool,
    pairs: Vec<Pair>,
    joining: Vec<Resident>,
    shown: Merged,
}

/// (kind shown, the table and column naming the person).
const MOVED_RECORDS: [(&str, &str, &str); 10] = [
    ("enrolments", "enrolments", "resident"),
    ("attendance", "attendance", "resident"),
    ("volunteer_shifts", "shifts", "volunteer"),
    ("payments", "payments", "resident"),
    ("consents", "consents", "resident"),
    ("cards", "resident_cards", "id_number"),
    ("day_care_days", "day_care_days", "resident"),
    ("absences", "absences", "resident"),
    ("pickup_calls", "pickup_calls", "child"),
    ("consents_given_as_guardian", "consents", "guardian"),
];

/// `linli household merge`: the removed household into the kept one, or with
/// `dry_run` what that would do, side by side, changing nothing.
pub fn merge(
    store: &mut Store,
    actor: &Actor,
    now: NaiveDateTime,
    keep: &str,
    remove: &str,
    take: &[Take],
    dry_run: bool,
) -> Result<Merged, AppError> {
    registering(store, actor, now, |tx| {
        let plan = plan(tx, keep, remove, take)?;
        if dry_run {
            tx.audit("merge_previewed", keep, json!({"removed": remove}));
            return Ok(plan.shown);
        }
        apply(tx, plan)
    })
}

fn plan(tx: &Tx<'_>, keep: &str, remove: &str, take: &[Take]) -> Result<Plan, AppError> {
    let (keep, remove) = (keep.trim(), remove.trim());
    if keep == remove {
        return Err(Refused::new(
            "same_household",
            Text::new(
                "不能把一户并入它自己",
                "a household cannot be merged into itself",
            ),
            vec![],
        )
        .into());
    }
    let kept = own_household(tx, keep)?;
    let removed = own_household(tx, remove)?;
    let kept_members = load::household_members(tx, keep)?;
    let mut pairs = Vec::new();
    let mut joining = Vec::new();
    let mut shown_people = Vec::new();
    let mut to_check = Vec::new();
    for other in load::household_members(tx, remove)? {
        let same = |k: &&Resident| k.name == other.name && k.birth_date() == other.birth_date();
        let twin = kept_members
            .iter()
            .filter(same)
            .find(|k| k.phone == other.phone)
            .or_else(|| kept_members.iter().find(same));
        let Some(twin) = twin else {
            if load::relationship(tx, other.id_number.as_str())? == Some(Relationship::Head) {
                to_check.push(other.name.clone());
            }
            joining.push(other);
            continue;
        };
        let (survivor, absorbed) = if take.contains(&Take::IdNumber) {
            (other.clone(), twin.clone())
        } else {
            (twin.clone(), other.clone())
        };
        let phones = if take.contains(&Take::Phone) {
            [&other.phone, &twin.phone]
        } else {
            [&twin.phone, &other.phone]
        };
        let phone = phones
            .into_iter()
            .find_map(|p| p.as_ref().map(|p| p.as_str().to_string()));
        let mut tags = twin.tags.clone();
        tags.extend(other.tags.iter().cloned());
        let kept_relationship = raw_relationship(tx, twin.id_number.as_str())?;
        let mut relationship = if kept_relationship.is_empty() {
            raw_relationship(tx, other.id_number.as_str())?
        } else {
            kept_relationship
        };
        // The kept household's head stays its one head.
        let another_head = kept_members.iter().any(|m| {
            m.id_number != twin.id_number
                && raw_relationship(tx, m.id_number.as_str()).ok().as_deref()
                    == Some(Relationship::Head.key())
        });
        if relationship == Relationship::Head.key() && another_head {
            relationship.clear();
        }
        shown_people.push(PersonMerged {
            name: twin.name.clone(),
            survivor: survivor.id_number.masked(),
            absorbed: absorbed.id_number.masked(),
            phone: phone.as_deref().map(linli_core::identity::mask_phone),
            kept: person_shown(tx, twin.id_number.as_str())?,
            removed: person_shown(tx, other.id_number.as_str())?,
        });
        pairs.push(Pair {
            tags: tags_to_db(&tags),
            survivor,
            absorbed,
            phone,
            relationship,
        });
    }
    if pairs.is_empty() {
        return Err(Refused::new(
            "not_duplicates",
            Text::new(
                format!("{keep} 与 {remove} 两户没有同一个人（姓名和出生日期都相同），不能合并"),
                format!("households {keep} and {remove} share no one (same name and birth date); they cannot be merged"),
            ),
            vec![],
        )
        .into());
    }
    let conflicts = conflicts(tx, &pairs)?;
    if !conflicts.is_empty() {
        return Err(Refused::new(
            "merge_conflict",
            Text::new(
                "两条记录有相互冲突的安排，请先处理后再合并；未做任何更改",
                "the two records hold clashing entries; put them right first. Nothing changed",
            ),
            conflicts,
        )
        .into());
    }
    let mut records_moved = BTreeMap::new();
    for (kind, table, column) in MOVED_RECORDS {
        let mut n = 0;
        for pair in &pairs {
            n += count(tx, table, column, pair.absorbed.id_number.as_str())?;
        }
        if n > 0 {
            *records_moved.entry(kind).or_insert(0) += n;
        }
    }
    let address = if take.contains(&Take::Address) {
        removed.address.clone()
    } else {
        kept.address.clone()
    };
    Ok(Plan {
        shown: Merged {
            kept_household: keep.to_string(),
            removed_household: remove.to_string(),
            address: address.clone(),
            people: shown_people,
            members_joining: joining.iter().map(|m| m.id_number.masked()).collect(),
            records_moved,
            relationships_to_check: to_check,
            done: false,
        },
        address_changed: address != kept.address,
        keep: keep.to_string(),
        remove: remove.to_string(),
        address,
        pairs,
        joining,
    })
}

/// The stored key, empty when none is recorded.
fn raw_relationship(conn: &Connection, id: &str) -> Result<String, AppError> {
    Ok(load::relationship(conn, id)?
        .map(|r| r.key().to_string())
        .unwrap_or_default())
}

fn count(conn: &Connection, table: &str, column: &str, id: &str) -> Result<usize, AppError> {
    // Table and column come from MOVED_RECORDS, never from input.
    let n: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM {table} WHERE {column} = ?1"))?
        .query_row([id], |r| r.get(0))?;
    Ok(n as usize)
}

/// What two records of one person cannot both keep once they are one: each clash
/// named, for staff to put right before the merge.
fn conflicts(conn: &Connection, pairs: &[Pair]) -> Result<Vec<Text>, AppError> {
    let mut found = Vec::new();
    for pair in pairs {
        let (a, s) = (
            pair.absorbed.id_number.as_str(),
            pair.survivor.id_number.as_str(),
        );
        let name = &pair.survivor.name;
        let both: Vec<String> = conn
            .prepare_cached(
                "SELECT e.programme_code FROM enrolments e JOIN enrolments f
                   ON f.programme_code = e.programme_code
                 WHERE e.resident = ?1 AND f.resident = ?2
                   AND e.status IN ('confirmed', 'waitlisted', 'offered')
                   AND f.status IN ('confirmed', 'waitlisted', 'offered')",
            )?
            .query_map((a, s), |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for programme in both {
            found.push(Text::new(
                format!("{name}的两条记录都报名了“{programme}”：请先取消其中一条"),
                format!("both of {name}'s records are signed up for {programme}: cancel one first"),
            ));
        }
        for (table, what_zh, what_en) in [
            ("attendance", "签到", "attendance"),
            ("day_care_days", "日间照料", "day care"),
        ] {
            let sql = format!(
                "SELECT x.programme_code, x.session_date FROM {table} x JOIN {table} y
                   ON y.programme_code = x.programme_code AND y.session_date = x.session_date
                 WHERE x.resident = ?1 AND y.resident = ?2"
            );
            let clashes: Vec<(String, String)> = conn
                .prepare_cached(&sql)?
                .query_map((a, s), |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
            for (programme, date) in clashes {
                found.push(Text::new(
                    format!("{name}的两条记录在{date}都有“{programme}”的{what_zh}记录"),
                    format!("both of {name}'s records have {what_en} for {programme} on {date}"),
                ));
            }
        }
        let absences: i64 = conn
            .prepare_cached(
                "SELECT count(*) FROM absences x JOIN absences y
                   ON y.programme_code = x.programme_code AND y.date = x.date AND y.part = x.part
                 WHERE x.resident = ?1 AND y.resident = ?2",
            )?
            .query_row((a, s), |r| r.get(0))?;
        if absences > 0 {
            found.push(Text::new(
                format!("{name}的两条记录有同一天的请假"),
                format!("both of {name}'s records have an absence for the same day"),
            ));
        }
        let merged_before: Option<String> = conn
            .prepare_cached("SELECT merged_at FROM resident_merges WHERE absorbed = ?1")?
            .query_row([a], |r| r.get(0))
            .optional()?;
        if let Some(at) = merged_before {
            found.push(Text::new(
                format!("{name}的身份证号{}已于{at}合并过一次（后来又被登记）：请联系技术人员", pair.absorbed.id_number.masked()),
                format!("{name}'s number {} was merged away at {at} and registered again since: ask the technician", pair.absorbed.id_number.masked()),
            ));
        }
        // Health and safeguarding data is never dropped unseen: when both records
        // hold it and it differs, staff make the two the same first.
        let differing = |table: &str, key: &str, columns: &str| -> Result<bool, AppError> {
            let sql = format!(
                "SELECT count(*) FROM {table} x JOIN {table} y ON y.{key} = ?2
                 WHERE x.{key} = ?1 AND ({columns})"
            );
            let n: i64 = conn.prepare_cached(&sql)?.query_row((a, s), |r| r.get(0))?;
            Ok(n > 0)
        };
        if differing(
            "dietary_needs",
            "resident",
            "x.allergies IS NOT y.allergies OR x.diet IS NOT y.diet OR x.note IS NOT y.note",
        )? {
            found.push(Text::new(
                format!("{name}的两条记录的饮食禁忌不同：请先在居民页把两条改成一样"),
                format!("{name}'s two records hold different dietary needs: make them the same on the resident's page first"),
            ));
        }
        if differing(
            "pickup_authorisations",
            "child",
            "replace(x.body, '\"' || ?1 || '\"', '\"' || ?2 || '\"') IS NOT y.body",
        )? {
            found.push(Text::new(
                format!("{name}的两条记录的接送名单不同：请先把两份名单改成一样"),
                format!(
                    "{name}'s two records hold different pickup lists: make them the same first"
                ),
            ));
        }
        let open: i64 = conn
            .prepare_cached(
                "SELECT count(*) FROM shifts WHERE volunteer IN (?1, ?2) AND status = 'open'",
            )?
            .query_row((a, s), |r| r.get(0))?;
        if open > 1 {
            found.push(Text::new(
                format!("{name}的两条记录都有未签退的志愿服务：请先签退"),
                format!("both of {name}'s records have a volunteer shift open: clock out first"),
            ));
        }
    }
    Ok(found)
}

/// One person's two numbers made one: the merge recorded first (payments and pickup
/// calls follow only a recorded merge), every record of the absorbed number moved to
/// the survivor, and what is left of the absorbed number gone. The survivor's own
/// record (phone, tags, household) is the caller's to set.
fn merge_person(
    tx: &Tx<'_>,
    a: &str,
    s: &str,
    (keep, remove): (&str, &str),
    at: &str,
    by: &str,
) -> Result<(), AppError> {
    // First on record: payments and pickup calls follow only a recorded merge.
    tx.prepare_cached(
        "INSERT INTO resident_merges (absorbed, survivor, kept_household, removed_household, merged_at, merged_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute((a, s, keep, remove, at, by))?;
    // A volunteer's registration: the survivor's if they have one.
    tx.prepare_cached(
        "INSERT OR IGNORE INTO volunteers (id_number, skills, registered_at)
         SELECT ?2, skills, registered_at FROM volunteers WHERE id_number = ?1",
    )?
    .execute((a, s))?;
    super::person_records::relabel(tx, a, s)?;
    for sql in [
        // One of each per person: the survivor's, when both have one.
        "UPDATE OR IGNORE resident_pins SET id_number = ?2 WHERE id_number = ?1",
        "UPDATE OR IGNORE dietary_needs SET resident = ?2 WHERE resident = ?1",
        "UPDATE OR IGNORE pickup_authorisations SET child = ?2 WHERE child = ?1",
        "UPDATE OR IGNORE unplaced_last_term SET resident = ?2 WHERE resident = ?1",
    ] {
        tx.prepare_cached(sql)?.execute((a, s))?;
    }
    // What is left of the absorbed number: the survivor already had its own.
    for sql in [
        "DELETE FROM volunteers WHERE id_number = ?1",
        "DELETE FROM resident_pins WHERE id_number = ?1",
        "DELETE FROM dietary_needs WHERE resident = ?1",
        "DELETE FROM pickup_authorisations WHERE child = ?1",
        "DELETE FROM unplaced_last_term WHERE resident = ?1",
        "DELETE FROM residents WHERE id_number = ?1",
    ] {
        tx.prepare_cached(sql)?.execute([a])?;
    }
    Ok(())
}

/// A merge made at another desk of this centre, as the district passes it on: each
/// absorbed number this device still holds becomes its survivor (the kept household
/// arrived just before, so the survivor is here). A person whose two records clash on
/// this device (the same session twice, two open shifts, two places in one programme)
/// is left as two, with the reasons audited for staff to merge here; nothing stops
/// the rest of the feed.
pub fn receive(
    tx: &mut Tx<'_>,
    kept: &str,
    removed: &str,
    people: &[linli_core::outbox::MergedPerson],
) -> Result<(), AppError> {
    let at = clock::to_db(tx.now);
    let mut applied = 0;
    for person in people {
        let (Some(absorbed), Some(survivor)) = (
            load::resident(tx, &person.absorbed)?,
            load::resident(tx, &person.survivor)?,
        ) else {
            // Merged here already, or never held here.
            continue;
        };
        let pair = Pair {
            survivor,
            absorbed,
            phone: None,
            tags: String::new(),
            relationship: String::new(),
        };
        let clashes = conflicts(tx, std::slice::from_ref(&pair))?;
        if !clashes.is_empty() {
            tx.audit(
                "merge_not_applied",
                &pair.absorbed.id_number.masked(),
                json!({"kept": kept, "removed": removed,
                       "survivor": pair.survivor.id_number.masked(),
                       "reasons": clashes.iter().map(|c| c.zh.clone()).collect::<Vec<_>>()}),
            );
            continue;
        }
        merge_person(
            tx,
            &person.absorbed,
            &person.survivor,
            (kept, removed),
            &at,
            "district",
        )?;
        applied += 1;
    }
    tx.prepare_cached(
        "DELETE FROM households WHERE code = ?1
         AND NOT EXISTS (SELECT 1 FROM residents WHERE household_code = ?1)",
    )?
    .execute([removed])?;
    // The desk that merged them hears its own merge back: nothing left to do there.
    if applied > 0 {
        tx.audit(
            "households_merged_elsewhere",
            kept,
            json!({"removed": removed, "people": applied}),
        );
    }
    Ok(())
}

fn apply(tx: &mut Tx<'_>, plan: Plan) -> Result<Merged, AppError> {
    let at = clock::to_db(tx.now);
    let by = tx.actor.staff().map(|m| m.code.clone()).unwrap_or_default();
    let (keep, remove) = (plan.keep.as_str(), plan.remove.as_str());
    for pair in &plan.pairs {
        let (a, s) = (
            pair.absorbed.id_number.as_str(),
            pair.survivor.id_number.as_str(),
        );
        merge_person(tx, a, s, (keep, remove), &at, &by)?;
        tx.prepare_cached(
            "UPDATE residents SET household_code = ?2, phone = ?3, tags = ?4, relationship = ?5,
                 updated_at = ?6 WHERE id_number = ?1",
        )?
        .execute((s, keep, &pair.phone, &pair.tags, &pair.relationship, &at))?;
    }
    for member in &plan.joining {
        // The removed household's head is not the kept household's: staff set it.
        tx.prepare_cached(
            "UPDATE residents SET household_code = ?2, updated_at = ?3,
                 relationship = CASE relationship WHEN 'head' THEN '' ELSE relationship END
             WHERE id_number = ?1",
        )?
        .execute((member.id_number.as_str(), keep, &at))?;
    }
    if plan.address_changed {
        tx.prepare_cached("UPDATE households SET address = ?2 WHERE code = ?1")?
            .execute((keep, &plan.address))?;
    }
    let removed_address: Option<String> = tx
        .prepare_cached("SELECT address FROM households WHERE code = ?1")?
        .query_row([remove], |r| r.get(0))
        .optional()?;
    tx.prepare_cached("DELETE FROM households WHERE code = ?1")?
        .execute([remove])?;
    tx.audit(
        "households_merged",
        keep,
        json!({
            "removed": remove,
            "removed_address": removed_address,
            "people": plan.pairs.iter().map(|p| json!({
                "survivor": p.survivor.id_number.masked(),
                "absorbed": p.absorbed.id_number.masked(),
            })).collect::<Vec<_>>(),
            "joining": plan.joining.len(),
            "records_moved": plan.shown.records_moved,
        }),
    );
    // The district hears the kept household as it now is, then the merge itself.
    let household = load::household(tx, keep)?.expect("the kept household");
    if plan.address_changed {
        tx.emit(EventPayload::HouseholdRegistered {
            household_code: keep.to_string(),
            address: household.address.clone(),
            community_code: household.community_code.clone(),
        });
    }
    for member in load::household_members(tx, keep)? {
        tx.emit(EventPayload::ResidentRegistered {
            household_code: keep.to_string(),
            id_number: member.id_number.as_str().to_string(),
            name: member.name.clone(),
            phone: member.phone.as_ref().map(|p| p.as_str().to_string()),
            tags: member.tags.iter().map(|t| t.as_str().to_string()).collect(),
        });
    }
    tx.emit(EventPayload::HouseholdsMerged {
        kept_household: keep.to_string(),
        removed_household: remove.to_string(),
        people: plan
            .pairs
            .iter()
            .map(|p| MergedPerson {
                absorbed: p.absorbed.id_number.as_str().to_string(),
                survivor: p.survivor.id_number.as_str().to_string(),
            })
            .collect(),
    });
    let mut shown = plan.shown;
    shown.done = true;
    Ok(shown)
}
