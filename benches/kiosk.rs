//! The kiosk's speed and memory, printed as a table (`cargo bench --bench kiosk`;
//! figures go in docs/benchmarks.md):
//!
//! - cold start to the first frame with 200,000 residents: open the store, create the
//!   window, load the attract screen, draw it (target < 500 ms). Measured in a fresh
//!   child process, so nothing is warm but the operating system's file cache;
//! - a full repaint at 1280×800 with the software renderer, for each screen (< 16 ms);
//! - how long touch handlers hold the UI thread (< 16 ms): they only queue work for
//!   the store thread;
//! - the resident memory of that child after its first frame (aim < 120 MB).
//!
//! Without `--bench` (as `cargo test --benches` runs it) it uses 4,000 residents.

use std::path::Path;
use std::rc::Rc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use linli::kiosk::{attract, AppWindow, IdentifyAdapter, Screen, Session};
use linli::store::worker::StoreWorker;
use linli::store::Store;
use linli::usecase::{demo, households};
use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType};
use slint::platform::{Platform, PlatformError, WindowAdapter};
use slint::{ComponentHandle, Rgb8Pixel};

#[path = "common/mod.rs"]
mod common;

const WIDTH: u32 = 1280;
const HEIGHT: u32 = 800;

struct Offscreen(Rc<MinimalSoftwareWindow>);

impl Platform for Offscreen {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, PlatformError> {
        Ok(self.0.clone())
    }
}

fn draw(surface: &MinimalSoftwareWindow, pixels: &mut [Rgb8Pixel]) -> Duration {
    surface.request_redraw();
    let start = Instant::now();
    surface.draw_if_needed(|renderer| {
        renderer.render(pixels, WIDTH as usize);
    });
    start.elapsed()
}

fn rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    samples[((samples.len() as f64 - 1.0) * p).round() as usize]
}

/// The measured kiosk, in a process of its own.
fn child(dir: &Path) {
    let start = Instant::now();
    let surface = MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer);
    slint::platform::set_platform(Box::new(Offscreen(surface.clone()))).unwrap();
    let mut store = Store::open_in(dir).unwrap();
    let summary = attract::load_summary(&mut store, true, linli::clock::now()).unwrap();
    let window = AppWindow::new().unwrap();
    attract::show(&window, &summary);
    window
        .window()
        .set_size(slint::PhysicalSize::new(WIDTH, HEIGHT));
    window.show().unwrap();
    let mut pixels = vec![Rgb8Pixel::default(); (WIDTH * HEIGHT) as usize];
    draw(&surface, &mut pixels);
    let cold = start.elapsed();
    let rss = rss_mb();

    let worker = StoreWorker::spawn(store);
    linli::kiosk::connect_screens(&window, worker.clone(), Default::default(), || {});
    window.global::<Session>().set_screen(Screen::Identify);
    let identify = window.global::<IdentifyAdapter>();
    let mut handlers = Vec::new();
    for round in 0..50 {
        for digit in "13800138000".chars() {
            let t = Instant::now();
            identify.invoke_digit(digit.to_string().into());
            handlers.push(t.elapsed());
        }
        // The eleventh digit moves on to the PIN, and the sixth PIN digit submits it:
        // that handler only queues the check for the store thread.
        for digit in "000000".chars() {
            let t = Instant::now();
            identify.invoke_digit(digit.to_string().into());
            handlers.push(t.elapsed());
        }
        let _ = round;
        for _ in 0..17 {
            identify.invoke_delete();
        }
    }

    println!("| cold start to first frame (store open, window, attract screen, first draw) | {:.0} ms | < 500 ms |", cold.as_secs_f64() * 1e3);
    println!("| resident memory after the first frame | {rss:.0} MB | < 120 MB |");
    println!(
        "| touch handler on the UI thread, p99 of {} (keypad digits, PIN submit) | {:.3} ms | < 16 ms |",
        handlers.len(),
        percentile(&mut handlers, 0.99).as_secs_f64() * 1e3
    );
    for screen in [
        Screen::Attract,
        Screen::Identify,
        Screen::Members,
        Screen::Programmes,
        Screen::Enrolments,
    ] {
        window.global::<Session>().set_screen(screen);
        let mut repaints: Vec<Duration> = (0..30).map(|_| draw(&surface, &mut pixels)).collect();
        println!(
            "| full repaint {WIDTH}×{HEIGHT}, {screen:?} screen, p99 of 30 | {:.1} ms | < 16 ms |",
            percentile(&mut repaints, 0.99).as_secs_f64() * 1e3
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(position) = args.iter().position(|a| a == "--child") {
        child(Path::new(&args[position + 1]));
        return;
    }
    let full = args.iter().any(|a| a == "--bench");
    let total = if full { 200_000 } else { 4_000 };
    let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let now = today.and_hms_opt(9, 0, 0).unwrap();
    let dir = tempfile::tempdir().unwrap();
    {
        let mut store = Store::open_in(dir.path()).unwrap();
        demo::seed(&mut store, now).unwrap();
        // Made-up residents may share an ID number with a demo resident: leave those out.
        let demo_ids: std::collections::HashSet<String> = store
            .conn()
            .prepare("SELECT id_number FROM residents")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let mut people = common::people(today, total);
        people.retain(|p| !demo_ids.contains(p.id_number.as_str()));
        households::import_rows(
            &mut store,
            &linli::usecase::demo::demo_actor("S003"),
            now,
            &people,
            "bench.csv",
        )
        .unwrap();
        store.checkpoint().unwrap();
    }
    println!("\n## Kiosk ({total} residents besides the demo centre's)\n");
    println!("| measure | result | target |\n|---|---|---|");
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .arg("--child")
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(status.success());
}
