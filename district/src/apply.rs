//! What each event means at the district: its checks, and the rows it writes in the
//! tables reports read.
//!
//! An event is checked whole before anything is written, so a bad one is rejected
//! alone with its reason. One that passes is applied with plain upserts whose
//! statements cannot fail on the event's content: the batch they share never fails
//! because of one device's data.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{NaiveDate, NaiveDateTime};
use linli_core::identity::{IdNumber, Phone};
use linli_core::outbox::{AttendanceEventKind, EventPayload, OutboxEvent};
use linli_core::FieldError;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

const ENROLMENT_STATUSES: &[&str] = &[
    "confirmed",
    "waitlisted",
    "offered",
    "cancelled",
    "withdrawn",
];
const SHIFT_STATUSES: &[&str] = &[
    "open",
    "pending",
    "needs_confirmation",
    "approved",
    "declined",
];
const FILING_STATUSES: &[&str] = &[
    "draft",
    "submitted",
    "filed",
    "suspended",
    "revoked",
    "closed",
];

const ABSENCE_PARTS: &[&str] = &["whole_day", "morning", "afternoon"];
const ABSENCE_REASONS: &[&str] = &["ill", "leave", "other"];

/// The most one month's revenue or cost may be, in fen: 100 million yuan.
const MAX_LEDGER_FEN: i64 = 10_000_000_000;

fn invalid(field: &str, code: &str, zh: String, en: String) -> FieldError {
    FieldError::new(field, code, zh, en)
}

fn check_id(field: &str, id: &str) -> Result<(), FieldError> {
    // A far-future "today": a birth date in the device's future is the device's
    // business (its clock may be off); the district checks form and check digit.
    IdNumber::parse(id, NaiveDate::MAX)
        .map(|_| ())
        .map_err(|mut e| {
            e.field = format!("payload.{field}");
            e
        })
}

fn check_one_of(field: &str, value: &str, allowed: &[&str]) -> Result<(), FieldError> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(invalid(
            &format!("payload.{field}"),
            "unknown_value",
            format!("“{value}”不是有效的{field}，应为：{}", allowed.join("、")),
            format!(
                "\"{value}\" is not a valid {field}; expected one of {}",
                allowed.join(", ")
            ),
        ))
    }
}

/// Dates Linli can mean: anything outside is a broken clock or a forged event, and
/// some of it PostgreSQL could not even store (before 4713 BC).
fn check_date(field: &str, date: NaiveDate) -> Result<(), FieldError> {
    use chrono::Datelike;
    if (1900..=2200).contains(&date.year()) {
        Ok(())
    } else {
        Err(invalid(
            field,
            "out_of_range",
            format!("{field}的日期{date}不在1900年至2200年之间"),
            format!("{field} {date} is not between the years 1900 and 2200"),
        ))
    }
}

fn check_time(field: &str, time: Option<NaiveDateTime>) -> Result<(), FieldError> {
    time.map_or(Ok(()), |t| check_date(field, t.date()))
}

/// Minutes of one shift: a week is already far beyond any real one.
const MAX_MINUTES: u32 = 7 * 24 * 60;

fn check_count(field: &str, value: u32, max: u32) -> Result<(), FieldError> {
    if value <= max {
        Ok(())
    } else {
        Err(invalid(
            &format!("payload.{field}"),
            "out_of_range",
            format!("{field}为{value}，超过上限{max}"),
            format!("{field} is {value}, above the limit of {max}"),
        ))
    }
}

/// Everything the district checks about one event before it applies it. `device_id`
/// and `centre_code` are the authenticated device's: an event claiming another
/// device or centre is refused, so a device writes only its own centre's data.
pub fn check(event: &OutboxEvent, device_id: Uuid, centre_code: &str) -> Result<(), FieldError> {
    if event.event_id.is_empty() || event.event_id.len() > 64 {
        return Err(invalid(
            "event_id",
            "invalid_event_id",
            "事件编号须为1至64个字符".into(),
            "event_id must be 1 to 64 characters".into(),
        ));
    }
    check_date("occurred_at", event.occurred_at.date())?;
    if event.device_id != device_id.to_string() {
        return Err(invalid(
            "device_id",
            "wrong_device",
            "事件不是本终端产生的，不能由本终端上传".into(),
            "the event names another device; a device uploads only its own events".into(),
        ));
    }
    if event.centre_code != centre_code {
        return Err(invalid(
            "centre_code",
            "wrong_centre",
            format!(
                "事件属于中心“{}”，本终端只能写入本中心的数据",
                event.centre_code
            ),
            format!(
                "the event is for centre \"{}\"; this device writes only its own centre's data",
                event.centre_code
            ),
        ));
    }
    // Length and characters of every text field, as core defines them for every
    // device too; then what each kind of event means.
    event.payload.check_text_fields()?;
    match &event.payload {
        EventPayload::HouseholdRegistered { .. } => Ok(()),
        EventPayload::ResidentRegistered {
            id_number, phone, ..
        } => {
            check_id("id_number", id_number)?;
            match phone.as_deref().filter(|p| !p.is_empty()) {
                Some(phone) => Phone::parse(phone).map(|_| ()).map_err(|mut e| {
                    e.field = "payload.phone".into();
                    e
                }),
                None => Ok(()),
            }
        }
        EventPayload::EnrolmentChanged {
            resident_id_number,
            status,
            offer_deadline,
            ..
        } => {
            check_time("payload.offer_deadline", *offer_deadline)?;
            check_id("resident_id_number", resident_id_number)?;
            check_one_of("status", status, ENROLMENT_STATUSES)
        }
        EventPayload::AttendanceRecorded {
            resident_id_number,
            session_date,
            at,
            ..
        } => {
            check_date("payload.session_date", *session_date)?;
            check_time("payload.at", Some(*at))?;
            check_id("resident_id_number", resident_id_number)
        }
        EventPayload::ShiftRecorded {
            volunteer_id_number,
            status,
            clock_in,
            clock_out,
            minutes,
            ..
        } => {
            check_time("payload.clock_in", Some(*clock_in))?;
            check_time("payload.clock_out", *clock_out)?;
            check_count("minutes", *minutes, MAX_MINUTES)?;
            check_id("volunteer_id_number", volunteer_id_number)?;
            check_one_of("status", status, SHIFT_STATUSES)
        }
        EventPayload::ShiftReviewed {
            status,
            confirmed_clock_out,
            minutes,
            ..
        } => {
            check_time("payload.confirmed_clock_out", *confirmed_clock_out)?;
            check_count("minutes", *minutes, MAX_MINUTES)?;
            check_one_of("status", status, &["approved", "declined"])
        }
        EventPayload::ShiftCorrected {
            volunteer_id_number,
            corrected_minutes,
            ..
        } => {
            check_count("corrected_minutes", *corrected_minutes, MAX_MINUTES)?;
            check_id("volunteer_id_number", volunteer_id_number)
        }
        EventPayload::FilingChanged { status, .. } => {
            check_one_of("status", status, FILING_STATUSES)
        }
        EventPayload::LedgerRecorded {
            month,
            revenue_fen,
            cost_fen,
            ..
        } => {
            linli_core::sync::parse_month(month).map_err(|mut e| {
                e.field = "payload.month".into();
                e
            })?;
            // A month's takings and costs of a small stall: never negative, and far
            // below what would overflow the district's sums of them.
            for (field, amount) in [
                ("payload.revenue_fen", revenue_fen),
                ("payload.cost_fen", cost_fen),
            ] {
                if !(0..=MAX_LEDGER_FEN).contains(amount) {
                    return Err(invalid(
                        field,
                        "out_of_range",
                        format!("金额{amount}分不在0至{MAX_LEDGER_FEN}分之间"),
                        format!(
                            "the amount {amount} fen is not between 0 and {MAX_LEDGER_FEN} fen"
                        ),
                    ));
                }
            }
            Ok(())
        }
        EventPayload::RatingSubmitted { level, .. } => {
            if (1..=5).contains(level) {
                Ok(())
            } else {
                Err(invalid(
                    "payload.level",
                    "out_of_range",
                    format!("评价等级{level}无效，应为1至5"),
                    format!("rating level {level} is not 1 to 5"),
                ))
            }
        }
        EventPayload::FollowUpChanged { status, due, .. } => {
            check_date("payload.due", *due)?;
            check_one_of("status", status, &["open", "closed"])
        }
        EventPayload::SeatsReleased {
            count,
            released_total,
            ..
        } => {
            check_count("count", *count, i32::MAX as u32)?;
            check_count("released_total", *released_total, i32::MAX as u32)
        }
        EventPayload::VolunteerRegistered {
            volunteer_id_number,
            ..
        } => check_id("volunteer_id_number", volunteer_id_number),
        EventPayload::StaffChanged { .. } => crate::staff::check_event(&event.payload),
        EventPayload::PaymentRecorded {
            resident_id_number,
            period,
            kind,
            amount_fen,
            method,
            reference,
            reason,
            refunds,
            ..
        } => check_payment(
            resident_id_number,
            period,
            kind,
            *amount_fen,
            method,
            reference.as_deref(),
            reason.as_deref(),
            refunds.as_deref(),
        ),
        EventPayload::DayCareRecorded {
            session_date,
            resident_id_number,
            picked_up_at,
            dropped_off_at,
            ..
        } => {
            check_date("payload.session_date", *session_date)?;
            check_time("payload.picked_up_at", *picked_up_at)?;
            check_time("payload.dropped_off_at", *dropped_off_at)?;
            check_id("resident_id_number", resident_id_number)?;
            match (picked_up_at, dropped_off_at) {
                (None, Some(_)) => Err(invalid(
                    "payload.dropped_off_at",
                    "not_picked_up",
                    "有送达时间却没有接上车时间".into(),
                    "a drop-off time without a pick-up time".into(),
                )),
                (Some(picked), Some(dropped)) if dropped < picked => Err(invalid(
                    "payload.dropped_off_at",
                    "before_pick_up",
                    "送达时间早于接上车时间".into(),
                    "the drop-off is before the pick-up".into(),
                )),
                _ => Ok(()),
            }
        }
        EventPayload::AbsenceReported {
            resident_id_number,
            date,
            part,
            reason,
            ..
        } => {
            check_date("payload.date", *date)?;
            check_id("resident_id_number", resident_id_number)?;
            check_one_of("part", part, ABSENCE_PARTS)?;
            check_one_of("reason", reason, ABSENCE_REASONS)
        }
        EventPayload::CardChanged {
            resident_id_number, ..
        } => check_id("resident_id_number", resident_id_number),
        EventPayload::HouseholdMovedAway { moved_away_on, .. } => {
            check_date("payload.moved_away_on", *moved_away_on)
        }
        EventPayload::HouseholdsMerged { people, .. } => people.iter().try_for_each(|person| {
            check_id("people.absorbed", &person.absorbed)?;
            check_id("people.survivor", &person.survivor)
        }),
        EventPayload::MealCountRecorded { date, .. } => check_date("payload.date", *date),
        EventPayload::DayCareClosed { session_date, .. } => {
            check_date("payload.session_date", *session_date)
        }
        EventPayload::PickupListChanged { authorisation } => {
            check_id("authorisation.child", &authorisation.child)?;
            authorisation.adults.iter().try_for_each(|adult| {
                adult
                    .id_number
                    .as_deref()
                    .map_or(Ok(()), |id| check_id("authorisation.adults.id_number", id))?;
                adult.valid_from.map_or(Ok(()), |d| {
                    check_date("payload.authorisation.adults.valid_from", d)
                })?;
                adult.valid_until.map_or(Ok(()), |d| {
                    check_date("payload.authorisation.adults.valid_until", d)
                })
            })
        }
    }
}

/// A payment or refund as core's fee rules make them (`linli_core::fees`): a positive
/// amount within one payment's limit, a reference exactly for transfers, and a refund
/// naming its payment and its reason. The district does not second-guess what was due:
/// the device decided that on the fee and tags of the day.
#[allow(clippy::too_many_arguments)]
fn check_payment(
    resident_id_number: &str,
    period: &str,
    kind: &str,
    amount_fen: i64,
    method: &str,
    reference: Option<&str>,
    reason: Option<&str>,
    refunds: Option<&str>,
) -> Result<(), FieldError> {
    use linli_core::fees::{check_reference, PaymentMethod, MAX_PAYMENT_FEN};
    check_id("resident_id_number", resident_id_number)?;
    check_one_of("kind", kind, &["payment", "refund"])?;
    check_one_of("method", method, &["cash", "reference"])?;
    let is_period = period == "term"
        || NaiveDate::parse_from_str(period, "%Y-%m-%d").is_ok()
        || linli_core::sync::parse_month(period).is_ok();
    if !is_period {
        return Err(invalid(
            "payload.period",
            "invalid_period",
            format!("收费期间“{period}”应为term、YYYY-MM或YYYY-MM-DD"),
            format!("the fee period \"{period}\" must be term, YYYY-MM or YYYY-MM-DD"),
        ));
    }
    if !(1..=MAX_PAYMENT_FEN).contains(&amount_fen) {
        return Err(invalid(
            "payload.amount_fen",
            "out_of_range",
            format!("金额{amount_fen}分不在1至{MAX_PAYMENT_FEN}分之间"),
            format!("the amount {amount_fen} fen is not between 1 and {MAX_PAYMENT_FEN} fen"),
        ));
    }
    let method = PaymentMethod::parse(method).unwrap_or(PaymentMethod::Cash);
    check_reference(method, reference).map_err(|mut e| {
        e.field = "payload.reference".into();
        e
    })?;
    if kind == "refund" {
        if refunds.is_none_or(|r| r.trim().is_empty()) {
            return Err(invalid(
                "payload.refunds",
                "required",
                "退款须注明所退的收款记录".into(),
                "a refund must name the payment it returns money from".into(),
            ));
        }
        if reason.is_none_or(|r| r.trim().is_empty()) {
            return Err(invalid(
                "payload.reason",
                "required",
                "退款须写明原因".into(),
                "a refund needs a reason".into(),
            ));
        }
    } else if refunds.is_some() {
        return Err(invalid(
            "payload.refunds",
            "unexpected",
            "收款记录不能注明所退的收款".into(),
            "a payment cannot name a payment it refunds".into(),
        ));
    }
    Ok(())
}

/// What applying a batch touched, for the work done once per batch after it.
#[derive(Default, Debug)]
pub struct Touched {
    /// Households of the device's centre registered or changed: published to the
    /// centre's devices.
    pub households: BTreeSet<String>,
    /// Staff accounts of the device's centre changed: published to its devices.
    pub staff: BTreeSet<String>,
    /// Children of the device's centre whose pickup list changed: published to its
    /// devices.
    pub pickup_lists: BTreeSet<String>,
    /// Cards of the device's centre issued or revoked: published to its devices.
    pub cards: BTreeSet<String>,
    /// Merges at the device's centre (kept, removed, people): published to its devices
    /// after the households, so the survivors are there when the merge arrives.
    pub merges: Vec<(String, String, Vec<linli_core::outbox::MergedPerson>)>,
    /// Roll call, the bulk of a centre's day, merged per child and session in the
    /// order sent and written with one statement ([`attendance_write`]).
    pub attendance: BTreeMap<(String, String, NaiveDate, String), Presence>,
}

/// One child's (or elder's) session as a batch left it: the last arrival and the last
/// departure it carried, each only if it carried one.
#[derive(Default, Debug, Clone)]
pub struct Presence {
    pub checked_in_at: Option<NaiveDateTime>,
    pub checked_out: Option<(NaiveDateTime, Option<String>, bool)>,
}

/// The batch's attendance in one upsert. Applying the events one by one would leave
/// exactly this: an arrival sets the arrival, a departure the departure with who
/// collected the child, and what a batch does not carry stays as it was. Attendance
/// rows touch no other table, so where in the transaction this runs does not matter.
pub fn attendance_write(touched: &Touched) -> Option<Write> {
    if touched.attendance.is_empty() {
        return None;
    }
    let rows = touched.attendance.len();
    let mut centres = Vec::with_capacity(rows);
    let mut programmes = Vec::with_capacity(rows);
    let mut dates = Vec::with_capacity(rows);
    let mut residents = Vec::with_capacity(rows);
    let mut arrivals = Vec::with_capacity(rows);
    let mut departures = Vec::with_capacity(rows);
    let mut collectors = Vec::with_capacity(rows);
    let mut alone = Vec::with_capacity(rows);
    for ((centre, programme, date, resident), presence) in &touched.attendance {
        centres.push(centre.clone());
        programmes.push(programme.clone());
        dates.push(*date);
        residents.push(resident.clone());
        arrivals.push(presence.checked_in_at);
        departures.push(presence.checked_out.as_ref().map(|c| c.0));
        collectors.push(presence.checked_out.as_ref().and_then(|c| c.1.clone()));
        alone.push(presence.checked_out.as_ref().is_some_and(|c| c.2));
    }
    Some(write(
        "INSERT INTO attendance (centre_code, programme_code, session_date, resident_id_number,
             checked_in_at, checked_out_at, picked_up_by, left_alone)
         SELECT * FROM unnest($1::text[], $2::text[], $3::date[], $4::text[],
             $5::timestamp[], $6::timestamp[], $7::text[], $8::bool[])
         ON CONFLICT (centre_code, programme_code, session_date, resident_id_number)
         DO UPDATE SET
             checked_in_at = coalesce(excluded.checked_in_at, attendance.checked_in_at),
             checked_out_at = coalesce(excluded.checked_out_at, attendance.checked_out_at),
             picked_up_by = CASE WHEN excluded.checked_out_at IS NULL THEN attendance.picked_up_by
                                 ELSE excluded.picked_up_by END,
             left_alone = CASE WHEN excluded.checked_out_at IS NULL THEN attendance.left_alone
                               ELSE excluded.left_alone END",
        vec![
            b(centres),
            b(programmes),
            b(dates),
            b(residents),
            b(arrivals),
            b(departures),
            b(collectors),
            b(alone),
        ],
    ))
}

type Param = Box<dyn ToSql + Sync + Send>;

/// One statement an event applies, with its parameters.
pub struct Write {
    pub sql: &'static str,
    pub params: Vec<Param>,
}

impl Write {
    /// The parameters as tokio-postgres takes them.
    pub fn params(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.params
            .iter()
            .map(|p| p.as_ref() as &(dyn ToSql + Sync))
            .collect()
    }
}

fn write(sql: &'static str, params: Vec<Param>) -> Write {
    Write { sql, params }
}

fn b<T: ToSql + Sync + Send + 'static>(value: T) -> Param {
    Box::new(value)
}

/// The statements that apply one checked event, in order.
pub fn writes(event: &OutboxEvent, device_id: Uuid, touched: &mut Touched) -> Vec<Write> {
    let centre = event.centre_code.clone();
    let at: NaiveDateTime = event.occurred_at;
    match event.payload.clone() {
        EventPayload::HouseholdRegistered {
            household_code,
            address,
            community_code,
        } => {
            touched.households.insert(household_code.clone());
            // Keyed by the device's centre: a device registers and changes only its
            // own centre's households (invariant 10).
            vec![write(
                "INSERT INTO households (code, address, community_code, centre_code, registered_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $5)
                 ON CONFLICT (centre_code, code) DO UPDATE SET address = excluded.address,
                     community_code = excluded.community_code, updated_at = excluded.updated_at",
                vec![b(household_code), b(address), b(community_code), b(centre), b(at)],
            )]
        }
        EventPayload::ResidentRegistered {
            household_code,
            id_number,
            name,
            phone,
            tags,
        } => {
            touched.households.insert(household_code.clone());
            vec![write(
                "INSERT INTO residents (id_number, household_code, name, phone, tags, centre_code, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (id_number) DO UPDATE SET household_code = excluded.household_code,
                     name = excluded.name, phone = excluded.phone, tags = excluded.tags,
                     updated_at = excluded.updated_at
                 WHERE residents.centre_code = excluded.centre_code",
                vec![b(id_number), b(household_code), b(name), b(phone), b(tags), b(centre), b(at)],
            )]
        }
        EventPayload::EnrolmentChanged {
            enrolment_id,
            programme_code,
            resident_id_number,
            status,
            priority_sort_key,
            offer_deadline,
            reason,
        } => {
            vec![write(
                "INSERT INTO enrolments (centre_code, id, device_id, programme_code, resident_id_number,
                     status, sort_key, offer_deadline, reason, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
                 ON CONFLICT (centre_code, id) DO UPDATE SET status = excluded.status,
                     offer_deadline = excluded.offer_deadline, reason = excluded.reason,
                     updated_at = excluded.updated_at,
                     offer_pending = enrolments.offer_pending AND excluded.status = 'waitlisted'",
                vec![
                    b(centre),
                    b(enrolment_id),
                    b(device_id),
                    b(programme_code),
                    b(resident_id_number),
                    b(status),
                    b(priority_sort_key),
                    b(offer_deadline),
                    b(reason),
                    b(at),
                ],
            )]
        }
        EventPayload::AttendanceRecorded {
            programme_code,
            session_date,
            resident_id_number,
            kind,
            at: when,
            picked_up_by,
            left_alone,
        } => {
            let presence = touched
                .attendance
                .entry((centre, programme_code, session_date, resident_id_number))
                .or_default();
            match kind {
                AttendanceEventKind::CheckIn => presence.checked_in_at = Some(when),
                AttendanceEventKind::CheckOut => {
                    presence.checked_out = Some((when, picked_up_by, left_alone))
                }
            }
            Vec::new()
        }
        EventPayload::ShiftRecorded {
            shift_id,
            volunteer_id_number,
            activity,
            clock_in,
            clock_out,
            minutes,
            status,
        } => vec![write(
            "INSERT INTO shifts (centre_code, id, volunteer_id_number, activity, clock_in, clock_out, minutes, status)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (centre_code, id) DO UPDATE SET clock_out = excluded.clock_out,
                 minutes = excluded.minutes, status = excluded.status",
            vec![
                b(centre),
                b(shift_id),
                b(volunteer_id_number),
                b(activity),
                b(clock_in),
                b(clock_out),
                b(minutes as i32),
                b(status),
            ],
        )],
        EventPayload::ShiftReviewed {
            shift_id,
            status,
            reviewer,
            note,
            confirmed_clock_out,
            minutes,
        } => vec![write(
            "UPDATE shifts SET status = $3, reviewer = $4, review_note = $5,
                 clock_out = coalesce($6, clock_out),
                 minutes = CASE WHEN $7 > 0 THEN $7 ELSE minutes END
             WHERE centre_code = $1 AND id = $2",
            vec![
                b(centre),
                b(shift_id),
                b(status),
                b(reviewer),
                b(note),
                b(confirmed_clock_out),
                b(minutes as i32),
            ],
        )],
        EventPayload::ShiftCorrected {
            correction_id,
            shift_id,
            corrected_minutes,
            reason,
            by,
            ..
        } => vec![write(
            "INSERT INTO shift_corrections (centre_code, id, shift_id, corrected_minutes, reason, by_staff, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
            vec![
                b(centre),
                b(correction_id),
                b(shift_id),
                b(corrected_minutes as i32),
                b(reason),
                b(by),
                b(at),
            ],
        )],
        EventPayload::FilingChanged {
            business_code,
            status,
            filing_number,
            by,
        } => vec![write(
            "INSERT INTO filings (centre_code, business_code, status, filing_number, by_staff, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (centre_code, business_code) DO UPDATE SET status = excluded.status,
                 filing_number = coalesce(excluded.filing_number, filings.filing_number),
                 by_staff = excluded.by_staff, updated_at = excluded.updated_at",
            vec![b(centre), b(business_code), b(status), b(filing_number), b(by), b(at)],
        )],
        EventPayload::AbsenceReported {
            programme_code,
            resident_id_number,
            date,
            part,
            reason,
            withdrawn,
        } => vec![write(
            // Events of one device arrive in order, but a report and its withdrawal
            // may come from two devices of the centre: the newer one wins.
            "INSERT INTO absences (centre_code, programme_code, resident_id_number, absence_date,
                 part, reason, withdrawn, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (centre_code, programme_code, resident_id_number, absence_date, part)
             DO UPDATE SET reason = excluded.reason, withdrawn = excluded.withdrawn,
                 updated_at = excluded.updated_at
             WHERE absences.updated_at <= excluded.updated_at",
            vec![
                b(centre),
                b(programme_code),
                b(resident_id_number),
                b(date),
                b(part),
                b(reason),
                b(withdrawn),
                b(at),
            ],
        )],
        EventPayload::PickupListChanged { authorisation } => {
            touched.pickup_lists.insert(authorisation.child.clone());
            let body = serde_json::to_value(&authorisation).expect("a pickup list serialises");
            // Two desks of a centre may change one list: the newer one wins.
            vec![write(
                "INSERT INTO pickup_lists (centre_code, child_id_number, body, changed_at)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (centre_code, child_id_number) DO UPDATE SET body = excluded.body,
                     changed_at = excluded.changed_at
                 WHERE pickup_lists.changed_at <= excluded.changed_at",
                vec![b(centre), b(authorisation.child), b(body), b(at)],
            )]
        }
        EventPayload::CardChanged {
            card,
            resident_id_number,
            revoked,
        } => {
            touched.cards.insert(card.clone());
            // Two desks may change one card: the newer one wins.
            vec![write(
                "INSERT INTO resident_cards (centre_code, card, resident_id_number, revoked, changed_at)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (centre_code, card) DO UPDATE SET
                     resident_id_number = excluded.resident_id_number,
                     revoked = excluded.revoked, changed_at = excluded.changed_at
                 WHERE resident_cards.changed_at <= excluded.changed_at",
                vec![b(centre), b(card), b(resident_id_number), b(revoked), b(at)],
            )]
        }
        EventPayload::HouseholdMovedAway {
            household_code,
            moved_away_on,
            reason,
        } => {
            touched.households.insert(household_code.clone());
            vec![write(
                "UPDATE households SET moved_away_on = $3, moved_away_reason = $4, updated_at = $5
                 WHERE centre_code = $1 AND code = $2",
                vec![b(centre), b(household_code), b(moved_away_on), b(reason), b(at)],
            )]
        }
        EventPayload::HouseholdsMerged {
            kept_household,
            removed_household,
            people,
        } => {
            touched.households.insert(kept_household.clone());
            let writes = merge_writes(&centre, &kept_household, &removed_household, &people, at);
            touched.merges.push((kept_household, removed_household, people));
            writes
        }
        EventPayload::MealCountRecorded {
            programme_code,
            date,
            served,
            expected,
            above_attendance,
        } => vec![write(
            // A count put right at another desk: the newer one wins.
            "INSERT INTO meal_counts (centre_code, programme_code, meal_date, served, expected,
                 above_attendance, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (centre_code, programme_code, meal_date) DO UPDATE SET
                 served = excluded.served, expected = excluded.expected,
                 above_attendance = excluded.above_attendance, updated_at = excluded.updated_at
             WHERE meal_counts.updated_at <= excluded.updated_at",
            vec![
                b(centre),
                b(programme_code),
                b(date),
                b(served as i32),
                b(expected as i32),
                b(above_attendance),
                b(at),
            ],
        )],
        EventPayload::DayCareClosed {
            programme_code,
            session_date,
            closed_by,
            reason,
            open_transport,
        } => vec![write(
            // A closed day is final: a second closing (another desk's) changes nothing.
            "INSERT INTO day_care_closings (centre_code, programme_code, session_date, closed_by,
                 reason, open_transport, closed_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (centre_code, programme_code, session_date) DO NOTHING",
            vec![
                b(centre),
                b(programme_code),
                b(session_date),
                b(closed_by),
                b(reason),
                b(open_transport as i32),
                b(at),
            ],
        )],
        EventPayload::LedgerRecorded {
            business_code,
            month,
            revenue_fen,
            cost_fen,
        } => vec![write(
            "INSERT INTO ledgers (centre_code, business_code, month, revenue_fen, cost_fen)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (centre_code, business_code, month) DO UPDATE SET
                 revenue_fen = excluded.revenue_fen, cost_fen = excluded.cost_fen",
            vec![b(centre), b(business_code), b(month), b(revenue_fen), b(cost_fen)],
        )],
        EventPayload::RatingSubmitted {
            rating_id,
            service_ref,
            programme_code,
            level,
            reason_tags,
        } => vec![write(
            "INSERT INTO ratings (centre_code, id, service_ref, programme_code, level, reason_tags, rated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
            vec![
                b(centre),
                b(rating_id),
                b(service_ref),
                b(programme_code),
                b(i16::from(level)),
                b(reason_tags),
                b(at),
            ],
        )],
        EventPayload::FollowUpChanged {
            rating_id,
            status,
            due,
            by,
            note,
        } => vec![write(
            "INSERT INTO follow_ups (centre_code, rating_id, status, due, by_staff, note, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (centre_code, rating_id) DO UPDATE SET status = excluded.status,
                 due = excluded.due, by_staff = excluded.by_staff, note = excluded.note,
                 updated_at = excluded.updated_at",
            vec![b(centre), b(rating_id), b(status), b(due), b(by), b(note), b(at)],
        )],
        EventPayload::SeatsReleased {
            programme_code,
            released_total,
            ..
        } => {
            // The running total, not the count: a release the district already has
            // changes nothing, and a total can never exceed what was granted.
            vec![write(
                "UPDATE seat_grants SET released = LEAST(GREATEST(released, $4), granted + offer_seats)
                 WHERE centre_code = $1 AND programme_code = $2 AND device_id = $3",
                vec![b(centre), b(programme_code), b(device_id), b(released_total as i32)],
            )]
        }
        EventPayload::VolunteerRegistered {
            volunteer_id_number,
            skills,
        } => vec![write(
            "INSERT INTO volunteers (centre_code, id_number, skills, registered_at)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (centre_code, id_number) DO UPDATE SET skills = excluded.skills",
            vec![b(centre), b(volunteer_id_number), b(skills), b(at)],
        )],
        EventPayload::StaffChanged {
            code,
            name,
            roles,
            pin_hash,
            must_change_pin,
            disabled,
            changed_by,
        } => {
            touched.staff.insert(code.clone());
            // The newest version wins, however late an older one arrives.
            vec![write(
                "INSERT INTO staff_accounts (centre_code, code, name, roles, pin_hash, must_change_pin,
                     disabled, changed_at, changed_by, device_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                 ON CONFLICT (centre_code, code) DO UPDATE SET name = excluded.name,
                     roles = excluded.roles, pin_hash = excluded.pin_hash,
                     must_change_pin = excluded.must_change_pin, disabled = excluded.disabled,
                     changed_at = excluded.changed_at, changed_by = excluded.changed_by,
                     device_id = excluded.device_id
                 WHERE staff_accounts.changed_at < excluded.changed_at",
                vec![
                    b(centre),
                    b(code),
                    b(name.trim().to_string()),
                    b(roles),
                    b(pin_hash),
                    b(must_change_pin),
                    b(disabled),
                    b(at),
                    b(changed_by),
                    b(device_id),
                ],
            )]
        }
        EventPayload::PaymentRecorded {
            payment_id,
            programme_code,
            resident_id_number,
            period,
            kind,
            amount_fen,
            method,
            reference,
            reason,
            refunds,
            staff,
        } => vec![write(
            "INSERT INTO payments (centre_code, id, device_id, resident_id_number, programme_code,
                 period, kind, amount_fen, method, reference, reason, refunds, staff, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
             ON CONFLICT DO NOTHING",
            vec![
                b(centre),
                b(payment_id),
                b(device_id),
                b(resident_id_number),
                b(programme_code),
                b(period),
                b(kind),
                b(amount_fen),
                b(method),
                b(reference),
                b(reason),
                b(refunds),
                b(staff),
                b(at),
            ],
        )],
        EventPayload::DayCareRecorded {
            programme_code,
            session_date,
            resident_id_number,
            breakfast,
            lunch,
            transport,
            picked_up_at,
            dropped_off_at,
            absence_reason,
        } => vec![write(
            "INSERT INTO day_care_days (centre_code, programme_code, session_date, resident_id_number,
                 breakfast, lunch, transport, picked_up_at, dropped_off_at, absence_reason, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
             ON CONFLICT (centre_code, programme_code, session_date, resident_id_number) DO UPDATE SET
                 breakfast = excluded.breakfast, lunch = excluded.lunch, transport = excluded.transport,
                 picked_up_at = excluded.picked_up_at, dropped_off_at = excluded.dropped_off_at,
                 absence_reason = excluded.absence_reason, updated_at = excluded.updated_at
             WHERE day_care_days.updated_at <= excluded.updated_at",
            vec![
                b(centre),
                b(programme_code),
                b(session_date),
                b(resident_id_number),
                b(breakfast),
                b(lunch),
                b(transport),
                b(picked_up_at),
                b(dropped_off_at),
                b(absence_reason),
                b(at),
            ],
        )],
    }
}

/// A merge as the district applies it, for each person registered twice: the record
/// of the merge first (append-only, so "where did this number go" always has an
/// answer), then the centre's records of the absorbed number moved to its survivor,
/// then the absorbed number out of the registry, and the removed household once
/// nobody is left in it. A record the survivor already has for the same key (one
/// attendance per session, one volunteer row) stays under the absorbed number rather
/// than be overwritten: the device refused such merges, so it is only ever an old
/// device's leftover. Payments are never rewritten (append-only); the merge record
/// says whose they are now.
fn merge_writes(
    centre: &str,
    kept: &str,
    removed: &str,
    people: &[linli_core::outbox::MergedPerson],
    at: NaiveDateTime,
) -> Vec<Write> {
    // $1 the centre, $2 the absorbed number, $3 its survivor.
    const MOVED: [&str; 8] = [
        "UPDATE enrolments SET resident_id_number = $3 WHERE centre_code = $1 AND resident_id_number = $2",
        "UPDATE shifts SET volunteer_id_number = $3 WHERE centre_code = $1 AND volunteer_id_number = $2",
        "UPDATE resident_cards SET resident_id_number = $3 WHERE centre_code = $1 AND resident_id_number = $2",
        "UPDATE attendance t SET resident_id_number = $3 WHERE t.centre_code = $1 AND t.resident_id_number = $2
         AND NOT EXISTS (SELECT 1 FROM attendance o WHERE o.centre_code = $1 AND o.resident_id_number = $3
                         AND o.programme_code = t.programme_code AND o.session_date = t.session_date)",
        "UPDATE day_care_days t SET resident_id_number = $3 WHERE t.centre_code = $1 AND t.resident_id_number = $2
         AND NOT EXISTS (SELECT 1 FROM day_care_days o WHERE o.centre_code = $1 AND o.resident_id_number = $3
                         AND o.programme_code = t.programme_code AND o.session_date = t.session_date)",
        "UPDATE absences t SET resident_id_number = $3 WHERE t.centre_code = $1 AND t.resident_id_number = $2
         AND NOT EXISTS (SELECT 1 FROM absences o WHERE o.centre_code = $1 AND o.resident_id_number = $3
                         AND o.programme_code = t.programme_code AND o.absence_date = t.absence_date
                         AND o.part = t.part)",
        "UPDATE volunteers t SET id_number = $3 WHERE t.centre_code = $1 AND t.id_number = $2
         AND NOT EXISTS (SELECT 1 FROM volunteers o WHERE o.centre_code = $1 AND o.id_number = $3)",
        "UPDATE pickup_lists t SET child_id_number = $3 WHERE t.centre_code = $1 AND t.child_id_number = $2
         AND NOT EXISTS (SELECT 1 FROM pickup_lists o WHERE o.centre_code = $1 AND o.child_id_number = $3)",
    ];
    let mut writes = Vec::new();
    for person in people {
        writes.push(write(
            "INSERT INTO resident_merges (centre_code, absorbed, survivor, kept_household, removed_household, merged_at)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            vec![
                b(centre.to_string()),
                b(person.absorbed.clone()),
                b(person.survivor.clone()),
                b(kept.to_string()),
                b(removed.to_string()),
                b(at),
            ],
        ));
        for sql in MOVED {
            writes.push(write(
                sql,
                vec![
                    b(centre.to_string()),
                    b(person.absorbed.clone()),
                    b(person.survivor.clone()),
                ],
            ));
        }
        writes.push(write(
            "DELETE FROM residents WHERE centre_code = $1 AND id_number = $2",
            vec![b(centre.to_string()), b(person.absorbed.clone())],
        ));
    }
    writes.push(write(
        "DELETE FROM households h WHERE h.centre_code = $1 AND h.code = $2
         AND NOT EXISTS (SELECT 1 FROM residents r WHERE r.centre_code = $1 AND r.household_code = $2)",
        vec![b(centre.to_string()), b(removed.to_string())],
    ));
    writes
}
