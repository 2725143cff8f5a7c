//! Issue 17's cryptographic costs, on this machine, with the election's own code
//! (`ballot-crypto`): casting a ballot (encrypt, prove, verify, encode) with 25 candidates and
//! 11 seats; decrypting all 3,003 Kerman station tallies with 3 of 5 guardians; and verifying
//! a record, per core. Prints one JSON object per figure.
//!
//! `cargo run --release -p bench --bin ballots`

use anyhow::{anyhow, Context};
use ballot_crypto::ballot::{self, BallotStyle};
use ballot_crypto::ceremony::{self, Guardian};
use ballot_crypto::record;
use ballot_crypto::sample::{self, SampleSpec};
use ballot_crypto::tally::{self, CountTable, EncryptedTally};
use ballot_crypto::ElectionKey;
use bench::facts::machine;
use bench::load::percentile_ms;
use clap::Parser;
use rand::rngs::OsRng;
use rand::Rng;
use serde_json::json;
use std::time::{Duration, Instant};

#[derive(Debug, Parser)]
#[command(about = "Measures ballot encryption, tally decryption and record verification")]
struct Args {
    /// Ballots cast in the casting figure.
    #[arg(long, default_value_t = 3_000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    ballots: u32,
    /// Worker threads casting and verifying (the machine's cores by default).
    #[arg(long)]
    threads: Option<usize>,
    /// Candidates on the ballot.
    #[arg(long, default_value_t = 25, value_parser = clap::value_parser!(u32).range(1..=200))]
    candidates: u32,
    /// The council's seats.
    #[arg(long, default_value_t = 11, value_parser = clap::value_parser!(u32).range(1..=50))]
    seats: u32,
    /// Station tallies decrypted.
    #[arg(long, default_value_t = 3_003, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    tallies: u32,
    /// Guardians, and how many of them decrypt.
    #[arg(long, default_value_t = 5)]
    guardians: usize,
    #[arg(long, default_value_t = 3)]
    threshold: usize,
    /// Ballots in the record verified for the per-core figure.
    #[arg(long, default_value_t = 2_000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    record_ballots: u32,
    /// The ballots a Kerman-size record holds, for the verification time it extrapolates.
    #[arg(long, default_value_t = 1_000_000)]
    kerman_ballots: u64,
}

fn style(candidates: u32, seats: u32) -> BallotStyle {
    BallotStyle {
        election: "bench".into(),
        council: "C-1".into(),
        seats,
        candidates: (0..candidates).map(|n| format!("{}", 1000 + n)).collect(),
    }
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let threads = args
        .threads
        .unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        })
        .max(1);
    let names: Vec<String> = (1..=args.guardians)
        .map(|i| format!("guardian {i}"))
        .collect();
    let (ceremony, shares) =
        ceremony::deal("bench", &names, args.threshold, &mut OsRng).map_err(|e| anyhow!("{e}"))?;
    let key = ceremony.key().map_err(|e| anyhow!("{e}"))?;
    let style = style(args.candidates, args.seats);

    // Casting: each worker encrypts, proves, verifies and encodes its share of the ballots.
    eprintln!("casting {} ballots on {threads} threads …", args.ballots);
    let per_thread = (args.ballots as usize).div_ceil(threads);
    let started = Instant::now();
    let results: Vec<anyhow::Result<(Vec<Duration>, usize, Duration)>> =
        std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|worker| {
                    let (key, style) = (&key, &style);
                    let count =
                        per_thread.min((args.ballots as usize).saturating_sub(worker * per_thread));
                    scope.spawn(
                        move || -> anyhow::Result<(Vec<Duration>, usize, Duration)> {
                            let cpu_start = thread_cpu();
                            let mut latencies = Vec::with_capacity(count);
                            let mut bytes = 0;
                            for _ in 0..count {
                                let choices = sample::random_choices(
                                    &mut OsRng,
                                    style.candidates.len(),
                                    style.seats,
                                );
                                let began = Instant::now();
                                let (sealed, _opening) = ballot::encrypt(
                                    key.public(),
                                    style,
                                    "S-1",
                                    &choices,
                                    &mut OsRng,
                                )
                                .map_err(|e| anyhow!("{e}"))?;
                                ballot::verify(key.public(), style, "S-1", &sealed)
                                    .map_err(|e| anyhow!("{e}"))?;
                                bytes += serde_json::to_vec(&sealed)?.len();
                                latencies.push(began.elapsed());
                            }
                            Ok((latencies, bytes, thread_cpu().saturating_sub(cpu_start)))
                        },
                    )
                })
                .collect();
            workers
                .into_iter()
                .map(|w| {
                    w.join()
                        .unwrap_or_else(|_| Err(anyhow!("a worker panicked")))
                })
                .collect()
        });
    let wall = started.elapsed();
    let mut latencies = Vec::new();
    let (mut bytes, mut cpu) = (0, Duration::ZERO);
    for result in results {
        let (l, b, c) = result?;
        latencies.extend(l);
        bytes += b;
        cpu += c;
    }
    latencies.sort_unstable();
    let cast = latencies.len() as f64;
    let rate = cast / wall.as_secs_f64();
    let p99 = percentile_ms(&latencies, 0.99);
    println!(
        "{}",
        json!({
            "target": "casting_crypto",
            "what": "encrypt + prove + verify + encode, per ballot, no store",
            "candidates": args.candidates, "seats": args.seats, "ballots": latencies.len(),
            "threads": threads,
            "ballots_per_sec": rate,
            "p50_ms": percentile_ms(&latencies, 0.50), "p99_ms": p99,
            "max_ms": percentile_ms(&latencies, 1.0),
            "cpu_ms_per_ballot": cpu.as_secs_f64() * 1000.0 / cast,
            "bytes_per_ballot_json": bytes as f64 / cast,
            "target_ballots_per_sec": 150, "target_p99_ms": 200,
            "meets_target": rate >= 150.0 && p99 <= 200.0,
            "machine": machine(),
        })
    );

    let guardians: Vec<Guardian> = shares
        .into_iter()
        .enumerate()
        .take(args.threshold)
        .map(|(index, share)| Guardian::new(&key, index, share).map_err(|e| anyhow!("{e}")))
        .collect::<anyhow::Result<_>>()?;
    decrypt_figure(&args, &key, &guardians, threads);
    verify_figure(&args, &style, threads)
}

/// Decrypting every station's tally: each of `threshold` guardians makes their shares (on
/// their own machines, in parallel; here one after another, timed each), then the server
/// verifies every share and combines them into counts.
fn decrypt_figure(args: &Args, key: &ElectionKey, guardians: &[Guardian], threads: usize) {
    eprintln!(
        "decrypting {} tallies with {} of {} guardians …",
        args.tallies, args.threshold, args.guardians
    );
    let ballots_per_station = (args.kerman_ballots / u64::from(args.tallies)).max(1);
    // A tally is a ciphertext per candidate of a count; encrypting the counts directly gives
    // tallies of the same form as summed ballots without casting a million.
    let expected: Vec<Vec<u64>> = (0..args.tallies)
        .map(|_| {
            (0..args.candidates)
                .map(|_| OsRng.gen_range(0..=ballots_per_station))
                .collect()
        })
        .collect();
    let tallies: Vec<EncryptedTally> = expected
        .iter()
        .map(|counts| EncryptedTally {
            ballots: ballots_per_station,
            candidates: counts
                .iter()
                .map(|&c| key.public().encrypt(c, &mut OsRng))
                .collect(),
        })
        .collect();
    let mut guardian_secs = Vec::new();
    let mut all_shares: Vec<Vec<ballot_crypto::DecryptionShare>> = vec![Vec::new(); tallies.len()];
    for guardian in guardians {
        let began = Instant::now();
        for (tally, shares) in tallies.iter().zip(&mut all_shares) {
            shares.push(guardian.decrypt(tally, &mut OsRng));
        }
        guardian_secs.push(began.elapsed().as_secs_f64());
    }
    let table = CountTable::up_to(ballots_per_station);
    let began = Instant::now();
    let chunk = tallies.len().div_ceil(threads).max(1);
    let wrong: usize = std::thread::scope(|scope| {
        let workers: Vec<_> = tallies
            .chunks(chunk)
            .zip(all_shares.chunks(chunk))
            .zip(expected.chunks(chunk))
            .map(|((tallies, shares), expected)| {
                let table = &table;
                scope.spawn(move || {
                    tallies
                        .iter()
                        .zip(shares)
                        .zip(expected)
                        .filter(|((tally, shares), expected)| {
                            tally::decrypt_counts(key, tally, shares, table)
                                .ok()
                                .as_ref()
                                != Some(*expected)
                        })
                        .count()
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or(usize::MAX))
            .sum()
    });
    let combine_secs = began.elapsed().as_secs_f64();
    let slowest_guardian = guardian_secs.iter().copied().fold(0.0, f64::max);
    let total = slowest_guardian + combine_secs;
    println!(
        "{}",
        json!({
            "target": "decrypt_tallies",
            "tallies": args.tallies, "candidates": args.candidates,
            "guardians": args.guardians, "threshold": args.threshold,
            "ballots_per_tally": ballots_per_station,
            "guardian_secs": guardian_secs,
            "server_verify_and_combine_secs": combine_secs, "server_threads": threads,
            "wrong_counts": wrong,
            "total_secs_guardians_in_parallel": total,
            "target_secs": 60, "meets_target": total <= 60.0 && wrong == 0,
            "machine": machine(),
        })
    );
}

/// Verifying a record: stations of `record_ballots` honest ballots in all (one kiosk each),
/// with their tallies, 3 guardians' shares and the counts, built by `ballot_crypto::sample`,
/// verified on 1 thread and on all; the time for a Kerman-size record follows from the rate.
fn verify_figure(args: &Args, style: &BallotStyle, threads: usize) -> anyhow::Result<()> {
    eprintln!("building a record of {} ballots …", args.record_ballots);
    let stations = threads.max(2);
    let spec = SampleSpec {
        style: style.clone(),
        stations: (0..stations).map(|s| format!("S-{s}")).collect(),
        kiosks_per_station: 1,
        ballots_per_kiosk: (args.record_ballots as usize).div_ceil(stations),
        challenge_every: None,
        guardians: args.guardians,
        threshold: args.threshold,
    };
    let sample = sample::build(&spec, &mut OsRng).map_err(|e| anyhow!("{e}"))?;
    let mut bytes = 0;
    for station in &sample.stations {
        bytes += serde_json::to_vec(station)
            .context("encoding a station")?
            .len();
    }
    let mut figures = Vec::new();
    for used in [1, threads] {
        let began = Instant::now();
        let (findings, checked) = record::verify(&sample.manifest, &sample.stations, used);
        let secs = began.elapsed().as_secs_f64();
        if let Some(finding) = findings.first() {
            return Err(anyhow!("an honest record failed: {finding}"));
        }
        figures.push((used, checked.ballots, secs));
    }
    let (_, ballots, one_core_secs) = figures[0];
    let per_core = ballots as f64 / one_core_secs;
    let (all_threads, _, all_secs) = figures[figures.len() - 1];
    let rate_all = ballots as f64 / all_secs;
    println!(
        "{}",
        json!({
            "target": "verify_record",
            "ballots": ballots, "candidates": args.candidates, "seats": args.seats,
            "record_bytes_json": bytes, "bytes_per_ballot_json": bytes as f64 / ballots as f64,
            "ballots_per_sec_one_core": per_core,
            "threads": all_threads, "ballots_per_sec_all_threads": rate_all,
            "kerman_ballots": args.kerman_ballots,
            "kerman_record_secs_all_threads": args.kerman_ballots as f64 / rate_all,
            "kerman_record_gib_json": args.kerman_ballots as f64 * bytes as f64 / ballots as f64 / f64::from(1u32 << 30),
            "machine": machine(),
        })
    );
    Ok(())
}

/// This thread's CPU time so far (user and system), from /proc.
fn thread_cpu() -> Duration {
    let text = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    let fields: Vec<&str> = text
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // Fields after the command: state is 0, utime 11, stime 12 (clock ticks of 1/100 s).
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}
