//! Equipment tests on PostgreSQL (`store::equipment`): runs, their test ballots and the
//! county's overrides, each change one transaction with its audit record. Every change locks
//! the station's day row first (as an opening does), so a test ballot and an opening of the
//! same station queue and each decides on what the other left. Test ballots are written to
//! `equipment_test_ballots` only.

use crate::chain::append_audit;
use crate::db::{db, not_found, retry, settle, Attempt, Postgres, Unique};
use crate::facts::{equipment_standing, locked_day, polls_of};
use async_trait::async_trait;
use domain::station_day::DayState;
use domain::test_deck::{EquipmentStanding, TestDeck, TestOverride, TestRun};
use sqlx::postgres::{PgConnection, PgRow};
use sqlx::Row;
use std::collections::BTreeMap;
use store::equipment::{
    casting_sealed, demo_stored, finishing, overriding, standings_from, starting, test_ballot_cast,
    test_finished, test_overridden, test_started, RunRow, SealedCount, SealedTestBallot,
    StandingRow, StationEquipment,
};
use store::{Actor, Entity, EquipmentStore, StoreError, StoreResult};

const RUN_COLUMNS: &str = "id, station_code, decks, started_at_us, started_by, outcome, \
     finished_at_us, finished_by, differences";

fn run_row(r: &PgRow) -> Attempt<RunRow> {
    Ok(RunRow {
        id: r.try_get(0)?,
        station: r.try_get(1)?,
        decks: r.try_get(2)?,
        started_at_us: r.try_get(3)?,
        started_by: r.try_get(4)?,
        outcome: r.try_get(5)?,
        finished_at_us: r.try_get(6)?,
        finished_by: r.try_get(7)?,
        differences: r.try_get(8)?,
    })
}

/// The next test ballot's place in its run.
fn next_seq(run: &TestRun) -> i64 {
    run.cast
        .values()
        .sum::<u64>()
        .try_into()
        .unwrap_or(i64::MAX)
}

/// Test ballots per council of a run.
async fn cast_of(conn: &mut PgConnection, run: i64) -> Attempt<BTreeMap<String, u64>> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT council_code, count(*) FROM equipment_test_ballots WHERE run_id = $1 \
         GROUP BY council_code",
    )
    .bind(run)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(c, n)| (c, u64::try_from(n).unwrap_or(0)))
        .collect())
}

async fn read_runs(conn: &mut PgConnection, rows: Vec<PgRow>) -> Attempt<Vec<TestRun>> {
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let row = run_row(r)?;
        let cast = cast_of(conn, row.id).await?;
        out.push(row.read(cast)?);
    }
    Ok(out)
}

async fn runs(conn: &mut PgConnection, election: &str, station: &str) -> Attempt<Vec<TestRun>> {
    let rows = sqlx::query(&format!(
        "SELECT {RUN_COLUMNS} FROM equipment_test_runs \
         WHERE election_code = $1 AND station_code = $2 ORDER BY id DESC"
    ))
    .bind(election)
    .bind(station)
    .fetch_all(&mut *conn)
    .await?;
    read_runs(conn, rows).await
}

async fn running(
    conn: &mut PgConnection,
    election: &str,
    station: &str,
) -> Attempt<Option<TestRun>> {
    let rows = sqlx::query(&format!(
        "SELECT {RUN_COLUMNS} FROM equipment_test_runs \
         WHERE election_code = $1 AND station_code = $2 AND outcome = 'running'"
    ))
    .bind(election)
    .bind(station)
    .fetch_all(&mut *conn)
    .await?;
    Ok(read_runs(conn, rows).await?.into_iter().next())
}

async fn the_override(
    conn: &mut PgConnection,
    election: &str,
    station: &str,
) -> Attempt<Option<TestOverride>> {
    let row: Option<(String, String, i64)> = sqlx::query_as(
        "SELECT reason, by_user, at_us FROM equipment_test_overrides \
         WHERE election_code = $1 AND station_code = $2",
    )
    .bind(election)
    .bind(station)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|(reason, by, at)| TestOverride {
        reason,
        by,
        at: domain::clock::from_micros(at),
    }))
}

async fn known(conn: &mut PgConnection, election: &str, station: &str) -> Attempt<()> {
    let known: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM stations WHERE code = $1 AND election_code = $2 \
         AND NOT closed)",
    )
    .bind(station)
    .bind(election)
    .fetch_one(&mut *conn)
    .await?;
    if !known {
        return Err(not_found(Entity::Station));
    }
    Ok(())
}

/// The station's day state, its day row locked: `NotFound { Station }` for a station not in
/// the election.
async fn locked_state(conn: &mut PgConnection, election: &str, station: &str) -> Attempt<DayState> {
    known(conn, election, station).await?;
    let (_, close) = polls_of(conn, election).await?;
    Ok(locked_day(conn, election, station, close).await?.state)
}

/// The demo's runs, finished as they were, with their test ballots.
pub(crate) async fn write_demo(
    conn: &mut PgConnection,
    election: &str,
    runs: &[domain::test_deck::DemoRun],
) -> Attempt<()> {
    for run in runs {
        let stored = demo_stored(run)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO equipment_test_runs (election_code, station_code, decks, started_at_us,
                 started_by, outcome, finished_at_us, finished_by, differences)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $5, $8) RETURNING id",
        )
        .bind(election)
        .bind(&run.station)
        .bind(&stored.decks)
        .bind(domain::clock::to_micros(run.started_at))
        .bind(&run.by)
        .bind(run.outcome.as_str())
        .bind(domain::clock::to_micros(run.finished_at))
        .bind(&stored.differences)
        .fetch_one(&mut *conn)
        .await?;
        let (councils, choices): (Vec<String>, Vec<String>) = stored.ballots.into_iter().unzip();
        let seqs: Vec<i64> = (0..councils.len() as i64).collect();
        sqlx::query(
            "INSERT INTO equipment_test_ballots (run_id, seq, council_code, choices)
             SELECT $1, s, c, b FROM unnest($2::bigint[], $3::text[], $4::text[]) AS u(s, c, b)",
        )
        .bind(id)
        .bind(&seqs)
        .bind(&councils)
        .bind(&choices)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

impl Postgres {
    async fn try_start(
        &self,
        election: &str,
        station: &str,
        decks: &[TestDeck],
        by: &Actor,
    ) -> Attempt<TestRun> {
        let mut tx = self.pool.begin().await?;
        let state = locked_state(&mut tx, election, station).await?;
        let stored = starting(
            state,
            running(&mut tx, election, station).await?.as_ref(),
            decks,
        )?;
        sqlx::query(
            "INSERT INTO equipment_test_runs (election_code, station_code, decks, started_at_us,
                 started_by, outcome) VALUES ($1, $2, $3, $4, $5, 'running')",
        )
        .bind(election)
        .bind(station)
        .bind(&stored)
        .bind(by.at_us())
        .bind(&by.username)
        .execute(&mut *tx)
        .await?;
        let run = running(&mut tx, election, station)
            .await?
            .ok_or_else(|| StoreError::database("the run just started is missing"))?;
        append_audit(&mut tx, by, &test_started(&run)).await?;
        tx.commit().await?;
        Ok(run)
    }

    async fn try_cast_sealed(&self, ballot: &SealedTestBallot, by: &Actor) -> Attempt<TestRun> {
        let mut tx = self.pool.begin().await?;
        let state = locked_state(&mut tx, &ballot.election_code, &ballot.station).await?;
        let current = running(&mut tx, &ballot.election_code, &ballot.station).await?;
        let kiosk: Option<(Option<String>, Option<i64>)> = sqlx::query_as(
            "SELECT activation_id, activation_test_run FROM kiosks \
             WHERE kiosk_id = $1 AND station_code = $2 AND retired_at_us IS NULL FOR UPDATE",
        )
        .bind(&ballot.kiosk_id)
        .bind(&ballot.station)
        .fetch_optional(&mut *tx)
        .await?;
        let run = casting_sealed(state, current.as_ref(), ballot, kiosk)?;
        sqlx::query(
            "INSERT INTO equipment_test_ballots (run_id, seq, council_code, sealed, kiosk_id) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(run.id)
        .bind(next_seq(run))
        .bind(&ballot.council)
        .bind(&ballot.sealed)
        .bind(&ballot.kiosk_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(&format!(
            "UPDATE kiosks SET {} WHERE kiosk_id = $1",
            crate::sql::NO_ACTIVATION
        ))
        .bind(&ballot.kiosk_id)
        .execute(&mut *tx)
        .await?;
        let mut after = run.clone();
        *after.cast.entry(ballot.council.clone()).or_default() += 1;
        append_audit(
            &mut tx,
            by,
            &test_ballot_cast(&after, &ballot.council, Some(&ballot.kiosk_id)),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    async fn try_finish(
        &self,
        election: &str,
        station: &str,
        sealed: &SealedCount,
        by: &Actor,
    ) -> Attempt<TestRun> {
        let mut tx = self.pool.begin().await?;
        locked_state(&mut tx, election, station).await?;
        let current = running(&mut tx, election, station).await?;
        let (ballots, sealed_rows): (Vec<(String, String)>, i64) = match &current {
            Some(run) => (
                sqlx::query_as(
                    "SELECT council_code, choices FROM equipment_test_ballots \
                     WHERE run_id = $1 AND choices IS NOT NULL ORDER BY seq",
                )
                .bind(run.id)
                .fetch_all(&mut *tx)
                .await?,
                sqlx::query_scalar(
                    "SELECT count(*) FROM equipment_test_ballots \
                     WHERE run_id = $1 AND sealed IS NOT NULL",
                )
                .bind(run.id)
                .fetch_one(&mut *tx)
                .await?,
            ),
            None => (Vec::new(), 0),
        };
        let (id, outcome, differences) = finishing(
            current.as_ref(),
            &ballots,
            u64::try_from(sealed_rows).unwrap_or(0),
            sealed,
        )?;
        let stored =
            serde_json::to_string(&differences).map_err(|e| StoreError::database(e.to_string()))?;
        sqlx::query(
            "UPDATE equipment_test_runs SET outcome = $1, finished_at_us = $2, finished_by = $3,
                 differences = $4 WHERE id = $5",
        )
        .bind(outcome.as_str())
        .bind(by.at_us())
        .bind(&by.username)
        .bind(&stored)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let run = runs(&mut tx, election, station)
            .await?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or_else(|| StoreError::database("the run just finished is missing"))?;
        append_audit(&mut tx, by, &test_finished(&run)).await?;
        tx.commit().await?;
        Ok(run)
    }

    async fn try_override(
        &self,
        election: &str,
        station: &str,
        reason: &str,
        by: &Actor,
    ) -> Attempt<TestOverride> {
        let mut tx = self.pool.begin().await?;
        let state = locked_state(&mut tx, election, station).await?;
        let current = equipment_standing(&mut tx, election, station).await?;
        let reason = overriding(state, current, reason)?;
        sqlx::query(
            "INSERT INTO equipment_test_overrides (election_code, station_code, reason, by_user,
                 at_us) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (election_code, station_code) DO UPDATE SET reason = excluded.reason,
                 by_user = excluded.by_user, at_us = excluded.at_us",
        )
        .bind(election)
        .bind(station)
        .bind(&reason)
        .bind(&by.username)
        .bind(by.at_us())
        .execute(&mut *tx)
        .await?;
        append_audit(&mut tx, by, &test_overridden(station, &reason)).await?;
        tx.commit().await?;
        Ok(TestOverride {
            reason,
            by: by.username.clone(),
            at: by.at,
        })
    }

    async fn read_station(&self, election: &str, station: &str) -> StoreResult<StationEquipment> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let read = async {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(&mut *tx)
                .await?;
            known(&mut tx, election, station).await?;
            Ok(StationEquipment {
                station: station.to_owned(),
                standing: equipment_standing(&mut tx, election, station).await?,
                runs: runs(&mut tx, election, station).await?,
                overridden: the_override(&mut tx, election, station).await?,
            })
        };
        let out = read.await.map_err(settle)?;
        tx.rollback().await.map_err(db)?;
        Ok(out)
    }

    async fn read_standings(
        &self,
        election: &str,
        county: Option<&str>,
    ) -> StoreResult<BTreeMap<String, EquipmentStanding>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        let rows: Vec<StandingRow> = sqlx::query_as(
            "SELECT s.code, r.outcome, r.finished_at_us, o.at_us FROM stations s
             LEFT JOIN equipment_test_runs r ON r.id = (
                 SELECT max(id) FROM equipment_test_runs
                 WHERE election_code = s.election_code AND station_code = s.code)
             LEFT JOIN equipment_test_overrides o
                 ON o.election_code = s.election_code AND o.station_code = s.code
             WHERE s.election_code = $1 AND NOT s.closed
                 AND ($2::text IS NULL OR s.county_code = $2)
             ORDER BY s.code",
        )
        .bind(election)
        .bind(county)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        standings_from(rows)
    }
}

#[async_trait]
impl EquipmentStore for Postgres {
    #[tracing::instrument(skip_all)]
    async fn start_equipment_test(
        &self,
        election_code: &str,
        station: &str,
        decks: &[TestDeck],
        by: &Actor,
    ) -> StoreResult<TestRun> {
        retry(Unique::Fail, || {
            self.try_start(election_code, station, decks, by)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn cast_sealed_test_ballot(
        &self,
        ballot: &SealedTestBallot,
        by: &Actor,
    ) -> StoreResult<TestRun> {
        retry(Unique::Fail, || self.try_cast_sealed(ballot, by)).await
    }

    #[tracing::instrument(skip_all)]
    async fn sealed_test_ballots(&self, run: i64) -> StoreResult<Vec<(String, String)>> {
        sqlx::query_as(
            "SELECT council_code, sealed FROM equipment_test_ballots \
             WHERE run_id = $1 AND sealed IS NOT NULL ORDER BY seq",
        )
        .bind(run)
        .fetch_all(&self.pool)
        .await
        .map_err(db)
    }

    #[tracing::instrument(skip_all)]
    async fn finish_equipment_test(
        &self,
        election_code: &str,
        station: &str,
        sealed: &SealedCount,
        by: &Actor,
    ) -> StoreResult<TestRun> {
        retry(Unique::Fail, || {
            self.try_finish(election_code, station, sealed, by)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn override_equipment_test(
        &self,
        election_code: &str,
        station: &str,
        reason: &str,
        by: &Actor,
    ) -> StoreResult<TestOverride> {
        retry(Unique::Fail, || {
            self.try_override(election_code, station, reason, by)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn station_equipment(
        &self,
        election_code: &str,
        station: &str,
    ) -> StoreResult<StationEquipment> {
        self.read_station(election_code, station).await
    }

    #[tracing::instrument(skip_all)]
    async fn equipment_standings(
        &self,
        election_code: &str,
        county: Option<&str>,
    ) -> StoreResult<BTreeMap<String, EquipmentStanding>> {
        self.read_standings(election_code, county).await
    }
}
