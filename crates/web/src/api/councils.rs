use crate::api::{page_request, ApiPath, ApiQuery};
use crate::auth::Auth;
use crate::{ApiError, AppState};
use app::lookups::list_county;
use axum::extract::State;
use axum::Json;
use domain::election::{Council, CouncilKind};
use serde::Deserialize;
use store::{CouncilFilter, Page};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CouncilQuery {
    /// County code; a county-scoped user sees only their own.
    county: Option<String>,
    /// `city` or `village`.
    kind: Option<String>,
    /// Part of the council's name.
    name: Option<String>,
    /// `code`, `name`, `population` or `seats`, `-` first for descending.
    sort: Option<String>,
    page: Option<u32>,
    per_page: Option<u32>,
}

/// Councils (each also a constituency), filtered, sorted and paginated.
#[utoipa::path(get, path = "/api/v1/councils", tag = "geography", params(CouncilQuery),
    responses((status = 200, body = Page<Council>), (status = 400), (status = 403),
        (status = 422, description = "`invalid_field`: a `kind` other than `city` or `village`")))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<CouncilQuery>,
) -> Result<Json<Page<Council>>, ApiError> {
    let county = list_county(auth.principal(), q.county)?;
    let kind = q.kind.as_deref().map(CouncilKind::parse).transpose()?;
    let name = q
        .name
        .map(|n| domain::text::normalize_name(&n))
        .filter(|n| !n.is_empty());
    let filter = CouncilFilter {
        county,
        kind,
        name,
        sort: q
            .sort
            .as_deref()
            .and_then(store::Sort::parse)
            .unwrap_or_default(),
    };
    Ok(Json(
        state
            .store
            .councils(&filter, page_request(q.page, q.per_page))
            .await?,
    ))
}

/// One council.
#[utoipa::path(get, path = "/api/v1/councils/{code}", tag = "geography", params(("code" = String, Path, description = "council code")),
    responses((status = 200, body = Council), (status = 403), (status = 404)))]
pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Council>, ApiError> {
    Ok(Json(
        state
            .app
            .lookups()
            .visible_council(auth.principal(), &code)
            .await?,
    ))
}
