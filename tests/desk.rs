//! The front desk (issue 13), headless on a desk terminal against the demo centre's
//! real use-cases: it opens on the staff sign-in, the staff home shows the day, the
//! roll call checks a group in and a child out to an adult on the pickup list, a
//! must-not-collect adult is refused in words, colour and sound with staff alerted,
//! and staff are signed out after five minutes untouched. Then the same use-cases
//! through the binary.

use crate::common;
use crate::kiosk_flows::{kiosk, Kiosk};

use chrono::NaiveDateTime;
use linli::kiosk::{
    ChildState, DeskAdapter, RollCallAdapter, Screen, SearchAdapter, Session, Tone,
};
use linli::usecase::attendance::{set_pickup_adult, PickupAdultInput};
use linli::usecase::demo;
use slint::{ComponentHandle, Model};

/// A Monday in term at 16:40, when the 四点半学校 children arrive.
pub fn arrival() -> NaiveDateTime {
    "2026-11-23T16:40:00".parse().unwrap()
}

pub fn desk_at(now: NaiveDateTime) -> Kiosk {
    linli::clock::pin_this_thread(Some(now));
    let k = kiosk();
    linli::kiosk::make_desk(&k.window);
    k
}

pub fn sign_in(k: &Kiosk, code: &str) {
    assert_eq!(
        k.screen(),
        Screen::StaffSignIn,
        "a desk opens on the staff sign-in"
    );
    k.type_digits(&code[1..]);
    k.type_digits(&k.staff_pin(code));
    assert_eq!(k.screen(), Screen::StaffHome, "{}", k.notice());
}

/// The tone of the notice over the screen (none when there is none).
pub fn tone(k: &Kiosk) -> Tone {
    k.window.global::<Session>().get_notice_tone()
}

/// A number the database holds, as `sql` (one value) counts it.
pub fn count(k: &Kiosk, sql: &str) -> i64 {
    k.query(&format!("SELECT ({sql}) || ''"))[0]
        .parse()
        .unwrap()
}

fn rows(k: &Kiosk) -> Vec<linli::kiosk::RollChildRow> {
    k.window
        .global::<RollCallAdapter>()
        .get_children()
        .iter()
        .collect()
}

/// The staff home's row of the session whose name starts with `programme`.
pub fn session_named(k: &Kiosk, programme: &str) -> linli::kiosk::DeskSessionRow {
    let sessions: Vec<_> = k
        .window
        .global::<DeskAdapter>()
        .get_sessions()
        .iter()
        .collect();
    sessions
        .iter()
        .find(|s| s.name.starts_with(programme))
        .cloned()
        .unwrap_or_else(|| panic!("{programme} runs today: {sessions:?}"))
}

fn open_roll_call(k: &Kiosk) {
    let after_school = session_named(k, "四点半学校");
    assert!(after_school.roll_call);
    assert!(after_school.expected > 0);
    assert_eq!(after_school.arrived, 0, "nobody has come yet");
    k.press(&format!("点名：{}", after_school.name));
    assert_eq!(k.screen(), Screen::RollCall);
}

#[test]
fn a_desk_checks_a_group_in_and_hands_a_child_only_to_an_adult_on_the_list() {
    let k = desk_at(arrival());
    assert!(k.window.global::<linli::kiosk::KioskAdapter>().get_desk());
    sign_in(&k, "S001");
    let since = k.query("SELECT max(seq) || '' FROM audit_log").remove(0);
    assert!(k.window.global::<DeskAdapter>().get_day_shown());
    open_roll_call(&k);

    // The first group walks in together: one tap checks them all in.
    let first = rows(&k);
    let group = first[0].group.to_string();
    let waiting = first[0].group_waiting;
    assert!(waiting > 0, "{first:?}");
    k.press(&format!("{group}全部签到"));
    assert_eq!(
        k.window.global::<Session>().get_notice_tone(),
        Tone::Success,
        "{}",
        k.notice()
    );
    k.press("好的");
    let after = rows(&k);
    let in_group = after
        .iter()
        .take(waiting as usize)
        .filter(|r| r.state == ChildState::Here)
        .count();
    assert_eq!(in_group, waiting as usize, "{after:?}");
    let checked_in = k.query(
        "SELECT count(*) || '' FROM attendance WHERE programme_code = 'after-school' AND session_date = '2026-11-23'",
    );
    assert_eq!(checked_in, [waiting.to_string()]);

    // A must-not-collect adult is named on the first child's list.
    let child = after[0].name.to_string();
    let child_id = k.query(&format!(
        "SELECT id_number FROM residents WHERE name = '{child}'"
    ))[0]
        .clone();
    {
        let mut store = k.store.lock().unwrap();
        store
            .write(&demo::demo_actor("S001"), arrival(), |tx| {
                set_pickup_adult(
                    tx,
                    &child_id,
                    &PickupAdultInput {
                        name: Some("王强".into()),
                        relation: "父亲".into(),
                        must_not_collect: true,
                        ..PickupAdultInput::default()
                    },
                )
            })
            .unwrap();
    }

    // 17:55: he comes to the desk and is refused in words, colour and sound.
    linli::clock::pin_this_thread(Some("2026-11-23T17:55:00".parse().unwrap()));
    k.press(&format!("签退{child}"));
    let pickup: Vec<_> = k
        .window
        .global::<RollCallAdapter>()
        .get_pickup()
        .iter()
        .collect();
    assert!(
        pickup
            .iter()
            .any(|p| p.must_not_collect && p.who.contains("王*")),
        "{pickup:?}"
    );
    let alerts_before =
        k.query("SELECT count(*) || '' FROM alerts WHERE kind = 'must_not_collect'");
    assert_eq!(alerts_before, ["0"]);
    k.press("不得接走：王* (父亲)");
    let session = k.window.global::<Session>();
    assert_eq!(session.get_notice_tone(), Tone::Refusal);
    assert!(k.notice().contains("不得接走这个孩子"), "{}", k.notice());
    assert!(k.notice().contains("已通知其他工作人员"), "{}", k.notice());
    assert_eq!(
        k.query("SELECT count(*) || '' FROM alerts WHERE kind = 'must_not_collect' AND acknowledged_at IS NULL"),
        ["1"],
        "staff are alerted"
    );
    k.press("好的");
    assert_eq!(rows(&k)[0].state, ChildState::Here, "the child stays");

    // The mother (on the list from the demo) collects the child.
    k.press(&format!("签退{child}"));
    let pickup: Vec<_> = k
        .window
        .global::<RollCallAdapter>()
        .get_pickup()
        .iter()
        .collect();
    let parent = pickup
        .iter()
        .find(|p| !p.must_not_collect && p.valid)
        .expect("an authorised adult")
        .who
        .to_string();
    k.press(&format!("由{parent}接走"));
    assert_eq!(session.get_notice_tone(), Tone::Success, "{}", k.notice());
    k.press("好的");
    assert_eq!(rows(&k)[0].state, ChildState::Left);
    let audit = k.query(&format!(
        "SELECT action FROM audit_log WHERE seq > {since} AND action IN ('checked_in', 'checked_out', 'pickup_refused_must_not_collect') ORDER BY seq",
    ));
    assert_eq!(audit.iter().filter(|a| *a == "checked_out").count(), 1);
    assert_eq!(
        audit
            .iter()
            .filter(|a| *a == "pickup_refused_must_not_collect")
            .count(),
        1
    );
    let actor = k.query(&format!(
        "SELECT actor FROM audit_log WHERE seq > {since} AND action = 'checked_out'"
    ));
    assert!(actor[0].contains("S001"), "{actor:?}");
    linli::clock::pin_this_thread(None);
}

#[test]
fn a_desk_finds_a_resident_by_pinyin_initials_with_their_numbers_masked() {
    use pinyin::ToPinyin;
    let k = desk_at(arrival());
    sign_in(&k, "S001");
    k.press("查找居民");
    assert_eq!(k.screen(), Screen::DeskSearch);
    let found = k.query(
        "SELECT name || '|' || id_number FROM residents WHERE length(name) = 3 ORDER BY id_number LIMIT 1",
    );
    let (name, id) = found[0].split_once('|').unwrap();
    let initials: String = name
        .chars()
        .filter_map(|c| c.to_pinyin())
        .map(|p| p.first_letter())
        .collect();
    assert_eq!(initials.chars().count(), 3, "{name}");
    // Staff type the initials one key at a time; the list follows each key.
    let search = k.window.global::<SearchAdapter>();
    for end in 1..=initials.len() {
        search.set_query(initials[..end].into());
        search.invoke_edited(initials[..end].into());
    }
    let rows: Vec<_> = search.get_results().iter().collect();
    let row = rows
        .iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("{name} ({initials}) is found: {rows:?}"));
    assert!(
        row.detail
            .contains(&linli_core::identity::mask_id_number(id)),
        "{row:?}"
    );
    assert!(!row.detail.contains(id), "the ID number is masked: {row:?}");
    assert_eq!(row.matched, "拼音首字母");
    assert!(
        i_slint_backend_testing::ElementHandle::find_by_accessible_label(
            &k.window,
            &format!("找到：{name}")
        )
        .next()
        .is_some()
    );
    // Nothing of the search outlives the staff member.
    k.press("返回上一步");
    assert_eq!(k.screen(), Screen::StaffHome);
    k.press("退出工作人员模式");
    assert_eq!(search.get_results().row_count(), 0);
    assert_eq!(search.get_query(), "");
    linli::clock::pin_this_thread(None);
}

#[test]
fn a_desk_signs_staff_out_after_five_minutes_untouched_with_a_countdown() {
    let k = desk_at(arrival());
    sign_in(&k, "S001");
    let session = k.window.global::<Session>();
    for _ in 0..269 {
        session.invoke_tick();
    }
    assert!(
        !session.get_warning(),
        "no countdown before four and a half minutes"
    );
    session.invoke_tick();
    assert!(session.get_warning());
    assert_eq!(session.get_seconds_left(), 30);
    for _ in 0..30 {
        session.invoke_tick();
    }
    assert_eq!(
        k.screen(),
        Screen::StaffSignIn,
        "back to the sign-in, not the attract screen"
    );
    assert!(
        !k.window.global::<DeskAdapter>().get_day_shown(),
        "the day is forgotten"
    );
    assert_eq!(
        k.window
            .global::<RollCallAdapter>()
            .get_children()
            .row_count(),
        0
    );
    linli::clock::pin_this_thread(None);
}

#[test]
fn a_technician_at_the_desk_sees_no_roll_call() {
    let k = desk_at(arrival());
    sign_in(&k, "S004");
    assert!(!k.window.global::<DeskAdapter>().get_day_shown());
    assert_eq!(
        k.window.global::<DeskAdapter>().get_sessions().row_count(),
        0
    );
    linli::clock::pin_this_thread(None);
}

/// Role enforcement beyond the screens: a technician reaches no child's data (no search,
/// no roll call, no allergies) even by calling the screens' own callbacks, and a
/// front-desk member cannot approve a volunteer's hours (the use-case refuses them).
#[test]
fn roles_are_enforced_by_the_use_cases_a_technician_sees_no_allergies_and_the_desk_approves_no_hours(
) {
    let k = desk_at(arrival());
    sign_in(&k, "S004");
    assert!(
        i_slint_backend_testing::ElementHandle::find_by_accessible_label(&k.window, "查找居民")
            .next()
            .is_none(),
        "no search on a technician's staff home"
    );
    // The search's own callback, as if its button were there: refused, nothing found.
    k.window.global::<DeskAdapter>().invoke_open_search();
    let search = k.window.global::<SearchAdapter>();
    search.set_query("黄".into());
    search.invoke_edited("黄".into());
    assert_eq!(search.get_results().row_count(), 0);
    let child = k.query(
        "SELECT resident FROM enrolments WHERE programme_code = 'after-school' AND status = 'confirmed' ORDER BY resident LIMIT 1",
    )[0]
        .clone();
    let technician = demo::demo_actor("S004");
    let allergies = {
        let store = k.store.lock().unwrap();
        linli::usecase::dietary::dietary_needs_for(
            store.conn(),
            &technician,
            std::slice::from_ref(&child),
        )
    };
    match allergies {
        Err(linli::error::AppError::Refused(r)) => assert_eq!(r.code, "not_permitted"),
        other => panic!("a technician must not read allergies: {other:?}"),
    }
    let roll = {
        let store = k.store.lock().unwrap();
        linli::usecase::roll_call::roll_call(
            store.conn(),
            &technician,
            "after-school",
            arrival().date(),
        )
    };
    assert!(roll.is_err(), "a technician takes no roll call");

    // The front desk may take the roll call but not approve hours, however asked.
    let shift = k.query("SELECT id FROM shifts ORDER BY id LIMIT 1");
    let mut store = k.store.lock().unwrap();
    let refused = store.write(&demo::demo_actor("S001"), arrival(), |tx| {
        linli::usecase::volunteers::review_shift(tx, &shift[0], None)
    });
    match refused {
        Err(linli::error::AppError::Refused(r)) => {
            assert_eq!(r.code, "not_permitted");
            assert!(
                r.reasons.iter().any(|t| t.zh.contains("审核")),
                "the refusal names what is missing: {r:?}"
            );
        }
        other => panic!("a front-desk member must not approve hours: {other:?}"),
    }
    drop(store);
    linli::clock::pin_this_thread(None);
}
#[test]
fn a_resident_kiosk_never_shows_a_desk_screen() {
    linli::clock::pin_this_thread(Some(arrival()));
    // On a resident kiosk the staff home has no day and the roll call never draws.
    linli::clock::pin_this_thread(Some(arrival()));
    let kiosk = kiosk();
    kiosk.press("工作人员入口");
    kiosk.type_digits("001");
    kiosk.type_digits(&kiosk.staff_pin("S001"));
    assert_eq!(kiosk.screen(), Screen::StaffHome);
    assert!(!kiosk.window.global::<DeskAdapter>().get_day_shown());
    kiosk.window.global::<Session>().invoke_go(Screen::RollCall);
    assert!(
        i_slint_backend_testing::ElementHandle::find_by_accessible_label(
            &kiosk.window,
            "点名的项目"
        )
        .next()
        .is_none(),
        "a kiosk draws no desk screen"
    );
    linli::clock::pin_this_thread(None);
}

/// The roll call through the binary: show, a group check-in, a refusal for a
/// must-not-collect adult (exit 1, nothing checked out), a check-out, the late list
/// and a call recorded.
#[test]
fn the_roll_call_and_pickup_lists_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let at = |time: &str| format!("2026-11-23T{time}");
    let demo = common::run_at(dir.path(), &at("09:00:00"), &["demo"]);
    let pin = common::demo_pin(&demo, "S001");
    let run = |time: &str, args: &[&str]| {
        common::command_at(dir.path(), &at(time), args)
            .env("LINLI_STAFF_PIN", &pin)
            .output()
            .unwrap()
    };
    let json = |out: &std::process::Output| -> serde_json::Value {
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
            panic!(
                "{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        })
    };
    let roll = run(
        "16:40:00",
        &[
            "roll-call",
            "show",
            "--programme",
            "after-school",
            "--staff",
            "S001",
        ],
    );
    assert!(roll.status.success());
    let roll = json(&roll);
    assert!(roll["runs"].as_bool().unwrap());
    let expected = roll["counts"]["expected"].as_u64().unwrap();
    assert!(expected >= 2);
    assert!(roll.to_string().contains("一年级") || roll.to_string().contains("年级"));
    assert!(
        !roll.to_string().contains("\"id_number\""),
        "IDs are masked"
    );

    let store = linli::store::Store::open_in(dir.path()).unwrap();
    let children: Vec<String> = {
        let mut stmt = store
            .conn()
            .prepare("SELECT resident FROM enrolments WHERE programme_code = 'after-school' AND status = 'confirmed' ORDER BY resident LIMIT 2")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    drop(store);
    let checked = run(
        "16:41:00",
        &[
            "roll-call",
            "check-in",
            "--programme",
            "after-school",
            "--resident",
            &children[0],
            "--resident",
            &children[1],
            "--staff",
            "S001",
        ],
    );
    assert_eq!(json(&checked)["checked_in"], 2);

    // An adult not in the registry is named as must-not-collect, then refused.
    let set = run(
        "16:45:00",
        &[
            "pickup",
            "set",
            "--child",
            &children[0],
            "--name",
            "王强",
            "--relationship",
            "父亲",
            "--must-not-collect",
            "--staff",
            "S001",
        ],
    );
    assert!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stdout)
    );
    assert!(json(&set).to_string().contains("王*"));
    let blank = run(
        "16:45:00",
        &[
            "pickup",
            "set",
            "--child",
            &children[0],
            "--relationship",
            " ",
            "--name",
            "李",
            "--staff",
            "S001",
        ],
    );
    assert_eq!(blank.status.code(), Some(1), "a blank relation is refused");

    // The demo lists the household's adults by ID number: one of them collects.
    let list = linli::store::Store::open_in(dir.path()).unwrap();
    let adult: String = list
        .conn()
        .query_row(
            "SELECT json_extract(value, '$.id_number') FROM pickup_authorisations, json_each(body, '$.adults')
             WHERE child = ?1 AND json_extract(value, '$.id_number') IS NOT NULL LIMIT 1",
            [&children[1]],
            |r| r.get(0),
        )
        .unwrap();
    drop(list);
    let out = run(
        "17:50:00",
        &[
            "roll-call",
            "check-out",
            "--programme",
            "after-school",
            "--resident",
            &children[1],
            "--by",
            &adult,
            "--staff",
            "S001",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // 18:20: the first child is still here, past 18:00 and the grace period.
    let late = run(
        "18:20:00",
        &[
            "roll-call",
            "late",
            "--programme",
            "after-school",
            "--staff",
            "S001",
        ],
    );
    let late = json(&late);
    let still: Vec<_> = late["children"].as_array().unwrap().iter().collect();
    assert_eq!(still.len(), 1, "{late}");
    assert!(still[0]["minutes_late"].as_i64().unwrap() >= 15);
    let contacts = still[0]["contacts"].as_array().unwrap();
    assert!(!contacts.is_empty(), "{late}");
    let phone = contacts[0]["phone_masked"].as_str().unwrap();
    assert!(phone.contains("****"), "phones are masked: {phone}");
    let call = run(
        "18:21:00",
        &[
            "roll-call",
            "call",
            "--programme",
            "after-school",
            "--resident",
            &children[0],
            "--contact",
            "1",
            "--outcome",
            "reached",
            "--note",
            "外婆18:40到",
            "--staff",
            "S001",
        ],
    );
    assert!(
        call.status.success(),
        "{}",
        String::from_utf8_lossy(&call.stdout)
    );
    let late = json(&run(
        "18:22:00",
        &[
            "roll-call",
            "late",
            "--programme",
            "after-school",
            "--staff",
            "S001",
        ],
    ));
    assert_eq!(late["children"][0]["calls"][0]["note"], "外婆18:40到");

    // A technician may do none of it.
    let tech_pin = common::demo_pin(&demo, "S004");
    let refused = common::command_at(
        dir.path(),
        &at("18:30:00"),
        &[
            "roll-call",
            "show",
            "--programme",
            "after-school",
            "--staff",
            "S004",
        ],
    )
    .env("LINLI_STAFF_PIN", &tech_pin)
    .output()
    .unwrap();
    assert_eq!(refused.status.code(), Some(1));
}

#[test]
fn a_pickup_list_set_at_one_desk_reaches_another_desk_of_the_centre_and_only_a_newer_one_wins() {
    use linli_core::sync::{Change, ChangeBody, PullResponse};
    let k = desk_at(arrival());
    let child = k.query(
        "SELECT resident FROM enrolments WHERE programme_code = 'after-school' AND status = 'confirmed' ORDER BY resident LIMIT 1",
    )[0]
        .clone();
    // This desk's change goes out whole, for the district to pass on.
    let list = {
        let mut store = k.store.lock().unwrap();
        store
            .write(&demo::demo_actor("S001"), arrival(), |tx| {
                set_pickup_adult(
                    tx,
                    &child,
                    &PickupAdultInput {
                        name: Some("赵六".into()),
                        relation: "舅舅".into(),
                        ..PickupAdultInput::default()
                    },
                )
            })
            .unwrap()
    };
    let sent = k.query(
        "SELECT body FROM outbox WHERE kind = 'pickup_list_changed' ORDER BY seq DESC LIMIT 1",
    );
    assert!(sent[0].contains("赵六"), "{sent:?}");

    // Another desk names the father as must-not-collect a minute later: it arrives here.
    let mut theirs = list.clone();
    theirs.adults.push(linli_core::pickup::PickupAdult {
        name: "王强".into(),
        relation: "父亲".into(),
        id_number: None,
        card_code: None,
        must_not_collect: true,
        valid_from: None,
        valid_until: None,
    });
    let page =
        |authorisation: linli_core::pickup::PickupAuthorisation, at: &str, cursor| PullResponse {
            changes: vec![Change {
                cursor,
                change: ChangeBody::PickupList {
                    authorisation,
                    changed_at: at.parse().unwrap(),
                },
            }],
            next_cursor: cursor,
            more: false,
            grants: vec![],
            server_time: arrival(),
        };
    let apply = |response| {
        let mut store = k.store.lock().unwrap();
        linli::sync::apply::page(&mut store, response).unwrap();
    };
    apply(page(theirs, "2026-11-23T16:41:00", 1_000_000));
    let pickup = |k: &Kiosk| {
        let store = k.store.lock().unwrap();
        linli::usecase::attendance::pickup_list(store.conn(), &child).unwrap()
    };
    assert!(
        pickup(&k)
            .adults
            .iter()
            .any(|a| a.must_not_collect && a.name == "王强"),
        "the other desk's must-not-collect entry is here"
    );
    // An older list arriving late changes nothing.
    apply(page(list, "2026-11-23T16:00:00", 1_000_001));
    assert!(pickup(&k).adults.iter().any(|a| a.name == "王强"));
    linli::clock::pin_this_thread(None);
}

#[test]
fn a_card_on_the_desks_reader_finds_its_resident_in_the_search_box() {
    let k = desk_at(arrival());
    sign_in(&k, "S001");
    let card = k.query(
        "SELECT c.token || '|' || r.name FROM resident_cards c JOIN residents r ON r.id_number = c.id_number ORDER BY c.token LIMIT 1",
    );
    let (token, name) = card[0].split_once('|').expect("the demo has a card");
    // On the staff home a card does nothing for staff…
    linli::kiosk::present_token(
        &k.window,
        &k.screens.resident,
        &linli::kiosk::backend::Inline(k.store.clone()),
        linli_hardware::reader::Token::Card(token.into()),
    );
    assert_eq!(k.screen(), Screen::StaffHome);
    // …and in 查找居民 it is typed into the box: the card's holder is found.
    k.press("查找居民");
    linli::kiosk::present_token(
        &k.window,
        &k.screens.resident,
        &linli::kiosk::backend::Inline(k.store.clone()),
        linli_hardware::reader::Token::Card(token.into()),
    );
    let search = k.window.global::<SearchAdapter>();
    assert_eq!(search.get_query(), token);
    let results: Vec<_> = search.get_results().iter().collect();
    assert_eq!(results.len(), 1, "{results:?}");
    assert_eq!(results[0].name, name);
    assert_eq!(results[0].matched, "卡号");
    linli::clock::pin_this_thread(None);
}

/// A card on the desk's reader, wherever the window is.
fn card(k: &Kiosk, token: &str) {
    linli::kiosk::present_token(
        &k.window,
        &k.screens.resident,
        &linli::kiosk::backend::Inline(k.store.clone()),
        linli_hardware::reader::Token::Card(token.into()),
    );
}

#[test]
fn a_childs_card_checks_them_in_at_the_roll_call_and_the_adults_card_collects_them() {
    let k = desk_at(arrival());
    sign_in(&k, "S001");
    open_roll_call(&k);
    let child = rows(&k)[0].name.to_string();
    let child_id = k.query(&format!(
        "SELECT id_number FROM residents WHERE name = '{child}'"
    ))[0]
        .clone();
    {
        let mut store = k.store.lock().unwrap();
        store
            .write(&demo::demo_actor("S001"), arrival(), |tx| {
                tx.execute(
                    "INSERT INTO resident_cards (token, id_number, issued_at) VALUES ('CHILD-0001', ?1, '2026-11-01 08:00:00')",
                    [&child_id],
                )?;
                set_pickup_adult(
                    tx,
                    &child_id,
                    &PickupAdultInput {
                        name: Some("李芳".into()),
                        relation: "外婆".into(),
                        card_code: Some("GRAN-0001".into()),
                        ..PickupAdultInput::default()
                    },
                )
                .map(drop)
            })
            .unwrap();
    }
    // A card nobody was given: refused in words, nobody checked in.
    card(&k, "NOBODY-99");
    assert_eq!(tone(&k), Tone::Refusal);
    assert!(k.notice().contains("没有登记"), "{}", k.notice());
    k.press("好的");
    assert_eq!(rows(&k)[0].state, ChildState::Expected);

    // The child's own card checks them in; a second read changes nothing.
    card(&k, "CHILD-0001");
    assert_eq!(tone(&k), Tone::Success, "{}", k.notice());
    assert!(k.notice().contains(&child), "{}", k.notice());
    k.press("好的");
    assert_eq!(rows(&k)[0].state, ChildState::Here);
    card(&k, "CHILD-0001");
    assert!(k.notice().contains("已经签到过了"), "{}", k.notice());
    k.press("好的");
    assert_eq!(
        count(
            &k,
            "SELECT count(*) FROM attendance WHERE programme_code = 'after-school' AND session_date = '2026-11-23'"
        ),
        1
    );

    // With no 签退 box open the grandmother's card is not taken for a child's.
    linli::clock::pin_this_thread(Some("2026-11-23T17:50:00".parse().unwrap()));
    card(&k, "GRAN-0001");
    assert_eq!(tone(&k), Tone::Refusal);
    assert!(k.notice().contains("签退"), "{}", k.notice());
    k.press("好的");
    assert_eq!(rows(&k)[0].state, ChildState::Here);
    // In the child's 签退 box a card not on the list is refused; hers collects.
    k.press(&format!("签退{child}"));
    card(&k, "CHILD-0001");
    assert_eq!(tone(&k), Tone::Refusal, "{}", k.notice());
    k.press("好的");
    assert_eq!(rows(&k)[0].state, ChildState::Here, "the child stays");
    k.press(&format!("签退{child}"));
    card(&k, "GRAN-0001");
    assert_eq!(tone(&k), Tone::Success, "{}", k.notice());
    k.press("好的");
    assert_eq!(rows(&k)[0].state, ChildState::Left);
    let collected = k.query(
        "SELECT detail FROM audit_log WHERE action = 'checked_out' ORDER BY seq DESC LIMIT 1",
    );
    assert!(
        collected[0].contains("外婆") || collected[0].contains("李*"),
        "{collected:?}"
    );
    linli::clock::pin_this_thread(None);
}
