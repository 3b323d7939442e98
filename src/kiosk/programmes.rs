//! The programmes screen's adapter (`ProgrammesAdapter`): every programme for the
//! chosen member with seats, fee and every reason they may not sign up; 报名 signs
//! them up and shows the result.

use slint::{ComponentHandle, ModelExt, ModelRc, SharedString, VecModel};

use super::backend::Backend;
use super::member::{Loaded, MemberLoader};
use super::result;
use super::session::{is_current, refusal_text, ticket, Language, OnSlip, SharedState};
use super::ui::{AppWindow, EnrolmentsAdapter, ProgrammeRow, ProgrammesAdapter, Screen, Session};
use crate::clock;
use crate::print::Printing;
use crate::store::Actor;
use crate::usecase::enrolment;
use crate::usecase::options::ProgrammeOption;

/// A programme as the list shows it, in `language`.
fn programme_row(language: Language, option: &ProgrammeOption) -> ProgrammeRow {
    ProgrammeRow {
        name: language.pick(&option.name),
        schedule: language.pick(&option.schedule),
        fee: language.pick(&option.fee),
        outlook: language.pick(&option.outlook()),
        eligible: option.reasons.is_empty(),
        reasons: option
            .reasons
            .iter()
            .map(|r| language.pick(r).to_string())
            .collect::<Vec<_>>()
            .join("\n")
            .into(),
        enrolled: option.current.is_some(),
    }
}

/// Shows a load of the member's programmes.
pub fn show(window: &AppWindow, loaded: &Loaded<'_>) {
    let language = Language::of(window);
    let rows = VecModel::from(loaded.options.to_vec()).map(move |o| programme_row(language, &o));
    let adapter = window.global::<ProgrammesAdapter>();
    adapter.set_member_name(loaded.member.name.as_str().into());
    adapter.set_rows(ModelRc::new(rows));
    adapter.set_busy(false);
    if loaded.then != Screen::Enrolments {
        adapter.set_message(loaded.message.clone());
    }
}

/// A load that failed: said above the list.
pub fn failed(window: &AppWindow, message: SharedString) {
    let adapter = window.global::<ProgrammesAdapter>();
    adapter.set_message(message);
    adapter.set_busy(false);
}

pub fn connect<B: Backend>(
    window: &AppWindow,
    state: &SharedState,
    backend: B,
    on_slip: OnSlip,
    loader: MemberLoader<B>,
) {
    let (weak, st) = (window.as_weak(), state.clone());
    window.global::<ProgrammesAdapter>().on_show_enrolments({
        let weak = weak.clone();
        move || {
            if let Some(window) = weak.upgrade() {
                window.global::<EnrolmentsAdapter>().set_message("".into());
                window.global::<EnrolmentsAdapter>().set_confirming(-1);
                window.global::<Session>().set_screen(Screen::Enrolments);
            }
        }
    });
    window
        .global::<ProgrammesAdapter>()
        .on_sign_up(move |index| {
            let Some(window) = weak.upgrade() else { return };
            let (member, option) = {
                let s = st.lock().expect("state lock");
                match (s.member.clone(), s.options.get(index as usize).cloned()) {
                    (Some(member), Some(option)) => (member, option),
                    _ => return,
                }
            };
            window.global::<ProgrammesAdapter>().set_busy(true);
            let (weak, st2, loader) = (weak.clone(), st.clone(), loader.clone());
            let id = member.id_number.as_str().to_string();
            let code = option.code.clone();
            let on_slip = on_slip.clone();
            let ticket = ticket(&st);
            backend.run(
                move |store| {
                    enrolment::signup(
                        store,
                        &Actor::kiosk(),
                        clock::now(),
                        &id,
                        &code,
                        Printing::Queue,
                    )
                },
                move |result| {
                    let Some(window) = weak.upgrade() else { return };
                    if !is_current(&st2, ticket) {
                        // The slip was issued and prints; its person has gone, so the
                        // screen shows nothing of it.
                        if result.is_ok() {
                            on_slip();
                        }
                        return;
                    }
                    match result {
                        Ok(signed_up) => {
                            on_slip();
                            result::show(&window, &member, &option, &signed_up);
                            window.global::<ProgrammesAdapter>().set_busy(false);
                            // The list behind the result shows the new place next time.
                            loader.load(member, None, Screen::Result);
                            window.global::<Session>().set_screen(Screen::Result);
                        }
                        Err(error) => {
                            let message = refusal_text(&window, &error);
                            loader.load(member, Some(message), Screen::Programmes);
                        }
                    }
                },
            );
        });
}

pub fn clear(window: &AppWindow) {
    let programmes = window.global::<ProgrammesAdapter>();
    programmes.set_member_name("".into());
    programmes.set_rows(ModelRc::default());
    programmes.set_message("".into());
    programmes.set_busy(false);
}
