//! The scriptable interface: `linli <subcommand>` for staff, technicians and
//! automation. Every subcommand prints one JSON document on stdout. A refusal
//! prints `{"error": ..., "code": ..., "reasons": [...]}` and exits 1; a command line
//! that cannot be understood exits 2; a store that cannot be used (unwritable,
//! damaged, from a newer Linli) exits 3; an answer that cannot be written exits 5.
//!
//! `args.rs` is the command line as clap reads it, `run.rs` runs a subcommand and
//! turns its typed result into JSON: the only place results become JSON.

pub mod args;
pub mod output;
pub mod run;

use std::process::ExitCode;

use clap::Parser;
use serde_json::{json, Value};

use crate::data_dir;
use crate::print::Printing;
pub use args::*;
pub use output::EXIT_OUTPUT_FAILED;
use output::{output_failed, write_stdout};
pub use run::run_command;

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
