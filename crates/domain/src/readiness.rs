//! A station's readiness for an electronic election (issue 16): how it reaches the network,
//! its CCTV, power backup, devices and step-free access, as its county's governor declares
//! them; a score from weights the province HQ sets; and what is overdue against the timeline.
//!
//! The source document asks governors to settle every station's fibre-optic status by the end
//! of Bahman (the `fibre_deadline` milestone) and to prefer places with CCTV that is watched
//! continuously. Nothing here reads a clock: `today` and `now` are parameters.

use crate::calendar::{jalali_numeric, TEHRAN};
use crate::election::{Election, Milestone};
use crate::text::persian_digits;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

/// The timeline milestone by whose end every station's link must be declared.
pub const FIBRE_DEADLINE: &str = "fibre_deadline";

/// How a station reaches the network, as declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Link {
    /// Fibre optic, connected and working.
    #[serde(rename = "fibre")]
    FibreConnected,
    /// Fibre optic to be connected by a planned date.
    FibrePlanned,
    Landline,
    Sim,
    /// No link at all.
    None,
}

impl Link {
    pub const ALL: [Link; 5] = [
        Self::FibreConnected,
        Self::FibrePlanned,
        Self::Landline,
        Self::Sim,
        Self::None,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::FibreConnected => "fibre",
            Self::FibrePlanned => "fibre_planned",
            Self::Landline => "landline",
            Self::Sim => "sim",
            Self::None => "none",
        }
    }

    /// The code, or (for the telecom company's lists and the officials' forms) the Persian
    /// name.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|l| l.as_str() == s || l.persian() == crate::text::normalize_name(s))
    }

    pub fn persian(self) -> &'static str {
        match self {
            Self::FibreConnected => "فیبر نوری متصل",
            Self::FibrePlanned => "فیبر نوری در دست اتصال",
            Self::Landline => "خط ثابت",
            Self::Sim => "سیم‌کارت",
            Self::None => "بدون اتصال",
        }
    }

    /// Whether the station can reach the network today.
    pub fn connected(self) -> bool {
        matches!(self, Self::FibreConnected | Self::Landline | Self::Sim)
    }

    /// The share of the link indicator's weight this link earns, in percent: fibre is what the
    /// source document asks for; a landline or a SIM carries a day's traffic less surely.
    fn credit(self) -> u32 {
        match self {
            Self::FibreConnected => 100,
            Self::Landline => 60,
            Self::Sim => 40,
            Self::FibrePlanned | Self::None => 0,
        }
    }
}

/// What a governor declares about one station: independent yes-or-no facts, as the form asks
/// them.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Readiness {
    pub link: Link,
    /// The date fibre is to be connected: required with `fibre_planned`, absent otherwise.
    #[serde(default, with = "crate::json_time::date::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub fibre_planned_on: Option<Date>,
    pub cctv_installed: bool,
    /// Watched continuously (a monitoring room), not only recording.
    pub cctv_monitored: bool,
    pub power_backup: bool,
    pub devices_installed: bool,
    pub devices_tested: bool,
    /// Reachable without steps (a ramp, the ground floor).
    pub step_free: bool,
    /// Marked ready for election day by the governor.
    pub ready: bool,
    #[serde(default)]
    pub note: String,
}

impl Default for Readiness {
    fn default() -> Self {
        Self {
            link: Link::None,
            fibre_planned_on: None,
            cctv_installed: false,
            cctv_monitored: false,
            power_backup: false,
            devices_installed: false,
            devices_tested: false,
            step_free: false,
            ready: false,
            note: String::new(),
        }
    }
}

/// A declaration as stored: what was declared, when and by whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Declared {
    pub readiness: Readiness,
    #[serde(with = "crate::json_time::instant")]
    pub declared_at: OffsetDateTime,
    pub declared_by: String,
}

pub const MAX_NOTE_CHARS: usize = 500;

/// Why a declaration is refused. Nothing is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadinessRefusal {
    /// `fibre_planned` without a date.
    PlannedDateMissing,
    /// A date with a link that is not `fibre_planned`.
    DateWithoutPlan,
    /// A planned connection dated before today (a new or changed date only).
    PlannedDateInPast {
        date: Date,
    },
    /// Monitored CCTV that is not installed.
    MonitoredWithoutCctv,
    /// Tested devices that are not installed.
    TestedWithoutDevices,
    NoteTooLong,
    /// Marked ready while something a station needs on the day is missing.
    NotReady {
        missing: Vec<Requirement>,
    },
    /// Marked ready while it is sensitive and has no approved security plan.
    SecurityPlanNotApproved,
    /// A weight outside 0..=100, or all weights zero.
    BadWeights,
}

/// What a station must have before it is marked ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Requirement {
    Link,
    DevicesTested,
    PowerBackup,
}

impl Requirement {
    pub fn persian(self) -> &'static str {
        match self {
            Self::Link => "اتصال به شبکه",
            Self::DevicesTested => "آزمایش دستگاه‌ها",
            Self::PowerBackup => "برق پشتیبان",
        }
    }
}

impl ReadinessRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            Self::PlannedDateMissing => "planned_date_missing",
            Self::DateWithoutPlan => "date_without_plan",
            Self::PlannedDateInPast { .. } => "planned_date_in_past",
            Self::MonitoredWithoutCctv => "monitored_without_cctv",
            Self::TestedWithoutDevices => "tested_without_devices",
            Self::NoteTooLong => "note_too_long",
            Self::NotReady { .. } => "station_not_ready",
            Self::SecurityPlanNotApproved => "security_plan_not_approved",
            Self::BadWeights => "invalid_weights",
        }
    }

    pub fn persian(&self) -> String {
        match self {
            Self::PlannedDateMissing => {
                "برای فیبر نوری در دست اتصال، تاریخ برنامه‌ریزی‌شده اتصال را بنویسید.".into()
            }
            Self::DateWithoutPlan => {
                "تاریخ اتصال فقط برای فیبر نوری در دست اتصال نوشته می‌شود.".into()
            }
            Self::PlannedDateInPast { date } => format!(
                "تاریخ اتصال {} گذشته است؛ تاریخی از امروز به بعد بنویسید.",
                persian_digits(&jalali_numeric(*date))
            ),
            Self::MonitoredWithoutCctv => {
                "پایش پیوسته بدون دوربین نصب‌شده ممکن نیست.".into()
            }
            Self::TestedWithoutDevices => "دستگاه نصب‌نشده آزمایش نمی‌شود.".into(),
            Self::NoteTooLong => format!(
                "یادداشت حداکثر {} نویسه است.",
                persian_digits(&MAX_NOTE_CHARS.to_string())
            ),
            Self::NotReady { missing } => format!(
                "شعبه هنوز آماده نیست؛ کم دارد: {}.",
                missing
                    .iter()
                    .map(|m| m.persian())
                    .collect::<Vec<_>>()
                    .join("، ")
            ),
            Self::SecurityPlanNotApproved => {
                "این شعبه حساس است و طرح امنیتی آن هنوز در شورای تأمین شهرستان تصویب نشده؛ نمی‌توان آن را آماده اعلام کرد."
                    .into()
            }
            Self::BadWeights => {
                "وزن هر شاخص باید میان ۰ و ۱۰۰ باشد و دست‌کم یکی بیش از صفر.".into()
            }
        }
    }

    /// A refusal of the request's content (422), not of the state it meets (409).
    pub fn is_invalid_input(&self) -> bool {
        !matches!(self, Self::NotReady { .. } | Self::SecurityPlanNotApproved)
    }
}

/// What the store knows of a station's security when it is marked ready: the part of
/// [`crate::security::StationSecurity`] the readiness rules read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SecurityStanding {
    pub sensitive: bool,
    pub plan_approved: bool,
}

impl SecurityStanding {
    pub fn of(security: &crate::security::StationSecurity) -> Self {
        Self {
            sensitive: security.sensitive,
            plan_approved: security.plan_status == Some(crate::security::PlanStatus::Approved),
        }
    }

    /// Sensitive and without an approved plan (`StationSecurity::needs_plan`, the one rule).
    pub fn needs_plan(self) -> bool {
        crate::security::StationSecurity {
            sensitive: self.sensitive,
            reasons: Vec::new(),
            plan_status: self
                .plan_approved
                .then_some(crate::security::PlanStatus::Approved),
        }
        .needs_plan()
    }
}

/// Checks a declaration before it is written: its own consistency, a planned date not in the
/// past (when it is new or changed from `previous`), and, when it marks the station ready,
/// that the station has what it needs on the day and, if sensitive, an approved plan.
pub fn check_declaration(
    new: &Readiness,
    previous: Option<&Readiness>,
    security: SecurityStanding,
    today: Date,
) -> Result<(), ReadinessRefusal> {
    match (new.link, new.fibre_planned_on) {
        (Link::FibrePlanned, None) => return Err(ReadinessRefusal::PlannedDateMissing),
        (Link::FibrePlanned, Some(date)) => {
            let unchanged = previous.is_some_and(|p| p.fibre_planned_on == Some(date));
            if date < today && !unchanged {
                return Err(ReadinessRefusal::PlannedDateInPast { date });
            }
        }
        (_, Some(_)) => return Err(ReadinessRefusal::DateWithoutPlan),
        (_, None) => {}
    }
    if new.cctv_monitored && !new.cctv_installed {
        return Err(ReadinessRefusal::MonitoredWithoutCctv);
    }
    if new.devices_tested && !new.devices_installed {
        return Err(ReadinessRefusal::TestedWithoutDevices);
    }
    if new.note.chars().count() > MAX_NOTE_CHARS {
        return Err(ReadinessRefusal::NoteTooLong);
    }
    if new.ready {
        let missing = missing_for_ready(new);
        if !missing.is_empty() {
            return Err(ReadinessRefusal::NotReady { missing });
        }
        if security.needs_plan() {
            return Err(ReadinessRefusal::SecurityPlanNotApproved);
        }
    }
    Ok(())
}

/// What a station lacks before it may be marked ready: a working link, tested devices, and
/// power backup (a link without power fails with the mains).
pub fn missing_for_ready(r: &Readiness) -> Vec<Requirement> {
    let mut missing = Vec::new();
    if !r.link.connected() {
        missing.push(Requirement::Link);
    }
    if !r.devices_tested {
        missing.push(Requirement::DevicesTested);
    }
    if !r.power_backup {
        missing.push(Requirement::PowerBackup);
    }
    missing
}

/// The weight of each indicator in a station's score, set by the province HQ per election.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Weights {
    pub link: u32,
    pub cctv_installed: u32,
    pub cctv_monitored: u32,
    pub power_backup: u32,
    pub devices_installed: u32,
    pub devices_tested: u32,
    pub step_free: u32,
}

impl Default for Weights {
    /// Connectivity and tested devices first, as the source document's priorities have it;
    /// they sum to 100.
    fn default() -> Self {
        Self {
            link: 30,
            cctv_installed: 10,
            cctv_monitored: 10,
            power_backup: 15,
            devices_installed: 10,
            devices_tested: 15,
            step_free: 10,
        }
    }
}

impl Weights {
    pub const MAX: u32 = 100;

    fn all(&self) -> [u32; 7] {
        [
            self.link,
            self.cctv_installed,
            self.cctv_monitored,
            self.power_backup,
            self.devices_installed,
            self.devices_tested,
            self.step_free,
        ]
    }

    pub fn validate(&self) -> Result<(), ReadinessRefusal> {
        let all = self.all();
        if all.iter().any(|w| *w > Self::MAX) || all.iter().all(|w| *w == 0) {
            return Err(ReadinessRefusal::BadWeights);
        }
        Ok(())
    }

    /// A station's score out of 100 (rounded down); an undeclared station scores 0.
    pub fn score(&self, r: &Readiness) -> u32 {
        let total: u32 = self.all().iter().sum();
        if total == 0 {
            return 0;
        }
        let flag = |on: bool, w: u32| if on { w * 100 } else { 0 };
        let earned = self.link * r.link.credit()
            + flag(r.cctv_installed, self.cctv_installed)
            + flag(r.cctv_monitored, self.cctv_monitored)
            + flag(r.power_backup, self.power_backup)
            + flag(r.devices_installed, self.devices_installed)
            + flag(r.devices_tested, self.devices_tested)
            + flag(r.step_free, self.step_free);
        earned / total
    }
}

/// Why a station is on an overdue list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ReadinessOverdue))]
pub enum Overdue {
    /// The fibre deadline has passed and nothing is declared.
    Undeclared,
    /// A planned fibre connection whose date has passed.
    PlannedConnectionLate,
    /// Sensitive, and its security plan is not approved after the plan's deadline.
    SecurityPlanLate,
}

impl Overdue {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Undeclared => "undeclared",
            Self::PlannedConnectionLate => "planned_connection_late",
            Self::SecurityPlanLate => "security_plan_late",
        }
    }

    pub fn persian(self) -> &'static str {
        match self {
            Self::Undeclared => "وضعیت اتصال پس از مهلت اعلام نشده",
            Self::PlannedConnectionLate => "تاریخ اتصال فیبر گذشته",
            Self::SecurityPlanLate => "طرح امنیتی شعبه حساس تصویب نشده",
        }
    }
}

/// The timeline milestone by whose end sensitive stations' plans must be approved.
pub const SECURITY_PLAN_DEADLINE: &str = "security_plan_deadline";

/// When a milestone of `election` ends, if it has one with that key.
pub fn deadline(election: &Election, key: &str) -> Option<OffsetDateTime> {
    election
        .milestones
        .iter()
        .find(|m| m.key == key)
        .map(|m: &Milestone| m.ends_at)
}

/// What is overdue at a station at `now`: undeclared after the fibre deadline, a planned
/// connection past its date, a sensitive station without an approved plan after the plan
/// deadline.
pub fn overdue(
    declared: Option<&Readiness>,
    security: SecurityStanding,
    fibre_deadline: Option<OffsetDateTime>,
    plan_deadline: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> Vec<Overdue> {
    let today = now.to_offset(TEHRAN).date();
    let mut out = Vec::new();
    match declared {
        None if fibre_deadline.is_some_and(|d| d <= now) => out.push(Overdue::Undeclared),
        Some(r)
            if r.link == Link::FibrePlanned && r.fibre_planned_on.is_some_and(|d| d < today) =>
        {
            out.push(Overdue::PlannedConnectionLate);
        }
        _ => {}
    }
    if security.needs_plan() && plan_deadline.is_some_and(|d| d <= now) {
        out.push(Overdue::SecurityPlanLate);
    }
    out
}

/// A station's standing as the dashboards show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Assessment {
    /// Out of 100; 0 for a station that has declared nothing.
    pub score: u32,
    pub overdue: Vec<Overdue>,
    /// What it lacks before it may be marked ready (empty once declared ready).
    pub missing: Vec<Requirement>,
}

/// The deadlines an assessment is made against, read once from the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    pub fibre: Option<OffsetDateTime>,
    pub security_plan: Option<OffsetDateTime>,
}

impl Deadlines {
    pub fn of(election: &Election) -> Self {
        Self {
            fibre: deadline(election, FIBRE_DEADLINE),
            security_plan: deadline(election, SECURITY_PLAN_DEADLINE),
        }
    }
}

/// Assesses one station at `now`.
pub fn assess(
    declared: Option<&Readiness>,
    security: SecurityStanding,
    weights: &Weights,
    deadlines: Deadlines,
    now: OffsetDateTime,
) -> Assessment {
    Assessment {
        score: declared.map_or(0, |r| weights.score(r)),
        overdue: overdue(
            declared,
            security,
            deadlines.fibre,
            deadlines.security_plan,
            now,
        ),
        missing: match declared {
            Some(r) if r.ready => Vec::new(),
            Some(r) => missing_for_ready(r),
            None => missing_for_ready(&Readiness::default()),
        },
    }
}

/// Counts over a set of stations (a council, a county, the province).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tally {
    pub stations: u64,
    pub undeclared: u64,
    /// By link, in [`Link::ALL`]'s order.
    pub by_link: [u64; 5],
    pub planned_late: u64,
    pub ready: u64,
    pub sensitive: u64,
    pub sensitive_without_plan: u64,
    /// Stations with anything overdue.
    pub overdue: u64,
    pub cctv: u64,
    pub devices_tested: u64,
    score_sum: u64,
}

impl Tally {
    pub fn add(
        &mut self,
        declared: Option<&Readiness>,
        security: SecurityStanding,
        a: &Assessment,
    ) {
        self.stations += 1;
        match declared {
            None => self.undeclared += 1,
            Some(r) => {
                if let Some(i) = Link::ALL.iter().position(|l| *l == r.link) {
                    self.by_link[i] += 1;
                }
                self.ready += u64::from(r.ready);
                self.cctv += u64::from(r.cctv_installed);
                self.devices_tested += u64::from(r.devices_tested);
            }
        }
        self.planned_late += u64::from(a.overdue.contains(&Overdue::PlannedConnectionLate));
        self.sensitive += u64::from(security.sensitive);
        self.sensitive_without_plan += u64::from(security.needs_plan());
        self.overdue += u64::from(!a.overdue.is_empty());
        self.score_sum += u64::from(a.score);
    }

    /// Stations declared with a link of `link`.
    pub fn with_link(&self, link: Link) -> u64 {
        Link::ALL
            .iter()
            .position(|l| *l == link)
            .map_or(0, |i| self.by_link[i])
    }

    /// Stations with no link at all: declared `none`.
    pub fn no_link(&self) -> u64 {
        self.with_link(Link::None)
    }

    /// The mean score, rounded down (0 for no stations).
    pub fn mean_score(&self) -> u32 {
        u32::try_from(self.score_sum.checked_div(self.stations).unwrap_or(0)).unwrap_or(100)
    }

    /// Worst first: most stations overdue, then most undeclared, then with no link, then the
    /// lowest mean score.
    pub fn worst_first(a: &Self, b: &Self) -> std::cmp::Ordering {
        b.overdue
            .cmp(&a.overdue)
            .then(b.undeclared.cmp(&a.undeclared))
            .then(b.no_link().cmp(&a.no_link()))
            .then(a.mean_score().cmp(&b.mean_score()))
    }
}

/// The parts of the readiness CSV, in the order export writes them. Import takes `station`
/// and any of the others: a column left out keeps what was declared (the telecom company's
/// list brings only `link` and `fibre_planned_on`).
pub const CSV_HEADER: [&str; 11] = [
    "station",
    "link",
    "fibre_planned_on",
    "cctv_installed",
    "cctv_monitored",
    "power_backup",
    "devices_installed",
    "devices_tested",
    "step_free",
    "ready",
    "note",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::parse_date;
    use proptest::prelude::*;

    fn day(s: &str) -> Date {
        parse_date(s).expect("date")
    }

    fn full() -> Readiness {
        Readiness {
            link: Link::FibreConnected,
            fibre_planned_on: None,
            cctv_installed: true,
            cctv_monitored: true,
            power_backup: true,
            devices_installed: true,
            devices_tested: true,
            step_free: true,
            ready: true,
            note: String::new(),
        }
    }

    const OPEN: SecurityStanding = SecurityStanding {
        sensitive: false,
        plan_approved: false,
    };

    #[test]
    fn a_planned_connection_needs_a_date_from_today_on() {
        let today = day("1404/12/01");
        let mut r = Readiness {
            link: Link::FibrePlanned,
            ..Readiness::default()
        };
        assert_eq!(
            check_declaration(&r, None, OPEN, today),
            Err(ReadinessRefusal::PlannedDateMissing)
        );
        r.fibre_planned_on = Some(day("1404/11/30"));
        assert_eq!(
            check_declaration(&r, None, OPEN, today).map_err(|e| e.code()),
            Err("planned_date_in_past")
        );
        // The same late date, unchanged, does not stop another field's update.
        let previous = r.clone();
        r.cctv_installed = true;
        assert_eq!(check_declaration(&r, Some(&previous), OPEN, today), Ok(()));
        r.fibre_planned_on = Some(today);
        assert_eq!(check_declaration(&r, None, OPEN, today), Ok(()));
        r.link = Link::Sim;
        assert_eq!(
            check_declaration(&r, None, OPEN, today),
            Err(ReadinessRefusal::DateWithoutPlan)
        );
    }

    #[test]
    fn monitoring_and_testing_need_what_they_watch_and_test() {
        let today = day("1404/12/01");
        let r = Readiness {
            cctv_monitored: true,
            ..Readiness::default()
        };
        assert_eq!(
            check_declaration(&r, None, OPEN, today),
            Err(ReadinessRefusal::MonitoredWithoutCctv)
        );
        let r = Readiness {
            devices_tested: true,
            ..Readiness::default()
        };
        assert_eq!(
            check_declaration(&r, None, OPEN, today),
            Err(ReadinessRefusal::TestedWithoutDevices)
        );
    }

    #[test]
    fn ready_needs_a_link_tested_devices_power_and_for_a_sensitive_station_an_approved_plan() {
        let today = day("1404/12/01");
        assert_eq!(check_declaration(&full(), None, OPEN, today), Ok(()));
        let bare = Readiness {
            ready: true,
            ..Readiness::default()
        };
        let Err(ReadinessRefusal::NotReady { missing }) =
            check_declaration(&bare, None, OPEN, today)
        else {
            panic!("a bare station marked ready");
        };
        assert_eq!(
            missing,
            vec![
                Requirement::Link,
                Requirement::DevicesTested,
                Requirement::PowerBackup
            ]
        );
        let sensitive = SecurityStanding {
            sensitive: true,
            plan_approved: false,
        };
        assert_eq!(
            check_declaration(&full(), None, sensitive, today),
            Err(ReadinessRefusal::SecurityPlanNotApproved)
        );
        let approved = SecurityStanding {
            sensitive: true,
            plan_approved: true,
        };
        assert_eq!(check_declaration(&full(), None, approved, today), Ok(()));
        // Not marking it ready is always allowed: the governor records what is there.
        let unready = Readiness {
            ready: false,
            ..full()
        };
        assert_eq!(check_declaration(&unready, None, sensitive, today), Ok(()));
    }

    #[test]
    fn the_default_weights_give_a_full_station_100_and_a_bare_one_0() {
        let w = Weights::default();
        assert_eq!(w.validate(), Ok(()));
        assert_eq!(w.score(&full()), 100);
        assert_eq!(w.score(&Readiness::default()), 0);
        let sim = Readiness {
            link: Link::Sim,
            ..Readiness::default()
        };
        assert_eq!(w.score(&sim), 12); // 30 × 40 % of 100
        let zero = Weights {
            link: 0,
            cctv_installed: 0,
            cctv_monitored: 0,
            power_backup: 0,
            devices_installed: 0,
            devices_tested: 0,
            step_free: 0,
        };
        assert_eq!(zero.validate(), Err(ReadinessRefusal::BadWeights));
        let only_link = Weights { link: 7, ..zero };
        assert_eq!(only_link.score(&full()), 100);
        assert_eq!(
            Weights {
                step_free: 101,
                ..w
            }
            .validate(),
            Err(ReadinessRefusal::BadWeights)
        );
    }

    #[test]
    fn an_undeclared_station_is_overdue_only_after_the_fibre_deadline() {
        let deadline = crate::calendar::parse_instant("1404/12/01 00:00").expect("instant");
        let before = deadline - time::Duration::minutes(1);
        let after = deadline + time::Duration::hours(9);
        assert!(overdue(None, OPEN, Some(deadline), None, before).is_empty());
        assert_eq!(
            overdue(None, OPEN, Some(deadline), None, after),
            vec![Overdue::Undeclared]
        );
        assert!(overdue(Some(&full()), OPEN, Some(deadline), None, after).is_empty());
        let late = Readiness {
            link: Link::FibrePlanned,
            fibre_planned_on: Some(day("1404/11/20")),
            ..Readiness::default()
        };
        assert_eq!(
            overdue(Some(&late), OPEN, Some(deadline), None, after),
            vec![Overdue::PlannedConnectionLate]
        );
        let sensitive = SecurityStanding {
            sensitive: true,
            plan_approved: false,
        };
        assert_eq!(
            overdue(Some(&full()), sensitive, None, Some(deadline), after),
            vec![Overdue::SecurityPlanLate]
        );
        // No deadline in the timeline: nothing is overdue for want of one.
        assert!(overdue(None, OPEN, None, None, after).is_empty());
    }

    #[test]
    fn tallies_count_links_and_put_the_worst_first() {
        let w = Weights::default();
        let deadlines = Deadlines {
            fibre: Some(crate::calendar::parse_instant("1404/12/01 00:00").expect("instant")),
            security_plan: None,
        };
        let now = crate::calendar::parse_instant("1404/12/01 09:00").expect("instant");
        let mut good = Tally::default();
        let a = assess(Some(&full()), OPEN, &w, deadlines, now);
        assert!(a.overdue.is_empty() && a.missing.is_empty());
        good.add(Some(&full()), OPEN, &a);
        let mut bad = Tally::default();
        let undeclared = assess(None, OPEN, &w, deadlines, now);
        assert_eq!(undeclared.overdue, vec![Overdue::Undeclared]);
        bad.add(None, OPEN, &undeclared);
        let none = Readiness::default();
        bad.add(
            Some(&none),
            OPEN,
            &assess(Some(&none), OPEN, &w, deadlines, now),
        );
        assert_eq!(
            (bad.stations, bad.undeclared, bad.no_link(), bad.overdue),
            (2, 1, 1, 1)
        );
        assert_eq!(good.with_link(Link::FibreConnected), 1);
        assert_eq!(good.mean_score(), 100);
        let mut counties = [good.clone(), bad.clone()];
        counties.sort_by(Tally::worst_first);
        assert_eq!(counties[0], bad);
    }

    #[test]
    fn links_read_their_codes_and_persian_names() {
        for link in Link::ALL {
            assert_eq!(Link::parse(link.as_str()), Some(link));
            assert_eq!(Link::parse(link.persian()), Some(link));
        }
        assert_eq!(Link::parse("satellite"), None);
    }

    fn any_readiness() -> impl Strategy<Value = Readiness> {
        (
            proptest::sample::select(Link::ALL.to_vec()),
            proptest::collection::vec(any::<bool>(), 8),
        )
            .prop_map(|(link, f)| Readiness {
                link,
                fibre_planned_on: None,
                cctv_installed: f[0],
                cctv_monitored: f[1],
                power_backup: f[2],
                devices_installed: f[3],
                devices_tested: f[4],
                step_free: f[5],
                ready: f[6],
                note: String::new(),
            })
    }

    proptest! {
        /// A score is 0..=100 for any weights, and adding an indicator never lowers it.
        #[test]
        fn scores_stay_in_range_and_grow_with_what_is_there(
            r in any_readiness(),
            w in proptest::collection::vec(0u32..=100, 7),
        ) {
            let weights = Weights {
                link: w[0], cctv_installed: w[1], cctv_monitored: w[2], power_backup: w[3],
                devices_installed: w[4], devices_tested: w[5], step_free: w[6],
            };
            let score = weights.score(&r);
            prop_assert!(score <= 100);
            let more = Readiness { power_backup: true, step_free: true, ..r.clone() };
            prop_assert!(weights.score(&more) >= score);
        }
    }
}
