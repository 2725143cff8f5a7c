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
        }
    }

    pub fn is_invalid_input(&self) -> bool {
        matches!(self, Self::ReasonLength | Self::WrongCandidates)
    }
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

/// Whether an entry names exactly the ballot's candidates.
pub fn check_candidates(count: &HandCount, ballot: &[String]) -> Result<(), PaperRefusal> {
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

/// Whether a resolution may be entered: two entries that differ, and a reason.
pub fn check_resolution(entries: &[HandCount], reason: &str) -> Result<String, PaperRefusal> {
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
            check_resolution(&entries, "  بازشماری در حضور ناظران "),
            Ok("بازشماری در حضور ناظران".into())
        );
        assert_eq!(
            check_resolution(&entries, " "),
            Err(PaperRefusal::ReasonLength)
        );
        assert_eq!(
            check_resolution(&[first.clone(), first.clone()], "x"),
            Err(PaperRefusal::NothingToResolve)
        );
        let resolved = count(10, &[("A", 6), ("B", 3)]);
        assert_eq!(accepted(&entries, Some(&resolved)), Some(&resolved));
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
            check_candidates(&count(1, &[("A", 1), ("B", 0)]), &ballot),
            Ok(())
        );
        assert_eq!(
            check_candidates(&count(1, &[("A", 1)]), &ballot),
            Err(PaperRefusal::WrongCandidates)
        );
        assert_eq!(
            check_candidates(&count(1, &[("A", 1), ("B", 0), ("Z", 0)]), &ballot),
            Err(PaperRefusal::WrongCandidates)
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
