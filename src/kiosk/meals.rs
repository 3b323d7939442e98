//! 午托用餐 at the desk (`MealsAdapter`): the lunch-care meal counts for today and the week, the kitchen slip.

use std::sync::{Arc, Mutex};

use slint::ComponentHandle;

use super::backend::Backend;
use super::desk_work::Desk;
use super::ui::{AppWindow, DeskAdapter, Screen, Session};

#[derive(Default)]
pub struct MealsState {}

pub type SharedMeals = Arc<Mutex<MealsState>>;

pub fn connect<B: Backend>(window: &AppWindow, desk: Desk<B>) -> SharedMeals {
    let state: SharedMeals = Arc::default();
    window.global::<DeskAdapter>().on_open_meals(move |_index| {
        let Some(window) = desk.window() else { return };
        window.global::<Session>().invoke_open(Screen::Meals);
    });
    state
}

/// Forgets the screen with the staff member.
pub fn clear(_window: &AppWindow, _state: &SharedMeals) {}
