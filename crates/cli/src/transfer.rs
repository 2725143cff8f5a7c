//! `sandoq export …` and `sandoq import …`: CSV files of stations and people (DESIGN §9), and a
//! province's seed (JSON).

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use domain::clock::Clock;
use std::io::Write;
use store::import::ImportError;
use store::{Actor, PageRequest, StationFilter};

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Write the stations (all, or one county's) as CSV to standard output.
    Stations(ExportStationsArgs),
    /// Write every council's results as they stand to standard output: NIST SP 1500-100 Rev. 2
    /// JSON (`--format nist-cdf`) or CSV.
    Results(ExportResultsArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ResultsFormat {
    /// NIST Election Results Reporting, JSON (SP 1500-100 Rev. 2).
    NistCdf,
    /// CSV, UTF-8 with a BOM: a row per candidate, by council.
    Csv,
}

#[derive(Debug, Args)]
pub struct ExportResultsArgs {
    #[arg(long, value_enum)]
    pub format: ResultsFormat,
    /// Mark the report as a test (NIST `IsTest`), as for a demo's or a rehearsal's results.
    #[arg(long)]
    pub test: bool,
}

#[derive(Debug, Args)]
pub struct ExportStationsArgs {
    /// Only this county's stations.
    #[arg(long)]
    pub county: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Create or replace stations from a CSV file, all or nothing.
    Stations(ImportFileArgs),
    /// Register people from a CSV file, all or nothing.
    People(ImportFileArgs),
    /// Replace the eligibility roll from a CSV file (`national_id,birth_date,council,status`),
    /// streamed, all or nothing.
    Voters(ImportFileArgs),
    /// Load a province into an empty database from a JSON seed: its geography, its election
    /// (timeline and seat table) and the election's councils (`sandoq demo --province-seed`
    /// prints the demo's, to start from).
    Province(ImportFileArgs),
}

#[derive(Debug, Args)]
pub struct ImportFileArgs {
    /// The CSV file (UTF-8, with or without a BOM).
    pub file: std::path::PathBuf,
}

pub async fn export_stations(url: &str, args: &ExportStationsArgs) -> anyhow::Result<()> {
    let store = crate::db::open(url).await?;
    let mut stations = Vec::new();
    for page in 1.. {
        let filter = StationFilter {
            county: args.county.clone(),
            ..Default::default()
        };
        let batch = store
            .stations(&filter, PageRequest::new(page, PageRequest::MAX_PER_PAGE))
            .await?;
        let done = batch.items.len() < PageRequest::MAX_PER_PAGE as usize;
        stations.extend(batch.items);
        if done {
            break;
        }
    }
    let mut out = std::io::stdout().lock();
    out.write_all(domain::csv_io::stations_to_csv(&stations).as_bytes())?;
    out.flush()?;
    Ok(())
}

pub async fn export_results(url: &str, args: &ExportResultsArgs) -> anyhow::Result<()> {
    let store = crate::db::open(url).await?;
    let app = crate::db::offline_app(store);
    let bytes = match args.format {
        ResultsFormat::NistCdf => serde_json::to_vec(
            &app.results()
                .nist(args.test)
                .await
                .map_err(|e| anyhow::anyhow!("the results: {e}"))?,
        )?,
        ResultsFormat::Csv => domain::csv_io::results_to_csv(
            &app.results()
                .published()
                .await
                .map_err(|e| anyhow::anyhow!("the results: {e}"))?,
        )
        .into_bytes(),
    };
    let mut out = std::io::stdout().lock();
    out.write_all(&bytes)?;
    out.flush()?;
    Ok(())
}

pub async fn import(url: &str, command: &ImportCommand) -> anyhow::Result<()> {
    let (file, what) = match command {
        ImportCommand::Voters(a) => {
            return crate::roll::import_voters(
                url,
                &a.file,
                Actor::new("cli", domain::clock::SystemClock.now()),
            )
            .await;
        }
        ImportCommand::Province(a) => return import_province(url, &a.file).await,
        ImportCommand::Stations(a) => (&a.file, "stations"),
        ImportCommand::People(a) => (&a.file, "people"),
    };
    let store = crate::db::open(url).await?;
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read {} (it must be UTF-8)", file.display()))?;
    let by = Actor::new("cli", domain::clock::SystemClock.now());
    let result = if what == "stations" {
        store::import::stations_csv(store.as_ref(), &text, None, &by).await
    } else {
        store::import::people_csv(store.as_ref(), &text, &by).await
    };
    match result {
        Ok(n) => {
            println!("imported {n} {what} from {}", file.display());
            Ok(())
        }
        Err(ImportError::Rows(rows)) => {
            let mut err = std::io::stderr().lock();
            for row in &rows {
                writeln!(err, "{}:{}: {}", file.display(), row.line, row.message)?;
            }
            bail!(
                "{} bad rows in {}; nothing was imported",
                rows.len(),
                file.display()
            )
        }
        Err(ImportError::Store(e)) => {
            Err(e).context("the import was refused; nothing was imported")
        }
    }
}

async fn import_province(url: &str, file: &std::path::Path) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read {} (it must be UTF-8)", file.display()))?;
    let seed: domain::geo::ProvinceSeed = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a province seed", file.display()))?;
    let store = crate::db::open(url).await?;
    let by = Actor::new("cli", domain::clock::SystemClock.now());
    match store.load_province(&seed, &by).await {
        Ok(()) => {
            println!(
                "loaded province of election {} from {}: {} counties, {} councils",
                seed.election.code,
                file.display(),
                seed.counties.len(),
                seed.councils.len()
            );
            Ok(())
        }
        Err(e @ (store::StoreError::Refused(_) | store::StoreError::Duplicate { .. })) => {
            bail!("{} ({}); nothing was loaded", e.persian(), e.code())
        }
        Err(e) => Err(e).context("cannot load the province"),
    }
}
