//! Candidacy: candidates recorded directly, online registration and its vetting (issue 5), the
//! approved candidates of the final lists and the ballots, and the demo's registrations and
//! candidates.
//!
//! A registration is filed with its documents' records and the first entry of its history in
//! one transaction; the primary key (one registration per person per election) and the unique
//! tracking code refuse a second. Each vetting step locks the registration's row, so steps on
//! one file queue and each decides on the state the previous one left. An approval also locks
//! the election's row before it takes the election's next candidate code, so two approvals
//! never take the same code.

use crate::chain::append_audit;
use crate::db::{
    db, is_unique_violation, not_found, retry, settle, unique_as, Attempt, Fail, Postgres, Unique,
};
use crate::{rows, sql};
use async_trait::async_trait;
use domain::ballot::Candidate;
use domain::clock::to_micros;
use domain::election::Council;
use domain::inquiry::InquiryAnswer;
use domain::vetting::{apply, RejectionGround, Reviewer, VettingAction, VettingState};
use sqlx::postgres::{PgConnection, PgPool};
use std::collections::{HashMap, HashSet};
use store::candidacy::{
    candidate_added, check_candidate_council, demo_candidate_ids, demo_history, grounds_text,
    inquiry_recorded, next_candidate_code, registration_filed, sort_inquiries, vetting_step,
};
use store::{
    Actor, CandidacyStore, Entity, NewRegistration, Page, PageRequest, Refusal, Registration,
    RegistrationFilter, RegistrationSearch, StoreError, StoreResult, StoredDocument, VettingEvent,
};

/// The first of `keys` given twice, if any.
fn repeated<'a>(keys: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut seen = HashSet::new();
    keys.into_iter().find(|k| !seen.insert(*k))
}

/// A unique violation of a bulk insert as `Duplicate { entity, key }` with the first key the
/// batch repeats; an unnamed one (it cannot be: the store was empty) is a database error.
fn repeated_as<'a>(
    e: sqlx::Error,
    entity: Entity,
    keys: impl IntoIterator<Item = &'a str>,
) -> Fail {
    match repeated(keys) {
        Some(key) if is_unique_violation(&e) => unique_as(e, entity, key),
        _ => Fail::Sql(e),
    }
}

/// Why a filing's keys were taken, read on another connection once the failed transaction
/// let go (its rows are committed by then): the person's registration in the election if they
/// have one (`key`: their national id), else the tracking code.
async fn taken_registration(pool: &PgPool, registration: &NewRegistration) -> StoreError {
    let national_id = registration.application.national_id.as_str();
    let found = sqlx::query_scalar::<_, i32>(
        "SELECT 1 FROM registrations WHERE election_code = $1 AND national_id = $2",
    )
    .bind(&registration.election_code)
    .bind(national_id)
    .fetch_optional(pool)
    .await;
    match found {
        Ok(Some(_)) => StoreError::Duplicate {
            entity: Entity::Registration,
            key: national_id.to_owned(),
        },
        Ok(None) => StoreError::Duplicate {
            entity: Entity::Registration,
            key: registration.tracking_code.clone(),
        },
        Err(e) => db(e),
    }
}

/// The documents of the given registrations, each registration's in `DocumentKind` order.
async fn documents_of(
    conn: &mut PgConnection,
    tracking_codes: &[String],
) -> Attempt<HashMap<String, Vec<StoredDocument>>> {
    if tracking_codes.is_empty() {
        return Ok(HashMap::new());
    }
    let found = sqlx::query(
        "SELECT tracking_code, kind, media_type, size, sha256 FROM registration_documents \
         WHERE tracking_code = ANY($1)",
    )
    .bind(tracking_codes)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = rows::grouped(&found, "tracking_code", rows::stored_document)?;
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
    grounds: &[RejectionGround],
) -> Attempt<()> {
    sqlx::query(
        "INSERT INTO vetting_events (tracking_code, seq, at_us, step, state, actor, reason, \
         grounds) \
         SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5, $6, $7 FROM vetting_events \
         WHERE tracking_code = $1",
    )
    .bind(tracking_code)
    .bind(by.at_us())
    .bind(step)
    .bind(state.as_str())
    .bind(&by.username)
    .bind(reason)
    .bind(grounds_text(grounds))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A file's recorded inquiry answers, in the bodies' order.
async fn answers_of(conn: &mut PgConnection, tracking_code: &str) -> Attempt<Vec<InquiryAnswer>> {
    let found = sqlx::query(
        "SELECT authority, answer, note, answered_at_us FROM vetting_inquiries \
         WHERE tracking_code = $1",
    )
    .bind(tracking_code)
    .fetch_all(&mut *conn)
    .await?;
    let mut answers = rows::all(&found, rows::inquiry_answer)?;
    sort_inquiries(&mut answers);
    Ok(answers)
}

/// The demo's registrations with their histories, as filed and vetted: one statement per
/// table (part of the demo's one load transaction).
pub(crate) async fn write_demo_registrations(
    conn: &mut PgConnection,
    election_code: &str,
    registrations: &[domain::demo::DemoRegistration],
) -> Attempt<()> {
    if registrations.is_empty() {
        return Ok(());
    }
    let mut finals = Vec::with_capacity(registrations.len());
    // Every registration's history: (tracking code, seq, event).
    let mut events = Vec::new();
    for r in registrations {
        let (history, last) = demo_history(r)?;
        finals.push(last);
        events.extend(
            (1_i64..)
                .zip(history)
                .map(|(seq, e)| (r.tracking_code.as_str(), seq, e)),
        );
    }
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
    .bind(sql::column(registrations, |r| {
        r.application.national_id.as_str().to_owned()
    }))
    .bind(sql::column(registrations, |r| r.tracking_code.clone()))
    .bind(sql::column(registrations, |r| {
        r.application.council.clone()
    }))
    .bind(sql::column(registrations, |r| {
        r.application.first_name.clone()
    }))
    .bind(sql::column(registrations, |r| {
        r.application.last_name.clone()
    }))
    .bind(sql::column(registrations, |r| {
        r.application.father_name.clone()
    }))
    .bind(birth_dates)
    .bind(sql::column(registrations, |r| {
        r.application.gender.as_str().to_owned()
    }))
    .bind(sql::column(registrations, |r| {
        r.application.mobile.as_str().to_owned()
    }))
    .bind(sql::column(registrations, |r| {
        r.application.residence.clone()
    }))
    .bind(sql::column(registrations, |r| {
        r.application.education.as_str().to_owned()
    }))
    .bind(sql::column(registrations, |r| r.application.former_member))
    .bind(sql::column(registrations, |r| {
        r.application.occupation.clone()
    }))
    .bind(sql::column(registrations, |r| {
        r.application.official.as_ref().map(|o| o.title.clone())
    }))
    .bind(resignations)
    .bind(sql::column(registrations, |r| r.application.veteran_family))
    .bind(sql::column(&finals, |f| f.state.as_str().to_owned()))
    .bind(sql::column(registrations, |r| to_micros(r.submitted_at)))
    .bind(sql::column(&finals, |f| to_micros(f.state_since)))
    .bind(sql::column(&finals, |f| f.executive_qualified))
    .bind(sql::column(registrations, |r| r.candidate_code.clone()))
    .execute(&mut *conn)
    .await
    .map_err(|e| {
        let national_ids = registrations
            .iter()
            .map(|r| r.application.national_id.as_str());
        let tracking_codes = registrations.iter().map(|r| r.tracking_code.as_str());
        match repeated(national_ids.clone()) {
            Some(_) => repeated_as(e, Entity::Registration, national_ids),
            None => repeated_as(e, Entity::Registration, tracking_codes),
        }
    })?;
    sqlx::query(
        "INSERT INTO vetting_events (tracking_code, seq, at_us, step, state, actor, reason, \
         grounds) \
         SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], \
           $6::text[], $7::text[], $8::text[])",
    )
    .bind(sql::column(&events, |(code, _, _)| *code))
    .bind(sql::column(&events, |(_, seq, _)| *seq))
    .bind(sql::column(&events, |(_, _, e)| to_micros(e.at)))
    .bind(sql::column(&events, |(_, _, e)| e.step.as_str()))
    .bind(sql::column(&events, |(_, _, e)| e.state.as_str()))
    .bind(sql::column(&events, |(_, _, e)| e.by.as_str()))
    .bind(sql::column(&events, |(_, _, e)| e.reason.as_str()))
    .bind(sql::column(&events, |(_, _, e)| grounds_text(&e.grounds)))
    .execute(&mut *conn)
    .await?;
    let answers: Vec<(&str, &InquiryAnswer)> = registrations
        .iter()
        .flat_map(|r| r.inquiries.iter().map(|a| (r.tracking_code.as_str(), a)))
        .collect();
    sqlx::query(
        "INSERT INTO vetting_inquiries (tracking_code, authority, answer, note, answered_at_us, \
         actor) \
         SELECT u.*, 'demo' FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], \
           $5::bigint[]) AS u",
    )
    .bind(sql::column(&answers, |(code, _)| *code))
    .bind(sql::column(&answers, |(_, a)| a.authority.as_str()))
    .bind(sql::column(&answers, |(_, a)| a.answer.as_str()))
    .bind(sql::column(&answers, |(_, a)| a.note.as_str()))
    .bind(sql::column(&answers, |(_, a)| to_micros(a.answered_at)))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Writes the demo's approved candidates in one statement, each with its national id
/// (`store::candidacy::demo_candidate_ids`, as on SQLite). A candidate whose council is not among
/// the election's is refused (`CouncilNotInElection`).
pub(crate) async fn write_demo_candidates(
    conn: &mut PgConnection,
    election_code: &str,
    councils: &[Council],
    candidates: &[Candidate],
    registrations: &[domain::demo::DemoRegistration],
    by: &Actor,
) -> Attempt<()> {
    if candidates.is_empty() {
        return Ok(());
    }
    let election_councils: HashSet<&str> = councils
        .iter()
        .filter(|c| c.election_code == election_code)
        .map(|c| c.code.as_str())
        .collect();
    if let Some(c) = candidates
        .iter()
        .find(|c| !election_councils.contains(c.council.as_str()))
    {
        return Err(Refusal::CouncilNotInElection {
            council: c.council.clone(),
            election: election_code.to_owned(),
        }
        .into());
    }
    sqlx::query(
        "INSERT INTO candidates (election_code, council_code, national_id, created_at_us, code, \
         first_name, last_name, gender, education, occupation, veteran_family) \
         SELECT $1, u.council, u.national_id, $2, u.code, u.first_name, u.last_name, u.gender, \
           u.education, u.occupation, u.veteran_family \
         FROM UNNEST($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], \
           $9::text[], $10::text[], $11::bool[]) \
           AS u(code, council, first_name, last_name, gender, education, occupation, national_id, \
             veteran_family)",
    )
    .bind(election_code)
    .bind(by.at_us())
    .bind(sql::column(candidates, |c| c.code.clone()))
    .bind(sql::column(candidates, |c| c.council.clone()))
    .bind(sql::column(candidates, |c| c.first_name.clone()))
    .bind(sql::column(candidates, |c| c.last_name.clone()))
    .bind(sql::column(candidates, |c| c.gender.as_str().to_owned()))
    .bind(sql::column(candidates, |c| {
        c.education.map(|e| e.as_str().to_owned())
    }))
    .bind(sql::column(candidates, |c| c.occupation.clone()))
    .bind(demo_candidate_ids(candidates, registrations))
    .bind(sql::column(candidates, |c| c.veteran_family))
    .execute(&mut *conn)
    .await
    .map_err(|e| {
        repeated_as(
            e,
            Entity::Candidate,
            candidates.iter().map(|c| c.code.as_str()),
        )
    })?;
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
    let highest: Option<i64> = sqlx::query_scalar(
        "SELECT MAX(CASE WHEN code ~ '^[0-9]{1,18}$' THEN code::bigint END) FROM candidates \
         WHERE election_code = $1",
    )
    .bind(&registration.election_code)
    .fetch_one(&mut *conn)
    .await?;
    let code = next_candidate_code(highest);
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
         first_name, last_name, gender, education, occupation, veteran_family) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (election_code, national_id) DO UPDATE SET \
           council_code = EXCLUDED.council_code, code = EXCLUDED.code, \
           first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name, \
           gender = EXCLUDED.gender, education = EXCLUDED.education, \
           occupation = EXCLUDED.occupation, veteran_family = EXCLUDED.veteran_family",
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
    .bind(app.veteran_family)
    .execute(&mut *conn)
    .await
    .map_err(|e| unique_as(e, Entity::Candidate, &code))?;
    Ok(code)
}

impl Postgres {
    async fn try_add_candidate(
        &self,
        election_code: &str,
        council_code: &str,
        national_id: &str,
        by: &Actor,
    ) -> Attempt<()> {
        let mut tx = self.pool.begin().await?;
        let election: Option<String> =
            sqlx::query_scalar("SELECT code FROM elections WHERE code = $1")
                .bind(election_code)
                .fetch_optional(&mut *tx)
                .await?;
        if election.is_none() {
            return Err(not_found(Entity::Election));
        }
        let council_election: Option<String> =
            sqlx::query_scalar("SELECT election_code FROM councils WHERE code = $1")
                .bind(council_code)
                .fetch_optional(&mut *tx)
                .await?;
        check_candidate_council(election_code, council_code, council_election.as_deref())?;
        // If the person is registered, lock them: a candidacy and an assignment of the same
        // person queue on this row, so neither decides on facts the other is changing.
        sqlx::query("SELECT 1 FROM people WHERE national_id = $1 FOR NO KEY UPDATE")
            .bind(national_id)
            .fetch_optional(&mut *tx)
            .await?;
        // A second candidacy in the election fails here: `Duplicate { Candidate }`.
        sqlx::query(
            "INSERT INTO candidates (election_code, council_code, national_id, created_at_us) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(election_code)
        .bind(council_code)
        .bind(national_id)
        .bind(by.at_us())
        .execute(&mut *tx)
        .await
        .map_err(|e| unique_as(e, Entity::Candidate, national_id))?;
        append_audit(
            &mut tx,
            by,
            &candidate_added(election_code, council_code, national_id),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn read_candidates(
        &self,
        election_code: &str,
        council: &str,
    ) -> StoreResult<Vec<Candidate>> {
        let found = sqlx::query(&format!(
            "SELECT {} FROM candidates WHERE election_code = $1 AND council_code = $2 \
             AND code IS NOT NULL ORDER BY code COLLATE \"C\"",
            rows::CANDIDATE_COLUMNS
        ))
        .bind(election_code)
        .bind(council)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows::all(&found, rows::candidate)
    }

    async fn read_all_candidates(&self, election_code: &str) -> StoreResult<Vec<Candidate>> {
        let found = sqlx::query(&format!(
            "SELECT {} FROM candidates WHERE election_code = $1 AND code IS NOT NULL \
             ORDER BY council_code COLLATE \"C\", length(code), code COLLATE \"C\"",
            rows::CANDIDATE_COLUMNS
        ))
        .bind(election_code)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows::all(&found, rows::candidate)
    }

    /// What the participation statistics need of every registration.
    async fn read_registration_facts(
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
        rows::all(&found, rows::registration_fact)
    }

    /// The photo of an approved candidate's registration.
    async fn read_candidate_photo(
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

    /// Files a registration (see the module's note). Nothing is written on a refusal.
    async fn try_register(&self, registration: &NewRegistration, by: &Actor) -> Attempt<()> {
        let app = &registration.application;
        let tracking_code = &registration.tracking_code;
        let mut tx = self.pool.begin().await?;
        let council: Option<i32> = sqlx::query_scalar("SELECT 1 FROM councils WHERE code = $1")
            .bind(&app.council)
            .fetch_optional(&mut *tx)
            .await?;
        if council.is_none() {
            return Err(not_found(Entity::Council));
        }
        let official = app.official.as_ref();
        // A second registration of the person in the election, or a taken tracking code, fails
        // here: `Duplicate { Registration }`.
        let filed = sqlx::query(
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
        .await;
        match filed {
            Err(e) if is_unique_violation(&e) => {
                drop(tx);
                return Err(Fail::Store(
                    taken_registration(&self.pool, registration).await,
                ));
            }
            other => other?,
        };
        if !registration.documents.is_empty() {
            let documents = &registration.documents;
            sqlx::query(
                "INSERT INTO registration_documents (tracking_code, kind, media_type, size, sha256) \
                 SELECT $1, u.kind, u.media_type, u.size, u.sha256 \
                 FROM UNNEST($2::text[], $3::text[], $4::bigint[], $5::text[]) \
                   AS u(kind, media_type, size, sha256)",
            )
            .bind(tracking_code)
            .bind(sql::column(documents, |d| d.kind.as_str()))
            .bind(sql::column(documents, |d| rows::media_type_str(d.media_type)))
            .bind(sql::column(documents, |d| d.size))
            .bind(sql::column(documents, |d| d.sha256.as_str()))
            .execute(&mut *tx)
            .await
            .map_err(|e| repeated_as(e, Entity::Document, documents.iter().map(|d| d.kind.as_str())))?;
        }
        record_event(
            &mut tx,
            tracking_code,
            "submitted",
            VettingState::Submitted,
            by,
            "",
            &[],
        )
        .await?;
        append_audit(&mut tx, by, &registration_filed(registration)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A registration with its history, read on one snapshot.
    async fn read_registration(
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
                "SELECT at_us, step, state, actor, reason, grounds FROM vetting_events \
                 WHERE tracking_code = $1 ORDER BY seq",
            )
            .bind(tracking_code)
            .fetch_all(&mut *tx)
            .await?;
            let history = rows::all(&found, rows::vetting_event)?;
            Ok(Some((registration, history)))
        };
        let out = read.await.map_err(settle)?;
        tx.rollback().await.map_err(db)?;
        Ok(out)
    }

    /// Registrations in filing order, a page of them.
    async fn read_registrations(
        &self,
        election_code: &str,
        filter: &RegistrationFilter,
        req: PageRequest,
    ) -> StoreResult<Page<Registration>> {
        let state = filter.state.map(VettingState::as_str);
        let (digits, name) = match &filter.search {
            None => (None, None),
            Some(RegistrationSearch::Digits(d)) => (Some(d.as_str()), None),
            Some(RegistrationSearch::Name(key)) => (None, Some(key.as_str())),
        };
        let mut conn = self.pool.acquire().await.map_err(db)?;
        let (total, found) = sql::List::new(
            rows::REGISTRATION_COLUMNS,
            &format!(
                "registrations r JOIN councils c ON c.code = r.council_code WHERE {}",
                sql::registration_filter()
            ),
            &sql::registration_order(filter.sort),
            7,
        )
        .fetch(
            &mut conn,
            |q| {
                q.bind(election_code)
                    .bind(filter.county.as_deref())
                    .bind(filter.council.as_deref())
                    .bind(state)
                    .bind(filter.national_id.as_deref())
                    .bind(digits)
                    .bind(name)
            },
            req,
        )
        .await?;
        let codes = rows::keys::<String>(&found, "tracking_code")?;
        let mut documents = documents_of(&mut conn, &codes).await.map_err(settle)?;
        let items = found
            .iter()
            .zip(&codes)
            .map(|(row, code)| rows::registration(row, documents.remove(code).unwrap_or_default()))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(sql::page(items, total, req))
    }

    /// Takes a vetting step (see the module's note). A refusal writes nothing.
    async fn try_vet(
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
            .ok_or_else(|| not_found(Entity::Registration))?;
        let recorded = answers_of(&mut tx, tracking_code).await?;
        let next = apply(&registration.vetting, action, reviewer, by.at, &recorded)
            .map_err(StoreError::from)?;
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
            action.grounds(),
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
        append_audit(
            &mut tx,
            by,
            &vetting_step(
                election_code,
                tracking_code,
                action,
                next.state,
                reviewer,
                registration.candidate_code.as_deref(),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(registration)
    }

    /// Records an inquiry's answer: the registration's row is locked, so two answers of one
    /// body queue and the second is refused on the first.
    async fn try_record_inquiry(
        &self,
        election_code: &str,
        tracking_code: &str,
        answer: &InquiryAnswer,
        by: &Actor,
    ) -> Attempt<Vec<InquiryAnswer>> {
        let mut tx = self.pool.begin().await?;
        let registration = registration_in(&mut tx, election_code, tracking_code, true)
            .await?
            .ok_or_else(|| not_found(Entity::Registration))?;
        let recorded = answers_of(&mut tx, tracking_code).await?;
        domain::inquiry::check_answer(registration.vetting.state, &recorded, answer.authority)
            .map_err(StoreError::from)?;
        sqlx::query(
            "INSERT INTO vetting_inquiries (tracking_code, authority, answer, note, \
             answered_at_us, actor) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(tracking_code)
        .bind(answer.authority.as_str())
        .bind(answer.answer.as_str())
        .bind(&answer.note)
        .bind(to_micros(answer.answered_at))
        .bind(&by.username)
        .execute(&mut *tx)
        .await?;
        append_audit(
            &mut tx,
            by,
            &inquiry_recorded(election_code, tracking_code, answer),
        )
        .await?;
        let answers = answers_of(&mut tx, tracking_code).await?;
        tx.commit().await?;
        Ok(answers)
    }

    async fn read_inquiries(
        &self,
        election_code: &str,
        tracking_code: &str,
    ) -> StoreResult<Vec<InquiryAnswer>> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let read = async {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(&mut *tx)
                .await?;
            registration_in(&mut tx, election_code, tracking_code, false)
                .await?
                .ok_or_else(|| not_found(Entity::Registration))?;
            answers_of(&mut tx, tracking_code).await
        };
        let out = read.await.map_err(settle)?;
        tx.rollback().await.map_err(db)?;
        Ok(out)
    }
}

#[async_trait]
impl CandidacyStore for Postgres {
    #[tracing::instrument(skip_all)]
    async fn add_candidate(
        &self,
        election_code: &str,
        council_code: &str,
        national_id: &str,
        by: &Actor,
    ) -> StoreResult<()> {
        retry(Unique::Fail, || {
            self.try_add_candidate(election_code, council_code, national_id, by)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn registration_facts(
        &self,
        election_code: &str,
    ) -> StoreResult<Vec<domain::participation::RegistrationFact>> {
        self.read_registration_facts(election_code).await
    }

    #[tracing::instrument(skip_all)]
    async fn all_candidates(&self, election_code: &str) -> StoreResult<Vec<Candidate>> {
        self.read_all_candidates(election_code).await
    }

    #[tracing::instrument(skip_all)]
    async fn candidates(&self, election_code: &str, council: &str) -> StoreResult<Vec<Candidate>> {
        self.read_candidates(election_code, council).await
    }

    #[tracing::instrument(skip_all)]
    async fn candidate_photo(
        &self,
        election_code: &str,
        candidate_code: &str,
    ) -> StoreResult<Option<StoredDocument>> {
        self.read_candidate_photo(election_code, candidate_code)
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn register(&self, registration: &NewRegistration, by: &Actor) -> StoreResult<()> {
        retry(Unique::Fail, || self.try_register(registration, by)).await
    }

    #[tracing::instrument(skip_all)]
    async fn document_hashes(&self) -> StoreResult<std::collections::HashSet<String>> {
        let hashes: Vec<String> =
            sqlx::query_scalar("SELECT DISTINCT sha256 FROM registration_documents")
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
        Ok(hashes.into_iter().collect())
    }

    #[tracing::instrument(skip_all)]
    async fn registration(
        &self,
        election_code: &str,
        tracking_code: &str,
    ) -> StoreResult<Option<(Registration, Vec<VettingEvent>)>> {
        self.read_registration(election_code, tracking_code).await
    }

    #[tracing::instrument(skip_all)]
    async fn registrations(
        &self,
        election_code: &str,
        filter: &RegistrationFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Registration>> {
        self.read_registrations(election_code, filter, page).await
    }

    #[tracing::instrument(skip_all)]
    async fn vet(
        &self,
        election_code: &str,
        tracking_code: &str,
        action: &VettingAction,
        reviewer: Reviewer,
        by: &Actor,
    ) -> StoreResult<Registration> {
        retry(Unique::Fail, || {
            self.try_vet(election_code, tracking_code, action, reviewer, by)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn record_inquiry(
        &self,
        election_code: &str,
        tracking_code: &str,
        answer: &InquiryAnswer,
        by: &Actor,
    ) -> StoreResult<Vec<InquiryAnswer>> {
        retry(Unique::Fail, || {
            self.try_record_inquiry(election_code, tracking_code, answer, by)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn inquiries(
        &self,
        election_code: &str,
        tracking_code: &str,
    ) -> StoreResult<Vec<InquiryAnswer>> {
        self.read_inquiries(election_code, tracking_code).await
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
