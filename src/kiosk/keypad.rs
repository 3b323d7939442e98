//! What is typed on a keypad screen: an account (a phone number, a staff number)
//! then a six-digit PIN. Kept in Rust, not in the UI, so the PIN is never a property
//! anything could draw, and cleared with the session.

use std::rc::Rc;
use std::sync::{Arc, Mutex};

use slint::{ComponentHandle, SharedString};

use super::ui::AppWindow;

/// A screen with a keypad: where its entry lives and how the screen shows it.
pub trait KeypadScreen: Send + 'static {
    /// Digits in the account (11 for a phone number, 3 for a staff number).
    const ACCOUNT_DIGITS: usize;
    fn entry(&mut self) -> &mut Entry;
    /// Shows the entry (account, PIN length) on `window`.
    fn show(&self, window: &AppWindow);
    /// Removes the last message: once the person goes back a step, it no longer
    /// applies. (Typing again does not remove it: a message stays until acted on.)
    fn clear_message(window: &AppWindow);
    /// A step back from an account: a screen whose entry began elsewhere (a card)
    /// forgets it, a screen choosing a new PIN gives that up.
    fn after_delete(&mut self) {}
}

/// Checks a complete entry: moves from the account to the PIN, or submits both.
pub type Submit = Rc<dyn Fn()>;

/// The handler for a digit key: a complete account or PIN goes on by itself, so
/// there is no confirm key to find (and no key whose words change with the step).
pub fn on_digit<S: KeypadScreen>(
    window: &AppWindow,
    state: &Arc<Mutex<S>>,
    submit: Submit,
) -> impl Fn(SharedString) + 'static {
    let (weak, state) = (window.as_weak(), state.clone());
    move |digit| {
        let Some(window) = weak.upgrade() else { return };
        let mut s = state.lock().expect("keypad lock");
        s.entry().digit(&digit, S::ACCOUNT_DIGITS);
        let complete = s.entry().can_confirm(S::ACCOUNT_DIGITS);
        s.show(&window);
        drop(s);
        if complete {
            submit();
        }
    }
}

/// The handler for the clear key: empties what is being typed now.
pub fn on_clear<S: KeypadScreen>(window: &AppWindow, state: &Arc<Mutex<S>>) -> impl Fn() + 'static {
    let (weak, state) = (window.as_weak(), state.clone());
    move || {
        let Some(window) = weak.upgrade() else { return };
        let mut s = state.lock().expect("keypad lock");
        s.entry().clear();
        s.show(&window);
    }
}

/// 返回 on a keypad screen: from the PIN back to the account, typed as it was.
/// False on the account step: the person leaves the keypad.
pub fn back<S: KeypadScreen>(window: &AppWindow, state: &Arc<Mutex<S>>) -> bool {
    let mut s = state.lock().expect("keypad lock");
    if !s.entry().entering_pin {
        return false;
    }
    s.entry().back();
    s.after_delete();
    S::clear_message(window);
    s.show(window);
    true
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

    /// Empties the field being typed.
    pub fn clear(&mut self) {
        if self.entering_pin {
            self.pin.clear();
        } else {
            self.account.clear();
        }
    }

    /// From the PIN back to the account, which keeps what was typed.
    pub fn back(&mut self) {
        self.pin.clear();
        self.entering_pin = false;
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
