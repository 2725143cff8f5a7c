//! Candidacy on SQLite: registrations and their vetting (issue 5), and the approved candidates
//! of the final lists and the ballots.

use crate::chain::append_audit;
use crate::db::{db_err, duplicate_or, Sqlite};
use crate::rows::candidate_from_row;
use crate::sql::{
    all, bad_row, insert_each, iso_date, paged, parse_date, registration_order, Where,
};
use async_trait::async_trait;
use domain::ballot::Candidate;
use domain::election::CouncilKind;
use domain::ids::{MobileNumber, NationalId};
use domain::inquiry::{Answer, Authority, InquiryAnswer};
use domain::person::{Education, Gender};
use domain::registration::{Application, DocumentKind, MediaType, OfficialPost};
use domain::vetting::{apply, RejectionGround, Reviewer, VettingAction, VettingFile, VettingState};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row, Transaction};
use store::candidacy::{
    candidate_added, check_candidate_council, demo_candidate_ids, demo_history, grounds_text,
    inquiry_recorded, next_candidate_code, parse_grounds, registration_filed, sort_inquiries,
    vetting_step,
};
use store::{
    Actor, CandidacyStore, Entity, NewRegistration, Page, PageRequest, Registration,
    RegistrationFilter, StoreError, StoreResult, StoredDocument, VettingEvent,
};

pub(crate) fn add_candidate(
    tx: &Transaction<'_>,
    election: &str,
    council: &str,
    national_id: &str,
    by: &Actor,
) -> StoreResult<()> {
    let election_exists: bool = tx
        .prepare_cached("SELECT EXISTS(SELECT 1 FROM elections WHERE code = ?1)")
        .map_err(db_err)?
        .query_row([election], |r| r.get(0))
        .map_err(db_err)?;
    if !election_exists {
        return Err(StoreError::not_found(Entity::Election));
    }
    let council_election: Option<String> = tx
        .prepare_cached("SELECT election_code FROM councils WHERE code = ?1")
        .map_err(db_err)?
        .query_row([council], |r| r.get(0))
        .optional()
        .map_err(db_err)?;
    check_candidate_council(election, council, council_election.as_deref())?;
    tx.prepare_cached(
        "INSERT INTO candidates (election_code, council_code, national_id, created_at_us) VALUES (?1, ?2, ?3, ?4)",
    )
    .map_err(db_err)?
    .execute(params![election, council, national_id, by.at_us()])
    .map_err(|e| duplicate_or(e, Entity::Candidate, national_id))?;
    append_audit(tx, by, &candidate_added(election, council, national_id))
}

const TABLE: &str = "registrations r JOIN councils c ON c.code = r.council_code";

const COLUMNS: &str = "r.election_code, r.tracking_code, r.national_id, r.first_name, r.last_name,
    r.father_name, r.birth_date, r.gender, r.mobile, r.residence, r.council_code, r.education,
    r.former_member, r.occupation, r.official_title, r.resigned_on, r.veteran_family, r.state,
    r.submitted_at_us, r.state_since_us, r.executive_qualified, r.candidate_code, c.name, c.kind,
    c.county_code";

fn media_str(m: MediaType) -> &'static str {
    match m {
        MediaType::Jpeg => "jpeg",
        MediaType::Png => "png",
        MediaType::Pdf => "pdf",
    }
}

fn media_parse(s: &str) -> rusqlite::Result<MediaType> {
    match s {
        "jpeg" => Ok(MediaType::Jpeg),
        "png" => Ok(MediaType::Png),
        "pdf" => Ok(MediaType::Pdf),
        _ => Err(bad_row("media_type")),
    }
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<Registration> {
    let text = |i: usize| r.get::<_, String>(i);
    let national_id = NationalId::parse(&text(2)?).map_err(|_| bad_row("national_id"))?;
    let official = match r.get::<_, Option<String>>(14)? {
        Some(title) => Some(OfficialPost {
            title,
            resigned_on: r
                .get::<_, Option<String>>(15)?
                .map(|d| parse_date(&d))
                .transpose()?,
        }),
        None => None,
    };
    let application = Application {
        national_id,
        first_name: text(3)?,
        last_name: text(4)?,
        father_name: text(5)?,
        birth_date: parse_date(&text(6)?)?,
        gender: Gender::parse(&text(7)?).ok_or_else(|| bad_row("gender"))?,
        mobile: MobileNumber::parse(&text(8)?).map_err(|_| bad_row("mobile"))?,
        residence: text(9)?,
        council: text(10)?,
        education: Education::parse(&text(11)?).ok_or_else(|| bad_row("education"))?,
        former_member: r.get(12)?,
        occupation: text(13)?,
        official,
        veteran_family: r.get(16)?,
    };
    Ok(Registration {
        election_code: text(0)?,
        tracking_code: text(1)?,
        application,
        council_name: text(22)?,
        council_kind: CouncilKind::parse(&text(23)?).map_err(|_| bad_row("kind"))?,
        county_code: text(24)?,
        documents: Vec::new(),
        vetting: VettingFile {
            state: VettingState::parse(&text(17)?).ok_or_else(|| bad_row("state"))?,
            submitted_at: domain::clock::from_micros(r.get(18)?),
            state_since: domain::clock::from_micros(r.get(19)?),
            executive_qualified: r.get(20)?,
        },
        candidate_code: r.get(21)?,
    })
}

fn documents(conn: &Connection, tracking_code: &str) -> StoreResult<Vec<StoredDocument>> {
    let mut docs = all(
        &mut *conn
            .prepare_cached(
                "SELECT kind, media_type, size, sha256 FROM registration_documents
                 WHERE tracking_code = ?1",
            )
            .map_err(db_err)?,
        [tracking_code],
        |r| {
            Ok(StoredDocument {
                kind: DocumentKind::parse(&r.get::<_, String>(0)?)
                    .ok_or_else(|| bad_row("kind"))?,
                media_type: media_parse(&r.get::<_, String>(1)?)?,
                size: r.get(2)?,
                sha256: r.get(3)?,
            })
        },
    )?;
    docs.sort_by_key(|d| d.kind);
    Ok(docs)
}

fn with_documents(conn: &Connection, mut r: Registration) -> StoreResult<Registration> {
    r.documents = documents(conn, &r.tracking_code)?;
    Ok(r)
}

fn find(
    conn: &Connection,
    election: &str,
    tracking_code: &str,
) -> StoreResult<Option<Registration>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM {TABLE} WHERE r.election_code = ?1 AND r.tracking_code = ?2"
    ))
    .map_err(db_err)?
    .query_row([election, tracking_code], from_row)
    .optional()
    .map_err(db_err)?
    .map(|r| with_documents(conn, r))
    .transpose()
}

fn add_event(
    tx: &Transaction<'_>,
    tracking_code: &str,
    step: &str,
    state: VettingState,
    by: &Actor,
    reason: &str,
    grounds: &[RejectionGround],
) -> StoreResult<()> {
    tx.prepare_cached(
        "INSERT INTO vetting_events (tracking_code, seq, at_us, step, state, actor, reason, grounds)
         VALUES (?1, (SELECT coalesce(max(seq), 0) + 1 FROM vetting_events WHERE tracking_code = ?1),
                 ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .map_err(db_err)?
    .execute(params![
        tracking_code,
        by.at_us(),
        step,
        state.as_str(),
        by.username,
        reason,
        grounds_text(grounds)
    ])
    .map_err(db_err)?;
    Ok(())
}

/// The columns of a `registrations` row that its application fills, in the order of
/// [`application_values`].
const APPLICATION_COLUMNS: &str = "national_id, council_code, first_name, last_name, \
     father_name, birth_date, gender, mobile, residence, education, former_member, occupation, \
     official_title, resigned_on, veteran_family";

/// An application's values for [`APPLICATION_COLUMNS`], as a registration is filed and as the
/// demo loads it.
fn application_values(a: &Application) -> [Value; 15] {
    [
        Value::from(a.national_id.as_str().to_owned()),
        Value::from(a.council.clone()),
        Value::from(a.first_name.clone()),
        Value::from(a.last_name.clone()),
        Value::from(a.father_name.clone()),
        Value::from(iso_date(a.birth_date)),
        Value::from(a.gender.as_str().to_owned()),
        Value::from(a.mobile.as_str().to_owned()),
        Value::from(a.residence.clone()),
        Value::from(a.education.as_str().to_owned()),
        Value::from(a.former_member),
        Value::from(a.occupation.clone()),
        Value::from(a.official.as_ref().map(|o| o.title.clone())),
        Value::from(
            a.official
                .as_ref()
                .and_then(|o| o.resigned_on)
                .map(iso_date),
        ),
        Value::from(a.veteran_family),
    ]
}

pub(crate) fn register(tx: &Transaction<'_>, new: &NewRegistration, by: &Actor) -> StoreResult<()> {
    let a = &new.application;
    let council_known: bool = tx
        .prepare_cached("SELECT EXISTS(SELECT 1 FROM councils WHERE code = ?1)")
        .map_err(db_err)?
        .query_row([&a.council], |r| r.get(0))
        .map_err(db_err)?;
    if !council_known {
        return Err(StoreError::not_found(Entity::Council));
    }
    let values = [
        Value::from(new.election_code.clone()),
        Value::from(new.tracking_code.clone()),
    ]
    .into_iter()
    .chain(application_values(a))
    .chain([Value::from(by.at_us())]);
    tx.prepare_cached(&format!(
        "INSERT INTO registrations (election_code, tracking_code, {APPLICATION_COLUMNS}, state,
             submitted_at_us, state_since_us)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                 'submitted', ?18, ?18)"
    ))
    .map_err(db_err)?
    .execute(params_from_iter(values))
    .map_err(|e| duplicate_or(e, Entity::Registration, a.national_id.as_str()))?;
    insert_each(
        tx,
        "INSERT INTO registration_documents (tracking_code, kind, media_type, size, sha256)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        &new.documents,
        |d| {
            (
                &new.tracking_code,
                d.kind.as_str(),
                media_str(d.media_type),
                d.size,
                &d.sha256,
            )
        },
        |e, d| duplicate_or(e, Entity::Document, &d.sha256),
    )?;
    add_event(
        tx,
        &new.tracking_code,
        "submitted",
        VettingState::Submitted,
        by,
        "",
        &[],
    )?;
    append_audit(tx, by, &registration_filed(new))
}

pub(crate) fn registration(
    conn: &Connection,
    election: &str,
    tracking_code: &str,
) -> StoreResult<Option<(Registration, Vec<VettingEvent>)>> {
    let Some(found) = find(conn, election, tracking_code)? else {
        return Ok(None);
    };
    let history = all(
        &mut *conn
            .prepare_cached(
                "SELECT at_us, step, state, actor, reason, grounds FROM vetting_events
                 WHERE tracking_code = ?1 ORDER BY seq",
            )
            .map_err(db_err)?,
        [tracking_code],
        |r| {
            Ok(VettingEvent {
                at: domain::clock::from_micros(r.get(0)?),
                step: r.get(1)?,
                state: VettingState::parse(&r.get::<_, String>(2)?)
                    .ok_or_else(|| bad_row("state"))?,
                by: r.get(3)?,
                reason: r.get(4)?,
                grounds: parse_grounds(&r.get::<_, String>(5)?).map_err(|_| bad_row("grounds"))?,
            })
        },
    )?;
    Ok(Some((found, history)))
}

/// A file's recorded inquiry answers, in the bodies' order.
fn answers(conn: &Connection, tracking_code: &str) -> StoreResult<Vec<InquiryAnswer>> {
    let mut found = all(
        &mut *conn
            .prepare_cached(
                "SELECT authority, answer, note, answered_at_us FROM vetting_inquiries
                 WHERE tracking_code = ?1",
            )
            .map_err(db_err)?,
        [tracking_code],
        |r| {
            Ok(InquiryAnswer {
                authority: Authority::parse(&r.get::<_, String>(0)?)
                    .ok_or_else(|| bad_row("authority"))?,
                answer: Answer::parse(&r.get::<_, String>(1)?).ok_or_else(|| bad_row("answer"))?,
                note: r.get(2)?,
                answered_at: domain::clock::from_micros(r.get(3)?),
            })
        },
    )?;
    sort_inquiries(&mut found);
    Ok(found)
}

pub(crate) fn inquiries(
    conn: &Connection,
    election: &str,
    tracking_code: &str,
) -> StoreResult<Vec<InquiryAnswer>> {
    find(conn, election, tracking_code)?.ok_or(StoreError::not_found(Entity::Registration))?;
    answers(conn, tracking_code)
}

fn insert_answer(
    tx: &Transaction<'_>,
    tracking_code: &str,
    answer: &InquiryAnswer,
    actor: &str,
) -> StoreResult<()> {
    tx.prepare_cached(
        "INSERT INTO vetting_inquiries (tracking_code, authority, answer, note, answered_at_us, actor)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .map_err(db_err)?
    .execute(params![
        tracking_code,
        answer.authority.as_str(),
        answer.answer.as_str(),
        answer.note,
        domain::clock::to_micros(answer.answered_at),
        actor
    ])
    .map_err(db_err)?;
    Ok(())
}

pub(crate) fn record_inquiry(
    tx: &Transaction<'_>,
    election: &str,
    tracking_code: &str,
    answer: &InquiryAnswer,
    by: &Actor,
) -> StoreResult<Vec<InquiryAnswer>> {
    let current =
        find(tx, election, tracking_code)?.ok_or(StoreError::not_found(Entity::Registration))?;
    let recorded = answers(tx, tracking_code)?;
    domain::inquiry::check_answer(current.vetting.state, &recorded, answer.authority)?;
    insert_answer(tx, tracking_code, answer, &by.username)?;
    append_audit(tx, by, &inquiry_recorded(election, tracking_code, answer))?;
    answers(tx, tracking_code)
}

pub(crate) fn registrations(
    conn: &Connection,
    election: &str,
    filter: &RegistrationFilter,
    page: PageRequest,
) -> StoreResult<Page<Registration>> {
    let mut w = Where::default();
    w.eq("r.election_code", Some(election));
    w.eq("c.county_code", filter.county.as_deref());
    w.eq("r.council_code", filter.council.as_deref());
    w.eq("r.state", filter.state.map(VettingState::as_str));
    w.eq("r.national_id", filter.national_id.as_deref());
    w.registration_search(filter.search.as_ref());
    let found = paged(
        conn,
        TABLE,
        COLUMNS,
        &w,
        &registration_order(filter.sort),
        page,
        from_row,
    )?;
    Ok(Page {
        items: found
            .items
            .into_iter()
            .map(|r| with_documents(conn, r))
            .collect::<StoreResult<_>>()?,
        total: found.total,
        page: found.page,
        per_page: found.per_page,
    })
}

pub(crate) fn vet(
    tx: &Transaction<'_>,
    election: &str,
    tracking_code: &str,
    action: &VettingAction,
    reviewer: Reviewer,
    by: &Actor,
) -> StoreResult<Registration> {
    let current =
        find(tx, election, tracking_code)?.ok_or(StoreError::not_found(Entity::Registration))?;
    let recorded = answers(tx, tracking_code)?;
    let next = apply(&current.vetting, action, reviewer, by.at, &recorded)?;
    // The writer connection is the only one that writes, so the next code cannot be taken
    // between this read and the insert.
    let code = if next.state == VettingState::Approved {
        let highest: Option<i64> = tx
            .prepare_cached(
                "SELECT max(CAST(code AS INTEGER)) FROM candidates
                 WHERE election_code = ?1 AND code GLOB '[0-9]*'",
            )
            .map_err(db_err)?
            .query_row([election], |r| r.get(0))
            .map_err(db_err)?;
        Some(next_candidate_code(highest))
    } else {
        current.candidate_code.clone()
    };
    tx.prepare_cached(
        "UPDATE registrations SET state = ?1, state_since_us = ?2, executive_qualified = ?3,
             candidate_code = ?4
         WHERE election_code = ?5 AND tracking_code = ?6",
    )
    .map_err(db_err)?
    .execute(params![
        next.state.as_str(),
        domain::clock::to_micros(next.state_since),
        next.executive_qualified,
        code,
        election,
        tracking_code
    ])
    .map_err(db_err)?;
    if next.state == VettingState::Approved {
        let a = &current.application;
        tx.prepare_cached(
            "INSERT INTO candidates (election_code, council_code, national_id, created_at_us, code,
                 first_name, last_name, gender, education, occupation, veteran_family)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
             ON CONFLICT (election_code, national_id) DO UPDATE SET council_code = excluded.council_code,
                 code = excluded.code, first_name = excluded.first_name, last_name = excluded.last_name,
                 gender = excluded.gender, education = excluded.education, occupation = excluded.occupation,
                 veteran_family = excluded.veteran_family",
        )
        .map_err(db_err)?
        .execute(params![
            election,
            a.council,
            a.national_id.as_str(),
            by.at_us(),
            code,
            a.first_name,
            a.last_name,
            a.gender.as_str(),
            a.education.as_str(),
            a.occupation,
            a.veteran_family
        ])
        .map_err(|e| duplicate_or(e, Entity::Candidate, a.national_id.as_str()))?;
    }
    if next.state == VettingState::Withdrawn && code.is_some() {
        // A withdrawn candidate leaves the council's list (and so the ballot); the file keeps
        // the code it had.
        tx.prepare_cached("DELETE FROM candidates WHERE election_code = ?1 AND national_id = ?2")
            .map_err(db_err)?
            .execute(params![election, current.application.national_id.as_str()])
            .map_err(db_err)?;
    }
    add_event(
        tx,
        tracking_code,
        action.name(),
        next.state,
        by,
        action.reason(),
        action.grounds(),
    )?;
    append_audit(
        tx,
        by,
        &vetting_step(
            election,
            tracking_code,
            action,
            next.state,
            reviewer,
            code.as_deref(),
        ),
    )?;
    Ok(Registration {
        vetting: next,
        candidate_code: code,
        ..current
    })
}

/// The demo's registrations with their histories, as filed and vetted (one statement per
/// table row; part of the demo's one load transaction).
pub(crate) fn load_demo(
    tx: &Transaction<'_>,
    election: &str,
    registrations: &[domain::demo::DemoRegistration],
) -> StoreResult<()> {
    let mut insert = tx
        .prepare(&format!(
            "INSERT INTO registrations (election_code, tracking_code, {APPLICATION_COLUMNS}, state,
                 submitted_at_us, state_since_us, executive_qualified, candidate_code)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                     ?18, ?19, ?20, ?21, ?22)"
        ))
        .map_err(db_err)?;
    let mut event = tx
        .prepare(
            "INSERT INTO vetting_events (tracking_code, seq, at_us, step, state, actor, reason,
                 grounds)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )
        .map_err(db_err)?;
    for r in registrations {
        let (history, last) = demo_history(r)?;
        let a = &r.application;
        let values = [
            Value::from(election.to_owned()),
            Value::from(r.tracking_code.clone()),
        ]
        .into_iter()
        .chain(application_values(a))
        .chain([
            Value::from(last.state.as_str().to_owned()),
            Value::from(domain::clock::to_micros(r.submitted_at)),
            Value::from(domain::clock::to_micros(last.state_since)),
            Value::from(last.executive_qualified),
            Value::from(r.candidate_code.clone()),
        ]);
        insert
            .execute(params_from_iter(values))
            .map_err(|e| duplicate_or(e, Entity::Registration, a.national_id.as_str()))?;
        for (seq, e) in (1_i64..).zip(&history) {
            event
                .execute(params![
                    r.tracking_code,
                    seq,
                    domain::clock::to_micros(e.at),
                    e.step,
                    e.state.as_str(),
                    e.by,
                    e.reason,
                    grounds_text(&e.grounds),
                ])
                .map_err(db_err)?;
        }
        for answer in &r.inquiries {
            insert_answer(tx, &r.tracking_code, answer, "demo")?;
        }
    }
    Ok(())
}

pub(crate) fn candidate_photo(
    conn: &Connection,
    election: &str,
    candidate_code: &str,
) -> StoreResult<Option<StoredDocument>> {
    conn.prepare_cached(
        "SELECT d.kind, d.media_type, d.size, d.sha256 FROM registrations r
         JOIN registration_documents d ON d.tracking_code = r.tracking_code AND d.kind = 'photo'
         WHERE r.election_code = ?1 AND r.candidate_code = ?2 AND r.state = 'approved'",
    )
    .map_err(db_err)?
    .query_row([election, candidate_code], |r| {
        Ok(StoredDocument {
            kind: DocumentKind::parse(&r.get::<_, String>(0)?).ok_or_else(|| bad_row("kind"))?,
            media_type: media_parse(&r.get::<_, String>(1)?)?,
            size: r.get(2)?,
            sha256: r.get(3)?,
        })
    })
    .optional()
    .map_err(db_err)
}

pub(crate) fn facts(
    conn: &Connection,
    election: &str,
) -> StoreResult<Vec<domain::participation::RegistrationFact>> {
    all(
        &mut *conn
            .prepare_cached(
                "SELECT submitted_at_us, council_code, gender, birth_date, education, state
                 FROM registrations WHERE election_code = ?1",
            )
            .map_err(db_err)?,
        [election],
        |r| {
            Ok(domain::participation::RegistrationFact {
                submitted_at: domain::clock::from_micros(r.get(0)?),
                council: r.get(1)?,
                gender: Gender::parse(&r.get::<_, String>(2)?).ok_or_else(|| bad_row("gender"))?,
                birth_date: parse_date(&r.get::<_, String>(3)?)?,
                education: Education::parse(&r.get::<_, String>(4)?)
                    .ok_or_else(|| bad_row("education"))?,
                state: VettingState::parse(&r.get::<_, String>(5)?)
                    .ok_or_else(|| bad_row("state"))?,
            })
        },
    )
}

pub(crate) fn candidates(
    conn: &Connection,
    election: &str,
    council: &str,
) -> StoreResult<Vec<Candidate>> {
    all(
        &mut *conn
            .prepare_cached(
                "SELECT code, council_code, first_name, last_name, gender, education, occupation,
                        veteran_family
                 FROM candidates WHERE election_code = ?1 AND council_code = ?2 AND code IS NOT NULL
                 ORDER BY code",
            )
            .map_err(db_err)?,
        [election, council],
        candidate_from_row,
    )
}

pub(crate) fn all_candidates(conn: &Connection, election: &str) -> StoreResult<Vec<Candidate>> {
    all(
        &mut *conn
            .prepare_cached(
                "SELECT code, council_code, first_name, last_name, gender, education, occupation,
                        veteran_family
                 FROM candidates WHERE election_code = ?1 AND code IS NOT NULL
                 ORDER BY council_code, length(code), code",
            )
            .map_err(db_err)?,
        [election],
        candidate_from_row,
    )
}

/// The demo's approved candidates, each with its national id (`national_ids`, in the same
/// order: see `store::candidacy::demo_candidate_ids`).
pub(crate) fn load_candidates(
    tx: &Transaction<'_>,
    election: &str,
    candidates: &[Candidate],
    national_ids: &[String],
    by: &Actor,
) -> StoreResult<()> {
    let mut s = tx
        .prepare(
            "INSERT INTO candidates (election_code, council_code, national_id, created_at_us, code,
                 first_name, last_name, gender, education, occupation, veteran_family)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )
        .map_err(db_err)?;
    for (c, national_id) in candidates.iter().zip(national_ids) {
        s.execute(params![
            election,
            c.council,
            national_id,
            by.at_us(),
            c.code,
            c.first_name,
            c.last_name,
            c.gender.as_str(),
            c.education.map(Education::as_str),
            c.occupation,
            c.veteran_family
        ])
        .map_err(|e| duplicate_or(e, Entity::Candidate, national_id))?;
    }
    Ok(())
}

#[async_trait]
impl CandidacyStore for Sqlite {
    #[tracing::instrument(skip_all)]
    async fn add_candidate(
        &self,
        election_code: &str,
        council_code: &str,
        national_id: &str,
        by: &Actor,
    ) -> StoreResult<()> {
        let (election, council, id, by) = (
            election_code.to_owned(),
            council_code.to_owned(),
            national_id.to_owned(),
            by.clone(),
        );
        self.write(move |tx| add_candidate(tx, &election, &council, &id, &by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn registration_facts(
        &self,
        election_code: &str,
    ) -> StoreResult<Vec<domain::participation::RegistrationFact>> {
        let election = election_code.to_owned();
        self.read(move |c| facts(c, &election)).await
    }

    #[tracing::instrument(skip_all)]
    async fn all_candidates(&self, election_code: &str) -> StoreResult<Vec<Candidate>> {
        let election = election_code.to_owned();
        self.read(move |c| all_candidates(c, &election)).await
    }

    #[tracing::instrument(skip_all)]
    async fn candidates(&self, election_code: &str, council: &str) -> StoreResult<Vec<Candidate>> {
        let (election, council) = (election_code.to_owned(), council.to_owned());
        self.read(move |c| candidates(c, &election, &council)).await
    }

    #[tracing::instrument(skip_all)]
    async fn candidate_photo(
        &self,
        election_code: &str,
        candidate_code: &str,
    ) -> StoreResult<Option<store::StoredDocument>> {
        let (election, code) = (election_code.to_owned(), candidate_code.to_owned());
        self.read(move |c| candidate_photo(c, &election, &code))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn register(&self, registration: &NewRegistration, by: &Actor) -> StoreResult<()> {
        let (registration, by) = (registration.clone(), by.clone());
        self.write(move |tx| register(tx, &registration, &by)).await
    }

    #[tracing::instrument(skip_all)]
    async fn document_hashes(&self) -> StoreResult<std::collections::HashSet<String>> {
        self.read(|c| {
            let mut s = c
                .prepare("SELECT DISTINCT sha256 FROM registration_documents")
                .map_err(db_err)?;
            let rows = s.query_map([], |r| r.get::<_, String>(0)).map_err(db_err)?;
            rows.collect::<rusqlite::Result<_>>().map_err(db_err)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn registration(
        &self,
        election_code: &str,
        tracking_code: &str,
    ) -> StoreResult<Option<(Registration, Vec<VettingEvent>)>> {
        let (election, code) = (election_code.to_owned(), tracking_code.to_owned());
        self.read(move |c| registration(c, &election, &code)).await
    }

    #[tracing::instrument(skip_all)]
    async fn registrations(
        &self,
        election_code: &str,
        filter: &RegistrationFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Registration>> {
        let (election, filter) = (election_code.to_owned(), filter.clone());
        self.read(move |c| registrations(c, &election, &filter, page))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn vet(
        &self,
        election_code: &str,
        tracking_code: &str,
        action: &domain::vetting::VettingAction,
        reviewer: domain::vetting::Reviewer,
        by: &Actor,
    ) -> StoreResult<Registration> {
        let (election, code, action, by) = (
            election_code.to_owned(),
            tracking_code.to_owned(),
            action.clone(),
            by.clone(),
        );
        self.write(move |tx| vet(tx, &election, &code, &action, reviewer, &by))
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
        let (election, code, answer, by) = (
            election_code.to_owned(),
            tracking_code.to_owned(),
            answer.clone(),
            by.clone(),
        );
        self.write(move |tx| record_inquiry(tx, &election, &code, &answer, &by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn inquiries(
        &self,
        election_code: &str,
        tracking_code: &str,
    ) -> StoreResult<Vec<InquiryAnswer>> {
        let (election, code) = (election_code.to_owned(), tracking_code.to_owned());
        self.read(move |conn| inquiries(conn, &election, &code))
            .await
    }
}

/// The demo's registrations with their histories, then its approved candidates keyed by their
/// registrations' national ids.
pub(crate) fn write_demo(
    tx: &Transaction<'_>,
    election: &str,
    data: &domain::demo::DemoData,
    by: &Actor,
) -> StoreResult<()> {
    load_demo(tx, election, &data.registrations)?;
    let national_ids = demo_candidate_ids(&data.candidates, &data.registrations);
    load_candidates(tx, election, &data.candidates, &national_ids, by)
}
