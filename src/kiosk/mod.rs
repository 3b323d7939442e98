//! Runs the kiosk window: the screens in `ui/`, one adapter module here per adapter
//! global there, each with `connect` (its callbacks) and `clear` (everything of a
//! resident it shows), all called from this file. Data comes through the store
//! worker so the UI thread never touches the database (invariant 8); devices run on
//! their own threads (`devices.rs`).

pub mod attract;
pub mod audit_log;
pub mod backend;
pub mod day_care;
pub mod desk;
pub mod desk_resident;
pub mod desk_work;
pub mod duplicates;
pub mod enrolments;
pub mod fees;
pub mod household;
pub mod household_form;
pub mod identify;
pub mod keypad;
pub mod late_pickups;
pub mod loaders;
pub mod meals;
pub mod member;
pub mod places;
pub mod programmes;
pub mod rating;
pub mod resident_pin;
pub mod result;
pub mod roll_call;
pub mod roster;
pub mod search;
pub mod session;
pub mod slips;
pub mod staff;
pub mod ui;
pub mod volunteer;

use std::path::Path;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use linli_core::Text;
use linli_hardware::gpio::Beep;
use slint::ComponentHandle;

use crate::clock;
use crate::devices::Devices;
use crate::store::worker::StoreWorker;
use crate::store::Store;
use backend::Backend;
use loaders::Loaders;
use member::{Lists, MemberLoader};
use places::{PlaceLists, PlacesLoader};
use session::{OnSlip, SharedState};
use staff::SharedStaff;
pub use ui::*;

/// Runs the kiosk on `data_dir`; `seed_demo` (`linli --demo`) gives an empty data
/// directory the demo centre first.
pub fn run(data_dir: &Path, seed_demo: bool) -> ExitCode {
    let store = match Store::open_in(data_dir) {
        Ok(store) => store,
        Err(e) => {
            eprintln!("linli: {e}");
            return ExitCode::from(3);
        }
    };
    if seed_demo {
        let _ = crate::store::data_kind::allow_pinned_demo_seed(store.conn(), data_dir);
    }
    let worker = StoreWorker::spawn(store);
    let _offers = crate::offer_sweep::OfferSweep::spawn(worker.clone(), crate::offer_sweep::EVERY);
    let shared_sessions: Arc<Mutex<Vec<(Text, String)>>> = Arc::default();
    // Held until the window closes: dropping it stops the readers.
    let mut devices = Devices::start(data_dir, &worker);
    let window = match AppWindow::new() {
        Ok(window) => window,
        Err(e) => {
            eprintln!("linli: cannot open the kiosk window: {e}");
            return ExitCode::from(4);
        }
    };
    let print = devices.print.clone();
    let sync = devices.sync.clone();
    let screens = connect_screens(
        &window,
        worker.clone(),
        shared_sessions.clone(),
        move || {
            if let Some(print) = &print {
                print.wake();
            }
            // The district hears of it as soon as the network allows.
            sync.wake();
        },
    );
    connect_devices(&window, &worker, &devices);
    watch_readers(
        &window,
        &worker,
        &screens.resident,
        devices.take_reader_events(),
    );
    window
        .global::<KioskAdapter>()
        .set_state(LoadState::Loading);
    attract::set_date(&window, clock::now().date());
    window
        .global::<Theme>()
        .set_px_per_mm(devices.screen.px_per_mm());
    if devices.role == linli_hardware::config::DeviceRole::Desk {
        make_desk(&window);
    }
    let weak = window.as_weak();
    let sessions = shared_sessions.clone();
    worker.run(
        move |store| attract::load_summary(store, seed_demo, clock::now()),
        move |result| {
            let _ = slint::invoke_from_event_loop(move || {
                let Some(window) = weak.upgrade() else { return };
                match result {
                    Ok(summary) => {
                        *sessions.lock().expect("sessions lock") = summary.today.clone();
                        attract::show(&window, &summary);
                    }
                    Err(e) => {
                        let adapter = window.global::<KioskAdapter>();
                        adapter.set_problem(e.to_string().into());
                        adapter.set_state(LoadState::Failed);
                    }
                }
            });
        },
    );

    if let Some(problem) = &devices.problem {
        eprintln!("linli: {problem}");
    }
    // The watchdog ping comes from the UI thread's own timer, so a frozen event loop
    // (the one failure a resident would see) is what makes systemd restart the kiosk.
    let watchdog = slint::Timer::default();
    if let Some(interval) = linli_hardware::watchdog::watchdog_interval() {
        watchdog.start(slint::TimerMode::Repeated, interval, || {
            let _ = linli_hardware::watchdog::notify_watchdog();
        });
    }
    let _ = linli_hardware::watchdog::notify_ready();

    let outcome = window.run();
    let _ = linli_hardware::watchdog::notify_stopping();
    drop(devices);
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("linli: the kiosk window failed: {e}");
            ExitCode::from(4)
        }
    }
}

/// What the screens hold for the window's life: the resident's session and the
/// staff member's. [`wipe`] clears both and every adapter.
#[derive(Clone)]
pub struct Screens {
    pub resident: SharedState,
    pub staff: SharedStaff,
    pub roll_call: roll_call::SharedRollCall,
    pub search: search::SharedSearch,
    pub roster: roster::SharedRoster,
    pub meals: meals::SharedMeals,
    pub late_pickups: late_pickups::SharedLatePickups,
    pub day_care: day_care::SharedDayCare,
    pub desk_resident: desk_resident::SharedDeskResident,
    pub resident_pin: resident_pin::SharedResidentPin,
    pub household_form: household_form::SharedHouseholdForm,
    pub duplicates: duplicates::SharedDuplicates,
    pub fees: fees::SharedFees,
    pub open_resident: desk_work::OpenResident,
}

/// The household's places are shown on 我的报名 and, as offers waiting for an answer,
/// on the member list.
const PLACE_LISTS: PlaceLists = PlaceLists {
    show: |window, state, places| {
        enrolments::show(window, places);
        household::render(window, state);
    },
    failed: enrolments::failed,
};

/// The member's programmes are shown on the programmes screen.
const MEMBER_LISTS: Lists = Lists {
    show: programmes::show,
    failed: programmes::failed,
};

/// Wires every screen's adapter to `backend`, and the session's end to [`wipe`].
/// `sessions` is today's programmes as the attract screen last loaded them;
/// `on_slip` runs after an action issued a slip.
pub fn connect_screens<B: Backend>(
    window: &AppWindow,
    backend: B,
    sessions: Arc<Mutex<Vec<(Text, String)>>>,
    on_slip: impl Fn() + Send + Sync + 'static,
) -> Screens {
    let resident: SharedState = Arc::default();
    let on_slip: OnSlip = Arc::new(on_slip);
    let loaders = Loaders {
        member: MemberLoader::new(window, &resident, backend.clone(), MEMBER_LISTS),
        places: PlacesLoader::new(backend.clone(), PLACE_LISTS),
    };
    attract::connect(window, sessions);
    identify::connect(window, &resident, backend.clone(), loaders.clone());
    household::connect(window, &resident, loaders.member.clone());
    programmes::connect(
        window,
        &resident,
        backend.clone(),
        on_slip.clone(),
        loaders.clone(),
    );
    enrolments::connect(window, &resident, backend.clone(), on_slip.clone(), loaders);
    volunteer::connect(window, &resident, backend.clone(), on_slip.clone());
    rating::connect(window, &resident, backend.clone());
    let staff = staff::connect(window, backend.clone());
    let roll_call = roll_call::connect(window, backend.clone(), staff.clone());
    let search = search::connect(window, backend.clone(), staff.clone());
    let open_resident = desk_work::OpenResident::default();
    let desk = desk_work::Desk::new(
        window,
        backend,
        staff.clone(),
        on_slip,
        open_resident.clone(),
    );
    let desk_resident = desk_resident::connect(window, desk.clone(), search.clone());
    audit_log::connect(window, desk.clone());
    let screens = Screens {
        resident_pin: resident_pin::connect(window, desk.clone(), desk_resident.clone()),
        household_form: household_form::connect(window, desk.clone()),
        duplicates: duplicates::connect(window, desk.clone()),
        desk_resident,
        resident,
        roster: roster::connect(window, desk.clone()),
        meals: meals::connect(window, desk.clone()),
        late_pickups: late_pickups::connect(window, desk.clone()),
        day_care: day_care::connect(window, desk.clone()),
        fees: fees::connect(window, desk.clone()),
        open_resident,
        staff,
        roll_call,
        search,
    };
    // 返回 on a keypad screen goes back one step on that screen's own entry.
    let (weak, for_back) = (window.as_weak(), screens.clone());
    window.global::<Session>().on_back_from_keypad(move || {
        let Some(window) = weak.upgrade() else { return };
        if window.global::<Session>().get_screen() == Screen::StaffSignIn {
            staff::back(&window, &for_back.staff);
        } else {
            identify::back(&window, &for_back.resident);
        }
    });
    let (weak, for_wipe) = (window.as_weak(), screens.clone());
    window.global::<Session>().on_wipe(move || {
        if let Some(window) = weak.upgrade() {
            wipe(&window, &for_wipe);
        }
    });
    screens
}

/// The kiosk's hardware on screen: the on-screen call for staff and the touch beep.
fn connect_devices(window: &AppWindow, worker: &StoreWorker, devices: &Devices) {
    let weak = window.as_weak();
    let worker = worker.clone();
    let signals = devices.signals.clone();
    window.global::<KioskAdapter>().on_call_staff(move || {
        let weak = weak.clone();
        crate::devices::call_staff(&worker, &signals, "screen", move |went| {
            let _ = weak.upgrade_in_event_loop(move |window| {
                window.global::<KioskAdapter>().set_staff_called(went);
            });
        });
    });
    let signals = devices.signals.clone();
    window.global::<Session>().on_beep(move || {
        signals.lock().expect("signals lock").beep(Beep::Success);
    });
    // A message's tone is heard as well as seen: one beep, two, or three long ones.
    let signals = devices.signals.clone();
    window.global::<Session>().on_sound(move |tone| {
        let beep = match tone {
            Tone::Refusal => Beep::Error,
            Tone::Waiting => Beep::Waiting,
            Tone::Success | Tone::None => Beep::Success,
        };
        signals.lock().expect("signals lock").beep(beep);
    });
}

/// Cards and QR codes from the readers sign residents in, on the UI thread.
fn watch_readers(
    window: &AppWindow,
    worker: &StoreWorker,
    residents: &SharedState,
    events: std::sync::mpsc::Receiver<linli_hardware::reader::ReaderEvent>,
) {
    let (weak, worker, residents) = (window.as_weak(), worker.clone(), residents.clone());
    std::thread::Builder::new()
        .name("linli-readers".into())
        .spawn(move || {
            for event in events.iter() {
                let token = event.token;
                let (worker, residents) = (worker.clone(), residents.clone());
                let _ = weak.upgrade_in_event_loop(move |window| {
                    present_token(&window, &residents, &worker, token);
                });
            }
        })
        .expect("the reader thread starts");
}

/// A card or QR code from a reader, wherever the window is: on a desk's 查找居民 a card
/// is typed into the box for staff (the resident whose card it is is found); on the
/// roll call a child's card checks them in, an adult's collects the child whose 签退
/// box is open; on the
/// attract and identify screens it signs a resident in; elsewhere it is ignored.
pub fn present_token(
    window: &AppWindow,
    residents: &SharedState,
    backend: &impl Backend,
    token: linli_hardware::reader::Token,
) {
    match token {
        linli_hardware::reader::Token::Card(card)
            if window.global::<Session>().get_screen() == Screen::DeskSearch =>
        {
            search::present_card(window, &card);
        }
        linli_hardware::reader::Token::Card(card)
            if window.global::<Session>().get_screen() == Screen::RollCall =>
        {
            window.global::<Session>().invoke_touched();
            window
                .global::<ui::RollCallAdapter>()
                .invoke_card(card.into());
        }
        token => identify::present_token(window, residents, backend, token),
    }
}

/// Clears everything a person left on screen or in memory (invariant 6): the
/// sessions, then every adapter, one line each. The next person starts in Chinese and
/// normal type, whatever the last one chose.
pub fn wipe(window: &AppWindow, screens: &Screens) {
    session::end(&screens.resident);
    attract::reset_choices(window);
    attract::clear(window);
    identify::clear(window);
    household::clear(window);
    programmes::clear(window);
    result::clear(window);
    enrolments::clear(window);
    volunteer::clear(window);
    rating::clear(window);
    staff::clear(window, &screens.staff);
    desk::clear(window);
    roll_call::clear(window, &screens.roll_call);
    search::end(window, &screens.search);
    roster::clear(window, &screens.roster);
    meals::clear(window, &screens.meals);
    late_pickups::clear(window, &screens.late_pickups);
    day_care::clear(window, &screens.day_care);
    desk_resident::clear(window, &screens.desk_resident);
    resident_pin::clear(window, &screens.resident_pin);
    household_form::clear(window, &screens.household_form);
    duplicates::clear(window, &screens.duplicates);
    audit_log::clear(window);
    fees::clear(window, &screens.fees);
    *screens.open_resident.lock().expect("desk resident lock") = None;
}

/// Makes the window a front-desk terminal (`[device] role = "desk"`): it opens on the
/// staff sign-in, shows the desk's screens, and signs staff out after five minutes.
pub fn make_desk(window: &AppWindow) {
    window.global::<KioskAdapter>().set_desk(true);
    window.global::<Session>().invoke_end();
}
