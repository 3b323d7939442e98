//! 日间照料 at the desk (`DayCareAdapter`): the day's elders with what was recorded,
//! the next thing to record for each (到达 or 离开, the van's 接上车 or 送达), meals,
//! absences and the van's plan in a box per member, the driver's route list, and
//! closing the day. Core decides the flags (who to call, who is on the road); the
//! use-cases check the member's permission and refuse a closed day or a silent close.

use std::sync::{Arc, Mutex};

use chrono::NaiveTime;
use linli_core::dates::weekday_day_text;
use linli_core::day_care::{route_place, Meal};
use linli_core::{FieldError, Text};
use slint::{ComponentHandle, ModelRc, VecModel};

use super::backend::Backend;
use super::desk_work::Desk;
use super::session::{notify, pick};
use super::staff;
use super::ui::{
    AppWindow, DayCareAdapter, DayCareForm, DayCareRow, DeskAdapter, Screen, Session, Tone,
};
use crate::clock;
use crate::error::AppError;
use crate::print::Printing;
use crate::store::{Actor, Store};
use crate::usecase::day_care::{self, Day, DayRow};
use crate::usecase::load;

#[derive(Default)]
pub struct DayCareState {
    /// The programme shown, and the day as last read.
    programme: String,
    day: Option<Day>,
}

pub type SharedDayCare = Arc<Mutex<DayCareState>>;

/// The day and the programme's name, read as the member signed in.
struct Shown {
    day: Day,
    name: Text,
}

fn hm(at: chrono::NaiveDateTime) -> String {
    at.format("%H:%M").to_string()
}

fn status(row: &DayRow) -> Text {
    match (row.arrived_at, row.left_at, &row.absence_reason) {
        (Some(arrived), left, _) => {
            let mut text = Text::new(
                format!("{}到达", hm(arrived)),
                format!("arrived {}", hm(arrived)),
            );
            if let Some(left) = left {
                text.zh += &format!(" · {}离开", hm(left));
                text.en += &format!(" · left {}", hm(left));
            }
            text
        }
        (None, _, Some(reason)) => {
            Text::new(format!("请假：{reason}"), format!("absent: {reason}"))
        }
        (None, _, None) if row.expected => Text::new("还没到", "not here yet"),
        (None, _, None) => Text::new("今天不在名单上", "not expected today"),
    }
}

fn transport(row: &DayRow) -> Text {
    let Some(leg) = &row.transport else {
        return Text::new("", "");
    };
    let place = route_place(&leg.place);
    let mut text = Text::new(
        format!("接送：{place} {}", leg.pickup_at),
        format!("Van: {place} {}", leg.pickup_at),
    );
    if let Some(at) = leg.picked_up_at {
        text.zh += &format!(" · {}接上车", hm(at));
        text.en += &format!(" · picked up {}", hm(at));
    }
    match (leg.picked_up_at, leg.dropped_off_at) {
        (_, Some(at)) => {
            text.zh += &format!(" · {}送达", hm(at));
            text.en += &format!(" · dropped off {}", hm(at));
        }
        (Some(_), None) => {
            text.zh += " · 还没有送达";
            text.en += " · not dropped off yet";
        }
        (None, None) => {}
    }
    text
}

fn meals(row: &DayRow) -> Text {
    if row.arrived_at.is_none() {
        return Text::new("", "");
    }
    let mut taken = Vec::new();
    for (took, meal) in [(row.breakfast, Meal::Breakfast), (row.lunch, Meal::Lunch)] {
        if took {
            taken.push(meal.label());
        }
    }
    if taken.is_empty() {
        return Text::new("还没有用餐", "no meal yet");
    }
    Text::new(
        taken
            .iter()
            .map(|t| t.zh.as_str())
            .collect::<Vec<_>>()
            .join(" · "),
        taken
            .iter()
            .map(|t| t.en.as_str())
            .collect::<Vec<_>>()
            .join(" · "),
    )
}

fn warning(row: &DayRow) -> Text {
    if row.on_the_road {
        Text::new("已接上车，没有送达时间", "picked up, no drop-off time")
    } else if row.to_call {
        Text::new(
            "应到未到，也没有请假：请打电话",
            "expected, not here, no word sent: call them",
        )
    } else {
        Text::new("", "")
    }
}

/// Who is on the road, as the closing box and the flags name them.
fn on_the_road(day: &Day) -> String {
    day.on_the_road
        .iter()
        .map(
            |r| match r.transport.as_ref().and_then(|t| t.picked_up_at) {
                Some(at) => format!("{}（{}）", r.full_name, hm(at)),
                None => r.full_name.clone(),
            },
        )
        .collect::<Vec<_>>()
        .join("、")
}

/// How many of the people to call the flag line names.
const FLAGGED_NAMES: usize = 5;

fn flags(day: &Day) -> Text {
    let mut lines = Text::new("", "");
    let mut add = |line: Text| {
        for (all, one) in [(&mut lines.zh, line.zh), (&mut lines.en, line.en)] {
            if !all.is_empty() {
                all.push('\n');
            }
            all.push_str(&one);
        }
    };
    if !day.on_the_road.is_empty() {
        let who = on_the_road(day);
        add(Text::new(
            format!("已接上车、还没有送达：{who}"),
            format!("Picked up and not dropped off: {who}"),
        ));
    }
    if !day.to_call.is_empty() {
        // A few names: the rows themselves say who, in the refusal colour.
        let names: Vec<&str> = day
            .to_call
            .iter()
            .take(FLAGGED_NAMES)
            .map(|r| r.full_name.as_str())
            .collect();
        let more = day.to_call.len() > FLAGGED_NAMES;
        add(Text::new(
            format!(
                "应到未到、没有请假，请打电话：{}人（{}{}）",
                day.to_call.len(),
                names.join("、"),
                if more { "等" } else { "" }
            ),
            format!(
                "Expected, not here, no word: call {} ({}{})",
                day.to_call.len(),
                names.join(", "),
                if more { "…" } else { "" }
            ),
        ));
    }
    lines
}

fn show(window: &AppWindow, state: &SharedDayCare, shown: Shown) {
    let adapter = window.global::<DayCareAdapter>();
    let day = &shown.day;
    let date = weekday_day_text(day.date);
    adapter.set_title(pick(
        window,
        &Text::new(
            format!("{} · {}", shown.name.zh, date.zh),
            format!("{} · {}", shown.name.en, date.en),
        ),
    ));
    adapter.set_summary(pick(
        window,
        &if day.runs || !day.rows.is_empty() {
            Text::new(
                format!(
                    "应到 {} · 已到 {} · 已离开 {} · 早餐 {} · 午餐 {}",
                    day.expected, day.arrived, day.left, day.breakfasts, day.lunches
                ),
                format!(
                    "Expected {} · here {} · left {} · breakfast {} · lunch {}",
                    day.expected, day.arrived, day.left, day.breakfasts, day.lunches
                ),
            )
        } else {
            Text::new("今天没有日间照料", "No day care today")
        },
    ));
    adapter.set_closed(match &day.closed {
        Some(c) => {
            let mut text = Text::new(
                format!(
                    "当天已于{}由{}结束，记录不能再更改",
                    hm(c.closed_at),
                    c.closed_by
                ),
                format!(
                    "Closed at {} by {}; the records can no longer change",
                    hm(c.closed_at),
                    c.closed_by
                ),
            );
            if let Some(reason) = &c.reason {
                text.zh += &format!("（未送达{}人，原因：{reason}）", c.open_transport);
                text.en += &format!(" ({} not dropped off: {reason})", c.open_transport);
            }
            pick(window, &text)
        }
        None => "".into(),
    });
    adapter.set_flags(pick(window, &flags(day)));
    let open = day.closed.is_none();
    let rows: Vec<DayCareRow> = day
        .rows
        .iter()
        .map(|row| {
            let leg = row.transport.as_ref();
            DayCareRow {
                who: row.full_name.as_str().into(),
                status: pick(window, &status(row)),
                transport: pick(window, &transport(row)),
                meals: pick(window, &meals(row)),
                warning: pick(window, &warning(row)),
                may_arrive: open && row.arrived_at.is_none(),
                may_leave: open && row.arrived_at.is_some() && row.left_at.is_none(),
                may_pick_up: open && leg.is_some_and(|l| l.picked_up_at.is_none()),
                may_drop_off: open
                    && leg.is_some_and(|l| l.picked_up_at.is_some() && l.dropped_off_at.is_none()),
                may_eat: open && row.arrived_at.is_some(),
                took_breakfast: row.breakfast,
                took_lunch: row.lunch,
            }
        })
        .collect();
    adapter.set_rows(ModelRc::new(VecModel::from(rows)));
    adapter.set_on_the_road(on_the_road(day).into());
    if !open {
        adapter.set_form(DayCareForm::None);
    }
    state.lock().expect("day care lock").day = Some(shown.day);
}

fn read(store: &mut Store, actor: &Actor, code: &str) -> Result<Shown, AppError> {
    let day = store.write(actor, clock::now(), |tx| {
        day_care::show(tx, Some(code), clock::now().date())
    })?;
    let name = load::programme(store.conn(), code)?
        .map(|p| p.name)
        .unwrap_or_else(|| Text::new(code, code));
    Ok(Shown { day, name })
}

fn load_day<B: Backend>(desk: &Desk<B>, state: &SharedDayCare) {
    let st = state.clone();
    let code = st.lock().expect("day care lock").programme.clone();
    desk.run(
        move |store, actor| read(store, actor, &code),
        move |window, shown| {
            show(window, &st, shown);
            if window.global::<Session>().get_screen() != Screen::DayCare {
                window.global::<Session>().invoke_open(Screen::DayCare);
            }
        },
    );
}

/// The programme, the full ID number and the name on row `index` of the day last shown.
fn member_at(state: &SharedDayCare, index: i32) -> Option<(String, String, String)> {
    let s = state.lock().expect("day care lock");
    let row = s.day.as_ref()?.rows.get(usize::try_from(index).ok()?)?;
    Some((
        s.programme.clone(),
        row.resident.clone(),
        row.full_name.clone(),
    ))
}

/// A time of day typed at the desk: "08:10", "8:10" or with a Chinese colon "8：10".
fn typed_time(raw: &str) -> Result<NaiveTime, AppError> {
    let raw = raw.trim().replace('：', ":");
    NaiveTime::parse_from_str(&raw, "%H:%M").map_err(|_| {
        FieldError::new(
            "pickup_at",
            "invalid_time",
            format!("接车时间：“{raw}”不是时间，请按 08:10 的格式输入"),
            format!("pick-up time: \"{raw}\" is not a time; type it as 08:10"),
        )
        .into()
    })
}

fn set_busy(window: &AppWindow, busy: bool) {
    window.global::<DayCareAdapter>().set_busy(busy);
}

/// Runs `change` on row `index`'s member, shows its words, reads the day again and,
/// with `close_box`, closes the member box.
fn change<B: Backend>(
    desk: &Desk<B>,
    state: &SharedDayCare,
    index: i32,
    close_box: bool,
    change: impl FnOnce(&mut Store, &Actor, &str, &str) -> Result<Text, AppError> + Send + 'static,
) {
    let Some((code, resident, name)) = member_at(state, index) else {
        return;
    };
    let (d, st) = (desk.clone(), state.clone());
    desk.act(
        set_busy,
        move |store, actor| {
            let done = change(store, actor, &code, &resident)?;
            Ok(Text::new(
                format!("{name}：{}", done.zh),
                format!("{name}: {}", done.en),
            ))
        },
        move |window| {
            if close_box {
                window
                    .global::<DayCareAdapter>()
                    .set_form(DayCareForm::None);
            }
            load_day(&d, &st);
        },
    );
}

/// What each row button records, and its words.
fn record<B: Backend>(desk: &Desk<B>, state: &SharedDayCare, index: i32, what: Record) {
    change(
        desk,
        state,
        index,
        false,
        move |store, actor, code, resident| {
            store.write(actor, clock::now(), |tx| match what {
                Record::Arrive => day_care::arrive(tx, Some(code), resident),
                Record::Leave => day_care::leave(tx, Some(code), resident),
                Record::PickUp | Record::DropOff => {
                    day_care::record_transport(tx, Some(code), resident, what == Record::PickUp)
                        .map(|_| ())
                }
            })?;
            let at = clock::now().format("%H:%M");
            Ok(match what {
                Record::Arrive => Text::new(format!("{at}到达"), format!("arrived {at}")),
                Record::Leave => Text::new(format!("{at}离开"), format!("left {at}")),
                Record::PickUp => Text::new(format!("{at}接上车"), format!("picked up {at}")),
                Record::DropOff => Text::new(format!("{at}送达"), format!("dropped off {at}")),
            })
        },
    );
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Record {
    Arrive,
    Leave,
    PickUp,
    DropOff,
}

/// As [`change`], on the member whose box is open.
fn change_in_box<B: Backend>(
    desk: &Desk<B>,
    state: &SharedDayCare,
    close_box: bool,
    job: impl FnOnce(&mut Store, &Actor, &str, &str) -> Result<Text, AppError> + Send + 'static,
) {
    let Some(window) = desk.window() else { return };
    let open = window.global::<DayCareAdapter>().get_open();
    change(desk, state, open, close_box, job);
}

pub fn connect<B: Backend>(window: &AppWindow, desk: Desk<B>) -> SharedDayCare {
    let state: SharedDayCare = Arc::default();
    let (d, st) = (desk.clone(), state.clone());
    window
        .global::<DeskAdapter>()
        .on_open_day_care(move |index| {
            let Some(code) = staff::desk_session(d.staff(), index) else {
                return;
            };
            if let Some(window) = d.window() {
                window
                    .global::<DayCareAdapter>()
                    .set_form(DayCareForm::None);
            }
            *st.lock().expect("day care lock") = DayCareState {
                programme: code,
                day: None,
            };
            load_day(&d, &st);
        });
    let adapter = window.global::<DayCareAdapter>();
    let recorder = |what| {
        let (d, st) = (desk.clone(), state.clone());
        move |index| record(&d, &st, index, what)
    };
    adapter.on_arrive(recorder(Record::Arrive));
    adapter.on_leave(recorder(Record::Leave));
    adapter.on_pick_up(recorder(Record::PickUp));
    adapter.on_drop_off(recorder(Record::DropOff));

    let weak = window.as_weak();
    adapter.on_more(move |index| {
        let Some(window) = weak.upgrade() else { return };
        let adapter = window.global::<DayCareAdapter>();
        adapter.set_reason("".into());
        adapter.set_place("".into());
        adapter.set_pickup_at("".into());
        adapter.set_open(index);
        adapter.set_form(DayCareForm::Member);
        window.global::<Session>().invoke_settle();
    });

    let (d, st) = (desk.clone(), state.clone());
    adapter.on_meal(move |breakfast| {
        let meal = if breakfast {
            Meal::Breakfast
        } else {
            Meal::Lunch
        };
        change_in_box(&d, &st, false, move |store, actor, code, resident| {
            store.write(actor, clock::now(), |tx| {
                day_care::record_meal(tx, Some(code), resident, meal)
            })?;
            let label = meal.label();
            Ok(Text::new(
                format!("已登记{}", label.zh),
                format!("{} recorded", label.en),
            ))
        });
    });

    let (d, st) = (desk.clone(), state.clone());
    adapter.on_save_absence(move || {
        let Some(window) = d.window() else { return };
        let reason = window.global::<DayCareAdapter>().get_reason().to_string();
        change_in_box(&d, &st, true, move |store, actor, code, resident| {
            store.write(actor, clock::now(), |tx| {
                day_care::report_absence(tx, Some(code), resident, &reason)
            })?;
            Ok(Text::new(
                format!("已登记请假：{}", reason.trim()),
                format!("absence recorded: {}", reason.trim()),
            ))
        });
    });

    let (d, st) = (desk.clone(), state.clone());
    adapter.on_save_transport(move || {
        let Some(window) = d.window() else { return };
        let adapter = window.global::<DayCareAdapter>();
        let (place, at) = (
            adapter.get_place().to_string(),
            adapter.get_pickup_at().to_string(),
        );
        change_in_box(&d, &st, true, move |store, actor, code, resident| {
            let at = typed_time(&at)?;
            let entry = store.write(actor, clock::now(), |tx| {
                day_care::set_transport(tx, Some(code), resident, &place, at)
            })?;
            let place = entry
                .transport
                .map(|leg| route_place(&leg.place))
                .unwrap_or_default();
            let at = at.format("%H:%M");
            Ok(Text::new(
                format!("接送安排：{place} {at}"),
                format!("van: {place} {at}"),
            ))
        });
    });

    let (d, st) = (desk.clone(), state.clone());
    adapter.on_print_route(move || {
        let code = st.lock().expect("day care lock").programme.clone();
        let d2 = d.clone();
        d.run_busy(
            set_busy,
            move |store, actor| {
                let issued = store.write_issuing(actor, clock::now(), |tx| {
                    day_care::route_list(tx, Some(&code), Printing::Queue)
                })?;
                Ok(issued.outcome)
            },
            move |window, route| {
                d2.slip_issued();
                notify(
                    window,
                    Tone::Success,
                    &Text::new("接送单已打印", "The route list is printing"),
                    pick(
                        window,
                        &Text::new(
                            format!(
                                "{}个接车点。单上的姓名和地点只印部分，请交给司机。",
                                route.stops.len()
                            ),
                            format!(
                                "{} stops. Names and places are printed in part; hand it to the driver.",
                                route.stops.len()
                            ),
                        ),
                    ),
                );
            },
        );
    });

    let weak = window.as_weak();
    adapter.on_ask_close(move || {
        let Some(window) = weak.upgrade() else { return };
        let adapter = window.global::<DayCareAdapter>();
        adapter.set_close_reason("".into());
        adapter.set_form(DayCareForm::Close);
        window.global::<Session>().invoke_settle();
    });

    let (d, st) = (desk, state.clone());
    adapter.on_close_day(move || {
        let Some(window) = d.window() else { return };
        let reason = window
            .global::<DayCareAdapter>()
            .get_close_reason()
            .to_string();
        let code = st.lock().expect("day care lock").programme.clone();
        let (d2, st2) = (d.clone(), st.clone());
        d.act(
            set_busy,
            move |store, actor| {
                let reason = Some(reason.trim()).filter(|r| !r.is_empty());
                let closed = store.write(actor, clock::now(), |tx| {
                    day_care::close_day(tx, Some(&code), reason)
                })?;
                let at = hm(closed.closed_at);
                Ok(Text::new(
                    format!("今天的日间照料已于{at}结束"),
                    format!("Today's day care was closed at {at}"),
                ))
            },
            move |window| {
                window
                    .global::<DayCareAdapter>()
                    .set_form(DayCareForm::None);
                load_day(&d2, &st2);
            },
        );
    });
    state
}

/// Forgets the day with the staff member.
pub fn clear(window: &AppWindow, state: &SharedDayCare) {
    *state.lock().expect("day care lock") = DayCareState::default();
    let adapter = window.global::<DayCareAdapter>();
    adapter.set_rows(ModelRc::default());
    adapter.set_form(DayCareForm::None);
    adapter.set_open(-1);
    adapter.set_reason("".into());
    adapter.set_place("".into());
    adapter.set_pickup_at("".into());
    adapter.set_close_reason("".into());
    adapter.set_on_the_road("".into());
    adapter.set_flags("".into());
    adapter.set_closed("".into());
    adapter.set_busy(false);
}
