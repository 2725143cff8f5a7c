//! Issue 18 §1 through the API and the pages: a station whose devices failed is declared by the
//! county's governor, its paper ballots are counted by hand and entered by two different
//! officials, entries that differ are shown side by side and resolved by the county's executive
//! board with a reason, and the accepted hand count joins the devices' count in the council's
//! result and the minutes.

use crate::election_day::{act, council_codes, election_day, own_station, OPENING};
use crate::minutes::{draw, officials};
use crate::support::{csrf_of, Kiosk, Reply, TestApp};
use serde_json::{json, Value};

async fn hand_counts(app: &TestApp, station: &str) -> Value {
    let shown = app
        .get(
            &format!("/api/v1/results/stations/{station}/hand-counts"),
            None,
        )
        .await;
    assert_eq!(shown.status, 200, "{}", shown.text());
    shown.json()
}

async fn council_result(app: &TestApp, council: &str) -> Value {
    app.get(&format!("/api/v1/results/{council}"), None)
        .await
        .json()
}

fn standing(result: &Value, station: &str) -> String {
    result["stations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == station)
        .unwrap()["standing"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A hand count of one paper ballot for `voted` (the rest of its choices unused).
fn one_ballot(council: &str, codes: &[String], voted: &str, seats: u64) -> Value {
    let votes: serde_json::Map<String, Value> = codes
        .iter()
        .map(|c| (c.clone(), json!(u64::from(c == voted))))
        .collect();
    json!({
        "council": council,
        "ballots": 1,
        "blank": 0,
        "unused_choices": seats - 1,
        "votes": votes,
    })
}

async fn enter(app: &TestApp, token: &str, station: &str, body: &Value) -> Reply {
    app.post(
        &format!("/api/v1/stations/{station}/hand-counts"),
        token,
        &body.to_string(),
    )
    .await
}

#[tokio::test]
async fn a_paper_stations_hand_count_is_entered_twice_resolved_by_the_board_and_counted() {
    let (app, token, roll) = election_day().await;
    let station = own_station();
    let council = roll[0].council.clone();
    let codes = council_codes(&app, &council).await;
    let seats = council_result(&app, &council).await["main_seats"]
        .as_u64()
        .unwrap();
    assert_eq!(
        act(&app, &token, &station, "open", OPENING).await.status,
        200
    );
    // One ballot on the device before it failed.
    let kiosk = Kiosk::pair(&app, &token, &station).await;
    kiosk
        .check_in_and_vote(
            &app,
            &token,
            &station,
            roll[0].national_id.as_str(),
            std::slice::from_ref(&codes[0]),
        )
        .await;

    // Only the county's governor declares the fallback, once, with a reason.
    let declare = |token: String, reason: &'static str| {
        let app = &app;
        let path = format!("/api/v1/stations/{station}/paper-fallback");
        async move {
            app.post(&path, &token, &json!({ "reason": reason }).to_string())
                .await
        }
    };
    assert_eq!(declare(token.clone(), "خرابی").await.status, 403);
    let governor = app.token("governor").await;
    declare(governor.clone(), " ")
        .await
        .assert_problem(422, "hand_count_reason_length");
    let declared = declare(governor.clone(), "خرابی هر دو دستگاه رأی‌گیری").await;
    assert_eq!(declared.status, 201, "{}", declared.text());
    assert_eq!(declared.json()["paper"], true);
    assert_eq!(declared.json()["closed"], false);
    declare(governor.clone(), "دوباره")
        .await
        .assert_problem(409, "hand_count_already_paper");

    // The second voter checks in and votes on paper.
    let checked_in = app
        .post(
            "/api/v1/checkins",
            &token,
            &json!({"station": station, "national_id": roll[1].national_id.as_str()}).to_string(),
        )
        .await;
    assert_eq!(checked_in.status, 201, "{}", checked_in.text());
    let officials = officials(&app, &station).await;
    let (first, second) = (&officials[0].token, &officials[1].token);
    // Paper ballots are counted after the close.
    enter(
        &app,
        first,
        &station,
        &one_ballot(&council, &codes, &codes[1], seats),
    )
    .await
    .assert_problem(409, "hand_count_not_closed");
    app.clock.set(time::macros::datetime!(2026-05-01 14:30 UTC));
    let token = app.token("station").await;
    assert_eq!(act(&app, &token, &station, "close", "").await.status, 200);
    crate::results::decrypt(&app, &station).await;
    assert_eq!(
        standing(&council_result(&app, &council).await, &station),
        "hand_count_pending"
    );
    // The minutes wait for the hand count.
    draw(&app, &token, &station, json!({}))
        .await
        .assert_problem(409, "minutes_not_counted");

    // An entry that leaves a candidate out, or holds an absurd figure: refused, nothing written.
    let before = app.audit_count().await;
    let mut short = one_ballot(&council, &codes, &codes[1], seats);
    short["votes"].as_object_mut().unwrap().remove(&codes[0]);
    enter(&app, first, &station, &short)
        .await
        .assert_problem(422, "hand_count_wrong_candidates");
    let mut huge = one_ballot(&council, &codes, &codes[1], seats);
    huge["ballots"] = json!(10_000_000_000u64);
    enter(&app, first, &station, &huge)
        .await
        .assert_problem(422, "hand_count_figure_too_large");
    let mut elsewhere = one_ballot(&council, &codes, &codes[1], seats);
    elsewhere["council"] = json!("NO-SUCH");
    assert_eq!(enter(&app, first, &station, &elsewhere).await.status, 404);
    app.assert_audit_count(before, "refused entries write nothing")
        .await;

    // Two officials; the same one twice is refused; their entries differ.
    let entered = enter(
        &app,
        first,
        &station,
        &one_ballot(&council, &codes, &codes[1], seats),
    )
    .await;
    assert_eq!(entered.status, 201, "{}", entered.text());
    // The second official counts without seeing the first's figures.
    let after_one = &entered.json()["councils"][0];
    assert_eq!(after_one["entries_made"], 1);
    assert_eq!(after_one["entries"], json!([]));
    enter(
        &app,
        first,
        &station,
        &one_ballot(&council, &codes, &codes[1], seats),
    )
    .await
    .assert_problem(409, "hand_count_same_official");
    let differing = enter(
        &app,
        second,
        &station,
        &one_ballot(&council, &codes, &codes[0], seats),
    )
    .await;
    assert_eq!(differing.status, 201, "{}", differing.text());
    let shown = &differing.json()["councils"][0];
    assert_eq!(shown["entries"].as_array().unwrap().len(), 2);
    let fields: Vec<&str> = shown["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields.len(), 2, "{fields:?}");
    assert!(fields.contains(&codes[0].as_str()) && fields.contains(&codes[1].as_str()));
    assert_eq!(shown["accepted"], Value::Null);
    enter(
        &app,
        &officials[2].token,
        &station,
        &one_ballot(&council, &codes, &codes[1], seats),
    )
    .await
    .assert_problem(409, "hand_count_entries_complete");
    assert_eq!(
        standing(&council_result(&app, &council).await, &station),
        "hand_count_pending",
        "differing entries are never counted"
    );

    // The public page shows them side by side, the differing figures marked.
    let page = app
        .page(&format!("/results/stations/{station}/hand-counts"), None)
        .await;
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("data-state=\"differs\""), "{html}");
    assert_eq!(html.matches("data-differs").count(), 2, "{html}");
    assert!(html.contains("خرابی هر دو دستگاه رأی‌گیری"));
    assert!(
        !html.contains("hand-count-resolution"),
        "no form for the public"
    );

    // Only the county's executive board resolves, with a reason.
    let resolution = |reason: &str| {
        let mut body = one_ballot(&council, &codes, &codes[1], seats);
        body.as_object_mut().unwrap().remove("council");
        body["reason"] = json!(reason);
        body.to_string()
    };
    let path = format!("/api/v1/stations/{station}/hand-counts/{council}/resolution");
    let governor = app.token("governor").await;
    assert_eq!(
        app.post(&path, &governor, &resolution("بازشماری"))
            .await
            .status,
        403
    );
    let executive = app.token("executive").await;
    app.post(&path, &executive, &resolution(""))
        .await
        .assert_problem(422, "hand_count_reason_length");
    // On the page, the executive board sees the form; a figure that is not a number is named.
    let board = app.browser_login("executive").await;
    let page = app
        .page(
            &format!("/results/stations/{station}/hand-counts"),
            Some(&board),
        )
        .await
        .text();
    assert!(page.contains("hand-count-resolution"), "{page}");
    let csrf = csrf_of(&page);
    let refused = app
        .post_fields(
            &format!("/stations/{station}/hand-counts/{council}/resolution"),
            Some(&board),
            &[
                ("csrf_token", &csrf),
                ("ballots", "یک"),
                ("blank", "۰"),
                ("unused_choices", "۰"),
                ("reason", "x"),
            ],
        )
        .await;
    assert!(
        refused
            .text()
            .contains("«برگه‌های رأی» باید عددی درست و نامنفی باشد."),
        "{}",
        refused.text()
    );
    let resolved = app
        .post(&path, &executive, &resolution("بازشماری در حضور ناظران"))
        .await;
    assert_eq!(resolved.status, 201, "{}", resolved.text());
    let public = hand_counts(&app, &station).await;
    assert_eq!(
        public,
        resolved.json(),
        "the public read is what the board saw"
    );
    let shown = &public["councils"][0];
    assert_eq!(shown["resolution"]["reason"], "بازشماری در حضور ناظران");
    assert_eq!(shown["accepted"]["votes"][&codes[1]], 1);
    app.post(&path, &executive, &resolution("دوباره"))
        .await
        .assert_problem(409, "hand_count_resolved");

    // The accepted hand count joins the device's: two ballots, one vote each.
    let result = council_result(&app, &council).await;
    assert_eq!(standing(&result, &station), "not_signed");
    let votes = |code: &str| {
        result["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["code"] == code)
            .unwrap()["votes"]
            .as_u64()
            .unwrap()
    };
    assert_eq!((votes(&codes[0]), votes(&codes[1])), (1, 1));
    let station_row = result["stations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == station)
        .unwrap()
        .clone();
    assert_eq!(station_row["ballots"], 2);
    assert_eq!(station_row["findings"], json!([]), "ballots = check-ins");
    // The minutes hold both.
    let drawn = draw(&app, &token, &station, json!({})).await;
    assert_eq!(drawn.status, 201, "{}", drawn.text());
    let text = drawn.json()["versions"][0]["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(text.contains(&format!("council:{council}:2\n")), "{text}");
    assert!(text.contains(&format!("vote:{}:1\n", codes[1])), "{text}");
    // Audited: the declaration, two entries, the resolution.
    assert_eq!(app.audit_actions("station.paper_fallback").await, 1);
    assert_eq!(app.audit_actions("hand_count.").await, 3);
}
