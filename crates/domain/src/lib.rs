//! Pure domain rules and types of sandoq.
//!
//! Nothing here performs I/O or reads the clock: time is always a parameter (see [`clock`]).
//! Most of the project's tests live here.

pub mod access;
pub mod accounts;
pub mod audit_terms;
pub mod ballot;
pub mod boards;
pub mod calendar;
pub mod clock;
pub mod csv_io;
pub mod demo;
pub mod election;
pub mod error;
pub mod geo;
pub mod identity;
pub mod ids;
pub mod incident;
pub mod inquiry;
pub mod json_time;
pub mod kiosk;
pub mod nist;
pub mod participation;
pub mod person;
pub mod readiness;
pub mod registration;
pub mod results;
pub mod roll;
pub mod security;
pub mod staffing;
pub mod station;
pub mod station_day;
pub mod tally;
pub mod test_deck;
pub mod text;
pub mod timeline;
pub mod vetting;

pub use error::{DomainError, DomainResult};
