//! Results (issue 18): the rules that take a council from its stations' counts to its members
//! and alternates, each in its own small file — a station's count checked ([`count_checks`]),
//! seats allocated with ties broken in the law's order ([`seats`]), the public lottery that
//! decides what the law leaves tied ([`lottery`]), and a result's status ([`status`]).

pub mod annulment;
pub mod certification;
pub mod complaints;
pub mod council;
pub mod count_checks;
pub mod lottery;
pub mod minutes;
pub mod paper;
pub mod published;
pub mod published_minutes;
pub mod seats;
pub mod status;
