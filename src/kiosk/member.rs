//! The chosen household member's programmes, loaded for the programmes screen and
//! again after a change. What the list does with a load is wired in `mod.rs`
//! ([`Lists`]), so this file knows no screen.

use linli_core::household::Resident;
use slint::ComponentHandle;

use super::backend::Backend;
use super::session::{is_current, ticket, SharedState};
use super::ui::{AppWindow, Screen, Session};
use crate::clock;
use crate::error::AppError;
use crate::usecase::enrolment;
use crate::usecase::options::ProgrammeOption;

/// A load, as the lists show it.
pub struct Loaded<'a> {
    pub member: &'a Resident,
    pub options: &'a [ProgrammeOption],
}

/// What the member's lists do with a load, or with a load that failed.
#[derive(Clone, Copy)]
pub struct Lists {
    pub show: fn(&AppWindow, &Loaded<'_>),
    pub failed: fn(&AppWindow, &AppError),
}

/// Loads a member's programmes and shows them on the lists.
#[derive(Clone)]
pub struct MemberLoader<B: Backend> {
    weak: slint::Weak<AppWindow>,
    state: SharedState,
    backend: B,
    lists: Lists,
}

impl<B: Backend> MemberLoader<B> {
    pub fn new(window: &AppWindow, state: &SharedState, backend: B, lists: Lists) -> Self {
        MemberLoader {
            weak: window.as_weak(),
            state: state.clone(),
            backend,
            lists,
        }
    }

    /// Loads the programmes for `member` and shows them, then goes to `then` if
    /// given (a reload after a change stays where it is).
    pub fn load(&self, member: Resident, then: Option<Screen>) {
        let (weak, st, lists) = (self.weak.clone(), self.state.clone(), self.lists);
        let for_job = member.clone();
        let ticket = ticket(&self.state);
        self.backend.run(
            move |store| {
                // Offers whose deadline passed are handed on before anyone sees the
                // list, so it never shows a lapsed offer with its Accept button.
                enrolment::expire_offers(store, clock::now())?;
                enrolment::programme_options(store.conn(), &for_job, clock::now())
            },
            move |result| {
                let Some(window) = weak.upgrade() else { return };
                if !is_current(&st, ticket) {
                    return;
                }
                match result {
                    Ok(options) => {
                        (lists.show)(
                            &window,
                            &Loaded {
                                member: &member,
                                options: &options,
                            },
                        );
                        let mut s = st.lock().expect("state lock");
                        s.member = Some(member);
                        s.options = options;
                        drop(s);
                        if let Some(then) = then {
                            window.global::<Session>().invoke_go(then);
                        }
                    }
                    Err(error) => (lists.failed)(&window, &error),
                }
            },
        );
    }
}
