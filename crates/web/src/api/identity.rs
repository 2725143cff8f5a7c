//! Proving one's national id without an account (`app::identity`): a one-time code to the
//! mobile number the people registry holds, entered back for a proof that pays for one filing
//! or one step on one's own file; and the filings made in one's name, found with a proof.

use crate::api::registrations::{rfc3339, status_of, Status};
use crate::api::ApiJson;
use crate::auth::ClientIp;
use crate::{ApiError, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use domain::identity::Purpose;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    pub national_id: String,
    /// Jalali (`1360/05/12`) or ISO (`1981-08-03`).
    pub birth_date: String,
    pub father_name: String,
    /// `register` (to file a candidacy) or `applicant` (to find, object to or withdraw the
    /// filings in one's name).
    pub purpose: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CodeSent {
    /// Enter the code against this (keep it: it becomes the proof).
    pub challenge: String,
    /// The registry's mobile number, masked.
    pub sent_to: String,
    pub expires_at: String,
}

/// Sends a one-time code to the mobile number the registry holds for this national id, if the
/// birth date and father's name are the registry's. Public; counted per national id and per
/// client address (failed look-ups too).
#[utoipa::path(post, path = "/api/v1/identity/codes", tag = "identity",
    request_body = CodeRequest,
    responses((status = 201, body = CodeSent),
        (status = 422, description = "`identity_mismatch`, `no_mobile_on_file`, `invalid_national_id`, `invalid_field`"),
        (status = 429, description = "`code_requested_too_soon`, `too_many_codes`"),
        (status = 503, description = "`sms_unavailable`")))]
pub async fn send_code(
    State(state): State<AppState>,
    client: ClientIp,
    ApiJson(body): ApiJson<CodeRequest>,
) -> Result<(StatusCode, Json<CodeSent>), ApiError> {
    let request = app::identity::CodeRequest {
        national_id: body.national_id,
        birth_date: body.birth_date,
        father_name: body.father_name,
        purpose: Purpose::parse(&body.purpose),
    };
    let sent = state
        .app
        .identity()
        .send_code(&request, &client.network())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CodeSent {
            challenge: sent.challenge,
            sent_to: sent.sent_to,
            expires_at: rfc3339(sent.expires_at),
        }),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeEntry {
    pub challenge: String,
    /// The six digits received (Persian or Latin).
    pub code: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Proof {
    /// Send it as `identity_proof` with the filing (purpose `register`) or the step (purpose
    /// `applicant`); good once, until `valid_until`.
    pub identity_proof: String,
    pub national_id: String,
    pub purpose: String,
    pub valid_until: String,
}

/// Enters a one-time code. A wrong one is counted; a few close the challenge.
#[utoipa::path(post, path = "/api/v1/identity/proofs", tag = "identity",
    request_body = CodeEntry,
    responses((status = 201, body = Proof),
        (status = 422, description = "`wrong_code`, `code_expired`, `too_many_attempts`, `unknown_challenge`"),
        (status = 403, description = "`proof_spent`: the code was entered already")))]
pub async fn verify(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<CodeEntry>,
) -> Result<(StatusCode, Json<Proof>), ApiError> {
    let proven = state
        .app
        .identity()
        .verify(&body.challenge, &body.code)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(Proof {
            identity_proof: proven.proof,
            national_id: proven.national_id.as_str().to_owned(),
            purpose: proven.purpose.as_str().to_owned(),
            valid_until: rfc3339(proven.valid_until),
        }),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProofOnly {
    /// A proof of purpose `applicant`.
    pub identity_proof: String,
}

/// The filings of this election made in the proven person's name, with their status: a filing
/// made by someone else in one's name is found here, and may be withdrawn or objected to with
/// another proof. The proof is not spent by looking.
#[utoipa::path(post, path = "/api/v1/identity/registrations", tag = "identity",
    request_body = ProofOnly,
    responses((status = 200, body = Vec<Status>),
        (status = 403, description = "`identity_not_verified`, `proof_spent`, `wrong_proof`")))]
pub async fn mine(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<ProofOnly>,
) -> Result<Json<Vec<Status>>, ApiError> {
    let (_, files) = state.app.registrations().mine(&body.identity_proof).await?;
    let mut statuses = Vec::with_capacity(files.len());
    for (registration, history) in &files {
        statuses.push(status_of(&state, registration, history).await?);
    }
    Ok(Json(statuses))
}
