//! Households at the desk (issue 14), headless: a family of four registered in one go
//! with a guardian's consent for the child, a wrong ID number named with its member and
//! field and nothing saved, a phone corrected (audited, masked), the household moved
//! away and a sign-up then refused; and a family registered twice found side by side
//! and merged, the child's place moving with them.

use crate::desk::{arrival, count, desk_at, sign_in, tone};
use crate::desk_resident::open_resident;
use crate::kiosk_flows::Kiosk;

use linli::kiosk::{DuplicatesAdapter, HouseholdFormAdapter, KioskAdapter, Screen, Session, Tone};
use linli_core::consent::Relationship;
use slint::{ComponentHandle, Model};

pub fn valid_id(first17: &str) -> String {
    format!(
        "{first17}{}",
        linli_core::identity::check_character(first17).unwrap()
    )
}

/// Types one member into the form and adds them.
fn add_member(k: &Kiosk, name: &str, id: &str, phone: &str, relationship: Relationship) {
    let form = k.window.global::<HouseholdFormAdapter>();
    form.set_name(name.into());
    form.set_id_number(id.into());
    form.set_phone(phone.into());
    let index = Relationship::ALL
        .iter()
        .position(|r| *r == relationship)
        .unwrap();
    let zh = relationship.describe().zh;
    let zh = zh.split('/').next().unwrap();
    k.press(&format!("与户主关系：{zh}"));
    assert_eq!(form.get_relationship(), index as i32);
    // Far down the scrolled form once the family grows: the button's own callback.
    form.invoke_put_member();
}

fn members(k: &Kiosk) -> Vec<String> {
    k.window
        .global::<HouseholdFormAdapter>()
        .get_members()
        .iter()
        .map(|m| m.text.to_string())
        .collect()
}

#[test]
fn a_family_of_four_is_registered_corrected_and_moved_away_at_the_desk() {
    let k = desk_at(arrival());
    sign_in(&k, "S001");
    let residents_before = count(&k, "SELECT count(*) FROM residents");
    k.press("登记新户：一户一次登记全家");
    assert_eq!(k.screen(), Screen::HouseholdForm);
    let form = k.window.global::<HouseholdFormAdapter>();
    assert_eq!(form.get_code(), "");
    form.set_address("海富花园9栋903".into());
    // Born 2018: eight at the clock's date (2026-11-23).
    let (father, mother, child, grandmother) = (
        valid_id("44030619850302121"),
        valid_id("44030619870611122"),
        valid_id("44030620180405123"),
        valid_id("44030619580101124"),
    );
    // The child's number with its last character mistyped.
    let last = child.chars().last().unwrap();
    let wrong = format!("{}{}", &child[..17], if last == '0' { '1' } else { '0' });
    add_member(&k, "欧阳建国", &father, "13760001234", Relationship::Head);
    add_member(&k, "林秀英", &mother, "", Relationship::Spouse);
    add_member(&k, "欧阳小雨", &wrong, "", Relationship::Child);
    // Tags typed in words, as the hint shows them.
    form.set_tags("独居老人、低保".into());
    add_member(&k, "陈桂芳", &grandmother, "", Relationship::Parent);
    let lines = members(&k);
    assert_eq!(lines.len(), 4);
    // Masked on screen: nobody's number or phone in full.
    assert!(lines[0].starts_with("1. 欧阳建国 · 户主"), "{lines:?}");
    for line in &lines {
        assert!(
            !line.contains(&father) && !line.contains("13760001234"),
            "{line}"
        );
    }
    // A mistyped number: the child is not recognised as a child, so no consent asked
    // yet; the save names the member and the field, and saves nothing.
    k.press("保存此户");
    assert_eq!(tone(&k), Tone::Refusal, "{}", k.notice());
    assert!(
        k.notice().contains("第3位成员「id_number」"),
        "{}",
        k.notice()
    );
    k.press("好的");
    let problems: Vec<String> = form.get_problems().iter().map(|p| p.to_string()).collect();
    assert!(
        problems.iter().any(|p| p.contains("第3位成员")),
        "{problems:?}"
    );
    assert_eq!(
        count(&k, "SELECT count(*) FROM residents"),
        residents_before
    );
    assert_eq!(
        count(
            &k,
            "SELECT count(*) FROM households WHERE address = '海富花园9栋903'"
        ),
        0
    );

    // Corrected: now a child of eight, whose guardian's consent the form asks for.
    form.invoke_edit_member(2);
    assert_eq!(
        form.get_id_number(),
        wrong.as_str(),
        "typed a moment ago: shown to correct"
    );
    form.set_id_number(child.as_str().into());
    form.invoke_put_member();
    assert_eq!(form.get_children().row_count(), 1);
    let guardians: Vec<String> = form.get_guardians().iter().map(|g| g.to_string()).collect();
    assert_eq!(guardians.len(), 3, "{guardians:?}");
    // Nobody is taken for the guardian unasked: saving now names what is missing.
    assert_eq!(form.get_guardian(), -1);
    k.press("保存此户");
    assert_eq!(tone(&k), Tone::Refusal, "{}", k.notice());
    assert!(k.notice().contains("监护人"), "{}", k.notice());
    k.press("好的");
    form.invoke_choose_guardian(1);
    assert_eq!(form.get_guardian(), 1);
    form.set_consent_photos(true);
    // A member typed but not added is not dropped without a word.
    form.set_name("欧阳小风".into());
    k.press("保存此户");
    assert_eq!(tone(&k), Tone::Refusal, "{}", k.notice());
    assert!(k.notice().contains("还没有加入此户"), "{}", k.notice());
    k.press("好的");
    form.set_name("".into());
    let slips_before = count(&k, "SELECT count(*) FROM slips WHERE kind = 'consent_slip'");
    k.press("保存此户");
    assert_eq!(tone(&k), Tone::Success, "{}", k.notice());
    k.press("好的");
    assert_eq!(
        count(&k, "SELECT count(*) FROM residents"),
        residents_before + 4
    );
    assert_eq!(
        k.query(&format!(
            "SELECT tags FROM residents WHERE id_number = '{grandmother}'"
        )),
        vec!["living_alone;low_income".to_string()]
    );
    let code = form.get_code().to_string();
    assert!(code.starts_with("D20261123-"), "{code}");
    // The mother's consent for the child, photos included; a slip for her.
    assert_eq!(
        count(
            &k,
            &format!(
                "SELECT count(*) FROM consents WHERE resident = '{child}' AND guardian = '{mother}'
                 AND purposes LIKE '%photos%'"
            )
        ),
        1
    );
    assert_eq!(
        count(&k, "SELECT count(*) FROM slips WHERE kind = 'consent_slip'"),
        slips_before + 1
    );

    // Later the father's phone changes: from his page, 修改此户.
    k.press("返回上一步");
    assert_eq!(k.screen(), Screen::StaffHome);
    open_resident(&k, "欧阳建国", &father);
    k.press("修改此户：住址、成员、迁出");
    assert_eq!(k.screen(), Screen::HouseholdForm, "{}", k.notice());
    assert_eq!(form.get_code(), code.as_str());
    form.invoke_edit_member(members(&k).iter().position(|m| m.contains("户主")).unwrap() as i32);
    // The phone on record is shown masked, and the number is not retyped.
    assert_eq!(form.get_phone_on_record(), "137****1234");
    assert_eq!(form.get_id_number(), "");
    form.set_phone("13760005678".into());
    form.invoke_put_member();
    k.press("保存此户");
    assert_eq!(tone(&k), Tone::Success, "{}", k.notice());
    k.press("好的");
    assert_eq!(
        k.query(&format!(
            "SELECT phone FROM residents WHERE id_number = '{father}'"
        )),
        vec!["13760005678".to_string()]
    );
    let audited = k.query(
        "SELECT detail FROM audit_log WHERE action = 'resident_edited' ORDER BY seq DESC LIMIT 1",
    );
    assert!(
        audited[0].contains("137****1234") && audited[0].contains("137****5678"),
        "{audited:?}"
    );
    assert!(!audited[0].contains("13760005678"), "{audited:?}");

    // They move away: no reason, refused; with one, the household is inactive.
    form.invoke_move_away();
    assert_eq!(tone(&k), Tone::Refusal, "{}", k.notice());
    k.press("好的");
    form.set_move_reason("搬到外区".into());
    form.invoke_move_away();
    assert_eq!(tone(&k), Tone::Success, "{}", k.notice());
    assert_eq!(k.screen(), Screen::StaffHome);
    k.press("好的");

    // At the kiosk, the father signs the child up: refused in words.
    k.give_pin(&father, "13760005678", "258036");
    k.window.global::<KioskAdapter>().set_desk(false);
    k.window.global::<Session>().invoke_end();
    k.sign_in("13760005678", "258036");
    assert_eq!(k.screen(), Screen::Members, "{}", k.notice());
    k.press("欧阳小雨");
    let after_school = k.programme_name("after-school");
    let enrolments = count(
        &k,
        &format!("SELECT count(*) FROM enrolments WHERE resident = '{child}'"),
    );
    k.sign_up(&after_school);
    assert_eq!(tone(&k), Tone::Refusal, "{}", k.notice());
    assert!(k.notice().contains("迁出"), "{}", k.notice());
    assert_eq!(
        count(
            &k,
            &format!("SELECT count(*) FROM enrolments WHERE resident = '{child}'")
        ),
        enrolments
    );
}

#[test]
fn a_family_registered_twice_is_merged_at_the_desk_and_the_childs_place_moves() {
    let k = desk_at(arrival());
    sign_in(&k, "S001");
    // A child with a place, and a parent with a phone in the same household.
    let child = k.query(
        "SELECT r.id_number FROM residents r JOIN enrolments e ON e.resident = r.id_number
         WHERE e.status = 'confirmed' AND r.birth_date > '2013-01-01'
         ORDER BY r.id_number LIMIT 1",
    )[0]
    .clone();
    let one = |sql: String| k.query(&sql)[0].clone();
    let home = one(format!(
        "SELECT household_code FROM residents WHERE id_number = '{child}'"
    ));
    let parent = one(format!(
        "SELECT id_number FROM residents WHERE household_code = '{home}' AND phone IS NOT NULL
         AND birth_date < '2000-01-01' ORDER BY id_number LIMIT 1"
    ));
    let name = |id: &str| {
        one(format!(
            "SELECT name FROM residents WHERE id_number = '{id}'"
        ))
    };
    let phone = one(format!(
        "SELECT phone FROM residents WHERE id_number = '{parent}'"
    ));
    let places = count(
        &k,
        &format!("SELECT count(*) FROM enrolments WHERE resident = '{child}'"),
    );
    assert!(places >= 1);

    // The family comes in again and is registered at the desk with their numbers as
    // on their ID cards (the old record had them mistyped).
    let retyped = |id: &str| valid_id(&format!("{}99{}", &id[..14], &id[16..17]));
    let (parent2, child2) = (retyped(&parent), retyped(&child));
    k.press("登记新户：一户一次登记全家");
    let form = k.window.global::<HouseholdFormAdapter>();
    form.set_address("海富花园3栋301".into());
    add_member(&k, &name(&parent), &parent2, &phone, Relationship::Head);
    add_member(&k, &name(&child), &child2, "", Relationship::Child);
    form.invoke_choose_guardian(0);
    k.press("保存此户");
    assert_eq!(tone(&k), Tone::Success, "{}", k.notice());
    k.press("好的");
    let again = form.get_code().to_string();
    k.press("返回上一步");

    // Side by side, masked.
    k.press("可能重复的登记：对比与合并");
    assert_eq!(k.screen(), Screen::Duplicates);
    let dups = k.window.global::<DuplicatesAdapter>();
    let pairs: Vec<_> = dups.get_pairs().iter().collect();
    let index = pairs
        .iter()
        .position(|p| {
            let both = format!("{} {}", p.first, p.second);
            both.contains(&again) && both.contains(&home)
        })
        .unwrap_or_else(|| panic!("{again} and {home} among {pairs:?}"));
    for p in &pairs {
        let both = format!("{} {}", p.first, p.second);
        assert!(!both.contains(&child) && !both.contains(&phone), "{both}");
    }
    // Keep the household registered today (its numbers are right): a preview first.
    let keep_side = if pairs[index].first.contains(&again) {
        0
    } else {
        1
    };
    dups.invoke_choose(index as i32, keep_side);
    assert_eq!(dups.get_chosen(), index as i32);
    let preview: Vec<String> = dups.get_preview().iter().map(|l| l.to_string()).collect();
    assert!(preview.iter().any(|l| l.contains("报名")), "{preview:?}");
    assert_eq!(
        count(
            &k,
            &format!("SELECT count(*) FROM households WHERE code = '{home}'")
        ),
        1,
        "a preview changes nothing"
    );
    k.press("确认合并这两户");
    assert_eq!(tone(&k), Tone::Success, "{}", k.notice());
    k.press("好的");
    // The child's places moved to the right number; the old one is gone.
    assert_eq!(
        count(
            &k,
            &format!("SELECT count(*) FROM enrolments WHERE resident = '{child2}'")
        ),
        places
    );
    assert_eq!(
        count(
            &k,
            &format!("SELECT count(*) FROM residents WHERE id_number = '{child}'")
        ),
        0
    );
    assert_eq!(
        count(
            &k,
            "SELECT count(*) FROM audit_log WHERE action = 'households_merged'"
        ),
        1
    );
}

/// A household that came in through the import has no relationships and no consents:
/// 修改此户 asks for the relationship to the head and for the young child's guardian,
/// and a correction records no consent for the adults, who are not there to give it.
#[test]
fn an_imported_family_is_completed_at_the_desk_with_the_young_childs_consent() {
    let k = desk_at(arrival());
    sign_in(&k, "S001");
    let rows = k.query(
        "SELECT c.id_number || '|' || c.name FROM residents c
         WHERE c.birth_date > '2014-01-01'
           AND NOT EXISTS (SELECT 1 FROM consents WHERE resident = c.id_number)
           AND EXISTS (SELECT 1 FROM residents a WHERE a.household_code = c.household_code
                       AND a.birth_date < '2000-01-01')
         ORDER BY c.id_number LIMIT 1",
    );
    let (child, name) = rows[0].split_once('|').unwrap();
    let home = k.query(&format!(
        "SELECT household_code FROM residents WHERE id_number = '{child}'"
    ))[0]
        .clone();
    let consents_before = count(&k, "SELECT count(*) FROM consents");
    open_resident(&k, name, child);
    k.press("修改此户：住址、成员、迁出");
    assert_eq!(k.screen(), Screen::HouseholdForm, "{}", k.notice());
    let form = k.window.global::<HouseholdFormAdapter>();
    // The child with no consent, and any brother or sister under 14 likewise.
    let children = form.get_children().row_count();
    assert!(children >= 1);
    // The import recorded no relationships: the first member is the head, the rest
    // are put down as 其他 by the clerk, who asks the family.
    let lines = members(&k);
    assert!(lines.iter().all(|l| l.contains("关系未填")), "{lines:?}");
    for i in 0..lines.len() {
        form.invoke_edit_member(i as i32);
        form.set_relationship(if i == 0 { 0 } else { 7 });
        form.invoke_put_member();
    }
    form.invoke_choose_guardian(0);
    k.press("保存此户");
    assert_eq!(tone(&k), Tone::Success, "{}", k.notice());
    assert_eq!(
        count(
            &k,
            &format!(
                "SELECT count(*) FROM consents WHERE resident = '{child}' AND guardian IS NOT NULL"
            )
        ),
        1
    );
    assert_eq!(
        count(&k, "SELECT count(*) FROM consents"),
        consents_before + children as i64,
        "the adults consented to nothing today"
    );
    assert_eq!(
        count(
            &k,
            &format!("SELECT count(*) FROM residents WHERE household_code = '{home}' AND relationship = 'head'")
        ),
        1
    );
}
