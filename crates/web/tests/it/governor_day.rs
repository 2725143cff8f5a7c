//! The governor's and the HQ's election day (issue 20): on polling day their home pages show
//! each station's state (late openings, pauses with their reason and duration), turnout by
//! station, council or county and by hour, and the station list, filtered and sorted; the
//! picture refreshes itself in place (a fragment route guarded like the page) without losing
//! the reader's filters.

use crate::browser::Browser;
use crate::election_day::{act, election_day, election_day_with, own_station};
use crate::support::{TestApp, FOREIGN_COUNTY, OWN_COUNTY};
use axum::http::StatusCode;
use domain::access::{Role, Scope};
use domain::text::persian_digits;
use std::time::Duration;

const OPENING: &str = r#"{"presence": {"head": true, "governor_rep": true, "inspector": true}, "empty_box_shown": true, "zero_reports_shown": true, "forms_received": 400}"#;

/// The station list of a page or fragment.
fn station_list(html: &str) -> &str {
    html.split("id=\"day-stations\"")
        .nth(1)
        .and_then(|rest| rest.split("</table>").next())
        .unwrap_or_else(|| panic!("no station list: {html}"))
}

/// The rows of the station list in a page or fragment: (code, state), in order.
fn rows(html: &str) -> Vec<(String, String)> {
    station_list(html)
        .split("<tr data-station=\"")
        .skip(1)
        .map(|rest| {
            let code = rest.split('"').next().unwrap().to_owned();
            let state = rest
                .split("data-state=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .unwrap()
                .to_owned();
            (code, state)
        })
        .collect()
}

/// The row of `station` in a page or fragment, up to its end.
fn row<'a>(html: &'a str, station: &str) -> &'a str {
    station_list(html)
        .split(&format!("<tr data-station=\"{station}\""))
        .nth(1)
        .and_then(|rest| rest.split("</tr>").next())
        .unwrap_or_else(|| panic!("no row of {station}"))
}

/// A governor of another county, signed in through the API.
async fn foreign_governor(app: &TestApp) -> String {
    let username = format!("governor-{FOREIGN_COUNTY}");
    let user = store::NewUser {
        username: username.clone(),
        password_hash: web::auth::hash_password(&format!("{username}-1405")).unwrap(),
        role: Role::CountyGovernor,
        scope: Scope::County {
            county: FOREIGN_COUNTY.to_owned(),
        },
    };
    let by = store::Actor::new("test", app.state.clock.now());
    app.store.create_user(&user, &by).await.unwrap();
    app.token(&username).await
}

/// At 09:00 on polling day the governor's page lists their stations by state: the one opened
/// at 09:00 is open and late, the others not opened and late; a pause shows its reason and how
/// long it has lasted; the list filters by state and by words, and sorts.
#[tokio::test]
async fn the_governors_page_shows_each_stations_day() {
    let (app, station_token, roll) = election_day().await;
    let station = own_station();
    let governor = app.token("governor").await;
    let page = app
        .get(&format!("/counties/{OWN_COUNTY}"), Some(&governor))
        .await;
    page.assert_status(StatusCode::OK);
    let html = page.text();
    assert!(html.contains("id=\"election-day\""), "the picture is shown");
    assert!(
        html.contains("hx-get=\"/counties/11/day-board\""),
        "and refreshes itself"
    );
    let listed = rows(&html);
    assert!(!listed.is_empty());
    assert!(listed.iter().all(|(_, state)| state == "not_opened"));
    assert!(row(&html, &listed[0].0).contains("تأخیر در گشایش"));

    act(&app, &station_token, &station, "open", OPENING)
        .await
        .assert_status(StatusCode::OK);
    let fragment = |query: &str| {
        let app = &app;
        let governor = governor.clone();
        let query = query.to_owned();
        async move {
            let r = app
                .get(
                    &format!("/counties/{OWN_COUNTY}/day-board?{query}"),
                    Some(&governor),
                )
                .await;
            r.assert_status(StatusCode::OK);
            r.text()
        }
    };
    let open = fragment("day_state=open").await;
    assert_eq!(rows(&open), [(station.clone(), "open".to_owned())]);
    assert!(
        row(&open, &station).contains("تأخیر در گشایش"),
        "opened an hour after the polls: late"
    );
    assert!(!open.contains("<html"), "a fragment, not a page");
    // Words of the code, in Persian digits, find the station whatever its state.
    let found = fragment(&format!(
        "day_q={}",
        crate::support::enc(&persian_digits(&station))
    ))
    .await;
    assert_eq!(rows(&found), [(station.clone(), "open".to_owned())]);

    // A voter checks in there: the station leads the list sorted by check-ins, descending.
    let checkin = serde_json::json!({"station": station, "national_id": roll[0].national_id});
    app.post("/api/v1/checkins", &station_token, &checkin.to_string())
        .await
        .assert_status(StatusCode::CREATED);
    let by_checkins = fragment("day_sort=-checkins").await;
    assert_eq!(rows(&by_checkins)[0].0, station);
    assert_eq!(
        by_checkins.matches("aria-sort=").count(),
        1,
        "only the sorted column says it is"
    );
    assert!(by_checkins.contains("aria-sort=\"descending\""));
    // A pause: its reason and how long it has lasted.
    act(
        &app,
        &station_token,
        &station,
        "pause",
        r#"{"reason": "power_cut", "notes": "ترانس محله"}"#,
    )
    .await
    .assert_status(StatusCode::OK);
    app.clock.advance(time::Duration::minutes(20));
    let paused = fragment("day_state=paused").await;
    let line = row(&paused, &station);
    assert!(line.contains("data-state=\"paused\""), "{line}");
    assert!(line.contains("قطع برق: ترانس محله"), "{line}");
    assert!(line.contains("۲۰ دقیقه"), "{line}");
    // The tally counts it, and the default order lists the stations not yet open first.
    let all = fragment("").await;
    assert!(all.contains("data-tally=\"paused\""));
    let order = rows(&all);
    let rank = |state: &str| {
        ["not_opened", "open", "paused", "closed"]
            .iter()
            .position(|s| *s == state)
            .unwrap()
    };
    assert_eq!(order[0].1, "not_opened");
    assert!(
        order.windows(2).all(|w| rank(&w[0].1) <= rank(&w[1].1)),
        "not opened, open, paused, closed"
    );
}

/// The fragment is guarded like its page: another county's governor and the anonymous do not
/// read it; the HQ reads every county's and the province's, which a governor does not.
#[tokio::test]
async fn the_picture_is_read_only_within_its_scope() {
    let (app, _, _) = election_day().await;
    let governor = app.token("governor").await;
    let hq = app.token("hq").await;
    let foreign = foreign_governor(&app).await;
    let county = format!("/counties/{OWN_COUNTY}/day-board");

    app.get(&county, Some(&foreign))
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let anonymous = app.get(&county, None).await;
    assert!(
        anonymous.status.is_redirection(),
        "to the login page: {}",
        anonymous.status
    );
    assert!(anonymous.location().starts_with("/login"));
    assert!(!anonymous.text().contains("data-station"));
    app.get(&county, Some(&hq))
        .await
        .assert_status(StatusCode::OK);
    app.get(&county, Some(&governor))
        .await
        .assert_status(StatusCode::OK);

    app.get("/day-board", Some(&governor))
        .await
        .assert_status(StatusCode::FORBIDDEN);
    assert!(app.get("/day-board", None).await.status.is_redirection());
    let province = app.get("/day-board", Some(&hq)).await;
    province.assert_status(StatusCode::OK);
    // Every county's line, with its stations by state; the list narrows to one county.
    let text = province.text();
    let counties = crate::support::demo().counties.len();
    assert_eq!(text.matches("<tr data-area=").count(), counties);
    let narrowed = app
        .get(
            &format!("/day-board?day_county={FOREIGN_COUNTY}&day_sort=code"),
            Some(&hq),
        )
        .await
        .text();
    let listed = rows(&narrowed);
    assert!(!listed.is_empty());
    let in_foreign: Vec<String> = crate::support::demo()
        .stations
        .iter()
        .filter(|s| s.county_code == FOREIGN_COUNTY && !s.closed)
        .map(|s| s.code.clone())
        .collect();
    assert!(listed.iter().all(|(code, _)| in_foreign.contains(code)));
}

/// A picture refreshing itself after the session ended sends the whole page to the login form
/// (and back to the page), instead of the login form landing inside the picture.
#[tokio::test]
async fn a_refresh_without_a_session_takes_the_page_to_the_login_form() {
    let (app, _, _) = election_day().await;
    let request = |current: &str| {
        axum::http::Request::builder()
            .uri(format!("/counties/{OWN_COUNTY}/day-board?day_q=x"))
            .header("host", "sandoq.test")
            .header("hx-request", "true")
            .header("hx-current-url", current)
            .body(axum::body::Body::empty())
            .unwrap()
    };
    let r = app
        .send(request("http://sandoq.test/counties/11?day_q=x"))
        .await;
    r.assert_status(StatusCode::UNAUTHORIZED);
    assert_eq!(
        r.header("hx-redirect"),
        "/login?next=/counties/11%3Fday_q%3Dx"
    );
    assert!(!r.text().contains("<form"));
    // Another site's page is no way back.
    let r = app.send(request("http://elsewhere.test/x")).await;
    assert_eq!(r.header("hx-redirect"), "/login?next=/");
}

/// The pictures are polling day's: on any other day the home pages show what they did.
#[tokio::test]
async fn the_picture_shows_on_polling_day_only() {
    let app = TestApp::new().await;
    let governor = app.token("governor").await;
    let hq = app.token("hq").await;
    let county = app
        .get(&format!("/counties/{OWN_COUNTY}"), Some(&governor))
        .await;
    county.assert_status(StatusCode::OK);
    assert!(!county.text().contains("id=\"election-day\""));
    let dashboard = app.get("/", Some(&hq)).await;
    dashboard.assert_status(StatusCode::OK);
    assert!(!dashboard.text().contains("id=\"election-day\""));

    let (app, _, _) = election_day().await;
    let hq = app.token("hq").await;
    let dashboard = app.get("/", Some(&hq)).await.text();
    assert!(dashboard.contains("id=\"election-day\""));
    assert!(dashboard.contains("hx-get=\"/day-board\""));
    assert!(
        dashboard.contains("name=\"day_county\""),
        "the HQ filters by county"
    );
}

/// `/turnout` refreshes in place too, instead of reloading the page every minute.
#[tokio::test]
async fn turnout_refreshes_in_place() {
    let (app, _, _) = election_day().await;
    let page = app.get("/turnout", None).await.text();
    assert!(!page.contains("http-equiv=\"refresh\""));
    assert!(page.contains("hx-get=\"/turnout/live"), "{page}");
    let live = app.get("/turnout/live?q=&sort=-checked_in", None).await;
    live.assert_status(StatusCode::OK);
    assert!(!live.text().contains("<html"));
    assert!(live.text().contains("turnout-cards"));
}

/// Reads the station list's rows in the browser: (code, state), in order.
async fn rows_shown(browser: &Browser) -> Vec<(String, String)> {
    let found = browser
        .client
        .execute(
            "return Array.from(document.querySelectorAll('#day-stations tbody tr[data-station]'))\
             .map(function (r) { return [r.dataset.station, r.dataset.state]; });",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(found).unwrap()
}

/// The text of a station's row, read in one step: the list is replaced every second, so an
/// element found in one call may be gone by the next.
async fn row_text(browser: &Browser, station: &str) -> String {
    let found = browser
        .client
        .execute(
            "var r = document.querySelector('#day-stations tr[data-station=\"' + arguments[0] + '\"]');\
             return r ? r.innerText : null;",
            vec![serde_json::json!(station)],
        )
        .await
        .unwrap();
    found.as_str().unwrap_or_default().to_owned()
}

/// Waits (bounded) until the station list shows `want`.
async fn wait_for_rows(browser: &Browser, want: &[(String, String)], why: &str) {
    let mut shown = Vec::new();
    for _ in 0..150 {
        shown = rows_shown(browser).await;
        if shown == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!(
        "{why}: the list shows {} rows ({:?}…), not {want:?}",
        shown.len(),
        &shown[..shown.len().min(3)]
    );
}

/// At 09:00 on election day the governor's page lists a station not yet open; the governor
/// types a filter; the station opens; its row changes on the page without a reload (what the
/// page set on `window` is still there), and the filter still holds its text and still filters.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver: scripts/test runs it"]
async fn the_governors_page_follows_an_opening_without_losing_the_filter() {
    let (app, station_token, _) = election_day_with(web::Config {
        identity_limits: crate::support::unrationed(),
        live_refresh: Duration::from_secs(1),
        ..web::Config::default()
    })
    .await;
    let station = own_station();
    let browser = Browser::open(&app).await;
    browser.goto("/login").await;
    browser.log_in("governor").await;
    browser.find("#day-board #day-stations").await;
    assert_eq!(
        browser.client.current_url().await.unwrap().path(),
        format!("/counties/{OWN_COUNTY}")
    );
    browser
        .client
        .execute("window.governorDayMarker = 'still here';", vec![])
        .await
        .unwrap();

    let typed = persian_digits(&station);
    browser.type_into("#day-q", &typed).await;
    let waiting = [(station.clone(), "not_opened".to_owned())];
    wait_for_rows(&browser, &waiting, "the filter narrows the list").await;
    let line = row_text(&browser, &station).await;
    assert!(line.contains("گشوده‌نشده"), "{line}");
    assert!(line.contains("تأخیر در گشایش"), "{line}");

    act(&app, &station_token, &station, "open", OPENING)
        .await
        .assert_status(StatusCode::OK);
    let opened = [(station.clone(), "open".to_owned())];
    wait_for_rows(&browser, &opened, "the opening shows on the page").await;
    let line = row_text(&browser, &station).await;
    assert!(line.contains("باز"), "{line}");

    let marker = browser
        .client
        .execute("return window.governorDayMarker || null;", vec![])
        .await
        .unwrap();
    assert_eq!(
        marker,
        serde_json::json!("still here"),
        "the page was not reloaded"
    );
    let value = browser
        .client
        .execute("return document.getElementById('day-q').value;", vec![])
        .await
        .unwrap();
    assert_eq!(value, serde_json::json!(typed), "the filter keeps its text");
    // And it still filters: the refreshed list is the one station (the county has hundreds).
    assert_eq!(rows_shown(&browser).await, opened);
    browser.finish().await;
}
