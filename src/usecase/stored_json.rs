//! Domain values kept whole in a `body` column as JSON text (attendance, pickup
//! lists, shifts, ratings, follow-ups): core's own serde shapes, so a record reads
//! back exactly as it was decided.

use crate::error::{AppError, StoreError};

pub fn to_json_text<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("domain values serialise")
}

/// A stored record Linli itself wrote that no longer reads back is a bug, named with
/// what it was, never a column error from SQLite.
pub fn from_json_text<T: serde::de::DeserializeOwned>(
    what: &str,
    text: &str,
) -> Result<T, AppError> {
    serde_json::from_str(text).map_err(|e| {
        AppError::Store(StoreError::Internal(format!(
            "a stored {what} cannot be read back: {e}"
        )))
    })
}
