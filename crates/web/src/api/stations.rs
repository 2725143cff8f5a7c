use crate::api::councils::list_county;
use crate::api::{page_request, ApiQuery};
use crate::auth::Auth;
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::Json;
use domain::access::{Action, Scope};
use domain::station::Station;
use serde::Deserialize;
use store::{Page, StationFilter};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct StationQuery {
    /// County code; a county-scoped user sees only their own.
    county: Option<String>,
    /// Council code.
    council: Option<String>,
    page: Option<u32>,
    per_page: Option<u32>,
}

/// Polling stations, paginated as `{items, total, page, per_page}`. A station's staff see only
/// their own station.
#[utoipa::path(get, path = "/api/v1/stations", tag = "stations", params(StationQuery),
    responses((status = 200, body = Page<Station>), (status = 403, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<StationQuery>,
) -> Result<Json<Page<Station>>, ApiError> {
    let page = page_request(q.page, q.per_page);
    if let Some(Scope::Station { county, station }) = auth.principal().map(|p| p.scope.clone()) {
        if q.county.as_ref().is_some_and(|c| *c != county) {
            return Err(ApiError::Forbidden);
        }
        auth.require(Action::ViewStation {
            county: &county,
            station: &station,
        })?;
        let filter = StationFilter {
            station: Some(station),
            council: q.council,
            ..Default::default()
        };
        return Ok(Json(state.store.stations(&filter, page).await?));
    }
    let county = list_county(&auth, q.county)?;
    Ok(Json(
        state
            .store
            .stations(
                &StationFilter {
                    county,
                    council: q.council,
                    station: None,
                },
                page,
            )
            .await?,
    ))
}

/// One station.
#[utoipa::path(get, path = "/api/v1/stations/{code}", tag = "stations", params(("code" = String, Path, description = "station code")),
    responses((status = 200, body = Station), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
) -> Result<Json<Station>, ApiError> {
    auth.require(Action::ViewElection)?;
    let station = state
        .store
        .station(&code)
        .await?
        .ok_or(ApiError::NotFound("station"))?;
    auth.require(Action::ViewStation {
        county: &station.county_code,
        station: &station.code,
    })?;
    Ok(Json(station))
}
