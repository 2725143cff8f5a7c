//! HTTP tests through the router (and one real browser), on a fresh SQLite store with the
//! Kerman demo loaded.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod accessibility;
mod accounts;
mod api;
mod audit_page;
mod boards;
mod browser;
mod candidates;
mod certification;
mod election_day;
mod encrypted_ballots;
mod equipment;
mod exports;
mod governor_day;
mod hand_counts;
mod incidents;
mod incidents_browser;
mod kiosks;
mod minutes;
mod minutes_browser;
mod openapi;
mod pages;
mod persian_text;
mod readiness;
mod registration_pages;
mod registrations;
mod results;
mod security;
mod sms;
mod staffing;
mod support;
mod tables;
mod vetting_inquiries;
mod vetting_pages;
mod walk;
