//! The final candidate lists (issue 5): public, one council at a time, with each candidate's
//! photo, code, name, education and occupation; printable, and exportable as CSV and in NIST's
//! format (`app::candidates`, served by the API).

use crate::fmt::url_encode;
use crate::views::OnPage;
use crate::views::{render, Choice, Counties, Layout, PageResult, Visit};
use crate::{ApiError, AppState};
use askama::Template;
use axum::extract::State;
use axum::extract::{Path, Query};
use axum::http::{header, HeaderValue};
use axum::response::IntoResponse;
use domain::text::{persian_digits, persian_number};
use serde::Deserialize;

pub struct Row {
    pub code_fa: String,
    pub name: String,
    /// Surname first, for sorting ([`crate::fmt::surname_first`]).
    pub name_key: String,
    pub initials: String,
    pub hue: u32,
    pub photo: Option<String>,
    pub education: String,
    pub occupation: String,
}

pub struct CouncilView {
    pub name: String,
    /// The council as a title (its kind said once).
    pub title: String,
    pub kind: &'static str,
    pub county: String,
    pub seats: String,
    pub count: String,
}

/// A candidate's initials (joined by a zero-width non-joiner), drawn where no photo was filed.
pub fn initials(c: &domain::ballot::Candidate) -> String {
    format!(
        "{}\u{200c}{}",
        c.first_name.chars().next().unwrap_or(' '),
        c.last_name.chars().next().unwrap_or(' ')
    )
}

/// The hue (0 to 359) of a candidate's initials, the same for their code on every page.
pub fn hue(code: &str) -> u32 {
    code.bytes().map(u32::from).sum::<u32>() * 37 % 360
}

/// The address of a candidate's photo, if their registration filed one.
pub async fn photo_href(state: &AppState, code: &str) -> Result<Option<String>, ApiError> {
    let filed = state.app.candidates().has_photo(code).await?;
    Ok(filed.then(|| format!("/candidates/photo/{}", url_encode(code))))
}

#[derive(Template)]
#[template(path = "candidates.html")]
struct CandidatesPage {
    layout: Layout,
    counties: Vec<Choice>,
    councils: Vec<Choice>,
    council: Option<CouncilView>,
    rows: Vec<Row>,
    csv_href: String,
    nist_href: String,
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    pub county: Option<String>,
    pub council: Option<String>,
}

/// `GET /candidates`: pick a county and a council, see its final list.
pub async fn list(visit: Visit, OnPage(Query(q)): OnPage<Query<ListQuery>>) -> PageResult {
    let councils = visit.app().cached().councils().await?;
    let chosen = match q.council.as_deref().filter(|c| !c.is_empty()) {
        Some(code) => Some(
            councils
                .iter()
                .find(|c| c.code == code)
                .cloned()
                .ok_or(ApiError::not_found(store::Entity::Council))?,
        ),
        None => None,
    };
    let county = chosen
        .as_ref()
        .map(|c| c.county_code.clone())
        .or_else(|| q.county.clone().filter(|k| !k.is_empty()))
        .unwrap_or_default();
    let counties = Counties::read(&visit.state).await?;
    let county_name = counties.name(&county).unwrap_or_default().to_owned();
    let council_choices = councils
        .iter()
        .filter(|c| !county.is_empty() && c.county_code == county)
        .map(|c| {
            let label = domain::election::council_title(c.kind, &c.name);
            let selected = chosen.as_ref().is_some_and(|k| k.code == c.code);
            Choice::new(c.code.as_str(), label, selected)
        })
        .collect();
    let mut rows = Vec::new();
    let mut view = None;
    if let Some(council) = &chosen {
        let (_, candidates) = visit.app().candidates().on_ballot(&council.code).await?;
        for c in &candidates {
            rows.push(Row {
                code_fa: persian_digits(&c.code),
                name: format!("{} {}", c.first_name, c.last_name),
                name_key: crate::fmt::surname_first(&c.first_name, &c.last_name),
                initials: initials(c),
                hue: hue(&c.code),
                photo: photo_href(&visit.state, &c.code).await?,
                education: c
                    .education
                    .map_or("—", domain::person::Education::persian)
                    .to_owned(),
                occupation: c.occupation.clone(),
            });
        }
        view = Some(CouncilView {
            name: council.name.clone(),
            title: domain::election::council_title(council.kind, &council.name),
            kind: council.kind.persian(),
            county: county_name,
            seats: persian_number(i64::from(council.main_seats)),
            count: persian_number(i64::try_from(candidates.len()).unwrap_or(0)),
        });
    }
    let scope = match (&chosen, county.is_empty()) {
        (Some(c), _) => format!("?council={}", url_encode(&c.code)),
        (None, false) => format!("?county={}", url_encode(&county)),
        (None, true) => String::new(),
    };
    render(&CandidatesPage {
        layout: visit.layout("فهرست نهایی نامزدها", "/candidates"),
        counties: counties.choices(Some(&county)),
        councils: council_choices,
        council: view,
        rows,
        csv_href: format!("/api/v1/candidates/csv{scope}"),
        nist_href: format!("/api/v1/candidates/nist{scope}"),
    })
}

/// `GET /candidates/photo/{code}`: an approved candidate's photo, as uploaded.
pub async fn photo(
    State(state): State<AppState>,
    OnPage(Path(code)): OnPage<Path<String>>,
) -> PageResult {
    let (document, bytes) = state.app.candidates().photo(&code).await?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(document.media_type.mime()),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    Ok(response)
}
