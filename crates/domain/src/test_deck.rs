//! Logic and accuracy testing of a station's devices before election day (issue 16, part 6):
//! a known deck of test ballots per council, its expected tally, and the comparison of what a
//! device counted against it. Test ballots are not votes: the store keeps them apart from the
//! roll, turnout, receipts and results.
//!
//! The deck follows the "ladder" practice of logic and accuracy tests: the candidates' expected
//! counts all differ (the k-th candidate on the ballot gets k + 1 marks), so a device that swaps
//! two candidates, drops one, or counts one twice shows a difference; a blank ballot checks
//! that an empty ballot is counted as a ballot and as nobody's vote.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
}

/// One figure that differs between the expected tally and a device's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Difference {
    /// A candidate's code, or `ballots`, or `blank`.
    pub figure: String,
    pub expected: u64,
    pub counted: u64,
}

/// Every figure where `counted` differs from `expected`, candidates in code order, then the
/// ballots and the blank ballots. Empty: the test passed.
pub fn differences(expected: &TestTally, counted: &TestTally) -> Vec<Difference> {
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
                figure: figure.to_owned(),
                expected: e,
                counted: c,
            });
        }
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
        assert!(differences(&expected, &expected).is_empty());
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
        let found = differences(&expected, &tally(&swapped));
        assert_eq!(
            found.iter().map(|d| d.figure.as_str()).collect::<Vec<_>>(),
            vec!["101", "102"]
        );
        // The blank ballot lost.
        let lost: Vec<Vec<String>> = d.ballots.iter().skip(1).cloned().collect();
        let found = differences(&expected, &tally(&lost));
        assert_eq!(
            found.iter().map(|d| d.figure.as_str()).collect::<Vec<_>>(),
            vec!["ballots", "blank"]
        );
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
            prop_assert!(!differences(&expected, &tally(&short)).is_empty());
        }
    }
}
