//! The answers an operation can give because of what it is rather than what it does, added to
//! the OpenAPI document in one place so that no handler has to remember them and a client can
//! trust the document: whatever the middleware or an extractor may answer is listed for every
//! operation it applies to. A handler's own `#[utoipa::path]` lists only its own answers
//! (its success, and refusals like 409 with their codes); [`CommonAnswers`] adds the rest and
//! makes every refusal `application/problem+json` with the [`Problem`](crate::error::Problem)
//! schema. `tests/it/openapi.rs` checks the result, operation by operation.
//!
//! | the operation | answers |
//! |---|---|
//! | every one | 408 `request_timeout` (the router's time limit), 500 `internal_error` |
//! | private (not in [`PUBLIC_ROUTES`](crate::auth::PUBLIC_ROUTES)) | 401 `unauthenticated`, 403 `forbidden` |
//! | changing state (POST, PUT, PATCH, DELETE) | 403 `csrf_failed` (a session cookie without its CSRF token) |
//! | path parameters | 400 `invalid_path`, 404 `not_found` |
//! | query parameters | 400 `invalid_query` |
//! | a request body | 413 `payload_too_large`, 415 `unsupported_media_type`, 422 (a field's code) |
//! | a JSON body | 400 `malformed_json` (not JSON, or a missing or unknown field) |
//!
//! It also sets each operation's security from [`PUBLIC_ROUTES`](crate::auth::PUBLIC_ROUTES),
//! the one list of what is open: a public operation takes no credentials (and uses a session
//! when one is sent), a private one the bearer token.

use crate::auth::is_public;
use axum::http::Method;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{Content, ObjectBuilder, OpenApi, Ref, RefOr, Response, Type};
use utoipa::Modify;

/// The media type of every refusal (RFC 9457).
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Adds the common answers to every operation of the document; see the module's table.
pub struct CommonAnswers;

impl Modify for CommonAnswers {
    fn modify(&self, openapi: &mut OpenApi) {
        for (path, item) in &mut openapi.paths.paths {
            for (method, operation) in operations_mut(item) {
                let public = is_public(&method, path);
                operation.security = public.then(|| {
                    vec![
                        SecurityRequirement::default(),
                        SecurityRequirement::new("bearer", Vec::<String>::new()),
                    ]
                });
                for (status, code, why) in common_answers(&method, public, operation) {
                    add_answer(operation, status, code, why);
                }
                for (status, response) in &mut operation.responses.responses {
                    if let RefOr::T(response) = response {
                        refine(status, response);
                    }
                }
            }
        }
    }
}

/// The methods and operations of a path.
fn operations_mut(item: &mut PathItem) -> Vec<(Method, &mut Operation)> {
    [
        (Method::GET, item.get.as_mut()),
        (Method::PUT, item.put.as_mut()),
        (Method::POST, item.post.as_mut()),
        (Method::DELETE, item.delete.as_mut()),
        (Method::PATCH, item.patch.as_mut()),
        (Method::HEAD, item.head.as_mut()),
        (Method::OPTIONS, item.options.as_mut()),
        (Method::TRACE, item.trace.as_mut()),
    ]
    .into_iter()
    .filter_map(|(method, operation)| operation.map(|o| (method, o)))
    .collect()
}

/// What an operation can answer because of what it is: (status, code, when).
fn common_answers(
    method: &Method,
    public: bool,
    operation: &Operation,
) -> Vec<(&'static str, &'static str, &'static str)> {
    let has = |place: ParameterIn| {
        operation
            .parameters
            .iter()
            .flatten()
            .any(|p| p.parameter_in == place)
    };
    let body_types: Vec<&str> = operation
        .request_body
        .iter()
        .flat_map(|b| b.content.keys())
        .map(String::as_str)
        .collect();
    let mut answers = Vec::new();
    if !public {
        answers.push((
            "401",
            "unauthenticated",
            "no session, or an unknown or expired token",
        ));
        answers.push((
            "403",
            "forbidden",
            "the caller's role or scope does not allow it",
        ));
    }
    if !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        answers.push((
            "403",
            "csrf_failed",
            "a request on the session cookie without the session's CSRF token",
        ));
    }
    if has(ParameterIn::Path) {
        answers.push((
            "400",
            "invalid_path",
            "a path parameter that does not decode",
        ));
        answers.push(("404", "not_found", "nothing is known by the path's code"));
    }
    if has(ParameterIn::Query) {
        answers.push((
            "400",
            "invalid_query",
            "a query parameter of the wrong type, or missing",
        ));
    }
    if body_types.iter().any(|t| t.starts_with("application/json")) {
        answers.push((
            "400",
            "malformed_json",
            "a body that is not JSON, or lacks a field or has an unknown one",
        ));
    }
    if !body_types.is_empty() {
        answers.push(("413", "payload_too_large", "a body over the size limit"));
        answers.push((
            "415",
            "unsupported_media_type",
            "a body without the declared content type",
        ));
        answers.push((
            "422",
            "invalid_field",
            "a value the rules refuse (`invalid_field` or the rule's own code)",
        ));
    }
    answers.push((
        "408",
        "request_timeout",
        "the request took over the server's time limit",
    ));
    answers.push((
        "500",
        "internal_error",
        "a failure of the server (logged, never detailed)",
    ));
    answers
}

/// Adds `code` to the answer with `status`, creating the answer if the handler did not list it.
fn add_answer(operation: &mut Operation, status: &str, code: &str, why: &str) {
    let entry = operation
        .responses
        .responses
        .entry(status.to_owned())
        .or_insert_with(|| RefOr::T(Response::new("")));
    if let RefOr::T(response) = entry {
        let mention = format!("`{code}`");
        if !response.description.contains(&mention) {
            if !response.description.is_empty() {
                response.description.push_str("; ");
            }
            response.description.push_str(&format!("{mention}: {why}"));
        }
    }
}

/// Makes a refusal a problem document (and says how a 401 asks for credentials).
fn refine(status: &str, response: &mut Response) {
    if !(status.starts_with('4') || status.starts_with('5')) {
        return;
    }
    response.content.clear();
    response.content.insert(
        PROBLEM_JSON.to_owned(),
        Content::new(Some(Ref::from_schema_name("Problem"))),
    );
    if status == "401" {
        response.headers.insert(
            "WWW-Authenticate".to_owned(),
            HeaderBuilder::new()
                .schema(ObjectBuilder::new().schema_type(Type::String))
                .description(Some("`Bearer`"))
                .build(),
        );
    }
}
