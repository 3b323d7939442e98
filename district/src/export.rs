//! `linli-district admin export …`: what the centres recorded, as JSON (an array of
//! objects) or CSV, with the kiosk's keys (`linli export`) so one spreadsheet reads
//! both; the district adds `centre_code` because it holds every centre.
//!
//! ID numbers and phones are masked as the kiosk masks them (invariant 6) unless
//! `--unmasked` is given, and every export, masked or not, is written to
//! `exports_log` with who asked before the data is handed out: an auditor can always
//! answer "who took this list?".

use chrono::NaiveDate;
use deadpool_postgres::Pool;
use linli_core::identity::{mask_id_number, mask_phone, IdNumber, Sex};
use linli_core::FieldError;
use serde_json::{json, Value};

use crate::admin::AdminError;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportKind {
    Enrolments,
    Attendance,
    VolunteerHours,
    Filings,
    Ratings,
    Households,
    /// The national volunteer record (《志愿服务记录与证明出具办法》): person and service.
    VolunteerRecords,
}

impl ExportKind {
    /// The name as typed on the command line, which is also what the log records.
    pub fn name(self) -> &'static str {
        match self {
            ExportKind::Enrolments => "enrolments",
            ExportKind::Attendance => "attendance",
            ExportKind::VolunteerHours => "volunteer-hours",
            ExportKind::Filings => "filings",
            ExportKind::Ratings => "ratings",
            ExportKind::Households => "households",
            ExportKind::VolunteerRecords => "volunteer-records",
        }
    }
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Csv => "csv",
        }
    }
}

/// One export as district staff asked for it.
#[derive(Clone, Debug)]
pub struct ExportRequest<'a> {
    pub kind: ExportKind,
    pub format: Format,
    pub centre: Option<&'a str>,
    /// `YYYY-MM-DD`, inclusive, on each record's own date (sign-up, session, shift…).
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
    pub unmasked: bool,
    /// Who is exporting, for the log; required for full ID numbers and phones.
    pub by: Option<&'a str>,
}

pub use linli_core::table::Table;

/// The JSON array, or the CSV text as one string (printed as it is).
pub fn render(table: &Table, format: Format) -> Value {
    match format {
        Format::Json => table.to_json(),
        Format::Csv => Value::String(table.to_csv()),
    }
}

/// How personal columns leave the district.
#[derive(Clone, Copy)]
enum Personal {
    IdNumber,
    Phone,
}

fn refuse(field: &str, code: &str, zh: String, en: String) -> AdminError {
    AdminError::Refused(FieldError::new(field, code, zh, en))
}

pub(crate) fn parse_date(field: &str, text: Option<&str>) -> Result<Option<NaiveDate>, AdminError> {
    let Some(text) = text else { return Ok(None) };
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map(Some)
        .map_err(|_| {
            refuse(
                field,
                "invalid_date",
                format!("日期“{text}”格式不对，应为YYYY-MM-DD"),
                format!("date \"{text}\" is not YYYY-MM-DD"),
            )
        })
}

/// Refuses a centre the district does not know, so a typo gives an error instead of
/// an empty (and misleading) export or report.
pub(crate) async fn check_centre(pool: &Pool, centre: Option<&str>) -> Result<(), AdminError> {
    let Some(code) = centre else { return Ok(()) };
    let client = pool.get().await?;
    if client
        .query_opt("SELECT 1 FROM centres WHERE code = $1", &[&code])
        .await?
        .is_none()
    {
        return Err(refuse(
            "centre",
            "not_found",
            format!("没有中心“{code}”"),
            format!("there is no centre \"{code}\""),
        ));
    }
    Ok(())
}

/// A device-reported timestamp in the kiosk's text form (second precision, no zone).
fn ts(column: &str) -> String {
    format!("to_char({column}, 'YYYY-MM-DD\"T\"HH24:MI:SS')")
}

/// The minutes a shift counts for: the latest correction replaces what was clocked,
/// because an approved shift is never edited, only corrected by a new record.
const CORRECTED_MINUTES: &str = "LEFT JOIN LATERAL (
        SELECT sc.corrected_minutes FROM shift_corrections sc
        WHERE sc.centre_code = s.centre_code AND sc.shift_id = s.id
        ORDER BY sc.recorded_at DESC, sc.id DESC LIMIT 1
    ) k ON true";

/// The query of one kind: its SQL (one `json_build_array` column, with $1 centre,
/// $2 from, $3 to), its keys, and which of them are personal.
fn query_for(kind: ExportKind) -> (String, Vec<&'static str>, Vec<(&'static str, Personal)>) {
    let id = Personal::IdNumber;
    let phone = Personal::Phone;
    let range = |date: &str, centre: &str| {
        format!(
            "($1::text IS NULL OR {centre} = $1)
             AND ($2::date IS NULL OR {date} >= $2) AND ($3::date IS NULL OR {date} <= $3)"
        )
    };
    match kind {
        ExportKind::Households => (
            format!(
                "SELECT json_build_array(h.centre_code, h.code, h.address, r.name, r.id_number, r.phone,
                        r.tags, h.community_code)
                 FROM households h
                 LEFT JOIN residents r ON r.centre_code = h.centre_code AND r.household_code = h.code
                 WHERE {}
                 ORDER BY h.centre_code, h.code, r.id_number",
                range("h.registered_at::date", "h.centre_code")
            ),
            vec!["centre_code", "household_code", "address", "name", "id_number", "phone", "tags", "community_code"],
            vec![("id_number", id), ("phone", phone)],
        ),
        ExportKind::Enrolments => (
            format!(
                "SELECT json_build_array(e.centre_code, e.id, e.programme_code, r.name, e.resident_id_number,
                        e.status,
                        CASE WHEN e.status = 'waitlisted' THEN
                            (SELECT count(*) FROM enrolments w WHERE w.centre_code = e.centre_code
                               AND w.programme_code = e.programme_code AND w.status = 'waitlisted'
                               AND w.sort_key <= e.sort_key) END,
                        {}, e.reason, {}, {})
                 FROM enrolments e LEFT JOIN residents r ON r.id_number = e.resident_id_number
                 WHERE {}
                 ORDER BY e.centre_code, e.programme_code, e.status, e.sort_key",
                ts("e.offer_deadline"),
                ts("e.created_at"),
                ts("e.updated_at"),
                range("e.created_at::date", "e.centre_code")
            ),
            vec![
                "centre_code", "id", "code", "name", "id_number", "status", "position", "offer_deadline",
                "reason", "created_at", "updated_at",
            ],
            vec![("id_number", id)],
        ),
        ExportKind::Attendance => (
            format!(
                "SELECT json_build_array(a.centre_code, a.programme_code, a.session_date, r.name,
                        a.resident_id_number, {}, {}, a.picked_up_by)
                 FROM attendance a LEFT JOIN residents r ON r.id_number = a.resident_id_number
                 WHERE {}
                 ORDER BY a.centre_code, a.session_date, a.programme_code, a.resident_id_number",
                ts("a.checked_in_at"),
                ts("a.checked_out_at"),
                range("a.session_date", "a.centre_code")
            ),
            vec![
                "centre_code", "code", "session_date", "name", "id_number", "checked_in_at",
                "checked_out_at", "picked_up_by",
            ],
            vec![("id_number", id)],
        ),
        ExportKind::VolunteerHours => (
            format!(
                "SELECT json_build_array(s.centre_code, s.id, r.name, s.volunteer_id_number, s.activity,
                        {}, {}, s.minutes, round(s.minutes / 60.0, 2), s.status, s.reviewer, s.review_note,
                        k.corrected_minutes)
                 FROM shifts s LEFT JOIN residents r ON r.id_number = s.volunteer_id_number
                 {CORRECTED_MINUTES}
                 WHERE {}
                 ORDER BY s.centre_code, s.clock_in, s.id",
                ts("s.clock_in"),
                ts("s.clock_out"),
                range("s.clock_in::date", "s.centre_code")
            ),
            vec![
                "centre_code", "shift_id", "name", "id_number", "activity", "clock_in", "clock_out",
                "minutes", "hours", "status", "reviewer", "review_note", "corrected_minutes",
            ],
            vec![("id_number", id)],
        ),
        // The district hears of a business only through its filing and ledger events,
        // which carry no name or category: those keys stay for the kiosk's layout, empty.
        ExportKind::Filings => (
            format!(
                "SELECT json_build_array(f.centre_code, f.business_code, NULL, NULL, f.status, f.filing_number,
                        count(l.month), coalesce(sum(l.revenue_fen), 0), coalesce(sum(l.cost_fen), 0),
                        coalesce(sum(l.revenue_fen - l.cost_fen), 0), f.by_staff, {})
                 FROM filings f LEFT JOIN ledgers l
                     ON l.centre_code = f.centre_code AND l.business_code = f.business_code
                 WHERE {}
                 GROUP BY f.centre_code, f.business_code
                 ORDER BY f.centre_code, f.business_code",
                ts("f.updated_at"),
                range("f.updated_at::date", "f.centre_code")
            ),
            vec![
                "centre_code", "code", "name", "category", "status", "filing_number", "ledger_months",
                "revenue_fen", "cost_fen", "public_service_fund_fen", "by_staff", "updated_at",
            ],
            vec![],
        ),
        ExportKind::Ratings => (
            format!(
                "SELECT json_build_array(r.centre_code, r.id, r.service_ref, r.programme_code, r.level,
                        r.reason_tags, {}, f.status, f.due)
                 FROM ratings r LEFT JOIN follow_ups f ON f.centre_code = r.centre_code AND f.rating_id = r.id
                 WHERE {}
                 ORDER BY r.centre_code, r.rated_at, r.id",
                ts("r.rated_at"),
                range("r.rated_at::date", "r.centre_code")
            ),
            vec![
                "centre_code", "id", "service_ref", "code", "level", "reason_tags", "rated_at",
                "follow_up_status", "follow_up_due",
            ],
            vec![],
        ),
        ExportKind::VolunteerRecords => (
            // Only approved shifts: a pending or declined one is not service on record.
            format!(
                "SELECT json_build_array(s.centre_code, r.name, s.volunteer_id_number,
                        CASE WHEN c.community_code <> '' THEN c.community_code ELSE c.district_code END,
                        r.phone, coalesce(v.skills, '{{}}'), s.id, s.activity, s.clock_in::date,
                        c.name, coalesce(k.corrected_minutes, s.minutes), s.reviewer, {}, {})
                 FROM shifts s
                 JOIN centres c ON c.code = s.centre_code
                 LEFT JOIN residents r ON r.id_number = s.volunteer_id_number
                 LEFT JOIN volunteers v ON v.centre_code = s.centre_code AND v.id_number = s.volunteer_id_number
                 {CORRECTED_MINUTES}
                 WHERE s.status = 'approved' AND {}
                 ORDER BY s.centre_code, s.volunteer_id_number, s.clock_in, s.id",
                ts("s.clock_in"),
                ts("s.clock_out"),
                range("s.clock_in::date", "s.centre_code")
            ),
            VOLUNTEER_RECORD_COLUMNS.to_vec(),
            vec![("id_number", id), ("contact", phone)],
        ),
    }
}

/// The national record's fields (《志愿服务记录与证明出具办法》 第六条、第七条):
/// the person — name, sex, birth date, ID number, area, contact, skills, service
/// category — and the service — activity, date, place, content, hours, organiser,
/// person in charge.
const VOLUNTEER_RECORD_COLUMNS: [&str; 20] = [
    "centre_code",
    "name",
    "sex",
    "birth_date",
    "id_number",
    "area",
    "contact",
    "skills",
    "service_category",
    "record_id",
    "activity",
    "date",
    "place",
    "content",
    "minutes",
    "hours",
    "organiser",
    "person_in_charge",
    "clock_in",
    "clock_out",
];

/// Every shift here is service at a 社区服务中心, which the national system files
/// under 社区服务; a finer category would need the kiosk to record one per activity.
pub const SERVICE_CATEGORY: &str = "社区服务";

fn hours(minutes: i64) -> Value {
    json!((minutes as f64 / 60.0 * 100.0).round() / 100.0)
}

/// Spreads a volunteer-record row from the query's order into the national layout,
/// reading sex and birth date from the full ID number when the export is unmasked.
fn volunteer_record(raw: &[Value], unmasked: bool) -> Vec<Value> {
    let get = |i: usize| raw.get(i).cloned().unwrap_or(Value::Null);
    let id = get(2);
    // Sex and birth date beside a masked ID number would give most of it back
    // (invariant 6): they leave only with the full number, for filing.
    let parsed = id
        .as_str()
        .filter(|_| unmasked)
        .and_then(|text| IdNumber::parse(text, NaiveDate::MAX).ok());
    let sex = parsed.as_ref().map(|p| match p.sex() {
        Sex::Male => json!("男"),
        Sex::Female => json!("女"),
    });
    let birth = parsed
        .as_ref()
        .map(|p| json!(p.birth_date().format("%Y-%m-%d").to_string()));
    let minutes = get(10).as_i64().unwrap_or(0);
    let activity = get(7);
    let centre_name = get(9);
    vec![
        get(0),
        get(1),
        sex.unwrap_or(Value::Null),
        birth.unwrap_or(Value::Null),
        id,
        get(3),
        get(4),
        get(5),
        json!(SERVICE_CATEGORY),
        get(6),
        activity.clone(),
        get(8),
        centre_name.clone(),
        activity,
        json!(minutes),
        hours(minutes),
        centre_name,
        get(11),
        get(12),
        get(13),
    ]
}

/// Reads the records of one kind, masked unless `unmasked`.
pub async fn table(
    pool: &Pool,
    kind: ExportKind,
    centre: Option<&str>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    unmasked: bool,
) -> Result<Table, AdminError> {
    let (sql, columns, personal) = query_for(kind);
    let client = pool.get().await?;
    let rows = client.query(&sql, &[&centre, &from, &to]).await?;
    let mask_at: Vec<Option<Personal>> = columns
        .iter()
        .map(|c| {
            personal
                .iter()
                .find(|(name, _)| name == c)
                .map(|(_, kind)| *kind)
        })
        .collect();
    let rows = rows
        .iter()
        .map(|row| {
            let raw = match row.get::<_, Value>(0) {
                Value::Array(values) => values,
                _ => Vec::new(),
            };
            let values = if kind == ExportKind::VolunteerRecords {
                volunteer_record(&raw, unmasked)
            } else {
                raw
            };
            values
                .into_iter()
                .zip(&mask_at)
                .map(|(value, mask)| match (mask, &value, unmasked) {
                    (Some(Personal::IdNumber), Value::String(s), false) => json!(mask_id_number(s)),
                    (Some(Personal::Phone), Value::String(s), false) => json!(mask_phone(s)),
                    _ => value,
                })
                .collect()
        })
        .collect();
    Ok(Table { columns, rows })
}

/// `linli-district admin export …`: checks the request, reads the records, logs the
/// export, then hands the data out (a JSON array, or CSV text as one string).
pub async fn export(pool: &Pool, request: &ExportRequest<'_>) -> Result<Value, AdminError> {
    let from = parse_date("from", request.from)?;
    let to = parse_date("to", request.to)?;
    if let (Some(from), Some(to)) = (from, to) {
        if from > to {
            return Err(refuse(
                "to",
                "range",
                format!("截止日期{to}早于起始日期{from}"),
                format!("--to {to} is before --from {from}"),
            ));
        }
    }
    let by = request.by.map(str::trim).filter(|b| !b.is_empty());
    if request.unmasked && by.is_none() {
        return Err(refuse(
            "by",
            "required",
            "导出完整身份证号和手机号须用 --by 注明经办人".into(),
            "exporting full ID numbers and phones needs --by naming who is responsible".into(),
        ));
    }
    if by.is_some_and(|b| b.chars().count() > 100) {
        return Err(refuse(
            "by",
            "too_long",
            "经办人最多100个字".into(),
            "--by is at most 100 characters".into(),
        ));
    }
    check_centre(pool, request.centre).await?;
    let table = table(
        pool,
        request.kind,
        request.centre,
        from,
        to,
        request.unmasked,
    )
    .await?;
    let client = pool.get().await?;
    client
        .execute(
            "INSERT INTO exports_log (exported_by, kind, format, centre_code, from_date, to_date, unmasked, row_count)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                &by,
                &request.kind.name(),
                &request.format.name(),
                &request.centre,
                &from,
                &to,
                &request.unmasked,
                &(table.rows.len() as i32),
            ],
        )
        .await?;
    Ok(render(&table, request.format))
}
