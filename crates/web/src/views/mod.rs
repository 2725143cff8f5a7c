//! The Persian web UI: server-rendered pages (askama), one module per area, and the table of
//! their routes ([`page_routes`]) that the router and the route walk both read.

pub mod accounts;
pub mod audit;
pub mod boards;
pub mod candidates;
pub mod certification;
pub mod count;
pub mod counties;
pub mod dashboard;
pub mod day_board;
pub mod election_day;
pub mod equipment;
pub mod hand_counts;
pub mod identity;
pub mod incidents;
pub mod kiosk;
pub mod login;
pub mod minutes;
pub mod participation;
pub mod people;
pub mod readiness;
pub mod registrations;
pub mod results;
pub mod security;
pub mod staffing;
pub mod vetting;

pub use crate::layout::Layout;

pub use crate::auth::Visit;
use crate::{ApiError, AppState, PageError};
use askama::Template;
use axum::extract::{FromRequest, FromRequestParts};
use axum::handler::Handler;
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{MethodFilter, MethodRouter};
use domain::access::{Action, Principal};
use domain::text::persian_number;
use serde::Deserialize;

/// A page's route: its method, its path pattern and its handler.
pub struct PageRoute {
    pub method: Method,
    pub path: &'static str,
    handler: MethodRouter<AppState>,
}

impl PageRoute {
    fn new<H, T>(method: Method, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let filter = MethodFilter::try_from(method.clone()).unwrap_or(MethodFilter::GET);
        Self {
            method,
            path,
            handler: axum::routing::on(filter, handler),
        }
    }

    /// A body limit of its own (a form with files, past the router's small default).
    fn body_limit(mut self, bytes: usize) -> Self {
        self.handler = self
            .handler
            .layer(axum::extract::DefaultBodyLimit::max(bytes));
        self
    }

    /// Never kept by a browser or a proxy (`Cache-Control: no-store`): the voting screens, so
    /// that going back or a shared device shows nothing of a ballot (issue 17).
    fn no_store(mut self) -> Self {
        self.handler =
            self.handler
                .layer(tower_http::set_header::SetResponseHeaderLayer::overriding(
                    axum::http::header::CACHE_CONTROL,
                    axum::http::HeaderValue::from_static("no-store"),
                ));
        self
    }

    /// Adds the route to a router (routes of one path merge).
    pub fn add_to(self, router: axum::Router<AppState>) -> axum::Router<AppState> {
        router.route(self.path, self.handler)
    }
}

/// A `GET` page.
fn get<H: Handler<T, AppState>, T: 'static>(path: &'static str, handler: H) -> PageRoute {
    PageRoute::new(Method::GET, path, handler)
}

/// A form's `POST`.
fn post<H: Handler<T, AppState>, T: 'static>(path: &'static str, handler: H) -> PageRoute {
    PageRoute::new(Method::POST, path, handler)
}

/// Every page the router serves. The route walk (`tests/it/walk.rs`) reads this table too, so
/// a page added here is walked with every role; a page added anywhere else is not served.
pub fn page_routes() -> Vec<PageRoute> {
    use crate::assets;
    let registration = app::registrations::MAX_REGISTRATION_BYTES;
    vec![
        get("/", dashboard::home),
        get("/day-board", day_board::province_fragment),
        get("/day-board.xlsx", day_board::province_xlsx),
        get("/login", login::show),
        post("/login", login::submit),
        post("/logout", login::logout),
        get("/counties/{code}", counties::county),
        get("/counties/{code}/stations.xlsx", counties::stations_xlsx),
        get("/counties/{code}/inspectors", staffing::inspector_roster),
        get(
            "/counties/{code}/inspectors.xlsx",
            staffing::inspector_roster_xlsx,
        ),
        get("/counties/{code}/day-board", day_board::county_fragment),
        get("/counties/{code}/day-board.xlsx", day_board::county_xlsx),
        get("/councils/{code}", counties::council),
        get("/stations/{code}", counties::station),
        post("/stations/{code}/edit", counties::edit_station),
        get("/stations/{code}/staff", staffing::station_staff),
        post("/stations/{code}/staff/{post}", staffing::assign),
        post("/stations/{code}/staff/{post}/free", staffing::unassign),
        get("/stations/{code}/day", election_day::console),
        post("/stations/{code}/day/{action}", election_day::act),
        post("/stations/{code}/checkin", election_day::check_in),
        post("/stations/{code}/walkouts", election_day::walkout),
        get("/stations/{code}/minutes", election_day::minutes),
        post("/vote", election_day::ballot).no_store(),
        post("/vote/review", election_day::review).no_store(),
        post("/vote/cast", election_day::cast).no_store(),
        post("/vote/challenge", election_day::challenge).no_store(),
        // The voting kiosk (issue 17 §1).
        get("/kiosk", kiosk::screen).no_store(),
        post("/kiosk/pairing", kiosk::start_pairing).no_store(),
        post("/stations/{code}/kiosks", kiosk::pair),
        post("/stations/{code}/kiosks/{kiosk}/retire", kiosk::retire),
        post("/stations/{code}/kiosks/{kiosk}/activate", kiosk::activate),
        get("/receipts", election_day::receipt_lookup),
        get("/count", count::page),
        get("/results", results::index),
        get("/results/{council}", results::council),
        get("/results/stations/{code}", results::station),
        get("/results/stations/{code}/minutes", minutes::show),
        get("/results/stations/{code}/hand-counts", hand_counts::show),
        post("/results/{council}/certification", certification::certify),
        get("/results/complaints", certification::complaints),
        post("/results/complaints", certification::file),
        post("/results/complaints/{id}/objection", certification::object),
        post("/results/complaints/{id}/decision", certification::decide),
        post("/results/complaints/{id}/hearing", certification::hear),
        post("/stations/{code}/paper-fallback", hand_counts::declare),
        post("/stations/{code}/hand-counts/{council}", hand_counts::enter),
        post(
            "/stations/{code}/hand-counts/{council}/resolution",
            hand_counts::resolve,
        ),
        post("/stations/{code}/minutes", minutes::draw),
        post(
            "/stations/{code}/minutes/{version}/refusals",
            minutes::refuse,
        ),
        get("/signing-keys", minutes::keys),
        post("/signing-keys/{id}/{action}", minutes::step_key),
        get("/turnout", election_day::turnout),
        get("/turnout/live", election_day::turnout_fragment),
        get("/candidates", candidates::list),
        get("/candidates/photo/{code}", candidates::photo),
        get("/candidates/participation", participation::page),
        get("/register", registrations::show).body_limit(registration),
        post("/register", registrations::submit).body_limit(registration),
        post("/register/county", registrations::narrow),
        get("/registration-status", registrations::status),
        post("/registration-status", registrations::lookup),
        post("/registration-status/steps", registrations::step),
        get("/my-filings", identity::mine),
        post("/identity/codes", identity::ask),
        post("/identity/proofs", identity::prove),
        get("/demo/outbox", identity::outbox),
        get("/registrations", vetting::worklist),
        get("/registrations.xlsx", vetting::worklist_xlsx),
        get("/registrations/{tracking_code}", vetting::file),
        post("/registrations/{tracking_code}/steps", vetting::step),
        post("/registrations/{tracking_code}/inquiries", vetting::inquiry),
        get(
            "/registrations/{tracking_code}/documents/{kind}",
            vetting::document,
        ),
        get("/boards/{code}", boards::show),
        get("/boards/{code}/members.xlsx", boards::members_xlsx),
        post("/boards/{code}/members", boards::appoint),
        post(
            "/boards/{code}/members/{national_id}/remove",
            boards::remove,
        ),
        post("/boards/{code}/meetings", boards::record),
        get("/meetings/{id}", boards::minutes),
        post(
            "/meetings/{id}/decisions/{position}/done",
            boards::complete_decision,
        ),
        get("/people", people::search),
        get("/people.xlsx", people::search_xlsx),
        get("/readiness", readiness::province),
        get("/readiness.csv", readiness::csv),
        post("/readiness/import", readiness::import)
            .body_limit(crate::api::stations::MAX_FILE_BYTES),
        post("/readiness/weights", readiness::set_weights),
        get("/counties/{code}/readiness", readiness::county),
        get("/stations/{code}/readiness", readiness::station),
        get("/stations/{code}/equipment-test", equipment::page),
        post("/stations/{code}/equipment-test/start", equipment::start),
        post("/stations/{code}/equipment-test/finish", equipment::finish),
        post(
            "/stations/{code}/equipment-test/override",
            equipment::override_test,
        ),
        post(
            "/stations/{code}/equipment-test/kiosks/{kiosk}/activate",
            equipment::activate,
        ),
        post("/stations/{code}/readiness", readiness::declare),
        get("/timeline", readiness::timeline),
        post("/timeline/{key}", readiness::set_milestone),
        get("/audit", audit::list),
        get("/audit/verify", audit::verify),
        get("/users", accounts::list),
        post("/users/{username}/disable", accounts::disable),
        post("/users/{username}/enable", accounts::enable),
        post("/users/{username}/password", accounts::password),
        post("/users/{username}/sessions/revoke", accounts::revoke),
        // Sensitive stations and the county security councils (issue 16).
        get("/security", security::list),
        get("/security/councils/{county}", security::council),
        post("/security/councils/{county}/cadence", security::set_cadence),
        get("/stations/{code}/security", security::station),
        post("/stations/{code}/security/flag", security::flag),
        post("/stations/{code}/security/unflag", security::unflag),
        post("/stations/{code}/security/plan", security::save_plan),
        post("/stations/{code}/security/submit", security::submit),
        post("/stations/{code}/security/decide", security::decide),
        get("/incidents", incidents::list),
        get("/incidents/live", incidents::list_fragment),
        get("/incidents/new", incidents::new),
        post("/incidents", incidents::file).body_limit(app::incidents::MAX_INCIDENT_BYTES),
        get("/incidents/{id}", incidents::show),
        post("/incidents/{id}/steps", incidents::step),
        get("/incidents/{id}/photo", incidents::photo),
        get("/assets/{*path}", assets::serve),
    ]
}

/// A figure on a dashboard card.
pub struct Card {
    pub value: String,
    pub label: &'static str,
}

impl Card {
    pub fn new(value: i64, label: &'static str) -> Self {
        Self {
            value: persian_number(value),
            label,
        }
    }
}

/// Who issues the province's official printouts (the source document's headquarters).
pub const ISSUER: &str = "ستاد انتخابات استان کرمان";

/// The head of an official printout (the print layer, issue 20): who issues it, the county's
/// governorate, the election, and when it was printed.
pub struct Letterhead {
    pub issuer: &'static str,
    pub county: Option<String>,
    pub election: String,
    pub printed_at: String,
}

impl Letterhead {
    /// The letterhead of a county's document, for a principal who may see the county.
    pub async fn for_county(visit: &Visit, county: &str) -> app::Result<Self> {
        Self::new(visit, Some(county)).await
    }

    /// The letterhead of the province's document (`None`) or a county's.
    pub async fn new(visit: &Visit, county: Option<&str>) -> app::Result<Self> {
        let county = match county {
            Some(code) => Some(format!(
                "فرمانداری شهرستان {}",
                visit.app().lookups().county(code).await?.county.name
            )),
            None => None,
        };
        let election = visit
            .app()
            .lookups()
            .public_election()
            .await?
            .map(|e| e.name)
            .unwrap_or_default();
        Ok(Self {
            issuer: ISSUER,
            county,
            election,
            printed_at: domain::calendar::jalali_datetime(visit.state.now()),
        })
    }
}

/// Previous/next links of a paginated table.
pub struct Pager {
    pub prev: Option<String>,
    pub next: Option<String>,
    pub label: String,
}

impl Pager {
    /// `link(page)` builds the URL of another page.
    pub fn new<T>(page: &store::Page<T>, link: impl Fn(u32) -> String) -> Self {
        let pages = page.pages();
        Self {
            prev: (page.page > 1).then(|| link(page.page - 1)),
            next: (i64::from(page.page) < pages).then(|| link(page.page + 1)),
            label: format!(
                "صفحه {} از {}؛ {} مورد",
                persian_number(i64::from(page.page)),
                persian_number(pages),
                persian_number(page.total)
            ),
        }
    }
}

/// A column header that sorts a table the server sorts, when followed; the sorted column
/// says so (`aria-sort`, which the style sheet also draws as an arrow).
pub struct SortLink {
    pub label: &'static str,
    pub href: String,
    pub aria_sort: Option<&'static str>,
    pub numeric: bool,
}

impl SortLink {
    /// The headers of `columns` (key, label, numeric) of a table sorted by `current`,
    /// `descending` or not; `name` is a key's name in an address, and `link(sort)` the address
    /// sorted by `sort` (`-name` for descending). Following the sorted column's header turns
    /// its direction.
    pub fn headers<K: PartialEq + Copy>(
        columns: Vec<(K, &'static str, bool)>,
        name: impl Fn(K) -> &'static str,
        current: K,
        descending: bool,
        link: impl Fn(&str) -> String,
    ) -> Vec<Self> {
        columns
            .into_iter()
            .map(|(key, label, numeric)| {
                let (next, aria_sort) = match (key == current, descending) {
                    (true, false) => (format!("-{}", name(key)), Some("ascending")),
                    (true, true) => (name(key).to_owned(), Some("descending")),
                    (false, _) => (name(key).to_owned(), None),
                };
                Self {
                    label,
                    href: link(&next),
                    aria_sort,
                    numeric,
                }
            })
            .collect()
    }
}

/// An option of a select.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    pub fn new(value: impl Into<String>, label: impl Into<String>, selected: bool) -> Self {
        Self {
            value: value.into(),
            label: label.into(),
            selected,
        }
    }
}

/// Every county's summary, read once for a page's county select and the names it shows.
pub struct Counties(Vec<store::CountySummary>);

impl Counties {
    pub async fn read(state: &AppState) -> Result<Self, ApiError> {
        Ok(Self(state.app.lookups().all_counties().await?))
    }

    pub fn all(&self) -> &[store::CountySummary] {
        &self.0
    }

    /// A county's name, if the county is known.
    pub fn name(&self, code: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|s| s.county.code == code)
            .map(|s| s.county.name.as_str())
    }

    /// The county select's options, `selected` chosen.
    pub fn choices(&self, selected: Option<&str>) -> Vec<Choice> {
        self.0
            .iter()
            .map(|s| {
                let code = s.county.code.as_str();
                Choice::new(code, s.county.name.as_str(), selected == Some(code))
            })
            .collect()
    }
}

/// The query of a page a form returns to after it succeeded: what was done.
#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    pub done: Option<String>,
}

/// A form's refusal as its page shows it again: the refusal's status and Persian reason.
pub struct Refused {
    pub status: StatusCode,
    pub reason: String,
}

impl Refused {
    /// The page's status and the reason it shows: 200 and none when nothing was refused.
    pub fn shown(refused: Option<Self>) -> (StatusCode, Option<String>) {
        refused.map_or((StatusCode::OK, None), |r| (r.status, Some(r.reason)))
    }
}

/// How a form's failure is shown: one the user can put right (`shown` tells which) comes back
/// as a [`Refused`], for the form's page to show again with its reason; any other is an error
/// page at `here` (or, without a session, the way to log in and back).
pub fn refusal(
    error: app::Error,
    here: &str,
    shown: fn(&app::Error) -> bool,
) -> Result<Refused, PageError> {
    if !shown(&error) {
        return Err(page_error(error, here));
    }
    let (status, _, _, reason) = ApiError::from(error).parts();
    Ok(Refused { status, reason })
}

/// A form's answer once its use case has run (post/redirect/get): the way to the page `done`
/// names after a success; else the form's page again, drawn by `again`, with the reason of a
/// refusal the user can put right (`shown` tells which); else an error page (see [`refusal`]).
pub async fn answer_form<T, F>(
    outcome: app::Result<T>,
    here: &str,
    shown: fn(&app::Error) -> bool,
    done: impl FnOnce(T) -> String,
    again: impl FnOnce(Refused) -> F,
) -> PageResult
where
    F: std::future::Future<Output = PageResult>,
{
    match outcome {
        Ok(value) => Ok(redirect(&done(value))),
        Err(error) => again(refusal(error, here, shown)?).await,
    }
}

/// The rules' refusals: input that is not valid, or a change the store's rules refuse.
pub fn breaks_a_rule(error: &app::Error) -> bool {
    matches!(
        error,
        app::Error::Domain(_) | app::Error::Store(store::StoreError::Refused(_))
    )
}

/// The rules' refusals, or a form that names a person or record that does not exist.
pub fn breaks_a_rule_or_names_nothing(error: &app::Error) -> bool {
    breaks_a_rule(error) || matches!(error, app::Error::Store(store::StoreError::NotFound { .. }))
}

/// The way back to a page after its form succeeded (`303 See Other`).
pub fn redirect(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// Renders a template as an HTML response.
pub fn render<T: Template>(template: &T) -> Result<Response, PageError> {
    let html = template
        .render()
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(Html(html).into_response())
}

/// Renders a template with a status of its own (a refused form's page).
pub fn render_status<T: Template>(status: StatusCode, template: &T) -> Result<Response, PageError> {
    let mut response = render(template)?;
    *response.status_mut() = status;
    Ok(response)
}

/// An error on a page at `here`: without a session the visitor goes to log in and comes back
/// to `here` afterwards.
pub fn page_error(error: impl Into<ApiError>, here: &str) -> PageError {
    PageError {
        error: error.into(),
        next: Some(here.to_owned()),
    }
}

/// One of axum's extractors (`Path`, `Query`, `Form`) on a page: its rejection is a Persian
/// error page with its stable code (as `api::ApiPath` and `api::ApiQuery` answer problem
/// documents), never axum's plain text.
#[derive(Debug)]
pub struct OnPage<X>(pub X);

impl<S: Send + Sync, X: FromRequestParts<S>> FromRequestParts<S> for OnPage<X>
where
    X::Rejection: Into<ApiError>,
{
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, PageError> {
        Ok(Self(X::from_request_parts(parts, state).await?))
    }
}

impl<S: Send + Sync, X: FromRequest<S>> FromRequest<S> for OnPage<X>
where
    X::Rejection: Into<ApiError>,
{
    type Rejection = PageError;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, PageError> {
        Ok(Self(X::from_request(request, state).await?))
    }
}

/// What a page handler answers: the page, the way to another, or an error page.
pub type PageResult = Result<Response, PageError>;

/// A page's frame and checks, for the [`Visit`] its handler starts from.
impl Visit {
    /// The frame of a page titled `title` at `here` (the navigation marks it).
    pub fn layout(&self, title: impl Into<String>, here: &str) -> Layout {
        Layout::new(&self.state, &self.auth, title, here)
    }

    /// Checks an action for a page at `here` (a plain read's); see [`page_error`].
    pub fn require(&self, action: Action<'_>, here: &str) -> Result<&Principal, PageError> {
        self.auth.require(action).map_err(|e| page_error(e, here))
    }

    /// A station the visitor may see, for a page at `here`; see [`page_error`].
    pub async fn visible_station(
        &self,
        code: &str,
        here: &str,
    ) -> Result<domain::station::Station, PageError> {
        self.state
            .app
            .lookups()
            .visible_station(self.principal(), code)
            .await
            .map_err(|e| page_error(e, here))
    }
}
