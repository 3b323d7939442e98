//! `linli-district`: `migrate`, `serve`, and `admin …` for district staff. Every
//! command prints JSON; a refusal prints `{"error", "code", "field"}` and exits 1, a
//! database that cannot be reached exits 3, and an answer that cannot be written to
//! standard output (closed pipe, full disk) exits 4 with `output_failed` on standard
//! error.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use serde_json::{json, Value};

use crate::admin::{self, AdminError};
use crate::limits::Limits;
use crate::server;
use crate::state::AppState;
use crate::{db, staff, tls};

#[derive(Parser, Debug)]
#[command(name = "linli-district", about = "Linli's district backend (区级后台)")]
pub struct Cli {
    /// The PostgreSQL database, e.g. postgres://postgres@127.0.0.1/linli
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Brings the database schema up to date (safe to run from several instances).
    Migrate,
    /// Serves devices; several instances may serve one database.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8443")]
        listen: String,
        /// PEM certificate chain; with --tls-key, the server speaks HTTPS.
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Database connections this instance keeps.
        #[arg(long, default_value_t = 16)]
        connections: usize,
        /// Connections served at once; more wait to be accepted.
        #[arg(long, default_value_t = 1024)]
        max_connections: usize,
        /// Seconds a client has to finish the TLS handshake.
        #[arg(long, default_value_t = 10)]
        tls_handshake_timeout: u64,
        /// Seconds a client has to send a request's whole header.
        #[arg(long, default_value_t = 10)]
        header_timeout: u64,
        /// Enrolment attempts per client address and minute.
        #[arg(long, default_value_t = 10)]
        enrols_per_minute: u32,
        /// Registry lookups per device and hour.
        #[arg(long, default_value_t = 30)]
        lookups_per_hour: u32,
    },
    /// District staff's commands.
    Admin {
        #[command(subcommand)]
        action: Admin,
    },
}

#[derive(Subcommand, Debug)]
pub enum Admin {
    Centre {
        #[command(subcommand)]
        action: CentreAction,
    },
    Device {
        #[command(subcommand)]
        action: DeviceAction,
    },
    /// Publishes from a JSON file: programme (needs --centre), rules, policy, calendar,
    /// categories, retention.
    Publish {
        kind: PublishKind,
        file: PathBuf,
        #[arg(long)]
        centre: Option<String>,
    },
    /// Events the district refused, with their reasons.
    Rejected {
        #[arg(long)]
        centre: Option<String>,
    },
    /// Records as JSON or CSV, with the kiosk's keys; ID numbers and phones are masked
    /// unless --unmasked (which needs --by). Every export is logged with who asked.
    Export {
        #[arg(value_enum)]
        what: crate::export::ExportKind,
        #[arg(long, value_enum, default_value = "json")]
        format: crate::export::Format,
        #[arg(long)]
        centre: Option<String>,
        /// First day, YYYY-MM-DD (each record's own date: sign-up, session, shift…).
        #[arg(long)]
        from: Option<String>,
        /// Last day, YYYY-MM-DD, inclusive.
        #[arg(long)]
        to: Option<String>,
        /// Full ID numbers and phones (for filing with the national volunteer system).
        #[arg(long)]
        unmasked: bool,
        /// Who is exporting, for the log; defaults to the login name.
        #[arg(long)]
        by: Option<String>,
    },
    /// A month's figures per centre and programme.
    Report {
        /// YYYY-MM.
        #[arg(long)]
        month: String,
        #[arg(long)]
        centre: Option<String>,
        #[arg(long, value_enum, default_value = "json")]
        format: crate::export::Format,
    },
    /// Seeds the kiosk's demo centre (idempotent).
    Demo,
    /// The published calendar: `status` says whether it covers the coming days.
    Calendar {
        #[command(subcommand)]
        action: CalendarAction,
    },
    /// Staff accounts of a centre; their devices receive each change on their next pull.
    Staff {
        #[command(subcommand)]
        action: StaffAction,
    },
}

#[derive(Subcommand, Debug)]
pub enum CalendarAction {
    /// Through when holidays are published, and the warning when next year's are
    /// missing (from 60 days before the end).
    Status,
}

#[derive(Subcommand, Debug)]
pub enum StaffAction {
    /// Adds an account and prints its one-time PIN, once; the member chooses their own
    /// at their first sign-in.
    Add {
        #[arg(long)]
        centre: String,
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        /// front_desk, social_worker, manager or technician; repeat for several.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
    },
    /// The centre's accounts (never their PIN hashes).
    List {
        #[arg(long)]
        centre: String,
    },
    /// Stops an account signing in anywhere.
    Disable {
        #[arg(long)]
        centre: String,
        #[arg(long)]
        code: String,
    },
    /// Lets a disabled account sign in again.
    Enable {
        #[arg(long)]
        centre: String,
        #[arg(long)]
        code: String,
    },
    /// A new one-time PIN, printed once.
    ResetPin {
        #[arg(long)]
        centre: String,
        #[arg(long)]
        code: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum CentreAction {
    Add {
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        /// GB/T 2260 code of the district, e.g. 440306.
        #[arg(long)]
        district: String,
        #[arg(long, default_value = "")]
        community: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum DeviceAction {
    /// Registers a device; prints its one-time enrolment code.
    Add {
        #[arg(long)]
        centre: String,
        #[arg(long)]
        name: String,
    },
    /// Stops a device: its credential no longer works.
    Revoke { device: String },
    List {
        #[arg(long)]
        centre: Option<String>,
    },
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum PublishKind {
    Programme,
    Rules,
    Policy,
    Calendar,
    Categories,
    /// How long households no longer served keep their personal data: {"version", "years"}.
    Retention,
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // Help and version go to standard output like any answer, so they too must
        // not claim success when it could not take them.
        Err(error) => {
            let code = if error.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
            return match error.print() {
                Ok(()) => code,
                Err(io) => output_failed(&io),
            };
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("LINLI_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime starts");
    runtime.block_on(run(cli))
}

/// Standard output could not take the answer (a reader that stopped early, `| head`;
/// a full disk): said on standard error and in the exit status, never a panic and
/// never a silent success, since whoever reads the output did not get it all.
fn output_failed(error: &std::io::Error) -> ExitCode {
    let _ = writeln!(
        std::io::stderr(),
        "{}",
        json!({
            "error": format!("无法写出结果 / the output cannot be written: {error}"),
            "code": "output_failed",
        })
    );
    ExitCode::from(4)
}

/// An error and each of its causes, `: `-separated (as `anyhow` prints `{:#}`), so a
/// certificate that cannot be read names both the file and the system's reason.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Writes `bytes` to standard output, then exits with `code` if that worked.
fn emit(bytes: &[u8], code: ExitCode) -> ExitCode {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => code,
        Err(error) => output_failed(&error),
    }
}

/// A JSON answer (or error) on standard output, then `code`.
fn print(value: &Value, code: ExitCode) -> ExitCode {
    let mut text = serde_json::to_string_pretty(value).expect("JSON prints");
    text.push('\n');
    emit(text.as_bytes(), code)
}

fn refusal(error: &linli_core::FieldError) -> ExitCode {
    print(
        &json!({
            "error": format!("{} / {}", error.message.zh, error.message.en),
            "code": error.code,
            "field": error.field,
        }),
        ExitCode::from(1),
    )
}

fn unavailable(error: impl std::fmt::Display) -> ExitCode {
    print(
        &json!({
            "error": format!("无法使用数据库 / the database cannot be used: {error}"),
            "code": "database_unavailable",
        }),
        ExitCode::from(3),
    )
}

pub async fn run(cli: Cli) -> ExitCode {
    let Some(url) = cli.database_url else {
        return print(
            &json!({
                "error": "请设置DATABASE_URL / set DATABASE_URL (or --database-url) to the PostgreSQL database",
                "code": "no_database",
                "field": "DATABASE_URL",
            }),
            ExitCode::from(2),
        );
    };
    let connections = match &cli.command {
        Command::Serve { connections, .. } => *connections,
        _ => 2,
    };
    let pool = match db::pool(&url, connections) {
        Ok(pool) => pool,
        Err(error) => return unavailable(error),
    };
    match cli.command {
        Command::Migrate => match db::migrate(&pool).await {
            Ok(applied) => print(
                &json!({"applied": applied, "migrations": db::MIGRATIONS.len()}),
                ExitCode::SUCCESS,
            ),
            Err(error) => unavailable(error),
        },
        Command::Serve {
            listen,
            tls_cert,
            tls_key,
            max_connections,
            tls_handshake_timeout,
            header_timeout,
            enrols_per_minute,
            lookups_per_hour,
            ..
        } => {
            let limits = Limits {
                max_connections,
                tls_handshake: std::time::Duration::from_secs(tls_handshake_timeout.max(1)),
                header_read: std::time::Duration::from_secs(header_timeout.max(1)),
                enrols_per_minute,
                lookups_per_hour,
                ..Limits::default()
            };
            let listener = match tokio::net::TcpListener::bind(&listen).await {
                Ok(listener) => listener,
                Err(error) => {
                    return print(
                        &json!({"error": format!("cannot listen on {listen}: {error}"), "code": "listen_failed"}),
                        ExitCode::from(2),
                    );
                }
            };
            let address = listener
                .local_addr()
                .map(|a| a.to_string())
                .unwrap_or(listen);
            let files = tls_cert
                .zip(tls_key)
                .map(|(cert, key)| tls::TlsFiles { cert, key });
            // A bad certificate stops the server before it says it is listening.
            if let Some(files) = &files {
                if let Err(error) = tls::server_config(files) {
                    return print(
                        &json!({"error": with_causes(&error), "code": "server_failed"}),
                        ExitCode::from(2),
                    );
                }
            }
            let scheme = if files.is_some() { "https" } else { "http" };
            // The first line on stdout says where it listens, so a test or a
            // supervisor can start it on port 0 and find it.
            let line = format!(
                "{}\n",
                json!({"listening": format!("{scheme}://{address}")})
            );
            if emit(line.as_bytes(), ExitCode::SUCCESS) != ExitCode::SUCCESS {
                return ExitCode::from(4);
            }
            let shutdown = async {
                let _ = tokio::signal::ctrl_c().await;
            };
            match server::run(
                listener,
                AppState::with_limits(pool, limits),
                files,
                shutdown,
            )
            .await
            {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => print(
                    &json!({"error": error.to_string(), "code": "server_failed"}),
                    ExitCode::from(2),
                ),
            }
        }
        Command::Admin { action } => match admin(&pool, action).await {
            // CSV comes back as one string and is printed as it is.
            Ok(Value::String(text)) => emit(text.as_bytes(), ExitCode::SUCCESS),
            Ok(value) => print(&value, ExitCode::SUCCESS),
            Err(AdminError::Refused(error)) => refusal(&error),
            Err(AdminError::Db(error)) => unavailable(error),
        },
    }
}

/// The login name of whoever runs the command, for the records that name who acted.
fn login() -> Option<String> {
    std::env::var("USER")
        .ok()
        .or_else(|| std::env::var("LOGNAME").ok())
}

async fn admin(pool: &deadpool_postgres::Pool, action: Admin) -> Result<Value, AdminError> {
    match action {
        Admin::Centre {
            action:
                CentreAction::Add {
                    code,
                    name,
                    district,
                    community,
                },
        } => admin::centre_add(pool, &code, &name, &district, &community).await,
        Admin::Device { action } => match action {
            DeviceAction::Add { centre, name } => admin::device_add(pool, &centre, &name).await,
            DeviceAction::Revoke { device } => admin::device_revoke(pool, &device).await,
            DeviceAction::List { centre } => admin::device_list(pool, centre.as_deref()).await,
        },
        Admin::Publish { kind, file, centre } => {
            let text = std::fs::read_to_string(&file).map_err(|e| {
                AdminError::Refused(linli_core::FieldError::new(
                    "file",
                    "unreadable_file",
                    format!("无法读取文件{}：{e}", file.display()),
                    format!("cannot read {}: {e}", file.display()),
                ))
            })?;
            match kind {
                PublishKind::Programme => {
                    let centre = centre.ok_or_else(|| {
                        AdminError::Refused(linli_core::FieldError::new(
                            "centre",
                            "required",
                            "发布服务项目须指定 --centre",
                            "publishing a programme needs --centre",
                        ))
                    })?;
                    admin::publish_programme(pool, &centre, &text).await
                }
                PublishKind::Rules => admin::publish_rules(pool, &text).await,
                PublishKind::Policy => admin::publish_policy(pool, &text).await,
                PublishKind::Calendar => admin::publish_calendar(pool, &text).await,
                PublishKind::Categories => admin::publish_categories(pool, &text).await,
                PublishKind::Retention => admin::publish_retention(pool, &text).await,
            }
        }
        Admin::Rejected { centre } => admin::rejected(pool, centre.as_deref()).await,
        Admin::Export {
            what,
            format,
            centre,
            from,
            to,
            unmasked,
            by,
        } => {
            let by = by.or_else(login);
            let request = crate::export::ExportRequest {
                kind: what,
                format,
                centre: centre.as_deref(),
                from: from.as_deref(),
                to: to.as_deref(),
                unmasked,
                by: by.as_deref(),
            };
            crate::export::export(pool, &request).await
        }
        Admin::Report {
            month,
            centre,
            format,
        } => {
            let report = crate::report::report(pool, &month, centre.as_deref(), format).await?;
            if report.is_string() {
                // A CSV must stay a table; its reader still hears of the calendar.
                let client = pool.get().await?;
                if let Some(warning) =
                    crate::calendar::warning(&client, crate::clock::today()).await?
                {
                    let _ = writeln!(
                        std::io::stderr(),
                        "{}",
                        json!({"calendar_warning": warning})
                    );
                }
            }
            Ok(report)
        }
        Admin::Calendar {
            action: CalendarAction::Status,
        } => {
            let client = pool.get().await?;
            Ok(crate::calendar::status(&client, crate::clock::today()).await?)
        }
        Admin::Demo => crate::demo::seed(pool).await,
        Admin::Staff { action } => {
            let login = login();
            let login = login.as_deref();
            match action {
                StaffAction::Add {
                    centre,
                    code,
                    name,
                    roles,
                } => staff::add(pool, &centre, &code, &name, &roles, login).await,
                StaffAction::List { centre } => staff::list(pool, &centre).await,
                StaffAction::Disable { centre, code } => {
                    staff::disable(pool, &centre, &code, login).await
                }
                StaffAction::Enable { centre, code } => {
                    staff::enable(pool, &centre, &code, login).await
                }
                StaffAction::ResetPin { centre, code } => {
                    staff::reset_pin(pool, &centre, &code, login).await
                }
            }
        }
    }
}
