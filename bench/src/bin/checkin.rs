//! Issue 4's election-day benchmark: voter check-in over HTTP (`POST /api/v1/checkins`) at many
//! stations at once, against SQLite and against PostgreSQL, each holding Kerman's roll of 2.3
//! million voters. In the same run and with the same load tool it measures `GET /healthz` on the
//! same server, and pgbench's rate for a plain `INSERT … ON CONFLICT DO NOTHING` on the same
//! PostgreSQL cluster, so that the check-in rate can be read against both. Prints one JSON object
//! for pgbench, then one per backend, on standard output.
//!
//! The load tool is wrk (a separate process, `-t 2`, with `bench/wrk/checkin.lua`) when it is
//! installed, else (or with `--load-tool builtin`) the in-process hyper client of `bench::load`.
//!
//! `cargo run --release -p bench --bin checkin [-- --backend sqlite|postgres|both]`

// The backend's JSON object is one `json!` with many fields.
#![recursion_limit = "256"]

use anyhow::{anyhow, bail, Context};
use bench::client::{Http, Reply};
use bench::facts::{io_write_bytes, mib, round, status_kib};
use bench::load::{self, Judge, MakeNth, MakeRequest, Run, Summary};
use bench::pg::PgDatabase;
use clap::{Parser, ValueEnum};
use domain::access::{Role, Scope};
use domain::demo::{DemoData, DemoOptions};
use domain::roll::{Voter, VoterStatus};
use domain::station_day::DayState;
use hyper::body::Bytes;
use hyper::header;
use hyper::{Method, StatusCode};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::{Actor, NewSession, NewUser, Store};
use time::OffsetDateTime;

/// The issue's targets, for SQLite: check-ins at least this share of the same server's
/// `/healthz` rate…
const TARGET_VS_HEALTHZ: f64 = 0.6;
/// …and at least this multiple of pgbench's plain-insert rate, with this p99…
const TARGET_VS_PGBENCH: f64 = 1.5;
const TARGET_P99_MS: f64 = 20.0;
/// …and the server's memory under this with the roll loaded.
const TARGET_RSS_MIB: f64 = 300.0;

/// The password of every station user (nobody logs in: sessions are made directly).
const PASSWORD: &str = "bench-checkin-1405";

/// The wrk script (check-ins or `/healthz`, as its plan file says).
const WRK_SCRIPT: &str = include_str!("../../wrk/checkin.lua");
/// wrk's threads (`-t`), as in DESIGN §3.
const WRK_THREADS: usize = 2;
/// With wrk, check-ins are prepared for this rate over the run's seconds (capped by the voters
/// set aside): more than the server reaches, so that a run ends by its time, not its plan.
const WRK_PLAN_RATE: usize = 60_000;
/// wrk's `-d` is the script's own time plus this: the script stops each thread once its replies
/// are in, and `-d` is only the backstop.
const WRK_BACKSTOP_SECS: u64 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LoadTool {
    /// wrk, a separate process (`-t 2`), with bench/wrk/checkin.lua.
    Wrk,
    /// The in-process hyper client of `bench::load`.
    Builtin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Backend {
    Sqlite,
    Postgres,
    Both,
}

#[derive(Debug, Parser)]
#[command(
    about = "Measures voter check-in over HTTP on SQLite and PostgreSQL with Kerman's roll, \
             against the same server's /healthz and pgbench's plain insert"
)]
struct Args {
    /// Which stores to measure; PostgreSQL needs --postgres-url (skipped under `both` without).
    #[arg(long, value_enum, default_value_t = Backend::Both)]
    backend: Backend,
    /// A PostgreSQL admin URL: the benchmark creates its own database on that cluster (and
    /// drops it at the end), and runs pgbench there.
    #[arg(long, env = "SANDOQ_TEST_POSTGRES_URL", hide_env_values = true)]
    postgres_url: Option<String>,
    /// Voters on the roll (Kerman has about 2.3 million).
    #[arg(long, default_value_t = 2_300_000, value_parser = clap::value_parser!(u32).range(1_000..=10_000_000))]
    voters: u32,
    /// Stations taking check-ins, spread round-robin over the 25 counties.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=2_000))]
    stations: u32,
    /// The load generator: wrk when found (on PATH or /usr/bin/wrk), else the builtin client.
    #[arg(long, value_enum)]
    load_tool: Option<LoadTool>,
    /// The wrk program (default: wrk on PATH, else /usr/bin/wrk).
    #[arg(long)]
    wrk: Option<PathBuf>,
    /// With wrk: seconds of each measured run (check-ins, then /healthz).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    duration: u64,
    /// With wrk: seconds of each unmeasured warm-up run.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=60))]
    warmup_secs: u64,
    /// Builtin client: measured requests per target (check-ins, then /healthz).
    #[arg(long, default_value_t = 150_000, value_parser = clap::value_parser!(u32).range(1..=2_000_000))]
    requests: u32,
    /// Builtin client: unmeasured requests per target before measuring.
    #[arg(long, default_value_t = 5_000, value_parser = clap::value_parser!(u32).range(0..=200_000))]
    warmup: u32,
    /// Builtin client: longest a run (warm-up or measured) may take, in seconds; it stops early
    /// (and says so).
    #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..=3_600))]
    secs: u64,
    /// Concurrent connections (builtin: client tasks, one keep-alive connection each; wrk: `-c`).
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=1_024))]
    concurrency: u32,
    /// Share of check-ins, in percent, that repeat a voter already checked in (answered 409).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(0..=90))]
    repeat_percent: u32,
    /// How long pgbench runs, in seconds.
    #[arg(long, default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..=600))]
    pgbench_secs: u64,
    /// pgbench's clients (`-c`); it runs 2 threads (`-j 2`).
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(2..=256))]
    pgbench_clients: u32,
    /// The pgbench program (default: the newest /usr/lib/postgresql/*/bin/pgbench, else on PATH).
    #[arg(long)]
    pgbench: Option<PathBuf>,
    /// People of the demo province (the first of the roll; they play no other part here).
    #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u32).range(0..=100_000))]
    people: u32,
    /// Seed of the demo, the roll and the load's draws.
    #[arg(long, default_value_t = 1405)]
    seed: u64,
}

/// The machine's load when the benchmark started, before its own work raised it.
static LOAD_AT_START: std::sync::OnceLock<Option<f64>> = std::sync::OnceLock::new();

/// [`bench::facts::machine`], with the load when the benchmark started.
fn machine_facts() -> Value {
    let mut facts = bench::facts::machine();
    facts["loadavg_1m_at_start"] = json!(LOAD_AT_START.get().copied().flatten());
    facts
}

fn progress(started: Instant, what: &str) {
    eprintln!("[{:7.1} s] {what}", started.elapsed().as_secs_f64());
}

/// A uniform draw below `n` (> 0); the modulo bias is below 1e-13 for the sizes used here.
fn below(rng: &mut ChaCha8Rng, n: usize) -> usize {
    (rng.next_u64() % n.max(1) as u64) as usize
}

// ---------------------------------------------------------------------------------------------
// Stations, voters and the load's plan

/// A station taking check-ins, with the credentials of its staff's device.
struct Desk {
    code: String,
    county: String,
    councils: Vec<String>,
    /// `Bearer …` of the station's own `station_staff` user.
    authorization: String,
}

/// `count` open stations, taken in turn from each county, each county's in order of its
/// council's population (largest first, so the city stations with most voters come first).
/// Gives a station a head and a governor's representative where the demo left it without (a
/// small demo staffs few stations), so that it may open: nobody is recorded present at an
/// opening whose post is vacant.
async fn staff_for_opening(
    store: &dyn store::Store,
    station: &str,
    n: usize,
    by: &store::Actor,
) -> anyhow::Result<()> {
    use domain::staffing::Post;
    let held: Vec<Post> = store
        .station_staff(station)
        .await?
        .into_iter()
        .map(|a| a.post)
        .collect();
    for (k, post) in [Post::Head, Post::GovernorRep].into_iter().enumerate() {
        if held.contains(&post) {
            continue;
        }
        let number = u32::try_from(n * 2 + k).context("too many stations")?;
        let national_id = domain::ids::NationalId::with_check_digit(920_000_000 + number)
            .context("a staff national id")?;
        let person = domain::person::Person {
            national_id: national_id.clone(),
            first_name: "کارمند".into(),
            last_name: "شعبه".into(),
            father_name: "پدر".into(),
            gender: domain::person::Gender::Male,
            birth_date: time::macros::date!(1970 - 01 - 01),
            mobile: None,
            education: None,
            sitting_council_member: false,
            relatives: Vec::new(),
        };
        store.create_person(&person, by).await?;
        store
            .assign_post(station, post, national_id.as_str(), by)
            .await
            .with_context(|| format!("cannot staff station {station}"))?;
    }
    Ok(())
}

fn pick_stations(data: &DemoData, count: usize) -> anyhow::Result<Vec<Desk>> {
    let population: HashMap<&str, i64> = data
        .councils
        .iter()
        .map(|c| (c.code.as_str(), c.population))
        .collect();
    let mut by_county: BTreeMap<&str, Vec<&domain::station::Station>> = BTreeMap::new();
    for s in data.stations.iter().filter(|s| !s.closed) {
        by_county.entry(&s.county_code).or_default().push(s);
    }
    for list in by_county.values_mut() {
        list.sort_by(|a, b| {
            let pa = population
                .get(a.council_code.as_str())
                .copied()
                .unwrap_or(0);
            let pb = population
                .get(b.council_code.as_str())
                .copied()
                .unwrap_or(0);
            pb.cmp(&pa).then_with(|| a.code.cmp(&b.code))
        });
        list.reverse(); // popped from the end
    }
    let mut out = Vec::with_capacity(count);
    while out.len() < count && by_county.values().any(|l| !l.is_empty()) {
        for list in by_county.values_mut() {
            if out.len() == count {
                break;
            }
            if let Some(s) = list.pop() {
                out.push(Desk {
                    code: s.code.clone(),
                    county: s.county_code.clone(),
                    councils: s.councils().into_iter().map(str::to_owned).collect(),
                    authorization: String::new(),
                });
            }
        }
    }
    if out.len() < count {
        bail!(
            "the demo has only {} open stations, fewer than --stations {count}",
            out.len()
        );
    }
    Ok(out)
}

/// Eligible voters set aside for each chosen station, kept as numbers (a national id's ten
/// digits), at most `cap` per station. A voter is set aside for one station only: the chosen
/// stations serving the voter's council take them in turn.
struct Pools {
    cap: usize,
    ids: Vec<Vec<u64>>,
    /// Council → the chosen stations serving it, and whose turn is next.
    serving: HashMap<String, (Vec<usize>, usize)>,
    election_day: time::Date,
}

impl Pools {
    fn new(desks: &[Desk], cap: usize, election_day: time::Date) -> Self {
        let mut serving: HashMap<String, (Vec<usize>, usize)> = HashMap::new();
        for (i, d) in desks.iter().enumerate() {
            for c in &d.councils {
                serving.entry(c.clone()).or_default().0.push(i);
            }
        }
        Self {
            cap,
            ids: vec![Vec::new(); desks.len()],
            serving,
            election_day,
        }
    }

    /// Sets the voter aside when a chosen station may check them in and has room.
    fn offer(&mut self, v: &Voter) {
        if v.status != VoterStatus::Alive
            || domain::person::age_on(v.birth_date, self.election_day) < domain::roll::VOTING_AGE
        {
            return;
        }
        let Some((stations, turn)) = self.serving.get_mut(v.council.as_str()) else {
            return;
        };
        let Ok(id) = v.national_id.as_str().parse::<u64>() else {
            return;
        };
        for _ in 0..stations.len() {
            let s = stations[*turn % stations.len()];
            *turn = turn.wrapping_add(1);
            if let Some(pool) = self.ids.get_mut(s).filter(|p| p.len() < self.cap) {
                pool.push(id);
                return;
            }
        }
    }

    fn total(&self) -> usize {
        self.ids.iter().map(Vec::len).sum()
    }
}

/// One planned check-in: a station (index into the desks) and an unused eligible voter of it;
/// `repeat` asks for a voter already checked in instead (answered 409 `already_voted`), and the
/// planned voter is then the spare used only when no check-in has been answered yet.
#[derive(Debug, Clone, Copy)]
struct Planned {
    station: u32,
    national_id: u64,
    repeat: bool,
}

/// The check-ins of one run, drawn before it starts (so the clients spend no time drawing):
/// each request a random station (among those with voters left) and an unused eligible voter
/// of it, and with probability `repeat_percent` a repeat.
fn plan(
    pools: &mut [Vec<u64>],
    n: usize,
    repeat_percent: u32,
    rng: &mut ChaCha8Rng,
) -> anyhow::Result<Vec<Planned>> {
    let mut live: Vec<usize> = (0..pools.len()).filter(|&s| !pools[s].is_empty()).collect();
    let mut out: Vec<Planned> = Vec::with_capacity(n);
    for i in 0..n {
        if live.is_empty() {
            bail!("the voter pools ran dry after {i} of {n} check-ins");
        }
        let k = below(rng, live.len());
        let s = live[k];
        // A random voter of the pool, not its last: the pools are filled in roll order, so
        // taking them in turn would check each station's voters in by ascending national id
        // and every station's inserts would land on the same few pages of the store's index,
        // where real voters arrive in no order of their ids.
        if pools[s].is_empty() {
            bail!("an empty pool among the live ones");
        }
        let national_id = pools[s].swap_remove(below(rng, pools[s].len()));
        if pools[s].is_empty() {
            live.swap_remove(k);
        }
        out.push(Planned {
            station: s as u32,
            national_id,
            repeat: (rng.next_u32() % 100) < repeat_percent,
        });
    }
    Ok(out)
}

/// Voters whose check-in has been answered 201, as (station, national id): what a repeat
/// draws from, so that it is certain to be refused (a repeat drawn from requests merely sent
/// earlier could overtake its original).
type Answered = Arc<std::sync::Mutex<Vec<(u32, u64)>>>;

fn locked<T>(m: &std::sync::Mutex<T>) -> anyhow::Result<std::sync::MutexGuard<'_, T>> {
    m.lock().map_err(|_| anyhow!("a lock was poisoned"))
}

/// SplitMix64: a cheap, lock-free draw for the request being built.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The requests and the judge of a planned run of check-ins. A planned repeat sends a voter
/// drawn from `answered`; every first check-in answered 201 joins it.
fn checkin_load(
    http: &Http,
    desks: &Arc<Vec<Desk>>,
    plan: Vec<Planned>,
    answered: &Answered,
    seed: u64,
) -> (MakeNth, Judge) {
    let plan = Arc::new(plan);
    // What request i was sent as: true for a repeat.
    let sent_repeat: Arc<Vec<AtomicBool>> =
        Arc::new((0..plan.len()).map(|_| AtomicBool::new(false)).collect());
    let (client, desks_m, plan_m) = (http.clone(), desks.clone(), plan.clone());
    let (answered_m, sent_m) = (answered.clone(), sent_repeat.clone());
    let make: MakeNth = Arc::new(move |i| {
        let p = plan_m
            .get(i)
            .ok_or_else(|| anyhow!("request {i} is beyond the plan"))?;
        let mut target = (p.station, p.national_id);
        if p.repeat {
            let done = locked(&answered_m)?;
            if !done.is_empty() {
                let k = (mix(seed ^ i as u64) % done.len() as u64) as usize;
                target = done[k];
                if let Some(flag) = sent_m.get(i) {
                    flag.store(true, Ordering::Relaxed);
                }
            }
        }
        let desk = desks_m
            .get(target.0 as usize)
            .ok_or_else(|| anyhow!("no station {}", target.0))?;
        let body = format!(
            r#"{{"station":"{}","national_id":"{:010}"}}"#,
            desk.code, target.1
        );
        client.request(
            Method::POST,
            "/api/v1/checkins",
            &[
                (header::CONTENT_TYPE, "application/json".into()),
                (header::AUTHORIZATION, desk.authorization.clone()),
            ],
            Bytes::from(body),
        )
    });
    let answered = answered.clone();
    let judge: Judge = Arc::new(move |i, reply: &Reply| {
        let repeat = sent_repeat
            .get(i)
            .is_some_and(|f| f.load(Ordering::Relaxed));
        if repeat {
            reply.check_status(StatusCode::CONFLICT, "a repeated check-in")?;
            let problem: Value = serde_json::from_slice(&reply.body)
                .with_context(|| format!("a 409 that is not JSON: {}", reply.body_head()))?;
            if problem["code"] != "already_voted" {
                bail!(
                    "a repeated check-in refused otherwise: {}",
                    reply.body_head()
                );
            }
        } else {
            reply.check_status(StatusCode::CREATED, "a first check-in")?;
            if !reply.body.windows(14).any(|w| w == b"\"ballot_token\"") {
                bail!("a 201 without a ballot token: {}", reply.body_head());
            }
            let p = plan
                .get(i)
                .ok_or_else(|| anyhow!("reply {i} is beyond the plan"))?;
            locked(&answered)?.push((p.station, p.national_id));
        }
        Ok(())
    });
    (make, judge)
}

// ---------------------------------------------------------------------------------------------
// wrk: the plan files its script reads

/// The check-ins of a wrk run as one slice per wrk thread, each `(station, national id)`: the
/// plan cut in `threads` consecutive parts. A planned repeat sends again the voter of a line at
/// least `gap` lines earlier in the same slice: the thread sends its lines in order, so that line
/// went out first, though its reply may still come after the repeat's when it is slow (then the
/// repeat is the one answered 201, and the original 409). Planned repeats among a slice's first
/// `gap` lines are first check-ins of their own voter.
fn wrk_slices(plan: &[Planned], threads: usize, gap: usize, seed: u64) -> Vec<Vec<(u32, u64)>> {
    let threads = threads.max(1);
    let n = plan.len();
    (0..threads)
        .map(|t| {
            let part = plan
                .get(t * n / threads..(t + 1) * n / threads)
                .unwrap_or(&[]);
            let mut out: Vec<(u32, u64)> = Vec::with_capacity(part.len());
            for (k, p) in part.iter().enumerate() {
                let earlier = (p.repeat && k > gap)
                    .then(|| (mix(seed ^ (t * n + k) as u64) % (k - gap) as u64) as usize)
                    .and_then(|j| out.get(j).copied());
                out.push(earlier.unwrap_or((p.station, p.national_id)));
            }
            out
        })
        .collect()
}

/// Writes a plan for the wrk script: the line `sandoq-wrk-plan <mode> <secs> <threads>` followed
/// by each slice's byte offset (from the end of that line) and line count, then the slices' lines
/// `<token> <station> <national id>`.
fn write_wrk_plan(
    path: &Path,
    mode: &str,
    secs: u64,
    slices: &[Vec<(u32, u64)>],
    desks: &[Desk],
) -> anyhow::Result<()> {
    let mut bodies = Vec::with_capacity(slices.len());
    for slice in slices {
        let mut text = String::with_capacity(slice.len() * 72);
        for &(station, national_id) in slice {
            let desk = desks
                .get(station as usize)
                .ok_or_else(|| anyhow!("no station {station}"))?;
            let token = desk
                .authorization
                .strip_prefix("Bearer ")
                .unwrap_or(&desk.authorization);
            if desk.code.contains(|c: char| c.is_whitespace() || c == '"')
                || token.contains(char::is_whitespace)
            {
                bail!(
                    "station {} or its token cannot go in a plan line",
                    desk.code
                );
            }
            writeln!(text, "{token} {} {national_id:010}", desk.code)?;
        }
        bodies.push((slice.len(), text));
    }
    let mut header = format!("sandoq-wrk-plan {mode} {secs} {}", slices.len());
    let mut offset = 0;
    for (lines, text) in &bodies {
        write!(header, " {offset} {lines}")?;
        offset += text.len();
    }
    header.push('\n');
    let mut file = std::io::BufWriter::new(
        std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?,
    );
    file.write_all(header.as_bytes())?;
    for (_, text) in &bodies {
        file.write_all(text.as_bytes())?;
    }
    file.flush()?;
    Ok(())
}

/// The files of the wrk runs of one backend, in a temporary directory.
struct WrkFiles {
    _dir: tempfile::TempDir,
    script: PathBuf,
    warm_checkins: PathBuf,
    checkins: PathBuf,
    warm_healthz: PathBuf,
    healthz: PathBuf,
    /// Check-ins prepared for the warm-up and for the measured run.
    warm_lines: usize,
    lines: usize,
}

impl WrkFiles {
    /// Plans `lines` check-ins from the pools, split between the warm-up and the measured run in
    /// proportion to their seconds, and writes them with the script and the `/healthz` plans.
    fn write(
        args: &Args,
        threads: usize,
        pools: &mut [Vec<u64>],
        lines: usize,
        desks: &[Desk],
        rng: &mut ChaCha8Rng,
    ) -> anyhow::Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("sandoq-bench-wrk-")
            .tempdir()?;
        let script = dir.path().join("checkin.lua");
        std::fs::write(&script, WRK_SCRIPT)?;
        let warm_lines =
            (lines as u64 * args.warmup_secs / (args.warmup_secs + args.duration)) as usize;
        let lines = lines - warm_lines;
        // A repeat's original at least two rounds of the thread's connections earlier.
        let gap = 2 * (args.concurrency as usize / threads.max(1));
        let mut plans = Vec::new();
        for (name, n, secs) in [
            ("warm-checkins.plan", warm_lines, args.warmup_secs),
            ("checkins.plan", lines, args.duration),
        ] {
            let planned = plan(pools, n, args.repeat_percent, rng)?;
            let slices = wrk_slices(&planned, threads, gap, args.seed ^ n as u64);
            let path = dir.path().join(name);
            write_wrk_plan(&path, "checkin", secs, &slices, desks)?;
            plans.push(path);
        }
        let mut healthz = Vec::new();
        for (name, secs) in [
            ("warm-healthz.plan", args.warmup_secs),
            ("healthz.plan", args.duration),
        ] {
            let path = dir.path().join(name);
            write_wrk_plan(&path, "healthz", secs, &vec![Vec::new(); threads], desks)?;
            healthz.push(path);
        }
        let mut plans = plans.into_iter();
        let mut healthz = healthz.into_iter();
        let missing = || anyhow!("a plan file went missing");
        Ok(Self {
            script,
            warm_checkins: plans.next().ok_or_else(missing)?,
            checkins: plans.next().ok_or_else(missing)?,
            warm_healthz: healthz.next().ok_or_else(missing)?,
            healthz: healthz.next().ok_or_else(missing)?,
            _dir: dir,
            warm_lines,
            lines,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL: the benchmark's own database, and pgbench

/// A PostgreSQL version string and the durability settings that the comparison rests on.
async fn settings(db: &PgDatabase) -> anyhow::Result<Value> {
    use sqlx::{Connection, Row};
    let mut conn = sqlx::PgConnection::connect(&db.url).await?;
    let mut out = serde_json::Map::new();
    for name in [
        "server_version",
        "fsync",
        "synchronous_commit",
        "wal_sync_method",
    ] {
        let row = sqlx::query(&format!("SHOW {name}"))
            .fetch_one(&mut conn)
            .await?;
        out.insert(name.into(), Value::String(row.try_get(0)?));
    }
    conn.close().await?;
    Ok(Value::Object(out))
}

/// The pgbench program: the option, else the newest server version's, else one on PATH.
fn find_pgbench(option: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = option {
        return Some(p.to_owned());
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let path = e.path().join("bin/pgbench");
            path.is_file().then_some((version, path))
        })
        .collect();
    versions.sort();
    if let Some((_, p)) = versions.pop() {
        return Some(p);
    }
    let on_path = std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join("pgbench"))
        .find(|p| p.is_file());
    on_path
}

/// What pgbench reached, or why it did not run.
enum Pgbench {
    Ran { tps: f64, line: Value },
    Skipped(String),
}

impl Pgbench {
    fn tps(&self) -> Option<f64> {
        match self {
            Self::Ran { tps, .. } => Some(*tps),
            Self::Skipped(_) => None,
        }
    }
}

/// The number after `key` on the first line of `out` that starts with it.
fn figure(out: &str, key: &str) -> Option<f64> {
    out.lines()
        .find_map(|l| l.trim().strip_prefix(key))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

/// pgbench's rate without connection set-up: `tps = N (without initial connection time)` since
/// PostgreSQL 14, `(excluding connections establishing)` before.
fn pgbench_tps(out: &str) -> Option<f64> {
    out.lines()
        .filter(|l| l.starts_with("tps = "))
        .find(|l| l.contains("without initial connection") || l.contains("excluding"))
        .and_then(|l| figure(l, "tps = "))
}

async fn run_pgbench(args: &Args, db: &PgDatabase, started: Instant) -> anyhow::Result<Pgbench> {
    let Some(program) = find_pgbench(args.pgbench.as_deref()) else {
        return Ok(Pgbench::Skipped(
            "pgbench not found (Debian: postgresql-contrib or postgresql)".into(),
        ));
    };
    {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(&db.url).await?;
        sqlx::raw_sql("CREATE TABLE plain_insert (id bigint PRIMARY KEY)")
            .execute(&mut conn)
            .await?;
        conn.close().await?;
    }
    let dir = tempfile::Builder::new()
        .prefix("sandoq-bench-pgbench-")
        .tempdir()?;
    let script = dir.path().join("plain_insert.sql");
    std::fs::write(
        &script,
        "\\set id random(1, 1000000000)\nINSERT INTO plain_insert VALUES (:id) ON CONFLICT DO NOTHING;\n",
    )?;
    let (clients, secs) = (args.pgbench_clients, args.pgbench_secs);
    progress(
        started,
        &format!("pgbench: {clients} clients, 2 threads, {secs} s of plain inserts"),
    );
    let mut command = tokio::process::Command::new(&program);
    command
        .args([
            "-n",
            "-c",
            &clients.to_string(),
            "-j",
            "2",
            "-T",
            &secs.to_string(),
            "-f",
        ])
        .arg(&script)
        .arg(&db.url)
        .kill_on_drop(true);
    let output = tokio::time::timeout(Duration::from_secs(secs + 120), command.output())
        .await
        .map_err(|_| anyhow!("pgbench did not finish within {} s", secs + 120))?
        .with_context(|| format!("cannot run {}", program.display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!(
            "pgbench failed ({}): {}{}",
            output.status,
            stdout,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let tps = pgbench_tps(&stdout)
        .ok_or_else(|| anyhow!("no `tps = … (without initial connection time)` in:\n{stdout}"))?;
    let version = String::from_utf8_lossy(
        &tokio::process::Command::new(&program)
            .arg("--version")
            .output()
            .await?
            .stdout,
    )
    .trim()
    .to_owned();
    let line = json!({
        "target": "pgbench_plain_insert",
        "script": "\\set id random(1, 1000000000); INSERT INTO plain_insert VALUES (:id) ON CONFLICT DO NOTHING",
        "command": format!("pgbench -n -c {clients} -j 2 -T {secs} -f plain_insert.sql"),
        "pgbench": version,
        "clients": clients,
        "threads": 2,
        "secs": secs,
        "tps": round(tps, 1),
        "transactions": figure(&stdout, "number of transactions actually processed:"),
        "failed": figure(&stdout, "number of failed transactions:"),
        "latency_avg_ms": figure(&stdout, "latency average ="),
        "postgres": settings(db).await?,
        "machine": machine_facts(),
    });
    Ok(Pgbench::Ran { tps, line })
}

// ---------------------------------------------------------------------------------------------
// One backend

/// Samples the process's resident set every 50 ms and keeps the largest, until told to stop.
struct RssSampler {
    max_kib: Arc<AtomicU64>,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl RssSampler {
    fn start() -> Self {
        let max_kib = Arc::new(AtomicU64::new(status_kib("VmRSS:")));
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let max = max_kib.clone();
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(50));
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    _ = tick.tick() => {
                        max.fetch_max(status_kib("VmRSS:"), Ordering::Relaxed);
                    }
                }
            }
        });
        Self {
            max_kib,
            stop,
            task,
        }
    }

    async fn finish(self) -> u64 {
        let _ = self.stop.send(());
        let _ = self.task.await;
        self.max_kib
            .load(Ordering::Relaxed)
            .max(status_kib("VmRSS:"))
    }
}

/// A loaded store: the server's, with everything the load needs.
struct Loaded {
    election: String,
    at: OffsetDateTime,
    desks: Vec<Desk>,
    pools: Vec<Vec<u64>>,
    pooled: usize,
    roll: u64,
    roll_secs: f64,
}

/// Loads the province and the roll (setting aside each chosen station's voters as the roll
/// streams by: room for `needed`, at least `required`), creates each station's staff user and
/// session, and opens the stations.
async fn load_store(
    store: &dyn Store,
    args: &Args,
    started: Instant,
    needed: usize,
    required: usize,
) -> anyhow::Result<Loaded> {
    let data = domain::demo::kerman(DemoOptions {
        seed: args.seed,
        people: args.people as usize,
    })
    .map_err(|e| anyhow!("cannot build the demo: {e}"))?;
    let (opens, _) = store::election_day::polls(&data.election)
        .ok_or_else(|| anyhow!("the demo election has no election_day milestone"))?;
    // 09:00 Tehran on election day, an hour after the polls open.
    let at = opens + time::Duration::hours(1);
    let by = Actor::new("bench", at);
    store.load_demo(&data, &by).await?;
    progress(
        started,
        &format!(
            "province loaded: {} stations, {} councils, {} people",
            data.stations.len(),
            data.councils.len(),
            data.people.len()
        ),
    );

    let mut desks = pick_stations(&data, args.stations as usize)?;
    // Room for every request of both runs to be a first check-in, twice over per station, so
    // that stations short of voters leave enough to the others.
    let cap = needed.div_ceil(desks.len()) * 2 + 16;
    let mut pools = Pools::new(&desks, cap, data.election.election_day);

    let count = args.voters as usize;
    let roll_started = Instant::now();
    let digest = format!("synthetic:seed={}:voters={count}", args.seed);
    let voters = domain::demo::synthetic_roll(&data, args.seed, count).inspect(|v| pools.offer(v));
    let imported = store::import::roll_from(store, &data.election.code, voters, &digest, &by).await;
    let roll = imported.context("cannot import the roll")?;
    let roll_secs = roll_started.elapsed().as_secs_f64();
    if roll != count as u64 {
        bail!("imported {roll} of {count} voters");
    }
    let pooled = pools.total();
    progress(
        started,
        &format!(
            "roll imported: {roll} voters in {roll_secs:.1} s ({:.0}/s); {pooled} eligible voters \
             set aside for {} stations",
            roll as f64 / roll_secs.max(1e-9),
            desks.len()
        ),
    );
    if pooled < required {
        bail!(
            "only {pooled} eligible voters at the {} chosen stations, fewer than the {required} \
             check-ins of the runs: raise --voters or --stations, or lower --requests/--warmup",
            desks.len()
        );
    }

    let password_hash =
        web::auth::hash_password(PASSWORD).map_err(|e| anyhow!("cannot hash a password: {e}"))?;
    let expires_at_us = domain::clock::to_micros(at + time::Duration::days(7));
    for (n, desk) in desks.iter_mut().enumerate() {
        let username = format!("bench-{}", desk.code);
        store
            .create_user(
                &NewUser {
                    username: username.clone(),
                    password_hash: password_hash.clone(),
                    role: Role::StationStaff,
                    scope: Scope::Station {
                        county: desk.county.clone(),
                        station: desk.code.clone(),
                    },
                },
                &by,
            )
            .await
            .with_context(|| format!("cannot create user {username}"))?;
        let token = web::auth::new_token();
        store
            .create_session(
                &NewSession {
                    token_hash: web::auth::token_hash(&token),
                    username,
                    csrf_token: web::auth::new_token(),
                    expires_at_us,
                    // A station's desk on its polling day: no idle timeout.
                    idle_timeout_us: None,
                },
                &by,
            )
            .await?;
        desk.authorization = format!("Bearer {token}");
        staff_for_opening(store, &desk.code, n, &by).await?;
        let day =
            store::election_day::open_as_staffed(store, &data.election.code, &desk.code, 1000, &by)
                .await
                .with_context(|| format!("cannot open station {}", desk.code))?;
        if day.state != DayState::Open {
            bail!("station {} is {:?} after opening", desk.code, day.state);
        }
    }
    progress(
        started,
        &format!(
            "{} stations open, each with its staff's session",
            desks.len()
        ),
    );
    Ok(Loaded {
        election: data.election.code.clone(),
        at,
        desks,
        pools: pools.ids,
        pooled,
        roll,
        roll_secs,
    })
}

/// The load tool of the runs, as chosen from `--load-tool` and what is installed.
#[derive(Debug, Clone)]
enum Tool {
    Wrk { program: PathBuf, version: String },
    Builtin,
}

/// [`Tool`], and why it is not the one asked for or the default.
#[derive(Debug, Clone)]
struct LoadChoice {
    tool: Tool,
    note: Option<String>,
}

impl LoadChoice {
    async fn of(args: &Args) -> anyhow::Result<Self> {
        const INSTALL: &str = "Debian: apt-get install -y wrk";
        let found = bench::wrk::find(args.wrk.as_deref());
        let missing = match &args.wrk {
            Some(p) => format!("--wrk {} is not a file", p.display()),
            None => format!("wrk is not on PATH nor at /usr/bin/wrk ({INSTALL})"),
        };
        let tool = match (args.load_tool, found) {
            (Some(LoadTool::Builtin), _) => Tool::Builtin,
            (Some(LoadTool::Wrk) | None, Some(program)) => {
                let version = bench::wrk::version(&program).await;
                Tool::Wrk { program, version }
            }
            (Some(LoadTool::Wrk), None) => bail!("--load-tool wrk, but {missing}"),
            (None, None) => {
                return Ok(Self {
                    tool: Tool::Builtin,
                    note: Some(format!(
                        "{missing}: the builtin in-process client was used, which shares the \
                         cores with the server"
                    )),
                });
            }
        };
        Ok(Self { tool, note: None })
    }

    fn name(&self) -> &'static str {
        match self.tool {
            Tool::Wrk { .. } => "wrk",
            Tool::Builtin => "builtin",
        }
    }
}

/// What one measured run (check-ins or `/healthz`) gave, whichever the tool.
#[derive(Debug, Clone)]
struct Measured {
    /// Replies read.
    requests: u64,
    rps: f64,
    p50_ms: f64,
    p90_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    mean_ms: f64,
    statuses: BTreeMap<u16, u64>,
    /// Builtin: the time limit stopped the run before its requests were done.
    truncated: bool,
    /// From the first request sent to the last reply read.
    secs: f64,
    /// wrk: threads whose plan ran out before their time was up.
    threads_exhausted: u64,
    errors: Option<bench::wrk::Errors>,
}

impl Measured {
    fn builtin(run: &Run) -> Self {
        let s = Summary::of(run);
        Self {
            requests: s.requests as u64,
            rps: s.rps,
            p50_ms: s.p50_ms,
            p90_ms: s.p90_ms,
            p99_ms: s.p99_ms,
            max_ms: s.max_ms,
            mean_ms: s.mean_ms,
            statuses: run.statuses.iter().map(|(k, v)| (*k, *v as u64)).collect(),
            truncated: run.truncated,
            secs: run.wall.as_secs_f64(),
            threads_exhausted: 0,
            errors: None,
        }
    }

    fn wrk(run: &bench::wrk::Run) -> Self {
        Self {
            requests: run.answered,
            rps: run.rps(),
            p50_ms: run.p50_ms,
            p90_ms: run.p90_ms,
            p99_ms: run.p99_ms,
            max_ms: run.max_ms,
            mean_ms: run.mean_ms,
            statuses: run.statuses.clone(),
            truncated: false,
            secs: run.secs,
            threads_exhausted: run.threads_exhausted,
            errors: Some(run.errors),
        }
    }

    fn status(&self, code: u16) -> u64 {
        self.statuses.get(&code).copied().unwrap_or(0)
    }

    fn statuses_json(&self) -> Value {
        Value::Object(
            self.statuses
                .iter()
                .map(|(k, v)| (k.to_string(), json!(v)))
                .collect(),
        )
    }

    fn errors_json(&self) -> Value {
        self.errors.map_or(Value::Null, |e| {
            json!({
                "connect": e.connect, "read": e.read, "write": e.write, "timeout": e.timeout,
                "status_4xx_5xx": e.status,
            })
        })
    }
}

/// CPU time over a run: of this process's threads by name, of the load tool when it is a
/// separate process, and of the machine.
struct CpuWindow {
    threads: BTreeMap<u32, (String, f64)>,
    process: f64,
    children: f64,
    machine: (f64, f64, f64),
}

impl CpuWindow {
    fn start() -> Self {
        Self {
            threads: bench::facts::thread_cpu_secs(),
            process: bench::facts::process_cpu_secs(),
            children: bench::facts::children_cpu_secs(),
            machine: bench::facts::machine_cpu_secs(),
        }
    }

    /// Shares of one core over the run's `active` seconds (wrk's process outlives its run by up
    /// to a second of idling, which these shares leave out), and CPU µs per request.
    fn finish(&self, active: f64, requests: u64, tool: &Tool) -> Value {
        let active = active.max(1e-9);
        let pct = |secs: f64| round(secs / active * 100.0, 1);
        let mut by_name: BTreeMap<String, (usize, f64)> = BTreeMap::new();
        let mut live = 0.0;
        for (tid, (name, secs)) in bench::facts::thread_cpu_secs() {
            let before = self.threads.get(&tid).map_or(0.0, |t| t.1);
            let used = (secs - before).max(0.0);
            live += used;
            if used > 0.0 {
                let entry = by_name.entry(name).or_default();
                entry.0 += 1;
                entry.1 += used;
            }
        }
        let process = bench::facts::process_cpu_secs() - self.process;
        let threads: serde_json::Map<String, Value> = by_name
            .into_iter()
            .map(|(name, (n, secs))| (name, json!({ "threads_busy": n, "core_pct": pct(secs) })))
            .collect();
        let (busy, idle, iowait) = bench::facts::machine_cpu_secs();
        let (busy, idle, iowait) = (
            busy - self.machine.0,
            idle - self.machine.1,
            iowait - self.machine.2,
        );
        let tool_secs = match tool {
            Tool::Wrk { .. } => Some(bench::facts::children_cpu_secs() - self.children),
            Tool::Builtin => None,
        };
        let per_request =
            |secs: f64| (requests > 0).then(|| (secs * 1e6 / requests as f64).round());
        json!({
            "active_secs": round(active, 3),
            "process_core_pct": pct(process),
            "process_cpu_us_per_request": per_request(process),
            "threads": threads,
            "exited_threads_core_pct": pct((process - live).max(0.0)),
            "load_tool_core_pct": tool_secs.map(pct),
            "load_tool_cpu_us_per_request": tool_secs.and_then(per_request),
            "machine_busy_core_pct": pct(busy),
            "machine_iowait_core_pct": pct(iowait),
            "machine_busy_pct_of_window": round(busy / (busy + idle + iowait).max(1e-9) * 100.0, 1),
        })
    }
}

/// What the loads of one backend gave.
struct Drove {
    /// The warm-up's 201s.
    warm_accepted: u64,
    /// Check-ins sent and never answered (wrk's backstop only; 0 otherwise).
    unanswered: u64,
    warm_requests: u64,
    checkins: Measured,
    health: Measured,
    rss_after_checkins: u64,
    /// Audit records written during the measured check-ins.
    batches: i64,
    /// Bytes the process sent to storage during the measured check-ins.
    written: u64,
    /// CPU during the measured check-ins, and during the measured `/healthz`.
    cpu: Value,
    healthz_cpu: Value,
}

/// The measured check-ins' audit records, bytes written and CPU: started before them…
struct Around {
    seq: i64,
    written: u64,
    cpu: CpuWindow,
}

impl Around {
    async fn start(store: &dyn Store) -> anyhow::Result<Self> {
        let (seq, _) = store.audit_head().await?;
        Ok(Self {
            seq,
            written: io_write_bytes(),
            cpu: CpuWindow::start(),
        })
    }

    /// …and read after: (batches, bytes written, CPU).
    async fn finish(
        self,
        store: &dyn Store,
        run: &Measured,
        tool: &Tool,
    ) -> anyhow::Result<(i64, u64, Value)> {
        let cpu = self.cpu.finish(run.secs, run.requests, tool);
        let written = io_write_bytes().saturating_sub(self.written);
        let (seq, _) = store.audit_head().await?;
        // Each writer batch that accepted a check-in wrote one audit record (DESIGN §4).
        Ok((seq - self.seq, written, cpu))
    }
}

/// The builtin client's runs: warm-up and measured check-ins, then `/healthz`.
#[allow(clippy::too_many_arguments)]
async fn drive_builtin(
    name: &str,
    store: &dyn Store,
    http: &Http,
    desks: &Arc<Vec<Desk>>,
    (warmup_plan, measured_plan): (Vec<Planned>, Vec<Planned>),
    args: &Args,
    tool: &Tool,
    started: Instant,
) -> anyhow::Result<Drove> {
    let (warmup, requests) = (warmup_plan.len(), measured_plan.len());
    let concurrency = args.concurrency as usize;
    let limit = Duration::from_secs(args.secs);
    let answered: Answered = Arc::new(std::sync::Mutex::new(Vec::with_capacity(warmup + requests)));
    progress(
        started,
        &format!("{name}: {warmup} warm-up check-ins, {concurrency} connections"),
    );
    let (make, judge) = checkin_load(http, desks, warmup_plan, &answered, args.seed);
    let warm = load::run_judged(http, &make, &judge, warmup, concurrency, limit).await?;
    progress(started, &format!("{name}: {requests} measured check-ins"));
    let (make, judge) = checkin_load(http, desks, measured_plan, &answered, args.seed ^ 1);
    let around = Around::start(store).await?;
    let run = load::run_judged(http, &make, &judge, requests, concurrency, limit).await?;
    let checkins = Measured::builtin(&run);
    let (batches, written, cpu) = around.finish(store, &checkins, tool).await?;
    let rss_after_checkins = status_kib("VmRSS:");

    let healthz: MakeRequest = {
        let client = http.clone();
        Arc::new(move || client.request(Method::GET, "/healthz", &[], Bytes::new()))
    };
    progress(started, &format!("{name}: {warmup} warm-up GET /healthz"));
    load::run(http, &healthz, StatusCode::OK, warmup, concurrency, limit).await?;
    progress(
        started,
        &format!("{name}: {requests} measured GET /healthz"),
    );
    let cpu_window = CpuWindow::start();
    let run = load::run(http, &healthz, StatusCode::OK, requests, concurrency, limit).await?;
    let health = Measured::builtin(&run);
    let healthz_cpu = cpu_window.finish(health.secs, health.requests, tool);
    let accepted = |r: &Run| r.statuses.get(&201).copied().unwrap_or(0) as u64;
    Ok(Drove {
        warm_accepted: accepted(&warm),
        unanswered: 0,
        warm_requests: warm.latencies.len() as u64,
        checkins,
        health,
        rss_after_checkins,
        batches,
        written,
        cpu,
        healthz_cpu,
    })
}

/// wrk's runs: warm-up and measured check-ins, then `/healthz`, each a separate wrk process.
#[allow(clippy::too_many_arguments)]
async fn drive_wrk(
    name: &str,
    store: &dyn Store,
    addr: std::net::SocketAddr,
    files: &WrkFiles,
    program: &Path,
    threads: usize,
    args: &Args,
    tool: &Tool,
    started: Instant,
) -> anyhow::Result<Drove> {
    let url = format!("http://{addr}/");
    let concurrency = args.concurrency as usize;
    let wrk = |plan: &Path, secs: u64| {
        let invocation = bench::wrk::Invocation {
            program: program.to_owned(),
            script: files.script.clone(),
            plan: plan.to_owned(),
            url: url.clone(),
            connections: concurrency,
            threads,
            backstop_secs: secs + WRK_BACKSTOP_SECS,
        };
        async move { bench::wrk::run(&invocation).await }
    };
    let what = |run: &str, secs: u64| {
        format!("{name}: wrk, {secs} s of {run}, {concurrency} connections, {threads} threads")
    };
    progress(started, &what("warm-up check-ins", args.warmup_secs));
    let warm = wrk(&files.warm_checkins, args.warmup_secs)
        .await
        .context("the warm-up check-ins")?;
    progress(started, &what("measured check-ins", args.duration));
    let around = Around::start(store).await?;
    let run = wrk(&files.checkins, args.duration)
        .await
        .context("the measured check-ins")?;
    let checkins = Measured::wrk(&run);
    let (batches, written, cpu) = around.finish(store, &checkins, tool).await?;
    let rss_after_checkins = status_kib("VmRSS:");
    for (what, r) in [("warm-up", &warm), ("measured", &run)] {
        let other: u64 = r
            .statuses
            .iter()
            .filter(|(code, _)| **code != 201 && **code != 409)
            .map(|(_, n)| n)
            .sum();
        if other > 0 {
            bail!("{name}: {what} check-ins answered {:?}", r.statuses);
        }
    }

    progress(started, &what("warm-up GET /healthz", args.warmup_secs));
    wrk(&files.warm_healthz, args.warmup_secs)
        .await
        .context("the warm-up GET /healthz")?;
    progress(started, &what("measured GET /healthz", args.duration));
    let cpu_window = CpuWindow::start();
    let run_h = wrk(&files.healthz, args.duration)
        .await
        .context("the measured GET /healthz")?;
    let health = Measured::wrk(&run_h);
    let healthz_cpu = cpu_window.finish(health.secs, health.requests, tool);
    if health.status(200) != health.requests {
        bail!("{name}: GET /healthz answered {:?}", health.statuses);
    }
    Ok(Drove {
        warm_accepted: warm.status(201),
        unanswered: warm.unanswered() + run.unanswered(),
        warm_requests: warm.answered,
        checkins,
        health,
        rss_after_checkins,
        batches,
        written,
        cpu,
        healthz_cpu,
    })
}

/// Serves the store and measures check-ins then `/healthz`; returns the backend's JSON object.
async fn measure(
    name: &'static str,
    store: Arc<dyn Store>,
    args: &Args,
    choice: &LoadChoice,
    started: Instant,
    pgbench_tps: Option<f64>,
    extra: Value,
) -> anyhow::Result<Value> {
    let setup_started = Instant::now();
    let concurrency = args.concurrency as usize;
    let wrk_threads = WRK_THREADS.min(concurrency).max(1);
    let wrk_secs = (args.warmup_secs + args.duration) as usize;
    let (needed, required) = match choice.tool {
        Tool::Builtin => {
            let n = (args.warmup + args.requests) as usize;
            (n, n)
        }
        // Lines for a generous rate over both runs' seconds; fewer only end a run early.
        Tool::Wrk { .. } => (WRK_PLAN_RATE * wrk_secs, 4 * concurrency),
    };
    let loaded = load_store(store.as_ref(), args, started, needed, required).await?;
    let Loaded {
        election,
        at,
        desks,
        mut pools,
        pooled,
        roll,
        roll_secs,
    } = loaded;
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed ^ 0x00C4_EC1A);
    enum Prepared {
        Builtin(Vec<Planned>, Vec<Planned>),
        Wrk(WrkFiles),
    }
    let prepared = match choice.tool {
        Tool::Builtin => {
            let warmup_plan = plan(
                &mut pools,
                args.warmup as usize,
                args.repeat_percent,
                &mut rng,
            )?;
            let measured_plan = plan(
                &mut pools,
                args.requests as usize,
                args.repeat_percent,
                &mut rng,
            )?;
            Prepared::Builtin(warmup_plan, measured_plan)
        }
        Tool::Wrk { .. } => {
            let lines = needed.min(pooled);
            let files = WrkFiles::write(args, wrk_threads, &mut pools, lines, &desks, &mut rng)?;
            progress(
                started,
                &format!(
                    "{name}: wrk plans written: {} warm-up and {} measured check-ins",
                    files.warm_lines, files.lines
                ),
            );
            Prepared::Wrk(files)
        }
    };
    drop(pools);
    let plan_lines = match &prepared {
        Prepared::Wrk(files) => json!({ "warmup": files.warm_lines, "measured": files.lines }),
        Prepared::Builtin(..) => Value::Null,
    };
    let setup_secs = setup_started.elapsed().as_secs_f64();
    let rss_after_roll = status_kib("VmRSS:");
    progress(
        started,
        &format!(
            "{name}: set up in {setup_secs:.1} s; resident {:.1} MiB",
            mib(rss_after_roll)
        ),
    );

    let state = web::AppState::new(
        store.clone(),
        Arc::new(domain::clock::FixedClock::new(at)),
        web::Config::default(),
    );
    let server = bench::server::serve(state).await?;
    let addr = server.addr;
    progress(started, &format!("{name}: serving on http://{addr}/"));

    let http = Http::new(addr, concurrency);
    let desks = Arc::new(desks);
    let sampler = RssSampler::start();
    let measured = async {
        let health = http
            .send(http.request(Method::GET, "/healthz", &[], Bytes::new())?)
            .await?
            .expect_status(StatusCode::OK, "GET /healthz")?;
        let health: Value = serde_json::from_slice(&health.body)?;
        if health["backend"] != name {
            bail!(
                "/healthz names backend {} rather than {name}",
                health["backend"]
            );
        }
        match (prepared, &choice.tool) {
            (Prepared::Wrk(files), Tool::Wrk { program, .. }) => {
                drive_wrk(
                    name,
                    store.as_ref(),
                    addr,
                    &files,
                    program,
                    wrk_threads,
                    args,
                    &choice.tool,
                    started,
                )
                .await
            }
            (Prepared::Builtin(warm, measured), Tool::Builtin) => {
                drive_builtin(
                    name,
                    store.as_ref(),
                    &http,
                    &desks,
                    (warm, measured),
                    args,
                    &choice.tool,
                    started,
                )
                .await
            }
            _ => Err(anyhow!("the plans were made for another load tool")),
        }
    }
    .await;
    let rss_max = sampler.finish().await;
    server.stop().await;
    let drove = measured?;

    // Every 201 is a committed check-in: the store must count exactly as many. A request wrk's
    // backstop left unanswered may or may not have been committed.
    let acknowledged = drove.warm_accepted + drove.checkins.status(201);
    let mut stored = 0i64;
    for desk in desks.iter() {
        stored += store.station_counts(&election, &desk.code).await?.checkins;
    }
    let stored_u = u64::try_from(stored).unwrap_or(0);
    if stored_u < acknowledged || stored_u > acknowledged + drove.unanswered {
        bail!(
            "{name}: {acknowledged} check-ins acknowledged ({} unanswered) but {stored} stored",
            drove.unanswered
        );
    }

    let (c, h) = (&drove.checkins, &drove.health);
    let accepted = c.status(201);
    let batches = drove.batches;
    let written = drove.written;
    let vs_healthz = (h.rps > 0.0).then(|| round(c.rps / h.rps, 3));
    let vs_pgbench = pgbench_tps
        .filter(|t| *t > 0.0)
        .map(|t| round(c.rps / t, 3));
    let rss_after_load = status_kib("VmRSS:");
    let rss = rss_after_roll.max(rss_max).max(rss_after_load);
    let complete = !c.truncated && !h.truncated;
    let (wrk_version, warmup_secs) = match &choice.tool {
        Tool::Wrk { version, .. } => (Some(version.clone()), Some(args.warmup_secs)),
        Tool::Builtin => (None, None),
    };
    Ok(json!({
        "target": "checkin",
        "backend": name,
        "load_tool": choice.name(),
        "load_tool_note": choice.note,
        "wrk_version": wrk_version,
        "roll": roll,
        "roll_import_secs": round(roll_secs, 1),
        "roll_rows_per_s": (roll as f64 / roll_secs.max(1e-9)).round(),
        "stations": desks.len(),
        "voters_set_aside": pooled,
        "concurrency": concurrency,
        "wrk_threads": matches!(choice.tool, Tool::Wrk { .. }).then_some(wrk_threads),
        "warmup": drove.warm_requests,
        "warmup_secs": warmup_secs,
        "wrk_plan_checkins": plan_lines,
        "requests": c.requests,
        "duration_secs": round(c.secs, 3),
        "repeat_percent": args.repeat_percent,
        "checkins_per_s": c.rps,
        "p50_ms": c.p50_ms,
        "p90_ms": c.p90_ms,
        "p99_ms": c.p99_ms,
        "max_ms": c.max_ms,
        "mean_ms": c.mean_ms,
        "statuses": c.statuses_json(),
        "wrk_errors": c.errors_json(),
        "wrk_unanswered": drove.unanswered,
        "wrk_plan_ran_out": c.threads_exhausted > 0,
        "check_ins_stored": stored,
        "writer_batches": batches,
        "accepted_per_batch": (batches > 0).then(|| round(accepted as f64 / batches as f64, 1)),
        // What the process itself sent to storage during the measured check-ins: SQLite's WAL
        // and checkpoints (PostgreSQL writes in its own processes, so not counted here).
        "process_write_mib": (name == "sqlite").then(|| round(written as f64 / 1_048_576.0, 1)),
        "process_write_kib_per_checkin": (name == "sqlite" && accepted > 0)
            .then(|| round(written as f64 / 1024.0 / accepted as f64, 1)),
        "truncated_by_time_limit": c.truncated,
        "cpu_during_checkins": drove.cpu,
        "healthz_requests": h.requests,
        "healthz_duration_secs": round(h.secs, 3),
        "healthz_per_s": h.rps,
        "healthz_p50_ms": h.p50_ms,
        "healthz_p99_ms": h.p99_ms,
        "healthz_wrk_errors": h.errors_json(),
        "healthz_truncated_by_time_limit": h.truncated,
        "cpu_during_healthz": drove.healthz_cpu,
        "checkin_vs_healthz": vs_healthz,
        "pgbench_insert_tps": pgbench_tps.map(|t| round(t, 1)),
        "checkin_vs_pgbench": vs_pgbench,
        "rss_after_roll_mib": mib(rss_after_roll),
        "rss_after_checkins_mib": mib(drove.rss_after_checkins),
        "rss_max_during_load_mib": mib(rss_max),
        "rss_mib": mib(rss),
        "peak_rss_since_start_mib": mib(status_kib("VmHWM:")),
        "target_vs_healthz": TARGET_VS_HEALTHZ,
        "target_vs_pgbench": TARGET_VS_PGBENCH,
        "target_p99_ms": TARGET_P99_MS,
        "target_rss_mib": TARGET_RSS_MIB,
        "targets_apply": name == "sqlite",
        "meets": {
            "vs_healthz_0_6": vs_healthz.map(|r| complete && r >= TARGET_VS_HEALTHZ),
            "vs_pgbench_1_5": vs_pgbench.map(|r| !c.truncated && r >= TARGET_VS_PGBENCH),
            "p99_20ms": !c.truncated && c.p99_ms <= TARGET_P99_MS,
            "rss_300mib": mib(rss) < TARGET_RSS_MIB,
        },
        "setup_secs": round(setup_secs, 1),
        "backend_details": extra,
        "machine": machine_facts(),
    }))
}

async fn sqlite(
    args: &Args,
    choice: &LoadChoice,
    started: Instant,
    pgbench_tps: Option<f64>,
) -> anyhow::Result<Value> {
    let dir = tempfile::Builder::new()
        .prefix("sandoq-bench-checkin-")
        .tempdir()?;
    let url = format!("sqlite:{}", dir.path().join("bench.db").display());
    let store: Arc<dyn Store> = Arc::new(
        store_sqlite::Sqlite::connect(&url)
            .await
            .with_context(|| format!("cannot open {url}"))?,
    );
    progress(started, &format!("sqlite: {url}"));
    let extra = json!({
        "journal_mode": "wal",
        "synchronous": "full",
        "directory": dir.path().display().to_string(),
    });
    let line = measure("sqlite", store, args, choice, started, pgbench_tps, extra).await;
    dir.close()
        .context("cannot remove the temporary directory")?;
    line
}

async fn postgres(
    args: &Args,
    choice: &LoadChoice,
    db: &PgDatabase,
    started: Instant,
    pgbench_tps: Option<f64>,
) -> anyhow::Result<Value> {
    let store: Arc<dyn Store> = Arc::new(
        store_postgres::Postgres::connect(&db.url)
            .await
            .with_context(|| format!("cannot open PostgreSQL database {}", db.name))?,
    );
    progress(started, &format!("postgres: database {}", db.name));
    let extra = settings(db).await?;
    measure("postgres", store, args, choice, started, pgbench_tps, extra).await
}

fn skipped(target: &str, backend: Option<&str>, reason: &str) -> Value {
    let mut line = json!({ "target": target, "skipped": reason, "machine": machine_facts() });
    if let Some(b) = backend {
        line["backend"] = json!(b);
    }
    line
}

async fn run_all(
    args: &Args,
    choice: &LoadChoice,
    pg: Option<&PgDatabase>,
    started: Instant,
) -> anyhow::Result<()> {
    const NO_URL: &str = "PostgreSQL not configured: set SANDOQ_TEST_POSTGRES_URL or pass \
                          --postgres-url (scripts/start-postgres starts a cluster)";
    // pgbench first, alone on the machine; the SQLite target is read against it.
    let pgbench = match pg {
        Some(db) => run_pgbench(args, db, started).await?,
        None => Pgbench::Skipped(NO_URL.into()),
    };
    match &pgbench {
        Pgbench::Ran { line, .. } => println!("{line}"),
        Pgbench::Skipped(reason) => {
            println!("{}", skipped("pgbench_plain_insert", None, reason));
        }
    }
    if matches!(args.backend, Backend::Sqlite | Backend::Both) {
        let line = sqlite(args, choice, started, pgbench.tps()).await?;
        println!("{line}");
    }
    if matches!(args.backend, Backend::Postgres | Backend::Both) {
        match pg {
            Some(db) => {
                let line = postgres(args, choice, db, started, pgbench.tps()).await?;
                println!("{line}");
            }
            None => println!("{}", skipped("checkin", Some("postgres"), NO_URL)),
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let started = Instant::now();
    LOAD_AT_START.get_or_init(bench::facts::loadavg_1m);
    let admin = args.postgres_url.clone().filter(|u| !u.trim().is_empty());
    if admin.is_none() && args.backend == Backend::Postgres {
        bail!("--backend postgres needs --postgres-url or SANDOQ_TEST_POSTGRES_URL");
    }
    let choice = LoadChoice::of(&args).await?;
    progress(
        started,
        &format!(
            "load tool: {}{}",
            choice.name(),
            choice
                .note
                .as_deref()
                .map_or_else(String::new, |n| format!(" ({n})"))
        ),
    );
    let pg = match &admin {
        Some(url) => Some(PgDatabase::create(url, "checkin").await?),
        None => None,
    };
    if let Some(db) = &pg {
        progress(started, &format!("PostgreSQL database {} created", db.name));
    }
    let outcome = run_all(&args, &choice, pg.as_ref(), started).await;
    if let Some(db) = &pg {
        match db.drop_now().await {
            Ok(()) => progress(started, &format!("PostgreSQL database {} dropped", db.name)),
            Err(e) => eprintln!("cannot drop PostgreSQL database {}: {e:#}", db.name),
        }
    }
    progress(started, "done");
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pgbench_tps() {
        let out = "number of transactions actually processed: 123456\n\
                   number of failed transactions: 0 (0.000%)\n\
                   latency average = 5.123 ms\n\
                   initial connection time = 12.5 ms\n\
                   tps = 12345.678901 (without initial connection time)\n";
        assert_eq!(pgbench_tps(out), Some(12_345.678_901));
        assert_eq!(
            figure(out, "number of transactions actually processed:"),
            Some(123_456.0)
        );
        assert_eq!(figure(out, "latency average ="), Some(5.123));
        let old = "tps = 900.1 (including connections establishing)\n\
                   tps = 910.2 (excluding connections establishing)\n";
        assert_eq!(pgbench_tps(old), Some(910.2));
    }

    #[test]
    fn plans_use_each_voter_once_and_pools_do_not_run_dry() {
        let mut pools = vec![vec![1, 2, 3], (10..1_000).collect::<Vec<u64>>()];
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let p = plan(&mut pools, 900, 10, &mut rng).unwrap();
        let ids: std::collections::HashSet<_> = p.iter().map(|e| e.national_id).collect();
        assert_eq!(ids.len(), 900);
        assert!(p.iter().any(|e| e.station == 0));
        let repeats = p.iter().filter(|e| e.repeat).count();
        assert!((50..130).contains(&repeats), "{repeats}");
        assert!(plan(&mut pools, 1_000, 0, &mut rng).is_err());
    }

    #[test]
    fn plans_take_a_stations_voters_in_no_order_of_their_ids() {
        let mut pools = vec![(1_000..3_000).collect::<Vec<u64>>()];
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let ids: Vec<u64> = plan(&mut pools, 1_000, 0, &mut rng)
            .unwrap()
            .iter()
            .map(|p| p.national_id)
            .collect();
        let rising = ids.windows(2).filter(|w| w[0] < w[1]).count();
        // In no order, about half the steps rise; in roll order all or none would.
        assert!((400..600).contains(&rising), "{rising} of 999 steps rise");
    }

    #[test]
    fn wrk_slices_repeat_earlier_lines_of_their_own_slice() {
        let planned: Vec<Planned> = (0..1_000u64)
            .map(|i| Planned {
                station: (i % 7) as u32,
                national_id: 1_000_000 + i,
                repeat: i % 10 == 9,
            })
            .collect();
        let slices = wrk_slices(&planned, 2, 20, 5);
        assert_eq!(slices.len(), 2);
        assert_eq!(slices[0].len() + slices[1].len(), 1_000);
        for slice in &slices {
            let mut seen = std::collections::HashSet::new();
            let mut repeats = 0;
            for (k, line) in slice.iter().enumerate() {
                if !seen.insert(*line) {
                    repeats += 1;
                    let first = slice.iter().position(|l| l == line).unwrap();
                    assert!(first + 20 < k, "{first} {k}");
                }
            }
            assert!((40..=50).contains(&repeats), "{repeats}");
        }
        // No voter in both slices.
        let left: std::collections::HashSet<_> = slices[0].iter().collect();
        assert!(slices[1].iter().all(|l| !left.contains(l)));
    }

    #[test]
    fn wrk_plans_give_each_slice_its_offset() {
        let desks: Vec<Desk> = ["A1", "B2"]
            .iter()
            .map(|code| Desk {
                code: (*code).into(),
                county: "01".into(),
                councils: Vec::new(),
                authorization: format!("Bearer tok{code}"),
            })
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p");
        write_wrk_plan(
            &path,
            "checkin",
            7,
            &[vec![(0, 12)], vec![(1, 3), (0, 4)]],
            &desks,
        )
        .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let (header, body) = text.split_once('\n').unwrap();
        assert_eq!(header, "sandoq-wrk-plan checkin 7 2 0 1 20 2");
        assert_eq!(&body[..20], "tokA1 A1 0000000012\n");
        assert_eq!(&body[20..], "tokB2 B2 0000000003\ntokA1 A1 0000000004\n");
    }

    #[test]
    fn stations_come_from_every_county() {
        let data = domain::demo::kerman(DemoOptions {
            seed: 1405,
            people: 10,
        })
        .unwrap();
        let desks = pick_stations(&data, 200).unwrap();
        let counties: std::collections::HashSet<_> = desks.iter().map(|d| &d.county).collect();
        assert_eq!(counties.len(), domain::demo::targets::COUNTIES);
        let codes: std::collections::HashSet<_> = desks.iter().map(|d| &d.code).collect();
        assert_eq!(codes.len(), 200);
    }
}
