//! Election day against the real binary: acknowledged check-ins survive SIGKILL, and one
//! person checks in once even when sent to 50 stations through two servers at once.

use super::{new_pg_database, open, sandoq, spawn_server, sqlite_url, verify, Server, TIMEOUT};
use domain::access::{Role, Scope};
use domain::ids::NationalId;
use domain::roll::{Voter, VoterStatus};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use store::{Actor, NewSession, NewUser};
use time::macros::datetime;

/// 09:00 Tehran on the demo's election day, as the servers' pinned clock and the setup's time.
const NOW: &str = "1405/02/11 09:00";
const NOW_UTC: time::OffsetDateTime = datetime!(2026-05-01 05:30 UTC);
const ELECTION: &str = "shora-7";

/// The demo with `stations` open stations of the council that has the most, a staff session
/// for each (its bearer token), and a roll of `voters` people of that council.
struct Setup {
    stations: Vec<(String, String)>,
    voters: Vec<NationalId>,
}

async fn prepare(dir: &Path, url: &str, stations: usize, voters: u32) -> Setup {
    let run = sandoq(dir, url, &["demo", "--people", "200", "--voters", "0"], "");
    assert!(run.success(), "{run:#?}");
    let data = domain::demo::kerman(domain::demo::DemoOptions {
        people: 200,
        ..Default::default()
    })
    .unwrap();
    let council = data
        .councils
        .iter()
        .max_by_key(|c| {
            data.stations
                .iter()
                .filter(|s| s.council_code == c.code)
                .count()
        })
        .unwrap();
    let chosen: Vec<_> = data
        .stations
        .iter()
        .filter(|s| s.council_code == council.code && !s.closed)
        .take(stations)
        .collect();
    assert_eq!(
        chosen.len(),
        stations,
        "council {} has too few stations",
        council.code
    );

    let store = open(url).await;
    let by = Actor::new("test-setup", NOW_UTC);
    let roll: Vec<Voter> = (0..voters)
        .map(|i| Voter {
            national_id: NationalId::with_check_digit(500_000_000 + i).unwrap(),
            birth_date: time::macros::date!(1980 - 01 - 01),
            council: council.code.clone(),
            status: VoterStatus::Alive,
        })
        .collect();
    let ids = roll.iter().map(|v| v.national_id.clone()).collect();
    let (tx, rx) = tokio::sync::mpsc::channel(2);
    let sender = tokio::spawn(async move {
        for chunk in roll.chunks(10_000) {
            tx.send(Ok(chunk.to_vec())).await.unwrap();
        }
    });
    store.import_roll(ELECTION, rx, "test", &by).await.unwrap();
    sender.await.unwrap();

    let hash = web::auth::hash_password("station-staff").unwrap();
    let mut out = Vec::new();
    for s in chosen {
        let username = format!("st-{}", s.code);
        store
            .create_user(
                &NewUser {
                    username: username.clone(),
                    password_hash: hash.clone(),
                    role: Role::StationStaff,
                    scope: Scope::Station {
                        county: s.county_code.clone(),
                        station: s.code.clone(),
                    },
                },
                &by,
            )
            .await
            .unwrap();
        let token = web::auth::new_token();
        store
            .create_session(
                &NewSession {
                    token_hash: web::auth::token_hash(&token),
                    username,
                    csrf_token: web::auth::new_token(),
                    expires_at_us: domain::clock::to_micros(NOW_UTC + time::Duration::days(2)),
                    idle_timeout_us: None,
                },
                &by,
            )
            .await
            .unwrap();
        // The small demo staffs few stations: a head and a governor's representative for
        // each chosen one, so that it may open (issue 20: nobody recorded present whose post is
        // vacant).
        let n = u32::try_from(out.len()).unwrap();
        let held: Vec<_> = store
            .station_staff(&s.code)
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.post)
            .collect();
        for (k, post) in [
            domain::staffing::Post::Head,
            domain::staffing::Post::GovernorRep,
        ]
        .into_iter()
        .enumerate()
        .filter(|(_, post)| !held.contains(post))
        {
            let person = domain::person::Person {
                national_id: NationalId::with_check_digit(910_000_000 + n * 2 + k as u32).unwrap(),
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
            store.create_person(&person, &by).await.unwrap();
            store
                .assign_post(&s.code, post, person.national_id.as_str(), &by)
                .await
                .unwrap();
        }
        store::election_day::open_as_staffed(store.as_ref(), ELECTION, &s.code, 400, &by)
            .await
            .unwrap();
        out.push((s.code.clone(), token));
    }
    Setup {
        stations: out,
        voters: ids,
    }
}

/// Starts `sandoq serve` on a free port with the clock pinned to election day.
fn start(dir: &Path, url: &str) -> (Server, SocketAddr) {
    let outbox = dir.join("sms-outbox.jsonl");
    let (server, addr, _) = spawn_server(
        dir,
        url,
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--now",
            NOW,
            "--allow-pinned-clock",
            "--sms-outbox",
            outbox.to_str().unwrap(),
        ],
    );
    (server, addr)
}

/// Check-ins stored at the setup's stations.
async fn stored(url: &str, setup: &Setup) -> i64 {
    let store = open(url).await;
    let mut total = 0;
    for (station, _) in &setup.stations {
        total += store
            .station_counts(ELECTION, station)
            .await
            .unwrap()
            .checkins;
    }
    total
}

/// POSTs a check-in with the station's bearer token; `None` when the connection fails (the
/// server is gone).
fn check_in(
    addr: SocketAddr,
    token: &str,
    station: &str,
    id: &NationalId,
) -> Option<(u16, String)> {
    let body = serde_json::json!({"station": station, "national_id": id}).to_string();
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).ok()?;
    stream.set_read_timeout(Some(TIMEOUT)).ok()?;
    let request = format!(
        "POST /api/v1/checkins HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Authorization: Bearer {token}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).ok()?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text.split_whitespace().nth(1)?.parse().ok()?;
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned())?;
    Some((status, body))
}

async fn crash_keeps_every_acknowledged_checkin(dir: &Path, url: &str) {
    let setup = Arc::new(prepare(dir, url, 8, 200_000).await);
    let (server, addr) = start(dir, url);
    let acknowledged = Arc::new(Mutex::new(Vec::<NationalId>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..16)
        .map(|w| {
            let (setup, acknowledged, stop) = (setup.clone(), acknowledged.clone(), stop.clone());
            std::thread::spawn(move || {
                let (station, token) = &setup.stations[w % setup.stations.len()];
                // Each worker checks in its own voters; a tenth of its attempts repeat one.
                for (i, id) in setup.voters.iter().skip(w).step_by(16).enumerate() {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let Some((status, body)) = check_in(addr, token, station, id) else {
                        break;
                    };
                    match status {
                        201 => acknowledged.lock().unwrap().push(id.clone()),
                        _ => panic!("check-in {i} of worker {w}: {status} {body}"),
                    }
                    if i % 10 == 9 {
                        let Some((status, body)) = check_in(addr, token, station, id) else {
                            break;
                        };
                        assert_eq!(status, 409, "{body}");
                        assert!(body.contains("already_voted"), "{body}");
                    }
                }
            })
        })
        .collect();
    // Let the load run, then kill the server mid-stream.
    let deadline = Instant::now() + TIMEOUT;
    while acknowledged.lock().unwrap().len() < 500 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut server = server;
    server.0.kill().unwrap(); // SIGKILL
    server.0.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() >= 500,
        "{} acknowledged",
        acknowledged.len()
    );

    // Restarted, the server knows every acknowledged check-in, each once.
    let (_server, addr) = start(dir, url);
    let (station, token) = &setup.stations[0];
    for id in &acknowledged {
        let (status, body) = check_in(addr, token, station, id).unwrap();
        assert_eq!(status, 409, "{id}: {body}");
        assert!(body.contains("already_voted"), "{body}");
    }
    let stored = stored(url, &setup).await;
    let mut distinct = acknowledged.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(
        distinct.len(),
        acknowledged.len(),
        "a voter acknowledged twice"
    );
    // A check-in committed but not yet answered when the server died may be stored too.
    assert!(
        stored >= acknowledged.len() as i64,
        "{stored} stored < {} acknowledged",
        acknowledged.len()
    );
    assert!(
        verify(dir, url).success(),
        "the audit chain survives the crash"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_crash_keeps_every_acknowledged_checkin() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path(), "crash.db");
    crash_keeps_every_acknowledged_checkin(dir.path(), &url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_crash_keeps_every_acknowledged_checkin() {
    let dir = tempfile::tempdir().unwrap();
    let url = new_pg_database().await;
    crash_keeps_every_acknowledged_checkin(dir.path(), &url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_id_at_fifty_stations_through_two_servers_checks_in_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = new_pg_database().await;
    let setup = prepare(dir.path(), &url, 50, 10).await;
    let (_a, addr_a) = start(dir.path(), &url);
    let (_b, addr_b) = start(dir.path(), &url);
    for voter in &setup.voters[..3] {
        // All 50 requests leave together.
        let gate = Arc::new(std::sync::Barrier::new(50));
        let answers: Vec<(u16, String)> = std::thread::scope(|scope| {
            let handles: Vec<_> = setup
                .stations
                .iter()
                .enumerate()
                .map(|(i, (station, token))| {
                    let gate = gate.clone();
                    let addr = if i % 2 == 0 { addr_a } else { addr_b };
                    scope.spawn(move || {
                        gate.wait();
                        check_in(addr, token, station, voter).unwrap()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let created: Vec<_> = answers.iter().filter(|(s, _)| *s == 201).collect();
        assert_eq!(created.len(), 1, "{answers:?}");
        let refused = answers
            .iter()
            .filter(|(s, b)| *s == 409 && b.contains("already_voted"))
            .count();
        assert_eq!(refused, 49, "{answers:?}");
    }
    assert_eq!(stored(&url, &setup).await, 3);
}
