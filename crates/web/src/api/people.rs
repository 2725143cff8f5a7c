use crate::auth::Auth;
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::Json;
use domain::access::Action;
use domain::ids::NationalId;
use domain::person::Person;

/// A person of the registry, by national id (Persian or ASCII digits).
#[utoipa::path(get, path = "/api/v1/people/{national_id}", tag = "people", params(("national_id" = String, Path)),
    responses((status = 200, body = Person), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(national_id): Path<String>,
) -> Result<Json<Person>, ApiError> {
    auth.require(Action::ViewPeople)?;
    let id = NationalId::parse(&national_id)?;
    state
        .store
        .person(id.as_str())
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound("person"))
}
