//! Column arithmetic and line layout, before any printer byte exists.
//!
//! A receipt printer in Chinese mode prints every double-byte GBK character two
//! columns wide and every ASCII character one column wide, so a character's width is
//! its GBK length. Slips are checked (`is_printable`) before layout, so only those
//! two kinds reach here.

use std::collections::VecDeque;

use linli_core::receipt::{BodyLine, Receipt};

use super::paper::Paper;

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
///
/// Chinese typesetting rules (避头尾) are kept: closing punctuation (，。、）」… and an
/// ASCII `, . ; : ? ! )` straight after a Chinese character) never starts a line, and an
/// opening bracket (（「《…) never ends one. When the next piece does not fit and the
/// break there would break the rule, the break moves back to the last place that keeps
/// it, pulling the character before the punctuation down to the next line. The
/// punctuation cannot hang in the margin instead: the print head has no margin, text
/// past the last column is lost. Only a line with no allowed break at all (a run of
/// punctuation, an ASCII word glued to a full stop and as wide as the paper) breaks the
/// rule, because the alternative would be splitting a serial number or overflowing.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(2);
    let mut pending: VecDeque<Token> = tokens(text, width).into();
    let mut lines = Vec::new();
    let mut line: Vec<Token> = Vec::new();
    let emit = |lines: &mut Vec<String>, pieces: &[Token]| {
        let text: String = pieces.iter().map(|token| token.text).collect();
        // Only the spaces at a break go; a trailing ideographic space (U+3000) is text.
        lines.push(text.trim_end_matches(' ').to_string());
    };
    while let Some(token) = pending.pop_front() {
        if token.space {
            // A space starting a line is a break space: dropped.
            if !line.is_empty() {
                line.push(token);
            }
            continue;
        }
        let used: usize = line.iter().map(|token| token.width).sum();
        if used + token.width <= width {
            line.push(token);
            continue;
        }
        // `token` does not fit. Break before line[k], the last place the rule allows,
        // or, if the line has none, right before `token`. Every token fits an empty
        // line (`tokens` splits longer words), and each break emits at least one
        // visible token, so this terminates on any input.
        let k = (1..=line.len())
            .rev()
            .find(|&k| break_allowed(&line, k, &token))
            .unwrap_or(line.len());
        emit(&mut lines, &line[..k]);
        pending.push_front(token);
        for carried in line.drain(k..).rev() {
            pending.push_front(carried);
        }
        line.clear();
    }
    if !line.is_empty() || lines.is_empty() {
        emit(&mut lines, &line);
    }
    lines
}

/// Whether `line` may end before `line[k]`, carrying `line[k..]` and then `next` down.
/// The first visible piece of the new line must not be closing punctuation, the last
/// visible piece of this one not an opening bracket, and this one must keep something.
fn break_allowed(line: &[Token], k: usize, next: &Token) -> bool {
    let Some(last_kept) = line[..k].iter().rev().find(|token| !token.space) else {
        return false;
    };
    let first_carried = line[k..]
        .iter()
        .chain(std::iter::once(next))
        .find(|token| !token.space)
        .expect("`next` is never a space");
    !last_kept.opening && !first_carried.closing
}

/// Punctuation that must not start a line (行首禁则). The connectors – and ～ are here
/// too: "16:30–18:00" must not leave "–18:00" at the start of a line, where it reads
/// as a negative number.
const CLOSING: &str = "，。、；：？！）」』】》〉〕〗］｝”’…‥．～％–";
/// ASCII punctuation that must not start a line when it follows a Chinese character
/// (in "好, 好" the comma is glued to the word after the space and may start a line).
const CLOSING_ASCII: &str = ",.;:?!)";
/// Brackets and quotes that must not end a line (行尾禁则).
const OPENING: &str = "（「『【《〈〔〖［｛“‘";

/// One unit of wrapping: an ASCII word, a single space, or one non-ASCII character.
#[derive(Clone, Copy, Debug)]
struct Token<'a> {
    text: &'a str,
    width: usize,
    space: bool,
    /// May not start a line.
    closing: bool,
    /// May not end a line.
    opening: bool,
}

/// Splits text into tokens. An ASCII word wider than `width` is split into its
/// characters, so every token fits an empty line and the word breaks only where it must.
fn tokens(text: &str, width: usize) -> Vec<Token<'_>> {
    let mut pieces: Vec<&str> = Vec::new();
    let mut start = None;
    for (index, c) in text.char_indices() {
        let word_char = c.is_ascii() && !c.is_ascii_whitespace();
        if word_char {
            start.get_or_insert(index);
            continue;
        }
        if let Some(s) = start.take() {
            pieces.push(&text[s..index]);
        }
        if c.is_ascii_whitespace() {
            pieces.push(" ");
        } else {
            pieces.push(&text[index..index + c.len_utf8()]);
        }
    }
    if let Some(s) = start {
        pieces.push(&text[s..]);
    }
    let mut split: Vec<&str> = Vec::with_capacity(pieces.len());
    for piece in pieces {
        if text_columns(piece) > width {
            split.extend(
                piece
                    .char_indices()
                    .map(|(i, c)| &piece[i..i + c.len_utf8()]),
            );
        } else {
            split.push(piece);
        }
    }
    let wide = |piece: Option<&&str>| piece.is_some_and(|p| !p.is_ascii());
    (0..split.len())
        .map(|i| {
            let piece = split[i];
            let first = piece.chars().next().unwrap_or(' ');
            let last = piece.chars().next_back().unwrap_or(' ');
            let after_wide = i > 0 && wide(split.get(i - 1));
            let before_wide = wide(split.get(i + 1));
            Token {
                text: piece,
                width: text_columns(piece),
                space: piece == " ",
                closing: CLOSING.contains(first) || (after_wide && CLOSING_ASCII.contains(first)),
                opening: OPENING.contains(last) || (before_wide && last == '('),
            }
        })
        .collect()
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
/// On slips from practice data, under the title and again above the footer, so a
/// slip torn in two still says it.
pub(crate) const DEMO_MARK: &str = "** 演示 DEMO 不作凭证 **";

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
    if receipt.demo {
        centred(&mut lines, Style::Bold, DEMO_MARK);
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
    if receipt.demo {
        centred(&mut lines, Style::Bold, DEMO_MARK);
    }

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

    #[test]
    fn closing_punctuation_pulls_the_character_before_it_down() {
        assert_eq!(wrap("好好好。", 6), ["好好", "好。"]);
        assert_eq!(wrap("请按时到场，谢谢", 10), ["请按时到", "场，谢谢"]);
        // A run of closing marks travels with the character before all of them.
        assert_eq!(wrap("好好好。」", 8), ["好好", "好。」"]);
        assert_eq!(wrap("好好好……", 8), ["好好", "好……"]);
        // The dash may end a line, never start one.
        assert_eq!(wrap("周五 16:30–18:00", 12), ["周五 16:30–", "18:00"]);
        assert_eq!(wrap("好好16:30–18:00", 9), ["好好", "16:30–", "18:00"]);
        assert_eq!(wrap("1 Sep 2026 – 22 Jan", 13), ["1 Sep 2026 –", "22 Jan"]);
        assert_eq!(
            wrap("1 Sep 2026 – 22 Jan", 12),
            ["1 Sep", "2026 – 22", "Jan"]
        );
    }

    #[test]
    fn ascii_punctuation_after_chinese_does_not_start_a_line() {
        assert_eq!(wrap("四点半学校,下午", 10), ["四点半学", "校,下午"]);
        assert_eq!(wrap("报名成功!", 8), ["报名成", "功!"]);
        // After a space the comma belongs to the next word and may start a line.
        assert_eq!(wrap("好好好 , ok", 6), ["好好好", ", ok"]);
        // After an ASCII word it is part of that word anyway.
        assert_eq!(wrap("好 ab, cd", 6), ["好 ab,", "cd"]);
    }

    #[test]
    fn an_opening_bracket_goes_down_with_what_it_opens() {
        assert_eq!(wrap("好好（春", 6), ["好好", "（春"]);
        assert_eq!(wrap("好好「《春", 8), ["好好", "「《春"]);
        assert_eq!(wrap("好好(春", 5), ["好好", "(春"]);
    }

    #[test]
    fn a_space_before_closing_punctuation_is_no_way_round_the_rule() {
        assert_eq!(wrap("好好 。", 5), ["好", "好 。"]);
    }

    #[test]
    fn lines_of_nothing_but_punctuation_still_wrap_and_end() {
        assert_eq!(wrap("，，，，，，", 4), ["，，", "，，", "，，"]);
        assert_eq!(wrap("（（（（", 4), ["（（", "（（"]);
        assert_eq!(wrap("）（）（", 2), ["）", "（", "）", "（"]);
        assert_eq!(wrap("。", 1), ["。"]);
    }

    #[test]
    fn a_word_that_fills_the_line_stays_whole_even_before_a_full_stop() {
        // Splitting the serial would make it misreadable; the full stop goes down.
        assert_eq!(wrap("R-2026-0001。", 11), ["R-2026-0001", "。"]);
    }

    #[test]
    fn an_ideographic_space_at_a_line_end_is_kept() {
        assert_eq!(wrap("好\u{3000}好", 4), ["好\u{3000}", "好"]);
    }

    /// Checks what `wrap` promises for `text` at `width`, or says what broke.
    ///
    /// "Unavoidable" is judged without `wrap`'s own code: a line may end before closing
    /// punctuation, or end in an opening bracket, only if no place inside it would have
    /// allowed a break (between two characters not inside one ASCII word, with no
    /// opening bracket before and no closing mark after).
    fn check_wrap(text: &str, width: usize, lines: &[String]) -> Result<(), String> {
        let chars: Vec<char> = text.chars().collect();
        let mut position = 0;
        let mut previous: Option<&str> = None;
        for line in lines {
            if text_columns(line) > width {
                return Err(format!("{line:?} is wider than {width}"));
            }
            let skipped = chars[position..].iter().take_while(|c| **c == ' ').count();
            position += skipped;
            let line_chars: Vec<char> = line.chars().collect();
            if chars.get(position..position + line_chars.len()) != Some(&line_chars[..]) {
                return Err(format!("{line:?} is not the text at character {position}"));
            }
            if line.starts_with(' ') || (line.is_empty() && lines.len() > 1) {
                return Err(format!("{line:?} starts with a space or is empty"));
            }
            if let Some(previous) = previous {
                let last = previous.chars().next_back();
                let first = line.chars().next();
                let joined = skipped == 0;
                let starts_badly =
                    first.is_some_and(|c| is_closing(c, if joined { last } else { Some(' ') }));
                let ends_badly =
                    last.is_some_and(|c| is_opening(c, if joined { first } else { Some(' ') }));
                if (starts_badly || ends_badly) && has_break(previous) {
                    return Err(format!(
                        "{previous:?} then {line:?}: an earlier break was allowed"
                    ));
                }
            }
            position += line_chars.len();
            previous = Some(line);
        }
        if chars[position..].iter().any(|c| *c != ' ') {
            return Err(format!("text lost from character {position}"));
        }
        Ok(())
    }

    fn is_closing(c: char, before: Option<char>) -> bool {
        "，。、；：？！）」』】》〉〕〗］｝”’…‥．～％–".contains(c)
            || (",.;:?!)".contains(c) && before.is_some_and(|b| !b.is_ascii()))
    }

    fn is_opening(c: char, after: Option<char>) -> bool {
        "（「『【《〈〔〖［｛“‘".contains(c) || (c == '(' && after.is_some_and(|a| !a.is_ascii()))
    }

    fn has_break(line: &str) -> bool {
        let chars: Vec<char> = line.chars().collect();
        (1..chars.len()).any(|j| {
            let (a, b) = (chars[j - 1], chars[j]);
            let in_word = a.is_ascii() && b.is_ascii() && a != ' ' && b != ' ';
            let kept = chars[..j].iter().rposition(|c| *c != ' ');
            let carried = chars[j..].iter().position(|c| *c != ' ').map(|i| i + j);
            match (kept, carried) {
                (Some(kept), Some(carried)) if !in_word => {
                    !is_opening(chars[kept], chars.get(kept + 1).copied())
                        && !is_closing(chars[carried], Some(chars[carried - 1]))
                }
                _ => false,
            }
        })
    }

    #[test]
    fn the_checker_catches_what_it_should() {
        let lines = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(check_wrap("好好好。", 6, &lines(&["好好", "好。"])).is_ok());
        assert!(check_wrap("好好好。", 6, &lines(&["好好好", "。"])).is_err());
        assert!(check_wrap("好好（春", 6, &lines(&["好好（", "春"])).is_err());
        assert!(check_wrap("，，，，", 4, &lines(&["，，", "，，"])).is_ok());
        assert!(check_wrap("好好好", 4, &lines(&["好好", "好好"])).is_err());
        assert!(check_wrap("好 好", 4, &lines(&["好", "好"])).is_ok());
        assert!(check_wrap("好好", 4, &lines(&["好", "好好"])).is_err());
        assert!(check_wrap("好好好", 4, &lines(&["好好好"])).is_err());
    }

    proptest::proptest! {
        #[test]
        fn wrapping_fits_loses_nothing_and_keeps_punctuation_off_line_starts(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec![
                    "好", "中", "文", "字", "，", "。", "、", "：", "）", "」", "》", "…",
                    "”", "–", "（", "「", "《", "“", "a", "b", "Z", "1", "2", ",", ".", "!",
                    "(", ")", "-", " ", "\u{3000}",
                ]),
                0..80,
            ),
            width in 4usize..=48,
        ) {
            let text: String = pieces.concat();
            let lines = wrap(&text, width);
            if let Err(problem) = check_wrap(&text, width, &lines) {
                proptest::prop_assert!(false, "{:?} at {}: {:?}: {}", text, width, lines, problem);
            }
        }
    }
}
