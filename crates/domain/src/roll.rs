//! The eligibility roll (DESIGN §8, Voters and ballots): who may vote, where. Behind the store's
//! roll, so that a live civil-registry lookup can replace the imported file.

use crate::calendar::parse_date;
use crate::ids::NationalId;
use crate::person::age_on;
use crate::text::ascii_digits;
use serde::{Deserialize, Serialize};
use time::Date;

/// The header of a roll file: `national_id,birth_date,council,status`.
pub const ROLL_HEADER: [&str; 4] = ["national_id", "birth_date", "council", "status"];

/// The least age on election day to vote.
pub const VOTING_AGE: i32 = 18;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum VoterStatus {
    Alive,
    Deceased,
}

impl VoterStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Alive => "alive",
            Self::Deceased => "deceased",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "alive" => Some(Self::Alive),
            "deceased" => Some(Self::Deceased),
            _ => None,
        }
    }
}

/// One person on the roll.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Voter {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub national_id: NationalId,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub birth_date: Date,
    /// The council (constituency) the person votes in.
    pub council: String,
    pub status: VoterStatus,
}

/// Parses one roll row (`national_id, birth_date, council, status`); birth dates are Jalali
/// (`1380/05/12`) or ISO, digits Persian or ASCII. The error is a Persian reason.
pub fn parse_voter(fields: &[&str]) -> Result<Voter, String> {
    let [id, birth, council, status] = fields else {
        return Err(format!(
            "سطر باید ۴ ستون داشته باشد ({} دارد)",
            crate::text::persian_number(fields.len() as i64)
        ));
    };
    let council = ascii_digits(council.trim());
    if council.is_empty() || !council.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("کد شورای «{}» معتبر نیست", council.trim()));
    }
    Ok(Voter {
        national_id: NationalId::parse(id).map_err(|e| e.persian())?,
        birth_date: parse_date(birth).map_err(|e| e.persian())?,
        council,
        status: VoterStatus::parse(status)
            .ok_or_else(|| format!("وضعیت «{}» باید alive یا deceased باشد", status.trim()))?,
    })
}

/// Why a person may not vote at a station.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotEligible {
    NotOnRoll,
    Deceased,
    Underage { age: i32 },
    OtherConstituency { council: String },
}

impl NotEligible {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotOnRoll => "not_on_roll",
            Self::Deceased => "deceased",
            Self::Underage { .. } => "underage",
            Self::OtherConstituency { .. } => "other_constituency",
        }
    }
    pub fn persian(&self) -> String {
        match self {
            Self::NotOnRoll => "این کد ملی در فهرست واجدان شرایط نیست.".into(),
            Self::Deceased => "این شخص در فهرست ثبت احوال فوت‌شده ثبت شده است.".into(),
            Self::Underage { age } => format!(
                "سن این شخص در روز رأی‌گیری {} سال است؛ رأی‌دهنده باید دست‌کم ۱۸ سال تمام داشته باشد.",
                crate::text::persian_number(i64::from(*age))
            ),
            Self::OtherConstituency { council } => {
                format!(
                    "این شخص در حوزه دیگری (شورای {}) رأی می‌دهد.",
                    crate::text::persian_digits(council)
                )
            }
        }
    }
}

/// Decides whether a person on the roll (or not) may vote at a station serving `councils`.
/// `own_constituency_only` is the election's setting (DESIGN §8: configurable).
pub fn check_eligibility(
    voter: Option<&Voter>,
    election_day: Date,
    councils: &[&str],
    own_constituency_only: bool,
) -> Result<(), NotEligible> {
    let Some(v) = voter else {
        return Err(NotEligible::NotOnRoll);
    };
    if v.status == VoterStatus::Deceased {
        return Err(NotEligible::Deceased);
    }
    if !crate::person::has_age(v.birth_date, election_day, VOTING_AGE) {
        return Err(NotEligible::Underage {
            age: age_on(v.birth_date, election_day),
        });
    }
    if own_constituency_only && !councils.contains(&v.council.as_str()) {
        return Err(NotEligible::OtherConstituency {
            council: v.council.clone(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn voter(birth: Date, status: VoterStatus) -> Voter {
        Voter {
            national_id: NationalId::parse("0018465986").unwrap(),
            birth_date: birth,
            council: "11101".into(),
            status,
        }
    }

    #[test]
    fn rows_parse_in_both_calendars_and_scripts() {
        let v = parse_voter(&["۰۰۱۸۴۶۵۹۸۶", "1380/05/12", "۱۱۱۰۱", "alive"]).unwrap();
        assert_eq!(
            (v.national_id.as_str(), v.birth_date, v.council.as_str()),
            ("0018465986", date!(2001 - 08 - 03), "11101")
        );
        assert_eq!(
            parse_voter(&["0018465986", "2001-08-03", "11101", "deceased"])
                .unwrap()
                .status,
            VoterStatus::Deceased
        );
        for bad in [
            vec!["0018465980", "1380/05/12", "11101", "alive"],
            vec!["0018465986", "1380/13/12", "11101", "alive"],
            vec!["0018465986", "1380/05/12", "x", "alive"],
            vec!["0018465986", "1380/05/12", "11101", "gone"],
            vec!["0018465986", "1380/05/12"],
        ] {
            assert!(parse_voter(&bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn eligibility_on_election_day() {
        let day = date!(2026 - 05 - 01);
        let here = ["11101"];
        assert_eq!(
            check_eligibility(
                Some(&voter(date!(2008 - 04 - 30), VoterStatus::Alive)),
                day,
                &here,
                true
            ),
            Ok(())
        );
        // Born 1387/02/12 (2008-05-01): 18 Gregorian years on 2026-05-01, but 17 Jalali
        // years on election day 1405/02/11, which is what the law counts.
        assert_eq!(
            check_eligibility(
                Some(&voter(date!(2008 - 05 - 01), VoterStatus::Alive)),
                day,
                &here,
                true
            ),
            Err(NotEligible::Underage { age: 17 })
        );
        assert_eq!(
            check_eligibility(
                Some(&voter(date!(1980 - 01 - 01), VoterStatus::Deceased)),
                day,
                &here,
                true
            ),
            Err(NotEligible::Deceased)
        );
        assert_eq!(
            check_eligibility(None, day, &here, true),
            Err(NotEligible::NotOnRoll)
        );
        let elsewhere = ["11102"];
        assert_eq!(
            check_eligibility(
                Some(&voter(date!(1980 - 01 - 01), VoterStatus::Alive)),
                day,
                &elsewhere,
                true
            )
            .unwrap_err()
            .code(),
            "other_constituency"
        );
        assert_eq!(
            check_eligibility(
                Some(&voter(date!(1980 - 01 - 01), VoterStatus::Alive)),
                day,
                &elsewhere,
                false
            ),
            Ok(())
        );
    }
}
