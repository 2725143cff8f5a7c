//! Readiness and the timeline (issue 16): the picture of a county or the province, a station's
//! declaration, the telecom company's file, the score's weights, the timeline.

use crate::api::stations::{csv_body, read_file, Imported};
use crate::api::{attachment, ApiJson, ApiPath, ApiQuery};
use crate::auth::Visit;
use crate::ApiError;
use app::readiness::{AssessedStation, GroupTally, Picture, TimelineEntry};
use axum::body::Body;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Json;
use domain::election::Milestone;
use domain::readiness::{Declared, Link, Overdue, Readiness, Requirement, Tally, Weights};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CountyQuery {
    /// A county's code; left out, the caller's own county (or the province for a
    /// province-wide caller).
    county: Option<String>,
}

/// Whether a sensitive station's security plan is approved.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlanStanding {
    /// Not a sensitive station: it needs none.
    NotNeeded,
    Approved,
    /// Sensitive, and no approved plan.
    Missing,
}

/// One station's readiness, flat.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StationRow {
    station: String,
    name: String,
    county: String,
    council: String,
    council_name: String,
    /// Whether anything is declared; the fields below are the declaration's (`null` before).
    declared: bool,
    link: Option<Link>,
    #[serde(with = "domain::json_time::date::option")]
    #[schema(value_type = Option<String>, format = Date)]
    fibre_planned_on: Option<time::Date>,
    cctv: Option<Cctv>,
    power: Option<bool>,
    devices_installed: Option<bool>,
    devices_tested: Option<bool>,
    step_free: Option<bool>,
    ready: bool,
    note: Option<String>,
    #[serde(with = "domain::json_time::instant::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    declared_at: Option<time::OffsetDateTime>,
    declared_by: Option<String>,
    score: u32,
    sensitive: bool,
    plan_status: PlanStanding,
    overdue: Vec<Overdue>,
    /// What it lacks before it may be marked ready.
    missing: Vec<Requirement>,
    /// Where its equipment test stands: only `passed` or `overridden` opens on election day.
    equipment: domain::test_deck::EquipmentStanding,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Cctv {
    installed: bool,
    monitored: bool,
}

impl From<&AssessedStation> for StationRow {
    fn from(a: &AssessedStation) -> Self {
        let s = &a.station;
        let d = s.declared.as_ref();
        let r = d.map(|d| &d.readiness);
        Self {
            station: s.station.clone(),
            name: s.name.clone(),
            county: s.county.clone(),
            council: s.council.clone(),
            council_name: s.council_name.clone(),
            declared: d.is_some(),
            link: r.map(|r| r.link),
            fibre_planned_on: r.and_then(|r| r.fibre_planned_on),
            cctv: r.map(|r| Cctv {
                installed: r.cctv_installed,
                monitored: r.cctv_monitored,
            }),
            power: r.map(|r| r.power_backup),
            devices_installed: r.map(|r| r.devices_installed),
            devices_tested: r.map(|r| r.devices_tested),
            step_free: r.map(|r| r.step_free),
            ready: r.is_some_and(|r| r.ready),
            note: r.map(|r| r.note.clone()),
            declared_at: d.map(|d| d.declared_at),
            declared_by: d.map(|d| d.declared_by.clone()),
            score: a.assessment.score,
            sensitive: s.sensitive,
            plan_status: match (s.sensitive, s.security().needs_plan()) {
                (false, _) => PlanStanding::NotNeeded,
                (true, false) => PlanStanding::Approved,
                (true, true) => PlanStanding::Missing,
            },
            overdue: a.assessment.overdue.clone(),
            missing: a.assessment.missing.clone(),
            equipment: a.equipment,
        }
    }
}

/// Counts over a county, a council or the province.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Summary {
    stations: u64,
    undeclared: u64,
    fibre: u64,
    fibre_planned: u64,
    landline: u64,
    sim: u64,
    no_link: u64,
    planned_late: u64,
    ready: u64,
    sensitive: u64,
    sensitive_without_plan: u64,
    overdue: u64,
    mean_score: u32,
}

impl From<&Tally> for Summary {
    fn from(t: &Tally) -> Self {
        Self {
            stations: t.stations,
            undeclared: t.undeclared,
            fibre: t.with_link(Link::FibreConnected),
            fibre_planned: t.with_link(Link::FibrePlanned),
            landline: t.with_link(Link::Landline),
            sim: t.with_link(Link::Sim),
            no_link: t.no_link(),
            planned_late: t.planned_late,
            ready: t.ready,
            sensitive: t.sensitive,
            sensitive_without_plan: t.sensitive_without_plan,
            overdue: t.overdue,
            mean_score: t.mean_score(),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Group {
    code: String,
    name: String,
    #[serde(flatten)]
    summary: Summary,
}

impl From<&GroupTally> for Group {
    fn from(g: &GroupTally) -> Self {
        Self {
            code: g.code.clone(),
            name: g.name.clone(),
            summary: Summary::from(&g.tally),
        }
    }
}

/// The readiness picture.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReadinessPicture {
    /// `null`: the whole province.
    county: Option<String>,
    summary: Summary,
    /// Every county, worst first (the province's picture only).
    counties: Vec<Group>,
    /// Every council, worst first.
    councils: Vec<Group>,
    stations: Vec<StationRow>,
    /// The stations by their equipment tests' standing.
    equipment: domain::test_deck::EquipmentTally,
    weights: Weights,
}

impl From<&Picture> for ReadinessPicture {
    fn from(p: &Picture) -> Self {
        Self {
            county: p.county.clone(),
            summary: Summary::from(&p.summary),
            counties: p.counties.iter().map(Group::from).collect(),
            councils: p.councils.iter().map(Group::from).collect(),
            stations: p.stations.iter().map(StationRow::from).collect(),
            equipment: p.equipment,
            weights: p.weights,
        }
    }
}

/// The county a request asks for, or the caller's own.
fn county_of(auth: &crate::auth::Auth, asked: Option<String>) -> Option<String> {
    asked.or_else(|| {
        auth.principal()
            .and_then(|p| p.scope.county())
            .map(str::to_owned)
    })
}

/// Every station's readiness in a county (or the province), with the counts, the counties and
/// councils worst first, and what is overdue.
#[utoipa::path(get, path = "/api/v1/readiness", tag = "readiness", params(CountyQuery),
    responses((status = 200, body = ReadinessPicture), (status = 403)))]
pub async fn picture(
    Visit { state, auth }: Visit,
    ApiQuery(q): ApiQuery<CountyQuery>,
) -> Result<Json<ReadinessPicture>, ApiError> {
    let county = county_of(&auth, q.county);
    let picture = state
        .app
        .readiness()
        .picture(auth.principal(), county.as_deref())
        .await?;
    Ok(Json(ReadinessPicture::from(&picture)))
}

/// One station's readiness.
#[utoipa::path(get, path = "/api/v1/stations/{code}/readiness", tag = "readiness",
    params(("code" = String, Path, description = "station code")),
    responses((status = 200, body = StationRow), (status = 403), (status = 404)))]
pub async fn station(
    Visit { state, auth }: Visit,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<StationRow>, ApiError> {
    let found = state
        .app
        .readiness()
        .station(auth.principal(), &code)
        .await?;
    Ok(Json(StationRow::from(&found)))
}

/// A declaration as the API takes it: the link by its code (`fibre`, `fibre_planned`,
/// `landline`, `sim`, `none`), read here so that an unknown one is named in Persian.
#[allow(clippy::struct_excessive_bools)] // the declaration's yes-or-no facts, as the form asks them
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ReadinessRequest {
    link: String,
    /// A Jalali (`1404/12/20`) or ISO date, with `fibre_planned` only.
    #[serde(default)]
    fibre_planned_on: Option<String>,
    #[serde(default)]
    cctv_installed: bool,
    #[serde(default)]
    cctv_monitored: bool,
    #[serde(default)]
    power_backup: bool,
    #[serde(default)]
    devices_installed: bool,
    #[serde(default)]
    devices_tested: bool,
    #[serde(default)]
    step_free: bool,
    #[serde(default)]
    ready: bool,
    #[serde(default)]
    note: String,
}

impl ReadinessRequest {
    fn readiness(self) -> Result<Readiness, app::Error> {
        let link = Link::parse(&self.link).ok_or_else(|| {
            app::Error::invalid(
                "link",
                format!(
                    "نوع اتصال «{}» شناخته نیست؛ یکی از: {}",
                    domain::text::echo(&self.link),
                    Link::ALL.map(Link::as_str).join("، ")
                ),
            )
        })?;
        Ok(Readiness {
            link,
            fibre_planned_on: self
                .fibre_planned_on
                .filter(|d| !d.trim().is_empty())
                .map(|d| domain::calendar::parse_date(&d))
                .transpose()?,
            cctv_installed: self.cctv_installed,
            cctv_monitored: self.cctv_monitored,
            power_backup: self.power_backup,
            devices_installed: self.devices_installed,
            devices_tested: self.devices_tested,
            step_free: self.step_free,
            ready: self.ready,
            note: domain::text::normalize_name(&self.note),
        })
    }
}

/// Declares a station's readiness (its county's governor, or the province HQ). A planned fibre
/// connection needs a date from today on; marking it ready needs a link, tested devices, power
/// backup and, for a sensitive station, an approved security plan (409 otherwise).
#[utoipa::path(put, path = "/api/v1/stations/{code}/readiness", tag = "readiness", request_body = ReadinessRequest,
    params(("code" = String, Path, description = "station code")),
    responses((status = 200, body = Declared), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn declare(
    Visit { state, auth }: Visit,
    ApiPath(code): ApiPath<String>,
    ApiJson(request): ApiJson<ReadinessRequest>,
) -> Result<Json<Declared>, ApiError> {
    let readiness = request.readiness()?;
    Ok(Json(
        state
            .app
            .readiness()
            .declare(auth.principal(), &code, &readiness)
            .await?,
    ))
}

/// A readiness file (CSV: `station` and any of `link`, `fibre_planned_on`, `cctv_installed`,
/// `cctv_monitored`, `power_backup`, `devices_installed`, `devices_tested`, `step_free`,
/// `ready`, `note`; an empty cell keeps what was declared), all or nothing, every bad row by
/// its line. A governor's file names their county's stations only.
#[utoipa::path(post, path = "/api/v1/readiness/import", tag = "readiness", request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = Imported), (status = 403), (status = 422)))]
pub async fn import(
    Visit { state, auth }: Visit,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Imported>, ApiError> {
    let body = read_file(body).await?;
    let text = csv_body(&headers, &body)?;
    let imported = state
        .app
        .readiness()
        .import_csv(auth.principal(), text)
        .await?;
    Ok(Json(Imported::new(imported)))
}

/// Every station's readiness of a county (or the province) as CSV for Excel (UTF-8 with a
/// BOM); the same columns the import reads.
#[utoipa::path(get, path = "/api/v1/readiness/export.csv", tag = "readiness", params(CountyQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = 403)))]
pub async fn export(
    Visit { state, auth }: Visit,
    ApiQuery(q): ApiQuery<CountyQuery>,
) -> Result<Response, ApiError> {
    let county = county_of(&auth, q.county);
    let csv = state
        .app
        .readiness()
        .export_csv(auth.principal(), county.as_deref())
        .await?;
    let name = format!("readiness-{}.csv", county.as_deref().unwrap_or("province"));
    Ok(attachment("text/csv; charset=utf-8", &name, csv))
}

/// The readiness score's weights.
#[utoipa::path(get, path = "/api/v1/readiness/weights", tag = "readiness",
    responses((status = 200, body = Weights)))]
pub async fn weights(Visit { state, auth }: Visit) -> Result<Json<Weights>, ApiError> {
    Ok(Json(state.app.readiness().weights(auth.principal()).await?))
}

/// Sets the readiness score's weights (province HQ): each 0 to 100, not all 0.
#[utoipa::path(put, path = "/api/v1/readiness/weights", tag = "readiness", request_body = Weights,
    responses((status = 200, body = Weights), (status = 403), (status = 422)))]
pub async fn set_weights(
    Visit { state, auth }: Visit,
    ApiJson(weights): ApiJson<Weights>,
) -> Result<Json<Weights>, ApiError> {
    state
        .app
        .readiness()
        .set_weights(auth.principal(), &weights)
        .await?;
    Ok(Json(weights))
}

/// The election's timeline: each milestone with its owner, its state now and a countdown in
/// Persian.
#[utoipa::path(get, path = "/api/v1/timeline", tag = "readiness",
    responses((status = 200, body = Vec<TimelineEntry>)))]
pub async fn timeline(Visit { state, auth }: Visit) -> Result<Json<Vec<TimelineEntry>>, ApiError> {
    Ok(Json(
        state.app.readiness().timeline(auth.principal()).await?,
    ))
}

/// Writes a milestone of the timeline (province HQ): replaced in place, or added last. Its
/// key is the path's.
#[utoipa::path(put, path = "/api/v1/timeline/{key}", tag = "readiness", request_body = Milestone,
    params(("key" = String, Path, description = "milestone key")),
    responses((status = 200, body = Vec<TimelineEntry>), (status = 403), (status = 422)))]
pub async fn set_milestone(
    Visit { state, auth }: Visit,
    ApiPath(key): ApiPath<String>,
    ApiJson(mut milestone): ApiJson<Milestone>,
) -> Result<Json<Vec<TimelineEntry>>, ApiError> {
    milestone.key = key;
    let cases = state.app.readiness();
    cases.set_milestone(auth.principal(), &milestone).await?;
    Ok(Json(cases.timeline(auth.principal()).await?))
}
