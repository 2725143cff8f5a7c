use crate::api::{ApiJson, ApiPath};
use crate::auth::Visit;
use crate::ApiError;
use axum::Json;
use domain::election::{Election, SeatTable};
use serde::Serialize;

/// The current election: its timeline and seat table.
#[utoipa::path(get, path = "/api/v1/elections/current", tag = "elections", responses((status = 200, body = Election), (status = 404)))]
pub async fn current(Visit { state, auth }: Visit) -> Result<Json<Election>, ApiError> {
    let current = state.app.lookups().election(auth.principal()).await?;
    current
        .map(Json)
        .ok_or(ApiError::not_found(store::Entity::Election))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SeatTableChanged {
    councils_changed: u64,
}

/// Replaces the election's seat table and recomputes every council's seats (province HQ only).
#[utoipa::path(put, path = "/api/v1/elections/{code}/seat-table", tag = "elections", request_body = SeatTable,
    params(("code" = String, Path, description = "election code")),
    responses((status = 200, body = SeatTableChanged), (status = 403), (status = 422)))]
pub async fn set_seat_table(
    Visit { state, auth }: Visit,
    ApiPath(code): ApiPath<String>,
    ApiJson(table): ApiJson<SeatTable>,
) -> Result<Json<SeatTableChanged>, ApiError> {
    let councils_changed = state
        .app
        .elections()
        .set_seat_table(auth.principal(), &code, &table)
        .await?;
    Ok(Json(SeatTableChanged { councils_changed }))
}
