//! `cargo run --release -p bench --bin import [-- --rows N]`: the eligibility roll import.
//!
//! Builds a roll file of N rows (default 2.3 million, Kerman's size; Jalali birth dates as a
//! civil-registry extract would have them), then imports it into a fresh SQLite database through
//! `store::import::roll_file` — the same path as `sandoq import voters` — and prints one JSON
//! line: rows/s, and the process's memory before and after (peak resident set, from
//! /proc/self/status), so that constant memory shows as a small difference whatever N is.
//! Issue 4's target: at least 500,000 rows/s into SQLite.

use anyhow::{bail, Context};
use bench::facts::status_kib;
use clap::Parser;
use serde_json::json;
use std::io::Write;
use std::sync::Arc;
use std::time::Instant;
use store::prelude::*;

#[derive(Parser)]
struct Args {
    /// Rows in the roll file.
    #[arg(long, default_value_t = 2_300_000)]
    rows: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let dir = tempfile::tempdir()?;
    let store = Arc::new(
        store_sqlite::Sqlite::connect(&format!("sqlite:{}", dir.path().join("roll.db").display()))
            .await?,
    );
    let data = domain::demo::kerman(domain::demo::DemoOptions {
        seed: 1405,
        people: 1_000,
    })
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let by = store::Actor::new("bench", time::OffsetDateTime::UNIX_EPOCH);
    store.load_demo(&data, &by).await?;

    eprintln!("writing a roll of {} rows", args.rows);
    let file = dir.path().join("roll.csv");
    {
        let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&file)?);
        writeln!(out, "national_id,birth_date,council,status")?;
        for v in domain::demo::synthetic_roll(&data, 1405, args.rows) {
            let j = domain::calendar::JalaliDate::from_gregorian(v.birth_date)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            write!(
                out,
                "{},{:04}/{:02}/{:02},{},{}\r\n",
                v.national_id,
                j.year,
                j.month,
                j.day,
                v.council,
                v.status.as_str()
            )?;
        }
        out.flush()?;
    }
    let bytes = std::fs::metadata(&file)?.len();
    let rss_before = status_kib("VmRSS:");
    let peak_before = status_kib("VmHWM:");

    eprintln!("importing");
    let started = Instant::now();
    let imported = store::import::roll_file(store.as_ref(), &file, &by)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let secs = started.elapsed().as_secs_f64();
    let peak_after = status_kib("VmHWM:");
    if imported != args.rows as u64
        || store.roll_count(&data.election.code).await? != args.rows as i64
    {
        bail!("imported {imported} of {} rows", args.rows);
    }
    let rate = imported as f64 / secs.max(1e-9);
    let line = json!({
        "target": "roll_import",
        "backend": "sqlite",
        "rows": imported,
        "file_bytes": bytes,
        "seconds": (secs * 1000.0).round() / 1000.0,
        "rows_per_s": rate.round(),
        "target_rows_per_s": 500_000,
        "meets_target": rate >= 500_000.0,
        "rss_before_import_kib": rss_before,
        "peak_rss_before_import_kib": peak_before,
        "peak_rss_after_import_kib": peak_after,
        "import_peak_growth_kib": peak_after.saturating_sub(rss_before),
        "nproc": std::thread::available_parallelism().map_or(0, std::num::NonZeroUsize::get),
        "loadavg_1m": std::fs::read_to_string("/proc/loadavg").ok().and_then(|l| l.split_whitespace().next().and_then(|v| v.parse::<f64>().ok())),
    });
    println!("{line}");
    drop(store);
    dir.close()
        .context("cannot remove the temporary directory")?;
    Ok(())
}
