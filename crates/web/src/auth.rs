//! Passwords, sessions, the login rate limit and CSRF protection.
//!
//! A session token is 32 random bytes; the store keeps only its SHA-256. Browsers carry it in
//! an HttpOnly, SameSite=Strict cookie, API clients as `Authorization: Bearer`. Every
//! state-changing request that rides on the cookie must also carry the session's CSRF token
//! (header `X-CSRF-Token`, or form field `csrf_token` of an urlencoded or multipart form);
//! bearer requests need none, since no browser adds that header by itself.

use crate::{ApiError, AppState};
use axum::body::Body;
use axum::extract::{FromRequestParts, MatchedPath, State};
use axum::http::request::Parts;
use axum::http::{header, Method, Request};
use axum::middleware::Next;
use axum::response::Response;
use domain::access::{Action, Principal};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Arc;

pub const SESSION_COOKIE: &str = "sandoq_session";
pub const LOGIN_CSRF_COOKIE: &str = "sandoq_login_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";
pub const CSRF_FIELD: &str = "csrf_token";

pub use app::random::{new_token, random_bytes, token_hash};
pub use app::sessions::{hash_password, verify_password};

/// A session as the middleware last read it from the store.
#[derive(Debug, Clone)]
pub(crate) struct CachedSession {
    principal: Principal,
    /// The principal's scope as a page's header says it ([`scope_label`]).
    scope_label: String,
    csrf_token: String,
    expires_at_us: i64,
    idle_until_us: Option<i64>,
    /// When it was read, by the server's clock.
    read_at_us: i64,
}

impl CachedSession {
    /// Whether the session is still live at `now_us`: not expired, not idle.
    fn live_at(&self, now_us: i64) -> bool {
        self.expires_at_us > now_us && self.idle_until_us.is_none_or(|until| until > now_us)
    }
}

/// Sessions recently read from the store, so that a busy device (a station checking voters in)
/// does not pay a database read per request. An entry is trusted for [`SessionCache::TTL`] and
/// never past the session's own expiry or idle end; a logout, a disabled account, a new
/// password or revoked sessions on this server drop it at once, the same through another
/// server sharing the database take effect within the TTL.
#[derive(Default)]
pub struct SessionCache(std::sync::Mutex<HashMap<String, (std::time::Instant, CachedSession)>>);

impl SessionCache {
    const TTL: std::time::Duration = std::time::Duration::from_secs(5);
    const MAX_ENTRIES: usize = 20_000;

    fn get(&self, token_hash: &str, now_us: i64) -> Option<CachedSession> {
        let entries = self.0.lock().ok()?;
        let (read_at, session) = entries.get(token_hash)?;
        // Trusted for the TTL by the server's clock too (a pinned or test clock that jumps
        // ahead reads the store again, which notes the session's use).
        let ttl_us = i64::try_from(Self::TTL.as_micros()).unwrap_or(i64::MAX);
        let fresh = read_at.elapsed() < Self::TTL
            && (session.read_at_us..session.read_at_us.saturating_add(ttl_us)).contains(&now_us);
        (fresh && session.live_at(now_us)).then(|| session.clone())
    }

    /// Forgets every session of an account (disabled, its password changed, its sessions
    /// revoked), but `keep`.
    pub fn forget_user(&self, username: &str, keep: Option<&str>) {
        if let Ok(mut entries) = self.0.lock() {
            entries.retain(|hash, (_, session)| {
                session.principal.username != username || Some(hash.as_str()) == keep
            });
        }
    }

    fn put(&self, token_hash: &str, session: CachedSession) {
        if let Ok(mut entries) = self.0.lock() {
            if entries.len() >= Self::MAX_ENTRIES {
                entries.retain(|_, (read_at, _)| read_at.elapsed() < Self::TTL);
            }
            entries.insert(token_hash.to_owned(), (std::time::Instant::now(), session));
        }
    }

    /// Forgets a session at logout.
    pub fn forget(&self, token_hash: &str) {
        if let Ok(mut entries) = self.0.lock() {
            entries.remove(token_hash);
        }
    }
}

/// Ends a session: in the store (with its audit record) and in this server's cache.
pub async fn end_session(state: &AppState, session: &CurrentSession) -> Result<(), ApiError> {
    state.sessions.forget(&session.token_hash);
    let sessions = state.app.sessions();
    Ok(sessions
        .close(&session.token_hash, &session.principal)
        .await?)
}

/// Login attempts per minute, per client network and per (network, username). Never per
/// username alone: a stranger who fails on purpose must not lock a station out of its own
/// account, so one network's failures never refuse another's correct password.
pub struct LoginLimiter(DefaultKeyedRateLimiter<String>);

impl LoginLimiter {
    /// Keys kept before the ones back to a full quota are dropped (a bound on its memory).
    const MAX_KEYS: usize = 100_000;

    pub fn new(per_minute: u32) -> Self {
        let quota =
            Quota::per_minute(NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN));
        Self(RateLimiter::keyed(quota))
    }

    /// Charges one attempt at `username` from `client` to both its keys; whether both allow
    /// it. Without an address (a test, a socket without one) only the username's key counts.
    pub(crate) fn allow(&self, client: Option<std::net::IpAddr>, username: &str) -> bool {
        if self.0.len() > Self::MAX_KEYS {
            self.0.retain_recent();
            self.0.shrink_to_fit();
        }
        let network = client.map_or_else(|| "-".to_owned(), |ip| network(ip).to_string());
        let by_network = client.is_none() || self.0.check_key(&format!("net:{network}")).is_ok();
        let by_pair = self
            .0
            .check_key(&format!("pair:{network}/{username}"))
            .is_ok();
        by_network && by_pair
    }
}

/// Charges a kiosk pairing to the signed-in account: refused (`too_many_attempts`) past
/// [`crate::PAIRINGS_PER_MINUTE`] a minute. Counted per account, which locks out only itself.
pub(crate) fn pairing_allowed(
    state: &AppState,
    principal: Option<&domain::access::Principal>,
) -> Result<(), ApiError> {
    match principal {
        Some(p) if !state.pairings.allow(None, &p.username) => Err(ApiError::TooManyAttempts),
        _ => Ok(()),
    }
}

/// The network an address stands for: itself for IPv4, its /64 for IPv6 (one subscriber's
/// share, which a client may change address within at will).
fn network(ip: std::net::IpAddr) -> std::net::IpAddr {
    match ip {
        std::net::IpAddr::V4(_) => ip,
        std::net::IpAddr::V6(v6) => {
            let s = v6.segments();
            std::net::IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
    }
}

/// The longest username a login is checked for; a longer one is refused unread.
pub const MAX_USERNAME_BYTES: usize = 64;

/// Checks the credentials and opens a session (recorded in the audit log), unless this
/// client's network has tried too often in the last minute, in all or at this username.
pub async fn login(
    state: &AppState,
    username: &str,
    password: &str,
    client: Option<std::net::IpAddr>,
) -> Result<app::sessions::Opened, ApiError> {
    let username = username.trim();
    if username.len() > MAX_USERNAME_BYTES {
        // Charged like any attempt, under a key of bounded size, and refused.
        return Err(if state.limiter.allow(client, "(too long)") {
            ApiError::InvalidCredentials
        } else {
            ApiError::TooManyAttempts
        });
    }
    if !state.limiter.allow(client, username) {
        return Err(ApiError::TooManyAttempts);
    }
    let lifetime = app::sessions::Lifetime {
        ttl: time::Duration::try_from(state.config.session_ttl).unwrap_or(time::Duration::hours(8)),
        idle: time::Duration::try_from(state.config.session_idle)
            .unwrap_or(time::Duration::minutes(30)),
    };
    match state
        .app
        .sessions()
        .open(username, password, lifetime)
        .await
    {
        Err(app::Error::InvalidCredentials) => {
            tracing::info!(username, "failed login");
            Err(ApiError::InvalidCredentials)
        }
        opened => Ok(opened?),
    }
}

/// The session behind a request, resolved once by [`authenticate`].
#[derive(Debug, Clone)]
pub struct CurrentSession {
    pub principal: Principal,
    /// The principal's scope as a page's header says it ([`scope_label`]).
    pub scope_label: String,
    pub csrf_token: String,
    pub token_hash: String,
    pub via_cookie: bool,
}

/// Who is asking: `None` for an anonymous request. Every handler takes this and calls
/// [`Auth::require`] with its [`Action`]. Shared, since the extractor clones it out of the
/// request for every handler.
#[derive(Debug, Clone, Default)]
pub struct Auth(pub Option<Arc<CurrentSession>>);

impl Auth {
    pub fn principal(&self) -> Option<&Principal> {
        self.0.as_ref().map(|s| &s.principal)
    }

    /// The principal's scope as a page's header says it («شهرستان کرمان»).
    pub fn scope_label(&self) -> Option<&str> {
        self.0.as_ref().map(|s| s.scope_label.as_str())
    }

    /// The one policy check (`domain::access::authorize`), for a plain read; the use cases
    /// make it themselves.
    pub fn require(&self, action: Action<'_>) -> Result<&Principal, ApiError> {
        Ok(app::authorize(self.principal(), action)?)
    }

    pub fn csrf_token(&self) -> &str {
        self.0.as_ref().map_or("", |s| s.csrf_token.as_str())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Auth {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<Auth>().cloned().unwrap_or_default())
    }
}

/// What a handler starts from: the app's state and who asks (no one, for the anonymous),
/// extracted together. The API's handlers take it apart; a page's helpers take it whole, and
/// the views add the page's frame and checks (`views::Visit`'s methods).
#[derive(Clone)]
pub struct Visit {
    pub state: AppState,
    pub auth: Auth,
}

impl FromRequestParts<AppState> for Visit {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Ok(auth) = Auth::from_request_parts(parts, state).await;
        Ok(Self {
            state: state.clone(),
            auth,
        })
    }
}

impl Visit {
    /// Who asks: `None` for the anonymous.
    pub fn principal(&self) -> Option<&Principal> {
        self.auth.principal()
    }

    /// The use cases.
    pub fn app(&self) -> &app::App {
        &self.state.app
    }
}

/// The client's address, when the server knows it: the TCP peer's, or, when the peer is one
/// of the configured trusted proxies (`Config::trusted_proxies`), the last address its
/// `X-Forwarded-For` names that is not a trusted proxy itself. Anyone else's header is
/// ignored, since a client can write whatever it likes there.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<std::net::IpAddr>);

impl ClientIp {
    /// The client's network as the limits count it (an IPv4 address, an IPv6 /64), `-` when
    /// the connection's peer is unknown.
    pub fn network(self) -> String {
        self.0
            .map_or_else(|| "-".to_owned(), |ip| network(ip).to_string())
    }
}

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip());
        let trusted = &state.config.trusted_proxies;
        let Some(proxy) = peer.filter(|p| trusted.contains(p)) else {
            return Ok(Self(peer));
        };
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|a| a.trim().parse::<std::net::IpAddr>().ok())
            .collect::<Vec<_>>();
        let client = forwarded.into_iter().rev().find(|a| !trusted.contains(a));
        Ok(Self(Some(client.unwrap_or(proxy))))
    }
}

pub fn cookie_value(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

fn bearer(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(|t| t.trim().to_owned())
}

/// Whether two tokens are equal and not empty, compared in constant time (`subtle`): the time
/// taken tells nothing of how much of a guessed CSRF token was right, and an empty cookie
/// never matches an empty field.
pub fn same_token(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    !a.is_empty() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// Reads a form field from an urlencoded body.
pub fn form_field(body: &[u8], name: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).ok()?;
    pairs.into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

/// The principal's scope as a page says it: a county by its name. Read with the session from
/// the store (so once per [`SessionCache::TTL`], not per page), and only for a browser's
/// session: the API answers no header. The code stands in if the county cannot be read.
async fn scope_label(state: &AppState, principal: &Principal) -> String {
    let name = match &principal.scope {
        domain::access::Scope::County { county } => {
            match state.app.lookups().county(county).await {
                Ok(summary) => Some(summary.county.name),
                Err(e) => {
                    tracing::warn!(county, error = %e, "county name not read for the header");
                    None
                }
            }
        }
        _ => None,
    };
    principal.scope.persian_named(name.as_deref())
}

/// Middleware: resolves the session once per request and enforces CSRF on state-changing
/// requests that ride on the session cookie.
pub async fn authenticate(
    State(state): State<AppState>,
    request: Request<Body>,
    next: Next,
) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    // Static assets are public and never state-changing: spare them the session lookup.
    if route.as_deref() == Some(ASSETS) {
        return next.run(request).await;
    }
    let headers = request.headers();
    // A paired kiosk's cookie wins over a user's: a device that is a kiosk is only a kiosk
    // (issue 17 §1). A bearer token is a user's session, else a kiosk's secret.
    let kiosk_cookie = cookie_value(headers, KIOSK_COOKIE);
    let (token, via_cookie) = match bearer(headers) {
        Some(t) => (Some(t), false),
        None => (cookie_value(headers, SESSION_COOKIE), true),
    };
    let now_us = domain::clock::to_micros(state.now());
    let mut auth = Auth(None);
    if let Some(secret) = kiosk_cookie.filter(|_| bearer(headers).is_none()) {
        match kiosk_session(&state, &secret, now_us).await {
            Ok(Some((hash, session))) => {
                auth = Auth(Some(Arc::new(CurrentSession {
                    principal: session.principal,
                    scope_label: session.scope_label,
                    csrf_token: session.csrf_token,
                    token_hash: hash,
                    via_cookie: true,
                })));
            }
            Ok(None) => {}
            Err(e) => return crate::error::respond(request.uri().path(), "/", e),
        }
    }
    if let Some(token) = token.filter(|_| auth.0.is_none()) {
        let hash = token_hash(&token);
        let found = match state.sessions.get(&hash, now_us) {
            Some(hit) => Some(hit),
            None => match state.app.sessions().find(&hash).await {
                Ok(Some(live)) => {
                    let scope_label = if via_cookie {
                        scope_label(&state, &live.principal).await
                    } else {
                        live.principal.scope.persian()
                    };
                    let fresh = CachedSession {
                        scope_label,
                        principal: live.principal,
                        csrf_token: live.csrf_token,
                        expires_at_us: live.expires_at_us,
                        idle_until_us: live.idle_until_us,
                        read_at_us: now_us,
                    };
                    state.sessions.put(&hash, fresh.clone());
                    Some(fresh)
                }
                Ok(None) if !via_cookie => match kiosk_session(&state, &token, now_us).await {
                    Ok(found) => found.map(|(_, session)| session),
                    Err(e) => return crate::error::respond(request.uri().path(), "/", e),
                },
                Ok(None) => None,
                Err(e) => {
                    return crate::error::respond(request.uri().path(), "/", ApiError::from(e))
                }
            },
        };
        if let Some(session) = found {
            auth = Auth(Some(Arc::new(CurrentSession {
                principal: session.principal,
                scope_label: session.scope_label,
                csrf_token: session.csrf_token,
                token_hash: hash,
                via_cookie,
            })));
        }
    }
    let unsafe_method = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let mut request = request;
    if unsafe_method {
        if let Some(session) = auth.0.as_ref().filter(|s| s.via_cookie) {
            let (ok, rebuilt) =
                csrf_ok(request, &session.csrf_token, state.config.max_body_bytes).await;
            request = rebuilt;
            if !ok {
                return crate::error::respond(request.uri().path(), "/", ApiError::Csrf);
            }
        }
    }
    // Every route but the public ones needs a session; refuse before the body is read, so an
    // anonymous caller learns nothing from validation errors. A path no route serves is
    // answered as private under the API (nothing is said about which paths exist) and as a
    // page's 404 elsewhere.
    let private = match &route {
        Some(route) => !is_public(request.method(), route),
        None => request.uri().path().starts_with("/api/"),
    };
    if auth.0.is_none() && private {
        // A part of a page that refreshes itself (htmx), asked after the session ended: the
        // whole page goes to the login form and back, not the form into the part.
        if let Some(page) = htmx_page(&request) {
            let login = format!("/login?next={}", crate::fmt::url_encode(&page));
            return axum::response::IntoResponse::into_response((
                axum::http::StatusCode::UNAUTHORIZED,
                [(header::HeaderName::from_static("hx-redirect"), login)],
            ));
        }
        let next = return_to(&request);
        return crate::error::respond(request.uri().path(), &next, ApiError::unauthenticated());
    }
    request.extensions_mut().insert(auth);
    next.run(request).await
}

/// The session of a paired kiosk in service whose secret is `secret`, with the secret's hash;
/// cached as users' sessions are (a kiosk taken out of service on this server is forgotten at
/// once, through another within the cache's TTL).
async fn kiosk_session(
    state: &AppState,
    secret: &str,
    now_us: i64,
) -> Result<Option<(String, CachedSession)>, ApiError> {
    let hash = token_hash(secret);
    if let Some(hit) = state.sessions.get(&hash, now_us) {
        return Ok(Some((hash, hit)));
    }
    let Some(kiosk) = state.app.kiosks().by_secret(secret).await? else {
        return Ok(None);
    };
    let Some(principal) = app::kiosks::principal_of(&kiosk) else {
        return Ok(None);
    };
    let session = CachedSession {
        scope_label: principal.scope.persian(),
        principal,
        csrf_token: kiosk.csrf_token,
        expires_at_us: i64::MAX,
        idle_until_us: None,
        read_at_us: now_us,
    };
    state.sessions.put(&hash, session.clone());
    Ok(Some((hash, session)))
}

/// A device asks to be paired as a voting kiosk, once the client's network is within the
/// login limit (the request is anonymous, so it is charged like a login attempt).
pub async fn request_kiosk(
    state: &AppState,
    auth: &Auth,
    client: ClientIp,
) -> Result<app::kiosks::Requested, ApiError> {
    if !state.limiter.allow(client.0, "(kiosk pairing)") {
        return Err(ApiError::TooManyAttempts);
    }
    Ok(state.app.kiosks().request(auth.principal()).await?)
}

/// A candidate's complaint or objection (public, by tracking code and national id: issue 18
/// §5) is charged like a login attempt at the tracking code, per network: guessing a rival's
/// national id, or flooding a council with complaints, is bounded.
pub fn allow_candidate_act(
    state: &AppState,
    client: &ClientIp,
    tracking_code: &str,
) -> Result<(), ApiError> {
    let key = format!("(complaint {})", tracking_code.trim());
    if state.limiter.allow(client.0, &key) {
        Ok(())
    } else {
        Err(ApiError::TooManyAttempts)
    }
}

/// The cookie of a voting kiosk's secret (issue 17 §1).
pub const KIOSK_COOKIE: &str = "sandoq_kiosk";

/// Builds the `Set-Cookie` value of a kiosk's cookie: it lasts a polling day and more.
pub fn kiosk_cookie(secret: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{KIOSK_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Strict; Max-Age=172800{secure}")
}

/// The route of the vendored assets.
const ASSETS: &str = "/assets/{*path}";

/// Every route open to everyone, by method and the router's path pattern; every other route
/// needs a session (the middleware refuses it before its handler runs), so a new route is
/// private until it is listed here. What DESIGN §5 makes public: registration, the candidate
/// lists, turnout and receipts; with them logging in and out, the API's description, the
/// health check and the assets. A public route's handler still decides by what is sent: an
/// applicant's step needs a proof of their national id (a one-time code), a board's step the
/// board's session.
pub const PUBLIC_ROUTES: &[(Method, &str)] = &[
    (Method::GET, "/healthz"),
    (Method::POST, "/api/v1/auth/login"),
    (Method::GET, "/api/v1/openapi.json"),
    (Method::GET, "/api/v1/turnout"),
    (Method::GET, "/api/v1/councils/{code}/candidates"),
    (Method::GET, "/api/v1/candidates/csv"),
    (Method::GET, "/api/v1/candidates/nist"),
    (Method::GET, "/api/v1/receipts/{code}"),
    (Method::POST, "/api/v1/registrations"),
    (Method::POST, "/api/v1/registrations/{tracking_code}/lookup"),
    (Method::POST, "/api/v1/registrations/{tracking_code}/steps"),
    (Method::POST, "/api/v1/identity/codes"),
    (Method::POST, "/api/v1/identity/proofs"),
    (Method::POST, "/api/v1/identity/registrations"),
    // A device asks to become a voting kiosk; it is nothing until its station's staff pair it.
    (Method::POST, "/api/v1/kiosk/pairing"),
    // The count: the closed stations' encrypted tallies, and the guardians' shares, whose
    // proofs are their credentials (issue 17 §4).
    (Method::GET, "/api/v1/tallies"),
    // The election record: the manifest, and a closed station's part.
    (Method::GET, "/api/v1/record/manifest"),
    (Method::GET, "/api/v1/record/stations/{code}"),
    (Method::POST, "/api/v1/tallies/shares"),
    // Results, as the stations report (issue 18).
    (Method::GET, "/api/v1/results"),
    (Method::GET, "/api/v1/results/{council}"),
    (Method::GET, "/api/v1/results/stations/{code}"),
    (Method::GET, "/api/v1/results/stations/{code}/minutes"),
    (Method::GET, "/api/v1/results/stations/{code}/hand-counts"),
    // Complaints: the list (texts only for the boards), and the candidate's filing and
    // objection, by their tracking code and national id.
    (Method::GET, "/api/v1/results/complaints"),
    (Method::POST, "/api/v1/results/complaints"),
    (Method::POST, "/api/v1/results/complaints/{id}/objection"),
    (Method::GET, "/api/v1/results/signing-keys"),
    (Method::GET, "/login"),
    (Method::POST, "/login"),
    // Ends the caller's own session, if any.
    (Method::POST, "/logout"),
    (Method::GET, "/turnout"),
    // The live part of `/turnout`, which its page fetches again every few seconds.
    (Method::GET, "/turnout/live"),
    (Method::GET, "/candidates"),
    (Method::GET, "/candidates/photo/{code}"),
    (Method::GET, "/register"),
    (Method::POST, "/register"),
    (Method::POST, "/register/county"),
    (Method::GET, "/registration-status"),
    (Method::POST, "/registration-status"),
    (Method::POST, "/registration-status/steps"),
    (Method::GET, "/my-filings"),
    (Method::POST, "/identity/codes"),
    (Method::POST, "/identity/proofs"),
    // The kiosk's screen: its pairing code until paired (then its principal's), and asking
    // for a code.
    (Method::GET, "/kiosk"),
    (Method::POST, "/kiosk/pairing"),
    // A voter finds their ballot's receipt among those in the box.
    (Method::GET, "/receipts"),
    // The count: closed stations' tallies, the guardians' progress, the counts.
    (Method::GET, "/count"),
    // Results: the councils, and each council's result as its stations report (issue 18).
    (Method::GET, "/results"),
    (Method::GET, "/results/{council}"),
    (Method::GET, "/results/stations/{code}"),
    (Method::GET, "/results/stations/{code}/minutes"),
    (Method::GET, "/results/stations/{code}/hand-counts"),
    (Method::GET, "/results/complaints"),
    (Method::POST, "/results/complaints"),
    (Method::POST, "/results/complaints/{id}/objection"),
    // Only a demo serves it (its text messages); elsewhere it is not found.
    (Method::GET, "/demo/outbox"),
    (Method::GET, ASSETS),
];

/// Whether a route (its method and path pattern) is open to everyone. HEAD is GET's.
pub fn is_public(method: &Method, route: &str) -> bool {
    let method = if *method == Method::HEAD {
        &Method::GET
    } else {
        method
    };
    PUBLIC_ROUTES
        .iter()
        .any(|(m, path)| m == method && *path == route)
}

/// Where to come back after logging in: the page asked for, or for a form posted without a
/// session the page it was posted from (when it is this site's), else the home page.
fn return_to(request: &Request<Body>) -> String {
    if matches!(*request.method(), Method::GET | Method::HEAD) {
        return request.uri().path().to_owned();
    }
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok());
    let referer = request
        .headers()
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.split_once("://"))
        .and_then(|(_, rest)| {
            let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            (Some(authority) == host).then_some(path)
        });
    crate::fmt::safe_next(referer)
}

/// For a page's part asked by htmx (`HX-Request`), the page it was asked from
/// (`HX-Current-URL`) when this site's, else the home page; `None` for any other request and
/// under the API.
fn htmx_page(request: &Request<Body>) -> Option<String> {
    if request.uri().path().starts_with("/api/") {
        return None;
    }
    let headers = request.headers();
    headers.get("hx-request")?;
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let page = headers
        .get("hx-current-url")
        .and_then(|v| v.to_str().ok())
        .and_then(|url| url.split_once("://"))
        .and_then(|(_, rest)| {
            let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            (Some(authority) == host).then_some(path)
        });
    Some(crate::fmt::safe_next(page))
}

/// Looks for the CSRF token in the header, else in the form body: an urlencoded one (read
/// within the body limit) or a `multipart/form-data` one (a form with files, read within the
/// largest upload a route accepts). The body is put back for the handler.
async fn csrf_ok(request: Request<Body>, expected: &str, limit: usize) -> (bool, Request<Body>) {
    if let Some(h) = request
        .headers()
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
    {
        let ok = same_token(h, expected);
        return (ok, request);
    }
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let boundary = multer::parse_boundary(&content_type).ok();
    let limit = if boundary.is_some() {
        limit.max(app::registrations::MAX_REGISTRATION_BYTES)
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        limit
    } else {
        return (false, request);
    };
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, limit).await else {
        return (false, Request::from_parts(parts, Body::empty()));
    };
    let token = match boundary {
        Some(boundary) => multipart_field(bytes.clone(), boundary, CSRF_FIELD).await,
        None => form_field(&bytes, CSRF_FIELD),
    };
    let ok = token.is_some_and(|t| same_token(&t, expected));
    (ok, Request::from_parts(parts, Body::from(bytes)))
}

/// The first text field called `name` of a multipart body (forms put the CSRF token first, so
/// the files after it are not parsed).
async fn multipart_field(body: axum::body::Bytes, boundary: String, name: &str) -> Option<String> {
    let stream = Body::from(body).into_data_stream();
    let mut multipart = multer::Multipart::new(stream, boundary);
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some(name) {
            return field.text().await.ok();
        }
    }
    None
}

/// Builds the `Set-Cookie` value of a session cookie.
pub fn session_cookie(token: &str, max_age_secs: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{secure}")
}

pub fn clear_cookie(name: &str) -> String {
    format!("{name}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
}
