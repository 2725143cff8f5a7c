//! The eligibility roll: replaced whole by streaming `COPY`, read one voter at a time.
//!
//! An import is one transaction: the election's old roll is deleted, the rows received are
//! checked (`store::roll::check_voter_council`, against the election's councils read first) and
//! copied in as CSV, and the audit record is appended, so a failure anywhere leaves the previous
//! roll whole. Rows are encoded batch by batch into one reused buffer and sent as a `COPY`
//! statement whenever the buffer reaches [`COPY_CHUNK`], so memory stays constant on both sides.
//! A national id twice stops the import at the chunk holding its second row: each chunk goes
//! behind a savepoint, so that the failed chunk can be staged apart (without the key) and the id
//! named by a query.

use crate::chain::append_audit;
use crate::db::{db, is_unique_violation, not_found, settle, Attempt, Fail, Postgres};
use crate::{facts, rows};
use async_trait::async_trait;
use domain::roll::{Voter, VoterStatus};
use sqlx::postgres::PgConnection;
use sqlx::Executor;
use std::collections::HashMap;
use store::roll::{check_voter_council, roll_imported};
use store::{Actor, Entity, Refusal, RollBatch, RollStore, StoreError, StoreResult};
use tokio::sync::mpsc::Receiver;

/// First key of the transaction-scoped advisory locks that serialise imports of one election's
/// roll (the second is the hash of the election code). Two-key locks do not share a key space
/// with the one-key locks of the migration runner and the province board.
const ROLL_LOCK: i32 = 0x726f_6c6c; // "roll"

/// How many bytes of CSV are gathered before they go as one `COPY` statement (about 20,000
/// rows), whatever the size of the batches received.
const COPY_CHUNK: usize = 1 << 20;

const COPY_VOTERS: &str = "COPY voters (election_code, national_id, birth_date, council_code, \
     deceased) FROM STDIN WITH (FORMAT csv)";

/// Appends `text` as a quoted CSV field.
fn csv_text(buf: &mut Vec<u8>, text: &str) {
    buf.push(b'"');
    for &b in text.as_bytes() {
        if b == b'"' {
            buf.push(b'"');
        }
        buf.push(b);
    }
    buf.push(b'"');
}

/// Appends one voter as a CSV line; `election` is the election code already quoted.
fn csv_voter(buf: &mut Vec<u8>, election: &[u8], voter: &Voter) -> StoreResult<()> {
    buf.extend_from_slice(election);
    buf.push(b',');
    csv_text(buf, voter.national_id.as_str());
    buf.push(b',');
    rows::write_date(buf, voter.birth_date)?;
    buf.push(b',');
    csv_text(buf, &voter.council);
    buf.extend_from_slice(match voter.status {
        VoterStatus::Alive => b",f\n",
        VoterStatus::Deceased => b",t\n",
    });
    Ok(())
}

/// Sends one chunk of CSV as a `COPY` behind a savepoint (the one before it, if any, released
/// in the same round trip); returns the rows copied. A chunk that repeats a national id (in
/// itself, or of a chunk before it) is `Duplicate { Voter, key: that id }`: the savepoint is
/// rolled back, the chunk is copied again into a table without the key, and the id is read
/// from there.
async fn copy_chunk(conn: &mut PgConnection, chunk: &[u8], first: bool) -> Attempt<u64> {
    conn.execute(if first {
        "SAVEPOINT roll_chunk"
    } else {
        "RELEASE SAVEPOINT roll_chunk; SAVEPOINT roll_chunk"
    })
    .await?;
    match copy(conn, COPY_VOTERS, chunk).await {
        Ok(n) => Ok(n),
        Err(e) if is_unique_violation(&e) => Err(repeated_voter(conn, chunk).await),
        Err(e) => Err(e.into()),
    }
}

/// One `COPY … FROM STDIN` of `chunk`; returns the rows copied.
async fn copy(
    conn: &mut PgConnection,
    statement: &'static str,
    chunk: &[u8],
) -> Result<u64, sqlx::Error> {
    let mut copy = conn.copy_in_raw(statement).await?;
    copy.send(chunk).await?;
    copy.finish().await
}

/// The national id a failed chunk repeats (see [`copy_chunk`]).
async fn repeated_voter(conn: &mut PgConnection, chunk: &[u8]) -> Fail {
    match stage_chunk(conn, chunk).await {
        Ok(Some(key)) => Fail::Store(StoreError::Duplicate {
            entity: Entity::Voter,
            key,
        }),
        Ok(None) => Fail::Store(StoreError::Corrupt(
            "a roll chunk broke the voters' key and repeats no national id".into(),
        )),
        Err(e) => Fail::Sql(e),
    }
}

/// Rolls the failed chunk back, copies it again into a table without the key, and reads a
/// national id it repeats, or that a chunk before it already brought.
async fn stage_chunk(conn: &mut PgConnection, chunk: &[u8]) -> Result<Option<String>, sqlx::Error> {
    {
        sqlx::query("ROLLBACK TO SAVEPOINT roll_chunk")
            .execute(&mut *conn)
            .await?;
        sqlx::query(
            "CREATE TEMP TABLE roll_chunk (election_code TEXT, national_id TEXT, birth_date TEXT, \
             council_code TEXT, deceased BOOLEAN) ON COMMIT DROP",
        )
        .execute(&mut *conn)
        .await?;
        copy(
            conn,
            "COPY roll_chunk (election_code, national_id, birth_date, council_code, deceased) \
             FROM STDIN WITH (FORMAT csv)",
            chunk,
        )
        .await?;
        sqlx::query_scalar::<_, String>(
            "(SELECT national_id FROM roll_chunk GROUP BY national_id HAVING COUNT(*) > 1 \
               ORDER BY national_id LIMIT 1) \
             UNION ALL (SELECT c.national_id FROM roll_chunk c JOIN voters v \
               ON v.election_code = c.election_code AND v.national_id = c.national_id \
               ORDER BY c.national_id LIMIT 1) \
             LIMIT 1",
        )
        .fetch_optional(&mut *conn)
        .await
    }
}

impl Postgres {
    async fn try_import_roll(
        &self,
        election_code: &str,
        mut rows: Receiver<RollBatch>,
        source_digest: &str,
        by: &Actor,
    ) -> Attempt<u64> {
        let mut tx = self.pool.begin().await?;
        // Imports of one roll queue here, so the second deletes what the first wrote instead
        // of colliding with it.
        sqlx::query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
            .bind(ROLL_LOCK)
            .bind(election_code)
            .execute(&mut *tx)
            .await?;
        // The election's row is locked against the check-in batches, which share-lock it: an
        // import waits for the batches under way, and the batches after it read the new roll.
        let found: Option<String> =
            sqlx::query_scalar("SELECT code FROM elections WHERE code = $1 FOR NO KEY UPDATE")
                .bind(election_code)
                .fetch_optional(&mut *tx)
                .await?;
        if found.is_none() {
            return Err(not_found(Entity::Election));
        }
        let voting: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM checkins WHERE election_code = $1)")
                .bind(election_code)
                .fetch_one(&mut *tx)
                .await?;
        if voting {
            return Err(Refusal::RollLockedByVoting.into());
        }
        let councils = facts::election_councils(&mut tx, election_code).await?;
        sqlx::query("DELETE FROM voters WHERE election_code = $1")
            .bind(election_code)
            .execute(&mut *tx)
            .await?;

        let mut election = Vec::new();
        csv_text(&mut election, election_code);
        let mut buf = Vec::with_capacity(COPY_CHUNK + COPY_CHUNK / 4);
        let mut count = 0_u64;
        let mut per_council: HashMap<String, i64> = HashMap::new();
        loop {
            let batch = rows
                .recv()
                .await
                .transpose()
                .map_err(|reason| Refusal::RollAborted { reason })?;
            let done = batch.is_none();
            for voter in batch.iter().flatten() {
                check_voter_council(voter, &councils)?;
                csv_voter(&mut buf, &election, voter)?;
                match per_council.get_mut(&voter.council) {
                    Some(n) => *n += 1,
                    None => {
                        per_council.insert(voter.council.clone(), 1);
                    }
                }
            }
            if buf.len() >= COPY_CHUNK || (done && !buf.is_empty()) {
                // Nothing is encoded while a COPY is open, so it always ends with `finish`;
                // a repeated national id is reported there.
                count += copy_chunk(&mut tx, &buf, count == 0).await?;
                buf.clear();
            }
            if done {
                break;
            }
        }

        // The roll's size per council, for turnout.
        sqlx::query("DELETE FROM roll_councils WHERE election_code = $1")
            .bind(election_code)
            .execute(&mut *tx)
            .await?;
        if !per_council.is_empty() {
            let mut sizes: Vec<(String, i64)> = per_council.into_iter().collect();
            sizes.sort_unstable();
            sqlx::query(
                "INSERT INTO roll_councils (election_code, council_code, voters) \
                 SELECT $1, * FROM UNNEST($2::text[], $3::bigint[])",
            )
            .bind(election_code)
            .bind(sizes.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>())
            .bind(sizes.iter().map(|(_, n)| *n).collect::<Vec<_>>())
            .execute(&mut *tx)
            .await?;
        }

        append_audit(
            &mut tx,
            by,
            &roll_imported(election_code, count, source_digest),
        )
        .await?;
        tx.commit().await?;
        Ok(count)
    }

    async fn read_voter(
        &self,
        election_code: &str,
        national_id: &str,
    ) -> StoreResult<Option<Voter>> {
        let row = sqlx::query(&format!(
            "SELECT {} FROM voters WHERE election_code = $1 AND national_id = $2",
            rows::VOTER_COLUMNS
        ))
        .bind(election_code)
        .bind(national_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref().map(rows::voter).transpose()
    }

    async fn read_roll_count(&self, election_code: &str) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM voters WHERE election_code = $1")
            .bind(election_code)
            .fetch_one(&self.pool)
            .await
            .map_err(db)
    }
}

#[async_trait]
impl RollStore for Postgres {
    #[tracing::instrument(skip_all)]
    async fn import_roll(
        &self,
        election_code: &str,
        rows: Receiver<RollBatch>,
        source_digest: &str,
        by: &Actor,
    ) -> StoreResult<u64> {
        // One attempt only: the rows are consumed by it. Nothing else writes voters, and another
        // import of the same roll queues on its advisory lock, so it does not contend.
        self.try_import_roll(election_code, rows, source_digest, by)
            .await
            .map_err(settle)
    }

    #[tracing::instrument(skip_all)]
    async fn voter(&self, election_code: &str, national_id: &str) -> StoreResult<Option<Voter>> {
        self.read_voter(election_code, national_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn roll_count(&self, election_code: &str) -> StoreResult<i64> {
        self.read_roll_count(election_code).await
    }
}
