//! The OpenAPI document lists every answer each operation can give: what the middleware and the
//! extractors answer (restated here from what they do, not from the code that documents them),
//! each refusal as `application/problem+json` with the `Problem` schema, each success with its
//! content type. A new handler cannot leave one out without this failing; `scripts/fuzz-api`
//! checks the same against the live server. `walk.rs` keeps the document in step with the
//! routes.

use crate::support::TestApp;
use axum::body::Body;
use axum::http::{header, Method, Request};
use serde_json::Value;
use std::collections::BTreeSet;

/// What an operation answers because of what it is: (status, the code its description names).
fn common_answers(
    method: &str,
    path: &str,
    operation: &Value,
) -> Vec<(&'static str, &'static str)> {
    let method: Method = method.to_uppercase().parse().unwrap();
    let parameters: Vec<&str> = operation["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| p["in"].as_str().unwrap())
        .collect();
    let body_types: Vec<&String> = operation["requestBody"]["content"]
        .as_object()
        .into_iter()
        .flat_map(|c| c.keys())
        .collect();
    let mut answers = vec![
        // The router's time limit, and any failure of the server (a panic included).
        ("408", "request_timeout"),
        ("500", "internal_error"),
    ];
    if !web::auth::is_public(&method, path) {
        // The middleware refuses a private route without a session before its handler runs;
        // the policy refuses a role or scope.
        answers.extend([("401", "unauthenticated"), ("403", "forbidden")]);
    }
    if !matches!(method, Method::GET | Method::HEAD | Method::OPTIONS) {
        // Any state change riding on the session cookie needs the CSRF token.
        answers.push(("403", "csrf_failed"));
    }
    if parameters.contains(&"path") {
        answers.extend([("400", "invalid_path"), ("404", "not_found")]);
    }
    if parameters.contains(&"query") {
        answers.push(("400", "invalid_query"));
    }
    if body_types.iter().any(|t| t.starts_with("application/json")) {
        answers.push(("400", "malformed_json"));
    }
    if !body_types.is_empty() {
        answers.extend([
            ("413", "payload_too_large"),
            ("415", "unsupported_media_type"),
            ("422", "invalid_field"),
        ]);
    }
    answers
}

/// Every operation of the document, as (method, path, operation).
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            if [
                "get", "put", "post", "delete", "patch", "head", "options", "trace",
            ]
            .contains(&method.as_str())
            {
                out.push((method.clone(), path.clone(), operation.clone()));
            }
        }
    }
    out
}

#[test]
fn every_operation_documents_every_answer_it_can_give() {
    let doc = serde_json::to_value(web::openapi()).unwrap();
    assert_eq!(doc["security"], serde_json::json!([{"bearer": []}]));
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let operations = operations(&doc);
    assert!(operations.len() > 50, "{} operations", operations.len());
    let mut missing = Vec::new();
    for (method, path, operation) in &operations {
        let name = format!("{} {path}", method.to_uppercase());
        let responses = operation["responses"].as_object().unwrap();
        // The path parameters are the path's own, and only they: the rest are in the query.
        let template: BTreeSet<&str> = path
            .split('{')
            .skip(1)
            .map(|s| s.split('}').next().unwrap())
            .collect();
        let in_path: BTreeSet<&str> = operation["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "path")
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(in_path, template, "{name}: path parameters");
        // Open to everyone exactly when the middleware lets it through without a session.
        let public = web::auth::is_public(&method.to_uppercase().parse().unwrap(), path);
        let anonymous = operation["security"].as_array().is_some_and(|s| {
            s.iter()
                .any(|r| r.as_object().is_some_and(serde_json::Map::is_empty))
        });
        assert_eq!(
            anonymous, public,
            "{name}: security {}",
            operation["security"]
        );
        for (status, code) in common_answers(method, path, operation) {
            let documented = responses
                .get(status)
                .and_then(|r| r["description"].as_str())
                .is_some_and(|d| d.contains(&format!("`{code}`")));
            if !documented {
                missing.push(format!("{name}: {status} `{code}`"));
            }
        }
        for (status, response) in responses {
            let content = response["content"].as_object();
            if status.starts_with('4') || status.starts_with('5') {
                let content = content.unwrap_or_else(|| panic!("{name} {status}: no content"));
                assert_eq!(
                    content.keys().collect::<Vec<_>>(),
                    ["application/problem+json"],
                    "{name} {status}"
                );
                assert_eq!(
                    content["application/problem+json"]["schema"]["$ref"],
                    "#/components/schemas/Problem",
                    "{name} {status}"
                );
            } else if status == "204" {
                assert!(
                    content.is_none_or(serde_json::Map::is_empty),
                    "{name} 204 has a body"
                );
            } else {
                assert!(
                    content.is_some_and(|c| !c.is_empty()),
                    "{name} {status}: no content type"
                );
            }
        }
        assert!(
            responses.keys().any(|s| s.starts_with('2')),
            "{name}: no success"
        );
        if let Some(unauthorized) = responses.get("401") {
            assert!(
                unauthorized["headers"]["WWW-Authenticate"].is_object(),
                "{name}: 401 without WWW-Authenticate"
            );
        }
    }
    assert!(
        missing.is_empty(),
        "undocumented answers:\n{}",
        missing.join("\n")
    );
    // The answers only some operations give stay in their handlers' annotations.
    let login = &doc["paths"]["/api/v1/auth/login"]["post"]["responses"];
    assert!(
        login["401"].is_object() && login["429"].is_object(),
        "{login}"
    );
    let csv = &doc["paths"]["/api/v1/stations/export.csv"]["get"]["responses"]["200"];
    assert!(csv["content"]["text/csv"].is_object(), "{csv}");
}

/// The answers the document promises for what the middleware and the extractors refuse are
/// what the server gives.
#[tokio::test]
async fn refusals_before_the_handler_are_problem_documents() {
    let app = TestApp::new().await;
    let token = app.token("hq").await;
    // A path parameter that is not of its type.
    app.get("/api/v1/meetings/first", Some(&token))
        .await
        .assert_problem(400, "invalid_path");
    // A JSON body without its content type.
    let request = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/auth/login")
        .body(Body::from(r#"{"username":"hq","password":"hq-1405"}"#))
        .unwrap();
    app.send(request)
        .await
        .assert_problem(415, "unsupported_media_type");
    let request = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/auth/login")
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from(r#"{"username":"hq","password":"hq-1405"}"#))
        .unwrap();
    app.send(request)
        .await
        .assert_problem(415, "unsupported_media_type");
    // A state change on the session cookie without its CSRF token, on a public operation.
    let cookie = app.browser_login("hq").await;
    let request = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/auth/login")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::COOKIE, &cookie)
        .body(Body::from(r#"{"username":"hq","password":"hq-1405"}"#))
        .unwrap();
    app.send(request).await.assert_problem(403, "csrf_failed");
    // A method the path does not serve, with the methods it does (without a session, the
    // method is as private as any and the answer 401).
    let request = Request::builder()
        .method(Method::DELETE)
        .uri("/api/v1/turnout")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let r = app.send(request).await;
    r.assert_problem(405, "method_not_allowed");
    assert_eq!(r.headers[header::ALLOW], "GET,HEAD");
}

/// Answers the API fuzzer met that no one had listed, kept as they now are.
#[tokio::test]
async fn answers_the_fuzzer_found() {
    let app = TestApp::new().await;
    let token = app.token("hq").await;
    // A county code with a control character once made the file's name an invalid header
    // (500); no county has such a code, so there is no file to name (`web::api::attachment`
    // still keeps a file's name to safe characters: its own test).
    app.get("/api/v1/stations/export.csv?county=%01%22x", Some(&token))
        .await
        .assert_problem(404, "not_found");
    app.get("/api/v1/turnout?county=99", None)
        .await
        .assert_problem(404, "not_found");
    app.get("/api/v1/people?q=", Some(&token))
        .await
        .assert_problem(422, "invalid_field");
    app.get("/api/v1/audit?from=yesterday", Some(&token))
        .await
        .assert_problem(422, "invalid_date");
}

/// Two Rust types of one name would share one schema in the document, the later overwriting
/// the earlier, and the fuzzer then finds answers that "violate" it (issue 16: a council and
/// the security council, the plan's status and the readiness plan standing, the incidents' and
/// the readiness overdue reasons, the vetting and incident steps). Each keeps its own.
#[test]
fn schemas_of_one_name_are_one_type() {
    let doc: Value = serde_json::to_value(web::openapi()).unwrap();
    let schemas = &doc["components"]["schemas"];
    let has_property =
        |name: &str, property: &str| schemas[name]["properties"].get(property).is_some();
    let has_value = |name: &str, value: &str| {
        serde_json::to_string(&schemas[name])
            .unwrap()
            .contains(&format!("\"{value}\""))
    };
    assert!(
        has_property("Council", "election_code"),
        "{}",
        schemas["Council"]
    );
    assert!(has_property("SecurityCouncil", "board"));
    assert!(has_value("PlanStatus", "submitted"));
    assert!(has_value("PlanStanding", "not_needed"));
    assert!(has_value("ReadinessOverdue", "undeclared"));
    assert!(has_value("IncidentOverdue", "acknowledgement"));
    assert!(
        has_value("StepRequest", "identity_proof"),
        "{}",
        schemas["StepRequest"]
    );
    assert!(has_property("IncidentStepRequest", "status"));
    // Issue 18: a council's seat outcome and a complaint's, the boards' and the complaints'
    // decisions, the certification's step.
    assert!(has_value("Outcome", "member"));
    assert!(has_value("ComplaintOutcome", "recount_ordered"));
    assert!(has_property("ComplaintDecisionRequest", "outcome"));
    assert!(has_property("CertificationStepRequest", "step"));
    assert!(has_value("CertificationStep", "reopen"));
}
