//! Turning a bouncing button contact into one press per push.

use std::time::{Duration, Instant};

/// One push of the call button, at the moment it counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ButtonPress {
    pub at: Instant,
}

/// A pure state machine over sampled pin levels.
///
/// Both edges are debounced: a press counts once the contact has been closed for
/// `debounce`, and it must then be open for `debounce` before another press can
/// count. So contact chatter on pressing or releasing, or a glitch while the button is
/// held, never counts twice. Sample it regularly (every few milliseconds): a press
/// is reported by the first sample at least `debounce` after the contact closed.
#[derive(Clone, Debug)]
pub struct Debouncer {
    debounce: Duration,
    active_low: bool,
    phase: Phase,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Released,
    Closing { since: Instant },
    Held,
    Opening { since: Instant },
}

impl Debouncer {
    /// `active_low`: the pressed button pulls the pin low (button to ground, pull-up).
    pub fn new(debounce: Duration, active_low: bool) -> Self {
        Debouncer {
            debounce,
            active_low,
            phase: Phase::Released,
        }
    }

    pub fn sample(&mut self, level_high: bool, at: Instant) -> Option<ButtonPress> {
        let closed = level_high != self.active_low;
        let settled = |since: Instant| at.saturating_duration_since(since) >= self.debounce;
        let (phase, press) = match (self.phase, closed) {
            (Phase::Released, true) => (Phase::Closing { since: at }, None),
            (Phase::Closing { since }, true) if settled(since) => {
                (Phase::Held, Some(ButtonPress { at }))
            }
            (Phase::Closing { .. }, false) => (Phase::Released, None),
            (Phase::Held, false) => (Phase::Opening { since: at }, None),
            (Phase::Opening { .. }, true) => (Phase::Held, None),
            (Phase::Opening { since }, false) if settled(since) => (Phase::Released, None),
            (phase, _) => (phase, None),
        };
        self.phase = phase;
        press
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEBOUNCE: Duration = Duration::from_millis(30);

    /// Feeds `levels` one per millisecond from `start`, returning the milliseconds
    /// at which presses counted.
    fn run(debouncer: &mut Debouncer, start: Instant, levels: &[bool]) -> Vec<u64> {
        levels
            .iter()
            .enumerate()
            .filter_map(|(ms, &level)| {
                let at = start + Duration::from_millis(ms as u64);
                debouncer.sample(level, at).map(|press| {
                    assert_eq!(press.at, at);
                    ms as u64
                })
            })
            .collect()
    }

    /// `spec` is a list of (level, milliseconds) runs.
    fn levels(spec: &[(bool, usize)]) -> Vec<bool> {
        spec.iter()
            .flat_map(|&(level, ms)| std::iter::repeat_n(level, ms))
            .collect()
    }

    // Active low: `false` is pressed.
    const DOWN: bool = false;
    const UP: bool = true;

    #[test]
    fn chatter_on_press_and_release_counts_one_press() {
        let mut debouncer = Debouncer::new(DEBOUNCE, true);
        let signal = levels(&[
            (UP, 10),
            (DOWN, 2),
            (UP, 1),
            (DOWN, 3),
            (UP, 2),
            (DOWN, 1),
            (UP, 1),
            (DOWN, 200),
            (UP, 1),
            (DOWN, 2),
            (UP, 3),
            (DOWN, 1),
            (UP, 100),
        ]);
        // The last bounce into DOWN starts at 20 ms; stable for 30 ms gives 50 ms.
        assert_eq!(run(&mut debouncer, Instant::now(), &signal), vec![50]);
    }

    #[test]
    fn holding_counts_once_even_with_glitches() {
        let mut debouncer = Debouncer::new(DEBOUNCE, true);
        let signal = levels(&[(DOWN, 500), (UP, 2), (DOWN, 1000), (UP, 20), (DOWN, 500)]);
        assert_eq!(run(&mut debouncer, Instant::now(), &signal), vec![30]);
    }

    #[test]
    fn release_then_press_again_counts_twice() {
        let mut debouncer = Debouncer::new(DEBOUNCE, true);
        let signal = levels(&[(DOWN, 100), (UP, 100), (DOWN, 100), (UP, 10)]);
        assert_eq!(run(&mut debouncer, Instant::now(), &signal), vec![30, 230]);
    }

    #[test]
    fn a_touch_shorter_than_the_debounce_time_is_not_a_press() {
        let mut debouncer = Debouncer::new(DEBOUNCE, true);
        let signal = levels(&[(UP, 10), (DOWN, 29), (UP, 100)]);
        assert_eq!(
            run(&mut debouncer, Instant::now(), &signal),
            Vec::<u64>::new()
        );
    }

    #[test]
    fn active_high_buttons_press_on_a_high_level() {
        let mut debouncer = Debouncer::new(DEBOUNCE, false);
        let signal = levels(&[(false, 10), (true, 40), (false, 10)]);
        assert_eq!(run(&mut debouncer, Instant::now(), &signal), vec![40]);
    }
}
