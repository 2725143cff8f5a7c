//! Election-day posts at the stations: who holds them, what is missing, and which holders the
//! staffing rules would now refuse (`domain::staffing::check_assignment` decides, on facts read
//! in the writing transaction, or for the conflicts on one snapshot).
//!
//! For the conflicts, the facts `try_assign_post` reads for one person are read for every held
//! post at once, in three queries on one snapshot (the posts with their holders and the councils
//! each station serves; the candidates standing in those councils; the declared relations
//! between holders and those candidates), and `check_assignment` decides each post.

use crate::chain::append_audit;
use crate::db::{db, not_found, retry, Attempt, Postgres, Unique};
use crate::{rows, sql};
use async_trait::async_trait;
use domain::demo::DemoAssignment;
use domain::staffing::{check_assignment, AssignmentFacts, Post};
use sqlx::postgres::PgConnection;
use sqlx::Row;
use std::collections::{HashMap, HashSet};
use store::staffing::{post_assigned, post_freed};
use store::{
    Actor, CountyCoverage, Entity, Page, PageRequest, StaffAssignment, StaffConflict,
    StaffingStore, StationGap, StoreError, StoreResult,
};

/// Writes the demo's posts in one statement (part of the demo's one load transaction), assigned
/// by the loader at its time.
pub(crate) async fn write_demo_assignments(
    conn: &mut PgConnection,
    election_code: &str,
    assignments: &[DemoAssignment],
    by: &Actor,
) -> Attempt<()> {
    sqlx::query(
        "INSERT INTO station_posts (election_code, station_code, post, national_id, assigned_at_us, \
         assigned_by) \
         SELECT $1, u.station, u.post, u.national_id, $2, $3 \
         FROM UNNEST($4::text[], $5::text[], $6::text[]) AS u(station, post, national_id)",
    )
    .bind(election_code)
    .bind(by.at_us())
    .bind(&by.username)
    .bind(sql::column(assignments, |x| x.station.clone()))
    .bind(sql::column(assignments, |x| x.post.as_str().to_owned()))
    .bind(sql::column(assignments, |x| x.national_id.as_str().to_owned()))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

impl Postgres {
    /// Reads the facts of an assignment and decides on them, in the transaction that writes it.
    /// The station's row and then the person's row are locked first, so assignments at one
    /// station, and of one person, queue behind each other and each reads the posts the
    /// previous one left: never two holders of a post, never two posts for a person.
    async fn try_assign_post(
        &self,
        station: &str,
        post: Post,
        national_id: &str,
        by: &Actor,
    ) -> Attempt<StaffAssignment> {
        let mut tx = self.pool.begin().await?;
        let found = sqlx::query(
            "SELECT s.election_code, s.closed, e.election_day FROM stations s \
             JOIN elections e ON e.code = s.election_code WHERE s.code = $1 FOR NO KEY UPDATE OF s",
        )
        .bind(station)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(found) = found else {
            return Err(not_found(Entity::Station));
        };
        let election_code: String = found.try_get("election_code")?;
        let station_closed: bool = found.try_get("closed")?;
        let election_day = rows::parse_date(&found.try_get::<String, _>("election_day")?)?;

        let found = sqlx::query(&format!(
            "SELECT {} FROM people WHERE national_id = $1 FOR NO KEY UPDATE",
            rows::PERSON_COLUMNS
        ))
        .bind(national_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(found) = found else {
            return Err(not_found(Entity::Person));
        };
        let person = rows::person(&found, Vec::new())?;

        let current = sqlx::query(
            "SELECT station_code, post, assigned_at_us, assigned_by FROM station_posts \
             WHERE election_code = $1 AND national_id = $2",
        )
        .bind(&election_code)
        .bind(national_id)
        .fetch_optional(&mut *tx)
        .await?;
        let current = current
            .map(|row| -> Attempt<_> {
                Ok((
                    row.try_get::<String, _>("station_code")?,
                    rows::post(&row.try_get::<String, _>("post")?)?,
                    row.try_get::<i64, _>("assigned_at_us")?,
                    row.try_get::<String, _>("assigned_by")?,
                ))
            })
            .transpose()?;
        let holder: Option<String> = sqlx::query_scalar(
            "SELECT national_id FROM station_posts WHERE station_code = $1 AND post = $2",
        )
        .bind(station)
        .bind(post.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        // The councils the station serves (its own and its route's), the candidates standing in
        // them, and among those the person and any declared relative (either way round).
        let standing = sqlx::query(
            "WITH served AS ( \
               SELECT council_code FROM stations WHERE code = $1 \
               UNION SELECT council_code FROM station_route WHERE station_code = $1), \
             standing AS ( \
               SELECT c.national_id FROM candidates c JOIN served ON served.council_code = c.council_code \
               WHERE c.election_code = $2) \
             SELECT EXISTS (SELECT 1 FROM standing WHERE national_id = $3) AS candidate_here, \
               (SELECT s.national_id FROM standing s WHERE s.national_id <> $3 AND EXISTS ( \
                  SELECT 1 FROM person_relatives r \
                  WHERE (r.national_id = $3 AND r.relative_id = s.national_id) \
                     OR (r.national_id = s.national_id AND r.relative_id = $3)) \
                ORDER BY s.national_id COLLATE \"C\" LIMIT 1) AS candidate_relative",
        )
        .bind(station)
        .bind(&election_code)
        .bind(national_id)
        .fetch_one(&mut *tx)
        .await?;
        let candidate_here: bool = standing.try_get("candidate_here")?;
        let candidate_relative: Option<String> = standing.try_get("candidate_relative")?;

        let facts = AssignmentFacts {
            person: &person,
            election_day,
            station_closed,
            current_post: current.as_ref().map(|(s, p, _, _)| (s.clone(), *p)),
            holder: holder.as_deref().map(rows::national_id_of).transpose()?,
            candidate_here,
            candidate_relative: candidate_relative
                .as_deref()
                .map(rows::national_id_of)
                .transpose()?,
        };
        check_assignment(station, post, &facts).map_err(StoreError::from)?;

        let assignment = |assigned_at_us, assigned_by| StaffAssignment {
            station: station.to_owned(),
            post,
            national_id: national_id.to_owned(),
            first_name: person.first_name.clone(),
            last_name: person.last_name.clone(),
            assigned_at_us,
            assigned_by,
        };
        if let Some((held_at, held_post, at_us, assigned_by)) = current {
            if held_at == station && held_post == post {
                // Already so: nothing changes, nothing is recorded.
                tx.rollback().await?;
                return Ok(assignment(at_us, assigned_by));
            }
        }
        sqlx::query(
            "INSERT INTO station_posts (election_code, station_code, post, national_id, assigned_at_us, \
             assigned_by) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&election_code)
        .bind(station)
        .bind(post.as_str())
        .bind(national_id)
        .bind(by.at_us())
        .bind(&by.username)
        .execute(&mut *tx)
        .await?;
        append_audit(&mut tx, by, &post_assigned(station, post, national_id)).await?;
        tx.commit().await?;
        Ok(assignment(by.at_us(), by.username.clone()))
    }

    async fn try_unassign_post(
        &self,
        station: &str,
        post: Post,
        by: &Actor,
    ) -> Attempt<Option<StaffAssignment>> {
        let mut tx = self.pool.begin().await?;
        // Queue with assignments at this station (see `try_assign_post`).
        sqlx::query("SELECT 1 FROM stations WHERE code = $1 FOR NO KEY UPDATE")
            .bind(station)
            .fetch_optional(&mut *tx)
            .await?;
        let removed = sqlx::query(
            "WITH d AS (DELETE FROM station_posts WHERE station_code = $1 AND post = $2 \
               RETURNING station_code, post, national_id, assigned_at_us, assigned_by) \
             SELECT d.station_code, d.post, d.national_id, p.first_name, p.last_name, d.assigned_at_us, \
               d.assigned_by FROM d JOIN people p ON p.national_id = d.national_id",
        )
        .bind(station)
        .bind(post.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(removed) = removed else {
            // A vacant post: no change, no audit record.
            tx.rollback().await?;
            return Ok(None);
        };
        let removed = rows::staff(&removed)?;
        append_audit(
            &mut tx,
            by,
            &post_freed(station, post, &removed.national_id),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(removed))
    }

    async fn read_staffing_conflicts(
        &self,
        county: Option<&str>,
    ) -> StoreResult<Vec<StaffConflict>> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        // One snapshot for all three reads; nothing is written.
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await
            .map_err(db)?;

        // Every held post at an open station, its holder, the election day, and the councils
        // the station serves (its own and its route's).
        let held = sqlx::query(
            "SELECT sp.station_code, sp.post, sp.assigned_at_us, sp.assigned_by, \
               s.election_code, e.election_day, \
               p.national_id, p.first_name, p.last_name, p.father_name, p.gender, p.birth_date, \
               p.mobile, p.education, p.sitting_council_member, \
               ARRAY(SELECT s.council_code UNION \
                 SELECT r.council_code FROM station_route r WHERE r.station_code = s.code) \
                 AS councils \
             FROM station_posts sp \
             JOIN stations s ON s.code = sp.station_code \
             JOIN elections e ON e.code = s.election_code \
             JOIN people p ON p.national_id = sp.national_id \
             WHERE NOT s.closed AND ($1::text IS NULL OR s.county_code = $1)",
        )
        .bind(county)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        if held.is_empty() {
            tx.rollback().await.map_err(db)?;
            return Ok(Vec::new());
        }

        struct Held {
            assignment: store::StaffAssignment,
            election_code: String,
            election_day: time::Date,
            person: domain::person::Person,
            councils: Vec<String>,
        }
        let held = held
            .iter()
            .map(|row| {
                let person = rows::person(row, Vec::new())?;
                Ok(Held {
                    assignment: store::StaffAssignment {
                        station: row.try_get("station_code").map_err(db)?,
                        post: rows::post(&row.try_get::<String, _>("post").map_err(db)?)?,
                        national_id: person.national_id.to_string(),
                        first_name: person.first_name.clone(),
                        last_name: person.last_name.clone(),
                        assigned_at_us: row.try_get("assigned_at_us").map_err(db)?,
                        assigned_by: row.try_get("assigned_by").map_err(db)?,
                    },
                    election_code: row.try_get("election_code").map_err(db)?,
                    election_day: rows::parse_date(
                        &row.try_get::<String, _>("election_day").map_err(db)?,
                    )?,
                    councils: row.try_get("councils").map_err(db)?,
                    person,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;

        // The candidates standing in the involved councils, by (election, council).
        let councils: Vec<String> = held
            .iter()
            .flat_map(|h| h.councils.iter().cloned())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let elections: Vec<String> = held
            .iter()
            .map(|h| h.election_code.clone())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let found = sqlx::query(
            "SELECT election_code, council_code, national_id FROM candidates \
             WHERE council_code = ANY($1) AND election_code = ANY($2)",
        )
        .bind(&councils)
        .bind(&elections)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let mut standing: HashMap<(String, String), Vec<String>> = HashMap::new();
        for row in &found {
            standing
                .entry((
                    row.try_get("election_code").map_err(db)?,
                    row.try_get("council_code").map_err(db)?,
                ))
                .or_default()
                .push(row.try_get("national_id").map_err(db)?);
        }

        // Declared relations between a holder and a candidate, either way round.
        let holders: Vec<String> = held
            .iter()
            .map(|h| h.assignment.national_id.clone())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let candidates: Vec<String> = standing
            .values()
            .flatten()
            .cloned()
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let mut related: HashSet<(String, String)> = HashSet::new();
        if !candidates.is_empty() {
            let found = sqlx::query(
                "SELECT national_id, relative_id FROM person_relatives \
                 WHERE (national_id = ANY($1) AND relative_id = ANY($2)) \
                    OR (national_id = ANY($2) AND relative_id = ANY($1))",
            )
            .bind(&holders)
            .bind(&candidates)
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?;
            for row in &found {
                let a: String = row.try_get("national_id").map_err(db)?;
                let b: String = row.try_get("relative_id").map_err(db)?;
                related.insert((b.clone(), a.clone()));
                related.insert((a, b));
            }
        }
        tx.rollback().await.map_err(db)?;

        let mut conflicts = Vec::new();
        for h in held {
            let id = &h.assignment.national_id;
            let here: Vec<&String> = h
                .councils
                .iter()
                .filter_map(|c| standing.get(&(h.election_code.clone(), c.clone())))
                .flatten()
                .collect();
            let candidate_here = here.contains(&id);
            // As in `try_assign_post`: the least related candidate by byte order.
            let candidate_relative = here
                .iter()
                .filter(|c| **c != id && related.contains(&(id.clone(), (**c).clone())))
                .min()
                .map(|c| rows::national_id_of(c))
                .transpose()?;
            let facts = AssignmentFacts {
                person: &h.person,
                election_day: h.election_day,
                station_closed: false,
                current_post: None,
                holder: None,
                candidate_here,
                candidate_relative,
            };
            if let Err(refusal) = check_assignment(&h.assignment.station, h.assignment.post, &facts)
            {
                conflicts.push(StaffConflict {
                    assignment: h.assignment,
                    code: refusal.code().into(),
                    reason: refusal.persian(),
                });
            }
        }
        // Station code order (byte order, as `COLLATE "C"`), then post order.
        conflicts.sort_by(|a, b| {
            a.assignment
                .station
                .cmp(&b.assignment.station)
                .then(a.assignment.post.cmp(&b.assignment.post))
        });
        Ok(conflicts)
    }
}

#[async_trait]
impl StaffingStore for Postgres {
    #[tracing::instrument(skip_all)]
    async fn station_staff(&self, station: &str) -> StoreResult<Vec<StaffAssignment>> {
        let found = sqlx::query(
            "SELECT sp.station_code, sp.post, sp.national_id, p.first_name, p.last_name, \
               sp.assigned_at_us, sp.assigned_by \
             FROM station_posts sp JOIN people p ON p.national_id = sp.national_id \
             WHERE sp.station_code = $1",
        )
        .bind(station)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        let mut staff = rows::all(&found, rows::staff)?;
        // `Post` orders as `Post::ALL` does.
        staff.sort_by_key(|s| s.post);
        Ok(staff)
    }

    #[tracing::instrument(skip_all)]
    async fn assign_post(
        &self,
        station: &str,
        post: Post,
        national_id: &str,
        by: &Actor,
    ) -> StoreResult<StaffAssignment> {
        // A unique violation means a writer that skipped the locks won a race; the next attempt
        // reads what it wrote and refuses accordingly.
        let key = format!("{station}/{}", post.as_str());
        retry(
            Unique::Retry {
                entity: Entity::Assignment,
                key: &key,
            },
            || self.try_assign_post(station, post, national_id, by),
        )
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn unassign_post(
        &self,
        station: &str,
        post: Post,
        by: &Actor,
    ) -> StoreResult<Option<StaffAssignment>> {
        retry(Unique::Fail, || self.try_unassign_post(station, post, by)).await
    }

    #[tracing::instrument(skip_all)]
    async fn coverage(&self, county: Option<&str>) -> StoreResult<Vec<CountyCoverage>> {
        let found = sqlx::query(
            "WITH held AS ( \
               SELECT station_code, COUNT(*) AS posts, \
                 COUNT(*) FILTER (WHERE post = ANY($2)) AS branch, \
                 bool_or(post = 'governor_rep') AS governor_rep, \
                 bool_or(post = 'inspector') AS inspector \
               FROM station_posts GROUP BY station_code) \
             SELECT c.code, c.name, \
               COUNT(s.code) AS stations, \
               COUNT(s.code) FILTER (WHERE s.area = 'urban') AS urban, \
               COUNT(s.code) FILTER (WHERE s.area = 'rural') AS rural, \
               COUNT(s.code) FILTER (WHERE NOT s.mobile) AS fixed, \
               COUNT(s.code) FILTER (WHERE s.mobile) AS mobile, \
               COUNT(s.code) FILTER (WHERE h.branch = $3) AS full_branch, \
               COUNT(s.code) FILTER (WHERE h.governor_rep) AS with_governor_rep, \
               COUNT(s.code) FILTER (WHERE h.inspector) AS with_inspector, \
               COUNT(s.code) FILTER (WHERE h.posts = $4) AS fully_staffed, \
               COALESCE(SUM(h.posts), 0)::bigint AS assignments \
             FROM counties c \
             LEFT JOIN stations s ON s.county_code = c.code AND NOT s.closed \
             LEFT JOIN held h ON h.station_code = s.code \
             WHERE ($1::text IS NULL OR c.code = $1) \
             GROUP BY c.code, c.name \
             ORDER BY c.code COLLATE \"C\"",
        )
        .bind(county)
        // The posts that make a full branch and a fully staffed station are the domain's.
        .bind(Post::BRANCH.map(|p| p.as_str().to_owned()).to_vec())
        .bind(Post::BRANCH.len() as i64)
        .bind(Post::ALL.len() as i64)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows::all(&found, rows::coverage)
    }

    #[tracing::instrument(skip_all)]
    async fn staffing_gaps(&self, county: &str, req: PageRequest) -> StoreResult<Page<StationGap>> {
        const GAPS: &str =
            "FROM stations s LEFT JOIN station_posts sp ON sp.station_code = s.code \
             WHERE s.county_code = $1 AND NOT s.closed \
             GROUP BY s.code HAVING COUNT(sp.post) < $2";
        let mut conn = self.pool.acquire().await.map_err(db)?;
        // Grouped rows: counted as a subquery, so the list is spelt out.
        let list = sql::List {
            count: format!("SELECT COUNT(*) FROM (SELECT s.code {GAPS}) gaps"),
            select: format!(
                "SELECT s.code, s.name, s.county_code, \
                   COALESCE(array_agg(sp.post) FILTER (WHERE sp.post IS NOT NULL), '{{}}') AS held \
                 {GAPS} ORDER BY s.code COLLATE \"C\" LIMIT $3 OFFSET $4"
            ),
        };
        let (total, found) = list
            .fetch(
                &mut conn,
                |q| q.bind(county).bind(Post::ALL.len() as i64),
                req,
            )
            .await?;
        Ok(sql::page(rows::all(&found, rows::gap)?, total, req))
    }

    #[tracing::instrument(skip_all)]
    async fn staffing_conflicts(&self, county: Option<&str>) -> StoreResult<Vec<StaffConflict>> {
        self.read_staffing_conflicts(county).await
    }
}
