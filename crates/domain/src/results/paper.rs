//! The paper fallback's hand count (issue 18 §1): a station whose devices failed counts its
//! paper ballots by hand, and two different officials each enter the count. Entries that agree
//! are the station's count; entries that differ are shown side by side and never counted until
//! the county's executive board enters the count it resolved, with a reason.

use super::count_checks::{self, CountRule, StationCount, Voters};
use std::collections::BTreeMap;

/// One council's hand count, as one official entered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandCount {
    pub council: String,
    pub ballots: u64,
    pub blank: u64,
    /// Choices left unused on the ballots.
    pub unused_choices: u64,
    /// Votes per candidate code (each candidate once).
    pub votes: BTreeMap<String, u64>,
}

/// Where one figure of two entries differs: what, and each entry's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// `ballots`, `blank`, `unused_choices`, or a candidate's code.
    pub field: String,
    pub first: u64,
    pub second: u64,
}

/// Why an entry is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaperRefusal {
    /// The second entry must be another official's.
    SameOfficial,
    /// Both entries are in: a third waits for the executive board's resolution.
    EntriesComplete,
    /// Only differing entries are resolved.
    NothingToResolve,
    /// A resolution needs a reason (at most 1000 characters).
    ReasonLength,
    /// A candidate not on the council's ballot, or one left out.
    WrongCandidates,
    /// The station is not one whose devices failed (it counts electronically).
    NotPaper,
    /// The station's fallback to paper is declared already.
    AlreadyPaper,
    /// The executive board resolved this count already.
    Resolved,
    /// A figure beyond any station's ballots.
    FigureTooLarge,
    /// Paper ballots are counted after the station's box is closed.
    NotClosed,
}

impl PaperRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            Self::SameOfficial => "hand_count_same_official",
            Self::EntriesComplete => "hand_count_entries_complete",
            Self::NothingToResolve => "hand_count_nothing_to_resolve",
            Self::ReasonLength => "hand_count_reason_length",
            Self::WrongCandidates => "hand_count_wrong_candidates",
            Self::NotPaper => "hand_count_not_paper",
            Self::AlreadyPaper => "hand_count_already_paper",
            Self::Resolved => "hand_count_resolved",
            Self::FigureTooLarge => "hand_count_figure_too_large",
            Self::NotClosed => "hand_count_not_closed",
        }
    }

    pub fn persian(&self) -> String {
        match self {
            Self::SameOfficial => "ورود دوم شمارش دستی باید به دست مسئول دیگری باشد.".into(),
            Self::EntriesComplete => {
                "هر دو ورود شمارش دستی ثبت شده است؛ مغایرت را هیئت اجرایی شهرستان حل می‌کند.".into()
            }
            Self::NothingToResolve => {
                "دو ورود شمارش دستی مغایرتی ندارند یا هنوز هر دو ثبت نشده‌اند.".into()
            }
            Self::ReasonLength => "دلیل حل مغایرت باید نوشته شود و بیش از ۱۰۰۰ نویسه نباشد.".into(),
            Self::WrongCandidates => "فهرست نامزدهای شمارش با برگه رأی این شورا یکی نیست.".into(),
            Self::NotPaper => "این شعبه با دستگاه رأی‌گیری شمرده می‌شود، نه با شمارش دستی.".into(),
            Self::AlreadyPaper => "رأی‌گیری کاغذی این شعبه پیش‌تر اعلام شده است.".into(),
            Self::Resolved => "هیئت اجرایی این مغایرت را پیش‌تر حل کرده است.".into(),
            Self::NotClosed => "آرای کاغذی پس از بسته شدن صندوق شعبه شمرده می‌شود.".into(),
            Self::FigureTooLarge => format!(
                "هیچ عددی در شمارش دستی نمی‌تواند بیش از {} باشد.",
                crate::text::persian_digits(&MAX_FIGURE.to_string())
            ),
        }
    }

    pub fn is_invalid_input(&self) -> bool {
        matches!(
            self,
            Self::ReasonLength | Self::WrongCandidates | Self::FigureTooLarge
        )
    }
}

/// Whether a station's fallback to paper may be declared: once, with a reason (normalised,
/// returned).
pub fn check_declaration(declared: bool, reason: &str) -> Result<String, PaperRefusal> {
    if declared {
        return Err(PaperRefusal::AlreadyPaper);
    }
    let reason = crate::text::normalize_name(reason.trim());
    if reason.is_empty() || reason.chars().count() > 1000 {
        return Err(PaperRefusal::ReasonLength);
    }
    Ok(reason)
}

/// Every figure where two entries differ, in a fixed order (ballots, blank, unused choices,
/// then candidates by code). Empty when they agree.
pub fn compare(first: &HandCount, second: &HandCount) -> Vec<Difference> {
    let mut out = Vec::new();
    let mut figure = |field: &str, a: u64, b: u64| {
        if a != b {
            out.push(Difference {
                field: field.to_owned(),
                first: a,
                second: b,
            });
        }
    };
    figure("ballots", first.ballots, second.ballots);
    figure("blank", first.blank, second.blank);
    figure(
        "unused_choices",
        first.unused_choices,
        second.unused_choices,
    );
    let codes: std::collections::BTreeSet<&String> =
        first.votes.keys().chain(second.votes.keys()).collect();
    for code in codes {
        figure(
            code,
            first.votes.get(code).copied().unwrap_or(0),
            second.votes.get(code).copied().unwrap_or(0),
        );
    }
    out
}

/// The largest figure a hand count holds: far above any station's ballots, and within what
/// every store keeps exactly.
pub const MAX_FIGURE: u64 = 1_000_000;

/// Whether an entry names exactly the ballot's candidates, each figure within `MAX_FIGURE`.
pub fn check_form(count: &HandCount, ballot: &[String]) -> Result<(), PaperRefusal> {
    let figures = [count.ballots, count.blank, count.unused_choices];
    if figures
        .iter()
        .chain(count.votes.values())
        .any(|n| *n > MAX_FIGURE)
    {
        return Err(PaperRefusal::FigureTooLarge);
    }
    let named: std::collections::BTreeSet<&str> = count.votes.keys().map(String::as_str).collect();
    let listed: std::collections::BTreeSet<&str> = ballot.iter().map(String::as_str).collect();
    if named == listed {
        Ok(())
    } else {
        Err(PaperRefusal::WrongCandidates)
    }
}

/// Whether `by` may enter a count where `entered` (the officials who entered before) already
/// did: a first entry by anyone, a second by someone else, no third.
pub fn check_entry(entered: &[&str], by: &str) -> Result<(), PaperRefusal> {
    match entered {
        [first] if *first == by => Err(PaperRefusal::SameOfficial),
        [] | [_] => Ok(()),
        _ => Err(PaperRefusal::EntriesComplete),
    }
}

/// The station's count for the council from its entries: the agreed count when two entries
/// agree, the executive board's resolution when there is one, else none (one entry, or two that
/// differ: never counted).
pub fn accepted<'a>(
    entries: &'a [HandCount],
    resolution: Option<&'a HandCount>,
) -> Option<&'a HandCount> {
    if let Some(resolved) = resolution {
        return Some(resolved);
    }
    match entries {
        [first, second] if compare(first, second).is_empty() => Some(first),
        _ => None,
    }
}

/// Whether a resolution may be entered: two entries that differ, no resolution yet, and a
/// reason (normalised, returned).
pub fn check_resolution(
    entries: &[HandCount],
    resolved: bool,
    reason: &str,
) -> Result<String, PaperRefusal> {
    if resolved {
        return Err(PaperRefusal::Resolved);
    }
    let reason = crate::text::normalize_name(reason.trim());
    if reason.is_empty() || reason.chars().count() > 1000 {
        return Err(PaperRefusal::ReasonLength);
    }
    match entries {
        [first, second] if !compare(first, second).is_empty() => Ok(reason),
        _ => Err(PaperRefusal::NothingToResolve),
    }
}

/// The hand count checked by the count's rules (its voters, where known apart): blank ballots
/// and unused choices are counted by hand, so every rule applies.
pub fn check(count: &HandCount, voters: Option<Voters>, seats: u32) -> Vec<CountRule> {
    count_checks::check(&StationCount {
        voters,
        ballots: count.ballots,
        blank: Some(count.blank),
        unused_choices: Some(count.unused_choices),
        votes: count.votes.values().copied().collect(),
        seats,
    })
}

/// The file of the published record that holds the hand counts.
pub const HAND_COUNTS_FILE: &str = "hand_counts.json";

/// A hand count's figures as published (its council is its container's).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PublishedFigures {
    pub ballots: u64,
    pub blank: u64,
    pub unused_choices: u64,
    pub votes: BTreeMap<String, u64>,
}

impl PublishedFigures {
    pub fn of(count: &HandCount) -> Self {
        Self {
            ballots: count.ballots,
            blank: count.blank,
            unused_choices: count.unused_choices,
            votes: count.votes.clone(),
        }
    }

    pub fn count(&self, council: &str) -> HandCount {
        HandCount {
            council: council.to_owned(),
            ballots: self.ballots,
            blank: self.blank,
            unused_choices: self.unused_choices,
            votes: self.votes.clone(),
        }
    }
}

/// The executive board's published resolution.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PublishedResolution {
    pub figures: PublishedFigures,
    pub reason: String,
}

/// A council's published hand count at a station: both entries, in order, and any resolution.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PublishedCouncilCount {
    pub council: String,
    pub entries: Vec<PublishedFigures>,
    pub resolution: Option<PublishedResolution>,
}

/// A station that fell back to paper, as published.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PublishedPaperStation {
    pub station: String,
    pub reason: String,
    pub councils: Vec<PublishedCouncilCount>,
}

/// The record's hand counts: every station declared to count by hand.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PublishedHandCounts {
    pub election: String,
    pub stations: Vec<PublishedPaperStation>,
}

impl PublishedPaperStation {
    /// The station's paper ballots for `council` by the same rule the server follows: the
    /// agreeing entries or the resolution, else awaited.
    pub fn paper(&self, council: &str) -> super::council::Paper {
        let Some(counted) = self.councils.iter().find(|c| c.council == council) else {
            return super::council::Paper::Awaiting;
        };
        let entries: Vec<HandCount> = counted.entries.iter().map(|e| e.count(council)).collect();
        let resolution = counted
            .resolution
            .as_ref()
            .map(|r| r.figures.count(council));
        accepted(&entries, resolution.as_ref()).cloned().map_or(
            super::council::Paper::Awaiting,
            super::council::Paper::Counted,
        )
    }

    /// The ballots its accepted hand counts add, all councils together.
    pub fn ballots(&self) -> u64 {
        self.councils
            .iter()
            .map(|c| self.paper(&c.council).ballots())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn count(ballots: u64, votes: &[(&str, u64)]) -> HandCount {
        HandCount {
            council: "C".into(),
            ballots,
            blank: 1,
            unused_choices: 2,
            votes: votes.iter().map(|(c, n)| ((*c).to_owned(), *n)).collect(),
        }
    }

    #[test]
    fn equal_entries_count_and_differing_ones_never_do_until_resolved() {
        let first = count(10, &[("A", 6), ("B", 3)]);
        let same = first.clone();
        assert_eq!(accepted(&[first.clone(), same], None), Some(&first));
        let other = count(10, &[("A", 5), ("B", 4)]);
        let entries = [first.clone(), other.clone()];
        assert_eq!(accepted(&entries, None), None);
        assert_eq!(
            compare(&first, &other),
            vec![
                Difference {
                    field: "A".into(),
                    first: 6,
                    second: 5
                },
                Difference {
                    field: "B".into(),
                    first: 3,
                    second: 4
                },
            ]
        );
        assert_eq!(
            accepted(&entries[..1], None),
            None,
            "one entry never counts"
        );
        assert_eq!(
            check_resolution(&entries, false, "  بازشماری در حضور ناظران "),
            Ok("بازشماری در حضور ناظران".into())
        );
        assert_eq!(
            check_resolution(&entries, false, " "),
            Err(PaperRefusal::ReasonLength)
        );
        assert_eq!(
            check_resolution(&[first.clone(), first.clone()], false, "x"),
            Err(PaperRefusal::NothingToResolve)
        );
        assert_eq!(
            check_resolution(&entries, true, "x"),
            Err(PaperRefusal::Resolved)
        );
        let resolved = count(10, &[("A", 6), ("B", 3)]);
        assert_eq!(accepted(&entries, Some(&resolved)), Some(&resolved));
    }

    #[test]
    fn a_published_station_gives_the_count_the_server_accepted() {
        let agreed = count(10, &[("A", 6), ("B", 3)]);
        let other = count(10, &[("A", 5), ("B", 4)]);
        let station = PublishedPaperStation {
            station: "S".into(),
            reason: "خرابی".into(),
            councils: vec![
                PublishedCouncilCount {
                    council: "C".into(),
                    entries: vec![PublishedFigures::of(&agreed), PublishedFigures::of(&agreed)],
                    resolution: None,
                },
                PublishedCouncilCount {
                    council: "D".into(),
                    entries: vec![PublishedFigures::of(&agreed), PublishedFigures::of(&other)],
                    resolution: None,
                },
            ],
        };
        assert_eq!(
            station.paper("C"),
            super::super::council::Paper::Counted(agreed.clone())
        );
        assert_eq!(station.paper("D"), super::super::council::Paper::Awaiting);
        assert_eq!(station.paper("E"), super::super::council::Paper::Awaiting);
        assert_eq!(station.ballots(), 10, "only the accepted count adds");
    }

    #[test]
    fn two_different_officials_enter_and_no_third() {
        assert_eq!(check_entry(&[], "a"), Ok(()));
        assert_eq!(check_entry(&["a"], "a"), Err(PaperRefusal::SameOfficial));
        assert_eq!(check_entry(&["a"], "b"), Ok(()));
        assert_eq!(
            check_entry(&["a", "b"], "c"),
            Err(PaperRefusal::EntriesComplete)
        );
    }

    #[test]
    fn an_entry_names_exactly_the_ballots_candidates() {
        let ballot = vec!["A".to_owned(), "B".to_owned()];
        assert_eq!(
            check_form(&count(1, &[("A", 1), ("B", 0)]), &ballot),
            Ok(())
        );
        assert_eq!(
            check_form(&count(1, &[("A", 1)]), &ballot),
            Err(PaperRefusal::WrongCandidates)
        );
        assert_eq!(
            check_form(&count(1, &[("A", 1), ("B", 0), ("Z", 0)]), &ballot),
            Err(PaperRefusal::WrongCandidates)
        );
        assert_eq!(
            check_form(&count(MAX_FIGURE + 1, &[("A", 1), ("B", 0)]), &ballot),
            Err(PaperRefusal::FigureTooLarge)
        );
    }

    #[test]
    fn a_hand_count_is_held_to_every_rule() {
        // 10 ballots of 2 choices: 20 choices; 9 votes and 2 unused do not balance.
        let broken = check(&count(10, &[("A", 6), ("B", 3)]), None, 2);
        assert!(
            broken.contains(&CountRule::ChoicesDoNotBalance),
            "{broken:?}"
        );
        let mut sound = count(10, &[("A", 10), ("B", 6)]);
        sound.blank = 1;
        sound.unused_choices = 4;
        assert_eq!(check(&sound, None, 2), Vec::<CountRule>::new());
    }

    proptest! {
        #[test]
        fn entries_agree_exactly_when_no_figure_differs(
            a in proptest::collection::btree_map("[A-E]", 0u64..50, 0..5),
            b in proptest::collection::btree_map("[A-E]", 0u64..50, 0..5),
            ballots in 0u64..100,
        ) {
            let first = HandCount { council: "C".into(), ballots, blank: 0, unused_choices: 0, votes: a.clone() };
            let second = HandCount { votes: b.clone(), ..first.clone() };
            let zero = |m: &BTreeMap<String, u64>| m.iter().filter(|(_, n)| **n > 0).map(|(c, n)| (c.clone(), *n)).collect::<BTreeMap<_, _>>();
            prop_assert_eq!(compare(&first, &second).is_empty(), zero(&a) == zero(&b));
            prop_assert_eq!(compare(&first, &first).len(), 0);
        }
    }
}
