//! The one mapping from errors to HTTP: the use cases' [`app::Error`] and the web layer's own,
//! as `application/problem+json` for the API (DESIGN §9) or a Persian error page for the
//! browser.

use axum::extract::rejection::{FormRejection, JsonRejection, PathRejection, QueryRejection};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::DomainError;
use serde::Serialize;
use store::StoreError;
use thiserror::Error;

/// Everything a request can fail with: the use cases' errors ([`app::Error`]), and what only
/// HTTP knows (a login refused, a body that does not parse, a CSRF token missing).
#[derive(Debug, Error)]
pub enum ApiError {
    #[error(transparent)]
    App(#[from] app::Error),
    #[error("wrong username or password")]
    InvalidCredentials,
    #[error("too many login attempts")]
    TooManyAttempts,
    #[error("missing or wrong CSRF token")]
    Csrf,
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("malformed JSON: {0}")]
    MalformedJson(String),
    #[error("invalid query: {0}")]
    InvalidQuery(String),
    /// A posted form whose fields do not read as the page's form.
    #[error("invalid form: {0}")]
    InvalidForm(String),
    /// A path parameter that does not decode to its type (`/api/v1/meetings/abc`).
    #[error("invalid path: {0}")]
    InvalidPath(String),
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// A method the path does not serve (the router adds the `Allow` header).
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The request took longer than the server allows (the router's time limit).
    #[error("request timed out")]
    Timeout,
    /// A list asked for as a download holds more rows than one file may (`crate::download`).
    #[error("export of {rows} rows is over the limit of {limit}")]
    ExportTooLarge { rows: i64, limit: usize },
    /// A failure of the web layer itself (a template, a header, a task).
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn not_found(entity: store::Entity) -> Self {
        Self::App(app::Error::NotFound(entity))
    }

    pub fn forbidden() -> Self {
        Self::App(app::Error::Forbidden)
    }

    pub fn unauthenticated() -> Self {
        Self::App(app::Error::Unauthenticated)
    }

    /// The use case's error inside, if this is one.
    pub fn app(&self) -> Option<&app::Error> {
        match self {
            Self::App(e) => Some(e),
            _ => None,
        }
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        Self::App(e.into())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        Self::App(e.into())
    }
}

impl From<domain::access::Denied> for ApiError {
    fn from(d: domain::access::Denied) -> Self {
        Self::App(d.into())
    }
}

impl From<app::registrations::NotFiled> for ApiError {
    /// The API answers with the first problem (an `Ineligible` lists its rules in `reasons`).
    fn from(n: app::registrations::NotFiled) -> Self {
        Self::App(n.into())
    }
}

/// An RFC 9457 problem document with sandoq's stable `code`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    /// What went wrong, in Persian, for the person at the keyboard.
    pub detail: String,
    /// A stable snake_case word for programs (`invalid_national_id`, `forbidden`, …).
    pub code: String,
    /// For a refused file: every bad row, by line number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<RowProblem>>,
    /// For `already_voted`: where and when the person checked in (for the station's staff).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub station: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// For `not_eligible`: the rule (`not_on_roll`, `deceased`, `underage`,
    /// `other_constituency`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// For a refused registration: every rule it breaks, the first being `code`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasons: Option<Vec<ReasonProblem>>,
}

/// One broken rule of a refused registration.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReasonProblem {
    pub code: String,
    pub detail: String,
}

/// One refused row of an imported file.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RowProblem {
    pub line: u64,
    pub message: String,
}

impl ApiError {
    /// Status, stable code, English title, Persian detail: the one mapping to HTTP.
    pub fn parts(&self) -> (StatusCode, &'static str, &'static str, String) {
        match self {
            Self::App(e) => app_parts(e),
            Self::InvalidCredentials => (
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
                "Invalid credentials",
                "نام کاربری یا گذرواژه نادرست است.".into(),
            ),
            Self::TooManyAttempts => (
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
                "Too many attempts",
                "تلاش‌ها بیش از حد مجاز است؛ یک دقیقه دیگر دوباره تلاش کنید.".into(),
            ),
            Self::Csrf => (
                StatusCode::FORBIDDEN,
                "csrf_failed",
                "CSRF check failed",
                "درخواست فاقد نشانه امنیتی معتبر است؛ صفحه را دوباره بارگذاری کنید.".into(),
            ),
            Self::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "Payload too large",
                "حجم درخواست بیش از حد مجاز است.".into(),
            ),
            Self::MalformedJson(_) => (
                StatusCode::BAD_REQUEST,
                "malformed_json",
                "Malformed JSON",
                "بدنه درخواست JSON معتبری نیست.".into(),
            ),
            Self::InvalidQuery(_) => (
                StatusCode::BAD_REQUEST,
                "invalid_query",
                "Invalid query",
                "پارامترهای درخواست معتبر نیستند.".into(),
            ),
            Self::InvalidForm(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_form",
                "Invalid form",
                "فرم ارسال‌شده خوانا نیست؛ صفحه را دوباره باز کنید و فرم را از نو بفرستید.".into(),
            ),
            Self::InvalidPath(_) => (
                StatusCode::BAD_REQUEST,
                "invalid_path",
                "Invalid path",
                "نشانی درخواست معتبر نیست.".into(),
            ),
            Self::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "Method not allowed",
                "این روش درخواست برای این نشانی پذیرفته نیست.".into(),
            ),
            Self::Timeout => (
                StatusCode::REQUEST_TIMEOUT,
                "request_timeout",
                "Request timeout",
                "پاسخ به درخواست بیش از حد طول کشید؛ دوباره تلاش کنید.".into(),
            ),
            Self::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Unsupported media type",
                "قالب محتوای درخواست پشتیبانی نمی‌شود.".into(),
            ),
            Self::ExportTooLarge { rows, limit } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "export_too_large",
                "Export too large",
                format!(
                    "این فهرست {} ردیف دارد و فایل اکسل آن بیش از {} ردیف نمی‌تواند داشته باشد؛ \
                     با پالایه‌های صفحه فهرست را کوتاه‌تر کنید.",
                    domain::text::persian_number(*rows),
                    domain::text::persian_number(i64::try_from(*limit).unwrap_or(i64::MAX))
                ),
            ),
            Self::Internal(_) => internal(),
        }
    }

    pub fn problem(&self) -> Problem {
        let (status, code, title, detail) = self.parts();
        Problem {
            kind: format!("/problems/{code}"),
            title: title.into(),
            status: status.as_u16(),
            detail,
            code: code.into(),
            errors: match self.app() {
                Some(app::Error::Rows(rows)) => Some(
                    rows.iter()
                        .map(|r| RowProblem {
                            line: r.line,
                            message: r.message.clone(),
                        })
                        .collect(),
                ),
                _ => None,
            },
            station: match self.app() {
                Some(app::Error::AlreadyVoted { station, .. }) => Some(station.clone()),
                _ => None,
            },
            at: match self.app() {
                Some(app::Error::AlreadyVoted { at, .. }) => at
                    .format(&time::format_description::well_known::Rfc3339)
                    .ok(),
                _ => None,
            },
            reason: match self.app() {
                Some(app::Error::NotEligible(r)) => Some(r.code().to_owned()),
                _ => None,
            },
            reasons: match self.app() {
                Some(app::Error::Ineligible(broken, now)) => Some(
                    broken
                        .iter()
                        .map(|b| ReasonProblem {
                            code: b.code().to_owned(),
                            detail: b.persian(*now),
                        })
                        .collect(),
                ),
                _ => None,
            },
        }
    }
}

/// An error and every cause under it, `outer: inner: …`, for the logs: a database failure's
/// own message is kept there, never shown.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

fn internal() -> (StatusCode, &'static str, &'static str, String) {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal_error",
        "Internal error",
        "خطای داخلی سامانه؛ رخداد ثبت شد.".into(),
    )
}

/// A use case's error as HTTP: status, stable code, English title, Persian detail.
fn app_parts(e: &app::Error) -> (StatusCode, &'static str, &'static str, String) {
    use app::Error as E;
    use domain::identity::IdentityRefusal;
    match e {
        E::Unauthenticated => (
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Authentication required",
            "برای دسترسی ابتدا وارد سامانه شوید.".into(),
        ),
        E::Forbidden => (
            StatusCode::FORBIDDEN,
            "forbidden",
            "Forbidden",
            "شما به این بخش دسترسی ندارید.".into(),
        ),
        E::NotFound(what) => (
            StatusCode::NOT_FOUND,
            "not_found",
            "Not found",
            format!("{} پیدا نشد.", what.persian()),
        ),
        E::Domain(e) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            e.code(),
            "Invalid input",
            e.persian(),
        ),
        E::Store(e) => store_parts(e),
        E::Ineligible(broken, now) => {
            let status = if broken.contains(&domain::registration::Ineligible::AlreadyRegistered) {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            (
                status,
                broken
                    .first()
                    .map_or("invalid", domain::registration::Ineligible::code),
                "Registration refused",
                broken
                    .iter()
                    .map(|b| b.persian(*now))
                    .collect::<Vec<_>>()
                    .join(" "),
            )
        }
        E::UploadRefused(refusal) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            refusal.code(),
            "Upload refused",
            refusal.persian(),
        ),
        E::AlreadyVoted { station, at } => (
            StatusCode::CONFLICT,
            "already_voted",
            "Already voted",
            format!(
                "این شخص پیش‌تر در شعبه {} در {} احراز هویت شده و رأی داده است.",
                domain::text::persian_digits(station),
                domain::calendar::jalali_datetime(*at)
            ),
        ),
        E::NotEligible(reason) => (
            StatusCode::FORBIDDEN,
            "not_eligible",
            "Not eligible",
            reason.persian(),
        ),
        E::StationNotOpen(state) => (
            StatusCode::CONFLICT,
            "station_not_open",
            "Station not open",
            match state {
                domain::station_day::DayState::NotOpened => "شعبه هنوز گشوده نشده است.",
                domain::station_day::DayState::Paused => "رأی‌گیری در این شعبه متوقف است.",
                _ => "رأی‌گیری در این شعبه پایان یافته است.",
            }
            .into(),
        ),
        E::BallotTokenInvalid => (
            StatusCode::CONFLICT,
            "ballot_token_invalid",
            "Unknown or spent ballot token",
            "این برگه رأی معتبر نیست یا پیش‌تر به کار رفته است.".into(),
        ),
        E::BallotRefused(refusal) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            refusal.code(),
            "Ballot refused",
            refusal.persian(),
        ),
        E::Rows(rows) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_rows",
            "Rows refused",
            format!(
                "{} سطر از پرونده پذیرفته نشد؛ هیچ سطری ثبت نشد.",
                domain::text::persian_number(rows.len() as i64)
            ),
        ),
        E::Identity(refusal) => (
            if refusal.is_rate_limit() {
                StatusCode::TOO_MANY_REQUESTS
            } else if matches!(
                refusal,
                IdentityRefusal::NotVerified
                    | IdentityRefusal::ProofSpent
                    | IdentityRefusal::WrongProof
            ) {
                StatusCode::FORBIDDEN
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            },
            refusal.code(),
            "Identity not proven",
            refusal.persian(),
        ),
        E::SmsUnavailable(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "sms_unavailable",
            "Text message not sent",
            "ارسال پیامک کد تأیید اکنون ممکن نشد؛ چند دقیقه دیگر دوباره درخواست کنید.".into(),
        ),
        E::InvalidCredentials => ApiError::InvalidCredentials.parts(),
        E::Busy => (
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "Busy",
            "سامانه هم‌اکنون درخواست‌های ورود بسیاری را بررسی می‌کند؛ چند لحظه دیگر دوباره تلاش کنید."
                .into(),
        ),
        E::Crypto(e) if e.is_invalid_input() => (
            StatusCode::UNPROCESSABLE_ENTITY,
            e.code(),
            "Refused",
            e.persian(),
        ),
        E::Crypto(ballot_crypto::CryptoError::Randomness) | E::Internal(_) => internal(),
        E::Crypto(e) => (StatusCode::CONFLICT, e.code(), "Refused", e.persian()),
    }
}

/// A store error's status, code, title and Persian words: the words and the code are the
/// store's own (`store::error`), written once for both backends.
fn store_parts(e: &StoreError) -> (StatusCode, &'static str, &'static str, String) {
    let (status, title) = match e {
        StoreError::NotFound { .. } => (StatusCode::NOT_FOUND, "Not found"),
        StoreError::Duplicate { .. } => (StatusCode::CONFLICT, "Conflict"),
        StoreError::Refused(r) => match r.kind() {
            store::RefusalKind::Invalid => (StatusCode::UNPROCESSABLE_ENTITY, "Invalid input"),
            store::RefusalKind::Conflict => (StatusCode::CONFLICT, "Refused"),
        },
        StoreError::UnsupportedUrl(_) | StoreError::Database(_) | StoreError::Corrupt(_) => {
            (StatusCode::INTERNAL_SERVER_ERROR, "Internal error")
        }
    };
    (status, e.code(), title, e.persian())
}

/// A body that did not read: not of the media type asked for, too large, or (`unreadable`,
/// with axum's words) not of the shape the handler takes.
fn body_refused(
    wrong_media_type: bool,
    status: StatusCode,
    unreadable: impl FnOnce() -> ApiError,
) -> ApiError {
    if wrong_media_type {
        ApiError::UnsupportedMediaType
    } else if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge
    } else {
        unreadable()
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        let wrong_type = matches!(r, JsonRejection::MissingJsonContentType(_));
        // A body that is not JSON, or JSON of the wrong shape (a missing or unknown field).
        body_refused(wrong_type, r.status(), || {
            Self::MalformedJson(r.body_text())
        })
    }
}

impl From<FormRejection> for ApiError {
    fn from(r: FormRejection) -> Self {
        let wrong_type = matches!(r, FormRejection::InvalidFormContentType(_));
        body_refused(wrong_type, r.status(), || Self::InvalidForm(r.body_text()))
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        // A handler that asks for parameters its route does not have, or of a type a path
        // cannot hold, is a bug here, not the client's.
        if r.status().is_server_error() {
            Self::Internal(r.body_text())
        } else {
            Self::InvalidPath(r.body_text())
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        Self::InvalidQuery(r.body_text())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = self.problem();
        if problem.status >= 500 && problem.status != 503 {
            tracing::error!(error = %error_chain(&self), "request failed");
        }
        let status =
            StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

/// An error on a browser page: the same causes, shown as a Persian page (or a redirect to the
/// login page when there is no session).
#[derive(Debug)]
pub struct PageError {
    pub error: ApiError,
    /// Where to come back after logging in.
    pub next: Option<String>,
}

impl<E: Into<ApiError>> From<E> for PageError {
    fn from(e: E) -> Self {
        Self {
            error: e.into(),
            next: None,
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if matches!(self.error, ApiError::App(app::Error::Unauthenticated)) {
            let next = self.next.unwrap_or_else(|| "/".into());
            let location = format!("/login?next={}", crate::fmt::url_encode(&next));
            return (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response();
        }
        let (status, code, _, detail) = self.error.parts();
        if status.is_server_error() && status != StatusCode::SERVICE_UNAVAILABLE {
            tracing::error!(error = %error_chain(&self.error), "page failed");
        }
        error_page(status, code, &detail)
    }
}

#[derive(askama::Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: crate::layout::Layout,
    heading: &'static str,
    code: &'static str,
    detail: String,
}

/// A Persian error page: a plain frame (no navigation, nobody named), the heading for its
/// status, the stable code and the Persian detail.
pub fn error_page(status: StatusCode, code: &'static str, detail: &str) -> Response {
    use askama::Template;
    let heading = match status {
        StatusCode::FORBIDDEN => "دسترسی مجاز نیست",
        StatusCode::NOT_FOUND => "پیدا نشد",
        StatusCode::TOO_MANY_REQUESTS => "تلاش بیش از حد",
        StatusCode::SERVICE_UNAVAILABLE => "سامانه سرگرم است",
        s if s.is_client_error() => "درخواست نادرست",
        _ => "خطای سامانه",
    };
    let page = ErrorPage {
        layout: crate::layout::Layout::plain(heading),
        heading,
        code,
        detail: detail.to_owned(),
    };
    let body = page.render().unwrap_or_else(|_| detail.to_owned());
    let mut response = (status, axum::response::Html(body)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Answers an error in the form the path calls for: problem+json under `/api/` (and for the
/// health check), a Persian page elsewhere (a page without a session goes to log in and comes
/// back to `next`).
pub fn respond(path: &str, next: &str, error: ApiError) -> Response {
    if path.starts_with("/api/") || path == "/healthz" {
        error.into_response()
    } else {
        PageError {
            error,
            next: Some(next.to_owned()),
        }
        .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_failure_is_logged_whole_and_shown_as_nothing() {
        let cause = std::io::Error::other("disk I/O error at page 17");
        let error = ApiError::from(StoreError::database(cause));
        assert_eq!(
            error_chain(&error),
            "database error: disk I/O error at page 17"
        );
        let problem = error.problem();
        assert_eq!(problem.status, 500);
        assert_eq!(problem.code, "internal_error");
        assert!(!problem.detail.contains("disk"), "{}", problem.detail);
    }

    #[test]
    fn store_refusals_keep_their_codes_and_words() {
        let refusal = store::Refusal::Day(domain::station_day::DayRefusal::TooEarlyToClose);
        let problem = ApiError::from(StoreError::Refused(refusal.clone())).problem();
        assert_eq!(problem.status, 409);
        assert_eq!(problem.code, "too_early_to_close");
        assert_eq!(problem.detail, refusal.persian());
        let duplicate = ApiError::from(StoreError::Duplicate {
            entity: store::Entity::Station,
            key: "0100001".into(),
        })
        .problem();
        assert_eq!(
            (duplicate.status, duplicate.code.as_str()),
            (409, "duplicate_station")
        );
    }
}
