//! WCAG 2.1 A and AA in a real Chromium (issue 20): axe-core (vendored, tests/vendor) finds no
//! serious or critical violation on the public pages nor on the main pages of each demo role;
//! a skip link leads past the header; the browser's form checks speak Persian; form fields'
//! edges stand out from the page; chart labels stay readable on a phone.

use crate::browser::Browser;
use crate::support::TestApp;
use std::fmt::Write as _;

/// axe-core's browser build, injected into each page under test.
const AXE: &str = include_str!("../vendor/axe-core/axe.min.js");

/// Runs axe on the page the browser shows; returns its serious and critical
/// violations, one line per element (rule, impact, the element's selector, what to fix).
async fn serious_violations(browser: &Browser) -> Vec<String> {
    let loaded = browser
        .client
        .execute("return typeof window.axe", vec![])
        .await
        .unwrap();
    if loaded != serde_json::json!("object") {
        browser.client.execute(AXE, vec![]).await.unwrap();
    }
    let run = r"
        const done = arguments[arguments.length - 1];
        axe.run(document, {
            runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
            resultTypes: ['violations'],
        }).then(
            (r) => done(r.violations.map((v) => ({
                id: v.id,
                impact: v.impact,
                help: v.help,
                nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary })),
            }))),
            (e) => done({ error: String(e) }),
        );
    ";
    let found = browser.client.execute_async(run, vec![]).await.unwrap();
    assert!(found.get("error").is_none(), "axe failed: {found}");
    let mut lines = Vec::new();
    for v in found.as_array().expect("axe's violations") {
        let impact = v["impact"].as_str().unwrap_or("");
        let rule = v["id"].as_str().unwrap_or("");
        if !matches!(impact, "serious" | "critical") {
            continue;
        }
        for node in v["nodes"].as_array().into_iter().flatten() {
            lines.push(format!(
                "{rule} ({impact}): {} — {} [{}]",
                node["target"].as_str().unwrap_or(""),
                v["help"].as_str().unwrap_or(""),
                node["summary"].as_str().unwrap_or("").replace('\n', " ")
            ));
        }
    }
    lines
}

/// Checks each page in `paths` and adds what axe finds to `report`, under the page's path and
/// who looked at it.
async fn check_pages(browser: &Browser, who: &str, paths: &[String], report: &mut String) {
    for path in paths {
        browser.goto(path).await;
        // A page that failed to load is not a page that passed.
        let status = browser.text("main").await;
        assert!(!status.is_empty(), "{who} {path}: an empty page");
        for line in serious_violations(browser).await {
            let _ = writeln!(report, "{who} {path}: {line}");
        }
    }
}

/// The links of the page's main navigation (the header's), as paths.
async fn nav_paths(browser: &Browser) -> Vec<String> {
    let hrefs = browser
        .client
        .execute(
            "return Array.from(document.querySelectorAll('header.top nav a')).map(a => a.getAttribute('href'))",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(hrefs).unwrap()
}

/// The public pages, without an account: the login form, turnout, registration, the status
/// look-up, the candidate lists (a council's with its table) and participation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver: scripts/test runs it"]
async fn public_pages_have_no_serious_accessibility_violation() {
    let app = TestApp::new().await;
    let browser = Browser::open(&app).await;
    let council = &crate::support::demo().candidates[0].council;
    let county = &crate::support::demo()
        .councils
        .iter()
        .find(|c| &c.code == council)
        .unwrap()
        .county_code;
    let paths: Vec<String> = [
        "/login".to_owned(),
        "/turnout".to_owned(),
        "/register".to_owned(),
        "/registration-status".to_owned(),
        "/candidates".to_owned(),
        format!("/candidates?county={county}"),
        format!("/candidates?council={council}"),
        "/candidates/participation".to_owned(),
        "/kiosk".to_owned(),
        "/receipts?code=12345".to_owned(),
        "/count".to_owned(),
    ]
    .into();
    let mut report = String::new();
    check_pages(&browser, "anonymous", &paths, &mut report).await;
    browser.finish().await;
    assert!(
        report.is_empty(),
        "serious or critical WCAG 2.1 A/AA violations:\n{report}"
    );
}

/// Every demo role's home page and the pages its navigation leads to, plus the pages a role
/// works on below them (a county, a station and its staff, a board, a vetting file).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver: scripts/test runs it"]
async fn each_roles_main_pages_have_no_serious_accessibility_violation() {
    let app = TestApp::new().await;
    let demo = crate::support::demo();
    let station = &demo
        .users
        .iter()
        .find_map(|u| match &u.scope {
            domain::access::Scope::Station { station, .. } => Some(station.clone()),
            _ => None,
        })
        .expect("a station user in the demo");
    let in_own_county = |council: &str| {
        demo.councils
            .iter()
            .any(|c| c.code == council && c.county_code == crate::support::OWN_COUNTY)
    };
    let tracking = &demo
        .registrations
        .iter()
        .find(|r| in_own_county(&r.application.council))
        .expect("a registration in the own county")
        .tracking_code;
    // A sensitive station of the own county whose plan waits for the council (its page shows
    // the plan and the council's decision form).
    let sensitive = &demo
        .sensitive_stations
        .iter()
        .find(|s| {
            s.station.starts_with(crate::support::OWN_COUNTY)
                && s.plan.as_ref().map(|(_, st)| *st)
                    == Some(domain::security::PlanStatus::Submitted)
        })
        .expect("a submitted plan in the own county")
        .station;
    let incident = crate::incidents::file_as_hq(&app, station).await;
    let mut report = String::new();
    for user in &demo.users {
        let browser = Browser::open(&app).await;
        browser.goto("/login").await;
        browser.log_in(&user.username).await;
        let home = browser
            .client
            .current_url()
            .await
            .unwrap()
            .path()
            .to_owned();
        let mut paths = vec![home];
        for path in nav_paths(&browser).await {
            if !paths.contains(&path) {
                paths.push(path);
            }
        }
        // Pages below the navigation that the role works on, where it may read them.
        let below = [
            format!("/counties/{}", crate::support::OWN_COUNTY),
            format!("/stations/{station}"),
            format!("/stations/{station}/staff"),
            format!("/stations/{station}/day"),
            format!("/stations/{station}/minutes"),
            format!("/stations/{station}/readiness"),
            format!("/counties/{}/readiness", crate::support::OWN_COUNTY),
            "/timeline".to_owned(),
            format!("/registrations/{tracking}"),
            "/people?q=۱".to_owned(),
            // Sensitive stations and the security council (issue 16).
            "/security".to_owned(),
            format!("/security/councils/{}", crate::support::OWN_COUNTY),
            format!("/stations/{sensitive}/security"),
            "/incidents/new".to_owned(),
            format!("/incidents/{incident}"),
        ];
        let cookie = app.browser_login(&user.username).await;
        for path in below {
            let allowed = app.page(&path, Some(&cookie)).await.status == axum::http::StatusCode::OK;
            if allowed && !paths.contains(&path) {
                paths.push(path);
            }
        }
        check_pages(&browser, &user.username, &paths, &mut report).await;
        browser.finish().await;
    }
    assert!(
        report.is_empty(),
        "serious or critical WCAG 2.1 A/AA violations:\n{report}"
    );
}

/// The first Tab on a page reaches the skip link, which leads to the main content.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver: scripts/test runs it"]
async fn a_skip_link_leads_past_the_header() {
    let app = TestApp::new().await;
    let browser = Browser::open(&app).await;
    browser.goto("/turnout").await;
    browser
        .find("body")
        .await
        .send_keys("\u{E004}")
        .await
        .unwrap();
    let focused = browser
        .client
        .execute(
            "const a = document.activeElement; return [a.textContent, a.getAttribute('href')]",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        focused,
        serde_json::json!(["پرش به محتوای اصلی", "#main"]),
        "the first stop of the keyboard"
    );
    let shown = browser
        .client
        .execute(
            "const r = document.activeElement.getBoundingClientRect(); return r.top >= 0 && r.height > 0",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(shown, serde_json::json!(true), "visible once focused");
    browser.click(".skip-link").await;
    let focused = browser
        .client
        .execute("return document.activeElement.id", vec![])
        .await
        .unwrap();
    assert_eq!(focused, serde_json::json!("main"));
    browser.finish().await;
}

/// A required field left empty is explained in Persian, not in the browser's language; once
/// filled, it passes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver: scripts/test runs it"]
async fn the_browsers_form_checks_speak_persian() {
    let app = TestApp::new().await;
    let browser = Browser::open(&app).await;
    browser.goto("/login").await;
    let check = "const f = document.querySelector('input[name=username]'); \
                 const valid = f.checkValidity(); return [valid, f.validationMessage]";
    let empty = browser.client.execute(check, vec![]).await.unwrap();
    assert_eq!(empty[0], serde_json::json!(false), "{empty}");
    let message = empty[1].as_str().unwrap_or("");
    assert!(
        message
            .chars()
            .any(|c| ('\u{0600}'..='\u{06FF}').contains(&c))
            && !message.chars().any(|c| c.is_ascii_alphabetic()),
        "a Persian message: {message}"
    );
    browser.type_into("input[name=username]", "hq").await;
    let filled = browser.client.execute(check, vec![]).await.unwrap();
    assert_eq!(filled, serde_json::json!([true, ""]));
    browser.finish().await;
}

/// Every field one types into or picks from shows its edge at 3:1 or more against what lies
/// behind it (WCAG 2.1, 1.4.11 non-text contrast), on the login and registration forms and the
/// governor's county page (whose gap forms sit in a table).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver: scripts/test runs it"]
async fn form_fields_edges_stand_out() {
    let app = TestApp::new().await;
    let browser = Browser::open(&app).await;
    // Each visible field's border colour against the first opaque background behind it.
    let faint_edges = r"
        const luminance = (rgb) => {
            const [r, g, b] = rgb.match(/[\d.]+/g).slice(0, 3).map((c) => {
                c = Number(c) / 255;
                return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
            });
            return 0.2126 * r + 0.7152 * g + 0.0722 * b;
        };
        const behind = (el) => {
            for (let e = el.parentElement; e; e = e.parentElement) {
                const bg = getComputedStyle(e).backgroundColor;
                const alpha = bg.match(/[\d.]+/g)[3];
                if (alpha === undefined || Number(alpha) > 0) return bg;
            }
            return 'rgb(255, 255, 255)';
        };
        const faint = [];
        let checked = 0;
        for (const f of document.querySelectorAll('input, select, textarea')) {
            if (['hidden', 'checkbox', 'radio', 'submit', 'button'].includes(f.type)) continue;
            if (f.getClientRects().length === 0) continue;
            checked += 1;
            const [a, b] = [luminance(getComputedStyle(f).borderTopColor), luminance(behind(f))];
            const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
            if (ratio < 3) faint.push((f.name || f.id) + ': ' + ratio.toFixed(2) + ':1');
        }
        return [checked, faint];
    ";
    let county = format!("/counties/{}", crate::support::OWN_COUNTY);
    let pages = [
        ("/login", None),
        ("/register", None),
        (county.as_str(), Some("governor")),
    ];
    for (path, user) in pages {
        if let Some(user) = user {
            browser.goto("/login").await;
            browser.log_in(user).await;
        }
        browser.goto(path).await;
        let found = browser.client.execute(faint_edges, vec![]).await.unwrap();
        let checked = found[0].as_u64().unwrap_or(0);
        assert!(checked > 0, "{path}: no field to check");
        assert_eq!(found[1], serde_json::json!([]), "{path}: faint field edges");
    }
    browser.finish().await;
}

/// On a 390 px wide phone the dashboard's chart labels are drawn at 12 px or more (the chart
/// scrolls in its panel rather than shrinking), and the page itself does not scroll sideways.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver: scripts/test runs it"]
async fn chart_labels_are_readable_on_a_phone() {
    let app = TestApp::new().await;
    let browser = Browser::open(&app).await;
    browser.client.set_window_size(390, 844).await.unwrap();
    browser.goto("/login").await;
    browser.log_in("hq").await;
    browser.find("svg.chart text").await;
    let sizes = browser
        .client
        .execute(
            "return [window.innerWidth, Array.from(document.querySelectorAll('svg.chart text')).map(t => \
             t.getScreenCTM().a * parseFloat(getComputedStyle(t).fontSize)), \
             document.documentElement.scrollWidth]",
            vec![],
        )
        .await
        .unwrap();
    let viewport = sizes[0].as_f64().unwrap();
    assert!(viewport <= 400.0, "a phone's width: {viewport}");
    let smallest = sizes[1]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(serde_json::Value::as_f64)
        .fold(f64::INFINITY, f64::min);
    assert!(smallest >= 12.0, "chart labels at {smallest:.1} px");
    let page_width = sizes[2].as_f64().unwrap();
    assert!(
        page_width <= viewport,
        "the page is {page_width} px wide on a {viewport} px screen"
    );
    browser.finish().await;
}
