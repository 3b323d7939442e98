//! The status light and buzzer as data and over time, the simulators, and what a
//! machine without a Pi opens.

use std::time::{Duration, Instant};

use linli_hardware::gpio::{
    open_call_button, Beep, LightPattern, LightState, PinLevels, SignalEvent, SignalPlayer,
    Signals, SimulatedButton, SimulatedSignals,
};

fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

#[test]
fn each_light_state_has_its_lamp_and_blink_rate() {
    let pattern = |green, red, blink: Option<u64>| LightPattern {
        green,
        red,
        blink_period: blink.map(ms),
    };
    assert_eq!(LightState::Off.pattern(), pattern(false, false, None));
    assert_eq!(LightState::Ready.pattern(), pattern(true, false, None));
    assert_eq!(
        LightState::Offline.pattern(),
        pattern(true, false, Some(1000))
    );
    assert_eq!(
        LightState::PrinterFault.pattern(),
        pattern(false, true, Some(500))
    );
}

#[test]
fn success_is_one_short_beep_waiting_two_and_error_three_longer_ones() {
    let sounds = |beep: Beep| -> Vec<u32> { beep.pattern().iter().map(|(on, _)| *on).collect() };
    assert_eq!(sounds(Beep::Success), vec![80]);
    assert_eq!(sounds(Beep::Error), vec![150, 150, 150]);
    assert_eq!(sounds(Beep::Waiting), vec![80, 80]);
    // Every sound is followed by a pause, so two beeps in a row are heard as two.
    for beep in [Beep::Success, Beep::Waiting, Beep::Error] {
        assert!(beep.pattern().iter().all(|(_, off)| *off >= 100));
    }
}

fn levels(green: bool, red: bool, buzzer: bool) -> PinLevels {
    PinLevels { green, red, buzzer }
}

#[test]
fn offline_blinks_green_once_a_second() {
    let start = Instant::now();
    let mut player = SignalPlayer::new(start);
    player.set_light(LightState::Offline, start);
    let at = |millis| player.levels(start + ms(millis));
    assert_eq!(at(0), levels(true, false, false));
    assert_eq!(at(499), levels(true, false, false));
    assert_eq!(at(500), levels(false, false, false));
    assert_eq!(at(999), levels(false, false, false));
    assert_eq!(at(1000), levels(true, false, false));
    assert_eq!(player.next_change(start), Some(start + ms(500)));
    assert_eq!(player.next_change(start + ms(500)), Some(start + ms(1000)));
}

#[test]
fn a_printer_fault_blinks_red_twice_a_second() {
    let start = Instant::now();
    let mut player = SignalPlayer::new(start);
    player.set_light(LightState::PrinterFault, start);
    let lit: Vec<bool> = (0..8)
        .map(|quarter| player.levels(start + ms(quarter * 125)).red)
        .collect();
    assert_eq!(lit, [true, true, false, false, true, true, false, false]);
    assert!(!player.levels(start).green);
}

#[test]
fn a_steady_light_needs_no_wake_up() {
    let start = Instant::now();
    let mut player = SignalPlayer::new(start);
    player.set_light(LightState::Ready, start);
    assert_eq!(
        player.levels(start + ms(12_345)),
        levels(true, false, false)
    );
    assert_eq!(player.next_change(start + ms(12_345)), None);
}

#[test]
fn repeating_the_current_state_does_not_restart_the_blink() {
    let start = Instant::now();
    let mut player = SignalPlayer::new(start);
    player.set_light(LightState::Offline, start);
    player.set_light(LightState::Offline, start + ms(600));
    assert!(!player.levels(start + ms(700)).green);
    // A different state starts its own pattern from the moment it is set.
    player.set_light(LightState::PrinterFault, start + ms(600));
    assert!(player.levels(start + ms(700)).red);
}

#[test]
fn an_error_beep_plays_three_sounds_then_stays_quiet() {
    let start = Instant::now();
    let mut player = SignalPlayer::new(start);
    player.beep(Beep::Error, start);
    let buzzer = |millis| player.levels(start + ms(millis)).buzzer;
    let heard: Vec<bool> = [0, 149, 150, 249, 250, 399, 400, 500, 649, 650, 5000]
        .into_iter()
        .map(buzzer)
        .collect();
    assert_eq!(
        heard,
        [true, true, false, false, true, true, false, true, true, false, false]
    );
    let mut wake_ups = Vec::new();
    let mut now = start;
    while let Some(next) = player.next_change(now) {
        wake_ups.push((next - start).as_millis());
        now = next;
    }
    assert_eq!(wake_ups, [150, 250, 400, 500, 650, 750]);
}

#[test]
fn a_new_beep_replaces_the_one_playing() {
    let start = Instant::now();
    let mut player = SignalPlayer::new(start);
    player.beep(Beep::Error, start);
    player.beep(Beep::Success, start + ms(100));
    let buzzer = |millis| player.levels(start + ms(millis)).buzzer;
    assert!(buzzer(179));
    assert!(!buzzer(180));
    // Where the error beep's second sound would have been.
    assert!(!buzzer(300));
}

#[test]
fn the_simulator_records_every_call_in_order() {
    let simulator = SimulatedSignals::new();
    let events = simulator.events();
    let mut signals: Box<dyn Signals> = Box::new(simulator);
    signals.set_light(LightState::Ready);
    signals.beep(Beep::Success);
    signals.set_light(LightState::Ready);
    signals.set_light(LightState::PrinterFault);
    signals.beep(Beep::Error);
    assert_eq!(
        *events.lock().unwrap(),
        vec![
            SignalEvent::Light(LightState::Ready),
            SignalEvent::Beep(Beep::Success),
            SignalEvent::Light(LightState::Ready),
            SignalEvent::Light(LightState::PrinterFault),
            SignalEvent::Beep(Beep::Error),
        ]
    );
    assert_eq!(
        SignalEvent::Light(LightState::Offline).describe().en,
        "light: offline (green blinking 1 Hz)"
    );
}

#[test]
fn simulated_presses_arrive_on_the_call_buttons_channel() {
    let (simulated, button) = SimulatedButton::new();
    let before = Instant::now();
    simulated.press();
    simulated.clone().press();
    let first = button.presses().try_recv().unwrap();
    assert!(first.at >= before);
    assert!(button.presses().try_recv().is_ok());
    assert!(button.presses().try_recv().is_err());
}

#[test]
fn without_a_gpio_section_the_button_is_simulated() {
    let (button, simulated) = open_call_button(None);
    simulated.expect("a simulated button").press();
    assert!(button.presses().try_recv().is_ok());
}

/// Without the `rpi` feature, or with it on a machine that is not a Pi, the
/// configured pins cannot be driven; the kiosk must still get a working button.
#[test]
fn configured_pins_that_cannot_be_driven_here_are_simulated() {
    let model = std::fs::read_to_string("/proc/device-tree/model").unwrap_or_default();
    if cfg!(feature = "rpi") && model.contains("Raspberry Pi") {
        return; // The real pins open here.
    }
    let settings = linli_hardware::config::GpioSettings {
        light_green: 17,
        light_red: 27,
        buzzer: 22,
        call_button: 23,
        button_active_low: true,
        debounce: Duration::from_millis(30),
    };
    let (button, simulated) = open_call_button(Some(&settings));
    simulated.expect("a simulated button").press();
    assert!(button.presses().try_recv().is_ok());
}
