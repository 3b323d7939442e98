//! Real-time status (DLE EOT n), the ESC/POS way of asking a printer how it is.
//!
//! The printer answers each query with one byte whose bits 1 and 4 are always set and
//! bits 0 and 7 always clear; anything else is not a status byte (a printer that
//! echoes, or line noise on a serial port) and is treated as no answer at all.

use linli_core::Text;

/// DLE EOT: followed by n = 1 (printer), 2 (offline cause), 4 (roll paper sensor).
pub const DLE_EOT: [u8; 2] = [0x10, 0x04];

/// What the printer said about itself.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PrinterStatus {
    /// False when the transport cannot ask (a one-way USB printer): every other
    /// field is then a guess, and printing is attempted anyway.
    pub answered: bool,
    pub online: bool,
    pub cover_open: bool,
    pub paper_near_end: bool,
    pub paper_out: bool,
    /// Cutter jam, overheating and other faults the printer reports as an error.
    pub error: bool,
}

impl PrinterStatus {
    /// No answer possible on this transport.
    pub fn unknown() -> Self {
        PrinterStatus::default()
    }

    pub fn ready() -> Self {
        PrinterStatus {
            answered: true,
            online: true,
            ..PrinterStatus::default()
        }
    }

    /// Whether a job sent now would print. Near-end paper still prints: staff are
    /// told, the resident still gets the slip.
    pub fn can_print(&self) -> bool {
        !self.answered || (self.online && !self.cover_open && !self.paper_out && !self.error)
    }

    /// Stable codes for JSON and logs, most urgent first; empty when all is well.
    pub fn problems(&self) -> Vec<&'static str> {
        if !self.answered {
            return Vec::new();
        }
        let mut problems = Vec::new();
        for (flag, code) in [
            (self.paper_out, "paper_out"),
            (self.cover_open, "cover_open"),
            (self.error, "printer_error"),
            (!self.online, "offline"),
            (self.paper_near_end, "paper_near_end"),
        ] {
            if flag {
                problems.push(code);
            }
        }
        problems
    }

    /// What staff read on screen and in `linli doctor`.
    pub fn describe(&self) -> Text {
        if !self.answered {
            return Text::new(
                "打印机不回报状态，无法确认是否有纸",
                "The printer does not report its status; paper cannot be checked",
            );
        }
        let problems = self.problems();
        if problems.is_empty() {
            return Text::new("打印机正常", "Printer ready");
        }
        let (zh, en): (Vec<_>, Vec<_>) = problems.iter().map(|code| problem_text(code)).unzip();
        Text::new(zh.join("；"), en.join("; "))
    }
}

pub fn problem_text(code: &str) -> (&'static str, &'static str) {
    match code {
        "paper_out" => ("打印机缺纸，请装纸", "The printer is out of paper"),
        "cover_open" => ("打印机纸仓盖未关好", "The printer cover is open"),
        "printer_error" => (
            "打印机故障（切刀或过热）",
            "The printer reports a fault (cutter or heat)",
        ),
        "offline" => ("打印机脱机", "The printer is offline"),
        "paper_near_end" => ("打印纸即将用完", "The paper roll is nearly used up"),
        _ => ("打印机状态未知", "Printer status unknown"),
    }
}

pub(super) fn is_status_byte(b: u8) -> bool {
    b & 0x93 == 0x12
}

/// Decodes the answers to DLE EOT 1, 2 and 4. `None` for a query left unanswered.
pub fn parse_status(printer: u8, offline_cause: Option<u8>, paper: Option<u8>) -> PrinterStatus {
    let offline_cause = offline_cause.unwrap_or(0x12);
    let paper = paper.unwrap_or(0x12);
    PrinterStatus {
        answered: true,
        online: printer & 0x08 == 0,
        cover_open: offline_cause & 0x04 != 0,
        error: offline_cause & 0x40 != 0,
        paper_out: offline_cause & 0x20 != 0 || paper & 0x60 != 0,
        paper_near_end: paper & 0x0C != 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quiet_printer_is_ready() {
        let status = parse_status(0x12, Some(0x12), Some(0x12));
        assert_eq!(status, PrinterStatus::ready());
        assert!(status.can_print());
        assert!(status.problems().is_empty());
    }

    #[test]
    fn paper_out_from_either_sensor_stops_printing() {
        let by_cause = parse_status(0x1A, Some(0x32), Some(0x12));
        let by_sensor = parse_status(0x12, Some(0x12), Some(0x72));
        for status in [by_cause, by_sensor] {
            assert!(status.paper_out);
            assert!(!status.can_print());
            assert_eq!(status.problems()[0], "paper_out");
        }
        assert!(!by_cause.online);
    }

    #[test]
    fn near_end_warns_but_prints() {
        let status = parse_status(0x12, Some(0x12), Some(0x1E));
        assert!(status.paper_near_end && !status.paper_out);
        assert!(status.can_print());
        assert!(status.describe().zh.contains("即将用完"));
    }

    #[test]
    fn cover_open_and_error_are_named() {
        let status = parse_status(0x1A, Some(0x56), Some(0x12));
        assert_eq!(
            status.problems(),
            ["cover_open", "printer_error", "offline"]
        );
        assert!(status.describe().en.contains("cover is open"));
    }

    #[test]
    fn status_bytes_have_fixed_bits() {
        assert!(is_status_byte(0x12) && is_status_byte(0x7E));
        assert!(!is_status_byte(0x00) && !is_status_byte(0x13) && !is_status_byte(0x92));
    }

    #[test]
    fn an_unanswering_transport_still_prints() {
        assert!(PrinterStatus::unknown().can_print());
        assert!(PrinterStatus::unknown().problems().is_empty());
    }
}
