//! Keyboard-wedge readers through Linux's event devices (`/dev/input/event*`).
//!
//! The device is grabbed (EVIOCGRAB) so what the reader types reaches only the
//! kiosk, never a focused text field. Its raw `struct input_event` records are
//! decoded here by pure functions (`parse_events`, `KeyboardState`, `EventDecoder`),
//! which is what the tests exercise; `EvdevReader` adds only the device I/O.

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::token::{ReaderEvent, Token};
use super::wedge::{Key, WedgeDecoder};
use crate::config::Reads;
use crate::gpio::Worker;

pub const EV_KEY: u16 = 0x01;
pub const KEY_ENTER: u16 = 28;
pub const KEY_LEFTSHIFT: u16 = 42;
pub const KEY_RIGHTSHIFT: u16 = 54;
pub const KEY_KPENTER: u16 = 96;

/// Keys that change other keys or lights but type nothing themselves.
const MODIFIERS: [u16; 8] = [
    29,  // KEY_LEFTCTRL
    56,  // KEY_LEFTALT
    58,  // KEY_CAPSLOCK
    69,  // KEY_NUMLOCK
    97,  // KEY_RIGHTCTRL
    100, // KEY_RIGHTALT
    125, // KEY_LEFTMETA
    126, // KEY_RIGHTMETA
];

/// (key code, character, character with Shift) on the US layout that wedge readers
/// assume: digits, letters, the punctuation of URLs and QR payloads, the keypad.
const KEYMAP: &[(u16, char, char)] = &[
    (2, '1', '!'),
    (3, '2', '@'),
    (4, '3', '#'),
    (5, '4', '$'),
    (6, '5', '%'),
    (7, '6', '^'),
    (8, '7', '&'),
    (9, '8', '*'),
    (10, '9', '('),
    (11, '0', ')'),
    (12, '-', '_'),
    (13, '=', '+'),
    (16, 'q', 'Q'),
    (17, 'w', 'W'),
    (18, 'e', 'E'),
    (19, 'r', 'R'),
    (20, 't', 'T'),
    (21, 'y', 'Y'),
    (22, 'u', 'U'),
    (23, 'i', 'I'),
    (24, 'o', 'O'),
    (25, 'p', 'P'),
    (26, '[', '{'),
    (27, ']', '}'),
    (30, 'a', 'A'),
    (31, 's', 'S'),
    (32, 'd', 'D'),
    (33, 'f', 'F'),
    (34, 'g', 'G'),
    (35, 'h', 'H'),
    (36, 'j', 'J'),
    (37, 'k', 'K'),
    (38, 'l', 'L'),
    (39, ';', ':'),
    (40, '\'', '"'),
    (41, '`', '~'),
    (43, '\\', '|'),
    (44, 'z', 'Z'),
    (45, 'x', 'X'),
    (46, 'c', 'C'),
    (47, 'v', 'V'),
    (48, 'b', 'B'),
    (49, 'n', 'N'),
    (50, 'm', 'M'),
    (51, ',', '<'),
    (52, '.', '>'),
    (53, '/', '?'),
    (55, '*', '*'), // KEY_KPASTERISK
    (57, ' ', ' '),
    (71, '7', '7'), // keypad
    (72, '8', '8'),
    (73, '9', '9'),
    (74, '-', '-'),
    (75, '4', '4'),
    (76, '5', '5'),
    (77, '6', '6'),
    (78, '+', '+'),
    (79, '1', '1'),
    (80, '2', '2'),
    (81, '3', '3'),
    (82, '0', '0'),
    (83, '.', '.'),
    (98, '/', '/'), // KEY_KPSLASH
];

/// The key a code types; `None` for keys a reader is not expected to send.
pub fn key_for(code: u16, shift: bool) -> Option<Key> {
    if code == KEY_ENTER || code == KEY_KPENTER {
        return Some(Key::Enter);
    }
    KEYMAP
        .iter()
        .find(|(key, _, _)| *key == code)
        .map(|&(_, plain, shifted)| Key::Char(if shift { shifted } else { plain }))
}

/// One `struct input_event`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InputEvent {
    /// The kernel's timestamp.
    pub time: Duration,
    pub kind: u16,
    pub code: u16,
    pub value: i32,
}

/// The size of the timestamp's two fields (`unsigned long` in the kernel's layout):
/// 8 bytes on 64-bit systems (a 24-byte record), 4 on 32-bit ones (16 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventLayout {
    Word64,
    Word32,
}

impl EventLayout {
    pub const NATIVE: EventLayout = if std::mem::size_of::<libc::input_event>() == 24 {
        EventLayout::Word64
    } else {
        EventLayout::Word32
    };

    pub fn record_len(self) -> usize {
        self.word() * 2 + 8
    }

    fn word(self) -> usize {
        match self {
            EventLayout::Word64 => 8,
            EventLayout::Word32 => 4,
        }
    }
}

/// Decodes whole records in native byte order; a trailing partial record is left
/// for the caller to complete with the next read.
pub fn parse_events(bytes: &[u8], layout: EventLayout) -> impl Iterator<Item = InputEvent> + '_ {
    bytes
        .chunks_exact(layout.record_len())
        .map(move |record| parse_record(record, layout))
}

fn parse_record(record: &[u8], layout: EventLayout) -> InputEvent {
    let word = layout.word();
    let read_word = |at: usize| -> u64 {
        let field = &record[at..at + word];
        match layout {
            EventLayout::Word64 => u64::from_ne_bytes(field.try_into().unwrap_or([0; 8])),
            EventLayout::Word32 => {
                u64::from(u32::from_ne_bytes(field.try_into().unwrap_or([0; 4])))
            }
        }
    };
    let rest = &record[2 * word..];
    InputEvent {
        time: Duration::from_secs(read_word(0))
            .saturating_add(Duration::from_micros(read_word(word))),
        kind: u16::from_ne_bytes([rest[0], rest[1]]),
        code: u16::from_ne_bytes([rest[2], rest[3]]),
        value: i32::from_ne_bytes([rest[4], rest[5], rest[6], rest[7]]),
    }
}

/// What one event means for the text being typed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Translation {
    /// Not a key press that types (a release, a modifier, a sync event).
    Nothing,
    Key(Key),
    /// A key press with no place in the keymap.
    Unmapped(u16),
}

/// The Shift keys' state, which decides what the next key types.
#[derive(Clone, Debug, Default)]
pub struct KeyboardState {
    left_shift: bool,
    right_shift: bool,
}

impl KeyboardState {
    pub fn translate(&mut self, event: &InputEvent) -> Translation {
        if event.kind != EV_KEY {
            return Translation::Nothing;
        }
        // value: 1 press, 0 release, 2 auto-repeat (ignored: a reader never holds a key).
        let pressed = event.value != 0;
        match event.code {
            KEY_LEFTSHIFT => self.left_shift = pressed,
            KEY_RIGHTSHIFT => self.right_shift = pressed,
            code if event.value != 1 || MODIFIERS.contains(&code) => {}
            code => {
                return key_for(code, self.left_shift || self.right_shift)
                    .map_or(Translation::Unmapped(code), Translation::Key)
            }
        }
        Translation::Nothing
    }
}

/// The bytes read from an event device, turned into tokens: parsing, Shift, timing.
#[derive(Clone, Debug)]
pub struct EventDecoder {
    layout: EventLayout,
    pending: Vec<u8>,
    keyboard: KeyboardState,
    clock: EventClock,
    wedge: WedgeDecoder,
}

impl EventDecoder {
    pub fn new(key_gap: Duration, layout: EventLayout) -> Self {
        EventDecoder {
            layout,
            pending: Vec::new(),
            keyboard: KeyboardState::default(),
            clock: EventClock::default(),
            wedge: WedgeDecoder::new(key_gap),
        }
    }

    /// Feeds bytes as read, at `now`; the kernel's timestamps time the keys, so a
    /// burst read late or in pieces is judged by when it was typed.
    pub fn feed(&mut self, bytes: &[u8], now: Instant) -> Vec<Token> {
        self.pending.extend_from_slice(bytes);
        let whole = self.pending.len() - self.pending.len() % self.layout.record_len();
        let events: Vec<InputEvent> = parse_events(&self.pending[..whole], self.layout).collect();
        self.pending.drain(..whole);
        events
            .iter()
            .filter_map(|event| match self.keyboard.translate(event) {
                Translation::Nothing => None,
                Translation::Key(key) => {
                    let at = self.clock.instant(event.time, now);
                    self.wedge.key(key, at)
                }
                Translation::Unmapped(_) => {
                    self.wedge.reset();
                    None
                }
            })
            .collect()
    }
}

/// Maps kernel timestamps onto `Instant`s, anchored at the first event seen; only
/// differences between keys matter, so the anchor's own delay does not. A timestamp
/// earlier than the anchor (a clock set back) re-anchors.
#[derive(Clone, Debug, Default)]
struct EventClock {
    anchor: Option<(Duration, Instant)>,
}

impl EventClock {
    fn instant(&mut self, time: Duration, now: Instant) -> Instant {
        match self.anchor {
            Some((anchor_time, anchor)) if time >= anchor_time => anchor + (time - anchor_time),
            _ => {
                self.anchor = Some((time, now));
                now
            }
        }
    }
}

/// How often the reader thread looks up from a quiet device to see whether it should stop.
const POLL_INTERVAL: Duration = Duration::from_millis(250);
/// How often an absent or unplugged device is tried again.
const RETRY_INTERVAL: Duration = Duration::from_secs(2);

/// A keyboard-wedge reader on its own thread: opens and grabs the device, sends a
/// `ReaderEvent` per token, and when the device is missing or unplugged says so once
/// on stderr and keeps trying, so a reader plugged back in works again by itself.
pub struct EvdevReader {
    _worker: Worker<()>,
    connected: Arc<AtomicBool>,
}

impl EvdevReader {
    /// Fails only if the thread cannot be started; a missing device is retried.
    pub fn open(
        name: &str,
        device: &Path,
        key_gap: Duration,
        reads: Reads,
        events: Sender<ReaderEvent>,
    ) -> io::Result<EvdevReader> {
        let connected = Arc::new(AtomicBool::new(false));
        let session = Session {
            name: name.to_owned(),
            device: device.to_path_buf(),
            key_gap,
            reads,
            events,
            connected: Arc::clone(&connected),
        };
        let worker = Worker::spawn(&format!("linli-reader-{name}"), move |stop| {
            session.run(&stop)
        })?;
        Ok(EvdevReader {
            _worker: worker,
            connected,
        })
    }

    /// Whether the device is open and grabbed right now.
    pub fn is_connected(&self) -> bool {
        self.connected.load(Ordering::Relaxed)
    }
}

/// Why reading a device ended.
#[derive(Debug)]
enum Ended {
    /// The owner dropped the reader, or nobody listens for events any more.
    Stopped,
    /// The device went away or failed.
    Lost(io::Error),
}

struct Session {
    name: String,
    device: PathBuf,
    key_gap: Duration,
    reads: Reads,
    events: Sender<ReaderEvent>,
    connected: Arc<AtomicBool>,
}

impl Session {
    fn run(&self, stop: &Receiver<()>) {
        let mut reported = false;
        loop {
            match open_and_grab(&self.device) {
                Ok(file) => {
                    self.note_connected();
                    self.connected.store(true, Ordering::Relaxed);
                    let ended = self.read(&file, stop);
                    self.connected.store(false, Ordering::Relaxed);
                    match ended {
                        Ended::Stopped => return,
                        Ended::Lost(e) => self.note_lost(&e),
                    }
                    reported = true;
                }
                Err(e) if !reported => {
                    self.note_unavailable(&e);
                    reported = true;
                }
                Err(_) => {}
            }
            if !matches!(
                stop.recv_timeout(RETRY_INTERVAL),
                Err(RecvTimeoutError::Timeout)
            ) {
                return;
            }
        }
    }

    fn read(&self, file: &File, stop: &Receiver<()>) -> Ended {
        let mut decoder = EventDecoder::new(self.key_gap, EventLayout::NATIVE);
        let mut buffer = vec![0u8; EventLayout::NATIVE.record_len() * 64];
        let mut file = file;
        loop {
            if !matches!(stop.try_recv(), Err(TryRecvError::Empty)) {
                return Ended::Stopped;
            }
            match wait_readable(file, POLL_INTERVAL) {
                Ok(false) => continue,
                Ok(true) => {}
                Err(e) => return Ended::Lost(e),
            }
            let count = match file.read(&mut buffer) {
                Ok(0) => return Ended::Lost(io::ErrorKind::UnexpectedEof.into()),
                Ok(count) => count,
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
                    ) =>
                {
                    continue
                }
                Err(e) => return Ended::Lost(e),
            };
            for token in decoder.feed(&buffer[..count], Instant::now()) {
                let event = ReaderEvent {
                    reader: self.name.clone(),
                    token: token.from_reader(self.reads),
                };
                if self.events.send(event).is_err() {
                    return Ended::Stopped;
                }
            }
        }
    }

    fn note_connected(&self) {
        eprintln!(
            "linli: 读卡器 {name} 已连接 {device} / reader {name} connected on {device}",
            name = self.name,
            device = self.device.display(),
        );
    }

    fn note_unavailable(&self, error: &io::Error) {
        let (hint_zh, hint_en) = if error.kind() == io::ErrorKind::PermissionDenied {
            (
                "（运行终端的用户须在 input 组中）",
                " (the kiosk's user must be in the input group)",
            )
        } else {
            ("", "")
        };
        eprintln!(
            "linli: 读卡器 {name} 无法打开 {device}：{error}{hint_zh}，稍后重试 / \
             reader {name} cannot open {device}: {error}{hint_en}; retrying",
            name = self.name,
            device = self.device.display(),
        );
    }

    fn note_lost(&self, error: &io::Error) {
        eprintln!(
            "linli: 读卡器 {name}（{device}）已断开：{error}，稍后重试 / \
             reader {name} ({device}) was disconnected: {error}; retrying",
            name = self.name,
            device = self.device.display(),
        );
    }
}

// The evdev ioctls (linux/input.h), both `_IOW('E', nr, int)`.
const EVIOCGRAB: libc::Ioctl = libc::_IOW::<libc::c_int>(b'E' as u32, 0x90);
const EVIOCSCLOCKID: libc::Ioctl = libc::_IOW::<libc::c_int>(b'E' as u32, 0xa0);

fn open_and_grab(device: &Path) -> io::Result<File> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(device)?;
    let fd = file.as_raw_fd();
    let grab: libc::c_int = 1;
    // SAFETY: `fd` stays open for the life of `file`; EVIOCGRAB takes its flag by value.
    if unsafe { libc::ioctl(fd, EVIOCGRAB, grab) } < 0 {
        return Err(io::Error::last_os_error());
    }
    // Monotonic timestamps keep a clock change in the middle of a scan from looking
    // like a long pause. Old kernels lack this; their wall-clock stamps still work.
    let clock: libc::c_int = libc::CLOCK_MONOTONIC;
    // SAFETY: as above; EVIOCSCLOCKID reads an int through the pointer, which
    // outlives the call.
    unsafe { libc::ioctl(fd, EVIOCSCLOCKID, &clock) };
    Ok(file)
}

/// Waits up to `timeout` for something to read. A hang-up or error on the device
/// counts as readable, so the read that follows reports it.
fn wait_readable(file: &File, timeout: Duration) -> io::Result<bool> {
    let mut poll = libc::pollfd {
        fd: file.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    let millis = libc::c_int::try_from(timeout.as_millis()).unwrap_or(libc::c_int::MAX);
    // SAFETY: one valid pollfd, borrowed for the duration of the call.
    match unsafe { libc::poll(&mut poll, 1, millis) } {
        0 => Ok(false),
        n if n > 0 => Ok(true),
        _ => {
            let error = io::Error::last_os_error();
            if error.kind() == io::ErrorKind::Interrupted {
                Ok(false)
            } else {
                Err(error)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::sync::mpsc;

    fn record(seconds: u64, micros: u64, kind: u16, code: u16, value: i32) -> Vec<u8> {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&seconds.to_ne_bytes());
        bytes.extend_from_slice(&micros.to_ne_bytes());
        bytes.extend_from_slice(&kind.to_ne_bytes());
        bytes.extend_from_slice(&code.to_ne_bytes());
        bytes.extend_from_slice(&value.to_ne_bytes());
        bytes
    }

    fn typed(codes: &[u16]) -> Vec<u8> {
        codes
            .iter()
            .enumerate()
            .flat_map(|(index, &code)| {
                let micros = index as u64 * 5_000;
                [
                    record(100, micros, EV_KEY, code, 1),
                    record(100, micros + 1_000, EV_KEY, code, 0),
                ]
            })
            .flatten()
            .collect()
    }

    #[test]
    fn the_clock_measures_gaps_by_kernel_time_not_read_time() {
        let mut clock = EventClock::default();
        let read = Instant::now();
        let first = clock.instant(Duration::from_millis(1_000), read);
        // Read a whole second later, but typed 20 ms after the first key.
        let second = clock.instant(Duration::from_millis(1_020), read + Duration::from_secs(1));
        assert_eq!(second - first, Duration::from_millis(20));
        // A clock set back re-anchors instead of going backwards.
        let later = read + Duration::from_secs(5);
        assert_eq!(clock.instant(Duration::from_millis(10), later), later);
    }

    #[test]
    fn a_file_that_is_not_an_input_device_cannot_be_grabbed() {
        // Otherwise a wrong path in the configuration would pass for a reader whose
        // keystrokes still reach the screen.
        let error = open_and_grab(Path::new("/dev/null")).unwrap_err();
        assert_eq!(error.raw_os_error(), Some(libc::ENOTTY));
    }

    // The records below are written in the 64-bit layout.
    #[cfg(target_pointer_width = "64")]
    #[test]
    fn a_reading_session_delivers_tokens_and_ends_without_panic_when_the_device_goes() {
        let (reader, mut writer) = std::io::pipe().unwrap();
        let (events, received) = mpsc::channel();
        let session = Session {
            name: "card".into(),
            device: PathBuf::from("/dev/null"),
            key_gap: Duration::from_millis(60),
            reads: Reads::Cards,
            events,
            connected: Arc::new(AtomicBool::new(true)),
        };
        let (_stop, stop) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            let file = File::from(std::os::fd::OwnedFd::from(reader));
            session.read(&file, &stop)
        });
        // 1 2 3 4 5 6 7 8 Enter
        writer
            .write_all(&typed(&[2, 3, 4, 5, 6, 7, 8, 9, KEY_ENTER]))
            .unwrap();
        let event = received.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(event.reader, "card");
        assert_eq!(event.token, Token::Card("12345678".into()));
        drop(writer);
        let ended = thread.join().unwrap();
        assert!(matches!(ended, Ended::Lost(e) if e.kind() == io::ErrorKind::UnexpectedEof));
    }
}
