//! `sandoq record export --to DIR`: writes the election record as `sandoq verify --from DIR`
//! reads it — the manifest (the key ceremony's public record with its confirmations, every
//! council's ballot style, the stations) and one file per station (its encrypted ballots in
//! tracking-code order, its kiosks' chains, its tallies per council), and beside them the
//! results as they stand (`results.json`), which `sandoq tally --from DIR` recomputes.

use anyhow::{anyhow, bail, Context};
use ballot_crypto::record::{MANIFEST_FILE, STATIONS_DIR};
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum RecordCommand {
    /// Write the election record into a new directory.
    Export(ExportArgs),
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The directory to write; it must not exist.
    #[arg(long = "to", value_name = "DIR")]
    pub to: PathBuf,
}

pub async fn run(url: &str, command: &RecordCommand) -> anyhow::Result<()> {
    let RecordCommand::Export(args) = command;
    if args.to.exists() {
        bail!(
            "{} exists: the record goes into a new directory",
            args.to.display()
        );
    }
    let store = crate::db::open(url).await?;
    let election = store
        .election(None)
        .await?
        .map(|e| e.code)
        .ok_or_else(|| anyhow!("the database has no election yet"))?;
    let manifest = app::record::manifest(store.as_ref(), &election)
        .await
        .map_err(|e| anyhow!("the record's manifest: {e}"))?;
    let stations_dir = args.to.join(STATIONS_DIR);
    std::fs::create_dir_all(&stations_dir)
        .with_context(|| format!("cannot create {}", stations_dir.display()))?;
    let mut ballots = 0;
    for station in &manifest.stations {
        let part = app::record::station_record(store.as_ref(), &manifest, station)
            .await
            .map_err(|e| anyhow!("station {station}: {e}"))?;
        ballots += part.ballots.len();
        std::fs::write(
            stations_dir.join(format!("{station}.json")),
            serde_json::to_vec(&part)?,
        )
        .with_context(|| format!("cannot write station {station}"))?;
    }
    std::fs::write(
        args.to.join(MANIFEST_FILE),
        serde_json::to_vec_pretty(&manifest)?,
    )
    .context("cannot write the manifest")?;
    // The results as they stand, beside the record they rest on: `sandoq tally --from DIR`
    // recomputes them from it.
    let app = crate::db::offline_app(store);
    let results = app
        .results()
        .published()
        .await
        .map_err(|e| anyhow!("the results: {e}"))?;
    std::fs::write(
        args.to.join(domain::results::published::RESULTS_FILE),
        serde_json::to_vec(&results)?,
    )
    .context("cannot write the results")?;
    // Every station's minutes and every official's key: `tally` checks the signatures and
    // which stations' minutes are fully signed.
    let minutes = app
        .minutes()
        .published()
        .await
        .map_err(|e| anyhow!("the minutes: {e}"))?;
    std::fs::write(
        args.to
            .join(domain::results::published_minutes::MINUTES_FILE),
        serde_json::to_vec(&minutes)?,
    )
    .context("cannot write the minutes")?;
    // The stations that fell back to paper and their hand counts: `tally` adds the accepted
    // ones by the same rule.
    let hand_counts = app
        .paper()
        .published()
        .await
        .map_err(|e| anyhow!("the hand counts: {e}"))?;
    std::fs::write(
        args.to.join(domain::results::paper::HAND_COUNTS_FILE),
        serde_json::to_vec(&hand_counts)?,
    )
    .context("cannot write the hand counts")?;
    println!(
        "election record of {election} written to {}: {} stations, {ballots} ballots, the results of {} councils",
        args.to.display(),
        manifest.stations.len(),
        results.councils.len()
    );
    Ok(())
}
