//! Candidate registration and vetting (issue 5).
//!
//! A registration is filed with its documents' records and the first entry of its history in
//! one transaction; the primary key (one registration per person per election) and the unique
//! tracking code refuse a second. Each vetting step locks the registration's row, so steps on
//! one file queue and each decides on the state the previous one left. An approval also locks
//! the election's row before it takes the election's next candidate code, so two approvals
//! never take the same code.

use crate::{
    append_audit, db, into_store, is_unique_violation, map_sql, page, rows, Attempt, Fail, Postgres,
};
use domain::clock::to_micros;
use domain::registration::Place;
use domain::vetting::{apply, Reviewer, VettingAction, VettingState};
use sqlx::postgres::PgConnection;
use sqlx::Row;
use std::collections::HashMap;
use store::{
    Actor, NewRegistration, Page, PageRequest, Registration, RegistrationFilter, StoreError,
    StoreResult, StoredDocument, VettingEvent,
};

/// Candidate codes of an election start above this number (the demo's run from 10001).
const FIRST_CANDIDATE_CODE: i64 = 10_000;

/// The audit entity of a registration.
fn registration_entity(tracking_code: &str) -> String {
    format!("registration/{tracking_code}")
}

/// A unique violation as a conflict on `entity` (rather than on the registration, as the
/// retry loop would name it); other errors as they are, so conflicts of locks are retried.
fn unique_as(e: sqlx::Error, entity: &'static str) -> Fail {
    if is_unique_violation(&e) {
        Fail::Store(map_sql(e, entity))
    } else {
        Fail::Sql(e)
    }
}

/// `registrations r JOIN councils c` filtered by election (`$1`), county (`$2`), council (`$3`)
/// and state (`$4`).
const REGISTRATION_FILTER: &str =
    "r.election_code = $1 AND ($2::text IS NULL OR c.county_code = $2) \
     AND ($3::text IS NULL OR r.council_code = $3) AND ($4::text IS NULL OR r.state = $4)";

/// The documents of the given registrations, each registration's in `DocumentKind` order.
async fn documents_of(
    conn: &mut PgConnection,
    tracking_codes: &[String],
) -> Attempt<HashMap<String, Vec<StoredDocument>>> {
    let mut out: HashMap<String, Vec<StoredDocument>> = HashMap::new();
    if tracking_codes.is_empty() {
        return Ok(out);
    }
    let found = sqlx::query(
        "SELECT tracking_code, kind, media_type, size, sha256 FROM registration_documents \
         WHERE tracking_code = ANY($1)",
    )
    .bind(tracking_codes)
    .fetch_all(&mut *conn)
    .await?;
    for row in &found {
        let code: String = row.try_get("tracking_code")?;
        out.entry(code)
            .or_default()
            .push(rows::stored_document(row)?);
    }
    for documents in out.values_mut() {
        documents.sort_by_key(|d| d.kind);
    }
    Ok(out)
}

/// A registration with its council and documents; with `lock`, its row is locked for update.
async fn registration_in(
    conn: &mut PgConnection,
    election_code: &str,
    tracking_code: &str,
    lock: bool,
) -> Attempt<Option<Registration>> {
    let row = sqlx::query(&format!(
        "SELECT {} FROM registrations r JOIN councils c ON c.code = r.council_code \
         WHERE r.election_code = $1 AND r.tracking_code = $2{}",
        rows::REGISTRATION_COLUMNS,
        if lock { " FOR UPDATE OF r" } else { "" }
    ))
    .bind(election_code)
    .bind(tracking_code)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let mut documents = documents_of(conn, &[tracking_code.to_owned()]).await?;
    Ok(Some(rows::registration(
        &row,
        documents.remove(tracking_code).unwrap_or_default(),
    )?))
}

/// Appends the next entry of a registration's history (the caller holds the row's lock).
async fn record_event(
    conn: &mut PgConnection,
    tracking_code: &str,
    step: &str,
    state: VettingState,
    by: &Actor,
    reason: &str,
) -> Attempt<()> {
    sqlx::query(
        "INSERT INTO vetting_events (tracking_code, seq, at_us, step, state, actor, reason) \
         SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5, $6 FROM vetting_events \
         WHERE tracking_code = $1",
    )
    .bind(tracking_code)
    .bind(by.at_us())
    .bind(step)
    .bind(state.as_str())
    .bind(&by.username)
    .bind(reason)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The demo's registrations with their histories, as filed and vetted: one statement per
/// table (part of the demo's one load transaction).
pub(crate) async fn write_demo(
    conn: &mut PgConnection,
    election_code: &str,
    registrations: &[domain::demo::DemoRegistration],
) -> Attempt<()> {
    if registrations.is_empty() {
        return Ok(());
    }
    let mut finals = Vec::with_capacity(registrations.len());
    let (mut e_code, mut e_seq, mut e_at, mut e_step, mut e_state, mut e_actor, mut e_reason) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    for r in registrations {
        let files = r.files().map_err(|e| StoreError::Invalid(e.to_string()))?;
        let last = files
            .last()
            .copied()
            .unwrap_or_else(|| domain::vetting::VettingFile::new(r.submitted_at));
        finals.push(last);
        e_code.push(r.tracking_code.clone());
        e_seq.push(1i64);
        e_at.push(to_micros(r.submitted_at));
        e_step.push("submitted".to_owned());
        e_state.push(VettingState::Submitted.as_str().to_owned());
        e_actor.push("applicant".to_owned());
        e_reason.push(String::new());
        for (i, (step, file)) in r.steps.iter().zip(files.iter().skip(1)).enumerate() {
            e_code.push(r.tracking_code.clone());
            e_seq.push(i64::try_from(i).unwrap_or(0) + 2);
            e_at.push(to_micros(step.at));
            e_step.push(step.action.name().to_owned());
            e_state.push(file.state.as_str().to_owned());
            e_actor.push(step.by.clone());
            e_reason.push(step.action.reason().to_owned());
        }
    }
    let column = |f: &dyn Fn(&domain::demo::DemoRegistration) -> String| {
        registrations.iter().map(f).collect::<Vec<_>>()
    };
    let birth_dates = registrations
        .iter()
        .map(|r| rows::format_date(r.application.birth_date))
        .collect::<StoreResult<Vec<_>>>()?;
    let resignations = registrations
        .iter()
        .map(|r| {
            r.application
                .official
                .as_ref()
                .and_then(|o| o.resigned_on)
                .map(rows::format_date)
                .transpose()
        })
        .collect::<StoreResult<Vec<_>>>()?;
    sqlx::query(
        "INSERT INTO registrations (election_code, national_id, tracking_code, council_code, \
         first_name, last_name, father_name, birth_date, gender, mobile, residence, education, \
         former_member, occupation, official_title, resigned_on, veteran_family, state, \
         submitted_at_us, state_since_us, executive_qualified, candidate_code) \
         SELECT $1, u.* FROM UNNEST($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], \
           $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], \
           $13::boolean[], $14::text[], $15::text[], $16::text[], $17::boolean[], $18::text[], \
           $19::bigint[], $20::bigint[], $21::boolean[], $22::text[]) AS u",
    )
    .bind(election_code)
    .bind(column(&|r| r.application.national_id.as_str().to_owned()))
    .bind(column(&|r| r.tracking_code.clone()))
    .bind(column(&|r| r.application.council.clone()))
    .bind(column(&|r| r.application.first_name.clone()))
    .bind(column(&|r| r.application.last_name.clone()))
    .bind(column(&|r| r.application.father_name.clone()))
    .bind(birth_dates)
    .bind(column(&|r| r.application.gender.as_str().to_owned()))
    .bind(column(&|r| r.application.mobile.as_str().to_owned()))
    .bind(column(&|r| r.application.residence.clone()))
    .bind(column(&|r| r.application.education.as_str().to_owned()))
    .bind(
        registrations
            .iter()
            .map(|r| r.application.former_member)
            .collect::<Vec<_>>(),
    )
    .bind(column(&|r| r.application.occupation.clone()))
    .bind(
        registrations
            .iter()
            .map(|r| r.application.official.as_ref().map(|o| o.title.clone()))
            .collect::<Vec<_>>(),
    )
    .bind(resignations)
    .bind(
        registrations
            .iter()
            .map(|r| r.application.veteran_family)
            .collect::<Vec<_>>(),
    )
    .bind(
        finals
            .iter()
            .map(|f| f.state.as_str().to_owned())
            .collect::<Vec<_>>(),
    )
    .bind(
        registrations
            .iter()
            .map(|r| to_micros(r.submitted_at))
            .collect::<Vec<_>>(),
    )
    .bind(
        finals
            .iter()
            .map(|f| to_micros(f.state_since))
            .collect::<Vec<_>>(),
    )
    .bind(
        finals
            .iter()
            .map(|f| f.executive_qualified)
            .collect::<Vec<_>>(),
    )
    .bind(
        registrations
            .iter()
            .map(|r| r.candidate_code.clone())
            .collect::<Vec<_>>(),
    )
    .execute(&mut *conn)
    .await
    .map_err(|e| unique_as(e, "registration"))?;
    sqlx::query(
        "INSERT INTO vetting_events (tracking_code, seq, at_us, step, state, actor, reason) \
         SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], \
           $6::text[], $7::text[])",
    )
    .bind(e_code)
    .bind(e_seq)
    .bind(e_at)
    .bind(e_step)
    .bind(e_state)
    .bind(e_actor)
    .bind(e_reason)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Gives an approved registration the election's next candidate code and puts the candidate
/// on the council's list. The election's row is locked first, so concurrent approvals queue
/// and each reads the codes the previous one took. `FOR NO KEY UPDATE` conflicts with itself
/// (and, briefly, with the check-in batches' share lock) but not with the key-share locks of
/// foreign-key checks, so filings and other writes referring to the election are not held up.
async fn enlist(
    conn: &mut PgConnection,
    registration: &Registration,
    by: &Actor,
) -> Attempt<String> {
    sqlx::query("SELECT 1 FROM elections WHERE code = $1 FOR NO KEY UPDATE")
        .bind(&registration.election_code)
        .execute(&mut *conn)
        .await?;
    // Codes are decimal numbers; anything else (or too long for a bigint) is ignored. A file is
    // approved once at most (no step leads back to approval), so it never had a code before.
    let last: i64 = sqlx::query_scalar(
        "SELECT GREATEST(COALESCE(MAX(CASE WHEN code ~ '^[0-9]{1,18}$' \
           THEN code::bigint END), 0), $2) FROM candidates WHERE election_code = $1",
    )
    .bind(&registration.election_code)
    .bind(FIRST_CANDIDATE_CODE)
    .fetch_one(&mut *conn)
    .await?;
    let code = (last + 1).to_string();
    sqlx::query(
        "UPDATE registrations SET candidate_code = $3 \
         WHERE election_code = $1 AND tracking_code = $2",
    )
    .bind(&registration.election_code)
    .bind(&registration.tracking_code)
    .bind(&code)
    .execute(&mut *conn)
    .await?;
    let app = &registration.application;
    sqlx::query(
        "INSERT INTO candidates (election_code, council_code, national_id, created_at_us, code, \
         first_name, last_name, gender, education, occupation) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (election_code, national_id) DO UPDATE SET \
           council_code = EXCLUDED.council_code, code = EXCLUDED.code, \
           first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name, \
           gender = EXCLUDED.gender, education = EXCLUDED.education, \
           occupation = EXCLUDED.occupation",
    )
    .bind(&registration.election_code)
    .bind(&app.council)
    .bind(app.national_id.as_str())
    .bind(by.at_us())
    .bind(&code)
    .bind(&app.first_name)
    .bind(&app.last_name)
    .bind(app.gender.as_str())
    .bind(app.education.as_str())
    .bind(&app.occupation)
    .execute(&mut *conn)
    .await
    .map_err(|e| unique_as(e, "candidate"))?;
    Ok(code)
}

impl Postgres {
    /// What the participation statistics need of every registration.
    pub(crate) async fn read_registration_facts(
        &self,
        election_code: &str,
    ) -> StoreResult<Vec<domain::participation::RegistrationFact>> {
        let found = sqlx::query(
            "SELECT submitted_at_us, council_code, gender, birth_date, education, state \
             FROM registrations WHERE election_code = $1",
        )
        .bind(election_code)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        found.iter().map(rows::registration_fact).collect()
    }

    /// The photo of an approved candidate's registration.
    pub(crate) async fn read_candidate_photo(
        &self,
        election_code: &str,
        candidate_code: &str,
    ) -> StoreResult<Option<StoredDocument>> {
        let found = sqlx::query(
            "SELECT d.kind, d.media_type, d.size, d.sha256 FROM registrations r \
             JOIN registration_documents d ON d.tracking_code = r.tracking_code AND d.kind = 'photo' \
             WHERE r.election_code = $1 AND r.candidate_code = $2 AND r.state = 'approved'",
        )
        .bind(election_code)
        .bind(candidate_code)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        found.as_ref().map(rows::stored_document).transpose()
    }

    /// The place a council serves: its kind and population, and a village's households.
    pub(crate) async fn read_council_place(&self, code: &str) -> StoreResult<Option<Place>> {
        let row = sqlx::query(
            "SELECT c.kind, c.population, v.households FROM councils c \
             LEFT JOIN villages v ON c.kind = 'village' AND v.code = c.place_code \
             WHERE c.code = $1",
        )
        .bind(code)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref()
            .map(|row| {
                Ok(Place {
                    kind: rows::council_kind(&row.try_get::<String, _>("kind").map_err(db)?)?,
                    population: row.try_get("population").map_err(db)?,
                    households: row.try_get("households").map_err(db)?,
                })
            })
            .transpose()
    }

    /// Files a registration (see the module's note). Nothing is written on a refusal.
    pub(crate) async fn try_register(
        &self,
        registration: &NewRegistration,
        by: &Actor,
    ) -> Attempt<()> {
        let app = &registration.application;
        let tracking_code = &registration.tracking_code;
        let mut tx = self.pool.begin().await?;
        let council: Option<i32> = sqlx::query_scalar("SELECT 1 FROM councils WHERE code = $1")
            .bind(&app.council)
            .fetch_optional(&mut *tx)
            .await?;
        if council.is_none() {
            return Err(StoreError::NotFound { entity: "council" }.into());
        }
        let official = app.official.as_ref();
        // A second registration of the person in the election, or a taken tracking code, fails
        // here: `Conflict { entity: "registration" }`.
        sqlx::query(
            "INSERT INTO registrations (election_code, national_id, tracking_code, council_code, \
             first_name, last_name, father_name, birth_date, gender, mobile, residence, education, \
             former_member, occupation, official_title, resigned_on, veteran_family, state, \
             submitted_at_us, state_since_us, executive_qualified, candidate_code) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
             $18, $19, $19, NULL, NULL)",
        )
        .bind(&registration.election_code)
        .bind(app.national_id.as_str())
        .bind(tracking_code)
        .bind(&app.council)
        .bind(&app.first_name)
        .bind(&app.last_name)
        .bind(&app.father_name)
        .bind(rows::format_date(app.birth_date)?)
        .bind(app.gender.as_str())
        .bind(app.mobile.as_str())
        .bind(&app.residence)
        .bind(app.education.as_str())
        .bind(app.former_member)
        .bind(&app.occupation)
        .bind(official.map(|o| o.title.as_str()))
        .bind(
            official
                .and_then(|o| o.resigned_on)
                .map(rows::format_date)
                .transpose()?,
        )
        .bind(app.veteran_family)
        .bind(VettingState::Submitted.as_str())
        .bind(to_micros(by.at))
        .execute(&mut *tx)
        .await?;
        if !registration.documents.is_empty() {
            let documents = &registration.documents;
            sqlx::query(
                "INSERT INTO registration_documents (tracking_code, kind, media_type, size, sha256) \
                 SELECT $1, u.kind, u.media_type, u.size, u.sha256 \
                 FROM UNNEST($2::text[], $3::text[], $4::bigint[], $5::text[]) \
                   AS u(kind, media_type, size, sha256)",
            )
            .bind(tracking_code)
            .bind(
                documents
                    .iter()
                    .map(|d| d.kind.as_str())
                    .collect::<Vec<_>>(),
            )
            .bind(
                documents
                    .iter()
                    .map(|d| rows::media_type_str(d.media_type))
                    .collect::<Vec<_>>(),
            )
            .bind(documents.iter().map(|d| d.size).collect::<Vec<_>>())
            .bind(
                documents
                    .iter()
                    .map(|d| d.sha256.as_str())
                    .collect::<Vec<_>>(),
            )
            .execute(&mut *tx)
            .await
            .map_err(|e| unique_as(e, "document"))?;
        }
        record_event(
            &mut tx,
            tracking_code,
            "submitted",
            VettingState::Submitted,
            by,
            "",
        )
        .await?;
        let documents: Vec<serde_json::Value> = registration
            .documents
            .iter()
            .map(|d| serde_json::json!({ "kind": d.kind.as_str(), "sha256": d.sha256 }))
            .collect();
        append_audit(
            &mut tx,
            by,
            "registration.submit",
            &registration_entity(tracking_code),
            &serde_json::json!({
                "election": registration.election_code,
                "council": app.council,
                "national_id": app.national_id.as_str(),
                "documents": documents,
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A registration with its history, read on one snapshot.
    pub(crate) async fn read_registration(
        &self,
        election_code: &str,
        tracking_code: &str,
    ) -> StoreResult<Option<(Registration, Vec<VettingEvent>)>> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let read = async {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(&mut *tx)
                .await?;
            let Some(registration) =
                registration_in(&mut tx, election_code, tracking_code, false).await?
            else {
                return Ok(None);
            };
            let found = sqlx::query(
                "SELECT at_us, step, state, actor, reason FROM vetting_events \
                 WHERE tracking_code = $1 ORDER BY seq",
            )
            .bind(tracking_code)
            .fetch_all(&mut *tx)
            .await?;
            let history = found
                .iter()
                .map(rows::vetting_event)
                .collect::<StoreResult<Vec<_>>>()?;
            Ok(Some((registration, history)))
        };
        let out = read.await.map_err(into_store)?;
        tx.rollback().await.map_err(db)?;
        Ok(out)
    }

    /// Registrations in filing order, a page of them.
    pub(crate) async fn read_registrations(
        &self,
        election_code: &str,
        filter: &RegistrationFilter,
        req: PageRequest,
    ) -> StoreResult<Page<Registration>> {
        let state = filter.state.map(VettingState::as_str);
        let total: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM registrations r JOIN councils c ON c.code = r.council_code \
             WHERE {REGISTRATION_FILTER}"
        ))
        .bind(election_code)
        .bind(filter.county.as_deref())
        .bind(filter.council.as_deref())
        .bind(state)
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        let found = sqlx::query(&format!(
            "SELECT {} FROM registrations r JOIN councils c ON c.code = r.council_code \
             WHERE {REGISTRATION_FILTER} \
             ORDER BY r.submitted_at_us, r.tracking_code COLLATE \"C\" LIMIT $5 OFFSET $6",
            rows::REGISTRATION_COLUMNS
        ))
        .bind(election_code)
        .bind(filter.county.as_deref())
        .bind(filter.council.as_deref())
        .bind(state)
        .bind(req.limit())
        .bind(req.offset())
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        let codes = found
            .iter()
            .map(|r| r.try_get::<String, _>("tracking_code").map_err(db))
            .collect::<StoreResult<Vec<_>>>()?;
        let mut conn = self.pool.acquire().await.map_err(db)?;
        let mut documents = documents_of(&mut conn, &codes).await.map_err(into_store)?;
        let items = found
            .iter()
            .zip(&codes)
            .map(|(row, code)| rows::registration(row, documents.remove(code).unwrap_or_default()))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(page(items, total, req))
    }

    /// Takes a vetting step (see the module's note). A refusal writes nothing.
    pub(crate) async fn try_vet(
        &self,
        election_code: &str,
        tracking_code: &str,
        action: &VettingAction,
        reviewer: Reviewer,
        by: &Actor,
    ) -> Attempt<Registration> {
        let mut tx = self.pool.begin().await?;
        let mut registration = registration_in(&mut tx, election_code, tracking_code, true)
            .await?
            .ok_or(StoreError::NotFound {
                entity: "registration",
            })?;
        let next = apply(&registration.vetting, action, reviewer, by.at)
            .map_err(StoreError::VettingRefused)?;
        sqlx::query(
            "UPDATE registrations SET state = $3, state_since_us = $4, executive_qualified = $5 \
             WHERE election_code = $1 AND tracking_code = $2",
        )
        .bind(election_code)
        .bind(tracking_code)
        .bind(next.state.as_str())
        .bind(to_micros(next.state_since))
        .bind(next.executive_qualified)
        .execute(&mut *tx)
        .await?;
        record_event(
            &mut tx,
            tracking_code,
            action.name(),
            next.state,
            by,
            action.reason(),
        )
        .await?;
        registration.vetting = next;
        if next.state == VettingState::Approved {
            registration.candidate_code = Some(enlist(&mut tx, &registration, by).await?);
        }
        if next.state == VettingState::Withdrawn && registration.candidate_code.is_some() {
            // A withdrawn candidate leaves the council's list (and so the ballot); the file
            // keeps the code it had.
            sqlx::query("DELETE FROM candidates WHERE election_code = $1 AND national_id = $2")
                .bind(election_code)
                .bind(registration.application.national_id.as_str())
                .execute(&mut *tx)
                .await?;
        }
        let reviewer_name =
            serde_json::to_value(reviewer).map_err(|e| StoreError::Invalid(e.to_string()))?;
        append_audit(
            &mut tx,
            by,
            &format!("registration.{}", action.name()),
            &registration_entity(tracking_code),
            &serde_json::json!({
                "election": election_code,
                "step": action.name(),
                "state": next.state.as_str(),
                "reason": action.reason(),
                "reviewer": reviewer_name,
                "candidate_code": registration.candidate_code,
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(registration)
    }
}

#[cfg(test)]
mod tests {
    use domain::registration::DocumentKind;

    #[test]
    fn documents_sort_in_kind_order() {
        let mut kinds = vec![
            DocumentKind::CriminalRecord,
            DocumentKind::Photo,
            DocumentKind::ResignationCertificate,
            DocumentKind::Degree,
            DocumentKind::MilitaryCard,
        ];
        kinds.sort();
        assert_eq!(kinds, DocumentKind::ALL);
    }
}
