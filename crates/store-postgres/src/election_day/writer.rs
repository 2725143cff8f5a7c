//! The election-day batching writer (DESIGN §3, group commit).
//!
//! `check_in` and `cast_ballot` hand their request to one background task over a channel and
//! wait for its answer. The task takes whatever requests are waiting (up to [`MAX_BATCH`]),
//! decides and writes them in ONE transaction with a fixed number of statements whatever the
//! batch's size (reads with `= ANY($n)`, writes with `UNNEST`), and answers each request only
//! after that transaction commits. Whatever its size, a batch of check-ins costs seven round
//! trips (`BEGIN`, the election, the stations and voters, one writing statement, the audit
//! record in two, `COMMIT`), plus one only when someone turns out to have checked in already; a
//! batch of ballots six (`BEGIN`, the tokens with their councils, one writing statement, the
//! audit record, `COMMIT`); a mixed batch the sum less the shared ones.
//!
//! [`IN_FLIGHT`] batches of a server may write at once, and several servers write to one
//! database; their transactions meet at the check-ins' primary key (a second check-in of a
//! person waits for the first's transaction and then reads its row), at row locks on ballot
//! tokens, station days and turnout rows (taken in key order, so they do not deadlock), and at
//! the audit head. One batch in flight measured as fast as two on the 2-core test machine (the
//! second mostly waits on the first's turnout rows) with fewer, larger transactions.
//!
//! A request whose random key collides (a ballot token, ballot id or receipt already stored) is
//! answered `Duplicate` (a token as `Ballot` keyed by its hash, a ballot by its id, a receipt by
//! its code) and the batch is run again without it, so one bad request never fails its
//! neighbours; any other failure of the transaction is every request's answer.

use crate::chain::append_audit;
use crate::db::{retry, Attempt, Job, Postgres, Unique};
use crate::{facts, rows};
use ballot_crypto::{BallotStyle, TrackingCode};
use domain::clock::{from_micros, to_micros};
use domain::roll::{Voter, VoterStatus};
use domain::station_day::StationDay;
use rand::seq::SliceRandom;
use sqlx::postgres::{PgConnection, PgPool};
use sqlx::Row;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use store::election_day::{
    ballot_style, batch_record, chained, check_cast, count, decide_checkin, polls, Act, Chained,
    StationFacts,
};
use store::{
    BallotOutcome, CheckIn, CheckInOutcome, Entity, NewBallot, Refusal, StoreError, StoreResult,
};
use tokio::sync::{mpsc, oneshot, Semaphore};

/// The most requests one transaction takes.
pub const MAX_BATCH: usize = 1_000;
/// How many batches may be writing at once.
const IN_FLIGHT: usize = 1;
fn stopped() -> StoreError {
    StoreError::database("the election-day writer has stopped")
}

/// Starts the writer's task on the store's queue; it ends when every sender is gone.
pub(crate) fn spawn(pool: PgPool, queue: mpsc::Receiver<Job>) {
    tokio::spawn(run(pool, queue));
}

pub(super) async fn check_in(store: &Postgres, checkin: CheckIn) -> StoreResult<CheckInOutcome> {
    let (tx, rx) = oneshot::channel();
    store
        .jobs
        .send(Job::CheckIn(checkin, tx))
        .await
        .map_err(|_| stopped())?;
    rx.await.map_err(|_| stopped())?
}

pub(super) async fn cast_ballot(store: &Postgres, ballot: NewBallot) -> StoreResult<BallotOutcome> {
    let (tx, rx) = oneshot::channel();
    store
        .jobs
        .send(Job::Ballot(ballot, tx))
        .await
        .map_err(|_| stopped())?;
    rx.await.map_err(|_| stopped())?
}

async fn run(pool: PgPool, mut rx: mpsc::Receiver<Job>) {
    let slots = Arc::new(Semaphore::new(IN_FLIGHT));
    loop {
        // Wait for a free slot first, so that the requests arriving meanwhile join this batch.
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        let mut jobs = Vec::new();
        if rx.recv_many(&mut jobs, MAX_BATCH).await == 0 {
            return; // every sender is gone
        }
        let pool = pool.clone();
        tokio::spawn(async move {
            run_batch(&pool, jobs).await;
            drop(slot);
        });
    }
}

/// What a request asks, apart from where its answer goes.
enum Request {
    CheckIn(CheckIn),
    Ballot(NewBallot),
}

impl Request {
    fn election(&self) -> &str {
        match self {
            Self::CheckIn(c) => &c.election_code,
            Self::Ballot(b) => &b.election_code,
        }
    }
    fn at(&self) -> time::OffsetDateTime {
        match self {
            Self::CheckIn(c) => c.by.at,
            Self::Ballot(b) => b.by.at,
        }
    }
}

enum Reply {
    CheckIn(oneshot::Sender<StoreResult<CheckInOutcome>>),
    Ballot(oneshot::Sender<StoreResult<BallotOutcome>>),
}

enum Outcome {
    CheckIn(CheckInOutcome),
    Ballot(BallotOutcome),
}

type Answer = StoreResult<Outcome>;

impl Reply {
    fn send(self, answer: Answer) {
        // A caller that stopped waiting is no error of the batch's.
        match (self, answer) {
            (Self::CheckIn(tx), Ok(Outcome::CheckIn(o))) => drop(tx.send(Ok(o))),
            (Self::Ballot(tx), Ok(Outcome::Ballot(o))) => drop(tx.send(Ok(o))),
            (Self::CheckIn(tx), Err(e)) => drop(tx.send(Err(e))),
            (Self::Ballot(tx), Err(e)) => drop(tx.send(Err(e))),
            (Self::CheckIn(tx), Ok(Outcome::Ballot(_))) => drop(tx.send(Err(mismatch()))),
            (Self::Ballot(tx), Ok(Outcome::CheckIn(_))) => drop(tx.send(Err(mismatch()))),
        }
    }
}

fn mismatch() -> StoreError {
    StoreError::Corrupt("the election-day writer answered the wrong request".into())
}

/// The same error again, for every request of a failed batch (a database failure's cause as
/// its words: the cause itself goes to the log once, with the batch).
fn copy_error(e: &StoreError) -> StoreError {
    match e {
        StoreError::NotFound { entity } => StoreError::NotFound { entity: *entity },
        StoreError::Duplicate { entity, key } => StoreError::Duplicate {
            entity: *entity,
            key: key.clone(),
        },
        StoreError::Refused(r) => StoreError::Refused(r.clone()),
        StoreError::UnsupportedUrl(m) => StoreError::UnsupportedUrl(m.clone()),
        StoreError::Database(cause) => StoreError::database(cause.to_string()),
        StoreError::Corrupt(m) => StoreError::Corrupt(m.clone()),
    }
}

/// How an attempt at a batch ended: every answer, or the requests whose random keys collided
/// with stored ones (the attempt is rolled back and the batch runs again without them).
enum Settled {
    Done(Vec<Option<Answer>>),
    Collided(Vec<(usize, StoreError)>),
}

async fn run_batch(pool: &PgPool, jobs: Vec<Job>) {
    let (requests, replies): (Vec<Request>, Vec<Reply>) = jobs
        .into_iter()
        .map(|job| match job {
            Job::CheckIn(c, tx) => (Request::CheckIn(c), Reply::CheckIn(tx)),
            Job::Ballot(b, tx) => (Request::Ballot(b), Reply::Ballot(tx)),
        })
        .unzip();
    let mut excluded: HashMap<usize, StoreError> = HashMap::new();
    let result = loop {
        let attempt = retry(Unique::Fail, || attempt(pool, &requests, &excluded)).await;
        match attempt {
            Ok(Settled::Collided(collided)) if !collided.is_empty() => excluded.extend(collided),
            Ok(Settled::Collided(_)) => {
                break Err(StoreError::Corrupt(
                    "the election-day writer found a collision it could not name".into(),
                ))
            }
            Ok(Settled::Done(answers)) => break Ok(answers),
            Err(e) => break Err(e),
        }
    };
    match result {
        Ok(mut answers) => {
            for (i, reply) in replies.into_iter().enumerate() {
                let answer = excluded
                    .remove(&i)
                    .map(Err)
                    .or_else(|| answers.get_mut(i).and_then(Option::take))
                    .unwrap_or_else(|| {
                        Err(StoreError::Corrupt(
                            "the election-day writer left a request unanswered".into(),
                        ))
                    });
                reply.send(answer);
            }
        }
        Err(e) => {
            tracing::warn!(error = ?e, size = requests.len(), "election-day batch failed");
            for (i, reply) in replies.into_iter().enumerate() {
                reply.send(Err(excluded.remove(&i).unwrap_or_else(|| copy_error(&e))));
            }
        }
    }
}

/// One transaction over the batch: per election, its check-ins, then its ballots, then its one
/// audit record.
async fn attempt(
    pool: &PgPool,
    requests: &[Request],
    excluded: &HashMap<usize, StoreError>,
) -> Attempt<Settled> {
    let mut answers: Vec<Option<Answer>> = requests.iter().map(|_| None).collect();
    let mut elections: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, r) in requests.iter().enumerate() {
        if !excluded.contains_key(&i) {
            elections.entry(r.election()).or_default().push(i);
        }
    }
    let mut tx = pool.begin().await?;
    let mut collided = Vec::new();
    for (election, batch) in &elections {
        let checkins: Vec<(usize, &CheckIn)> = batch
            .iter()
            .filter_map(|&i| match &requests[i] {
                Request::CheckIn(c) => Some((i, c)),
                Request::Ballot(_) => None,
            })
            .collect();
        let ballots: Vec<(usize, &NewBallot)> = batch
            .iter()
            .filter_map(|&i| match &requests[i] {
                Request::Ballot(b) => Some((i, b)),
                Request::CheckIn(_) => None,
            })
            .collect();
        let accepted = if checkins.is_empty() {
            Vec::new()
        } else {
            match check_ins(&mut tx, election, &checkins, &mut answers).await? {
                Ok(accepted) => accepted,
                Err(c) => {
                    collided.extend(c);
                    continue;
                }
            }
        };
        let cast = if ballots.is_empty() {
            BTreeMap::new()
        } else {
            match cast_ballots(&mut tx, election, &ballots, &mut answers).await? {
                Ok(cast) => cast,
                Err(c) => {
                    collided.extend(c);
                    continue;
                }
            }
        };
        let latest = batch
            .iter()
            .map(|&i| requests[i].at())
            .max()
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        // Each staff account's part: the requests answered accepted or cast.
        let mut accounts = store::election_day::Accounts::new();
        for &(i, c) in &checkins {
            if matches!(
                answers[i],
                Some(Ok(Outcome::CheckIn(CheckInOutcome::Accepted { .. })))
            ) {
                count(&mut accounts, &c.by.username, Act::CheckIn);
            }
        }
        for &(i, b) in &ballots {
            if matches!(
                answers[i],
                Some(Ok(Outcome::Ballot(BallotOutcome::Cast { .. })))
            ) {
                count(&mut accounts, &b.by.username, Act::Ballot);
            }
        }
        if let Some((actor, entry)) = batch_record(election, &accepted, &cast, &accounts, latest) {
            append_audit(&mut tx, &actor, &entry).await?;
        }
    }
    if !collided.is_empty() {
        tx.rollback().await?;
        return Ok(Settled::Collided(collided));
    }
    tx.commit().await?;
    Ok(Settled::Done(answers))
}

/// A check-in the rules accept, on its way to the insert.
struct Pending<'a> {
    index: usize,
    national_id: &'a str,
    station: &'a str,
    council: String,
    at_us: i64,
    token: &'a str,
}

/// Decides and writes an election's check-ins; returns the accepted ones as
/// `(national id, station, at_us)`, or the requests whose tokens are taken.
async fn check_ins(
    conn: &mut PgConnection,
    election_code: &str,
    checkins: &[(usize, &CheckIn)],
    answers: &mut [Option<Answer>],
) -> Attempt<Result<Vec<(String, String, i64)>, Vec<(usize, StoreError)>>> {
    // The election's row is shared-locked so that a roll import (which locks it for update)
    // and check-ins never overlap.
    let found = facts::election_in(conn, election_code, true).await?;
    let Some(election) = found else {
        for &(i, _) in checkins {
            answers[i] = Some(Err(StoreError::not_found(Entity::Election)));
        }
        return Ok(Ok(Vec::new()));
    };
    let Some((_, polls_close)) = polls(&election) else {
        for &(i, _) in checkins {
            answers[i] = Some(Err(Refusal::NoPollingHours.into()));
        }
        return Ok(Ok(Vec::new()));
    };

    // In one query: the stations, with their councils and their day (share-locked, so that a
    // closing waits for the check-ins that saw the station open), and the voters.
    let mut codes: Vec<&str> = checkins.iter().map(|(_, c)| c.station.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    let mut ids: Vec<&str> = checkins
        .iter()
        .map(|(_, c)| c.national_id.as_str())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let found = sqlx::query(
        "WITH d AS (SELECT station_code, state, opened_at_us, closes_at_us, closed_at_us, \
             paused_at_us, pause_reason, pause_notes \
           FROM station_days WHERE election_code = $1 AND station_code = ANY($2) FOR SHARE) \
         SELECT TRUE AS is_station, s.code AS key, s.council_code, \
           ARRAY(SELECT r.council_code FROM station_route r WHERE r.station_code = s.code \
                 ORDER BY r.position) AS route, \
           d.state, d.opened_at_us, d.closes_at_us, d.closed_at_us, \
           d.paused_at_us, d.pause_reason, d.pause_notes, \
           NULL::text AS birth_date, NULL::bool AS deceased \
         FROM stations s LEFT JOIN d ON d.station_code = s.code \
         WHERE s.code = ANY($2) AND s.election_code = $1 \
         UNION ALL \
         SELECT FALSE, v.national_id, v.council_code, NULL, NULL, NULL, NULL, NULL, \
           NULL, NULL, NULL, v.birth_date, v.deceased \
         FROM voters v WHERE v.election_code = $1 AND v.national_id = ANY($3)",
    )
    .bind(election_code)
    .bind(&codes)
    .bind(&ids)
    .fetch_all(&mut *conn)
    .await?;
    let mut stations: HashMap<String, StationFacts> = HashMap::with_capacity(codes.len());
    let mut voters: HashMap<String, Voter> = HashMap::with_capacity(ids.len());
    for row in &found {
        let key: String = row.try_get("key")?;
        let council: String = row.try_get("council_code")?;
        if row.try_get("is_station")? {
            let mut councils = vec![council];
            for council in row.try_get::<Vec<String>, _>("route")? {
                if !councils.contains(&council) {
                    councils.push(council);
                }
            }
            let day = rows::station_day(row)?.unwrap_or_else(|| StationDay::new(polls_close));
            stations.insert(key, StationFacts { councils, day });
        } else {
            let birth_date: String = row.try_get("birth_date")?;
            let voter = Voter {
                national_id: rows::national_id_of(&key)?,
                birth_date: rows::parse_date(&birth_date)?,
                council,
                status: if row.try_get("deceased")? {
                    VoterStatus::Deceased
                } else {
                    VoterStatus::Alive
                },
            };
            voters.insert(key, voter);
        }
    }

    // The decisions, in arrival order. A second request of the same person in the batch is
    // answered as the first one ends (`duplicates`); a token twice is a collision.
    let mut pending: Vec<Pending> = Vec::new();
    let mut first: HashSet<&str> = HashSet::new();
    let mut duplicates: Vec<(usize, &str)> = Vec::new();
    let mut tokens: HashSet<&str> = HashSet::new();
    let mut collided = Vec::new();
    for &(i, c) in checkins {
        let Some(facts) = stations.get(&c.station) else {
            answers[i] = Some(Err(StoreError::not_found(Entity::Station)));
            continue;
        };
        let voter = voters.get(c.national_id.as_str());
        match decide_checkin(c, facts, voter, election.election_day) {
            Err(refused) => answers[i] = Some(Ok(Outcome::CheckIn(refused))),
            Ok(council) => {
                if first.contains(c.national_id.as_str()) {
                    duplicates.push((i, c.national_id.as_str()));
                } else if !tokens.insert(c.token_hash.as_str()) {
                    collided.push((i, token_taken(&c.token_hash)));
                } else {
                    first.insert(c.national_id.as_str());
                    pending.push(Pending {
                        index: i,
                        national_id: c.national_id.as_str(),
                        station: &c.station,
                        council,
                        at_us: to_micros(c.by.at),
                        token: &c.token_hash,
                    });
                }
            }
        }
    }
    if pending.is_empty() {
        return Ok(if collided.is_empty() {
            Ok(Vec::new())
        } else {
            Err(collided)
        });
    }

    // One statement writes them all: the check-ins, in national id order (so that concurrent
    // batches lock keys in the same order), where the store's key refuses a person already
    // checked in here or on any server (a conflicting insert waits for the other transaction
    // to end); the ballot tokens of those inserted, in token order (random, so unrelated to the
    // voters'); and the hourly turnout per council, station and hour. It returns who was
    // inserted and whether their token was stored (a taken token is a collision).
    pending.sort_unstable_by(|a, b| a.national_id.cmp(b.national_id));
    let hours: Vec<i64> = pending
        .iter()
        .map(|p| to_micros(domain::calendar::tehran_hour_start(from_micros(p.at_us))))
        .collect();
    let written = sqlx::query(
        "WITH u AS (SELECT * FROM UNNEST($2::text[], $3::text[], $4::text[], $5::bigint[], \
               $6::bigint[], $7::text[]) AS u(national_id, station, council, at_us, hour_us, token)), \
         ins AS (INSERT INTO checkins (election_code, national_id, station_code, council_code, at_us) \
               SELECT $1, national_id, station, council, at_us FROM u ORDER BY national_id \
               ON CONFLICT DO NOTHING RETURNING national_id), \
         tok AS (INSERT INTO ballot_tokens (token_hash, election_code, station_code, council_code, national_id) \
               SELECT u.token, $1, u.station, u.council, u.national_id FROM u JOIN ins USING (national_id) \
               ORDER BY u.token ON CONFLICT DO NOTHING RETURNING token_hash), \
         hourly AS (INSERT INTO turnout (election_code, council_code, station_code, hour_us, checked_in) \
               SELECT $1, u.council, u.station, u.hour_us, COUNT(*) FROM u JOIN ins USING (national_id) \
               GROUP BY u.council, u.station, u.hour_us ORDER BY u.council, u.station, u.hour_us \
               ON CONFLICT (election_code, council_code, station_code, hour_us) \
               DO UPDATE SET checked_in = turnout.checked_in + EXCLUDED.checked_in) \
         SELECT ins.national_id, tok.token_hash IS NOT NULL AS token_stored \
         FROM ins JOIN u USING (national_id) LEFT JOIN tok ON tok.token_hash = u.token",
    )
    .bind(election_code)
    .bind(pending.iter().map(|p| p.national_id).collect::<Vec<_>>())
    .bind(pending.iter().map(|p| p.station).collect::<Vec<_>>())
    .bind(pending.iter().map(|p| p.council.as_str()).collect::<Vec<_>>())
    .bind(pending.iter().map(|p| p.at_us).collect::<Vec<_>>())
    .bind(hours)
    .bind(pending.iter().map(|p| p.token).collect::<Vec<_>>())
    .fetch_all(&mut *conn)
    .await?;
    let mut inserted: HashSet<String> = HashSet::with_capacity(written.len());
    let mut token_stored: HashSet<String> = HashSet::with_capacity(written.len());
    for row in &written {
        let id: String = row.try_get("national_id")?;
        if row.try_get("token_stored")? {
            token_stored.insert(id.clone());
        }
        inserted.insert(id);
    }

    // Those refused by the key: where and when the person did check in (committed by now).
    let refused: Vec<&str> = pending
        .iter()
        .filter(|p| !inserted.contains(p.national_id))
        .map(|p| p.national_id)
        .collect();
    let mut earlier: HashMap<String, (String, i64)> = HashMap::new();
    if !refused.is_empty() {
        let found = sqlx::query(
            "SELECT national_id, station_code, at_us FROM checkins \
             WHERE election_code = $1 AND national_id = ANY($2)",
        )
        .bind(election_code)
        .bind(&refused)
        .fetch_all(&mut *conn)
        .await?;
        for row in &found {
            earlier.insert(
                row.try_get("national_id")?,
                (row.try_get("station_code")?, row.try_get("at_us")?),
            );
        }
    }
    // Each pending check-in's answer, and what a later request of the same person hears.
    let mut already: HashMap<&str, Result<(String, i64), ()>> = HashMap::new();
    let mut accepted: Vec<&Pending> = Vec::new();
    for p in &pending {
        if inserted.contains(p.national_id) {
            answers[p.index] = Some(Ok(Outcome::CheckIn(CheckInOutcome::Accepted {
                council: p.council.clone(),
            })));
            already.insert(p.national_id, Ok((p.station.to_owned(), p.at_us)));
            accepted.push(p);
        } else if let Some((station, at_us)) = earlier.get(p.national_id) {
            answers[p.index] = Some(Ok(Outcome::CheckIn(CheckInOutcome::AlreadyVoted {
                station: station.clone(),
                at: from_micros(*at_us),
            })));
            already.insert(p.national_id, Ok((station.clone(), *at_us)));
        } else {
            answers[p.index] = Some(Err(vanished()));
            already.insert(p.national_id, Err(()));
        }
    }
    for (i, national_id) in duplicates {
        answers[i] = Some(match already.get(national_id) {
            Some(Ok((station, at_us))) => Ok(Outcome::CheckIn(CheckInOutcome::AlreadyVoted {
                station: station.clone(),
                at: from_micros(*at_us),
            })),
            _ => Err(vanished()),
        });
    }

    collided.extend(
        accepted
            .iter()
            .filter(|p| !token_stored.contains(p.national_id))
            .map(|p| (p.index, token_taken(p.token))),
    );
    if !collided.is_empty() {
        return Ok(Err(collided));
    }

    Ok(Ok(accepted
        .iter()
        .map(|p| (p.national_id.to_owned(), p.station.to_owned(), p.at_us))
        .collect()))
}

/// A ballot token already stored: a ballot's, keyed by the token's hash.
fn token_taken(token_hash: &str) -> StoreError {
    StoreError::Duplicate {
        entity: Entity::Ballot,
        key: token_hash.to_owned(),
    }
}

fn vanished() -> StoreError {
    StoreError::Corrupt("a conflicting check-in could not be read back".into())
}

/// A ballot accepted, on its way into the box.
struct Cast<'a> {
    index: usize,
    ballot: &'a NewBallot,
    station: String,
    council: String,
    link: Chained,
}

/// A kiosk's chain after a batch: its new head and how many ballots the batch added.
struct ChainMove {
    station: String,
    kiosk: String,
    head: String,
    made: i64,
}

/// Checks and stores an election's encrypted ballots; returns the ballots cast per station,
/// or the requests whose tracking codes are taken.
async fn cast_ballots(
    conn: &mut PgConnection,
    election_code: &str,
    ballots: &[(usize, &NewBallot)],
    answers: &mut [Option<Answer>],
) -> Attempt<Result<BTreeMap<String, i64>, Vec<(usize, StoreError)>>> {
    // In one query: the tokens, locked in token order (a token is spent once, whichever batch
    // comes first), each with its council's seats and approved candidates.
    let mut hashes: Vec<&str> = ballots.iter().map(|(_, b)| b.token_hash.as_str()).collect();
    hashes.sort_unstable();
    hashes.dedup();
    let found = sqlx::query(
        "WITH t AS (SELECT token_hash, station_code, council_code FROM ballot_tokens \
           WHERE election_code = $1 AND token_hash = ANY($2) ORDER BY token_hash FOR UPDATE), \
         c AS (SELECT c.code, c.main_seats, \
           ARRAY(SELECT k.code FROM candidates k WHERE k.election_code = $1 \
                 AND k.council_code = c.code AND k.code IS NOT NULL) AS approved \
           FROM councils c WHERE c.code IN (SELECT council_code FROM t)) \
         SELECT t.token_hash, t.station_code, t.council_code, c.main_seats, c.approved \
         FROM t LEFT JOIN c ON c.code = t.council_code",
    )
    .bind(election_code)
    .bind(&hashes)
    .fetch_all(&mut *conn)
    .await?;
    let mut tokens: HashMap<String, (String, String)> = HashMap::with_capacity(found.len());
    let mut styles: HashMap<String, BallotStyle> = HashMap::new();
    for row in &found {
        let council: String = row.try_get("council_code")?;
        if let Some(seats) = row.try_get::<Option<i64>, _>("main_seats")? {
            if !styles.contains_key(&council) {
                let style = ballot_style(
                    election_code,
                    &council,
                    row.try_get("approved")?,
                    rows::seats_of(seats)?,
                );
                styles.insert(council.clone(), style);
            }
        }
        tokens.insert(
            row.try_get("token_hash")?,
            (row.try_get("station_code")?, council),
        );
    }

    // The decisions, in arrival order.
    let mut spent: HashSet<&str> = HashSet::new();
    let mut accepted: Vec<(usize, &NewBallot, String, String)> = Vec::new();
    for &(i, b) in ballots {
        let token = b.token_hash.as_str();
        let Some((station, council)) = tokens.get(token).filter(|_| !spent.contains(token)) else {
            answers[i] = Some(Ok(Outcome::Ballot(BallotOutcome::TokenUnknown)));
            continue;
        };
        let Some(style) = styles.get(council) else {
            answers[i] = Some(Err(StoreError::Corrupt(format!(
                "a ballot token of council {council}, which does not exist"
            ))));
            continue;
        };
        if let Err(refusal) = check_cast(b, council, style) {
            answers[i] = Some(Ok(Outcome::Ballot(BallotOutcome::Refused(refusal))));
            continue;
        }
        spent.insert(token);
        accepted.push((i, b, station.clone(), council.clone()));
    }
    if accepted.is_empty() {
        return Ok(Ok(BTreeMap::new()));
    }

    // The kiosks' chains: each created at its start if new, then locked in key order, and
    // walked in arrival order.
    let mut kiosks: Vec<(&str, &str)> = accepted
        .iter()
        .map(|(_, b, station, _)| (station.as_str(), b.kiosk.as_str()))
        .collect();
    kiosks.sort_unstable();
    kiosks.dedup();
    let starts: Vec<String> = kiosks
        .iter()
        .map(|(station, kiosk)| TrackingCode::start(election_code, station, kiosk).hex())
        .collect();
    let (chain_stations, chain_kiosks): (Vec<&str>, Vec<&str>) = kiosks.iter().copied().unzip();
    sqlx::query(
        "INSERT INTO kiosk_chains (election_code, station_code, kiosk, head, ballots) \
         SELECT $1, u.station, u.kiosk, u.head, 0 \
         FROM UNNEST($2::text[], $3::text[], $4::text[]) AS u(station, kiosk, head) \
         ON CONFLICT DO NOTHING",
    )
    .bind(election_code)
    .bind(&chain_stations)
    .bind(&chain_kiosks)
    .bind(&starts)
    .execute(&mut *conn)
    .await?;
    let locked = sqlx::query(
        "SELECT k.station_code, k.kiosk, k.head FROM kiosk_chains k \
         JOIN UNNEST($2::text[], $3::text[]) AS u(station, kiosk) \
           ON k.station_code = u.station AND k.kiosk = u.kiosk \
         WHERE k.election_code = $1 ORDER BY k.station_code, k.kiosk FOR UPDATE OF k",
    )
    .bind(election_code)
    .bind(&chain_stations)
    .bind(&chain_kiosks)
    .fetch_all(&mut *conn)
    .await?;
    let mut heads: HashMap<(String, String), (String, i64)> = HashMap::new();
    for row in &locked {
        heads.insert(
            (row.try_get("station_code")?, row.try_get("kiosk")?),
            (row.try_get("head")?, 0),
        );
    }
    let mut cast: Vec<Cast> = Vec::with_capacity(accepted.len());
    for (index, ballot, station, council) in accepted {
        let key = (station.clone(), ballot.kiosk.clone());
        let (head, made) = heads.get_mut(&key).ok_or_else(|| {
            StoreError::Corrupt(format!("kiosk {}'s chain is gone", ballot.kiosk))
        })?;
        let link = chained(
            election_code,
            &station,
            &ballot.kiosk,
            Some(head),
            &ballot.ballot,
        )?;
        head.clone_from(&link.tracking_code);
        *made += 1;
        cast.push(Cast {
            index,
            ballot,
            station,
            council,
            link,
        });
    }

    // One statement spends the tokens, queues the ballots in a random order (they enter the
    // box when the station closes: see 0005_election_day.sql) and moves the chains' heads. It
    // returns the tracking codes stored (a taken one is a collision).
    let spent: Vec<&str> = spent.into_iter().collect();
    let order = {
        let mut order: Vec<usize> = (0..cast.len()).collect();
        order.shuffle(&mut rand::thread_rng());
        order
    };
    let column =
        |f: &dyn Fn(&Cast) -> String| order.iter().map(|&k| f(&cast[k])).collect::<Vec<_>>();
    let moved: Vec<ChainMove> = heads
        .into_iter()
        .filter(|(_, (_, made))| *made > 0)
        .map(|((station, kiosk), (head, made))| ChainMove {
            station,
            kiosk,
            head,
            made,
        })
        .collect();
    let stored: Vec<String> = sqlx::query_scalar(
        "WITH spent AS (DELETE FROM ballot_tokens WHERE token_hash = ANY($2)), \
         chains AS (UPDATE kiosk_chains k SET head = u.head, ballots = k.ballots + u.made \
           FROM UNNEST($10::text[], $11::text[], $12::text[], $13::bigint[]) \
             AS u(station, kiosk, head, made) \
           WHERE k.election_code = $1 AND k.station_code = u.station AND k.kiosk = u.kiosk), \
         box AS (INSERT INTO ballot_queue (tracking_code, receipt, election_code, station_code, \
             council_code, kiosk, previous_code, ballot) \
           SELECT u.code, u.receipt, $1, u.station, u.council, u.kiosk, u.previous, u.ballot \
           FROM UNNEST($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], \
             $9::text[]) AS u(code, receipt, station, council, kiosk, previous, ballot) \
           ON CONFLICT DO NOTHING RETURNING tracking_code) \
         SELECT tracking_code FROM box",
    )
    .bind(election_code)
    .bind(&spent)
    .bind(column(&|c| c.link.tracking_code.clone()))
    .bind(column(&|c| c.link.receipt.clone()))
    .bind(column(&|c| c.station.clone()))
    .bind(column(&|c| c.council.clone()))
    .bind(column(&|c| c.ballot.kiosk.clone()))
    .bind(column(&|c| c.link.previous.clone()))
    .bind(column(&|c| c.ballot.ballot.clone()))
    .bind(moved.iter().map(|m| m.station.as_str()).collect::<Vec<_>>())
    .bind(moved.iter().map(|m| m.kiosk.as_str()).collect::<Vec<_>>())
    .bind(moved.iter().map(|m| m.head.as_str()).collect::<Vec<_>>())
    .bind(moved.iter().map(|m| m.made).collect::<Vec<_>>())
    .fetch_all(&mut *conn)
    .await?;
    let stored: HashSet<String> = stored.into_iter().collect();
    let collided: Vec<(usize, StoreError)> = cast
        .iter()
        .filter(|c| !stored.contains(&c.link.tracking_code))
        .map(|c| (c.index, ballot_taken(&c.link.tracking_code)))
        .collect();
    if !collided.is_empty() {
        return Ok(Err(collided));
    }

    let mut per_station: BTreeMap<String, i64> = BTreeMap::new();
    for c in cast {
        *per_station.entry(c.station.clone()).or_default() += 1;
        answers[c.index] = Some(Ok(Outcome::Ballot(BallotOutcome::Cast {
            station: c.station,
            council: c.council,
            tracking_code: c.link.tracking_code,
            receipt: c.link.receipt,
        })));
    }
    Ok(Ok(per_station))
}

fn ballot_taken(id: &str) -> StoreError {
    StoreError::Duplicate {
        entity: Entity::Ballot,
        key: id.to_owned(),
    }
}
