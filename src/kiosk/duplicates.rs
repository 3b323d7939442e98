//! 可能重复 at the desk (`DuplicatesAdapter`): the possible duplicates of
//! `household_merge::duplicates`, side by side and masked; a choice of the household
//! that stays previews the merge (a dry run, audited, nothing changed), and 确认合并
//! does it: one transaction, audited, one event for the district.

use std::sync::{Arc, Mutex};

use linli_core::identity::mask_name;
use linli_core::Text;
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

use super::backend::Backend;
use super::desk_work::Desk;
use super::session::{notify, pick};
use super::ui::{AppWindow, DeskAdapter, DuplicateRow, DuplicatesAdapter, Screen, Session, Tone};
use crate::clock;
use crate::usecase::household_merge::{self, Merged, PersonShown, Take, MAX_PAIRS};

#[derive(Default)]
pub struct DuplicatesState {
    /// Each pair's two household codes, in the order shown.
    pairs: Vec<(String, String)>,
    /// (kept, removed) of the merge previewed.
    chosen: Option<(String, String)>,
}

pub type SharedDuplicates = Arc<Mutex<DuplicatesState>>;

/// "户 HF0001 · 黄*豪 · 40岁 · 440306********0012 · 138****1234 · 户主 · 在报2项": the
/// age, not the birth date, which with the masked number's ends would be the number.
fn person(window: &AppWindow, p: &PersonShown) -> SharedString {
    let mut parts = vec![
        pick(
            window,
            &Text::new(
                format!("户 {}", p.household_code),
                format!("household {}", p.household_code),
            ),
        )
        .to_string(),
        mask_name(&p.name),
        {
            let age = linli_core::household::age_on(p.birth_date, clock::now().date());
            pick(window, &Text::new(format!("{age}岁"), format!("age {age}"))).to_string()
        },
        p.id_number.clone(),
    ];
    parts.extend(p.phone.clone());
    if let Some(r) = p.relationship {
        parts.push(pick(window, &r.describe()).to_string());
    }
    parts.push(
        pick(
            window,
            &Text::new(
                format!("在报{}项", p.enrolments),
                format!("{} places", p.enrolments),
            ),
        )
        .to_string(),
    );
    parts.join(" · ").into()
}

fn list<B: Backend>(desk: &Desk<B>, state: &SharedDuplicates) {
    let st = state.clone();
    desk.run_busy(
        |window, busy| window.global::<DuplicatesAdapter>().set_busy(busy),
        |store, actor| household_merge::duplicates(store, actor, clock::now()),
        move |window, found| {
            let adapter = window.global::<DuplicatesAdapter>();
            let rows: Vec<DuplicateRow> = found
                .pairs
                .iter()
                .map(|p| DuplicateRow {
                    first: person(window, &p.first),
                    second: person(window, &p.second),
                    reason: pick(window, &p.reason),
                })
                .collect();
            let n = rows.len();
            adapter.set_pairs(ModelRc::new(VecModel::from(rows)));
            adapter.set_chosen(-1);
            adapter.set_preview(ModelRc::default());
            let summary = if found.more {
                Text::new(
                    format!("超过{MAX_PAIRS}对：先处理这些，合并后其余的会出现"),
                    format!(
                        "over {MAX_PAIRS} pairs: these first; the rest appear once they are merged"
                    ),
                )
            } else {
                Text::new(format!("找到{n}对"), format!("{n} pairs found"))
            };
            adapter.set_summary(pick(window, &summary));
            let mut s = st.lock().expect("duplicates lock");
            s.pairs = found
                .pairs
                .iter()
                .map(|p| {
                    (
                        p.first.household_code.clone(),
                        p.second.household_code.clone(),
                    )
                })
                .collect();
            s.chosen = None;
        },
    );
}

fn takes(adapter: &DuplicatesAdapter) -> Vec<Take> {
    let mut take = Vec::new();
    if adapter.get_take_address() {
        take.push(Take::Address);
    }
    if adapter.get_take_phone() {
        take.push(Take::Phone);
    }
    if adapter.get_take_id_number() {
        take.push(Take::IdNumber);
    }
    take
}

/// A kind of record the merge moves, in words.
fn kind_text(kind: &str) -> Text {
    match kind {
        "enrolments" => Text::new("报名", "places"),
        "attendance" => Text::new("考勤", "attendance"),
        "volunteer_shifts" => Text::new("志愿服务", "volunteer shifts"),
        "payments" => Text::new("缴费", "payments"),
        "consents" => Text::new("同意书", "consents"),
        "cards" => Text::new("居民卡", "cards"),
        "day_care_days" => Text::new("日间照料", "day-care days"),
        "absences" => Text::new("请假", "absences"),
        "pickup_calls" => Text::new("晚接电话", "late-pickup calls"),
        "consents_given_as_guardian" => Text::new("作为监护人的同意", "consents given as guardian"),
        other => Text::new(other, other),
    }
}

/// What the merge would do, a line each, masked.
fn preview_lines(window: &AppWindow, m: &Merged) -> Vec<SharedString> {
    let mut lines = vec![Text::new(
        format!(
            "保留户 {}，并入户 {}；住址：{}",
            m.kept_household, m.removed_household, m.address
        ),
        format!(
            "keep household {}, merge in {}; address: {}",
            m.kept_household, m.removed_household, m.address
        ),
    )];
    for p in &m.people {
        lines.push(Text::new(
            format!(
                "同一人：{}，留用身份证号 {}，并掉 {}",
                mask_name(&p.name),
                p.survivor,
                p.absorbed
            ),
            format!(
                "the same person: {}, keeping ID {}, merging away {}",
                mask_name(&p.name),
                p.survivor,
                p.absorbed
            ),
        ));
    }
    if !m.members_joining.is_empty() {
        lines.push(Text::new(
            format!("一起迁入：{}", m.members_joining.join("、")),
            format!("joining as they are: {}", m.members_joining.join(", ")),
        ));
    }
    let moved: Vec<Text> = m
        .records_moved
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(kind, n)| {
            let kind = kind_text(kind);
            Text::new(format!("{}{n}条", kind.zh), format!("{} {n}", kind.en))
        })
        .collect();
    lines.push(if moved.is_empty() {
        Text::new("没有要转移的记录", "no records to move")
    } else {
        let (zh, en): (Vec<_>, Vec<_>) = moved.into_iter().map(|t| (t.zh, t.en)).unzip();
        Text::new(
            format!("随人转移的记录：{}", zh.join("、")),
            format!("records moving with the person: {}", en.join(", ")),
        )
    });
    if !m.relationships_to_check.is_empty() {
        lines.push(Text::new(
            format!(
                "合并后请核对与户主关系：{}",
                m.relationships_to_check.join("、")
            ),
            format!(
                "check the relationship to the head afterwards: {}",
                m.relationships_to_check.join(", ")
            ),
        ));
    }
    lines.iter().map(|l| pick(window, l)).collect()
}

fn preview<B: Backend>(desk: &Desk<B>, state: &SharedDuplicates) {
    let Some(window) = desk.window() else { return };
    let Some((keep, remove)) = state.lock().expect("duplicates lock").chosen.clone() else {
        return;
    };
    let take = takes(&window.global::<DuplicatesAdapter>());
    desk.run_busy(
        |window, busy| window.global::<DuplicatesAdapter>().set_busy(busy),
        move |store, actor| {
            household_merge::merge(store, actor, clock::now(), &keep, &remove, &take, true)
        },
        |window, merged| {
            let lines = preview_lines(window, &merged);
            window
                .global::<DuplicatesAdapter>()
                .set_preview(ModelRc::new(VecModel::from(lines)));
        },
    );
}

pub fn connect<B: Backend>(window: &AppWindow, desk: Desk<B>) -> SharedDuplicates {
    let state: SharedDuplicates = Arc::default();
    let (d, st) = (desk.clone(), state.clone());
    window.global::<DeskAdapter>().on_open_duplicates(move || {
        let Some(window) = d.window() else { return };
        clear(&window, &st);
        window.global::<Session>().invoke_open(Screen::Duplicates);
        list(&d, &st);
    });
    let adapter = window.global::<DuplicatesAdapter>();
    let (d, st) = (desk.clone(), state.clone());
    adapter.on_choose(move |pair, keep| {
        let Some(window) = d.window() else { return };
        let Some((first, second)) = usize::try_from(pair)
            .ok()
            .and_then(|i| st.lock().expect("duplicates lock").pairs.get(i).cloned())
        else {
            return;
        };
        let chosen = if keep == 0 {
            (first, second)
        } else {
            (second, first)
        };
        st.lock().expect("duplicates lock").chosen = Some(chosen);
        let adapter = window.global::<DuplicatesAdapter>();
        adapter.set_take_address(false);
        adapter.set_take_phone(false);
        adapter.set_take_id_number(false);
        adapter.set_chosen(pair);
        adapter.set_keep(keep);
        adapter.set_preview(ModelRc::default());
        preview(&d, &st);
    });
    let (d, st) = (desk.clone(), state.clone());
    adapter.on_retake(move || preview(&d, &st));
    let (weak, st) = (window.as_weak(), state.clone());
    adapter.on_cancel(move || {
        let Some(window) = weak.upgrade() else { return };
        st.lock().expect("duplicates lock").chosen = None;
        let adapter = window.global::<DuplicatesAdapter>();
        adapter.set_chosen(-1);
        adapter.set_preview(ModelRc::default());
    });
    let (d, st) = (desk, state.clone());
    adapter.on_confirm(move || {
        let Some(window) = d.window() else { return };
        let Some((keep, remove)) = st.lock().expect("duplicates lock").chosen.clone() else {
            return;
        };
        let take = takes(&window.global::<DuplicatesAdapter>());
        let (d2, st2) = (d.clone(), st.clone());
        d.run_busy(
            |window, busy| window.global::<DuplicatesAdapter>().set_busy(busy),
            move |store, actor| {
                household_merge::merge(store, actor, clock::now(), &keep, &remove, &take, false)
            },
            move |window, merged| {
                let text: Vec<String> = preview_lines(window, &merged)
                    .into_iter()
                    .map(|l| l.to_string())
                    .collect();
                notify(
                    window,
                    Tone::Success,
                    &Text::new(
                        format!(
                            "已合并：户 {} 并入户 {}",
                            merged.removed_household, merged.kept_household
                        ),
                        format!(
                            "Merged: household {} into {}",
                            merged.removed_household, merged.kept_household
                        ),
                    ),
                    text.join("\n").into(),
                );
                list(&d2, &st2);
            },
        );
    });
    state
}

/// Forgets the list, with the staff member.
pub fn clear(window: &AppWindow, state: &SharedDuplicates) {
    *state.lock().expect("duplicates lock") = DuplicatesState::default();
    let adapter = window.global::<DuplicatesAdapter>();
    adapter.set_pairs(ModelRc::default());
    adapter.set_preview(ModelRc::default());
    adapter.set_chosen(-1);
    adapter.set_summary("".into());
    adapter.set_busy(false);
}
