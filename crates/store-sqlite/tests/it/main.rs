//! The SQLite backend against the conformance suite and the audit tamper cases.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use store::{Actor, NewUser, Store};
use store_sqlite::Sqlite;

/// A fresh database in its own temporary directory, kept alive for the test's duration.
async fn fresh() -> Arc<dyn Store> {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite:{}", dir.path().join("test.db").display());
    let store = Sqlite::connect(&url).await.expect("connect");
    // The directory must outlive the store: leak it for the test process's lifetime.
    std::mem::forget(dir);
    Arc::new(store)
}

store::conformance_suite!(fresh);

mod tamper {
    use super::*;
    use domain::access::{Role, Scope};
    use time::macros::datetime;

    async fn with_users(n: usize) -> Sqlite {
        let dir = tempfile::tempdir().unwrap();
        let store = Sqlite::connect(&format!("sqlite:{}", dir.path().join("t.db").display()))
            .await
            .unwrap();
        std::mem::forget(dir);
        for i in 0..n {
            let user = NewUser {
                username: format!("u{i}"),
                password_hash: "h".into(),
                role: Role::Observer,
                scope: Scope::Province,
            };
            store
                .create_user(&user, &Actor::new("hq", datetime!(2026-01-11 05:00 UTC)))
                .await
                .unwrap();
        }
        store
    }

    async fn first_bad(store: &Sqlite) -> Option<i64> {
        store::verify_audit(store)
            .await
            .unwrap()
            .err()
            .map(|e| e.seq())
    }

    #[tokio::test]
    async fn intact_log_verifies() {
        let store = with_users(5).await;
        assert_eq!(store::verify_audit(&store).await.unwrap(), Ok(5));
    }

    #[tokio::test]
    async fn changed_record_is_caught() {
        let store = with_users(5).await;
        store
            .raw_execute("UPDATE audit_log SET actor = 'intruder' WHERE seq = 3")
            .await
            .unwrap();
        assert_eq!(first_bad(&store).await, Some(3));
    }

    #[tokio::test]
    async fn deleted_record_is_caught() {
        let store = with_users(5).await;
        store
            .raw_execute("DELETE FROM audit_log WHERE seq = 2")
            .await
            .unwrap();
        assert_eq!(first_bad(&store).await, Some(2));
        let store = with_users(5).await;
        store
            .raw_execute("DELETE FROM audit_log WHERE seq = 5")
            .await
            .unwrap();
        assert_eq!(first_bad(&store).await, Some(5));
    }

    #[tokio::test]
    async fn inserted_record_is_caught() {
        let store = with_users(5).await;
        store
            .raw_execute("INSERT INTO audit_log (seq, at_us, actor, action, entity, payload, prev_hash, hash) SELECT 6, at_us, actor, action, 'user/forged', payload, hash, hash FROM audit_log WHERE seq = 5")
            .await
            .unwrap();
        assert_eq!(first_bad(&store).await, Some(6));
    }
}

/// Every demo station, listed 500 at a time, reads back exactly as loaded (routes included).
#[tokio::test]
async fn every_demo_station_round_trips_through_the_list() {
    use domain::demo::{kerman, DemoOptions};
    use store::{PageRequest, StationFilter};
    let store = fresh().await;
    let data = kerman(DemoOptions {
        seed: 7,
        people: 300,
    })
    .unwrap();
    let by = Actor::new("test", time::macros::datetime!(2026-01-11 05:00 UTC));
    store.load_province(&data, &by).await.unwrap();
    let mut read = Vec::new();
    for page in 1.. {
        let p = store
            .stations(&StationFilter::default(), PageRequest::new(page, 500))
            .await
            .unwrap();
        if p.items.is_empty() {
            break;
        }
        read.extend(p.items);
    }
    let mut expected = data.stations.clone();
    expected.sort_by(|a, b| a.code.cmp(&b.code));
    assert_eq!(read.len(), expected.len());
    for (got, want) in read.iter().zip(&expected) {
        assert_eq!(got, want);
    }
}
