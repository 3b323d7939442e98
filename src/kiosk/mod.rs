//! Runs the kiosk window: the screens in `ui/`, one adapter module per screen here.
//! Data comes through the store worker so the UI thread never touches the database
//! (invariant 8); devices run on their own threads (`devices.rs`).

pub mod attract;
pub mod backend;
pub mod keypad;
pub mod rating;
pub mod resident;
pub mod staff;
pub mod volunteer;

use std::path::Path;
use std::process::ExitCode;

use std::sync::{Arc, Mutex};

use linli_core::Text;
use slint::ComponentHandle;

use crate::clock;
use crate::devices::Devices;
use crate::store::worker::StoreWorker;
use crate::store::Store;
use linli_hardware::gpio::Beep;

slint::include_modules!();

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
    let residents = connect(&window, &worker, &devices, shared_sessions.clone());
    watch_readers(&window, &worker, &residents, devices.take_reader_events());
    window
        .global::<KioskAdapter>()
        .set_state(LoadState::Loading);
    attract::set_date(&window, clock::now().date());
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

/// Wires the window's callbacks: language, the on-screen call for staff, the touch beep,
/// and the wipe that ends a resident's session.
fn connect(
    window: &AppWindow,
    worker: &StoreWorker,
    devices: &Devices,
    sessions: Arc<Mutex<Vec<(Text, String)>>>,
) -> resident::SharedState {
    attract::connect(window, sessions);
    let print = devices.print.clone();
    let sync = devices.sync.clone();
    let state = resident::connect(window, worker.clone(), move || {
        if let Some(print) = &print {
            print.wake();
        }
        // The district hears of it as soon as the network allows.
        sync.wake();
    });

    let staff = staff::connect(window, worker.clone());

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

    let weak = window.as_weak();
    let for_wipe = state.clone();
    window.global::<Session>().on_wipe(move || {
        if let Some(window) = weak.upgrade() {
            wipe(&window, &for_wipe, &staff);
        }
    });
    state
}

/// Cards and QR codes from the readers sign residents in, on the UI thread.
fn watch_readers(
    window: &AppWindow,
    worker: &StoreWorker,
    residents: &resident::SharedState,
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
                    resident::present_token(&window, &residents, &worker, token);
                });
            }
        })
        .expect("the reader thread starts");
}

/// Clears everything a resident left on screen or in memory (invariant 6). Each screen
/// adapter that holds a resident's data clears it here.
pub fn wipe(window: &AppWindow, state: &resident::SharedState, staff: &staff::SharedStaff) {
    window.global::<KioskAdapter>().set_staff_called(false);
    resident::clear(window, state);
    staff::clear(window, staff);
}
