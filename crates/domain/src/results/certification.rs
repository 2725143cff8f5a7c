//! A council's result certified (issue 18 §5): approved by the county's executive board once
//! every station has reported, confirmed by the supervision board once no complaint about the
//! council waits, then published. Each step records the digest of the result it certified, so
//! a later change of any input — a corrected minutes, an annulment, a hand count — shows as a
//! result that is no longer the certified one, and moving on needs an explicit reopening, with
//! its reason. Every step is kept and audited; nothing is overwritten.

use super::published::PublishedCouncil;
use super::status::ResultStatus;
use sha2::{Digest, Sha256};

/// The longest reason, in characters.
pub const MAX_REASON_CHARS: usize = 1000;

/// A step of a council's certification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = CertificationStep))]
pub enum Step {
    /// The county's executive board approves the complete result.
    Approve,
    /// The supervision board confirms it: the result is official.
    Confirm,
    /// The result is announced.
    Publish,
    /// The certification is set aside, with a reason (a recount, an annulment, a correction):
    /// the result is unofficial again until approved anew.
    Reopen,
}

impl Step {
    pub const ALL: [Step; 4] = [Self::Approve, Self::Confirm, Self::Publish, Self::Reopen];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::Confirm => "confirm",
            Self::Publish => "publish",
            Self::Reopen => "reopen",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|step| step.as_str() == s)
    }

    pub fn persian(self) -> &'static str {
        match self {
            Self::Approve => "تأیید هیئت اجرایی",
            Self::Confirm => "تأیید هیئت نظارت",
            Self::Publish => "اعلام رسمی",
            Self::Reopen => "بازگشایی نتیجه",
        }
    }
}

/// Why a step is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificationRefusal {
    /// Approving a result whose stations have not all reported (closed, counted, signed).
    Incomplete,
    /// A step out of its order (confirming what is not approved, approving twice, …).
    OutOfOrder,
    /// Confirming while complaints about the council wait for a decision or a hearing.
    ComplaintsPending,
    /// Confirming while complaints may still be filed, or a decision still be objected to.
    ComplaintsOpen,
    /// The result is no longer the one approved: reopen it, and approve it anew.
    Changed,
    /// Reopening without a reason, or a reason too long.
    ReasonLength,
}

impl CertificationRefusal {
    pub fn code(self) -> &'static str {
        match self {
            Self::Incomplete => "result_incomplete",
            Self::OutOfOrder => "result_step_out_of_order",
            Self::ComplaintsPending => "complaints_pending",
            Self::ComplaintsOpen => "complaints_window_open",
            Self::Changed => "result_changed_since_approval",
            Self::ReasonLength => "certification_reason_length",
        }
    }

    pub fn persian(self) -> String {
        match self {
            Self::Incomplete => "همهٔ شعبه‌های این شورا هنوز گزارش نداده‌اند (بسته، شمرده و صورتجلسه امضاشده): نتیجه را نمی‌توان تأیید کرد.".into(),
            Self::OutOfOrder => "این گام به ترتیب نیست: نتیجه نخست به تأیید هیئت اجرایی، سپس هیئت نظارت می‌رسد و آنگاه اعلام می‌شود.".into(),
            Self::ComplaintsPending => "شکایت‌های این شورا هنوز رسیدگی نشده است: پیش از رسیدگی نمی‌توان نتیجه را تأیید کرد.".into(),
            Self::ComplaintsOpen => "مهلت شکایت از این نتیجه، یا اعتراض به تصمیمی دربارهٔ شکایتی، هنوز نگذشته است: پس از آن نتیجه را تأیید کنید.".into(),
            Self::Changed => "نتیجهٔ این شورا پس از تأیید تغییر کرده است: نخست نتیجه را با ذکر دلیل بازگشایی و دوباره تأیید کنید.".into(),
            Self::ReasonLength => format!(
                "دلیل باید نوشته شود و بیش از {} نویسه نباشد.",
                crate::text::persian_number(MAX_REASON_CHARS as i64)
            ),
        }
    }

    pub fn is_invalid_input(self) -> bool {
        self == Self::ReasonLength
    }
}

/// A kept step: what, and the digest of the result it certified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptStep {
    pub step: Step,
    pub digest: String,
}

/// The certified status the kept steps give (oldest first): the steps since the last reopening.
/// `None` when nothing stands certified.
pub fn level(steps: &[KeptStep]) -> Option<ResultStatus> {
    let since = steps
        .iter()
        .rposition(|s| s.step == Step::Reopen)
        .map_or(0, |i| i + 1);
    steps[since..]
        .iter()
        .map(|s| s.step)
        .next_back()
        .map(|last| match last {
            Step::Approve | Step::Reopen => ResultStatus::Approved,
            Step::Confirm => ResultStatus::Confirmed,
            Step::Publish => ResultStatus::Published,
        })
}

/// The digest of the approval in force, if any.
pub fn approved_digest(steps: &[KeptStep]) -> Option<&str> {
    level(steps)?;
    steps
        .iter()
        .rev()
        .take_while(|s| s.step != Step::Reopen)
        .find(|s| s.step == Step::Approve)
        .map(|s| s.digest.as_str())
}

/// What a step is decided on, read in the writing transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepFacts<'a> {
    /// The status the stations' reports give (unofficial-partial or -complete).
    pub reported: ResultStatus,
    /// The digest of the result as it stands now.
    pub digest: &'a str,
    /// Complaints about the council not yet decided, or objected to and not yet heard.
    pub pending_complaints: usize,
    /// Complaints may still be filed (the window has not closed), or a decision on one still
    /// be objected to.
    pub complaints_open: bool,
}

/// Decides a step on the kept steps and the facts: the reason as kept (required to reopen,
/// optional otherwise).
pub fn check_step(
    steps: &[KeptStep],
    step: Step,
    facts: &StepFacts<'_>,
    reason: &str,
) -> Result<Option<String>, CertificationRefusal> {
    let reason = crate::text::normalize_name(reason.trim());
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(CertificationRefusal::ReasonLength);
    }
    let certified = level(steps);
    let unchanged = approved_digest(steps) == Some(facts.digest);
    match step {
        Step::Approve => {
            if certified.is_some() {
                return Err(CertificationRefusal::OutOfOrder);
            }
            if facts.reported != ResultStatus::UnofficialComplete {
                return Err(CertificationRefusal::Incomplete);
            }
        }
        Step::Confirm | Step::Publish => {
            let before = if step == Step::Confirm {
                ResultStatus::Approved
            } else {
                ResultStatus::Confirmed
            };
            if certified != Some(before) {
                return Err(CertificationRefusal::OutOfOrder);
            }
            if !unchanged {
                return Err(CertificationRefusal::Changed);
            }
            if step == Step::Confirm && facts.pending_complaints > 0 {
                return Err(CertificationRefusal::ComplaintsPending);
            }
            if step == Step::Confirm && facts.complaints_open {
                return Err(CertificationRefusal::ComplaintsOpen);
            }
        }
        Step::Reopen => {
            if certified.is_none() {
                return Err(CertificationRefusal::OutOfOrder);
            }
            if reason.is_empty() {
                return Err(CertificationRefusal::ReasonLength);
            }
        }
    }
    Ok(Some(reason).filter(|r| !r.is_empty()))
}

/// The seed an approval keeps: the first one ever committed for the council, so a reopening
/// cannot draw the lottery again until it suits someone; else the one drawn now.
pub fn lottery_seed<'a>(
    earlier: impl IntoIterator<Item = Option<&'a str>>,
    drawn: Option<&'a str>,
) -> Option<String> {
    earlier
        .into_iter()
        .flatten()
        .next()
        .or(drawn)
        .map(str::to_owned)
}

/// The digest of what a council's result says and rests on — votes, ranks, outcomes, ties,
/// each station's standing and ballots — whatever its status and lottery: what a
/// certification fixes (the caller digests the result before any draw).
pub fn digest(council: &PublishedCouncil) -> String {
    let mut fixed = council.clone();
    fixed.status = ResultStatus::UnofficialPartial;
    fixed.lottery = None;
    fixed.certified_digest = None;
    let text = serde_json::to_string(&fixed).unwrap_or_default();
    let mut hash = Sha256::new();
    hash.update(b"sandoq-certified-result-v1\n");
    hash.update(text.as_bytes());
    hex::encode(hash.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(steps: &[Step]) -> Vec<KeptStep> {
        steps
            .iter()
            .map(|s| KeptStep {
                step: *s,
                digest: "d1".into(),
            })
            .collect()
    }

    fn facts(reported: ResultStatus, digest: &str, pending: usize) -> StepFacts<'_> {
        StepFacts {
            reported,
            digest,
            pending_complaints: pending,
            complaints_open: false,
        }
    }

    #[test]
    fn a_result_is_approved_complete_confirmed_without_pending_complaints_then_published() {
        let complete = facts(ResultStatus::UnofficialComplete, "d1", 0);
        assert_eq!(
            check_step(
                &[],
                Step::Approve,
                &facts(ResultStatus::UnofficialPartial, "d1", 0),
                ""
            ),
            Err(CertificationRefusal::Incomplete)
        );
        assert_eq!(check_step(&[], Step::Approve, &complete, " "), Ok(None));
        assert_eq!(
            check_step(&[], Step::Confirm, &complete, ""),
            Err(CertificationRefusal::OutOfOrder)
        );
        let approved = kept(&[Step::Approve]);
        assert_eq!(level(&approved), Some(ResultStatus::Approved));
        assert_eq!(
            check_step(&approved, Step::Approve, &complete, ""),
            Err(CertificationRefusal::OutOfOrder)
        );
        assert_eq!(
            check_step(
                &approved,
                Step::Confirm,
                &facts(ResultStatus::UnofficialComplete, "d1", 1),
                ""
            ),
            Err(CertificationRefusal::ComplaintsPending)
        );
        assert_eq!(
            check_step(
                &approved,
                Step::Confirm,
                &facts(ResultStatus::UnofficialComplete, "d2", 0),
                ""
            ),
            Err(CertificationRefusal::Changed),
            "a changed result is not confirmed"
        );
        assert_eq!(
            check_step(&approved, Step::Confirm, &complete, ""),
            Ok(None)
        );
        let confirmed = kept(&[Step::Approve, Step::Confirm]);
        assert_eq!(level(&confirmed), Some(ResultStatus::Confirmed));
        assert!(level(&confirmed).unwrap().is_certified());
        assert_eq!(
            check_step(&confirmed, Step::Publish, &complete, ""),
            Ok(None)
        );
        assert_eq!(
            level(&kept(&[Step::Approve, Step::Confirm, Step::Publish])),
            Some(ResultStatus::Published)
        );
    }

    #[test]
    fn the_lottery_is_drawn_once_for_a_council_whatever_the_reopenings() {
        assert_eq!(lottery_seed([None, None], Some("new")), Some("new".into()));
        assert_eq!(
            lottery_seed([None, Some("first"), Some("second")], Some("new")),
            Some("first".into())
        );
        assert_eq!(lottery_seed([], None), None);
    }

    #[test]
    fn reopening_needs_a_reason_and_sets_the_certification_aside() {
        let complete = facts(ResultStatus::UnofficialComplete, "d2", 0);
        assert_eq!(
            check_step(&[], Step::Reopen, &complete, "x"),
            Err(CertificationRefusal::OutOfOrder)
        );
        let confirmed = kept(&[Step::Approve, Step::Confirm]);
        assert_eq!(
            check_step(&confirmed, Step::Reopen, &complete, "  "),
            Err(CertificationRefusal::ReasonLength)
        );
        assert_eq!(
            check_step(&confirmed, Step::Reopen, &complete, " بازشماری  شعبه "),
            Ok(Some("بازشماری شعبه".into()))
        );
        let reopened = kept(&[Step::Approve, Step::Confirm, Step::Reopen]);
        assert_eq!(level(&reopened), None);
        assert_eq!(approved_digest(&reopened), None);
        // Approved anew on the changed result.
        assert_eq!(
            check_step(&reopened, Step::Approve, &complete, ""),
            Ok(None)
        );
        let mut again = reopened.clone();
        again.push(KeptStep {
            step: Step::Approve,
            digest: "d2".into(),
        });
        assert_eq!(approved_digest(&again), Some("d2"));
        assert_eq!(check_step(&again, Step::Confirm, &complete, ""), Ok(None));
    }
}
