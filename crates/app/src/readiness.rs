//! Readiness and the timeline (issue 16): the picture a governor and the province HQ act on
//! every day until election day, a station's declaration, the telecom company's file in and
//! Excel's file out, the score's weights and the timeline's edits.

use crate::{authorize, Context, Error, Result};
use domain::access::{Action, Principal};
use domain::election::Milestone;
use domain::readiness::{assess, Assessment, Deadlines, Declared, Readiness, Tally, Weights};
use domain::test_deck::{EquipmentStanding, EquipmentTally};
use domain::timeline::{MilestoneState, Outlook};
use serde::Serialize;
use store::readiness::StationReadiness;
use store::{ReadinessStore, Refusal, StoreError};

#[derive(Clone, Copy)]
pub struct ReadinessCases<'a> {
    pub(crate) readiness: &'a dyn ReadinessStore,
    pub(crate) equipment: crate::equipment::Equipment<'a>,
    pub(crate) ctx: Context<'a>,
}

/// What the picture reads from the store, cached by the audit head: the stations as
/// declared and their equipment tests' standings.
pub struct Rows {
    stations: Vec<StationReadiness>,
    equipment: std::collections::BTreeMap<String, EquipmentStanding>,
}

/// A station in the picture: what the store holds and how it stands.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssessedStation {
    #[serde(flatten)]
    pub station: StationReadiness,
    #[serde(flatten)]
    pub assessment: Assessment,
    /// Where the station stands on its equipment test (issue 16 §6).
    pub equipment: EquipmentStanding,
}

/// A group's counts (a county, a council), named.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupTally {
    pub code: String,
    pub name: String,
    #[serde(flatten)]
    pub tally: Tally,
    pub mean_score: u32,
    pub no_link: u64,
}

/// The readiness picture of a county or of the province.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Picture {
    /// `None`: the whole province.
    pub county: Option<String>,
    pub stations: Vec<AssessedStation>,
    pub summary: Tally,
    pub mean_score: u32,
    pub no_link: u64,
    /// The stations by their equipment tests' standing.
    pub equipment: EquipmentTally,
    /// The counties, worst first (the province's picture only).
    pub counties: Vec<GroupTally>,
    /// The councils, worst first.
    pub councils: Vec<GroupTally>,
    pub weights: Weights,
    #[serde(with = "domain::json_time::instant")]
    pub at: time::OffsetDateTime,
}

impl Picture {
    /// The stations with something overdue, in code order.
    pub fn overdue(&self) -> impl Iterator<Item = &AssessedStation> {
        self.stations
            .iter()
            .filter(|s| !s.assessment.overdue.is_empty())
    }
}

/// A milestone as a dashboard shows it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimelineEntry {
    #[serde(flatten)]
    pub milestone: Milestone,
    pub state: MilestoneState,
    /// «۳ روز و ۴ ساعت تا پایان مهلت», or empty once done or passed.
    pub countdown: String,
}

fn group(code: String, name: String, tally: Tally) -> GroupTally {
    GroupTally {
        code,
        name,
        mean_score: tally.mean_score(),
        no_link: tally.no_link(),
        tally,
    }
}

/// Groups of the stations by `key`, named by `name`, worst first.
fn groups(
    stations: &[AssessedStation],
    key: impl Fn(&StationReadiness) -> (String, String),
) -> Vec<GroupTally> {
    let mut by: std::collections::BTreeMap<String, (String, Tally)> =
        std::collections::BTreeMap::new();
    for s in stations {
        let (code, name) = key(&s.station);
        let entry = by.entry(code).or_insert_with(|| (name, Tally::default()));
        entry.1.add(
            s.station.declared.as_ref().map(|d| &d.readiness),
            s.station.security(),
            &s.assessment,
        );
    }
    let mut out: Vec<GroupTally> = by
        .into_iter()
        .map(|(code, (name, tally))| group(code, name, tally))
        .collect();
    out.sort_by(|a, b| Tally::worst_first(&a.tally, &b.tally));
    out
}

impl ReadinessCases<'_> {
    /// The picture of `county` (or, with `None`, of the province) at the clock's now.
    pub async fn picture(
        self,
        principal: Option<&Principal>,
        county: Option<&str>,
    ) -> Result<Picture> {
        authorize(principal, Action::ViewReadiness { county })?;
        let election = self.ctx.cached().election().await?;
        let weights = self.readiness.readiness_weights(&election.code).await?;
        let cached = self.ctx.cached();
        let rows = cached
            .versioned(&cached.caches.readiness, county, || async {
                Ok(std::sync::Arc::new(Rows {
                    stations: self.readiness.readiness(&election.code, county).await?,
                    equipment: self.equipment.standings(county).await?,
                }))
            })
            .await?;
        let now = self.ctx.clock.now();
        let deadlines = Deadlines::of(&election);
        let mut summary = Tally::default();
        let mut equipment = EquipmentTally::default();
        let stations: Vec<AssessedStation> = rows
            .stations
            .iter()
            .cloned()
            .map(|station| {
                let declared = station.declared.as_ref().map(|d| &d.readiness);
                let assessment = assess(declared, station.security(), &weights, deadlines, now);
                summary.add(declared, station.security(), &assessment);
                let standing = rows
                    .equipment
                    .get(&station.station)
                    .copied()
                    .unwrap_or_default();
                equipment.add(standing);
                AssessedStation {
                    station,
                    assessment,
                    equipment: standing,
                }
            })
            .collect();
        let counties = if county.is_none() {
            groups(&stations, |s| (s.county.clone(), s.county_name.clone()))
        } else {
            Vec::new()
        };
        let councils = groups(&stations, |s| (s.council.clone(), s.council_name.clone()));
        Ok(Picture {
            county: county.map(str::to_owned),
            mean_score: summary.mean_score(),
            no_link: summary.no_link(),
            summary,
            equipment,
            stations,
            counties,
            councils,
            weights,
            at: now,
        })
    }

    /// The principal's own picture: their county's, or the province's.
    pub async fn own_picture(self, principal: Option<&Principal>) -> Result<Picture> {
        let p = principal.ok_or(Error::Unauthenticated)?;
        self.picture(principal, p.scope.county()).await
    }

    /// One station's readiness and standing, if the principal may see its county.
    pub async fn station(
        self,
        principal: Option<&Principal>,
        code: &str,
    ) -> Result<AssessedStation> {
        let election = self.ctx.cached().election().await?;
        let station = self
            .readiness
            .station_readiness(&election.code, code)
            .await?
            .ok_or(Error::NotFound(store::Entity::Station))?;
        authorize(
            principal,
            Action::ViewReadiness {
                county: Some(&station.county),
            },
        )?;
        let weights = self.readiness.readiness_weights(&election.code).await?;
        let assessment = assess(
            station.declared.as_ref().map(|d| &d.readiness),
            station.security(),
            &weights,
            Deadlines::of(&election),
            self.ctx.clock.now(),
        );
        let equipment = self
            .equipment
            .equipment
            .station_equipment(&election.code, code)
            .await?
            .standing;
        Ok(AssessedStation {
            station,
            assessment,
            equipment,
        })
    }

    /// Declares a station's readiness (`readiness.declare`): the station's governor or the HQ.
    pub async fn declare(
        self,
        principal: Option<&Principal>,
        code: &str,
        readiness: &Readiness,
    ) -> Result<Declared> {
        let election = self.ctx.cached().election_code().await?;
        // Who may see the station learns it exists; anyone else is refused as for any station.
        let county = self
            .ctx
            .lookups
            .visible_station(principal, code)
            .await?
            .county_code;
        let p = authorize(
            principal,
            Action::DeclareReadiness {
                county: Some(&county),
            },
        )?;
        Ok(self
            .readiness
            .declare_readiness(election, code, readiness, &self.ctx.actor(p))
            .await?)
    }

    /// A readiness file (the telecom company's list, or an export edited), all or nothing:
    /// every bad row by its line. A governor's file names their county's stations only; the
    /// HQ's any. How many stations changed.
    pub async fn import_csv(self, principal: Option<&Principal>, text: &str) -> Result<u64> {
        let p = principal.ok_or(Error::Unauthenticated)?;
        let only_county = domain::access::readiness_file_county(p);
        let p = authorize(
            principal,
            Action::DeclareReadiness {
                county: only_county,
            },
        )?;
        let updates = domain::csv_io::readiness_from_csv(text).map_err(Error::Rows)?;
        let election = self.ctx.cached().election_code().await?;
        match self
            .readiness
            .import_readiness(election, &updates, only_county, &self.ctx.actor(p))
            .await
        {
            Err(StoreError::Refused(Refusal::Rows(rows))) => Err(Error::Rows(rows)),
            other => Ok(other?),
        }
    }

    /// The picture's stations as CSV for Excel, in code order.
    pub async fn export_csv(
        self,
        principal: Option<&Principal>,
        county: Option<&str>,
    ) -> Result<String> {
        authorize(principal, Action::ViewReadiness { county })?;
        let election = self.ctx.cached().election_code().await?;
        let rows = self.readiness.readiness(election, county).await?;
        Ok(domain::csv_io::readiness_to_csv(rows.iter().map(|s| {
            (
                s.station.as_str(),
                s.declared.as_ref().map(|d| &d.readiness),
            )
        })))
    }

    pub async fn weights(self, principal: Option<&Principal>) -> Result<Weights> {
        authorize(principal, Action::ViewElection)?;
        let election = self.ctx.cached().election_code().await?;
        Ok(self.readiness.readiness_weights(election).await?)
    }

    /// Sets the score's weights (`readiness.weights`): the province HQ.
    pub async fn set_weights(self, principal: Option<&Principal>, weights: &Weights) -> Result<()> {
        let p = authorize(principal, Action::ManageElection)?;
        let election = self.ctx.cached().election_code().await?;
        Ok(self
            .readiness
            .set_readiness_weights(election, weights, &self.ctx.actor(p))
            .await?)
    }

    /// The timeline with each milestone's state and countdown, in its order.
    pub async fn timeline(self, principal: Option<&Principal>) -> Result<Vec<TimelineEntry>> {
        authorize(principal, Action::ViewElection)?;
        let election = self.ctx.cached().election().await?;
        let now = self.ctx.clock.now();
        Ok(election
            .milestones
            .into_iter()
            .map(|m| TimelineEntry {
                state: domain::timeline::state(&m, now),
                countdown: domain::timeline::countdown(&m, now),
                milestone: m,
            })
            .collect())
    }

    /// What a dashboard shows of the timeline for the principal's role.
    pub async fn outlook(self, principal: Option<&Principal>) -> Result<OwnedOutlook> {
        let p = authorize(principal, Action::ViewElection)?;
        let election = self.ctx.cached().election().await?;
        let now = self.ctx.clock.now();
        let entry = |m: &Milestone| TimelineEntry {
            state: domain::timeline::state(m, now),
            countdown: domain::timeline::countdown(m, now),
            milestone: m.clone(),
        };
        let Outlook { due, overdue, next } =
            domain::timeline::outlook(&election.milestones, now, Some(p.role));
        Ok(OwnedOutlook {
            due: due.into_iter().map(entry).collect(),
            overdue: overdue.into_iter().map(entry).collect(),
            next: next.map(entry),
        })
    }

    /// Writes a milestone (`timeline.milestone`): the province HQ.
    pub async fn set_milestone(
        self,
        principal: Option<&Principal>,
        milestone: &Milestone,
    ) -> Result<()> {
        let p = authorize(principal, Action::ManageElection)?;
        let election = self.ctx.cached().election_code().await?;
        Ok(self
            .readiness
            .set_milestone(election, milestone, &self.ctx.actor(p))
            .await?)
    }
}

/// [`Outlook`] with its milestones' states and countdowns, for a page or the API.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OwnedOutlook {
    pub due: Vec<TimelineEntry>,
    pub overdue: Vec<TimelineEntry>,
    pub next: Option<TimelineEntry>,
}
