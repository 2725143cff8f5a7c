//! The count (issue 17 §4): the closed stations' encrypted tallies, public, and the guardians'
//! decryption shares, posted without an account (each share's proof is its credential). The
//! use cases are `app::tallies`; `sandoq guardian decrypt` is their client.

use crate::api::{ApiJson, ApiQuery};
use crate::ApiError;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};

/// The most bytes a post of shares may hold (a page of stations' shares).
pub const MAX_SHARES_BYTES: usize = 8 * 1024 * 1024;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TallyQuery {
    pub county: Option<String>,
    pub station: Option<String>,
    /// From 1; fifty stations a page.
    pub page: Option<u32>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TallyAnswer {
    pub council: String,
    /// The ballots the station took for the council.
    pub ballots: u64,
    /// The encrypted tally (`ballot_crypto::EncryptedTally`): the sum of those ballots'
    /// ciphertexts, one per candidate in the ballot style's order.
    #[schema(value_type = Object)]
    pub tally: serde_json::Value,
    /// The guardians whose shares of it are in.
    pub guardians: Vec<usize>,
    /// `{ballots, votes}` once k guardians' shares decrypted it.
    #[schema(value_type = Option<Object>)]
    pub counts: Option<serde_json::Value>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StationTalliesAnswer {
    pub station: String,
    pub county: String,
    pub tallies: Vec<TallyAnswer>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TallyPageAnswer {
    pub page: u32,
    pub pages: u32,
    /// How many guardians' shares decrypt a tally, of how many.
    pub threshold: usize,
    pub guardians: usize,
    pub stations: Vec<StationTalliesAnswer>,
}

fn json_of<T: Serialize>(value: &T) -> Result<serde_json::Value, ApiError> {
    serde_json::to_value(value).map_err(|e| ApiError::Internal(e.to_string()))
}

/// The closed stations' encrypted tallies (public), a page of fifty stations at a time: what
/// the guardians decrypt, and who has.
#[utoipa::path(get, path = "/api/v1/tallies", tag = "count", params(TallyQuery),
    responses((status = 200, body = TallyPageAnswer),
        (status = 404, description = "`not_found`: the election has no key yet")))]
pub async fn list(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<TallyQuery>,
) -> Result<Json<TallyPageAnswer>, ApiError> {
    let page = state
        .app
        .tallies()
        .closed(&app::tallies::TallyFilter {
            county: q.county,
            station: q.station,
            page: q.page.unwrap_or(1),
        })
        .await?;
    let stations = page
        .stations
        .iter()
        .map(|s| {
            Ok(StationTalliesAnswer {
                station: s.station.clone(),
                county: s.county.clone(),
                tallies: s
                    .tallies
                    .iter()
                    .map(|t| {
                        Ok(TallyAnswer {
                            council: t.council.clone(),
                            ballots: t.ballots,
                            tally: json_of(&t.tally)?,
                            guardians: t.guardians.clone(),
                            counts: t.counts.as_ref().map(json_of).transpose()?,
                        })
                    })
                    .collect::<Result<Vec<_>, ApiError>>()?,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(Json(TallyPageAnswer {
        page: page.page,
        pages: page.pages,
        threshold: page.threshold,
        guardians: page.guardians,
        stations,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ShareRequest {
    pub station: String,
    pub council: String,
    /// `ballot_crypto::DecryptionShare`: the guardian's index and, per candidate, the share
    /// with its proof.
    #[schema(value_type = Object)]
    pub share: serde_json::Value,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SharesRequest {
    pub guardian: usize,
    pub shares: Vec<ShareRequest>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CountedTally {
    pub station: String,
    pub council: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SharesAnswer {
    /// Shares kept now (one posted before is kept once).
    pub accepted: u64,
    /// The tallies these shares brought to the threshold, now counted.
    pub counted: Vec<CountedTally>,
}

/// A guardian's decryption shares of closed stations' tallies (public: each share is checked
/// against the guardian's public key share and the tally the server sums; any refused share
/// refuses the post whole).
#[utoipa::path(post, path = "/api/v1/tallies/shares", tag = "count", request_body = SharesRequest,
    responses((status = 200, body = SharesAnswer),
        (status = 409, description = "`station_not_closed`, `no_tally`"),
        (status = 429, description = "`too_many_attempts`: more than sixty posts a minute from one network"),
        (status = 422, description = "`decryption_share_invalid` (a proof fails, or the share's shape is not the tally's), `unknown_guardian`, `guardian_mismatch`, `share_count`, `invalid_field`")))]
pub async fn post_shares(
    State(state): State<AppState>,
    client: crate::auth::ClientIp,
    ApiJson(body): ApiJson<SharesRequest>,
) -> Result<Json<SharesAnswer>, ApiError> {
    // Anyone may post, and checking a post costs up to seconds of CPU: a network posts at most
    // `HEAVY_WRITES_PER_MINUTE` a minute.
    if !state.heavy_writes.allow(client.0, "(decryption shares)") {
        return Err(ApiError::TooManyAttempts);
    }
    let shares = body
        .shares
        .into_iter()
        .map(|s| {
            Ok(app::tallies::PostedShare {
                share: serde_json::from_value(s.share)
                    .map_err(|_| app::Error::invalid("share", "سهم رمزگشایی خوانا نیست"))?,
                station: s.station,
                council: s.council,
            })
        })
        .collect::<Result<Vec<_>, app::Error>>()?;
    let posted = state.app.tallies().post(body.guardian, shares).await?;
    Ok(Json(SharesAnswer {
        accepted: posted.accepted,
        counted: posted
            .counted
            .into_iter()
            .map(|(station, council)| CountedTally { station, council })
            .collect(),
    }))
}

/// The election record's manifest (public): the key ceremony's public record with its
/// confirmations, every council's ballot style, and the stations.
#[utoipa::path(get, path = "/api/v1/record/manifest", tag = "count",
    responses((status = 200, description = "`ballot_crypto::record::Manifest`", body = Object),
        (status = 404, description = "`not_found`: the election has no key yet")))]
pub async fn manifest(State(state): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    let manifest = state.app.tallies().manifest().await?;
    Ok(Json(json_of(&manifest)?))
}

/// A closed station's part of the election record (public): its encrypted ballots in
/// tracking-code order, its kiosks' chains, its challenged ballots with their openings, its
/// tallies, and the guardians' shares and counts so far. What `sandoq guardian decrypt` checks
/// before it decrypts a tally, and `sandoq verify` checks whole.
#[utoipa::path(get, path = "/api/v1/record/stations/{code}", tag = "count",
    params(("code" = String, Path, description = "Station code")),
    responses((status = 200, description = "`ballot_crypto::record::StationRecord`", body = Object),
        (status = 409, description = "`station_not_closed`"),
        (status = 404, description = "`not_found`: no such station, or no key yet")))]
pub async fn station_record(
    State(state): State<AppState>,
    crate::api::ApiPath(code): crate::api::ApiPath<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let record = state.app.tallies().station_record(&code).await?;
    Ok(Json(json_of(&record)?))
}
