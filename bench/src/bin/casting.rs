//! Issue 17's casting target through the real server on SQLite: each ballot is a voter checked
//! in on the station's console, activated on one of its paired kiosks, read by the kiosk, and
//! cast (`POST /api/v1/ballots`: the choices checked, encrypted for the council's style under
//! the election key with their proofs, verified, chained on the kiosk and stored in one
//! transaction). Kiosks cast at once, one voter each at a time. Prints the cast's rate and
//! latencies, the whole voter's round trip, the process's CPU per ballot and the bytes the
//! database grew by per ballot, as one JSON object.
//!
//! `cargo run --release -p bench --bin casting`

use anyhow::{anyhow, bail, Context};
use bench::client::{api_login, Http};
use bench::facts::machine;
use bench::fixture;
use bench::load::percentile_ms;
use clap::Parser;
use hyper::body::Bytes;
use hyper::{header, Method, StatusCode};
use rand::seq::SliceRandom;
use rand::Rng;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::guardians::KeyKind;

/// The station of the demo's station user.
const STATION: &str = "1100001";

#[derive(Debug, Parser)]
#[command(
    about = "Measures casting through the server: check-in, kiosk activation, encrypted cast"
)]
struct Args {
    /// Ballots cast and measured.
    #[arg(long, default_value_t = 2_000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    ballots: u32,
    /// Kiosks casting at once (each a client task).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=64))]
    kiosks: u32,
    /// Casting alone: the voters are checked in and their ballots activated on every kiosk
    /// first (not timed), then all the kiosks cast at once (timed), wave after wave; the rate
    /// is the casts over the waves' casting time.
    #[arg(long)]
    waves: bool,
    /// Voters in the synthetic roll, of whom the station's own vote.
    #[arg(long, default_value_t = 400_000)]
    roll: usize,
    #[arg(long, default_value_t = 1405)]
    seed: u64,
    /// The server's clock (Tehran time, Jalali): the polling day.
    #[arg(long, default_value = "1405/02/11 09:00")]
    now: String,
}

/// The database's size on disk, its write-ahead log included.
fn db_bytes(dir: &std::path::Path) -> u64 {
    ["bench.db", "bench.db-wal"]
        .iter()
        .filter_map(|f| std::fs::metadata(dir.join(f)).ok())
        .map(|m| m.len())
        .sum()
}

struct Api {
    http: Http,
}

impl Api {
    async fn call(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> anyhow::Result<(StatusCode, Value)> {
        let mut headers = vec![(header::AUTHORIZATION, format!("Bearer {token}"))];
        if body.is_some() {
            headers.push((header::CONTENT_TYPE, "application/json".into()));
        }
        let payload = body.map_or_else(Bytes::new, |b| Bytes::from(b.to_string()));
        let reply = self
            .http
            .send(self.http.request(method, path, &headers, payload)?)
            .await?;
        let value = serde_json::from_slice(&reply.body).unwrap_or(Value::Null);
        Ok((reply.status, value))
    }

    async fn expect(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
        status: StatusCode,
    ) -> anyhow::Result<Value> {
        let (got, value) = self.call(method.clone(), path, token, body).await?;
        if got != status {
            bail!("{method} {path}: {got} {value}");
        }
        Ok(value)
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let started = Instant::now();
    let (fx, data) = fixture::demo_as_it_stands(args.seed).await?;
    let actor = store::Actor::new(
        "bench",
        domain::clock::Clock::now(&domain::clock::SystemClock),
    );
    let station = data
        .stations
        .iter()
        .find(|s| s.code == STATION)
        .ok_or_else(|| anyhow!("the demo has no station {STATION}"))?;
    let councils = station.councils();
    let day = data.election.election_day;
    let voters: Vec<String> = domain::demo::synthetic_roll(&data, args.seed, args.roll)
        .filter(|v| {
            councils.contains(&v.council.as_str())
                && v.status == domain::roll::VoterStatus::Alive
                && domain::person::age_on(v.birth_date, day) >= domain::roll::VOTING_AGE
        })
        .map(|v| v.national_id.to_string())
        .collect();
    if voters.len() < args.ballots as usize {
        bail!(
            "the roll of {} gives station {STATION} {} voters, fewer than --ballots {}",
            args.roll,
            voters.len(),
            args.ballots
        );
    }
    let digest = format!("synthetic:seed={}:voters={}", args.seed, args.roll);
    store::import::roll_from(
        fx.store.as_ref(),
        &data.election.code,
        domain::demo::synthetic_roll(&data, args.seed, args.roll),
        &digest,
        &actor,
    )
    .await
    .context("the roll")?;
    let names: Vec<String> = (1..=5).map(|n| format!("guardian {n}")).collect();
    let (record, _shares) =
        ballot_crypto::ceremony::deal(&data.election.code, &names, 3, &mut rand::rngs::OsRng)?;
    app::guardians::record_ceremony(fx.store.as_ref(), KeyKind::Election, &record, &actor)
        .await
        .map_err(|e| anyhow!("the key ceremony: {e}"))?;
    // The station's staff account (the fixture makes the HQ's and a governor's).
    fx.store
        .create_user(
            &store::NewUser {
                username: "station".into(),
                password_hash: web::auth::hash_password("station-1405")?,
                role: domain::access::Role::StationStaff,
                scope: domain::access::Scope::Station {
                    county: station.county_code.clone(),
                    station: STATION.into(),
                },
            },
            &actor,
        )
        .await?;
    let (served, _) = bench::server::serve_pinned(Arc::clone(&fx.store), &args.now).await?;
    let api = Arc::new(Api {
        http: Http::new(served.addr, 2 * args.kiosks as usize + 2),
    });
    let staff = api_login(&api.http, "station", "station-1405").await?;

    // The station opens (its inspector's post may be vacant in the demo).
    let opening = |inspector: bool| {
        json!({"presence": {"head": true, "governor_rep": true, "inspector": inspector},
            "empty_box_shown": true, "zero_reports_shown": true, "forms_received": 400})
    };
    let open_path = format!("/api/v1/stations/{STATION}/open");
    let (status, answer) = api
        .call(Method::POST, &open_path, &staff, Some(opening(true)))
        .await?;
    if status != StatusCode::OK {
        if answer["code"] != "post_vacant" {
            bail!("opening: {status} {answer}");
        }
        api.expect(
            Method::POST,
            &open_path,
            &staff,
            Some(opening(false)),
            StatusCode::OK,
        )
        .await?;
    }
    // The kiosks, paired as a station's staff pair them.
    let mut kiosks = Vec::new();
    for _ in 0..args.kiosks {
        let (status, asked) = api
            .call(Method::POST, "/api/v1/kiosk/pairing", "", None)
            .await?;
        if status != StatusCode::CREATED {
            bail!("a pairing: {status} {asked}");
        }
        api.expect(
            Method::POST,
            &format!("/api/v1/stations/{STATION}/kiosks"),
            &staff,
            Some(json!({"pairing_code": asked["pairing_code"]})),
            StatusCode::CREATED,
        )
        .await?;
        kiosks.push((
            asked["kiosk"].as_str().unwrap_or_default().to_owned(),
            asked["secret"].as_str().unwrap_or_default().to_owned(),
        ));
    }
    let mut candidates: std::collections::HashMap<String, (Vec<String>, usize)> =
        std::collections::HashMap::new();
    for council in &councils {
        let listed = api
            .expect(
                Method::GET,
                &format!("/api/v1/councils/{council}/candidates"),
                "",
                None,
                StatusCode::OK,
            )
            .await?;
        let codes: Vec<String> = listed
            .as_array()
            .map(|all| {
                all.iter()
                    .filter_map(|c| c["code"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let seats = data
            .councils
            .iter()
            .find(|c| c.code == *council)
            .map_or(1, |c| c.main_seats as usize);
        candidates.insert((*council).to_owned(), (codes, seats));
    }
    let candidates = Arc::new(candidates);
    eprintln!(
        "ready in {:.1} s: {} voters of station {STATION}, {} kiosks, councils {:?}",
        started.elapsed().as_secs_f64(),
        voters.len(),
        kiosks.len(),
        candidates
            .iter()
            .map(|(c, (codes, seats))| format!("{c}: {} candidates, {seats} seats", codes.len()))
            .collect::<Vec<_>>()
    );

    if args.waves {
        return casting_alone(
            &args,
            &api,
            &staff,
            &kiosks,
            &candidates,
            voters,
            fx,
            served,
        )
        .await;
    }
    let queue = Arc::new(std::sync::Mutex::new(
        voters
            .into_iter()
            .take(args.ballots as usize)
            .collect::<Vec<_>>(),
    ));
    let bytes_before = db_bytes(fx.dir.path());
    let cpu_before = bench::facts::process_cpu_secs();
    let began = Instant::now();
    let mut tasks = Vec::new();
    for (kiosk, secret) in kiosks {
        let (api, queue, staff, candidates) = (
            Arc::clone(&api),
            Arc::clone(&queue),
            staff.clone(),
            Arc::clone(&candidates),
        );
        tasks.push(tokio::spawn(async move {
            let mut casts = Vec::new();
            let mut rounds = Vec::new();
            while let Some(voter) = queue.lock().ok().and_then(|mut q| q.pop()) {
                let round = Instant::now();
                let checked = api
                    .expect(
                        Method::POST,
                        "/api/v1/checkins",
                        &staff,
                        Some(json!({"station": STATION, "national_id": voter})),
                        StatusCode::CREATED,
                    )
                    .await?;
                let council = checked["council"].as_str().unwrap_or_default().to_owned();
                api.expect(
                    Method::POST,
                    &format!("/api/v1/stations/{STATION}/kiosks/{kiosk}/activation"),
                    &staff,
                    Some(json!({"ballot_token": checked["ballot_token"]})),
                    StatusCode::CREATED,
                )
                .await?;
                let live = api
                    .expect(Method::GET, "/api/v1/kiosk", &secret, None, StatusCode::OK)
                    .await?;
                let (codes, seats) = candidates
                    .get(&council)
                    .cloned()
                    .ok_or_else(|| anyhow!("council {council} not on the station's ballot"))?;
                let choices: Vec<String> = {
                    let mut rng = rand::thread_rng();
                    let marked = rng.gen_range(0..=seats.min(codes.len()));
                    codes.choose_multiple(&mut rng, marked).cloned().collect()
                };
                let cast = Instant::now();
                api.expect(
                    Method::POST,
                    "/api/v1/ballots",
                    &secret,
                    Some(json!({"activation": live["ballot"]["activation"], "choices": choices})),
                    StatusCode::CREATED,
                )
                .await?;
                casts.push(cast.elapsed());
                rounds.push(round.elapsed());
            }
            anyhow::Ok((casts, rounds))
        }));
    }
    let (mut casts, mut rounds) = (Vec::new(), Vec::new());
    for task in tasks {
        let (c, r) = task.await??;
        casts.extend(c);
        rounds.extend(r);
    }
    let wall = began.elapsed().as_secs_f64();
    let cpu = bench::facts::process_cpu_secs() - cpu_before;
    let grown = db_bytes(fx.dir.path()).saturating_sub(bytes_before);
    served.stop().await;
    casts.sort();
    rounds.sort();
    let ballots = casts.len() as f64;
    let cast_busy: f64 = casts.iter().map(Duration::as_secs_f64).sum();
    println!(
        "{}",
        json!({
            "benchmark": "casting",
            "machine": machine(),
            "backend": "sqlite",
            "station": STATION,
            "kiosks": args.kiosks,
            "councils": candidates.iter().map(|(c, (codes, seats))| json!({"council": c, "candidates": codes.len(), "seats": seats})).collect::<Vec<_>>(),
            "ballots": casts.len(),
            "voters_per_s": ballots / wall,
            "cast_ms": {"p50": percentile_ms(&casts, 0.50), "p99": percentile_ms(&casts, 0.99), "max": percentile_ms(&casts, 1.0), "mean": 1000.0 * cast_busy / ballots},
            "voter_round_trip_ms": {"p50": percentile_ms(&rounds, 0.50), "p99": percentile_ms(&rounds, 0.99)},
            "process_cpu_ms_per_ballot": 1000.0 * cpu / ballots,
            "db_bytes_per_ballot": grown as f64 / ballots,
            "wall_s": wall,
            "note": "each ballot: check-in, activation and the kiosk's read, then the measured cast; voters_per_s counts the whole round, the cast alone is cast_ms",
        })
    );
    Ok(())
}

/// The `--waves` measure: casts alone, the kiosks at once, after their voters' check-ins and
/// activations (untimed).
#[allow(clippy::too_many_arguments)]
async fn casting_alone(
    args: &Args,
    api: &Arc<Api>,
    staff: &str,
    kiosks: &[(String, String)],
    candidates: &Arc<std::collections::HashMap<String, (Vec<String>, usize)>>,
    voters: Vec<String>,
    fx: fixture::Fixture,
    served: bench::server::Served,
) -> anyhow::Result<()> {
    let mut voters = voters.into_iter().take(args.ballots as usize);
    let (mut casts, mut casting_secs) = (Vec::new(), 0.0);
    let bytes_before = db_bytes(fx.dir.path());
    let mut cpu_casting = 0.0;
    'waves: loop {
        // Untimed: a voter checked in and activated on each kiosk.
        let mut ready = Vec::new();
        for (kiosk, secret) in kiosks {
            let Some(voter) = voters.next() else {
                if ready.is_empty() {
                    break 'waves;
                }
                break;
            };
            let checked = api
                .expect(
                    Method::POST,
                    "/api/v1/checkins",
                    staff,
                    Some(json!({"station": STATION, "national_id": voter})),
                    StatusCode::CREATED,
                )
                .await?;
            api.expect(
                Method::POST,
                &format!("/api/v1/stations/{STATION}/kiosks/{kiosk}/activation"),
                staff,
                Some(json!({"ballot_token": checked["ballot_token"]})),
                StatusCode::CREATED,
            )
            .await?;
            let live = api
                .expect(Method::GET, "/api/v1/kiosk", secret, None, StatusCode::OK)
                .await?;
            let council = checked["council"].as_str().unwrap_or_default().to_owned();
            let (codes, seats) = candidates
                .get(&council)
                .cloned()
                .ok_or_else(|| anyhow!("council {council} not on the station's ballot"))?;
            let choices: Vec<String> = {
                let mut rng = rand::thread_rng();
                let marked = rng.gen_range(0..=seats.min(codes.len()));
                codes.choose_multiple(&mut rng, marked).cloned().collect()
            };
            ready.push((
                secret.clone(),
                json!({"activation": live["ballot"]["activation"], "choices": choices}),
            ));
        }
        // Timed: every kiosk casts at once.
        let cpu_before = bench::facts::process_cpu_secs();
        let wave = Instant::now();
        let mut tasks = Vec::new();
        for (secret, body) in ready {
            let api = Arc::clone(api);
            tasks.push(tokio::spawn(async move {
                let cast = Instant::now();
                api.expect(
                    Method::POST,
                    "/api/v1/ballots",
                    &secret,
                    Some(body),
                    StatusCode::CREATED,
                )
                .await?;
                anyhow::Ok(cast.elapsed())
            }));
        }
        for task in tasks {
            casts.push(task.await??);
        }
        casting_secs += wave.elapsed().as_secs_f64();
        cpu_casting += bench::facts::process_cpu_secs() - cpu_before;
    }
    let grown = db_bytes(fx.dir.path()).saturating_sub(bytes_before);
    served.stop().await;
    casts.sort();
    let ballots = casts.len() as f64;
    println!(
        "{}",
        json!({
            "benchmark": "casting_alone",
            "machine": machine(),
            "backend": "sqlite",
            "station": STATION,
            "kiosks": args.kiosks,
            "councils": candidates.iter().map(|(c, (codes, seats))| json!({"council": c, "candidates": codes.len(), "seats": seats})).collect::<Vec<_>>(),
            "ballots": casts.len(),
            "casts_per_s": ballots / casting_secs,
            "cast_ms": {"p50": percentile_ms(&casts, 0.50), "p99": percentile_ms(&casts, 0.99), "max": percentile_ms(&casts, 1.0)},
            "process_cpu_ms_per_cast": 1000.0 * cpu_casting / ballots,
            "db_bytes_per_round": grown as f64 / ballots,
            "casting_s": casting_secs,
            "note": "waves: each kiosk's voter checked in and activated untimed, then all kiosks cast at once, timed",
        })
    );
    Ok(())
}
