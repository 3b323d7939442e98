//! What is typed on a keypad screen: an account (a phone number, a staff number)
//! then a six-digit PIN. Kept in Rust, not in the UI, so the PIN is never a property
//! anything could draw, and cleared with the session.

use std::sync::{Arc, Mutex};

use slint::{ComponentHandle, SharedString};

use super::ui::AppWindow;

/// A screen with a keypad: where its entry lives and how the screen shows it.
pub trait KeypadScreen: Send + 'static {
    /// Digits in the account (11 for a phone number, 3 for a staff number).
    const ACCOUNT_DIGITS: usize;
    fn entry(&mut self) -> &mut Entry;
    /// Shows the entry (account, PIN length, what confirm would do) on `window`.
    fn show(&self, window: &AppWindow);
    /// Removes the last refusal once the person types again.
    fn clear_message(window: &AppWindow);
    /// After a delete: a screen whose entry began elsewhere (a card) forgets it when
    /// the person goes back past the PIN.
    fn after_delete(&mut self) {}
}

/// The handler for a digit key.
pub fn on_digit<S: KeypadScreen>(
    window: &AppWindow,
    state: &Arc<Mutex<S>>,
) -> impl Fn(SharedString) + 'static {
    let (weak, state) = (window.as_weak(), state.clone());
    move |digit| {
        let Some(window) = weak.upgrade() else { return };
        let mut s = state.lock().expect("keypad lock");
        s.entry().digit(&digit, S::ACCOUNT_DIGITS);
        S::clear_message(&window);
        s.show(&window);
    }
}

/// The handler for the delete key.
pub fn on_delete<S: KeypadScreen>(
    window: &AppWindow,
    state: &Arc<Mutex<S>>,
) -> impl Fn() + 'static {
    let (weak, state) = (window.as_weak(), state.clone());
    move || {
        let Some(window) = weak.upgrade() else { return };
        let mut s = state.lock().expect("keypad lock");
        s.entry().delete();
        s.after_delete();
        s.show(&window);
    }
}

/// Digits in a PIN, for residents and staff alike.
pub const PIN_DIGITS: usize = 6;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Entry {
    pub account: String,
    pub pin: String,
    pub entering_pin: bool,
}

/// What pressing "confirm" asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Confirmed {
    /// The account is complete: now the PIN.
    AskPin,
    /// Both complete: check them. The PIN has been taken out of the entry.
    Submit {
        account: String,
        pin: String,
    },
    Incomplete,
}

impl Entry {
    pub fn digit(&mut self, digit: &str, account_digits: usize) {
        let (field, limit) = if self.entering_pin {
            (&mut self.pin, PIN_DIGITS)
        } else {
            (&mut self.account, account_digits)
        };
        if field.len() < limit && digit.chars().all(|c| c.is_ascii_digit()) {
            field.push_str(digit);
        }
    }

    /// Deletes one digit; on an empty PIN, goes back to the account.
    pub fn delete(&mut self) {
        if self.entering_pin && self.pin.is_empty() {
            self.entering_pin = false;
        } else if self.entering_pin {
            self.pin.pop();
        } else {
            self.account.pop();
        }
    }

    pub fn can_confirm(&self, account_digits: usize) -> bool {
        if self.entering_pin {
            self.pin.len() == PIN_DIGITS
        } else {
            self.account.len() == account_digits
        }
    }

    pub fn confirm(&mut self, account_digits: usize) -> Confirmed {
        if !self.can_confirm(account_digits) {
            return Confirmed::Incomplete;
        }
        if !self.entering_pin {
            self.entering_pin = true;
            return Confirmed::AskPin;
        }
        Confirmed::Submit {
            account: self.account.clone(),
            pin: std::mem::take(&mut self.pin),
        }
    }
}
