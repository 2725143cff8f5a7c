//! Polling stations: their records and routes, created one by one or imported whole. What a
//! station refers to is read here and judged by `store::stations::check_stations`.

use crate::chain::append_audit;
use crate::db::{db, not_found, retry, unique_as, Attempt, Postgres, Unique};
use crate::{facts, rows, sql};
use async_trait::async_trait;
use domain::station::Station;
use sqlx::postgres::{PgConnection, PgRow};
use store::stations::{check_stations, station_created, station_updated, stations_imported};
use store::{Actor, Entity, Page, PageRequest, StationFilter, StationStore, StoreResult};

/// `SET` list of a station upsert: every column but the code.
const STATION_UPSERT: &str = " ON CONFLICT (code) DO UPDATE SET election_code = EXCLUDED.election_code, \
     county_code = EXCLUDED.county_code, council_code = EXCLUDED.council_code, name = EXCLUDED.name, \
     area = EXCLUDED.area, mobile = EXCLUDED.mobile, hard_to_reach = EXCLUDED.hard_to_reach, \
     expected_voters = EXCLUDED.expected_voters, address = EXCLUDED.address, \
     postal_code = EXCLUDED.postal_code, latitude = EXCLUDED.latitude, longitude = EXCLUDED.longitude, \
     evoting_devices = EXCLUDED.evoting_devices, identity_devices = EXCLUDED.identity_devices, \
     power_backup = EXCLUDED.power_backup, cctv = EXCLUDED.cctv, link_type = EXCLUDED.link_type, \
     closed = EXCLUDED.closed";

/// Writes stations' rows in one statement; with `replace`, an existing code's row is replaced.
pub(crate) async fn write_stations(
    conn: &mut PgConnection,
    stations: &[Station],
    replace: bool,
) -> Result<(), sqlx::Error> {
    let sql = format!(
        "INSERT INTO stations ({}) \
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], \
         $7::bool[], $8::bool[], $9::bigint[], $10::text[], $11::text[], $12::float8[], $13::float8[], \
         $14::bigint[], $15::bigint[], $16::bool[], $17::bool[], $18::text[], $19::bool[]){}",
        rows::STATION_COLUMNS,
        if replace { STATION_UPSERT } else { "" }
    );
    sqlx::query(&sql)
        .bind(sql::column(stations, |s| s.code.clone()))
        .bind(sql::column(stations, |s| s.election_code.clone()))
        .bind(sql::column(stations, |s| s.county_code.clone()))
        .bind(sql::column(stations, |s| s.council_code.clone()))
        .bind(sql::column(stations, |s| s.name.clone()))
        .bind(sql::column(stations, |s| s.area.as_str().to_owned()))
        .bind(sql::column(stations, |s| s.mobile))
        .bind(sql::column(stations, |s| s.hard_to_reach))
        .bind(sql::column(stations, |s| s.expected_voters))
        .bind(sql::column(stations, |s| s.address.clone()))
        .bind(sql::column(stations, |s| {
            s.postal_code.as_ref().map(|p| p.as_str().to_owned())
        }))
        .bind(sql::column(stations, |s| s.location.map(|p| p.lat)))
        .bind(sql::column(stations, |s| s.location.map(|p| p.lon)))
        .bind(sql::column(stations, |s| {
            i64::from(s.facilities.evoting_devices)
        }))
        .bind(sql::column(stations, |s| {
            i64::from(s.facilities.identity_devices)
        }))
        .bind(sql::column(stations, |s| s.facilities.power_backup))
        .bind(sql::column(stations, |s| s.facilities.cctv))
        .bind(sql::column(stations, |s| {
            s.facilities.link.as_str().to_owned()
        }))
        .bind(sql::column(stations, |s| s.closed))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Writes the stations' routes in one statement; with `replace`, their old routes go first.
pub(crate) async fn write_routes(
    conn: &mut PgConnection,
    stations: &[Station],
    replace: bool,
) -> Attempt<()> {
    if replace {
        sqlx::query("DELETE FROM station_route WHERE station_code = ANY($1)")
            .bind(sql::column(stations, |s| s.code.clone()))
            .execute(&mut *conn)
            .await?;
    }
    let (mut codes, mut positions, mut councils, mut arrives, mut leaves) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for station in stations {
        for (position, stop) in (0_i64..).zip(&station.route) {
            codes.push(station.code.clone());
            positions.push(position);
            councils.push(stop.council.clone());
            arrives.push(domain::clock::to_micros(stop.arrives_at));
            leaves.push(domain::clock::to_micros(stop.leaves_at));
        }
    }
    if codes.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO station_route (station_code, position, council_code, arrives_at_us, leaves_at_us) \
         SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::bigint[])",
    )
    .bind(codes)
    .bind(positions)
    .bind(councils)
    .bind(arrives)
    .bind(leaves)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Reads what the stations refer to and checks them (`store::stations::check_stations`).
async fn check(conn: &mut PgConnection, stations: &[Station]) -> Attempt<()> {
    let refs = facts::station_references(conn, stations).await?;
    Ok(check_stations(stations, &refs)?)
}

impl Postgres {
    async fn try_create_station(&self, station: &Station, by: &Actor) -> Attempt<()> {
        let one = std::slice::from_ref(station);
        let mut tx = self.pool.begin().await?;
        check(&mut tx, one).await?;
        // A taken code fails here with a unique violation.
        write_stations(&mut tx, one, false)
            .await
            .map_err(|e| unique_as(e, Entity::Station, &station.code))?;
        write_routes(&mut tx, one, false).await?;
        append_audit(&mut tx, by, &station_created(station)?).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn try_update_station(&self, station: &Station, by: &Actor) -> Attempt<()> {
        let one = std::slice::from_ref(station);
        let mut tx = self.pool.begin().await?;
        // Locking the row serialises the update with assignments at this station.
        let found: Option<String> =
            sqlx::query_scalar("SELECT code FROM stations WHERE code = $1 FOR NO KEY UPDATE")
                .bind(&station.code)
                .fetch_optional(&mut *tx)
                .await?;
        if found.is_none() {
            return Err(not_found(Entity::Station));
        }
        check(&mut tx, one).await?;
        write_stations(&mut tx, one, true).await?;
        write_routes(&mut tx, one, true).await?;
        append_audit(&mut tx, by, &station_updated(station)?).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn try_import_stations(&self, stations: &[Station], by: &Actor) -> Attempt<u64> {
        let mut tx = self.pool.begin().await?;
        check(&mut tx, stations).await?;
        write_stations(&mut tx, stations, true).await?;
        write_routes(&mut tx, stations, true).await?;
        append_audit(&mut tx, by, &stations_imported(stations)).await?;
        tx.commit().await?;
        Ok(stations.len() as u64)
    }
}

#[async_trait]
impl StationStore for Postgres {
    #[tracing::instrument(skip_all)]
    async fn stations(
        &self,
        filter: &StationFilter,
        req: PageRequest,
    ) -> StoreResult<Page<Station>> {
        let area = filter.area.map(domain::station::Area::as_str);
        let mut conn = self.pool.acquire().await.map_err(db)?;
        let (total, found) = sql::List::new(
            rows::STATION_COLUMNS,
            &format!("stations WHERE {}", sql::station_filter()),
            &sql::station_order(filter.sort),
            7,
        )
        .fetch(
            &mut conn,
            |q| {
                q.bind(filter.county.as_deref())
                    .bind(filter.council.as_deref())
                    .bind(filter.station.as_deref())
                    .bind(area)
                    .bind(filter.mobile)
                    .bind(filter.closed)
                    .bind(filter.name.as_deref().map(domain::text::search_key))
            },
            req,
        )
        .await?;
        let items = facts::stations_with_routes(&mut conn, &found).await?;
        Ok(sql::page(items, total, req))
    }

    #[tracing::instrument(skip_all)]
    async fn station(&self, code: &str) -> StoreResult<Option<Station>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        let found = sqlx::query(&format!(
            "SELECT {} FROM stations WHERE code = $1",
            rows::STATION_COLUMNS
        ))
        .bind(code)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?;
        let found: Vec<PgRow> = found.into_iter().collect();
        Ok(facts::stations_with_routes(&mut conn, &found).await?.pop())
    }

    #[tracing::instrument(skip_all)]
    async fn create_station(&self, station: &Station, by: &Actor) -> StoreResult<()> {
        retry(Unique::Fail, || self.try_create_station(station, by)).await
    }

    #[tracing::instrument(skip_all)]
    async fn update_station(&self, station: &Station, by: &Actor) -> StoreResult<()> {
        retry(Unique::Fail, || self.try_update_station(station, by)).await
    }

    #[tracing::instrument(skip_all)]
    async fn import_stations(&self, stations: &[Station], by: &Actor) -> StoreResult<u64> {
        retry(Unique::Fail, || self.try_import_stations(stations, by)).await
    }
}
