//! Readiness and the timeline on PostgreSQL (`store::readiness`).
//!
//! A declaration locks its station's row, so two declarations of one station queue and each is
//! checked against what the previous one left; a file locks every station it names the same
//! way. A milestone's edit locks its election's row.

use crate::chain::append_audit;
use crate::db::{db, not_found, retry, settle, Attempt, Postgres, Unique};
use crate::facts::election_in;
use crate::rows;
use async_trait::async_trait;
use domain::clock::{from_micros, to_micros};
use domain::csv_io::ReadinessUpdate;
use domain::election::Milestone;
use domain::readiness::{check_declaration, Declared, Link, Readiness, Weights};
use sqlx::postgres::{PgConnection, PgRow};
use sqlx::Row;
use store::readiness::{
    milestone_set, plan_import, readiness_declared, readiness_imported, weights_set, ImportFacts,
    StationReadiness,
};
use store::{Actor, Entity, ReadinessStore, Refusal, StoreError, StoreResult};

/// The columns of a readiness row: `stations s JOIN councils c LEFT JOIN station_readiness r`.
const COLUMNS: &str = "s.code, s.name, s.county_code, co.name AS county_name, s.council_code, \
     c.name AS council_name, \
     r.link, r.fibre_planned_on, r.cctv_installed, r.cctv_monitored, r.power_backup, \
     r.devices_installed, r.devices_tested, r.step_free, r.ready, r.note, r.declared_at_us, \
     r.declared_by, ss.station_code IS NOT NULL AS sensitive, \
     coalesce(sp.status = 'approved', FALSE) AS plan_approved";

/// The security plan's status is read as stored; what it means for marking a station ready is
/// `domain::security`'s (`SecurityStanding::needs_plan`).
const FROM: &str = "stations s JOIN councils c ON c.code = s.council_code \
     JOIN counties co ON co.code = s.county_code \
     LEFT JOIN station_readiness r ON r.station_code = s.code \
     LEFT JOIN sensitive_stations ss ON ss.station_code = s.code \
     LEFT JOIN security_plans sp ON sp.station_code = s.code";

fn get<'r, T>(row: &'r PgRow, column: &str) -> StoreResult<T>
where
    T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    row.try_get(column).map_err(db)
}

fn declared_from(r: &PgRow) -> StoreResult<Option<Declared>> {
    let Some(link) = get::<Option<String>>(r, "link")? else {
        return Ok(None);
    };
    let planned: Option<String> = get(r, "fibre_planned_on")?;
    Ok(Some(Declared {
        readiness: Readiness {
            link: Link::parse(&link)
                .ok_or_else(|| StoreError::Corrupt(format!("unknown link {link:?}")))?,
            fibre_planned_on: planned.as_deref().map(rows::parse_date).transpose()?,
            cctv_installed: get(r, "cctv_installed")?,
            cctv_monitored: get(r, "cctv_monitored")?,
            power_backup: get(r, "power_backup")?,
            devices_installed: get(r, "devices_installed")?,
            devices_tested: get(r, "devices_tested")?,
            step_free: get(r, "step_free")?,
            ready: get(r, "ready")?,
            note: get(r, "note")?,
        },
        declared_at: from_micros(get(r, "declared_at_us")?),
        declared_by: get(r, "declared_by")?,
    }))
}

fn station_from(r: &PgRow) -> StoreResult<StationReadiness> {
    Ok(StationReadiness {
        station: get(r, "code")?,
        name: get(r, "name")?,
        county: get(r, "county_code")?,
        county_name: get(r, "county_name")?,
        council: get(r, "council_code")?,
        council_name: get(r, "council_name")?,
        declared: declared_from(r)?,
        sensitive: get(r, "sensitive")?,
        plan_approved: get(r, "plan_approved")?,
    })
}

async fn readiness_in(
    conn: &mut PgConnection,
    election: &str,
    county: Option<&str>,
) -> Attempt<Vec<StationReadiness>> {
    let found = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE s.election_code = $1 AND NOT s.closed \
         AND ($2::text IS NULL OR s.county_code = $2) ORDER BY s.code"
    ))
    .bind(election)
    .bind(county)
    .fetch_all(&mut *conn)
    .await?;
    Ok(found
        .iter()
        .map(station_from)
        .collect::<StoreResult<Vec<_>>>()?)
}

/// One station's readiness; with `lock`, its station's row is locked for the transaction.
async fn station_in(
    conn: &mut PgConnection,
    election: &str,
    station: &str,
    lock: bool,
) -> Attempt<Option<StationReadiness>> {
    let found = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE s.election_code = $1 AND s.code = $2 \
         AND NOT s.closed{}",
        if lock { " FOR UPDATE OF s" } else { "" }
    ))
    .bind(election)
    .bind(station)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(found.as_ref().map(station_from).transpose()?)
}

async fn write_declaration(
    conn: &mut PgConnection,
    station: &str,
    r: &Readiness,
    by: &Actor,
) -> Attempt<()> {
    sqlx::query(
        "INSERT INTO station_readiness (station_code, link, fibre_planned_on, cctv_installed, \
             cctv_monitored, power_backup, devices_installed, devices_tested, step_free, ready, \
             note, declared_at_us, declared_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
         ON CONFLICT (station_code) DO UPDATE SET link = excluded.link, \
             fibre_planned_on = excluded.fibre_planned_on, \
             cctv_installed = excluded.cctv_installed, cctv_monitored = excluded.cctv_monitored, \
             power_backup = excluded.power_backup, devices_installed = excluded.devices_installed, \
             devices_tested = excluded.devices_tested, step_free = excluded.step_free, \
             ready = excluded.ready, note = excluded.note, \
             declared_at_us = excluded.declared_at_us, declared_by = excluded.declared_by",
    )
    .bind(station)
    .bind(r.link.as_str())
    .bind(r.fibre_planned_on.map(rows::format_date).transpose()?)
    .bind(r.cctv_installed)
    .bind(r.cctv_monitored)
    .bind(r.power_backup)
    .bind(r.devices_installed)
    .bind(r.devices_tested)
    .bind(r.step_free)
    .bind(r.ready)
    .bind(&r.note)
    .bind(by.at_us())
    .bind(&by.username)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The demo's declarations, as they were declared, one statement for them all.
pub(crate) async fn write_demo(
    conn: &mut PgConnection,
    declared: &[(String, Declared)],
) -> Attempt<()> {
    let dates = declared
        .iter()
        .map(|(_, d)| {
            d.readiness
                .fibre_planned_on
                .map(rows::format_date)
                .transpose()
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let flag = |f: fn(&Readiness) -> bool| -> Vec<bool> {
        declared.iter().map(|(_, d)| f(&d.readiness)).collect()
    };
    sqlx::query(
        "INSERT INTO station_readiness (station_code, link, fibre_planned_on, cctv_installed, \
             cctv_monitored, power_backup, devices_installed, devices_tested, step_free, ready, \
             note, declared_at_us, declared_by) \
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::bool[], $5::bool[], \
             $6::bool[], $7::bool[], $8::bool[], $9::bool[], $10::bool[], $11::text[], \
             $12::bigint[], $13::text[])",
    )
    .bind(declared.iter().map(|(s, _)| s.clone()).collect::<Vec<_>>())
    .bind(
        declared
            .iter()
            .map(|(_, d)| d.readiness.link.as_str())
            .collect::<Vec<_>>(),
    )
    .bind(dates)
    .bind(flag(|r| r.cctv_installed))
    .bind(flag(|r| r.cctv_monitored))
    .bind(flag(|r| r.power_backup))
    .bind(flag(|r| r.devices_installed))
    .bind(flag(|r| r.devices_tested))
    .bind(flag(|r| r.step_free))
    .bind(flag(|r| r.ready))
    .bind(
        declared
            .iter()
            .map(|(_, d)| d.readiness.note.clone())
            .collect::<Vec<_>>(),
    )
    .bind(
        declared
            .iter()
            .map(|(_, d)| to_micros(d.declared_at))
            .collect::<Vec<_>>(),
    )
    .bind(
        declared
            .iter()
            .map(|(_, d)| d.declared_by.clone())
            .collect::<Vec<_>>(),
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

impl Postgres {
    async fn read_only<T>(
        &self,
        read: impl for<'c> FnOnce(
            &'c mut PgConnection,
        ) -> std::pin::Pin<
            Box<dyn std::future::Future<Output = Attempt<T>> + Send + 'c>,
        >,
    ) -> StoreResult<T> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let out = read(&mut tx).await.map_err(settle)?;
        tx.rollback().await.map_err(db)?;
        Ok(out)
    }

    async fn try_declare(
        &self,
        election: &str,
        station: &str,
        readiness: &Readiness,
        by: &Actor,
    ) -> Attempt<Declared> {
        let mut tx = self.pool.begin().await?;
        let current = station_in(&mut tx, election, station, true)
            .await?
            .ok_or_else(|| not_found(Entity::Station))?;
        let previous = current.declared.as_ref().map(|d| &d.readiness);
        let today = by.at.to_offset(domain::calendar::TEHRAN).date();
        check_declaration(readiness, previous, current.security(), today)
            .map_err(StoreError::from)?;
        write_declaration(&mut tx, station, readiness, by).await?;
        append_audit(
            &mut tx,
            by,
            &readiness_declared(election, station, &current.county, readiness),
        )
        .await?;
        tx.commit().await?;
        Ok(Declared {
            readiness: readiness.clone(),
            declared_at: by.at,
            declared_by: by.username.clone(),
        })
    }

    async fn try_import(
        &self,
        election: &str,
        updates: &[ReadinessUpdate],
        only_county: Option<&str>,
        by: &Actor,
    ) -> Attempt<u64> {
        let mut tx = self.pool.begin().await?;
        let mut facts = std::collections::HashMap::new();
        // In code order, so that two files naming the same stations lock them in one order.
        let mut named: Vec<&str> = updates.iter().map(|u| u.station.as_str()).collect();
        named.sort_unstable();
        named.dedup();
        for station in named {
            if let Some(found) = station_in(&mut tx, election, station, true).await? {
                facts.insert(
                    station.to_owned(),
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
            write_declaration(&mut tx, station, readiness, by).await?;
        }
        append_audit(
            &mut tx,
            by,
            &readiness_imported(election, only_county, &written),
        )
        .await?;
        tx.commit().await?;
        Ok(written.len() as u64)
    }

    async fn try_set_weights(&self, election: &str, weights: &Weights, by: &Actor) -> Attempt<()> {
        weights.validate().map_err(StoreError::from)?;
        let mut tx = self.pool.begin().await?;
        election_in(&mut tx, election, true)
            .await?
            .ok_or_else(|| not_found(Entity::Election))?;
        let json =
            serde_json::to_string(weights).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query(
            "INSERT INTO readiness_weights (election_code, weights) VALUES ($1, $2) \
             ON CONFLICT (election_code) DO UPDATE SET weights = excluded.weights",
        )
        .bind(election)
        .bind(json)
        .execute(&mut *tx)
        .await?;
        append_audit(&mut tx, by, &weights_set(election, weights)).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn try_set_milestone(&self, election: &str, m: &Milestone, by: &Actor) -> Attempt<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT code FROM elections WHERE code = $1 FOR UPDATE")
            .bind(election)
            .fetch_optional(&mut *tx)
            .await?;
        let found = election_in(&mut tx, election, false)
            .await?
            .ok_or_else(|| not_found(Entity::Election))?;
        domain::timeline::check_milestone(m, found.election_day).map_err(StoreError::from)?;
        sqlx::query(
            "INSERT INTO milestones (election_code, key, name, starts_at_us, ends_at_us, position, \
                 owner_role, done_at_us) \
             VALUES ($1, $2, $3, $4, $5, \
                 (SELECT coalesce(max(position), -1) + 1 FROM milestones WHERE election_code = $1), \
                 $6, $7) \
             ON CONFLICT (election_code, key) DO UPDATE SET name = excluded.name, \
                 starts_at_us = excluded.starts_at_us, ends_at_us = excluded.ends_at_us, \
                 owner_role = excluded.owner_role, done_at_us = excluded.done_at_us",
        )
        .bind(election)
        .bind(&m.key)
        .bind(m.name.trim())
        .bind(to_micros(m.starts_at))
        .bind(to_micros(m.ends_at))
        .bind(m.owner.map(domain::access::Role::as_str))
        .bind(m.done_at.map(to_micros))
        .execute(&mut *tx)
        .await?;
        append_audit(&mut tx, by, &milestone_set(election, m)).await?;
        tx.commit().await?;
        Ok(())
    }
}

#[async_trait]
impl ReadinessStore for Postgres {
    #[tracing::instrument(skip_all)]
    async fn readiness(
        &self,
        election_code: &str,
        county: Option<&str>,
    ) -> StoreResult<Vec<StationReadiness>> {
        let (election, county) = (election_code.to_owned(), county.map(str::to_owned));
        self.read_only(move |c| {
            Box::pin(async move { readiness_in(c, &election, county.as_deref()).await })
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn station_readiness(
        &self,
        election_code: &str,
        station: &str,
    ) -> StoreResult<Option<StationReadiness>> {
        let (election, station) = (election_code.to_owned(), station.to_owned());
        self.read_only(move |c| {
            Box::pin(async move { station_in(c, &election, &station, false).await })
        })
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
        retry(Unique::Fail, || {
            self.try_declare(election_code, station, readiness, by)
        })
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
        retry(Unique::Fail, || {
            self.try_import(election_code, updates, only_county, by)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn readiness_weights(&self, election_code: &str) -> StoreResult<Weights> {
        let stored: Option<String> =
            sqlx::query_scalar("SELECT weights FROM readiness_weights WHERE election_code = $1")
                .bind(election_code)
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
        store::readiness::weights_from(stored.as_deref())
    }

    #[tracing::instrument(skip_all)]
    async fn set_readiness_weights(
        &self,
        election_code: &str,
        weights: &Weights,
        by: &Actor,
    ) -> StoreResult<()> {
        retry(Unique::Fail, || {
            self.try_set_weights(election_code, weights, by)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn set_milestone(
        &self,
        election_code: &str,
        milestone: &Milestone,
        by: &Actor,
    ) -> StoreResult<()> {
        retry(Unique::Fail, || {
            self.try_set_milestone(election_code, milestone, by)
        })
        .await
    }
}
