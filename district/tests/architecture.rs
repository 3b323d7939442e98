//! The crate's architecture rules, read from its sources (`tools/source_rules.rs`,
//! shared with the other crates' architecture tests).

use std::path::{Path, PathBuf};

#[path = "../../tools/source_rules.rs"]
mod source_rules;

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// A module that names an item of a module naming it back cannot be read, tested or
/// moved alone: the handlers take the shared state from `state.rs` rather than from
/// the server that routes to them, and `admin/mod.rs` only gathers its files.
#[test]
fn no_file_imports_a_file_that_imports_it_back() {
    let circles = source_rules::import_circles(&src());
    assert!(
        circles.is_empty(),
        "import circles:\n{}",
        circles.join("\n")
    );
}

/// DESIGN §6: anyhow only in binaries. The library (everything but `main.rs`; `cli.rs`
/// is in the library, so tests drive every command) says in its types how it fails.
#[test]
fn the_library_does_not_name_anyhow() {
    let library: Vec<_> = source_rules::code_files(&src())
        .into_iter()
        .filter(|(path, _)| path.file_name().is_none_or(|name| name != "main.rs"))
        .collect();
    let found = source_rules::offending(&library, |line| source_rules::names(line, "anyhow"));
    assert!(
        found.is_empty(),
        "anyhow in the library:\n{}",
        found.join("\n")
    );
}

/// The throwaway databases and servers of `testing.rs` are built only for tests
/// (feature `testing`), never into the production library.
#[test]
fn test_support_is_behind_the_testing_feature() {
    // The raw text: the feature's name is a string, which the code reader blanks.
    let lib = std::fs::read_to_string(src().join("lib.rs")).unwrap();
    let lines: Vec<&str> = lib
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("//"))
        .collect();
    let at = lines
        .iter()
        .position(|line| *line == "pub mod testing;")
        .expect("lib.rs declares `testing`");
    assert_eq!(
        lines[at - 1],
        "#[cfg(feature = \"testing\")]",
        "{:?}",
        &lines[..=at]
    );
}
