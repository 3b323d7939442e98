//! The device's credential for the district, in `DATA_DIR/district.json`, readable by
//! the kiosk's user only (mode 0600). The district keeps only its hash.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::StoreError;

pub const FILE: &str = crate::data_dir::CREDENTIAL_FILE;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credential {
    pub district_url: String,
    pub device_id: String,
    pub credential: String,
    pub device_number: u32,
    pub centre_code: String,
}

pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE)
}

fn unusable(path: &Path, detail: impl std::fmt::Display) -> StoreError {
    StoreError::NotWritable {
        path: path.to_path_buf(),
        detail: detail.to_string(),
    }
}

pub fn load(data_dir: &Path) -> Result<Option<Credential>, StoreError> {
    let path = path(data_dir);
    match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| unusable(&path, format!("the enrolment file is damaged: {e}"))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(unusable(&path, e)),
    }
}

/// Written whole or not at all: a temporary file (created 0600, so the secret is never
/// readable by others even for a moment), synced, then renamed over the real name.
pub fn save(data_dir: &Path, credential: &Credential) -> Result<(), StoreError> {
    let text = serde_json::to_string_pretty(credential).expect("credentials serialise");
    crate::disk::write_whole(data_dir, FILE, text.as_bytes(), 0o600)
        .map(drop)
        .map_err(|e| unusable(&path(data_dir), e))
}
