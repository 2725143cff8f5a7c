use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use domain::clock::FixedClock;
use domain::demo::{kerman, DemoData, DemoOptions};
use http_body_util::BodyExt;
use std::sync::{Arc, OnceLock};
use store::{Actor, NewUser, Store};
use time::macros::datetime;
use tower::ServiceExt;

/// The demo is deterministic; build it once per test binary.
pub fn demo() -> &'static DemoData {
    static DEMO: OnceLock<DemoData> = OnceLock::new();
    DEMO.get_or_init(|| {
        kerman(DemoOptions {
            seed: 1405,
            people: 300,
        })
        .unwrap()
    })
}

/// Password hashes of the demo users, computed once (Argon2 is deliberately slow).
fn demo_hashes() -> &'static Vec<String> {
    static HASHES: OnceLock<Vec<String>> = OnceLock::new();
    HASHES.get_or_init(|| {
        demo()
            .users
            .iter()
            .map(|u| web::auth::hash_password(&u.password).unwrap())
            .collect()
    })
}

pub struct TestApp {
    pub router: Router,
    /// The same store, concretely, for tampering behind the system's back.
    pub sqlite: store_sqlite::Sqlite,
    pub store: Arc<dyn Store>,
    pub clock: FixedClock,
    pub state: web::AppState,
    _dir: tempfile::TempDir,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.text()))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn content_type(&self) -> &str {
        self.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
    /// Asserts a problem+json answer with this status and code, and a Persian detail.
    pub fn assert_problem(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "{}", self.text());
        assert_eq!(self.content_type(), "application/problem+json");
        let p = self.json();
        assert_eq!(p["code"], code, "{p}");
        assert_eq!(p["status"], status);
        let detail = p["detail"].as_str().unwrap();
        assert!(
            detail
                .chars()
                .any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)),
            "Persian detail: {detail}"
        );
    }
    pub fn cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or("").to_owned())
            .collect()
    }
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with_config(web::Config::default()).await
    }

    pub async fn with_config(config: web::Config) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = web::Config {
            files_dir: dir.path().join("files"),
            ..config
        };
        let url = format!("sqlite:{}", dir.path().join("web.db").display());
        let sqlite = store_sqlite::Sqlite::connect(&url).await.unwrap();
        let store: Arc<dyn Store> = Arc::new(sqlite.clone());
        let clock = FixedClock::new(datetime!(2026-01-12 06:00 UTC));
        let actor = Actor::new("test-setup", datetime!(2026-01-10 06:00 UTC));
        store.load_demo(demo(), &actor).await.unwrap();
        for (user, hash) in demo().users.iter().zip(demo_hashes()) {
            let new = NewUser {
                username: user.username.clone(),
                password_hash: hash.clone(),
                role: user.role,
                scope: user.scope.clone(),
            };
            store.create_user(&new, &actor).await.unwrap();
        }
        let state = web::AppState::new(store.clone(), Arc::new(clock.clone()), config);
        Self {
            router: web::router(state.clone()),
            sqlite,
            store,
            clock,
            state,
            _dir: dir,
        }
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        let mut b = Request::builder().uri(path);
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        self.send(b.body(Body::empty()).unwrap()).await
    }

    pub async fn json(&self, method: Method, path: &str, token: Option<&str>, body: &str) -> Reply {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        self.send(b.body(Body::from(body.to_owned())).unwrap())
            .await
    }

    /// Logs in through the API and returns the bearer token.
    pub async fn token(&self, username: &str) -> String {
        let body =
            serde_json::json!({"username": username, "password": format!("{username}-1405")})
                .to_string();
        let r = self
            .json(Method::POST, "/api/v1/auth/login", None, &body)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        r.json()["token"].as_str().unwrap().to_owned()
    }

    pub async fn audit_count(&self) -> i64 {
        self.store.audit_head().await.unwrap().0
    }

    /// Logs in through the browser form; returns the session cookie (`name=value`).
    pub async fn browser_login(&self, username: &str) -> String {
        let page = self.get("/login", None).await;
        let csrf_cookie = page
            .cookies()
            .into_iter()
            .find(|c| c.starts_with("sandoq_login_csrf="))
            .unwrap();
        let token = csrf_cookie.split_once('=').unwrap().1.to_owned();
        let form =
            format!("username={username}&password={username}-1405&csrf_token={token}&next=/");
        let r = self
            .send(
                Request::builder()
                    .method(Method::POST)
                    .uri("/login")
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .header(header::COOKIE, csrf_cookie)
                    .body(Body::from(form))
                    .unwrap(),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        r.cookies()
            .into_iter()
            .find(|c| c.starts_with("sandoq_session="))
            .unwrap()
    }

    pub async fn page(&self, path: &str, cookie: Option<&str>) -> Reply {
        let mut b = Request::builder().uri(path);
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        self.send(b.body(Body::empty()).unwrap()).await
    }
}

/// The CSRF token of a browser session, read from the page's meta tag.
pub fn csrf_of(page: &str) -> String {
    let start = page.find(r#"name="csrf-token" content=""#).unwrap()
        + r#"name="csrf-token" content=""#.len();
    page[start..].split('"').next().unwrap().to_owned()
}

/// Percent-encodes every byte but ASCII letters and digits (a form field, a path segment).
pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A county other than the demo governor's (Kerman, 11).
pub const FOREIGN_COUNTY: &str = "05";
pub const OWN_COUNTY: &str = "11";
