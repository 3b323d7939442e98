//! 好差评 on the kiosk: the household's recent sessions not yet rated, five levels,
//! reasons for a middling or bad rating. A bad rating opens a follow-up for a social
//! worker (`usecase::ratings::submit_rating`).

use linli_core::rating::{
    REASON_CONTENT, REASON_ENVIRONMENT, REASON_OTHER, REASON_PROCESS, REASON_STAFF_ATTITUDE,
    REASON_WAITING_TIME,
};
use linli_core::Text;
use slint::{ComponentHandle, Model, ModelExt, ModelRc, VecModel};

use super::backend::Backend;
use super::session::{
    is_current, notify, notify_refusal, pick, signed_in, ticket, Language, SharedState,
};
use super::ui::{AppWindow, RatingAdapter, ReasonTag, Screen, ServiceUseRow, Session, Tone};
use crate::clock;
use crate::error::AppError;
use crate::store::Actor;
use crate::usecase::ratings::{self, ServiceUse};

/// The reasons offered, in the order shown.
const REASONS: [(&str, &str, &str); 6] = [
    (REASON_WAITING_TIME, "等候时间", "Waiting time"),
    (REASON_STAFF_ATTITUDE, "服务态度", "Staff attitude"),
    (REASON_PROCESS, "办理流程", "The process"),
    (REASON_ENVIRONMENT, "环境设施", "Premises"),
    (REASON_CONTENT, "服务内容", "What was offered"),
    (REASON_OTHER, "其他", "Other"),
];

/// A session to rate as the list shows it: "张小明 · 四点半学校 · 11月20日（周五）".
fn service_use_row(language: Language, service: &ServiceUse) -> ServiceUseRow {
    ServiceUseRow {
        title: language.pick(&service.title()),
    }
}

fn show(window: &AppWindow, uses: &[ServiceUse], message: Option<Text>) {
    let language = Language::of(window);
    let rows = VecModel::from(uses.to_vec()).map(move |u| service_use_row(language, &u));
    let tags: Vec<ReasonTag> = REASONS
        .iter()
        .map(|(_, zh, en)| ReasonTag {
            label: pick(window, &Text::new(*zh, *en)),
            on: false,
        })
        .collect();
    let adapter = window.global::<RatingAdapter>();
    adapter.set_uses(ModelRc::new(rows));
    adapter.set_tags(ModelRc::new(VecModel::from(tags)));
    adapter.set_chosen(-1);
    adapter.set_level(0);
    if let Some(message) = message {
        notify(window, Tone::Success, &message, "".into());
    }
    if window.global::<Session>().get_screen() != Screen::Rating {
        window.global::<Session>().invoke_open(Screen::Rating);
    }
}

/// Loads the unrated uses of the signed-in resident's household and shows them. The
/// list is kept in the resident's state, so the session's end forgets it with the rest.
fn reload(window: &AppWindow, state: &SharedState, backend: &impl Backend, message: Option<Text>) {
    let Some(resident) = signed_in(state) else {
        return;
    };
    let (weak, st) = (window.as_weak(), state.clone());
    let ticket = ticket(state);
    backend.run(
        move |store| {
            ratings::unrated_service_uses(
                store.conn(),
                &resident.household_code,
                clock::now().date(),
            )
        },
        move |result| {
            let Some(window) = weak.upgrade() else { return };
            if !is_current(&st, ticket) {
                return;
            }
            window.global::<RatingAdapter>().set_busy(false);
            match result {
                Ok(found) => {
                    show(&window, &found, message);
                    st.lock().expect("state lock").rating_uses = found;
                }
                Err(error) => {
                    notify_refusal(&window, &error);
                }
            }
        },
    );
}

pub fn connect(window: &AppWindow, state: &SharedState, backend: impl Backend) {
    let adapter = window.global::<RatingAdapter>();
    let (weak, st, be) = (window.as_weak(), state.clone(), backend.clone());
    adapter.on_open(move || {
        if let Some(window) = weak.upgrade() {
            reload(&window, &st, &be, None);
        }
    });
    let weak = window.as_weak();
    adapter.on_choose(move |index| {
        if let Some(window) = weak.upgrade() {
            let adapter = window.global::<RatingAdapter>();
            let title = adapter
                .get_uses()
                .row_data(index as usize)
                .map(|row| row.title)
                .unwrap_or_default();
            adapter.set_chosen_title(title);
            adapter.set_chosen(index);
            adapter.set_level(0);
        }
    });
    let weak = window.as_weak();
    adapter.on_toggle_tag(move |index| {
        let Some(window) = weak.upgrade() else { return };
        let tags = window.global::<RatingAdapter>().get_tags();
        if let Some(mut tag) = tags.row_data(index as usize) {
            tag.on = !tag.on;
            tags.set_row_data(index as usize, tag);
        }
    });
    let (weak, st) = (window.as_weak(), state.clone());
    adapter.on_submit(move || {
        let Some(window) = weak.upgrade() else { return };
        let adapter = window.global::<RatingAdapter>();
        if adapter.get_busy() {
            return;
        }
        let level = adapter.get_level();
        let Some(chosen) = st
            .lock()
            .expect("state lock")
            .rating_uses
            .get(adapter.get_chosen() as usize)
            .cloned()
        else {
            return;
        };
        // Reasons are asked for a middling or bad rating only.
        let reasons: Vec<String> = if level <= 3 {
            adapter
                .get_tags()
                .iter()
                .zip(REASONS)
                .filter(|(tag, _)| tag.on)
                .map(|(_, (code, _, _))| code.to_string())
                .collect()
        } else {
            Vec::new()
        };
        adapter.set_busy(true);
        let (weak, st, be) = (weak.clone(), st.clone(), backend.clone());
        let ticket = ticket(&st);
        backend.run(
            move |store| {
                store.write(&Actor::kiosk(), clock::now(), |tx| {
                    ratings::submit_rating(
                        tx,
                        &chosen.service_ref,
                        &chosen.programme_code,
                        level as u8,
                        reasons,
                        None,
                    )
                })
            },
            move |result: Result<_, AppError>| {
                let Some(window) = weak.upgrade() else { return };
                if !is_current(&st, ticket) {
                    return;
                }
                let message = match result {
                    Ok(Some(_follow_up)) => Text::new(
                        "感谢您的评价。工作人员会与您联系，了解情况并改进",
                        "Thank you. Staff will contact you to hear more and put it right",
                    ),
                    Ok(None) => Text::new("感谢您的评价", "Thank you for your rating"),
                    Err(error) => {
                        window.global::<RatingAdapter>().set_busy(false);
                        notify_refusal(&window, &error);
                        return;
                    }
                };
                reload(&window, &st, &be, Some(message));
            },
        );
    });
}

/// Forgets what was being rated.
pub fn clear(window: &AppWindow) {
    let adapter = window.global::<RatingAdapter>();
    adapter.set_busy(false);
    adapter.set_uses(ModelRc::default());
    adapter.set_chosen(-1);
    adapter.set_chosen_title("".into());
    adapter.set_level(0);
}
