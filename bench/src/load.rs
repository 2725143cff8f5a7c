//! A bounded closed-loop load: `concurrency` client tasks share a fixed number of requests and
//! stop early only at the time limit. Any reply the caller does not expect fails the run.

use crate::client::{Http, Reply};
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::HeaderName;
use hyper::{Method, Request, StatusCode};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Builds one request of a target (fresh each time: a request is consumed by sending it).
pub type MakeRequest = Arc<dyn Fn() -> anyhow::Result<Request<Full<Bytes>>> + Send + Sync>;

/// Builds request number `i` of a run (0-based, numbered in the order the tasks take them; a
/// request may still be answered after later-numbered ones).
pub type MakeNth = Arc<dyn Fn(usize) -> anyhow::Result<Request<Full<Bytes>>> + Send + Sync>;

/// Judges the reply to request number `i`: an error fails the run.
pub type Judge = Arc<dyn Fn(usize, &Reply) -> anyhow::Result<()> + Send + Sync>;

/// What a run measured.
#[derive(Debug)]
pub struct Run {
    /// Latency of each completed request: from sending it to having read its whole body.
    pub latencies: Vec<Duration>,
    /// From the first request sent to the last body read.
    pub wall: Duration,
    /// Size of the last body read.
    pub body_bytes: usize,
    /// True when the time limit stopped the run before `total` requests.
    pub truncated: bool,
    /// How many replies came with each HTTP status.
    pub statuses: BTreeMap<u16, usize>,
}

/// Sends `total` requests from `concurrency` tasks over the client's keep-alive pool, stopping
/// at `limit` if that comes first. Every reply must have status `expect`.
pub async fn run(
    http: &Http,
    make: &MakeRequest,
    expect: StatusCode,
    total: usize,
    concurrency: usize,
    limit: Duration,
) -> anyhow::Result<Run> {
    let make = make.clone();
    let nth: MakeNth = Arc::new(move |_| make());
    let judge: Judge = Arc::new(move |_, reply| reply.check_status(expect, "the reply"));
    run_judged(http, &nth, &judge, total, concurrency, limit).await
}

/// [`run`] with numbered requests, each reply judged by `judge`.
pub async fn run_judged(
    http: &Http,
    make: &MakeNth,
    judge: &Judge,
    total: usize,
    concurrency: usize,
    limit: Duration,
) -> anyhow::Result<Run> {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency.max(1) {
        let (http, make, judge, next) = (http.clone(), make.clone(), judge.clone(), next.clone());
        tasks.spawn(async move {
            let mut latencies = Vec::with_capacity(total / concurrency.max(1) + 1);
            let mut statuses = BTreeMap::new();
            let mut body_bytes = 0;
            let mut truncated = false;
            loop {
                if started.elapsed() >= limit {
                    truncated = true;
                    break;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    break;
                }
                let request = make(i)?;
                let what = format!("{} {}", request.method(), request.uri().path());
                let sent = Instant::now();
                let reply = http.send(request).await?;
                let took = sent.elapsed();
                judge(i, &reply).map_err(|e| e.context(format!("{what} (request {i})")))?;
                *statuses.entry(reply.status.as_u16()).or_insert(0) += 1;
                body_bytes = reply.body.len();
                latencies.push(took);
            }
            anyhow::Ok((latencies, statuses, body_bytes, truncated))
        });
    }
    let mut out = Run {
        latencies: Vec::with_capacity(total),
        wall: Duration::ZERO,
        body_bytes: 0,
        truncated: false,
        statuses: BTreeMap::new(),
    };
    // The first failure ends the run; dropping the set aborts the other tasks.
    while let Some(joined) = tasks.join_next().await {
        let (latencies, statuses, body_bytes, truncated) = joined??;
        out.latencies.extend(latencies);
        for (status, n) in statuses {
            *out.statuses.entry(status).or_insert(0) += n;
        }
        out.body_bytes = out.body_bytes.max(body_bytes);
        out.truncated |= truncated;
    }
    out.wall = started.elapsed();
    Ok(out)
}

/// A GET target of a latency run: its name in the output, its path, how it signs in, and its
/// request.
pub struct Target {
    pub name: &'static str,
    pub path: String,
    pub auth: &'static str,
    pub make: MakeRequest,
}

/// A GET of `path` with one header (a session cookie or a bearer token).
pub fn target(
    http: &Http,
    name: &'static str,
    path: String,
    auth: &'static str,
    header: (HeaderName, String),
) -> Target {
    let (client, p) = (http.clone(), path.clone());
    let make: MakeRequest = Arc::new(move || {
        client.request(Method::GET, &p, std::slice::from_ref(&header), Bytes::new())
    });
    Target {
        name,
        path,
        auth,
        make,
    }
}

/// Latency figures in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub requests: usize,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
    pub rps: f64,
}

/// The nearest-rank percentile `q` (0–1] of sorted values.
/// The `q` quantile of sorted latencies (nearest rank).
pub fn percentile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// [`percentile`] in milliseconds.
pub fn percentile_ms(sorted: &[Duration], q: f64) -> f64 {
    percentile(sorted, q).as_secs_f64() * 1000.0
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

impl Summary {
    pub fn of(run: &Run) -> Self {
        let mut sorted = run.latencies.clone();
        sorted.sort_unstable();
        let n = sorted.len();
        let total: Duration = sorted.iter().sum();
        let mean = if n == 0 {
            Duration::ZERO
        } else {
            total / n as u32
        };
        let secs = run.wall.as_secs_f64();
        Self {
            requests: n,
            p50_ms: ms(percentile(&sorted, 0.50)),
            p90_ms: ms(percentile(&sorted, 0.90)),
            p99_ms: ms(percentile(&sorted, 0.99)),
            max_ms: ms(sorted.last().copied().unwrap_or_default()),
            mean_ms: ms(mean),
            rps: if secs > 0.0 {
                (n as f64 / secs * 10.0).round() / 10.0
            } else {
                0.0
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&v, 0.5), Duration::from_millis(50));
        assert_eq!(percentile(&v, 0.99), Duration::from_millis(99));
        assert_eq!(percentile(&v, 1.0), Duration::from_millis(100));
        assert_eq!(percentile(&[], 0.5), Duration::ZERO);
    }

    #[test]
    fn summary_of_a_run() {
        let run = Run {
            latencies: vec![Duration::from_millis(2), Duration::from_millis(4)],
            wall: Duration::from_secs(1),
            body_bytes: 0,
            truncated: false,
            statuses: BTreeMap::new(),
        };
        let s = Summary::of(&run);
        assert_eq!(s.requests, 2);
        assert!((s.mean_ms - 3.0).abs() < 1e-9);
        assert!((s.rps - 2.0).abs() < 1e-9);
        assert!((s.max_ms - 4.0).abs() < 1e-9);
    }
}

/// How every GET target of a latency benchmark is measured: unmeasured warm-up requests, then
/// measured ones, from `concurrency` client tasks, each run stopped at `limit`.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub warmup: usize,
    pub requests: usize,
    pub concurrency: usize,
    pub limit: Duration,
}

/// Warms a GET target up and measures it (every reply 200), and returns the line the
/// benchmarks print for it: the target, its latency figures, whether its p99 is within
/// `target_p99_ms` (and the run was not cut short), the machine, and `extra`'s fields.
pub async fn measure_get(
    http: &Http,
    t: &Target,
    plan: Plan,
    target_p99_ms: f64,
    extra: serde_json::Value,
) -> anyhow::Result<serde_json::Value> {
    eprintln!("{}: {} warm-up requests", t.name, plan.warmup);
    run(
        http,
        &t.make,
        StatusCode::OK,
        plan.warmup,
        plan.concurrency,
        plan.limit,
    )
    .await?;
    eprintln!("{}: {} measured requests", t.name, plan.requests);
    let measured = run(
        http,
        &t.make,
        StatusCode::OK,
        plan.requests,
        plan.concurrency,
        plan.limit,
    )
    .await?;
    let s = Summary::of(&measured);
    let mut line = serde_json::json!({
        "target": t.name,
        "method": "GET",
        "path": t.path,
        "auth": t.auth,
        "requests": s.requests,
        "warmup": plan.warmup,
        "concurrency": plan.concurrency,
        "p50_ms": s.p50_ms,
        "p90_ms": s.p90_ms,
        "p99_ms": s.p99_ms,
        "max_ms": s.max_ms,
        "mean_ms": s.mean_ms,
        "rps": s.rps,
        "response_bytes": measured.body_bytes,
        "truncated_by_time_limit": measured.truncated,
        "target_p99_ms": target_p99_ms,
        "meets_target": !measured.truncated && s.p99_ms <= target_p99_ms,
        "machine": crate::facts::machine(),
    });
    if let (Some(fields), serde_json::Value::Object(more)) = (line.as_object_mut(), extra) {
        fields.extend(more);
    }
    Ok(line)
}
