//! 查找居民 on a front-desk terminal (`SearchAdapter`): every keystroke asks the
//! registry kept in memory (`usecase::search`), as the signed-in member, and an answer
//! is shown only while the box still holds what it answers, so a slow answer to "zh"
//! never replaces the one to "zhang".

use std::sync::{Arc, Mutex};

use linli_core::Text;
use slint::{ComponentHandle, ModelRc, VecModel};

use super::backend::Backend;
use super::session::{pick, refusal_text};
use super::staff::{self, SharedStaff};
use super::ui::{AppWindow, DeskAdapter, FoundRow, Screen, SearchAdapter, Session};
use crate::clock;
use crate::store::{Actor, Store};
use crate::usecase::search::{self, FoundResident, MatchedField, SearchResults};

/// What the box held when each search started, to drop answers that came too late.
#[derive(Default)]
pub struct SearchState {
    /// Moves on with every keystroke and when staff sign out.
    epoch: u64,
    /// The residents on screen, in the order of the rows, for `SearchAdapter.open`.
    shown: Vec<FoundResident>,
}

pub type SharedSearch = Arc<Mutex<SearchState>>;

fn matched_text(field: MatchedField) -> Text {
    match field {
        MatchedField::Card => Text::new("卡号", "card"),
        MatchedField::IdNumber => Text::new("身份证号", "ID number"),
        MatchedField::Phone => Text::new("手机号", "phone"),
        MatchedField::HouseholdCode => Text::new("户编号", "household code"),
        MatchedField::Name => Text::new("姓名", "name"),
        MatchedField::IdNumberEnding => Text::new("身份证尾号", "end of ID number"),
        MatchedField::PhoneEnding => Text::new("手机尾号", "end of phone"),
        MatchedField::NamePinyin => Text::new("拼音", "pinyin"),
        MatchedField::NameInitials => Text::new("拼音首字母", "pinyin initials"),
    }
}

fn row(window: &AppWindow, found: &FoundResident) -> FoundRow {
    let phone = found.phone_masked.clone().unwrap_or_default();
    let age = Text::new(format!("{}岁", found.age), format!("age {}", found.age));
    FoundRow {
        name: found.name.as_str().into(),
        detail: format!(
            "{} · {} · {}",
            pick(window, &age),
            found.id_number_masked,
            phone
        )
        .trim_end_matches(" · ")
        .into(),
        household: pick(
            window,
            &Text::new(
                format!("户 {} · {}", found.household_code, found.address_masked),
                format!(
                    "household {} · {}",
                    found.household_code, found.address_masked
                ),
            ),
        ),
        matched: pick(window, &matched_text(found.matched)),
    }
}

fn show(window: &AppWindow, results: &SearchResults) {
    let adapter = window.global::<SearchAdapter>();
    let rows: Vec<FoundRow> = results.residents.iter().map(|f| row(window, f)).collect();
    adapter.set_message(if rows.is_empty() {
        pick(
            window,
            &Text::new(
                "没有找到，请核对后再输入",
                "Nobody found: check and type again",
            ),
        )
    } else {
        "".into()
    });
    adapter.set_results(ModelRc::new(VecModel::from(rows)));
    adapter.set_more(results.more);
}

pub fn connect<B: Backend>(window: &AppWindow, backend: B, staff: SharedStaff) -> SharedSearch {
    let state: SharedSearch = Arc::default();

    // Opening the box builds the index now, so no keystroke waits for it.
    let (weak, b) = (window.as_weak(), backend.clone());
    window.global::<DeskAdapter>().on_open_search(move || {
        let Some(window) = weak.upgrade() else { return };
        clear(&window);
        window.global::<Session>().invoke_open(Screen::DeskSearch);
        b.run(|store: &mut Store| search::warm(store), |_| {});
    });

    let (weak, st) = (window.as_weak(), state.clone());
    window.global::<SearchAdapter>().on_edited(move |text| {
        let Some(window) = weak.upgrade() else { return };
        let Some(member) = staff::signed_in(&staff) else {
            return;
        };
        let ticket = {
            let mut s = st.lock().expect("search lock");
            s.epoch += 1;
            s.epoch
        };
        let query = text.to_string();
        if query.trim().is_empty() {
            clear(&window);
            return;
        }
        let (weak, st) = (weak.clone(), st.clone());
        backend.run(
            move |store: &mut Store| {
                search::search(store, &Actor::member(&member), &query, clock::now().date())
            },
            move |result| {
                let Some(window) = weak.upgrade() else { return };
                if st.lock().expect("search lock").epoch != ticket {
                    return;
                }
                match result {
                    Ok(results) => {
                        show(&window, &results);
                        st.lock().expect("search lock").shown = results.residents;
                    }
                    Err(error) => {
                        let adapter = window.global::<SearchAdapter>();
                        adapter.set_results(ModelRc::default());
                        adapter.set_message(refusal_text(&window, &error));
                    }
                }
            },
        );
    });
    state
}

/// Forgets the query and the results (with the staff member, or a new search).
pub fn clear(window: &AppWindow) {
    let adapter = window.global::<SearchAdapter>();
    adapter.set_query("".into());
    adapter.set_results(ModelRc::default());
    adapter.set_more(false);
    adapter.set_message("".into());
}

/// A card read on the desk's reader while 查找居民 is open: it goes into the box as if
/// typed, so staff see whose card it is (the search matches a card's number exactly).
pub fn present_card(window: &AppWindow, card: &str) {
    window.global::<Session>().invoke_touched();
    let adapter = window.global::<SearchAdapter>();
    adapter.set_query(card.into());
    adapter.invoke_edited(card.into());
}

/// The resident on result row `index`, as the list on screen shows it.
pub fn found_at(state: &SharedSearch, index: i32) -> Option<FoundResident> {
    let s = state.lock().expect("search lock");
    s.shown.get(usize::try_from(index).ok()?).cloned()
}

/// Signs the search out with the staff member: answers still on their way are dropped.
pub fn end(window: &AppWindow, state: &SharedSearch) {
    let mut s = state.lock().expect("search lock");
    s.epoch += 1;
    s.shown.clear();
    drop(s);
    clear(window);
}
