//! Polling stations: lists, one station, adding, editing and closing, CSV in and out. The
//! use cases are `app::stations`; the station page's edit form calls the same.

use crate::api::{attachment, page_request, ApiJson, ApiPath, ApiQuery};
use crate::auth::Visit;
use crate::ApiError;
use app::stations::{postal_code, NewStation};
use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use domain::station::{Area, Facilities, GeoPoint, RouteStop, Station};
use domain::text::{ascii_digits, normalize_name};
use serde::{Deserialize, Serialize};
use store::{Page, PageRequest, StationFilter};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
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

/// The filter a list request asks for; `app::lookups` confines it to what the caller may see.
fn asked_filter(q: StationQuery) -> Result<(StationFilter, PageRequest), ApiError> {
    let area = match q.area.as_deref() {
        None | Some("") => None,
        Some(a) => Some(
            Area::parse(a).ok_or_else(|| domain::DomainError::InvalidField {
                field: "area",
                reason: "urban یا rural".into(),
            })?,
        ),
    };
    let filter = StationFilter {
        county: q.county,
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
    Ok((filter, page_request(q.page, q.per_page)))
}

/// Polling stations, filtered, sorted and paginated as `{items, total, page, per_page}`. A
/// station's staff see only their own station.
#[utoipa::path(get, path = "/api/v1/stations", tag = "stations", params(StationQuery),
    responses((status = 200, body = Page<Station>), (status = 403),
        (status = 422, description = "`invalid_field`: an `area` other than `urban` or `rural`")))]
pub async fn list(
    Visit { state, auth }: Visit,
    ApiQuery(q): ApiQuery<StationQuery>,
) -> Result<Json<Page<Station>>, ApiError> {
    let (filter, page) = asked_filter(q)?;
    let lookups = state.app.lookups();
    Ok(Json(
        lookups.stations(auth.principal(), filter, page).await?,
    ))
}

/// One station.
#[utoipa::path(get, path = "/api/v1/stations/{code}", tag = "stations", params(("code" = String, Path, description = "station code")),
    responses((status = 200, body = Station), (status = 403), (status = 404)))]
pub async fn show(
    Visit { state, auth }: Visit,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Station>, ApiError> {
    Ok(Json(
        state
            .app
            .lookups()
            .visible_station(auth.principal(), &code)
            .await?,
    ))
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

/// Adds a station (province HQ, or the county's governor).
#[utoipa::path(post, path = "/api/v1/stations", tag = "stations", request_body = CreateStationRequest,
    responses((status = 201, body = Station), (status = 403), (status = 409), (status = 422)))]
pub async fn create(
    Visit { state, auth }: Visit,
    ApiJson(body): ApiJson<CreateStationRequest>,
) -> Result<(StatusCode, Json<Station>), ApiError> {
    let new = NewStation {
        code: body.code,
        name: body.name,
        county: body.county,
        council: body.council,
        area: body.area,
        mobile: body.mobile,
        hard_to_reach: body.hard_to_reach,
        expected_voters: body.expected_voters,
        address: body.address,
        postal_code: body.postal_code,
        location: body.location,
        facilities: body.facilities,
        route: body.route,
    };
    let station = state.app.stations().create(auth.principal(), new).await?;
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
    responses((status = 200, body = Station), (status = 403), (status = 404), (status = 422)))]
pub async fn update(
    Visit { state, auth }: Visit,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<UpdateStationRequest>,
) -> Result<Json<Station>, ApiError> {
    let edit = |station: &mut Station| -> app::Result<()> {
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
            station.postal_code = postal_code(body.postal_code.as_deref())?;
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
        Ok(())
    };
    Ok(Json(
        state
            .app
            .stations()
            .update(auth.principal(), &code, edit)
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    county: Option<String>,
}

/// Every station the caller may see (or of one county) as CSV (UTF-8 with a BOM).
#[utoipa::path(get, path = "/api/v1/stations/export.csv", tag = "stations", params(ExportQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = 403),
        (status = 404, description = "`not_found`: no county of that code")))]
pub async fn export(
    Visit { state, auth }: Visit,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    let (county, csv) = state
        .app
        .stations()
        .export(auth.principal(), q.county)
        .await?;
    let name = format!("stations-{}.csv", county.as_deref().unwrap_or("province"));
    Ok(attachment("text/csv; charset=utf-8", &name, csv))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Imported {
    imported: u64,
}

impl Imported {
    pub fn new(imported: u64) -> Self {
        Self { imported }
    }
}

/// Imports a station CSV (all or nothing; every bad row is reported by line). A governor may
/// import only their own county's stations.
#[utoipa::path(post, path = "/api/v1/stations/import", tag = "stations", request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = Imported), (status = 403), (status = 422)))]
pub async fn import(
    Visit { state, auth }: Visit,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Imported>, ApiError> {
    // Who may import is asked before the file is read.
    app::stations::may_import(auth.principal())?;
    let body = read_file(body).await?;
    let text = csv_body(&headers, &body)?;
    let imported = state.app.stations().import(auth.principal(), text).await?;
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
        app::Error::Rows(vec![domain::csv_io::RowError {
            line: 1,
            message: "پرونده باید UTF-8 باشد.".into(),
        }])
        .into()
    })
}
