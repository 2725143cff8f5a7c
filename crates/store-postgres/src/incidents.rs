//! Incidents on PostgreSQL (issue 16 §5): a filing is one row, each step a row of
//! `incident_steps` and an update of the incident's status, each with its audit record in the
//! same transaction. A step locks the incident's row, so steps on one incident queue and each
//! decides on the status the previous one left.

use crate::chain::append_audit;
use crate::db::{db, not_found, retry, settle, Attempt, Postgres, Unique};
use crate::sql;
use async_trait::async_trait;
use domain::clock::to_micros;
use domain::incident::{Category, Incident, IncidentStatus, IncidentStep, Severity};
use sqlx::postgres::{PgConnection, PgRow};
use sqlx::Row;
use store::incidents::{
    check_station, demo_incident, filed, incident_filed, incident_stepped, overdue_sql, read_step,
    stepped, IncidentFile, IncidentFilter, IncidentRow, NewIncident, NewStep, INCIDENT_COLUMNS,
};
use store::{Actor, Entity, IncidentStore, Page, PageRequest, StoreResult};

fn incident_row(r: &PgRow) -> StoreResult<Incident> {
    IncidentRow {
        id: r.try_get(0).map_err(db)?,
        county_code: r.try_get(1).map_err(db)?,
        station_code: r.try_get(2).map_err(db)?,
        category: r.try_get(3).map_err(db)?,
        subcategory: r.try_get(4).map_err(db)?,
        severity: r.try_get(5).map_err(db)?,
        occurred_at_us: r.try_get(6).map_err(db)?,
        reported_at_us: r.try_get(7).map_err(db)?,
        reported_by: r.try_get(8).map_err(db)?,
        description: r.try_get(9).map_err(db)?,
        photo_sha256: r.try_get(10).map_err(db)?,
        photo_media_type: r.try_get(11).map_err(db)?,
        photo_size: r.try_get(12).map_err(db)?,
        status: r.try_get(13).map_err(db)?,
        updated_at_us: r.try_get(14).map_err(db)?,
        acknowledge_by_us: r.try_get(15).map_err(db)?,
        resolve_by_us: r.try_get(16).map_err(db)?,
    }
    .read()
}

/// One incident, its row locked when `lock`.
async fn find(conn: &mut PgConnection, id: i64, lock: bool) -> Attempt<Option<Incident>> {
    let found = sqlx::query(&format!(
        "SELECT {INCIDENT_COLUMNS} FROM incidents WHERE id = $1{}",
        if lock { " FOR UPDATE" } else { "" }
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(found.as_ref().map(incident_row).transpose()?)
}

async fn steps(conn: &mut PgConnection, id: i64) -> Attempt<Vec<IncidentStep>> {
    let found = sqlx::query(
        "SELECT status, at_us, actor, note FROM incident_steps WHERE incident_id = $1 \
         ORDER BY seq",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(found.len());
    for r in &found {
        let status: String = r.try_get(0)?;
        out.push(read_step(
            &status,
            r.try_get(1)?,
            r.try_get(2)?,
            r.try_get(3)?,
        )?);
    }
    Ok(out)
}

/// Writes a new incident's row; its id.
async fn insert(conn: &mut PgConnection, i: &Incident) -> Attempt<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO incidents (county_code, station_code, category, subcategory, severity, \
         occurred_at_us, reported_at_us, reported_by, description, photo_sha256, \
         photo_media_type, photo_size, status, updated_at_us, acknowledge_by_us, resolve_by_us) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
         RETURNING id",
    )
    .bind(&i.county)
    .bind(i.station.as_deref())
    .bind(i.category.as_str())
    .bind(i.subcategory.as_str())
    .bind(i.severity.as_str())
    .bind(to_micros(i.occurred_at))
    .bind(to_micros(i.reported_at))
    .bind(&i.reported_by)
    .bind(&i.description)
    .bind(i.photo.as_ref().map(|p| p.sha256.as_str()))
    .bind(i.photo.as_ref().map(|p| p.media_type.mime()))
    .bind(i.photo.as_ref().map(|p| p.size))
    .bind(i.status.as_str())
    .bind(to_micros(i.updated_at))
    .bind(to_micros(i.dues.acknowledge_by))
    .bind(to_micros(i.dues.resolve_by))
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// Records a step and moves the incident to its status.
async fn write_step(conn: &mut PgConnection, id: i64, step: &IncidentStep) -> Attempt<()> {
    sqlx::query(
        "INSERT INTO incident_steps (incident_id, seq, status, at_us, actor, note) \
         VALUES ($1, (SELECT coalesce(max(seq), 0) + 1 FROM incident_steps WHERE incident_id = $1), \
                 $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(step.status.as_str())
    .bind(to_micros(step.at))
    .bind(&step.by)
    .bind(&step.note)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE incidents SET status = $2, updated_at_us = $3 WHERE id = $1")
        .bind(id)
        .bind(step.status.as_str())
        .bind(to_micros(step.at))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The demo's incidents, filed and stepped as the rules would have them; no audit records of
/// their own (the demo's load has one).
pub(crate) async fn write_demo(
    conn: &mut PgConnection,
    incidents: &[domain::incident::DemoIncident],
) -> Attempt<()> {
    for demo in incidents {
        let (incident, taken) = demo_incident(demo)?;
        let mut first = incident.clone();
        first.status = IncidentStatus::Open;
        first.updated_at = first.reported_at;
        let id = insert(conn, &first).await?;
        for step in &taken {
            write_step(conn, id, step).await?;
        }
    }
    Ok(())
}

/// The WHERE clause of an incident list over `$1`…`$6`: county, station, status, severity,
/// category, and the instant of the overdue filter.
fn incident_filter() -> String {
    format!(
        "($1::text IS NULL OR county_code = $1) AND ($2::text IS NULL OR station_code = $2) \
         AND ($3::text IS NULL OR status = $3) AND ($4::text IS NULL OR severity = $4) \
         AND ($5::text IS NULL OR category = $5) AND ($6::bigint IS NULL OR {})",
        overdue_sql("$6")
    )
}

impl Postgres {
    async fn try_file_incident(&self, new: &NewIncident, by: &Actor) -> Attempt<Incident> {
        let mut incident = filed(new, by)?;
        let mut tx = self.pool.begin().await?;
        let station_county: Option<String> = match &new.report.station {
            None => None,
            Some(code) => {
                sqlx::query_scalar("SELECT county_code FROM stations WHERE code = $1")
                    .bind(code)
                    .fetch_optional(&mut *tx)
                    .await?
            }
        };
        check_station(&new.report, station_county.as_deref())?;
        let county_known: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM counties WHERE code = $1)")
                .bind(&incident.county)
                .fetch_one(&mut *tx)
                .await?;
        if !county_known {
            return Err(not_found(Entity::County));
        }
        incident.id = insert(&mut tx, &incident).await?;
        append_audit(&mut tx, by, &incident_filed(&incident)).await?;
        tx.commit().await?;
        Ok(incident)
    }

    async fn try_step_incident(
        &self,
        id: i64,
        step: &NewStep,
        by: &Actor,
    ) -> Attempt<IncidentFile> {
        let mut tx = self.pool.begin().await?;
        let current = find(&mut tx, id, true)
            .await?
            .ok_or_else(|| not_found(Entity::Incident))?;
        let taken = stepped(&current, step, by)?;
        write_step(&mut tx, id, &taken).await?;
        append_audit(&mut tx, by, &incident_stepped(&current, &taken)).await?;
        let now = find(&mut tx, id, false)
            .await?
            .ok_or_else(|| not_found(Entity::Incident))?;
        let all = steps(&mut tx, id).await?;
        tx.commit().await?;
        Ok((now, all))
    }

    async fn read_incident(&self, id: i64) -> StoreResult<Option<IncidentFile>> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let read = async {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(&mut *tx)
                .await?;
            let Some(found) = find(&mut tx, id, false).await? else {
                return Ok(None);
            };
            let all = steps(&mut tx, id).await?;
            Ok(Some((found, all)))
        };
        let out = read.await.map_err(settle)?;
        tx.rollback().await.map_err(db)?;
        Ok(out)
    }

    async fn read_incidents(
        &self,
        filter: &IncidentFilter,
        req: PageRequest,
    ) -> StoreResult<Page<Incident>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        let (total, found) = sql::List::new(
            INCIDENT_COLUMNS,
            &format!("incidents WHERE {}", incident_filter()),
            "reported_at_us DESC, id DESC",
            6,
        )
        .fetch(
            &mut conn,
            |q| {
                q.bind(filter.county.as_deref())
                    .bind(filter.station.as_deref())
                    .bind(filter.status.map(IncidentStatus::as_str))
                    .bind(filter.severity.map(Severity::as_str))
                    .bind(filter.category.map(Category::as_str))
                    .bind(filter.overdue_at.map(to_micros))
            },
            req,
        )
        .await?;
        let items = found
            .iter()
            .map(incident_row)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(sql::page(items, total, req))
    }
}

#[async_trait]
impl IncidentStore for Postgres {
    #[tracing::instrument(skip_all)]
    async fn file_incident(&self, new: &NewIncident, by: &Actor) -> StoreResult<Incident> {
        retry(Unique::Fail, || self.try_file_incident(new, by)).await
    }

    #[tracing::instrument(skip_all)]
    async fn incidents(
        &self,
        filter: &IncidentFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Incident>> {
        self.read_incidents(filter, page).await
    }

    #[tracing::instrument(skip_all)]
    async fn incident(&self, id: i64) -> StoreResult<Option<IncidentFile>> {
        self.read_incident(id).await
    }

    #[tracing::instrument(skip_all)]
    async fn step_incident(
        &self,
        id: i64,
        step: &NewStep,
        by: &Actor,
    ) -> StoreResult<IncidentFile> {
        retry(Unique::Fail, || self.try_step_incident(id, step, by)).await
    }

    #[tracing::instrument(skip_all)]
    async fn incident_photo_hashes(&self) -> StoreResult<std::collections::HashSet<String>> {
        let hashes: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT photo_sha256 FROM incidents WHERE photo_sha256 IS NOT NULL",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        Ok(hashes.into_iter().collect())
    }
}
