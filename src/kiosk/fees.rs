//! 收费 at the desk (`FeesAdapter`): payments and refunds with their receipts, the day's cash summary.

use std::sync::{Arc, Mutex};

use slint::ComponentHandle;

use super::backend::Backend;
use super::desk_work::Desk;
use super::ui::{AppWindow, DeskAdapter, Screen, Session};

#[derive(Default)]
pub struct FeesState {}

pub type SharedFees = Arc<Mutex<FeesState>>;

pub fn connect<B: Backend>(window: &AppWindow, desk: Desk<B>) -> SharedFees {
    let state: SharedFees = Arc::default();
    window.global::<DeskAdapter>().on_open_fees(move || {
        let Some(window) = desk.window() else { return };
        window.global::<Session>().invoke_open(Screen::Fees);
    });
    state
}

/// Forgets the screen with the staff member.
pub fn clear(_window: &AppWindow, _state: &SharedFees) {}
