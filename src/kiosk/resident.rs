//! The resident's screens: identify (phone and PIN), household member, programmes,
//! and the sign-up's result. Everything of the resident is held in `ResidentState`
//! and the adapters, and `clear` empties both (invariant 6).

use std::sync::{Arc, Mutex};

use linli_core::enrolment::EnrolmentStatus;
use linli_core::household::{age_on, Resident};
use linli_core::Text;
use serde_json::Value;
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

use super::backend::Backend;
use super::keypad::{self, Confirmed, Entry, KeypadScreen};
use super::{
    AppWindow, EnrolmentRow, EnrolmentsAdapter, HouseholdAdapter, IdentifyAdapter, KioskAdapter,
    MemberRow, ProgrammeRow, ProgrammesAdapter, ResultAdapter, Screen, Session,
};
use crate::clock;
use crate::print::Printing;
use crate::store::{Actor, AppError};
use crate::usecase::enrolment::{self, ProgrammeOption};
use crate::usecase::{load, residents};
use linli_hardware::reader::Token;

const PHONE_DIGITS: usize = 11;

/// What the kiosk holds of the resident at the screen, and nothing more.
#[derive(Default)]
pub struct ResidentState {
    entry: Entry,
    /// The card the card reader read, waiting for its PIN.
    card: Option<String>,
    /// A sign-in is being checked.
    busy: bool,
    /// Who signed in (a member may be someone else in their household).
    signed_in: Option<Resident>,
    members: Vec<Resident>,
    member: Option<Resident>,
    options: Vec<ProgrammeOption>,
    /// The household's sessions on the rating screen.
    pub(super) rating_uses: Vec<crate::usecase::services::ServiceUse>,
    /// Which session this is: `clear` moves it on, so an answer to work started in an
    /// earlier session (the resident left, the idle wipe ran) is recognised and dropped
    /// instead of reaching the next person's screen.
    epoch: u64,
}

pub type SharedState = Arc<Mutex<ResidentState>>;

/// The session a piece of work starts in; see [`is_current`].
pub fn ticket(state: &SharedState) -> u64 {
    state.lock().expect("state lock").epoch
}

/// Whether the session that took `ticket` is still the one on screen.
pub fn is_current(state: &SharedState, ticket: u64) -> bool {
    state.lock().expect("state lock").epoch == ticket
}

/// A text in the language the resident chose.
pub fn pick(window: &AppWindow, text: &Text) -> SharedString {
    if window.global::<KioskAdapter>().get_language() == "en" {
        text.en.as_str().into()
    } else {
        text.zh.as_str().into()
    }
}

/// A refusal as one message: the statement, then every reason on its own line.
pub fn refusal_text(window: &AppWindow, error: &AppError) -> SharedString {
    match error {
        AppError::Refused(refused) => {
            let mut lines = vec![pick(window, &refused.error).to_string()];
            lines.extend(refused.reasons.iter().map(|r| pick(window, r).to_string()));
            lines.join("\n").into()
        }
        AppError::Store(e) => pick(
            window,
            &Text::new(
                format!("出错了，请找工作人员：{e}"),
                format!("Something went wrong; please ask staff: {e}"),
            ),
        ),
    }
}

fn show_keypad(window: &AppWindow, state: &ResidentState) {
    let adapter = window.global::<IdentifyAdapter>();
    let entry = &state.entry;
    adapter.set_phone(entry.account.as_str().into());
    adapter.set_pin_length(entry.pin.len() as i32);
    adapter.set_entering_pin(entry.entering_pin);
    adapter.set_can_confirm(entry.can_confirm(PHONE_DIGITS));
    adapter.set_busy(state.busy);
}

impl KeypadScreen for ResidentState {
    const ACCOUNT_DIGITS: usize = PHONE_DIGITS;

    fn entry(&mut self) -> &mut Entry {
        &mut self.entry
    }

    fn show(&self, window: &AppWindow) {
        show_keypad(window, self);
    }

    fn clear_message(window: &AppWindow) {
        window.global::<IdentifyAdapter>().set_message("".into());
    }

    fn after_delete(&mut self) {
        // Back from the PIN to the phone number: the card read before is given up.
        if !self.entry.entering_pin {
            self.card = None;
        }
    }
}

/// `on_slip` runs after an action issued a slip (the kiosk wakes its print thread).
pub fn connect(
    window: &AppWindow,
    backend: impl Backend,
    on_slip: impl Fn() + Send + Sync + 'static,
) -> SharedState {
    let state: SharedState = Arc::default();
    connect_keypad(window, &state, backend.clone());
    connect_members(window, &state, backend.clone());
    let on_slip: Arc<dyn Fn() + Send + Sync> = Arc::new(on_slip);
    connect_programmes(window, &state, backend.clone(), on_slip.clone());
    connect_enrolments(window, &state, backend.clone(), on_slip.clone());
    super::rating::connect(window, &state, backend.clone());
    super::volunteer::connect(window, &state, backend, on_slip);
    state
}

fn connect_keypad(window: &AppWindow, state: &SharedState, backend: impl Backend) {
    let adapter = window.global::<IdentifyAdapter>();
    adapter.on_digit(keypad::on_digit(window, state));
    adapter.on_delete(keypad::on_delete(window, state));
    let (weak, st) = (window.as_weak(), state.clone());
    adapter.on_confirm(move || {
        let Some(window) = weak.upgrade() else { return };
        let mut s = st.lock().expect("state lock");
        if s.busy {
            return;
        }
        let Confirmed::Submit {
            account: phone,
            pin,
        } = s.entry.confirm(PHONE_DIGITS)
        else {
            show_keypad(&window, &s);
            return;
        };
        s.busy = true;
        let card = s.card.take();
        show_keypad(&window, &s);
        drop(s);
        sign_in_with(&weak, &st, &backend, move |store| match card {
            Some(card) => residents::sign_in_by_card(store, clock::now(), &card, &pin),
            None => residents::sign_in(store, clock::now(), &phone, &pin),
        });
    });
}

/// Signs in with `check` on the store thread, then shows the household, or the
/// refusal on the identify screen.
fn sign_in_with(
    weak: &slint::Weak<AppWindow>,
    state: &SharedState,
    backend: &impl Backend,
    check: impl FnOnce(&mut crate::store::Store) -> Result<Resident, AppError> + Send + 'static,
) {
    let (weak, st) = (weak.clone(), state.clone());
    let ticket = ticket(state);
    backend.run(
        move |store| {
            let resident = check(store)?;
            let members = load::household_members(store.conn(), &resident.household_code)?;
            let volunteer = super::volunteer::is_volunteer(store, &resident)?;
            Ok::<_, AppError>((resident, members, volunteer))
        },
        move |result| {
            let Some(window) = weak.upgrade() else { return };
            if !is_current(&st, ticket) {
                return;
            }
            st.lock().expect("state lock").busy = false;
            match result {
                Ok((resident, members, volunteer)) => {
                    window
                        .global::<super::VolunteerAdapter>()
                        .set_is_volunteer(volunteer);
                    show_members(&window, &st, &resident, members);
                }
                Err(error) => {
                    let message = refusal_text(&window, &error);
                    window.global::<IdentifyAdapter>().set_message(message);
                    window.global::<Session>().set_screen(Screen::Identify);
                    show_keypad(&window, &st.lock().expect("state lock"));
                }
            }
        },
    );
}

/// A card or code read by a reader, on the attract or identify screen; anywhere else
/// (someone is mid-session) it is ignored, so a card held near the reader by the next
/// person cannot take over the screen. A card from the card reader asks for its PIN
/// (something held and something known); a code from the scanner never signs anyone
/// in, and is counted against the kiosk's sign-in limit.
pub fn present_token(
    window: &AppWindow,
    state: &SharedState,
    backend: &impl Backend,
    token: Token,
) {
    let screen = window.global::<Session>().get_screen();
    if screen != Screen::Attract && screen != Screen::Identify {
        return;
    }
    window.global::<Session>().invoke_touched();
    match token {
        Token::Card(card) => {
            let mut s = state.lock().expect("state lock");
            if s.busy {
                return;
            }
            let last = residents::card_ending(&card);
            s.card = Some(card);
            s.entry = Entry {
                entering_pin: true,
                ..Entry::default()
            };
            show_keypad(window, &s);
            drop(s);
            window.global::<IdentifyAdapter>().set_message(pick(
                window,
                &Text::new(
                    format!("已读卡（尾号{last}），请输入6位密码"),
                    format!("Card read (ending {last}): type your 6-digit PIN"),
                ),
            ));
            window.global::<Session>().set_screen(Screen::Identify);
        }
        Token::Code(code) => {
            let (weak, st) = (window.as_weak(), state.clone());
            let ticket = ticket(state);
            backend.run(
                move |store| residents::code_presented(store, clock::now(), &code),
                move |result| {
                    let Some(window) = weak.upgrade() else { return };
                    if !is_current(&st, ticket) {
                        return;
                    }
                    if let Err(error) = result {
                        let message = refusal_text(&window, &error);
                        window.global::<IdentifyAdapter>().set_message(message);
                        window.global::<Session>().set_screen(Screen::Identify);
                    }
                },
            );
        }
    }
}

fn show_members(
    window: &AppWindow,
    state: &SharedState,
    resident: &Resident,
    members: Vec<Resident>,
) {
    let today = clock::now().date();
    let english = window.global::<KioskAdapter>().get_language() == "en";
    let rows: Vec<MemberRow> = members
        .iter()
        .map(|m| {
            let age = age_on(m.birth_date(), today);
            MemberRow {
                name: m.name.as_str().into(),
                age: if english {
                    format!("{age} years")
                } else {
                    format!("{age}岁")
                }
                .into(),
                id_masked: m.id_number.masked().into(),
            }
        })
        .collect();
    let household = window.global::<HouseholdAdapter>();
    household.set_greeting(pick(
        window,
        &Text::new(
            format!("您好，{}", resident.name),
            format!("Hello, {}", resident.name),
        ),
    ));
    household.set_members(ModelRc::new(VecModel::from(rows)));
    let mut s = state.lock().expect("state lock");
    s.members = members;
    s.signed_in = Some(resident.clone());
    drop(s);
    window.global::<Session>().set_screen(Screen::Members);
}

fn connect_members(window: &AppWindow, state: &SharedState, backend: impl Backend) {
    let (weak, st) = (window.as_weak(), state.clone());
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
        load_options(&weak, &st, &backend, member, None, Screen::Programmes);
    });
}

/// Loads the programmes for `member` and shows them, with `message` above if given.
fn load_options(
    weak: &slint::Weak<AppWindow>,
    state: &SharedState,
    backend: &impl Backend,
    member: Resident,
    message: Option<SharedString>,
    then: Screen,
) {
    let (weak, st) = (weak.clone(), state.clone());
    let for_job = member.clone();
    let ticket = ticket(state);
    backend.run(
        move |store| {
            // Offers whose deadline passed are handed on before anyone sees the list, so
            // it never shows a lapsed offer with its Accept button.
            enrolment::expire_offers(store, clock::now())?;
            enrolment::programme_options(store.conn(), &for_job, clock::now())
        },
        move |result| {
            let Some(window) = weak.upgrade() else { return };
            if !is_current(&st, ticket) {
                return;
            }
            match result {
                Ok(options) => {
                    show_options(&window, &member, &options);
                    show_enrolments(&window, &member, &options);
                    let mut s = st.lock().expect("state lock");
                    s.member = Some(member);
                    s.options = options;
                    let message = message.unwrap_or_default();
                    let adapter = window.global::<ProgrammesAdapter>();
                    adapter.set_busy(false);
                    let enrolments = window.global::<EnrolmentsAdapter>();
                    enrolments.set_busy(false);
                    enrolments.set_confirming(-1);
                    if then == Screen::Enrolments {
                        enrolments.set_message(message);
                    } else {
                        adapter.set_message(message);
                    }
                    if then != Screen::Result {
                        window.global::<Session>().set_screen(then);
                    }
                }
                Err(error) => {
                    let text = refusal_text(&window, &error);
                    window
                        .global::<ProgrammesAdapter>()
                        .set_message(text.clone());
                    window.global::<ProgrammesAdapter>().set_busy(false);
                    let enrolments = window.global::<EnrolmentsAdapter>();
                    enrolments.set_message(text);
                    enrolments.set_busy(false);
                }
            }
        },
    );
}

fn outlook(option: &ProgrammeOption) -> Text {
    match option.current {
        Some((EnrolmentStatus::Confirmed, _)) => Text::new("已报名", "Signed up"),
        Some((EnrolmentStatus::Offered, _)) => Text::new(
            "有名额待您确认，请到前台或在“我的报名”中确认",
            "A seat is offered to you: confirm it at the desk",
        ),
        Some((_, position)) => {
            let position = position.unwrap_or(0);
            Text::new(
                format!("正在轮候，第{position}位"),
                format!("On the waiting list, number {position}"),
            )
        }
        None if option.free_seats > 0 => Text::new(
            format!("还有{}个名额", option.free_seats),
            format!("{} seats left", option.free_seats),
        ),
        None => {
            let place = option.would_wait_at.unwrap_or(option.waiting + 1);
            Text::new(
                format!("已满：现在报名将排在轮候第{place}位（共{}人在等，按轮候规则排序）", option.waiting),
                format!(
                    "Full: signing up now puts you number {place} on the waiting list ({} waiting, in the order the waiting-list rule sets)",
                    option.waiting
                ),
            )
        }
    }
}

fn show_options(window: &AppWindow, member: &Resident, options: &[ProgrammeOption]) {
    let rows: Vec<ProgrammeRow> = options
        .iter()
        .map(|o| ProgrammeRow {
            name: pick(window, &o.name),
            schedule: pick(window, &o.schedule),
            fee: pick(window, &o.fee),
            outlook: pick(window, &outlook(o)),
            eligible: o.reasons.is_empty(),
            reasons: o
                .reasons
                .iter()
                .map(|r| pick(window, r).to_string())
                .collect::<Vec<_>>()
                .join("\n")
                .into(),
            enrolled: o.current.is_some(),
        })
        .collect();
    let adapter = window.global::<ProgrammesAdapter>();
    adapter.set_member_name(member.name.as_str().into());
    adapter.set_rows(ModelRc::new(VecModel::from(rows)));
}

fn connect_programmes(
    window: &AppWindow,
    state: &SharedState,
    backend: impl Backend,
    on_slip: Arc<dyn Fn() + Send + Sync>,
) {
    let (weak, st) = (window.as_weak(), state.clone());
    window.global::<ProgrammesAdapter>().on_show_enrolments({
        let weak = weak.clone();
        move || {
            if let Some(window) = weak.upgrade() {
                window.global::<EnrolmentsAdapter>().set_message("".into());
                window.global::<EnrolmentsAdapter>().set_confirming(-1);
                window.global::<Session>().set_screen(Screen::Enrolments);
            }
        }
    });
    window
        .global::<ProgrammesAdapter>()
        .on_sign_up(move |index| {
            let Some(window) = weak.upgrade() else { return };
            let (member, option) = {
                let s = st.lock().expect("state lock");
                match (s.member.clone(), s.options.get(index as usize).cloned()) {
                    (Some(member), Some(option)) => (member, option),
                    _ => return,
                }
            };
            window.global::<ProgrammesAdapter>().set_busy(true);
            let (weak, st2, backend2) = (weak.clone(), st.clone(), backend.clone());
            let id = member.id_number.as_str().to_string();
            let code = option.code.clone();
            let on_slip = on_slip.clone();
            let ticket = ticket(&st);
            backend.run(
                move |store| {
                    enrolment::signup(
                        store,
                        &Actor::kiosk(),
                        clock::now(),
                        &id,
                        &code,
                        Printing::Queue,
                    )
                },
                move |result| {
                    let Some(window) = weak.upgrade() else { return };
                    if !is_current(&st2, ticket) {
                        // The slip was issued and prints; its person has gone, so the
                        // screen shows nothing of it.
                        if result.is_ok() {
                            on_slip();
                        }
                        return;
                    }
                    match result {
                        Ok(outcome) => {
                            on_slip();
                            show_result(&window, &member, &option, &outcome);
                            window.global::<ProgrammesAdapter>().set_busy(false);
                            // The list behind the result shows the new place next time.
                            load_options(&weak, &st2, &backend2, member, None, Screen::Result);
                            window.global::<Session>().set_screen(Screen::Result);
                        }
                        Err(error) => {
                            let message = refusal_text(&window, &error);
                            load_options(
                                &weak,
                                &st2,
                                &backend2,
                                member,
                                Some(message),
                                Screen::Programmes,
                            );
                        }
                    }
                },
            );
        });
}

fn show_result(window: &AppWindow, member: &Resident, option: &ProgrammeOption, outcome: &Value) {
    let confirmed = outcome["status"] == "confirmed";
    let adapter = window.global::<ResultAdapter>();
    adapter.set_confirmed(confirmed);
    adapter.set_title(pick(
        window,
        &if confirmed {
            Text::new("报名成功", "You are signed up")
        } else {
            let position = outcome["position"].as_u64().unwrap_or(0);
            Text::new(
                format!("已进入轮候，第{position}位"),
                format!("On the waiting list, number {position}"),
            )
        },
    ));
    adapter.set_detail(format!("{} · {}", member.name, pick(window, &option.name)).into());
    adapter.set_explanation(outcome["explanation"].as_str().unwrap_or_default().into());
    let slips = outcome["slips"].as_array().map_or(0, Vec::len);
    adapter.set_slip(pick(
        window,
        &if slips > 0 {
            Text::new(
                "凭条正在打印，请取走",
                "Your slip is printing: please take it",
            )
        } else {
            Text::new("本次没有凭条", "No slip this time")
        },
    ));
}

/// The member's places, in the order `enrolled` returns them.
fn enrolled(options: &[ProgrammeOption]) -> Vec<&ProgrammeOption> {
    options.iter().filter(|o| o.current.is_some()).collect()
}

fn show_enrolments(window: &AppWindow, member: &Resident, options: &[ProgrammeOption]) {
    let rows: Vec<EnrolmentRow> = enrolled(options)
        .into_iter()
        .map(|o| {
            let offered = matches!(o.current, Some((EnrolmentStatus::Offered, _)));
            let status = match (offered, o.offer_deadline) {
                (true, Some(deadline)) => {
                    let zh = deadline.format("%m月%d日 %H:%M");
                    let en = deadline.format("%-d %b %H:%M");
                    Text::new(
                        format!("有名额为您保留至{zh}，请在此之前确认"),
                        format!("A seat is held for you until {en}: answer before then"),
                    )
                }
                _ => outlook(o),
            };
            EnrolmentRow {
                name: pick(window, &o.name),
                status: pick(window, &status),
                offered,
            }
        })
        .collect();
    let adapter = window.global::<EnrolmentsAdapter>();
    adapter.set_member_name(member.name.as_str().into());
    adapter.set_rows(ModelRc::new(VecModel::from(rows)));
}

/// What a change to a place does, run on the store thread.
type PlaceChange = fn(&mut crate::store::Store, &str, &str) -> Result<Value, AppError>;

fn connect_enrolments(
    window: &AppWindow,
    state: &SharedState,
    backend: impl Backend,
    on_slip: Arc<dyn Fn() + Send + Sync>,
) {
    let change = |change: PlaceChange, done: Text| {
        let (weak, st, backend, on_slip) = (
            window.as_weak(),
            state.clone(),
            backend.clone(),
            on_slip.clone(),
        );
        move |index: i32| {
            let Some(window) = weak.upgrade() else { return };
            let (member, code) = {
                let s = st.lock().expect("state lock");
                let Some(member) = s.member.clone() else {
                    return;
                };
                let Some(option) = enrolled(&s.options)
                    .get(index as usize)
                    .map(|o| o.code.clone())
                else {
                    return;
                };
                (member, option)
            };
            window.global::<EnrolmentsAdapter>().set_busy(true);
            let (weak, st, backend2, on_slip, done) = (
                weak.clone(),
                st.clone(),
                backend.clone(),
                on_slip.clone(),
                done.clone(),
            );
            let id = member.id_number.as_str().to_string();
            let ticket = ticket(&st);
            backend.run(
                move |store| change(store, &id, &code),
                move |result| {
                    let Some(window) = weak.upgrade() else { return };
                    if !is_current(&st, ticket) {
                        if result.is_ok() {
                            on_slip();
                        }
                        return;
                    }
                    let message = match result {
                        Ok(_) => {
                            on_slip();
                            pick(&window, &done)
                        }
                        Err(error) => refusal_text(&window, &error),
                    };
                    load_options(
                        &weak,
                        &st,
                        &backend2,
                        member,
                        Some(message),
                        Screen::Enrolments,
                    );
                },
            );
        }
    };
    let adapter = window.global::<EnrolmentsAdapter>();
    adapter.on_cancel(change(
        |store, id, code| {
            enrolment::cancel(
                store,
                &Actor::kiosk(),
                clock::now(),
                id,
                code,
                Printing::Queue,
            )
        },
        Text::new(
            "已取消；凭条正在打印，请取走",
            "Cancelled; your slip is printing",
        ),
    ));
    adapter.on_accept(change(
        |store, id, code| answer_offer(store, id, code, true),
        Text::new(
            "已接受名额；凭条正在打印，请取走",
            "Seat accepted; your slip is printing",
        ),
    ));
    adapter.on_decline(change(
        |store, id, code| answer_offer(store, id, code, false),
        Text::new(
            "已放弃名额，名额将让给下一位",
            "Seat declined; it goes to the next person",
        ),
    ));
}

fn answer_offer(
    store: &mut crate::store::Store,
    id: &str,
    code: &str,
    accept: bool,
) -> Result<Value, AppError> {
    let now = clock::now();
    enrolment::answer_offer(
        store,
        &Actor::kiosk(),
        now,
        id,
        code,
        accept,
        Printing::Queue,
    )
}

/// Forgets the resident: the keypad, the household, the programmes, the result, and
/// moves the session on so late answers are dropped.
pub fn clear(window: &AppWindow, state: &SharedState) {
    {
        let mut s = state.lock().expect("state lock");
        let epoch = s.epoch + 1;
        *s = ResidentState {
            epoch,
            ..ResidentState::default()
        };
    }
    show_keypad(window, &ResidentState::default());
    window.global::<IdentifyAdapter>().set_message("".into());
    let household = window.global::<HouseholdAdapter>();
    household.set_greeting("".into());
    household.set_members(ModelRc::default());
    let programmes = window.global::<ProgrammesAdapter>();
    programmes.set_member_name("".into());
    programmes.set_rows(ModelRc::default());
    programmes.set_message("".into());
    programmes.set_busy(false);
    let enrolments = window.global::<EnrolmentsAdapter>();
    enrolments.set_member_name("".into());
    enrolments.set_rows(ModelRc::default());
    enrolments.set_message("".into());
    enrolments.set_confirming(-1);
    super::volunteer::clear(window);
    super::rating::clear(window);
    let result = window.global::<ResultAdapter>();
    result.set_title("".into());
    result.set_detail("".into());
    result.set_explanation("".into());
    result.set_slip("".into());
}

/// The resident who signed in, if anyone has.
pub fn signed_in(state: &SharedState) -> Option<Resident> {
    state.lock().expect("state lock").signed_in.clone()
}
