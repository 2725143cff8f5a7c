//! Issue 3's performance benchmark: the county dashboard (`GET /counties/11`, cookie session of
//! the county governor) and the province's staffing coverage (`GET /api/v1/coverage`, bearer
//! token of province HQ), served by the real application on SQLite for a county of 1,000
//! stations and 7,000 people. Prints one JSON object per target on standard output.
//!
//! `cargo run --release -p bench --bin dashboard`

use anyhow::{bail, Context};
use bench::client::{api_login, form_login, Http};
use bench::fixture::{self, Fixture, FixtureOptions};
use bench::load::{self, target, Plan, Target};
use clap::Parser;
use domain::clock::Clock;
use hyper::header;
use hyper::StatusCode;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// The p99 the issue asks for, in milliseconds.
const TARGET_P99_MS: f64 = 50.0;

#[derive(Debug, Parser)]
#[command(about = "Measures the county dashboard and the province coverage API on SQLite")]
struct Args {
    /// Measured requests per target.
    #[arg(long, default_value_t = 2_000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    requests: u32,
    /// Unmeasured requests per target before measuring.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(0..=10_000))]
    warmup: u32,
    /// Concurrent client tasks (one keep-alive connection each).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    concurrency: u32,
    /// Longest a target's measured run may take, in seconds; it stops early (and says so) then.
    #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..=3_600))]
    max_secs: u64,
    /// Seed of the demo and of the synthetic stations and people.
    #[arg(long, default_value_t = 1405)]
    seed: u64,
    /// Also time each store call behind the two routes this many times, one at a time, before
    /// the HTTP load (a diagnosis: prints one `store_call` object per call); 0 for none.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=100_000))]
    store_calls: u32,
}

/// Checks once that each target answers what the benchmark claims to measure.
async fn check_targets(http: &Http, fx: &Fixture, targets: &[Target]) -> anyhow::Result<()> {
    for t in targets {
        let reply = http
            .send((t.make)()?)
            .await?
            .expect_status(StatusCode::OK, &format!("GET {}", t.path))?;
        if t.name == "coverage_province" {
            let rows: Vec<store::CountyCoverage> = serde_json::from_slice(&reply.body)
                .context("the coverage answer is not a list of counties")?;
            let here = rows.iter().find(|r| r.county == fx.county);
            if rows.len() != domain::demo::targets::COUNTIES
                || here.map(|r| r.stations) != Some(fx.stations_in_county)
            {
                bail!("the coverage answer does not show the benchmark's province");
            }
        } else {
            let html = String::from_utf8_lossy(&reply.body);
            if !html.contains("<table") || html.contains("name=\"password\"") {
                bail!("GET {} did not render the county page", t.path);
            }
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let options = FixtureOptions {
        seed: args.seed,
        ..FixtureOptions::default()
    };
    let fx = fixture::build(&options).await?;

    let state = web::AppState::new(
        fx.store.clone(),
        Arc::new(domain::clock::SystemClock),
        web::Config {
            login_attempts_per_minute: 10_000,
            ..Default::default()
        },
    );
    let server = bench::server::serve(state).await?;
    let addr = server.addr;
    eprintln!("serving on http://{addr}/");

    let concurrency = args.concurrency as usize;
    let http = Http::new(addr, concurrency);
    let measured = async {
        let token = api_login(&http, fixture::HQ.0, fixture::HQ.1).await?;
        let county_path = format!("/counties/{}", fx.county);
        let session = form_login(
            &http,
            fixture::GOVERNOR.0,
            fixture::GOVERNOR.1,
            &county_path,
        )
        .await?;
        let targets = [
            target(
                &http,
                "county_dashboard",
                county_path,
                "governor session cookie",
                (
                    header::COOKIE,
                    format!("{}={session}", web::auth::SESSION_COOKIE),
                ),
            ),
            target(
                &http,
                "coverage_province",
                "/api/v1/coverage".into(),
                "province HQ bearer token",
                (header::AUTHORIZATION, format!("Bearer {token}")),
            ),
        ];
        check_targets(&http, &fx, &targets).await?;
        let limit = Duration::from_secs(args.max_secs);
        if args.store_calls > 0 {
            let now_us = domain::clock::to_micros(domain::clock::SystemClock.now());
            let hash = web::auth::token_hash(&session);
            let timings = bench::store_calls::measure(
                &fx,
                &hash,
                now_us,
                args.store_calls as usize,
                args.warmup as usize,
                limit,
            )
            .await?;
            for t in timings {
                let s = t.summary;
                let line = json!({
                    "store_call": t.name,
                    "route": t.route,
                    "calls": s.requests,
                    "p50_ms": s.p50_ms,
                    "p90_ms": s.p90_ms,
                    "p99_ms": s.p99_ms,
                    "max_ms": s.max_ms,
                    "mean_ms": s.mean_ms,
                    "backend": "sqlite",
                    "machine": bench::facts::machine(),
                });
                println!("{line}");
            }
        }
        let plan = Plan {
            warmup: args.warmup as usize,
            requests: args.requests as usize,
            concurrency,
            limit,
        };
        for t in &targets {
            let extra = json!({
                "backend": "sqlite",
                "county": fx.county,
                "stations_in_county": fx.stations_in_county,
                "people": fx.people_in_county(),
                "people_serving": fx.people_serving,
                "people_reserve": fx.people_reserve,
                "people_registered": fx.people_registered,
            });
            println!(
                "{}",
                load::measure_get(&http, t, plan, TARGET_P99_MS, extra).await?
            );
        }
        anyhow::Ok(())
    }
    .await;

    server.stop().await;
    eprintln!(
        "setup took {:.1} s ({} stations added, {} posts assigned; {} posts held by the demo)",
        fx.setup_secs, fx.stations_added, fx.posts_assigned, fx.demo_people_serving
    );
    measured
}
