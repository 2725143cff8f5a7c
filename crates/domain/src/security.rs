//! Sensitive stations and the county security council (issue 16, parts 3 and 4).
//!
//! A governor flags a station as sensitive (حساس) for one or more reasons from the election's
//! list ([`SensitiveReason`], configurable per election, [`default_reasons`] until the province
//! HQ sets its own). Every sensitive station needs a security plan ([`SecurityPlan`]), drafted
//! by the governor's office and approved by the county security council (شورای تأمین
//! شهرستان) at one of its held meetings: draft → submitted → approved, or returned with a
//! reason and drafted again ([`next_status`]). A sensitive station without an approved plan
//! cannot be marked ready ([`check_may_mark_ready`]).
//!
//! The council is one of the boards (`crate::boards::BoardKind::CountySecurity`) and keeps its
//! meetings as the boards do; here is its cadence ([`Cadence`], [`cadence_slots`]): a meeting
//! is due every so many days until election day, and a slot that passed without one is missed.

use crate::boards::{Decision, Meeting};
use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};

/// A reason a station is sensitive: a code (stored on the station) and its Persian name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SensitiveReason {
    pub code: String,
    pub name: String,
}

/// The reasons an election starts with, until the province HQ sets its own list.
pub fn default_reasons() -> Vec<SensitiveReason> {
    [
        (
            "incident_history",
            "سابقه حادثه یا ناآرامی در انتخابات پیشین",
        ),
        ("hard_route", "مسیر دسترسی صعب‌العبور"),
        ("border_area", "منطقه مرزی"),
        ("disputed_council", "رقابت یا اختلاف شدید در حوزه شورا"),
        ("no_cctv", "نبود دوربین مداربسته"),
        ("remote_from_police", "دوری از پاسگاه انتظامی"),
        ("crowded", "ازدحام پیش‌بینی‌شده رأی‌دهندگان"),
    ]
    .into_iter()
    .map(|(code, name)| SensitiveReason {
        code: code.into(),
        name: name.into(),
    })
    .collect()
}

/// The most reasons an election's list holds.
pub const MAX_REASONS: usize = 40;

/// Why the security rules refuse a request. Nothing is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecurityRefusal {
    /// A sensitive station without an approved plan may not be marked ready.
    NoApprovedPlan,
    /// A plan for a station that is not flagged sensitive.
    NotSensitive,
    /// Flagging without a reason.
    NoReasons,
    /// A reason not on the election's list.
    UnknownReason { code: String },
    /// The same reason twice.
    RepeatedReason { code: String },
    /// The election's list of reasons is malformed.
    BadReasonList { reason: String },
    /// A reason still given for a flagged station cannot leave the list.
    ReasonInUse { code: String },
    /// A plan step the plan's status does not allow (approving a draft, editing a submitted
    /// plan).
    OutOfOrder {
        from: Option<PlanStatus>,
        step: &'static str,
    },
    /// A field of the plan that is missing or out of bounds.
    InvalidPlan {
        field: &'static str,
        reason: &'static str,
    },
    /// The plan's date is before today.
    DateInPast,
    /// The plan's date is after election day.
    DateAfterElection,
    /// Returning a plan needs a reason.
    NoReturnReason,
    /// The meeting that approves a plan must be one of the station's county's security
    /// council.
    MeetingNotOfCouncil,
    /// The meeting that approves a plan must have been held already.
    MeetingNotHeld,
    /// A cadence that is not one (every 0 days, beyond election day).
    BadCadence { reason: &'static str },
}

impl SecurityRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoApprovedPlan => "security_plan_not_approved",
            Self::NotSensitive => "station_not_sensitive",
            Self::NoReasons => "no_sensitive_reason",
            Self::UnknownReason { .. } => "unknown_sensitive_reason",
            Self::RepeatedReason { .. } => "repeated_sensitive_reason",
            Self::BadReasonList { .. } => "invalid_reason_list",
            Self::ReasonInUse { .. } => "sensitive_reason_in_use",
            Self::OutOfOrder { .. } => "plan_step_out_of_order",
            Self::InvalidPlan { .. } => "invalid_security_plan",
            Self::DateInPast => "plan_date_in_past",
            Self::DateAfterElection => "plan_date_after_election",
            Self::NoReturnReason => "return_reason_required",
            Self::MeetingNotOfCouncil => "meeting_not_of_security_council",
            Self::MeetingNotHeld => "meeting_not_held",
            Self::BadCadence { .. } => "invalid_cadence",
        }
    }

    /// Whether the request itself is wrong (422) rather than the state it meets (409).
    pub fn is_invalid_input(&self) -> bool {
        !matches!(
            self,
            Self::NoApprovedPlan
                | Self::NotSensitive
                | Self::OutOfOrder { .. }
                | Self::ReasonInUse { .. }
        )
    }

    pub fn persian(&self) -> String {
        match self {
            Self::NoApprovedPlan => {
                "این شعبه حساس است و طرح امنیتی آن هنوز به تصویب شورای تأمین شهرستان نرسیده است؛ نمی‌توان آن را آماده اعلام کرد.".into()
            }
            Self::NotSensitive => "این شعبه حساس اعلام نشده است؛ طرح امنیتی ندارد.".into(),
            Self::NoReasons => "دست‌کم یک علت حساس بودن شعبه را انتخاب کنید.".into(),
            Self::UnknownReason { code } => {
                format!("علت «{code}» در فهرست علت‌های حساس بودن این انتخابات نیست.")
            }
            Self::RepeatedReason { code } => format!("علت «{code}» دو بار آمده است."),
            Self::BadReasonList { reason } => format!("فهرست علت‌ها معتبر نیست: {reason}"),
            Self::ReasonInUse { code } => format!(
                "علت «{code}» هنوز برای شعبه‌ای حساس ثبت است و از فهرست برداشته نمی‌شود."
            ),
            Self::OutOfOrder { from, step } => format!(
                "طرحی که {} است را نمی‌توان {}.",
                from.map_or("هنوز نوشته نشده", PlanStatus::persian_state),
                step_persian(step)
            ),
            Self::InvalidPlan { field, reason } => {
                format!("«{}» طرح امنیتی معتبر نیست: {reason}", field_persian(field))
            }
            Self::DateInPast => "تاریخ اجرای طرح گذشته است؛ تاریخی از امروز به بعد بنویسید.".into(),
            Self::DateAfterElection => "تاریخ اجرای طرح پس از روز رأی‌گیری است.".into(),
            Self::NoReturnReason => "علت بازگرداندن طرح را بنویسید.".into(),
            Self::MeetingNotOfCouncil => {
                "جلسه‌ای که طرح را تصویب می‌کند باید جلسه شورای تأمین همان شهرستان باشد.".into()
            }
            Self::MeetingNotHeld => "جلسه تصویب هنوز برگزار نشده است.".into(),
            Self::BadCadence { reason } => format!("دوره برگزاری جلسات معتبر نیست: {reason}"),
        }
    }
}

fn step_persian(step: &str) -> &'static str {
    match step {
        "save" => "ویرایش کرد",
        "submit" => "برای تصویب فرستاد",
        "approve" => "تصویب کرد",
        "return" => "بازگرداند",
        _ => "تغییر داد",
    }
}

/// The Persian name of a plan's field, for its error.
pub fn field_persian(field: &str) -> &'static str {
    match field {
        "measures" => "تدابیر امنیتی",
        "responsible_name" => "مسئول اجرای طرح",
        "responsible_phone" => "تلفن مسئول",
        "protective_staff" => "شمار نیروهای حفاظتی",
        "cctv_coverage" => "پوشش دوربین مداربسته",
        "contacts" => "راه‌های تماس",
        "escalation" => "روند گزارش و ارجاع",
        "effective_on" => "تاریخ اجرای طرح",
        "note" => "توضیح",
        _ => "فیلد",
    }
}

/// Checks an election's list of reasons: 1 to [`MAX_REASONS`], each code short snake_case ASCII
/// and unique, each name present.
pub fn validate_reasons(list: &[SensitiveReason]) -> Result<(), SecurityRefusal> {
    let bad = |reason: &str| {
        Err(SecurityRefusal::BadReasonList {
            reason: reason.to_owned(),
        })
    };
    if list.is_empty() || list.len() > MAX_REASONS {
        return bad("فهرست باید میان ۱ تا ۴۰ علت داشته باشد");
    }
    let mut seen = std::collections::HashSet::new();
    for r in list {
        let code_ok = !r.code.is_empty()
            && r.code.len() <= 40
            && r.code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !code_ok {
            return bad("کد هر علت با حروف کوچک لاتین، رقم و _ نوشته می‌شود (تا ۴۰ نویسه)");
        }
        let name = r.name.trim();
        if name.is_empty() || name.chars().count() > 120 {
            return bad("نام هر علت میان ۱ تا ۱۲۰ نویسه است");
        }
        if !seen.insert(r.code.as_str()) {
            return bad("کد یک علت دو بار آمده است");
        }
    }
    Ok(())
}

/// Checks the reasons chosen for a station against the election's list: at least one, each on
/// the list, none twice.
pub fn check_reasons(chosen: &[String], list: &[SensitiveReason]) -> Result<(), SecurityRefusal> {
    if chosen.is_empty() {
        return Err(SecurityRefusal::NoReasons);
    }
    let mut seen = std::collections::HashSet::new();
    for code in chosen {
        if !list.iter().any(|r| &r.code == code) {
            return Err(SecurityRefusal::UnknownReason { code: code.clone() });
        }
        if !seen.insert(code) {
            return Err(SecurityRefusal::RepeatedReason { code: code.clone() });
        }
    }
    Ok(())
}

/// The reasons a new list drops while a flagged station still gives them (`in_use`: the codes
/// flagged stations give).
pub fn check_reasons_kept(
    new: &[SensitiveReason],
    in_use: &[String],
) -> Result<(), SecurityRefusal> {
    match in_use.iter().find(|c| !new.iter().any(|r| &r.code == *c)) {
        Some(code) => Err(SecurityRefusal::ReasonInUse { code: code.clone() }),
        None => Ok(()),
    }
}

/// Where a station's security plan stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum PlanStatus {
    Draft,
    Submitted,
    Approved,
    Returned,
}

impl PlanStatus {
    pub const ALL: [PlanStatus; 4] = [Self::Draft, Self::Submitted, Self::Approved, Self::Returned];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submitted => "submitted",
            Self::Approved => "approved",
            Self::Returned => "returned",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
    /// The status as a label.
    pub fn persian(self) -> &'static str {
        match self {
            Self::Draft => "پیش‌نویس",
            Self::Submitted => "در انتظار تصویب شورای تأمین",
            Self::Approved => "مصوب شورای تأمین",
            Self::Returned => "بازگردانده برای اصلاح",
        }
    }
    /// The status in a sentence («طرحی که … است»).
    pub fn persian_state(self) -> &'static str {
        match self {
            Self::Draft => "پیش‌نویس",
            Self::Submitted => "فرستاده‌شده برای تصویب",
            Self::Approved => "مصوب",
            Self::Returned => "بازگردانده",
        }
    }
}

/// How much of the station the cameras see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CctvCoverage {
    #[default]
    None,
    Partial,
    Full,
    /// Full coverage watched continuously.
    Monitored,
}

impl CctvCoverage {
    pub const ALL: [CctvCoverage; 4] = [Self::None, Self::Partial, Self::Full, Self::Monitored];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Partial => "partial",
            Self::Full => "full",
            Self::Monitored => "monitored",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
    pub fn persian(self) -> &'static str {
        match self {
            Self::None => "بدون دوربین",
            Self::Partial => "پوشش بخشی از شعبه",
            Self::Full => "پوشش کامل",
            Self::Monitored => "پوشش کامل با پایش پیوسته",
        }
    }
}

/// A sensitive station's security plan, as the governor's office writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SecurityPlan {
    /// The measures: guarding, access, ballot-box custody, ….
    pub measures: String,
    /// Who answers for carrying the plan out.
    pub responsible_name: String,
    pub responsible_phone: String,
    /// How many protective staff (police, guards) stand at the station.
    pub protective_staff: u32,
    pub cctv_coverage: CctvCoverage,
    /// Whom to call: police post, county HQ, ….
    pub contacts: String,
    /// How an incident is reported and escalated, step by step.
    pub escalation: String,
    /// The day the plan takes effect (from today up to election day).
    #[serde(with = "crate::json_time::date")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub effective_on: Date,
}

impl SecurityPlan {
    /// Checks the plan: the texts present and bounded, a plausible number of protective staff,
    /// a phone of digits, and its date from `today` up to `election_day`.
    pub fn validate(&self, today: Date, election_day: Date) -> Result<(), SecurityRefusal> {
        let bad = |field: &'static str, reason: &'static str| {
            Err(SecurityRefusal::InvalidPlan { field, reason })
        };
        for (field, text, max) in [
            ("measures", &self.measures, 10_000),
            ("responsible_name", &self.responsible_name, 200),
            ("contacts", &self.contacts, 2_000),
            ("escalation", &self.escalation, 5_000),
        ] {
            let n = text.trim().chars().count();
            if n == 0 {
                return bad(field, "خالی است");
            }
            if n > max {
                return bad(field, "بیش از اندازه بلند است");
            }
        }
        let phone = crate::text::ascii_digits(self.responsible_phone.trim());
        if !(phone.len() >= 4 && phone.len() <= 15 && phone.bytes().all(|b| b.is_ascii_digit())) {
            return bad("responsible_phone", "باید ۴ تا ۱۵ رقم باشد");
        }
        if self.protective_staff == 0 || self.protective_staff > 200 {
            return bad("protective_staff", "باید میان ۱ تا ۲۰۰ نفر باشد");
        }
        if self.effective_on < today {
            return Err(SecurityRefusal::DateInPast);
        }
        if self.effective_on > election_day {
            return Err(SecurityRefusal::DateAfterElection);
        }
        Ok(())
    }
}

/// A step on a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanStep {
    /// Writing (or rewriting) the plan: a new plan, a draft, a returned plan, or an approved
    /// one that needs revising (back to draft, to be approved again).
    Save,
    Submit,
    /// The council approves it, at a held meeting.
    Approve,
    /// The council returns it, with a reason.
    Return {
        reason: String,
    },
}

impl PlanStep {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Save => "save",
            Self::Submit => "submit",
            Self::Approve => "approve",
            Self::Return { .. } => "return",
        }
    }
}

/// The status a plan moves to by `step`, or why it may not.
pub fn next_status(
    current: Option<PlanStatus>,
    step: &PlanStep,
) -> Result<PlanStatus, SecurityRefusal> {
    use PlanStatus::{Approved, Draft, Returned, Submitted};
    let out_of_order = || SecurityRefusal::OutOfOrder {
        from: current,
        step: step.name(),
    };
    match (current, step) {
        (None | Some(Draft | Returned | Approved), PlanStep::Save) => Ok(Draft),
        (Some(Draft), PlanStep::Submit) => Ok(Submitted),
        (Some(Submitted), PlanStep::Approve) => Ok(Approved),
        (Some(Submitted), PlanStep::Return { reason }) => {
            if reason.trim().is_empty() {
                Err(SecurityRefusal::NoReturnReason)
            } else if reason.chars().count() > 2_000 {
                Err(SecurityRefusal::InvalidPlan {
                    field: "note",
                    reason: "بیش از اندازه بلند است",
                })
            } else {
                Ok(Returned)
            }
        }
        _ => Err(out_of_order()),
    }
}

/// What the readiness rules need to know of a station's security.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StationSecurity {
    pub sensitive: bool,
    /// The codes of the reasons it is sensitive (empty when it is not).
    pub reasons: Vec<String>,
    pub plan_status: Option<PlanStatus>,
}

impl StationSecurity {
    /// A sensitive station without an approved plan: flagged on the county's and the
    /// province's lists.
    pub fn needs_plan(&self) -> bool {
        self.sensitive && self.plan_status != Some(PlanStatus::Approved)
    }
}

/// The rule a governor's "ready" meets: a sensitive station without an approved plan may not be
/// marked ready.
pub fn check_may_mark_ready(security: &StationSecurity) -> Result<(), SecurityRefusal> {
    if security.needs_plan() {
        Err(SecurityRefusal::NoApprovedPlan)
    } else {
        Ok(())
    }
}

/// Checks the meeting a plan is approved at: one of the station's county's security council
/// (`council_board`, `board_code(CountySecurity, county)`), held by `now`.
pub fn check_approval_meeting(
    meeting: &Meeting,
    council_board: &str,
    now: OffsetDateTime,
) -> Result<(), SecurityRefusal> {
    if meeting.board != council_board {
        return Err(SecurityRefusal::MeetingNotOfCouncil);
    }
    if meeting.held_at > now {
        return Err(SecurityRefusal::MeetingNotHeld);
    }
    Ok(())
}

/// The county security council's cadence: a meeting due every `every_days` days from
/// `starts_on` until election day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Cadence {
    #[serde(with = "crate::json_time::date")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub starts_on: Date,
    pub every_days: u32,
}

impl Cadence {
    /// Every two weeks, over the sixteen weeks before election day.
    pub fn default_for(election_day: Date) -> Self {
        Self {
            starts_on: election_day - Duration::weeks(16),
            every_days: 14,
        }
    }

    pub fn validate(&self, election_day: Date) -> Result<(), SecurityRefusal> {
        if !(1..=90).contains(&self.every_days) {
            return Err(SecurityRefusal::BadCadence {
                reason: "فاصله جلسات باید میان ۱ تا ۹۰ روز باشد",
            });
        }
        if self.starts_on >= election_day {
            return Err(SecurityRefusal::BadCadence {
                reason: "نخستین جلسه باید پیش از روز رأی‌گیری باشد",
            });
        }
        Ok(())
    }
}

/// Where a slot of the cadence stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum SlotState {
    /// A meeting was held in the slot (the first of them).
    Held { meeting_id: i64 },
    /// The slot ended with no meeting: flagged.
    Missed,
    /// The slot is running and no meeting is held yet.
    Due,
    /// The slot has not begun.
    Upcoming,
}

/// One slot of the cadence: a meeting is due from `starts_on` to `ends_on` (inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CadenceSlot {
    #[serde(with = "crate::json_time::date")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub starts_on: Date,
    #[serde(with = "crate::json_time::date")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub ends_on: Date,
    #[serde(flatten)]
    pub state: SlotState,
}

/// The cadence's slots up to election day, each held (by the first meeting whose Tehran date
/// falls in it), missed, due or upcoming as of `today`. `held` is the council's meetings as
/// `(id, Tehran date)`.
pub fn cadence_slots(
    cadence: &Cadence,
    election_day: Date,
    held: &[(i64, Date)],
    today: Date,
) -> Vec<CadenceSlot> {
    let mut slots = Vec::new();
    if cadence.every_days == 0 {
        return slots;
    }
    let step = Duration::days(i64::from(cadence.every_days));
    let mut start = cadence.starts_on;
    while start < election_day {
        let end = (start + step - Duration::days(1)).min(election_day - Duration::days(1));
        let meeting = held
            .iter()
            .filter(|(_, d)| *d >= start && *d <= end)
            .min_by_key(|(id, d)| (*d, *id));
        let state = match meeting {
            Some((id, _)) => SlotState::Held { meeting_id: *id },
            None if end < today => SlotState::Missed,
            None if start <= today => SlotState::Due,
            None => SlotState::Upcoming,
        };
        slots.push(CadenceSlot {
            starts_on: start,
            ends_on: end,
            state,
        });
        start += step;
    }
    slots
}

/// A meeting's date in Tehran.
pub fn tehran_date(at: OffsetDateTime) -> Date {
    at.to_offset(crate::calendar::TEHRAN).date()
}

/// A decision past its due date, with the meeting that took it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OverdueDecision {
    pub meeting_id: i64,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub held_at: OffsetDateTime,
    pub decision: Decision,
    pub days_overdue: i64,
}

/// The decisions of `meetings` due before `today` and not done, the longest overdue first.
pub fn overdue_decisions(meetings: &[Meeting], today: Date) -> Vec<OverdueDecision> {
    let mut out: Vec<OverdueDecision> = meetings
        .iter()
        .flat_map(|m| {
            m.decisions
                .iter()
                .filter(|d| d.due_on < today && d.done.is_none())
                .map(|d| OverdueDecision {
                    meeting_id: m.id,
                    held_at: m.held_at,
                    decision: d.clone(),
                    days_overdue: (today - d.due_on).whole_days(),
                })
        })
        .collect();
    out.sort_by(|a, b| {
        b.days_overdue
            .cmp(&a.days_overdue)
            .then(a.meeting_id.cmp(&b.meeting_id))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn plan() -> SecurityPlan {
        SecurityPlan {
            measures: "استقرار دو مأمور انتظامی از شب پیش از رأی‌گیری".into(),
            responsible_name: "سرگرد رضایی".into(),
            responsible_phone: "۰۹۱۳۱۲۳۴۵۶۷".into(),
            protective_staff: 2,
            cctv_coverage: CctvCoverage::Partial,
            contacts: "پاسگاه انتظامی: ۱۱۰".into(),
            escalation: "رئیس شعبه ← فرمانداری ← شورای تأمین".into(),
            effective_on: date!(2026 - 04 - 20),
        }
    }

    #[test]
    fn a_sensitive_station_without_an_approved_plan_may_not_be_marked_ready() {
        let mut s = StationSecurity {
            sensitive: true,
            reasons: vec!["border_area".into()],
            plan_status: None,
        };
        for status in [
            None,
            Some(PlanStatus::Draft),
            Some(PlanStatus::Submitted),
            Some(PlanStatus::Returned),
        ] {
            s.plan_status = status;
            assert_eq!(
                check_may_mark_ready(&s),
                Err(SecurityRefusal::NoApprovedPlan),
                "{status:?}"
            );
            assert!(s.needs_plan());
        }
        s.plan_status = Some(PlanStatus::Approved);
        assert_eq!(check_may_mark_ready(&s), Ok(()));
        assert!(!s.needs_plan());
        // A station that is not sensitive needs no plan.
        assert_eq!(check_may_mark_ready(&StationSecurity::default()), Ok(()));
        assert_eq!(
            SecurityRefusal::NoApprovedPlan.code(),
            "security_plan_not_approved"
        );
    }

    #[test]
    fn plans_move_draft_submitted_approved_or_returned() {
        use PlanStatus::*;
        let ret = PlanStep::Return {
            reason: "شمار نیروها کم است".into(),
        };
        assert_eq!(next_status(None, &PlanStep::Save), Ok(Draft));
        assert_eq!(next_status(Some(Draft), &PlanStep::Submit), Ok(Submitted));
        assert_eq!(
            next_status(Some(Submitted), &PlanStep::Approve),
            Ok(Approved)
        );
        assert_eq!(next_status(Some(Submitted), &ret), Ok(Returned));
        assert_eq!(next_status(Some(Returned), &PlanStep::Save), Ok(Draft));
        assert_eq!(next_status(Some(Approved), &PlanStep::Save), Ok(Draft));
        // Out of order: approving a draft, approving nothing, submitting twice, editing a
        // plan the council is weighing.
        for (from, step) in [
            (Some(Draft), PlanStep::Approve),
            (None, PlanStep::Approve),
            (None, PlanStep::Submit),
            (Some(Submitted), PlanStep::Submit),
            (Some(Submitted), PlanStep::Save),
            (Some(Approved), PlanStep::Approve),
            (Some(Returned), PlanStep::Approve),
            (Some(Draft), ret.clone()),
        ] {
            let err = next_status(from, &step).unwrap_err();
            assert_eq!(err.code(), "plan_step_out_of_order", "{from:?} {step:?}");
            assert!(!err.is_invalid_input());
            assert!(!err.persian().is_empty());
        }
        assert_eq!(
            next_status(
                Some(Submitted),
                &PlanStep::Return {
                    reason: "  ".into()
                }
            ),
            Err(SecurityRefusal::NoReturnReason)
        );
    }

    #[test]
    fn a_plan_needs_its_fields_and_a_date_from_today_to_election_day() {
        let today = date!(2026 - 03 - 01);
        let election_day = date!(2026 - 05 - 01);
        plan().validate(today, election_day).unwrap();
        let mut p = plan();
        p.effective_on = date!(2026 - 02 - 28);
        assert_eq!(
            p.validate(today, election_day),
            Err(SecurityRefusal::DateInPast)
        );
        p.effective_on = today;
        p.validate(today, election_day).unwrap();
        p.effective_on = date!(2026 - 05 - 02);
        assert_eq!(
            p.validate(today, election_day),
            Err(SecurityRefusal::DateAfterElection)
        );
        let mut p = plan();
        p.measures = " ".into();
        assert_eq!(
            p.validate(today, election_day).unwrap_err().code(),
            "invalid_security_plan"
        );
        let mut p = plan();
        p.protective_staff = 0;
        assert!(p.validate(today, election_day).is_err());
        let mut p = plan();
        p.responsible_phone = "ab12".into();
        assert!(p.validate(today, election_day).is_err());
    }

    #[test]
    fn reasons_come_from_the_elections_list() {
        let list = default_reasons();
        validate_reasons(&list).unwrap();
        assert!(list.iter().any(|r| r.code == "border_area"));
        check_reasons(&["border_area".into(), "no_cctv".into()], &list).unwrap();
        assert_eq!(check_reasons(&[], &list), Err(SecurityRefusal::NoReasons));
        assert_eq!(
            check_reasons(&["flood".into()], &list).unwrap_err().code(),
            "unknown_sensitive_reason"
        );
        assert_eq!(
            check_reasons(&["no_cctv".into(), "no_cctv".into()], &list)
                .unwrap_err()
                .code(),
            "repeated_sensitive_reason"
        );
        let mut bad = list.clone();
        bad.push(bad[0].clone());
        assert!(validate_reasons(&bad).is_err());
        assert!(validate_reasons(&[]).is_err());
        assert!(validate_reasons(&[SensitiveReason {
            code: "Border Area".into(),
            name: "مرزی".into()
        }])
        .is_err());
        assert_eq!(
            check_reasons_kept(&list[1..], &[list[0].code.clone()])
                .unwrap_err()
                .code(),
            "sensitive_reason_in_use"
        );
        check_reasons_kept(&list, &[list[0].code.clone()]).unwrap();
    }

    fn meeting(board: &str, held_at: OffsetDateTime) -> Meeting {
        Meeting {
            id: 7,
            board: board.into(),
            held_at,
            agenda: "طرح‌های امنیتی".into(),
            minutes: String::new(),
            attendance: Vec::new(),
            decisions: vec![
                Decision {
                    text: "نصب دوربین".into(),
                    owner: "فرماندهی انتظامی".into(),
                    due_on: date!(2026 - 03 - 10),
                    done: None,
                },
                Decision {
                    text: "بازدید از مسیر".into(),
                    owner: "فرمانداری".into(),
                    due_on: date!(2026 - 03 - 20),
                    done: None,
                },
            ],
        }
    }

    #[test]
    fn plans_are_approved_at_a_held_meeting_of_their_countys_council() {
        let now = datetime!(2026-03-05 10:00 UTC);
        let m = meeting("security-11", datetime!(2026-03-04 06:00 UTC));
        check_approval_meeting(&m, "security-11", now).unwrap();
        assert_eq!(
            check_approval_meeting(&m, "security-12", now),
            Err(SecurityRefusal::MeetingNotOfCouncil)
        );
        let exec = meeting("executive-11", datetime!(2026-03-04 06:00 UTC));
        assert_eq!(
            check_approval_meeting(&exec, "security-11", now),
            Err(SecurityRefusal::MeetingNotOfCouncil)
        );
        let later = meeting("security-11", datetime!(2026-03-06 06:00 UTC));
        assert_eq!(
            check_approval_meeting(&later, "security-11", now),
            Err(SecurityRefusal::MeetingNotHeld)
        );
    }

    #[test]
    fn cadence_slots_are_held_missed_due_or_upcoming() {
        let election_day = date!(2026 - 05 - 01);
        let cadence = Cadence {
            starts_on: date!(2026 - 03 - 01),
            every_days: 14,
        };
        cadence.validate(election_day).unwrap();
        let held = [
            (3, date!(2026 - 03 - 02)),
            (4, date!(2026 - 03 - 05)),
            (9, date!(2026 - 03 - 29)),
        ];
        let slots = cadence_slots(&cadence, election_day, &held, date!(2026 - 04 - 02));
        // 1 Mar to 30 Apr: slots starting 1, 15, 29 Mar, 12, 26 Apr.
        assert_eq!(slots.len(), 5);
        assert_eq!(slots[0].state, SlotState::Held { meeting_id: 3 });
        assert_eq!(slots[0].ends_on, date!(2026 - 03 - 14));
        assert_eq!(slots[1].state, SlotState::Missed);
        assert_eq!(slots[2].state, SlotState::Held { meeting_id: 9 });
        assert_eq!(slots[3].state, SlotState::Upcoming);
        assert_eq!(slots[4].ends_on, date!(2026 - 04 - 30));
        let slots = cadence_slots(&cadence, election_day, &held, date!(2026 - 04 - 12));
        assert_eq!(slots[3].state, SlotState::Due);
        assert!(Cadence {
            every_days: 0,
            ..cadence
        }
        .validate(election_day)
        .is_err());
        assert!(Cadence {
            starts_on: election_day,
            ..cadence
        }
        .validate(election_day)
        .is_err());
    }

    #[test]
    fn decisions_past_their_date_are_overdue() {
        let m = meeting("security-11", datetime!(2026-03-04 06:00 UTC));
        let overdue = overdue_decisions(std::slice::from_ref(&m), date!(2026 - 03 - 15));
        assert_eq!(overdue.len(), 1);
        assert_eq!(overdue[0].decision.text, "نصب دوربین");
        assert_eq!(overdue[0].days_overdue, 5);
        assert!(overdue_decisions(std::slice::from_ref(&m), date!(2026 - 03 - 10)).is_empty());
        // Done, it is overdue no more; done once only, with a note within its length.
        let mut done = m.clone();
        let note = crate::boards::check_decision_done(&done.decisions[0], " نصب  شد ").unwrap();
        assert_eq!(note, "نصب شد");
        done.decisions[0].done = Some(crate::boards::DecisionDone {
            at: datetime!(2026-03-12 08:00 UTC),
            by: "governor".into(),
            note,
        });
        assert!(overdue_decisions(&[done.clone()], date!(2026 - 03 - 15)).is_empty());
        assert_eq!(
            crate::boards::check_decision_done(&done.decisions[0], ""),
            Err(crate::boards::BoardRefusal::DecisionAlreadyDone)
        );
        assert_eq!(
            crate::boards::check_decision_done(&m.decisions[1], &"x".repeat(1_001)),
            Err(crate::boards::BoardRefusal::DecisionNoteTooLong)
        );
    }
}

/// The demo's sensitive stations and security council meetings (issue 16).
pub mod demo {
    use super::{
        Cadence, CctvCoverage, Date, Decision, Duration, Meeting, PlanStatus, SecurityPlan,
    };
    use crate::boards::{board_code, Attendance, BoardKind};
    use crate::demo::DemoBoardMember;
    use crate::station::Station;

    /// A sensitive station of the demo, with its plan and where it stands.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct DemoSensitive {
        pub station: String,
        pub reasons: Vec<String>,
        pub note: String,
        pub plan: Option<(SecurityPlan, PlanStatus)>,
    }

    /// A meeting of a county security council in the demo, and the stations whose plans it
    /// approved.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct DemoCouncilMeeting {
        pub meeting: Meeting,
        pub approves: Vec<String>,
    }

    fn plan(station: &Station, staff: u32, election_day: Date) -> SecurityPlan {
        SecurityPlan {
            measures: format!(
                "استقرار {} مأمور انتظامی از شب پیش از رأی‌گیری؛ بازرسی ورودی؛ نگهداری صندوق و دستگاه‌ها در اتاق قفل‌دار ({})",
                crate::text::persian_number(i64::from(staff)),
                station.name
            ),
            responsible_name: "فرمانده پاسگاه انتظامی بخش".into(),
            responsible_phone: "03432220110".into(),
            protective_staff: staff,
            cctv_coverage: if station.facilities.cctv {
                CctvCoverage::Full
            } else {
                CctvCoverage::None
            },
            contacts: "پاسگاه انتظامی: ۱۱۰؛ فرمانداری: ۰۳۴۳۲۲۲۰۰۰۰".into(),
            escalation: "رئیس شعبه ← نماینده فرماندار ← ستاد انتخابات شهرستان ← شورای تأمین".into(),
            effective_on: election_day - Duration::days(7),
        }
    }

    /// Some stations of every county are sensitive (the hard-to-reach ones on a route, every
    /// 37th other one); their plans in every state, most approved at the Kerman county
    /// council's meetings. The Kerman county council (`kerman_county`) holds its meetings of
    /// the default cadence's first and third slots and misses the second; every other
    /// council's approvals fall on its one meeting.
    pub fn build(
        stations: &[Station],
        members: &[DemoBoardMember],
        election_day: Date,
        kerman_county: &str,
    ) -> (Vec<DemoSensitive>, Vec<DemoCouncilMeeting>) {
        let mut sensitive = Vec::new();
        let cadence = Cadence::default_for(election_day);
        // Slots of 14 days from `starts_on`: held in the first (day 3) and the third (day 31),
        // missed in the second.
        let first = crate::calendar::TEHRAN;
        let at = |days: i64, hour: u8| {
            time::PrimitiveDateTime::new(
                cadence.starts_on + Duration::days(days),
                time::Time::from_hms(hour, 0, 0).unwrap_or(time::Time::MIDNIGHT),
            )
            .assume_offset(first)
            .to_offset(time::UtcOffset::UTC)
        };
        let mut approved_by_county: BTreeMap<String, (Vec<String>, Vec<String>)> = BTreeMap::new();
        for (i, s) in stations.iter().enumerate() {
            let mut reasons = Vec::new();
            if s.hard_to_reach && i % 3 == 0 {
                reasons.push("hard_route".to_owned());
            }
            if i % 37 == 5 {
                reasons.push(
                    [
                        "incident_history",
                        "border_area",
                        "disputed_council",
                        "crowded",
                    ][i % 4]
                        .to_owned(),
                );
            }
            if reasons.is_empty() {
                continue;
            }
            if !s.facilities.cctv {
                reasons.push("no_cctv".to_owned());
            }
            let n = sensitive.len();
            let status = match n % 10 {
                5 => Some(PlanStatus::Submitted),
                6 => Some(PlanStatus::Draft),
                7 => Some(PlanStatus::Returned),
                8 => None,
                _ => Some(PlanStatus::Approved),
            };
            if status == Some(PlanStatus::Approved) {
                let entry = approved_by_county.entry(s.county_code.clone()).or_default();
                if n % 2 == 0 {
                    entry.0.push(s.code.clone());
                } else {
                    entry.1.push(s.code.clone());
                }
            }
            sensitive.push(DemoSensitive {
                station: s.code.clone(),
                reasons,
                note: "بر پایه گزارش بخشداری و فرماندهی انتظامی".into(),
                plan: status.map(|st| (plan(s, 2 + (i % 4) as u32, election_day), st)),
            });
        }
        let mut meetings = Vec::new();
        for (county, (early, late)) in approved_by_county {
            let board = board_code(BoardKind::CountySecurity, Some(&county));
            let attendance: Vec<Attendance> = members
                .iter()
                .filter(|m| m.board == board)
                .enumerate()
                .map(|(k, m)| Attendance {
                    national_id: m.national_id.as_str().to_owned(),
                    present: k != 2,
                })
                .collect();
            let meeting = |held_at, agenda: &str, minutes: &str, decisions| Meeting {
                id: 0,
                board: board.clone(),
                held_at,
                agenda: agenda.into(),
                minutes: minutes.into(),
                attendance: attendance.clone(),
                decisions,
            };
            if county == kerman_county {
                meetings.push(DemoCouncilMeeting {
                    meeting: meeting(
                        at(3, 10),
                        "بررسی شعبه‌های حساس شهرستان و طرح‌های امنیتی آن‌ها",
                        "طرح‌های امنیتی شعبه‌های حساس بررسی و تصویب شد. مقرر شد وضعیت دوربین‌ها تا پایان ماه گزارش شود.",
                        vec![
                            Decision {
                                text: "گزارش وضعیت دوربین‌های مداربسته شعبه‌های حساس".into(),
                                owner: "فرماندهی انتظامی شهرستان".into(),
                                due_on: cadence.starts_on + Duration::days(38),
                                done: None,
                            },
                            Decision {
                                text: "هماهنگی خودروی پشتیبان برای شعبه‌های صعب‌العبور".into(),
                                owner: "فرمانداری".into(),
                                due_on: cadence.starts_on + Duration::days(20),
                                done: None,
                            },
                        ],
                    ),
                    approves: early,
                });
                meetings.push(DemoCouncilMeeting {
                    meeting: meeting(
                        at(31, 10),
                        "امنیت سایبری مراکز داده و پیگیری مصوبات جلسه پیشین",
                        "گزارش فرماندهی انتظامی شنیده شد؛ طرح‌های باقی‌مانده تصویب شد.",
                        vec![Decision {
                            text: "آزمایش روند گزارش رخداد از شعبه تا ستاد استان".into(),
                            owner: "نماینده اداره اطلاعات".into(),
                            due_on: election_day - Duration::days(14),
                            done: None,
                        }],
                    ),
                    approves: late,
                });
            } else {
                let mut all = early;
                all.extend(late);
                meetings.push(DemoCouncilMeeting {
                    meeting: meeting(
                        at(4, 9),
                        "بررسی شعبه‌های حساس شهرستان",
                        "طرح‌های امنیتی شعبه‌های حساس تصویب شد.",
                        Vec::new(),
                    ),
                    approves: all,
                });
            }
        }
        (sensitive, meetings)
    }

    use std::collections::BTreeMap;
}
