//! The store itself (a pool and the election-day writer's handle), connecting, and the
//! plumbing every area's transactions share: one attempt's failure ([`Fail`]), the retry loop
//! for serialization failures and deadlocks, and the mapping of database errors.

use sqlx::postgres::{PgPool, PgPoolOptions};
use std::future::Future;
use std::time::Duration;
use store::{
    BallotOutcome, CheckIn, CheckInOutcome, Entity, NewBallot, Refusal, StoreError, StoreResult,
};
use tokio::sync::{mpsc, oneshot};

/// How many times a transaction is tried when PostgreSQL reports a serialization failure or a
/// deadlock.
const MAX_ATTEMPTS: u32 = 5;

/// Requests waiting for the election-day writer beyond this make their senders wait
/// (back-pressure).
const WRITER_QUEUE: usize = 16_384;

/// The PostgreSQL store: a connection pool over a migrated database.
#[derive(Debug, Clone)]
pub struct Postgres {
    pub(crate) pool: PgPool,
    /// The election-day batching writer's queue (check-ins and ballots); its task is started
    /// by `connect` (the crate's root) and ends when every clone of the store is gone.
    pub(crate) jobs: mpsc::Sender<Job>,
}

/// A request to the election-day writer with the channel its answer goes back on.
#[derive(Debug)]
pub(crate) enum Job {
    CheckIn(CheckIn, oneshot::Sender<StoreResult<CheckInOutcome>>),
    Ballot(NewBallot, oneshot::Sender<StoreResult<BallotOutcome>>),
}

impl Postgres {
    /// Connects to `url` (`postgres://…`) and brings the schema up to date; returns the store
    /// and the receiving side of its election-day queue, for the caller to start the writer on.
    pub(crate) async fn open(url: &str) -> StoreResult<(Self, mpsc::Receiver<Job>)> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(30))
            .connect(url)
            .await
            .map_err(StoreError::database)?;
        crate::migrate::run(&pool).await?;
        let (jobs, queue) = mpsc::channel(WRITER_QUEUE);
        Ok((Self { pool, jobs }, queue))
    }

    /// Runs arbitrary SQL outside the system (no audit record). Only for tests that tamper with
    /// the audit log behind the system's back.
    #[doc(hidden)]
    pub async fn raw_execute(&self, sql: &str) -> StoreResult<u64> {
        let done = sqlx::raw_sql(sql)
            .execute(&self.pool)
            .await
            .map_err(StoreError::database)?;
        Ok(done.rows_affected())
    }
}

/// Why one attempt at a transaction failed: a database error (maybe worth retrying) or a
/// decision of the store's own.
#[derive(Debug)]
pub(crate) enum Fail {
    Sql(sqlx::Error),
    Store(StoreError),
}

impl From<sqlx::Error> for Fail {
    fn from(e: sqlx::Error) -> Self {
        Self::Sql(e)
    }
}

impl From<StoreError> for Fail {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

impl From<Refusal> for Fail {
    fn from(r: Refusal) -> Self {
        Self::Store(r.into())
    }
}

impl From<domain::DomainError> for Fail {
    fn from(e: domain::DomainError) -> Self {
        Self::Store(e.into())
    }
}

pub(crate) type Attempt<T> = Result<T, Fail>;

/// A database failure, its cause kept for the logs.
pub(crate) fn db(e: sqlx::Error) -> StoreError {
    StoreError::database(e)
}

/// The error of a single attempt, for reads that are not retried.
pub(crate) fn settle(fail: Fail) -> StoreError {
    match fail {
        Fail::Sql(e) => db(e),
        Fail::Store(e) => e,
    }
}

/// `NotFound` for an entity, as a failed attempt.
pub(crate) fn not_found(entity: Entity) -> Fail {
    Fail::Store(StoreError::not_found(entity))
}

/// Locks the station's row (`NotFound` for an unknown station): the writes about one station's
/// count, minutes or box queue behind each other.
pub(crate) async fn lock_station(
    conn: &mut sqlx::postgres::PgConnection,
    station: &str,
) -> Attempt<()> {
    sqlx::query("SELECT 1 FROM stations WHERE code = $1 FOR NO KEY UPDATE")
        .bind(station)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| not_found(Entity::Station))?;
    Ok(())
}

fn sqlstate(e: &sqlx::Error) -> Option<String> {
    match e {
        sqlx::Error::Database(db) => db.code().map(std::borrow::Cow::into_owned),
        _ => None,
    }
}

fn is_retryable(e: &sqlx::Error) -> bool {
    matches!(sqlstate(e).as_deref(), Some("40001" | "40P01"))
}

pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    sqlstate(e).as_deref() == Some("23505")
}

/// A unique violation as `Duplicate { entity, key }` (the key is the caller's: the record's
/// own, never the constraint's name); any other error as it is, so that conflicts of locks are
/// still retried.
pub(crate) fn unique_as(e: sqlx::Error, entity: Entity, key: &str) -> Fail {
    if is_unique_violation(&e) {
        Fail::Store(StoreError::Duplicate {
            entity,
            key: key.to_owned(),
        })
    } else {
        Fail::Sql(e)
    }
}

/// What the retry loop does with unique violations.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Unique<'a> {
    /// They fail the transaction (a caller that expects one maps it itself, with [`unique_as`]).
    Fail,
    /// They are tried again: the next attempt reads the row that won the race and decides on it
    /// (a refusal, never retried). One still there after the last attempt is this duplicate.
    Retry { entity: Entity, key: &'a str },
}

/// Runs one transaction attempt after another until it commits, fails for good, or has been
/// refused by serialization failures or deadlocks (and, as `unique` says, unique violations)
/// `MAX_ATTEMPTS` times.
pub(crate) async fn retry<T, F, Fut>(unique: Unique<'_>, mut attempt: F) -> StoreResult<T>
where
    F: FnMut() -> Fut + Send,
    Fut: Future<Output = Attempt<T>> + Send,
{
    let mut tries = 0;
    loop {
        tries += 1;
        match attempt().await {
            Ok(v) => return Ok(v),
            Err(Fail::Sql(e))
                if (is_retryable(&e)
                    || (matches!(unique, Unique::Retry { .. }) && is_unique_violation(&e)))
                    && tries < MAX_ATTEMPTS =>
            {
                tracing::debug!(error = %e, tries, "transaction conflict, retrying");
                tokio::time::sleep(Duration::from_millis(5 << tries)).await;
            }
            Err(Fail::Sql(e)) => {
                return Err(match unique {
                    Unique::Retry { entity, key } if is_unique_violation(&e) => {
                        StoreError::Duplicate {
                            entity,
                            key: key.to_owned(),
                        }
                    }
                    _ => db(e),
                })
            }
            Err(Fail::Store(e)) => return Err(e),
        }
    }
}
