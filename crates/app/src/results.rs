//! Results (issue 18): a council's result from its stations' decrypted counts, by the rules of
//! `domain::results::council` — each station's count checked, the votes summed over the stations
//! that reported, the seats allocated with ties broken in the law's order — and what is still
//! missing. Public: the counts are the published record's.

use crate::record::manifest_head;
use crate::tallies::Tallies;
use crate::{Context, Error, Result};
use ballot_crypto::record::Manifest;
use domain::election::{Council, Seats};
use domain::results::certification::{self, KeptStep, Step};
use domain::results::council::{self, Contender, CouncilCount, Paper, StationInput, StationTally};
use domain::results::count_checks::{CountRule, Voters};
use domain::results::minutes::SigningState;
use domain::results::published::{
    PublishedCandidate, PublishedCouncil, PublishedLottery, PublishedResults, PublishedStation,
};
use domain::results::seats::Tie;
pub use domain::results::status::{ResultStatus, StationStanding};
use domain::station_day::DayState;
use std::collections::HashMap;
use store::certifications::{CertificationStep, ResultNow};
use store::hand_counts::PaperStation;
use store::{PageRequest, StationFilter, Store};

#[derive(Clone, Copy)]
pub struct Results<'a> {
    pub(crate) store: &'a dyn Store,
    pub(crate) ctx: Context<'a>,
}

/// A station's part in a council's result.
#[derive(Debug, Clone)]
pub struct StationReport {
    pub code: String,
    pub name: String,
    pub state: DayState,
    pub standing: StationStanding,
    /// The station's ballots for the council, once its box is closed.
    pub ballots: Option<u64>,
    /// The rules its count breaks (warnings too): a mismatch is shown, never hidden.
    pub broken: Vec<CountRule>,
    /// Its voters, all councils together, once its box is closed.
    pub voters: Option<Voters>,
    /// Its current minutes' version and where they stand among their signers, once drawn.
    pub minutes: Option<(u32, SigningState)>,
    /// The supervision board's reason, when its box is annulled.
    pub annulled: Option<String>,
}

/// A council's result as its stations stand.
#[derive(Debug, Clone)]
pub struct CouncilResult {
    pub council: Council,
    /// The certified status when a certification stands, else the stations' (`reported`).
    pub status: ResultStatus,
    /// What the stations' reports give: unofficial-partial or -complete.
    pub reported: ResultStatus,
    /// Every certification step, oldest first.
    pub certification: Vec<CertificationStep>,
    /// The result is no longer the one approved (an input changed since): it is to be
    /// reopened and approved anew.
    pub changed_since_approval: bool,
    /// The digest of the result before any lottery: what a certification fixes.
    pub digest: String,
    /// The lottery's commitment once approved with ties only it breaks; its seed once
    /// confirmed (then the ties are drawn).
    pub lottery: Option<PublishedLottery>,
    /// Ballots in the reported stations' counts.
    pub ballots_cast: u64,
    /// Best first.
    pub candidates: Vec<PublishedCandidate>,
    pub ties: Vec<Tie>,
    /// Every station serving the council, in code order.
    pub stations: Vec<StationReport>,
}

impl CouncilResult {
    pub fn stations_total(&self) -> usize {
        self.stations.len()
    }

    pub fn stations_reported(&self) -> usize {
        self.stations
            .iter()
            .filter(|s| s.standing == StationStanding::Reported)
            .count()
    }

    /// The stations not in the totals yet, and those whose counts carry a finding.
    pub fn flagged(&self) -> impl Iterator<Item = &StationReport> {
        self.stations
            .iter()
            .filter(|s| s.standing != StationStanding::Reported || !s.broken.is_empty())
    }
}

/// A closed station's part in every council it serves: its voters, its ballots, and per council
/// its tally's ballots and, once decrypted, votes by candidate code.
#[derive(Debug, Clone)]
pub(crate) struct ClosedStation {
    pub(crate) voters: Voters,
    pub(crate) ballots: u64,
    pub(crate) tallies: Vec<(String, StationTally)>,
    /// Its fallback to paper and hand counts, when its devices failed.
    pub(crate) paper: Option<PaperStation>,
}

impl ClosedStation {
    /// Its paper ballots for the council: none when its devices worked, else its hand count
    /// once accepted.
    pub(crate) fn paper(&self, council: &str) -> Paper {
        match &self.paper {
            None => Paper::Electronic,
            Some(paper) => paper
                .council(council)
                .and_then(store::hand_counts::CouncilHandCount::accepted)
                .map_or(Paper::Awaiting, Paper::Counted),
        }
    }

    pub(crate) fn tally(&self, council: &str) -> Option<&StationTally> {
        self.tallies
            .iter()
            .find(|(c, _)| c == council)
            .map(|(_, tally)| tally)
    }

    /// The councils it counts for, by device or by hand, in the order of its tallies.
    pub(crate) fn councils(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self.tallies.iter().map(|(c, _)| c.as_str()).collect();
        for counted in self.paper.iter().flat_map(|p| &p.councils) {
            if !out.contains(&counted.council.as_str()) {
                out.push(&counted.council);
            }
        }
        out
    }

    fn input(&self, station: &str, council: &str, signed: bool, annulled: bool) -> StationInput {
        StationInput {
            paper: self.paper(council),
            signed,
            annulled,
            station: station.to_owned(),
            closed: true,
            voters: self.voters,
            ballots: self.ballots,
            tally: self.tally(council).cloned(),
        }
    }
}

/// What the stations of an election (or of a council) tell: each station's day, each closed
/// one's count, and where each one's current minutes stand among their signers.
struct Stations {
    days: HashMap<String, DayState>,
    closed: HashMap<String, ClosedStation>,
    minutes: HashMap<String, (u32, SigningState)>,
    /// The annulled boxes and the supervision board's reasons.
    annulled: HashMap<String, String>,
    /// Each council's certification steps, oldest first.
    certifications: HashMap<String, Vec<CertificationStep>>,
}

impl Stations {
    fn signed(&self, station: &str) -> bool {
        self.minutes
            .get(station)
            .is_some_and(|(_, state)| state.fully_signed())
    }

    fn state(&self, station: &str) -> DayState {
        self.days
            .get(station)
            .copied()
            .unwrap_or(DayState::NotOpened)
    }
}

/// A council's result from its candidates and the stations serving it.
fn result_of(
    council: Council,
    candidates: &[&domain::ballot::Candidate],
    serving: &[&domain::station::Station],
    stations: &Stations,
) -> CouncilResult {
    let candidates_listed = candidates;
    let contenders: Vec<Contender> = candidates
        .iter()
        .map(|c| Contender {
            code: c.code.clone(),
            veteran_family: c.veteran_family,
            education: c.education,
        })
        .collect();
    let inputs: Vec<StationInput> = serving
        .iter()
        .map(|s| match stations.closed.get(&s.code) {
            Some(closed) => closed.input(
                &s.code,
                &council.code,
                stations.signed(&s.code),
                stations.annulled.contains_key(&s.code),
            ),
            None => StationInput {
                signed: false,
                annulled: stations.annulled.contains_key(&s.code),
                station: s.code.clone(),
                closed: false,
                voters: Voters::default(),
                ballots: 0,
                tally: None,
                paper: Paper::Electronic,
            },
        })
        .collect();
    // The lottery's seed is drawn and committed with the council's certification; until then a
    // tie only it can break stays undecided.
    let CouncilCount {
        status,
        ballots_cast,
        allocation,
        stations: reports,
    } = council::count(
        Seats {
            main: council.main_seats,
            alternate: council.alternate_seats,
        },
        &contenders,
        &inputs,
        None,
    );
    let candidates = placed_candidates(candidates, &allocation);
    let station_reports = reports
        .into_iter()
        .zip(serving)
        .map(|(report, station)| StationReport {
            name: station.name.clone(),
            state: stations.state(&station.code),
            voters: stations.closed.get(&station.code).map(|c| c.voters),
            minutes: stations.minutes.get(&station.code).cloned(),
            annulled: stations.annulled.get(&station.code).cloned(),
            code: report.station,
            standing: report.standing,
            ballots: report.ballots,
            broken: report.broken,
        })
        .collect();
    let certification = stations
        .certifications
        .get(&council.code)
        .cloned()
        .unwrap_or_default();
    let mut result = CouncilResult {
        council,
        status,
        reported: status,
        certification,
        changed_since_approval: false,
        digest: String::new(),
        lottery: None,
        ballots_cast,
        candidates,
        ties: allocation.ties,
        stations: station_reports,
    };
    // What a certification fixes: the result before any lottery.
    result.digest = certification::digest(&result.published());
    let kept: Vec<KeptStep> = result
        .certification
        .iter()
        .map(CertificationStep::kept)
        .collect();
    let Some(certified) = certification::level(&kept) else {
        return result;
    };
    result.changed_since_approval =
        certification::approved_digest(&kept) != Some(result.digest.as_str());
    if result.changed_since_approval {
        // What the certification certified is no longer what the stations give: the result is
        // unofficial again until reopened and certified anew (the steps stay on record).
        return result;
    }
    result.status = certified;
    // The approval in force drew the lottery's seed for ties only it breaks: its commitment is
    // public; confirmed, the seed is revealed and the draw decides the ties.
    let seed = result
        .certification
        .iter()
        .rev()
        .take_while(|s| s.step != Step::Reopen)
        .find(|s| s.step == Step::Approve)
        .and_then(|s| s.lottery_seed.clone())
        .and_then(|text| domain::results::lottery::parse_seed(&text).map(|seed| (text, seed)));
    if let Some((text, seed)) = seed {
        let revealed = certified.is_certified();
        result.lottery = Some(PublishedLottery {
            commitment: domain::results::lottery::commitment(&seed),
            seed: revealed.then_some(text),
        });
        if revealed {
            let drawn = council::count(
                Seats {
                    main: result.council.main_seats,
                    alternate: result.council.alternate_seats,
                },
                &contenders,
                &inputs,
                Some(&seed),
            );
            result.candidates = placed_candidates(candidates_listed, &drawn.allocation);
            result.ties = drawn.allocation.ties;
        }
    }
    result
}

/// The allocation's candidates, best first, with their names and tie-break facts.
fn placed_candidates(
    candidates: &[&domain::ballot::Candidate],
    allocation: &domain::results::seats::Allocation,
) -> Vec<PublishedCandidate> {
    let by_code: HashMap<&str, &&domain::ballot::Candidate> =
        candidates.iter().map(|c| (c.code.as_str(), c)).collect();
    allocation
        .placed
        .iter()
        .filter_map(|placed| {
            let candidate = by_code.get(placed.code.as_str())?;
            Some(PublishedCandidate {
                code: placed.code.clone(),
                name: format!("{} {}", candidate.first_name, candidate.last_name),
                votes: placed.votes,
                rank: placed.rank,
                outcome: placed.outcome,
                veteran_family: candidate.veteran_family,
                education: candidate.education,
            })
        })
        .collect()
}

impl Results<'_> {
    /// Annuls a station's box with a reason (`annul`), or lifts its annulment: the supervision
    /// board covering the station's county.
    pub async fn annul(
        self,
        principal: Option<&domain::access::Principal>,
        station: &str,
        reason: &str,
        annul: bool,
    ) -> Result<()> {
        let found = self
            .store
            .station(station)
            .await?
            .ok_or(Error::NotFound(store::Entity::Station))?;
        let principal = crate::authorize(
            principal,
            domain::access::Action::AnnulStation {
                county: &found.county_code,
            },
        )?;
        let election = self.ctx.cached().election_code().await?;
        let by = self.ctx.actor(principal);
        if annul {
            self.store
                .annul_station(election, &found.code, reason, &by)
                .await?;
        } else {
            self.store
                .restore_station(election, &found.code, reason, &by)
                .await?;
        }
        Ok(())
    }

    /// Takes a certification step on a council's result (issue 18 §5): approved by the county's
    /// executive board once complete, confirmed by the supervision board without complaints
    /// pending, published; reopened with a reason. The step fixes the result as computed now.
    pub async fn certify(
        self,
        principal: Option<&domain::access::Principal>,
        code: &str,
        step: Step,
        reason: &str,
    ) -> Result<CertificationStep> {
        let council = self.ctx.lookups.council(code).await?;
        let principal = crate::authorize(
            principal,
            domain::access::Action::CertifyResult {
                county: &council.county_code,
                step,
            },
        )?;
        let result = self.council(&council.code).await?;
        let published = result.published();
        let awaiting = result.ties.iter().any(|t| t.awaiting_lottery);
        let now = ResultNow {
            council: council.code.clone(),
            reported: result.reported,
            digest: result.digest.clone(),
            result: serde_json::to_string(&published)
                .map_err(|e| Error::Internal(format!("the result as text: {e}")))?,
            // A tie only the lottery breaks: the seed is drawn now and committed with the
            // approval, to be revealed with the confirmation.
            lottery_seed: (step == Step::Approve && awaiting).then(crate::random::random_hex::<32>),
            complaints_window: domain::results::complaints::window(
                &self.ctx.cached().election().await?,
            ),
        };
        let election = self.ctx.cached().election_code().await?;
        Ok(self
            .store
            .certify(election, &now, step, reason, &self.ctx.actor(principal))
            .await?)
    }

    /// A council's result as its stations have reported (public). `NotFound` for an unknown
    /// council.
    pub async fn council(self, code: &str) -> Result<CouncilResult> {
        let council = self.ctx.lookups.council(code).await?;
        let election = self.ctx.cached().election_code().await?;
        let candidates = self.store.candidates(election, &council.code).await?;
        let serving = self
            .stations(StationFilter {
                council: Some(council.code.clone()),
                closed: Some(false),
                ..StationFilter::default()
            })
            .await?;
        let stations = self
            .read_stations(election, Some(&council.county_code), &serving)
            .await?;
        let candidates: Vec<&domain::ballot::Candidate> = candidates.iter().collect();
        let serving: Vec<&domain::station::Station> = serving.iter().collect();
        Ok(result_of(council, &candidates, &serving, &stations))
    }

    /// Every council's result, in council code order (public): what the published results hold.
    pub async fn all(self) -> Result<Vec<CouncilResult>> {
        self.area(None).await
    }

    /// Every council's result in a county (public), in council code order: the county's page
    /// and the aggregation by county. `NotFound` for an unknown county.
    pub async fn county(self, county: &str) -> Result<Vec<CouncilResult>> {
        self.ctx.lookups.county(county).await?;
        self.area(Some(county)).await
    }

    /// The councils of a county, or of the province, each with its result.
    async fn area(self, county: Option<&str>) -> Result<Vec<CouncilResult>> {
        let election = self.ctx.cached().election_code().await?;
        let councils = self.ctx.cached().councils().await?;
        let candidates = self.store.all_candidates(election).await?;
        let in_area: std::collections::HashSet<&str> = councils
            .iter()
            .filter(|c| county.is_none_or(|k| c.county_code == k))
            .map(|c| c.code.as_str())
            .collect();
        // A county's councils are served by its stations and by any mobile station of another
        // county stopping there: stations are chosen by the councils they serve.
        let all: Vec<domain::station::Station> = self
            .stations(StationFilter {
                closed: Some(false),
                ..StationFilter::default()
            })
            .await?
            .into_iter()
            .filter(|s| s.councils().iter().any(|c| in_area.contains(c)))
            .collect();
        let stations = self.read_stations(election, None, &all).await?;
        let mut serving: HashMap<&str, Vec<&domain::station::Station>> = HashMap::new();
        for station in &all {
            for council in station.councils() {
                serving.entry(council).or_default().push(station);
            }
        }
        let mut listed: HashMap<&str, Vec<&domain::ballot::Candidate>> = HashMap::new();
        for candidate in &candidates {
            listed
                .entry(&candidate.council)
                .or_default()
                .push(candidate);
        }
        let mut councils: Vec<&Council> = councils
            .iter()
            .filter(|c| county.is_none_or(|k| c.county_code == k))
            .collect();
        councils.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(councils
            .into_iter()
            .map(|council| {
                result_of(
                    council.clone(),
                    listed
                        .get(council.code.as_str())
                        .map_or(&[][..], Vec::as_slice),
                    serving
                        .get(council.code.as_str())
                        .map_or(&[][..], Vec::as_slice),
                    &stations,
                )
            })
            .collect())
    }

    /// The days of a county's stations (or the province's) and the counts of the closed ones
    /// among `wanted`.
    async fn read_stations(
        self,
        election: &str,
        county: Option<&str>,
        wanted: &[domain::station::Station],
    ) -> Result<Stations> {
        let manifest = match manifest_head(self.store, election).await {
            Ok(manifest) => Some(manifest),
            // Before the key ceremony nothing can have been cast or counted.
            Err(Error::NotFound(store::Entity::ElectionKey)) => None,
            Err(e) => return Err(e),
        };
        let mut days: HashMap<String, DayState> = self
            .store
            .station_day_board(election, county)
            .await?
            .into_iter()
            .map(|s| (s.code, s.day.state))
            .collect();
        let mut paper: HashMap<String, PaperStation> = self
            .store
            .paper_stations(election)
            .await?
            .into_iter()
            .map(|p| (p.station.clone(), p))
            .collect();
        let mut closed = HashMap::new();
        for station in wanted {
            if !days.contains_key(&station.code) {
                // A mobile station of another county stopping in this one.
                if let Some(day) = self.store.station_day(election, &station.code).await? {
                    days.insert(station.code.clone(), day.state);
                }
            }
            let state = days
                .get(&station.code)
                .copied()
                .unwrap_or(DayState::NotOpened);
            if let (Some(manifest), true) = (&manifest, domain::tally::decryptable(state)) {
                closed.insert(
                    station.code.clone(),
                    self.closed_station(manifest, &station.code, paper.remove(&station.code))
                        .await?,
                );
            }
        }
        let minutes = self
            .store
            .current_minutes(election)
            .await?
            .into_iter()
            .map(|current| {
                let state = current.state();
                (
                    current.minutes.station.clone(),
                    (current.minutes.version, state),
                )
            })
            .collect();
        let annulled = self
            .store
            .annulments(election)
            .await?
            .into_iter()
            .map(|a| (a.station, a.reason))
            .collect();
        let mut certifications: HashMap<String, Vec<CertificationStep>> = HashMap::new();
        for step in self.store.certifications(election).await? {
            certifications
                .entry(step.council.clone())
                .or_default()
                .push(step);
        }
        Ok(Stations {
            days,
            closed,
            minutes,
            annulled,
            certifications,
        })
    }

    /// A closed station's voters, ballots and tallies, with its hand counts when it fell back to
    /// paper (`paper`, as the store keeps them).
    pub(crate) async fn closed_station(
        self,
        manifest: &Manifest,
        station: &str,
        paper: Option<PaperStation>,
    ) -> Result<ClosedStation> {
        let tallies = Tallies {
            store: self.store,
            ctx: self.ctx,
        }
        .counted(manifest, station)
        .await?;
        let counts = self
            .store
            .station_counts(&manifest.election, station)
            .await?;
        let mut out = ClosedStation {
            voters: Voters {
                check_ins: u64::try_from(counts.checkins).unwrap_or(0),
                walkouts: u64::try_from(counts.walkouts).unwrap_or(0),
            },
            ballots: tallies.iter().map(|t| t.sum.ballots).sum(),
            tallies: Vec::with_capacity(tallies.len()),
            paper,
        };
        for tally in tallies {
            let votes = match &tally.counts {
                None => None,
                Some(decrypted) => {
                    let style = manifest
                        .styles
                        .iter()
                        .find(|style| style.council == tally.sum.council)
                        .ok_or_else(|| {
                            Error::Internal(format!("council {} has no style", tally.sum.council))
                        })?;
                    Some(
                        style
                            .candidates
                            .iter()
                            .cloned()
                            .zip(decrypted.votes.iter().copied())
                            .collect(),
                    )
                }
            };
            out.tallies.push((
                tally.sum.council.clone(),
                StationTally {
                    ballots: tally.sum.ballots,
                    votes,
                },
            ));
        }
        let by_hand: u64 = out.councils().iter().map(|c| out.paper(c).ballots()).sum();
        out.ballots = out.ballots.saturating_add(by_hand);
        Ok(out)
    }

    /// The station's fallback to paper and hand counts, if it was declared.
    pub(crate) async fn paper_station(
        self,
        election: &str,
        station: &str,
    ) -> Result<Option<PaperStation>> {
        Ok(self
            .store
            .paper_stations(election)
            .await?
            .into_iter()
            .find(|p| p.station == station))
    }

    /// Every station the filter finds, every page, in code order.
    async fn stations(self, filter: StationFilter) -> Result<Vec<domain::station::Station>> {
        let mut stations = Vec::new();
        let mut page = 1;
        loop {
            let found = self
                .store
                .stations(&filter, PageRequest::new(page, PageRequest::MAX_PER_PAGE))
                .await?;
            let pages = found.pages();
            stations.extend(found.items);
            if i64::from(page) >= pages {
                break;
            }
            page += 1;
        }
        stations.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(stations)
    }
}

impl CouncilResult {
    /// The council's result as published: what it rests on and what it says.
    pub fn published(&self) -> PublishedCouncil {
        PublishedCouncil {
            council: self.council.code.clone(),
            name: self.council.name.clone(),
            county: self.council.county_code.clone(),
            main_seats: self.council.main_seats,
            alternate_seats: self.council.alternate_seats,
            status: self.status,
            ballots_cast: self.ballots_cast,
            candidates: self.candidates.clone(),
            ties: self.ties.iter().map(Into::into).collect(),
            stations: self
                .stations
                .iter()
                .map(|s| PublishedStation {
                    station: s.code.clone(),
                    standing: s.standing,
                    annulled: s.annulled.clone(),
                    voters: s.voters.map(Into::into),
                    ballots: s.ballots,
                    findings: s.broken.clone(),
                })
                .collect(),
            lottery: self.lottery.clone(),
            certified_digest: (self.status > ResultStatus::UnofficialComplete)
                .then(|| {
                    let kept: Vec<KeptStep> = self
                        .certification
                        .iter()
                        .map(CertificationStep::kept)
                        .collect();
                    certification::approved_digest(&kept).map(str::to_owned)
                })
                .flatten(),
        }
    }
}

impl Results<'_> {
    /// Every council's result as published next to the election record (public).
    pub async fn published(self) -> Result<PublishedResults> {
        let election = self.ctx.cached().election_code().await?.to_owned();
        Ok(PublishedResults {
            election,
            councils: self
                .all()
                .await?
                .iter()
                .map(CouncilResult::published)
                .collect(),
        })
    }
}

impl Results<'_> {
    /// Every council's result in NIST SP 1500-100 Rev. 2 (JSON): the candidate structure with
    /// the counts, the report's status, and whether it is a test.
    pub async fn nist(self, is_test: bool) -> Result<serde_json::Value> {
        let election = self.ctx.cached().election().await?;
        let councils = self.ctx.cached().councils().await?;
        let candidates = self.store.all_candidates(&election.code).await?;
        let counties = crate::candidates::counties(&self.ctx).await?;
        let results = self.published().await?;
        Ok(domain::nist::results_report(
            &crate::candidates::ISSUER,
            &election,
            &counties,
            &councils,
            &candidates,
            &results,
            self.ctx.clock.now(),
            is_test,
        ))
    }
}

/// A station's results page: its day, and once its box is closed, each council's count at the
/// station and the receipts of the ballots counted.
#[derive(Debug, Clone)]
pub struct StationResult {
    pub station: domain::station::Station,
    pub state: DayState,
    /// Per council it took ballots for (by code): its ballots and, once decrypted, votes by
    /// candidate code in the ballot's order.
    pub councils: Vec<(String, StationTally)>,
    /// Its voters, once closed.
    pub voters: Option<Voters>,
    /// Every cast ballot's receipt, ascending; empty until the box is closed.
    pub receipts: Vec<String>,
    /// Its fallback to paper and hand counts, when its devices failed.
    pub paper: Option<PaperStation>,
}

impl Results<'_> {
    /// A station's count and the receipts it counted (public). `NotFound` for an unknown
    /// station; a station still voting shows its day only.
    pub async fn station(self, code: &str) -> Result<StationResult> {
        let station = self
            .store
            .station(code)
            .await?
            .ok_or(Error::NotFound(store::Entity::Station))?;
        let election = self.ctx.cached().election_code().await?;
        let state = self
            .store
            .station_day(election, &station.code)
            .await?
            .map_or(DayState::NotOpened, |day| day.state);
        let mut out = StationResult {
            station,
            state,
            councils: Vec::new(),
            voters: None,
            receipts: Vec::new(),
            paper: self.paper_station(election, code).await?,
        };
        if !domain::tally::decryptable(state) {
            return Ok(out);
        }
        let manifest = match manifest_head(self.store, election).await {
            Ok(manifest) => manifest,
            Err(Error::NotFound(store::Entity::ElectionKey)) => return Ok(out),
            Err(e) => return Err(e),
        };
        let closed = self
            .closed_station(&manifest, &out.station.code, out.paper.clone())
            .await?;
        out.voters = Some(closed.voters);
        out.councils = closed.tallies;
        out.receipts = self
            .store
            .station_receipts(election, &out.station.code)
            .await?;
        Ok(out)
    }
}
