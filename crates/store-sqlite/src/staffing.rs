//! Station posts and staffing figures on SQLite.

use crate::chain::append_audit;
use crate::db::{db_err, duplicate_or, is_unique_violation, Sqlite};
use crate::facts::load_person;
use crate::rows::{person_from_row, PERSON_COLUMNS};
use crate::sql::{all, bad_row, insert_each, parse_date};
use async_trait::async_trait;
use domain::ids::NationalId;
use domain::person::Person;
use domain::staffing::{check_assignment, AssignmentFacts, Post, Refusal};
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};
use std::collections::{BTreeSet, HashMap, HashSet};
use store::staffing::{post_assigned, post_freed};
use store::{
    Actor, CountyCoverage, Entity, Page, PageRequest, StaffAssignment, StaffConflict,
    StaffingStore, StationGap, StoreError, StoreResult,
};

fn post_from(s: &str) -> rusqlite::Result<Post> {
    Post::parse(s).ok_or_else(|| bad_row("post"))
}

fn national_id_from(s: &str) -> rusqlite::Result<NationalId> {
    NationalId::parse(s).map_err(|_| bad_row("national_id"))
}

/// A post held now: station, post, when and by whom it was given.
struct Held {
    station: String,
    post: Post,
    assigned_at_us: i64,
    assigned_by: String,
}

/// The facts `check_assignment` needs, owned.
struct Facts {
    election_day: time::Date,
    closed: bool,
    current: Option<Held>,
    holder: Option<NationalId>,
    candidate_here: bool,
    candidate_relative: Option<NationalId>,
}

impl Facts {
    fn check(&self, station: &str, post: Post, person: &Person) -> Result<(), Refusal> {
        let facts = AssignmentFacts {
            person,
            election_day: self.election_day,
            station_closed: self.closed,
            current_post: self.current.as_ref().map(|h| (h.station.clone(), h.post)),
            holder: self.holder.clone(),
            candidate_here: self.candidate_here,
            candidate_relative: self.candidate_relative.clone(),
        };
        check_assignment(station, post, &facts)
    }
}

/// The councils a station serves: its own and its route's stops (`?1` is the station).
const SERVED: &str = "WITH served(code) AS (
        SELECT council_code FROM stations WHERE code = ?1
        UNION SELECT council_code FROM station_route WHERE station_code = ?1)";

fn gather(
    conn: &Connection,
    station: &str,
    election: &str,
    election_day: time::Date,
    closed: bool,
    post: Post,
    person: &str,
) -> StoreResult<Facts> {
    let current = conn
        .prepare_cached(
            "SELECT station_code, post, assigned_at_us, assigned_by FROM station_posts
             WHERE election_code = ?1 AND national_id = ?2",
        )
        .map_err(db_err)?
        .query_row([election, person], |r| {
            Ok(Held {
                station: r.get(0)?,
                post: post_from(&r.get::<_, String>(1)?)?,
                assigned_at_us: r.get(2)?,
                assigned_by: r.get(3)?,
            })
        })
        .optional()
        .map_err(db_err)?;
    let holder = conn
        .prepare_cached(
            "SELECT national_id FROM station_posts WHERE station_code = ?1 AND post = ?2",
        )
        .map_err(db_err)?
        .query_row([station, post.as_str()], |r| {
            national_id_from(&r.get::<_, String>(0)?)
        })
        .optional()
        .map_err(db_err)?;
    let candidate_here: bool = conn
        .prepare_cached(&format!(
            "{SERVED} SELECT EXISTS(SELECT 1 FROM candidates
               WHERE election_code = ?2 AND national_id = ?3 AND council_code IN (SELECT code FROM served))"
        ))
        .map_err(db_err)?
        .query_row([station, election, person], |r| r.get(0))
        .map_err(db_err)?;
    let candidate_relative = conn
        .prepare_cached(&format!(
            "{SERVED} SELECT c.national_id FROM candidates c
             WHERE c.election_code = ?2 AND c.council_code IN (SELECT code FROM served) AND c.national_id <> ?3
               AND (EXISTS (SELECT 1 FROM person_relatives r WHERE r.national_id = ?3 AND r.relative_id = c.national_id)
                 OR EXISTS (SELECT 1 FROM person_relatives r WHERE r.national_id = c.national_id AND r.relative_id = ?3))
             ORDER BY c.national_id LIMIT 1"
        ))
        .map_err(db_err)?
        .query_row([station, election, person], |r| {
            national_id_from(&r.get::<_, String>(0)?)
        })
        .optional()
        .map_err(db_err)?;
    Ok(Facts {
        election_day,
        closed,
        current,
        holder,
        candidate_here,
        candidate_relative,
    })
}

pub(crate) fn assign_post(
    tx: &Transaction<'_>,
    station: &str,
    post: Post,
    national_id: &str,
    by: &Actor,
) -> StoreResult<StaffAssignment> {
    let (election, closed, day): (String, bool, String) = tx
        .prepare_cached(
            "SELECT s.election_code, s.closed, e.election_day FROM stations s
             JOIN elections e ON e.code = s.election_code WHERE s.code = ?1",
        )
        .map_err(db_err)?
        .query_row([station], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()
        .map_err(db_err)?
        .ok_or(StoreError::not_found(Entity::Station))?;
    let election_day = parse_date(&day).map_err(db_err)?;
    let person = load_person(tx, national_id)?.ok_or(StoreError::not_found(Entity::Person))?;
    let id = person.national_id.as_str();
    let facts = gather(tx, station, &election, election_day, closed, post, id)?;
    facts
        .check(station, post, &person)
        .map_err(StoreError::from)?;
    let assignment = |assigned_at_us, assigned_by| StaffAssignment {
        station: station.to_owned(),
        post,
        national_id: id.to_owned(),
        first_name: person.first_name.clone(),
        last_name: person.last_name.clone(),
        assigned_at_us,
        assigned_by,
    };
    if let Some(held) = &facts.current {
        if held.station == station && held.post == post {
            // Already so: nothing to write.
            return Ok(assignment(held.assigned_at_us, held.assigned_by.clone()));
        }
    }
    let inserted = tx
        .prepare_cached(
            "INSERT INTO station_posts (election_code, station_code, post, national_id, assigned_at_us, assigned_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .map_err(db_err)?
        .execute(params![
            election,
            station,
            post.as_str(),
            id,
            by.at_us(),
            by.username
        ]);
    if let Err(e) = inserted {
        // Someone got there first: say who, as the rules would have.
        if is_unique_violation(&e) {
            let now = gather(tx, station, &election, election_day, closed, post, id)?;
            if let Err(r) = now.check(station, post, &person) {
                return Err(r.into());
            }
        }
        return Err(db_err(e));
    }
    append_audit(tx, by, &post_assigned(station, post, id))?;
    Ok(assignment(by.at_us(), by.username.clone()))
}

pub(crate) fn unassign_post(
    tx: &Transaction<'_>,
    station: &str,
    post: Post,
    by: &Actor,
) -> StoreResult<Option<StaffAssignment>> {
    let removed: Option<(String, i64, String)> = tx
        .prepare_cached(
            "DELETE FROM station_posts WHERE station_code = ?1 AND post = ?2
             RETURNING national_id, assigned_at_us, assigned_by",
        )
        .map_err(db_err)?
        .query_row([station, post.as_str()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()
        .map_err(db_err)?;
    let Some((national_id, assigned_at_us, assigned_by)) = removed else {
        return Ok(None);
    };
    let (first_name, last_name): (String, String) = tx
        .prepare_cached("SELECT first_name, last_name FROM people WHERE national_id = ?1")
        .map_err(db_err)?
        .query_row([&national_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .map_err(db_err)?
        .ok_or_else(|| StoreError::Corrupt(format!("post holder {national_id} is not a person")))?;
    append_audit(tx, by, &post_freed(station, post, &national_id))?;
    Ok(Some(StaffAssignment {
        station: station.to_owned(),
        post,
        national_id,
        first_name,
        last_name,
        assigned_at_us,
        assigned_by,
    }))
}

pub(crate) fn station_staff(conn: &Connection, station: &str) -> StoreResult<Vec<StaffAssignment>> {
    let mut s = conn
        .prepare_cached(
            "SELECT sp.station_code, sp.post, sp.national_id, p.first_name, p.last_name, sp.assigned_at_us, sp.assigned_by
             FROM station_posts sp JOIN people p ON p.national_id = sp.national_id
             WHERE sp.station_code = ?1",
        )
        .map_err(db_err)?;
    let mut staff = all(&mut s, [station], |r| {
        Ok(StaffAssignment {
            station: r.get(0)?,
            post: post_from(&r.get::<_, String>(1)?)?,
            national_id: r.get(2)?,
            first_name: r.get(3)?,
            last_name: r.get(4)?,
            assigned_at_us: r.get(5)?,
            assigned_by: r.get(6)?,
        })
    })?;
    // `Post`'s order is `Post::ALL`'s.
    staff.sort_by_key(|a| a.post);
    Ok(staff)
}

pub(crate) fn coverage(
    conn: &Connection,
    county: Option<&str>,
) -> StoreResult<Vec<CountyCoverage>> {
    let sql = "
        WITH per_station AS (
            SELECT s.county_code, s.area, s.mobile,
                   count(sp.post) AS held,
                   coalesce(sum(sp.post IN (SELECT value FROM json_each(?2))), 0) AS branch,
                   coalesce(sum(sp.post = 'governor_rep'), 0) AS governor_rep,
                   coalesce(sum(sp.post = 'inspector'), 0) AS inspector
            FROM stations s LEFT JOIN station_posts sp ON sp.station_code = s.code
            WHERE s.closed = 0 AND (?1 IS NULL OR s.county_code = ?1)
            GROUP BY s.code
        )
        SELECT k.code, k.name,
               count(ps.county_code),
               coalesce(sum(ps.area = 'urban'), 0),
               coalesce(sum(ps.area = 'rural'), 0),
               coalesce(sum(NOT ps.mobile), 0),
               coalesce(sum(ps.mobile), 0),
               coalesce(sum(ps.branch = ?3), 0),
               coalesce(sum(ps.governor_rep > 0), 0),
               coalesce(sum(ps.inspector > 0), 0),
               coalesce(sum(ps.held = ?4), 0),
               coalesce(sum(ps.held), 0)
        FROM counties k LEFT JOIN per_station ps ON ps.county_code = k.code
        WHERE ?1 IS NULL OR k.code = ?1
        GROUP BY k.code, k.name
        ORDER BY k.code";
    // The posts that make a full branch and a fully staffed station are the domain's.
    let branch =
        serde_json::to_string(&Post::BRANCH.map(Post::as_str)).map_err(StoreError::database)?;
    let mut s = conn.prepare_cached(sql).map_err(db_err)?;
    all(
        &mut s,
        params![county, branch, Post::BRANCH.len(), Post::ALL.len()],
        |r| {
            Ok(CountyCoverage {
                county: r.get(0)?,
                name: r.get(1)?,
                stations: r.get(2)?,
                urban: r.get(3)?,
                rural: r.get(4)?,
                fixed: r.get(5)?,
                mobile: r.get(6)?,
                full_branch: r.get(7)?,
                with_governor_rep: r.get(8)?,
                with_inspector: r.get(9)?,
                fully_staffed: r.get(10)?,
                assignments: r.get(11)?,
            })
        },
    )
}

fn gap_from_row(r: &Row<'_>) -> rusqlite::Result<StationGap> {
    let held: Option<String> = r.get(3)?;
    let held = held
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .filter(|p| !p.is_empty())
        .map(post_from)
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(StationGap {
        station: r.get(0)?,
        name: r.get(1)?,
        county: r.get(2)?,
        missing: Post::ALL
            .into_iter()
            .filter(|p| !held.contains(p))
            .collect(),
    })
}

pub(crate) fn staffing_gaps(
    conn: &Connection,
    county: &str,
    page: PageRequest,
) -> StoreResult<Page<StationGap>> {
    // Fewer posts held than a station has (`Post::ALL`, bound as ?2).
    const GAPPED: &str = "s.county_code = ?1 AND s.closed = 0
        AND (SELECT count(*) FROM station_posts sp WHERE sp.station_code = s.code) < ?2";
    let total: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM stations s WHERE {GAPPED}"))
        .map_err(db_err)?
        .query_row(params![county, Post::ALL.len()], |r| r.get(0))
        .map_err(db_err)?;
    let mut s = conn
        .prepare_cached(&format!(
            "SELECT s.code, s.name, s.county_code,
                    (SELECT group_concat(sp.post) FROM station_posts sp WHERE sp.station_code = s.code)
             FROM stations s WHERE {GAPPED}
             ORDER BY s.code LIMIT ?3 OFFSET ?4"
        ))
        .map_err(db_err)?;
    let items = all(
        &mut s,
        params![county, Post::ALL.len(), page.limit(), page.offset()],
        gap_from_row,
    )?;
    Ok(Page {
        items,
        total,
        page: page.page,
        per_page: page.per_page,
    })
}

/// Held posts at the open stations of a county (`?1`, or all when NULL).
const HELD_OPEN: &str = "station_posts sp JOIN stations s ON s.code = sp.station_code
    WHERE s.closed = 0 AND (?1 IS NULL OR s.county_code = ?1)";

/// The same, with the holders and the stations' elections.
const HELD_OPEN_PEOPLE: &str = "station_posts sp JOIN stations s ON s.code = sp.station_code
    JOIN people p ON p.national_id = sp.national_id JOIN elections e ON e.code = s.election_code
    WHERE s.closed = 0 AND (?1 IS NULL OR s.county_code = ?1)";

/// Every held post at an open station whose holder `check_assignment` would now refuse, read in
/// three queries (posts with holders, candidates in the served councils, relatives of the
/// holders) in one read transaction, and decided here.
pub(crate) fn staffing_conflicts(
    conn: &Connection,
    county: Option<&str>,
) -> StoreResult<Vec<StaffConflict>> {
    // One snapshot for all three reads; nothing is written, so dropping it rolls back nothing.
    let tx = conn.unchecked_transaction().map_err(db_err)?;
    let person_columns = format!("p.{}", PERSON_COLUMNS.replace(", ", ", p."));
    let mut s = tx
        .prepare_cached(&format!(
            "SELECT {person_columns}, sp.station_code, sp.post, sp.assigned_at_us, sp.assigned_by, e.election_day
             FROM {HELD_OPEN_PEOPLE}"
        ))
        .map_err(db_err)?;
    let held = all(&mut s, [county], |r| {
        Ok((
            person_from_row(r)?,
            r.get::<_, String>(9)?,
            post_from(&r.get::<_, String>(10)?)?,
            r.get::<_, i64>(11)?,
            r.get::<_, String>(12)?,
            parse_date(&r.get::<_, String>(13)?)?,
        ))
    })?;
    if held.is_empty() {
        return Ok(Vec::new());
    }
    // (station, candidate) for the candidates of each station's election in the councils it
    // serves: its own and its route's stops.
    let mut s = tx
        .prepare_cached(&format!(
            "WITH st AS (SELECT DISTINCT s.code, s.council_code, s.election_code FROM {HELD_OPEN}),
             served(station, council, election) AS (
                SELECT code, council_code, election_code FROM st
                UNION SELECT r.station_code, r.council_code, st.election_code
                      FROM station_route r JOIN st ON st.code = r.station_code)
             SELECT DISTINCT sv.station, c.national_id FROM served sv
             JOIN candidates c ON c.election_code = sv.election AND c.council_code = sv.council"
        ))
        .map_err(db_err)?;
    let candidates: HashSet<(String, String)> = all(&mut s, [county], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?
    .into_iter()
    .collect();
    // (holder, relative) either way round.
    let mut relatives: HashMap<String, BTreeSet<String>> = HashMap::new();
    if !candidates.is_empty() {
        let mut s = tx
            .prepare_cached(&format!(
                "WITH h(id) AS (SELECT sp.national_id FROM {HELD_OPEN})
                 SELECT r.national_id, r.relative_id FROM person_relatives r
                 WHERE r.national_id IN (SELECT id FROM h)
                 UNION SELECT r.relative_id, r.national_id FROM person_relatives r
                 WHERE r.relative_id IN (SELECT id FROM h)"
            ))
            .map_err(db_err)?;
        for (id, relative) in all(&mut s, [county], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })? {
            relatives.entry(id).or_default().insert(relative);
        }
    }

    let mut conflicts = Vec::new();
    for (person, station, post, assigned_at_us, assigned_by, election_day) in held {
        let id = person.national_id.as_str();
        let is_candidate = |who: &str| candidates.contains(&(station.clone(), who.to_owned()));
        // As `assign_post`: the least such relative's id.
        let candidate_relative = relatives
            .get(id)
            .and_then(|rs| rs.iter().find(|r| r.as_str() != id && is_candidate(r)))
            .map(|r| national_id_from(r))
            .transpose()
            .map_err(db_err)?;
        let facts = AssignmentFacts {
            person: &person,
            election_day,
            station_closed: false,
            current_post: None,
            holder: None,
            candidate_here: is_candidate(id),
            candidate_relative,
        };
        if let Err(refusal) = check_assignment(&station, post, &facts) {
            conflicts.push(StaffConflict {
                code: refusal.code().into(),
                reason: refusal.persian(),
                assignment: StaffAssignment {
                    station,
                    post,
                    national_id: id.to_owned(),
                    first_name: person.first_name.clone(),
                    last_name: person.last_name.clone(),
                    assigned_at_us,
                    assigned_by,
                },
            });
        }
    }
    conflicts.sort_by(|a, b| {
        (&a.assignment.station, a.assignment.post).cmp(&(&b.assignment.station, b.assignment.post))
    });
    Ok(conflicts)
}

#[async_trait]
impl StaffingStore for Sqlite {
    #[tracing::instrument(skip_all)]
    async fn station_staff(&self, station: &str) -> StoreResult<Vec<StaffAssignment>> {
        let station = station.to_owned();
        self.read(move |c| station_staff(c, &station)).await
    }

    #[tracing::instrument(skip_all)]
    async fn assign_post(
        &self,
        station: &str,
        post: Post,
        national_id: &str,
        by: &Actor,
    ) -> StoreResult<StaffAssignment> {
        let (station, id, by) = (station.to_owned(), national_id.to_owned(), by.clone());
        self.write(move |tx| assign_post(tx, &station, post, &id, &by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn unassign_post(
        &self,
        station: &str,
        post: Post,
        by: &Actor,
    ) -> StoreResult<Option<StaffAssignment>> {
        let (station, by) = (station.to_owned(), by.clone());
        self.write(move |tx| unassign_post(tx, &station, post, &by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn coverage(&self, county: Option<&str>) -> StoreResult<Vec<CountyCoverage>> {
        let county = county.map(str::to_owned);
        self.read(move |c| coverage(c, county.as_deref())).await
    }

    #[tracing::instrument(skip_all)]
    async fn staffing_gaps(
        &self,
        county: &str,
        page: PageRequest,
    ) -> StoreResult<Page<StationGap>> {
        let county = county.to_owned();
        self.read(move |c| staffing_gaps(c, &county, page)).await
    }

    #[tracing::instrument(skip_all)]
    async fn staffing_conflicts(&self, county: Option<&str>) -> StoreResult<Vec<StaffConflict>> {
        let county = county.map(str::to_owned);
        self.read(move |c| staffing_conflicts(c, county.as_deref()))
            .await
    }
}

/// The demo's posts, as generated (the demo draws them within the rules).
pub(crate) fn write_demo(
    conn: &Connection,
    election: &str,
    assignments: &[domain::demo::DemoAssignment],
    by: &Actor,
) -> StoreResult<()> {
    insert_each(
        conn,
        "INSERT INTO station_posts (election_code, station_code, post, national_id, assigned_at_us, assigned_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        assignments,
        |a| {
            (
                election,
                &a.station,
                a.post.as_str(),
                a.national_id.as_str(),
                by.at_us(),
                &by.username,
            )
        },
        |e, a| {
            duplicate_or(
                e,
                Entity::Assignment,
                &format!("{}/{}", a.station, a.post.as_str()),
            )
        },
    )
}
