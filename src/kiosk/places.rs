//! The household's places (a seat, a waiting-list place, an offered seat), loaded at
//! sign-in and after every change: the member list flags an offer waiting for an
//! answer, and 我的报名 lists them all (`enrolments.rs`).

use chrono::NaiveDateTime;
use linli_core::household::Resident;
use slint::ComponentHandle;

use super::backend::Backend;
use super::session::{is_current, ticket, SharedState};
use super::ui::AppWindow;
use super::{enrolments, household};
use crate::error::AppError;
use crate::store::Store;
use crate::usecase::enrolment;
use crate::usecase::options::ProgrammeOption;

/// One member's place in one programme.
#[derive(Clone, Debug)]
pub struct Place {
    pub member: Resident,
    pub option: ProgrammeOption,
}

/// Every place of `members`, member by member. Offers whose deadline passed are
/// handed on first, so no list shows a lapsed offer with its Accept button.
pub fn household_places(
    store: &mut Store,
    members: &[Resident],
    now: NaiveDateTime,
) -> Result<Vec<Place>, AppError> {
    enrolment::expire_offers(store, now)?;
    let mut places = Vec::new();
    for member in members {
        for option in enrolment::programme_options(store.conn(), member, now)? {
            if option.current.is_some() {
                places.push(Place {
                    member: member.clone(),
                    option,
                });
            }
        }
    }
    Ok(places)
}

/// Keeps `places` for the session and shows them on the member list and 我的报名.
pub fn show(window: &AppWindow, state: &SharedState, places: Vec<Place>) {
    enrolments::show(window, &places);
    state.lock().expect("state lock").places = places;
    household::render(window, state);
}

/// Loads the household's places again (after a sign-up, a cancellation, an answer).
pub fn reload(window: &AppWindow, state: &SharedState, backend: &impl Backend) {
    let members = state.lock().expect("state lock").members.clone();
    let (weak, st) = (window.as_weak(), state.clone());
    let ticket = ticket(state);
    backend.run(
        move |store| household_places(store, &members, crate::clock::now()),
        move |result| {
            let Some(window) = weak.upgrade() else { return };
            if !is_current(&st, ticket) {
                return;
            }
            match result {
                Ok(places) => show(&window, &st, places),
                Err(error) => enrolments::failed(&window, &error),
            }
        },
    );
}

/// An offered seat as the member list flags it: the programme and until when.
pub fn offer_flag(option: &ProgrammeOption) -> linli_core::Text {
    match option.offer_deadline {
        Some(deadline) => linli_core::Text::new(
            format!(
                "「{}」有名额等您确认，{}前有效",
                option.name.zh,
                deadline.format("%-m月%-d日 %H:%M")
            ),
            format!(
                "A seat in {} waits for your answer until {}",
                option.name.en,
                deadline.format("%-d %b %H:%M")
            ),
        ),
        None => linli_core::Text::new(
            format!("「{}」有名额等您确认", option.name.zh),
            format!("A seat in {} waits for your answer", option.name.en),
        ),
    }
}
