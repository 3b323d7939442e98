//! The desk's programme lists (issue 13): 名单与轮候 with an offer made with a reason,
//! 午托用餐 counts after an absence and the kitchen slip, 晚接 with the calls made.

use crate::desk::{count, desk_at, session_named, sign_in, tone};
use crate::kiosk_flows::Kiosk;

use chrono::NaiveDateTime;
use linli::kiosk::{
    DayCareAdapter, DayCareForm, DeskAdapter, LatePickupsAdapter, MealsAdapter, RosterAction,
    RosterAdapter, Screen, Tone,
};
use linli::store::Actor;
use linli::usecase::demo;
use linli_core::absence::{AbsenceReason, AbsenceReport, DayPart};
use slint::{ComponentHandle, Model};

fn at(text: &str) -> NaiveDateTime {
    text.parse().unwrap()
}

fn dismiss(k: &Kiosk) {
    k.press("好的");
}

#[test]
fn the_desk_offers_a_freed_seat_to_the_head_of_the_waiting_list_only_with_a_reason() {
    let k = desk_at(at("2026-11-23T09:00:00"));
    sign_in(&k, "S001");
    // The district adds a seat to 学生午托: one is free for the head of the list.
    k.store
        .lock()
        .unwrap()
        .write(&Actor::system(), linli::clock::now(), |tx| {
            tx.execute(
                "UPDATE programmes SET capacity = capacity + 1,
                     body = json_set(body, '$.capacity', capacity + 1) WHERE code = 'lunch-care'",
                [],
            )?;
            Ok(())
        })
        .unwrap();
    let lunch = session_named(&k, "学生午托");
    k.press(&format!("名单与轮候：{}", lunch.name));
    assert_eq!(k.screen(), Screen::Roster, "{}", k.notice());
    let roster = k.window.global::<RosterAdapter>();
    assert!(
        roster.get_summary().contains("空余 1"),
        "{}",
        roster.get_summary()
    );
    let rows: Vec<_> = roster.get_rows().iter().collect();
    assert!(rows[0].heading.starts_with("轮候名单"), "{rows:?}");
    assert!(rows[0].who.starts_with("1. "), "{rows:?}");
    assert!(
        rows[0].explanation.contains("组"),
        "why they are in their group: {rows:?}"
    );
    // Only the head of the list can be offered the seat: the order is the policy's.
    let offerable: Vec<_> = rows.iter().filter(|r| r.may_offer).collect();
    assert_eq!(offerable.len(), 1, "{rows:?}");
    let head = rows[0].who.to_string();
    let waiting_before = count(&k, "SELECT count(*) FROM enrolments WHERE programme_code = 'lunch-care' AND status = 'waitlisted'");

    k.press(&format!("发出名额：{head}"));
    assert_eq!(roster.get_action(), RosterAction::Offer);
    // No reason: refused in words, nothing changes, the box stays open.
    k.press("确认并记录原因");
    assert_eq!(tone(&k), Tone::Refusal);
    assert!(k.notice().contains("请填写原因"), "{}", k.notice());
    dismiss(&k);
    assert_eq!(roster.get_action(), RosterAction::Offer);
    assert_eq!(
        count(&k, "SELECT count(*) FROM enrolments WHERE programme_code = 'lunch-care' AND status = 'offered'"),
        1,
        "only the demo's own offer"
    );

    let events = count(&k, "SELECT count(*) FROM outbox");
    roster.set_reason("区里新增名额，电话通知家长".into());
    k.press("确认并记录原因");
    assert_eq!(tone(&k), Tone::Success, "{}", k.notice());
    assert!(k.notice().contains("答复期限"), "{}", k.notice());
    dismiss(&k);
    assert_eq!(roster.get_action(), RosterAction::None);
    assert_eq!(
        count(&k, "SELECT count(*) FROM enrolments WHERE programme_code = 'lunch-care' AND status = 'waitlisted'"),
        waiting_before - 1
    );
    let rows: Vec<_> = roster.get_rows().iter().collect();
    let name = head.split(" · ").next().unwrap().trim_start_matches("1. ");
    assert!(
        rows.iter()
            .any(|r| r.who.starts_with(name) && r.detail.contains("答复期限")),
        "the offer is listed with its deadline: {rows:?}"
    );
    let audit = k.query(
        "SELECT actor || ' ' || detail FROM audit_log WHERE action = 'waiting_list_offer_made'",
    );
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert!(audit[0].contains("S001"), "{audit:?}");
    assert!(audit[0].contains("电话通知家长"), "{audit:?}");
    assert!(
        count(&k, "SELECT count(*) FROM outbox") > events,
        "the offer goes to the district"
    );
    linli::clock::pin_this_thread(None);
}

#[test]
fn meal_counts_drop_with_an_absence_and_a_count_above_attendance_is_flagged() {
    let k = desk_at(at("2026-11-23T09:00:00"));
    sign_in(&k, "S001");
    let lunch = session_named(&k, "学生午托");
    assert!(lunch.lunch);
    k.press(&format!("用餐人数：{}", lunch.name));
    assert_eq!(k.screen(), Screen::Meals, "{}", k.notice());
    let meals = k.window.global::<MealsAdapter>();
    let today = |k: &Kiosk| {
        let rows: Vec<_> = k
            .window
            .global::<MealsAdapter>()
            .get_rows()
            .iter()
            .collect();
        assert_eq!(rows.len(), 1, "one lunch-care programme today: {rows:?}");
        rows[0].clone()
    };
    let before = today(&k);
    let cooked: u32 = digits(&before.to_cook);

    // A parent calls: their child is ill today.
    let child = k.query(
        "SELECT resident FROM enrolments WHERE programme_code = 'lunch-care' AND status = 'confirmed' ORDER BY resident LIMIT 1",
    )[0]
        .clone();
    k.store
        .lock()
        .unwrap()
        .write(&demo::demo_actor("S001"), linli::clock::now(), |tx| {
            linli::usecase::absences::report_absence(
                tx,
                "lunch-care",
                &child,
                &AbsenceReport {
                    date: linli::clock::now().date(),
                    part: DayPart::WholeDay,
                    reason: AbsenceReason::Ill,
                    note: None,
                },
            )
        })
        .unwrap();
    k.press("只看今天");
    let after = today(&k);
    assert_eq!(digits(&after.to_cook), cooked - 1, "{after:?}");
    assert!(after.figures.contains("请假 1"), "{after:?}");

    // The week: Monday to Friday, each with its count.
    k.press("看本周每天");
    assert!(meals.get_week());
    let week: Vec<_> = meals.get_rows().iter().collect();
    assert_eq!(week.len(), 5, "{week:?}");

    // 13:00: 30 meals served, with nobody checked in: above the attendance, flagged.
    k.press("只看今天");
    k.press(&format!("登记实际用餐份数：{}", after.name));
    meals.set_count("三十".into());
    k.press("保存用餐份数");
    assert_eq!(tone(&k), Tone::Refusal);
    assert!(
        k.notice().contains("实际用餐份数"),
        "the field is named: {}",
        k.notice()
    );
    dismiss(&k);
    assert_eq!(
        count(&k, "SELECT count(*) FROM meal_counts"),
        0,
        "nothing saved"
    );
    meals.set_count("30".into());
    k.press("保存用餐份数");
    assert_eq!(tone(&k), Tone::Waiting, "{}", k.notice());
    dismiss(&k);
    let flagged = today(&k);
    assert!(flagged.recorded.contains("30"), "{flagged:?}");
    assert!(!flagged.warning.is_empty(), "{flagged:?}");
    assert!(
        meals.get_total().contains("超过出勤"),
        "{}",
        meals.get_total()
    );
    // The count goes to the district, flagged as it is here.
    let sent = k.query("SELECT body FROM outbox WHERE kind = 'meal_count_recorded'");
    assert_eq!(sent.len(), 1);
    assert!(
        sent[0].contains("\"served\":30") && sent[0].contains("\"above_attendance\":true"),
        "{}",
        sent[0]
    );

    // The kitchen's list prints, with the counts.
    let slips = count(&k, "SELECT count(*) FROM slips WHERE kind = 'kitchen_slip'");
    k.press("打印今天的厨房备餐单");
    assert_eq!(tone(&k), Tone::Success, "{}", k.notice());
    assert_eq!(
        count(&k, "SELECT count(*) FROM slips WHERE kind = 'kitchen_slip'"),
        slips + 1
    );
    linli::clock::pin_this_thread(None);
}

fn digits(text: &str) -> u32 {
    text.chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or_else(|_| panic!("a number in {text:?}"))
}

#[test]
fn a_child_still_here_after_closing_is_listed_with_calls_recorded_and_a_number_shown_only_on_request(
) {
    let k = desk_at(at("2026-11-23T16:40:00"));
    sign_in(&k, "S001");
    let after_school = session_named(&k, "四点半学校");
    k.press(&format!("点名：{}", after_school.name));
    let roll = k.window.global::<linli::kiosk::RollCallAdapter>();
    let first: Vec<_> = roll.get_children().iter().collect();
    let child = first[0].name.to_string();
    k.press(&format!("签到{child}"));
    dismiss(&k);

    // Closing is 18:00; with the grace period nobody is late at 18:10…
    linli::clock::pin_this_thread(Some(at("2026-11-23T18:10:00")));
    k.press("返回上一步");
    assert_eq!(k.window.global::<DeskAdapter>().get_uncollected(), 0);
    // …and at 18:30 the child is.
    linli::clock::pin_this_thread(Some(at("2026-11-23T18:30:00")));
    k.press("刷新今天的情况");
    assert_eq!(k.window.global::<DeskAdapter>().get_uncollected(), 1);
    k.press("晚接：联系监护人");
    assert_eq!(k.screen(), Screen::LatePickups, "{}", k.notice());
    let late = k.window.global::<LatePickupsAdapter>();
    let rows: Vec<_> = late.get_rows().iter().collect();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].name, child.as_str());
    assert!(rows[0].detail.contains("晚了30分钟"), "{rows:?}");
    assert!(rows[0].calls.is_empty());

    k.press(&format!("联系监护人：{child}"));
    let contacts: Vec<_> = late.get_contacts().iter().collect();
    assert!(!contacts.is_empty(), "the guardians to call");
    let who = contacts[0].who.to_string();
    assert!(who.contains("****"), "the phone is masked: {who}");
    assert!(contacts[0].full.is_empty());
    let shown = count(
        &k,
        "SELECT count(*) FROM audit_log WHERE action = 'phone_shown_in_full'",
    );
    k.press(&format!("显示完整号码：{who}"));
    let full = late.get_contacts().row_data(0).unwrap().full.to_string();
    assert_eq!(full.len(), 11, "the number to dial: {full}");
    assert!(!full.contains('*'));
    assert_eq!(
        count(
            &k,
            "SELECT count(*) FROM audit_log WHERE action = 'phone_shown_in_full'"
        ),
        shown + 1,
        "every look at a full number is audited"
    );

    late.set_note("妈妈说18:50到".into());
    k.press(&format!("无人接听：{who}"));
    assert_eq!(tone(&k), Tone::Success, "{}", k.notice());
    dismiss(&k);
    let rows: Vec<_> = late.get_rows().iter().collect();
    assert!(rows[0].calls.contains("无人接听"), "{rows:?}");
    assert!(rows[0].calls.contains("妈妈说18:50到"), "{rows:?}");
    // Shown again only on request: the list reloaded without the full number.
    assert!(late.get_contacts().iter().all(|c| c.full.is_empty()));

    k.press(&format!("打印晚接记录单：{child}"));
    assert_eq!(tone(&k), Tone::Success, "{}", k.notice());
    let slip = k.query("SELECT receipt FROM slips WHERE kind = 'late_pickup_slip'");
    assert_eq!(slip.len(), 1);
    assert!(slip[0].contains("无人接听"), "{}", slip[0]);
    assert!(
        !slip[0].contains(&child),
        "the child's name is masked on paper"
    );
    assert!(!slip[0].contains(&full), "no full number on paper");
    linli::clock::pin_this_thread(None);
}

#[test]
fn a_day_care_day_with_a_missing_drop_off_is_flagged_and_cannot_be_closed_silently() {
    let k = desk_at(at("2026-11-23T07:50:00"));
    sign_in(&k, "S001");
    let day_care = session_named(&k, "长者日间照料");
    assert!(day_care.day_care);
    k.press(&format!("日间照料：{}", day_care.name));
    assert_eq!(k.screen(), Screen::DayCare, "{}", k.notice());
    let adapter = k.window.global::<DayCareAdapter>();
    let rows: Vec<_> = adapter.get_rows().iter().collect();
    assert!(rows.len() >= 2, "the day's members: {rows:?}");
    let (first, second) = (rows[0].who.to_string(), rows[1].who.to_string());
    assert!(!first.contains('*'), "staff greet members by name: {first}");
    assert!(rows.iter().all(|r| r.may_arrive && !r.may_pick_up));

    // The van's plan for the first member: a bad time is named and nothing saved.
    k.press(&format!("用餐、请假、接送安排：{first}"));
    assert_eq!(adapter.get_form(), DayCareForm::Member);
    adapter.set_place("海富小区3栋2单元501".into());
    adapter.set_pickup_at("8点".into());
    k.press("保存接送安排");
    assert_eq!(tone(&k), Tone::Refusal);
    assert!(k.notice().contains("接车时间"), "{}", k.notice());
    dismiss(&k);
    assert_eq!(
        adapter.get_form(),
        DayCareForm::Member,
        "the box stays open"
    );
    assert_eq!(count(&k, "SELECT count(*) FROM day_care_days"), 0);
    adapter.set_pickup_at("8：10".into());
    k.press("保存接送安排");
    assert_eq!(tone(&k), Tone::Success, "{}", k.notice());
    dismiss(&k);
    assert_eq!(adapter.get_form(), DayCareForm::None);
    let row = adapter.get_rows().row_data(0).unwrap();
    assert!(row.transport.contains("08:10"), "{row:?}");
    assert!(
        !row.transport.contains("501"),
        "the flat number is not shown: {row:?}"
    );

    // Picked up at 08:12, arrives, has lunch, goes home at 15:30 — never dropped off.
    linli::clock::pin_this_thread(Some(at("2026-11-23T08:12:00")));
    k.press(&format!("接上车：{first}"));
    assert_eq!(tone(&k), Tone::Success, "{}", k.notice());
    dismiss(&k);
    linli::clock::pin_this_thread(Some(at("2026-11-23T08:40:00")));
    k.press(&format!("到达：{first}"));
    dismiss(&k);
    // The second member's family rang: ill today. Everyone else is to be called.
    k.press(&format!("用餐、请假、接送安排：{second}"));
    adapter.set_reason("家属来电：感冒".into());
    k.press("登记请假");
    assert_eq!(tone(&k), Tone::Success, "{}", k.notice());
    dismiss(&k);
    linli::clock::pin_this_thread(Some(at("2026-11-23T12:00:00")));
    k.press(&format!("用餐、请假、接送安排：{first}"));
    k.press("登记午餐");
    dismiss(&k);
    k.press("关闭，回到名单");
    let row = adapter.get_rows().row_data(0).unwrap();
    assert!(row.meals.contains("午餐"), "{row:?}");
    let second_row = adapter.get_rows().row_data(1).unwrap();
    assert!(second_row.status.contains("感冒"), "{second_row:?}");
    assert!(
        second_row.warning.is_empty(),
        "word was sent: {second_row:?}"
    );
    if rows.len() > 2 {
        assert!(
            adapter.get_flags().contains("请打电话"),
            "{}",
            adapter.get_flags()
        );
    }

    linli::clock::pin_this_thread(Some(at("2026-11-23T17:00:00")));
    k.press(&format!("离开：{first}"));
    dismiss(&k);
    let row = adapter.get_rows().row_data(0).unwrap();
    assert!(row.may_drop_off, "{row:?}");
    assert!(row.warning.contains("没有送达"), "{row:?}");
    assert!(
        adapter
            .get_flags()
            .contains(&format!("还没有送达：{first}")),
        "flagged above the list: {}",
        adapter.get_flags()
    );

    // Closing without a reason is refused, in words, naming who; nothing closes.
    k.press("结束今天的日间照料");
    assert_eq!(adapter.get_form(), DayCareForm::Close);
    assert!(adapter.get_on_the_road().contains(&first));
    k.press("确认结束当天");
    assert_eq!(tone(&k), Tone::Refusal);
    assert!(k.notice().contains("未送达"), "{}", k.notice());
    dismiss(&k);
    assert_eq!(adapter.get_form(), DayCareForm::Close);
    assert_eq!(count(&k, "SELECT count(*) FROM day_care_closings"), 0);

    // With the reason it closes, and says so; then nothing more can be recorded.
    adapter.set_close_reason("家属在车站接走，未回中心".into());
    k.press("确认结束当天");
    assert_eq!(tone(&k), Tone::Success, "{}", k.notice());
    dismiss(&k);
    assert_eq!(count(&k, "SELECT count(*) FROM day_care_closings"), 1);
    assert!(
        adapter.get_closed().contains("家属在车站接走"),
        "{}",
        adapter.get_closed()
    );
    // The closing and its reason go to the district.
    let sent = k.query("SELECT body FROM outbox WHERE kind = 'day_care_closed'");
    assert_eq!(sent.len(), 1);
    assert!(
        sent[0].contains("\"open_transport\":1") && sent[0].contains("家属在车站接走"),
        "{}",
        sent[0]
    );
    assert!(adapter
        .get_rows()
        .iter()
        .all(|r| !r.may_drop_off && !r.may_arrive));
    let audit =
        k.query("SELECT actor || ' ' || detail FROM audit_log WHERE action = 'day_care_closed'");
    assert_eq!(audit.len(), 1);
    assert!(
        audit[0].contains("S001") && audit[0].contains("\"open_transport\":1"),
        "{audit:?}"
    );
    linli::clock::pin_this_thread(None);
}
