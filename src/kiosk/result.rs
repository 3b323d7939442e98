//! The result screen's adapter (`ResultAdapter`): where a sign-up placed the member
//! (a seat in green, a waiting-list place in blue with why in words), and what became
//! of its slip: printing, printed, or not printed (see staff).

use std::time::Duration;

use linli_core::household::Resident;
use linli_core::Text;
use slint::ComponentHandle;

use super::backend::Backend;
use super::session::{is_current, pick, ticket, SharedState};
use super::ui::{AppWindow, ResultAdapter, Session, SlipState, Tone};
use crate::error::AppError;
use crate::print::queue::{job_state, JobState};
use crate::store::Issued;
use crate::usecase::enrolment::SignedUp;
use crate::usecase::options::ProgrammeOption;

/// How long the screen waits for a slip before it says to ask staff: a slip still
/// queued after this has a printer problem a resident cannot fix.
const SLIP_PATIENCE: u32 = 20;

/// Where a sign-up placed the member, and from when they can come.
pub struct Placed<'a> {
    pub member: &'a Resident,
    pub option: &'a ProgrammeOption,
    pub signed_up: &'a Issued<SignedUp>,
    /// The first session they can attend, for a seat.
    pub first: Option<&'a Text>,
}

pub fn show(window: &AppWindow, state: &SharedState, backend: &impl Backend, placed: &Placed<'_>) {
    let Placed {
        member,
        option,
        signed_up,
        first,
    } = placed;
    let adapter = window.global::<ResultAdapter>();
    let (tone, title, explanation) = match &signed_up.outcome {
        SignedUp::Confirmed { .. } => (
            Tone::Success,
            Text::new("报名成功", "You are signed up"),
            None,
        ),
        SignedUp::Waitlisted {
            position,
            explanation,
            ..
        } => (
            Tone::Waiting,
            Text::new(
                format!("已进入轮候，第{position}位"),
                format!("On the waiting list, number {position}"),
            ),
            Some(explanation),
        ),
    };
    adapter.set_tone(tone);
    window.global::<Session>().invoke_sound(tone);
    adapter.set_title(pick(window, &title));
    adapter.set_detail(format!("{} · {}", member.name, pick(window, &option.name)).into());
    adapter.set_explanation(explanation.map(|e| pick(window, e)).unwrap_or_default());
    adapter.set_first_session(
        first
            .map(|day| {
                pick(
                    window,
                    &Text::new(
                        format!("第一次上课：{}", day.zh),
                        format!("First session: {}", day.en),
                    ),
                )
            })
            .unwrap_or_default(),
    );
    let serials: Vec<String> = signed_up.slips.iter().map(|s| s.serial.clone()).collect();
    if serials.is_empty() {
        adapter.set_slip(SlipState::None);
    } else {
        adapter.set_slip(SlipState::Printing);
        watch_slips(window, state, backend.clone(), serials, 0);
    }
}

/// Asks the print queue once a second how the slips stand, until all printed or
/// one will not print without staff.
fn watch_slips<B: Backend>(
    window: &AppWindow,
    state: &SharedState,
    backend: B,
    serials: Vec<String>,
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
            let slip =
                match result {
                    Err(_) => SlipState::Failed,
                    Ok(states) => if states.iter().all(|s| matches!(s, Some(JobState::Printed))) {
                        SlipState::Printed
                    } else if states.iter().any(|s| {
                        matches!(s, Some(JobState::InDoubt | JobState::Cancelled) | None)
                            || matches!(s, Some(JobState::Queued { code, .. }) if code != "waiting")
                    }) || tries >= SLIP_PATIENCE
                    {
                        SlipState::Failed
                    } else {
                        SlipState::Printing
                    },
                };
            window.global::<ResultAdapter>().set_slip(slip);
            if slip == SlipState::Printing {
                let weak = window.as_weak();
                slint::Timer::single_shot(Duration::from_secs(1), move || {
                    if let Some(window) = weak.upgrade() {
                        watch_slips(&window, &st, again, serials, tries + 1);
                    }
                });
            }
        },
    );
}

pub fn clear(window: &AppWindow) {
    let result = window.global::<ResultAdapter>();
    result.set_title("".into());
    result.set_detail("".into());
    result.set_explanation("".into());
    result.set_first_session("".into());
    result.set_slip(SlipState::None);
}
