//! The household screen's adapter (`HouseholdAdapter`): who signed in, and the
//! members they may act for.

use chrono::NaiveDate;
use linli_core::household::{age_on, Resident};
use linli_core::Text;
use slint::{ComponentHandle, ModelRc, VecModel};

use super::backend::Backend;
use super::enrolments;
use super::member::MemberLoader;
use super::session::{pick, Language, SharedState};
use super::ui::{AppWindow, HouseholdAdapter, MemberRow, Screen, Session};
use crate::clock;
use crate::usecase::places::Place;

/// A household member as the list shows them: name, age in words, masked ID number,
/// and a seat offered to them that waits for an answer.
fn member_row(
    language: Language,
    today: NaiveDate,
    member: &Resident,
    places: &[Place],
) -> MemberRow {
    let age = age_on(member.birth_date(), today);
    let offers: Vec<String> = places
        .iter()
        .filter(|p| p.member.id_number == member.id_number && p.option.is_offered())
        .map(|p| language.pick(&p.option.offer_flag()).to_string())
        .collect();
    MemberRow {
        name: member.name.as_str().into(),
        age: language.pick(&Text::new(format!("{age}岁"), format!("{age} years"))),
        id_masked: member.id_number.masked().into(),
        offer: offers.join("\n").into(),
    }
}

/// Shows the members with what waits for them.
pub fn render(window: &AppWindow, state: &SharedState) {
    let (language, today) = (Language::of(window), clock::now().date());
    let s = state.lock().expect("state lock");
    let rows: Vec<MemberRow> = s
        .members
        .iter()
        .map(|m| member_row(language, today, m, &s.places))
        .collect();
    drop(s);
    window
        .global::<HouseholdAdapter>()
        .set_members(ModelRc::new(VecModel::from(rows)));
}

/// Shows the household of `resident`, who has just signed in.
pub fn show(window: &AppWindow, state: &SharedState, resident: &Resident, members: Vec<Resident>) {
    let household = window.global::<HouseholdAdapter>();
    household.set_greeting(pick(
        window,
        &Text::new(
            format!("您好，{}", resident.name),
            format!("Hello, {}", resident.name),
        ),
    ));
    let mut s = state.lock().expect("state lock");
    s.members = members;
    s.signed_in = Some(resident.clone());
    drop(s);
    render(window, state);
    window.global::<Session>().invoke_go(Screen::Members);
}

/// Choosing a member opens their programmes; 我的报名 the household's places.
pub fn connect<B: Backend>(window: &AppWindow, state: &SharedState, loader: MemberLoader<B>) {
    window.global::<HouseholdAdapter>().on_show_enrolments({
        let weak = window.as_weak();
        move || {
            if let Some(window) = weak.upgrade() {
                enrolments::open(&window);
            }
        }
    });
    let st = state.clone();
    window.global::<HouseholdAdapter>().on_choose(move |index| {
        let Some(member) = st
            .lock()
            .expect("state lock")
            .members
            .get(index as usize)
            .cloned()
        else {
            return;
        };
        loader.load(member, Some(Screen::Programmes));
    });
}

pub fn clear(window: &AppWindow) {
    let household = window.global::<HouseholdAdapter>();
    household.set_greeting("".into());
    household.set_members(ModelRc::default());
}
