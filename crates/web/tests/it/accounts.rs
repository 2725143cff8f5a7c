//! Account lifecycle (issue 15): the HQ's users page disables and enables accounts, sets new
//! passwords and ends sessions, each ending the sessions at once on this server; a disabled
//! account is refused like a wrong password; logins past the bound on Argon2 work are refused
//! as `busy`; a session unused past its idle timeout ends (not a station's on polling day).

use crate::support::{csrf_of, form, Reply, TestApp};
use axum::http::StatusCode;

const MINUTE: time::Duration = time::Duration::minutes(1);

/// The users page of `cookie`'s session, and its CSRF token.
async fn users_page(app: &TestApp, cookie: &str) -> (Reply, String) {
    let page = app.page("/users", Some(cookie)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let csrf = csrf_of(&page.text());
    (page, csrf)
}

/// Posts a users-page form with the session's CSRF token and these fields.
async fn act(app: &TestApp, cookie: &str, path: &str, fields: &[(&str, &str)]) -> Reply {
    let (_, csrf) = users_page(app, cookie).await;
    let mut all = vec![("csrf_token", csrf.as_str())];
    all.extend_from_slice(fields);
    app.post_form(path, Some(cookie), &form(&all)).await
}

async fn me(app: &TestApp, token: &str) -> u16 {
    app.get("/api/v1/auth/me", Some(token))
        .await
        .status
        .as_u16()
}

#[tokio::test]
async fn the_hq_lists_accounts_in_persian_and_only_the_hq() {
    let (app, hq) = TestApp::with_session("hq").await;
    let (page, _) = users_page(&app, &hq).await;
    let html = page.text();
    assert!(html.contains("dir=\"rtl\""), "right to left");
    assert!(html.contains("حساب‌های کاربری"));
    for user in ["hq", "governor", "station", "observer"] {
        assert!(html.contains(&format!("data-user=\"{user}\"")), "{user}");
    }
    assert!(html.contains("/users/observer/disable"));
    assert!(
        !html.contains("/users/hq/disable"),
        "no button to disable one's own account"
    );
    assert!(html.contains("href=\"/users\""), "in the HQ's navigation");
    let governor = app.browser_login("governor").await;
    let refused = app.page("/users", Some(&governor)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.text().contains("data-code=\"forbidden\""));
    let home = app.page("/", Some(&governor)).await.text();
    assert!(
        !home.contains("href=\"/users\""),
        "not in others' navigation"
    );
}

/// Disabling ends the account's sessions at once (the cache of this server too), and the
/// account's right password is then refused exactly as a wrong one; enabling lets it in.
#[tokio::test]
async fn a_disabled_account_is_signed_out_and_refused_like_a_wrong_password() {
    let (app, hq) = TestApp::with_session("hq").await;
    let observer = app.token("observer").await;
    assert_eq!(me(&app, &observer).await, 200, "read, and cached");
    let before = app.audit_count().await;
    // Without the session's CSRF token the form is refused.
    let forged = app
        .post_form("/users/observer/disable", Some(&hq), "")
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(forged.text().contains("csrf_failed"));
    let done = act(&app, &hq, "/users/observer/disable", &[]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    assert_eq!(
        done.location(),
        "/users?done=disabled&user=observer&ended=1"
    );
    app.assert_audit_count(before + 1, "one record: user.disable")
        .await;
    assert_eq!(me(&app, &observer).await, 401, "its session ended at once");
    let listed = app.page(done.location(), Some(&hq)).await.text();
    assert!(listed.contains("غیرفعال شد"), "said so");
    assert!(listed.contains("غیرفعال از"), "shown disabled");

    let disabled = app.login("observer", "observer-1405").await;
    let wrong = app.login("observer", "not-the-password").await;
    let unknown = app.login("nobody-at-all", "observer-1405").await;
    for r in [&disabled, &wrong, &unknown] {
        r.assert_problem(401, "invalid_credentials");
    }
    assert_eq!(disabled.json(), wrong.json(), "no oracle");
    assert_eq!(disabled.json(), unknown.json(), "no oracle");

    let enabled = act(&app, &hq, "/users/observer/enable", &[]).await;
    assert_eq!(enabled.status, StatusCode::SEE_OTHER, "{}", enabled.text());
    app.login("observer", "observer-1405")
        .await
        .assert_status(StatusCode::OK);
}

/// The HQ cannot disable its own account (a slip would lock it out), and another HQ
/// account cannot disable the last enabled one behind it.
#[tokio::test]
async fn the_hq_cannot_disable_itself() {
    let (app, hq) = TestApp::with_session("hq").await;
    let before = app.audit_count().await;
    let refused = act(&app, &hq, "/users/hq/disable", &[]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text());
    assert!(refused.text().contains("حساب کاربری خودتان"));
    app.assert_audit_count(before, "nothing written").await;
    assert_eq!(app.page("/users", Some(&hq)).await.status, StatusCode::OK);
    let unknown = act(&app, &hq, "/users/nobody/disable", &[]).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.text());
}

/// A new password set by the HQ ends the account's sessions; the old password stops
/// working. The HQ's new password of its own keeps the session it was set from and ends
/// its others. A short password is refused in Persian and changes nothing.
#[tokio::test]
async fn a_new_password_ends_the_other_sessions() {
    let (app, hq) = TestApp::with_session("hq").await;
    let governor = app.token("governor").await;
    let before = app.audit_count().await;
    let short = act(
        &app,
        &hq,
        "/users/governor/password",
        &[("password", "short")],
    )
    .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.text().contains("دست‌کم ۸ نویسه"), "{}", short.text());
    app.assert_audit_count(before, "nothing written").await;
    assert_eq!(me(&app, &governor).await, 200);

    let set = act(
        &app,
        &hq,
        "/users/governor/password",
        &[("password", "a brand new password")],
    )
    .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.text());
    assert_eq!(me(&app, &governor).await, 401, "its session ended");
    app.login("governor", "governor-1405")
        .await
        .assert_problem(401, "invalid_credentials");
    app.login("governor", "a brand new password")
        .await
        .assert_status(StatusCode::OK);
    let audit = app
        .store
        .audit_page(
            &store::AuditFilter::action("user.password"),
            store::PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(audit.items.len(), 1);
    assert!(!audit.items[0].payload.contains("argon2"), "never the hash");

    // Its own: this session stays, the HQ's other one ends.
    let other_hq = app.token("hq").await;
    let own = act(
        &app,
        &hq,
        "/users/hq/password",
        &[("password", "hq new password")],
    )
    .await;
    assert_eq!(own.status, StatusCode::SEE_OTHER, "{}", own.text());
    assert_eq!(own.location(), "/users?done=password&user=hq&ended=1");
    assert_eq!(app.page("/users", Some(&hq)).await.status, StatusCode::OK);
    assert_eq!(me(&app, &other_hq).await, 401);
}

#[tokio::test]
async fn revoking_ends_every_session_of_the_account() {
    let (app, hq) = TestApp::with_session("hq").await;
    let (one, two) = (app.token("observer").await, app.token("observer").await);
    let governor = app.token("governor").await;
    for t in [&one, &two, &governor] {
        assert_eq!(me(&app, t).await, 200);
    }
    let done = act(&app, &hq, "/users/observer/sessions/revoke", &[]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    assert_eq!(done.location(), "/users?done=revoked&user=observer&ended=2");
    assert_eq!(me(&app, &one).await, 401);
    assert_eq!(me(&app, &two).await, 401);
    assert_eq!(me(&app, &governor).await, 200, "others' sessions stay");
    app.token("observer").await;
}

/// With one Argon2 check allowed at once and none waiting: while one runs, a login is
/// refused at once with 503 `busy` (and `Retry-After`), in Persian on the login page; when
/// it ends, the same login goes through. Before the bound, logins queued without limit.
#[tokio::test]
async fn logins_past_the_bound_on_password_checks_are_refused_busy() {
    let app = TestApp::with_config(web::Config {
        hash_concurrency: 1,
        hash_queue: 0,
        ..web::Config::default()
    })
    .await;
    let held = app.state.app.hashing().try_hold().expect("a free place");
    let busy = app.login("observer", "observer-1405").await;
    busy.assert_problem(503, "busy");
    assert_eq!(busy.header("retry-after"), "1");
    assert!(busy.json()["detail"]
        .as_str()
        .unwrap()
        .contains("دوباره تلاش"));
    let (cookie, token) = app.login_csrf().await;
    let page = app
        .post_form(
            "/login",
            Some(&cookie),
            &form(&[
                ("username", "observer"),
                ("password", "observer-1405"),
                ("csrf_token", &token),
            ]),
        )
        .await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(page.text().contains("چند لحظه دیگر دوباره تلاش کنید"));
    assert!(page.text().contains("name=\"password\""), "the form again");
    drop(held);
    app.login("observer", "observer-1405")
        .await
        .assert_status(StatusCode::OK);
}

/// A session unused for longer than the idle timeout (30 minutes by default) ends; each use
/// moves its end on. The clock is the test's: no waiting.
#[tokio::test]
async fn an_idle_session_ends_and_use_keeps_it_alive() {
    let app = TestApp::new().await;
    let token = app.token("observer").await;
    let cookie = app.browser_login("governor").await;
    app.clock.advance(MINUTE * 29);
    assert_eq!(me(&app, &token).await, 200);
    app.clock.advance(MINUTE * 29);
    assert_eq!(me(&app, &token).await, 200, "used 29 minutes ago");
    let page = app.page("/", Some(&cookie)).await;
    assert!(
        page.status == StatusCode::SEE_OTHER && page.location().starts_with("/login"),
        "the page's session idled out after 58 minutes: {}",
        page.status
    );
    app.clock.advance(MINUTE * 31);
    assert_eq!(me(&app, &token).await, 401, "unused for 31 minutes");
    app.token("observer").await;
}

/// The idle timeout is configurable (`--session-idle-minutes`).
#[tokio::test]
async fn the_idle_timeout_is_configurable() {
    let app = TestApp::with_config(web::Config {
        session_idle: std::time::Duration::from_mins(5),
        ..web::Config::default()
    })
    .await;
    let token = app.token("observer").await;
    app.clock.advance(MINUTE * 4);
    assert_eq!(me(&app, &token).await, 200);
    app.clock.advance(MINUTE * 6);
    assert_eq!(me(&app, &token).await, 401);
}

/// A station's device signed in on its polling day is never idled out (it stands in the
/// station through quiet hours); others signed in then are.
#[tokio::test]
async fn a_station_on_its_polling_day_is_not_idled_out() {
    let (app, station, _) = crate::election_day::election_day().await;
    let observer = app.token("observer").await;
    app.clock.advance(time::Duration::hours(3));
    assert_eq!(me(&app, &station).await, 200, "three quiet hours");
    assert_eq!(me(&app, &observer).await, 401);
}
