//! How a screen's adapter reaches the store: a job runs on the store thread and its
//! result comes back to the UI thread. Tests swap in `Inline`, which runs both at once
//! on the calling thread, so the screens' flows are tested headless with real use-cases.

use std::sync::{Arc, Mutex};

use crate::store::worker::StoreWorker;
use crate::store::Store;

pub trait Backend: Clone + Send + 'static {
    fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Store) -> T + Send + 'static,
        on_ui: impl FnOnce(T) + Send + 'static,
    );
}

impl Backend for StoreWorker {
    fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Store) -> T + Send + 'static,
        on_ui: impl FnOnce(T) + Send + 'static,
    ) {
        StoreWorker::run(self, job, move |result| {
            // The kiosk is closing if the event loop is gone; nothing is left to show.
            let _ = slint::invoke_from_event_loop(move || on_ui(result));
        });
    }
}

/// Runs jobs at once on the caller's thread: for tests without an event loop.
#[derive(Clone)]
pub struct Inline(pub Arc<Mutex<Store>>);

impl Backend for Inline {
    fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Store) -> T + Send + 'static,
        on_ui: impl FnOnce(T) + Send + 'static,
    ) {
        let result = job(&mut self.0.lock().expect("store lock"));
        on_ui(result);
    }
}
