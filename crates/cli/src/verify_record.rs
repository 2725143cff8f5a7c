//! `sandoq verify --from DIR`: checks a published election record (ballot-crypto's layout:
//! `manifest.json` and `stations/<code>.json`) with no database and no trust in the server
//! that wrote it: every ballot's proofs, every kiosk's chain of tracking codes, every tally's
//! sum, every decryption share's proof and every count.

use anyhow::Context;
use ballot_crypto::record::{self, Finding, Manifest, StationRecord, MANIFEST_FILE, STATIONS_DIR};
use clap::Args;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// Exit code of a record with something wrong (1 is left for errors such as an unreadable
/// directory), as `sandoq audit verify`'s.
pub const WRONG: u8 = 2;

#[derive(Debug, Args)]
pub struct VerifyRecordArgs {
    /// The record's directory.
    #[arg(long = "from", value_name = "DIR")]
    pub from: PathBuf,
    /// Threads verifying (the machine's cores by default).
    #[arg(long)]
    pub threads: Option<usize>,
}

pub fn run(args: &VerifyRecordArgs) -> anyhow::Result<ExitCode> {
    let began = Instant::now();
    let Some(Verified {
        manifest,
        findings,
        checked,
        ..
    }) = verified(&args.from, args.threads)?
    else {
        return Ok(ExitCode::from(WRONG));
    };
    let secs = began.elapsed().as_secs_f64();
    if findings.is_empty() {
        println!(
            "election record verified: election {}, {} stations, {} ballots, {} challenged ballots, {} decryption shares ({secs:.1} s)",
            manifest.election,
            checked.stations,
            checked.ballots,
            checked.challenged,
            checked.decryption_shares
        );
        Ok(ExitCode::SUCCESS)
    } else {
        print_findings(&manifest, &findings);
        Ok(ExitCode::from(WRONG))
    }
}

/// Prints what is wrong with a record.
pub fn print_findings(manifest: &Manifest, findings: &[Finding]) {
    println!(
        "election record of {}: {} things wrong",
        manifest.election,
        findings.len()
    );
    for finding in findings {
        println!("{finding}");
    }
}

/// A record read and verified.
pub struct Verified {
    pub manifest: Manifest,
    pub stations: Vec<StationRecord>,
    /// What is wrong; empty for an honest record.
    pub findings: Vec<Finding>,
    pub checked: record::Checked,
}

/// Reads a record's directory and verifies it whole: the manifest, the stations' parts and what
/// is wrong with them. `None` (having said why) when the manifest cannot be read.
pub fn verified(dir: &Path, threads: Option<usize>) -> anyhow::Result<Option<Verified>> {
    let mut findings = Vec::new();
    let manifest = match read::<Manifest>(&dir.join(MANIFEST_FILE)) {
        Ok(manifest) => manifest,
        Err(error) => {
            println!("the record's manifest: {error:#}");
            return Ok(None);
        }
    };
    let stations_dir = dir.join(STATIONS_DIR);
    let mut stations = Vec::new();
    if stations_dir.exists() {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&stations_dir)
            .with_context(|| format!("cannot read {}", stations_dir.display()))?
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
            .collect();
        paths.sort();
        for path in paths {
            match read::<StationRecord>(&path) {
                Ok(station) => {
                    let expected = format!("{}.json", station.station);
                    if path.file_name().is_some_and(|name| *name != *expected) {
                        findings.push(Finding {
                            station: Some(station.station.clone()),
                            what: format!("its record is in {}", path.display()),
                        });
                    }
                    stations.push(station);
                }
                Err(error) => findings.push(Finding {
                    station: None,
                    what: format!("{}: {error:#}", path.display()),
                }),
            }
        }
    }
    let threads = threads.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    let (more, checked) = record::verify(&manifest, &stations, threads);
    findings.extend(more);
    Ok(Some(Verified {
        manifest,
        stations,
        findings,
        checked,
    }))
}

pub fn read<T: serde::de::DeserializeOwned>(path: &Path) -> anyhow::Result<T> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not a record file", path.display()))
}
