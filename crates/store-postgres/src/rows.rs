//! Rows to domain types, and the text forms of values the schema keeps as text.

use crate::db::db;
use audit::AuditRecord;
use domain::access::Role;
use domain::ballot::Candidate;
use domain::boards::{Attendance, BoardMember, BoardRole, Decision, Meeting};
use domain::election::{Council, CouncilKind, Election, Milestone};
use domain::geo::County;
use domain::ids::{MobileNumber, NationalId, PostalCode};
use domain::person::{Education, Gender, Person, Relation, Relative};
use domain::registration::{Application, DocumentKind, MediaType, OfficialPost};
use domain::roll::{Voter, VoterStatus};
use domain::staffing::Post;
use domain::station::{Area, Facilities, GeoPoint, LinkType, RouteStop, Station};
use domain::station_day::{DayState, StationDay};
use domain::vetting::{VettingFile, VettingState};
use domain::DomainError;
use sqlx::postgres::PgRow;
use sqlx::Row;
use store::{
    scope_from_columns, CountyCoverage, CountySummary, Refusal, Registration, StaffAssignment,
    StoreError, StoreResult, StoredDocument, UserRecord, VettingEvent,
};
use time::Date;

const DATE: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

pub(crate) fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("stored {what} is unreadable: {detail}"))
}

/// A date the schema cannot hold (a year past 9999) is refused as invalid.
fn unwritable(date: Date, e: impl std::fmt::Display) -> StoreError {
    Refusal::Invalid(DomainError::InvalidDate(format!("{date}: {e}"))).into()
}

/// A date as ISO `YYYY-MM-DD`.
pub(crate) fn format_date(date: Date) -> StoreResult<String> {
    date.format(DATE).map_err(|e| unwritable(date, e))
}

/// Appends a date as ISO `YYYY-MM-DD` to `buf`, without allocating.
pub(crate) fn write_date(buf: &mut Vec<u8>, date: Date) -> StoreResult<()> {
    date.format_into(buf, DATE)
        .map(drop)
        .map_err(|e| unwritable(date, e))
}

pub(crate) fn parse_date(text: &str) -> StoreResult<Date> {
    Date::parse(text, DATE).map_err(|e| corrupt("date", format!("{text:?}: {e}")))
}

pub(crate) fn council_kind(text: &str) -> StoreResult<CouncilKind> {
    CouncilKind::parse(text).map_err(|e| corrupt("council kind", e))
}

/// Every row through `convert`; the first that does not convert fails the whole read.
pub(crate) fn all<T>(
    found: &[PgRow],
    convert: impl Fn(&PgRow) -> StoreResult<T>,
) -> StoreResult<Vec<T>> {
    found.iter().map(convert).collect()
}

/// One column of every row: the keys a second query reads the rows' children by.
pub(crate) fn keys<T>(found: &[PgRow], column: &str) -> StoreResult<Vec<T>>
where
    T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    all(found, |row| get(row, column))
}

/// Child rows grouped by their parent's key (`column`), each converted, in the rows' order:
/// what a second query read for several parents, ready to be handed to each.
pub(crate) fn grouped<K, T>(
    found: &[PgRow],
    column: &str,
    convert: impl Fn(&PgRow) -> StoreResult<T>,
) -> StoreResult<std::collections::HashMap<K, Vec<T>>>
where
    K: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Eq + std::hash::Hash,
{
    let mut groups: std::collections::HashMap<K, Vec<T>> = std::collections::HashMap::new();
    for row in found {
        groups
            .entry(get(row, column)?)
            .or_default()
            .push(convert(row)?);
    }
    Ok(groups)
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
                owner: store::readiness::owner_role(
                    get::<Option<String>>(m, "owner_role")?.as_deref(),
                )?,
                done_at: get::<Option<i64>>(m, "done_at_us")?.map(domain::clock::from_micros),
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

/// The columns [`station`] reads, for `SELECT`s of the stations table.
pub(crate) const STATION_COLUMNS: &str =
    "code, election_code, county_code, council_code, name, area, mobile, hard_to_reach, \
     expected_voters, address, postal_code, latitude, longitude, evoting_devices, identity_devices, \
     power_backup, cctv, link_type, closed";

fn devices(row: &PgRow, column: &str) -> StoreResult<u32> {
    let n: i64 = get(row, column)?;
    u32::try_from(n).map_err(|e| corrupt(column, e))
}

/// A station row with its route (already in order).
pub(crate) fn station(row: &PgRow, route: Vec<RouteStop>) -> StoreResult<Station> {
    let area: String = get(row, "area")?;
    let link: String = get(row, "link_type")?;
    let postal_code: Option<String> = get(row, "postal_code")?;
    let latitude: Option<f64> = get(row, "latitude")?;
    let longitude: Option<f64> = get(row, "longitude")?;
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
        address: get(row, "address")?,
        postal_code: postal_code
            .map(|p| PostalCode::parse(&p).map_err(|e| corrupt("postal code", e)))
            .transpose()?,
        location: match (latitude, longitude) {
            (Some(lat), Some(lon)) => Some(GeoPoint { lat, lon }),
            _ => None,
        },
        facilities: Facilities {
            evoting_devices: devices(row, "evoting_devices")?,
            identity_devices: devices(row, "identity_devices")?,
            power_backup: get(row, "power_backup")?,
            cctv: get(row, "cctv")?,
            link: LinkType::parse(&link).ok_or_else(|| corrupt("link type", &link))?,
        },
        route,
        closed: get(row, "closed")?,
    })
}

/// A row of `station_route` (`council_code, arrives_at_us, leaves_at_us`).
pub(crate) fn route_stop(row: &PgRow) -> StoreResult<RouteStop> {
    Ok(RouteStop {
        council: get(row, "council_code")?,
        arrives_at: domain::clock::from_micros(get(row, "arrives_at_us")?),
        leaves_at: domain::clock::from_micros(get(row, "leaves_at_us")?),
    })
}

/// The columns [`person`] reads.
pub(crate) const PERSON_COLUMNS: &str =
    "national_id, first_name, last_name, father_name, gender, birth_date, mobile, education, \
     sitting_council_member";

/// A person row with its declared relatives.
pub(crate) fn person(row: &PgRow, relatives: Vec<Relative>) -> StoreResult<Person> {
    let national_id: String = get(row, "national_id")?;
    let gender: String = get(row, "gender")?;
    let mobile: Option<String> = get(row, "mobile")?;
    let education: Option<String> = get(row, "education")?;
    Ok(Person {
        national_id: national_id_of(&national_id)?,
        first_name: get(row, "first_name")?,
        last_name: get(row, "last_name")?,
        father_name: get(row, "father_name")?,
        gender: Gender::parse(&gender).ok_or_else(|| corrupt("gender", &gender))?,
        birth_date: parse_date(&get::<String>(row, "birth_date")?)?,
        mobile: mobile
            .map(|m| MobileNumber::parse(&m).map_err(|e| corrupt("mobile number", e)))
            .transpose()?,
        education: education
            .map(|e| Education::parse(&e).ok_or_else(|| corrupt("education", &e)))
            .transpose()?,
        sitting_council_member: get(row, "sitting_council_member")?,
        relatives,
    })
}

pub(crate) fn national_id_of(text: &str) -> StoreResult<NationalId> {
    NationalId::parse(text).map_err(|e| corrupt("national id", e))
}

/// The columns [`voter`] reads.
pub(crate) const VOTER_COLUMNS: &str = "national_id, birth_date, council_code, deceased";

pub(crate) fn voter(row: &PgRow) -> StoreResult<Voter> {
    Ok(Voter {
        national_id: national_id_of(&get::<String>(row, "national_id")?)?,
        birth_date: parse_date(&get::<String>(row, "birth_date")?)?,
        council: get(row, "council_code")?,
        status: if get(row, "deceased")? {
            VoterStatus::Deceased
        } else {
            VoterStatus::Alive
        },
    })
}

/// A row of `person_relatives` (`relative_id, relation`).
pub(crate) fn relative(row: &PgRow) -> StoreResult<Relative> {
    let relation: String = get(row, "relation")?;
    Ok(Relative {
        national_id: national_id_of(&get::<String>(row, "relative_id")?)?,
        relation: Relation::parse(&relation).ok_or_else(|| corrupt("relation", &relation))?,
    })
}

pub(crate) fn post(text: &str) -> StoreResult<Post> {
    Post::parse(text).ok_or_else(|| corrupt("post", text))
}

/// A post holder: `station_code, post, national_id, first_name, last_name, assigned_at_us,
/// assigned_by`.
pub(crate) fn staff(row: &PgRow) -> StoreResult<StaffAssignment> {
    Ok(StaffAssignment {
        station: get(row, "station_code")?,
        post: post(&get::<String>(row, "post")?)?,
        national_id: get(row, "national_id")?,
        first_name: get(row, "first_name")?,
        last_name: get(row, "last_name")?,
        assigned_at_us: get(row, "assigned_at_us")?,
        assigned_by: get(row, "assigned_by")?,
    })
}

pub(crate) fn coverage(row: &PgRow) -> StoreResult<CountyCoverage> {
    Ok(CountyCoverage {
        county: get(row, "code")?,
        name: get(row, "name")?,
        stations: get(row, "stations")?,
        urban: get(row, "urban")?,
        rural: get(row, "rural")?,
        fixed: get(row, "fixed")?,
        mobile: get(row, "mobile")?,
        full_branch: get(row, "full_branch")?,
        with_governor_rep: get(row, "with_governor_rep")?,
        with_inspector: get(row, "with_inspector")?,
        fully_staffed: get(row, "fully_staffed")?,
        assignments: get(row, "assignments")?,
    })
}

/// The columns [`board_member`] reads, of `board_members bm JOIN people p`.
pub(crate) const BOARD_MEMBER_COLUMNS: &str =
    "bm.board_code, bm.national_id, p.first_name, p.last_name, bm.role, bm.term_start, bm.term_end";

pub(crate) fn board_member(row: &PgRow) -> StoreResult<BoardMember> {
    let role: String = get(row, "role")?;
    let term_end: Option<String> = get(row, "term_end")?;
    Ok(BoardMember {
        board: get(row, "board_code")?,
        national_id: get(row, "national_id")?,
        first_name: get(row, "first_name")?,
        last_name: get(row, "last_name")?,
        role: BoardRole::parse(&role).ok_or_else(|| corrupt("board role", &role))?,
        term_start: parse_date(&get::<String>(row, "term_start")?)?,
        term_end: term_end.as_deref().map(parse_date).transpose()?,
    })
}

/// The columns [`meeting`] reads.
pub(crate) const MEETING_COLUMNS: &str = "id, board_code, held_at_us, agenda, minutes";

/// A meeting row with its attendance and decisions (already in order).
pub(crate) fn meeting(
    row: &PgRow,
    attendance: Vec<Attendance>,
    decisions: Vec<Decision>,
) -> StoreResult<Meeting> {
    Ok(Meeting {
        id: get(row, "id")?,
        board: get(row, "board_code")?,
        held_at: domain::clock::from_micros(get(row, "held_at_us")?),
        agenda: get(row, "agenda")?,
        minutes: get(row, "minutes")?,
        attendance,
        decisions,
    })
}

/// A row of `meeting_attendance` (`national_id, present`).
pub(crate) fn attendance(row: &PgRow) -> StoreResult<Attendance> {
    Ok(Attendance {
        national_id: get(row, "national_id")?,
        present: get(row, "present")?,
    })
}

/// A row of `meeting_decisions` (`text, owner, due_on, done_at_us, done_by, done_note`).
pub(crate) fn decision(row: &PgRow) -> StoreResult<Decision> {
    Ok(Decision {
        text: get(row, "text")?,
        owner: get(row, "owner")?,
        due_on: parse_date(&get::<String>(row, "due_on")?)?,
        done: store::boards::done_of(
            get(row, "done_at_us")?,
            get(row, "done_by")?,
            get(row, "done_note")?,
        ),
    })
}

/// The board of a decision's meeting (`board_code`).
pub(crate) fn board_code(row: &PgRow) -> StoreResult<String> {
    get(row, "board_code")
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
        disabled_at_us: get(row, "disabled_at_us")?,
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

/// An election read with its milestones in one query: the election's columns and, per row,
/// one milestone (`milestone_key`, `milestone_name`, `starts_at_us`, `ends_at_us`; null when it
/// has none). `None` when there are no rows.
pub(crate) fn election_joined(found: &[PgRow]) -> StoreResult<Option<Election>> {
    let Some(first) = found.first() else {
        return Ok(None);
    };
    let seat_table: String = get(first, "seat_table")?;
    let mut milestones = Vec::new();
    for m in found {
        let Some(key) = get::<Option<String>>(m, "milestone_key")? else {
            continue;
        };
        milestones.push(Milestone {
            key,
            name: get(m, "milestone_name")?,
            starts_at: domain::clock::from_micros(get(m, "starts_at_us")?),
            ends_at: domain::clock::from_micros(get(m, "ends_at_us")?),
            owner: store::readiness::owner_role(
                get::<Option<String>>(m, "owner_role")?.as_deref(),
            )?,
            done_at: get::<Option<i64>>(m, "done_at_us")?.map(domain::clock::from_micros),
        });
    }
    Ok(Some(Election {
        code: get(first, "code")?,
        name: get(first, "name")?,
        kind: get(first, "kind")?,
        election_day: parse_date(&get::<String>(first, "election_day")?)?,
        seat_table: serde_json::from_str(&seat_table).map_err(|e| corrupt("seat table", e))?,
        milestones,
    }))
}

fn day_state(text: &str) -> StoreResult<DayState> {
    DayState::parse(text).ok_or_else(|| corrupt("station day state", text))
}

/// A station's day from [`DAY_COLUMNS`]; `None` when the row is missing (the columns are null,
/// as on the far side of an outer join).
pub(crate) fn station_day(row: &PgRow) -> StoreResult<Option<StationDay>> {
    let Some(state) = get::<Option<String>>(row, "state")? else {
        return Ok(None);
    };
    let reason: Option<String> = get(row, "pause_reason")?;
    Ok(Some(StationDay {
        state: day_state(&state)?,
        opened_at: get::<Option<i64>>(row, "opened_at_us")?.map(domain::clock::from_micros),
        closes_at: domain::clock::from_micros(get(row, "closes_at_us")?),
        closed_at: get::<Option<i64>>(row, "closed_at_us")?.map(domain::clock::from_micros),
        pause: store::election_day::pause_of(
            get(row, "paused_at_us")?,
            reason.as_deref(),
            get(row, "pause_notes")?,
        )?,
        // The check-in writer reads a day without its opening's record.
        presence: match row.try_get::<Option<String>, _>("presence") {
            Ok(p) => p
                .map(|p| {
                    serde_json::from_str(&p)
                        .map_err(|_| StoreError::Corrupt(format!("a station day's presence: {p}")))
                })
                .transpose()?,
            Err(sqlx::Error::ColumnNotFound(_)) => None,
            Err(e) => return Err(StoreError::database(e)),
        },
        forms_received: match row.try_get::<Option<i64>, _>("forms_received") {
            Ok(n) => n
                .map(|n| {
                    u32::try_from(n).map_err(|_| {
                        StoreError::Corrupt(format!("a station day's forms received: {n}"))
                    })
                })
                .transpose()?,
            Err(sqlx::Error::ColumnNotFound(_)) => None,
            Err(e) => return Err(StoreError::database(e)),
        },
    }))
}

/// The columns [`candidate`] reads.
pub(crate) const CANDIDATE_COLUMNS: &str =
    "code, council_code, first_name, last_name, gender, education, occupation, veteran_family";

pub(crate) fn candidate(row: &PgRow) -> StoreResult<Candidate> {
    let gender: String = get(row, "gender")?;
    let education: Option<String> = get(row, "education")?;
    Ok(Candidate {
        code: get(row, "code")?,
        council: get(row, "council_code")?,
        first_name: get(row, "first_name")?,
        last_name: get(row, "last_name")?,
        gender: Gender::parse(&gender).ok_or_else(|| corrupt("gender", &gender))?,
        education: education
            .map(|e| Education::parse(&e).ok_or_else(|| corrupt("education", &e)))
            .transpose()?,
        occupation: get(row, "occupation")?,
        veteran_family: get(row, "veteran_family")?,
    })
}

/// A count from the database as a seat number.
pub(crate) fn seats_of(n: i64) -> StoreResult<u32> {
    u32::try_from(n).map_err(|e| corrupt("seats", e))
}

/// The stored form of a document's media type (its serde name).
pub(crate) fn media_type_str(media: MediaType) -> &'static str {
    match media {
        MediaType::Jpeg => "jpeg",
        MediaType::Png => "png",
        MediaType::Pdf => "pdf",
    }
}

fn media_type(text: &str) -> StoreResult<MediaType> {
    match text {
        "jpeg" => Ok(MediaType::Jpeg),
        "png" => Ok(MediaType::Png),
        "pdf" => Ok(MediaType::Pdf),
        _ => Err(corrupt("media type", text)),
    }
}

fn vetting_state(text: &str) -> StoreResult<VettingState> {
    VettingState::parse(text).ok_or_else(|| corrupt("vetting state", text))
}

/// The columns [`registration`] reads, of `registrations r JOIN councils c`.
pub(crate) const REGISTRATION_COLUMNS: &str =
    "r.election_code, r.tracking_code, r.national_id, r.council_code, r.first_name, r.last_name, \
     r.father_name, r.birth_date, r.gender, r.mobile, r.residence, r.education, r.former_member, \
     r.occupation, r.official_title, r.resigned_on, r.veteran_family, r.state, r.submitted_at_us, \
     r.state_since_us, r.executive_qualified, r.candidate_code, c.name AS council_name, \
     c.kind AS council_kind, c.county_code";

/// A registration row with its documents (already in order).
pub(crate) fn registration(
    row: &PgRow,
    documents: Vec<StoredDocument>,
) -> StoreResult<Registration> {
    let gender: String = get(row, "gender")?;
    let education: String = get(row, "education")?;
    let mobile: String = get(row, "mobile")?;
    let official_title: Option<String> = get(row, "official_title")?;
    let resigned_on: Option<String> = get(row, "resigned_on")?;
    let application = Application {
        national_id: national_id_of(&get::<String>(row, "national_id")?)?,
        first_name: get(row, "first_name")?,
        last_name: get(row, "last_name")?,
        father_name: get(row, "father_name")?,
        birth_date: parse_date(&get::<String>(row, "birth_date")?)?,
        gender: Gender::parse(&gender).ok_or_else(|| corrupt("gender", &gender))?,
        mobile: MobileNumber::parse(&mobile).map_err(|e| corrupt("mobile number", e))?,
        residence: get(row, "residence")?,
        council: get(row, "council_code")?,
        education: Education::parse(&education).ok_or_else(|| corrupt("education", &education))?,
        former_member: get(row, "former_member")?,
        occupation: get(row, "occupation")?,
        official: official_title
            .map(|title| {
                Ok::<_, StoreError>(OfficialPost {
                    title,
                    resigned_on: resigned_on.as_deref().map(parse_date).transpose()?,
                })
            })
            .transpose()?,
        veteran_family: get(row, "veteran_family")?,
    };
    Ok(Registration {
        election_code: get(row, "election_code")?,
        tracking_code: get(row, "tracking_code")?,
        application,
        council_name: get(row, "council_name")?,
        council_kind: council_kind(&get::<String>(row, "council_kind")?)?,
        county_code: get(row, "county_code")?,
        documents,
        vetting: VettingFile {
            state: vetting_state(&get::<String>(row, "state")?)?,
            submitted_at: domain::clock::from_micros(get(row, "submitted_at_us")?),
            state_since: domain::clock::from_micros(get(row, "state_since_us")?),
            executive_qualified: get(row, "executive_qualified")?,
        },
        candidate_code: get(row, "candidate_code")?,
    })
}

/// A row of `registration_documents` (`kind, media_type, size, sha256`).
pub(crate) fn stored_document(row: &PgRow) -> StoreResult<StoredDocument> {
    let kind: String = get(row, "kind")?;
    Ok(StoredDocument {
        kind: DocumentKind::parse(&kind).ok_or_else(|| corrupt("document kind", &kind))?,
        media_type: media_type(&get::<String>(row, "media_type")?)?,
        size: get(row, "size")?,
        sha256: get(row, "sha256")?,
    })
}

/// A row of `vetting_events` (`at_us, step, state, actor, reason, grounds`).
pub(crate) fn vetting_event(row: &PgRow) -> StoreResult<VettingEvent> {
    Ok(VettingEvent {
        at: domain::clock::from_micros(get(row, "at_us")?),
        step: get(row, "step")?,
        state: vetting_state(&get::<String>(row, "state")?)?,
        by: get(row, "actor")?,
        reason: get(row, "reason")?,
        grounds: store::candidacy::parse_grounds(&get::<String>(row, "grounds")?)?,
    })
}

/// A row of `vetting_inquiries` (`authority, answer, note, answered_at_us`).
pub(crate) fn inquiry_answer(row: &PgRow) -> StoreResult<domain::inquiry::InquiryAnswer> {
    let authority: String = get(row, "authority")?;
    let answer: String = get(row, "answer")?;
    Ok(domain::inquiry::InquiryAnswer {
        authority: domain::inquiry::Authority::parse(&authority)
            .ok_or_else(|| corrupt("inquiry authority", &authority))?,
        answer: domain::inquiry::Answer::parse(&answer)
            .ok_or_else(|| corrupt("inquiry answer", &answer))?,
        note: get(row, "note")?,
        answered_at: domain::clock::from_micros(get(row, "answered_at_us")?),
    })
}

/// A row of `registrations` as the participation statistics read it
/// (`submitted_at_us, council_code, gender, birth_date, education, state`).
pub(crate) fn registration_fact(
    row: &PgRow,
) -> StoreResult<domain::participation::RegistrationFact> {
    let gender: String = get(row, "gender")?;
    let education: String = get(row, "education")?;
    Ok(domain::participation::RegistrationFact {
        submitted_at: domain::clock::from_micros(get(row, "submitted_at_us")?),
        council: get(row, "council_code")?,
        gender: Gender::parse(&gender).ok_or_else(|| corrupt("gender", &gender))?,
        birth_date: parse_date(&get::<String>(row, "birth_date")?)?,
        education: Education::parse(&education).ok_or_else(|| corrupt("education", &education))?,
        state: vetting_state(&get::<String>(row, "state")?)?,
    })
}

/// The columns [`council`] reads.
pub(crate) const COUNCIL_COLUMNS: &str =
    "code, election_code, kind, name, county_code, place_code, population, main_seats, \
     alternate_seats";

/// The columns [`user`] reads.
pub(crate) const USER_COLUMNS: &str =
    "username, password_hash, role, scope_kind, county_code, station_code, created_at_us, \
     disabled_at_us";

/// The columns [`audit`] reads.
pub(crate) const AUDIT_COLUMNS: &str =
    "seq, at_us, actor, action, entity, payload, prev_hash, hash";

/// The columns [`station_day`] reads.
pub(crate) const DAY_COLUMNS: &str = "state, opened_at_us, closes_at_us, closed_at_us, \
     paused_at_us, pause_reason, pause_notes, presence, forms_received";

/// A session row joined with its user's ([`SESSION_COLUMNS`] and [`user`]'s columns).
pub(crate) fn session(row: &PgRow) -> StoreResult<(store::SessionRecord, UserRecord)> {
    Ok((session_only(row)?, user(row)?))
}

/// The columns [`session_only`] reads (of `sessions s`).
pub(crate) const SESSION_COLUMNS: &str =
    "s.token_hash, s.username AS session_username, s.csrf_token, \
     s.created_at_us AS session_created_at_us, s.expires_at_us, s.last_seen_at_us, \
     s.idle_timeout_us";

/// A row of `sessions` ([`SESSION_COLUMNS`]).
pub(crate) fn session_only(row: &PgRow) -> StoreResult<store::SessionRecord> {
    Ok(store::SessionRecord {
        token_hash: get(row, "token_hash")?,
        username: get(row, "session_username")?,
        csrf_token: get(row, "csrf_token")?,
        created_at_us: get(row, "session_created_at_us")?,
        expires_at_us: get(row, "expires_at_us")?,
        last_seen_at_us: get(row, "last_seen_at_us")?,
        idle_timeout_us: get(row, "idle_timeout_us")?,
    })
}

/// A row of the staffing gaps (`code, name, county_code, held`): the posts nobody holds.
pub(crate) fn gap(row: &PgRow) -> StoreResult<store::StationGap> {
    let held: Vec<String> = get(row, "held")?;
    Ok(store::StationGap {
        station: get(row, "code")?,
        name: get(row, "name")?,
        county: get(row, "county_code")?,
        missing: Post::ALL
            .into_iter()
            .filter(|p| !held.iter().any(|h| h == p.as_str()))
            .collect(),
    })
}

/// A council's place (`kind, population, households`).
pub(crate) fn place(row: &PgRow) -> StoreResult<domain::registration::Place> {
    Ok(domain::registration::Place {
        kind: council_kind(&get::<String>(row, "kind")?)?,
        population: get(row, "population")?,
        households: get(row, "households")?,
    })
}
