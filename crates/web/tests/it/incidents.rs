//! Incidents through the API and the pages (issue 16 §5): who sees and steps which, a step out
//! of order refused with nothing written, filing with a photo judged by its content.

use crate::registrations::JPEG;
use crate::support::{bearer, demo, demo_station, TestApp, FOREIGN_COUNTY, OWN_COUNTY};
use axum::http::{Method, StatusCode};
use domain::access::{Principal, Role, Scope};
use std::io::Write;

/// A filing's `multipart/form-data` body: these fields, and a photo (its declared type and
/// bytes) if given.
pub fn form_body(fields: &[(&str, &str)], photo: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "sandoq-incident-5b1c";
    let mut body = Vec::new();
    for (name, value) in fields {
        write!(
            body,
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        )
        .unwrap();
    }
    if let Some((content_type, bytes)) = photo {
        write!(
            body,
            "--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"scene.jpg\"\r\nContent-Type: {content_type}\r\n\r\n"
        )
        .unwrap();
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    write!(body, "--{boundary}--\r\n").unwrap();
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A station of `county` from the demo.
fn station_of(county: &str) -> String {
    demo_station(|s| s.county_code == county).code.clone()
}

/// Files an incident at `station` through the use case as the HQ, with a photo; its id.
pub async fn file_as_hq(app: &TestApp, station: &str) -> i64 {
    let hq = Principal {
        username: "hq".into(),
        role: Role::ProvinceHq,
        scope: Scope::Province,
    };
    let form = app::incidents::IncidentForm {
        station: Some(station.to_owned()),
        subcategory: "power_cut".into(),
        severity: "high".into(),
        description: "برق ساختمان شعبه قطع شده است.".into(),
        photo: Some(app::incidents::PhotoUpload {
            declared: Some("image/jpeg".into()),
            bytes: axum::body::Bytes::from_static(JPEG),
        }),
        ..app::incidents::IncidentForm::default()
    };
    app.state
        .app
        .incidents()
        .file(Some(&hq), form)
        .await
        .unwrap()
        .id
}

async fn file_api(app: &TestApp, token: &str, fields: &[(&str, &str)]) -> crate::support::Reply {
    let (content_type, body) = form_body(fields, None);
    app.send_body(
        Method::POST,
        "/api/v1/incidents",
        &content_type,
        &[bearer(token)],
        body,
    )
    .await
}

#[tokio::test]
async fn a_governor_sees_only_their_countys_incidents_and_the_hq_sees_all() {
    let app = TestApp::new().await;
    let own = file_as_hq(&app, &station_of(OWN_COUNTY)).await;
    let foreign = file_as_hq(&app, &station_of(FOREIGN_COUNTY)).await;
    let governor = app.token("governor").await;
    let hq = app.token("hq").await;

    // The API's list: the governor's is their county's whatever they ask for.
    let list = app
        .get("/api/v1/incidents?per_page=500", Some(&governor))
        .await;
    list.assert_status(StatusCode::OK);
    let items = list.json()["items"].as_array().unwrap().clone();
    assert!(items.iter().any(|i| i["id"] == own));
    assert!(items.iter().all(|i| i["county"] == OWN_COUNTY), "{items:?}");
    app.assert_forbidden(
        &format!("/api/v1/incidents?county={FOREIGN_COUNTY}"),
        &governor,
    )
    .await;
    // One incident.
    app.get(&format!("/api/v1/incidents/{own}"), Some(&governor))
        .await
        .assert_status(StatusCode::OK);
    app.assert_forbidden(&format!("/api/v1/incidents/{foreign}"), &governor)
        .await;
    // The HQ: every county's.
    let all = app.get("/api/v1/incidents?per_page=500", Some(&hq)).await;
    let all = all.json();
    let ids: Vec<i64> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    assert!(ids.contains(&own) && ids.contains(&foreign));
    assert_eq!(
        all["total"].as_u64().unwrap() as usize,
        demo().incidents.len() + 2
    );
    let counties: std::collections::BTreeSet<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["county"].as_str().unwrap())
        .collect();
    assert!(counties.len() > 1);
    app.get(&format!("/api/v1/incidents/{foreign}"), Some(&hq))
        .await
        .assert_status(StatusCode::OK);

    // The pages: the same.
    let governor_page = app.browser_login("governor").await;
    let page = app.page("/incidents", Some(&governor_page)).await;
    page.assert_status(StatusCode::OK);
    let text = page.text();
    assert!(text.contains(&format!("data-incident=\"{own}\"")));
    assert!(!text.contains(&format!("data-incident=\"{foreign}\"")));
    let fragment = app.page("/incidents/live", Some(&governor_page)).await;
    assert!(!fragment
        .text()
        .contains(&format!("data-incident=\"{foreign}\"")));
    let refused = app
        .page(&format!("/incidents/{foreign}"), Some(&governor_page))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let refused = app
        .page(&format!("/incidents/{foreign}/photo"), Some(&governor_page))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "nor its photo");
    let photo = app
        .page(&format!("/incidents/{own}/photo"), Some(&governor_page))
        .await;
    photo.assert_status(StatusCode::OK);
    assert_eq!(photo.content_type(), "image/jpeg");
    assert_eq!(photo.body, JPEG);
    let hq_page = app.browser_login("hq").await;
    let page = app.page("/incidents", Some(&hq_page)).await.text();
    assert!(page.contains(&format!("data-incident=\"{own}\"")));
    assert!(page.contains(&format!("data-incident=\"{foreign}\"")));
    // Filtered by county, in place and kept in the live part's address.
    let filtered = app
        .page(
            &format!("/incidents/live?county={FOREIGN_COUNTY}"),
            Some(&hq_page),
        )
        .await
        .text();
    assert!(filtered.contains(&format!("data-incident=\"{foreign}\"")));
    assert!(!filtered.contains(&format!("data-incident=\"{own}\"")));
}

#[tokio::test]
async fn a_step_out_of_order_is_refused_and_nothing_is_written() {
    let app = TestApp::new().await;
    let id = file_as_hq(&app, &station_of(OWN_COUNTY)).await;
    let governor = app.token("governor").await;
    let path = format!("/api/v1/incidents/{id}/steps");
    let before = app.audit_count().await;
    let skipped = app
        .post(
            &path,
            &governor,
            r#"{"status": "resolved", "note": "رفع شد"}"#,
        )
        .await;
    skipped.assert_problem(409, "incident_step_out_of_order");
    assert!(skipped.json()["detail"]
        .as_str()
        .unwrap()
        .contains("اعلام دیده شدن"));
    app.post(&path, &governor, r#"{"status": "somewhere"}"#)
        .await
        .assert_problem(422, "invalid_field");
    app.assert_audit_count(before, "refused steps write nothing")
        .await;
    let one = app
        .get(&format!("/api/v1/incidents/{id}"), Some(&governor))
        .await
        .json();
    assert_eq!(one["status"], "open");
    assert_eq!(one["steps"].as_array().unwrap().len(), 0);

    // In order: acknowledged, in progress; a resolution without a note is 422.
    let acked = app
        .post(&path, &governor, r#"{"status": "acknowledged"}"#)
        .await;
    acked.assert_status(StatusCode::OK);
    assert_eq!(acked.json()["next"], "in_progress");
    app.post(
        &path,
        &governor,
        r#"{"status": "in_progress", "note": "اعزام شد"}"#,
    )
    .await
    .assert_status(StatusCode::OK);
    app.post(&path, &governor, r#"{"status": "resolved"}"#)
        .await
        .assert_problem(422, "incident_resolution_needs_note");
    // Inspectors and observers do not step.
    let inspection = app.token("inspection").await;
    app.post(&path, &inspection, r#"{"status": "resolved", "note": "x"}"#)
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(app.audit_actions("incident.step").await, 2);

    // The page's form: out of order, refused in Persian with 409, nothing written.
    let cookie = app.browser_login("governor").await;
    let page = app.page(&format!("/incidents/{id}"), Some(&cookie)).await;
    let csrf = csrf_of(&page.text());
    let before = app.audit_count().await;
    let refused = app
        .post_fields(
            &format!("/incidents/{id}/steps"),
            Some(&cookie),
            &[
                ("csrf_token", &csrf),
                ("status", "acknowledged"),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text());
    assert!(refused.text().contains("id=\"incident-error\""));
    app.assert_audit_count(before, "a refused form writes nothing")
        .await;
    let done = app
        .post_fields(
            &format!("/incidents/{id}/steps"),
            Some(&cookie),
            &[
                ("csrf_token", &csrf),
                ("status", "resolved"),
                ("note", "برق وصل شد"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    let page = app
        .page(&format!("/incidents/{id}"), Some(&cookie))
        .await
        .text();
    assert!(page.contains("برق وصل شد"));
    assert!(
        !page.contains("id=\"incident-step-form\""),
        "resolved: no next step"
    );
}

/// The CSRF token a page carries.
fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"csrf-token\" content=\"").unwrap() + 27;
    html[at..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn filing_checks_everything_first_and_judges_the_photo_by_its_content() {
    let app = TestApp::new().await;
    let inspection = app.token("inspection").await;
    let station = station_of(OWN_COUNTY);
    let before = app.audit_count().await;
    let good = [
        ("station", station.as_str()),
        ("subcategory", "campaigning"),
        ("severity", "medium"),
        ("description", "پوستر تبلیغاتی در ورودی شعبه نصب شده است."),
    ];
    // Bad input: 422 with a stable code, nothing written.
    let mut short = good;
    short[3] = ("description", "کوتاه");
    file_api(&app, &inspection, &short)
        .await
        .assert_problem(422, "incident_description_too_short");
    let mut unknown = good;
    unknown[1] = ("subcategory", "alien_landing");
    file_api(&app, &inspection, &unknown)
        .await
        .assert_problem(422, "invalid_field");
    let (content_type, body) = form_body(&good, Some(("image/png", b"%PDF-1.7 not a photo")));
    app.send_body(
        Method::POST,
        "/api/v1/incidents",
        &content_type,
        &[bearer(&inspection)],
        body,
    )
    .await
    .assert_problem(422, "incident_photo_not_an_image");
    let (content_type, body) = form_body(&good, Some(("image/png", JPEG)));
    app.send_body(
        Method::POST,
        "/api/v1/incidents",
        &content_type,
        &[bearer(&inspection)],
        body,
    )
    .await
    .assert_problem(422, "incident_photo_mismatch");
    app.assert_audit_count(before, "refused filings write nothing")
        .await;
    // Another county's station: the county inspectors may not file there.
    let mut elsewhere = good;
    let foreign = station_of(FOREIGN_COUNTY);
    elsewhere[0] = ("station", foreign.as_str());
    file_api(&app, &inspection, &elsewhere)
        .await
        .assert_problem(403, "forbidden");

    // Filed, with a photo: 201, open, the deadlines of its severity.
    let (content_type, body) = form_body(&good, Some(("image/jpeg", JPEG)));
    let filed = app
        .send_body(
            Method::POST,
            "/api/v1/incidents",
            &content_type,
            &[bearer(&inspection)],
            body,
        )
        .await;
    assert_eq!(filed.status, StatusCode::CREATED, "{}", filed.text());
    let filed = filed.json();
    assert_eq!(filed["status"], "open");
    assert_eq!(filed["county"], OWN_COUNTY);
    assert_eq!(filed["category"], "violation");
    assert_eq!(filed["reported_by"], "inspection");
    assert_eq!(filed["photo"]["media_type"], "jpeg");
    assert_eq!(filed["overdue"], serde_json::Value::Null);
    assert_eq!(app.audit_actions("incident.file").await, 1);

    // Station staff file at their own station without naming it, and see it on their console.
    let station_user = app.token("station").await;
    let own = crate::election_day::own_station();
    let r = file_api(
        &app,
        &station_user,
        &[
            ("subcategory", "power_cut"),
            ("severity", "critical"),
            ("description", "برق شعبه قطع شد و دستگاه‌ها خاموش‌اند."),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["station"], own.as_str());
    let id = r.json()["id"].as_i64().unwrap();
    let other = demo_station(|s| s.county_code == OWN_COUNTY && s.code != own)
        .code
        .clone();
    file_api(
        &app,
        &station_user,
        &[
            ("station", other.as_str()),
            ("subcategory", "power_cut"),
            ("severity", "low"),
            ("description", "برق شعبه دیگری قطع شده است."),
        ],
    )
    .await
    .assert_problem(403, "forbidden");
    let cookie = app.browser_login("station").await;
    let console = app
        .page(&format!("/stations/{own}/day"), Some(&cookie))
        .await;
    console.assert_status(StatusCode::OK);
    let console = console.text();
    assert!(console.contains("id=\"station-incidents\""));
    assert!(
        console.contains(&format!("data-incident=\"{id}\"")),
        "its open incident"
    );

    // Overdue once its deadline passes: flagged on the list.
    app.clock.advance(time::Duration::minutes(16));
    let hq = app.token("hq").await;
    let overdue = app
        .get(
            &format!("/api/v1/incidents?overdue=true&station={own}"),
            Some(&hq),
        )
        .await
        .json();
    let items = overdue["items"].as_array().unwrap();
    assert!(items
        .iter()
        .any(|i| i["id"] == id && i["overdue"] == "acknowledgement"));
}

#[tokio::test]
async fn the_filing_page_refuses_in_persian_and_files_from_the_form() {
    let app = TestApp::new().await;
    let cookie = app.browser_login("inspection").await;
    let page = app.page("/incidents/new", Some(&cookie)).await;
    page.assert_status(StatusCode::OK);
    let csrf = csrf_of(&page.text());
    let station = station_of(OWN_COUNTY);
    let before = app.audit_count().await;
    let (content_type, body) = form_body(
        &[
            ("csrf_token", &csrf),
            ("station", &station),
            ("subcategory", "theft"),
            ("severity", "low"),
            ("description", "کوتاه"),
        ],
        None,
    );
    let refused = app
        .send_body(
            Method::POST,
            "/incidents",
            &content_type,
            &[(axum::http::header::COOKIE, cookie.clone())],
            body,
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = refused.text();
    assert!(text.contains("id=\"incident-error\"") && text.contains("شرح رخداد"));
    assert!(
        text.contains("value=\"theft\" selected"),
        "what was entered stays"
    );
    app.assert_audit_count(before, "nothing written").await;
    let (content_type, body) = form_body(
        &[
            ("csrf_token", &csrf),
            ("station", &station),
            ("subcategory", "theft"),
            ("severity", "low"),
            ("description", "دو کارتن تعرفه مفقود شده است."),
        ],
        None,
    );
    let filed = app
        .send_body(
            Method::POST,
            "/incidents",
            &content_type,
            &[(axum::http::header::COOKIE, cookie.clone())],
            body,
        )
        .await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.text());
    let location = filed.location().to_owned();
    assert!(location.starts_with("/incidents/"));
    let shown = app.page(&location, Some(&cookie)).await;
    shown.assert_status(StatusCode::OK);
    assert!(shown.text().contains("دو کارتن تعرفه مفقود شده است."));
    assert!(
        !shown.text().contains("id=\"incident-step-form\""),
        "inspectors do not step"
    );
}

#[tokio::test]
async fn the_governors_and_the_hqs_pages_lead_to_the_incidents() {
    let app = TestApp::new().await;
    let governor = app.browser_login("governor").await;
    let county = app
        .page(&format!("/counties/{OWN_COUNTY}"), Some(&governor))
        .await
        .text();
    assert!(county.contains("href=\"/incidents\""), "the menu");
    assert!(county.contains(&format!("href=\"/incidents?county={OWN_COUNTY}\"")));
    let hq = app.browser_login("hq").await;
    let home = app.page("/", Some(&hq)).await.text();
    assert!(home.contains("id=\"incidents-links\""));
    assert!(home.contains("href=\"/incidents?overdue=1\""));
    // The boards that have no part in incidents are not led there.
    let executive = app.browser_login("executive").await;
    let page = app
        .page(&format!("/counties/{OWN_COUNTY}"), Some(&executive))
        .await
        .text();
    assert!(!page.contains("href=\"/incidents"), "executive board");
}
