//! Reads that more than one area needs: the election with its timeline, a person with their
//! declared relatives, stations with their routes, what stations refer to, one voter on the
//! roll.

use crate::db::db_err;
use crate::rows::{
    person_from_row, relative_from_row, station_from_row, voter_from_row, PERSON_COLUMNS,
    STATION_COLUMNS,
};
use crate::sql::{all, grouped, parse_date};
use domain::clock::from_micros;
use domain::election::{Election, Milestone, SeatTable};
use domain::person::Person;
use domain::roll::Voter;
use domain::station::{RouteStop, Station};
use rusqlite::{Connection, OptionalExtension, Row};
use store::stations::StationReferences;
use store::{StoreError, StoreResult};

pub(crate) fn load_election(
    conn: &Connection,
    code: Option<&str>,
) -> StoreResult<Option<Election>> {
    let row = match code {
        Some(c) => conn.query_row("SELECT code, name, kind, election_day, seat_table FROM elections WHERE code = ?1", [c], election_row),
        None => conn.query_row(
            "SELECT code, name, kind, election_day, seat_table FROM elections ORDER BY created_at_us DESC, code DESC LIMIT 1",
            [],
            election_row,
        ),
    }
    .optional()
    .map_err(db_err)?;
    let Some((code, name, kind, day, table)) = row else {
        return Ok(None);
    };
    let seat_table: SeatTable = serde_json::from_str(&table)
        .map_err(|e| StoreError::Corrupt(format!("seat table of {code}: {e}")))?;
    let mut stmt = conn
        .prepare("SELECT key, name, starts_at_us, ends_at_us, owner_role, done_at_us FROM milestones WHERE election_code = ?1 ORDER BY position")
        .map_err(db_err)?;
    let milestones = stmt
        .query_map([&code], |r| {
            Ok((
                Milestone {
                    key: r.get(0)?,
                    name: r.get(1)?,
                    starts_at: from_micros(r.get(2)?),
                    ends_at: from_micros(r.get(3)?),
                    owner: None,
                    done_at: r.get::<_, Option<i64>>(5)?.map(from_micros),
                },
                r.get::<_, Option<String>>(4)?,
            ))
        })
        .map_err(db_err)?
        .map(|row| {
            let (mut m, owner) = row.map_err(db_err)?;
            m.owner = store::readiness::owner_role(owner.as_deref())?;
            Ok(m)
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Some(Election {
        code,
        name,
        kind,
        election_day: parse_date(&day).map_err(db_err)?,
        seat_table,
        milestones,
    }))
}

pub(crate) type ElectionRow = (String, String, String, String, String);

pub(crate) fn election_row(r: &Row<'_>) -> rusqlite::Result<ElectionRow> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

/// Loads the relatives of the given people in one query, ordered by the relative's id.
pub(crate) fn attach_relatives(conn: &Connection, people: &mut [Person]) -> StoreResult<()> {
    if people.is_empty() {
        return Ok(());
    }
    if let [one] = people {
        let mut s = conn
            .prepare_cached(
                "SELECT relative_id, relation FROM person_relatives WHERE national_id = ?1 ORDER BY relative_id",
            )
            .map_err(db_err)?;
        one.relatives = all(&mut s, [one.national_id.as_str()], |r| {
            relative_from_row(r, 0)
        })?;
        return Ok(());
    }
    let ids: Vec<&str> = people.iter().map(|p| p.national_id.as_str()).collect();
    let ids = serde_json::to_string(&ids).map_err(StoreError::database)?;
    let mut s = conn
        .prepare_cached(
            "SELECT national_id, relative_id, relation FROM person_relatives
             WHERE national_id IN (SELECT value FROM json_each(?1))
             ORDER BY national_id, relative_id",
        )
        .map_err(db_err)?;
    let rows = all(&mut s, [ids], |r| {
        Ok((r.get::<_, String>(0)?, relative_from_row(r, 1)?))
    })?;
    let mut by_person = grouped(rows);
    for p in people {
        if let Some(relatives) = by_person.remove(p.national_id.as_str()) {
            p.relatives = relatives;
        }
    }
    Ok(())
}

pub(crate) fn load_person(conn: &Connection, national_id: &str) -> StoreResult<Option<Person>> {
    let person = conn
        .prepare_cached(&format!(
            "SELECT {PERSON_COLUMNS} FROM people WHERE national_id = ?1"
        ))
        .map_err(db_err)?
        .query_row([national_id], person_from_row)
        .optional()
        .map_err(db_err)?;
    match person {
        Some(mut p) => {
            attach_relatives(conn, std::slice::from_mut(&mut p))?;
            Ok(Some(p))
        }
        None => Ok(None),
    }
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
    let codes = serde_json::to_string(&codes).map_err(StoreError::database)?;
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
    let mut routes = grouped(rows);
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

pub(crate) fn voter(
    conn: &Connection,
    election: &str,
    national_id: &str,
) -> StoreResult<Option<Voter>> {
    conn.prepare_cached(
        "SELECT national_id, birth_date, council_code, deceased FROM voters
         WHERE election_code = ?1 AND national_id = ?2",
    )
    .map_err(db_err)?
    .query_row([election, national_id], voter_from_row)
    .optional()
    .map_err(db_err)
}

/// What stations refer to, as `store::stations::check_stations` needs it: which of their
/// elections exist, and the county of each of their councils that exists.
pub(crate) fn station_references(
    conn: &Connection,
    stations: &[Station],
) -> StoreResult<StationReferences> {
    let (elections, councils) = StationReferences::wanted(stations);
    let mut refs = StationReferences::default();
    let mut election = conn
        .prepare_cached("SELECT EXISTS(SELECT 1 FROM elections WHERE code = ?1)")
        .map_err(db_err)?;
    for code in elections {
        let exists: bool = election.query_row([&code], |r| r.get(0)).map_err(db_err)?;
        if exists {
            refs.elections.insert(code);
        }
    }
    let mut county_of = conn
        .prepare_cached("SELECT county_code FROM councils WHERE code = ?1")
        .map_err(db_err)?;
    for code in councils {
        let county: Option<String> = county_of
            .query_row([&code], |r| r.get(0))
            .optional()
            .map_err(db_err)?;
        if let Some(county) = county {
            refs.council_counties.insert(code, county);
        }
    }
    Ok(refs)
}

// Sensitive stations (issue 16): what the readiness rule reads of a station's security.

pub(crate) fn flag_row(
    conn: &Connection,
    station: &str,
) -> StoreResult<Option<(Vec<String>, String)>> {
    conn.prepare_cached("SELECT reasons, note FROM sensitive_stations WHERE station_code = ?1")
        .map_err(db_err)?
        .query_row([station], |r| {
            Ok((
                store::security::split_reasons(&r.get::<_, String>(0)?),
                r.get(1)?,
            ))
        })
        .optional()
        .map_err(db_err)
}

fn plan_status_of(
    conn: &Connection,
    station: &str,
) -> StoreResult<Option<domain::security::PlanStatus>> {
    let s: Option<String> = conn
        .prepare_cached("SELECT status FROM security_plans WHERE station_code = ?1")
        .map_err(db_err)?
        .query_row([station], |r| r.get(0))
        .optional()
        .map_err(db_err)?;
    s.as_deref()
        .map(|s| {
            domain::security::PlanStatus::parse(s).ok_or_else(|| crate::sql::bad_row("plan status"))
        })
        .transpose()
        .map_err(db_err)
}

/// A station's security as the readiness rule (`domain::security::check_may_mark_ready`)
/// needs it, read in the caller's transaction: not sensitive when it was never flagged (the
/// station's existence is the caller's to check).
pub(crate) fn station_security(
    conn: &Connection,
    station: &str,
) -> StoreResult<domain::security::StationSecurity> {
    let flag = flag_row(conn, station)?;
    let plan_status = plan_status_of(conn, station)?;
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

/// Whether the station was declared to have fallen back to paper (what a close reads in its
/// writing transaction).
pub(crate) fn paper_fallback(
    conn: &Connection,
    election: &str,
    station: &str,
) -> StoreResult<bool> {
    conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM paper_stations WHERE election_code = ?1 AND station_code = ?2)",
    )
    .map_err(db_err)?
    .query_row([election, station], |r| r.get(0))
    .map_err(db_err)
}

/// A station's standing (what an opening reads in its writing transaction).
pub(crate) fn equipment_standing(
    conn: &Connection,
    election: &str,
    station: &str,
) -> StoreResult<domain::test_deck::EquipmentStanding> {
    let latest: Option<(String, Option<i64>)> = conn
        .prepare_cached(
            "SELECT outcome, finished_at_us FROM equipment_test_runs \
             WHERE election_code = ?1 AND station_code = ?2 ORDER BY id DESC LIMIT 1",
        )
        .map_err(db_err)?
        .query_row(rusqlite::params![election, station], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()
        .map_err(db_err)?;
    let overridden: Option<i64> = conn
        .prepare_cached(
            "SELECT at_us FROM equipment_test_overrides \
             WHERE election_code = ?1 AND station_code = ?2",
        )
        .map_err(db_err)?
        .query_row(rusqlite::params![election, station], |r| r.get(0))
        .optional()
        .map_err(db_err)?;
    store::equipment::standing_of(latest.as_ref().map(|(o, f)| (o.as_str(), *f)), overridden)
}

/// Whether the station exists, and whether its box is annulled now (issue 18 §5).
pub(crate) fn annulment_in_force(
    tx: &rusqlite::Transaction<'_>,
    election: &str,
    station: &str,
) -> StoreResult<bool> {
    let known: bool = tx
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM stations WHERE code = ?1)")
        .map_err(db_err)?
        .query_row([station], |r| r.get(0))
        .map_err(db_err)?;
    if !known {
        return Err(StoreError::not_found(store::Entity::Station));
    }
    Ok(tx
        .prepare_cached(
            "SELECT 1 FROM station_annulments
             WHERE election_code = ?1 AND station_code = ?2 AND restored_at_us IS NULL",
        )
        .map_err(db_err)?
        .query_row([election, station], |r| r.get::<_, i64>(0))
        .optional()
        .map_err(db_err)?
        .is_some())
}

/// Annuls the station's box in the caller's transaction: by the board, or on a complaint.
pub(crate) fn annul(
    tx: &rusqlite::Transaction<'_>,
    election: &str,
    station: &str,
    reason: &str,
    by: &store::Actor,
) -> StoreResult<store::annulments::Annulment> {
    let reason = domain::results::annulment::check(
        true,
        annulment_in_force(tx, election, station)?,
        reason,
    )?;
    tx.prepare_cached(
        "INSERT INTO station_annulments (election_code, station_code, reason, annulled_by,
             annulled_at_us) VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .map_err(db_err)?
    .execute(rusqlite::params![
        election,
        station,
        reason,
        by.username,
        by.at_us()
    ])
    .map_err(db_err)?;
    let made = store::annulments::Annulment {
        station: station.to_owned(),
        reason,
        by: by.username.clone(),
        at: by.at,
    };
    crate::chain::append_audit(tx, by, &store::annulments::annulled(election, &made))?;
    Ok(made)
}

/// Lifts the station's annulment in the caller's transaction: by the board, or on a hearing
/// that overturned the annulment.
pub(crate) fn restore(
    tx: &rusqlite::Transaction<'_>,
    election: &str,
    station: &str,
    reason: &str,
    by: &store::Actor,
) -> StoreResult<()> {
    let reason = domain::results::annulment::check(
        false,
        annulment_in_force(tx, election, station)?,
        reason,
    )?;
    tx.prepare_cached(
        "UPDATE station_annulments SET restored_by = ?3, restored_at_us = ?4, restore_reason = ?5
         WHERE election_code = ?1 AND station_code = ?2 AND restored_at_us IS NULL",
    )
    .map_err(db_err)?
    .execute(rusqlite::params![
        election,
        station,
        by.username,
        by.at_us(),
        reason
    ])
    .map_err(db_err)?;
    crate::chain::append_audit(
        tx,
        by,
        &store::annulments::restored(election, station, &reason),
    )
}
