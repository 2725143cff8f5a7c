//! One-time codes on their way out: the provider's HTTP API as the gateway speaks it, and the
//! demo's outbox page (only a demo's).

use crate::registration_pages::prove_on_pages;
use crate::support::{TestApp, RESIDENT_MOBILE};
use app::sms::{HttpGateway, SmsGateway};
use axum::http::{HeaderMap, StatusCode};
use std::sync::{Arc, Mutex};

type Seen = Arc<Mutex<Vec<(String, serde_json::Value)>>>;

/// A provider on 127.0.0.1 that records what it is sent and answers `status`.
async fn provider(status: StatusCode) -> (String, Seen) {
    let seen: Seen = Arc::default();
    let kept = seen.clone();
    let router = axum::Router::new().route(
        "/send",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let kept = kept.clone();
            async move {
                let auth = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_owned();
                let json = serde_json::from_str(&body).unwrap_or(serde_json::Value::Null);
                kept.lock().unwrap().push((auth, json));
                status
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://{addr}/send"), seen)
}

#[tokio::test]
async fn the_http_gateway_posts_the_message_with_its_key() {
    let (url, seen) = provider(StatusCode::OK).await;
    let gateway = HttpGateway::new(&url, "provider-key").unwrap();
    let to = domain::ids::MobileNumber::parse("09131234567").unwrap();
    let at = time::macros::datetime!(2026-01-12 06:00 UTC);
    gateway.send(&to, "کد تأیید: 123456", at).await.unwrap();
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].0, "Bearer provider-key");
    assert_eq!(
        seen[0].1,
        serde_json::json!({"to": "09131234567", "text": "کد تأیید: 123456"})
    );
    // Its key is never in its debug form (nor in logs).
    assert!(!format!("{gateway:?}").contains("provider-key"));

    // A provider that refuses, or is not there, is an error: the code is not taken as sent.
    let (url, _) = provider(StatusCode::INTERNAL_SERVER_ERROR).await;
    let refused = HttpGateway::new(&url, "k")
        .unwrap()
        .send(&to, "x", at)
        .await;
    assert!(refused.unwrap_err().0.contains("500"));
    let gone = HttpGateway::new("http://127.0.0.1:9/send", "k")
        .unwrap()
        .send(&to, "x", at)
        .await;
    assert!(gone.is_err());
    assert!(HttpGateway::new("ftp://example.org/", "k").is_err());
}

#[tokio::test]
async fn a_provider_that_fails_is_a_clear_retryable_error() {
    let (url, _) = provider(StatusCode::BAD_GATEWAY).await;
    let gateway = HttpGateway::new(&url, "k").unwrap();
    let app = TestApp::with_config(web::Config {
        sms: app::sms::Sms::gateway(Arc::new(gateway)),
        ..web::Config::default()
    })
    .await;
    app.resident("0018465986", "1360/05/12", "حسین").await;
    app.ask_code("0018465986", "register")
        .await
        .assert_problem(503, "sms_unavailable");
}

#[tokio::test]
async fn only_a_demo_shows_its_text_messages() {
    let app = TestApp::new().await;
    assert_eq!(
        app.page("/demo/outbox", None).await.status,
        StatusCode::NOT_FOUND,
        "codes kept in a file are not a page outside a demo"
    );
    let demo = TestApp::with_config(web::Config {
        demo: true,
        identity_limits: crate::support::unrationed(),
        ..web::Config::default()
    })
    .await;
    // The demo's form suggests a registry person to try it with.
    let register = demo.page("/register", None).await.text();
    assert!(register.contains(r#"id="demo-hint""#), "{register}");
    demo.resident("0018465986", "1360/05/12", "حسین").await;
    let proven = prove_on_pages(&demo, "0018465986", "1360/05/12", "حسین", "register").await;
    assert_eq!(proven.status, StatusCode::OK);
    let outbox = demo.page("/demo/outbox", None).await;
    assert_eq!(outbox.status, StatusCode::OK);
    let html = outbox.text();
    assert!(html.contains(&domain::text::persian_digits(RESIDENT_MOBILE)));
    assert!(
        html.contains(&demo.code_sent_to(RESIDENT_MOBILE)),
        "the code, to type in"
    );
}
