//! Results (issue 18), public: a council's votes, ranks, members and alternates, the ties and
//! how they were broken, and which stations have reported. The use cases are `app::results`.

use crate::api::ApiPath;
use crate::ApiError;
use crate::AppState;
use app::results::{CouncilResult, ResultStatus, StationStanding};
use axum::extract::State;
use axum::Json;
use domain::person::Education;
use domain::results::count_checks::Severity;
use domain::results::seats::{Outcome, TieBreak};
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CandidateResultAnswer {
    pub code: String,
    pub name: String,
    pub votes: u64,
    /// From 1; candidates the law leaves tied share a rank.
    pub rank: u32,
    pub outcome: Outcome,
    /// Tie-break facts, public as they decide ties.
    pub veteran_family: bool,
    pub education: Option<Education>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TieAnswer {
    pub votes: u64,
    /// The tied candidates' codes in the order decided.
    pub candidates: Vec<String>,
    /// The rules that ordered them: `veteran_family`, then `education`, then `lottery`.
    pub broken_by: Vec<TieBreak>,
    /// Still tied across a seat boundary: the lottery decides once its seed is revealed.
    pub awaiting_lottery: bool,
}

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
    pub candidates: Vec<CandidateResultAnswer>,
    pub ties: Vec<TieAnswer>,
    pub stations_reported: usize,
    pub stations_total: usize,
    pub stations: Vec<StationResultAnswer>,
}

impl From<CouncilResult> for CouncilResultAnswer {
    fn from(result: CouncilResult) -> Self {
        Self {
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
            candidates: result
                .candidates
                .into_iter()
                .map(|c| CandidateResultAnswer {
                    code: c.code,
                    name: c.name,
                    votes: c.votes,
                    rank: c.rank,
                    outcome: c.outcome,
                    veteran_family: c.veteran_family,
                    education: c.education,
                })
                .collect(),
            ties: result
                .ties
                .into_iter()
                .map(|t| TieAnswer {
                    votes: t.votes,
                    candidates: t.candidates,
                    broken_by: t.broken_by,
                    awaiting_lottery: t.awaiting_lottery,
                })
                .collect(),
            stations: result
                .stations
                .into_iter()
                .map(|s| StationResultAnswer {
                    code: s.code,
                    name: s.name,
                    standing: s.standing,
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
