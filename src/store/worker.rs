//! A thread that owns the store, so the UI thread never waits on disk (invariant 8).
//!
//! The UI sends a job (a closure over `&mut Store`) and gets the answer back through
//! a callback it chooses, typically one that hops onto Slint's event loop with
//! `slint::invoke_from_event_loop`. Jobs run one at a time in the order sent, which
//! also serialises writes without holding SQLite's lock across jobs.

use std::sync::mpsc;
use std::thread;

use super::Store;

type Job = Box<dyn FnOnce(&mut Store) + Send>;

#[derive(Clone)]
pub struct StoreWorker {
    jobs: mpsc::Sender<Job>,
}

impl StoreWorker {
    /// Moves `store` onto a new thread. The thread ends when every handle is dropped.
    pub fn spawn(mut store: Store) -> StoreWorker {
        let (jobs, queue) = mpsc::channel::<Job>();
        thread::Builder::new()
            .name("linli-store".into())
            .spawn(move || loop {
                let job = match queue.try_recv() {
                    Ok(job) => job,
                    Err(mpsc::TryRecvError::Disconnected) => break,
                    Err(mpsc::TryRecvError::Empty) => {
                        // Nobody is waiting: the moment to fold the write-ahead log
                        // into the database, off every resident's commit.
                        if store.commits_since_checkpoint() > 0 {
                            let _ = store.checkpoint();
                        }
                        match queue.recv() {
                            Ok(job) => job,
                            Err(_) => break,
                        }
                    }
                };
                job(&mut store);
            })
            .expect("the store thread starts");
        StoreWorker { jobs }
    }

    /// Runs `job` on the store thread and hands its result to `reply` there.
    /// Returns at once; `reply` must not block the store thread for long.
    pub fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Store) -> T + Send + 'static,
        reply: impl FnOnce(T) + Send + 'static,
    ) {
        // If the store thread is gone the process is shutting down; dropping the
        // job is the only thing left to do.
        let _ = self.jobs.send(Box::new(move |store| reply(job(store))));
    }

    /// Runs `job` and waits for its result: for command-line use and tests, never
    /// from the UI thread.
    pub fn call<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Store) -> T + Send + 'static,
    ) -> Option<T> {
        let (tx, rx) = mpsc::channel();
        self.run(job, move |value| {
            let _ = tx.send(value);
        });
        rx.recv().ok()
    }
}
