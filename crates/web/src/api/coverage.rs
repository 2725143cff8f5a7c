use crate::api::{page_request, ApiQuery};
use crate::auth::Visit;
use crate::ApiError;
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
    Visit { state, auth }: Visit,
    ApiQuery(q): ApiQuery<CoverageQuery>,
) -> Result<Json<Vec<CountyCoverage>>, ApiError> {
    let staffing = state.app.staffing();
    Ok(Json(staffing.coverage(auth.principal(), q.county).await?))
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
    Visit { state, auth }: Visit,
    ApiQuery(q): ApiQuery<GapsQuery>,
) -> Result<Json<Page<StationGap>>, ApiError> {
    let (staffing, page) = (state.app.staffing(), page_request(q.page, q.per_page));
    Ok(Json(staffing.gaps(auth.principal(), q.county, page).await?))
}

/// Posts held by people the staffing rules would now refuse (there should be none).
#[utoipa::path(get, path = "/api/v1/coverage/conflicts", tag = "staffing", params(CoverageQuery),
    responses((status = 200, body = Vec<StaffConflict>), (status = 403)))]
pub async fn conflicts(
    Visit { state, auth }: Visit,
    ApiQuery(q): ApiQuery<CoverageQuery>,
) -> Result<Json<Vec<StaffConflict>>, ApiError> {
    let staffing = state.app.staffing();
    Ok(Json(staffing.conflicts(auth.principal(), q.county).await?))
}
