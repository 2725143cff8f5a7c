//! A complete, honest election record of made-up ballots, built with the same calls a real
//! election makes: for the demo, the benchmarks and the tests of everything that reads a record.

use crate::ballot::{self, BallotStyle};
use crate::ceremony::{self, ElectionKey, Guardian};
use crate::record::{
    CastBallot, ChallengedBallot, CouncilTally, Counts, KioskChain, Manifest, StationRecord,
};
use crate::tally::EncryptedTally;
use crate::tracking::TrackingCode;
use crate::CryptoResult;
use rand::{CryptoRng, Rng, RngCore};

/// What to build.
#[derive(Debug, Clone)]
pub struct SampleSpec {
    pub style: BallotStyle,
    pub stations: Vec<String>,
    pub kiosks_per_station: usize,
    pub ballots_per_kiosk: usize,
    /// Every n-th ballot a kiosk makes is challenged instead of cast (none when `None`).
    pub challenge_every: Option<usize>,
    pub guardians: usize,
    pub threshold: usize,
}

/// The record, and what made it: the election key and the guardians (whose shares a real
/// record never holds).
pub struct Sample {
    pub manifest: Manifest,
    pub stations: Vec<StationRecord>,
    pub key: ElectionKey,
    pub guardians: Vec<Guardian>,
}

/// Random choices within the seats: a voter marks between none and `seats` candidates.
pub fn random_choices<R: RngCore>(rng: &mut R, candidates: usize, seats: u32) -> Vec<bool> {
    let mut flags = vec![false; candidates];
    let marks = rng.gen_range(0..=(seats as usize).min(candidates));
    let mut marked = 0;
    while marked < marks {
        let at = rng.gen_range(0..candidates);
        if !flags[at] {
            flags[at] = true;
            marked += 1;
        }
    }
    flags
}

/// Builds the record: a ceremony every guardian confirms, the ballots (random choices) on
/// each kiosk's chain, each station's tally decrypted by the first `threshold` guardians, and
/// the counts.
pub fn build<R: CryptoRng + RngCore>(spec: &SampleSpec, rng: &mut R) -> CryptoResult<Sample> {
    let election = spec.style.election.clone();
    let names: Vec<String> = (1..=spec.guardians)
        .map(|n| format!("guardian {n}"))
        .collect();
    let (mut ceremony, shares) = ceremony::deal(&election, &names, spec.threshold, rng)?;
    let key = ceremony.key()?;
    let guardians = shares
        .into_iter()
        .enumerate()
        .map(|(index, share)| Guardian::new(&key, index, share))
        .collect::<CryptoResult<Vec<_>>>()?;
    for guardian in &guardians {
        ceremony.confirm(guardian.confirmation(rng))?;
    }
    let candidates = spec.style.candidates.len();
    let mut stations = Vec::with_capacity(spec.stations.len());
    for station in &spec.stations {
        let mut kiosks = Vec::new();
        let mut cast = Vec::new();
        let mut challenged = Vec::new();
        let mut votes = vec![0_u64; candidates];
        for k in 1..=spec.kiosks_per_station {
            let kiosk = format!("K-{k}");
            let mut at = TrackingCode::start(&election, station, &kiosk);
            for n in 1..=spec.ballots_per_kiosk {
                let choices = random_choices(rng, candidates, spec.style.seats);
                let (sealed, opening) =
                    ballot::encrypt(key.public(), &spec.style, station, &choices, rng)?;
                let code = at.next(&sealed)?;
                if spec
                    .challenge_every
                    .is_some_and(|every| every > 0 && n % every == 0)
                {
                    challenged.push(ChallengedBallot {
                        kiosk: kiosk.clone(),
                        council: spec.style.council.clone(),
                        tracking_code: code,
                        previous: at,
                        ballot: sealed,
                        opening,
                    });
                } else {
                    for (count, &flag) in votes.iter_mut().zip(&choices) {
                        *count += u64::from(flag);
                    }
                    cast.push(CastBallot {
                        kiosk: kiosk.clone(),
                        council: spec.style.council.clone(),
                        tracking_code: code,
                        previous: at,
                        ballot: sealed,
                    });
                }
                at = code;
            }
            kiosks.push(KioskChain {
                kiosk,
                ballots: spec.ballots_per_kiosk as u64,
                head: at,
            });
        }
        let tally = EncryptedTally::of(candidates, cast.iter().map(|c| &c.ballot))?;
        let shares = guardians
            .iter()
            .take(spec.threshold)
            .map(|guardian| guardian.decrypt(&tally, rng))
            .collect();
        let mut record = StationRecord {
            election: election.clone(),
            station: station.clone(),
            kiosks,
            tallies: vec![CouncilTally {
                council: spec.style.council.clone(),
                counts: Some(Counts {
                    ballots: cast.len() as u64,
                    votes,
                }),
                tally,
                shares,
            }],
            ballots: cast,
            challenged,
        };
        record.sort();
        stations.push(record);
    }
    Ok(Sample {
        manifest: Manifest {
            election,
            ceremony,
            styles: vec![spec.style.clone()],
            stations: spec.stations.clone(),
        },
        stations,
        key,
        guardians,
    })
}
