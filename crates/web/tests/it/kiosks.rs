//! Issue 17 §1 through the API and the pages: the voter votes on a kiosk of their station,
//! never in the staff's session. A kiosk is paired by its station's staff with the code it
//! shows; a ballot is activated on it for one checked-in voter of that station, once, for a
//! while; the kiosk can do nothing else, shows nothing of a ballot that is not live, and stops
//! the moment its staff take it out of service.

use crate::election_day::{act, check_in, election_day, own_station, OPENING};
use crate::support::{bearer, demo_station, form, Kiosk, TestApp, OWN_COUNTY};
use axum::http::Method;
use domain::access::Scope;

const FORM: &str = "application/x-www-form-urlencoded";

/// The station staff's user of another station of the county, with a bearer token.
async fn staff_elsewhere(app: &TestApp) -> (String, String) {
    let station = own_station();
    let elsewhere = demo_station(|s| s.county_code == OWN_COUNTY && s.code != station);
    app.store
        .create_user(
            &store::NewUser {
                username: "staff-elsewhere".into(),
                password_hash: web::auth::hash_password("staff-elsewhere-1405").unwrap(),
                role: domain::access::Role::StationStaff,
                scope: Scope::Station {
                    county: elsewhere.county_code.clone(),
                    station: elsewhere.code.clone(),
                },
            },
            &store::Actor::new("test", app.state.clock.now()),
        )
        .await
        .unwrap();
    (elsewhere.code.clone(), app.token("staff-elsewhere").await)
}

async fn checked_in(app: &TestApp, token: &str, station: &str, national_id: &str) -> String {
    let r = check_in(app, token, station, national_id).await;
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()["ballot_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_kiosk_is_paired_by_its_stations_staff_and_casts_only_the_ballot_activated_on_it() {
    let (app, token, roll) = election_day().await;
    let station = own_station();
    assert_eq!(
        act(&app, &token, &station, "open", OPENING).await.status,
        200
    );
    let (elsewhere, other) = staff_elsewhere(&app).await;

    // Pairing: a code nobody shows is refused, a code typed wrong is said to be wrong, and a
    // signed-in caller is never made a kiosk.
    let path = format!("/api/v1/stations/{station}/kiosks");
    app.post(&path, &token, r#"{"pairing_code": "1234"}"#)
        .await
        .assert_problem(422, "invalid_pairing_code");
    app.post(&path, &token, r#"{"pairing_code": "00000000"}"#)
        .await
        .assert_problem(409, "pairing_code_unknown");
    app.json(Method::POST, "/api/v1/kiosk/pairing", Some(&token), "")
        .await
        .assert_problem(409, "signed_in_device");
    // Another station's staff cannot pair to ours, nor list our kiosks.
    let asked = app
        .json(Method::POST, "/api/v1/kiosk/pairing", None, "")
        .await;
    assert_eq!(asked.status, 201, "{}", asked.text());
    let code = asked.json()["pairing_code"].as_str().unwrap().to_owned();
    let waiting_secret = asked.json()["secret"].as_str().unwrap().to_owned();
    let body = serde_json::json!({ "pairing_code": code }).to_string();
    app.post(&path, &other, &body)
        .await
        .assert_problem(403, "forbidden");
    // Until paired, its secret is nobody's.
    app.get("/api/v1/kiosk", Some(&waiting_secret))
        .await
        .assert_problem(401, "unauthenticated");
    let paired = app.post(&path, &token, &body).await;
    assert_eq!(paired.status, 201, "{}", paired.text());
    assert_eq!(paired.json()["number"], 1);
    let kiosk = Kiosk {
        station: station.clone(),
        id: asked.json()["kiosk"].as_str().unwrap().to_owned(),
        secret: waiting_secret,
    };
    // A code pairs once.
    app.post(&path, &token, &body)
        .await
        .assert_problem(409, "pairing_code_unknown");
    let listed = app.get(&path, Some(&token)).await.json();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(kiosk.activation(&app).await, None);

    // The kiosk is nothing else: no staff route, no reading of the station.
    for (method, url, body) in [
        (Method::GET, format!("/api/v1/stations/{station}/day"), ""),
        (
            Method::GET,
            format!("/api/v1/stations/{station}/kiosks"),
            "",
        ),
        (
            Method::POST,
            "/api/v1/checkins".to_owned(),
            r#"{"station": "x", "national_id": "0018465986"}"#,
        ),
        (Method::GET, "/api/v1/auth/me".to_owned(), ""),
        (Method::GET, "/api/v1/elections/current".to_owned(), ""),
    ] {
        let r = app.json(method, &url, Some(&kiosk.secret), body).await;
        assert_eq!(r.status, 403, "{url}: {}", r.text());
    }
    let console = app
        .get(&format!("/stations/{station}/day"), Some(&kiosk.secret))
        .await;
    assert_eq!(console.status, 403, "{}", console.text());
    assert!(!console.text().contains("id=\"day-state\""));

    // A voter of our station: the ballot is activated on our kiosk only.
    let ballot_token = checked_in(&app, &token, &station, roll[0].national_id.as_str()).await;
    let other_kiosk = Kiosk::pair(&app, &other, &elsewhere).await;
    other_kiosk
        .activate(&app, &other, &ballot_token)
        .await
        .assert_problem(409, "ballot_of_other_station");
    let foreign_path = format!("/api/v1/stations/{station}/kiosks/{}/activation", kiosk.id);
    let token_body = serde_json::json!({ "ballot_token": ballot_token }).to_string();
    app.post(&foreign_path, &other, &token_body)
        .await
        .assert_problem(403, "forbidden");
    let activated = kiosk.activate(&app, &token, &ballot_token).await;
    assert_eq!(activated.status, 201, "{}", activated.text());
    assert_eq!(activated.json()["council"], roll[0].council.as_str());
    let activation = kiosk.activation(&app).await.unwrap();

    // Busy: another voter's ballot waits until this one is cast (or expires).
    let second_token = checked_in(&app, &token, &station, roll[1].national_id.as_str()).await;
    kiosk
        .activate(&app, &token, &second_token)
        .await
        .assert_problem(409, "kiosk_busy");

    // The screens: the staff's session and the other station's kiosk see nothing of it.
    let screen = form(&[("activation", &activation), ("council", "99999")]);
    for who in [&token, &other_kiosk.secret] {
        for path in ["/vote", "/vote/review", "/vote/cast", "/vote/challenge"] {
            let r = app
                .send_body(Method::POST, path, FORM, &[bearer(who)], screen.clone())
                .await;
            assert!(
                r.status == 403 || (r.status == 303 && r.location() == "/kiosk"),
                "{path}: {} {}",
                r.status,
                r.text()
            );
            assert!(!r.text().contains("id=\"ballot-form\""), "{path}");
            assert_eq!(r.header(axum::http::header::CACHE_CONTROL), "no-store");
        }
    }
    // Our kiosk shows the ballot of the activation's council, whatever the form says.
    let shown = app
        .send_body(
            Method::POST,
            "/vote",
            FORM,
            &[bearer(&kiosk.secret)],
            screen.clone(),
        )
        .await;
    assert_eq!(shown.status, 200, "{}", shown.text());
    assert!(shown.text().contains("id=\"ballot-form\""));
    assert!(shown
        .text()
        .contains(&format!("name=\"council\" value=\"{}\"", roll[0].council)));
    assert_eq!(shown.header(axum::http::header::CACHE_CONTROL), "no-store");
    let home = app.get("/kiosk", Some(&kiosk.secret)).await;
    assert!(
        home.text().contains("id=\"ballot-form\""),
        "{}",
        home.text()
    );
    assert!(
        !home.text().contains("action=\"/logout\""),
        "no way out of the kiosk"
    );

    // Cast: then the screens of that activation show nothing, to back or resubmit.
    let cast = kiosk.cast(&app, &[]).await;
    assert_eq!(cast.status, 201, "{}", cast.text());
    for path in ["/vote", "/vote/review", "/vote/cast"] {
        let r = app
            .send_body(
                Method::POST,
                path,
                FORM,
                &[bearer(&kiosk.secret)],
                screen.clone(),
            )
            .await;
        assert_eq!((r.status.as_u16(), r.location()), (303, "/kiosk"), "{path}");
    }
    assert_eq!(kiosk.activation(&app).await, None);
    let ready = app.get("/kiosk", Some(&kiosk.secret)).await.text();
    assert!(ready.contains("id=\"kiosk-ready\""), "{ready}");

    // An activation expires: the kiosk shows nothing, and the console activates it again.
    let activated = kiosk.activate(&app, &token, &second_token).await;
    assert_eq!(activated.status, 201, "{}", activated.text());
    app.clock.advance(domain::kiosk::ACTIVATION_TTL);
    assert_eq!(kiosk.activation(&app).await, None);
    let token = app.token("station").await;
    kiosk
        .cast(&app, &[])
        .await
        .assert_problem(409, "no_ballot_activated");
    let again = kiosk.vote(&app, &token, &second_token, &[]).await;
    assert_eq!(again.status, 201, "{}", again.text());

    // A console that no longer holds the token (its page was left) activates the voter's
    // ballot by their national id, once.
    checked_in(&app, &token, &station, roll[2].national_id.as_str()).await;
    let path = format!("/api/v1/stations/{station}/kiosks/{}/activation", kiosk.id);
    let by_voter = serde_json::json!({ "national_id": roll[2].national_id.as_str() }).to_string();
    app.post(
        &path,
        &token,
        &serde_json::json!({"national_id": roll[2].national_id.as_str(), "ballot_token": "x"})
            .to_string(),
    )
    .await
    .assert_problem(422, "invalid_field");
    let activated = app.post(&path, &token, &by_voter).await;
    assert_eq!(activated.status, 201, "{}", activated.text());
    assert_eq!(kiosk.cast(&app, &[]).await.status, 201);
    app.post(&path, &token, &by_voter)
        .await
        .assert_problem(409, "ballot_token_invalid");

    // Taken out of service: its secret stops at once.
    let retire = app
        .json(
            Method::DELETE,
            &format!("/api/v1/stations/{station}/kiosks/{}", kiosk.id),
            Some(&token),
            "",
        )
        .await;
    assert_eq!(retire.status, 204, "{}", retire.text());
    app.get("/api/v1/kiosk", Some(&kiosk.secret))
        .await
        .assert_problem(401, "unauthenticated");
    let audited = app.audit_actions("kiosk.").await;
    // Two pairings asked and made (ours, the other station's), four activations, one
    // retirement; the refusals wrote nothing.
    assert_eq!(audited, 2 + 2 + 4 + 1);
}

/// In the browser's way: the kiosk's cookie, its pairing screen, and a staff's session on the
/// same browser refused the kiosk.
#[tokio::test]
async fn a_browser_becomes_a_kiosk_only_without_a_staff_session() {
    let (app, token, _) = election_day().await;
    let station = own_station();
    // A staff's browser is not made a kiosk.
    let cookie = app.browser_login("station").await;
    let console = app
        .page(&format!("/stations/{station}/day"), Some(&cookie))
        .await
        .text();
    let csrf = crate::support::csrf_of(&console);
    assert!(console.contains("id=\"kiosks-panel\""), "{console}");
    assert!(!console.contains("id=\"start-vote\""));
    let refused = app
        .post_form(
            "/kiosk/pairing",
            Some(&cookie),
            &format!("csrf_token={csrf}"),
        )
        .await;
    assert_eq!(refused.status, 409, "{}", refused.text());
    assert!(refused.text().contains("id=\"kiosk-signed-in\""));

    // A fresh browser asks, keeps its secret as an HttpOnly cookie, and shows its code.
    let asked = app.post_form("/kiosk/pairing", None, "").await;
    assert_eq!((asked.status.as_u16(), asked.location()), (303, "/kiosk"));
    let set = asked.header(axum::http::header::SET_COOKIE).to_owned();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    let kiosk_cookie = asked.cookie(web::auth::KIOSK_COOKIE).unwrap();
    let screen = app.page("/kiosk", Some(&kiosk_cookie)).await;
    assert_eq!(screen.header(axum::http::header::CACHE_CONTROL), "no-store");
    let text = screen.text();
    let code: String = text
        .split("id=\"pairing-code\"><bdi>")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap()
        .to_owned();
    assert!(
        text.contains("http-equiv=\"refresh\""),
        "the kiosk looks again by itself"
    );

    // The head types the code on the console (Persian digits, with its space).
    let paired = app
        .post_form(
            &format!("/stations/{station}/kiosks"),
            Some(&cookie),
            &form(&[("csrf_token", &csrf), ("pairing_code", &code)]),
        )
        .await;
    assert_eq!(paired.status, 303, "{}", paired.text());
    let ready = app.page("/kiosk", Some(&kiosk_cookie)).await.text();
    assert!(ready.contains("id=\"kiosk-ready\""), "{ready}");
    // The kiosk's cookie wins over a staff session in the same browser: it is only a kiosk.
    let both = format!("{kiosk_cookie}; {cookie}");
    let console = app
        .page(&format!("/stations/{station}/day"), Some(&both))
        .await;
    assert_eq!(console.status, 403, "{}", console.text());
    let _ = token;
}

#[tokio::test]
async fn an_account_guessing_pairing_codes_is_slowed_and_only_itself() {
    let (app, token, _) = election_day().await;
    let station = own_station();
    let (elsewhere, other) = staff_elsewhere(&app).await;
    let path = format!("/api/v1/stations/{station}/kiosks");
    // Wrong codes, one after another: refused as unknown until the account's minute is spent
    // (the limiter lets one more through every three seconds, so the burst is bounded, not
    // timed).
    let mut unknown = 0;
    let limited = loop {
        let reply = app
            .post(&path, &token, r#"{"pairing_code": "00000000"}"#)
            .await;
        if reply.status == 429 {
            break reply;
        }
        reply.assert_problem(409, "pairing_code_unknown");
        unknown += 1;
        assert!(unknown <= 200, "pairing attempts are never limited");
    };
    assert!(unknown >= web::PAIRINGS_PER_MINUTE as usize, "{unknown}");
    limited.assert_problem(429, "too_many_attempts");
    // The limit is the account's: another station's staff still pair their kiosk.
    Kiosk::pair(&app, &other, &elsewhere).await;
    // The console's form is limited alike, in Persian.
    let cookie = app.browser_login("station").await;
    let console = app
        .page(&format!("/stations/{station}/day"), Some(&cookie))
        .await
        .text();
    let csrf = crate::support::csrf_of(&console);
    let page = app
        .post_form(
            &path.replace("/api/v1", ""),
            Some(&cookie),
            &form(&[("csrf_token", &csrf), ("pairing_code", "00000000")]),
        )
        .await;
    assert_eq!(page.status, 429, "{}", page.text());
    assert!(page.text().contains("بیش از حد مجاز"));
}
