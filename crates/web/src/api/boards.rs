use crate::api::ApiJson;
use crate::auth::Auth;
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use domain::access::Action;
use domain::boards::{
    parse_board_code, Attendance, BoardKind, BoardMember, BoardRole, Decision, Meeting,
};
use domain::ids::NationalId;
use serde::{Deserialize, Serialize};
use store::{Actor, BoardWithMembers};

/// Reads a board code and checks that the caller may see the board.
pub fn board_access(auth: &Auth, code: &str) -> Result<(BoardKind, Option<String>), ApiError> {
    auth.require(Action::ViewElection)?;
    let (kind, county) = parse_board_code(code).ok_or(ApiError::NotFound(store::Entity::Board))?;
    match &county {
        Some(c) => auth.require(Action::ViewCounty(c))?,
        None => auth.require(Action::ViewProvince)?,
    };
    Ok((kind, county))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct BoardsQuery {
    county: Option<String>,
}

/// The boards the caller may see: a county's inspection and executive boards, or (province
/// wide) the province inspection board and every county's.
#[utoipa::path(get, path = "/api/v1/boards", tag = "boards", params(BoardsQuery),
    responses((status = 200, body = Vec<BoardWithMembers>), (status = 403, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    crate::api::ApiQuery(q): crate::api::ApiQuery<BoardsQuery>,
) -> Result<Json<Vec<BoardWithMembers>>, ApiError> {
    let county = crate::api::councils::list_county(&auth, q.county)?;
    Ok(Json(state.store.boards(county.as_deref()).await?))
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
#[utoipa::path(get, path = "/api/v1/boards/{code}", tag = "boards", params(("code" = String, Path, description = "inspection-province, inspection-{county} or executive-{county}")),
    responses((status = 200, body = BoardDetail), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
) -> Result<Json<BoardDetail>, ApiError> {
    let (kind, _) = board_access(&auth, &code)?;
    let board = state
        .store
        .board(&code)
        .await?
        .ok_or(ApiError::NotFound(store::Entity::Board))?;
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
    responses((status = 200, body = BoardMember), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn appoint(
    State(state): State<AppState>,
    auth: Auth,
    Path((code, national_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<AppointRequest>,
) -> Result<Json<BoardMember>, ApiError> {
    let (kind, county) = board_access(&auth, &code)?;
    let principal = auth
        .require(Action::ManageBoard {
            kind,
            county: county.as_deref(),
        })?
        .clone();
    let id = NationalId::parse(&national_id)?;
    let now = state.now();
    let term_start = match body.term_start.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(s) => domain::calendar::parse_date(s)?,
        None => now.to_offset(domain::calendar::TEHRAN).date(),
    };
    let term_end = body
        .term_end
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(domain::calendar::parse_date)
        .transpose()?;
    let by = Actor::new(principal.username, now);
    Ok(Json(
        state
            .store
            .add_board_member(&code, id.as_str(), body.role, (term_start, term_end), &by)
            .await?,
    ))
}

/// Removes a member (204 whether or not they were one).
#[utoipa::path(delete, path = "/api/v1/boards/{code}/members/{national_id}", tag = "boards",
    params(("code" = String, Path), ("national_id" = String, Path)),
    responses((status = 204), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn remove(
    State(state): State<AppState>,
    auth: Auth,
    Path((code, national_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let (kind, county) = board_access(&auth, &code)?;
    let principal = auth
        .require(Action::ManageBoard {
            kind,
            county: county.as_deref(),
        })?
        .clone();
    let id = NationalId::parse(&national_id)?;
    state
        .store
        .remove_board_member(
            &code,
            id.as_str(),
            &Actor::new(principal.username, state.now()),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A board's meetings, newest first.
#[utoipa::path(get, path = "/api/v1/boards/{code}/meetings", tag = "boards", params(("code" = String, Path)),
    responses((status = 200, body = Vec<Meeting>), (status = 403, body = crate::error::Problem)))]
pub async fn meetings(
    State(state): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
) -> Result<Json<Vec<Meeting>>, ApiError> {
    board_access(&auth, &code)?;
    Ok(Json(state.store.meetings(&code).await?))
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

/// Parses a meeting request into a meeting of `board`.
pub fn meeting_from(board: &str, body: MeetingRequest) -> Result<Meeting, ApiError> {
    Ok(Meeting {
        id: 0,
        board: board.to_owned(),
        held_at: domain::calendar::parse_instant(&body.held_at)?,
        agenda: body.agenda.trim().to_owned(),
        minutes: body.minutes.trim().to_owned(),
        attendance: body.attendance,
        decisions: body
            .decisions
            .into_iter()
            .map(|d| {
                Ok(Decision {
                    text: d.text.trim().to_owned(),
                    owner: d.owner.trim().to_owned(),
                    due_on: domain::calendar::parse_date(&d.due_on)?,
                })
            })
            .collect::<Result<Vec<_>, ApiError>>()?,
    })
}

/// Records a meeting: its agenda, attendance, minutes and decisions.
#[utoipa::path(post, path = "/api/v1/boards/{code}/meetings", tag = "boards", request_body = MeetingRequest, params(("code" = String, Path)),
    responses((status = 201, body = Recorded), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn record(
    State(state): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<MeetingRequest>,
) -> Result<(StatusCode, Json<Recorded>), ApiError> {
    let (kind, county) = board_access(&auth, &code)?;
    let principal = auth
        .require(Action::RecordMeeting {
            kind,
            county: county.as_deref(),
        })?
        .clone();
    let meeting = meeting_from(&code, body)?;
    let id = state
        .store
        .record_meeting(&meeting, &Actor::new(principal.username, state.now()))
        .await?;
    Ok((StatusCode::CREATED, Json(Recorded { id })))
}

/// One meeting.
#[utoipa::path(get, path = "/api/v1/meetings/{id}", tag = "boards", params(("id" = i64, Path)),
    responses((status = 200, body = Meeting), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn meeting(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Result<Json<Meeting>, ApiError> {
    auth.require(Action::ViewElection)?;
    let meeting = state
        .store
        .meeting(id)
        .await?
        .ok_or(ApiError::NotFound(store::Entity::Meeting))?;
    board_access(&auth, &meeting.board)?;
    Ok(Json(meeting))
}
