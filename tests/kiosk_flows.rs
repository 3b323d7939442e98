//! The resident's flows on the kiosk, headless, against the demo centre's real
//! use-cases: sign in with phone and PIN, pick a child, sign up (confirmed, or
//! waitlisted with the 轮候 explanation), see why a programme is closed to someone,
//! the PIN lockout, and nothing of the resident left after the session ends.

use crate::common;

use std::sync::{Arc, Mutex};

use i_slint_backend_testing::ElementHandle;
use linli::kiosk::backend::Inline;
use linli::kiosk::{
    identify, AppWindow, EnrolmentsAdapter, HouseholdAdapter, IdentifyAdapter, ProgrammesAdapter,
    RatingAdapter, ResultAdapter, Screen, Session, SlipState, StaffAdapter, Tone, VolunteerAdapter,
};
use linli::store::Store;
use linli::usecase::demo;
use linli_hardware::reader::Token;
use slint::{ComponentHandle, Model};

pub(crate) struct Kiosk {
    pub window: AppWindow,
    pub store: Arc<Mutex<Store>>,
    demo: serde_json::Value,
    pub screens: linli::kiosk::Screens,
    /// Touches so far (each `press` and each key).
    pub touches: std::cell::Cell<u32>,
    _dir: tempfile::TempDir,
}

pub(crate) fn kiosk() -> Kiosk {
    i_slint_backend_testing::init_no_event_loop();
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_in(dir.path()).unwrap();
    let demo = serde_json::to_value(demo::seed(&mut store, linli::clock::now()).unwrap()).unwrap();
    let store = Arc::new(Mutex::new(store));
    let window = AppWindow::new().unwrap();
    let screens =
        linli::kiosk::connect_screens(&window, Inline(store.clone()), Arc::default(), || {});
    window.show().unwrap();
    Kiosk {
        window,
        store,
        demo,
        screens,
        touches: Default::default(),
        _dir: dir,
    }
}

impl Kiosk {
    /// Touches the control labelled `label`, a moment after the last touch (a tap
    /// right after the screen changed is taken for a double tap and ignored).
    pub(crate) fn press(&self, label: &str) {
        // Looking builds what the last change put on screen (a question appears at
        // the next frame), so the moment passes after it, as it would for a person.
        let _ = ElementHandle::find_by_accessible_label(&self.window, label).count();
        i_slint_backend_testing::mock_elapsed_time(std::time::Duration::from_millis(600));
        let found: Vec<_> = ElementHandle::find_by_accessible_label(&self.window, label).collect();
        assert!(
            !found.is_empty(),
            "no control labelled {label:?} on {:?}",
            self.screen()
        );
        self.touches.set(self.touches.get() + 1);
        found[0].invoke_accessible_default_action();
    }

    pub(crate) fn screen(&self) -> Screen {
        self.window.global::<Session>().get_screen()
    }

    pub(crate) fn type_digits(&self, digits: &str) {
        for d in digits.chars() {
            self.press(&d.to_string());
        }
    }

    /// A complete phone number moves on to the PIN by itself, and a complete PIN
    /// signs in: no confirm key.
    pub(crate) fn sign_in(&self, phone: &str, pin: &str) {
        self.press("点此开始");
        self.type_digits(phone);
        self.type_digits(pin);
    }

    /// 报名 on a programme, then 确认报名 on the question that follows.
    pub(crate) fn sign_up(&self, programme: &str) {
        self.press(&format!("报名{programme}"));
        assert!(
            self.window.global::<ProgrammesAdapter>().get_confirming() >= 0,
            "报名 asks first"
        );
        self.press("确认报名");
    }

    /// 返回 until the keypad screen is left: from the PIN to the number, then out.
    pub(crate) fn leave_keypad(&self) {
        while matches!(self.screen(), Screen::Identify | Screen::StaffSignIn) {
            self.press("返回上一步");
        }
    }

    pub(crate) fn notice(&self) -> String {
        let session = self.window.global::<Session>();
        format!(
            "{}\n{}",
            session.get_notice_title(),
            session.get_notice_text()
        )
    }

    pub(crate) fn query(&self, sql: &str) -> Vec<String> {
        let store = self.store.lock().unwrap();
        let mut stmt = store.conn().prepare(sql).unwrap();
        let rows = stmt.query_map([], |r| r.get::<_, String>(0)).unwrap();
        rows.map(Result::unwrap).collect()
    }

    /// A parent's phone and a child of theirs aged `youngest` to `oldest` today, with no
    /// enrolment yet. Ages, not birth dates: the demo's people are born relative to
    /// today, and so are the tests (they run on the real date, whatever it is).
    pub(crate) fn parent_and_child(&self, youngest: i32, oldest: i32) -> (String, String) {
        use chrono::Datelike;
        let today = linli::clock::now().date();
        // 29 February has no match in most years: the 28th stands in.
        let years_ago = |years: i32| {
            today.with_year(today.year() - years).unwrap_or_else(|| {
                today
                    .with_day(28)
                    .unwrap()
                    .with_year(today.year() - years)
                    .unwrap()
            })
        };
        let from = years_ago(oldest + 1).succ_opt().unwrap();
        let to = years_ago(youngest);
        let rows = self.query(&format!(
            "SELECT p.phone || '|' || c.name FROM residents p
             JOIN resident_pins pin ON pin.id_number = p.id_number
             JOIN residents c ON c.household_code = p.household_code
             WHERE c.birth_date BETWEEN '{from}' AND '{to}'
             AND c.id_number NOT IN (SELECT resident FROM enrolments)
             ORDER BY p.id_number LIMIT 1"
        ));
        let (phone, child) = rows[0].split_once('|').unwrap();
        (phone.to_string(), child.to_string())
    }

    /// Signs in a parent with a child aged `youngest` to `oldest` and opens the child's
    /// programmes; the child's name.
    pub(crate) fn child_on_programmes(&self, youngest: i32, oldest: i32) -> String {
        let (phone, child) = self.parent_and_child(youngest, oldest);
        self.sign_in(&phone, demo::DEMO_RESIDENT_PIN);
        self.press(&child);
        child
    }

    /// Gives resident `id` a phone number and a kiosk PIN of their own.
    pub(crate) fn give_pin(&self, id: &str, phone: &str, pin: &str) {
        let mut store = self.store.lock().unwrap();
        store
            .write(&linli::store::Actor::system(), linli::clock::now(), |tx| {
                tx.execute(
                    "UPDATE residents SET phone = ?2 WHERE id_number = ?1",
                    [id, phone],
                )?;
                let hash = linli::usecase::staff::hash_pin(pin);
                linli::usecase::residents::set_pin_in(tx, id, &hash)
            })
            .unwrap();
    }

    pub(crate) fn programme_name(&self, code: &str) -> String {
        self.query(&format!(
            "SELECT json_extract(body, '$.name.zh') FROM programmes WHERE code = '{code}'"
        ))
        .pop()
        .unwrap()
    }

    pub(crate) fn row(&self, name: &str) -> linli::kiosk::ProgrammeRow {
        let adapter = self.window.global::<ProgrammesAdapter>();
        adapter
            .get_available()
            .iter()
            .chain(adapter.get_unavailable().iter())
            .find(|r| r.name == name)
            .unwrap_or_else(|| panic!("no programme {name}"))
    }
}

#[test]
fn a_parent_signs_a_child_up_and_the_slip_is_queued() {
    let k = kiosk();
    let (phone, child) = k.parent_and_child(8, 10);
    k.sign_in(&phone, demo::DEMO_RESIDENT_PIN);
    assert_eq!(
        k.screen(),
        Screen::Members,
        "{}",
        k.window.global::<IdentifyAdapter>().get_message()
    );
    let members = k.window.global::<HouseholdAdapter>().get_members();
    let row = members.iter().find(|m| m.name == child.as_str()).unwrap();
    assert!(
        row.id_masked.contains("********"),
        "IDs are masked: {}",
        row.id_masked
    );

    k.press(&child);
    assert_eq!(k.screen(), Screen::Programmes);
    let after_school = k.programme_name("after-school");
    assert!(k.row(&after_school).reasons.is_empty());
    let slips_before = k.query("SELECT count(*) || '' FROM print_jobs")[0].clone();
    k.sign_up(&after_school);
    assert_eq!(k.screen(), Screen::Result);
    let result = k.window.global::<ResultAdapter>();
    assert_eq!(result.get_tone(), Tone::Success);
    assert_eq!(result.get_title(), "报名成功");
    assert_eq!(result.get_slip(), SlipState::Printing);
    let slips_after = k.query("SELECT count(*) || '' FROM print_jobs")[0].clone();
    assert_ne!(slips_before, slips_after, "the confirmation slip is queued");
    // Back on the list, the programme now shows the place instead of a button.
    k.press("继续报名");
    assert!(k.row(&after_school).enrolled);
}

#[test]
fn a_full_programme_waitlists_with_the_position_and_its_reason() {
    let k = kiosk();
    let _child = k.child_on_programmes(7, 11);
    let lunch = k.programme_name("lunch-care");
    let row = k.row(&lunch);
    assert!(row.reasons.is_empty(), "{}", row.reasons);
    assert!(row.outlook.contains("已满"), "{}", row.outlook);
    let predicted = place_in(&row.outlook);
    k.sign_up(&lunch);
    let result = k.window.global::<ResultAdapter>();
    assert_eq!(
        result.get_tone(),
        Tone::Waiting,
        "waiting is not success, nor refusal"
    );
    assert!(
        result.get_title().contains("轮候"),
        "{}",
        result.get_title()
    );
    assert_eq!(
        place_in(&result.get_title()),
        predicted,
        "the place shown before signing up is the place given"
    );
    assert!(
        !result.get_explanation().is_empty(),
        "the 轮候 rule is explained"
    );
}

#[test]
fn an_ineligible_member_sees_every_reason_and_no_button() {
    let k = kiosk();
    let (phone, _) = k.parent_and_child(8, 10);
    k.sign_in(&phone, demo::DEMO_RESIDENT_PIN);
    // The parent themself: an adult for a children's programme.
    let parent = k.window.global::<HouseholdAdapter>().get_greeting();
    let parent = parent.trim_start_matches("您好，").to_string();
    k.press(&parent);
    let after_school = k.programme_name("after-school");
    let row = k.row(&after_school);
    assert!(!row.reasons.is_empty());
    assert!(
        row.reasons.contains('岁'),
        "the age rule in words: {}",
        row.reasons
    );
    assert!(
        ElementHandle::find_by_accessible_label(&k.window, &format!("报名{after_school}"))
            .next()
            .is_none(),
        "no sign-up button for a closed programme"
    );
}

#[test]
fn five_wrong_pins_pause_sign_in_and_say_to_see_staff() {
    let k = kiosk();
    let (phone, _) = k.parent_and_child(8, 10);
    k.sign_in(&phone, "000000");
    for _ in 0..4 {
        assert_eq!(k.screen(), Screen::Identify);
        assert!(k
            .window
            .global::<IdentifyAdapter>()
            .get_message()
            .contains("不正确"));
        // Still on the PIN: the phone number stays, the PIN is typed again.
        assert!(k.window.global::<IdentifyAdapter>().get_entering_pin());
        k.type_digits("000000");
    }
    let message = k.window.global::<IdentifyAdapter>().get_message();
    assert!(
        message.contains("暂时不能登录") && message.contains("工作人员"),
        "{message}"
    );
    // Even the right PIN waits out the pause.
    k.press("返回上一步");
    k.press("返回上一步");
    k.sign_in(&phone, demo::DEMO_RESIDENT_PIN);
    assert_eq!(k.screen(), Screen::Identify);
}

#[test]
fn ending_the_session_leaves_nothing_of_the_resident() {
    let k = kiosk();
    let _child = k.child_on_programmes(8, 10);
    k.window.global::<Session>().invoke_end();
    assert_eq!(k.screen(), Screen::Attract);
    assert_eq!(
        k.window
            .global::<HouseholdAdapter>()
            .get_members()
            .row_count(),
        0
    );
    assert_eq!(
        k.window
            .global::<ProgrammesAdapter>()
            .get_available()
            .row_count(),
        0
    );
    assert_eq!(k.window.global::<HouseholdAdapter>().get_greeting(), "");
    assert_eq!(k.window.global::<IdentifyAdapter>().get_phone(), "");
}

#[test]
fn a_place_is_cancelled_only_after_are_you_sure() {
    let k = kiosk();
    let child = k.child_on_programmes(8, 10);
    let after_school = k.programme_name("after-school");
    k.sign_up(&after_school);
    k.press("继续报名");
    k.press("我的报名");
    assert_eq!(k.screen(), Screen::Enrolments);
    let rows = k.window.global::<EnrolmentsAdapter>().get_rows();
    assert_eq!(rows.row_count(), 1);

    k.press(&format!("取消{after_school}"));
    assert_eq!(
        k.window.global::<EnrolmentsAdapter>().get_confirming(),
        0,
        "asks first"
    );
    k.press("不，返回");
    assert_eq!(
        k.window
            .global::<EnrolmentsAdapter>()
            .get_rows()
            .row_count(),
        1,
        "nothing changed"
    );

    k.press(&format!("取消{after_school}"));
    k.press("确认取消");
    assert_eq!(
        k.window
            .global::<EnrolmentsAdapter>()
            .get_rows()
            .row_count(),
        0
    );
    assert!(k.notice().contains("已取消"), "{}", k.notice());
    assert_eq!(
        k.window.global::<Session>().get_notice_tone(),
        Tone::Success
    );
    k.press("好的");
    // 返回 goes back one step: to the programmes 我的报名 was opened from.
    k.press("返回上一步");
    assert_eq!(k.screen(), Screen::Programmes);
    let status = k.query(&format!(
        "SELECT e.status FROM enrolments e JOIN residents r ON r.id_number = e.resident
         WHERE r.name = '{child}' AND e.programme_code = 'after-school' ORDER BY e.rowid DESC LIMIT 1"
    ));
    assert_eq!(status, ["cancelled"]);
}

#[test]
fn a_seat_offered_from_the_waiting_list_is_accepted_before_its_deadline() {
    let k = kiosk();
    // Free a lunch-care seat: it is offered to the head of the waiting list.
    let leaver = k.query(
        "SELECT resident FROM enrolments WHERE programme_code = 'lunch-care' AND status = 'confirmed' LIMIT 1",
    );
    {
        let mut store = k.store.lock().unwrap();
        linli::usecase::enrolment::cancel(
            &mut store,
            &linli::store::Actor::kiosk(),
            linli::clock::now(),
            &leaver[0],
            "lunch-care",
            linli::print::Printing::Skip,
        )
        .unwrap();
    }
    let offered = k.query(
        "SELECT resident FROM enrolments WHERE programme_code = 'lunch-care' AND status = 'offered' LIMIT 1",
    );
    // Give the offered person a phone and PIN of their own to sign in with.
    k.give_pin(&offered[0], "13900001111", "135790");
    let name = k.query(&format!(
        "SELECT name FROM residents WHERE id_number = '{}'",
        offered[0]
    ));
    k.sign_in("13900001111", "135790");
    // The offer is flagged on the member list, with its deadline, before any tap.
    let flagged = k
        .window
        .global::<HouseholdAdapter>()
        .get_members()
        .iter()
        .find(|m| m.name == name[0].as_str())
        .unwrap();
    assert!(flagged.offer.contains("前有效"), "{}", flagged.offer);
    k.press("我的报名");
    let lunch = k.programme_name("lunch-care");
    let row = k
        .window
        .global::<EnrolmentsAdapter>()
        .get_rows()
        .iter()
        .find(|r| r.name == lunch.as_str())
        .unwrap();
    assert!(
        row.offered && row.status.contains("保留至"),
        "{}",
        row.status
    );
    k.press(&format!("接受{lunch}的名额"));
    k.press("确认接受");
    assert!(k.notice().contains("已接受"), "{}", k.notice());
    let status = k.query(&format!(
        "SELECT status FROM enrolments WHERE resident = '{}' AND programme_code = 'lunch-care' ORDER BY rowid DESC LIMIT 1",
        offered[0]
    ));
    assert_eq!(status, ["confirmed"]);
}

impl Kiosk {
    /// A phone whose household attended something recently (the demo records the last
    /// three school days before today, whatever today is).
    fn phone_with_something_to_rate(&self) -> Vec<String> {
        // The kiosk offers the last 30 days; the clock is the kiosk's, not SQLite's.
        let since = linli::clock::now().date() - chrono::Duration::days(25);
        let phone = self.query(&format!(
            "SELECT p.phone FROM residents p
             JOIN resident_pins pin ON pin.id_number = p.id_number
             JOIN residents c ON c.household_code = p.household_code
             JOIN attendance a ON a.resident = c.id_number
             JOIN enrolments e ON e.resident = a.resident AND e.programme_code = a.programme_code AND e.status = 'confirmed'
             WHERE a.session_date >= '{since}'
             ORDER BY p.id_number LIMIT 1",
        ));
        assert_eq!(
            phone.len(),
            1,
            "the demo has a household with sessions to rate"
        );
        phone
    }

    pub(crate) fn staff_pin(&self, code: &str) -> String {
        common::demo_pin(&self.demo, code)
    }

    fn staff_sign_in(&self, digits: &str, pin: &str) {
        self.press("工作人员入口");
        assert_eq!(self.screen(), Screen::StaffSignIn);
        self.type_digits(digits);
        self.type_digits(pin);
    }
}

#[test]
fn staff_enter_through_the_discreet_button_and_a_pin_only() {
    let k = kiosk();
    let pin = k.staff_pin("S001");
    k.staff_sign_in("001", &pin);
    assert_eq!(k.screen(), Screen::StaffHome);
    assert!(!k
        .window
        .global::<StaffAdapter>()
        .get_staff_name()
        .is_empty());
    let audited = k.query("SELECT count(*) || '' FROM audit_log WHERE action = 'staff_signed_in' AND subject = 'S001'");
    assert_eq!(audited, ["1"]);
    // Sync as it stands: a demo kiosk was never enrolled, so everything waits here.
    let adapter = k.window.global::<StaffAdapter>();
    assert!(!adapter.get_sync_enrolled());
    let pending = k.query("SELECT count(*) || '' FROM outbox WHERE sent_at IS NULL");
    assert_eq!(adapter.get_sync_pending().to_string(), pending[0]);
    assert_eq!(adapter.get_sync_parked(), 0);
    k.press("退出工作人员模式");
    assert_eq!(k.screen(), Screen::Attract);
    assert_eq!(
        k.window.global::<StaffAdapter>().get_staff_name(),
        "",
        "signed out"
    );
}

#[test]
fn five_wrong_staff_pins_lock_the_keypad_for_five_minutes_whatever_the_number() {
    let k = kiosk();
    // Different staff numbers each time: the keypad's own lock still counts them.
    for code in ["001", "002", "003", "004"] {
        k.staff_sign_in(code, "000000");
        assert_eq!(k.screen(), Screen::StaffSignIn);
        assert!(k
            .window
            .global::<StaffAdapter>()
            .get_message()
            .contains("不正确"));
        k.press("返回上一步");
        k.press("返回上一步");
    }
    k.staff_sign_in("002", "000000");
    assert!(k
        .window
        .global::<StaffAdapter>()
        .get_message()
        .contains("锁定"));
    k.press("返回上一步");
    k.press("返回上一步");
    // The right PIN now is refused without being checked.
    let pin = k.staff_pin("S001");
    k.staff_sign_in("001", &pin);
    assert_eq!(k.screen(), Screen::StaffSignIn);
    assert!(k
        .window
        .global::<StaffAdapter>()
        .get_message()
        .contains("锁定"));
    let audited = k.query("SELECT count(*) || '' FROM audit_log WHERE action = 'staff_signed_in'");
    assert_eq!(audited, ["0"]);
}

#[test]
fn a_card_and_its_pin_sign_in_a_qr_code_never_does_and_neither_takes_over_a_session() {
    let k = kiosk();
    let store = Inline(k.store.clone());
    let (card, name, household) = {
        // A card whose holder has a kiosk PIN.
        let rows = k.query(
            "SELECT c.token || '|' || r.name || '|' || r.household_code FROM resident_cards c
             JOIN residents r ON r.id_number = c.id_number
             JOIN resident_pins p ON p.id_number = c.id_number ORDER BY c.token LIMIT 1",
        );
        let parts: Vec<String> = rows[0].split('|').map(str::to_string).collect();
        (parts[0].clone(), parts[1].clone(), parts[2].clone())
    };
    let state = k.screens.resident.clone();
    let message = || {
        k.window
            .global::<IdentifyAdapter>()
            .get_message()
            .to_string()
    };

    // A QR code carrying the card's number is not the card: it signs nobody in.
    identify::present_token(&k.window, &state, &store, Token::Code(card.clone()));
    assert_eq!(k.screen(), Screen::Identify);
    assert!(message().contains("二维码不能用于登录"), "{}", message());
    assert!(!k.window.global::<IdentifyAdapter>().get_entering_pin());

    // An unregistered card asks for a PIN like any card, and gets the words a wrong
    // PIN gets: the kiosk never says which cards exist.
    identify::present_token(&k.window, &state, &store, Token::Card("123456789".into()));
    assert!(k.window.global::<IdentifyAdapter>().get_entering_pin());
    assert!(message().contains("请输入6位密码"), "{}", message());
    k.type_digits(demo::DEMO_RESIDENT_PIN);
    assert_eq!(k.screen(), Screen::Identify);
    assert!(message().contains("卡片或密码不正确"), "{}", message());

    // The holder's card, then their PIN.
    identify::present_token(&k.window, &state, &store, Token::Card(card.clone()));
    assert_eq!(k.screen(), Screen::Identify, "a card alone opens nothing");
    k.type_digits(demo::DEMO_RESIDENT_PIN);
    assert_eq!(k.screen(), Screen::Members);
    let greeting = k.window.global::<HouseholdAdapter>().get_greeting();
    assert!(greeting.contains(name.as_str()), "{greeting}");
    let members = k
        .window
        .global::<HouseholdAdapter>()
        .get_members()
        .row_count();
    let expected = k.query(&format!(
        "SELECT count(*) || '' FROM residents WHERE household_code = '{household}'"
    ));
    assert_eq!(members.to_string(), expected[0]);

    // Mid-session, another card on the reader changes nothing.
    let other = k.query("SELECT token FROM resident_cards ORDER BY token DESC LIMIT 1");
    identify::present_token(&k.window, &state, &store, Token::Card(other[0].clone()));
    assert_eq!(
        k.window.global::<HouseholdAdapter>().get_greeting(),
        greeting
    );
    let audited = k.query(
        "SELECT action || ' ' || subject FROM audit_log WHERE action IN ('code_presented_at_sign_in', 'resident_sign_in_failed') ORDER BY seq",
    );
    assert_eq!(audited.len(), 2, "{audited:?}");
    assert!(
        audited.iter().all(|a| a.contains("****")),
        "masked: {audited:?}"
    );
}

/// 挂失: a card revoked at the desk stops signing its holder in at once (with the words
/// any wrong card gets), and issuing it again brings it back.
#[test]
fn a_revoked_card_is_refused_at_the_kiosk_and_works_again_once_reissued() {
    let k = kiosk();
    let store = Inline(k.store.clone());
    let (card, holder) = {
        let rows = k.query(
            "SELECT c.token || '|' || c.id_number FROM resident_cards c
             JOIN resident_pins p ON p.id_number = c.id_number ORDER BY c.token LIMIT 1",
        );
        let (card, holder) = rows[0].split_once('|').unwrap();
        (card.to_string(), holder.to_string())
    };
    let desk = linli::usecase::demo::demo_actor("S001");
    let revoked = {
        let mut s = k.store.lock().unwrap();
        linli::usecase::residents::revoke_card(&mut s, &desk, linli::clock::now(), &card).unwrap()
    };
    assert!(revoked.resident.contains("****"), "{revoked:?}");
    assert!(
        !revoked.card.contains(&card),
        "the card number is masked: {revoked:?}"
    );
    // Revoking it twice is refused in words.
    let again = {
        let mut s = k.store.lock().unwrap();
        linli::usecase::residents::revoke_card(&mut s, &desk, linli::clock::now(), &card)
    };
    match again {
        Err(linli::error::AppError::Refused(r)) => assert_eq!(r.code, "card_already_revoked"),
        other => panic!("{other:?}"),
    }
    let state = k.screens.resident.clone();
    identify::present_token(&k.window, &state, &store, Token::Card(card.clone()));
    k.type_digits(demo::DEMO_RESIDENT_PIN);
    assert_eq!(k.screen(), Screen::Identify, "the lost card opens nothing");
    let message = k
        .window
        .global::<IdentifyAdapter>()
        .get_message()
        .to_string();
    assert!(message.contains("卡片或密码不正确"), "{message}");
    // Found again and handed back: the desk issues it again and it works.
    {
        let mut s = k.store.lock().unwrap();
        linli::usecase::residents::issue_card(&mut s, &desk, linli::clock::now(), &holder, &card)
            .unwrap();
    }
    identify::present_token(&k.window, &state, &store, Token::Card(card.clone()));
    k.type_digits(demo::DEMO_RESIDENT_PIN);
    assert_eq!(k.screen(), Screen::Members);
    let audited =
        k.query("SELECT count(*) || '' FROM audit_log WHERE action = 'resident_card_revoked'");
    assert_eq!(audited, ["1"]);
    // Both changes go to the district for the centre's other kiosks.
    let sent =
        k.query("SELECT body FROM outbox WHERE kind = 'card_changed' ORDER BY seq DESC LIMIT 2");
    assert!(sent[0].contains("\"revoked\":false"), "{sent:?}");
    assert!(sent[1].contains("\"revoked\":true"), "{sent:?}");

    // Another kiosk of the centre revokes it later: the district's change stops it
    // here too; an older change arriving late changes nothing.
    use linli_core::sync::{Change, ChangeBody, PullResponse};
    let page = |revoked: bool, at: chrono::NaiveDateTime, cursor| PullResponse {
        changes: vec![Change {
            cursor,
            change: ChangeBody::Card {
                card: card.clone(),
                resident_id_number: holder.clone(),
                revoked,
                changed_at: at,
            },
        }],
        next_cursor: cursor,
        more: false,
        grants: vec![],
        server_time: linli::clock::now(),
    };
    let apply = |response| {
        let mut s = k.store.lock().unwrap();
        linli::sync::apply::page(&mut s, response).unwrap();
    };
    let now = linli::clock::now();
    apply(page(true, now + chrono::Duration::minutes(5), 1_000_000));
    let revoked_here = |k: &Kiosk| {
        k.query(&format!(
            "SELECT (revoked_at IS NOT NULL) || '' FROM resident_cards WHERE token = '{card}'"
        ))
    };
    assert_eq!(
        revoked_here(&k),
        ["1"],
        "revoked at another kiosk, so here too"
    );
    apply(page(false, now - chrono::Duration::days(1), 1_000_001));
    assert_eq!(
        revoked_here(&k),
        ["1"],
        "an older issue does not bring it back"
    );
}

#[test]
fn a_volunteer_clocks_in_and_out_and_the_record_slip_is_queued() {
    let k = kiosk();
    let phone = k.query(common::VOLUNTEER_PHONE);
    k.sign_in(&phone[0], demo::DEMO_RESIDENT_PIN);
    assert!(k.window.global::<VolunteerAdapter>().get_is_volunteer());
    k.press("志愿服务打卡");
    assert_eq!(k.screen(), Screen::Volunteer);
    let start = linli::clock::now();
    linli::clock::pin_this_thread(Some(start));
    k.press("签到：其他志愿服务");
    let adapter = k.window.global::<VolunteerAdapter>();
    assert!(k.notice().contains("已签到"), "{}", k.notice());
    assert_eq!(
        k.window.global::<Session>().get_notice_tone(),
        Tone::Success
    );
    k.press("好的");
    assert_eq!(adapter.get_open_activity(), "其他志愿服务");
    // Under the minimum, 签退 says why before it is tapped, and cannot be.
    assert!(
        adapter.get_clock_out_refused().contains("分钟后才能签退"),
        "{}",
        adapter.get_clock_out_refused()
    );
    let button = ElementHandle::find_by_accessible_label(&k.window, "签退")
        .next()
        .unwrap();
    assert_eq!(button.accessible_enabled(), Some(false));
    // Forty minutes on, it may; it asks first.
    linli::clock::pin_this_thread(Some(start + chrono::Duration::minutes(40)));
    adapter.invoke_open();
    assert_eq!(adapter.get_clock_out_refused(), "");
    k.press("签退");
    assert!(adapter.get_confirming(), "签退 asks first");
    assert_eq!(adapter.get_open_activity(), "其他志愿服务", "nothing yet");
    k.press("确认签退");
    linli::clock::pin_this_thread(None);
    assert!(k.notice().contains("已签退"), "{}", k.notice());
    assert_eq!(adapter.get_open_activity(), "");
    let kinds = k.query(
        "SELECT s.kind FROM print_jobs j JOIN slips s ON s.serial = j.serial ORDER BY j.id DESC LIMIT 1",
    );
    assert_eq!(kinds, ["volunteer_clock_out"]);
}

#[test]
fn a_bad_rating_with_a_reason_opens_a_follow_up_and_each_use_is_rated_once() {
    let k = kiosk();
    let phone = k.phone_with_something_to_rate();
    k.sign_in(&phone[0], demo::DEMO_RESIDENT_PIN);
    k.press("评价服务");
    assert_eq!(k.screen(), Screen::Rating);
    let uses = k.window.global::<RatingAdapter>().get_uses();
    let before = uses.row_count();
    assert!(before > 0, "the household attended something recently");
    let first = uses.row_data(0).unwrap().title.to_string();
    k.press(&format!("评价：{first}"));
    k.press("不满意");
    k.press("原因：等候时间");
    let ratings_before = k.query("SELECT count(*) || '' FROM ratings")[0].clone();
    k.press("提交评价");
    let message = k.notice();
    assert_eq!(
        k.window.global::<Session>().get_notice_tone(),
        Tone::Success
    );
    assert!(
        message.contains("联系"),
        "a bad rating is followed up: {message}"
    );
    let stored = k.query(
        "SELECT level || ' ' || body FROM ratings ORDER BY rated_at DESC, rowid DESC LIMIT 1",
    );
    assert!(
        stored[0].starts_with("2 ") && stored[0].contains("waiting_time"),
        "{}",
        stored[0]
    );
    assert_ne!(
        k.query("SELECT count(*) || '' FROM ratings")[0],
        ratings_before
    );
    assert_eq!(
        k.window.global::<RatingAdapter>().get_uses().row_count(),
        before - 1,
        "a rated use is not offered again"
    );
}

/// The number in "…第N位…".
fn place_in(text: &str) -> u32 {
    let after = &text[text.find('第').unwrap() + '第'.len_utf8()..];
    after[..after.find('位').unwrap()].parse().unwrap()
}

#[test]
fn an_unknown_phone_and_a_wrong_pin_read_and_cost_the_same() {
    let k = kiosk();
    let (phone, _) = k.parent_and_child(8, 10);
    let checks = linli::usecase::staff::pin_checks_on_this_thread;
    let message = || {
        k.window
            .global::<IdentifyAdapter>()
            .get_message()
            .to_string()
    };

    let before = checks();
    k.sign_in("13000000001", "135792");
    let unknown = message();
    assert_eq!(
        checks() - before,
        1,
        "an unknown phone costs one argon2 check"
    );
    k.press("返回上一步");
    k.press("返回上一步");

    let before = checks();
    k.sign_in(&phone, "135792");
    let wrong = message();
    assert_eq!(checks() - before, 1, "a wrong PIN costs one argon2 check");
    assert_eq!(unknown, wrong, "the same words for both");
    k.press("返回上一步");
    k.press("返回上一步");

    let before = checks();
    k.sign_in(&phone, demo::DEMO_RESIDENT_PIN);
    assert_eq!(k.screen(), Screen::Members);
    assert_eq!(checks() - before, 1, "and a right one, one");
}

#[test]
fn five_failures_across_phones_pause_the_kiosk_and_a_restart_does_not_lift_it() {
    let k = kiosk();
    let (phone, _) = k.parent_and_child(8, 10);
    // Five different phone numbers, none of them an account.
    for n in 1..=5 {
        k.sign_in(&format!("1380000000{n}"), "135792");
        assert_eq!(k.screen(), Screen::Identify);
        k.press("返回上一步");
        k.press("返回上一步");
    }
    k.sign_in(&phone, demo::DEMO_RESIDENT_PIN);
    assert_eq!(k.screen(), Screen::Identify, "the kiosk's keypad is paused");
    let message = k
        .window
        .global::<IdentifyAdapter>()
        .get_message()
        .to_string();
    assert!(message.contains("本机居民登录已暂停"), "{message}");

    k.leave_keypad();
    // Five wrong staff PINs lock the staff keypad too.
    for code in ["001", "002", "003", "004", "001"] {
        k.staff_sign_in(code, "000000");
        k.leave_keypad();
    }
    // A new kiosk process on the same data: both pauses hold.
    let path = k.store.lock().unwrap().path().to_path_buf();
    let mut reopened = Store::open(&path).unwrap();
    let now = linli::clock::now();
    let code = |error: linli::error::AppError| match error {
        linli::error::AppError::Refused(refused) => refused.code,
        other => panic!("{other}"),
    };
    let resident =
        linli::usecase::residents::sign_in(&mut reopened, now, &phone, demo::DEMO_RESIDENT_PIN);
    assert_eq!(code(resident.unwrap_err()), "keypad_locked");
    let pin = k.staff_pin("S003");
    let staff = linli::usecase::staff::authenticate_at_keypad(&mut reopened, "S003", &pin, now);
    assert_eq!(code(staff.unwrap_err()), "keypad_locked");
    // The lock lifts after five minutes.
    let later = now + chrono::Duration::minutes(6);
    assert!(linli::usecase::residents::sign_in(
        &mut reopened,
        later,
        &phone,
        demo::DEMO_RESIDENT_PIN
    )
    .is_ok());
}

type Pending = Arc<Mutex<Vec<Box<dyn FnOnce() + Send>>>>;

/// A backend that runs jobs when the test says so, as a busy store thread would.
#[derive(Clone)]
struct Deferred {
    store: Arc<Mutex<Store>>,
    pending: Pending,
}

impl linli::kiosk::backend::Backend for Deferred {
    fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Store) -> T + Send + 'static,
        on_ui: impl FnOnce(T) + Send + 'static,
    ) {
        let store = self.store.clone();
        self.pending.lock().unwrap().push(Box::new(move || {
            let result = job(&mut store.lock().unwrap());
            on_ui(result);
        }));
    }
}

impl Deferred {
    fn finish(&self) {
        let jobs: Vec<_> = std::mem::take(&mut *self.pending.lock().unwrap());
        for job in jobs {
            job();
        }
    }
}

/// A kiosk whose store answers only when the test calls `finish`.
fn deferred_kiosk() -> (Kiosk, Deferred) {
    i_slint_backend_testing::init_no_event_loop();
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_in(dir.path()).unwrap();
    let demo = serde_json::to_value(demo::seed(&mut store, linli::clock::now()).unwrap()).unwrap();
    let store = Arc::new(Mutex::new(store));
    let backend = Deferred {
        store: store.clone(),
        pending: Arc::default(),
    };
    let window = AppWindow::new().unwrap();
    let screens = linli::kiosk::connect_screens(&window, backend.clone(), Arc::default(), || {});
    window.show().unwrap();
    let k = Kiosk {
        window,
        store,
        demo,
        screens,
        touches: Default::default(),
        _dir: dir,
    };
    (k, backend)
}

#[test]
fn a_sign_up_answered_after_the_session_ended_shows_nothing_but_keeps_its_place_and_slip() {
    let (k, backend) = deferred_kiosk();
    let (phone, child) = k.parent_and_child(8, 10);
    k.sign_in(&phone, demo::DEMO_RESIDENT_PIN);
    backend.finish();
    k.press(&child);
    backend.finish();
    let after_school = k.programme_name("after-school");
    k.sign_up(&after_school);
    assert!(
        k.window.global::<ProgrammesAdapter>().get_busy(),
        "the button waits"
    );
    k.window.global::<Session>().invoke_end();
    backend.finish();
    assert_eq!(
        k.screen(),
        Screen::Attract,
        "the result is not shown to the next person"
    );
    assert_eq!(k.window.global::<ResultAdapter>().get_title(), "");
    // What the parent asked for was done and is kept: the place and its slip.
    let placed = k.query(&format!(
        "SELECT count(*) || '' FROM enrolments e JOIN residents r ON r.id_number = e.resident
         WHERE r.name = '{child}' AND e.programme_code = 'after-school'"
    ));
    assert_eq!(placed, ["1"]);
}

#[test]
fn an_answer_that_arrives_after_the_session_ended_never_reaches_the_next_screen() {
    let (k, backend) = deferred_kiosk();
    let (phone, _) = k.parent_and_child(8, 10);
    k.press("点此开始");
    k.type_digits(&phone);
    k.type_digits(demo::DEMO_RESIDENT_PIN);
    // While the PIN is being checked the keys wait.
    assert!(k.window.global::<IdentifyAdapter>().get_busy());
    // The resident walks away and the session ends before the answer comes.
    k.window.global::<Session>().invoke_end();
    backend.finish();
    assert_eq!(k.screen(), Screen::Attract, "the late answer is dropped");
    assert_eq!(k.window.global::<HouseholdAdapter>().get_greeting(), "");
    assert_eq!(
        k.window
            .global::<HouseholdAdapter>()
            .get_members()
            .row_count(),
        0
    );
    // A failed answer gives the key back.
    k.press("点此开始");
    k.type_digits("13000000001");
    k.type_digits("135792");
    assert!(k.window.global::<IdentifyAdapter>().get_busy());
    backend.finish();
    assert!(!k.window.global::<IdentifyAdapter>().get_busy());
    assert!(!k
        .window
        .global::<IdentifyAdapter>()
        .get_message()
        .is_empty());
}

#[test]
fn the_rating_list_is_forgotten_with_the_session() {
    let k = kiosk();
    let phone = k.phone_with_something_to_rate();
    k.sign_in(&phone[0], demo::DEMO_RESIDENT_PIN);
    k.press("评价服务");
    assert!(k.window.global::<RatingAdapter>().get_uses().row_count() > 0);
    k.window.global::<Session>().invoke_end();
    assert_eq!(k.window.global::<RatingAdapter>().get_uses().row_count(), 0);
    // Whatever the screen still held in closures is gone too: a submit now rates nothing.
    let ratings = k.query("SELECT count(*) || '' FROM ratings");
    let adapter = k.window.global::<RatingAdapter>();
    adapter.set_chosen(0);
    adapter.set_level(5);
    adapter.invoke_submit();
    assert_eq!(k.query("SELECT count(*) || '' FROM ratings"), ratings);
}

#[test]
fn a_member_with_a_one_time_pin_chooses_their_own_at_the_keypad_before_anything_else() {
    let k = kiosk();
    let added = {
        let mut store = k.store.lock().unwrap();
        linli::usecase::staff_accounts::add(
            &mut store,
            &demo::demo_actor("S003"),
            linli::clock::now(),
            "S007",
            "孙前台",
            &[linli_core::staff::Role::FrontDesk],
        )
        .unwrap()
    };
    let one_time = added.pin.clone();
    let step = || k.window.global::<StaffAdapter>().get_new_pin_step();
    k.staff_sign_in("007", &one_time);
    assert_eq!(k.screen(), Screen::StaffSignIn, "not in yet");
    assert_eq!(step(), 1, "asked for a PIN of their own");
    // Two different PINs: asked again from the start.
    let own = if one_time == "481937" {
        "592048"
    } else {
        "481937"
    };
    k.type_digits(own);
    assert_eq!(step(), 2);
    k.type_digits("135792");
    assert_eq!(step(), 1);
    assert!(k
        .window
        .global::<StaffAdapter>()
        .get_message()
        .contains("不一致"));
    // A PIN the policy refuses is refused in words, and the step starts again.
    k.type_digits("123456");
    k.type_digits("123456");
    assert_eq!(k.screen(), Screen::StaffSignIn);
    assert!(k
        .window
        .global::<StaffAdapter>()
        .get_message()
        .contains("连续"));
    k.type_digits(own);
    k.type_digits(own);
    assert_eq!(
        k.screen(),
        Screen::StaffHome,
        "signed in with their own PIN"
    );
    assert_eq!(k.window.global::<StaffAdapter>().get_staff_name(), "孙前台");
    k.press("退出工作人员模式");
    // The one-time PIN is spent; their own opens the staff home.
    k.staff_sign_in("007", &one_time);
    assert_eq!(k.screen(), Screen::StaffSignIn);
    assert_eq!(step(), 0);
    k.leave_keypad();
    k.staff_sign_in("007", own);
    assert_eq!(k.screen(), Screen::StaffHome);
    let changed = k.query("SELECT count(*) || '' FROM outbox WHERE kind = 'staff_changed'");
    assert_eq!(
        changed,
        ["2"],
        "the account and the new PIN both go to the district"
    );
}

#[test]
fn a_success_between_failures_does_not_reset_the_keypad_limit() {
    let k = kiosk();
    let (phone, _) = k.parent_and_child(8, 10);
    for n in 1..=4 {
        k.sign_in(&format!("1380000000{n}"), "135792");
        k.leave_keypad();
    }
    // Someone with one good PIN signs in between guesses…
    k.sign_in(&phone, demo::DEMO_RESIDENT_PIN);
    assert_eq!(k.screen(), Screen::Members);
    k.window.global::<Session>().invoke_end();
    // …and the next wrong try still makes the fifth.
    k.sign_in("13800000009", "135792");
    let message = k
        .window
        .global::<IdentifyAdapter>()
        .get_message()
        .to_string();
    assert!(message.contains("本机居民登录已暂停"), "{message}");
}

#[test]
fn the_staff_home_warns_when_the_calendar_runs_out() {
    let k = kiosk();
    let pin = k.staff_pin("S001");
    k.staff_sign_in("001", &pin);
    assert_eq!(k.screen(), Screen::StaffHome);
    let today = linli::clock::now().date();
    let calendar = {
        let store = k.store.lock().unwrap();
        linli::usecase::load::calendar(store.conn()).unwrap()
    };
    let shown = k
        .window
        .global::<StaffAdapter>()
        .get_calendar_warning()
        .to_string();
    match calendar.coverage(today).warning() {
        Some(warning) => assert_eq!(shown, warning.zh, "the staff home says what doctor says"),
        None => assert_eq!(shown, ""),
    }
    // From 2026-11-01 (60 days before the built-in 2026 schedule ends) it always warns.
    if today >= chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap() {
        assert!(shown.contains("节假日安排"), "{shown}");
    }
}
