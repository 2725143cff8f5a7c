use crate::api::{page_request, ApiQuery};
use crate::auth::Auth;
use crate::{ApiError, AppState};
use app::lookups::list_county;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use store::{CountyCoverage, Page, StaffConflict, StationGap};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CoverageQuery {
    /// One county; without it, every county the caller may see.
    county: Option<String>,
}

/// Staffing coverage per county: stations by type, with all five branch members, with a
/// governor's representative, with an inspector.
#[utoipa::path(get, path = "/api/v1/coverage", tag = "staffing", params(CoverageQuery),
    responses((status = 200, body = Vec<CountyCoverage>), (status = 403)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<CoverageQuery>,
) -> Result<Json<Vec<CountyCoverage>>, ApiError> {
    let county = list_county(auth.principal(), q.county)?;
    Ok(Json(state.app.cached().coverage(county.as_deref()).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GapsQuery {
    county: Option<String>,
    page: Option<u32>,
    per_page: Option<u32>,
}

/// A county's open stations with unheld posts.
#[utoipa::path(get, path = "/api/v1/coverage/gaps", tag = "staffing", params(GapsQuery),
    responses((status = 200, body = Page<StationGap>), (status = 403),
        (status = 422, description = "`invalid_field`: no county given by a province-wide caller")))]
pub async fn gaps(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<GapsQuery>,
) -> Result<Json<Page<StationGap>>, ApiError> {
    let county = list_county(auth.principal(), q.county)?
        .ok_or_else(|| app::Error::invalid("county", "شهرستان را مشخص کنید"))?;
    Ok(Json(
        state
            .store
            .staffing_gaps(&county, page_request(q.page, q.per_page))
            .await?,
    ))
}

/// Posts held by people the staffing rules would now refuse (there should be none).
#[utoipa::path(get, path = "/api/v1/coverage/conflicts", tag = "staffing", params(CoverageQuery),
    responses((status = 200, body = Vec<StaffConflict>), (status = 403)))]
pub async fn conflicts(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<CoverageQuery>,
) -> Result<Json<Vec<StaffConflict>>, ApiError> {
    let county = list_county(auth.principal(), q.county)?;
    Ok(Json(state.app.cached().conflicts(county.as_deref()).await?))
}
