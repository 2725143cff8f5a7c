//! Logic and accuracy testing of a station's devices before election day (issue 16, part 6):
//! a known deck of test ballots per council, its expected tally, and the comparison of what a
//! device counted against it. Test ballots are not votes: the store keeps them apart from the
//! roll, turnout, receipts and results.
//!
//! The deck follows the "ladder" practice of logic and accuracy tests: the candidates' expected
//! counts all differ (the k-th candidate on the ballot gets k + 1 marks), so a device that swaps
//! two candidates, drops one, or counts one twice shows a difference; a blank ballot checks
//! that an empty ballot is counted as a ballot and as nobody's vote.

use crate::station_day::DayState;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// A council's test deck: its ballots, each at most `seats` candidate codes, in the order a
/// tester enters them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TestDeck {
    pub council: String,
    pub seats: u32,
    pub ballots: Vec<Vec<String>>,
}

/// What a count holds: marks per candidate, ballots, blank ballots.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TestTally {
    pub candidates: BTreeMap<String, u64>,
    pub ballots: u64,
    pub blank: u64,
}

/// Builds the deck of a council whose ballot lists `candidates` (their codes, in ballot order)
/// for `seats` choices. Candidate k (from 0) is marked on k + 1 ballots, no ballot holds more
/// than `seats` choices or a candidate twice, and one ballot is blank.
pub fn deck(council: &str, candidates: &[String], seats: u32) -> TestDeck {
    let per_ballot = usize::try_from(seats.max(1)).unwrap_or(1);
    let mut ballots = vec![Vec::new()];
    // Round r marks every candidate from r on: candidate k is in rounds 0..=k.
    for round in 0..candidates.len() {
        for chunk in candidates[round..].chunks(per_ballot) {
            ballots.push(chunk.to_vec());
        }
    }
    TestDeck {
        council: council.to_owned(),
        seats,
        ballots,
    }
}

/// Counts ballots as a device should.
pub fn tally<'a>(ballots: impl IntoIterator<Item = &'a Vec<String>>) -> TestTally {
    let mut out = TestTally::default();
    for ballot in ballots {
        out.ballots += 1;
        if ballot.is_empty() {
            out.blank += 1;
        }
        for code in ballot {
            *out.candidates.entry(code.clone()).or_default() += 1;
        }
    }
    out
}

impl TestDeck {
    /// The tally a device that counts right reports for this deck.
    pub fn expected(&self) -> TestTally {
        tally(&self.ballots)
    }

    /// The deck's candidates, by code (every candidate is marked on one ballot at least).
    pub fn candidates(&self) -> Vec<&str> {
        let mut codes: Vec<&str> = self.ballots.iter().flatten().map(String::as_str).collect();
        codes.sort_unstable();
        codes.dedup();
        codes
    }
}

impl TestTally {
    /// Adds another count of the same council's ballots.
    pub fn merge(&mut self, other: &Self) {
        for (code, marks) in &other.candidates {
            *self.candidates.entry(code.clone()).or_default() += marks;
        }
        self.ballots += other.ballots;
        self.blank += other.blank;
    }
}

/// One figure that differs between the expected tally and a device's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Difference {
    /// The council whose deck it is.
    pub council: String,
    /// A candidate's code, or `ballots`, or `blank`.
    pub figure: String,
    pub expected: u64,
    pub counted: u64,
}

/// Every figure of `council`'s deck where `counted` differs from `expected`, candidates in
/// code order, then the ballots and the blank ballots. Empty: the test passed.
pub fn differences(council: &str, expected: &TestTally, counted: &TestTally) -> Vec<Difference> {
    let mut codes: Vec<&String> = expected
        .candidates
        .keys()
        .chain(counted.candidates.keys())
        .collect();
    codes.sort();
    codes.dedup();
    let mut out: Vec<Difference> = codes
        .into_iter()
        .filter_map(|code| {
            let e = expected.candidates.get(code).copied().unwrap_or(0);
            let c = counted.candidates.get(code).copied().unwrap_or(0);
            (e != c).then(|| Difference {
                council: council.to_owned(),
                figure: code.clone(),
                expected: e,
                counted: c,
            })
        })
        .collect();
    for (figure, e, c) in [
        ("ballots", expected.ballots, counted.ballots),
        ("blank", expected.blank, counted.blank),
    ] {
        if e != c {
            out.push(Difference {
                council: council.to_owned(),
                figure: figure.to_owned(),
                expected: e,
                counted: c,
            });
        }
    }
    out
}

/// How a station's test run ended, or that it is still going.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RunOutcome {
    Running,
    Passed,
    Failed,
}

impl RunOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Passed => "passed",
            Self::Failed => "failed",
        }
    }
    pub fn persian(self) -> &'static str {
        match self {
            Self::Running => "در جریان",
            Self::Passed => "قبول",
            Self::Failed => "مردود",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Running, Self::Passed, Self::Failed]
            .into_iter()
            .find(|o| o.as_str() == s)
    }
}

/// A station's test run: the decks of the councils it serves, who started it and when, the
/// test ballots cast so far, and, once finished, the outcome and every difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TestRun {
    pub id: i64,
    pub station: String,
    pub decks: Vec<TestDeck>,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub started_at: OffsetDateTime,
    pub started_by: String,
    /// Test ballots cast per council so far.
    pub cast: BTreeMap<String, u64>,
    pub outcome: RunOutcome,
    #[serde(with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub finished_at: Option<OffsetDateTime>,
    pub finished_by: Option<String>,
    pub differences: Vec<Difference>,
}

impl TestRun {
    /// The next deck ballot to enter: its council, its number in that deck (from 0), and
    /// the choices to mark. `None` once every deck's ballots are cast.
    pub fn next_ballot(&self) -> Option<(&TestDeck, usize)> {
        self.decks.iter().find_map(|d| {
            let cast = usize::try_from(self.cast.get(&d.council).copied().unwrap_or(0))
                .unwrap_or(usize::MAX);
            (cast < d.ballots.len()).then_some((d, cast))
        })
    }
    /// Deck ballots in all, and cast so far.
    pub fn progress(&self) -> (u64, u64) {
        let total = self.decks.iter().map(|d| d.ballots.len() as u64).sum();
        (total, self.cast.values().sum())
    }
}

/// A county's decision that a station may open though it has not passed its test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TestOverride {
    pub reason: String,
    pub by: String,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: OffsetDateTime,
}

/// Where a station stands on its equipment test, for opening on election day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum EquipmentStanding {
    #[default]
    NotTested,
    Running,
    Passed,
    Failed,
    /// Not passed, and the county let it open anyway, with a reason.
    Overridden,
}

impl EquipmentStanding {
    pub const ALL: [Self; 5] = [
        Self::NotTested,
        Self::Running,
        Self::Passed,
        Self::Failed,
        Self::Overridden,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotTested => "not_tested",
            Self::Running => "running",
            Self::Passed => "passed",
            Self::Failed => "failed",
            Self::Overridden => "overridden",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == s)
    }
    pub fn persian(self) -> &'static str {
        match self {
            Self::NotTested => "آزمون نشده",
            Self::Running => "در حال آزمون",
            Self::Passed => "قبول",
            Self::Failed => "مردود",
            Self::Overridden => "مجوز شهرستان",
        }
    }
    /// Whether the station may open on election day: it passed, or the county let it.
    pub fn allows_opening(self) -> bool {
        matches!(self, Self::Passed | Self::Overridden)
    }
}

/// Stations counted by their standing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EquipmentTally {
    pub not_tested: u64,
    pub running: u64,
    pub passed: u64,
    pub failed: u64,
    pub overridden: u64,
}

impl EquipmentTally {
    pub fn add(&mut self, standing: EquipmentStanding) {
        *match standing {
            EquipmentStanding::NotTested => &mut self.not_tested,
            EquipmentStanding::Running => &mut self.running,
            EquipmentStanding::Passed => &mut self.passed,
            EquipmentStanding::Failed => &mut self.failed,
            EquipmentStanding::Overridden => &mut self.overridden,
        } += 1;
    }
    /// Stations that would not open today: neither passed nor overridden.
    pub fn blocked(&self) -> u64 {
        self.not_tested + self.running + self.failed
    }
}

/// A station's standing from its latest run (its outcome and, once finished, when) and the
/// county's latest override: a pass stands; otherwise an override stands unless a run
/// finished after it (a failure after the county's word is a new failure).
pub fn standing(
    latest: Option<(RunOutcome, Option<OffsetDateTime>)>,
    overridden_at: Option<OffsetDateTime>,
) -> EquipmentStanding {
    let from_run = match latest {
        None => EquipmentStanding::NotTested,
        Some((RunOutcome::Running, _)) => EquipmentStanding::Running,
        Some((RunOutcome::Passed, _)) => return EquipmentStanding::Passed,
        Some((RunOutcome::Failed, _)) => EquipmentStanding::Failed,
    };
    match (overridden_at, latest) {
        (Some(at), Some((RunOutcome::Failed, Some(finished)))) if finished > at => from_run,
        (Some(_), _) => EquipmentStanding::Overridden,
        (None, _) => from_run,
    }
}

/// Why a test-mode act is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EquipmentRefusal {
    /// The station's day has begun: test mode is for before the opening only.
    StationOpen,
    /// A run is going on: finish it before starting another.
    RunInProgress,
    /// No run is going on.
    NoRunInProgress,
    /// The council is not one of the run's decks.
    NotInDeck {
        council: String,
    },
    /// More test ballots than twice the deck holds: a tester's loop, not a test.
    TooManyBallots,
    Ballot(crate::ballot::BallotRefusal),
    /// An override needs its reason.
    NoReason,
    /// The station already passed: there is nothing to override.
    AlreadyPassed,
    /// Every deck's ballots are cast: a kiosk is activated for another only for a council
    /// named.
    DeckDone,
    /// A test ballot was cast while the run was being counted: count again.
    CastMeanwhile,
    /// A test ballot is cast, never challenged.
    NotChallenged,
}

impl EquipmentRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            Self::StationOpen => "station_open_for_test",
            Self::RunInProgress => "test_run_in_progress",
            Self::NoRunInProgress => "no_test_run",
            Self::NotInDeck { .. } => "council_not_in_test_deck",
            Self::TooManyBallots => "too_many_test_ballots",
            Self::Ballot(b) => b.code(),
            Self::NoReason => "reason_required",
            Self::AlreadyPassed => "equipment_test_passed",
            Self::DeckDone => "test_deck_complete",
            Self::CastMeanwhile => "test_ballot_cast_meanwhile",
            Self::NotChallenged => "test_ballot_not_challenged",
        }
    }
    /// Whether the request itself is wrong (else it conflicts with the station's state).
    pub fn is_invalid_input(&self) -> bool {
        matches!(
            self,
            Self::NotInDeck { .. }
                | Self::TooManyBallots
                | Self::Ballot(_)
                | Self::NoReason
                | Self::NotChallenged
        )
    }
    pub fn persian(&self) -> String {
        match self {
            Self::StationOpen => {
                "رأی‌گیری در این شعبه آغاز شده است؛ آزمون تجهیزات تنها پیش از گشایش شعبه ممکن است."
                    .to_owned()
            }
            Self::RunInProgress => "آزمونی در جریان است؛ نخست آن را به پایان برسانید.".to_owned(),
            Self::NoRunInProgress => "آزمونی در جریان نیست.".to_owned(),
            Self::NotInDeck { council } => format!(
                "حوزه «{}» در برگه‌های آزمون این شعبه نیست.",
                crate::text::persian_digits(council)
            ),
            Self::TooManyBallots => {
                "برگه‌های آزمایشی این حوزه از دو برابر دسته آزمون گذشته است.".to_owned()
            }
            Self::Ballot(b) => b.persian(),
            Self::NoReason => "دلیل مجوز گشایش را بنویسید.".to_owned(),
            Self::AlreadyPassed => {
                "این شعبه آزمون تجهیزات را گذرانده است؛ مجوزی لازم نیست.".to_owned()
            }
            Self::DeckDone => {
                "همه برگه‌های دسته آزمون ثبت شده‌اند؛ آزمون را به پایان برسانید.".to_owned()
            }
            Self::CastMeanwhile => {
                "در همان هنگام برگه آزمایشی دیگری ثبت شد؛ پایان آزمون را دوباره بزنید.".to_owned()
            }
            Self::NotChallenged => "برگه آزمایشی به چالش کشیده نمی‌شود؛ آن را ثبت کنید.".to_owned(),
        }
    }
}

/// Whether a station whose day is in `state` may start a test run.
pub fn check_start(state: DayState, running: bool) -> Result<(), EquipmentRefusal> {
    if state != DayState::NotOpened {
        return Err(EquipmentRefusal::StationOpen);
    }
    if running {
        return Err(EquipmentRefusal::RunInProgress);
    }
    Ok(())
}

/// The deck of `council` in the run, if it may take another test ballot: refused for a council
/// not in the run, and once its deck has taken twice its ballots.
pub fn deck_with_room<'r>(
    run: &'r TestRun,
    council: &str,
) -> Result<&'r TestDeck, EquipmentRefusal> {
    let deck = run
        .decks
        .iter()
        .find(|d| d.council == council)
        .ok_or_else(|| EquipmentRefusal::NotInDeck {
            council: council.to_owned(),
        })?;
    let cast = run.cast.get(council).copied().unwrap_or(0);
    if cast >= 2 * deck.ballots.len() as u64 {
        return Err(EquipmentRefusal::TooManyBallots);
    }
    Ok(deck)
}

/// Checks a test ballot for `council` against the run's deck of that council, as a real
/// ballot is checked against the council's candidates and seats: the choices normalised and
/// sorted.
pub fn check_test_ballot(
    run: &TestRun,
    council: &str,
    choices: &[String],
) -> Result<Vec<String>, EquipmentRefusal> {
    let deck = deck_with_room(run, council)?;
    crate::ballot::check_ballot(choices, &deck.candidates(), deck.seats)
        .map_err(EquipmentRefusal::Ballot)
}

/// Judges a run on the test ballots it holds (council, choices): every deck's tally against
/// its expected one. Passed when no figure differs.
pub fn judge<'a>(
    decks: &[TestDeck],
    ballots: impl IntoIterator<Item = (&'a str, &'a Vec<String>)>,
) -> (RunOutcome, Vec<Difference>) {
    let mut by_council: BTreeMap<&str, Vec<&Vec<String>>> = BTreeMap::new();
    for (council, choices) in ballots {
        by_council.entry(council).or_default().push(choices);
    }
    let counted: BTreeMap<String, TestTally> = by_council
        .into_iter()
        .map(|(council, ballots)| (council.to_owned(), tally(ballots)))
        .collect();
    judge_tallies(decks, &counted)
}

/// Judges a run on what was counted per council (a council missing counted nothing): every
/// deck's expected tally against it. Passed when no figure differs.
pub fn judge_tallies(
    decks: &[TestDeck],
    counted: &BTreeMap<String, TestTally>,
) -> (RunOutcome, Vec<Difference>) {
    let none = TestTally::default();
    let found: Vec<Difference> = decks
        .iter()
        .flat_map(|d| {
            differences(
                &d.council,
                &d.expected(),
                counted.get(&d.council).unwrap_or(&none),
            )
        })
        .collect();
    let outcome = if found.is_empty() {
        RunOutcome::Passed
    } else {
        RunOutcome::Failed
    };
    (outcome, found)
}

/// An override's reason, normalised; refused when empty.
pub fn check_override(reason: &str) -> Result<String, EquipmentRefusal> {
    let reason = crate::text::normalize_name(reason);
    if reason.is_empty() {
        return Err(EquipmentRefusal::NoReason);
    }
    Ok(reason)
}

/// A finished run of the demo: what a station's tester entered, and how it was judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoRun {
    pub station: String,
    pub by: String,
    pub started_at: OffsetDateTime,
    pub finished_at: OffsetDateTime,
    pub decks: Vec<TestDeck>,
    /// The test ballots entered: council, choices (as checked).
    pub ballots: Vec<(String, Vec<String>)>,
    pub outcome: RunOutcome,
    pub differences: Vec<Difference>,
}

/// The demo's runs: most stations passed; some (`failed_every` in a hundred) failed, their
/// tester's device having dropped a ballot; some (`untested_every` in a hundred) not tested
/// yet. Decks from each station's councils' approved candidates (`candidates`: council →
/// codes in ballot order, seats). `keep` stations always pass.
pub fn demo_runs(
    stations: &[crate::station::Station],
    candidates: &BTreeMap<String, (Vec<String>, u32)>,
    started_at: OffsetDateTime,
    keep: &[&str],
    mut roll: impl FnMut() -> u32,
) -> Vec<DemoRun> {
    let mut out = Vec::new();
    for station in stations.iter().filter(|s| !s.closed) {
        let r = roll();
        let kept = keep.contains(&station.code.as_str());
        if r < 2 && !kept {
            continue;
        }
        let decks: Vec<TestDeck> = station
            .councils()
            .into_iter()
            .filter_map(|c| {
                candidates
                    .get(c)
                    .map(|(codes, seats)| deck(c, codes, *seats))
            })
            .collect();
        let mut ballots: Vec<(String, Vec<String>)> = decks
            .iter()
            .flat_map(|d| d.ballots.iter().map(|b| (d.council.clone(), b.clone())))
            .collect();
        if r < 4 && !kept {
            ballots.pop();
        }
        let (outcome, differences) = judge(&decks, ballots.iter().map(|(c, b)| (c.as_str(), b)));
        out.push(DemoRun {
            station: station.code.clone(),
            by: format!("station-{}", station.code),
            started_at,
            finished_at: started_at + time::Duration::minutes(40),
            decks,
            ballots,
            outcome,
            differences,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn codes(n: usize) -> Vec<String> {
        (1..=n).map(|i| format!("{}", 100 + i)).collect()
    }

    #[test]
    fn the_ladder_gives_every_candidate_a_count_of_its_own() {
        let d = deck("C-1", &codes(4), 2);
        let expected = d.expected();
        assert_eq!(
            expected.candidates.values().copied().collect::<Vec<_>>(),
            vec![1, 2, 3, 4]
        );
        assert_eq!(expected.blank, 1);
        assert!(d.ballots.iter().all(|b| b.len() <= 2));
        assert_eq!(expected.ballots, d.ballots.len() as u64);
        assert!(differences("C-1", &expected, &expected).is_empty());
    }

    #[test]
    fn a_device_that_swaps_two_candidates_or_loses_a_ballot_fails() {
        let d = deck("C-1", &codes(3), 3);
        let expected = d.expected();
        // Swapped: every ballot's 101 counted as 102 and the other way round.
        let swapped: Vec<Vec<String>> = d
            .ballots
            .iter()
            .map(|b| {
                b.iter()
                    .map(|c| match c.as_str() {
                        "101" => "102".to_owned(),
                        "102" => "101".to_owned(),
                        other => other.to_owned(),
                    })
                    .collect()
            })
            .collect();
        let found = differences("C-1", &expected, &tally(&swapped));
        assert_eq!(
            found.iter().map(|d| d.figure.as_str()).collect::<Vec<_>>(),
            vec!["101", "102"]
        );
        // The blank ballot lost.
        let lost: Vec<Vec<String>> = d.ballots.iter().skip(1).cloned().collect();
        let found = differences("C-1", &expected, &tally(&lost));
        assert_eq!(
            found.iter().map(|d| d.figure.as_str()).collect::<Vec<_>>(),
            vec!["ballots", "blank"]
        );
    }

    fn run_of(decks: Vec<TestDeck>) -> TestRun {
        TestRun {
            id: 1,
            station: "S".into(),
            decks,
            started_at: time::macros::datetime!(2026-04-20 06:00 UTC),
            started_by: "t".into(),
            cast: BTreeMap::new(),
            outcome: RunOutcome::Running,
            finished_at: None,
            finished_by: None,
            differences: vec![],
        }
    }

    #[test]
    fn a_run_is_judged_deck_by_deck() {
        let decks = vec![deck("A", &codes(3), 2), deck("B", &codes(2), 1)];
        let all: Vec<(String, Vec<String>)> = decks
            .iter()
            .flat_map(|d| d.ballots.iter().map(|b| (d.council.clone(), b.clone())))
            .collect();
        let view = |v: &[(String, Vec<String>)]| -> (RunOutcome, Vec<Difference>) {
            judge(&decks, v.iter().map(|(c, b)| (c.as_str(), b)))
        };
        assert_eq!(view(&all), (RunOutcome::Passed, vec![]));
        // One of B's ballots counted as A's: both decks differ, each named.
        let mut moved = all.clone();
        let last = moved.len() - 1;
        moved[last].0 = "A".into();
        let (outcome, found) = view(&moved);
        assert_eq!(outcome, RunOutcome::Failed);
        assert!(found
            .iter()
            .any(|d| d.council == "A" && d.figure == "ballots"));
        assert!(found
            .iter()
            .any(|d| d.council == "B" && d.figure == "ballots"));
        // Nothing cast: every deck fails.
        assert_eq!(view(&[]).0, RunOutcome::Failed);
    }

    #[test]
    fn test_ballots_are_checked_like_real_ones_and_bounded() {
        let mut run = run_of(vec![deck("A", &codes(3), 2)]);
        assert_eq!(
            check_test_ballot(&run, "A", &["۱۰۳".into(), "101".into()]),
            Ok(vec!["101".to_owned(), "103".to_owned()])
        );
        assert_eq!(
            check_test_ballot(&run, "A", &["101".into(), "102".into(), "103".into()])
                .unwrap_err()
                .code(),
            "too_many_choices"
        );
        assert_eq!(
            check_test_ballot(&run, "Z", &[]).unwrap_err().code(),
            "council_not_in_test_deck"
        );
        let size = run.decks[0].ballots.len() as u64;
        run.cast.insert("A".into(), 2 * size);
        assert_eq!(
            check_test_ballot(&run, "A", &[]),
            Err(EquipmentRefusal::TooManyBallots)
        );
        run.cast.insert("A".into(), 2);
        let (deck, n) = run.next_ballot().unwrap();
        assert_eq!((deck.council.as_str(), n), ("A", 2));
        assert_eq!(run.progress(), (size, 2));
    }

    #[test]
    fn only_a_station_not_yet_open_with_no_run_going_starts_one() {
        assert_eq!(check_start(DayState::NotOpened, false), Ok(()));
        assert_eq!(
            check_start(DayState::NotOpened, true),
            Err(EquipmentRefusal::RunInProgress)
        );
        for state in [DayState::Open, DayState::Paused, DayState::Closed] {
            assert_eq!(
                check_start(state, false),
                Err(EquipmentRefusal::StationOpen)
            );
        }
        assert_eq!(check_override("  "), Err(EquipmentRefusal::NoReason));
        assert_eq!(check_override(" برق  رفت ").unwrap(), "برق رفت");
    }

    #[test]
    fn a_pass_stands_and_an_override_stands_until_a_later_failure() {
        use EquipmentStanding as S;
        let t = |h| time::macros::datetime!(2026-04-20 00:00 UTC) + time::Duration::hours(h);
        assert_eq!(standing(None, None), S::NotTested);
        assert_eq!(
            standing(Some((RunOutcome::Running, None)), None),
            S::Running
        );
        assert_eq!(
            standing(Some((RunOutcome::Passed, Some(t(1)))), Some(t(5))),
            S::Passed
        );
        assert_eq!(
            standing(Some((RunOutcome::Failed, Some(t(1)))), None),
            S::Failed
        );
        assert_eq!(
            standing(Some((RunOutcome::Failed, Some(t(1)))), Some(t(2))),
            S::Overridden
        );
        assert_eq!(
            standing(Some((RunOutcome::Failed, Some(t(3)))), Some(t(2))),
            S::Failed
        );
        assert_eq!(standing(None, Some(t(2))), S::Overridden);
        let mut tally = EquipmentTally::default();
        for s in S::ALL {
            tally.add(s);
        }
        tally.add(S::Failed);
        assert_eq!((tally.failed, tally.blocked()), (2, 4));
        let opens: Vec<S> = S::ALL.into_iter().filter(|s| s.allows_opening()).collect();
        assert_eq!(opens, vec![S::Passed, S::Overridden]);
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
        }
    }

    proptest! {
        /// Any deck: within the seats, no candidate twice on a ballot, counts 1..=n, and any
        /// one ballot dropped is noticed.
        #[test]
        fn decks_hold_their_rules(n in 1usize..30, seats in 1u32..15, drop in 0usize..500) {
            let d = deck("C", &codes(n), seats);
            for b in &d.ballots {
                prop_assert!(b.len() <= seats as usize);
                let mut sorted = b.clone();
                sorted.sort();
                sorted.dedup();
                prop_assert_eq!(sorted.len(), b.len());
            }
            let expected = d.expected();
            for (k, code) in codes(n).iter().enumerate() {
                prop_assert_eq!(expected.candidates.get(code).copied(), Some(k as u64 + 1));
            }
            let i = drop % d.ballots.len();
            let short: Vec<Vec<String>> = d
                .ballots
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, b)| b.clone())
                .collect();
            prop_assert!(!differences("C", &expected, &tally(&short)).is_empty());
        }
    }
}
