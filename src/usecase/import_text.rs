//! An import file as a person saved it, turned into text the CSV parser can count
//! lines in: UTF-8 with or without Excel's byte-order mark, or GBK/GB18030 as Excel
//! on Chinese Windows saves "CSV"; Windows (CRLF) and old Mac (CR) line endings read
//! as one line each, so every error names the line a person sees in their editor.
//! Limits on the file, the lines and the rows keep an endless input (a device, a file
//! with no newlines) from exhausting the kiosk's memory: such a file is refused with
//! a sentence, never read whole.

use std::io::Read;

use linli_core::Text;

/// A problem with one cell of an import file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: usize,
    pub column: String,
    pub reason: Text,
}

impl LineError {
    pub fn new(line: usize, column: &str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        LineError {
            line,
            column: column.to_string(),
            reason: Text::new(zh, en),
        }
    }

    /// A problem with the file as a whole (its size, its encoding); line 0.
    pub fn file(reason: Text) -> Self {
        LineError {
            line: 0,
            column: "file".to_string(),
            reason,
        }
    }

    pub fn to_text(&self) -> Text {
        if self.line == 0 {
            return Text::new(
                format!("文件：{}", self.reason.zh),
                format!("the file: {}", self.reason.en),
            );
        }
        Text::new(
            format!("第{}行「{}」列：{}", self.line, self.column, self.reason.zh),
            format!(
                "line {}, column {}: {}",
                self.line, self.column, self.reason.en
            ),
        )
    }
}

/// The largest import file read: about 100,000 residents' rows with room to spare.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;
/// The longest line: a resident's row is well under 300 characters.
pub const MAX_LINE_CHARS: usize = 2_000;
/// The most residents one import may bring; a centre larger than this imports in parts.
pub const MAX_ROWS: usize = 100_000;

/// Reads `input` (at most [`MAX_FILE_BYTES`]) and returns its text with `\n` line
/// endings, or the problems that stop it being read.
pub fn read(input: impl Read) -> Result<String, Vec<LineError>> {
    let mut bytes = Vec::new();
    let read = input
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| {
            vec![LineError::file(Text::new(
                format!("无法读取文件：{e}"),
                format!("the file cannot be read: {e}"),
            ))]
        })?;
    if read as u64 > MAX_FILE_BYTES {
        let mb = MAX_FILE_BYTES / (1024 * 1024);
        return Err(vec![LineError::file(Text::new(
            format!("文件超过{mb} MB，请分成几个文件导入"),
            format!("the file is larger than {mb} MB: import it in parts"),
        ))]);
    }
    let text = decode(&bytes)?;
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut problems = Vec::new();
    let mut rows = 0usize;
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if line.chars().count() > MAX_LINE_CHARS {
            problems.push(LineError::new(
                number,
                "row",
                format!("此行超过{MAX_LINE_CHARS}个字符，不像是一位居民的记录（文件是否损坏或选错了？）"),
                format!("this line is longer than {MAX_LINE_CHARS} characters, too long for a resident's row (is the file damaged, or the wrong one?)"),
            ));
            if problems.len() >= 10 {
                break;
            }
        }
        if !line.trim().is_empty() {
            rows += 1;
        }
    }
    // The header is a line too.
    if rows > MAX_ROWS + 1 {
        problems.push(LineError::file(Text::new(
            format!(
                "文件有{}行居民，一次最多导入{MAX_ROWS}行，请分成几个文件",
                rows - 1
            ),
            format!(
                "the file has {} rows; one import takes at most {MAX_ROWS}: import it in parts",
                rows - 1
            ),
        )));
    }
    if problems.is_empty() {
        Ok(text)
    } else {
        Err(problems)
    }
}

/// UTF-8 (a byte-order mark is dropped), else GB18030, which reads every GBK file.
fn decode(bytes: &[u8]) -> Result<String, Vec<LineError>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_string());
    }
    let (text, _, had_errors) = encoding_rs::GB18030.decode(bytes);
    if !had_errors {
        return Ok(text.into_owned());
    }
    // Neither: name the first line that is not UTF-8, so the person can find it.
    let valid_up_to = std::str::from_utf8(bytes)
        .err()
        .map_or(0, |e| e.valid_up_to());
    let line = bytes[..valid_up_to].iter().filter(|b| **b == b'\n').count() + 1;
    Err(vec![LineError::new(
        line,
        "file",
        "文件编码无法识别：请在 Excel 中“另存为”“CSV UTF-8（逗号分隔）”后再导入",
        "the file's encoding is not recognised: in Excel, \"Save as\" \"CSV UTF-8 (comma delimited)\" and import that",
    )])
}
