//! The paper fallback (issue 18 §1): a station whose devices failed is declared by the county's
//! governor; two officials each enter its hand count per council; the county's executive board
//! resolves entries that differ. Public to read, side by side, never who entered. The use
//! cases are `app::paper`.

use crate::api::{ApiJson, ApiPath};
use crate::auth::Visit;
use crate::{ApiError, AppState};
use app::paper::PaperFile;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use domain::results::paper::HandCount;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A hand count's figures.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Figures {
    pub ballots: u64,
    pub blank: u64,
    /// Choices left unused on the ballots (a blank ballot's every choice among them).
    pub unused_choices: u64,
    /// Votes per candidate code: every candidate on the council's ballot, once.
    pub votes: BTreeMap<String, u64>,
}

impl Figures {
    fn of(count: &HandCount) -> Self {
        Self {
            ballots: count.ballots,
            blank: count.blank,
            unused_choices: count.unused_choices,
            votes: count.votes.clone(),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DifferenceAnswer {
    /// `ballots`, `blank`, `unused_choices`, or a candidate's code.
    pub field: String,
    pub first: u64,
    pub second: u64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ResolutionAnswer {
    #[serde(flatten)]
    pub figures: Figures,
    pub reason: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CouncilHandCountAnswer {
    pub council: String,
    /// How many officials have entered the count (at most two).
    pub entries_made: usize,
    /// The entries in order, once both are in: until then the second official must count
    /// without seeing the first's figures.
    pub entries: Vec<Figures>,
    /// Where the two entries differ, figure by figure.
    pub differences: Vec<DifferenceAnswer>,
    pub resolution: Option<ResolutionAnswer>,
    /// The count that stands: two agreeing entries, or the resolution; `null` until then.
    pub accepted: Option<Figures>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HandCountsAnswer {
    pub station: String,
    /// Whether the station fell back to paper, and why.
    pub paper: bool,
    pub reason: Option<String>,
    /// Its box is closed: hand counts may be entered.
    pub closed: bool,
    /// Every council the station serves, with its hand count so far.
    pub councils: Vec<CouncilHandCountAnswer>,
}

fn answer(file: &PaperFile) -> HandCountsAnswer {
    let councils = file
        .ballots
        .iter()
        .map(|(council, _)| {
            let kept = file.paper.as_ref().and_then(|p| p.council(&council.code));
            CouncilHandCountAnswer {
                council: council.code.clone(),
                entries_made: kept.map_or(0, |k| k.entries.len()),
                entries: kept
                    .filter(|k| k.entries.len() == 2)
                    .map(|k| k.entries.iter().map(|e| Figures::of(&e.count)).collect())
                    .unwrap_or_default(),
                differences: kept
                    .map(|k| {
                        k.differences()
                            .into_iter()
                            .map(|d| DifferenceAnswer {
                                field: d.field,
                                first: d.first,
                                second: d.second,
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                resolution: kept.and_then(|k| {
                    k.resolution.as_ref().map(|r| ResolutionAnswer {
                        figures: Figures::of(&r.count),
                        reason: r.reason.clone(),
                    })
                }),
                accepted: kept
                    .and_then(store::hand_counts::CouncilHandCount::accepted)
                    .as_ref()
                    .map(Figures::of),
            }
        })
        .collect();
    HandCountsAnswer {
        station: file.station.code.clone(),
        paper: file.paper.is_some(),
        reason: file.paper.as_ref().map(|p| p.reason.clone()),
        closed: file.closed,
        councils,
    }
}

async fn after(state: &AppState, code: &str) -> Result<HandCountsAnswer, ApiError> {
    Ok(answer(&state.app.paper().file(code).await?))
}

/// A station's fallback to paper and its hand counts (public): both entries side by side,
/// where they differ, the executive board's resolution, and the count that stands.
#[utoipa::path(get, path = "/api/v1/results/stations/{code}/hand-counts", tag = "results",
    params(("code" = String, Path, description = "Station code")),
    responses((status = 200, body = HandCountsAnswer),
        (status = 404, description = "`not_found`: no such station")))]
pub async fn show(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<HandCountsAnswer>, ApiError> {
    Ok(Json(after(&state, &code).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclareRequest {
    /// Why the station fell back to paper (required, at most 1000 characters).
    pub reason: String,
}

/// Declares that the station's devices failed and it counts paper ballots by hand: the
/// county's governor or the province HQ.
#[utoipa::path(post, path = "/api/v1/stations/{code}/paper-fallback", tag = "results",
    params(("code" = String, Path, description = "Station code")),
    request_body = DeclareRequest,
    responses((status = 201, body = HandCountsAnswer), (status = 403),
        (status = 404, description = "`not_found`: no such station"),
        (status = 409, description = "`hand_count_already_paper`"),
        (status = 422, description = "`hand_count_reason_length`")))]
pub async fn declare(
    Visit { state, auth }: Visit,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<DeclareRequest>,
) -> Result<(StatusCode, Json<HandCountsAnswer>), ApiError> {
    state
        .app
        .paper()
        .declare(auth.principal(), &code, &body.reason)
        .await?;
    Ok((StatusCode::CREATED, Json(after(&state, &code).await?)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryRequest {
    pub council: String,
    pub ballots: u64,
    pub blank: u64,
    /// Choices left unused on the ballots (a blank ballot's every choice among them).
    pub unused_choices: u64,
    /// Votes per candidate code: every candidate on the council's ballot, once.
    pub votes: BTreeMap<String, u64>,
}

/// Enters one official's hand count for a council, after the close: the first entry, or a
/// second by another official. The station's staff or the governor's representative.
#[utoipa::path(post, path = "/api/v1/stations/{code}/hand-counts", tag = "results",
    params(("code" = String, Path, description = "Station code")),
    request_body = EntryRequest,
    responses((status = 201, body = HandCountsAnswer), (status = 403),
        (status = 404, description = "`not_found`: no such station, or a council it does not serve"),
        (status = 409, description = "`hand_count_not_paper`, `hand_count_not_closed`, `hand_count_same_official`, `hand_count_entries_complete`"),
        (status = 422, description = "`hand_count_wrong_candidates`, `hand_count_figure_too_large`")))]
pub async fn enter(
    Visit { state, auth }: Visit,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<EntryRequest>,
) -> Result<(StatusCode, Json<HandCountsAnswer>), ApiError> {
    let count = HandCount {
        council: body.council,
        ballots: body.ballots,
        blank: body.blank,
        unused_choices: body.unused_choices,
        votes: body.votes,
    };
    state
        .app
        .paper()
        .enter(auth.principal(), &code, &count)
        .await?;
    Ok((StatusCode::CREATED, Json(after(&state, &code).await?)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolutionRequest {
    pub ballots: u64,
    pub blank: u64,
    pub unused_choices: u64,
    pub votes: BTreeMap<String, u64>,
    /// Why this is the count (required, at most 1000 characters).
    pub reason: String,
}

/// The executive board's count for two entries that differ, with its reason: it becomes the
/// station's count for the council.
#[utoipa::path(post, path = "/api/v1/stations/{code}/hand-counts/{council}/resolution", tag = "results",
    params(("code" = String, Path, description = "Station code"),
        ("council" = String, Path, description = "Council code")),
    request_body = ResolutionRequest,
    responses((status = 201, body = HandCountsAnswer), (status = 403),
        (status = 404, description = "`not_found`: no such station, or a council it does not serve"),
        (status = 409, description = "`hand_count_not_paper`, `hand_count_not_closed`, `hand_count_nothing_to_resolve`, `hand_count_resolved`"),
        (status = 422, description = "`hand_count_reason_length`, `hand_count_wrong_candidates`, `hand_count_figure_too_large`")))]
pub async fn resolve(
    Visit { state, auth }: Visit,
    ApiPath((code, council)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<ResolutionRequest>,
) -> Result<(StatusCode, Json<HandCountsAnswer>), ApiError> {
    let count = HandCount {
        council,
        ballots: body.ballots,
        blank: body.blank,
        unused_choices: body.unused_choices,
        votes: body.votes,
    };
    state
        .app
        .paper()
        .resolve(auth.principal(), &code, &count, &body.reason)
        .await?;
    Ok((StatusCode::CREATED, Json(after(&state, &code).await?)))
}
