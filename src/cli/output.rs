//! Writing the answer: a run whose answer cannot be written (a closed pipe, a full
//! disk) says so on standard error and exits 5, since whatever it did is committed.

use std::process::ExitCode;

use serde_json::json;

/// Exit code of a run whose answer could not be written (a closed pipe, a full disk).
pub const EXIT_OUTPUT_FAILED: u8 = 5;

pub fn write_stdout(bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()
}

/// Whatever the command did is committed; but whoever ran it did not get the answer
/// (a script would otherwise take the silence for success), so it says so on
/// standard error and exits non-zero.
pub fn output_failed(error: &std::io::Error) -> ExitCode {
    use std::io::Write;
    let said = json!({
        "error": format!(
            "无法写出结果（{error}）；命令已执行，请用 linli doctor 或导出核对 / \
             cannot write the output ({error}); the command itself was carried out: check with linli doctor or an export"
        ),
        "code": "output_failed",
        "reasons": [],
    });
    let _ = writeln!(std::io::stderr(), "{said}");
    ExitCode::from(EXIT_OUTPUT_FAILED)
}
