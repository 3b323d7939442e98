//! The command line as clap reads it: every subcommand, its flags and their help.
//! Nothing here runs anything (`run.rs` does).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::data_dir;
use crate::usecase::export::ExportKind;

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

/// What `linli export` exports, by the names the use-case gives its kinds, so the
/// list of kinds is kept in one place.
fn export_kind() -> impl clap::builder::TypedValueParser<Value = ExportKind> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(ExportKind::ALL.map(ExportKind::name))
        .map(|name: String| ExportKind::named(&name).expect("a listed kind"))
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
    /// Households at the desk (一口采集): register a family from a JSON file (the import's
    /// fields plus relationships and consent), correct it, show it, mark it moved away
    /// (staff only; audited).
    Household {
        #[command(subcommand)]
        action: HouseholdAction,
    },
    /// Consent to the use of a resident's personal data (个人信息保护法): a guardian's for
    /// a child under 14, the resident's own otherwise (staff only; audited).
    Consent {
        #[command(subcommand)]
        action: ConsentAction,
    },
    /// A resident's community cards: issue or replace one, revoke a lost one (挂失).
    Card {
        #[command(subcommand)]
        action: CardAction,
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
        #[arg(value_parser = export_kind())]
        what: ExportKind,
        #[arg(long, value_enum, default_value = "json")]
        format: Format,
        /// Show ID numbers and phones in full (needs --staff and a PIN with that permission; audited).
        #[arg(long)]
        unmasked: bool,
        #[command(flatten)]
        staff: StaffCredential,
    },
    /// The audit log (操作日志), newest first, filtered (managers; the look is audited).
    Audit {
        /// From this day (YYYY-MM-DD).
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
        /// To this day, inclusive.
        #[arg(long)]
        to: Option<chrono::NaiveDate>,
        /// Entries made by this staff member (a staff code); `--staff` is whoever looks.
        #[arg(long = "by", value_name = "STAFF_CODE")]
        by: Option<String>,
        /// Entries about this resident (their full ID number; matched masked).
        #[arg(long)]
        resident: Option<String>,
        /// One kind of action, e.g. fee_paid, checked_out, phone_shown_in_full.
        #[arg(long)]
        action: Option<String>,
        /// Entries made on this device (its id).
        #[arg(long)]
        device: Option<String>,
        #[arg(long, value_enum, default_value = "json")]
        format: Format,
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
    /// Find a resident at the desk: a name (张小明), its pinyin or initials
    /// (zhangxiaoming, zxm, zhangxm), a phone number or its last four digits, the last
    /// four to six characters of an ID number, a household code or a card number.
    /// Shows at most 20, masked, best first.
    Search {
        /// What to look for.
        query: String,
        #[command(flatten)]
        staff: StaffCredential,
    },
    /// A programme's roster at the desk: `show` the confirmed, the waiting list in 轮候
    /// order with each person's group and explanation, and the offers; `offer` a free
    /// seat to the head of the list now, or `withdraw` a waiting place or an offer,
    /// each with a reason (audited, sent to the district).
    Roster {
        #[command(subcommand)]
        action: RosterAction,
    },
    /// 学生午托 meal counts for a day or its week: enrolled, reported absent, expected,
    /// checked in and the meals to cook; --print prints the kitchen's slip for the day
    /// (staff only; audited).
    Meals {
        /// The day, YYYY-MM-DD (default today).
        #[arg(long)]
        date: Option<chrono::NaiveDate>,
        /// Every school day of the date's week, Monday to Friday (and a make-up day).
        #[arg(long)]
        week: bool,
        /// Print the kitchen's slip for the day (counts and special diets, names masked).
        #[arg(long)]
        print: bool,
        #[command(flatten)]
        staff: StaffCredential,
    },
    /// A child's dietary needs and allergies, for the kitchen and the roll call
    /// (front desk, social workers and managers only; kept on this device).
    Dietary {
        #[command(subcommand)]
        action: DietaryAction,
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
    /// Fees: take a payment (receipt printed), give a refund, the day's cash summary
    /// (staff with the fees permission; audited).
    Fees {
        #[command(subcommand)]
        action: FeesAction,
    },
    /// Elderly day care (日间照料): the day's list, arrivals, meals, transport, the
    /// driver's route list and closing the day (staff with the day-care permission).
    DayCare {
        #[command(subcommand)]
        action: DayCareAction,
    },
    /// Roll call for 四点半学校 and 学生午托 at the desk: today's list, check-in,
    /// check-out to an adult on the pickup list, late pickups (staff only; audited).
    RollCall {
        #[command(subcommand)]
        action: RollCallAction,
    },
    /// Who may collect a child: adults on the child's pickup list, set at the desk
    /// (staff only; audited).
    Pickup {
        #[command(subcommand)]
        action: PickupAction,
    },
}

#[derive(Debug, Subcommand)]
pub enum RollCallAction {
    /// Mark a child absent, today or in advance for a later day or half a day.
    Absent {
        /// The programme's code (四点半学校 or 学生午托).
        #[arg(long)]
        programme: String,
        /// The child's ID number.
        #[arg(long)]
        resident: String,
        #[arg(long, value_enum)]
        reason: AbsenceReasonArg,
        /// What the parent said (required with --reason other).
        #[arg(long)]
        note: Option<String>,
        /// The day, YYYY-MM-DD (default today; never a past day).
        #[arg(long)]
        date: Option<chrono::NaiveDate>,
        #[arg(long, value_enum, default_value = "whole")]
        part: DayPartArg,
        #[command(flatten)]
        staff: StaffCredential,
    },
    /// The day's roll in school-year groups, with expected, arrived, absent and left.
    Show {
        #[arg(long)]
        programme: String,
        /// The day (YYYY-MM-DD); today when left out.
        #[arg(long)]
        date: Option<chrono::NaiveDate>,
        #[command(flatten)]
        staff: StaffCredential,
    },
    /// Check children in; repeat --resident for a whole group at once.
    CheckIn {
        #[arg(long)]
        programme: String,
        #[arg(long, required = true)]
        resident: Vec<String>,
        #[command(flatten)]
        staff: StaffCredential,
    },
    /// Check a child out to an adult on their pickup list (--by their ID number, or
    /// --card their pickup card), or alone (--alone) with the guardian's consent.
    #[command(group(clap::ArgGroup::new("collector").required(true).args(["by", "card", "alone"])))]
    CheckOut {
        #[arg(long)]
        programme: String,
        #[arg(long)]
        resident: String,
        #[arg(long, conflicts_with_all = ["card", "alone"])]
        by: Option<String>,
        #[arg(long, conflicts_with = "alone")]
        card: Option<String>,
        #[arg(long)]
        alone: bool,
        #[command(flatten)]
        staff: StaffCredential,
    },
    /// Children still here after closing and the grace period, with their contacts
    /// (phones masked) and the calls made.
    Late {
        #[arg(long)]
        programme: String,
        #[command(flatten)]
        staff: StaffCredential,
    },
    /// Record a call made about a late child: the contact's number in the late list.
    Call {
        #[arg(long)]
        programme: String,
        #[arg(long)]
        resident: String,
        #[arg(long)]
        contact: usize,
        #[arg(long, value_enum)]
        outcome: CallOutcomeArg,
        #[arg(long, default_value = "")]
        note: String,
        #[command(flatten)]
        staff: StaffCredential,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum CallOutcomeArg {
    #[value(alias = "reached")]
    Reached,
    #[value(alias = "no-answer")]
    NoAnswer,
    #[value(alias = "wrong-number")]
    WrongNumber,
}

#[derive(Debug, Subcommand)]
pub enum PickupAction {
    /// Put an adult on a child's pickup list, or change their entry.
    Set {
        /// The child's ID number.
        #[arg(long)]
        child: String,
        /// The adult's ID number (their name then comes from the registry).
        #[arg(long)]
        adult: Option<String>,
        /// The adult's name, when they are not in the registry.
        #[arg(long)]
        name: Option<String>,
        /// The adult's relation to the child (母亲, 外婆, 邻居…).
        #[arg(long)]
        relationship: String,
        /// This adult must NOT collect the child (a court order, safeguarding).
        #[arg(long)]
        must_not_collect: bool,
        /// The first day they may collect (YYYY-MM-DD).
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
        /// The last day they may collect (YYYY-MM-DD).
        #[arg(long)]
        until: Option<chrono::NaiveDate>,
        /// A pickup card (接送卡) number issued to this adult.
        #[arg(long)]
        card: Option<String>,
        #[command(flatten)]
        staff: StaffCredential,
    },
}

#[derive(Debug, Subcommand)]
pub enum ResidentAction {
    /// A resident's own record on request (个人信息保护法): everything held about them,
    /// others masked, and the 个人信息副本 slip for them. Audited.
    Copy {
        /// The full ID number.
        #[arg(long)]
        id: String,
        #[command(flatten)]
        staff: StaffCredential,
    },
    /// A resident's record, masked (the look audited). Someone not registered here is
    /// looked up at the district with --purpose (audited there and here).
    Show {
        /// The full ID number.
        #[arg(long)]
        id: String,
        /// Why, for a lookup at the district (e.g. "报名日间照料").
        #[arg(long)]
        purpose: Option<String>,
        #[command(flatten)]
        staff: StaffCredential,
    },
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
    /// A forgotten PIN stops working and a locked account is unlocked; the resident
    /// then chooses a new one. Staff never see or type it.
    PinReset {
        /// The resident's ID number.
        #[arg(long)]
        id: String,
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
    /// Revoke a card reported lost (挂失): it stops working at once; issuing it again
    /// brings it back.
    RevokeCard {
        #[arg(long)]
        card: String,
        #[command(flatten)]
        staff: StaffCredential,
    },
}

#[derive(Debug, Subcommand)]
pub enum HouseholdAction {
    /// Register a new household and its members, all or nothing; every problem is
    /// named with its member and field. A child under 14 needs a guardian's consent.
    Add {
        /// The household as JSON (UTF-8 or GBK): see the README for its fields.
        #[arg(long)]
        file: std::path::PathBuf,
        #[command(flatten)]
        staff: StaffCredential,
    },
    /// Add or correct members of a household (members left out stay as they are);
    /// each changed value is audited with the old and the new.
    Edit {
        #[arg(long)]
        household: String,
        #[arg(long)]
        file: std::path::PathBuf,
        #[command(flatten)]
        staff: StaffCredential,
    },
    /// The household and its members, masked, with each member's consented purposes.
    Show {
        #[arg(long)]
        household: String,
        #[command(flatten)]
        staff: StaffCredential,
    },
    /// Mark a household moved away (迁出): its history stays, it takes no new sign-ups.
    MoveAway {
        #[arg(long)]
        household: String,
        /// Why, in a few words (required; kept in the audit log).
        #[arg(long)]
        reason: Option<String>,
        #[command(flatten)]
        staff: StaffCredential,
    },
    /// Possible duplicates: the same name, birth date and phone in two households.
    Duplicates {
        #[command(flatten)]
        staff: StaffCredential,
    },
    /// Merge two households that are one family: each person in both is one again
    /// (enrolments, attendance, volunteer hours, fees and ratings move with them), the
    /// removed household's other members join the kept one. One audited transaction.
    Merge {
        #[arg(long)]
        keep: String,
        #[arg(long)]
        remove: String,
        /// Values to take from the removed household instead: address, phone,
        /// id_number (comma-separated).
        #[arg(long, value_delimiter = ',')]
        take: Vec<String>,
        /// Show, side by side, what the merge would do, and change nothing.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        staff: StaffCredential,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConsentAction {
    /// Record a consent; it replaces the one in force (the old one is kept).
    Record {
        /// The resident's ID number.
        #[arg(long)]
        resident: String,
        /// The guardian's ID number (a registered adult), for a child under 14 only.
        #[arg(long)]
        guardian: Option<String>,
        /// The purposes, comma-separated: services (required), activity_contact, photos.
        #[arg(long, value_delimiter = ',', required = true)]
        purposes: Vec<String>,
        /// The version of the notice shown (today's when left out).
        #[arg(long)]
        notice: Option<String>,
        #[command(flatten)]
        staff: StaffCredential,
    },
    /// A resident's consents, newest first (the one in force first).
    Show {
        #[arg(long)]
        resident: String,
        #[command(flatten)]
        staff: StaffCredential,
    },
}

#[derive(Debug, Subcommand)]
pub enum CardAction {
    /// Issue a card to a resident, or replace their lost one with a new number.
    Issue {
        /// The resident's ID number.
        #[arg(long)]
        id: String,
        /// The card's number, as the reader reads it.
        #[arg(long)]
        card: String,
        #[command(flatten)]
        staff: StaffCredential,
    },
    /// Revoke a card (挂失): it stops working at once, on every kiosk after sync.
    Revoke {
        #[arg(long)]
        card: String,
        #[command(flatten)]
        staff: StaffCredential,
    },
}

#[derive(Debug, Subcommand)]
pub enum RosterAction {
    /// Confirmed seats, the waiting list in order (group and explanation), the offers
    /// out and the latest answers.
    Show {
        #[arg(long)]
        programme: String,
        #[command(flatten)]
        staff: StaffCredential,
    },
    /// Offer a free seat now to the head of the waiting list (only the head: the order
    /// is the policy's).
    Offer {
        #[arg(long)]
        programme: String,
        #[arg(long)]
        resident: String,
        /// Why, in a few words (required; kept in the audit log).
        #[arg(long)]
        reason: Option<String>,
        #[command(flatten)]
        staff: StaffCredential,
    },
    /// Take back a waiting-list place or an offer not yet answered; an offer's seat
    /// passes to the head of the waiting list.
    Withdraw {
        #[arg(long)]
        programme: String,
        #[arg(long)]
        resident: String,
        /// Why, in a few words (required; kept in the audit log).
        #[arg(long)]
        reason: Option<String>,
        #[command(flatten)]
        staff: StaffCredential,
    },
    /// Move someone to another programme of the same kind: their place here is given
    /// up (a freed seat passes on) and they apply there, placed by its own policy.
    Move {
        #[arg(long)]
        programme: String,
        /// The programme to move to.
        #[arg(long)]
        to: String,
        #[arg(long)]
        resident: String,
        /// Why, in a few words (required; kept in the audit log).
        #[arg(long)]
        reason: Option<String>,
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

/// "08:30" (or "08:30:00"), a time of day.
fn time_of_day(text: &str) -> Result<chrono::NaiveTime, String> {
    chrono::NaiveTime::parse_from_str(text, "%H:%M")
        .or_else(|_| chrono::NaiveTime::parse_from_str(text, "%H:%M:%S"))
        .map_err(|_| format!("\"{text}\" is not a time of day HH:MM (e.g. 08:30)"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MealArg {
    Breakfast,
    Lunch,
}

impl From<MealArg> for linli_core::day_care::Meal {
    fn from(meal: MealArg) -> Self {
        match meal {
            MealArg::Breakfast => linli_core::day_care::Meal::Breakfast,
            MealArg::Lunch => linli_core::day_care::Meal::Lunch,
        }
    }
}

/// Which day-care programme, and who, as every day-care command names them.
#[derive(Debug, Clone, clap::Args)]
pub struct DayCareMember {
    /// The member's ID number.
    #[arg(long)]
    pub resident: String,
    /// The day-care programme's code (needed only where the centre runs several).
    #[arg(long)]
    pub programme: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum DayCareAction {
    /// The day's list: expected, arrived, left, meals, transport; the people to call
    /// (expected, not here, no word) and anyone picked up and not dropped off.
    Show {
        /// The day, YYYY-MM-DD (default: today).
        #[arg(long)]
        date: Option<chrono::NaiveDate>,
        #[arg(long)]
        programme: Option<String>,
        #[command(flatten)]
        staff: StaffCredential,
    },
    /// The member arrives.
    Arrive {
        #[command(flatten)]
        member: DayCareMember,
        #[command(flatten)]
        staff: StaffCredential,
    },
    /// The member goes home.
    Leave {
        #[command(flatten)]
        member: DayCareMember,
        #[command(flatten)]
        staff: StaffCredential,
    },
    /// The member sent word they will not come today (then nobody needs to call).
    Absent {
        #[command(flatten)]
        member: DayCareMember,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        staff: StaffCredential,
    },
    /// The member took a meal (lunch unless --meal breakfast).
    Meal {
        #[command(flatten)]
        member: DayCareMember,
        #[arg(long, value_enum, default_value = "lunch")]
        meal: MealArg,
        #[command(flatten)]
        staff: StaffCredential,
    },
    /// Where and when the van picks the member up today.
    Transport {
        #[command(flatten)]
        member: DayCareMember,
        /// HH:MM.
        #[arg(long = "pickup-at", value_parser = time_of_day)]
        pickup_at: chrono::NaiveTime,
        /// The pick-up place, e.g. "海滨社区3栋东门".
        #[arg(long)]
        place: String,
        #[command(flatten)]
        staff: StaffCredential,
    },
    /// The van picked the member up (now).
    PickedUp {
        #[command(flatten)]
        member: DayCareMember,
        #[command(flatten)]
        staff: StaffCredential,
    },
    /// The van dropped the member off (now).
    DroppedOff {
        #[command(flatten)]
        member: DayCareMember,
        #[command(flatten)]
        staff: StaffCredential,
    },
    /// Close today: refused while someone picked up has no drop-off time, unless
    /// --reason says why (kept and audited).
    Close {
        #[arg(long)]
        reason: Option<String>,
        #[arg(long)]
        programme: Option<String>,
        #[command(flatten)]
        staff: StaffCredential,
    },
    /// Today's route list for the driver, masked; --print prints it.
    Route {
        #[arg(long)]
        print: bool,
        #[arg(long)]
        programme: Option<String>,
        #[command(flatten)]
        staff: StaffCredential,
    },
}

/// How a fee was paid, as staff type it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MethodArg {
    /// Cash at the desk.
    Cash,
    /// A transfer made elsewhere (bank, WeChat Pay, Alipay), named by its reference.
    Reference,
}

impl From<MethodArg> for linli_core::fees::PaymentMethod {
    fn from(method: MethodArg) -> Self {
        match method {
            MethodArg::Cash => linli_core::fees::PaymentMethod::Cash,
            MethodArg::Reference => linli_core::fees::PaymentMethod::Reference,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum FeesAction {
    /// Take a payment of a resident's fee for a programme, for the current fee period
    /// (term, month or day); waivers apply by themselves, and no more than is still
    /// owed is taken. Prints the 收据 (payment receipt).
    Pay {
        /// The resident's ID number.
        #[arg(long)]
        resident: String,
        /// The programme's code.
        #[arg(long)]
        programme: String,
        /// The amount in fen (1 yuan = 100 fen), e.g. 15000 for 150 yuan.
        #[arg(long = "amount-fen", allow_negative_numbers = true)]
        amount_fen: i64,
        #[arg(long, value_enum)]
        method: MethodArg,
        /// The transfer's payment reference (required with --method reference).
        #[arg(long)]
        reference: Option<String>,
        #[command(flatten)]
        staff: StaffCredential,
    },
    /// Give money back from one payment (its id, from `fees pay`), at most what is
    /// left of it, by the way it was paid. Prints the 退款收据 (refund receipt).
    Refund {
        /// The payment's id, as `fees pay` answered it.
        #[arg(long)]
        payment: String,
        #[arg(long = "amount-fen", allow_negative_numbers = true)]
        amount_fen: i64,
        /// Why, in words (kept with the refund and printed on its receipt).
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        staff: StaffCredential,
    },
    /// The day's takings and refunds by method, and the net cash; --print prints the
    /// 收费日结单, --format csv gives a file for Excel.
    Summary {
        /// The day, YYYY-MM-DD (default: today).
        #[arg(long)]
        date: Option<chrono::NaiveDate>,
        #[arg(long, value_enum, default_value = "json")]
        format: Format,
        /// Print the daily cash summary slip.
        #[arg(long)]
        print: bool,
        #[command(flatten)]
        staff: StaffCredential,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AbsenceReasonArg {
    /// 病假.
    Ill,
    /// 事假.
    Leave,
    /// Anything else, said in --note.
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DayPartArg {
    Whole,
    /// Before noon.
    Morning,
    /// From noon.
    Afternoon,
}

#[derive(Debug, Subcommand)]
pub enum DietaryAction {
    /// Record a child's needs, replacing what was recorded (none of the flags: remove).
    Set {
        #[arg(long)]
        resident: String,
        /// Allergies, separated by commas: "花生,牛奶".
        #[arg(long)]
        allergies: Option<String>,
        /// A diet the kitchen follows, e.g. 清真 or 素食.
        #[arg(long)]
        diet: Option<String>,
        #[arg(long)]
        note: Option<String>,
        #[command(flatten)]
        staff: StaffCredential,
    },
    /// Show a child's needs.
    Show {
        #[arg(long)]
        resident: String,
        #[command(flatten)]
        staff: StaffCredential,
    },
}
