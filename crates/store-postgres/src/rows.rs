//! Rows to domain types, and the text forms of values the schema keeps as text.

use crate::db;
use audit::AuditRecord;
use domain::access::Role;
use domain::election::{Council, CouncilKind, Election, Milestone};
use domain::geo::County;
use domain::ids::{MobileNumber, NationalId};
use domain::person::{Gender, Person};
use domain::station::{Area, Station};
use sqlx::postgres::PgRow;
use sqlx::Row;
use store::{scope_from_columns, CountySummary, StoreError, StoreResult, UserRecord};
use time::Date;

const DATE: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Database(format!("stored {what} is unreadable: {detail}"))
}

/// A date as ISO `YYYY-MM-DD`.
pub(crate) fn format_date(date: Date) -> StoreResult<String> {
    date.format(DATE)
        .map_err(|e| StoreError::Invalid(format!("date {date}: {e}")))
}

fn parse_date(text: &str) -> StoreResult<Date> {
    Date::parse(text, DATE).map_err(|e| corrupt("date", format!("{text:?}: {e}")))
}

pub(crate) fn council_kind(text: &str) -> StoreResult<CouncilKind> {
    CouncilKind::parse(text).map_err(|e| corrupt("council kind", e))
}

fn get<'r, T>(row: &'r PgRow, column: &str) -> StoreResult<T>
where
    T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    row.try_get(column).map_err(db)
}

fn seats(row: &PgRow, column: &str) -> StoreResult<u32> {
    let n: i64 = get(row, column)?;
    u32::try_from(n).map_err(|e| corrupt(column, e))
}

pub(crate) fn election(row: &PgRow, milestones: &[PgRow]) -> StoreResult<Election> {
    let seat_table: String = get(row, "seat_table")?;
    let milestones = milestones
        .iter()
        .map(|m| {
            Ok(Milestone {
                key: get(m, "key")?,
                name: get(m, "name")?,
                starts_at: domain::clock::from_micros(get(m, "starts_at_us")?),
                ends_at: domain::clock::from_micros(get(m, "ends_at_us")?),
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Election {
        code: get(row, "code")?,
        name: get(row, "name")?,
        kind: get(row, "kind")?,
        election_day: parse_date(&get::<String>(row, "election_day")?)?,
        seat_table: serde_json::from_str(&seat_table).map_err(|e| corrupt("seat table", e))?,
        milestones,
    })
}

pub(crate) fn county_summary(row: &PgRow) -> StoreResult<CountySummary> {
    Ok(CountySummary {
        county: County {
            code: get(row, "code")?,
            name: get(row, "name")?,
            name_en: get(row, "name_en")?,
            centre: get(row, "centre")?,
            population: get(row, "population")?,
            synthetic: get(row, "synthetic")?,
        },
        districts: get(row, "districts")?,
        cities: get(row, "cities")?,
        villages: get(row, "villages")?,
        city_councils: get(row, "city_councils")?,
        village_councils: get(row, "village_councils")?,
        main_seats: get(row, "main_seats")?,
        alternate_seats: get(row, "alternate_seats")?,
        stations: get(row, "stations")?,
        urban_stations: get(row, "urban_stations")?,
        rural_stations: get(row, "rural_stations")?,
        mobile_stations: get(row, "mobile_stations")?,
    })
}

pub(crate) fn council(row: &PgRow) -> StoreResult<Council> {
    Ok(Council {
        code: get(row, "code")?,
        election_code: get(row, "election_code")?,
        kind: council_kind(&get::<String>(row, "kind")?)?,
        name: get(row, "name")?,
        county_code: get(row, "county_code")?,
        place_code: get(row, "place_code")?,
        population: get(row, "population")?,
        main_seats: seats(row, "main_seats")?,
        alternate_seats: seats(row, "alternate_seats")?,
    })
}

pub(crate) fn station(row: &PgRow) -> StoreResult<Station> {
    let area: String = get(row, "area")?;
    Ok(Station {
        code: get(row, "code")?,
        election_code: get(row, "election_code")?,
        county_code: get(row, "county_code")?,
        council_code: get(row, "council_code")?,
        name: get(row, "name")?,
        area: Area::parse(&area).ok_or_else(|| corrupt("station area", &area))?,
        mobile: get(row, "mobile")?,
        hard_to_reach: get(row, "hard_to_reach")?,
        expected_voters: get(row, "expected_voters")?,
    })
}

pub(crate) fn person(row: &PgRow) -> StoreResult<Person> {
    let national_id: String = get(row, "national_id")?;
    let gender: String = get(row, "gender")?;
    let mobile: Option<String> = get(row, "mobile")?;
    Ok(Person {
        national_id: NationalId::parse(&national_id).map_err(|e| corrupt("national id", e))?,
        first_name: get(row, "first_name")?,
        last_name: get(row, "last_name")?,
        father_name: get(row, "father_name")?,
        gender: Gender::parse(&gender).ok_or_else(|| corrupt("gender", &gender))?,
        birth_date: parse_date(&get::<String>(row, "birth_date")?)?,
        mobile: mobile
            .map(|m| MobileNumber::parse(&m).map_err(|e| corrupt("mobile number", e)))
            .transpose()?,
    })
}

pub(crate) fn user(row: &PgRow) -> StoreResult<UserRecord> {
    let role: String = get(row, "role")?;
    let kind: String = get(row, "scope_kind")?;
    let scope = scope_from_columns(&kind, get(row, "county_code")?, get(row, "station_code")?)
        .ok_or_else(|| corrupt("user scope", &kind))?;
    Ok(UserRecord {
        username: get(row, "username")?,
        password_hash: get(row, "password_hash")?,
        role: Role::parse(&role).map_err(|e| corrupt("role", e))?,
        scope,
        created_at_us: get(row, "created_at_us")?,
    })
}

pub(crate) fn audit(row: &PgRow) -> StoreResult<AuditRecord> {
    Ok(AuditRecord {
        seq: get(row, "seq")?,
        at_us: get(row, "at_us")?,
        actor: get(row, "actor")?,
        action: get(row, "action")?,
        entity: get(row, "entity")?,
        payload: get(row, "payload")?,
        prev_hash: get(row, "prev_hash")?,
        hash: get(row, "hash")?,
    })
}
