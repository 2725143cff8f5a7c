//! Results (issue 18), public: a council's votes, ranks, members and alternates, the ties and
//! how they were broken, and which stations have reported. The use cases are `app::results`.

use crate::api::ApiPath;
use crate::ApiError;
use crate::AppState;
use app::results::{CouncilResult, ResultStatus, StationStanding};
use axum::extract::State;
use axum::Json;
use domain::results::count_checks::Severity;
use domain::results::published::{PublishedCandidate, PublishedTie};
use domain::results::seats::Outcome;
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FindingAnswer {
    /// The rule's stable code, e.g. `ballots_exceed_voters`.
    pub code: &'static str,
    pub severity: Severity,
    /// In Persian.
    pub detail: &'static str,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StationResultAnswer {
    pub code: String,
    pub name: String,
    pub standing: StationStanding,
    /// The supervision board's reason, when the station's box is annulled.
    pub annulled: Option<String>,
    /// The station's ballots for the council, once its box is closed.
    pub ballots: Option<u64>,
    /// The count's broken rules, warnings too.
    pub findings: Vec<FindingAnswer>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CouncilResultAnswer {
    pub council: String,
    pub name: String,
    pub county: String,
    pub status: ResultStatus,
    pub main_seats: u32,
    pub alternate_seats: u32,
    /// Ballots in the reported stations' counts.
    pub ballots_cast: u64,
    /// Blank ballots where counted by hand; an encrypted tally sums votes per candidate and does
    /// not tell blank ballots apart, so `null` for electronic ballots.
    pub blank: Option<u64>,
    /// Best first.
    pub candidates: Vec<PublishedCandidate>,
    pub ties: Vec<PublishedTie>,
    pub stations_reported: usize,
    pub stations_total: usize,
    pub stations: Vec<StationResultAnswer>,
    /// What the stations' reports give, whatever the certification.
    pub reported: ResultStatus,
    /// Every certification step, oldest first.
    pub certification: Vec<crate::api::certification::StepAnswer>,
    /// The result is no longer the one approved: it waits to be reopened and approved anew.
    pub changed_since_approval: bool,
    /// For ties only the lottery breaks: the seed's commitment from the approval on, and the
    /// seed once the result is confirmed (anyone replays the draw from it and the codes).
    pub lottery: Option<domain::results::published::PublishedLottery>,
}

impl From<CouncilResult> for CouncilResultAnswer {
    fn from(result: CouncilResult) -> Self {
        Self {
            reported: result.reported,
            certification: result
                .certification
                .iter()
                .map(crate::api::certification::StepAnswer::from)
                .collect(),
            changed_since_approval: result.changed_since_approval,
            lottery: result.lottery.clone(),
            stations_reported: result.stations_reported(),
            stations_total: result.stations_total(),
            council: result.council.code,
            name: result.council.name,
            county: result.council.county_code,
            status: result.status,
            main_seats: result.council.main_seats,
            alternate_seats: result.council.alternate_seats,
            ballots_cast: result.ballots_cast,
            blank: None,
            candidates: result.candidates,
            ties: result.ties.iter().map(Into::into).collect(),
            stations: result
                .stations
                .into_iter()
                .map(|s| StationResultAnswer {
                    code: s.code,
                    name: s.name,
                    standing: s.standing,
                    annulled: s.annulled,
                    ballots: s.ballots,
                    findings: s
                        .broken
                        .into_iter()
                        .map(|rule| FindingAnswer {
                            code: rule.code(),
                            severity: rule.severity(),
                            detail: rule.persian(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// A council's result as its stations have reported (public): every candidate's votes, rank
/// and outcome, the ties and how they were broken, and each station's standing.
#[utoipa::path(get, path = "/api/v1/results/{council}", tag = "results",
    params(("council" = String, Path, description = "Council code")),
    responses((status = 200, body = CouncilResultAnswer),
        (status = 404, description = "`not_found`: no such council")))]
pub async fn council(
    State(state): State<AppState>,
    ApiPath(council): ApiPath<String>,
) -> Result<Json<CouncilResultAnswer>, ApiError> {
    let result = state.app.results().council(&council).await?;
    Ok(Json(result.into()))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VoteAnswer {
    pub code: String,
    pub votes: u64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StationCouncilAnswer {
    pub council: String,
    /// The station's ballots for the council.
    pub ballots: u64,
    /// Whether the guardians have decrypted its tally.
    pub counted: bool,
    /// Votes per candidate, in the ballot's order, once counted.
    pub votes: Vec<VoteAnswer>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StationCountAnswer {
    pub station: String,
    pub name: String,
    pub county: String,
    /// The station's day: `not_opened`, `open`, `paused`, `closed`.
    pub state: &'static str,
    /// Voters checked in and, of them, walked out without voting, once the box is closed.
    pub check_ins: Option<u64>,
    pub walkouts: Option<u64>,
    pub councils: Vec<StationCouncilAnswer>,
    /// The receipts of every ballot counted at the station, ascending (empty until its box is
    /// closed): a voter finds theirs here.
    pub receipts: Vec<String>,
}

/// A station's count (public): per council its ballots and, once decrypted, its votes, and the
/// receipts of every ballot in its box. A station still voting shows its day only.
#[utoipa::path(get, path = "/api/v1/results/stations/{code}", tag = "results",
    params(("code" = String, Path, description = "Station code")),
    responses((status = 200, body = StationCountAnswer),
        (status = 404, description = "`not_found`: no such station")))]
pub async fn station(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<StationCountAnswer>, ApiError> {
    let result = state.app.results().station(&code).await?;
    Ok(Json(StationCountAnswer {
        station: result.station.code,
        name: result.station.name,
        county: result.station.county_code,
        state: result.state.as_str(),
        check_ins: result.voters.map(|v| v.check_ins),
        walkouts: result.voters.map(|v| v.walkouts),
        councils: result
            .councils
            .into_iter()
            .map(|(council, tally)| StationCouncilAnswer {
                council,
                ballots: tally.ballots,
                counted: tally.votes.is_some(),
                votes: tally
                    .votes
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(code, votes)| VoteAnswer { code, votes })
                    .collect(),
            })
            .collect(),
        receipts: result.receipts,
    }))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AreaQuery {
    /// A county's code; without it, the province.
    pub county: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MemberAnswer {
    pub code: String,
    pub name: String,
    pub votes: u64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CouncilSummaryAnswer {
    pub council: String,
    pub name: String,
    pub county: String,
    pub status: ResultStatus,
    pub ballots_cast: u64,
    pub stations_reported: usize,
    pub stations_total: usize,
    /// Stations not in the totals yet, by why.
    pub stations_not_closed: usize,
    pub stations_not_counted: usize,
    pub stations_with_count_errors: usize,
    /// Members as the count stands, best first.
    pub members: Vec<MemberAnswer>,
    /// A tie across a seat boundary waits for the lottery.
    pub awaiting_lottery: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AreaResultsAnswer {
    /// The county, or `null` for the province.
    pub county: Option<String>,
    pub councils_total: usize,
    /// Councils every station of which has reported.
    pub councils_complete: usize,
    pub stations_reported: usize,
    pub stations_total: usize,
    pub ballots_cast: u64,
    pub councils: Vec<CouncilSummaryAnswer>,
}

/// The results of a county's councils, or of the province's (public): per council its status,
/// ballots, stations reported and what is missing, and its members as the count stands.
#[utoipa::path(get, path = "/api/v1/results", tag = "results", params(AreaQuery),
    responses((status = 200, body = AreaResultsAnswer),
        (status = 404, description = "`not_found`: no such county")))]
pub async fn area(
    State(state): State<AppState>,
    crate::api::ApiQuery(q): crate::api::ApiQuery<AreaQuery>,
) -> Result<Json<AreaResultsAnswer>, ApiError> {
    let county = q.county.filter(|c| !c.trim().is_empty());
    let results = match &county {
        Some(code) => state.app.results().county(code).await?,
        None => state.app.results().all().await?,
    };
    let count = |r: &CouncilResult, standing: StationStanding| {
        r.stations.iter().filter(|s| s.standing == standing).count()
    };
    let councils: Vec<CouncilSummaryAnswer> = results
        .iter()
        .map(|r| CouncilSummaryAnswer {
            council: r.council.code.clone(),
            name: r.council.name.clone(),
            county: r.council.county_code.clone(),
            status: r.status,
            ballots_cast: r.ballots_cast,
            stations_reported: r.stations_reported(),
            stations_total: r.stations_total(),
            stations_not_closed: count(r, StationStanding::NotClosed),
            stations_not_counted: count(r, StationStanding::NotCounted),
            stations_with_count_errors: count(r, StationStanding::CountError),
            members: r
                .candidates
                .iter()
                .filter(|c| c.outcome == Outcome::Member)
                .map(|c| MemberAnswer {
                    code: c.code.clone(),
                    name: c.name.clone(),
                    votes: c.votes,
                })
                .collect(),
            awaiting_lottery: r.ties.iter().any(|t| t.awaiting_lottery),
        })
        .collect();
    Ok(Json(AreaResultsAnswer {
        county,
        councils_total: councils.len(),
        councils_complete: councils
            .iter()
            .filter(|c| c.status >= ResultStatus::UnofficialComplete)
            .count(),
        stations_reported: councils.iter().map(|c| c.stations_reported).sum(),
        stations_total: councils.iter().map(|c| c.stations_total).sum(),
        ballots_cast: councils.iter().map(|c| c.ballots_cast).sum(),
        councils,
    }))
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnnulRequest {
    /// The supervision board's reason (required, at most 1000 characters).
    pub reason: String,
}

/// Annuls a station's box (issue 18 §5): it leaves every council's totals with its reason
/// shown, and its councils no longer wait for it. The supervision board covering the county.
#[utoipa::path(post, path = "/api/v1/stations/{code}/annulment", tag = "results",
    params(("code" = String, Path, description = "Station code")),
    request_body = AnnulRequest,
    responses((status = 204, description = "Annulled"), (status = 403),
        (status = 404, description = "`not_found`: no such station"),
        (status = 409, description = "`station_already_annulled`"),
        (status = 422, description = "`annulment_reason_length`")))]
pub async fn annul(
    crate::auth::Visit { state, auth }: crate::auth::Visit,
    ApiPath(code): ApiPath<String>,
    crate::api::ApiJson(body): crate::api::ApiJson<AnnulRequest>,
) -> Result<axum::http::StatusCode, ApiError> {
    decide(
        &crate::auth::Visit { state, auth },
        &code,
        &body.reason,
        true,
    )
    .await
}

/// Annuls (`annul`) or lifts; 204.
async fn decide(
    visit: &crate::auth::Visit,
    code: &str,
    reason: &str,
    annul: bool,
) -> Result<axum::http::StatusCode, ApiError> {
    visit
        .state
        .app
        .results()
        .annul(visit.auth.principal(), code, reason, annul)
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// Lifts a station's annulment, with a reason: its count is back in its councils' totals.
#[utoipa::path(post, path = "/api/v1/stations/{code}/annulment/lift", tag = "results",
    params(("code" = String, Path, description = "Station code")),
    request_body = AnnulRequest,
    responses((status = 204, description = "Lifted"), (status = 403),
        (status = 404, description = "`not_found`: no such station"),
        (status = 409, description = "`station_not_annulled`"),
        (status = 422, description = "`annulment_reason_length`")))]
pub async fn lift(
    crate::auth::Visit { state, auth }: crate::auth::Visit,
    ApiPath(code): ApiPath<String>,
    crate::api::ApiJson(body): crate::api::ApiJson<AnnulRequest>,
) -> Result<axum::http::StatusCode, ApiError> {
    decide(
        &crate::auth::Visit { state, auth },
        &code,
        &body.reason,
        false,
    )
    .await
}
