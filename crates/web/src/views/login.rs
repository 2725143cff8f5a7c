use crate::auth::{self, Auth, ClientIp, LOGIN_CSRF_COOKIE};
use crate::fmt::safe_next;
use crate::views::OnPage;
use crate::views::{redirect, render_status, Layout, PageResult, Visit};
use crate::{ApiError, AppState};
use askama::Template;
use axum::extract::Query;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::Form;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    error: Option<String>,
    login_csrf: String,
    next: String,
    username: String,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

fn login_page(
    state: &AppState,
    next: String,
    username: String,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    // Login CSRF: a double-submit token in a SameSite=Strict cookie and in the form.
    let token = auth::new_token();
    let layout = Layout::new(state, &Auth(None), "ورود", "/login");
    let page = LoginPage {
        layout,
        error,
        login_csrf: token.clone(),
        next,
        username,
    };
    let mut response = render_status(status, &page)?;
    let cookie = format!(
        "{LOGIN_CSRF_COOKIE}={token}; Path=/login; HttpOnly; SameSite=Strict; Max-Age=3600"
    );
    if let Ok(v) = cookie.parse() {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(response)
}

pub async fn show(visit: Visit, OnPage(Query(q)): OnPage<Query<NextQuery>>) -> PageResult {
    let next = safe_next(q.next.as_deref());
    if visit.principal().is_some() {
        return Ok(redirect(&next));
    }
    login_page(&visit.state, next, String::new(), None, StatusCode::OK)
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    csrf_token: Option<String>,
    next: Option<String>,
}

pub async fn submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    OnPage(Form(form)): OnPage<Form<LoginForm>>,
) -> PageResult {
    let next = safe_next(form.next.as_deref());
    let cookie = auth::cookie_value(&headers, LOGIN_CSRF_COOKIE);
    let csrf_ok = matches!((cookie, form.csrf_token.as_deref()), (Some(c), Some(f)) if auth::same_token(&c, f));
    if !csrf_ok {
        let detail = ApiError::Csrf.problem().detail;
        return login_page(
            &state,
            next,
            form.username,
            Some(detail),
            StatusCode::FORBIDDEN,
        );
    }
    match auth::login(&state, &form.username, &form.password, ip).await {
        Ok(done) => {
            let max_age = (done.expires_at - state.now()).whole_seconds();
            let mut response = redirect(&next);
            let headers = response.headers_mut();
            if let Ok(v) =
                auth::session_cookie(&done.token, max_age, state.config.secure_cookies).parse()
            {
                headers.append(header::SET_COOKIE, v);
            }
            if let Ok(v) = auth::clear_cookie(LOGIN_CSRF_COOKIE).parse() {
                headers.append(header::SET_COOKIE, v);
            }
            Ok(response)
        }
        Err(
            e @ (ApiError::InvalidCredentials
            | ApiError::TooManyAttempts
            | ApiError::App(app::Error::Busy)),
        ) => {
            let (status, _, _, detail) = e.parts();
            login_page(&state, next, form.username, Some(detail), status)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn logout(visit: Visit) -> PageResult {
    if let Some(session) = visit.auth.0.as_ref() {
        auth::end_session(&visit.state, session).await?;
    }
    let mut response = redirect("/login");
    if let Ok(v) = auth::clear_cookie(auth::SESSION_COOKIE).parse() {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(response)
}
