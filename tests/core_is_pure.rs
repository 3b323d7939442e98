//! Invariant 9: `linli-core` does no I/O. Its rules are shared by the kiosk and the
//! district backend and tested with pinned data, which only works while nothing in it
//! reads a clock, a file, the network or a random source.

use std::path::Path;

const ALLOWED_DEPENDENCIES: [&str; 4] = ["serde", "serde_json", "chrono", "thiserror"];
const FORBIDDEN_CALLS: [&str; 10] = [
    "Utc::now",
    "Local::now",
    "SystemTime",
    "Instant::now",
    "std::fs",
    "std::net",
    "std::process",
    "std::env",
    "thread_rng",
    "std::io::stdin",
];

#[test]
fn core_depends_on_nothing_that_does_io() {
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("core/Cargo.toml"))
            .unwrap();
    let mut section = String::new();
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            section = line.to_string();
            continue;
        }
        if section == "[dependencies]" {
            if let Some((name, _)) = line.split_once('=') {
                let name = name.trim().split('.').next().unwrap_or_default();
                assert!(
                    ALLOWED_DEPENDENCIES.contains(&name),
                    "linli-core must not depend on {name} (invariant 9)"
                );
            }
        }
    }
}

#[test]
fn core_source_reads_no_clock_file_network_or_randomness() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("core/src");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        // Test modules may build fixtures however they like; only shipped code counts.
        let shipped = text.split("#[cfg(test)]").next().unwrap_or("");
        for call in FORBIDDEN_CALLS {
            assert!(
                !shipped.contains(call),
                "{} uses {call} (invariant 9: core does no I/O)",
                path.display()
            );
        }
        checked += 1;
    }
    assert!(checked >= 10, "found the core modules");
}
