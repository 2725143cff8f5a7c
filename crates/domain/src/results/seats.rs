//! Seats (DESIGN §8, Winners): a council's top N candidates by votes are its members and the
//! next M its alternates (N, M from the seat table). Candidates tied on votes across a boundary
//! (member/alternate, alternate/none) are ordered by a veteran's-family priority, then by the
//! higher degree, then by the public lottery ([`super::lottery`]); each rule is applied only to
//! a tie the rules before it left standing across a boundary. Ties that decide nothing are left
//! as they are: the candidates share a rank.

use super::lottery::{self, Seed};
use crate::election::Seats;
use crate::person::Education;
use serde::{Deserialize, Serialize};

/// A candidate as the allocation sees them: the votes, and what breaks a tie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    pub code: String,
    pub votes: u64,
    /// Of a martyr's, a veteran's or a freed prisoner's family: first among equals.
    pub veteran_family: bool,
    /// The higher degree goes next; none known ranks lowest.
    pub education: Option<Education>,
}

/// What a candidate's place makes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Outcome {
    Member,
    Alternate,
    None,
    /// Tied across a boundary that only the lottery decides, and its seed is not revealed yet.
    Undecided,
    /// No station has reported: nothing is decided, not even by the tie-breaks.
    Pending,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Member => "member",
            Self::Alternate => "alternate",
            Self::None => "none",
            Self::Undecided => "undecided",
            Self::Pending => "pending",
        }
    }

    pub fn persian(self) -> &'static str {
        match self {
            Self::Member => "عضو اصلی",
            Self::Alternate => "عضو علی‌البدل",
            Self::None => "—",
            Self::Undecided => "در انتظار قرعه",
            Self::Pending => "در انتظار شمارش",
        }
    }
}

/// A candidate's place: the rank (tied candidates share one) and the outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    pub code: String,
    pub votes: u64,
    /// From 1; candidates the rules leave tied share the rank of the first of them.
    pub rank: u32,
    pub outcome: Outcome,
}

/// A rule that ordered tied candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum TieBreak {
    VeteranFamily,
    Education,
    Lottery,
}

impl TieBreak {
    pub fn persian(self) -> &'static str {
        match self {
            Self::VeteranFamily => "اولویت خانواده ایثارگران",
            Self::Education => "مدرک تحصیلی بالاتر",
            Self::Lottery => "قرعه‌کشی",
        }
    }
}

/// Candidates with equal votes across a boundary, and how they were ordered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tie {
    pub votes: u64,
    /// The tied candidates in the order decided.
    pub candidates: Vec<String>,
    /// The rules that split them, in the order applied.
    pub broken_by: Vec<TieBreak>,
    /// Still tied across a boundary: the lottery's seed is not revealed yet.
    pub awaiting_lottery: bool,
}

/// A council's candidates placed, best first, and the ties that were decided or wait.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Allocation {
    pub placed: Vec<Placed>,
    pub ties: Vec<Tie>,
}

impl Allocation {
    /// Whether a tie waits for the lottery.
    pub fn awaits_lottery(&self) -> bool {
        self.ties.iter().any(|tie| tie.awaiting_lottery)
    }

    /// The codes whose outcome is `outcome`, best first.
    pub fn with_outcome(&self, outcome: Outcome) -> impl Iterator<Item = &str> {
        self.placed
            .iter()
            .filter(move |placed| placed.outcome == outcome)
            .map(|placed| placed.code.as_str())
    }
}

/// Candidate codes in their natural order: shorter first, so "9999" comes before "10001".
fn code_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Positions `[start, end)` of the ranking contain a boundary strictly inside: the candidates
/// there do not all share one outcome.
fn crosses(boundaries: [usize; 2], start: usize, end: usize) -> bool {
    boundaries.iter().any(|&b| start < b && b < end)
}

/// Splits a tier by a key (higher first) where the tier crosses a boundary; whether it split.
fn split_by<K: Ord>(
    tiers: Vec<(usize, Vec<&Standing>)>,
    boundaries: [usize; 2],
    key: impl Fn(&Standing) -> K,
) -> (Vec<(usize, Vec<&Standing>)>, bool) {
    let mut out = Vec::new();
    let mut split = false;
    for (start, mut tier) in tiers {
        if !crosses(boundaries, start, start + tier.len()) {
            out.push((start, tier));
            continue;
        }
        tier.sort_by(|a, b| {
            key(b)
                .cmp(&key(a))
                .then_with(|| code_order(&a.code, &b.code))
        });
        let mut at = start;
        for part in tier.chunk_by(|a, b| key(a) == key(b)) {
            split |= part.len() < tier.len();
            out.push((at, part.to_vec()));
            at += part.len();
        }
    }
    (out, split)
}

/// Places a council's candidates for its seats. With `seed`, the lottery decides what the
/// other rules leave tied across a boundary; without it, those candidates are `Undecided`.
pub fn allocate(seats: Seats, standings: &[Standing], seed: Option<&Seed>) -> Allocation {
    let main = seats.main as usize;
    let boundaries = [main, main + seats.alternate as usize];
    let mut ordered: Vec<&Standing> = standings.iter().collect();
    ordered.sort_by(|a, b| {
        b.votes
            .cmp(&a.votes)
            .then_with(|| code_order(&a.code, &b.code))
    });
    let mut tiers: Vec<(usize, Vec<&Standing>)> = Vec::new();
    let mut ties = Vec::new();
    let mut start = 0;
    for group in ordered.chunk_by(|a, b| a.votes == b.votes) {
        let end = start + group.len();
        if !crosses(boundaries, start, end) {
            tiers.push((start, group.to_vec()));
            start = end;
            continue;
        }
        let mut broken_by = Vec::new();
        let (split, by_family) = split_by(vec![(start, group.to_vec())], boundaries, |s| {
            s.veteran_family
        });
        if by_family {
            broken_by.push(TieBreak::VeteranFamily);
        }
        let (split, by_degree) = split_by(split, boundaries, |s| s.education);
        if by_degree {
            broken_by.push(TieBreak::Education);
        }
        let mut awaiting = false;
        let mut decided = Vec::new();
        for (at, tier) in split {
            if !crosses(boundaries, at, at + tier.len()) {
                decided.push((at, tier));
            } else if let Some(seed) = seed {
                if !broken_by.contains(&TieBreak::Lottery) {
                    broken_by.push(TieBreak::Lottery);
                }
                let codes: Vec<&str> = tier.iter().map(|s| s.code.as_str()).collect();
                for (offset, code) in lottery::draw(seed, &codes).iter().enumerate() {
                    if let Some(standing) = tier.iter().find(|s| &s.code == code) {
                        decided.push((at + offset, vec![*standing]));
                    }
                }
            } else {
                awaiting = true;
                decided.push((at, tier));
            }
        }
        ties.push(Tie {
            votes: group[0].votes,
            candidates: decided
                .iter()
                .flat_map(|(_, tier)| tier.iter().map(|s| s.code.clone()))
                .collect(),
            broken_by,
            awaiting_lottery: awaiting,
        });
        tiers.extend(decided);
        start = end;
    }
    let placed = tiers
        .into_iter()
        .flat_map(|(at, tier)| {
            let end = at + tier.len();
            let outcome = if crosses(boundaries, at, end) {
                Outcome::Undecided
            } else if end <= boundaries[0] {
                Outcome::Member
            } else if end <= boundaries[1] {
                Outcome::Alternate
            } else {
                Outcome::None
            };
            tier.into_iter().map(move |s| Placed {
                code: s.code.clone(),
                votes: s.votes,
                rank: at as u32 + 1,
                outcome,
            })
        })
        .collect();
    Allocation { placed, ties }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn standing(code: &str, votes: u64) -> Standing {
        Standing {
            code: code.into(),
            votes,
            veteran_family: false,
            education: Some(Education::Diploma),
        }
    }

    fn seats(main: u32, alternate: u32) -> Seats {
        Seats { main, alternate }
    }

    fn outcomes(allocation: &Allocation) -> Vec<(&str, Outcome)> {
        allocation
            .placed
            .iter()
            .map(|p| (p.code.as_str(), p.outcome))
            .collect()
    }

    #[test]
    fn the_top_n_are_members_and_the_next_m_alternates() {
        let standings: Vec<Standing> = [
            ("10001", 50),
            ("10002", 900),
            ("10003", 300),
            ("10004", 120),
            ("10005", 7),
        ]
        .into_iter()
        .map(|(c, v)| standing(c, v))
        .collect();
        let allocation = allocate(seats(2, 2), &standings, None);
        assert_eq!(
            outcomes(&allocation),
            [
                ("10002", Outcome::Member),
                ("10003", Outcome::Member),
                ("10004", Outcome::Alternate),
                ("10001", Outcome::Alternate),
                ("10005", Outcome::None),
            ]
        );
        assert_eq!(
            allocation.placed.iter().map(|p| p.rank).collect::<Vec<_>>(),
            [1, 2, 3, 4, 5]
        );
        assert!(allocation.ties.is_empty());
    }

    #[test]
    fn a_tie_inside_one_outcome_is_left_standing() {
        let standings = [
            standing("10001", 10),
            standing("10002", 10),
            standing("10003", 4),
        ];
        let allocation = allocate(seats(2, 1), &standings, None);
        assert_eq!(allocation.placed[0].rank, 1);
        assert_eq!(allocation.placed[1].rank, 1);
        assert_eq!(allocation.placed[2].rank, 3);
        assert!(allocation.ties.is_empty());
        assert!(!allocation.awaits_lottery());
    }

    #[test]
    fn a_veterans_family_goes_first_then_the_higher_degree() {
        let mut veteran = standing("10003", 40);
        veteran.veteran_family = true;
        let mut doctor = standing("10002", 40);
        doctor.education = Some(Education::Doctorate);
        let standings = [
            standing("10001", 40),
            doctor,
            veteran,
            standing("10004", 90),
        ];
        // One member seat left after 10004: the veteran's family takes it; the doctor is first
        // alternate, ahead of the diploma.
        let allocation = allocate(seats(2, 1), &standings, None);
        assert_eq!(
            outcomes(&allocation),
            [
                ("10004", Outcome::Member),
                ("10003", Outcome::Member),
                ("10002", Outcome::Alternate),
                ("10001", Outcome::None),
            ]
        );
        assert_eq!(allocation.ties.len(), 1);
        assert_eq!(
            allocation.ties[0].broken_by,
            [TieBreak::VeteranFamily, TieBreak::Education]
        );
        assert_eq!(allocation.ties[0].candidates, ["10003", "10002", "10001"]);
    }

    #[test]
    fn a_tie_only_the_lottery_breaks_waits_for_its_seed() {
        let standings = [
            standing("10001", 40),
            standing("10002", 40),
            standing("10003", 90),
        ];
        let waiting = allocate(seats(2, 0), &standings, None);
        assert!(waiting.awaits_lottery());
        assert_eq!(
            waiting.with_outcome(Outcome::Member).collect::<Vec<_>>(),
            ["10003"]
        );
        assert_eq!(waiting.with_outcome(Outcome::Undecided).count(), 2);

        let seed = [3u8; 32];
        let drawn = allocate(seats(2, 0), &standings, Some(&seed));
        assert!(!drawn.awaits_lottery());
        assert_eq!(drawn.ties[0].broken_by, [TieBreak::Lottery]);
        let first = lottery::draw(&seed, &["10001", "10002"]);
        assert_eq!(
            drawn.with_outcome(Outcome::Member).collect::<Vec<_>>(),
            ["10003", first[0].as_str()]
        );
        assert_eq!(
            drawn.with_outcome(Outcome::None).collect::<Vec<_>>(),
            [first[1].as_str()]
        );
    }

    fn arbitrary_standings() -> impl Strategy<Value = Vec<Standing>> {
        proptest::collection::vec(
            (0u64..6, any::<bool>(), proptest::option::of(0usize..6)),
            0..16,
        )
        .prop_map(|rows| {
            rows.into_iter()
                .enumerate()
                .map(|(i, (votes, veteran_family, education))| Standing {
                    code: format!("{}", 10_001 + i),
                    votes,
                    veteran_family,
                    education: education.map(|e| Education::ALL[e]),
                })
                .collect()
        })
    }

    fn key(s: &Standing) -> (u64, bool, Option<Education>) {
        (s.votes, s.veteran_family, s.education)
    }

    proptest! {
        #[test]
        fn with_a_seed_members_and_alternates_are_exactly_the_top_n_and_next_m(
            standings in arbitrary_standings(),
            main in 1u32..8,
            alternate in 0u32..6,
            seed in proptest::array::uniform32(any::<u8>()),
        ) {
            let allocation = allocate(seats(main, alternate), &standings, Some(&seed));
            let n = standings.len();
            let members: Vec<&str> = allocation.with_outcome(Outcome::Member).collect();
            let alternates: Vec<&str> = allocation.with_outcome(Outcome::Alternate).collect();
            prop_assert_eq!(members.len(), n.min(main as usize));
            prop_assert_eq!(alternates.len(), n.saturating_sub(main as usize).min(alternate as usize));
            prop_assert_eq!(allocation.with_outcome(Outcome::Undecided).count(), 0);
            prop_assert_eq!(allocation.placed.len(), n);
            let by_code = |code: &str| standings.iter().find(|s| s.code == code).expect("placed");
            // Best first, and nobody placed above someone with more votes — or, on equal votes,
            // a better claim by the law's order.
            for pair in allocation.placed.windows(2) {
                let (a, b) = (by_code(&pair[0].code), by_code(&pair[1].code));
                prop_assert!(a.votes >= b.votes);
                if pair[0].outcome != pair[1].outcome {
                    prop_assert!(key(a) >= key(b), "{:?} above {:?}", a, b);
                }
            }
        }

        #[test]
        fn the_result_depends_on_the_candidates_not_the_order_they_come_in(
            standings in arbitrary_standings(),
            main in 1u32..8,
            alternate in 0u32..6,
            seed in proptest::option::of(proptest::array::uniform32(any::<u8>())),
        ) {
            let mut reversed = standings.clone();
            reversed.reverse();
            prop_assert_eq!(
                allocate(seats(main, alternate), &standings, seed.as_ref()),
                allocate(seats(main, alternate), &reversed, seed.as_ref())
            );
        }

        #[test]
        fn without_a_seed_only_ties_the_law_cannot_break_wait(
            standings in arbitrary_standings(),
            main in 1u32..8,
            alternate in 0u32..6,
        ) {
            let allocation = allocate(seats(main, alternate), &standings, None);
            let by_code = |code: &str| standings.iter().find(|s| s.code == code).expect("placed");
            let undecided: Vec<&Placed> = allocation
                .placed
                .iter()
                .filter(|p| p.outcome == Outcome::Undecided)
                .collect();
            prop_assert_eq!(undecided.is_empty(), !allocation.awaits_lottery());
            // Candidates left undecided together share a rank and everything the law weighs.
            for a in &undecided {
                prop_assert!(undecided.iter().filter(|b| b.rank == a.rank).count() > 1);
                for b in undecided.iter().filter(|b| b.rank == a.rank) {
                    prop_assert_eq!(key(by_code(&a.code)), key(by_code(&b.code)));
                }
            }
            prop_assert!(allocation.with_outcome(Outcome::Member).count() <= main as usize);
        }
    }
}
