//! The device configuration: the example, defaults, and every kind of mistake a
//! technician can make, each reported with its field, code and line, all at once.

use std::path::PathBuf;
use std::time::Duration;

use linli_core::FieldError;
use linli_hardware::config::{
    DeviceConfig, DeviceRole, GpioSettings, ReaderKind, ReaderSettings, Reads, ScreenSettings,
};
use linli_hardware::printer::{PrinterConnection, PrinterSettings};
use linli_hardware::receipt::Paper;

fn errors(text: &str) -> Vec<FieldError> {
    match DeviceConfig::parse(text) {
        Ok(config) => panic!("expected errors, got {config:?}"),
        Err(errors) => errors,
    }
}

/// (field, code) of each error, in the order reported.
fn problems(text: &str) -> Vec<(String, String)> {
    errors(text)
        .into_iter()
        .map(|error| (error.field, error.code))
        .collect()
}

fn problem(field: &str, code: &str) -> Vec<(String, String)> {
    vec![(field.to_owned(), code.to_owned())]
}

fn only_error(text: &str) -> FieldError {
    let mut errors = errors(text);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    errors.remove(0)
}

const USB: &str = "[printer]\nkind = \"usb\"\ndevice = \"/dev/usb/lp0\"\n";

const GPIO: &str = "[gpio]\nlight_green = 17\nlight_red = 27\nbuzzer = 22\ncall_button = 23\n";

#[test]
fn the_example_is_a_valid_configuration_of_a_wired_kiosk() {
    let config = DeviceConfig::parse(DeviceConfig::example()).unwrap();
    assert_eq!(
        config,
        DeviceConfig {
            printer: PrinterSettings {
                connection: PrinterConnection::Usb {
                    device: PathBuf::from("/dev/usb/lp0"),
                },
                paper: Paper::Mm80,
                timeout: Duration::from_secs(5),
            },
            gpio: Some(GpioSettings {
                light_green: 17,
                light_red: 27,
                buzzer: 22,
                call_button: 23,
                button_active_low: true,
                debounce: Duration::from_millis(30),
            }),
            readers: vec![
                ReaderSettings {
                    name: "card".into(),
                    kind: ReaderKind::KeyboardWedge {
                        device: PathBuf::from("/dev/input/by-id/usb-IC_Card_Reader-event-kbd"),
                        key_gap: Duration::from_millis(60),
                    },
                    reads: Reads::Cards,
                },
                ReaderSettings {
                    name: "qr".into(),
                    kind: ReaderKind::KeyboardWedge {
                        device: PathBuf::from("/dev/input/by-id/usb-QR_Scanner-event-kbd"),
                        key_gap: Duration::from_millis(60),
                    },
                    reads: Reads::Codes,
                },
            ],
            screen: ScreenSettings {
                diagonal_tenths: 101,
                width: 1280,
                height: 800,
            },
            role: DeviceRole::Kiosk,
        }
    );
}

#[test]
fn an_empty_file_is_a_simulated_printer_on_80mm_and_nothing_else() {
    let config = DeviceConfig::parse("# nothing yet\n").unwrap();
    assert_eq!(config, DeviceConfig::default());
    assert_eq!(config.printer.connection, PrinterConnection::Simulator);
    assert_eq!(config.printer.paper, Paper::Mm80);
    assert_eq!(config.gpio, None);
    assert!(config.readers.is_empty());
    assert_eq!(config.screen, ScreenSettings::default());
    assert_eq!(
        config.role,
        DeviceRole::Kiosk,
        "a kiosk unless the file says desk"
    );
}

#[test]
fn the_device_is_a_kiosk_or_a_front_desk_terminal() {
    let desk = DeviceConfig::parse("[device]\nrole = \"desk\"\n").unwrap();
    assert_eq!(desk.role, DeviceRole::Desk);
    let kiosk = DeviceConfig::parse("[device]\nrole = \"kiosk\"\n").unwrap();
    assert_eq!(kiosk.role, DeviceRole::Kiosk);
    let error = only_error("[device]\nrole = \"counter\"\n");
    assert_eq!(
        (error.field.as_str(), error.code.as_str()),
        ("device.role", "unknown_value")
    );
    assert_eq!(
        error.message.en,
        "line 2: unknown device role `counter`; expected one of: kiosk, desk"
    );
}

#[test]
fn defaults_fill_what_is_left_out() {
    let tcp = DeviceConfig::parse("[printer]\nkind = \"tcp\"\nhost = \"192.168.1.50\"\n").unwrap();
    assert_eq!(
        tcp.printer.connection,
        PrinterConnection::Tcp {
            host: "192.168.1.50".into(),
            port: 9100,
        }
    );
    let serial = DeviceConfig::parse(
        "[printer]\nkind = \"serial\"\ndevice = \"/dev/ttyUSB0\"\npaper = \"58mm\"\ntimeout_ms = 100\n",
    )
    .unwrap();
    assert_eq!(
        serial.printer,
        PrinterSettings {
            connection: PrinterConnection::Serial {
                device: PathBuf::from("/dev/ttyUSB0"),
                baud: 9600,
            },
            paper: Paper::Mm58,
            timeout: Duration::from_millis(100),
        }
    );
    let gpio = DeviceConfig::parse(GPIO).unwrap().gpio.unwrap();
    assert!(gpio.button_active_low);
    assert_eq!(gpio.debounce, Duration::from_millis(30));
}

#[test]
fn settings_as_written_are_taken() {
    let text = format!(
        "[printer]\nkind = \"tcp\"\nhost = \"printer.local\"\nport = 9101\ntimeout_ms = 60000\n\
         {GPIO}button_active_low = false\ndebounce_ms = 500\n\
         [[reader]]\nname = \"desk\"\nkind = \"simulator\"\n\
         [[reader]]\nname = \"card\"\nkind = \"keyboard_wedge\"\nreads = \"cards\"\ndevice = \"/dev/input/event3\"\nkey_gap_ms = 120\n"
    );
    let config = DeviceConfig::parse(&text).unwrap();
    assert_eq!(
        config.printer.connection,
        PrinterConnection::Tcp {
            host: "printer.local".into(),
            port: 9101,
        }
    );
    assert_eq!(config.printer.timeout, Duration::from_secs(60));
    let gpio = config.gpio.unwrap();
    assert!(!gpio.button_active_low);
    assert_eq!(gpio.debounce, Duration::from_millis(500));
    assert_eq!(
        config.readers,
        vec![
            ReaderSettings {
                name: "desk".into(),
                kind: ReaderKind::Simulator,
                reads: Reads::Codes,
            },
            ReaderSettings {
                name: "card".into(),
                kind: ReaderKind::KeyboardWedge {
                    device: PathBuf::from("/dev/input/event3"),
                    key_gap: Duration::from_millis(120),
                },
                reads: Reads::Cards,
            },
        ]
    );
}

#[test]
fn a_missing_file_is_the_default_and_an_unreadable_one_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("device.toml");
    assert_eq!(DeviceConfig::load(&missing), Ok(DeviceConfig::default()));

    std::fs::write(&missing, USB).unwrap();
    assert!(matches!(
        DeviceConfig::load(&missing).unwrap().printer.connection,
        PrinterConnection::Usb { .. }
    ));

    // A directory where the file should be cannot be read as one.
    let errors = DeviceConfig::load(dir.path()).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].field, "file");
    assert_eq!(errors[0].code, "unreadable");
    assert!(errors[0].message.zh.starts_with("无法读取设备配置文件"));
    assert!(errors[0]
        .message
        .en
        .contains(&dir.path().display().to_string()));
}

#[test]
fn messages_are_bilingual_and_name_the_line() {
    let error = only_error("[printer]\nkind = \"tcp\"\nhost = \"10.0.0.9\"\n\nport = 0\n");
    assert_eq!(error.field, "printer.port");
    assert_eq!(error.code, "out_of_range");
    assert_eq!(
        error.message.zh,
        "第5行：打印机端口须在 1 到 65535 之间，现为 0"
    );
    assert_eq!(
        error.message.en,
        "line 5: the printer port must be between 1 and 65535, not 0"
    );
}

#[test]
fn syntax_errors_name_their_line() {
    let error = only_error("[printer]\nkind = usb\n");
    assert_eq!(
        (error.field.as_str(), error.code.as_str()),
        ("toml", "syntax")
    );
    assert!(
        error.message.zh.starts_with("第2行：TOML 格式错误"),
        "{}",
        error.message.zh
    );
    assert!(
        error.message.en.starts_with("line 2: TOML syntax error"),
        "{}",
        error.message.en
    );
}

#[test]
fn unknown_keys_are_refused_wherever_they_are() {
    assert_eq!(
        problems("[printers]\nkind = \"usb\"\n"),
        problem("printers", "unknown_key")
    );
    assert_eq!(
        problems(&format!("{USB}colour = \"red\"\n")),
        problem("printer.colour", "unknown_key")
    );
    assert_eq!(
        problems(&format!("{GPIO}blink = 2\n")),
        problem("gpio.blink", "unknown_key")
    );
    assert_eq!(
        problems("[[reader]]\nname = \"a\"\nkind = \"simulator\"\nspeed = 1\n"),
        problem("reader[0].speed", "unknown_key")
    );
    let error = only_error(&format!("{USB}colour = \"red\"\n"));
    assert!(
        error
            .message
            .en
            .contains("expected one of: kind, paper, timeout_ms, device"),
        "{}",
        error.message.en
    );
}

#[test]
fn an_unknown_printer_kind_lists_the_valid_ones() {
    let error = only_error("[printer]\nkind = \"bluetooth\"\n");
    assert_eq!(
        (error.field.as_str(), error.code.as_str()),
        ("printer.kind", "unknown_value")
    );
    assert_eq!(
        error.message.en,
        "line 2: unknown printer kind `bluetooth`; expected one of: simulator, usb, tcp, serial"
    );
    assert_eq!(
        error.message.zh,
        "第2行：打印机类型「bluetooth」无效，可选：simulator、usb、tcp、serial"
    );
}

#[test]
fn settings_of_another_printer_kind_are_refused() {
    let error = only_error(&format!("{USB}host = \"10.0.0.9\"\n"));
    assert_eq!(
        (error.field.as_str(), error.code.as_str()),
        ("printer.host", "not_for_kind")
    );
    assert!(error
        .message
        .en
        .contains("does not apply to a usb printer (only to tcp)"));
    assert_eq!(
        problems("[printer]\nkind = \"simulator\"\nbaud = 9600\nport = 9100\n"),
        vec![
            ("printer.baud".to_owned(), "not_for_kind".to_owned()),
            ("printer.port".to_owned(), "not_for_kind".to_owned()),
        ]
    );
}

#[test]
fn each_printer_kind_requires_its_own_settings() {
    assert_eq!(
        problems("[printer]\nkind = \"usb\"\n"),
        problem("printer.device", "required")
    );
    assert_eq!(
        problems("[printer]\nkind = \"serial\"\n"),
        problem("printer.device", "required")
    );
    assert_eq!(
        problems("[printer]\nkind = \"tcp\"\n"),
        problem("printer.host", "required")
    );
    assert_eq!(
        problems("[printer]\npaper = \"58mm\"\n"),
        problem("printer.kind", "required")
    );
    assert_eq!(
        problems("[printer]\nkind = \"usb\"\ndevice = \"lp0\"\n"),
        problem("printer.device", "not_absolute")
    );
    assert_eq!(
        problems("[printer]\nkind = \"tcp\"\nhost = \"\"\n"),
        problem("printer.host", "invalid_host")
    );
}

#[test]
fn ports_must_be_numbers_from_1_to_65535() {
    let tcp = |port: &str| {
        problems(&format!(
            "[printer]\nkind = \"tcp\"\nhost = \"h\"\nport = {port}\n"
        ))
    };
    assert_eq!(tcp("0"), problem("printer.port", "out_of_range"));
    assert_eq!(tcp("65536"), problem("printer.port", "out_of_range"));
    assert_eq!(tcp("-1"), problem("printer.port", "out_of_range"));
    assert_eq!(tcp("\"9100\""), problem("printer.port", "not_a_number"));
    assert_eq!(tcp("91.5"), problem("printer.port", "not_a_number"));
    assert!(DeviceConfig::parse("[printer]\nkind = \"tcp\"\nhost = \"h\"\nport = 65535\n").is_ok());
    let error = only_error("[printer]\nkind = \"tcp\"\nhost = \"h\"\nport = \"abc\"\n");
    assert_eq!(
        error.message.en,
        "line 4: the printer port must be a whole number, not \"abc\""
    );
}

#[test]
fn baud_rates_must_be_standard() {
    let serial = |baud: &str| {
        DeviceConfig::parse(&format!(
            "[printer]\nkind = \"serial\"\ndevice = \"/dev/ttyUSB0\"\nbaud = {baud}\n"
        ))
    };
    for baud in [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200] {
        let config = serial(&baud.to_string()).unwrap();
        assert!(
            matches!(config.printer.connection, PrinterConnection::Serial { baud: b, .. } if b == baud)
        );
    }
    for bad in ["9601", "230400", "0"] {
        let errors = serial(bad).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "printer.baud");
    }
    let error = serial("9601").unwrap_err().remove(0);
    assert_eq!(error.code, "unsupported_baud");
    assert!(error
        .message
        .en
        .contains("1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200"));
}

#[test]
fn paper_is_58mm_or_80mm() {
    let error = only_error(&format!("{USB}paper = \"A4\"\n"));
    assert_eq!(
        (error.field.as_str(), error.code.as_str()),
        ("printer.paper", "unknown_value")
    );
    assert!(error.message.en.contains("expected one of: 58mm, 80mm"));
}

#[test]
fn timeouts_are_between_100_ms_and_a_minute() {
    assert_eq!(
        problems(&format!("{USB}timeout_ms = 99\n")),
        problem("printer.timeout_ms", "out_of_range")
    );
    assert_eq!(
        problems(&format!("{USB}timeout_ms = 60001\n")),
        problem("printer.timeout_ms", "out_of_range")
    );
}

#[test]
fn gpio_pins_are_bcm_0_to_27_and_all_four_are_needed() {
    let text = GPIO.replace("buzzer = 22", "buzzer = 28");
    assert_eq!(problems(&text), problem("gpio.buzzer", "out_of_range"));
    let text = GPIO.replace("call_button = 23\n", "");
    assert_eq!(problems(&text), problem("gpio.call_button", "required"));
    let text = GPIO.replace("light_red = 27", "light_red = \"27\"");
    assert_eq!(problems(&text), problem("gpio.light_red", "not_a_number"));
    let text = format!("{GPIO}button_active_low = \"yes\"\n");
    assert_eq!(
        problems(&text),
        problem("gpio.button_active_low", "wrong_type")
    );
}

#[test]
fn a_pin_used_twice_names_both_uses() {
    let text = GPIO.replace("buzzer = 22", "buzzer = 17");
    let error = only_error(&text);
    assert_eq!(
        (error.field.as_str(), error.code.as_str()),
        ("gpio.buzzer", "pin_in_use")
    );
    assert_eq!(
        error.message.en,
        "line 4: pin 17 is used twice: gpio.light_green and gpio.buzzer"
    );
    assert_eq!(
        error.message.zh,
        "第4行：引脚 17 被用了两次：gpio.light_green 和 gpio.buzzer"
    );
}

#[test]
fn the_header_uart_of_a_serial_printer_is_a_use_of_its_pins() {
    let text = format!(
        "[printer]\nkind = \"serial\"\ndevice = \"/dev/serial0\"\n{}",
        GPIO.replace("call_button = 23", "call_button = 15")
    );
    let error = only_error(&text);
    assert_eq!(
        (error.field.as_str(), error.code.as_str()),
        ("gpio.call_button", "pin_in_use")
    );
    assert!(error
        .message
        .en
        .contains("the serial printer on /dev/serial0"));
    // The same pin with a USB serial adapter is free.
    let usb_serial = text.replace("/dev/serial0", "/dev/ttyUSB0");
    assert!(DeviceConfig::parse(&usb_serial).is_ok());
}

#[test]
fn debounce_is_1_to_500_ms() {
    assert_eq!(
        problems(&format!("{GPIO}debounce_ms = 0\n")),
        problem("gpio.debounce_ms", "out_of_range")
    );
    assert_eq!(
        problems(&format!("{GPIO}debounce_ms = 501\n")),
        problem("gpio.debounce_ms", "out_of_range")
    );
    assert!(DeviceConfig::parse(&format!("{GPIO}debounce_ms = 1\n")).is_ok());
}

/// `a` is `b` to within a hundredth (5.2472 is about 5.24).
fn assert_close(a: f32, b: f32) {
    assert!((a - b).abs() < 0.01, "{a} is not about {b}");
}

#[test]
fn without_a_screen_section_the_screen_is_the_10_inch_1280_by_800_panel() {
    let screen = DeviceConfig::parse(USB).unwrap().screen;
    assert_eq!(
        screen,
        ScreenSettings {
            diagonal_tenths: 101,
            width: 1280,
            height: 800,
        }
    );
    assert_eq!(screen, ScreenSettings::default());
    assert_close(screen.diagonal_inches(), 10.1);
    assert_close(screen.px_per_mm(), 5.88);
    // Each setting left out is its default.
    let screen = DeviceConfig::parse("[screen]\nwidth = 1024\n")
        .unwrap()
        .screen;
    assert_eq!(
        screen,
        ScreenSettings {
            width: 1024,
            ..ScreenSettings::default()
        }
    );
}

#[test]
fn a_7_inch_800_by_480_screen_has_5_24_pixels_a_millimetre() {
    for diagonal in ["7", "7.0", "7.00"] {
        let text = format!("[screen]\ndiagonal_inches = {diagonal}\nwidth = 800\nheight = 480\n");
        let screen = DeviceConfig::parse(&text).unwrap().screen;
        assert_eq!(screen.diagonal_tenths, 70, "{diagonal}");
        assert_close(screen.diagonal_inches(), 7.0);
        assert_close(screen.px_per_mm(), 5.24);
    }
}

#[test]
fn a_portrait_21_5_inch_1080_by_1920_screen_has_4_03_pixels_a_millimetre() {
    let text = "[screen]\ndiagonal_inches = 21.5\nwidth = 1080\nheight = 1920\n";
    let screen = DeviceConfig::parse(text).unwrap().screen;
    assert_eq!(
        (screen.diagonal_tenths, screen.width, screen.height),
        (215, 1080, 1920)
    );
    assert_close(screen.px_per_mm(), 4.03);
}

#[test]
fn screen_sizes_are_3_to_100_inches_and_240_to_8192_pixels() {
    let screen = |settings: &str| problems(&format!("[screen]\n{settings}\n"));
    assert_eq!(
        screen("diagonal_inches = 2.9"),
        problem("screen.diagonal_inches", "out_of_range")
    );
    assert_eq!(
        screen("diagonal_inches = 101"),
        problem("screen.diagonal_inches", "out_of_range")
    );
    assert_eq!(
        screen("diagonal_inches = nan"),
        problem("screen.diagonal_inches", "out_of_range")
    );
    assert_eq!(
        screen("diagonal_inches = \"10.1\""),
        problem("screen.diagonal_inches", "not_a_number")
    );
    assert_eq!(
        screen("width = 239"),
        problem("screen.width", "out_of_range")
    );
    assert_eq!(
        screen("height = 8193"),
        problem("screen.height", "out_of_range")
    );
    assert_eq!(
        screen("height = 800.0"),
        problem("screen.height", "not_a_number")
    );
    assert_eq!(
        problems("screen = 10.1\n"),
        problem("screen", "not_a_table")
    );
    let edges = "[screen]\ndiagonal_inches = 3\nwidth = 240\nheight = 8192\n";
    assert!(DeviceConfig::parse(edges).is_ok());
    let edges = "[screen]\ndiagonal_inches = 100.0\nwidth = 8192\nheight = 240\n";
    assert!(DeviceConfig::parse(edges).is_ok());
}

#[test]
fn every_screen_mistake_is_named_with_its_field_and_line() {
    let text = format!(
        "{USB}\n[screen]\ndiagonal_inches = 0.5\nwidth = \"wide\"\nheight = 800\nresolution = \"hd\"\n"
    );
    let found = errors(&text);
    let summary: Vec<(&str, &str)> = found
        .iter()
        .map(|e| (e.field.as_str(), e.code.as_str()))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("screen.diagonal_inches", "out_of_range"),
            ("screen.width", "not_a_number"),
            ("screen.resolution", "unknown_key"),
        ]
    );
    let messages: Vec<(&str, &str)> = found
        .iter()
        .map(|e| (e.message.zh.as_str(), e.message.en.as_str()))
        .collect();
    assert_eq!(
        messages,
        vec![
            (
                "第6行：屏幕对角线（英寸）须在 3 到 100 之间，现为 0.5",
                "line 6: the screen diagonal (inches) must be between 3 and 100, not 0.5",
            ),
            (
                "第7行：屏幕宽度（像素）须为整数，现为 \"wide\"",
                "line 7: the screen width (pixels) must be a whole number, not \"wide\"",
            ),
            (
                "第9行：[screen] 中没有「resolution」这一项，可用的有：diagonal_inches、width、height",
                "line 9: unknown setting `resolution` in [screen]; expected one of: diagonal_inches, width, height",
            ),
        ]
    );
}

#[test]
fn reader_names_are_unique_and_wedges_need_a_device() {
    let text = "[[reader]]\nname = \"card\"\nkind = \"simulator\"\n\
                [[reader]]\nname = \"card\"\nkind = \"keyboard_wedge\"\n";
    assert_eq!(
        problems(text),
        vec![
            ("reader[1].device".to_owned(), "required".to_owned()),
            ("reader[1].name".to_owned(), "duplicate_name".to_owned()),
        ]
    );
    let duplicate = errors(text).remove(1);
    assert_eq!(
        duplicate.message.en,
        "line 5: reader name `card` is used twice (already on line 2)"
    );
}

#[test]
fn reader_mistakes_are_specific() {
    assert_eq!(
        problems("[reader]\nname = \"card\"\nkind = \"simulator\"\n"),
        problem("reader", "not_an_array")
    );
    assert_eq!(
        problems(
            "[[reader]]\nname = \"a\"\nkind = \"simulator\"\ndevice = \"/dev/input/event0\"\n"
        ),
        problem("reader[0].device", "not_for_kind")
    );
    assert_eq!(
        problems("[[reader]]\nname = \"a\"\nkind = \"serial\"\n"),
        problem("reader[0].kind", "unknown_value")
    );
    assert_eq!(
        problems("[[reader]]\nkind = \"simulator\"\n"),
        problem("reader[0].name", "required")
    );
    assert_eq!(
        problems("[[reader]]\nname = \" \"\nkind = \"simulator\"\n"),
        problem("reader[0].name", "required")
    );
    let wedge = "kind = \"keyboard_wedge\"\ndevice = \"/dev/input/event2\"\n";
    assert_eq!(
        problems(&format!(
            "[[reader]]\nname = \"a\"\n{wedge}[[reader]]\nname = \"b\"\n{wedge}"
        )),
        problem("reader[1].device", "device_in_use")
    );
    assert_eq!(
        problems(&format!(
            "[[reader]]\nname = \"a\"\n{wedge}key_gap_ms = 5\n"
        )),
        problem("reader[0].key_gap_ms", "out_of_range")
    );
}

#[test]
fn every_problem_is_reported_in_file_order_and_nothing_is_applied() {
    let text = "\
[printer]
kind = \"usb\"
host = \"10.0.0.9\"
paper = \"A4\"
timeout_ms = 5

[gpio]
light_green = 17
light_red = 17
buzzer = 40
call_button = 23
debounce_ms = 0

[[reader]]
name = \"card\"
kind = \"keyboard_wedge\"

[[reader]]
name = \"card\"
kind = \"simulator\"
";
    let found = errors(text);
    let summary: Vec<(&str, &str, &str)> = found
        .iter()
        .map(|e| {
            (
                e.field.as_str(),
                e.code.as_str(),
                e.message.en.split(':').next().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("printer.device", "required", "line 1"),
            ("printer.host", "not_for_kind", "line 3"),
            ("printer.paper", "unknown_value", "line 4"),
            ("printer.timeout_ms", "out_of_range", "line 5"),
            ("gpio.light_red", "pin_in_use", "line 9"),
            ("gpio.buzzer", "out_of_range", "line 10"),
            ("gpio.debounce_ms", "out_of_range", "line 12"),
            ("reader[0].device", "required", "line 14"),
            ("reader[1].name", "duplicate_name", "line 19"),
        ]
    );
    for error in &found {
        assert!(error.message.zh.starts_with('第'), "{:?}", error.message);
    }
}

#[test]
fn a_file_saved_in_another_encoding_is_refused_with_its_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("device.toml");
    let (gbk, _, _) =
        encoding_rs::GBK.encode("[printer]\nkind = \"usb\"\n# 打印机\ndevice = \"/dev/usb/lp0\"\n");
    std::fs::write(&path, &gbk).unwrap();
    let errors = DeviceConfig::load(&path).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].code, "not_utf8");
    assert!(
        errors[0].message.en.starts_with("line 3, column 3:"),
        "{:?}",
        errors[0]
    );
    assert!(errors[0].message.zh.contains("第3行"));
}
