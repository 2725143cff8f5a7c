//! The audit page in Persian (issue 20): events by their Persian names, details as labelled
//! rows, actors and entities by name, never `auth.login` or a JSON blob.

use crate::persian_text::visible_text_of;
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

    // The action filter still filters, by the stored code.
    let logins = app.page("/audit?action=auth.login", Some(&hq)).await.text();
    let logins_text = visible_text_of(&logins);
    assert!(logins_text.contains("ورود به سامانه"));
    assert!(!logins.contains(r#"data-action="staff.assign""#));
    assert!(logins.contains("<option value=\"auth.login\" selected>ورود به سامانه</option>"));
}
