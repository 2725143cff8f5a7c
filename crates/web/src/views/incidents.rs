//! The incident pages (issue 16 §5): a phone-sized filing page for station staff and
//! inspectors, the live filterable list of a county and of the province, and an incident's
//! page with its steps and the form for the next one. The use cases are `app::incidents`.

use crate::views::{
    page_error, redirect, render, render_status, Choice, Counties, DoneQuery, Layout, OnPage,
    PageResult, Pager, Visit,
};
use crate::{ApiError, PageError};
use app::incidents::{Incidents, ListQuery};
use askama::Template;
use axum::extract::{Multipart, Path, Query};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use domain::access::{Action, Principal, ScopeKind};
use domain::calendar::jalali_datetime;
use domain::incident::{Category, Incident, IncidentStatus, Severity};
use domain::text::{persian_digits, persian_number};
use serde::Deserialize;

/// An incident as a list row (and the station console's).
pub struct IncidentRow {
    pub id: i64,
    pub href: String,
    pub number: String,
    pub reported_at: String,
    pub place: String,
    pub category: &'static str,
    pub subcategory: &'static str,
    pub severity: &'static str,
    pub severity_code: &'static str,
    pub status: &'static str,
    pub status_code: &'static str,
    /// The missed deadline, in Persian, if any.
    pub overdue: Option<&'static str>,
}

impl IncidentRow {
    pub fn new(i: &Incident, counties: Option<&Counties>, now: time::OffsetDateTime) -> Self {
        let county = counties.and_then(|c| c.name(&i.county)).map_or_else(
            || format!("شهرستان {}", persian_digits(&i.county)),
            |n| format!("شهرستان {n}"),
        );
        let place = match &i.station {
            Some(s) => format!("{county} · شعبه {}", persian_digits(s)),
            None => county,
        };
        Self {
            id: i.id,
            href: format!("/incidents/{}", i.id),
            number: persian_number(i.id),
            reported_at: jalali_datetime(i.reported_at),
            place,
            category: i.category.persian(),
            subcategory: i.subcategory.persian(),
            severity: i.severity.persian(),
            severity_code: i.severity.as_str(),
            status: i.status.persian(),
            status_code: i.status.as_str(),
            overdue: i.overdue(now).map(domain::incident::Overdue::persian),
        }
    }
}

/// Whether the principal sees some incidents' list (their county's, their station's, or the
/// province's): who is shown the way to it.
pub fn sees_incidents(p: &Principal) -> bool {
    let action = match (&p.scope.county(), p.scope.station()) {
        (None, _) => Action::ViewAllIncidents,
        (Some(county), station) => Action::ViewIncidents { county, station },
    };
    app::allows(Some(p), action)
}

/// Whether the principal files incidents somewhere: who is shown the filing page.
pub fn files_incidents(p: &Principal) -> bool {
    let station = p.scope.station();
    let county = p.scope.county().unwrap_or_default();
    match p.scope.kind() {
        // Any county: the policy's answer for one stands for all.
        ScopeKind::Province => app::allows(
            Some(p),
            Action::FileIncident {
                county: "",
                station: None,
            },
        ),
        _ => {
            app::allows(Some(p), Action::FileIncident { county, station })
                || app::allows(
                    Some(p),
                    Action::FileIncident {
                        county,
                        station: None,
                    },
                )
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    pub county: Option<String>,
    pub station: Option<String>,
    pub status: Option<String>,
    pub severity: Option<String>,
    pub category: Option<String>,
    pub overdue: Option<String>,
    pub page: Option<u32>,
}

impl ListParams {
    fn query(&self) -> ListQuery {
        ListQuery {
            county: self.county.clone(),
            station: self.station.clone(),
            status: self.status.clone(),
            severity: self.severity.clone(),
            category: self.category.clone(),
            overdue: self.overdue_only(),
        }
    }
    fn overdue_only(&self) -> bool {
        self.overdue
            .as_deref()
            .is_some_and(|v| matches!(v, "1" | "on" | "true"))
    }
    fn given(v: Option<&String>) -> Option<&str> {
        v.map(|v| v.trim()).filter(|v| !v.is_empty())
    }
    /// The list's address with these filters on `page`.
    fn href(&self, base: &str, page: u32) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        for (key, value) in [
            ("county", &self.county),
            ("station", &self.station),
            ("status", &self.status),
            ("severity", &self.severity),
            ("category", &self.category),
        ] {
            if let Some(v) = Self::given(value.as_ref()) {
                pairs.push((key, v.to_owned()));
            }
        }
        if self.overdue_only() {
            pairs.push(("overdue", "1".into()));
        }
        pairs.push(("page", page.to_string()));
        let query: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", crate::fmt::url_encode(v)))
            .collect();
        format!("{base}?{}", query.join("&"))
    }
}

fn choices<T: Copy + PartialEq>(
    all: &[T],
    code: fn(T) -> &'static str,
    persian: fn(T) -> &'static str,
    selected: Option<&str>,
) -> Vec<Choice> {
    all.iter()
        .map(|v| Choice::new(code(*v), persian(*v), selected == Some(code(*v))))
        .collect()
}

#[derive(Template)]
#[template(path = "incidents_live.html")]
struct LiveFragment {
    rows: Vec<IncidentRow>,
    pager: Pager,
    updated: String,
    overdue_fa: String,
}

/// The list's live part: the table and its pager.
async fn live(visit: &Visit, params: &ListParams, here: &str) -> Result<String, PageError> {
    let page = visit
        .app()
        .incidents()
        .list(
            visit.principal(),
            &params.query(),
            app::page_request(params.page, Some(50)),
        )
        .await
        .map_err(|e| page_error(e, here))?;
    let counties = Counties::read(&visit.state).await?;
    let now = visit.state.now();
    let rows: Vec<IncidentRow> = page
        .items
        .iter()
        .map(|i| IncidentRow::new(i, Some(&counties), now))
        .collect();
    let overdue = rows.iter().filter(|r| r.overdue.is_some()).count();
    let fragment = LiveFragment {
        pager: Pager::new(&page, |p| params.href("/incidents", p)),
        rows,
        updated: jalali_datetime(now),
        overdue_fa: persian_number(i64::try_from(overdue).unwrap_or(i64::MAX)),
    };
    fragment
        .render()
        .map_err(|e| ApiError::Internal(e.to_string()).into())
}

#[derive(Template)]
#[template(path = "incidents.html")]
struct ListPage {
    layout: Layout,
    scope: String,
    /// The county select, for a province-wide visitor.
    counties: Option<Vec<Choice>>,
    station: String,
    statuses: Vec<Choice>,
    severities: Vec<Choice>,
    categories: Vec<Choice>,
    overdue: bool,
    files: bool,
    refresh_seconds: u64,
    refresh_fa: String,
    live: String,
}

/// `GET /incidents`: the incidents the visitor may see, filtered, refreshed in place.
pub async fn list(visit: Visit, OnPage(Query(params)): OnPage<Query<ListParams>>) -> PageResult {
    let here = "/incidents";
    let live = live(&visit, &params, here).await?;
    let p = visit
        .principal()
        .ok_or_else(|| page_error(app::Error::Unauthenticated, here))?;
    let counties = Counties::read(&visit.state).await?;
    let scope = match p.scope.county() {
        Some(c) => p.scope.persian_named(counties.name(c)),
        None => match ListParams::given(params.county.as_ref()) {
            Some(c) => format!(
                "شهرستان {}",
                counties
                    .name(c)
                    .map_or_else(|| persian_digits(c), str::to_owned)
            ),
            None => "کل استان".to_owned(),
        },
    };
    let refresh_seconds = visit.state.config.live_refresh.as_secs().max(1);
    render(&ListPage {
        layout: visit.layout("رخدادها", here),
        scope,
        counties: (p.scope.county().is_none())
            .then(|| counties.choices(ListParams::given(params.county.as_ref()))),
        station: ListParams::given(params.station.as_ref())
            .map(persian_digits)
            .unwrap_or_default(),
        statuses: choices(
            IncidentStatus::ALL,
            IncidentStatus::as_str,
            IncidentStatus::persian,
            ListParams::given(params.status.as_ref()),
        ),
        severities: choices(
            Severity::ALL,
            Severity::as_str,
            Severity::persian,
            ListParams::given(params.severity.as_ref()),
        ),
        categories: choices(
            Category::ALL,
            Category::as_str,
            Category::persian,
            ListParams::given(params.category.as_ref()),
        ),
        overdue: params.overdue_only(),
        files: files_incidents(p),
        refresh_seconds,
        refresh_fa: persian_number(i64::try_from(refresh_seconds).unwrap_or(i64::MAX)),
        live,
    })
}

/// `GET /incidents/live`: the list's live part alone, for the page to swap in.
pub async fn list_fragment(
    visit: Visit,
    OnPage(Query(params)): OnPage<Query<ListParams>>,
) -> PageResult {
    let live = live(&visit, &params, "/incidents").await?;
    Ok(axum::response::Html(live).into_response())
}

/// A group of the subcategory select: a category and its subcategories.
pub struct SubcategoryGroup {
    pub label: &'static str,
    pub options: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "incident_new.html")]
struct NewPage {
    layout: Layout,
    /// The station filed at, fixed for station staff.
    fixed_station: Option<String>,
    fixed_station_fa: String,
    /// The county select (a province-wide filer's); a county filer's county is theirs.
    counties: Option<Vec<Choice>>,
    station: String,
    groups: Vec<SubcategoryGroup>,
    severities: Vec<Choice>,
    occurred_at: String,
    description: String,
    min_chars_fa: String,
    error: Option<String>,
}

/// What a refused filing keeps of what was entered.
#[derive(Default)]
struct Entered {
    county: Option<String>,
    station: Option<String>,
    subcategory: String,
    severity: String,
    occurred_at: String,
    description: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    pub station: Option<String>,
}

async fn new_page(
    visit: &Visit,
    entered: Entered,
    error: Option<(StatusCode, String)>,
) -> PageResult {
    let here = "/incidents/new";
    let p = visit
        .principal()
        .ok_or_else(|| page_error(app::Error::Unauthenticated, here))?;
    if !files_incidents(p) {
        return Err(page_error(app::Error::Forbidden, here));
    }
    let counties = Counties::read(&visit.state).await?;
    let fixed_station = p.scope.station().map(str::to_owned);
    let groups = Category::ALL
        .iter()
        .map(|c| SubcategoryGroup {
            label: c.persian(),
            options: c
                .subcategories()
                .map(|s| Choice::new(s.as_str(), s.persian(), entered.subcategory == s.as_str()))
                .collect(),
        })
        .collect();
    let (status, error) = match error {
        Some((status, reason)) => (status, Some(reason)),
        None => (StatusCode::OK, None),
    };
    let page = NewPage {
        layout: visit.layout("ثبت رخداد", here),
        fixed_station_fa: fixed_station
            .as_deref()
            .map(persian_digits)
            .unwrap_or_default(),
        fixed_station,
        counties: (p.scope.kind() == ScopeKind::Province)
            .then(|| counties.choices(entered.county.as_deref())),
        station: entered
            .station
            .as_deref()
            .map(persian_digits)
            .unwrap_or_default(),
        groups,
        severities: choices(
            Severity::ALL,
            Severity::as_str,
            Severity::persian,
            Some(entered.severity.as_str()),
        ),
        occurred_at: domain::text::echo(&entered.occurred_at),
        description: entered.description,
        min_chars_fa: persian_number(domain::incident::MIN_DESCRIPTION_CHARS as i64),
        error,
    };
    render_status(status, &page)
}

/// `GET /incidents/new`: the filing page (phone-sized).
pub async fn new(visit: Visit, OnPage(Query(q)): OnPage<Query<NewQuery>>) -> PageResult {
    if let Some(station) = q.station.as_deref().filter(|s| !s.trim().is_empty()) {
        visit
            .app()
            .incidents()
            .may_file_at(visit.principal(), station)
            .await
            .map_err(|e| page_error(e, "/incidents/new"))?;
    }
    let entered = Entered {
        station: q.station.filter(|s| !s.trim().is_empty()),
        severity: Severity::Medium.as_str().to_owned(),
        ..Entered::default()
    };
    new_page(&visit, entered, None).await
}

/// `POST /incidents`: files the incident and goes to its page; a refusal shows the form again
/// with what was entered and why, nothing written.
pub async fn file(
    visit: Visit,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> PageResult {
    let here = "/incidents/new";
    let Ok(multipart) = multipart else {
        let (status, _, _, reason) = ApiError::UnsupportedMediaType.parts();
        return new_page(&visit, Entered::default(), Some((status, reason))).await;
    };
    let form = match crate::api::incidents::read_form(multipart).await {
        Ok(form) => form,
        Err(e) => {
            let (status, _, _, reason) = e.parts();
            return new_page(&visit, Entered::default(), Some((status, reason))).await;
        }
    };
    let entered = Entered {
        county: form.county.clone(),
        station: form.station.clone(),
        subcategory: form.subcategory.clone(),
        severity: form.severity.clone(),
        occurred_at: form.occurred_at.clone().unwrap_or_default(),
        description: form.description.clone(),
    };
    match visit.app().incidents().file(visit.principal(), form).await {
        Ok(filed) => Ok(redirect(&format!("/incidents/{}?done=filed", filed.id))),
        Err(e) if crate::views::breaks_a_rule_or_names_nothing(&e) => {
            let (status, _, _, reason) = ApiError::from(e).parts();
            new_page(&visit, entered, Some((status, reason))).await
        }
        Err(e) => Err(page_error(e, here)),
    }
}

/// A step as the incident's page lists it.
pub struct StepRow {
    pub status: &'static str,
    pub at: String,
    pub by: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "incident.html")]
struct IncidentPage {
    layout: Layout,
    row: IncidentRow,
    occurred_at: String,
    reported_by: String,
    description: String,
    acknowledge_by: String,
    resolve_by: String,
    has_photo: bool,
    steps: Vec<StepRow>,
    /// The next step's status code and its verb, when the visitor may take it.
    next: Option<(&'static str, &'static str)>,
    note: String,
    notice: Option<String>,
    error: Option<String>,
}

async fn incident_page(
    visit: &Visit,
    id: i64,
    notice: Option<String>,
    error: Option<(StatusCode, String)>,
    note: String,
) -> PageResult {
    let here = format!("/incidents/{id}");
    let (incident, steps) = visit
        .app()
        .incidents()
        .one(visit.principal(), id)
        .await
        .map_err(|e| page_error(e, &here))?;
    let counties = Counties::read(&visit.state).await?;
    let now = visit.state.now();
    let next = incident
        .status
        .next()
        .filter(|_| Incidents::may_step(visit.principal(), &incident.county))
        .map(|s| (s.as_str(), s.step_persian()));
    let (status, error) = match error {
        Some((status, reason)) => (status, Some(reason)),
        None => (StatusCode::OK, None),
    };
    let page = IncidentPage {
        layout: visit.layout(format!("رخداد {}", persian_number(id)), &here),
        row: IncidentRow::new(&incident, Some(&counties), now),
        occurred_at: jalali_datetime(incident.occurred_at),
        reported_by: incident.reported_by.clone(),
        description: incident.description.clone(),
        acknowledge_by: jalali_datetime(incident.dues.acknowledge_by),
        resolve_by: jalali_datetime(incident.dues.resolve_by),
        has_photo: incident.photo.is_some(),
        steps: steps
            .into_iter()
            .map(|s| StepRow {
                status: s.status.persian(),
                at: jalali_datetime(s.at),
                by: s.by,
                note: s.note,
            })
            .collect(),
        next,
        note,
        notice,
        error,
    };
    render_status(status, &page)
}

/// `GET /incidents/{id}`: an incident, its steps and the form for the next one.
pub async fn show(
    visit: Visit,
    OnPage(Path(id)): OnPage<Path<i64>>,
    OnPage(Query(q)): OnPage<Query<DoneQuery>>,
) -> PageResult {
    let notice = q.done.as_deref().map(|d| {
        match d {
            "filed" => "رخداد ثبت شد.",
            _ => "گام رسیدگی ثبت شد.",
        }
        .to_owned()
    });
    incident_page(&visit, id, notice, None, String::new()).await
}

#[derive(Debug, Deserialize)]
pub struct StepForm {
    pub status: String,
    #[serde(default)]
    pub note: String,
}

/// `POST /incidents/{id}/steps`: takes the next step; a refusal shows the page again with why.
pub async fn step(
    visit: Visit,
    OnPage(Path(id)): OnPage<Path<i64>>,
    OnPage(axum::Form(form)): OnPage<axum::Form<StepForm>>,
) -> PageResult {
    let here = format!("/incidents/{id}");
    match visit
        .app()
        .incidents()
        .step(visit.principal(), id, &form.status, &form.note)
        .await
    {
        Ok(_) => Ok(redirect(&format!("/incidents/{id}?done=step"))),
        Err(e) if crate::views::breaks_a_rule(&e) => {
            let (status, _, _, reason) = ApiError::from(e).parts();
            incident_page(&visit, id, None, Some((status, reason)), form.note).await
        }
        Err(e) => Err(page_error(e, &here)),
    }
}

/// `GET /incidents/{id}/photo`: the photo, to those who may see the incident.
pub async fn photo(visit: Visit, OnPage(Path(id)): OnPage<Path<i64>>) -> PageResult {
    let here = format!("/incidents/{id}/photo");
    let (media, bytes) = visit
        .app()
        .incidents()
        .photo(visit.principal(), id)
        .await
        .map_err(|e| page_error(e, &here))?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media.mime()));
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("inline"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

/// The open incidents of a station for its election-day console, if the visitor may see them
/// (none when the policy does not let them), and the way to file one if they may.
pub async fn console_section(
    visit: &Visit,
    county: &str,
    station: &str,
) -> app::Result<(Vec<IncidentRow>, Option<String>)> {
    let rows = match visit
        .app()
        .incidents()
        .unresolved_at(visit.principal(), county, station)
        .await
    {
        Ok(found) => {
            let now = visit.state.now();
            found
                .iter()
                .map(|i| IncidentRow::new(i, None, now))
                .collect()
        }
        Err(app::Error::Forbidden) => Vec::new(),
        Err(e) => return Err(e),
    };
    let file = app::allows(
        visit.principal(),
        Action::FileIncident {
            county,
            station: Some(station),
        },
    )
    .then(|| format!("/incidents/new?station={station}"));
    Ok((rows, file))
}
