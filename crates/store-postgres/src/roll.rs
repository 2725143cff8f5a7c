//! The eligibility roll: replaced whole by streaming `COPY`, read one voter at a time.
//!
//! An import is one transaction: the election's old roll is deleted, the rows received are
//! copied in as CSV, and the audit record is appended, so a failure anywhere leaves the previous
//! roll whole. Rows are encoded batch by batch into one reused buffer and sent as a `COPY`
//! statement whenever the buffer reaches [`COPY_CHUNK`], so memory stays constant on both sides
//! (the foreign-key checks a `COPY` queues are run at the end of each statement) and a
//! duplicate or an unknown council stops the import at the chunk holding it.

use crate::{append_audit, db, map_sql, rows, Attempt, Fail, Postgres};
use domain::roll::{Voter, VoterStatus};
use sqlx::postgres::PgDatabaseError;
use std::collections::HashMap;
use store::{Actor, StoreError, StoreResult};
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

/// Maps a failed import: a national id twice is a conflict on `voter`, an unknown council (the
/// only foreign key an import can miss once the election is found) is `Invalid`.
pub(crate) fn settle(fail: Fail) -> StoreError {
    let e = match fail {
        Fail::Store(e) => return e,
        Fail::Sql(e) => e,
    };
    let Some(pg) = e
        .as_database_error()
        .and_then(|d| d.try_downcast_ref::<PgDatabaseError>())
    else {
        return db(e);
    };
    if pg.code() != "23503" {
        return map_sql(e, "voter");
    }
    if pg.constraint().is_some_and(|c| c.contains("election")) {
        return StoreError::NotFound { entity: "election" };
    }
    // The detail reads `Key (council_code)=(…) is not present in table "councils".`
    let council = pg
        .detail()
        .and_then(|d| d.split_once("=(")?.1.rsplit_once(')'))
        .map(|(code, _)| code.to_owned());
    StoreError::Invalid(match council {
        Some(code) => format!("شورای «{code}» در فهرست واجدان شرایط یافت نشد."),
        None => "شورای یکی از سطرهای فهرست واجدان شرایط یافت نشد.".to_owned(),
    })
}

impl Postgres {
    pub(crate) async fn try_import_roll(
        &self,
        election_code: &str,
        mut rows: Receiver<store::RollBatch>,
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
            return Err(StoreError::NotFound { entity: "election" }.into());
        }
        let voting: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM checkins WHERE election_code = $1)")
                .bind(election_code)
                .fetch_one(&mut *tx)
                .await?;
        if voting {
            return Err(StoreError::Invalid(store::ROLL_LOCKED_BY_VOTING.into()).into());
        }
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
            let batch = rows.recv().await.transpose().map_err(StoreError::Invalid)?;
            let done = batch.is_none();
            for voter in batch.iter().flatten() {
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
                // a duplicate or an unknown council is reported there.
                let mut copy = tx.copy_in_raw(COPY_VOTERS).await?;
                copy.send(buf.as_slice()).await?;
                count += copy.finish().await?;
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
            "roll.import",
            &format!("election/{election_code}"),
            &serde_json::json!({ "count": count, "source_digest": source_digest }),
        )
        .await?;
        tx.commit().await?;
        Ok(count)
    }

    pub(crate) async fn read_voter(
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

    pub(crate) async fn read_roll_count(&self, election_code: &str) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM voters WHERE election_code = $1")
            .bind(election_code)
            .fetch_one(&self.pool)
            .await
            .map_err(db)
    }
}
