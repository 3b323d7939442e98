//! The kiosk's sync thread: rounds in the background for as long as the kiosk runs.
//!
//! It drains the outbox as soon as the district answers again, even when nothing new
//! was written (the retry timer, not a new write, starts the next round), backs off
//! with jitter while the district is away, and reports its state for the status light
//! and the staff screen. Its SQLite connection and HTTP runtime are its own, so the
//! UI never waits on the network (invariant 8).

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use super::credential::{self, Credential};
use super::http::District;
use super::{outbox, round_recorded, RoundError};
use crate::store::Store;

/// Between successful rounds: how soon the district's news (an offer, a new
/// programme) reaches an idle kiosk.
const IDLE_POLL: Duration = Duration::from_secs(30);
/// A device not (yet) enrolled looks for its credential this often: it may be
/// enrolled from the command line while the kiosk runs.
const ENROLMENT_POLL: Duration = Duration::from_secs(60);

/// What the rest of the kiosk knows of sync.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncState {
    pub enrolled: bool,
    /// The last round reached the district.
    pub online: bool,
    pub pending: i64,
    pub parked: usize,
    pub last_success: Option<String>,
    pub last_error: Option<String>,
}

#[derive(Clone)]
pub struct SyncThread {
    wake: mpsc::Sender<()>,
    pub state: Arc<Mutex<SyncState>>,
}

impl SyncThread {
    pub fn spawn(data_dir: &Path, on_state: impl Fn(&SyncState) + Send + 'static) -> SyncThread {
        let (wake, woken) = mpsc::channel::<()>();
        let state = Arc::new(Mutex::new(SyncState::default()));
        let shared = state.clone();
        let dir = data_dir.to_path_buf();
        thread::Builder::new()
            .name("linli-sync".into())
            .spawn(move || run(dir, woken, shared, on_state))
            .expect("the sync thread starts");
        SyncThread { wake, state }
    }

    /// Starts a round now (something was just written).
    pub fn wake(&self) {
        let _ = self.wake.send(());
    }
}

fn wait(woken: &mpsc::Receiver<()>, timeout: Duration) -> bool {
    match woken.recv_timeout(timeout) {
        Ok(()) => {
            while woken.try_recv().is_ok() {}
            true
        }
        Err(RecvTimeoutError::Timeout) => true,
        Err(RecvTimeoutError::Disconnected) => false,
    }
}

fn run(
    dir: PathBuf,
    woken: mpsc::Receiver<()>,
    shared: Arc<Mutex<SyncState>>,
    on_state: impl Fn(&SyncState),
) {
    let mut store: Option<Store> = None;
    let mut district: Option<(Credential, District)> = None;
    let mut failures: i64 = 0;
    loop {
        let credential = credential::load(&dir).ok().flatten();
        let Some(credential) = credential else {
            publish(&shared, &on_state, |s| *s = SyncState::default());
            if !wait(&woken, ENROLMENT_POLL) {
                return;
            }
            continue;
        };
        if district.as_ref().map(|(c, _)| c) != Some(&credential) {
            // An address that is not https (a hand-edited credential file) is never
            // contacted: the round below fails with the reason until it is mended.
            district = super::address::check(&credential.district_url)
                .ok()
                .and_then(|()| {
                    District::new(&credential.district_url, Some(&credential.credential)).ok()
                })
                .map(|d| (credential.clone(), d));
        }
        if store.is_none() {
            store = Store::open_in(&dir).ok();
        }
        let outcome = match (store.as_mut(), district.as_ref()) {
            (Some(store), Some((_, district))) => {
                let result = round_recorded(store, district);
                let error = result.as_ref().err().map(ToString::to_string);
                let success = store.setting("sync_last_success").ok().flatten();
                let pending = outbox::pending_count(store.conn()).unwrap_or(0);
                let parked = outbox::parked_count(store.conn()).unwrap_or(0) as usize;
                publish(&shared, &on_state, |s| {
                    s.enrolled = true;
                    s.online = result.is_ok();
                    s.pending = pending;
                    s.parked = parked;
                    s.last_success = success.clone();
                    s.last_error = error.clone();
                });
                result.map(|_| ())
            }
            _ => Err(RoundError::Http(super::http::HttpError::Network(
                "the database or the HTTP client could not be opened".into(),
            ))),
        };
        let pause = match outcome {
            Ok(()) => {
                failures = 0;
                IDLE_POLL
            }
            Err(_) => {
                failures += 1;
                crate::print::spooler::backoff(failures)
            }
        };
        if !wait(&woken, pause) {
            return;
        }
    }
}

fn publish(
    shared: &Arc<Mutex<SyncState>>,
    on_state: &impl Fn(&SyncState),
    change: impl FnOnce(&mut SyncState),
) {
    let state = {
        let mut state = shared.lock().expect("sync state lock");
        change(&mut state);
        state.clone()
    };
    on_state(&state);
}
