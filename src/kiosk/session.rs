//! What the kiosk holds of the resident at the screen, shared by the resident
//! screens' adapters, and what they all use: the session ticket that drops answers
//! arriving after the resident left, and the zh/en choice for sentences built in Rust.

use std::sync::{Arc, Mutex};

use linli_core::household::Resident;
use linli_core::Text;
use slint::{ComponentHandle, SharedString};

use super::keypad::Entry;
use super::ui::{AppWindow, KioskAdapter, Session, Tone};
use crate::error::AppError;
use crate::usecase::options::ProgrammeOption;
use crate::usecase::places::Place;
use crate::usecase::ratings::ServiceUse;

/// What the kiosk holds of the resident at the screen, and nothing more. `end`
/// empties it with the session (invariant 6).
#[derive(Default)]
pub struct ResidentState {
    pub entry: Entry,
    /// The card the card reader read, waiting for its PIN.
    pub card: Option<String>,
    /// A sign-in is being checked.
    pub busy: bool,
    /// Who signed in (a member may be someone else in their household).
    pub signed_in: Option<Resident>,
    pub members: Vec<Resident>,
    /// The household's places, for the member list and 我的报名.
    pub places: Vec<Place>,
    /// The member whose programmes are on screen, and those programmes.
    pub member: Option<Resident>,
    pub options: Vec<ProgrammeOption>,
    /// The household's sessions on the rating screen.
    pub rating_uses: Vec<ServiceUse>,
    /// Which session this is: `end` moves it on, so an answer to work started in an
    /// earlier session (the resident left, the idle wipe ran) is recognised and dropped
    /// instead of reaching the next person's screen.
    epoch: u64,
}

pub type SharedState = Arc<Mutex<ResidentState>>;

/// Runs after an action issued a slip: the kiosk wakes its print and sync threads.
pub type OnSlip = Arc<dyn Fn() + Send + Sync>;

/// The session a piece of work starts in; see [`is_current`].
pub fn ticket(state: &SharedState) -> u64 {
    state.lock().expect("state lock").epoch
}

/// Whether the session that took `ticket` is still the one on screen.
pub fn is_current(state: &SharedState, ticket: u64) -> bool {
    state.lock().expect("state lock").epoch == ticket
}

/// Forgets the resident and moves the session on, so late answers are dropped.
pub fn end(state: &SharedState) {
    let mut s = state.lock().expect("state lock");
    let epoch = s.epoch + 1;
    *s = ResidentState {
        epoch,
        ..ResidentState::default()
    };
}

/// The resident who signed in, if anyone has.
pub fn signed_in(state: &SharedState) -> Option<Resident> {
    state.lock().expect("state lock").signed_in.clone()
}

/// The language the resident chose on the attract screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Language {
    Zh,
    En,
}

impl Language {
    pub fn of(window: &AppWindow) -> Language {
        if window.global::<KioskAdapter>().get_language() == "en" {
            Language::En
        } else {
            Language::Zh
        }
    }

    /// `text` in this language.
    pub fn pick(self, text: &Text) -> SharedString {
        match self {
            Language::En => text.en.as_str().into(),
            Language::Zh => text.zh.as_str().into(),
        }
    }
}

/// A text in the language the resident chose.
pub fn pick(window: &AppWindow, text: &Text) -> SharedString {
    Language::of(window).pick(text)
}

/// A refusal as one message: the statement, then every reason on its own line.
pub fn refusal_text(window: &AppWindow, error: &AppError) -> SharedString {
    match error {
        AppError::Refused(refused) => {
            let mut lines = vec![pick(window, &refused.error).to_string()];
            lines.extend(refused.reasons.iter().map(|r| pick(window, r).to_string()));
            lines.join("\n").into()
        }
        AppError::Store(e) => pick(
            window,
            &Text::new(
                format!("出错了，请找工作人员：{e}"),
                format!("Something went wrong; please ask staff: {e}"),
            ),
        ),
    }
}

/// Shows the outcome of an action over the screen in its tone (colour, icon, sound),
/// until the person touches 好的.
pub fn notify(window: &AppWindow, tone: Tone, title: &Text, text: SharedString) {
    window
        .global::<Session>()
        .invoke_notify(tone, pick(window, title), text);
}

/// Shows a refusal (or a store failure) over the screen, every reason on its own line.
pub fn notify_refusal(window: &AppWindow, error: &AppError) {
    let why = refusal_text(window, error);
    notify(window, Tone::Refusal, &Text::new("", ""), why);
}
