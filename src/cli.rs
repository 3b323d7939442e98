//! The scriptable interface: `linli <subcommand>` for staff, technicians and
//! automation. Every subcommand prints one JSON document on stdout. A refusal
//! prints `{"error": ..., "code": ..., "reasons": [...]}` and exits 1; a store that
//! cannot be used (unwritable, damaged, from a newer Linli) exits 3.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use serde_json::{json, Value};

use crate::clock;
use crate::data_dir;
use crate::store::{Actor, AppError, Store};
use crate::usecase;
use linli_core::staff::StaffMember;

#[derive(Debug, Parser)]
#[command(
    name = "linli",
    version,
    about = "邻里 Linli: the front desk of a community service centre",
    long_about = "With no subcommand, runs the kiosk. Subcommands print JSON on stdout."
)]
pub struct Cli {
    /// The data directory (database, print spool). Defaults to the XDG data directory.
    #[arg(long, global = true, env = data_dir::ENV_DATA_DIR, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportKind {
    Programmes,
    Households,
    Enrolments,
    Attendance,
    VolunteerHours,
    Filings,
    Ratings,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Json,
    Csv,
}

/// A staff member's credential for commands that need one. The PIN is best passed
/// through `LINLI_STAFF_PIN` so it stays out of shell history.
#[derive(Debug, Clone, clap::Args)]
pub struct StaffCredential {
    /// Staff code, e.g. S001.
    #[arg(long = "staff", env = "LINLI_STAFF", value_name = "CODE")]
    pub code: Option<String>,
    /// The staff member's PIN.
    #[arg(
        long = "pin",
        env = "LINLI_STAFF_PIN",
        value_name = "PIN",
        hide_env_values = true
    )]
    pub pin: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Seed the demo centre (idempotent): households, programmes, volunteers, businesses, staff.
    Demo,
    /// Import data from a file (all or nothing).
    Import {
        #[command(subcommand)]
        what: ImportWhat,
    },
    /// Sign a resident up for a programme.
    Signup {
        /// The resident's ID number (18 characters).
        #[arg(long)]
        resident: String,
        /// The programme's code.
        #[arg(long)]
        programme: String,
    },
    /// Cancel a resident's enrolment; a freed seat is offered to the head of the waiting list.
    Cancel {
        #[arg(long)]
        resident: String,
        #[arg(long)]
        programme: String,
    },
    /// Accept or decline a seat offered from the waiting list.
    Offer {
        #[arg(value_enum)]
        answer: OfferAnswer,
        #[arg(long)]
        resident: String,
        #[arg(long)]
        programme: String,
    },
    /// Export records; ID numbers and phones are masked unless --unmasked with a staff credential.
    Export {
        #[arg(value_enum)]
        what: ExportKind,
        #[arg(long, value_enum, default_value = "json")]
        format: Format,
        /// Show ID numbers and phones in full (needs --staff and a PIN with that permission; audited).
        #[arg(long)]
        unmasked: bool,
        #[command(flatten)]
        staff: StaffCredential,
    },
    /// Check the database: integrity, schema version, pending outbox, printer.
    Doctor,
}

#[derive(Debug, Subcommand)]
pub enum ImportWhat {
    /// CSV with columns household_code,address,name,id_number,phone,tags.
    Households {
        file: PathBuf,
        #[command(flatten)]
        staff: StaffCredential,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OfferAnswer {
    Accept,
    Decline,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let data_dir = data_dir::resolve(cli.data_dir.clone());
    match cli.command {
        None => crate::kiosk::run(&data_dir),
        Some(command) => {
            let (output, code) = run_command(&data_dir, command);
            let text = match output {
                // CSV exports come back as one string and are printed as they are.
                Value::String(text) => text,
                other => format!(
                    "{}\n",
                    serde_json::to_string_pretty(&other).expect("JSON prints")
                ),
            };
            // A reader that stops early (`| head`) is not an error worth a panic; the
            // command's work is already committed.
            let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes());
            code
        }
    }
}

/// Runs one subcommand and returns what to print and the exit code.
pub fn run_command(data_dir: &std::path::Path, command: Command) -> (Value, ExitCode) {
    if let Command::Doctor = command {
        let (report, healthy) = usecase::doctor::run(data_dir);
        return (
            report,
            if healthy {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            },
        );
    }
    let mut store = match Store::open_in(data_dir) {
        Ok(store) => store,
        Err(e) => {
            return (
                json!({"error": e.to_string(), "reasons": []}),
                ExitCode::from(3),
            )
        }
    };
    match dispatch(&mut store, command) {
        Ok(value) => (value, ExitCode::SUCCESS),
        Err(AppError::Refused(refused)) => (
            json!({
                "error": refused.error.to_string(),
                "code": refused.code,
                "reasons": refused.reasons.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
            }),
            ExitCode::from(1),
        ),
        Err(AppError::Store(e)) => (
            json!({"error": e.to_string(), "reasons": []}),
            ExitCode::from(3),
        ),
    }
}

/// The staff member who signed in with the credential, if one was given.
fn signed_in_staff(
    store: &mut Store,
    credential: &StaffCredential,
) -> Result<Option<StaffMember>, AppError> {
    match (&credential.code, &credential.pin) {
        (Some(code), Some(pin)) => Ok(Some(usecase::staff::authenticate(
            store,
            code,
            pin,
            clock::now(),
        )?)),
        (Some(_), None) => Err(usecase::staff::pin_missing()),
        _ => Ok(None),
    }
}

fn dispatch(store: &mut Store, command: Command) -> Result<Value, AppError> {
    let now = clock::now();
    match command {
        Command::Demo => usecase::demo::seed(store, now),
        Command::Import {
            what: ImportWhat::Households { file, staff },
        } => {
            let actor = signed_in_staff(store, &staff)?
                .map_or_else(Actor::cli, |member| Actor::staff(&member.code));
            usecase::households::import_file(store, &actor, now, &file)
        }
        Command::Signup {
            resident,
            programme,
        } => usecase::enrolment::signup(store, &Actor::cli(), now, &resident, &programme),
        Command::Cancel {
            resident,
            programme,
        } => usecase::enrolment::cancel(store, &Actor::cli(), now, &resident, &programme),
        Command::Offer {
            answer,
            resident,
            programme,
        } => usecase::enrolment::answer_offer(
            store,
            &Actor::cli(),
            now,
            &resident,
            &programme,
            answer == OfferAnswer::Accept,
        ),
        Command::Export {
            what,
            format,
            unmasked,
            staff,
        } => {
            let viewer = if unmasked {
                match signed_in_staff(store, &staff)? {
                    Some(member) => Some(member),
                    None => return Err(usecase::staff::credential_required()),
                }
            } else {
                None
            };
            usecase::export::export(store, what, format, viewer.as_ref(), now)
        }
        Command::Doctor => unreachable!("handled before the store is opened"),
    }
}
