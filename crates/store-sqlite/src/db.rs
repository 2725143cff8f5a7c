//! The store itself: its connections, the transactions every area runs its statements in, the
//! election-day writer's queue, the checkpointer, and the mapping of SQLite's errors.
//!
//! One writer connection (SQLite has one writer anyway) and a small pool of reader connections,
//! all in WAL mode with `synchronous=FULL`, so a committed write survives power loss. The
//! election-day writer commits with `synchronous=NORMAL` and has the log synced before it
//! answers (`election_day::writer`), which is the same guarantee. Blocking calls run on
//! tokio's blocking pool. rusqlite rather than sqlx: every sqlx SQLite query pays a round trip
//! to a worker thread, which the check-in path cannot afford.

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};
use store::{BallotOutcome, CheckIn, CheckInOutcome, Entity, NewBallot, StoreError, StoreResult};
use tokio::sync::oneshot;

const MAX_IDLE_READERS: usize = 8;

/// The writer's page cache, in KiB (negative, as SQLite takes it). Small on purpose: its
/// working set is the tables' inner pages (a few hundred KiB with Kerman's whole turnout
/// checked in; leaves are random and miss anyway), and a commit after a B-tree split scans
/// the cache's whole hash table (SQLite's page-cache truncation), so a larger one costs the
/// writer more than it saves; much smaller misses inner pages (`bench/README.md` has the
/// measurements). The bound holds only because each
/// connection has a cache of its own (`.cargo/config.toml`; the test
/// `each_connection_has_its_own_page_cache`).
const WRITER_CACHE_KIB: i64 = -1_024;

/// Jobs waiting for the election-day writer beyond this make their senders wait
/// (back-pressure instead of an unbounded queue under overload).
const WRITER_QUEUE: usize = 16_384;

#[derive(Clone)]
pub struct Sqlite {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) path: PathBuf,
    pub(crate) writer: Mutex<Connection>,
    pub(crate) readers: Mutex<Vec<Connection>>,
    /// The election-day batching writer's queue (`election_day`).
    pub(crate) jobs: std::sync::mpsc::SyncSender<Job>,
    /// Write transactions other than the election-day writer's, counted as they start: the
    /// writer keeps what it looked up only while this stays the same.
    pub(crate) writes: std::sync::atomic::AtomicU64,
    /// Roll imports, counted as they start: the writer keeps the rolls it read in memory
    /// (`roll_index`) only while this stays the same.
    pub(crate) roll_imports: std::sync::atomic::AtomicU64,
    /// Rolls the election-day writer has read into memory (`roll_index::Rolls::reads`).
    pub(crate) rolls_read: std::sync::atomic::AtomicU64,
}

pub(crate) enum Job {
    CheckIn(CheckIn, oneshot::Sender<StoreResult<CheckInOutcome>>),
    Ballot(NewBallot, oneshot::Sender<StoreResult<BallotOutcome>>),
    /// Read the election's roll into memory now (a station has opened), so that the day's
    /// first check-in does not wait for it.
    ReadRoll(String),
}

impl std::fmt::Debug for Sqlite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sqlite")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

pub(crate) fn db_err(e: rusqlite::Error) -> StoreError {
    StoreError::database(e)
}

pub(crate) fn poisoned<T>(_: T) -> StoreError {
    StoreError::database("a database connection lock was poisoned")
}

/// A unique-key violation as `Duplicate { entity, key }` (the caller names the record's own
/// key); any other error as a database error.
pub(crate) fn duplicate_or(e: rusqlite::Error, entity: Entity, key: &str) -> StoreError {
    if is_unique_violation(&e) {
        StoreError::Duplicate {
            entity,
            key: key.to_owned(),
        }
    } else {
        db_err(e)
    }
}

/// A unique-key violation as the refusal `Repeated { entity, national_id }` (a person given
/// twice in one request); any other error as a database error.
pub(crate) fn repeated_or(e: rusqlite::Error, entity: Entity, national_id: &str) -> StoreError {
    if is_unique_violation(&e) {
        StoreError::from(store::Refusal::Repeated {
            entity,
            national_id: national_id.to_owned(),
        })
    } else {
        db_err(e)
    }
}

/// Whether an error is a primary-key or unique violation.
pub(crate) fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _)
        if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE)
}

/// `sqlite:PATH`, `sqlite://PATH` (query parameters such as `?mode=rwc` are ignored: the file
/// is always created when missing).
pub fn path_from_url(url: &str) -> StoreResult<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .ok_or_else(|| StoreError::UnsupportedUrl(url.to_owned()))?;
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Err(StoreError::UnsupportedUrl(url.to_owned()));
    }
    Ok(PathBuf::from(path))
}

/// Creates the database file readable by its owner only (0600) when it does not exist yet:
/// SQLite gives its log and shared-memory files the database file's permissions, so the
/// voters' roll, the check-ins and the ballots are not left readable by every account of the
/// machine. An existing file keeps the permissions its operator gave it.
fn create_private(path: &Path) -> StoreResult<()> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::database(format!(
            "cannot create {}: {e}",
            path.display()
        ))),
    }
}

fn open(path: &Path) -> StoreResult<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(db_err)?;
    // WAL for concurrent readers; FULL so that a commit is on disk before it is acknowledged.
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA busy_timeout = 10000;
         PRAGMA cache_size = -16000;",
    )
    .map_err(db_err)?;
    conn.pragma_update(None, "wal_autocheckpoint", AUTOCHECKPOINT_BACKSTOP)
        .map_err(db_err)?;
    // The election-day batch alone uses more than rusqlite's default 16 cached statements.
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// How often the checkpointer copies the write-ahead log into the database file. Each pass
/// ends with an fsync of the database file, which holds up the election-day syncer's fsync of
/// the log on the same disk; a quarter of a second copies each hot page once for many batches
/// (shorter intervals cost check-ins, longer ones gained nothing: `bench/README.md`).
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

/// A log this long (in 4 KiB frames, so about 160 MB) is restarted from its beginning
/// (`checkpoint`). Each restart holds the writer up (the last pages are copied and the database
/// file synced under its lock, and the first commit after syncs the log's new header), so a
/// busy election day should restart seldom: once a second or so at the benchmark's rate (a
/// shorter log cost check-ins and tail latency: `bench/README.md`). Readers only search the
/// log past the last checkpoint, so its length costs them nothing.
const RESTART_LOG_AT: i64 = 40_000;

/// The connections' own automatic checkpoint, a backstop for a log that cannot restart (a
/// long reader holds it): far above [`RESTART_LOG_AT`], so in normal running only the
/// checkpointer copies pages and the writer's commits never do.
const AUTOCHECKPOINT_BACKSTOP: i64 = 100_000;

/// Checkpoints the write-ahead log from its own connection and thread, so that the writer's
/// commits (a check-in batch waits on one) do not pay for copying pages into the database
/// file. The thread ends when the store is dropped.
fn spawn_checkpointer(inner: std::sync::Weak<Inner>) -> StoreResult<()> {
    let path = inner
        .upgrade()
        .map(|i| i.path.clone())
        .ok_or_else(|| StoreError::database("the store is gone"))?;
    let conn = open(&path)?;
    std::thread::Builder::new()
        .name("sqlite-checkpointer".into())
        .spawn(move || loop {
            std::thread::sleep(CHECKPOINT_EVERY);
            if inner.strong_count() == 0 {
                break;
            }
            if let Err(e) = checkpoint(&conn, &inner) {
                tracing::warn!(error = %e, "WAL checkpoint failed");
            }
        })
        .map_err(StoreError::database)?;
    Ok(())
}

/// Copies the log into the database file without stopping the writer (PASSIVE). The log only
/// starts again from its beginning when a write begins with all of it copied, which a busy
/// writer never leaves time for: so once it is long, the rest (a few batches' worth) is copied
/// while holding the writer's lock, and the next write restarts it.
fn checkpoint(conn: &Connection, inner: &std::sync::Weak<Inner>) -> rusqlite::Result<()> {
    let passive = || conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get::<_, i64>(1));
    if passive()? >= RESTART_LOG_AT {
        if let Some(inner) = inner.upgrade() {
            if let Ok(_writer) = inner.writer.lock() {
                passive()?;
            }
        }
    }
    Ok(())
}

/// Runs `f` in one immediate transaction on `conn`, committed when `f` succeeds.
fn immediate<T>(
    conn: &mut Connection,
    f: impl FnOnce(&Transaction<'_>) -> StoreResult<T>,
) -> StoreResult<T> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db_err)?;
    let value = f(&tx)?;
    tx.commit().map_err(db_err)?;
    Ok(value)
}

/// Opens (creating if needed) the database file on the writer connection, runs the
/// migrations, and returns the store's state with the election-day writer's queue, for the
/// caller to start the writer and the checkpointer on. Blocking.
pub(crate) fn open_store(path: PathBuf) -> StoreResult<(Arc<Inner>, Receiver<Job>)> {
    create_private(&path)?;
    let mut writer = open(&path)?;
    writer
        .pragma_update(None, "cache_size", WRITER_CACHE_KIB)
        .map_err(db_err)?;
    // Migrations record when they ran; this is bookkeeping, not domain time.
    #[allow(clippy::disallowed_methods)]
    let now_us = domain::clock::to_micros(time::OffsetDateTime::now_utc());
    crate::migrate::run(&mut writer, now_us)?;
    let (jobs, queue) = std::sync::mpsc::sync_channel(WRITER_QUEUE);
    let inner = Arc::new(Inner {
        path,
        writer: Mutex::new(writer),
        readers: Mutex::new(Vec::new()),
        jobs,
        writes: std::sync::atomic::AtomicU64::new(0),
        roll_imports: std::sync::atomic::AtomicU64::new(0),
        rolls_read: std::sync::atomic::AtomicU64::new(0),
    });
    spawn_checkpointer(Arc::downgrade(&inner))?;
    Ok((inner, queue))
}

impl Sqlite {
    pub(crate) fn from_inner(inner: Arc<Inner>) -> Self {
        Self { inner }
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// How many rolls the election-day writer has read so far, into memory or found too
    /// large to hold (for tests).
    #[doc(hidden)]
    pub fn rolls_read(&self) -> u64 {
        self.inner
            .rolls_read
            .load(std::sync::atomic::Ordering::Acquire)
    }

    /// Runs `f` on a reader connection.
    pub(crate) async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let idle = inner.readers.lock().map_err(poisoned)?.pop();
            let conn = match idle {
                Some(c) => c,
                None => open(&inner.path)?,
            };
            let result = f(&conn);
            let mut readers = inner.readers.lock().map_err(poisoned)?;
            if readers.len() < MAX_IDLE_READERS {
                readers.push(conn);
            }
            result
        })
        .await
        .map_err(StoreError::database)?
    }

    /// Runs `job` on the writer connection, off the async workers, holding the writer lock
    /// (and counting the write) for its whole length.
    async fn on_writer<T, J>(&self, job: J) -> StoreResult<T>
    where
        T: Send + 'static,
        J: FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = inner.writer.lock().map_err(poisoned)?;
            inner
                .writes
                .fetch_add(1, std::sync::atomic::Ordering::Release);
            job(&mut conn)
        })
        .await
        .map_err(StoreError::database)?
    }

    /// Runs `f` in one immediate write transaction, committed when `f` succeeds.
    pub(crate) async fn write<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> StoreResult<T> + Send + 'static,
    {
        self.on_writer(move |conn| immediate(conn, f)).await
    }

    /// [`Self::write`] with foreign-key enforcement off for the transaction (SQLite ignores the
    /// pragma inside one) and on again afterwards, whatever the outcome. Only for bulk writes
    /// that check every reference themselves: per-row parent lookups more than halve a roll
    /// import's speed, and SQLite will not empty an enforced child table at once.
    pub(crate) async fn write_unenforced<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> StoreResult<T> + Send + 'static,
    {
        self.on_writer(move |conn| {
            conn.execute_batch("PRAGMA foreign_keys = OFF")
                .map_err(db_err)?;
            let result = immediate(conn, f);
            // Changing the pragma also expires cached statements, so none keeps the
            // unenforced plan.
            conn.execute_batch("PRAGMA foreign_keys = ON")
                .map_err(db_err)?;
            result
        })
        .await
    }

    /// Hands a job to the election-day writer and waits for its batch to commit.
    pub(crate) async fn batched<T>(
        &self,
        job: impl FnOnce(tokio::sync::oneshot::Sender<StoreResult<T>>) -> Job,
    ) -> StoreResult<T> {
        let stopped = || StoreError::database("the election-day writer has stopped");
        let (reply, answer) = tokio::sync::oneshot::channel();
        match self.inner.jobs.try_send(job(reply)) {
            Ok(()) => {}
            Err(std::sync::mpsc::TrySendError::Full(job)) => {
                // A full queue: wait for room off the async workers.
                let jobs = self.inner.jobs.clone();
                let sent = tokio::task::spawn_blocking(move || jobs.send(job).is_ok())
                    .await
                    .map_err(|_| stopped())?;
                if !sent {
                    return Err(stopped());
                }
            }
            Err(std::sync::mpsc::TrySendError::Disconnected(_)) => return Err(stopped()),
        }
        answer.await.map_err(|_| stopped())?
    }

    /// Runs SQL behind the system's back, outside any audit. Only for tests that tamper with
    /// the database to prove that the audit verifier notices.
    #[doc(hidden)]
    pub async fn raw_execute(&self, sql: &str) -> StoreResult<u64> {
        let sql = sql.to_owned();
        self.write(move |tx| tx.execute(&sql, []).map(|n| n as u64).map_err(db_err))
            .await
    }
}
