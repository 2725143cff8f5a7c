use crate::api::ApiPath;
use crate::auth::Auth;
use crate::{ApiError, AppState};
use axum::extract::State;
use axum::Json;
use domain::access::{Action, Scope};
use store::{CountyFilter, CountySummary, Page};

/// The counties the caller may see, with their figures.
#[utoipa::path(get, path = "/api/v1/counties", tag = "geography",
    responses((status = 200, body = Page<CountySummary>), (status = 401), (status = 403)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Page<CountySummary>>, ApiError> {
    let principal = auth.require(Action::ViewElection)?;
    let filter = match &principal.scope {
        Scope::Province => {
            auth.require(Action::ViewProvince)?;
            CountyFilter::default()
        }
        Scope::County { county } | Scope::Station { county, .. } => {
            auth.require(Action::ViewCounty(county))?;
            CountyFilter {
                county: Some(county.clone()),
            }
        }
    };
    let items = state.store.counties(&filter).await?;
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
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<CountySummary>, ApiError> {
    auth.require(Action::ViewCounty(&code))?;
    let mut found = state
        .store
        .counties(&CountyFilter { county: Some(code) })
        .await?;
    found
        .pop()
        .map(Json)
        .ok_or(ApiError::not_found(store::Entity::County))
}
