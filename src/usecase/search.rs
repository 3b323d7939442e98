//! Finding a resident at the desk: one search box that takes a Chinese name, its
//! pinyin or initials (张小明: `zhangxiaoming`, `zxm`, `zhangxm`, `张xm`), a phone
//! number or its last digits, the last characters of an ID number, a household code,
//! or a card token from the reader, and answers as staff type.
//!
//! Answering within a keystroke among 200,000 residents rules out reading SQLite for
//! every letter, so the registry is held in memory as sorted keys (a prefix is a
//! range found by binary search; an ending is a prefix of the reversed text). The
//! index is kept beside the store's connection ([`Store::memo`]) and rebuilt only when
//! the registry's change counter (`registry_version`, moved by triggers on
//! households, residents and cards) has moved, whichever connection moved it: a CLI
//! import or a sync is seen on the next keystroke, and a roll call is not a reason
//! to rebuild. The index holds no phone or ID number in a form anyone reads: results
//! are read from SQLite for the few residents shown and masked there.
//!
//! A search shows only masked data, so it writes no audit record per keystroke; it is
//! a staff function all the same, and checks `FindResidents` itself.

use std::collections::HashMap;

use chrono::NaiveDate;
use linli_core::household::age_on;
use linli_core::identity::{mask_id_number, mask_phone};
use linli_core::staff::Permission;
use pinyin::ToPinyinMulti;
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use crate::error::AppError;
use crate::store::{Actor, Store};

/// At most this many residents are shown: a desk screen's list, and a number that
/// keeps every keystroke's work small whatever the registry's size.
pub const RESULT_LIMIT: usize = 20;

/// A name's readings beyond this many combinations are not indexed: a name whose
/// every character has several readings would otherwise multiply its keys.
const MAX_READINGS: usize = 4;

/// Which part of a resident's record the query matched, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchedField {
    Card,
    IdNumber,
    Phone,
    HouseholdCode,
    Name,
    IdNumberEnding,
    PhoneEnding,
    NamePinyin,
    NameInitials,
}

/// A resident as the desk's result list shows them: the name (staff see names), the
/// ID number and phone masked, the age today, and the household.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FoundResident {
    /// For the screen to act on the resident (open the record, check them in); never
    /// shown or serialised, since it is the full ID number.
    #[serde(skip)]
    pub resident: ResidentRef,
    pub name: String,
    pub id_number_masked: String,
    pub phone_masked: Option<String>,
    pub age: u32,
    pub household_code: String,
    pub address_masked: String,
    pub matched: MatchedField,
}

/// The full ID number of a found resident, for passing to the use-cases that act on
/// them. Its `Debug` is masked, and it has no `Serialize`, so it is never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct ResidentRef(String);

impl ResidentRef {
    /// For a use-case that lists residents for a screen to act on.
    pub(crate) fn new(id_number: &str) -> ResidentRef {
        ResidentRef(id_number.to_string())
    }

    pub fn id_number(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ResidentRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("ResidentRef")
            .field(&mask_id_number(&self.0))
            .finish()
    }
}

/// What a search found: at most [`RESULT_LIMIT`] residents, best first, and whether
/// more matched (the screen says to type more).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SearchResults {
    /// The query as compared (normalised), so a screen can drop an answer to what is
    /// no longer in its box; not printed, since it may be a whole phone or ID number.
    #[serde(skip)]
    pub query: String,
    pub residents: Vec<FoundResident>,
    pub more: bool,
}

/// Finds residents for a staff member allowed to (`FindResidents`), on `today` (for
/// ages). Reads only; nothing is written, so nothing is audited per keystroke.
pub fn search(
    store: &mut Store,
    actor: &Actor,
    query: &str,
    today: NaiveDate,
) -> Result<SearchResults, AppError> {
    actor.authorise(Permission::FindResidents)?;
    let (conn, index) = store.memo::<SearchIndex>();
    index.refresh(conn)?;
    let query = normalise(query);
    let (hits, more) = index.find(&query);
    let mut residents = Vec::with_capacity(hits.len());
    for (entry, matched) in hits {
        if let Some(found) = hydrate(conn, &index.entries[entry as usize].id, matched, today)? {
            residents.push(found);
        }
    }
    Ok(SearchResults {
        query,
        residents,
        more,
    })
}

/// Builds (or rebuilds) the index now, for a screen that wants the first keystroke
/// to be as quick as the rest: the desk calls this once after staff sign in.
pub fn warm(store: &mut Store) -> Result<(), AppError> {
    let (conn, index) = store.memo::<SearchIndex>();
    index.refresh(conn)
}

/// About how much memory the index takes (keys, their texts, the residents), for the
/// benchmarks and the device's memory budget.
pub fn index_bytes(store: &mut Store) -> usize {
    let (_, index) = store.memo::<SearchIndex>();
    index.approximate_bytes()
}

/// Reads one result's row and masks it.
fn hydrate(
    conn: &Connection,
    id_number: &str,
    matched: MatchedField,
    today: NaiveDate,
) -> Result<Option<FoundResident>, AppError> {
    let row = conn
        .prepare_cached(
            "SELECT r.name, r.phone, r.birth_date, r.household_code, h.address
             FROM residents r JOIN households h ON h.code = r.household_code
             WHERE r.id_number = ?1",
        )?
        .query_row([id_number], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })
        .optional()?;
    let Some((name, phone, birth, household_code, address)) = row else {
        return Ok(None);
    };
    let age = NaiveDate::parse_from_str(&birth, "%Y-%m-%d")
        .map(|birth| age_on(birth, today))
        .unwrap_or(0);
    Ok(Some(FoundResident {
        resident: ResidentRef(id_number.to_string()),
        name,
        id_number_masked: mask_id_number(id_number),
        phone_masked: phone.as_deref().map(mask_phone),
        age,
        household_code,
        address_masked: mask_address(&address),
        matched,
    }))
}

/// An address on the desk's list: the street and building kept, so staff can tell
/// two households apart, and the digits of the door (the part that finds a home)
/// starred.
pub fn mask_address(address: &str) -> String {
    let characters: Vec<char> = address.trim().chars().collect();
    // The last digits name the flat: star every digit in the second half.
    let half = characters.len() / 2;
    characters
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i >= half && (c.is_ascii_digit() || ('０'..='９').contains(c)) {
                '*'
            } else {
                *c
            }
        })
        .collect()
}

/// What staff typed or pasted, as the index compares it: full-width digits and
/// letters (from a Chinese input method or Excel) made ASCII, every space gone,
/// Latin letters in lower case, and ü typed as v.
pub fn normalise(query: &str) -> String {
    query
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            'ü' | 'Ü' => 'v',
            other => other,
        })
        .filter(|c| !c.is_whitespace() && *c != '\'' && *c != '\u{200B}')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{3134F}')
}

/// One resident in the index: only what finding needs.
struct Entry {
    id: Box<str>,
    name: Box<str>,
}

/// Sorted keys of one kind, each pointing at its resident; the key texts live in one
/// arena, so 200,000 residents cost a few allocations, not a million.
#[derive(Default)]
struct Keys {
    arena: String,
    keys: Vec<Key>,
}

#[derive(Clone, Copy)]
struct Key {
    start: u32,
    entry: u32,
    len: u16,
}

impl Keys {
    fn push(&mut self, text: &str, entry: u32) {
        if text.is_empty() || text.len() > u16::MAX as usize {
            return;
        }
        let start = self.arena.len() as u32;
        self.arena.push_str(text);
        self.keys.push(Key {
            start,
            entry,
            len: text.len() as u16,
        });
    }

    fn text(&self, key: &Key) -> &[u8] {
        &self.arena.as_bytes()[key.start as usize..key.start as usize + key.len as usize]
    }

    fn sort(&mut self) {
        let mut keys = std::mem::take(&mut self.keys);
        keys.sort_unstable_by(|a, b| self.text(a).cmp(self.text(b)).then(a.entry.cmp(&b.entry)));
        keys.dedup_by(|a, b| a.entry == b.entry && self.text(a) == self.text(b));
        // Grown by doubling while the registry was read: give the slack back, since
        // the index lives as long as the store.
        keys.shrink_to_fit();
        self.arena.shrink_to_fit();
        self.keys = keys;
    }

    /// The keys that start with `prefix`, in order.
    fn with_prefix(&self, prefix: &str) -> &[Key] {
        let prefix = prefix.as_bytes();
        let lower = self.keys.partition_point(|k| self.text(k) < prefix);
        let upper =
            lower + self.keys[lower..].partition_point(|k| self.text(k).starts_with(prefix));
        &self.keys[lower..upper]
    }

    fn is_exact(&self, key: &Key, text: &str) -> bool {
        self.text(key) == text.as_bytes()
    }
}

/// The registry in memory, as of `version` of the registry's change counter.
#[derive(Default)]
pub struct SearchIndex {
    version: Option<i64>,
    entries: Vec<Entry>,
    names: Keys,
    pinyin: Keys,
    initials: Keys,
    /// The first character in full and the rest as initials (`zhangxm`), the way
    /// most staff type a name they heard.
    surname_initials: Keys,
    phones_reversed: Keys,
    ids_reversed: Keys,
    households: Keys,
    cards: HashMap<String, u32>,
}

fn registry_version(conn: &Connection) -> Result<i64, rusqlite::Error> {
    conn.prepare_cached("SELECT n FROM registry_version WHERE id = 1")?
        .query_row([], |r| r.get(0))
}

impl SearchIndex {
    fn approximate_bytes(&self) -> usize {
        let keys = [
            &self.names,
            &self.pinyin,
            &self.initials,
            &self.surname_initials,
            &self.phones_reversed,
            &self.ids_reversed,
            &self.households,
        ]
        .iter()
        .map(|k| k.arena.capacity() + k.keys.capacity() * std::mem::size_of::<Key>())
        .sum::<usize>();
        let entries = self.entries.capacity() * std::mem::size_of::<Entry>()
            + self
                .entries
                .iter()
                .map(|e| e.id.len() + e.name.len())
                .sum::<usize>();
        let cards = self.cards.capacity() * (std::mem::size_of::<(String, u32)>() + 16);
        keys + entries + cards
    }

    /// Rebuilds from SQLite if the registry changed since the index was built.
    fn refresh(&mut self, conn: &Connection) -> Result<(), AppError> {
        let version = registry_version(conn)?;
        if self.version != Some(version) {
            *self = SearchIndex::build(conn)?;
            self.version = Some(version);
        }
        Ok(())
    }

    fn build(conn: &Connection) -> Result<SearchIndex, AppError> {
        let mut index = SearchIndex::default();
        let mut by_id: HashMap<String, u32> = HashMap::new();
        {
            let mut stmt =
                conn.prepare("SELECT id_number, name, phone, household_code FROM residents")?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let id: String = row.get(0)?;
                let name: String = row.get(1)?;
                let phone: Option<String> = row.get(2)?;
                let household: String = row.get(3)?;
                let entry = index.entries.len() as u32;
                index.add(entry, &id, &name, phone.as_deref(), &household);
                by_id.insert(id.clone(), entry);
                index.entries.push(Entry {
                    id: id.into(),
                    name: name.into(),
                });
            }
        }
        let mut stmt =
            conn.prepare("SELECT token, id_number FROM resident_cards WHERE revoked_at IS NULL")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let token: String = row.get(0)?;
            let id: String = row.get(1)?;
            if let Some(entry) = by_id.get(&id) {
                index.cards.insert(normalise(&token), *entry);
            }
        }
        index.entries.shrink_to_fit();
        index.cards.shrink_to_fit();
        for keys in [
            &mut index.names,
            &mut index.pinyin,
            &mut index.initials,
            &mut index.surname_initials,
            &mut index.phones_reversed,
            &mut index.ids_reversed,
            &mut index.households,
        ] {
            keys.sort();
        }
        Ok(index)
    }

    fn add(&mut self, entry: u32, id: &str, name: &str, phone: Option<&str>, household: &str) {
        self.names.push(&normalise(name), entry);
        for reading in readings(name) {
            self.pinyin.push(&reading.full, entry);
            self.initials.push(&reading.initials, entry);
            self.surname_initials.push(&reading.surname_initials, entry);
        }
        if let Some(phone) = phone {
            self.phones_reversed.push(&reversed(phone), entry);
        }
        self.ids_reversed
            .push(&reversed(&id.to_ascii_lowercase()), entry);
        self.households.push(&normalise(household), entry);
    }

    /// The best residents for a normalised query, and whether more matched.
    fn find(&self, query: &str) -> (Vec<(u32, MatchedField)>, bool) {
        let mut found = Found::default();
        if query.is_empty() {
            return (Vec::new(), false);
        }
        if let Some(entry) = self.cards.get(query) {
            found.add(*entry, MatchedField::Card, 0);
        }
        // A phone or ID number pasted from Excel may carry hyphens.
        let compact: String = query.chars().filter(|c| *c != '-').collect();
        let numeric = !compact.is_empty()
            && compact
                .chars()
                .enumerate()
                .all(|(i, c)| c.is_ascii_digit() || (c == 'x' && i + 1 == compact.len()));
        if numeric {
            let reversed_query = reversed(&compact);
            if compact.len() == 18 {
                found.range(
                    &self.ids_reversed,
                    &reversed_query,
                    MatchedField::IdNumber,
                    0,
                );
            }
            if compact.len() == 11 {
                found.range(
                    &self.phones_reversed,
                    &reversed_query,
                    MatchedField::Phone,
                    0,
                );
            }
            if (4..18).contains(&compact.len()) {
                found.range(
                    &self.ids_reversed,
                    &reversed_query,
                    MatchedField::IdNumberEnding,
                    1,
                );
            }
            if (4..11).contains(&compact.len()) {
                found.range(
                    &self.phones_reversed,
                    &reversed_query,
                    MatchedField::PhoneEnding,
                    1,
                );
            }
        }
        // Household codes (HF-0001) are typed from their start.
        found.exact_then_prefix(&self.households, query, MatchedField::HouseholdCode, 0, 2);
        let han: String = query.chars().take_while(|c| is_han(*c)).collect();
        let rest = &query[han.len()..];
        if !han.is_empty() && rest.is_empty() {
            found.exact_then_prefix(&self.names, query, MatchedField::Name, 1, 2);
        } else if rest.chars().all(|c| c.is_ascii_lowercase()) && !rest.is_empty() {
            if han.is_empty() {
                self.find_pinyin(&mut found, query, None);
            } else {
                // 张xm: the characters typed are spelled out and the name must start
                // with them, so 章xm does not come up for 张xm.
                for spelled in readings(&han).into_iter().map(|r| r.full) {
                    self.find_pinyin(&mut found, &format!("{spelled}{rest}"), Some(&han));
                }
            }
        }
        found.finish()
    }

    fn find_pinyin(&self, found: &mut Found, query: &str, starts_with: Option<&str>) {
        let keep = |entry: u32| {
            starts_with.is_none_or(|han| self.entries[entry as usize].name.starts_with(han))
        };
        for (keys, field) in [
            (&self.initials, MatchedField::NameInitials),
            (&self.pinyin, MatchedField::NamePinyin),
            (&self.surname_initials, MatchedField::NameInitials),
        ] {
            found.filtered(keys, query, field, &keep);
        }
    }
}

/// Hits gathered from the indexes, each resident once at its best rank.
#[derive(Default)]
struct Found {
    /// (rank, order found, entry, field)
    hits: Vec<(u8, u32, u32, MatchedField)>,
    seen: HashMap<u32, usize>,
    more: bool,
}

impl Found {
    fn add(&mut self, entry: u32, field: MatchedField, rank: u8) {
        let order = self.hits.len() as u32;
        match self.seen.get(&entry) {
            Some(&at) if self.hits[at].0 <= rank => {}
            Some(&at) => self.hits[at] = (rank, self.hits[at].1, entry, field),
            None => {
                self.seen.insert(entry, self.hits.len());
                self.hits.push((rank, order, entry, field));
            }
        }
    }

    /// Takes at most the limit from a range; past it, there are more.
    fn range(&mut self, keys: &Keys, prefix: &str, field: MatchedField, rank: u8) {
        let range = keys.with_prefix(prefix);
        for key in range.iter().take(RESULT_LIMIT) {
            self.add(key.entry, field, rank);
        }
        if range.len() > RESULT_LIMIT {
            self.more = true;
        }
    }

    /// An exact key ranks `exact`, a longer one that starts with the query `prefix`.
    /// The exact ones sort first in the range (a text is before its extensions).
    fn exact_then_prefix(
        &mut self,
        keys: &Keys,
        query: &str,
        field: MatchedField,
        exact: u8,
        prefix: u8,
    ) {
        let range = keys.with_prefix(query);
        for key in range.iter().take(RESULT_LIMIT) {
            let rank = if keys.is_exact(key, query) {
                exact
            } else {
                prefix
            };
            self.add(key.entry, field, rank);
        }
        if range.len() > RESULT_LIMIT {
            self.more = true;
        }
    }

    /// Like `exact_then_prefix` for pinyin (exact 3, prefix 4), keeping only the
    /// residents `keep` accepts; scans no further than needed to fill the list.
    fn filtered(
        &mut self,
        keys: &Keys,
        query: &str,
        field: MatchedField,
        keep: &dyn Fn(u32) -> bool,
    ) {
        let mut taken = 0;
        for key in keys.with_prefix(query) {
            if !keep(key.entry) {
                continue;
            }
            if taken == RESULT_LIMIT {
                self.more = true;
                break;
            }
            let rank = if keys.is_exact(key, query) { 3 } else { 4 };
            self.add(key.entry, field, rank);
            taken += 1;
        }
    }

    fn finish(mut self) -> (Vec<(u32, MatchedField)>, bool) {
        self.hits.sort_by_key(|(rank, order, _, _)| (*rank, *order));
        let more = self.more || self.hits.len() > RESULT_LIMIT;
        self.hits.truncate(RESULT_LIMIT);
        (
            self.hits
                .into_iter()
                .map(|(_, _, entry, field)| (entry, field))
                .collect(),
            more,
        )
    }
}

fn reversed(text: &str) -> String {
    text.chars().rev().collect()
}

/// One way of reading a name aloud, as the keys it is found by.
struct Reading {
    full: String,
    initials: String,
    surname_initials: String,
}

/// The name's readings: every combination of its characters' readings (the common
/// one first), up to [`MAX_READINGS`]. Characters without pinyin (Latin letters,
/// digits) stand for themselves; the middle dot of minority names is skipped.
fn readings(name: &str) -> Vec<Reading> {
    let mut syllables: Vec<Vec<String>> = Vec::new();
    // A Latin name's letters run on as one word (`anna`), not a syllable each.
    let mut in_latin_word = false;
    for c in normalise(name).chars() {
        if let Some(multi) = c.to_pinyin_multi() {
            let mut options: Vec<String> = Vec::new();
            for p in multi {
                let plain = p.plain().replace('ü', "v");
                if !options.contains(&plain) {
                    options.push(plain);
                }
            }
            syllables.push(options);
            in_latin_word = false;
        } else if c.is_ascii_alphanumeric() {
            match syllables.last_mut() {
                Some(word) if in_latin_word => word[0].push(c),
                _ => syllables.push(vec![c.to_string()]),
            }
            in_latin_word = true;
        } else {
            in_latin_word = false;
        }
    }
    let mut combos: Vec<Vec<&str>> = vec![Vec::new()];
    for options in &syllables {
        let mut next = Vec::new();
        for combo in &combos {
            for option in options {
                if next.len() == MAX_READINGS {
                    break;
                }
                let mut longer = combo.clone();
                longer.push(option.as_str());
                next.push(longer);
            }
        }
        combos = next;
    }
    combos
        .into_iter()
        .filter(|combo| !combo.is_empty())
        .map(|combo| {
            let full: String = combo.concat();
            let initials: String = combo.iter().filter_map(|s| s.chars().next()).collect();
            let surname_initials = format!(
                "{}{}",
                combo[0],
                combo[1..]
                    .iter()
                    .filter_map(|s| s.chars().next())
                    .collect::<String>()
            );
            Reading {
                full,
                initials,
                surname_initials,
            }
        })
        .collect()
}
