//! Issue 16's readiness targets: the province's readiness picture (`GET /api/v1/readiness`,
//! HQ bearer token), the province and county readiness pages (`GET /readiness`, HQ session;
//! `GET /counties/11/readiness`, the county governor's session) and the telecom company's CSV
//! bulk update of every station (`POST /api/v1/readiness/import`), served by the real
//! application on SQLite with the Kerman demo (3,003 stations, most of them declared by the
//! demo) and its clock pinned after the fibre deadline. Prints one JSON object per target on
//! standard output.
//!
//! `cargo run --release -p bench --bin readiness`

use anyhow::{anyhow, bail, Context};
use bench::client::{api_login, form_login, Http};
use bench::fixture;
use bench::load::{self, target, Plan, Target};
use clap::Parser;
use domain::readiness::{Link, Readiness};
use hyper::body::Bytes;
use hyper::header;
use hyper::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// The p99 the issue asks of the readiness dashboard, in milliseconds.
const TARGET_P99_MS: f64 = 50.0;
/// The longest the issue allows one CSV bulk update of the province's stations, in milliseconds.
const TARGET_IMPORT_MS: f64 = 1_000.0;

#[derive(Debug, Parser)]
#[command(about = "Measures the readiness picture, its pages and the CSV bulk update on SQLite")]
struct Args {
    /// Measured requests per GET target.
    #[arg(long, default_value_t = 2_000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    requests: u32,
    /// Unmeasured requests per GET target before measuring.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(0..=10_000))]
    warmup: u32,
    /// Concurrent client tasks (one keep-alive connection each).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    concurrency: u32,
    /// Measured CSV imports of every station, one after the other (after one unmeasured).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1_000))]
    imports: u32,
    /// Longest a target's measured run may take, in seconds; it stops early (and says so) then.
    #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..=3_600))]
    max_secs: u64,
    /// Seed of the demo.
    #[arg(long, default_value_t = 1405)]
    seed: u64,
    /// The server's clock at the start (Tehran time, Jalali); it runs on from there. The
    /// default is after the fibre deadline (end of Bahman 1404), so the overdue lists fill.
    #[arg(long, default_value = "1404/12/01 09:00")]
    now: String,
}

/// The figures of the picture the benchmark claims to measure, read once before the load.
struct Picture {
    stations: u64,
    undeclared: u64,
    overdue: u64,
}

/// Checks once that each GET target answers what the benchmark claims to measure, and returns
/// the province's counts from the API's answer.
async fn check_targets(http: &Http, targets: &[Target]) -> anyhow::Result<Picture> {
    let mut picture = None;
    for t in targets {
        let reply = http
            .send((t.make)()?)
            .await?
            .expect_status(StatusCode::OK, &format!("GET {}", t.path))?;
        if t.name == "readiness_province_api" {
            let value: Value =
                serde_json::from_slice(&reply.body).context("the readiness answer is not JSON")?;
            let count = |k: &str| value["summary"][k].as_u64();
            let rows = value["stations"].as_array().map_or(0, Vec::len) as u64;
            let stations = count("stations").unwrap_or(0);
            if !value["county"].is_null() || stations == 0 || rows != stations {
                bail!("the readiness answer is not the whole province's picture");
            }
            picture = Some(Picture {
                stations,
                undeclared: count("undeclared").unwrap_or(0),
                overdue: count("overdue").unwrap_or(0),
            });
        } else {
            let html = String::from_utf8_lossy(&reply.body);
            if !html.contains("id=\"link-chart\"") || html.contains("name=\"password\"") {
                bail!("GET {} did not render the readiness page", t.path);
            }
        }
    }
    picture.ok_or_else(|| anyhow!("no province picture among the targets"))
}

/// Two versions of the province's readiness file, each changing every station's link from the
/// other's (SIM, then landline; no planned date), built from the export: alternated, every
/// import writes every row.
async fn import_files(http: &Http, bearer: &str) -> anyhow::Result<[(&'static str, String); 2]> {
    let path = "/api/v1/readiness/export.csv";
    let reply = http
        .send(http.request(
            Method::GET,
            path,
            &[(header::AUTHORIZATION, bearer.to_owned())],
            Bytes::new(),
        )?)
        .await?
        .expect_status(StatusCode::OK, &format!("GET {path}"))?;
    let text = std::str::from_utf8(&reply.body).context("the export is not UTF-8")?;
    let rows = domain::csv_io::readiness_from_csv(text)
        .map_err(|errors| anyhow!("the export does not read back: {errors:?}"))?;
    let declared: Vec<(String, Readiness)> = rows
        .iter()
        .map(|u| (u.station.clone(), u.apply(&Readiness::default())))
        .collect();
    let version = |link: Link| {
        let changed: Vec<(&str, Readiness)> = declared
            .iter()
            .map(|(station, r)| {
                let mut r = r.clone();
                r.link = link;
                r.fibre_planned_on = None;
                (station.as_str(), r)
            })
            .collect();
        domain::csv_io::readiness_to_csv(changed.iter().map(|(s, r)| (*s, Some(r))))
    };
    Ok([
        (Link::Sim.as_str(), version(Link::Sim)),
        (Link::Landline.as_str(), version(Link::Landline)),
    ])
}

/// Posts one readiness file; how long it took and how many stations it changed.
async fn import(http: &Http, bearer: &str, file: &str) -> anyhow::Result<(Duration, u64)> {
    let request = http.request(
        Method::POST,
        "/api/v1/readiness/import",
        &[
            (header::AUTHORIZATION, bearer.to_owned()),
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".into()),
        ],
        Bytes::from(file.to_owned()),
    )?;
    let sent = Instant::now();
    let reply = http.send(request).await?;
    let took = sent.elapsed();
    reply.check_status(StatusCode::OK, "POST /api/v1/readiness/import")?;
    let value: Value = serde_json::from_slice(&reply.body)?;
    let imported = value["imported"]
        .as_u64()
        .ok_or_else(|| anyhow!("the import's answer has no count"))?;
    Ok((took, imported))
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // The demo as it stands: the fixture adds no station to the county and assigns no post.
    let (fx, _) = fixture::demo_as_it_stands(args.seed).await?;
    let (server, _) = bench::server::serve_pinned(fx.store.clone(), &args.now).await?;
    let addr = server.addr;
    let concurrency = args.concurrency as usize;
    let http = Http::new(addr, concurrency);
    let measured = async {
        let bearer = format!(
            "Bearer {}",
            api_login(&http, fixture::HQ.0, fixture::HQ.1).await?
        );
        let hq_session = form_login(&http, fixture::HQ.0, fixture::HQ.1, "/readiness").await?;
        let county_path = format!("/counties/{}/readiness", fx.county);
        let governor_session = form_login(
            &http,
            fixture::GOVERNOR.0,
            fixture::GOVERNOR.1,
            &county_path,
        )
        .await?;
        let cookie = |session: &str| {
            (
                header::COOKIE,
                format!("{}={session}", web::auth::SESSION_COOKIE),
            )
        };
        let targets = [
            target(
                &http,
                "readiness_province_api",
                "/api/v1/readiness".into(),
                "province HQ bearer token",
                (header::AUTHORIZATION, bearer.clone()),
            ),
            target(
                &http,
                "readiness_province_page",
                "/readiness".into(),
                "province HQ session cookie",
                cookie(&hq_session),
            ),
            target(
                &http,
                "readiness_county_page",
                county_path,
                "county governor session cookie",
                cookie(&governor_session),
            ),
        ];
        let picture = check_targets(&http, &targets).await?;
        let limit = Duration::from_secs(args.max_secs);
        let plan = Plan {
            warmup: args.warmup as usize,
            requests: args.requests as usize,
            concurrency,
            limit,
        };
        for t in &targets {
            let extra = json!({
                "backend": "sqlite",
                "clock": args.now,
                "stations": picture.stations,
                "undeclared": picture.undeclared,
                "overdue": picture.overdue,
                "county": (t.name == "readiness_county_page").then_some(&fx.county),
            });
            println!(
                "{}",
                load::measure_get(&http, t, plan, TARGET_P99_MS, extra).await?
            );
        }

        // The bulk update: one unmeasured import brings every station to the first version,
        // then the measured ones alternate, each changing every station's link.
        let files = import_files(&http, &bearer).await?;
        let (priming, primed) = import(&http, &bearer, &files[0].1).await?;
        eprintln!(
            "readiness_csv_import: priming import changed {primed} stations in {:.1} ms",
            ms(priming)
        );
        let mut runs = Vec::with_capacity(args.imports as usize);
        let started = Instant::now();
        let mut truncated = false;
        for i in 0..args.imports as usize {
            if started.elapsed() >= limit {
                truncated = true;
                break;
            }
            let (link, file) = &files[(i + 1) % 2];
            let (took, imported) = import(&http, &bearer, file).await?;
            if imported != picture.stations {
                bail!(
                    "import {i} ({link}) changed {imported} stations, not {}",
                    picture.stations
                );
            }
            eprintln!("readiness_csv_import: run {i} ({link}) {:.1} ms", ms(took));
            runs.push(took);
        }
        let run_ms: Vec<f64> = runs.iter().copied().map(ms).collect();
        let max = runs.iter().copied().max().unwrap_or_default();
        let mean = if runs.is_empty() {
            Duration::ZERO
        } else {
            runs.iter().sum::<Duration>() / runs.len() as u32
        };
        let line = json!({
            "target": "readiness_csv_import",
            "method": "POST",
            "path": "/api/v1/readiness/import",
            "auth": "province HQ bearer token",
            "content_type": "text/csv; charset=utf-8",
            "runs": runs.len(),
            "rows_per_file": picture.stations,
            "file_bytes": files[0].1.len(),
            "links": [files[1].0, files[0].0],
            "priming_ms": ms(priming),
            "run_ms": run_ms,
            "max_ms": ms(max),
            "mean_ms": ms(mean),
            "truncated_by_time_limit": truncated,
            "backend": "sqlite",
            "clock": args.now,
            "target_ms": TARGET_IMPORT_MS,
            "meets_target": !truncated && !runs.is_empty() && ms(max) <= TARGET_IMPORT_MS,
            "machine": bench::facts::machine(),
        });
        println!("{line}");
        anyhow::Ok(())
    }
    .await;

    server.stop().await;
    eprintln!(
        "setup took {:.1} s ({} people registered)",
        fx.setup_secs, fx.people_registered
    );
    measured
}
