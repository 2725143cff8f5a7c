//! The standard inquiries of a vetting file (استعلام‌ها, issue 20): before a board decides on
//! a candidate it asks the judiciary, the police, the civil registration and the intelligence
//! ministry, and records each answer with its date and a note. A file's inquiries are pending
//! until answered; an answer, once recorded, stands (a correction is a matter for the audit
//! log and the boards, not an overwrite).
//!
//! The rule that a board does not decide while an inquiry is pending is
//! [`crate::vetting::apply`]'s; the rule on recording an answer is [`check_answer`].

use crate::vetting::{VettingRefusal, VettingState};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The four bodies every file is referred to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Authority {
    /// قوه قضاییه: convictions and pending cases.
    Judiciary,
    /// نیروی انتظامی (فرماندهی انتظامی، «فراجا»): the police record, addiction included.
    Police,
    /// ثبت احوال: identity, citizenship and age.
    CivilRegistration,
    /// وزارت اطلاعات: security record.
    Intelligence,
}

impl Authority {
    pub const ALL: [Authority; 4] = [
        Self::Judiciary,
        Self::Police,
        Self::CivilRegistration,
        Self::Intelligence,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Judiciary => "judiciary",
            Self::Police => "police",
            Self::CivilRegistration => "civil_registration",
            Self::Intelligence => "intelligence",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
    pub fn persian(self) -> &'static str {
        match self {
            Self::Judiciary => "قوه قضاییه",
            Self::Police => "فرماندهی انتظامی (فراجا)",
            Self::CivilRegistration => "سازمان ثبت احوال",
            Self::Intelligence => "وزارت اطلاعات",
        }
    }
}

/// An inquiry's answer. Pending is the absence of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Answer {
    /// «فاقد سابقه» / «بلامانع».
    Clear,
    /// «دارای سابقه»: the note says what.
    Adverse,
}

impl Answer {
    pub const ALL: [Answer; 2] = [Self::Clear, Self::Adverse];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Clear => "clear",
            Self::Adverse => "adverse",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
    pub fn persian(self) -> &'static str {
        match self {
            Self::Clear => "فاقد سابقه (بلامانع)",
            Self::Adverse => "دارای سابقه",
        }
    }
}

/// A recorded answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InquiryAnswer {
    pub authority: Authority,
    pub answer: Answer,
    pub note: String,
    /// When the answer was recorded.
    pub answered_at: OffsetDateTime,
}

/// One of a file's four inquiries, answered or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Inquiry {
    pub authority: Authority,
    /// `None` while pending.
    pub answer: Option<InquiryAnswer>,
}

/// A file's four inquiries in [`Authority::ALL`]'s order, from its recorded answers.
pub fn inquiries(answers: &[InquiryAnswer]) -> Vec<Inquiry> {
    Authority::ALL
        .into_iter()
        .map(|authority| Inquiry {
            authority,
            answer: answers.iter().find(|a| a.authority == authority).cloned(),
        })
        .collect()
}

/// The bodies that have not answered yet, in [`Authority::ALL`]'s order.
pub fn pending(answers: &[InquiryAnswer]) -> Vec<Authority> {
    Authority::ALL
        .into_iter()
        .filter(|authority| !answers.iter().any(|a| a.authority == *authority))
        .collect()
}

/// Whether `authority`'s answer may be recorded on a file in `state` that holds `answers`:
/// not on a file that is closed (approved, finally rejected, withdrawn), and not twice.
pub fn check_answer(
    state: VettingState,
    answers: &[InquiryAnswer],
    authority: Authority,
) -> Result<(), VettingRefusal> {
    if state.is_final() || state == VettingState::Approved {
        return Err(VettingRefusal::IllegalTransition {
            state,
            step: "inquiry",
        });
    }
    if answers.iter().any(|a| a.authority == authority) {
        return Err(VettingRefusal::InquiryAnswered { authority });
    }
    Ok(())
}

/// Every inquiry answered clear at `at` (tests and the demo).
pub fn all_clear(at: OffsetDateTime) -> Vec<InquiryAnswer> {
    Authority::ALL
        .into_iter()
        .map(|authority| InquiryAnswer {
            authority,
            answer: Answer::Clear,
            note: String::new(),
            answered_at: at,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const AT: OffsetDateTime = datetime!(2026-02-01 08:00 UTC);

    #[test]
    fn a_file_starts_with_four_pending_inquiries() {
        assert_eq!(pending(&[]), Authority::ALL.to_vec());
        let listed = inquiries(&[]);
        assert_eq!(listed.len(), 4);
        assert!(listed.iter().all(|i| i.answer.is_none()));
        assert!(pending(&all_clear(AT)).is_empty());
    }

    #[test]
    fn answers_fill_their_own_row() {
        let police = InquiryAnswer {
            authority: Authority::Police,
            answer: Answer::Adverse,
            note: "سابقه اعتیاد".into(),
            answered_at: AT,
        };
        let answers = [police.clone()];
        assert_eq!(
            pending(&answers),
            vec![
                Authority::Judiciary,
                Authority::CivilRegistration,
                Authority::Intelligence
            ]
        );
        assert_eq!(inquiries(&answers)[1].answer, Some(police));
    }

    #[test]
    fn an_answer_is_recorded_once_on_an_open_file() {
        let answers = all_clear(AT);
        assert_eq!(
            check_answer(VettingState::Submitted, &[], Authority::Judiciary),
            Ok(())
        );
        assert_eq!(
            check_answer(VettingState::Submitted, &answers, Authority::Judiciary),
            Err(VettingRefusal::InquiryAnswered {
                authority: Authority::Judiciary
            })
        );
        for state in [
            VettingState::Approved,
            VettingState::FinallyRejected,
            VettingState::Withdrawn,
        ] {
            assert_eq!(
                check_answer(state, &[], Authority::Police)
                    .err()
                    .map(|r| r.code()),
                Some("illegal_transition")
            );
        }
    }

    #[test]
    fn names_round_trip() {
        for a in Authority::ALL {
            assert_eq!(Authority::parse(a.as_str()), Some(a));
            assert!(!a.persian().is_empty());
        }
        for a in Answer::ALL {
            assert_eq!(Answer::parse(a.as_str()), Some(a));
        }
        assert_eq!(Authority::parse("army"), None);
    }
}
