//! Sensitive stations, their security plans and the county security councils (issue 16),
//! through the API and the pages.

use crate::support::{csrf_of, demo, items, TestApp, FOREIGN_COUNTY, OWN_COUNTY};
use axum::http::StatusCode;
use serde_json::json;
use time::macros::datetime;

/// A station of `county` the demo did not flag.
fn plain_station(county: &str, skip: usize) -> String {
    let data = demo();
    data.stations
        .iter()
        .filter(|s| {
            s.county_code == county && !data.sensitive_stations.iter().any(|f| f.station == s.code)
        })
        .nth(skip)
        .map(|s| s.code.clone())
        .unwrap()
}

fn plan(effective_on: &str) -> String {
    json!({
        "measures": "استقرار دو مأمور انتظامی از شب پیش از رأی‌گیری",
        "responsible_name": "سروان احمدی",
        "responsible_phone": "۰۳۴۳۲۲۲۰۱۱۰",
        "protective_staff": 2,
        "cctv_coverage": "partial",
        "contacts": "پاسگاه انتظامی: ۱۱۰",
        "escalation": "رئیس شعبه ← فرمانداری ← شورای تأمین",
        "effective_on": effective_on,
    })
    .to_string()
}

#[tokio::test]
async fn a_governor_sees_only_their_countys_plans_and_meetings_and_the_hq_all() {
    let app = TestApp::new().await;
    let governor = app.token("governor").await;
    let hq = app.token("hq").await;
    let observer = app.token("observer").await;
    let executive = app.token("executive").await;

    let own = app
        .get("/api/v1/security/stations?per_page=500", Some(&governor))
        .await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.text());
    let own = own.json();
    assert!(own["total"].as_i64().unwrap() > 0);
    assert!(items(&own).all(|s| s["county"] == OWN_COUNTY));
    assert_eq!(own["counties"].as_array().unwrap().len(), 1);
    app.assert_forbidden(
        &format!("/api/v1/security/stations?county={FOREIGN_COUNTY}"),
        &governor,
    )
    .await;
    // Sensitive stations without an approved plan are flagged, and first.
    let flags: Vec<bool> = items(&own)
        .map(|s| s["needs_plan"].as_bool().unwrap())
        .collect();
    assert!(flags.contains(&true) && flags.contains(&false));
    assert!(flags.windows(2).all(|w| w[0] >= w[1]), "{flags:?}");

    let all = app
        .get("/api/v1/security/stations?per_page=500", Some(&hq))
        .await
        .json();
    assert_eq!(
        all["counties"].as_array().unwrap().len(),
        demo().counties.len()
    );
    assert!(items(&all).any(|s| s["county"] != OWN_COUNTY));
    assert!(all["total"].as_i64() > own["total"].as_i64());

    // The council: the governor's own; the HQ every county's.
    let council = format!("/api/v1/security/councils/{OWN_COUNTY}");
    let shown = app.get(&council, Some(&governor)).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.text());
    assert_eq!(
        shown.json()["board"]["code"],
        format!("security-{OWN_COUNTY}")
    );
    let foreign_council = format!("/api/v1/security/councils/{FOREIGN_COUNTY}");
    app.assert_forbidden(&foreign_council, &governor).await;
    app.assert_forbidden(
        &format!("/api/v1/boards/security-{FOREIGN_COUNTY}/meetings"),
        &governor,
    )
    .await;
    assert_eq!(app.get(&foreign_council, Some(&hq)).await.status, 200);
    let meetings = app
        .get(
            &format!("/api/v1/boards/security-{FOREIGN_COUNTY}/meetings"),
            Some(&hq),
        )
        .await;
    assert_eq!(meetings.status, 200, "{}", meetings.text());

    // Observers read and change nothing; the executive board does not read it.
    assert_eq!(
        app.get("/api/v1/security/stations", Some(&observer))
            .await
            .status,
        200
    );
    let station = plain_station(OWN_COUNTY, 0);
    let flag = json!({"reasons": ["border_area"]}).to_string();
    app.put(
        &format!("/api/v1/stations/{station}/sensitivity"),
        &observer,
        &flag,
    )
    .await
    .assert_problem(403, "forbidden");
    app.assert_forbidden("/api/v1/security/stations", &executive)
        .await;
    app.assert_forbidden(
        &format!("/api/v1/boards/security-{OWN_COUNTY}/meetings"),
        &executive,
    )
    .await;
    // Nor does the boards' list show the executive board who sits on the security council;
    // the governor's shows it beside the county's other boards.
    let codes = |r: crate::support::Reply| -> Vec<String> {
        r.json()
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["code"].as_str().unwrap().to_owned())
            .collect()
    };
    let seen_by_executive = codes(app.get("/api/v1/boards", Some(&executive)).await);
    assert!(!seen_by_executive.is_empty());
    assert!(
        seen_by_executive
            .iter()
            .all(|c| !c.starts_with("security-")),
        "{seen_by_executive:?}"
    );
    let seen_by_governor = codes(app.get("/api/v1/boards", Some(&governor)).await);
    assert!(seen_by_governor.contains(&format!("security-{OWN_COUNTY}")));
    assert!(seen_by_governor.len() > seen_by_executive.len());
}

#[tokio::test]
async fn a_plan_is_approved_in_order_at_a_held_council_meeting_and_bad_input_writes_nothing() {
    let app = TestApp::new().await;
    app.clock.set(datetime!(2026-02-20 06:00 UTC));
    let governor = app.token("governor").await;
    let station = plain_station(OWN_COUNTY, 0);
    let foreign = plain_station(FOREIGN_COUNTY, 0);
    let sensitivity = |code: &str| format!("/api/v1/stations/{code}/sensitivity");
    let plan_url = format!("/api/v1/stations/{station}/security-plan");
    let before = app.audit_count().await;

    // A station outside the governor's county, an unknown reason, a plan for a station not
    // flagged, a plan dated in the past, steps out of order: refused, nothing written.
    let flag = json!({"reasons": ["border_area", "no_cctv"], "note": "نزدیک مرز"}).to_string();
    app.put(&sensitivity(&foreign), &governor, &flag)
        .await
        .assert_problem(403, "forbidden");
    app.put(
        &sensitivity(&station),
        &governor,
        &json!({"reasons": ["flood"]}).to_string(),
    )
    .await
    .assert_problem(422, "unknown_sensitive_reason");
    app.put(&plan_url, &governor, &plan("1405/02/01"))
        .await
        .assert_problem(409, "station_not_sensitive");
    app.put(&sensitivity("9999999"), &governor, &flag)
        .await
        .assert_problem(404, "not_found");
    app.assert_audit_count(before, "refusals write nothing")
        .await;

    let flagged = app.put(&sensitivity(&station), &governor, &flag).await;
    assert_eq!(flagged.status, StatusCode::OK, "{}", flagged.text());
    assert_eq!(flagged.json()["sensitive"], true);
    let before = app.audit_count().await;
    // 1404/11/01 is 21 January 2026, a month before the clock.
    app.put(&plan_url, &governor, &plan("1404/11/01"))
        .await
        .assert_problem(422, "plan_date_in_past");
    app.put(&plan_url, &governor, &plan("1405/02/20"))
        .await
        .assert_problem(422, "plan_date_after_election");
    app.post(&format!("{plan_url}/submit"), &governor, "")
        .await
        .assert_problem(409, "plan_step_out_of_order");
    app.assert_audit_count(before, "refusals write nothing")
        .await;
    let shown = app
        .get(
            &format!("/api/v1/stations/{station}/security"),
            Some(&governor),
        )
        .await
        .json();
    assert!(shown["plan"].is_null());

    let saved = app.put(&plan_url, &governor, &plan("1405/02/01")).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
    assert_eq!(saved.json()["status"], "draft");

    // The council meets (the boards' meeting route) and approves it; a draft is submitted
    // first.
    let meeting = app
        .post(
            &format!("/api/v1/boards/security-{OWN_COUNTY}/meetings"),
            &governor,
            &json!({
                "held_at": "1404/11/30 10:00",
                "agenda": "بررسی طرح‌های امنیتی شعبه‌های حساس",
                "decisions": [{"text": "گزارش دوربین‌ها", "owner": "فرماندهی انتظامی", "due_on": "1404/12/10"}],
            })
            .to_string(),
        )
        .await;
    assert_eq!(meeting.status, StatusCode::CREATED, "{}", meeting.text());
    let meeting_id = meeting.json()["id"].as_i64().unwrap();
    let approve = json!({"meeting_id": meeting_id}).to_string();
    let before = app.audit_count().await;
    app.post(&format!("{plan_url}/approve"), &governor, &approve)
        .await
        .assert_problem(409, "plan_step_out_of_order");
    app.assert_audit_count(before, "out of order writes nothing")
        .await;
    let submitted = app.post(&format!("{plan_url}/submit"), &governor, "").await;
    assert_eq!(submitted.status, 200, "{}", submitted.text());
    assert_eq!(submitted.json()["status"], "submitted");
    // Another county's council meeting does not approve it.
    let hq = app.token("hq").await;
    let elsewhere = app
        .post(
            &format!("/api/v1/boards/security-{FOREIGN_COUNTY}/meetings"),
            &hq,
            &json!({"held_at": "1404/11/30 10:00", "agenda": "جلسه"}).to_string(),
        )
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let before = app.audit_count().await;
    app.post(
        &format!("{plan_url}/approve"),
        &governor,
        &json!({"meeting_id": elsewhere}).to_string(),
    )
    .await
    .assert_problem(422, "meeting_not_of_security_council");
    app.assert_audit_count(before, "a wrong meeting writes nothing")
        .await;
    let approved = app
        .post(&format!("{plan_url}/approve"), &governor, &approve)
        .await;
    assert_eq!(approved.status, 200, "{}", approved.text());
    assert_eq!(approved.json()["status"], "approved");
    let shown = app
        .get(
            &format!("/api/v1/stations/{station}/security"),
            Some(&governor),
        )
        .await
        .json();
    assert_eq!(shown["security"]["plan_status"], "approved");
    assert_eq!(shown["plan"]["meeting_id"], meeting_id);
    let listed = app
        .get(
            "/api/v1/security/stations?plan=approved&per_page=500",
            Some(&governor),
        )
        .await
        .json();
    assert!(items(&listed).any(|s| s["station"] == station.as_str() && s["needs_plan"] == false));
    assert!(app.audit_actions("security.plan_approve").await >= 1);
}

#[tokio::test]
async fn the_council_page_flags_a_missed_meeting_and_overdue_decisions() {
    let app = TestApp::new().await;
    app.clock.set(datetime!(2026-02-20 06:00 UTC));
    let cookie = app.browser_login("governor").await;
    let page = app
        .page(&format!("/security/councils/{OWN_COUNTY}"), Some(&cookie))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    assert!(
        html.contains("id=\"missed-flag\""),
        "a missed meeting is flagged"
    );
    assert!(
        html.contains("id=\"overdue-flag\""),
        "an overdue decision is flagged"
    );
    assert!(html.contains("/meetings/"), "the minutes are linked");
    let council = app
        .get(
            &format!("/api/v1/security/councils/{OWN_COUNTY}"),
            Some(&app.token("governor").await),
        )
        .await
        .json();
    assert_eq!(council["missed"], 1);
    assert!(!council["overdue"].as_array().unwrap().is_empty());

    // Each overdue decision marked done (the first from its minutes' page, the rest through
    // the API) leaves the list; once the list is empty, the flag goes.
    let token = app.token("governor").await;
    let council_url = format!("/api/v1/security/councils/{OWN_COUNTY}");
    for (i, overdue) in council["overdue"].as_array().unwrap().iter().enumerate() {
        let id = overdue["meeting_id"].as_i64().unwrap();
        let meeting = app
            .get(&format!("/api/v1/meetings/{id}"), Some(&token))
            .await
            .json();
        let position = meeting["decisions"]
            .as_array()
            .unwrap()
            .iter()
            .position(|d| d["text"] == overdue["decision"]["text"])
            .unwrap();
        if i == 0 {
            let minutes = app
                .page(&format!("/meetings/{id}"), Some(&cookie))
                .await
                .text();
            let done = app
                .post_fields(
                    &format!("/meetings/{id}/decisions/{position}/done"),
                    Some(&cookie),
                    &[
                        ("csrf_token", &crate::support::csrf_of(&minutes)),
                        ("note", "دوربین‌ها بازبینی شد"),
                    ],
                )
                .await;
            assert_eq!(done.location(), format!("/meetings/{id}?done=decision"));
            let after = app.page(done.location(), Some(&cookie)).await.text();
            assert!(after.contains(&format!(r#"data-decision="{position}" data-done"#)));
            assert!(after.contains("دوربین‌ها بازبینی شد"));
        } else {
            app.post(
                &format!("/api/v1/meetings/{id}/decisions/{position}/done"),
                &token,
                r#"{"note": ""}"#,
            )
            .await
            .assert_status(StatusCode::OK);
        }
        let left = app.get(&council_url, Some(&token)).await.json();
        assert!(left["overdue"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["decision"]["text"] != overdue["decision"]["text"]
                || o["meeting_id"] != overdue["meeting_id"]));
        // Done once only.
        app.post(
            &format!("/api/v1/meetings/{id}/decisions/{position}/done"),
            &token,
            r#"{"note": ""}"#,
        )
        .await
        .assert_problem(409, "decision_already_done");
    }
    let council_after = app.get(&council_url, Some(&token)).await.json();
    assert!(council_after["overdue"].as_array().unwrap().is_empty());
    let page = app
        .page(&format!("/security/councils/{OWN_COUNTY}"), Some(&cookie))
        .await
        .text();
    assert!(!page.contains("id=\"overdue-flag\""));
    let foreign = app
        .page(
            &format!("/security/councils/{FOREIGN_COUNTY}"),
            Some(&cookie),
        )
        .await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN);

    // The list page shows the county's sensitive stations, flagged.
    let list = app.page("/security", Some(&cookie)).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.text().contains("id=\"sensitive-table\""));
    assert!(list.text().contains("class=\"flagged\""));
}

#[tokio::test]
async fn the_plan_form_refuses_a_past_date_in_persian_and_writes_nothing() {
    let app = TestApp::new().await;
    app.clock.set(datetime!(2026-02-20 06:00 UTC));
    let cookie = app.browser_login("governor").await;
    let station = plain_station(OWN_COUNTY, 1);
    let here = format!("/stations/{station}/security");
    let page = app.page(&here, Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let csrf = csrf_of(&page.text());
    let flagged = app
        .post_fields(
            &format!("{here}/flag"),
            Some(&cookie),
            &[
                ("csrf_token", &csrf),
                ("reason", "hard_route"),
                ("reason", "no_cctv"),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(flagged.status, StatusCode::SEE_OTHER, "{}", flagged.text());
    let before = app.audit_count().await;
    let refused = app
        .post_fields(
            &format!("{here}/plan"),
            Some(&cookie),
            &[
                ("csrf_token", &csrf),
                ("measures", "نگهبانی شبانه"),
                ("responsible_name", "سروان احمدی"),
                ("responsible_phone", "۰۹۱۳۱۲۳۴۵۶۷"),
                ("protective_staff", "۳"),
                ("cctv_coverage", "none"),
                ("contacts", "۱۱۰"),
                ("escalation", "فرمانداری"),
                ("effective_on", "۱۴۰۴/۱۱/۰۱"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.text().contains("تاریخ اجرای طرح گذشته است"),
        "{}",
        refused.text()
    );
    assert!(
        refused.text().contains("نگهبانی شبانه"),
        "the form keeps what was typed"
    );
    app.assert_audit_count(before, "a refused plan writes nothing")
        .await;
    let saved = app
        .post_fields(
            &format!("{here}/plan"),
            Some(&cookie),
            &[
                ("csrf_token", &csrf),
                ("measures", "نگهبانی شبانه"),
                ("responsible_name", "سروان احمدی"),
                ("responsible_phone", "۰۹۱۳۱۲۳۴۵۶۷"),
                ("protective_staff", "۳"),
                ("cctv_coverage", "none"),
                ("contacts", "۱۱۰"),
                ("escalation", "فرمانداری"),
                ("effective_on", "۱۴۰۵/۰۲/۰۱"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    let page = app.page(&here, Some(&cookie)).await;
    assert!(page.text().contains("data-status=\"draft\""));
    // Another county's station: forbidden, nothing written.
    let foreign = plain_station(FOREIGN_COUNTY, 0);
    let before = app.audit_count().await;
    let refused = app
        .post_fields(
            &format!("/stations/{foreign}/security/flag"),
            Some(&cookie),
            &[("csrf_token", &csrf), ("reason", "hard_route")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    app.assert_audit_count(before, "another county's station is not flagged")
        .await;
}
