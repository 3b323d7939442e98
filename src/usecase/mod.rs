//! Use-cases: each one a single durable transaction through [`crate::store::Store::write`].

pub mod alerts;
pub mod business;
pub mod demo;
pub mod demo_people;
pub mod doctor;
pub mod enrolment;
pub mod export;
pub mod households;
pub mod import_text;
pub mod keypad;
pub mod load;
pub mod printing;
pub mod residents;
pub mod services;
pub mod staff;
pub mod staff_accounts;
