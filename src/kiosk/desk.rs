//! The desk's day on the staff home of a front-desk terminal (`DeskAdapter`): today's
//! sessions with their figures, offers waiting for an answer, children not yet
//! collected. Loaded with the staff home (`staff.rs`); a session's 点名 opens the roll
//! call (`roll_call.rs`), which finds the programme by the codes kept here.

use linli_core::programme::ProgrammeKind;
use slint::{ComponentHandle, ModelRc, VecModel};

use super::session::pick;
use super::ui::{AppWindow, DeskAdapter, DeskOfferRow, DeskSessionRow};
use crate::usecase::desk_today::DeskToday;

/// Shows the day (or hides it: a member who may not take the roll call sees only
/// the rest of the staff home) and returns the sessions' programme codes, in the
/// order of the rows.
pub fn show(window: &AppWindow, today: Option<&DeskToday>) -> Vec<String> {
    let adapter = window.global::<DeskAdapter>();
    adapter.set_day_shown(today.is_some());
    let Some(today) = today else {
        adapter.set_sessions(ModelRc::default());
        adapter.set_offers(ModelRc::default());
        adapter.set_uncollected(0);
        return vec![];
    };
    let sessions: Vec<DeskSessionRow> = today
        .sessions
        .iter()
        .map(|session| DeskSessionRow {
            name: format!(
                "{} · {}–{}",
                pick(window, &session.name),
                session.starts.format("%H:%M"),
                session.ends.format("%H:%M")
            )
            .into(),
            expected: session.counts.expected as i32,
            arrived: session.counts.arrived as i32,
            absent: session.counts.absent as i32,
            left: session.counts.left as i32,
            late: session.late as i32,
            roll_call: session.roll_call,
            lunch: session.kind == ProgrammeKind::LunchCare,
            day_care: session.kind == ProgrammeKind::DayCare,
        })
        .collect();
    let offers: Vec<DeskOfferRow> = today
        .offers
        .iter()
        .map(|offer| DeskOfferRow {
            who: offer.name_masked.as_str().into(),
            programme: pick(window, &offer.programme),
            deadline: pick(window, &offer.deadline_text),
        })
        .collect();
    adapter.set_sessions(ModelRc::new(VecModel::from(sessions)));
    adapter.set_offers(ModelRc::new(VecModel::from(offers)));
    adapter.set_uncollected(today.uncollected as i32);
    today
        .sessions
        .iter()
        .map(|s| s.programme_code.clone())
        .collect()
}

/// Forgets the day with the staff member.
pub fn clear(window: &AppWindow) {
    show(window, None);
    window.global::<DeskAdapter>().set_printer("".into());
}
