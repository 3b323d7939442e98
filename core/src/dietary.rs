//! Dietary needs and allergies (饮食禁忌与过敏) of a child, recorded at the desk for the
//! kitchen and the roll call.
//!
//! This is health data, sensitive personal information under PIPL (《个人信息保护法》
//! 第二十八条), kept only where it is needed: on the centre's own device, shown to the
//! roles that feed and look after the children (front desk, social worker, manager),
//! printed only on the kitchen's list, never on a slip a child carries, and never sent
//! to the district (no outbox event carries it).

use serde::{Deserialize, Serialize};

use crate::{text, FieldError};

/// The most allergies one child has recorded; more is a list pasted in by mistake.
pub const MAX_ALLERGIES: usize = 20;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DietaryNeeds {
    /// Each one a food or substance, e.g. "花生", "牛奶".
    #[serde(default)]
    pub allergies: Vec<String>,
    /// A diet the kitchen follows, e.g. "清真", "素食".
    #[serde(default)]
    pub diet: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

impl DietaryNeeds {
    /// Nothing to tell the kitchen.
    pub fn is_empty(&self) -> bool {
        self.allergies.is_empty() && self.diet.is_none() && self.note.is_none()
    }

    /// The needs as typed, trimmed, with empty and repeated allergies dropped, or the
    /// first field outside its limits.
    pub fn checked(&self) -> Result<DietaryNeeds, FieldError> {
        let mut allergies: Vec<String> = Vec::new();
        for allergy in &self.allergies {
            let allergy = text::checked(
                "allergies",
                ("过敏原", "allergy"),
                allergy,
                text::NAME_CHARS,
            )?;
            if !allergy.is_empty() && !allergies.contains(&allergy) {
                allergies.push(allergy);
            }
        }
        if allergies.len() > MAX_ALLERGIES {
            return Err(FieldError::new(
                "allergies",
                "too_many",
                format!(
                    "过敏原最多{MAX_ALLERGIES}项，现在是{}项，请合并或删减",
                    allergies.len()
                ),
                format!(
                    "At most {MAX_ALLERGIES} allergies can be recorded; this list has {}. Please shorten it",
                    allergies.len()
                ),
            ));
        }
        let optional = |field: &str, what: (&str, &str), value: &Option<String>, max| {
            value
                .as_deref()
                .map(|value| text::checked(field, what, value, max))
                .transpose()
                .map(|value| value.filter(|value| !value.is_empty()))
        };
        Ok(DietaryNeeds {
            allergies,
            diet: optional("diet", ("饮食要求", "diet"), &self.diet, text::LABEL_CHARS)?,
            note: optional("note", ("饮食备注", "note"), &self.note, text::LABEL_CHARS)?,
        })
    }

    /// One line for the kitchen: "花生、牛奶过敏；清真；不吃辣" / in English.
    pub fn summary(&self) -> crate::Text {
        let mut zh = Vec::new();
        let mut en = Vec::new();
        if !self.allergies.is_empty() {
            zh.push(format!("{}过敏", self.allergies.join("、")));
            en.push(format!("allergic to {}", self.allergies.join(", ")));
        }
        if let Some(diet) = &self.diet {
            zh.push(diet.clone());
            en.push(diet.clone());
        }
        if let Some(note) = &self.note {
            zh.push(note.clone());
            en.push(note.clone());
        }
        crate::Text::new(zh.join("；"), en.join("; "))
    }
}

/// A comma-separated list as staff type it ("花生,牛奶" or "花生，牛奶、鸡蛋").
pub fn split_list(typed: &str) -> Vec<String> {
    typed
        .split([',', '，', '、', ';', '；'])
        .map(|item| item.trim().to_string())
        .filter(|item| !item.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_are_trimmed_deduplicated_and_limited() {
        let needs = DietaryNeeds {
            allergies: split_list(" 花生，牛奶,花生、 "),
            diet: Some(" 清真 ".into()),
            note: Some("".into()),
        }
        .checked()
        .unwrap();
        assert_eq!(needs.allergies, ["花生", "牛奶"]);
        assert_eq!(needs.diet.as_deref(), Some("清真"));
        assert_eq!(needs.note, None);
        assert_eq!(needs.summary().zh, "花生、牛奶过敏；清真");
        let too_many = DietaryNeeds {
            allergies: (0..=MAX_ALLERGIES).map(|i| format!("食物{i}")).collect(),
            ..DietaryNeeds::default()
        };
        assert_eq!(too_many.checked().unwrap_err().code, "too_many");
        let long = DietaryNeeds {
            diet: Some("素".repeat(text::LABEL_CHARS + 1)),
            ..DietaryNeeds::default()
        };
        let error = long.checked().unwrap_err();
        assert_eq!(
            (error.field.as_str(), error.code.as_str()),
            ("diet", "too_long")
        );
        let hidden = DietaryNeeds {
            allergies: vec!["花\u{200B}生".into()],
            ..DietaryNeeds::default()
        };
        assert_eq!(hidden.checked().unwrap_err().field, "allergies");
    }
}
