//! How typed results read in the command line's JSON: timestamps in the store's own
//! format and sentences in both languages, as `linli` has always printed them, so
//! scripts written against earlier output keep working.

use chrono::NaiveDateTime;
use linli_core::Text;
use serde::Serializer;

use crate::clock;

pub fn db_time<S: Serializer>(t: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&clock::to_db(*t))
}

pub fn db_time_opt<S: Serializer>(t: &Option<NaiveDateTime>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&clock::to_db(*t)),
        None => s.serialize_none(),
    }
}

/// "中文 / English", one string.
pub fn both_languages<S: Serializer>(t: &Text, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_string())
}

/// "中文 / English", or null.
pub fn both_languages_opt<S: Serializer>(t: &Option<Text>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&t.to_string()),
        None => s.serialize_none(),
    }
}
