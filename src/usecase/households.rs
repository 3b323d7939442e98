//! Registering households and residents, and the all-or-nothing CSV import.
//!
//! An import is checked completely before anything is written: every problem is
//! reported with its line, column and reason, and if there is even one, nothing is
//! imported (invariant 5). A row identical to what is stored changes nothing, so
//! importing the same file twice is harmless.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::Read;
use std::path::Path;

use chrono::NaiveDateTime;
use linli_core::household::Tag;
use linli_core::identity::{IdNumber, Phone};
use linli_core::outbox::EventPayload;
use linli_core::staff::Permission;
use linli_core::text::is_unprintable as unprintable;
use linli_core::Text;
use rusqlite::OptionalExtension;
use serde_json::json;

pub use super::import_text::LineError;
use super::load::{tags_from_db, tags_to_db};
use crate::clock;
use crate::error::{AppError, Refused};
use crate::store::{Actor, Store, Tx};

/// The columns an import must have; more may follow and are ignored for now.
pub const REQUIRED_COLUMNS: [&str; 6] = [
    "household_code",
    "address",
    "name",
    "id_number",
    "phone",
    "tags",
];

const MAX_NAME_CHARS: usize = 30;
const MAX_ADDRESS_CHARS: usize = 100;
const MAX_HOUSEHOLD_CODE_CHARS: usize = 32;

/// One resident to register, already validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResidentRow {
    pub line: usize,
    pub household_code: String,
    pub address: String,
    pub name: String,
    pub id_number: IdNumber,
    pub phone: Option<Phone>,
    pub tags: BTreeSet<Tag>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportSummary {
    pub rows: usize,
    pub households_created: usize,
    pub households_updated: usize,
    pub residents_created: usize,
    pub residents_updated: usize,
    pub unchanged: usize,
}

/// Reads and validates a CSV import. Returns every row, or every problem.
pub fn parse_csv(
    input: impl Read,
    today: chrono::NaiveDate,
) -> Result<Vec<ResidentRow>, Vec<LineError>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(input);
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            return Err(vec![LineError::new(
                1,
                "header",
                format!("无法读取表头：{e}"),
                format!("cannot read the header: {e}"),
            )])
        }
    };
    let header_names: Vec<String> = headers
        .iter()
        // A UTF-8 byte-order mark is what Excel puts before the first column name.
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_ascii_lowercase())
        .collect();
    let mut index = HashMap::new();
    let mut errors = Vec::new();
    let unknown: Vec<&str> = header_names
        .iter()
        .map(String::as_str)
        .filter(|h| !h.is_empty() && !REQUIRED_COLUMNS.contains(h))
        .collect();
    for column in REQUIRED_COLUMNS {
        let at: Vec<usize> = header_names
            .iter()
            .enumerate()
            .filter(|(_, h)| *h == column)
            .map(|(i, _)| i)
            .collect();
        match at.as_slice() {
            [i] => {
                index.insert(column, *i);
            }
            [] if unknown.is_empty() => errors.push(LineError::new(
                1,
                column,
                "缺少此列",
                "this column is missing",
            )),
            [] => errors.push(LineError::new(
                1,
                column,
                format!("缺少此列（文件中未识别的列：{}，是否写错了列名？）", unknown.join("、")),
                format!(
                    "this column is missing (the file has columns not known here: {}; is one of them misspelt?)",
                    unknown.join(", ")
                ),
            )),
            // Two columns of one name: whichever were taken, the other's data would be
            // lost or land in the wrong place.
            several => errors.push(LineError::new(
                1,
                column,
                format!("此列出现了{}次（第{}列），只能有一列", several.len(), join_positions(several)),
                format!(
                    "this column appears {} times (columns {}); there must be one",
                    several.len(),
                    join_positions(several)
                ),
            )),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    let mut rows = Vec::new();
    let mut seen = Seen::new(Place::Line);
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
                errors.push(LineError::new(
                    line,
                    "row",
                    format!("此行格式不正确：{e}"),
                    format!("this row is malformed: {e}"),
                ));
                continue;
            }
        };
        let line = record.position().map(|p| p.line() as usize).unwrap_or(0);
        let cell = |column: &str| record.get(index[column]).unwrap_or("").trim();
        let fields = MemberFields {
            household_code: cell("household_code"),
            address: cell("address"),
            name: cell("name"),
            id_number: cell("id_number"),
            phone: cell("phone"),
            tags: cell("tags")
                .split(';')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .collect(),
        };
        if let Some(row) = check_member(line, &fields, today, &mut seen, &mut errors) {
            rows.push(row);
        }
    }
    if rows.is_empty() && errors.is_empty() {
        errors.push(LineError::new(
            2,
            "row",
            "文件中没有任何居民",
            "the file has no residents",
        ));
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// One member's fields as given, in a CSV row or a household file: both are checked
/// by [`check_member`], so the desk and the import accept exactly the same people.
pub struct MemberFields<'a> {
    pub household_code: &'a str,
    pub address: &'a str,
    pub name: &'a str,
    pub id_number: &'a str,
    pub phone: &'a str,
    pub tags: Vec<&'a str>,
}

/// Where a problem is, as the person fixing it counts: a file's line, or a
/// household's member.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    Line,
    Member,
}

impl Place {
    fn name(self, n: usize) -> (String, String) {
        match self {
            Place::Line => (format!("第{n}行"), format!("line {n}")),
            Place::Member => (format!("第{n}位成员"), format!("member {n}")),
        }
    }
}

/// What the members checked so far must agree with: an ID number appears once, a
/// household has one address.
pub struct Seen {
    place: Place,
    ids: HashMap<String, usize>,
    addresses: HashMap<String, (String, usize)>,
}

impl Seen {
    pub fn new(place: Place) -> Self {
        Seen {
            place,
            ids: HashMap::new(),
            addresses: HashMap::new(),
        }
    }
}

/// Checks one member, adding every problem to `errors`; the row when there is none.
pub fn check_member(
    line: usize,
    fields: &MemberFields<'_>,
    today: chrono::NaiveDate,
    seen: &mut Seen,
    errors: &mut Vec<LineError>,
) -> Option<ResidentRow> {
    let before = errors.len();

    let household_code = fields.household_code.to_string();
    if household_code.is_empty() {
        errors.push(LineError::new(
            line,
            "household_code",
            "户编号不能为空",
            "the household code is empty",
        ));
    } else if household_code.chars().count() > MAX_HOUSEHOLD_CODE_CHARS
        || !household_code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        errors.push(LineError::new(
            line,
            "household_code",
            format!("户编号只能由字母、数字、- 和 _ 组成，最长{MAX_HOUSEHOLD_CODE_CHARS}位"),
            format!("a household code has only letters, digits, - and _, at most {MAX_HOUSEHOLD_CODE_CHARS}"),
        ));
    }
    let address = fields.address.to_string();
    if address.is_empty() {
        errors.push(LineError::new(
            line,
            "address",
            "地址不能为空",
            "the address is empty",
        ));
    } else if address.chars().any(unprintable) {
        errors.push(LineError::new(
            line,
            "address",
            "地址含有不可见字符",
            "the address contains control characters",
        ));
    } else if address.chars().count() > MAX_ADDRESS_CHARS {
        errors.push(LineError::new(
            line,
            "address",
            format!("地址超过{MAX_ADDRESS_CHARS}个字"),
            format!("the address is longer than {MAX_ADDRESS_CHARS} characters"),
        ));
    } else if let Some((first, first_line)) = seen.addresses.get(&household_code) {
        if *first != address {
            let (zh, en) = seen.place.name(*first_line);
            errors.push(LineError::new(
                line,
                "address",
                format!("同一户（{household_code}）的地址与{zh}不一致"),
                format!("household {household_code} has a different address on {en}"),
            ));
        }
    } else if !household_code.is_empty() {
        seen.addresses
            .insert(household_code.clone(), (address.clone(), line));
    }
    let name = fields.name.to_string();
    if name.is_empty() {
        errors.push(LineError::new(
            line,
            "name",
            "姓名不能为空",
            "the name is empty",
        ));
    } else if name.chars().count() > MAX_NAME_CHARS {
        errors.push(LineError::new(
            line,
            "name",
            format!("姓名超过{MAX_NAME_CHARS}个字"),
            format!("the name is longer than {MAX_NAME_CHARS} characters"),
        ));
    } else if name.chars().any(unprintable) {
        errors.push(LineError::new(
            line,
            "name",
            "姓名含有不可见字符",
            "the name contains control characters",
        ));
    }
    let id_number = match IdNumber::parse(fields.id_number, today) {
        Ok(id) => {
            if let Some(first_line) = seen.ids.insert(id.as_str().to_string(), line) {
                let (zh, en) = seen.place.name(first_line);
                errors.push(LineError::new(
                    line,
                    "id_number",
                    format!("此身份证号已在{zh}出现"),
                    format!("this ID number already appears on {en}"),
                ));
            }
            Some(id)
        }
        Err(e) => {
            errors.push(LineError {
                line,
                column: "id_number".into(),
                reason: e.message,
            });
            None
        }
    };
    let phone_text = fields.phone;
    let phone = if phone_text.is_empty() {
        None
    } else {
        match Phone::parse(phone_text) {
            Ok(p) => Some(p),
            Err(e) => {
                errors.push(LineError {
                    line,
                    column: "phone".into(),
                    reason: e.message,
                });
                None
            }
        }
    };
    let mut tags = BTreeSet::new();
    for raw in fields.tags.iter().copied() {
        match Tag::parse(raw) {
            Ok(tag) => {
                tags.insert(tag);
            }
            Err(e) => errors.push(LineError {
                line,
                column: "tags".into(),
                reason: e.message,
            }),
        }
    }
    if errors.len() == before {
        return Some(ResidentRow {
            line,
            household_code,
            address,
            name,
            id_number: id_number.expect("validated above"),
            phone,
            tags,
        });
    }
    None
}

/// Column positions as a person counts them: "2、5".
fn join_positions(positions: &[usize]) -> String {
    positions
        .iter()
        .map(|p| (p + 1).to_string())
        .collect::<Vec<_>>()
        .join("、")
}

fn refused_lines(errors: Vec<LineError>) -> AppError {
    Refused::new(
        "invalid_import",
        Text::new(
            format!("导入未进行：发现{}处错误，未导入任何数据", errors.len()),
            format!("nothing imported: {} problems found", errors.len()),
        ),
        errors.iter().map(LineError::to_text).collect(),
    )
    .into()
}

/// `linli import households FILE.csv`.
pub fn import_file(
    store: &mut Store,
    actor: &Actor,
    now: NaiveDateTime,
    path: &Path,
) -> Result<ImportSummary, AppError> {
    // Before the file is even read: an import puts many people in at once.
    actor.authorise(Permission::ImportHouseholds)?;
    let file = std::fs::File::open(path).map_err(|e| {
        AppError::from(Refused::new(
            "file_unreadable",
            Text::new("无法打开导入文件", "cannot open the import file"),
            vec![Text::new(
                format!("{}：{e}", path.display()),
                format!("{}: {e}", path.display()),
            )],
        ))
    })?;
    let text = super::import_text::read(file).map_err(refused_lines)?;
    let rows = parse_csv(text.as_bytes(), now.date()).map_err(refused_lines)?;
    let source = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    import_rows(store, actor, now, &rows, &source)
}

/// Writes validated rows as one transaction. Conflicts with what is stored (a
/// resident registered in another household) refuse the whole import.
pub fn import_rows(
    store: &mut Store,
    actor: &Actor,
    now: NaiveDateTime,
    rows: &[ResidentRow],
    source: &str,
) -> Result<ImportSummary, AppError> {
    let community = store.setting("community_code")?.unwrap_or_default();
    store.write(actor, now, |tx| {
        tx.authorise(Permission::ImportHouseholds)?;
        let summary = register_rows(tx, rows, &community)?;
        tx.audit(
            "import_households",
            source,
            json!({"rows": summary.rows, "residents_created": summary.residents_created,
                   "residents_updated": summary.residents_updated,
                   "households_created": summary.households_created}),
        );
        Ok(summary)
    })
}

/// The body of an import, inside the caller's transaction.
pub fn register_rows(
    tx: &mut Tx<'_>,
    rows: &[ResidentRow],
    community: &str,
) -> Result<ImportSummary, AppError> {
    let at = clock::to_db(tx.now);
    let mut summary = ImportSummary {
        rows: rows.len(),
        ..Default::default()
    };
    let mut conflicts = Vec::new();
    let mut households_done: HashSet<&str> = HashSet::new();
    for row in rows {
        if !households_done.insert(&row.household_code) {
            continue;
        }
        let stored: Option<String> = {
            let mut stmt = tx.prepare_cached("SELECT address FROM households WHERE code = ?1")?;
            let mut q = stmt.query([&row.household_code])?;
            match q.next()? {
                Some(r) => Some(r.get(0)?),
                None => None,
            }
        };
        let changed = match stored {
            None => {
                tx.prepare_cached("INSERT INTO households (code, address, community_code, created_at) VALUES (?1, ?2, ?3, ?4)")?
                    .execute((&row.household_code, &row.address, community, &at))?;
                summary.households_created += 1;
                true
            }
            Some(address) if address != row.address => {
                tx.prepare_cached("UPDATE households SET address = ?2 WHERE code = ?1")?
                    .execute((&row.household_code, &row.address))?;
                summary.households_updated += 1;
                true
            }
            Some(_) => false,
        };
        if changed {
            tx.emit(EventPayload::HouseholdRegistered {
                household_code: row.household_code.clone(),
                address: row.address.clone(),
                community_code: community.to_string(),
            });
        }
    }
    for row in rows {
        let id = row.id_number.as_str();
        let stored: Option<(String, String, Option<String>, String)> = {
            let mut stmt = tx.prepare_cached(
                "SELECT household_code, name, phone, tags FROM residents WHERE id_number = ?1",
            )?;
            let mut q = stmt.query([id])?;
            match q.next()? {
                Some(r) => Some((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                None => None,
            }
        };
        let phone = row.phone.as_ref().map(|p| p.as_str().to_string());
        let tags = tags_to_db(&row.tags);
        match stored {
            // Another centre's resident (looked up for a service here) is theirs to
            // change, never this device's (invariant 10).
            Some((household, ..)) if foreign_owner(tx, &household)?.is_some() => {
                let owner = foreign_owner(tx, &household)?.unwrap_or_default();
                conflicts.push(LineError::new(
                    row.line,
                    "id_number",
                    format!("此居民由另一服务中心（{owner}）登记，只能由该中心修改"),
                    format!("this resident is registered by another centre ({owner}); only that centre can change them"),
                ));
                continue;
            }
            Some((household, ..)) if household != row.household_code => {
                conflicts.push(LineError::new(
                    row.line,
                    "household_code",
                    format!("此居民已登记在另一户（{household}），请在前台办理迁户"),
                    format!("this resident is registered in another household ({household}); move them at the front desk"),
                ));
                continue;
            }
            Some((_, name, stored_phone, stored_tags))
                if name == row.name
                    && stored_phone == phone
                    && tags_from_db(&stored_tags) == row.tags =>
            {
                summary.unchanged += 1;
                continue;
            }
            Some(_) => {
                tx.prepare_cached("UPDATE residents SET name = ?2, phone = ?3, tags = ?4, updated_at = ?5 WHERE id_number = ?1")?
                    .execute((id, &row.name, &phone, &tags, &at))?;
                summary.residents_updated += 1;
            }
            // A number merged away at the desk (a typo the family's two records
            // shared out) stays away: an old spreadsheet imported again must not
            // bring it back beside the person it became.
            None if merged_into(tx, id)?.is_some() => {
                let (survivor, at) = merged_into(tx, id)?.unwrap_or_default();
                let survivor = linli_core::identity::mask_id_number(&survivor);
                conflicts.push(LineError::new(
                    row.line,
                    "id_number",
                    format!("此身份证号已于{at}合并到{survivor}（重复登记时写错的号码），请核对后用合并后的号码"),
                    format!("this ID number was merged into {survivor} at {at} (a mistyped duplicate); check it and use the number it became"),
                ));
                continue;
            }
            None => {
                tx.prepare_cached(
                    "INSERT INTO residents (id_number, household_code, name, phone, birth_date, sex, tags, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
                )?
                .execute((
                    id,
                    &row.household_code,
                    &row.name,
                    &phone,
                    row.id_number.birth_date().to_string(),
                    sex_to_db(row.id_number.sex()),
                    &tags,
                    &at,
                ))?;
                summary.residents_created += 1;
            }
        }
        tx.emit(EventPayload::ResidentRegistered {
            household_code: row.household_code.clone(),
            id_number: id.to_string(),
            name: row.name.clone(),
            phone,
            tags: row.tags.iter().map(|t| t.as_str().to_string()).collect(),
        });
    }
    if !conflicts.is_empty() {
        // Returning Err rolls the whole transaction back: nothing of the file lands.
        return Err(refused_lines(conflicts));
    }
    Ok(summary)
}

/// The number an ID number was merged into, and when, if it was.
/// The number `id` is now, following merges made here or passed on by the district
/// (a change naming the absorbed number can arrive after the merge).
pub fn current_number(conn: &rusqlite::Connection, id: &str) -> Result<String, AppError> {
    let mut id = id.to_string();
    // A chain of merges is short; the bound only guards against a loop.
    for _ in 0..8 {
        match merged_into(conn, &id)? {
            Some((survivor, _)) => id = survivor,
            None => break,
        }
    }
    Ok(id)
}

fn merged_into(
    conn: &rusqlite::Connection,
    id: &str,
) -> Result<Option<(String, String)>, AppError> {
    Ok(conn
        .prepare_cached("SELECT survivor, merged_at FROM resident_merges WHERE absorbed = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

pub fn sex_to_db(sex: linli_core::identity::Sex) -> &'static str {
    match sex {
        linli_core::identity::Sex::Male => "male",
        linli_core::identity::Sex::Female => "female",
    }
}

/// The local key of a household: its own code for this centre's, `CENTRE:CODE` for
/// another centre's (a code has no `:`, so the two can never meet: two centres may
/// both have household 001, and they stay two households here as at the district).
pub fn local_household_key(own_centre: &str, owner_centre: &str, code: &str) -> String {
    if owner_centre.is_empty() || owner_centre == own_centre {
        code.to_string()
    } else {
        format!("{owner_centre}:{code}")
    }
}

/// A household as the district's registry knows it (一次采集、多次使用): this centre's
/// own, or another centre's that staff looked up for a resident in front of them.
/// Another centre's is kept under its own key with its owner, and is never changed
/// here (invariant 10): nothing about it goes back to the district from this device.
pub fn store_known(
    tx: &mut Tx<'_>,
    household: &linli_core::sync::RegistryHousehold,
) -> Result<(), AppError> {
    let own = tx.device().centre_code.clone();
    let key = local_household_key(&own, &household.centre_code, &household.household_code);
    let foreign = key != household.household_code;
    // Anonymised here: a late copy from the district must not bring the names back.
    let erased: Option<Option<String>> = tx
        .prepare_cached("SELECT erased_at FROM households WHERE code = ?1")?
        .query_row([&key], |r| r.get(0))
        .optional()?;
    if erased.flatten().is_some() {
        return Ok(());
    }
    let at = clock::to_db(tx.now);
    tx.prepare_cached(
        "INSERT INTO households (code, address, community_code, created_at, owner_centre, owner_code)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(code) DO UPDATE SET address = excluded.address, community_code = excluded.community_code",
    )?
    .execute((
        &key,
        &household.address,
        &household.community_code,
        &at,
        foreign.then_some(household.centre_code.as_str()),
        foreign.then_some(household.household_code.as_str()),
    ))?;
    // Moved away at another desk of the centre: no new sign-ups here either.
    if let Some(on) = household.moved_away_on {
        tx.prepare_cached(
            "UPDATE households SET moved_away_at = coalesce(moved_away_at, ?2) WHERE code = ?1",
        )?
        .execute((&key, clock::to_db(on.and_time(chrono::NaiveTime::MIN))))?;
    }
    for member in &household.members {
        // The district checked the number when it accepted it; one that no longer
        // reads is skipped rather than stopping every later change.
        let Ok(id) = IdNumber::parse(&member.id_number, chrono::NaiveDate::MAX) else {
            continue;
        };
        // A number merged away stays away, whatever older copy arrives after the merge.
        if merged_into(tx, id.as_str())?.is_some() {
            continue;
        }
        // The district's registry decides where a person belongs; a local copy that
        // said otherwise (registered here while another centre had them) moves, and
        // staff can see that it did.
        let held: Option<String> = tx
            .prepare_cached("SELECT household_code FROM residents WHERE id_number = ?1")?
            .query_row([id.as_str()], |r| r.get(0))
            .optional()?;
        if let Some(held) = held.filter(|held| *held != key) {
            tx.audit(
                "resident_moved_by_registry",
                &id.masked(),
                json!({"from": held, "to": key, "registered_at": household.centre_code}),
            );
        }
        tx.prepare_cached(
            "INSERT INTO residents (id_number, household_code, name, phone, birth_date, sex, tags, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)
             ON CONFLICT(id_number) DO UPDATE SET household_code = excluded.household_code,
                 name = excluded.name, phone = excluded.phone, tags = excluded.tags,
                 updated_at = excluded.updated_at",
        )?
        .execute((
            id.as_str(),
            &key,
            &member.name,
            &member.phone,
            id.birth_date().to_string(),
            sex_to_db(id.sex()),
            member.tags.join(";"),
            &at,
        ))?;
    }
    Ok(())
}

/// The centre that owns `household_code` here, when it is another centre's.
pub fn foreign_owner(
    conn: &rusqlite::Connection,
    household_code: &str,
) -> Result<Option<String>, AppError> {
    Ok(conn
        .prepare_cached("SELECT owner_centre FROM households WHERE code = ?1")?
        .query_row([household_code], |r| r.get::<_, Option<String>>(0))
        .optional()?
        .flatten())
}
