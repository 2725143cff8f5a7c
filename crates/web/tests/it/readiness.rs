//! Readiness and the timeline (issue 16): the overdue lists against the fibre deadline, who
//! declares what, the telecom company's file, the timeline's edits and outlook.

use crate::support::*;
use axum::http::StatusCode;
use serde_json::Value;

fn at(s: &str) -> time::OffsetDateTime {
    domain::calendar::parse_instant(s).unwrap()
}

/// The governor's county.
fn governors_county() -> String {
    demo_user("governor").scope.county().unwrap().to_owned()
}

/// A station of the governor's county the demo left undeclared.
fn undeclared_station() -> String {
    let county = governors_county();
    let declared: std::collections::HashSet<&str> =
        demo().readiness.iter().map(|(s, _)| s.as_str()).collect();
    demo_station(|s| s.county_code == county && !s.closed && !declared.contains(s.code.as_str()))
        .code
        .clone()
}

fn row<'a>(picture: &'a Value, station: &str) -> &'a Value {
    picture["stations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["station"] == station)
        .unwrap_or_else(|| panic!("station {station} listed"))
}

fn overdue_of(picture: &Value, station: &str) -> Vec<String> {
    texts_of(&row(picture, station)["overdue"], "")
}

/// The overdue reasons, read as strings.
fn texts_of(list: &Value, _key: &str) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

/// Whether a page's overdue table lists the station.
fn overdue_lists(page: &str, station: &str) -> bool {
    page.split("id=\"overdue-table\"")
        .nth(1)
        .and_then(|rest| rest.split("</table>").next())
        .is_some_and(|table| table.contains(&format!("data-station=\"{station}\"")))
}

/// Whether the overdue list at `path`, on any of its pages, lists the station.
async fn overdue_anywhere(app: &TestApp, path: &str, cookie: &str, station: &str) -> bool {
    for page in 1..=60 {
        let html = app
            .page(&format!("{path}?overdue_page={page}"), Some(cookie))
            .await
            .text();
        if overdue_lists(&html, station) {
            return true;
        }
        if !html.contains(&format!("overdue_page={}#overdue", page + 1)) {
            return false;
        }
    }
    false
}

const FULL: &str = r#"{"link":"fibre","cctv_installed":true,"cctv_monitored":true,"power_backup":true,"devices_installed":true,"devices_tested":true,"step_free":true,"ready":true,"note":""}"#;

#[tokio::test]
async fn an_undeclared_station_is_overdue_after_the_fibre_deadline_until_declared() {
    let app = TestApp::new().await;
    let county = governors_county();
    let station = undeclared_station();
    let county_api = format!("/api/v1/readiness?county={county}");

    // The day before the deadline: not declared, not yet overdue.
    app.clock.set(at("1404/11/30 12:00"));
    let governor = app.token("governor").await;
    let before = app.get(&county_api, Some(&governor)).await.json();
    assert_eq!(row(&before, &station)["declared"], false);
    assert!(overdue_of(&before, &station).is_empty());

    // The morning after: on the county's list and the province's, in the API and on the pages.
    app.clock.set(at("1404/12/01 09:00"));
    let governor = app.token("governor").await;
    let hq = app.token("hq").await;
    let after = app.get(&county_api, Some(&governor)).await.json();
    assert_eq!(overdue_of(&after, &station), vec!["undeclared"]);
    assert!(after["summary"]["overdue"].as_u64().unwrap() >= 1);
    let province = app.get("/api/v1/readiness", Some(&hq)).await.json();
    assert_eq!(overdue_of(&province, &station), vec!["undeclared"]);
    let gov_cookie = app.browser_login("governor").await;
    let hq_cookie = app.browser_login("hq").await;
    let county_page = format!("/counties/{county}/readiness");
    assert!(overdue_anywhere(&app, &county_page, &gov_cookie, &station).await);
    assert!(overdue_anywhere(&app, "/readiness", &hq_cookie, &station).await);

    // Declared: off both lists.
    let r = app
        .put(
            &format!("/api/v1/stations/{station}/readiness"),
            &governor,
            r#"{"link":"sim","cctv_installed":false,"cctv_monitored":false,"power_backup":true,"devices_installed":true,"devices_tested":false,"step_free":false,"ready":false}"#,
        )
        .await;
    r.assert_status(StatusCode::OK);
    let declared = app.get(&county_api, Some(&governor)).await.json();
    assert!(overdue_of(&declared, &station).is_empty());
    assert_eq!(row(&declared, &station)["link"], "sim");
    let province = app.get("/api/v1/readiness", Some(&hq)).await.json();
    assert!(overdue_of(&province, &station).is_empty());
    assert!(!overdue_anywhere(&app, &county_page, &gov_cookie, &station).await);
    assert!(!overdue_anywhere(&app, "/readiness", &hq_cookie, &station).await);
}

#[tokio::test]
async fn a_governor_declares_only_in_their_county_and_bad_input_writes_nothing() {
    let app = TestApp::new().await;
    app.clock.set(at("1404/12/01 09:00"));
    let county = governors_county();
    let ours = demo_station(|s| s.county_code == county && !s.closed)
        .code
        .clone();
    let theirs = demo_station(|s| s.county_code != county && !s.closed)
        .code
        .clone();
    let governor = app.token("governor").await;
    let hq = app.token("hq").await;
    let before = app.audit_count().await;

    app.put(
        &format!("/api/v1/stations/{theirs}/readiness"),
        &governor,
        FULL,
    )
    .await
    .assert_problem(403, "forbidden");
    app.get(
        &format!(
            "/api/v1/readiness?county={}",
            demo()
                .stations
                .iter()
                .find(|s| s.code == theirs)
                .unwrap()
                .county_code
        ),
        Some(&governor),
    )
    .await
    .assert_problem(403, "forbidden");
    let put = |body: &'static str| {
        let path = format!("/api/v1/stations/{ours}/readiness");
        let app = &app;
        let governor = governor.clone();
        async move { app.put(&path, &governor, body).await }
    };
    // A link type that does not exist.
    let r = put(r#"{"link":"satellite","cctv_installed":false,"cctv_monitored":false,"power_backup":false,"devices_installed":false,"devices_tested":false,"step_free":false,"ready":false}"#).await;
    r.assert_problem(422, "invalid_field");
    assert!(r.text().contains("satellite"), "{}", r.text());
    // A planned date in the past.
    put(r#"{"link":"fibre_planned","fibre_planned_on":"2026-02-01","cctv_installed":false,"cctv_monitored":false,"power_backup":false,"devices_installed":false,"devices_tested":false,"step_free":false,"ready":false}"#)
        .await
        .assert_problem(422, "planned_date_in_past");
    // Ready without tested devices: a conflict with what is there.
    put(r#"{"link":"fibre","cctv_installed":true,"cctv_monitored":true,"power_backup":true,"devices_installed":true,"devices_tested":false,"step_free":true,"ready":true}"#)
        .await
        .assert_problem(409, "station_not_ready");
    // A file naming another county's station: every bad row, nothing written.
    let file = format!("station,link\n{ours},fibre\n{theirs},sim\n");
    let r = app
        .post_csv("/api/v1/readiness/import", &governor, &file)
        .await;
    r.assert_problem(422, "invalid_rows");
    assert!(r.text().contains("\"line\":3"), "{}", r.text());
    app.assert_audit_count(before, "refusals write nothing")
        .await;

    // The same station, well declared; the province HQ declares anywhere.
    put(FULL).await.assert_status(StatusCode::OK);
    app.put(&format!("/api/v1/stations/{theirs}/readiness"), &hq, FULL)
        .await
        .assert_status(StatusCode::OK);
    // A planned link is no link: still marked ready, the row is refused, and says why.
    let still_ready = format!("station,link,fibre_planned_on\n{ours},fibre_planned,۱۴۰۵/۰۱/۱۵\n");
    let r = app
        .post_csv("/api/v1/readiness/import", &governor, &still_ready)
        .await;
    r.assert_problem(422, "invalid_rows");
    assert!(r.text().contains("اتصال به شبکه"), "{}", r.text());
    let good =
        format!("station,link,fibre_planned_on,ready\n{ours},fibre_planned,۱۴۰۵/۰۱/۱۵,خیر\n");
    let r = app
        .post_csv("/api/v1/readiness/import", &governor, &good)
        .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.json()["imported"], 1);
    app.assert_audit_count(before + 3, "two declarations and a file")
        .await;
    let shown = app
        .get(
            &format!("/api/v1/stations/{ours}/readiness"),
            Some(&governor),
        )
        .await
        .json();
    assert_eq!(shown["link"], "fibre_planned");
    assert_eq!(shown["fibre_planned_on"], "2026-04-04");
    assert_eq!(
        shown["ready"], false,
        "a planned link is no link: the mark falls"
    );

    // Excel's file: a BOM, the import's columns, the county's stations only.
    let csv = app
        .get(
            &format!("/api/v1/readiness/export.csv?county={county}"),
            Some(&governor),
        )
        .await;
    csv.assert_status(StatusCode::OK);
    let text = csv.text();
    assert!(text.starts_with("\u{feff}station,link,fibre_planned_on"));
    assert!(text.contains(&ours) && !text.contains(&theirs));
}

#[tokio::test]
async fn who_reads_readiness_is_the_policys() {
    let app = TestApp::new().await;
    let county = governors_county();
    for reader in ["hq", "observer", "inspection"] {
        let token = app.token(reader).await;
        app.get(&format!("/api/v1/readiness?county={county}"), Some(&token))
            .await
            .assert_status(StatusCode::OK);
    }
    for outsider in ["station", "executive"] {
        let token = app.token(outsider).await;
        app.assert_forbidden(&format!("/api/v1/readiness?county={county}"), &token)
            .await;
    }
    let observer = app.token("observer").await;
    let station = demo_station(|s| s.county_code == county && !s.closed)
        .code
        .clone();
    app.put(
        &format!("/api/v1/stations/{station}/readiness"),
        &observer,
        FULL,
    )
    .await
    .assert_problem(403, "forbidden");
    app.get("/api/v1/readiness", None)
        .await
        .assert_problem(401, "unauthenticated");
}

#[tokio::test]
async fn the_hq_edits_the_timeline_and_weights_and_dashboards_count_down() {
    let app = TestApp::new().await;
    app.clock.set(at("1404/12/01 09:00"));
    let governor = app.token("governor").await;
    let hq = app.token("hq").await;
    let timeline = app.get("/api/v1/timeline", Some(&governor)).await.json();
    let fibre = timeline
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["key"] == "fibre_deadline")
        .unwrap()
        .clone();
    assert_eq!(fibre["state"], "overdue");
    assert_eq!(fibre["owner"], "county_governor");
    assert_eq!(fibre["countdown"], "۹ ساعت از پایان مهلت گذشته");

    // Every dashboard shows it: the HQ's, the county's.
    let hq_cookie = app.browser_login("hq").await;
    let gov_cookie = app.browser_login("governor").await;
    let dashboard = app.page("/", Some(&hq_cookie)).await.text();
    assert!(
        dashboard.contains("id=\"outlook\"") && dashboard.contains("۹ ساعت از پایان مهلت گذشته")
    );
    let county_page = app
        .page(
            &format!("/counties/{}", governors_county()),
            Some(&gov_cookie),
        )
        .await
        .text();
    assert!(county_page.contains("مهلت تعیین وضعیت فیبر نوری شعب"));

    let mut done = fibre.clone();
    done["done_at"] = Value::String("2026-02-20T08:00:00+03:30".into());
    let body = done.to_string();
    app.put("/api/v1/timeline/fibre_deadline", &governor, &body)
        .await
        .assert_problem(403, "forbidden");
    let before = app.audit_count().await;
    let r = app.put("/api/v1/timeline/fibre_deadline", &hq, &body).await;
    r.assert_status(StatusCode::OK);
    let now_done = r.json();
    let fibre = now_done
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["key"] == "fibre_deadline")
        .unwrap();
    assert_eq!(fibre["state"], "done");
    let mut reversed = done.clone();
    reversed["ends_at"] = done["starts_at"].clone();
    reversed["starts_at"] = done["ends_at"].clone();
    app.put(
        "/api/v1/timeline/fibre_deadline",
        &hq,
        &reversed.to_string(),
    )
    .await
    .assert_problem(422, "milestone_ends_before_start");
    app.assert_audit_count(before + 1, "one edit").await;

    // The weights: the HQ's, each 0 to 100.
    let weights = r#"{"link":60,"cctv_installed":10,"cctv_monitored":0,"power_backup":10,"devices_installed":10,"devices_tested":10,"step_free":0}"#;
    app.put("/api/v1/readiness/weights", &governor, weights)
        .await
        .assert_problem(403, "forbidden");
    app.put("/api/v1/readiness/weights", &hq, weights)
        .await
        .assert_status(StatusCode::OK);
    app.put(
        "/api/v1/readiness/weights",
        &hq,
        &weights.replace("60", "600"),
    )
    .await
    .assert_problem(422, "invalid_weights");
    assert_eq!(
        app.get("/api/v1/readiness/weights", Some(&governor))
            .await
            .json()["link"],
        60
    );
}

#[tokio::test]
async fn the_pages_declare_and_refuse_in_persian() {
    let app = TestApp::new().await;
    app.clock.set(at("1404/12/01 09:00"));
    let station = undeclared_station();
    let cookie = app.browser_login("governor").await;
    let page = app
        .page(&format!("/stations/{station}/readiness"), Some(&cookie))
        .await;
    page.assert_status(StatusCode::OK);
    assert!(page.text().contains("id=\"readiness-form\""));
    let csrf = csrf_of(&page.text());
    let path = format!("/stations/{station}/readiness");
    let refused = app
        .post_fields(
            &path,
            Some(&cookie),
            &[
                ("csrf_token", &csrf),
                ("link", "fibre_planned"),
                ("fibre_planned_on", "۱۴۰۴/۱۱/۱۰"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().contains("گذشته است"), "{}", refused.text());
    let saved = app
        .post_fields(
            &path,
            Some(&cookie),
            &[
                ("csrf_token", &csrf),
                ("link", "fibre_planned"),
                ("fibre_planned_on", "۱۴۰۴/۱۲/۲۰"),
                ("cctv_installed", "on"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    let shown = app
        .page(&format!("{path}?done=1"), Some(&cookie))
        .await
        .text();
    assert!(shown.contains("فیبر نوری در دست اتصال"));
    assert!(shown.contains("۱۴۰۴/۱۲/۲۰"));
}

/// The by-link chart's bars, as numbers: [fibre, planned, landline, SIM, none, undeclared].
async fn link_chart(browser: &crate::browser::Browser) -> Vec<i64> {
    browser.find("#link-chart svg").await;
    let titles = browser
        .client
        .execute(
            "return Array.from(document.querySelectorAll('#link-chart svg rect title')).map(t => t.textContent);",
            vec![],
        )
        .await
        .unwrap();
    titles
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let text = domain::text::ascii_digits(t.as_str().unwrap());
            let digits: String = text.chars().filter(char::is_ascii_digit).collect();
            digits.parse().unwrap()
        })
        .collect()
}

/// Issue 16: a governor declares a station's fibre in a real browser, and the county's chart
/// moves it from «not declared» to «fibre connected».
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver: scripts/test runs it"]
async fn a_governor_declares_fibre_and_the_readiness_chart_changes() {
    let app = TestApp::new().await;
    app.clock.set(at("1404/12/01 09:00"));
    let county = governors_county();
    let station = undeclared_station();
    let browser = crate::browser::Browser::open(&app).await;
    browser.goto("/login").await;
    browser.log_in("governor").await;
    let county_page = format!("/counties/{county}/readiness");
    browser.goto(&county_page).await;
    let before = link_chart(&browser).await;
    assert_eq!(before.len(), 6, "{before:?}");
    assert!(
        before[5] >= 1,
        "the station is among the undeclared: {before:?}"
    );

    browser
        .goto(&format!("/stations/{station}/readiness"))
        .await;
    browser.select("#link", "fibre").await;
    browser.click("#readiness-form button[type=submit]").await;
    let notice = browser.text("#readiness-notice").await;
    assert!(notice.contains("ثبت شد"), "{notice}");
    assert_eq!(browser.text("#link-now").await, "فیبر نوری متصل");

    browser.goto(&county_page).await;
    let after = link_chart(&browser).await;
    assert_eq!(after[0], before[0] + 1, "{before:?} → {after:?}");
    assert_eq!(after[5], before[5] - 1, "{before:?} → {after:?}");
    browser.finish().await;
}

/// Issue 16: a sensitive station without an approved plan cannot be marked ready; the lists
/// say why.
#[tokio::test]
async fn a_sensitive_station_without_an_approved_plan_cannot_be_marked_ready() {
    let app = TestApp::new().await;
    let county = governors_county();
    let sensitive: std::collections::HashSet<&str> = demo()
        .sensitive_stations
        .iter()
        .map(|s| s.station.as_str())
        .collect();
    let station = demo_station(|s| {
        s.county_code == county && !s.closed && !sensitive.contains(s.code.as_str())
    })
    .code
    .clone();
    let governor = app.token("governor").await;
    app.put(
        &format!("/api/v1/stations/{station}/sensitivity"),
        &governor,
        r#"{"reasons": ["border_area"]}"#,
    )
    .await
    .assert_status(StatusCode::OK);
    let before = app.audit_count().await;
    let refused = app
        .put(
            &format!("/api/v1/stations/{station}/readiness"),
            &governor,
            FULL,
        )
        .await;
    refused.assert_problem(409, "security_plan_not_approved");
    assert!(refused.text().contains("شورای تأمین"), "{}", refused.text());
    app.assert_audit_count(before, "nothing written").await;
    let shown = app
        .get(
            &format!("/api/v1/stations/{station}/readiness"),
            Some(&governor),
        )
        .await
        .json();
    assert_eq!(shown["sensitive"], true);
    assert_eq!(shown["plan_status"], "missing");
    assert_eq!(shown["ready"], false);
    let picture = app
        .get(
            &format!("/api/v1/readiness?county={county}"),
            Some(&governor),
        )
        .await
        .json();
    assert!(
        picture["summary"]["sensitive_without_plan"]
            .as_u64()
            .unwrap()
            >= 1
    );
}

/// The figure a flag of the outlook shows, in ASCII digits; `None` when the flag is not shown.
fn flag(html: &str, id: &str) -> Option<u64> {
    let at = html.find(&format!(r#"<li id="{id}">"#))?;
    let tag = &html[at..];
    let start = tag.find(r#"<span class="tag warn">"#)? + r#"<span class="tag warn">"#.len();
    let digits = domain::text::ascii_digits(tag[start..].split('<').next()?);
    digits.parse().ok()
}

#[tokio::test]
async fn every_dashboard_flags_what_needs_acting_on_in_the_visitors_scope() {
    let app = TestApp::new().await;
    app.clock.set(at("1404/12/01 09:00"));
    for (user, page) in [
        ("governor", format!("/counties/{}", governors_county())),
        ("hq", "/".to_owned()),
    ] {
        let cookie = app.browser_login(user).await;
        let html = app.page(&page, Some(&cookie)).await.text();
        let picture = app
            .get("/api/v1/readiness", Some(&app.token(user).await))
            .await
            .json();
        let summary = |k: &str| picture["summary"][k].as_u64().unwrap();
        let equipment = &picture["equipment"];
        let blocked = ["not_tested", "running", "failed"]
            .iter()
            .map(|k| equipment[*k].as_u64().unwrap())
            .sum::<u64>();
        let shown = |n: u64| (n > 0).then_some(n);
        assert_eq!(
            flag(&html, "flag-overdue"),
            shown(summary("overdue")),
            "{user}"
        );
        assert_eq!(
            flag(&html, "flag-sensitive"),
            shown(summary("sensitive_without_plan")),
            "{user}"
        );
        assert_eq!(flag(&html, "flag-equipment"), shown(blocked), "{user}");
        assert!(
            summary("overdue") > 0,
            "after the fibre deadline something is overdue"
        );
        assert!(
            blocked > 0 || user == "governor",
            "the province has untested stations"
        );
    }
    // A station's staff see no readiness flags.
    let cookie = app.browser_login("station").await;
    let html = app.page("/", Some(&cookie)).await.text();
    assert!(flag(&html, "flag-overdue").is_none());
}
