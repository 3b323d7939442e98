//! The staff entry on the kiosk: staff number and PIN on the keypad, the staff
//! account's own lockout plus the keypad's (`usecase::staff::authenticate_at_keypad`):
//! five failures in a row, whatever numbers were tried, lock it for five minutes, so
//! the kiosk cannot be used to try one PIN against every staff number. Both locks are
//! kept in the database, so a restart lifts neither.

use std::sync::{Arc, Mutex};

use linli_core::staff::StaffMember;
use linli_core::Text;
use slint::ComponentHandle;

use super::backend::Backend;
use std::rc::Rc;

use super::keypad::{self, Confirmed, Entry, KeypadScreen, Submit};
use super::session::{pick, refusal_text};
use super::ui::{AppWindow, DeskAdapter, KioskAdapter, Screen, Session, StaffAdapter};
use crate::clock;
use crate::error::AppError;
use crate::store::Actor;
use crate::usecase::desk_today::{self, DeskToday};
use crate::usecase::staff::authenticate_at_keypad;
use crate::usecase::staff_accounts::change_own_pin;
use linli_core::staff::Permission;

/// Staff numbers are "S" and three digits.
const CODE_DIGITS: usize = 3;

#[derive(Default)]
pub struct StaffState {
    entry: Entry,
    busy: bool,
    signed_in: Option<StaffMember>,
    /// A member who signed in with a one-time PIN, choosing their own.
    choosing: Option<Choosing>,
    /// Moves on when staff sign out, so a late answer to an earlier sign-in is dropped.
    epoch: u64,
    /// On a desk terminal, the programme codes of the day's sessions on the staff
    /// home, in the order of their rows.
    desk_sessions: Vec<String>,
}

/// The new-PIN stage: typed twice, then changed with the one-time PIN as the old one.
/// Held in Rust only, and forgotten with the session.
struct Choosing {
    code: String,
    one_time_pin: String,
    first: Option<String>,
}

pub type SharedStaff = Arc<Mutex<StaffState>>;

fn show(window: &AppWindow, state: &StaffState) {
    let adapter = window.global::<StaffAdapter>();
    adapter.set_code(state.entry.account.as_str().into());
    adapter.set_pin_length(state.entry.pin.len() as i32);
    adapter.set_entering_pin(state.entry.entering_pin);
    adapter.set_busy(state.busy);
    adapter.set_new_pin_step(match &state.choosing {
        None => 0,
        Some(Choosing { first: None, .. }) => 1,
        Some(Choosing { first: Some(_), .. }) => 2,
    });
}

impl KeypadScreen for StaffState {
    const ACCOUNT_DIGITS: usize = CODE_DIGITS;

    fn entry(&mut self) -> &mut Entry {
        &mut self.entry
    }

    fn show(&self, window: &AppWindow) {
        show(window, self);
    }

    fn clear_message(window: &AppWindow) {
        window.global::<StaffAdapter>().set_message("".into());
    }

    fn after_delete(&mut self) {
        // Back past the new PIN: the member gives up choosing now and signs in again.
        if self.choosing.is_some() && !self.entry.entering_pin {
            self.choosing = None;
            self.entry = Entry::default();
        }
    }
}

/// What the staff home shows, read after a sign-in.
struct Home {
    member: StaffMember,
    open_calls: i32,
    waiting_slips: i32,
    sync: SyncSummary,
    /// The day at a glance, on a desk terminal for a member who takes the roll call.
    desk: Option<DeskToday>,
}

fn load_home(
    store: &mut crate::store::Store,
    member: StaffMember,
    desk: bool,
) -> Result<Home, AppError> {
    let now = clock::now();
    let desk = if desk && member.can(Permission::TakeRollCall) {
        Some(desk_today::today(
            store.conn(),
            &Actor::member(&member),
            now,
        )?)
    } else {
        None
    };
    Ok(Home {
        member,
        open_calls: crate::usecase::alerts::open_count(store.conn())? as i32,
        waiting_slips: crate::print::report::counts(store.conn()).waiting() as i32,
        sync: SyncSummary::read(store)?,
        desk,
    })
}

/// The staff member signed in, if anyone is.
pub fn signed_in(state: &SharedStaff) -> Option<StaffMember> {
    state.lock().expect("staff lock").signed_in.clone()
}

/// The member signed in and the sign-in it belongs to: an answer for an earlier
/// sign-in is dropped (`still_signed_in`), so nothing reaches the next member's screen.
pub fn ticket(state: &SharedStaff) -> Option<(StaffMember, u64)> {
    let s = state.lock().expect("staff lock");
    Some((s.signed_in.clone()?, s.epoch))
}

/// The sign-in `ticket` names is still the one at the desk.
pub fn still_signed_in(state: &SharedStaff, ticket: u64) -> bool {
    let s = state.lock().expect("staff lock");
    s.signed_in.is_some() && s.epoch == ticket
}

/// The programme of the staff home's session row `index` on a desk terminal.
pub fn desk_session(state: &SharedStaff, index: i32) -> Option<String> {
    let s = state.lock().expect("staff lock");
    s.desk_sessions.get(usize::try_from(index).ok()?).cloned()
}

fn show_home(window: &AppWindow, state: &mut StaffState, home: Home) {
    let Home {
        member,
        open_calls,
        waiting_slips,
        sync,
        desk,
    } = home;
    state.desk_sessions = super::desk::show(window, desk.as_ref());
    let desk_adapter = window.global::<DeskAdapter>();
    desk_adapter.set_audit_shown(member.can(Permission::ViewAuditLog));
    desk_adapter.set_registry_shown(member.can(Permission::RegisterHouseholds));
    let adapter = window.global::<StaffAdapter>();
    adapter.set_staff_name(member.name.as_str().into());
    adapter.set_open_calls(open_calls);
    adapter.set_waiting_slips(waiting_slips);
    adapter.set_sync_enrolled(sync.enrolled);
    adapter.set_sync_pending(sync.pending);
    adapter.set_sync_parked(sync.parked);
    adapter.set_sync_last(sync.last_success.into());
    adapter.set_calendar_warning(
        sync.calendar_warning
            .as_ref()
            .map(|w| pick(window, w))
            .unwrap_or_default(),
    );
    state.signed_in = Some(member);
    state.choosing = None;
    if window.global::<Session>().get_screen() != Screen::StaffHome {
        window.global::<Session>().invoke_go(Screen::StaffHome);
    }
}

/// What a confirm asks the store thread to do.
type Job = Box<dyn FnOnce(&mut crate::store::Store) -> Result<Answer, AppError> + Send>;

/// The outcome of a sign-in or a PIN change, on the UI thread.
enum Answer {
    Home(Home),
    /// Signed in with a one-time PIN: choose a new one.
    ChooseOwn {
        code: String,
        one_time_pin: String,
    },
}

pub fn connect(window: &AppWindow, backend: impl Backend) -> SharedStaff {
    let state: SharedStaff = Arc::default();
    let adapter = window.global::<StaffAdapter>();
    let for_refresh = backend.clone();
    let (weak, st) = (window.as_weak(), state.clone());
    let submit: Submit = Rc::new(move || {
        let Some(window) = weak.upgrade() else { return };
        let mut s = st.lock().expect("staff lock");
        if s.busy {
            return;
        }
        let Confirmed::Submit { account, pin } = s.entry.confirm(CODE_DIGITS) else {
            show(&window, &s);
            return;
        };
        let now = clock::now();
        let desk = window.global::<KioskAdapter>().get_desk();
        let job: Job = match s.choosing.as_mut() {
            None => {
                let code = format!("S{account}");
                Box::new(move |store| {
                    let (member, one_time) = authenticate_at_keypad(store, &code, &pin, now)?;
                    if one_time {
                        return Ok(Answer::ChooseOwn {
                            code,
                            one_time_pin: pin,
                        });
                    }
                    load_home(store, member, desk).map(Answer::Home)
                })
            }
            Some(choosing) => match choosing.first.take() {
                None => {
                    // The first time: asked again before anything changes.
                    choosing.first = Some(pin);
                    s.entry.entering_pin = true;
                    show(&window, &s);
                    return;
                }
                Some(first) if first != pin => {
                    window.global::<StaffAdapter>().set_message(pick(
                        &window,
                        &Text::new(
                            "两次输入的新密码不一致，请重新设置",
                            "The two new PINs differ: choose the new PIN again",
                        ),
                    ));
                    s.entry.entering_pin = true;
                    show(&window, &s);
                    return;
                }
                Some(_) => {
                    let code = choosing.code.clone();
                    let old = choosing.one_time_pin.clone();
                    Box::new(move |store| {
                        let member = change_own_pin(store, now, &code, &old, &pin)?;
                        load_home(store, member, desk).map(Answer::Home)
                    })
                }
            },
        };
        s.busy = true;
        show(&window, &s);
        let ticket = s.epoch;
        drop(s);
        // A new try: the last refusal no longer applies.
        window.global::<StaffAdapter>().set_message("".into());
        let (weak, st) = (weak.clone(), st.clone());
        backend.run(job, move |result| {
            let Some(window) = weak.upgrade() else { return };
            let mut s = st.lock().expect("staff lock");
            if s.epoch != ticket {
                return;
            }
            s.busy = false;
            match result {
                Ok(Answer::Home(home)) => show_home(&window, &mut s, home),
                Ok(Answer::ChooseOwn { code, one_time_pin }) => {
                    s.choosing = Some(Choosing {
                        code,
                        one_time_pin,
                        first: None,
                    });
                    s.entry.entering_pin = true;
                    window.global::<StaffAdapter>().set_message("".into());
                }
                Err(error) => {
                    let message = refusal_text(&window, &error);
                    window.global::<StaffAdapter>().set_message(message);
                    if let Some(choosing) = s.choosing.as_mut() {
                        // A PIN the policy refuses (123456): choose again from the start.
                        choosing.first = None;
                        s.entry.entering_pin = true;
                    }
                }
            }
            show(&window, &s);
        });
    });
    // 刷新 on a desk's staff home: the day's figures as they stand now.
    let (weak, st, b) = (window.as_weak(), state.clone(), for_refresh);
    window.global::<DeskAdapter>().on_refresh(move || {
        let Some(member) = signed_in(&st) else { return };
        let (weak, st) = (weak.clone(), st.clone());
        b.run(
            move |store| load_home(store, member, true),
            move |result| {
                let Some(window) = weak.upgrade() else { return };
                let mut s = st.lock().expect("staff lock");
                match result {
                    Ok(home) if s.signed_in.is_some() => show_home(&window, &mut s, home),
                    Ok(_) => {}
                    Err(error) => super::session::notify_refusal(&window, &error),
                }
            },
        );
    });
    adapter.on_digit(keypad::on_digit(window, &state, submit));
    adapter.on_delete(keypad::on_delete(window, &state));
    adapter.on_clear(keypad::on_clear(window, &state));
    state
}

/// 返回 on the staff sign-in: from the PIN to the staff number, else to the start.
pub fn back(window: &AppWindow, state: &SharedStaff) {
    if !keypad::back(window, state) {
        window.global::<Session>().invoke_end();
    }
}

/// What the staff home says about sync with the district and the calendar.
struct SyncSummary {
    enrolled: bool,
    pending: i32,
    parked: i32,
    /// "YYYY-MM-DD HH:MM", or empty before the first good round.
    last_success: String,
    /// Next year's holidays are not published (or this year's ran out).
    calendar_warning: Option<Text>,
}

impl SyncSummary {
    fn read(store: &crate::store::Store) -> Result<SyncSummary, AppError> {
        let conn = store.conn();
        // The same answer `doctor` gives: the credential file says whether the kiosk
        // is enrolled (it is written before the database learns of the enrolment).
        let status = crate::sync::status(conn, store.data_dir());
        Ok(SyncSummary {
            enrolled: status.enrolled,
            calendar_warning: crate::usecase::load::calendar(conn)?
                .coverage(clock::now().date())
                .warning(),
            pending: status.pending.unwrap_or(0) as i32,
            parked: status.parked.len() as i32,
            last_success: status
                .last_success
                .and_then(|t| crate::clock::from_db(&t))
                .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_default(),
        })
    }
}

/// Signs staff out and forgets what was typed; the keypad's lock outlives the session
/// (it is in the database).
pub fn clear(window: &AppWindow, state: &SharedStaff) {
    let mut s = state.lock().expect("staff lock");
    s.entry = Entry::default();
    s.signed_in = None;
    s.choosing = None;
    s.busy = false;
    s.epoch += 1;
    s.desk_sessions.clear();
    show(window, &s);
    let adapter = window.global::<StaffAdapter>();
    adapter.set_message("".into());
    adapter.set_staff_name("".into());
    adapter.set_open_calls(0);
    adapter.set_waiting_slips(0);
}
