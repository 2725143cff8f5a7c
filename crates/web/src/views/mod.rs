//! The Persian web UI: server-rendered pages (askama), one module per area.

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

use crate::auth::Auth;
use crate::{ApiError, AppState, PageError};
use askama::Template;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use domain::access::{authorize, Action, Principal, Scope};
use domain::text::persian_number;

/// The frame around every page: who is signed in, the navigation for their role, the CSRF
/// token for forms and htmx, today's Jalali date, and the banner of a pinned clock.
pub struct Layout {
    pub title: String,
    pub user: Option<UserView>,
    pub nav: Vec<NavItem>,
    pub csrf: String,
    pub banner: Option<String>,
    pub today: String,
}

pub struct UserView {
    pub username: String,
    pub role: &'static str,
    pub scope: String,
}

pub struct NavItem {
    pub href: String,
    pub label: &'static str,
    pub active: bool,
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

impl Layout {
    pub fn new(state: &AppState, auth: &Auth, title: impl Into<String>, current: &str) -> Self {
        let now = state.now();
        let banner = state.clock.is_pinned().then(|| {
            format!(
                "ساعت سامانه برای نمایش روی {} تنظیم شده است (ساعت واقعی نیست).",
                domain::calendar::jalali_long_datetime(now)
            )
        });
        let user = auth.principal().map(|p| UserView {
            username: p.username.clone(),
            role: p.role.persian(),
            scope: p.scope.persian(),
        });
        let nav = auth
            .principal()
            .map_or_else(|| public_navigation(current), |p| navigation(p, current));
        Self {
            title: title.into(),
            user,
            nav,
            csrf: auth.csrf_token().to_owned(),
            banner,
            today: domain::calendar::JalaliDate::from_gregorian(
                now.to_offset(domain::calendar::TEHRAN).date(),
            )
            .map(domain::calendar::JalaliDate::long)
            .unwrap_or_default(),
        }
    }
}

/// The pages open to everyone: live turnout, and a candidate's registration and its status.
fn public_navigation(current: &str) -> Vec<NavItem> {
    [
        ("/turnout", "مشارکت"),
        ("/register", "ثبت‌نام داوطلبان"),
        ("/registration-status", "پیگیری ثبت‌نام"),
        ("/candidates", "فهرست نامزدها"),
    ]
    .into_iter()
    .map(|(href, label)| NavItem {
        href: href.into(),
        label,
        active: href == current,
    })
    .collect()
}

/// Navigation by role: each link appears only where the policy would let it through.
fn navigation(p: &Principal, current: &str) -> Vec<NavItem> {
    let mut items = Vec::new();
    let mut push = |href: String, label: &'static str| {
        let active = href == current;
        items.push(NavItem {
            href,
            label,
            active,
        });
    };
    match &p.scope {
        Scope::Province => push("/".into(), "داشبورد استان"),
        Scope::County { county } => push(format!("/counties/{county}"), "شهرستان من"),
        Scope::Station { station, .. } => {
            push(format!("/stations/{station}"), "شعبه من");
            push(format!("/stations/{station}/day"), "روز رأی‌گیری");
        }
    }
    push("/turnout".into(), "مشارکت");
    push("/candidates".into(), "فهرست نامزدها");
    if matches!(
        p.role,
        domain::access::Role::ProvinceHq
            | domain::access::Role::CountyGovernor
            | domain::access::Role::ExecutiveBoard
            | domain::access::Role::SupervisionBoard
    ) {
        push("/candidates/participation".into(), "آمار ثبت‌نام");
        push("/registrations".into(), "بررسی صلاحیت");
    }
    if authorize(Some(p), Action::ViewPeople).is_ok() {
        push("/people".into(), "اشخاص");
    }
    if authorize(Some(p), Action::ViewAudit).is_ok() {
        push("/audit".into(), "گزارش ممیزی");
    }
    items
}

/// Renders a template as an HTML response.
pub fn render<T: Template>(template: &T) -> Result<Response, PageError> {
    let html = template
        .render()
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(Html(html).into_response())
}

/// Checks an action for a page; without a session the page sends the visitor to log in and
/// brings them back to `here` afterwards.
pub fn require_page<'a>(
    auth: &'a Auth,
    action: Action<'_>,
    here: &str,
) -> Result<&'a Principal, PageError> {
    auth.require(action).map_err(|error| PageError {
        error,
        next: Some(here.to_owned()),
    })
}

/// A station the caller may see, for a page at `here`; sends the anonymous to log in.
pub async fn visible_station(
    state: &AppState,
    auth: &Auth,
    code: &str,
    here: &str,
) -> Result<domain::station::Station, PageError> {
    crate::api::stations::visible(state, auth, code)
        .await
        .map_err(|error| PageError {
            error,
            next: Some(here.to_owned()),
        })
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    heading: &'static str,
    code: &'static str,
    detail: String,
}

/// A Persian error page.
pub fn error_page(status: StatusCode, code: &'static str, detail: &str) -> Response {
    let heading = match status {
        StatusCode::FORBIDDEN => "دسترسی مجاز نیست",
        StatusCode::NOT_FOUND => "پیدا نشد",
        StatusCode::TOO_MANY_REQUESTS => "تلاش بیش از حد",
        s if s.is_client_error() => "درخواست نادرست",
        _ => "خطای سامانه",
    };
    let layout = Layout {
        title: heading.into(),
        user: None,
        nav: Vec::new(),
        csrf: String::new(),
        banner: None,
        today: String::new(),
    };
    let page = ErrorPage {
        layout,
        heading,
        code,
        detail: detail.to_owned(),
    };
    let body = page.render().unwrap_or_else(|_| detail.to_owned());
    let mut response = (status, Html(body)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
