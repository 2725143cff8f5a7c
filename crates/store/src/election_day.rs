//! What both backends decide the same way on election day, so that the batching writers differ
//! only in how they read and write.

use crate::{Actor, CheckIn, CheckInOutcome};
use domain::election::Election;
use domain::roll::{check_eligibility, Voter};
use domain::station_day::StationDay;
use serde_json::json;
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// The audit actor of a check-in batch, which holds many stations' requests.
pub const BATCH_ACTOR: &str = "election-day-writer";

/// The polls' official hours: the election's `election_day` milestone.
pub fn polls(election: &Election) -> Option<(OffsetDateTime, OffsetDateTime)> {
    election
        .milestones
        .iter()
        .find(|m| m.key == "election_day")
        .map(|m| (m.starts_at, m.ends_at))
}

/// What the writer knows of a station when its check-ins arrive.
#[derive(Debug, Clone)]
pub struct StationFacts {
    /// The councils it serves (its own, then its route's).
    pub councils: Vec<String>,
    pub day: StationDay,
}

/// Decides a check-in on the facts read in the writing transaction, before the insert:
/// `Ok(council)` to insert it for the voter's council, or the refusal to answer. Whether the
/// person already checked in is the insert's to find out (the store's unique key).
pub fn decide_checkin(
    checkin: &CheckIn,
    station: &StationFacts,
    voter: Option<&Voter>,
    election_day: time::Date,
) -> Result<String, CheckInOutcome> {
    if !station.day.accepts_voters(checkin.by.at) {
        return Err(CheckInOutcome::StationNotOpen(station.day.state));
    }
    let councils: Vec<&str> = station.councils.iter().map(String::as_str).collect();
    check_eligibility(
        voter,
        election_day,
        &councils,
        checkin.own_constituency_only,
    )
    .map_err(CheckInOutcome::NotEligible)?;
    Ok(voter.map(|v| v.council.clone()).unwrap_or_default())
}

/// The one audit record of a batch: the accepted check-ins' digest and count, and the ballots
/// cast per station (counts only: a ballot is never named). `None` when the batch changed
/// nothing, so that refusals write nothing.
pub fn batch_record(
    election_code: &str,
    accepted: &[(String, String, i64)],
    ballots: &BTreeMap<String, i64>,
    latest: OffsetDateTime,
) -> Option<(Actor, serde_json::Value)> {
    if accepted.is_empty() && ballots.is_empty() {
        return None;
    }
    let digest = crate::checkin_batch_digest(
        accepted
            .iter()
            .map(|(id, station, at)| (id.as_str(), station.as_str(), *at)),
    );
    Some((
        Actor::new(BATCH_ACTOR, latest),
        json!({
            "election": election_code,
            "checkins": accepted.len(),
            "digest": digest,
            "ballots": ballots,
        }),
    ))
}
