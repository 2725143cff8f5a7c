//! Electronic ballots (DESIGN §4 Secret ballot, §8 Voters and ballots): a voter picks up to N
//! candidates (N = the council's main seats) by candidate code and confirms; more than N is
//! refused by the device; a blank ballot counts as cast but void.

use crate::person::{Education, Gender};
use crate::text::ascii_digits;
use serde::{Deserialize, Serialize};

/// An approved candidate as the ballot shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Candidate {
    /// The candidate code, unique in the election, that voters type.
    pub code: String,
    pub council: String,
    pub first_name: String,
    pub last_name: String,
    pub gender: Gender,
    pub education: Option<Education>,
    pub occupation: String,
    /// Of a martyr's, a veteran's or a freed prisoner's family: first among candidates tied on
    /// votes across a seat boundary (public, as it decides ties).
    #[serde(default)]
    pub veteran_family: bool,
}

/// Why a ballot's choices are refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BallotRefusal {
    TooMany {
        max: u32,
    },
    Unknown {
        code: String,
    },
    Repeated {
        code: String,
    },
    /// The council's approved candidates changed between the ballot's encryption and its
    /// casting: the ballot was encrypted for a list that is no longer the council's.
    StyleChanged,
}

impl BallotRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooMany { .. } => "too_many_choices",
            Self::Unknown { .. } => "unknown_candidate",
            Self::Repeated { .. } => "repeated_candidate",
            Self::StyleChanged => "ballot_style_changed",
        }
    }
    pub fn persian(&self) -> String {
        use crate::text::{persian_digits, persian_number};
        match self {
            Self::TooMany { max } => format!(
                "در این حوزه حداکثر {} نامزد را می‌توان انتخاب کرد.",
                persian_number(i64::from(*max))
            ),
            Self::Unknown { code } => format!(
                "کد «{}» کد نامزد تأییدشده این حوزه نیست.",
                persian_digits(code)
            ),
            Self::Repeated { code } => {
                format!("کد «{}» بیش از یک بار آمده است.", persian_digits(code))
            }
            Self::StyleChanged => {
                "فهرست نامزدهای این حوزه هم‌اکنون تغییر کرد؛ برگه را از نو باز کنید و دوباره انتخاب کنید."
                    .into()
            }
        }
    }
}

/// Checks a ballot's choices against the constituency's approved codes and its main seats, and
/// returns them normalised (ASCII digits, trimmed) and sorted, so that the stored ballot says
/// nothing about the order in which they were picked. An empty list is a blank ballot.
pub fn check_ballot(
    choices: &[String],
    approved: &[&str],
    main_seats: u32,
) -> Result<Vec<String>, BallotRefusal> {
    let mut picked: Vec<String> = Vec::with_capacity(choices.len());
    for raw in choices {
        let code = ascii_digits(raw.trim());
        if picked.contains(&code) {
            return Err(BallotRefusal::Repeated { code });
        }
        if !approved.contains(&code.as_str()) {
            return Err(BallotRefusal::Unknown { code });
        }
        picked.push(code);
    }
    if picked.len() > main_seats as usize {
        return Err(BallotRefusal::TooMany { max: main_seats });
    }
    picked.sort_unstable();
    Ok(picked)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn choices_are_normalised_and_sorted() {
        let approved = ["1003", "1001", "1002"];
        assert_eq!(
            check_ballot(&codes(&["۱۰۰۳", " 1001 "]), &approved, 3),
            Ok(codes(&["1001", "1003"]))
        );
        assert_eq!(check_ballot(&[], &approved, 3), Ok(vec![]));
    }

    #[test]
    fn more_unknown_or_repeated_codes_are_refused() {
        let approved = ["1001", "1002", "1003", "1004"];
        assert_eq!(
            check_ballot(&codes(&["1001", "1002", "1003", "1004"]), &approved, 3)
                .unwrap_err()
                .code(),
            "too_many_choices"
        );
        assert_eq!(
            check_ballot(&codes(&["1001", "9999"]), &approved, 3),
            Err(BallotRefusal::Unknown {
                code: "9999".into()
            })
        );
        assert_eq!(
            check_ballot(&codes(&["1001", "۱۰۰۱"]), &approved, 3),
            Err(BallotRefusal::Repeated {
                code: "1001".into()
            })
        );
        for r in [
            BallotRefusal::TooMany { max: 5 },
            BallotRefusal::Unknown { code: "1".into() },
            BallotRefusal::Repeated { code: "1".into() },
        ] {
            assert!(r.persian().contains('د'));
        }
    }
}
