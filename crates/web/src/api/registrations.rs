//! Candidate registration and vetting (issue 5): the public online registration with its
//! uploads, the applicant's status by tracking code, and the boards' vetting steps. The use
//! cases are `app::registrations` and `app::vetting`; the `/register`, status and vetting
//! pages call the same.

use crate::api::{ApiJson, ApiPath, ApiQuery};
use crate::auth::Visit;
use crate::{ApiError, AppState};
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::Json;
use domain::vetting::{VettingAction, VettingState};
use serde::{Deserialize, Serialize};
use store::{Registration, VettingEvent};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Filed {
    /// Keep it: with the national id it shows the registration's status.
    pub tracking_code: String,
    #[schema(value_type = String)]
    pub state: VettingState,
}

/// Files a candidate's registration, public but only with a proof of the applicant's national
/// id (`identity_proof`: `POST /api/v1/identity/codes`, then `/api/v1/identity/proofs`,
/// purpose `register`; spent on the filing): the form's fields and its documents as
/// `multipart/form-data` (`photo`, `degree`, `military_card`, `resignation_certificate`,
/// `criminal_record`; each checked by its content). The birth date and father's name must be
/// the registry's. Refused with the first failed rule's code and every failed rule in
/// `reasons`; nothing is stored on refusal.
#[utoipa::path(post, path = "/api/v1/registrations", tag = "candidates",
    request_body(content_type = "multipart/form-data", description = "Fields: identity_proof, national_id, first_name, last_name, father_name, birth_date (Jalali or ISO), gender (female|male), mobile, residence, council (code), education (literate|diploma|associate|bachelor|master|doctorate), former_member, occupation, official_title, resigned_on, veteran_family; files: photo, degree, military_card, resignation_certificate, criminal_record"),
    responses((status = 201, body = Filed),
        (status = 403, description = "`identity_not_verified`, `proof_spent`, `wrong_proof`"),
        (status = 409, description = "`already_registered`"),
        (status = 422, description = "`registration_closed`, `too_young`, `education_below_minimum`, `not_resigned`, `resigned_too_late`, `missing_document`, `content_mismatch`, `unrecognised_content`, `type_not_accepted`, `file_too_large`, `empty_file`, `invalid_field`, `invalid_national_id`, `invalid_mobile`, `identity_mismatch`")))]
pub async fn register(
    State(state): State<AppState>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<(StatusCode, Json<Filed>), ApiError> {
    let multipart = multipart.map_err(|_| ApiError::UnsupportedMediaType)?;
    let read = crate::upload::read_registration(multipart).await;
    if let Some(unreadable) = read.unreadable {
        return Err(unreadable.error());
    }
    let filed = state.app.registrations().file(&read.form).await?;
    Ok((
        StatusCode::CREATED,
        Json(Filed {
            tracking_code: filed.tracking_code,
            state: filed.state,
        }),
    ))
}

/// Who asks for a file: its applicant, by national id (in the body, never in an address).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicantLookup {
    /// The applicant's national id: the tracking code alone shows nothing.
    pub national_id: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    pub at: String,
    pub step: String,
    #[schema(value_type = String)]
    pub state: VettingState,
    /// The state in Persian.
    pub state_persian: String,
    /// Who took the step: `applicant`, `executive_board` or `supervision_board` (never a
    /// member's account).
    pub by: String,
    pub reason: String,
    /// The legal grounds a rejection cited (empty for other steps).
    pub grounds: Vec<GroundEntry>,
}

/// A legal ground of a rejection.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GroundEntry {
    /// Its stable code (`domain::vetting::RejectionGround`).
    pub code: String,
    pub persian: String,
    /// The article of the law on the councils' elections it comes from.
    pub article: String,
}

impl GroundEntry {
    pub fn of(g: domain::vetting::RejectionGround) -> Self {
        Self {
            code: g.as_str().into(),
            persian: g.persian().into(),
            article: g.article().into(),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Status {
    pub tracking_code: String,
    pub council: String,
    pub council_name: String,
    #[schema(value_type = String)]
    pub state: VettingState,
    pub state_persian: String,
    /// When the awaited step is due (a board's decision, or the applicant's objection).
    pub deadline: Option<String>,
    pub overdue: bool,
    pub candidate_code: Option<String>,
    pub history: Vec<HistoryEntry>,
}

pub(crate) fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

pub(crate) async fn status_of(
    state: &AppState,
    registration: &Registration,
    history: &[VettingEvent],
) -> Result<Status, ApiError> {
    let opens = state.app.registrations().vetting_opens().await?;
    let v = &registration.vetting;
    Ok(Status {
        tracking_code: registration.tracking_code.clone(),
        council: registration.application.council.clone(),
        council_name: registration.council_name.clone(),
        state: v.state,
        state_persian: v.state.persian().into(),
        deadline: v.deadline(opens).map(rfc3339),
        overdue: v.is_overdue(opens, state.now()),
        candidate_code: registration.candidate_code.clone(),
        history: history
            .iter()
            .map(|e| HistoryEntry {
                at: rfc3339(e.at),
                step: e.step.clone(),
                state: e.state,
                state_persian: e.state.persian().into(),
                by: e.by.clone(),
                reason: e.reason.clone(),
                grounds: e.grounds.iter().copied().map(GroundEntry::of).collect(),
            })
            .collect(),
    })
}

/// A registration's status and history, public with the applicant's national id (a wrong one
/// is answered as not found). Posted, so that the national id stays out of addresses, logs
/// and browser histories (issue 15).
#[utoipa::path(post, path = "/api/v1/registrations/{tracking_code}/lookup", tag = "candidates",
    params(("tracking_code" = String, Path, description = "The tracking code given on filing")),
    request_body = ApplicantLookup,
    responses((status = 200, body = Status), (status = 404),
        (status = 422, description = "`invalid_national_id`")))]
pub async fn status(
    State(state): State<AppState>,
    ApiPath(tracking_code): ApiPath<String>,
    ApiJson(query): ApiJson<ApplicantLookup>,
) -> Result<Json<Status>, ApiError> {
    let (registration, history) = state
        .app
        .registrations()
        .applicants_file(&tracking_code, &query.national_id)
        .await?;
    Ok(Json(status_of(&state, &registration, &history).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct StepRequest {
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub action: VettingAction,
    /// For the applicant's own steps (`object`, `withdraw`): a proof of their national id
    /// (`POST /api/v1/identity/proofs`, purpose `applicant`), spent on the step.
    pub identity_proof: Option<String>,
}

/// One of a file's standard inquiries.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InquiryEntry {
    /// `judiciary`, `police`, `civil_registration` or `intelligence`.
    #[schema(value_type = String)]
    pub authority: domain::inquiry::Authority,
    pub authority_persian: String,
    /// `clear` or `adverse`; absent while pending.
    #[schema(value_type = Option<String>)]
    pub answer: Option<domain::inquiry::Answer>,
    /// The answer in Persian («در انتظار پاسخ» while pending).
    pub answer_persian: String,
    pub note: String,
    /// When the answer was recorded.
    pub answered_at: Option<String>,
}

/// A file's four standard inquiries, in order; a board decides once none is pending.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Inquiries {
    pub items: Vec<InquiryEntry>,
    /// Whether any is still pending.
    pub pending: bool,
}

fn inquiries_of(list: &[domain::inquiry::Inquiry]) -> Inquiries {
    Inquiries {
        items: list
            .iter()
            .map(|i| InquiryEntry {
                authority: i.authority,
                authority_persian: i.authority.persian().into(),
                answer: i.answer.as_ref().map(|a| a.answer),
                answer_persian: i
                    .answer
                    .as_ref()
                    .map_or("در انتظار پاسخ", |a| a.answer.persian())
                    .into(),
                note: i
                    .answer
                    .as_ref()
                    .map(|a| a.note.clone())
                    .unwrap_or_default(),
                answered_at: i.answer.as_ref().map(|a| rfc3339(a.answered_at)),
            })
            .collect(),
        pending: list.iter().any(|i| i.answer.is_none()),
    }
}

/// A file's standard inquiries (judiciary, police, civil registration, intelligence), for
/// those who see the county's registrations.
#[utoipa::path(get, path = "/api/v1/registrations/{tracking_code}/inquiries", tag = "candidates",
    params(("tracking_code" = String, Path, description = "The registration's tracking code")),
    responses((status = 200, body = Inquiries), (status = 403), (status = 404)))]
pub async fn inquiries(
    Visit { state, auth }: Visit,
    ApiPath(tracking_code): ApiPath<String>,
) -> Result<Json<Inquiries>, ApiError> {
    let list = state
        .app
        .vetting()
        .inquiries(auth.principal(), &tracking_code)
        .await?;
    Ok(Json(inquiries_of(&list)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InquiryRequest {
    /// `judiciary`, `police`, `civil_registration` or `intelligence`.
    #[schema(value_type = String)]
    pub authority: domain::inquiry::Authority,
    /// `clear` («فاقد سابقه»، «بلامانع») or `adverse` («دارای سابقه»).
    #[schema(value_type = String)]
    pub answer: domain::inquiry::Answer,
    /// What the answer says (an adverse answer's record, the letter's number…).
    #[serde(default)]
    pub note: String,
}

/// Records a standard inquiry's answer on a file, dated now: the county's executive board or
/// supervision board. Each body answers once; a closed file (approved, finally rejected,
/// withdrawn) takes no answer.
#[utoipa::path(post, path = "/api/v1/registrations/{tracking_code}/inquiries", tag = "candidates",
    params(("tracking_code" = String, Path, description = "The registration's tracking code")),
    request_body = InquiryRequest,
    responses((status = 200, body = Inquiries), (status = 403), (status = 404),
        (status = 409, description = "`inquiry_answered`, `illegal_transition`")))]
pub async fn record_inquiry(
    Visit { state, auth }: Visit,
    ApiPath(tracking_code): ApiPath<String>,
    ApiJson(body): ApiJson<InquiryRequest>,
) -> Result<Json<Inquiries>, ApiError> {
    let list = state
        .app
        .vetting()
        .record_inquiry(
            auth.principal(),
            &tracking_code,
            body.authority,
            body.answer,
            &body.note,
        )
        .await?;
    Ok(Json(inquiries_of(&list)))
}

/// Takes a vetting step. The applicant objects or withdraws without an account but with a
/// proof of their national id (a one-time code to the registry's mobile number); the boards
/// sign in: a county's executive board reviews, its supervision board decides and hears the
/// first objection, the province's supervision board the second.
#[utoipa::path(post, path = "/api/v1/registrations/{tracking_code}/steps", tag = "candidates",
    params(("tracking_code" = String, Path, description = "The registration's tracking code")),
    request_body = StepRequest,
    responses((status = 200, body = Status),
        (status = 403, description = "`identity_not_verified`, `proof_spent`, `wrong_proof`"),
        (status = 409, description = "`illegal_transition`, `wrong_reviewer`, `objection_too_late`, `withdrawal_closed`, `inquiries_pending`"),
        (status = 422, description = "`reason_required`, `rejection_ground_required`")))]
pub async fn step(
    Visit { state, auth }: Visit,
    ApiPath(tracking_code): ApiPath<String>,
    ApiJson(body): ApiJson<StepRequest>,
) -> Result<Json<Status>, ApiError> {
    let (registration, history) = state
        .app
        .vetting()
        .take_step(
            auth.principal(),
            &tracking_code,
            &body.action,
            body.identity_proof.as_deref(),
        )
        .await?;
    Ok(Json(status_of(&state, &registration, &history).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    pub county: Option<String>,
    pub council: Option<String>,
    /// A vetting state (`submitted`, `approved`, …).
    pub state: Option<String>,
    /// A tracking code or national id by its first digits (in any script), or a part of the
    /// applicant's name (spaces and ZWNJs not compared).
    pub q: Option<String>,
    /// `filed` (the default), `tracking`, `name` or `council`, `-` first for descending.
    pub sort: Option<String>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ListedRegistration {
    pub tracking_code: String,
    pub national_id: String,
    pub first_name: String,
    pub last_name: String,
    pub council: String,
    pub council_name: String,
    pub county: String,
    #[schema(value_type = String)]
    pub state: VettingState,
    pub state_persian: String,
    pub submitted_at: String,
    pub deadline: Option<String>,
    pub overdue: bool,
    pub candidate_code: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RegistrationPage {
    pub items: Vec<ListedRegistration>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

/// Registrations in filing order (or sorted by `sort`), searched by `q`, for the boards, the
/// governors and the HQ: a county-scoped user sees their county's only.
#[utoipa::path(get, path = "/api/v1/registrations", tag = "candidates", params(ListQuery),
    responses((status = 200, body = RegistrationPage), (status = 403)))]
pub async fn list(
    Visit { state, auth }: Visit,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<RegistrationPage>, ApiError> {
    let state_filter = match query.state.as_deref() {
        Some(s) => {
            Some(VettingState::parse(s).ok_or_else(|| ApiError::InvalidQuery(s.to_owned()))?)
        }
        None => None,
    };
    let listed = state
        .app
        .vetting()
        .list(
            auth.principal(),
            app::vetting::ListQuery {
                county: query.county,
                council: query.council,
                state: state_filter,
                search: query
                    .q
                    .as_deref()
                    .and_then(store::RegistrationSearch::parse),
                sort: query
                    .sort
                    .as_deref()
                    .and_then(store::Sort::parse)
                    .unwrap_or_default(),
                page: crate::api::page_request(query.page, query.per_page),
            },
        )
        .await?;
    let opens = state.app.registrations().vetting_opens().await?;
    let now = state.now();
    let page = listed.page;
    Ok(Json(RegistrationPage {
        items: page
            .items
            .iter()
            .map(|r| ListedRegistration {
                tracking_code: r.tracking_code.clone(),
                national_id: r.application.national_id.to_string(),
                first_name: r.application.first_name.clone(),
                last_name: r.application.last_name.clone(),
                council: r.application.council.clone(),
                council_name: r.council_name.clone(),
                county: r.county_code.clone(),
                state: r.vetting.state,
                state_persian: r.vetting.state.persian().into(),
                submitted_at: rfc3339(r.vetting.submitted_at),
                deadline: r.vetting.deadline(opens).map(rfc3339),
                overdue: r.vetting.is_overdue(opens, now),
                candidate_code: r.candidate_code.clone(),
            })
            .collect(),
        total: page.total,
        page: page.page,
        per_page: page.per_page,
    }))
}
