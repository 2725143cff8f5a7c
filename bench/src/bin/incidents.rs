//! Issue 16's incidents target: the live, filterable incidents list with 1,000 incidents on
//! SQLite — the API's first page (`GET /api/v1/incidents`, HQ bearer token), the province's
//! page (`GET /incidents`, HQ session), a county's overdue filter (`GET /incidents?county=11
//! &overdue=1`, the county governor's session) and the live fragment the page refreshes
//! (`GET /incidents/live`, HQ session) — served by the real application with the Kerman demo.
//! Prints one JSON object per target on standard output.
//!
//! `cargo run --release -p bench --bin incidents`

use anyhow::{anyhow, bail, Context};
use bench::client::{api_login, form_login, Http};
use bench::fixture;
use bench::load::{self, target, Plan, Target};
use clap::Parser;
use domain::incident::{IncidentReport, IncidentStatus, Severity, Subcategory};
use hyper::header;
use hyper::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;
use store::incidents::{NewIncident, NewStep};
use store::{Actor, IncidentStore};

/// The p99 the issue asks of the incidents list, in milliseconds.
const TARGET_P99_MS: f64 = 50.0;

#[derive(Debug, Parser)]
#[command(about = "Measures the incidents list with 1,000 incidents on SQLite")]
struct Args {
    /// Incidents filed before measuring (besides the demo's own).
    #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    incidents: u32,
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
    /// Seed of the demo.
    #[arg(long, default_value_t = 1405)]
    seed: u64,
    /// The server's clock (Tehran time, Jalali): election day, when incidents are filed.
    #[arg(long, default_value = "1405/02/11 15:00")]
    now: String,
}

/// Files `count` incidents over the demo's stations and counties in the hours before `now`,
/// every subcategory and severity, and steps some of them: about a third open, the rest
/// acknowledged, in progress or resolved. Returns how many are open.
async fn file_incidents(
    store: &dyn IncidentStore,
    stations: &[(String, String)],
    count: u32,
    now: time::OffsetDateTime,
) -> anyhow::Result<u64> {
    let subcategories = Subcategory::ALL;
    let severities = Severity::ALL;
    let mut open = 0;
    for i in 0..count as usize {
        let (county, station) = &stations[(i * 7919) % stations.len()];
        let at = now - Duration::from_secs(60 * (u64::try_from(i).unwrap_or(0) % 600 + 5));
        let filed_at = at + time::Duration::minutes(2);
        let report = IncidentReport {
            county: county.clone(),
            // Every fifth is the county's own (its network, its offices).
            station: (i % 5 != 0).then(|| station.clone()),
            subcategory: subcategories[i % subcategories.len()],
            severity: severities[i % severities.len()],
            occurred_at: at,
            description: format!("رخداد آزمایشی شماره {i} برای سنجش فهرست رخدادها"),
        };
        let by = Actor::new("hq", filed_at);
        let incident = store
            .file_incident(
                &NewIncident {
                    report,
                    photo: None,
                },
                &by,
            )
            .await
            .with_context(|| format!("filing incident {i}"))?;
        let steps = i % 3;
        if steps == 0 {
            open += 1;
        }
        let mut status = IncidentStatus::Open;
        for k in 0..steps {
            let Some(next) = status.next() else { break };
            let note = if next == IncidentStatus::Resolved {
                "برطرف شد و گزارش آن ثبت شد".to_owned()
            } else {
                String::new()
            };
            let step_at = filed_at + time::Duration::minutes(1 + i64::try_from(k).unwrap_or(0));
            store
                .step_incident(
                    incident.id,
                    &NewStep { to: next, note },
                    &Actor::new("hq", step_at),
                )
                .await
                .with_context(|| format!("stepping incident {i}"))?;
            status = next;
        }
    }
    Ok(open)
}

/// Checks once that each target answers what the benchmark claims to measure; the API's total.
async fn check_targets(http: &Http, targets: &[Target]) -> anyhow::Result<i64> {
    let mut total = None;
    for t in targets {
        let reply = http
            .send((t.make)()?)
            .await?
            .expect_status(StatusCode::OK, &format!("GET {}", t.path))?;
        if t.name == "incidents_api" {
            let value: Value =
                serde_json::from_slice(&reply.body).context("the incidents answer is not JSON")?;
            let items = value["items"].as_array().map_or(0, Vec::len);
            total = value["total"].as_i64();
            if items == 0 {
                bail!("the incidents answer lists none");
            }
        } else {
            let html = String::from_utf8_lossy(&reply.body);
            // A county's overdue filter may rightly list none; the others list some.
            let lists = t.name == "incidents_county_overdue_page" || html.contains("data-incident");
            if html.contains("name=\"password\"") || !lists {
                bail!("GET {} did not render the incidents list", t.path);
            }
        }
    }
    total.ok_or_else(|| anyhow!("no API answer among the targets"))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let (fx, data) = fixture::demo_as_it_stands(args.seed).await?;
    let stations: Vec<(String, String)> = data
        .stations
        .iter()
        .filter(|s| !s.closed)
        .map(|s| (s.county_code.clone(), s.code.clone()))
        .collect();
    drop(data);
    let (server, pinned) = bench::server::serve_pinned(fx.store.clone(), &args.now).await?;
    let open = file_incidents(fx.store.as_ref(), &stations, args.incidents, pinned).await?;
    let addr = server.addr;
    let concurrency = args.concurrency as usize;
    let http = Http::new(addr, concurrency);
    let measured = async {
        let bearer = format!(
            "Bearer {}",
            api_login(&http, fixture::HQ.0, fixture::HQ.1).await?
        );
        let hq_session = form_login(&http, fixture::HQ.0, fixture::HQ.1, "/incidents").await?;
        let county_path = format!("/incidents?county={}&overdue=1", fx.county);
        let governor_session = form_login(
            &http,
            fixture::GOVERNOR.0,
            fixture::GOVERNOR.1,
            "/incidents",
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
                "incidents_api",
                "/api/v1/incidents".into(),
                "province HQ bearer token",
                (header::AUTHORIZATION, bearer.clone()),
            ),
            target(
                &http,
                "incidents_province_page",
                "/incidents".into(),
                "province HQ session cookie",
                cookie(&hq_session),
            ),
            target(
                &http,
                "incidents_county_overdue_page",
                county_path,
                "county governor session cookie",
                cookie(&governor_session),
            ),
            target(
                &http,
                "incidents_live_fragment",
                "/incidents/live".into(),
                "province HQ session cookie",
                cookie(&hq_session),
            ),
        ];
        let total = check_targets(&http, &targets).await?;
        if total < i64::from(args.incidents) {
            bail!(
                "the list holds {total} incidents, fewer than the {} filed",
                args.incidents
            );
        }
        let plan = Plan {
            warmup: args.warmup as usize,
            requests: args.requests as usize,
            concurrency,
            limit: Duration::from_secs(args.max_secs),
        };
        for t in &targets {
            let extra = json!({
                "backend": "sqlite",
                "clock": args.now,
                "incidents": total,
                "filed_open": open,
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
    eprintln!("setup took {:.1} s", fx.setup_secs);
    measured
}
