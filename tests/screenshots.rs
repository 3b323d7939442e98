//! The kiosk's screens as residents reach them on the demo centre (real sign-ins,
//! sign-ups, waiting-list places, refusals, shifts: the longest texts each screen
//! shows), on every panel the kiosk is built for: 10.1" 1280×800, 7" 800×480 and a
//! 21.5" portrait 1080×1920, in Chinese and English, normal and large text. Each is
//! drawn by the software renderer with the embedded font and
//!
//! - checked for fit: no text cut off or drawn outside its box (every text is a
//!   `Label`, which says so), none pushed off the screen, and 呼叫工作人员 always on it;
//! - compared pixel for pixel with its reference (a digest of its pixels, in
//!   tests/screenshots/references.txt); every picture is saved in target/screenshots/.
//!
//! `LINLI_UPDATE_SCREENSHOTS=1 cargo test --test tests screenshots` records this run's
//! pictures as the references; look at every changed picture in target/screenshots/
//! before committing the new digests.

use std::path::PathBuf;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use i_slint_backend_testing::{ElementHandle, ElementQuery};
use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType};
use slint::platform::{Platform, PlatformError, WindowAdapter};
use slint::{ComponentHandle, Model, Rgb8Pixel};

use linli::kiosk::backend::Inline;
use linli::kiosk::{
    attract, AppWindow, DeskAdapter, EnrolmentsAdapter, HouseholdAdapter, IdentifyAdapter,
    PlaceAction, ProgrammesAdapter, RatingAdapter, RollCallAdapter, Screen, SearchAdapter, Session,
    StaffAdapter, Theme, VolunteerAdapter,
};
use linli::store::Store;
use linli::usecase::demo;

/// The panels: (width, height) in pixels and the diagonal in inches, as device.toml's
/// `[screen]` says them.
const PANELS: [((u32, u32), f32); 3] =
    [((1280, 800), 10.1), ((800, 480), 7.0), ((1080, 1920), 21.5)];

/// The day the demo is seeded and the flows run: a school day, so every programme runs.
fn today() -> chrono::NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 24)
        .unwrap()
        .and_hms_opt(10, 0, 0)
        .unwrap()
}

/// Where each run's pictures go, to be looked at: `target/screenshots/`.
fn picture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target/screenshots")
        .join(format!("{name}.png"))
}

/// The reference digests: a line per picture, its name and the FNV-1a hash of its
/// pixels. (Digests rather than PNGs: 240 full-size pictures would put tens of
/// megabytes into every change of a screen.)
fn references_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/screenshots/references.txt")
}

fn digest(image: &image::RgbImage) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in image.as_raw() {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{}x{} {hash:016x}", image.width(), image.height())
}

fn references() -> std::collections::BTreeMap<String, String> {
    std::fs::read_to_string(references_file())
        .unwrap_or_default()
        .lines()
        .filter_map(|line| line.split_once(' '))
        .map(|(name, digest)| (name.to_string(), digest.to_string()))
        .collect()
}

/// A platform whose one window is drawn by Slint's software renderer into memory:
/// what the kiosk's device build draws, without a display.
struct Offscreen(Rc<MinimalSoftwareWindow>);

impl Platform for Offscreen {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, PlatformError> {
        Ok(self.0.clone())
    }
}

thread_local! {
    static SURFACE: Rc<MinimalSoftwareWindow> = {
        let surface = MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer);
        slint::platform::set_platform(Box::new(Offscreen(surface.clone()))).unwrap();
        surface
    };
}

fn snapshot(_window: &AppWindow, (width, height): (u32, u32)) -> image::RgbImage {
    let mut pixels = vec![Rgb8Pixel::default(); (width * height) as usize];
    SURFACE.with(|surface| {
        surface.request_redraw();
        surface.draw_if_needed(|renderer| {
            renderer.render(&mut pixels, width as usize);
        });
    });
    let bytes = pixels.iter().flat_map(|p| [p.r, p.g, p.b]).collect();
    image::RgbImage::from_raw(width, height, bytes).unwrap()
}

/// Compares with the reference digest and saves the picture for looking at; a
/// difference is reported, not panicked on, so one run lists every screen that
/// changed. With `LINLI_UPDATE_SCREENSHOTS=1` the digest becomes the reference.
fn compare(
    name: &str,
    image: &image::RgbImage,
    updated: &mut Vec<(String, String)>,
) -> Option<String> {
    let path = picture(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    image.save(&path).unwrap();
    let actual = digest(image);
    if std::env::var("LINLI_UPDATE_SCREENSHOTS").as_deref() == Ok("1") {
        updated.push((name.to_string(), actual));
        return None;
    }
    match references().get(name) {
        None => Some(format!(
            "{name}: no reference; LINLI_UPDATE_SCREENSHOTS=1 records it"
        )),
        Some(expected) if *expected != actual => Some(format!(
            "{name} differs from its reference; this run's picture is {}",
            path.display()
        )),
        Some(_) => None,
    }
}

/// Writes the digests of `updated` into the references, keeping the others.
fn record(updated: Vec<(String, String)>) {
    if updated.is_empty() {
        return;
    }
    // Both languages' tests write here: one at a time.
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _held = LOCK.lock().unwrap();
    let mut all = references();
    all.extend(updated);
    let text: String = all
        .iter()
        .map(|(name, digest)| format!("{name} {digest}\n"))
        .collect();
    std::fs::write(references_file(), text).unwrap();
}

/// What does not fit on the screen as drawn: texts cut off or overflowing their box
/// (the `Label`'s own report), texts outside the window (beyond a scrolling list,
/// which may run on below), and 呼叫工作人员 missing or off screen.
pub fn misfits(window: &AppWindow, (width, height): (u32, u32)) -> Vec<String> {
    let (width, height) = (width as f32, height as f32);
    let rect = |e: &ElementHandle| {
        let (p, s) = (e.absolute_position(), e.size());
        (p.x, p.y, p.x + s.width, p.y + s.height)
    };
    let scrolling: Vec<_> = ElementQuery::from_root(window)
        .match_descendants()
        .match_type_name("Flickable")
        .find_all()
        .iter()
        .map(rect)
        .collect();
    let mut problems = Vec::new();
    for label in ElementQuery::from_root(window)
        .match_descendants()
        .match_type_name("Label")
        .find_all()
    {
        let text = label.accessible_label().unwrap_or_default();
        let (left, top, right, bottom) = rect(&label);
        if text.is_empty() || right - left <= 0.0 {
            continue;
        }
        if label.accessible_description().as_deref() == Some("overflow") {
            problems.push(format!("cut off or overflowing: {text:?}"));
        }
        if left < -0.5 || right > width + 0.5 {
            problems.push(format!("beyond the side of the screen: {text:?}"));
        }
        // A list clips what pokes out of its sides.
        let cut_by_a_list = scrolling.iter().any(|&(l, t, r, b)| {
            top >= t - 0.5
                && top < b
                && (left < l - 0.5 || right > r + 0.5)
                && right > l
                && left < r
        });
        if cut_by_a_list {
            problems.push(format!("cut off at the side of a list: {text:?}"));
        }
        let in_a_list = scrolling
            .iter()
            .any(|&(l, t, r, _)| left >= l - 0.5 && right <= r + 0.5 && top >= t - 0.5);
        if (top < -0.5 || bottom > height + 0.5) && !in_a_list {
            problems.push(format!("off the screen: {text:?}"));
        }
    }
    // Controls drawn over one another: a layout given less room than it needs.
    // (A query can meet one element more than once: each is counted once.)
    let mut buttons: Vec<_> = ElementQuery::from_root(window)
        .match_descendants()
        .match_type_name("BigButton")
        .find_all()
        .iter()
        .map(|b| (b.accessible_label().unwrap_or_default(), rect(b)))
        .collect();
    buttons.dedup_by(|a, b| a == b);
    let mut seen = Vec::new();
    buttons.retain(|b| {
        let new = !seen.contains(b);
        seen.push(b.clone());
        new
    });
    for (i, (a, (al, at, ar, ab))) in buttons.iter().enumerate() {
        for (b, (bl, bt, br, bb)) in &buttons[i + 1..] {
            let overlap = al.max(*bl) < ar.min(*br) - 0.5 && at.max(*bt) < ab.min(*bb) - 0.5;
            // Buttons inside a scrolling list may pass under the fixed ones.
            let listed = |(l, t, r, _): (f32, f32, f32, f32)| {
                scrolling.iter().any(|&(sl, st, sr, sb)| {
                    l >= sl - 0.5 && r <= sr + 0.5 && t >= st - 0.5 && t <= sb
                })
            };
            if overlap && !listed((*al, *at, *ar, *ab)) && !listed((*bl, *bt, *br, *bb)) {
                problems.push(format!("{a:?} and {b:?} overlap"));
            }
        }
    }
    for &(left, top, right, bottom) in &scrolling {
        if left < -0.5 || top < -0.5 || right > width + 0.5 || bottom > height + 0.5 {
            problems.push("a scrolling list runs off the screen".to_string());
        }
    }
    let help: Vec<_> = ElementHandle::find_by_accessible_label(window, "呼叫工作人员")
        .chain(ElementHandle::find_by_accessible_label(
            window,
            "Call staff",
        ))
        .collect();
    match help.first() {
        None => problems.push("no 呼叫工作人员".to_string()),
        Some(button) => {
            let (left, top, right, bottom) = rect(button);
            if left < -0.5 || top < -0.5 || right > width + 0.5 || bottom > height + 0.5 {
                problems.push("呼叫工作人员 is pushed off the screen".to_string());
            }
        }
    }
    problems
}

/// A kiosk on the demo centre, drawn offscreen, driven through its adapters' own
/// callbacks (the same ones its buttons call).
struct Kiosk {
    window: AppWindow,
    store: Arc<Mutex<Store>>,
    demo: serde_json::Value,
    language: &'static str,
    _dir: tempfile::TempDir,
}

impl Kiosk {
    fn new(language: &'static str) -> Kiosk {
        SURFACE.with(|_| ());
        linli::clock::pin_this_thread(Some(today()));
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open_in(dir.path()).unwrap();
        let demo = serde_json::to_value(demo::seed(&mut store, today()).unwrap()).unwrap();
        let store = Arc::new(Mutex::new(store));
        let window = AppWindow::new().unwrap();
        let summary = attract::load_summary(&mut store.lock().unwrap(), true, today()).unwrap();
        let sessions = Arc::new(Mutex::new(summary.today.clone()));
        linli::kiosk::connect_screens(&window, Inline(store.clone()), sessions, || {});
        attract::set_date(&window, today().date());
        attract::show(&window, &summary);
        window.show().unwrap();
        let kiosk = Kiosk {
            window,
            store,
            demo,
            language,
            _dir: dir,
        };
        kiosk.start_over();
        kiosk
    }

    /// The attract screen, nobody signed in, in the kiosk's language.
    fn start_over(&self) {
        self.window.global::<Session>().invoke_end();
        self.window
            .global::<linli::kiosk::KioskAdapter>()
            .invoke_select_language(self.language.into());
    }

    fn query(&self, sql: &str) -> String {
        let store = self.store.lock().unwrap();
        store.conn().query_row(sql, [], |r| r.get(0)).unwrap()
    }

    fn type_in(&self, digits: &str) {
        let identify = self.window.global::<IdentifyAdapter>();
        for d in digits.chars() {
            identify.invoke_digit(d.to_string().into());
        }
    }

    fn sign_in(&self, phone: &str, pin: &str) {
        self.start_over();
        self.window.global::<Session>().invoke_go(Screen::Identify);
        self.type_in(phone);
        self.type_in(pin);
    }

    /// A parent with a child of after-school age and no place yet.
    fn parent(&self) -> (String, String) {
        let row = self.query(
            "SELECT p.phone || '|' || c.name FROM residents p
             JOIN resident_pins pin ON pin.id_number = p.id_number
             JOIN residents c ON c.household_code = p.household_code
             WHERE c.birth_date BETWEEN '2016-11-25' AND '2018-11-24'
             AND c.id_number NOT IN (SELECT resident FROM enrolments)
             ORDER BY p.id_number LIMIT 1",
        );
        let (phone, child) = row.split_once('|').unwrap();
        (phone.into(), child.into())
    }

    fn choose(&self, name: &str) {
        let members = self.window.global::<HouseholdAdapter>().get_members();
        let index = members.iter().position(|m| m.name == name).unwrap();
        self.window
            .global::<HouseholdAdapter>()
            .invoke_choose(index as i32);
    }

    fn available(&self, code: &str) -> i32 {
        let name = self.query(&format!(
            "SELECT json_extract(body, '$.name.{}') FROM programmes WHERE code = '{code}'",
            self.language
        ));
        let rows = self.window.global::<ProgrammesAdapter>().get_available();
        rows.iter()
            .position(|r| r.name == name.as_str())
            .unwrap_or_else(|| panic!("{code} is not open to this member")) as i32
    }

    fn volunteer_phone(&self) -> String {
        self.query(crate::common::VOLUNTEER_PHONE)
    }

    fn rating_phone(&self) -> String {
        self.query(
            "SELECT p.phone FROM residents p
             JOIN resident_pins pin ON pin.id_number = p.id_number
             JOIN residents c ON c.household_code = p.household_code
             JOIN attendance a ON a.resident = c.id_number
             JOIN enrolments e ON e.resident = a.resident AND e.programme_code = a.programme_code
                  AND e.status = 'confirmed'
             WHERE a.session_date >= '2026-10-30'
             ORDER BY p.id_number LIMIT 1",
        )
    }
}

/// Draws the screen as it stands on every panel in normal and large text, and says
/// what differs from its references or does not fit.
fn every_panel(
    kiosk: &Kiosk,
    scene: &str,
    problems: &mut Vec<String>,
    updated: &mut Vec<(String, String)>,
) {
    for panel in PANELS {
        for large in [false, true] {
            one_panel(kiosk, scene, panel, large, problems, updated);
        }
    }
    kiosk.window.global::<Theme>().set_large_text(false);
}

/// A desk screen as it stands on the desk's panel (1280×800, 10.1").
fn desk_panel(
    kiosk: &Kiosk,
    scene: &str,
    large: bool,
    problems: &mut Vec<String>,
    updated: &mut Vec<(String, String)>,
) {
    one_panel(kiosk, scene, PANELS[0], large, problems, updated);
}

fn one_panel(
    kiosk: &Kiosk,
    scene: &str,
    ((width, height), inches): ((u32, u32), f32),
    large: bool,
    problems: &mut Vec<String>,
    updated: &mut Vec<(String, String)>,
) {
    let diagonal_px = ((width * width + height * height) as f32).sqrt();
    let theme = kiosk.window.global::<Theme>();
    theme.set_px_per_mm(diagonal_px / (inches * 25.4));
    theme.set_large_text(large);
    kiosk
        .window
        .window()
        .set_size(slint::PhysicalSize::new(width, height));
    let name = format!(
        "{scene}-{}-{}-{width}x{height}",
        kiosk.language,
        if large { "large" } else { "normal" }
    );
    let image = snapshot(&kiosk.window, (width, height));
    for misfit in misfits(&kiosk.window, (width, height)) {
        problems.push(format!("{name}: {misfit}"));
    }
    problems.extend(compare(&name, &image, updated));
}

/// Every scene, reached as a resident reaches it, in `language`.
fn every_scene(language: &'static str) -> Vec<String> {
    let k = Kiosk::new(language);
    let (mut problems, mut updated) = (Vec::new(), Vec::new());
    let mut scene = |name: &str, k: &Kiosk| every_panel(k, name, &mut problems, &mut updated);
    let session = || k.window.global::<Session>();

    scene("attract", &k);
    let (phone, child) = k.parent();
    k.window.global::<Session>().invoke_go(Screen::Identify);
    k.type_in(&phone[..7]);
    scene("identify-phone", &k);
    k.type_in(&phone[7..]);
    k.type_in("000000");
    assert_eq!(session().get_screen(), Screen::Identify);
    scene("identify-wrong-pin", &k);

    k.sign_in(&phone, demo::DEMO_RESIDENT_PIN);
    assert_eq!(session().get_screen(), Screen::Members);
    scene("members", &k);
    k.choose(&child);
    assert_eq!(session().get_screen(), Screen::Programmes);
    scene("programmes", &k);
    let programmes = k.window.global::<ProgrammesAdapter>();
    programmes.set_show_unavailable(true);
    scene("programmes-not-available", &k);
    programmes.set_show_unavailable(false);
    programmes.set_confirming(k.available("after-school"));
    scene("confirm-sign-up", &k);
    programmes.invoke_sign_up(k.available("after-school"));
    assert_eq!(session().get_screen(), Screen::Result);
    scene("result-signed-up", &k);
    session().invoke_go(Screen::Programmes);
    programmes.invoke_sign_up(k.available("lunch-care"));
    scene("result-waiting", &k);
    k.window
        .global::<HouseholdAdapter>()
        .invoke_show_enrolments();
    assert_eq!(session().get_screen(), Screen::Enrolments);
    scene("enrolments", &k);
    let enrolments = k.window.global::<EnrolmentsAdapter>();
    enrolments.set_action(PlaceAction::Cancel);
    enrolments.set_confirming(0);
    scene("confirm-cancel", &k);
    enrolments.invoke_cancel(0);
    scene("cancelled", &k);

    // An elder in day care: calligraphy clashes, and says so on its card.
    let elder = k.query(
        "SELECT e.resident || '|' || r.name FROM enrolments e JOIN residents r ON r.id_number = e.resident
         WHERE e.programme_code = 'day-care' AND e.status = 'confirmed'
         AND e.resident NOT IN (SELECT resident FROM enrolments WHERE programme_code = 'calligraphy')
         ORDER BY e.resident LIMIT 1",
    );
    let (elder, name) = elder.split_once('|').unwrap();
    {
        let mut store = k.store.lock().unwrap();
        store
            .write(&linli::store::Actor::system(), today(), |tx| {
                tx.execute(
                    "UPDATE residents SET phone = '13900002222' WHERE id_number = ?1",
                    [elder],
                )?;
                let hash = linli::usecase::staff::hash_pin("135790");
                linli::usecase::residents::set_pin_in(tx, elder, &hash)
            })
            .unwrap();
    }
    k.sign_in("13900002222", "135790");
    if session().get_screen() == Screen::Members {
        k.choose(name);
    }
    k.window
        .global::<ProgrammesAdapter>()
        .set_show_unavailable(true);
    scene("programmes-clash", &k);

    let start = today();
    k.sign_in(&k.volunteer_phone(), demo::DEMO_RESIDENT_PIN);
    let volunteer = k.window.global::<VolunteerAdapter>();
    volunteer.invoke_open();
    volunteer.invoke_clock_in(0);
    session().invoke_dismiss();
    linli::clock::pin_this_thread(Some(start + chrono::Duration::minutes(2)));
    volunteer.invoke_open();
    scene("volunteer-just-started", &k);
    linli::clock::pin_this_thread(Some(start + chrono::Duration::minutes(95)));
    volunteer.invoke_open();
    volunteer.set_confirming(true);
    scene("confirm-clock-out", &k);
    linli::clock::pin_this_thread(Some(start));

    k.sign_in(&k.rating_phone(), demo::DEMO_RESIDENT_PIN);
    let rating = k.window.global::<RatingAdapter>();
    rating.invoke_open();
    scene("rating-choose", &k);
    rating.invoke_choose(0);
    rating.set_level(2);
    scene("rating-reasons", &k);

    k.start_over();
    session().invoke_go(Screen::StaffSignIn);
    let staff = k.window.global::<StaffAdapter>();
    staff.invoke_digit("0".into());
    staff.invoke_digit("0".into());
    staff.invoke_digit("1".into());
    scene("staff-sign-in", &k);
    for d in common_pin(&k.demo).chars() {
        staff.invoke_digit(d.to_string().into());
    }
    assert_eq!(session().get_screen(), Screen::StaffHome);
    scene("staff-home", &k);

    // The front desk: a desk terminal's screens, at the desk's 1280×800 panel (staff
    // read them at a counter, not residents at arm's length: normal text only).
    linli::kiosk::make_desk(&k.window);
    // `large`: a screen a resident reads at the desk (their own PIN), in large text too.
    let mut desk_scene = |name: &str, k: &Kiosk, large: bool| {
        desk_panel(k, name, large, &mut problems, &mut updated)
    };
    let staff = k.window.global::<StaffAdapter>();
    for d in "001".chars().chain(common_pin(&k.demo).chars()) {
        staff.invoke_digit(d.to_string().into());
    }
    assert_eq!(session().get_screen(), Screen::StaffHome);
    if k.language == "en" {
        // What 切换 English on the desk's staff home does.
        k.window
            .global::<linli::kiosk::KioskAdapter>()
            .invoke_select_language("en".into());
        k.window.global::<DeskAdapter>().invoke_refresh();
    }
    desk_scene("desk-home", &k, false);
    let after_school = k
        .window
        .global::<DeskAdapter>()
        .get_sessions()
        .iter()
        .position(|s| s.roll_call)
        .expect("a children's session today");
    k.window
        .global::<DeskAdapter>()
        .invoke_open_roll_call(after_school as i32);
    assert_eq!(session().get_screen(), Screen::RollCall);
    desk_scene("roll-call", &k, false);
    let roll = k.window.global::<RollCallAdapter>();
    roll.invoke_check_in_group(0);
    session().invoke_dismiss();
    roll.invoke_check_out(0);
    assert!(roll.get_checking_out() >= 0);
    desk_scene("roll-call-pickup", &k, false);
    roll.set_checking_out(-1);
    session().invoke_go(Screen::StaffHome);
    k.window.global::<DeskAdapter>().invoke_open_search();
    let search = k.window.global::<SearchAdapter>();
    let surname = k.query("SELECT substr(name, 1, 1) FROM residents ORDER BY id_number LIMIT 1");
    search.set_query(surname.as_str().into());
    search.invoke_edited(surname.as_str().into());
    desk_scene("desk-search", &k, false);
    // 名单与轮候, 午托用餐 and 晚接, from the staff home's session rows.
    session().invoke_go(Screen::StaffHome);
    let desk = k.window.global::<DeskAdapter>();
    let lunch = desk
        .get_sessions()
        .iter()
        .position(|s| s.lunch)
        .expect("学生午托 today") as i32;
    desk.invoke_open_roster(lunch);
    assert_eq!(session().get_screen(), Screen::Roster);
    desk_scene("roster", &k, false);
    let roster = k.window.global::<linli::kiosk::RosterAdapter>();
    roster.invoke_withdraw(0);
    desk_scene("roster-reason", &k, false);
    roster.set_action(linli::kiosk::RosterAction::None);
    session().invoke_go(Screen::StaffHome);
    desk.invoke_open_meals(lunch);
    assert_eq!(session().get_screen(), Screen::Meals);
    desk_scene("meals", &k, false);
    k.window
        .global::<linli::kiosk::MealsAdapter>()
        .invoke_show_week(true);
    desk_scene("meals-week", &k, false);
    // The group checked in above is still here at 18:30.
    let evening = today().date().and_hms_opt(18, 30, 0).unwrap();
    linli::clock::pin_this_thread(Some(evening));
    session().invoke_go(Screen::StaffHome);
    desk.invoke_open_late_pickups();
    assert_eq!(session().get_screen(), Screen::LatePickups);
    desk_scene("late-pickups", &k, false);
    k.window
        .global::<linli::kiosk::LatePickupsAdapter>()
        .invoke_open_calls(0);
    desk_scene("late-pickups-call", &k, false);
    linli::clock::pin_this_thread(Some(today()));
    // A child opened from 查找居民: pickup list, diet, an absence ahead.
    session().invoke_go(Screen::StaffHome);
    desk.invoke_open_search();
    open_first_enrolled(&k, "after-school");
    assert_eq!(session().get_screen(), Screen::DeskResident);
    desk_scene("desk-resident", &k, false);
    // The resident types their own new PIN on the desk's keypad: the second time.
    k.window
        .global::<linli::kiosk::DeskResidentAdapter>()
        .invoke_start_set_pin();
    assert_eq!(session().get_screen(), Screen::ResidentPin);
    for d in ["2", "5", "8", "0", "3", "6", "2", "5"] {
        k.window
            .global::<linli::kiosk::ResidentPinAdapter>()
            .invoke_digit(d.into());
    }
    desk_scene("resident-pin", &k, false);
    desk_scene("resident-pin", &k, true);
    // 日间照料: one member on the van and here, one with word sent, the rest to call.
    session().invoke_go(Screen::StaffHome);
    let elders = desk
        .get_sessions()
        .iter()
        .position(|s| s.day_care)
        .expect("day care today") as i32;
    desk.invoke_open_day_care(elders);
    assert_eq!(session().get_screen(), Screen::DayCare);
    let day_care = k.window.global::<linli::kiosk::DayCareAdapter>();
    day_care.invoke_more(0);
    day_care.set_place("海富小区3栋2单元501".into());
    day_care.set_pickup_at("08:10".into());
    day_care.invoke_save_transport();
    session().invoke_dismiss();
    day_care.invoke_pick_up(0);
    session().invoke_dismiss();
    day_care.invoke_arrive(0);
    session().invoke_dismiss();
    day_care.invoke_more(1);
    day_care.set_reason("家属来电：看病".into());
    day_care.invoke_save_absence();
    session().invoke_dismiss();
    desk_scene("day-care", &k, false);
    day_care.invoke_ask_close();
    desk_scene("day-care-close", &k, false);
    day_care.set_form(linli::kiosk::DayCareForm::None);
    // 收费 from a lunch-care child's page, the payment box, then the day's takings.
    session().invoke_go(Screen::StaffHome);
    desk.invoke_open_search();
    open_first_enrolled(&k, "lunch-care");
    let fees = k.window.global::<linli::kiosk::FeesAdapter>();
    fees.invoke_open_for_resident();
    assert_eq!(session().get_screen(), Screen::Fees);
    desk_scene("fees-resident", &k, false);
    fees.invoke_pay(0);
    desk_scene("fees-pay", &k, false);
    fees.invoke_confirm();
    session().invoke_dismiss();
    session().invoke_go(Screen::StaffHome);
    desk.invoke_open_fees();
    assert_eq!(session().get_screen(), Screen::Fees);
    desk_scene("fees-day", &k, false);
    // 操作日志, for the manager: the last seven days.
    session().invoke_end();
    for d in "003"
        .chars()
        .chain(crate::common::demo_pin(&k.demo, "S003").chars())
    {
        staff.invoke_digit(d.to_string().into());
    }
    assert_eq!(session().get_screen(), Screen::StaffHome);
    if k.language == "en" {
        k.window
            .global::<linli::kiosk::KioskAdapter>()
            .invoke_select_language("en".into());
    }
    desk.invoke_open_audit_log();
    assert_eq!(session().get_screen(), Screen::AuditLog);
    desk_scene("audit-log", &k, false);
    // 登记新户: a family typed in, the child's number mistyped, saved: the problems.
    session().invoke_go(Screen::StaffHome);
    desk.invoke_open_new_household();
    assert_eq!(session().get_screen(), Screen::HouseholdForm);
    let form = k.window.global::<linli::kiosk::HouseholdFormAdapter>();
    form.set_address("海富花园9栋903".into());
    let member = |name: &str, first17: &str, phone: &str, relationship: i32| {
        form.set_name(name.into());
        let id = format!(
            "{first17}{}",
            linli_core::identity::check_character(first17).unwrap()
        );
        form.set_id_number(id.as_str().into());
        form.set_phone(phone.into());
        form.set_relationship(relationship);
        form.invoke_put_member();
    };
    member("欧阳建国", "44030619850302121", "13760001234", 0);
    member("林秀英", "44030619870611122", "", 1);
    member("欧阳小雨", "44030620180405123", "", 2);
    desk_scene("household-form", &k, false);
    form.set_name("陈桂芳".into());
    form.set_id_number("440306195801011240".into());
    form.set_relationship(3);
    form.invoke_put_member();
    form.invoke_save();
    session().invoke_dismiss();
    desk_scene("household-form-problems", &k, false);
    // The same family a second time, its head's number retyped: 可能重复, a preview.
    form.invoke_edit_member(3);
    form.set_id_number(
        format!(
            "44030619580101124{}",
            linli_core::identity::check_character("44030619580101124").unwrap()
        )
        .as_str()
        .into(),
    );
    form.invoke_put_member();
    form.invoke_choose_guardian(1);
    form.invoke_save();
    session().invoke_dismiss();
    session().invoke_go(Screen::StaffHome);
    desk.invoke_open_new_household();
    form.set_address("海富花园9栋903".into());
    member("欧阳建国", "44030619850302991", "13760001234", 0);
    form.invoke_save();
    session().invoke_dismiss();
    session().invoke_go(Screen::StaffHome);
    desk.invoke_open_duplicates();
    assert_eq!(session().get_screen(), Screen::Duplicates);
    desk_scene("duplicates", &k, false);
    let duplicates = k.window.global::<linli::kiosk::DuplicatesAdapter>();
    duplicates.invoke_choose(0, 0);
    desk_scene("duplicates-preview", &k, false);
    // Each further desk screen's scenes follow, a block a screen, each starting from
    // the staff home.
    linli::clock::pin_this_thread(None);
    record(updated);
    problems
}

/// Opens, from 查找居民 (already on screen), the page of the first child with a
/// confirmed seat in `programme`, found by name and told apart by their ID's ending.
fn open_first_enrolled(k: &Kiosk, programme: &str) {
    let search = k.window.global::<SearchAdapter>();
    let child = k.query(&format!(
        "SELECT r.name || '|' || substr(e.resident, -4) FROM enrolments e
         JOIN residents r ON r.id_number = e.resident
         WHERE e.programme_code = '{programme}' AND e.status = 'confirmed' ORDER BY e.resident LIMIT 1"
    ));
    let (child, ending) = child.split_once('|').unwrap();
    search.set_query(child.into());
    search.invoke_edited(child.into());
    let found = search
        .get_results()
        .iter()
        .position(|r| r.name == child && r.detail.contains(ending))
        .expect("the child found") as i32;
    search.invoke_open(found);
}

fn common_pin(demo: &serde_json::Value) -> String {
    crate::common::demo_pin(demo, "S001")
}

#[test]
fn every_screen_fits_and_looks_as_it_did_in_chinese() {
    let problems = every_scene("zh");
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn every_screen_fits_and_looks_as_it_did_in_english() {
    let problems = every_scene("en");
    assert!(problems.is_empty(), "{problems:#?}");
}

// The fit check itself: a panel far too small for the kiosk must be reported.
#[test]
fn a_screen_too_small_for_its_words_is_reported() {
    let k = Kiosk::new("en");
    k.window.global::<Theme>().set_large_text(true);
    k.window
        .window()
        .set_size(slint::PhysicalSize::new(360, 240));
    let _ = snapshot(&k.window, (360, 240));
    let problems = misfits(&k.window, (360, 240));
    assert!(
        problems
            .iter()
            .any(|p| p.contains("overflowing") || p.contains("off")),
        "{problems:#?}"
    );
    linli::clock::pin_this_thread(None);
}
