//! The kiosk's devices, started once: the print thread, the status light and buzzer,
//! the call-staff button and the card/code readers, all from the device configuration.
//!
//! Each runs on its own thread and reports through the store worker or a channel, so
//! nothing here can make the UI wait (invariant 8).

use std::path::Path;
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};
use std::thread;

use linli_core::Text;
use linli_hardware::config::{DeviceRole, ScreenSettings};
use linli_hardware::gpio::{self, Beep, LightState, Signals};
use linli_hardware::reader::{self, ReaderEvent, Readers};

use crate::print::device;
use crate::print::thread::{PrintThread, PrinterHealth};
use crate::store::worker::StoreWorker;
use crate::sync::thread::{SyncState, SyncThread};
use crate::{clock, usecase};

pub type SharedSignals = Arc<Mutex<Box<dyn Signals>>>;

pub struct Devices {
    pub print: Option<PrintThread>,
    /// Sync with the district, in the background (idle until the device is enrolled).
    pub sync: SyncThread,
    pub signals: SharedSignals,
    readers: Readers,
    /// The call-staff button when it is simulated (no `[gpio]`, or not a Pi build): the
    /// kiosk's on-screen button and tests press it, and it goes the same way as a real one.
    pub call_button: Option<gpio::SimulatedButton>,
    /// What stops printing or the devices from working, for the staff to read.
    pub problem: Option<Text>,
    /// The panel the screens are sized for (text in millimetres, `[screen]`).
    pub screen: ScreenSettings,
    /// A resident kiosk or a front-desk terminal (`[device] role`).
    pub role: DeviceRole,
}

impl Devices {
    pub fn start(data_dir: &Path, worker: &StoreWorker) -> Devices {
        let config = match device::load(data_dir) {
            Ok(config) => config,
            Err(error) => {
                // Nothing of a half-understood file drives hardware: slips stay queued
                // (they are durable) until the file is fixed, and the light says so.
                let mut signals = gpio::open_signals(None);
                signals.set_light(LightState::PrinterFault);
                let signals: SharedSignals = Arc::new(Mutex::new(signals));
                // The light keeps showing the fault; sync still runs.
                let sync = SyncThread::spawn(data_dir, |_| {});
                // A resident can still call for help.
                let (button, simulated) = gpio::open_call_button(None);
                watch_call_button(button, worker, &signals);
                return Devices {
                    print: None,
                    sync,
                    signals,
                    readers: reader::open_readers(&[]),
                    call_button: simulated,
                    screen: ScreenSettings::default(),
                    // A kiosk: a file that cannot be read never opens desk screens.
                    role: DeviceRole::Kiosk,
                    problem: Some(Text::new(
                        format!("设备配置有误，凭条暂不打印：{error}"),
                        format!(
                            "The device configuration is wrong; slips wait in the queue: {error}"
                        ),
                    )),
                };
            }
        };
        let signals: SharedSignals = Arc::new(Mutex::new(gpio::open_signals(config.gpio.as_ref())));
        let inputs = Arc::new(Mutex::new(LightInputs {
            printer_ok: true,
            online: true,
        }));
        let (light, light_inputs) = (signals.clone(), inputs.clone());
        let print = PrintThread::spawn(data_dir, &config.printer, move |health| {
            light_inputs.lock().expect("light lock").printer_ok = health.can_print();
            light_for(&light, &light_inputs);
            report_printer(health);
        });
        let (light, light_inputs) = (signals.clone(), inputs);
        let sync = SyncThread::spawn(data_dir, move |state: &SyncState| {
            // A device never enrolled is not offline: it has no district to reach.
            light_inputs.lock().expect("light lock").online = !state.enrolled || state.online;
            light_for(&light, &light_inputs);
        });
        let (print, problem) = match print {
            Ok(print) => (Some(print), None),
            Err(error) => (
                None,
                Some(Text::new(
                    format!("打印队列无法启动：{error}"),
                    format!("The print queue cannot start: {error}"),
                )),
            ),
        };
        let (button, simulated) = gpio::open_call_button(config.gpio.as_ref());
        watch_call_button(button, worker, &signals);
        Devices {
            print,
            sync,
            signals,
            readers: reader::open_readers(&config.readers),
            call_button: simulated,
            problem,
            screen: config.screen,
            role: config.role,
        }
    }

    /// Cards and codes read, for the identify screen's thread (taken once).
    pub fn take_reader_events(&mut self) -> Receiver<ReaderEvent> {
        self.readers.take_events()
    }

    pub fn beep(&self, beep: Beep) {
        self.signals.lock().expect("signals lock").beep(beep);
    }
}

/// Each press of the call-staff button becomes an alert for the staff (stored, so a
/// call made while the desk is busy is still there), with a beep that says it went.
fn watch_call_button(button: gpio::CallButton, worker: &StoreWorker, signals: &SharedSignals) {
    let beeper = signals.clone();
    let calls = worker.clone();
    thread::Builder::new()
        .name("linli-call-button".into())
        .spawn(move || {
            for _press in button.presses().iter() {
                call_staff(&calls, &beeper, "button", |_| {});
            }
        })
        .expect("the call-button thread starts");
}

/// Records a call for staff from `source` ("button", "screen"), beeps to say whether
/// it went through, then tells `answered`.
pub fn call_staff(
    worker: &StoreWorker,
    signals: &SharedSignals,
    source: &'static str,
    answered: impl FnOnce(bool) + Send + 'static,
) {
    let signals = signals.clone();
    worker.run(
        move |store| usecase::alerts::raise(store, clock::now(), source),
        move |result| {
            let beep = if result.is_ok() {
                Beep::Success
            } else {
                Beep::Error
            };
            if let Err(e) = &result {
                eprintln!("linli: the call for staff was not recorded: {e}");
            }
            signals.lock().expect("signals lock").beep(beep);
            answered(result.is_ok());
        },
    );
}

/// What the status light shows depends on.
struct LightInputs {
    printer_ok: bool,
    online: bool,
}

/// The fault pattern while a slip waits for paper or the printer (a resident needs
/// staff now); else offline while the district cannot be reached (nothing is lost,
/// but staff should know); else ready.
fn light_for(signals: &SharedSignals, inputs: &Mutex<LightInputs>) {
    let state = {
        let inputs = inputs.lock().expect("light lock");
        if !inputs.printer_ok {
            LightState::PrinterFault
        } else if !inputs.online {
            LightState::Offline
        } else {
            LightState::Ready
        }
    };
    signals.lock().expect("signals lock").set_light(state);
}

fn report_printer(health: &PrinterHealth) {
    let status = match &health.status {
        Some(Ok(status)) => status.describe().to_string(),
        Some(Err(error)) => error.clone(),
        None => String::new(),
    };
    let _ = linli_hardware::watchdog::notify_status(&status);
}
