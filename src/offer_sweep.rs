//! The kiosk's timed work: offers lapse on time, and once a day personal data past the
//! district's retention is anonymised (`usecase::retention`).
//!
//! Offers lapse on time. An offered seat not answered by its deadline passes to the
//! next person on the waiting list; the use-cases do this whenever they touch a
//! programme, but on a quiet kiosk nobody might touch it for hours, so the kiosk runs
//! the sweep itself, on the store thread, every `every` (half a minute in the kiosk:
//! a lapsed offer reaches the next person within a minute).

use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::clock;
use crate::store::worker::StoreWorker;
use crate::usecase::{enrolment, retention};

/// How often the kiosk sweeps.
pub const EVERY: Duration = Duration::from_secs(30);

/// The sweeping thread; dropping it stops the sweep.
pub struct OfferSweep {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl OfferSweep {
    pub fn spawn(worker: StoreWorker, every: Duration) -> OfferSweep {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("linli-offers".into())
            .spawn(move || loop {
                match stopped.recv_timeout(every) {
                    Err(RecvTimeoutError::Timeout) => {}
                    _ => return,
                }
                // Queued behind whatever the screens asked for; the answer is not
                // waited for, so a busy store never holds this thread up.
                worker.run(
                    |store| enrolment::expire_offers(store, clock::now()),
                    |result| {
                        if let Err(error) = result {
                            eprintln!("linli: 轮候名额到期处理失败 / lapsed offers not handed on: {error}");
                        }
                    },
                );
                // A cheap look at a setting on all but the first run of a day.
                worker.run(
                    |store| retention::sweep_daily(store, clock::now()),
                    |result| {
                        if let Err(error) = result {
                            eprintln!("linli: 过期个人信息匿名化失败 / retention sweep failed: {error}");
                        }
                    },
                );
            })
            .expect("the offer sweep starts");
        OfferSweep {
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for OfferSweep {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
