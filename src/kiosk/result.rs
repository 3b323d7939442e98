//! The result screen's adapter (`ResultAdapter`): where a sign-up placed the member,
//! why they wait if they do, and whether a slip is printing.

use linli_core::household::Resident;
use linli_core::Text;
use slint::ComponentHandle;

use super::session::pick;
use super::ui::{AppWindow, ResultAdapter};
use crate::store::Issued;
use crate::usecase::enrolment::SignedUp;
use crate::usecase::options::ProgrammeOption;

pub fn show(
    window: &AppWindow,
    member: &Resident,
    option: &ProgrammeOption,
    signed_up: &Issued<SignedUp>,
) {
    let adapter = window.global::<ResultAdapter>();
    let (title, explanation) = match &signed_up.outcome {
        SignedUp::Confirmed { .. } => (Text::new("报名成功", "You are signed up"), None),
        SignedUp::Waitlisted {
            position,
            explanation,
            ..
        } => (
            Text::new(
                format!("已进入轮候，第{position}位"),
                format!("On the waiting list, number {position}"),
            ),
            Some(explanation),
        ),
    };
    adapter.set_confirmed(signed_up.outcome.is_confirmed());
    adapter.set_title(pick(window, &title));
    adapter.set_detail(format!("{} · {}", member.name, pick(window, &option.name)).into());
    adapter.set_explanation(explanation.map(|e| pick(window, e)).unwrap_or_default());
    adapter.set_slip(pick(
        window,
        &if signed_up.slips.is_empty() {
            Text::new("本次没有凭条", "No slip this time")
        } else {
            Text::new(
                "凭条正在打印，请取走",
                "Your slip is printing: please take it",
            )
        },
    ));
}

pub fn clear(window: &AppWindow) {
    let result = window.global::<ResultAdapter>();
    result.set_title("".into());
    result.set_detail("".into());
    result.set_explanation("".into());
    result.set_slip("".into());
}
