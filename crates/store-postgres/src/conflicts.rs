//! Staffing conflicts: held posts whose holders the staffing rules would now refuse.
//!
//! The facts `try_assign_post` reads for one person are read here for every held post at once,
//! in three queries on one snapshot (the posts with their holders and the councils each station
//! serves; the candidates standing in those councils; the declared relations between holders
//! and those candidates), and `domain::staffing::check_assignment` decides each post.

use crate::{db, rows, Postgres};
use domain::staffing::{check_assignment, AssignmentFacts};
use sqlx::Row;
use std::collections::{HashMap, HashSet};
use store::{StaffConflict, StoreResult};

impl Postgres {
    pub(crate) async fn read_staffing_conflicts(
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
