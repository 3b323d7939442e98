//! The household screen's adapter (`HouseholdAdapter`): who signed in, and the
//! members they may act for.

use chrono::NaiveDate;
use linli_core::household::{age_on, Resident};
use linli_core::Text;
use slint::{ComponentHandle, ModelExt, ModelRc, VecModel};

use super::backend::Backend;
use super::member::MemberLoader;
use super::session::{pick, Language, SharedState};
use super::ui::{AppWindow, HouseholdAdapter, MemberRow, Screen, Session};
use crate::clock;

/// A household member as the list shows them: name, age in words, masked ID number.
fn member_row(language: Language, today: NaiveDate, member: &Resident) -> MemberRow {
    let age = age_on(member.birth_date(), today);
    MemberRow {
        name: member.name.as_str().into(),
        age: language.pick(&Text::new(format!("{age}岁"), format!("{age} years"))),
        id_masked: member.id_number.masked().into(),
    }
}

/// Shows the household of `resident`, who has just signed in.
pub fn show(window: &AppWindow, state: &SharedState, resident: &Resident, members: Vec<Resident>) {
    let (language, today) = (Language::of(window), clock::now().date());
    let rows = VecModel::from(members.clone()).map(move |m| member_row(language, today, &m));
    let household = window.global::<HouseholdAdapter>();
    household.set_greeting(pick(
        window,
        &Text::new(
            format!("您好，{}", resident.name),
            format!("Hello, {}", resident.name),
        ),
    ));
    household.set_members(ModelRc::new(rows));
    let mut s = state.lock().expect("state lock");
    s.members = members;
    s.signed_in = Some(resident.clone());
    drop(s);
    window.global::<Session>().set_screen(Screen::Members);
}

/// Choosing a member opens their programmes.
pub fn connect<B: Backend>(window: &AppWindow, state: &SharedState, loader: MemberLoader<B>) {
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
        loader.load(member, None, Screen::Programmes);
    });
}

pub fn clear(window: &AppWindow) {
    let household = window.global::<HouseholdAdapter>();
    household.set_greeting("".into());
    household.set_members(ModelRc::default());
}
