use crate::support::{
    csrf_of, demo, demo_council, demo_station, demo_user, TestApp, FOREIGN_COUNTY, OWN_COUNTY,
};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};

#[tokio::test]
async fn anonymous_pages_redirect_to_login() {
    let app = TestApp::new().await;
    for path in [
        "/",
        &format!("/counties/{OWN_COUNTY}"),
        "/audit",
        &format!("/stations/{}", demo().stations[0].code),
    ] {
        let r = app.page(path, None).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}");
        assert!(
            r.location().starts_with("/login?next="),
            "{path}: {}",
            r.location()
        );
    }
    let login = app.page("/login", None).await;
    assert_eq!(login.status, StatusCode::OK);
    let html = login.text();
    assert!(html.contains(r#"<html lang="fa" dir="rtl">"#));
    assert!(html.contains("ورود به سامانه"));
}

#[tokio::test]
async fn province_dashboard_is_persian_rtl_with_figures_and_chart() {
    let (app, cookie) = TestApp::with_session("hq").await;
    let r = app.page("/", Some(&cookie)).await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    assert!(html.contains(r#"<html lang="fa" dir="rtl">"#));
    assert!(html.contains("۳٬۰۰۳"), "stations in Persian digits");
    assert!(html.contains("۲٬۸۵۵"), "village councils");
    assert!(html.contains("<svg class=\"chart\""));
    assert_eq!(
        html.matches("<svg class=\"chart\"").count(),
        2,
        "stations and staffing coverage charts"
    );
    assert_eq!(
        html.matches("<tr data-county=").count(),
        25,
        "a coverage row per county"
    );
    assert!(
        html.contains("۲۲ دی ۱۴۰۴"),
        "today's Jalali date (2026-01-12)"
    );
    assert!(
        html.contains("۱۴۰۴/۱۰/۲۱ ۰۸:۰۰"),
        "registration opening in the timeline"
    );
    assert!(
        html.contains("در جریان"),
        "the city registration window is open on the pinned day"
    );
    assert!(
        html.contains("/assets/fonts/Vazirmatn-Regular.woff2")
            || app
                .page("/assets/app.css", None)
                .await
                .text()
                .contains("Vazirmatn")
    );
    for outside in [
        r#"src="http"#,
        r#"href="http"#,
        "url(http",
        "//fonts.",
        "cdn",
    ] {
        assert!(
            !html.contains(outside),
            "nothing loaded from outside: {outside}"
        );
    }
    // The fixed test clock counts as pinned, and the banner says so.
    assert!(html.contains("pinned-clock"));
}

#[tokio::test]
async fn assets_are_served_locally() {
    let app = TestApp::new().await;
    for (path, kind) in [
        ("/assets/htmx.min.js", "text/javascript"),
        ("/assets/fonts/Vazirmatn-Bold.woff2", "font/woff2"),
        ("/assets/app.css", "text/css"),
    ] {
        let r = app.page(path, None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(r.content_type().starts_with(kind));
        assert!(r.body.len() > 1_000);
    }
    assert_eq!(
        app.page("/assets/nothing.js", None).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn governor_sees_own_county_and_a_persian_403_elsewhere() {
    let (app, cookie) = TestApp::with_session("governor").await;
    let home = app.page("/", Some(&cookie)).await;
    assert_eq!(home.location(), format!("/counties/{OWN_COUNTY}"));
    let own = app
        .page(
            &format!("/counties/{OWN_COUNTY}?kind=city&sort=-population"),
            Some(&cookie),
        )
        .await;
    assert_eq!(own.status, StatusCode::OK);
    let html = own.text();
    assert!(html.contains("شهرستان کرمان"));
    assert!(html.contains("شورای اسلامی شهر کرمان"));
    let foreign = app
        .page(&format!("/counties/{FOREIGN_COUNTY}"), Some(&cookie))
        .await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN);
    assert!(foreign.text().contains("شما به این بخش دسترسی ندارید"));
    let foreign_council = demo_council(|c| c.county_code == FOREIGN_COUNTY);
    app.page(
        &format!("/councils/{}", foreign_council.code),
        Some(&cookie),
    )
    .await
    .assert_status(StatusCode::FORBIDDEN);
    assert_eq!(
        app.page("/audit", Some(&cookie)).await.status,
        StatusCode::FORBIDDEN
    );
    let own_council = demo_council(|c| c.county_code == OWN_COUNTY);
    let council = app
        .page(&format!("/councils/{}", own_council.code), Some(&cookie))
        .await;
    assert_eq!(council.status, StatusCode::OK);
    assert!(council.text().contains(&own_council.name));
}

#[tokio::test]
async fn audit_page_filters_and_paginates() {
    let (app, cookie) = TestApp::with_session("hq").await;
    app.token("observer").await;
    let all = app.page("/audit", Some(&cookie)).await;
    assert_eq!(all.status, StatusCode::OK);
    let html = all.text();
    assert!(
        html.contains(r#"data-action="province.load""#)
            && html.contains(r#"data-action="user.create""#)
            && html.contains(r#"data-action="auth.login""#)
    );
    let filtered = app
        .page("/audit?actor=observer", Some(&cookie))
        .await
        .text();
    assert!(filtered.contains(r#"data-action="auth.login""#));
    assert!(!filtered.contains(r#"data-action="province.load""#));
    let by_date = app
        .page("/audit?from=1404/10/20&to=1404/10/20", Some(&cookie))
        .await
        .text();
    assert!(
        by_date.contains(r#"data-action="province.load""#),
        "setup ran on 2026-01-10 = 1404/10/20"
    );
    assert!(!by_date.contains(r#"data-action="auth.login""#));
    let bad = app.page("/audit?from=1404/13/40", Some(&cookie)).await;
    assert_eq!(bad.status, StatusCode::OK);
    assert!(bad.text().contains("تاریخ «۱۴۰۴/۱۳/۴۰» معتبر نیست"));
    let paged = app
        .page("/audit?per_page=2&page=2", Some(&cookie))
        .await
        .text();
    assert!(paged.contains("صفحه ۲ از"));
}

#[tokio::test]
async fn logout_needs_the_csrf_token() {
    let (app, cookie) = TestApp::with_session("hq").await;
    let csrf = csrf_of(&app.page("/", Some(&cookie)).await.text());
    let before = app.audit_count().await;
    let refused = app.post_form("/logout", Some(&cookie), "").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.text().contains("نشانه امنیتی"));
    assert_eq!(app.audit_count().await, before);
    assert_eq!(
        app.page("/", Some(&cookie)).await.status,
        StatusCode::OK,
        "still logged in"
    );
    let done = app
        .post_form("/logout", Some(&cookie), &format!("csrf_token={csrf}"))
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(app.audit_count().await, before + 1);
    assert_eq!(
        app.page("/", Some(&cookie)).await.status,
        StatusCode::SEE_OTHER,
        "session ended"
    );
}

#[tokio::test]
async fn login_form_refuses_wrong_password_and_missing_csrf_in_persian() {
    let app = TestApp::new().await;
    let (csrf_cookie, token) = app.login_csrf().await;
    // The form as the login page sends it, with its CSRF cookie and token.
    let submit = async |fields: &str| {
        let form = format!("{fields}&csrf_token={token}");
        app.post_form("/login", Some(&csrf_cookie), &form).await
    };
    let wrong = submit("username=hq&password=bad").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.text().contains("نام کاربری یا گذرواژه نادرست است"));
    assert_eq!(wrong.cookie("sandoq_session"), None);
    let no_csrf = app
        .post_form("/login", None, "username=hq&password=hq-1405")
        .await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
    assert!(no_csrf.text().contains("نشانه امنیتی"));
    assert_eq!(no_csrf.cookie("sandoq_session"), None);
    // An empty CSRF cookie does not vouch for an empty field.
    let empty = app
        .post_form(
            "/login",
            Some("sandoq_login_csrf="),
            "username=hq&password=hq-1405&csrf_token=",
        )
        .await;
    assert_eq!(empty.status, StatusCode::FORBIDDEN);
    assert_eq!(empty.cookie("sandoq_session"), None);
    // The session cookie is HttpOnly and SameSite=Strict.
    let ok = submit("username=hq&password=hq-1405&next=//evil.example").await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(ok.location(), "/", "no open redirect");
    // A tab (dropped by browsers, leaving `//evil.example`) or a line break in `next` leads
    // home, never elsewhere and never to a broken header (500).
    for next in ["%2F%09%2Fevil.example", "%2F%0D%0ASet-Cookie%3A+x%3D1"] {
        let sneaky = submit(&format!("username=hq&password=hq-1405&next={next}")).await;
        assert_eq!(sneaky.status, StatusCode::SEE_OTHER, "{next}");
        assert_eq!(sneaky.location(), "/", "{next}");
    }
    let set_cookie: Vec<String> = ok
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let session = set_cookie
        .iter()
        .find(|c| c.starts_with("sandoq_session="))
        .unwrap();
    assert!(
        session.contains("HttpOnly")
            && session.contains("SameSite=Strict")
            && session.contains("Max-Age=")
    );
}

/// Over TLS the session cookie is `Secure` and every answer tells the browser to stay on TLS;
/// on plain HTTP neither (issue 15: no HSTS, cookies not `Secure` by default).
#[tokio::test]
async fn over_tls_cookies_are_secure_and_answers_carry_hsts() {
    for tls in [true, false] {
        let app = TestApp::with_config(web::Config {
            secure_cookies: tls,
            ..Default::default()
        })
        .await;
        let (csrf_cookie, token) = app.login_csrf().await;
        let form = format!("username=hq&password=hq-1405&csrf_token={token}");
        let ok = app.post_form("/login", Some(&csrf_cookie), &form).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
        let session = ok
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .find(|c| c.starts_with("sandoq_session="))
            .unwrap();
        assert_eq!(session.contains("; Secure"), tls, "{session}");
        for path in ["/healthz", "/login", "/no/such/page"] {
            let r = app.page(path, None).await;
            assert_eq!(
                r.headers.get("strict-transport-security").is_some(),
                tls,
                "{path}"
            );
        }
    }
}

#[tokio::test]
async fn station_staff_page_and_navigation() {
    let (app, cookie) = TestApp::with_session("station").await;
    let home = app.page("/", Some(&cookie)).await;
    let target = home.location();
    assert!(target.starts_with("/stations/"));
    let page = app.page(target, Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("شعبه من"));
    assert!(
        !html.contains("گزارش ممیزی"),
        "no audit link for station staff"
    );
    app.page(&format!("/counties/{OWN_COUNTY}"), Some(&cookie))
        .await
        .assert_status(StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn unknown_pages_are_persian_404() {
    let (app, cookie) = TestApp::with_session("hq").await;
    let r = app.page("/counties/99", Some(&cookie)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.text().contains("شهرستان پیدا نشد"));
    let r = app.page("/no/such/page", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.text().contains("lang=\"fa\""));
}

/// A page asked for with a query, a path or a form that does not read is answered with a
/// Persian error page and its stable code, never axum's plain text, and writes nothing.
#[tokio::test]
async fn a_malformed_page_request_is_a_persian_error_page() {
    let (app, cookie) = TestApp::with_session("governor").await;
    let persian_page = |r: &crate::support::Reply, status: StatusCode, code: &str| {
        assert_eq!(r.status, status, "{code}");
        assert!(r.content_type().starts_with("text/html"), "{code}");
        let html = r.text();
        assert!(
            html.contains("lang=\"fa\"") && html.contains(code),
            "{code}"
        );
    };
    let query = app
        .page(&format!("/counties/{OWN_COUNTY}?page=many"), Some(&cookie))
        .await;
    persian_page(&query, StatusCode::BAD_REQUEST, "invalid_query");
    assert!(query.text().contains("پارامترهای درخواست معتبر نیستند"));
    let path = app.page("/stations/%FF%FE", Some(&cookie)).await;
    persian_page(&path, StatusCode::BAD_REQUEST, "invalid_path");

    let station = demo_station(|s| s.county_code == OWN_COUNTY && !s.closed);
    let here = format!("/stations/{}", station.code);
    let csrf = csrf_of(&app.page(&here, Some(&cookie)).await.text());
    let before = app.audit_count().await;
    let form = app
        .post_fields(
            &format!("{here}/edit"),
            Some(&cookie),
            &[("csrf_token", &csrf), ("name", "بی‌شمار")],
        )
        .await;
    persian_page(&form, StatusCode::UNPROCESSABLE_ENTITY, "invalid_form");
    assert!(form.text().contains("فرم ارسال‌شده خوانا نیست"));
    app.assert_audit_count(before, "a form that does not read writes nothing")
        .await;
}

#[tokio::test]
async fn audit_chain_check_from_the_page() {
    let (app, cookie) = TestApp::with_session("hq").await;
    let ok = app.page("/audit/verify", Some(&cookie)).await.text();
    assert!(ok.contains("زنجیره ممیزی سالم است"), "{ok}");
    let token = app.token("hq").await;
    let report = app.get("/api/v1/audit/verify", Some(&token)).await.json();
    assert_eq!(report["intact"], true);
    assert_eq!(report["records"], app.audit_count().await);
    let governor = app.token("governor").await;
    app.assert_forbidden("/api/v1/audit/verify", &governor)
        .await;

    // Behind the system's back: record 3 changes. The page and the API name it.
    app.sqlite
        .raw_execute("UPDATE audit_log SET payload = '{}' WHERE seq = 3")
        .await
        .unwrap();
    let broken = app.get("/api/v1/audit/verify", Some(&token)).await.json();
    assert_eq!(
        (broken["intact"].clone(), broken["broken_at"].clone()),
        (serde_json::json!(false), serde_json::json!(3))
    );
    let page = app.page("/audit/verify", Some(&cookie)).await.text();
    assert!(page.contains("از رکورد ۳ به بعد آسیب دیده است"), "{page}");
}

#[tokio::test]
async fn people_are_found_by_id_or_name_in_persian() {
    let (app, cookie) = TestApp::with_session("governor").await;
    // Someone the county may appoint (linked to no county yet).
    let id = crate::support::fresh_id(7_201);
    app.resident(&id, "1350/01/01", "حسن").await;
    let person = app.store.person(&id).await.unwrap().unwrap();
    let by_id = app
        .page(
            &format!("/people?q={}", &person.national_id.as_str()[..6]),
            Some(&cookie),
        )
        .await;
    assert_eq!(by_id.status, StatusCode::OK);
    assert!(by_id
        .text()
        .contains(&domain::text::persian_digits(person.national_id.as_str())));
    let none = app.page("/people?q=0000000", Some(&cookie)).await.text();
    assert!(none.contains("کسی با این مشخصات پیدا نشد"));
    let station = app.browser_login("station").await;
    assert_eq!(
        app.page("/people?q=1", Some(&station)).await.status,
        StatusCode::FORBIDDEN
    );
}

/// A form posted without a session (one that expired on the page) sends the visitor to log
/// in and back to the page the form was on, not to the form's address; a foreign page is not
/// a destination.
#[tokio::test]
async fn an_anonymous_form_returns_to_its_page_after_logging_in() {
    let app = TestApp::new().await;
    let code = &demo().stations[0].code;
    let post = |referer: &str| {
        Request::builder()
            .method(Method::POST)
            .uri(format!("/stations/{code}/edit"))
            .header(header::HOST, "sandoq.test")
            .header(header::REFERER, referer)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from("name=x"))
            .unwrap()
    };
    let r = app
        .send(post(&format!("http://sandoq.test/stations/{code}")))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), format!("/login?next=/stations/{code}"));
    let r = app
        .send(post(&format!("https://elsewhere.test/stations/{code}")))
        .await;
    assert_eq!(r.location(), "/login?next=/");
    // A page asked for comes back to itself.
    let r = app.page(&format!("/stations/{code}/staff"), None).await;
    assert_eq!(r.location(), format!("/login?next=/stations/{code}/staff"));
}

/// The UI's words are the officials' (issue 20): «انتخاب کنید», not «برگزینید»; «حداکثر», not
/// «دست‌بالا»; a post is ended by «لغو انتصاب», not «آزاد کردن». Every template and every Persian
/// message in the crates' sources is read.
#[test]
fn the_ui_speaks_the_officials_terms() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    let mut dirs = vec![
        root.join("web/templates"),
        root.join("web/src"),
        root.join("app/src"),
        root.join("domain/src"),
        root.join("store/src"),
    ];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("rs" | "html")
            ) {
                files.push(path);
            }
        }
    }
    assert!(files.len() > 50, "{} files read", files.len());
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        for word in ["برگزینید", "برگزیده‌اید", "دست‌بالا", "آزاد کردن"]
        {
            assert!(!text.contains(word), "{word} in {}", path.display());
        }
    }
}

/// On its polling day a station's home is its console, the check-in box first; before, its
/// facts (issue 20: it landed on the facts on election day too).
#[tokio::test]
async fn a_station_lands_on_its_console_on_polling_day() {
    let (app, cookie) = TestApp::with_session("station").await;
    let station = demo_user("station").scope.station().unwrap().to_owned();
    // The test clock is in the registration window, months before polling day.
    let before = app.page("/", Some(&cookie)).await;
    assert_eq!(before.location(), format!("/stations/{station}"));
    // 09:00 Tehran on polling day.
    app.clock.set(time::macros::datetime!(2026-05-01 05:30 UTC));
    let cookie = app.browser_login("station").await;
    let day = app.page("/", Some(&cookie)).await;
    assert_eq!(day.location(), format!("/stations/{station}/day"));
    let console = app.page(day.location(), Some(&cookie)).await;
    assert_eq!(console.status, StatusCode::OK);
    assert!(console.text().contains("روز رأی‌گیری"), "the console");
}
