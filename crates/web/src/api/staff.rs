use crate::api::ApiJson;
use crate::auth::Auth;
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use domain::access::Action;
use domain::ids::NationalId;
use domain::staffing::Post;
use domain::station::Station;
use serde::Deserialize;
use store::{Actor, StaffAssignment};

async fn station_for(state: &AppState, auth: &Auth, code: &str) -> Result<Station, ApiError> {
    auth.require(Action::ViewElection)?;
    let station = state
        .store
        .station(code)
        .await?
        .ok_or(ApiError::NotFound(store::Entity::Station))?;
    auth.require(Action::ViewStation {
        county: &station.county_code,
        station: &station.code,
    })?;
    Ok(station)
}

fn parse_post(post: &str) -> Result<Post, ApiError> {
    Post::parse(post).ok_or_else(|| {
        domain::DomainError::InvalidField {
            field: "post",
            reason: format!("سمت «{post}» شناخته نشد"),
        }
        .into()
    })
}

/// Who holds each post at a station.
#[utoipa::path(get, path = "/api/v1/stations/{code}/staff", tag = "staffing", params(("code" = String, Path, description = "station code")),
    responses((status = 200, body = Vec<StaffAssignment>), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
) -> Result<Json<Vec<StaffAssignment>>, ApiError> {
    let station = station_for(&state, &auth, &code).await?;
    Ok(Json(state.store.station_staff(&station.code).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    national_id: String,
}

/// Gives a post to a person. Refusals are 409 with the rule's code (`already_serving`,
/// `inspector_is_staff`, `underage`, `candidate`, `candidate_relative`, `sitting_council_member`,
/// `post_taken`, `station_closed`) and a Persian reason.
#[utoipa::path(put, path = "/api/v1/stations/{code}/staff/{post}", tag = "staffing", request_body = AssignRequest,
    params(("code" = String, Path, description = "station code"), ("post" = String, Path, description = "head, secretary_1, secretary_2, member_1, member_2, governor_rep or inspector")),
    responses((status = 200, body = StaffAssignment), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn assign(
    State(state): State<AppState>,
    auth: Auth,
    Path((code, post)): Path<(String, String)>,
    ApiJson(body): ApiJson<AssignRequest>,
) -> Result<Json<StaffAssignment>, ApiError> {
    let station = station_for(&state, &auth, &code).await?;
    let post = parse_post(&post)?;
    let principal = auth
        .require(Action::AssignPost {
            county: &station.county_code,
            post,
        })?
        .clone();
    let id = NationalId::parse(&body.national_id)?;
    let by = Actor::new(principal.username, state.now());
    Ok(Json(
        state
            .store
            .assign_post(&station.code, post, id.as_str(), &by)
            .await?,
    ))
}

/// Frees a post (undoing an assignment); 204 whether or not it was held.
#[utoipa::path(delete, path = "/api/v1/stations/{code}/staff/{post}", tag = "staffing",
    params(("code" = String, Path, description = "station code"), ("post" = String, Path)),
    responses((status = 204), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn unassign(
    State(state): State<AppState>,
    auth: Auth,
    Path((code, post)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let station = station_for(&state, &auth, &code).await?;
    let post = parse_post(&post)?;
    let principal = auth
        .require(Action::AssignPost {
            county: &station.county_code,
            post,
        })?
        .clone();
    state
        .store
        .unassign_post(
            &station.code,
            post,
            &Actor::new(principal.username, state.now()),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
