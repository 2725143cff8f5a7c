//! A vetting file's standard inquiries and the legal grounds of a rejection (issue 20): the
//! boards record the four answers, decide only once none is pending, cite a ground when they
//! reject; the file page reads the applicant's data first and the decision last.

use crate::registrations::{county_user, executive_council, submit, Form};
use crate::support::{csrf_of, TestApp};
use axum::http::{Method, StatusCode};
use domain::access::Role;

const AUTHORITIES: [&str; 4] = ["judiciary", "police", "civil_registration", "intelligence"];

/// Files a fresh registration in the executive board's county; its tracking code.
async fn fresh_file(app: &TestApp) -> String {
    let council = executive_council();
    let filed = submit(app, &Form::eligible("0018465986", &council.code)).await;
    assert_eq!(filed.status, StatusCode::CREATED, "{}", filed.text());
    filed.json()["tracking_code"].as_str().unwrap().to_owned()
}

fn answer(authority: &str, answer: &str, note: &str) -> String {
    serde_json::json!({"authority": authority, "answer": answer, "note": note}).to_string()
}

#[tokio::test]
async fn inquiries_are_recorded_audited_and_decisions_wait_for_them() {
    let app = TestApp::new().await;
    let tracking = fresh_file(&app).await;
    let inquiries = format!("/api/v1/registrations/{tracking}/inquiries");
    let steps = format!("/api/v1/registrations/{tracking}/steps");
    let executive = app.token("executive").await;
    let governor = app.token("governor").await;

    // Four pending inquiries on a fresh file; the governor sees them, may not record.
    let listed = app.get(&inquiries, Some(&governor)).await;
    assert_eq!(listed.status, 200, "{}", listed.text());
    let listed = listed.json();
    assert_eq!(listed["pending"], true);
    let bodies: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["authority"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, AUTHORITIES);
    assert!(listed["items"][0]["answer"].is_null());
    assert_eq!(listed["items"][0]["answer_persian"], "در انتظار پاسخ");
    app.post(&inquiries, &governor, &answer("police", "clear", ""))
        .await
        .assert_problem(403, "forbidden");
    app.json(
        Method::POST,
        &inquiries,
        None,
        &answer("police", "clear", ""),
    )
    .await
    .assert_problem(401, "unauthenticated");

    // A decision while an inquiry is pending: 409, nothing written.
    let review = r#"{"step": "executive_review", "qualified": true, "reason": ""}"#;
    let head = app.audit_count().await;
    app.post(&steps, &executive, review)
        .await
        .assert_problem(409, "inquiries_pending");
    assert_eq!(app.audit_count().await, head);

    // An answer recorded, with its audit record; once only.
    let recorded = app
        .post(
            &inquiries,
            &executive,
            &answer("police", "adverse", "سابقه اعتیاد"),
        )
        .await;
    assert_eq!(recorded.status, 200, "{}", recorded.text());
    let police = &recorded.json()["items"][1];
    assert_eq!(police["authority"], "police");
    assert_eq!(police["answer"], "adverse");
    assert_eq!(police["answer_persian"], "دارای سابقه");
    assert_eq!(police["note"], "سابقه اعتیاد");
    assert!(police["answered_at"].is_string());
    assert_eq!(app.audit_count().await, head + 1);
    assert_eq!(app.audit_actions("registration.inquiry").await, 1);
    app.post(&inquiries, &executive, &answer("police", "clear", ""))
        .await
        .assert_problem(409, "inquiry_answered");
    // Unknown bodies and answers are bad requests.
    let bad = app
        .post(&inquiries, &executive, &answer("army", "clear", ""))
        .await;
    assert_eq!(bad.status, 400, "{}", bad.text());
    // Still three pending: the decision still waits, and says for whom.
    let waiting = app.post(&steps, &executive, review).await;
    waiting.assert_problem(409, "inquiries_pending");
    assert!(waiting.text().contains("وزارت اطلاعات"));

    // The county's supervision board records too; then the board may decide.
    let supervision = county_user(&app, "supervision-county", Role::SupervisionBoard).await;
    for (authority, token) in [
        ("judiciary", &supervision),
        ("civil_registration", &executive),
        ("intelligence", &executive),
    ] {
        let r = app
            .post(&inquiries, token, &answer(authority, "clear", ""))
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
    }
    assert_eq!(app.audit_actions("registration.inquiry").await, 4);
    let all = app.get(&inquiries, Some(&executive)).await.json();
    assert_eq!(all["pending"], false);

    // A rejection without a legal ground: 422; with one, taken and shown on the file.
    let head = app.audit_count().await;
    app.post(
        &steps,
        &executive,
        r#"{"step": "executive_review", "qualified": false, "reason": "سابقه اعتیاد"}"#,
    )
    .await
    .assert_problem(422, "rejection_ground_required");
    assert_eq!(app.audit_count().await, head);
    let reviewed = app
        .post(
            &steps,
            &executive,
            r#"{"step": "executive_review", "qualified": false, "reason": "سابقه اعتیاد", "grounds": ["reputation"]}"#,
        )
        .await;
    assert_eq!(reviewed.status, 200, "{}", reviewed.text());
    let reviewed = reviewed.json();
    assert_eq!(reviewed["state"], "executive_reviewed");
    let cited = &reviewed["history"][1]["grounds"][0];
    assert_eq!(cited["code"], "reputation");
    assert_eq!(cited["article"], "ماده ۲۶");
    let rejected = app
        .post(
            &steps,
            &supervision,
            r#"{"step": "supervision_decision", "approved": false, "reason": "عدم احراز", "grounds": ["criminal_conviction", "reputation"]}"#,
        )
        .await;
    assert_eq!(rejected.status, 200, "{}", rejected.text());
    let rejected = rejected.json();
    assert_eq!(rejected["state"], "rejected");
    let grounds: Vec<&str> = rejected["history"][2]["grounds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["code"].as_str().unwrap())
        .collect();
    assert_eq!(grounds, ["criminal_conviction", "reputation"]);

    // The file page shows the answers and the grounds; a closed file's rows take no answer.
    let cookie = app.browser_login("executive").await;
    let html = app
        .page(&format!("/registrations/{tracking}"), Some(&cookie))
        .await
        .text();
    for expected in [
        r#"data-authority="police" data-answer="adverse""#,
        "سابقه اعتیاد",
        "دارای سابقه",
        "فاقد سابقه (بلامانع)",
        domain::vetting::RejectionGround::CriminalConviction.persian(),
        "(ماده ۳۰)",
    ] {
        assert!(html.contains(expected), "{expected}");
    }
    assert!(!html.contains(r#"class="inquiry-form""#), "nothing pending");

    // The applicant reads the same grounds on their own status page.
    let own = app
        .post_fields(
            "/registration-status",
            None,
            &[
                ("tracking_code", tracking.as_str()),
                ("national_id", "0018465986"),
            ],
        )
        .await
        .text();
    let history = &own[own.find(r#"id="registration-history""#).expect("history")..];
    for expected in [
        "مستند قانونی",
        domain::vetting::RejectionGround::CriminalConviction.persian(),
        domain::vetting::RejectionGround::Reputation.persian(),
    ] {
        assert!(history.contains(expected), "{expected}: {history}");
    }
}

#[tokio::test]
async fn the_file_reads_the_applicant_then_the_inquiries_and_ends_with_the_decision() {
    let app = TestApp::new().await;
    let tracking = fresh_file(&app).await;
    let file = format!("/registrations/{tracking}");
    let executive = app.browser_login("executive").await;
    let page = app.page(&file, Some(&executive)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    let at = |needle: &str| {
        html.find(needle)
            .unwrap_or_else(|| panic!("{needle} is on the page"))
    };
    let facts = at(r#"id="application-facts""#);
    let inquiries = at(r#"id="inquiries-table""#);
    let history = at(r#"id="vetting-history""#);
    let decision = at(r#"id="step-form""#);
    assert!(facts < inquiries, "the applicant's data first");
    assert!(inquiries < history, "then the inquiries, then the history");
    assert!(history < decision, "the decision last");
    // A form on each pending inquiry, the grounds as checkboxes in the decision form.
    assert_eq!(html.matches(r#"class="inquiry-form""#).count(), 4);
    assert!(html.contains(r#"id="decision-waits""#));
    for ground in domain::vetting::RejectionGround::ALL {
        let name = format!(r#"name="ground_{}""#, ground.as_str());
        let at_ground = at(&name);
        assert!(at_ground > decision, "{name} in the decision form");
    }
    let csrf = csrf_of(&html);

    // The decision refused while inquiries are pending, in Persian, nothing written.
    let steps = format!("{file}/steps");
    let head = app.audit_count().await;
    let early = app
        .post_fields(
            &steps,
            Some(&executive),
            &[
                ("csrf_token", &csrf),
                ("step", "executive_review"),
                ("decision", "yes"),
            ],
        )
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.text());
    assert!(early.text().contains("پاسخ همه استعلام‌ها هنوز نرسیده است"));
    assert_eq!(app.audit_count().await, head);

    // An answer without a choice is refused in Persian; the four answers through the forms.
    let inquiries = format!("{file}/inquiries");
    let unchosen = app
        .post_fields(
            &inquiries,
            Some(&executive),
            &[
                ("csrf_token", &csrf),
                ("authority", "police"),
                ("answer", ""),
            ],
        )
        .await;
    assert_eq!(unchosen.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unchosen.text().contains("پاسخ استعلام فرماندهی انتظامی"));
    for authority in AUTHORITIES {
        let r = app
            .post_fields(
                &inquiries,
                Some(&executive),
                &[
                    ("csrf_token", &csrf),
                    ("authority", authority),
                    ("answer", "clear"),
                    ("note", "نامه ۱۲۳"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    }
    assert_eq!(app.audit_count().await, head + 4);
    let again = app
        .post_fields(
            &inquiries,
            Some(&executive),
            &[
                ("csrf_token", &csrf),
                ("authority", "police"),
                ("answer", "clear"),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.text().contains("پیش‌تر در پرونده ثبت شده است"));

    // A finding against the candidate without a ground: refused in Persian, the reason kept.
    let bare = app
        .post_fields(
            &steps,
            Some(&executive),
            &[
                ("csrf_token", &csrf),
                ("step", "executive_review"),
                ("decision", "no"),
                ("reason", "مدرک ناقص"),
            ],
        )
        .await;
    assert_eq!(
        bare.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        bare.text()
    );
    assert!(bare.text().contains("دست‌کم یک مستند قانونی"));
    assert!(bare.text().contains("مدرک ناقص"));
    let grounded = app
        .post_fields(
            &steps,
            Some(&executive),
            &[
                ("csrf_token", &csrf),
                ("step", "executive_review"),
                ("decision", "no"),
                ("reason", "مدرک ناقص"),
                ("ground_education", "1"),
            ],
        )
        .await;
    assert_eq!(
        grounded.status,
        StatusCode::SEE_OTHER,
        "{}",
        grounded.text()
    );
    let html = app.page(&file, Some(&executive)).await.text();
    assert!(html.contains(domain::vetting::RejectionGround::Education.persian()));
    assert!(html.contains("نامه ۱۲۳"));
}
