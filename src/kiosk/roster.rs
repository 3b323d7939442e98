//! 名单与轮候 at the desk (`RosterAdapter`): a programme's waiting list in 轮候 order
//! with each person's group and the sentence they were given, the offers waiting for
//! an answer, the confirmed places and the latest answers. 发出名额 (to the head of the
//! list only: the order is the policy's), 撤回 and 转到其他项目 each take a reason,
//! which the use-cases require and put in the audit log with the staff member.

use std::sync::{Arc, Mutex};

use linli_core::dates::{day_text, weekday_day_time_text};
use linli_core::Text;
use slint::{ComponentHandle, ModelRc, VecModel};

use super::backend::Backend;
use super::desk_work::Desk;
use super::session::{notify, pick};
use super::staff;
use super::ui::{
    AppWindow, DeskAdapter, RosterAction, RosterAdapter, RosterRow, Screen, Session, Tone,
};
use crate::clock;
use crate::usecase::rosters::{self, OfferAnswer, RosterView};
use crate::usecase::search::ResidentRef;

/// What a row on screen stands for, in the order of the rows.
#[derive(Clone)]
struct Listed {
    id: ResidentRef,
    name: String,
}

#[derive(Default)]
pub struct RosterState {
    roster: Option<RosterView>,
    listed: Vec<Option<Listed>>,
}

pub type SharedRoster = Arc<Mutex<RosterState>>;

fn answer_text(answer: OfferAnswer) -> Text {
    match answer {
        OfferAnswer::Accepted => Text::new("已接受", "accepted"),
        OfferAnswer::Declined => Text::new("已放弃", "declined"),
        OfferAnswer::Lapsed => Text::new("逾期未答复", "no answer in time"),
    }
}

/// The line of a person's explanation that is theirs (why they are in their group):
/// the rest (their place, the 48 hours, the rule's version) is the same for everyone
/// or already in the row, and 40 people's full explanations would bury the list.
fn reason_line(explanation: &Text) -> Text {
    let line = |text: &str| text.lines().nth(1).unwrap_or(text).to_string();
    Text::new(line(&explanation.zh), line(&explanation.en))
}

fn heading(window: &AppWindow, zh: &str, en: &str, count: usize) -> slint::SharedString {
    pick(
        window,
        &Text::new(format!("{zh}（{count}人）"), format!("{en} ({count})")),
    )
}

/// The rows of `roster`, and what each stands for.
fn rows_of(window: &AppWindow, roster: &RosterView) -> (Vec<RosterRow>, Vec<Option<Listed>>) {
    let mut rows = Vec::new();
    let mut listed = Vec::new();
    let offer_possible = roster.free_seats > 0 && !roster.district_offers;
    for (i, w) in roster.waiting.iter().enumerate() {
        let applied = day_text(w.applied_at.date());
        rows.push(RosterRow {
            heading: if i == 0 {
                heading(window, "轮候名单", "Waiting list", roster.waiting.len())
            } else {
                "".into()
            },
            who: format!("{}. {} · {}", w.position, w.name, w.resident).into(),
            detail: pick(
                window,
                &Text::new(
                    format!("{}：{} · {}申请", w.group.zh, w.bucket.zh, applied.zh),
                    format!("{}: {} · applied {}", w.group.en, w.bucket.en, applied.en),
                ),
            ),
            explanation: pick(window, &reason_line(&w.explanation)),
            warning: "".into(),
            may_offer: offer_possible && w.position == 1,
            may_withdraw: true,
            may_move: true,
        });
        listed.push(Some(Listed {
            id: w.id.clone(),
            name: w.name.clone(),
        }));
    }
    for (i, o) in roster.offers.iter().enumerate() {
        rows.push(RosterRow {
            heading: if i == 0 {
                heading(
                    window,
                    "已发出名额，等待答复",
                    "Offered, waiting for an answer",
                    roster.offers.len(),
                )
            } else {
                "".into()
            },
            who: format!("{} · {}", o.name, o.resident).into(),
            detail: pick(
                window,
                &Text::new(
                    format!("答复期限 {}", o.deadline_words.zh),
                    format!("answer by {}", o.deadline_words.en),
                ),
            ),
            explanation: "".into(),
            warning: if o.lapsed {
                pick(
                    window,
                    &Text::new(
                        "已过答复期限：名额将转给下一位",
                        "Past the deadline: the seat passes to the next person",
                    ),
                )
            } else {
                "".into()
            },
            may_offer: false,
            may_withdraw: true,
            may_move: true,
        });
        listed.push(Some(Listed {
            id: o.id.clone(),
            name: o.name.clone(),
        }));
    }
    for (i, c) in roster.confirmed.iter().enumerate() {
        let since = day_text(c.since.date());
        rows.push(RosterRow {
            heading: if i == 0 {
                heading(window, "已确认", "Confirmed", roster.confirmed.len())
            } else {
                "".into()
            },
            who: format!("{} · {}", c.name, c.resident).into(),
            detail: pick(
                window,
                &Text::new(format!("{}起", since.zh), format!("since {}", since.en)),
            ),
            explanation: "".into(),
            warning: "".into(),
            may_offer: false,
            // Giving up a confirmed seat is a cancellation, the resident's or the
            // registry's, not a withdrawal.
            may_withdraw: false,
            may_move: true,
        });
        listed.push(Some(Listed {
            id: c.id.clone(),
            name: c.name.clone(),
        }));
    }
    for (i, a) in roster.answered.iter().enumerate() {
        let at = weekday_day_time_text(a.at);
        let answer = answer_text(a.answer);
        rows.push(RosterRow {
            heading: if i == 0 {
                heading(
                    window,
                    "最近的答复",
                    "Latest answers",
                    roster.answered.len(),
                )
            } else {
                "".into()
            },
            who: format!("{} · {}", a.name, a.resident).into(),
            detail: pick(
                window,
                &Text::new(
                    format!("{} · {}", answer.zh, at.zh),
                    format!("{} · {}", answer.en, at.en),
                ),
            ),
            explanation: "".into(),
            warning: "".into(),
            may_offer: false,
            may_withdraw: false,
            may_move: false,
        });
        listed.push(None);
    }
    (rows, listed)
}

fn show(window: &AppWindow, state: &SharedRoster, roster: RosterView) {
    let adapter = window.global::<RosterAdapter>();
    adapter.set_title(pick(window, &roster.name));
    adapter.set_summary(pick(
        window,
        &Text::new(
            format!(
                "名额 {} · 已确认 {} · 空余 {} · 轮候 {} · 待答复 {}",
                roster.capacity,
                roster.confirmed.len(),
                roster.free_seats,
                roster.waiting.len(),
                roster.offers.len()
            ),
            format!(
                "Seats {} · confirmed {} · free {} · waiting {} · offered {}",
                roster.capacity,
                roster.confirmed.len(),
                roster.free_seats,
                roster.waiting.len(),
                roster.offers.len()
            ),
        ),
    ));
    adapter.set_note(if roster.district_offers {
        pick(
            window,
            &Text::new(
                "空出的名额由区级后台统一递补，本机不直接发出名额",
                "Freed seats are offered by the district, not from this desk",
            ),
        )
    } else if roster.free_seats == 0 && !roster.waiting.is_empty() {
        pick(
            window,
            &Text::new(
                "没有空余名额：有人退出后才能发出名额",
                "No free seat: an offer can be made once someone leaves",
            ),
        )
    } else {
        "".into()
    });
    let (rows, listed) = rows_of(window, &roster);
    adapter.set_rows(ModelRc::new(VecModel::from(rows)));
    adapter.set_move_targets(ModelRc::new(VecModel::from(
        roster
            .move_targets
            .iter()
            .map(|t| pick(window, &t.name))
            .collect::<Vec<_>>(),
    )));
    let mut s = state.lock().expect("roster lock");
    s.roster = Some(roster);
    s.listed = listed;
}

fn load<B: Backend>(desk: &Desk<B>, state: &SharedRoster, code: String) {
    let st = state.clone();
    desk.run(
        move |store, actor| rosters::roster_view(store, actor, &code, clock::now()),
        move |window, roster| {
            show(window, &st, roster);
            if window.global::<Session>().get_screen() != Screen::Roster {
                window.global::<Session>().invoke_open(Screen::Roster);
            }
        },
    );
}

fn ask<B: Backend>(desk: &Desk<B>, state: &SharedRoster, index: i32, action: RosterAction) {
    let Some(window) = desk.window() else { return };
    let listed = {
        let s = state.lock().expect("roster lock");
        usize::try_from(index)
            .ok()
            .and_then(|i| s.listed.get(i).cloned().flatten())
    };
    let Some(person) = listed else { return };
    let title = match action {
        RosterAction::Offer => Text::new(
            format!("为{}发出名额", person.name),
            format!("Offer the seat to {}", person.name),
        ),
        RosterAction::Withdraw => Text::new(
            format!("撤回{}的轮候或名额", person.name),
            format!("Withdraw {}'s place", person.name),
        ),
        RosterAction::Move => Text::new(
            format!("把{}转到其他项目", person.name),
            format!("Move {} to another programme", person.name),
        ),
        RosterAction::None => return,
    };
    let adapter = window.global::<RosterAdapter>();
    adapter.set_action_title(pick(&window, &title));
    adapter.set_reason("".into());
    adapter.set_move_to(-1);
    adapter.set_acting_on(index);
    adapter.set_action(action);
    window.global::<Session>().invoke_settle();
}

fn confirm<B: Backend>(desk: &Desk<B>, state: &SharedRoster) {
    let Some(window) = desk.window() else { return };
    let adapter = window.global::<RosterAdapter>();
    let (action, index, reason) = (
        adapter.get_action(),
        adapter.get_acting_on(),
        adapter.get_reason().to_string(),
    );
    let (code, person, target) = {
        let s = state.lock().expect("roster lock");
        let Some(roster) = s.roster.as_ref() else {
            return;
        };
        let person = usize::try_from(index)
            .ok()
            .and_then(|i| s.listed.get(i).cloned().flatten());
        let target = usize::try_from(adapter.get_move_to())
            .ok()
            .and_then(|i| roster.move_targets.get(i).map(|t| t.code.clone()));
        (roster.programme.clone(), person, target)
    };
    let Some(person) = person else { return };
    if action == RosterAction::Move && target.is_none() {
        notify(
            &window,
            Tone::Refusal,
            &Text::new(
                "请先选择转入的项目",
                "Choose the programme to move to first",
            ),
            "".into(),
        );
        return;
    }
    let (st, d, reload) = (state.clone(), desk.clone(), code.clone());
    // A refusal leaves the reason box open with what was typed: a missing reason is
    // given, not typed again from the start.
    desk.act(
        |window, busy| window.global::<RosterAdapter>().set_busy(busy),
        move |store, actor| {
            let id = person.id.id_number();
            let now = clock::now();
            let done = match action {
                RosterAction::Offer => {
                    let offered = rosters::offer_now(store, actor, now, &code, id, &reason)?;
                    Text::new(
                        format!(
                            "已为{}发出名额，答复期限 {}",
                            person.name, offered.deadline_words.zh
                        ),
                        format!(
                            "Seat offered to {}; answer by {}",
                            person.name, offered.deadline_words.en
                        ),
                    )
                }
                RosterAction::Withdraw => {
                    rosters::withdraw(store, actor, now, &code, id, &reason)?;
                    Text::new(
                        format!("已撤回{}", person.name),
                        format!("{}'s place withdrawn", person.name),
                    )
                }
                RosterAction::Move | RosterAction::None => {
                    let to = target.unwrap_or_default();
                    rosters::move_place(store, actor, now, &code, &to, id, &reason)?;
                    Text::new(
                        format!("已把{}转到其他项目", person.name),
                        format!("{} moved to another programme", person.name),
                    )
                }
            };
            Ok(done)
        },
        move |window| {
            let adapter = window.global::<RosterAdapter>();
            adapter.set_action(RosterAction::None);
            adapter.set_reason("".into());
            load(&d, &st, reload);
        },
    );
}

pub fn connect<B: Backend>(window: &AppWindow, desk: Desk<B>) -> SharedRoster {
    let state: SharedRoster = Arc::default();
    let (d, st) = (desk.clone(), state.clone());
    window.global::<DeskAdapter>().on_open_roster(move |index| {
        if let Some(code) = staff::desk_session(d.staff(), index) {
            load(&d, &st, code);
        }
    });
    let adapter = window.global::<RosterAdapter>();
    let asker = |action| {
        let (d, st) = (desk.clone(), state.clone());
        move |index| ask(&d, &st, index, action)
    };
    adapter.on_offer(asker(RosterAction::Offer));
    adapter.on_withdraw(asker(RosterAction::Withdraw));
    adapter.on_move(asker(RosterAction::Move));
    let (d, st) = (desk, state.clone());
    adapter.on_confirm(move || confirm(&d, &st));
    state
}

/// Forgets the roster with the staff member.
pub fn clear(window: &AppWindow, state: &SharedRoster) {
    *state.lock().expect("roster lock") = RosterState::default();
    let adapter = window.global::<RosterAdapter>();
    adapter.set_rows(ModelRc::default());
    adapter.set_move_targets(ModelRc::default());
    adapter.set_action(RosterAction::None);
    adapter.set_acting_on(-1);
    adapter.set_reason("".into());
    adapter.set_busy(false);
}
