//! The final candidate lists: the public page, its photos, and the CSV and NIST exports.

use crate::registrations::{
    assert_kept_to_scope, big_city_council, county_user, submit, Form, JPEG,
};
use crate::support::{demo, demo_station, demo_user, texts_of, Reply, TestApp};
use domain::access::Role;
use domain::election::CouncilKind;

#[tokio::test]
async fn the_public_list_shows_each_councils_approved_candidates() {
    let app = TestApp::new().await;
    let council = big_city_council();
    let expected: Vec<_> = demo()
        .candidates
        .iter()
        .filter(|c| c.council == council.code)
        .collect();
    assert!(!expected.is_empty());
    let page = app
        .page(&format!("/candidates?council={}", council.code), None)
        .await;
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    assert_eq!(
        html.matches("class=\"candidate-code\"").count(),
        expected.len()
    );
    for c in &expected {
        assert!(
            html.contains(&domain::text::persian_digits(&c.code)),
            "{}",
            c.code
        );
        assert!(html.contains(&c.last_name));
    }
    assert!(html.contains("/api/v1/candidates/csv?council="));
    // Without a council: the choice of county first; an unknown council is not found.
    let start = app.page("/candidates", None).await;
    assert_eq!(start.status, 200);
    assert!(!start.text().contains("class=\"candidate-code\""));
    let unknown = app.page("/candidates?council=nowhere", None).await;
    assert_eq!(unknown.status, 404);
}

/// An occupation a spreadsheet would run as a formula, typed by an applicant, reaches the
/// public CSV as text: the cell starts with `'` (issue 15).
#[tokio::test]
async fn the_public_csv_hands_a_spreadsheet_no_formula() {
    let (app, executive) = TestApp::with_token("executive").await;
    let council = executives_big_city();
    let formula = "=HYPERLINK(\"http://evil.example\",\"x\")";
    let form = Form::eligible("0018465986", &council.code).set("occupation", formula);
    let tracking = approved(&app, &executive, &form).await;
    assert!(!tracking.is_empty());
    let (_, text, rows) = public_csv(&app, &council.code).await;
    assert!(
        rows.iter().any(|r| r[8] == format!("'{formula}")),
        "the applicant's occupation, inert: {text}"
    );
    assert!(
        rows.iter()
            .flatten()
            .all(|cell| !cell.starts_with(['=', '+', '-', '@'])),
        "{text}"
    );
}

/// The public file names the board that took each step, never the member's account (issue 15).
#[tokio::test]
async fn the_public_file_names_the_boards_not_their_members() {
    let (app, executive) = TestApp::with_token("executive").await;
    let council = executives_big_city();
    let id = "0018465986";
    let tracking = approved(&app, &executive, &Form::eligible(id, &council.code)).await;
    let status = app.applicant_lookup(&tracking, id).await;
    assert_eq!(status.status, 200, "{}", status.text());
    let takers = texts_of(&status.json()["history"], "by");
    assert_eq!(
        takers,
        ["applicant", "executive_board", "supervision_board"],
        "{}",
        status.text()
    );
    let page = app
        .post_fields(
            "/registration-status",
            None,
            &[("tracking_code", &tracking), ("national_id", id)],
        )
        .await;
    let html = page.text();
    assert!(
        html.contains("هیأت اجرایی") && html.contains("هیأت نظارت"),
        "{html}"
    );
    for member in ["executive", "supervision-county"] {
        assert!(!html.contains(&format!(">{member}<")), "{member} named");
    }
}

/// The public NIST report (megabytes, free to ask for) is built once per change of the data,
/// not per request (issue 15: each request rebuilt it and starved election day): asked again
/// an hour later it is the same report, built at the same time, until the data changes.
#[tokio::test]
async fn the_public_nist_report_is_built_once_per_change() {
    let app = TestApp::new().await;
    let council = executives_big_city();
    let path = format!("/api/v1/candidates/nist?county={}", council.county_code);
    let first = app.get(&path, None).await;
    assert_eq!(first.status, 200, "{}", first.text());
    app.clock.advance(time::Duration::hours(1));
    let again = app.get(&path, None).await;
    assert_eq!(again.body, first.body, "served from the cache");
    // Signed in after the hour: a session unused for an hour would have idled out.
    let executive = app.token("executive").await;
    approved(
        &app,
        &executive,
        &Form::eligible("0018465986", &council.code),
    )
    .await;
    let after = app.get(&path, None).await;
    assert_ne!(
        after.json()["GeneratedDate"],
        first.json()["GeneratedDate"],
        "rebuilt after a change"
    );
    let listed = |r: &crate::support::Reply| {
        r.json()["Election"][0]["Candidate"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(listed(&after), listed(&first) + 1);
}

/// The public exports go out gzipped to a client that accepts it (issue 15: megabytes of JSON
/// for every anonymous request), plain to one that does not; both built once per change.
#[tokio::test]
async fn the_public_exports_are_served_compressed() {
    let app = TestApp::new().await;
    for path in ["/api/v1/candidates/nist", "/api/v1/candidates/csv"] {
        let plain = app.get(path, None).await;
        assert_eq!(plain.status, 200);
        assert_eq!(plain.header(axum::http::header::CONTENT_ENCODING), "");
        let request = axum::http::Request::get(path)
            .header(axum::http::header::ACCEPT_ENCODING, "gzip")
            .body(axum::body::Body::empty())
            .unwrap();
        let gzipped = app.send(request).await;
        assert_eq!(gzipped.status, 200);
        assert_eq!(gzipped.header(axum::http::header::CONTENT_ENCODING), "gzip");
        assert!(
            gzipped.body.len() * 3 < plain.body.len(),
            "{path}: {} bytes gzipped of {}",
            gzipped.body.len(),
            plain.body.len()
        );
        assert_eq!(&gzipped.body[..2], &[0x1f, 0x8b], "a gzip stream");
        let mut unzipped = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::GzDecoder::new(&gzipped.body[..]),
            &mut unzipped,
        )
        .unwrap();
        assert_eq!(unzipped, plain.body, "{path}: the same export");
        assert_eq!(gzipped.header(axum::http::header::VARY), "accept-encoding");
        // A client that refuses gzip gets it plain.
        let refusing = axum::http::Request::get(path)
            .header(axum::http::header::ACCEPT_ENCODING, "gzip;q=0, identity")
            .body(axum::body::Body::empty())
            .unwrap();
        assert_eq!(app.send(refusing).await.body, plain.body);
    }
}

/// The executive board's county's most populous city council.
fn executives_big_city() -> &'static domain::election::Council {
    let county = match &demo_user("executive").scope {
        domain::access::Scope::County { county } => county.clone(),
        _ => unreachable!(),
    };
    demo()
        .councils
        .iter()
        .filter(|c| c.kind == CouncilKind::City && c.county_code == county)
        .max_by_key(|c| c.population)
        .unwrap()
}

/// Files `form` and has the county's boards approve it; its tracking code.
async fn approved(app: &TestApp, executive: &str, form: &Form) -> String {
    let filed = submit(app, form).await;
    assert_eq!(filed.status, 201, "{}", filed.text());
    let tracking = filed.json()["tracking_code"].as_str().unwrap().to_owned();
    let steps = format!("/api/v1/registrations/{tracking}/steps");
    for authority in ["judiciary", "police", "civil_registration", "intelligence"] {
        let body = format!(r#"{{"authority": "{authority}", "answer": "clear"}}"#);
        let r = app
            .post(
                &format!("/api/v1/registrations/{tracking}/inquiries"),
                executive,
                &body,
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
    }
    let supervision = county_user(app, "supervision-county", Role::SupervisionBoard).await;
    for (token, body) in [
        (
            executive,
            r#"{"step": "executive_review", "qualified": true, "reason": ""}"#,
        ),
        (
            supervision.as_str(),
            r#"{"step": "supervision_decision", "approved": true, "reason": ""}"#,
        ),
    ] {
        let r = app.post(&steps, token, body).await;
        assert_eq!(r.status, 200, "{}", r.text());
    }
    tracking
}

#[tokio::test]
async fn lists_export_as_csv_and_in_nists_format() {
    let app = TestApp::new().await;
    let council = big_city_council();
    let (csv, _, rows) = public_csv(&app, &council.code).await;
    assert!(csv.content_type().starts_with("text/csv"));
    let expected = demo()
        .candidates
        .iter()
        .filter(|c| c.council == council.code)
        .count();
    assert_eq!(rows.len(), expected);
    assert!(rows.iter().all(|r| r[0] == council.code));

    let county = &council.county_code;
    let report = app
        .get(&format!("/api/v1/candidates/nist?county={county}"), None)
        .await;
    assert_eq!(report.status, 200, "{}", report.text());
    let json = report.json();
    let schema: serde_json::Value = serde_json::from_str(include_str!(
        "../../../../standards/NIST_V2_election_results_reporting.json"
    ))
    .unwrap();
    let validator = jsonschema::draft4::new(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&json)
        .take(3)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let councils_in_county = demo()
        .councils
        .iter()
        .filter(|c| &c.county_code == county)
        .count();
    assert_eq!(
        json["Election"][0]["Contest"].as_array().unwrap().len(),
        councils_in_county
    );
    let in_county = demo()
        .candidates
        .iter()
        .filter(|c| {
            demo()
                .councils
                .iter()
                .any(|k| k.code == c.council && &k.county_code == county)
        })
        .count();
    assert_eq!(
        json["Election"][0]["Candidate"].as_array().unwrap().len(),
        in_county
    );
    app.get("/api/v1/candidates/csv?county=nowhere", None)
        .await
        .assert_problem(404, "not_found");
}

/// A council's public candidate CSV: the answer, its text and its rows (header left out).
async fn public_csv(app: &TestApp, council: &str) -> (Reply, String, Vec<Vec<String>>) {
    let csv = app
        .get(&format!("/api/v1/candidates/csv?council={council}"), None)
        .await;
    assert_eq!(csv.status, 200, "{}", csv.text());
    let text = csv.text();
    let rows = csv_reader(&text)
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (csv, text, rows)
}

fn csv_reader(text: &str) -> csv::Reader<&[u8]> {
    csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes())
}

#[tokio::test]
async fn an_approved_candidates_photo_is_on_the_list() {
    let (app, executive) = TestApp::with_token("executive").await;
    let council = executives_big_city();
    let tracking = approved(
        &app,
        &executive,
        &Form::eligible("0018465986", &council.code),
    )
    .await;
    let status = app.applicant_lookup(&tracking, "0018465986").await;
    let code = status.json()["candidate_code"].as_str().unwrap().to_owned();
    let page = app
        .page(&format!("/candidates?council={}", council.code), None)
        .await;
    let html = page.text();
    assert!(html.contains(&format!("src=\"/candidates/photo/{code}\"")));
    let photo = app.get(&format!("/candidates/photo/{code}"), None).await;
    assert_eq!(photo.status, 200);
    assert_eq!(photo.content_type(), "image/jpeg");
    assert_eq!(photo.body, JPEG);
    // A demo candidate filed no photo: initials, and no photo to serve.
    let demo_code = &demo().candidates[0].code;
    assert_eq!(
        app.get(&format!("/candidates/photo/{demo_code}"), None)
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn participation_figures_for_the_information_committee() {
    let (app, hq) = TestApp::with_token("hq").await;
    let r = app.get("/api/v1/registrations/statistics", Some(&hq)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let j = r.json();
    let total = demo().registrations.len();
    assert_eq!(j["total"], total);
    let women = demo()
        .registrations
        .iter()
        .filter(|x| x.application.gender == domain::person::Gender::Female)
        .count();
    assert_eq!(j["women"], women);
    let per_day: i64 = j["per_day"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["registrations"].as_i64().unwrap())
        .sum();
    assert_eq!(per_day, i64::try_from(total).unwrap());
    // A county's governor sees their county only, whatever they ask.
    let governor = app.token("governor").await;
    let own = app
        .get("/api/v1/registrations/statistics", Some(&governor))
        .await
        .json();
    let county = own["county"].as_str().unwrap().to_owned();
    let in_county = demo()
        .registrations
        .iter()
        .filter(|x| {
            demo()
                .councils
                .iter()
                .any(|c| c.code == x.application.council && c.county_code == county)
        })
        .count();
    assert_eq!(own["total"], in_county);
    let statistics = "/api/v1/registrations/statistics";
    assert_kept_to_scope(&app, statistics, &governor, &county).await;
    app.get("/api/v1/registrations/statistics", None)
        .await
        .assert_problem(401, "unauthenticated");

    // The page: cards, charts and the councils short of candidates.
    let cookie = app.browser_login("hq").await;
    let page = app.page("/candidates/participation", Some(&cookie)).await;
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    assert!(html.contains("<svg class=\"chart\""));
    assert!(html.contains(&domain::text::persian_number(i64::try_from(total).unwrap())));
    assert!(html.contains("id=\"short-councils\""));
}

#[tokio::test]
async fn the_ballot_shows_a_candidates_photo() {
    let (app, token, roll) = crate::election_day::election_day().await;
    let station = crate::election_day::own_station();
    let council = demo_station(|s| s.code == station).council_code.clone();
    // A candidate of the station's council filed with a photo and approved (through the store:
    // the registration window is long past on election day).
    let sha = store::files::FileStore::new(&app.state.config.files_dir)
        .put(JPEG)
        .unwrap();
    let application = domain::registration::Application {
        national_id: domain::ids::NationalId::parse("0084575948").unwrap(),
        first_name: "نرگس".into(),
        last_name: "باستانی".into(),
        father_name: "احمد".into(),
        birth_date: time::macros::date!(1980 - 02 - 02),
        gender: domain::person::Gender::Female,
        mobile: domain::ids::MobileNumber::parse("09131111111").unwrap(),
        residence: "کرمان".into(),
        council: council.clone(),
        education: domain::person::Education::Doctorate,
        former_member: false,
        occupation: "پزشک".into(),
        official: None,
        veteran_family: false,
    };
    let by = store::Actor::new("test", app.state.clock.now());
    app.store
        .register(
            &store::NewRegistration {
                election_code: demo().election.code.clone(),
                tracking_code: "900000000001".into(),
                application,
                documents: vec![store::StoredDocument {
                    kind: domain::registration::DocumentKind::Photo,
                    media_type: domain::registration::MediaType::Jpeg,
                    size: i64::try_from(JPEG.len()).unwrap(),
                    sha256: sha,
                }],
            },
            &by,
        )
        .await
        .unwrap();
    for answer in domain::inquiry::all_clear(by.at) {
        app.store
            .record_inquiry(&demo().election.code, "900000000001", &answer, &by)
            .await
            .unwrap();
    }
    let mut code = None;
    for (action, reviewer) in [
        (
            domain::vetting::VettingAction::ExecutiveReview {
                qualified: true,
                reason: String::new(),
                grounds: Vec::new(),
            },
            domain::vetting::Reviewer::ExecutiveBoard,
        ),
        (
            domain::vetting::VettingAction::SupervisionDecision {
                approved: true,
                reason: String::new(),
                grounds: Vec::new(),
            },
            domain::vetting::Reviewer::CountySupervisionBoard,
        ),
    ] {
        code = app
            .store
            .vet(
                &demo().election.code,
                "900000000001",
                &action,
                reviewer,
                &by,
            )
            .await
            .unwrap()
            .candidate_code;
    }
    let code = code.unwrap();
    // Open the station, check a voter in, and show the ballot on the station's device.
    let opening = r#"{"presence": {"head": true, "governor_rep": true, "inspector": true}, "empty_box_shown": true, "zero_reports_shown": true, "forms_received": 400}"#;
    let r = app
        .post(&format!("/api/v1/stations/{station}/open"), &token, opening)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let voter = roll
        .iter()
        .find(|v| v.council == council && v.status == domain::roll::VoterStatus::Alive)
        .unwrap();
    let checked = app
        .post(
            "/api/v1/checkins",
            &token,
            &serde_json::json!({"station": station, "national_id": voter.national_id}).to_string(),
        )
        .await;
    assert_eq!(checked.status, 201, "{}", checked.text());
    let ballot_token = checked.json()["ballot_token"].as_str().unwrap().to_owned();
    // The station's kiosk shows the ballot its console activated.
    let kiosk = crate::support::Kiosk::pair(&app, &token, &station).await;
    let activated = kiosk.activate(&app, &token, &ballot_token).await;
    assert_eq!(activated.status, 201, "{}", activated.text());
    let ballot = app.get("/kiosk", Some(&kiosk.secret)).await;
    assert_eq!(ballot.status, 200, "{}", ballot.text());
    let html = ballot.text();
    assert!(
        html.contains(&format!("src=\"/candidates/photo/{code}\"")),
        "{html}"
    );
    // The others, filed without a photo, show their initials.
    assert!(html.contains("class=\"avatar\" style="));
}

/// A council's kind is in its name («شورای اسلامی شهر کرمان»): the public pages and exports say
/// it once (issue 20: «شورای اسلامی شهر شورای اسلامی شهر کرمان», «شورای شورای …»).
#[tokio::test]
async fn a_councils_kind_is_said_once() {
    let app = TestApp::new().await;
    let council = executives_big_city();
    assert!(council.name.starts_with("شورای اسلامی شهر"));
    let doubled = |text: &str| {
        text.contains("شورای اسلامی شهر شورای")
            || text.contains("شورای اسلامی روستا شورای")
            || text.contains("شورای شورای")
    };
    for path in [
        format!(
            "/candidates?county={}&council={}",
            council.county_code, council.code
        ),
        format!("/turnout?council={}", council.code),
        format!("/api/v1/candidates/nist?council={}", council.code),
    ] {
        let page = app.page(&path, None).await;
        assert_eq!(page.status, 200, "{path}: {}", page.text());
        let text = page.text();
        assert!(!doubled(&text), "{path}");
        assert!(text.contains(&council.name), "{path}");
    }
    let cookie = app.browser_login("hq").await;
    let participation = app.page("/candidates/participation", Some(&cookie)).await;
    assert_eq!(participation.status, 200);
    assert!(!doubled(&participation.text()));
}
