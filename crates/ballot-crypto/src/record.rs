//! The published election record and its verifier: the ceremony, the ballot styles, and per
//! station every encrypted ballot with its tracking code (ordered by code, which says nothing
//! of the order of voting), the challenged ballots with their openings, the encrypted tally,
//! the guardians' decryption shares and the counts. [`verify`] checks every proof, every
//! chain, every sum and every decryption, and names what is wrong.

use crate::ballot::{self, BallotOpening, BallotStyle, EncryptedBallot};
use crate::ceremony::{CeremonyRecord, ElectionKey};
use crate::tally::{self, DecryptionShare, EncryptedTally};
use crate::tracking::TrackingCode;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The election's part of the record.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub election: String,
    pub ceremony: CeremonyRecord,
    /// One ballot style per council.
    pub styles: Vec<BallotStyle>,
    /// Every station that voted, so a station left out of the record is found.
    pub stations: Vec<String>,
}

/// A kiosk's chain as its station closed: how many ballots (cast and challenged) it made and
/// the last tracking code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KioskChain {
    pub kiosk: String,
    pub ballots: u64,
    pub head: TrackingCode,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CastBallot {
    pub kiosk: String,
    /// The council it was cast for (a mobile station serves several).
    pub council: String,
    pub tracking_code: TrackingCode,
    pub previous: TrackingCode,
    pub ballot: EncryptedBallot,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChallengedBallot {
    pub kiosk: String,
    pub council: String,
    pub tracking_code: TrackingCode,
    pub previous: TrackingCode,
    pub ballot: EncryptedBallot,
    pub opening: BallotOpening,
}

/// A station's decrypted count: ballots cast, and votes per candidate in the style's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub ballots: u64,
    pub votes: Vec<u64>,
}

/// A station's part of the record: its kiosks' chains, every ballot made on them, and one
/// tally per council it took ballots for.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StationRecord {
    pub election: String,
    pub station: String,
    pub kiosks: Vec<KioskChain>,
    pub ballots: Vec<CastBallot>,
    pub challenged: Vec<ChallengedBallot>,
    pub tallies: Vec<CouncilTally>,
}

/// The sum of a station's ballots for one council, its decryption and its count.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CouncilTally {
    pub council: String,
    pub tally: EncryptedTally,
    pub shares: Vec<DecryptionShare>,
    /// `None` until the guardians have decrypted the tally.
    pub counts: Option<Counts>,
}

impl StationRecord {
    /// Puts the ballots in tracking-code order, which carries no order of voting.
    pub fn sort(&mut self) {
        self.ballots.sort_by_key(|cast| cast.tracking_code);
        self.challenged
            .sort_by_key(|challenged| challenged.tracking_code);
        self.kiosks.sort_by(|a, b| a.kiosk.cmp(&b.kiosk));
        self.tallies.sort_by(|a, b| a.council.cmp(&b.council));
    }

    /// One tally per council of the station's cast ballots, summed (no shares, no counts).
    pub fn sum_tallies(&self, manifest: &Manifest) -> crate::CryptoResult<Vec<CouncilTally>> {
        let mut councils: Vec<&str> = self.ballots.iter().map(|b| b.council.as_str()).collect();
        councils.sort_unstable();
        councils.dedup();
        councils
            .into_iter()
            .map(|council| {
                let candidates = manifest
                    .styles
                    .iter()
                    .find(|style| style.council == council)
                    .map(|style| style.candidates.len())
                    .ok_or_else(|| {
                        crate::CryptoError::Malformed(format!("council {council} has no style"))
                    })?;
                Ok(CouncilTally {
                    council: council.to_owned(),
                    tally: EncryptedTally::of(
                        candidates,
                        self.ballots
                            .iter()
                            .filter(|b| b.council == council)
                            .map(|b| &b.ballot),
                    )?,
                    shares: Vec::new(),
                    counts: None,
                })
            })
            .collect()
    }
}

/// Something wrong in a record, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub station: Option<String>,
    pub what: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.station {
            Some(station) => write!(f, "station {station}: {}", self.what),
            None => f.write_str(&self.what),
        }
    }
}

/// What [`verify`] checked, for its report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checked {
    pub stations: usize,
    pub ballots: usize,
    pub challenged: usize,
    pub decryption_shares: usize,
}

/// Verifies a whole record on `threads` threads: the findings (none for an honest record) and
/// what was checked.
pub fn verify(
    manifest: &Manifest,
    stations: &[StationRecord],
    threads: usize,
) -> (Vec<Finding>, Checked) {
    let mut findings = Vec::new();
    let election_finding = |what: String| Finding {
        station: None,
        what,
    };
    if manifest.ceremony.election != manifest.election {
        findings.push(election_finding(
            "the key ceremony is another election's".into(),
        ));
    }
    let key = match manifest.ceremony.key() {
        Ok(key) => key,
        Err(error) => {
            findings.push(election_finding(error.to_string()));
            return (findings, Checked::default());
        }
    };
    if let Err(error) = manifest.ceremony.confirmed(&key) {
        findings.push(election_finding(format!(
            "a guardian's confirmation: {error}"
        )));
    }
    let listed: BTreeSet<&str> = manifest.stations.iter().map(String::as_str).collect();
    let present: BTreeSet<&str> = stations.iter().map(|s| s.station.as_str()).collect();
    for missing in listed.difference(&present) {
        findings.push(election_finding(format!(
            "station {missing} is listed but its record is missing"
        )));
    }
    for extra in present.difference(&listed) {
        findings.push(election_finding(format!(
            "station {extra} has a record but is not listed"
        )));
    }
    if present.len() != stations.len() {
        findings.push(election_finding("a station's record appears twice".into()));
    }
    let threads = threads.max(1);
    let chunk = stations.len().div_ceil(threads).max(1);
    let per_station: Vec<Vec<Finding>> = std::thread::scope(|scope| {
        let workers: Vec<_> = stations
            .chunks(chunk)
            .map(|part| {
                let key = &key;
                scope.spawn(move || {
                    part.iter()
                        .flat_map(|station| verify_station(manifest, key, station))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| {
                worker
                    .join()
                    .unwrap_or_else(|_| vec![election_finding("a verifying thread failed".into())])
            })
            .collect()
    });
    findings.extend(per_station.into_iter().flatten());
    let checked = Checked {
        stations: stations.len(),
        ballots: stations.iter().map(|s| s.ballots.len()).sum(),
        challenged: stations.iter().map(|s| s.challenged.len()).sum(),
        decryption_shares: stations
            .iter()
            .flat_map(|s| &s.tallies)
            .map(|t| t.shares.len())
            .sum(),
    };
    (findings, checked)
}

/// Every check of one station's record.
pub fn verify_station(
    manifest: &Manifest,
    key: &ElectionKey,
    record: &StationRecord,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut found = |what: String| {
        findings.push(Finding {
            station: Some(record.station.clone()),
            what,
        });
    };
    if record.election != manifest.election {
        found("the record is another election's".into());
        return findings;
    }
    let style_of = |council: &str| {
        manifest
            .styles
            .iter()
            .find(|style| style.council == council)
    };

    // Every ballot's proofs and tracking code; challenged ballots' openings.
    let entries = record
        .ballots
        .iter()
        .map(|cast| {
            (
                &cast.kiosk,
                &cast.council,
                cast.tracking_code,
                cast.previous,
                &cast.ballot,
            )
        })
        .chain(record.challenged.iter().map(|challenged| {
            (
                &challenged.kiosk,
                &challenged.council,
                challenged.tracking_code,
                challenged.previous,
                &challenged.ballot,
            )
        }));
    for (_, council, code, previous, ballot) in entries.clone() {
        match style_of(council) {
            Some(style) => {
                if let Err(error) = ballot::verify(key.public(), style, &record.station, ballot) {
                    found(format!("ballot {}: {error}", code.short()));
                }
            }
            None => found(format!(
                "ballot {}: council {council} has no ballot style",
                code.short()
            )),
        }
        if previous.next(ballot).ok() != Some(code) {
            found(format!(
                "ballot {}: its tracking code is not the hash of its ciphertext and the code before it",
                code.short()
            ));
        }
    }
    for challenged in &record.challenged {
        let Some(style) = style_of(&challenged.council) else {
            continue;
        };
        if let Err(error) =
            ballot::check_opening(key.public(), style, &challenged.ballot, &challenged.opening)
        {
            found(format!(
                "challenged ballot {}: {error}",
                challenged.tracking_code.short()
            ));
        }
    }

    // Each kiosk's chain: from its start, unbroken and unforked, through every ballot it made,
    // to the head recorded at the close.
    let mut by_kiosk: BTreeMap<&str, BTreeMap<TrackingCode, TrackingCode>> = BTreeMap::new();
    for (kiosk, _, code, previous, _) in entries {
        if by_kiosk
            .entry(kiosk.as_str())
            .or_default()
            .insert(previous, code)
            .is_some()
        {
            found(format!(
                "kiosk {kiosk}: two ballots follow the same tracking code"
            ));
        }
    }
    for chain in &record.kiosks {
        let links = by_kiosk.remove(chain.kiosk.as_str()).unwrap_or_default();
        let mut at = TrackingCode::start(&record.election, &record.station, &chain.kiosk);
        let mut walked = 0_u64;
        while let Some(&next) = links.get(&at) {
            at = next;
            walked += 1;
            if walked > links.len() as u64 {
                break;
            }
        }
        if walked != links.len() as u64 {
            found(format!(
                "kiosk {}: the chain is broken; {} of its {} ballots follow from its start",
                chain.kiosk,
                walked,
                links.len()
            ));
        }
        if walked != chain.ballots || at != chain.head {
            found(format!(
                "kiosk {}: the chain does not end where the close recorded it ({} ballots)",
                chain.kiosk, chain.ballots
            ));
        }
    }
    for kiosk in by_kiosk.keys() {
        found(format!(
            "kiosk {kiosk} made ballots but has no recorded chain"
        ));
    }

    // Each council's tally is the sum of its cast ballots, and nothing else; its counts are
    // what the guardians' shares decrypt.
    match record.sum_tallies(manifest) {
        Ok(sums) => {
            let published: Vec<&str> = record.tallies.iter().map(|t| t.council.as_str()).collect();
            for sum in &sums {
                let count = record
                    .ballots
                    .iter()
                    .filter(|b| b.council == sum.council)
                    .count();
                match record.tallies.iter().find(|t| t.council == sum.council) {
                    Some(tally) if tally.tally.same_as(&sum.tally) => {}
                    _ => found(format!(
                        "council {}: the encrypted tally is not the sum of its {count} cast ballots",
                        sum.council
                    )),
                }
            }
            for council in published {
                if !sums.iter().any(|sum| sum.council == council) {
                    let empty = record
                        .tallies
                        .iter()
                        .find(|t| t.council == council)
                        .is_some_and(|t| t.tally.ballots == 0);
                    if !empty {
                        found(format!(
                            "council {council}: a tally with no cast ballots behind it"
                        ));
                    }
                }
            }
        }
        Err(error) => found(format!("the tallies: {error}")),
    }
    for tally in &record.tallies {
        check_tally(key, style_of(&tally.council), record, tally, &mut found);
    }
    findings
}

/// A council's tally: its shares' proofs, and its counts against them.
fn check_tally(
    key: &ElectionKey,
    style: Option<&BallotStyle>,
    record: &StationRecord,
    tally: &CouncilTally,
    found: &mut impl FnMut(String),
) {
    for share in &tally.shares {
        if let Err(error) = tally::verify_share(key, &tally.tally, share) {
            found(format!("council {}: {error}", tally.council));
        }
    }
    let Some(counts) = &tally.counts else {
        return;
    };
    let cast = record
        .ballots
        .iter()
        .filter(|b| b.council == tally.council)
        .count() as u64;
    if counts.ballots != cast || counts.ballots != tally.tally.ballots {
        found(format!(
            "council {}: the count says {} ballots; the record holds {cast}",
            tally.council, counts.ballots
        ));
    }
    match tally::check_counts(key, &tally.tally, &tally.shares, &counts.votes) {
        Ok(()) => {}
        Err(crate::CryptoError::CountMismatch { index }) => found(format!(
            "candidate {}'s count {} is not what the guardians' shares decrypt",
            style
                .and_then(|s| s.candidates.get(index))
                .map_or("?", String::as_str),
            counts.votes.get(index).copied().unwrap_or_default()
        )),
        Err(error) => found(format!("council {}: the counts: {error}", tally.council)),
    }
}

/// Where a record directory keeps the manifest.
pub const MANIFEST_FILE: &str = "manifest.json";
/// Where a record directory keeps one `<station>.json` per station.
pub const STATIONS_DIR: &str = "stations";
