//! Stations in full: columns, row mapping, routes, reference checks and writes.

use crate::db_err;
use crate::queries::{all, bad_row, conflict_or, Where};
use domain::clock::{from_micros, to_micros};
use domain::ids::PostalCode;
use domain::station::{Area, Facilities, GeoPoint, LinkType, RouteStop, Station};
use rusqlite::{params, Connection, OptionalExtension, Row};
use std::collections::HashMap;
use store::{StationFilter, StoreError, StoreResult};

pub(crate) const STATION_COLUMNS: &str = "code, election_code, county_code, council_code, name, area, mobile, hard_to_reach, expected_voters, \
     address, postal_code, latitude, longitude, evoting_devices, identity_devices, power_backup, cctv, link_type, closed";

/// `?1 … ?19` in `STATION_COLUMNS` order.
const STATION_VALUES: &str =
    "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19";

/// A station row without its route (see [`attach_routes`]).
pub(crate) fn station_from_row(r: &Row<'_>) -> rusqlite::Result<Station> {
    let area: String = r.get(5)?;
    let postal: Option<String> = r.get(10)?;
    let lat: Option<f64> = r.get(11)?;
    let lon: Option<f64> = r.get(12)?;
    let link: String = r.get(17)?;
    Ok(Station {
        code: r.get(0)?,
        election_code: r.get(1)?,
        county_code: r.get(2)?,
        council_code: r.get(3)?,
        name: r.get(4)?,
        area: Area::parse(&area).ok_or_else(|| bad_row("area"))?,
        mobile: r.get(6)?,
        hard_to_reach: r.get(7)?,
        expected_voters: r.get(8)?,
        address: r.get(9)?,
        postal_code: postal
            .map(|p| PostalCode::parse(&p))
            .transpose()
            .map_err(|_| bad_row("postal_code"))?,
        location: match (lat, lon) {
            (Some(lat), Some(lon)) => Some(GeoPoint { lat, lon }),
            (None, None) => None,
            _ => return Err(bad_row("location")),
        },
        facilities: Facilities {
            evoting_devices: r.get(13)?,
            identity_devices: r.get(14)?,
            power_backup: r.get(15)?,
            cctv: r.get(16)?,
            link: LinkType::parse(&link).ok_or_else(|| bad_row("link_type"))?,
        },
        route: Vec::new(),
        closed: r.get(18)?,
    })
}

/// Loads the routes of the given stations in one query and puts each in place.
pub(crate) fn attach_routes(conn: &Connection, stations: &mut [Station]) -> StoreResult<()> {
    if stations.is_empty() {
        return Ok(());
    }
    if let [one] = stations {
        let mut s = conn
            .prepare_cached(
                "SELECT council_code, arrives_at_us, leaves_at_us FROM station_route
                 WHERE station_code = ?1 ORDER BY position",
            )
            .map_err(db_err)?;
        one.route = all(&mut s, [&one.code], |r| {
            Ok(RouteStop {
                council: r.get(0)?,
                arrives_at: from_micros(r.get(1)?),
                leaves_at: from_micros(r.get(2)?),
            })
        })?;
        return Ok(());
    }
    let codes: Vec<&str> = stations.iter().map(|s| s.code.as_str()).collect();
    let codes = serde_json::to_string(&codes).map_err(|e| StoreError::Database(e.to_string()))?;
    let mut s = conn
        .prepare_cached(
            "SELECT station_code, council_code, arrives_at_us, leaves_at_us FROM station_route
             WHERE station_code IN (SELECT value FROM json_each(?1))
             ORDER BY station_code, position",
        )
        .map_err(db_err)?;
    let rows = all(&mut s, [codes], |r| {
        Ok((
            r.get::<_, String>(0)?,
            RouteStop {
                council: r.get(1)?,
                arrives_at: from_micros(r.get(2)?),
                leaves_at: from_micros(r.get(3)?),
            },
        ))
    })?;
    let mut routes: HashMap<String, Vec<RouteStop>> = HashMap::new();
    for (code, stop) in rows {
        routes.entry(code).or_default().push(stop);
    }
    for station in stations {
        if let Some(route) = routes.remove(&station.code) {
            station.route = route;
        }
    }
    Ok(())
}

pub(crate) fn load_station(conn: &Connection, code: &str) -> StoreResult<Option<Station>> {
    let station = conn
        .prepare_cached(&format!(
            "SELECT {STATION_COLUMNS} FROM stations WHERE code = ?1"
        ))
        .map_err(db_err)?
        .query_row([code], station_from_row)
        .optional()
        .map_err(db_err)?;
    match station {
        Some(mut s) => {
            attach_routes(conn, std::slice::from_mut(&mut s))?;
            Ok(Some(s))
        }
        None => Ok(None),
    }
}

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
    w.contains("name", filter.name.as_deref());
    w
}

/// Maps a requested sort to a fixed ORDER BY; anything unknown sorts by code.
pub(crate) fn station_order(sort: Option<&str>) -> &'static str {
    match sort.unwrap_or("code") {
        "name" => "name ASC, code ASC",
        "-name" => "name DESC, code ASC",
        "expected_voters" => "expected_voters ASC, code ASC",
        "-expected_voters" => "expected_voters DESC, code ASC",
        "-code" => "code DESC",
        _ => "code ASC",
    }
}

/// Checks what `Station::validate` cannot: the election exists, and the station's council and
/// every stop's council exist in the station's county.
pub(crate) fn check_references(conn: &Connection, station: &Station) -> StoreResult<()> {
    let election: bool = conn
        .prepare_cached("SELECT EXISTS(SELECT 1 FROM elections WHERE code = ?1)")
        .map_err(db_err)?
        .query_row([&station.election_code], |r| r.get(0))
        .map_err(db_err)?;
    if !election {
        return Err(StoreError::Invalid(format!(
            "انتخابات «{}» وجود ندارد.",
            station.election_code
        )));
    }
    let mut county_of = conn
        .prepare_cached("SELECT county_code FROM councils WHERE code = ?1")
        .map_err(db_err)?;
    for council in station.councils() {
        let county: Option<String> = county_of
            .query_row([council], |r| r.get(0))
            .optional()
            .map_err(db_err)?;
        match county {
            None => {
                return Err(StoreError::Invalid(format!(
                    "شورای «{council}» وجود ندارد."
                )))
            }
            Some(c) if c != station.county_code => {
                return Err(StoreError::Invalid(format!(
                    "شورای «{council}» در شهرستان این شعبه نیست."
                )))
            }
            Some(_) => {}
        }
    }
    Ok(())
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
            .map_err(|e| conflict_or(e, "station"))?;
        }
        Write::Update => {
            let n = conn
                .prepare_cached(&format!("UPDATE stations SET {SET} WHERE code = ?1"))
                .map_err(db_err)?
                .execute(values)
                .map_err(db_err)?;
            if n == 0 {
                return Err(StoreError::NotFound { entity: "station" });
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

/// `Station::validate` as a store error, naming the station when it is one of many.
pub(crate) fn validate(station: &Station, in_batch: bool) -> StoreResult<()> {
    station.validate().map_err(|e| {
        if in_batch {
            StoreError::Invalid(format!("شعبه {}: {}", station.code, e.persian()))
        } else {
            StoreError::Invalid(e.persian())
        }
    })
}

/// Full checks and the write, for one station inside the caller's transaction.
pub(crate) fn checked_write(conn: &Connection, s: &Station, how: Write) -> StoreResult<()> {
    check_references(conn, s)?;
    write_station(conn, s, how)
}
