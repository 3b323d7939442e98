//! Column arithmetic and line layout, before any printer byte exists.
//!
//! A receipt printer in Chinese mode prints every double-byte GBK character two
//! columns wide and every ASCII character one column wide, so a character's width is
//! its GBK length. Slips are checked (`is_printable`) before layout, so only those
//! two kinds reach here.

use linli_core::receipt::{BodyLine, Receipt};

use super::Paper;

/// Columns `c` takes on the paper: 1 for ASCII, 2 for anything else (CJK, full-width
/// forms, Chinese punctuation), which `is_printable` guarantees is double-byte GBK.
pub fn char_columns(c: char) -> usize {
    if c.is_ascii() {
        1
    } else {
        2
    }
}

/// Columns a whole string takes.
pub fn text_columns(text: &str) -> usize {
    text.chars().map(char_columns).sum()
}

/// Wraps `text` into lines of at most `width` columns, never splitting a character.
///
/// Chinese may break between any two characters; a run of ASCII letters and digits is
/// kept whole when it fits on a line (so "REPRINT" or a serial is not cut in two) and
/// broken by character only when longer than a line. Spaces at a break are dropped.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(2);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    let mut push = |line: &mut String, used: &mut usize| {
        lines.push(line.trim_end().to_string());
        line.clear();
        *used = 0;
    };
    for token in tokens(text) {
        let token_width = text_columns(token);
        if token == " " {
            if used > 0 && used < width {
                line.push(' ');
                used += 1;
            }
            continue;
        }
        if used + token_width <= width {
            line.push_str(token);
            used += token_width;
            continue;
        }
        if token_width <= width {
            push(&mut line, &mut used);
            line.push_str(token);
            used = token_width;
            continue;
        }
        // A word longer than a line: break it by character.
        for c in token.chars() {
            let w = char_columns(c);
            if used + w > width {
                push(&mut line, &mut used);
            }
            line.push(c);
            used += w;
        }
    }
    if used > 0 || lines.is_empty() {
        lines.push(line.trim_end().to_string());
    }
    lines
}

/// Splits text into wrap units: an ASCII word, a single space, or one non-ASCII char.
fn tokens(text: &str) -> Vec<&str> {
    let mut tokens = Vec::new();
    let mut start = None;
    for (index, c) in text.char_indices() {
        let word_char = c.is_ascii() && !c.is_ascii_whitespace();
        if word_char {
            start.get_or_insert(index);
            continue;
        }
        if let Some(s) = start.take() {
            tokens.push(&text[s..index]);
        }
        if c.is_ascii_whitespace() {
            tokens.push(" ");
        } else {
            tokens.push(&text[index..index + c.len_utf8()]);
        }
    }
    if let Some(s) = start {
        tokens.push(&text[s..]);
    }
    tokens
}

/// How a laid-out line is printed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Style {
    Normal,
    Bold,
    /// Bold and double height: double height keeps the column count, double width
    /// would halve it and break the arithmetic.
    Title,
    /// A QR code (GS ( k) holding this payload, centred.
    Qr,
}

/// One printed line: text already padded to its place (at most `Paper::columns`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub style: Style,
    pub text: String,
}

impl Line {
    fn new(style: Style, text: impl Into<String>) -> Self {
        Line {
            style,
            text: text.into(),
        }
    }
}

pub(crate) const REPRINT_MARK: &str = "** 重印/REPRINT **";

/// Lays out a checked receipt. Centring is done with spaces rather than ESC a so the
/// text decoded back from the bytes shows the layout exactly as it prints.
pub fn layout(receipt: &Receipt, paper: Paper) -> Vec<Line> {
    let columns = paper.columns();
    let mut lines = Vec::new();
    let centred = |lines: &mut Vec<Line>, style: Style, text: &str| {
        for part in wrap(text, columns) {
            let pad = (columns - text_columns(&part)) / 2;
            lines.push(Line::new(
                style.clone(),
                format!("{}{part}", " ".repeat(pad)),
            ));
        }
    };
    centred(&mut lines, Style::Bold, &receipt.centre_name);
    centred(&mut lines, Style::Title, &receipt.title.zh);
    if !receipt.title.en.trim().is_empty() {
        centred(&mut lines, Style::Normal, &receipt.title.en);
    }
    if receipt.reprint {
        centred(&mut lines, Style::Bold, REPRINT_MARK);
    }
    let rule = "-".repeat(columns);
    lines.push(Line::new(Style::Normal, rule.clone()));

    let body_label_width = label_width(
        receipt.body.iter().filter_map(|line| match line {
            BodyLine::Row { label, .. } => Some(label.as_str()),
            _ => None,
        }),
        columns,
    );
    for line in &receipt.body {
        match line {
            BodyLine::Row { label, value } => {
                row(&mut lines, label, value, body_label_width, columns);
            }
            BodyLine::Paragraph { text } => {
                for part in wrap(text, columns) {
                    lines.push(Line::new(Style::Normal, part));
                }
            }
            BodyLine::Separator => lines.push(Line::new(Style::Normal, rule.clone())),
        }
    }
    lines.push(Line::new(Style::Normal, rule));

    let issued = receipt.issued_at.format("%Y-%m-%d %H:%M").to_string();
    let footer = [
        ("时间/Time", issued.as_str()),
        ("编号/Serial", receipt.serial.as_str()),
        ("校验码/Code", receipt.verification_code.as_str()),
    ];
    let footer_width = label_width(footer.iter().map(|(label, _)| *label), columns);
    for (label, value) in footer {
        row(&mut lines, label, value, footer_width, columns);
    }
    lines.push(Line::new(Style::Qr, receipt.qr_payload.clone()));
    for part in wrap(&receipt.privacy_note, columns) {
        lines.push(Line::new(Style::Normal, part));
    }
    lines
}

/// The label column: as wide as the widest label, but never more than half the paper
/// so values keep room.
fn label_width<'a>(labels: impl Iterator<Item = &'a str>, columns: usize) -> usize {
    labels.map(text_columns).max().unwrap_or(0).min(columns / 2)
}

/// "label  value": values start in one column; a long value wraps under itself. A
/// label wider than its column goes on lines of its own, the value under it.
fn row(lines: &mut Vec<Line>, label: &str, value: &str, label_width: usize, columns: usize) {
    let value_column = label_width + 1;
    let value_width = columns - value_column;
    let mut values = wrap(value, value_width).into_iter();
    let indent = " ".repeat(value_column);
    if text_columns(label) <= label_width {
        let first = values.next().unwrap_or_default();
        let pad = " ".repeat(value_column - text_columns(label));
        let text = format!("{label}{pad}{first}");
        lines.push(Line::new(Style::Normal, text.trim_end()));
    } else {
        for part in wrap(label, columns) {
            lines.push(Line::new(Style::Normal, part));
        }
    }
    for part in values {
        lines.push(Line::new(Style::Normal, format!("{indent}{part}")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_counts_two_columns() {
        assert_eq!(text_columns("报名ab"), 6);
        assert_eq!(text_columns("￥1"), 3);
    }

    #[test]
    fn wrap_keeps_ascii_words_and_breaks_cjk_anywhere() {
        assert_eq!(
            wrap("编号 R-2026-0001 已登记", 12),
            ["编号", "R-2026-0001", "已登记"]
        );
        assert_eq!(wrap("四点半学校报名", 5), ["四点", "半学", "校报", "名"]);
        assert_eq!(wrap("ABCDEFG", 3), ["ABC", "DEF", "G"]);
        assert_eq!(wrap("", 10), [""]);
    }

    #[test]
    fn a_full_width_character_never_straddles_the_edge() {
        // 3 columns: "a报" is 3, the next 报 would need columns 4 and 5.
        assert_eq!(wrap("a报报", 3), ["a报", "报"]);
    }
}
