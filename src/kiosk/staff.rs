//! The staff entry on the kiosk: staff number and PIN on the keypad, the staff
//! account's own lockout (`usecase::staff::authenticate`) plus the keypad's: five
//! failures in a row, whatever numbers were tried, lock it for five minutes, so the
//! kiosk cannot be used to try one PIN against every staff number.

use std::sync::{Arc, Mutex};

use chrono::NaiveDateTime;
use linli_core::staff::{StaffMember, LOCKOUT_MINUTES, MAX_FAILED_PIN_ATTEMPTS};
use linli_core::Text;
use slint::ComponentHandle;

use super::backend::Backend;
use super::keypad::{self, Confirmed, Entry, KeypadScreen};
use super::resident::{pick, refusal_text};
use super::{AppWindow, Screen, Session, StaffAdapter};
use crate::clock;
use crate::store::AppError;
use crate::usecase::staff::authenticate;

/// Staff numbers are "S" and three digits.
const CODE_DIGITS: usize = 3;

#[derive(Default)]
pub struct StaffState {
    entry: Entry,
    failures: u32,
    locked_until: Option<NaiveDateTime>,
    signed_in: Option<StaffMember>,
}

pub type SharedStaff = Arc<Mutex<StaffState>>;

fn show(window: &AppWindow, state: &StaffState) {
    let adapter = window.global::<StaffAdapter>();
    adapter.set_code(state.entry.account.as_str().into());
    adapter.set_pin_length(state.entry.pin.len() as i32);
    adapter.set_entering_pin(state.entry.entering_pin);
    adapter.set_can_confirm(state.entry.can_confirm(CODE_DIGITS));
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
}

fn keypad_locked(until: NaiveDateTime) -> Text {
    let at = until.format("%H:%M");
    Text::new(
        format!("输错次数过多，本机工作人员登录已锁定，请于 {at} 后再试"),
        format!("Too many wrong tries: staff sign-in on this kiosk is locked until {at}"),
    )
}

pub fn connect(window: &AppWindow, backend: impl Backend) -> SharedStaff {
    let state: SharedStaff = Arc::default();
    let adapter = window.global::<StaffAdapter>();
    adapter.on_digit(keypad::on_digit(window, &state));
    adapter.on_delete(keypad::on_delete(window, &state));
    let (weak, st) = (window.as_weak(), state.clone());
    adapter.on_confirm(move || {
        let Some(window) = weak.upgrade() else { return };
        let mut s = st.lock().expect("staff lock");
        let Confirmed::Submit { account, pin } = s.entry.confirm(CODE_DIGITS) else {
            show(&window, &s);
            return;
        };
        show(&window, &s);
        let now = clock::now();
        if let Some(until) = s.locked_until.filter(|until| *until > now) {
            window
                .global::<StaffAdapter>()
                .set_message(pick(&window, &keypad_locked(until)));
            return;
        }
        drop(s);
        let (weak, st) = (weak.clone(), st.clone());
        backend.run(
            move |store| {
                let member = authenticate(store, &format!("S{account}"), &pin, now)?;
                let count = |sql: &str| -> Result<i32, rusqlite::Error> {
                    store.conn().query_row(sql, [], |r| r.get(0))
                };
                let calls = count("SELECT count(*) FROM alerts WHERE acknowledged_at IS NULL")?;
                let slips = count(
                    "SELECT count(*) FROM print_jobs WHERE state IN ('queued', 'sending', 'in_doubt')",
                )?;
                let sync = SyncSummary::read(store)?;
                Ok::<_, AppError>((member, calls, slips, sync))
            },
            move |result| {
                let Some(window) = weak.upgrade() else { return };
                let mut s = st.lock().expect("staff lock");
                match result {
                    Ok((member, calls, slips, sync)) => {
                        s.failures = 0;
                        let adapter = window.global::<StaffAdapter>();
                        adapter.set_staff_name(member.name.as_str().into());
                        adapter.set_open_calls(calls);
                        adapter.set_waiting_slips(slips);
                        adapter.set_sync_enrolled(sync.enrolled);
                        adapter.set_sync_pending(sync.pending);
                        adapter.set_sync_parked(sync.parked);
                        adapter.set_sync_last(sync.last_success.into());
                        s.signed_in = Some(member);
                        window.global::<Session>().set_screen(Screen::StaffHome);
                    }
                    Err(error) => {
                        s.failures += 1;
                        let mut message = refusal_text(&window, &error);
                        if s.failures >= MAX_FAILED_PIN_ATTEMPTS {
                            let until = now + chrono::Duration::minutes(LOCKOUT_MINUTES);
                            s.locked_until = Some(until);
                            s.failures = 0;
                            message = pick(&window, &keypad_locked(until));
                        }
                        window.global::<StaffAdapter>().set_message(message);
                    }
                }
                show(&window, &s);
            },
        );
    });
    state
}

/// What the staff home says about sync with the district.
struct SyncSummary {
    enrolled: bool,
    pending: i32,
    parked: i32,
    /// "YYYY-MM-DD HH:MM", or empty before the first good round.
    last_success: String,
}

impl SyncSummary {
    fn read(store: &crate::store::Store) -> Result<SyncSummary, AppError> {
        let conn = store.conn();
        Ok(SyncSummary {
            enrolled: store.setting("district_url")?.is_some(),
            pending: crate::sync::outbox::pending_count(conn)? as i32,
            parked: crate::sync::outbox::parked_count(conn)? as i32,
            last_success: store
                .setting("sync_last_success")?
                .and_then(|t| crate::clock::from_db(&t))
                .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_default(),
        })
    }
}

/// Signs staff out and forgets what was typed; the keypad's lock outlives the session.
pub fn clear(window: &AppWindow, state: &SharedStaff) {
    let mut s = state.lock().expect("staff lock");
    s.entry = Entry::default();
    s.signed_in = None;
    show(window, &s);
    let adapter = window.global::<StaffAdapter>();
    adapter.set_message("".into());
    adapter.set_staff_name("".into());
    adapter.set_open_calls(0);
    adapter.set_waiting_slips(0);
}
