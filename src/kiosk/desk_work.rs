//! What every desk screen does with a touch: run a use-case on the store thread as
//! the member signed in, then show its answer, unless that member has signed out
//! meanwhile (an answer for the last member never reaches the next one's screen). A
//! refusal is shown over the screen in the refusal's words; the use-case, not this,
//! checks the member's permission.

use std::sync::{Arc, Mutex};

use slint::{ComponentHandle, Weak};

use super::backend::Backend;
use super::session::{notify, notify_refusal, OnSlip};
use super::staff::{self, SharedStaff};
use super::ui::AppWindow;
use super::ui::Tone;
use crate::error::AppError;
use crate::store::{Actor, Store};
use crate::usecase::search::FoundResident;
use linli_core::Text;

/// The resident opened from 查找居民, for the screens that act on them (收费 from the
/// resident's page); [`super::wipe`] forgets it with the staff member.
pub type OpenResident = Arc<Mutex<Option<FoundResident>>>;

/// A desk screen's way to the store: the window, the backend and the staff session,
/// cloned into each of the screen's callbacks.
#[derive(Clone)]
pub struct Desk<B> {
    window: Weak<AppWindow>,
    backend: B,
    staff: SharedStaff,
    on_slip: OnSlip,
    resident: OpenResident,
}

impl<B: Backend> Desk<B> {
    pub fn new(
        window: &AppWindow,
        backend: B,
        staff: SharedStaff,
        on_slip: OnSlip,
        resident: OpenResident,
    ) -> Desk<B> {
        Desk {
            window: window.as_weak(),
            backend,
            staff,
            on_slip,
            resident,
        }
    }

    /// The resident open at the desk now, if any.
    pub fn resident(&self) -> Option<FoundResident> {
        self.resident.lock().expect("desk resident lock").clone()
    }

    /// Opens `resident` at the desk (or closes the one open, with `None`).
    pub fn set_resident(&self, resident: Option<FoundResident>) {
        *self.resident.lock().expect("desk resident lock") = resident;
    }

    /// Tells the print queue that a use-case queued a slip (`Printing::Queue`), so it
    /// prints now rather than at the queue's next look.
    pub fn slip_issued(&self) {
        (self.on_slip)();
    }

    pub fn window(&self) -> Option<AppWindow> {
        self.window.upgrade()
    }

    pub fn staff(&self) -> &SharedStaff {
        &self.staff
    }

    /// Runs `job` as the signed-in member and hands its value to `done` on the UI
    /// thread; a refusal or a store failure is shown instead. Nothing runs when nobody
    /// is signed in.
    pub fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Store, &Actor) -> Result<T, AppError> + Send + 'static,
        done: impl FnOnce(&AppWindow, T) + Send + 'static,
    ) {
        self.run_then(job, move |window, result| match result {
            Ok(value) => done(window, value),
            Err(error) => notify_refusal(window, &error),
        });
    }

    /// A change staff asked for: `busy` marks the screen while it runs (so a second
    /// tap does not do it twice); then its outcome is shown, the words `job` returns
    /// or the refusal, and `then` runs after a success (the screen read again).
    pub fn act(
        &self,
        busy: fn(&AppWindow, bool),
        job: impl FnOnce(&mut Store, &Actor) -> Result<Text, AppError> + Send + 'static,
        then: impl FnOnce(&AppWindow) + Send + 'static,
    ) {
        self.run_busy(busy, job, move |window, done| {
            notify(window, Tone::Success, &done, "".into());
            then(window);
        });
    }

    /// As [`Desk::run`], with `busy` marking the screen until the answer is shown.
    pub fn run_busy<T: Send + 'static>(
        &self,
        busy: fn(&AppWindow, bool),
        job: impl FnOnce(&mut Store, &Actor) -> Result<T, AppError> + Send + 'static,
        done: impl FnOnce(&AppWindow, T) + Send + 'static,
    ) {
        let Some(window) = self.window() else { return };
        busy(&window, true);
        self.run_then(job, move |window, result| {
            busy(window, false);
            match result {
                Ok(value) => done(window, value),
                Err(error) => notify_refusal(window, &error),
            }
        });
    }

    /// As [`Desk::run`], with the refusal handed to `done` as well (a screen that
    /// shows it in place, or clears a busy mark either way).
    pub fn run_then<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Store, &Actor) -> Result<T, AppError> + Send + 'static,
        done: impl FnOnce(&AppWindow, Result<T, AppError>) + Send + 'static,
    ) {
        let Some((member, ticket)) = staff::ticket(&self.staff) else {
            return;
        };
        let (weak, staff) = (self.window.clone(), self.staff.clone());
        self.backend.run(
            move |store: &mut Store| job(store, &Actor::member(&member)),
            move |result| {
                let Some(window) = weak.upgrade() else { return };
                if staff::still_signed_in(&staff, ticket) {
                    done(&window, result);
                }
            },
        );
    }
}
