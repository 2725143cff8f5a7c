//! Equipment tests (issue 16 §6): a station's runs and standing, a run started, a test ballot
//! cast, a run finished and judged, and the county's override. The use cases are
//! `app::equipment`; the test-mode pages call the same.

use crate::api::{ApiJson, ApiPath};
use crate::auth::Visit;
use crate::ApiError;
use axum::http::StatusCode;
use axum::Json;
use domain::test_deck::{TestOverride, TestRun};
use serde::Deserialize;
use store::equipment::StationEquipment;

/// A station's equipment tests: every run (newest first) with its decks, the test ballots
/// cast per council and, once finished, the outcome and every difference; the county's
/// override; and the standing an opening reads (`not_tested`, `running`, `passed`, `failed`,
/// `overridden`).
#[utoipa::path(get, path = "/api/v1/stations/{code}/equipment-test", tag = "equipment",
    params(("code" = String, Path, description = "The station's code")),
    responses((status = 200, body = StationEquipment), (status = 403), (status = 404)))]
pub async fn station(
    Visit { state, auth }: Visit,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<StationEquipment>, ApiError> {
    Ok(Json(
        state
            .app
            .equipment()
            .station(auth.principal(), &code)
            .await?,
    ))
}

/// Starts a test run with the test deck of each council the station serves, as the
/// station's own staff, before the station opens.
#[utoipa::path(post, path = "/api/v1/stations/{code}/equipment-test", tag = "equipment",
    params(("code" = String, Path, description = "The station's code")),
    responses((status = 201, body = TestRun), (status = 403), (status = 404),
        (status = 409, description = "`station_open_for_test`, `test_run_in_progress`")))]
pub async fn start(
    Visit { state, auth }: Visit,
    ApiPath(code): ApiPath<String>,
) -> Result<(StatusCode, Json<TestRun>), ApiError> {
    let run = state.app.equipment().start(auth.principal(), &code).await?;
    Ok((StatusCode::CREATED, Json(run)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = TestBallotRequest)]
#[serde(deny_unknown_fields)]
pub struct TestBallotRequest {
    /// The council whose deck the ballot belongs to.
    pub council: String,
    /// The candidate codes marked (none: a blank test ballot).
    #[serde(default)]
    pub choices: Vec<String>,
}

/// Casts a test ballot into the station's running run: checked like a real ballot against
/// the deck's candidates and seats, kept apart from every real ballot (no receipt, no
/// turnout, no results).
#[utoipa::path(post, path = "/api/v1/stations/{code}/equipment-test/ballots", tag = "equipment",
    params(("code" = String, Path, description = "The station's code")),
    request_body = TestBallotRequest,
    responses((status = 200, body = TestRun), (status = 403), (status = 404),
        (status = 409, description = "`station_open_for_test`, `no_test_run`"),
        (status = 422, description = "`council_not_in_test_deck`, `too_many_test_ballots`, `too_many_choices`, `unknown_candidate`, `repeated_candidate`")))]
pub async fn cast(
    Visit { state, auth }: Visit,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<TestBallotRequest>,
) -> Result<Json<TestRun>, ApiError> {
    Ok(Json(
        state
            .app
            .equipment()
            .cast(auth.principal(), &code, &body.council, &body.choices)
            .await?,
    ))
}

/// Finishes the station's running run: its test ballots tallied and compared with each
/// deck's expected tally, passed or failed with every difference.
#[utoipa::path(post, path = "/api/v1/stations/{code}/equipment-test/finish", tag = "equipment",
    params(("code" = String, Path, description = "The station's code")),
    responses((status = 200, body = TestRun), (status = 403), (status = 404),
        (status = 409, description = "`no_test_run`")))]
pub async fn finish(
    Visit { state, auth }: Visit,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<TestRun>, ApiError> {
    Ok(Json(
        state
            .app
            .equipment()
            .finish(auth.principal(), &code)
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = EquipmentOverrideRequest)]
#[serde(deny_unknown_fields)]
pub struct OverrideRequest {
    /// Why the station may open without a passed test.
    pub reason: String,
}

/// Lets a station that has not passed its test open on election day, with a reason: the
/// county's governor or the province HQ, before the station opens.
#[utoipa::path(post, path = "/api/v1/stations/{code}/equipment-test/override", tag = "equipment",
    params(("code" = String, Path, description = "The station's code")),
    request_body = OverrideRequest,
    responses((status = 200, body = TestOverride), (status = 403), (status = 404),
        (status = 409, description = "`station_open_for_test`, `equipment_test_passed`"),
        (status = 422, description = "`reason_required`")))]
pub async fn override_test(
    Visit { state, auth }: Visit,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<OverrideRequest>,
) -> Result<Json<TestOverride>, ApiError> {
    Ok(Json(
        state
            .app
            .equipment()
            .override_test(auth.principal(), &code, &body.reason)
            .await?,
    ))
}
