//! Election day: a station's opening, pauses, extensions and closing; voter check-in; ballots;
//! turnout; candidate lists and receipts (issue 4; DESIGN §3, §4).

use crate::api::{ApiJson, ApiQuery};
use crate::auth::Auth;
use crate::cache::election_code;
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use domain::access::{Action, Role};
use domain::ballot::Candidate;
use domain::ids::NationalId;
use domain::station_day::{DayAction, Presence, StationDay};
use rand::rngs::OsRng;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use store::{
    Actor, BallotOutcome, CheckIn, CheckInOutcome, NewBallot, StationCounts, Turnout, TurnoutFilter,
};

/// A station's day and its figures.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DayView {
    pub station: String,
    pub day: StationDay,
    pub counts: StationCounts,
}

/// Applies an election-day action as the station's own staff.
async fn act(
    state: &AppState,
    auth: &Auth,
    station: &str,
    action: DayAction,
) -> Result<Json<DayView>, ApiError> {
    let principal = auth.require(Action::OperateStation { station })?;
    let election = election_code(state).await?;
    let by = Actor::new(principal.username.clone(), state.now());
    let day = state
        .store
        .act_on_station(election, station, &action, &by)
        .await?;
    let counts = state.store.station_counts(election, station).await?;
    Ok(Json(DayView {
        station: station.to_owned(),
        day,
        counts,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct OpenRequest {
    /// Who was present: the head, the governor's representative and the inspector.
    pub presence: Presence,
    /// The empty ballot box was shown to those present.
    pub empty_box_shown: bool,
}

/// Opens the station (its staff only), within the polling hours, with the head, the governor's
/// representative and the inspector present and the empty box shown.
#[utoipa::path(post, path = "/api/v1/stations/{code}/open", tag = "election day",
    params(("code" = String, Path, description = "Station code")), request_body = OpenRequest,
    responses((status = 200, body = DayView), (status = 409, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem)))]
pub async fn open(
    State(state): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<OpenRequest>,
) -> Result<Json<DayView>, ApiError> {
    let action = DayAction::Open {
        presence: body.presence,
        empty_box_shown: body.empty_box_shown,
    };
    act(&state, &auth, &code, action).await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PauseRequest {
    pub reason: String,
}

/// Pauses voting at the station, with the reason.
#[utoipa::path(post, path = "/api/v1/stations/{code}/pause", tag = "election day",
    params(("code" = String, Path, description = "Station code")), request_body = PauseRequest,
    responses((status = 200, body = DayView), (status = 409, body = crate::error::Problem)))]
pub async fn pause(
    State(state): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<PauseRequest>,
) -> Result<Json<DayView>, ApiError> {
    let reason = domain::text::normalize_name(&body.reason);
    act(&state, &auth, &code, DayAction::Pause { reason }).await
}

/// Resumes voting after a pause.
#[utoipa::path(post, path = "/api/v1/stations/{code}/resume", tag = "election day",
    params(("code" = String, Path, description = "Station code")),
    responses((status = 200, body = DayView), (status = 409, body = crate::error::Problem)))]
pub async fn resume(
    State(state): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
) -> Result<Json<DayView>, ApiError> {
    act(&state, &auth, &code, DayAction::Resume).await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ExtendRequest {
    /// The new closing time: Jalali (`1405/02/11 20:00`, Tehran time) or RFC 3339.
    pub until: String,
}

/// Extends the station's hours to a later closing time.
#[utoipa::path(post, path = "/api/v1/stations/{code}/extend", tag = "election day",
    params(("code" = String, Path, description = "Station code")), request_body = ExtendRequest,
    responses((status = 200, body = DayView), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
pub async fn extend(
    State(state): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<ExtendRequest>,
) -> Result<Json<DayView>, ApiError> {
    let until = domain::calendar::parse_instant(&body.until)?;
    act(&state, &auth, &code, DayAction::Extend { until }).await
}

/// Closes the station once its hours are over and every checked-in voter has voted.
#[utoipa::path(post, path = "/api/v1/stations/{code}/close", tag = "election day",
    params(("code" = String, Path, description = "Station code")),
    responses((status = 200, body = DayView), (status = 409, body = crate::error::Problem)))]
pub async fn close(
    State(state): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
) -> Result<Json<DayView>, ApiError> {
    act(&state, &auth, &code, DayAction::Close).await
}

/// A station's day and figures, for whoever may see the station.
#[utoipa::path(get, path = "/api/v1/stations/{code}/day", tag = "election day",
    params(("code" = String, Path, description = "Station code")),
    responses((status = 200, body = DayView), (status = 404, body = crate::error::Problem)))]
pub async fn day(
    State(state): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
) -> Result<Json<DayView>, ApiError> {
    let station = crate::api::stations::visible(&state, &auth, &code).await?;
    let election = election_code(&state).await?;
    let day = state
        .store
        .station_day(election, &station.code)
        .await?
        .ok_or(ApiError::NotFound(store::Entity::Station))?;
    let counts = state.store.station_counts(election, &station.code).await?;
    Ok(Json(DayView {
        station: station.code,
        day,
        counts,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CheckInRequest {
    pub station: String,
    /// Persian or ASCII digits.
    pub national_id: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CheckInAnswer {
    /// Opens one ballot of the voter's council, once; hand it to the voting device.
    pub ballot_token: String,
    pub council: String,
}

/// Checks a voter in at a station (its staff's device only). Answered after the check-in is
/// committed; one person checks in once per election, across every station and server.
#[utoipa::path(post, path = "/api/v1/checkins", tag = "election day", request_body = CheckInRequest,
    responses((status = 201, body = CheckInAnswer),
        (status = 409, description = "`already_voted` (with `station` and `at`) or `station_not_open`", body = crate::error::Problem),
        (status = 403, description = "`not_eligible` (with `reason`) or `forbidden`", body = crate::error::Problem),
        (status = 422, description = "`invalid_national_id`", body = crate::error::Problem)))]
pub async fn check_in(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<CheckInRequest>,
) -> Result<(StatusCode, Json<CheckInAnswer>), ApiError> {
    let principal = auth.require(Action::OperateStation {
        station: &body.station,
    })?;
    let (ballot_token, council) =
        check_voter_in(&state, principal, &body.station, &body.national_id).await?;
    Ok((
        StatusCode::CREATED,
        Json(CheckInAnswer {
            ballot_token,
            council,
        }),
    ))
}

/// Checks a voter in for the API and the station's console alike: the ballot token and the
/// voter's council, or the refusal as an error.
pub(crate) async fn check_voter_in(
    state: &AppState,
    principal: &domain::access::Principal,
    station: &str,
    national_id: &str,
) -> Result<(String, String), ApiError> {
    let national_id = NationalId::parse(national_id)?;
    let election = election_code(state).await?;
    let ballot_token = new_ballot_token();
    let outcome = state
        .store
        .check_in(CheckIn {
            election_code: election.to_owned(),
            station: station.to_owned(),
            national_id,
            token_hash: ballot_token_key(&ballot_token),
            own_constituency_only: state.config.own_constituency_only,
            by: Actor::new(principal.username.clone(), state.now()),
        })
        .await?;
    match outcome {
        CheckInOutcome::Accepted { council } => Ok((ballot_token, council)),
        CheckInOutcome::AlreadyVoted { station, at } => Err(ApiError::AlreadyVoted { station, at }),
        CheckInOutcome::NotEligible(reason) => Err(ApiError::NotEligible(reason)),
        CheckInOutcome::StationNotOpen(state) => Err(ApiError::StationNotOpen(state)),
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct BallotRequest {
    pub ballot_token: String,
    /// Candidate codes, up to the council's main seats, each once; none for a blank ballot.
    #[serde(default)]
    pub choices: Vec<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BallotAnswer {
    /// The voter's receipt code: later, the published receipts show the ballot was counted.
    pub receipt: String,
}

/// Casts a ballot from a station's voting device. The ballot is stored apart from the voter:
/// a random id, the sorted choices, no time.
#[utoipa::path(post, path = "/api/v1/ballots", tag = "election day", request_body = BallotRequest,
    responses((status = 201, body = BallotAnswer),
        (status = 409, description = "`ballot_token_invalid`: unknown or used", body = crate::error::Problem),
        (status = 422, description = "`too_many_choices`, `unknown_candidate`, `repeated_candidate`", body = crate::error::Problem)))]
pub async fn cast(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<BallotRequest>,
) -> Result<(StatusCode, Json<BallotAnswer>), ApiError> {
    // The token is the voter's right to this ballot; the device must be a station's.
    let principal = auth.principal().ok_or(ApiError::Unauthenticated)?;
    if principal.role != Role::StationStaff {
        return Err(ApiError::Forbidden);
    }
    let (receipt, _) = cast_ballot(&state, principal, &body.ballot_token, body.choices).await?;
    Ok((StatusCode::CREATED, Json(BallotAnswer { receipt })))
}

/// Casts a ballot for the API and the voting screen alike: the receipt and the station, or the
/// refusal as an error.
pub(crate) async fn cast_ballot(
    state: &AppState,
    principal: &domain::access::Principal,
    ballot_token: &str,
    choices: Vec<String>,
) -> Result<(String, String), ApiError> {
    let election = election_code(state).await?;
    let receipt = new_receipt();
    let outcome = state
        .store
        .cast_ballot(NewBallot {
            election_code: election.to_owned(),
            token_hash: ballot_token_key(ballot_token.trim()),
            ballot_id: random_hex::<16>(),
            receipt: receipt.clone(),
            choices,
            by: Actor::new(principal.username.clone(), state.now()),
        })
        .await?;
    match outcome {
        BallotOutcome::Cast { station, .. } => Ok((receipt, station)),
        BallotOutcome::TokenUnknown => Err(ApiError::BallotTokenInvalid),
        BallotOutcome::Refused(r) => Err(ApiError::BallotRefused(r)),
    }
}

/// A new ballot token: a sequence number, then a random secret (256 bits, what makes it
/// unguessable). Tokens issued together sort together, so a check-in batch adds its tokens to
/// one or two pages of the store's index instead of dirtying one random page each. The
/// sequence starts at a random point and carries no time.
fn new_ballot_token() -> String {
    static SEQUENCE: std::sync::LazyLock<std::sync::atomic::AtomicU64> =
        std::sync::LazyLock::new(|| std::sync::atomic::AtomicU64::new(OsRng.next_u64() >> 8));
    let n = SEQUENCE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{n:016x}.{}", crate::auth::new_token())
}

/// The stored key of a ballot token: its sequence in clear (for the order), then the hash of
/// the whole token. Any other string is hashed whole, so it simply matches no token.
fn ballot_token_key(token: &str) -> String {
    let hash = crate::auth::token_hash(token);
    match token.split_once('.') {
        Some((sequence, _))
            if sequence.len() == 16 && sequence.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            format!("{}{hash}", sequence.to_ascii_lowercase())
        }
        _ => hash,
    }
}

fn random_hex<const N: usize>() -> String {
    hex_encode(&crate::auth::random_bytes::<N>())
}

fn hex_encode(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// A receipt code a voter can copy down: 12 characters of Crockford's base 32 (no I, L, O, U),
/// in three groups; 60 random bits.
pub fn new_receipt() -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let bytes = crate::auth::random_bytes::<12>();
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(b % 32)]))
        .collect();
    format!(
        "{}-{}-{}",
        chars[..4].iter().collect::<String>(),
        chars[4..8].iter().collect::<String>(),
        chars[8..].iter().collect::<String>()
    )
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct TurnoutQuery {
    pub county: Option<String>,
    pub council: Option<String>,
}

/// Live turnout, public: the province, a county or a council; per hour and per area one level
/// down.
#[utoipa::path(get, path = "/api/v1/turnout", tag = "election day", params(TurnoutQuery),
    security(()), responses((status = 200, body = Turnout)))]
pub async fn turnout(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<TurnoutQuery>,
) -> Result<Json<Turnout>, ApiError> {
    let election = election_code(&state).await?;
    let filter = TurnoutFilter {
        county: q.county.filter(|c| !c.is_empty()),
        council: q.council.filter(|c| !c.is_empty()),
    };
    if let Some(county) = &filter.county {
        if state
            .store
            .counties(&store::CountyFilter {
                county: Some(county.clone()),
            })
            .await?
            .is_empty()
        {
            return Err(ApiError::NotFound(store::Entity::County));
        }
    }
    if let Some(council) = &filter.council {
        if state.store.council(council).await?.is_none() {
            return Err(ApiError::NotFound(store::Entity::Council));
        }
    }
    Ok(Json(state.store.turnout(election, &filter).await?))
}

/// A council's approved candidates, public.
#[utoipa::path(get, path = "/api/v1/councils/{code}/candidates", tag = "election day",
    params(("code" = String, Path, description = "Council code")), security(()),
    responses((status = 200, body = Vec<Candidate>), (status = 404, body = crate::error::Problem)))]
pub async fn candidates(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<Vec<Candidate>>, ApiError> {
    let council = state
        .store
        .council(&code)
        .await?
        .ok_or(ApiError::NotFound(store::Entity::Council))?;
    Ok(Json(
        state
            .store
            .candidates(&council.election_code, &council.code)
            .await?,
    ))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReceiptAnswer {
    pub receipt: String,
    pub counted: bool,
    pub station: Option<String>,
}

/// Whether a receipt's ballot is in the box, public.
#[utoipa::path(get, path = "/api/v1/receipts/{code}", tag = "election day",
    params(("code" = String, Path, description = "Receipt code")), security(()),
    responses((status = 200, body = ReceiptAnswer)))]
pub async fn receipt(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<ReceiptAnswer>, ApiError> {
    let election = election_code(&state).await?;
    let code = domain::text::ascii_digits(code.trim()).to_uppercase();
    let station = state.store.receipt(election, &code).await?;
    Ok(Json(ReceiptAnswer {
        receipt: code,
        counted: station.is_some(),
        station,
    }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn receipts_are_three_groups_of_crockford_base32() {
        let r = super::new_receipt();
        assert_eq!(r.len(), 14);
        assert!(r.split('-').all(|g| g.len() == 4
            && g.bytes()
                .all(|b| b.is_ascii_alphanumeric() && !b"ILOU".contains(&b))));
        assert_ne!(r, super::new_receipt());
    }

    #[test]
    fn ballot_tokens_are_keyed_in_issue_order_by_their_hash() {
        use super::{ballot_token_key, new_ballot_token};
        let tokens: Vec<String> = (0..50).map(|_| new_ballot_token()).collect();
        let keys: Vec<String> = tokens.iter().map(|t| ballot_token_key(t)).collect();
        // Issued in this order, and the keys sort the same way (one index page per batch).
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(sorted, keys);
        for (token, key) in tokens.iter().zip(&keys) {
            let (sequence, secret) = token.split_once('.').unwrap();
            assert_eq!(secret.len(), 43, "256 random bits, base64");
            assert_eq!(
                key,
                &format!("{sequence}{}", crate::auth::token_hash(token))
            );
        }
        // Only the whole token finds its key: a changed secret or a bare string does not.
        let (sequence, _) = tokens[0].split_once('.').unwrap();
        let forged = format!("{sequence}.{}", crate::auth::new_token());
        assert_ne!(ballot_token_key(&forged), keys[0]);
        assert_eq!(ballot_token_key("x.y"), crate::auth::token_hash("x.y"));
        assert_eq!(ballot_token_key("1234"), crate::auth::token_hash("1234"));
    }
}
