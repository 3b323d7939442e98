//! Use-cases: each one a single durable transaction through [`crate::store::Store::write`].

pub mod alerts;
pub mod applicant;
pub mod attendance;
pub mod business;
pub mod catalogue;
pub mod demo;
pub mod demo_businesses;
pub mod demo_people;
pub mod doctor;
pub mod enrolment;
pub mod export;
pub mod households;
pub mod import_text;
pub mod keypad;
pub mod load;
pub mod options;
pub mod placement_slips;
pub mod printing;
pub mod ratings;
pub mod residents;
pub mod roster;
pub mod seats;
pub mod staff;
pub mod staff_accounts;
pub mod stored_json;
pub mod volunteers;
