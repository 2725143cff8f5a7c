//! Election day: a station's opening, pauses, extensions and closing; voter check-in; ballots;
//! turnout; candidate lists and receipts (issue 4; DESIGN §3, §4).

use crate::api::{ApiJson, ApiPath, ApiQuery};
use crate::auth::{Auth, Visit};
use crate::{ApiError, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use domain::ballot::Candidate;
use domain::station_day::{DayAction, Presence, StationDay, Walkout, WalkoutReason};
use serde::{Deserialize, Serialize};
use store::{PendingCheckIn, StationCounts, Turnout};

/// A station's day and its figures.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DayView {
    pub station: String,
    pub day: StationDay,
    pub counts: StationCounts,
}

/// Applies an election-day action as the station's own staff.
async fn act(
    state: &AppState,
    auth: &Auth,
    station: &str,
    action: DayAction,
) -> Result<Json<DayView>, ApiError> {
    let (day, counts) = state
        .app
        .election_day()
        .act(auth.principal(), station, &action)
        .await?;
    Ok(Json(DayView {
        station: station.to_owned(),
        day,
        counts,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct OpenRequest {
    /// Who was present: the head, the governor's representative and the inspector.
    pub presence: Presence,
    /// The empty ballot box was shown to those present.
    pub empty_box_shown: bool,
    /// Each e-voting device printed its zero report and it was shown to those present.
    #[serde(default)]
    pub zero_reports_shown: bool,
    /// The voter forms («تعرفه») the station received, counted at the opening.
    #[serde(default)]
    pub forms_received: Option<u32>,
}

/// Opens the station (its staff only), within the polling hours, with the head, the governor's
/// representative and the inspector present, the empty box and the zero reports shown, and
/// the voter forms received counted.
#[utoipa::path(post, path = "/api/v1/stations/{code}/open", tag = "election day",
    params(("code" = String, Path, description = "Station code")), request_body = OpenRequest,
    responses((status = 200, body = DayView), (status = 409),
        (status = 403)))]
pub async fn open(
    Visit { state, auth }: Visit,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<OpenRequest>,
) -> Result<Json<DayView>, ApiError> {
    let shown = domain::station_day::Shown {
        empty_box: body.empty_box_shown,
        zero_reports: body.zero_reports_shown,
    };
    let action = DayAction::open(body.presence, shown, body.forms_received);
    act(&state, &auth, &code, action).await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PauseRequest {
    /// Why: `power_cut`, `device_fault`, `link_down`, `executive_board_order` or `other`
    /// (`PauseReason`), or its Persian name. Any other text is taken as `other` with the text
    /// as its notes.
    pub reason: String,
    /// What the head adds; `other` needs them.
    #[serde(default)]
    pub notes: String,
}

/// Pauses voting at the station, with the reason from the list and notes.
#[utoipa::path(post, path = "/api/v1/stations/{code}/pause", tag = "election day",
    params(("code" = String, Path, description = "Station code")), request_body = PauseRequest,
    responses((status = 200, body = DayView), (status = 409)))]
pub async fn pause(
    Visit { state, auth }: Visit,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<PauseRequest>,
) -> Result<Json<DayView>, ApiError> {
    let pause = DayAction::pause(&body.reason, &body.notes);
    act(&state, &auth, &code, pause).await
}

/// Resumes voting after a pause.
#[utoipa::path(post, path = "/api/v1/stations/{code}/resume", tag = "election day",
    params(("code" = String, Path, description = "Station code")),
    responses((status = 200, body = DayView), (status = 409)))]
pub async fn resume(
    Visit { state, auth }: Visit,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<DayView>, ApiError> {
    act(&state, &auth, &code, DayAction::Resume).await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ExtendRequest {
    /// The new closing time: Jalali (`1405/02/11 20:00`, Tehran time) or RFC 3339.
    pub until: String,
}

/// Extends the station's hours to a later closing time.
#[utoipa::path(post, path = "/api/v1/stations/{code}/extend", tag = "election day",
    params(("code" = String, Path, description = "Station code")), request_body = ExtendRequest,
    responses((status = 200, body = DayView), (status = 409),
        (status = 422)))]
pub async fn extend(
    Visit { state, auth }: Visit,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<ExtendRequest>,
) -> Result<Json<DayView>, ApiError> {
    let until = domain::calendar::parse_instant(&body.until)?;
    act(&state, &auth, &code, DayAction::extend(until)).await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ApproveExtensionRequest {
    /// The new closing time: Jalali (`1405/02/11 22:00`, Tehran time) or RFC 3339.
    pub until: String,
    /// Why the station stays open longer (recorded in the audit log).
    pub reason: String,
}

/// The county governor keeps a station open past what its staff may extend on their own (at
/// most 12 hours past the scheduled close), with a reason; audited under the governor.
#[utoipa::path(post, path = "/api/v1/stations/{code}/approve-extension", tag = "election day",
    params(("code" = String, Path, description = "Station code")),
    request_body = ApproveExtensionRequest,
    responses((status = 200, body = DayView), (status = 403), (status = 404),
        (status = 409, description = "`station_state`, `extension_not_later`, `reason_required`, `extension_beyond_approval`"),
        (status = 422, description = "`invalid_date`")))]
pub async fn approve_extension(
    Visit { state, auth }: Visit,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<ApproveExtensionRequest>,
) -> Result<Json<DayView>, ApiError> {
    let until = domain::calendar::parse_instant(&body.until)?;
    let reason = domain::text::normalize_name(&body.reason);
    act(
        &state,
        &auth,
        &code,
        DayAction::ApproveExtension { until, reason },
    )
    .await
}

/// Closes the station once its hours are over and every checked-in voter has voted.
#[utoipa::path(post, path = "/api/v1/stations/{code}/close", tag = "election day",
    params(("code" = String, Path, description = "Station code")),
    responses((status = 200, body = DayView), (status = 409)))]
pub async fn close(
    Visit { state, auth }: Visit,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<DayView>, ApiError> {
    act(&state, &auth, &code, DayAction::Close).await
}

/// A station's day and figures, for whoever may see the station.
#[utoipa::path(get, path = "/api/v1/stations/{code}/day", tag = "election day",
    params(("code" = String, Path, description = "Station code")),
    responses((status = 200, body = DayView), (status = 404)))]
pub async fn day(
    Visit { state, auth }: Visit,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<DayView>, ApiError> {
    let day = state
        .app
        .election_day()
        .day(auth.principal(), &code)
        .await?;
    Ok(Json(DayView {
        station: day.station.code,
        day: day.day,
        counts: day.counts,
    }))
}

/// The station's checked-in voters whose ballots are not cast yet (its own staff only).
#[utoipa::path(get, path = "/api/v1/stations/{code}/pending-checkins", tag = "election day",
    params(("code" = String, Path, description = "Station code")),
    responses((status = 200, body = Vec<PendingCheckIn>), (status = 403)))]
pub async fn pending_checkins(
    Visit { state, auth }: Visit,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Vec<PendingCheckIn>>, ApiError> {
    let pending = state
        .app
        .election_day()
        .pending(auth.principal(), &code)
        .await?;
    Ok(Json(pending))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct WalkoutRequest {
    /// The voter who left, Persian or ASCII digits.
    pub national_id: String,
    /// One of the fixed list (`declined`, `unwell`, `emergency`, `other`).
    #[schema(value_type = WalkoutReason)]
    pub reason: String,
    /// Required with reason `other`.
    #[serde(default)]
    pub notes: String,
    /// The national id of the station's governor's representative, who countersigns;
    /// omitted only when that post is vacant.
    #[serde(default)]
    pub countersigned_by: Option<String>,
}

/// Records that a checked-in voter left without voting («خروج بدون رأی»), with a reason and
/// the governor's representative's countersign; they cannot vote any more, and the station's
/// counts take them in (its own staff only).
#[utoipa::path(post, path = "/api/v1/stations/{code}/walkouts", tag = "election day",
    params(("code" = String, Path, description = "Station code")), request_body = WalkoutRequest,
    responses((status = 201, body = StationCounts), (status = 403),
        (status = 409, description = "`station_state`, `not_checked_in_here`, `ballot_already_cast`, `walkout_already_recorded`, `countersign_required`, `countersign_mismatch`, `reason_required`"),
        (status = 422, description = "`invalid_national_id`")))]
pub async fn walkout(
    Visit { state, auth }: Visit,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<WalkoutRequest>,
) -> Result<(StatusCode, Json<StationCounts>), ApiError> {
    let reason = WalkoutReason::parse(body.reason.trim()).ok_or_else(|| {
        domain::DomainError::InvalidField {
            field: "reason",
            reason: "علت خروج باید یکی از فهرست باشد.".into(),
        }
    })?;
    let walkout = Walkout {
        national_id: domain::ids::NationalId::parse(&body.national_id)?,
        reason,
        notes: body.notes,
        countersigned_by: body
            .countersigned_by
            .as_deref()
            .filter(|id| !id.trim().is_empty())
            .map(domain::ids::NationalId::parse)
            .transpose()?,
    };
    let counts = state
        .app
        .election_day()
        .walkout(auth.principal(), &code, &walkout)
        .await?;
    Ok((StatusCode::CREATED, Json(counts)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CheckInRequest {
    pub station: String,
    /// Persian or ASCII digits.
    pub national_id: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CheckInAnswer {
    /// Opens one ballot of the voter's council, once; hand it to the voting device.
    pub ballot_token: String,
    pub council: String,
}

/// Checks a voter in at a station (its staff's device only). Answered after the check-in is
/// committed; one person checks in once per election, across every station and server.
#[utoipa::path(post, path = "/api/v1/checkins", tag = "election day", request_body = CheckInRequest,
    responses((status = 201, body = CheckInAnswer),
        (status = 409, description = "`already_voted` (with `station` and `at`) or `station_not_open`"),
        (status = 403, description = "`not_eligible` (with `reason`) or `forbidden`"),
        (status = 422, description = "`invalid_national_id`")))]
pub async fn check_in(
    Visit { state, auth }: Visit,
    ApiJson(body): ApiJson<CheckInRequest>,
) -> Result<(StatusCode, Json<CheckInAnswer>), ApiError> {
    let checked_in = state
        .app
        .election_day()
        .check_in(auth.principal(), &body.station, &body.national_id)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CheckInAnswer {
            ballot_token: checked_in.ballot_token,
            council: checked_in.council,
        }),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct BallotRequest {
    /// The activation the kiosk reads from `GET /api/v1/kiosk`.
    pub activation: String,
    /// Candidate codes, up to the council's main seats, each once; none for a blank ballot.
    #[serde(default)]
    pub choices: Vec<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BallotAnswer {
    /// The voter's receipt code: the tracking code's first 64 bits in twenty digits, which the
    /// public lookup finds. None for an equipment test's ballot.
    pub receipt: Option<String>,
    /// The ballot's tracking code (hex): the hash of its encryption chained to its kiosk's
    /// previous ballot, as the election record publishes it. None for a test ballot.
    pub tracking_code: Option<String>,
    /// For an equipment test's ballot (issue 17 §6): its run, where it was cast instead of the
    /// box.
    pub test_run: Option<domain::test_deck::TestRun>,
}

/// Casts the ballot activated on the calling kiosk (a paired kiosk's secret only; no user
/// casts). The ballot is encrypted under the guardians' key with its proofs and stored as that
/// alone, apart from the voter, with no time.
#[utoipa::path(post, path = "/api/v1/ballots", tag = "election day", request_body = BallotRequest,
    responses((status = 201, body = BallotAnswer),
        (status = 403, description = "`forbidden`: not a kiosk"),
        (status = 409, description = "`no_ballot_activated`: none live on the kiosk, or not this activation"),
        (status = 404, description = "`not_found`: the election has no key yet (its guardians' ceremony is not held)"),
        (status = 422, description = "`too_many_choices`, `unknown_candidate`, `repeated_candidate`, `ballot_style_changed`; a test ballot: `council_not_in_test_deck`, `too_many_test_ballots`")))]
pub async fn cast(
    Visit { state, auth }: Visit,
    ApiJson(body): ApiJson<BallotRequest>,
) -> Result<(StatusCode, Json<BallotAnswer>), ApiError> {
    let answer = match state
        .app
        .election_day()
        .cast(auth.principal(), &body.activation, body.choices)
        .await?
    {
        app::election_day::Casting::Ballot(cast) => BallotAnswer {
            receipt: Some(cast.receipt),
            tracking_code: Some(cast.tracking_code),
            test_run: None,
        },
        app::election_day::Casting::Test { run, .. } => BallotAnswer {
            receipt: None,
            tracking_code: None,
            test_run: Some(run),
        },
    };
    Ok((StatusCode::CREATED, Json(answer)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TurnoutQuery {
    pub county: Option<String>,
    pub council: Option<String>,
}

/// Live turnout, public: the province, a county or a council; per hour and per area one level
/// down.
#[utoipa::path(get, path = "/api/v1/turnout", tag = "election day", params(TurnoutQuery),
    responses((status = 200, body = Turnout),
        (status = 404, description = "`not_found`: no such county or council")))]
pub async fn turnout(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<TurnoutQuery>,
) -> Result<Json<Turnout>, ApiError> {
    let day = state.app.election_day();
    let turnout = day
        .turnout(q.county.as_deref(), q.council.as_deref())
        .await?;
    Ok(Json(turnout.figures))
}

/// A council's approved candidates, public.
#[utoipa::path(get, path = "/api/v1/councils/{code}/candidates", tag = "election day",
    params(("code" = String, Path, description = "Council code")),
    responses((status = 200, body = Vec<Candidate>), (status = 404)))]
pub async fn candidates(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Vec<Candidate>>, ApiError> {
    let (_, candidates) = state.app.candidates().on_ballot(&code).await?;
    Ok(Json(candidates))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReceiptAnswer {
    pub receipt: String,
    pub counted: bool,
    pub station: Option<String>,
}

/// Whether a receipt's ballot is in the box, public.
#[utoipa::path(get, path = "/api/v1/receipts/{code}", tag = "election day",
    params(("code" = String, Path, description = "Receipt code: 20 digits (Persian or ASCII), dashes optional; or the ballot's whole tracking code, 64 hexadecimal digits")),
    responses((status = 200, body = ReceiptAnswer),
        (status = 422, description = "`invalid_receipt`: not 20 digits, or the check digit fails")))]
pub async fn receipt(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<ReceiptAnswer>, ApiError> {
    let (receipt, station) = state.app.election_day().receipt(&code).await?;
    Ok(Json(ReceiptAnswer {
        receipt,
        counted: station.is_some(),
        station,
    }))
}
