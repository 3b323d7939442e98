//! Finding a resident at the desk (`usecase::search`): by name, pinyin, initials,
//! phone or its ending, the end of an ID number, a household code or a card; masked
//! results; a technician refused; and a registry changed by another process (an
//! import) seen by a store that was already open. Then the same through the binary.

use chrono::{NaiveDate, NaiveDateTime};
use linli::error::AppError;
use linli::store::{Actor, Store};
use linli::usecase::search::{self, MatchedField, SearchResults};
use linli::usecase::{demo, households, residents};
use linli_core::identity::check_character;

use crate::common::{count, seed_demo, staff_ok, staff_refused};

fn now() -> NaiveDateTime {
    linli::clock::parse_local("2026-11-23T09:00:00").unwrap()
}

fn today() -> NaiveDate {
    now().date()
}

fn desk() -> Actor {
    demo::demo_actor("S001")
}

fn manager() -> Actor {
    demo::demo_actor("S003")
}

/// A valid ID number born on `birth` (yyyymmdd) with sequence `seq`.
fn id(birth: &str, seq: u32) -> String {
    let first17 = format!("440306{birth}{seq:03}");
    format!("{first17}{}", check_character(&first17).unwrap())
}

/// The residents every search test looks for, beside their near misses.
fn registry() -> Vec<(&'static str, &'static str, String, &'static str)> {
    vec![
        // (household, name, ID number, phone)
        ("T-0001", "张小明", id("19800105", 11), "13800138000"),
        ("T-0001", "李红", id("19820302", 22), "13912345678"),
        ("T-0002", "章晓敏", id("19900607", 31), "13700005678"),
        ("T-0003", "赵小梅", id("19501120", 41), ""),
        ("T-0004", "王芳", id("20170415", 52), "15000001111"),
    ]
}

fn csv(rows: &[(&str, &str, String, &str)]) -> String {
    let mut out = String::from("household_code,address,name,id_number,phone,tags\n");
    for (household, name, id, phone) in rows {
        out.push_str(&format!(
            "{household},宝安区新安街道12栋{}号,{name},{id},{phone},\n",
            &household[2..]
        ));
    }
    out
}

fn import(store: &mut Store, rows: &[(&str, &str, String, &str)]) {
    let rows = households::parse_csv(csv(rows).as_bytes(), today()).unwrap();
    households::import_rows(store, &manager(), now(), &rows, "search.csv").unwrap();
}

fn registered() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_in(dir.path()).unwrap();
    store
        .write(&Actor::system(), now(), |tx| {
            linli::store::set_setting(tx, "centre_code", demo::CENTRE_CODE)?;
            linli::store::set_setting(tx, "community_code", demo::COMMUNITY_CODE)?;
            Ok(())
        })
        .unwrap();
    import(&mut store, &registry());
    (dir, store)
}

fn find(store: &mut Store, query: &str) -> SearchResults {
    search::search(store, &desk(), query, today()).unwrap()
}

fn names(results: &SearchResults) -> Vec<String> {
    results.residents.iter().map(|r| r.name.clone()).collect()
}

#[test]
fn a_name_is_found_by_its_characters_its_pinyin_its_initials_and_a_mix_of_them() {
    let (_dir, mut store) = registered();
    assert_eq!(names(&find(&mut store, "张小明")), ["张小明"]);
    assert_eq!(
        find(&mut store, "张小明").residents[0].matched,
        MatchedField::Name
    );
    assert_eq!(names(&find(&mut store, "张")), ["张小明"]);
    // Initials: every zxm in the registry, and only those.
    let mut zxm = names(&find(&mut store, "zxm"));
    zxm.sort();
    assert_eq!(zxm, ["张小明", "章晓敏", "赵小梅"]);
    assert_eq!(
        find(&mut store, "zxm").residents[0].matched,
        MatchedField::NameInitials
    );
    // Full pinyin, typed one key at a time: the list narrows as staff type.
    let zhangxiaomin = names(&find(&mut store, "zhangxiaomin"));
    assert!(zhangxiaomin.iter().any(|n| n == "张小明"));
    assert!(zhangxiaomin.iter().any(|n| n == "章晓敏"));
    assert_eq!(names(&find(&mut store, "zhangxiaoming")), ["张小明"]);
    assert_eq!(
        find(&mut store, "zhangxiaoming").residents[0].matched,
        MatchedField::NamePinyin
    );
    // The surname spelled out, the given name as initials.
    let mut zhangxm = names(&find(&mut store, "zhangxm"));
    zhangxm.sort();
    assert_eq!(zhangxm, ["张小明", "章晓敏"]);
    // A character typed and the rest in pinyin: 张, not 章.
    assert_eq!(names(&find(&mut store, "张xm")), ["张小明"]);
    assert_eq!(names(&find(&mut store, "张xiaoming")), ["张小明"]);
    // Upper case, full-width letters and spaces pasted from a spreadsheet.
    assert_eq!(
        names(&find(&mut store, " ＺＨＡＮＧ xiao ming ")),
        ["张小明"]
    );
    // One letter still answers, and quickly.
    assert!(names(&find(&mut store, "w")).iter().any(|n| n == "王芳"));
    assert!(find(&mut store, "qqq").residents.is_empty());
    assert!(find(&mut store, "").residents.is_empty());
}

#[test]
fn a_phone_its_last_four_digits_an_id_ending_and_a_household_code_find_the_resident() {
    let (_dir, mut store) = registered();
    let results = find(&mut store, "5678");
    let mut ending = names(&results);
    ending.sort();
    assert_eq!(ending, ["李红", "章晓敏"]);
    assert!(results
        .residents
        .iter()
        .all(|r| r.matched == MatchedField::PhoneEnding));
    // The whole number, in full-width digits with spaces and hyphens, as pasted.
    let whole = find(&mut store, "１３８ ００１３-８０００");
    assert_eq!(names(&whole), ["张小明"]);
    assert_eq!(whole.residents[0].matched, MatchedField::Phone);
    // The last six characters of an ID number (an X check character in either case).
    let wang = &registry()[4].2;
    let tail = &wang[12..];
    let results = find(&mut store, tail);
    assert_eq!(names(&results), ["王芳"]);
    assert_eq!(results.residents[0].matched, MatchedField::IdNumberEnding);
    let whole = find(&mut store, wang);
    assert_eq!(names(&whole), ["王芳"]);
    assert_eq!(whole.residents[0].matched, MatchedField::IdNumber);
    // A household code brings its members, exact codes first.
    let mut household = names(&find(&mut store, "t-0001"));
    household.sort();
    assert_eq!(household, ["张小明", "李红"]);
    assert_eq!(find(&mut store, "T-000").residents.len(), 5);
}

#[test]
fn a_card_on_the_reader_finds_its_holder_first() {
    let (_dir, mut store) = registered();
    let zhang = registry()[0].2.clone();
    residents::issue_card(&mut store, &desk(), now(), &zhang, "CARD7788").unwrap();
    // The card registered at this desk is seen at once: the index follows the store's
    // own writes as well as other processes'.
    let results = find(&mut store, "CARD7788");
    assert_eq!(names(&results), ["张小明"]);
    assert_eq!(results.residents[0].matched, MatchedField::Card);
    assert_eq!(results.residents[0].resident.id_number(), zhang);
}

#[test]
fn results_are_masked_with_the_age_today_and_the_household() {
    let (_dir, mut store) = registered();
    let results = find(&mut store, "zhangxiaoming");
    let zhang = &results.residents[0];
    let id = &registry()[0].2;
    assert_eq!(
        zhang.id_number_masked,
        linli_core::identity::mask_id_number(id)
    );
    assert_eq!(zhang.phone_masked.as_deref(), Some("138****8000"));
    assert_eq!(zhang.age, 46);
    assert_eq!(zhang.household_code, "T-0001");
    assert!(
        !zhang.address_masked.contains("0001号"),
        "{}",
        zhang.address_masked
    );
    assert!(zhang.address_masked.starts_with("宝安区新安街道"));
    // What leaves the use-case as JSON (the command's answer) has no full number.
    let json = serde_json::to_string(&results).unwrap();
    assert!(!json.contains(id.as_str()), "{json}");
    assert!(!json.contains("13800138000"), "{json}");
    assert!(!format!("{zhang:?}").contains(id.as_str()));
}

#[test]
fn a_technician_may_not_search_and_searching_writes_nothing() {
    let (_dir, mut store) = registered();
    let audit = |store: &Store| -> i64 {
        store
            .conn()
            .query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))
            .unwrap()
    };
    let before = audit(&store);
    match search::search(&mut store, &demo::demo_actor("S004"), "zxm", today()) {
        Err(AppError::Refused(refused)) => {
            assert_eq!(refused.code, "not_permitted", "{refused:?}");
        }
        other => panic!("a technician searched: {other:?}"),
    }
    match search::search(&mut store, &Actor::kiosk(), "zxm", today()) {
        Err(AppError::Refused(refused)) => assert_eq!(refused.code, "staff_credential_required"),
        other => panic!("a kiosk searched: {other:?}"),
    }
    for query in ["z", "zx", "zxm", "5678"] {
        find(&mut store, query);
    }
    assert_eq!(audit(&store), before, "a keystroke writes no audit record");
}

#[test]
fn an_import_by_another_process_is_found_by_a_store_already_open() {
    let (dir, mut store) = registered();
    assert!(find(&mut store, "qianduoduo").residents.is_empty());
    // A CLI import: another connection to the same file.
    let mut other = Store::open_in(dir.path()).unwrap();
    import(
        &mut other,
        &[("T-0009", "钱多多", id("19700707", 71), "18600001234")],
    );
    assert_eq!(names(&find(&mut store, "qianduoduo")), ["钱多多"]);
    assert_eq!(names(&find(&mut store, "qdd")), ["钱多多"]);
    assert_eq!(names(&find(&mut store, "1234")), ["钱多多"]);
    // A change that rolls back leaves the index as the database is.
    let refused = store.write(&manager(), now(), |tx| {
        tx.execute(
            "UPDATE residents SET name = '孙悟空' WHERE household_code = 'T-0009'",
            [],
        )?;
        Err::<(), AppError>(linli::error::not_found("居民", "resident", "x"))
    });
    assert!(refused.is_err());
    assert_eq!(names(&find(&mut store, "qdd")), ["钱多多"]);
    assert!(find(&mut store, "swk").residents.is_empty());
}

#[test]
fn the_binary_finds_a_demo_resident_by_initials_masked_and_refuses_a_technician() {
    let dir = tempfile::tempdir().unwrap();
    let demo = seed_demo(dir.path());
    let conn = rusqlite::Connection::open(dir.path().join("linli.sqlite")).unwrap();
    let (name, id, phone): (String, String, String) = conn
        .query_row(
            "SELECT name, id_number, phone FROM residents WHERE phone IS NOT NULL
             ORDER BY id_number LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    let initials: String = name
        .chars()
        .filter_map(|c| {
            use pinyin::ToPinyin;
            c.to_pinyin().map(|p| p.first_letter().to_string())
        })
        .collect();
    let audit = count(dir.path(), "SELECT count(*) FROM audit_log");
    let found = staff_ok(dir.path(), &demo, "S001", &["search", &initials]);
    let rows = found["residents"].as_array().unwrap();
    assert!(!rows.is_empty(), "{found}");
    assert!(rows.len() <= search::RESULT_LIMIT);
    let by_phone = staff_ok(dir.path(), &demo, "S001", &["search", &phone]);
    let first = &by_phone["residents"][0];
    assert_eq!(first["name"], name.as_str(), "{by_phone}");
    assert_eq!(first["matched"], "phone");
    assert_eq!(
        first["id_number_masked"],
        linli_core::identity::mask_id_number(&id)
    );
    let text = by_phone.to_string();
    assert!(
        !text.contains(&id) && !text.contains(&format!("\"{phone}\"")),
        "{text}"
    );
    assert!(first["age"].is_u64() && first["household_code"].is_string());
    let refusal = staff_refused(dir.path(), &demo, "S004", &["search", &initials]);
    assert_eq!(refusal["code"], "not_permitted", "{refusal}");
    // Each run signed a member in (audited); the searches themselves wrote nothing.
    let after = count(dir.path(), "SELECT count(*) FROM audit_log");
    let sign_ins = count(
        dir.path(),
        &format!(
            "SELECT count(*) FROM audit_log WHERE seq > {audit} AND action LIKE 'staff_sign%'"
        ),
    );
    assert_eq!(after - audit, sign_ins);
}
