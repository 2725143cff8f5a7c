//! The paper fallback's hand counts on SQLite (issue 18 §1).

use crate::chain::append_audit;
use crate::db::{db_err, Sqlite};
use crate::sql::all;
use async_trait::async_trait;
use domain::results::paper::{self, HandCount};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use store::hand_counts::{
    declared, entered, figure, gather, resolved, votes_from_text, votes_text, CouncilHandCount,
    PaperStation, RESOLUTION,
};
use store::{Actor, Entity, HandCountStore, StoreError, StoreResult};

type Row = (i64, HandCount, Option<String>, String, time::OffsetDateTime);

/// A row as read: kind, council, figures (ballots, blank, unused choices), votes' text, reason,
/// who, when.
type KeptRow = (i64, String, [i64; 3], String, Option<String>, String, i64);

/// The kept hand counts of a station (of one council when `council` is given), in council and
/// kind order.
fn counts(
    conn: &Connection,
    election: &str,
    station: &str,
    council: Option<&str>,
) -> StoreResult<Vec<CouncilHandCount>> {
    let rows: Vec<KeptRow> = all(
        &mut *conn
            .prepare_cached(
                "SELECT kind, council_code, ballots, blank, unused_choices, votes, reason,
                        entered_by, entered_at_us
                 FROM hand_counts
                 WHERE election_code = ?1 AND station_code = ?2
                   AND (?3 IS NULL OR council_code = ?3)
                 ORDER BY council_code, kind",
            )
            .map_err(db_err)?,
        params![election, station, council],
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                [r.get(2)?, r.get(3)?, r.get(4)?],
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
            ))
        },
    )?;
    let mut kept: Vec<Row> = Vec::with_capacity(rows.len());
    for (kind, council, [ballots, blank, unused], votes, reason, by, at) in rows {
        kept.push((
            kind,
            HandCount {
                council,
                ballots: figure(ballots),
                blank: figure(blank),
                unused_choices: figure(unused),
                votes: votes_from_text(&votes)?,
            },
            reason,
            by,
            domain::clock::from_micros(at),
        ));
    }
    Ok(gather(kept))
}

/// The station's declaration, if any (`NotFound { Station }` for an unknown station).
fn declaration(
    conn: &Connection,
    election: &str,
    station: &str,
) -> StoreResult<Option<PaperStation>> {
    let known: bool = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM stations WHERE code = ?1)")
        .map_err(db_err)?
        .query_row([station], |r| r.get(0))
        .map_err(db_err)?;
    if !known {
        return Err(StoreError::not_found(Entity::Station));
    }
    let found = conn
        .prepare_cached(
            "SELECT reason, declared_by, declared_at_us FROM paper_stations
             WHERE election_code = ?1 AND station_code = ?2",
        )
        .map_err(db_err)?
        .query_row([election, station], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })
        .optional()
        .map_err(db_err)?;
    Ok(found.map(|(reason, by, at)| PaperStation {
        station: station.to_owned(),
        reason,
        by,
        at: domain::clock::from_micros(at),
        councils: Vec::new(),
    }))
}

fn declare(
    tx: &Transaction<'_>,
    election: &str,
    station: &str,
    reason: &str,
    by: &Actor,
) -> StoreResult<PaperStation> {
    let reason = paper::check_declaration(declaration(tx, election, station)?.is_some(), reason)?;
    tx.prepare_cached(
        "INSERT INTO paper_stations (election_code, station_code, reason, declared_by,
             declared_at_us) VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .map_err(db_err)?
    .execute(params![election, station, reason, by.username, by.at_us()])
    .map_err(db_err)?;
    let made = PaperStation {
        station: station.to_owned(),
        reason,
        by: by.username.clone(),
        at: by.at,
        councils: Vec::new(),
    };
    append_audit(tx, by, &declared(election, &made))?;
    Ok(made)
}

fn insert(
    tx: &Transaction<'_>,
    (election, station): (&str, &str),
    count: &HandCount,
    (kind, reason): (i64, Option<&str>),
    by: &Actor,
) -> StoreResult<()> {
    let figure = |n: u64| i64::try_from(n).map_err(|_| paper::PaperRefusal::FigureTooLarge);
    tx.prepare_cached(
        "INSERT INTO hand_counts (election_code, station_code, council_code, kind, ballots, blank,
             unused_choices, votes, reason, entered_by, entered_at_us)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )
    .map_err(db_err)?
    .execute(params![
        election,
        station,
        count.council,
        kind,
        figure(count.ballots)?,
        figure(count.blank)?,
        figure(count.unused_choices)?,
        votes_text(count),
        reason,
        by.username,
        by.at_us()
    ])
    .map_err(db_err)?;
    Ok(())
}

/// The council's kept counts at a declared station (`NotPaper` when not declared).
fn council_counts(
    tx: &Transaction<'_>,
    election: &str,
    station: &str,
    council: &str,
) -> StoreResult<CouncilHandCount> {
    if declaration(tx, election, station)?.is_none() {
        return Err(paper::PaperRefusal::NotPaper.into());
    }
    Ok(counts(tx, election, station, Some(council))?
        .pop()
        .unwrap_or_else(|| CouncilHandCount {
            council: council.to_owned(),
            entries: Vec::new(),
            resolution: None,
        }))
}

fn enter(
    tx: &Transaction<'_>,
    election: &str,
    station: &str,
    count: &HandCount,
    by: &Actor,
) -> StoreResult<CouncilHandCount> {
    let before = council_counts(tx, election, station, &count.council)?;
    let officials: Vec<&str> = before.entries.iter().map(|e| e.by.as_str()).collect();
    paper::check_entry(&officials, &by.username)?;
    let kind = i64::try_from(officials.len()).unwrap_or(0) + 1;
    insert(tx, (election, station), count, (kind, None), by)?;
    append_audit(tx, by, &entered(election, station, count, kind))?;
    council_counts(tx, election, station, &count.council)
}

fn resolve(
    tx: &Transaction<'_>,
    (election, station): (&str, &str),
    count: &HandCount,
    reason: &str,
    by: &Actor,
) -> StoreResult<CouncilHandCount> {
    let before = council_counts(tx, election, station, &count.council)?;
    let entries: Vec<HandCount> = before.entries.iter().map(|e| e.count.clone()).collect();
    let reason = paper::check_resolution(&entries, before.resolution.is_some(), reason)?;
    insert(
        tx,
        (election, station),
        count,
        (RESOLUTION, Some(&reason)),
        by,
    )?;
    append_audit(tx, by, &resolved(election, station, count, &reason))?;
    council_counts(tx, election, station, &count.council)
}

fn list(conn: &Connection, election: &str) -> StoreResult<Vec<PaperStation>> {
    let declared: Vec<(String, String, String, i64)> = all(
        &mut *conn
            .prepare_cached(
                "SELECT station_code, reason, declared_by, declared_at_us FROM paper_stations
                 WHERE election_code = ?1 ORDER BY station_code",
            )
            .map_err(db_err)?,
        [election],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    declared
        .into_iter()
        .map(|(station, reason, by, at)| {
            Ok(PaperStation {
                councils: counts(conn, election, &station, None)?,
                station,
                reason,
                by,
                at: domain::clock::from_micros(at),
            })
        })
        .collect()
}

#[async_trait]
impl HandCountStore for Sqlite {
    #[tracing::instrument(skip_all)]
    async fn declare_paper(
        &self,
        election: &str,
        station: &str,
        reason: &str,
        by: &Actor,
    ) -> StoreResult<PaperStation> {
        let (election, station, reason, by) = (
            election.to_owned(),
            station.to_owned(),
            reason.to_owned(),
            by.clone(),
        );
        self.write(move |tx| declare(tx, &election, &station, &reason, &by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn enter_hand_count(
        &self,
        election: &str,
        station: &str,
        count: &HandCount,
        by: &Actor,
    ) -> StoreResult<CouncilHandCount> {
        let (election, station, count, by) = (
            election.to_owned(),
            station.to_owned(),
            count.clone(),
            by.clone(),
        );
        self.write(move |tx| enter(tx, &election, &station, &count, &by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn resolve_hand_count(
        &self,
        election: &str,
        station: &str,
        count: &HandCount,
        reason: &str,
        by: &Actor,
    ) -> StoreResult<CouncilHandCount> {
        let (election, station, count, reason, by) = (
            election.to_owned(),
            station.to_owned(),
            count.clone(),
            reason.to_owned(),
            by.clone(),
        );
        self.write(move |tx| resolve(tx, (&election, &station), &count, &reason, &by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn paper_stations(&self, election: &str) -> StoreResult<Vec<PaperStation>> {
        let election = election.to_owned();
        self.read(move |conn| list(conn, &election)).await
    }
}
