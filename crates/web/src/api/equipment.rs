//! Equipment tests (issue 16 §6): a station's runs and standing, a run started, a test ballot
//! activated on a kiosk (issue 17 §6), a run finished and judged, and the county's override. The use cases are
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

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = TestActivationRequest)]
#[serde(deny_unknown_fields)]
pub struct TestActivationRequest {
    /// The council whose deck the ballot belongs to; none: the next deck ballot's.
    #[serde(default)]
    pub council: Option<String>,
}

/// Activates a test ballot of the station's running run on one of its kiosks (issue 17 §6):
/// the tester marks it there as the deck says and the kiosk casts it (`POST /api/v1/ballots`),
/// encrypted under the test key with every proof, as a real ballot is under the election's;
/// it is kept apart from every real ballot (no receipt, no turnout, no results).
#[utoipa::path(post, path = "/api/v1/stations/{code}/equipment-test/kiosks/{kiosk}/activation",
    tag = "equipment",
    params(("code" = String, Path, description = "The station's code"),
        ("kiosk" = String, Path, description = "Kiosk id")),
    request_body = TestActivationRequest,
    responses((status = 201, body = crate::api::kiosks::ActivationAnswer), (status = 403),
        (status = 404, description = "`not_found`: no such kiosk in service"),
        (status = 409, description = "`no_test_run`, `test_deck_complete`, `kiosk_busy`"),
        (status = 422, description = "`council_not_in_test_deck`, `too_many_test_ballots`")))]
pub async fn activate(
    Visit { state, auth }: Visit,
    ApiPath((code, kiosk)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<TestActivationRequest>,
) -> Result<(StatusCode, Json<crate::api::kiosks::ActivationAnswer>), ApiError> {
    let activation = state
        .app
        .equipment()
        .activate(auth.principal(), &code, &kiosk, body.council.as_deref())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(crate::api::kiosks::ActivationAnswer {
            kiosk,
            council: activation.council,
            expires_at: activation.expires_at,
        }),
    ))
}

/// Finishes the station's running run: its sealed test ballots summed per council, the sums
/// decrypted with the test key, and compared with each deck's expected tally, passed or
/// failed with every difference.
#[utoipa::path(post, path = "/api/v1/stations/{code}/equipment-test/finish", tag = "equipment",
    params(("code" = String, Path, description = "The station's code")),
    responses((status = 200, body = TestRun), (status = 403), (status = 404),
        (status = 409, description = "`no_test_run`, `test_ballot_cast_meanwhile`")))]
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
