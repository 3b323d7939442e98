//! The attract screen's adapter: the centre, today's sessions, language and type size.

use chrono::Datelike;
use linli_core::Text;
use slint::{ComponentHandle, ModelRc, VecModel};

use super::{AppWindow, KioskAdapter, LoadState, SessionRow};
use crate::store::{AppError, Store};
use crate::{clock, usecase};

/// What the attract screen shows, read on the store thread.
#[derive(Debug, Clone, Default)]
pub struct AttractSummary {
    pub centre_name: String,
    /// Today's sessions in start-time order: name in both languages, "16:30–18:00".
    pub today: Vec<(Text, String)>,
    pub demo_seeded_now: bool,
}

pub fn load_summary(store: &mut Store) -> Result<AttractSummary, AppError> {
    // A device that has never been enrolled with the district runs on the demo
    // centre, so a fresh checkout shows something real.
    let mut demo_seeded_now = false;
    if store.setting("centre_code")?.is_none() {
        usecase::demo::seed(store, clock::now())?;
        demo_seeded_now = true;
    }
    let today = clock::now().date();
    let calendar = usecase::load::calendar(store.conn())?;
    let mut sessions: Vec<_> = usecase::load::all_programmes(store.conn())?
        .into_iter()
        .filter(|p| p.schedule.occurs_on(today, &calendar))
        .collect();
    sessions.sort_by_key(|p| p.schedule.start);
    Ok(AttractSummary {
        centre_name: store.setting("centre_name")?.unwrap_or_default(),
        today: sessions
            .into_iter()
            .map(|p| {
                let time = format!(
                    "{}–{}",
                    p.schedule.start.format("%H:%M"),
                    p.schedule.end.format("%H:%M")
                );
                (p.name, time)
            })
            .collect(),
        demo_seeded_now,
    })
}

/// Shows `summary` in the current language.
pub fn show(window: &AppWindow, summary: &AttractSummary) {
    let adapter = window.global::<KioskAdapter>();
    adapter.set_centre_name(summary.centre_name.as_str().into());
    set_sessions(window, &summary.today);
    adapter.set_state(if summary.demo_seeded_now {
        LoadState::DemoLoaded
    } else {
        LoadState::Ready
    });
}

fn set_sessions(window: &AppWindow, sessions: &[(Text, String)]) {
    let adapter = window.global::<KioskAdapter>();
    let english = adapter.get_language() == "en";
    let rows: Vec<SessionRow> = sessions
        .iter()
        .map(|(name, time)| SessionRow {
            name: if english { &name.en } else { &name.zh }.as_str().into(),
            time: time.as_str().into(),
        })
        .collect();
    adapter.set_today(ModelRc::new(VecModel::from(rows)));
}

/// Today's date on the attract screen.
pub fn set_date(window: &AppWindow, today: chrono::NaiveDate) {
    let adapter = window.global::<KioskAdapter>();
    adapter.set_year(today.year());
    adapter.set_month(today.month() as i32);
    adapter.set_day(today.day() as i32);
    adapter.set_weekday(today.weekday().num_days_from_monday() as i32);
}

/// Switches every text to `language` ("zh" or "en"): the @tr strings through the
/// bundled translation, the data from Rust (programme names) by re-showing it.
pub fn select_language(window: &AppWindow, language: &str, sessions: &[(Text, String)]) {
    let language = if language == "en" { "en" } else { "zh" };
    // Chinese is the source language: selecting it means "no translation".
    let bundle = if language == "en" { "en" } else { "" };
    if let Err(e) = slint::select_bundled_translation(bundle) {
        eprintln!("linli: cannot switch the language to {language}: {e}");
        return;
    }
    window
        .global::<KioskAdapter>()
        .set_language(language.into());
    set_sessions(window, sessions);
}

/// Wires the language switch. `sessions` is what the attract screen last loaded, kept
/// so a switch can show programme names in the other language without a query.
pub fn connect(
    window: &AppWindow,
    sessions: std::sync::Arc<std::sync::Mutex<Vec<(Text, String)>>>,
) {
    let weak = window.as_weak();
    window
        .global::<KioskAdapter>()
        .on_select_language(move |language| {
            if let Some(window) = weak.upgrade() {
                let sessions = sessions.lock().expect("sessions lock").clone();
                select_language(&window, &language, &sessions);
            }
        });
}
