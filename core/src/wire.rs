//! How values look on the wire between the kiosk and the district: times and dates
//! read strictly, and numbers that JSON Schema counts as integers read as integers.
//! Both the event bodies (`outbox`) and the sync messages (`sync`) use them.

/// Times and dates on the wire, read strictly: exactly `YYYY-MM-DDTHH:MM:SS` with up
/// to nine fraction digits (a date: `YYYY-MM-DD`), a real calendar date, hours 00-23,
/// no leap second, no sign or fifth year digit. That is what chrono writes and what
/// the district's OpenAPI document describes; chrono's own reader takes more (a
/// second 60, a year +12026), which the document could not promise. Written as chrono
/// writes them.
pub mod time {
    use chrono::{NaiveDate, NaiveDateTime};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    fn digits(bytes: &[u8]) -> Option<u32> {
        bytes.iter().try_fold(0u32, |n, b| {
            b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
        })
    }

    /// `YYYY-MM-DD`, a real date.
    pub fn parse_date(text: &str) -> Option<NaiveDate> {
        let b = text.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let (year, month, day) = (digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?);
        NaiveDate::from_ymd_opt(year as i32, month, day)
    }

    /// `YYYY-MM-DDTHH:MM:SS` with an optional fraction of 1 to 9 digits.
    pub fn parse_date_time(text: &str) -> Option<NaiveDateTime> {
        let b = text.as_bytes();
        if b.len() < 19 || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
            return None;
        }
        let date = parse_date(&text[..10])?;
        let (hour, minute, second) = (
            digits(&b[11..13])?,
            digits(&b[14..16])?,
            digits(&b[17..19])?,
        );
        let nanos = match &b[19..] {
            [] => 0,
            [b'.', fraction @ ..] if (1..=9).contains(&fraction.len()) => {
                digits(fraction)? * 10u32.pow(9 - fraction.len() as u32)
            }
            _ => return None,
        };
        // from_hms_nano_opt would take a leap second; the wire does not.
        if second > 59 {
            return None;
        }
        date.and_hms_nano_opt(hour, minute, second, nanos)
    }

    fn refuse<E: serde::de::Error>(text: &str, shape: &str) -> E {
        E::custom(format!(
            "\"{text}\" is not a local {shape} ({})",
            if shape == "date" {
                "YYYY-MM-DD, a real date"
            } else {
                "YYYY-MM-DDTHH:MM:SS with up to 9 fraction digits, a real date and time"
            }
        ))
    }

    /// `#[serde(with = "wire::time::date_time")]`
    pub mod date_time {
        use super::*;

        pub fn serialize<S: Serializer>(value: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
            value.serialize(s)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDateTime, D::Error> {
            let text = String::deserialize(d)?;
            parse_date_time(&text).ok_or_else(|| refuse(&text, "date-time"))
        }
    }

    /// `#[serde(default, with = "wire::time::option_date_time")]`
    pub mod option_date_time {
        use super::*;

        pub fn serialize<S: Serializer>(
            value: &Option<NaiveDateTime>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            value.serialize(s)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<NaiveDateTime>, D::Error> {
            match Option::<String>::deserialize(d)? {
                None => Ok(None),
                Some(text) => parse_date_time(&text)
                    .map(Some)
                    .ok_or_else(|| refuse(&text, "date-time")),
            }
        }
    }

    /// `#[serde(with = "wire::time::date")]`
    pub mod date {
        use super::*;

        pub fn serialize<S: Serializer>(value: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
            value.serialize(s)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
            let text = String::deserialize(d)?;
            parse_date(&text).ok_or_else(|| refuse(&text, "date"))
        }
    }
}

/// Numbers written with a zero fraction (`1.0`, `3e2`) are integers in JSON Schema's
/// sense, so the district's document cannot tell them from `1` and `300`: the district
/// reads them as those integers, everywhere in a request, before typing it.
pub fn integral_numbers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(number) if !number.is_i64() && !number.is_u64() => {
            if let Some(float) = number.as_f64().filter(|f| f.fract() == 0.0) {
                if float >= -(2f64.powi(63)) && float < 2f64.powi(63) {
                    *value = Value::from(float as i64);
                } else if float >= 0.0 && float < 2f64.powi(64) {
                    *value = Value::from(float as u64);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_numbers),
        Value::Object(map) => map.values_mut().for_each(integral_numbers),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn wire_times_are_read_exactly_as_written() {
        use time::{parse_date, parse_date_time};
        let now = NaiveDate::from_ymd_opt(2026, 11, 28)
            .unwrap()
            .and_hms_nano_opt(14, 47, 18, 304_035_761)
            .unwrap();
        let written = serde_json::to_value(now).unwrap();
        assert_eq!(parse_date_time(written.as_str().unwrap()), Some(now));
        for good in [
            "2026-11-28T09:00:00",
            "2026-11-28T09:00:00.5",
            "2028-02-29T23:59:59.123456789",
            "2000-02-29T00:00:00",
        ] {
            assert!(parse_date_time(good).is_some(), "{good}");
        }
        for bad in [
            "2026-13-01T00:00:00",
            "2026-02-29T00:00:00",
            "1900-02-29T00:00:00",
            "2026-11-31T00:00:00",
            "2026-11-28T24:00:00",
            "2026-11-28T23:60:00",
            "2026-11-28T23:59:60",
            "+12026-11-28T09:00:00",
            "2026-11-28 09:00:00",
            "2026-11-28T09:00",
            "2026-11-28T09:00:00.",
            "2026-11-28T09:00:00.1234567891",
            "2026-11-28T09:00:00Z",
            "２026-11-28T09:00:00",
        ] {
            assert!(parse_date_time(bad).is_none(), "{bad}");
        }
        assert!(parse_date("2026-09-07").is_some());
        assert!(parse_date("2026-9-07").is_none());
    }

    #[test]
    fn numbers_with_a_zero_fraction_read_as_integers() {
        let mut value = serde_json::json!({"v": 1.0, "list": [3e2, 2.5, -4.0], "n": 7});
        integral_numbers(&mut value);
        assert_eq!(
            value,
            serde_json::json!({"v": 1, "list": [300, 2.5, -4], "n": 7})
        );
    }
}
