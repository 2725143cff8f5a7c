//! Issue 18 §5 through the API: a council's complete result approved by the county's executive
//! board, held from confirmation while a candidate's complaint waits (decided, objected to,
//! heard), confirmed, reopened with a reason and certified anew; complaints refused outside
//! their window or from someone who is not the council's candidate.

use crate::election_day::{act, council_codes, election_day, own_station, OPENING};
use crate::support::{demo, Kiosk, TestApp};
use axum::http::Method;
use serde_json::{json, Value};

async fn result(app: &TestApp, council: &str) -> Value {
    app.get(&format!("/api/v1/results/{council}"), None)
        .await
        .json()
}

async fn step(
    app: &TestApp,
    token: &str,
    council: &str,
    step: &str,
    reason: &str,
) -> crate::support::Reply {
    app.json(
        Method::POST,
        &format!("/api/v1/results/{council}/certification"),
        Some(token),
        &json!({ "step": step, "reason": reason }).to_string(),
    )
    .await
}

#[tokio::test]
async fn a_result_is_approved_held_by_a_complaint_confirmed_reopened_and_certified_anew() {
    let (app, token, roll) = election_day().await;
    let station = own_station();
    let council = roll[0].council.clone();
    let codes = council_codes(&app, &council).await;
    assert_eq!(
        act(&app, &token, &station, "open", OPENING).await.status,
        200
    );
    let kiosk = Kiosk::pair(&app, &token, &station).await;
    for voter in roll.iter().take(2) {
        kiosk
            .check_in_and_vote(
                &app,
                &token,
                &station,
                voter.national_id.as_str(),
                &codes[..1],
            )
            .await;
    }
    app.clock.set(time::macros::datetime!(2026-05-01 15:00 UTC));
    let token = app.token("station").await;
    assert_eq!(act(&app, &token, &station, "close", "").await.status, 200);
    crate::results::decrypt(&app, &station).await;
    crate::minutes::sign_all(&app, &token, &station).await;

    // Approving waits for every station: the council's others are annulled (never opened).
    let executive = app.token("executive").await;
    let supervision = app.token("supervision").await;
    let others: Vec<String> = result(&app, &council).await["stations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["code"].as_str().unwrap().to_owned())
        .filter(|code| *code != station)
        .collect();
    if !others.is_empty() {
        step(&app, &executive, &council, "approve", "")
            .await
            .assert_problem(409, "result_incomplete");
    }
    for other in &others {
        let annulled = app
            .json(
                Method::POST,
                &format!("/api/v1/stations/{other}/annulment"),
                Some(&supervision),
                &json!({"reason": "شعبه دایر نشد"}).to_string(),
            )
            .await;
        assert_eq!(annulled.status, 204, "{}", annulled.text());
    }
    assert_eq!(
        result(&app, &council).await["status"],
        "unofficial_complete"
    );
    // The page: the executive board sees the approval's form, the public none; a refused step
    // is named in Persian.
    let public_page = app.page(&format!("/results/{council}"), None).await.text();
    assert!(!public_page.contains("data-step="), "{public_page}");
    let board = app.browser_login("supervision").await;
    let board_page = app
        .page(&format!("/results/{council}"), Some(&board))
        .await
        .text();
    assert!(board_page.contains("data-step=\"confirm\""), "{board_page}");
    assert!(
        !board_page.contains("data-step=\"approve\""),
        "{board_page}"
    );
    let refused = app
        .post_fields(
            &format!("/results/{council}/certification"),
            Some(&board),
            &[
                ("csrf_token", &crate::support::csrf_of(&board_page)),
                ("step", "confirm"),
                ("reason", ""),
            ],
        )
        .await;
    assert!(
        refused.text().contains("این گام به ترتیب نیست"),
        "{}",
        refused.text()
    );
    let governor = app.token("governor").await;
    assert_eq!(
        step(&app, &governor, &council, "approve", "").await.status,
        403
    );
    assert_eq!(
        step(&app, &supervision, &council, "approve", "")
            .await
            .status,
        403
    );
    step(&app, &executive, &council, "confirm", "")
        .await
        .assert_problem(403, "forbidden");
    let approved = step(&app, &executive, &council, "approve", "").await;
    assert_eq!(approved.status, 201, "{}", approved.text());
    let now = result(&app, &council).await;
    assert_eq!(now["status"], "approved");
    assert_eq!(now["reported"], "unofficial_complete");
    assert_eq!(now["certification"][0]["step"], "approve");
    assert_eq!(now["changed_since_approval"], false);
    // Its zero-vote candidates tie across a seat's boundary where only the lottery decides: the
    // approval drew the seed and published its commitment, not the seed.
    let awaiting = |r: &Value| {
        r["ties"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["awaiting_lottery"] == true)
    };
    assert!(awaiting(&now), "{now}");
    let commitment = now["lottery"]["commitment"].as_str().unwrap().to_owned();
    assert_eq!(now["lottery"]["seed"], Value::Null);
    assert_eq!(approved.json()["lottery_commitment"], commitment.as_str());

    // A candidate of the council complains about the station: public, by tracking code and
    // national id; someone else is refused, and so is a text too short.
    let candidate = demo()
        .registrations
        .iter()
        .find(|r| r.application.council == council && r.candidate_code.is_some())
        .expect("an approved candidate of the council with a registration");
    let filing = |national_id: &str, text: &str| {
        json!({
            "tracking_code": candidate.tracking_code,
            "national_id": national_id,
            "council": council,
            "station": station,
            "text": text,
        })
        .to_string()
    };
    let text = "شمارش این شعبه بدون حضور ناظر انجام شد";
    app.json(
        Method::POST,
        "/api/v1/results/complaints",
        None,
        &filing("0018465986", text),
    )
    .await
    .assert_problem(409, "complaint_not_a_candidate");
    let national_id = candidate.application.national_id.as_str();
    app.json(
        Method::POST,
        "/api/v1/results/complaints",
        None,
        &filing(national_id, "کوتاه"),
    )
    .await
    .assert_problem(422, "complaint_text_length");
    let filed = app
        .json(
            Method::POST,
            "/api/v1/results/complaints",
            None,
            &filing(national_id, text),
        )
        .await;
    assert_eq!(filed.status, 201, "{}", filed.text());
    let id = filed.json()["id"].as_i64().unwrap();
    assert_eq!(
        filed.json()["candidate"],
        candidate.candidate_code.clone().unwrap()
    );
    // The public list shows where it stands, its text only to the boards.
    let public = app.get("/api/v1/results/complaints", None).await.json();
    assert_eq!(public[0]["pending"], true);
    assert_eq!(public[0]["text"], Value::Null);
    let boards = app
        .get("/api/v1/results/complaints", Some(&supervision))
        .await
        .json();
    assert_eq!(boards[0]["text"], text);

    // Pending, it holds the confirmation; decided, objected to, it holds it until heard.
    step(&app, &supervision, &council, "confirm", "")
        .await
        .assert_problem(409, "complaints_pending");
    let decision = |token: &str, body: Value| {
        let app = &app;
        let token = token.to_owned();
        async move {
            app.json(
                Method::POST,
                &format!("/api/v1/results/complaints/{id}/decision"),
                Some(&token),
                &body.to_string(),
            )
            .await
        }
    };
    assert_eq!(
        decision(&executive, json!({"outcome": "rejected", "reason": "x"}))
            .await
            .status,
        403
    );
    let decided = decision(
        &supervision,
        json!({"outcome": "rejected", "reason": "گزارش ناظر خلاف آن است"}),
    )
    .await;
    assert_eq!(decided.status, 200, "{}", decided.text());
    assert_eq!(decided.json()["decision"]["ruling"], "rejected");
    decision(
        &supervision,
        json!({"outcome": "recount_ordered", "reason": "دوباره"}),
    )
    .await
    .assert_problem(409, "complaint_already_decided");
    let objection = json!({
        "tracking_code": candidate.tracking_code,
        "national_id": national_id,
        "text": "گزارش ناظر را ندیده‌ام و اعتراض دارم",
    })
    .to_string();
    let objected = app
        .json(
            Method::POST,
            &format!("/api/v1/results/complaints/{id}/objection"),
            None,
            &objection,
        )
        .await;
    assert_eq!(objected.status, 200, "{}", objected.text());
    step(&app, &supervision, &council, "confirm", "")
        .await
        .assert_problem(409, "complaints_pending");
    let heard = app
        .json(
            Method::POST,
            &format!("/api/v1/results/complaints/{id}/hearing"),
            Some(&supervision),
            &json!({"hearing": "upheld", "reason": "تصمیم مستند است"}).to_string(),
        )
        .await;
    assert_eq!(heard.status, 200, "{}", heard.text());
    assert_eq!(heard.json()["pending"], false);
    // Nothing pending, but complaints may still be filed until the window closes.
    step(&app, &supervision, &council, "confirm", "")
        .await
        .assert_problem(409, "complaints_window_open");
    app.clock.set(time::macros::datetime!(2026-05-05 15:00 UTC));
    let supervision = app.token("supervision").await;
    let confirmed = step(&app, &supervision, &council, "confirm", "").await;
    assert_eq!(confirmed.status, 201, "{}", confirmed.text());
    let confirmed_result = result(&app, &council).await;
    assert_eq!(confirmed_result["status"], "confirmed");
    // Confirmed: the seed is revealed, it matches its commitment, and the draw decided the ties.
    let seed =
        domain::results::lottery::parse_seed(confirmed_result["lottery"]["seed"].as_str().unwrap())
            .unwrap();
    assert!(domain::results::lottery::reveals(&commitment, &seed));
    assert!(!awaiting(&confirmed_result), "{confirmed_result}");
    // The published record names what was certified: the approval's digest of the result
    // before the draw, which `sandoq tally` recomputes.
    let record = app.state.app.results().published().await.unwrap();
    let published = record
        .councils
        .iter()
        .find(|c| c.council == council)
        .unwrap();
    assert_eq!(
        published.certified_digest.as_deref(),
        approved.json()["digest"].as_str()
    );
    assert!(published.lottery.as_ref().unwrap().seed.is_some());

    // Reopened with a reason: unofficial again until approved anew.
    step(&app, &supervision, &council, "reopen", " ")
        .await
        .assert_problem(422, "certification_reason_length");
    let reopened = step(
        &app,
        &supervision,
        &council,
        "reopen",
        "بازشماری به دستور هیئت",
    )
    .await;
    assert_eq!(reopened.status, 201, "{}", reopened.text());
    assert_eq!(
        result(&app, &council).await["status"],
        "unofficial_complete"
    );
    let executive = app.token("executive").await;
    assert_eq!(
        step(&app, &executive, &council, "approve", "").await.status,
        201
    );
    let supervision = app.token("supervision").await;
    assert_eq!(
        step(&app, &supervision, &council, "confirm", "")
            .await
            .status,
        201
    );
    assert_eq!(
        step(&app, &supervision, &council, "publish", "")
            .await
            .status,
        201
    );
    let published = result(&app, &council).await;
    assert_eq!(published["status"], "published");
    assert_eq!(published["certification"].as_array().unwrap().len(), 6);

    // After the window no complaint is taken.
    app.json(
        Method::POST,
        "/api/v1/results/complaints",
        None,
        &filing(national_id, text),
    )
    .await
    .assert_problem(409, "complaint_outside_window");
    // Guessing a candidate's national id at their tracking code is bounded like a login.
    let mut limited = None;
    for attempt in 0..12 {
        let tried = app
            .json(
                Method::POST,
                "/api/v1/results/complaints",
                None,
                &filing("0018465986", text),
            )
            .await;
        if tried.status == 429 {
            limited = Some(attempt);
            tried.assert_problem(429, "too_many_attempts");
            break;
        }
    }
    assert!(limited.is_some(), "no limit in twelve attempts");
    assert_eq!(app.audit_actions("result.").await, 6);
    assert_eq!(app.audit_actions("complaint.").await, 4);
}
