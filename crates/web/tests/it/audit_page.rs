//! The audit page in Persian (issue 20): events by their Persian names, details as labelled
//! rows, actors and entities by name, never `auth.login` or a JSON blob.

use crate::persian_text::{check, visible_text_of};
use crate::staffing::{free_station, put_post, register};
use crate::support::{demo, demo_user, TestApp};
use axum::http::StatusCode;
use domain::staffing::Post;

#[tokio::test]
async fn the_audit_page_reads_in_persian() {
    let (app, hq) = TestApp::with_session("hq").await;
    // A staffing change by the governor: a person registered and made a station's head.
    let governor = app.token("governor").await;
    let station = free_station();
    let id = register(&app, &governor, 8_301, "1360/01/01").await;
    put_post(&app, &governor, &station.code, "head", &id)
        .await
        .assert_status(StatusCode::OK);

    let page = app.page("/audit", Some(&hq)).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    let text = visible_text_of(&html);
    for shown in [
        "ورود به سامانه",
        "گماردن عامل شعبه",
        "ثبت شخص",
        "بارگذاری استان",
        "کد ملی",
        Post::Head.persian(),
    ] {
        assert!(text.contains(shown), "«{shown}» missing from:\n{text}");
    }
    // The governor by their role and county's name, the county's code never.
    let county = demo_user("governor").scope.county().unwrap_or_default();
    let county_name = &demo()
        .counties
        .iter()
        .find(|c| c.code == county)
        .expect("the governor's county")
        .name;
    assert!(
        text.contains(&format!("فرماندار، شهرستان {county_name}")),
        "{text}"
    );
    // The national id as a code: Persian digits, set apart, and the person named beside it.
    let shown_id = domain::text::persian_digits(&id);
    assert!(
        html.contains(&format!("<bdi>{shown_id}</bdi> (زهرا بهرامی)")),
        "{html}"
    );
    for raw in [
        "auth.login",
        "staff.assign",
        "province.load",
        "{\"",
        "national_id",
    ] {
        assert!(!text.contains(raw), "«{raw}» shown in:\n{text}");
    }

    // The walk's checks, on this page whatever the walk reaches: no Latin digit outside a code.
    let mut report = String::new();
    check(&mut report, "hq", "/audit", &html);
    assert!(report.is_empty(), "{report}");

    // The action filter still filters, by the stored code.
    let logins = app.page("/audit?action=auth.login", Some(&hq)).await.text();
    let logins_text = visible_text_of(&logins);
    assert!(logins_text.contains("ورود به سامانه"));
    assert!(!logins.contains(r#"data-action="staff.assign""#));
    assert!(logins.contains("<option value=\"auth.login\" selected>ورود به سامانه</option>"));
}

/// A station's day in the log: its opening with who was present, a pause with its reason,
/// the check-ins, all in Persian, with nothing of the stored JSON shown.
#[tokio::test]
async fn the_days_records_read_in_persian() {
    use crate::election_day::{act, election_day, own_station, OPENING};
    let (app, token, roll) = election_day().await;
    let station = own_station();
    act(&app, &token, &station, "open", OPENING)
        .await
        .assert_status(StatusCode::OK);
    let body = serde_json::json!({"station": station, "national_id": roll[0].national_id});
    let checked = app
        .post("/api/v1/checkins", &token, &body.to_string())
        .await;
    assert_eq!(checked.status, 201, "{}", checked.text());
    act(
        &app,
        &token,
        &station,
        "pause",
        r#"{"reason": "power_cut"}"#,
    )
    .await
    .assert_status(StatusCode::OK);

    let hq = app.browser_login("hq").await;
    let html = app.page("/audit?per_page=20", Some(&hq)).await.text();
    let text = visible_text_of(&html);
    for shown in [
        "گشایش شعبه",
        "توقف رأی‌گیری",
        "حاضران",
        "نماینده فرماندار",
        "روز رأی‌گیری شعبه",
        domain::station_day::PauseReason::PowerCut.persian(),
        domain::station_day::DayState::Paused.persian(),
    ] {
        assert!(text.contains(shown), "«{shown}» missing from:\n{text}");
    }
    for raw in ["station.open", "station.pause", "power_cut", "{\"", "_us"] {
        assert!(!text.contains(raw), "«{raw}» shown in:\n{text}");
    }
    let mut report = String::new();
    check(&mut report, "hq", "/audit", &html);
    assert!(report.is_empty(), "{report}");
}
