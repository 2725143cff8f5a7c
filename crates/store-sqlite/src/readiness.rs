//! Readiness and the timeline on SQLite (`store::readiness`).

use crate::chain::append_audit;
use crate::db::{db_err, Sqlite};
use crate::facts::load_election;
use crate::sql::{all, bad_row, iso_date, parse_date};
use async_trait::async_trait;
use domain::clock::{from_micros, to_micros};
use domain::csv_io::ReadinessUpdate;
use domain::election::Milestone;
use domain::readiness::{check_declaration, Declared, Link, Readiness, Weights};
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};
use store::readiness::{
    milestone_set, plan_import, readiness_declared, readiness_imported, weights_set, ImportFacts,
    StationReadiness,
};
use store::{Actor, Entity, ReadinessStore, Refusal, StoreError, StoreResult};

/// The columns of a readiness row: `stations s JOIN councils c LEFT JOIN station_readiness r`.
const COLUMNS: &str = "s.code, s.name, s.county_code, co.name, s.council_code, c.name, r.link, \
     r.fibre_planned_on, r.cctv_installed, r.cctv_monitored, r.power_backup, \
     r.devices_installed, r.devices_tested, r.step_free, r.ready, r.note, r.declared_at_us, \
     r.declared_by, ss.station_code IS NOT NULL, coalesce(sp.status = 'approved', 0)";

/// The security plan's status is read as stored; what it means for marking a station ready is
/// `domain::security`'s (`SecurityStanding::needs_plan`).
const FROM: &str = "stations s JOIN councils c ON c.code = s.council_code \
     JOIN counties co ON co.code = s.county_code \
     LEFT JOIN station_readiness r ON r.station_code = s.code \
     LEFT JOIN sensitive_stations ss ON ss.station_code = s.code \
     LEFT JOIN security_plans sp ON sp.station_code = s.code";

fn declared_from(r: &Row<'_>, first: usize) -> rusqlite::Result<Option<Declared>> {
    let Some(link) = r.get::<_, Option<String>>(first)? else {
        return Ok(None);
    };
    let planned: Option<String> = r.get(first + 1)?;
    Ok(Some(Declared {
        readiness: Readiness {
            link: Link::parse(&link).ok_or_else(|| bad_row("link"))?,
            fibre_planned_on: planned.as_deref().map(parse_date).transpose()?,
            cctv_installed: r.get(first + 2)?,
            cctv_monitored: r.get(first + 3)?,
            power_backup: r.get(first + 4)?,
            devices_installed: r.get(first + 5)?,
            devices_tested: r.get(first + 6)?,
            step_free: r.get(first + 7)?,
            ready: r.get(first + 8)?,
            note: r.get(first + 9)?,
        },
        declared_at: from_micros(r.get(first + 10)?),
        declared_by: r.get(first + 11)?,
    }))
}

fn station_from(r: &Row<'_>) -> rusqlite::Result<StationReadiness> {
    Ok(StationReadiness {
        station: r.get(0)?,
        name: r.get(1)?,
        county: r.get(2)?,
        county_name: r.get(3)?,
        council: r.get(4)?,
        council_name: r.get(5)?,
        declared: declared_from(r, 6)?,
        sensitive: r.get(18)?,
        plan_approved: r.get(19)?,
    })
}

pub(crate) fn readiness(
    conn: &Connection,
    election: &str,
    county: Option<&str>,
) -> StoreResult<Vec<StationReadiness>> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM {FROM} WHERE s.election_code = ?1 AND s.closed = 0 \
             AND (?2 IS NULL OR s.county_code = ?2) ORDER BY s.code"
        ))
        .map_err(db_err)?;
    all(&mut stmt, params![election, county], station_from)
}

pub(crate) fn station_readiness(
    conn: &Connection,
    election: &str,
    station: &str,
) -> StoreResult<Option<StationReadiness>> {
    let found = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM {FROM} WHERE s.election_code = ?1 AND s.code = ?2 \
             AND s.closed = 0"
        ))
        .map_err(db_err)?
        .query_row(params![election, station], station_from)
        .optional()
        .map_err(db_err)?;
    Ok(found)
}

fn write_declaration(
    tx: &Transaction<'_>,
    station: &str,
    r: &Readiness,
    by: &Actor,
) -> StoreResult<()> {
    write_declared(tx, station, r, by.at_us(), &by.username)
}

/// The demo's declarations, as they were declared.
pub(crate) fn write_demo(tx: &Transaction<'_>, declared: &[(String, Declared)]) -> StoreResult<()> {
    for (station, d) in declared {
        write_declared(
            tx,
            station,
            &d.readiness,
            to_micros(d.declared_at),
            &d.declared_by,
        )?;
    }
    Ok(())
}

fn write_declared(
    tx: &Transaction<'_>,
    station: &str,
    r: &Readiness,
    at_us: i64,
    by: &str,
) -> StoreResult<()> {
    tx.prepare_cached(
        "INSERT INTO station_readiness (station_code, link, fibre_planned_on, cctv_installed,
             cctv_monitored, power_backup, devices_installed, devices_tested, step_free, ready,
             note, declared_at_us, declared_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
         ON CONFLICT (station_code) DO UPDATE SET link = excluded.link,
             fibre_planned_on = excluded.fibre_planned_on,
             cctv_installed = excluded.cctv_installed, cctv_monitored = excluded.cctv_monitored,
             power_backup = excluded.power_backup, devices_installed = excluded.devices_installed,
             devices_tested = excluded.devices_tested, step_free = excluded.step_free,
             ready = excluded.ready, note = excluded.note,
             declared_at_us = excluded.declared_at_us, declared_by = excluded.declared_by",
    )
    .map_err(db_err)?
    .execute(params![
        station,
        r.link.as_str(),
        r.fibre_planned_on.map(iso_date),
        r.cctv_installed,
        r.cctv_monitored,
        r.power_backup,
        r.devices_installed,
        r.devices_tested,
        r.step_free,
        r.ready,
        r.note,
        at_us,
        by
    ])
    .map_err(db_err)?;
    Ok(())
}

pub(crate) fn declare(
    tx: &Transaction<'_>,
    election: &str,
    station: &str,
    readiness: &Readiness,
    by: &Actor,
) -> StoreResult<Declared> {
    let current =
        station_readiness(tx, election, station)?.ok_or(StoreError::not_found(Entity::Station))?;
    let previous = current.declared.as_ref().map(|d| &d.readiness);
    let today = by.at.to_offset(domain::calendar::TEHRAN).date();
    check_declaration(readiness, previous, current.security(), today)?;
    write_declaration(tx, station, readiness, by)?;
    append_audit(
        tx,
        by,
        &readiness_declared(election, station, &current.county, readiness),
    )?;
    Ok(Declared {
        readiness: readiness.clone(),
        declared_at: by.at,
        declared_by: by.username.clone(),
    })
}

pub(crate) fn import(
    tx: &Transaction<'_>,
    election: &str,
    updates: &[ReadinessUpdate],
    only_county: Option<&str>,
    by: &Actor,
) -> StoreResult<u64> {
    let mut facts = std::collections::HashMap::new();
    for update in updates {
        if let Some(found) = station_readiness(tx, election, &update.station)? {
            facts.insert(
                update.station.clone(),
                ImportFacts {
                    county: found.county.clone(),
                    security: found.security(),
                    declared: found.declared.map(|d| d.readiness),
                },
            );
        }
    }
    let written = plan_import(updates, &facts, only_county, by).map_err(Refusal::Rows)?;
    for (station, readiness) in &written {
        write_declaration(tx, station, readiness, by)?;
    }
    append_audit(tx, by, &readiness_imported(election, only_county, &written))?;
    Ok(written.len() as u64)
}

pub(crate) fn weights(conn: &Connection, election: &str) -> StoreResult<Weights> {
    let stored: Option<String> = conn
        .prepare_cached("SELECT weights FROM readiness_weights WHERE election_code = ?1")
        .map_err(db_err)?
        .query_row([election], |r| r.get(0))
        .optional()
        .map_err(db_err)?;
    store::readiness::weights_from(stored.as_deref())
}

fn election_exists(conn: &Connection, election: &str) -> StoreResult<()> {
    load_election(conn, Some(election))?
        .map(|_| ())
        .ok_or(StoreError::not_found(Entity::Election))
}

pub(crate) fn set_weights(
    tx: &Transaction<'_>,
    election: &str,
    weights: &Weights,
    by: &Actor,
) -> StoreResult<()> {
    weights.validate()?;
    election_exists(tx, election)?;
    let json = serde_json::to_string(weights).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    tx.execute(
        "INSERT INTO readiness_weights (election_code, weights) VALUES (?1, ?2)
         ON CONFLICT (election_code) DO UPDATE SET weights = excluded.weights",
        params![election, json],
    )
    .map_err(db_err)?;
    append_audit(tx, by, &weights_set(election, weights))
}

pub(crate) fn set_milestone(
    tx: &Transaction<'_>,
    election: &str,
    m: &Milestone,
    by: &Actor,
) -> StoreResult<()> {
    let found =
        load_election(tx, Some(election))?.ok_or(StoreError::not_found(Entity::Election))?;
    domain::timeline::check_milestone(m, found.election_day)?;
    tx.execute(
        "INSERT INTO milestones (election_code, key, name, starts_at_us, ends_at_us, position,
             owner_role, done_at_us)
         VALUES (?1, ?2, ?3, ?4, ?5,
             (SELECT coalesce(max(position), -1) + 1 FROM milestones WHERE election_code = ?1),
             ?6, ?7)
         ON CONFLICT (election_code, key) DO UPDATE SET name = excluded.name,
             starts_at_us = excluded.starts_at_us, ends_at_us = excluded.ends_at_us,
             owner_role = excluded.owner_role, done_at_us = excluded.done_at_us",
        params![
            election,
            m.key,
            m.name.trim(),
            to_micros(m.starts_at),
            to_micros(m.ends_at),
            m.owner.map(domain::access::Role::as_str),
            m.done_at.map(to_micros)
        ],
    )
    .map_err(db_err)?;
    append_audit(tx, by, &milestone_set(election, m))
}

#[async_trait]
impl ReadinessStore for Sqlite {
    #[tracing::instrument(skip_all)]
    async fn readiness(
        &self,
        election_code: &str,
        county: Option<&str>,
    ) -> StoreResult<Vec<StationReadiness>> {
        let (election, county) = (election_code.to_owned(), county.map(str::to_owned));
        self.read(move |c| readiness(c, &election, county.as_deref()))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn station_readiness(
        &self,
        election_code: &str,
        station: &str,
    ) -> StoreResult<Option<StationReadiness>> {
        let (election, station) = (election_code.to_owned(), station.to_owned());
        self.read(move |c| station_readiness(c, &election, &station))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn declare_readiness(
        &self,
        election_code: &str,
        station: &str,
        readiness: &Readiness,
        by: &Actor,
    ) -> StoreResult<Declared> {
        let (election, station, readiness, by) = (
            election_code.to_owned(),
            station.to_owned(),
            readiness.clone(),
            by.clone(),
        );
        self.write(move |tx| declare(tx, &election, &station, &readiness, &by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn import_readiness(
        &self,
        election_code: &str,
        updates: &[ReadinessUpdate],
        only_county: Option<&str>,
        by: &Actor,
    ) -> StoreResult<u64> {
        let (election, updates, county, by) = (
            election_code.to_owned(),
            updates.to_vec(),
            only_county.map(str::to_owned),
            by.clone(),
        );
        self.write(move |tx| import(tx, &election, &updates, county.as_deref(), &by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn readiness_weights(&self, election_code: &str) -> StoreResult<Weights> {
        let election = election_code.to_owned();
        self.read(move |c| weights(c, &election)).await
    }

    #[tracing::instrument(skip_all)]
    async fn set_readiness_weights(
        &self,
        election_code: &str,
        weights: &Weights,
        by: &Actor,
    ) -> StoreResult<()> {
        let (election, weights, by) = (election_code.to_owned(), *weights, by.clone());
        self.write(move |tx| set_weights(tx, &election, &weights, &by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn set_milestone(
        &self,
        election_code: &str,
        milestone: &Milestone,
        by: &Actor,
    ) -> StoreResult<()> {
        let (election, milestone, by) = (election_code.to_owned(), milestone.clone(), by.clone());
        self.write(move |tx| set_milestone(tx, &election, &milestone, &by))
            .await
    }
}
