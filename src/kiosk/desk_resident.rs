//! A resident opened from 查找居民 (`DeskResidentAdapter`): their pickup list, dietary
//! needs, absences reported ahead, and fees.

use std::sync::{Arc, Mutex};

use slint::ComponentHandle;

use super::backend::Backend;
use super::desk_work::Desk;
use super::search::{self, SharedSearch};
use super::ui::{AppWindow, Screen, SearchAdapter, Session};

#[derive(Default)]
pub struct DeskResidentState {}

pub type SharedDeskResident = Arc<Mutex<DeskResidentState>>;

pub fn connect<B: Backend>(
    window: &AppWindow,
    desk: Desk<B>,
    found: SharedSearch,
) -> SharedDeskResident {
    let state: SharedDeskResident = Arc::default();
    window.global::<SearchAdapter>().on_open(move |index| {
        let Some(window) = desk.window() else { return };
        if let Some(resident) = search::found_at(&found, index) {
            desk.set_resident(Some(resident));
            window.global::<Session>().invoke_open(Screen::DeskResident);
        }
    });
    state
}

/// Forgets the resident with the staff member.
pub fn clear(_window: &AppWindow, _state: &SharedDeskResident) {}
