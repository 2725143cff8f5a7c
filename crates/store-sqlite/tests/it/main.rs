//! The SQLite backend against the conformance suite and the audit tamper cases.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use store::prelude::*;
use store::{Actor, NewUser};
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

/// The database, its log and its shared memory are readable by their owner only: they hold
/// the roll, who voted and the ballots (issue 15: they were created 0644).
#[tokio::test]
async fn the_database_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("private.db");
    let store = Sqlite::connect(&format!("sqlite:{}", db.display()))
        .await
        .unwrap();
    let user = NewUser {
        username: "hq".into(),
        password_hash: "$argon2id$x".into(),
        role: domain::access::Role::ProvinceHq,
        scope: domain::access::Scope::Province,
    };
    let by = Actor::new("test", time::macros::datetime!(2026-01-10 06:00 UTC));
    store.create_user(&user, &by).await.unwrap();
    let mut seen = Vec::new();
    for name in ["private.db", "private.db-wal", "private.db-shm"] {
        let path = dir.path().join(name);
        if let Ok(meta) = std::fs::metadata(&path) {
            assert_eq!(meta.permissions().mode() & 0o077, 0, "{name} is private");
            seen.push(name);
        }
    }
    assert!(
        seen.contains(&"private.db") && seen.contains(&"private.db-wal"),
        "{seen:?}"
    );
    drop(store);
}

/// The first column of `sql`'s rows, as text.
fn texts(conn: &rusqlite::Connection, sql: &str) -> Vec<String> {
    conn.prepare(sql)
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// The bundled SQLite is built with a page cache per connection (`.cargo/config.toml`), so
/// that the election-day writer's `cache_size` bounds its cache (see `WRITER_CACHE_KIB`).
#[test]
fn each_connection_has_its_own_page_cache() {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    let options = texts(&conn, "PRAGMA compile_options");
    assert!(options.iter().any(|o| o == "THREADSAFE=1"), "{options:?}");
    assert!(
        !options.iter().any(|o| o == "ENABLE_MEMORY_MANAGEMENT"),
        "{options:?}"
    );
}

/// A store at `path` holding the Kerman demo and a roll of `voters` adults of its first
/// station's council, at 09:30 Tehran on election day; the station is not opened yet. Returns
/// the store, that station's code, the voters and the set-up's actor.
async fn election_morning(
    path: &std::path::Path,
    voters: u32,
) -> (Sqlite, String, Vec<domain::roll::Voter>, Actor) {
    use domain::roll::{Voter, VoterStatus};
    let store = Sqlite::connect(&format!("sqlite:{}", path.display()))
        .await
        .unwrap();
    let data = domain::demo::kerman(domain::demo::DemoOptions {
        seed: 3,
        people: 50,
    })
    .unwrap();
    let by = Actor::new("test", time::macros::datetime!(2026-05-01 06:00 UTC));
    store.load_demo(&data, &by).await.unwrap();
    let station = &data.stations[0];
    let voters: Vec<Voter> = (0..voters)
        .map(|i| Voter {
            national_id: domain::ids::NationalId::with_check_digit(300_000_000 + i).unwrap(),
            birth_date: time::macros::date!(1970 - 01 - 01),
            council: station.council_code.clone(),
            status: VoterStatus::Alive,
        })
        .collect();
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    tx.send(Ok(voters.clone())).await.unwrap();
    drop(tx);
    store.import_roll("shora-7", rx, "t", &by).await.unwrap();
    (store, station.code.clone(), voters, by)
}

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

    /// The first bad record of five users' log after `sql` behind the system's back.
    async fn tampered(sql: &str) -> Option<i64> {
        let store = with_users(5).await;
        store.raw_execute(sql).await.unwrap();
        first_bad(&store).await
    }

    #[tokio::test]
    async fn intact_log_verifies() {
        let store = with_users(5).await;
        assert_eq!(store::verify_audit(&store).await.unwrap(), Ok(5));
    }

    #[tokio::test]
    async fn changed_record_is_caught() {
        assert_eq!(
            tampered("UPDATE audit_log SET actor = 'intruder' WHERE seq = 3").await,
            Some(3)
        );
    }

    #[tokio::test]
    async fn deleted_record_is_caught() {
        assert_eq!(
            tampered("DELETE FROM audit_log WHERE seq = 2").await,
            Some(2)
        );
        assert_eq!(
            tampered("DELETE FROM audit_log WHERE seq = 5").await,
            Some(5)
        );
    }

    #[tokio::test]
    async fn inserted_record_is_caught() {
        let forged = "INSERT INTO audit_log (seq, at_us, actor, action, entity, payload, \
                      prev_hash, hash) SELECT 6, at_us, actor, action, 'user/forged', payload, \
                      hash, hash FROM audit_log WHERE seq = 5";
        assert_eq!(tampered(forged).await, Some(6));
    }
}

/// Every demo station, listed 500 at a time, reads back exactly as loaded (routes included).
#[tokio::test]
async fn every_demo_station_round_trips_through_the_list() {
    use store::{PageRequest, StationFilter};
    let store = fresh().await;
    let data = store::conformance::demo();
    let by = Actor::new("test", time::macros::datetime!(2026-01-11 05:00 UTC));
    store.load_demo(&data, &by).await.unwrap();
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

mod roll {
    use super::*;
    use domain::demo::{synthetic_roll, DemoData};
    use domain::roll::Voter;
    use store::{AuditFilter, PageRequest, StoreError};

    fn by() -> Actor {
        Actor::new("test", time::macros::datetime!(2026-01-11 05:00 UTC))
    }

    async fn loaded() -> (Sqlite, DemoData) {
        let dir = tempfile::tempdir().unwrap();
        let store = Sqlite::connect(&format!("sqlite:{}", dir.path().join("r.db").display()))
            .await
            .unwrap();
        std::mem::forget(dir);
        let data = store::conformance::demo();
        store.load_demo(&data, &by()).await.unwrap();
        (store, data)
    }

    /// Streams `rows` in batches from a blocking task, as the file importer does.
    fn stream(
        rows: impl Iterator<Item = Voter> + Send + 'static,
    ) -> tokio::sync::mpsc::Receiver<store::RollBatch> {
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        tokio::task::spawn_blocking(move || {
            let mut batch = Vec::with_capacity(5_000);
            for v in rows {
                batch.push(v);
                if batch.len() == 5_000 && tx.blocking_send(Ok(std::mem::take(&mut batch))).is_err()
                {
                    return;
                }
            }
            if !batch.is_empty() {
                let _ = tx.blocking_send(Ok(batch));
            }
        });
        rx
    }

    /// Foreign keys are enforced on the writer again after an import, whatever its outcome.
    async fn assert_foreign_keys_enforced(store: &Sqlite, election: &str) {
        let r = store
            .raw_execute(&format!(
                "INSERT INTO voters VALUES ('{election}', '0018465986', '1990-01-01', 'no-such-council', 0)"
            ))
            .await;
        assert!(
            matches!(r, Err(StoreError::Database(ref m)) if m.to_string().contains("FOREIGN KEY")),
            "{r:?}"
        );
    }

    /// A large roll, streamed in arbitrary order (the demo's people first, then ascending
    /// synthetic ids), arrives whole and reads back row by row.
    #[tokio::test]
    async fn a_large_roll_imports_whole() {
        let (store, data) = loaded().await;
        let election = data.election.code.clone();
        let n = 200_000;
        let count = store
            .import_roll(
                &election,
                stream(synthetic_roll(&data, 3, n).collect::<Vec<_>>().into_iter()),
                "d1",
                &by(),
            )
            .await
            .unwrap();
        assert_eq!(count, n as u64);
        assert_eq!(store.roll_count(&election).await.unwrap(), n as i64);
        for (i, v) in synthetic_roll(&data, 3, n).enumerate() {
            if i % 9_973 == 0 || i == n - 1 {
                assert_eq!(
                    store
                        .voter(&election, v.national_id.as_str())
                        .await
                        .unwrap(),
                    Some(v)
                );
            }
        }
        let audit = store
            .audit_page(&AuditFilter::action("roll.import"), PageRequest::default())
            .await
            .unwrap();
        assert_eq!(audit.items.len(), 1);
        assert_eq!(audit.items[0].entity, format!("election/{election}"));
        assert!(audit.items[0].payload.contains("\"count\":200000"));
        assert_eq!(
            store::verify_audit(&store).await.unwrap().map(|_| ()),
            Ok(())
        );
        assert_foreign_keys_enforced(&store, &election).await;
    }

    /// A duplicate names the national id; a refused import leaves enforcement on too.
    #[tokio::test]
    async fn a_repeated_id_is_named() {
        let (store, data) = loaded().await;
        let election = data.election.code.clone();
        let mut rows: Vec<Voter> = synthetic_roll(&data, 3, 20_000).collect();
        rows[15_000] = rows[12].clone();
        let r = store
            .import_roll(&election, stream(rows.clone().into_iter()), "d", &by())
            .await;
        match r {
            Err(StoreError::Duplicate {
                entity: store::Entity::Voter,
                key,
            }) => {
                assert_eq!(key, rows[12].national_id.as_str());
            }
            other => panic!("{other:?}"),
        }
        rows[15_000].council = "123".into();
        assert!(matches!(
            store.import_roll(&election, stream(rows.into_iter()), "d", &by()).await,
            Err(StoreError::Refused(store::Refusal::RollCouncilUnknown { council, .. })) if council == "123"
        ));
        assert_eq!(store.roll_count(&election).await.unwrap(), 0);
        assert_foreign_keys_enforced(&store, &election).await;
    }

    /// Another election's roll is untouched by an import (the row-by-row delete path).
    #[tokio::test]
    async fn other_elections_keep_their_rolls() {
        let (store, data) = loaded().await;
        let election = data.election.code.clone();
        let council = &data.councils[0].code;
        for other in ["0000-other", "zzzz-other"] {
            store
                .raw_execute(&format!(
                    "INSERT INTO elections (code, name, kind, election_day, seat_table, created_at_us)
                     SELECT '{other}', name, kind, election_day, seat_table, created_at_us FROM elections WHERE code = '{election}'"
                ))
                .await
                .unwrap();
            store
                .raw_execute(&format!(
                    "INSERT INTO voters VALUES ('{other}', '0018465986', '1990-01-01', '{council}', 0)"
                ))
                .await
                .unwrap();
        }
        for seed in [1, 2] {
            store
                .import_roll(
                    &election,
                    stream(
                        synthetic_roll(&data, seed, 3_000)
                            .collect::<Vec<_>>()
                            .into_iter(),
                    ),
                    "d",
                    &by(),
                )
                .await
                .unwrap();
            assert_eq!(store.roll_count(&election).await.unwrap(), 3_000);
        }
        for other in ["0000-other", "zzzz-other"] {
            assert_eq!(store.roll_count(other).await.unwrap(), 1);
            assert!(store.voter(other, "0018465986").await.unwrap().is_some());
        }
    }
}

/// DESIGN §4: no column of the ballot table, nor the order of its rows, links a ballot to a
/// check-in.
mod secrecy {
    use super::*;
    use domain::station_day::DayAction;
    use store::{BallotOutcome, CheckIn, CheckInOutcome};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_ballot_box_keeps_no_link_to_the_checkins() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.db");
        let (store, station, voters, by) = election_morning(&path, 40).await;
        let at = by.at;
        store
            .act_on_station("shora-7", &station, &DayAction::open_in_full(400), &by)
            .await
            .unwrap();
        // One voter at a time: check in, then vote, as at a quiet station.
        let mut cast_order = Vec::new();
        for (i, v) in voters.iter().enumerate() {
            let token = format!("token-{i}");
            let t = at + time::Duration::minutes(i as i64);
            let outcome = store
                .check_in(CheckIn {
                    election_code: "shora-7".into(),
                    station: station.clone(),
                    national_id: v.national_id.clone(),
                    token_hash: audit::digest_hex(token.as_bytes()),
                    own_constituency_only: true,
                    by: Actor::new("station", t),
                })
                .await
                .unwrap();
            assert!(matches!(outcome, CheckInOutcome::Accepted { .. }));
            let ballot = store::conformance::sealed_ballot(
                &store,
                "shora-7",
                &token,
                &[],
                Actor::new("station", t),
            )
            .await;
            let BallotOutcome::Cast { tracking_code, .. } =
                store.cast_ballot(ballot).await.unwrap()
            else {
                panic!("not cast");
            };
            cast_order.push(tracking_code);
        }

        let conn = rusqlite::Connection::open(&path).unwrap();
        // The schema: the ballot's own columns only; no voter, check-in, token or time; no
        // foreign key to anything that names a voter.
        let mut columns = texts(&conn, "SELECT name FROM pragma_table_info('ballots')");
        columns.sort();
        assert_eq!(columns, store::conformance::BALLOT_COLUMNS);
        let keys: i64 = conn
            .query_row(
                "SELECT count(*) FROM pragma_foreign_key_list('ballots')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(keys, 0);
        for table in ["ballots", "kiosk_chains", "ballot_tokens"] {
            // No hidden insertion counter either: the tables have no rowid.
            assert!(
                conn.prepare(&format!("SELECT rowid FROM {table}")).is_err(),
                "{table} has a rowid"
            );
        }
        // The stored order: by the tracking code, a hash, not by the order of voting.
        let stored = texts(&conn, "SELECT tracking_code FROM ballots");
        let mut by_code = cast_order.clone();
        by_code.sort();
        assert_eq!(stored, by_code);
        assert_ne!(stored, cast_order, "40 hashes came out in voting order");
        // The check-ins, meanwhile, do say who came when: nothing joins the two.
        let checkins: i64 = conn
            .query_row("SELECT count(*) FROM checkins", [], |r| r.get(0))
            .unwrap();
        assert_eq!(checkins, 40);
    }
}

/// The roll is read into the writer's memory when a station opens, not at the day's first
/// check-in, and only once.
mod roll_ahead {
    use super::*;
    use domain::station_day::DayAction;
    use store::{CheckIn, CheckInOutcome};
    use time::macros::datetime;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn opening_a_station_reads_the_roll_before_any_check_in() {
        let dir = tempfile::tempdir().unwrap();
        let (store, station, voters, by) = election_morning(&dir.path().join("r.db"), 1).await;
        assert_eq!(store.rolls_read(), 0);

        store
            .act_on_station("shora-7", &station, &DayAction::open_in_full(400), &by)
            .await
            .unwrap();
        // The writer reads it in the background: wait for it, within bounds.
        for _ in 0..500 {
            if store.rolls_read() > 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(store.rolls_read(), 1, "read when the station opened");

        let outcome = store
            .check_in(CheckIn {
                election_code: "shora-7".into(),
                station,
                national_id: voters[0].national_id.clone(),
                token_hash: audit::digest_hex(b"token"),
                own_constituency_only: true,
                by: Actor::new("station", datetime!(2026-05-01 06:10 UTC)),
            })
            .await
            .unwrap();
        assert!(
            matches!(outcome, CheckInOutcome::Accepted { .. }),
            "{outcome:?}"
        );
        assert_eq!(store.rolls_read(), 1, "not read again for the check-in");
    }
}
