use crate::support::{
    demo, demo_council, demo_station, demo_user, items, TestApp, FOREIGN_COUNTY, OWN_COUNTY,
};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use domain::election::CouncilKind;
use serde_json::Value;
use std::collections::BTreeMap;

#[tokio::test]
async fn health_is_public() {
    let app = TestApp::new().await;
    let r = app.get("/healthz", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["backend"], "sqlite");
}

#[tokio::test]
async fn login_returns_token_role_and_scope() {
    let app = TestApp::new().await;
    let before = app.audit_count().await;
    let r = app.login("governor", "governor-1405").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let body = r.json();
    assert_eq!(body["role"], "county_governor");
    assert_eq!(
        body["scope"],
        serde_json::json!({"kind": "county", "county": OWN_COUNTY})
    );
    let token = body["token"].as_str().unwrap();
    assert!(token.len() >= 40);
    app.assert_audit_count(before + 1, "the login is audited")
        .await;
    let me = app.get("/api/v1/auth/me", Some(token)).await;
    assert_eq!(me.json()["username"], "governor");

    // Logout ends the token.
    let out = app.post("/api/v1/auth/logout", token, "").await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    app.get("/api/v1/auth/me", Some(token))
        .await
        .assert_problem(401, "unauthenticated");
}

#[tokio::test]
async fn wrong_password_and_unknown_user_are_refused_alike() {
    let app = TestApp::new().await;
    let before = app.audit_count().await;
    let wrong = app.login("hq", "nope-nope").await;
    wrong.assert_problem(401, "invalid_credentials");
    let unknown = app.login("ghost", "nope-nope").await;
    unknown.assert_problem(401, "invalid_credentials");
    assert_eq!(wrong.json()["detail"], unknown.json()["detail"]);
    app.assert_audit_count(before, "failed logins write nothing")
        .await;
}

/// A login from `peer` (the TCP address), with an `X-Forwarded-For` header when given.
async fn login_from(
    app: &TestApp,
    peer: &str,
    forwarded: Option<&str>,
    username: &str,
    password: &str,
) -> crate::support::Reply {
    let body = serde_json::json!({"username": username, "password": password}).to_string();
    let mut request = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/auth/login")
        .header(header::CONTENT_TYPE, "application/json")
        .extension(axum::extract::ConnectInfo(
            format!("{peer}:40000")
                .parse::<std::net::SocketAddr>()
                .or_else(|_| format!("[{peer}]:40000").parse())
                .unwrap(),
        ));
    if let Some(client) = forwarded {
        request = request.header("x-forwarded-for", client);
    }
    app.send(request.body(Body::from(body)).unwrap()).await
}

/// A stranger who fails on purpose from one address does not lock the account's owner out
/// from another (issue 15: every attempt was charged to the username first), and an IPv6
/// client cannot dodge the limit by changing address within its /64.
#[tokio::test]
async fn a_strangers_failures_lock_nobody_else_out() {
    let app = TestApp::with_config(web::Config {
        login_attempts_per_minute: 3,
        ..Default::default()
    })
    .await;
    let stranger = "203.0.113.7";
    for _ in 0..3 {
        login_from(&app, stranger, None, "station", "guess")
            .await
            .assert_problem(401, "invalid_credentials");
    }
    login_from(&app, stranger, None, "station", "station-1405")
        .await
        .assert_problem(429, "too_many_attempts");
    let owner = login_from(&app, "198.51.100.9", None, "station", "station-1405").await;
    assert_eq!(owner.status, StatusCode::OK, "{}", owner.text());

    for n in 1..=3 {
        login_from(&app, &format!("2001:db8:5:6::{n}"), None, "hq", "guess")
            .await
            .assert_problem(401, "invalid_credentials");
    }
    login_from(&app, "2001:db8:5:6::99", None, "hq", "hq-1405")
        .await
        .assert_problem(429, "too_many_attempts");
    let elsewhere = login_from(&app, "2001:db8:5:7::1", None, "hq", "hq-1405").await;
    assert_eq!(elsewhere.status, StatusCode::OK, "{}", elsewhere.text());
    // A username of 60 KB is refused unread, not kept as a key.
    login_from(&app, "192.0.2.1", None, &"x".repeat(60_000), "guess")
        .await
        .assert_problem(401, "invalid_credentials");
}

/// Behind a trusted proxy every client shares its address: the proxy's `X-Forwarded-For`
/// names the client; anyone else's is ignored (issue 15).
#[tokio::test]
async fn only_a_trusted_proxy_names_the_client() {
    let proxy = "10.0.0.2";
    let app = TestApp::with_config(web::Config {
        login_attempts_per_minute: 3,
        trusted_proxies: vec![proxy.parse().unwrap()],
        ..Default::default()
    })
    .await;
    for _ in 0..3 {
        login_from(&app, proxy, Some("203.0.113.7"), "station", "guess")
            .await
            .assert_problem(401, "invalid_credentials");
    }
    login_from(&app, proxy, Some("203.0.113.7"), "station", "station-1405")
        .await
        .assert_problem(429, "too_many_attempts");
    // Another client through the same proxy is another client.
    let other = login_from(&app, proxy, Some("198.51.100.9"), "station", "station-1405").await;
    assert_eq!(other.status, StatusCode::OK, "{}", other.text());
    // A client that is not the proxy cannot pass itself off as another by the header.
    for _ in 0..3 {
        login_from(
            &app,
            "192.0.2.50",
            Some("198.51.100.77"),
            "observer",
            "guess",
        )
        .await;
    }
    login_from(
        &app,
        "192.0.2.50",
        Some("198.51.100.78"),
        "observer",
        "observer-1405",
    )
    .await
    .assert_problem(429, "too_many_attempts");
}

#[tokio::test]
async fn login_is_rate_limited() {
    let app = TestApp::with_config(web::Config {
        login_attempts_per_minute: 3,
        ..Default::default()
    })
    .await;
    for _ in 0..3 {
        let r = app.login("observer", "wrong-pass").await;
        r.assert_problem(401, "invalid_credentials");
    }
    let r = app.login("observer", "observer-1405").await;
    r.assert_problem(429, "too_many_attempts");
    // Another user is not locked out by it.
    app.token("hq").await;
}

#[tokio::test]
async fn malformed_and_oversized_bodies_are_problems() {
    let app = TestApp::new().await;
    let before = app.audit_count().await;
    app.json(
        Method::POST,
        "/api/v1/auth/login",
        None,
        r#"{"username": "hq", "password": "#,
    )
    .await
    .assert_problem(400, "malformed_json");
    app.json(
        Method::POST,
        "/api/v1/auth/login",
        None,
        r#"{"user": "hq"}"#,
    )
    .await
    .assert_problem(400, "malformed_json");
    let huge = format!(
        r#"{{"username":"hq","password":"{}"}}"#,
        "x".repeat(200 * 1024)
    );
    app.json(Method::POST, "/api/v1/auth/login", None, &huge)
        .await
        .assert_problem(413, "payload_too_large");
    let token = app.token("hq").await;
    let before_put = app.audit_count().await;
    let huge_table = format!(
        r#"{{"city":[],"village":[],"overrides":{{"x":"{}"}}}}"#,
        "y".repeat(100 * 1024)
    );
    app.put("/api/v1/elections/shora-7/seat-table", &token, &huge_table)
        .await
        .assert_problem(413, "payload_too_large");
    app.put("/api/v1/elections/shora-7/seat-table", &token, "{not json")
        .await
        .assert_problem(400, "malformed_json");
    assert_eq!(app.audit_count().await, before_put);
    assert_eq!(
        before_put,
        before + 1,
        "only the successful login was recorded"
    );
}

#[tokio::test]
async fn invalid_national_id_is_422() {
    let (app, token) = TestApp::with_token("hq").await;
    let r = app.get("/api/v1/people/0499370890", Some(&token)).await;
    r.assert_problem(422, "invalid_national_id");
    assert!(r.json()["detail"].as_str().unwrap().contains("کد ملی"));
    app.get("/api/v1/people/1111111111", Some(&token))
        .await
        .assert_problem(422, "invalid_national_id");
    // A valid id typed in Persian digits is found.
    let person = &demo().people[3];
    let persian = domain::text::persian_digits(person.national_id.as_str());
    let found = app
        .get(
            &format!("/api/v1/people/{}", crate::support::enc(&persian)),
            Some(&token),
        )
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text());
    assert_eq!(found.json()["last_name"], person.last_name);
    app.get("/api/v1/people/0018465986", Some(&token))
        .await
        .assert_problem(404, "not_found");
}

async fn all_items(app: &TestApp, path: &str, token: &str) -> Vec<Value> {
    let mut items = Vec::new();
    for page in 1.. {
        let sep = if path.contains('?') { '&' } else { '?' };
        let r = app
            .get(&format!("{path}{sep}page={page}&per_page=500"), Some(token))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let body = r.json();
        let batch = body["items"].as_array().unwrap().clone();
        let total = body["total"].as_i64().unwrap();
        assert_eq!(body["per_page"], 500);
        items.extend(batch);
        if items.len() as i64 >= total {
            assert_eq!(items.len() as i64, total);
            break;
        }
    }
    items
}

#[tokio::test]
async fn demo_counts_read_back_through_the_api() {
    let (app, token) = TestApp::with_token("hq").await;
    let counties = app.get("/api/v1/counties", Some(&token)).await.json();
    assert_eq!(counties["total"], 25);
    assert!(items(&counties).any(|c| c["name"] == "کرمان" && c["code"] == OWN_COUNTY));

    let seat_histogram = |items: &[Value]| {
        let mut h = BTreeMap::new();
        for c in items {
            *h.entry(c["main_seats"].as_i64().unwrap()).or_insert(0) += 1;
        }
        h
    };
    let city = all_items(&app, "/api/v1/councils?kind=city", &token).await;
    assert_eq!(city.len(), 85);
    assert_eq!(
        seat_histogram(&city),
        BTreeMap::from([(5, 77), (7, 7), (11, 1)])
    );
    for field in [
        "code",
        "name",
        "kind",
        "county",
        "population",
        "main_seats",
        "alternate_seats",
    ] {
        assert!(city[0].get(field).is_some(), "council has {field}");
    }
    let village = all_items(&app, "/api/v1/councils?kind=village", &token).await;
    assert_eq!(village.len(), 2_855);
    assert_eq!(
        seat_histogram(&village),
        BTreeMap::from([(3, 2_713), (5, 142)])
    );

    let stations = all_items(&app, "/api/v1/stations", &token).await;
    assert_eq!(stations.len(), 3_003);
    let count = |f: &dyn Fn(&Value) -> bool| stations.iter().filter(|s| f(s)).count();
    assert_eq!(count(&|s| s["area"] == "urban"), 1_267);
    assert_eq!(count(&|s| s["area"] == "rural"), 1_736);
    assert_eq!(count(&|s| s["mobile"] == true), 1_325);
    assert_eq!(count(&|s| s["mobile"] == false), 1_678);

    let kerman = app
        .get(
            &format!("/api/v1/councils?county={OWN_COUNTY}&kind=city&per_page=5"),
            Some(&token),
        )
        .await
        .json();
    assert!(items(&kerman).all(|c| c["county"] == OWN_COUNTY && c["kind"] == "city"));
    app.get("/api/v1/councils?kind=town", Some(&token))
        .await
        .assert_problem(422, "invalid_field");
    app.get("/api/v1/councils?page=abc", Some(&token))
        .await
        .assert_problem(400, "invalid_query");
}

/// The API's reads of one county's data: the county, its councils and stations, one of each.
fn county_reads(county: &str) -> Vec<String> {
    let council = demo_council(|c| c.county_code == county);
    let station = demo_station(|s| s.county_code == county);
    vec![
        format!("/api/v1/counties/{county}"),
        format!("/api/v1/councils?county={county}"),
        format!("/api/v1/stations?county={county}"),
        format!("/api/v1/councils/{}", council.code),
        format!("/api/v1/stations/{}", station.code),
    ]
}

/// The reads of county 05's data, and the audit log (the province's).
fn foreign_reads() -> Vec<String> {
    let mut reads = county_reads(FOREIGN_COUNTY);
    reads.push("/api/v1/audit".to_owned());
    reads
}

/// Every county-scoped role, on every API route that takes a county, asking for another one.
#[tokio::test]
async fn every_county_scoped_role_is_refused_other_counties() {
    let app = TestApp::new().await;
    let scoped: Vec<_> = demo()
        .users
        .iter()
        .filter(|u| u.scope.county().is_some())
        .collect();
    assert!(
        scoped.len() >= 4,
        "governor, inspection, executive, station"
    );
    for user in scoped {
        let token = app.token(&user.username).await;
        for path in foreign_reads() {
            let r = app.get(&path, Some(&token)).await;
            assert_eq!(
                r.status,
                StatusCode::FORBIDDEN,
                "{} on {path}: {}",
                user.username,
                r.text()
            );
            r.assert_problem(403, "forbidden");
        }
    }
}

/// Every API route that takes a county, with the governor of county 11 asking for county 05.
#[tokio::test]
async fn county_governor_is_confined_to_their_county() {
    let (app, token) = TestApp::with_token("governor").await;
    for path in foreign_reads() {
        app.assert_forbidden(&path, &token).await;
    }
    for path in county_reads(OWN_COUNTY) {
        let r = app.get(&path, Some(&token)).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text());
    }
    // Unfiltered lists shrink to the governor's county.
    let counties = app.get("/api/v1/counties", Some(&token)).await.json();
    assert_eq!(counties["total"], 1);
    let stations = app
        .get("/api/v1/stations?per_page=500", Some(&token))
        .await
        .json();
    let expected = demo()
        .stations
        .iter()
        .filter(|s| s.county_code == OWN_COUNTY)
        .count();
    assert_eq!(stations["total"], expected);
    assert!(items(&stations).all(|s| s["county"] == OWN_COUNTY));
}

#[tokio::test]
async fn station_staff_see_their_station_only() {
    let (app, token) = TestApp::with_token("station").await;
    let own = demo_user("station").scope.station().unwrap().to_owned();
    let list = app.get("/api/v1/stations", Some(&token)).await.json();
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["code"], own.as_str());
    app.get(&format!("/api/v1/stations/{own}"), Some(&token))
        .await
        .assert_status(StatusCode::OK);
    let other = demo_station(|s| s.county_code == OWN_COUNTY && s.code != own);
    app.assert_forbidden(&format!("/api/v1/stations/{}", other.code), &token)
        .await;
    app.assert_forbidden(&format!("/api/v1/counties/{OWN_COUNTY}"), &token)
        .await;
    app.assert_forbidden("/api/v1/councils", &token).await;
    app.get(
        &format!("/api/v1/people/{}", demo().people[0].national_id),
        Some(&token),
    )
    .await
    .assert_problem(403, "forbidden");
}

#[tokio::test]
async fn seat_table_edit_is_validated_audited_and_applied() {
    let (app, token) = TestApp::with_token("hq").await;
    let put_table = async |election: &str, table: &domain::election::SeatTable| {
        let path = format!("/api/v1/elections/{election}/seat-table");
        app.put(&path, &token, &serde_json::to_string(table).unwrap())
            .await
    };
    let before = app.audit_count().await;
    let mut table = domain::election::SeatTable::law_default();
    table.city.swap(0, 1);
    let r = put_table("shora-7", &table).await;
    r.assert_problem(422, "invalid_seat_table");
    app.assert_audit_count(before, "refused whole").await;

    let mut table = domain::election::SeatTable::law_default();
    table.city[0].max_population = Some(40_000);
    let expected = demo()
        .councils
        .iter()
        .filter(|c| c.kind == CouncilKind::City && c.population > 40_000 && c.population <= 50_000)
        .count();
    let r = put_table("shora-7", &table).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["councils_changed"], expected);
    assert_eq!(app.audit_count().await, before + 1);
    let current = app
        .get("/api/v1/elections/current", Some(&token))
        .await
        .json();
    assert_eq!(current["seat_table"]["city"][0]["max_population"], 40_000);
    put_table("nope", &table)
        .await
        .assert_problem(404, "not_found");
}

#[tokio::test]
async fn cookie_requests_need_the_csrf_token() {
    let (app, cookie) = TestApp::with_session("hq").await;
    let page = app.page("/", Some(&cookie)).await;
    let csrf = crate::support::csrf_of(&page.text());
    let before = app.audit_count().await;
    let table = serde_json::to_string(&domain::election::SeatTable::law_default()).unwrap();
    let put = |csrf: Option<&str>| {
        let mut b = Request::builder()
            .method(Method::PUT)
            .uri("/api/v1/elections/shora-7/seat-table")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::COOKIE, cookie.clone());
        if let Some(c) = csrf {
            b = b.header("x-csrf-token", c);
        }
        b.body(Body::from(table.clone())).unwrap()
    };
    app.send(put(None)).await.assert_problem(403, "csrf_failed");
    app.send(put(Some("forged")))
        .await
        .assert_problem(403, "csrf_failed");
    app.assert_audit_count(before, "nothing written without the token")
        .await;
    let ok = app.send(put(Some(&csrf))).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text());
    assert_eq!(app.audit_count().await, before + 1);
}

#[tokio::test]
async fn unknown_api_paths_are_problem_404() {
    let app = TestApp::new().await;
    // Without a session nothing is said about which paths exist.
    app.get("/api/v1/nothing-here", None)
        .await
        .assert_problem(401, "unauthenticated");
    let token = app.token("observer").await;
    app.get("/api/v1/nothing-here", Some(&token))
        .await
        .assert_problem(404, "not_found");
}

#[tokio::test]
async fn sessions_expire() {
    let (app, token) = TestApp::with_token("hq").await;
    assert_eq!(
        app.get("/api/v1/auth/me", Some(&token)).await.status,
        StatusCode::OK
    );
    app.clock
        .advance(time::Duration::hours(8) + time::Duration::seconds(1));
    app.get("/api/v1/auth/me", Some(&token))
        .await
        .assert_problem(401, "unauthenticated");
}

/// A county's users read their county's people only (those holding its posts, sitting on its
/// boards, standing for its councils), and only those who appoint people see their mobile
/// numbers and relatives (issue 15: every role but station staff read the whole province's
/// registry, national ids, mobiles and relatives included).
#[tokio::test]
async fn the_people_registry_is_kept_to_the_county_and_contacts_to_who_appoints() {
    let app = TestApp::new().await;
    // Someone on the inspection board of the governor's county, someone on another county's.
    let by = store::Actor::new("test", app.state.clock.now());
    let member = |county: &'static str, n: u32| {
        let app = &app;
        let by = by.clone();
        async move {
            let id = crate::support::fresh_id(n);
            app.resident(&id, "1350/01/01", "حسن").await;
            app.store
                .add_board_member(
                    &format!("inspection-{county}"),
                    &id,
                    domain::boards::BoardRole::Member,
                    (time::macros::date!(2026 - 01 - 01), None),
                    &by,
                )
                .await
                .unwrap();
            domain::ids::NationalId::parse(&id).unwrap()
        }
    };
    let own = member(OWN_COUNTY, 7_101).await;
    let other = member(FOREIGN_COUNTY, 7_102).await;
    let own_id = own.as_str();
    let other_id = other.as_str();
    let governor = app.token("governor").await;
    let found = app
        .get(&format!("/api/v1/people/{own_id}"), Some(&governor))
        .await;
    found.assert_status(StatusCode::OK);
    assert!(found.json()["mobile"].is_string(), "{}", found.text());
    // Elsewhere's people are not found to a county's user (not forbidden: that would say
    // they exist).
    app.get(&format!("/api/v1/people/{other_id}"), Some(&governor))
        .await
        .assert_problem(404, "not_found");
    let searched = app
        .get(&format!("/api/v1/people?q={other_id}"), Some(&governor))
        .await;
    searched.assert_status(StatusCode::OK);
    assert_eq!(searched.json()["total"], 0);
    // The county's executive board vets, and appoints no one: no mobiles, no relatives.
    let executive = app.token("executive").await;
    let seen = app
        .get(&format!("/api/v1/people/{own_id}"), Some(&executive))
        .await;
    seen.assert_status(StatusCode::OK);
    assert!(seen.json()["mobile"].is_null(), "{}", seen.text());
    assert_eq!(seen.json()["relatives"], serde_json::json!([]));
    // Someone nobody appointed yet: in the pool the governor appoints from, not a board's to
    // read.
    let pooled = crate::support::fresh_id(7_103);
    app.resident(&pooled, "1350/01/01", "حسن").await;
    app.get(&format!("/api/v1/people/{pooled}"), Some(&governor))
        .await
        .assert_status(StatusCode::OK);
    app.get(&format!("/api/v1/people/{pooled}"), Some(&executive))
        .await
        .assert_problem(404, "not_found");
    // The HQ sees everyone, with their contacts.
    let hq = app.token("hq").await;
    let far = app
        .get(&format!("/api/v1/people/{other_id}"), Some(&hq))
        .await;
    far.assert_status(StatusCode::OK);
    assert!(far.json()["mobile"].is_string());
}
