//! linli-district's integration tests, in one binary (ripgrep's `tests/tests.rs`
//! layout): bad input at every endpoint, the OpenAPI document against the running
//! server, reports and exports, TLS on both sides, and the crate's architecture
//! rules. Each module keeps the file name it had as a binary of its own, so
//! `bad_input::malformed_json_is_400_and_changes_nothing` still names a test.

mod common;

mod architecture;
mod bad_input;
mod openapi;
mod reports;
mod tls;
