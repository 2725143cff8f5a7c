//! Election day on PostgreSQL beyond the conformance suite: several servers on one database,
//! colliding random keys, closing while check-ins are under way, and the batching writer's
//! batches.

use crate::{actor, demo_database};
use domain::demo::DemoData;
use domain::ids::NationalId;
use domain::roll::{Voter, VoterStatus};
use domain::station_day::{DayAction, DayRefusal};
use std::collections::HashMap;
use std::sync::Arc;
use store::conformance::sealed_ballot;
use store::{
    prelude::*, verify_audit, Actor, BallotOutcome, CheckIn, CheckInOutcome, Entity, Refusal,
    StoreError, TurnoutFilter,
};
use store_postgres::Postgres;
use time::macros::datetime;
use time::OffsetDateTime;

const POLLS_OPEN: OffsetDateTime = datetime!(2026-05-01 04:30 UTC);
const POLLS_CLOSE: OffsetDateTime = datetime!(2026-05-01 14:30 UTC);

fn at(t: OffsetDateTime) -> Actor {
    Actor::new("station", t)
}

fn voters(data: &DemoData, n: u32) -> Vec<Voter> {
    (0..n)
        .map(|i| Voter {
            national_id: NationalId::with_check_digit(800_000_000 + i).unwrap(),
            birth_date: time::macros::date!(1980 - 03 - 01),
            council: data.councils[0].code.clone(),
            status: VoterStatus::Alive,
        })
        .collect()
}

/// The rows in batches of 10,000, as an importer sends them.
fn send(rows: Vec<Voter>) -> tokio::sync::mpsc::Receiver<store::RollBatch> {
    store::conformance::send(rows, 10_000)
}

/// A database with the small demo, a roll of `n` voters of one council and the first
/// `stations` stations open; returns its URL, the data, the roll and the open stations.
async fn election_day(n: u32, stations: usize) -> (String, DemoData, Vec<Voter>, Vec<String>) {
    let (url, data) = demo_database().await;
    let store = Postgres::connect(&url).await.unwrap();
    let roll = voters(&data, n);
    store
        .import_roll(&data.election.code, send(roll.clone()), "roll", &actor())
        .await
        .unwrap();
    let open: Vec<String> = data
        .stations
        .iter()
        .filter(|s| data.can_open(&s.code))
        .take(stations)
        .map(|s| s.code.clone())
        .collect();
    for s in &open {
        store::election_day::open_as_staffed(&store, &data.election.code, s, 400, &at(POLLS_OPEN))
            .await
            .unwrap();
    }
    (url, data, roll, open)
}

fn checkin(election: &str, station: &str, id: &NationalId, token: &str) -> CheckIn {
    CheckIn {
        election_code: election.to_owned(),
        station: station.to_owned(),
        national_id: id.clone(),
        token_hash: audit::digest_hex(token.as_bytes()),
        own_constituency_only: false,
        by: at(POLLS_OPEN + time::Duration::hours(1)),
    }
}

/// Two servers, each with its own writer, check in the same 100 people at different stations
/// at once: each person is accepted once, and every refusal names where they did check in.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_check_each_person_in_once() {
    let (url, data, roll, stations) = election_day(100, 10).await;
    let election = data.election.code.clone();
    let (a, b) = tokio::join!(Postgres::connect(&url), Postgres::connect(&url));
    let servers = [Arc::new(a.unwrap()), Arc::new(b.unwrap())];
    let mut tasks = Vec::new();
    for (n, server) in servers.iter().enumerate() {
        for (i, v) in roll.iter().enumerate() {
            let server = server.clone();
            let c = checkin(
                &election,
                &stations[(i + n * 3) % stations.len()],
                &v.national_id,
                &format!("s{n}-{i}"),
            );
            tasks.push(tokio::spawn(async move {
                let station = c.station.clone();
                let id = c.national_id.as_str().to_owned();
                (id, station, server.check_in(c).await.unwrap())
            }));
        }
    }
    let mut accepted: HashMap<String, String> = HashMap::new();
    let mut refused: Vec<(String, String)> = Vec::new();
    for t in tasks {
        let (id, station, outcome) = t.await.unwrap();
        match outcome {
            CheckInOutcome::Accepted { .. } => {
                assert!(accepted.insert(id, station).is_none(), "accepted twice");
            }
            CheckInOutcome::AlreadyVoted { station, .. } => refused.push((id, station)),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(accepted.len(), 100);
    assert_eq!(refused.len(), 100);
    for (id, station) in refused {
        assert_eq!(accepted[&id], station, "the refusal names the station");
    }
    let mut total = 0;
    for s in &stations {
        let counts = servers[1].station_counts(&election, s).await.unwrap();
        assert_eq!(counts.checkins, counts.outstanding);
        total += counts.checkins;
    }
    assert_eq!(total, 100);
    let turnout = servers[0]
        .turnout(&election, &TurnoutFilter::default())
        .await
        .unwrap();
    assert_eq!((turnout.eligible, turnout.checked_in), (100, 100));
    assert!(verify_audit(servers[0].as_ref()).await.unwrap().is_ok());
}

/// A request whose random key is already stored is refused alone: its neighbours in the batch
/// go in, and nothing of it is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_taken_key_fails_only_its_request() {
    let (url, data, roll, stations) = election_day(20, 1).await;
    let election = data.election.code.clone();
    let store = Arc::new(Postgres::connect(&url).await.unwrap());
    let station = &stations[0];
    let first = store
        .check_in(checkin(&election, station, &roll[0].national_id, "taken"))
        .await
        .unwrap();
    assert!(matches!(first, CheckInOutcome::Accepted { .. }));

    let mut tasks = Vec::new();
    for (i, v) in roll.iter().enumerate().skip(1).take(10) {
        let token = if i == 5 {
            "taken".to_owned()
        } else {
            format!("t{i}")
        };
        let c = checkin(&election, station, &v.national_id, &token);
        let store = store.clone();
        tasks.push(tokio::spawn(async move { (i, store.check_in(c).await) }));
    }
    for t in tasks {
        match t.await.unwrap() {
            (5, Err(StoreError::Duplicate { entity, key })) => {
                assert_eq!((entity, key), (Entity::Ballot, audit::digest_hex(b"taken")));
            }
            (5, other) => panic!("expected a conflict, got {other:?}"),
            (_, outcome) => assert!(matches!(outcome, Ok(CheckInOutcome::Accepted { .. }))),
        }
    }
    // Nothing was written for the refused one: they check in with a token of their own.
    assert!(matches!(
        store
            .check_in(checkin(&election, station, &roll[5].national_id, "own"))
            .await
            .unwrap(),
        CheckInOutcome::Accepted { .. }
    ));
    assert_eq!(
        store
            .station_counts(&election, station)
            .await
            .unwrap()
            .checkins,
        11
    );

    // Ballots: a tracking code is a hash of the ballot and its kiosk's chain, so two ballots
    // never share one; each token casts once.
    let by = at(POLLS_OPEN + time::Duration::hours(2));
    for token in ["taken", "t1"] {
        let ballot = sealed_ballot(store.as_ref(), &election, token, &[], by.clone()).await;
        assert!(matches!(
            store.cast_ballot(ballot).await,
            Ok(BallotOutcome::Cast { .. })
        ));
    }
    let again = sealed_ballot(store.as_ref(), &election, "t1", &[], by.clone()).await;
    assert_eq!(
        store.cast_ballot(again).await.unwrap(),
        BallotOutcome::TokenUnknown
    );
    let counts = store.station_counts(&election, station).await.unwrap();
    assert_eq!((counts.ballots, counts.outstanding), (2, 9));
    assert!(verify_audit(store.as_ref()).await.unwrap().is_ok());
}

/// Closing while check-ins arrive: either the close waits for them and refuses (ballots
/// outstanding), or it goes first and they are refused; never a closed station with voters
/// yet to vote.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn closing_never_leaves_voters_without_ballots() {
    let (url, data, roll, stations) = election_day(400, 8).await;
    let election = data.election.code.clone();
    let store = Arc::new(Postgres::connect(&url).await.unwrap());
    for (round, station) in stations.iter().enumerate() {
        let mut tasks = Vec::new();
        for k in 0..50 {
            let v = &roll[round * 50 + k];
            let mut c = checkin(&election, station, &v.national_id, &format!("{round}-{k}"));
            c.by = at(POLLS_CLOSE - time::Duration::seconds(1));
            let store = store.clone();
            tasks.push(tokio::spawn(
                async move { store.check_in(c).await.unwrap() },
            ));
        }
        let close = {
            let (store, election, station) = (store.clone(), election.clone(), station.clone());
            tokio::spawn(async move {
                store
                    .act_on_station(&election, &station, &DayAction::Close, &at(POLLS_CLOSE))
                    .await
            })
        };
        let mut accepted = 0;
        for t in tasks {
            match t.await.unwrap() {
                CheckInOutcome::Accepted { .. } => accepted += 1,
                CheckInOutcome::StationNotOpen(_) => {}
                other => panic!("unexpected {other:?}"),
            }
        }
        let counts = store.station_counts(&election, station).await.unwrap();
        assert_eq!(counts.checkins, accepted);
        match close.await.unwrap() {
            Ok(day) => {
                assert_eq!(day.state, domain::station_day::DayState::Closed);
                assert_eq!(counts.outstanding, 0, "closed with voters yet to vote");
            }
            Err(StoreError::Refused(Refusal::Day(DayRefusal::BallotsOutstanding { count }))) => {
                assert!(count > 0 && count <= accepted);
            }
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert!(verify_audit(store.as_ref()).await.unwrap().is_ok());
}

/// Check-ins that arrive while a batch is being written wait in the writer's queue and go in
/// together: with the writer's first batch held at the audit head by another session, the
/// check-ins queued behind it are written in as few transactions as its bound on a batch allows,
/// each with one audit record, and every one of them is counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkins_are_written_in_batches() {
    use sqlx::Connection;
    use std::task::Poll;
    /// The writer's bound on a batch.
    const MAX_BATCH: usize = store_postgres::WRITER_MAX_BATCH;
    /// Check-ins queued behind the blocked batch.
    const QUEUED: usize = 2_500;
    let (url, data, roll, stations) = election_day(QUEUED as u32 + 1, 50).await;
    let election = data.election.code.clone();
    let store = Arc::new(Postgres::connect(&url).await.unwrap());
    let (before, _) = store.audit_head().await.unwrap();
    let request = |i: usize| {
        checkin(
            &election,
            &stations[i % stations.len()],
            &roll[i].national_id,
            &format!("bulk-{i}"),
        )
    };

    // Another session holds the audit head's row, so the writer's first batch stops at its
    // audit record, uncommitted, until that session ends.
    let mut holder = sqlx::PgConnection::connect(&url).await.unwrap();
    let mut lock = holder.begin().await.unwrap();
    let holder_pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut *lock)
        .await
        .unwrap();
    sqlx::query("SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE")
        .execute(&mut *lock)
        .await
        .unwrap();
    let first = {
        let (store, c) = (store.clone(), request(0));
        tokio::spawn(async move { store.check_in(c).await })
    };
    let waiting = crate::wait_for_lock_waiter(&url, holder_pid).await;
    assert!(waiting.contains("audit_head"), "waiting: {waiting}");

    // The rest, while it waits. `check_in` hands its request to the writer's queue the first
    // time it is polled (the queue has room for all of them; `unconstrained` keeps tokio's
    // cooperative budget from postponing a send), then waits for the answer. The writer takes
    // nothing from its queue while its one batch in flight is unfinished.
    let mut queued: Vec<_> = (1..=QUEUED).map(|i| store.check_in(request(i))).collect();
    tokio::task::unconstrained(std::future::poll_fn(|cx| {
        for check_in in &mut queued {
            assert!(
                check_in.as_mut().poll(cx).is_pending(),
                "answered while the writer is held at the audit head"
            );
        }
        Poll::Ready(())
    }))
    .await;
    assert!(
        !first.is_finished(),
        "the first batch committed under the lock"
    );
    assert_eq!(
        store.audit_head().await.unwrap().0,
        before,
        "nothing written"
    );

    lock.rollback().await.unwrap();
    assert!(matches!(
        first.await.unwrap().unwrap(),
        CheckInOutcome::Accepted { .. }
    ));
    for check_in in queued {
        assert!(matches!(
            check_in.await.unwrap(),
            CheckInOutcome::Accepted { .. }
        ));
    }

    // One audit record per transaction: the first check-in alone, then the queue in batches
    // as large as the writer takes.
    let payloads: Vec<String> =
        sqlx::query_scalar("SELECT payload FROM audit_log WHERE seq > $1 ORDER BY seq")
            .bind(before)
            .fetch_all(&mut holder)
            .await
            .unwrap();
    let sizes: Vec<u64> = payloads
        .iter()
        .map(|p| {
            let record: serde_json::Value = serde_json::from_str(p).unwrap();
            assert_eq!(record["election"], election.as_str(), "{p}");
            record["checkins"].as_u64().unwrap()
        })
        .collect();
    let mut expected = vec![1];
    let mut left = QUEUED;
    while left > 0 {
        expected.push(left.min(MAX_BATCH) as u64);
        left -= left.min(MAX_BATCH);
    }
    assert_eq!(sizes, expected); // [1, 1000, 1000, 500]
    let turnout = store
        .turnout(&election, &TurnoutFilter::default())
        .await
        .unwrap();
    assert_eq!(turnout.checked_in, QUEUED as i64 + 1);
    assert_eq!(
        verify_audit(store.as_ref()).await.unwrap(),
        Ok(before + expected.len() as i64)
    );
}

/// DESIGN §4 on PostgreSQL: no column of the ballot table, nor the order of its rows (nor the
/// transaction stamp PostgreSQL keeps on each), links a ballot to a check-in. Ballots wait in
/// the queue during the day and enter the box, shuffled, in one statement at the close.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ballot_box_keeps_no_link_to_the_checkins() {
    let (url, data, roll, stations) = election_day(40, 1).await;
    let election = data.election.code.clone();
    let station = &stations[0];
    let store = Postgres::connect(&url).await.unwrap();
    let mut cast_order = Vec::new();
    // One voter at a time, as at a quiet station: check in, then vote.
    for (i, v) in roll.iter().enumerate() {
        let token = format!("quiet-{i}");
        let outcome = store
            .check_in(checkin(&election, station, &v.national_id, &token))
            .await
            .unwrap();
        assert!(matches!(outcome, store::CheckInOutcome::Accepted { .. }));
        let ballot = sealed_ballot(
            &store,
            &election,
            &token,
            &[],
            at(POLLS_OPEN + time::Duration::hours(1)),
        )
        .await;
        let store::BallotOutcome::Cast { tracking_code, .. } =
            store.cast_ballot(ballot).await.unwrap()
        else {
            panic!("not cast");
        };
        cast_order.push(tracking_code);
    }
    let counts = store.station_counts(&election, station).await.unwrap();
    assert_eq!((counts.checkins, counts.ballots), (40, 40));
    store
        .act_on_station(&election, station, &DayAction::Close, &at(POLLS_CLOSE))
        .await
        .unwrap();
    let counts = store.station_counts(&election, station).await.unwrap();
    assert_eq!(
        (counts.checkins, counts.ballots, counts.outstanding),
        (40, 40, 0)
    );

    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
    let mut columns: Vec<String> = sqlx::query_scalar(
        "SELECT column_name::text FROM information_schema.columns WHERE table_name = 'ballots'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    columns.sort();
    assert_eq!(columns, store::conformance::BALLOT_COLUMNS);
    let references: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM information_schema.table_constraints
         WHERE table_name = 'ballots' AND constraint_type = 'FOREIGN KEY'",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(references, 0);
    // The stored order (a plain scan) is not the order of voting, and every ballot of the
    // station carries the same transaction: the close's.
    let stored: Vec<String> = sqlx::query_scalar("SELECT tracking_code FROM ballots")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    assert_eq!(stored.len(), 40);
    assert_ne!(
        stored, cast_order,
        "40 ballots stored in the order of voting"
    );
    let stamps: i64 = sqlx::query_scalar("SELECT count(DISTINCT xmin::text) FROM ballots")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(stamps, 1);
    let queued: i64 = sqlx::query_scalar("SELECT count(*) FROM ballot_queue")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(queued, 0);
}
