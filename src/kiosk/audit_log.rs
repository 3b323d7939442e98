//! 操作日志 at the desk (`AuditLogAdapter`), for a member who may read the audit log:
//! the filter typed, the entries found (newest first, the first few hundred on screen,
//! all of them in the export), and the export to the data directory's `exports/`.
//! The use-case (`usecase::audit_log`) checks the permission and audits every look.

use chrono::{Duration, NaiveDate};
use linli_core::Text;
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

use super::backend::Backend;
use super::desk_resident::typed_date;
use super::desk_work::Desk;
use super::session::{notify, pick};
use super::ui::{AppWindow, AuditLogAdapter, DeskAdapter, Screen, Session, Tone};
use crate::clock;
use crate::error::AppError;
use crate::usecase::audit_log::{self, AuditFilter, AuditLine, MAX_ENTRIES};

/// The most entries listed on screen; the export has them all.
const SHOWN: usize = 300;

fn typed(value: SharedString) -> Option<String> {
    Some(value.trim().to_string()).filter(|v| !v.is_empty())
}

/// The filter as typed, or the field that is wrong.
fn filter(window: &AppWindow) -> Result<AuditFilter, AppError> {
    let a = window.global::<AuditLogAdapter>();
    Ok(AuditFilter {
        from: typed_date("from", ("开始日期", "from"), &a.get_from())?,
        to: typed_date("to", ("截止日期", "to"), &a.get_to())?,
        staff: typed(a.get_staff()).map(|s| s.to_ascii_uppercase()),
        resident: typed(a.get_resident()),
        action: typed(a.get_action()),
        device: typed(a.get_device()),
    })
}

/// One entry as a line: "2026-11-24 09:12 · S001 · fee_paid · 440306********0012".
fn line(entry: &AuditLine) -> SharedString {
    let at = entry.at.replace('T', " ");
    let at = at.get(..16).unwrap_or(&at);
    let actor = entry.actor.strip_prefix("staff:").unwrap_or(&entry.actor);
    format!("{at} · {actor} · {} · {}", entry.action, entry.subject).into()
}

fn search<B: Backend>(desk: &Desk<B>) {
    let Some(window) = desk.window() else { return };
    let filter = match filter(&window) {
        Ok(filter) => filter,
        Err(error) => return super::session::notify_refusal(&window, &error),
    };
    desk.run_busy(
        |window, busy| window.global::<AuditLogAdapter>().set_busy(busy),
        move |store, actor| {
            store.write(actor, clock::now(), |tx| {
                audit_log::audit_entries(tx, &filter)
            })
        },
        |window, look| {
            let adapter = window.global::<AuditLogAdapter>();
            let found = look.lines.len();
            let lines: Vec<SharedString> = look.lines.iter().take(SHOWN).map(line).collect();
            adapter.set_entries(ModelRc::new(VecModel::from(lines)));
            let summary = if look.more {
                Text::new(
                    format!("超过{MAX_ENTRIES}条：只列出最新的，请缩小范围"),
                    format!("over {MAX_ENTRIES}: the newest only; narrow the search"),
                )
            } else if found > SHOWN {
                Text::new(
                    format!("找到{found}条，列出最新的{SHOWN}条；导出可得全部"),
                    format!("{found} found, the newest {SHOWN} listed; export has them all"),
                )
            } else {
                Text::new(format!("找到{found}条"), format!("{found} found"))
            };
            adapter.set_summary(pick(window, &summary));
        },
    );
}

pub fn connect<B: Backend>(window: &AppWindow, desk: Desk<B>) {
    let d = desk.clone();
    window.global::<DeskAdapter>().on_open_audit_log(move || {
        let Some(window) = d.window() else { return };
        // The last seven days, today included: what a manager looks at most.
        let today: NaiveDate = clock::now().date();
        let adapter = window.global::<AuditLogAdapter>();
        adapter.set_from((today - Duration::days(6)).to_string().into());
        adapter.set_to(today.to_string().into());
        for clear in [
            AuditLogAdapter::set_staff,
            AuditLogAdapter::set_resident,
            AuditLogAdapter::set_action,
            AuditLogAdapter::set_device,
        ] {
            clear(&adapter, "".into());
        }
        adapter.set_entries(ModelRc::default());
        adapter.set_summary("".into());
        window.global::<Session>().invoke_open(Screen::AuditLog);
        search(&d);
    });
    let adapter = window.global::<AuditLogAdapter>();
    let d = desk.clone();
    adapter.on_search(move || search(&d));
    let d = desk;
    adapter.on_export(move || {
        let Some(window) = d.window() else { return };
        let filter = match filter(&window) {
            Ok(filter) => filter,
            Err(error) => return super::session::notify_refusal(&window, &error),
        };
        d.run_busy(
            |window, busy| window.global::<AuditLogAdapter>().set_busy(busy),
            move |store, actor| audit_log::export_csv(store, actor, clock::now(), &filter),
            |window, (path, rows)| {
                let shown = path.display();
                notify(
                    window,
                    Tone::Success,
                    &Text::new(
                        format!("已导出{rows}条：{shown}"),
                        format!("{rows} entries exported: {shown}"),
                    ),
                    "".into(),
                );
            },
        );
    });
}

/// Forgets the filter and the entries with the staff member.
pub fn clear(window: &AppWindow) {
    let adapter = window.global::<AuditLogAdapter>();
    adapter.set_entries(ModelRc::default());
    adapter.set_summary("".into());
    adapter.set_resident("".into());
}
