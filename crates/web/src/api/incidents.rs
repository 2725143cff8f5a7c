//! Incidents (issue 16 §5): filing (with an optional photo), the filtered list, one incident
//! with its steps, and the next step. The use cases are `app::incidents`; the incident pages
//! call the same, and read a filing's form with [`read_form`].

use crate::api::{ApiJson, ApiPath, ApiQuery};
use crate::auth::Visit;
use crate::ApiError;
use app::incidents::{IncidentForm, ListQuery, PhotoUpload};
use axum::extract::Multipart;
use axum::http::StatusCode;
use axum::Json;
use domain::incident::{Incident, IncidentStatus, IncidentStep, Overdue};
use serde::{Deserialize, Serialize};

/// The longest text field of a filing, in characters (the description's limit, with room).
const MAX_FIELD_CHARS: usize = domain::incident::MAX_DESCRIPTION_CHARS + 100;

/// A filing's `multipart/form-data` body as read: its fields and its photo. Fields: `county`,
/// `station`, `subcategory`, `severity`, `occurred_at`, `description`; file: `photo`.
pub async fn read_form(mut multipart: Multipart) -> Result<IncidentForm, ApiError> {
    let broken = |e: &axum::extract::multipart::MultipartError| -> ApiError {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge
        } else {
            app::Error::invalid("multipart", "فرم ارسالی خوانا نیست").into()
        }
    };
    let mut form = IncidentForm::default();
    loop {
        let part = match multipart.next_field().await {
            Ok(Some(part)) => part,
            Ok(None) => break,
            Err(e) => return Err(broken(&e)),
        };
        let name = part.name().unwrap_or_default().to_owned();
        if name == "photo" {
            let declared = part.content_type().map(str::to_owned);
            let unnamed = part.file_name().is_none_or(str::is_empty);
            let bytes = part.bytes().await.map_err(|e| broken(&e))?;
            // A file input left empty: no file name and no bytes.
            if bytes.is_empty() && (declared.is_none() || unnamed) {
                continue;
            }
            if form.photo.is_some() {
                return Err(app::Error::invalid("photo", "تنها یک تصویر بارگذاری کنید").into());
            }
            form.photo = Some(PhotoUpload { declared, bytes });
            continue;
        }
        let value = part.text().await.map_err(|e| broken(&e))?;
        if value.chars().count() > MAX_FIELD_CHARS {
            return Err(
                app::Error::invalid("multipart", "یکی از خانه‌ها بیش از اندازه بلند است").into(),
            );
        }
        match name.as_str() {
            "county" => form.county = Some(value),
            "station" => form.station = Some(value),
            "subcategory" => form.subcategory = value,
            "severity" => form.severity = value,
            "occurred_at" => form.occurred_at = Some(value),
            "description" => form.description = value,
            // The page's CSRF token and anything else: not the filing's.
            _ => {}
        }
    }
    Ok(form)
}

/// An incident as the API shows it: as filed and as it stands, whether it is overdue now, and
/// whether it has a photo (`GET /incidents/{id}/photo` on the pages serves it).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IncidentView {
    #[serde(flatten)]
    pub incident: Incident,
    /// The deadline missed at the time of the answer, if any.
    pub overdue: Option<Overdue>,
}

/// A page of incidents.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IncidentPage {
    pub items: Vec<IncidentView>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

/// One incident and its steps, oldest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IncidentDetail {
    #[serde(flatten)]
    pub incident: IncidentView,
    pub steps: Vec<IncidentStep>,
    /// The status the next step leads to; none once resolved.
    pub next: Option<IncidentStatus>,
}

fn view(incident: Incident, now: time::OffsetDateTime) -> IncidentView {
    IncidentView {
        overdue: incident.overdue(now),
        incident,
    }
}

fn detail(
    (incident, steps): store::incidents::IncidentFile,
    now: time::OffsetDateTime,
) -> IncidentDetail {
    let next = incident.status.next();
    IncidentDetail {
        incident: view(incident, now),
        steps,
        next,
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IncidentsQuery {
    /// A county code (a county's users see only their own).
    pub county: Option<String>,
    /// A station code.
    pub station: Option<String>,
    /// `open`, `acknowledged`, `in_progress` or `resolved`.
    pub status: Option<String>,
    /// `low`, `medium`, `high` or `critical`.
    pub severity: Option<String>,
    /// `cyber`, `physical` or `violation`.
    pub category: Option<String>,
    /// Only those past a response-time deadline now.
    pub overdue: Option<bool>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

/// The incidents the caller may see, newest filing first: a county governor their county's,
/// station staff their station's, the province HQ, province-wide inspectors and observers any
/// county's or all.
#[utoipa::path(get, path = "/api/v1/incidents", tag = "incidents", params(IncidentsQuery),
    responses((status = 200, body = IncidentPage), (status = 403),
        (status = 422, description = "`invalid_field`: a filter value that is not one of the codes")))]
pub async fn list(
    Visit { state, auth }: Visit,
    ApiQuery(q): ApiQuery<IncidentsQuery>,
) -> Result<Json<IncidentPage>, ApiError> {
    let query = ListQuery {
        county: q.county,
        station: q.station,
        status: q.status,
        severity: q.severity,
        category: q.category,
        overdue: q.overdue.unwrap_or(false),
    };
    let page = state
        .app
        .incidents()
        .list(
            auth.principal(),
            &query,
            app::page_request(q.page, q.per_page),
        )
        .await?;
    let now = state.now();
    Ok(Json(IncidentPage {
        items: page.items.into_iter().map(|i| view(i, now)).collect(),
        total: page.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

/// Files an incident: `multipart/form-data` with its fields and an optional photo (JPEG or
/// PNG, judged by its content). Station staff file at their own station (the station may be
/// left out), inspectors within their scope, a governor in their county, the HQ anywhere.
/// Nothing is written on a refusal.
#[utoipa::path(post, path = "/api/v1/incidents", tag = "incidents",
    request_body(content_type = "multipart/form-data", description = "Fields: county (may be left out with a station), station, subcategory (link_down, intrusion, malware, account_misuse, other_cyber, power_cut, equipment_damage, disturbance, fire_or_hazard, theft, other_physical, campaigning, vote_buying, identity_fraud, staff_misconduct, obstruction, other_violation), severity (low|medium|high|critical), occurred_at (Jalali or ISO, Tehran time; now when left out), description; file: photo"),
    responses((status = 201, body = IncidentDetail), (status = 403),
        (status = 413, description = "`payload_too_large`"),
        (status = 422, description = "`invalid_field`, `incident_description_too_short`, `incident_description_too_long`, `incident_in_future`, `incident_too_old`, `incident_station_not_in_county`, `incident_photo_empty`, `incident_photo_too_large`, `incident_photo_not_an_image`, `incident_photo_mismatch`")))]
pub async fn file(
    Visit { state, auth }: Visit,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<(StatusCode, Json<IncidentDetail>), ApiError> {
    let multipart = multipart.map_err(|_| ApiError::UnsupportedMediaType)?;
    let form = read_form(multipart).await?;
    let filed = state.app.incidents().file(auth.principal(), form).await?;
    Ok((
        StatusCode::CREATED,
        Json(detail((filed, Vec::new()), state.now())),
    ))
}

/// One incident with its steps, to those who may see it.
#[utoipa::path(get, path = "/api/v1/incidents/{id}", tag = "incidents",
    params(("id" = i64, Path, description = "The incident's number")),
    responses((status = 200, body = IncidentDetail), (status = 403), (status = 404)))]
pub async fn show(
    Visit { state, auth }: Visit,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<IncidentDetail>, ApiError> {
    let file = state.app.incidents().one(auth.principal(), id).await?;
    Ok(Json(detail(file, state.now())))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = IncidentStepRequest)]
#[serde(deny_unknown_fields)]
pub struct StepRequest {
    /// The status the step leads to: only the next one (`acknowledged`, then `in_progress`,
    /// then `resolved`).
    pub status: String,
    /// What was done; required to resolve.
    #[serde(default)]
    pub note: String,
}

/// Takes an incident to its next status: the county's governor, or the province HQ. A step
/// out of order is 409 `incident_step_out_of_order`, and nothing is written.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/steps", tag = "incidents",
    params(("id" = i64, Path, description = "The incident's number")),
    request_body = StepRequest,
    responses((status = 200, body = IncidentDetail), (status = 403), (status = 404),
        (status = 409, description = "`incident_step_out_of_order`, `incident_step_before_last`"),
        (status = 422, description = "`invalid_field`, `incident_resolution_needs_note`, `incident_note_too_long`")))]
pub async fn step(
    Visit { state, auth }: Visit,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<StepRequest>,
) -> Result<Json<IncidentDetail>, ApiError> {
    let file = state
        .app
        .incidents()
        .step(auth.principal(), id, &body.status, &body.note)
        .await?;
    Ok(Json(detail(file, state.now())))
}
