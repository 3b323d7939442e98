//! 晚接 at the desk (`LatePickupsAdapter`): children still here after closing and the grace period, their guardians' masked phones, the calls made.

use std::sync::{Arc, Mutex};

use slint::ComponentHandle;

use super::backend::Backend;
use super::desk_work::Desk;
use super::ui::{AppWindow, DeskAdapter, Screen, Session};

#[derive(Default)]
pub struct LatePickupsState {}

pub type SharedLatePickups = Arc<Mutex<LatePickupsState>>;

pub fn connect<B: Backend>(window: &AppWindow, desk: Desk<B>) -> SharedLatePickups {
    let state: SharedLatePickups = Arc::default();
    window
        .global::<DeskAdapter>()
        .on_open_late_pickups(move || {
            let Some(window) = desk.window() else { return };
            window.global::<Session>().invoke_open(Screen::LatePickups);
        });
    state
}

/// Forgets the screen with the staff member.
pub fn clear(_window: &AppWindow, _state: &SharedLatePickups) {}
