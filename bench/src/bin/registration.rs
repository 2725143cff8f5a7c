//! Issue 5's registration benchmark: candidates file their registrations online, each with its
//! documents, at a steady rate (default 200 a second for a minute) against the real application
//! on SQLite, its clock inside the city councils' registration window. An open-loop load: the
//! submissions leave on schedule whatever the server's pace, so a slow server shows as latency
//! and lag, not as a lower rate. Every submission must be answered 201. Prints one JSON object.
//!
//! `cargo run --release -p bench --bin registration`

use anyhow::{anyhow, bail, Context};
use bench::client::Http;
use bench::facts::{io_write_bytes, mib, round, status_kib};
use bench::load::{Run, Summary};
use clap::Parser;
use domain::clock::{Clock, PinnedClock};
use domain::demo::{kerman, DemoOptions};
use domain::election::CouncilKind;
use domain::ids::NationalId;
use hyper::body::Bytes;
use hyper::header;
use hyper::{Method, StatusCode};
use serde_json::json;
use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::Store;

/// The target: this many submissions a second…
const TARGET_RATE: f64 = 200.0;
/// …for this long, without an error.
const TARGET_SECS: u64 = 60;

#[derive(Debug, Parser)]
#[command(about = "Measures online candidate registration with uploads on SQLite")]
struct Args {
    /// Submissions a second.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=5_000))]
    rate: u32,
    /// Seconds of submissions.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3_600))]
    secs: u64,
    /// Size of each photo, in KiB (a JPEG).
    #[arg(long, default_value_t = 40, value_parser = clap::value_parser!(u32).range(1..=2_000))]
    photo_kib: u32,
    /// Size of each other document, in KiB (PDFs: the degree, the criminal-record certificate,
    /// and the military card for men).
    #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u32).range(1..=5_000))]
    document_kib: u32,
    /// Submissions in flight beyond which the run stops (a server that cannot keep up).
    #[arg(long, default_value_t = 4_000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    max_in_flight: u32,
    /// Seed of the demo province.
    #[arg(long, default_value_t = 1405)]
    seed: u64,
}

/// A file of `kib` KiB that starts with `header` and carries `n` (so every upload has its own
/// content and hash, as real scans do).
fn file(header: &[u8], kib: u32, n: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; (kib as usize * 1024).max(header.len() + 16)];
    bytes[..header.len()].copy_from_slice(header);
    let stamp = format!("#{n:012}#");
    let at = header.len();
    bytes[at..at + stamp.len()].copy_from_slice(stamp.as_bytes());
    // Something that is not all zeros, as a scan is not.
    for (i, b) in bytes[at + stamp.len()..].iter_mut().enumerate() {
        *b = (i.wrapping_mul(31) ^ n) as u8;
    }
    bytes
}

const JPEG: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1,
];
const PDF: &[u8] = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n";

/// The national id of applicant `n`.
fn applicant(n: usize) -> anyhow::Result<NationalId> {
    let first_nine = u32::try_from(100_000_000 + n).context("too many submissions")?;
    NationalId::with_check_digit(first_nine)
        .ok_or_else(|| anyhow!("no national id for {first_nine}"))
}

/// Applicant `n` as the people registry holds them, with a mobile number for their code.
fn resident(n: usize) -> anyhow::Result<domain::person::Person> {
    Ok(domain::person::Person {
        national_id: applicant(n)?,
        first_name: "مریم".into(),
        last_name: format!("داوطلب {n}"),
        father_name: "رضا".into(),
        gender: if n.is_multiple_of(2) {
            domain::person::Gender::Male
        } else {
            domain::person::Gender::Female
        },
        birth_date: domain::calendar::parse_date("1360/05/12")?,
        mobile: Some(domain::ids::MobileNumber::parse(&format!(
            "0913{:07}",
            n % 10_000_000
        ))?),
        education: None,
        sitting_council_member: false,
        relatives: Vec::new(),
    })
}

/// The multipart body of submission `n` for `council`, with its applicant's proof of identity.
fn submission(
    n: usize,
    council: &str,
    proof: &str,
    args: &Args,
) -> anyhow::Result<(String, Vec<u8>)> {
    let id = applicant(n)?;
    let male = n.is_multiple_of(2);
    let boundary = format!("sandoq-bench-{n}");
    let mut body =
        Vec::with_capacity((args.photo_kib + 3 * args.document_kib) as usize * 1024 + 4096);
    let fields = [
        ("identity_proof", proof.to_owned()),
        ("national_id", id.as_str().to_owned()),
        ("first_name", "مریم".to_owned()),
        ("last_name", format!("داوطلب {n}")),
        ("father_name", "رضا".to_owned()),
        ("birth_date", "1360/05/12".to_owned()),
        ("gender", if male { "male" } else { "female" }.to_owned()),
        ("mobile", "09131234567".to_owned()),
        ("residence", "کرمان، خیابان شفا".to_owned()),
        ("council", council.to_owned()),
        ("education", "master".to_owned()),
        ("occupation", "پزشک".to_owned()),
    ];
    for (name, value) in &fields {
        write!(
            body,
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        )?;
    }
    let mut files = vec![
        ("photo", "image/jpeg", file(JPEG, args.photo_kib, n)),
        ("degree", "application/pdf", file(PDF, args.document_kib, n)),
        (
            "criminal_record",
            "application/pdf",
            file(PDF, args.document_kib, n + 1_000_000_000),
        ),
    ];
    if male {
        files.push((
            "military_card",
            "application/pdf",
            file(PDF, args.document_kib, n + 2_000_000_000),
        ));
    }
    for (name, content_type, bytes) in files {
        write!(
            body,
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{name}.bin\"\r\nContent-Type: {content_type}\r\n\r\n"
        )?;
        body.extend_from_slice(&bytes);
        body.extend_from_slice(b"\r\n");
    }
    write!(body, "--{boundary}--\r\n")?;
    Ok((format!("multipart/form-data; boundary={boundary}"), body))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let started = Instant::now();
    let dir = tempfile::Builder::new()
        .prefix("sandoq-bench-registration-")
        .tempdir()?;
    let url = format!("sqlite:{}", dir.path().join("bench.db").display());
    let store: Arc<dyn Store> = Arc::new(store_sqlite::Sqlite::connect(&url).await?);
    let data = kerman(DemoOptions {
        seed: args.seed,
        people: 0,
    })?;
    // 1404/10/22 09:00 Tehran: the city councils' registration is open all morning.
    let clock = Arc::new(PinnedClock::new(domain::calendar::parse_instant(
        "1404/10/22 09:00",
    )?));
    store
        .load_demo(&data, &store::Actor::new("bench", clock.now()))
        .await?;
    let councils: Vec<String> = data
        .councils
        .iter()
        .filter(|c| c.kind == CouncilKind::City)
        .map(|c| c.code.clone())
        .collect();
    if councils.is_empty() {
        bail!("the demo has no city councils");
    }
    let files_dir = dir.path().join("files");
    let total = args.rate as usize * args.secs as usize;
    // Every applicant is in the people registry and has proven who they are with a one-time
    // code before the run (not timed): the run measures the filing.
    let residents = (0..total)
        .map(resident)
        .collect::<anyhow::Result<Vec<_>>>()?;
    store
        .import_people(&residents, &store::Actor::new("bench", clock.now()))
        .await?;
    let outbox = Arc::new(app::sms::Outbox::in_memory());
    let state = web::AppState::new(
        store.clone(),
        clock,
        web::Config {
            files_dir: files_dir.clone(),
            sms: app::sms::Sms::outbox(outbox.clone()),
            identity_limits: domain::identity::Limits {
                per_person_per_hour: usize::MAX,
                per_address_per_hour: usize::MAX,
                proof_lifetime: time::Duration::days(1),
                ..domain::identity::Limits::default()
            },
            ..Default::default()
        },
    );
    let mut proofs = Vec::with_capacity(total);
    for person in &residents {
        let request = app::identity::CodeRequest {
            national_id: person.national_id.as_str().to_owned(),
            birth_date: "1360/05/12".into(),
            father_name: person.father_name.clone(),
            purpose: Some(domain::identity::Purpose::Register),
        };
        let identity = state.app.identity();
        let sent = identity.send_code(&request, "bench").await?;
        let mobile = person.mobile.as_ref().map_or("", |m| m.as_str());
        let text = outbox
            .last_to(mobile)
            .ok_or_else(|| anyhow!("no code sent to {mobile}"))?
            .text;
        let code: String = text
            .split(|c: char| !c.is_ascii_digit())
            .find(|w| w.len() == 6)
            .ok_or_else(|| anyhow!("no code in {text:?}"))?
            .to_owned();
        proofs.push(identity.verify(&sent.challenge, &code).await?.proof);
    }
    let proofs = Arc::new(proofs);
    eprintln!(
        "[{:6.1} s] {} applicants in the registry, each with a proof",
        started.elapsed().as_secs_f64(),
        proofs.len()
    );
    let server = bench::server::serve(state).await?;
    let addr = server.addr;
    eprintln!(
        "[{:6.1} s] serving on http://{addr}/; {} submissions a second for {} s",
        started.elapsed().as_secs_f64(),
        args.rate,
        args.secs
    );

    let election = data.election.code.clone();
    let filed = |store: Arc<dyn Store>, election: String| async move {
        anyhow::Ok(
            store
                .registrations(
                    &election,
                    &store::RegistrationFilter::default(),
                    store::PageRequest::new(1, 1),
                )
                .await?
                .total,
        )
    };
    // The demo's own registrations are there from the load.
    let filed_before = filed(store.clone(), election.clone()).await?;
    let args = Arc::new(args);
    let http = Http::new(addr, args.max_in_flight as usize);
    let interval = Duration::from_secs_f64(1.0 / f64::from(args.rate));
    let written_before = io_write_bytes();
    let rss_before = status_kib("VmRSS:");
    let mut tasks = tokio::task::JoinSet::new();
    let in_flight = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut max_lag = Duration::ZERO;
    let mut max_in_flight = 0usize;
    let mut stopped_early = None;
    let load_start = tokio::time::Instant::now();
    for n in 0..total {
        let due = load_start + interval * u32::try_from(n)?;
        tokio::time::sleep_until(due).await;
        max_lag = max_lag.max(tokio::time::Instant::now() - due);
        let now_in_flight = in_flight.load(std::sync::atomic::Ordering::Relaxed);
        max_in_flight = max_in_flight.max(now_in_flight);
        if now_in_flight >= args.max_in_flight as usize {
            stopped_early = Some(n);
            break;
        }
        let (http, args, in_flight) = (http.clone(), args.clone(), in_flight.clone());
        let proofs = proofs.clone();
        let council = councils[n % councils.len()].clone();
        in_flight.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tasks.spawn(async move {
            let outcome = async {
                let (content_type, body) = submission(n, &council, &proofs[n], &args)?;
                let request = http.request(
                    Method::POST,
                    "/api/v1/registrations",
                    &[(header::CONTENT_TYPE, content_type)],
                    Bytes::from(body),
                )?;
                let sent = Instant::now();
                let reply = http.send(request).await?;
                anyhow::Ok((sent.elapsed(), reply))
            }
            .await;
            in_flight.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
            outcome
        });
    }
    let mut run = Run {
        latencies: Vec::with_capacity(total),
        wall: Duration::ZERO,
        body_bytes: 0,
        truncated: stopped_early.is_some(),
        statuses: BTreeMap::new(),
    };
    let mut first_error: Option<String> = None;
    let mut failures = 0usize;
    while let Some(joined) = tasks.join_next().await {
        match joined? {
            Ok((took, reply)) => {
                *run.statuses.entry(reply.status.as_u16()).or_insert(0) += 1;
                if reply.status == StatusCode::CREATED {
                    run.latencies.push(took);
                } else {
                    failures += 1;
                    first_error.get_or_insert_with(|| {
                        format!("HTTP {}: {}", reply.status, reply.body_head())
                    });
                }
            }
            Err(e) => {
                failures += 1;
                first_error.get_or_insert_with(|| format!("{e:#}"));
            }
        }
    }
    run.wall = load_start.elapsed();
    let written = io_write_bytes().saturating_sub(written_before);
    let summary = Summary::of(&run);

    // What the store holds: every acknowledged registration.
    let stored = filed(store.clone(), election.clone()).await? - filed_before;
    let accepted = run.statuses.get(&201).copied().unwrap_or(0);
    let files_on_disk = count_files(&files_dir);
    let head = store.audit_head().await?.0;
    let chain = store::verify_audit(store.as_ref())
        .await?
        .map_err(|e| anyhow!("the audit chain is broken: {e:?}"))?;

    server.stop().await;
    let achieved = accepted as f64 / run.wall.as_secs_f64();
    let meets = failures == 0
        && stopped_early.is_none()
        && f64::from(args.rate) >= TARGET_RATE
        && args.secs >= TARGET_SECS
        && i64::try_from(accepted)? == stored;
    let line = json!({
        "target": "registration",
        "backend": "sqlite",
        "rate": args.rate,
        "secs": args.secs,
        "planned": total,
        "sent": total.min(stopped_early.unwrap_or(total)),
        "stopped_early_at": stopped_early,
        "statuses": run.statuses,
        "failures": failures,
        "first_error": first_error,
        "accepted": accepted,
        "accepted_per_s": round(achieved, 1),
        "stored_registrations": stored,
        "files_on_disk": files_on_disk,
        "audit_records": head,
        "audit_chain_verified": chain,
        "p50_ms": summary.p50_ms,
        "p90_ms": summary.p90_ms,
        "p99_ms": summary.p99_ms,
        "max_ms": summary.max_ms,
        "mean_ms": summary.mean_ms,
        "max_send_lag_ms": round(max_lag.as_secs_f64() * 1e3, 3),
        "max_in_flight": max_in_flight,
        "photo_kib": args.photo_kib,
        "document_kib": args.document_kib,
        "written_mib": round(written as f64 / 1_048_576.0, 1),
        "write_mib_per_s": round(written as f64 / 1_048_576.0 / run.wall.as_secs_f64(), 1),
        "rss_before_mib": mib(rss_before),
        "rss_after_mib": mib(status_kib("VmRSS:")),
        "target_rate": TARGET_RATE,
        "target_secs": TARGET_SECS,
        "meets": meets,
        "machine": bench::facts::machine(),
    });
    println!("{line}");
    eprintln!("[{:6.1} s] done", started.elapsed().as_secs_f64());
    Ok(())
}

fn count_files(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .filter_map(Result::ok)
            .map(|e| {
                let path = e.path();
                if path.is_dir() {
                    count_files(&path)
                } else {
                    1
                }
            })
            .sum()
    })
}
