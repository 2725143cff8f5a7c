use crate::{ApiError, AppState};
use axum::extract::State;
use axum::Json;
use serde::Serialize;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    status: &'static str,
    backend: &'static str,
}

/// Liveness and storage check; public.
#[utoipa::path(get, path = "/healthz", tag = "system", responses((status = 200, body = Health), (status = 500)))]
pub async fn health(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    let backend = state.app.ping().await?;
    Ok(Json(Health {
        status: "ok",
        backend,
    }))
}
