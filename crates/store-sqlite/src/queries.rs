//! The `Store` implementation: every SQL statement of the SQLite backend.

use crate::boards;
use crate::election_day;
use crate::people::{self, insert_person, load_person};
use crate::registrations;
use crate::roll;
use crate::staffing;
use crate::stations::{
    self, attach_routes, checked_write, load_station, station_from_row, station_order,
    station_where, write_station, Write, STATION_COLUMNS,
};
use crate::{db_err, Sqlite};
use async_trait::async_trait;
use audit::AuditRecord;
use domain::access::Role;
use domain::ballot::Candidate;
use domain::boards::{BoardMember, BoardRole, Meeting};
use domain::clock::{from_micros, to_micros};
use domain::demo::DemoData;
use domain::election::{Council, CouncilKind, Election, Milestone, SeatTable};
use domain::geo::County;
use domain::person::Person;
use domain::roll::Voter;
use domain::staffing::Post;
use domain::station::Station;
use domain::station_day::{DayAction, StationDay};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row, Transaction};
use serde_json::json;
use store::{
    scope_columns, scope_from_columns, Actor, AuditFilter, BallotOutcome, BoardWithMembers,
    CheckIn, CheckInOutcome, CouncilFilter, CountyCoverage, CountyFilter, CountySummary, NewBallot,
    NewRegistration, NewSession, NewUser, Page, PageRequest, Registration, RegistrationFilter,
    SessionRecord, StaffAssignment, StaffConflict, StationCounts, StationFilter, StationGap, Store,
    StoreError, StoreResult, Turnout, TurnoutFilter, UserRecord, VettingEvent,
};

/// Appends one audit record inside the caller's transaction.
pub(crate) fn append_audit(
    conn: &Connection,
    by: &Actor,
    action: &str,
    entity: &str,
    payload: &serde_json::Value,
) -> StoreResult<()> {
    // Cached statements: every write appends a record, and check-in batches many a second.
    // The head is read, then written once: every write is an immediate transaction on the one
    // writer connection, so nothing appends in between. (`UPDATE … RETURNING` would build a
    // temporary table for its one row on every append.)
    let (seq, prev): (i64, String) = conn
        .prepare_cached("SELECT seq + 1, hash FROM audit_head WHERE id = 1")
        .map_err(db_err)?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(db_err)?;
    let payload = audit::canonical_json(payload);
    let at_us = by.at_us();
    let hash = audit::chain_hash(&prev, seq, at_us, &by.username, action, entity, &payload);
    conn.prepare_cached(
        "INSERT INTO audit_log (seq, at_us, actor, action, entity, payload, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .map_err(db_err)?
    .execute(params![seq, at_us, by.username, action, entity, payload, prev, hash])
    .map_err(db_err)?;
    conn.prepare_cached("UPDATE audit_head SET seq = ?1, hash = ?2 WHERE id = 1")
        .map_err(db_err)?
        .execute(params![seq, hash])
        .map_err(db_err)?;
    Ok(())
}

pub(crate) fn conflict_or(e: rusqlite::Error, entity: &'static str) -> StoreError {
    match &e {
        rusqlite::Error::SqliteFailure(f, msg)
            if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
                || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE =>
        {
            StoreError::Conflict {
                entity,
                constraint: msg.clone().unwrap_or_default(),
            }
        }
        _ => db_err(e),
    }
}

pub(crate) fn bad_row(what: &str) -> rusqlite::Error {
    rusqlite::Error::InvalidColumnType(0, what.to_owned(), rusqlite::types::Type::Text)
}

pub(crate) fn parse_date(s: &str) -> rusqlite::Result<time::Date> {
    time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|_| bad_row("date"))
}

pub(crate) fn iso_date(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

fn council_from_row(r: &Row<'_>) -> rusqlite::Result<Council> {
    let kind: String = r.get(2)?;
    Ok(Council {
        code: r.get(0)?,
        election_code: r.get(1)?,
        kind: CouncilKind::parse(&kind).map_err(|_| bad_row("kind"))?,
        name: r.get(3)?,
        county_code: r.get(4)?,
        place_code: r.get(5)?,
        population: r.get(6)?,
        main_seats: r.get(7)?,
        alternate_seats: r.get(8)?,
    })
}
const COUNCIL_COLUMNS: &str = "code, election_code, kind, name, county_code, place_code, population, main_seats, alternate_seats";

/// The audit payload of a station's creation or change: the record as written.
fn station_payload(station: &Station) -> StoreResult<serde_json::Value> {
    serde_json::to_value(station).map_err(|e| StoreError::Invalid(e.to_string()))
}

fn user_from_row(r: &Row<'_>) -> rusqlite::Result<UserRecord> {
    let role: String = r.get(2)?;
    let kind: String = r.get(3)?;
    Ok(UserRecord {
        username: r.get(0)?,
        password_hash: r.get(1)?,
        role: Role::parse(&role).map_err(|_| bad_row("role"))?,
        scope: scope_from_columns(&kind, r.get(4)?, r.get(5)?).ok_or_else(|| bad_row("scope"))?,
        created_at_us: r.get(6)?,
    })
}
const USER_COLUMNS: &str =
    "username, password_hash, role, scope_kind, county_code, station_code, created_at_us";

fn audit_from_row(r: &Row<'_>) -> rusqlite::Result<AuditRecord> {
    Ok(AuditRecord {
        seq: r.get(0)?,
        at_us: r.get(1)?,
        actor: r.get(2)?,
        action: r.get(3)?,
        entity: r.get(4)?,
        payload: r.get(5)?,
        prev_hash: r.get(6)?,
        hash: r.get(7)?,
    })
}
const AUDIT_COLUMNS: &str = "seq, at_us, actor, action, entity, payload, prev_hash, hash";

/// Runs a prepared statement and collects its rows.
pub(crate) fn all<T, P: rusqlite::Params>(
    s: &mut rusqlite::Statement<'_>,
    p: P,
    f: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> StoreResult<Vec<T>> {
    let rows = s.query_map(p, f).map_err(db_err)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(db_err)
}

/// A WHERE clause built from optional filters, with positional parameters.
#[derive(Default)]
pub(crate) struct Where {
    pub(crate) clauses: Vec<String>,
    pub(crate) params: Vec<Value>,
}

impl Where {
    pub(crate) fn eq(&mut self, column: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.params.push(Value::Text(v.to_owned()));
            self.clauses
                .push(format!("{column} = ?{}", self.params.len()));
        }
    }
    /// `column` starts with `value`, with no LIKE wildcards in play.
    pub(crate) fn prefix(&mut self, column: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.params.push(Value::Text(v.to_owned()));
            let n = self.params.len();
            self.clauses
                .push(format!("substr({column}, 1, length(?{n})) = ?{n}"));
        }
    }
    pub(crate) fn contains(&mut self, column: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.params.push(Value::Text(v.to_owned()));
            self.clauses
                .push(format!("instr({column}, ?{}) > 0", self.params.len()));
        }
    }
    pub(crate) fn flag(&mut self, column: &str, value: Option<bool>) {
        if let Some(v) = value {
            self.params.push(Value::Integer(i64::from(v)));
            self.clauses
                .push(format!("{column} = ?{}", self.params.len()));
        }
    }
    pub(crate) fn cmp(&mut self, column: &str, op: &str, value: Option<i64>) {
        if let Some(v) = value {
            self.params.push(Value::Integer(v));
            self.clauses
                .push(format!("{column} {op} ?{}", self.params.len()));
        }
    }
    pub(crate) fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.clauses.join(" AND "))
        }
    }
}

pub(crate) fn paged<T>(
    conn: &Connection,
    table: &str,
    columns: &str,
    filter: &Where,
    order: &str,
    page: PageRequest,
    map: fn(&Row<'_>) -> rusqlite::Result<T>,
) -> StoreResult<Page<T>> {
    let where_sql = filter.sql();
    let total: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM {table} {where_sql}"))
        .map_err(db_err)?
        .query_row(params_from_iter(filter.params.iter()), |r| r.get(0))
        .map_err(db_err)?;
    let mut values = filter.params.clone();
    values.push(Value::Integer(page.limit()));
    values.push(Value::Integer(page.offset()));
    let n = values.len();
    let sql = format!(
        "SELECT {columns} FROM {table} {where_sql} ORDER BY {order} LIMIT ?{} OFFSET ?{n}",
        n - 1
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(db_err)?;
    let items = stmt
        .query_map(params_from_iter(values.iter()), map)
        .map_err(db_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(db_err)?;
    Ok(Page {
        items,
        total,
        page: page.page,
        per_page: page.per_page,
    })
}

/// Maps a requested sort to a fixed ORDER BY; anything unknown sorts by code.
fn council_order(sort: Option<&str>) -> &'static str {
    match sort.unwrap_or("code") {
        "name" => "name ASC, code ASC",
        "-name" => "name DESC, code ASC",
        "population" => "population ASC, code ASC",
        "-population" => "population DESC, code ASC",
        "seats" => "main_seats ASC, code ASC",
        "-seats" => "main_seats DESC, code ASC",
        "-code" => "code DESC",
        _ => "code ASC",
    }
}

fn load_election(conn: &Connection, code: Option<&str>) -> StoreResult<Option<Election>> {
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
    let seat_table: SeatTable =
        serde_json::from_str(&table).map_err(|e| StoreError::Database(e.to_string()))?;
    let mut stmt = conn
        .prepare("SELECT key, name, starts_at_us, ends_at_us FROM milestones WHERE election_code = ?1 ORDER BY position")
        .map_err(db_err)?;
    let milestones = stmt
        .query_map([&code], |r| {
            Ok(Milestone {
                key: r.get(0)?,
                name: r.get(1)?,
                starts_at: from_micros(r.get(2)?),
                ends_at: from_micros(r.get(3)?),
            })
        })
        .map_err(db_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(db_err)?;
    Ok(Some(Election {
        code,
        name,
        kind,
        election_day: parse_date(&day).map_err(db_err)?,
        seat_table,
        milestones,
    }))
}

type ElectionRow = (String, String, String, String, String);
fn election_row(r: &Row<'_>) -> rusqlite::Result<ElectionRow> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn insert_province(tx: &Transaction<'_>, d: &DemoData, by: &Actor) -> StoreResult<()> {
    let exists: bool = tx
        .query_row("SELECT EXISTS(SELECT 1 FROM counties)", [], |r| r.get(0))
        .map_err(db_err)?;
    if exists {
        return Err(StoreError::Conflict {
            entity: "province",
            constraint: "a province is already loaded".into(),
        });
    }
    let e = &d.election;
    tx.execute(
        "INSERT INTO elections (code, name, kind, election_day, seat_table, created_at_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            e.code,
            e.name,
            e.kind,
            iso_date(e.election_day),
            serde_json::to_string(&e.seat_table).map_err(|err| StoreError::Invalid(err.to_string()))?,
            by.at_us()
        ],
    )
    .map_err(|err| conflict_or(err, "election"))?;
    {
        let mut s = tx.prepare("INSERT INTO milestones (election_code, key, name, starts_at_us, ends_at_us, position) VALUES (?1, ?2, ?3, ?4, ?5, ?6)").map_err(db_err)?;
        for (i, m) in e.milestones.iter().enumerate() {
            s.execute(params![
                e.code,
                m.key,
                m.name,
                to_micros(m.starts_at),
                to_micros(m.ends_at),
                i as i64
            ])
            .map_err(db_err)?;
        }
        let mut s = tx.prepare("INSERT INTO counties (code, name, name_en, centre, population, synthetic) VALUES (?1, ?2, ?3, ?4, ?5, ?6)").map_err(db_err)?;
        for c in &d.counties {
            s.execute(params![
                c.code,
                c.name,
                c.name_en,
                c.centre,
                c.population,
                c.synthetic
            ])
            .map_err(db_err)?;
        }
        let mut s = tx.prepare("INSERT INTO districts (code, county_code, name, synthetic) VALUES (?1, ?2, ?3, ?4)").map_err(db_err)?;
        for x in &d.districts {
            s.execute(params![x.code, x.county_code, x.name, x.synthetic])
                .map_err(db_err)?;
        }
        let mut s = tx.prepare("INSERT INTO cities (code, district_code, name, name_en, population, synthetic) VALUES (?1, ?2, ?3, ?4, ?5, ?6)").map_err(db_err)?;
        for x in &d.cities {
            s.execute(params![
                x.code,
                x.district_code,
                x.name,
                x.name_en,
                x.population,
                x.synthetic
            ])
            .map_err(db_err)?;
        }
        let mut s = tx.prepare("INSERT INTO rural_districts (code, district_code, name, synthetic) VALUES (?1, ?2, ?3, ?4)").map_err(db_err)?;
        for x in &d.rural_districts {
            s.execute(params![x.code, x.district_code, x.name, x.synthetic])
                .map_err(db_err)?;
        }
        let mut s = tx.prepare("INSERT INTO villages (code, rural_district_code, name, population, households, synthetic) VALUES (?1, ?2, ?3, ?4, ?5, ?6)").map_err(db_err)?;
        for x in &d.villages {
            s.execute(params![
                x.code,
                x.rural_district_code,
                x.name,
                x.population,
                x.households,
                x.synthetic
            ])
            .map_err(db_err)?;
        }
        let mut s = tx.prepare(&format!("INSERT INTO councils ({COUNCIL_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")).map_err(db_err)?;
        for c in &d.councils {
            s.execute(params![
                c.code,
                c.election_code,
                c.kind.as_str(),
                c.name,
                c.county_code,
                c.place_code,
                c.population,
                c.main_seats,
                c.alternate_seats
            ])
            .map_err(|err| conflict_or(err, "council"))?;
        }
        for x in &d.stations {
            write_station(tx, x, Write::Insert)?;
        }
        for p in &d.people {
            insert_person(tx, p)?;
        }
        let mut s = tx.prepare("INSERT INTO station_posts (election_code, station_code, post, national_id, assigned_at_us, assigned_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6)").map_err(db_err)?;
        for a in &d.assignments {
            s.execute(params![
                e.code,
                a.station,
                a.post.as_str(),
                a.national_id.as_str(),
                by.at_us(),
                by.username
            ])
            .map_err(|err| conflict_or(err, "assignment"))?;
        }
    }
    boards::load_members(tx, &d.board_members, by)?;
    registrations::load_demo(tx, &e.code, &d.registrations)?;
    let national_ids: std::collections::HashMap<&str, &str> = d
        .registrations
        .iter()
        .filter_map(|r| {
            Some((
                r.candidate_code.as_deref()?,
                r.application.national_id.as_str(),
            ))
        })
        .collect();
    crate::election_day::load_candidates(tx, &e.code, &d.candidates, &national_ids, by)?;
    let payload = json!({
        "counties": d.counties.len(), "districts": d.districts.len(), "cities": d.cities.len(),
        "rural_districts": d.rural_districts.len(), "villages": d.villages.len(), "councils": d.councils.len(),
        "stations": d.stations.len(), "people": d.people.len(), "assignments": d.assignments.len(),
        "board_members": d.board_members.len(), "candidates": d.candidates.len(),
        "registrations": d.registrations.len(),
    });
    append_audit(
        tx,
        by,
        "province.load",
        &format!("election/{}", e.code),
        &payload,
    )
}

#[async_trait]
impl Store for Sqlite {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    #[tracing::instrument(skip_all)]
    async fn ping(&self) -> StoreResult<()> {
        self.read(|c| c.query_row("SELECT 1", [], |_| Ok(())).map_err(db_err))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn is_empty(&self) -> StoreResult<bool> {
        self.read(|c| {
            c.query_row("SELECT NOT EXISTS(SELECT 1 FROM counties)", [], |r| {
                r.get(0)
            })
            .map_err(db_err)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn load_province(&self, data: &DemoData, by: &Actor) -> StoreResult<()> {
        let (data, by) = (data.clone(), by.clone());
        self.write(move |tx| insert_province(tx, &data, &by)).await
    }

    #[tracing::instrument(skip_all)]
    async fn election(&self, code: Option<&str>) -> StoreResult<Option<Election>> {
        let code = code.map(str::to_owned);
        self.read(move |c| load_election(c, code.as_deref())).await
    }

    #[tracing::instrument(skip_all)]
    async fn set_seat_table(
        &self,
        election_code: &str,
        table: &SeatTable,
        by: &Actor,
    ) -> StoreResult<u64> {
        table
            .validate()
            .map_err(|e| StoreError::Invalid(e.persian()))?;
        let (code, table, by) = (election_code.to_owned(), table.clone(), by.clone());
        self.write(move |tx| {
            let json_table = serde_json::to_string(&table).map_err(|e| StoreError::Invalid(e.to_string()))?;
            let n = tx.execute("UPDATE elections SET seat_table = ?1 WHERE code = ?2", params![json_table, code]).map_err(db_err)?;
            if n == 0 {
                return Err(StoreError::NotFound { entity: "election" });
            }
            let councils: Vec<(String, String, String, i64, u32, u32)> = {
                let mut s = tx
                    .prepare("SELECT code, kind, place_code, population, main_seats, alternate_seats FROM councils WHERE election_code = ?1")
                    .map_err(db_err)?;
                all(&mut s, [&code], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))?
            };
            let mut changed = 0u64;
            let mut update = tx.prepare("UPDATE councils SET main_seats = ?1, alternate_seats = ?2 WHERE code = ?3").map_err(db_err)?;
            for (council, kind, place, population, main, alternate) in councils {
                let kind = CouncilKind::parse(&kind).map_err(|e| StoreError::Database(e.to_string()))?;
                let seats = table.seats(kind, &place, population);
                if (seats.main, seats.alternate) != (main, alternate) {
                    update.execute(params![seats.main, seats.alternate, council]).map_err(db_err)?;
                    changed += 1;
                }
            }
            append_audit(tx, &by, "election.seat_table", &format!("election/{code}"), &json!({"seat_table": table, "councils_changed": changed}))?;
            Ok(changed)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn counties(&self, filter: &CountyFilter) -> StoreResult<Vec<CountySummary>> {
        let only = filter.county.clone();
        self.read(move |c| {
            let sql = "
                SELECT k.code, k.name, k.name_en, k.centre, k.population, k.synthetic,
                  (SELECT count(*) FROM districts d WHERE d.county_code = k.code),
                  (SELECT count(*) FROM cities x JOIN districts d ON x.district_code = d.code WHERE d.county_code = k.code),
                  (SELECT count(*) FROM villages v JOIN rural_districts r ON v.rural_district_code = r.code
                     JOIN districts d ON r.district_code = d.code WHERE d.county_code = k.code),
                  coalesce(cs.city_councils, 0), coalesce(cs.village_councils, 0), coalesce(cs.main_seats, 0), coalesce(cs.alternate_seats, 0),
                  coalesce(ss.stations, 0), coalesce(ss.urban, 0), coalesce(ss.rural, 0), coalesce(ss.mobile, 0)
                FROM counties k
                LEFT JOIN (SELECT county_code, sum(kind = 'city') AS city_councils, sum(kind = 'village') AS village_councils,
                                  sum(main_seats) AS main_seats, sum(alternate_seats) AS alternate_seats
                           FROM councils GROUP BY county_code) cs ON cs.county_code = k.code
                LEFT JOIN (SELECT county_code, count(*) AS stations, sum(area = 'urban') AS urban, sum(area = 'rural') AS rural,
                                  sum(mobile) AS mobile
                           FROM stations GROUP BY county_code) ss ON ss.county_code = k.code
                WHERE ?1 IS NULL OR k.code = ?1
                ORDER BY k.code";
            let mut s = c.prepare_cached(sql).map_err(db_err)?;
            all(&mut s, [&only], |r| {
                Ok(CountySummary {
                    county: County {
                        code: r.get(0)?,
                        name: r.get(1)?,
                        name_en: r.get(2)?,
                        centre: r.get(3)?,
                        population: r.get(4)?,
                        synthetic: r.get(5)?,
                    },
                    districts: r.get(6)?,
                    cities: r.get(7)?,
                    villages: r.get(8)?,
                    city_councils: r.get(9)?,
                    village_councils: r.get(10)?,
                    main_seats: r.get(11)?,
                    alternate_seats: r.get(12)?,
                    stations: r.get(13)?,
                    urban_stations: r.get(14)?,
                    rural_stations: r.get(15)?,
                    mobile_stations: r.get(16)?,
                })
            })
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn councils(
        &self,
        filter: &CouncilFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Council>> {
        let filter = filter.clone();
        self.read(move |c| {
            let mut w = Where::default();
            w.eq("county_code", filter.county.as_deref());
            w.eq("kind", filter.kind.map(CouncilKind::as_str));
            w.contains("name", filter.name.as_deref());
            paged(
                c,
                "councils",
                COUNCIL_COLUMNS,
                &w,
                council_order(filter.sort.as_deref()),
                page,
                council_from_row,
            )
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn council(&self, code: &str) -> StoreResult<Option<Council>> {
        let code = code.to_owned();
        self.read(move |c| {
            c.query_row(
                &format!("SELECT {COUNCIL_COLUMNS} FROM councils WHERE code = ?1"),
                [code],
                council_from_row,
            )
            .optional()
            .map_err(db_err)
        })
        .await
    }

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
                station_order(filter.sort.as_deref()),
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
        stations::validate(station, false)?;
        let (station, by) = (station.clone(), by.clone());
        self.write(move |tx| {
            checked_write(tx, &station, Write::Insert)?;
            append_audit(
                tx,
                &by,
                "station.create",
                &format!("station/{}", station.code),
                &station_payload(&station)?,
            )
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn update_station(&self, station: &Station, by: &Actor) -> StoreResult<()> {
        stations::validate(station, false)?;
        let (station, by) = (station.clone(), by.clone());
        self.write(move |tx| {
            let exists: bool = tx
                .prepare_cached("SELECT EXISTS(SELECT 1 FROM stations WHERE code = ?1)")
                .map_err(db_err)?
                .query_row([&station.code], |r| r.get(0))
                .map_err(db_err)?;
            if !exists {
                return Err(StoreError::NotFound { entity: "station" });
            }
            checked_write(tx, &station, Write::Update)?;
            append_audit(
                tx,
                &by,
                "station.update",
                &format!("station/{}", station.code),
                &station_payload(&station)?,
            )
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn import_stations(&self, batch: &[Station], by: &Actor) -> StoreResult<u64> {
        for s in batch {
            stations::validate(s, true)?;
        }
        if batch.is_empty() {
            return Ok(0);
        }
        let (batch, by) = (batch.to_vec(), by.clone());
        self.write(move |tx| {
            for s in &batch {
                checked_write(tx, s, Write::Upsert).map_err(|e| match e {
                    StoreError::Invalid(m) => StoreError::Invalid(format!("شعبه {}: {m}", s.code)),
                    other => other,
                })?;
            }
            let codes: Vec<&str> = batch.iter().map(|s| s.code.as_str()).collect();
            let election = batch.first().map_or("none", |s| s.election_code.as_str());
            append_audit(
                tx,
                &by,
                "station.import",
                &format!("election/{election}"),
                &json!({
                    "count": batch.len(),
                    "codes_digest": audit::digest_hex(codes.join(",").as_bytes()),
                }),
            )?;
            Ok(batch.len() as u64)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn person(&self, national_id: &str) -> StoreResult<Option<Person>> {
        let id = national_id.to_owned();
        self.read(move |c| load_person(c, &id)).await
    }

    #[tracing::instrument(skip_all)]
    async fn create_person(&self, person: &Person, by: &Actor) -> StoreResult<()> {
        let (p, by) = (person.clone(), by.clone());
        self.write(move |tx| {
            insert_person(tx, &p)?;
            append_audit(
                tx,
                &by,
                "person.create",
                &format!("person/{}", p.national_id),
                &json!({
                    "national_id": p.national_id.as_str(),
                    "first_name": p.first_name,
                    "last_name": p.last_name,
                }),
            )
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn import_people(&self, people: &[Person], by: &Actor) -> StoreResult<u64> {
        if people.is_empty() {
            return Ok(0);
        }
        let (people, by) = (people.to_vec(), by.clone());
        self.write(move |tx| {
            for p in &people {
                insert_person(tx, p)?;
            }
            append_audit(
                tx,
                &by,
                "person.import",
                "people",
                &json!({"count": people.len()}),
            )?;
            Ok(people.len() as u64)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn search_people(&self, query: &str, page: PageRequest) -> StoreResult<Page<Person>> {
        let query = query.to_owned();
        self.read(move |c| people::search(c, &query, page)).await
    }

    #[tracing::instrument(skip_all)]
    async fn add_candidate(
        &self,
        election_code: &str,
        council_code: &str,
        national_id: &str,
        by: &Actor,
    ) -> StoreResult<()> {
        let (election, council, id, by) = (
            election_code.to_owned(),
            council_code.to_owned(),
            national_id.to_owned(),
            by.clone(),
        );
        self.write(move |tx| staffing::add_candidate(tx, &election, &council, &id, &by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn registration_facts(
        &self,
        election_code: &str,
    ) -> StoreResult<Vec<domain::participation::RegistrationFact>> {
        let election = election_code.to_owned();
        self.read(move |c| registrations::facts(c, &election)).await
    }

    #[tracing::instrument(skip_all)]
    async fn all_candidates(&self, election_code: &str) -> StoreResult<Vec<Candidate>> {
        let election = election_code.to_owned();
        self.read(move |c| election_day::all_candidates(c, &election))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn candidate_photo(
        &self,
        election_code: &str,
        candidate_code: &str,
    ) -> StoreResult<Option<store::StoredDocument>> {
        let (election, code) = (election_code.to_owned(), candidate_code.to_owned());
        self.read(move |c| registrations::candidate_photo(c, &election, &code))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn council_place(&self, code: &str) -> StoreResult<Option<domain::registration::Place>> {
        let code = code.to_owned();
        self.read(move |c| registrations::council_place(c, &code))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn register(&self, registration: &NewRegistration, by: &Actor) -> StoreResult<()> {
        let (registration, by) = (registration.clone(), by.clone());
        self.write(move |tx| registrations::register(tx, &registration, &by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn registration(
        &self,
        election_code: &str,
        tracking_code: &str,
    ) -> StoreResult<Option<(Registration, Vec<VettingEvent>)>> {
        let (election, code) = (election_code.to_owned(), tracking_code.to_owned());
        self.read(move |c| registrations::registration(c, &election, &code))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn registrations(
        &self,
        election_code: &str,
        filter: &RegistrationFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Registration>> {
        let (election, filter) = (election_code.to_owned(), filter.clone());
        self.read(move |c| registrations::registrations(c, &election, &filter, page))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn vet(
        &self,
        election_code: &str,
        tracking_code: &str,
        action: &domain::vetting::VettingAction,
        reviewer: domain::vetting::Reviewer,
        by: &Actor,
    ) -> StoreResult<Registration> {
        let (election, code, action, by) = (
            election_code.to_owned(),
            tracking_code.to_owned(),
            action.clone(),
            by.clone(),
        );
        self.write(move |tx| registrations::vet(tx, &election, &code, &action, reviewer, &by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn station_staff(&self, station: &str) -> StoreResult<Vec<StaffAssignment>> {
        let station = station.to_owned();
        self.read(move |c| staffing::station_staff(c, &station))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn assign_post(
        &self,
        station: &str,
        post: Post,
        national_id: &str,
        by: &Actor,
    ) -> StoreResult<StaffAssignment> {
        let (station, id, by) = (station.to_owned(), national_id.to_owned(), by.clone());
        self.write(move |tx| staffing::assign_post(tx, &station, post, &id, &by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn unassign_post(
        &self,
        station: &str,
        post: Post,
        by: &Actor,
    ) -> StoreResult<Option<StaffAssignment>> {
        let (station, by) = (station.to_owned(), by.clone());
        self.write(move |tx| staffing::unassign_post(tx, &station, post, &by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn coverage(&self, county: Option<&str>) -> StoreResult<Vec<CountyCoverage>> {
        let county = county.map(str::to_owned);
        self.read(move |c| staffing::coverage(c, county.as_deref()))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn staffing_gaps(
        &self,
        county: &str,
        page: PageRequest,
    ) -> StoreResult<Page<StationGap>> {
        let county = county.to_owned();
        self.read(move |c| staffing::staffing_gaps(c, &county, page))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn staffing_conflicts(&self, county: Option<&str>) -> StoreResult<Vec<StaffConflict>> {
        let county = county.map(str::to_owned);
        self.read(move |c| staffing::staffing_conflicts(c, county.as_deref()))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn import_roll(
        &self,
        election_code: &str,
        rows: tokio::sync::mpsc::Receiver<store::RollBatch>,
        source_digest: &str,
        by: &Actor,
    ) -> StoreResult<u64> {
        let (election, digest, by) = (
            election_code.to_owned(),
            source_digest.to_owned(),
            by.clone(),
        );
        let inner = self.inner.clone();
        self.write_unenforced(move |tx| {
            // Under the writer's lock, so no check-in batch runs between this and the import.
            inner
                .roll_imports
                .fetch_add(1, std::sync::atomic::Ordering::Release);
            roll::import(tx, &election, rows, &digest, &by)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn voter(&self, election_code: &str, national_id: &str) -> StoreResult<Option<Voter>> {
        let (election, id) = (election_code.to_owned(), national_id.to_owned());
        self.read(move |c| roll::voter(c, &election, &id)).await
    }

    #[tracing::instrument(skip_all)]
    async fn roll_count(&self, election_code: &str) -> StoreResult<i64> {
        let election = election_code.to_owned();
        self.read(move |c| roll::count(c, &election)).await
    }

    #[tracing::instrument(skip_all)]
    async fn station_day(
        &self,
        election_code: &str,
        station: &str,
    ) -> StoreResult<Option<StationDay>> {
        let (election, station) = (election_code.to_owned(), station.to_owned());
        self.read(move |c| election_day::station_day(c, &election, &station))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn act_on_station(
        &self,
        election_code: &str,
        station: &str,
        action: &DayAction,
        by: &Actor,
    ) -> StoreResult<StationDay> {
        let (election, station, action, by) = (
            election_code.to_owned(),
            station.to_owned(),
            action.clone(),
            by.clone(),
        );
        let opened = matches!(action, DayAction::Open { .. }).then(|| election.clone());
        let day = self
            .write(move |tx| election_day::act(tx, &election, &station, &action, &by))
            .await?;
        if let Some(election) = opened {
            // The day's first check-ins would otherwise wait for the roll to be read. Best
            // effort: with the writer's queue full, they will read it.
            let _ = self
                .inner
                .jobs
                .try_send(election_day::Job::ReadRoll(election));
        }
        Ok(day)
    }

    #[tracing::instrument(skip_all)]
    async fn station_counts(
        &self,
        election_code: &str,
        station: &str,
    ) -> StoreResult<StationCounts> {
        let (election, station) = (election_code.to_owned(), station.to_owned());
        self.read(move |c| election_day::counts(c, &election, &station))
            .await
    }

    async fn check_in(&self, checkin: CheckIn) -> StoreResult<CheckInOutcome> {
        self.batched(|reply| election_day::Job::CheckIn(checkin, reply))
            .await
    }

    async fn cast_ballot(&self, ballot: NewBallot) -> StoreResult<BallotOutcome> {
        self.batched(|reply| election_day::Job::Ballot(ballot, reply))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn receipt(&self, election_code: &str, receipt: &str) -> StoreResult<Option<String>> {
        let (election, receipt) = (election_code.to_owned(), receipt.to_owned());
        self.read(move |c| election_day::receipt(c, &election, &receipt))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn candidates(&self, election_code: &str, council: &str) -> StoreResult<Vec<Candidate>> {
        let (election, council) = (election_code.to_owned(), council.to_owned());
        self.read(move |c| election_day::candidates(c, &election, &council))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn turnout(&self, election_code: &str, filter: &TurnoutFilter) -> StoreResult<Turnout> {
        let (election, filter) = (election_code.to_owned(), filter.clone());
        self.read(move |c| election_day::turnout(c, &election, &filter))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn boards(&self, county: Option<&str>) -> StoreResult<Vec<BoardWithMembers>> {
        let county = county.map(str::to_owned);
        self.read(move |c| boards::boards(c, county.as_deref()))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn board(&self, code: &str) -> StoreResult<Option<BoardWithMembers>> {
        let code = code.to_owned();
        self.read(move |c| boards::board(c, &code)).await
    }

    #[tracing::instrument(skip_all)]
    async fn add_board_member(
        &self,
        board: &str,
        national_id: &str,
        role: BoardRole,
        term: (time::Date, Option<time::Date>),
        by: &Actor,
    ) -> StoreResult<BoardMember> {
        let (board, id, by) = (board.to_owned(), national_id.to_owned(), by.clone());
        self.write(move |tx| boards::add_member(tx, &board, &id, role, term, &by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn remove_board_member(
        &self,
        board: &str,
        national_id: &str,
        by: &Actor,
    ) -> StoreResult<Option<BoardMember>> {
        let (board, id, by) = (board.to_owned(), national_id.to_owned(), by.clone());
        self.write(move |tx| boards::remove_member(tx, &board, &id, &by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn record_meeting(&self, meeting: &Meeting, by: &Actor) -> StoreResult<i64> {
        let (meeting, by) = (meeting.clone(), by.clone());
        self.write(move |tx| boards::record_meeting(tx, &meeting, &by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn meetings(&self, board: &str) -> StoreResult<Vec<Meeting>> {
        let board = board.to_owned();
        self.read(move |c| boards::meetings(c, &board)).await
    }

    #[tracing::instrument(skip_all)]
    async fn meeting(&self, id: i64) -> StoreResult<Option<Meeting>> {
        self.read(move |c| boards::meeting(c, id)).await
    }

    #[tracing::instrument(skip_all)]
    async fn people_count(&self) -> StoreResult<i64> {
        self.read(|c| {
            c.query_row("SELECT count(*) FROM people", [], |r| r.get(0))
                .map_err(db_err)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn create_user(&self, user: &NewUser, by: &Actor) -> StoreResult<()> {
        let (user, by) = (user.clone(), by.clone());
        self.write(move |tx| {
            let (kind, county, station) = scope_columns(&user.scope);
            tx.execute(
                &format!("INSERT INTO users ({USER_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
                params![
                    user.username,
                    user.password_hash,
                    user.role.as_str(),
                    kind,
                    county,
                    station,
                    by.at_us()
                ],
            )
            .map_err(|e| conflict_or(e, "user"))?;
            append_audit(
                tx,
                &by,
                "user.create",
                &format!("user/{}", user.username),
                &json!({"role": user.role, "scope": user.scope}),
            )
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn user(&self, username: &str) -> StoreResult<Option<UserRecord>> {
        let name = username.to_owned();
        self.read(move |c| {
            c.query_row(
                &format!("SELECT {USER_COLUMNS} FROM users WHERE username = ?1"),
                [name],
                user_from_row,
            )
            .optional()
            .map_err(db_err)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn users(&self) -> StoreResult<Vec<UserRecord>> {
        self.read(|c| {
            let mut s = c
                .prepare(&format!(
                    "SELECT {USER_COLUMNS} FROM users ORDER BY username"
                ))
                .map_err(db_err)?;
            all(&mut s, [], user_from_row)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn create_session(&self, session: &NewSession, by: &Actor) -> StoreResult<()> {
        let (s, by) = (session.clone(), by.clone());
        self.write(move |tx| {
            // Housekeeping in the same transaction: the user's expired sessions go.
            let expired = tx
                .execute("DELETE FROM sessions WHERE username = ?1 AND expires_at_us <= ?2", params![s.username, by.at_us()])
                .map_err(db_err)?;
            tx.execute(
                "INSERT INTO sessions (token_hash, username, csrf_token, created_at_us, expires_at_us) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![s.token_hash, s.username, s.csrf_token, by.at_us(), s.expires_at_us],
            )
            .map_err(|e| conflict_or(e, "session"))?;
            append_audit(tx, &by, "auth.login", &format!("user/{}", s.username), &json!({"expires_at_us": s.expires_at_us, "expired_sessions_removed": expired}))
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn session(
        &self,
        token_hash: &str,
        now_us: i64,
    ) -> StoreResult<Option<(SessionRecord, UserRecord)>> {
        let token = token_hash.to_owned();
        self.read(move |c| {
            let sql = "SELECT s.token_hash, s.username, s.csrf_token, s.created_at_us, s.expires_at_us,
                              u.username, u.password_hash, u.role, u.scope_kind, u.county_code, u.station_code, u.created_at_us
                       FROM sessions s JOIN users u ON u.username = s.username
                       WHERE s.token_hash = ?1 AND s.expires_at_us > ?2";
            c.prepare_cached(sql)
                .map_err(db_err)?
                .query_row(params![token, now_us], |r| {
                    let session = SessionRecord {
                        token_hash: r.get(0)?,
                        username: r.get(1)?,
                        csrf_token: r.get(2)?,
                        created_at_us: r.get(3)?,
                        expires_at_us: r.get(4)?,
                    };
                    let role: String = r.get(7)?;
                    let kind: String = r.get(8)?;
                    let user = UserRecord {
                        username: r.get(5)?,
                        password_hash: r.get(6)?,
                        role: Role::parse(&role).map_err(|_| bad_row("role"))?,
                        scope: scope_from_columns(&kind, r.get(9)?, r.get(10)?).ok_or_else(|| bad_row("scope"))?,
                        created_at_us: r.get(11)?,
                    };
                    Ok((session, user))
                })
                .optional()
                .map_err(db_err)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn delete_session(&self, token_hash: &str, by: &Actor) -> StoreResult<()> {
        let (token, by) = (token_hash.to_owned(), by.clone());
        self.write(move |tx| {
            let username: Option<String> = tx
                .query_row(
                    "DELETE FROM sessions WHERE token_hash = ?1 RETURNING username",
                    [&token],
                    |r| r.get(0),
                )
                .optional()
                .map_err(db_err)?;
            match username {
                Some(u) => append_audit(tx, &by, "auth.logout", &format!("user/{u}"), &json!({})),
                None => Ok(()),
            }
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn audit_page(
        &self,
        filter: &AuditFilter,
        page: PageRequest,
    ) -> StoreResult<Page<AuditRecord>> {
        let f = filter.clone();
        self.read(move |c| {
            let mut w = Where::default();
            w.eq("actor", f.actor.as_deref());
            w.prefix("action", f.action.as_deref());
            w.prefix("entity", f.entity.as_deref());
            w.cmp("at_us", ">=", f.from_us);
            w.cmp("at_us", "<=", f.to_us);
            paged(
                c,
                "audit_log",
                AUDIT_COLUMNS,
                &w,
                "seq DESC",
                page,
                audit_from_row,
            )
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn audit_scan(&self, after: i64, limit: u32) -> StoreResult<Vec<AuditRecord>> {
        self.read(move |c| {
            let mut s = c
                .prepare_cached(&format!(
                    "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT ?2"
                ))
                .map_err(db_err)?;
            all(&mut s, params![after, i64::from(limit)], audit_from_row)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn audit_head(&self) -> StoreResult<(i64, String)> {
        self.read(|c| {
            c.query_row("SELECT seq, hash FROM audit_head WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(db_err)
        })
        .await
    }
}
