//! Loads the household's places at sign-in and after every change, and shows them
//! where they are shown: what shows them is wired in `mod.rs` ([`PlaceLists`]), so
//! this file knows no screen.

use slint::ComponentHandle;

use super::backend::Backend;
use super::session::{is_current, ticket, SharedState};
use super::ui::AppWindow;
use crate::error::AppError;
use crate::usecase::places::{household_places, Place};

/// What shows the household's places, or says a load failed.
#[derive(Clone, Copy)]
pub struct PlaceLists {
    pub show: fn(&AppWindow, &SharedState, &[Place]),
    pub failed: fn(&AppWindow, &AppError),
}

/// Loads the household's places and shows them.
#[derive(Clone)]
pub struct PlacesLoader<B: Backend> {
    backend: B,
    lists: PlaceLists,
}

impl<B: Backend> PlacesLoader<B> {
    pub fn new(backend: B, lists: PlaceLists) -> Self {
        PlacesLoader { backend, lists }
    }

    /// Keeps `places` for the session and shows them.
    pub fn show(&self, window: &AppWindow, state: &SharedState, places: Vec<Place>) {
        state.lock().expect("state lock").places = places.clone();
        (self.lists.show)(window, state, &places);
    }

    /// Loads the household's places again (after a sign-up, a cancellation, an answer).
    pub fn reload(&self, window: &AppWindow, state: &SharedState) {
        let members = state.lock().expect("state lock").members.clone();
        let (weak, st, loader) = (window.as_weak(), state.clone(), self.clone());
        let ticket = ticket(state);
        self.backend.run(
            move |store| household_places(store, &members, crate::clock::now()),
            move |result| {
                let Some(window) = weak.upgrade() else { return };
                if !is_current(&st, ticket) {
                    return;
                }
                match result {
                    Ok(places) => loader.show(&window, &st, places),
                    Err(error) => (loader.lists.failed)(&window, &error),
                }
            },
        );
    }
}
