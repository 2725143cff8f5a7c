//! People and their declared relatives.

use crate::db_err;
use crate::queries::{all, bad_row, conflict_or, iso_date, parse_date};
use domain::ids::{MobileNumber, NationalId};
use domain::person::{Education, Gender, Person, Relation, Relative};
use rusqlite::{params, Connection, OptionalExtension, Row};
use std::collections::HashMap;
use store::{Page, PageRequest, StoreError, StoreResult};

pub(crate) const PERSON_COLUMNS: &str = "national_id, first_name, last_name, father_name, gender, birth_date, mobile, education, sitting_council_member";

/// A person row without relatives (see [`attach_relatives`]).
pub(crate) fn person_from_row(r: &Row<'_>) -> rusqlite::Result<Person> {
    let nid: String = r.get(0)?;
    let gender: String = r.get(4)?;
    let birth: String = r.get(5)?;
    let mobile: Option<String> = r.get(6)?;
    let education: Option<String> = r.get(7)?;
    Ok(Person {
        national_id: NationalId::parse(&nid).map_err(|_| bad_row("national_id"))?,
        first_name: r.get(1)?,
        last_name: r.get(2)?,
        father_name: r.get(3)?,
        gender: Gender::parse(&gender).ok_or_else(|| bad_row("gender"))?,
        birth_date: parse_date(&birth)?,
        mobile: mobile
            .map(|m| MobileNumber::parse(&m))
            .transpose()
            .map_err(|_| bad_row("mobile"))?,
        education: education
            .map(|e| Education::parse(&e).ok_or_else(|| bad_row("education")))
            .transpose()?,
        sitting_council_member: r.get(8)?,
        relatives: Vec::new(),
    })
}

fn relative_from_row(r: &Row<'_>, at: usize) -> rusqlite::Result<Relative> {
    let id: String = r.get(at)?;
    let relation: String = r.get(at + 1)?;
    Ok(Relative {
        national_id: NationalId::parse(&id).map_err(|_| bad_row("relative_id"))?,
        relation: Relation::parse(&relation).ok_or_else(|| bad_row("relation"))?,
    })
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
    let ids = serde_json::to_string(&ids).map_err(|e| StoreError::Database(e.to_string()))?;
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
    let mut by_person: HashMap<String, Vec<Relative>> = HashMap::new();
    for (id, relative) in rows {
        by_person.entry(id).or_default().push(relative);
    }
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

/// Inserts a person and their relatives; `Conflict { entity: "person" }` for a taken id.
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
    .map_err(|e| conflict_or(e, "person"))?;
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
        .map_err(|e| match conflict_or(e, "relative") {
            StoreError::Conflict { .. } => StoreError::Invalid(format!(
                "خویشاوند با کد ملی {} دو بار آمده است.",
                r.national_id
            )),
            other => other,
        })?;
    }
    Ok(())
}

/// A national id prefix when the query is all digits (in any script), else a name substring.
pub(crate) fn search(
    conn: &Connection,
    query: &str,
    page: PageRequest,
) -> StoreResult<Page<Person>> {
    let q = domain::text::ascii_digits(query.trim());
    let by_id = !q.is_empty() && q.bytes().all(|b| b.is_ascii_digit());
    let filter = if by_id {
        "substr(national_id, 1, length(?1)) = ?1"
    } else {
        "(instr(first_name, ?1) > 0 OR instr(last_name, ?1) > 0)"
    };
    let total: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM people WHERE {filter}"))
        .map_err(db_err)?
        .query_row([&q], |r| r.get(0))
        .map_err(db_err)?;
    let mut s = conn
        .prepare_cached(&format!(
            "SELECT {PERSON_COLUMNS} FROM people WHERE {filter}
             ORDER BY last_name, first_name, national_id LIMIT ?2 OFFSET ?3"
        ))
        .map_err(db_err)?;
    let mut items = all(
        &mut s,
        params![q, page.limit(), page.offset()],
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
