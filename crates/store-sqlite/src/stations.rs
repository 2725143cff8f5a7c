//! Polling stations on SQLite: rows, routes and writes.

use crate::chain::append_audit;
use crate::db::{db_err, duplicate_or, Sqlite};
use crate::facts::{attach_routes, load_station, station_references};
use crate::rows::{station_from_row, STATION_COLUMNS};
use crate::sql::{paged, Where};
use async_trait::async_trait;
use domain::clock::to_micros;
use domain::ids::PostalCode;
use domain::station::{Area, Station};
use rusqlite::{params, Connection};
use store::stations::{check_stations, station_created, station_updated, stations_imported};
use store::{
    Actor, Entity, Page, PageRequest, Sort, StationFilter, StationSortKey, StationStore,
    StoreError, StoreResult,
};

/// `?1 … ?19` in `STATION_COLUMNS` order.
const STATION_VALUES: &str =
    "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19";

/// The WHERE clause of a station list; every value is a bound parameter.
pub(crate) fn station_where(filter: &StationFilter) -> Where {
    let mut w = Where::default();
    w.eq("county_code", filter.county.as_deref());
    if let Some(council) = &filter.council {
        w.params.push(rusqlite::types::Value::Text(council.clone()));
        let n = w.params.len();
        w.clauses.push(format!(
            "(council_code = ?{n} OR EXISTS (SELECT 1 FROM station_route r WHERE r.station_code = stations.code AND r.council_code = ?{n}))"
        ));
    }
    w.eq("code", filter.station.as_deref());
    w.eq("area", filter.area.map(Area::as_str));
    w.flag("mobile", filter.mobile);
    w.flag("closed", filter.closed);
    w.searches("name", filter.name.as_deref());
    w
}

/// The ORDER BY of a station list; the code breaks ties.
fn station_order(sort: Sort<StationSortKey>) -> &'static str {
    match (sort.key, sort.descending) {
        (StationSortKey::Code, false) => "code ASC",
        (StationSortKey::Code, true) => "code DESC",
        (StationSortKey::Name, false) => "name ASC, code ASC",
        (StationSortKey::Name, true) => "name DESC, code ASC",
        (StationSortKey::ExpectedVoters, false) => "expected_voters ASC, code ASC",
        (StationSortKey::ExpectedVoters, true) => "expected_voters DESC, code ASC",
    }
}

/// How a station row is written.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Write {
    /// A new code: `Conflict` when taken.
    Insert,
    /// An existing code: `NotFound` when missing.
    Update,
    /// Either.
    Upsert,
}

/// Writes the station's row and replaces its route. References must be checked already.
pub(crate) fn write_station(conn: &Connection, s: &Station, how: Write) -> StoreResult<()> {
    let values = params![
        s.code,
        s.election_code,
        s.county_code,
        s.council_code,
        s.name,
        s.area.as_str(),
        s.mobile,
        s.hard_to_reach,
        s.expected_voters,
        s.address,
        s.postal_code.as_ref().map(PostalCode::as_str),
        s.location.map(|p| p.lat),
        s.location.map(|p| p.lon),
        s.facilities.evoting_devices,
        s.facilities.identity_devices,
        s.facilities.power_backup,
        s.facilities.cctv,
        s.facilities.link.as_str(),
        s.closed,
    ];
    const SET: &str = "election_code = ?2, county_code = ?3, council_code = ?4, name = ?5, area = ?6, mobile = ?7, \
         hard_to_reach = ?8, expected_voters = ?9, address = ?10, postal_code = ?11, latitude = ?12, longitude = ?13, \
         evoting_devices = ?14, identity_devices = ?15, power_backup = ?16, cctv = ?17, link_type = ?18, closed = ?19";
    match how {
        Write::Insert => {
            conn.prepare_cached(&format!(
                "INSERT INTO stations ({STATION_COLUMNS}) VALUES ({STATION_VALUES})"
            ))
            .map_err(db_err)?
            .execute(values)
            .map_err(|e| duplicate_or(e, Entity::Station, &s.code))?;
        }
        Write::Update => {
            let n = conn
                .prepare_cached(&format!("UPDATE stations SET {SET} WHERE code = ?1"))
                .map_err(db_err)?
                .execute(values)
                .map_err(db_err)?;
            if n == 0 {
                return Err(StoreError::not_found(Entity::Station));
            }
        }
        Write::Upsert => {
            conn.prepare_cached(&format!(
                "INSERT INTO stations ({STATION_COLUMNS}) VALUES ({STATION_VALUES}) ON CONFLICT (code) DO UPDATE SET {SET}"
            ))
            .map_err(db_err)?
            .execute(values)
            .map_err(db_err)?;
        }
    }
    if how != Write::Insert {
        conn.prepare_cached("DELETE FROM station_route WHERE station_code = ?1")
            .map_err(db_err)?
            .execute([&s.code])
            .map_err(db_err)?;
    }
    insert_route(conn, s)
}

pub(crate) fn insert_route(conn: &Connection, s: &Station) -> StoreResult<()> {
    if s.route.is_empty() {
        return Ok(());
    }
    let mut insert = conn
        .prepare_cached(
            "INSERT INTO station_route (station_code, position, council_code, arrives_at_us, leaves_at_us)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .map_err(db_err)?;
    for (i, stop) in s.route.iter().enumerate() {
        insert
            .execute(params![
                s.code,
                i as i64,
                stop.council,
                to_micros(stop.arrives_at),
                to_micros(stop.leaves_at)
            ])
            .map_err(db_err)?;
    }
    Ok(())
}

/// Checks stations against what they refer to (`check_stations`) and writes them, in the
/// caller's transaction.
fn checked_write(conn: &Connection, stations: &[Station], how: Write) -> StoreResult<()> {
    let refs = station_references(conn, stations)?;
    check_stations(stations, &refs)?;
    for station in stations {
        write_station(conn, station, how)?;
    }
    Ok(())
}

/// The demo's stations, as generated (checked by the demo's own tests).
pub(crate) fn write_demo(conn: &Connection, stations: &[Station]) -> StoreResult<()> {
    for station in stations {
        write_station(conn, station, Write::Insert)?;
    }
    Ok(())
}

#[async_trait]
impl StationStore for Sqlite {
    #[tracing::instrument(skip_all)]
    async fn stations(
        &self,
        filter: &StationFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Station>> {
        let filter = filter.clone();
        self.read(move |c| {
            let w = station_where(&filter);
            let mut page = paged(
                c,
                "stations",
                STATION_COLUMNS,
                &w,
                station_order(filter.sort),
                page,
                station_from_row,
            )?;
            attach_routes(c, &mut page.items)?;
            Ok(page)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn station(&self, code: &str) -> StoreResult<Option<Station>> {
        let code = code.to_owned();
        self.read(move |c| load_station(c, &code)).await
    }

    #[tracing::instrument(skip_all)]
    async fn create_station(&self, station: &Station, by: &Actor) -> StoreResult<()> {
        let (station, by) = (station.clone(), by.clone());
        self.write(move |tx| {
            checked_write(tx, std::slice::from_ref(&station), Write::Insert)?;
            append_audit(tx, &by, &station_created(&station)?)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn update_station(&self, station: &Station, by: &Actor) -> StoreResult<()> {
        let (station, by) = (station.clone(), by.clone());
        self.write(move |tx| {
            let exists: bool = tx
                .prepare_cached("SELECT EXISTS(SELECT 1 FROM stations WHERE code = ?1)")
                .map_err(db_err)?
                .query_row([&station.code], |r| r.get(0))
                .map_err(db_err)?;
            if !exists {
                return Err(StoreError::not_found(Entity::Station));
            }
            checked_write(tx, std::slice::from_ref(&station), Write::Update)?;
            append_audit(tx, &by, &station_updated(&station)?)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn import_stations(&self, batch: &[Station], by: &Actor) -> StoreResult<u64> {
        if batch.is_empty() {
            return Ok(0);
        }
        let (batch, by) = (batch.to_vec(), by.clone());
        self.write(move |tx| {
            checked_write(tx, &batch, Write::Upsert)?;
            append_audit(tx, &by, &stations_imported(&batch))?;
            Ok(batch.len() as u64)
        })
        .await
    }
}
