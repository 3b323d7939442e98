//! The status light and buzzer: what they show, as data, the timeline that plays it,
//! and `Signals`, the calls the kiosk makes on them whatever is behind them.

use std::time::{Duration, Instant};

use linli_core::Text;

/// What the status light tells a resident (and the technician across the room).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LightState {
    Off,
    /// Green, steady: everything works.
    Ready,
    /// Green, blinking once a second: no link to the district; the kiosk still works.
    Offline,
    /// Red, blinking twice a second: the printer needs someone (paper, cover, cable).
    PrinterFault,
}

/// Which lamps a state uses and how they blink.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LightPattern {
    pub green: bool,
    pub red: bool,
    /// `None`: steady. Otherwise the lamps are lit for the first half of each period.
    pub blink_period: Option<Duration>,
}

impl LightState {
    pub fn pattern(self) -> LightPattern {
        let (green, red, blink_ms) = match self {
            LightState::Off => (false, false, None),
            LightState::Ready => (true, false, None),
            LightState::Offline => (true, false, Some(1000)),
            LightState::PrinterFault => (false, true, Some(500)),
        };
        LightPattern {
            green,
            red,
            blink_period: blink_ms.map(Duration::from_millis),
        }
    }

    pub fn describe(self) -> Text {
        match self {
            LightState::Off => Text::new("熄灭", "off"),
            LightState::Ready => Text::new("就绪（绿灯常亮）", "ready (green steady)"),
            LightState::Offline => {
                Text::new("离线（绿灯每秒闪一次）", "offline (green blinking 1 Hz)")
            }
            LightState::PrinterFault => Text::new(
                "打印机故障（红灯每秒闪两次）",
                "printer fault (red blinking 2 Hz)",
            ),
        }
    }
}

impl LightPattern {
    /// Whether the pattern's lamps are lit `elapsed` after it was switched on.
    pub fn lit(&self, elapsed: Duration) -> bool {
        match self.blink_period {
            None => true,
            Some(period) => elapsed.as_nanos() % period.as_nanos() < period.as_nanos() / 2,
        }
    }
}

/// Sounds that confirm an action; the screen always says the same in words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Beep {
    /// One short beep: card read, slip printed, signed up.
    Success,
    /// Two short beeps: on a waiting list, a slip still printing (neither done nor refused).
    Waiting,
    /// Three longer beeps: refused, unknown card.
    Error,
}

impl Beep {
    /// (on ms, off ms) steps. Every step ends with a pause, so two beeps played back
    /// to back are still heard as two.
    pub fn pattern(self) -> &'static [(u32, u32)] {
        match self {
            Beep::Success => &[(80, 100)],
            Beep::Waiting => &[(80, 120), (80, 120)],
            Beep::Error => &[(150, 100), (150, 100), (150, 100)],
        }
    }

    pub fn describe(self) -> Text {
        match self {
            Beep::Success => Text::new("成功提示音", "success beep"),
            Beep::Waiting => Text::new("等候提示音", "waiting beep"),
            Beep::Error => Text::new("错误提示音", "error beep"),
        }
    }
}

/// Levels of the light and buzzer pins at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PinLevels {
    pub green: bool,
    pub red: bool,
    pub buzzer: bool,
}

/// The light and buzzer over time: which pins are high at any instant and when that
/// next changes. Pure, so the blinking and beeping a Pi plays are tested off the Pi.
#[derive(Clone, Debug)]
pub struct SignalPlayer {
    light: LightState,
    light_since: Instant,
    beep: Option<(Beep, Instant)>,
}

impl SignalPlayer {
    pub fn new(now: Instant) -> Self {
        SignalPlayer {
            light: LightState::Off,
            light_since: now,
            beep: None,
        }
    }

    /// Setting the state it already shows changes nothing, so a caller may repeat
    /// its state every second without restarting the blink.
    pub fn set_light(&mut self, state: LightState, now: Instant) {
        if state != self.light {
            self.light = state;
            self.light_since = now;
        }
    }

    /// A new beep replaces one still playing: the sound belongs to the latest action,
    /// and a burst of scans must not queue seconds of stale beeps.
    pub fn beep(&mut self, beep: Beep, now: Instant) {
        self.beep = Some((beep, now));
    }

    pub fn levels(&self, now: Instant) -> PinLevels {
        let pattern = self.light.pattern();
        let lit = pattern.lit(now.saturating_duration_since(self.light_since));
        // Boundaries alternate end-of-sound, end-of-pause: the buzzer sounds while an
        // even number of them has passed and the beep is not over.
        let passed = self.beep_boundaries().filter(|at| *at <= now).count();
        PinLevels {
            green: pattern.green && lit,
            red: pattern.red && lit,
            buzzer: passed % 2 == 0 && passed < self.beep_boundaries().count(),
        }
    }

    /// The next instant any pin changes; `None` while everything is steady.
    pub fn next_change(&self, now: Instant) -> Option<Instant> {
        let blink = self.light.pattern().blink_period.map(|period| {
            let half = period.as_nanos() / 2;
            let elapsed = now.saturating_duration_since(self.light_since).as_nanos();
            let halves_passed = u32::try_from(elapsed / half + 1).unwrap_or(u32::MAX);
            self.light_since + period / 2 * halves_passed
        });
        let beep = self.beep_boundaries().find(|at| *at > now);
        blink.into_iter().chain(beep).min()
    }

    /// When each step of the current beep stops sounding and when its pause ends.
    fn beep_boundaries(&self) -> impl Iterator<Item = Instant> + '_ {
        let (steps, start) = match self.beep {
            Some((beep, start)) => (beep.pattern(), start),
            None => (&[][..], self.light_since),
        };
        steps
            .iter()
            .flat_map(|&(on, off)| [on, off])
            .scan(start, |at, ms| {
                *at += Duration::from_millis(u64::from(ms));
                Some(*at)
            })
    }
}

/// The light and the buzzer. Calls return at once: a real device plays patterns on
/// its own thread, because the UI thread never waits on hardware.
pub trait Signals: Send {
    fn set_light(&mut self, state: LightState);
    fn beep(&mut self, beep: Beep);
}

/// One call on `Signals`, as the simulator records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignalEvent {
    Light(LightState),
    Beep(Beep),
}

impl SignalEvent {
    pub fn describe(self) -> Text {
        let (zh, en) = match self {
            SignalEvent::Light(state) => (
                format!("状态灯：{}", state.describe().zh),
                format!("light: {}", state.describe().en),
            ),
            SignalEvent::Beep(beep) => (beep.describe().zh, beep.describe().en),
        };
        Text::new(zh, en)
    }
}
