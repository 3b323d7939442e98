//! The kiosk's print thread: drains the queue for as long as the kiosk runs, so the
//! UI only ever queues (one insert in its use-case's commit) and never waits for paper.

use std::path::Path;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use linli_hardware::printer::{PrinterSettings, PrinterStatus};

use super::queue::epoch_ms;
use super::spooler::{Round, Spooler};

/// Idle, the thread still looks at the queue this often: a CLI run or another
/// connection may have queued a job without waking it.
const IDLE_POLL: Duration = Duration::from_secs(2);
/// And asks the printer how it is this often, so the status light and staff learn of
/// an empty roll before the next resident does.
const STATUS_POLL: Duration = Duration::from_secs(15);
/// Jobs a dead CLI run left `sending` are looked at again this often.
const RECOVER_EVERY: Duration = Duration::from_secs(60);

/// What the rest of the kiosk knows of printing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PrinterHealth {
    /// None until the printer was first asked; Err when it could not be reached.
    pub status: Option<Result<PrinterStatus, String>>,
    /// The last job that could not print, and why (a stable code).
    pub held: Option<(String, String)>,
}

impl PrinterHealth {
    pub fn can_print(&self) -> bool {
        self.held.is_none() && matches!(&self.status, Some(Ok(s)) if s.can_print())
    }
}

/// A handle on the print thread: wake it after queueing, read its health.
#[derive(Clone)]
pub struct PrintThread {
    wake: mpsc::Sender<()>,
    pub health: Arc<Mutex<PrinterHealth>>,
}

impl PrintThread {
    pub fn spawn(
        data_dir: &Path,
        settings: &PrinterSettings,
        on_health: impl Fn(&PrinterHealth) + Send + 'static,
    ) -> Result<PrintThread, crate::error::StoreError> {
        let mut spooler = Spooler::open(data_dir, settings)?;
        let (wake, woken) = mpsc::channel::<()>();
        let health = Arc::new(Mutex::new(PrinterHealth::default()));
        let shared = health.clone();
        thread::Builder::new()
            .name("linli-print".into())
            .spawn(move || {
                let mut last_recover = Instant::now() - RECOVER_EVERY;
                let mut last_status = Instant::now() - STATUS_POLL;
                loop {
                    if last_recover.elapsed() >= RECOVER_EVERY {
                        if let Err(e) = spooler.recover() {
                            eprintln!("linli: print queue recovery failed: {e}");
                        }
                        last_recover = Instant::now();
                    }
                    let round = spooler.run_once();
                    let mut changed = false;
                    let mut next = health_after(&shared, &round, &mut changed);
                    if last_status.elapsed() >= STATUS_POLL || changed {
                        let status = spooler.printer_status().map_err(|e| e.to_string());
                        next.status = Some(status);
                        last_status = Instant::now();
                    }
                    let publish = {
                        let mut current = shared.lock().expect("health lock");
                        let differs = *current != next;
                        *current = next.clone();
                        differs
                    };
                    if publish {
                        on_health(&next);
                    }
                    let wait = match round {
                        Ok(Round::Idle { next_due_ms }) => next_due_ms
                            .map(|due| Duration::from_millis((due - epoch_ms()).max(0) as u64))
                            .unwrap_or(IDLE_POLL)
                            .min(IDLE_POLL),
                        Ok(_) => Duration::ZERO,
                        Err(e) => {
                            eprintln!("linli: print queue: {e}");
                            IDLE_POLL
                        }
                    };
                    match woken.recv_timeout(wait) {
                        Ok(()) | Err(RecvTimeoutError::Timeout) => {}
                        Err(RecvTimeoutError::Disconnected) => break,
                    }
                }
            })
            .expect("the print thread starts");
        Ok(PrintThread { wake, health })
    }

    /// Tells the thread a job was queued, so it prints now rather than at its next look.
    pub fn wake(&self) {
        let _ = self.wake.send(());
    }
}

/// The health after one round: a held job is remembered until a job prints.
fn health_after(
    shared: &Arc<Mutex<PrinterHealth>>,
    round: &Result<Round, crate::error::AppError>,
    changed: &mut bool,
) -> PrinterHealth {
    let mut next = shared.lock().expect("health lock").clone();
    match round {
        Ok(Round::Printed { .. }) => {
            *changed = next.held.is_some();
            next.held = None;
        }
        Ok(Round::Held { serial, problem }) => {
            *changed = next.held.as_ref().map(|(_, p)| p) != Some(problem);
            next.held = Some((serial.clone(), problem.clone()));
        }
        Ok(Round::Failed { serial, .. }) => {
            *changed = next.held.is_none();
            next.held = Some((serial.clone(), "unreachable".into()));
        }
        _ => {}
    }
    next
}
