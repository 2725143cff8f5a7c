//! Sensitive stations, their security plans and the county security councils (issue 16). The
//! use cases are `app::security`; the security pages call the same. A council's members and
//! meetings are the boards' routes (`/api/v1/boards/security-{county}/…`).

use crate::api::{page_request, ApiJson, ApiPath, ApiQuery};
use crate::auth::Visit;
use crate::ApiError;
use app::security::{PlanInput, SecurityCouncil};
use axum::http::StatusCode;
use axum::Json;
use domain::security::{Cadence, CctvCoverage, PlanStatus, SensitiveReason, StationSecurity};
use serde::{Deserialize, Serialize};
use store::security::{
    CountySecurity, PlanFilter, SensitiveFilter, SensitiveStation, StationSecurityRecord,
};
use store::Page;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SensitiveQuery {
    /// County code; a county-scoped user sees only their own.
    county: Option<String>,
    /// `all`, `needs_plan` (no approved plan), `no_plan`, `draft`, `submitted`, `approved`,
    /// `returned`.
    plan: Option<String>,
    /// One reason's code.
    reason: Option<String>,
    /// `needs_plan` (the default), `code`, `name` or `status`, `-` first for descending.
    sort: Option<String>,
    page: Option<u32>,
    per_page: Option<u32>,
}

/// The list with the figures of its counties.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SensitiveList {
    #[serde(flatten)]
    page: Page<SensitiveStation>,
    counties: Vec<CountySecurity>,
}

/// The sensitive stations of a county (or of the province, for those who see it), each with
/// its reasons and plan status; those without an approved plan are flagged `needs_plan` and
/// come first.
#[utoipa::path(get, path = "/api/v1/security/stations", tag = "security", params(SensitiveQuery),
    responses((status = 200, body = SensitiveList), (status = 403),
        (status = 422, description = "`invalid_field`: an unknown `plan` filter")))]
pub async fn list(
    Visit { state, auth }: Visit,
    ApiQuery(q): ApiQuery<SensitiveQuery>,
) -> Result<Json<SensitiveList>, ApiError> {
    let plan = match q.plan.as_deref() {
        None | Some("") => PlanFilter::All,
        Some(p) => PlanFilter::parse(p).ok_or_else(|| domain::DomainError::InvalidField {
            field: "plan",
            reason: "all، needs_plan، no_plan، draft، submitted، approved یا returned".into(),
        })?,
    };
    let filter = SensitiveFilter {
        county: None,
        plan,
        reason: q.reason.filter(|r| !r.trim().is_empty()),
        sort: q
            .sort
            .as_deref()
            .and_then(store::Sort::parse)
            .unwrap_or_default(),
    };
    let security = state.app.security();
    let principal = auth.principal();
    let page = security
        .list(
            principal,
            q.county.as_deref(),
            filter,
            page_request(q.page, q.per_page),
        )
        .await?;
    let counties = security.summary(principal, q.county.as_deref()).await?;
    Ok(Json(SensitiveList { page, counties }))
}

/// The election's reasons a station may be sensitive for.
#[utoipa::path(get, path = "/api/v1/security/reasons", tag = "security",
    responses((status = 200, body = Vec<SensitiveReason>), (status = 401)))]
pub async fn reasons(Visit { state, auth }: Visit) -> Result<Json<Vec<SensitiveReason>>, ApiError> {
    Ok(Json(state.app.security().reasons(auth.principal()).await?))
}

/// Replaces the election's reasons (the province HQ). 422 `invalid_reason_list`; 409
/// `sensitive_reason_in_use` for a reason a flagged station still gives.
#[utoipa::path(put, path = "/api/v1/security/reasons", tag = "security", request_body = Vec<SensitiveReason>,
    responses((status = 200, body = Vec<SensitiveReason>), (status = 403), (status = 409), (status = 422)))]
pub async fn set_reasons(
    Visit { state, auth }: Visit,
    ApiJson(body): ApiJson<Vec<SensitiveReason>>,
) -> Result<Json<Vec<SensitiveReason>>, ApiError> {
    Ok(Json(
        state
            .app
            .security()
            .set_reasons(auth.principal(), body)
            .await?,
    ))
}

/// A station's security: whether it is sensitive and why, and its plan.
#[utoipa::path(get, path = "/api/v1/stations/{code}/security", tag = "security", params(("code" = String, Path)),
    responses((status = 200, body = StationSecurityRecord), (status = 403), (status = 404)))]
pub async fn station(
    Visit { state, auth }: Visit,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<StationSecurityRecord>, ApiError> {
    Ok(Json(
        state
            .app
            .security()
            .station(auth.principal(), &code)
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SensitivityRequest {
    /// Codes from the election's reasons (`GET /api/v1/security/reasons`), at least one.
    reasons: Vec<String>,
    #[serde(default)]
    note: String,
}

/// Flags a station sensitive (or changes its reasons): its county's governor, or the HQ. 422
/// `no_sensitive_reason`, `unknown_sensitive_reason`, `repeated_sensitive_reason`.
#[utoipa::path(put, path = "/api/v1/stations/{code}/sensitivity", tag = "security", request_body = SensitivityRequest,
    params(("code" = String, Path)),
    responses((status = 200, body = StationSecurity), (status = 403), (status = 404), (status = 422)))]
pub async fn flag(
    Visit { state, auth }: Visit,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<SensitivityRequest>,
) -> Result<Json<StationSecurity>, ApiError> {
    Ok(Json(
        state
            .app
            .security()
            .flag(auth.principal(), &code, &body.reasons, &body.note)
            .await?,
    ))
}

/// Takes the flag off (204 whether or not it was on).
#[utoipa::path(delete, path = "/api/v1/stations/{code}/sensitivity", tag = "security",
    params(("code" = String, Path)),
    responses((status = 204), (status = 403), (status = 404)))]
pub async fn unflag(
    Visit { state, auth }: Visit,
    ApiPath(code): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    state.app.security().unflag(auth.principal(), &code).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanRequest {
    measures: String,
    responsible_name: String,
    responsible_phone: String,
    protective_staff: u32,
    cctv_coverage: CctvCoverage,
    contacts: String,
    escalation: String,
    /// The day the plan takes effect, from today up to election day (Jalali or ISO).
    effective_on: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PlanState {
    status: PlanStatus,
}

/// Writes a sensitive station's plan; it becomes a draft. 422 `invalid_security_plan`,
/// `plan_date_in_past`, `plan_date_after_election`; 409 `station_not_sensitive`,
/// `plan_step_out_of_order` (a plan the council is weighing).
#[utoipa::path(put, path = "/api/v1/stations/{code}/security-plan", tag = "security", request_body = PlanRequest,
    params(("code" = String, Path)),
    responses((status = 200, body = PlanState), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn save_plan(
    Visit { state, auth }: Visit,
    ApiPath(code): ApiPath<String>,
    ApiJson(b): ApiJson<PlanRequest>,
) -> Result<Json<PlanState>, ApiError> {
    let input = PlanInput {
        measures: b.measures,
        responsible_name: b.responsible_name,
        responsible_phone: b.responsible_phone,
        protective_staff: b.protective_staff,
        cctv_coverage: b.cctv_coverage,
        contacts: b.contacts,
        escalation: b.escalation,
        effective_on: b.effective_on,
    };
    let status = state
        .app
        .security()
        .save_plan(auth.principal(), &code, input)
        .await?;
    Ok(Json(PlanState { status }))
}

/// Sends the draft to the county security council. 409 `plan_step_out_of_order`.
#[utoipa::path(post, path = "/api/v1/stations/{code}/security-plan/submit", tag = "security",
    params(("code" = String, Path)),
    responses((status = 200, body = PlanState), (status = 403), (status = 404), (status = 409)))]
pub async fn submit(
    Visit { state, auth }: Visit,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<PlanState>, ApiError> {
    let status = state.app.security().submit(auth.principal(), &code).await?;
    Ok(Json(PlanState { status }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveRequest {
    /// The held meeting of the station's county's security council that approved it.
    meeting_id: i64,
}

/// Records the council's approval of a submitted plan at its meeting. 409
/// `plan_step_out_of_order`; 422 `meeting_not_of_security_council`, `meeting_not_held`.
#[utoipa::path(post, path = "/api/v1/stations/{code}/security-plan/approve", tag = "security", request_body = ApproveRequest,
    params(("code" = String, Path)),
    responses((status = 200, body = PlanState), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn approve(
    Visit { state, auth }: Visit,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<ApproveRequest>,
) -> Result<Json<PlanState>, ApiError> {
    let status = state
        .app
        .security()
        .approve(auth.principal(), &code, body.meeting_id)
        .await?;
    Ok(Json(PlanState { status }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnRequest {
    /// The council's meeting that returned it, if recorded.
    meeting_id: Option<i64>,
    reason: String,
}

/// Records the council's return of a submitted plan, with its reason. 422
/// `return_reason_required`; 409 `plan_step_out_of_order`.
#[utoipa::path(post, path = "/api/v1/stations/{code}/security-plan/return", tag = "security", request_body = ReturnRequest,
    params(("code" = String, Path)),
    responses((status = 200, body = PlanState), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn return_plan(
    Visit { state, auth }: Visit,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<ReturnRequest>,
) -> Result<Json<PlanState>, ApiError> {
    let status = state
        .app
        .security()
        .return_plan(auth.principal(), &code, body.meeting_id, &body.reason)
        .await?;
    Ok(Json(PlanState { status }))
}

/// A county's security council: its members, cadence and slots (held, missed, due, upcoming),
/// its meetings and its overdue decisions. Meetings are recorded through
/// `POST /api/v1/boards/security-{county}/meetings`.
#[utoipa::path(get, path = "/api/v1/security/councils/{county}", tag = "security", params(("county" = String, Path)),
    responses((status = 200, body = SecurityCouncil), (status = 403), (status = 404)))]
pub async fn council(
    Visit { state, auth }: Visit,
    ApiPath(county): ApiPath<String>,
) -> Result<Json<SecurityCouncil>, ApiError> {
    Ok(Json(
        state
            .app
            .security()
            .council(auth.principal(), &county)
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CadenceRequest {
    /// The first slot's first day (Jalali or ISO), before election day.
    starts_on: String,
    /// Days between meetings, 1 to 90.
    every_days: u32,
}

/// Sets a county council's cadence. 422 `invalid_cadence`.
#[utoipa::path(put, path = "/api/v1/security/councils/{county}/cadence", tag = "security", request_body = CadenceRequest,
    params(("county" = String, Path)),
    responses((status = 200, body = Cadence), (status = 403), (status = 404), (status = 422)))]
pub async fn set_cadence(
    Visit { state, auth }: Visit,
    ApiPath(county): ApiPath<String>,
    ApiJson(body): ApiJson<CadenceRequest>,
) -> Result<Json<Cadence>, ApiError> {
    Ok(Json(
        state
            .app
            .security()
            .set_cadence(auth.principal(), &county, &body.starts_on, body.every_days)
            .await?,
    ))
}
