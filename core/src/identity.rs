//! Who a resident is: the citizen ID number (GB 11643-1999), the mobile phone, and
//! the masking that keeps both off screens and paper (invariant 6).
//!
//! The ID number is parsed once at the edge; everything inside the system holds an
//! [`IdNumber`], which is known to be well formed. `Debug` of the identity types is
//! masked on purpose: a value that ends up in a log line or a panic message must not
//! leak the full number either.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{FieldError, Text};

const ID_FIELD: &str = "id_number";
const PHONE_FIELD: &str = "phone";

/// ISO 7064 MOD 11-2 weights for the first 17 digits (2^(17-i) mod 11).
const CHECK_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character for each remainder 0..=10 of the weighted sum.
const CHECK_CHARACTERS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// The province codes of GB/T 2260 (the first two digits of every area code):
/// provinces, autonomous regions and municipalities, and 71 台湾, 81 香港, 82 澳门,
/// 83 the residence permits of Taiwan residents.
/// The area of an anonymised resident's pseudonym ([`IdNumber::pseudonym`]).
pub const PSEUDONYM_AREA: &str = "000000";

const PROVINCES: [&str; 35] = [
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
    "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71",
    "81", "82", "83",
];

/// The oldest birth date we accept: nobody alive was born earlier, so an earlier
/// date is a typing mistake rather than a centenarian.
fn earliest_birth_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(1900, 1, 1).expect("1900-01-01 is a valid date")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    pub fn label(self) -> Text {
        match self {
            Sex::Male => Text::new("男", "Male"),
            Sex::Female => Text::new("女", "Female"),
        }
    }
}

/// The check character (ISO 7064 MOD 11-2) for the first 17 digits of an ID number,
/// or `None` when `first17` is not exactly 17 ASCII digits.
pub fn check_character(first17: &str) -> Option<char> {
    if first17.len() != 17 || !first17.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = first17
        .bytes()
        .zip(CHECK_WEIGHTS)
        .map(|(digit, weight)| u32::from(digit - b'0') * weight)
        .sum();
    Some(CHECK_CHARACTERS[(sum % 11) as usize])
}

/// A citizen ID number that has passed every GB 11643 check; upper-case `X`.
///
/// Serialised as the plain 18-character string. Deserialising re-checks everything
/// except "not in the future", because stored data has no `today` to compare with.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdNumber(String);

impl IdNumber {
    /// Reads what a person typed or a card reader produced. Surrounding whitespace is
    /// trimmed and a lower-case `x` accepted, because both happen at a real counter.
    /// `today` is the date at the centre, used to refuse births in the future.
    pub fn parse(raw: &str, today: NaiveDate) -> Result<IdNumber, FieldError> {
        IdNumber::parse_with(raw, today, false)
    }

    /// A number read back from the centre's own records: every check but "not in the
    /// future", and an anonymised resident's [`IdNumber::pseudonym`] too.
    pub fn stored(raw: &str) -> Result<IdNumber, FieldError> {
        IdNumber::parse_with(raw, NaiveDate::MAX, true)
    }

    /// The number an anonymised resident is kept under: area `000000` (no place in
    /// GB/T 2260, so never a real person's and never accepted from a person or a
    /// file), their birth year and sex (the centre's figures by age and sex still add
    /// up), and `noise` for the rest, which names nobody.
    pub fn pseudonym(birth_year: i32, sex: Sex, noise: u32) -> IdNumber {
        let month = noise % 12 + 1;
        let day = (noise / 12) % 28 + 1;
        let serial = (noise / 336) % 50;
        let sex_digit = (noise / 16800) % 5 * 2 + u32::from(sex == Sex::Male);
        let first17 = format!(
            "{PSEUDONYM_AREA}{:04}{month:02}{day:02}{serial:02}{sex_digit}",
            birth_year.clamp(1900, 9999)
        );
        let check = check_character(&first17).expect("17 digits");
        IdNumber(format!("{first17}{check}"))
    }

    /// Whether this is an anonymised resident's number.
    pub fn is_pseudonym(&self) -> bool {
        self.0.starts_with(PSEUDONYM_AREA)
    }

    fn parse_with(raw: &str, today: NaiveDate, pseudonym_ok: bool) -> Result<IdNumber, FieldError> {
        let normalised: String = raw
            .trim()
            .chars()
            .map(half_width)
            .map(|c| if c == 'x' { 'X' } else { c })
            .collect();
        let length = normalised.chars().count();
        if length != 18 {
            return Err(FieldError::new(
                ID_FIELD,
                "length",
                format!("身份证号码应为18位，现在是{length}位，请核对"),
                format!("An ID number has 18 characters; {length} were entered. Please check it"),
            ));
        }
        // Checked before any byte slicing: 18 characters may be more than 18 bytes.
        let well_formed = normalised.is_ascii() && {
            let (first17, last) = normalised.split_at(17);
            first17.bytes().all(|b| b.is_ascii_digit())
                && (last == "X" || last.bytes().all(|b| b.is_ascii_digit()))
        };
        if !well_formed {
            return Err(FieldError::new(
                ID_FIELD,
                "characters",
                "身份证号码前17位只能是数字，最后一位是数字或X",
                "The first 17 characters of an ID number are digits; the last is a digit or X",
            ));
        }
        let area = &normalised[0..6];
        let pseudonym = pseudonym_ok && area == PSEUDONYM_AREA;
        if !(pseudonym || PROVINCES.contains(&&area[0..2])) {
            return Err(FieldError::new(
                ID_FIELD,
                "area",
                format!(
                    "身份证号码前两位（省份代码）“{}”不是任何省、自治区、直辖市或港澳台的代码，请核对",
                    &area[0..2]
                ),
                format!(
                    "The first two digits of the ID number (\"{}\") are not the code of any province, region or municipality. Please check them",
                    &area[0..2]
                ),
            ));
        }
        let birth_date = date_from_digits(&normalised[6..14]).ok_or_else(|| {
            FieldError::new(
                ID_FIELD,
                "birth_date",
                "身份证号码第7至14位（出生日期）不是有效日期，请核对",
                "Digits 7 to 14 of the ID number (the birth date) are not a valid date. Please check them",
            )
        })?;
        if birth_date < earliest_birth_date() {
            return Err(FieldError::new(
                ID_FIELD,
                "birth_date_too_early",
                format!(
                    "身份证号码中的出生日期是{}，早于1900年，不可能是在世的居民，请核对第7至14位",
                    crate::dates::long_date_text(birth_date).zh
                ),
                format!(
                    "The birth date in the ID number is {}, before 1900: no living resident was born then. Please check digits 7 to 14",
                    crate::dates::long_date_text(birth_date).en
                ),
            ));
        }
        if birth_date > today {
            return Err(FieldError::new(
                ID_FIELD,
                "future_birth_date",
                "身份证号码中的出生日期晚于今天，请核对",
                "The birth date in the ID number is after today. Please check it",
            ));
        }
        let (first17, last) = normalised.split_at(17);
        // Deliberately not saying which character is expected: that would let a wrong
        // number be "fixed" into a valid-looking one instead of being checked on the card.
        if check_character(first17) != last.chars().next() {
            return Err(FieldError::new(
                ID_FIELD,
                "check_character",
                "身份证号码有输入错误，请对照身份证逐位核对",
                "The ID number has a typing mistake. Please check it digit by digit against the card",
            ));
        }
        Ok(IdNumber(normalised))
    }

    /// The full number. Only for storage and matching; never for screens or slips.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn birth_date(&self) -> NaiveDate {
        date_from_digits(&self.0[6..14]).expect("checked when the IdNumber was parsed")
    }

    /// The 17th digit is odd for men and even for women (GB 11643 §4.1.3).
    pub fn sex(&self) -> Sex {
        if (self.0.as_bytes()[16] - b'0') % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// The GB/T 2260 area of first registration (not necessarily where they live now).
    pub fn area_code(&self) -> &str {
        &self.0[0..6]
    }

    /// `440306********123X`: enough for a resident to recognise their own number.
    pub fn masked(&self) -> String {
        mask_id_number(&self.0)
    }
}

impl std::fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("IdNumber").field(&self.masked()).finish()
    }
}

impl TryFrom<String> for IdNumber {
    type Error = FieldError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        IdNumber::stored(&value)
    }
}

impl From<IdNumber> for String {
    fn from(value: IdNumber) -> Self {
        value.0
    }
}

/// Chinese input methods often type full-width digits (１２３) and letters; they are
/// the same characters to the person typing, so they are read as ASCII.
fn half_width(c: char) -> char {
    match c {
        '０'..='９' | 'Ｘ' | 'ｘ' | '＋' | '－' => {
            char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
        }
        '\u{3000}' => ' ',
        other => other,
    }
}

fn date_from_digits(yyyymmdd: &str) -> Option<NaiveDate> {
    if yyyymmdd.len() != 8 || !yyyymmdd.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: i32 = yyyymmdd[0..4].parse().ok()?;
    let month: u32 = yyyymmdd[4..6].parse().ok()?;
    let day: u32 = yyyymmdd[6..8].parse().ok()?;
    NaiveDate::from_ymd_opt(year, month, day)
}

/// Masks anything that might be an ID number, valid or not, so even a rejected or
/// legacy 15-digit number is never printed in full. Keeps the first 6 and last 4
/// characters of an 18-character number; shorter input keeps less.
pub fn mask_id_number(raw: &str) -> String {
    let characters: Vec<char> = raw.trim().chars().collect();
    let length = characters.len();
    if length == 18 {
        let head: String = characters[..6].iter().collect();
        let tail: String = characters[14..].iter().collect();
        return format!("{head}********{tail}");
    }
    if length > 10 {
        let head: String = characters[..6].iter().collect();
        let tail: String = characters[length - 4..].iter().collect();
        return format!("{head}{}{tail}", "*".repeat(length - 10));
    }
    "*".repeat(length)
}

/// A mainland mobile number, stored as its 11 digits without country code.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    /// Accepts the ways people write a number: spaces or hyphens between groups and a
    /// leading `+86` or `86`.
    pub fn parse(raw: &str) -> Result<Phone, FieldError> {
        let half: String = raw.chars().map(half_width).collect();
        let trimmed = half.trim();
        let without_plus = trimmed.strip_prefix('+');
        let compact: String = without_plus
            .unwrap_or(trimmed)
            .chars()
            .filter(|c| *c != ' ' && *c != '-')
            .collect();
        if compact.is_empty() || !compact.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FieldError::new(
                PHONE_FIELD,
                "characters",
                "手机号码只能包含数字（可带空格或短横线）",
                "A mobile number may contain only digits (spaces or hyphens are fine)",
            ));
        }
        // "86" is only a country code when 11 digits follow it; a mobile number itself
        // always starts with 1, so this cannot swallow part of a real number.
        let digits = match compact.strip_prefix("86") {
            Some(rest) if rest.len() == 11 => rest,
            _ if without_plus.is_some() => {
                return Err(FieldError::new(
                    PHONE_FIELD,
                    "country_code",
                    "只接受中国大陆手机号码（+86）",
                    "Only mainland China mobile numbers (+86) are accepted",
                ))
            }
            _ => compact.as_str(),
        };
        if digits.len() != 11 {
            let length = digits.len();
            return Err(FieldError::new(
                PHONE_FIELD,
                "length",
                format!("手机号码应为11位数字，现在是{length}位"),
                format!("A mobile number has 11 digits; {length} were entered"),
            ));
        }
        let second = digits.as_bytes()[1];
        if digits.as_bytes()[0] != b'1' || !(b'3'..=b'9').contains(&second) {
            return Err(FieldError::new(
                PHONE_FIELD,
                "prefix",
                "手机号码应以13至19开头，请核对（座机号码不能用于接收通知）",
                "A mobile number starts with 13 to 19. Please check it (landlines cannot receive notices)",
            ));
        }
        Ok(Phone(digits.to_string()))
    }

    /// The 11 digits. Only for storage and sending; never for screens or slips.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****5678`.
    pub fn masked(&self) -> String {
        mask_phone(&self.0)
    }
}

impl std::fmt::Debug for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Phone").field(&self.masked()).finish()
    }
}

impl TryFrom<String> for Phone {
    type Error = FieldError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Phone::parse(&value)
    }
}

impl From<Phone> for String {
    fn from(value: Phone) -> Self {
        value.0
    }
}

/// Masks anything that might be a phone number: a valid mobile becomes `138****5678`;
/// other input keeps at most its first 3 and last 4 digits.
pub fn mask_phone(raw: &str) -> String {
    if let Ok(phone) = Phone::parse(raw) {
        return format!("{}****{}", &phone.0[..3], &phone.0[7..]);
    }
    let characters: Vec<char> = raw.trim().chars().filter(|c| !c.is_whitespace()).collect();
    let length = characters.len();
    if length >= 11 {
        let head: String = characters[..3].iter().collect();
        let tail: String = characters[length - 4..].iter().collect();
        format!("{head}{}{tail}", "*".repeat(length - 7))
    } else {
        "*".repeat(length)
    }
}

/// A name for slips and exports: the first character kept, every other one starred
/// (`张三` → `张*`, `欧阳娜娜` → `欧***`). Spaces in Latin names are kept so the
/// shape stays readable. A one-character name is fully starred, since keeping it
/// would reveal the whole name.
pub fn mask_name(name: &str) -> String {
    let trimmed = name.trim();
    let mut characters = trimmed.chars();
    let Some(first) = characters.next() else {
        return String::new();
    };
    let rest: String = characters
        .map(|c| if c.is_whitespace() { c } else { '*' })
        .collect();
    if rest.is_empty() {
        "*".to_string()
    } else {
        format!("{first}{rest}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;
    use proptest::prelude::*;

    /// Year, month, day of a date as digits, for building test numbers.
    fn yyyymmdd(date: NaiveDate) -> String {
        format!("{:04}{:02}{:02}", date.year(), date.month(), date.day())
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 9, 1).unwrap()
    }

    /// Builds a valid number from its parts, computing the check character.
    fn valid_number(area: &str, birth: NaiveDate, sequence: u32) -> String {
        let first17 = format!("{area}{}{sequence:03}", yyyymmdd(birth));
        let check = check_character(&first17).unwrap();
        format!("{first17}{check}")
    }

    fn code_of(raw: &str) -> String {
        IdNumber::parse(raw, today()).unwrap_err().code
    }

    #[test]
    fn the_published_sample_number_is_valid() {
        // The sample in GB 11643-1999 appendix: 11010519491231002X.
        let id = IdNumber::parse("11010519491231002X", today()).unwrap();
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
        assert_eq!(id.sex(), Sex::Female);
        assert_eq!(id.area_code(), "110105");
        assert_eq!(check_character("11010519491231002"), Some('X'));
    }

    #[test]
    fn lower_case_x_and_spaces_are_normalised() {
        let id = IdNumber::parse("  11010519491231002x \n", today()).unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
    }

    #[test]
    fn full_width_input_is_read_as_ascii() {
        let id = IdNumber::parse("１１０１０５１９４９１２３１００２ｘ", today()).unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        let phone = Phone::parse("＋８６　１３８－１２３４－５６７８").unwrap();
        assert_eq!(phone.as_str(), "13812345678");
    }

    #[test]
    fn eighteen_non_ascii_characters_are_refused_not_a_crash() {
        assert_eq!(
            code_of("一二三四五六七八九十一二三四五六七八"),
            "characters"
        );
        assert_eq!(code_of("11010519491231002é"), "characters");
    }

    #[test]
    fn a_birth_before_1900_is_named_as_such() {
        let error = IdNumber::parse(
            &valid_number("440306", NaiveDate::from_ymd_opt(1899, 12, 31).unwrap(), 1),
            today(),
        )
        .unwrap_err();
        assert!(
            error.message.zh.contains("1899年12月31日，早于1900年"),
            "{error:?}"
        );
        assert!(error.message.en.contains("before 1900"));
        assert!(!error.message.en.contains("not a valid date"));
    }

    #[test]
    fn odd_seventeenth_digit_is_male() {
        let raw = valid_number("440306", NaiveDate::from_ymd_opt(2018, 5, 6).unwrap(), 123);
        assert_eq!(IdNumber::parse(&raw, today()).unwrap().sex(), Sex::Male);
    }

    #[test]
    fn each_kind_of_mistake_has_its_own_code() {
        assert_eq!(code_of("4403061990"), "length");
        assert_eq!(code_of("4403061990010112345"), "length");
        assert_eq!(code_of("44030619900101123Y"), "characters");
        assert_eq!(code_of("4403061990010112X3"), "characters");
        let birth = NaiveDate::from_ymd_opt(1990, 1, 1).unwrap();
        assert_eq!(code_of(&valid_number("940306", birth, 1)), "area");
        assert_eq!(code_of(&valid_number("040306", birth, 1)), "area");
        assert_eq!(code_of("000000199001011234"), "area");
        assert_eq!(code_of("440306199002301234"), "birth_date");
        assert_eq!(code_of("440306189912311234"), "birth_date_too_early");
        // A province that does not exist (the first digit alone once passed for 5).
        assert_eq!(code_of(&valid_number("570306", birth, 1)), "area");
        assert_eq!(code_of(&valid_number("190306", birth, 1)), "area");
        assert_eq!(code_of("440306202602291234"), "birth_date");
        let tomorrow = today().succ_opt().unwrap();
        assert_eq!(
            code_of(&valid_number("440306", tomorrow, 1)),
            "future_birth_date"
        );
        assert_eq!(code_of("110105194912310021"), "check_character");
        for raw in ["4403061990", "440306199002301234", "110105194912310021"] {
            assert_eq!(
                IdNumber::parse(raw, today()).unwrap_err().field,
                "id_number"
            );
        }
    }

    #[test]
    fn born_today_is_accepted_and_leap_day_is_a_real_date() {
        assert!(IdNumber::parse(&valid_number("440306", today(), 7), today()).is_ok());
        let leap_day = NaiveDate::from_ymd_opt(2016, 2, 29).unwrap();
        assert!(IdNumber::parse(&valid_number("440306", leap_day, 7), today()).is_ok());
    }

    #[test]
    fn the_check_character_message_does_not_reveal_the_answer() {
        let error = IdNumber::parse("110105194912310021", today()).unwrap_err();
        assert!(!error.message.zh.contains('X') && !error.message.en.contains(" X"));
        assert!(error.message.zh.contains("核对"));
    }

    #[test]
    fn masking_keeps_first_six_and_last_four() {
        let id = IdNumber::parse("11010519491231002X", today()).unwrap();
        assert_eq!(id.masked(), "110105********002X");
        assert_eq!(mask_id_number(" 11010519491231002X "), "110105********002X");
        assert_eq!(mask_id_number("110105491231002"), "110105*****1002");
        assert_eq!(mask_id_number("12345"), "*****");
        assert!(!format!("{id:?}").contains("19491231"));
    }

    #[test]
    fn serde_round_trip_and_rejects_bad_stored_numbers() {
        let id = IdNumber::parse("11010519491231002X", today()).unwrap();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, "\"11010519491231002X\"");
        assert_eq!(serde_json::from_str::<IdNumber>(&json).unwrap(), id);
        assert!(serde_json::from_str::<IdNumber>("\"110105194912310021\"").is_err());
    }

    #[test]
    fn phones_in_everyday_formats_are_accepted() {
        for raw in [
            "13812345678",
            "138 1234 5678",
            "138-1234-5678",
            "+86 138 1234 5678",
            "+8613812345678",
            "8613812345678",
            " 86-138-1234-5678 ",
        ] {
            assert_eq!(Phone::parse(raw).unwrap().as_str(), "13812345678", "{raw}");
        }
    }

    #[test]
    fn bad_phones_say_why() {
        assert_eq!(Phone::parse("1381234567").unwrap_err().code, "length");
        assert_eq!(Phone::parse("138123456789").unwrap_err().code, "length");
        assert_eq!(Phone::parse("12812345678").unwrap_err().code, "prefix");
        assert_eq!(Phone::parse("0755-888888").unwrap_err().code, "length");
        assert_eq!(Phone::parse("07558888888").unwrap_err().code, "prefix");
        assert_eq!(Phone::parse("138abcd5678").unwrap_err().code, "characters");
        assert_eq!(Phone::parse("").unwrap_err().code, "characters");
        assert_eq!(
            Phone::parse("+852 9123 4567").unwrap_err().code,
            "country_code"
        );
        assert_eq!(Phone::parse("12812345678").unwrap_err().field, "phone");
    }

    #[test]
    fn phones_are_masked_in_the_middle() {
        let phone = Phone::parse("+86 138 1234 5678").unwrap();
        assert_eq!(phone.masked(), "138****5678");
        assert_eq!(mask_phone("138-1234-5678"), "138****5678");
        assert_eq!(mask_phone("075588888888"), "075*****8888");
        assert_eq!(mask_phone("12345"), "*****");
        assert!(!format!("{phone:?}").contains("1234"));
    }

    #[test]
    fn names_keep_only_the_first_character() {
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("欧阳娜娜"), "欧***");
        assert_eq!(mask_name(" 李 "), "*");
        assert_eq!(mask_name("Anna Lee"), "A*** ***");
        assert_eq!(mask_name(""), "");
    }

    fn any_valid_number() -> impl Strategy<Value = String> {
        let earliest = earliest_birth_date();
        let days_to_today = (today() - earliest).num_days();
        (
            0..PROVINCES.len(),
            0u32..10_000,
            0..=days_to_today,
            0u32..1000,
        )
            .prop_map(move |(province, rest, offset, sequence)| {
                let area = format!("{}{rest:04}", PROVINCES[province]);
                let birth = earliest + chrono::Duration::days(offset);
                valid_number(&area, birth, sequence)
            })
    }

    proptest! {
        #[test]
        fn parsing_anything_never_panics(raw in "\\PC{0,24}", digits in "[0-9xX +-]{0,24}") {
            let _ = IdNumber::parse(&raw, today());
            let _ = IdNumber::parse(&digits, today());
            let _ = Phone::parse(&raw);
            let _ = Phone::parse(&digits);
            let _ = mask_id_number(&raw);
            let _ = mask_phone(&raw);
            let _ = mask_name(&raw);
        }

        #[test]
        fn any_well_formed_number_parses(raw in any_valid_number()) {
            let id = IdNumber::parse(&raw, today()).unwrap();
            prop_assert_eq!(id.as_str(), raw.as_str());
            prop_assert_eq!(yyyymmdd(id.birth_date()), &raw[6..14]);
        }

        #[test]
        fn changing_one_digit_is_always_rejected(
            raw in any_valid_number(),
            position in 0usize..18,
            step in 1u8..10,
        ) {
            let mut bytes = raw.clone().into_bytes();
            let original = bytes[position];
            bytes[position] = if original == b'X' {
                b'0' + step
            } else {
                b'0' + (original - b'0' + step) % 10
            };
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(IdNumber::parse(&changed, today()).is_err(), "{} accepted", changed);
        }
    }
}
