//! Election day on SQLite: station days, and the batching writer (DESIGN §3) through which every
//! check-in and ballot goes.
//!
//! The writer is one dedicated thread with prepared statements. It takes the first waiting job,
//! drains whatever else has arrived, and runs them all in one immediate transaction with one
//! audit record. It shares the store's writer connection, so batches and other writes simply
//! take turns. A second thread syncs the write-ahead log after each commit and only then
//! answers the batch's jobs, so the writer builds the next batch while the disk works.

use crate::queries::append_audit;
use crate::roll_index::Rolls;
use crate::{db_err, poisoned, Inner};
use domain::ballot::{check_ballot, Candidate};
use domain::ids::NationalId;
use domain::person::{Education, Gender};
use domain::station_day::{apply, DayAction, DayRefusal, DayState, StationDay};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, Sender};
use std::sync::Weak;
use store::election_day::{batch_record, decide_checkin, StationFacts};
use store::{
    Actor, BallotOutcome, CheckIn, CheckInOutcome, NewBallot, StationCounts, StoreError,
    StoreResult, Turnout, TurnoutArea, TurnoutFilter, TurnoutHour,
};
use time::OffsetDateTime;
use tokio::sync::oneshot;

/// The most jobs one transaction takes; a batch is usually far smaller.
const MAX_BATCH: usize = 2_000;

pub(crate) enum Job {
    CheckIn(CheckIn, oneshot::Sender<StoreResult<CheckInOutcome>>),
    Ballot(NewBallot, oneshot::Sender<StoreResult<BallotOutcome>>),
    /// Read the election's roll into memory now (a station has opened), so that the day's
    /// first check-in does not wait for it.
    ReadRoll(String),
}

/// Starts the writer thread on `jobs`, and the thread that makes its batches durable; both end
/// when the store (holding the sender) is dropped.
pub(crate) fn spawn_writer(inner: Weak<Inner>, jobs: Receiver<Job>) -> StoreResult<()> {
    let wal = inner
        .upgrade()
        .map(|i| wal_path(&i.path))
        .ok_or_else(|| StoreError::Database("the store is gone".into()))?;
    let (committed, to_sync) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("sqlite-day-syncer".into())
        .spawn(move || run_syncer(&wal, &to_sync))
        .map_err(|e| StoreError::Database(e.to_string()))?;
    std::thread::Builder::new()
        .name("sqlite-election-day-writer".into())
        .spawn(move || run_writer(&inner, &jobs, &committed))
        .map_err(|e| StoreError::Database(e.to_string()))?;
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
        // and syncs: 12 -> 17 a batch in `bench/checkin`). On an idle machine nothing else is
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
    let e = || StoreError::Database(message.to_owned());
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
    councils: HashMap<(String, String), (Vec<String>, u32)>,
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
            "INSERT INTO ballot_tokens (token_hash, election_code, station_code, council_code)
             VALUES (?1, ?2, ?3, ?4)",
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
                    .ok_or_else(|| StoreError::Database("a check-in without its voter".into()))?;
                let election = if let Some(facts) = elections.get(&c.election_code) {
                    *facts
                } else {
                    let facts = election_facts(tx, &c.election_code)?;
                    elections.insert(c.election_code.clone(), facts);
                    facts
                };
                let Some(election) = election else {
                    answers.push(Answer::CheckIn(Err(StoreError::NotFound {
                        entity: "election",
                    })));
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
                    answers.push(Answer::CheckIn(Err(StoreError::NotFound {
                        entity: "station",
                    })));
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
                    .execute(params![c.token_hash, c.election_code, c.station, council])
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
        let latest = d.latest.unwrap_or(OffsetDateTime::UNIX_EPOCH);
        if let Some((actor, payload)) = batch_record(election, &d.accepted, &d.ballots, latest) {
            append_audit(
                tx,
                &actor,
                "checkin.batch",
                &format!("election/{election}"),
                &payload,
            )?;
        }
    }
    Ok(answers)
}

fn cast(
    tx: &Connection,
    b: &NewBallot,
    councils: &mut HashMap<(String, String), (Vec<String>, u32)>,
    done: &mut BTreeMap<String, Done>,
) -> StoreResult<BallotOutcome> {
    let token: Option<(String, String)> = tx
        .prepare_cached(
            "SELECT station_code, council_code FROM ballot_tokens
             WHERE token_hash = ?1 AND election_code = ?2",
        )
        .map_err(db_err)?
        .query_row(params![b.token_hash, b.election_code], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()
        .map_err(db_err)?;
    let Some((station, council)) = token else {
        return Ok(BallotOutcome::TokenUnknown);
    };
    let key = (b.election_code.clone(), council.clone());
    if !councils.contains_key(&key) {
        let codes = crate::queries::all(
            &mut *tx
                .prepare_cached(
                    "SELECT code FROM candidates
                     WHERE election_code = ?1 AND council_code = ?2 AND code IS NOT NULL",
                )
                .map_err(db_err)?,
            params![b.election_code, council],
            |r| r.get(0),
        )?;
        let seats: u32 = tx
            .prepare_cached("SELECT main_seats FROM councils WHERE code = ?1")
            .map_err(db_err)?
            .query_row([&council], |r| r.get(0))
            .optional()
            .map_err(db_err)?
            .unwrap_or(0);
        councils.insert(key.clone(), (codes, seats));
    }
    let (codes, seats) = councils
        .get(&key)
        .map_or((&[][..], 0), |(c, s)| (&c[..], *s));
    let approved: Vec<&str> = codes.iter().map(String::as_str).collect();
    let choices = match check_ballot(&b.choices, &approved, seats) {
        Ok(choices) => choices,
        Err(refusal) => return Ok(BallotOutcome::Refused(refusal)),
    };
    tx.prepare_cached("DELETE FROM ballot_tokens WHERE token_hash = ?1")
        .map_err(db_err)?
        .execute([&b.token_hash])
        .map_err(db_err)?;
    tx.prepare_cached(
        "INSERT INTO ballots (id, election_code, station_code, council_code, choices)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .map_err(db_err)?
    .execute(params![
        b.ballot_id,
        b.election_code,
        station,
        council,
        serde_json::to_string(&choices).map_err(|e| StoreError::Database(e.to_string()))?
    ])
    .map_err(|e| crate::queries::conflict_or(e, "ballot"))?;
    tx.prepare_cached(
        "INSERT INTO receipts (code, election_code, station_code) VALUES (?1, ?2, ?3)",
    )
    .map_err(db_err)?
    .execute(params![b.receipt, b.election_code, station])
    .map_err(|e| crate::queries::conflict_or(e, "receipt"))?;
    let d = done.entry(b.election_code.clone()).or_default();
    *d.ballots.entry(station.clone()).or_default() += 1;
    d.latest = d.latest.max(Some(b.by.at));
    Ok(BallotOutcome::Cast { station, council })
}

#[derive(Debug, Clone, Copy)]
struct ElectionFacts {
    day: time::Date,
    opens: OffsetDateTime,
    closes: OffsetDateTime,
}

fn election_facts(conn: &Connection, election: &str) -> StoreResult<Option<ElectionFacts>> {
    let row: Option<(String, Option<i64>, Option<i64>)> = conn
        .prepare_cached(
            "SELECT e.election_day, m.starts_at_us, m.ends_at_us FROM elections e
             LEFT JOIN milestones m ON m.election_code = e.code AND m.key = 'election_day'
             WHERE e.code = ?1",
        )
        .map_err(db_err)?
        .query_row([election], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()
        .map_err(db_err)?;
    let Some((day, opens, closes)) = row else {
        return Ok(None);
    };
    let (Some(opens), Some(closes)) = (opens, closes) else {
        return Err(StoreError::Invalid(format!(
            "election {election} has no election_day milestone"
        )));
    };
    Ok(Some(ElectionFacts {
        day: crate::queries::parse_date(&day).map_err(db_err)?,
        opens: domain::clock::from_micros(opens),
        closes: domain::clock::from_micros(closes),
    }))
}

/// A station's councils and day; `None` for a station that does not exist (or is closed
/// down).
fn station_facts(
    conn: &Connection,
    election: &str,
    station: &str,
    polls_close: OffsetDateTime,
) -> StoreResult<Option<StationFacts>> {
    let council: Option<String> = conn
        .prepare_cached(
            "SELECT council_code FROM stations WHERE code = ?1 AND election_code = ?2 AND closed = 0",
        )
        .map_err(db_err)?
        .query_row([station, election], |r| r.get(0))
        .optional()
        .map_err(db_err)?;
    let Some(council) = council else {
        return Ok(None);
    };
    let mut councils = vec![council];
    let route: Vec<String> = crate::queries::all(
        &mut *conn
            .prepare_cached(
                "SELECT council_code FROM station_route WHERE station_code = ?1 ORDER BY position",
            )
            .map_err(db_err)?,
        [station],
        |r| r.get(0),
    )?;
    for c in route {
        if !councils.contains(&c) {
            councils.push(c);
        }
    }
    let day = day_row(conn, election, station)?.unwrap_or_else(|| StationDay::new(polls_close));
    Ok(Some(StationFacts { councils, day }))
}

fn day_row(conn: &Connection, election: &str, station: &str) -> StoreResult<Option<StationDay>> {
    conn.prepare_cached(
        "SELECT state, opened_at_us, closes_at_us, closed_at_us FROM station_days
         WHERE election_code = ?1 AND station_code = ?2",
    )
    .map_err(db_err)?
    .query_row([election, station], |r| {
        let state: String = r.get(0)?;
        Ok(StationDay {
            state: DayState::parse(&state).unwrap_or(DayState::NotOpened),
            opened_at: r.get::<_, Option<i64>>(1)?.map(domain::clock::from_micros),
            closes_at: domain::clock::from_micros(r.get(2)?),
            closed_at: r.get::<_, Option<i64>>(3)?.map(domain::clock::from_micros),
        })
    })
    .optional()
    .map_err(db_err)
}

pub(crate) fn station_day(
    conn: &Connection,
    election: &str,
    station: &str,
) -> StoreResult<Option<StationDay>> {
    let Some(facts) = election_facts(conn, election)? else {
        return Err(StoreError::NotFound { entity: "election" });
    };
    Ok(station_facts(conn, election, station, facts.closes)?.map(|s| s.day))
}

fn action_name(action: &DayAction) -> &'static str {
    match action {
        DayAction::Open { .. } => "open",
        DayAction::Pause { .. } => "pause",
        DayAction::Resume => "resume",
        DayAction::Extend { .. } => "extend",
        DayAction::Close => "close",
    }
}

pub(crate) fn act(
    tx: &Transaction<'_>,
    election: &str,
    station: &str,
    action: &DayAction,
    by: &Actor,
) -> StoreResult<StationDay> {
    let Some(facts) = election_facts(tx, election)? else {
        return Err(StoreError::NotFound { entity: "election" });
    };
    let Some(current) = station_facts(tx, election, station, facts.closes)? else {
        return Err(StoreError::NotFound { entity: "station" });
    };
    let next = apply(&current.day, action, by.at, facts.opens).map_err(StoreError::DayRefused)?;
    if matches!(action, DayAction::Close) {
        let outstanding = counts(tx, election, station)?.outstanding;
        if outstanding > 0 {
            return Err(StoreError::DayRefused(DayRefusal::BallotsOutstanding {
                count: outstanding,
            }));
        }
    }
    tx.prepare_cached(
        "INSERT INTO station_days (election_code, station_code, state, opened_at_us, closes_at_us, closed_at_us)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT DO UPDATE SET state = excluded.state, opened_at_us = excluded.opened_at_us,
             closes_at_us = excluded.closes_at_us, closed_at_us = excluded.closed_at_us",
    )
    .map_err(db_err)?
    .execute(params![
        election,
        station,
        next.state.as_str(),
        next.opened_at.map(domain::clock::to_micros),
        domain::clock::to_micros(next.closes_at),
        next.closed_at.map(domain::clock::to_micros),
    ])
    .map_err(db_err)?;
    append_audit(
        tx,
        by,
        &format!("station.{}", action_name(action)),
        &format!("station/{station}"),
        &json!({"election": election, "action": action, "state": next.state, "closes_at_us": domain::clock::to_micros(next.closes_at)}),
    )?;
    Ok(next)
}

pub(crate) fn counts(
    conn: &Connection,
    election: &str,
    station: &str,
) -> StoreResult<StationCounts> {
    let known: bool = conn
        .prepare_cached(
            "SELECT EXISTS(SELECT 1 FROM stations WHERE code = ?1 AND election_code = ?2)",
        )
        .map_err(db_err)?
        .query_row([station, election], |r| r.get(0))
        .map_err(db_err)?;
    if !known {
        return Err(StoreError::NotFound { entity: "station" });
    }
    let count = |sql: &str| -> StoreResult<i64> {
        conn.prepare_cached(sql)
            .map_err(db_err)?
            .query_row([election, station], |r| r.get(0))
            .map_err(db_err)
    };
    // Check-ins from the turnout rows and outstanding tokens as the difference: every accepted
    // check-in adds one token, every ballot spends one.
    let checkins = count(
        "SELECT coalesce(sum(checked_in), 0) FROM turnout_now WHERE election_code = ?1 AND station_code = ?2",
    )?;
    let ballots =
        count("SELECT count(*) FROM ballots WHERE election_code = ?1 AND station_code = ?2")?;
    Ok(StationCounts {
        checkins,
        ballots,
        outstanding: checkins - ballots,
    })
}

pub(crate) fn receipt(
    conn: &Connection,
    election: &str,
    code: &str,
) -> StoreResult<Option<String>> {
    conn.prepare_cached("SELECT station_code FROM receipts WHERE election_code = ?1 AND code = ?2")
        .map_err(db_err)?
        .query_row([election, code], |r| r.get(0))
        .optional()
        .map_err(db_err)
}

pub(crate) fn candidates(
    conn: &Connection,
    election: &str,
    council: &str,
) -> StoreResult<Vec<Candidate>> {
    crate::queries::all(
        &mut *conn
            .prepare_cached(
                "SELECT code, council_code, first_name, last_name, gender, education, occupation
                 FROM candidates WHERE election_code = ?1 AND council_code = ?2 AND code IS NOT NULL
                 ORDER BY code",
            )
            .map_err(db_err)?,
        [election, council],
        candidate_from_row,
    )
}

pub(crate) fn all_candidates(conn: &Connection, election: &str) -> StoreResult<Vec<Candidate>> {
    crate::queries::all(
        &mut *conn
            .prepare_cached(
                "SELECT code, council_code, first_name, last_name, gender, education, occupation
                 FROM candidates WHERE election_code = ?1 AND code IS NOT NULL
                 ORDER BY council_code, length(code), code",
            )
            .map_err(db_err)?,
        [election],
        candidate_from_row,
    )
}

fn candidate_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Candidate> {
    let gender: String = r.get(4)?;
    let education: Option<String> = r.get(5)?;
    Ok(Candidate {
        code: r.get(0)?,
        council: r.get(1)?,
        first_name: r.get(2)?,
        last_name: r.get(3)?,
        gender: Gender::parse(&gender).unwrap_or(Gender::Male),
        education: education.as_deref().and_then(Education::parse),
        occupation: r.get(6)?,
    })
}

/// The demo's approved candidates, with the national ids of their registrations (a candidate
/// without one, which the demo does not make, is keyed `cand-<code>`).
pub(crate) fn load_candidates(
    tx: &Transaction<'_>,
    election: &str,
    candidates: &[Candidate],
    national_ids: &HashMap<&str, &str>,
    by: &Actor,
) -> StoreResult<()> {
    let mut s = tx
        .prepare(
            "INSERT INTO candidates (election_code, council_code, national_id, created_at_us, code,
                 first_name, last_name, gender, education, occupation)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )
        .map_err(db_err)?;
    for c in candidates {
        let national_id = national_ids
            .get(c.code.as_str())
            .map_or_else(|| format!("cand-{}", c.code), |id| (*id).to_owned());
        s.execute(params![
            election,
            c.council,
            national_id,
            by.at_us(),
            c.code,
            c.first_name,
            c.last_name,
            c.gender.as_str(),
            c.education.map(Education::as_str),
            c.occupation
        ])
        .map_err(|e| crate::queries::conflict_or(e, "candidate"))?;
    }
    Ok(())
}

pub(crate) fn turnout(
    conn: &Connection,
    election: &str,
    filter: &TurnoutFilter,
) -> StoreResult<Turnout> {
    // The councils in scope, then everything is summed over them.
    let (scope_sql, scope_arg): (&str, String) = match (&filter.council, &filter.county) {
        (Some(council), _) => ("c.code = ?2", council.clone()),
        (None, Some(county)) => ("c.county_code = ?2", county.clone()),
        (None, None) => ("?2 = ''", String::new()),
    };
    let eligible: i64 = conn
        .prepare_cached(&format!(
            "SELECT coalesce(sum(r.voters), 0) FROM roll_councils r
             JOIN councils c ON c.code = r.council_code
             WHERE r.election_code = ?1 AND {scope_sql}"
        ))
        .map_err(db_err)?
        .query_row(params![election, scope_arg], |r| r.get(0))
        .map_err(db_err)?;
    let hourly = crate::queries::all(
        &mut *conn
            .prepare_cached(&format!(
                "SELECT t.hour_us, sum(t.checked_in) FROM turnout_now t
                 JOIN councils c ON c.code = t.council_code
                 WHERE t.election_code = ?1 AND {scope_sql}
                 GROUP BY t.hour_us ORDER BY t.hour_us"
            ))
            .map_err(db_err)?,
        params![election, scope_arg],
        |r| {
            Ok(TurnoutHour {
                hour: domain::clock::from_micros(r.get(0)?),
                checked_in: r.get(1)?,
            })
        },
    )?;
    let checked_in = hourly.iter().map(|h| h.checked_in).sum();
    let area = |r: &rusqlite::Row<'_>| {
        Ok(TurnoutArea {
            code: r.get(0)?,
            name: r.get(1)?,
            eligible: r.get(2)?,
            checked_in: r.get(3)?,
        })
    };
    let areas = match (&filter.council, &filter.county) {
        (Some(council), _) => crate::queries::all(
            &mut *conn
                .prepare_cached(
                    "SELECT s.code, s.name, NULL,
                         (SELECT coalesce(sum(t.checked_in), 0) FROM turnout_now t
                          WHERE t.election_code = ?1 AND t.station_code = s.code AND t.council_code = ?2)
                     FROM stations s
                     WHERE s.council_code = ?2
                        OR s.code IN (SELECT station_code FROM station_route WHERE council_code = ?2)
                        OR s.code IN (SELECT station_code FROM turnout_now
                                      WHERE election_code = ?1 AND council_code = ?2)
                     ORDER BY s.code",
                )
                .map_err(db_err)?,
            params![election, council],
            area,
        )?,
        (None, Some(county)) => crate::queries::all(
            &mut *conn
                .prepare_cached(
                    "SELECT c.code, c.name,
                         coalesce((SELECT voters FROM roll_councils r
                                   WHERE r.election_code = ?1 AND r.council_code = c.code), 0),
                         (SELECT coalesce(sum(t.checked_in), 0) FROM turnout_now t
                          WHERE t.election_code = ?1 AND t.council_code = c.code)
                     FROM councils c WHERE c.county_code = ?2 ORDER BY c.code",
                )
                .map_err(db_err)?,
            params![election, county],
            area,
        )?,
        (None, None) => crate::queries::all(
            &mut *conn
                .prepare_cached(
                    "SELECT k.code, k.name,
                         (SELECT coalesce(sum(r.voters), 0) FROM roll_councils r
                          JOIN councils c ON c.code = r.council_code
                          WHERE r.election_code = ?1 AND c.county_code = k.code),
                         (SELECT coalesce(sum(t.checked_in), 0) FROM turnout_now t
                          JOIN councils c ON c.code = t.council_code
                          WHERE t.election_code = ?1 AND c.county_code = k.code)
                     FROM counties k ORDER BY k.code",
                )
                .map_err(db_err)?,
            [election],
            area,
        )?,
    };
    Ok(Turnout {
        eligible,
        checked_in,
        hourly,
        areas,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::Folding;
    use rusqlite::Connection;

    fn database() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::migrate(&mut conn, 0).unwrap();
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
