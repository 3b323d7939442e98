//! Choosing, once at start, what is behind the light, buzzer and call button: the
//! real pins in a build with the `rpi` feature and a `[gpio]` section, a simulator
//! otherwise, with a note on stderr saying why.

#[cfg(feature = "rpi")]
use std::sync::mpsc;

use linli_core::Text;

use super::button::CallButton;
#[cfg(feature = "rpi")]
use super::rpi::{RpiButton, RpiSignals};
use super::signals::Signals;
use super::simulated::{SimulatedButton, SimulatedSignals};
use crate::config::GpioSettings;

/// The light and buzzer of this kiosk: the pins of `settings` where they can be
/// driven, else a simulator, with a one-line note on stderr saying why.
pub fn open_signals(settings: Option<&GpioSettings>) -> Box<dyn Signals> {
    match settings.map(open_rpi_signals) {
        Some(Ok(signals)) => signals,
        Some(Err(why)) => simulated_signals(why),
        None => simulated_signals(no_gpio_section()),
    }
}

/// The call button of this kiosk, and a way to press it by code when it is simulated.
pub fn open_call_button(settings: Option<&GpioSettings>) -> (CallButton, Option<SimulatedButton>) {
    match settings.map(open_rpi_button) {
        Some(Ok(button)) => (button, None),
        Some(Err(why)) => simulated_button(why),
        None => simulated_button(no_gpio_section()),
    }
}

fn simulated_signals(why: Text) -> Box<dyn Signals> {
    eprintln!(
        "linli: 状态灯和蜂鸣器为模拟：{} / light and buzzer are simulated: {}",
        why.zh, why.en
    );
    Box::new(SimulatedSignals::printing())
}

fn simulated_button(why: Text) -> (CallButton, Option<SimulatedButton>) {
    eprintln!(
        "linli: 呼叫按钮为模拟：{} / the call button is simulated: {}",
        why.zh, why.en
    );
    let (simulated, button) = SimulatedButton::new();
    (button, Some(simulated))
}

fn no_gpio_section() -> Text {
    Text::new(
        "设备配置中没有 [gpio]",
        "the device configuration has no [gpio] section",
    )
}

#[cfg(feature = "rpi")]
fn open_rpi_signals(settings: &GpioSettings) -> Result<Box<dyn Signals>, Text> {
    match RpiSignals::open(settings) {
        Ok(signals) => Ok(Box::new(signals)),
        Err(e) => Err(gpio_failed(&e)),
    }
}

#[cfg(feature = "rpi")]
fn open_rpi_button(settings: &GpioSettings) -> Result<CallButton, Text> {
    let (presses, receiver) = mpsc::channel();
    match RpiButton::open(settings, presses) {
        Ok(button) => Ok(CallButton::fed_by(receiver, Some(Box::new(button)))),
        Err(e) => Err(gpio_failed(&e)),
    }
}

#[cfg(feature = "rpi")]
fn gpio_failed(error: &dyn std::fmt::Display) -> Text {
    Text::new(
        format!("无法打开 GPIO：{error}"),
        format!("cannot open GPIO: {error}"),
    )
}

#[cfg(not(feature = "rpi"))]
fn open_rpi_signals(_settings: &GpioSettings) -> Result<Box<dyn Signals>, Text> {
    Err(built_without_rpi())
}

#[cfg(not(feature = "rpi"))]
fn open_rpi_button(_settings: &GpioSettings) -> Result<CallButton, Text> {
    Err(built_without_rpi())
}

#[cfg(not(feature = "rpi"))]
fn built_without_rpi() -> Text {
    Text::new(
        "本程序编译时未启用 rpi 功能",
        "this build was made without the `rpi` feature",
    )
}
