//! 日间照料 at the desk (`DayCareAdapter`): the day's elders, meals and transport, the driver's route list, closing the day.

use std::sync::{Arc, Mutex};

use slint::ComponentHandle;

use super::backend::Backend;
use super::desk_work::Desk;
use super::ui::{AppWindow, DeskAdapter, Screen, Session};

#[derive(Default)]
pub struct DayCareState {}

pub type SharedDayCare = Arc<Mutex<DayCareState>>;

pub fn connect<B: Backend>(window: &AppWindow, desk: Desk<B>) -> SharedDayCare {
    let state: SharedDayCare = Arc::default();
    window
        .global::<DeskAdapter>()
        .on_open_day_care(move |_index| {
            let Some(window) = desk.window() else { return };
            window.global::<Session>().invoke_open(Screen::DayCare);
        });
    state
}

/// Forgets the screen with the staff member.
pub fn clear(_window: &AppWindow, _state: &SharedDayCare) {}
