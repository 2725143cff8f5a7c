//! The final candidate lists as files (issue 5): CSV, and NIST's Election Results Common Data
//! Format (the candidate structure the results export builds on). Public, like the lists.

use crate::api::ApiQuery;
use crate::cache::{all_councils, election_code};
use crate::{ApiError, AppState};
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use domain::election::Council;
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ExportQuery {
    /// Only this county's councils.
    pub county: Option<String>,
    /// Only this council.
    pub council: Option<String>,
}

/// The councils an export covers, and their approved candidates.
pub(crate) async fn lists(
    state: &AppState,
    query: &ExportQuery,
) -> Result<(Vec<Council>, Vec<domain::ballot::Candidate>), ApiError> {
    let election = election_code(state).await?;
    let councils: Vec<Council> = all_councils(state)
        .await?
        .iter()
        .filter(|c| query.county.as_deref().is_none_or(|k| c.county_code == k))
        .filter(|c| query.council.as_deref().is_none_or(|k| c.code == k))
        .cloned()
        .collect();
    if councils.is_empty() {
        return Err(ApiError::NotFound(store::Entity::Council));
    }
    let candidates = state
        .store
        .all_candidates(election)
        .await?
        .into_iter()
        .filter(|c| councils.iter().any(|k| k.code == c.council))
        .collect();
    Ok((councils, candidates))
}

fn attachment(content_type: &'static str, filename: &str, body: String) -> Response {
    let disposition = format!("attachment; filename=\"{filename}\"");
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

fn scope_name(query: &ExportQuery) -> String {
    match (&query.council, &query.county) {
        (Some(c), _) => format!("council-{c}"),
        (None, Some(k)) => format!("county-{k}"),
        (None, None) => "province".into(),
    }
}

/// The final candidate lists as CSV (UTF-8 with a byte-order mark, for spreadsheets): by
/// council, by code.
#[utoipa::path(get, path = "/api/v1/candidates/csv", tag = "candidates", security(()), params(ExportQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = crate::error::Problem)))]
pub async fn csv(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    let (councils, candidates) = lists(&state, &query).await?;
    Ok(attachment(
        "text/csv; charset=utf-8",
        &format!("candidates-{}.csv", scope_name(&query)),
        domain::csv_io::candidates_to_csv(&councils, &candidates),
    ))
}

/// The final candidate lists in NIST SP 1500-100 Rev. 2 (Election Results CDF, JSON): one
/// candidate contest per council, its votes allowed being the council's main seats.
#[utoipa::path(get, path = "/api/v1/candidates/nist", tag = "candidates", security(()), params(ExportQuery),
    responses((status = 200, content_type = "application/json", body = Object), (status = 404, body = crate::error::Problem)))]
pub async fn nist(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    let (councils, candidates) = lists(&state, &query).await?;
    let code = election_code(&state).await?;
    let election = state
        .store
        .election(Some(code))
        .await?
        .ok_or(ApiError::NotFound(store::Entity::Election))?;
    let counties: Vec<domain::geo::County> = state
        .store
        .counties(&store::CountyFilter::default())
        .await?
        .into_iter()
        .map(|s| s.county)
        .filter(|k| councils.iter().any(|c| c.county_code == k.code))
        .collect();
    let report = domain::nist::candidates_report(
        &domain::nist::Issuer {
            name: "ستاد انتخابات استان کرمان",
            abbreviation: "KRM-HQ",
            application: concat!("sandoq ", env!("CARGO_PKG_VERSION")),
        },
        &election,
        &counties,
        &councils,
        &candidates,
        state.now(),
    );
    Ok(attachment(
        "application/json",
        &format!("candidates-{}.nist.json", scope_name(&query)),
        report.to_string(),
    ))
}

/// Participation in registration for the information committee: filings per day and county,
/// shares of women and under-40s, education, vetting states, councils short of candidates.
/// A county-scoped user sees their county; the HQ and the province's supervision board the
/// province, or `?county=`.
#[utoipa::path(get, path = "/api/v1/registrations/statistics", tag = "candidates",
    params(crate::views::participation::ScopeQuery),
    responses((status = 200, body = Object), (status = 403, body = crate::error::Problem)))]
pub async fn statistics(
    State(state): State<AppState>,
    auth: crate::auth::Auth,
    ApiQuery(query): ApiQuery<crate::views::participation::ScopeQuery>,
) -> Result<axum::Json<serde_json::Value>, ApiError> {
    let (p, county) =
        crate::views::participation::participation(&state, &auth, query.county.as_deref()).await?;
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
