//! The boards (issue 3): their members and vacancies, appointments, meetings. The use cases
//! are `app::boards`; the board pages call the same.

use crate::api::{ApiJson, ApiPath};
use crate::auth::Visit;
use crate::ApiError;
use app::boards::{Appointment, DecisionForm, MeetingForm, Presence};
use axum::http::StatusCode;
use axum::Json;
use domain::boards::{Attendance, BoardMember, BoardRole, Meeting};
use serde::{Deserialize, Serialize};
use store::BoardWithMembers;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BoardsQuery {
    county: Option<String>,
}

/// The boards the caller may see: a county's inspection and executive boards, or (province
/// wide) the province inspection board and every county's.
#[utoipa::path(get, path = "/api/v1/boards", tag = "boards", params(BoardsQuery),
    responses((status = 200, body = Vec<BoardWithMembers>), (status = 403)))]
pub async fn list(
    Visit { state, auth }: Visit,
    crate::api::ApiQuery(q): crate::api::ApiQuery<BoardsQuery>,
) -> Result<Json<Vec<BoardWithMembers>>, ApiError> {
    Ok(Json(
        state.app.boards().list(auth.principal(), q.county).await?,
    ))
}

/// A board, its members and its vacant seats.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BoardDetail {
    #[serde(flatten)]
    board: BoardWithMembers,
    /// Seats still to fill, by role.
    vacancies: Vec<Vacancy>,
    /// Full members (alternates not counted) the law gives this board.
    size: usize,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Vacancy {
    role: BoardRole,
    seats: usize,
}

/// One board.
#[utoipa::path(get, path = "/api/v1/boards/{code}", tag = "boards", params(("code" = String, Path, description = "inspection-province, inspection-{county}, executive-{county} or security-{county} (the county security council)")),
    responses((status = 200, body = BoardDetail), (status = 403), (status = 404)))]
pub async fn show(
    Visit { state, auth }: Visit,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<BoardDetail>, ApiError> {
    let app::boards::VisibleBoard { kind, board, .. } =
        state.app.boards().board(auth.principal(), &code).await?;
    let vacancies = domain::boards::vacancies(kind, &board.members)
        .into_iter()
        .map(|(role, seats)| Vacancy { role, seats })
        .collect();
    Ok(Json(BoardDetail {
        board,
        vacancies,
        size: kind.size(),
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppointRequest {
    role: BoardRole,
    /// Jalali or ISO; today when left out.
    term_start: Option<String>,
    term_end: Option<String>,
}

/// Appoints a member. Refusals are 409: `board_full`, `role_not_on_board`, `already_member`,
/// `invalid_term`.
#[utoipa::path(put, path = "/api/v1/boards/{code}/members/{national_id}", tag = "boards", request_body = AppointRequest,
    params(("code" = String, Path), ("national_id" = String, Path)),
    responses((status = 200, body = BoardMember), (status = 403), (status = 404), (status = 409)))]
pub async fn appoint(
    Visit { state, auth }: Visit,
    ApiPath((code, national_id)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<AppointRequest>,
) -> Result<Json<BoardMember>, ApiError> {
    let appointment = Appointment {
        national_id: &national_id,
        role: body.role,
        term_start: body.term_start.as_deref(),
        term_end: body.term_end.as_deref(),
    };
    Ok(Json(
        state
            .app
            .boards()
            .appoint(auth.principal(), &code, appointment)
            .await?,
    ))
}

/// Removes a member (204 whether or not they were one).
#[utoipa::path(delete, path = "/api/v1/boards/{code}/members/{national_id}", tag = "boards",
    params(("code" = String, Path), ("national_id" = String, Path)),
    responses((status = 204), (status = 403), (status = 404),
        (status = 422, description = "`invalid_national_id`")))]
pub async fn remove(
    Visit { state, auth }: Visit,
    ApiPath((code, national_id)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .boards()
        .remove(auth.principal(), &code, &national_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A board's meetings, newest first.
#[utoipa::path(get, path = "/api/v1/boards/{code}/meetings", tag = "boards", params(("code" = String, Path)),
    responses((status = 200, body = Vec<Meeting>), (status = 403)))]
pub async fn meetings(
    Visit { state, auth }: Visit,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Vec<Meeting>>, ApiError> {
    Ok(Json(
        state.app.boards().meetings(auth.principal(), &code).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    text: String,
    owner: String,
    /// Jalali or ISO date.
    due_on: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingRequest {
    /// Jalali date and Tehran time (`1404/11/02 10:00`) or RFC 3339.
    held_at: String,
    agenda: String,
    #[serde(default)]
    minutes: String,
    #[serde(default)]
    attendance: Vec<Attendance>,
    #[serde(default)]
    decisions: Vec<DecisionRequest>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Recorded {
    id: i64,
}

impl From<MeetingRequest> for MeetingForm {
    fn from(body: MeetingRequest) -> Self {
        Self {
            held_at: body.held_at,
            agenda: body.agenda,
            minutes: body.minutes,
            presence: Presence::Given(body.attendance),
            decisions: body
                .decisions
                .into_iter()
                .map(|d| DecisionForm {
                    text: d.text,
                    owner: d.owner,
                    due_on: d.due_on,
                })
                .collect(),
        }
    }
}

/// Records a meeting: its agenda, attendance, minutes and decisions.
#[utoipa::path(post, path = "/api/v1/boards/{code}/meetings", tag = "boards", request_body = MeetingRequest, params(("code" = String, Path)),
    responses((status = 201, body = Recorded), (status = 403), (status = 422)))]
pub async fn record(
    Visit { state, auth }: Visit,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<MeetingRequest>,
) -> Result<(StatusCode, Json<Recorded>), ApiError> {
    let id = state
        .app
        .boards()
        .record_meeting(auth.principal(), &code, body.into())
        .await?;
    Ok((StatusCode::CREATED, Json(Recorded { id })))
}

/// One meeting.
#[utoipa::path(get, path = "/api/v1/meetings/{id}", tag = "boards", params(("id" = i64, Path)),
    responses((status = 200, body = Meeting), (status = 403), (status = 404)))]
pub async fn meeting(
    Visit { state, auth }: Visit,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Meeting>, ApiError> {
    Ok(Json(
        state.app.boards().meeting(auth.principal(), id).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = DecisionDoneRequest)]
#[serde(deny_unknown_fields)]
pub struct DecisionDoneRequest {
    /// What was done.
    #[serde(default)]
    pub note: String,
}

/// Marks a meeting's decision done (`position` from 0, as listed), with what was done: whoever
/// records the board's meetings. Once only; the decision leaves the overdue lists.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/decisions/{position}/done", tag = "boards",
    params(("id" = i64, Path), ("position" = i64, Path, description = "The decision's place in the meeting's list, from 0")),
    request_body = DecisionDoneRequest,
    responses((status = 200, body = Meeting), (status = 403), (status = 404),
        (status = 409, description = "`decision_already_done`"),
        (status = 422, description = "`decision_note_too_long`")))]
pub async fn complete_decision(
    Visit { state, auth }: Visit,
    ApiPath((id, position)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<DecisionDoneRequest>,
) -> Result<Json<Meeting>, ApiError> {
    Ok(Json(
        state
            .app
            .boards()
            .complete_decision(auth.principal(), id, position, &body.note)
            .await?,
    ))
}
