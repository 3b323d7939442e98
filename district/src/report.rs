//! `linli-district admin report --month YYYY-MM`: per centre, per month, per
//! programme, what the district was told happened — for the district's monthly
//! return to the city and for checking a centre's figures.
//!
//! What a month counts, since the district keeps each record's latest state:
//! - enrolments: sign-ups made in the month, by their status now;
//! - attendance: person-days in the month (`attendance_days`) and the distinct days
//!   the programme ran (`session_days`);
//! - ratings: given in the month, by level, and how many of their follow-ups are
//!   still open past their due date today;
//! - volunteer hours: approved shifts that began in the month, each counted with its
//!   latest correction's minutes when it has one (the centre's, not a programme's:
//!   shifts name an activity, not a programme);
//! - filings: every business of the centre by its status now, and those whose status
//!   changed in the month;
//! - ledgers: the month's accounts; profit is revenue minus cost and goes to the
//!   public-service fund.

use std::collections::BTreeMap;

use chrono::{Months, NaiveDate};
use deadpool_postgres::Pool;
use serde_json::{json, Value};

use crate::admin::AdminError;
use crate::export::{check_centre, Format};
use linli_core::table::cell as csv_cell;

pub const ENROLMENT_STATUSES: [&str; 5] = [
    "confirmed",
    "waitlisted",
    "offered",
    "cancelled",
    "withdrawn",
];
pub const FILING_STATUSES: [&str; 6] = [
    "draft",
    "submitted",
    "filed",
    "suspended",
    "revoked",
    "closed",
];

/// Counts by a status, with every known status present (zero when none) so columns
/// line up month after month; a status the district does not know yet still shows.
fn zeroed(statuses: &[&str]) -> BTreeMap<String, i64> {
    statuses.iter().map(|s| (s.to_string(), 0)).collect()
}

#[derive(Clone, Debug, PartialEq)]
pub struct ProgrammeFigures {
    pub programme_code: String,
    pub programme_name: Option<String>,
    pub enrolments: BTreeMap<String, i64>,
    pub attendance_days: i64,
    pub session_days: i64,
    /// Ratings by level, 1 to 5.
    pub ratings: [i64; 5],
    pub follow_ups_overdue: i64,
}

impl ProgrammeFigures {
    fn new(code: &str, name: Option<String>) -> Self {
        ProgrammeFigures {
            programme_code: code.to_string(),
            programme_name: name,
            enrolments: zeroed(&ENROLMENT_STATUSES),
            attendance_days: 0,
            session_days: 0,
            ratings: [0; 5],
            follow_ups_overdue: 0,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct VolunteerFigures {
    pub shifts: i64,
    pub volunteers: i64,
    pub minutes: i64,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct LedgerFigures {
    pub businesses: i64,
    pub revenue_fen: i64,
    pub cost_fen: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CentreFigures {
    pub centre_code: String,
    pub centre_name: String,
    pub district_code: String,
    pub community_code: String,
    pub programmes: Vec<ProgrammeFigures>,
    pub volunteer_hours: VolunteerFigures,
    pub filings: BTreeMap<String, i64>,
    pub filings_changed: BTreeMap<String, i64>,
    pub ledgers: LedgerFigures,
}

impl CentreFigures {
    /// The centre's own line: its programmes added up.
    fn totals(&self) -> ProgrammeFigures {
        let mut total = ProgrammeFigures::new("", None);
        for p in &self.programmes {
            for (status, n) in &p.enrolments {
                *total.enrolments.entry(status.clone()).or_default() += n;
            }
            total.attendance_days += p.attendance_days;
            total.session_days += p.session_days;
            for (sum, n) in total.ratings.iter_mut().zip(p.ratings) {
                *sum += n;
            }
            total.follow_ups_overdue += p.follow_ups_overdue;
        }
        total
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct MonthlyReport {
    /// `YYYY-MM`.
    pub month: String,
    /// The day "overdue" was judged on.
    pub today: NaiveDate,
    pub centres: Vec<CentreFigures>,
}

fn hours(minutes: i64) -> f64 {
    (minutes as f64 / 60.0 * 100.0).round() / 100.0
}

fn enrolments_json(counts: &BTreeMap<String, i64>) -> Value {
    let mut object: serde_json::Map<String, Value> =
        counts.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
    object.insert("total".into(), json!(counts.values().sum::<i64>()));
    Value::Object(object)
}

fn ratings_json(p: &ProgrammeFigures) -> Value {
    json!({
        "1": p.ratings[0], "2": p.ratings[1], "3": p.ratings[2], "4": p.ratings[3], "5": p.ratings[4],
        "total": p.ratings.iter().sum::<i64>(),
        "follow_ups_overdue": p.follow_ups_overdue,
    })
}

impl MonthlyReport {
    pub fn to_json(&self) -> Value {
        json!({
            "month": self.month,
            "overdue_as_of": self.today.to_string(),
            "centres": self.centres.iter().map(|c| {
                let total = c.totals();
                json!({
                    "centre_code": c.centre_code,
                    "centre_name": c.centre_name,
                    "district_code": c.district_code,
                    "community_code": c.community_code,
                    "programmes": c.programmes.iter().map(|p| json!({
                        "programme_code": p.programme_code,
                        "programme_name": p.programme_name,
                        "enrolments": enrolments_json(&p.enrolments),
                        "attendance_days": p.attendance_days,
                        "session_days": p.session_days,
                        "ratings": ratings_json(p),
                    })).collect::<Vec<_>>(),
                    "enrolments": enrolments_json(&total.enrolments),
                    "attendance_days": total.attendance_days,
                    "ratings": ratings_json(&total),
                    "volunteer_hours": {
                        "approved_shifts": c.volunteer_hours.shifts,
                        "volunteers": c.volunteer_hours.volunteers,
                        "minutes": c.volunteer_hours.minutes,
                        "hours": hours(c.volunteer_hours.minutes),
                    },
                    "filings": {
                        "by_status": c.filings,
                        "total": c.filings.values().sum::<i64>(),
                        "changed_in_month": c.filings_changed,
                    },
                    "ledgers": {
                        "businesses": c.ledgers.businesses,
                        "revenue_fen": c.ledgers.revenue_fen,
                        "cost_fen": c.ledgers.cost_fen,
                        "profit_fen": c.ledgers.revenue_fen.saturating_sub(c.ledgers.cost_fen),
                    },
                })
            }).collect::<Vec<_>>(),
        })
    }

    /// One line per centre and programme, then the centre's own line (empty
    /// `programme_code`) with the programmes added up and the centre-wide figures:
    /// volunteer hours, filings and ledgers belong to the centre, not a programme.
    pub fn to_csv(&self) -> String {
        let mut columns: Vec<String> = [
            "centre_code",
            "centre_name",
            "month",
            "programme_code",
            "programme_name",
        ]
        .map(String::from)
        .to_vec();
        columns.extend(ENROLMENT_STATUSES.iter().map(|s| format!("enrolments_{s}")));
        columns.extend(
            [
                "enrolments_total",
                "attendance_days",
                "session_days",
                "ratings_1",
                "ratings_2",
                "ratings_3",
                "ratings_4",
                "ratings_5",
                "ratings_total",
                "follow_ups_overdue",
                "volunteer_shifts",
                "volunteers",
                "volunteer_minutes",
                "volunteer_hours",
            ]
            .map(String::from),
        );
        columns.extend(FILING_STATUSES.iter().map(|s| format!("filings_{s}")));
        columns.extend(
            [
                "filings_total",
                "filings_changed_in_month",
                "ledger_businesses",
                "ledger_revenue_fen",
                "ledger_cost_fen",
                "ledger_profit_fen",
            ]
            .map(String::from),
        );
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record(&columns).expect("CSV writes to memory");
        let programme_cells = |c: &CentreFigures, p: &ProgrammeFigures| -> Vec<Value> {
            let mut cells = vec![
                json!(c.centre_code),
                json!(c.centre_name),
                json!(self.month),
                json!(p.programme_code),
                json!(p.programme_name),
            ];
            cells.extend(
                ENROLMENT_STATUSES
                    .iter()
                    .map(|s| json!(p.enrolments.get(*s).copied().unwrap_or(0))),
            );
            cells.push(json!(p.enrolments.values().sum::<i64>()));
            cells.push(json!(p.attendance_days));
            cells.push(json!(p.session_days));
            cells.extend(p.ratings.iter().map(|n| json!(n)));
            cells.push(json!(p.ratings.iter().sum::<i64>()));
            cells.push(json!(p.follow_ups_overdue));
            cells
        };
        let centre_only = 4 + FILING_STATUSES.len() + 6;
        for c in &self.centres {
            for p in &c.programmes {
                let mut cells = programme_cells(c, p);
                cells.extend(std::iter::repeat_n(Value::Null, centre_only));
                writer
                    .write_record(cells.iter().map(csv_cell))
                    .expect("CSV writes to memory");
            }
            let mut cells = programme_cells(c, &c.totals());
            cells[4] = Value::Null;
            cells.push(json!(c.volunteer_hours.shifts));
            cells.push(json!(c.volunteer_hours.volunteers));
            cells.push(json!(c.volunteer_hours.minutes));
            cells.push(json!(hours(c.volunteer_hours.minutes)));
            cells.extend(
                FILING_STATUSES
                    .iter()
                    .map(|s| json!(c.filings.get(*s).copied().unwrap_or(0))),
            );
            cells.push(json!(c.filings.values().sum::<i64>()));
            cells.push(json!(c.filings_changed.values().sum::<i64>()));
            cells.push(json!(c.ledgers.businesses));
            cells.push(json!(c.ledgers.revenue_fen));
            cells.push(json!(c.ledgers.cost_fen));
            cells.push(json!(c
                .ledgers
                .revenue_fen
                .saturating_sub(c.ledgers.cost_fen)));
            writer
                .write_record(cells.iter().map(csv_cell))
                .expect("CSV writes to memory");
        }
        String::from_utf8(writer.into_inner().expect("CSV flushes")).expect("CSV is UTF-8")
    }

    pub fn render(&self, format: Format) -> Value {
        match format {
            Format::Json => self.to_json(),
            Format::Csv => Value::String(self.to_csv()),
        }
    }
}

fn programme(
    programmes: &mut BTreeMap<(String, String), ProgrammeFigures>,
    centre: String,
    code: String,
) -> &mut ProgrammeFigures {
    programmes
        .entry((centre, code.clone()))
        .or_insert_with(|| ProgrammeFigures::new(&code, None))
}

/// Gathers the month's figures. `today` decides which open follow-ups are overdue.
pub async fn monthly(
    pool: &Pool,
    month: &str,
    centre: Option<&str>,
    today: NaiveDate,
) -> Result<MonthlyReport, AdminError> {
    let start = linli_core::sync::parse_month(month.trim())?;
    let end = start + Months::new(1);
    let month = start.format("%Y-%m").to_string();
    check_centre(pool, centre).await?;
    let start_ts = start.and_hms_opt(0, 0, 0).expect("midnight exists");
    let end_ts = end.and_hms_opt(0, 0, 0).expect("midnight exists");
    let client = pool.get().await?;

    let mut centres: Vec<CentreFigures> = client
        .query(
            "SELECT code, name, district_code, community_code FROM centres
             WHERE $1::text IS NULL OR code = $1 ORDER BY code",
            &[&centre],
        )
        .await?
        .iter()
        .map(|r| CentreFigures {
            centre_code: r.get(0),
            centre_name: r.get(1),
            district_code: r.get(2),
            community_code: r.get(3),
            programmes: Vec::new(),
            volunteer_hours: VolunteerFigures::default(),
            filings: zeroed(&FILING_STATUSES),
            filings_changed: zeroed(&FILING_STATUSES),
            ledgers: LedgerFigures::default(),
        })
        .collect();
    let index: BTreeMap<String, usize> = centres
        .iter()
        .enumerate()
        .map(|(i, c)| (c.centre_code.clone(), i))
        .collect();
    // Programmes per centre, keyed by code: every published one (a quiet month shows
    // as zeros) and any a device recorded without the district having published it.
    let mut programmes: BTreeMap<(String, String), ProgrammeFigures> = BTreeMap::new();
    for r in client
        .query(
            "SELECT centre_code, code, body->'name'->>'zh' FROM programmes
             WHERE $1::text IS NULL OR centre_code = $1",
            &[&centre],
        )
        .await?
    {
        let (c, code): (String, String) = (r.get(0), r.get(1));
        programmes.insert((c, code.clone()), ProgrammeFigures::new(&code, r.get(2)));
    }

    for r in client
        .query(
            "SELECT centre_code, programme_code, status, count(*) FROM enrolments
             WHERE ($1::text IS NULL OR centre_code = $1) AND created_at >= $2 AND created_at < $3
             GROUP BY 1, 2, 3",
            &[&centre, &start_ts, &end_ts],
        )
        .await?
    {
        *programme(&mut programmes, r.get(0), r.get(1))
            .enrolments
            .entry(r.get(2))
            .or_default() += r.get::<_, i64>(3);
    }
    for r in client
        .query(
            "SELECT centre_code, programme_code, count(*), count(DISTINCT session_date) FROM attendance
             WHERE ($1::text IS NULL OR centre_code = $1) AND session_date >= $2 AND session_date < $3
             GROUP BY 1, 2",
            &[&centre, &start, &end],
        )
        .await?
    {
        let p = programme(&mut programmes, r.get(0), r.get(1));
        p.attendance_days = r.get(2);
        p.session_days = r.get(3);
    }
    for r in client
        .query(
            "SELECT centre_code, programme_code, level, count(*) FROM ratings
             WHERE ($1::text IS NULL OR centre_code = $1) AND rated_at >= $2 AND rated_at < $3
             GROUP BY 1, 2, 3",
            &[&centre, &start_ts, &end_ts],
        )
        .await?
    {
        let level = r.get::<_, i16>(2).clamp(1, 5) as usize;
        programme(&mut programmes, r.get(0), r.get(1)).ratings[level - 1] += r.get::<_, i64>(3);
    }
    for r in client
        .query(
            "SELECT r.centre_code, r.programme_code, count(*) FROM ratings r
             JOIN follow_ups f ON f.centre_code = r.centre_code AND f.rating_id = r.id
             WHERE ($1::text IS NULL OR r.centre_code = $1) AND r.rated_at >= $2 AND r.rated_at < $3
               AND f.status = 'open' AND f.due < $4
             GROUP BY 1, 2",
            &[&centre, &start_ts, &end_ts, &today],
        )
        .await?
    {
        programme(&mut programmes, r.get(0), r.get(1)).follow_ups_overdue = r.get(2);
    }
    for ((centre_code, _), figures) in programmes {
        if let Some(&i) = index.get(&centre_code) {
            centres[i].programmes.push(figures);
        }
    }

    for r in client
        .query(
            "SELECT s.centre_code, count(*), count(DISTINCT s.volunteer_id_number),
                    coalesce(sum(coalesce(k.corrected_minutes, s.minutes)), 0)::bigint
             FROM shifts s
             LEFT JOIN LATERAL (
                 SELECT sc.corrected_minutes FROM shift_corrections sc
                 WHERE sc.centre_code = s.centre_code AND sc.shift_id = s.id
                 ORDER BY sc.recorded_at DESC, sc.id DESC LIMIT 1
             ) k ON true
             WHERE ($1::text IS NULL OR s.centre_code = $1) AND s.status = 'approved'
               AND s.clock_in >= $2 AND s.clock_in < $3
             GROUP BY 1",
            &[&centre, &start_ts, &end_ts],
        )
        .await?
    {
        if let Some(&i) = index.get(&r.get::<_, String>(0)) {
            centres[i].volunteer_hours = VolunteerFigures {
                shifts: r.get(1),
                volunteers: r.get(2),
                minutes: r.get(3),
            };
        }
    }
    for r in client
        .query(
            "SELECT centre_code, status, count(*), count(*) FILTER (WHERE updated_at >= $2 AND updated_at < $3)
             FROM filings WHERE $1::text IS NULL OR centre_code = $1
             GROUP BY 1, 2",
            &[&centre, &start_ts, &end_ts],
        )
        .await?
    {
        if let Some(&i) = index.get(&r.get::<_, String>(0)) {
            let status: String = r.get(1);
            *centres[i].filings.entry(status.clone()).or_default() += r.get::<_, i64>(2);
            *centres[i].filings_changed.entry(status).or_default() += r.get::<_, i64>(3);
        }
    }
    for r in client
        .query(
            "SELECT centre_code, count(*), coalesce(sum(revenue_fen), 0)::bigint, coalesce(sum(cost_fen), 0)::bigint
             FROM ledgers WHERE ($1::text IS NULL OR centre_code = $1) AND month = $2
             GROUP BY 1",
            &[&centre, &month],
        )
        .await?
    {
        if let Some(&i) = index.get(&r.get::<_, String>(0)) {
            centres[i].ledgers = LedgerFigures {
                businesses: r.get(1),
                revenue_fen: r.get(2),
                cost_fen: r.get(3),
            };
        }
    }
    Ok(MonthlyReport {
        month,
        today,
        centres,
    })
}

/// `linli-district admin report`: the month's figures as JSON, or CSV as one string.
pub async fn report(
    pool: &Pool,
    month: &str,
    centre: Option<&str>,
    format: Format,
) -> Result<Value, AdminError> {
    report_at(pool, month, centre, format, crate::clock::today()).await
}

/// The report as of `today`; its JSON also carries the calendar's `calendar_warning`
/// (null while the published calendar covers the coming days), since the monthly
/// report is where district staff look.
pub async fn report_at(
    pool: &Pool,
    month: &str,
    centre: Option<&str>,
    format: Format,
    today: NaiveDate,
) -> Result<Value, AdminError> {
    let mut value = monthly(pool, month, centre, today).await?.render(format);
    if let Value::Object(object) = &mut value {
        let client = pool.get().await?;
        let warning = crate::calendar::warning(&client, today).await?;
        object.insert(
            "calendar_warning".into(),
            crate::calendar::warning_json(warning),
        );
    }
    Ok(value)
}
