//! The window and its globals, generated from `ui/app.slint` by `build.rs`: the one
//! place the kiosk's Rust meets the Slint types.

slint::include_modules!();
