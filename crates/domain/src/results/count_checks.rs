//! A station's count checked (issue 18 §1): coded rules, each a blocking error or a warning
//! with a stable code and Persian text. A count that breaks a rule is kept and flagged, never
//! hidden; an error keeps the station's count out of the council's result until the county's
//! executive board resolves it.

use serde::{Deserialize, Serialize};

/// The voters whose ballots a count holds: checked in, and of them recorded as having left
/// without casting a ballot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Voters {
    pub check_ins: u64,
    pub walkouts: u64,
}

/// A station's count for one council, as decrypted or counted by hand.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StationCount {
    /// The voters the ballots belong to, where they are known apart: a station serving several
    /// councils (a mobile one) checks its voters against all its ballots at once.
    pub voters: Option<Voters>,
    pub ballots: u64,
    /// Blank ballots, where they are counted (a hand count; an electronic tally sums votes).
    pub blank: Option<u64>,
    /// Choices left unused on the ballots, where counted by hand.
    pub unused_choices: Option<u64>,
    /// Votes per candidate.
    pub votes: Vec<u64>,
    /// Choices per ballot: the council's main seats.
    pub seats: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Severity {
    /// The count cannot be right: it stays out of the result until resolved.
    Error,
    /// The count may be right, but someone must look.
    Warning,
}

/// A rule a station's count broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CountRule {
    /// More ballots than voters who checked in and did not leave.
    BallotsExceedVoters,
    /// Fewer ballots than voters who checked in and did not leave.
    BallotsBelowVoters,
    /// More votes than the ballots' choices (ballots × seats).
    VotesExceedChoices,
    /// Votes and unused choices, counted by hand, do not add up to ballots × seats.
    ChoicesDoNotBalance,
    /// A candidate has more votes than there are ballots.
    CandidateExceedsBallots,
    /// More blank ballots than ballots.
    BlankExceedsBallots,
    /// More votes than the ballots that are not blank can hold.
    VotesOnBlankBallots,
}

impl CountRule {
    pub const ALL: [CountRule; 7] = [
        Self::BallotsExceedVoters,
        Self::BallotsBelowVoters,
        Self::VotesExceedChoices,
        Self::ChoicesDoNotBalance,
        Self::CandidateExceedsBallots,
        Self::BlankExceedsBallots,
        Self::VotesOnBlankBallots,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::BallotsExceedVoters => "ballots_exceed_voters",
            Self::BallotsBelowVoters => "ballots_below_voters",
            Self::VotesExceedChoices => "votes_exceed_choices",
            Self::ChoicesDoNotBalance => "choices_do_not_balance",
            Self::CandidateExceedsBallots => "candidate_exceeds_ballots",
            Self::BlankExceedsBallots => "blank_exceeds_ballots",
            Self::VotesOnBlankBallots => "votes_on_blank_ballots",
        }
    }

    pub fn severity(self) -> Severity {
        match self {
            Self::BallotsBelowVoters => Severity::Warning,
            _ => Severity::Error,
        }
    }

    pub fn persian(self) -> &'static str {
        match self {
            Self::BallotsExceedVoters => {
                "تعداد برگه‌های رأی از رأی‌دهندگانِ احراز هویت‌شده (منهای ترک‌کنندگان) بیشتر است."
            }
            Self::BallotsBelowVoters => {
                "تعداد برگه‌های رأی از رأی‌دهندگانِ احراز هویت‌شده (منهای ترک‌کنندگان) کمتر است."
            }
            Self::VotesExceedChoices => {
                "مجموع آرای نامزدها از حاصل‌ضرب تعداد برگه‌ها در تعداد کرسی‌ها بیشتر است."
            }
            Self::ChoicesDoNotBalance => {
                "مجموع آرای نامزدها و انتخاب‌های استفاده‌نشده با حاصل‌ضرب تعداد برگه‌ها در تعداد کرسی‌ها برابر نیست."
            }
            Self::CandidateExceedsBallots => "آرای یک نامزد از تعداد برگه‌های رأی بیشتر است.",
            Self::BlankExceedsBallots => "تعداد برگه‌های سفید از تعداد برگه‌های رأی بیشتر است.",
            Self::VotesOnBlankBallots => {
                "مجموع آرا از گنجایش برگه‌های غیرسفید (برگه‌های غیرسفید × کرسی‌ها) بیشتر است."
            }
        }
    }
}

/// Every rule the count breaks, in [`CountRule::ALL`]'s order.
pub fn check(count: &StationCount) -> Vec<CountRule> {
    let seats = u64::from(count.seats);
    let choices = count.ballots.saturating_mul(seats);
    let votes: u64 = count.votes.iter().fold(0, |sum, v| sum.saturating_add(*v));
    let mut broken = Vec::new();
    if let Some(voters) = count.voters {
        let voters = voters.check_ins.saturating_sub(voters.walkouts);
        if count.ballots > voters {
            broken.push(CountRule::BallotsExceedVoters);
        }
        if count.ballots < voters {
            broken.push(CountRule::BallotsBelowVoters);
        }
    }
    if votes > choices {
        broken.push(CountRule::VotesExceedChoices);
    }
    if let Some(unused) = count.unused_choices {
        if votes.saturating_add(unused) != choices {
            broken.push(CountRule::ChoicesDoNotBalance);
        }
    }
    if count.votes.iter().any(|&v| v > count.ballots) {
        broken.push(CountRule::CandidateExceedsBallots);
    }
    if let Some(blank) = count.blank {
        if blank > count.ballots {
            broken.push(CountRule::BlankExceedsBallots);
        } else if votes > (count.ballots - blank).saturating_mul(seats) {
            broken.push(CountRule::VotesOnBlankBallots);
        }
    }
    broken
}

/// Whether any broken rule is an error.
pub fn blocks(broken: &[CountRule]) -> bool {
    broken.iter().any(|rule| rule.severity() == Severity::Error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sound() -> StationCount {
        StationCount {
            voters: Some(Voters {
                check_ins: 12,
                walkouts: 2,
            }),
            ballots: 10,
            blank: Some(1),
            unused_choices: Some(30 - 17),
            votes: vec![8, 6, 3],
            seats: 3,
        }
    }

    #[test]
    fn a_sound_count_breaks_nothing() {
        assert_eq!(check(&sound()), []);
        assert!(!blocks(&check(&sound())));
    }

    #[test]
    fn each_rule_is_caught_with_its_code_and_severity() {
        type Case = (fn(&mut StationCount), &'static [CountRule]);
        let cases: [Case; 6] = [
            (
                |c| {
                    c.voters = Some(Voters {
                        check_ins: 12,
                        walkouts: 3,
                    });
                },
                &[CountRule::BallotsExceedVoters],
            ),
            (
                |c| {
                    c.voters = Some(Voters {
                        check_ins: 13,
                        walkouts: 2,
                    });
                },
                &[CountRule::BallotsBelowVoters],
            ),
            (
                |c| {
                    c.votes = vec![10, 10, 10, 1];
                    c.blank = None;
                    c.unused_choices = None;
                },
                &[CountRule::VotesExceedChoices],
            ),
            (
                |c| c.unused_choices = Some(12),
                &[CountRule::ChoicesDoNotBalance],
            ),
            (
                |c| {
                    c.votes = vec![11, 1, 1];
                    c.unused_choices = Some(17);
                },
                &[CountRule::CandidateExceedsBallots],
            ),
            (
                |c| {
                    c.blank = Some(5);
                },
                &[CountRule::VotesOnBlankBallots],
            ),
        ];
        for (change, expected) in cases {
            let mut count = sound();
            change(&mut count);
            assert_eq!(check(&count), expected, "{count:?}");
        }
        let mut count = sound();
        count.blank = Some(11);
        assert_eq!(check(&count), [CountRule::BlankExceedsBallots]);
        assert!(blocks(&check(&count)));
        count.blank = Some(1);
        count.voters = Some(Voters {
            check_ins: 20,
            walkouts: 0,
        });
        assert!(
            !blocks(&check(&count)),
            "fewer ballots than voters only warns"
        );
        let codes: std::collections::BTreeSet<&str> =
            CountRule::ALL.iter().map(|r| r.code()).collect();
        assert_eq!(codes.len(), CountRule::ALL.len());
    }

    proptest! {
        #[test]
        fn an_honest_electronic_count_never_blocks(
            ballots in proptest::collection::vec(proptest::collection::vec(any::<bool>(), 4), 0..40),
            walkouts in 0u64..3,
        ) {
            // Each ballot marks at most 4 of 6 candidates (4 seats).
            let mut votes = vec![0u64; 6];
            for (i, marks) in ballots.iter().enumerate() {
                for (j, marked) in marks.iter().enumerate() {
                    if *marked {
                        votes[(i + j) % 6] += 1;
                    }
                }
            }
            let count = StationCount {
                voters: Some(Voters {
                    check_ins: ballots.len() as u64 + walkouts,
                    walkouts,
                }),
                ballots: ballots.len() as u64,
                blank: None,
                unused_choices: None,
                votes,
                seats: 4,
            };
            prop_assert_eq!(check(&count), Vec::<CountRule>::new());
        }
    }
}
