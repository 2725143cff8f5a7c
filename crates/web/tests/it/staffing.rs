//! Stations, people and staffing through the API (issue 3).

use crate::support::{
    demo, demo_council, demo_station, fresh_id, items, TestApp, FOREIGN_COUNTY, OWN_COUNTY,
};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use domain::staffing::Post;
use serde_json::{json, Value};
use store::Actor;

fn new_station_body(council: &str) -> String {
    json!({
        "name": "شعبه تازه — مدرسه امام علي",
        "county": OWN_COUNTY,
        "council": council,
        "area": "urban",
        "expected_voters": 700,
        "address": "کرمان، بلوار جمهوری",
        "postal_code": "۷۶۱۷۸۴۵۶۷۸",
        "location": {"lat": 30.28, "lon": 57.07},
        "facilities": {"evoting_devices": 2, "identity_devices": 2, "power_backup": true, "cctv": true, "link": "fibre"}
    })
    .to_string()
}

fn own_city_council() -> String {
    demo_council(|c| c.county_code == OWN_COUNTY && c.kind == domain::election::CouncilKind::City)
        .code
        .clone()
}

#[tokio::test]
async fn governor_creates_edits_and_closes_a_station() {
    let (app, governor) = TestApp::with_token("governor").await;
    let before = app.audit_count().await;
    let r = app
        .post(
            "/api/v1/stations",
            &governor,
            &new_station_body(&own_city_council()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let created = r.json();
    let code = created["code"].as_str().unwrap().to_owned();
    let last = demo()
        .stations
        .iter()
        .filter(|s| s.county_code == OWN_COUNTY)
        .map(|s| s.code.clone())
        .max()
        .unwrap();
    assert_eq!(
        code,
        format!("{:07}", last.parse::<u64>().unwrap() + 1),
        "the county's next number"
    );
    assert_eq!(
        created["name"], "شعبه تازه — مدرسه امام علی",
        "names normalised"
    );
    assert_eq!(created["postal_code"], "7617845678");
    assert_eq!(app.audit_count().await, before + 1);

    let patched = app.patch(&format!("/api/v1/stations/{code}"), &governor, r#"{"closed": true, "facilities": {"evoting_devices": 3, "identity_devices": 2, "power_backup": true, "cctv": false, "link": "sim"}}"#).await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.text());
    let shown = app
        .get(&format!("/api/v1/stations/{code}"), Some(&governor))
        .await
        .json();
    assert_eq!(
        (shown["closed"].clone(), shown["facilities"]["link"].clone()),
        (json!(true), json!("sim"))
    );
    assert_eq!(app.audit_count().await, before + 2);

    // Bad input: a fixed station with a route, a mobile one without; nothing is written.
    let mobile_without_route = app
        .patch(
            &format!("/api/v1/stations/{code}"),
            &governor,
            r#"{"mobile": true}"#,
        )
        .await;
    mobile_without_route.assert_problem(422, "invalid_field");
    app.patch(
        &format!("/api/v1/stations/{code}"),
        &governor,
        r#"{"colour": "red"}"#,
    )
    .await
    .assert_problem(400, "malformed_json");
    let mut dup = serde_json::from_str::<Value>(&new_station_body(&own_city_council())).unwrap();
    dup["code"] = json!(code);
    app.post("/api/v1/stations", &governor, &dup.to_string())
        .await
        .assert_problem(409, "duplicate_station");
    let foreign_council = demo_council(|c| c.county_code == FOREIGN_COUNTY)
        .code
        .clone();
    app.post(
        "/api/v1/stations",
        &governor,
        &new_station_body(&foreign_council),
    )
    .await
    .assert_problem(422, "council_in_other_county");
    assert_eq!(app.audit_count().await, before + 2);
}

#[tokio::test]
async fn only_managers_edit_stations() {
    let app = TestApp::new().await;
    let own = demo_station(|s| s.county_code == OWN_COUNTY).code.clone();
    let foreign = demo_station(|s| s.county_code == FOREIGN_COUNTY)
        .code
        .clone();
    let governor = app.token("governor").await;
    app.patch(
        &format!("/api/v1/stations/{foreign}"),
        &governor,
        r#"{"name": "x"}"#,
    )
    .await
    .assert_problem(403, "forbidden");
    for user in ["inspection", "observer", "executive", "supervision"] {
        let token = app.token(user).await;
        app.patch(
            &format!("/api/v1/stations/{own}"),
            &token,
            r#"{"name": "تغییر"}"#,
        )
        .await
        .assert_problem(403, "forbidden");
        app.post(
            "/api/v1/stations",
            &token,
            &new_station_body(&own_city_council()),
        )
        .await
        .assert_problem(403, "forbidden");
    }
    let observer = app.token("observer").await;
    assert_eq!(
        app.get(&format!("/api/v1/stations/{own}/staff"), Some(&observer))
            .await
            .status,
        StatusCode::OK,
        "observers read"
    );
}

#[tokio::test]
async fn station_lists_filter_and_sort() {
    let (app, hq) = TestApp::with_token("hq").await;
    let r = app
        .get(
            &format!("/api/v1/stations?county={OWN_COUNTY}&area=rural&mobile=true&per_page=500"),
            Some(&hq),
        )
        .await
        .json();
    let expected = demo()
        .stations
        .iter()
        .filter(|s| s.county_code == OWN_COUNTY && s.mobile)
        .count();
    assert_eq!(r["total"], expected);
    assert!(items(&r).all(|s| s["mobile"] == true && !s["route"].as_array().unwrap().is_empty()));
    let sorted = app
        .get(
            "/api/v1/stations?sort=-expected_voters&per_page=3",
            Some(&hq),
        )
        .await
        .json();
    let v: Vec<i64> = items(&sorted)
        .map(|s| s["expected_voters"].as_i64().unwrap())
        .collect();
    assert!(v.windows(2).all(|w| w[0] >= w[1]));
    app.get("/api/v1/stations?area=space", Some(&hq))
        .await
        .assert_problem(422, "invalid_field");
}

#[tokio::test]
async fn station_csv_exports_and_imports_all_or_nothing() {
    let (app, governor) = TestApp::with_token("governor").await;
    let hq = app.token("hq").await;
    let export = app
        .get(
            &format!("/api/v1/stations/export.csv?county={OWN_COUNTY}"),
            Some(&governor),
        )
        .await;
    assert_eq!(export.status, StatusCode::OK);
    assert!(export.content_type().starts_with("text/csv"));
    let text = export.text();
    assert!(text.starts_with('\u{feff}'));
    let rows = text.lines().count() - 1;
    assert_eq!(
        rows,
        demo()
            .stations
            .iter()
            .filter(|s| s.county_code == OWN_COUNTY)
            .count()
    );
    // A county that does not exist is not an empty file.
    app.get("/api/v1/stations/export.csv?county=99", Some(&hq))
        .await
        .assert_problem(404, "not_found");
    app.assert_forbidden(
        &format!("/api/v1/stations/export.csv?county={FOREIGN_COUNTY}"),
        &governor,
    )
    .await;

    let before = app.audit_count().await;
    let ok = app
        .post_csv("/api/v1/stations/import", &governor, &text)
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text());
    assert_eq!(ok.json()["imported"], rows);
    assert_eq!(app.audit_count().await, before + 1);

    // Two bad rows: both reported by line, nothing written.
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[2] = lines[2].replacen(",urban,", ",town,", 1);
    let foreign = demo_station(|s| s.county_code == FOREIGN_COUNTY);
    let foreign_export = app
        .get(
            &format!("/api/v1/stations/export.csv?county={FOREIGN_COUNTY}"),
            Some(&hq),
        )
        .await
        .text();
    lines.push(foreign_export.lines().nth(1).unwrap().to_owned());
    lines[1] = lines[1].replacen(
        &demo_station(|s| s.county_code == OWN_COUNTY).name,
        "نام تغییر یافته",
        1,
    );
    let bad = app
        .post_csv("/api/v1/stations/import", &governor, &lines.join("\r\n"))
        .await;
    bad.assert_problem(422, "invalid_rows");
    let errors = bad.json()["errors"].clone();
    let reported: Vec<i64> = errors
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["line"].as_i64().unwrap())
        .collect();
    assert_eq!(reported, vec![3], "parse errors come first; {errors}");
    lines[2] = text.lines().nth(2).unwrap().to_owned();
    let only_foreign = app
        .post_csv("/api/v1/stations/import", &governor, &lines.join("\r\n"))
        .await;
    only_foreign.assert_problem(422, "invalid_rows");
    assert_eq!(only_foreign.json()["errors"][0]["line"], lines.len() as i64);
    assert!(only_foreign.json()["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains(&foreign.code));
    app.assert_audit_count(before + 1, "refused files write nothing")
        .await;
    let first = demo_station(|s| s.county_code == OWN_COUNTY);
    assert_eq!(
        app.get(&format!("/api/v1/stations/{}", first.code), Some(&governor))
            .await
            .json()["name"],
        first.name.as_str()
    );

    let wrong_type = app.post("/api/v1/stations/import", &governor, "{}").await;
    wrong_type.assert_problem(415, "unsupported_media_type");
}

fn person_body(id: &str, birth: &str) -> String {
    json!({"national_id": id, "first_name": "زهرا", "last_name": "بهرامي", "father_name": "علي", "gender": "female", "birth_date": birth, "mobile": "+989131234567", "education": "bachelor"}).to_string()
}

#[tokio::test]
async fn people_are_registered_once_and_found() {
    let (app, governor) = TestApp::with_token("governor").await;
    let id = fresh_id(7001);
    let persian_id = domain::text::persian_digits(&id);
    let r = app
        .post(
            "/api/v1/people",
            &governor,
            &person_body(&persian_id, "۱۳۶۵/۰۴/۰۱"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let body = r.json();
    assert_eq!(
        (
            body["national_id"].as_str(),
            body["last_name"].as_str(),
            body["mobile"].as_str()
        ),
        (Some(id.as_str()), Some("بهرامی"), Some("09131234567"))
    );
    let before = app.audit_count().await;
    app.post("/api/v1/people", &governor, &person_body(&id, "1365/04/01"))
        .await
        .assert_problem(409, "duplicate_person");
    app.post(
        "/api/v1/people",
        &governor,
        &person_body("0499370890", "1365/04/01"),
    )
    .await
    .assert_problem(422, "invalid_national_id");
    app.post(
        "/api/v1/people",
        &governor,
        &person_body(&fresh_id(7002), "1365/13/01"),
    )
    .await
    .assert_problem(422, "invalid_date");
    app.assert_audit_count(before, "refusals write nothing")
        .await;

    let found = app
        .get(
            &format!("/api/v1/people?q={}", crate::support::enc("بهرامی")),
            Some(&governor),
        )
        .await
        .json();
    assert!(items(&found).any(|p| p["national_id"] == id.as_str()));
    let by_id = app
        .get(&format!("/api/v1/people?q={}", &id[..7]), Some(&governor))
        .await
        .json();
    assert!(items(&by_id).all(|p| p["national_id"].as_str().unwrap().starts_with(&id[..7])));
    let observer = app.token("observer").await;
    app.post(
        "/api/v1/people",
        &observer,
        &person_body(&fresh_id(7003), "1365/04/01"),
    )
    .await
    .assert_problem(403, "forbidden");
}

/// Makes the person `national_id` an approved candidate for `council`, behind the API's back
/// (a candidacy that arrives after the staffing).
async fn make_candidate(app: &TestApp, council: &str, national_id: &str) {
    let by = Actor::new("test", app.state.clock.now());
    let added = app
        .store
        .add_candidate("shora-7", council, national_id, &by)
        .await;
    added.unwrap();
}

/// A station of the governor's county that the demo left unstaffed (the test demo has few people).
pub(crate) fn free_station() -> &'static domain::station::Station {
    let staffed: std::collections::HashSet<&str> = demo()
        .assignments
        .iter()
        .map(|a| a.station.as_str())
        .collect();
    demo()
        .stations
        .iter()
        .find(|s| s.county_code == OWN_COUNTY && !staffed.contains(s.code.as_str()) && !s.mobile)
        .unwrap()
}

pub(crate) async fn register(app: &TestApp, token: &str, n: u32, birth: &str) -> String {
    let id = fresh_id(n);
    let r = app
        .post("/api/v1/people", token, &person_body(&id, birth))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    id
}

pub(crate) async fn put_post(
    app: &TestApp,
    token: &str,
    station: &str,
    post: &str,
    id: &str,
) -> crate::support::Reply {
    app.put(
        &format!("/api/v1/stations/{station}/staff/{post}"),
        token,
        &json!({"national_id": id}).to_string(),
    )
    .await
}

#[tokio::test]
async fn every_staffing_rule_refuses_through_the_api_and_writes_nothing() {
    let (app, governor) = TestApp::with_token("governor").await;
    let station = free_station();
    let other = demo_station(|s| {
        s.county_code == OWN_COUNTY
            && s.code != station.code
            && s.council_code != station.council_code
    });
    let head = register(&app, &governor, 8001, "1360/01/01").await;
    let ok = put_post(&app, &governor, &station.code, "head", &head).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text());
    assert_eq!(ok.json()["post"], "head");
    let before = app.audit_count().await;

    let second = register(&app, &governor, 8002, "1360/01/01").await;
    let young = register(&app, &governor, 8003, "1388/01/01").await;
    let candidate = register(&app, &governor, 8004, "1350/01/01").await;
    let relative = fresh_id(8005);
    let r = app
        .post("/api/v1/people", &governor, &json!({"national_id": relative, "first_name": "رضا", "last_name": "نظری", "gender": "male", "birth_date": "1355/01/01", "relatives": [{"national_id": candidate, "relation": "sibling"}]}).to_string())
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let sitting = fresh_id(8006);
    let r = app
        .post("/api/v1/people", &governor, &json!({"national_id": sitting, "first_name": "حسن", "last_name": "شورایی", "gender": "male", "birth_date": "1350/01/01", "sitting_council_member": true}).to_string())
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    make_candidate(&app, &station.council_code, &candidate).await;
    let before = before + 5 + 1;
    assert_eq!(app.audit_count().await, before);

    for (post, id, code) in [
        ("head", second.as_str(), "post_taken"),
        ("member_1", young.as_str(), "underage"),
        ("member_1", candidate.as_str(), "candidate"),
        ("member_1", relative.as_str(), "candidate_relative"),
        ("governor_rep", sitting.as_str(), "sitting_council_member"),
    ] {
        put_post(&app, &governor, &station.code, post, id)
            .await
            .assert_problem(409, code);
    }
    put_post(&app, &governor, &other.code, "member_1", &head)
        .await
        .assert_problem(409, "already_serving");
    put_post(&app, &governor, &other.code, "inspector", &head)
        .await
        .assert_problem(409, "inspector_is_staff");
    put_post(&app, &governor, &station.code, "chairman", &second)
        .await
        .assert_problem(422, "invalid_field");
    put_post(&app, &governor, &station.code, "member_1", "0499370890")
        .await
        .assert_problem(422, "invalid_national_id");
    put_post(&app, &governor, &station.code, "member_1", &fresh_id(8999))
        .await
        .assert_problem(404, "not_found");
    let detail = put_post(&app, &governor, &station.code, "member_1", &young)
        .await
        .json()["detail"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(detail.contains("۱۸"), "{detail}");
    app.assert_audit_count(before, "no refusal writes anything")
        .await;

    // Undo: free the head's post, and the same person may take another.
    let freed = app
        .delete(
            &format!("/api/v1/stations/{}/staff/head", station.code),
            &governor,
        )
        .await;
    assert_eq!(freed.status, StatusCode::NO_CONTENT);
    put_post(&app, &governor, &other.code, "inspector", &head)
        .await
        .assert_status(StatusCode::OK);
    assert_eq!(app.audit_count().await, before + 2);
    let staff = app
        .get(
            &format!("/api/v1/stations/{}/staff", other.code),
            Some(&governor),
        )
        .await
        .json();
    assert!(staff
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["post"] == "inspector" && s["national_id"] == head.as_str()));

    // A closed station takes nobody.
    app.patch(
        &format!("/api/v1/stations/{}", station.code),
        &governor,
        r#"{"closed": true}"#,
    )
    .await;
    put_post(&app, &governor, &station.code, "head", &second)
        .await
        .assert_problem(409, "station_closed");
}

#[tokio::test]
async fn inspection_board_assigns_inspectors_only() {
    let (app, board) = TestApp::with_token("inspection").await;
    let governor = app.token("governor").await;
    let station = free_station();
    let id = register(&app, &board, 9001, "1360/01/01").await;
    put_post(&app, &board, &station.code, "head", &id)
        .await
        .assert_problem(403, "forbidden");
    put_post(&app, &board, &station.code, "inspector", &id)
        .await
        .assert_status(StatusCode::OK);
    let foreign = demo_station(|s| s.county_code == FOREIGN_COUNTY);
    put_post(&app, &board, &foreign.code, "inspector", &id)
        .await
        .assert_problem(403, "forbidden");
    let observer = app.token("observer").await;
    let other = register(&app, &governor, 9002, "1360/01/01").await;
    put_post(&app, &observer, &station.code, "head", &other)
        .await
        .assert_problem(403, "forbidden");
    app.delete(
        &format!("/api/v1/stations/{}/staff/inspector", station.code),
        &observer,
    )
    .await
    .assert_problem(403, "forbidden");
}

#[tokio::test]
async fn parallel_requests_never_make_two_inspectors() {
    let (app, governor) = TestApp::with_token("governor").await;
    let station = free_station().code.clone();
    let mut ids = Vec::new();
    for n in 0..8 {
        ids.push(register(&app, &governor, 9100 + n, "1360/01/01").await);
    }
    let before = app.audit_count().await;
    let mut tasks = Vec::new();
    for id in ids {
        let router = app.router.clone();
        let (token, station) = (governor.clone(), station.clone());
        tasks.push(tokio::spawn(async move {
            use tower::ServiceExt;
            let request = Request::builder()
                .method(Method::PUT)
                .uri(format!("/api/v1/stations/{station}/staff/inspector"))
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(json!({"national_id": id}).to_string()))
                .unwrap();
            router.oneshot(request).await.unwrap().status()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        1,
        "{statuses:?}"
    );
    assert!(statuses
        .iter()
        .all(|s| *s == StatusCode::OK || *s == StatusCode::CONFLICT));
    let staff = app
        .get(
            &format!("/api/v1/stations/{station}/staff"),
            Some(&governor),
        )
        .await
        .json();
    assert_eq!(
        staff
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["post"] == "inspector")
            .count(),
        1
    );
    assert_eq!(app.audit_count().await, before + 1);
}

#[tokio::test]
async fn coverage_figures_and_gaps() {
    let (app, hq) = TestApp::with_token("hq").await;
    let all = app.get("/api/v1/coverage", Some(&hq)).await.json();
    let counties = all.as_array().unwrap();
    assert_eq!(counties.len(), 25);
    let sum = |k: &str| counties.iter().map(|c| c[k].as_i64().unwrap()).sum::<i64>();
    assert_eq!(sum("stations"), 3_003);
    assert_eq!(sum("assignments"), demo().assignments.len() as i64);
    assert_eq!(
        sum("with_inspector"),
        demo()
            .assignments
            .iter()
            .filter(|a| a.post == Post::Inspector)
            .count() as i64
    );

    let governor = app.token("governor").await;
    let own = app.get("/api/v1/coverage", Some(&governor)).await.json();
    assert_eq!(own.as_array().unwrap().len(), 1);
    assert_eq!(own[0]["county"], OWN_COUNTY);
    app.assert_forbidden(
        &format!("/api/v1/coverage?county={FOREIGN_COUNTY}"),
        &governor,
    )
    .await;
    let gaps = app
        .get(
            &format!("/api/v1/coverage/gaps?county={OWN_COUNTY}&per_page=5"),
            Some(&governor),
        )
        .await
        .json();
    assert!(gaps["total"].as_i64().unwrap() > 0);
    assert_eq!(gaps["items"][0]["county"], OWN_COUNTY);
    assert!(!gaps["items"][0]["missing"].as_array().unwrap().is_empty());
    let station = gaps["items"][0]["station"].as_str().unwrap().to_owned();
    let missing = gaps["items"][0]["missing"][0].as_str().unwrap().to_owned();
    // Filling the gap raises the coverage.
    let id = register(&app, &governor, 9500, "1360/01/01").await;
    put_post(&app, &governor, &station, &missing, &id)
        .await
        .assert_status(StatusCode::OK);
    let after = app.get("/api/v1/coverage", Some(&governor)).await.json();
    assert_eq!(
        after[0]["assignments"].as_i64().unwrap(),
        own[0]["assignments"].as_i64().unwrap() + 1
    );
}

#[tokio::test]
async fn every_staffing_rule_refuses_through_the_form_with_its_reason() {
    let (app, governor) = TestApp::with_token("governor").await;
    let cookie = app.browser_login("governor").await;
    let page = app
        .page(&format!("/counties/{OWN_COUNTY}"), Some(&cookie))
        .await
        .text();
    let csrf = crate::support::csrf_of(&page);
    assert!(
        page.contains("کمبودها"),
        "the gap list is on the county page"
    );
    let station = free_station();
    let other = demo_station(|s| {
        s.county_code == OWN_COUNTY
            && s.code != station.code
            && s.council_code != station.council_code
    });
    let head = register(&app, &governor, 8101, "1360/01/01").await;
    let young = register(&app, &governor, 8102, "1388/01/01").await;
    let candidate = register(&app, &governor, 8103, "1350/01/01").await;
    let sitting = fresh_id(8104);
    app.post("/api/v1/people", &governor, &json!({"national_id": sitting, "first_name": "حسن", "last_name": "شورایی", "gender": "male", "birth_date": "1350/01/01", "sitting_council_member": true}).to_string()).await;
    let relative = fresh_id(8105);
    app.post("/api/v1/people", &governor, &json!({"national_id": relative, "first_name": "رضا", "last_name": "نظری", "gender": "male", "birth_date": "1355/01/01", "relatives": [{"national_id": candidate, "relation": "spouse"}]}).to_string()).await;
    make_candidate(&app, &station.council_code, &candidate).await;
    let back = format!("/counties/{OWN_COUNTY}?gpage=1%23gaps");
    let fill = |station: &str, post: &str, id: &str| {
        (
            format!("/stations/{station}/staff/{post}"),
            format!("csrf_token={csrf}&back={back}&national_id={id}"),
        )
    };

    let (path, form) = fill(&station.code, "head", &head);
    let ok = app.post_form(&path, Some(&cookie), &form).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    let before = app.audit_count().await;
    for (station_code, post, id, reason) in [
        (station.code.as_str(), "head", young.as_str(), "شخص دیگری"),
        (station.code.as_str(), "member_1", young.as_str(), "۱۸ سال"),
        (
            station.code.as_str(),
            "member_1",
            candidate.as_str(),
            "داوطلب شورای همین حوزه",
        ),
        (
            station.code.as_str(),
            "member_1",
            relative.as_str(),
            "خویشاوند نزدیک",
        ),
        (
            station.code.as_str(),
            "governor_rep",
            sitting.as_str(),
            "اعضای فعلی شوراها",
        ),
        (other.code.as_str(), "member_1", head.as_str(), "فقط یک سمت"),
        (
            other.code.as_str(),
            "inspector",
            head.as_str(),
            "بازرس نمی‌تواند",
        ),
        (station.code.as_str(), "member_2", "0499370890", "کد ملی"),
    ] {
        let (path, form) = fill(station_code, post, id);
        let r = app.post_form(&path, Some(&cookie), &form).await;
        assert!(r.status.is_client_error(), "{post} {id}: {}", r.status);
        let html = r.text();
        assert!(
            html.contains("id=\"staff-error\"") && html.contains(reason),
            "{post}: expected «{reason}»"
        );
    }
    app.assert_audit_count(before, "refused forms write nothing")
        .await;
    // Without the CSRF token the form is refused too.
    let r = app
        .post_form(
            &format!("/stations/{}/staff/member_1", station.code),
            Some(&cookie),
            &format!("national_id={head}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(app.audit_count().await, before);
}

#[tokio::test]
async fn station_staff_sheet_is_printable_and_scoped() {
    let app = TestApp::new().await;
    let staffed = &demo().assignments[0];
    let cookie = app.browser_login("governor").await;
    let station = demo_station(|s| s.code == staffed.station);
    let own = station.county_code == OWN_COUNTY;
    let hq = app.browser_login("hq").await;
    let sheet = app
        .page(&format!("/stations/{}/staff", station.code), Some(&hq))
        .await;
    assert_eq!(sheet.status, StatusCode::OK);
    let html = sheet.text();
    assert!(
        html.contains("برگه عوامل شعبه") && html.contains("رئیس شعبه") && html.contains("بازرس")
    );
    assert!(html.contains(&domain::text::persian_digits(staffed.national_id.as_str())));
    assert!(html.contains("data-print"));
    let governor_view = app
        .page(&format!("/stations/{}/staff", station.code), Some(&cookie))
        .await;
    assert_eq!(governor_view.status == StatusCode::OK, own);
}

#[tokio::test]
async fn the_inspector_roster_prints_the_county_inspectors() {
    let (app, governor) = TestApp::with_token("governor").await;
    let station = free_station();
    let id = register(&app, &governor, 9700, "1360/01/01").await;
    put_post(&app, &governor, &station.code, "inspector", &id)
        .await
        .assert_status(StatusCode::OK);
    let cookie = app.browser_login("governor").await;
    let roster = app
        .page(&format!("/counties/{OWN_COUNTY}/inspectors"), Some(&cookie))
        .await;
    assert_eq!(roster.status, StatusCode::OK);
    let html = roster.text();
    assert!(html.contains("فهرست بازرسان شعب شهرستان کرمان"));
    assert!(
        html.contains(&domain::text::persian_digits(&id))
            && html.contains(&domain::text::persian_digits(&station.code))
    );
    assert_eq!(
        html.matches("<tr><td class=\"num\">").count(),
        1,
        "one inspector in the governor's county of the small demo"
    );
    // A closed station's inspector is off the roster (the post is kept for the record).
    app.patch(
        &format!("/api/v1/stations/{}", station.code),
        &governor,
        r#"{"closed": true}"#,
    )
    .await
    .assert_status(StatusCode::OK);
    let closed = app
        .page(&format!("/counties/{OWN_COUNTY}/inspectors"), Some(&cookie))
        .await
        .text();
    assert!(!closed.contains(&domain::text::persian_digits(&id)));
    app.page(
        &format!("/counties/{FOREIGN_COUNTY}/inspectors"),
        Some(&cookie),
    )
    .await
    .assert_status(StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_governor_edits_and_closes_a_station_through_its_form() {
    let (app, cookie) = TestApp::with_session("governor").await;
    let station = demo_station(|s| s.county_code == OWN_COUNTY && !s.mobile);
    let page = app
        .page(&format!("/stations/{}", station.code), Some(&cookie))
        .await
        .text();
    assert!(page.contains("id=\"station-form\""));
    let csrf = crate::support::csrf_of(&page);
    let before = app.audit_count().await;
    let bad = app.post_form(&format!("/stations/{}/edit", station.code), Some(&cookie), &format!("csrf_token={csrf}&name=x&postal_code=123&expected_voters=500&evoting_devices=2&identity_devices=2&link=fibre")).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains("id=\"station-error\"") && bad.text().contains("کد پستی"));
    assert_eq!(app.audit_count().await, before);
    let ok = app.post_form(&format!("/stations/{}/edit", station.code), Some(&cookie), &format!("csrf_token={csrf}&name=%D8%B4%D8%B9%D8%A8%D9%87+%D9%86%D9%85%D9%88%D9%86%D9%87&postal_code=7617845678&expected_voters=%DB%B8%DB%B0%DB%B0&evoting_devices=3&identity_devices=2&link=sim&cctv=on&closed=on"))
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    assert_eq!(app.audit_count().await, before + 1);
    let hq = app.token("hq").await;
    let saved = app
        .get(&format!("/api/v1/stations/{}", station.code), Some(&hq))
        .await
        .json();
    assert_eq!(
        (
            saved["name"].as_str(),
            saved["expected_voters"].as_i64(),
            saved["closed"].as_bool()
        ),
        (Some("شعبه نمونه"), Some(800), Some(true))
    );
    assert_eq!(
        (
            saved["facilities"]["link"].as_str(),
            saved["facilities"]["cctv"].as_bool(),
            saved["facilities"]["power_backup"].as_bool()
        ),
        (Some("sim"), Some(true), Some(false))
    );
    // Closed stations are listed under their own filter.
    let closed = app
        .page(
            &format!("/counties/{OWN_COUNTY}?stype=closed"),
            Some(&cookie),
        )
        .await
        .text();
    assert!(closed.contains("شعبه نمونه"));
    let observer = app.browser_login("observer").await;
    let read_only = app
        .page(&format!("/stations/{}", station.code), Some(&observer))
        .await
        .text();
    assert!(!read_only.contains("id=\"station-form\""));
    let observer_csrf = crate::support::csrf_of(&read_only);
    let refused = app.post_form(&format!("/stations/{}/edit", station.code), Some(&observer), &format!("csrf_token={observer_csrf}&name=x&expected_voters=1&evoting_devices=1&identity_devices=1&link=none")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_later_candidacy_shows_as_a_conflict_on_the_governors_page() {
    let (app, governor) = TestApp::with_token("governor").await;
    let cookie = app.browser_login("governor").await;
    let clean = app
        .page(&format!("/counties/{OWN_COUNTY}"), Some(&cookie))
        .await
        .text();
    assert!(clean.contains("id=\"no-conflicts\""));
    let station = free_station();
    let id = register(&app, &governor, 9800, "1360/01/01").await;
    put_post(&app, &governor, &station.code, "head", &id)
        .await
        .assert_status(StatusCode::OK);
    make_candidate(&app, &station.council_code, &id).await;
    let conflicts = app
        .get(
            &format!("/api/v1/coverage/conflicts?county={OWN_COUNTY}"),
            Some(&governor),
        )
        .await
        .json();
    assert_eq!(conflicts.as_array().unwrap().len(), 1);
    assert_eq!(
        (
            conflicts[0]["station"].as_str(),
            conflicts[0]["post"].as_str(),
            conflicts[0]["code"].as_str()
        ),
        (Some(station.code.as_str()), Some("head"), Some("candidate"))
    );
    let page = app
        .page(&format!("/counties/{OWN_COUNTY}"), Some(&cookie))
        .await
        .text();
    assert!(page.contains("id=\"conflicts-table\"") && page.contains("داوطلب شورای همین حوزه"));
    app.assert_forbidden(
        &format!("/api/v1/coverage/conflicts?county={FOREIGN_COUNTY}"),
        &governor,
    )
    .await;
}
