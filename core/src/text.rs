//! Limits on what people type. Every text a person enters (a name, an activity, a
//! note, a reason) has a length it cannot sensibly exceed and characters nobody types
//! (control characters, invisible direction overrides that make one name display as
//! another); a text outside them is refused with its field and the limit in words,
//! before it reaches a screen, a slip, a spreadsheet or the district.

use crate::FieldError;

/// Names of people and places.
pub const NAME_CHARS: usize = 50;
/// Short labels: an activity, a relation, a skill list, a stall.
pub const LABEL_CHARS: usize = 100;
/// A note or reason written at the desk.
pub const NOTE_CHARS: usize = 1_000;

/// Characters that are not control characters by Unicode's category Cc but still
/// change how text is shown without being seen: zero-width characters and the
/// bidirectional overrides, which can make a name read differently on screen and paper.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// Characters nobody types in a one-line record: control characters (tab, line
/// breaks, escapes) and the invisible ones. The district's event checks
/// (`outbox::check_text`) use the same set.
pub fn is_unprintable(c: char) -> bool {
    c.is_control() || is_invisible(c)
}

/// `text` trimmed, if it has at most `max` characters and nothing unprintable;
/// `what` names the field in Chinese and English for the refusal.
pub fn checked(
    field: &str,
    what: (&str, &str),
    text: &str,
    max: usize,
) -> Result<String, FieldError> {
    let trimmed = text.trim();
    let length = trimmed.chars().count();
    if length > max {
        return Err(FieldError::new(
            field,
            "too_long",
            format!("{}最多{max}个字，现在是{length}个字，请删减", what.0),
            format!(
                "The {} can be at most {max} characters; this one has {length}. Please shorten it",
                what.1
            ),
        ));
    }
    if trimmed.chars().any(is_unprintable) {
        return Err(FieldError::new(
            field,
            "unprintable",
            format!("{}含有不可见字符（如换行、制表符），请重新输入", what.0),
            format!(
                "The {} contains invisible characters (such as a line break or a tab). Please type it again",
                what.1
            ),
        ));
    }
    Ok(trimmed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_past_its_limit_or_with_control_characters_is_refused_in_words() {
        let long = "长".repeat(101);
        let error = checked("activity", ("活动", "activity"), &long, LABEL_CHARS).unwrap_err();
        assert_eq!(error.code, "too_long");
        assert!(error.message.zh.contains("最多100个字，现在是101个字"));
        let error = checked("name", ("姓名", "name"), "张\u{202E}三", NAME_CHARS).unwrap_err();
        assert_eq!(error.code, "unprintable");
        assert_eq!(
            checked("note", ("备注", "note"), "  已回访  ", NOTE_CHARS).unwrap(),
            "已回访"
        );
    }
}
