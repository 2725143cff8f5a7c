//! `cargo run --release -p bench --bin province [-- --people N] [--postgres-url URL]`: loading a
//! whole province.
//!
//! Generates the Kerman demo at full scale (25,000 people by default: its counties, councils,
//! some 3,000 stations, their posts and the registrations), then loads it through
//! `Store::load_province` — one transaction, as `sandoq demo` does — into a fresh SQLite database
//! and, when PostgreSQL is configured (`--postgres-url` or `SANDOQ_TEST_POSTGRES_URL`), into a
//! fresh database of that cluster, which is dropped afterwards. Prints one JSON line per backend
//! with the seconds the load took, after checking that every person and post arrived and that
//! the load wrote its one audit record. The test `full_scale_province_loads_whole` checks the
//! same load's result; how long it takes is measured here, not there.

use anyhow::{anyhow, bail, Context};
use bench::facts::machine;
use bench::pg::PgDatabase;
use clap::Parser;
use serde_json::{json, Value};
use std::time::Instant;
use store::Store;

/// The bound the PostgreSQL test used to assert on this load before it moved here, in seconds.
const BUDGET_SECS: f64 = 30.0;

#[derive(Debug, Parser)]
#[command(about = "Measures loading the full-scale demo province into SQLite and PostgreSQL")]
struct Args {
    /// People in the demo province.
    #[arg(long, default_value_t = 25_000)]
    people: usize,
    /// Seed of the demo.
    #[arg(long, default_value_t = 1405)]
    seed: u64,
    /// A PostgreSQL admin URL: the benchmark creates its own database there and drops it.
    /// Without it, PostgreSQL is reported as skipped.
    #[arg(long, env = "SANDOQ_TEST_POSTGRES_URL", hide_env_values = true)]
    postgres_url: Option<String>,
}

/// Loads `data` into `store`, checks that it arrived whole, and returns the load's seconds.
async fn load(store: &dyn Store, data: &domain::demo::DemoData) -> anyhow::Result<f64> {
    let by = store::Actor::new("bench", time::OffsetDateTime::UNIX_EPOCH);
    let started = Instant::now();
    store.load_demo(data, &by).await?;
    let secs = started.elapsed().as_secs_f64();
    let people = store.people_count().await?;
    if people != data.people.len() as i64 {
        bail!("{people} people stored of {}", data.people.len());
    }
    let posts: i64 = store
        .coverage(None)
        .await?
        .iter()
        .map(|c| c.assignments)
        .sum();
    if posts != data.assignments.len() as i64 {
        bail!("{posts} posts stored of {}", data.assignments.len());
    }
    let (records, _) = store.audit_head().await?;
    if records != 1 {
        bail!("{records} audit records after the load, not 1");
    }
    Ok(secs)
}

fn line(backend: &str, data: &domain::demo::DemoData, secs: f64) -> Value {
    json!({
        "target": "province_load",
        "backend": backend,
        "people": data.people.len(),
        "stations": data.stations.len(),
        "assignments": data.assignments.len(),
        "councils": data.councils.len(),
        "seconds": (secs * 1000.0).round() / 1000.0,
        "people_per_s": (data.people.len() as f64 / secs.max(1e-9)).round(),
        "budget_seconds": BUDGET_SECS,
        "within_budget": secs < BUDGET_SECS,
        "machine": machine(),
    })
}

async fn sqlite(data: &domain::demo::DemoData) -> anyhow::Result<Value> {
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite:{}", dir.path().join("province.db").display());
    let store = store_sqlite::Sqlite::connect(&url).await?;
    eprintln!("sqlite: loading");
    let secs = load(&store, data).await?;
    drop(store);
    dir.close()
        .context("cannot remove the temporary directory")?;
    Ok(line("sqlite", data, secs))
}

async fn postgres(admin: &str, data: &domain::demo::DemoData) -> anyhow::Result<Value> {
    let db = PgDatabase::create(admin, "province").await?;
    let outcome = async {
        let store = store_postgres::Postgres::connect(&db.url).await?;
        eprintln!("postgres: loading into database {}", db.name);
        let secs = load(&store, data).await?;
        drop(store);
        anyhow::Ok(secs)
    }
    .await;
    if let Err(e) = db.drop_now().await {
        eprintln!("cannot drop PostgreSQL database {}: {e:#}", db.name);
    }
    Ok(line("postgres", data, outcome?))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    eprintln!("generating the demo province ({} people)", args.people);
    let started = Instant::now();
    let data = domain::demo::kerman(domain::demo::DemoOptions {
        seed: args.seed,
        people: args.people,
    })
    .map_err(|e| anyhow!("{e}"))?;
    eprintln!(
        "generated in {:.1} s: {} stations, {} posts",
        started.elapsed().as_secs_f64(),
        data.stations.len(),
        data.assignments.len()
    );
    println!("{}", sqlite(&data).await?);
    match args
        .postgres_url
        .as_deref()
        .filter(|u| !u.trim().is_empty())
    {
        Some(admin) => println!("{}", postgres(admin, &data).await?),
        None => println!(
            "{}",
            json!({
                "target": "province_load",
                "backend": "postgres",
                "skipped": "PostgreSQL not configured: set SANDOQ_TEST_POSTGRES_URL or pass \
                            --postgres-url (scripts/start-postgres starts a cluster)",
                "machine": machine(),
            })
        ),
    }
    Ok(())
}
