//! Volunteer clock-in and clock-out for the signed-in resident. The slip at clock-out
//! records the time as a platform record; only approved hours make a certificate.

use std::sync::{Arc, Mutex};

use linli_core::household::Resident;
use linli_core::Text;
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

use super::backend::Backend;
use super::resident::{is_current, pick, refusal_text, signed_in, ticket, SharedState};
use super::{AppWindow, Screen, Session, VolunteerAdapter};
use crate::clock;
use crate::print::Printing;
use crate::store::{Actor, AppError, Store};
use crate::usecase::{load, services};
use rusqlite::OptionalExtension;

/// What the volunteer screen shows: the open shift, if any, and today's activities.
struct Status {
    open: Option<(String, String)>,
    activities: Vec<Text>,
}

pub fn is_volunteer(store: &Store, resident: &Resident) -> Result<bool, AppError> {
    Ok(store
        .conn()
        .prepare_cached("SELECT count(*) FROM volunteers WHERE id_number = ?1")?
        .query_row([resident.id_number.as_str()], |r| r.get::<_, i64>(0))?
        > 0)
}

fn status(store: &Store, volunteer: &str) -> Result<Status, AppError> {
    let open = store
        .conn()
        .prepare_cached(
            "SELECT activity, clock_in FROM shifts WHERE volunteer = ?1 AND status = 'open'",
        )?
        .query_row([volunteer], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })
        // A read that fails is an error to show, never "not clocked in": that would
        // offer to clock the volunteer in a second time.
        .optional()?
        .map(|(activity, at)| {
            let since = clock::from_db(&at)
                .map(|t| t.format("%H:%M").to_string())
                .unwrap_or(at);
            (activity, since)
        });
    let today = clock::now().date();
    let calendar = load::calendar(store.conn())?;
    let mut activities: Vec<Text> = load::all_programmes(store.conn())?
        .into_iter()
        .filter(|p| p.schedule.occurs_on(today, &calendar))
        .map(|p| p.name)
        .collect();
    activities.push(Text::new("其他志愿服务", "Other volunteering"));
    Ok(Status { open, activities })
}

/// Activities as offered on screen; the record keeps the Chinese name.
type Offered = Arc<Mutex<Vec<Text>>>;

fn show(window: &AppWindow, status: &Status, offered: &Offered, message: Option<SharedString>) {
    let adapter = window.global::<VolunteerAdapter>();
    let (activity, since) = status.open.clone().unwrap_or_default();
    adapter.set_open_activity(activity.into());
    adapter.set_open_since(since.into());
    let names: Vec<SharedString> = status.activities.iter().map(|a| pick(window, a)).collect();
    adapter.set_activities(ModelRc::new(VecModel::from(names)));
    adapter.set_message(message.unwrap_or_default());
    adapter.set_busy(false);
    *offered.lock().expect("activities lock") = status.activities.clone();
    window.global::<Session>().set_screen(Screen::Volunteer);
}

/// Runs `change` for the signed-in volunteer, then shows the screen again with what it said.
fn act(
    window: &AppWindow,
    state: &SharedState,
    backend: &impl Backend,
    offered: &Offered,
    change: impl FnOnce(&mut Store, &str) -> Result<Text, AppError> + Send + 'static,
) {
    let Some(volunteer) = signed_in(state) else {
        return;
    };
    window.global::<VolunteerAdapter>().set_busy(true);
    let (weak, offered, st) = (window.as_weak(), offered.clone(), state.clone());
    let ticket = ticket(state);
    let id = volunteer.id_number.as_str().to_string();
    backend.run(
        move |store| {
            let said = change(store, &id);
            Ok::<_, AppError>((said, status(store, &id)?))
        },
        move |result| {
            let Some(window) = weak.upgrade() else { return };
            if !is_current(&st, ticket) {
                return;
            }
            match result {
                Ok((said, status)) => {
                    let message = match said {
                        Ok(text) => pick(&window, &text),
                        Err(error) => refusal_text(&window, &error),
                    };
                    show(&window, &status, &offered, Some(message));
                }
                Err(error) => {
                    let message = refusal_text(&window, &error);
                    let adapter = window.global::<VolunteerAdapter>();
                    adapter.set_message(message);
                    adapter.set_busy(false);
                }
            }
        },
    );
}

pub fn connect(
    window: &AppWindow,
    state: &SharedState,
    backend: impl Backend,
    on_slip: Arc<dyn Fn() + Send + Sync>,
) {
    let offered: Offered = Arc::default();
    let adapter = window.global::<VolunteerAdapter>();
    let (weak, st, be, off) = (
        window.as_weak(),
        state.clone(),
        backend.clone(),
        offered.clone(),
    );
    adapter.on_open(move || {
        let Some(window) = weak.upgrade() else { return };
        act(&window, &st, &be, &off, |_, _| Ok(Text::new("", "")));
    });
    let (weak, st, be, off) = (
        window.as_weak(),
        state.clone(),
        backend.clone(),
        offered.clone(),
    );
    adapter.on_clock_in(move |index| {
        let Some(window) = weak.upgrade() else { return };
        let Some(activity) = off
            .lock()
            .expect("activities lock")
            .get(index as usize)
            .cloned()
        else {
            return;
        };
        act(&window, &st, &be, &off, move |store, id| {
            let shift = store.write(&Actor::kiosk(), clock::now(), |tx| {
                services::clock_in_volunteer(tx, id, &activity.zh)
            })?;
            let at = shift.clock_in.format("%H:%M");
            Ok(Text::new(
                format!("已签到 {at}，感谢您的服务"),
                format!("Clocked in at {at}; thank you"),
            ))
        });
    });
    let (weak, st, off) = (window.as_weak(), state.clone(), offered);
    adapter.on_clock_out(move || {
        let Some(window) = weak.upgrade() else { return };
        let on_slip = on_slip.clone();
        act(&window, &st, &backend, &off, move |store, id| {
            let (shift, slips) = store.write_issuing(&Actor::kiosk(), clock::now(), |tx| {
                services::clock_out_volunteer(tx, id, Printing::Queue)
            })?;
            if !slips.is_empty() {
                on_slip();
            }
            let minutes = shift.minutes;
            Ok(Text::new(
                format!("已签退，记录{minutes}分钟（社工审核后计入时长）；凭条正在打印"),
                format!("Clocked out: {minutes} minutes recorded (they count once approved); your slip is printing"),
            ))
        });
    });
}

/// Forgets the volunteer screen's contents.
pub fn clear(window: &AppWindow) {
    let adapter = window.global::<VolunteerAdapter>();
    adapter.set_is_volunteer(false);
    adapter.set_open_activity("".into());
    adapter.set_open_since("".into());
    adapter.set_activities(ModelRc::default());
    adapter.set_message("".into());
    adapter.set_busy(false);
}
