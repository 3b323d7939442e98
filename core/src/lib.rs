//! linli-core: the rules of a Linli community service centre.
//!
//! Architecture invariant: this crate does no I/O. It reads no clock, no file, no
//! network and no randomness; time, ids and random choices arrive as arguments. That
//! is what lets the kiosk and the district backend share these rules and lets tests
//! pin every decision to exact data.

use serde::{Deserialize, Serialize};

pub mod absence;
pub mod attendance;
pub mod business;
pub mod calendar;
pub mod consent;
pub mod dates;
pub mod day_care;
pub mod demo;
pub mod dietary;
pub mod eligibility;
pub mod enrolment;
pub mod fees;
pub mod household;
pub mod identity;
pub mod meals;
pub mod outbox;
pub mod pickup;
pub mod programme;
pub mod rating;
pub mod receipt;
pub mod retention;
pub mod roll_call;
pub mod slips;
pub mod staff;
pub mod sync;
pub mod table;
pub mod text;
pub mod volunteer;
pub mod waitlist;
pub mod wire;

/// A sentence shown to a person: Chinese first, English second.
///
/// Rules speak to residents in words, so every refusal and explanation that leaves
/// this crate carries both languages; the UI picks one, paper may print both.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Text {
    pub zh: String,
    pub en: String,
}

impl Text {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Text {
            zh: zh.into(),
            en: en.into(),
        }
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} / {}", self.zh, self.en)
    }
}

/// Bad input: which field was wrong, a stable machine code, and why in words.
///
/// Invariant 5 (bad input gets a clear, specific error and changes nothing) rests on
/// every validator returning one of these rather than a bare string.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{field}: {}", message.en)]
pub struct FieldError {
    pub field: String,
    pub code: String,
    pub message: Text,
}

impl FieldError {
    pub fn new(
        field: impl Into<String>,
        code: impl Into<String>,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        FieldError {
            field: field.into(),
            code: code.into(),
            message: Text::new(zh, en),
        }
    }
}

/// The checks every piece of versioned data from the district shares: an id, and a
/// version counted from 1. `prefix` names the field ("rules", "policy"); `what` names
/// the data in words.
pub(crate) fn check_id_and_version(
    prefix: &str,
    id: &str,
    version: u32,
    what_zh: &str,
    what_en: &str,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if id.trim().is_empty() {
        errors.push(FieldError::new(
            format!("{prefix}.id"),
            "required",
            format!("{what_zh}缺少编号"),
            format!("The {what_en} has no id"),
        ));
    }
    if version == 0 {
        errors.push(FieldError::new(
            format!("{prefix}.version"),
            "out_of_range",
            format!("{what_zh}版本号须从1开始"),
            format!("The {what_en} version must start at 1"),
        ));
    }
    errors
}
