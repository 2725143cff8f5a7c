//! The published results (issue 18 §6, §7): per council what the result rests on — the seats, the
//! candidates' tie-break facts, each station's voters and standing, the lottery — and what it
//! says — votes, ranks, outcomes, ties. Written next to the election record (`results.json`),
//! so `sandoq tally --from DIR` recomputes every council from the record's decrypted counts by
//! the same rules ([`super::council::count`]) and names any difference.

use super::count_checks::{CountRule, Voters};
use super::lottery;
use super::seats::{Outcome, TieBreak};
use super::status::{ResultStatus, StationStanding};
use crate::person::Education;
use serde::{Deserialize, Serialize};

/// The file's name in the record's directory.
pub const RESULTS_FILE: &str = "results.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedResults {
    pub election: String,
    pub councils: Vec<PublishedCouncil>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedCouncil {
    pub council: String,
    pub name: String,
    pub county: String,
    pub main_seats: u32,
    pub alternate_seats: u32,
    pub status: ResultStatus,
    pub ballots_cast: u64,
    /// Best first.
    pub candidates: Vec<PublishedCandidate>,
    pub ties: Vec<PublishedTie>,
    /// Every station serving the council, in code order.
    pub stations: Vec<PublishedStation>,
    /// The lottery's commitment, and its seed once revealed.
    #[serde(default)]
    pub lottery: Option<PublishedLottery>,
    /// Once approved (and unchanged since): the digest of the result the approval certified
    /// (`certification::digest`, before any draw), which `recount` checks.
    #[serde(default)]
    pub certified_digest: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublishedCandidate {
    pub code: String,
    pub name: String,
    pub votes: u64,
    pub rank: u32,
    pub outcome: Outcome,
    pub veteran_family: bool,
    pub education: Option<Education>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublishedTie {
    pub votes: u64,
    pub candidates: Vec<String>,
    pub broken_by: Vec<TieBreak>,
    pub awaiting_lottery: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedStation {
    pub station: String,
    pub standing: StationStanding,
    /// The supervision board's reason, when it annulled the station's box: what the result
    /// rests on, so the recount leaves it out too.
    #[serde(default)]
    pub annulled: Option<String>,
    /// The station's voters (all councils), once its box is closed.
    pub voters: Option<PublishedVoters>,
    /// Its ballots for the council, once closed.
    pub ballots: Option<u64>,
    pub findings: Vec<CountRule>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedVoters {
    pub check_ins: u64,
    pub walkouts: u64,
}

impl From<&super::seats::Tie> for PublishedTie {
    fn from(t: &super::seats::Tie) -> Self {
        Self {
            votes: t.votes,
            candidates: t.candidates.clone(),
            broken_by: t.broken_by.clone(),
            awaiting_lottery: t.awaiting_lottery,
        }
    }
}

impl From<Voters> for PublishedVoters {
    fn from(v: Voters) -> Self {
        Self {
            check_ins: v.check_ins,
            walkouts: v.walkouts,
        }
    }
}

impl From<PublishedVoters> for Voters {
    fn from(v: PublishedVoters) -> Self {
        Self {
            check_ins: v.check_ins,
            walkouts: v.walkouts,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublishedLottery {
    /// SHA-256 of the seed ([`lottery::commitment`]), published before the draw.
    pub commitment: String,
    /// The seed, hex, once the council's result is final.
    pub seed: Option<String>,
}

impl PublishedLottery {
    /// The revealed seed, if it matches the commitment; `Err` names what is wrong.
    pub fn revealed(&self) -> Result<Option<lottery::Seed>, String> {
        let Some(hex_seed) = &self.seed else {
            return Ok(None);
        };
        let seed = lottery::parse_seed(hex_seed)
            .ok_or_else(|| "the lottery's seed is not 64 hexadecimal digits".to_owned())?;
        if lottery::reveals(&self.commitment, &seed) {
            Ok(Some(seed))
        } else {
            Err("the lottery's seed does not match its commitment".to_owned())
        }
    }
}

impl PublishedCouncil {
    /// The seats and the candidates' tie-break facts, as published.
    fn contenders(&self) -> Vec<super::council::Contender> {
        self.candidates
            .iter()
            .map(|c| super::council::Contender {
                code: c.code.clone(),
                veteran_family: c.veteran_family,
                education: c.education,
            })
            .collect()
    }

    /// Recomputes the council from `stations` (one per published station, in its order: what
    /// the election record says each brought) by [`super::council::count`], and names every
    /// way the published result differs. Empty when it is reproduced exactly.
    pub fn recount(&self, stations: &[super::council::StationInput]) -> Vec<String> {
        let mut differences = Vec::new();
        let mut differ =
            |what: String| differences.push(format!("council {}: {what}", self.council));
        let seed = match self.lottery.as_ref().map(PublishedLottery::revealed) {
            Some(Err(wrong)) => {
                differ(wrong);
                None
            }
            Some(Ok(seed)) => seed,
            None => None,
        };
        let recounted = super::council::count(
            crate::election::Seats {
                main: self.main_seats,
                alternate: self.alternate_seats,
            },
            &self.contenders(),
            stations,
            seed.as_ref(),
        );
        let status_holds = if self.status > ResultStatus::UnofficialComplete {
            // A board's approval stands only on every station reported.
            recounted.status == ResultStatus::UnofficialComplete
        } else {
            recounted.status == self.status
        };
        if !status_holds {
            differ(format!(
                "status {} published, the stations give {}",
                self.status.as_str(),
                recounted.status.as_str()
            ));
        }
        if recounted.ballots_cast != self.ballots_cast {
            differ(format!(
                "{} ballots published, {} recounted",
                self.ballots_cast, recounted.ballots_cast
            ));
        }
        if recounted.allocation.placed.len() != self.candidates.len() {
            differ(format!(
                "{} candidates published, {} on the list",
                self.candidates.len(),
                recounted.allocation.placed.len()
            ));
        }
        for (published, placed) in self.candidates.iter().zip(&recounted.allocation.placed) {
            if published.code != placed.code
                || published.votes != placed.votes
                || published.rank != placed.rank
                || published.outcome != placed.outcome
            {
                differ(format!(
                    "published candidate {} with {} votes, rank {}, {}; recounted candidate {} with {} votes, rank {}, {}",
                    published.code,
                    published.votes,
                    published.rank,
                    published.outcome.as_str(),
                    placed.code,
                    placed.votes,
                    placed.rank,
                    placed.outcome.as_str()
                ));
            }
        }
        let ties: Vec<PublishedTie> = recounted.allocation.ties.iter().map(Into::into).collect();
        if ties != self.ties {
            differ(format!(
                "the ties published are not those recounted ({ties:?})"
            ));
        }
        match (
            &self.certified_digest,
            self.status > ResultStatus::UnofficialComplete,
        ) {
            (None, true) => differ(format!(
                "published as {} without the digest of what was certified",
                self.status.as_str()
            )),
            (Some(certified), _) => {
                // The certified result is the one before the draw: recounted without the seed.
                let before = super::council::count(
                    crate::election::Seats {
                        main: self.main_seats,
                        alternate: self.alternate_seats,
                    },
                    &self.contenders(),
                    stations,
                    None,
                );
                let mut undrawn = self.clone();
                undrawn.candidates = before
                    .allocation
                    .placed
                    .iter()
                    .filter_map(|placed| {
                        let listed = self.candidates.iter().find(|c| c.code == placed.code)?;
                        Some(PublishedCandidate {
                            votes: placed.votes,
                            rank: placed.rank,
                            outcome: placed.outcome,
                            ..listed.clone()
                        })
                    })
                    .collect();
                undrawn.ties = before.allocation.ties.iter().map(Into::into).collect();
                if super::certification::digest(&undrawn) != *certified {
                    differ(format!(
                        "the result recounted is not the one certified (digest {certified})"
                    ));
                }
            }
            (None, false) => {}
        }
        for (published, report) in self.stations.iter().zip(&recounted.stations) {
            if published.standing != report.standing
                || published.ballots != report.ballots
                || published.findings != report.broken
            {
                differ(format!(
                    "station {}: published {} with {:?} ballots, recounted {} with {:?} ballots",
                    published.station,
                    published.standing.as_str(),
                    published.ballots,
                    report.standing.as_str(),
                    report.ballots
                ));
            }
        }
        differences
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::council::{StationInput, StationTally};

    fn input(votes: &[(&str, u64)], ballots: u64) -> StationInput {
        StationInput {
            station: "S1".into(),
            closed: true,
            voters: Voters {
                check_ins: ballots,
                walkouts: 0,
            },
            ballots,
            tally: Some(StationTally {
                ballots,
                votes: Some(votes.iter().map(|(c, n)| ((*c).to_owned(), *n)).collect()),
            }),
            signed: true,
            annulled: false,
            paper: crate::results::council::Paper::Electronic,
        }
    }

    fn published() -> PublishedCouncil {
        let candidate = |code: &str, votes, rank, outcome| PublishedCandidate {
            code: code.into(),
            name: String::new(),
            votes,
            rank,
            outcome,
            veteran_family: false,
            education: Some(Education::Diploma),
        };
        PublishedCouncil {
            council: "C1".into(),
            name: String::new(),
            county: "01".into(),
            main_seats: 1,
            alternate_seats: 1,
            status: ResultStatus::UnofficialComplete,
            ballots_cast: 10,
            candidates: vec![
                candidate("10002", 6, 1, Outcome::Member),
                candidate("10001", 4, 2, Outcome::Alternate),
            ],
            ties: Vec::new(),
            stations: vec![PublishedStation {
                station: "S1".into(),
                standing: StationStanding::Reported,
                annulled: None,
                voters: Some(PublishedVoters {
                    check_ins: 10,
                    walkouts: 0,
                }),
                ballots: Some(10),
                findings: Vec::new(),
            }],
            lottery: None,
            certified_digest: None,
        }
    }

    #[test]
    fn an_honest_result_is_reproduced_and_a_changed_one_is_named() {
        let stations = [input(&[("10001", 4), ("10002", 6)], 10)];
        assert_eq!(published().recount(&stations), Vec::<String>::new());

        let mut changed = published();
        changed.candidates[0].votes = 7;
        let found = changed.recount(&stations);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("10002 with 7 votes"), "{found:?}");

        let mut swapped = published();
        swapped.candidates[0].outcome = Outcome::Alternate;
        swapped.candidates[1].outcome = Outcome::Member;
        assert_eq!(swapped.recount(&stations).len(), 2);

        let mut early = published();
        early.status = ResultStatus::Confirmed;
        assert!(
            early
                .recount(&stations)
                .iter()
                .any(|d| d.contains("without the digest")),
            "a certified status names what it certified"
        );
        early.certified_digest = Some(super::super::certification::digest(&published()));
        assert!(
            early.recount(&stations).is_empty(),
            "confirmed on a full count: {:?}",
            early.recount(&stations)
        );
        let mut other = early.clone();
        other.certified_digest = Some("0".repeat(64));
        assert!(other
            .recount(&stations)
            .iter()
            .any(|d| d.contains("not the one certified")));
        let mut open = input(&[], 0);
        open.closed = false;
        let found = early.recount(&[open]);
        assert!(
            found.iter().any(|d| d.contains("status confirmed")),
            "{found:?}"
        );

        let mut forged_seed = published();
        forged_seed.lottery = Some(PublishedLottery {
            commitment: lottery::commitment(&[1; 32]),
            seed: Some(hex::encode([2u8; 32])),
        });
        let found = forged_seed.recount(&stations);
        assert!(
            found.iter().any(|d| d.contains("does not match")),
            "{found:?}"
        );
    }
}
