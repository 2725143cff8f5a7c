//! The paper fallback (issue 18 §1): a station whose devices failed is declared by the county's
//! governor to count paper ballots by hand; after the close two officials each enter the count
//! per council, and the county's executive board resolves entries that differ. The accepted
//! hand count joins what the devices took (`results`, `minutes`). Public to read: the entries
//! stand side by side on the station's page.

use crate::{authorize, Context, Error, Result};
use domain::access::{Action, Principal};
use domain::results::paper::{
    self, HandCount, PaperRefusal, PublishedCouncilCount, PublishedFigures, PublishedHandCounts,
    PublishedPaperStation, PublishedResolution,
};
use domain::station::Station;
use store::hand_counts::{CouncilHandCount, PaperStation};
use store::Store;

#[derive(Clone, Copy)]
pub struct PaperCounts<'a> {
    pub(crate) store: &'a dyn Store,
    pub(crate) ctx: Context<'a>,
}

/// A station's fallback to paper as the public sees it, with each council it serves and that
/// council's ballot (candidates in code order).
#[derive(Debug, Clone)]
pub struct PaperFile {
    pub station: Station,
    pub paper: Option<PaperStation>,
    pub ballots: Vec<(domain::election::Council, Vec<domain::ballot::Candidate>)>,
    /// Its box is closed: hand counts may be entered.
    pub closed: bool,
}

fn refused(r: PaperRefusal) -> Error {
    Error::Store(r.into())
}

impl PaperCounts<'_> {
    async fn station(self, code: &str) -> Result<Station> {
        self.store
            .station(code)
            .await?
            .ok_or(Error::NotFound(store::Entity::Station))
    }

    /// The station's fallback, hand counts and ballots (public).
    pub async fn file(self, code: &str) -> Result<PaperFile> {
        let station = self.station(code).await?;
        let election = self.ctx.cached().election_code().await?;
        let paper = self
            .store
            .paper_stations(election)
            .await?
            .into_iter()
            .find(|p| p.station == station.code);
        let mut ballots = Vec::new();
        for council in station.councils() {
            ballots.push(
                crate::candidates::Candidates {
                    candidacy: self.store,
                    ctx: self.ctx,
                }
                .on_ballot(council)
                .await?,
            );
        }
        let closed = self
            .store
            .station_day(election, &station.code)
            .await?
            .is_some_and(|day| domain::tally::decryptable(day.state));
        Ok(PaperFile {
            station,
            paper,
            ballots,
            closed,
        })
    }

    /// Declares that the station's devices failed and it counts paper ballots by hand.
    pub async fn declare(
        self,
        principal: Option<&Principal>,
        code: &str,
        reason: &str,
    ) -> Result<PaperStation> {
        let station = self.station(code).await?;
        let principal = authorize(
            principal,
            Action::DeclarePaperFallback {
                county: &station.county_code,
            },
        )?;
        let election = self.ctx.cached().election_code().await?;
        Ok(self
            .store
            .declare_paper(election, &station.code, reason, &self.ctx.actor(principal))
            .await?)
    }

    /// The form checked against the council's ballot at this station, once its box is closed.
    async fn checked(self, station: &Station, count: &HandCount) -> Result<()> {
        if !station.councils().contains(&count.council.as_str()) {
            return Err(Error::NotFound(store::Entity::Council));
        }
        let election = self.ctx.cached().election_code().await?;
        let closed = self
            .store
            .station_day(election, &station.code)
            .await?
            .is_some_and(|day| domain::tally::decryptable(day.state));
        if !closed {
            return Err(refused(PaperRefusal::NotClosed));
        }
        let (_, candidates) = crate::candidates::Candidates {
            candidacy: self.store,
            ctx: self.ctx,
        }
        .on_ballot(&count.council)
        .await?;
        let ballot: Vec<String> = candidates.into_iter().map(|c| c.code).collect();
        paper::check_form(count, &ballot).map_err(refused)
    }

    /// One official's entry of a council's hand count: the first, or a second by another
    /// official.
    pub async fn enter(
        self,
        principal: Option<&Principal>,
        code: &str,
        count: &HandCount,
    ) -> Result<CouncilHandCount> {
        let station = self.station(code).await?;
        let principal = authorize(
            principal,
            Action::EnterHandCount {
                county: &station.county_code,
                station: &station.code,
            },
        )?;
        self.checked(&station, count).await?;
        let election = self.ctx.cached().election_code().await?;
        Ok(self
            .store
            .enter_hand_count(election, &station.code, count, &self.ctx.actor(principal))
            .await?)
    }

    /// The executive board's count for two entries that differ, with its reason.
    pub async fn resolve(
        self,
        principal: Option<&Principal>,
        code: &str,
        count: &HandCount,
        reason: &str,
    ) -> Result<CouncilHandCount> {
        let station = self.station(code).await?;
        let principal = authorize(
            principal,
            Action::ResolveHandCount {
                county: &station.county_code,
            },
        )?;
        self.checked(&station, count).await?;
        let election = self.ctx.cached().election_code().await?;
        Ok(self
            .store
            .resolve_hand_count(
                election,
                &station.code,
                count,
                reason,
                &self.ctx.actor(principal),
            )
            .await?)
    }

    /// Every station declared to count by hand, for the published record (public): both
    /// entries and any resolution, never who entered them.
    pub async fn published(self) -> Result<PublishedHandCounts> {
        let election = self.ctx.cached().election_code().await?;
        let stations = self
            .store
            .paper_stations(election)
            .await?
            .into_iter()
            .map(|p| PublishedPaperStation {
                station: p.station,
                reason: p.reason,
                councils: p
                    .councils
                    .iter()
                    .map(|c| PublishedCouncilCount {
                        council: c.council.clone(),
                        entries: c
                            .entries
                            .iter()
                            .map(|e| PublishedFigures::of(&e.count))
                            .collect(),
                        resolution: c.resolution.as_ref().map(|r| PublishedResolution {
                            figures: PublishedFigures::of(&r.count),
                            reason: r.reason.clone(),
                        }),
                    })
                    .collect(),
            })
            .collect();
        Ok(PublishedHandCounts {
            election: election.to_owned(),
            stations,
        })
    }
}
