//! Where the kiosk keeps its database and spool: `--data-dir`, else
//! `LINLI_DATA_DIR` (both handled by clap), else the XDG data directory.

use std::path::{Path, PathBuf};

pub const ENV_DATA_DIR: &str = "LINLI_DATA_DIR";

/// The device's district credential (`sync::credential`). Its presence is the one
/// answer to "is this device enrolled?": it is written before the database learns
/// of the enrolment, so every screen and `doctor` agree even inside that window.
pub const CREDENTIAL_FILE: &str = "district.json";

pub fn is_enrolled(data_dir: &Path) -> bool {
    data_dir.join(CREDENTIAL_FILE).exists()
}

/// The XDG default: `$XDG_DATA_HOME/linli`, else `~/.local/share/linli`.
pub fn xdg_default() -> PathBuf {
    if let Some(base) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(base).join("linli");
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    home.join(".local/share/linli")
}

pub fn resolve(explicit: Option<PathBuf>) -> PathBuf {
    explicit.unwrap_or_else(xdg_default)
}
