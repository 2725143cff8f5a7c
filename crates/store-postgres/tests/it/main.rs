//! Integration tests against a real PostgreSQL: the conformance suite, audit tampering, and two
//! servers writing one chain. Each test gets a brand-new database on the cluster named by
//! `SANDOQ_TEST_POSTGRES_URL` (start one with `eval "$(scripts/start-postgres)"`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use domain::access::{Role, Scope};
use std::sync::Arc;
use store::{verify_audit, Actor, NewUser, Store};
use store_postgres::Postgres;
use time::macros::datetime;

const URL_VAR: &str = "SANDOQ_TEST_POSTGRES_URL";

/// The admin URL; without it the tests fail (locally and, above all, under CI).
fn admin_url() -> String {
    #[allow(clippy::disallowed_methods)] // tests read their own configuration
    let url = std::env::var(URL_VAR);
    match url {
        Ok(url) if !url.is_empty() => url,
        _ => panic!("set {URL_VAR} to a PostgreSQL admin URL (eval \"$(scripts/start-postgres)\")"),
    }
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let host_start = base.find("://").map_or(0, |i| i + 3);
    let base = match base[host_start..].find('/') {
        Some(slash) => &base[..host_start + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// Creates an empty database on the cluster and returns its URL.
async fn new_database() -> String {
    use sqlx::Connection;
    let admin_url = admin_url();
    let mut admin = sqlx::PgConnection::connect(&admin_url)
        .await
        .expect("connect to the admin database");
    let name = format!("t_{:016x}", rand::random::<u64>());
    sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("create database");
    admin.close().await.expect("close");
    with_database(&admin_url, &name)
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changed_record_is_named() {
    let store = five_users().await;
    assert_eq!(
        store
            .raw_execute("UPDATE audit_log SET actor = 'x' WHERE seq = 3")
            .await
            .unwrap(),
        1
    );
    assert_eq!(broken_at(&store).await, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleted_record_is_named() {
    let store = five_users().await;
    assert_eq!(
        store
            .raw_execute("DELETE FROM audit_log WHERE seq = 3")
            .await
            .unwrap(),
        1
    );
    assert_eq!(broken_at(&store).await, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_record_is_named() {
    let store = five_users().await;
    let forged =
        "INSERT INTO audit_log (seq, at_us, actor, action, entity, payload, prev_hash, hash) \
                  SELECT 6, at_us, 'mallory', 'user.create', 'user/mallory', '{}', hash, \
                  'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' \
                  FROM audit_log WHERE seq = 5";
    assert_eq!(store.raw_execute(forged).await.unwrap(), 1);
    assert_eq!(broken_at(&store).await, 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleted_tail_is_caught() {
    let store = five_users().await;
    assert_eq!(
        store
            .raw_execute("DELETE FROM audit_log WHERE seq = 5")
            .await
            .unwrap(),
        1
    );
    assert_eq!(broken_at(&store).await, 5);
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
    let filter = |entity: &str| store::AuditFilter {
        entity: Some(entity.into()),
        ..Default::default()
    };
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

/// A whole province at its real scale loads in one short transaction (set-based inserts).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_scale_province_loads_quickly() {
    let data = domain::demo::kerman(domain::demo::DemoOptions {
        seed: 1,
        people: 25_000,
    })
    .unwrap();
    let store = fresh_pg().await;
    let started = std::time::Instant::now();
    store.load_province(&data, &actor()).await.unwrap();
    let took = started.elapsed();
    assert!(
        took < std::time::Duration::from_secs(30),
        "load took {took:?}"
    );
    assert_eq!(store.people_count().await.unwrap(), 25_000);
    let page = store
        .audit_page(
            &store::AuditFilter::default(),
            store::PageRequest::default(),
        )
        .await
        .unwrap();
    assert!(
        page.items[0].payload.contains("\"people\":25000"),
        "{}",
        page.items[0].payload
    );
    eprintln!("full-scale load: {took:?}");
}
