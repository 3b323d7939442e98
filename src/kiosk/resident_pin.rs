//! A resident chooses their own kiosk PIN at the desk (`ResidentPinAdapter`): staff
//! open it from the resident's page and hand the screen over, and the resident types
//! the new PIN twice. Staff never see or type it: it stays here in Rust (only its
//! length reaches the screen), is saved by `residents::set_pin` with the staff member
//! as the actor (audited, permission checked there), and is forgotten at once.

use std::sync::{Arc, Mutex};

use linli_core::staff::PIN_LENGTH;
use linli_core::Text;
use slint::ComponentHandle;

use super::backend::Backend;
use super::desk_resident::{self, SharedDeskResident};
use super::desk_work::Desk;
use super::session::{notify, notify_refusal, pick};
use super::ui::{AppWindow, DeskResidentAdapter, ResidentPinAdapter, Screen, Session, Tone};
use crate::clock;
use crate::usecase::residents;

#[derive(Default)]
pub struct ResidentPinState {
    /// The full ID number of whose PIN it is.
    resident: Option<String>,
    typed: String,
    /// The PIN typed the first time, waiting to be typed again.
    first: Option<String>,
    busy: bool,
}

pub type SharedResidentPin = Arc<Mutex<ResidentPinState>>;

fn show(window: &AppWindow, s: &ResidentPinState) {
    let adapter = window.global::<ResidentPinAdapter>();
    adapter.set_step(if s.first.is_some() { 2 } else { 1 });
    adapter.set_pin_length(s.typed.chars().count() as i32);
    adapter.set_busy(s.busy);
}

fn say(window: &AppWindow, words: &Text) {
    window
        .global::<ResidentPinAdapter>()
        .set_message(pick(window, words));
}

pub fn connect<B: Backend>(
    window: &AppWindow,
    desk: Desk<B>,
    page: SharedDeskResident,
) -> SharedResidentPin {
    let state: SharedResidentPin = Arc::default();

    let (d, st) = (desk.clone(), state.clone());
    window
        .global::<DeskResidentAdapter>()
        .on_start_set_pin(move || {
            let (Some(window), Some(found)) = (d.window(), d.resident()) else {
                return;
            };
            *st.lock().expect("pin lock") = ResidentPinState {
                resident: Some(found.resident.id_number().to_string()),
                ..ResidentPinState::default()
            };
            let adapter = window.global::<ResidentPinAdapter>();
            adapter.set_name(found.name.as_str().into());
            adapter.set_message("".into());
            show(&window, &st.lock().expect("pin lock"));
            window.global::<Session>().invoke_open(Screen::ResidentPin);
        });

    let adapter = window.global::<ResidentPinAdapter>();
    let (weak, st) = (window.as_weak(), state.clone());
    adapter.on_digit(move |digit| {
        let (desk, page) = (&desk, &page);
        let Some(window) = weak.upgrade() else { return };
        let mut s = st.lock().expect("pin lock");
        if s.busy || !digit.chars().all(|c| c.is_ascii_digit()) {
            return;
        }
        if s.typed.len() < PIN_LENGTH {
            s.typed.push_str(&digit);
        }
        if s.typed.len() < PIN_LENGTH {
            show(&window, &s);
            return;
        }
        let typed = std::mem::take(&mut s.typed);
        match s.first.take() {
            None => {
                s.first = Some(typed);
                say(&window, &Text::new("", ""));
                show(&window, &s);
            }
            Some(first) if first != typed => {
                show(&window, &s);
                say(
                    &window,
                    &Text::new(
                        "两次输入的密码不一致，请重新输入新密码",
                        "The two PINs were not the same: type the new PIN again",
                    ),
                );
            }
            Some(pin) => {
                let Some(resident) = s.resident.clone() else { return };
                s.busy = true;
                show(&window, &s);
                drop(s);
                let (st, page, d) = (st.clone(), page.clone(), desk.clone());
                desk.run_then(
                    move |store, actor| {
                        residents::set_pin(store, actor, clock::now(), &resident, &pin)
                    },
                    move |window, result| {
                        let mut s = st.lock().expect("pin lock");
                        s.busy = false;
                        show(window, &s);
                        match result {
                            Ok(_) => {
                                *s = ResidentPinState::default();
                                drop(s);
                                // Back to the page first: a notice belongs to the
                                // screen it is shown over.
                                window.global::<Session>().invoke_go(Screen::DeskResident);
                                notify(
                                    window,
                                    Tone::Success,
                                    &Text::new(
                                        "密码已设置：下次在自助机用手机号或居民卡加这个密码登录",
                                        "PIN set: sign in at the kiosk with your phone or card and this PIN",
                                    ),
                                    "".into(),
                                );
                                desk_resident::load(&d, &page);
                            }
                            // A PIN too easy to guess, or a phone that already has one:
                            // said in words, and the resident starts again.
                            Err(error) => {
                                drop(s);
                                notify_refusal(window, &error);
                            }
                        }
                    },
                );
            }
        }
    });

    let (weak, st) = (window.as_weak(), state.clone());
    adapter.on_delete(move || {
        let Some(window) = weak.upgrade() else { return };
        let mut s = st.lock().expect("pin lock");
        s.typed.pop();
        show(&window, &s);
    });
    let (weak, st) = (window.as_weak(), state.clone());
    adapter.on_clear(move || {
        let Some(window) = weak.upgrade() else { return };
        let mut s = st.lock().expect("pin lock");
        s.typed.clear();
        show(&window, &s);
    });
    state
}

/// Forgets whatever was typed, with the staff member.
pub fn clear(window: &AppWindow, state: &SharedResidentPin) {
    *state.lock().expect("pin lock") = ResidentPinState::default();
    let adapter = window.global::<ResidentPinAdapter>();
    adapter.set_message("".into());
    show(window, &ResidentPinState::default());
}
