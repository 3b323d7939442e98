//! The paper roll a printer takes, and what fits across it.

/// Paper roll width. Columns are for the printer's standard font A (12 × 24 dots):
/// 384 dots / 12 = 32, 576 / 12 = 48.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Paper {
    Mm58,
    Mm80,
}

impl Paper {
    /// As the configuration file and the test page write it.
    pub fn label(self) -> &'static str {
        match self {
            Paper::Mm58 => "58mm",
            Paper::Mm80 => "80mm",
        }
    }

    pub fn columns(self) -> usize {
        match self {
            Paper::Mm58 => 32,
            Paper::Mm80 => 48,
        }
    }

    pub fn dots(self) -> usize {
        match self {
            Paper::Mm58 => 384,
            Paper::Mm80 => 576,
        }
    }

    /// QR module size in dots: 72 modules across the paper fit a version 11 symbol
    /// (61 modules) with its 4-module quiet zone on each side, which holds any
    /// payload `check` lets through.
    pub(super) fn qr_module_dots(self) -> u8 {
        (self.dots() / 72).min(8) as u8
    }
}
