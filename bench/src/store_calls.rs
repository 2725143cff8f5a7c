//! Times, one call at a time, the store calls behind the benchmarked routes, to tell the
//! database's share of a request from the rest (middleware, rendering, HTTP).

use crate::fixture::Fixture;
use crate::load::{Run, Summary};
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};
use store::{CouncilFilter, CountyFilter, PageRequest, StationFilter, Store};

type Call<'a> = Box<dyn Fn() -> Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send + 'a>> + 'a>;

/// A store call as a [`Call`]: `make` starts the call; its answer is dropped, only its time
/// counts.
fn call<'a, T, F>(make: impl Fn() -> F + 'a) -> Call<'a>
where
    F: Future<Output = store::StoreResult<T>> + Send + 'a,
{
    Box::new(move || {
        let call = make();
        Box::pin(async move {
            call.await?;
            Ok(())
        })
    })
}

/// One store call's figures.
pub struct Timing {
    pub name: &'static str,
    pub route: &'static str,
    pub summary: Summary,
}

async fn time(call: &Call<'_>, calls: usize, limit: Duration) -> anyhow::Result<Run> {
    let started = Instant::now();
    let mut latencies = Vec::with_capacity(calls);
    let mut truncated = false;
    for _ in 0..calls {
        if started.elapsed() >= limit {
            truncated = true;
            break;
        }
        let t = Instant::now();
        call().await?;
        latencies.push(t.elapsed());
    }
    Ok(Run {
        latencies,
        wall: started.elapsed(),
        body_bytes: 0,
        truncated,
        statuses: std::collections::BTreeMap::new(),
    })
}

/// The store calls of `GET /counties/{county}` (first page of every list, as the benchmark
/// requests it) and of `GET /api/v1/coverage`, `calls` times each after `warmup` unmeasured.
pub async fn measure(
    fx: &Fixture,
    token_hash: &str,
    now_us: i64,
    calls: usize,
    warmup: usize,
    limit: Duration,
) -> anyhow::Result<Vec<Timing>> {
    let store: &dyn Store = fx.store.as_ref();
    let county = fx.county.as_str();
    const PAGE: &str = "/counties/{county}";
    const API: &str = "/api/v1/coverage";
    let list: Vec<(&'static str, &'static str, Call<'_>)> = vec![
        (
            "session",
            "both",
            call(move || store.session(token_hash, now_us)),
        ),
        (
            "counties(county)",
            PAGE,
            call(move || async move {
                let filter = CountyFilter {
                    county: Some(county.to_owned()),
                };
                store.counties(&filter).await
            }),
        ),
        (
            "councils(county, sort=code, 25)",
            PAGE,
            call(move || async move {
                let filter = CouncilFilter {
                    county: Some(county.to_owned()),
                    sort: store::Sort::default(),
                    ..Default::default()
                };
                store.councils(&filter, PageRequest::new(1, 25)).await
            }),
        ),
        (
            "stations(county, 25)",
            PAGE,
            call(move || async move {
                let filter = StationFilter {
                    county: Some(county.to_owned()),
                    ..Default::default()
                };
                store.stations(&filter, PageRequest::new(1, 25)).await
            }),
        ),
        (
            "boards(county)",
            PAGE,
            call(move || store.boards(Some(county))),
        ),
        (
            "coverage(county)",
            PAGE,
            call(move || store.coverage(Some(county))),
        ),
        (
            "staffing_gaps(county, 20)",
            PAGE,
            call(move || store.staffing_gaps(county, PageRequest::new(1, 20))),
        ),
        ("coverage(all)", API, call(move || store.coverage(None))),
    ];
    let mut out = Vec::with_capacity(list.len());
    for (name, route, call) in &list {
        time(call, warmup, limit).await?;
        let run = time(call, calls, limit).await?;
        out.push(Timing {
            name,
            route,
            summary: Summary::of(&run),
        });
    }
    Ok(out)
}
