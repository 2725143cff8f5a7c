//! Voting devices (issue 17 §1): a device asks to be paired and gets its secret (its bearer
//! token) and the code it shows; the station's staff pair it with that code, list their
//! kiosks, take one out of service, and activate a checked-in voter's ballot on one; the kiosk
//! reads the ballot live on it. The kiosk casts with `POST /api/v1/ballots`. The use cases are
//! `app::kiosks`; the kiosk's and the console's pages call the same.

use crate::api::{ApiJson, ApiPath};
use crate::auth::Visit;
use crate::ApiError;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PairingAnswer {
    pub kiosk: String,
    /// Eight digits for the kiosk to show; the station's staff type them on their console
    /// within ten minutes.
    pub pairing_code: String,
    /// The kiosk's secret: its bearer token, once paired. Shown once, kept by the device.
    pub secret: String,
}

/// A device asks to become a voting kiosk (public; a signed-in caller is refused, 409
/// `signed_in_device`). At most a few hundred wait at once (409 `too_many_pending_kiosks`).
#[utoipa::path(post, path = "/api/v1/kiosk/pairing", tag = "kiosks",
    responses((status = 201, body = PairingAnswer),
        (status = 409, description = "`signed_in_device`, `too_many_pending_kiosks`"),
        (status = 429, description = "`too_many_attempts`")))]
pub async fn request_pairing(
    Visit { state, auth }: Visit,
    client: crate::auth::ClientIp,
) -> Result<(StatusCode, Json<PairingAnswer>), ApiError> {
    let requested = crate::auth::request_kiosk(&state, &auth, client).await?;
    Ok((
        StatusCode::CREATED,
        Json(PairingAnswer {
            kiosk: requested.kiosk.kiosk_id.clone(),
            pairing_code: requested.kiosk.pairing_code.clone().unwrap_or_default(),
            secret: requested.secret,
        }),
    ))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LiveBallotAnswer {
    /// What the kiosk sends with its cast, naming this activation.
    pub activation: String,
    pub council: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: time::OffsetDateTime,
    /// An equipment test's ballot (issue 17 §6): cast into its test run, never the box.
    pub test: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct KioskAnswer {
    pub kiosk: String,
    pub station: String,
    /// The ballot activated on the kiosk and not yet cast, if any.
    pub ballot: Option<LiveBallotAnswer>,
}

/// The calling kiosk and the ballot live on it (a paired kiosk's secret only).
#[utoipa::path(get, path = "/api/v1/kiosk", tag = "kiosks",
    responses((status = 200, body = KioskAnswer), (status = 403, description = "`forbidden`: not a kiosk")))]
pub async fn current(Visit { state, auth }: Visit) -> Result<Json<KioskAnswer>, ApiError> {
    let live = state.app.kiosks().current(auth.principal(), None).await?;
    let principal = auth.principal().ok_or(ApiError::unauthenticated())?;
    Ok(Json(KioskAnswer {
        kiosk: domain::kiosk::kiosk_of(&principal.username)
            .unwrap_or_default()
            .to_owned(),
        station: principal.scope.station().unwrap_or_default().to_owned(),
        ballot: live.map(|b| LiveBallotAnswer {
            activation: b.activation,
            council: b.council,
            expires_at: b.expires_at,
            test: b.test_run.is_some(),
        }),
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PairRequest {
    /// The code the kiosk shows (Persian or ASCII digits, spaces allowed).
    pub pairing_code: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StationKioskAnswer {
    pub kiosk: String,
    /// Its number among the station's kiosks, from 1.
    pub number: u32,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub paired_at: time::OffsetDateTime,
    /// When the ballot live on it expires, if one is.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub busy_until: Option<time::OffsetDateTime>,
}

fn kiosk_answer(
    kiosk: &store::kiosks::Kiosk,
    live: Option<&store::kiosks::Activation>,
) -> StationKioskAnswer {
    StationKioskAnswer {
        kiosk: kiosk.kiosk_id.clone(),
        number: kiosk.paired.as_ref().map_or(0, |p| p.number),
        paired_at: kiosk.paired.as_ref().map_or(kiosk.requested_at, |p| p.at),
        busy_until: live.map(|a| a.expires_at),
    }
}

/// The station's staff pair the kiosk showing `pairing_code` to their station.
#[utoipa::path(post, path = "/api/v1/stations/{code}/kiosks", tag = "kiosks", request_body = PairRequest,
    params(("code" = String, Path, description = "Station code")),
    responses((status = 201, body = StationKioskAnswer),
        (status = 409, description = "`pairing_code_unknown`: no kiosk waits with it (or it expired)"),
        (status = 422, description = "`invalid_pairing_code`"),
        (status = 429, description = "`too_many_attempts`: the account's pairings this minute are spent")))]
pub async fn pair(
    Visit { state, auth }: Visit,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<PairRequest>,
) -> Result<(StatusCode, Json<StationKioskAnswer>), ApiError> {
    crate::auth::pairing_allowed(&state, auth.principal())?;
    let kiosk = state
        .app
        .kiosks()
        .pair(auth.principal(), &code, &body.pairing_code)
        .await?;
    Ok((StatusCode::CREATED, Json(kiosk_answer(&kiosk, None))))
}

/// The station's kiosks in service (its own staff).
#[utoipa::path(get, path = "/api/v1/stations/{code}/kiosks", tag = "kiosks",
    params(("code" = String, Path, description = "Station code")),
    responses((status = 200, body = Vec<StationKioskAnswer>)))]
pub async fn list(
    Visit { state, auth }: Visit,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Vec<StationKioskAnswer>>, ApiError> {
    let kiosks = state
        .app
        .kiosks()
        .of_station(auth.principal(), &code)
        .await?;
    Ok(Json(
        kiosks
            .iter()
            .map(|k| kiosk_answer(&k.kiosk, k.live.as_ref()))
            .collect(),
    ))
}

/// Takes a kiosk of the station out of service: its secret stops working at once.
#[utoipa::path(delete, path = "/api/v1/stations/{code}/kiosks/{kiosk}", tag = "kiosks",
    params(("code" = String, Path, description = "Station code"), ("kiosk" = String, Path, description = "Kiosk id")),
    responses((status = 204), (status = 404, description = "`not_found`: no such kiosk in service")))]
pub async fn retire(
    Visit { state, auth }: Visit,
    ApiPath((code, kiosk)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .kiosks()
        .retire(auth.principal(), &code, &kiosk)
        .await?;
    state
        .sessions
        .forget_user(&domain::kiosk::kiosk_username(&kiosk), None);
    Ok(StatusCode::NO_CONTENT)
}

/// One of the two: the ballot token the voter's check-in gave, or (when the console no longer
/// holds it) the checked-in voter's national id.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ActivateRequest {
    pub ballot_token: Option<String>,
    pub national_id: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ActivationAnswer {
    pub kiosk: String,
    pub council: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: time::OffsetDateTime,
}

/// The station's staff activate a checked-in voter's ballot on one of their kiosks: single
/// use, bound to the station and the kiosk, for ten minutes.
#[utoipa::path(post, path = "/api/v1/stations/{code}/kiosks/{kiosk}/activation", tag = "kiosks",
    request_body = ActivateRequest,
    params(("code" = String, Path, description = "Station code"), ("kiosk" = String, Path, description = "Kiosk id")),
    responses((status = 201, body = ActivationAnswer),
        (status = 409, description = "`ballot_token_invalid` (unknown or cast, or no unspent check-in of that voter here), `ballot_of_other_station`, `kiosk_busy`"),
        (status = 422, description = "`invalid_field` (neither or both given), `invalid_national_id`"),
        (status = 404, description = "`not_found`: no such kiosk in service")))]
pub async fn activate(
    Visit { state, auth }: Visit,
    ApiPath((code, kiosk)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<ActivateRequest>,
) -> Result<(StatusCode, Json<ActivationAnswer>), ApiError> {
    let ballot = match (&body.ballot_token, &body.national_id) {
        (Some(token), None) => app::kiosks::VoterBallot::Token(token),
        (None, Some(national_id)) => app::kiosks::VoterBallot::Voter(national_id),
        _ => {
            return Err(app::Error::invalid(
                "ballot_token",
                "یکی از دو: نشانه برگه یا کد ملی رأی‌دهنده",
            )
            .into())
        }
    };
    let activation = state
        .app
        .kiosks()
        .activate(auth.principal(), &code, &kiosk, ballot)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(ActivationAnswer {
            kiosk,
            council: activation.council,
            expires_at: activation.expires_at,
        }),
    ))
}
