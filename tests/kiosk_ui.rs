//! The kiosk's screens driven headless, by accessible label, as a resident would: the
//! language and large-text switches, starting, the call for staff, and the idle
//! countdown that takes the kiosk back to the attract screen and wipes the session.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use i_slint_backend_testing::{mock_elapsed_time, ElementHandle};
use linli::kiosk::{attract, AppWindow, KioskAdapter, Screen, Session, Theme};
use linli_core::Text;
use slint::ComponentHandle;

const SECOND: std::time::Duration = std::time::Duration::from_secs(1);

fn kiosk() -> AppWindow {
    i_slint_backend_testing::init_no_event_loop();
    let window = AppWindow::new().unwrap();
    let sessions = vec![(
        Text::new("四点半学校", "After-school club"),
        "16:30–18:00".to_string(),
    )];
    attract::connect(&window, Arc::new(Mutex::new(sessions.clone())));
    attract::show(
        &window,
        &attract::AttractSummary {
            centre_name: "海富社区服务中心".into(),
            today: sessions,
            ..Default::default()
        },
    );
    window.show().unwrap();
    window
}

fn press(window: &AppWindow, label: &str) {
    // A moment after the last change: a tap right after one is a double tap, ignored.
    let _ = ElementHandle::find_by_accessible_label(window, label).count();
    mock_elapsed_time(std::time::Duration::from_millis(600));
    let found: Vec<_> = ElementHandle::find_by_accessible_label(window, label).collect();
    assert!(!found.is_empty(), "no control labelled {label:?}");
    found[0].invoke_accessible_default_action();
}

fn shows(window: &AppWindow, label: &str) -> bool {
    ElementHandle::find_by_accessible_label(window, label)
        .next()
        .is_some()
}

#[test]
fn the_language_switch_turns_every_text_english_and_back() {
    let window = kiosk();
    assert!(shows(&window, "点此开始"));
    press(&window, "Switch to English");
    assert_eq!(window.global::<KioskAdapter>().get_language(), "en");
    assert!(
        shows(&window, "Touch to start"),
        "the @tr strings are translated"
    );
    assert!(!shows(&window, "点此开始"));
    let today = window.global::<KioskAdapter>().get_today();
    use slint::Model;
    assert_eq!(
        today.row_data(0).unwrap().name,
        "After-school club",
        "and the data too"
    );

    press(&window, "Switch to Chinese");
    assert!(shows(&window, "点此开始"));
    assert_eq!(today_name(&window), "四点半学校");
}

fn today_name(window: &AppWindow) -> String {
    use slint::Model;
    window
        .global::<KioskAdapter>()
        .get_today()
        .row_data(0)
        .unwrap()
        .name
        .to_string()
}

#[test]
fn large_text_makes_type_at_least_1_4_times_bigger() {
    let window = kiosk();
    let before = window.global::<Theme>().get_body_size();
    press(&window, "大字模式");
    let switch = ElementHandle::find_by_accessible_label(&window, "大字模式")
        .next()
        .unwrap();
    assert_eq!(switch.accessible_checked(), Some(true));
    let after = window.global::<Theme>().get_body_size();
    assert!(after / before >= 1.39, "{before} → {after}");
    press(&window, "大字模式");
    assert_eq!(window.global::<Theme>().get_body_size(), before);
}

#[test]
fn calling_staff_works_from_every_screen() {
    let window = kiosk();
    let calls = Rc::new(Cell::new(0));
    let seen = calls.clone();
    window
        .global::<KioskAdapter>()
        .on_call_staff(move || seen.set(seen.get() + 1));
    press(&window, "呼叫工作人员");
    press(&window, "点此开始");
    assert_eq!(window.global::<Session>().get_screen(), Screen::Identify);
    press(&window, "呼叫工作人员");
    assert_eq!(calls.get(), 2);
}

#[test]
fn after_a_minute_idle_a_countdown_then_back_to_the_start_with_the_session_wiped() {
    let window = kiosk();
    let wiped = Rc::new(Cell::new(false));
    let flag = wiped.clone();
    window.global::<Session>().on_wipe(move || flag.set(true));
    press(&window, "点此开始");
    assert_eq!(window.global::<Session>().get_screen(), Screen::Identify);

    // Mocked time: the timer's first interval starts when it is first evaluated, so a
    // second either way is the test's own granularity.
    let waited = seconds_until(|| shows(&window, "倒计时"), 90);
    assert!(
        (60..=61).contains(&waited),
        "the countdown after a minute, not {waited} s"
    );

    // A touch on "continue" keeps the resident where they were.
    press(&window, "继续使用");
    assert!(!shows(&window, "倒计时"));
    assert_eq!(window.global::<Session>().get_screen(), Screen::Identify);

    let waited = seconds_until(
        || window.global::<Session>().get_screen() == Screen::Attract,
        120,
    );
    assert!(
        (75..=76).contains(&waited),
        "back after 75 s idle, not {waited} s"
    );
    assert!(wiped.get(), "the session's data was wiped");
    assert!(shows(&window, "点此开始"));
}

/// Advances mocked time a second at a time until `done`, returning how many seconds it took.
fn seconds_until(mut done: impl FnMut() -> bool, limit: u32) -> u32 {
    for second in 0..=limit {
        if done() {
            return second;
        }
        mock_elapsed_time(SECOND);
    }
    panic!("not within {limit} s");
}

/// Every .slint file under ui/, with its text.
fn ui_sources() -> Vec<(std::path::PathBuf, String)> {
    let mut stack = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui")];
    let mut sources = Vec::new();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let source = std::fs::read_to_string(&path).unwrap();
                sources.push((path, source));
            }
        }
    }
    sources
}

/// Every @tr string in ui/ has an English translation in the bundled catalogue, so no
/// screen shows Chinese to someone who chose English. (tools/update-translations.sh
/// regenerates the catalogue.)
#[test]
fn every_string_on_screen_has_english() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let po = std::fs::read_to_string(root.join("lang/en/LC_MESSAGES/linli.po")).unwrap();
    let mut translated = std::collections::HashMap::new();
    let mut lines = po.lines().peekable();
    while let Some(line) = lines.next() {
        if let Some(id) = line.strip_prefix("msgid \"") {
            let text = lines.next().unwrap_or_default();
            let value = text.strip_prefix("msgstr \"").unwrap_or_default();
            translated.insert(
                id.trim_end_matches('"').to_string(),
                value.trim_end_matches('"').to_string(),
            );
        }
    }
    let mut untranslated = Vec::new();
    for (path, source) in ui_sources() {
        for piece in source.split("@tr(\"").skip(1) {
            let text = &piece[..piece.find('"').unwrap()];
            if translated
                .get(text)
                .is_none_or(|english| english.is_empty())
            {
                untranslated.push(format!("{}: {text}", path.display()));
            }
        }
    }
    assert!(untranslated.is_empty(), "no English for {untranslated:#?}");
}

/// WCAG 2 contrast ratio of two colours.
fn contrast(a: slint::Color, b: slint::Color) -> f64 {
    let luminance = |c: slint::Color| {
        let channel = |v: u8| {
            let v = f64::from(v) / 255.0;
            if v <= 0.03928 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(c.red()) + 0.7152 * channel(c.green()) + 0.0722 * channel(c.blue())
    };
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

#[test]
fn text_has_at_least_4_5_to_1_contrast_and_targets_are_9_mm() {
    let window = kiosk();
    let theme = window.global::<Theme>();
    for (name, fg) in [
        ("text", theme.get_text()),
        ("muted", theme.get_muted()),
        ("accent", theme.get_accent()),
        ("success", theme.get_success()),
        ("waiting", theme.get_waiting()),
        ("refusal", theme.get_refusal()),
    ] {
        for (ground, bg) in [
            ("background", theme.get_background()),
            ("surface", theme.get_surface()),
            ("success surface", theme.get_success_surface()),
            ("waiting surface", theme.get_waiting_surface()),
            ("refusal surface", theme.get_refusal_surface()),
        ] {
            let ratio = contrast(fg, bg);
            assert!(ratio >= 4.5, "{name} on {ground}: {ratio:.2}:1");
        }
    }
    let on_accent = contrast(theme.get_on_accent(), theme.get_accent());
    assert!(on_accent >= 4.5, "button text on accent: {on_accent:.2}:1");
    // 9 mm on the 10" panel (149 dpi) is 53 px; the 7" one needs fewer.
    assert!(
        theme.get_touch_target() >= 53.0,
        "{}",
        theme.get_touch_target()
    );
}

#[test]
fn demo_data_says_so_on_every_screen_and_a_device_not_set_up_cannot_start() {
    let window = kiosk();
    assert!(!shows(&window, "演示数据"), "real data has no demo strip");
    attract::show(
        &window,
        &attract::AttractSummary {
            centre_name: "宝安区新安街道海富社区服务中心".into(),
            demo: true,
            ..Default::default()
        },
    );
    for screen in [
        Screen::Attract,
        Screen::Identify,
        Screen::StaffSignIn,
        Screen::Programmes,
    ] {
        window.global::<Session>().set_screen(screen);
        assert!(shows(&window, "演示数据"), "no demo strip on {screen:?}");
    }
    window.global::<Session>().set_screen(Screen::Attract);
    attract::show(
        &window,
        &attract::AttractSummary {
            not_set_up: true,
            ..Default::default()
        },
    );
    let start = ElementHandle::find_by_accessible_label(&window, "点此开始")
        .next()
        .unwrap();
    start.invoke_accessible_default_action();
    assert_eq!(
        window.global::<Session>().get_screen(),
        Screen::Attract,
        "nothing to start on a device without a centre"
    );
    assert_eq!(
        window.global::<KioskAdapter>().get_state(),
        linli::kiosk::LoadState::NotSetUp
    );
}

// What is typed on a keypad, kept in Rust (`kiosk::keypad`).
#[test]
fn account_then_pin_then_submit_takes_the_pin_out() {
    let mut entry = linli::kiosk::keypad::Entry::default();
    for d in "123".chars() {
        entry.digit(&d.to_string(), 3);
    }
    entry.digit("4", 3);
    assert_eq!(entry.account, "123", "no more digits than the account has");
    assert_eq!(entry.confirm(3), linli::kiosk::keypad::Confirmed::AskPin);
    assert_eq!(
        entry.confirm(3),
        linli::kiosk::keypad::Confirmed::Incomplete
    );
    for d in "246810".chars() {
        entry.digit(&d.to_string(), 3);
    }
    assert_eq!(
        entry.confirm(3),
        linli::kiosk::keypad::Confirmed::Submit {
            account: "123".into(),
            pin: "246810".into()
        }
    );
    assert!(entry.pin.is_empty());
}

#[test]
fn delete_on_an_empty_pin_goes_back_to_the_account() {
    let mut entry = linli::kiosk::keypad::Entry {
        account: "123".into(),
        pin: "1".into(),
        entering_pin: true,
    };
    entry.delete();
    assert!(entry.entering_pin && entry.pin.is_empty());
    entry.delete();
    assert!(!entry.entering_pin);
    entry.delete();
    assert_eq!(entry.account, "12");
}

/// The panels the kiosk is built for, as device.toml's `[screen]` names them.
const PANELS: [(&str, &str); 3] = [
    (
        "10.1\" 1280×800",
        "[screen]\ndiagonal_inches = 10.1\nwidth = 1280\nheight = 800\n",
    ),
    (
        "7\" 800×480",
        "[screen]\ndiagonal_inches = 7\nwidth = 800\nheight = 480\n",
    ),
    (
        "21.5\" 1080×1920",
        "[screen]\ndiagonal_inches = 21.5\nwidth = 1080\nheight = 1920\n",
    ),
];

/// Every text in ui/ takes its size from the theme (a widget's own size property
/// defaults to one of the theme's), so the theme's sizes are all the sizes there are.
#[test]
fn every_text_takes_its_size_from_the_theme() {
    let allowed = [
        "Theme.title-size",
        "Theme.heading-size",
        "Theme.body-size",
        "Theme.small-size",
        "root.font-size",
        "root.digit-size",
        "root.word-size",
    ];
    let mut odd = Vec::new();
    for (path, source) in ui_sources() {
        for line in source.lines() {
            let Some(value) = line.split("font-size:").nth(1) else {
                continue;
            };
            let value = value.split(';').next().unwrap_or_default().trim();
            // `condition ? size : size` chooses between theme sizes.
            let value = match value.split_once('?') {
                Some((_, choices)) if choices.split(':').all(|c| allowed.contains(&c.trim())) => {
                    "root.font-size"
                }
                _ => value,
            };
            // Staff-only words (the discreet staff entry) may be smaller.
            let staff_only = value == "Theme.staff-size" && path.ends_with("attract.slint");
            if !allowed.contains(&value)
                && !staff_only
                && !value.starts_with("max(Theme.small-size")
            {
                odd.push(format!("{}: {value}", path.display()));
            }
        }
    }
    assert!(odd.is_empty(), "sizes not from the theme: {odd:#?}");
}

#[test]
fn in_large_text_what_a_resident_reads_is_at_least_5_5_mm_tall_on_every_panel() {
    let window = kiosk();
    let theme = window.global::<Theme>();
    for (panel, toml) in PANELS {
        let config = linli_hardware::config::DeviceConfig::parse(toml).unwrap();
        let px_per_mm = config.screen.px_per_mm();
        theme.set_px_per_mm(px_per_mm);
        theme.set_large_text(true);
        for (name, size) in [
            ("title", theme.get_title_size()),
            ("heading", theme.get_heading_size()),
            ("body", theme.get_body_size()),
            ("small", theme.get_small_size()),
        ] {
            // A CJK character is 0.88 of its type size tall.
            let glyph_mm = size * 0.88 / px_per_mm;
            assert!(
                glyph_mm >= 5.5,
                "{name} on the {panel} panel: {glyph_mm:.2} mm"
            );
        }
        theme.set_large_text(false);
    }
}
