//! Boards and their meetings, through the API and the pages.

use crate::support::{csrf_of, demo, enc, fresh_id, TestApp, FOREIGN_COUNTY, OWN_COUNTY};
use axum::http::{header, StatusCode};
use serde_json::json;

async fn register(app: &TestApp, token: &str, n: u32) -> String {
    let id = fresh_id(n);
    let r = app
        .post("/api/v1/people", token, &json!({"national_id": id, "first_name": "سعید", "last_name": "معتمد", "gender": "male", "birth_date": "1355/02/02"}).to_string())
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    id
}

#[tokio::test]
async fn the_governor_forms_the_county_inspection_board_of_three() {
    let (app, governor) = TestApp::with_token("governor").await;
    let board = format!("inspection-{OWN_COUNTY}");
    let inspection = app.token("inspection").await;
    let shown = app
        .get(&format!("/api/v1/boards/{board}"), Some(&governor))
        .await
        .json();
    assert_eq!(shown["size"], 3);
    let ids = [
        register(&app, &governor, 5001).await,
        register(&app, &governor, 5002).await,
        register(&app, &governor, 5003).await,
        register(&app, &governor, 5004).await,
    ];
    let member = |board: &str, id: &str| format!("/api/v1/boards/{board}/members/{id}");
    let appoint = async |id: &str, role: &str| {
        let body = json!({"role": role, "term_start": "1404/10/01"}).to_string();
        app.put(&member(&board, id), &governor, &body).await
    };
    for (id, role) in [(&ids[0], "head"), (&ids[1], "member"), (&ids[2], "member")] {
        let r = appoint(id, role).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    }
    let before = app.audit_count().await;
    for (id, role, code) in [
        (&ids[3], "member", "board_full"),
        (&ids[3], "trusted", "role_not_on_board"),
        (&ids[0], "member", "already_member"),
    ] {
        appoint(id, role).await.assert_problem(409, code);
    }
    let ended_before_it_starts =
        r#"{"role":"head","term_start":"1404/10/01","term_end":"1404/09/01"}"#;
    app.put(&member(&board, &ids[3]), &governor, ended_before_it_starts)
        .await
        .assert_problem(409, "invalid_term");
    app.put(
        &member(&board, "0499370890"),
        &governor,
        r#"{"role":"head"}"#,
    )
    .await
    .assert_problem(422, "invalid_national_id");
    app.assert_audit_count(before, "refusals write nothing")
        .await;
    let full = app
        .get(&format!("/api/v1/boards/{board}"), Some(&governor))
        .await
        .json();
    assert_eq!(full["members"].as_array().unwrap().len(), 3);
    assert!(full["vacancies"].as_array().unwrap().is_empty());
    // Another county's board, the province board, and other roles are out of reach.
    let foreign = format!("inspection-{FOREIGN_COUNTY}");
    for (board, token, body) in [
        (foreign.as_str(), &governor, r#"{"role":"head"}"#),
        ("inspection-province", &governor, r#"{"role":"member"}"#),
        (board.as_str(), &inspection, r#"{"role":"member"}"#),
    ] {
        app.put(&member(board, &ids[3]), token, body)
            .await
            .assert_problem(403, "forbidden");
    }
    app.get("/api/v1/boards/nonsense", Some(&governor))
        .await
        .assert_problem(404, "not_found");
    let r = app.delete(&member(&board, &ids[1]), &governor).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(app.audit_count().await, before + 1);
}

#[tokio::test]
async fn a_board_records_its_meeting_and_prints_the_minutes() {
    let (app, governor) = TestApp::with_token("governor").await;
    let board = format!("inspection-{OWN_COUNTY}");
    let head = register(&app, &governor, 5101).await;
    let member = register(&app, &governor, 5102).await;
    for (id, role) in [(&head, "head"), (&member, "member")] {
        let r = app
            .put(
                &format!("/api/v1/boards/{board}/members/{id}"),
                &governor,
                &json!({"role": role}).to_string(),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    }
    // The inspection board records its own meeting through its page's form.
    let cookie = app.browser_login("inspection").await;
    let page = app.page(&format!("/boards/{board}"), Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(
        html.contains("id=\"meeting-form\""),
        "members of the board may record"
    );
    assert!(!html.contains("id=\"appoint-form\""), "but not appoint");
    let csrf = csrf_of(&html);
    let form = format!(
        "csrf_token={csrf}&held_at=1404%2F11%2F02+10%3A00&agenda={}&minutes={}&present={head}&decision_text={}&decision_owner={}&decision_due=1404%2F11%2F10&decision_text=&decision_owner=&decision_due=",
        enc("تعیین بازرسان شعب شهر کرمان"),
        enc("جلسه با حضور رئیس هیأت تشکیل شد."),
        enc("فهرست بازرسان تا ده بهمن تکمیل شود"),
        enc("رئیس هیأت"),
    );
    let before = app.audit_count().await;
    let r = app
        .post_form(&format!("/boards/{board}/meetings"), Some(&cookie), &form)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(app.audit_count().await, before + 1);
    let location = r
        .headers
        .get(header::LOCATION)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let minutes = app.page(&location, Some(&cookie)).await;
    assert_eq!(minutes.status, StatusCode::OK);
    let html = minutes.text();
    assert!(html.contains("صورتجلسه هیأت بازرسی شهرستان کرمان"));
    assert!(html.contains("۲ بهمن ۱۴۰۴"), "Jalali date of the meeting");
    assert!(html.contains("حاضر") && html.contains("غایب"));
    assert!(html.contains("فهرست بازرسان تا ده بهمن تکمیل شود") && html.contains("۱۴۰۴/۱۱/۱۰"));
    assert!(html.contains("data-print"));
    // The print layer's letterhead: the issuer, the county's governorate, the election.
    assert!(html.contains(r#"class="letterhead"#), "{html}");
    assert!(html.contains("ستاد انتخابات استان کرمان · فرمانداری شهرستان کرمان"));
    assert!(html.contains("تاریخ چاپ"));

    // Through the API: the meeting is listed and readable; a bad one is refused whole.
    let list = app
        .get(&format!("/api/v1/boards/{board}/meetings"), Some(&governor))
        .await
        .json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["decisions"][0]["owner"], "رئیس هیأت");
    let bad = app
        .post(
            &format!("/api/v1/boards/{board}/meetings"),
            &governor,
            &json!({"held_at": "1404/11/03 10:00", "agenda": "", "attendance": []}).to_string(),
        )
        .await;
    bad.assert_problem(422, "invalid_field");
    let stranger = app
        .post(&format!("/api/v1/boards/{board}/meetings"), &governor, &json!({"held_at": "1404/11/03 10:00", "agenda": "x", "attendance": [{"national_id": demo().people[0].national_id, "present": true}]}).to_string())
        .await;
    stranger.assert_problem(422, "invalid_field");
    let executive = app.token("executive").await;
    app.post(
        &format!("/api/v1/boards/{board}/meetings"),
        &executive,
        &json!({"held_at": "1404/11/03 10:00", "agenda": "x"}).to_string(),
    )
    .await
    .assert_problem(403, "forbidden");
    let id = list[0]["id"].as_i64().unwrap();
    let observer = app.token("observer").await;
    app.get(&format!("/api/v1/meetings/{id}"), Some(&observer))
        .await
        .assert_status(StatusCode::OK);
}

#[tokio::test]
async fn board_form_refusals_are_shown_in_persian() {
    let (app, governor) = TestApp::with_token("governor").await;
    let board = format!("executive-{OWN_COUNTY}");
    let cookie = app.browser_login("governor").await;
    let page = app
        .page(&format!("/boards/{board}"), Some(&cookie))
        .await
        .text();
    assert!(page.contains("id=\"appoint-form\""));
    let csrf = csrf_of(&page);
    let chair = register(&app, &governor, 5201).await;
    let second = register(&app, &governor, 5202).await;
    let members = format!("/boards/{board}/members");
    let post = async |id: &str, role: &str| {
        let form = format!("csrf_token={csrf}&national_id={id}&role={role}&term_start=&term_end=");
        app.post_form(&members, Some(&cookie), &form).await
    };
    assert_eq!(post(&chair, "chair").await.status, StatusCode::SEE_OTHER);
    let refused = post(&second, "chair").await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.text().contains("id=\"board-error\"") && refused.text().contains("پر است"));
    let county_page = app
        .page(&format!("/counties/{OWN_COUNTY}"), Some(&cookie))
        .await
        .text();
    assert!(
        county_page.contains(&format!("data-board=\"{board}\""))
            && county_page.contains("کرسی خالی")
    );
}
