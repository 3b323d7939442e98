//! 收费 at the desk (`FeesAdapter`). From a resident's page: each programme they hold
//! a seat in with this period's fee after any waiver (core applies it by tag), a
//! payment in cash or by a transfer's reference with its 收据, and a refund with a
//! reason and its 退款收据. From the staff home: the day's payments and refunds, its
//! takings by method, the 收费日结单 and the day's summary exported as a CSV file.
//! Amounts are typed in yuan and read as whole fen (`fees::parse_yuan`), never floats.

use std::sync::{Arc, Mutex};

use linli_core::dates::{day_time_text, weekday_day_text};
use linli_core::fees::{
    parse_yuan, period_text, yuan_typed, DailySummary, MethodTotals, PaymentKind, PaymentMethod,
};
use linli_core::programme::format_fen;
use linli_core::Text;
use slint::{ComponentHandle, ModelRc, VecModel};

use super::backend::Backend;
use super::desk_work::Desk;
use super::session::{notify, pick};
use super::ui::{
    AppWindow, DeskAdapter, FeeRow, FeesAdapter, FeesForm, PaymentRow, Screen, Session, Tone,
};
use crate::clock;
use crate::error::AppError;
use crate::print::Printing;
use crate::store::{Actor, Store};
use crate::usecase::fees::{self, FeeAccount, PaymentLine};

/// Whose fees the screen shows.
#[derive(Clone, Default)]
enum Showing {
    #[default]
    Day,
    /// The resident's full ID number and name.
    Resident(String, String),
}

#[derive(Default)]
pub struct FeesState {
    showing: Showing,
    accounts: Vec<FeeAccount>,
    payments: Vec<PaymentLine>,
}

pub type SharedFees = Arc<Mutex<FeesState>>;

/// What a read brought: a resident's accounts and payments, or the day's.
enum Read {
    Resident(fees::ResidentFees),
    Day(DailySummary, Vec<PaymentLine>),
}

fn fee_row(window: &AppWindow, fee: &FeeAccount) -> FeeRow {
    let period = period_text(&fee.period);
    let quote = &fee.quote;
    let mut figures = Text::new(
        format!("标准 {}", format_fen(quote.base_fen)),
        format!("List price {}", format_fen(quote.base_fen)),
    );
    if quote.waived_fen > 0 {
        figures.zh += &format!(" · 减免 {}", format_fen(quote.waived_fen));
        figures.en += &format!(" · waived {}", format_fen(quote.waived_fen));
    }
    figures.zh += &format!(
        " · 应付 {} · 已付 {}",
        format_fen(quote.due_fen),
        format_fen(fee.account.paid_fen)
    );
    figures.en += &format!(
        " · due {} · paid {}",
        format_fen(quote.due_fen),
        format_fen(fee.account.paid_fen)
    );
    let owed = if quote.due_fen == 0 {
        Text::new("全额减免，无需缴费", "Waived in full: nothing to pay")
    } else if fee.outstanding_fen == 0 {
        Text::new("已付清", "Paid in full")
    } else {
        Text::new(
            format!("尚欠 {}", format_fen(fee.outstanding_fen)),
            format!("{} owed", format_fen(fee.outstanding_fen)),
        )
    };
    FeeRow {
        name: pick(
            window,
            &Text::new(
                format!("{} · {}", fee.programme_name.zh, period.zh),
                format!("{} · {}", fee.programme_name.en, period.en),
            ),
        ),
        figures: pick(window, &figures),
        owed: pick(window, &owed),
        may_pay: fee.outstanding_fen > 0,
    }
}

fn what(line: &PaymentLine) -> Text {
    let p = &line.payment;
    let (zh, en) = match p.kind {
        PaymentKind::Payment => ("收费", "Paid"),
        PaymentKind::Refund => ("退费", "Refund"),
    };
    let method = p.method.label();
    let mut text = Text::new(
        format!("{zh} {} · {}", format_fen(p.amount_fen), method.zh),
        format!("{en} {} · {}", format_fen(p.amount_fen), method.en),
    );
    if let Some(reference) = &p.reference {
        text.zh += &format!("（单号 {reference}）");
        text.en += &format!(" (ref. {reference})");
    }
    text.zh += &format!(" · {}", line.programme_name.zh);
    text.en += &format!(" · {}", line.programme_name.en);
    if let Some(reason) = &p.reason {
        text.zh += &format!(" · 原因：{reason}");
        text.en += &format!(" · reason: {reason}");
    }
    text
}

fn payment_row(window: &AppWindow, line: &PaymentLine, for_resident: bool) -> PaymentRow {
    let p = &line.payment;
    let mut who = Text::new(format!("经手 {}", p.staff), format!("by {}", p.staff));
    if !for_resident {
        who.zh = format!(
            "{} · {} · {}",
            line.name_masked, line.resident_masked, who.zh
        );
        who.en = format!(
            "{} · {} · {}",
            line.name_masked, line.resident_masked, who.en
        );
    }
    if line.refundable_fen > 0 && line.refundable_fen < p.amount_fen {
        who.zh += &format!(" · 可退 {}", format_fen(line.refundable_fen));
        who.en += &format!(" · {} left to refund", format_fen(line.refundable_fen));
    }
    PaymentRow {
        when: pick(window, &day_time_text(p.at)),
        what: pick(window, &what(line)),
        who: pick(window, &who),
        may_refund: line.refundable_fen > 0,
    }
}

fn totals(method: PaymentMethod, t: &MethodTotals) -> Text {
    let label = method.label();
    Text::new(
        format!(
            "{}：收{}笔 {}，退{}笔 {}，净收 {}",
            label.zh,
            t.payments,
            format_fen(t.paid_fen),
            t.refunds,
            format_fen(t.refunded_fen),
            format_fen(t.net_fen())
        ),
        format!(
            "{}: {} paid {}, {} refunded {}, net {}",
            label.en,
            t.payments,
            format_fen(t.paid_fen),
            t.refunds,
            format_fen(t.refunded_fen),
            format_fen(t.net_fen())
        ),
    )
}

fn show(window: &AppWindow, state: &SharedFees, read: Read) {
    let adapter = window.global::<FeesAdapter>();
    let mut s = state.lock().expect("fees lock");
    match read {
        Read::Resident(found) => {
            let name = match &s.showing {
                Showing::Resident(_, name) => name.clone(),
                Showing::Day => String::new(),
            };
            adapter.set_for_resident(true);
            adapter.set_title(pick(
                window,
                &Text::new(format!("收费 · {name}"), format!("Fees · {name}")),
            ));
            adapter.set_summary(found.resident_masked.as_str().into());
            s.accounts = found.accounts;
            s.payments = found.payments;
        }
        Read::Day(summary, payments) => {
            let date = weekday_day_text(summary.date);
            adapter.set_for_resident(false);
            adapter.set_title(pick(
                window,
                &Text::new(format!("收费 · {}", date.zh), format!("Fees · {}", date.en)),
            ));
            let cash = totals(PaymentMethod::Cash, &summary.cash);
            let transfer = totals(PaymentMethod::Reference, &summary.reference);
            adapter.set_summary(pick(
                window,
                &Text::new(
                    format!(
                        "{}\n{}\n合计净收 {}（钱箱应有现金 {}）",
                        cash.zh,
                        transfer.zh,
                        format_fen(summary.net_fen),
                        format_fen(summary.net_cash_fen)
                    ),
                    format!(
                        "{}\n{}\nNet in all {} (cash in the drawer: {})",
                        cash.en,
                        transfer.en,
                        format_fen(summary.net_fen),
                        format_fen(summary.net_cash_fen)
                    ),
                ),
            ));
            s.accounts.clear();
            s.payments = payments;
        }
    }
    let for_resident = adapter.get_for_resident();
    let accounts: Vec<FeeRow> = s.accounts.iter().map(|f| fee_row(window, f)).collect();
    let payments: Vec<PaymentRow> = s
        .payments
        .iter()
        .map(|p| payment_row(window, p, for_resident))
        .collect();
    adapter.set_accounts(ModelRc::new(VecModel::from(accounts)));
    adapter.set_payments(ModelRc::new(VecModel::from(payments)));
}

fn load<B: Backend>(desk: &Desk<B>, state: &SharedFees) {
    let st = state.clone();
    let showing = st.lock().expect("fees lock").showing.clone();
    desk.run(
        move |store, actor| {
            store.write(actor, clock::now(), |tx| match &showing {
                Showing::Resident(id, _) => fees::resident_fees(tx, id).map(Read::Resident),
                Showing::Day => fees::day_payments(tx, clock::now().date())
                    .map(|(summary, lines)| Read::Day(summary, lines)),
            })
        },
        move |window, read| {
            show(window, &st, read);
            if window.global::<Session>().get_screen() != Screen::Fees {
                window.global::<Session>().invoke_open(Screen::Fees);
            }
        },
    );
}

fn set_busy(window: &AppWindow, busy: bool) {
    window.global::<FeesAdapter>().set_busy(busy);
}

fn open_box(window: &AppWindow, form: FeesForm, index: i32, title: Text, amount_fen: i64) {
    let adapter = window.global::<FeesAdapter>();
    adapter.set_form_title(pick(window, &title));
    adapter.set_amount(yuan_typed(amount_fen).into());
    adapter.set_cash(true);
    adapter.set_reference("".into());
    adapter.set_reason("".into());
    adapter.set_acting_on(index);
    adapter.set_form(form);
    window.global::<Session>().invoke_settle();
}

fn ask_payment(window: &AppWindow, state: &SharedFees, index: i32) {
    let s = state.lock().expect("fees lock");
    let Some(fee) = usize::try_from(index).ok().and_then(|i| s.accounts.get(i)) else {
        return;
    };
    let period = period_text(&fee.period);
    let owed = format_fen(fee.outstanding_fen);
    let title = Text::new(
        format!(
            "收费：{} · {} · 尚欠 {owed}",
            fee.programme_name.zh, period.zh
        ),
        format!(
            "Take the fee: {} · {} · {owed} owed",
            fee.programme_name.en, period.en
        ),
    );
    let amount = fee.outstanding_fen;
    drop(s);
    open_box(window, FeesForm::Pay, index, title, amount);
}

fn ask_refund(window: &AppWindow, state: &SharedFees, index: i32) {
    let s = state.lock().expect("fees lock");
    let Some(line) = usize::try_from(index).ok().and_then(|i| s.payments.get(i)) else {
        return;
    };
    let when = day_time_text(line.payment.at);
    let left = format_fen(line.refundable_fen);
    let title = Text::new(
        format!(
            "退费：{} {} · {} · 可退 {left}",
            when.zh,
            format_fen(line.payment.amount_fen),
            line.programme_name.zh
        ),
        format!(
            "Refund: {} {} · {} · {left} can be refunded",
            when.en,
            format_fen(line.payment.amount_fen),
            line.programme_name.en
        ),
    );
    let amount = line.refundable_fen;
    drop(s);
    open_box(window, FeesForm::Refund, index, title, amount);
}

/// A payment or refund to run on the store thread, built from the box's fields.
type Job = Box<dyn FnOnce(&mut Store, &Actor) -> Result<Text, AppError> + Send>;

/// Takes the payment or gives the refund the box holds; a bad amount, a missing
/// reference or reason is refused by the use-case's words and the box stays open.
fn confirm<B: Backend>(desk: &Desk<B>, state: &SharedFees) {
    let Some(window) = desk.window() else { return };
    let adapter = window.global::<FeesAdapter>();
    let (form, index) = (adapter.get_form(), adapter.get_acting_on());
    let typed = adapter.get_amount().to_string();
    let s = state.lock().expect("fees lock");
    let job: Job = match form {
        FeesForm::Pay => {
            let (Showing::Resident(resident, _), Some(fee)) = (
                &s.showing,
                usize::try_from(index).ok().and_then(|i| s.accounts.get(i)),
            ) else {
                return;
            };
            let (resident, code) = (resident.clone(), fee.programme_code.clone());
            let method = if adapter.get_cash() {
                PaymentMethod::Cash
            } else {
                PaymentMethod::Reference
            };
            let reference = adapter.get_reference().to_string();
            Box::new(move |store, actor| {
                let fen = parse_yuan("amount_fen", &typed)?;
                let paid = store.write_issuing(actor, clock::now(), |tx| {
                    fees::pay(
                        tx,
                        &resident,
                        &code,
                        fen,
                        method,
                        Some(&reference),
                        Printing::Queue,
                    )
                })?;
                let paid = paid.outcome;
                Ok(Text::new(
                    format!(
                        "已收 {}，收据正在打印；尚欠 {}",
                        format_fen(paid.payment.amount_fen),
                        format_fen(paid.outstanding_fen)
                    ),
                    format!(
                        "{} taken; the receipt is printing. Still owed: {}",
                        format_fen(paid.payment.amount_fen),
                        format_fen(paid.outstanding_fen)
                    ),
                ))
            })
        }
        FeesForm::Refund => {
            let Some(line) = usize::try_from(index).ok().and_then(|i| s.payments.get(i)) else {
                return;
            };
            let id = line.payment.id.clone();
            let reason = adapter.get_reason().to_string();
            Box::new(move |store, actor| {
                let fen = parse_yuan("amount_fen", &typed)?;
                let done = store.write_issuing(actor, clock::now(), |tx| {
                    fees::refund(tx, &id, fen, &reason, Printing::Queue)
                })?;
                let refund = done.outcome.refund;
                let method = refund.method.label();
                Ok(Text::new(
                    format!(
                        "已退 {}（{}），退款收据正在打印",
                        format_fen(refund.amount_fen),
                        method.zh
                    ),
                    format!(
                        "{} refunded ({}); the refund receipt is printing",
                        format_fen(refund.amount_fen),
                        method.en
                    ),
                ))
            })
        }
        _ => return,
    };
    drop(s);
    let (d, st) = (desk.clone(), state.clone());
    desk.act(set_busy, job, move |window| {
        d.slip_issued();
        window.global::<FeesAdapter>().set_form(FeesForm::None);
        load(&d, &st);
    });
}

pub fn connect<B: Backend>(window: &AppWindow, desk: Desk<B>) -> SharedFees {
    let state: SharedFees = Arc::default();
    let open = |showing: fn(&Desk<B>) -> Option<Showing>| {
        let (d, st) = (desk.clone(), state.clone());
        move || {
            let Some(showing) = showing(&d) else { return };
            if let Some(window) = d.window() {
                window.global::<FeesAdapter>().set_form(FeesForm::None);
            }
            *st.lock().expect("fees lock") = FeesState {
                showing,
                ..FeesState::default()
            };
            load(&d, &st);
        }
    };
    window
        .global::<DeskAdapter>()
        .on_open_fees(open(|_| Some(Showing::Day)));
    let adapter = window.global::<FeesAdapter>();
    adapter.on_open_for_resident(open(|d| {
        d.resident().map(|found| {
            Showing::Resident(found.resident.id_number().to_string(), found.name.clone())
        })
    }));

    let (weak, st) = (window.as_weak(), state.clone());
    adapter.on_pay(move |index| {
        if let Some(window) = weak.upgrade() {
            ask_payment(&window, &st, index);
        }
    });
    let (weak, st) = (window.as_weak(), state.clone());
    adapter.on_refund(move |index| {
        if let Some(window) = weak.upgrade() {
            ask_refund(&window, &st, index);
        }
    });
    let (d, st) = (desk.clone(), state.clone());
    adapter.on_confirm(move || confirm(&d, &st));

    let d = desk.clone();
    adapter.on_print_summary(move || {
        let d2 = d.clone();
        d.run_busy(
            set_busy,
            |store, actor| {
                let issued = store.write_issuing(actor, clock::now(), |tx| {
                    fees::daily_summary(tx, clock::now().date(), Printing::Queue)
                })?;
                Ok(issued.outcome)
            },
            move |window, summary| {
                d2.slip_issued();
                notify(
                    window,
                    Tone::Success,
                    &Text::new("收费日结单正在打印", "The day's cash summary is printing"),
                    pick(
                        window,
                        &Text::new(
                            format!(
                                "净收 {}，钱箱应有现金 {}。请点清钱箱后签名。",
                                format_fen(summary.net_fen),
                                format_fen(summary.net_cash_fen)
                            ),
                            format!(
                                "Net {}; the drawer should hold {} in cash. Count it, then sign.",
                                format_fen(summary.net_fen),
                                format_fen(summary.net_cash_fen)
                            ),
                        ),
                    ),
                );
            },
        );
    });

    let d = desk;
    adapter.on_export_summary(move || {
        d.run_busy(
            set_busy,
            |store, actor| fees::export_summary(store, actor, clock::now().date()),
            move |window, path| {
                notify(
                    window,
                    Tone::Success,
                    &Text::new("日结表已导出", "The day's summary is exported"),
                    pick(
                        window,
                        &Text::new(
                            format!("文件：{}（Excel 可直接打开，金额以分计）", path.display()),
                            format!("File: {} (opens in Excel; amounts in fen)", path.display()),
                        ),
                    ),
                );
            },
        );
    });
    state
}

/// Forgets the fees, and whose they were, with the staff member.
pub fn clear(window: &AppWindow, state: &SharedFees) {
    *state.lock().expect("fees lock") = FeesState::default();
    let adapter = window.global::<FeesAdapter>();
    adapter.set_accounts(ModelRc::default());
    adapter.set_payments(ModelRc::default());
    adapter.set_form(FeesForm::None);
    adapter.set_acting_on(-1);
    adapter.set_amount("".into());
    adapter.set_reference("".into());
    adapter.set_reason("".into());
    adapter.set_summary("".into());
    adapter.set_busy(false);
}
