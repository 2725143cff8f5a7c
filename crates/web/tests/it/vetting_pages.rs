//! The boards' vetting pages (issue 5): the worklist of their scope, one file with the step
//! their board may take, its documents, and the refusals shown on the page.

use crate::registrations::{county_user, executive_council, submit, Form, JPEG, PDF};
use crate::support::{csrf_of, demo, demo_council, TestApp, FOREIGN_COUNTY, OWN_COUNTY};
use axum::http::{header, StatusCode};
use domain::access::Role;
use domain::clock::Clock;
use domain::demo::DemoRegistration;
use domain::text::{persian_digits, persian_number};
use domain::vetting::VettingState;

/// The county of a council of the demo.
fn county_of(council: &str) -> &'static str {
    &demo_council(|c| c.code == council).county_code
}

/// The state a demo file has reached.
fn final_state(r: &DemoRegistration) -> VettingState {
    r.files().unwrap().last().unwrap().state
}

/// The `data-tracking` codes of the worklist's rows.
fn listed(html: &str) -> Vec<String> {
    html.split(r#"<tr data-tracking=""#)
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_worklist_shows_the_boards_county_and_refuses_others() {
    let (app, executive) = TestApp::with_session("executive").await;
    let r = app.page("/registrations", Some(&executive)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    assert!(html.contains("بررسی صلاحیت داوطلبان · شهرستان کرمان"));
    assert!(
        html.contains(
            r#"<a href="/registrations" class="active" aria-current="page">بررسی صلاحیت</a>"#
        ),
        "the navigation link"
    );
    let own: Vec<&DemoRegistration> = demo()
        .registrations
        .iter()
        .filter(|r| county_of(&r.application.council) == OWN_COUNTY)
        .collect();
    assert!(own.len() > 50);
    assert!(html.contains(&format!(
        r#"id="vetting-total">{}<"#,
        persian_number(own.len() as i64)
    )));
    // Counts per state, the executive board's own highlighted.
    let submitted = own
        .iter()
        .filter(|r| final_state(r) == VettingState::Submitted)
        .count();
    let card = html
        .split(r#"data-state="submitted" href="#)
        .nth(1)
        .unwrap();
    assert!(card.contains(&format!(
        r#"<div class="n">{}</div>"#,
        persian_number(submitted as i64)
    )));
    assert!(card.split("</a>").next().unwrap().contains("در انتظار شما"));
    // A page of 50, all of the county, sortable, with the pager.
    let rows = listed(&html);
    assert_eq!(rows.len(), 50);
    for code in &rows {
        let r = own.iter().find(|r| &r.tracking_code == code);
        assert!(r.is_some(), "{code} is the county's");
    }
    assert!(html.contains(r#"<table id="vetting-table">"#));
    assert!(html.contains("۱۴۰۴/۱۰/"), "filing times in Jalali");
    assert!(html.contains(r#"rel="next""#));
    assert!(!html.contains("<th>شهرستان</th>"));

    // By state: the approved, with their candidate codes.
    let approved = app
        .page("/registrations?state=approved", Some(&executive))
        .await;
    assert_eq!(approved.status, StatusCode::OK);
    let html = approved.text();
    let rows = listed(&html);
    assert!(!rows.is_empty());
    assert!(html
        .split(r#"<tr data-tracking=""#)
        .skip(1)
        .all(|row| row.contains(r#"data-state="approved""#)));
    for code in &rows {
        let r = own.iter().find(|r| &r.tracking_code == code).unwrap();
        assert_eq!(final_state(r), VettingState::Approved);
        let candidate = r.candidate_code.as_deref().unwrap();
        assert!(html.contains(&persian_digits(candidate)), "{candidate}");
    }
    // By council: the select is the county's.
    let council = executive_council();
    let by_council = app
        .page(
            &format!("/registrations?council={}", council.code),
            Some(&executive),
        )
        .await
        .text();
    let in_council = own
        .iter()
        .filter(|r| r.application.council == council.code)
        .count();
    assert!(by_council.contains(&format!(
        r#"id="vetting-total">{}<"#,
        persian_number(in_council as i64)
    )));
    assert!(listed(&by_council).iter().all(|code| own
        .iter()
        .any(|r| &r.tracking_code == code && r.application.council == council.code)));

    // Another county: neither its list nor its files.
    let foreign = app
        .page(
            &format!("/registrations?county={FOREIGN_COUNTY}"),
            Some(&executive),
        )
        .await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN);
    assert!(foreign.text().contains("شما به این بخش دسترسی ندارید"));
    let elsewhere = demo()
        .registrations
        .iter()
        .find(|r| county_of(&r.application.council) == FOREIGN_COUNTY)
        .unwrap();
    let file = format!("/registrations/{}", elsewhere.tracking_code);
    let r = app.page(&file, Some(&executive)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text().contains("شما به این بخش دسترسی ندارید"));
    app.page("/registrations/000000000000", Some(&executive))
        .await
        .assert_status(StatusCode::NOT_FOUND);

    // Roles that do not vet see nothing, nor the link; the anonymous are sent to log in.
    for user in ["station", "inspection", "observer"] {
        let cookie = app.browser_login(user).await;
        let r = app.page("/registrations", Some(&cookie)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{user}");
        assert_eq!(
            app.page(&file, Some(&cookie)).await.status,
            StatusCode::FORBIDDEN,
            "{user}"
        );
        let home = app.page("/turnout", Some(&cookie)).await.text();
        assert!(!home.contains(r#"href="/registrations""#), "{user}");
    }
    let anonymous = app.page("/registrations", None).await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert!(anonymous.location().starts_with("/login?next="));

    // The HQ sees the province (with the county column) and any county.
    let hq = app.browser_login("hq").await;
    let province = app.page("/registrations", Some(&hq)).await;
    assert_eq!(province.status, StatusCode::OK);
    let html = province.text();
    assert!(html.contains("کل استان"));
    assert!(html.contains("<th>شهرستان</th>"));
    assert!(html.contains(&format!(
        r#"id="vetting-total">{}<"#,
        persian_number(demo().registrations.len() as i64)
    )));
    let foreign = app
        .page(
            &format!("/registrations?county={FOREIGN_COUNTY}"),
            Some(&hq),
        )
        .await;
    assert_eq!(foreign.status, StatusCode::OK);
    assert!(listed(&foreign.text())
        .iter()
        .all(|code| demo().registrations.iter().any(
            |r| &r.tracking_code == code && county_of(&r.application.council) == FOREIGN_COUNTY
        )));
    assert_eq!(app.page(&file, Some(&hq)).await.status, StatusCode::OK);

    // A board late on its step: the red badge (a new session, the old one having expired).
    app.clock.set(app.clock.now() + time::Duration::days(120));
    let executive = app.browser_login("executive").await;
    let late = app
        .page("/registrations?state=submitted", Some(&executive))
        .await
        .text();
    if submitted > 0 {
        assert!(late.contains("overdue-badge"));
        assert!(late.contains("از مهلت گذشته"));
    }
}

#[tokio::test]
async fn the_boards_review_and_approve_a_fresh_file_on_its_page() {
    let app = TestApp::new().await;
    let council = executive_council();
    let filed = submit(&app, &Form::eligible("0018465986", &council.code)).await;
    assert_eq!(filed.status, StatusCode::CREATED, "{}", filed.text());
    let tracking = filed.json()["tracking_code"].as_str().unwrap().to_owned();
    let file = format!("/registrations/{tracking}");
    let steps = format!("{file}/steps");

    // The executive board: the application, its documents, its history, the review form.
    let executive = app.browser_login("executive").await;
    let page = app.page(&file, Some(&executive)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    let csrf = csrf_of(&html);
    for expected in [
        "پرونده علی کرمانی",
        &persian_digits(&tracking),
        "۰۰۱۸۴۶۵۹۸۶",
        "۱۳۶۰/۰۵/۱۲",
        "۰۹۱۳۱۲۳۴۵۶۷",
        "کارشناسی ارشد",
        "مهندس عمران",
        &council.name,
        "ثبت‌شده، در انتظار بررسی هیأت اجرایی",
        "مهلت بررسی هیأت اجرایی",
        "ثبت‌نام برخط",
        "گواهی عدم سوءپیشینه",
        r#"data-document="photo""#,
        &format!(r#"href="{file}/documents/photo""#),
        r#"id="step-form" data-step="executive_review""#,
        "واجد شرایط",
        "data-print",
    ] {
        assert!(html.contains(expected), "{expected}");
    }

    // The four inquiries' answers, through the file's forms (each written with its record).
    let head = app.audit_count().await;
    for authority in ["judiciary", "police", "civil_registration", "intelligence"] {
        let r = app
            .post_fields(
                &format!("{file}/inquiries"),
                Some(&executive),
                &[
                    ("csrf_token", &csrf),
                    ("authority", authority),
                    ("answer", "clear"),
                    ("note", ""),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    }
    app.assert_audit_count(head + 4, "one record per answer")
        .await;

    // A step needs the session's CSRF token; a finding against the candidate needs a reason.
    let head = app.audit_count().await;
    let forged = app
        .post_fields(
            &steps,
            Some(&executive),
            &[("step", "executive_review"), ("decision", "yes")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let bare = app
        .post_fields(
            &steps,
            Some(&executive),
            &[
                ("csrf_token", &csrf),
                ("step", "executive_review"),
                ("decision", "no"),
                ("reason", "  "),
            ],
        )
        .await;
    assert_eq!(
        bare.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        bare.text()
    );
    let html = bare.text();
    assert!(html.contains(r#"id="vetting-error""#));
    assert!(html.contains("دلیل این تصمیم یا اعتراض را بنویسید."));
    assert!(html.contains(r#"id="step-form""#), "the form again");
    app.assert_audit_count(head, "a refusal writes nothing")
        .await;

    // The county's supervision board may not review in the executive board's stead.
    county_user(&app, "supervision-county", Role::SupervisionBoard).await;
    let supervision = app.browser_login("supervision-county").await;
    let page = app.page(&file, Some(&supervision)).await.text();
    assert!(!page.contains(r#"id="step-form""#));
    assert!(page.contains("هیأت اجرایی شهرستان"), "who the file awaits");
    let supervision_csrf = csrf_of(&page);
    let head = app.audit_count().await;
    let wrong = app
        .post_fields(
            &steps,
            Some(&supervision),
            &[
                ("csrf_token", &supervision_csrf),
                ("step", "executive_review"),
                ("decision", "yes"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::CONFLICT, "{}", wrong.text());
    assert!(wrong.text().contains("این اقدام بر عهده هیأت اجرایی است."));
    assert_eq!(app.audit_count().await, head);

    // The review, then back to the file.
    let reviewed = app
        .post_fields(
            &steps,
            Some(&executive),
            &[
                ("csrf_token", &csrf),
                ("step", "executive_review"),
                ("decision", "yes"),
                ("reason", "مدارک کامل است"),
            ],
        )
        .await;
    assert_eq!(
        reviewed.status,
        StatusCode::SEE_OTHER,
        "{}",
        reviewed.text()
    );
    assert_eq!(reviewed.location(), format!("{file}?done=1"));
    assert_eq!(app.audit_count().await, head + 1);
    let html = app.page(reviewed.location(), Some(&executive)).await.text();
    assert!(html.contains(r#"id="vetting-notice""#));
    assert!(html.contains("بررسی‌شده در هیأت اجرایی، در انتظار تصمیم هیأت نظارت"));
    assert!(html.contains(r#"<dd id="executive-finding">واجد شرایط</dd>"#));
    assert!(html.contains("بررسی هیأت اجرایی"));
    assert!(html.contains("مدارک کامل است"));
    assert!(html.contains(">executive<"), "who took the step");
    assert!(!html.contains(r#"id="step-form""#));

    // The county's supervision board approves: the candidate code shows.
    let page = app.page(&file, Some(&supervision)).await.text();
    assert!(page.contains(r#"id="step-form" data-step="supervision_decision""#));
    assert!(page.contains("تأیید صلاحیت"));
    let approve = [
        ("csrf_token", supervision_csrf.as_str()),
        ("step", "supervision_decision"),
        ("decision", "yes"),
        ("reason", ""),
    ];
    let approved = app.post_fields(&steps, Some(&supervision), &approve).await;
    assert_eq!(
        approved.status,
        StatusCode::SEE_OTHER,
        "{}",
        approved.text()
    );
    let html = app.page(&file, Some(&supervision)).await.text();
    assert!(html.contains(r#"<strong id="vetting-state">تأیید صلاحیت</strong>"#));
    let (registration, _) = app.registration(&tracking).await;
    let code = registration.candidate_code.unwrap();
    assert!(html.contains(&format!(
        r#"id="candidate-code">{}<"#,
        persian_digits(&code)
    )));
    assert!(!html.contains("مهلت"), "no deadline after approval");

    // Approving twice is illegal: the Persian refusal, 409, nothing written.
    let head = app.audit_count().await;
    let again = app.post_fields(&steps, Some(&supervision), &approve).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text());
    let html = again.text();
    assert!(html.contains(r#"id="vetting-error""#));
    assert!(html.contains("این اقدام در وضعیت کنونی پرونده («تأیید صلاحیت») ممکن نیست."));
    assert_eq!(app.audit_count().await, head);
    // Nor may a governor, who sees the file, take a board's step.
    let governor = app.browser_login("governor").await;
    let page = app.page(&file, Some(&governor)).await;
    assert_eq!(page.status, StatusCode::OK);
    let governor_csrf = csrf_of(&page.text());
    let head = app.audit_count().await;
    let r = app
        .post_fields(
            &steps,
            Some(&governor),
            &[
                ("csrf_token", &governor_csrf),
                ("step", "supervision_decision"),
                ("decision", "no"),
                ("reason", "x"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(app.audit_count().await, head);

    // The documents: the exact bytes, their type, never sniffed, downloaded rather than opened
    // on this site's pages.
    let photo = app
        .page(&format!("{file}/documents/photo"), Some(&executive))
        .await;
    assert_eq!(photo.status, StatusCode::OK, "{}", photo.text());
    assert_eq!(photo.body, JPEG);
    assert_eq!(photo.content_type(), "image/jpeg");
    assert!(photo
        .header(header::CONTENT_DISPOSITION)
        .starts_with("attachment"));
    assert_eq!(photo.header(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    let degree = app
        .page(&format!("{file}/documents/degree"), Some(&supervision))
        .await;
    assert_eq!(degree.status, StatusCode::OK);
    assert_eq!(degree.body, PDF);
    assert_eq!(degree.content_type(), "application/pdf");
    assert!(degree
        .header(header::CONTENT_DISPOSITION)
        .starts_with("attachment; filename="));
    for missing in ["resignation_certificate", "passport"] {
        let r = app
            .page(&format!("{file}/documents/{missing}"), Some(&executive))
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{missing}");
        assert!(r.text().contains("مدرک پیدا نشد"), "{missing}");
    }
    let station = app.browser_login("station").await;
    let r = app
        .page(&format!("{file}/documents/photo"), Some(&station))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_ne!(r.body, JPEG);
    let r = app.page(&format!("{file}/documents/photo"), None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_demo_file_lists_its_history_and_the_province_board_hears_the_second_objection() {
    let app = TestApp::new().await;
    // The HQ reads any file, with its whole history, and takes no step.
    let longest = demo()
        .registrations
        .iter()
        .max_by_key(|r| r.steps.len())
        .unwrap();
    assert!(longest.steps.len() >= 3);
    let hq = app.browser_login("hq").await;
    let r = app
        .page(
            &format!("/registrations/{}", longest.tracking_code),
            Some(&hq),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    let history = html
        .split(r#"<table id="vetting-history">"#)
        .nth(1)
        .unwrap();
    let history = history.split("</table>").next().unwrap();
    assert_eq!(
        history.matches("<tr><td>").count(),
        longest.steps.len() + 1,
        "the filing and every step"
    );
    assert!(history.contains("ثبت‌نام برخط"));
    // The boards that took the steps are named, with their county (issue 20: the history
    // showed «executive-board-02»).
    let county_name = |code: &str| {
        demo()
            .counties
            .iter()
            .find(|c| c.code == code)
            .map(|c| c.name.clone())
            .unwrap()
    };
    for step in &longest.steps {
        let by = match domain::vetting::board_taker(&step.by) {
            _ if step.by == "applicant" => "داوطلب".to_owned(),
            Some((board, Some(county))) => format!("{board} {}", county_name(county)),
            Some((board, None)) => board.to_owned(),
            None => step.by.clone(),
        };
        assert!(!by.contains("-board-"), "{by}");
        assert!(history.contains(&format!("<td>{by}</td>")), "{by}");
        let reason = step.action.reason();
        if !reason.is_empty() {
            assert!(history.contains(reason), "{reason}");
        }
    }
    assert!(html.contains(final_state(longest).persian()));
    assert!(html.contains(r#"id="no-documents""#));
    assert!(!html.contains(r#"id="step-form""#));

    // A file before the province's board: its supervision board decides it.
    let before_province = demo()
        .registrations
        .iter()
        .find(|r| final_state(r) == VettingState::ObjectedToProvince)
        .expect("a demo file awaiting the province board");
    let file = format!("/registrations/{}", before_province.tracking_code);
    let supervision = app.browser_login("supervision").await;
    let page = app.page(&file, Some(&supervision)).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains(r#"id="step-form" data-step="objection_decision""#));
    assert!(html.contains("رسیدگی به اعتراض داوطلب · هیأت نظارت استان"));
    let csrf = csrf_of(&html);
    let steps = format!("{file}/steps");
    // The board's objection decision, with these fields beside the CSRF token and the step.
    let decide = async |fields: &[(&str, &str)]| {
        let step = [
            ("csrf_token", csrf.as_str()),
            ("step", "objection_decision"),
        ];
        let form: Vec<(&str, &str)> = step.iter().chain(fields).copied().collect();
        app.post_fields(&steps, Some(&supervision), &form).await
    };
    let head = app.audit_count().await;
    let bare = decide(&[("decision", "no"), ("reason", "")]).await;
    assert_eq!(bare.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.audit_count().await, head);
    let undecided = decide(&[]).await;
    assert_eq!(undecided.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(undecided
        .text()
        .contains("یکی از دو گزینه تصمیم را انتخاب کنید."));
    let dismissed = decide(&[
        ("decision", "no"),
        ("reason", "دلیل تازه‌ای ارائه نشد"),
        ("ground_residence", "1"),
    ])
    .await;
    assert_eq!(
        dismissed.status,
        StatusCode::SEE_OTHER,
        "{}",
        dismissed.text()
    );
    let html = app.page(&file, Some(&supervision)).await.text();
    assert!(html.contains(r#"<strong id="vetting-state">رد صلاحیت قطعی</strong>"#));
    assert!(html.contains("دلیل تازه‌ای ارائه نشد"));
    assert_eq!(app.audit_count().await, head + 1);
}
