use crate::api::councils::list_county;
use crate::api::{page_request, ApiJson, ApiQuery};
use crate::auth::Auth;
use crate::{ApiError, AppState};
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use domain::access::{Action, Scope};
use domain::ids::PostalCode;
use domain::station::{Area, Facilities, GeoPoint, RouteStop, Station};
use domain::text::{ascii_digits, normalize_name};
use serde::{Deserialize, Serialize};
use store::{Actor, Page, PageRequest, StationFilter};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct StationQuery {
    /// County code; a county-scoped user sees only their own.
    county: Option<String>,
    /// Council code: the station's own, or one on its route.
    council: Option<String>,
    /// `urban` or `rural`.
    area: Option<String>,
    mobile: Option<bool>,
    closed: Option<bool>,
    /// Part of the station's name.
    name: Option<String>,
    /// `code`, `name` or `expected_voters`, `-` first for descending.
    sort: Option<String>,
    page: Option<u32>,
    per_page: Option<u32>,
}

/// The filter of a list request, confined to what the caller may see.
fn scoped_filter(auth: &Auth, q: StationQuery) -> Result<(StationFilter, PageRequest), ApiError> {
    let page = page_request(q.page, q.per_page);
    let area = match q.area.as_deref() {
        None | Some("") => None,
        Some(a) => Some(
            Area::parse(a).ok_or_else(|| domain::DomainError::InvalidField {
                field: "area",
                reason: "urban یا rural".into(),
            })?,
        ),
    };
    let mut filter = StationFilter {
        county: None,
        council: q.council,
        station: None,
        area,
        mobile: q.mobile,
        closed: q.closed,
        name: q.name.map(|n| normalize_name(&n)).filter(|n| !n.is_empty()),
        sort: q
            .sort
            .as_deref()
            .and_then(store::Sort::parse)
            .unwrap_or_default(),
    };
    if let Some(Scope::Station { county, station }) = auth.principal().map(|p| p.scope.clone()) {
        if q.county.as_ref().is_some_and(|c| *c != county) {
            return Err(ApiError::Forbidden);
        }
        auth.require(Action::ViewStation {
            county: &county,
            station: &station,
        })?;
        filter.station = Some(station);
        return Ok((filter, page));
    }
    filter.county = list_county(auth, q.county)?;
    Ok((filter, page))
}

/// Polling stations, filtered, sorted and paginated as `{items, total, page, per_page}`. A
/// station's staff see only their own station.
#[utoipa::path(get, path = "/api/v1/stations", tag = "stations", params(StationQuery),
    responses((status = 200, body = Page<Station>), (status = 403, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<StationQuery>,
) -> Result<Json<Page<Station>>, ApiError> {
    let (filter, page) = scoped_filter(&auth, q)?;
    Ok(Json(state.store.stations(&filter, page).await?))
}

/// One station.
#[utoipa::path(get, path = "/api/v1/stations/{code}", tag = "stations", params(("code" = String, Path, description = "station code")),
    responses((status = 200, body = Station), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
) -> Result<Json<Station>, ApiError> {
    Ok(Json(visible(&state, &auth, &code).await?))
}

/// A station the caller may see; `NotFound` or `Forbidden` otherwise.
pub(crate) async fn visible(
    state: &AppState,
    auth: &Auth,
    code: &str,
) -> Result<Station, ApiError> {
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

/// The fields of a new station; `code` may be left out to take the county's next number.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateStationRequest {
    code: Option<String>,
    name: String,
    county: String,
    council: String,
    area: Area,
    #[serde(default)]
    mobile: bool,
    #[serde(default)]
    hard_to_reach: bool,
    #[serde(default)]
    expected_voters: i64,
    #[serde(default)]
    address: String,
    postal_code: Option<String>,
    location: Option<GeoPoint>,
    #[serde(default)]
    facilities: Facilities,
    #[serde(default)]
    route: Vec<RouteStop>,
}

fn postal(code: Option<String>) -> Result<Option<PostalCode>, ApiError> {
    Ok(code
        .filter(|c| !c.trim().is_empty())
        .map(|c| PostalCode::parse(&c))
        .transpose()?)
}

/// The next free code of a county: its largest code plus one.
async fn next_code(state: &AppState, county: &str) -> Result<String, ApiError> {
    let filter = StationFilter {
        county: Some(county.to_owned()),
        sort: store::Sort::descending(store::StationSortKey::Code),
        ..Default::default()
    };
    let last = state
        .store
        .stations(&filter, PageRequest::new(1, 1))
        .await?
        .items
        .pop();
    let serial = last
        .and_then(|s| s.code.get(2..).and_then(|n| n.parse::<u32>().ok()))
        .unwrap_or(0)
        + 1;
    Ok(format!("{county}{serial:05}"))
}

/// Adds a station (province HQ, or the county's governor).
#[utoipa::path(post, path = "/api/v1/stations", tag = "stations", request_body = CreateStationRequest,
    responses((status = 201, body = Station), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<CreateStationRequest>,
) -> Result<(StatusCode, Json<Station>), ApiError> {
    let county = ascii_digits(body.county.trim());
    let principal = auth
        .require(Action::ManageStations { county: &county })?
        .clone();
    let election = state
        .store
        .election(None)
        .await?
        .ok_or(ApiError::NotFound(store::Entity::Election))?;
    let code = match body.code {
        Some(c) => ascii_digits(c.trim()),
        None => next_code(&state, &county).await?,
    };
    let station = Station {
        code,
        election_code: election.code,
        county_code: county,
        council_code: ascii_digits(body.council.trim()),
        name: normalize_name(&body.name),
        area: body.area,
        mobile: body.mobile,
        hard_to_reach: body.hard_to_reach,
        expected_voters: body.expected_voters,
        address: normalize_name(&body.address),
        postal_code: postal(body.postal_code)?,
        location: body.location,
        facilities: body.facilities,
        route: body.route,
        closed: false,
    };
    station.validate()?;
    state
        .store
        .create_station(&station, &Actor::new(principal.username, state.now()))
        .await?;
    Ok((StatusCode::CREATED, Json(station)))
}

/// Changes to a station: only the fields given change. `closed: true` closes it.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateStationRequest {
    name: Option<String>,
    council: Option<String>,
    area: Option<Area>,
    mobile: Option<bool>,
    hard_to_reach: Option<bool>,
    expected_voters: Option<i64>,
    address: Option<String>,
    postal_code: Option<String>,
    location: Option<GeoPoint>,
    facilities: Option<Facilities>,
    route: Option<Vec<RouteStop>>,
    closed: Option<bool>,
}

/// Edits or closes a station (province HQ, or the county's governor).
#[utoipa::path(patch, path = "/api/v1/stations/{code}", tag = "stations", request_body = UpdateStationRequest,
    params(("code" = String, Path, description = "station code")),
    responses((status = 200, body = Station), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<UpdateStationRequest>,
) -> Result<Json<Station>, ApiError> {
    auth.require(Action::ViewElection)?;
    let mut station = state
        .store
        .station(&code)
        .await?
        .ok_or(ApiError::NotFound(store::Entity::Station))?;
    let principal = auth
        .require(Action::ManageStations {
            county: &station.county_code,
        })?
        .clone();
    if let Some(v) = body.name {
        station.name = normalize_name(&v);
    }
    if let Some(v) = body.council {
        station.council_code = ascii_digits(v.trim());
    }
    if let Some(v) = body.area {
        station.area = v;
    }
    if let Some(v) = body.mobile {
        station.mobile = v;
    }
    if let Some(v) = body.hard_to_reach {
        station.hard_to_reach = v;
    }
    if let Some(v) = body.expected_voters {
        station.expected_voters = v;
    }
    if let Some(v) = body.address {
        station.address = normalize_name(&v);
    }
    if body.postal_code.is_some() {
        station.postal_code = postal(body.postal_code)?;
    }
    if body.location.is_some() {
        station.location = body.location;
    }
    if let Some(v) = body.facilities {
        station.facilities = v;
    }
    if let Some(v) = body.route {
        station.route = v;
    }
    if let Some(v) = body.closed {
        station.closed = v;
    }
    station.validate()?;
    state
        .store
        .update_station(&station, &Actor::new(principal.username, state.now()))
        .await?;
    Ok(Json(station))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ExportQuery {
    county: Option<String>,
}

/// Every station the caller may see (or of one county) as CSV (UTF-8 with a BOM).
#[utoipa::path(get, path = "/api/v1/stations/export.csv", tag = "stations", params(ExportQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = 403, body = crate::error::Problem)))]
pub async fn export(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    let county = list_county(&auth, q.county)?;
    let stations = all_stations(&state, county.as_deref()).await?;
    let name = format!("stations-{}.csv", county.as_deref().unwrap_or("province"));
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        domain::csv_io::stations_to_csv(&stations),
    )
        .into_response())
}

/// All stations of a county (or the province), in code order, page by page.
pub async fn all_stations(
    state: &AppState,
    county: Option<&str>,
) -> Result<Vec<Station>, ApiError> {
    let mut out = Vec::new();
    for page in 1.. {
        let filter = StationFilter {
            county: county.map(str::to_owned),
            ..Default::default()
        };
        let batch = state
            .store
            .stations(&filter, PageRequest::new(page, PageRequest::MAX_PER_PAGE))
            .await?;
        let done = batch.items.len() < PageRequest::MAX_PER_PAGE as usize;
        out.extend(batch.items);
        if done {
            break;
        }
    }
    Ok(out)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Imported {
    imported: u64,
}

/// Imports a station CSV (all or nothing; every bad row is reported by line). A governor may
/// import only their own county's stations.
#[utoipa::path(post, path = "/api/v1/stations/import", tag = "stations", request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = Imported), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn import(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Imported>, ApiError> {
    let principal = auth.require(Action::ViewElection)?.clone();
    let only_county = match &principal.scope {
        Scope::Province => None,
        Scope::County { county } | Scope::Station { county, .. } => Some(county.clone()),
    };
    // A province-wide manager passes for any county; everyone else for their own only.
    auth.require(Action::ManageStations {
        county: only_county.as_deref().unwrap_or_default(),
    })?;
    let body = read_file(body).await?;
    let text = csv_body(&headers, &body)?;
    let imported = store::import::stations_csv(
        state.store.as_ref(),
        text,
        only_county.as_deref(),
        &Actor::new(principal.username.clone(), state.now()),
    )
    .await?;
    Ok(Json(Imported { imported }))
}

/// Imported files may be far larger than ordinary requests: a province's stations or a
/// county's people run to megabytes.
pub const MAX_FILE_BYTES: usize = 32 * 1024 * 1024;

/// Reads an uploaded file's body within [`MAX_FILE_BYTES`].
pub async fn read_file(body: Body) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(body, MAX_FILE_BYTES)
        .await
        .map_err(|_| ApiError::PayloadTooLarge)
}

/// A CSV request body as text.
pub fn csv_body<'a>(headers: &HeaderMap, body: &'a Bytes) -> Result<&'a str, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type.starts_with("text/csv") && !content_type.starts_with("text/plain") {
        return Err(ApiError::UnsupportedMediaType);
    }
    std::str::from_utf8(body).map_err(|_| {
        ApiError::Rows(vec![domain::csv_io::RowError {
            line: 1,
            message: "پرونده باید UTF-8 باشد.".into(),
        }])
    })
}
