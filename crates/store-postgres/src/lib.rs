//! The PostgreSQL backend of [`store::Store`].
//!
//! Runtime queries with binds only (no compile-time checked macros: no database exists at build
//! time). Every mutation writes its change and its audit record in one transaction; appends to
//! the audit chain serialise on the single `audit_head` row. Times are kept as BIGINT
//! microseconds, exactly as in SQLite, so that audit hashes are identical across backends.

mod migrate;
mod rows;

use async_trait::async_trait;
use audit::AuditRecord;
use domain::demo::DemoData;
use domain::election::{Council, Election, SeatTable};
use domain::person::Person;
use domain::station::Station;
use sqlx::postgres::{PgConnection, PgPool, PgPoolOptions};
use sqlx::Row;
use std::future::Future;
use std::time::Duration;
use store::{
    scope_columns, Actor, AuditFilter, CouncilFilter, CountyFilter, CountySummary, NewSession,
    NewUser, Page, PageRequest, SessionRecord, StationFilter, Store, StoreError, StoreResult,
    UserRecord,
};

/// How many times a transaction is tried when PostgreSQL reports a serialization failure or a
/// deadlock.
const MAX_ATTEMPTS: u32 = 5;

/// The PostgreSQL store: a connection pool over a migrated database.
#[derive(Debug, Clone)]
pub struct Postgres {
    pool: PgPool,
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
    sqlx::query(
        "INSERT INTO audit_log (seq, at_us, actor, action, entity, payload, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
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
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&hash)
        .execute(&mut *conn)
        .await?;
    Ok(seq)
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
        Ok(Self { pool })
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
    async fn retrying<T, F, Fut>(&self, entity: &'static str, mut attempt: F) -> StoreResult<T>
    where
        F: FnMut() -> Fut + Send,
        Fut: Future<Output = Attempt<T>> + Send,
    {
        let mut tries = 0;
        loop {
            tries += 1;
            match attempt().await {
                Ok(v) => return Ok(v),
                Err(Fail::Sql(e)) if is_retryable(&e) && tries < MAX_ATTEMPTS => {
                    tracing::debug!(error = %e, tries, "transaction conflict, retrying");
                    tokio::time::sleep(Duration::from_millis(5 << tries)).await;
                }
                Err(Fail::Sql(e)) => return Err(map_sql(e, entity)),
                Err(Fail::Store(e)) => return Err(e),
            }
        }
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

        let stations = &data.stations;
        sqlx::query(
            "INSERT INTO stations (code, election_code, county_code, council_code, name, area, mobile, \
             hard_to_reach, expected_voters) \
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], \
             $7::bool[], $8::bool[], $9::bigint[])",
        )
        .bind(stations.iter().map(|x| x.code.clone()).collect::<Vec<_>>())
        .bind(stations.iter().map(|x| x.election_code.clone()).collect::<Vec<_>>())
        .bind(stations.iter().map(|x| x.county_code.clone()).collect::<Vec<_>>())
        .bind(stations.iter().map(|x| x.council_code.clone()).collect::<Vec<_>>())
        .bind(stations.iter().map(|x| x.name.clone()).collect::<Vec<_>>())
        .bind(stations.iter().map(|x| x.area.as_str().to_owned()).collect::<Vec<_>>())
        .bind(stations.iter().map(|x| x.mobile).collect::<Vec<_>>())
        .bind(stations.iter().map(|x| x.hard_to_reach).collect::<Vec<_>>())
        .bind(stations.iter().map(|x| x.expected_voters).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await?;

        let people = &data.people;
        let birth_dates = people
            .iter()
            .map(|x| rows::format_date(x.birth_date))
            .collect::<StoreResult<Vec<_>>>()?;
        sqlx::query(
            "INSERT INTO people (national_id, first_name, last_name, father_name, gender, birth_date, mobile) \
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], \
             $7::text[])",
        )
        .bind(people.iter().map(|x| x.national_id.as_str().to_owned()).collect::<Vec<_>>())
        .bind(people.iter().map(|x| x.first_name.clone()).collect::<Vec<_>>())
        .bind(people.iter().map(|x| x.last_name.clone()).collect::<Vec<_>>())
        .bind(people.iter().map(|x| x.father_name.clone()).collect::<Vec<_>>())
        .bind(people.iter().map(|x| x.gender.as_str().to_owned()).collect::<Vec<_>>())
        .bind(birth_dates)
        .bind(people.iter().map(|x| x.mobile.as_ref().map(|m| m.as_str().to_owned())).collect::<Vec<_>>())
        .execute(&mut *tx)
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

const STATION_FILTER: &str =
    "($1::text IS NULL OR county_code = $1) AND ($2::text IS NULL OR council_code = $2) \
     AND ($3::text IS NULL OR code = $3)";

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
        let total: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM stations WHERE {STATION_FILTER}"
        ))
        .bind(filter.county.as_deref())
        .bind(filter.council.as_deref())
        .bind(filter.station.as_deref())
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        let rows = sqlx::query(&format!(
            "SELECT code, election_code, county_code, council_code, name, area, mobile, hard_to_reach, \
             expected_voters FROM stations WHERE {STATION_FILTER} ORDER BY code COLLATE \"C\" LIMIT $4 OFFSET $5"
        ))
        .bind(filter.county.as_deref())
        .bind(filter.council.as_deref())
        .bind(filter.station.as_deref())
        .bind(req.limit())
        .bind(req.offset())
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        let items = rows
            .iter()
            .map(rows::station)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(page(items, total, req))
    }

    #[tracing::instrument(skip_all)]
    async fn station(&self, code: &str) -> StoreResult<Option<Station>> {
        let row = sqlx::query(
            "SELECT code, election_code, county_code, council_code, name, area, mobile, hard_to_reach, \
             expected_voters FROM stations WHERE code = $1",
        )
        .bind(code)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref().map(rows::station).transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn person(&self, national_id: &str) -> StoreResult<Option<Person>> {
        let row = sqlx::query(
            "SELECT national_id, first_name, last_name, father_name, gender, birth_date, mobile FROM people \
             WHERE national_id = $1",
        )
        .bind(national_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref().map(rows::person).transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn people_count(&self) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM people")
            .fetch_one(&self.pool)
            .await
            .map_err(db)
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
    use super::council_order;

    #[test]
    fn unknown_sorts_fall_back_to_code() {
        assert_eq!(
            council_order(Some("1; DROP TABLE councils")),
            council_order(None)
        );
        assert!(council_order(Some("-seats")).starts_with("main_seats DESC"));
    }
}
