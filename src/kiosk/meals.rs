//! 午托用餐 at the desk (`MealsAdapter`): the lunch-care meal counts for today or the
//! week (core decides them: enrolled less reported absent, the check-in once it has
//! begun), the meals served as staff record them, flagged when above the attendance,
//! and the kitchen's slip, which only a member who may see dietary needs can print
//! (the use-case checks it; the button is hidden for anyone else).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use linli_core::dates::weekday_day_text;
use linli_core::meals::{MealBasis, MealDay};
use linli_core::staff::Permission;
use linli_core::Text;
use slint::{ComponentHandle, ModelRc, VecModel};

use super::backend::Backend;
use super::desk_work::Desk;
use super::session::{notify, pick};
use super::staff;
use super::ui::{AppWindow, DeskAdapter, MealRow, MealsAdapter, Screen, Session, Tone};
use crate::clock;
use crate::error::{AppError, Refused};
use crate::print::Printing;
use crate::usecase::{load, meals};

#[derive(Default)]
pub struct MealsState {
    /// The programme and day of each row, in order.
    days: Vec<(String, NaiveDate)>,
}

pub type SharedMeals = Arc<Mutex<MealsState>>;

/// What the screen shows: the counts, and each programme's name.
struct Shown {
    counts: meals::MealCounts,
    names: HashMap<String, Text>,
}

fn figures(day: &MealDay) -> Text {
    if let Some(why) = &day.no_session {
        return why.clone();
    }
    let mut zh = format!("报名 {} · 请假 {}", day.enrolled, day.reported_absent);
    let mut en = format!("Enrolled {} · absent {}", day.enrolled, day.reported_absent);
    if day.basis == MealBasis::CheckedIn {
        zh += &format!(" · 已签到 {}", day.checked_in);
        en += &format!(" · checked in {}", day.checked_in);
        if day.came_though_absent > 0 {
            zh += &format!("（其中{}人请过假）", day.came_though_absent);
            en += &format!(" ({} had been reported absent)", day.came_though_absent);
        }
    }
    Text::new(zh, en)
}

fn to_cook(day: &MealDay) -> Text {
    match day.basis {
        MealBasis::NoSession => Text::new("不备餐", "no meals"),
        MealBasis::Expected => Text::new(
            format!("备餐 {}份（按报名）", day.to_cook),
            format!("{} to cook (enrolled)", day.to_cook),
        ),
        MealBasis::CheckedIn => Text::new(
            format!("备餐 {}份（按签到）", day.to_cook),
            format!("{} to cook (checked in)", day.to_cook),
        ),
    }
}

fn show(window: &AppWindow, state: &SharedMeals, shown: &Shown, today: NaiveDate) {
    let adapter = window.global::<MealsAdapter>();
    let counts = &shown.counts;
    let date = pick(window, &weekday_day_text(counts.date));
    adapter.set_title(pick(
        window,
        &Text::new(
            format!(
                "午托用餐 · {}{}",
                if counts.week { "本周 · " } else { "" },
                date
            ),
            format!(
                "Lunch-care meals · {}{}",
                if counts.week { "week of " } else { "" },
                date
            ),
        ),
    ));
    adapter.set_week(counts.week);
    let mut total = Text::new(
        format!("共备餐 {}份", counts.total_to_cook),
        format!("{} meals to cook in all", counts.total_to_cook),
    );
    if counts.flagged > 0 {
        total.zh += &format!("；{}天登记的份数超过出勤人数，请核对", counts.flagged);
        total.en += &format!(
            "; on {} day(s) the count recorded is above the attendance: check it",
            counts.flagged
        );
    }
    adapter.set_total(pick(window, &total));
    let rows: Vec<MealRow> = counts
        .days
        .iter()
        .map(|day| {
            let name = shown
                .names
                .get(&day.programme_code)
                .map(|n| pick(window, n).to_string())
                .unwrap_or_else(|| day.programme_code.clone());
            MealRow {
                name: format!("{name} · {}", pick(window, &weekday_day_text(day.date))).into(),
                figures: pick(window, &figures(day)),
                to_cook: pick(window, &to_cook(day)),
                recorded: day
                    .recorded
                    .map(|n| {
                        pick(
                            window,
                            &Text::new(format!("已登记 {n}份"), format!("{n} recorded")),
                        )
                    })
                    .unwrap_or_default(),
                warning: day
                    .warning
                    .as_ref()
                    .map(|w| pick(window, w))
                    .unwrap_or_default(),
                may_record: day.no_session.is_none() && day.date <= today,
            }
        })
        .collect();
    adapter.set_rows(ModelRc::new(VecModel::from(rows)));
    state.lock().expect("meals lock").days = counts
        .days
        .iter()
        .map(|d| (d.programme_code.clone(), d.date))
        .collect();
}

fn load_counts<B: Backend>(desk: &Desk<B>, state: &SharedMeals, week: bool) {
    let st = state.clone();
    desk.run(
        move |store, actor| {
            let counts = store.write(actor, clock::now(), |tx| {
                meals::meal_counts(tx, clock::now().date(), week)
            })?;
            let mut names = HashMap::new();
            for day in &counts.days {
                if let Some(p) = load::programme(store.conn(), &day.programme_code)? {
                    names.insert(p.code, p.name);
                }
            }
            Ok(Shown { counts, names })
        },
        move |window, shown| {
            show(window, &st, &shown, clock::now().date());
            if window.global::<Session>().get_screen() != Screen::Meals {
                window.global::<Session>().invoke_open(Screen::Meals);
            }
        },
    );
}

/// The count typed: a whole number of meals, or a refusal naming the field.
fn typed_count(raw: &str) -> Result<u32, AppError> {
    raw.trim().parse::<u32>().map_err(|_| {
        Refused::new(
            "bad_meal_count",
            Text::new("份数不对", "that is not a number of meals"),
            vec![Text::new(
                format!(
                    "实际用餐份数：请输入整数，例如 19（输入的是“{}”）",
                    raw.trim()
                ),
                format!(
                    "meals served: type a whole number, e.g. 19 (not \"{}\")",
                    raw.trim()
                ),
            )],
        )
        .into()
    })
}

pub fn connect<B: Backend>(window: &AppWindow, desk: Desk<B>) -> SharedMeals {
    let state: SharedMeals = Arc::default();
    let (d, st) = (desk.clone(), state.clone());
    window.global::<DeskAdapter>().on_open_meals(move |_| {
        let Some(window) = d.window() else { return };
        let member = staff::signed_in(d.staff());
        window
            .global::<MealsAdapter>()
            .set_may_print(member.is_some_and(|m| {
                m.can(Permission::RecordMealCounts) && m.can(Permission::DietaryNeeds)
            }));
        load_counts(&d, &st, false);
    });
    let adapter = window.global::<MealsAdapter>();
    let (d, st) = (desk.clone(), state.clone());
    adapter.on_show_week(move |week| load_counts(&d, &st, week));

    let weak = window.as_weak();
    adapter.on_record(move |index| {
        let Some(window) = weak.upgrade() else { return };
        let adapter = window.global::<MealsAdapter>();
        adapter.set_count("".into());
        adapter.set_recording(index);
        window.global::<Session>().invoke_settle();
    });

    let (d, st) = (desk.clone(), state.clone());
    adapter.on_save_count(move || {
        let Some(window) = d.window() else { return };
        let adapter = window.global::<MealsAdapter>();
        let Some((code, date)) = usize::try_from(adapter.get_recording())
            .ok()
            .and_then(|i| st.lock().expect("meals lock").days.get(i).cloned())
        else {
            return;
        };
        let (raw, week) = (adapter.get_count().to_string(), adapter.get_week());
        let (d2, st2) = (d.clone(), st.clone());
        d.run_busy(
            set_busy,
            move |store, actor| {
                let count = typed_count(&raw)?;
                store.write(actor, clock::now(), |tx| {
                    meals::record_meal_count(tx, &code, date, count)
                })
            },
            move |window, day| {
                window.global::<MealsAdapter>().set_recording(-1);
                let recorded = Text::new(
                    format!("已登记 {}份", day.recorded.unwrap_or_default()),
                    format!("{} meals recorded", day.recorded.unwrap_or_default()),
                );
                match &day.warning {
                    Some(warning) => {
                        notify(window, Tone::Waiting, &recorded, pick(window, warning))
                    }
                    None => notify(window, Tone::Success, &recorded, "".into()),
                }
                load_counts(&d2, &st2, week);
            },
        );
    });

    let d = desk;
    adapter.on_print_kitchen_slip(move || {
        let d2 = d.clone();
        d.run_busy(
            set_busy,
            move |store, actor| {
                let issued = store.write_issuing(actor, clock::now(), |tx| {
                    meals::kitchen_slip(tx, clock::now().date(), Printing::Queue)
                })?;
                Ok(issued.outcome)
            },
            move |window, list| {
                d2.slip_issued();
                notify(
                    window,
                    Tone::Success,
                    &Text::new("厨房备餐单已打印", "The kitchen list is printing"),
                    pick(
                        window,
                        &Text::new(
                            format!(
                                "共备餐 {}份，特殊饮食 {}人。请交给厨房，不要交给学生或家长。",
                                list.counts.total_to_cook, list.special_diets
                            ),
                            format!(
                                "{} meals, {} special diets. For the kitchen: never hand it to a child or parent.",
                                list.counts.total_to_cook, list.special_diets
                            ),
                        ),
                    ),
                );
            },
        );
    });
    state
}

fn set_busy(window: &AppWindow, busy: bool) {
    window.global::<MealsAdapter>().set_busy(busy);
}

/// Forgets the counts with the staff member.
pub fn clear(window: &AppWindow, state: &SharedMeals) {
    state.lock().expect("meals lock").days.clear();
    let adapter = window.global::<MealsAdapter>();
    adapter.set_rows(ModelRc::default());
    adapter.set_recording(-1);
    adapter.set_count("".into());
    adapter.set_busy(false);
}
