//! The crate's architecture rules, read from its sources (`tools/source_rules.rs`,
//! shared with the other crates' architecture tests).

use std::path::Path;

#[path = "../../tools/source_rules.rs"]
mod source_rules;

/// A module that names an item of a module naming it back cannot be read, tested or
/// moved alone; the shared types a folder's files use live in a file of their own
/// (`printer/status.rs`, `reader/token.rs`), and each `mod.rs` only gathers.
#[test]
fn no_file_imports_a_file_that_imports_it_back() {
    let circles = source_rules::import_circles(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(
        circles.is_empty(),
        "import circles:\n{}",
        circles.join("\n")
    );
}
