//! A command waits for its slips: what `linli` tells the person about each one once the
//! action is committed (printed, or queued and why).

use std::path::Path;
use std::time::{Duration, Instant};

use linli_core::receipt::IssuedSlip;
use linli_core::Text;
use serde::Serialize;

use super::device;
use super::queue::JobState;
use super::spooler::Spooler;
use crate::error::AppError;

/// How long a CLI command waits for its slip before saying it is queued and why.
pub const CLI_WAIT: Duration = Duration::from_secs(20);

/// A slip a command issued, and how its printing went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivered {
    #[serde(flatten)]
    pub slip: IssuedSlip,
    /// Printed, or queued with the reason.
    pub print: JobState,
    /// The printer it went to, when one could be opened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub printer: Option<String>,
}

/// Prints the slips a command issued and says how each went: printed, or queued with
/// the reason. A slip that does not print now stays queued; the kiosk, or the next
/// command, prints it when the printer is back.
pub fn deliver(data_dir: &Path, slips: &[IssuedSlip], wait: Duration) -> Vec<Delivered> {
    if slips.is_empty() {
        return Vec::new();
    }
    let spooler = device::load(data_dir)
        .and_then(|config| Spooler::open(data_dir, &config.printer).map_err(AppError::from));
    let deadline = Instant::now() + wait;
    let mut spooler = match spooler {
        Ok(spooler) => spooler,
        Err(error) => {
            let state = JobState::Queued {
                code: "printer_not_configured".into(),
                reason: Text::new(
                    format!("凭条已排队；打印机无法使用：{error}"),
                    format!("The slip is queued; the printer cannot be used: {error}"),
                ),
            };
            return slips
                .iter()
                .map(|slip| Delivered {
                    slip: slip.clone(),
                    print: state.clone(),
                    printer: None,
                })
                .collect();
        }
    };
    slips
        .iter()
        .map(|slip| {
            let state = spooler
                .wait_for(&slip.serial, deadline)
                .unwrap_or_else(|e| JobState::Queued {
                    code: "queue_error".into(),
                    reason: Text::new(
                        format!("凭条已排队：{e}"),
                        format!("The slip is queued: {e}"),
                    ),
                });
            Delivered {
                slip: slip.clone(),
                print: state,
                printer: Some(spooler.describe_printer()),
            }
        })
        .collect()
}
