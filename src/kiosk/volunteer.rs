//! Volunteer clock-in and clock-out for the signed-in resident. The slip at clock-out
//! records the time as a platform record; only approved hours make a certificate.

use std::sync::{Arc, Mutex};

use linli_core::Text;
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

use super::backend::Backend;
use super::session::{is_current, pick, refusal_text, signed_in, ticket, OnSlip, SharedState};
use super::ui::{AppWindow, Screen, Session, VolunteerAdapter};
use crate::clock;
use crate::error::AppError;
use crate::print::Printing;
use crate::store::{Actor, Store};
use crate::usecase::volunteers;

/// What the volunteer screen shows: the open shift (its activity, since when), if
/// any, and today's activities.
struct Status {
    open: Option<(String, String)>,
    activities: Vec<Text>,
}

fn status(store: &Store, volunteer: &str) -> Result<Status, AppError> {
    let open = volunteers::open_shift(store.conn(), volunteer)?
        .map(|shift| (shift.activity, shift.clock_in.format("%H:%M").to_string()));
    let activities = volunteers::activities_on(store.conn(), clock::now().date())?;
    Ok(Status { open, activities })
}

/// Whether the volunteer button shows for the resident who signed in.
pub fn set_is_volunteer(window: &AppWindow, volunteer: bool) {
    window
        .global::<VolunteerAdapter>()
        .set_is_volunteer(volunteer);
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

pub fn connect(window: &AppWindow, state: &SharedState, backend: impl Backend, on_slip: OnSlip) {
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
                volunteers::clock_in_volunteer(tx, id, &activity.zh)
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
            let clocked_out = store.write_issuing(&Actor::kiosk(), clock::now(), |tx| {
                volunteers::clock_out_volunteer(tx, id, Printing::Queue)
            })?;
            if !clocked_out.slips.is_empty() {
                on_slip();
            }
            let minutes = clocked_out.outcome.minutes;
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
