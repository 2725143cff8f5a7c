//! Equipment tests (issue 16 §6, logic and accuracy): a station's test runs, their test
//! ballots kept in tables of their own — never the ballots, check-ins, receipts or turnout —
//! and the county's overrides. The rules are the domain's (`domain::test_deck`); what both
//! backends decide alike on the facts they read is here, written once.

use crate::audit_log::AuditEntry;
use crate::{Actor, StoreError, StoreResult};
use async_trait::async_trait;
use domain::audit_terms::AuditAction;
use domain::station_day::DayState;
use domain::test_deck::{
    check_start, deck_with_room, judge_tallies, standing, tally, EquipmentRefusal,
    EquipmentStanding, RunOutcome, TestDeck, TestOverride, TestRun, TestTally,
};
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;

/// A station's equipment tests: every run, newest first, the county's override if any, and
/// where the station stands for opening.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StationEquipment {
    pub station: String,
    pub standing: EquipmentStanding,
    pub runs: Vec<TestRun>,
    #[serde(rename = "override")]
    pub overridden: Option<TestOverride>,
}

impl StationEquipment {
    /// The run going on, if any.
    pub fn running(&self) -> Option<&TestRun> {
        self.runs.iter().find(|r| r.outcome == RunOutcome::Running)
    }
}

/// A test ballot cast on a kiosk: sealed under the test key by the use case (from the deck's
/// style), on the kiosk's test activation `activation_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedTestBallot {
    pub election_code: String,
    pub station: String,
    pub kiosk_id: String,
    pub activation_id: String,
    pub council: String,
    /// `ballot_crypto::EncryptedBallot` as JSON.
    pub sealed: String,
}

/// What the use case counted of a run's sealed test ballots, decrypting their tallies with the
/// test key: how many ballots it read, and each council's count.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SealedCount {
    pub run: i64,
    pub ballots: u64,
    pub tallies: BTreeMap<String, TestTally>,
}

#[async_trait]
pub trait EquipmentStore: Send + Sync + 'static {
    /// Starts a test run of a station with `decks` (one per council it serves, built by the
    /// use case from the approved candidates), once [`check_start`] approves it on the
    /// station's day and its running run read in the writing transaction. Audited
    /// (`equipment_test.start`). `NotFound { Station }` for a station not in the election.
    async fn start_equipment_test(
        &self,
        election_code: &str,
        station: &str,
        decks: &[TestDeck],
        by: &Actor,
    ) -> StoreResult<TestRun>;
    /// Casts a sealed test ballot into the station's running run from the kiosk whose test
    /// activation it is (refused `Kiosk(NoBallot)` unless the kiosk, in service at the station,
    /// holds `activation_id` for this run), checked by `domain::test_deck::deck_with_room` and
    /// refused once the station has opened. The kiosk's activation is spent. Audited
    /// (`equipment_test.ballot`, counts only). The run after it.
    async fn cast_sealed_test_ballot(
        &self,
        ballot: &SealedTestBallot,
        by: &Actor,
    ) -> StoreResult<TestRun>;
    /// A run's sealed test ballots: council and sealed ballot, in the order cast.
    async fn sealed_test_ballots(&self, run: i64) -> StoreResult<Vec<(String, String)>>;
    /// Finishes the station's running run: its test ballots — those entered as choices, and
    /// the sealed ones as `sealed` counted them — judged against its decks
    /// (`domain::test_deck::judge_tallies`), passed or failed with every difference. Refused
    /// `CastMeanwhile` when `sealed` is not of this run's sealed ballots, all of them. Audited
    /// (`equipment_test.finish`).
    async fn finish_equipment_test(
        &self,
        election_code: &str,
        station: &str,
        sealed: &SealedCount,
        by: &Actor,
    ) -> StoreResult<TestRun>;
    /// The county lets a station that has not passed open, with a reason
    /// (`domain::test_deck::check_override`); refused for a station that passed or has
    /// opened. Audited (`equipment_test.override`).
    async fn override_equipment_test(
        &self,
        election_code: &str,
        station: &str,
        reason: &str,
        by: &Actor,
    ) -> StoreResult<TestOverride>;
    /// A station's runs, override and standing. `NotFound { Station }` for a station not in
    /// the election.
    async fn station_equipment(
        &self,
        election_code: &str,
        station: &str,
    ) -> StoreResult<StationEquipment>;
    /// Every open station's standing (of `county`, or all), by code.
    async fn equipment_standings(
        &self,
        election_code: &str,
        county: Option<&str>,
    ) -> StoreResult<BTreeMap<String, EquipmentStanding>>;
}

/// A run as its row and its test ballots' counts read it.
#[derive(Debug, Clone)]
pub struct RunRow {
    pub id: i64,
    pub station: String,
    pub decks: String,
    pub started_at_us: i64,
    pub started_by: String,
    pub outcome: String,
    pub finished_at_us: Option<i64>,
    pub finished_by: Option<String>,
    pub differences: Option<String>,
}

impl RunRow {
    /// The run, with `cast` (test ballots per council); a row that does not parse is
    /// `Corrupt`.
    pub fn read(self, cast: BTreeMap<String, u64>) -> StoreResult<TestRun> {
        let corrupt = |what: &str, e: &dyn std::fmt::Display| {
            StoreError::Corrupt(format!("equipment test {}: {what}: {e}", self.id))
        };
        let decks: Vec<TestDeck> =
            serde_json::from_str(&self.decks).map_err(|e| corrupt("decks", &e))?;
        let outcome =
            RunOutcome::parse(&self.outcome).ok_or_else(|| corrupt("outcome", &self.outcome))?;
        let differences = match &self.differences {
            Some(text) => serde_json::from_str(text).map_err(|e| corrupt("differences", &e))?,
            None => Vec::new(),
        };
        Ok(TestRun {
            id: self.id,
            station: self.station,
            decks,
            started_at: domain::clock::from_micros(self.started_at_us),
            started_by: self.started_by,
            cast,
            outcome,
            finished_at: self.finished_at_us.map(domain::clock::from_micros),
            finished_by: self.finished_by,
            differences,
        })
    }
}

/// A run about to start: the decks as stored, once [`check_start`] approves it.
pub fn starting(
    state: DayState,
    running: Option<&TestRun>,
    decks: &[TestDeck],
) -> StoreResult<String> {
    check_start(state, running.is_some())?;
    serde_json::to_string(decks).map_err(|e| StoreError::database(e.to_string()))
}

/// A sealed test ballot about to be cast: the run going on (refused when none, or when the
/// station has opened), with room for one more of `council`, and the kiosk's activation
/// (`kiosk_holds`: its id and test run as read in the writing transaction, `None` for a kiosk
/// not in service at the station) the ballot's own.
pub fn casting_sealed<'r>(
    state: DayState,
    running: Option<&'r TestRun>,
    ballot: &SealedTestBallot,
    kiosk_holds: Option<(Option<String>, Option<i64>)>,
) -> StoreResult<&'r TestRun> {
    if state != DayState::NotOpened {
        return Err(EquipmentRefusal::StationOpen.into());
    }
    let run = running.ok_or(EquipmentRefusal::NoRunInProgress)?;
    let own = kiosk_holds.is_some_and(|(activation, test_run)| {
        activation.as_deref() == Some(ballot.activation_id.as_str()) && test_run == Some(run.id)
    });
    if !own {
        return Err(crate::Refusal::Kiosk(domain::kiosk::KioskRefusal::NoBallot).into());
    }
    deck_with_room(run, &ballot.council)?;
    Ok(run)
}

/// A run about to finish: judged on its test ballots entered as choices (council, choices as
/// stored) and on its sealed ones as counted (`sealed`, checked against `sealed_rows`, how
/// many the run holds), the outcome and the differences as stored.
pub fn finishing(
    running: Option<&TestRun>,
    ballots: &[(String, String)],
    sealed_rows: u64,
    sealed: &SealedCount,
) -> StoreResult<(i64, RunOutcome, Vec<domain::test_deck::Difference>)> {
    let run = running.ok_or(EquipmentRefusal::NoRunInProgress)?;
    if sealed.ballots != sealed_rows || (sealed_rows > 0 && sealed.run != run.id) {
        return Err(EquipmentRefusal::CastMeanwhile.into());
    }
    let mut by_council: BTreeMap<String, Vec<Vec<String>>> = BTreeMap::new();
    for (council, text) in ballots {
        let choices: Vec<String> = serde_json::from_str(text)
            .map_err(|e| StoreError::Corrupt(format!("test ballot: {e}")))?;
        by_council.entry(council.clone()).or_default().push(choices);
    }
    let mut counted: BTreeMap<String, TestTally> = by_council
        .iter()
        .map(|(council, ballots)| (council.clone(), tally(ballots)))
        .collect();
    for (council, count) in &sealed.tallies {
        counted.entry(council.clone()).or_default().merge(count);
    }
    let (outcome, differences) = judge_tallies(&run.decks, &counted);
    Ok((run.id, outcome, differences))
}

/// An override about to be recorded: refused once the station has opened or when it
/// passed; the reason normalised.
pub fn overriding(
    state: DayState,
    current: EquipmentStanding,
    reason: &str,
) -> StoreResult<String> {
    use domain::test_deck::EquipmentRefusal;
    if state != DayState::NotOpened {
        return Err(EquipmentRefusal::StationOpen.into());
    }
    if current == EquipmentStanding::Passed {
        return Err(EquipmentRefusal::AlreadyPassed.into());
    }
    Ok(domain::test_deck::check_override(reason)?)
}

/// A station's standing from its latest run's outcome and finish (as stored) and its
/// override's time.
pub fn standing_of(
    latest: Option<(&str, Option<i64>)>,
    overridden_at_us: Option<i64>,
) -> StoreResult<EquipmentStanding> {
    let latest = latest
        .map(|(outcome, finished)| {
            RunOutcome::parse(outcome)
                .map(|o| (o, finished.map(domain::clock::from_micros)))
                .ok_or_else(|| StoreError::Corrupt(format!("equipment test outcome {outcome:?}")))
        })
        .transpose()?;
    Ok(standing(
        latest,
        overridden_at_us.map(domain::clock::from_micros),
    ))
}

/// The audit record of a run started: its decks' councils and sizes.
pub fn test_started(run: &TestRun) -> AuditEntry {
    let decks: BTreeMap<&str, usize> = run
        .decks
        .iter()
        .map(|d| (d.council.as_str(), d.ballots.len()))
        .collect();
    AuditEntry::new(
        AuditAction::EquipmentTestStart,
        format!("station/{}", run.station),
        json!({ "run": run.id, "decks": decks }),
    )
}

/// The audit record of a test ballot: the run, the council, and how many it holds now. A
/// test ballot's choices are no secret, but the record keeps to counts as a real one does.
pub fn test_ballot_cast(run: &TestRun, council: &str, kiosk: Option<&str>) -> AuditEntry {
    AuditEntry::new(
        AuditAction::EquipmentTestBallot,
        format!("station/{}", run.station),
        json!({
            "run": run.id,
            "council": council,
            "cast": run.cast.get(council).copied().unwrap_or(0),
            "kiosk": kiosk,
        }),
    )
}

/// The audit record of a run finished: its outcome and every difference.
pub fn test_finished(run: &TestRun) -> AuditEntry {
    AuditEntry::new(
        AuditAction::EquipmentTestFinish,
        format!("station/{}", run.station),
        json!({
            "run": run.id,
            "outcome": run.outcome.as_str(),
            "differences": run.differences,
        }),
    )
}

/// The audit record of the county's override.
pub fn test_overridden(station: &str, reason: &str) -> AuditEntry {
    AuditEntry::new(
        AuditAction::EquipmentTestOverride,
        format!("station/{station}"),
        json!({ "station": station, "reason": reason }),
    )
}

/// A demo run as its rows store it.
pub struct StoredDemoRun {
    pub decks: String,
    pub differences: String,
    /// Council, choices (JSON), in the order entered.
    pub ballots: Vec<(String, String)>,
}

/// A demo run's stored text.
pub fn demo_stored(run: &domain::test_deck::DemoRun) -> StoreResult<StoredDemoRun> {
    let text = |r: serde_json::Result<String>| r.map_err(|e| StoreError::database(e.to_string()));
    Ok(StoredDemoRun {
        decks: text(serde_json::to_string(&run.decks))?,
        differences: text(serde_json::to_string(&run.differences))?,
        ballots: run
            .ballots
            .iter()
            .map(|(council, choices)| Ok((council.clone(), text(serde_json::to_string(choices))?)))
            .collect::<StoreResult<_>>()?,
    })
}

/// A station's row of the standings' query: its code, its latest run's outcome and finish,
/// its override's time.
pub type StandingRow = (String, Option<String>, Option<i64>, Option<i64>);

/// The standings from their rows ([`standing_of`] each).
pub fn standings_from(rows: Vec<StandingRow>) -> StoreResult<BTreeMap<String, EquipmentStanding>> {
    rows.into_iter()
        .map(|(code, outcome, finished, overridden)| {
            let standing = standing_of(outcome.as_deref().map(|o| (o, finished)), overridden)?;
            Ok((code, standing))
        })
        .collect()
}
