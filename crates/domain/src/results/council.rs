//! A council's count from its stations (issue 18 §1, §3): each station's standing — not closed,
//! not counted, a count error, or reported — with the rules its count breaks, the votes summed
//! over the stations that reported, and the seats allocated. One function for the server (from
//! the store) and for `sandoq tally` (from the published record), so both reach the same result
//! by the same rules.

use super::count_checks::{self, CountRule, StationCount, Voters};
use super::lottery::Seed;
use super::paper::{self, HandCount};
use super::seats::{self, Allocation, Standing};
use super::status::{ResultStatus, StationStanding};
use crate::election::Seats;
use crate::person::Education;
use std::borrow::Cow;
use std::collections::HashMap;

/// A candidate on the council's list, with what breaks a tie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contender {
    pub code: String,
    pub veteran_family: bool,
    pub education: Option<Education>,
}

/// A station's tally for the council: how many ballots it sums, and once decrypted the votes per
/// candidate code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StationTally {
    pub ballots: u64,
    pub votes: Option<Vec<(String, u64)>>,
}

/// What a station brings to a council's count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StationInput {
    pub station: String,
    /// Its box is closed: its tallies are decrypted and counted.
    pub closed: bool,
    /// Its voters, all councils together (a mobile station serves several).
    pub voters: Voters,
    /// Its ballots, all councils together.
    pub ballots: u64,
    /// Its tally for this council; `None` when it took no ballot for it.
    pub tally: Option<StationTally>,
    /// Its current minutes are fully signed (`minutes::SigningState::fully_signed`): until they
    /// are, its count is in the totals but the station has not reported.
    pub signed: bool,
    /// Its box annulled by the supervision board: out of the totals, whatever it counted.
    pub annulled: bool,
    /// Whether it fell back to paper ballots, and its hand count for the council.
    pub paper: Paper,
}

/// A station's paper ballots for one council (issue 18 §1): none when its devices worked; when
/// they failed, its hand count once two officials' entries agree or the executive board resolved
/// them. The hand count adds to what the devices took before they failed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Paper {
    #[default]
    Electronic,
    /// Declared, but no hand count accepted yet.
    Awaiting,
    Counted(HandCount),
}

impl Paper {
    /// The ballots its accepted hand count adds.
    pub fn ballots(&self) -> u64 {
        match self {
            Self::Counted(hand) => hand.ballots,
            _ => 0,
        }
    }
}

/// Votes per candidate code, borrowed from a tally or summed with a hand count.
pub type Votes<'a> = Cow<'a, [(String, u64)]>;

/// A station's whole count for a council — its devices' decrypted tally and its accepted hand
/// count together — or `None` while either part waits (a tally not decrypted, a hand count not
/// accepted). The minutes and the council's result both read it.
pub fn station_count<'a>(
    tally: Option<&'a StationTally>,
    paper: &Paper,
) -> Option<(u64, Votes<'a>)> {
    let electronic = match tally {
        None => None,
        Some(tally) => Some((tally.ballots, tally.votes.as_deref()?)),
    };
    match (electronic, paper) {
        (_, Paper::Awaiting) => None,
        (Some((ballots, votes)), Paper::Electronic) => Some((ballots, Cow::Borrowed(votes))),
        (None, Paper::Electronic) => Some((0, Cow::Borrowed(&[]))),
        (None, Paper::Counted(hand)) => Some((
            hand.ballots,
            Cow::Owned(hand.votes.iter().map(|(c, n)| (c.clone(), *n)).collect()),
        )),
        (Some((ballots, votes)), Paper::Counted(hand)) => Some((
            ballots.saturating_add(hand.ballots),
            Cow::Owned(
                votes
                    .iter()
                    .map(|(code, n)| {
                        let by_hand = hand.votes.get(code).copied().unwrap_or(0);
                        (code.clone(), n.saturating_add(by_hand))
                    })
                    .collect(),
            ),
        )),
    }
}

/// A station's part in the council's count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StationReport {
    pub station: String,
    pub standing: StationStanding,
    /// The station's ballots for the council, once its box is closed.
    pub ballots: Option<u64>,
    /// The rules its count breaks, warnings too: shown, never hidden.
    pub broken: Vec<CountRule>,
}

/// A council's count as its stations stand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CouncilCount {
    pub status: ResultStatus,
    /// Ballots in the reported stations' counts.
    pub ballots_cast: u64,
    pub allocation: Allocation,
    /// In the order given.
    pub stations: Vec<StationReport>,
}

impl CouncilCount {
    pub fn stations_reported(&self) -> usize {
        self.stations
            .iter()
            .filter(|s| s.standing == StationStanding::Reported)
            .count()
    }
}

/// A station's report and, when it reports, its votes.
fn report(station: &StationInput, seats: u32) -> (StationReport, Option<Votes<'_>>) {
    let mut report = StationReport {
        station: station.station.clone(),
        standing: StationStanding::NotClosed,
        ballots: None,
        broken: Vec::new(),
    };
    if station.annulled {
        report.standing = StationStanding::Annulled;
        return (report, None);
    }
    if !station.closed {
        return (report, None);
    }
    // The station's voters against all its ballots, by device and by hand.
    report.broken = count_checks::check(&StationCount {
        voters: Some(station.voters),
        ballots: station.ballots,
        ..StationCount::default()
    });
    let by_device = station.tally.as_ref().map_or(0, |tally| tally.ballots);
    report.ballots = Some(by_device.saturating_add(station.paper.ballots()));
    if station.paper == Paper::Awaiting {
        report.standing = StationStanding::HandCountPending;
        return (report, None);
    }
    let Some((_, votes)) = station_count(station.tally.as_ref(), &station.paper) else {
        report.standing = StationStanding::NotCounted;
        return (report, None);
    };
    if let Some(StationTally {
        ballots,
        votes: Some(decrypted),
    }) = &station.tally
    {
        report.broken.extend(count_checks::check(&StationCount {
            voters: None,
            ballots: *ballots,
            votes: decrypted.iter().map(|(_, n)| *n).collect(),
            seats,
            ..StationCount::default()
        }));
    }
    if let Paper::Counted(hand) = &station.paper {
        for rule in paper::check(hand, None, seats) {
            if !report.broken.contains(&rule) {
                report.broken.push(rule);
            }
        }
    }
    if count_checks::blocks(&report.broken) {
        report.standing = StationStanding::CountError;
        return (report, None);
    }
    report.standing = if station.signed {
        StationStanding::Reported
    } else {
        StationStanding::NotSigned
    };
    (report, Some(votes))
}

/// Counts a council: each station checked, the reported stations' votes summed per candidate on
/// the list (votes for a code not on it are not anyone's), the seats allocated.
pub fn count(
    seats: Seats,
    contenders: &[Contender],
    stations: &[StationInput],
    seed: Option<&Seed>,
) -> CouncilCount {
    let mut votes: HashMap<&str, u64> = contenders.iter().map(|c| (c.code.as_str(), 0)).collect();
    let mut ballots_cast: u64 = 0;
    let mut reports = Vec::with_capacity(stations.len());
    for station in stations {
        let (report, counted) = report(station, seats.main);
        if let Some(counted) = counted {
            ballots_cast = ballots_cast.saturating_add(report.ballots.unwrap_or(0));
            for (code, n) in counted.iter() {
                if let Some(sum) = votes.get_mut(code.as_str()) {
                    *sum = sum.saturating_add(*n);
                }
            }
        }
        reports.push(report);
    }
    let standings: Vec<Standing> = contenders
        .iter()
        .map(|c| Standing {
            code: c.code.clone(),
            votes: votes.get(c.code.as_str()).copied().unwrap_or(0),
            veteran_family: c.veteran_family,
            education: c.education,
        })
        .collect();
    let reported = reports
        .iter()
        .filter(|r| r.standing == StationStanding::Reported)
        .count();
    // An annulled station is decided: the council no longer waits for it.
    let annulled = reports
        .iter()
        .filter(|r| r.standing == StationStanding::Annulled)
        .count();
    let in_totals = reports
        .iter()
        .filter(|r| {
            matches!(
                r.standing,
                StationStanding::Reported | StationStanding::NotSigned
            )
        })
        .count();
    let mut allocation = seats::allocate(seats, &standings, seed);
    if in_totals == 0 {
        // Everyone at zero: the tie-breaks would "elect" by family and degree alone.
        for placed in &mut allocation.placed {
            placed.outcome = super::seats::Outcome::Pending;
        }
        allocation.ties.clear();
    }
    CouncilCount {
        status: ResultStatus::reported(reported, reports.len() - annulled),
        ballots_cast,
        allocation,
        stations: reports,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::seats::Outcome;

    fn contender(code: &str) -> Contender {
        Contender {
            code: code.into(),
            veteran_family: false,
            education: Some(Education::Bachelor),
        }
    }

    fn counted(station: &str, votes: &[(&str, u64)], ballots: u64) -> StationInput {
        StationInput {
            station: station.into(),
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
            paper: Paper::Electronic,
        }
    }

    #[test]
    fn a_hand_count_adds_to_the_devices_count_once_accepted_and_is_held_to_every_rule() {
        let contenders = [contender("A"), contender("B")];
        let seats = Seats {
            main: 1,
            alternate: 0,
        };
        // The devices took 4 ballots before they failed; 6 more were cast on paper.
        let mut paper_station = counted("S2", &[("A", 1), ("B", 3)], 4);
        paper_station.voters.check_ins = 10;
        paper_station.paper = Paper::Awaiting;
        let awaiting = count(
            seats,
            &contenders,
            &[
                counted("S1", &[("A", 3), ("B", 1)], 4),
                paper_station.clone(),
            ],
            None,
        );
        assert_eq!(
            awaiting.stations[1].standing,
            StationStanding::HandCountPending
        );
        assert_eq!(
            awaiting.ballots_cast, 4,
            "a pending hand count is not counted"
        );
        assert_eq!(awaiting.status, ResultStatus::UnofficialPartial);
        let hand = HandCount {
            council: "C".into(),
            ballots: 6,
            blank: 1,
            // The blank ballot's one choice.
            unused_choices: 1,
            votes: [("A".to_owned(), 0), ("B".to_owned(), 5)].into(),
        };
        paper_station.paper = Paper::Counted(hand.clone());
        paper_station.ballots = 10;
        let both = count(
            seats,
            &contenders,
            &[
                counted("S1", &[("A", 3), ("B", 1)], 4),
                paper_station.clone(),
            ],
            None,
        );
        assert_eq!(both.stations[1].standing, StationStanding::Reported);
        assert_eq!(both.stations[1].ballots, Some(10));
        assert_eq!(both.ballots_cast, 14);
        assert_eq!(
            both.allocation.placed[0].code, "B",
            "B: 1 + 3 + 5 = 9 votes"
        );
        assert_eq!(both.allocation.placed[0].votes, 9);
        assert_eq!(
            station_count(paper_station.tally.as_ref(), &paper_station.paper)
                .map(|(ballots, votes)| (ballots, votes.into_owned())),
            Some((10, vec![("A".to_owned(), 1), ("B".to_owned(), 8)]))
        );
        // A hand count whose votes exceed its ballots' choices blocks the station's count.
        paper_station.paper = Paper::Counted(HandCount {
            votes: [("A".to_owned(), 4), ("B".to_owned(), 5)].into(),
            ..hand
        });
        let broken = count(seats, &contenders, &[paper_station], None);
        assert_eq!(broken.stations[0].standing, StationStanding::CountError);
        assert!(broken.stations[0]
            .broken
            .contains(&CountRule::VotesExceedChoices));
        assert_eq!(broken.ballots_cast, 0);
    }

    #[test]
    fn an_annulled_station_leaves_the_totals_and_is_no_longer_awaited() {
        let contenders = [contender("A"), contender("B")];
        let seats = Seats {
            main: 1,
            alternate: 0,
        };
        let mut annulled = counted("S2", &[("A", 1), ("B", 9)], 10);
        annulled.annulled = true;
        let result = count(
            seats,
            &contenders,
            &[counted("S1", &[("A", 3), ("B", 1)], 4), annulled],
            None,
        );
        assert_eq!(result.stations[1].standing, StationStanding::Annulled);
        assert_eq!(result.stations[1].ballots, None);
        assert_eq!(result.ballots_cast, 4);
        assert_eq!(
            result.allocation.placed[0].code, "A",
            "B's votes left with the box"
        );
        assert_eq!(result.status, ResultStatus::UnofficialComplete);
    }

    #[test]
    fn unsigned_minutes_count_but_keep_the_council_unofficial_partial() {
        let contenders = [contender("A"), contender("B")];
        let seats = Seats {
            main: 1,
            alternate: 0,
        };
        let mut unsigned = counted("S2", &[("A", 1), ("B", 4)], 5);
        unsigned.signed = false;
        let result = count(
            seats,
            &contenders,
            &[counted("S1", &[("A", 3), ("B", 1)], 4), unsigned.clone()],
            None,
        );
        assert_eq!(result.stations[1].standing, StationStanding::NotSigned);
        assert_eq!(result.status, ResultStatus::UnofficialPartial);
        assert_eq!(result.ballots_cast, 9);
        assert_eq!(result.allocation.placed[0].code, "B");
        unsigned.signed = true;
        let signed = count(
            seats,
            &contenders,
            &[counted("S1", &[("A", 3), ("B", 1)], 4), unsigned],
            None,
        );
        assert_eq!(signed.status, ResultStatus::UnofficialComplete);
    }

    const SEATS: Seats = Seats {
        main: 1,
        alternate: 1,
    };

    #[test]
    fn only_reported_stations_count_and_every_other_says_why() {
        let contenders = [contender("10001"), contender("10002"), contender("10003")];
        let mut open = counted("S4", &[("10003", 50)], 50);
        open.closed = false;
        let mut waiting = counted("S3", &[], 7);
        waiting.tally = Some(StationTally {
            ballots: 7,
            votes: None,
        });
        // More ballots than voters: an error, kept out of the totals.
        let mut stuffed = counted("S2", &[("10003", 40)], 40);
        stuffed.voters.check_ins = 30;
        let stations = [
            counted(
                "S1",
                &[("10001", 3), ("10002", 5), ("10003", 1), ("99999", 1)],
                10,
            ),
            stuffed,
            waiting,
            open,
        ];
        let result = count(SEATS, &contenders, &stations, None);
        let standings: Vec<StationStanding> = result.stations.iter().map(|s| s.standing).collect();
        assert_eq!(
            standings,
            [
                StationStanding::Reported,
                StationStanding::CountError,
                StationStanding::NotCounted,
                StationStanding::NotClosed
            ]
        );
        assert_eq!(result.stations[1].broken, [CountRule::BallotsExceedVoters]);
        assert_eq!(result.ballots_cast, 10);
        assert_eq!(result.status, ResultStatus::UnofficialPartial);
        let placed: Vec<(&str, u64, Outcome)> = result
            .allocation
            .placed
            .iter()
            .map(|p| (p.code.as_str(), p.votes, p.outcome))
            .collect();
        assert_eq!(
            placed,
            [
                ("10002", 5, Outcome::Member),
                ("10001", 3, Outcome::Alternate),
                ("10003", 1, Outcome::None)
            ]
        );
    }

    #[test]
    fn a_closed_station_without_ballots_for_the_council_reports_nothing_to_add() {
        let mut empty = counted("S1", &[], 0);
        empty.tally = None;
        let result = count(SEATS, &[contender("10001")], &[empty.clone()], None);
        assert_eq!(result.stations[0].standing, StationStanding::Reported);
        assert_eq!(result.stations[0].ballots, Some(0));
        assert_eq!(result.status, ResultStatus::UnofficialComplete);
        assert_eq!(result.allocation.placed[0].outcome, Outcome::Member);
    }

    #[test]
    fn before_any_station_reports_nobody_is_elected() {
        let mut open = counted("S1", &[], 0);
        open.closed = false;
        let mut veteran = contender("10002");
        veteran.veteran_family = true;
        let result = count(SEATS, &[contender("10001"), veteran], &[open], None);
        assert!(result
            .allocation
            .placed
            .iter()
            .all(|p| p.outcome == Outcome::Pending && p.votes == 0));
        assert!(result.allocation.ties.is_empty());
        assert_eq!(result.status, ResultStatus::UnofficialPartial);
    }
}
