//! Candidate registration and vetting through the API (issue 5).

use crate::support::{demo, demo_user, texts_of, Reply, TestApp};
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

pub async fn submit(app: &TestApp, form: &Form) -> Reply {
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
    let before = app.audit_count().await;
    let r = submit(&app, &Form::eligible("0018465986", &council.code)).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let tracking = r.json()["tracking_code"].as_str().unwrap().to_owned();
    assert_eq!(tracking.len(), 12);
    assert_eq!(r.json()["state"], "submitted");
    assert_eq!(app.audit_count().await, before + 1);
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
    let head = app.audit_count().await;
    let cases: Vec<(Form, u16, &str)> = vec![
        (
            Form::eligible("0084575948", &council.code).set("birth_date", "1381/01/01"),
            422,
            "too_young",
        ),
        (
            Form::eligible("0084575948", &council.code).set("education", "associate"),
            422,
            "education_below_minimum",
        ),
        (
            Form::eligible("0084575948", &council.code).set("official_title", "فرماندار"),
            422,
            "not_resigned",
        ),
        (
            Form::eligible("0084575948", &council.code)
                .set("official_title", "فرماندار")
                .set("resigned_on", "1404/08/01")
                .file("resignation_certificate", "application/pdf", PDF.to_vec()),
            422,
            "resigned_too_late",
        ),
        (
            Form::eligible("0084575948", &council.code).set("national_id", "0499370890"),
            422,
            "invalid_national_id",
        ),
        (
            Form::eligible("0084575948", "no-such-council"),
            422,
            "invalid_field",
        ),
        // Uploads are judged by content: a PDF calling itself a JPEG, text calling itself a
        // PDF, a PDF as the photo, a photo over 2 MB.
        (
            Form::eligible("0084575948", &council.code).file("photo", "image/jpeg", PDF.to_vec()),
            422,
            "content_mismatch",
        ),
        (
            Form::eligible("0084575948", &council.code).file(
                "criminal_record",
                "application/pdf",
                b"not a pdf at all".to_vec(),
            ),
            422,
            "unrecognised_content",
        ),
        (
            Form::eligible("0084575948", &council.code).file(
                "photo",
                "application/pdf",
                PDF.to_vec(),
            ),
            422,
            "type_not_accepted",
        ),
        (
            Form::eligible("0084575948", &council.code).file("photo", "image/jpeg", {
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
                ..Form::eligible("0084575948", &council.code)
            },
            422,
            "missing_document",
        ),
    ];
    for (form, status, code) in &cases {
        let r = submit(&app, form).await;
        r.assert_problem(*status, code);
    }
    // Every broken rule is listed, the first one being the code.
    let r = submit(
        &app,
        &Form::eligible("0084575948", &council.code)
            .set("birth_date", "1381/01/01")
            .set("education", "diploma"),
    )
    .await;
    let reasons = texts_of(&r.json()["reasons"], "code");
    assert_eq!(reasons, ["too_young", "education_below_minimum"]);
    assert!(r.json()["detail"].as_str().unwrap().contains("۲۵ سال"));

    // Outside the window (16:30 Tehran, after the day's closing).
    app.clock.set(OPEN + time::Duration::hours(7));
    let late = submit(&app, &Form::eligible("0084575948", &council.code)).await;
    late.assert_problem(422, "registration_closed");
    assert!(late.json()["detail"].as_str().unwrap().contains("۰۸:۰۰"));

    app.assert_audit_count(head, "refusals write nothing").await;
    assert_eq!(files_stored(&app), 0, "nothing kept of a refused upload");
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
    let decide = r#"{"step": "supervision_decision", "approved": false, "reason": "سوءپیشینه"}"#;
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
    let reviewed = app.post(&steps, &executive, review).await;
    assert_eq!(reviewed.status, 200, "{}", reviewed.text());
    assert_eq!(reviewed.json()["state"], "executive_reviewed");
    let rejected = app.post(&steps, &supervision, decide).await;
    assert_eq!(rejected.json()["state"], "rejected");

    // The applicant objects with their national id; a stranger's id is not theirs.
    let object = |id: &str| {
        format!(r#"{{"step": "object", "reason": "گواهی تازه دارم", "national_id": "{id}"}}"#)
    };
    app.json(Method::POST, &steps, None, &object("0499370899"))
        .await
        .assert_problem(404, "not_found");
    let objected = app
        .json(Method::POST, &steps, None, &object("0018465986"))
        .await;
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
