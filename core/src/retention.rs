//! How long a centre keeps the personal data of residents who are no longer served
//! (个人信息保护法 第十九条: no longer than the purpose needs). The district publishes
//! one rule for all its centres: a household that moved away, none of whose members
//! has been served for `years`, has its members' personal data anonymised. What they
//! did (attendance, meals, payments, volunteer hours) stays for the centre's figures
//! and accounts, under a number that names nobody.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::FieldError;

/// The shortest and longest keeping the district may publish: under a year would
/// anonymise a family that moved away last month before their last fee is settled;
/// over 30 is the longest accounting records are kept (会计档案管理办法).
pub const YEARS: std::ops::RangeInclusive<u32> = 1..=30;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionRule {
    pub version: u32,
    /// Years after a household's last service (or its move, if later).
    pub years: u32,
}

impl RetentionRule {
    pub fn validate(&self) -> Result<(), FieldError> {
        if !YEARS.contains(&self.years) {
            return Err(FieldError::new(
                "years",
                "out_of_range",
                format!(
                    "保存年限须在{}至{}年之间，现为{}年",
                    YEARS.start(),
                    YEARS.end(),
                    self.years
                ),
                format!(
                    "the years kept must be {} to {}; this rule says {}",
                    YEARS.start(),
                    YEARS.end(),
                    self.years
                ),
            ));
        }
        if self.version == 0 {
            return Err(FieldError::new(
                "version",
                "invalid",
                "版本号从1开始",
                "versions start at 1",
            ));
        }
        Ok(())
    }

    /// The last day of service after which a household is due on `today`: `years`
    /// before today (29 February counts back to the 28th in a common year).
    pub fn kept_since(&self, today: NaiveDate) -> NaiveDate {
        let year = today.year() - self.years as i32;
        today
            .with_year(year)
            .or_else(|| NaiveDate::from_ymd_opt(year, today.month(), 28))
            .expect("a day of the year")
    }

    /// Whether a household last served on `last_service` is due for anonymising.
    pub fn due(&self, last_service: NaiveDate, today: NaiveDate) -> bool {
        last_service < self.kept_since(today)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_household_is_due_the_day_after_its_years_are_up() {
        let rule = RetentionRule {
            version: 1,
            years: 3,
        };
        assert!(!rule.due(d("2023-12-01"), d("2026-12-01")));
        assert!(rule.due(d("2023-11-30"), d("2026-12-01")));
        // A leap day's anniversary in a common year is the 28th.
        assert_eq!(rule.kept_since(d("2028-02-29")), d("2025-02-28"));
        assert!(rule.due(d("2025-02-27"), d("2028-02-29")));
        assert!(!rule.due(d("2025-02-28"), d("2028-02-29")));
    }

    #[test]
    fn a_pseudonym_keeps_birth_year_and_sex_and_is_never_taken_from_a_person() {
        use crate::identity::{IdNumber, Sex};
        for noise in [0, 1, 335, 336, 16_799, 16_800, 83_999, u32::MAX] {
            for sex in [Sex::Male, Sex::Female] {
                let p = IdNumber::pseudonym(1958, sex, noise);
                assert!(p.is_pseudonym());
                assert_eq!(p.sex(), sex);
                assert_eq!(chrono::Datelike::year(&p.birth_date()), 1958);
                assert_eq!(IdNumber::stored(p.as_str()).unwrap(), p);
                let typed = IdNumber::parse(p.as_str(), d("2026-12-01")).unwrap_err();
                assert_eq!(typed.code, "area");
            }
        }
        assert_ne!(
            IdNumber::pseudonym(1958, Sex::Male, 1),
            IdNumber::pseudonym(1958, Sex::Male, 2)
        );
    }

    #[test]
    fn a_rule_outside_its_range_is_refused_with_its_field() {
        for years in [0, 31] {
            let e = RetentionRule { version: 1, years }.validate().unwrap_err();
            assert_eq!(e.field, "years");
        }
        assert!(RetentionRule {
            version: 1,
            years: 5
        }
        .validate()
        .is_ok());
    }
}
