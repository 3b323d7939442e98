//! The "my enrolments" screen's adapter (`EnrolmentsAdapter`): the member's places,
//! an offered seat's deadline, and cancel, accept and decline.

use slint::{ComponentHandle, ModelExt, ModelRc, SharedString, VecModel};

use linli_core::Text;

use super::backend::Backend;
use super::member::{Loaded, MemberLoader};
use super::session::{is_current, pick, refusal_text, ticket, Language, OnSlip, SharedState};
use super::ui::{AppWindow, EnrolmentRow, EnrolmentsAdapter, Screen};
use crate::clock;
use crate::error::AppError;
use crate::print::Printing;
use crate::store::{Actor, Store};
use crate::usecase::enrolment;
use crate::usecase::options::ProgrammeOption;

/// The member's places, in the order the list shows them.
fn enrolled(options: &[ProgrammeOption]) -> Vec<ProgrammeOption> {
    options
        .iter()
        .filter(|o| o.current.is_some())
        .cloned()
        .collect()
}

/// A place as the list shows it, in `language`.
fn enrolment_row(language: Language, option: &ProgrammeOption) -> EnrolmentRow {
    EnrolmentRow {
        name: language.pick(&option.name),
        status: language.pick(&option.place()),
        offered: option.is_offered(),
    }
}

/// Shows a load of the member's places.
pub fn show(window: &AppWindow, loaded: &Loaded<'_>) {
    let language = Language::of(window);
    let rows = VecModel::from(enrolled(loaded.options)).map(move |o| enrolment_row(language, &o));
    let adapter = window.global::<EnrolmentsAdapter>();
    adapter.set_member_name(loaded.member.name.as_str().into());
    adapter.set_rows(ModelRc::new(rows));
    adapter.set_busy(false);
    adapter.set_confirming(-1);
    if loaded.then == Screen::Enrolments {
        adapter.set_message(loaded.message.clone());
    }
}

/// A load that failed: said above the list.
pub fn failed(window: &AppWindow, message: SharedString) {
    let adapter = window.global::<EnrolmentsAdapter>();
    adapter.set_message(message);
    adapter.set_busy(false);
}

/// What a change to a place does, run on the store thread.
type PlaceChange = fn(&mut Store, &str, &str) -> Result<(), AppError>;

pub fn connect<B: Backend>(
    window: &AppWindow,
    state: &SharedState,
    backend: B,
    on_slip: OnSlip,
    loader: MemberLoader<B>,
) {
    let change = |change: PlaceChange, done: Text| {
        let (weak, st, backend, on_slip, loader) = (
            window.as_weak(),
            state.clone(),
            backend.clone(),
            on_slip.clone(),
            loader.clone(),
        );
        move |index: i32| {
            let Some(window) = weak.upgrade() else { return };
            let (member, code) = {
                let s = st.lock().expect("state lock");
                let Some(member) = s.member.clone() else {
                    return;
                };
                let Some(code) = enrolled(&s.options)
                    .get(index as usize)
                    .map(|o| o.code.clone())
                else {
                    return;
                };
                (member, code)
            };
            window.global::<EnrolmentsAdapter>().set_busy(true);
            let (weak, st, on_slip, done, loader) = (
                weak.clone(),
                st.clone(),
                on_slip.clone(),
                done.clone(),
                loader.clone(),
            );
            let id = member.id_number.as_str().to_string();
            let ticket = ticket(&st);
            backend.run(
                move |store| change(store, &id, &code),
                move |result| {
                    let Some(window) = weak.upgrade() else { return };
                    // Committed: its slip prints and the district hears of it, whether
                    // or not the person is still at the screen.
                    if result.is_ok() {
                        on_slip();
                    }
                    if !is_current(&st, ticket) {
                        return;
                    }
                    let message = match result {
                        Ok(_) => pick(&window, &done),
                        Err(error) => refusal_text(&window, &error),
                    };
                    loader.load(member, Some(message), Screen::Enrolments);
                },
            );
        }
    };
    let adapter = window.global::<EnrolmentsAdapter>();
    adapter.on_cancel(change(
        |store, id, code| {
            enrolment::cancel(
                store,
                &Actor::kiosk(),
                clock::now(),
                id,
                code,
                Printing::Queue,
            )
            .map(|_| ())
        },
        Text::new(
            "已取消；凭条正在打印，请取走",
            "Cancelled; your slip is printing",
        ),
    ));
    adapter.on_accept(change(
        |store, id, code| answer_offer(store, id, code, true),
        Text::new(
            "已接受名额；凭条正在打印，请取走",
            "Seat accepted; your slip is printing",
        ),
    ));
    adapter.on_decline(change(
        |store, id, code| answer_offer(store, id, code, false),
        Text::new(
            "已放弃名额，名额将让给下一位",
            "Seat declined; it goes to the next person",
        ),
    ));
}

fn answer_offer(store: &mut Store, id: &str, code: &str, accept: bool) -> Result<(), AppError> {
    enrolment::answer_offer(
        store,
        &Actor::kiosk(),
        clock::now(),
        id,
        code,
        accept,
        Printing::Queue,
    )
    .map(|_| ())
}

pub fn clear(window: &AppWindow) {
    let enrolments = window.global::<EnrolmentsAdapter>();
    enrolments.set_member_name("".into());
    enrolments.set_rows(ModelRc::default());
    enrolments.set_message("".into());
    enrolments.set_confirming(-1);
    enrolments.set_busy(false);
}
