//! Incidents on SQLite (issue 16 §5): a filing is one row, each step a row of
//! `incident_steps` and an update of the incident's status, each with its audit record in the
//! same transaction. The writer connection is the only one that writes, so a step decides on
//! the status the previous one left.

use crate::chain::append_audit;
use crate::db::{db_err, Sqlite};
use crate::sql::{all, paged, Where};
use async_trait::async_trait;
use domain::clock::to_micros;
use domain::incident::{Category, Incident, IncidentStatus, IncidentStep, Severity};
use rusqlite::types::Value;
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};
use store::incidents::{
    check_station, demo_incident, filed, incident_filed, incident_stepped, overdue_sql, read_step,
    stepped, IncidentFile, IncidentFilter, IncidentRow, NewIncident, NewStep, INCIDENT_COLUMNS,
};
use store::{Actor, Entity, IncidentStore, Page, PageRequest, StoreError, StoreResult};

fn incident_row(r: &Row<'_>) -> rusqlite::Result<IncidentRow> {
    Ok(IncidentRow {
        id: r.get(0)?,
        county_code: r.get(1)?,
        station_code: r.get(2)?,
        category: r.get(3)?,
        subcategory: r.get(4)?,
        severity: r.get(5)?,
        occurred_at_us: r.get(6)?,
        reported_at_us: r.get(7)?,
        reported_by: r.get(8)?,
        description: r.get(9)?,
        photo_sha256: r.get(10)?,
        photo_media_type: r.get(11)?,
        photo_size: r.get(12)?,
        status: r.get(13)?,
        updated_at_us: r.get(14)?,
        acknowledge_by_us: r.get(15)?,
        resolve_by_us: r.get(16)?,
    })
}

fn find(conn: &Connection, id: i64) -> StoreResult<Option<Incident>> {
    conn.prepare_cached(&format!(
        "SELECT {INCIDENT_COLUMNS} FROM incidents WHERE id = ?1"
    ))
    .map_err(db_err)?
    .query_row([id], incident_row)
    .optional()
    .map_err(db_err)?
    .map(IncidentRow::read)
    .transpose()
}

fn steps(conn: &Connection, id: i64) -> StoreResult<Vec<IncidentStep>> {
    let rows = all(
        &mut *conn
            .prepare_cached(
                "SELECT status, at_us, actor, note FROM incident_steps
                 WHERE incident_id = ?1 ORDER BY seq",
            )
            .map_err(db_err)?,
        [id],
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        },
    )?;
    rows.into_iter()
        .map(|(status, at, by, note)| read_step(&status, at, by, note))
        .collect()
}

pub(crate) fn incident(conn: &Connection, id: i64) -> StoreResult<Option<IncidentFile>> {
    let Some(found) = find(conn, id)? else {
        return Ok(None);
    };
    Ok(Some((found, steps(conn, id)?)))
}

/// Writes a new incident's row; its id.
fn insert(tx: &Transaction<'_>, i: &Incident) -> StoreResult<i64> {
    tx.prepare_cached(&format!(
        "INSERT INTO incidents ({INCIDENT_COLUMNS})
         VALUES (NULL, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
    ))
    .map_err(db_err)?
    .execute(params![
        i.county,
        i.station,
        i.category.as_str(),
        i.subcategory.as_str(),
        i.severity.as_str(),
        to_micros(i.occurred_at),
        to_micros(i.reported_at),
        i.reported_by,
        i.description,
        i.photo.as_ref().map(|p| p.sha256.as_str()),
        i.photo.as_ref().map(|p| p.media_type.mime()),
        i.photo.as_ref().map(|p| p.size),
        i.status.as_str(),
        to_micros(i.updated_at),
        to_micros(i.dues.acknowledge_by),
        to_micros(i.dues.resolve_by),
    ])
    .map_err(db_err)?;
    Ok(tx.last_insert_rowid())
}

/// Records a step and moves the incident to its status.
fn write_step(tx: &Transaction<'_>, id: i64, step: &IncidentStep) -> StoreResult<()> {
    tx.prepare_cached(
        "INSERT INTO incident_steps (incident_id, seq, status, at_us, actor, note)
         VALUES (?1, (SELECT coalesce(max(seq), 0) + 1 FROM incident_steps WHERE incident_id = ?1),
                 ?2, ?3, ?4, ?5)",
    )
    .map_err(db_err)?
    .execute(params![
        id,
        step.status.as_str(),
        to_micros(step.at),
        step.by,
        step.note
    ])
    .map_err(db_err)?;
    tx.prepare_cached("UPDATE incidents SET status = ?2, updated_at_us = ?3 WHERE id = ?1")
        .map_err(db_err)?
        .execute(params![id, step.status.as_str(), to_micros(step.at)])
        .map_err(db_err)?;
    Ok(())
}

pub(crate) fn file_incident(
    tx: &Transaction<'_>,
    new: &NewIncident,
    by: &Actor,
) -> StoreResult<Incident> {
    let mut incident = filed(new, by)?;
    let station_county: Option<String> = match &new.report.station {
        None => None,
        Some(code) => tx
            .prepare_cached("SELECT county_code FROM stations WHERE code = ?1")
            .map_err(db_err)?
            .query_row([code], |r| r.get(0))
            .optional()
            .map_err(db_err)?,
    };
    check_station(&new.report, station_county.as_deref())?;
    let county_known: bool = tx
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM counties WHERE code = ?1)")
        .map_err(db_err)?
        .query_row([&incident.county], |r| r.get(0))
        .map_err(db_err)?;
    if !county_known {
        return Err(StoreError::not_found(Entity::County));
    }
    incident.id = insert(tx, &incident)?;
    append_audit(tx, by, &incident_filed(&incident))?;
    Ok(incident)
}

pub(crate) fn step_incident(
    tx: &Transaction<'_>,
    id: i64,
    step: &NewStep,
    by: &Actor,
) -> StoreResult<IncidentFile> {
    let current = find(tx, id)?.ok_or(StoreError::not_found(Entity::Incident))?;
    let taken = stepped(&current, step, by)?;
    write_step(tx, id, &taken)?;
    append_audit(tx, by, &incident_stepped(&current, &taken))?;
    incident(tx, id)?.ok_or(StoreError::not_found(Entity::Incident))
}

/// The WHERE clause of an incident list; every value is a bound parameter.
fn incident_where(filter: &IncidentFilter) -> Where {
    let mut w = Where::default();
    w.eq("county_code", filter.county.as_deref());
    w.eq("station_code", filter.station.as_deref());
    w.eq("status", filter.status.map(IncidentStatus::as_str));
    w.eq("severity", filter.severity.map(Severity::as_str));
    w.eq("category", filter.category.map(Category::as_str));
    if let Some(now) = filter.overdue_at {
        w.params.push(Value::Integer(to_micros(now)));
        w.clauses.push(overdue_sql(&format!("?{}", w.params.len())));
    }
    w
}

pub(crate) fn incidents(
    conn: &Connection,
    filter: &IncidentFilter,
    page: PageRequest,
) -> StoreResult<Page<Incident>> {
    let found = paged(
        conn,
        "incidents",
        INCIDENT_COLUMNS,
        &incident_where(filter),
        "reported_at_us DESC, id DESC",
        page,
        incident_row,
    )?;
    let items = found
        .items
        .into_iter()
        .map(IncidentRow::read)
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Page {
        items,
        total: found.total,
        page: found.page,
        per_page: found.per_page,
    })
}

/// The demo's incidents, filed and stepped as the rules would have them; no audit records of
/// their own (the demo's load has one).
pub(crate) fn write_demo(
    tx: &Transaction<'_>,
    incidents: &[domain::incident::DemoIncident],
) -> StoreResult<()> {
    for demo in incidents {
        let (incident, taken) = demo_incident(demo)?;
        // The incident as filed (open), then each step.
        let mut first = incident.clone();
        first.status = IncidentStatus::Open;
        first.updated_at = first.reported_at;
        let id = insert(tx, &first)?;
        for step in &taken {
            write_step(tx, id, step)?;
        }
    }
    Ok(())
}

#[async_trait]
impl IncidentStore for Sqlite {
    #[tracing::instrument(skip_all)]
    async fn file_incident(&self, new: &NewIncident, by: &Actor) -> StoreResult<Incident> {
        let (new, by) = (new.clone(), by.clone());
        self.write(move |tx| file_incident(tx, &new, &by)).await
    }

    #[tracing::instrument(skip_all)]
    async fn incidents(
        &self,
        filter: &IncidentFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Incident>> {
        let filter = filter.clone();
        self.read(move |conn| incidents(conn, &filter, page)).await
    }

    #[tracing::instrument(skip_all)]
    async fn incident(&self, id: i64) -> StoreResult<Option<IncidentFile>> {
        self.read(move |conn| incident(conn, id)).await
    }

    #[tracing::instrument(skip_all)]
    async fn step_incident(
        &self,
        id: i64,
        step: &NewStep,
        by: &Actor,
    ) -> StoreResult<IncidentFile> {
        let (step, by) = (step.clone(), by.clone());
        self.write(move |tx| step_incident(tx, id, &step, &by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn incident_photo_hashes(&self) -> StoreResult<std::collections::HashSet<String>> {
        self.read(|conn| {
            let found = all(
                &mut *conn
                    .prepare_cached(
                        "SELECT DISTINCT photo_sha256 FROM incidents WHERE photo_sha256 IS NOT NULL",
                    )
                    .map_err(db_err)?,
                [],
                |r| r.get::<_, String>(0),
            )?;
            Ok(found.into_iter().collect())
        })
        .await
    }
}
