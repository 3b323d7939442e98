//! The package's shape, as ARCHITECTURE.md states it ("Architecture invariant"
//! lines): no import circles, use-cases that know neither JSON output nor the command
//! line, a store that knows nothing of printing or the layers above it, and Slint
//! known only to the kiosk. Each rule reads the sources, so a change that breaks one
//! fails here with the file and line to mend.

use std::path::{Path, PathBuf};

#[path = "../tools/source_rules.rs"]
mod source_rules;

use source_rules::{code_files, code_only, names, offending, public_signatures};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn no_file_imports_a_file_that_imports_it_back() {
    // The kiosk package and the core it is built on; the district and the hardware
    // crates check their own in their tests.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for src in [src(), root.join("core/src")] {
        let circles = source_rules::import_circles(&src);
        assert!(
            circles.is_empty(),
            "{} has import circles (move what both sides need into a file of its own):\n  {}",
            src.display(),
            circles.join("\n  ")
        );
    }
}

#[test]
fn use_cases_know_neither_json_output_nor_the_command_line() {
    let usecases = code_files(&src().join("usecase"));
    let found = offending(&usecases, |line| {
        names(line, "clap") || line.contains("crate::cli") || line.contains("crate::kiosk")
    });
    assert!(
        found.is_empty(),
        "use-cases name the command line or the kiosk:\n  {}",
        found.join("\n  ")
    );
    // Results are typed, and JSON is built from them only in `cli/` (audit details
    // and stored bodies are the store's own JSON, never a result).
    let outside_cli: Vec<_> = code_files(&src())
        .into_iter()
        .filter(|(path, _)| !path.starts_with(src().join("cli")))
        .collect();
    let returns_json = public_signatures(&outside_cli)
        .into_iter()
        .filter(|(_, signature)| {
            signature
                .split_once("->")
                .is_some_and(|(_, returned)| names(returned, "Value"))
        })
        .map(|(at, signature)| format!("{at}: {signature}"))
        .collect::<Vec<_>>();
    assert!(
        returns_json.is_empty(),
        "functions outside cli/ return JSON instead of a typed result:\n  {}",
        returns_json.join("\n  ")
    );
    let kiosk = code_files(&src().join("kiosk"));
    let reads_json = offending(&kiosk, |line| names(line, "serde_json"));
    assert!(
        reads_json.is_empty(),
        "the kiosk reads JSON instead of typed results:\n  {}",
        reads_json.join("\n  ")
    );
}

/// Fails naming every line of `src/<layer>` that names one of the `above` modules.
fn assert_names_none_of(layer: &str, above: &[&str]) {
    let found = offending(&code_files(&src().join(layer)), |line| {
        above
            .iter()
            .any(|module| line.contains(&format!("crate::{module}")))
    });
    assert!(
        found.is_empty(),
        "src/{layer} names a layer above it:\n  {}",
        found.join("\n  ")
    );
}

#[test]
fn the_store_knows_nothing_of_printing_or_of_the_layers_above_it() {
    assert_names_none_of("store", &["print", "usecase", "sync", "kiosk", "cli"]);
    assert_names_none_of("print", &["usecase", "sync", "kiosk", "cli"]);
}

#[test]
fn only_the_kiosk_knows_slint() {
    let outside: Vec<_> = code_files(&src())
        .into_iter()
        .filter(|(path, _)| !path.starts_with(src().join("kiosk")))
        .collect();
    let found = offending(&outside, |line| names(line, "slint"));
    assert!(
        found.is_empty(),
        "Slint outside src/kiosk/:\n  {}",
        found.join("\n  ")
    );
}

#[test]
fn the_source_reader_sees_code_and_not_what_comments_and_strings_say() {
    // The rules above are only as good as this reading of the sources.
    let code = code_only(
        "use slint::X; // clap\nlet s = \"crate::print\"; let r = r#\"slint\"#;\nfn f<'a>(c: char) -> Value { '\"' }\n/* crate::cli */ x",
    );
    assert!(names(&code, "slint"), "{code}");
    assert!(
        !code.contains("clap") && !code.contains("crate::print"),
        "{code}"
    );
    assert!(
        !code.contains("crate::cli") && code.contains("-> Value"),
        "{code}"
    );
    assert_eq!(code.matches("slint").count(), 1, "{code}");
}

#[test]
fn the_circle_finder_sees_a_loop_through_a_parent_and_ignores_mod_declarations() {
    let dir = std::env::temp_dir().join(format!("linli-circles-{}", std::process::id()));
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("lib.rs", "mod a;\nmod b;\npub use a::Thing;\n");
    write("a/mod.rs", "mod inner;\npub use inner::Thing;\n");
    write(
        "a/inner.rs",
        "use crate::b::{other::{x, y}, Helper};\npub struct Thing;\n",
    );
    write("b.rs", "pub struct Helper;\n");
    assert!(source_rules::import_circles(&dir).is_empty());
    // b now names lib.rs's re-export: b -> lib -> a -> inner -> b.
    write(
        "b.rs",
        "pub struct Helper;\nfn f() -> crate::Thing { todo!() }\n",
    );
    let circles = source_rules::import_circles(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(circles.len(), 1, "{circles:?}");
    for file in ["lib.rs", "a/mod.rs", "a/inner.rs", "b.rs"] {
        assert!(circles[0].contains(file), "{circles:?}");
    }
}

#[test]
fn a_circle_is_shown_as_a_loop_that_comes_back_to_where_it_started() {
    let dir = std::env::temp_dir().join(format!("linli-loop-{}", std::process::id()));
    let write = |name: &str, text: &str| {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), text).unwrap();
    };
    // a -> b is a dead end for the loop; a -> c -> a is the loop.
    write("lib.rs", "mod a;\nmod b;\nmod c;\n");
    write("a.rs", "use crate::b::X;\nuse crate::c::Y;\n");
    write("b.rs", "pub struct X;\n");
    write("c.rs", "use crate::a::Z;\npub struct Y;\n");
    // main.rs beside lib.rs is another crate: naming `crate::a` there is no import.
    write("main.rs", "fn main() { crate::a::run() }\n");
    let circles = source_rules::import_circles(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(circles.len(), 1, "{circles:?}");
    assert!(
        circles[0].starts_with("a.rs -> c.rs -> a.rs"),
        "{circles:?}"
    );
    assert!(!circles[0].contains("main.rs"), "{circles:?}");
}

#[test]
fn every_test_file_of_every_crate_is_a_module_of_its_one_test_binary() {
    // Each crate's manifest says `autotests = false` and names `tests/tests.rs` as its
    // only test binary, so a file in `tests/` that `tests.rs` does not declare would
    // never run: one test binary per crate, and every test in it.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for krate in [".", "district", "hardware"] {
        let tests = root.join(krate).join("tests");
        let binary = code_only(&std::fs::read_to_string(tests.join("tests.rs")).unwrap());
        let manifest = std::fs::read_to_string(root.join(krate).join("Cargo.toml")).unwrap();
        assert!(
            manifest.contains("autotests = false") && manifest.matches("[[test]]").count() == 1,
            "{krate}/Cargo.toml: one [[test]] (tests/tests.rs) and autotests = false"
        );
        for entry in std::fs::read_dir(&tests).unwrap() {
            let path = entry.unwrap().path();
            let module = if path.extension().is_some_and(|e| e == "rs") {
                path.file_stem().unwrap().to_string_lossy().into_owned()
            } else if path.join("mod.rs").exists() {
                path.file_name().unwrap().to_string_lossy().into_owned()
            } else {
                continue;
            };
            if module == "tests" {
                continue;
            }
            assert!(
                binary.lines().any(|line| {
                    let line = line.trim();
                    line == format!("mod {module};") || line == format!("pub mod {module};")
                }),
                "{} is not a module of {krate}/tests/tests.rs, so it never runs",
                path.display()
            );
        }
    }
}

#[test]
fn the_kiosk_library_has_no_unit_tests_since_they_would_never_run() {
    // Cargo.toml says `test = false` for the library (compiling it again with its unit
    // tests cost CI half a minute): every test of this package is in tests/.
    let found = offending(&code_files(&src()), |line| {
        line.contains("#[test]") || line.contains("#[cfg(test)]")
    });
    assert!(
        found.is_empty(),
        "unit tests in src/ never run (put them in tests/):\n  {}",
        found.join("\n  ")
    );
}
