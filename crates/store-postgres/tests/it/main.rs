//! Integration tests against a real PostgreSQL: the conformance suite, audit tampering, and two
//! servers writing one chain. Each test gets a brand-new database on the cluster named by
//! `SANDOQ_TEST_POSTGRES_URL` (start one with `eval "$(scripts/start-postgres)"`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod agreement;
mod election_day;
mod registrations;
mod roll;

use domain::access::{Role, Scope};
use std::sync::Arc;
use store::{prelude::*, verify_audit, Actor, NewUser};
use store_postgres::testing::with_database;
use store_postgres::Postgres;
use time::macros::datetime;

const URL_VAR: &str = "SANDOQ_TEST_POSTGRES_URL";

/// The admin URL; without it the tests fail (locally and, above all, under CI).
fn admin_url() -> String {
    #[allow(clippy::disallowed_methods)] // tests read their own configuration
    let url = std::env::var(URL_VAR);
    match url {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "set {URL_VAR} to a PostgreSQL admin URL: eval \"$(scripts/start-postgres)\" (scripts/test does)"
        ),
    }
}

/// Creates an empty database on the cluster and returns its URL.
async fn new_database() -> String {
    store_postgres::testing::new_database(&admin_url())
        .await
        .expect("create a test database")
}

/// A new database with the conformance suite's small demo loaded: its URL and the data.
async fn demo_database() -> (String, domain::demo::DemoData) {
    let url = new_database().await;
    let data = store::conformance::demo();
    let store = Postgres::connect(&url).await.expect("connect");
    store
        .load_demo(&data, &actor())
        .await
        .expect("the demo loads");
    (url, data)
}

async fn fresh_pg() -> Postgres {
    Postgres::connect(&new_database().await)
        .await
        .expect("connect")
}

async fn fresh() -> Arc<dyn Store> {
    Arc::new(fresh_pg().await)
}

store::conformance_suite!(fresh);

/// Waits, within a bound, until a session of the database at `url` waits on a lock held by the
/// session whose backend pid is `holder`, and returns that session's statement. Each look is a
/// statement of its own, so it sees `pg_stat_activity` afresh.
async fn wait_for_lock_waiter(url: &str, holder: i32) -> String {
    use sqlx::Connection;
    let mut observer = sqlx::PgConnection::connect(url).await.unwrap();
    for _ in 0..3_000 {
        let waiting: Option<String> = sqlx::query_scalar(
            "SELECT query FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid)) LIMIT 1",
        )
        .bind(holder)
        .fetch_optional(&mut observer)
        .await
        .unwrap();
        if let Some(query) = waiting {
            return query;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("no session waited on a lock of backend {holder} in 3,000 looks, 10 ms apart");
}

fn actor() -> Actor {
    Actor::new("tester", datetime!(2026-01-11 05:00 UTC))
}

fn user(name: &str) -> NewUser {
    NewUser {
        username: name.into(),
        password_hash: format!("hash-of-{name}"),
        role: Role::Observer,
        scope: Scope::Province,
    }
}

async fn five_users() -> Postgres {
    let store = fresh_pg().await;
    for i in 1..=5 {
        store
            .create_user(&user(&format!("u{i}")), &actor())
            .await
            .unwrap();
    }
    assert_eq!(verify_audit(&store).await.unwrap(), Ok(5));
    store
}

async fn broken_at(store: &Postgres) -> i64 {
    verify_audit(store)
        .await
        .unwrap()
        .expect_err("tampering is caught")
        .seq()
}

/// Five users' records, then `sql` behind the system's back, changing one row: the verifier
/// names record `seq`.
async fn tampering_is_named(sql: &str, seq: i64) {
    let store = five_users().await;
    assert_eq!(store.raw_execute(sql).await.unwrap(), 1);
    assert_eq!(broken_at(&store).await, seq);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changed_record_is_named() {
    tampering_is_named("UPDATE audit_log SET actor = 'x' WHERE seq = 3", 3).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleted_record_is_named() {
    tampering_is_named("DELETE FROM audit_log WHERE seq = 3", 3).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_record_is_named() {
    let forged =
        "INSERT INTO audit_log (seq, at_us, actor, action, entity, payload, prev_hash, hash) \
                  SELECT 6, at_us, 'mallory', 'user.create', 'user/mallory', '{}', hash, \
                  'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' \
                  FROM audit_log WHERE seq = 5";
    tampering_is_named(forged, 6).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleted_tail_is_caught() {
    tampering_is_named("DELETE FROM audit_log WHERE seq = 5", 5).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_keep_one_chain() {
    let url = new_database().await;
    let (a, b) = tokio::join!(Postgres::connect(&url), Postgres::connect(&url));
    let servers = [Arc::new(a.unwrap()), Arc::new(b.unwrap())];
    let mut tasks = Vec::new();
    for (n, server) in servers.iter().enumerate() {
        for i in 0..20 {
            let server = server.clone();
            tasks.push(tokio::spawn(async move {
                server
                    .create_user(&user(&format!("s{n}-{i}")), &actor())
                    .await
            }));
        }
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(verify_audit(servers[0].as_ref()).await.unwrap(), Ok(40));
    assert_eq!(servers[1].users().await.unwrap().len(), 40);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_prefixes_are_literal() {
    let store = five_users().await;
    let filter = |entity: &str| store::AuditFilter::entity(entity);
    let page = store::PageRequest::default();
    assert_eq!(
        store
            .audit_page(&filter("user/u"), page)
            .await
            .unwrap()
            .total,
        5
    );
    assert_eq!(
        store
            .audit_page(&filter("user/%"), page)
            .await
            .unwrap()
            .total,
        0
    );
    assert_eq!(
        store
            .audit_page(&filter("user_u"), page)
            .await
            .unwrap()
            .total,
        0
    );
}

#[test]
fn database_name_is_replaced() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/postgres", "t_1"),
        "postgres://postgres@127.0.0.1:5432/t_1"
    );
    assert_eq!(
        with_database("postgres://u:p@h/db?sslmode=disable", "t_2"),
        "postgres://u:p@h/t_2?sslmode=disable"
    );
    assert_eq!(with_database("postgres://h:1", "t_3"), "postgres://h:1/t_3");
}

/// A whole province at its real scale loads whole in one transaction (set-based inserts): every
/// person and post, recorded in one audit record. How long it takes is measured by
/// `cargo run --release -p bench --bin province`, not here.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_scale_province_loads_whole() {
    let data = domain::demo::kerman(domain::demo::DemoOptions {
        seed: 1,
        people: 25_000,
    })
    .unwrap();
    let store = fresh_pg().await;
    store.load_demo(&data, &actor()).await.unwrap();
    assert_eq!(store.people_count().await.unwrap(), 25_000);
    let page = store
        .audit_page(
            &store::AuditFilter::default(),
            store::PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(page.total, 1, "one audit record for the load");
    assert!(
        page.items[0].payload.contains("\"people\":25000"),
        "{}",
        page.items[0].payload
    );
    assert!(
        page.items[0]
            .payload
            .contains(&format!("\"assignments\":{}", data.assignments.len())),
        "{}",
        page.items[0].payload
    );
    let coverage = store.coverage(None).await.unwrap();
    assert_eq!(
        coverage.iter().map(|c| c.assignments).sum::<i64>(),
        data.assignments.len() as i64
    );
    assert_eq!(verify_audit(&store).await.unwrap(), Ok(1));
}

// ---- staffing under concurrency ---------------------------------------------------------------

use domain::staffing::{Post, Refusal};
use store::StoreError;

/// A database with the small demo province loaded; returns its URL, the data, and the codes of
/// two stations without staff (in different councils).
async fn staffing_database() -> (String, domain::demo::DemoData, [String; 2]) {
    let (url, data) = demo_database().await;
    let free = store::conformance::unstaffed_stations(&data);
    let a = free[0];
    let b = free
        .iter()
        .find(|s| s.council_code != a.council_code)
        .unwrap();
    let codes = [a.code.clone(), b.code.clone()];
    (url, data, codes)
}

/// Registers `n` adults with fresh national ids from `from` on.
async fn adults(store: &Postgres, from: u32, n: u32) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        let id = domain::ids::NationalId::with_check_digit(from + i).unwrap();
        let person = domain::person::Person {
            national_id: id.clone(),
            first_name: "رضا".into(),
            last_name: "همزمان".into(),
            father_name: "علی".into(),
            gender: domain::person::Gender::Male,
            birth_date: time::macros::date!(1980 - 01 - 01),
            mobile: None,
            education: None,
            sitting_council_member: false,
            relatives: Vec::new(),
        };
        store.create_person(&person, &actor()).await.unwrap();
        ids.push(id.as_str().to_owned());
    }
    ids
}

/// Two servers on one database, each with its own pool, race 16 requests for one inspector's
/// post: exactly one wins, every other is told the post is taken, and the chain stays whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_never_make_two_inspectors() {
    let (url, _, [station, _]) = staffing_database().await;
    let (a, b) = tokio::join!(Postgres::connect(&url), Postgres::connect(&url));
    let servers = [Arc::new(a.unwrap()), Arc::new(b.unwrap())];
    let ids = adults(&servers[0], 600, 16).await;
    let (before, _) = servers[0].audit_head().await.unwrap();
    let mut tasks = Vec::new();
    for (i, id) in ids.into_iter().enumerate() {
        let server = servers[i % 2].clone();
        let station = station.clone();
        tasks.push(tokio::spawn(async move {
            server
                .assign_post(&station, Post::Inspector, &id, &actor())
                .await
        }));
    }
    let mut won = Vec::new();
    for t in tasks {
        match t.await.unwrap() {
            Ok(a) => won.push(a.national_id),
            Err(StoreError::Refused(store::Refusal::Staffing(Refusal::PostTaken { holder }))) => {
                assert_eq!(
                    servers[1].station_staff(&station).await.unwrap()[0].national_id,
                    holder.as_str()
                );
            }
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(won.len(), 1);
    let staff = servers[1].station_staff(&station).await.unwrap();
    assert_eq!(staff.len(), 1);
    assert_eq!(
        (staff[0].post, &staff[0].national_id),
        (Post::Inspector, &won[0])
    );
    assert_eq!(
        verify_audit(servers[1].as_ref()).await.unwrap(),
        Ok(before + 1)
    );
}

/// The same person asked for at two stations at once, through two servers: one post only.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_never_give_one_person_two_posts() {
    let (url, _, [first, second]) = staffing_database().await;
    let (a, b) = tokio::join!(Postgres::connect(&url), Postgres::connect(&url));
    let servers = [Arc::new(a.unwrap()), Arc::new(b.unwrap())];
    let id = adults(&servers[0], 700, 1).await.remove(0);
    let (before, _) = servers[0].audit_head().await.unwrap();
    for round in 0..5 {
        let posts = [Post::Head, Post::Member1];
        let mut tasks = Vec::new();
        for (i, station) in [&first, &second].into_iter().enumerate() {
            let server = servers[i].clone();
            let (station, id) = (station.clone(), id.clone());
            tasks.push(tokio::spawn(async move {
                server.assign_post(&station, posts[i], &id, &actor()).await
            }));
        }
        let mut won = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(_) => won += 1,
                Err(StoreError::Refused(store::Refusal::Staffing(Refusal::AlreadyServing {
                    ..
                }))) => {}
                Err(e) => panic!("round {round}: unexpected {e:?}"),
            }
        }
        assert_eq!(won, 1, "round {round}");
        let held = servers[0].station_staff(&first).await.unwrap().len()
            + servers[0].station_staff(&second).await.unwrap().len();
        assert_eq!(held, 1, "round {round}");
        for (station, post) in [(&first, Post::Head), (&second, Post::Member1)] {
            servers[1]
                .unassign_post(station, post, &actor())
                .await
                .unwrap();
        }
    }
    // Each round: one assignment and one release recorded, the refused request nothing.
    assert_eq!(
        verify_audit(servers[0].as_ref()).await.unwrap(),
        Ok(before + 10)
    );
}

/// A row written behind the system's back (no locks taken) while an assignment is deciding:
/// the assignment's insert waits on the uncommitted row's unique key, hits it when that row
/// commits, and the retry reads the holder and refuses.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unique_race_ends_as_post_taken() {
    use sqlx::Connection;
    let (url, data, [station, _]) = staffing_database().await;
    let store = Arc::new(Postgres::connect(&url).await.unwrap());
    let ids = adults(&store, 800, 2).await;
    let mut intruder = sqlx::PgConnection::connect(&url).await.unwrap();
    let mut tx = intruder.begin().await.unwrap();
    let intruder_pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO station_posts (election_code, station_code, post, national_id, assigned_at_us, \
         assigned_by) VALUES ($1, $2, 'inspector', $3, 0, 'intruder')",
    )
    .bind(&data.election.code)
    .bind(&station)
    .bind(&ids[0])
    .execute(&mut *tx)
    .await
    .unwrap();
    let task = {
        let (store, station, id) = (store.clone(), station.clone(), ids[1].clone());
        tokio::spawn(async move {
            store
                .assign_post(&station, Post::Inspector, &id, &actor())
                .await
        })
    };
    let waiting = wait_for_lock_waiter(&url, intruder_pid).await;
    assert!(
        waiting.contains("station_posts"),
        "the assignment waits on the intruder's row, not on {waiting}"
    );
    assert!(
        !task.is_finished(),
        "the insert waits on the uncommitted row"
    );
    tx.commit().await.unwrap();
    match task.await.unwrap() {
        Err(StoreError::Refused(store::Refusal::Staffing(Refusal::PostTaken { holder }))) => {
            assert_eq!(holder.as_str(), ids[0]);
        }
        other => panic!("expected post_taken, got {other:?}"),
    }
}

/// Every station reads back as loaded, routes included, through pages of 500.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn station_pages_read_back_whole() {
    let (url, data, _) = staffing_database().await;
    let store = Postgres::connect(&url).await.unwrap();
    let mut read = Vec::new();
    for page in 1.. {
        let got = store
            .stations(
                &store::StationFilter::default(),
                store::PageRequest::new(page, 500),
            )
            .await
            .unwrap();
        if got.items.is_empty() {
            break;
        }
        read.extend(got.items);
    }
    let mut expected = data.stations.clone();
    expected.sort_by(|a, b| a.code.cmp(&b.code));
    assert_eq!(read, expected);
}

// ---- boards under concurrency -----------------------------------------------------------------

use domain::boards::{BoardRefusal, BoardRole};

/// Two servers on one database, each with its own pool, race for the last member seat of a
/// county inspection board (a head and one member already sit): exactly one wins, every other
/// is refused with `RoleFull`, and only the winner is recorded.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_never_overfill_a_board() {
    let (url, data, _) = staffing_database().await;
    let (a, b) = tokio::join!(Postgres::connect(&url), Postgres::connect(&url));
    let servers = [Arc::new(a.unwrap()), Arc::new(b.unwrap())];
    let county = store::conformance::county_with_empty_board(&data, "inspection");
    let code = format!("inspection-{county}");
    let ids = adults(&servers[0], 900, 18).await;
    let term = (time::macros::date!(2026 - 01 - 01), None);
    for (id, role) in ids.iter().zip([BoardRole::Head, BoardRole::Member]) {
        servers[0]
            .add_board_member(&code, id, role, term, &actor())
            .await
            .unwrap();
    }
    let (before, _) = servers[0].audit_head().await.unwrap();
    let mut tasks = Vec::new();
    for (i, id) in ids[2..].iter().cloned().enumerate() {
        let server = servers[i % 2].clone();
        let code = code.clone();
        tasks.push(tokio::spawn(async move {
            server
                .add_board_member(&code, &id, BoardRole::Member, term, &actor())
                .await
        }));
    }
    let (mut won, mut refused) = (Vec::new(), 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(m) => won.push(m.national_id),
            Err(StoreError::Refused(store::Refusal::Board(BoardRefusal::RoleFull {
                role,
                seats,
            }))) => {
                assert_eq!((role, seats), (BoardRole::Member, 2));
                refused += 1;
            }
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!((won.len(), refused), (1, 15));
    let board = servers[1].board(&code).await.unwrap().unwrap();
    assert_eq!(
        board.members.iter().map(|m| m.role).collect::<Vec<_>>(),
        vec![BoardRole::Head, BoardRole::Member, BoardRole::Member]
    );
    assert!(board.members.iter().any(|m| m.national_id == won[0]));
    assert_eq!(
        verify_audit(servers[1].as_ref()).await.unwrap(),
        Ok(before + 1)
    );
}
