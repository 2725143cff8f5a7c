//! Station minutes (issue 18 §2): drawn up from a closed station's count, signed or refused by
//! the holders of its signing posts (each with the key their browser made), public with every
//! signer's key; and the officials' signing keys, confirmed by the county's governor. The use
//! cases are `app::minutes`.

use crate::api::{ApiJson, ApiPath, ApiQuery};
use crate::auth::Visit;
use crate::{ApiError, AppState};
use app::minutes::{published_key, published_version, MarkRequest, MinutesFile};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use domain::results::minutes::qr_payload;
use domain::results::published_minutes::{PublishedKey, PublishedVersion};
use domain::staffing::Post;
use serde::{Deserialize, Serialize};
use store::minutes::{KeptMinutes, SigningKey};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MinutesVersionAnswer {
    #[serde(flatten)]
    pub version: PublishedVersion,
    /// What the posted sheet's QR code holds: the text and every mark.
    pub qr: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MinutesAnswer {
    pub station: String,
    pub name: String,
    pub county: String,
    /// The signing posts the current version's roster names (who is to sign it).
    pub signers: Vec<Post>,
    /// The current version's signing state: every post of its roster signed or refused, and
    /// one signature at least.
    pub fully_signed: bool,
    /// Staffed posts that have neither signed nor refused the current version.
    pub missing: Vec<Post>,
    /// Oldest first; the last is current. Empty until the minutes are drawn up.
    pub versions: Vec<MinutesVersionAnswer>,
}

fn answer(file: &MinutesFile) -> MinutesAnswer {
    let state = file.state().unwrap_or_default();
    MinutesAnswer {
        station: file.station.code.clone(),
        name: file.station.name.clone(),
        county: file.station.county_code.clone(),
        signers: file
            .current()
            .map(|kept| kept.minutes.roster())
            .unwrap_or_default(),
        fully_signed: state.fully_signed(),
        missing: state.missing,
        versions: file.versions.iter().map(version).collect(),
    }
}

fn version(kept: &KeptMinutes) -> MinutesVersionAnswer {
    MinutesVersionAnswer {
        version: published_version(kept),
        qr: qr_payload(&kept.minutes, &kept.marks()),
    }
}

/// After a write, the station's minutes as they now stand.
async fn after(state: &AppState, station: &str) -> Result<MinutesAnswer, ApiError> {
    Ok(answer(&state.app.minutes().file(station).await?))
}

/// A station's minutes (public): every version's canonical text, its digest, its marks and
/// its QR code's payload, and whether the current one is fully signed.
#[utoipa::path(get, path = "/api/v1/results/stations/{code}/minutes", tag = "results",
    params(("code" = String, Path, description = "Station code")),
    responses((status = 200, body = MinutesAnswer),
        (status = 404, description = "`not_found`: no such station")))]
pub async fn show(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<MinutesAnswer>, ApiError> {
    Ok(Json(after(&state, &code).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DrawRequest {
    /// What the officials record of the day (one line, at most 300 characters).
    #[serde(default)]
    pub remarks: String,
    /// Required for a new version of minutes already drawn: why they are corrected.
    #[serde(default)]
    pub reason: Option<String>,
}

/// Draws up a closed, counted station's minutes from its decrypted count, or (with a reason)
/// a corrected version; the signed versions stay as they were. The station's staff, the
/// county's governor or the province HQ.
#[utoipa::path(post, path = "/api/v1/stations/{code}/minutes", tag = "results",
    params(("code" = String, Path, description = "Station code")),
    request_body = DrawRequest,
    responses((status = 201, body = MinutesAnswer), (status = 403),
        (status = 404, description = "`not_found`: no such station"),
        (status = 409, description = "`minutes_not_counted`, `minutes_unchanged`"),
        (status = 422, description = "`minutes_correction_needs_reason`, `minutes_remarks_too_long`, `minutes_reason_length`")))]
pub async fn draw(
    Visit { state, auth }: Visit,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<DrawRequest>,
) -> Result<(StatusCode, Json<MinutesAnswer>), ApiError> {
    state
        .app
        .minutes()
        .draw(
            auth.principal(),
            &code,
            &body.remarks,
            body.reason.as_deref(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(after(&state, &code).await?)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignRequest {
    /// The Ed25519 signature over the version's canonical text, 64 bytes as base64url.
    pub signature: String,
}

/// Signs a version of the station's minutes as the signer's post there, with their confirmed
/// key: the signature must verify over the version's canonical text. Signing an older version,
/// twice, or without a post at the station is refused and nothing is written.
#[utoipa::path(post, path = "/api/v1/stations/{code}/minutes/{version}/signatures", tag = "results",
    params(("code" = String, Path, description = "Station code"),
        ("version" = u32, Path, description = "The version signed")),
    request_body = SignRequest,
    responses((status = 200, body = MinutesAnswer), (status = 403),
        (status = 404, description = "`not_found`: no such station"),
        (status = 409, description = "`minutes_not_drawn`, `minutes_superseded`, `not_a_signer`, `already_signed`, `no_signing_key`"),
        (status = 422, description = "`bad_signature`")))]
pub async fn sign(
    Visit { state, auth }: Visit,
    ApiPath((code, number)): ApiPath<(String, u32)>,
    ApiJson(body): ApiJson<SignRequest>,
) -> Result<Json<MinutesAnswer>, ApiError> {
    let visit = Visit { state, auth };
    marked(&visit, &code, number, MarkRequest::Sign(body.signature)).await
}

/// Keeps a signature or a refusal; the station's minutes as they then stand.
async fn marked(
    visit: &Visit,
    code: &str,
    number: u32,
    request: MarkRequest,
) -> Result<Json<MinutesAnswer>, ApiError> {
    visit
        .state
        .app
        .minutes()
        .mark(visit.auth.principal(), code, number, &request)
        .await?;
    Ok(Json(after(&visit.state, code).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefuseRequest {
    /// Why the signer does not sign (required, at most 1000 characters).
    pub reason: String,
}

/// Records that the signer refuses to sign a version, with their reason: the refusal is shown
/// and does not block the minutes.
#[utoipa::path(post, path = "/api/v1/stations/{code}/minutes/{version}/refusals", tag = "results",
    params(("code" = String, Path, description = "Station code"),
        ("version" = u32, Path, description = "The version refused")),
    request_body = RefuseRequest,
    responses((status = 200, body = MinutesAnswer), (status = 403),
        (status = 404, description = "`not_found`: no such station"),
        (status = 409, description = "`minutes_not_drawn`, `minutes_superseded`, `not_a_signer`, `already_signed`, `no_signing_key`"),
        (status = 422, description = "`minutes_reason_length`")))]
pub async fn refuse(
    Visit { state, auth }: Visit,
    ApiPath((code, number)): ApiPath<(String, u32)>,
    ApiJson(body): ApiJson<RefuseRequest>,
) -> Result<Json<MinutesAnswer>, ApiError> {
    let visit = Visit { state, auth };
    marked(&visit, &code, number, MarkRequest::Refuse(body.reason)).await
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SigningKeyAnswer {
    #[serde(flatten)]
    pub key: PublishedKey,
    /// The account that registered it.
    pub username: String,
    /// `pending`, `confirmed` or `revoked`.
    pub state: &'static str,
}

fn key_answer(key: &SigningKey) -> SigningKeyAnswer {
    SigningKeyAnswer {
        key: published_key(key),
        username: key.username.clone(),
        state: key.state().as_str(),
    }
}

/// Every official's signing key (public): the person it names, its county, when it was
/// confirmed and revoked. An observer checks a posted sheet's signatures against these.
#[utoipa::path(get, path = "/api/v1/results/signing-keys", tag = "results",
    responses((status = 200, body = Vec<PublishedKey>)))]
pub async fn published(State(state): State<AppState>) -> Result<Json<Vec<PublishedKey>>, ApiError> {
    let keys = state.app.minutes().published_keys().await?;
    Ok(Json(keys.iter().map(published_key).collect()))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterKeyRequest {
    /// The official's own national id: they must hold a signing post at a station.
    pub national_id: String,
    /// The Ed25519 public key their browser made, 32 bytes as base64url.
    pub public_key: String,
}

/// Registers the signed-in official's signing key, pending the county governor's confirmation.
#[utoipa::path(post, path = "/api/v1/signing-keys", tag = "results",
    request_body = RegisterKeyRequest,
    responses((status = 201, body = SigningKeyAnswer), (status = 403),
        (status = 409, description = "`duplicate`: the key is registered already; `signing_key_exists`, `no_signing_post`"),
        (status = 422, description = "`invalid_field`, `bad_public_key`")))]
pub async fn register(
    Visit { state, auth }: Visit,
    ApiJson(body): ApiJson<RegisterKeyRequest>,
) -> Result<(StatusCode, Json<SigningKeyAnswer>), ApiError> {
    let key = state
        .app
        .minutes()
        .register_key(auth.principal(), &body.national_id, &body.public_key)
        .await?;
    Ok((StatusCode::CREATED, Json(key_answer(&key))))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KeysQuery {
    /// A county's code; without it, every county (the province HQ).
    pub county: Option<String>,
}

/// The signing keys of a county, newest first, with the accounts that registered them: the
/// county's governor or the province HQ.
#[utoipa::path(get, path = "/api/v1/signing-keys", tag = "results", params(KeysQuery),
    responses((status = 200, body = Vec<SigningKeyAnswer>), (status = 403)))]
pub async fn list(
    Visit { state, auth }: Visit,
    ApiQuery(q): ApiQuery<KeysQuery>,
) -> Result<Json<Vec<SigningKeyAnswer>>, ApiError> {
    let county = q.county.filter(|c| !c.trim().is_empty());
    let keys = state
        .app
        .minutes()
        .keys(auth.principal(), county.as_deref())
        .await?;
    Ok(Json(keys.iter().map(key_answer).collect()))
}

/// Confirms a pending signing key of the governor's county.
#[utoipa::path(post, path = "/api/v1/signing-keys/{id}/confirm", tag = "results",
    params(("id" = i64, Path, description = "The key's number")),
    responses((status = 200, body = SigningKeyAnswer), (status = 403), (status = 404),
        (status = 409, description = "`signing_key_not_pending`")))]
pub async fn confirm(
    Visit { state, auth }: Visit,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<SigningKeyAnswer>, ApiError> {
    let key = state
        .app
        .minutes()
        .step_key(auth.principal(), id, true)
        .await?;
    Ok(Json(key_answer(&key)))
}

/// Revokes a signing key of the governor's county: signatures made with it from now on are
/// refused; those made before stay valid.
#[utoipa::path(post, path = "/api/v1/signing-keys/{id}/revoke", tag = "results",
    params(("id" = i64, Path, description = "The key's number")),
    responses((status = 200, body = SigningKeyAnswer), (status = 403), (status = 404),
        (status = 409, description = "`signing_key_revoked`")))]
pub async fn revoke(
    Visit { state, auth }: Visit,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<SigningKeyAnswer>, ApiError> {
    let key = state
        .app
        .minutes()
        .step_key(auth.principal(), id, false)
        .await?;
    Ok(Json(key_answer(&key)))
}
