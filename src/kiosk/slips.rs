//! Watches the slips an action printed until they have printed, or will not without
//! staff, and says which on screen: "凭条正在打印" becomes "printed" or "see staff".

use std::time::Duration;

use slint::ComponentHandle;

use super::backend::Backend;
use super::session::{is_current, ticket, SharedState};
use super::ui::{AppWindow, Session, SlipState};
use crate::error::AppError;
use crate::print::queue::{job_state, JobState};
use crate::store::Issued;

/// How many one-second looks before a slip still waiting is said not to print: a slip
/// queued this long has a printer problem a resident cannot fix.
const PATIENCE: u32 = 20;

/// Where a screen shows the slip's state.
pub type ShowSlip = fn(&AppWindow, SlipState);

/// The slip line of the notice over the screen.
pub fn on_notice(window: &AppWindow, slip: SlipState) {
    window.global::<Session>().set_notice_slip(slip);
}

/// The serial numbers of the slips an action issued.
pub fn serials<T>(issued: &Issued<T>) -> Vec<String> {
    issued.slips.iter().map(|s| s.serial.clone()).collect()
}

/// Shows `serials` as printing, then asks the print queue once a second how they stand
/// until all printed or one will not print without staff. Nothing when none was issued.
pub fn watch<B: Backend>(
    window: &AppWindow,
    state: &SharedState,
    backend: &B,
    serials: Vec<String>,
    show: ShowSlip,
) {
    if serials.is_empty() {
        show(window, SlipState::None);
        return;
    }
    show(window, SlipState::Printing);
    look(window, state, backend.clone(), serials, show, 0);
}

fn look<B: Backend>(
    window: &AppWindow,
    state: &SharedState,
    backend: B,
    serials: Vec<String>,
    show: ShowSlip,
    tries: u32,
) {
    let (weak, st) = (window.as_weak(), state.clone());
    let ticket = ticket(state);
    let asked = serials.clone();
    let again = backend.clone();
    backend.run(
        move |store| {
            asked
                .iter()
                .map(|serial| job_state(store.conn(), serial))
                .collect::<Result<Vec<_>, AppError>>()
        },
        move |result| {
            let Some(window) = weak.upgrade() else { return };
            if !is_current(&st, ticket) {
                return;
            }
            let slip = match result {
                Err(_) => SlipState::Failed,
                Ok(states) => standing(&states, tries),
            };
            show(&window, slip);
            if slip == SlipState::Printing {
                let weak = window.as_weak();
                slint::Timer::single_shot(Duration::from_secs(1), move || {
                    if let Some(window) = weak.upgrade() {
                        look(&window, &st, again, serials, show, tries + 1);
                    }
                });
            }
        },
    );
}

/// All printed; or one in doubt, cancelled, gone, stopped by a printer problem, or
/// waiting past patience; or still printing.
fn standing(states: &[Option<JobState>], tries: u32) -> SlipState {
    let stuck = |state: &Option<JobState>| match state {
        Some(JobState::Printed) => false,
        Some(JobState::Queued { code, .. }) => code != "waiting",
        Some(JobState::InDoubt | JobState::Cancelled) | None => true,
    };
    if states.iter().all(|s| matches!(s, Some(JobState::Printed))) {
        SlipState::Printed
    } else if states.iter().any(stuck) || tries >= PATIENCE {
        SlipState::Failed
    } else {
        SlipState::Printing
    }
}
