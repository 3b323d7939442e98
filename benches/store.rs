//! The kiosk store's speed targets, measured end to end on a real file, printed as a
//! table (run with `cargo bench --bench store`; figures go in docs/benchmarks.md):
//!
//! - importing 100,000 residents from CSV: under 5 s;
//! - resident lookup by ID number, phone or household code among 200,000: p99 under 1 ms;
//! - the sign-up use-case (durable commit, outbox, audit): p99 under 10 ms, beside one
//!   bare durable SQLite commit on the same file system, with the ratio (aim: within 2×);
//! - the cost of `synchronous = FULL` against `NORMAL`, the measurement behind the choice;
//! - the print queue's overhead per job beside one bare durable commit: issuing a slip
//!   inside a use-case's commit, and the spooler's claim, render and "printed" record
//!   per job (to a printer that takes the bytes at once, so only the queue is timed);
//! - the desk's search among 200,000 residents, one keystroke at a time: p99 under
//!   5 ms (`cargo bench --bench store -- search` runs only the import and this).
//! - the week's lunch-care meal counts for 200 children (enrolments, absences and
//!   check-ins read, counted in core): under 10 ms.
//! - a household of four registered at the desk (every check, consent, durable commit):
//!   p99 under 20 ms; possible duplicates among 200,000 residents: under 50 ms
//!   (`cargo bench --bench store -- household` runs only the import and these).

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use linli::store::{Actor, Store};
use linli::usecase::{demo, enrolment, households, meals};

#[path = "common/mod.rs"]
mod common;

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[index]
}

fn row(name: &str, samples: &mut [Duration]) {
    let p50 = percentile(samples, 0.50);
    let p99 = percentile(samples, 0.99);
    println!(
        "| {name} | {} | {:.3} ms | {:.3} ms |",
        samples.len(),
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3
    );
}

fn csv_of(rows: &[households::ResidentRow]) -> String {
    let mut out = String::from("household_code,address,name,id_number,phone,tags\n");
    for r in rows {
        let tags: Vec<&str> = r.tags.iter().map(|t| t.as_str()).collect();
        out.push_str(&format!(
            "{},{},{},{},{},{}\n",
            r.household_code,
            r.address,
            r.name,
            r.id_number.as_str(),
            r.phone.as_ref().map(|p| p.as_str()).unwrap_or(""),
            tags.join(";")
        ));
    }
    out
}

fn bare_commits(path: &std::path::Path, synchronous: &str, n: usize) -> Vec<Duration> {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
        .unwrap();
    conn.execute_batch(&format!("PRAGMA synchronous = {synchronous}; CREATE TABLE IF NOT EXISTS bare (id INTEGER PRIMARY KEY, body TEXT)")).unwrap();
    let mut samples = Vec::with_capacity(n);
    for i in 0..n {
        let start = Instant::now();
        conn.execute("INSERT INTO bare (body) VALUES (?1)", [format!("row {i}")])
            .unwrap();
        samples.push(start.elapsed());
    }
    samples
}

fn main() {
    // `cargo test --benches` runs bench binaries with --bench absent; keep that quick.
    let full = std::env::args().any(|a| a == "--bench");
    let (import_n, total_n, signups, lookups) = if full {
        (100_000, 200_000, 2_000, 10_000)
    } else {
        (2_000, 4_000, 50, 200)
    };
    let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let now = today.and_hms_opt(9, 0, 0).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_in(dir.path()).unwrap();
    store
        .write(&Actor::system(), now, |tx| {
            linli::store::set_setting(tx, "centre_code", demo::CENTRE_CODE)?;
            linli::store::set_setting(tx, "community_code", demo::COMMUNITY_CODE)?;
            linli::usecase::catalogue::publish_calendar(tx, demo::demo_calendar(today))?;
            for mut p in demo::programmes(today) {
                p.capacity = (signups / 2) as u32;
                linli::usecase::catalogue::publish_programme(tx, &p)?;
            }
            Ok(())
        })
        .unwrap();

    let people = common::people(today, total_n);
    let (first, second) = people.split_at(import_n.min(people.len()));

    println!("\n## Kiosk store ({} residents)\n", people.len());
    let csv = csv_of(first);
    let start = Instant::now();
    let rows = households::parse_csv(csv.as_bytes(), today).unwrap();
    let parsed = start.elapsed();
    households::import_rows(
        &mut store,
        &demo::demo_actor("S003"),
        now,
        &rows,
        "bench.csv",
    )
    .unwrap();
    let import = start.elapsed();
    println!("| measure | n | result |\n|---|---|---|");
    println!(
        "| import {} residents from CSV (parse, validate, one transaction) | 1 | {:.2} s |",
        rows.len(),
        import.as_secs_f64()
    );
    println!(
        "| of which parsing and validating the CSV | 1 | {:.2} s |",
        parsed.as_secs_f64()
    );
    let rest = households::parse_csv(csv_of(second).as_bytes(), today).unwrap();
    households::import_rows(
        &mut store,
        &demo::demo_actor("S003"),
        now,
        &rest,
        "bench2.csv",
    )
    .unwrap();

    if std::env::args().any(|a| a == "search") {
        search_keystrokes(&mut store, &people, today, full);
        return;
    }
    if std::env::args().any(|a| a == "household") {
        registry_desk(&mut store, people.len(), now, full);
        return;
    }

    println!("\n| measure | n | p50 | p99 |\n|---|---|---|---|");
    let conn = store.conn();
    let mut by_id = Vec::new();
    let mut by_phone = Vec::new();
    let mut by_household = Vec::new();
    let step = (people.len() / lookups).max(1);
    for r in people.iter().step_by(step) {
        let start = Instant::now();
        let found = linli::usecase::load::resident(conn, r.id_number.as_str()).unwrap();
        by_id.push(start.elapsed());
        assert!(found.is_some());
        if let Some(phone) = &r.phone {
            let start = Instant::now();
            let mut stmt = conn
                .prepare_cached("SELECT id_number, name FROM residents WHERE phone = ?1")
                .unwrap();
            let n = stmt
                .query_map([phone.as_str()], |row| row.get::<_, String>(0))
                .unwrap()
                .count();
            by_phone.push(start.elapsed());
            assert!(n >= 1);
        }
        let start = Instant::now();
        let members = linli::usecase::load::household_members(conn, &r.household_code).unwrap();
        by_household.push(start.elapsed());
        assert!(!members.is_empty());
    }
    row("resident by ID number", &mut by_id);
    row("residents by phone", &mut by_phone);
    row("household members by household code", &mut by_household);

    let children: Vec<&households::ResidentRow> = people
        .iter()
        // Ages count on 1 September: a child who is 6 today may have been 5 then.
        .filter(|r| {
            (7..=12).contains(&linli_core::household::age_on(
                r.id_number.birth_date(),
                today,
            ))
        })
        .take(signups)
        .collect();
    let mut signup_samples = Vec::new();
    for child in &children {
        let start = Instant::now();
        store
            .write(&Actor::kiosk(), now, |tx| {
                enrolment::signup_in(tx, child.id_number.as_str(), "after-school")
            })
            .unwrap();
        signup_samples.push(start.elapsed());
        // A kiosk is idle for seconds between two residents, and the store thread
        // checkpoints then (worker.rs); the bench does the same, outside the timing.
        store.checkpoint().unwrap();
    }
    let bare_path = dir.path().join("bare.sqlite");
    let mut bare_full = bare_commits(&bare_path, "FULL", signup_samples.len());
    let mut bare_normal = bare_commits(
        &dir.path().join("bare-normal.sqlite"),
        "NORMAL",
        signup_samples.len(),
    );
    let signup_p99 = percentile(&mut signup_samples, 0.99);
    let bare_p99 = percentile(&mut bare_full, 0.99);
    row(
        "sign-up use-case (half confirmed, half waitlisted)",
        &mut signup_samples,
    );
    row(
        "bare durable commit (WAL, synchronous=FULL)",
        &mut bare_full,
    );
    row("bare commit (WAL, synchronous=NORMAL)", &mut bare_normal);
    println!(
        "\nsign-up p99 / bare durable commit p99 = {:.2}×",
        signup_p99.as_secs_f64() / bare_p99.as_secs_f64()
    );

    print_queue(dir.path(), signups, &mut bare_full);
    search_keystrokes(&mut store, &people, today, full);
    let (children, runs) = if full { (200, 500) } else { (20, 20) };
    meal_counts(&mut store, &people, now, children, runs);
    registry_desk(&mut store, people.len(), now, full);
}

/// A valid ID number from its first 17 digits.
fn id_number(first17: &str) -> String {
    format!(
        "{first17}{}",
        linli_core::identity::check_character(first17).unwrap()
    )
}

/// The desk's registry work: a family of four saved (two parents, a child of 9 with
/// the mother's consent, a grandmother), each a new household through the whole
/// use-case and its durable commit; then the duplicate check over the whole registry.
fn registry_desk(store: &mut Store, residents: usize, now: chrono::NaiveDateTime, full: bool) {
    use linli::usecase::{household_desk, household_merge};
    println!("\n## Desk registry ({residents} residents)\n");
    println!("| measure | n | p50 | p99 |\n|---|---|---|---|");
    let desk = demo::demo_actor("S001");
    let families = if full { 500 } else { 20 };
    let mut saves = Vec::with_capacity(families);
    for n in 0..families {
        // Beijing numbers, so none is already in the (Shenzhen, Jiangxi) registry.
        let seq = format!("{:03}", n % 1000);
        let father = id_number(&format!("11010819850101{seq}"));
        let mother = id_number(&format!("11010819870315{seq}"));
        let child = id_number(&format!("11010820170301{seq}"));
        let grandmother = id_number(&format!("11010819520506{seq}"));
        let file: household_desk::HouseholdFile = serde_json::from_value(serde_json::json!({
            "household_code": format!("B{n:05}"),
            "address": "海富花园3栋301",
            "members": [
                {"name": "李建国", "id_number": father, "phone": "13800138001", "relationship": "户主"},
                {"name": "张丽", "id_number": mother, "phone": "13800138002", "relationship": "配偶"},
                {"name": "李小龙", "id_number": child, "relationship": "子女"},
                {"name": "王秀英", "id_number": grandmother, "relationship": "父母"},
            ],
            "consents": [{"resident": child, "guardian": mother, "purposes": ["services"]}],
        }))
        .unwrap();
        let start = Instant::now();
        household_desk::add(store, &desk, now, &file, linli::print::Printing::Skip).unwrap();
        saves.push(start.elapsed());
        store.checkpoint().unwrap();
    }
    row(
        "household of four saved at the desk (durable commit)",
        &mut saves,
    );
    let runs = if full { 50 } else { 5 };
    let mut scans = Vec::with_capacity(runs);
    let mut pairs = 0;
    for _ in 0..runs {
        let start = Instant::now();
        pairs = household_merge::duplicates(store, &desk, now)
            .unwrap()
            .pairs
            .len();
        scans.push(start.elapsed());
        store.checkpoint().unwrap();
    }
    row(
        &format!("possible duplicates in the whole registry ({pairs} pairs found)"),
        &mut scans,
    );
}

/// Every prefix of `text`, as it appears in the box one key at a time.
fn keystrokes(text: &str) -> Vec<String> {
    let characters: Vec<char> = text.chars().collect();
    (1..=characters.len())
        .map(|n| characters[..n].iter().collect())
        .collect()
}

/// The desk's search as staff type: each sample is one keystroke's whole answer
/// (permission, the registry check, the index, reading and masking the results).
fn search_keystrokes(
    store: &mut Store,
    people: &[households::ResidentRow],
    today: NaiveDate,
    full: bool,
) {
    use linli::usecase::search;
    let desk = demo::demo_actor("S001");
    let start = Instant::now();
    search::warm(store).unwrap();
    let build = start.elapsed();
    println!("\n## Desk search ({} residents)\n", people.len());
    println!(
        "index built from SQLite in {:.2} s (once, and again only when the registry changes), about {} MB\n",
        build.as_secs_f64(),
        search::index_bytes(store) / 1_000_000
    );
    println!("| measure | n | p50 | p99 |\n|---|---|---|---|");
    let sample = if full { 400 } else { 20 };
    let step = (people.len() / sample).max(1);
    let chosen: Vec<&households::ResidentRow> = people.iter().step_by(step).collect();
    let mut type_all = |queries: Vec<String>| -> Vec<Duration> {
        let mut samples = Vec::with_capacity(queries.len());
        for query in queries {
            let start = Instant::now();
            let found = search::search(store, &desk, &query, today).unwrap();
            samples.push(start.elapsed());
            std::hint::black_box(found);
        }
        samples
    };
    // The issue's own example, and every resident's surname in full with the initials
    // of the given name (how staff type a name they heard), a key at a time.
    let mut zhangxm = Vec::new();
    for _ in 0..(sample / 4).max(5) {
        zhangxm.extend(type_all(keystrokes("zhangxm")));
    }
    row("\"zhangxm\" typed one key at a time", &mut zhangxm);
    let mut names = type_all(
        chosen
            .iter()
            .flat_map(|r| {
                let initials: String = r
                    .name
                    .chars()
                    .filter_map(|c| {
                        use pinyin::ToPinyin;
                        c.to_pinyin().map(|p| p.first_letter().to_string())
                    })
                    .collect();
                keystrokes(&initials)
            })
            .collect(),
    );
    row(
        "a resident's pinyin initials, one key at a time",
        &mut names,
    );
    let mut characters = type_all(chosen.iter().flat_map(|r| keystrokes(&r.name)).collect());
    row(
        "a resident's name in characters, one at a time",
        &mut characters,
    );
    let mut phones = type_all(
        chosen
            .iter()
            .filter_map(|r| r.phone.as_ref())
            .flat_map(|p| keystrokes(&p.as_str()[7..]))
            .collect(),
    );
    row("a phone's last four digits, one key at a time", &mut phones);
    let mut ids = type_all(
        chosen
            .iter()
            .flat_map(|r| keystrokes(&r.id_number.as_str()[12..]))
            .collect(),
    );
    row(
        "an ID number's last six characters, one key at a time",
        &mut ids,
    );
    let mut all: Vec<Duration> = zhangxm
        .iter()
        .chain(&names)
        .chain(&characters)
        .chain(&phones)
        .chain(&ids)
        .copied()
        .collect();
    row("every keystroke above", &mut all);
}

/// The week's meal counts as the desk asks for them: `children` confirmed in lunch
/// care, one in ten reported away on some day of the week, the rest checked in on
/// Monday, timed through the use-case (its read transaction included).
fn meal_counts(
    store: &mut Store,
    people: &[households::ResidentRow],
    now: chrono::NaiveDateTime,
    children: usize,
    runs: usize,
) {
    let today = now.date();
    let at = linli::clock::to_db(now);
    store
        .write(&Actor::system(), now, |tx| {
            for (i, child) in people.iter().take(children).enumerate() {
                let id = child.id_number.as_str();
                tx.execute(
                    "INSERT INTO enrolments (id, programme_code, resident, status, sort_key, priority, created_at, updated_at)
                     VALUES (?1, 'lunch-care', ?2, 'confirmed', ?3, '{}', ?4, ?4)",
                    (format!("bench-lunch-{i}"), id, format!("{i:06}"), &at),
                )?;
                if i % 10 == 0 {
                    let day = today + chrono::Duration::days((i / 10 % 5) as i64);
                    tx.execute(
                        "INSERT INTO absences (programme_code, resident, date, part, reason, reported_at, reported_by)
                         VALUES ('lunch-care', ?1, ?2, 'whole_day', 'ill', ?3, 'bench')",
                        (id, day.to_string(), &at),
                    )?;
                } else {
                    tx.execute(
                        "INSERT INTO attendance (programme_code, session_date, resident, checked_in_at, body)
                         VALUES ('lunch-care', ?1, ?2, ?3, '{}')",
                        (today.to_string(), id, &at),
                    )?;
                }
            }
            Ok(())
        })
        .unwrap();
    let desk = demo::demo_actor("S001");
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        let counts = store
            .write(&desk, now, |tx| meals::meal_counts(tx, today, true))
            .unwrap();
        samples.push(start.elapsed());
        assert!(counts.days.iter().any(|d| d.enrolled as usize == children));
    }
    row(
        &format!("week meal counts, {children} children in lunch care (use-case)"),
        &mut samples,
    );
}

/// A printer that accepts every job at once: what is left is the queue's own cost.
struct NullPrinter;

impl linli_hardware::printer::Printer for NullPrinter {
    fn describe(&self) -> String {
        "null".into()
    }
    fn status(
        &mut self,
    ) -> Result<linli_hardware::printer::PrinterStatus, linli_hardware::printer::PrinterError> {
        Ok(linli_hardware::printer::PrinterStatus::ready())
    }
    fn send(
        &mut self,
        job: &linli_hardware::printer::Job,
    ) -> Result<(), linli_hardware::printer::PrinterError> {
        std::hint::black_box(&job.bytes);
        Ok(())
    }
}

fn print_queue(dir: &std::path::Path, jobs: usize, bare_full: &mut [Duration]) {
    use linli::print::{self, spooler::Spooler, Printing};
    let data = dir.join("print-queue");
    std::fs::create_dir_all(&data).unwrap();
    let mut store = Store::open_in(&data).unwrap();
    let now = NaiveDate::from_ymd_opt(2026, 11, 23)
        .unwrap()
        .and_hms_opt(9, 0, 0)
        .unwrap();
    let mut issue = Vec::with_capacity(jobs);
    for _ in 0..jobs {
        let start = Instant::now();
        store
            .write(&Actor::cli(), now, |tx| {
                print::issue(tx, Printing::Queue, "bench", |stamp| {
                    linli_core::slips::test_page(stamp, "null", "80mm", 48)
                })
            })
            .unwrap();
        issue.push(start.elapsed());
        store.checkpoint().unwrap();
    }
    let conn = linli::store::open_connection(&data.join(linli::store::DATABASE_FILE)).unwrap();
    let mut spooler = Spooler::new(
        conn,
        Box::new(NullPrinter),
        linli_hardware::receipt::Paper::Mm80,
    );
    let mut per_job = Vec::with_capacity(jobs);
    for _ in 0..jobs {
        let start = Instant::now();
        let round = spooler.run_once().unwrap();
        per_job.push(start.elapsed());
        assert!(matches!(
            round,
            linli::print::spooler::Round::Printed { .. }
        ));
    }
    println!("\n## Print queue ({jobs} jobs)\n");
    println!("| measure | n | p50 | p99 |\n|---|---|---|---|");
    row(
        "test-page slip issued in its own durable commit",
        &mut issue,
    );
    row(
        "spooler per job: claim, render, record printed (2 commits)",
        &mut per_job,
    );
    row("bare durable commit (WAL, synchronous=FULL)", bare_full);
    let bare = percentile(bare_full, 0.5).as_secs_f64();
    println!(
        "\nper job at p50: issue {:.1}× and spool {:.1}× one bare durable commit",
        percentile(&mut issue, 0.5).as_secs_f64() / bare,
        percentile(&mut per_job, 0.5).as_secs_f64() / bare
    );
}
