use crate::api::ApiPath;
use crate::auth::Visit;
use crate::ApiError;
use axum::Json;
use store::{CountySummary, Page};

/// The counties the caller may see, with their figures.
#[utoipa::path(get, path = "/api/v1/counties", tag = "geography",
    responses((status = 200, body = Page<CountySummary>), (status = 401), (status = 403)))]
pub async fn list(Visit { state, auth }: Visit) -> Result<Json<Page<CountySummary>>, ApiError> {
    let items = state.app.lookups().counties(auth.principal()).await?;
    let total = items.len() as i64;
    Ok(Json(Page {
        per_page: items.len().max(1) as u32,
        items,
        total,
        page: 1,
    }))
}

/// One county and its figures.
#[utoipa::path(get, path = "/api/v1/counties/{code}", tag = "geography", params(("code" = String, Path, description = "county code")),
    responses((status = 200, body = CountySummary), (status = 403), (status = 404)))]
pub async fn show(
    Visit { state, auth }: Visit,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<CountySummary>, ApiError> {
    let lookups = state.app.lookups();
    Ok(Json(lookups.visible_county(auth.principal(), &code).await?))
}
