//! Certification and complaints (issue 18 §5): a council's result approved by the county's
//! executive board, confirmed by the supervision board, published, reopened with a reason; and
//! candidates' complaints, decided by the county's supervision board, objected to, heard by the
//! province's. The use cases are `app::results::certify` and `app::complaints`.

use crate::api::registrations::rfc3339;
use crate::api::{ApiJson, ApiPath};
use crate::auth::Visit;
use crate::ApiError;
use app::complaints::{Complaints, Filing};
use axum::http::StatusCode;
use axum::Json;
use domain::results::certification::Step;
use domain::results::complaints::{Hearing, Outcome};
use serde::{Deserialize, Serialize};
use store::certifications::CertificationStep;
use store::complaints::Complaint;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StepAnswer {
    pub step: Step,
    /// The digest of the result the step certified.
    pub digest: String,
    pub reason: Option<String>,
    pub at: String,
    /// An approval that drew the lottery's seed: the seed's SHA-256 commitment (the seed is
    /// revealed on the council's result once confirmed).
    pub lottery_commitment: Option<String>,
}

impl From<&CertificationStep> for StepAnswer {
    fn from(kept: &CertificationStep) -> Self {
        Self {
            lottery_commitment: kept
                .lottery_seed
                .as_deref()
                .and_then(domain::results::lottery::parse_seed)
                .map(|seed| domain::results::lottery::commitment(&seed)),
            step: kept.step,
            digest: kept.digest.clone(),
            reason: kept.reason.clone(),
            at: rfc3339(kept.at),
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificationStepRequest {
    pub step: Step,
    /// Required to reopen (at most 1000 characters); optional otherwise.
    #[serde(default)]
    pub reason: String,
}

/// Takes a certification step on a council's result: `approve` (the county's executive board,
/// once every station reported), `confirm` (the supervision board, no complaint pending, the
/// result unchanged since approval), `publish` (the province), `reopen` (the supervision
/// board, with a reason).
#[utoipa::path(post, path = "/api/v1/results/{council}/certification", tag = "results",
    params(("council" = String, Path, description = "Council code")),
    request_body = CertificationStepRequest,
    responses((status = 201, body = StepAnswer), (status = 403),
        (status = 404, description = "`not_found`: no such council"),
        (status = 409, description = "`result_incomplete`, `result_step_out_of_order`, `complaints_pending`, `result_changed_since_approval`"),
        (status = 422, description = "`certification_reason_length`")))]
pub async fn certify(
    Visit { state, auth }: Visit,
    ApiPath(council): ApiPath<String>,
    ApiJson(body): ApiJson<CertificationStepRequest>,
) -> Result<(StatusCode, Json<StepAnswer>), ApiError> {
    let kept = state
        .app
        .results()
        .certify(auth.principal(), &council, body.step, &body.reason)
        .await?;
    Ok((StatusCode::CREATED, Json(StepAnswer::from(&kept))))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RulingAnswer {
    /// `rejected`, `annulled`, `recount_ordered`; or `upheld`, `overturned`.
    pub ruling: String,
    pub reason: String,
    pub at: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ComplaintAnswer {
    pub id: i64,
    pub council: String,
    pub station: Option<String>,
    /// The complaining candidate's code.
    pub candidate: String,
    /// The complaint's text: for the boards that rule on it only, else `null`.
    pub text: Option<String>,
    pub filed_at: String,
    pub pending: bool,
    pub decision: Option<RulingAnswer>,
    pub objected_at: Option<String>,
    pub hearing: Option<RulingAnswer>,
}

fn answer(complaint: Complaint, text: bool) -> ComplaintAnswer {
    ComplaintAnswer {
        pending: complaint.pending(),
        id: complaint.id,
        council: complaint.council,
        station: complaint.station,
        candidate: complaint.candidate,
        text: text.then_some(complaint.text),
        filed_at: rfc3339(complaint.filed_at),
        decision: complaint.decision.map(|d| RulingAnswer {
            ruling: d.what.as_str().to_owned(),
            reason: d.reason,
            at: rfc3339(d.at),
        }),
        objected_at: complaint.objection.map(|(_, at)| rfc3339(at)),
        hearing: complaint.hearing.map(|h| RulingAnswer {
            ruling: h.what.as_str().to_owned(),
            reason: h.reason,
            at: rfc3339(h.at),
        }),
    }
}

/// Every complaint about a council's result, newest first (public: its council, station,
/// candidate, where it stands and the boards' reasons; its text only for the boards that rule
/// on it).
#[utoipa::path(get, path = "/api/v1/results/complaints", tag = "results",
    responses((status = 200, body = Vec<ComplaintAnswer>)))]
pub async fn list(Visit { state, auth }: Visit) -> Result<Json<Vec<ComplaintAnswer>>, ApiError> {
    let complaints = state.app.complaints().list().await?;
    let mut out = Vec::with_capacity(complaints.len());
    for complaint in complaints {
        let county = state
            .app
            .lookups()
            .council(&complaint.council)
            .await?
            .county_code;
        let text = Complaints::may_read_text(auth.principal(), &county);
        out.push(answer(complaint, text));
    }
    Ok(Json(out))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FilingRequest {
    /// The candidate's registration tracking code.
    pub tracking_code: String,
    pub national_id: String,
    pub council: String,
    /// A station of the council, for a complaint about it.
    #[serde(default)]
    pub station: Option<String>,
    /// 10 to 2000 characters.
    pub text: String,
}

/// Files a candidate's complaint about their council's result or one of its stations, within
/// the complaints window (public: the candidate's tracking code and national id).
#[utoipa::path(post, path = "/api/v1/results/complaints", tag = "results",
    request_body = FilingRequest,
    responses((status = 201, body = ComplaintAnswer),
        (status = 404, description = "`not_found`: no such council"),
        (status = 409, description = "`complaint_outside_window`, `complaint_not_a_candidate`, `complaint_station_not_in_council`, `complaint_already_filed`"),
        (status = 429, description = "`too_many_attempts`: this network's attempts at this tracking code"),
        (status = 422, description = "`complaint_text_length`")))]
pub async fn file(
    Visit { state, .. }: Visit,
    client: crate::auth::ClientIp,
    ApiJson(body): ApiJson<FilingRequest>,
) -> Result<(StatusCode, Json<ComplaintAnswer>), ApiError> {
    crate::auth::allow_candidate_act(&state, &client, &body.tracking_code)?;
    let filed = state
        .app
        .complaints()
        .file(&Filing {
            tracking_code: body.tracking_code,
            national_id: body.national_id,
            council: body.council,
            station: body.station,
            text: body.text,
        })
        .await?;
    Ok((StatusCode::CREATED, Json(answer(filed, true))))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComplaintDecisionRequest {
    pub outcome: Outcome,
    pub reason: String,
}

/// The county supervision board's decision on a complaint, with its reason; `annulled` annuls
/// the station's box in the same transaction.
#[utoipa::path(post, path = "/api/v1/results/complaints/{id}/decision", tag = "results",
    params(("id" = i64, Path, description = "Complaint id")),
    request_body = ComplaintDecisionRequest,
    responses((status = 200, body = ComplaintAnswer), (status = 403),
        (status = 404, description = "`not_found`: no such complaint"),
        (status = 409, description = "`complaint_already_decided`, `station_already_annulled`"),
        (status = 422, description = "`complaint_reason_length`, `complaint_no_station_to_annul`")))]
pub async fn decide(
    Visit { state, auth }: Visit,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ComplaintDecisionRequest>,
) -> Result<Json<ComplaintAnswer>, ApiError> {
    let decided = state
        .app
        .complaints()
        .decide(auth.principal(), id, body.outcome, &body.reason)
        .await?;
    Ok(Json(answer(decided, true)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectionRequest {
    pub tracking_code: String,
    pub national_id: String,
    pub text: String,
}

/// The complaining candidate's objection to the county board's decision, within the window's
/// length from it (public: the candidate's tracking code and national id).
#[utoipa::path(post, path = "/api/v1/results/complaints/{id}/objection", tag = "results",
    params(("id" = i64, Path, description = "Complaint id")),
    request_body = ObjectionRequest,
    responses((status = 200, body = ComplaintAnswer),
        (status = 404, description = "`not_found`: no such complaint"),
        (status = 409, description = "`complaint_not_a_candidate`, `complaint_not_decided`, `complaint_already_objected`, `objection_outside_window`"),
        (status = 429, description = "`too_many_attempts`: this network's attempts at this tracking code"),
        (status = 422, description = "`complaint_text_length`")))]
pub async fn object(
    Visit { state, .. }: Visit,
    client: crate::auth::ClientIp,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ObjectionRequest>,
) -> Result<Json<ComplaintAnswer>, ApiError> {
    crate::auth::allow_candidate_act(&state, &client, &body.tracking_code)?;
    let objected = state
        .app
        .complaints()
        .object(id, (&body.tracking_code, &body.national_id), &body.text)
        .await?;
    Ok(Json(answer(objected, true)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HearingRequest {
    pub hearing: Hearing,
    pub reason: String,
}

/// The province supervision board's hearing of an objection, with its reason.
#[utoipa::path(post, path = "/api/v1/results/complaints/{id}/hearing", tag = "results",
    params(("id" = i64, Path, description = "Complaint id")),
    request_body = HearingRequest,
    responses((status = 200, body = ComplaintAnswer), (status = 403),
        (status = 404, description = "`not_found`: no such complaint"),
        (status = 409, description = "`complaint_not_objected`, `objection_already_heard`"),
        (status = 422, description = "`complaint_reason_length`")))]
pub async fn hear(
    Visit { state, auth }: Visit,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<HearingRequest>,
) -> Result<Json<ComplaintAnswer>, ApiError> {
    let heard = state
        .app
        .complaints()
        .hear(auth.principal(), id, body.hearing, &body.reason)
        .await?;
    Ok(Json(answer(heard, true)))
}
