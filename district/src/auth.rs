//! Device credentials: random 256-bit tokens, sent as `Authorization: Bearer …`,
//! stored at the district only as their SHA-256. A revoked or unknown device gets 401.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::ApiError;
use crate::state::AppState;

/// The device a request comes from, as its credential proves.
#[derive(Clone, Debug)]
pub struct Device {
    pub id: Uuid,
    pub centre_code: String,
    pub device_number: i32,
}

pub fn hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// A fresh secret: 32 random bytes from the operating system, as hex.
pub fn new_secret(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    getrandom::getrandom(&mut buffer).expect("the operating system gives random bytes");
    buffer.iter().map(|b| format!("{b:02x}")).collect()
}

/// A one-time enrolment code a person can read out and type: 12 letters and digits
/// without the look-alikes (0/O, 1/I/L), in three groups.
pub fn new_enrol_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut buffer = [0u8; 12];
    getrandom::getrandom(&mut buffer).expect("the operating system gives random bytes");
    let letters: String = buffer
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    format!("{}-{}-{}", &letters[0..4], &letters[4..8], &letters[8..12])
}

/// A code as a person types it: three groups of four letters or digits, each group
/// after the first after one dash or space or none (`ABCD-EFGH-JKMN`, `abcd efgh
/// jkmn`, `ABCDEFGHJKMN`); the OpenAPI document gives the same as a pattern.
pub fn well_formed_code(typed: &str) -> bool {
    let bytes = typed.as_bytes();
    let mut index = 0;
    for group in 0..3 {
        if group > 0 && matches!(bytes.get(index), Some(b'-' | b' ')) {
            index += 1;
        }
        for _ in 0..4 {
            match bytes.get(index) {
                Some(b) if b.is_ascii_alphanumeric() => index += 1,
                _ => return false,
            }
        }
    }
    index == bytes.len()
}

/// Codes are compared as typed without dashes, spaces or case.
pub fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

impl FromRequestParts<AppState> for Device {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            // The scheme name is case-insensitive (RFC 7235).
            .and_then(|value| {
                value
                    .split_once(' ')
                    .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                    .map(|(_, token)| token.trim())
            })
            .filter(|token| !token.is_empty() && token.len() <= 128)
            .ok_or_else(ApiError::unauthorized)?;
        let client = state.pool.get().await?;
        let row = client
            .query_opt(
                "SELECT id, centre_code, device_number FROM devices
                 WHERE credential_hash = $1 AND revoked_at IS NULL",
                &[&hash(token)],
            )
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        Ok(Device {
            id: row.get(0),
            centre_code: row.get(1),
            device_number: row.get(2),
        })
    }
}
