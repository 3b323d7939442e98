//! Volunteer clock-in and clock-out for the signed-in resident. The slip at clock-out
//! records the time as a platform record; only approved hours make a certificate.

use std::sync::{Arc, Mutex};

use chrono::NaiveDateTime;
use linli_core::Text;
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

use super::backend::Backend;
use super::session::{self, is_current, notify, notify_refusal, pick, ticket, OnSlip, SharedState};
use super::slips;
use super::ui::{AppWindow, Screen, Session, Tone, VolunteerAdapter};
use crate::clock;
use crate::error::AppError;
use crate::print::Printing;
use crate::store::{Actor, Store};
use crate::usecase::volunteers;

/// What the volunteer screen shows: the open shift (its activity, when it began),
/// if any, and today's activities.
pub struct Status {
    open: Option<(String, NaiveDateTime)>,
    activities: Vec<Text>,
}

pub fn status(store: &Store, volunteer: &str) -> Result<Status, AppError> {
    let open = volunteers::open_shift(store.conn(), volunteer)?
        .map(|shift| (shift.activity, shift.clock_in));
    let activities = volunteers::activities_on(store.conn(), clock::now().date())?;
    Ok(Status { open, activities })
}

/// The volunteer button for a resident who volunteers, and their open shift, shown
/// on the first screen after sign-in.
pub fn signed_in(window: &AppWindow, status: Option<&Status>) {
    let adapter = window.global::<VolunteerAdapter>();
    adapter.set_is_volunteer(status.is_some());
    if let Some(status) = status {
        show_shift(window, status);
    }
}

/// A duration in words: "1小时5分钟" / "1 h 5 min".
fn minutes_text(minutes: i64) -> Text {
    let (hours, rest) = (minutes / 60, minutes % 60);
    if hours > 0 {
        Text::new(
            format!("{hours}小时{rest}分钟"),
            format!("{hours} h {rest} min"),
        )
    } else {
        Text::new(format!("{rest}分钟"), format!("{rest} min"))
    }
}

/// The open shift: since when, for how long, and whether 签退 may be tapped yet (a
/// shift under the minimum cannot be clocked out, and says so before the tap).
fn show_shift(window: &AppWindow, status: &Status) {
    let adapter = window.global::<VolunteerAdapter>();
    let Some((activity, since)) = &status.open else {
        adapter.set_open_activity("".into());
        adapter.set_open_since("".into());
        adapter.set_open_for("".into());
        adapter.set_clock_out_refused("".into());
        return;
    };
    let minutes = (clock::now() - *since).num_minutes().max(0);
    adapter.set_open_activity(activity.as_str().into());
    adapter.set_open_since(since.format("%H:%M").to_string().into());
    adapter.set_open_for(pick(window, &minutes_text(minutes)));
    adapter.set_clock_out_refused(
        volunteers::clock_out_refused(*since, clock::now())
            .map(|why| pick(window, &why))
            .unwrap_or_default(),
    );
}

/// Activities as offered on screen; the record keeps the Chinese name.
type Offered = Arc<Mutex<Vec<Text>>>;

fn show(window: &AppWindow, status: &Status, offered: &Offered) {
    let adapter = window.global::<VolunteerAdapter>();
    show_shift(window, status);
    let names: Vec<SharedString> = status.activities.iter().map(|a| pick(window, a)).collect();
    adapter.set_activities(ModelRc::new(VecModel::from(names)));
    adapter.set_confirming(false);
    adapter.set_busy(false);
    *offered.lock().expect("activities lock") = status.activities.clone();
}

/// What a change said: nothing (the screen was only opened), or its outcome and the
/// slips it printed.
type Said = Option<(Text, Vec<String>)>;

/// Runs `change` for the signed-in volunteer, then shows the screen again, and what
/// it said as a notice.
fn act(
    window: &AppWindow,
    state: &SharedState,
    backend: &impl Backend,
    offered: &Offered,
    change: impl FnOnce(&mut Store, &str) -> Result<Said, AppError> + Send + 'static,
) {
    let Some(volunteer) = session::signed_in(state) else {
        return;
    };
    window.global::<VolunteerAdapter>().set_busy(true);
    let (weak, offered, st) = (window.as_weak(), offered.clone(), state.clone());
    let watcher = backend.clone();
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
                    show(&window, &status, &offered);
                    match said {
                        Ok(Some((text, printed))) => {
                            notify(&window, Tone::Success, &text, "".into());
                            slips::watch(&window, &st, &watcher, printed, slips::on_notice);
                        }
                        Ok(None) => {}
                        Err(error) => {
                            notify_refusal(&window, &error);
                        }
                    }
                }
                Err(error) => {
                    let adapter = window.global::<VolunteerAdapter>();
                    adapter.set_busy(false);
                    adapter.set_confirming(false);
                    notify_refusal(&window, &error);
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
        let opening = window.global::<Session>().get_screen() != Screen::Volunteer;
        act(&window, &st, &be, &off, |_, _| Ok(None));
        if opening {
            window.global::<Session>().invoke_open(Screen::Volunteer);
        }
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
            Ok(Some((
                Text::new(
                    format!("已签到 {at}，感谢您的服务"),
                    format!("Clocked in at {at}; thank you"),
                ),
                Vec::new(),
            )))
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
            Ok(Some((
                Text::new(
                    format!("已签退，记录{minutes}分钟（社工审核后计入时长）"),
                    format!("Clocked out: {minutes} minutes recorded (they count once approved)"),
                ),
                slips::serials(&clocked_out),
            )))
        });
    });
}

/// Forgets the volunteer screen's contents.
pub fn clear(window: &AppWindow) {
    let adapter = window.global::<VolunteerAdapter>();
    adapter.set_is_volunteer(false);
    adapter.set_open_activity("".into());
    adapter.set_open_since("".into());
    adapter.set_open_for("".into());
    adapter.set_clock_out_refused("".into());
    adapter.set_activities(ModelRc::default());
    adapter.set_confirming(false);
    adapter.set_busy(false);
}
