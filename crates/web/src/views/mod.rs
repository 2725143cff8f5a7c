//! The Persian web UI: server-rendered pages (askama), one module per area, and the table of
//! their routes ([`page_routes`]) that the router and the route walk both read.

pub mod audit;
pub mod boards;
pub mod candidates;
pub mod counties;
pub mod dashboard;
pub mod election_day;
pub mod login;
pub mod participation;
pub mod people;
pub mod registrations;
pub mod staffing;
pub mod vetting;

pub use crate::layout::Layout;

use crate::auth::Auth;
use crate::{ApiError, AppState, PageError};
use askama::Template;
use axum::handler::Handler;
use axum::http::Method;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter};
use domain::access::{Action, Principal};
use domain::text::persian_number;

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

    /// Adds the route to a router (routes of one path merge).
    pub fn add_to(self, router: axum::Router<AppState>) -> axum::Router<AppState> {
        router.route(self.path, self.handler)
    }
}

/// Every page the router serves. The route walk (`tests/it/walk.rs`) reads this table too, so
/// a page added here is walked with every role; a page added anywhere else is not served.
pub fn page_routes() -> Vec<PageRoute> {
    use crate::assets;
    let (get, post) = (Method::GET, Method::POST);
    vec![
        PageRoute::new(get.clone(), "/", dashboard::home),
        PageRoute::new(get.clone(), "/login", login::show),
        PageRoute::new(post.clone(), "/login", login::submit),
        PageRoute::new(post.clone(), "/logout", login::logout),
        PageRoute::new(get.clone(), "/counties/{code}", counties::county),
        PageRoute::new(
            get.clone(),
            "/counties/{code}/inspectors",
            staffing::inspector_roster,
        ),
        PageRoute::new(get.clone(), "/councils/{code}", counties::council),
        PageRoute::new(get.clone(), "/stations/{code}", counties::station),
        PageRoute::new(
            post.clone(),
            "/stations/{code}/edit",
            counties::edit_station,
        ),
        PageRoute::new(
            get.clone(),
            "/stations/{code}/staff",
            staffing::station_staff,
        ),
        PageRoute::new(
            post.clone(),
            "/stations/{code}/staff/{post}",
            staffing::assign,
        ),
        PageRoute::new(
            post.clone(),
            "/stations/{code}/staff/{post}/free",
            staffing::unassign,
        ),
        PageRoute::new(get.clone(), "/stations/{code}/day", election_day::console),
        PageRoute::new(
            post.clone(),
            "/stations/{code}/day/{action}",
            election_day::act,
        ),
        PageRoute::new(
            post.clone(),
            "/stations/{code}/checkin",
            election_day::check_in,
        ),
        PageRoute::new(post.clone(), "/vote", election_day::ballot),
        PageRoute::new(post.clone(), "/vote/review", election_day::review),
        PageRoute::new(post.clone(), "/vote/cast", election_day::cast),
        PageRoute::new(get.clone(), "/turnout", election_day::turnout),
        PageRoute::new(get.clone(), "/candidates", candidates::list),
        PageRoute::new(get.clone(), "/candidates/photo/{code}", candidates::photo),
        PageRoute::new(
            get.clone(),
            "/candidates/participation",
            participation::page,
        ),
        PageRoute::new(get.clone(), "/register", registrations::show)
            .body_limit(app::registrations::MAX_REGISTRATION_BYTES),
        PageRoute::new(post.clone(), "/register", registrations::submit)
            .body_limit(app::registrations::MAX_REGISTRATION_BYTES),
        PageRoute::new(get.clone(), "/registration-status", registrations::status),
        PageRoute::new(post.clone(), "/registration-status", registrations::lookup),
        PageRoute::new(
            post.clone(),
            "/registration-status/steps",
            registrations::step,
        ),
        PageRoute::new(get.clone(), "/registrations", vetting::worklist),
        PageRoute::new(get.clone(), "/registrations/{tracking_code}", vetting::file),
        PageRoute::new(
            post.clone(),
            "/registrations/{tracking_code}/steps",
            vetting::step,
        ),
        PageRoute::new(
            get.clone(),
            "/registrations/{tracking_code}/documents/{kind}",
            vetting::document,
        ),
        PageRoute::new(get.clone(), "/boards/{code}", boards::show),
        PageRoute::new(post.clone(), "/boards/{code}/members", boards::appoint),
        PageRoute::new(
            post.clone(),
            "/boards/{code}/members/{national_id}/remove",
            boards::remove,
        ),
        PageRoute::new(post, "/boards/{code}/meetings", boards::record),
        PageRoute::new(get.clone(), "/meetings/{id}", boards::minutes),
        PageRoute::new(get.clone(), "/people", people::search),
        PageRoute::new(get.clone(), "/audit", audit::list),
        PageRoute::new(get.clone(), "/audit/verify", audit::verify),
        PageRoute::new(get, "/assets/{*path}", assets::serve),
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

/// Renders a template as an HTML response.
pub fn render<T: Template>(template: &T) -> Result<Response, PageError> {
    let html = template
        .render()
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(Html(html).into_response())
}

/// An error on a page at `here`: without a session the visitor goes to log in and comes back
/// to `here` afterwards.
pub fn page_error(error: impl Into<ApiError>, here: &str) -> PageError {
    PageError {
        error: error.into(),
        next: Some(here.to_owned()),
    }
}

/// Checks an action for a page (a plain read's); see [`page_error`].
pub fn require_page<'a>(
    auth: &'a Auth,
    action: Action<'_>,
    here: &str,
) -> Result<&'a Principal, PageError> {
    auth.require(action).map_err(|e| page_error(e, here))
}

/// A station the caller may see, for a page at `here`; see [`page_error`].
pub async fn visible_station(
    state: &AppState,
    auth: &Auth,
    code: &str,
    here: &str,
) -> Result<domain::station::Station, PageError> {
    state
        .app
        .lookups()
        .visible_station(auth.principal(), code)
        .await
        .map_err(|e| page_error(e, here))
}
