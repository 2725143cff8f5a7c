//! Issue 18's results target: a national-scale synthetic election — 70,000 stations, 42,000
//! councils (1,400 city, the rest village), 300,000 candidates, 30 million ballots — from "all
//! stations counted" (every station's decrypted votes in memory) to every council's seats
//! allocated, with the server's own rules (`domain::results::council::count`: each station's
//! count checked, the votes summed, the seats allocated with ties broken). Prints one JSON
//! object: the time, the peak memory, and what was counted.
//!
//! `cargo run --release -p bench --bin results`

use bench::facts::{machine, mib, round, status_kib};
use clap::Parser;
use domain::election::Seats;
use domain::results::council::{self, Contender, StationInput, StationTally};
use domain::results::count_checks::Voters;
use domain::results::seats::Outcome;
use rand::{Rng, SeedableRng};
use serde_json::json;
use std::time::Instant;

#[derive(Debug, Parser)]
#[command(
    about = "Measures counting a national election: every council's seats from its stations' votes"
)]
struct Args {
    #[arg(long, default_value_t = 70_000)]
    stations: usize,
    #[arg(long, default_value_t = 1_400)]
    city_councils: usize,
    #[arg(long, default_value_t = 40_600)]
    village_councils: usize,
    #[arg(long, default_value_t = 300_000)]
    candidates: usize,
    #[arg(long, default_value_t = 30_000_000)]
    ballots: u64,
    /// Threads counting councils (the machine's cores by default).
    #[arg(long)]
    threads: Option<usize>,
    #[arg(long, default_value_t = 1405)]
    seed: u64,
}

/// A synthetic council: its seats, its candidates and its stations' inputs.
struct Council {
    seats: Seats,
    contenders: Vec<Contender>,
    stations: Vec<StationInput>,
}

fn build(args: &Args) -> Vec<Council> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(args.seed);
    let councils = args.city_councils + args.village_councils;
    // Seats: city councils by the seat table's bands (most of 5, fewer of 7 … 15), villages 3
    // or 5.
    let seats: Vec<Seats> = (0..councils)
        .map(|i| {
            if i < args.city_councils {
                let (main, alternate) = match i % 20 {
                    0 => (15, 10),
                    1 => (11, 7),
                    2 | 3 => (9, 6),
                    4..=7 => (7, 5),
                    _ => (5, 3),
                };
                Seats { main, alternate }
            } else if i % 19 == 0 {
                Seats {
                    main: 5,
                    alternate: 3,
                }
            } else {
                Seats {
                    main: 3,
                    alternate: 2,
                }
            }
        })
        .collect();
    // Stations: one per council first, the rest to city councils by their seats (the
    // larger the city, the more stations).
    let mut stations_of = vec![1usize; councils];
    let city_weight: usize = seats[..args.city_councils]
        .iter()
        .map(|s| s.main as usize)
        .sum();
    let extra = args.stations.saturating_sub(councils);
    for (i, seat) in seats[..args.city_councils].iter().enumerate() {
        stations_of[i] += extra * seat.main as usize / city_weight.max(1);
    }
    // What the shares rounded away goes to the first cities, so the totals are exact.
    let short = args.stations.saturating_sub(stations_of.iter().sum());
    for i in 0..short {
        stations_of[i % args.city_councils.max(1)] += 1;
    }
    // Candidates: at least the seats plus one everywhere, the rest to cities by their seats.
    let mut candidates_of: Vec<usize> = seats.iter().map(|s| s.main as usize + 1).collect();
    let floor: usize = candidates_of.iter().sum();
    let spare = args.candidates.saturating_sub(floor);
    let village_spare = spare / 3;
    for c in &mut candidates_of[args.city_councils..] {
        *c += village_spare / args.village_councils.max(1);
    }
    for (i, seat) in seats[..args.city_councils].iter().enumerate() {
        candidates_of[i] += (spare - village_spare) * seat.main as usize / city_weight.max(1);
    }
    let short = args.candidates.saturating_sub(candidates_of.iter().sum());
    for i in 0..short {
        candidates_of[i % args.city_councils.max(1)] += 1;
    }
    let total_stations: usize = stations_of.iter().sum();
    let per_station = args.ballots / total_stations.max(1) as u64;
    // The ballots the even split leaves over, one more at the first stations.
    let mut over = args.ballots - per_station * total_stations as u64;
    let mut code = 10_000u64;
    (0..councils)
        .map(|i| {
            let contenders: Vec<Contender> = (0..candidates_of[i])
                .map(|_| {
                    code += 1;
                    Contender {
                        code: code.to_string(),
                        veteran_family: rng.gen_ratio(1, 10),
                        education: None,
                    }
                })
                .collect();
            let popularity: Vec<f64> = contenders.iter().map(|_| rng.gen_range(0.2..1.0)).collect();
            let weight: f64 = popularity.iter().sum();
            let main = u64::from(seats[i].main);
            let stations = (0..stations_of[i])
                .map(|s| {
                    let ballots = per_station + u64::from(over > 0);
                    over = over.saturating_sub(1);
                    let votes = contenders
                        .iter()
                        .zip(&popularity)
                        .map(|(c, p)| {
                            let share =
                                (main as f64 * p / weight).min(1.0) * rng.gen_range(0.5..1.0);
                            (c.code.clone(), (ballots as f64 * share) as u64)
                        })
                        .collect();
                    StationInput {
                        station: format!("S{i}-{s}"),
                        closed: true,
                        voters: Voters {
                            check_ins: ballots,
                            walkouts: 0,
                        },
                        ballots,
                        tally: Some(StationTally {
                            ballots,
                            votes: Some(votes),
                        }),
                        signed: true,
                        annulled: false,
                        paper: domain::results::council::Paper::Electronic,
                    }
                })
                .collect();
            Council {
                seats: seats[i],
                contenders,
                stations,
            }
        })
        .collect()
}

fn main() {
    let args = Args::parse();
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
    eprintln!("building the synthetic election …");
    let built = Instant::now();
    let councils = build(&args);
    let build_secs = built.elapsed().as_secs_f64();
    let stations: usize = councils.iter().map(|c| c.stations.len()).sum();
    let candidates: usize = councils.iter().map(|c| c.contenders.len()).sum();
    let ballots: u64 = councils
        .iter()
        .flat_map(|c| &c.stations)
        .map(|s| s.ballots)
        .sum();
    eprintln!(
        "counting {} councils on {threads} threads …",
        councils.len()
    );
    let began = Instant::now();
    let chunk = councils.len().div_ceil(threads.max(1));
    let counted: Vec<(usize, usize, usize)> = std::thread::scope(|scope| {
        let workers: Vec<_> = councils
            .chunks(chunk.max(1))
            .map(|part| {
                scope.spawn(move || {
                    let (mut members, mut reported, mut waiting) = (0, 0, 0);
                    for c in part {
                        let count = council::count(c.seats, &c.contenders, &c.stations, None);
                        members += count
                            .allocation
                            .placed
                            .iter()
                            .filter(|p| p.outcome == Outcome::Member)
                            .count();
                        reported += count.stations_reported();
                        waiting += usize::from(count.allocation.awaits_lottery());
                    }
                    (members, reported, waiting)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or((0, 0, 0)))
            .collect()
    });
    let secs = began.elapsed().as_secs_f64();
    let members: usize = counted.iter().map(|c| c.0).sum();
    let reported: usize = counted.iter().map(|c| c.1).sum();
    let waiting: usize = counted.iter().map(|c| c.2).sum();
    println!(
        "{}",
        json!({
            "bench": "results",
            "figure": "all stations counted → every council's seats allocated",
            "councils": councils.len(),
            "stations": stations,
            "stations_reported": reported,
            "candidates": candidates,
            "ballots": ballots,
            "members_elected": members,
            "councils_awaiting_lottery": waiting,
            "threads": threads,
            "seconds": round(secs, 3),
            "target_seconds": 2.0,
            "build_seconds": round(build_secs, 1),
            "peak_rss_mib": mib(status_kib("VmHWM:")),
            "machine": machine(),
        })
    );
}
