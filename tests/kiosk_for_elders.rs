//! The kiosk as the people it exists for use it, headless against the demo centre's
//! real use-cases: a double tap never does a second thing, a refusal is on the card
//! before the tap in the chosen language, the keypad never moves, nothing that cannot
//! be undone happens without "are you sure?", the next person starts afresh, and a
//! card-and-PIN sign-up takes few touches.

use i_slint_backend_testing::ElementHandle;
use linli::kiosk::{
    HouseholdAdapter, KioskAdapter, ProgrammesAdapter, Screen, Session, Theme, Tone,
    VolunteerAdapter,
};
use linli::usecase::demo;
use linli_hardware::reader::Token;
use slint::platform::{PointerEventButton, WindowEvent};
use slint::{ComponentHandle, LogicalPosition, Model};

use crate::common;
use crate::kiosk_flows::{kiosk, Kiosk};

/// The middle of the control labelled `label`.
fn centre_of(k: &Kiosk, label: &str) -> LogicalPosition {
    let found = ElementHandle::find_by_accessible_label(&k.window, label)
        .next()
        .unwrap_or_else(|| panic!("no control labelled {label:?}"));
    let (at, size) = (found.absolute_position(), found.size());
    LogicalPosition::new(at.x + size.width / 2.0, at.y + size.height / 2.0)
}

/// A finger down and up at `at`, on whatever is there now.
fn tap_at(k: &Kiosk, at: LogicalPosition) {
    let window = k.window.window();
    window.dispatch_event(WindowEvent::PointerPressed {
        position: at,
        button: PointerEventButton::Left,
    });
    window.dispatch_event(WindowEvent::PointerReleased {
        position: at,
        button: PointerEventButton::Left,
    });
}

/// Two taps on one spot, as fast as a shaking finger makes them.
fn double_tap(k: &Kiosk, label: &str) {
    let _ = ElementHandle::find_by_accessible_label(&k.window, label).count();
    i_slint_backend_testing::mock_elapsed_time(std::time::Duration::from_millis(600));
    let at = centre_of(k, label);
    tap_at(k, at);
    i_slint_backend_testing::mock_elapsed_time(std::time::Duration::from_millis(120));
    tap_at(k, at);
}

fn volunteer_phone(k: &Kiosk) -> String {
    k.query(common::VOLUNTEER_PHONE).remove(0)
}

#[test]
fn a_double_tap_on_clock_out_clocks_out_once_and_never_clocks_back_in() {
    let k = kiosk();
    let phone = volunteer_phone(&k);
    let start = linli::clock::now();
    linli::clock::pin_this_thread(Some(start));
    k.sign_in(&phone, demo::DEMO_RESIDENT_PIN);
    k.press("志愿服务打卡");
    k.press("签到：其他志愿服务");
    k.press("好的");
    let volunteer =
        k.query("SELECT volunteer FROM shifts WHERE status = 'open' ORDER BY rowid DESC LIMIT 1");
    let shifts = || {
        k.query(&format!(
            "SELECT status FROM shifts WHERE volunteer = '{}' ORDER BY rowid",
            volunteer[0]
        ))
    };
    let before = shifts().len();
    linli::clock::pin_this_thread(Some(start + chrono::Duration::minutes(45)));
    k.window.global::<VolunteerAdapter>().invoke_open();

    // 签退 twice: the question comes up, and the second tap does not answer it.
    double_tap(&k, "签退");
    assert!(k.window.global::<VolunteerAdapter>().get_confirming());
    assert_eq!(shifts().len(), before, "nothing clocked out yet");
    assert_eq!(shifts().last().unwrap(), "open");

    // 确认签退 twice: one clock-out, and no new shift under the finger.
    double_tap(&k, "确认签退");
    linli::clock::pin_this_thread(None);
    let after = shifts();
    assert_eq!(
        after.len(),
        before,
        "no second shift was started: {after:?}"
    );
    assert_ne!(after.last().unwrap(), "open", "the one shift is closed");
    assert_eq!(
        k.window.global::<Session>().get_notice_tone(),
        Tone::Success,
        "the outcome stays until it is acted on"
    );
    assert!(k.notice().contains("已签退"), "{}", k.notice());
    assert_eq!(
        k.window.global::<Session>().get_notice_slip(),
        linli::kiosk::SlipState::Printing,
        "and its slip is said to be printing, until it has"
    );
}

#[test]
fn a_clash_is_on_the_card_before_the_tap_in_the_language_chosen() {
    let k = kiosk();
    let elder = k.query(
        "SELECT resident FROM enrolments WHERE programme_code = 'day-care'
           AND status = 'confirmed'
           AND resident NOT IN (SELECT resident FROM enrolments WHERE programme_code = 'calligraphy'
                                AND status IN ('confirmed', 'waitlisted', 'offered'))
         ORDER BY resident LIMIT 1",
    );
    k.give_pin(&elder[0], "13900002222", "135790");
    let name = k.query(&format!(
        "SELECT name FROM residents WHERE id_number = '{}'",
        elder[0]
    ));
    k.press("Switch to English");
    k.press("Touch to start");
    k.type_digits("13900002222");
    k.type_digits("135790");
    if k.screen() == Screen::Members {
        k.press(&name[0]);
    }
    assert_eq!(k.screen(), Screen::Programmes);
    let adapter = k.window.global::<ProgrammesAdapter>();
    let calligraphy = k
        .query("SELECT json_extract(body, '$.name.en') FROM programmes WHERE code = 'calligraphy'");
    assert!(
        adapter
            .get_available()
            .iter()
            .all(|row| row.name != calligraphy[0].as_str()),
        "no 报名 on a programme that clashes"
    );
    let card = adapter
        .get_unavailable()
        .iter()
        .find(|row| row.name == calligraphy[0].as_str())
        .expect("the clashing programme is listed as not available");
    assert!(card.reasons.contains("Clashes with"), "{}", card.reasons);
    assert!(
        !card
            .reasons
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "English only: {}",
        card.reasons
    );
}

#[test]
fn the_keypad_does_not_move_for_a_wrong_pin_a_step_or_large_text() {
    let k = kiosk();
    let (phone, _) = k.parent_and_child(8, 10);
    k.press("点此开始");
    let key = |label: &str| {
        let found = ElementHandle::find_by_accessible_label(&k.window, label)
            .next()
            .unwrap();
        (found.absolute_position(), found.size())
    };
    let at_start = [key("1"), key("0"), key("删除一位")];
    k.type_digits(&phone);
    assert!(k
        .window
        .global::<linli::kiosk::IdentifyAdapter>()
        .get_entering_pin());
    assert_eq!(
        [key("1"), key("0"), key("删除一位")],
        at_start,
        "the PIN step"
    );
    k.type_digits("000000");
    let message = k
        .window
        .global::<linli::kiosk::IdentifyAdapter>()
        .get_message();
    assert!(message.contains("不正确"), "{message}");
    assert_eq!(
        [key("1"), key("0"), key("删除一位")],
        at_start,
        "after a refusal"
    );
    k.press("1");
    assert_eq!(
        k.window
            .global::<linli::kiosk::IdentifyAdapter>()
            .get_message(),
        message,
        "the message stays while the PIN is typed again"
    );
    k.window.global::<Theme>().set_large_text(true);
    assert_eq!(
        [key("1"), key("0"), key("删除一位")],
        at_start,
        "in large text"
    );
    k.window.global::<Theme>().set_large_text(false);
    k.leave_keypad();
    k.press("工作人员入口");
    assert_eq!(
        [key("1"), key("0"), key("删除一位")],
        at_start,
        "for staff too"
    );
}

#[test]
fn back_on_the_pin_goes_back_to_the_phone_number_as_typed() {
    let k = kiosk();
    let (phone, _) = k.parent_and_child(8, 10);
    k.press("点此开始");
    k.type_digits(&phone);
    let identify = k.window.global::<linli::kiosk::IdentifyAdapter>();
    assert!(identify.get_entering_pin());
    // The number typed is shown as it is said: 189 0879 2861.
    let grouped = format!("{} {} {}", &phone[..3], &phone[3..7], &phone[7..]);
    assert_eq!(identify.get_phone(), grouped.as_str());
    k.press("返回上一步");
    assert_eq!(k.screen(), Screen::Identify, "one step, not to the start");
    assert!(!identify.get_entering_pin());
    assert_eq!(identify.get_phone(), grouped.as_str());
    k.press("全部清除");
    assert_eq!(identify.get_phone(), "");
}

#[test]
fn signing_up_for_a_fee_asks_first_and_names_the_fee() {
    let k = kiosk();
    let child = k.child_on_programmes(7, 11);
    let adapter = k.window.global::<ProgrammesAdapter>();
    let (index, paid) = adapter
        .get_available()
        .iter()
        .enumerate()
        .find(|(_, row)| !row.enrolled && row.fee.contains('¥'))
        .expect("a programme with a fee is open to the child");
    k.press(&format!("报名{}", paid.name));
    assert_eq!(adapter.get_confirming(), index as i32, "asks first");
    let question = ElementHandle::find_by_accessible_label(&k.window, "请确认")
        .next()
        .expect("the question is on screen");
    assert!(question.is_valid());
    let enrolled = || {
        k.query(&format!(
            "SELECT count(*) || '' FROM enrolments e JOIN residents r ON r.id_number = e.resident
             WHERE r.name = '{child}'"
        ))
    };
    let before = enrolled();
    // The fee, with any waiver, is in the words of the question.
    let fee_named = i_slint_backend_testing::ElementQuery::from_root(&k.window)
        .match_descendants()
        .match_type_name("Label")
        .find_all()
        .iter()
        .any(|l| {
            l.accessible_label()
                .is_some_and(|t| t.contains(&format!("费用：{}", paid.fee)))
        });
    assert!(fee_named, "the fee {} is named", paid.fee);
    k.press("不，返回");
    assert_eq!(adapter.get_confirming(), -1);
    assert_eq!(enrolled(), before, "nothing was signed up");
}

#[test]
fn the_next_person_starts_in_chinese_and_normal_text() {
    let k = kiosk();
    let (phone, _) = k.parent_and_child(8, 10);
    k.press("Switch to English");
    k.press("Large text mode");
    assert!(k.window.global::<Theme>().get_large_text());
    k.press("Touch to start");
    k.type_digits(&phone);
    k.type_digits(demo::DEMO_RESIDENT_PIN);
    assert_eq!(k.screen(), Screen::Members);
    k.press("Sign out");
    assert_eq!(k.screen(), Screen::Attract);
    assert_eq!(k.window.global::<KioskAdapter>().get_language(), "zh");
    assert!(!k.window.global::<Theme>().get_large_text());
    assert!(
        ElementHandle::find_by_accessible_label(&k.window, "点此开始")
            .next()
            .is_some()
    );
}

/// Moves resident `id` into a household of their own.
fn living_alone(k: &Kiosk, id: &str) {
    let store = k.store.lock().unwrap();
    store
        .conn()
        .execute_batch(&format!(
            "INSERT INTO households (code, address, community_code, created_at)
               SELECT 'SOLO-1', address, community_code, created_at FROM households
               WHERE code = (SELECT household_code FROM residents WHERE id_number = '{id}');
             UPDATE residents SET household_code = 'SOLO-1' WHERE id_number = '{id}';"
        ))
        .unwrap();
}

#[test]
fn a_household_of_one_goes_straight_to_its_programmes() {
    let k = kiosk();
    let elder = k.query(
        "SELECT r.id_number FROM residents r WHERE r.birth_date < '1960-01-01'
         AND r.id_number NOT IN (SELECT id_number FROM volunteers)
         ORDER BY r.id_number LIMIT 1",
    );
    living_alone(&k, &elder[0]);
    k.give_pin(&elder[0], "13900003333", "135790");
    k.sign_in("13900003333", "135790");
    assert_eq!(k.screen(), Screen::Programmes, "nobody to choose between");
    // 返回 is one step back: to the household, with rating and 我的报名.
    k.press("返回上一步");
    assert_eq!(k.screen(), Screen::Members);
    assert_eq!(
        k.window
            .global::<HouseholdAdapter>()
            .get_members()
            .row_count(),
        1
    );
}

#[test]
fn a_card_and_pin_sign_up_takes_eight_touches_for_someone_living_alone() {
    let k = kiosk();
    let store = linli::kiosk::backend::Inline(k.store.clone());
    // A card holder, moved to a household of their own.
    let (card, holder) = {
        let row = k.query(
            "SELECT c.token || '|' || c.id_number FROM resident_cards c
             JOIN resident_pins p ON p.id_number = c.id_number
             WHERE c.id_number NOT IN (SELECT id_number FROM volunteers)
             ORDER BY c.token LIMIT 1",
        );
        let (card, holder) = row[0].split_once('|').unwrap();
        (card.to_string(), holder.to_string())
    };
    living_alone(&k, &holder);
    let state = k.screens.resident.clone();
    let touches = k.touches.get();
    linli::kiosk::identify::present_token(&k.window, &state, &store, Token::Card(card.clone()));
    k.type_digits(demo::DEMO_RESIDENT_PIN);
    assert_eq!(k.screen(), Screen::Programmes);
    let adapter = k.window.global::<ProgrammesAdapter>();
    let open = adapter
        .get_available()
        .iter()
        .find(|row| !row.enrolled)
        .expect("something to sign up for");
    k.sign_up(&open.name);
    assert_eq!(k.screen(), Screen::Result);
    // The card is not a touch; six PIN digits, 报名 and 确认报名 are.
    assert_eq!(k.touches.get() - touches, 8);
}

#[test]
fn the_slip_line_says_printed_once_it_is_and_see_staff_when_it_cannot_print() {
    use linli::kiosk::{ResultAdapter, SlipState};
    let k = kiosk();
    let _child = k.child_on_programmes(8, 10);
    let after_school = k.programme_name("after-school");
    k.sign_up(&after_school);
    let result = k.window.global::<ResultAdapter>();
    assert_eq!(result.get_slip(), SlipState::Printing);
    // The printer takes it.
    k.store
        .lock()
        .unwrap()
        .conn()
        .execute("UPDATE print_jobs SET state = 'printed'", [])
        .unwrap();
    i_slint_backend_testing::mock_elapsed_time(std::time::Duration::from_millis(1100));
    assert_eq!(result.get_slip(), SlipState::Printed);

    // The next sign-up's slip meets an empty paper roll: the resident is told to ask staff.
    k.press("继续报名");
    let lunch = k.programme_name("lunch-care");
    k.sign_up(&lunch);
    assert_eq!(result.get_slip(), SlipState::Printing);
    k.store
        .lock()
        .unwrap()
        .conn()
        .execute(
            "UPDATE print_jobs SET last_error = 'paper_out: no paper' WHERE state <> 'printed'",
            [],
        )
        .unwrap();
    i_slint_backend_testing::mock_elapsed_time(std::time::Duration::from_millis(1100));
    assert_eq!(result.get_slip(), SlipState::Failed);
}

#[test]
fn a_touch_anywhere_on_the_start_screen_starts() {
    let k = kiosk();
    i_slint_backend_testing::mock_elapsed_time(std::time::Duration::from_millis(600));
    // The middle of the screen, away from every button.
    let size = k.window.window().size();
    tap_at(
        &k,
        LogicalPosition::new(size.width as f32 / 2.0, size.height as f32 / 2.0),
    );
    assert_eq!(k.screen(), Screen::Identify);
}

#[test]
fn a_double_tap_on_start_does_not_press_what_the_next_screen_puts_there() {
    let k = kiosk();
    let _ = centre_of(&k, "点此开始");
    i_slint_backend_testing::mock_elapsed_time(std::time::Duration::from_millis(600));
    // Near the start button's left end: where the next screen has 返回.
    let start = ElementHandle::find_by_accessible_label(&k.window, "点此开始")
        .next()
        .unwrap();
    let (at, size) = (start.absolute_position(), start.size());
    let finger = LogicalPosition::new(at.x + 60.0, at.y + size.height - 20.0);
    tap_at(&k, finger);
    assert_eq!(k.screen(), Screen::Identify);
    let back = ElementHandle::find_by_accessible_label(&k.window, "返回上一步")
        .next()
        .unwrap();
    let (b, s) = (back.absolute_position(), back.size());
    assert!(
        finger.x >= b.x
            && finger.x <= b.x + s.width
            && finger.y >= b.y
            && finger.y <= b.y + s.height,
        "返回 is under the finger, so the second tap would press it"
    );
    i_slint_backend_testing::mock_elapsed_time(std::time::Duration::from_millis(150));
    tap_at(&k, finger);
    assert_eq!(
        k.screen(),
        Screen::Identify,
        "the second tap of the double tap is ignored"
    );
    // A deliberate tap a moment later is not.
    i_slint_backend_testing::mock_elapsed_time(std::time::Duration::from_millis(600));
    tap_at(&k, finger);
    assert_eq!(k.screen(), Screen::Attract);
}
