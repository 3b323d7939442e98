//! A resident opened from 查找居民 (`DeskResidentAdapter`): their pickup list with a
//! form for one more adult, their dietary needs, and an absence a parent reports ahead.
//! What the page shows comes from `usecase::resident_page`, which leaves out what the
//! member's role may not see; each change is its own audited use-case.

use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use linli_core::absence::{Absence, AbsenceReason, AbsenceReport, DayPart};
use linli_core::attendance::validity_text;
use linli_core::dates::weekday_day_text;
use linli_core::dietary::DietaryNeeds;
use linli_core::identity::mask_name;
use linli_core::{FieldError, Text};
use slint::{ComponentHandle, ModelRc, VecModel};

use super::backend::Backend;
use super::desk_work::Desk;
use super::search::{self, SharedSearch};
use super::session::{notify, pick};
use super::ui::{
    AppWindow, DeskResidentAdapter, PickupAdultRow, Screen, SearchAdapter, Session, Tone,
};
use crate::clock;
use crate::error::AppError;
use crate::print::Printing;
use crate::usecase::attendance::{set_pickup_adult, PickupAdultInput};
use crate::usecase::consents::{self, ConsentRequest};
use crate::usecase::resident_copy::{self, ResidentCopy};
use crate::usecase::resident_page::{
    resident_page, ConsentStanding, KioskAccess, PinStatus, ResidentPage,
};
use crate::usecase::residents::{self, card_ending};
use crate::usecase::search::FoundResident;
use crate::usecase::{absences, dietary};
use linli_core::consent::Purpose;

#[derive(Default)]
pub struct DeskResidentState {
    /// The programme of each absence button, in order.
    programmes: Vec<String>,
    /// The absences listed, in order, to withdraw one.
    absences: Vec<Absence>,
    /// The resident's cards in use (full numbers, never on screen), to revoke one.
    cards: Vec<String>,
    /// Who consents for them: `None` for themselves, the guardian's number for a child.
    guardian: Option<String>,
}

pub type SharedDeskResident = Arc<Mutex<DeskResidentState>>;

fn show(window: &AppWindow, state: &SharedDeskResident, found: &FoundResident, page: ResidentPage) {
    let adapter = window.global::<DeskResidentAdapter>();
    adapter.set_title(found.name.as_str().into());
    let age = Text::new(format!("{}岁", found.age), format!("age {}", found.age));
    let household = Text::new(
        format!("户 {}", found.household_code),
        format!("household {}", found.household_code),
    );
    adapter.set_detail(
        format!(
            "{} · {} · {}",
            pick(window, &age),
            found.id_number_masked,
            pick(window, &household)
        )
        .into(),
    );
    let pickup_shown = page.pickup.is_some() && !page.children_programmes.is_empty();
    adapter.set_pickup_shown(pickup_shown);
    let rows: Vec<PickupAdultRow> = page
        .pickup
        .iter()
        .flat_map(|list| list.adults.iter())
        .map(|adult| PickupAdultRow {
            who: format!("{} ({})", mask_name(&adult.name), adult.relation).into(),
            validity: pick(window, &validity_text(adult)),
            must_not_collect: adult.must_not_collect,
        })
        .collect();
    adapter.set_pickup(ModelRc::new(VecModel::from(rows)));
    // A new page, or the page after a change: the form starts empty.
    clear_form(&adapter);
    adapter.set_dietary_shown(page.dietary.is_some());
    let needs = page.dietary.unwrap_or_default();
    adapter.set_allergies(needs.allergies.join("、").into());
    adapter.set_diet(needs.diet.unwrap_or_default().into());
    adapter.set_programmes(ModelRc::new(VecModel::from(
        page.children_programmes
            .iter()
            .map(|p| pick(window, &p.name))
            .collect::<Vec<_>>(),
    )));
    adapter.set_absence_programme(0);
    adapter.set_absence_part(0);
    let absences: Vec<slint::SharedString> = page
        .absences
        .iter()
        .map(|a| {
            let name = page
                .children_programmes
                .iter()
                .find(|p| p.code == a.programme_code)
                .map(|p| p.name.clone())
                .unwrap_or_else(|| Text::new(&a.programme_code, &a.programme_code));
            let (day, part, reason) = (weekday_day_text(a.date), a.part.label(), a.reason.label());
            pick(
                window,
                &Text::new(
                    format!("{} · {} · {} · {}", day.zh, name.zh, part.zh, reason.zh),
                    format!("{} · {} · {} · {}", day.en, name.en, part.en, reason.en),
                ),
            )
        })
        .collect();
    adapter.set_absences(ModelRc::new(VecModel::from(absences)));
    state.lock().expect("resident lock").absences = page.absences;
    adapter.set_access_shown(page.access.is_some());
    let access = page.access.unwrap_or(KioskAccess {
        pin: PinStatus::NotSet,
        cards: Vec::new(),
    });
    adapter.set_pin_status(pick(window, &access.pin.describe()));
    adapter.set_cards(ModelRc::new(VecModel::from(
        access
            .cards
            .iter()
            .map(|c| slint::SharedString::from(format!("…{}", card_ending(c))))
            .collect::<Vec<_>>(),
    )));
    adapter.set_card_number("".into());
    state.lock().expect("resident lock").cards = access.cards;
    let consent = page.consent.unwrap_or(ConsentStanding {
        purposes: Default::default(),
        guardian: None,
        guardian_name: None,
        under_14: false,
    });
    let words: Vec<String> = consent
        .purposes
        .iter()
        .map(|p| pick(window, &p.describe()).to_string())
        .collect();
    adapter.set_consent_purposes(if words.is_empty() {
        pick(window, &Text::new("还没有同意记录", "none on record"))
    } else {
        words.join("、").into()
    });
    adapter.set_consent_contact(consent.purposes.contains(&Purpose::ActivityContact));
    adapter.set_consent_photos(consent.purposes.contains(&Purpose::Photos));
    let giver = match (&consent.guardian, consent.under_14) {
        (_, false) => pick(window, &Text::new("本人", "themselves")),
        // The guardian of the consent on record gives the next one too: named, so
        // staff ask for that person.
        (Some(_), true) => {
            let name = consent.guardian_name.clone().unwrap_or_default();
            pick(
                window,
                &Text::new(format!("监护人 {name}"), format!("the guardian {name}")),
            )
        }
        (None, true) => "".into(),
    };
    adapter.set_consent_giver(giver);
    state.lock().expect("resident lock").guardian = consent.guardian.filter(|_| consent.under_14);
    let tomorrow = clock::now()
        .date()
        .succ_opt()
        .unwrap_or(clock::now().date());
    adapter.set_absence_date(tomorrow.to_string().into());
    state.lock().expect("resident lock").programmes = page
        .children_programmes
        .into_iter()
        .map(|p| p.code)
        .collect();
}

pub fn load<B: Backend>(desk: &Desk<B>, state: &SharedDeskResident) {
    let Some(found) = desk.resident() else { return };
    let st = state.clone();
    let id = found.resident.id_number().to_string();
    desk.run(
        move |store, actor| resident_page(store.conn(), actor, &id),
        move |window, page| {
            show(window, &st, &found, page);
            if window.global::<Session>().get_screen() != Screen::DeskResident {
                window.global::<Session>().invoke_open(Screen::DeskResident);
            }
        },
    );
}

/// Their own record as the screen shows it over the page: what is held, masked where
/// others appear (the slip has the same).
fn copy_text(copy: &ResidentCopy) -> Text {
    let r = &copy.record;
    let phone = r.phone.clone().unwrap_or_else(|| "—".into());
    let others: Vec<String> = copy.household.iter().map(|m| m.name.clone()).collect();
    let others = |sep: &str| {
        if others.is_empty() {
            "—".to_string()
        } else {
            others.join(sep)
        }
    };
    // (Chinese, unit, English, how many)
    let counts = [
        ("签到", "次", "visits", copy.sessions_attended),
        ("日间照料", "天", "day-care days", copy.day_care_days),
        ("请假", "次", "absences", copy.absences_reported),
        ("志愿服务", "次", "volunteer shifts", copy.volunteer_shifts),
        ("缴费", "笔", "payments", copy.payments.len()),
        ("接送人", "位", "pickup adults", copy.pickup_adults.len()),
        ("操作记录", "条", "audit entries", copy.audit_entries),
    ];
    let zh: Vec<String> = counts
        .iter()
        .map(|(zh, unit, _, n)| format!("{zh} {n} {unit}"))
        .collect();
    let en: Vec<String> = counts
        .iter()
        .map(|(_, _, en, n)| format!("{n} {en}"))
        .collect();
    Text::new(
        format!(
            "{} · {} · 电话 {phone}\n户 {} · 同住：{}\n{}",
            r.name,
            r.id_number,
            r.household_code,
            others("、"),
            zh.join(" · ")
        ),
        format!(
            "{} · {} · phone {phone}\nhousehold {} · living with: {}\n{}",
            r.name,
            r.id_number,
            r.household_code,
            others(", "),
            en.join(" · ")
        ),
    )
}

/// A date typed at the desk, or a refusal naming the field; empty is no date.
pub(super) fn typed_date(
    field: &str,
    label: (&str, &str),
    raw: &str,
) -> Result<Option<NaiveDate>, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| {
            FieldError::new(
                field,
                "invalid_date",
                format!("{}：“{raw}”不是日期，请按 2026-12-31 的格式输入", label.0),
                format!(
                    "{}: \"{raw}\" is not a date; type it as 2026-12-31",
                    label.1
                ),
            )
            .into()
        })
}

/// Runs `change` on the open resident, then shows `done` and the page as it now is.
fn change<B: Backend>(
    desk: &Desk<B>,
    state: &SharedDeskResident,
    change: impl FnOnce(&mut crate::store::Store, &crate::store::Actor, &str) -> Result<Text, AppError>
        + Send
        + 'static,
) {
    let Some(found) = desk.resident() else { return };
    let (d, st) = (desk.clone(), state.clone());
    let id = found.resident.id_number().to_string();
    desk.act(
        |window, busy| window.global::<DeskResidentAdapter>().set_busy(busy),
        move |store, actor| change(store, actor, &id),
        move |_| load(&d, &st),
    );
}

pub fn connect<B: Backend>(
    window: &AppWindow,
    desk: Desk<B>,
    found: SharedSearch,
) -> SharedDeskResident {
    let state: SharedDeskResident = Arc::default();
    let (d, st) = (desk.clone(), state.clone());
    window.global::<SearchAdapter>().on_open(move |index| {
        if let Some(resident) = search::found_at(&found, index) {
            d.set_resident(Some(resident));
            load(&d, &st);
        }
    });
    let adapter = window.global::<DeskResidentAdapter>();

    let (d, st) = (desk.clone(), state.clone());
    adapter.on_add_adult(move || {
        let Some(window) = d.window() else { return };
        let a = window.global::<DeskResidentAdapter>();
        let (name, id, relation, from, until, must_not) = (
            a.get_adult_name().to_string(),
            a.get_adult_id().to_string(),
            a.get_relation().to_string(),
            a.get_valid_from().to_string(),
            a.get_valid_until().to_string(),
            a.get_must_not_collect(),
        );
        change(&d, &st, move |store, actor, child| {
            let input = PickupAdultInput {
                id_number: Some(id).filter(|s| !s.trim().is_empty()),
                name: Some(name).filter(|s| !s.trim().is_empty()),
                relation,
                must_not_collect: must_not,
                valid_from: typed_date("valid_from", ("授权开始日期", "first day"), &from)?,
                valid_until: typed_date("valid_until", ("授权截止日期", "last day"), &until)?,
                card_code: None,
            };
            let list = store.write(actor, clock::now(), |tx| {
                set_pickup_adult(tx, child, &input)
            })?;
            Ok(Text::new(
                format!("接送名单已更新：{}人", list.adults.len()),
                format!("Pickup list updated: {} adults", list.adults.len()),
            ))
        });
    });

    let (d, st) = (desk.clone(), state.clone());
    adapter.on_save_dietary(move || {
        let Some(window) = d.window() else { return };
        let a = window.global::<DeskResidentAdapter>();
        let (allergies, diet) = (a.get_allergies().to_string(), a.get_diet().to_string());
        change(&d, &st, move |store, actor, child| {
            let needs = DietaryNeeds {
                allergies: allergies
                    .split(['、', ',', '，', ';', '；'])
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect(),
                diet: Some(diet.trim().to_string()).filter(|s| !s.is_empty()),
                note: None,
            };
            store.write(actor, clock::now(), |tx| {
                dietary::set_dietary_needs(tx, child, &needs)
            })?;
            Ok(Text::new("饮食禁忌已保存", "Dietary needs saved"))
        });
    });

    let (d, st) = (desk.clone(), state.clone());
    adapter.on_report_absence(move |kind| {
        let Some(window) = d.window() else { return };
        let a = window.global::<DeskResidentAdapter>();
        let programme = usize::try_from(a.get_absence_programme())
            .ok()
            .and_then(|i| st.lock().expect("resident lock").programmes.get(i).cloned());
        let Some(programme) = programme else { return };
        let raw = a.get_absence_date().to_string();
        let part = match a.get_absence_part() {
            1 => DayPart::Morning,
            2 => DayPart::Afternoon,
            _ => DayPart::WholeDay,
        };
        let reason = if kind == 0 {
            AbsenceReason::Ill
        } else {
            AbsenceReason::Leave
        };
        change(&d, &st, move |store, actor, child| {
            let date = typed_date("date", ("请假日期", "date of the absence"), &raw)?.ok_or_else(
                || {
                    AppError::from(FieldError::new(
                        "date",
                        "required",
                        "请假日期：请填写，如 2026-12-31",
                        "date of the absence: type it, e.g. 2026-12-31",
                    ))
                },
            )?;
            let report = AbsenceReport {
                date,
                part,
                reason,
                note: None,
            };
            store.write(actor, clock::now(), |tx| {
                absences::report_absence(tx, &programme, child, &report)
            })?;
            let (day, part) = (weekday_day_text(date), part.label());
            Ok(Text::new(
                format!("已记录{}{}请假", day.zh, part.zh),
                format!("Absence recorded: {}, {}", day.en, part.en),
            ))
        });
    });

    let d = desk.clone();
    adapter.on_show_in_full(move || {
        let (Some(window), Some(found)) = (d.window(), d.resident()) else {
            return;
        };
        let reason = window
            .global::<DeskResidentAdapter>()
            .get_reveal_reason()
            .to_string();
        let id = found.resident.id_number().to_string();
        d.run_busy(
            |window, busy| window.global::<DeskResidentAdapter>().set_busy(busy),
            move |store, actor| residents::show_in_full(store, actor, clock::now(), &id, &reason),
            |window, shown| {
                window
                    .global::<DeskResidentAdapter>()
                    .set_reveal_reason("".into());
                let phone = shown.phone.unwrap_or_else(|| "—".into());
                let text = Text::new(
                    format!("身份证号 {}\n电话 {phone}", shown.id_number),
                    format!("ID number {}\nPhone {phone}", shown.id_number),
                );
                notify(
                    window,
                    Tone::Success,
                    &Text::new(
                        "完整号码（此次查看已记录）",
                        "Full numbers (this look is recorded)",
                    ),
                    pick(window, &text),
                );
            },
        );
    });

    let (d, st) = (desk.clone(), state.clone());
    adapter.on_save_consent(move || {
        let (Some(window), Some(found)) = (d.window(), d.resident()) else {
            return;
        };
        let adapter = window.global::<DeskResidentAdapter>();
        let mut purposes = vec![Purpose::Services.key().to_string()];
        if adapter.get_consent_contact() {
            purposes.push(Purpose::ActivityContact.key().to_string());
        }
        if adapter.get_consent_photos() {
            purposes.push(Purpose::Photos.key().to_string());
        }
        let guardian = st.lock().expect("resident lock").guardian.clone();
        let id = found.resident.id_number().to_string();
        let (d2, st2) = (d.clone(), st.clone());
        d.run_busy(
            |window, busy| window.global::<DeskResidentAdapter>().set_busy(busy),
            move |store, actor| {
                consents::record(
                    store,
                    actor,
                    clock::now(),
                    &ConsentRequest {
                        resident: &id,
                        guardian: guardian.as_deref(),
                        purposes: &purposes,
                        notice_version: None,
                    },
                    Printing::Queue,
                )
            },
            move |window, given| {
                if given.slip.is_some() {
                    d2.slip_issued();
                }
                notify(
                    window,
                    Tone::Success,
                    &Text::new(
                        "同意已记录，回执正在打印",
                        "Consent recorded; its slip is printing",
                    ),
                    "".into(),
                );
                load(&d2, &st2);
            },
        );
    });

    let d = desk.clone();
    adapter.on_give_copy(move || {
        let Some(found) = d.resident() else { return };
        let id = found.resident.id_number().to_string();
        let d2 = d.clone();
        d.run_busy(
            |window, busy| window.global::<DeskResidentAdapter>().set_busy(busy),
            move |store, actor| {
                resident_copy::copy(store, actor, clock::now(), &id, Printing::Queue)
            },
            move |window, copy| {
                if copy.slip.is_some() {
                    d2.slip_issued();
                }
                notify(
                    window,
                    Tone::Success,
                    &Text::new("个人信息副本（正在打印）", "Their own record (printing)"),
                    pick(window, &copy_text(&copy)),
                );
            },
        );
    });

    let (d, st) = (desk.clone(), state.clone());
    adapter.on_reset_pin(move || {
        change(&d, &st, move |store, actor, id| {
            let reset = residents::reset_pin(store, actor, clock::now(), id)?;
            Ok(if reset.was_locked {
                Text::new(
                    "密码已重置，账户已解锁：请居民重新设置密码",
                    "PIN reset and the account unlocked: the resident chooses a new PIN",
                )
            } else {
                Text::new(
                    "密码已重置：请居民重新设置密码",
                    "PIN reset: the resident chooses a new PIN",
                )
            })
        });
    });

    let (d, st) = (desk.clone(), state.clone());
    adapter.on_issue_card(move || {
        let Some(window) = d.window() else { return };
        let card = window
            .global::<DeskResidentAdapter>()
            .get_card_number()
            .to_string();
        change(&d, &st, move |store, actor, id| {
            let issued = residents::issue_card(store, actor, clock::now(), id, &card)?;
            Ok(Text::new(
                format!("已发卡：{}", issued.card),
                format!("Card issued: {}", issued.card),
            ))
        });
    });

    let (d, st) = (desk.clone(), state.clone());
    adapter.on_revoke_card(move || {
        let Some(window) = d.window() else { return };
        let typed = window
            .global::<DeskResidentAdapter>()
            .get_card_number()
            .trim()
            .to_string();
        let cards = st.lock().expect("resident lock").cards.clone();
        // Nothing typed: the resident's one card in use, the usual 挂失 of a lost card.
        let card = match (typed.is_empty(), cards.as_slice()) {
            (false, _) => typed,
            (true, [only]) => only.clone(),
            (true, _) => {
                notify(
                    &window,
                    Tone::Refusal,
                    &Text::new(
                        "请先刷卡或输入要挂失的卡号",
                        "Read or type the card to revoke first",
                    ),
                    "".into(),
                );
                return;
            }
        };
        change(&d, &st, move |store, actor, _| {
            let revoked = residents::revoke_card(store, actor, clock::now(), &card)?;
            Ok(Text::new(
                format!("已挂失：{}，此卡立即停用", revoked.card),
                format!("Card {} revoked: it stops working now", revoked.card),
            ))
        });
    });

    let (d, st) = (desk, state.clone());
    adapter.on_withdraw_absence(move |index| {
        let Some(absence) = usize::try_from(index)
            .ok()
            .and_then(|i| st.lock().expect("resident lock").absences.get(i).cloned())
        else {
            return;
        };
        change(&d, &st, move |store, actor, child| {
            store.write(actor, clock::now(), |tx| {
                absences::withdraw_absence(
                    tx,
                    &absence.programme_code,
                    child,
                    absence.date,
                    absence.part,
                )
            })?;
            let (day, part) = (weekday_day_text(absence.date), absence.part.label());
            Ok(Text::new(
                format!("已撤销{}{}的请假，孩子照常参加", day.zh, part.zh),
                format!(
                    "Absence withdrawn: {}, {}; the child is expected",
                    day.en, part.en
                ),
            ))
        });
    });
    state
}

/// Empties the form for one more pickup adult.
fn clear_form(adapter: &DeskResidentAdapter) {
    adapter.set_adult_name("".into());
    adapter.set_adult_id("".into());
    adapter.set_relation("".into());
    adapter.set_valid_from("".into());
    adapter.set_valid_until("".into());
    adapter.set_must_not_collect(false);
}

/// Forgets the resident with the staff member.
pub fn clear(window: &AppWindow, state: &SharedDeskResident) {
    *state.lock().expect("resident lock") = DeskResidentState::default();
    let a = window.global::<DeskResidentAdapter>();
    a.set_absences(ModelRc::default());
    a.set_pickup(ModelRc::default());
    a.set_programmes(ModelRc::default());
    a.set_cards(ModelRc::default());
    a.set_card_number("".into());
    a.set_reveal_reason("".into());
    clear_form(&a);
    a.set_allergies("".into());
    a.set_diet("".into());
    a.set_busy(false);
}
