//! Reads that more than one operation needs, each in one place: an election with its
//! milestones, what a batch of stations refers to, stations with their routes, people with
//! their relatives, an election's councils.

use crate::db::{db, not_found, Attempt};
use crate::rows;
use crate::rows::DAY_COLUMNS;
use domain::clock::to_micros;
use domain::election::Election;
use domain::person::Person;
use domain::station::{RouteStop, Station};
use domain::station_day::StationDay;
use domain::test_deck::EquipmentStanding;
use sqlx::postgres::{PgConnection, PgRow};
use sqlx::Row;
use std::collections::{HashMap, HashSet};
use store::election_day::polls;
use store::stations::StationReferences;
use store::StoreResult;
use store::{Entity, Refusal, StoreError};

/// An election with its milestones in one query; with `share`, its row is share-locked (a
/// roll import locks it for update).
pub(crate) async fn election_in(
    conn: &mut PgConnection,
    code: &str,
    share: bool,
) -> Attempt<Option<Election>> {
    let found = sqlx::query(&format!(
        "SELECT e.code, e.name, e.kind, e.election_day, e.seat_table, m.key AS milestone_key, \
         m.name AS milestone_name, m.starts_at_us, m.ends_at_us, m.owner_role, m.done_at_us \
         FROM elections e LEFT JOIN milestones m ON m.election_code = e.code \
         WHERE e.code = $1 ORDER BY m.position{}",
        if share { " FOR SHARE OF e" } else { "" }
    ))
    .bind(code)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows::election_joined(&found)?)
}

/// What stations refer to, for `store::stations::check_stations`: the elections among theirs
/// that exist, and the county of each council among theirs (own or route stop's) that exists.
pub(crate) async fn station_references(
    conn: &mut PgConnection,
    stations: &[Station],
) -> Attempt<StationReferences> {
    let (elections, councils) = StationReferences::wanted(stations);
    let elections: HashSet<String> =
        sqlx::query_scalar("SELECT code FROM elections WHERE code = ANY($1)")
            .bind(&elections)
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .collect();
    let council_counties: HashMap<String, String> =
        sqlx::query("SELECT code, county_code FROM councils WHERE code = ANY($1)")
            .bind(&councils)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("code")?, r.try_get("county_code")?)))
            .collect::<Result<_, sqlx::Error>>()?;
    Ok(StationReferences {
        elections,
        council_counties,
    })
}

/// The codes of an election's councils.
pub(crate) async fn election_councils(
    conn: &mut PgConnection,
    election_code: &str,
) -> Attempt<HashSet<String>> {
    Ok(
        sqlx::query_scalar("SELECT code FROM councils WHERE election_code = $1")
            .bind(election_code)
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .collect(),
    )
}

/// Whether a station of the election exists.
pub(crate) async fn station_exists(
    conn: &mut PgConnection,
    election: &str,
    station: &str,
) -> Attempt<bool> {
    Ok(sqlx::query_scalar::<_, i32>(
        "SELECT 1 FROM stations WHERE code = $1 AND election_code = $2",
    )
    .bind(station)
    .bind(election)
    .fetch_optional(&mut *conn)
    .await?
    .is_some())
}

/// The routes of the given stations, each in order.
async fn routes_of(
    conn: &mut PgConnection,
    codes: &[String],
) -> StoreResult<HashMap<String, Vec<RouteStop>>> {
    if codes.is_empty() {
        return Ok(HashMap::new());
    }
    let found = sqlx::query(
        "SELECT station_code, council_code, arrives_at_us, leaves_at_us FROM station_route \
         WHERE station_code = ANY($1) ORDER BY station_code, position",
    )
    .bind(codes)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    rows::grouped(&found, "station_code", rows::route_stop)
}

/// Station rows with their routes (one more query for all of them). A station without stops
/// is a fixed one: an empty route.
pub(crate) async fn stations_with_routes(
    conn: &mut PgConnection,
    found: &[PgRow],
) -> StoreResult<Vec<Station>> {
    let codes = rows::keys::<String>(found, "code")?;
    let mut routes = routes_of(conn, &codes).await?;
    found
        .iter()
        .zip(&codes)
        .map(|(row, code)| rows::station(row, routes.remove(code).unwrap_or_default()))
        .collect()
}

/// People rows with their declared relatives (one more query for all of them).
pub(crate) async fn people_with_relatives(
    conn: &mut PgConnection,
    found: &[PgRow],
) -> StoreResult<Vec<Person>> {
    let ids = rows::keys::<String>(found, "national_id")?;
    let mut relatives: HashMap<String, _> = HashMap::new();
    if !ids.is_empty() {
        let declared = sqlx::query(
            "SELECT national_id, relative_id, relation FROM person_relatives \
             WHERE national_id = ANY($1) ORDER BY national_id, relative_id COLLATE \"C\"",
        )
        .bind(&ids)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        relatives = rows::grouped(&declared, "national_id", rows::relative)?;
    }
    found
        .iter()
        .zip(&ids)
        .map(|(row, id)| rows::person(row, relatives.remove(id).unwrap_or_default()))
        .collect()
}

// Sensitive stations (issue 16): what the readiness rule reads of a station's security.

pub(crate) async fn flag_row(
    conn: &mut PgConnection,
    station: &str,
) -> Attempt<Option<(Vec<String>, String)>> {
    let row = sqlx::query("SELECT reasons, note FROM sensitive_stations WHERE station_code = $1")
        .bind(station)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|r| {
        let reasons: String = r.try_get("reasons")?;
        Ok((store::security::split_reasons(&reasons), r.try_get("note")?))
    })
    .transpose()
}

async fn plan_status_of(
    conn: &mut PgConnection,
    station: &str,
) -> Attempt<Option<domain::security::PlanStatus>> {
    let s: Option<String> =
        sqlx::query_scalar("SELECT status FROM security_plans WHERE station_code = $1")
            .bind(station)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(s.as_deref()
        .map(|s| {
            domain::security::PlanStatus::parse(s).ok_or_else(|| rows::corrupt("plan status", s))
        })
        .transpose()?)
}

/// A station's security as the readiness rule (`domain::security::check_may_mark_ready`)
/// needs it, read in the caller's transaction: not sensitive when it was never flagged (the
/// station's existence is the caller's to check).
pub(crate) async fn station_security(
    conn: &mut PgConnection,
    station: &str,
) -> Attempt<domain::security::StationSecurity> {
    let flag = flag_row(conn, station).await?;
    let plan_status = plan_status_of(conn, station).await?;
    Ok(match flag {
        Some((reasons, _)) => domain::security::StationSecurity {
            sensitive: true,
            reasons,
            plan_status,
        },
        None => domain::security::StationSecurity {
            sensitive: false,
            reasons: Vec::new(),
            plan_status,
        },
    })
}

/// The polls' hours of an election: `NotFound` for an unknown one, `NoPollingHours` without
/// them.
pub(crate) async fn polls_of(
    conn: &mut PgConnection,
    code: &str,
) -> Attempt<(time::OffsetDateTime, time::OffsetDateTime)> {
    let election = election_in(conn, code, false)
        .await?
        .ok_or_else(|| not_found(Entity::Election))?;
    Ok(polls(&election).ok_or(Refusal::NoPollingHours)?)
}

/// A station's day, its row created (as not opened) if missing and locked for the rest of the
/// transaction, so that concurrent actions at a station queue.
pub(crate) async fn locked_day(
    tx: &mut PgConnection,
    election_code: &str,
    station: &str,
    polls_close: time::OffsetDateTime,
) -> Attempt<StationDay> {
    sqlx::query(
        "INSERT INTO station_days (election_code, station_code, state, closes_at_us) \
         VALUES ($1, $2, 'not_opened', $3) ON CONFLICT DO NOTHING",
    )
    .bind(election_code)
    .bind(station)
    .bind(to_micros(polls_close))
    .execute(&mut *tx)
    .await?;
    let row = sqlx::query(&format!(
        "SELECT {DAY_COLUMNS} FROM station_days \
         WHERE election_code = $1 AND station_code = $2 FOR UPDATE"
    ))
    .bind(election_code)
    .bind(station)
    .fetch_one(&mut *tx)
    .await?;
    Ok(rows::station_day(&row)?
        .ok_or_else(|| StoreError::Corrupt(format!("station {station}'s day has no state")))?)
}

/// Whether the station was declared to have fallen back to paper (what a close reads in its
/// writing transaction).
pub(crate) async fn paper_fallback(
    conn: &mut PgConnection,
    election: &str,
    station: &str,
) -> Attempt<bool> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM paper_stations WHERE election_code = $1 AND station_code = $2)",
    )
    .bind(election)
    .bind(station)
    .fetch_one(&mut *conn)
    .await?)
}

/// A station's standing (what an opening reads in its writing transaction).
pub(crate) async fn equipment_standing(
    conn: &mut PgConnection,
    election: &str,
    station: &str,
) -> Attempt<EquipmentStanding> {
    let latest: Option<(String, Option<i64>)> = sqlx::query_as(
        "SELECT outcome, finished_at_us FROM equipment_test_runs \
         WHERE election_code = $1 AND station_code = $2 ORDER BY id DESC LIMIT 1",
    )
    .bind(election)
    .bind(station)
    .fetch_optional(&mut *conn)
    .await?;
    let overridden: Option<i64> = sqlx::query_scalar(
        "SELECT at_us FROM equipment_test_overrides \
         WHERE election_code = $1 AND station_code = $2",
    )
    .bind(election)
    .bind(station)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(store::equipment::standing_of(
        latest.as_ref().map(|(o, f)| (o.as_str(), *f)),
        overridden,
    )?)
}

/// Locks the station's row (`NotFound` for an unknown station); whether its box is annulled now.
pub(crate) async fn annulment_in_force(
    conn: &mut PgConnection,
    election: &str,
    station: &str,
) -> Attempt<bool> {
    crate::db::lock_station(conn, station).await?;
    Ok(sqlx::query(
        "SELECT 1 FROM station_annulments \
         WHERE election_code = $1 AND station_code = $2 AND restored_at_us IS NULL",
    )
    .bind(election)
    .bind(station)
    .fetch_optional(&mut *conn)
    .await?
    .is_some())
}

/// Annuls the station's box inside the caller's transaction (the station's row locked): by
/// the board, or on a complaint (issue 18 §5).
pub(crate) async fn annul_in(
    conn: &mut PgConnection,
    election: &str,
    station: &str,
    reason: &str,
    by: &store::Actor,
) -> Attempt<store::annulments::Annulment> {
    let reason = domain::results::annulment::check(
        true,
        annulment_in_force(conn, election, station).await?,
        reason,
    )
    .map_err(store::StoreError::from)?;
    sqlx::query(
        "INSERT INTO station_annulments (election_code, station_code, reason, annulled_by, \
             annulled_at_us) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(election)
    .bind(station)
    .bind(&reason)
    .bind(&by.username)
    .bind(by.at_us())
    .execute(&mut *conn)
    .await?;
    let made = store::annulments::Annulment {
        station: station.to_owned(),
        reason,
        by: by.username.clone(),
        at: by.at,
    };
    crate::chain::append_audit(conn, by, &store::annulments::annulled(election, &made)).await?;
    Ok(made)
}

/// Lifts the station's annulment inside the caller's transaction (the station's row locked):
/// by the board, or on a hearing that overturned the annulment.
pub(crate) async fn restore_in(
    conn: &mut PgConnection,
    election: &str,
    station: &str,
    reason: &str,
    by: &store::Actor,
) -> Attempt<()> {
    let reason = domain::results::annulment::check(
        false,
        annulment_in_force(conn, election, station).await?,
        reason,
    )
    .map_err(store::StoreError::from)?;
    sqlx::query(
        "UPDATE station_annulments SET restored_by = $3, restored_at_us = $4, \
             restore_reason = $5 \
         WHERE election_code = $1 AND station_code = $2 AND restored_at_us IS NULL",
    )
    .bind(election)
    .bind(station)
    .bind(&by.username)
    .bind(by.at_us())
    .bind(&reason)
    .execute(&mut *conn)
    .await?;
    crate::chain::append_audit(
        conn,
        by,
        &store::annulments::restored(election, station, &reason),
    )
    .await?;
    Ok(())
}
