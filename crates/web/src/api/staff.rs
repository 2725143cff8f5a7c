//! Staffing a station through the API. The use cases are `app::staffing`; the staff sheet's
//! forms call the same.

use crate::api::{ApiJson, ApiPath};
use crate::auth::Visit;
use crate::ApiError;
use app::staffing::parse_post;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use store::StaffAssignment;

/// Who holds each post at a station.
#[utoipa::path(get, path = "/api/v1/stations/{code}/staff", tag = "staffing", params(("code" = String, Path, description = "station code")),
    responses((status = 200, body = Vec<StaffAssignment>), (status = 403), (status = 404)))]
pub async fn list(
    Visit { state, auth }: Visit,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Vec<StaffAssignment>>, ApiError> {
    let (_, staff) = state
        .app
        .staffing()
        .station_staff(auth.principal(), &code)
        .await?;
    Ok(Json(staff))
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
    responses((status = 200, body = StaffAssignment), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn assign(
    Visit { state, auth }: Visit,
    ApiPath((code, post)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<AssignRequest>,
) -> Result<Json<StaffAssignment>, ApiError> {
    let post = parse_post(&post)?;
    Ok(Json(
        state
            .app
            .staffing()
            .assign(auth.principal(), &code, post, &body.national_id)
            .await?,
    ))
}

/// Frees a post (undoing an assignment); 204 whether or not it was held.
#[utoipa::path(delete, path = "/api/v1/stations/{code}/staff/{post}", tag = "staffing",
    params(("code" = String, Path, description = "station code"), ("post" = String, Path)),
    responses((status = 204), (status = 403), (status = 404),
        (status = 422, description = "`invalid_field`: no such post")))]
pub async fn unassign(
    Visit { state, auth }: Visit,
    ApiPath((code, post)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let post = parse_post(&post)?;
    state
        .app
        .staffing()
        .free(auth.principal(), &code, post)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
