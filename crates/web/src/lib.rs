//! The HTTP layer of sandoq: the Persian web UI, the JSON API under `/api/v1` and its OpenAPI
//! document, authentication, and the one access policy every route passes through.
//!
//! A request flows: middleware (trace, limits, session, public or private route) → handler
//! (parse) → use case in `app` (policy, domain, store: one transaction with its audit record)
//! → response. Handlers parse, call the use case (or, for a plain read, the policy and the
//! store) and render; `api` and `views` never call each other.

pub mod api;
pub mod assets;
pub mod auth;
pub mod chart;
pub mod download;
pub mod error;
pub mod fmt;
pub mod layout;
pub mod upload;
pub mod views;

use axum::http::Method;
use axum::response::IntoResponse;
use axum::Router;
use domain::clock::Clock;
use std::sync::Arc;
use std::time::Duration;
use store::Store;

pub use error::{ApiError, PageError};
pub use views::{page_routes, PageRoute};

/// Settings of the web layer, read by the `cli` crate and passed in typed.
#[derive(Debug, Clone)]
#[allow(clippy::struct_excessive_bools)] // independent switches of the server, one per flag
pub struct Config {
    /// Served over TLS (a proxy in front ends it): cookies are `Secure` and every answer
    /// carries `Strict-Transport-Security`.
    pub secure_cookies: bool,
    /// How long a login lasts.
    pub session_ttl: Duration,
    /// How long a session may go unused before it ends (not a station's device on its
    /// polling day: `app::sessions`).
    pub session_idle: Duration,
    /// Argon2 hashes or checks run at once, and how many more may wait (`app::Settings`).
    pub hash_concurrency: usize,
    pub hash_queue: usize,
    /// Failed-or-not login attempts allowed per minute, per client network (an IPv4 address,
    /// an IPv6 /64) and per network and username.
    pub login_attempts_per_minute: u32,
    /// Reverse proxies whose `X-Forwarded-For` names the client (empty: the TCP peer is the
    /// client, and the header is ignored).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Largest accepted request body.
    pub max_body_bytes: usize,
    /// Voters may vote only at a station of their own constituency (DESIGN §8; the default).
    pub own_constituency_only: bool,
    /// Where uploaded documents are kept (outside the database, by content hash).
    pub files_dir: std::path::PathBuf,
    /// A demo: its pages suggest whom to try things as, and show its text messages.
    pub demo: bool,
    /// Where one-time codes go: a provider's HTTP API, or an outbox on this machine.
    pub sms: app::sms::Sms,
    /// How one-time codes are rationed and how long they last.
    pub identity_limits: domain::identity::Limits,
    /// How far a station's staff may extend its day on their own.
    pub extension_limits: domain::station_day::ExtensionLimits,
    /// A station may not open without its inspector (else the absence is recorded).
    pub opening_needs_inspector: bool,
    /// A station opens only once it passed its equipment test or its county overrode it.
    pub opening_needs_equipment_test: bool,
    /// How often the live parts of a page (the election-day picture, turnout) fetch
    /// themselves again.
    pub live_refresh: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            session_ttl: Duration::from_hours(8),
            session_idle: Duration::from_mins(30),
            hash_concurrency: app::sessions::Hashing::default_running(),
            hash_queue: 32,
            login_attempts_per_minute: 10,
            trusted_proxies: Vec::new(),
            max_body_bytes: 64 * 1024,
            own_constituency_only: true,
            files_dir: std::env::temp_dir().join("sandoq-files"),
            demo: false,
            sms: app::sms::Sms::default(),
            identity_limits: domain::identity::Limits::default(),
            extension_limits: domain::station_day::ExtensionLimits::default(),
            opening_needs_inspector: false,
            opening_needs_equipment_test: true,
            live_refresh: Duration::from_secs(20),
        }
    }
}

/// Everything a handler may use (the use cases, never the store itself), behind one shared pointer: axum clones the state for the
/// router, the middleware and every extractor of every request, and one reference count is
/// cheaper to move than six.
#[derive(Clone)]
pub struct AppState(Arc<AppStateInner>);

/// How many decryption-share posts a client network may make a minute (a guardian's run posts
/// one per fifty stations).
pub const HEAVY_WRITES_PER_MINUTE: u32 = 60;

/// How many kiosk pairings one account may attempt a minute: a pairing code is eight digits
/// and up to 500 kiosks wait at once, so guessing codes must stay slow.
pub const PAIRINGS_PER_MINUTE: u32 = 20;

/// The parts of [`AppState`].
pub struct AppStateInner {
    pub clock: Arc<dyn Clock>,
    pub config: Arc<Config>,
    /// The use cases, on the same store and clock.
    pub app: app::App,
    pub(crate) limiter: Arc<auth::LoginLimiter>,
    /// The public writes whose checks cost seconds of CPU (a guardian's decryption shares: a
    /// proof per candidate, the stations' sums), counted per client network apart from logins.
    pub(crate) heavy_writes: Arc<auth::LoginLimiter>,
    /// Kiosk pairings attempted, per account ([`PAIRINGS_PER_MINUTE`]).
    pub(crate) pairings: Arc<auth::LoginLimiter>,
    pub(crate) sessions: Arc<auth::SessionCache>,
}

impl std::ops::Deref for AppState {
    type Target = AppStateInner;

    fn deref(&self) -> &AppStateInner {
        &self.0
    }
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, config: Config) -> Self {
        let limiter = Arc::new(auth::LoginLimiter::new(config.login_attempts_per_minute));
        let app = app::App::new(
            store,
            clock.clone(),
            store::files::FileStore::new(&config.files_dir),
            app::Settings {
                own_constituency_only: config.own_constituency_only,
                identity_limits: config.identity_limits,
                extension_limits: config.extension_limits,
                opening_needs_inspector: config.opening_needs_inspector,
                opening_needs_equipment_test: config.opening_needs_equipment_test,
                hash_concurrency: config.hash_concurrency,
                hash_queue: config.hash_queue,
            },
            config.sms.clone(),
        );
        Self(Arc::new(AppStateInner {
            clock,
            config: Arc::new(config),
            app,
            limiter,
            heavy_writes: Arc::new(auth::LoginLimiter::new(HEAVY_WRITES_PER_MINUTE)),
            pairings: Arc::new(auth::LoginLimiter::new(PAIRINGS_PER_MINUTE)),
            sessions: Arc::default(),
        }))
    }

    pub(crate) fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }
}

/// The whole application: API, views, assets, middleware. The only place routes are joined:
/// the API's from its OpenAPI registrations, the pages' from [`page_routes`], and nothing
/// else, so that [`routes`] lists every route served.
pub fn router(state: AppState) -> Router {
    use tower_http::set_header::SetResponseHeaderLayer;

    let (api, _) = api::router();
    let pages = page_routes()
        .into_iter()
        .fold(Router::new(), |router, page| page.add_to(router));
    let max_body = state.config.max_body_bytes;
    let header = |name: &'static str, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(
            axum::http::HeaderName::from_static(name),
            axum::http::HeaderValue::from_static(value),
        )
    };
    // Over TLS, browsers are told to come back over TLS only (a year).
    let hsts = state
        .config
        .secure_cookies
        .then(|| header("strict-transport-security", "max-age=31536000"));
    // Outermost first: trace every request, catch panics as 500s, bound time and body size,
    // add the security headers, then resolve the session (and check CSRF) for the handlers.
    let middleware = tower::ServiceBuilder::new()
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(|_| ApiError::Internal("handler panicked".into()).into_response()))
        .layer(axum::middleware::from_fn(time_limit))
        .layer(axum::extract::DefaultBodyLimit::max(max_body))
        .layer(header("x-content-type-options", "nosniff"))
        .layer(header("x-frame-options", "DENY"))
        .layer(header("referrer-policy", "same-origin"))
        .option_layer(hsts)
        .layer(header(
            "content-security-policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; form-action 'self'",
        ))
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::authenticate));
    api.merge(pages)
        .fallback(|uri: axum::http::Uri| async move {
            error::respond(
                uri.path(),
                uri.path(),
                ApiError::not_found(store::Entity::Page),
            )
        })
        // A path served, a method not: 405 (with the router's `Allow`) as a problem or a page.
        .method_not_allowed_fallback(|uri: axum::http::Uri| async move {
            error::respond(uri.path(), uri.path(), ApiError::MethodNotAllowed)
        })
        .layer(middleware)
        .with_state(state)
}

/// How long a request may take before it is answered 408 `request_timeout`.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Middleware: answers a request still unanswered after [`REQUEST_TIMEOUT`] with 408, as a
/// problem document under the API and a Persian page elsewhere (like every other refusal),
/// and drops its handler.
async fn time_limit(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let path = request.uri().path().to_owned();
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(request)).await {
        Ok(response) => response,
        Err(_) => error::respond(&path, &path, ApiError::Timeout),
    }
}

/// The OpenAPI document of the API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api::router().1
}

/// Every route the router serves, as (method, path pattern): the API's from its OpenAPI
/// document (and the document itself), then the pages'.
pub fn routes() -> Vec<(Method, String)> {
    let mut out = Vec::new();
    for (path, item) in openapi().paths.paths {
        let methods = [
            (Method::GET, item.get.is_some()),
            (Method::PUT, item.put.is_some()),
            (Method::POST, item.post.is_some()),
            (Method::DELETE, item.delete.is_some()),
            (Method::PATCH, item.patch.is_some()),
        ];
        for (method, served) in methods {
            if served {
                out.push((method, path.clone()));
            }
        }
    }
    out.push((Method::GET, api::OPENAPI_PATH.to_owned()));
    out.extend(
        page_routes()
            .into_iter()
            .map(|page| (page.method, page.path.to_owned())),
    );
    out
}

/// Serves the router on an already-bound listener until `shutdown` resolves.
pub async fn serve(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    // Answers leave at once rather than waiting for the client's acknowledgement of the last
    // one (Nagle): a station's device sends its requests one after another on one connection.
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::warn!(error = %e, "cannot set TCP_NODELAY");
        }
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::{header, Request, StatusCode};
    use tower::ServiceExt;

    /// A request still unanswered at the time limit is answered 408, as a problem document
    /// under the API and as a page elsewhere (the clock is paused: no test waits 30 s).
    #[tokio::test(start_paused = true)]
    async fn a_request_over_the_time_limit_is_answered_408() {
        let never = || std::future::pending::<()>();
        let router = Router::new()
            .route("/api/v1/slow", axum::routing::get(never))
            .route("/slow", axum::routing::get(never))
            .layer(axum::middleware::from_fn(time_limit));
        for (path, content_type) in [
            ("/api/v1/slow", "application/problem+json"),
            ("/slow", "text/html; charset=utf-8"),
        ] {
            let request = Request::get(path).body(Body::empty()).unwrap();
            let response = router.clone().oneshot(request).await.unwrap();
            assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT, "{path}");
            assert_eq!(
                response.headers()[header::CONTENT_TYPE],
                content_type,
                "{path}"
            );
        }
    }
}
