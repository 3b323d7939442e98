//! What the receipt test binaries share: golden snapshots of rendered jobs.
//!
//! `LINLI_UPDATE_GOLDEN=1 cargo test -p linli-hardware` rewrites the snapshots under
//! `tests/golden/`; review the diff of the `.txt` beside each `.bin` before committing.

use std::path::PathBuf;

use linli_hardware::receipt::slip_text;

fn golden_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name)
}

/// Compares `bytes` with the stored snapshot, or rewrites it (and its readable text)
/// when LINLI_UPDATE_GOLDEN=1.
pub fn assert_golden(name: &str, bytes: &[u8]) {
    let bin = golden_path(&format!("{name}.bin"));
    let txt = golden_path(&format!("{name}.txt"));
    if std::env::var("LINLI_UPDATE_GOLDEN").as_deref() == Ok("1") {
        std::fs::create_dir_all(bin.parent().unwrap()).unwrap();
        std::fs::write(&bin, bytes).unwrap();
        std::fs::write(&txt, slip_text(bytes).unwrap()).unwrap();
        return;
    }
    let expected = std::fs::read(&bin).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run with LINLI_UPDATE_GOLDEN=1 to create it",
            bin.display()
        )
    });
    // The readable copy must stay in step with the bytes it describes.
    assert_eq!(
        std::fs::read_to_string(&txt).unwrap_or_default(),
        slip_text(&expected).unwrap(),
        "{}: stale; run with LINLI_UPDATE_GOLDEN=1",
        txt.display()
    );
    if expected != bytes {
        // Show the difference as text first: it is what a reviewer can read.
        assert_eq!(
            std::fs::read_to_string(&txt).unwrap_or_default(),
            slip_text(bytes).unwrap(),
            "{name}: text differs from the snapshot (LINLI_UPDATE_GOLDEN=1 to accept)"
        );
        panic!("{name}: bytes differ from the snapshot though the text is the same (LINLI_UPDATE_GOLDEN=1 to accept)");
    }
}
pub mod fixtures;
