//! Vetting a registration (بررسی صلاحیت): the executive board's review, the supervision
//! board's decision, the candidate's objections (county board, then province board, final) and
//! withdrawal, each step with its deadline (issue 5; DESIGN §8, Candidates).
//!
//! [`apply`] is the only way a file moves; the store records each move with its reason and
//! actor in the audit log.

use crate::calendar::jalali_datetime;
use crate::inquiry::{Authority, InquiryAnswer};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// The executive board reviews a file within this many days of vetting opening.
pub const EXECUTIVE_REVIEW_DAYS: i64 = 14;
/// The supervision board decides within this many days of the executive board's review.
pub const SUPERVISION_DECISION_DAYS: i64 = 20;
/// A rejected candidate may object within this many days.
pub const OBJECTION_DAYS: i64 = 4;
/// A board decides an objection within this many days [?: the sources give no figure].
pub const OBJECTION_DECISION_DAYS: i64 = 10;

/// Where a registration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum VettingState {
    /// Filed; awaits the county executive board.
    Submitted,
    /// The executive board has given its finding; awaits the supervision board.
    ExecutiveReviewed,
    Approved,
    /// Rejected by the supervision board; the candidate may object to the county board.
    Rejected,
    ObjectedToCounty,
    /// The county board upheld the rejection; the candidate may object to the province board.
    RejectedOnObjection,
    ObjectedToProvince,
    /// The province board upheld the rejection: final.
    FinallyRejected,
    Withdrawn,
}

impl VettingState {
    pub const ALL: [VettingState; 9] = [
        Self::Submitted,
        Self::ExecutiveReviewed,
        Self::Approved,
        Self::Rejected,
        Self::ObjectedToCounty,
        Self::RejectedOnObjection,
        Self::ObjectedToProvince,
        Self::FinallyRejected,
        Self::Withdrawn,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::ExecutiveReviewed => "executive_reviewed",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::ObjectedToCounty => "objected_to_county",
            Self::RejectedOnObjection => "rejected_on_objection",
            Self::ObjectedToProvince => "objected_to_province",
            Self::FinallyRejected => "finally_rejected",
            Self::Withdrawn => "withdrawn",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
    pub fn persian(self) -> &'static str {
        match self {
            Self::Submitted => "ثبت‌شده، در انتظار بررسی هیأت اجرایی",
            Self::ExecutiveReviewed => "بررسی‌شده در هیأت اجرایی، در انتظار تصمیم هیأت نظارت",
            Self::Approved => "تأیید صلاحیت",
            Self::Rejected => "رد صلاحیت (قابل اعتراض)",
            Self::ObjectedToCounty => "اعتراض، در انتظار هیأت نظارت شهرستان",
            Self::RejectedOnObjection => "رد اعتراض در هیأت نظارت شهرستان (قابل اعتراض به استان)",
            Self::ObjectedToProvince => "اعتراض، در انتظار هیأت نظارت استان",
            Self::FinallyRejected => "رد صلاحیت قطعی",
            Self::Withdrawn => "انصراف داوطلب",
        }
    }
    /// No step leads out of these.
    pub fn is_final(self) -> bool {
        matches!(self, Self::FinallyRejected | Self::Withdrawn)
    }
    /// A step of a board is awaited (and can be overdue).
    pub fn awaits_board(self) -> bool {
        matches!(
            self,
            Self::Submitted
                | Self::ExecutiveReviewed
                | Self::ObjectedToCounty
                | Self::ObjectedToProvince
        )
    }
}

/// Who takes a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reviewer {
    ExecutiveBoard,
    CountySupervisionBoard,
    ProvinceSupervisionBoard,
    /// The candidate, with their tracking code and national id.
    Applicant,
}

impl Reviewer {
    pub fn persian(self) -> &'static str {
        match self {
            Self::ExecutiveBoard => "هیأت اجرایی",
            Self::CountySupervisionBoard => "هیأت نظارت شهرستان",
            Self::ProvinceSupervisionBoard => "هیأت نظارت استان",
            Self::Applicant => "داوطلب",
        }
    }
}

/// A step of a file's history in Persian, by its name (`submitted`, or a
/// [`VettingAction::name`]).
pub fn step_persian(step: &str) -> &'static str {
    match step {
        "submitted" => "ثبت‌نام برخط",
        "executive_review" => "بررسی هیأت اجرایی",
        "supervision_decision" => "تصمیم هیأت نظارت",
        "object" => "اعتراض داوطلب",
        "objection_decision" => "رسیدگی به اعتراض",
        "withdraw" => "انصراف داوطلب",
        _ => "اقدام",
    }
}

/// Who takes a step, as the public sees it: `applicant`, `executive_board` or
/// `supervision_board`, never the member's account (issue 15: the public file named them).
pub fn step_taker(step: &str) -> &'static str {
    match step {
        "executive_review" => "executive_board",
        "supervision_decision" | "objection_decision" => "supervision_board",
        _ => "applicant",
    }
}

/// A step's taker ([`step_taker`]) in Persian; a username is shown as it is.
pub fn taker_persian(by: &str) -> Option<&'static str> {
    match by {
        "applicant" => Some("داوطلب"),
        "executive_board" => Some("هیأت اجرایی"),
        "supervision_board" => Some("هیأت نظارت"),
        _ => None,
    }
}

/// A board that took a step as a whole, as the demo records its steps (`executive-board-11`,
/// `supervision-board-11`, `supervision-board-province`): the board's Persian name and, for a
/// county's board, the county's code, for the page to name the county.
pub fn board_taker(by: &str) -> Option<(&'static str, Option<&str>)> {
    let (kind, of) = by.split_once("-board-")?;
    match (kind, of) {
        ("supervision", "province") => Some(("هیأت نظارت استان", None)),
        ("supervision", county) => Some(("هیأت نظارت شهرستان", Some(county))),
        ("executive", county) => Some(("هیأت اجرایی شهرستان", Some(county))),
        _ => None,
    }
}

/// A legal ground of a rejection: a qualification of the law on the councils' elections
/// (قانون تشکیلات، وظایف و انتخابات شوراهای اسلامی کشور) the candidate was found not to meet,
/// or a bar the law puts on them. The code is stable (the API's and the store's); the label
/// describes the ground; the article is kept apart, in [`RejectionGround::article`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RejectionGround {
    Citizenship,
    BeliefInIslam,
    LoyaltyToConstitution,
    Age,
    Education,
    Residence,
    MilitaryService,
    Reputation,
    CriminalConviction,
    IllegalGroups,
    OfficeNotResigned,
}

impl RejectionGround {
    pub const ALL: [RejectionGround; 11] = [
        Self::Citizenship,
        Self::BeliefInIslam,
        Self::LoyaltyToConstitution,
        Self::Age,
        Self::Education,
        Self::Residence,
        Self::MilitaryService,
        Self::Reputation,
        Self::CriminalConviction,
        Self::IllegalGroups,
        Self::OfficeNotResigned,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Citizenship => "citizenship",
            Self::BeliefInIslam => "belief_in_islam",
            Self::LoyaltyToConstitution => "loyalty_to_constitution",
            Self::Age => "age",
            Self::Education => "education",
            Self::Residence => "residence",
            Self::MilitaryService => "military_service",
            Self::Reputation => "reputation",
            Self::CriminalConviction => "criminal_conviction",
            Self::IllegalGroups => "illegal_groups",
            Self::OfficeNotResigned => "office_not_resigned",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == s)
    }
    /// What the candidate lacks, or what bars them, in Persian.
    pub fn persian(self) -> &'static str {
        match self {
            Self::Citizenship => "نداشتن تابعیت جمهوری اسلامی ایران",
            Self::BeliefInIslam => {
                "عدم احراز اعتقاد و التزام عملی به اسلام (یا به دین رسمی اقلیت) و ولایت فقیه"
            }
            Self::LoyaltyToConstitution => {
                "عدم ابراز وفاداری و التزام به قانون اساسی جمهوری اسلامی ایران"
            }
            Self::Age => "نداشتن حداقل سن قانونی در روز ثبت‌نام",
            Self::Education => "نداشتن مدرک تحصیلی لازم برای شورای این حوزه",
            Self::Residence => "نداشتن شرط سکونت یا اقامت در حوزه انتخابیه",
            Self::MilitaryService => "نداشتن کارت پایان خدمت یا معافیت دائم (داوطلبان مرد)",
            Self::Reputation => "سوء شهرت، تجاهر به فسق یا اعتیاد به مواد مخدر",
            Self::CriminalConviction => "محکومیت قطعی کیفری که محرومیت از حقوق اجتماعی در پی دارد",
            Self::IllegalGroups => "وابستگی یا هواداری از گروه‌ها و تشکیلات غیرقانونی",
            Self::OfficeNotResigned => {
                "تصدی سمتی که قانون استعفا از آن را پیش از ثبت‌نام لازم می‌داند، بی استعفا در مهلت"
            }
        }
    }
    /// The article of the law the ground comes from, as the page cites it: the qualifications
    /// of article 26, the bars of article 30 (the officials who must resign, the convicted, the
    /// members of illegal groups). **To confirm against the law's current text**: the law has
    /// been amended several times and its clauses renumbered, so no clause letter is given
    /// and the article numbers are to be checked by the board's legal adviser.
    pub fn article(self) -> &'static str {
        match self {
            Self::Citizenship
            | Self::BeliefInIslam
            | Self::LoyaltyToConstitution
            | Self::Age
            | Self::Education
            | Self::Residence
            | Self::MilitaryService
            | Self::Reputation => "ماده ۲۶",
            Self::CriminalConviction | Self::IllegalGroups | Self::OfficeNotResigned => "ماده ۳۰",
        }
    }
}

/// A step in a file's vetting; every one carries its reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum VettingAction {
    /// A finding against the candidate cites its legal grounds.
    ExecutiveReview {
        qualified: bool,
        reason: String,
        #[serde(default)]
        grounds: Vec<RejectionGround>,
    },
    /// A rejection cites its legal grounds.
    SupervisionDecision {
        approved: bool,
        reason: String,
        #[serde(default)]
        grounds: Vec<RejectionGround>,
    },
    Object {
        reason: String,
    },
    /// `upheld`: the objection is accepted and the candidate approved.
    ObjectionDecision {
        upheld: bool,
        reason: String,
        #[serde(default)]
        grounds: Vec<RejectionGround>,
    },
    Withdraw {
        reason: String,
    },
}

impl VettingAction {
    pub fn name(&self) -> &'static str {
        match self {
            Self::ExecutiveReview { .. } => "executive_review",
            Self::SupervisionDecision { .. } => "supervision_decision",
            Self::Object { .. } => "object",
            Self::ObjectionDecision { .. } => "objection_decision",
            Self::Withdraw { .. } => "withdraw",
        }
    }
    pub fn reason(&self) -> &str {
        match self {
            Self::ExecutiveReview { reason, .. }
            | Self::SupervisionDecision { reason, .. }
            | Self::Object { reason }
            | Self::ObjectionDecision { reason, .. }
            | Self::Withdraw { reason } => reason,
        }
    }
    /// The legal grounds a step cites (none but for a board's decision).
    pub fn grounds(&self) -> &[RejectionGround] {
        match self {
            Self::ExecutiveReview { grounds, .. }
            | Self::SupervisionDecision { grounds, .. }
            | Self::ObjectionDecision { grounds, .. } => grounds,
            Self::Object { .. } | Self::Withdraw { .. } => &[],
        }
    }
    /// A board's decision on the candidate's qualification, which waits for the inquiries.
    pub fn is_decision(&self) -> bool {
        matches!(
            self,
            Self::ExecutiveReview { .. }
                | Self::SupervisionDecision { .. }
                | Self::ObjectionDecision { .. }
        )
    }
    /// A board's finding or decision against the candidate: it cites a legal ground.
    pub fn is_rejection(&self) -> bool {
        matches!(
            self,
            Self::ExecutiveReview {
                qualified: false,
                ..
            } | Self::SupervisionDecision {
                approved: false,
                ..
            } | Self::ObjectionDecision { upheld: false, .. }
        )
    }
    /// A finding against the candidate, and an objection, must say why; approvals and
    /// withdrawals may be brief.
    fn needs_reason(&self) -> bool {
        matches!(
            self,
            Self::ExecutiveReview {
                qualified: false,
                ..
            } | Self::SupervisionDecision {
                approved: false,
                ..
            } | Self::Object { .. }
                | Self::ObjectionDecision { upheld: false, .. }
        )
    }
}

/// A file's vetting as the store keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VettingFile {
    pub state: VettingState,
    pub submitted_at: OffsetDateTime,
    /// When the file entered its state.
    pub state_since: OffsetDateTime,
    /// The executive board's finding, once given.
    pub executive_qualified: Option<bool>,
}

/// Why a step is refused. The codes are stable (the API's `code`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum VettingRefusal {
    /// The step does not follow from the file's state (approving before the executive board's
    /// review, objecting to an approval, anything after a final state…).
    IllegalTransition {
        state: VettingState,
        step: &'static str,
    },
    /// The step is another body's to take.
    WrongReviewer {
        expected: Reviewer,
    },
    ObjectionTooLate {
        deadline: OffsetDateTime,
    },
    ReasonRequired,
    /// Withdrawals close when the polls open: from then the ballot stands as printed.
    WithdrawalClosed {
        at: OffsetDateTime,
    },
    /// A board decides only once every standard inquiry is answered.
    InquiriesPending {
        pending: Vec<Authority>,
    },
    /// A rejection cites at least one legal ground.
    RejectionGroundRequired,
    /// The body's answer is already on the file.
    InquiryAnswered {
        authority: Authority,
    },
}

impl VettingRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            Self::IllegalTransition { .. } => "illegal_transition",
            Self::WrongReviewer { .. } => "wrong_reviewer",
            Self::ObjectionTooLate { .. } => "objection_too_late",
            Self::ReasonRequired => "reason_required",
            Self::WithdrawalClosed { .. } => "withdrawal_closed",
            Self::InquiriesPending { .. } => "inquiries_pending",
            Self::RejectionGroundRequired => "rejection_ground_required",
            Self::InquiryAnswered { .. } => "inquiry_answered",
        }
    }
    pub fn persian(&self) -> String {
        match self {
            Self::IllegalTransition { state, .. } => format!(
                "این اقدام در وضعیت کنونی پرونده («{}») ممکن نیست.",
                state.persian()
            ),
            Self::WrongReviewer { expected } => {
                format!("این اقدام بر عهده {} است.", expected.persian())
            }
            Self::ObjectionTooLate { deadline } => format!(
                "مهلت چهار روزه اعتراض در {} به پایان رسیده است.",
                jalali_datetime(*deadline)
            ),
            Self::ReasonRequired => "دلیل این تصمیم یا اعتراض را بنویسید.".into(),
            Self::WithdrawalClosed { at } => format!(
                "انصراف تا آغاز رأی‌گیری ({}) ممکن بود؛ اکنون نام داوطلب بر برگه رأی می‌ماند.",
                jalali_datetime(*at)
            ),
            Self::InquiriesPending { pending } => format!(
                "پاسخ همه استعلام‌ها هنوز نرسیده است ({}): تصمیم پس از ثبت پاسخ‌ها ممکن است.",
                pending
                    .iter()
                    .map(|a| a.persian())
                    .collect::<Vec<_>>()
                    .join("، ")
            ),
            Self::RejectionGroundRequired => {
                "دست‌کم یک مستند قانونی برای رد صلاحیت انتخاب کنید.".into()
            }
            Self::InquiryAnswered { authority } => format!(
                "پاسخ استعلام {} پیش‌تر در پرونده ثبت شده است.",
                authority.persian()
            ),
        }
    }
    /// A refusal of what was asked (422) rather than of the file's state (409).
    pub fn is_invalid_input(&self) -> bool {
        matches!(self, Self::ReasonRequired | Self::RejectionGroundRequired)
    }
}

/// Whether the applicant may still withdraw at `now`: not from a final state (finally
/// rejected, withdrawn), and not once the polls have opened (`polls_open`, the election's
/// `election_day` milestone) — issue 20: approved and finally rejected applicants could
/// withdraw on polling day.
pub fn may_withdraw(
    state: VettingState,
    now: OffsetDateTime,
    polls_open: Option<OffsetDateTime>,
) -> Result<(), VettingRefusal> {
    if state.is_final() {
        return Err(VettingRefusal::IllegalTransition {
            state,
            step: "withdraw",
        });
    }
    match polls_open {
        Some(at) if now >= at => Err(VettingRefusal::WithdrawalClosed { at }),
        _ => Ok(()),
    }
}

impl VettingFile {
    pub fn new(submitted_at: OffsetDateTime) -> Self {
        Self {
            state: VettingState::Submitted,
            submitted_at,
            state_since: submitted_at,
            executive_qualified: None,
        }
    }

    /// When the awaited step is due: a board's decision, or the candidate's objection. The
    /// executive board's 14 days run from vetting's opening (`vetting_opens`), or from the
    /// filing when later.
    pub fn deadline(&self, vetting_opens: Option<OffsetDateTime>) -> Option<OffsetDateTime> {
        let days = Duration::days;
        match self.state {
            VettingState::Submitted => Some(
                vetting_opens.map_or(self.submitted_at, |o| o.max(self.submitted_at))
                    + days(EXECUTIVE_REVIEW_DAYS),
            ),
            VettingState::ExecutiveReviewed => {
                Some(self.state_since + days(SUPERVISION_DECISION_DAYS))
            }
            VettingState::Rejected | VettingState::RejectedOnObjection => {
                Some(self.state_since + days(OBJECTION_DAYS))
            }
            VettingState::ObjectedToCounty | VettingState::ObjectedToProvince => {
                Some(self.state_since + days(OBJECTION_DECISION_DAYS))
            }
            VettingState::Approved | VettingState::FinallyRejected | VettingState::Withdrawn => {
                None
            }
        }
    }

    /// A board's step is late (objection windows are the candidate's, and lapse instead).
    pub fn is_overdue(&self, vetting_opens: Option<OffsetDateTime>, now: OffsetDateTime) -> bool {
        self.state.awaits_board() && self.deadline(vetting_opens).is_some_and(|d| now > d)
    }
}

/// The file after `action` by `by` at `now`, or why not. `inquiries` are the file's recorded
/// answers: a board's decision waits for all four ([`crate::inquiry`]).
pub fn apply(
    file: &VettingFile,
    action: &VettingAction,
    by: Reviewer,
    now: OffsetDateTime,
    inquiries: &[InquiryAnswer],
) -> Result<VettingFile, VettingRefusal> {
    use VettingAction as A;
    use VettingState as S;
    let illegal = || VettingRefusal::IllegalTransition {
        state: file.state,
        step: action.name(),
    };
    let expect = |expected: Reviewer| {
        if by == expected {
            Ok(())
        } else {
            Err(VettingRefusal::WrongReviewer { expected })
        }
    };
    let (next, qualified) = match (file.state, action) {
        (S::Submitted, A::ExecutiveReview { qualified, .. }) => {
            expect(Reviewer::ExecutiveBoard)?;
            (S::ExecutiveReviewed, Some(*qualified))
        }
        (S::ExecutiveReviewed, A::SupervisionDecision { approved, .. }) => {
            expect(Reviewer::CountySupervisionBoard)?;
            (if *approved { S::Approved } else { S::Rejected }, None)
        }
        (S::Rejected | S::RejectedOnObjection, A::Object { .. }) => {
            expect(Reviewer::Applicant)?;
            let deadline = file.state_since + Duration::days(OBJECTION_DAYS);
            if now > deadline {
                return Err(VettingRefusal::ObjectionTooLate { deadline });
            }
            let next = if file.state == S::Rejected {
                S::ObjectedToCounty
            } else {
                S::ObjectedToProvince
            };
            (next, None)
        }
        (S::ObjectedToCounty, A::ObjectionDecision { upheld, .. }) => {
            expect(Reviewer::CountySupervisionBoard)?;
            (
                if *upheld {
                    S::Approved
                } else {
                    S::RejectedOnObjection
                },
                None,
            )
        }
        (S::ObjectedToProvince, A::ObjectionDecision { upheld, .. }) => {
            expect(Reviewer::ProvinceSupervisionBoard)?;
            (
                if *upheld {
                    S::Approved
                } else {
                    S::FinallyRejected
                },
                None,
            )
        }
        (state, A::Withdraw { .. }) if !state.is_final() => {
            expect(Reviewer::Applicant)?;
            (S::Withdrawn, None)
        }
        _ => return Err(illegal()),
    };
    if action.is_decision() {
        let pending = crate::inquiry::pending(inquiries);
        if !pending.is_empty() {
            return Err(VettingRefusal::InquiriesPending { pending });
        }
    }
    if action.needs_reason() && action.reason().trim().is_empty() {
        return Err(VettingRefusal::ReasonRequired);
    }
    if action.is_rejection() && action.grounds().is_empty() {
        return Err(VettingRefusal::RejectionGroundRequired);
    }
    Ok(VettingFile {
        state: next,
        submitted_at: file.submitted_at,
        state_since: now,
        executive_qualified: qualified.or(file.executive_qualified),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;
    use VettingAction as A;
    use VettingState as S;

    const FILED: OffsetDateTime = datetime!(2026-01-12 06:00 UTC);
    /// The rules with every inquiry answered (the inquiries' own rule has its tests below).
    fn apply(
        file: &VettingFile,
        action: &A,
        by: Reviewer,
        now: OffsetDateTime,
    ) -> Result<VettingFile, VettingRefusal> {
        super::apply(file, action, by, now, &crate::inquiry::all_clear(FILED))
    }
    const VETTING_OPENS: OffsetDateTime = datetime!(2026-01-28 20:30 UTC);

    fn review(qualified: bool) -> A {
        A::ExecutiveReview {
            qualified,
            reason: if qualified { "" } else { "سوءپیشینه" }.into(),
            grounds: ground(!qualified),
        }
    }
    fn decide(approved: bool) -> A {
        A::SupervisionDecision {
            approved,
            reason: if approved { "" } else { "عدم احراز" }.into(),
            grounds: ground(!approved),
        }
    }
    fn object() -> A {
        A::Object {
            reason: "مدارک تکمیلی دارم".into(),
        }
    }
    fn on_objection(upheld: bool) -> A {
        A::ObjectionDecision {
            upheld,
            reason: "بررسی دوباره".into(),
            grounds: ground(!upheld),
        }
    }
    fn ground(rejects: bool) -> Vec<RejectionGround> {
        if rejects {
            vec![RejectionGround::CriminalConviction]
        } else {
            Vec::new()
        }
    }
    fn code(r: Result<VettingFile, VettingRefusal>) -> &'static str {
        r.err().map_or("ok", |e| e.code())
    }

    /// Runs the steps from a fresh file, a day apart.
    fn run(steps: &[(A, Reviewer)]) -> VettingFile {
        let mut file = VettingFile::new(FILED);
        let mut now = FILED;
        for (action, by) in steps {
            now += Duration::days(1);
            file = apply(&file, action, *by, now).unwrap();
        }
        file
    }

    #[test]
    fn the_straight_path_approves() {
        let file = run(&[
            (review(true), Reviewer::ExecutiveBoard),
            (decide(true), Reviewer::CountySupervisionBoard),
        ]);
        assert_eq!(file.state, S::Approved);
        assert_eq!(file.executive_qualified, Some(true));
        assert_eq!(file.state_since, FILED + Duration::days(2));
        assert_eq!(file.deadline(None), None);
    }

    #[test]
    fn objections_go_to_the_county_then_the_province_board() {
        let rejected = run(&[
            (review(false), Reviewer::ExecutiveBoard),
            (decide(false), Reviewer::CountySupervisionBoard),
        ]);
        assert_eq!(rejected.state, S::Rejected);
        let upheld = run(&[
            (review(false), Reviewer::ExecutiveBoard),
            (decide(false), Reviewer::CountySupervisionBoard),
            (object(), Reviewer::Applicant),
            (on_objection(true), Reviewer::CountySupervisionBoard),
        ]);
        assert_eq!(upheld.state, S::Approved);
        let last = run(&[
            (review(true), Reviewer::ExecutiveBoard),
            (decide(false), Reviewer::CountySupervisionBoard),
            (object(), Reviewer::Applicant),
            (on_objection(false), Reviewer::CountySupervisionBoard),
            (object(), Reviewer::Applicant),
            (on_objection(false), Reviewer::ProvinceSupervisionBoard),
        ]);
        assert_eq!(last.state, S::FinallyRejected);
        assert!(last.state.is_final());
        // Nothing follows a final rejection, not even a withdrawal or a third objection.
        for (action, by) in [
            (object(), Reviewer::Applicant),
            (
                A::Withdraw {
                    reason: String::new(),
                },
                Reviewer::Applicant,
            ),
            (on_objection(true), Reviewer::ProvinceSupervisionBoard),
        ] {
            assert_eq!(
                code(apply(&last, &action, by, last.state_since)),
                "illegal_transition"
            );
        }
    }

    #[test]
    fn illegal_steps_are_refused() {
        let fresh = VettingFile::new(FILED);
        // Approving without the executive board's review.
        assert_eq!(
            code(apply(
                &fresh,
                &decide(true),
                Reviewer::CountySupervisionBoard,
                FILED
            )),
            "illegal_transition"
        );
        // Objecting to a file nobody rejected, or to an approval.
        assert_eq!(
            code(apply(&fresh, &object(), Reviewer::Applicant, FILED)),
            "illegal_transition"
        );
        let approved = run(&[
            (review(true), Reviewer::ExecutiveBoard),
            (decide(true), Reviewer::CountySupervisionBoard),
        ]);
        assert_eq!(
            code(apply(
                &approved,
                &object(),
                Reviewer::Applicant,
                approved.state_since
            )),
            "illegal_transition"
        );
        // Reviewing twice.
        let reviewed = run(&[(review(true), Reviewer::ExecutiveBoard)]);
        assert_eq!(
            code(apply(
                &reviewed,
                &review(false),
                Reviewer::ExecutiveBoard,
                FILED
            )),
            "illegal_transition"
        );
        // Steps are the right body's.
        assert_eq!(
            apply(
                &fresh,
                &review(true),
                Reviewer::CountySupervisionBoard,
                FILED
            ),
            Err(VettingRefusal::WrongReviewer {
                expected: Reviewer::ExecutiveBoard
            })
        );
        assert_eq!(
            code(apply(
                &reviewed,
                &decide(true),
                Reviewer::ExecutiveBoard,
                FILED
            )),
            "wrong_reviewer"
        );
        let at_province = run(&[
            (review(true), Reviewer::ExecutiveBoard),
            (decide(false), Reviewer::CountySupervisionBoard),
            (object(), Reviewer::Applicant),
            (on_objection(false), Reviewer::CountySupervisionBoard),
            (object(), Reviewer::Applicant),
        ]);
        assert_eq!(
            code(apply(
                &at_province,
                &on_objection(true),
                Reviewer::CountySupervisionBoard,
                FILED
            )),
            "wrong_reviewer"
        );
        assert_eq!(
            code(apply(
                &fresh,
                &A::Withdraw {
                    reason: String::new()
                },
                Reviewer::ExecutiveBoard,
                FILED
            )),
            "wrong_reviewer"
        );
    }

    #[test]
    fn an_objection_after_four_days_is_refused() {
        let rejected = run(&[
            (review(false), Reviewer::ExecutiveBoard),
            (decide(false), Reviewer::CountySupervisionBoard),
        ]);
        let deadline = rejected.state_since + Duration::days(OBJECTION_DAYS);
        assert_eq!(rejected.deadline(None), Some(deadline));
        assert_eq!(
            code(apply(&rejected, &object(), Reviewer::Applicant, deadline)),
            "ok"
        );
        let late = apply(
            &rejected,
            &object(),
            Reviewer::Applicant,
            deadline + Duration::seconds(1),
        );
        assert_eq!(late, Err(VettingRefusal::ObjectionTooLate { deadline }));
        assert!(late.unwrap_err().persian().contains("چهار روزه"));
        // The lapsed window is the candidate's: the board is not late.
        assert!(!rejected.is_overdue(None, deadline + Duration::days(30)));
    }

    #[test]
    fn rejections_and_objections_need_a_reason() {
        let fresh = VettingFile::new(FILED);
        let bare = A::ExecutiveReview {
            qualified: false,
            reason: "  ".into(),
            grounds: ground(true),
        };
        assert_eq!(
            code(apply(&fresh, &bare, Reviewer::ExecutiveBoard, FILED)),
            "reason_required"
        );
        let quiet_approval = A::ExecutiveReview {
            qualified: true,
            reason: String::new(),
            grounds: Vec::new(),
        };
        assert_eq!(
            code(apply(
                &fresh,
                &quiet_approval,
                Reviewer::ExecutiveBoard,
                FILED
            )),
            "ok"
        );
    }

    #[test]
    fn a_rejection_cites_a_legal_ground() {
        let fresh = VettingFile::new(FILED);
        let ungrounded = A::ExecutiveReview {
            qualified: false,
            reason: "سوءپیشینه".into(),
            grounds: Vec::new(),
        };
        assert_eq!(
            apply(&fresh, &ungrounded, Reviewer::ExecutiveBoard, FILED),
            Err(VettingRefusal::RejectionGroundRequired)
        );
        assert!(VettingRefusal::RejectionGroundRequired.is_invalid_input());
        let reviewed = run(&[(review(true), Reviewer::ExecutiveBoard)]);
        let bare_rejection = A::SupervisionDecision {
            approved: false,
            reason: "عدم احراز".into(),
            grounds: Vec::new(),
        };
        assert_eq!(
            code(apply(
                &reviewed,
                &bare_rejection,
                Reviewer::CountySupervisionBoard,
                FILED
            )),
            "rejection_ground_required"
        );
        // An approval cites none.
        assert_eq!(
            code(apply(
                &reviewed,
                &decide(true),
                Reviewer::CountySupervisionBoard,
                FILED
            )),
            "ok"
        );
    }

    #[test]
    fn a_board_decides_only_once_every_inquiry_is_answered() {
        use crate::inquiry::{Answer, Authority, InquiryAnswer};
        let fresh = VettingFile::new(FILED);
        let decide_with = |answers: &[InquiryAnswer]| {
            super::apply(
                &fresh,
                &review(true),
                Reviewer::ExecutiveBoard,
                FILED,
                answers,
            )
        };
        assert_eq!(
            decide_with(&[]),
            Err(VettingRefusal::InquiriesPending {
                pending: Authority::ALL.to_vec()
            })
        );
        let three: Vec<InquiryAnswer> = crate::inquiry::all_clear(FILED)
            .into_iter()
            .filter(|a| a.authority != Authority::Intelligence)
            .collect();
        let refusal = decide_with(&three).unwrap_err();
        assert_eq!(refusal.code(), "inquiries_pending");
        assert!(refusal.persian().contains("وزارت اطلاعات"));
        assert!(!refusal.is_invalid_input());
        // An adverse answer is an answer: the board decides on it.
        let mut four = three;
        four.push(InquiryAnswer {
            authority: Authority::Intelligence,
            answer: Answer::Adverse,
            note: String::new(),
            answered_at: FILED,
        });
        assert_eq!(code(decide_with(&four)), "ok");
        // The applicant's own steps do not wait.
        let out = super::apply(
            &fresh,
            &A::Withdraw {
                reason: String::new(),
            },
            Reviewer::Applicant,
            FILED,
            &[],
        );
        assert_eq!(code(out), "ok");
    }

    #[test]
    fn grounds_have_stable_codes_labels_and_articles() {
        let mut codes: Vec<&str> = RejectionGround::ALL.iter().map(|g| g.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), RejectionGround::ALL.len());
        for g in RejectionGround::ALL {
            assert_eq!(RejectionGround::parse(g.as_str()), Some(g));
            assert!(!g.persian().is_empty());
            assert!(g.article().starts_with("ماده "));
            assert_eq!(
                serde_json::to_value(g).ok(),
                Some(serde_json::Value::String(g.as_str().into()))
            );
        }
    }

    #[test]
    fn a_candidate_may_withdraw_until_the_end() {
        for steps in [
            vec![],
            vec![(review(true), Reviewer::ExecutiveBoard)],
            vec![
                (review(true), Reviewer::ExecutiveBoard),
                (decide(true), Reviewer::CountySupervisionBoard),
            ],
            vec![
                (review(true), Reviewer::ExecutiveBoard),
                (decide(false), Reviewer::CountySupervisionBoard),
                (object(), Reviewer::Applicant),
            ],
        ] {
            let file = run(&steps);
            let out = apply(
                &file,
                &A::Withdraw {
                    reason: String::new(),
                },
                Reviewer::Applicant,
                file.state_since,
            )
            .unwrap();
            assert_eq!(out.state, S::Withdrawn);
        }
    }

    #[test]
    fn deadlines_and_overdue_files() {
        let fresh = VettingFile::new(FILED);
        // The executive board's 14 days run from vetting's opening, not the filing.
        let due = VETTING_OPENS + Duration::days(EXECUTIVE_REVIEW_DAYS);
        assert_eq!(fresh.deadline(Some(VETTING_OPENS)), Some(due));
        assert_eq!(fresh.deadline(None), Some(FILED + Duration::days(14)));
        assert!(!fresh.is_overdue(Some(VETTING_OPENS), due));
        assert!(fresh.is_overdue(Some(VETTING_OPENS), due + Duration::minutes(1)));
        let reviewed = run(&[(review(true), Reviewer::ExecutiveBoard)]);
        assert_eq!(
            reviewed.deadline(Some(VETTING_OPENS)),
            Some(reviewed.state_since + Duration::days(SUPERVISION_DECISION_DAYS))
        );
    }

    #[test]
    fn a_board_acting_as_a_whole_is_named_with_its_county() {
        assert_eq!(
            board_taker("executive-board-11"),
            Some(("هیأت اجرایی شهرستان", Some("11")))
        );
        assert_eq!(
            board_taker("supervision-board-province"),
            Some(("هیأت نظارت استان", None))
        );
        assert_eq!(board_taker("executive"), None);
        assert_eq!(board_taker("inspection-board-11"), None);
    }

    #[test]
    fn every_step_has_its_persian_name() {
        let steps = [
            review(true),
            decide(true),
            object(),
            on_objection(true),
            A::Withdraw {
                reason: String::new(),
            },
        ];
        let mut names: Vec<&str> = steps.iter().map(|a| step_persian(a.name())).collect();
        names.push(step_persian("submitted"));
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 6);
        assert!(!names.contains(&step_persian("unknown")));
    }

    #[test]
    fn states_round_trip_by_name() {
        for s in VettingState::ALL {
            assert_eq!(VettingState::parse(s.as_str()), Some(s));
            assert!(!s.persian().is_empty());
        }
        assert_eq!(VettingState::parse("maybe"), None);
    }

    #[test]
    fn withdrawals_close_with_a_final_state_or_the_polls_opening() {
        let polls = FILED + Duration::days(100);
        let before = polls - Duration::minutes(1);
        for state in [
            S::Submitted,
            S::Approved,
            S::Rejected,
            S::ObjectedToProvince,
        ] {
            assert_eq!(
                may_withdraw(state, before, Some(polls)),
                Ok(()),
                "{state:?}"
            );
            assert_eq!(may_withdraw(state, before, None), Ok(()), "{state:?}");
            assert_eq!(
                may_withdraw(state, polls, Some(polls)),
                Err(VettingRefusal::WithdrawalClosed { at: polls }),
                "{state:?} on polling day"
            );
        }
        for state in [S::FinallyRejected, S::Withdrawn] {
            assert!(matches!(
                may_withdraw(state, before, Some(polls)),
                Err(VettingRefusal::IllegalTransition { .. })
            ));
        }
        assert!(VettingRefusal::WithdrawalClosed { at: polls }
            .persian()
            .contains("آغاز رأی‌گیری"));
    }
}
