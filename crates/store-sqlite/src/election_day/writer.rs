//! The batching writer (DESIGN §3) through which every check-in and ballot goes.
//!
//! The writer is one dedicated thread with prepared statements. It takes the first waiting job,
//! drains whatever else has arrived, and runs them all in one immediate transaction with one
//! audit record. It shares the store's writer connection, so batches and other writes simply
//! take turns. A second thread syncs the write-ahead log after each commit and only then
//! answers the batch's jobs, so the writer builds the next batch while the disk works.

use super::roll_index::Rolls;
use super::{election_facts, join_chain, read_style, station_facts, token_of, ElectionFacts};
use crate::chain::append_audit;
use crate::db::{db_err, duplicate_or, poisoned, Inner, Job};
use ballot_crypto::BallotStyle;
use domain::ids::NationalId;
use rusqlite::{params, Connection};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, Sender};
use std::sync::Weak;
use store::election_day::{batch_record, check_cast, count, decide_checkin, Act, StationFacts};
use store::{BallotOutcome, CheckInOutcome, Entity, NewBallot, StoreError, StoreResult};
use time::OffsetDateTime;

/// The most jobs one transaction takes; a batch is usually far smaller.
const MAX_BATCH: usize = 2_000;

/// Starts the writer thread on `jobs`, and the thread that makes its batches durable; both end
/// when the store (holding the sender) is dropped.
pub(crate) fn spawn(inner: Weak<Inner>, jobs: Receiver<Job>) -> StoreResult<()> {
    let wal = inner
        .upgrade()
        .map(|i| wal_path(&i.path))
        .ok_or_else(|| StoreError::database("the store is gone"))?;
    let (committed, to_sync) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("sqlite-day-syncer".into())
        .spawn(move || run_syncer(&wal, &to_sync))
        .map_err(StoreError::database)?;
    std::thread::Builder::new()
        .name("sqlite-election-day-writer".into())
        .spawn(move || run_writer(&inner, &jobs, &committed))
        .map_err(StoreError::database)?;
    Ok(())
}

/// The write-ahead log of the database at `db` (SQLite names it so).
fn wal_path(db: &std::path::Path) -> std::path::PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-wal");
    name.into()
}

/// A committed batch, waiting to be made durable before its jobs are answered.
type Committed = Vec<(Job, Answer)>;

fn run_writer(inner: &Weak<Inner>, jobs: &Receiver<Job>, committed: &Sender<Committed>) {
    let mut facts = Facts::default();
    let mut rolls = Rolls::default();
    let mut folding = Folding::default();
    while let Ok(first) = jobs.recv() {
        // Let the request handlers that are ready to run queue their check-ins first, so that
        // under load they join this batch instead of the next (bigger batches, fewer commits
        // and syncs; `bench/README.md`). On an idle machine nothing else is
        // ready and this returns at once.
        std::thread::yield_now();
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let Some(inner) = inner.upgrade() else { break };
        if let [Job::ReadRoll(election)] = &batch[..] {
            // Alone, it reads outside a transaction, so other writers need not wait for it.
            // (A poisoned lock fails the next batch loudly.)
            if let Ok(conn) = inner.writer.lock() {
                rolls.forget_if_imported(inner.roll_imports.load(Ordering::Acquire));
                read_ahead(&mut rolls, &conn, election);
            }
            inner.rolls_read.store(rolls.reads, Ordering::Release);
            continue;
        }
        let outcome = inner.writer.lock().map_err(poisoned).and_then(|conn| {
            facts.forget_if_written(inner.writes.load(Ordering::Acquire));
            rolls.forget_if_imported(inner.roll_imports.load(Ordering::Acquire));
            in_batch_transaction(&conn, |conn| {
                run_batch(conn, &batch, &mut facts, &mut rolls, &mut folding)
            })
        });
        inner.rolls_read.store(rolls.reads, Ordering::Release);
        drop(inner);
        match outcome {
            Ok(answers) => {
                let done: Committed = batch.into_iter().zip(answers).collect();
                if let Err(unsent) = committed.send(done) {
                    for (job, _) in unsent.0 {
                        fail(job, "the election-day syncer has stopped");
                    }
                }
            }
            Err(e) => {
                // Nothing of the batch was committed, so there is nothing to wait for.
                tracing::error!(error = %e, jobs = batch.len(), "election-day batch failed");
                let message = e.to_string();
                for job in batch {
                    fail(job, &message);
                }
            }
        }
    }
}

/// Runs `f` in one immediate transaction that commits without waiting for the disk: the
/// commit only writes the batch into the log, and the syncer makes it durable while this thread
/// goes on with the next batch. The connection is back to `synchronous=FULL` afterwards, for
/// every other writer. Every statement here is prepared once (a batch's own parsing showed in
/// its profile).
fn in_batch_transaction<T>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> StoreResult<T>,
) -> StoreResult<T> {
    let run = |sql: &str| -> StoreResult<()> {
        conn.prepare_cached(sql)
            .and_then(|mut s| s.execute([]))
            .map(|_| ())
            .map_err(db_err)
    };
    run("PRAGMA synchronous = NORMAL")?;
    let outcome = run("BEGIN IMMEDIATE").and_then(|()| {
        let value = f(conn);
        match value.and_then(|v| run("COMMIT").map(|()| v)) {
            Ok(v) => Ok(v),
            Err(e) => {
                if !conn.is_autocommit() {
                    if let Err(undo) = run("ROLLBACK") {
                        tracing::error!(error = %undo, "cannot roll an election-day batch back");
                    }
                }
                Err(e)
            }
        }
    });
    let restored = run("PRAGMA synchronous = FULL");
    let value = outcome?;
    restored?;
    Ok(value)
}

/// Answers committed batches once they are durable: one `fdatasync` of the write-ahead log
/// covers every batch committed before it started, so batches waiting together share it (group
/// commit), in commit order. A later batch may have read an earlier one's rows (a repeated
/// check-in refused), and its answer waits for a sync that covers both.
///
/// Syncing the log file is what `synchronous=FULL` does at each commit; the store's
/// connections stay open, so SQLite never deletes or replaces the log under this descriptor.
fn run_syncer(wal: &std::path::Path, committed: &Receiver<Committed>) {
    let mut log: Option<std::fs::File> = None;
    while let Ok(first) = committed.recv() {
        let mut batches = vec![first];
        while let Ok(more) = committed.try_recv() {
            batches.push(more);
        }
        let synced = match &log {
            Some(file) => file.sync_data(),
            None => std::fs::File::open(wal).and_then(|file| {
                let synced = file.sync_data();
                log = Some(file);
                synced
            }),
        };
        if let Err(e) = &synced {
            tracing::error!(error = %e, "cannot make election-day batches durable");
        }
        for (job, answer) in batches.into_iter().flatten() {
            match (&synced, job, answer) {
                (Err(e), job, _) => fail(job, &format!("the write-ahead log did not sync: {e}")),
                (Ok(()), Job::CheckIn(_, reply), Answer::CheckIn(a)) => {
                    let _ = reply.send(a);
                }
                (Ok(()), Job::Ballot(_, reply), Answer::Ballot(a)) => {
                    let _ = reply.send(a);
                }
                (Ok(()), Job::ReadRoll(_), Answer::Done) => {}
                (Ok(()), job, _) => fail(job, "the writer mixed up its answers"),
            }
        }
    }
}

/// Reads `election`'s roll ahead of its check-ins. Only ahead: a roll that cannot be read now
/// fails the check-ins that need it, not the batch or the writer.
fn read_ahead(rolls: &mut Rolls, conn: &Connection, election: &str) {
    if let Err(e) = rolls.read(conn, election) {
        tracing::warn!(error = %e, election, "cannot read the roll ahead of check-ins");
    }
}

fn fail(job: Job, message: &str) {
    let e = || StoreError::database(message.to_owned());
    match job {
        Job::CheckIn(_, reply) => {
            let _ = reply.send(Err(e()));
        }
        Job::Ballot(_, reply) => {
            let _ = reply.send(Err(e()));
        }
        Job::ReadRoll(_) => {}
    }
}

/// What batches look up about elections, stations and councils, kept from batch to batch:
/// only other writers change it, and each of them counts itself in `Inner::writes`.
#[derive(Default)]
struct Facts {
    /// `Inner::writes` when these were read.
    writes: u64,
    elections: HashMap<String, Option<ElectionFacts>>,
    /// Per election, per station.
    stations: HashMap<String, HashMap<String, Option<StationFacts>>>,
    councils: HashMap<(String, String), BallotStyle>,
}

impl Facts {
    fn forget_if_written(&mut self, writes: u64) {
        if writes != self.writes {
            *self = Self {
                writes,
                ..Self::default()
            };
        }
    }
}

enum Answer {
    CheckIn(StoreResult<CheckInOutcome>),
    Ballot(StoreResult<BallotOutcome>),
    /// A job that answers nobody.
    Done,
}

/// When the batches' pending turnout counts (`turnout_pending`) are next folded into `turnout`.
#[derive(Default)]
struct Folding {
    /// Rows appended since the last fold.
    pending: usize,
    /// The last fold; `None` before the first, so a restarted writer folds what an earlier one
    /// left at once.
    last: Option<std::time::Instant>,
}

impl Folding {
    /// Fold at least this often: readers add the pending rows up without an index.
    const EVERY: std::time::Duration = std::time::Duration::from_secs(1);
    /// ...or once this many rows are pending.
    const ROWS: usize = 4_000;

    /// Counts `appended` rows, and folds every pending row into `turnout` in `tx` when due. Each
    /// fold rewrites the pages of `turnout` once, where each batch used to rewrite those of
    /// the stations it served.
    fn fold_if_due(&mut self, tx: &Connection, appended: usize) -> StoreResult<()> {
        self.pending += appended;
        let due = self
            .last
            .is_none_or(|last| self.pending >= Self::ROWS || last.elapsed() >= Self::EVERY);
        if !due {
            return Ok(());
        }
        tx.prepare_cached(
            "INSERT INTO turnout (election_code, station_code, council_code, hour_us, checked_in)
             SELECT election_code, station_code, council_code, hour_us, sum(checked_in)
             FROM turnout_pending WHERE true
             GROUP BY election_code, station_code, council_code, hour_us
             ON CONFLICT DO UPDATE SET checked_in = checked_in + excluded.checked_in",
        )
        .and_then(|mut s| s.execute([]))
        .and_then(|_| tx.prepare_cached("DELETE FROM turnout_pending"))
        .and_then(|mut s| s.execute([]))
        .map_err(db_err)?;
        // Counted as folded even if the batch then fails: its rollback keeps the rows pending,
        // and the next fold, within a second, takes them.
        *self = Self {
            pending: 0,
            last: Some(std::time::Instant::now()),
        };
        Ok(())
    }
}

/// What a batch did for one election, for its audit record.
#[derive(Default)]
struct Done {
    accepted: Vec<(String, String, i64)>,
    ballots: BTreeMap<String, i64>,
    accounts: store::election_day::Accounts,
    latest: Option<OffsetDateTime>,
}

/// Runs a batch's jobs in order in `tx`; a database error fails the whole batch, a refusal
/// only its job.
fn run_batch(
    tx: &Connection,
    batch: &[Job],
    facts: &mut Facts,
    rolls: &mut Rolls,
    folding: &mut Folding,
) -> StoreResult<Vec<Answer>> {
    let Facts {
        elections,
        stations,
        councils,
        ..
    } = facts;
    // Keys borrow from the batch: a check-in allocates as little as it can here.
    let mut turnout: HashMap<(&str, &str, String, i64), i64> = HashMap::new();
    let mut done: BTreeMap<String, Done> = BTreeMap::new();
    let mut answers = Vec::with_capacity(batch.len());
    // Prepared once a batch rather than looked up in the statement cache per check-in.
    let mut insert_checkin = tx
        .prepare_cached(
            "INSERT INTO checkins (election_code, national_id, station_code, council_code, at_us)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
        )
        .map_err(db_err)?;
    let mut insert_token = tx
        .prepare_cached(
            "INSERT INTO ballot_tokens (token_hash, election_code, station_code, council_code, national_id)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .map_err(db_err)?;
    // The batch's voters, looked up together (see `RollIndex::voters`).
    let wanted: Vec<(&str, &NationalId)> = batch
        .iter()
        .filter_map(|job| match job {
            Job::CheckIn(c, _) => Some((c.election_code.as_str(), &c.national_id)),
            _ => None,
        })
        .collect();
    let mut voters = rolls.voters(tx, &wanted)?.into_iter();
    for job in batch {
        match job {
            Job::CheckIn(c, _) => {
                let voter = voters
                    .next()
                    .ok_or_else(|| StoreError::database("a check-in without its voter"))?;
                let election = if let Some(facts) = elections.get(&c.election_code) {
                    *facts
                } else {
                    let facts = election_facts(tx, &c.election_code)?;
                    elections.insert(c.election_code.clone(), facts);
                    facts
                };
                let Some(election) = election else {
                    answers.push(Answer::CheckIn(Err(StoreError::not_found(
                        Entity::Election,
                    ))));
                    continue;
                };
                let of_election = match stations.get_mut(c.election_code.as_str()) {
                    Some(of_election) => of_election,
                    None => stations.entry(c.election_code.clone()).or_default(),
                };
                if !of_election.contains_key(c.station.as_str()) {
                    let facts = station_facts(tx, &c.election_code, &c.station, election.closes)?;
                    of_election.insert(c.station.clone(), facts);
                }
                let Some(Some(station)) = of_election.get(c.station.as_str()) else {
                    answers.push(Answer::CheckIn(Err(StoreError::not_found(Entity::Station))));
                    continue;
                };
                let council = match decide_checkin(c, station, voter.as_ref(), election.day) {
                    Ok(council) => council,
                    Err(refusal) => {
                        answers.push(Answer::CheckIn(Ok(refusal)));
                        continue;
                    }
                };
                let at_us = domain::clock::to_micros(c.by.at);
                let inserted = insert_checkin
                    .execute(params![
                        c.election_code,
                        c.national_id.as_str(),
                        c.station,
                        council,
                        at_us
                    ])
                    .map_err(db_err)?;
                if inserted == 0 {
                    let (station, at_us): (String, i64) = tx
                        .prepare_cached(
                            "SELECT station_code, at_us FROM checkins
                             WHERE election_code = ?1 AND national_id = ?2",
                        )
                        .map_err(db_err)?
                        .query_row(params![c.election_code, c.national_id.as_str()], |r| {
                            Ok((r.get(0)?, r.get(1)?))
                        })
                        .map_err(db_err)?;
                    answers.push(Answer::CheckIn(Ok(CheckInOutcome::AlreadyVoted {
                        station,
                        at: domain::clock::from_micros(at_us),
                    })));
                    continue;
                }
                insert_token
                    .execute(params![
                        c.token_hash,
                        c.election_code,
                        c.station,
                        council,
                        c.national_id.as_str()
                    ])
                    .map_err(db_err)?;
                let hour = domain::clock::to_micros(domain::calendar::tehran_hour_start(c.by.at));
                *turnout
                    .entry((&c.election_code, &c.station, council.clone(), hour))
                    .or_default() += 1;
                let d = match done.get_mut(c.election_code.as_str()) {
                    Some(d) => d,
                    None => done.entry(c.election_code.clone()).or_default(),
                };
                d.accepted
                    .push((c.national_id.to_string(), c.station.clone(), at_us));
                count(&mut d.accounts, &c.by.username, Act::CheckIn);
                d.latest = d.latest.max(Some(c.by.at));
                answers.push(Answer::CheckIn(Ok(CheckInOutcome::Accepted { council })));
            }
            Job::Ballot(b, _) => {
                let answer = cast(tx, b, councils, &mut done)?;
                answers.push(Answer::Ballot(Ok(answer)));
            }
            Job::ReadRoll(election) => {
                read_ahead(rolls, tx, election);
                answers.push(Answer::Done);
            }
        }
    }
    let mut pending = tx
        .prepare_cached(
            "INSERT INTO turnout_pending (election_code, station_code, council_code, hour_us, checked_in)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .map_err(db_err)?;
    for ((election, station, council, hour), n) in &turnout {
        pending
            .execute(params![election, station, council, hour, n])
            .map_err(db_err)?;
    }
    folding.fold_if_due(tx, turnout.len())?;
    for (election, d) in &done {
        // Every check-in and ballot of the batch set its election's time.
        let latest = d
            .latest
            .ok_or_else(|| StoreError::Corrupt(format!("a batch of {election} without a time")))?;
        if let Some((actor, entry)) =
            batch_record(election, &d.accepted, &d.ballots, &d.accounts, latest)
        {
            append_audit(tx, &actor, &entry)?;
        }
    }
    Ok(answers)
}

fn cast(
    tx: &Connection,
    b: &NewBallot,
    councils: &mut HashMap<(String, String), BallotStyle>,
    done: &mut BTreeMap<String, Done>,
) -> StoreResult<BallotOutcome> {
    let token = token_of(tx, &b.election_code, &b.token_hash)?;
    let Some((station, council)) = token else {
        return Ok(BallotOutcome::TokenUnknown);
    };
    let key = (b.election_code.clone(), council.clone());
    let style = if let Some(style) = councils.get(&key) {
        style
    } else {
        // The token's council is a council: its key says so.
        let style = read_style(tx, &b.election_code, &council)?.ok_or_else(|| {
            StoreError::Corrupt(format!("a ballot token's council {council} is gone"))
        })?;
        councils.entry(key).or_insert(style)
    };
    if let Err(refusal) = check_cast(b, &council, style) {
        return Ok(BallotOutcome::Refused(refusal));
    }
    tx.prepare_cached("DELETE FROM ballot_tokens WHERE token_hash = ?1")
        .map_err(db_err)?
        .execute([&b.token_hash])
        .map_err(db_err)?;
    let link = join_chain(tx, &b.election_code, &station, &b.kiosk, &b.ballot)?;
    tx.prepare_cached(
        "INSERT INTO ballots (tracking_code, receipt, election_code, station_code, council_code,
             kiosk, previous_code, ballot)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .map_err(db_err)?
    .execute(params![
        link.tracking_code,
        link.receipt,
        b.election_code,
        station,
        council,
        b.kiosk,
        link.previous,
        b.ballot
    ])
    .map_err(|e| duplicate_or(e, Entity::Ballot, &link.tracking_code))?;
    let d = done.entry(b.election_code.clone()).or_default();
    *d.ballots.entry(station.clone()).or_default() += 1;
    count(&mut d.accounts, &b.by.username, Act::Ballot);
    d.latest = d.latest.max(Some(b.by.at));
    Ok(BallotOutcome::Cast {
        station,
        council,
        tracking_code: link.tracking_code,
        receipt: link.receipt,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::Folding;
    use rusqlite::Connection;

    fn database() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::migrate::run(&mut conn, 0).unwrap();
        conn
    }

    fn pend(conn: &Connection, station: &str, n: i64) {
        conn.execute(
            "INSERT INTO turnout_pending (election_code, station_code, council_code, hour_us, checked_in)
             VALUES ('e', ?1, 'c', 3600000000, ?2)",
            rusqlite::params![station, n],
        )
        .unwrap();
    }

    /// (folded, pending, as readers see it) for a station.
    fn counts(conn: &Connection, station: &str) -> (i64, i64, i64) {
        let sum = |table: &str| -> i64 {
            conn.query_row(
                &format!(
                    "SELECT coalesce(sum(checked_in), 0) FROM {table}
                     WHERE election_code = 'e' AND station_code = ?1"
                ),
                [station],
                |r| r.get(0),
            )
            .unwrap()
        };
        (sum("turnout"), sum("turnout_pending"), sum("turnout_now"))
    }

    #[test]
    fn pending_turnout_folds_when_due_and_readers_see_it_all_along() {
        let conn = database();
        conn.execute(
            "INSERT INTO turnout VALUES ('e', 's1', 'c', 3600000000, 10)",
            [],
        )
        .unwrap();
        pend(&conn, "s1", 2);
        pend(&conn, "s1", 3);
        pend(&conn, "s2", 1);
        assert_eq!(counts(&conn, "s1"), (10, 5, 15));

        // A writer's first batch folds whatever is pending.
        let mut folding = Folding::default();
        folding.fold_if_due(&conn, 3).unwrap();
        assert_eq!(counts(&conn, "s1"), (15, 0, 15));
        assert_eq!(counts(&conn, "s2"), (1, 0, 1));

        // Then not before a second has passed or enough rows are waiting.
        pend(&conn, "s1", 4);
        folding.fold_if_due(&conn, 1).unwrap();
        assert_eq!(counts(&conn, "s1"), (15, 4, 19));
        folding.pending = Folding::ROWS - 2;
        folding.fold_if_due(&conn, 1).unwrap();
        assert_eq!(counts(&conn, "s1"), (15, 4, 19));
        folding.fold_if_due(&conn, 1).unwrap();
        assert_eq!(counts(&conn, "s1"), (19, 0, 19));

        pend(&conn, "s2", 6);
        folding.last = std::time::Instant::now().checked_sub(Folding::EVERY);
        folding.fold_if_due(&conn, 1).unwrap();
        assert_eq!(counts(&conn, "s2"), (7, 0, 7));
        assert_eq!(folding.pending, 0);
    }
}
