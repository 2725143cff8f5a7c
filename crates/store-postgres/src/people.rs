//! The people registry: staff, inspectors and board members, with their declared relatives.

use crate::chain::append_audit;
use crate::db::{db, is_unique_violation, retry, Attempt, Fail, Postgres, Unique};
use crate::{facts, rows, sql};
use async_trait::async_trait;
use domain::person::Person;
use sqlx::postgres::{PgConnection, PgPool, PgRow};
use std::collections::HashSet;
use store::people::{people_imported, person_created, PeopleQuery};
use store::{Actor, Entity, Page, PageRequest, PeopleStore, Refusal, StoreError, StoreResult};

/// The national id a failed insert of `people` collided on: one given twice, or else one
/// already registered (read on another connection: the failed transaction reads nothing more,
/// and the row it met has committed).
async fn taken_id(pool: &PgPool, people: &[Person]) -> StoreResult<String> {
    let mut seen = HashSet::new();
    if let Some(p) = people.iter().find(|p| !seen.insert(p.national_id.as_str())) {
        return Ok(p.national_id.as_str().to_owned());
    }
    let ids: Vec<&str> = people.iter().map(|p| p.national_id.as_str()).collect();
    let found: Option<String> =
        sqlx::query_scalar("SELECT national_id FROM people WHERE national_id = ANY($1) LIMIT 1")
            .bind(&ids)
            .fetch_optional(pool)
            .await
            .map_err(db)?;
    found.ok_or_else(|| StoreError::Corrupt("a person's key was taken by no one".into()))
}

/// Writes people and their declared relatives, one statement per table. A relative declared
/// twice by one person is refused (`Repeated { Relative }`); a national id already registered,
/// or given twice, is `Duplicate { Person, key: the id }`.
pub(crate) async fn write_people(
    conn: &mut PgConnection,
    pool: &PgPool,
    people: &[Person],
) -> Attempt<()> {
    for person in people {
        let mut seen = HashSet::new();
        if let Some(r) = person
            .relatives
            .iter()
            .find(|r| !seen.insert(r.national_id.as_str()))
        {
            return Err(Refusal::Repeated {
                entity: Entity::Relative,
                national_id: r.national_id.as_str().to_owned(),
            }
            .into());
        }
    }
    let birth_dates = people
        .iter()
        .map(|x| rows::format_date(x.birth_date))
        .collect::<StoreResult<Vec<_>>>()?;
    let written = sqlx::query(&format!(
        "INSERT INTO people ({}) \
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], \
         $7::text[], $8::text[], $9::bool[])",
        rows::PERSON_COLUMNS
    ))
    .bind(sql::column(people, |x| x.national_id.as_str().to_owned()))
    .bind(sql::column(people, |x| x.first_name.clone()))
    .bind(sql::column(people, |x| x.last_name.clone()))
    .bind(sql::column(people, |x| x.father_name.clone()))
    .bind(sql::column(people, |x| x.gender.as_str().to_owned()))
    .bind(birth_dates)
    .bind(sql::column(people, |x| x.mobile.as_ref().map(|m| m.as_str().to_owned())))
    .bind(sql::column(people, |x| x.education.map(|e| e.as_str().to_owned())))
    .bind(sql::column(people, |x| x.sitting_council_member))
    .execute(&mut *conn)
    .await;
    match written {
        Err(e) if is_unique_violation(&e) => {
            return Err(Fail::Store(StoreError::Duplicate {
                entity: Entity::Person,
                key: taken_id(pool, people).await?,
            }))
        }
        other => other?,
    };
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

impl Postgres {
    async fn try_create_person(&self, person: &Person, by: &Actor) -> Attempt<()> {
        let mut tx = self.pool.begin().await?;
        write_people(&mut tx, &self.pool, std::slice::from_ref(person)).await?;
        // Only who was registered: no other personal data goes into the log.
        append_audit(&mut tx, by, &person_created(person)).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn try_import_people(&self, people: &[Person], by: &Actor) -> Attempt<u64> {
        let mut tx = self.pool.begin().await?;
        write_people(&mut tx, &self.pool, people).await?;
        append_audit(&mut tx, by, &people_imported(people.len())).await?;
        tx.commit().await?;
        Ok(people.len() as u64)
    }
}

#[async_trait]
impl PeopleStore for Postgres {
    #[tracing::instrument(skip_all)]
    async fn person(&self, national_id: &str) -> StoreResult<Option<Person>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        let found = sqlx::query(&format!(
            "SELECT {} FROM people WHERE national_id = $1",
            rows::PERSON_COLUMNS
        ))
        .bind(national_id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?;
        let found: Vec<PgRow> = found.into_iter().collect();
        Ok(facts::people_with_relatives(&mut conn, &found).await?.pop())
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
        retry(Unique::Fail, || self.try_create_person(person, by)).await
    }

    #[tracing::instrument(skip_all)]
    async fn import_people(&self, people: &[Person], by: &Actor) -> StoreResult<u64> {
        retry(Unique::Fail, || self.try_import_people(people, by)).await
    }

    #[tracing::instrument(skip_all)]
    async fn search_people(
        &self,
        query: &str,
        county: Option<&str>,
        pool: bool,
        req: PageRequest,
    ) -> StoreResult<Page<Person>> {
        let (prefix, name) = match PeopleQuery::parse(query) {
            PeopleQuery::IdPrefix(digits) => (Some(digits), None),
            PeopleQuery::Name(name) => (None, Some(name)),
        };
        let mut conn = self.pool.acquire().await.map_err(db)?;
        let (total, found) = sql::List::new(
            rows::PERSON_COLUMNS,
            &format!("people WHERE {}", sql::people_filter()),
            "last_name COLLATE \"C\", first_name COLLATE \"C\", national_id COLLATE \"C\"",
            4,
        )
        .fetch(
            &mut conn,
            |q| {
                q.bind(prefix.as_deref())
                    .bind(name.as_deref())
                    .bind(county)
                    .bind(pool)
            },
            req,
        )
        .await?;
        let items = facts::people_with_relatives(&mut conn, &found).await?;
        Ok(sql::page(items, total, req))
    }

    #[tracing::instrument(skip_all)]
    async fn person_in_county(
        &self,
        national_id: &str,
        county: &str,
        pool: bool,
    ) -> StoreResult<bool> {
        sqlx::query_scalar(&format!(
            "SELECT EXISTS (SELECT 1 FROM people WHERE national_id = $5 AND {})",
            sql::people_filter()
        ))
        .bind(None::<String>)
        .bind(None::<String>)
        .bind(county)
        .bind(pool)
        .bind(national_id)
        .fetch_one(&self.pool)
        .await
        .map_err(db)
    }
}
