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
    pub tracking_code: TrackingCode,
    pub previous: TrackingCode,
    pub ballot: EncryptedBallot,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChallengedBallot {
    pub kiosk: String,
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

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StationRecord {
    pub election: String,
    pub station: String,
    pub council: String,
    pub kiosks: Vec<KioskChain>,
    pub ballots: Vec<CastBallot>,
    pub challenged: Vec<ChallengedBallot>,
    pub tally: EncryptedTally,
    pub shares: Vec<DecryptionShare>,
    /// `None` until the guardians have decrypted the station's tally.
    pub counts: Option<Counts>,
}

impl StationRecord {
    /// Puts the ballots in tracking-code order, which carries no order of voting.
    pub fn sort(&mut self) {
        self.ballots.sort_by_key(|cast| cast.tracking_code);
        self.challenged
            .sort_by_key(|challenged| challenged.tracking_code);
        self.kiosks.sort_by(|a, b| a.kiosk.cmp(&b.kiosk));
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
        decryption_shares: stations.iter().map(|s| s.shares.len()).sum(),
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
    let Some(style) = manifest
        .styles
        .iter()
        .find(|style| style.council == record.council)
    else {
        found(format!("council {} has no ballot style", record.council));
        return findings;
    };

    // Every ballot's proofs and tracking code; challenged ballots' openings.
    let entries = record
        .ballots
        .iter()
        .map(|cast| (&cast.kiosk, cast.tracking_code, cast.previous, &cast.ballot))
        .chain(record.challenged.iter().map(|challenged| {
            (
                &challenged.kiosk,
                challenged.tracking_code,
                challenged.previous,
                &challenged.ballot,
            )
        }));
    for (_, code, previous, ballot) in entries.clone() {
        if let Err(error) = ballot::verify(key.public(), style, &record.station, ballot) {
            found(format!("ballot {}: {error}", code.short()));
        }
        if previous.next(ballot).ok() != Some(code) {
            found(format!(
                "ballot {}: its tracking code is not the hash of its ciphertext and the code before it",
                code.short()
            ));
        }
    }
    for challenged in &record.challenged {
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
    for (kiosk, code, previous, _) in entries {
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

    // The tally is the sum of the cast ballots, and nothing else.
    match EncryptedTally::of(
        style.candidates.len(),
        record.ballots.iter().map(|cast| &cast.ballot),
    ) {
        Ok(sum) if sum.same_as(&record.tally) => {}
        _ => found(format!(
            "the encrypted tally is not the sum of its {} cast ballots",
            record.ballots.len()
        )),
    }

    // The counts are what the guardians' shares decrypt.
    for share in &record.shares {
        if let Err(error) = tally::verify_share(key, &record.tally, share) {
            found(error.to_string());
        }
    }
    if let Some(counts) = &record.counts {
        if counts.ballots != record.ballots.len() as u64 || counts.ballots != record.tally.ballots {
            found(format!(
                "the count says {} ballots; the record holds {}",
                counts.ballots,
                record.ballots.len()
            ));
        }
        match tally::check_counts(key, &record.tally, &record.shares, &counts.votes) {
            Ok(()) => {}
            Err(crate::CryptoError::CountMismatch { index }) => found(format!(
                "candidate {}'s count {} is not what the guardians' shares decrypt",
                style.candidates.get(index).map_or("?", String::as_str),
                counts.votes.get(index).copied().unwrap_or_default()
            )),
            Err(error) => found(format!("the counts: {error}")),
        }
    }
    findings
}

/// Where a record directory keeps the manifest.
pub const MANIFEST_FILE: &str = "manifest.json";
/// Where a record directory keeps one `<station>.json` per station.
pub const STATIONS_DIR: &str = "stations";
