//! Screenshots of each screen in Chinese and English, normal and large text, at the
//! 10" (1280×800) and 7" (800×480) panels, rendered with the software renderer and the
//! embedded font, compared pixel for pixel with the references in tests/screenshots/.
//!
//! `LINLI_UPDATE_SCREENSHOTS=1 cargo test --test screenshots` rewrites the references;
//! look at every changed PNG before committing it.

use std::path::PathBuf;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType};
use slint::platform::{Platform, PlatformError, WindowAdapter};
use slint::Rgb8Pixel;

use linli::kiosk::{attract, AppWindow, Screen, Session, Theme};
use linli_core::Text;
use slint::ComponentHandle;

const SIZES: [(u32, u32); 2] = [(1280, 800), (800, 480)];

fn reference(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/screenshots")
        .join(format!("{name}.png"))
}

/// A platform whose one window is drawn by Slint's software renderer into memory:
/// what the kiosk's device build draws, without a display.
struct Offscreen(Rc<MinimalSoftwareWindow>);

impl Platform for Offscreen {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, PlatformError> {
        Ok(self.0.clone())
    }
}

thread_local! {
    static SURFACE: Rc<MinimalSoftwareWindow> = {
        let surface = MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer);
        slint::platform::set_platform(Box::new(Offscreen(surface.clone()))).unwrap();
        surface
    };
}

fn sessions() -> Vec<(Text, String)> {
    vec![
        (
            Text::new("日间照料", "Elderly day care"),
            "08:30–17:00".to_string(),
        ),
        (
            Text::new("书法班", "Calligraphy"),
            "14:00–15:30".to_string(),
        ),
        (
            Text::new("四点半学校", "After-school club"),
            "16:30–18:00".to_string(),
        ),
    ]
}

fn window() -> AppWindow {
    SURFACE.with(|_| ());
    let window = AppWindow::new().unwrap();
    let sessions = sessions();
    attract::connect(&window, Arc::new(Mutex::new(sessions.clone())));
    attract::set_date(
        &window,
        chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
    );
    attract::show(
        &window,
        &attract::AttractSummary {
            centre_name: "宝安区新安街道海富社区服务中心".into(),
            today: sessions,
            ..Default::default()
        },
    );
    window
}

fn snapshot(window: &AppWindow, (width, height): (u32, u32)) -> image::RgbImage {
    window
        .window()
        .set_size(slint::PhysicalSize::new(width, height));
    window.show().unwrap();
    let mut pixels = vec![Rgb8Pixel::default(); (width * height) as usize];
    SURFACE.with(|surface| {
        surface.request_redraw();
        surface.draw_if_needed(|renderer| {
            renderer.render(&mut pixels, width as usize);
        });
    });
    let bytes = pixels.iter().flat_map(|p| [p.r, p.g, p.b]).collect();
    image::RgbImage::from_raw(width, height, bytes).unwrap()
}

fn check(name: &str, image: &image::RgbImage) {
    let path = reference(name);
    if std::env::var("LINLI_UPDATE_SCREENSHOTS").as_deref() == Ok("1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        image.save(&path).unwrap();
        return;
    }
    let expected = image::open(&path)
        .unwrap_or_else(|e| {
            panic!(
                "{}: {e}; LINLI_UPDATE_SCREENSHOTS=1 creates it",
                path.display()
            )
        })
        .to_rgb8();
    if expected.dimensions() != image.dimensions() || expected.as_raw() != image.as_raw() {
        let actual = path.with_extension("actual.png");
        image.save(&actual).unwrap();
        panic!(
            "{} differs from the reference; this run's picture is {}",
            path.display(),
            actual.display()
        );
    }
}

fn every_variant(screen: Screen, screen_name: &str) {
    let window = window();
    window.global::<Session>().set_screen(screen);
    for (language, select) in [("zh", "zh"), ("en", "en")] {
        attract::select_language(&window, select, &sessions());
        for large in [false, true] {
            window.global::<Theme>().set_large_text(large);
            for size in SIZES {
                let name = format!(
                    "{screen_name}-{language}-{}-{}x{}",
                    if large { "large" } else { "normal" },
                    size.0,
                    size.1
                );
                check(&name, &snapshot(&window, size));
            }
        }
    }
}

#[test]
fn attract_screen() {
    every_variant(Screen::Attract, "attract");
}

#[test]
fn identify_screen() {
    every_variant(Screen::Identify, "identify");
}

// The resident's screens with their adapters' preview data (a parent, a child, two
// programmes: one open, one closed with its reason).
#[test]
fn members_screen() {
    every_variant(Screen::Members, "members");
}

#[test]
fn programmes_screen() {
    every_variant(Screen::Programmes, "programmes");
}

#[test]
fn result_screen() {
    every_variant(Screen::Result, "result");
}

#[test]
fn enrolments_screen() {
    every_variant(Screen::Enrolments, "enrolments");
}

#[test]
fn rating_screen() {
    every_variant(Screen::Rating, "rating");
}

#[test]
fn volunteer_screen() {
    every_variant(Screen::Volunteer, "volunteer");
}

#[test]
fn staff_screens() {
    every_variant(Screen::StaffSignIn, "staff-sign-in");
    every_variant(Screen::StaffHome, "staff-home");
}

// Practice data says so above every screen, without pushing a control off the small
// panel even in large text.
#[test]
fn demo_strip() {
    let window = window();
    window.global::<linli::kiosk::KioskAdapter>().set_demo(true);
    for screen in [Screen::Attract, Screen::Identify] {
        window.global::<Session>().set_screen(screen);
        for (language, large) in [("zh", true), ("en", false)] {
            attract::select_language(&window, language, &sessions());
            window.global::<Theme>().set_large_text(large);
            let name = format!(
                "demo-{}-{language}-{}-800x480",
                if screen == Screen::Attract {
                    "attract"
                } else {
                    "identify"
                },
                if large { "large" } else { "normal" }
            );
            check(&name, &snapshot(&window, (800, 480)));
        }
    }
}
