//! The device configuration: what the device is for (a resident kiosk or a front-desk
//! terminal), which printer, which GPIO pins, which card and code readers, and how
//! large the screen is.
//!
//! One TOML file per kiosk, written by the technician who wires it (see
//! `deploy/device.toml.example`, also `DeviceConfig::example()`). A file with mistakes
//! is refused as a whole, with every mistake listed (field, line, why, in Chinese and
//! English), so a technician fixes them in one pass and a kiosk never runs on half a
//! configuration.
//!
//! The document is walked by hand rather than deserialised with serde: serde stops at
//! the first error, and the walk needs the span of every key to name its line.

use std::collections::HashMap;
use std::fmt::Display;
use std::ops::{Range, RangeInclusive};
use std::path::{Path, PathBuf};
use std::time::Duration;

use linli_core::FieldError;
use toml::de::{DeString, DeTable, DeValue};
use toml::Spanned;

use crate::printer::{PrinterConnection, PrinterSettings, SERIAL_BAUDS};
use crate::receipt::Paper;

pub const DEFAULT_TCP_PORT: u16 = 9100;
pub const DEFAULT_BAUD: u32 = 9600;
pub const DEFAULT_DEBOUNCE: Duration = Duration::from_millis(30);
/// Scanners type a whole card number within a few milliseconds a key; people cannot
/// keep every gap this short, which is how typing on the same device is told apart.
pub const DEFAULT_KEY_GAP: Duration = Duration::from_millis(60);

const TIMEOUT_MS: RangeInclusive<i64> = 100..=60_000;
/// BCM numbers of the pins on the 40-pin header.
const GPIO_PINS: RangeInclusive<i64> = 0..=27;
const DEBOUNCE_MS: RangeInclusive<i64> = 1..=500;
const KEY_GAP_MS: RangeInclusive<i64> = 10..=500;
/// From a handheld's panel to a wall display.
const DIAGONAL_INCHES: RangeInclusive<f64> = 3.0..=100.0;
/// Either side of the screen, in pixels: from a 320×240 panel to 8K.
const SCREEN_PX: RangeInclusive<i64> = 240..=8192;
const MM_PER_INCH: f32 = 25.4;
/// The serial devices wired to the header's UART, which takes BCM 14 (TXD) and 15 (RXD).
const HEADER_UARTS: [&str; 3] = ["/dev/serial0", "/dev/ttyAMA0", "/dev/ttyS0"];
const UART_PINS: [u8; 2] = [14, 15];

/// Everything a kiosk needs to know about the devices attached to it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeviceConfig {
    pub printer: PrinterSettings,
    /// `None`: no status light, buzzer or call button is wired; they are simulated.
    pub gpio: Option<GpioSettings>,
    pub readers: Vec<ReaderSettings>,
    /// The default (10.1", 1280×800) when the file has no `[screen]`.
    pub screen: ScreenSettings,
    /// A kiosk when the file has no `[device]`: the safe default, since a kiosk never
    /// shows a desk screen.
    pub role: DeviceRole,
}

/// What the device is for, from `[device] role`. A resident kiosk stands in the hall
/// and never shows a desk screen, whoever signs in on it; a front-desk terminal opens
/// on the staff sign-in and signs staff out when left untouched.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DeviceRole {
    #[default]
    Kiosk,
    Desk,
}

/// The `[gpio]` section: BCM pin numbers. The pins are driven only in a build with the
/// `rpi` feature; otherwise they are simulated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GpioSettings {
    pub light_green: u8,
    pub light_red: u8,
    /// An active buzzer (with its own oscillator), sounding while the pin is high.
    pub buzzer: u8,
    pub call_button: u8,
    /// The button connects the pin to ground and the internal pull-up holds it high
    /// otherwise, so a broken wire reads as "not pressed" rather than a stuck press.
    pub button_active_low: bool,
    pub debounce: Duration,
}

impl GpioSettings {
    /// Each pin with the key that sets it, in the order of the file's example.
    pub fn pins(&self) -> [(&'static str, u8); 4] {
        [
            ("light_green", self.light_green),
            ("light_red", self.light_red),
            ("buzzer", self.buzzer),
            ("call_button", self.call_button),
        ]
    }
}

/// The `[screen]` section: the kiosk's panel, so the UI can size text in millimetres.
///
/// The diagonal is kept in tenths of an inch, the precision panels are sold by
/// (7", 10.1", 21.5"), so the settings stay `Eq` like the rest of the configuration;
/// the file's value is rounded to the nearest tenth.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScreenSettings {
    /// The panel's diagonal in tenths of an inch: 101 for 10.1".
    pub diagonal_tenths: u32,
    /// Pixels across, as the panel is mounted (1080 for a portrait 1080×1920 panel).
    pub width: u32,
    /// Pixels down, as the panel is mounted.
    pub height: u32,
}

impl Default for ScreenSettings {
    /// The 10.1" 1280×800 panel the kiosk is designed for.
    fn default() -> Self {
        ScreenSettings {
            diagonal_tenths: 101,
            width: 1280,
            height: 800,
        }
    }
}

impl ScreenSettings {
    pub fn diagonal_inches(&self) -> f32 {
        self.diagonal_tenths as f32 / 10.0
    }

    /// Pixels per millimetre, the same across and down (square pixels): about 5.88
    /// for the default panel.
    pub fn px_per_mm(&self) -> f32 {
        let (width, height) = (self.width as f32, self.height as f32);
        width.hypot(height) / (self.diagonal_inches() * MM_PER_INCH)
    }
}

/// One `[[reader]]`: a card reader or QR scanner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReaderSettings {
    /// Unique; every `ReaderEvent` carries it.
    pub name: String,
    pub kind: ReaderKind,
    pub reads: Reads,
}

/// What a reader is for. Only a card reader's input signs a resident in: a QR code
/// can be photographed and printed by anyone, so whatever a code scanner reads is
/// never taken as a card, even when it happens to be all digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reads {
    /// Community IC cards (`reads = "cards"`).
    Cards,
    /// QR codes and barcodes (`reads = "codes"`, the default).
    Codes,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReaderKind {
    /// A USB reader that types what it reads and ends with Enter, read from its
    /// `/dev/input` event device.
    KeyboardWedge { device: PathBuf, key_gap: Duration },
    /// No device: tokens are presented by code (tests, demos, a desktop).
    Simulator,
}

impl DeviceConfig {
    /// Reads the configuration at `path`. No file means no devices configured: the
    /// defaults (simulated printer on 80 mm paper, nothing else). A file that exists
    /// but cannot be read is an error, not the defaults: a kiosk whose configuration
    /// is unreadable should say so rather than quietly print to nowhere.
    pub fn load(path: &Path) -> Result<DeviceConfig, Vec<FieldError>> {
        match std::fs::read(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => DeviceConfig::parse(&text),
                Err(e) => {
                    // Named by line and column, as every other mistake in the file is:
                    // an editor saving in GBK is the usual cause.
                    let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
                    let line = good.iter().filter(|b| **b == b'\n').count() + 1;
                    let line_start = good.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
                    let column = String::from_utf8_lossy(&good[line_start..]).chars().count() + 1;
                    Err(vec![FieldError::new(
                        "file",
                        "not_utf8",
                        format!("第{line}行第{column}个字符处不是 UTF-8 编码：请用 UTF-8 保存设备配置文件 {}", path.display()),
                        format!(
                            "line {line}, column {column}: not UTF-8; save the device configuration {} as UTF-8",
                            path.display()
                        ),
                    )])
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(DeviceConfig::default()),
            Err(e) => Err(vec![FieldError::new(
                "file",
                "unreadable",
                format!("无法读取设备配置文件 {}：{e}", path.display()),
                format!(
                    "cannot read the device configuration {}: {e}",
                    path.display()
                ),
            )]),
        }
    }

    /// Parses and checks a whole configuration. Either every setting is valid and
    /// the whole configuration is returned, or every problem found is returned.
    pub fn parse(text: &str) -> Result<DeviceConfig, Vec<FieldError>> {
        let (document, syntax) = DeTable::parse_recoverable(text);
        let mut problems = Problems::new(text);
        if !syntax.is_empty() {
            for error in syntax {
                let span = error.span().unwrap_or(0..0);
                problems.add(
                    span,
                    "toml",
                    "syntax",
                    format!("TOML 格式错误：{}", error.message()),
                    format!("TOML syntax error: {}", error.message()),
                );
            }
            return Err(problems.into_errors());
        }
        let root = Section {
            field: String::new(),
            table: document.get_ref(),
            span: 0..0,
        };
        problems.unknown_keys(&root, &["device", "printer", "gpio", "reader", "screen"]);
        let role = match problems.section(&root, "device") {
            Some(section) => device_role(&mut problems, &section),
            None => DeviceRole::default(),
        };
        let printer = match problems.section(&root, "printer") {
            Some(section) => printer_settings(&mut problems, &section),
            None => PrinterSettings::default(),
        };
        let gpio = problems
            .section(&root, "gpio")
            .map(|section| gpio_settings(&mut problems, &section));
        let readers = readers(&mut problems, &root);
        let screen = match problems.section(&root, "screen") {
            Some(section) => screen_settings(&mut problems, &section),
            None => ScreenSettings::default(),
        };
        if let Some(gpio) = &gpio {
            check_uart_pins(&mut problems, &printer, gpio, &root);
        }
        if problems.is_empty() {
            Ok(DeviceConfig {
                printer,
                gpio,
                readers,
                screen,
                role,
            })
        } else {
            Err(problems.into_errors())
        }
    }

    /// A commented example configuration: every setting, its default and its choices.
    pub fn example() -> &'static str {
        include_str!("../deploy/device.toml.example")
    }
}

/// A section whose `kind` decides which other keys it takes.
struct Kinds {
    /// The thing configured, in words: ("打印机", "printer").
    what: (&'static str, &'static str),
    /// Keys every kind takes.
    common: &'static [&'static str],
    kinds: &'static [KindSpec],
}

/// One kind: its name and the keys it takes beyond the common ones.
struct KindSpec {
    name: &'static str,
    keys: &'static [(&'static str, Need)],
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Need {
    Required,
    Optional,
}

impl Kinds {
    fn known_keys(&self) -> Vec<&'static str> {
        let mut known = self.common.to_vec();
        for (key, _) in self.kinds.iter().flat_map(|spec| spec.keys) {
            if !known.contains(key) {
                known.push(key);
            }
        }
        known
    }

    /// The kinds that take `key`.
    fn owners(&self, key: &str) -> Vec<&'static str> {
        self.kinds
            .iter()
            .filter(|spec| spec.takes(key))
            .map(|spec| spec.name)
            .collect()
    }
}

impl KindSpec {
    fn takes(&self, key: &str) -> bool {
        self.keys.iter().any(|(own, _)| *own == key)
    }
}

const PRINTER: Kinds = Kinds {
    what: ("打印机", "printer"),
    common: &["kind", "paper", "timeout_ms"],
    kinds: &[
        KindSpec {
            name: "simulator",
            keys: &[],
        },
        KindSpec {
            name: "usb",
            keys: &[("device", Need::Required)],
        },
        KindSpec {
            name: "tcp",
            keys: &[("host", Need::Required), ("port", Need::Optional)],
        },
        KindSpec {
            name: "serial",
            keys: &[("device", Need::Required), ("baud", Need::Optional)],
        },
    ],
};

const READER: Kinds = Kinds {
    what: ("读卡器", "reader"),
    common: &["name", "kind", "reads"],
    kinds: &[
        KindSpec {
            name: "keyboard_wedge",
            keys: &[("device", Need::Required), ("key_gap_ms", Need::Optional)],
        },
        KindSpec {
            name: "simulator",
            keys: &[],
        },
    ],
};

const GPIO_PIN_KEYS: [(&str, &str, &str); 4] = [
    ("light_green", "绿灯引脚", "the green light pin"),
    ("light_red", "红灯引脚", "the red light pin"),
    ("buzzer", "蜂鸣器引脚", "the buzzer pin"),
    ("call_button", "呼叫按钮引脚", "the call button pin"),
];

fn printer_settings(p: &mut Problems<'_>, section: &Section<'_, '_>) -> PrinterSettings {
    let defaults = PrinterSettings::default();
    let kind = p.kind(section, &PRINTER);
    let device = p.device_path(section, "device");
    let host = p.host(section, "host");
    let port = p
        .number(
            section,
            "port",
            1..=65_535,
            ("打印机端口", "the printer port"),
        )
        .or(i64::from(DEFAULT_TCP_PORT));
    let baud = p.baud(section, "baud").or(DEFAULT_BAUD);
    let paper = p
        .choice(section, "paper", ("纸宽", "paper width"), &["58mm", "80mm"])
        .value();
    let timeout = p.number(
        section,
        "timeout_ms",
        TIMEOUT_MS,
        ("打印机超时（毫秒）", "the printer timeout (ms)"),
    );
    let connection = match kind {
        Some("usb") => PrinterConnection::Usb {
            device: device.value().unwrap_or_default(),
        },
        Some("tcp") => PrinterConnection::Tcp {
            host: host.value().unwrap_or_default(),
            port: port.and_then(|port| u16::try_from(port).ok()).unwrap_or(0),
        },
        Some("serial") => PrinterConnection::Serial {
            device: device.value().unwrap_or_default(),
            baud: baud.unwrap_or(DEFAULT_BAUD),
        },
        _ => PrinterConnection::Simulator,
    };
    PrinterSettings {
        connection,
        paper: match paper {
            Some("58mm") => Paper::Mm58,
            _ => defaults.paper,
        },
        timeout: timeout.value().map_or(defaults.timeout, milliseconds),
    }
}

fn gpio_settings(p: &mut Problems<'_>, section: &Section<'_, '_>) -> GpioSettings {
    let mut known: Vec<&str> = GPIO_PIN_KEYS.iter().map(|(key, _, _)| *key).collect();
    known.extend(["button_active_low", "debounce_ms"]);
    p.unknown_keys(section, &known);
    let mut numbers = [0u8; GPIO_PIN_KEYS.len()];
    let mut used = Vec::new();
    for (index, (key, zh, en)) in GPIO_PIN_KEYS.into_iter().enumerate() {
        let pin = p.number(section, key, GPIO_PINS, (zh, en));
        p.required(section, key, &pin, (zh, en));
        if let (Field::Good(number), Some(span)) = (pin, p.span_of(section, key)) {
            // GPIO_PINS keeps every accepted number within u8.
            numbers[index] = number as u8;
            used.push((span, key, numbers[index]));
        }
    }
    check_pins_used_once(p, section, used);
    let [light_green, light_red, buzzer, call_button] = numbers;
    let button_active_low = p
        .boolean(
            section,
            "button_active_low",
            ("按钮低电平有效", "button_active_low"),
        )
        .value();
    let debounce = p.number(
        section,
        "debounce_ms",
        DEBOUNCE_MS,
        ("按钮防抖时间（毫秒）", "the button debounce time (ms)"),
    );
    GpioSettings {
        light_green,
        light_red,
        buzzer,
        call_button,
        button_active_low: button_active_low.unwrap_or(true),
        debounce: debounce.value().map_or(DEFAULT_DEBOUNCE, milliseconds),
    }
}

fn device_role(p: &mut Problems<'_>, section: &Section<'_, '_>) -> DeviceRole {
    p.unknown_keys(section, &["role"]);
    match p.choice(
        section,
        "role",
        ("终端用途", "device role"),
        &["kiosk", "desk"],
    ) {
        Field::Good("desk") => DeviceRole::Desk,
        _ => DeviceRole::Kiosk,
    }
}

fn screen_settings(p: &mut Problems<'_>, section: &Section<'_, '_>) -> ScreenSettings {
    let defaults = ScreenSettings::default();
    p.unknown_keys(section, &["diagonal_inches", "width", "height"]);
    let diagonal = p.number(
        section,
        "diagonal_inches",
        DIAGONAL_INCHES,
        ("屏幕对角线（英寸）", "the screen diagonal (inches)"),
    );
    let mut pixels = |key, what| {
        p.number(section, key, SCREEN_PX, what)
            .value()
            // SCREEN_PX keeps every accepted number within u32.
            .map(|number| number as u32)
    };
    let width = pixels("width", ("屏幕宽度（像素）", "the screen width (pixels)"));
    let height = pixels("height", ("屏幕高度（像素）", "the screen height (pixels)"));
    ScreenSettings {
        // DIAGONAL_INCHES keeps every accepted diagonal within u32 tenths.
        diagonal_tenths: diagonal.value().map_or(defaults.diagonal_tenths, |inches| {
            (inches * 10.0).round() as u32
        }),
        width: width.unwrap_or(defaults.width),
        height: height.unwrap_or(defaults.height),
    }
}

/// A setting in milliseconds that has passed its range check (never negative).
fn milliseconds(value: i64) -> Duration {
    Duration::from_millis(value.unsigned_abs())
}

/// One wire cannot be two things: the second use of a pin (in file order) is refused
/// and the message names the first.
fn check_pins_used_once(
    p: &mut Problems<'_>,
    section: &Section<'_, '_>,
    mut pins: Vec<(Range<usize>, &str, u8)>,
) {
    pins.sort_by_key(|(span, _, _)| span.start);
    for (index, (span, key, number)) in pins.iter().enumerate() {
        if let Some((_, first, _)) = pins[..index].iter().find(|(_, _, n)| n == number) {
            let first = section.path(first);
            let second = section.path(key);
            p.add(
                span.clone(),
                second.clone(),
                "pin_in_use",
                format!("引脚 {number} 被用了两次：{first} 和 {second}"),
                format!("pin {number} is used twice: {first} and {second}"),
            );
        }
    }
}

/// A serial printer on the header's UART owns BCM 14 and 15; a lamp on them would
/// garble every receipt.
fn check_uart_pins(
    p: &mut Problems<'_>,
    printer: &PrinterSettings,
    gpio: &GpioSettings,
    root: &Section<'_, '_>,
) {
    let PrinterConnection::Serial { device, .. } = &printer.connection else {
        return;
    };
    if !HEADER_UARTS.iter().any(|uart| Path::new(uart) == device) {
        return;
    }
    let Some(section) = root.child("gpio") else {
        return;
    };
    for (key, number) in gpio.pins() {
        if UART_PINS.contains(&number) {
            let field = section.path(key);
            let span = p.span_of(&section, key).unwrap_or(section.span.clone());
            let device = device.display();
            p.add(
                span,
                field.clone(),
                "pin_in_use",
                format!("引脚 {number} 被用了两次：{field} 和串口打印机 {device}（串口占用 BCM 14、15）"),
                format!(
                    "pin {number} is used twice: {field} and the serial printer on {device} \
                     (its UART takes BCM 14 and 15)"
                ),
            );
        }
    }
}

fn readers(p: &mut Problems<'_>, root: &Section<'_, '_>) -> Vec<ReaderSettings> {
    let Some(value) = root.table.get("reader") else {
        return Vec::new();
    };
    let DeValue::Array(items) = value.get_ref() else {
        p.add(
            value.span(),
            "reader",
            "not_an_array",
            "读卡器须写成 [[reader]]（两层方括号），每个读卡器一节",
            "readers are written as [[reader]] (double brackets), one section per reader",
        );
        return Vec::new();
    };
    let mut readers = Vec::new();
    // Name → the line it was first used on.
    let mut names: HashMap<String, usize> = HashMap::new();
    let mut devices: HashMap<PathBuf, String> = HashMap::new();
    for (index, item) in items.iter().enumerate() {
        let field = format!("reader[{index}]");
        let DeValue::Table(table) = item.get_ref() else {
            p.add(
                item.span(),
                field,
                "not_a_table",
                "每个读卡器须是一节 [[reader]]",
                "each reader must be a [[reader]] section",
            );
            continue;
        };
        let section = Section {
            field,
            table,
            span: item.span(),
        };
        let reader = reader_settings(p, &section);
        let name_span = p.span_of(&section, "name");
        if let Some(first_line) = names.get(&reader.name) {
            p.add(
                name_span.unwrap_or(section.span.clone()),
                section.path("name"),
                "duplicate_name",
                format!(
                    "读卡器名称「{}」重复（第{first_line}行已用过）",
                    reader.name
                ),
                format!(
                    "reader name `{}` is used twice (already on line {first_line})",
                    reader.name
                ),
            );
        } else if let (false, Some(span)) = (reader.name.is_empty(), name_span) {
            names.insert(reader.name.clone(), p.line(span.start));
        }
        if let ReaderKind::KeyboardWedge { device, .. } = &reader.kind {
            check_device_used_once(p, &section, device, &mut devices);
        }
        readers.push(reader);
    }
    readers
}

/// Each event device can be grabbed by one reader only; a second grab fails at run time.
fn check_device_used_once(
    p: &mut Problems<'_>,
    section: &Section<'_, '_>,
    device: &Path,
    devices: &mut HashMap<PathBuf, String>,
) {
    if device.as_os_str().is_empty() {
        return;
    }
    let field = section.path("device");
    if let Some(first) = devices.get(device) {
        let shown = device.display();
        p.add(
            p.span_of(section, "device").unwrap_or(section.span.clone()),
            field.clone(),
            "device_in_use",
            format!("设备 {shown} 被用了两次：{first} 和 {field}"),
            format!("device {shown} is used twice: {first} and {field}"),
        );
    } else {
        devices.insert(device.to_path_buf(), field);
    }
}

fn reader_settings(p: &mut Problems<'_>, section: &Section<'_, '_>) -> ReaderSettings {
    let kind = p.kind(section, &READER);
    let name = p.string(section, "name", ("读卡器名称", "the reader name"));
    p.required(section, "name", &name, ("读卡器名称", "the reader name"));
    let name = match name {
        Field::Good(name) if name.trim().is_empty() => {
            p.add_at(
                section,
                "name",
                "required",
                "读卡器名称不能为空",
                "the reader name cannot be empty",
            );
            String::new()
        }
        other => other.value().unwrap_or_default(),
    };
    let device = p.device_path(section, "device");
    let key_gap = p.number(
        section,
        "key_gap_ms",
        KEY_GAP_MS,
        ("按键间隔上限（毫秒）", "the key gap limit (ms)"),
    );
    let kind = match kind {
        Some("keyboard_wedge") => ReaderKind::KeyboardWedge {
            device: device.value().unwrap_or_default(),
            key_gap: key_gap.value().map_or(DEFAULT_KEY_GAP, milliseconds),
        },
        _ => ReaderKind::Simulator,
    };
    let reads = match p.choice(
        section,
        "reads",
        ("读卡器用途", "what the reader reads"),
        &["cards", "codes"],
    ) {
        Field::Good("cards") => Reads::Cards,
        _ => Reads::Codes,
    };
    ReaderSettings { name, kind, reads }
}

/// A table in the document and the dotted path that names its fields in errors.
struct Section<'a, 'i> {
    field: String,
    table: &'a DeTable<'i>,
    span: Range<usize>,
}

impl<'a, 'i> Section<'a, 'i> {
    fn path(&self, key: &str) -> String {
        if self.field.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.field)
        }
    }

    /// The sub-table `key`, if it is one; whether it is has been reported already.
    fn child(&self, key: &str) -> Option<Section<'a, 'i>> {
        let value = self.table.get(key)?;
        match value.get_ref() {
            DeValue::Table(table) => Some(Section {
                field: self.path(key),
                table,
                span: value.span(),
            }),
            _ => None,
        }
    }
}

/// What reading one setting gave.
enum Field<T> {
    /// Not written: the default applies, or it is missing if required.
    Absent,
    /// Written but wrong; already reported.
    Bad,
    Good(T),
}

impl<T> Field<T> {
    /// The value to use, the default when absent, `None` when it was bad.
    fn or(self, default: T) -> Option<T> {
        match self {
            Field::Absent => Some(default),
            Field::Bad => None,
            Field::Good(value) => Some(value),
        }
    }

    fn value(self) -> Option<T> {
        match self {
            Field::Good(value) => Some(value),
            _ => None,
        }
    }
}

/// Every problem found so far, each at a position in the text so the list reads in
/// file order and each message can name its line.
struct Problems<'t> {
    text: &'t str,
    found: Vec<(usize, FieldError)>,
}

impl<'t> Problems<'t> {
    fn new(text: &'t str) -> Self {
        Problems {
            text,
            found: Vec::new(),
        }
    }

    fn is_empty(&self) -> bool {
        self.found.is_empty()
    }

    fn line(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    fn add(
        &mut self,
        span: Range<usize>,
        field: impl Into<String>,
        code: &str,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) {
        let line = self.line(span.start);
        let error = FieldError::new(
            field,
            code,
            format!("第{line}行：{}", zh.into()),
            format!("line {line}: {}", en.into()),
        );
        self.found.push((span.start, error));
    }

    fn into_errors(mut self) -> Vec<FieldError> {
        self.found.sort_by_key(|(offset, _)| *offset);
        self.found.into_iter().map(|(_, error)| error).collect()
    }

    fn span_of(&self, section: &Section<'_, '_>, key: &str) -> Option<Range<usize>> {
        section.table.get_key_value(key).map(|(key, _)| key.span())
    }

    /// The sub-table `key` of `parent`, or `None` if it is absent or (reported) not a table.
    fn section<'a, 'i>(&mut self, parent: &Section<'a, 'i>, key: &str) -> Option<Section<'a, 'i>> {
        let value = parent.table.get(key)?;
        let section = parent.child(key);
        if section.is_none() {
            self.add(
                value.span(),
                parent.path(key),
                "not_a_table",
                format!("「{key}」须是一节 [{key}]"),
                format!("`{key}` must be a [{key}] section"),
            );
        }
        section
    }

    fn unknown_keys(&mut self, section: &Section<'_, '_>, known: &[&str]) {
        for (key, _) in section.table.iter() {
            let name: &str = key.get_ref();
            if !known.contains(&name) {
                let where_zh = if section.field.is_empty() {
                    "顶层".to_owned()
                } else {
                    format!("[{}] 中", section.field)
                };
                let where_en = if section.field.is_empty() {
                    "at the top level".to_owned()
                } else {
                    format!("in [{}]", section.field)
                };
                self.add(
                    key.span(),
                    section.path(name),
                    "unknown_key",
                    format!(
                        "{where_zh}没有「{name}」这一项，可用的有：{}",
                        known.join("、")
                    ),
                    format!(
                        "unknown setting `{name}` {where_en}; expected one of: {}",
                        known.join(", ")
                    ),
                );
            }
        }
    }

    /// Checks `kind` and that every other key belongs to it: unknown keys, keys of
    /// another kind, missing required keys. Returns the kind if it is valid.
    fn kind(&mut self, section: &Section<'_, '_>, kinds: &Kinds) -> Option<&'static str> {
        let known = kinds.known_keys();
        self.unknown_keys(section, &known);
        let (kind_zh, kind_en) = (
            format!("{}类型", kinds.what.0),
            format!("{} kind", kinds.what.1),
        );
        let what = (kind_zh.as_str(), kind_en.as_str());
        let names: Vec<&str> = kinds.kinds.iter().map(|spec| spec.name).collect();
        let kind = self.choice(section, "kind", what, &names);
        self.required(section, "kind", &kind, what);
        let name = kind.value()?;
        let spec = kinds.kinds.iter().find(|spec| spec.name == name)?;
        for (key, _) in section.table.iter() {
            let key_name: &str = key.get_ref();
            let foreign = !kinds.common.contains(&key_name) && !spec.takes(key_name);
            if foreign && known.contains(&key_name) {
                self.key_of_another_kind(section, key, kinds, spec.name);
            }
        }
        for (key, need) in spec.keys {
            if *need == Need::Required && !section.table.contains_key(*key) {
                let (what_zh, what_en) = kinds.what;
                self.add(
                    section.span.clone(),
                    section.path(key),
                    "required",
                    format!("{name} {what_zh}须填写「{key}」"),
                    format!("a {name} {what_en} needs `{key}`"),
                );
            }
        }
        Some(spec.name)
    }

    fn key_of_another_kind(
        &mut self,
        section: &Section<'_, '_>,
        key: &Spanned<DeString<'_>>,
        kinds: &Kinds,
        kind: &str,
    ) {
        let name: &str = key.get_ref();
        let owners = kinds.owners(name);
        let (what_zh, what_en) = kinds.what;
        self.add(
            key.span(),
            section.path(name),
            "not_for_kind",
            format!(
                "「{name}」不适用于 {kind} {what_zh}（只用于 {}）",
                owners.join("、")
            ),
            format!(
                "`{name}` does not apply to a {kind} {what_en} (only to {})",
                owners.join(", ")
            ),
        );
    }

    /// Reports a required setting that is absent.
    fn required<T>(
        &mut self,
        section: &Section<'_, '_>,
        key: &str,
        field: &Field<T>,
        what: (&str, &str),
    ) {
        if matches!(field, Field::Absent) {
            self.add(
                section.span.clone(),
                section.path(key),
                "required",
                format!("缺少{}（「{key}」）", what.0),
                format!("{} (`{key}`) is missing", capitalise(what.1)),
            );
        }
    }

    fn string(
        &mut self,
        section: &Section<'_, '_>,
        key: &str,
        what: (&str, &str),
    ) -> Field<String> {
        let Some(value) = section.table.get(key) else {
            return Field::Absent;
        };
        match value.get_ref() {
            DeValue::String(text) => Field::Good(text.to_string()),
            _ => {
                self.wrong_type(
                    section,
                    key,
                    "wrong_type",
                    what,
                    ("文字（加引号）", "text in quotes"),
                );
                Field::Bad
            }
        }
    }

    fn choice(
        &mut self,
        section: &Section<'_, '_>,
        key: &str,
        what: (&str, &str),
        options: &[&'static str],
    ) -> Field<&'static str> {
        let text = match self.string(section, key, what) {
            Field::Good(text) => text,
            Field::Absent => return Field::Absent,
            Field::Bad => return Field::Bad,
        };
        if let Some(option) = options.iter().find(|option| **option == text) {
            return Field::Good(option);
        }
        self.add_at(
            section,
            key,
            "unknown_value",
            format!("{}「{text}」无效，可选：{}", what.0, options.join("、")),
            format!(
                "unknown {} `{text}`; expected one of: {}",
                what.1,
                options.join(", ")
            ),
        );
        Field::Bad
    }

    /// A number within `range`: a whole number for an `i64` range, any number for
    /// an `f64` one.
    fn number<T: Number>(
        &mut self,
        section: &Section<'_, '_>,
        key: &str,
        range: RangeInclusive<T>,
        what: (&str, &str),
    ) -> Field<T> {
        let Some(value) = section.table.get(key) else {
            return Field::Absent;
        };
        let Some(number) = T::read(value.get_ref()) else {
            self.wrong_type(section, key, "not_a_number", what, T::EXPECTED);
            return Field::Bad;
        };
        if range.contains(&number) {
            return Field::Good(number);
        }
        let (low, high) = (range.start(), range.end());
        self.add_at(
            section,
            key,
            "out_of_range",
            format!("{}须在 {low} 到 {high} 之间，现为 {number}", what.0),
            format!("{} must be between {low} and {high}, not {number}", what.1),
        );
        Field::Bad
    }

    fn boolean(&mut self, section: &Section<'_, '_>, key: &str, what: (&str, &str)) -> Field<bool> {
        let Some(value) = section.table.get(key) else {
            return Field::Absent;
        };
        match value.get_ref() {
            DeValue::Boolean(flag) => Field::Good(*flag),
            _ => {
                self.wrong_type(
                    section,
                    key,
                    "wrong_type",
                    what,
                    ("true 或 false", "true or false"),
                );
                Field::Bad
            }
        }
    }

    fn baud(&mut self, section: &Section<'_, '_>, key: &str) -> Field<u32> {
        let what = ("波特率", "the baud rate");
        let number = match self.number(section, key, 1..=i64::from(u32::MAX), what) {
            Field::Good(number) => number as u32,
            Field::Absent => return Field::Absent,
            Field::Bad => return Field::Bad,
        };
        if SERIAL_BAUDS.contains(&number) {
            return Field::Good(number);
        }
        let rates: Vec<String> = SERIAL_BAUDS.iter().map(u32::to_string).collect();
        self.add_at(
            section,
            key,
            "unsupported_baud",
            format!("波特率 {number} 不是标准速率，可选：{}", rates.join("、")),
            format!(
                "baud rate {number} is not a standard rate; expected one of: {}",
                rates.join(", ")
            ),
        );
        Field::Bad
    }

    /// A device file: absolute, because the kiosk runs as a service whose working
    /// directory nobody chose.
    fn device_path(&mut self, section: &Section<'_, '_>, key: &str) -> Field<PathBuf> {
        let what = ("设备路径", "the device path");
        let text = match self.string(section, key, what) {
            Field::Good(text) => text,
            Field::Absent => return Field::Absent,
            Field::Bad => return Field::Bad,
        };
        if text.starts_with('/') {
            return Field::Good(PathBuf::from(text));
        }
        self.add_at(
            section,
            key,
            "not_absolute",
            format!("设备路径须以 / 开头（如 /dev/usb/lp0），现为「{text}」"),
            format!("the device path must start with / (like /dev/usb/lp0), not `{text}`"),
        );
        Field::Bad
    }

    fn host(&mut self, section: &Section<'_, '_>, key: &str) -> Field<String> {
        let what = ("打印机地址", "the printer host");
        let text = match self.string(section, key, what) {
            Field::Good(text) => text,
            other => return other,
        };
        if !text.is_empty() && !text.contains(char::is_whitespace) {
            return Field::Good(text);
        }
        self.add_at(
            section,
            key,
            "invalid_host",
            format!("打印机地址须是 IP 地址或主机名（不含空格），现为「{text}」"),
            format!(
                "the printer host must be an IP address or host name without spaces, not `{text}`"
            ),
        );
        Field::Bad
    }

    fn add_at(
        &mut self,
        section: &Section<'_, '_>,
        key: &str,
        code: &str,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) {
        let span = section
            .table
            .get(key)
            .map(Spanned::span)
            .unwrap_or(section.span.clone());
        self.add(span, section.path(key), code, zh, en);
    }

    /// `key` is present (the caller looked it up) but holds the wrong kind of value;
    /// the message quotes it as written.
    fn wrong_type(
        &mut self,
        section: &Section<'_, '_>,
        key: &str,
        code: &str,
        what: (&str, &str),
        expected: (&str, &str),
    ) {
        let span = section.table.get(key).map_or(0..0, Spanned::span);
        let shown = self.text.get(span).unwrap_or_default().to_owned();
        self.add_at(
            section,
            key,
            code,
            format!("{}须为{}，现为 {shown}", what.0, expected.0),
            format!("{} must be {}, not {shown}", what.1, expected.1),
        );
    }
}

/// The kinds of number a setting can hold.
trait Number: Copy + PartialOrd + Display {
    /// What a message says was expected instead of a value that is not one.
    const EXPECTED: (&'static str, &'static str);

    fn read(value: &DeValue<'_>) -> Option<Self>;
}

impl Number for i64 {
    const EXPECTED: (&'static str, &'static str) = ("整数", "a whole number");

    fn read(value: &DeValue<'_>) -> Option<i64> {
        let DeValue::Integer(integer) = value else {
            return None;
        };
        i64::from_str_radix(integer.as_str(), integer.radix()).ok()
    }
}

/// With or without a fraction: `7`, `7.0` and `10.1` are all numbers.
impl Number for f64 {
    const EXPECTED: (&'static str, &'static str) = ("数字", "a number");

    fn read(value: &DeValue<'_>) -> Option<f64> {
        match value {
            DeValue::Float(float) => float.as_str().parse().ok(),
            _ => i64::read(value).map(|number| number as f64),
        }
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
