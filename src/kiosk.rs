//! Runs the kiosk window. The kiosk UI issue fills the screens; for now the window
//! shows the centre and today's figures, loaded through the store worker so the UI
//! thread never touches the database (invariant 8).

use std::path::Path;
use std::process::ExitCode;

use chrono::Datelike;
use slint::ComponentHandle;

use crate::devices::Devices;
use crate::store::worker::StoreWorker;
use crate::store::{AppError, Store};
use crate::{clock, usecase};

slint::include_modules!();

/// What the attract screen shows, read on the store thread.
#[derive(Debug, Clone, Default)]
pub struct AttractSummary {
    pub centre_name: String,
    pub programme_count: i32,
    pub household_count: i32,
    pub demo_seeded_now: bool,
}

fn load_summary(store: &mut Store) -> Result<AttractSummary, AppError> {
    // A device that has never been enrolled with the district runs on the demo
    // centre, so a fresh checkout shows something real.
    let mut demo_seeded_now = false;
    if store.setting("centre_code")?.is_none() {
        usecase::demo::seed(store, clock::now())?;
        demo_seeded_now = true;
    }
    let conn = store.conn();
    let count =
        |sql: &str| -> Result<i32, rusqlite::Error> { conn.query_row(sql, [], |r| r.get(0)) };
    Ok(AttractSummary {
        centre_name: store.setting("centre_name")?.unwrap_or_default(),
        programme_count: count("SELECT count(*) FROM programmes")?,
        household_count: count("SELECT count(*) FROM households")?,
        demo_seeded_now,
    })
}

pub fn run(data_dir: &Path) -> ExitCode {
    let store = match Store::open_in(data_dir) {
        Ok(store) => store,
        Err(e) => {
            eprintln!("linli: {e}");
            return ExitCode::from(3);
        }
    };
    let worker = StoreWorker::spawn(store);
    // Held until the window closes: dropping it stops the readers.
    let devices = Devices::start(data_dir, &worker);
    let window = match AppWindow::new() {
        Ok(window) => window,
        Err(e) => {
            eprintln!("linli: cannot open the kiosk window: {e}");
            return ExitCode::from(4);
        }
    };
    let adapter = window.global::<KioskAdapter>();
    let today = clock::now().date();
    adapter.set_year(today.year());
    adapter.set_month(today.month() as i32);
    adapter.set_day(today.day() as i32);
    adapter.set_weekday(today.weekday().num_days_from_monday() as i32);
    adapter.set_centre_name("".into());
    adapter.set_programme_count(0);
    adapter.set_household_count(0);
    adapter.set_state(LoadState::Loading);

    let weak = window.as_weak();
    worker.run(load_summary, move |result| {
        let _ = slint::invoke_from_event_loop(move || {
            let Some(window) = weak.upgrade() else { return };
            let adapter = window.global::<KioskAdapter>();
            match result {
                Ok(summary) => {
                    adapter.set_centre_name(summary.centre_name.into());
                    adapter.set_programme_count(summary.programme_count);
                    adapter.set_household_count(summary.household_count);
                    adapter.set_state(if summary.demo_seeded_now {
                        LoadState::DemoLoaded
                    } else {
                        LoadState::Ready
                    });
                }
                Err(e) => {
                    adapter.set_problem(e.to_string().into());
                    adapter.set_state(LoadState::Failed);
                }
            }
        });
    });

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
