//! The HTTP layer of sandoq: the Persian web UI, the JSON API under `/api/v1` and its OpenAPI
//! document, authentication, and the one access policy every route passes through.
//!
//! A request flows: middleware (trace, limits, session) → handler (policy, parse) → domain →
//! store (one transaction with its audit record) → response. Handlers stay thin.

pub mod api;
pub mod assets;
pub mod auth;
pub mod cache;
pub mod chart;
pub mod error;
pub mod fmt;
pub mod views;

use axum::response::IntoResponse;
use axum::Router;
use domain::clock::Clock;
use std::sync::Arc;
use std::time::Duration;
use store::Store;

pub use error::{ApiError, PageError};

/// Settings of the web layer, read by the `cli` crate and passed in typed.
#[derive(Debug, Clone)]
pub struct Config {
    /// Mark cookies `Secure` (behind TLS).
    pub secure_cookies: bool,
    /// How long a login lasts.
    pub session_ttl: Duration,
    /// Failed-or-not login attempts allowed per minute, per username and per client address.
    pub login_attempts_per_minute: u32,
    /// Largest accepted request body.
    pub max_body_bytes: usize,
    /// Voters may vote only at a station of their own constituency (DESIGN §8; the default).
    pub own_constituency_only: bool,
    /// Where uploaded documents are kept (outside the database, by content hash).
    pub files_dir: std::path::PathBuf,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            session_ttl: Duration::from_hours(8),
            login_attempts_per_minute: 10,
            max_body_bytes: 64 * 1024,
            own_constituency_only: true,
            files_dir: std::env::temp_dir().join("sandoq-files"),
        }
    }
}

/// Everything a handler may use, behind one shared pointer: axum clones the state for the
/// router, the middleware and every extractor of every request, and one reference count is
/// cheaper to move than seven.
#[derive(Clone)]
pub struct AppState(Arc<AppStateInner>);

/// The parts of [`AppState`].
pub struct AppStateInner {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub config: Arc<Config>,
    pub(crate) limiter: Arc<auth::LoginLimiter>,
    pub(crate) caches: Arc<cache::Caches>,
    pub(crate) sessions: Arc<auth::SessionCache>,
    pub(crate) files: Arc<store::files::FileStore>,
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
        let files = Arc::new(store::files::FileStore::new(&config.files_dir));
        Self(Arc::new(AppStateInner {
            files,
            store,
            clock,
            config: Arc::new(config),
            limiter,
            caches: Arc::default(),
            sessions: Arc::default(),
        }))
    }

    pub(crate) fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }
}

/// The whole application: API, views, assets, middleware. The only place routes are joined.
pub fn router(state: AppState) -> Router {
    use axum::routing::{get, post};
    use tower_http::set_header::SetResponseHeaderLayer;

    let (api, _) = api::router();
    let pages = Router::new()
        .route("/", get(views::dashboard::home))
        .route("/login", get(views::login::show).post(views::login::submit))
        .route("/logout", post(views::login::logout))
        .route("/counties/{code}", get(views::counties::county))
        .route(
            "/counties/{code}/inspectors",
            get(views::staffing::inspector_roster),
        )
        .route("/councils/{code}", get(views::counties::council))
        .route("/stations/{code}", get(views::counties::station))
        .route("/stations/{code}/edit", post(views::counties::edit_station))
        .route(
            "/stations/{code}/staff",
            get(views::staffing::station_staff),
        )
        .route(
            "/stations/{code}/staff/{post}",
            post(views::staffing::assign),
        )
        .route(
            "/stations/{code}/staff/{post}/free",
            post(views::staffing::unassign),
        )
        .route("/stations/{code}/day", get(views::election_day::console))
        .route(
            "/stations/{code}/day/{action}",
            post(views::election_day::act),
        )
        .route(
            "/stations/{code}/checkin",
            post(views::election_day::check_in),
        )
        .route("/vote", post(views::election_day::ballot))
        .route("/vote/review", post(views::election_day::review))
        .route("/vote/cast", post(views::election_day::cast))
        .route("/turnout", get(views::election_day::turnout))
        .route("/candidates", get(views::candidates::list))
        .route("/candidates/photo/{code}", get(views::candidates::photo))
        .route("/candidates/participation", get(views::participation::page))
        .route(
            "/register",
            get(views::registrations::show)
                .post(views::registrations::submit)
                .layer(
                    // The form and its documents, past the router's small default.
                    axum::extract::DefaultBodyLimit::max(
                        api::registrations::MAX_REGISTRATION_BYTES,
                    ),
                ),
        )
        .route(
            "/registration-status",
            get(views::registrations::status).post(views::registrations::lookup),
        )
        .route(
            "/registration-status/steps",
            post(views::registrations::step),
        )
        .route("/registrations", get(views::vetting::worklist))
        .route("/registrations/{tracking_code}", get(views::vetting::file))
        .route(
            "/registrations/{tracking_code}/steps",
            post(views::vetting::step),
        )
        .route(
            "/registrations/{tracking_code}/documents/{kind}",
            get(views::vetting::document),
        )
        .route("/boards/{code}", get(views::boards::show))
        .route("/boards/{code}/members", post(views::boards::appoint))
        .route(
            "/boards/{code}/members/{national_id}/remove",
            post(views::boards::remove),
        )
        .route("/boards/{code}/meetings", post(views::boards::record))
        .route("/meetings/{id}", get(views::boards::minutes))
        .route("/people", get(views::people::search))
        .route("/audit", get(views::audit::list))
        .route("/audit/verify", get(views::audit::verify))
        .route("/assets/{*path}", get(assets::serve));
    let max_body = state.config.max_body_bytes;
    let header = |name: &'static str, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(
            axum::http::HeaderName::from_static(name),
            axum::http::HeaderValue::from_static(value),
        )
    };
    // Outermost first: trace every request, catch panics as 500s, bound time and body size,
    // add the security headers, then resolve the session (and check CSRF) for the handlers.
    let middleware = tower::ServiceBuilder::new()
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(|_| ApiError::Internal("handler panicked".into()).into_response()))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)))
        .layer(axum::extract::DefaultBodyLimit::max(max_body))
        .layer(header("x-content-type-options", "nosniff"))
        .layer(header("x-frame-options", "DENY"))
        .layer(header("referrer-policy", "same-origin"))
        .layer(header(
            "content-security-policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; form-action 'self'",
        ))
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::authenticate));
    api.merge(pages)
        .fallback(|uri: axum::http::Uri| async move {
            error::respond(uri.path(), ApiError::NotFound(store::Entity::Page))
        })
        .layer(middleware)
        .with_state(state)
}

/// The OpenAPI document of the API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api::router().1
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
