//! Equipment tests (issue 16 §6, issue 17 §6): a station's staff run the test deck through the
//! station's kiosks, encrypted under the test key as real ballots are under the election's;
//! the run's tallies are decrypted and judged against the deck; test ballots never reach the
//! box, turnout or receipts; a failed deck keeps the station shut on election day until its
//! county overrides it with a reason.

use crate::election_day::{act, election_day, own_station, OPENING};
use crate::support::{csrf_of, demo_station, Kiosk, TestApp};
use serde_json::{json, Value};

/// The deck ballots of a run as the API shows them: (council, choices), in deck order.
fn deck_ballots(run: &Value) -> Vec<(String, Vec<String>)> {
    run["decks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| {
            let council = d["council"].as_str().unwrap().to_owned();
            d["ballots"].as_array().unwrap().iter().map(move |b| {
                let choices = b
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c.as_str().unwrap().to_owned())
                    .collect();
                (council.clone(), choices)
            })
        })
        .collect()
}

/// Activates a test ballot of `council` on the kiosk (as the station's staff, `token`) and
/// casts it there with `choices`: the cast's answer, or the activation's refusal.
async fn cast_test(
    app: &TestApp,
    token: &str,
    kiosk: &Kiosk,
    council: &str,
    choices: &[String],
) -> crate::support::Reply {
    let activated = app
        .post(
            &format!(
                "/api/v1/stations/{}/equipment-test/kiosks/{}/activation",
                kiosk.station, kiosk.id
            ),
            token,
            &json!({ "council": council }).to_string(),
        )
        .await;
    if activated.status != axum::http::StatusCode::CREATED {
        return activated;
    }
    let live = app.get("/api/v1/kiosk", Some(&kiosk.secret)).await.json();
    assert_eq!(live["ballot"]["test"], true, "{live}");
    assert_eq!(live["ballot"]["council"], council);
    kiosk.cast(app, choices).await
}

async fn counts(app: &TestApp, token: &str, station: &str) -> Value {
    let day = app
        .get(&format!("/api/v1/stations/{station}/day"), Some(token))
        .await;
    day.assert_status(axum::http::StatusCode::OK);
    day.json()["counts"].clone()
}

#[tokio::test]
async fn test_ballots_stay_out_of_the_box_and_a_failed_deck_keeps_the_station_shut_until_overridden(
) {
    let (app, token, roll) = election_day().await;
    let station = own_station();
    let base = format!("/api/v1/stations/{station}/equipment-test");
    // The demo's run of this station passed.
    let before = app.get(&base, Some(&token)).await;
    before.assert_status(axum::http::StatusCode::OK);
    assert_eq!(before.json()["standing"], "passed");
    let counts_before = counts(&app, &token, &station).await;
    let kiosk = Kiosk::pair(&app, &token, &station).await;

    // A run entered as the deck says passes: its tallies, decrypted with the test key, are
    // the deck's.
    let run = app.post(&base, &token, "").await.json();
    for (council, choices) in deck_ballots(&run) {
        let cast = cast_test(&app, &token, &kiosk, &council, &choices).await;
        cast.assert_status(axum::http::StatusCode::CREATED);
        let answer = cast.json();
        assert!(answer["receipt"].is_null() && answer["tracking_code"].is_null());
        assert_eq!(answer["test_run"]["id"], run["id"]);
    }
    // The kiosk's activation is spent by its cast: a second cast finds no ballot.
    kiosk
        .cast(&app, &[])
        .await
        .assert_problem(409, "no_ballot_activated");
    let passed = app.post(&format!("{base}/finish"), &token, "").await;
    passed.assert_status(axum::http::StatusCode::OK);
    assert_eq!(passed.json()["outcome"], "passed", "{}", passed.text());
    assert_eq!(
        app.audit_actions("equipment_test.ballot").await as usize,
        deck_ballots(&run).len()
    );

    // A new run: the tester enters every deck ballot but swaps the first marked one.
    let started = app.post(&base, &token, "").await;
    started.assert_status(axum::http::StatusCode::CREATED);
    let run = started.json();
    assert_eq!(run["outcome"], "running");
    app.post(&base, &token, "")
        .await
        .assert_problem(409, "test_run_in_progress");
    let ballots = deck_ballots(&run);
    assert!(ballots.len() > 2, "a deck of several ballots");
    let mut swapped = false;
    for (council, choices) in &ballots {
        let mut entered = choices.clone();
        if !swapped && !entered.is_empty() {
            // Another of the council's candidates in place of the first mark: a device that
            // records the wrong candidate.
            let other = ballots
                .iter()
                .filter(|(c, _)| c == council)
                .flat_map(|(_, b)| b.iter())
                .find(|code| !entered.contains(code))
                .cloned();
            if let Some(other) = other {
                entered[0] = other;
                swapped = true;
            }
        }
        cast_test(&app, &token, &kiosk, council, &entered)
            .await
            .assert_status(axum::http::StatusCode::CREATED);
    }
    assert!(swapped, "the deck has a ballot to spoil");
    // A test ballot with more marks than seats is refused like a real one.
    let (council, _) = &ballots[0];
    let every: Vec<String> = ballots
        .iter()
        .filter(|(c, _)| c == council)
        .flat_map(|(_, b)| b.iter().cloned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let seats = run["decks"][0]["seats"].as_u64().unwrap() as usize;
    if every.len() > seats {
        cast_test(&app, &token, &kiosk, council, &every)
            .await
            .assert_problem(422, "too_many_choices");
    }
    let finished = app.post(&format!("{base}/finish"), &token, "").await;
    finished.assert_status(axum::http::StatusCode::OK);
    let finished = finished.json();
    assert_eq!(finished["outcome"], "failed");
    assert!(
        finished["differences"].as_array().unwrap().len() >= 2,
        "the wrong candidate and the right one both differ: {finished}"
    );

    // None of it is a ballot: the station's counts, turnout and receipts are untouched.
    assert_eq!(counts(&app, &token, &station).await, counts_before);
    assert_eq!(counts_before["ballots"], 0);
    let turnout = app.get("/api/v1/turnout", None).await;
    assert_eq!(turnout.json()["checked_in"], 0);

    // The failed station does not open; nothing is written.
    let audit = app.audit_count().await;
    act(&app, &token, &station, "open", OPENING)
        .await
        .assert_problem(409, "equipment_test_not_passed");
    app.assert_audit_count(audit, "a refused opening writes nothing")
        .await;

    // Only the county (its governor, or the HQ) overrides, and only with a reason.
    let override_path = format!("{base}/override");
    app.post(&override_path, &token, r#"{"reason": "x"}"#)
        .await
        .assert_problem(403, "forbidden");
    let observer = app.token("observer").await;
    app.post(&override_path, &observer, r#"{"reason": "x"}"#)
        .await
        .assert_problem(403, "forbidden");
    let governor = app.token("governor").await;
    let audit = app.audit_count().await;
    app.post(&override_path, &governor, r#"{"reason": "   "}"#)
        .await
        .assert_problem(422, "reason_required");
    app.assert_audit_count(audit, "refusals write nothing")
        .await;
    let granted = app
        .post(
            &override_path,
            &governor,
            r#"{"reason": "دستگاه جایگزین پیش از گشایش آزموده شد"}"#,
        )
        .await;
    granted.assert_status(axum::http::StatusCode::OK);
    assert_eq!(granted.json()["by"], "governor");
    assert_eq!(app.audit_actions("equipment_test.override").await, 1);
    let now = app.get(&base, Some(&token)).await.json();
    assert_eq!(now["standing"], "overridden");

    // Now it opens, and real ballots count; test mode is closed to an open station.
    act(&app, &token, &station, "open", OPENING)
        .await
        .assert_status(axum::http::StatusCode::OK);
    app.post(&base, &token, "")
        .await
        .assert_problem(409, "station_open_for_test");
    cast_test(&app, &token, &kiosk, council, &[])
        .await
        .assert_problem(409, "no_test_run");
    let checked = app
        .post(
            "/api/v1/checkins",
            &token,
            &json!({"station": station, "national_id": roll[0].national_id.as_str()}).to_string(),
        )
        .await;
    checked.assert_status(axum::http::StatusCode::CREATED);
    let ballot_token = checked.json()["ballot_token"].as_str().unwrap().to_owned();
    let cast = kiosk.vote(&app, &token, &ballot_token, &[]).await;
    assert!(cast.status.is_success(), "{}", cast.text());
    let after = counts(&app, &token, &station).await;
    assert_eq!(
        (after["checkins"].clone(), after["ballots"].clone()),
        (json!(1), json!(1))
    );
    assert_eq!(
        app.get("/api/v1/turnout", None).await.json()["checked_in"],
        1
    );
}

#[tokio::test]
async fn test_mode_uses_the_ballot_screens_marked_as_a_test_and_the_readiness_picture_shows_the_standing(
) {
    let (app, _token, _) = election_day().await;
    let station = own_station();
    let cookie = app.browser_login("station").await;
    let here = format!("/stations/{station}/equipment-test");
    let page = app.page(&here, Some(&cookie)).await;
    page.assert_status(axum::http::StatusCode::OK);
    let html = page.text();
    assert!(html.contains(r#"data-standing="passed""#), "{html}");
    assert!(html.contains(r#"id="start-test""#));
    let csrf = csrf_of(&html);

    let staff = app.token("station").await;
    let kiosk = Kiosk::pair(&app, &staff, &station).await;
    let kiosk_cookie = format!("{}={}", web::auth::KIOSK_COOKIE, kiosk.secret);
    let started = app
        .post_fields(
            &format!("{here}/start"),
            Some(&cookie),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(started.location(), format!("{here}?done=start"));
    let page = app.page(started.location(), Some(&cookie)).await.text();
    assert!(page.contains(r#"id="next-test-ballot""#), "{page}");
    // The next deck ballot's council, and the station's kiosk to activate it on.
    let council = page
        .split(r#"name="council" value=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    assert!(
        page.contains(&format!(r#"data-kiosk="{}""#, kiosk.id)),
        "{page}"
    );
    let activated = app
        .post_fields(
            &format!("{here}/kiosks/{}/activate", kiosk.id),
            Some(&cookie),
            &[("csrf_token", &csrf), ("council", &council)],
        )
        .await;
    assert_eq!(activated.location(), format!("{here}?done=activated"));

    // The kiosk shows the election day's ballot screen with the test's banner.
    let ballot = app.page("/kiosk", Some(&kiosk_cookie)).await;
    ballot.assert_status(axum::http::StatusCode::OK);
    // No voting screen is kept by the browser (issue 17): going back shows nothing.
    assert_eq!(ballot.header(axum::http::header::CACHE_CONTROL), "no-store");
    let ballot = ballot.text();
    assert!(ballot.contains(r#"id="test-mode-banner""#), "{ballot}");
    assert!(ballot.contains(r#"action="/vote/review""#));
    assert!(ballot.contains(r#"id="ballot-form""#));
    let kiosk_csrf = csrf_of(&ballot);
    let activation = ballot
        .split(r#"name="activation" value=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    // The first deck ballot is the blank one: reviewed (a test ballot is not challenged),
    // then cast into the run.
    let fields = [
        ("csrf_token", kiosk_csrf.as_str()),
        ("activation", activation.as_str()),
        ("council", council.as_str()),
        ("choices", ""),
    ];
    let review = app
        .post_fields("/vote/review", Some(&kiosk_cookie), &fields)
        .await
        .text();
    assert!(review.contains(r#"id="test-mode-banner""#), "{review}");
    assert!(review.contains(r#"action="/vote/cast""#));
    assert!(!review.contains(r#"action="/vote/challenge""#));
    let cast = app
        .post_fields("/vote/cast", Some(&kiosk_cookie), &fields)
        .await;
    cast.assert_status(axum::http::StatusCode::OK);
    let cast = cast.text();
    assert!(cast.contains(r#"id="test-ballot-cast""#), "{cast}");
    assert!(!cast.contains(r#"id="receipt-code""#));
    let run = app
        .get(
            &format!("/api/v1/stations/{station}/equipment-test"),
            Some(&staff),
        )
        .await
        .json();
    assert_eq!(run["runs"][0]["cast"][&council], 1);
    // The same screen sent again shows nothing: the activation is spent.
    let again = app
        .post_fields("/vote/cast", Some(&kiosk_cookie), &fields)
        .await;
    assert_eq!(again.location(), "/kiosk");
    // The staff's own browser casts nothing: the voting screens are a kiosk's.
    let staff_cast = app.post_fields("/vote/cast", Some(&cookie), &fields).await;
    assert_ne!(staff_cast.status, axum::http::StatusCode::OK);
    assert_eq!(
        staff_cast.header(axum::http::header::CACHE_CONTROL),
        "no-store"
    );
    assert_eq!(run["runs"][0]["cast"][&council], 1);

    // Finished early: failed, and the governor's readiness page lists the station as not
    // passed, with a way to its test page.
    let finished = app
        .post_fields(
            &format!("{here}/finish"),
            Some(&cookie),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(finished.location(), format!("{here}?done=finish"));
    let governor = app.browser_login("governor").await;
    let county = demo_station(|s| s.code == station).county_code.clone();
    let readiness = app
        .page(&format!("/counties/{county}/readiness"), Some(&governor))
        .await
        .text();
    assert!(
        readiness.contains(&format!(
            r#"<tr data-station="{station}" data-equipment="failed">"#
        )),
        "{readiness}"
    );
    let api = app
        .get(
            &format!("/api/v1/readiness?county={county}"),
            Some(&app.token("governor").await),
        )
        .await
        .json();
    let row = api["stations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["station"] == station.as_str())
        .unwrap()
        .clone();
    assert_eq!(row["equipment"], "failed");
    // The governor's test page offers the override; the station's staff's does not.
    let governor_page = app.page(&here, Some(&governor)).await.text();
    assert!(governor_page.contains(r#"id="override-form""#));
    let staff_page = app.page(&here, Some(&cookie)).await.text();
    assert!(!staff_page.contains(r#"id="override-form""#));
    assert!(staff_page.contains(r#"data-outcome="failed""#));
    // The station's page leads to its test page, and to its readiness and security pages for
    // those who may read them (the governor; not the station's staff).
    let staff_station_page = app
        .page(&format!("/stations/{station}"), Some(&cookie))
        .await
        .text();
    assert!(staff_station_page.contains(&format!(r#"href="{here}""#)));
    assert!(!staff_station_page.contains(&format!(r#"href="/stations/{station}/security""#)));
    let governor_station_page = app
        .page(&format!("/stations/{station}"), Some(&governor))
        .await
        .text();
    for page in ["security", "readiness", "equipment-test"] {
        assert!(
            governor_station_page.contains(&format!(r#"href="/stations/{station}/{page}""#)),
            "{page}"
        );
    }
    // The console, before the opening, says why an opening would be refused.
    let console = app
        .page(&format!("/stations/{station}/day"), Some(&cookie))
        .await
        .text();
    assert!(
        console.contains(r#"id="console-equipment" data-standing="failed""#),
        "{console}"
    );
}
