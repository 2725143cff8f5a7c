//! People and their declared relatives on SQLite.

use crate::chain::append_audit;
use crate::db::{db_err, duplicate_or, repeated_or, Sqlite};
use crate::facts::{attach_relatives, load_person};
use crate::rows::{person_from_row, PERSON_COLUMNS};
use crate::sql::{all, iso_date, search_key};
use async_trait::async_trait;
use domain::ids::MobileNumber;
use domain::person::{Education, Person};
use rusqlite::{params, Connection};
use store::people::{people_imported, person_created, PeopleQuery};
use store::{Actor, Entity, Page, PageRequest, PeopleStore, StoreResult};

/// Inserts a person and their relatives; `Duplicate { Person }` for a taken id.
pub(crate) fn insert_person(conn: &Connection, p: &Person) -> StoreResult<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO people ({PERSON_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
    ))
    .map_err(db_err)?
    .execute(params![
        p.national_id.as_str(),
        p.first_name,
        p.last_name,
        p.father_name,
        p.gender.as_str(),
        iso_date(p.birth_date),
        p.mobile.as_ref().map(MobileNumber::as_str),
        p.education.map(Education::as_str),
        p.sitting_council_member,
    ])
    .map_err(|e| duplicate_or(e, Entity::Person, p.national_id.as_str()))?;
    if p.relatives.is_empty() {
        return Ok(());
    }
    let mut s = conn
        .prepare_cached(
            "INSERT INTO person_relatives (national_id, relative_id, relation) VALUES (?1, ?2, ?3)",
        )
        .map_err(db_err)?;
    for r in &p.relatives {
        s.execute(params![
            p.national_id.as_str(),
            r.national_id.as_str(),
            r.relation.as_str()
        ])
        .map_err(|e| repeated_or(e, Entity::Relative, r.national_id.as_str()))?;
    }
    Ok(())
}

/// A national id prefix when the query is all digits (in any script), else a name substring.
/// People a county's users see (`?4`; everyone when it is NULL): those linked to the county
/// (a post at one of its stations, a seat on one of its boards, a candidacy for one of its
/// councils), and with `?5` the people linked to no county, whom those who appoint draw from;
/// never those of another county.
const IN_COUNTY: &str = "(?4 IS NULL
     OR EXISTS (SELECT 1 FROM station_posts sp JOIN stations s ON s.code = sp.station_code
                WHERE sp.national_id = people.national_id AND s.county_code = ?4)
     OR EXISTS (SELECT 1 FROM board_members m
                WHERE m.national_id = people.national_id AND m.county_code = ?4)
     OR EXISTS (SELECT 1 FROM registrations r JOIN councils c ON c.code = r.council_code
                WHERE r.national_id = people.national_id AND c.county_code = ?4)
     OR (?5 AND NOT (EXISTS (SELECT 1 FROM station_posts sp WHERE sp.national_id = people.national_id)
          OR EXISTS (SELECT 1 FROM board_members m
                     WHERE m.national_id = people.national_id AND m.county_code IS NOT NULL)
          OR EXISTS (SELECT 1 FROM registrations r WHERE r.national_id = people.national_id))))";

pub(crate) fn search(
    conn: &Connection,
    query: &str,
    county: Option<&str>,
    pool: bool,
    page: PageRequest,
) -> StoreResult<Page<Person>> {
    let (filter, q) = match PeopleQuery::parse(query) {
        PeopleQuery::IdPrefix(digits) => {
            ("substr(national_id, 1, length(?1)) = ?1".to_owned(), digits)
        }
        PeopleQuery::Name(key) => (
            format!(
                "(instr({}, ?1) > 0 OR instr({}, ?1) > 0)",
                search_key("first_name"),
                search_key("last_name")
            ),
            key,
        ),
    };
    let total: i64 = conn
        .prepare_cached(&format!(
            "SELECT count(*) FROM people WHERE {filter} AND {IN_COUNTY}"
        ))
        .map_err(db_err)?
        .query_row(params![q, page.limit(), page.offset(), county, pool], |r| {
            r.get(0)
        })
        .map_err(db_err)?;
    let mut s = conn
        .prepare_cached(&format!(
            "SELECT {PERSON_COLUMNS} FROM people WHERE {filter} AND {IN_COUNTY}
             ORDER BY last_name, first_name, national_id LIMIT ?2 OFFSET ?3"
        ))
        .map_err(db_err)?;
    let mut items = all(
        &mut s,
        params![q, page.limit(), page.offset(), county, pool],
        person_from_row,
    )?;
    attach_relatives(conn, &mut items)?;
    Ok(Page {
        items,
        total,
        page: page.page,
        per_page: page.per_page,
    })
}

#[async_trait]
impl PeopleStore for Sqlite {
    #[tracing::instrument(skip_all)]
    async fn person(&self, national_id: &str) -> StoreResult<Option<Person>> {
        let id = national_id.to_owned();
        self.read(move |c| load_person(c, &id)).await
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
    async fn create_person(&self, person: &Person, by: &Actor) -> StoreResult<()> {
        let (p, by) = (person.clone(), by.clone());
        self.write(move |tx| {
            insert_person(tx, &p)?;
            append_audit(tx, &by, &person_created(&p))
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
            append_audit(tx, &by, &people_imported(people.len()))?;
            Ok(people.len() as u64)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn search_people(
        &self,
        query: &str,
        county: Option<&str>,
        pool: bool,
        page: PageRequest,
    ) -> StoreResult<Page<Person>> {
        let (query, county) = (query.to_owned(), county.map(str::to_owned));
        self.read(move |c| search(c, &query, county.as_deref(), pool, page))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn person_in_county(
        &self,
        national_id: &str,
        county: &str,
        pool: bool,
    ) -> StoreResult<bool> {
        let (id, county) = (national_id.to_owned(), county.to_owned());
        self.read(move |c| {
            c.prepare_cached(&format!(
                "SELECT EXISTS (SELECT 1 FROM people WHERE national_id = ?1 AND {IN_COUNTY})"
            ))
            .map_err(db_err)?
            .query_row(
                params![
                    id,
                    rusqlite::types::Null,
                    rusqlite::types::Null,
                    county,
                    pool
                ],
                |r| r.get(0),
            )
            .map_err(db_err)
        })
        .await
    }
}

/// The demo's people, as generated.
pub(crate) fn write_demo(conn: &Connection, people: &[Person]) -> StoreResult<()> {
    for person in people {
        insert_person(conn, person)?;
    }
    Ok(())
}
