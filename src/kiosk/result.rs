//! The result screen's adapter (`ResultAdapter`): where a sign-up placed the member
//! (a seat in green, a waiting-list place in blue with why in words), and what became
//! of its slip: printing, printed, or not printed (see staff).

use linli_core::household::Resident;
use linli_core::Text;
use slint::ComponentHandle;

use super::backend::Backend;
use super::session::{pick, SharedState};
use super::slips;
use super::ui::{AppWindow, ResultAdapter, Session, SlipState, Tone};
use crate::store::Issued;
use crate::usecase::enrolment::SignedUp;
use crate::usecase::options::ProgrammeOption;

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
    slips::watch(
        window,
        state,
        backend,
        slips::serials(signed_up),
        |window, slip| window.global::<ResultAdapter>().set_slip(slip),
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
