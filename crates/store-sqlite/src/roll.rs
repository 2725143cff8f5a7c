//! The eligibility roll on SQLite: one row per person per election, replaced whole by each
//! import.
//!
//! A roll is millions of rows, so the import is one write transaction fed batch by batch from
//! the caller's channel: nothing holds the whole roll, and a refused row rolls everything back.
//! Councils are checked against the election's codes read once into memory, which is cheaper
//! than a foreign-key probe per row and names the council in the refusal.

use crate::chain::append_audit;
use crate::db::{db_err, is_unique_violation, Sqlite};
use crate::facts::voter;
use crate::sql::{iso_date, iso_into};
use async_trait::async_trait;
use domain::roll::{Voter, VoterStatus};
use rusqlite::{Connection, OptionalExtension, Transaction};
use std::collections::{HashMap, HashSet};
use store::roll::{check_voter_council, roll_imported};
use store::{Actor, Entity, Refusal, RollStore, StoreError, StoreResult};
use tokio::sync::mpsc::Receiver;

pub(crate) fn count(conn: &Connection, election: &str) -> StoreResult<i64> {
    conn.prepare_cached("SELECT count(*) FROM voters WHERE election_code = ?1")
        .map_err(db_err)?
        .query_row([election], |r| r.get(0))
        .map_err(db_err)
}

/// Replaces the election's roll with the rows received until the sender is dropped, and
/// appends one `roll.import` record. The caller's transaction must run with foreign keys off
/// (`Sqlite::write_unenforced`): the election and every council are checked here instead.
/// Any error returns at once (dropping the receiver, so the sender's next `send` fails) and
/// the transaction rolls back.
pub(crate) fn import(
    tx: &Transaction<'_>,
    election: &str,
    rows: Receiver<store::RollBatch>,
    source_digest: &str,
    by: &Actor,
) -> StoreResult<u64> {
    let exists: bool = tx
        .query_row(
            "SELECT EXISTS(SELECT 1 FROM elections WHERE code = ?1)",
            [election],
            |r| r.get(0),
        )
        .map_err(db_err)?;
    if !exists {
        return Err(StoreError::not_found(Entity::Election));
    }
    let voting: bool = tx
        .query_row(
            "SELECT EXISTS(SELECT 1 FROM checkins WHERE election_code = ?1)",
            [election],
            |r| r.get(0),
        )
        .map_err(db_err)?;
    if voting {
        return Err(Refusal::RollLockedByVoting.into());
    }
    let councils: HashSet<String> = {
        let mut s = tx
            .prepare_cached("SELECT code FROM councils WHERE election_code = ?1")
            .map_err(db_err)?;
        let codes = s
            .query_map([election], |r| r.get(0))
            .map_err(db_err)?
            .collect::<Result<_, _>>()
            .map_err(db_err)?;
        codes
    };

    // Rows are staged in a temporary table (appends only, in SQLite's temp directory, so
    // memory stays flat) and then inserted in key order: a roll in arbitrary order inserted
    // straight into the keyed table splits pages all over it and runs about three times slower.
    tx.execute_batch(
        "DROP TABLE IF EXISTS temp.roll_stage;
         CREATE TEMP TABLE roll_stage (
             national_id  TEXT NOT NULL,
             birth_date   TEXT NOT NULL,
             council_code TEXT NOT NULL,
             deceased     INTEGER NOT NULL
         );",
    )
    .map_err(db_err)?;
    let (count, per_council) = stage(tx, &councils, rows)?;

    // When the roll table holds this election's rows only (the usual case), emptying it whole
    // drops its pages at once instead of deleting row by row.
    let others: bool = tx
        .query_row(
            "SELECT EXISTS(SELECT 1 FROM voters WHERE election_code < ?1)
                 OR EXISTS(SELECT 1 FROM voters WHERE election_code > ?1)",
            [election],
            |r| r.get(0),
        )
        .map_err(db_err)?;
    if others {
        tx.execute("DELETE FROM voters WHERE election_code = ?1", [election])
    } else {
        tx.execute("DELETE FROM voters", [])
    }
    .map_err(db_err)?;
    let inserted = tx.execute(
        "INSERT INTO voters (election_code, national_id, birth_date, council_code, deceased)
         SELECT ?1, national_id, birth_date, council_code, deceased FROM temp.roll_stage
         ORDER BY national_id",
        [election],
    );
    if let Err(e) = inserted {
        if is_unique_violation(&e) {
            return Err(StoreError::Duplicate {
                entity: Entity::Voter,
                key: repeated_id(tx)?,
            });
        }
        return Err(db_err(e));
    }
    tx.execute_batch("DROP TABLE temp.roll_stage")
        .map_err(db_err)?;
    tx.execute(
        "DELETE FROM roll_councils WHERE election_code = ?1",
        [election],
    )
    .map_err(db_err)?;
    let mut size = tx
        .prepare_cached(
            "INSERT INTO roll_councils (election_code, council_code, voters) VALUES (?1, ?2, ?3)",
        )
        .map_err(db_err)?;
    for (council, n) in &per_council {
        size.execute(rusqlite::params![election, council, n])
            .map_err(db_err)?;
    }
    append_audit(tx, by, &roll_imported(election, count, source_digest))?;
    Ok(count)
}

/// Receives every batch into `temp.roll_stage`, refusing a row whose council is not the
/// election's. Returns the number of rows, and per council.
fn stage(
    tx: &Transaction<'_>,
    councils: &HashSet<String>,
    mut rows: Receiver<store::RollBatch>,
) -> StoreResult<(u64, HashMap<String, i64>)> {
    let mut per_council: HashMap<String, i64> = HashMap::with_capacity(councils.len());
    let mut insert = tx
        .prepare_cached(
            "INSERT INTO temp.roll_stage (national_id, birth_date, council_code, deceased)
             VALUES (?1, ?2, ?3, ?4)",
        )
        .map_err(db_err)?;
    let mut date = [0u8; 10];
    let mut count = 0u64;
    while let Some(batch) = rows.blocking_recv() {
        let batch = batch.map_err(|reason| Refusal::RollAborted { reason })?;
        for v in &batch {
            check_voter_council(v, councils)?;
            match per_council.get_mut(v.council.as_str()) {
                Some(n) => *n += 1,
                None => {
                    per_council.insert(v.council.clone(), 1);
                }
            }
            // Bound one by one: `execute(params![…])` would allocate the date per row.
            insert
                .raw_bind_parameter(1, v.national_id.as_str())
                .map_err(db_err)?;
            match iso_into(v.birth_date, &mut date) {
                Some(iso) => insert.raw_bind_parameter(2, iso),
                None => insert.raw_bind_parameter(2, iso_date(v.birth_date)),
            }
            .map_err(db_err)?;
            insert
                .raw_bind_parameter(3, v.council.as_str())
                .map_err(db_err)?;
            insert
                .raw_bind_parameter(4, v.status == VoterStatus::Deceased)
                .map_err(db_err)?;
            insert.raw_execute().map_err(db_err)?;
        }
        count += batch.len() as u64;
    }
    Ok((count, per_council))
}

/// The first national id staged twice (after the keyed insert refused one).
fn repeated_id(tx: &Transaction<'_>) -> StoreResult<String> {
    tx.query_row(
        "SELECT national_id FROM temp.roll_stage GROUP BY national_id HAVING count(*) > 1
         ORDER BY national_id LIMIT 1",
        [],
        |r| r.get(0),
    )
    .optional()
    .map_err(db_err)?
    .ok_or_else(|| StoreError::Corrupt("the roll's key refused a row, yet no id repeats".into()))
}

#[async_trait]
impl RollStore for Sqlite {
    #[tracing::instrument(skip_all)]
    async fn import_roll(
        &self,
        election_code: &str,
        rows: tokio::sync::mpsc::Receiver<store::RollBatch>,
        source_digest: &str,
        by: &Actor,
    ) -> StoreResult<u64> {
        let (election, digest, by) = (
            election_code.to_owned(),
            source_digest.to_owned(),
            by.clone(),
        );
        let inner = self.inner.clone();
        self.write_unenforced(move |tx| {
            // Under the writer's lock, so no check-in batch runs between this and the import.
            inner
                .roll_imports
                .fetch_add(1, std::sync::atomic::Ordering::Release);
            import(tx, &election, rows, &digest, &by)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn voter(&self, election_code: &str, national_id: &str) -> StoreResult<Option<Voter>> {
        let (election, id) = (election_code.to_owned(), national_id.to_owned());
        self.read(move |c| voter(c, &election, &id)).await
    }

    #[tracing::instrument(skip_all)]
    async fn roll_count(&self, election_code: &str) -> StoreResult<i64> {
        let election = election_code.to_owned();
        self.read(move |c| count(c, &election)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn iso_dates_match_the_formatter() {
        let mut buf = [0u8; 10];
        for d in [
            date!(1970 - 01 - 01),
            date!(2008 - 12 - 31),
            date!(0999 - 02 - 09),
        ] {
            assert_eq!(iso_into(d, &mut buf), Some(iso_date(d).as_str()));
        }
        assert_eq!(iso_into(date!(-0001 - 01 - 01), &mut buf), None);
    }
}
