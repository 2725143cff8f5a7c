//! The JSON API under `/api/v1`, one module per resource, each handler documented for the
//! OpenAPI document served at `/api/v1/openapi.json`.

pub mod answers;
pub mod audit;
pub mod auth;
pub mod boards;
pub mod candidates;
pub mod certification;
pub mod councils;
pub mod counties;
pub mod coverage;
pub mod election_day;
pub mod elections;
pub mod equipment;
pub mod hand_counts;
pub mod health;
pub mod identity;
pub mod incidents;
pub mod kiosks;
pub mod minutes;
pub mod people;
pub mod readiness;
pub mod registrations;
pub mod results;
pub mod security;
pub mod staff;
pub mod stations;
pub mod tallies;

use crate::{ApiError, AppState};
use axum::extract::{FromRequest, FromRequestParts};
use axum::routing::get;
use axum::{Json, Router};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// A JSON body whose rejections are problem documents.
#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// Path parameters whose rejections are problem documents (400 `invalid_path`).
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// Query parameters whose rejections are problem documents.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

#[derive(OpenApi)]
#[openapi(
    info(title = "sandoq API", version = "1", description = "Election administration for the Islamic City and Village Council elections. Errors are application/problem+json with a stable `code` and a Persian `detail`."),
    components(schemas(crate::error::Problem)),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

/// The API routes and their OpenAPI document, built from the same registrations so the two
/// cannot drift apart.
pub fn router() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, api) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::health))
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::me))
        .routes(routes!(counties::list))
        .routes(routes!(counties::show))
        .routes(routes!(councils::list))
        .routes(routes!(councils::show))
        .routes(routes!(stations::list, stations::create))
        .routes(routes!(stations::show, stations::update))
        .routes(routes!(stations::export))
        .routes(routes!(stations::import))
        .routes(routes!(staff::list))
        .routes(routes!(staff::assign, staff::unassign))
        .routes(routes!(coverage::list))
        .routes(routes!(coverage::gaps))
        .routes(routes!(coverage::conflicts))
        .routes(routes!(elections::current))
        .routes(routes!(elections::set_seat_table))
        .routes(routes!(people::show))
        .routes(routes!(people::search, people::create))
        .routes(routes!(people::import))
        .routes(routes!(boards::list))
        .routes(routes!(boards::show))
        .routes(routes!(boards::appoint, boards::remove))
        .routes(routes!(boards::meetings, boards::record))
        .routes(routes!(boards::meeting))
        .routes(routes!(boards::complete_decision))
        .routes(routes!(election_day::open))
        .routes(routes!(election_day::pause))
        .routes(routes!(election_day::resume))
        .routes(routes!(election_day::extend))
        .routes(routes!(election_day::approve_extension))
        .routes(routes!(election_day::close))
        .routes(routes!(election_day::day))
        .routes(routes!(election_day::pending_checkins))
        .routes(routes!(election_day::walkout))
        .routes(routes!(election_day::check_in))
        .routes(routes!(election_day::cast))
        // Voting devices (issue 17 §1).
        .routes(routes!(kiosks::request_pairing))
        .routes(routes!(kiosks::current))
        .routes(routes!(kiosks::pair, kiosks::list))
        .routes(routes!(kiosks::retire))
        .routes(routes!(kiosks::activate))
        // The count (issue 17 §4).
        .routes(routes!(tallies::list))
        .routes(routes!(tallies::manifest))
        .routes(routes!(tallies::station_record))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(tallies::post_shares))
                .layer(axum::extract::DefaultBodyLimit::max(
                    tallies::MAX_SHARES_BYTES,
                )),
        )
        // Results (issue 18).
        .routes(routes!(results::area))
        .routes(routes!(results::council))
        .routes(routes!(results::station))
        .routes(routes!(results::annul))
        .routes(routes!(results::lift))
        .routes(routes!(minutes::show))
        .routes(routes!(minutes::published))
        .routes(routes!(minutes::draw))
        .routes(routes!(minutes::sign))
        .routes(routes!(minutes::refuse))
        .routes(routes!(minutes::register, minutes::list))
        .routes(routes!(minutes::confirm))
        .routes(routes!(minutes::revoke))
        .routes(routes!(certification::certify))
        .routes(routes!(certification::list, certification::file))
        .routes(routes!(certification::decide))
        .routes(routes!(certification::object))
        .routes(routes!(certification::hear))
        .routes(routes!(hand_counts::show))
        .routes(routes!(hand_counts::declare))
        .routes(routes!(hand_counts::enter))
        .routes(routes!(hand_counts::resolve))
        .routes(routes!(election_day::turnout))
        .routes(routes!(election_day::candidates))
        .routes(routes!(election_day::receipt))
        .routes(routes!(candidates::csv))
        .routes(routes!(candidates::nist))
        .routes(routes!(candidates::statistics))
        .routes(routes!(registrations::list))
        .routes(routes!(registrations::status))
        .routes(routes!(registrations::step))
        .routes(routes!(
            registrations::inquiries,
            registrations::record_inquiry
        ))
        .routes(routes!(identity::send_code))
        .routes(routes!(identity::verify))
        .routes(routes!(identity::mine))
        .merge(
            // Uploads: the whole form with its documents, past the router's small default.
            OpenApiRouter::new()
                .routes(routes!(registrations::register))
                .layer(axum::extract::DefaultBodyLimit::max(
                    app::registrations::MAX_REGISTRATION_BYTES,
                )),
        )
        .routes(routes!(readiness::picture))
        .routes(routes!(readiness::station, readiness::declare))
        .routes(routes!(readiness::export))
        .routes(routes!(readiness::weights, readiness::set_weights))
        .routes(routes!(readiness::timeline))
        .routes(routes!(readiness::set_milestone))
        .routes(routes!(readiness::import))
        .routes(routes!(incidents::list))
        .routes(routes!(incidents::show))
        .routes(routes!(incidents::step))
        .merge(
            // Filing: the form with its photo, past the router's small default.
            OpenApiRouter::new().routes(routes!(incidents::file)).layer(
                axum::extract::DefaultBodyLimit::max(app::incidents::MAX_INCIDENT_BYTES),
            ),
        )
        .routes(routes!(audit::list))
        .routes(routes!(audit::verify))
        // Sensitive stations and the county security councils (issue 16).
        .routes(routes!(security::list))
        .routes(routes!(security::reasons, security::set_reasons))
        .routes(routes!(security::station))
        .routes(routes!(security::flag, security::unflag))
        .routes(routes!(security::save_plan))
        .routes(routes!(security::submit))
        .routes(routes!(security::approve))
        .routes(routes!(security::return_plan))
        .routes(routes!(security::council))
        .routes(routes!(security::set_cadence))
        // Equipment tests (issue 16 §6).
        .routes(routes!(equipment::station, equipment::start))
        .routes(routes!(equipment::activate))
        .routes(routes!(equipment::finish))
        .routes(routes!(equipment::override_test))
        .split_for_parts();
    let mut api = api;
    // Over the whole document, routes and all: what every operation answers besides its own.
    answers::CommonAnswers.modify(&mut api);
    let document = api.clone();
    let router = router.route(OPENAPI_PATH, get(move || async move { Json(document) }));
    (router, api)
}

/// Where the API's OpenAPI document is served (the one API route it does not describe).
pub const OPENAPI_PATH: &str = "/api/v1/openapi.json";

/// A download's headers (shared with the pages' downloads).
pub use crate::download::attachment;

/// A list request's paging parameters.
pub use app::page_request;
