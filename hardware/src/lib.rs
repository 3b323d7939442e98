//! linli-hardware: everything that touches a device, each with a simulator so
//! desktops and CI run the same code paths as a kiosk.
//!
//! - `receipt`: a core `Receipt` laid out and rendered to ESC/POS bytes.
//! - `printer`: transports (USB, TCP 9100, serial, spool simulator) and status.
//! - `watchdog`: `sd_notify` for systemd: ready, watchdog pings, status, stopping.
//! - `config`: the device configuration file (printer, GPIO pins, readers, screen), all or
//!   nothing.
//! - `gpio`: status light, buzzer, call-staff button (rppal, feature `rpi`), simulators.
//! - `reader`: card readers and QR scanners (keyboard-wedge devices via evdev), simulator.

pub mod config;
pub mod gpio;
pub mod printer;
pub mod reader;
pub mod receipt;
pub mod watchdog;
