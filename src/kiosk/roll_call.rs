//! 点名 on a front-desk terminal (`RollCallAdapter`): the roll of a children's
//! programme, check-in by touch or by a whole group, check-out to an adult picked from
//! the child's pickup list. Every action is a use-case with the signed-in member as
//! its actor, so the permission is checked there, not here; a must-not-collect adult
//! is refused by core whatever the screen does, with the error sound, the refusal's
//! colour and words, and an alert for the other staff (`check_out_at_desk`).

use std::sync::{Arc, Mutex};

use linli_core::attendance::{Collector, MUST_NOT_COLLECT};
use linli_core::dates::weekday_day_text;
use linli_core::roll_call::RollState;
use linli_core::staff::StaffMember;
use linli_core::Text;
use slint::{ComponentHandle, ModelRc, VecModel};

use super::backend::Backend;
use super::session::{notify, notify_refusal, pick};
use super::staff::{self, SharedStaff};
use super::ui::{
    AppWindow, ChildState, DeskAdapter, PickupRow, RollCallAdapter, RollChildRow, Screen, Session,
    Tone,
};
use crate::clock;
use crate::error::AppError;
use crate::store::{Actor, Store};
use crate::usecase::roll_call::{self, RollCall};

#[derive(Default)]
pub struct RollCallState {
    roll: Option<RollCall>,
    /// Moves on when staff sign out, so a late answer is dropped.
    epoch: u64,
}

pub type SharedRollCall = Arc<Mutex<RollCallState>>;

fn state_of(state: RollState) -> ChildState {
    match state {
        RollState::Expected => ChildState::Expected,
        RollState::ReportedAbsent => ChildState::Absent,
        RollState::Here => ChildState::Here,
        RollState::Left => ChildState::Left,
    }
}

fn status_text(child: &roll_call::RollCallChild) -> Text {
    match child.state {
        RollState::Expected => Text::new("未到", "not here yet"),
        RollState::ReportedAbsent => match &child.absence {
            Some(why) => Text::new(format!("已请假：{}", why.zh), format!("absent: {}", why.en)),
            None => Text::new("已请假", "reported absent"),
        },
        RollState::Here => {
            let at = child.checked_in_at.map(|t| t.format("%H:%M").to_string());
            let at = at.unwrap_or_default();
            Text::new(
                format!("{at} 签到，在中心"),
                format!("checked in {at}, here"),
            )
        }
        RollState::Left => {
            let at = child.left_at.map(|t| t.format("%H:%M").to_string());
            let at = at.unwrap_or_default();
            let with = child.left_with.clone().unwrap_or_default();
            Text::new(format!("{at} 已离开：{with}"), format!("left {at}: {with}"))
        }
    }
}

fn show(window: &AppWindow, roll: &RollCall) {
    let adapter = window.global::<RollCallAdapter>();
    adapter.set_title(
        format!(
            "{} · {}",
            pick(window, &roll.programme_name),
            pick(window, &weekday_day_text(roll.date))
        )
        .into(),
    );
    let c = roll.counts;
    adapter.set_summary(pick(
        window,
        &Text::new(
            format!(
                "应到 {} · 已到 {} · 请假 {} · 已离开 {} · 结束 {}",
                c.expected,
                c.arrived,
                c.absent,
                c.left,
                roll.ends.format("%H:%M")
            ),
            format!(
                "Expected {} · arrived {} · absent {} · left {} · ends {}",
                c.expected,
                c.arrived,
                c.absent,
                c.left,
                roll.ends.format("%H:%M")
            ),
        ),
    ));
    adapter.set_not_running(if roll.runs {
        "".into()
    } else {
        pick(
            window,
            &Text::new(
                "今天不是这个项目的活动日，不能签到",
                "This programme does not run today: no check-in",
            ),
        )
    });
    let mut rows = Vec::new();
    let groups = roll.groups();
    for (label, members) in &groups {
        let waiting = members
            .iter()
            .filter(|c| matches!(c.state, RollState::Expected | RollState::ReportedAbsent))
            .count() as i32;
        for (i, child) in members.iter().enumerate() {
            rows.push(RollChildRow {
                name: child.name.as_str().into(),
                detail: pick(
                    window,
                    &Text::new(
                        format!("{} · {}岁", label.zh, child.age),
                        format!("{} · {}", label.en, child.age),
                    ),
                ),
                state: state_of(child.state),
                status: pick(window, &status_text(child)),
                dietary: child
                    .dietary
                    .as_ref()
                    .map(|needs| pick(window, needs))
                    .unwrap_or_default(),
                group: if i == 0 {
                    pick(window, label)
                } else {
                    "".into()
                },
                group_waiting: if i == 0 && roll.runs { waiting } else { 0 },
            });
        }
    }
    adapter.set_children(ModelRc::new(VecModel::from(rows)));
}

/// The children in the order the rows show them (by group).
fn in_row_order(roll: &RollCall) -> Vec<&roll_call::RollCallChild> {
    roll.groups().into_iter().flat_map(|(_, c)| c).collect()
}

fn member(staff: &SharedStaff) -> Option<StaffMember> {
    staff::signed_in(staff)
}

/// Loads the roll of `code` and shows it; `then` runs after, on the UI thread, with
/// the roll as it now stands.
fn load<B: Backend>(
    window: &AppWindow,
    backend: &B,
    state: &SharedRollCall,
    staff: &SharedStaff,
    code: String,
    then: impl FnOnce(&AppWindow, &RollCall) + Send + 'static,
) {
    let Some(member) = member(staff) else { return };
    let ticket = state.lock().expect("roll call lock").epoch;
    let (weak, state) = (window.as_weak(), state.clone());
    window.global::<RollCallAdapter>().set_busy(true);
    backend.run(
        move |store: &mut Store| {
            roll_call::roll_call(
                store.conn(),
                &Actor::member(&member),
                &code,
                clock::now().date(),
            )
        },
        move |result| {
            let Some(window) = weak.upgrade() else { return };
            let mut s = state.lock().expect("roll call lock");
            if s.epoch != ticket {
                return;
            }
            window.global::<RollCallAdapter>().set_busy(false);
            match result {
                Ok(roll) => {
                    show(&window, &roll);
                    if window.global::<Session>().get_screen() != Screen::RollCall {
                        window.global::<Session>().invoke_open(Screen::RollCall);
                    }
                    let roll = s.roll.insert(roll).clone();
                    drop(s);
                    then(&window, &roll);
                }
                Err(error) => notify_refusal(&window, &error),
            }
        },
    );
}

/// Runs `action` as the signed-in member, then shows its outcome (or refusal) and the
/// roll as it now stands.
fn act<B: Backend>(
    window: &AppWindow,
    backend: &B,
    state: &SharedRollCall,
    staff: &SharedStaff,
    action: impl FnOnce(&mut Store, &Actor) -> Result<Text, AppError> + Send + 'static,
) {
    let Some(member) = member(staff) else { return };
    let Some(code) = shown_programme(state) else {
        return;
    };
    let ticket = state.lock().expect("roll call lock").epoch;
    window.global::<RollCallAdapter>().set_busy(true);
    let (weak, st, staff, b) = (
        window.as_weak(),
        state.clone(),
        staff.clone(),
        backend.clone(),
    );
    backend.run(
        move |store: &mut Store| action(store, &Actor::member(&member)),
        move |result| {
            let Some(window) = weak.upgrade() else { return };
            if st.lock().expect("roll call lock").epoch != ticket {
                return;
            }
            let adapter = window.global::<RollCallAdapter>();
            adapter.set_busy(false);
            adapter.set_checking_out(-1);
            match result {
                Ok(done) => notify(&window, Tone::Success, &done, "".into()),
                Err(error) => notify_refusal(&window, &error),
            }
            load(&window, &b, &st, &staff, code, |_, _| {});
        },
    );
}

/// The programme of the roll on screen.
fn shown_programme(state: &SharedRollCall) -> Option<String> {
    let s = state.lock().expect("roll call lock");
    s.roll.as_ref().map(|r| r.programme_code.clone())
}

/// The child on row `index` and the programme of the roll on screen.
fn child_at(state: &SharedRollCall, index: i32) -> Option<(String, roll_call::RollCallChild)> {
    let s = state.lock().expect("roll call lock");
    let roll = s.roll.as_ref()?;
    let child = in_row_order(roll)
        .get(usize::try_from(index).ok()?)
        .map(|c| (*c).clone())?;
    Some((roll.programme_code.clone(), child))
}

pub fn connect<B: Backend>(window: &AppWindow, backend: B, staff: SharedStaff) -> SharedRollCall {
    let state: SharedRollCall = Arc::default();
    let adapter = window.global::<RollCallAdapter>();

    let (weak, b, st, sf) = (
        window.as_weak(),
        backend.clone(),
        state.clone(),
        staff.clone(),
    );
    window
        .global::<DeskAdapter>()
        .on_open_roll_call(move |index| {
            let Some(window) = weak.upgrade() else { return };
            let Some(code) = staff::desk_session(&sf, index) else {
                return;
            };
            load(&window, &b, &st, &sf, code, |_, _| {});
        });

    let (weak, b, st, sf) = (
        window.as_weak(),
        backend.clone(),
        state.clone(),
        staff.clone(),
    );
    adapter.on_check_in(move |index| {
        let Some(window) = weak.upgrade() else { return };
        let Some((code, child)) = child_at(&st, index) else {
            return;
        };
        act(&window, &b, &st, &sf, move |store, actor| {
            store.write(actor, clock::now(), |tx| {
                roll_call::check_in_group(tx, &code, std::slice::from_ref(&child.id_number))
            })?;
            Ok(Text::new(
                format!("{} 已签到", child.name),
                format!("{} checked in", child.name),
            ))
        });
    });

    let (weak, b, st, sf) = (
        window.as_weak(),
        backend.clone(),
        state.clone(),
        staff.clone(),
    );
    adapter.on_check_in_group(move |index| {
        let Some(window) = weak.upgrade() else { return };
        let Some((_, first)) = child_at(&st, index) else {
            return;
        };
        let (code, ids) = {
            let s = st.lock().expect("roll call lock");
            let Some(roll) = s.roll.as_ref() else { return };
            let ids: Vec<String> = roll
                .children
                .iter()
                .filter(|c| c.group == first.group)
                .filter(|c| matches!(c.state, RollState::Expected | RollState::ReportedAbsent))
                .map(|c| c.id_number.clone())
                .collect();
            (roll.programme_code.clone(), ids)
        };
        let group = first.group.clone();
        act(&window, &b, &st, &sf, move |store, actor| {
            let done = store.write(actor, clock::now(), |tx| {
                roll_call::check_in_group(tx, &code, &ids)
            })?;
            Ok(Text::new(
                format!("{}：{}人已签到", group.zh, done.checked_in),
                format!("{}: {} checked in", group.en, done.checked_in),
            ))
        });
    });

    // 签退 reads the child's pickup list afresh: another desk, or the guardian at this
    // one a minute ago, may have changed it since the roll was loaded.
    let (weak, b, st, sf) = (
        window.as_weak(),
        backend.clone(),
        state.clone(),
        staff.clone(),
    );
    adapter.on_check_out(move |index| {
        let Some(window) = weak.upgrade() else { return };
        let Some((code, child)) = child_at(&st, index) else {
            return;
        };
        let id = child.id_number.clone();
        load(&window, &b, &st, &sf, code, move |window, roll| {
            let Some(row) = in_row_order(roll).iter().position(|c| c.id_number == id) else {
                return;
            };
            let child = in_row_order(roll)[row].clone();
            if child.state != RollState::Here {
                return;
            }
            let rows: Vec<PickupRow> = child
                .pickup
                .iter()
                .map(|adult| PickupRow {
                    who: format!("{} ({})", adult.name_masked, adult.relation).into(),
                    validity: pick(window, &adult.validity),
                    must_not_collect: adult.must_not_collect,
                    valid: adult.valid_today,
                })
                .collect();
            let adapter = window.global::<RollCallAdapter>();
            adapter.set_pickup(ModelRc::new(VecModel::from(rows)));
            adapter.set_may_leave_alone(child.may_leave_alone);
            adapter.set_checking_out(row as i32);
            window.global::<Session>().invoke_settle();
        });
    });

    let collect = move |window: &AppWindow,
                        b: &B,
                        st: &SharedRollCall,
                        sf: &SharedStaff,
                        by: By| {
        let index = window.global::<RollCallAdapter>().get_checking_out();
        let Some((code, child)) = child_at(st, index) else {
            return;
        };
        let chosen = match by {
            By::Listed(i) => match child.pickup.get(i) {
                Some(adult) => adult.collector.clone(),
                None => return,
            },
            By::Card(card) => Collector::CardCode(card),
            By::Alone => Collector::Alone,
        };
        act(window, b, st, sf, move |store, actor| {
            let result = roll_call::check_out_at_desk(
                store,
                actor,
                clock::now(),
                &code,
                &child.id_number,
                &chosen,
            );
            match result {
                Ok(()) => Ok(Text::new(
                    format!("{} 已签退", child.name),
                    format!("{} checked out", child.name),
                )),
                Err(AppError::Refused(mut refused)) if refused.code == MUST_NOT_COLLECT => {
                    refused.reasons.push(Text::new(
                        "已通知其他工作人员和社工（工作人员主页的呼叫里可见）",
                        "The other staff and the social worker have been alerted (calls on the staff home)",
                    ));
                    Err(AppError::Refused(refused))
                }
                Err(other) => Err(other),
            }
        });
    };
    let collect = Arc::new(collect);

    let (weak, b, st, sf, c) = (
        window.as_weak(),
        backend.clone(),
        state.clone(),
        staff.clone(),
        collect.clone(),
    );
    adapter.on_collect(move |i| {
        let Some(window) = weak.upgrade() else { return };
        if let Ok(i) = usize::try_from(i) {
            c(&window, &b, &st, &sf, By::Listed(i));
        }
    });
    let (weak, b, st, sf, c) = (
        window.as_weak(),
        backend.clone(),
        state.clone(),
        staff.clone(),
        collect.clone(),
    );
    adapter.on_leave_alone(move || {
        let Some(window) = weak.upgrade() else { return };
        c(&window, &b, &st, &sf, By::Alone);
    });

    // A card read at the roll call: the adult's, when a 签退 box is open (core checks
    // the card against the child's list, must-not-collect included); else a child's.
    let (weak, b, st, sf, c) = (window.as_weak(), backend, state.clone(), staff, collect);
    adapter.on_card(move |card| {
        let Some(window) = weak.upgrade() else { return };
        if window.global::<RollCallAdapter>().get_checking_out() >= 0 {
            c(&window, &b, &st, &sf, By::Card(card.to_string()));
            return;
        }
        let Some(code) = shown_programme(&st) else {
            return;
        };
        let card = card.to_string();
        act(&window, &b, &st, &sf, move |store, actor| {
            let done = store.write(actor, clock::now(), |tx| {
                roll_call::check_in_by_card(tx, &code, &card)
            })?;
            Ok(if done.checked_in {
                Text::new(
                    format!("{} 已刷卡签到", done.name),
                    format!("{} checked in by card", done.name),
                )
            } else {
                Text::new(
                    format!("{} 已经签到过了", done.name),
                    format!("{} was already checked in", done.name),
                )
            })
        });
    });
    state
}

/// Who collects the child whose 签退 box is open.
enum By {
    /// The adult on row `n` of the child's pickup list.
    Listed(usize),
    /// The adult whose card the reader read.
    Card(String),
    /// Nobody: the child may go home alone.
    Alone,
}

/// Forgets the roll with the staff member.
pub fn clear(window: &AppWindow, state: &SharedRollCall) {
    let mut s = state.lock().expect("roll call lock");
    s.roll = None;
    s.epoch += 1;
    let adapter = window.global::<RollCallAdapter>();
    adapter.set_children(ModelRc::default());
    adapter.set_pickup(ModelRc::default());
    adapter.set_checking_out(-1);
    adapter.set_busy(false);
}
