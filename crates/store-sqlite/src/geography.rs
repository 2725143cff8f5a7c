//! Geography, the election and its councils on SQLite.

use crate::chain::append_audit;
use crate::db::{db_err, duplicate_or, Sqlite};
use crate::facts::load_election;
use crate::rows::{council_from_row, COUNCIL_COLUMNS};
use crate::sql::{all, bad_row, db_failure, insert_each, iso_date, paged, Where};
use async_trait::async_trait;
use domain::clock::to_micros;
use domain::election::{Council, CouncilKind, Election, SeatTable};
use domain::geo::{County, ProvinceSeed};
use domain::registration::Place;
use rusqlite::{params, Connection, OptionalExtension};
use store::geography::{province_loaded, reseated, seat_table_set, StoredSeats};
use store::{
    Actor, CouncilFilter, CouncilSortKey, CountyFilter, CountySummary, Entity, GeographyStore,
    Page, PageRequest, Sort, StoreError, StoreResult,
};

/// The ORDER BY of a council list; the code breaks ties.
fn council_order(sort: Sort<CouncilSortKey>) -> &'static str {
    match (sort.key, sort.descending) {
        (CouncilSortKey::Code, false) => "code ASC",
        (CouncilSortKey::Code, true) => "code DESC",
        (CouncilSortKey::Name, false) => "name ASC, code ASC",
        (CouncilSortKey::Name, true) => "name DESC, code ASC",
        (CouncilSortKey::Population, false) => "population ASC, code ASC",
        (CouncilSortKey::Population, true) => "population DESC, code ASC",
        (CouncilSortKey::Seats, false) => "main_seats ASC, code ASC",
        (CouncilSortKey::Seats, true) => "main_seats DESC, code ASC",
    }
}

/// Writes a province seed into an empty database: the election and its timeline, the
/// geography and the councils. `Duplicate { Province }` when one is loaded already.
pub(crate) fn write_seed(tx: &Connection, seed: &ProvinceSeed, by: &Actor) -> StoreResult<()> {
    let exists: bool = tx
        .query_row("SELECT EXISTS(SELECT 1 FROM counties)", [], |r| r.get(0))
        .map_err(db_err)?;
    if exists {
        return Err(StoreError::Duplicate {
            entity: Entity::Province,
            key: seed.election.code.clone(),
        });
    }
    let e = &seed.election;
    tx.execute(
        "INSERT INTO elections (code, name, kind, election_day, seat_table, created_at_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            e.code,
            e.name,
            e.kind,
            iso_date(e.election_day),
            serde_json::to_string(&e.seat_table).map_err(|err| StoreError::Corrupt(err.to_string()))?,
            by.at_us()
        ],
    )
    .map_err(|err| duplicate_or(err, Entity::Election, &e.code))?;
    let mut s = tx.prepare("INSERT INTO milestones (election_code, key, name, starts_at_us, ends_at_us, position, owner_role, done_at_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)").map_err(db_err)?;
    for (i, m) in e.milestones.iter().enumerate() {
        s.execute(params![
            e.code,
            m.key,
            m.name,
            to_micros(m.starts_at),
            to_micros(m.ends_at),
            i as i64,
            m.owner.map(domain::access::Role::as_str),
            m.done_at.map(to_micros)
        ])
        .map_err(db_err)?;
    }
    insert_each(
        tx,
        "INSERT INTO counties (code, name, name_en, centre, population, synthetic) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        &seed.counties,
        |c| {
            (
                &c.code,
                &c.name,
                &c.name_en,
                &c.centre,
                c.population,
                c.synthetic,
            )
        },
        db_failure,
    )?;
    insert_each(
        tx,
        "INSERT INTO districts (code, county_code, name, synthetic) VALUES (?1, ?2, ?3, ?4)",
        &seed.districts,
        |x| (&x.code, &x.county_code, &x.name, x.synthetic),
        db_failure,
    )?;
    insert_each(
        tx,
        "INSERT INTO cities (code, district_code, name, name_en, population, synthetic) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        &seed.cities,
        |x| {
            (
                &x.code,
                &x.district_code,
                &x.name,
                &x.name_en,
                x.population,
                x.synthetic,
            )
        },
        db_failure,
    )?;
    insert_each(
        tx,
        "INSERT INTO rural_districts (code, district_code, name, synthetic) \
         VALUES (?1, ?2, ?3, ?4)",
        &seed.rural_districts,
        |x| (&x.code, &x.district_code, &x.name, x.synthetic),
        db_failure,
    )?;
    insert_each(
        tx,
        "INSERT INTO villages (code, rural_district_code, name, population, households, \
         synthetic) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        &seed.villages,
        |x| {
            (
                &x.code,
                &x.rural_district_code,
                &x.name,
                x.population,
                x.households,
                x.synthetic,
            )
        },
        db_failure,
    )?;
    insert_each(
        tx,
        &format!(
            "INSERT INTO councils ({COUNCIL_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
        ),
        &seed.councils,
        |c| {
            (
                &c.code,
                &c.election_code,
                c.kind.as_str(),
                &c.name,
                &c.county_code,
                &c.place_code,
                c.population,
                c.main_seats,
                c.alternate_seats,
            )
        },
        |e, c| duplicate_or(e, Entity::Council, &c.code),
    )?;
    Ok(())
}

pub(crate) fn council_place(conn: &Connection, code: &str) -> StoreResult<Option<Place>> {
    conn.prepare_cached(
        "SELECT c.kind, c.population, v.households FROM councils c
         LEFT JOIN villages v ON c.kind = 'village' AND v.code = c.place_code
         WHERE c.code = ?1",
    )
    .map_err(db_err)?
    .query_row([code], |r| {
        Ok(Place {
            kind: CouncilKind::parse(&r.get::<_, String>(0)?).map_err(|_| bad_row("kind"))?,
            population: r.get(1)?,
            households: r.get(2)?,
        })
    })
    .optional()
    .map_err(db_err)
}

#[async_trait]
impl GeographyStore for Sqlite {
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
    async fn load_province(&self, seed: &ProvinceSeed, by: &Actor) -> StoreResult<()> {
        seed.validate()?;
        let (seed, by) = (seed.clone(), by.clone());
        self.write(move |tx| {
            write_seed(tx, &seed, &by)?;
            append_audit(tx, &by, &province_loaded(&seed))
        })
        .await
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
        table.validate()?;
        let (code, table, by) = (election_code.to_owned(), table.clone(), by.clone());
        self.write(move |tx| {
            let json_table = serde_json::to_string(&table).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let n = tx.execute("UPDATE elections SET seat_table = ?1 WHERE code = ?2", params![json_table, code]).map_err(db_err)?;
            if n == 0 {
                return Err(StoreError::not_found(Entity::Election));
            }
            let councils: Vec<(String, String, String, i64, u32, u32)> = {
                let mut s = tx
                    .prepare("SELECT code, kind, place_code, population, main_seats, alternate_seats FROM councils WHERE election_code = ?1")
                    .map_err(db_err)?;
                all(&mut s, [&code], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))?
            };
            let stored = councils
                .into_iter()
                .map(|(code, kind, place_code, population, main, alternate)| {
                    Ok(StoredSeats {
                        code,
                        kind: CouncilKind::parse(&kind).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                        place_code,
                        population,
                        main: main.into(),
                        alternate: alternate.into(),
                    })
                })
                .collect::<StoreResult<Vec<_>>>()?;
            let changes = reseated(&table, &stored);
            let mut update = tx.prepare("UPDATE councils SET main_seats = ?1, alternate_seats = ?2 WHERE code = ?3").map_err(db_err)?;
            for (council, seats) in &changes {
                update.execute(params![seats.main, seats.alternate, council]).map_err(db_err)?;
            }
            let changed = changes.len() as u64;
            append_audit(tx, &by, &seat_table_set(&code, &table, changed))?;
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
            w.searches("name", filter.name.as_deref());
            paged(
                c,
                "councils",
                COUNCIL_COLUMNS,
                &w,
                council_order(filter.sort),
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
    async fn council_place(&self, code: &str) -> StoreResult<Option<domain::registration::Place>> {
        let code = code.to_owned();
        self.read(move |c| council_place(c, &code)).await
    }
}
