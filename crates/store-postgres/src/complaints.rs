//! Complaints about a council's result, on PostgreSQL (issue 18 §5). A write locks the
//! complaint's row, so two rulings at once queue and the second decides on what the first left.

use crate::chain::append_audit;
use crate::db::{not_found, retry, settle, Attempt, Postgres, Unique};
use async_trait::async_trait;
use domain::results::complaints::{self, Hearing, Outcome};
use sqlx::postgres::{PgConnection, PgRow};
use sqlx::Row;
use store::complaints::{decided, filed, heard, objected, Complaint, NewComplaint, Ruling};
use store::{Actor, ComplaintStore, Entity, StoreError, StoreResult};
use time::Duration;

const COLUMNS: &str = "id, council_code, station_code, candidate_code, complaint, filed_at_us, \
    outcome, decision_reason, decided_by, decided_at_us, objection, objected_at_us, \
    hearing, hearing_reason, heard_by, heard_at_us";

/// A ruling's columns from `i`: what, reason, by, at.
fn ruling<T>(r: &PgRow, i: usize, parse: impl Fn(&str) -> Option<T>) -> Attempt<Option<Ruling<T>>> {
    let (Some(what), Some(at)) = (
        r.try_get::<Option<String>, _>(i)?,
        r.try_get::<Option<i64>, _>(i + 3)?,
    ) else {
        return Ok(None);
    };
    Ok(Some(Ruling {
        what: parse(&what)
            .ok_or_else(|| StoreError::Corrupt(format!("complaint ruling {what:?}")))?,
        reason: r.try_get::<Option<String>, _>(i + 1)?.unwrap_or_default(),
        by: r.try_get::<Option<String>, _>(i + 2)?.unwrap_or_default(),
        at: domain::clock::from_micros(at),
    }))
}

fn complaint(r: &PgRow) -> Attempt<Complaint> {
    let objection = match (
        r.try_get::<Option<String>, _>(10)?,
        r.try_get::<Option<i64>, _>(11)?,
    ) {
        (Some(text), Some(at)) => Some((text, domain::clock::from_micros(at))),
        _ => None,
    };
    Ok(Complaint {
        id: r.try_get(0)?,
        council: r.try_get(1)?,
        station: r.try_get(2)?,
        candidate: r.try_get(3)?,
        text: r.try_get(4)?,
        filed_at: domain::clock::from_micros(r.try_get(5)?),
        decision: ruling(r, 6, Outcome::parse)?,
        objection,
        hearing: ruling(r, 12, Hearing::parse)?,
    })
}

/// Locks the council's row (`NotFound` for an unknown council).
async fn lock_council(conn: &mut PgConnection, council: &str) -> Attempt<()> {
    sqlx::query("SELECT 1 FROM councils WHERE code = $1 FOR NO KEY UPDATE")
        .bind(council)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| not_found(Entity::Council))?;
    Ok(())
}

/// The complaint, its row locked.
async fn locked(conn: &mut PgConnection, election: &str, id: i64) -> Attempt<Complaint> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM result_complaints WHERE election_code = $1 AND id = $2 \
         FOR NO KEY UPDATE"
    ))
    .bind(election)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| not_found(Entity::Complaint))?;
    complaint(&row)
}

impl Postgres {
    async fn try_file_complaint(
        &self,
        election: &str,
        new: &NewComplaint,
        by: &Actor,
    ) -> Attempt<Complaint> {
        let mut tx = self.pool.begin().await?;
        // The council's row, as a certification step locks it: a filing and a confirmation at
        // once queue, and the confirmation sees the complaint.
        lock_council(&mut tx, &new.council).await?;
        let filed_before: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM result_complaints \
             WHERE election_code = $1 AND council_code = $2 AND candidate_code = $3 \
               AND COALESCE(station_code, '') = COALESCE($4, ''))",
        )
        .bind(election)
        .bind(&new.council)
        .bind(&new.candidate)
        .bind(&new.station)
        .fetch_one(&mut *tx)
        .await?;
        if filed_before {
            return Err(StoreError::from(complaints::ComplaintRefusal::AlreadyFiled).into());
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO result_complaints (election_code, council_code, station_code, \
                 candidate_code, complaint, filed_at_us) VALUES ($1, $2, $3, $4, $5, $6) \
             RETURNING id",
        )
        .bind(election)
        .bind(&new.council)
        .bind(&new.station)
        .bind(&new.candidate)
        .bind(&new.text)
        .bind(by.at_us())
        .fetch_one(&mut *tx)
        .await?;
        let made = locked(&mut tx, election, id).await?;
        append_audit(&mut tx, by, &filed(election, &made)).await?;
        tx.commit().await?;
        Ok(made)
    }

    async fn try_decide_complaint(
        &self,
        (election, id): (&str, i64),
        outcome: Outcome,
        reason: &str,
        by: &Actor,
    ) -> Attempt<Complaint> {
        let mut tx = self.pool.begin().await?;
        let before = locked(&mut tx, election, id).await?;
        let reason = complaints::check_decision(&before.state(), outcome, reason)
            .map_err(StoreError::from)?;
        sqlx::query(
            "UPDATE result_complaints SET outcome = $3, decision_reason = $4, decided_by = $5, \
                 decided_at_us = $6 WHERE election_code = $1 AND id = $2",
        )
        .bind(election)
        .bind(id)
        .bind(outcome.as_str())
        .bind(&reason)
        .bind(&by.username)
        .bind(by.at_us())
        .execute(&mut *tx)
        .await?;
        append_audit(&mut tx, by, &decided(election, id, outcome, &reason)).await?;
        if let (Outcome::Annulled, Some(station)) = (outcome, &before.station) {
            crate::facts::annul_in(&mut tx, election, station, &reason, by).await?;
        }
        let after = locked(&mut tx, election, id).await?;
        tx.commit().await?;
        Ok(after)
    }

    async fn try_object_complaint(
        &self,
        (election, id): (&str, i64),
        text: &str,
        window: Duration,
        by: &Actor,
    ) -> Attempt<Complaint> {
        let mut tx = self.pool.begin().await?;
        let council = locked(&mut tx, election, id).await?.council;
        lock_council(&mut tx, &council).await?;
        let before = locked(&mut tx, election, id).await?;
        let text = complaints::check_objection(&before.state(), window, by.at, text)
            .map_err(StoreError::from)?;
        sqlx::query(
            "UPDATE result_complaints SET objection = $3, objected_at_us = $4 \
             WHERE election_code = $1 AND id = $2",
        )
        .bind(election)
        .bind(id)
        .bind(&text)
        .bind(by.at_us())
        .execute(&mut *tx)
        .await?;
        append_audit(&mut tx, by, &objected(election, id)).await?;
        let after = locked(&mut tx, election, id).await?;
        tx.commit().await?;
        Ok(after)
    }

    async fn try_hear_objection(
        &self,
        (election, id): (&str, i64),
        hearing: Hearing,
        reason: &str,
        by: &Actor,
    ) -> Attempt<Complaint> {
        let mut tx = self.pool.begin().await?;
        let before = locked(&mut tx, election, id).await?;
        let reason =
            complaints::check_hearing(&before.state(), reason).map_err(StoreError::from)?;
        sqlx::query(
            "UPDATE result_complaints SET hearing = $3, hearing_reason = $4, heard_by = $5, \
                 heard_at_us = $6 WHERE election_code = $1 AND id = $2",
        )
        .bind(election)
        .bind(id)
        .bind(hearing.as_str())
        .bind(&reason)
        .bind(&by.username)
        .bind(by.at_us())
        .execute(&mut *tx)
        .await?;
        append_audit(&mut tx, by, &heard(election, id, hearing, &reason)).await?;
        // An annulment the province board overturns is lifted with it.
        if let (Hearing::Overturned, Some(Outcome::Annulled), Some(station)) = (
            hearing,
            before.decision.as_ref().map(|d| d.what),
            &before.station,
        ) {
            crate::facts::restore_in(&mut tx, election, station, &reason, by).await?;
        }
        let after = locked(&mut tx, election, id).await?;
        tx.commit().await?;
        Ok(after)
    }

    async fn try_list_complaints(&self, election: &str) -> Attempt<Vec<Complaint>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM result_complaints WHERE election_code = $1 ORDER BY id DESC"
        ))
        .bind(election)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(complaint).collect()
    }
}

#[async_trait]
impl ComplaintStore for Postgres {
    #[tracing::instrument(skip_all)]
    async fn file_complaint(
        &self,
        election: &str,
        complaint: &NewComplaint,
        by: &Actor,
    ) -> StoreResult<Complaint> {
        retry(Unique::Fail, || {
            self.try_file_complaint(election, complaint, by)
        })
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
        retry(Unique::Fail, || {
            self.try_decide_complaint((election, id), outcome, reason, by)
        })
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
        retry(Unique::Fail, || {
            self.try_object_complaint((election, id), text, window, by)
        })
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
        retry(Unique::Fail, || {
            self.try_hear_objection((election, id), hearing, reason, by)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn complaints(&self, election: &str) -> StoreResult<Vec<Complaint>> {
        self.try_list_complaints(election).await.map_err(settle)
    }
}
