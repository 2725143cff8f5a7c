//! The final candidate lists as files (issue 5): CSV, and NIST's Election Results Common Data
//! Format (the candidate structure the results export builds on). Public, like the lists. The
//! use cases are `app::candidates`.

use crate::api::{attachment, ApiQuery};
use crate::{ApiError, AppState};
use app::candidates::ListScope;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// Only this county's councils.
    pub county: Option<String>,
    /// Only this council.
    pub council: Option<String>,
}

impl From<ExportQuery> for ListScope {
    fn from(q: ExportQuery) -> Self {
        Self {
            county: q.county,
            council: q.council,
        }
    }
}

/// The final candidate lists as CSV (UTF-8 with a byte-order mark, for spreadsheets): by
/// council, by code.
#[utoipa::path(get, path = "/api/v1/candidates/csv", tag = "candidates", params(ExportQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404)))]
pub async fn csv(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    let scope = ListScope::from(query);
    let export = state.app.candidates().csv(&scope).await?;
    Ok(served(
        &headers,
        "text/csv; charset=utf-8",
        &format!("candidates-{}.csv", scope.file_name()),
        export,
    ))
}

/// An export as the client takes it: gzipped (built once per change) when it says it accepts
/// gzip, plain otherwise; a download either way.
fn served(
    headers: &HeaderMap,
    content_type: &'static str,
    filename: &str,
    export: app::candidates::Export,
) -> Response {
    let gzip = headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or("").trim();
            let refused = parts.any(|p| matches!(p.trim(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
            name.eq_ignore_ascii_case("gzip") && !refused
        });
    let mut response = if gzip {
        let mut r = attachment(content_type, filename, export.gzip);
        r.headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        r
    } else {
        attachment(content_type, filename, export.plain)
    };
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    response
}

/// The final candidate lists in NIST SP 1500-100 Rev. 2 (Election Results CDF, JSON): one
/// candidate contest per council, its votes allowed being the council's main seats.
#[utoipa::path(get, path = "/api/v1/candidates/nist", tag = "candidates", params(ExportQuery),
    responses((status = 200, content_type = "application/json", body = Object), (status = 404)))]
pub async fn nist(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    let scope = ListScope::from(query);
    let export = state.app.candidates().nist(&scope).await?;
    Ok(served(
        &headers,
        "application/json",
        &format!("candidates-{}.nist.json", scope.file_name()),
        export,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScopeQuery {
    /// Only this county (a county-scoped user always sees their own).
    pub county: Option<String>,
}

/// Participation in registration for the information committee: filings per day and county,
/// shares of women and under-40s, education, vetting states, councils short of candidates.
/// A county-scoped user sees their county; the HQ and the province's supervision board the
/// province, or `?county=`.
#[utoipa::path(get, path = "/api/v1/registrations/statistics", tag = "candidates",
    params(ScopeQuery),
    responses((status = 200, body = Object), (status = 403)))]
pub async fn statistics(
    State(state): State<AppState>,
    auth: crate::auth::Auth,
    ApiQuery(query): ApiQuery<ScopeQuery>,
) -> Result<axum::Json<serde_json::Value>, ApiError> {
    let (p, county) = state
        .app
        .candidates()
        .participation(auth.principal(), query.county.as_deref())
        .await?;
    Ok(axum::Json(serde_json::json!({
        "county": county,
        "total": p.total,
        "women": p.women,
        "women_percent": p.share(p.women),
        "under_40": p.under_40,
        "under_40_percent": p.share(p.under_40),
        "per_day": p.per_day.iter().map(|(d, n)| serde_json::json!({"day": d.to_string(), "jalali": domain::calendar::jalali_numeric(*d), "registrations": n})).collect::<Vec<_>>(),
        "per_county": p.per_county,
        "by_education": p.by_education.iter().map(|(e, n)| serde_json::json!({"education": e.as_str(), "registrations": n})).collect::<Vec<_>>(),
        "by_state": p.by_state.iter().map(|(s, n)| serde_json::json!({"state": s.as_str(), "registrations": n})).collect::<Vec<_>>(),
        "short_councils": p.short,
    })))
}
