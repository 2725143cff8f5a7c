//! Issue 18 §2 through the API and the pages: a closed, counted station's minutes are drawn up
//! from its count, signed by each signing post's holder with the key their browser made (here,
//! made in the test) and confirmed by the county's governor, refused with a reason, corrected
//! only by a new version; the council stays unofficial until they are fully signed.

use crate::election_day::{act, council_codes, election_day, own_station, OPENING};
use crate::support::{Kiosk, Reply, TestApp};
use axum::http::Method;
use domain::access::{Role, Scope};
use domain::results::minutes;
use domain::staffing::Post;
use ed25519_dalek::{Signer, SigningKey};

/// An official of the station: their post, account's token and key.
pub struct Official {
    pub post: Post,
    pub token: String,
    pub key: SigningKey,
}

/// Gives the station a holder of every signing post where it has none, an account each, and a
/// key each registered through the API and confirmed by the county's governor: in the order of
/// `minutes::SIGNING_POSTS` (head, secretaries, governor's representative, inspector).
pub async fn officials(app: &TestApp, station: &str) -> Vec<Official> {
    let by = store::Actor::new("test", app.state.clock.now());
    let held = app.store.station_staff(station).await.unwrap();
    let county = crate::support::demo_station(|s| s.code == station)
        .county_code
        .clone();
    let governor = app.token("governor").await;
    let mut out = Vec::new();
    for (i, post) in minutes::SIGNING_POSTS.into_iter().enumerate() {
        let national_id = if let Some(a) = held.iter().find(|a| a.post == post) {
            a.national_id.clone()
        } else {
            {
                let id = domain::ids::NationalId::with_check_digit(8_100 + i as u32).unwrap();
                let person = domain::person::Person {
                    national_id: id.clone(),
                    first_name: "امضا".into(),
                    last_name: format!("کننده {i}"),
                    father_name: String::new(),
                    gender: domain::person::Gender::Female,
                    birth_date: time::macros::date!(1980 - 01 - 01),
                    mobile: None,
                    education: None,
                    sitting_council_member: false,
                    relatives: Vec::new(),
                };
                app.store.create_person(&person, &by).await.unwrap();
                app.store
                    .assign_post(station, post, id.as_str(), &by)
                    .await
                    .unwrap();
                id.as_str().to_owned()
            }
        };
        let username = format!("official-{}", post.as_str());
        app.store
            .create_user(
                &store::NewUser {
                    username: username.clone(),
                    password_hash: web::auth::hash_password(&format!("{username}-1405")).unwrap(),
                    role: Role::StationStaff,
                    scope: Scope::Station {
                        county: county.clone(),
                        station: station.to_owned(),
                    },
                },
                &by,
            )
            .await
            .unwrap();
        let token = app.token(&username).await;
        let key = SigningKey::from_bytes(&[40 + i as u8; 32]);
        let registered = app
            .json(
                Method::POST,
                "/api/v1/signing-keys",
                Some(&token),
                &serde_json::json!({
                    "national_id": national_id,
                    "public_key": minutes::encode(&key.verifying_key().to_bytes()),
                })
                .to_string(),
            )
            .await;
        assert_eq!(registered.status, 201, "{}", registered.text());
        assert_eq!(registered.json()["state"], "pending");
        let id = registered.json()["id"].as_i64().unwrap();
        let confirmed = app
            .post(&format!("/api/v1/signing-keys/{id}/confirm"), &governor, "")
            .await;
        assert_eq!(confirmed.status, 200, "{}", confirmed.text());
        assert_eq!(confirmed.json()["state"], "confirmed");
        out.push(Official { post, token, key });
    }
    out
}

/// The station's minutes as the public API gives them.
pub async fn minutes_of(app: &TestApp, station: &str) -> serde_json::Value {
    let r = app
        .get(&format!("/api/v1/results/stations/{station}/minutes"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

/// Draws up the station's minutes as `token`.
pub async fn draw(app: &TestApp, token: &str, station: &str, body: serde_json::Value) -> Reply {
    app.json(
        Method::POST,
        &format!("/api/v1/stations/{station}/minutes"),
        Some(token),
        &body.to_string(),
    )
    .await
}

/// `official` signs `version` of the station's minutes, whose canonical text is `text`.
pub async fn sign(
    app: &TestApp,
    official: &Official,
    station: &str,
    version: u64,
    text: &str,
) -> Reply {
    let signature = official.key.sign(text.as_bytes()).to_bytes();
    app.json(
        Method::POST,
        &format!("/api/v1/stations/{station}/minutes/{version}/signatures"),
        Some(&official.token),
        &serde_json::json!({ "signature": minutes::encode(&signature) }).to_string(),
    )
    .await
}

/// Draws up a counted station's minutes and has every official sign them.
pub async fn sign_all(app: &TestApp, staff: &str, station: &str) {
    let officials = officials(app, station).await;
    let drawn = draw(app, staff, station, serde_json::json!({})).await;
    assert_eq!(drawn.status, 201, "{}", drawn.text());
    let text = drawn.json()["versions"][0]["text"]
        .as_str()
        .unwrap()
        .to_owned();
    for official in &officials {
        let signed = sign(app, official, station, 1, &text).await;
        assert_eq!(signed.status, 200, "{}", signed.text());
    }
    assert_eq!(minutes_of(app, station).await["fully_signed"], true);
}

/// The station's standing in its council's result.
async fn standing(app: &TestApp, council: &str, station: &str) -> String {
    let result = app
        .get(&format!("/api/v1/results/{council}"), None)
        .await
        .json();
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

#[tokio::test]
async fn minutes_are_signed_by_each_post_refused_with_a_reason_and_corrected_by_a_new_version() {
    let (app, token, roll) = election_day().await;
    let station = own_station();
    let council = roll[0].council.clone();
    let codes = council_codes(&app, &council).await;
    assert_eq!(
        act(&app, &token, &station, "open", OPENING).await.status,
        200
    );
    let kiosk = Kiosk::pair(&app, &token, &station).await;
    for (voter, picked) in roll
        .iter()
        .zip([vec![codes[0].clone()], vec![codes[1].clone()]])
    {
        kiosk
            .check_in_and_vote(&app, &token, &station, voter.national_id.as_str(), &picked)
            .await;
    }
    // Before the count nothing can be drawn up.
    let early = draw(&app, &token, &station, serde_json::json!({})).await;
    early.assert_problem(409, "minutes_not_counted");
    app.clock.set(time::macros::datetime!(2026-05-01 14:30 UTC));
    let token = app.token("station").await;
    assert_eq!(act(&app, &token, &station, "close", "").await.status, 200);
    crate::results::decrypt(&app, &station).await;

    // Counted but unsigned: in the totals, not reported; the console says the minutes wait.
    assert_eq!(standing(&app, &council, &station).await, "not_signed");
    let console = app.browser_login("station").await;
    let day = app
        .page(&format!("/stations/{station}/day"), Some(&console))
        .await
        .text();
    assert!(day.contains("data-minutes=\"not_drawn\""), "{day}");
    assert_eq!(
        minutes_of(&app, &station).await["versions"],
        serde_json::json!([])
    );
    let officials = officials(&app, &station).await;

    let drawn = draw(
        &app,
        &token,
        &station,
        serde_json::json!({"remarks": "  آرام ، بي حادثه "}),
    )
    .await;
    assert_eq!(drawn.status, 201, "{}", drawn.text());
    let v1 = drawn.json()["versions"][0].clone();
    assert_eq!(v1["version"], 1);
    let text = v1["text"].as_str().unwrap().to_owned();
    assert!(text.contains("check_ins:2\n"), "{text}");
    assert!(
        text.contains("remarks:آرام ، بی حادثه\n"),
        "normalised: {text}"
    );
    assert!(text.contains(&format!("council:{council}:2\n")), "{text}");
    assert!(text.contains(&format!("vote:{}:1\n", codes[0])), "{text}");
    let parsed = minutes::Minutes::parse(&text).unwrap();
    assert_eq!(v1["digest"], parsed.digest());
    assert_eq!(drawn.json()["fully_signed"], false);

    // Drawn twice, or corrected without a reason: refused.
    draw(
        &app,
        &token,
        &station,
        serde_json::json!({"remarks": "آرام ، بی حادثه"}),
    )
    .await
    .assert_problem(409, "minutes_unchanged");
    draw(
        &app,
        &token,
        &station,
        serde_json::json!({"remarks": "دیگر"}),
    )
    .await
    .assert_problem(422, "minutes_correction_needs_reason");

    let (head, secretary, inspector) = (&officials[0], &officials[1], &officials[4]);
    assert_eq!(
        (head.post, secretary.post, inspector.post),
        (Post::Head, Post::Secretary1, Post::Inspector)
    );
    let signed = sign(&app, head, &station, 1, &text).await;
    assert_eq!(signed.status, 200, "{}", signed.text());
    sign(&app, head, &station, 1, &text)
        .await
        .assert_problem(409, "already_signed");
    // The secretary's account with the head's signature: it does not verify with her key.
    let forged = app
        .json(
            Method::POST,
            &format!("/api/v1/stations/{station}/minutes/1/signatures"),
            Some(&secretary.token),
            &serde_json::json!({
                "signature": minutes::encode(&head.key.sign(text.as_bytes()).to_bytes())
            })
            .to_string(),
        )
        .await;
    forged.assert_problem(422, "bad_signature");
    // The station's shared device account holds no post and no key.
    sign(
        &app,
        &crate::minutes::Official {
            post: Post::Head,
            token: token.clone(),
            key: SigningKey::from_bytes(&[40; 32]),
        },
        &station,
        1,
        &text,
    )
    .await
    .assert_problem(409, "no_signing_key");
    // An observer may not even try.
    let foreign = app
        .json(
            Method::POST,
            &format!("/api/v1/stations/{station}/minutes/1/refusals"),
            Some(&app.token("observer").await),
            r#"{"reason": "x"}"#,
        )
        .await;
    foreign.assert_problem(403, "forbidden");

    let refused = app
        .json(
            Method::POST,
            &format!("/api/v1/stations/{station}/minutes/1/refusals"),
            Some(&inspector.token),
            r#"{"reason": "شمارش را از نزدیک ندیدم"}"#,
        )
        .await;
    assert_eq!(refused.status, 200, "{}", refused.text());
    for other in &officials[2..4] {
        let signed = sign(&app, other, &station, 1, &text).await;
        assert_eq!(signed.status, 200, "{}", signed.text());
    }
    let refused = minutes_of(&app, &station).await;
    assert_eq!(
        refused["fully_signed"], false,
        "the secretary has not signed"
    );
    assert_eq!(refused["missing"], serde_json::json!(["secretary_1"]));
    assert_eq!(standing(&app, &council, &station).await, "not_signed");
    let signed = sign(&app, secretary, &station, 1, &text).await;
    assert_eq!(signed.status, 200, "{}", signed.text());
    assert_eq!(signed.json()["fully_signed"], true);
    assert_eq!(standing(&app, &council, &station).await, "reported");
    let day = app
        .page(&format!("/stations/{station}/day"), Some(&console))
        .await
        .text();
    assert!(day.contains("data-minutes=\"signed\""), "{day}");

    // The public sheet: the counts, each signer's mark, the fingerprint, the QR code.
    let page = app
        .page(&format!("/results/stations/{station}/minutes"), None)
        .await;
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    assert!(html.contains("data-fully-signed=\"true\""), "{html}");
    assert!(
        html.contains("data-post=\"head\" data-mark=\"signed\""),
        "{html}"
    );
    assert!(
        html.contains("data-post=\"inspector\" data-mark=\"refused\""),
        "{html}"
    );
    assert!(html.contains("شمارش را از نزدیک ندیدم"), "{html}");
    assert!(html.contains(&parsed.digest()), "{html}");
    assert!(html.contains("<svg"), "the QR code: {html}");
    let payload = minutes_of(&app, &station).await["versions"][0]["qr"]
        .as_str()
        .unwrap()
        .to_owned();
    let (read, marks) = minutes::read_qr(&payload).unwrap();
    assert_eq!(read.canonical(), text);
    assert_eq!(marks.len(), 5);

    // A correction is a new version with its reason; the signed one stays, and must be signed
    // again before the station reports.
    let corrected = draw(
        &app,
        &token,
        &station,
        serde_json::json!({"remarks": "یک اعتراض ثبت شد", "reason": "اعتراض ناظر از قلم افتاده بود"}),
    )
    .await;
    assert_eq!(corrected.status, 201, "{}", corrected.text());
    let both = corrected.json();
    assert_eq!(both["versions"].as_array().unwrap().len(), 2);
    assert_eq!(both["versions"][0]["text"], text.as_str());
    assert_eq!(both["versions"][0]["marks"].as_array().unwrap().len(), 5);
    assert_eq!(
        both["versions"][1]["reason"],
        "اعتراض ناظر از قلم افتاده بود"
    );
    assert_eq!(both["fully_signed"], false);
    assert_eq!(standing(&app, &council, &station).await, "not_signed");
    sign(&app, head, &station, 1, &text)
        .await
        .assert_problem(409, "minutes_superseded");
    let old = app
        .page(
            &format!("/results/stations/{station}/minutes?version=1"),
            None,
        )
        .await
        .text();
    assert!(old.contains("جای خود را به نسخهٔ تازه‌تری داده است"), "{old}");
    assert!(
        old.contains("data-post=\"head\" data-mark=\"signed\""),
        "{old}"
    );
}

#[tokio::test]
async fn keys_are_registered_for_a_signing_post_and_confirmed_by_the_county_only() {
    let (app, _, _) = election_day().await;
    let station = own_station();
    let governor = app.token("governor").await;
    let officials = officials(&app, &station).await;
    // A second live key for the same person, a key that is not a point, a person without a
    // post: refused.
    let keys = app
        .get("/api/v1/signing-keys?county=11", Some(&governor))
        .await;
    assert_eq!(keys.status, 200, "{}", keys.text());
    let listed = keys.json();
    let head_key = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["username"] == "official-head")
        .unwrap()
        .clone();
    let again = app
        .json(
            Method::POST,
            "/api/v1/signing-keys",
            Some(&officials[0].token),
            &serde_json::json!({
                "national_id": head_key["national_id"],
                "public_key": minutes::encode(&SigningKey::from_bytes(&[99; 32]).verifying_key().to_bytes()),
            })
            .to_string(),
        )
        .await;
    again.assert_problem(409, "signing_key_exists");
    let bad = app
        .json(
            Method::POST,
            "/api/v1/signing-keys",
            Some(&officials[0].token),
            &serde_json::json!({"national_id": head_key["national_id"], "public_key": "AAAA"})
                .to_string(),
        )
        .await;
    bad.assert_problem(422, "bad_public_key");
    // The observer neither registers nor lists; the governor lists only their county.
    let observer = app.token("observer").await;
    app.assert_forbidden("/api/v1/signing-keys?county=11", &observer)
        .await;
    app.assert_forbidden("/api/v1/signing-keys", &governor)
        .await;
    // Revoked: its holder signs nothing more, and it cannot be revoked twice.
    let id = head_key["id"].as_i64().unwrap();
    let revoked = app
        .post(&format!("/api/v1/signing-keys/{id}/revoke"), &governor, "")
        .await;
    assert_eq!(revoked.json()["state"], "revoked");
    app.post(&format!("/api/v1/signing-keys/{id}/revoke"), &governor, "")
        .await
        .assert_problem(409, "signing_key_revoked");
    app.post(&format!("/api/v1/signing-keys/{id}/confirm"), &governor, "")
        .await
        .assert_problem(409, "signing_key_not_pending");
    // Published: the person and county, never the account.
    let published = app.get("/api/v1/results/signing-keys", None).await.json();
    assert!(published
        .as_array()
        .unwrap()
        .iter()
        .all(|k| k.get("username").is_none() && k["national_id"].is_string()));
    assert_eq!(
        app.store.signing_keys(Some("11")).await.unwrap().len(),
        officials.len()
    );
}
