//! A resident opened from 查找居民 at the desk (issue 13): pickup list, dietary needs,
//! absences reported ahead.

use crate::desk::{arrival, count, desk_at, sign_in, tone};
use crate::kiosk_flows::Kiosk;

use linli::kiosk::{DeskResidentAdapter, RollCallAdapter, Screen, SearchAdapter, Tone};
use slint::{ComponentHandle, Model};

/// Finds `name` by typing it into 查找居民 and opens the one whose ID number ends as
/// `id` does (a father and son may share a name: staff tell them apart by age).
fn open_resident(k: &Kiosk, name: &str, id: &str) {
    k.press("查找居民");
    let search = k.window.global::<SearchAdapter>();
    search.set_query(name.into());
    search.invoke_edited(name.into());
    let rows: Vec<_> = search.get_results().iter().collect();
    let index = rows
        .iter()
        .position(|r| r.name == name && r.detail.contains(&id[id.len() - 4..]))
        .unwrap_or_else(|| panic!("{name} among {rows:?}"));
    search.invoke_open(index as i32);
    assert_eq!(k.screen(), Screen::DeskResident, "{}", k.notice());
}

#[test]
fn a_desk_sets_a_childs_pickup_list_diet_and_an_absence_ahead_and_the_roll_call_follows() {
    let k = desk_at(arrival());
    sign_in(&k, "S001");
    let child_id = k.query(
        "SELECT resident FROM enrolments WHERE programme_code = 'after-school' AND status = 'confirmed' ORDER BY resident LIMIT 1",
    )[0]
        .clone();
    let child = k.query(&format!(
        "SELECT name FROM residents WHERE id_number = '{child_id}'"
    ))[0]
        .clone();
    open_resident(&k, &child, &child_id);
    let page = k.window.global::<DeskResidentAdapter>();
    assert_eq!(page.get_title(), child.as_str());
    assert!(
        page.get_detail().contains("****"),
        "masked: {}",
        page.get_detail()
    );
    assert!(page.get_pickup_shown(), "{}", page.get_detail());
    let before = page.get_pickup().row_count();

    // A date typed wrongly is named and nothing is saved.
    page.set_adult_name("王强".into());
    page.set_relation("父亲".into());
    page.set_valid_until("2026-13-01".into());
    page.set_must_not_collect(true);
    k.press("加入接送名单");
    assert_eq!(tone(&k), Tone::Refusal);
    assert!(k.notice().contains("授权截止日期"), "{}", k.notice());
    k.press("好的");
    assert_eq!(page.get_pickup().row_count(), before, "nothing saved");

    // Put right: the father must not collect, in words and colour.
    page.set_valid_until("".into());
    k.press("加入接送名单");
    assert_eq!(tone(&k), Tone::Success, "{}", k.notice());
    k.press("好的");
    let rows: Vec<_> = page.get_pickup().iter().collect();
    assert_eq!(rows.len(), before + 1);
    assert!(
        rows.iter()
            .any(|r| r.must_not_collect && r.who.starts_with("王*")),
        "{rows:?}"
    );
    assert_eq!(page.get_adult_name(), "", "the form starts again empty");
    assert_eq!(
        count(&k, "SELECT count(*) FROM audit_log WHERE action = 'pickup_adult_set' AND actor LIKE '%S001%'"),
        1
    );

    // A peanut allergy, for the roll call and the kitchen.
    page.set_allergies("花生".into());
    k.press("保存饮食禁忌");
    assert_eq!(tone(&k), Tone::Success, "{}", k.notice());
    k.press("好的");

    // Tomorrow's absence, reported by the parent now.
    k.press("记录病假");
    assert_eq!(tone(&k), Tone::Success, "{}", k.notice());
    k.press("好的");
    assert_eq!(
        count(&k, &format!("SELECT count(*) FROM absences WHERE resident = '{child_id}' AND date = '2026-11-24' AND reason = 'ill'")),
        1
    );

    // The roll call shows the allergy, and refuses the father.
    k.press("返回上一步");
    k.press("返回上一步");
    assert_eq!(k.screen(), Screen::StaffHome);
    let after_school = crate::desk::session_named(&k, "四点半学校");
    k.press(&format!("点名：{}", after_school.name));
    let roll = k.window.global::<RollCallAdapter>();
    let rows: Vec<_> = roll.get_children().iter().collect();
    let index = rows
        .iter()
        .position(|c| c.name == child.as_str())
        .expect("the child on the roll");
    assert!(rows[index].dietary.contains("花生"), "{:?}", rows[index]);
    // The child is far down a long roll: the adapter's own calls, as its row's buttons.
    roll.invoke_check_in(index as i32);
    k.press("好的");
    roll.invoke_check_out(index as i32);
    let pickup: Vec<_> = roll.get_pickup().iter().collect();
    let father = pickup
        .iter()
        .position(|p| p.must_not_collect && p.who.starts_with("王*"))
        .unwrap_or_else(|| panic!("the father on the pickup choice: {pickup:?}"));
    roll.invoke_collect(father as i32);
    assert_eq!(tone(&k), Tone::Refusal, "{}", k.notice());
    linli::clock::pin_this_thread(None);
}
