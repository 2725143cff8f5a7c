//! Geography, the election and its councils: the province's seed (written by `load_province`
//! and by the demo's load), the election with its timeline and seat table, the county figures
//! and the council lists.

use crate::chain::append_audit;
use crate::db::{db, not_found, retry, Attempt, Postgres, Unique};
use crate::{rows, sql};
use async_trait::async_trait;
use domain::election::{Council, Election, SeatTable};
use domain::geo::ProvinceSeed;
use sqlx::postgres::PgConnection;
use sqlx::Row;
use store::geography::{province_loaded, reseated, seat_table_set, StoredSeats};
use store::{
    Actor, CouncilFilter, CountyFilter, CountySummary, Entity, GeographyStore, Page, PageRequest,
    StoreError, StoreResult,
};

/// Writes a province's seed into an empty store: its geography, its election with its
/// milestones, and the election's councils, one statement per table. `Duplicate { Province }`
/// when a province is already loaded. The seed is the caller's to validate.
pub(crate) async fn write_seed(
    conn: &mut PgConnection,
    seed: &ProvinceSeed,
    by: &Actor,
) -> Attempt<()> {
    let loaded: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM counties)")
        .fetch_one(&mut *conn)
        .await?;
    if loaded {
        return Err(StoreError::Duplicate {
            entity: Entity::Province,
            key: seed.election.code.clone(),
        }
        .into());
    }

    let counties = &seed.counties;
    sqlx::query(
        "INSERT INTO counties (code, name, name_en, centre, population, synthetic) \
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bool[])",
    )
    .bind(sql::column(counties, |x| x.code.clone()))
    .bind(sql::column(counties, |x| x.name.clone()))
    .bind(sql::column(counties, |x| x.name_en.clone()))
    .bind(sql::column(counties, |x| x.centre.clone()))
    .bind(sql::column(counties, |x| x.population))
    .bind(sql::column(counties, |x| x.synthetic))
    .execute(&mut *conn)
    .await?;

    let districts = &seed.districts;
    sqlx::query(
        "INSERT INTO districts (code, county_code, name, synthetic) \
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::bool[])",
    )
    .bind(sql::column(districts, |x| x.code.clone()))
    .bind(sql::column(districts, |x| x.county_code.clone()))
    .bind(sql::column(districts, |x| x.name.clone()))
    .bind(sql::column(districts, |x| x.synthetic))
    .execute(&mut *conn)
    .await?;

    let cities = &seed.cities;
    sqlx::query(
        "INSERT INTO cities (code, district_code, name, name_en, population, synthetic) \
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bool[])",
    )
    .bind(sql::column(cities, |x| x.code.clone()))
    .bind(sql::column(cities, |x| x.district_code.clone()))
    .bind(sql::column(cities, |x| x.name.clone()))
    .bind(sql::column(cities, |x| x.name_en.clone()))
    .bind(sql::column(cities, |x| x.population))
    .bind(sql::column(cities, |x| x.synthetic))
    .execute(&mut *conn)
    .await?;

    let rurals = &seed.rural_districts;
    sqlx::query(
        "INSERT INTO rural_districts (code, district_code, name, synthetic) \
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::bool[])",
    )
    .bind(sql::column(rurals, |x| x.code.clone()))
    .bind(sql::column(rurals, |x| x.district_code.clone()))
    .bind(sql::column(rurals, |x| x.name.clone()))
    .bind(sql::column(rurals, |x| x.synthetic))
    .execute(&mut *conn)
    .await?;

    let villages = &seed.villages;
    sqlx::query(
        "INSERT INTO villages (code, rural_district_code, name, population, households, synthetic) \
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bool[])",
    )
    .bind(sql::column(villages, |x| x.code.clone()))
    .bind(sql::column(villages, |x| x.rural_district_code.clone()))
    .bind(sql::column(villages, |x| x.name.clone()))
    .bind(sql::column(villages, |x| x.population))
    .bind(sql::column(villages, |x| x.households))
    .bind(sql::column(villages, |x| x.synthetic))
    .execute(&mut *conn)
    .await?;

    let election = &seed.election;
    sqlx::query(
        "INSERT INTO elections (code, name, kind, election_day, seat_table, created_at_us) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&election.code)
    .bind(&election.name)
    .bind(&election.kind)
    .bind(rows::format_date(election.election_day)?)
    .bind(seat_json(&election.seat_table)?)
    .bind(by.at_us())
    .execute(&mut *conn)
    .await?;
    let milestones = &election.milestones;
    sqlx::query(
        "INSERT INTO milestones (election_code, key, name, starts_at_us, ends_at_us, position, \
         owner_role, done_at_us) \
         SELECT $1, * FROM UNNEST($2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[], \
         $7::text[], $8::bigint[])",
    )
    .bind(&election.code)
    .bind(sql::column(milestones, |x| x.key.clone()))
    .bind(sql::column(milestones, |x| x.name.clone()))
    .bind(sql::column(milestones, |x| domain::clock::to_micros(x.starts_at)))
    .bind(sql::column(milestones, |x| domain::clock::to_micros(x.ends_at)))
    .bind((0..milestones.len()).map(|i| i as i64).collect::<Vec<_>>())
    .bind(sql::column(milestones, |x| x.owner.map(|r| r.as_str().to_owned())))
    .bind(sql::column(milestones, |x| x.done_at.map(domain::clock::to_micros)))
    .execute(&mut *conn)
    .await?;

    let councils = &seed.councils;
    sqlx::query(
        "INSERT INTO councils (code, election_code, kind, name, county_code, place_code, population, \
         main_seats, alternate_seats) \
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], \
         $7::bigint[], $8::bigint[], $9::bigint[])",
    )
    .bind(sql::column(councils, |x| x.code.clone()))
    .bind(sql::column(councils, |x| x.election_code.clone()))
    .bind(sql::column(councils, |x| x.kind.as_str().to_owned()))
    .bind(sql::column(councils, |x| x.name.clone()))
    .bind(sql::column(councils, |x| x.county_code.clone()))
    .bind(sql::column(councils, |x| x.place_code.clone()))
    .bind(sql::column(councils, |x| x.population))
    .bind(sql::column(councils, |x| i64::from(x.main_seats)))
    .bind(sql::column(councils, |x| i64::from(x.alternate_seats)))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A seat table as the `elections.seat_table` column keeps it.
fn seat_json(table: &SeatTable) -> StoreResult<String> {
    serde_json::to_string(table).map_err(|e| StoreError::Corrupt(format!("seat table: {e}")))
}

impl Postgres {
    async fn try_load_province(&self, seed: &ProvinceSeed, by: &Actor) -> Attempt<()> {
        let mut tx = self.pool.begin().await?;
        write_seed(&mut tx, seed, by).await?;
        append_audit(&mut tx, by, &province_loaded(seed)).await?;
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
            return Err(not_found(Entity::Election));
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
        let stored = councils
            .iter()
            .map(|row| {
                Ok(StoredSeats {
                    code: row.try_get("code")?,
                    kind: rows::council_kind(&row.try_get::<String, _>("kind")?)?,
                    place_code: row.try_get("place_code")?,
                    population: row.try_get("population")?,
                    main: row.try_get("main_seats")?,
                    alternate: row.try_get("alternate_seats")?,
                })
            })
            .collect::<Attempt<Vec<_>>>()?;
        let changes = reseated(table, &stored);
        let changed = changes.len() as u64;
        if !changes.is_empty() {
            sqlx::query(
                "UPDATE councils AS c SET main_seats = u.main, alternate_seats = u.alternate \
                 FROM UNNEST($1::text[], $2::bigint[], $3::bigint[]) AS u(code, main, alternate) \
                 WHERE c.code = u.code",
            )
            .bind(sql::column(&changes, |(code, _)| *code))
            .bind(sql::column(&changes, |(_, seats)| i64::from(seats.main)))
            .bind(sql::column(&changes, |(_, seats)| {
                i64::from(seats.alternate)
            }))
            .execute(&mut *tx)
            .await?;
        }
        append_audit(&mut tx, by, &seat_table_set(code, table, changed)).await?;
        tx.commit().await?;
        Ok(changed)
    }
}

#[async_trait]
impl GeographyStore for Postgres {
    #[tracing::instrument(skip_all)]
    async fn is_empty(&self) -> StoreResult<bool> {
        sqlx::query_scalar("SELECT NOT EXISTS (SELECT 1 FROM counties)")
            .fetch_one(&self.pool)
            .await
            .map_err(db)
    }

    #[tracing::instrument(skip_all)]
    async fn load_province(&self, seed: &ProvinceSeed, by: &Actor) -> StoreResult<()> {
        seed.validate()?;
        retry(Unique::Fail, || self.try_load_province(seed, by)).await
    }

    #[tracing::instrument(skip_all)]
    async fn election(&self, code: Option<&str>) -> StoreResult<Option<Election>> {
        const COLUMNS: &str = "SELECT code, name, kind, election_day, seat_table FROM elections";
        let mut conn = self.pool.acquire().await.map_err(db)?;
        let row = match code {
            Some(code) => {
                sqlx::query(&format!("{COLUMNS} WHERE code = $1"))
                    .bind(code)
                    .fetch_optional(&mut *conn)
                    .await
            }
            None => {
                sqlx::query(&format!(
                    "{COLUMNS} ORDER BY created_at_us DESC, code COLLATE \"C\" DESC LIMIT 1"
                ))
                .fetch_optional(&mut *conn)
                .await
            }
        }
        .map_err(db)?;
        let Some(row) = row else { return Ok(None) };
        let code: String = row.try_get("code").map_err(db)?;
        let milestones = sqlx::query(
            "SELECT key, name, starts_at_us, ends_at_us, owner_role, done_at_us FROM milestones WHERE election_code = $1 \
             ORDER BY position",
        )
        .bind(&code)
        .fetch_all(&mut *conn)
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
        table.validate()?;
        let seat_json = seat_json(table)?;
        retry(Unique::Fail, || {
            self.try_set_seat_table(election_code, table, &seat_json, by)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn counties(&self, filter: &CountyFilter) -> StoreResult<Vec<CountySummary>> {
        let found = sqlx::query(
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
        rows::all(&found, rows::county_summary)
    }

    #[tracing::instrument(skip_all)]
    async fn councils(
        &self,
        filter: &CouncilFilter,
        req: PageRequest,
    ) -> StoreResult<Page<Council>> {
        let kind = filter.kind.map(domain::election::CouncilKind::as_str);
        let mut conn = self.pool.acquire().await.map_err(db)?;
        let (total, found) = sql::List::new(
            rows::COUNCIL_COLUMNS,
            &format!("councils WHERE {}", sql::council_filter()),
            &sql::council_order(filter.sort),
            3,
        )
        .fetch(
            &mut conn,
            |q| {
                q.bind(filter.county.as_deref())
                    .bind(kind)
                    .bind(filter.name.as_deref().map(domain::text::search_key))
            },
            req,
        )
        .await?;
        Ok(sql::page(rows::all(&found, rows::council)?, total, req))
    }

    #[tracing::instrument(skip_all)]
    async fn council(&self, code: &str) -> StoreResult<Option<Council>> {
        let row = sqlx::query(&format!(
            "SELECT {} FROM councils WHERE code = $1",
            rows::COUNCIL_COLUMNS
        ))
        .bind(code)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref().map(rows::council).transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn council_place(&self, code: &str) -> StoreResult<Option<domain::registration::Place>> {
        let row = sqlx::query(
            "SELECT c.kind, c.population, v.households FROM councils c \
             LEFT JOIN villages v ON c.kind = 'village' AND v.code = c.place_code \
             WHERE c.code = $1",
        )
        .bind(code)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref().map(rows::place).transpose()
    }
}
