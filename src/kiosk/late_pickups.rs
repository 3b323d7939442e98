//! 晚接 at the desk (`LatePickupsAdapter`): the children of today's children's
//! programmes still here after closing and the grace period, the adults to call
//! (phones masked; a number in full only on request, each look audited by the
//! use-case), a record of every call, and the 晚接记录单 for the adult who collects.

use std::sync::{Arc, Mutex};

use linli_core::Text;
use slint::{ComponentHandle, Model, ModelRc, VecModel};

use super::backend::Backend;
use super::desk_work::Desk;
use super::session::{notify, pick};
use super::ui::{
    AppWindow, ContactRow, DeskAdapter, LatePickupsAdapter, LateRow, Screen, Session, Tone,
};
use crate::clock;
use crate::error::AppError;
use crate::print::Printing;
use crate::store::{Actor, Store};
use crate::usecase::load;
use crate::usecase::roll_call::{self, CallOutcome, LateChild};

#[derive(Default)]
pub struct LatePickupsState {
    /// The programme and child of each row, in order.
    late: Vec<(String, LateChild)>,
}

pub type SharedLatePickups = Arc<Mutex<LatePickupsState>>;

/// Every child late now, over today's children's programmes.
fn everyone_late(store: &Store, actor: &Actor) -> Result<Vec<(String, Text, LateChild)>, AppError> {
    let now = clock::now();
    let mut late = Vec::new();
    for programme in load::all_programmes(store.conn())? {
        if !programme.kind.school_days_only() {
            continue;
        }
        let list = roll_call::late_pickups(store.conn(), actor, &programme.code, now)?;
        for child in list.children {
            late.push((programme.code.clone(), list.programme_name.clone(), child));
        }
    }
    Ok(late)
}

fn contact_rows(child: &LateChild) -> Vec<ContactRow> {
    child
        .contacts
        .iter()
        .map(|c| ContactRow {
            who: format!("{} ({}) {}", c.name_masked, c.relation, c.phone_masked).into(),
            full: "".into(),
        })
        .collect()
}

fn show(window: &AppWindow, state: &SharedLatePickups, late: Vec<(String, Text, LateChild)>) {
    let adapter = window.global::<LatePickupsAdapter>();
    adapter.set_summary(pick(
        window,
        &if late.is_empty() {
            Text::new(
                "现在没有晚接的孩子",
                "No child is waiting to be collected late",
            )
        } else {
            Text::new(
                format!("过了结束时间和宽限时间仍在中心的孩子：{}人", late.len()),
                format!(
                    "Still here after closing and the grace period: {}",
                    late.len()
                ),
            )
        },
    ));
    let rows: Vec<LateRow> = late
        .iter()
        .map(|(_, programme, child)| {
            let detail = Text::new(
                format!(
                    "{} · {} · 晚了{}分钟",
                    programme.zh, child.group.zh, child.minutes_late
                ),
                format!(
                    "{} · {} · {} min late",
                    programme.en, child.group.en, child.minutes_late
                ),
            );
            let calls: Vec<String> = child
                .calls
                .iter()
                .map(|call| {
                    let outcome = pick(window, &call.outcome.label());
                    let mut line = format!(
                        "{} {} → {}：{}",
                        call.at.format("%H:%M"),
                        call.staff,
                        call.contact,
                        outcome
                    );
                    if !call.note.is_empty() {
                        line += &format!("（{}）", call.note);
                    }
                    line
                })
                .collect();
            LateRow {
                name: child.name.as_str().into(),
                detail: pick(window, &detail),
                calls: calls.join("\n").into(),
            }
        })
        .collect();
    adapter.set_rows(ModelRc::new(VecModel::from(rows)));
    // The open list of contacts belongs to a child who may have left meanwhile.
    adapter.set_calling(-1);
    adapter.set_contacts(ModelRc::default());
    state.lock().expect("late lock").late =
        late.into_iter().map(|(code, _, c)| (code, c)).collect();
}

fn load_late<B: Backend>(desk: &Desk<B>, state: &SharedLatePickups) {
    let st = state.clone();
    desk.run(
        |store, actor| everyone_late(store, actor),
        move |window, late| {
            show(window, &st, late);
            if window.global::<Session>().get_screen() != Screen::LatePickups {
                window.global::<Session>().invoke_open(Screen::LatePickups);
            }
        },
    );
}

fn late_at(state: &SharedLatePickups, index: i32) -> Option<(String, LateChild)> {
    let s = state.lock().expect("late lock");
    s.late.get(usize::try_from(index).ok()?).cloned()
}

fn outcome_of(code: i32) -> CallOutcome {
    match code {
        0 => CallOutcome::Reached,
        2 => CallOutcome::WrongNumber,
        _ => CallOutcome::NoAnswer,
    }
}

pub fn connect<B: Backend>(window: &AppWindow, desk: Desk<B>) -> SharedLatePickups {
    let state: SharedLatePickups = Arc::default();
    let (d, st) = (desk.clone(), state.clone());
    window
        .global::<DeskAdapter>()
        .on_open_late_pickups(move || load_late(&d, &st));
    let adapter = window.global::<LatePickupsAdapter>();
    let (d, st) = (desk.clone(), state.clone());
    adapter.on_refresh(move || load_late(&d, &st));

    let (weak, st) = (window.as_weak(), state.clone());
    adapter.on_open_calls(move |index| {
        let Some(window) = weak.upgrade() else { return };
        let Some((_, child)) = late_at(&st, index) else {
            return;
        };
        let adapter = window.global::<LatePickupsAdapter>();
        adapter.set_contacts(ModelRc::new(VecModel::from(contact_rows(&child))));
        adapter.set_note("".into());
        adapter.set_calling(index);
        window.global::<Session>().invoke_settle();
    });

    let (d, st) = (desk.clone(), state.clone());
    adapter.on_reveal(move |contact| {
        let Some(window) = d.window() else { return };
        let calling = window.global::<LatePickupsAdapter>().get_calling();
        let Some((_, child)) = late_at(&st, calling) else {
            return;
        };
        let Ok(number) = usize::try_from(contact) else {
            return;
        };
        d.run(
            move |store, actor| {
                store.write(actor, clock::now(), |tx| {
                    roll_call::reveal_contact_phone(tx, &child.id_number, number + 1)
                })
            },
            move |window, full| {
                let contacts = window.global::<LatePickupsAdapter>().get_contacts();
                if let Some(mut row) = contacts.row_data(number) {
                    row.full = full.into();
                    contacts.set_row_data(number, row);
                }
            },
        );
    });

    let (d, st) = (desk.clone(), state.clone());
    adapter.on_record(move |contact, outcome| {
        let Some(window) = d.window() else { return };
        let adapter = window.global::<LatePickupsAdapter>();
        let Some((code, child)) = late_at(&st, adapter.get_calling()) else {
            return;
        };
        let Ok(number) = usize::try_from(contact) else {
            return;
        };
        let (note, outcome) = (adapter.get_note().to_string(), outcome_of(outcome));
        let (d2, st2) = (d.clone(), st.clone());
        d.act(
            |window, busy| window.global::<LatePickupsAdapter>().set_busy(busy),
            move |store, actor| {
                let call = store.write(actor, clock::now(), |tx| {
                    roll_call::record_call(tx, &code, &child.id_number, number + 1, outcome, &note)
                })?;
                let outcome = call.outcome.label();
                Ok(Text::new(
                    format!("已记录：{}（{}）", outcome.zh, call.contact),
                    format!("Call recorded: {} ({})", outcome.en, call.contact),
                ))
            },
            move |_| load_late(&d2, &st2),
        );
    });

    let (d, st) = (desk, state.clone());
    adapter.on_print_slip(move |index| {
        let Some((code, child)) = late_at(&st, index) else { return };
        let d2 = d.clone();
        d.run(
            move |store, actor| {
                let issued = store.write_issuing(actor, clock::now(), |tx| {
                    roll_call::late_pickup_slip(tx, &code, &child.id_number, Printing::Queue)
                })?;
                Ok(issued.outcome)
            },
            move |window, printed| {
                d2.slip_issued();
                notify(
                    window,
                    Tone::Success,
                    &Text::new("晚接记录单已打印", "The late pickup record is printing"),
                    pick(
                        window,
                        &Text::new(
                            format!(
                                "晚了{}分钟。请接孩子的人在单上写下时间并签名。",
                                printed.minutes_late
                            ),
                            format!(
                                "{} minutes late. Ask the adult who collects to write the time and sign.",
                                printed.minutes_late
                            ),
                        ),
                    ),
                );
            },
        );
    });
    state
}

/// Forgets the list, and any number shown in full, with the staff member.
pub fn clear(window: &AppWindow, state: &SharedLatePickups) {
    state.lock().expect("late lock").late.clear();
    let adapter = window.global::<LatePickupsAdapter>();
    adapter.set_rows(ModelRc::default());
    adapter.set_contacts(ModelRc::default());
    adapter.set_calling(-1);
    adapter.set_note("".into());
    adapter.set_busy(false);
}
