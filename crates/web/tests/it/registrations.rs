//! Candidate registration and vetting through the API (issue 5).

use crate::support::{demo, demo_user, fresh_id, texts_of, Reply, TestApp};
use axum::http::Method;
use domain::access::{Role, Scope};
use domain::election::CouncilKind;
use std::io::Write;
use store::NewUser;
use time::macros::datetime;

/// 1404/10/22 09:30 Tehran: the city councils' registration is open (the test app's clock).
pub const OPEN: time::OffsetDateTime = datetime!(2026-01-12 06:00 UTC);

pub const JPEG: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1,
];
pub const PDF: &[u8] = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj << >> endobj\ntrailer\n%%EOF\n";

/// The demo executive board's county and its largest city council.
pub fn executive_council() -> &'static domain::election::Council {
    let Scope::County { county } = demo_user("executive").scope.clone() else {
        unreachable!()
    };
    demo()
        .councils
        .iter()
        .filter(|c| c.kind == CouncilKind::City && c.county_code == county)
        .max_by_key(|c| c.population)
        .unwrap()
}

/// The province centre's city council (a large city: a bachelor's degree at least).
pub fn big_city_council() -> &'static domain::election::Council {
    demo()
        .councils
        .iter()
        .filter(|c| c.kind == CouncilKind::City)
        .max_by_key(|c| c.population)
        .unwrap()
}

#[derive(Clone)]
pub struct Form {
    pub fields: Vec<(String, String)>,
    pub files: Vec<(String, String, Vec<u8>)>,
}

impl Form {
    /// A complete, eligible application by a man (so with a military card) for `council`.
    pub fn eligible(national_id: &str, council: &str) -> Self {
        let fields = [
            ("national_id", national_id),
            ("first_name", "علي"),
            ("last_name", "كرماني"),
            ("father_name", "حسین"),
            ("birth_date", "1360/05/12"),
            ("gender", "male"),
            ("mobile", "۰۹۱۳۱۲۳۴۵۶۷"),
            ("residence", "کرمان، بلوار جمهوری"),
            ("council", council),
            ("education", "master"),
            ("occupation", "مهندس عمران"),
            ("veteran_family", "on"),
        ];
        Self {
            fields: fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            files: vec![
                ("photo".into(), "image/jpeg".into(), JPEG.to_vec()),
                ("degree".into(), "application/pdf".into(), PDF.to_vec()),
                (
                    "military_card".into(),
                    "application/pdf".into(),
                    PDF.to_vec(),
                ),
                (
                    "criminal_record".into(),
                    "application/pdf".into(),
                    PDF.to_vec(),
                ),
            ],
        }
    }
    pub fn set(mut self, name: &str, value: &str) -> Self {
        self.fields.retain(|(k, _)| k != name);
        self.fields.push((name.into(), value.into()));
        self
    }
    pub fn file(mut self, name: &str, content_type: &str, bytes: Vec<u8>) -> Self {
        self.files.retain(|(k, _, _)| k != name);
        self.files.push((name.into(), content_type.into(), bytes));
        self
    }
    pub fn body(&self) -> (String, Vec<u8>) {
        let boundary = "sandoq-test-7f3a";
        let mut body = Vec::new();
        for (name, value) in &self.fields {
            write!(
                body,
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .unwrap();
        }
        for (name, content_type, bytes) in &self.files {
            write!(
                body,
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"scan.jpg\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .unwrap();
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        write!(body, "--{boundary}--\r\n").unwrap();
        (format!("multipart/form-data; boundary={boundary}"), body)
    }
}

impl Form {
    /// A field's value, empty when absent.
    pub fn value(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// Files `form` through the API as its applicant would: put in the people registry as the
/// form describes them (when the form names a valid national id and birth date), proven with
/// a one-time code, and the form sent with the proof.
pub async fn submit(app: &TestApp, form: &Form) -> Reply {
    let form = with_proof(app, form).await;
    submit_unproven(app, &form).await
}

/// `form` with a fresh proof of its applicant's identity (who is put in the registry first).
pub async fn with_proof(app: &TestApp, form: &Form) -> Form {
    let id = form.value("national_id");
    let born = form.value("birth_date");
    if domain::ids::NationalId::parse(id).is_err() || domain::calendar::parse_date(born).is_err() {
        return form.clone();
    }
    app.resident(id, born, form.value("father_name")).await;
    let proof = app.prove(id, "register").await;
    form.clone().set("identity_proof", &proof)
}

/// Sends `form` as it is, proof or none.
pub async fn submit_unproven(app: &TestApp, form: &Form) -> Reply {
    let (content_type, body) = form.body();
    app.send_body(
        Method::POST,
        "/api/v1/registrations",
        &content_type,
        &[],
        body,
    )
    .await
}

pub fn files_stored(app: &TestApp) -> usize {
    let root = app.state.config.files_dir.clone();
    walk(&root)
}

fn walk(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .map(|e| {
                let path = e.unwrap().path();
                if path.is_dir() {
                    walk(&path)
                } else {
                    1
                }
            })
            .sum()
    })
}

#[tokio::test]
async fn a_candidate_registers_online_and_follows_the_file() {
    let app = TestApp::new().await;
    let council = big_city_council();
    let form = with_proof(&app, &Form::eligible("0018465986", &council.code)).await;
    let before = app.audit_count().await;
    let r = submit_unproven(&app, &form).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let tracking = r.json()["tracking_code"].as_str().unwrap().to_owned();
    assert_eq!(tracking.len(), 12);
    assert_eq!(r.json()["state"], "submitted");
    // The proof spent, and the filing.
    assert_eq!(app.audit_count().await, before + 2);
    // The documents are on disk under their hashes (the three PDFs are one file).
    assert_eq!(files_stored(&app), 2);

    let (filed, _) = app.registration(&tracking).await;
    assert_eq!(filed.application.first_name, "علی", "names normalised");
    assert_eq!(filed.application.last_name, "کرمانی");
    assert_eq!(filed.application.mobile.as_str(), "09131234567");
    assert!(filed.application.veteran_family);
    assert_eq!(filed.documents.len(), 4);
    let photo = &filed.documents[0];
    let stored = app
        .state
        .config
        .files_dir
        .join(&photo.sha256[..2])
        .join(&photo.sha256);
    assert_eq!(
        std::fs::read(stored).unwrap(),
        JPEG,
        "the stored photo is the upload"
    );

    // The applicant's status: with the national id only.
    let status = app.applicant_lookup(&tracking, "0018465986").await;
    assert_eq!(status.status, 200, "{}", status.text());
    let s = status.json();
    assert_eq!(s["state"], "submitted");
    assert_eq!(s["council_name"], council.name.as_str());
    assert_eq!(s["history"][0]["step"], "submitted");
    assert!(s["deadline"].as_str().is_some());
    let wrong = app.applicant_lookup(&tracking, "0499370899").await;
    wrong.assert_problem(404, "not_found");
    // The national id is never read from an address (issue 15): neither the API's old
    // query string nor the page's.
    let by_address = app
        .get(
            &format!("/api/v1/registrations/{tracking}?national_id=0018465986"),
            None,
        )
        .await;
    assert_ne!(by_address.status, 200, "{}", by_address.text());
    assert!(!by_address.text().contains("council_name"));
    let page = app
        .page(
            &format!("/registration-status?tracking_code={tracking}&national_id=0018465986"),
            None,
        )
        .await;
    assert_eq!(page.status, 200);
    assert!(
        !page.text().contains(&council.name),
        "the file shows only after the form is posted"
    );

    // Once per person per election.
    let again = submit(&app, &Form::eligible("0018465986", &council.code)).await;
    again.assert_problem(409, "already_registered");
}

#[tokio::test]
async fn each_rule_refuses_with_its_code_and_writes_nothing() {
    let app = TestApp::new().await;
    let council = big_city_council();
    // Each case is another applicant, proven and in the registry as their form says.
    let form = |n: u32| Form::eligible(&fresh_id(9_100 + n), &council.code);
    let cases: Vec<(Form, u16, &str)> = vec![
        (form(1).set("birth_date", "1381/01/01"), 422, "too_young"),
        (
            form(2).set("education", "associate"),
            422,
            "education_below_minimum",
        ),
        (
            form(3).set("official_title", "فرماندار"),
            422,
            "not_resigned",
        ),
        (
            form(4)
                .set("official_title", "فرماندار")
                .set("resigned_on", "1404/08/01")
                .file("resignation_certificate", "application/pdf", PDF.to_vec()),
            422,
            "resigned_too_late",
        ),
        (
            Form::eligible(&fresh_id(9_105), "no-such-council"),
            422,
            "invalid_field",
        ),
        // Uploads are judged by content: a PDF calling itself a JPEG, text calling itself a
        // PDF, a PDF as the photo, a photo over 2 MB.
        (
            form(6).file("photo", "image/jpeg", PDF.to_vec()),
            422,
            "content_mismatch",
        ),
        (
            form(7).file(
                "criminal_record",
                "application/pdf",
                b"not a pdf at all".to_vec(),
            ),
            422,
            "unrecognised_content",
        ),
        (
            form(8).file("photo", "application/pdf", PDF.to_vec()),
            422,
            "type_not_accepted",
        ),
        (
            form(9).file("photo", "image/jpeg", {
                let mut big = JPEG.to_vec();
                big.resize(2 * 1024 * 1024 + 1, 0);
                big
            }),
            422,
            "file_too_large",
        ),
        (
            Form {
                files: Vec::new(),
                ..form(10)
            },
            422,
            "missing_document",
        ),
        // The registry's birth date, not another.
        (
            Form::eligible(&fresh_id(9_111), &council.code),
            422,
            "identity_mismatch",
        ),
    ];
    app.resident(&fresh_id(9_111), "1355/01/01", "حسین").await;
    for (form, status, code) in &cases {
        let r = submit(&app, form).await;
        r.assert_problem(*status, code);
    }
    // Every broken rule is listed, the first one being the code.
    let r = submit(
        &app,
        &form(12)
            .set("birth_date", "1381/01/01")
            .set("education", "diploma"),
    )
    .await;
    let reasons = texts_of(&r.json()["reasons"], "code");
    assert_eq!(reasons, ["too_young", "education_below_minimum"]);
    assert!(r.json()["detail"].as_str().unwrap().contains("۲۵ سال"));

    // Outside the window (16:30 Tehran, after the day's closing).
    app.clock.set(OPEN + time::Duration::hours(7));
    let late = submit(&app, &form(13)).await;
    late.assert_problem(422, "registration_closed");
    assert!(late.json()["detail"].as_str().unwrap().contains("۰۸:۰۰"));

    // No filing and no proof spent: every refused applicant may file again.
    assert_eq!(
        app.audit_actions("registration.").await,
        0,
        "refusals write nothing"
    );
    assert_eq!(app.audit_actions("identity.proof_spent").await, 0);
    assert_eq!(files_stored(&app), 0, "nothing kept of a refused upload");
}

#[tokio::test]
async fn a_filing_without_an_entered_code_is_never_accepted() {
    let app = TestApp::new().await;
    let council = big_city_council();
    let id = "0018465986";
    let form = Form::eligible(id, &council.code);
    app.resident(id, "1360/05/12", "حسین").await;
    // What anyone could send before: the form alone, under someone's national id.
    submit_unproven(&app, &form)
        .await
        .assert_problem(403, "identity_not_verified");
    // A made-up proof, and a code asked for but never entered.
    submit_unproven(&app, &form.clone().set("identity_proof", "made-up"))
        .await
        .assert_problem(403, "identity_not_verified");
    let asked = app.ask_code(id, "register").await;
    asked.assert_status(axum::http::StatusCode::CREATED);
    assert_eq!(
        asked.json()["sent_to"],
        "0913•••••21",
        "the registry's mobile, masked"
    );
    let challenge = asked.json()["challenge"].as_str().unwrap().to_owned();
    submit_unproven(&app, &form.clone().set("identity_proof", &challenge))
        .await
        .assert_problem(403, "identity_not_verified");
    // A wrong code is counted; the right one, entered, makes the proof.
    let enter = |code: &str| serde_json::json!({"challenge": challenge, "code": code}).to_string();
    let code = app.code_sent_to(crate::support::RESIDENT_MOBILE);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    app.json(Method::POST, "/api/v1/identity/proofs", None, &enter(wrong))
        .await
        .assert_problem(422, "wrong_code");
    let proven = app
        .json(Method::POST, "/api/v1/identity/proofs", None, &enter(&code))
        .await;
    proven.assert_status(axum::http::StatusCode::CREATED);
    let proof = proven.json()["identity_proof"].as_str().unwrap().to_owned();
    // A proof of one person is no proof of another.
    let other = Form::eligible(&fresh_id(9_200), &council.code).set("identity_proof", &proof);
    submit_unproven(&app, &other)
        .await
        .assert_problem(403, "wrong_proof");
    assert_eq!(app.audit_actions("registration.").await, 0);
    assert_eq!(files_stored(&app), 0);
    // With it, the filing goes in, once: the proof is spent.
    let filed = submit_unproven(&app, &form.clone().set("identity_proof", &proof)).await;
    filed.assert_status(axum::http::StatusCode::CREATED);
    submit_unproven(&app, &form.clone().set("identity_proof", &proof))
        .await
        .assert_problem(403, "proof_spent");
    // The real person cannot be squatted on: nobody could file in their name without the
    // code sent to their own phone.
    assert_eq!(app.audit_actions("registration.").await, 1);
}

#[tokio::test]
async fn codes_go_only_to_the_registry_and_are_rationed() {
    // The limits as deployed.
    let app = TestApp::with_config(web::Config::default()).await;
    let id = "0018465986";
    app.resident(id, "1360/05/12", "حسین").await;
    let ask = |born: &str, father: &str| {
        serde_json::json!({"national_id": id, "birth_date": born, "father_name": father, "purpose": "register"})
            .to_string()
    };
    // A wrong birth date or father's name: refused, and which is wrong is not said.
    let wrong = app
        .json(
            Method::POST,
            "/api/v1/identity/codes",
            None,
            &ask("1360/05/13", "حسین"),
        )
        .await;
    wrong.assert_problem(422, "identity_mismatch");
    let unknown = serde_json::json!({"national_id": fresh_id(9_300), "birth_date": "1360/05/12", "father_name": "حسین", "purpose": "register"});
    app.json(
        Method::POST,
        "/api/v1/identity/codes",
        None,
        &unknown.to_string(),
    )
    .await
    .assert_problem(422, "identity_mismatch");
    app.json(
        Method::POST,
        "/api/v1/identity/codes",
        None,
        r#"{"national_id": "0499370890", "birth_date": "1360/05/12", "father_name": "حسین", "purpose": "register"}"#,
    )
    .await
    .assert_problem(422, "invalid_national_id");
    // The look-up that failed counts: the next code waits a minute.
    let sent = app
        .json(
            Method::POST,
            "/api/v1/identity/codes",
            None,
            &ask("1360/05/12", "حسين"),
        )
        .await;
    sent.assert_problem(429, "code_requested_too_soon");
    app.clock.set(OPEN + time::Duration::minutes(2));
    let sent = app
        .json(
            Method::POST,
            "/api/v1/identity/codes",
            None,
            &ask("1360/05/12", "حسين"),
        )
        .await;
    sent.assert_status(axum::http::StatusCode::CREATED);
    let first_code = app.code_sent_to(crate::support::RESIDENT_MOBILE);
    // Sent to the registry's number, whatever number a form would type.
    let outbox = app.state.app.sms().kept().unwrap().messages();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].to, crate::support::RESIDENT_MOBILE);
    // Five an hour for a national id, failed look-ups included.
    for minute in [4, 6, 8] {
        app.clock.set(OPEN + time::Duration::minutes(minute));
        app.json(
            Method::POST,
            "/api/v1/identity/codes",
            None,
            &ask("1360/05/12", "حسین"),
        )
        .await
        .assert_status(axum::http::StatusCode::CREATED);
    }
    app.clock.set(OPEN + time::Duration::minutes(10));
    app.json(
        Method::POST,
        "/api/v1/identity/codes",
        None,
        &ask("1360/05/12", "حسین"),
    )
    .await
    .assert_problem(429, "too_many_codes");
    // The store keeps the token's hash, not the token, and the code only bound to the token.
    let challenge = sent.json()["challenge"].as_str().unwrap().to_owned();
    let code = first_code;
    assert!(app.store.challenge(&challenge).await.unwrap().is_none());
    let stored = app
        .store
        .challenge(&app::random::token_hash(&challenge))
        .await
        .unwrap()
        .expect("kept by the token's hash");
    let code_hash = stored.code_hash.unwrap();
    assert_eq!(code_hash.len(), 64);
    assert_ne!(
        code_hash,
        app::random::token_hash(&code),
        "not the code's plain hash"
    );
}

/// A user of `role` scoped to the demo's Kerman county (the executive user's county).
pub async fn county_user(app: &TestApp, username: &str, role: Role) -> String {
    let county = demo_user("executive").scope.clone();
    assert!(matches!(county, Scope::County { .. }));
    app.store
        .create_user(
            &NewUser {
                username: username.into(),
                password_hash: web::auth::hash_password(&format!("{username}-1405")).unwrap(),
                role,
                scope: county,
            },
            &store::Actor::new("test", OPEN),
        )
        .await
        .unwrap();
    app.token(username).await
}

#[tokio::test]
async fn boards_vet_and_the_applicant_objects_through_the_api() {
    let app = TestApp::new().await;
    let council = executive_council();
    let county = &council.county_code;
    let r = submit(&app, &Form::eligible("0018465986", &council.code)).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let tracking = r.json()["tracking_code"].as_str().unwrap().to_owned();
    let steps = format!("/api/v1/registrations/{tracking}/steps");
    let executive = app.token("executive").await;
    let supervision = county_user(&app, "supervision-county", Role::SupervisionBoard).await;
    let governor = app.token("governor").await;

    // Deciding before the executive board's review is illegal; a governor may not vet.
    let decide = r#"{"step": "supervision_decision", "approved": false, "reason": "سوءپیشینه", "grounds": ["criminal_conviction"]}"#;
    app.post(&steps, &supervision, decide)
        .await
        .assert_problem(409, "illegal_transition");
    let review = r#"{"step": "executive_review", "qualified": true, "reason": "مدارک کامل است"}"#;
    app.post(&steps, &governor, review)
        .await
        .assert_problem(403, "forbidden");
    app.json(Method::POST, &steps, None, review)
        .await
        .assert_problem(401, "unauthenticated");
    for authority in ["judiciary", "police", "civil_registration", "intelligence"] {
        let body = format!(r#"{{"authority": "{authority}", "answer": "clear"}}"#);
        let r = app
            .post(
                &format!("/api/v1/registrations/{tracking}/inquiries"),
                &executive,
                &body,
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
    }
    let reviewed = app.post(&steps, &executive, review).await;
    assert_eq!(reviewed.status, 200, "{}", reviewed.text());
    assert_eq!(reviewed.json()["state"], "executive_reviewed");
    let rejected = app.post(&steps, &supervision, decide).await;
    assert_eq!(rejected.json()["state"], "rejected");

    // The applicant objects with a proof of their national id (a one-time code to their
    // phone): the tracking code alone is not enough, and a stranger's proof is not theirs.
    let object = |proof: &str| {
        serde_json::json!({"step": "object", "reason": "گواهی تازه دارم", "identity_proof": proof})
            .to_string()
    };
    app.json(
        Method::POST,
        &steps,
        None,
        r#"{"step": "object", "reason": "x"}"#,
    )
    .await
    .assert_problem(403, "identity_not_verified");
    app.resident("0499370899", "1362/02/02", "رضا").await;
    let stranger = app.prove("0499370899", "applicant").await;
    app.json(Method::POST, &steps, None, &object(&stranger))
        .await
        .assert_problem(404, "not_found");
    let filing_proof = app.prove("0018465986", "register").await;
    app.json(Method::POST, &steps, None, &object(&filing_proof))
        .await
        .assert_problem(403, "wrong_proof");
    let proof = app.prove("0018465986", "applicant").await;
    let objected = app.json(Method::POST, &steps, None, &object(&proof)).await;
    assert_eq!(objected.status, 200, "{}", objected.text());
    assert_eq!(objected.json()["state"], "objected_to_county");
    let upheld = app
        .post(
            &steps,
            &supervision,
            r#"{"step": "objection_decision", "upheld": true, "reason": "گواهی پذیرفته شد"}"#,
        )
        .await;
    assert_eq!(upheld.json()["state"], "approved", "{}", upheld.text());
    let code = upheld.json()["candidate_code"].as_str().unwrap().to_owned();
    let upheld = upheld.json();
    let history: Vec<&str> = upheld["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["step"].as_str().unwrap())
        .collect();
    assert_eq!(
        history,
        [
            "submitted",
            "executive_review",
            "supervision_decision",
            "object",
            "objection_decision"
        ]
    );
    // The approved candidate is on the council's public list with their code.
    let list = app
        .get(
            &format!("/api/v1/councils/{}/candidates", council.code),
            None,
        )
        .await;
    assert!(list
        .json()
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["code"] == code.as_str() && c["last_name"] == "کرمانی"));

    // Once the polls open, the approved candidate can no longer withdraw (issue 20): the
    // refusal costs no code, and the status page offers no withdrawal.
    let status_page = || async {
        app.post_fields(
            "/registration-status",
            None,
            &[
                ("tracking_code", tracking.as_str()),
                ("national_id", "0018465986"),
            ],
        )
        .await
        .text()
    };
    assert!(status_page().await.contains(r#"id="steps-need-identity""#));
    app.clock.set(time::macros::datetime!(2026-05-01 05:00 UTC));
    let proof = app.prove("0018465986", "applicant").await;
    let withdraw =
        serde_json::json!({"step": "withdraw", "reason": "", "identity_proof": proof}).to_string();
    app.json(Method::POST, &steps, None, &withdraw)
        .await
        .assert_problem(409, "withdrawal_closed");
    let page = app.applicant_lookup(&tracking, "0018465986").await.text();
    assert!(!page.contains(r#"id="withdraw-section""#), "{page}");
    app.clock.set(time::macros::datetime!(2026-01-12 06:00 UTC));

    // The boards' list: their county's, with the state; a station user sees nothing.
    let listed = app
        .get(
            &format!(
                "/api/v1/registrations?state=approved&council={}&per_page=500",
                council.code
            ),
            Some(&executive),
        )
        .await;
    assert_eq!(listed.status, 200, "{}", listed.text());
    let approved_in_demo = demo()
        .candidates
        .iter()
        .filter(|c| c.council == council.code)
        .count();
    assert_eq!(listed.json()["total"], approved_in_demo + 1);
    let items = listed.json()["items"].as_array().unwrap().clone();
    assert!(items
        .iter()
        .all(|i| i["state"] == "approved" && i["county"] == county.as_str()));
    assert!(items
        .iter()
        .any(|i| i["tracking_code"] == tracking.as_str()));
    // Another county's list is not the executive board's to read.
    assert_kept_to_scope(&app, "/api/v1/registrations", &executive, county).await;
}

/// A read of registrations keeps to the reader's scope: the county-scoped `token` is refused
/// another county than `own`, and a station's staff are refused it whole.
pub async fn assert_kept_to_scope(app: &TestApp, path: &str, token: &str, own: &str) {
    let elsewhere = demo().counties.iter().find(|c| c.code != own).unwrap();
    let sep = if path.contains('?') { '&' } else { '?' };
    let other_county = format!("{path}{sep}county={}", elsewhere.code);
    app.assert_forbidden(&other_county, token).await;
    let station = app.token("station").await;
    app.assert_forbidden(path, &station).await;
}

/// A board's step tells whether a file exists only to those who see registrations: anyone
/// else is refused alike for a file that exists and one that does not.
#[tokio::test]
async fn a_boards_step_tells_nothing_to_who_does_not_see_registrations() {
    let app = TestApp::new().await;
    let council = executive_council();
    let r = submit(&app, &Form::eligible("0018465986", &council.code)).await;
    let tracking = r.json()["tracking_code"].as_str().unwrap().to_owned();
    let review = r#"{"step": "executive_review", "qualified": true, "reason": ""}"#;
    for user in ["inspection", "observer", "station"] {
        let token = app.token(user).await;
        for code in [tracking.as_str(), "000000000000"] {
            app.post(
                &format!("/api/v1/registrations/{code}/steps"),
                &token,
                review,
            )
            .await
            .assert_problem(403, "forbidden");
        }
    }
    // Who sees registrations learns that a file does not exist.
    let hq = app.token("hq").await;
    app.post("/api/v1/registrations/000000000000/steps", &hq, review)
        .await
        .assert_problem(404, "not_found");
}

/// Documents written for a filing the store then refused (or left by a crash) are swept once an
/// hour old; the documents of registrations stay (issue 15: refused filings filled the disk).
#[tokio::test]
async fn uploads_no_registration_holds_are_swept() {
    let app = TestApp::new().await;
    let council = big_city_council();
    let filed = submit(&app, &Form::eligible("0018465986", &council.code)).await;
    filed.assert_status(axum::http::StatusCode::CREATED);
    let held = files_stored(&app);
    assert_eq!(held, 2);
    // What a refused filing leaves: a content no registration holds, and a crash's temporary
    // file.
    let files = store::files::FileStore::new(&app.state.config.files_dir);
    let orphan = files.put(b"%PDF-1.7 a filing the store refused").unwrap();
    let crashed = app
        .state
        .config
        .files_dir
        .join(&orphan[..2])
        .join(".upload-1-1.tmp");
    std::fs::write(&crashed, b"half").unwrap();
    assert_eq!(files_stored(&app), held + 2);
    let newest = files
        .stored()
        .unwrap()
        .into_iter()
        .map(|s| s.modified)
        .max()
        .unwrap();
    let registrations = app.state.app.registrations();
    // Not before they are an hour old: a filing under way writes its documents first.
    app.clock
        .set(time::OffsetDateTime::from(newest) + time::Duration::minutes(30));
    assert_eq!(
        registrations
            .sweep_orphans(time::Duration::hours(1))
            .await
            .unwrap(),
        0
    );
    app.clock
        .set(time::OffsetDateTime::from(newest) + time::Duration::hours(2));
    assert_eq!(
        registrations
            .sweep_orphans(time::Duration::hours(1))
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        files_stored(&app),
        held,
        "the registration's documents stay"
    );
    assert!(files.get(&orphan).is_err());
}
