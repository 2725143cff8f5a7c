//! The PostgreSQL backend of [`store::Store`].
//!
//! Runtime queries with binds only (no compile-time checked macros: no database exists at build
//! time). Every mutation writes its change and its audit record in one transaction; appends to
//! the audit chain serialise on the single `audit_head` row. Times are kept as BIGINT
//! microseconds, exactly as in SQLite, so that audit hashes are identical across backends.

mod boards;
mod conflicts;
mod day;
mod migrate;
mod registrations;
mod roll;
mod rows;
#[doc(hidden)]
pub mod testing;
mod writer;

use async_trait::async_trait;
use audit::AuditRecord;
use domain::ballot::Candidate;
use domain::boards::{BoardMember, BoardRole, Meeting};
use domain::demo::DemoData;
use domain::election::{Council, Election, SeatTable};
use domain::person::{Person, Relative};
use domain::roll::Voter;
use domain::staffing::{check_assignment, AssignmentFacts, Post};
use domain::station::{RouteStop, Station};
use domain::station_day::{DayAction, StationDay};
use sqlx::postgres::{PgConnection, PgPool, PgPoolOptions, PgRow};
use sqlx::Row;
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::time::Duration;
use store::{
    scope_columns, Actor, AuditFilter, BallotOutcome, BoardWithMembers, CheckIn, CheckInOutcome,
    CouncilFilter, CountyCoverage, CountyFilter, CountySummary, NewBallot, NewRegistration,
    NewSession, NewUser, Page, PageRequest, Registration, RegistrationFilter, SessionRecord,
    StaffAssignment, StaffConflict, StationCounts, StationFilter, StationGap, Store, StoreError,
    StoreResult, Turnout, TurnoutFilter, UserRecord, VettingEvent,
};

/// How many times a transaction is tried when PostgreSQL reports a serialization failure or a
/// deadlock.
const MAX_ATTEMPTS: u32 = 5;

/// The PostgreSQL store: a connection pool over a migrated database.
#[derive(Debug, Clone)]
pub struct Postgres {
    pool: PgPool,
    /// The election-day batching writer (check-ins and ballots).
    writer: writer::Writer,
}

/// Why one attempt at a transaction failed: a database error (maybe worth retrying) or a
/// refusal of the store's own.
#[derive(Debug)]
enum Fail {
    Sql(sqlx::Error),
    Store(StoreError),
}

impl From<sqlx::Error> for Fail {
    fn from(e: sqlx::Error) -> Self {
        Self::Sql(e)
    }
}

impl From<StoreError> for Fail {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

type Attempt<T> = Result<T, Fail>;

fn sqlstate(e: &sqlx::Error) -> Option<String> {
    match e {
        sqlx::Error::Database(db) => db.code().map(std::borrow::Cow::into_owned),
        _ => None,
    }
}

fn is_retryable(e: &sqlx::Error) -> bool {
    matches!(sqlstate(e).as_deref(), Some("40001" | "40P01"))
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    sqlstate(e).as_deref() == Some("23505")
}

/// Maps a database error; a unique violation becomes a conflict on `entity`.
fn map_sql(e: sqlx::Error, entity: &'static str) -> StoreError {
    if let sqlx::Error::Database(db) = &e {
        if db.code().as_deref() == Some("23505") {
            return StoreError::Conflict {
                entity,
                constraint: db.constraint().unwrap_or("unique").to_owned(),
            };
        }
    }
    StoreError::Database(e.to_string())
}

/// The error of a single attempt, for reads that are not retried.
fn into_store(fail: Fail) -> StoreError {
    match fail {
        Fail::Sql(e) => db(e),
        Fail::Store(e) => e,
    }
}

fn db(e: sqlx::Error) -> StoreError {
    StoreError::Database(e.to_string())
}

fn page<T>(items: Vec<T>, total: i64, req: PageRequest) -> Page<T> {
    Page {
        items,
        total,
        page: req.page,
        per_page: req.per_page,
    }
}

/// Appends one record to the audit chain inside the caller's transaction. The `UPDATE … RETURNING`
/// takes the head row's lock, so concurrent appends queue here and each sees its predecessor's
/// committed head.
async fn append_audit(
    conn: &mut PgConnection,
    by: &Actor,
    action: &str,
    entity: &str,
    payload: &serde_json::Value,
) -> Attempt<i64> {
    let row = sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
        .fetch_one(&mut *conn)
        .await?;
    let seq: i64 = row.try_get("seq")?;
    let prev_hash: String = row.try_get("hash")?;
    let at_us = by.at_us();
    let payload = audit::canonical_json(payload);
    let hash = audit::chain_hash(
        &prev_hash,
        seq,
        at_us,
        &by.username,
        action,
        entity,
        &payload,
    );
    // The record and the new head in one statement (one round trip).
    sqlx::query(
        "WITH record AS (INSERT INTO audit_log (seq, at_us, actor, action, entity, payload, \
           prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)) \
         UPDATE audit_head SET hash = $8 WHERE id = 1",
    )
    .bind(seq)
    .bind(at_us)
    .bind(&by.username)
    .bind(action)
    .bind(entity)
    .bind(&payload)
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut *conn)
    .await?;
    Ok(seq)
}

/// Runs one transaction attempt after another until it commits, fails for good, or has been
/// refused by serialization failures or deadlocks (and with `unique_too`, unique violations)
/// `MAX_ATTEMPTS` times.
async fn retry<T, F, Fut>(entity: &'static str, unique_too: bool, mut attempt: F) -> StoreResult<T>
where
    F: FnMut() -> Fut + Send,
    Fut: Future<Output = Attempt<T>> + Send,
{
    let mut tries = 0;
    loop {
        tries += 1;
        match attempt().await {
            Ok(v) => return Ok(v),
            Err(Fail::Sql(e))
                if (is_retryable(&e) || (unique_too && is_unique_violation(&e)))
                    && tries < MAX_ATTEMPTS =>
            {
                tracing::debug!(error = %e, tries, "transaction conflict, retrying");
                tokio::time::sleep(Duration::from_millis(5 << tries)).await;
            }
            Err(Fail::Sql(e)) => return Err(map_sql(e, entity)),
            Err(Fail::Store(e)) => return Err(e),
        }
    }
}

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
async fn write_stations(
    conn: &mut PgConnection,
    stations: &[Station],
    replace: bool,
) -> Attempt<()> {
    let column = |f: fn(&Station) -> String| stations.iter().map(f).collect::<Vec<_>>();
    let devices =
        |f: fn(&Station) -> u32| stations.iter().map(|s| i64::from(f(s))).collect::<Vec<_>>();
    let flag = |f: fn(&Station) -> bool| stations.iter().map(f).collect::<Vec<_>>();
    let sql = format!(
        "INSERT INTO stations ({}) \
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], \
         $7::bool[], $8::bool[], $9::bigint[], $10::text[], $11::text[], $12::float8[], $13::float8[], \
         $14::bigint[], $15::bigint[], $16::bool[], $17::bool[], $18::text[], $19::bool[]){}",
        rows::STATION_COLUMNS,
        if replace { STATION_UPSERT } else { "" }
    );
    sqlx::query(&sql)
        .bind(column(|s| s.code.clone()))
        .bind(column(|s| s.election_code.clone()))
        .bind(column(|s| s.county_code.clone()))
        .bind(column(|s| s.council_code.clone()))
        .bind(column(|s| s.name.clone()))
        .bind(column(|s| s.area.as_str().to_owned()))
        .bind(flag(|s| s.mobile))
        .bind(flag(|s| s.hard_to_reach))
        .bind(
            stations
                .iter()
                .map(|s| s.expected_voters)
                .collect::<Vec<_>>(),
        )
        .bind(column(|s| s.address.clone()))
        .bind(
            stations
                .iter()
                .map(|s| s.postal_code.as_ref().map(|p| p.as_str().to_owned()))
                .collect::<Vec<_>>(),
        )
        .bind(
            stations
                .iter()
                .map(|s| s.location.map(|p| p.lat))
                .collect::<Vec<_>>(),
        )
        .bind(
            stations
                .iter()
                .map(|s| s.location.map(|p| p.lon))
                .collect::<Vec<_>>(),
        )
        .bind(devices(|s| s.facilities.evoting_devices))
        .bind(devices(|s| s.facilities.identity_devices))
        .bind(flag(|s| s.facilities.power_backup))
        .bind(flag(|s| s.facilities.cctv))
        .bind(column(|s| s.facilities.link.as_str().to_owned()))
        .bind(flag(|s| s.closed))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Writes the stations' routes in one statement; with `replace`, their old routes go first.
async fn write_routes(conn: &mut PgConnection, stations: &[Station], replace: bool) -> Attempt<()> {
    if replace {
        sqlx::query("DELETE FROM station_route WHERE station_code = ANY($1)")
            .bind(stations.iter().map(|s| s.code.clone()).collect::<Vec<_>>())
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

/// Checks what stations refer to: their election exists, and their own council and every route
/// stop's council exist and lie in the station's county. `Invalid` (in Persian) otherwise.
async fn check_station_refs(conn: &mut PgConnection, stations: &[Station]) -> Attempt<()> {
    let mut elections: Vec<String> = stations.iter().map(|s| s.election_code.clone()).collect();
    elections.sort();
    elections.dedup();
    let found: HashSet<String> =
        sqlx::query_scalar("SELECT code FROM elections WHERE code = ANY($1)")
            .bind(&elections)
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .collect();
    let mut codes: Vec<String> = stations
        .iter()
        .flat_map(|s| s.councils().into_iter().map(str::to_owned))
        .collect();
    codes.sort();
    codes.dedup();
    let counties: HashMap<String, String> =
        sqlx::query("SELECT code, county_code FROM councils WHERE code = ANY($1)")
            .bind(&codes)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("code")?, r.try_get("county_code")?)))
            .collect::<Result<_, sqlx::Error>>()?;
    for station in stations {
        // In a batch, say which station is wrong.
        let whose = |message: String| {
            if stations.len() > 1 {
                StoreError::Invalid(format!("شعبه {}: {message}", station.code))
            } else {
                StoreError::Invalid(message)
            }
        };
        if !found.contains(&station.election_code) {
            return Err(whose(format!("انتخابات «{}» یافت نشد.", station.election_code)).into());
        }
        for council in station.councils() {
            match counties.get(council) {
                None => return Err(whose(format!("شورای «{council}» یافت نشد.")).into()),
                Some(county) if *county != station.county_code => {
                    return Err(
                        whose(format!("شورای «{council}» در شهرستان این شعبه نیست.")).into(),
                    )
                }
                Some(_) => {}
            }
        }
    }
    Ok(())
}

/// Writes people and their declared relatives, one statement per table.
async fn write_people(conn: &mut PgConnection, people: &[Person]) -> Attempt<()> {
    let birth_dates = people
        .iter()
        .map(|x| rows::format_date(x.birth_date))
        .collect::<StoreResult<Vec<_>>>()?;
    let column = |f: fn(&Person) -> String| people.iter().map(f).collect::<Vec<_>>();
    sqlx::query(&format!(
        "INSERT INTO people ({}) \
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], \
         $7::text[], $8::text[], $9::bool[])",
        rows::PERSON_COLUMNS
    ))
    .bind(column(|x| x.national_id.as_str().to_owned()))
    .bind(column(|x| x.first_name.clone()))
    .bind(column(|x| x.last_name.clone()))
    .bind(column(|x| x.father_name.clone()))
    .bind(column(|x| x.gender.as_str().to_owned()))
    .bind(birth_dates)
    .bind(
        people
            .iter()
            .map(|x| x.mobile.as_ref().map(|m| m.as_str().to_owned()))
            .collect::<Vec<_>>(),
    )
    .bind(
        people
            .iter()
            .map(|x| x.education.map(|e| e.as_str().to_owned()))
            .collect::<Vec<_>>(),
    )
    .bind(
        people
            .iter()
            .map(|x| x.sitting_council_member)
            .collect::<Vec<_>>(),
    )
    .execute(&mut *conn)
    .await?;
    let (mut ids, mut relatives, mut relations) = (Vec::new(), Vec::new(), Vec::new());
    for person in people {
        for relative in &person.relatives {
            ids.push(person.national_id.as_str().to_owned());
            relatives.push(relative.national_id.as_str().to_owned());
            relations.push(relative.relation.as_str().to_owned());
        }
    }
    if !ids.is_empty() {
        sqlx::query(
            "INSERT INTO person_relatives (national_id, relative_id, relation) \
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[])",
        )
        .bind(ids)
        .bind(relatives)
        .bind(relations)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Writes the demo's approved candidates in one statement, each with the national id of its
/// registration (a candidate without one, which the demo does not make, is keyed
/// `cand-<code>`; the SQLite store uses the same rule).
async fn write_demo_candidates(
    conn: &mut PgConnection,
    election_code: &str,
    candidates: &[Candidate],
    registrations: &[domain::demo::DemoRegistration],
    by: &Actor,
) -> Attempt<()> {
    if candidates.is_empty() {
        return Ok(());
    }
    let national_ids: HashMap<&str, &str> = registrations
        .iter()
        .filter_map(|r| {
            Some((
                r.candidate_code.as_deref()?,
                r.application.national_id.as_str(),
            ))
        })
        .collect();
    let column = |f: &dyn Fn(&Candidate) -> String| candidates.iter().map(f).collect::<Vec<_>>();
    sqlx::query(
        "INSERT INTO candidates (election_code, council_code, national_id, created_at_us, code, \
         first_name, last_name, gender, education, occupation) \
         SELECT $1, u.council, u.national_id, $2, u.code, u.first_name, u.last_name, u.gender, \
           u.education, u.occupation \
         FROM UNNEST($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], \
           $9::text[], $10::text[]) \
           AS u(code, council, first_name, last_name, gender, education, occupation, national_id)",
    )
    .bind(election_code)
    .bind(by.at_us())
    .bind(column(&|c| c.code.clone()))
    .bind(column(&|c| c.council.clone()))
    .bind(column(&|c| c.first_name.clone()))
    .bind(column(&|c| c.last_name.clone()))
    .bind(column(&|c| c.gender.as_str().to_owned()))
    .bind(
        candidates
            .iter()
            .map(|c| c.education.map(|e| e.as_str().to_owned()))
            .collect::<Vec<_>>(),
    )
    .bind(column(&|c| c.occupation.clone()))
    .bind(column(&|c| {
        national_ids
            .get(c.code.as_str())
            .map_or_else(|| format!("cand-{}", c.code), |id| (*id).to_owned())
    }))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The routes of the given stations, each in order.
async fn routes_of(
    pool: &PgPool,
    codes: &[String],
) -> StoreResult<HashMap<String, Vec<RouteStop>>> {
    let mut out: HashMap<String, Vec<RouteStop>> = HashMap::new();
    if codes.is_empty() {
        return Ok(out);
    }
    let found = sqlx::query(
        "SELECT station_code, council_code, arrives_at_us, leaves_at_us FROM station_route \
         WHERE station_code = ANY($1) ORDER BY station_code, position",
    )
    .bind(codes)
    .fetch_all(pool)
    .await
    .map_err(db)?;
    for row in &found {
        let code: String = row.try_get("station_code").map_err(db)?;
        out.entry(code).or_default().push(rows::route_stop(row)?);
    }
    Ok(out)
}

/// Station rows with their routes (one more query for all of them).
async fn stations_with_routes(pool: &PgPool, found: &[PgRow]) -> StoreResult<Vec<Station>> {
    let codes = found
        .iter()
        .map(|r| r.try_get::<String, _>("code").map_err(db))
        .collect::<StoreResult<Vec<_>>>()?;
    let mut routes = routes_of(pool, &codes).await?;
    found
        .iter()
        .zip(&codes)
        .map(|(row, code)| rows::station(row, routes.remove(code).unwrap_or_default()))
        .collect()
}

/// People rows with their declared relatives (one more query for all of them).
async fn people_with_relatives(pool: &PgPool, found: &[PgRow]) -> StoreResult<Vec<Person>> {
    let ids = found
        .iter()
        .map(|r| r.try_get::<String, _>("national_id").map_err(db))
        .collect::<StoreResult<Vec<_>>>()?;
    let mut relatives: HashMap<String, Vec<Relative>> = HashMap::new();
    if !ids.is_empty() {
        let declared = sqlx::query(
            "SELECT national_id, relative_id, relation FROM person_relatives \
             WHERE national_id = ANY($1) ORDER BY national_id, relative_id COLLATE \"C\"",
        )
        .bind(&ids)
        .fetch_all(pool)
        .await
        .map_err(db)?;
        for row in &declared {
            let id: String = row.try_get("national_id").map_err(db)?;
            relatives.entry(id).or_default().push(rows::relative(row)?);
        }
    }
    found
        .iter()
        .zip(&ids)
        .map(|(row, id)| rows::person(row, relatives.remove(id).unwrap_or_default()))
        .collect()
}

/// The audit entity of a post at a station.
fn post_entity(station: &str, post: Post) -> String {
    format!("station/{station}/staff/{}", post.as_str())
}

impl Postgres {
    /// Connects to `url` (`postgres://…`) and brings the schema up to date.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(30))
            .connect(url)
            .await
            .map_err(db)?;
        migrate::run(&pool).await?;
        let writer = writer::Writer::spawn(pool.clone());
        Ok(Self { pool, writer })
    }

    /// Runs arbitrary SQL outside the system (no audit record). Only for tests that tamper with
    /// the audit log behind the system's back.
    #[doc(hidden)]
    pub async fn raw_execute(&self, sql: &str) -> StoreResult<u64> {
        let done = sqlx::raw_sql(sql).execute(&self.pool).await.map_err(db)?;
        Ok(done.rows_affected())
    }

    /// Runs one transaction attempt after another until it commits, fails for good, or has been
    /// refused by serialization failures or deadlocks `MAX_ATTEMPTS` times.
    async fn retrying<T, F, Fut>(&self, entity: &'static str, attempt: F) -> StoreResult<T>
    where
        F: FnMut() -> Fut + Send,
        Fut: Future<Output = Attempt<T>> + Send,
    {
        self.retrying_on(entity, false, attempt).await
    }

    /// [`Self::retrying`], and with `unique_too` a unique violation is also tried again: the next
    /// attempt reads the row that won the race and decides on it (a refusal, never retried).
    async fn retrying_on<T, F, Fut>(
        &self,
        entity: &'static str,
        unique_too: bool,
        attempt: F,
    ) -> StoreResult<T>
    where
        F: FnMut() -> Fut + Send,
        Fut: Future<Output = Attempt<T>> + Send,
    {
        retry(entity, unique_too, attempt).await
    }

    async fn try_load_province(&self, data: &DemoData, by: &Actor) -> Attempt<()> {
        let mut tx = self.pool.begin().await?;
        let loaded: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM counties)")
            .fetch_one(&mut *tx)
            .await?;
        if loaded {
            return Err(StoreError::Conflict {
                entity: "province",
                constraint: "a province is already loaded".into(),
            }
            .into());
        }

        let counties = &data.counties;
        sqlx::query(
            "INSERT INTO counties (code, name, name_en, centre, population, synthetic) \
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bool[])",
        )
        .bind(counties.iter().map(|x| x.code.clone()).collect::<Vec<_>>())
        .bind(counties.iter().map(|x| x.name.clone()).collect::<Vec<_>>())
        .bind(counties.iter().map(|x| x.name_en.clone()).collect::<Vec<_>>())
        .bind(counties.iter().map(|x| x.centre.clone()).collect::<Vec<_>>())
        .bind(counties.iter().map(|x| x.population).collect::<Vec<_>>())
        .bind(counties.iter().map(|x| x.synthetic).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await?;

        let districts = &data.districts;
        sqlx::query(
            "INSERT INTO districts (code, county_code, name, synthetic) \
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::bool[])",
        )
        .bind(districts.iter().map(|x| x.code.clone()).collect::<Vec<_>>())
        .bind(
            districts
                .iter()
                .map(|x| x.county_code.clone())
                .collect::<Vec<_>>(),
        )
        .bind(districts.iter().map(|x| x.name.clone()).collect::<Vec<_>>())
        .bind(districts.iter().map(|x| x.synthetic).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await?;

        let cities = &data.cities;
        sqlx::query(
            "INSERT INTO cities (code, district_code, name, name_en, population, synthetic) \
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bool[])",
        )
        .bind(cities.iter().map(|x| x.code.clone()).collect::<Vec<_>>())
        .bind(cities.iter().map(|x| x.district_code.clone()).collect::<Vec<_>>())
        .bind(cities.iter().map(|x| x.name.clone()).collect::<Vec<_>>())
        .bind(cities.iter().map(|x| x.name_en.clone()).collect::<Vec<_>>())
        .bind(cities.iter().map(|x| x.population).collect::<Vec<_>>())
        .bind(cities.iter().map(|x| x.synthetic).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await?;

        let rurals = &data.rural_districts;
        sqlx::query(
            "INSERT INTO rural_districts (code, district_code, name, synthetic) \
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::bool[])",
        )
        .bind(rurals.iter().map(|x| x.code.clone()).collect::<Vec<_>>())
        .bind(
            rurals
                .iter()
                .map(|x| x.district_code.clone())
                .collect::<Vec<_>>(),
        )
        .bind(rurals.iter().map(|x| x.name.clone()).collect::<Vec<_>>())
        .bind(rurals.iter().map(|x| x.synthetic).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await?;

        let villages = &data.villages;
        sqlx::query(
            "INSERT INTO villages (code, rural_district_code, name, population, households, synthetic) \
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bool[])",
        )
        .bind(villages.iter().map(|x| x.code.clone()).collect::<Vec<_>>())
        .bind(villages.iter().map(|x| x.rural_district_code.clone()).collect::<Vec<_>>())
        .bind(villages.iter().map(|x| x.name.clone()).collect::<Vec<_>>())
        .bind(villages.iter().map(|x| x.population).collect::<Vec<_>>())
        .bind(villages.iter().map(|x| x.households).collect::<Vec<_>>())
        .bind(villages.iter().map(|x| x.synthetic).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await?;

        let election = &data.election;
        let seat_table = serde_json::to_string(&election.seat_table)
            .map_err(|err| StoreError::Invalid(err.to_string()))?;
        sqlx::query(
            "INSERT INTO elections (code, name, kind, election_day, seat_table, created_at_us) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&election.code)
        .bind(&election.name)
        .bind(&election.kind)
        .bind(rows::format_date(election.election_day)?)
        .bind(&seat_table)
        .bind(by.at_us())
        .execute(&mut *tx)
        .await?;
        let milestones = &election.milestones;
        sqlx::query(
            "INSERT INTO milestones (election_code, key, name, starts_at_us, ends_at_us, position) \
             SELECT $1, * FROM UNNEST($2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[])",
        )
        .bind(&election.code)
        .bind(milestones.iter().map(|x| x.key.clone()).collect::<Vec<_>>())
        .bind(milestones.iter().map(|x| x.name.clone()).collect::<Vec<_>>())
        .bind(milestones.iter().map(|x| domain::clock::to_micros(x.starts_at)).collect::<Vec<_>>())
        .bind(milestones.iter().map(|x| domain::clock::to_micros(x.ends_at)).collect::<Vec<_>>())
        .bind((0..milestones.len()).map(|i| i as i64).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await?;

        let councils = &data.councils;
        sqlx::query(
            "INSERT INTO councils (code, election_code, kind, name, county_code, place_code, population, \
             main_seats, alternate_seats) \
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], \
             $7::bigint[], $8::bigint[], $9::bigint[])",
        )
        .bind(councils.iter().map(|x| x.code.clone()).collect::<Vec<_>>())
        .bind(councils.iter().map(|x| x.election_code.clone()).collect::<Vec<_>>())
        .bind(councils.iter().map(|x| x.kind.as_str().to_owned()).collect::<Vec<_>>())
        .bind(councils.iter().map(|x| x.name.clone()).collect::<Vec<_>>())
        .bind(councils.iter().map(|x| x.county_code.clone()).collect::<Vec<_>>())
        .bind(councils.iter().map(|x| x.place_code.clone()).collect::<Vec<_>>())
        .bind(councils.iter().map(|x| x.population).collect::<Vec<_>>())
        .bind(councils.iter().map(|x| i64::from(x.main_seats)).collect::<Vec<_>>())
        .bind(councils.iter().map(|x| i64::from(x.alternate_seats)).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await?;

        write_stations(&mut tx, &data.stations, false).await?;
        write_routes(&mut tx, &data.stations, false).await?;
        write_people(&mut tx, &data.people).await?;

        let assignments = &data.assignments;
        sqlx::query(
            "INSERT INTO station_posts (election_code, station_code, post, national_id, assigned_at_us, \
             assigned_by) \
             SELECT $1, u.station, u.post, u.national_id, $2, $3 \
             FROM UNNEST($4::text[], $5::text[], $6::text[]) AS u(station, post, national_id)",
        )
        .bind(&election.code)
        .bind(by.at_us())
        .bind(&by.username)
        .bind(assignments.iter().map(|x| x.station.clone()).collect::<Vec<_>>())
        .bind(assignments.iter().map(|x| x.post.as_str().to_owned()).collect::<Vec<_>>())
        .bind(assignments.iter().map(|x| x.national_id.as_str().to_owned()).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await?;
        boards::write_demo_members(&mut tx, &data.board_members, by).await?;
        registrations::write_demo(&mut tx, &election.code, &data.registrations).await?;
        write_demo_candidates(
            &mut tx,
            &election.code,
            &data.candidates,
            &data.registrations,
            by,
        )
        .await?;

        let payload = serde_json::json!({
            "counties": data.counties.len(),
            "districts": data.districts.len(),
            "cities": data.cities.len(),
            "rural_districts": data.rural_districts.len(),
            "villages": data.villages.len(),
            "councils": data.councils.len(),
            "stations": data.stations.len(),
            "people": data.people.len(),
            "assignments": data.assignments.len(),
            "board_members": data.board_members.len(),
            "candidates": data.candidates.len(),
            "registrations": data.registrations.len(),
        });
        append_audit(
            &mut tx,
            by,
            "province.load",
            &format!("election/{}", election.code),
            &payload,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn try_set_seat_table(
        &self,
        code: &str,
        table: &SeatTable,
        seat_json: &str,
        by: &Actor,
    ) -> Attempt<u64> {
        let mut tx = self.pool.begin().await?;
        // Locking the election's row serialises concurrent edits of its table.
        let found: Option<String> =
            sqlx::query_scalar("SELECT code FROM elections WHERE code = $1 FOR UPDATE")
                .bind(code)
                .fetch_optional(&mut *tx)
                .await?;
        if found.is_none() {
            return Err(StoreError::NotFound { entity: "election" }.into());
        }
        sqlx::query("UPDATE elections SET seat_table = $1 WHERE code = $2")
            .bind(seat_json)
            .bind(code)
            .execute(&mut *tx)
            .await?;
        let councils = sqlx::query(
            "SELECT code, kind, place_code, population, main_seats, alternate_seats FROM councils \
             WHERE election_code = $1",
        )
        .bind(code)
        .fetch_all(&mut *tx)
        .await?;
        let (mut codes, mut mains, mut alternates) = (Vec::new(), Vec::new(), Vec::new());
        for row in &councils {
            let kind = rows::council_kind(&row.try_get::<String, _>("kind")?)?;
            let place: String = row.try_get("place_code")?;
            let seats = table.seats(kind, &place, row.try_get("population")?);
            let (main, alternate) = (i64::from(seats.main), i64::from(seats.alternate));
            if main != row.try_get::<i64, _>("main_seats")?
                || alternate != row.try_get::<i64, _>("alternate_seats")?
            {
                codes.push(row.try_get::<String, _>("code")?);
                mains.push(main);
                alternates.push(alternate);
            }
        }
        let changed = codes.len() as u64;
        if !codes.is_empty() {
            sqlx::query(
                "UPDATE councils AS c SET main_seats = u.main, alternate_seats = u.alternate \
                 FROM UNNEST($1::text[], $2::bigint[], $3::bigint[]) AS u(code, main, alternate) \
                 WHERE c.code = u.code",
            )
            .bind(codes)
            .bind(mains)
            .bind(alternates)
            .execute(&mut *tx)
            .await?;
        }
        let table_value =
            serde_json::to_value(table).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let payload = serde_json::json!({ "seat_table": table_value, "councils_changed": changed });
        append_audit(
            &mut tx,
            by,
            "election.seat_table",
            &format!("election/{code}"),
            &payload,
        )
        .await?;
        tx.commit().await?;
        Ok(changed)
    }

    async fn try_create_user(&self, user: &NewUser, by: &Actor) -> Attempt<()> {
        let mut tx = self.pool.begin().await?;
        let (kind, county, station) = scope_columns(&user.scope);
        sqlx::query(
            "INSERT INTO users (username, password_hash, role, scope_kind, county_code, station_code, created_at_us) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&user.username)
        .bind(&user.password_hash)
        .bind(user.role.as_str())
        .bind(kind)
        .bind(county)
        .bind(station)
        .bind(by.at_us())
        .execute(&mut *tx)
        .await?;
        let scope =
            serde_json::to_value(&user.scope).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let payload = serde_json::json!({ "role": user.role.as_str(), "scope": scope });
        append_audit(
            &mut tx,
            by,
            "user.create",
            &format!("user/{}", user.username),
            &payload,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn try_create_session(&self, session: &NewSession, by: &Actor) -> Attempt<()> {
        let mut tx = self.pool.begin().await?;
        // Housekeeping in the same transaction: the user's expired sessions go.
        let expired =
            sqlx::query("DELETE FROM sessions WHERE username = $1 AND expires_at_us <= $2")
                .bind(&session.username)
                .bind(by.at_us())
                .execute(&mut *tx)
                .await?
                .rows_affected();
        sqlx::query(
            "INSERT INTO sessions (token_hash, username, csrf_token, created_at_us, expires_at_us) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&session.token_hash)
        .bind(&session.username)
        .bind(&session.csrf_token)
        .bind(by.at_us())
        .bind(session.expires_at_us)
        .execute(&mut *tx)
        .await?;
        let payload = serde_json::json!({ "expires_at_us": session.expires_at_us, "expired_sessions_removed": expired });
        append_audit(
            &mut tx,
            by,
            "auth.login",
            &format!("user/{}", session.username),
            &payload,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn try_delete_session(&self, token_hash: &str, by: &Actor) -> Attempt<()> {
        let mut tx = self.pool.begin().await?;
        let username: Option<String> =
            sqlx::query_scalar("DELETE FROM sessions WHERE token_hash = $1 RETURNING username")
                .bind(token_hash)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(username) = username else {
            // Nothing to end: no change, no audit record.
            tx.rollback().await?;
            return Ok(());
        };
        append_audit(
            &mut tx,
            by,
            "auth.logout",
            &format!("user/{username}"),
            &serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn try_create_station(&self, station: &Station, by: &Actor) -> Attempt<()> {
        let mut tx = self.pool.begin().await?;
        check_station_refs(&mut tx, std::slice::from_ref(station)).await?;
        // A taken code fails here with a unique violation: `Conflict { entity: "station" }`.
        write_stations(&mut tx, std::slice::from_ref(station), false).await?;
        write_routes(&mut tx, std::slice::from_ref(station), false).await?;
        append_audit(
            &mut tx,
            by,
            "station.create",
            &format!("station/{}", station.code),
            &station_payload(station)?,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn try_update_station(&self, station: &Station, by: &Actor) -> Attempt<()> {
        let mut tx = self.pool.begin().await?;
        // Locking the row serialises the update with assignments at this station.
        let found: Option<String> =
            sqlx::query_scalar("SELECT code FROM stations WHERE code = $1 FOR NO KEY UPDATE")
                .bind(&station.code)
                .fetch_optional(&mut *tx)
                .await?;
        if found.is_none() {
            return Err(StoreError::NotFound { entity: "station" }.into());
        }
        check_station_refs(&mut tx, std::slice::from_ref(station)).await?;
        write_stations(&mut tx, std::slice::from_ref(station), true).await?;
        write_routes(&mut tx, std::slice::from_ref(station), true).await?;
        append_audit(
            &mut tx,
            by,
            "station.update",
            &format!("station/{}", station.code),
            &station_payload(station)?,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn try_import_stations(&self, stations: &[Station], by: &Actor) -> Attempt<u64> {
        let mut tx = self.pool.begin().await?;
        check_station_refs(&mut tx, stations).await?;
        write_stations(&mut tx, stations, true).await?;
        write_routes(&mut tx, stations, true).await?;
        let codes: Vec<&str> = stations.iter().map(|s| s.code.as_str()).collect();
        let payload = serde_json::json!({
            "count": stations.len(),
            "codes_digest": audit::digest_hex(codes.join(",").as_bytes()),
        });
        let election = stations
            .first()
            .map_or("none", |s| s.election_code.as_str());
        append_audit(
            &mut tx,
            by,
            "station.import",
            &format!("election/{election}"),
            &payload,
        )
        .await?;
        tx.commit().await?;
        Ok(stations.len() as u64)
    }

    async fn try_create_person(&self, person: &Person, by: &Actor) -> Attempt<()> {
        let mut tx = self.pool.begin().await?;
        // A registered national id fails here: `Conflict { entity: "person" }`.
        write_people(&mut tx, std::slice::from_ref(person)).await?;
        // Only who was registered: no other personal data goes into the log.
        let payload = serde_json::json!({
            "national_id": person.national_id.as_str(),
            "first_name": person.first_name,
            "last_name": person.last_name,
        });
        append_audit(
            &mut tx,
            by,
            "person.create",
            &format!("person/{}", person.national_id.as_str()),
            &payload,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn try_import_people(&self, people: &[Person], by: &Actor) -> Attempt<u64> {
        let mut tx = self.pool.begin().await?;
        write_people(&mut tx, people).await?;
        append_audit(
            &mut tx,
            by,
            "person.import",
            "people",
            &serde_json::json!({ "count": people.len() }),
        )
        .await?;
        tx.commit().await?;
        Ok(people.len() as u64)
    }

    async fn try_add_candidate(
        &self,
        election_code: &str,
        council_code: &str,
        national_id: &str,
        by: &Actor,
    ) -> Attempt<()> {
        let mut tx = self.pool.begin().await?;
        let election: Option<String> =
            sqlx::query_scalar("SELECT code FROM elections WHERE code = $1")
                .bind(election_code)
                .fetch_optional(&mut *tx)
                .await?;
        if election.is_none() {
            return Err(StoreError::NotFound { entity: "election" }.into());
        }
        let council: Option<String> =
            sqlx::query_scalar("SELECT code FROM councils WHERE code = $1")
                .bind(council_code)
                .fetch_optional(&mut *tx)
                .await?;
        if council.is_none() {
            return Err(StoreError::NotFound { entity: "council" }.into());
        }
        // If the person is registered, lock them: a candidacy and an assignment of the same
        // person queue on this row, so neither decides on facts the other is changing.
        sqlx::query("SELECT 1 FROM people WHERE national_id = $1 FOR NO KEY UPDATE")
            .bind(national_id)
            .fetch_optional(&mut *tx)
            .await?;
        // A second candidacy in the election fails here: `Conflict { entity: "candidate" }`.
        sqlx::query(
            "INSERT INTO candidates (election_code, council_code, national_id, created_at_us) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(election_code)
        .bind(council_code)
        .bind(national_id)
        .bind(by.at_us())
        .execute(&mut *tx)
        .await?;
        append_audit(
            &mut tx,
            by,
            "candidate.add",
            &format!("candidate/{national_id}"),
            &serde_json::json!({ "council": council_code, "election": election_code }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Reads the facts of an assignment and decides on them, in the transaction that writes it.
    /// The station's row and then the person's row are locked first, so assignments at one
    /// station, and of one person, queue behind each other and each reads the posts the
    /// previous one left: never two holders of a post, never two posts for a person.
    async fn try_assign_post(
        &self,
        station: &str,
        post: Post,
        national_id: &str,
        by: &Actor,
    ) -> Attempt<StaffAssignment> {
        let mut tx = self.pool.begin().await?;
        let found = sqlx::query(
            "SELECT s.election_code, s.closed, e.election_day FROM stations s \
             JOIN elections e ON e.code = s.election_code WHERE s.code = $1 FOR NO KEY UPDATE OF s",
        )
        .bind(station)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(found) = found else {
            return Err(StoreError::NotFound { entity: "station" }.into());
        };
        let election_code: String = found.try_get("election_code")?;
        let station_closed: bool = found.try_get("closed")?;
        let election_day = rows::parse_date(&found.try_get::<String, _>("election_day")?)?;

        let found = sqlx::query(&format!(
            "SELECT {} FROM people WHERE national_id = $1 FOR NO KEY UPDATE",
            rows::PERSON_COLUMNS
        ))
        .bind(national_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(found) = found else {
            return Err(StoreError::NotFound { entity: "person" }.into());
        };
        let person = rows::person(&found, Vec::new())?;

        let current = sqlx::query(
            "SELECT station_code, post, assigned_at_us, assigned_by FROM station_posts \
             WHERE election_code = $1 AND national_id = $2",
        )
        .bind(&election_code)
        .bind(national_id)
        .fetch_optional(&mut *tx)
        .await?;
        let current = current
            .map(|row| -> Attempt<_> {
                Ok((
                    row.try_get::<String, _>("station_code")?,
                    rows::post(&row.try_get::<String, _>("post")?)?,
                    row.try_get::<i64, _>("assigned_at_us")?,
                    row.try_get::<String, _>("assigned_by")?,
                ))
            })
            .transpose()?;
        let holder: Option<String> = sqlx::query_scalar(
            "SELECT national_id FROM station_posts WHERE station_code = $1 AND post = $2",
        )
        .bind(station)
        .bind(post.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        // The councils the station serves (its own and its route's), the candidates standing in
        // them, and among those the person and any declared relative (either way round).
        let standing = sqlx::query(
            "WITH served AS ( \
               SELECT council_code FROM stations WHERE code = $1 \
               UNION SELECT council_code FROM station_route WHERE station_code = $1), \
             standing AS ( \
               SELECT c.national_id FROM candidates c JOIN served ON served.council_code = c.council_code \
               WHERE c.election_code = $2) \
             SELECT EXISTS (SELECT 1 FROM standing WHERE national_id = $3) AS candidate_here, \
               (SELECT s.national_id FROM standing s WHERE s.national_id <> $3 AND EXISTS ( \
                  SELECT 1 FROM person_relatives r \
                  WHERE (r.national_id = $3 AND r.relative_id = s.national_id) \
                     OR (r.national_id = s.national_id AND r.relative_id = $3)) \
                ORDER BY s.national_id COLLATE \"C\" LIMIT 1) AS candidate_relative",
        )
        .bind(station)
        .bind(&election_code)
        .bind(national_id)
        .fetch_one(&mut *tx)
        .await?;
        let candidate_here: bool = standing.try_get("candidate_here")?;
        let candidate_relative: Option<String> = standing.try_get("candidate_relative")?;

        let facts = AssignmentFacts {
            person: &person,
            election_day,
            station_closed,
            current_post: current.as_ref().map(|(s, p, _, _)| (s.clone(), *p)),
            holder: holder.as_deref().map(rows::national_id_of).transpose()?,
            candidate_here,
            candidate_relative: candidate_relative
                .as_deref()
                .map(rows::national_id_of)
                .transpose()?,
        };
        check_assignment(station, post, &facts).map_err(StoreError::Refused)?;

        let assignment = |assigned_at_us, assigned_by| StaffAssignment {
            station: station.to_owned(),
            post,
            national_id: national_id.to_owned(),
            first_name: person.first_name.clone(),
            last_name: person.last_name.clone(),
            assigned_at_us,
            assigned_by,
        };
        if let Some((held_at, held_post, at_us, assigned_by)) = current {
            if held_at == station && held_post == post {
                // Already so: nothing changes, nothing is recorded.
                tx.rollback().await?;
                return Ok(assignment(at_us, assigned_by));
            }
        }
        sqlx::query(
            "INSERT INTO station_posts (election_code, station_code, post, national_id, assigned_at_us, \
             assigned_by) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&election_code)
        .bind(station)
        .bind(post.as_str())
        .bind(national_id)
        .bind(by.at_us())
        .bind(&by.username)
        .execute(&mut *tx)
        .await?;
        append_audit(
            &mut tx,
            by,
            "staff.assign",
            &post_entity(station, post),
            &serde_json::json!({ "national_id": national_id }),
        )
        .await?;
        tx.commit().await?;
        Ok(assignment(by.at_us(), by.username.clone()))
    }

    async fn try_unassign_post(
        &self,
        station: &str,
        post: Post,
        by: &Actor,
    ) -> Attempt<Option<StaffAssignment>> {
        let mut tx = self.pool.begin().await?;
        // Queue with assignments at this station (see `try_assign_post`).
        sqlx::query("SELECT 1 FROM stations WHERE code = $1 FOR NO KEY UPDATE")
            .bind(station)
            .fetch_optional(&mut *tx)
            .await?;
        let removed = sqlx::query(
            "WITH d AS (DELETE FROM station_posts WHERE station_code = $1 AND post = $2 \
               RETURNING station_code, post, national_id, assigned_at_us, assigned_by) \
             SELECT d.station_code, d.post, d.national_id, p.first_name, p.last_name, d.assigned_at_us, \
               d.assigned_by FROM d JOIN people p ON p.national_id = d.national_id",
        )
        .bind(station)
        .bind(post.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(removed) = removed else {
            // A vacant post: no change, no audit record.
            tx.rollback().await?;
            return Ok(None);
        };
        let removed = rows::staff(&removed)?;
        append_audit(
            &mut tx,
            by,
            "staff.unassign",
            &post_entity(station, post),
            &serde_json::json!({ "national_id": removed.national_id }),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(removed))
    }
}

/// A station's record for the audit log (no personal data in it).
fn station_payload(station: &Station) -> StoreResult<serde_json::Value> {
    serde_json::to_value(station).map_err(|e| StoreError::Invalid(e.to_string()))
}

/// The whitelisted `ORDER BY` clauses of the station list; anything else sorts by code.
fn station_order(sort: Option<&str>) -> &'static str {
    match sort.unwrap_or("code") {
        "-code" => "code COLLATE \"C\" DESC",
        "name" => "name COLLATE \"C\", code COLLATE \"C\"",
        "-name" => "name COLLATE \"C\" DESC, code COLLATE \"C\"",
        "expected_voters" => "expected_voters, code COLLATE \"C\"",
        "-expected_voters" => "expected_voters DESC, code COLLATE \"C\"",
        _ => "code COLLATE \"C\"",
    }
}

/// The whitelisted `ORDER BY` clauses of the council list; anything else sorts by code.
fn council_order(sort: Option<&str>) -> &'static str {
    match sort.unwrap_or("code") {
        "-code" => "code COLLATE \"C\" DESC",
        "name" => "name COLLATE \"C\", code COLLATE \"C\"",
        "-name" => "name COLLATE \"C\" DESC, code COLLATE \"C\"",
        "population" => "population, code COLLATE \"C\"",
        "-population" => "population DESC, code COLLATE \"C\"",
        "seats" => "main_seats, code COLLATE \"C\"",
        "-seats" => "main_seats DESC, code COLLATE \"C\"",
        _ => "code COLLATE \"C\"",
    }
}

const COUNCIL_FILTER: &str =
    "($1::text IS NULL OR county_code = $1) AND ($2::text IS NULL OR kind = $2) \
     AND ($3::text IS NULL OR name LIKE '%' || $3 || '%')";

/// A station serves a council as its own or as a stop of its route. Names match as literal
/// substrings (`strpos`, so `%` and `_` are not wildcards).
const STATION_FILTER: &str = "($1::text IS NULL OR county_code = $1) \
     AND ($2::text IS NULL OR council_code = $2 OR EXISTS (SELECT 1 FROM station_route r \
       WHERE r.station_code = stations.code AND r.council_code = $2)) \
     AND ($3::text IS NULL OR code = $3) AND ($4::text IS NULL OR area = $4) \
     AND ($5::bool IS NULL OR mobile = $5) AND ($6::bool IS NULL OR closed = $6) \
     AND ($7::text IS NULL OR strpos(name, $7) > 0)";

/// People whose national id starts with `$1`, or whose first or last name contains `$2`.
const PEOPLE_FILTER: &str = "($1::text IS NULL OR starts_with(national_id, $1)) \
     AND ($2::text IS NULL OR strpos(first_name, $2) > 0 OR strpos(last_name, $2) > 0)";

const AUDIT_FILTER: &str =
    "($1::text IS NULL OR actor = $1) AND ($2::text IS NULL OR starts_with(action, $2)) \
     AND ($3::text IS NULL OR starts_with(entity, $3)) AND ($4::bigint IS NULL OR at_us >= $4) \
     AND ($5::bigint IS NULL OR at_us <= $5)";

const AUDIT_COLUMNS: &str = "seq, at_us, actor, action, entity, payload, prev_hash, hash";

const USER_COLUMNS: &str =
    "username, password_hash, role, scope_kind, county_code, station_code, created_at_us";

#[async_trait]
impl Store for Postgres {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    #[tracing::instrument(skip_all)]
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn is_empty(&self) -> StoreResult<bool> {
        sqlx::query_scalar("SELECT NOT EXISTS (SELECT 1 FROM counties)")
            .fetch_one(&self.pool)
            .await
            .map_err(db)
    }

    #[tracing::instrument(skip_all)]
    async fn load_province(&self, data: &DemoData, by: &Actor) -> StoreResult<()> {
        self.retrying("province", || self.try_load_province(data, by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn election(&self, code: Option<&str>) -> StoreResult<Option<Election>> {
        const COLUMNS: &str = "SELECT code, name, kind, election_day, seat_table FROM elections";
        let row = match code {
            Some(code) => {
                sqlx::query(&format!("{COLUMNS} WHERE code = $1"))
                    .bind(code)
                    .fetch_optional(&self.pool)
                    .await
            }
            None => {
                sqlx::query(&format!(
                    "{COLUMNS} ORDER BY created_at_us DESC, code COLLATE \"C\" DESC LIMIT 1"
                ))
                .fetch_optional(&self.pool)
                .await
            }
        }
        .map_err(db)?;
        let Some(row) = row else { return Ok(None) };
        let code: String = row.try_get("code").map_err(db)?;
        let milestones = sqlx::query(
            "SELECT key, name, starts_at_us, ends_at_us FROM milestones WHERE election_code = $1 ORDER BY position",
        )
        .bind(&code)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows::election(&row, &milestones).map(Some)
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
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let seat_json =
            serde_json::to_string(table).map_err(|e| StoreError::Invalid(e.to_string()))?;
        self.retrying("election", || {
            self.try_set_seat_table(election_code, table, &seat_json, by)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn counties(&self, filter: &CountyFilter) -> StoreResult<Vec<CountySummary>> {
        let rows = sqlx::query(
            "SELECT c.code, c.name, c.name_en, c.centre, c.population, c.synthetic, \
               COALESCE(d.n, 0) AS districts, COALESCE(ci.n, 0) AS cities, COALESCE(v.n, 0) AS villages, \
               COALESCE(co.city_councils, 0) AS city_councils, \
               COALESCE(co.village_councils, 0) AS village_councils, \
               COALESCE(co.main_seats, 0) AS main_seats, COALESCE(co.alternate_seats, 0) AS alternate_seats, \
               COALESCE(s.stations, 0) AS stations, COALESCE(s.urban, 0) AS urban_stations, \
               COALESCE(s.rural, 0) AS rural_stations, COALESCE(s.mobile, 0) AS mobile_stations \
             FROM counties c \
             LEFT JOIN (SELECT county_code, COUNT(*) AS n FROM districts GROUP BY county_code) d \
               ON d.county_code = c.code \
             LEFT JOIN (SELECT d.county_code, COUNT(*) AS n FROM cities x \
               JOIN districts d ON d.code = x.district_code GROUP BY d.county_code) ci \
               ON ci.county_code = c.code \
             LEFT JOIN (SELECT d.county_code, COUNT(*) AS n FROM villages x \
               JOIN rural_districts r ON r.code = x.rural_district_code \
               JOIN districts d ON d.code = r.district_code GROUP BY d.county_code) v \
               ON v.county_code = c.code \
             LEFT JOIN (SELECT county_code, \
                 COUNT(*) FILTER (WHERE kind = 'city') AS city_councils, \
                 COUNT(*) FILTER (WHERE kind = 'village') AS village_councils, \
                 SUM(main_seats)::bigint AS main_seats, SUM(alternate_seats)::bigint AS alternate_seats \
               FROM councils GROUP BY county_code) co ON co.county_code = c.code \
             LEFT JOIN (SELECT county_code, COUNT(*) AS stations, \
                 COUNT(*) FILTER (WHERE area = 'urban') AS urban, \
                 COUNT(*) FILTER (WHERE area = 'rural') AS rural, \
                 COUNT(*) FILTER (WHERE mobile) AS mobile \
               FROM stations GROUP BY county_code) s ON s.county_code = c.code \
             WHERE ($1::text IS NULL OR c.code = $1) \
             ORDER BY c.code COLLATE \"C\"",
        )
        .bind(filter.county.as_deref())
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(rows::county_summary).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn councils(
        &self,
        filter: &CouncilFilter,
        req: PageRequest,
    ) -> StoreResult<Page<Council>> {
        let kind = filter.kind.map(domain::election::CouncilKind::as_str);
        let total: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM councils WHERE {COUNCIL_FILTER}"
        ))
        .bind(filter.county.as_deref())
        .bind(kind)
        .bind(filter.name.as_deref())
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        let sql = format!(
            "SELECT code, election_code, kind, name, county_code, place_code, population, main_seats, \
             alternate_seats FROM councils WHERE {COUNCIL_FILTER} ORDER BY {} LIMIT $4 OFFSET $5",
            council_order(filter.sort.as_deref())
        );
        let rows = sqlx::query(&sql)
            .bind(filter.county.as_deref())
            .bind(kind)
            .bind(filter.name.as_deref())
            .bind(req.limit())
            .bind(req.offset())
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        let items = rows
            .iter()
            .map(rows::council)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(page(items, total, req))
    }

    #[tracing::instrument(skip_all)]
    async fn council(&self, code: &str) -> StoreResult<Option<Council>> {
        let row = sqlx::query(
            "SELECT code, election_code, kind, name, county_code, place_code, population, main_seats, \
             alternate_seats FROM councils WHERE code = $1",
        )
        .bind(code)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref().map(rows::council).transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn stations(
        &self,
        filter: &StationFilter,
        req: PageRequest,
    ) -> StoreResult<Page<Station>> {
        let area = filter.area.map(domain::station::Area::as_str);
        let total: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM stations WHERE {STATION_FILTER}"
        ))
        .bind(filter.county.as_deref())
        .bind(filter.council.as_deref())
        .bind(filter.station.as_deref())
        .bind(area)
        .bind(filter.mobile)
        .bind(filter.closed)
        .bind(filter.name.as_deref())
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        let found = sqlx::query(&format!(
            "SELECT {} FROM stations WHERE {STATION_FILTER} ORDER BY {} LIMIT $8 OFFSET $9",
            rows::STATION_COLUMNS,
            station_order(filter.sort.as_deref())
        ))
        .bind(filter.county.as_deref())
        .bind(filter.council.as_deref())
        .bind(filter.station.as_deref())
        .bind(area)
        .bind(filter.mobile)
        .bind(filter.closed)
        .bind(filter.name.as_deref())
        .bind(req.limit())
        .bind(req.offset())
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        let items = stations_with_routes(&self.pool, &found).await?;
        Ok(page(items, total, req))
    }

    #[tracing::instrument(skip_all)]
    async fn station(&self, code: &str) -> StoreResult<Option<Station>> {
        let found = sqlx::query(&format!(
            "SELECT {} FROM stations WHERE code = $1",
            rows::STATION_COLUMNS
        ))
        .bind(code)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        let found: Vec<PgRow> = found.into_iter().collect();
        Ok(stations_with_routes(&self.pool, &found).await?.pop())
    }

    #[tracing::instrument(skip_all)]
    async fn create_station(&self, station: &Station, by: &Actor) -> StoreResult<()> {
        station
            .validate()
            .map_err(|e| StoreError::Invalid(e.persian()))?;
        self.retrying("station", || self.try_create_station(station, by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn update_station(&self, station: &Station, by: &Actor) -> StoreResult<()> {
        station
            .validate()
            .map_err(|e| StoreError::Invalid(e.persian()))?;
        self.retrying("station", || self.try_update_station(station, by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn import_stations(&self, stations: &[Station], by: &Actor) -> StoreResult<u64> {
        let mut seen = HashSet::new();
        for station in stations {
            station.validate().map_err(|e| {
                StoreError::Invalid(format!("شعبه {}: {}", station.code, e.persian()))
            })?;
            if !seen.insert(station.code.as_str()) {
                return Err(StoreError::Invalid(format!(
                    "شعبه {} دو بار آمده است.",
                    station.code
                )));
            }
        }
        self.retrying("station", || self.try_import_stations(stations, by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn person(&self, national_id: &str) -> StoreResult<Option<Person>> {
        let found = sqlx::query(&format!(
            "SELECT {} FROM people WHERE national_id = $1",
            rows::PERSON_COLUMNS
        ))
        .bind(national_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        let found: Vec<PgRow> = found.into_iter().collect();
        Ok(people_with_relatives(&self.pool, &found).await?.pop())
    }

    #[tracing::instrument(skip_all)]
    async fn people_count(&self) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM people")
            .fetch_one(&self.pool)
            .await
            .map_err(db)
    }

    #[tracing::instrument(skip_all)]
    async fn create_person(&self, person: &Person, by: &Actor) -> StoreResult<()> {
        self.retrying("person", || self.try_create_person(person, by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn import_people(&self, people: &[Person], by: &Actor) -> StoreResult<u64> {
        self.retrying("person", || self.try_import_people(people, by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn search_people(&self, query: &str, req: PageRequest) -> StoreResult<Page<Person>> {
        let query = query.trim();
        let (prefix, name) = if query.bytes().all(|b| b.is_ascii_digit()) {
            (Some(query), None)
        } else {
            (None, Some(query))
        };
        let total: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM people WHERE {PEOPLE_FILTER}"
        ))
        .bind(prefix)
        .bind(name)
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        let found = sqlx::query(&format!(
            "SELECT {} FROM people WHERE {PEOPLE_FILTER} \
             ORDER BY last_name COLLATE \"C\", first_name COLLATE \"C\", national_id COLLATE \"C\" \
             LIMIT $3 OFFSET $4",
            rows::PERSON_COLUMNS
        ))
        .bind(prefix)
        .bind(name)
        .bind(req.limit())
        .bind(req.offset())
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        let items = people_with_relatives(&self.pool, &found).await?;
        Ok(page(items, total, req))
    }

    #[tracing::instrument(skip_all)]
    async fn add_candidate(
        &self,
        election_code: &str,
        council_code: &str,
        national_id: &str,
        by: &Actor,
    ) -> StoreResult<()> {
        self.retrying("candidate", || {
            self.try_add_candidate(election_code, council_code, national_id, by)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn registration_facts(
        &self,
        election_code: &str,
    ) -> StoreResult<Vec<domain::participation::RegistrationFact>> {
        self.read_registration_facts(election_code).await
    }

    #[tracing::instrument(skip_all)]
    async fn all_candidates(&self, election_code: &str) -> StoreResult<Vec<Candidate>> {
        self.read_all_candidates(election_code).await
    }

    #[tracing::instrument(skip_all)]
    async fn candidate_photo(
        &self,
        election_code: &str,
        candidate_code: &str,
    ) -> StoreResult<Option<store::StoredDocument>> {
        self.read_candidate_photo(election_code, candidate_code)
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn council_place(&self, code: &str) -> StoreResult<Option<domain::registration::Place>> {
        self.read_council_place(code).await
    }

    #[tracing::instrument(skip_all)]
    async fn register(&self, registration: &NewRegistration, by: &Actor) -> StoreResult<()> {
        self.retrying("registration", || self.try_register(registration, by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn registration(
        &self,
        election_code: &str,
        tracking_code: &str,
    ) -> StoreResult<Option<(Registration, Vec<VettingEvent>)>> {
        self.read_registration(election_code, tracking_code).await
    }

    #[tracing::instrument(skip_all)]
    async fn registrations(
        &self,
        election_code: &str,
        filter: &RegistrationFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Registration>> {
        self.read_registrations(election_code, filter, page).await
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
        self.retrying("registration", || {
            self.try_vet(election_code, tracking_code, action, reviewer, by)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn station_staff(&self, station: &str) -> StoreResult<Vec<StaffAssignment>> {
        let found = sqlx::query(
            "SELECT sp.station_code, sp.post, sp.national_id, p.first_name, p.last_name, \
               sp.assigned_at_us, sp.assigned_by \
             FROM station_posts sp JOIN people p ON p.national_id = sp.national_id \
             WHERE sp.station_code = $1",
        )
        .bind(station)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        let mut staff = found
            .iter()
            .map(rows::staff)
            .collect::<StoreResult<Vec<_>>>()?;
        // `Post` orders as `Post::ALL` does.
        staff.sort_by_key(|s| s.post);
        Ok(staff)
    }

    #[tracing::instrument(skip_all)]
    async fn assign_post(
        &self,
        station: &str,
        post: Post,
        national_id: &str,
        by: &Actor,
    ) -> StoreResult<StaffAssignment> {
        // A unique violation means a writer that skipped the locks won a race; the next attempt
        // reads what it wrote and refuses accordingly.
        self.retrying_on("staff", true, || {
            self.try_assign_post(station, post, national_id, by)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn unassign_post(
        &self,
        station: &str,
        post: Post,
        by: &Actor,
    ) -> StoreResult<Option<StaffAssignment>> {
        self.retrying("staff", || self.try_unassign_post(station, post, by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn coverage(&self, county: Option<&str>) -> StoreResult<Vec<CountyCoverage>> {
        let found = sqlx::query(
            "WITH held AS ( \
               SELECT station_code, COUNT(*) AS posts, \
                 COUNT(*) FILTER (WHERE post IN ('head', 'secretary_1', 'secretary_2', 'member_1', \
                   'member_2')) AS branch, \
                 bool_or(post = 'governor_rep') AS governor_rep, \
                 bool_or(post = 'inspector') AS inspector \
               FROM station_posts GROUP BY station_code) \
             SELECT c.code, c.name, \
               COUNT(s.code) AS stations, \
               COUNT(s.code) FILTER (WHERE s.area = 'urban') AS urban, \
               COUNT(s.code) FILTER (WHERE s.area = 'rural') AS rural, \
               COUNT(s.code) FILTER (WHERE NOT s.mobile) AS fixed, \
               COUNT(s.code) FILTER (WHERE s.mobile) AS mobile, \
               COUNT(s.code) FILTER (WHERE h.branch = 5) AS full_branch, \
               COUNT(s.code) FILTER (WHERE h.governor_rep) AS with_governor_rep, \
               COUNT(s.code) FILTER (WHERE h.inspector) AS with_inspector, \
               COUNT(s.code) FILTER (WHERE h.posts = 7) AS fully_staffed, \
               COALESCE(SUM(h.posts), 0)::bigint AS assignments \
             FROM counties c \
             LEFT JOIN stations s ON s.county_code = c.code AND NOT s.closed \
             LEFT JOIN held h ON h.station_code = s.code \
             WHERE ($1::text IS NULL OR c.code = $1) \
             GROUP BY c.code, c.name \
             ORDER BY c.code COLLATE \"C\"",
        )
        .bind(county)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        found.iter().map(rows::coverage).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn staffing_gaps(&self, county: &str, req: PageRequest) -> StoreResult<Page<StationGap>> {
        const GAPS: &str =
            "FROM stations s LEFT JOIN station_posts sp ON sp.station_code = s.code \
             WHERE s.county_code = $1 AND NOT s.closed \
             GROUP BY s.code HAVING COUNT(sp.post) < 7";
        let total: i64 =
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM (SELECT s.code {GAPS}) gaps"))
                .bind(county)
                .fetch_one(&self.pool)
                .await
                .map_err(db)?;
        let found = sqlx::query(&format!(
            "SELECT s.code, s.name, s.county_code, \
               COALESCE(array_agg(sp.post) FILTER (WHERE sp.post IS NOT NULL), '{{}}') AS held \
             {GAPS} ORDER BY s.code COLLATE \"C\" LIMIT $2 OFFSET $3"
        ))
        .bind(county)
        .bind(req.limit())
        .bind(req.offset())
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        let items = found
            .iter()
            .map(|row| {
                let held: Vec<String> = row.try_get("held").map_err(db)?;
                Ok(StationGap {
                    station: row.try_get("code").map_err(db)?,
                    name: row.try_get("name").map_err(db)?,
                    county: row.try_get("county_code").map_err(db)?,
                    missing: Post::ALL
                        .into_iter()
                        .filter(|p| !held.iter().any(|h| h == p.as_str()))
                        .collect(),
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(page(items, total, req))
    }

    #[tracing::instrument(skip_all)]
    async fn staffing_conflicts(&self, county: Option<&str>) -> StoreResult<Vec<StaffConflict>> {
        self.read_staffing_conflicts(county).await
    }

    #[tracing::instrument(skip_all)]
    async fn import_roll(
        &self,
        election_code: &str,
        rows: tokio::sync::mpsc::Receiver<store::RollBatch>,
        source_digest: &str,
        by: &Actor,
    ) -> StoreResult<u64> {
        // One attempt only: the rows are consumed by it. Nothing else writes voters, and another
        // import of the same roll queues on its advisory lock, so it does not contend.
        self.try_import_roll(election_code, rows, source_digest, by)
            .await
            .map_err(roll::settle)
    }

    #[tracing::instrument(skip_all)]
    async fn voter(&self, election_code: &str, national_id: &str) -> StoreResult<Option<Voter>> {
        self.read_voter(election_code, national_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn roll_count(&self, election_code: &str) -> StoreResult<i64> {
        self.read_roll_count(election_code).await
    }

    #[tracing::instrument(skip_all)]
    async fn station_day(
        &self,
        election_code: &str,
        station: &str,
    ) -> StoreResult<Option<StationDay>> {
        self.read_station_day(election_code, station).await
    }

    #[tracing::instrument(skip_all)]
    async fn act_on_station(
        &self,
        election_code: &str,
        station: &str,
        action: &DayAction,
        by: &Actor,
    ) -> StoreResult<StationDay> {
        self.retrying("station day", || {
            self.try_act_on_station(election_code, station, action, by)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn station_counts(
        &self,
        election_code: &str,
        station: &str,
    ) -> StoreResult<StationCounts> {
        self.read_station_counts(election_code, station).await
    }

    #[tracing::instrument(skip_all)]
    async fn check_in(&self, checkin: CheckIn) -> StoreResult<CheckInOutcome> {
        self.writer.check_in(checkin).await
    }

    #[tracing::instrument(skip_all)]
    async fn cast_ballot(&self, ballot: NewBallot) -> StoreResult<BallotOutcome> {
        self.writer.cast_ballot(ballot).await
    }

    #[tracing::instrument(skip_all)]
    async fn receipt(&self, election_code: &str, receipt: &str) -> StoreResult<Option<String>> {
        self.read_receipt(election_code, receipt).await
    }

    #[tracing::instrument(skip_all)]
    async fn candidates(&self, election_code: &str, council: &str) -> StoreResult<Vec<Candidate>> {
        self.read_candidates(election_code, council).await
    }

    #[tracing::instrument(skip_all)]
    async fn turnout(&self, election_code: &str, filter: &TurnoutFilter) -> StoreResult<Turnout> {
        self.read_turnout(election_code, filter).await
    }

    #[tracing::instrument(skip_all)]
    async fn boards(&self, county: Option<&str>) -> StoreResult<Vec<BoardWithMembers>> {
        self.read_boards(county).await
    }

    #[tracing::instrument(skip_all)]
    async fn board(&self, code: &str) -> StoreResult<Option<BoardWithMembers>> {
        self.read_board(code).await
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
        // As with posts: a unique violation means a writer that skipped the lock won a race;
        // the next attempt reads its row and refuses.
        self.retrying_on("board_member", true, || {
            self.try_add_board_member(board, national_id, role, term, by)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn remove_board_member(
        &self,
        board: &str,
        national_id: &str,
        by: &Actor,
    ) -> StoreResult<Option<BoardMember>> {
        self.retrying("board_member", || {
            self.try_remove_board_member(board, national_id, by)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn record_meeting(&self, meeting: &Meeting, by: &Actor) -> StoreResult<i64> {
        self.retrying("meeting", || self.try_record_meeting(meeting, by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn meetings(&self, board: &str) -> StoreResult<Vec<Meeting>> {
        self.read_meetings(board).await
    }

    #[tracing::instrument(skip_all)]
    async fn meeting(&self, id: i64) -> StoreResult<Option<Meeting>> {
        self.read_meeting(id).await
    }

    #[tracing::instrument(skip_all)]
    async fn create_user(&self, user: &NewUser, by: &Actor) -> StoreResult<()> {
        self.retrying("user", || self.try_create_user(user, by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn user(&self, username: &str) -> StoreResult<Option<UserRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE username = $1"
        ))
        .bind(username)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref().map(rows::user).transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn users(&self) -> StoreResult<Vec<UserRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users ORDER BY username COLLATE \"C\""
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(rows::user).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn create_session(&self, session: &NewSession, by: &Actor) -> StoreResult<()> {
        self.retrying("session", || self.try_create_session(session, by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn session(
        &self,
        token_hash: &str,
        now_us: i64,
    ) -> StoreResult<Option<(SessionRecord, UserRecord)>> {
        let row = sqlx::query(
            "SELECT s.token_hash, s.csrf_token, s.created_at_us AS session_created_at_us, s.expires_at_us, \
               u.username, u.password_hash, u.role, u.scope_kind, u.county_code, u.station_code, u.created_at_us \
             FROM sessions s JOIN users u ON u.username = s.username \
             WHERE s.token_hash = $1 AND s.expires_at_us > $2",
        )
        .bind(token_hash)
        .bind(now_us)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        let Some(row) = row else { return Ok(None) };
        let user = rows::user(&row)?;
        let session = SessionRecord {
            token_hash: row.try_get("token_hash").map_err(db)?,
            username: user.username.clone(),
            csrf_token: row.try_get("csrf_token").map_err(db)?,
            created_at_us: row.try_get("session_created_at_us").map_err(db)?,
            expires_at_us: row.try_get("expires_at_us").map_err(db)?,
        };
        Ok(Some((session, user)))
    }

    #[tracing::instrument(skip_all)]
    async fn delete_session(&self, token_hash: &str, by: &Actor) -> StoreResult<()> {
        self.retrying("session", || self.try_delete_session(token_hash, by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn audit_page(
        &self,
        filter: &AuditFilter,
        req: PageRequest,
    ) -> StoreResult<Page<AuditRecord>> {
        let total: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE {AUDIT_FILTER}"
        ))
        .bind(filter.actor.as_deref())
        .bind(filter.action.as_deref())
        .bind(filter.entity.as_deref())
        .bind(filter.from_us)
        .bind(filter.to_us)
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        let rows = sqlx::query(&format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE {AUDIT_FILTER} ORDER BY seq DESC LIMIT $6 OFFSET $7"
        ))
        .bind(filter.actor.as_deref())
        .bind(filter.action.as_deref())
        .bind(filter.entity.as_deref())
        .bind(filter.from_us)
        .bind(filter.to_us)
        .bind(req.limit())
        .bind(req.offset())
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        let items = rows
            .iter()
            .map(rows::audit)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(page(items, total, req))
    }

    #[tracing::instrument(skip_all)]
    async fn audit_scan(&self, after: i64, limit: u32) -> StoreResult<Vec<AuditRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"
        ))
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(rows::audit).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn audit_head(&self) -> StoreResult<(i64, String)> {
        let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(&self.pool)
            .await
            .map_err(db)?;
        Ok((
            row.try_get("seq").map_err(db)?,
            row.try_get("hash").map_err(db)?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::{council_order, station_order};

    #[test]
    fn unknown_sorts_fall_back_to_code() {
        assert_eq!(
            council_order(Some("1; DROP TABLE councils")),
            council_order(None)
        );
        assert!(council_order(Some("-seats")).starts_with("main_seats DESC"));
    }

    #[test]
    fn station_sorts_are_whitelisted_and_tie_on_code() {
        assert_eq!(
            station_order(Some("expected_voters; DROP TABLE stations")),
            station_order(None)
        );
        assert!(station_order(Some("-expected_voters")).starts_with("expected_voters DESC"));
        assert!(station_order(Some("name")).ends_with("code COLLATE \"C\""));
    }
}
