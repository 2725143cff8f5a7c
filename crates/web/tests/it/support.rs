use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use domain::clock::{Clock, FixedClock};
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
    /// The election key's guardians (2 of 3), whose shares a real server never holds: for the
    /// tests that decrypt.
    pub guardians: Vec<ballot_crypto::Guardian>,
    dir: tempfile::TempDir,
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
    /// A header's value, empty when it is absent.
    pub fn header(&self, name: impl header::AsHeaderName) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
    pub fn content_type(&self) -> &str {
        self.header(header::CONTENT_TYPE)
    }
    /// Where a redirect points, empty when it is not one.
    pub fn location(&self) -> &str {
        self.header(header::LOCATION)
    }
    /// Asserts the answer's status (its body shown when it is another).
    pub fn assert_status(&self, status: StatusCode) {
        assert_eq!(self.status, status, "{}", self.text());
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
    /// The cookie `name` this answer sets (`name=value`), if it sets it.
    pub fn cookie(&self, name: &str) -> Option<String> {
        let prefix = format!("{name}=");
        self.cookies().into_iter().find(|c| c.starts_with(&prefix))
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
    /// A fresh app whose one-time codes are not rationed (tests prove identities often, on a
    /// clock that does not move); the limits have tests of their own.
    pub async fn new() -> Self {
        Self::with_config(web::Config {
            identity_limits: unrationed(),
            ..web::Config::default()
        })
        .await
    }

    /// A fresh app and the bearer token of `username`, logged in through the API.
    pub async fn with_token(username: &str) -> (Self, String) {
        let app = Self::new().await;
        let token = app.token(username).await;
        (app, token)
    }

    /// A fresh app and the session cookie of `username`, logged in through the browser form.
    pub async fn with_session(username: &str) -> (Self, String) {
        let app = Self::new().await;
        let cookie = app.browser_login(username).await;
        (app, cookie)
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
        let guardians = election_key(store.as_ref(), &actor).await;
        let state = web::AppState::new(store.clone(), Arc::new(clock.clone()), config);
        Self {
            router: web::router(state.clone()),
            sqlite,
            store,
            clock,
            state,
            guardians,
            dir,
        }
    }

    /// Every row of every table, as a reader with a read-only connection to the SQLite file
    /// sees them while the server runs: `table` and each cell as text.
    pub fn database_rows(&self) -> std::collections::HashSet<Vec<String>> {
        use rusqlite::types::ValueRef;
        let conn = rusqlite::Connection::open_with_flags(
            self.dir.path().join("web.db"),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .unwrap();
        let tables: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let mut rows = std::collections::HashSet::new();
        for table in tables {
            let mut statement = conn.prepare(&format!("SELECT * FROM \"{table}\"")).unwrap();
            let columns = statement.column_count();
            let mut found = statement.query([]).unwrap();
            while let Some(row) = found.next().unwrap() {
                let mut cells = vec![table.clone()];
                for i in 0..columns {
                    cells.push(match row.get_ref(i).unwrap() {
                        ValueRef::Null => String::new(),
                        ValueRef::Integer(n) => n.to_string(),
                        ValueRef::Real(x) => x.to_string(),
                        ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                        ValueRef::Blob(b) => String::from_utf8_lossy(b).into_owned(),
                    });
                }
                rows.insert(cells);
            }
        }
        rows
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

    /// A request with a body of `content_type`, and these headers (a token, a cookie).
    pub async fn send_body(
        &self,
        method: Method,
        path: &str,
        content_type: &str,
        headers: &[(header::HeaderName, String)],
        body: impl Into<Body>,
    ) -> Reply {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header(header::CONTENT_TYPE, content_type);
        for (name, value) in headers {
            b = b.header(name, value);
        }
        self.send(b.body(body.into()).unwrap()).await
    }

    pub async fn json(&self, method: Method, path: &str, token: Option<&str>, body: &str) -> Reply {
        let bearer: Vec<_> = token.map(bearer).into_iter().collect();
        self.send_body(method, path, "application/json", &bearer, body.to_owned())
            .await
    }

    /// An applicant's look-up of their file (public, the national id posted).
    pub async fn applicant_lookup(&self, tracking: &str, national_id: &str) -> Reply {
        let path = format!("/api/v1/registrations/{tracking}/lookup");
        let body = serde_json::json!({ "national_id": national_id }).to_string();
        self.json(Method::POST, &path, None, &body).await
    }

    /// `POST`s JSON with the bearer `token`.
    pub async fn post(&self, path: &str, token: &str, body: &str) -> Reply {
        self.json(Method::POST, path, Some(token), body).await
    }

    /// `PUT`s JSON with the bearer `token`.
    pub async fn put(&self, path: &str, token: &str, body: &str) -> Reply {
        self.json(Method::PUT, path, Some(token), body).await
    }

    /// `PATCH`es JSON with the bearer `token`.
    pub async fn patch(&self, path: &str, token: &str, body: &str) -> Reply {
        self.json(Method::PATCH, path, Some(token), body).await
    }

    /// `DELETE`s with the bearer `token`.
    pub async fn delete(&self, path: &str, token: &str) -> Reply {
        self.json(Method::DELETE, path, Some(token), "").await
    }

    /// `POST`s a CSV file with the bearer `token`.
    pub async fn post_csv(&self, path: &str, token: &str, csv: &str) -> Reply {
        let content_type = "text/csv; charset=utf-8";
        self.send_body(
            Method::POST,
            path,
            content_type,
            &[bearer(token)],
            csv.to_owned(),
        )
        .await
    }

    /// `POST`s an urlencoded form in a browser session (`cookie`), or without one.
    pub async fn post_form(&self, path: &str, cookie: Option<&str>, form: &str) -> Reply {
        let cookie: Vec<_> = cookie
            .map(|c| (header::COOKIE, c.to_owned()))
            .into_iter()
            .collect();
        let content_type = "application/x-www-form-urlencoded";
        self.send_body(Method::POST, path, content_type, &cookie, form.to_owned())
            .await
    }

    /// `POST`s these fields, each value percent-encoded, as an urlencoded form in a browser
    /// session (`cookie`), or without one.
    pub async fn post_fields(
        &self,
        path: &str,
        cookie: Option<&str>,
        fields: &[(&str, &str)],
    ) -> Reply {
        self.post_form(path, cookie, &form(fields)).await
    }

    /// Tries to log in through the API.
    pub async fn login(&self, username: &str, password: &str) -> Reply {
        let body = serde_json::json!({"username": username, "password": password}).to_string();
        self.json(Method::POST, "/api/v1/auth/login", None, &body)
            .await
    }

    /// Logs in through the API and returns the bearer token.
    pub async fn token(&self, username: &str) -> String {
        let r = self.login(username, &format!("{username}-1405")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        r.json()["token"].as_str().unwrap().to_owned()
    }

    /// Asserts that `GET path` with the bearer `token` is refused: 403 `forbidden`.
    pub async fn assert_forbidden(&self, path: &str, token: &str) {
        self.get(path, Some(token))
            .await
            .assert_problem(403, "forbidden");
    }

    /// A registration of the demo election and its history, as the store holds them.
    pub async fn registration(
        &self,
        tracking_code: &str,
    ) -> (store::Registration, Vec<store::VettingEvent>) {
        let election = &demo().election.code;
        let found = self.store.registration(election, tracking_code).await;
        found
            .unwrap()
            .expect("a registration with this tracking code")
    }

    pub async fn audit_count(&self) -> i64 {
        self.store.audit_head().await.unwrap().0
    }

    /// Asserts how many records the audit log holds; `why` says what the count shows.
    /// How many audit records have an action starting with `prefix` (`registration.`, …).
    pub async fn audit_actions(&self, prefix: &str) -> i64 {
        let filter = store::AuditFilter {
            action: Some(prefix.to_owned()),
            ..store::AuditFilter::default()
        };
        let page = self
            .store
            .audit_page(&filter, store::PageRequest::new(1, 1))
            .await
            .unwrap();
        page.total
    }

    pub async fn assert_audit_count(&self, expected: i64, why: &str) {
        assert_eq!(self.audit_count().await, expected, "{why}");
    }

    /// The login page's CSRF cookie (`name=value`) and the token in it.
    pub async fn login_csrf(&self) -> (String, String) {
        let cookie = self
            .get("/login", None)
            .await
            .cookie("sandoq_login_csrf")
            .unwrap();
        let token = cookie.split_once('=').unwrap().1.to_owned();
        (cookie, token)
    }

    /// Logs in through the browser form; returns the session cookie (`name=value`).
    pub async fn browser_login(&self, username: &str) -> String {
        let (csrf_cookie, token) = self.login_csrf().await;
        let form =
            format!("username={username}&password={username}-1405&csrf_token={token}&next=/");
        let r = self.post_form("/login", Some(&csrf_cookie), &form).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        r.cookie("sandoq_session").unwrap()
    }

    pub async fn page(&self, path: &str, cookie: Option<&str>) -> Reply {
        let mut b = Request::builder().uri(path);
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        self.send(b.body(Body::empty()).unwrap()).await
    }
}

/// The `Authorization` header of a bearer token.
pub fn bearer(token: &str) -> (header::HeaderName, String) {
    (header::AUTHORIZATION, format!("Bearer {token}"))
}

/// An urlencoded form of these fields, each value percent-encoded.
pub fn form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{k}={}", enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// One-time code limits that let a test ask as often as it likes (the lifetimes as deployed).
pub fn unrationed() -> domain::identity::Limits {
    domain::identity::Limits {
        per_person_per_hour: 10_000,
        per_address_per_hour: 10_000,
        resend_after: time::Duration::ZERO,
        ..domain::identity::Limits::default()
    }
}

/// The mobile number the tests give the people they put in the registry.
pub const RESIDENT_MOBILE: &str = "09137654321";

impl TestApp {
    /// Puts `national_id` in the people registry with this birth date (Jalali or ISO) and
    /// father's name and [`RESIDENT_MOBILE`], unless it is there already.
    pub async fn resident(&self, national_id: &str, birth_date: &str, father_name: &str) {
        if self.store.person(national_id).await.unwrap().is_some() {
            return;
        }
        let person = domain::person::Person {
            national_id: domain::ids::NationalId::parse(national_id).unwrap(),
            first_name: "علی".into(),
            last_name: "کرمانی".into(),
            father_name: father_name.into(),
            gender: domain::person::Gender::Male,
            birth_date: domain::calendar::parse_date(birth_date).unwrap(),
            mobile: Some(domain::ids::MobileNumber::parse(RESIDENT_MOBILE).unwrap()),
            education: None,
            sitting_council_member: false,
            relatives: Vec::new(),
        };
        let actor = Actor::new("test-setup", self.clock.now());
        self.store.create_person(&person, &actor).await.unwrap();
    }

    /// The one-time code last sent to `mobile` (read from the outbox, as a demo user would).
    pub fn code_sent_to(&self, mobile: &str) -> String {
        let outbox = self
            .state
            .app
            .sms()
            .kept()
            .expect("the tests' codes stay in an outbox");
        let text = outbox.last_to(mobile).expect("a code was sent").text;
        let digits: Vec<String> = text
            .split(|c: char| !c.is_ascii_digit())
            .filter(|w| w.len() == 6)
            .map(str::to_owned)
            .collect();
        digits.first().cloned().expect("six digits in the message")
    }

    /// Asks for a code for a registry person (`purpose`: `register` or `applicant`) through
    /// the API: the answer, and the challenge when a code was sent.
    pub async fn ask_code(&self, national_id: &str, purpose: &str) -> Reply {
        let person = self
            .store
            .person(national_id)
            .await
            .unwrap()
            .expect("a registry person");
        let body = serde_json::json!({
            "national_id": national_id,
            "birth_date": person.birth_date.to_string(),
            "father_name": person.father_name,
            "purpose": purpose,
        });
        self.json(
            Method::POST,
            "/api/v1/identity/codes",
            None,
            &body.to_string(),
        )
        .await
    }

    /// Proves `national_id` (a registry person) for `purpose` through the API: asks for a
    /// code, reads it from the outbox, enters it; the proof.
    pub async fn prove(&self, national_id: &str, purpose: &str) -> String {
        let asked = self.ask_code(national_id, purpose).await;
        asked.assert_status(StatusCode::CREATED);
        let challenge = asked.json()["challenge"].as_str().unwrap().to_owned();
        let mobile = self
            .store
            .person(national_id)
            .await
            .unwrap()
            .and_then(|p| p.mobile)
            .expect("a mobile on file");
        let code = self.code_sent_to(mobile.as_str());
        let body = serde_json::json!({"challenge": challenge, "code": code});
        let proven = self
            .json(
                Method::POST,
                "/api/v1/identity/proofs",
                None,
                &body.to_string(),
            )
            .await;
        proven.assert_status(StatusCode::CREATED);
        proven.json()["identity_proof"].as_str().unwrap().to_owned()
    }
}

/// A national id no demo person has: `n` with its check digit.
pub fn fresh_id(n: u32) -> String {
    domain::ids::NationalId::with_check_digit(n)
        .unwrap()
        .as_str()
        .to_owned()
}

/// The items of a page the API answered.
/// The text field `key` of every object in a JSON array.
pub fn texts_of(list: &serde_json::Value, key: &str) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|e| e[key].as_str().unwrap().to_owned())
        .collect()
}

pub fn items(page: &serde_json::Value) -> impl Iterator<Item = &serde_json::Value> {
    page["items"].as_array().expect("a page of items").iter()
}

/// The demo user `username`.
pub fn demo_user(username: &str) -> &'static domain::demo::DemoUser {
    demo()
        .users
        .iter()
        .find(|u| u.username == username)
        .unwrap()
}

/// The first demo station that `pick` accepts.
pub fn demo_station(
    pick: impl Fn(&domain::station::Station) -> bool,
) -> &'static domain::station::Station {
    demo().stations.iter().find(|s| pick(s)).unwrap()
}

/// The first demo council that `pick` accepts.
pub fn demo_council(
    pick: impl Fn(&domain::election::Council) -> bool,
) -> &'static domain::election::Council {
    demo().councils.iter().find(|c| pick(c)).unwrap()
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

/// The demo election's key, dealt here among 3 guardians (2 needed) and recorded as its
/// ceremony would be (`app::guardians::record_ceremony`): the shares stay with the test.
async fn election_key(store: &dyn Store, actor: &Actor) -> Vec<ballot_crypto::Guardian> {
    let election = store.election(None).await.unwrap().unwrap().code;
    let names: Vec<String> = ["Guardian A", "Guardian B", "Guardian C"]
        .map(str::to_owned)
        .to_vec();
    let mut rng = rand::rngs::OsRng;
    let (record, shares) = ballot_crypto::ceremony::deal(&election, &names, 2, &mut rng).unwrap();
    let key = record.key().unwrap();
    app::guardians::record_ceremony(store, store::guardians::KeyKind::Election, &record, actor)
        .await
        .unwrap();
    shares
        .into_iter()
        .enumerate()
        .map(|(index, share)| ballot_crypto::Guardian::new(&key, index, share).unwrap())
        .collect()
}

/// A voting kiosk paired to a station through the API (issue 17 §1): its id and its secret
/// (its bearer token).
#[derive(Debug, Clone)]
pub struct Kiosk {
    pub station: String,
    pub id: String,
    pub secret: String,
}

impl Kiosk {
    /// A device asks for a pairing code, and the station's staff (`staff`, a bearer token)
    /// pair it with the code.
    pub async fn pair(app: &TestApp, staff: &str, station: &str) -> Self {
        let asked = app
            .json(Method::POST, "/api/v1/kiosk/pairing", None, "")
            .await;
        assert_eq!(asked.status, StatusCode::CREATED, "{}", asked.text());
        let asked = asked.json();
        let code = asked["pairing_code"].as_str().unwrap();
        let body = serde_json::json!({ "pairing_code": code }).to_string();
        let paired = app
            .post(&format!("/api/v1/stations/{station}/kiosks"), staff, &body)
            .await;
        assert_eq!(paired.status, StatusCode::CREATED, "{}", paired.text());
        Self {
            station: station.to_owned(),
            id: asked["kiosk"].as_str().unwrap().to_owned(),
            secret: asked["secret"].as_str().unwrap().to_owned(),
        }
    }

    /// The station's staff activate the ballot of `ballot_token` on this kiosk.
    pub async fn activate(&self, app: &TestApp, staff: &str, ballot_token: &str) -> Reply {
        let body = serde_json::json!({ "ballot_token": ballot_token }).to_string();
        let path = format!(
            "/api/v1/stations/{}/kiosks/{}/activation",
            self.station, self.id
        );
        app.post(&path, staff, &body).await
    }

    /// The activation live on the kiosk, as it reads it.
    pub async fn activation(&self, app: &TestApp) -> Option<String> {
        let read = app.get("/api/v1/kiosk", Some(&self.secret)).await;
        assert_eq!(read.status, StatusCode::OK, "{}", read.text());
        read.json()["ballot"]["activation"]
            .as_str()
            .map(str::to_owned)
    }

    /// Casts the ballot live on the kiosk with these choices.
    pub async fn cast(&self, app: &TestApp, choices: &[String]) -> Reply {
        let activation = self.activation(app).await.unwrap_or_default();
        let body = serde_json::json!({ "activation": activation, "choices": choices });
        app.post("/api/v1/ballots", &self.secret, &body.to_string())
            .await
    }

    /// Activates the ballot of `ballot_token` (as `staff`) and casts it with these choices:
    /// the cast's answer (or the activation's refusal).
    pub async fn vote(
        &self,
        app: &TestApp,
        staff: &str,
        ballot_token: &str,
        choices: &[String],
    ) -> Reply {
        let activated = self.activate(app, staff, ballot_token).await;
        if activated.status != StatusCode::CREATED {
            return activated;
        }
        self.cast(app, choices).await
    }

    /// Checks a voter in at `station` (as `staff`, through the API) and has them vote these
    /// choices on this kiosk: the cast's answer, asserted cast.
    pub async fn check_in_and_vote(
        &self,
        app: &TestApp,
        staff: &str,
        station: &str,
        national_id: &str,
        choices: &[String],
    ) -> Reply {
        let body = serde_json::json!({"station": station, "national_id": national_id});
        let checked_in = app.post("/api/v1/checkins", staff, &body.to_string()).await;
        let ballot_token = checked_in.json()["ballot_token"]
            .as_str()
            .unwrap_or_else(|| panic!("not checked in: {}", checked_in.text()))
            .to_owned();
        let cast = self.vote(app, staff, &ballot_token, choices).await;
        assert_eq!(cast.status, StatusCode::CREATED, "{}", cast.text());
        cast
    }
}
