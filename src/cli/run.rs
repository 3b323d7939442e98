//! Runs one subcommand: signs the staff member in, calls the use-case, and turns its
//! typed result into the JSON printed. Slips a command issued print after the store
//! is closed and are listed under `"slips"` with how each went.

use std::path::Path;
use std::process::ExitCode;

use linli_core::receipt::IssuedSlip;
use linli_core::staff::Permission;
use serde::Serialize;
use serde_json::{json, Value};

use super::args::*;
use super::output::{output_failed, write_stdout, EXIT_OUTPUT_FAILED};
use crate::clock;
use crate::error::{AppError, Refused, StoreError};
use crate::print::{self, Printing};
use crate::store::actor::credential_required;
use crate::store::{Actor, Issued, Store};
use crate::usecase;

/// What a command answers.
enum Answer {
    Json(Value),
    /// An export in CSV, printed as it is.
    Csv(String),
    /// A result and the slips it issued, to print before answering.
    WithSlips(Value, Vec<IssuedSlip>),
}

fn json_of<T: Serialize>(result: &T) -> Value {
    serde_json::to_value(result).expect("results serialise")
}

fn plain<T: Serialize>(result: T) -> Answer {
    Answer::Json(json_of(&result))
}

fn issued<T: Serialize>(result: Issued<T>) -> Answer {
    Answer::WithSlips(json_of(&result.outcome), result.slips)
}

fn refusal(refused: &Refused) -> Value {
    json!({
        "error": refused.error.to_string(),
        "code": refused.code,
        "reasons": refused.reasons.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
    })
}

fn store_error(error: &StoreError) -> Value {
    json!({"error": error.to_string(), "code": error.code(), "reasons": []})
}

/// Runs one subcommand and returns what to print and the exit code. A CSV export
/// comes back as one JSON string, printed as it is.
pub fn run_command(data_dir: &Path, command: Command, printing: Printing) -> (Value, ExitCode) {
    if let Command::Sync { once: false } = command {
        return sync_forever(data_dir);
    }
    // Refused before the data directory is touched: a refused enrolment leaves nothing.
    if let Command::Enrol { district, .. } = &command {
        if let Err(AppError::Refused(refused)) = crate::sync::address::check(district) {
            return (refusal(&refused), ExitCode::from(1));
        }
    }
    if let Command::Doctor = command {
        let (report, healthy) = usecase::doctor::run(data_dir);
        let code = if healthy {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        };
        return (json_of(&report), code);
    }
    let mut store = match Store::open_in(data_dir) {
        Ok(store) => store,
        Err(e) => return (store_error(&e), ExitCode::from(3)),
    };
    match dispatch(&mut store, data_dir, command, printing) {
        Ok(answer) => {
            // The action is committed; now its slips, which wait for nothing but paper.
            drop(store);
            let value = match answer {
                Answer::Json(value) => value,
                Answer::Csv(text) => Value::String(text),
                Answer::WithSlips(mut value, slips) => {
                    let delivered = print::deliver(data_dir, &slips, print::CLI_WAIT);
                    value["slips"] = json_of(&delivered);
                    value
                }
            };
            (value, ExitCode::SUCCESS)
        }
        Err(AppError::Refused(refused)) => (refusal(&refused), ExitCode::from(1)),
        Err(AppError::Store(e)) => (store_error(&e), ExitCode::from(3)),
    }
}

/// The staff member the credential signs in, as the actor of a command that needs
/// one; refused without `--staff` and a PIN. The use-case then checks the member's
/// permission itself: `permission` only names, in the refusal, what needed a member.
fn staff_actor(
    store: &mut Store,
    credential: &StaffCredential,
    permission: Permission,
) -> Result<Actor, AppError> {
    match (&credential.code, &credential.pin) {
        (Some(code), Some(pin)) => Ok(Actor::member(&usecase::staff::authenticate(
            store,
            code,
            pin,
            clock::now(),
        )?)),
        (Some(_), None) => Err(usecase::staff::pin_missing()),
        _ => Err(credential_required(permission)),
    }
}

fn dispatch(
    store: &mut Store,
    data_dir: &Path,
    command: Command,
    printing: Printing,
) -> Result<Answer, AppError> {
    if let Command::Demo = command {
        crate::store::data_kind::allow_pinned_demo_seed(store.conn(), data_dir)?;
    }
    let now = clock::now();
    use usecase::enrolment;
    Ok(match command {
        Command::Demo => plain(usecase::demo::seed(store, now)?),
        Command::Enrol {
            district,
            code,
            training,
        } => plain(crate::sync::enrol(
            store, data_dir, &district, &code, training, now,
        )?),
        Command::Sync { .. } => plain(crate::sync::round(store, data_dir)?),
        Command::Import {
            what: ImportWhat::Households { file, staff },
        } => {
            let actor = staff_actor(store, &staff, Permission::ImportHouseholds)?;
            let imported = usecase::households::import_file(store, &actor, now, &file)?;
            Answer::Json(json!({ "imported": imported }))
        }
        Command::Signup {
            resident,
            programme,
            staff,
        } => {
            let actor = staff_actor(store, &staff, Permission::ManageEnrolments)?;
            issued(enrolment::signup(
                store, &actor, now, &resident, &programme, printing,
            )?)
        }
        Command::Cancel {
            resident,
            programme,
            staff,
        } => {
            let actor = staff_actor(store, &staff, Permission::ManageEnrolments)?;
            issued(enrolment::cancel(
                store, &actor, now, &resident, &programme, printing,
            )?)
        }
        Command::Offer {
            answer,
            resident,
            programme,
            staff,
        } => {
            let actor = staff_actor(store, &staff, Permission::ManageEnrolments)?;
            issued(enrolment::answer_offer(
                store,
                &actor,
                now,
                &resident,
                &programme,
                answer == OfferAnswer::Accept,
                printing,
            )?)
        }
        Command::Slip {
            resident,
            programme,
            staff,
        } => {
            let actor = staff_actor(store, &staff, Permission::ManageEnrolments)?;
            issued(enrolment::status_slip(
                store, &actor, now, &resident, &programme, printing,
            )?)
        }
        Command::Resident { action } => resident(store, data_dir, now, action, printing)?,
        Command::Household { action } => household(store, now, action, printing)?,
        Command::Consent { action } => consent(store, now, action, printing)?,
        Command::Card { action } => card(store, now, action)?,
        Command::Staff { action } => staff_accounts(store, now, action)?,
        Command::Lookup {
            resident,
            purpose,
            staff,
        } => {
            let actor = staff_actor(store, &staff, Permission::RegisterHouseholds)?;
            plain(crate::sync::lookup::resident(
                store, data_dir, &actor, now, &resident, &purpose,
            )?)
        }
        Command::Export {
            what,
            format,
            unmasked,
            staff,
        } => {
            let needed = if unmasked {
                Permission::ExportUnmaskedPersonalData
            } else {
                Permission::RunReports
            };
            let actor = staff_actor(store, &staff, needed)?;
            let table = usecase::export::export(store, &actor, what, unmasked, now)?;
            match format {
                Format::Json => Answer::Json(table.to_json()),
                Format::Csv => Answer::Csv(table.to_csv()),
            }
        }
        Command::Audit {
            from,
            to,
            by,
            resident,
            action,
            device,
            format,
            staff,
        } => {
            let actor = staff_actor(store, &staff, Permission::ViewAuditLog)?;
            let filter = usecase::audit_log::AuditFilter {
                from,
                to,
                staff: by,
                resident,
                action,
                device,
            };
            let look = store.write(&actor, now, |tx| {
                usecase::audit_log::audit_entries(tx, &filter)
            })?;
            match format {
                Format::Json => Answer::Json(json!({
                    "entries": look.entries.to_json(),
                    "more": look.more,
                })),
                Format::Csv => Answer::Csv(look.entries.to_csv()),
            }
        }
        Command::Doctor => unreachable!("handled before the store is opened"),
        Command::PrintTest => issued(usecase::printing::print_test(
            store,
            data_dir,
            &Actor::cli(),
            now,
            printing,
        )?),
        Command::Reprint { serial, staff } => {
            let actor = staff_actor(store, &staff, Permission::ReprintSlips)?;
            issued(usecase::printing::reprint(store, &actor, now, &serial)?)
        }
        Command::Search { query, staff } => {
            let actor = staff_actor(store, &staff, Permission::FindResidents)?;
            plain(usecase::search::search(store, &actor, &query, now.date())?)
        }
        Command::Roster { action } => roster(store, now, action)?,
        Command::Meals {
            date,
            week,
            print: print_slip,
            staff,
        } => {
            let actor = staff_actor(store, &staff, Permission::RecordMealCounts)?;
            let date = date.unwrap_or(now.date());
            if print_slip {
                issued(store.write_issuing(&actor, now, |tx| {
                    usecase::meals::kitchen_slip(tx, date, printing)
                })?)
            } else {
                plain(store.write(&actor, now, |tx| {
                    usecase::meals::meal_counts(tx, date, week)
                })?)
            }
        }
        Command::Dietary { action } => dietary(store, now, action)?,
        Command::Volunteer { action } => volunteer(store, now, action, printing)?,
        Command::Alerts { action } => match action.unwrap_or(AlertAction::List) {
            AlertAction::List => Answer::Json(json!({ "open": usecase::alerts::open(store)? })),
            AlertAction::Ack { id, staff } => {
                let actor = staff_actor(store, &staff, Permission::AnswerCalls)?;
                plain(usecase::alerts::acknowledge(store, &actor, now, id)?)
            }
        },
        Command::RollCall { action } => roll_call(store, now, action)?,
        Command::Pickup { action } => pickup(store, now, action)?,
        Command::Fees { action } => fees(store, now, action, printing)?,
        Command::DayCare { action } => day_care(store, now, action, printing)?,
        Command::PrintQueue { action } => match action.unwrap_or(QueueAction::List) {
            QueueAction::List => plain(print::report::queue(store.conn())?),
            QueueAction::Run { wait } => plain(usecase::printing::run_queue(
                data_dir,
                std::time::Duration::from_secs(wait),
            )?),
        },
    })
}

fn roll_call(
    store: &mut Store,
    now: chrono::NaiveDateTime,
    action: RollCallAction,
) -> Result<Answer, AppError> {
    use linli_core::absence::{AbsenceReason, AbsenceReport, DayPart};
    use linli_core::attendance::Collector;
    use usecase::roll_call::{self, CallOutcome};
    Ok(match action {
        RollCallAction::Absent {
            programme,
            resident,
            reason,
            note,
            date,
            part,
            staff,
        } => {
            let actor = staff_actor(store, &staff, Permission::TakeRollCall)?;
            let report = AbsenceReport {
                date: date.unwrap_or(now.date()),
                part: match part {
                    DayPartArg::Whole => DayPart::WholeDay,
                    DayPartArg::Morning => DayPart::Morning,
                    DayPartArg::Afternoon => DayPart::Afternoon,
                },
                reason: match reason {
                    AbsenceReasonArg::Ill => AbsenceReason::Ill,
                    AbsenceReasonArg::Leave => AbsenceReason::Leave,
                    AbsenceReasonArg::Other => AbsenceReason::Other,
                },
                note,
            };
            let absence = store.write(&actor, now, |tx| {
                usecase::absences::report_absence(tx, &programme, &resident, &report)
            })?;
            Answer::Json(json!({
                "absence": {
                    "programme": absence.programme_code,
                    "resident": linli_core::identity::mask_id_number(&absence.resident_id_number),
                    "date": absence.date,
                    "part": absence.part.code(),
                    "reason": absence.reason.code(),
                    "note": absence.note,
                    "reported_at": clock::to_db(absence.reported_at),
                    "reported_by": absence.reported_by,
                }
            }))
        }
        RollCallAction::Show {
            programme,
            date,
            staff,
        } => {
            let actor = staff_actor(store, &staff, Permission::TakeRollCall)?;
            let roll =
                roll_call::roll_call(store.conn(), &actor, &programme, date.unwrap_or(now.date()))?;
            plain(roll)
        }
        RollCallAction::CheckIn {
            programme,
            resident,
            staff,
        } => {
            let actor = staff_actor(store, &staff, Permission::TakeRollCall)?;
            plain(store.write(&actor, now, |tx| {
                roll_call::check_in_group(tx, &programme, &resident)
            })?)
        }
        RollCallAction::CheckOut {
            programme,
            resident,
            by,
            card,
            alone: _,
            staff,
        } => {
            let actor = staff_actor(store, &staff, Permission::RecordPickup)?;
            let collector = match (by, card) {
                (Some(id), _) => Collector::IdNumber(id),
                (None, Some(card)) => Collector::CardCode(card),
                (None, None) => Collector::Alone,
            };
            roll_call::check_out_at_desk(store, &actor, now, &programme, &resident, &collector)?;
            plain(json!({"checked_out": true}))
        }
        RollCallAction::Late { programme, staff } => {
            let actor = staff_actor(store, &staff, Permission::RecordPickup)?;
            plain(roll_call::late_pickups(
                store.conn(),
                &actor,
                &programme,
                now,
            )?)
        }
        RollCallAction::Call {
            programme,
            resident,
            contact,
            outcome,
            note,
            staff,
        } => {
            let actor = staff_actor(store, &staff, Permission::RecordPickup)?;
            let outcome = match outcome {
                CallOutcomeArg::Reached => CallOutcome::Reached,
                CallOutcomeArg::NoAnswer => CallOutcome::NoAnswer,
                CallOutcomeArg::WrongNumber => CallOutcome::WrongNumber,
            };
            plain(store.write(&actor, now, |tx| {
                roll_call::record_call(tx, &programme, &resident, contact, outcome, &note)
            })?)
        }
    })
}

fn pickup(
    store: &mut Store,
    now: chrono::NaiveDateTime,
    action: PickupAction,
) -> Result<Answer, AppError> {
    use usecase::attendance::{set_pickup_adult, PickupAdultInput};
    Ok(match action {
        PickupAction::Set {
            child,
            adult,
            name,
            relationship,
            must_not_collect,
            from,
            until,
            card,
            staff,
        } => {
            let actor = staff_actor(store, &staff, Permission::RecordPickup)?;
            let input = PickupAdultInput {
                id_number: adult,
                name,
                relation: relationship,
                must_not_collect,
                valid_from: from,
                valid_until: until,
                card_code: card,
            };
            let list = store.write(&actor, now, |tx| set_pickup_adult(tx, &child, &input))?;
            plain(json!({
                "child": linli_core::identity::mask_id_number(&child),
                "adults": list.adults.iter().map(|adult| json!({
                    "name": linli_core::identity::mask_name(&adult.name),
                    "relationship": adult.relation,
                    "must_not_collect": adult.must_not_collect,
                    "valid": linli_core::attendance::validity_text(adult).to_string(),
                })).collect::<Vec<_>>(),
            }))
        }
    })
}

fn volunteer(
    store: &mut Store,
    now: chrono::NaiveDateTime,
    action: VolunteerAction,
    printing: Printing,
) -> Result<Answer, AppError> {
    use usecase::volunteers;
    Ok(match action {
        VolunteerAction::ClockIn {
            resident,
            activity,
            staff,
        } => {
            let actor = staff_actor(store, &staff, Permission::RecordVolunteerShifts)?;
            let shift = store.write(&actor, now, |tx| {
                volunteers::clock_in_volunteer(tx, &resident, &activity)
            })?;
            Answer::Json(
                json!({"shift": shift.id, "clock_in": shift.clock_in, "activity": shift.activity}),
            )
        }
        VolunteerAction::ClockOut { resident, staff } => {
            let actor = staff_actor(store, &staff, Permission::RecordVolunteerShifts)?;
            let done = store.write_issuing(&actor, now, |tx| {
                volunteers::clock_out_volunteer(tx, &resident, printing)
            })?;
            let shift = &done.outcome;
            Answer::WithSlips(
                json!({
                    "shift": shift.id,
                    "minutes": shift.minutes,
                    "status": shift.status.as_str(),
                }),
                done.slips,
            )
        }
        VolunteerAction::Certificate {
            resident,
            from,
            to,
            staff,
        } => {
            let actor = staff_actor(store, &staff, Permission::ApproveVolunteerHours)?;
            issued(store.write_issuing(&actor, now, |tx| {
                volunteers::volunteer_certificate(tx, &resident, from..=to, printing)
            })?)
        }
    })
}

fn fees(
    store: &mut Store,
    now: chrono::NaiveDateTime,
    action: FeesAction,
    printing: Printing,
) -> Result<Answer, AppError> {
    use usecase::fees;
    Ok(match action {
        FeesAction::Pay {
            resident,
            programme,
            amount_fen,
            method,
            reference,
            staff,
        } => {
            let actor = staff_actor(store, &staff, Permission::RecordFees)?;
            issued(store.write_issuing(&actor, now, |tx| {
                fees::pay(
                    tx,
                    &resident,
                    &programme,
                    amount_fen,
                    method.into(),
                    reference.as_deref(),
                    printing,
                )
            })?)
        }
        FeesAction::Refund {
            payment,
            amount_fen,
            reason,
            staff,
        } => {
            let actor = staff_actor(store, &staff, Permission::RecordFees)?;
            issued(store.write_issuing(&actor, now, |tx| {
                fees::refund(tx, &payment, amount_fen, &reason, printing)
            })?)
        }
        FeesAction::Summary {
            date,
            format,
            print,
            staff,
        } => {
            let actor = staff_actor(store, &staff, Permission::RecordFees)?;
            let date = date.unwrap_or(now.date());
            let slip = if print { printing } else { Printing::Skip };
            let done =
                store.write_issuing(&actor, now, |tx| fees::daily_summary(tx, date, slip))?;
            match format {
                Format::Json => issued(done),
                Format::Csv => Answer::Csv(fees::summary_csv(&done.outcome)),
            }
        }
    })
}

fn day_care(
    store: &mut Store,
    now: chrono::NaiveDateTime,
    action: DayCareAction,
    printing: Printing,
) -> Result<Answer, AppError> {
    use usecase::day_care;
    let needed = Permission::RecordDayCareAttendance;
    Ok(match action {
        DayCareAction::Show {
            date,
            programme,
            staff,
        } => {
            let actor = staff_actor(store, &staff, needed)?;
            let date = date.unwrap_or(now.date());
            plain(store.write(&actor, now, |tx| {
                day_care::show(tx, programme.as_deref(), date)
            })?)
        }
        DayCareAction::Arrive { member, staff } => {
            let actor = staff_actor(store, &staff, needed)?;
            store.write(&actor, now, |tx| {
                day_care::arrive(tx, member.programme.as_deref(), &member.resident)
            })?;
            Answer::Json(json!({"arrived": clock::to_db(now)}))
        }
        DayCareAction::Leave { member, staff } => {
            let actor = staff_actor(store, &staff, needed)?;
            store.write(&actor, now, |tx| {
                day_care::leave(tx, member.programme.as_deref(), &member.resident)
            })?;
            Answer::Json(json!({"left": clock::to_db(now)}))
        }
        DayCareAction::Absent {
            member,
            reason,
            staff,
        } => {
            let actor = staff_actor(store, &staff, needed)?;
            store.write(&actor, now, |tx| {
                day_care::report_absence(tx, member.programme.as_deref(), &member.resident, &reason)
            })?;
            Answer::Json(json!({"absent": true, "reason": reason.trim()}))
        }
        DayCareAction::Meal {
            member,
            meal,
            staff,
        } => {
            let actor = staff_actor(store, &staff, needed)?;
            let entry = store.write(&actor, now, |tx| {
                day_care::record_meal(
                    tx,
                    member.programme.as_deref(),
                    &member.resident,
                    meal.into(),
                )
            })?;
            Answer::Json(json!({"breakfast": entry.meals.breakfast, "lunch": entry.meals.lunch}))
        }
        DayCareAction::Transport {
            member,
            pickup_at,
            place,
            staff,
        } => {
            let actor = staff_actor(store, &staff, needed)?;
            let entry = store.write(&actor, now, |tx| {
                day_care::set_transport(
                    tx,
                    member.programme.as_deref(),
                    &member.resident,
                    &place,
                    pickup_at,
                )
            })?;
            plain(entry.transport)
        }
        DayCareAction::PickedUp { member, staff } => {
            let actor = staff_actor(store, &staff, needed)?;
            let entry = store.write(&actor, now, |tx| {
                day_care::record_transport(tx, member.programme.as_deref(), &member.resident, true)
            })?;
            plain(entry.transport)
        }
        DayCareAction::DroppedOff { member, staff } => {
            let actor = staff_actor(store, &staff, needed)?;
            let entry = store.write(&actor, now, |tx| {
                day_care::record_transport(tx, member.programme.as_deref(), &member.resident, false)
            })?;
            plain(entry.transport)
        }
        DayCareAction::Close {
            reason,
            programme,
            staff,
        } => {
            let actor = staff_actor(store, &staff, needed)?;
            plain(store.write(&actor, now, |tx| {
                day_care::close_day(tx, programme.as_deref(), reason.as_deref())
            })?)
        }
        DayCareAction::Route {
            print,
            programme,
            staff,
        } => {
            let actor = staff_actor(store, &staff, needed)?;
            let slip = if print { printing } else { Printing::Skip };
            issued(store.write_issuing(&actor, now, |tx| {
                day_care::route_list(tx, programme.as_deref(), slip)
            })?)
        }
    })
}

fn dietary(
    store: &mut Store,
    now: chrono::NaiveDateTime,
    action: DietaryAction,
) -> Result<Answer, AppError> {
    use linli_core::dietary::{split_list, DietaryNeeds};
    use usecase::dietary;
    let (resident, needs) = match action {
        DietaryAction::Set {
            resident,
            allergies,
            diet,
            note,
            staff,
        } => {
            let actor = staff_actor(store, &staff, Permission::DietaryNeeds)?;
            let typed = DietaryNeeds {
                allergies: allergies.as_deref().map(split_list).unwrap_or_default(),
                diet,
                note,
            };
            let needs = store.write(&actor, now, |tx| {
                dietary::set_dietary_needs(tx, &resident, &typed)
            })?;
            (resident, needs)
        }
        DietaryAction::Show { resident, staff } => {
            let actor = staff_actor(store, &staff, Permission::DietaryNeeds)?;
            let needs = store.write(&actor, now, |tx| dietary::dietary_needs(tx, &resident))?;
            (resident, needs)
        }
    };
    Ok(Answer::Json(json!({
        "resident": linli_core::identity::mask_id_number(&resident),
        "dietary_needs": needs,
        "summary": needs.summary(),
    })))
}

fn staff_accounts(
    store: &mut Store,
    now: chrono::NaiveDateTime,
    action: StaffAction,
) -> Result<Answer, AppError> {
    use usecase::staff_accounts as accounts;
    Ok(match action {
        StaffAction::List { staff } => {
            let actor = staff_actor(store, &staff, Permission::ManageStaff)?;
            plain(accounts::list(store, &actor)?)
        }
        StaffAction::Add {
            member,
            name,
            roles,
            staff,
        } => {
            let actor = staff_actor(store, &staff, Permission::ManageStaff)?;
            let roles: Vec<linli_core::staff::Role> = roles.into_iter().map(Into::into).collect();
            plain(accounts::add(store, &actor, now, &member, &name, &roles)?)
        }
        StaffAction::Disable { member, staff } => {
            let actor = staff_actor(store, &staff, Permission::ManageStaff)?;
            plain(accounts::set_disabled(store, &actor, now, &member, true)?)
        }
        StaffAction::Enable { member, staff } => {
            let actor = staff_actor(store, &staff, Permission::ManageStaff)?;
            plain(accounts::set_disabled(store, &actor, now, &member, false)?)
        }
        StaffAction::ResetPin { member, staff } => {
            let actor = staff_actor(store, &staff, Permission::ManageStaff)?;
            plain(accounts::reset_pin(store, &actor, now, &member)?)
        }
        StaffAction::ChangePin { new_pin, staff } => {
            // The one command signed in by the PIN it replaces (a one-time PIN may do
            // nothing else), so it checks the credential itself.
            let (Some(code), Some(pin)) = (&staff.code, &staff.pin) else {
                return Err(usecase::staff::pin_missing());
            };
            let member = accounts::change_own_pin(store, now, code, pin, &new_pin)?;
            Answer::Json(json!({"code": member.code, "pin_changed": true}))
        }
    })
}

/// `resident show`: the record here, or else the district's (`source` says which).
#[derive(serde::Serialize)]
struct ResidentAnswer {
    source: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    resident: Option<usecase::resident_record::ResidentShown>,
    #[serde(skip_serializing_if = "Option::is_none")]
    district: Option<crate::sync::lookup::FoundHousehold>,
}

fn resident(
    store: &mut Store,
    data_dir: &std::path::Path,
    now: chrono::NaiveDateTime,
    action: ResidentAction,
    printing: Printing,
) -> Result<Answer, AppError> {
    Ok(match action {
        ResidentAction::Copy { id, staff } => {
            let actor = staff_actor(store, &staff, Permission::RegisterHouseholds)?;
            plain(usecase::resident_copy::copy(
                store, &actor, now, &id, printing,
            )?)
        }
        ResidentAction::Show { id, purpose, staff } => {
            let actor = staff_actor(store, &staff, Permission::RegisterHouseholds)?;
            match usecase::resident_record::show(store, &actor, now, &id)? {
                Some(shown) => plain(ResidentAnswer {
                    source: "here",
                    resident: Some(shown),
                    district: None,
                }),
                None => match purpose {
                    Some(purpose) => plain(ResidentAnswer {
                        source: "district",
                        resident: None,
                        district: Some(crate::sync::lookup::resident(
                            store, data_dir, &actor, now, &id, &purpose,
                        )?),
                    }),
                    None => {
                        return Err(crate::error::Refused::new(
                            "not_registered_here",
                            linli_core::Text::new(
                                "此居民不在本中心登记",
                                "this resident is not registered at this centre",
                            ),
                            vec![linli_core::Text::new(
                                "要在全区的登记中查找，请加 --purpose 写明用途（查询会被记录）",
                                "to look them up in the district's registry, add --purpose saying why (the lookup is recorded)",
                            )],
                        )
                        .into())
                    }
                },
            }
        }
        ResidentAction::SetPin {
            resident,
            new_pin,
            staff,
        } => {
            let actor = staff_actor(store, &staff, Permission::RegisterHouseholds)?;
            plain(usecase::residents::set_pin(
                store, &actor, now, &resident, &new_pin,
            )?)
        }
        ResidentAction::PinReset { id, staff } => {
            let actor = staff_actor(store, &staff, Permission::RegisterHouseholds)?;
            plain(usecase::residents::reset_pin(store, &actor, now, &id)?)
        }
        // The older spellings of `card issue` and `card revoke`.
        ResidentAction::IssueCard {
            resident,
            card: number,
            staff,
        } => card(
            store,
            now,
            CardAction::Issue {
                id: resident,
                card: number,
                staff,
            },
        )?,
        ResidentAction::RevokeCard {
            card: number,
            staff,
        } => card(
            store,
            now,
            CardAction::Revoke {
                card: number,
                staff,
            },
        )?,
    })
}

fn household(
    store: &mut Store,
    now: chrono::NaiveDateTime,
    action: HouseholdAction,
    printing: Printing,
) -> Result<Answer, AppError> {
    use usecase::household_desk;
    Ok(match action {
        HouseholdAction::Add { file, staff } => {
            let actor = staff_actor(store, &staff, Permission::RegisterHouseholds)?;
            let file = household_desk::read_file(&file)?;
            plain(household_desk::add(store, &actor, now, &file, printing)?)
        }
        HouseholdAction::Edit {
            household,
            file,
            staff,
        } => {
            let actor = staff_actor(store, &staff, Permission::RegisterHouseholds)?;
            let file = household_desk::read_file(&file)?;
            plain(household_desk::edit(
                store, &actor, now, &household, &file, printing,
            )?)
        }
        HouseholdAction::Show { household, staff } => {
            let actor = staff_actor(store, &staff, Permission::RegisterHouseholds)?;
            plain(household_desk::show(store, &actor, now, &household)?)
        }
        // A missing --reason reaches the use-case as blank and is refused in words.
        HouseholdAction::MoveAway {
            household,
            reason,
            staff,
        } => {
            let actor = staff_actor(store, &staff, Permission::RegisterHouseholds)?;
            plain(household_desk::move_away(
                store,
                &actor,
                now,
                &household,
                reason.as_deref().unwrap_or(""),
            )?)
        }
        HouseholdAction::Duplicates { staff } => {
            let actor = staff_actor(store, &staff, Permission::RegisterHouseholds)?;
            plain(usecase::household_merge::duplicates(store, &actor, now)?)
        }
        HouseholdAction::Merge {
            keep,
            remove,
            take,
            dry_run,
            staff,
        } => {
            use usecase::household_merge::{self, Take};
            let actor = staff_actor(store, &staff, Permission::RegisterHouseholds)?;
            let take = take
                .iter()
                .filter(|t| !t.trim().is_empty())
                .map(|t| Take::parse(t))
                .collect::<Result<Vec<_>, _>>()?;
            plain(household_merge::merge(
                store, &actor, now, &keep, &remove, &take, dry_run,
            )?)
        }
    })
}

fn consent(
    store: &mut Store,
    now: chrono::NaiveDateTime,
    action: ConsentAction,
    printing: Printing,
) -> Result<Answer, AppError> {
    use usecase::consents;
    Ok(match action {
        ConsentAction::Record {
            resident,
            guardian,
            purposes,
            notice,
            staff,
        } => {
            let actor = staff_actor(store, &staff, Permission::RegisterHouseholds)?;
            let request = consents::ConsentRequest {
                resident: &resident,
                guardian: guardian.as_deref(),
                purposes: &purposes,
                notice_version: notice.as_deref(),
            };
            plain(consents::record(store, &actor, now, &request, printing)?)
        }
        ConsentAction::Show { resident, staff } => {
            let actor = staff_actor(store, &staff, Permission::RegisterHouseholds)?;
            plain(consents::show(store, &actor, now, &resident)?)
        }
    })
}

fn card(
    store: &mut Store,
    now: chrono::NaiveDateTime,
    action: CardAction,
) -> Result<Answer, AppError> {
    Ok(match action {
        CardAction::Issue { id, card, staff } => {
            let actor = staff_actor(store, &staff, Permission::RegisterHouseholds)?;
            plain(usecase::residents::issue_card(
                store, &actor, now, &id, &card,
            )?)
        }
        CardAction::Revoke { card, staff } => {
            let actor = staff_actor(store, &staff, Permission::RegisterHouseholds)?;
            plain(usecase::residents::revoke_card(store, &actor, now, &card)?)
        }
    })
}

fn roster(
    store: &mut Store,
    now: chrono::NaiveDateTime,
    action: RosterAction,
) -> Result<Answer, AppError> {
    use usecase::rosters;
    Ok(match action {
        RosterAction::Show { programme, staff } => {
            let actor = staff_actor(store, &staff, Permission::ManageEnrolments)?;
            plain(rosters::roster_view(store, &actor, &programme, now)?)
        }
        // A missing --reason reaches the use-case as blank, so it is refused in words
        // like any other bad input, not as a usage error.
        RosterAction::Offer {
            programme,
            resident,
            reason,
            staff,
        } => {
            let actor = staff_actor(store, &staff, Permission::MakeWaitingListOffers)?;
            plain(rosters::offer_now(
                store,
                &actor,
                now,
                &programme,
                &resident,
                reason.as_deref().unwrap_or(""),
            )?)
        }
        RosterAction::Withdraw {
            programme,
            resident,
            reason,
            staff,
        } => {
            let actor = staff_actor(store, &staff, Permission::ManageEnrolments)?;
            plain(rosters::withdraw(
                store,
                &actor,
                now,
                &programme,
                &resident,
                reason.as_deref().unwrap_or(""),
            )?)
        }
        RosterAction::Move {
            programme,
            to,
            resident,
            reason,
            staff,
        } => {
            let actor = staff_actor(store, &staff, Permission::ManageEnrolments)?;
            plain(rosters::move_place(
                store,
                &actor,
                now,
                &programme,
                &to,
                &resident,
                reason.as_deref().unwrap_or(""),
            )?)
        }
    })
}

/// `linli sync` without --once: the kiosk's background sync, in the foreground, for a
/// terminal without the kiosk window. Prints its state whenever it changes.
fn sync_forever(data_dir: &std::path::Path) -> (Value, ExitCode) {
    let last = std::sync::Mutex::new(None);
    let _thread = crate::sync::thread::SyncThread::spawn(data_dir, move |state| {
        let mut last = last.lock().expect("state lock");
        if last.as_ref() != Some(state) {
            let line = json!({
                "enrolled": state.enrolled,
                "online": state.online,
                "pending": state.pending,
                "parked": state.parked,
                "last_success": state.last_success,
                "last_error": state.last_error,
            });
            if let Err(error) = write_stdout(format!("{line}\n").as_bytes()) {
                // Nobody reads the state any more: stop rather than sync unwatched.
                let _ = output_failed(&error);
                std::process::exit(i32::from(EXIT_OUTPUT_FAILED));
            }
            *last = Some(state.clone());
        }
    });
    loop {
        std::thread::park();
    }
}
