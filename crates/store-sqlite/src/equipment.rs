//! Equipment tests on SQLite (`store::equipment`): runs, their test ballots and the county's
//! overrides, each change one transaction with its audit record. Test ballots are written
//! to `equipment_test_ballots` only.

use crate::chain::append_audit;
use crate::db::{db_err, Sqlite};
use crate::facts::equipment_standing;
use crate::sql::all;
use async_trait::async_trait;
use domain::station_day::DayState;
use domain::test_deck::{EquipmentStanding, TestDeck, TestOverride, TestRun};
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};
use std::collections::BTreeMap;
use store::equipment::{
    casting_sealed, finishing, overriding, standings_from, starting, test_ballot_cast,
    test_finished, test_overridden, test_started, RunRow, SealedCount, SealedTestBallot,
    StandingRow, StationEquipment,
};
use store::{Actor, Entity, EquipmentStore, StoreError, StoreResult};

const RUN_COLUMNS: &str = "id, station_code, decks, started_at_us, started_by, outcome, \
     finished_at_us, finished_by, differences";

fn run_row(r: &Row<'_>) -> rusqlite::Result<RunRow> {
    Ok(RunRow {
        id: r.get(0)?,
        station: r.get(1)?,
        decks: r.get(2)?,
        started_at_us: r.get(3)?,
        started_by: r.get(4)?,
        outcome: r.get(5)?,
        finished_at_us: r.get(6)?,
        finished_by: r.get(7)?,
        differences: r.get(8)?,
    })
}

/// Test ballots per council of a run.
fn cast_of(conn: &Connection, run: i64) -> StoreResult<BTreeMap<String, u64>> {
    let rows: Vec<(String, i64)> = all(
        &mut *conn
            .prepare_cached(
                "SELECT council_code, count(*) FROM equipment_test_ballots WHERE run_id = ?1 \
                 GROUP BY council_code",
            )
            .map_err(db_err)?,
        [run],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(rows
        .into_iter()
        .map(|(c, n)| (c, u64::try_from(n).unwrap_or(0)))
        .collect())
}

fn runs(conn: &Connection, election: &str, station: &str) -> StoreResult<Vec<TestRun>> {
    let rows = all(
        &mut *conn
            .prepare_cached(&format!(
                "SELECT {RUN_COLUMNS} FROM equipment_test_runs \
                 WHERE election_code = ?1 AND station_code = ?2 ORDER BY id DESC"
            ))
            .map_err(db_err)?,
        params![election, station],
        run_row,
    )?;
    rows.into_iter()
        .map(|row| {
            let cast = cast_of(conn, row.id)?;
            row.read(cast)
        })
        .collect()
}

fn running(conn: &Connection, election: &str, station: &str) -> StoreResult<Option<TestRun>> {
    let row = conn
        .prepare_cached(&format!(
            "SELECT {RUN_COLUMNS} FROM equipment_test_runs \
             WHERE election_code = ?1 AND station_code = ?2 AND outcome = 'running'"
        ))
        .map_err(db_err)?
        .query_row(params![election, station], run_row)
        .optional()
        .map_err(db_err)?;
    row.map(|row| {
        let cast = cast_of(conn, row.id)?;
        row.read(cast)
    })
    .transpose()
}

fn the_override(
    conn: &Connection,
    election: &str,
    station: &str,
) -> StoreResult<Option<TestOverride>> {
    conn.prepare_cached(
        "SELECT reason, by_user, at_us FROM equipment_test_overrides \
         WHERE election_code = ?1 AND station_code = ?2",
    )
    .map_err(db_err)?
    .query_row(params![election, station], |r| {
        Ok(TestOverride {
            reason: r.get(0)?,
            by: r.get(1)?,
            at: domain::clock::from_micros(r.get(2)?),
        })
    })
    .optional()
    .map_err(db_err)
}

/// The station's day state, `NotFound { Station }` for a station not in the election.
fn day_state(conn: &Connection, election: &str, station: &str) -> StoreResult<DayState> {
    let known: bool = conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM stations WHERE code = ?1 AND election_code = ?2 \
             AND closed = 0)",
        )
        .map_err(db_err)?
        .query_row(params![station, election], |r| r.get(0))
        .map_err(db_err)?;
    if !known {
        return Err(StoreError::not_found(Entity::Station));
    }
    let state: Option<String> = conn
        .prepare_cached(
            "SELECT state FROM station_days WHERE election_code = ?1 AND station_code = ?2",
        )
        .map_err(db_err)?
        .query_row(params![election, station], |r| r.get(0))
        .optional()
        .map_err(db_err)?;
    match state {
        None => Ok(DayState::NotOpened),
        Some(s) => DayState::parse(&s)
            .ok_or_else(|| StoreError::Corrupt(format!("station {station}'s day state {s:?}"))),
    }
}

fn start(
    tx: &Transaction<'_>,
    election: &str,
    station: &str,
    decks: &[TestDeck],
    by: &Actor,
) -> StoreResult<TestRun> {
    let state = day_state(tx, election, station)?;
    let stored = starting(state, running(tx, election, station)?.as_ref(), decks)?;
    tx.prepare_cached(
        "INSERT INTO equipment_test_runs (election_code, station_code, decks, started_at_us,
             started_by, outcome) VALUES (?1, ?2, ?3, ?4, ?5, 'running')",
    )
    .map_err(db_err)?
    .execute(params![election, station, stored, by.at_us(), by.username])
    .map_err(db_err)?;
    let run = running(tx, election, station)?
        .ok_or_else(|| StoreError::database("the run just started is missing"))?;
    append_audit(tx, by, &test_started(&run))?;
    Ok(run)
}

/// The next test ballot's place in its run.
fn next_seq(run: &TestRun) -> i64 {
    run.cast
        .values()
        .sum::<u64>()
        .try_into()
        .unwrap_or(i64::MAX)
}

fn cast_sealed(
    tx: &Transaction<'_>,
    ballot: &SealedTestBallot,
    by: &Actor,
) -> StoreResult<TestRun> {
    let state = day_state(tx, &ballot.election_code, &ballot.station)?;
    let current = running(tx, &ballot.election_code, &ballot.station)?;
    let kiosk: Option<(Option<String>, Option<i64>)> = tx
        .prepare_cached(
            "SELECT activation_id, activation_test_run FROM kiosks
             WHERE kiosk_id = ?1 AND station_code = ?2 AND retired_at_us IS NULL",
        )
        .map_err(db_err)?
        .query_row([&ballot.kiosk_id, &ballot.station], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()
        .map_err(db_err)?;
    let run = casting_sealed(state, current.as_ref(), ballot, kiosk)?;
    tx.prepare_cached(
        "INSERT INTO equipment_test_ballots (run_id, seq, council_code, sealed, kiosk_id)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .map_err(db_err)?
    .execute(params![
        run.id,
        next_seq(run),
        ballot.council,
        ballot.sealed,
        ballot.kiosk_id
    ])
    .map_err(db_err)?;
    tx.prepare_cached(&format!(
        "UPDATE kiosks SET {} WHERE kiosk_id = ?1",
        crate::sql::NO_ACTIVATION
    ))
    .map_err(db_err)?
    .execute([&ballot.kiosk_id])
    .map_err(db_err)?;
    let mut after = run.clone();
    *after.cast.entry(ballot.council.clone()).or_default() += 1;
    append_audit(
        tx,
        by,
        &test_ballot_cast(&after, &ballot.council, Some(&ballot.kiosk_id)),
    )?;
    Ok(after)
}

fn sealed_of(conn: &Connection, run: i64) -> StoreResult<Vec<(String, String)>> {
    all(
        &mut *conn
            .prepare_cached(
                "SELECT council_code, sealed FROM equipment_test_ballots \
                 WHERE run_id = ?1 AND sealed IS NOT NULL ORDER BY seq",
            )
            .map_err(db_err)?,
        [run],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
}

fn finish(
    tx: &Transaction<'_>,
    election: &str,
    station: &str,
    sealed: &SealedCount,
    by: &Actor,
) -> StoreResult<TestRun> {
    day_state(tx, election, station)?;
    let current = running(tx, election, station)?;
    let (ballots, sealed_rows): (Vec<(String, String)>, i64) = match &current {
        Some(run) => (
            all(
                &mut *tx
                    .prepare_cached(
                        "SELECT council_code, choices FROM equipment_test_ballots \
                         WHERE run_id = ?1 AND choices IS NOT NULL ORDER BY seq",
                    )
                    .map_err(db_err)?,
                [run.id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?,
            tx.prepare_cached(
                "SELECT count(*) FROM equipment_test_ballots WHERE run_id = ?1 \
                 AND sealed IS NOT NULL",
            )
            .map_err(db_err)?
            .query_row([run.id], |r| r.get(0))
            .map_err(db_err)?,
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
    tx.prepare_cached(
        "UPDATE equipment_test_runs SET outcome = ?1, finished_at_us = ?2, finished_by = ?3,
             differences = ?4 WHERE id = ?5",
    )
    .map_err(db_err)?
    .execute(params![
        outcome.as_str(),
        by.at_us(),
        by.username,
        stored,
        id
    ])
    .map_err(db_err)?;
    let run = runs(tx, election, station)?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| StoreError::database("the run just finished is missing"))?;
    append_audit(tx, by, &test_finished(&run))?;
    Ok(run)
}

fn record_override(
    tx: &Transaction<'_>,
    election: &str,
    station: &str,
    reason: &str,
    by: &Actor,
) -> StoreResult<TestOverride> {
    let state = day_state(tx, election, station)?;
    let reason = overriding(state, equipment_standing(tx, election, station)?, reason)?;
    tx.prepare_cached(
        "INSERT INTO equipment_test_overrides (election_code, station_code, reason, by_user, at_us)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (election_code, station_code) DO UPDATE SET reason = excluded.reason,
             by_user = excluded.by_user, at_us = excluded.at_us",
    )
    .map_err(db_err)?
    .execute(params![election, station, reason, by.username, by.at_us()])
    .map_err(db_err)?;
    append_audit(tx, by, &test_overridden(station, &reason))?;
    Ok(TestOverride {
        reason,
        by: by.username.clone(),
        at: by.at,
    })
}

fn station_equipment(
    conn: &Connection,
    election: &str,
    station: &str,
) -> StoreResult<StationEquipment> {
    day_state(conn, election, station)?;
    Ok(StationEquipment {
        station: station.to_owned(),
        standing: equipment_standing(conn, election, station)?,
        runs: runs(conn, election, station)?,
        overridden: the_override(conn, election, station)?,
    })
}

fn standings(
    conn: &Connection,
    election: &str,
    county: Option<&str>,
) -> StoreResult<BTreeMap<String, EquipmentStanding>> {
    let rows: Vec<StandingRow> = all(
        &mut *conn
            .prepare_cached(
                "SELECT s.code, r.outcome, r.finished_at_us, o.at_us FROM stations s
                 LEFT JOIN equipment_test_runs r ON r.id = (
                     SELECT max(id) FROM equipment_test_runs
                     WHERE election_code = s.election_code AND station_code = s.code)
                 LEFT JOIN equipment_test_overrides o
                     ON o.election_code = s.election_code AND o.station_code = s.code
                 WHERE s.election_code = ?1 AND s.closed = 0
                     AND (?2 IS NULL OR s.county_code = ?2)
                 ORDER BY s.code",
            )
            .map_err(db_err)?,
        params![election, county],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    standings_from(rows)
}

/// The demo's runs, finished as they were, with their test ballots.
pub(crate) fn write_demo(
    tx: &Transaction<'_>,
    election: &str,
    runs: &[domain::test_deck::DemoRun],
) -> StoreResult<()> {
    let mut insert_run = tx
        .prepare_cached(
            "INSERT INTO equipment_test_runs (election_code, station_code, decks, started_at_us,
                 started_by, outcome, finished_at_us, finished_by, differences)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?5, ?8)",
        )
        .map_err(db_err)?;
    let mut insert_ballot = tx
        .prepare_cached(
            "INSERT INTO equipment_test_ballots (run_id, seq, council_code, choices)
             VALUES (?1, ?2, ?3, ?4)",
        )
        .map_err(db_err)?;
    for run in runs {
        let stored = store::equipment::demo_stored(run)?;
        insert_run
            .execute(params![
                election,
                run.station,
                stored.decks,
                domain::clock::to_micros(run.started_at),
                run.by,
                run.outcome.as_str(),
                domain::clock::to_micros(run.finished_at),
                stored.differences,
            ])
            .map_err(db_err)?;
        let id = tx.last_insert_rowid();
        for (seq, (council, choices)) in stored.ballots.iter().enumerate() {
            insert_ballot
                .execute(params![id, seq as i64, council, choices])
                .map_err(db_err)?;
        }
    }
    Ok(())
}

#[async_trait]
impl EquipmentStore for Sqlite {
    #[tracing::instrument(skip_all)]
    async fn start_equipment_test(
        &self,
        election_code: &str,
        station: &str,
        decks: &[TestDeck],
        by: &Actor,
    ) -> StoreResult<TestRun> {
        let (election, station, decks, by) = (
            election_code.to_owned(),
            station.to_owned(),
            decks.to_vec(),
            by.clone(),
        );
        self.write(move |tx| start(tx, &election, &station, &decks, &by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn cast_sealed_test_ballot(
        &self,
        ballot: &SealedTestBallot,
        by: &Actor,
    ) -> StoreResult<TestRun> {
        let (ballot, by) = (ballot.clone(), by.clone());
        self.write(move |tx| cast_sealed(tx, &ballot, &by)).await
    }

    #[tracing::instrument(skip_all)]
    async fn sealed_test_ballots(&self, run: i64) -> StoreResult<Vec<(String, String)>> {
        self.read(move |conn| sealed_of(conn, run)).await
    }

    #[tracing::instrument(skip_all)]
    async fn finish_equipment_test(
        &self,
        election_code: &str,
        station: &str,
        sealed: &SealedCount,
        by: &Actor,
    ) -> StoreResult<TestRun> {
        let (election, station, sealed, by) = (
            election_code.to_owned(),
            station.to_owned(),
            sealed.clone(),
            by.clone(),
        );
        self.write(move |tx| finish(tx, &election, &station, &sealed, &by))
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
        let (election, station, reason, by) = (
            election_code.to_owned(),
            station.to_owned(),
            reason.to_owned(),
            by.clone(),
        );
        self.write(move |tx| record_override(tx, &election, &station, &reason, &by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn station_equipment(
        &self,
        election_code: &str,
        station: &str,
    ) -> StoreResult<StationEquipment> {
        let (election, station) = (election_code.to_owned(), station.to_owned());
        self.read(move |conn| station_equipment(conn, &election, &station))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn equipment_standings(
        &self,
        election_code: &str,
        county: Option<&str>,
    ) -> StoreResult<BTreeMap<String, EquipmentStanding>> {
        let (election, county) = (election_code.to_owned(), county.map(str::to_owned));
        self.read(move |conn| standings(conn, &election, county.as_deref()))
            .await
    }
}
