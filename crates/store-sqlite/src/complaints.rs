//! Complaints about a council's result, on SQLite (issue 18 §5).

use crate::chain::append_audit;
use crate::db::{db_err, Sqlite};
use crate::sql::all;
use async_trait::async_trait;
use domain::results::complaints::{self, Hearing, Outcome};
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};
use store::complaints::{decided, filed, heard, objected, Complaint, NewComplaint, Ruling};
use store::{Actor, ComplaintStore, Entity, StoreError, StoreResult};
use time::Duration;

const COLUMNS: &str = "id, council_code, station_code, candidate_code, complaint, filed_at_us,
    outcome, decision_reason, decided_by, decided_at_us, objection, objected_at_us,
    hearing, hearing_reason, heard_by, heard_at_us";

/// A row as read; its outcome and hearing still text.
struct Read {
    complaint: Complaint,
    outcome: Option<(String, String, String, i64)>,
    hearing: Option<(String, String, String, i64)>,
}

fn read_row(r: &Row<'_>) -> rusqlite::Result<Read> {
    let ruling = |i: usize| -> rusqlite::Result<Option<(String, String, String, i64)>> {
        Ok(
            match (
                r.get::<_, Option<String>>(i)?,
                r.get::<_, Option<i64>>(i + 3)?,
            ) {
                (Some(what), Some(at)) => Some((
                    what,
                    r.get::<_, Option<String>>(i + 1)?.unwrap_or_default(),
                    r.get::<_, Option<String>>(i + 2)?.unwrap_or_default(),
                    at,
                )),
                _ => None,
            },
        )
    };
    Ok(Read {
        complaint: Complaint {
            id: r.get(0)?,
            council: r.get(1)?,
            station: r.get(2)?,
            candidate: r.get(3)?,
            text: r.get(4)?,
            filed_at: domain::clock::from_micros(r.get(5)?),
            decision: None,
            objection: match (
                r.get::<_, Option<String>>(10)?,
                r.get::<_, Option<i64>>(11)?,
            ) {
                (Some(text), Some(at)) => Some((text, domain::clock::from_micros(at))),
                _ => None,
            },
            hearing: None,
        },
        outcome: ruling(6)?,
        hearing: ruling(12)?,
    })
}

fn finish(read: Read) -> StoreResult<Complaint> {
    let mut complaint = read.complaint;
    let corrupt = |what: &str| StoreError::Corrupt(format!("complaint {}: {what}", complaint.id));
    if let Some((what, reason, by, at)) = read.outcome {
        complaint.decision = Some(Ruling {
            what: Outcome::parse(&what).ok_or_else(|| corrupt(&what))?,
            reason,
            by,
            at: domain::clock::from_micros(at),
        });
    }
    if let Some((what, reason, by, at)) = read.hearing {
        complaint.hearing = Some(Ruling {
            what: Hearing::parse(&what).ok_or_else(|| corrupt(&what))?,
            reason,
            by,
            at: domain::clock::from_micros(at),
        });
    }
    Ok(complaint)
}

fn one(conn: &Connection, election: &str, id: i64) -> StoreResult<Complaint> {
    let read = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM result_complaints WHERE election_code = ?1 AND id = ?2"
        ))
        .map_err(db_err)?
        .query_row(params![election, id], read_row)
        .optional()
        .map_err(db_err)?
        .ok_or_else(|| StoreError::not_found(Entity::Complaint))?;
    finish(read)
}

fn file(
    tx: &Transaction<'_>,
    election: &str,
    new: &NewComplaint,
    by: &Actor,
) -> StoreResult<Complaint> {
    let known: bool = tx
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM councils WHERE code = ?1)")
        .map_err(db_err)?
        .query_row([&new.council], |r| r.get(0))
        .map_err(db_err)?;
    if !known {
        return Err(StoreError::not_found(Entity::Council));
    }
    let filed_before: bool = tx
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM result_complaints
             WHERE election_code = ?1 AND council_code = ?2 AND candidate_code = ?3
               AND COALESCE(station_code, '') = COALESCE(?4, ''))",
        )
        .map_err(db_err)?
        .query_row(
            params![election, new.council, new.candidate, new.station],
            |r| r.get(0),
        )
        .map_err(db_err)?;
    if filed_before {
        return Err(complaints::ComplaintRefusal::AlreadyFiled.into());
    }
    tx.prepare_cached(
        "INSERT INTO result_complaints (election_code, council_code, station_code, candidate_code,
             complaint, filed_at_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .map_err(db_err)?
    .execute(params![
        election,
        new.council,
        new.station,
        new.candidate,
        new.text,
        by.at_us()
    ])
    .map_err(db_err)?;
    let made = one(tx, election, tx.last_insert_rowid())?;
    append_audit(tx, by, &filed(election, &made))?;
    Ok(made)
}

fn decide(
    tx: &Transaction<'_>,
    (election, id): (&str, i64),
    outcome: Outcome,
    reason: &str,
    by: &Actor,
) -> StoreResult<Complaint> {
    let before = one(tx, election, id)?;
    let reason = complaints::check_decision(&before.state(), outcome, reason)?;
    tx.prepare_cached(
        "UPDATE result_complaints SET outcome = ?3, decision_reason = ?4, decided_by = ?5,
             decided_at_us = ?6 WHERE election_code = ?1 AND id = ?2",
    )
    .map_err(db_err)?
    .execute(params![
        election,
        id,
        outcome.as_str(),
        reason,
        by.username,
        by.at_us()
    ])
    .map_err(db_err)?;
    append_audit(tx, by, &decided(election, id, outcome, &reason))?;
    if let (Outcome::Annulled, Some(station)) = (outcome, &before.station) {
        crate::facts::annul(tx, election, station, &reason, by)?;
    }
    one(tx, election, id)
}

fn object(
    tx: &Transaction<'_>,
    (election, id): (&str, i64),
    text: &str,
    window: Duration,
    by: &Actor,
) -> StoreResult<Complaint> {
    let before = one(tx, election, id)?;
    let text = complaints::check_objection(&before.state(), window, by.at, text)?;
    tx.prepare_cached(
        "UPDATE result_complaints SET objection = ?3, objected_at_us = ?4
         WHERE election_code = ?1 AND id = ?2",
    )
    .map_err(db_err)?
    .execute(params![election, id, text, by.at_us()])
    .map_err(db_err)?;
    append_audit(tx, by, &objected(election, id))?;
    one(tx, election, id)
}

fn hear(
    tx: &Transaction<'_>,
    (election, id): (&str, i64),
    hearing: Hearing,
    reason: &str,
    by: &Actor,
) -> StoreResult<Complaint> {
    let before = one(tx, election, id)?;
    let reason = complaints::check_hearing(&before.state(), reason)?;
    tx.prepare_cached(
        "UPDATE result_complaints SET hearing = ?3, hearing_reason = ?4, heard_by = ?5,
             heard_at_us = ?6 WHERE election_code = ?1 AND id = ?2",
    )
    .map_err(db_err)?
    .execute(params![
        election,
        id,
        hearing.as_str(),
        reason,
        by.username,
        by.at_us()
    ])
    .map_err(db_err)?;
    append_audit(tx, by, &heard(election, id, hearing, &reason))?;
    // An annulment the province board overturns is lifted with it.
    if let (Hearing::Overturned, Some(Outcome::Annulled), Some(station)) = (
        hearing,
        before.decision.as_ref().map(|d| d.what),
        &before.station,
    ) {
        crate::facts::restore(tx, election, station, &reason, by)?;
    }
    one(tx, election, id)
}

fn list(conn: &Connection, election: &str) -> StoreResult<Vec<Complaint>> {
    let rows = all(
        &mut *conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM result_complaints WHERE election_code = ?1 ORDER BY id DESC"
            ))
            .map_err(db_err)?,
        [election],
        read_row,
    )?;
    rows.into_iter().map(finish).collect()
}

#[async_trait]
impl ComplaintStore for Sqlite {
    #[tracing::instrument(skip_all)]
    async fn file_complaint(
        &self,
        election: &str,
        complaint: &NewComplaint,
        by: &Actor,
    ) -> StoreResult<Complaint> {
        let (election, complaint, by) = (election.to_owned(), complaint.clone(), by.clone());
        self.write(move |tx| file(tx, &election, &complaint, &by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn decide_complaint(
        &self,
        election: &str,
        id: i64,
        outcome: Outcome,
        reason: &str,
        by: &Actor,
    ) -> StoreResult<Complaint> {
        let (election, reason, by) = (election.to_owned(), reason.to_owned(), by.clone());
        self.write(move |tx| decide(tx, (&election, id), outcome, &reason, &by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn object_to_decision(
        &self,
        election: &str,
        id: i64,
        text: &str,
        window: Duration,
        by: &Actor,
    ) -> StoreResult<Complaint> {
        let (election, text, by) = (election.to_owned(), text.to_owned(), by.clone());
        self.write(move |tx| object(tx, (&election, id), &text, window, &by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn hear_objection(
        &self,
        election: &str,
        id: i64,
        hearing: Hearing,
        reason: &str,
        by: &Actor,
    ) -> StoreResult<Complaint> {
        let (election, reason, by) = (election.to_owned(), reason.to_owned(), by.clone());
        self.write(move |tx| hear(tx, (&election, id), hearing, &reason, &by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn complaints(&self, election: &str) -> StoreResult<Vec<Complaint>> {
        let election = election.to_owned();
        self.read(move |conn| list(conn, &election)).await
    }
}
