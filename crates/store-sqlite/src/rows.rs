//! Rows into the store's models: each table's columns and the function that reads them back.
//! A value that does not parse is an error (the row is corrupt), never a default.

use crate::sql::{bad_row, parse_date};
use audit::AuditRecord;
use domain::access::Role;
use domain::ballot::Candidate;
use domain::election::{Council, CouncilKind};
use domain::ids::{MobileNumber, NationalId, PostalCode};
use domain::person::{Education, Gender, Person, Relation, Relative};
use domain::roll::{Voter, VoterStatus};
use domain::station::{Area, Facilities, GeoPoint, LinkType, Station};
use rusqlite::Row;
use store::{scope_from_columns, UserRecord};

pub(crate) const COUNCIL_COLUMNS: &str = "code, election_code, kind, name, county_code, place_code, population, main_seats, alternate_seats";

pub(crate) fn council_from_row(r: &Row<'_>) -> rusqlite::Result<Council> {
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

pub(crate) const STATION_COLUMNS: &str = "code, election_code, county_code, council_code, name, area, mobile, hard_to_reach, expected_voters, \
     address, postal_code, latitude, longitude, evoting_devices, identity_devices, power_backup, cctv, link_type, closed";

/// A station row without its route (see [`attach_routes`]).
pub(crate) fn station_from_row(r: &Row<'_>) -> rusqlite::Result<Station> {
    let area: String = r.get(5)?;
    let postal: Option<String> = r.get(10)?;
    let lat: Option<f64> = r.get(11)?;
    let lon: Option<f64> = r.get(12)?;
    let link: String = r.get(17)?;
    Ok(Station {
        code: r.get(0)?,
        election_code: r.get(1)?,
        county_code: r.get(2)?,
        council_code: r.get(3)?,
        name: r.get(4)?,
        area: Area::parse(&area).ok_or_else(|| bad_row("area"))?,
        mobile: r.get(6)?,
        hard_to_reach: r.get(7)?,
        expected_voters: r.get(8)?,
        address: r.get(9)?,
        postal_code: postal
            .map(|p| PostalCode::parse(&p))
            .transpose()
            .map_err(|_| bad_row("postal_code"))?,
        location: match (lat, lon) {
            (Some(lat), Some(lon)) => Some(GeoPoint { lat, lon }),
            (None, None) => None,
            _ => return Err(bad_row("location")),
        },
        facilities: Facilities {
            evoting_devices: r.get(13)?,
            identity_devices: r.get(14)?,
            power_backup: r.get(15)?,
            cctv: r.get(16)?,
            link: LinkType::parse(&link).ok_or_else(|| bad_row("link_type"))?,
        },
        route: Vec::new(),
        closed: r.get(18)?,
    })
}

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

pub(crate) fn relative_from_row(r: &Row<'_>, at: usize) -> rusqlite::Result<Relative> {
    let id: String = r.get(at)?;
    let relation: String = r.get(at + 1)?;
    Ok(Relative {
        national_id: NationalId::parse(&id).map_err(|_| bad_row("relative_id"))?,
        relation: Relation::parse(&relation).ok_or_else(|| bad_row("relation"))?,
    })
}

pub(crate) const USER_COLUMNS: &str = "username, password_hash, role, scope_kind, county_code, station_code, created_at_us, disabled_at_us";

pub(crate) fn user_from_row(r: &Row<'_>) -> rusqlite::Result<UserRecord> {
    let role: String = r.get(2)?;
    let kind: String = r.get(3)?;
    Ok(UserRecord {
        username: r.get(0)?,
        password_hash: r.get(1)?,
        role: Role::parse(&role).map_err(|_| bad_row("role"))?,
        scope: scope_from_columns(&kind, r.get(4)?, r.get(5)?).ok_or_else(|| bad_row("scope"))?,
        created_at_us: r.get(6)?,
        disabled_at_us: r.get(7)?,
    })
}

pub(crate) const AUDIT_COLUMNS: &str =
    "seq, at_us, actor, action, entity, payload, prev_hash, hash";

pub(crate) fn audit_from_row(r: &Row<'_>) -> rusqlite::Result<AuditRecord> {
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

pub(crate) fn voter_from_row(r: &Row<'_>) -> rusqlite::Result<Voter> {
    let id: String = r.get(0)?;
    let birth: String = r.get(1)?;
    Ok(Voter {
        national_id: NationalId::parse(&id).map_err(|_| bad_row("national_id"))?,
        birth_date: parse_date(&birth)?,
        council: r.get(2)?,
        status: if r.get(3)? {
            VoterStatus::Deceased
        } else {
            VoterStatus::Alive
        },
    })
}

pub(crate) fn candidate_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Candidate> {
    let gender: String = r.get(4)?;
    let education: Option<String> = r.get(5)?;
    Ok(Candidate {
        code: r.get(0)?,
        council: r.get(1)?,
        first_name: r.get(2)?,
        last_name: r.get(3)?,
        gender: Gender::parse(&gender).unwrap_or(Gender::Male),
        education: education.as_deref().and_then(Education::parse),
        occupation: r.get(6)?,
        veteran_family: r.get(7)?,
    })
}
