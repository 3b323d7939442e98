//! The call-staff button as the kiosk sees it: a channel of presses.

use std::sync::mpsc::Receiver;

use super::debounce::ButtonPress;

/// Presses of the call-staff button, in order, on a channel the kiosk can wait on
/// from any thread.
pub struct CallButton {
    presses: Receiver<ButtonPress>,
    /// Whatever feeds the channel (a pin-polling thread) lives as long as this does.
    _source: Option<Box<dyn Send>>,
}

impl CallButton {
    /// A button whose presses arrive on `presses`, fed by `source` (kept alive).
    pub(super) fn fed_by(presses: Receiver<ButtonPress>, source: Option<Box<dyn Send>>) -> Self {
        CallButton {
            presses,
            _source: source,
        }
    }

    pub fn presses(&self) -> &Receiver<ButtonPress> {
        &self.presses
    }
}
