//! Sensitive stations, their security plans and the county security council (issue 16): the
//! governor flags a station of their county and drafts its plan, the council approves or
//! returns it at a held meeting (recorded by the governor, its chair), the HQ sees and does all,
//! inspection boards and observers read. The council's members and meetings are the boards'
//! (`crate::boards`); its cadence, missed meetings and overdue decisions are read here.

use crate::{authorize, Context, Error, Result};
use domain::access::{Action, Principal};
use domain::boards::{board_code, BoardKind, Meeting};
use domain::security::{
    cadence_slots, overdue_decisions, tehran_date, Cadence, CadenceSlot, CctvCoverage,
    OverdueDecision, PlanStatus, SecurityPlan, SensitiveReason, SlotState, StationSecurity,
};
use domain::station::Station;
use serde::Serialize;
use store::security::{CountySecurity, SensitiveFilter, SensitiveStation, StationSecurityRecord};
use store::{BoardStore, BoardWithMembers, Page, PageRequest, SecurityStore};

#[derive(Clone, Copy)]
pub struct Security<'a> {
    pub(crate) security: &'a dyn SecurityStore,
    pub(crate) boards: &'a dyn BoardStore,
    pub(crate) ctx: Context<'a>,
}

/// A plan as typed: its date Jalali or ISO.
#[derive(Debug, Clone)]
pub struct PlanInput {
    pub measures: String,
    pub responsible_name: String,
    pub responsible_phone: String,
    pub protective_staff: u32,
    pub cctv_coverage: CctvCoverage,
    pub contacts: String,
    pub escalation: String,
    pub effective_on: String,
}

/// A county security council as its page shows it: its board, its cadence (set or the
/// default), its slots, its meetings, and what is flagged.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SecurityCouncil {
    pub county: String,
    pub board: BoardWithMembers,
    pub cadence: Cadence,
    /// Whether the cadence is the default one (none set for the county).
    pub default_cadence: bool,
    pub slots: Vec<CadenceSlot>,
    pub missed: usize,
    pub meetings: Vec<Meeting>,
    pub overdue: Vec<OverdueDecision>,
}

/// The county a security list is confined to: the one asked for, else a county-scoped
/// principal's own; `None` is the province (its list is for those who see the province).
pub fn security_scope(
    principal: Option<&Principal>,
    asked: Option<&str>,
) -> Result<Option<String>> {
    let p = principal.ok_or(Error::Unauthenticated)?;
    let county = asked
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .or_else(|| p.scope.county().map(str::to_owned));
    authorize(
        principal,
        Action::ViewSecurity {
            county: county.as_deref(),
        },
    )?;
    Ok(county)
}

impl Security<'_> {
    /// A station the principal may act on for its security: it exists (`NotFound`), and the
    /// policy lets them manage its county's (`Forbidden`: another county's station).
    async fn managed_station<'p>(
        self,
        principal: Option<&'p Principal>,
        code: &str,
    ) -> Result<(&'p Principal, Station)> {
        authorize(principal, Action::ViewElection)?;
        let station = self
            .ctx
            .lookups
            .stations
            .station(code)
            .await?
            .ok_or(Error::NotFound(store::Entity::Station))?;
        let p = authorize(
            principal,
            Action::ManageSecurity {
                county: &station.county_code,
            },
        )?;
        Ok((p, station))
    }

    /// The election's reasons a station may be sensitive for.
    pub async fn reasons(self, principal: Option<&Principal>) -> Result<Vec<SensitiveReason>> {
        authorize(principal, Action::ViewElection)?;
        let election = self.ctx.cached().election_code().await?;
        Ok(self.security.sensitive_reasons(election).await?)
    }

    /// Replaces the election's reasons (`security.reasons`): the province HQ.
    pub async fn set_reasons(
        self,
        principal: Option<&Principal>,
        reasons: Vec<SensitiveReason>,
    ) -> Result<Vec<SensitiveReason>> {
        let p = authorize(principal, Action::ManageElection)?;
        let election = self.ctx.cached().election_code().await?;
        let reasons: Vec<SensitiveReason> = reasons
            .into_iter()
            .map(|r| SensitiveReason {
                code: r.code.trim().to_owned(),
                name: r.name.trim().to_owned(),
            })
            .collect();
        self.security
            .set_sensitive_reasons(election, &reasons, &self.ctx.actor(p))
            .await?;
        Ok(reasons)
    }

    /// The sensitive stations of the county asked for (or the principal's own; the province
    /// for those who see it), filtered, sorted and paged.
    pub async fn list(
        self,
        principal: Option<&Principal>,
        county: Option<&str>,
        mut filter: SensitiveFilter,
        page: PageRequest,
    ) -> Result<Page<SensitiveStation>> {
        filter.county = security_scope(principal, county)?;
        Ok(self.security.sensitive_stations(&filter, page).await?)
    }

    /// The figures per county of the principal's scope.
    pub async fn summary(
        self,
        principal: Option<&Principal>,
        county: Option<&str>,
    ) -> Result<Vec<CountySecurity>> {
        let county = security_scope(principal, county)?;
        Ok(self.security.security_summary(county.as_deref()).await?)
    }

    /// One station's security, for those who read its county's.
    pub async fn station(
        self,
        principal: Option<&Principal>,
        code: &str,
    ) -> Result<StationSecurityRecord> {
        authorize(principal, Action::ViewElection)?;
        let record = self
            .security
            .station_security(code)
            .await?
            .ok_or(Error::NotFound(store::Entity::Station))?;
        authorize(
            principal,
            Action::ViewSecurity {
                county: Some(&record.county),
            },
        )?;
        Ok(record)
    }

    /// Flags a station of the principal's county sensitive (`security.flag`).
    pub async fn flag(
        self,
        principal: Option<&Principal>,
        code: &str,
        reasons: &[String],
        note: &str,
    ) -> Result<StationSecurity> {
        let (p, station) = self.managed_station(principal, code).await?;
        let reasons: Vec<String> = reasons.iter().map(|r| r.trim().to_owned()).collect();
        Ok(self
            .security
            .flag_station(&station.code, &reasons, note, &self.ctx.actor(p))
            .await?)
    }

    /// Takes the flag off (`security.unflag`); whether it was on.
    pub async fn unflag(self, principal: Option<&Principal>, code: &str) -> Result<bool> {
        let (p, station) = self.managed_station(principal, code).await?;
        Ok(self
            .security
            .unflag_station(&station.code, &self.ctx.actor(p))
            .await?)
    }

    /// Writes the station's plan as a draft (`security.plan_save`).
    pub async fn save_plan(
        self,
        principal: Option<&Principal>,
        code: &str,
        input: PlanInput,
    ) -> Result<PlanStatus> {
        let (p, station) = self.managed_station(principal, code).await?;
        let plan = SecurityPlan {
            measures: input.measures,
            responsible_name: input.responsible_name,
            responsible_phone: input.responsible_phone,
            protective_staff: input.protective_staff,
            cctv_coverage: input.cctv_coverage,
            contacts: input.contacts,
            escalation: input.escalation,
            effective_on: domain::calendar::parse_date(&input.effective_on)?,
        };
        Ok(self
            .security
            .save_plan(&station.code, &plan, &self.ctx.actor(p))
            .await?)
    }

    /// Sends the draft to the county security council (`security.plan_submit`).
    pub async fn submit(self, principal: Option<&Principal>, code: &str) -> Result<PlanStatus> {
        let (p, station) = self.managed_station(principal, code).await?;
        Ok(self
            .security
            .submit_plan(&station.code, &self.ctx.actor(p))
            .await?)
    }

    /// Records the council's approval at its meeting (`security.plan_approve`).
    pub async fn approve(
        self,
        principal: Option<&Principal>,
        code: &str,
        meeting: i64,
    ) -> Result<PlanStatus> {
        let (p, station) = self.managed_station(principal, code).await?;
        Ok(self
            .security
            .approve_plan(&station.code, meeting, &self.ctx.actor(p))
            .await?)
    }

    /// Records the council's return with its reason (`security.plan_return`).
    pub async fn return_plan(
        self,
        principal: Option<&Principal>,
        code: &str,
        meeting: Option<i64>,
        reason: &str,
    ) -> Result<PlanStatus> {
        let (p, station) = self.managed_station(principal, code).await?;
        Ok(self
            .security
            .return_plan(&station.code, meeting, reason, &self.ctx.actor(p))
            .await?)
    }

    /// A county's security council: for those who read the county's security.
    pub async fn council(
        self,
        principal: Option<&Principal>,
        county: &str,
    ) -> Result<SecurityCouncil> {
        authorize(
            principal,
            Action::ViewSecurity {
                county: Some(county),
            },
        )?;
        let code = board_code(BoardKind::CountySecurity, Some(county));
        let board = self
            .boards
            .board(&code)
            .await?
            .ok_or(Error::NotFound(store::Entity::County))?;
        let election = self.ctx.cached().election().await?;
        let set = self.security.council_cadence(county).await?;
        let cadence = set.unwrap_or_else(|| Cadence::default_for(election.election_day));
        let meetings = self.boards.meetings(&code).await?;
        let today = tehran_date(self.ctx.clock.now());
        let held: Vec<(i64, time::Date)> = meetings
            .iter()
            .map(|m| (m.id, tehran_date(m.held_at)))
            .collect();
        let slots = cadence_slots(&cadence, election.election_day, &held, today);
        let missed = slots
            .iter()
            .filter(|s| s.state == SlotState::Missed)
            .count();
        let overdue = overdue_decisions(&meetings, today);
        Ok(SecurityCouncil {
            county: county.to_owned(),
            board,
            cadence,
            default_cadence: set.is_none(),
            slots,
            missed,
            meetings,
            overdue,
        })
    }

    /// Sets a county council's cadence (`security.cadence`): its chair the governor, or the HQ.
    pub async fn set_cadence(
        self,
        principal: Option<&Principal>,
        county: &str,
        starts_on: &str,
        every_days: u32,
    ) -> Result<Cadence> {
        let p = authorize(principal, Action::ManageSecurity { county })?;
        let cadence = Cadence {
            starts_on: domain::calendar::parse_date(starts_on)?,
            every_days,
        };
        self.security
            .set_council_cadence(county, &cadence, &self.ctx.actor(p))
            .await?;
        Ok(cadence)
    }
}
