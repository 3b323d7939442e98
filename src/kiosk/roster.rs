//! 名单与轮候 at the desk (`RosterAdapter`): a programme's confirmed places, its waiting list in 轮候 order with each person's bucket, the offers; offer a seat now, withdraw, move, each with a reason.

use std::sync::{Arc, Mutex};

use slint::ComponentHandle;

use super::backend::Backend;
use super::desk_work::Desk;
use super::ui::{AppWindow, DeskAdapter, Screen, Session};

#[derive(Default)]
pub struct RosterState {}

pub type SharedRoster = Arc<Mutex<RosterState>>;

pub fn connect<B: Backend>(window: &AppWindow, desk: Desk<B>) -> SharedRoster {
    let state: SharedRoster = Arc::default();
    window
        .global::<DeskAdapter>()
        .on_open_roster(move |_index| {
            let Some(window) = desk.window() else { return };
            window.global::<Session>().invoke_open(Screen::Roster);
        });
    state
}

/// Forgets the screen with the staff member.
pub fn clear(_window: &AppWindow, _state: &SharedRoster) {}
