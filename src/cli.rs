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
use crate::print::{self, Printing};
use crate::store::actor::credential_required;
use crate::store::{Actor, AppError, Store};
use crate::usecase;
use linli_core::staff::{Permission, StaffMember};

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

    /// Record the action but print no slip (for batch work; the person gets none).
    #[arg(long, global = true)]
    pub no_print: bool,

    /// Running the kiosk: give an empty data directory the demo centre first (what
    /// `bin/run` does). A directory with a real centre is left alone.
    #[arg(long)]
    pub demo: bool,

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
    /// Sign a resident up for a programme, at the desk for them (staff only; audited).
    Signup {
        /// The resident's ID number (18 characters).
        #[arg(long)]
        resident: String,
        /// The programme's code.
        #[arg(long)]
        programme: String,
        #[command(flatten)]
        staff: StaffCredential,
    },
    /// Cancel a resident's enrolment; a freed seat is offered to the head of the waiting
    /// list (staff only; audited).
    Cancel {
        #[arg(long)]
        resident: String,
        #[arg(long)]
        programme: String,
        #[command(flatten)]
        staff: StaffCredential,
    },
    /// Accept or decline a seat offered from the waiting list (staff only; audited).
    Offer {
        #[arg(value_enum)]
        answer: OfferAnswer,
        #[arg(long)]
        resident: String,
        #[arg(long)]
        programme: String,
        #[command(flatten)]
        staff: StaffCredential,
    },
    /// Print where a resident stands in a programme now: confirmation, waiting-list
    /// place, offer (with its deadline) or cancellation (staff only; audited).
    Slip {
        #[arg(long)]
        resident: String,
        #[arg(long)]
        programme: String,
        #[command(flatten)]
        staff: StaffCredential,
    },
    /// A resident's kiosk PIN and cards, set at the desk (staff only; audited).
    Resident {
        #[command(subcommand)]
        action: ResidentAction,
    },
    /// The centre's staff accounts: a manager adds, disables and resets them; each
    /// member chooses their own PIN (synced with the district and the centre's devices).
    Staff {
        #[command(subcommand)]
        action: StaffAction,
    },
    /// Look up, at the district, a resident registered at another centre, by their full
    /// ID number, so they can use this centre's services without being entered twice
    /// (staff only; audited here and at the district).
    Lookup {
        /// The full ID number, as on the resident's card.
        #[arg(long)]
        resident: String,
        /// Why, in a few words (e.g. "报名日间照料"); kept with the lookup.
        #[arg(long)]
        purpose: String,
        #[command(flatten)]
        staff: StaffCredential,
    },
    /// Export records (staff with the reports permission; audited); ID numbers and
    /// phones are masked unless --unmasked, which needs that permission too.
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
    /// Check the database: integrity, schema version, pending outbox, printer, sync.
    Doctor,
    /// Enrol this device with the district backend, trading the one-time code district
    /// staff gave for its credential (kept in the data directory, mode 0600).
    Enrol {
        /// The district backend, e.g. https://district.example.gov.cn
        #[arg(long)]
        district: String,
        /// The one-time enrolment code (`linli-district admin device add` prints it).
        #[arg(long)]
        code: String,
        /// Enrol a demo or training data directory with a district's training set-up
        /// (refused otherwise: demo data never reaches a real registry).
        #[arg(long)]
        training: bool,
    },
    /// Sync with the district: push the outbox, pull what the district publishes.
    /// With --once one round, printing {"pushed", "pulled", "pending"}; without, it
    /// keeps syncing in the foreground as the kiosk does in the background.
    Sync {
        #[arg(long)]
        once: bool,
    },
    /// Print the printer test page (ruler, Chinese and ASCII samples).
    PrintTest,
    /// Print a slip again, marked 重印/REPRINT, with the same serial (staff only; audited).
    Reprint {
        /// The slip's serial, as printed on it.
        serial: String,
        #[command(flatten)]
        staff: StaffCredential,
    },
    /// Volunteer service: clock in and out (a slip records the time), certificates.
    Volunteer {
        #[command(subcommand)]
        action: VolunteerAction,
    },
    /// Calls for staff from the kiosk's button or screen; `alerts ack ID` answers one.
    Alerts {
        #[command(subcommand)]
        action: Option<AlertAction>,
    },
    /// The print queue: jobs waiting, in doubt, and recently printed.
    PrintQueue {
        #[command(subcommand)]
        action: Option<QueueAction>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ResidentAction {
    /// Set or reset the resident's six-digit kiosk PIN (the new PIN from
    /// LINLI_RESIDENT_PIN or --new-pin).
    SetPin {
        #[arg(long)]
        resident: String,
        #[arg(
            long = "new-pin",
            env = "LINLI_RESIDENT_PIN",
            value_name = "PIN",
            hide_env_values = true
        )]
        new_pin: String,
        #[command(flatten)]
        staff: StaffCredential,
    },
    /// Register a community card (the number the card reader reads) for the resident.
    IssueCard {
        #[arg(long)]
        resident: String,
        #[arg(long)]
        card: String,
        #[command(flatten)]
        staff: StaffCredential,
    },
}

/// Roles as the district's commands spell them (`front_desk`); `front-desk` works too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum RoleArg {
    #[value(alias = "front-desk")]
    FrontDesk,
    #[value(alias = "social-worker")]
    SocialWorker,
    Manager,
    Technician,
}

impl From<RoleArg> for linli_core::staff::Role {
    fn from(role: RoleArg) -> Self {
        use linli_core::staff::Role;
        match role {
            RoleArg::FrontDesk => Role::FrontDesk,
            RoleArg::SocialWorker => Role::SocialWorker,
            RoleArg::Manager => Role::Manager,
            RoleArg::Technician => Role::Technician,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum StaffAction {
    /// The centre's staff, without PINs (managers).
    List {
        #[command(flatten)]
        staff: StaffCredential,
    },
    /// Add a member with a one-time PIN, printed once (managers).
    Add {
        /// S and three digits, e.g. S005 (what the kiosk's keypad can type).
        #[arg(long = "code")]
        member: String,
        #[arg(long)]
        name: String,
        /// front_desk, social_worker, manager or technician; repeat for several.
        #[arg(long = "role", value_enum, required = true)]
        roles: Vec<RoleArg>,
        #[command(flatten)]
        staff: StaffCredential,
    },
    /// Disable a member: they sign in nowhere any more (managers).
    Disable {
        #[arg(long = "code")]
        member: String,
        #[command(flatten)]
        staff: StaffCredential,
    },
    /// Enable a disabled member again (managers).
    Enable {
        #[arg(long = "code")]
        member: String,
        #[command(flatten)]
        staff: StaffCredential,
    },
    /// Give a member a new one-time PIN, printed once (managers).
    ResetPin {
        #[arg(long = "code")]
        member: String,
        #[command(flatten)]
        staff: StaffCredential,
    },
    /// Choose your own PIN: --staff and the PIN you have now (LINLI_STAFF_PIN), the new
    /// one in LINLI_NEW_PIN (or --new-pin).
    ChangePin {
        #[arg(
            long = "new-pin",
            env = "LINLI_NEW_PIN",
            value_name = "PIN",
            hide_env_values = true
        )]
        new_pin: String,
        #[command(flatten)]
        staff: StaffCredential,
    },
}

#[derive(Debug, Subcommand)]
pub enum VolunteerAction {
    /// Start a shift, at the desk for the volunteer (staff only; audited).
    ClockIn {
        /// The volunteer's ID number.
        #[arg(long)]
        resident: String,
        /// What they are doing, e.g. "四点半学校辅导".
        #[arg(long)]
        activity: String,
        #[command(flatten)]
        staff: StaffCredential,
    },
    /// End the open shift; prints the clock-out slip (a record, not a certificate)
    /// (staff only; audited).
    ClockOut {
        #[arg(long)]
        resident: String,
        #[command(flatten)]
        staff: StaffCredential,
    },
    /// Print a 志愿服务证明 of approved hours between two dates (staff only; audited).
    Certificate {
        #[arg(long)]
        resident: String,
        /// First day, YYYY-MM-DD.
        #[arg(long)]
        from: chrono::NaiveDate,
        /// Last day, YYYY-MM-DD.
        #[arg(long)]
        to: chrono::NaiveDate,
        #[command(flatten)]
        staff: StaffCredential,
    },
}

#[derive(Debug, Subcommand)]
pub enum AlertAction {
    /// Open calls, oldest first (the default).
    List,
    /// Answer a call.
    Ack {
        id: i64,
        #[command(flatten)]
        staff: StaffCredential,
    },
}

#[derive(Debug, Subcommand)]
pub enum QueueAction {
    /// List jobs (the default).
    List,
    /// Print every due job now (after loading paper), waiting at most --wait seconds.
    Run {
        #[arg(long, default_value_t = 30)]
        wait: u64,
    },
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
    // Everything the kiosk creates (database, spool, credential, their temporary
    // files) holds residents' data or secrets: its user's alone, whatever umask the
    // shell or the service manager left.
    // SAFETY: umask only sets the process's file-creation mask; it cannot fail.
    unsafe {
        libc::umask(0o077);
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return command_line_error(&error),
    };
    let data_dir = data_dir::resolve(cli.data_dir.clone());
    match cli.command {
        None => crate::kiosk::run(&data_dir, cli.demo),
        Some(command) => {
            let printing = if cli.no_print {
                Printing::Skip
            } else {
                Printing::Queue
            };
            let (output, code) = run_command(&data_dir, command, printing);
            let text = match output {
                // CSV exports come back as one string and are printed as they are.
                Value::String(text) => text,
                other => format!(
                    "{}\n",
                    serde_json::to_string_pretty(&other).expect("JSON prints")
                ),
            };
            match write_stdout(text.as_bytes()) {
                Ok(()) => code,
                Err(error) => output_failed(&error),
            }
        }
    }
}

/// Exit code of a run whose answer could not be written (a closed pipe, a full disk).
pub const EXIT_OUTPUT_FAILED: u8 = 5;

fn write_stdout(bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()
}

/// Whatever the command did is committed; but whoever ran it did not get the answer
/// (a script would otherwise take the silence for success), so it says so on
/// standard error and exits non-zero.
fn output_failed(error: &std::io::Error) -> ExitCode {
    use std::io::Write;
    let said = json!({
        "error": format!(
            "无法写出结果（{error}）；命令已执行，请用 linli doctor 或导出核对 / \
             cannot write the output ({error}); the command itself was carried out: check with linli doctor or an export"
        ),
        "code": "output_failed",
        "reasons": [],
    });
    let _ = writeln!(std::io::stderr(), "{said}");
    ExitCode::from(EXIT_OUTPUT_FAILED)
}

/// `--help` and `--version` are answers like any other (their output checked); a
/// command line that cannot be understood is refused in JSON with its code, as every
/// other refusal is, and exits 2.
fn command_line_error(error: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match error.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            match write_stdout(error.render().to_string().as_bytes()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => output_failed(&e),
            }
        }
        _ => {
            let refusal = json!({
                "error": "命令行有误 / the command line is not valid",
                "code": "usage",
                "reasons": [error.render().to_string().trim_end()],
            });
            let text = format!(
                "{}\n",
                serde_json::to_string_pretty(&refusal).expect("JSON prints")
            );
            match write_stdout(text.as_bytes()) {
                Ok(()) => ExitCode::from(2),
                Err(e) => output_failed(&e),
            }
        }
    }
}

fn refusal(refused: &crate::store::Refused) -> Value {
    json!({
        "error": refused.error.to_string(),
        "code": refused.code,
        "reasons": refused.reasons.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
    })
}

fn store_error(error: &crate::store::StoreError) -> Value {
    json!({"error": error.to_string(), "code": error.code(), "reasons": []})
}

/// Runs one subcommand and returns what to print and the exit code.
pub fn run_command(
    data_dir: &std::path::Path,
    command: Command,
    printing: Printing,
) -> (Value, ExitCode) {
    if let Command::Sync { once: false } = command {
        return sync_forever(data_dir);
    }
    // Refused before the data directory is touched: a refused enrolment leaves nothing.
    if let Command::Enrol { district, .. } = &command {
        if let Err(AppError::Refused(refused)) = crate::sync::address::check(district) {
            return (refusal(&refused), ExitCode::from(1));
        }
    }
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
        Err(e) => return (store_error(&e), ExitCode::from(3)),
    };
    match dispatch(&mut store, data_dir, command, printing) {
        Ok(mut value) => {
            // The action is committed; now its slip, which waits for nothing but paper.
            drop(store);
            print::deliver(data_dir, &mut value, print::CLI_WAIT);
            (value, ExitCode::SUCCESS)
        }
        Err(AppError::Refused(refused)) => (refusal(&refused), ExitCode::from(1)),
        Err(AppError::Store(e)) => (store_error(&e), ExitCode::from(3)),
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

/// The signed-in staff member as the actor of a command that needs one; refused
/// without `--staff` and a PIN. The use-case then checks the member's permission.
fn staff_actor(
    store: &mut Store,
    credential: &StaffCredential,
    permission: Permission,
) -> Result<Actor, AppError> {
    match signed_in_staff(store, credential)? {
        Some(member) => Ok(Actor::member(&member)),
        None => Err(credential_required(permission)),
    }
}

fn volunteer(
    store: &mut Store,
    now: chrono::NaiveDateTime,
    action: VolunteerAction,
    printing: Printing,
) -> Result<Value, AppError> {
    use usecase::services;
    match action {
        VolunteerAction::ClockIn {
            resident,
            activity,
            staff,
        } => {
            let actor = staff_actor(store, &staff, Permission::RecordVolunteerShifts)?;
            let shift = store.write(&actor, now, |tx| {
                services::clock_in_volunteer(tx, &resident, &activity)
            })?;
            Ok(json!({"shift": shift.id, "clock_in": shift.clock_in, "activity": shift.activity}))
        }
        VolunteerAction::ClockOut { resident, staff } => {
            let actor = staff_actor(store, &staff, Permission::RecordVolunteerShifts)?;
            let (shift, slips) = store.write_issuing(&actor, now, |tx| {
                services::clock_out_volunteer(tx, &resident, printing)
            })?;
            Ok(json!({
                "shift": shift.id,
                "minutes": shift.minutes,
                "status": shift.status.as_str(),
                "slips": slips,
            }))
        }
        VolunteerAction::Certificate {
            resident,
            from,
            to,
            staff,
        } => {
            let actor = staff_actor(store, &staff, Permission::ApproveVolunteerHours)?;
            store.write(&actor, now, |tx| {
                services::volunteer_certificate(tx, &resident, from..=to, printing)
            })
        }
    }
}

fn staff_accounts(
    store: &mut Store,
    now: chrono::NaiveDateTime,
    action: StaffAction,
) -> Result<Value, AppError> {
    use usecase::staff_accounts as accounts;
    match action {
        StaffAction::List { staff } => {
            let actor = staff_actor(store, &staff, Permission::ManageStaff)?;
            accounts::list(store, &actor)
        }
        StaffAction::Add {
            member,
            name,
            roles,
            staff,
        } => {
            let actor = staff_actor(store, &staff, Permission::ManageStaff)?;
            let roles: Vec<linli_core::staff::Role> = roles.into_iter().map(Into::into).collect();
            accounts::add(store, &actor, now, &member, &name, &roles)
        }
        StaffAction::Disable { member, staff } => {
            let actor = staff_actor(store, &staff, Permission::ManageStaff)?;
            accounts::set_disabled(store, &actor, now, &member, true)
        }
        StaffAction::Enable { member, staff } => {
            let actor = staff_actor(store, &staff, Permission::ManageStaff)?;
            accounts::set_disabled(store, &actor, now, &member, false)
        }
        StaffAction::ResetPin { member, staff } => {
            let actor = staff_actor(store, &staff, Permission::ManageStaff)?;
            accounts::reset_pin(store, &actor, now, &member)
        }
        StaffAction::ChangePin { new_pin, staff } => {
            let (Some(code), Some(pin)) = (&staff.code, &staff.pin) else {
                return Err(usecase::staff::pin_missing());
            };
            let member = accounts::change_own_pin(store, now, code, pin, &new_pin)?;
            Ok(json!({"code": member.code, "pin_changed": true}))
        }
    }
}

fn resident(
    store: &mut Store,
    now: chrono::NaiveDateTime,
    action: ResidentAction,
) -> Result<Value, AppError> {
    match action {
        ResidentAction::SetPin {
            resident,
            new_pin,
            staff,
        } => {
            let actor = staff_actor(store, &staff, Permission::RegisterHouseholds)?;
            usecase::residents::set_pin(store, &actor, now, &resident, &new_pin)
        }
        ResidentAction::IssueCard {
            resident,
            card,
            staff,
        } => {
            let actor = staff_actor(store, &staff, Permission::RegisterHouseholds)?;
            usecase::residents::issue_card(store, &actor, now, &resident, &card)
        }
    }
}

fn dispatch(
    store: &mut Store,
    data_dir: &std::path::Path,
    command: Command,
    printing: Printing,
) -> Result<Value, AppError> {
    if let Command::Demo = command {
        crate::store::data_kind::allow_pinned_demo_seed(store.conn(), data_dir)?;
    }
    let now = clock::now();
    match command {
        Command::Demo => usecase::demo::seed(store, now),
        Command::Enrol {
            district,
            code,
            training,
        } => crate::sync::enrol(store, data_dir, &district, &code, training, now),
        Command::Sync { .. } => crate::sync::round(store, data_dir).map(|report| report.to_json()),
        Command::Import {
            what: ImportWhat::Households { file, staff },
        } => {
            let actor = staff_actor(store, &staff, Permission::ImportHouseholds)?;
            usecase::households::import_file(store, &actor, now, &file)
        }
        Command::Signup {
            resident,
            programme,
            staff,
        } => {
            let actor = staff_actor(store, &staff, Permission::ManageEnrolments)?;
            usecase::enrolment::signup(store, &actor, now, &resident, &programme, printing)
        }
        Command::Cancel {
            resident,
            programme,
            staff,
        } => {
            let actor = staff_actor(store, &staff, Permission::ManageEnrolments)?;
            usecase::enrolment::cancel(store, &actor, now, &resident, &programme, printing)
        }
        Command::Offer {
            answer,
            resident,
            programme,
            staff,
        } => {
            let actor = staff_actor(store, &staff, Permission::ManageEnrolments)?;
            usecase::enrolment::answer_offer(
                store,
                &actor,
                now,
                &resident,
                &programme,
                answer == OfferAnswer::Accept,
                printing,
            )
        }
        Command::Resident { action } => resident(store, now, action),
        Command::Staff { action } => staff_accounts(store, now, action),
        Command::Lookup {
            resident,
            purpose,
            staff,
        } => {
            let actor = staff_actor(store, &staff, Permission::RegisterHouseholds)?;
            crate::sync::lookup::resident(store, data_dir, &actor, now, &resident, &purpose)
        }
        Command::Export {
            what,
            format,
            unmasked,
            staff,
        } => {
            let needed = if unmasked {
                Permission::ExportUnmaskedPersonalData
            } else {
                Permission::RunReports
            };
            let actor = staff_actor(store, &staff, needed)?;
            usecase::export::export(store, &actor, what, format, unmasked, now)
        }
        Command::Doctor => unreachable!("handled before the store is opened"),
        Command::PrintTest => {
            usecase::printing::print_test(store, data_dir, &Actor::cli(), now, printing)
        }
        Command::Reprint { serial, staff } => {
            let Some(member) = signed_in_staff(store, &staff)? else {
                return Err(credential_required(Permission::ReprintSlips));
            };
            usecase::printing::reprint(store, &member, now, &serial)
        }
        Command::Slip {
            resident,
            programme,
            staff,
        } => {
            let actor = staff_actor(store, &staff, Permission::ManageEnrolments)?;
            usecase::enrolment::status_slip(store, &actor, now, &resident, &programme, printing)
        }
        Command::Volunteer { action } => volunteer(store, now, action, printing),
        Command::Alerts { action } => match action.unwrap_or(AlertAction::List) {
            AlertAction::List => usecase::alerts::open(store),
            AlertAction::Ack { id, staff } => {
                let Some(member) = signed_in_staff(store, &staff)? else {
                    return Err(credential_required(Permission::AnswerCalls));
                };
                usecase::alerts::acknowledge(store, &member, now, id)
            }
        },
        Command::PrintQueue { action } => match action.unwrap_or(QueueAction::List) {
            QueueAction::List => print::report::queue(store.conn()),
            QueueAction::Run { wait } => {
                usecase::printing::run_queue(data_dir, std::time::Duration::from_secs(wait))
            }
        },
    }
}

/// `linli sync` without --once: the kiosk's background sync, in the foreground, for a
/// terminal without the kiosk window. Prints its state whenever it changes.
fn sync_forever(data_dir: &std::path::Path) -> (Value, ExitCode) {
    let last = std::sync::Mutex::new(None);
    let _thread = crate::sync::thread::SyncThread::spawn(data_dir, move |state| {
        let mut last = last.lock().expect("state lock");
        if last.as_ref() != Some(state) {
            let line = json!({
                "enrolled": state.enrolled,
                "online": state.online,
                "pending": state.pending,
                "parked": state.parked,
                "last_success": state.last_success,
                "last_error": state.last_error,
            });
            if let Err(error) = write_stdout(format!("{line}\n").as_bytes()) {
                // Nobody reads the state any more: stop rather than sync unwatched.
                let _ = output_failed(&error);
                std::process::exit(i32::from(EXIT_OUTPUT_FAILED));
            }
            *last = Some(state.clone());
        }
    });
    loop {
        std::thread::park();
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        super::Cli::command().debug_assert();
    }
}
