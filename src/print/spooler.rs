//! The print queue's worker: takes due jobs to the printer, one at a time, in the
//! order they were issued.
//!
//! Each job moves queued → sending → printed, every step its own durable commit.
//! A job is claimed by one statement, so a CLI run and the kiosk draining the same
//! queue never both send it. A process that dies while sending leaves the job in
//! `sending`; once its lease has run out, `recover` asks the transport whether it
//! arrived: the simulator knows, a real printer does not, and then the job is held
//! `in_doubt` for staff, who reprint it (marked 重印) if the paper never came. So a
//! slip is never printed twice unless a person asks for it.

use std::path::Path;
use std::time::{Duration, Instant};

use linli_hardware::printer::{self, Job, Printer, PrinterError, PrinterSettings, PrinterStatus};
use linli_hardware::receipt::{render_to_vec, Paper};
use rusqlite::{Connection, OptionalExtension};

use super::queue::{epoch_ms, job_state, stored_slip, JobState};
use crate::clock;
use crate::error::{AppError, StoreError};
use crate::store::{open_connection, DATABASE_FILE};

/// Longer than any one send can take (connect, status, write, each bounded by the
/// printer timeout), so a live sender's job is never taken for a dead one's.
const LEASE: Duration = Duration::from_secs(90);
/// How often a job waiting for paper looks again: quick enough that a slip comes out
/// moments after the roll goes in, slow enough to be no load on the printer.
const NOT_READY_RETRY: Duration = Duration::from_secs(3);
const BACKOFF_FIRST: Duration = Duration::from_secs(2);
const BACKOFF_MAX: Duration = Duration::from_secs(60);

/// What one round did.
#[derive(Debug, PartialEq, Eq)]
pub enum Round {
    /// Nothing due; the earliest queued job is due at this machine time, if any.
    Idle {
        next_due_ms: Option<i64>,
    },
    Printed {
        serial: String,
        copy: i64,
    },
    /// The printer cannot print now (paper out, cover open): kept and retried.
    Held {
        serial: String,
        problem: String,
    },
    /// The printer could not be reached or the job broke off: retried with backoff.
    Failed {
        serial: String,
        error: String,
    },
}

pub struct Spooler {
    conn: Connection,
    printer: Box<dyn Printer>,
    paper: Paper,
}

impl Spooler {
    pub fn new(conn: Connection, printer: Box<dyn Printer>, paper: Paper) -> Self {
        Spooler {
            conn,
            printer,
            paper,
        }
    }

    /// The configured printer for the store in `data_dir`; the simulator spools to
    /// `data_dir/spool`.
    pub fn open(data_dir: &Path, settings: &PrinterSettings) -> Result<Self, StoreError> {
        let conn = open_connection(&data_dir.join(DATABASE_FILE))?;
        let printer = printer::open(settings, &data_dir.join("spool"));
        Ok(Spooler::new(conn, printer, settings.paper))
    }

    pub fn describe_printer(&self) -> String {
        self.printer.describe()
    }

    pub fn printer_status(&mut self) -> Result<PrinterStatus, PrinterError> {
        self.printer.status()
    }

    /// Settles jobs left `sending` by a process that died (lease run out).
    pub fn recover(&mut self) -> Result<usize, AppError> {
        let sending: Vec<(i64, String, i64, i64, Option<String>)> = self
            .conn
            .prepare("SELECT id, serial, copy, lease_until_ms, lease_owner FROM print_jobs WHERE state = 'sending'")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
            .collect::<Result<_, _>>()?;
        let now = epoch_ms();
        let stale: Vec<(i64, String, i64)> = sending
            .into_iter()
            .filter(|(_, _, _, lease, owner)| {
                *lease < now || !owner.as_deref().is_some_and(owner_alive)
            })
            .map(|(id, serial, copy, _, _)| (id, serial, copy))
            .collect();
        for (id, serial, copy) in &stale {
            let job = Job {
                name: job_name(serial, *copy),
                bytes: Vec::new(),
            };
            let (state, note) = match self.printer.delivery(&job) {
                printer::Delivery::Delivered => ("printed", None),
                printer::Delivery::NotDelivered => ("queued", Some("interrupted_by_restart")),
                printer::Delivery::Unknown => ("in_doubt", Some("interrupted_by_restart")),
            };
            self.conn.execute(
                "UPDATE print_jobs SET state = ?2, lease_until_ms = NULL, lease_owner = NULL, last_error = ?3,
                        printed_at = CASE WHEN ?2 = 'printed' THEN ?4 ELSE printed_at END
                 WHERE id = ?1 AND state = 'sending'",
                (id, state, note, clock::to_db(clock::now())),
            )?;
        }
        Ok(stale.len())
    }

    /// Makes every queued job due now: someone has just loaded paper or fixed the
    /// cable and is standing there waiting for the slips.
    pub fn retry_now(&mut self) -> Result<usize, AppError> {
        Ok(self.conn.execute(
            "UPDATE print_jobs SET next_attempt_ms = ?1 WHERE state = 'queued' AND next_attempt_ms > ?1",
            [epoch_ms()],
        )?)
    }

    /// Claims the next due job and sends it.
    pub fn run_once(&mut self) -> Result<Round, AppError> {
        let now = epoch_ms();
        let claimed: Option<(i64, String, i64, i64)> = self
            .conn
            .prepare_cached(
                "UPDATE print_jobs
                 SET state = 'sending', lease_until_ms = ?2, lease_owner = ?3,
                     attempts = attempts + 1
                 WHERE id = (SELECT id FROM print_jobs
                             WHERE state = 'queued' AND next_attempt_ms <= ?1
                             ORDER BY id LIMIT 1)
                 RETURNING id, serial, copy, attempts",
            )?
            .query_row((now, now + LEASE.as_millis() as i64, this_process()), |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()?;
        let Some((id, serial, copy, attempts)) = claimed else {
            let next_due_ms = self
                .conn
                .prepare_cached(
                    "SELECT min(next_attempt_ms) FROM print_jobs WHERE state = 'queued'",
                )?
                .query_row([], |r| r.get(0))?;
            return Ok(Round::Idle { next_due_ms });
        };
        let job = match self.render(&serial, copy) {
            Ok(job) => job,
            Err(error) => {
                // Slips are checked when issued, so this is a bug; the job is set
                // aside where staff see it instead of blocking every slip behind it.
                self.settle(
                    id,
                    "cancelled",
                    None,
                    Some(&format!("render_failed: {error}")),
                )?;
                return Ok(Round::Failed { serial, error });
            }
        };
        match self.printer.send(&job) {
            Ok(()) => {
                self.settle(id, "printed", None, None)?;
                Ok(Round::Printed { serial, copy })
            }
            Err(PrinterError::NotReady(status)) => {
                let problem = status.problems().first().copied().unwrap_or("offline");
                self.settle(
                    id,
                    "queued",
                    Some(now + NOT_READY_RETRY.as_millis() as i64),
                    Some(problem),
                )?;
                Ok(Round::Held {
                    serial,
                    problem: problem.to_string(),
                })
            }
            Err(error) => {
                let code = match error {
                    PrinterError::Interrupted { .. } => "interrupted",
                    _ => "unreachable",
                };
                let retry = now + backoff(attempts).as_millis() as i64;
                self.settle(id, "queued", Some(retry), Some(&format!("{code}: {error}")))?;
                Ok(Round::Failed {
                    serial,
                    error: error.to_string(),
                })
            }
        }
    }

    fn render(&self, serial: &str, copy: i64) -> Result<Job, String> {
        let receipt = stored_slip(&self.conn, serial)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("no slip {serial}"))?;
        let receipt = if copy > 0 {
            receipt.as_reprint()
        } else {
            receipt
        };
        let bytes = render_to_vec(&receipt, self.paper).map_err(|e| e.to_string())?;
        Ok(Job {
            name: job_name(serial, copy),
            bytes,
        })
    }

    fn settle(
        &self,
        id: i64,
        state: &str,
        next_attempt_ms: Option<i64>,
        error: Option<&str>,
    ) -> Result<(), AppError> {
        self.conn
            .prepare_cached(
                "UPDATE print_jobs
                 SET state = ?2, lease_until_ms = NULL, lease_owner = NULL, last_error = ?3,
                     next_attempt_ms = coalesce(?4, next_attempt_ms),
                     printed_at = CASE WHEN ?2 = 'printed' THEN ?5 ELSE printed_at END
                 WHERE id = ?1 AND state = 'sending'",
            )?
            .execute((
                id,
                state,
                error,
                next_attempt_ms,
                clock::to_db(clock::now()),
            ))?;
        Ok(())
    }

    /// The queue as staff see it (`report::queue`), through this spooler's connection.
    pub fn queue_report(&self) -> Result<super::report::QueueReport, AppError> {
        super::report::queue(&self.conn)
    }

    /// Where the newest copy of `serial` stands.
    pub fn state_of(&self, serial: &str) -> Result<Option<JobState>, AppError> {
        job_state(&self.conn, serial)
    }

    /// Prints until the newest copy of `serial` is out, the printer needs a person
    /// (no paper, cover open), or `deadline` passes. Other jobs queued before it
    /// print first: the queue keeps the order slips were issued in.
    pub fn wait_for(&mut self, serial: &str, deadline: Instant) -> Result<JobState, AppError> {
        self.recover()?;
        loop {
            let round = self.run_once()?;
            let state = self
                .state_of(serial)?
                .ok_or_else(|| crate::error::not_found("凭条", "slip", serial))?;
            let needs_person =
                matches!(&state, JobState::Queued { code, .. } if is_not_ready(code));
            let done = !matches!(state, JobState::Queued { .. }) || needs_person;
            if done || Instant::now() >= deadline {
                return Ok(state);
            }
            let wait = match round {
                Round::Idle {
                    next_due_ms: Some(due),
                } => Duration::from_millis((due - epoch_ms()).max(10) as u64),
                // Someone else's send holds the job: look again shortly.
                Round::Idle { next_due_ms: None } => Duration::from_millis(100),
                _ => Duration::ZERO,
            };
            std::thread::sleep(wait.min(deadline.saturating_duration_since(Instant::now())));
        }
    }
}

/// This process as `pid:start time`: the start time (from /proc) tells a reused pid
/// from the process that claimed the job.
fn this_process() -> String {
    process_identity(std::process::id()).unwrap_or_else(|| std::process::id().to_string())
}

fn process_identity(pid: u32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces; fields after its ')' are plain.
    let after_name = &stat[stat.rfind(')')? + 2..];
    let start_time = after_name.split(' ').nth(19)?;
    Some(format!("{pid}:{start_time}"))
}

/// Whether the process that claimed a job still runs. Without /proc to ask, the
/// owner is taken to be alive and only the lease frees the job.
fn owner_alive(owner: &str) -> bool {
    let Some(pid) = owner.split(':').next().and_then(|p| p.parse::<u32>().ok()) else {
        return false;
    };
    if !Path::new("/proc/self/stat").exists() {
        return true;
    }
    process_identity(pid).as_deref() == Some(owner)
}

fn is_not_ready(code: &str) -> bool {
    matches!(
        code,
        "paper_out" | "cover_open" | "printer_error" | "offline"
    )
}

/// `serial` for the original; `serial-R1`, `serial-R2`… for reprints.
pub fn job_name(serial: &str, copy: i64) -> String {
    if copy == 0 {
        serial.to_string()
    } else {
        format!("{serial}-R{copy}")
    }
}

/// Exponential from 2 s, at most a minute, with ±25 % jitter so several kiosks behind
/// one flaky network printer do not retry in step.
pub(crate) fn backoff(attempts: i64) -> Duration {
    let exponent = (attempts.max(1) - 1).min(10) as u32;
    let base = BACKOFF_FIRST
        .saturating_mul(2u32.pow(exponent))
        .min(BACKOFF_MAX);
    let jitter = (uuid::Uuid::new_v4().as_u128() % 501) as f64 / 1000.0 - 0.25;
    base.mul_f64(1.0 + jitter)
}
