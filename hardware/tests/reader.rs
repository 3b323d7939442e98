//! Readers: what counts as a card or a code, telling a scanner's typing from a
//! person's, raw evdev bytes to tokens (Shift, a QR URL), and the simulator.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use linli_hardware::config::{ReaderKind, ReaderSettings, Reads};
use linli_hardware::reader::{
    open_readers, Key, ReaderEvent, SimulatedReader, Token, WedgeDecoder, MAX_TOKEN_CHARS,
};

fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

#[test]
fn six_to_twenty_digits_are_a_card_anything_else_a_code() {
    let card = |text: &str| matches!(Token::classify(text.to_owned()), Token::Card(_));
    assert!(card("123456"));
    assert!(card("12345678901234567890"));
    assert!(!card("12345"));
    assert!(!card("123456789012345678901"));
    assert!(!card("12345A"));
    assert!(!card("１２３４５６")); // full-width digits are not what a reader types
    assert_eq!(
        Token::classify("https://linli.example/v/1".into()),
        Token::Code("https://linli.example/v/1".into())
    );
    assert_eq!(Token::Card("0012345678".into()).as_str(), "0012345678");
}

/// Types `text` then Enter, `gap` apart, starting at `start`; returns what the
/// decoder emitted.
fn type_keys(decoder: &mut WedgeDecoder, start: Instant, text: &str, gap: Duration) -> Vec<Token> {
    let keys = text.chars().map(Key::Char).chain([Key::Enter]);
    let mut at = start;
    let mut tokens = Vec::new();
    for key in keys {
        tokens.extend(decoder.key(key, at));
        at += gap;
    }
    tokens
}

#[test]
fn a_fast_burst_ending_with_enter_is_a_token() {
    let mut decoder = WedgeDecoder::default();
    assert_eq!(
        type_keys(&mut decoder, Instant::now(), "0012345678", ms(4)),
        vec![Token::Card("0012345678".into())]
    );
    // The decoder is ready for the next card at once.
    assert_eq!(
        type_keys(&mut decoder, Instant::now() + ms(100), "A1B2", ms(4)),
        vec![Token::Code("A1B2".into())]
    );
}

#[test]
fn slow_typing_by_a_person_is_discarded() {
    let mut decoder = WedgeDecoder::default();
    assert!(type_keys(&mut decoder, Instant::now(), "0012345678", ms(180)).is_empty());
}

#[test]
fn the_gap_limit_is_inclusive_and_configurable() {
    let mut decoder = WedgeDecoder::new(ms(60));
    assert_eq!(
        type_keys(&mut decoder, Instant::now(), "123456", ms(60)).len(),
        1
    );
    assert!(type_keys(&mut decoder, Instant::now(), "123456", ms(61)).is_empty());
    let mut slow_scanner = WedgeDecoder::new(ms(150));
    assert_eq!(
        type_keys(&mut slow_scanner, Instant::now(), "123456", ms(120)).len(),
        1
    );
}

#[test]
fn a_pause_restarts_the_burst() {
    let mut decoder = WedgeDecoder::default();
    let start = Instant::now();
    // Two stray keys, a pause, then a real scan: only the scan counts.
    assert_eq!(decoder.key(Key::Char('9'), start), None);
    assert_eq!(decoder.key(Key::Char('9'), start + ms(5)), None);
    let tokens = type_keys(&mut decoder, start + ms(500), "123456", ms(5));
    assert_eq!(tokens, vec![Token::Card("123456".into())]);
    // An Enter long after the last key ends nothing.
    for (index, c) in "123456".chars().enumerate() {
        decoder.key(Key::Char(c), start + ms(1000 + index as u64));
    }
    assert_eq!(decoder.key(Key::Enter, start + ms(1200)), None);
}

#[test]
fn short_bursts_resets_and_overlong_bursts_are_discarded() {
    let mut decoder = WedgeDecoder::default();
    let start = Instant::now();
    assert!(type_keys(&mut decoder, start, "123", ms(2)).is_empty());
    assert_eq!(
        type_keys(&mut decoder, start, "1234", ms(0)),
        vec![Token::Code("1234".into())]
    );

    for c in "12345678".chars() {
        decoder.key(Key::Char(c), start);
    }
    decoder.reset();
    assert_eq!(decoder.key(Key::Enter, start), None);

    let long = "x".repeat(MAX_TOKEN_CHARS + 1);
    assert!(type_keys(&mut decoder, start, &long, ms(0)).is_empty());
    let longest = "x".repeat(MAX_TOKEN_CHARS);
    assert_eq!(
        type_keys(&mut decoder, start, &longest, ms(0)),
        vec![Token::Code(longest)]
    );
}

#[test]
fn the_simulator_delivers_on_the_readers_channel() {
    let (sender, events) = mpsc::channel();
    let reader = SimulatedReader::new("desk", Reads::Cards, sender);
    reader.present(Token::Card("440306000001".into()));
    assert_eq!(
        events.try_recv(),
        Ok(ReaderEvent {
            reader: "desk".into(),
            token: Token::Card("440306000001".into()),
        })
    );
}

#[test]
fn a_code_scanner_never_yields_a_card_even_for_digits() {
    let (sender, events) = mpsc::channel();
    // A QR code holding a card number, as anyone could print one.
    SimulatedReader::new("qr", Reads::Codes, sender)
        .present(Token::classify("440306000001".into()));
    assert_eq!(
        events.try_recv().unwrap().token,
        Token::Code("440306000001".into())
    );
}

#[test]
fn configured_simulators_are_reachable_by_name() {
    let readers = open_readers(&[ReaderSettings {
        name: "desk".into(),
        kind: ReaderKind::Simulator,
        reads: Reads::Codes,
    }]);
    assert!(readers.simulated("card").is_none());
    readers
        .simulated("desk")
        .unwrap()
        .present(Token::Code("hello".into()));
    assert_eq!(readers.events().try_recv().unwrap().reader, "desk");
    assert!(readers.disconnected().is_empty());
}

#[cfg(target_os = "linux")]
mod evdev {
    use super::*;
    use linli_hardware::reader::evdev::{
        key_for, parse_events, EventDecoder, EventLayout, InputEvent, KeyboardState, Translation,
        EV_KEY, KEY_ENTER, KEY_LEFTSHIFT,
    };

    const EV_SYN: u16 = 0;
    const EV_MSC: u16 = 4;

    /// One record in the 64-bit layout: timeval (two 8-byte words), type, code, value.
    fn record64(micros: u64, kind: u16, code: u16, value: i32) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(24);
        bytes.extend_from_slice(&(micros / 1_000_000).to_ne_bytes());
        bytes.extend_from_slice(&(micros % 1_000_000).to_ne_bytes());
        bytes.extend_from_slice(&kind.to_ne_bytes());
        bytes.extend_from_slice(&code.to_ne_bytes());
        bytes.extend_from_slice(&value.to_ne_bytes());
        bytes
    }

    /// Where each character is on a US keyboard: the rows as printed on the keys.
    fn key_of(c: char) -> (u16, bool) {
        let rows: [(u16, &str, &str); 4] = [
            (2, "1234567890-=", "!@#$%^&*()_+"),
            (16, "qwertyuiop[]", "QWERTYUIOP{}"),
            (30, "asdfghjkl;'`", "ASDFGHJKL:\"~"),
            (44, "zxcvbnm,./", "ZXCVBNM<>?"),
        ];
        for (first, plain, shifted) in rows {
            if let Some(index) = plain.find(c) {
                return (first + index as u16, false);
            }
            if let Some(index) = shifted.find(c) {
                return (first + index as u16, true);
            }
        }
        panic!("no key for {c:?}");
    }

    /// What a scanner sends for `text` + Enter: for each character a press and a
    /// release (Shift around shifted ones), each followed by a SYN, 2 ms apart;
    /// with a MSC scan code before each press as real USB keyboards send.
    fn scan(text: &str, start_micros: u64) -> Vec<u8> {
        let mut bytes = Vec::new();
        let mut t = start_micros;
        let mut key = |code: u16, value: i32, bytes: &mut Vec<u8>| {
            if value == 1 {
                bytes.extend(record64(t, EV_MSC, 4, 0x70000 + i32::from(code)));
            }
            bytes.extend(record64(t, EV_KEY, code, value));
            bytes.extend(record64(t, EV_SYN, 0, 0));
            t += 2_000;
        };
        for c in text.chars() {
            let (code, shift) = key_of(c);
            if shift {
                key(KEY_LEFTSHIFT, 1, &mut bytes);
            }
            key(code, 1, &mut bytes);
            key(code, 0, &mut bytes);
            if shift {
                key(KEY_LEFTSHIFT, 0, &mut bytes);
            }
        }
        key(KEY_ENTER, 1, &mut bytes);
        key(KEY_ENTER, 0, &mut bytes);
        bytes
    }

    #[test]
    fn records_decode_in_the_64_bit_layout() {
        let mut bytes = record64(1_700_000_000_250_000, EV_KEY, 30, 1);
        bytes.extend(record64(1_700_000_000_260_000, EV_KEY, 30, 0));
        bytes.extend([0u8; 10]); // a partial record is not decoded
        let events: Vec<InputEvent> = parse_events(&bytes, EventLayout::Word64).collect();
        assert_eq!(
            events,
            vec![
                InputEvent {
                    time: Duration::from_secs(1_700_000_000) + ms(250),
                    kind: EV_KEY,
                    code: 30,
                    value: 1,
                },
                InputEvent {
                    time: Duration::from_secs(1_700_000_000) + ms(260),
                    kind: EV_KEY,
                    code: 30,
                    value: 0,
                },
            ]
        );
        assert_eq!(EventLayout::Word64.record_len(), 24);
        #[cfg(target_pointer_width = "64")]
        assert_eq!(EventLayout::NATIVE, EventLayout::Word64);
    }

    #[test]
    fn records_decode_in_the_32_bit_layout() {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&7u32.to_ne_bytes());
        bytes.extend_from_slice(&500_000u32.to_ne_bytes());
        bytes.extend_from_slice(&EV_KEY.to_ne_bytes());
        bytes.extend_from_slice(&KEY_ENTER.to_ne_bytes());
        bytes.extend_from_slice(&1i32.to_ne_bytes());
        let events: Vec<InputEvent> = parse_events(&bytes, EventLayout::Word32).collect();
        assert_eq!(
            events,
            vec![InputEvent {
                time: ms(7_500),
                kind: EV_KEY,
                code: KEY_ENTER,
                value: 1,
            }]
        );
    }

    #[test]
    fn the_keymap_covers_url_punctuation_with_and_without_shift() {
        for c in "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_./:?=&%+#".chars()
        {
            let (code, shift) = key_of(c);
            assert_eq!(key_for(code, shift), Some(Key::Char(c)), "{c}");
        }
        assert_eq!(key_for(KEY_ENTER, false), Some(Key::Enter));
        assert_eq!(key_for(96, false), Some(Key::Enter)); // keypad Enter
        assert_eq!(key_for(79, false), Some(Key::Char('1'))); // keypad 1
        assert_eq!(key_for(59, false), None); // F1
    }

    #[test]
    fn shift_applies_while_held_and_releases_and_repeats_type_nothing() {
        let event = |code: u16, value: i32| InputEvent {
            time: Duration::ZERO,
            kind: EV_KEY,
            code,
            value,
        };
        let mut keyboard = KeyboardState::default();
        let typed: Vec<Translation> = [
            event(30, 1),
            event(30, 0),
            event(KEY_LEFTSHIFT, 1),
            event(30, 1),
            event(30, 2),
            event(2, 1),
            event(KEY_LEFTSHIFT, 0),
            event(2, 1),
            event(29, 1), // left Ctrl
            event(59, 1), // F1
        ]
        .iter()
        .map(|e| keyboard.translate(e))
        .collect();
        assert_eq!(
            typed,
            vec![
                Translation::Key(Key::Char('a')),
                Translation::Nothing,
                Translation::Nothing,
                Translation::Key(Key::Char('A')),
                Translation::Nothing,
                Translation::Key(Key::Char('!')),
                Translation::Nothing,
                Translation::Key(Key::Char('1')),
                Translation::Nothing,
                Translation::Unmapped(59),
            ]
        );
        let sync = InputEvent {
            kind: EV_SYN,
            ..event(30, 1)
        };
        assert_eq!(keyboard.translate(&sync), Translation::Nothing);
    }

    #[test]
    fn a_scanned_qr_url_comes_out_whole() {
        let url = "https://linli.example/v/XFL-20260302-0042?c=7KQ2M9&t=a_b%2F#x+y";
        let mut decoder = EventDecoder::new(ms(60), EventLayout::Word64);
        let tokens = decoder.feed(&scan(url, 5_000_000), Instant::now());
        assert_eq!(tokens, vec![Token::Code(url.into())]);
    }

    #[test]
    fn a_card_read_in_pieces_and_late_is_timed_by_the_kernel() {
        let bytes = scan("0012345678", 9_000_000);
        let mut decoder = EventDecoder::new(ms(60), EventLayout::Word64);
        let read = Instant::now();
        let mut tokens = Vec::new();
        // Odd-sized reads split records; each read comes a second after the last.
        for (index, piece) in bytes.chunks(37).enumerate() {
            tokens.extend(decoder.feed(piece, read + Duration::from_secs(index as u64)));
        }
        assert_eq!(tokens, vec![Token::Card("0012345678".into())]);
    }

    #[test]
    fn typing_by_a_person_on_the_same_device_gives_nothing() {
        let mut decoder = EventDecoder::new(ms(60), EventLayout::Word64);
        let mut tokens = Vec::new();
        for (index, c) in "123456\n".chars().enumerate() {
            let code = if c == '\n' { KEY_ENTER } else { key_of(c).0 };
            let at = index as u64 * 250_000;
            let mut bytes = record64(at, EV_KEY, code, 1);
            bytes.extend(record64(at + 80_000, EV_KEY, code, 0));
            tokens.extend(decoder.feed(&bytes, Instant::now()));
        }
        assert!(tokens.is_empty());
    }

    #[test]
    fn a_key_outside_the_keymap_spoils_the_scan_instead_of_vanishing() {
        let mut bytes = scan("123", 0);
        // Drop the Enter (its press, SYN, release, SYN and MSC) from the first part.
        bytes.truncate(bytes.len() - 5 * 24);
        bytes.extend(record64(6_000, EV_KEY, 59, 1)); // F1
        bytes.extend(scan("456", 7_000));
        let mut decoder = EventDecoder::new(ms(60), EventLayout::Word64);
        // Only "456" after the unknown key is left, which is too short to count.
        assert!(decoder.feed(&bytes, Instant::now()).is_empty());
    }

    #[test]
    fn a_missing_device_is_reported_as_disconnected_and_stops_promptly() {
        let readers = open_readers(&[ReaderSettings {
            name: "card".into(),
            kind: ReaderKind::KeyboardWedge {
                device: "/nonexistent/linli-test-event-kbd".into(),
                key_gap: ms(60),
            },
            reads: Reads::Cards,
        }]);
        assert_eq!(readers.disconnected(), vec!["card"]);
        assert!(readers.simulated("card").is_none());
        let dropped = Instant::now();
        drop(readers);
        assert!(dropped.elapsed() < Duration::from_secs(1));
    }
}
