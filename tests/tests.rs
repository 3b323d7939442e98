//! The kiosk package's integration tests, in one binary (ripgrep's `tests/tests.rs`
//! layout): the binary as a user runs it, the store's guarantees, the services, faults
//! injected (power cuts, printers, networks, full disks), the screens headless, and the
//! kiosk with a real district end to end. Each module keeps the file name it had as a
//! binary of its own, so `tests/cli.rs::some_test` still names a test.

mod common;

mod architecture;
mod cli;
mod core_is_pure;
mod desk;
mod desk_lists;
mod desk_registry;
mod desk_resident;
mod devices;
mod durability;
mod kiosk_flows;
mod kiosk_for_elders;
mod kiosk_ui;
mod print_queue;
mod printing;
mod rosters;
mod screenshots;
mod search;
mod services;
mod store;
mod sync;
mod sync_seats;
