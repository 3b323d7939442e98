//! A resident opened from 查找居民 at the desk (issue 13): pickup list, dietary needs,
//! absences reported ahead.

use crate::desk::{arrival, count, desk_at, sign_in, tone};
use crate::kiosk_flows::Kiosk;

use linli::kiosk::{
    DeskResidentAdapter, FeesAdapter, FeesForm, RollCallAdapter, Screen, SearchAdapter, Tone,
};
use slint::{ComponentHandle, Model};

/// Finds `name` by typing it into 查找居民 and opens the one whose ID number ends as
/// `id` does (a father and son may share a name: staff tell them apart by age).
pub(crate) fn open_resident(k: &Kiosk, name: &str, id: &str) {
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

/// The first adult with a phone (and `condition` on `r`): ID number, name and phone.
fn adult_with_phone(k: &Kiosk, condition: &str) -> (String, String, String) {
    let row = k.query(&format!(
        "SELECT r.id_number || '|' || r.name || '|' || r.phone FROM residents r
         WHERE r.phone IS NOT NULL AND r.birth_date < '1990-01-01' {condition}
         ORDER BY r.id_number LIMIT 1"
    ))[0]
        .clone();
    let mut parts = row.split('|').map(str::to_string);
    let mut next = || parts.next().expect("three parts");
    (next(), next(), next())
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
    // The day after, an afternoon off; listed on the page with tomorrow's.
    page.set_absence_date("2026-11-25".into());
    // Far down the page: the adapter's own calls, as the buttons make them.
    page.set_absence_part(2);
    page.invoke_report_absence(1);
    assert_eq!(tone(&k), Tone::Success, "{}", k.notice());
    assert!(k.notice().contains("下午"), "{}", k.notice());
    k.press("好的");
    let listed: Vec<_> = page.get_absences().iter().collect();
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert!(
        listed[0].contains("11月24日") && listed[0].contains("全天"),
        "{listed:?}"
    );
    assert!(
        listed[1].contains("11月25日") && listed[1].contains("下午"),
        "{listed:?}"
    );
    // The parent calls back: the afternoon is withdrawn, kept as withdrawn.
    page.invoke_withdraw_absence(1);
    assert_eq!(tone(&k), Tone::Success, "{}", k.notice());
    k.press("好的");
    assert_eq!(page.get_absences().row_count(), 1);
    assert_eq!(
        count(&k, &format!("SELECT count(*) FROM absences WHERE resident = '{child_id}' AND date = '2026-11-25' AND part = 'afternoon' AND withdrawn_at IS NOT NULL")),
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

#[test]
fn a_payment_with_a_waiver_takes_what_is_owed_and_prints_a_receipt_and_the_day_sums_it_up() {
    let k = desk_at(arrival());
    sign_in(&k, "S001");
    // A lunch-care child the district's rules waive half the fee for (disabled).
    let child_id = k.query(
        "SELECT resident FROM enrolments WHERE programme_code = 'lunch-care' AND status = 'confirmed' ORDER BY resident LIMIT 1",
    )[0]
        .clone();
    k.store
        .lock()
        .unwrap()
        .conn()
        .execute(
            "UPDATE residents SET tags = 'disabled' WHERE id_number = ?1",
            [&child_id],
        )
        .unwrap();
    let child = k.query(&format!(
        "SELECT name FROM residents WHERE id_number = '{child_id}'"
    ))[0]
        .clone();
    open_resident(&k, &child, &child_id);
    k.press("收费：这位居民的费用");
    assert_eq!(k.screen(), Screen::Fees, "{}", k.notice());
    let fees = k.window.global::<FeesAdapter>();
    assert!(fees.get_for_resident());
    assert!(
        fees.get_summary().contains("****"),
        "{}",
        fees.get_summary()
    );
    let accounts: Vec<_> = fees.get_accounts().iter().collect();
    let lunch = accounts
        .iter()
        .find(|a| a.name.starts_with("学生午托"))
        .unwrap_or_else(|| panic!("{accounts:?}"));
    assert!(
        lunch.figures.contains("标准 ￥450.00") || lunch.figures.contains("标准 ¥450.00"),
        "{lunch:?}"
    );
    assert!(
        lunch.figures.contains("减免"),
        "the waiver applied by itself: {lunch:?}"
    );
    assert!(lunch.owed.contains("225.00"), "{lunch:?}");
    let name = lunch.name.to_string();

    k.press(&format!("收费：{name}"));
    assert_eq!(fees.get_form(), FeesForm::Pay);
    assert_eq!(fees.get_amount(), "225.00", "what is owed, ready to take");
    // Words for a number, too much, a transfer without its reference: each refused
    // in words, the box stays open and nothing is taken.
    for (typed, cash, words) in [
        ("两百", true, "金额"),
        ("300", true, "多于尚欠"),
        ("225.001", true, "金额"),
        ("225", false, "付款单号"),
    ] {
        fees.set_amount(typed.into());
        fees.set_cash(cash);
        k.press("确认收费");
        assert_eq!(tone(&k), Tone::Refusal, "{typed}");
        assert!(k.notice().contains(words), "{typed}: {}", k.notice());
        k.press("好的");
        assert_eq!(fees.get_form(), FeesForm::Pay);
    }
    assert_eq!(count(&k, "SELECT count(*) FROM payments"), 0);

    fees.set_amount("￥225".into());
    k.press("付款方式：现金");
    k.press("确认收费");
    assert_eq!(tone(&k), Tone::Success, "{}", k.notice());
    assert!(
        k.notice().contains("已收 ￥225.00") || k.notice().contains("已收 ¥225.00"),
        "{}",
        k.notice()
    );
    k.press("好的");
    assert_eq!(fees.get_form(), FeesForm::None);
    assert_eq!(
        k.query("SELECT amount_fen || ' ' || method || ' ' || staff FROM payments"),
        ["22500 cash S001"]
    );
    let lunch = fees
        .get_accounts()
        .iter()
        .find(|a| a.name.starts_with("学生午托"))
        .unwrap();
    assert_eq!(lunch.owed, "已付清");
    assert!(!lunch.may_pay);
    // The receipt: a real 收据 with the waiver as an amount, the child masked.
    let receipt = k.query("SELECT receipt FROM slips WHERE kind = 'payment_receipt'");
    assert_eq!(receipt.len(), 1);
    assert!(
        receipt[0].contains("收据") && receipt[0].contains("减免"),
        "{}",
        receipt[0]
    );
    assert!(
        !receipt[0].contains(&child_id),
        "no full ID number on paper"
    );
    assert!(
        !receipt[0].contains("disabled") && !receipt[0].contains("残疾"),
        "the waiver's reason stays off the paper"
    );
    let audit = k.query("SELECT actor FROM audit_log WHERE action = 'fee_paid'");
    assert_eq!(audit.len(), 1);
    assert!(audit[0].contains("S001"), "{audit:?}");

    // A refund needs a reason; with one it is given back by the same method.
    let paid: Vec<_> = fees.get_payments().iter().collect();
    assert_eq!(paid.len(), 1, "{paid:?}");
    k.press(&format!("退费：{} {}", paid[0].when, paid[0].what));
    assert_eq!(fees.get_form(), FeesForm::Refund);
    fees.set_amount("100".into());
    k.press("确认退费");
    assert_eq!(tone(&k), Tone::Refusal);
    k.press("好的");
    assert_eq!(
        count(&k, "SELECT count(*) FROM payments WHERE kind = 'refund'"),
        0
    );
    fees.set_reason("12月起改为半天".into());
    k.press("确认退费");
    assert_eq!(tone(&k), Tone::Success, "{}", k.notice());
    k.press("好的");
    assert_eq!(
        k.query("SELECT amount_fen || ' ' || method FROM payments WHERE kind = 'refund'"),
        ["10000 cash"]
    );

    // The staff home's 收费: the day's takings, cash net of the refund, and its slip.
    k.press("返回上一步");
    k.press("返回上一步");
    k.press("返回上一步");
    assert_eq!(k.screen(), Screen::StaffHome, "{}", k.notice());
    k.press("收费与当日汇总");
    assert_eq!(k.screen(), Screen::Fees);
    assert!(!fees.get_for_resident());
    assert!(
        fees.get_summary().contains("125.00"),
        "{}",
        fees.get_summary()
    );
    assert_eq!(fees.get_payments().row_count(), 2);
    assert!(
        fees.get_payments().iter().all(|p| !p.who.contains(&child)),
        "the day's list masks the name"
    );
    k.press("打印今天的收费日结单");
    assert_eq!(tone(&k), Tone::Success, "{}", k.notice());
    k.press("好的");
    assert_eq!(
        count(
            &k,
            "SELECT count(*) FROM slips WHERE kind = 'daily_cash_summary'"
        ),
        1
    );
    k.press("导出今天的收费日结表");
    assert_eq!(tone(&k), Tone::Success, "{}", k.notice());
    let file = k
        .store
        .lock()
        .unwrap()
        .data_dir()
        .join(format!("exports/fees-summary-{}.csv", arrival().date()));
    let csv = std::fs::read_to_string(&file).unwrap();
    assert!(csv.starts_with('\u{feff}'), "Excel reads it as UTF-8");
    assert!(
        csv.contains(",cash,1,22500,1,10000,12500\r\n"),
        "the day's cash in fen, CRLF lines: {csv}"
    );
    linli::clock::pin_this_thread(None);
}

/// The resident types their own new PIN twice at the desk (staff hand the screen over
/// and never type it), then signs in with it at the kiosk; a card issued and reported
/// lost at the same page stops working at once; a reset clears a forgotten PIN.
#[test]
fn a_resident_chooses_their_own_pin_at_the_desk_and_a_lost_card_stops_at_once() {
    use linli::kiosk::{KioskAdapter, ResidentPinAdapter, Session};
    let k = desk_at(arrival());
    sign_in(&k, "S001");
    // One who holds their phone's one PIN.
    let (id, name, phone) = &adult_with_phone(
        &k,
        "AND EXISTS (SELECT 1 FROM resident_pins p WHERE p.id_number = r.id_number)
         AND NOT EXISTS (SELECT 1 FROM resident_pins p JOIN residents o ON o.id_number = p.id_number
                         WHERE o.phone = r.phone AND o.id_number <> r.id_number)",
    );
    let (id, name, phone) = (id.as_str(), name.as_str(), phone.as_str());
    open_resident(&k, name, id);
    let page = k.window.global::<DeskResidentAdapter>();
    assert_eq!(page.get_pin_status(), "已设置");
    let pins = |k: &Kiosk| {
        count(
            k,
            &format!("SELECT count(*) FROM resident_pins WHERE id_number = '{id}'"),
        )
    };
    // They forgot it: a reset, and the old PIN no longer works.
    k.press("重置自助机密码并解锁");
    assert_eq!(tone(&k), Tone::Success, "{}", k.notice());
    k.press("好的");
    assert_eq!(page.get_pin_status(), "未设置");
    assert_eq!(pins(&k), 0);

    let pins_set_before = count(
        &k,
        "SELECT count(*) FROM audit_log WHERE action = 'resident_pin_set' AND actor LIKE '%S001%'",
    );
    k.press("请居民本人在屏幕上设置自助机密码");
    assert_eq!(k.screen(), Screen::ResidentPin);
    let pad = k.window.global::<ResidentPinAdapter>();
    assert!(pad.get_name().contains(name));
    // Two different PINs: said so, and the resident starts again.
    k.type_digits("258036");
    assert_eq!((pad.get_step(), pad.get_pin_length()), (2, 0));
    k.type_digits("258037");
    assert!(
        pad.get_message().contains("不一致"),
        "{}",
        pad.get_message()
    );
    assert_eq!(pad.get_step(), 1);
    // A PIN anyone would guess is refused in words; nothing saved.
    k.type_digits("111111");
    k.type_digits("111111");
    assert_eq!(tone(&k), Tone::Refusal, "{}", k.notice());
    k.press("好的");
    assert_eq!(pins(&k), 0);
    // The same PIN twice: saved, audited with the staff member, never shown.
    k.type_digits("258036");
    k.type_digits("258036");
    assert_eq!(tone(&k), Tone::Success, "{}", k.notice());
    assert_eq!(k.screen(), Screen::DeskResident);
    assert_eq!(page.get_pin_status(), "已设置");
    k.press("好的");
    assert_eq!(pins(&k), 1);
    assert_eq!(
        count(&k, "SELECT count(*) FROM audit_log WHERE action = 'resident_pin_set' AND actor LIKE '%S001%'"),
        pins_set_before + 1
    );

    // A new card for them, then reported lost, typed as the reader reads it. (With
    // more than one card in use, an empty number is refused: which one is lost?)
    let cards_before = page.get_cards().row_count();
    page.set_card_number("88001234".into());
    k.press("发卡或补卡");
    assert_eq!(tone(&k), Tone::Success, "{}", k.notice());
    k.press("好的");
    assert_eq!(page.get_cards().row_count(), cards_before + 1);
    assert!(page.get_cards().iter().any(|c| c == "…1234"));
    if cards_before > 0 {
        k.press("挂失居民卡");
        assert_eq!(tone(&k), Tone::Refusal, "{}", k.notice());
        k.press("好的");
    }
    page.set_card_number("88001234".into());
    k.press("挂失居民卡");
    assert_eq!(tone(&k), Tone::Success, "{}", k.notice());
    k.press("好的");
    assert_eq!(page.get_cards().row_count(), cards_before);
    {
        let mut store = k.store.lock().unwrap();
        let by_card = linli::usecase::residents::sign_in_by_card(
            &mut store,
            linli::clock::now(),
            "88001234",
            "258036",
        );
        assert!(by_card.is_err(), "a revoked card signs no one in");
    }

    // The kiosk: their phone and the PIN they chose sign them in.
    k.window.global::<KioskAdapter>().set_desk(false);
    k.window.global::<Session>().invoke_end();
    assert_eq!(k.screen(), Screen::Attract);
    k.sign_in(phone, "258036");
    // Signed in: their household, or their own programmes if they live alone.
    assert!(
        matches!(k.screen(), Screen::Members | Screen::Programmes),
        "{:?}: {}",
        k.screen(),
        k.notice()
    );
}

/// "Show in full" needs a reason and is itself audited; a manager then finds that look
/// in 操作日志 by its action, masked, and exports what the filter found.
#[test]
fn a_look_at_full_numbers_needs_a_reason_and_a_manager_finds_it_in_the_audit_log() {
    use linli::kiosk::AuditLogAdapter;
    let k = desk_at(arrival());
    sign_in(&k, "S003");
    let (id, name, phone) = &adult_with_phone(&k, "");
    let (id, name, phone) = (id.as_str(), name.as_str(), phone.as_str());
    open_resident(&k, name, id);
    let page = k.window.global::<DeskResidentAdapter>();
    let looks = |k: &Kiosk| {
        count(
            k,
            "SELECT count(*) FROM audit_log WHERE action = 'shown_in_full'",
        )
    };
    // No reason: refused, nothing shown.
    k.press("显示完整的身份证号和电话（会记录）");
    assert_eq!(tone(&k), Tone::Refusal, "{}", k.notice());
    assert!(!k.notice().contains(id));
    k.press("好的");
    assert_eq!(looks(&k), 0);
    page.set_reveal_reason("填写区里的表格".into());
    k.press("显示完整的身份证号和电话（会记录）");
    assert_eq!(tone(&k), Tone::Success, "{}", k.notice());
    assert!(
        k.notice().contains(id) && k.notice().contains(phone),
        "{}",
        k.notice()
    );
    k.press("好的");
    assert_eq!(looks(&k), 1);

    // 操作日志, from the staff home.
    k.press("返回上一步");
    k.press("返回上一步");
    assert_eq!(k.screen(), Screen::StaffHome);
    k.press("操作日志：谁在何时做了什么");
    assert_eq!(k.screen(), Screen::AuditLog);
    let log = k.window.global::<AuditLogAdapter>();
    assert!(log.get_entries().row_count() > 0, "the last seven days");
    log.set_action("shown_in_full".into());
    k.press("按条件查询操作日志");
    let entries: Vec<_> = log.get_entries().iter().collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    let masked = linli_core::identity::mask_id_number(id);
    assert!(
        entries[0].contains(&masked) && entries[0].contains("S003") && !entries[0].contains(id),
        "{entries:?}"
    );
    // A date typed wrongly is named; nothing is looked up.
    log.set_from("2026-13-01".into());
    k.press("按条件查询操作日志");
    assert_eq!(tone(&k), Tone::Refusal);
    assert!(k.notice().contains("开始日期"), "{}", k.notice());
    k.press("好的");
    log.set_from("".into());
    // The export: a CSV in the data directory with what the filter found.
    k.press("导出查询结果（CSV）");
    assert_eq!(tone(&k), Tone::Success, "{}", k.notice());
    let title = k
        .window
        .global::<linli::kiosk::Session>()
        .get_notice_title();
    let path = title
        .split_once('：')
        .expect("the path in the notice")
        .1
        .to_string();
    let csv = std::fs::read_to_string(&path).unwrap();
    assert!(csv.contains("shown_in_full") && csv.contains(&masked) && !csv.contains(id));
    k.press("好的");
    k.press("返回上一步");
    assert_eq!(k.screen(), Screen::StaffHome);
}

/// At the desk a resident changes what they consent to (the slip prints for them) and
/// asks for a copy of everything held about them: on screen, masked, and on paper.
#[test]
fn a_resident_consents_to_photos_and_takes_a_copy_of_their_own_record_at_the_desk() {
    let k = desk_at(arrival());
    sign_in(&k, "S001");
    let (id, name, phone) = &adult_with_phone(&k, "");
    open_resident(&k, name, id);
    let page = k.window.global::<DeskResidentAdapter>();
    assert_eq!(page.get_consent_giver(), "本人");
    assert!(!page.get_consent_purposes().contains("活动照片"));
    let slips = |kind: &str| {
        count(
            &k,
            &format!("SELECT count(*) FROM slips WHERE kind = '{kind}'"),
        )
    };
    let consent_slips = slips("consent_slip");
    // Far down the page: the buttons' own callbacks.
    page.set_consent_photos(true);
    page.invoke_save_consent();
    assert_eq!(tone(&k), Tone::Success, "{}", k.notice());
    k.press("好的");
    assert!(
        page.get_consent_purposes().contains("活动照片"),
        "{}",
        page.get_consent_purposes()
    );
    assert_eq!(slips("consent_slip"), consent_slips + 1);
    assert!(k.query(&format!(
        "SELECT purposes FROM consents WHERE resident = '{id}' ORDER BY id DESC LIMIT 1"
    ))[0]
        .contains("photos"));

    let copies = slips("record_copy");
    page.invoke_give_copy();
    assert_eq!(tone(&k), Tone::Success, "{}", k.notice());
    let shown = k.notice();
    assert!(shown.contains(name.as_str()), "{shown}");
    assert!(shown.contains(&id[id.len() - 4..]), "{shown}");
    assert!(
        !shown.contains(id.as_str()) && !shown.contains(phone.as_str()),
        "{shown}"
    );
    assert_eq!(slips("record_copy"), copies + 1);
    assert!(
        count(
            &k,
            "SELECT count(*) FROM audit_log WHERE action = 'record_copy_given' AND actor LIKE '%S001%'"
        ) >= 1
    );
}
