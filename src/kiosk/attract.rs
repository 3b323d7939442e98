//! The attract screen's adapter: the centre, today's sessions, language and type size.

use chrono::Datelike;
use linli_core::Text;
use slint::{ComponentHandle, ModelRc, VecModel};

use super::ui::{AppWindow, KioskAdapter, LoadState, SessionRow, Theme};
use crate::error::AppError;
use crate::store::data_kind::DataKind;
use crate::store::Store;
use crate::{data_dir, usecase};

/// What the attract screen shows, read on the store thread.
#[derive(Debug, Clone, Default)]
pub struct AttractSummary {
    pub centre_name: String,
    /// Today's sessions in start-time order: name in both languages, "16:30–18:00".
    pub today: Vec<(Text, String)>,
    pub demo_seeded_now: bool,
    /// The data directory holds practice data (demo or training): every screen says so.
    pub demo: bool,
    /// No centre yet and the demo was not asked for: nothing to offer residents.
    pub not_set_up: bool,
}

/// Reads the attract screen's summary; with `seed_demo` (`linli --demo`, which
/// `bin/run` passes) an empty data directory is given the demo centre first. Nothing
/// else ever seeds it (invariant 11): a device that is neither set up nor asked for
/// the demo says so and waits for a technician.
pub fn load_summary(
    store: &mut Store,
    seed_demo: bool,
    now: chrono::NaiveDateTime,
) -> Result<AttractSummary, AppError> {
    let mut demo_seeded_now = false;
    let fresh = store.data_kind()? == DataKind::Fresh && !data_dir::is_enrolled(store.data_dir());
    if fresh && seed_demo {
        usecase::demo::seed(store, now)?;
        demo_seeded_now = true;
    } else if fresh {
        return Ok(AttractSummary {
            not_set_up: true,
            ..AttractSummary::default()
        });
    }
    let today = now.date();
    let calendar = usecase::load::calendar(store.conn())?;
    let mut sessions: Vec<_> = usecase::load::all_programmes(store.conn())?
        .into_iter()
        .filter(|p| p.schedule.occurs_on(today, &calendar))
        .collect();
    sessions.sort_by_key(|p| p.schedule.start);
    // On a day of a year whose holidays are not published, a school-day programme only
    // probably runs: it may be a holiday nobody has told the kiosk of (元旦, 春节).
    let provisional = calendar.is_provisional(today);
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
                let name = if provisional && p.schedule.school_days_only {
                    Text::new(
                        format!("{}（暂定：今年节假日安排未公布）", p.name.zh),
                        format!(
                            "{} (provisional: this year's holidays are not published)",
                            p.name.en
                        ),
                    )
                } else {
                    p.name
                };
                (name, time)
            })
            .collect(),
        demo_seeded_now,
        demo: store.data_kind()?.is_practice(),
        not_set_up: false,
    })
}

/// Shows `summary` in the current language.
pub fn show(window: &AppWindow, summary: &AttractSummary) {
    let adapter = window.global::<KioskAdapter>();
    adapter.set_centre_name(summary.centre_name.as_str().into());
    adapter.set_demo(summary.demo);
    set_sessions(window, &summary.today);
    adapter.set_state(if summary.not_set_up {
        LoadState::NotSetUp
    } else if summary.demo_seeded_now {
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

/// Forgets the last call for staff: the next person did not make it.
pub fn clear(window: &AppWindow) {
    window.global::<KioskAdapter>().set_staff_called(false);
}

/// Chinese and normal type again for the next person: the last one's choices were
/// theirs (through the wired switch, so today's sessions follow).
pub fn reset_choices(window: &AppWindow) {
    if window.global::<KioskAdapter>().get_language() != "zh" {
        window
            .global::<KioskAdapter>()
            .invoke_select_language("zh".into());
    }
    window.global::<Theme>().set_large_text(false);
}
