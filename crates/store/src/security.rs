//! Sensitive stations, their security plans and the county security council's cadence
//! (issue 16). The council's members and meetings are the boards' (`BoardStore`, board kind
//! `CountySecurity`); the rules are `domain::security`'s.

use crate::audit_log::AuditEntry;
use crate::{Actor, Page, PageRequest, Sort, SortKey, StoreResult};
use async_trait::async_trait;
use domain::audit_terms::AuditAction;
use domain::security::{Cadence, PlanStatus, SecurityPlan, SensitiveReason, StationSecurity};
use serde::{Deserialize, Serialize};

#[async_trait]
pub trait SecurityStore: Send + Sync + 'static {
    /// The election's reasons a station may be sensitive for: the list the province HQ set, or
    /// `domain::security::default_reasons` until it sets one. `NotFound` for an unknown
    /// election.
    async fn sensitive_reasons(&self, election: &str) -> StoreResult<Vec<SensitiveReason>>;
    /// Replaces the election's list (`validate_reasons`; a reason a flagged station still gives
    /// stays: `check_reasons_kept`), `Refused(Security)` otherwise.
    async fn set_sensitive_reasons(
        &self,
        election: &str,
        reasons: &[SensitiveReason],
        by: &Actor,
    ) -> StoreResult<()>;
    /// A station's security: whether it is sensitive and why, and its plan. `None` for an
    /// unknown station.
    async fn station_security(&self, station: &str) -> StoreResult<Option<StationSecurityRecord>>;
    /// Flags a station sensitive for `reasons` (from its election's list: `check_reasons`), or
    /// changes its reasons. `NotFound` for an unknown station.
    async fn flag_station(
        &self,
        station: &str,
        reasons: &[String],
        note: &str,
        by: &Actor,
    ) -> StoreResult<StationSecurity>;
    /// Takes the flag off (its plan stays, for the record); `false`, and nothing written, when
    /// the station was not flagged. `NotFound` for an unknown station.
    async fn unflag_station(&self, station: &str, by: &Actor) -> StoreResult<bool>;
    /// Writes a sensitive station's plan (`SecurityPlan::validate` against the day of `by.at`
    /// in Tehran and the election day, `next_status(.., Save)`): it becomes a draft.
    async fn save_plan(
        &self,
        station: &str,
        plan: &SecurityPlan,
        by: &Actor,
    ) -> StoreResult<PlanStatus>;
    /// Sends a draft to the county security council.
    async fn submit_plan(&self, station: &str, by: &Actor) -> StoreResult<PlanStatus>;
    /// Records the council's approval of a submitted plan at its meeting `meeting`
    /// (`check_approval_meeting`: a held meeting of the station's county's council).
    async fn approve_plan(
        &self,
        station: &str,
        meeting: i64,
        by: &Actor,
    ) -> StoreResult<PlanStatus>;
    /// Records the council's return of a submitted plan with its reason, at its meeting
    /// `meeting` when given (checked as for an approval).
    async fn return_plan(
        &self,
        station: &str,
        meeting: Option<i64>,
        reason: &str,
        by: &Actor,
    ) -> StoreResult<PlanStatus>;
    /// The sensitive stations of a county (or the province), filtered, sorted and paged by
    /// [`page_sensitive`].
    async fn sensitive_stations(
        &self,
        filter: &SensitiveFilter,
        page: PageRequest,
    ) -> StoreResult<Page<SensitiveStation>>;
    /// Per county (one county, or all of them in code order): how many stations are sensitive,
    /// how many plans stand where, how many sensitive stations still need an approved plan.
    async fn security_summary(&self, county: Option<&str>) -> StoreResult<Vec<CountySecurity>>;
    /// The county security council's cadence for the current election, if one was set
    /// (`Cadence::default_for` its election day otherwise). `NotFound` for an unknown county.
    async fn council_cadence(&self, county: &str) -> StoreResult<Option<Cadence>>;
    /// Sets the council's cadence (`Cadence::validate` against the current election's day).
    async fn set_council_cadence(
        &self,
        county: &str,
        cadence: &Cadence,
        by: &Actor,
    ) -> StoreResult<()>;
}

/// A station's security as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StationSecurityRecord {
    pub station: String,
    pub county: String,
    pub election: String,
    pub security: StationSecurity,
    /// The governor's note on why it is sensitive.
    pub note: String,
    pub plan: Option<StoredPlan>,
}

/// A plan with where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoredPlan {
    pub plan: SecurityPlan,
    pub status: PlanStatus,
    /// Why the council returned it (empty unless returned).
    pub return_reason: String,
    /// The council's meeting that approved or returned it.
    pub meeting_id: Option<i64>,
    pub updated_at_us: i64,
    pub updated_by: String,
    pub decided_at_us: Option<i64>,
    pub decided_by: Option<String>,
}

/// A sensitive station on the county's or the province's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SensitiveStation {
    pub station: String,
    pub name: String,
    pub county: String,
    pub reasons: Vec<String>,
    pub note: String,
    pub plan_status: Option<PlanStatus>,
    /// Sensitive without an approved plan: flagged.
    pub needs_plan: bool,
    pub flagged_at_us: i64,
    pub effective_on: Option<String>,
}

/// Which sensitive stations a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum PlanFilter {
    #[default]
    All,
    /// Without an approved plan.
    NeedsPlan,
    NoPlan,
    Draft,
    Submitted,
    Approved,
    Returned,
}

impl PlanFilter {
    pub const ALL: [PlanFilter; 7] = [
        Self::All,
        Self::NeedsPlan,
        Self::NoPlan,
        Self::Draft,
        Self::Submitted,
        Self::Approved,
        Self::Returned,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::NeedsPlan => "needs_plan",
            Self::NoPlan => "no_plan",
            Self::Draft => "draft",
            Self::Submitted => "submitted",
            Self::Approved => "approved",
            Self::Returned => "returned",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }
    pub fn persian(self) -> &'static str {
        match self {
            Self::All => "همه",
            Self::NeedsPlan => "بی طرح مصوب",
            Self::NoPlan => "بی طرح",
            Self::Draft => PlanStatus::Draft.persian(),
            Self::Submitted => PlanStatus::Submitted.persian(),
            Self::Approved => PlanStatus::Approved.persian(),
            Self::Returned => PlanStatus::Returned.persian(),
        }
    }
    fn keeps(self, s: &SensitiveStation) -> bool {
        match self {
            Self::All => true,
            Self::NeedsPlan => s.needs_plan,
            Self::NoPlan => s.plan_status.is_none(),
            Self::Draft => s.plan_status == Some(PlanStatus::Draft),
            Self::Submitted => s.plan_status == Some(PlanStatus::Submitted),
            Self::Approved => s.plan_status == Some(PlanStatus::Approved),
            Self::Returned => s.plan_status == Some(PlanStatus::Returned),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SensitiveSortKey {
    /// Those needing a plan first, then by code.
    #[default]
    NeedsPlan,
    Code,
    Name,
    Status,
}

impl SortKey for SensitiveSortKey {
    const ALL: &'static [Self] = &[Self::NeedsPlan, Self::Code, Self::Name, Self::Status];
    fn as_str(self) -> &'static str {
        match self {
            Self::NeedsPlan => "needs_plan",
            Self::Code => "code",
            Self::Name => "name",
            Self::Status => "status",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SensitiveFilter {
    pub county: Option<String>,
    pub plan: PlanFilter,
    /// One of the reasons.
    pub reason: Option<String>,
    pub sort: Sort<SensitiveSortKey>,
}

/// One county's figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CountySecurity {
    pub county: String,
    pub name: String,
    pub sensitive: i64,
    pub approved: i64,
    pub submitted: i64,
    /// Sensitive without an approved plan.
    pub needs_plan: i64,
}

/// Filters, sorts and pages every sensitive station of the filter's county (as a backend reads
/// them, in any order): both backends answer alike because this decides.
pub fn page_sensitive(
    mut rows: Vec<SensitiveStation>,
    filter: &SensitiveFilter,
    page: PageRequest,
) -> Page<SensitiveStation> {
    rows.retain(|s| {
        filter.plan.keeps(s)
            && filter.county.as_ref().is_none_or(|c| &s.county == c)
            && filter
                .reason
                .as_ref()
                .is_none_or(|r| s.reasons.iter().any(|x| x == r))
    });
    let status_rank = |s: &SensitiveStation| match s.plan_status {
        None => 0,
        Some(PlanStatus::Returned) => 1,
        Some(PlanStatus::Draft) => 2,
        Some(PlanStatus::Submitted) => 3,
        Some(PlanStatus::Approved) => 4,
    };
    rows.sort_by(|a, b| {
        let ord = match filter.sort.key {
            SensitiveSortKey::NeedsPlan => b.needs_plan.cmp(&a.needs_plan),
            SensitiveSortKey::Code => std::cmp::Ordering::Equal,
            SensitiveSortKey::Name => a.name.cmp(&b.name),
            SensitiveSortKey::Status => status_rank(a).cmp(&status_rank(b)),
        }
        .then_with(|| a.station.cmp(&b.station));
        if filter.sort.descending {
            ord.reverse()
        } else {
            ord
        }
    });
    let total = rows.len() as i64;
    let items = rows
        .into_iter()
        .skip(usize::try_from(page.offset()).unwrap_or(usize::MAX))
        .take(page.per_page as usize)
        .collect();
    Page {
        items,
        total,
        page: page.page,
        per_page: page.per_page,
    }
}

/// Sums a county's rows of `(plan status or none)` into its figures.
pub fn summarize(
    county: String,
    name: String,
    statuses: impl IntoIterator<Item = Option<PlanStatus>>,
) -> CountySecurity {
    let mut c = CountySecurity {
        county,
        name,
        sensitive: 0,
        approved: 0,
        submitted: 0,
        needs_plan: 0,
    };
    for s in statuses {
        c.sensitive += 1;
        match s {
            Some(PlanStatus::Approved) => c.approved += 1,
            Some(PlanStatus::Submitted) => {
                c.submitted += 1;
                c.needs_plan += 1;
            }
            _ => c.needs_plan += 1,
        }
    }
    c
}

/// The day `by` acts on, in Tehran.
pub fn today(by: &Actor) -> time::Date {
    domain::security::tehran_date(by.at)
}

/// A station's reasons as stored: their codes joined by commas.
pub fn join_reasons(reasons: &[String]) -> String {
    reasons.join(",")
}

pub fn split_reasons(stored: &str) -> Vec<String> {
    stored
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn station_entity(station: &str) -> String {
    format!("station/{station}")
}

fn iso(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

pub fn reasons_set(election: &str, reasons: &[SensitiveReason]) -> AuditEntry {
    AuditEntry::new(
        AuditAction::SecurityReasons,
        format!("election/{election}"),
        serde_json::json!({
            "reasons": reasons.iter().map(|r| r.code.as_str()).collect::<Vec<_>>(),
        }),
    )
}

pub fn station_flagged(station: &str, reasons: &[String], note: &str) -> AuditEntry {
    AuditEntry::new(
        AuditAction::SecurityFlag,
        station_entity(station),
        serde_json::json!({"station": station, "reasons": reasons, "note": note}),
    )
}

pub fn station_unflagged(station: &str) -> AuditEntry {
    AuditEntry::new(
        AuditAction::SecurityUnflag,
        station_entity(station),
        serde_json::json!({"station": station}),
    )
}

pub fn plan_saved(station: &str, plan: &SecurityPlan) -> AuditEntry {
    AuditEntry::new(
        AuditAction::SecurityPlanSave,
        station_entity(station),
        serde_json::json!({
            "station": station,
            "status": PlanStatus::Draft.as_str(),
            "protective_staff": plan.protective_staff,
            "cctv_coverage": plan.cctv_coverage.as_str(),
            "effective_on": iso(plan.effective_on),
        }),
    )
}

pub fn plan_submitted(station: &str) -> AuditEntry {
    AuditEntry::new(
        AuditAction::SecurityPlanSubmit,
        station_entity(station),
        serde_json::json!({"station": station, "status": PlanStatus::Submitted.as_str()}),
    )
}

pub fn plan_approved(station: &str, meeting: i64) -> AuditEntry {
    AuditEntry::new(
        AuditAction::SecurityPlanApprove,
        station_entity(station),
        serde_json::json!({
            "station": station,
            "status": PlanStatus::Approved.as_str(),
            "meeting_id": meeting,
        }),
    )
}

pub fn plan_returned(station: &str, meeting: Option<i64>, reason: &str) -> AuditEntry {
    AuditEntry::new(
        AuditAction::SecurityPlanReturn,
        station_entity(station),
        serde_json::json!({
            "station": station,
            "status": PlanStatus::Returned.as_str(),
            "meeting_id": meeting,
            "note": reason,
        }),
    )
}

pub fn cadence_set(county: &str, cadence: &Cadence) -> AuditEntry {
    AuditEntry::new(
        AuditAction::SecurityCadence,
        format!(
            "board/{}",
            domain::boards::board_code(domain::boards::BoardKind::CountySecurity, Some(county))
        ),
        serde_json::json!({
            "county": county,
            "starts_on": iso(cadence.starts_on),
            "every_days": cadence.every_days,
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(code: &str, status: Option<PlanStatus>) -> SensitiveStation {
        SensitiveStation {
            station: code.into(),
            name: format!("شعبه {code}"),
            county: code[..2].into(),
            reasons: vec!["border_area".into()],
            note: String::new(),
            plan_status: status,
            needs_plan: status != Some(PlanStatus::Approved),
            flagged_at_us: 0,
            effective_on: None,
        }
    }

    #[test]
    fn the_list_puts_stations_needing_a_plan_first_and_pages() {
        let rows = vec![
            row("0100003", Some(PlanStatus::Approved)),
            row("0100001", None),
            row("0200001", Some(PlanStatus::Submitted)),
            row("0100002", Some(PlanStatus::Approved)),
        ];
        let page = page_sensitive(
            rows.clone(),
            &SensitiveFilter::default(),
            PageRequest::new(1, 2),
        );
        assert_eq!(page.total, 4);
        let codes: Vec<&str> = page.items.iter().map(|s| s.station.as_str()).collect();
        assert_eq!(codes, ["0100001", "0200001"]);
        let filter = SensitiveFilter {
            county: Some("01".into()),
            plan: PlanFilter::Approved,
            ..Default::default()
        };
        let page = page_sensitive(rows.clone(), &filter, PageRequest::default());
        assert_eq!(page.total, 2);
        let filter = SensitiveFilter {
            plan: PlanFilter::NeedsPlan,
            ..Default::default()
        };
        assert_eq!(
            page_sensitive(rows, &filter, PageRequest::default()).total,
            2
        );
    }

    #[test]
    fn a_summary_counts_submitted_plans_as_still_needing_approval() {
        let c = summarize(
            "01".into(),
            "کرمان".into(),
            [
                None,
                Some(PlanStatus::Approved),
                Some(PlanStatus::Submitted),
                Some(PlanStatus::Returned),
            ],
        );
        assert_eq!(
            (c.sensitive, c.approved, c.submitted, c.needs_plan),
            (4, 1, 1, 3)
        );
    }
}
