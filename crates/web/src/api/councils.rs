use crate::api::{page_request, ApiPath, ApiQuery};
use crate::auth::Visit;
use crate::ApiError;
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
    Visit { state, auth }: Visit,
    ApiQuery(q): ApiQuery<CouncilQuery>,
) -> Result<Json<Page<Council>>, ApiError> {
    let filter = CouncilFilter {
        county: q.county,
        kind: q.kind.as_deref().map(CouncilKind::parse).transpose()?,
        name: q
            .name
            .map(|n| domain::text::normalize_name(&n))
            .filter(|n| !n.is_empty()),
        sort: q
            .sort
            .as_deref()
            .and_then(store::Sort::parse)
            .unwrap_or_default(),
    };
    let page = page_request(q.page, q.per_page);
    let lookups = state.app.lookups();
    Ok(Json(
        lookups.councils(auth.principal(), filter, page).await?,
    ))
}

/// One council.
#[utoipa::path(get, path = "/api/v1/councils/{code}", tag = "geography", params(("code" = String, Path, description = "council code")),
    responses((status = 200, body = Council), (status = 403), (status = 404)))]
pub async fn show(
    Visit { state, auth }: Visit,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Council>, ApiError> {
    let lookups = state.app.lookups();
    Ok(Json(
        lookups.visible_council(auth.principal(), &code).await?,
    ))
}
