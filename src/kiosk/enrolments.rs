//! The "my enrolments" screen's adapter (`EnrolmentsAdapter`): every place of the
//! household, an offered seat's deadline, and cancel, accept and decline, each
//! confirmed on screen first; the outcome is a notice in its tone.

use linli_core::enrolment::EnrolmentStatus;
use linli_core::Text;
use slint::{ComponentHandle, ModelRc, VecModel};

use super::backend::Backend;
use super::loaders::Loaders;
use super::session::{is_current, notify, notify_refusal, ticket, Language, OnSlip, SharedState};
use super::slips;
use super::ui::{AppWindow, EnrolmentRow, EnrolmentsAdapter, PlaceAction, Screen, Session, Tone};
use crate::clock;
use crate::error::AppError;
use crate::print::Printing;
use crate::store::{Actor, Store};
use crate::usecase::enrolment;
use crate::usecase::places::Place;

/// A place as the list shows it, in `language`.
fn enrolment_row(language: Language, place: &Place) -> EnrolmentRow {
    EnrolmentRow {
        member: place.member.name.as_str().into(),
        name: language.pick(&place.option.name),
        status: language.pick(&place.option.place()),
        offered: place.option.is_offered(),
        waiting: matches!(place.option.current, Some((EnrolmentStatus::Waitlisted, _))),
    }
}

/// Shows the household's places.
pub fn show(window: &AppWindow, places: &[Place]) {
    let language = Language::of(window);
    let rows: Vec<EnrolmentRow> = places.iter().map(|p| enrolment_row(language, p)).collect();
    let adapter = window.global::<EnrolmentsAdapter>();
    adapter.set_rows(ModelRc::new(VecModel::from(rows)));
    adapter.set_busy(false);
    adapter.set_confirming(-1);
    adapter.set_action(PlaceAction::None);
}

/// Opens 我的报名 from the screen on show; 返回 goes back there.
pub fn open(window: &AppWindow) {
    let adapter = window.global::<EnrolmentsAdapter>();
    adapter.set_confirming(-1);
    adapter.set_action(PlaceAction::None);
    window.global::<Session>().invoke_open(Screen::Enrolments);
}

/// A load that failed: said as a refusal.
pub fn failed(window: &AppWindow, error: &AppError) {
    window.global::<EnrolmentsAdapter>().set_busy(false);
    notify_refusal(window, error);
}

/// What a change to a place does, run on the store thread: the slips it printed.
type PlaceChange = fn(&mut Store, &str, &str) -> Result<Vec<String>, AppError>;

pub fn connect<B: Backend>(
    window: &AppWindow,
    state: &SharedState,
    backend: B,
    on_slip: OnSlip,
    loaders: Loaders<B>,
) {
    let change = |change: PlaceChange, done: fn(&Place) -> Text| {
        let (weak, st, backend, on_slip, loaders) = (
            window.as_weak(),
            state.clone(),
            backend.clone(),
            on_slip.clone(),
            loaders.clone(),
        );
        move |index: i32| {
            let Some(window) = weak.upgrade() else { return };
            let Some(place) = st
                .lock()
                .expect("state lock")
                .places
                .get(index as usize)
                .cloned()
            else {
                return;
            };
            window.global::<EnrolmentsAdapter>().set_busy(true);
            let (weak, st, on_slip, loaders, watcher) = (
                weak.clone(),
                st.clone(),
                on_slip.clone(),
                loaders.clone(),
                backend.clone(),
            );
            let id = place.member.id_number.as_str().to_string();
            let code = place.option.code.clone();
            let ticket = ticket(&st);
            backend.run(
                move |store| change(store, &id, &code),
                move |result| {
                    let Some(window) = weak.upgrade() else { return };
                    // Committed: its slip prints and the district hears of it, whether
                    // or not the person is still at the screen.
                    if result.is_ok() {
                        on_slip();
                    }
                    if !is_current(&st, ticket) {
                        return;
                    }
                    let adapter = window.global::<EnrolmentsAdapter>();
                    adapter.set_confirming(-1);
                    adapter.set_action(PlaceAction::None);
                    adapter.set_busy(false);
                    match result {
                        Ok(printed) => {
                            notify(&window, Tone::Success, &done(&place), "".into());
                            slips::watch(&window, &st, &watcher, printed, slips::on_notice);
                        }
                        Err(error) => {
                            notify_refusal(&window, &error);
                        }
                    }
                    loaders.places.reload(&window, &st);
                    // The programme list of the member on it shows the change too.
                    let member = st.lock().expect("state lock").member.clone();
                    if let Some(member) = member {
                        loaders.member.load(member, None);
                    }
                },
            );
        }
    };
    let adapter = window.global::<EnrolmentsAdapter>();
    adapter.on_cancel(change(
        |store, id, code| {
            enrolment::cancel(
                store,
                &Actor::kiosk(),
                clock::now(),
                id,
                code,
                Printing::Queue,
            )
            .map(|issued| slips::serials(&issued))
        },
        // A waiting-list place frees no seat: only a seat goes to the waiting list.
        |place| {
            if matches!(place.option.current, Some((EnrolmentStatus::Waitlisted, _))) {
                Text::new("已离开轮候名单", "You have left the waiting list")
            } else {
                Text::new(
                    "已取消，名额让给轮候的人",
                    "Cancelled: the seat goes to the waiting list",
                )
            }
        },
    ));
    adapter.on_accept(change(
        |store, id, code| answer_offer(store, id, code, true),
        |_| Text::new("已接受名额", "Seat accepted"),
    ));
    adapter.on_decline(change(
        |store, id, code| answer_offer(store, id, code, false),
        |_| {
            Text::new(
                "已放弃名额，名额将让给下一位",
                "Seat declined; it goes to the next person",
            )
        },
    ));
}

fn answer_offer(
    store: &mut Store,
    id: &str,
    code: &str,
    accept: bool,
) -> Result<Vec<String>, AppError> {
    enrolment::answer_offer(
        store,
        &Actor::kiosk(),
        clock::now(),
        id,
        code,
        accept,
        Printing::Queue,
    )
    .map(|issued| slips::serials(&issued))
}

pub fn clear(window: &AppWindow) {
    let enrolments = window.global::<EnrolmentsAdapter>();
    enrolments.set_rows(ModelRc::default());
    enrolments.set_confirming(-1);
    enrolments.set_action(PlaceAction::None);
    enrolments.set_busy(false);
}
