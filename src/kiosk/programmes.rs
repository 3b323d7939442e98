//! The programmes screen's adapter (`ProgrammesAdapter`): what the chosen member can
//! sign up for, with seats and fee, and folded below what they cannot, with every
//! reason; 报名 asks "are you sure?" (naming the fee), then signs them up and shows
//! the result.

use linli_core::programme::ProgrammeKind;
use slint::{ComponentHandle, ModelRc, VecModel};

use super::backend::Backend;
use super::enrolments;
use super::loaders::Loaders;
use super::member::Loaded;
use super::result;
use super::session::{is_current, notify_refusal, ticket, Language, OnSlip, SharedState};
use super::ui::{AppWindow, ProgrammeRow, ProgrammesAdapter, Screen, Session};
use crate::clock;
use crate::error::AppError;
use crate::print::Printing;
use crate::store::Actor;
use crate::usecase::enrolment;
use crate::usecase::options::ProgrammeOption;

fn kind_name(kind: ProgrammeKind) -> &'static str {
    match kind {
        ProgrammeKind::AfterSchool => "after_school",
        ProgrammeKind::LunchCare => "lunch_care",
        ProgrammeKind::DayCare => "day_care",
        ProgrammeKind::Activity => "activity",
    }
}

/// A programme as the list shows it, in `language`.
fn programme_row(language: Language, option: &ProgrammeOption) -> ProgrammeRow {
    ProgrammeRow {
        name: language.pick(&option.name),
        kind: kind_name(option.kind).into(),
        schedule: language.pick(&option.schedule),
        fee: language.pick(&option.fee),
        outlook: language.pick(&option.outlook()),
        reasons: option
            .reasons
            .iter()
            .map(|r| language.pick(r).to_string())
            .collect::<Vec<_>>()
            .join("\n")
            .into(),
        enrolled: option.current.is_some(),
        would_wait: option.current.is_none() && option.free_seats == 0,
    }
}

/// The programmes the member may sign up for (or already holds), in list order:
/// what 报名's index counts.
fn available(options: &[ProgrammeOption]) -> impl Iterator<Item = &ProgrammeOption> {
    options.iter().filter(|o| o.reasons.is_empty())
}

/// Shows a load of the member's programmes.
pub fn show(window: &AppWindow, loaded: &Loaded<'_>) {
    let language = Language::of(window);
    let open: Vec<ProgrammeRow> = available(loaded.options)
        .map(|o| programme_row(language, o))
        .collect();
    let closed: Vec<ProgrammeRow> = loaded
        .options
        .iter()
        .filter(|o| !o.reasons.is_empty())
        .map(|o| programme_row(language, o))
        .collect();
    let adapter = window.global::<ProgrammesAdapter>();
    adapter.set_member_name(loaded.member.name.as_str().into());
    adapter.set_can_sign_up(open.iter().filter(|row| !row.enrolled).count() as i32);
    adapter.set_available(ModelRc::new(VecModel::from(open)));
    adapter.set_unavailable(ModelRc::new(VecModel::from(closed)));
    adapter.set_busy(false);
    adapter.set_confirming(-1);
}

/// A load that failed: said as a refusal.
pub fn failed(window: &AppWindow, error: &AppError) {
    window.global::<ProgrammesAdapter>().set_busy(false);
    notify_refusal(window, error);
}

pub fn connect<B: Backend>(
    window: &AppWindow,
    state: &SharedState,
    backend: B,
    on_slip: OnSlip,
    loaders: Loaders<B>,
) {
    let (weak, st) = (window.as_weak(), state.clone());
    window.global::<ProgrammesAdapter>().on_show_enrolments({
        let weak = weak.clone();
        move || {
            if let Some(window) = weak.upgrade() {
                enrolments::open(&window);
            }
        }
    });
    window
        .global::<ProgrammesAdapter>()
        .on_sign_up(move |index| {
            let Some(window) = weak.upgrade() else { return };
            let chosen = {
                let s = st.lock().expect("state lock");
                let option = available(&s.options).nth(index as usize).cloned();
                s.member.clone().zip(option)
            };
            let Some((member, option)) = chosen else {
                return;
            };
            window.global::<ProgrammesAdapter>().set_busy(true);
            let (weak, st2, loaders, backend2) =
                (weak.clone(), st.clone(), loaders.clone(), backend.clone());
            let id = member.id_number.as_str().to_string();
            let code = option.code.clone();
            let on_slip = on_slip.clone();
            let ticket = ticket(&st);
            backend.run(
                move |store| {
                    let signed_up = enrolment::signup(
                        store,
                        &Actor::kiosk(),
                        clock::now(),
                        &id,
                        &code,
                        Printing::Queue,
                    )?;
                    let first = if signed_up.outcome.is_confirmed() {
                        enrolment::first_session(store.conn(), &code, clock::now().date())?
                    } else {
                        None
                    };
                    Ok::<_, AppError>((signed_up, first))
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
                        Ok((signed_up, first)) => {
                            on_slip();
                            let placed = result::Placed {
                                member: &member,
                                option: &option,
                                signed_up: &signed_up,
                                first: first.as_ref(),
                            };
                            result::show(&window, &st2, &backend2, &placed);
                            window.global::<Session>().invoke_go(Screen::Result);
                        }
                        Err(error) => {
                            notify_refusal(&window, &error);
                        }
                    }
                    // The list behind shows the new place (or the refusal's cause).
                    loaders.member.load(member, None);
                    loaders.places.reload(&window, &st2);
                },
            );
        });
}

pub fn clear(window: &AppWindow) {
    let programmes = window.global::<ProgrammesAdapter>();
    programmes.set_member_name("".into());
    programmes.set_available(ModelRc::default());
    programmes.set_unavailable(ModelRc::default());
    programmes.set_show_unavailable(false);
    programmes.set_confirming(-1);
    programmes.set_busy(false);
}
