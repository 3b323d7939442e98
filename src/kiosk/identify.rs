//! The identify screen's adapter (`IdentifyAdapter`): a phone number and PIN on the
//! keypad, or a card from the card reader and its PIN; then the household.

use linli_core::household::Resident;
use linli_core::Text;
use linli_hardware::reader::Token;

use slint::ComponentHandle;

use super::backend::Backend;
use std::rc::Rc;

use super::keypad::{self, Confirmed, Entry, KeypadScreen, Submit};
use super::loaders::Loaders;
use super::session::{is_current, pick, refusal_text, ticket, ResidentState, SharedState};
use super::ui::{AppWindow, IdentifyAdapter, Screen, Session, Tone};
use super::{household, volunteer};
use crate::clock;
use crate::error::AppError;
use crate::store::Store;
use crate::usecase::places::{household_places, Place};
use crate::usecase::{load, residents, volunteers};

const PHONE_DIGITS: usize = 11;

/// A phone number as people say it: 189 0879 2861.
pub fn grouped(phone: &str) -> String {
    let mut out = String::new();
    for (index, digit) in phone.chars().enumerate() {
        if index == 3 || index == 7 {
            out.push(' ');
        }
        out.push(digit);
    }
    out
}

fn show_keypad(window: &AppWindow, state: &ResidentState) {
    let adapter = window.global::<IdentifyAdapter>();
    let entry = &state.entry;
    adapter.set_phone(grouped(&entry.account).into());
    adapter.set_pin_length(entry.pin.len() as i32);
    adapter.set_entering_pin(entry.entering_pin);
    adapter.set_by_card(state.card.is_some());
    adapter.set_busy(state.busy);
}

impl KeypadScreen for ResidentState {
    const ACCOUNT_DIGITS: usize = PHONE_DIGITS;

    fn entry(&mut self) -> &mut Entry {
        &mut self.entry
    }

    fn show(&self, window: &AppWindow) {
        show_keypad(window, self);
    }

    fn clear_message(window: &AppWindow) {
        window.global::<IdentifyAdapter>().set_message("".into());
    }

    fn after_delete(&mut self) {
        // Back from the PIN to the phone number: the card read before is given up.
        if !self.entry.entering_pin {
            self.card = None;
        }
    }
}

pub fn connect<B: Backend>(
    window: &AppWindow,
    state: &SharedState,
    backend: B,
    loaders: Loaders<B>,
) {
    let adapter = window.global::<IdentifyAdapter>();
    let (weak, st) = (window.as_weak(), state.clone());
    let submit: Submit = Rc::new(move || {
        let Some(window) = weak.upgrade() else { return };
        let mut s = st.lock().expect("state lock");
        if s.busy {
            return;
        }
        let Confirmed::Submit {
            account: phone,
            pin,
        } = s.entry.confirm(PHONE_DIGITS)
        else {
            show_keypad(&window, &s);
            return;
        };
        s.busy = true;
        let card = s.card.take();
        show_keypad(&window, &s);
        drop(s);
        // A new try: the last refusal no longer applies.
        window.global::<IdentifyAdapter>().set_message("".into());
        sign_in_with(&weak, &st, &backend, &loaders, move |store| match card {
            Some(card) => residents::sign_in_by_card(store, clock::now(), &card, &pin),
            None => residents::sign_in(store, clock::now(), &phone, &pin),
        });
    });
    adapter.on_digit(keypad::on_digit(window, state, submit));
    adapter.on_delete(keypad::on_delete(window, state));
    adapter.on_clear(keypad::on_clear(window, state));
}

/// 返回 on the identify screen: from the PIN to the phone number, else to the start.
pub fn back(window: &AppWindow, state: &SharedState) {
    if !keypad::back(window, state) {
        window.global::<Session>().invoke_end();
    }
}

/// Who signed in, their household, its places, and whether they volunteer (and are
/// on shift now).
struct SignedIn {
    resident: Resident,
    members: Vec<Resident>,
    places: Vec<Place>,
    volunteer: Option<volunteer::Status>,
}

/// Signs in with `check` on the store thread, then shows the household, or the
/// refusal on the identify screen.
fn sign_in_with<B: Backend>(
    weak: &slint::Weak<AppWindow>,
    state: &SharedState,
    backend: &B,
    loaders: &Loaders<B>,
    check: impl FnOnce(&mut Store) -> Result<Resident, AppError> + Send + 'static,
) {
    let (weak, st, loaders) = (weak.clone(), state.clone(), loaders.clone());
    let ticket = ticket(state);
    backend.run(
        move |store| {
            let resident = check(store)?;
            let members = load::household_members(store.conn(), &resident.household_code)?;
            let id = resident.id_number.as_str();
            Ok::<_, AppError>(SignedIn {
                places: household_places(store, &members, clock::now())?,
                volunteer: if volunteers::is_volunteer(store.conn(), id)? {
                    Some(volunteer::status(store, id)?)
                } else {
                    None
                },
                members,
                resident,
            })
        },
        move |result| {
            let Some(window) = weak.upgrade() else { return };
            if !is_current(&st, ticket) {
                return;
            }
            st.lock().expect("state lock").busy = false;
            match result {
                Ok(signed_in) => {
                    volunteer::signed_in(&window, signed_in.volunteer.as_ref());
                    loaders.places.show(&window, &st, signed_in.places);
                    household::show(&window, &st, &signed_in.resident, signed_in.members.clone());
                    // A household of one has nobody to choose between: straight to
                    // the programmes. A volunteer keeps the household screen, which
                    // is where their shift is.
                    if let ([only], None) = (signed_in.members.as_slice(), &signed_in.volunteer) {
                        loaders.member.load(only.clone(), Some(Screen::Programmes));
                    }
                }
                Err(error) => {
                    let message = refusal_text(&window, &error);
                    window.global::<IdentifyAdapter>().set_message(message);
                    window.global::<Session>().invoke_sound(Tone::Refusal);
                    window.global::<Session>().invoke_go(Screen::Identify);
                    show_keypad(&window, &st.lock().expect("state lock"));
                }
            }
        },
    );
}

/// A card or code read by a reader, on the attract or identify screen; anywhere else
/// (someone is mid-session) it is ignored, so a card held near the reader by the next
/// person cannot take over the screen. A card from the card reader asks for its PIN
/// (something held and something known); a code from the scanner never signs anyone
/// in, and is counted against the kiosk's sign-in limit.
pub fn present_token(
    window: &AppWindow,
    state: &SharedState,
    backend: &impl Backend,
    token: Token,
) {
    let screen = window.global::<Session>().get_screen();
    if screen != Screen::Attract && screen != Screen::Identify {
        return;
    }
    window.global::<Session>().invoke_touched();
    match token {
        Token::Card(card) => {
            let mut s = state.lock().expect("state lock");
            if s.busy {
                return;
            }
            let last = residents::card_ending(&card);
            s.card = Some(card);
            s.entry = Entry {
                entering_pin: true,
                ..Entry::default()
            };
            show_keypad(window, &s);
            drop(s);
            window.global::<IdentifyAdapter>().set_message(pick(
                window,
                &Text::new(
                    format!("已读卡（尾号{last}），请输入6位密码"),
                    format!("Card read (ending {last}): type your 6-digit PIN"),
                ),
            ));
            window.global::<Session>().invoke_go(Screen::Identify);
        }
        Token::Code(code) => {
            let (weak, st) = (window.as_weak(), state.clone());
            let ticket = ticket(state);
            backend.run(
                move |store| residents::code_presented(store, clock::now(), &code),
                move |result| {
                    let Some(window) = weak.upgrade() else { return };
                    if !is_current(&st, ticket) {
                        return;
                    }
                    if let Err(error) = result {
                        let message = refusal_text(&window, &error);
                        window.global::<IdentifyAdapter>().set_message(message);
                        window.global::<Session>().invoke_go(Screen::Identify);
                    }
                },
            );
        }
    }
}

/// Empties the keypad and its message.
pub fn clear(window: &AppWindow) {
    show_keypad(window, &ResidentState::default());
    window.global::<IdentifyAdapter>().set_message("".into());
}
