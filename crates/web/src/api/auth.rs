use crate::api::ApiJson;
use crate::auth::{Auth, ClientIp};
use crate::{ApiError, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use domain::access::{Action, Principal, Role, Scope};
use serde::{Deserialize, Serialize};

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    username: String,
    password: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    token: String,
    role: Role,
    scope: Scope,
    #[serde(with = "time::serde::rfc3339")]
    expires_at: time::OffsetDateTime,
}

/// Logs in and returns a bearer token. A disabled account is refused like a wrong password.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401), (status = 429),
        (status = 503, description = "`busy`: too many passwords are being checked; try again after `Retry-After` seconds")))]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<LoginRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    let done = crate::auth::login(&state, &body.username, &body.password, ip).await?;
    Ok(Json(LoginResponse {
        token: done.token,
        role: done.principal.role,
        scope: done.principal.scope,
        expires_at: done.expires_at,
    }))
}

/// Ends the session of the token used.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", responses((status = 204), (status = 401)))]
pub async fn logout(State(state): State<AppState>, auth: Auth) -> Result<StatusCode, ApiError> {
    let session = auth.0.as_ref().ok_or_else(ApiError::unauthenticated)?;
    crate::auth::end_session(&state, session).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who the token belongs to.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", responses((status = 200, body = Principal), (status = 401)))]
pub async fn me(auth: Auth) -> Result<Json<Principal>, ApiError> {
    Ok(Json(auth.require(Action::ViewElection)?.clone()))
}
