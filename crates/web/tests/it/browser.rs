//! A real headless Chromium: province HQ reads the dashboard, a governor fills a gap, a station
//! runs its day, and a candidate registers and follows the file.
//!
//! Each test is `#[ignore]`d, so a plain `cargo test` lists it as ignored rather than passing it
//! without a browser; `scripts/test` runs them (`--include-ignored`), and there a missing
//! Chromium or chromedriver fails them.

use crate::support::TestApp;
use fantoccini::{ClientBuilder, Locator};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Chromium and chromedriver from Debian (`chromium`, `chromium-driver`), or where
/// `SANDOQ_TEST_CHROMIUM` and `SANDOQ_TEST_CHROMEDRIVER` say. A browser test that runs without
/// them fails: it never passes without having driven a browser.
fn chromedriver() -> (String, String) {
    let driver = std::env::var_os("SANDOQ_TEST_CHROMEDRIVER").map_or_else(
        || "/usr/bin/chromedriver".to_owned(),
        |v| v.to_string_lossy().into_owned(),
    );
    let browser = std::env::var_os("SANDOQ_TEST_CHROMIUM").map_or_else(
        || "/usr/bin/chromium".to_owned(),
        |v| v.to_string_lossy().into_owned(),
    );
    let missing: Vec<&str> = [&browser, &driver]
        .into_iter()
        .filter(|path| !std::path::Path::new(path).is_file())
        .map(String::as_str)
        .collect();
    assert!(
        missing.is_empty(),
        "the browser tests need Chromium and chromedriver; not found: {}. Install them with \
         `sudo apt-get install chromium chromium-driver` (scripts/test does), or point \
         SANDOQ_TEST_CHROMIUM and SANDOQ_TEST_CHROMEDRIVER at them",
        missing.join(", ")
    );
    (driver, browser)
}

/// A WebDriver session on a headless Chromium with the flags this machine needs.
async fn connect(port: u16, browser_path: &str, profile: &std::path::Path) -> fantoccini::Client {
    let capabilities: serde_json::Map<String, serde_json::Value> = serde_json::from_value(serde_json::json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": browser_path,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,900",
                format!("--user-data-dir={}", profile.display())
            ]
        }
    }))
    .unwrap();
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    for _ in 0..100 {
        if let Ok(c) = ClientBuilder::new(connector.clone())
            .capabilities(capabilities.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            return c;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not answer within 10 s");
}

/// The app served on loopback and a headless Chromium driving it.
pub(crate) struct Browser {
    pub(crate) client: fantoccini::Client,
    pub(crate) base: String,
    /// chromedriver's port, for the commands fantoccini does not send (printing).
    driver_port: u16,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    _driver: Driver,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Fails the test when Chromium or chromedriver is missing.
    pub(crate) async fn open(app: &TestApp) -> Self {
        let (driver_path, browser_path) = chromedriver();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(web::serve(app.state.clone(), listener, async move {
            let _ = stopped.await;
        }));
        let port = free_port();
        let driver = Driver(
            Command::new(&driver_path)
                .arg(format!("--port={port}"))
                .arg("--allowed-ips=127.0.0.1")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start chromedriver"),
        );
        let profile = tempfile::tempdir().unwrap();
        let client = connect(port, &browser_path, profile.path()).await;
        Self {
            client,
            base,
            driver_port: port,
            stop,
            server,
            _driver: driver,
            _profile: profile,
        }
    }

    /// Fills and sends the login form on the current page.
    pub(crate) async fn log_in(&self, username: &str) {
        let field = |css: &'static str| self.client.find(Locator::Css(css));
        field("input[name=username]")
            .await
            .unwrap()
            .send_keys(username)
            .await
            .unwrap();
        field("input[name=password]")
            .await
            .unwrap()
            .send_keys(&format!("{username}-1405"))
            .await
            .unwrap();
        field("form.login button[type=submit]")
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        // The click returns before the browser has left the login page: wait (bounded) until it
        // has, so that what the test looks for next is on the page the login led to.
        for _ in 0..200 {
            let path = self.client.current_url().await.unwrap().path().to_owned();
            if !path.starts_with("/login") {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("still on the login page 10 s after logging in as {username}");
    }

    /// Opens the app's page at `path`.
    pub(crate) async fn goto(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap();
    }

    /// The element `css` selects, waiting for it up to 10 s.
    pub(crate) async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
    }

    /// Clicks the element `css` selects.
    pub(crate) async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap();
    }

    /// The text of the element `css` selects.
    pub(crate) async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.unwrap()
    }

    /// Types `keys` into the field `css` selects.
    pub(crate) async fn type_into(&self, css: &str, keys: &str) {
        self.find(css).await.send_keys(keys).await.unwrap();
    }

    /// Picks the option `value` of the select `css` selects.
    pub(crate) async fn select(&self, css: &str, value: &str) {
        self.find(css).await.select_by_value(value).await.unwrap();
    }

    /// The current page printed to PDF by Chromium (WebDriver's Print command), in a file of
    /// `dir`.
    pub(crate) async fn printed_pdf(&self, dir: &std::path::Path) -> std::path::PathBuf {
        use base64::Engine as _;
        use http_body_util::BodyExt as _;
        let session = self.client.session_id().await.unwrap().unwrap();
        let client =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build_http::<http_body_util::Full<axum::body::Bytes>>();
        let request = axum::http::Request::post(format!(
            "http://127.0.0.1:{}/session/{session}/print",
            self.driver_port
        ))
        .header("content-type", "application/json")
        .body(http_body_util::Full::new(axum::body::Bytes::from_static(
            br#"{"background": false, "pageRanges": []}"#,
        )))
        .unwrap();
        let answer = client.request(request).await.unwrap();
        let body = answer.into_body().collect().await.unwrap().to_bytes();
        let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let pdf = base64::engine::general_purpose::STANDARD
            .decode(value["value"].as_str().unwrap_or_else(|| panic!("{value}")))
            .unwrap();
        assert!(pdf.starts_with(b"%PDF"), "a PDF");
        let file = dir.join("printed.pdf");
        std::fs::write(&file, &pdf).unwrap();
        file
    }

    /// The current page printed to PDF by Chromium, as the text `pdftotext` (Debian's
    /// poppler-utils) reads from it, pages separated by form feeds.
    pub(crate) async fn printed_text(&self) -> String {
        let dir = tempfile::tempdir().unwrap();
        let file = self.printed_pdf(dir.path()).await;
        let out = Command::new("pdftotext")
            .arg(&file)
            .arg("-")
            .output()
            .expect(
            "the print test reads the PDF with pdftotext: `sudo apt-get install poppler-utils` \
                 (scripts/test does)",
        );
        assert!(out.status.success(), "pdftotext failed");
        String::from_utf8(out.stdout).unwrap()
    }

    pub(crate) async fn finish(self) {
        self.client.close().await.unwrap();
        let _ = self.stop.send(());
        let _ = self.server.await;
    }
}

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver: scripts/test runs it"]
async fn province_hq_logs_in_and_sees_the_dashboard() {
    let app = TestApp::new().await;
    let browser = Browser::open(&app).await;
    let client = &browser.client;
    browser.goto("/").await;
    // Not logged in: the dashboard sends us to the login form.
    assert!(client
        .current_url()
        .await
        .unwrap()
        .path()
        .starts_with("/login"));
    browser.log_in("hq").await;
    let heading = browser.find("main h1").await;
    assert_eq!(
        heading.text().await.unwrap(),
        "داشبورد ستاد انتخابات استان کرمان"
    );
    assert_eq!(client.current_url().await.unwrap().path(), "/");

    let dir = client.execute("return [document.documentElement.dir, document.documentElement.lang, getComputedStyle(document.body).direction]", vec![]).await.unwrap();
    assert_eq!(dir, serde_json::json!(["rtl", "fa", "rtl"]));
    let body = browser.text("body").await;
    assert!(body.contains("۳٬۰۰۳"), "Persian digits on the dashboard");
    assert!(
        body.contains("۲۲ دی ۱۴۰۴"),
        "a Jalali date (the pinned test clock: 2026-01-12)"
    );
    assert!(!body.contains("3003"), "no ASCII station total");
    let font = client
        .execute("return document.fonts.check('16px Vazirmatn')", vec![])
        .await
        .unwrap();
    assert_eq!(font, serde_json::json!(true), "the vendored font loads");
    let bars = client
        .find_all(Locator::Css("svg.chart rect"))
        .await
        .unwrap();
    assert!(bars.len() >= 50, "a bar per county and series");

    // The county table sorts by a header click (client-side, numeric).
    browser.click("#counties-table th:nth-child(9)").await;
    browser.click("#counties-table th:nth-child(9)").await;
    let first = browser
        .text("#counties-table tbody tr:first-child td:first-child")
        .await;
    assert_eq!(
        first, "کرمان",
        "most stations first after a descending sort"
    );

    browser.finish().await;
}

/// Reads a number shown with Persian digits.
fn persian_int(text: &str) -> i64 {
    domain::text::parse_number(text.trim()).unwrap_or_else(|| panic!("not a number: {text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver: scripts/test runs it"]
async fn governor_fills_a_gap_and_sees_the_coverage_rise() {
    let app = TestApp::new().await;
    // Someone to appoint: registered through the API first.
    let token = app.token("governor").await;
    let inspector = domain::ids::NationalId::with_check_digit(777_001).unwrap();
    let person = serde_json::json!({"national_id": inspector, "first_name": "نرگس", "last_name": "امینی", "gender": "female", "birth_date": "1362/03/15"});
    let r = app
        .post("/api/v1/people", &token, &person.to_string())
        .await;
    assert_eq!(r.status, axum::http::StatusCode::CREATED, "{}", r.text());

    let browser = Browser::open(&app).await;
    let client = &browser.client;

    browser.goto("/login").await;
    browser.log_in("governor").await;
    browser.find("#coverage-table").await;
    assert!(
        client
            .current_url()
            .await
            .unwrap()
            .path()
            .starts_with("/counties/11"),
        "the governor lands on their county"
    );

    let cell = "tr[data-share=with_inspector] td.num";
    let before = persian_int(&browser.text(cell).await);
    let row = browser.find("#gaps-table tbody tr").await;
    let station = row.attr("data-station").await.unwrap().unwrap();
    let button = browser
        .find(&format!("button[data-fill='{station}-inspector']"))
        .await;
    let form = browser
        .find(&format!(
            "form[action='/stations/{station}/staff/inspector']"
        ))
        .await;
    form.find(Locator::Css("input[name=national_id]"))
        .await
        .unwrap()
        .send_keys(&domain::text::persian_digits(inspector.as_str()))
        .await
        .unwrap();
    button.click().await.unwrap();
    browser.find("p.ok[role=status]").await;
    let after = persian_int(&browser.text(cell).await);
    assert_eq!(after, before + 1, "one more station has its inspector");
    let staff = app.store.station_staff(&station).await.unwrap();
    assert!(staff.iter().any(
        |s| s.post == domain::staffing::Post::Inspector && s.national_id == inspector.as_str()
    ));

    browser.finish().await;
}

/// A station's day in the browser: the head opens the station with its opening record, checks a
/// voter in, the voter picks candidates on the touch ballot, confirms, and gets a receipt; the
/// station's figures show the ballot.
#[tokio::test]
#[ignore = "needs Chromium and chromedriver: scripts/test runs it"]
async fn station_opens_checks_in_and_a_voter_casts_a_ballot() {
    let (app, _, roll) = crate::election_day::election_day().await;
    let station = crate::election_day::own_station();
    let browser = Browser::open(&app).await;
    browser.goto("/login").await;
    browser.log_in("station").await;
    // Signed in once the header offers to sign out (anonymous pages have a nav too).
    browser.find("header form[action='/logout']").await;
    browser.goto(&format!("/stations/{station}/day")).await;
    assert_eq!(browser.text("#day-state").await, "گشوده‌نشده");
    // Opening without the head ticked is refused with its reason.
    submit_opening(&browser, &["governor_rep", "inspector"]).await;
    assert!(browser.text("#day-error").await.contains("رئیس شعبه"));
    submit_opening(&browser, &["head", "governor_rep", "inspector"]).await;
    browser.find("#day-notice").await;
    assert!(browser.text("#day-state").await.starts_with("باز"));

    // The voting kiosk is another device (here a second browser, its own cookies): it asks
    // for a pairing code, and the head types the code on the console.
    let kiosk = Browser::open(&app).await;
    kiosk.goto("/kiosk").await;
    kiosk.click("#kiosk-pair").await;
    let code = kiosk.text("#pairing-code").await;
    assert_eq!(
        domain::text::ascii_digits(&code).replace(' ', "").len(),
        8,
        "{code}"
    );
    browser.type_into("#pairing-code-input", &code).await;
    browser.click("#pair-form button").await;
    browser.find("#kiosks-table").await;
    kiosk.goto("/kiosk").await;
    kiosk.find("#kiosk-ready").await;
    // A kiosk is nothing else: the station's console is refused to it.
    kiosk.goto(&format!("/stations/{station}/day")).await;
    assert!(kiosk.client.find(Locator::Css("#day-state")).await.is_err());

    // Check-in with Persian digits; then the voter's ballot is activated on the kiosk.
    browser
        .type_into(
            "#national-id",
            &domain::text::persian_digits(roll[0].national_id.as_str()),
        )
        .await;
    browser.click("#checkin-form button").await;
    browser.find("#checkin-accepted").await;
    assert!(
        browser
            .client
            .find(Locator::Css("#start-vote"))
            .await
            .is_err(),
        "no ballot on the staff's own device"
    );
    browser.click(".activate-form button").await;
    browser.find("#day-notice").await;
    let client = &kiosk.client;
    kiosk.goto("/kiosk").await;
    kiosk.find(".candidate").await;
    let all = client.find_all(Locator::Css(".candidate")).await.unwrap();
    let first = all[0].attr("data-code").await.unwrap().unwrap();
    let second = all[1].attr("data-code").await.unwrap().unwrap();
    all[0].click().await.unwrap();
    // The second is typed rather than picked.
    kiosk
        .type_into("#typed-codes", &domain::text::persian_digits(&second))
        .await;
    kiosk.click("#review-ballot").await;
    let chosen = kiosk.text("#chosen").await;
    assert!(
        chosen.contains(&domain::text::persian_digits(&first))
            && chosen.contains(&domain::text::persian_digits(&second)),
        "{chosen}"
    );
    kiosk.click("#cast-ballot").await;
    // Persian digits to copy, and the same code as typed in either script.
    let shown = kiosk.text("#receipt-code").await;
    let tracking = kiosk.text("#tracking-code").await;
    assert_eq!(tracking.len(), 64, "{tracking}");
    let receipt = kiosk
        .find("#receipt-code")
        .await
        .attr("data-code")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(domain::text::ascii_digits(&shown), receipt, "{shown}");
    assert!(!shown.chars().any(|c| c.is_ascii_alphanumeric()), "{shown}");
    assert!(domain::ids::ReceiptCode::parse(&shown).is_ok(), "{shown}");
    let counted: serde_json::Value = app
        .get(&format!("/api/v1/receipts/{receipt}"), None)
        .await
        .json();
    assert_eq!(counted["counted"], true);

    // The kiosk clears itself for the next voter; the voter finds the receipt on the public
    // page.
    kiosk.click("#next-voter").await;
    kiosk.find("#kiosk-ready").await;
    kiosk.finish().await;
    // By the tracking code the kiosk showed (its receipt finds the same).
    browser.goto("/receipts").await;
    browser.type_into("#receipt-input", &tracking).await;
    browser.click("#receipt-form button").await;
    let found = browser.find("#receipt-found").await;
    assert_eq!(
        found.attr("data-found").await.unwrap().as_deref(),
        Some("counted")
    );
    browser.goto(&format!("/stations/{station}/day")).await;
    let figures = browser.text("#day-counts").await;
    assert!(figures.contains("۱"), "{figures}");
    let counts = app.store.station_counts("shora-7", &station).await.unwrap();
    assert_eq!(
        (counts.checkins, counts.ballots, counts.outstanding),
        (1, 1, 0)
    );

    // Turnout, public, counts the voter.
    browser.goto("/turnout").await;
    let cards = browser.text("#turnout-cards").await;
    assert!(cards.contains("رأی‌دهندگان"), "{cards}");
    browser.finish().await;
}

/// A candidate in the browser, without an account: the registration form inside the city
/// window (the test clock, 1404/10/22 09:30), every field filled, a county then a city council
/// picked, the documents attached; the tracking code on the confirmation; then the status page
/// with the state and the history.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver: scripts/test runs it"]
async fn a_candidate_registers_and_follows_the_file() {
    let app = TestApp::new().await;
    let browser = Browser::open(&app).await;
    let client = &browser.client;
    // The documents, as files on disk for the file inputs.
    let files = tempfile::tempdir().unwrap();
    let photo = files.path().join("photo.jpg");
    std::fs::write(&photo, crate::registrations::JPEG).unwrap();
    let pdf = files.path().join("scan.pdf");
    std::fs::write(&pdf, crate::registrations::PDF).unwrap();

    // Anonymous: the public navigation leads to proving who one is, then to the form.
    app.resident("0018465986", "1360/05/12", "حسین").await;
    browser.goto("/turnout").await;
    browser.click("#public-nav a[href='/register']").await;
    browser.find("#identity-ask-form").await;
    let city = browser.text("#registration-windows [data-kind=city]").await;
    assert!(city.contains("ثبت‌نام باز است"), "{city}");
    assert!(city.contains("۱۴۰۴/۱۰/۲۱ تا ۱۴۰۴/۱۰/۲۷"), "{city}");
    for (name, value) in [
        ("national_id", "۰۰۱۸۴۶۵۹۸۶"),
        ("birth_date", "۱۳۶۰/۰۵/۱۲"),
        ("father_name", "حسین"),
    ] {
        browser
            .type_into(&format!("#identity-ask-form input[name={name}]"), value)
            .await;
    }
    browser.click("#identity-ask-submit").await;
    let sent = browser.text("#code-sent").await;
    assert!(sent.contains("۰۹۱۳•••••۲۱"), "{sent}");
    let code = app.code_sent_to(crate::support::RESIDENT_MOBILE);
    browser
        .type_into(
            "#identity-code-form input[name=code]",
            &domain::text::persian_digits(&code),
        )
        .await;
    browser.click("#identity-code-submit").await;
    browser.find("#register-form").await;

    // A county narrows the councils to its own; then its largest city's council.
    let council = crate::registrations::executive_council();
    assert_eq!(council.county_code, crate::support::OWN_COUNTY);
    let all = crate::support::demo().councils.len();
    let count = "return document.querySelectorAll('#council-select option').length";
    assert_eq!(
        client.execute(count, vec![]).await.unwrap(),
        serde_json::json!(all + 1)
    );
    browser
        .select("#county-select", crate::support::OWN_COUNTY)
        .await;
    let in_county = crate::support::demo()
        .councils
        .iter()
        .filter(|c| c.county_code == crate::support::OWN_COUNTY)
        .count();
    assert_eq!(
        client.execute(count, vec![]).await.unwrap(),
        serde_json::json!(in_county + 1),
        "only the county's councils are left"
    );
    browser.select("#council-select", &council.code).await;

    // The registry's national id, birth date and father's name are filled in and fixed.
    let fixed = "return document.querySelector('#register-form input[name=birth_date]').readOnly";
    assert_eq!(
        client.execute(fixed, vec![]).await.unwrap(),
        serde_json::json!(true)
    );
    // Every other field, with Persian digits where a person would type them.
    for name in ["first_name", "last_name", "mobile"] {
        browser
            .find(&format!("#register-form input[name={name}]"))
            .await
            .clear()
            .await
            .unwrap();
    }
    for (name, value) in [
        ("first_name", "مریم"),
        ("last_name", "کرمانی"),
        ("mobile", "۰۹۱۳۱۲۳۴۵۶۷"),
        ("occupation", "مهندس عمران"),
        ("residence", "کرمان، بلوار جمهوری، کوچه ۱۲"),
        ("official_title", "مدیرکل"),
        ("resigned_on", "۱۴۰۴/۰۶/۳۰"),
    ] {
        browser
            .type_into(&format!("#register-form input[name={name}]"), value)
            .await;
    }
    browser
        .select("#register-form select[name=gender]", "male")
        .await;
    browser
        .select("#register-form select[name=education]", "master")
        .await;
    for name in ["former_member", "veteran_family"] {
        browser
            .click(&format!("#register-form input[name={name}]"))
            .await;
    }
    for (name, path) in [
        ("photo", &photo),
        ("degree", &pdf),
        ("military_card", &pdf),
        ("resignation_certificate", &pdf),
        ("criminal_record", &pdf),
    ] {
        browser
            .type_into(&format!("#doc-{name}"), &path.display().to_string())
            .await;
    }
    browser.click("#register-submit").await;

    // The confirmation: the tracking code in large Persian digits.
    let shown = browser.find("#tracking-code").await;
    let code = shown.attr("data-code").await.unwrap().unwrap();
    assert_eq!(code.len(), 12, "{code}");
    let text = shown.text().await.unwrap();
    assert_eq!(
        domain::text::ascii_digits(&text).replace(' ', ""),
        code,
        "{text}"
    );
    assert!(
        !text.chars().any(|c| c.is_ascii_digit()),
        "Persian digits: {text}"
    );
    browser.find("button[data-print]").await;
    let (filed, _) = app.registration(&code).await;
    assert_eq!(filed.application.council, council.code);
    assert_eq!(filed.application.national_id.as_str(), "0018465986");
    assert!(filed.application.former_member && filed.application.veteran_family);
    assert_eq!(filed.documents.len(), 5);

    // The status page, from the confirmation's link: the code is filled in, the id is typed.
    browser.click("#follow-status").await;
    browser
        .type_into("#status-lookup input[name=national_id]", "۰۰۱۸۴۶۵۹۸۶")
        .await;
    browser.click("#status-lookup button[type=submit]").await;
    let state = browser.text("#registration-state").await;
    assert_eq!(state, "ثبت‌شده، در انتظار بررسی هیأت اجرایی");
    let history = browser.text("#registration-history tbody").await;
    assert!(history.contains("ثبت‌نام برخط"), "{history}");
    assert!(history.contains("۱۴۰۴/۱۰/۲۲ ۰۹:۳۰"), "{history}");
    // Withdrawing needs the applicant's code again, not only the tracking code.
    browser.find("#steps-need-identity").await;
    browser.finish().await;
}

/// A station's close with a voter who walked out (issue 20): checked in, never voted; the head
/// records «خروج بدون رأی» with a reason from the list and the governor's representative's
/// countersign; at the close the console asks to confirm the counts; the station closes and
/// its minutes count one person who left without voting. The minutes print as a document:
/// signature lines, page numbers, no banner, menu, links or buttons.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver: scripts/test runs it"]
async fn a_voter_walks_out_and_the_station_still_closes() {
    let (app, _, roll) = crate::election_day::election_day().await;
    let station = crate::election_day::own_station();
    let rep = crate::election_day::governor_rep(&app, &station).await;
    let browser = Browser::open(&app).await;
    browser.goto("/login").await;
    browser.log_in("station").await;
    // On polling day the station lands on its console.
    browser.find("#day-state").await;
    submit_opening(&browser, &["head", "governor_rep", "inspector"]).await;
    browser.find("#day-notice").await;
    browser
        .type_into(
            "#national-id",
            &domain::text::persian_digits(roll[0].national_id.as_str()),
        )
        .await;
    browser.click("#checkin-form button").await;
    browser.find("#checkin-accepted").await;

    // The voter leaves without voting: the console lists them as pending.
    browser.goto(&format!("/stations/{station}/day")).await;
    let row = browser.find("#pending-table tbody tr").await;
    assert_eq!(
        row.attr("data-national-id").await.unwrap().as_deref(),
        Some(roll[0].national_id.as_str())
    );
    let shown = row.text().await.unwrap();
    assert!(shown.contains("••••"), "a masked id: {shown}");
    browser
        .click("#pending-table details.walkout summary")
        .await;
    browser
        .select("#pending-table select[name=reason]", "declined")
        .await;
    browser
        .type_into(
            "#pending-table input[name=countersigned_by]",
            &domain::text::persian_digits(&rep),
        )
        .await;
    browser.click("#pending-table .walkout-form button").await;
    let notice = browser.text("#day-notice").await;
    assert!(notice.contains("خروج بدون رأی ثبت شد"), "{notice}");

    // After the polls close: the close-out counts to confirm, then the box is closed.
    app.clock.set(time::macros::datetime!(2026-05-01 14:35 UTC));
    browser.goto(&format!("/stations/{station}/day")).await;
    let summary = browser.text("#close-summary").await;
    assert!(summary.contains("خروج بدون رأی: ۱"), "{summary}");
    assert!(summary.contains("در انتظار رأی: ۰"), "{summary}");
    let button = browser.text("#close-form button").await;
    assert_eq!(button, "پایان رأی‌گیری و بستن صندوق");
    browser
        .click("#close-form input[name=confirm_counts]")
        .await;
    browser.click("#close-form button").await;
    browser.find("#day-notice").await;
    assert_eq!(browser.text("#day-state").await, "بسته");

    // The close-out record: one person left without voting.
    browser.click("#minutes-link").await;
    assert_eq!(browser.text("#minutes-walkouts").await, "۱");
    assert_eq!(browser.text("#minutes-checkins").await, "۱");
    assert_eq!(browser.text("#minutes-ballots").await, "۰");
    let walkouts = browser.text("#walkouts-table tbody").await;
    assert!(walkouts.contains("منصرف شد"), "{walkouts}");
    let opening = browser.text("#minutes-opening").await;
    assert!(
        opening.contains("گزارش صفر") && opening.contains("تعرفه‌های دریافتی: ۴۰۰ برگ"),
        "the zero reports and the forms typed in Persian digits: {opening}"
    );

    // Printed: the letterhead, the items, a signature line for every post, page X of Y; none
    // of the demo banner, the menu, the links or the buttons.
    let printed = browser.printed_text().await;
    for expected in [
        "ستاد انتخابات استان کرمان",
        "تاریخ چاپ",
        "امضای عوامل شعبه",
        "رئیس شعبه",
        "نماینده فرماندار",
        "بازرس",
        "منشی اول",
    ] {
        assert!(
            printed.contains(expected),
            "{expected} not printed:\n{printed}"
        );
    }
    assert!(
        printed.contains("صفحه") && printed.contains("از"),
        "page X of Y:\n{printed}"
    );
    for chrome in [
        "چاپ صورتجلسه",
        "بازگشت به روز رأی‌گیری",
        "station",
        "سامانه جامع انتخابات",
        "ساعت سامانه",
    ] {
        assert!(!printed.contains(chrome), "{chrome} printed:\n{printed}");
    }
    browser.finish().await;
}

/// Submits the console's opening form with the `present` posts ticked, the empty box and the
/// zero reports shown, and the forms received typed in Persian digits, as a Persian keyboard
/// types them.
async fn submit_opening(browser: &Browser, present: &[&str]) {
    for name in present
        .iter()
        .chain(&["empty_box_shown", "zero_reports_shown"])
    {
        browser
            .click(&format!("#open-form input[name={name}]"))
            .await;
    }
    browser
        .type_into("#open-form input[name=forms_received]", "۴۰۰")
        .await;
    browser.click("#open-form button").await;
}

/// Whether the page scrolls sideways: its content wider than the window.
async fn scrolls_sideways(browser: &Browser) -> (bool, serde_json::Value) {
    // With the widest elements, to say what sticks out.
    let widths = browser
        .client
        .execute(
            "var w = document.documentElement.clientWidth; \
             var wide = Array.from(document.querySelectorAll('body *')) \
               .filter(function (e) { var r = e.getBoundingClientRect(); return r.left < -1 || r.right > w + 1; }) \
               .slice(0, 8).map(function (e) { return e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().width); }); \
             return [document.documentElement.scrollWidth, w, wide]",
            vec![],
        )
        .await
        .unwrap();
    let (scroll, client) = (widths[0].as_i64().unwrap(), widths[1].as_i64().unwrap());
    (scroll > client, widths)
}

/// On a 390×844 phone (issue 20): the station's check-in box is on the first screen of its
/// console, opened or not, and the registration pages do not scroll sideways.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver: scripts/test runs it"]
async fn a_phone_sees_the_check_in_box_first_and_register_fits() {
    let (app, token, _) = crate::election_day::election_day().await;
    let station = crate::election_day::own_station();
    crate::election_day::act(
        &app,
        &token,
        &station,
        "open",
        r#"{"presence": {"head": true, "governor_rep": true, "inspector": true}, "empty_box_shown": true, "zero_reports_shown": true, "forms_received": 400}"#,
    )
    .await
    .assert_status(axum::http::StatusCode::OK);
    let browser = Browser::open(&app).await;
    browser.client.set_window_size(390, 844).await.unwrap();
    let inner = browser
        .client
        .execute("return [window.innerWidth, window.innerHeight]", vec![])
        .await
        .unwrap();
    assert!(
        inner[0].as_i64().unwrap() <= 400,
        "a phone's width: {inner}"
    );
    browser.goto("/login").await;
    browser.log_in("station").await;
    browser.goto(&format!("/stations/{station}/day")).await;
    let fits = "var r = document.querySelector(arguments[0]).getBoundingClientRect(); \
                return [r.top, r.bottom, window.innerHeight];";
    for css in ["#national-id", "#checkin-form button[type=submit]"] {
        let at = browser
            .client
            .execute(fits, vec![serde_json::json!(css)])
            .await
            .unwrap();
        let (top, bottom, height) = (
            at[0].as_f64().unwrap(),
            at[1].as_f64().unwrap(),
            at[2].as_f64().unwrap(),
        );
        assert!(
            top >= 0.0 && bottom <= height,
            "{css} at {top}..{bottom} of a {height} px screen"
        );
    }
    let (sideways, widths) = scrolls_sideways(&browser).await;
    assert!(!sideways, "the console scrolls sideways: {widths}");
    // On polling day both registration windows are closed: no form, no identity step.
    browser.goto("/register").await;
    browser.find("#registration-closed").await;
    let forms = browser
        .client
        .find_all(Locator::Css("#identity-ask-form, #register-form"))
        .await
        .unwrap();
    assert!(
        forms.is_empty(),
        "no registration form while both windows are closed"
    );
    browser.finish().await;

    // The registration pages, anonymous, while the city window is open (the test clock):
    // asking for the code, entering it, then the form.
    let app = TestApp::new().await;
    app.resident("0018465986", "1360/05/12", "حسین").await;
    let browser = Browser::open(&app).await;
    browser.client.set_window_size(390, 844).await.unwrap();
    browser.goto("/register").await;
    browser.find("#identity-ask-form").await;
    let (sideways, widths) = scrolls_sideways(&browser).await;
    assert!(!sideways, "/register scrolls sideways: {widths}");
    for (name, value) in [
        ("national_id", "۰۰۱۸۴۶۵۹۸۶"),
        ("birth_date", "۱۳۶۰/۰۵/۱۲"),
        ("father_name", "حسین"),
    ] {
        browser
            .type_into(&format!("#identity-ask-form input[name={name}]"), value)
            .await;
    }
    browser.click("#identity-ask-submit").await;
    browser.find("#code-sent").await;
    let (sideways, widths) = scrolls_sideways(&browser).await;
    assert!(!sideways, "the code page scrolls sideways: {widths}");
    let code = app.code_sent_to(crate::support::RESIDENT_MOBILE);
    browser
        .type_into("#identity-code-form input[name=code]", &code)
        .await;
    browser.click("#identity-code-submit").await;
    browser.find("#register-form").await;
    let (sideways, widths) = scrolls_sideways(&browser).await;
    assert!(
        !sideways,
        "the registration form scrolls sideways: {widths}"
    );
    browser.finish().await;
}
