//! Participation in candidate registration, for the information committee (issue 5): filings per
//! day, per county and council kind, the shares of women and of under-40s, education, and the
//! councils short of candidates. A pure summary of the registrations' facts.

use crate::election::{Council, CouncilKind};
use crate::person::{age_on, Education, Gender};
use crate::vetting::VettingState;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use time::{Date, OffsetDateTime};

/// What the statistics need of one registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationFact {
    pub submitted_at: OffsetDateTime,
    pub council: String,
    pub gender: Gender,
    pub birth_date: Date,
    pub education: Education,
    pub state: VettingState,
}

/// Under this age (on the day of filing) counts as young.
pub const YOUNG_UNDER: i32 = 40;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CountyRow {
    pub county: String,
    pub city: i64,
    pub village: i64,
}

/// How short of candidates a council is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Shortage {
    /// Fewer candidates than main seats: the seats cannot all be filled.
    FewerThanSeats,
    /// Fewer than twice the seats: little choice.
    FewerThanTwiceSeats,
}

impl Shortage {
    pub fn persian(self) -> &'static str {
        match self {
            Self::FewerThanSeats => "کمتر از کرسی‌ها",
            Self::FewerThanTwiceSeats => "کمتر از دو برابر کرسی‌ها",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShortCouncil {
    pub council: String,
    pub county: String,
    pub name: String,
    pub kind: CouncilKind,
    pub seats: u32,
    /// Registrations still standing (not withdrawn, not finally rejected).
    pub standing: i64,
    pub approved: i64,
    pub shortage: Shortage,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Participation {
    pub total: i64,
    /// Filings per Tehran day, in order.
    pub per_day: Vec<(Date, i64)>,
    pub per_county: Vec<CountyRow>,
    pub women: i64,
    pub under_40: i64,
    pub by_education: Vec<(Education, i64)>,
    pub by_state: Vec<(VettingState, i64)>,
    /// Councils short of candidates, the worst first: fewer than their seats, then by how few
    /// candidates they have beyond their seats (then by code).
    pub short: Vec<ShortCouncil>,
}

impl Participation {
    /// `part` of the total in percent, to one decimal (0 for no filings).
    pub fn share(&self, part: i64) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            (part as f64 * 1000.0 / self.total as f64).round() / 10.0
        }
    }
}

/// Summarises `facts` (the registrations of `councils`' election; a fact of a council not
/// given is left out).
pub fn summarize(facts: &[RegistrationFact], councils: &[Council]) -> Participation {
    let by_code: HashMap<&str, &Council> = councils.iter().map(|c| (c.code.as_str(), c)).collect();
    let mut per_day: BTreeMap<Date, i64> = BTreeMap::new();
    let mut per_county: BTreeMap<&str, CountyRow> = BTreeMap::new();
    let mut by_education: BTreeMap<Education, i64> = BTreeMap::new();
    let mut by_state: HashMap<VettingState, i64> = HashMap::new();
    let mut standing: HashMap<&str, i64> = HashMap::new();
    let mut approved: HashMap<&str, i64> = HashMap::new();
    let (mut total, mut women, mut young) = (0, 0, 0);
    for f in facts {
        let Some(council) = by_code.get(f.council.as_str()) else {
            continue;
        };
        total += 1;
        let day = f.submitted_at.to_offset(crate::calendar::TEHRAN).date();
        *per_day.entry(day).or_default() += 1;
        let row = per_county
            .entry(council.county_code.as_str())
            .or_insert_with(|| CountyRow {
                county: council.county_code.clone(),
                ..CountyRow::default()
            });
        match council.kind {
            CouncilKind::City => row.city += 1,
            CouncilKind::Village => row.village += 1,
        }
        if f.gender == Gender::Female {
            women += 1;
        }
        if age_on(f.birth_date, day) < YOUNG_UNDER {
            young += 1;
        }
        *by_education.entry(f.education).or_default() += 1;
        *by_state.entry(f.state).or_default() += 1;
        if !matches!(
            f.state,
            VettingState::Withdrawn | VettingState::FinallyRejected
        ) {
            *standing.entry(council.code.as_str()).or_default() += 1;
        }
        if f.state == VettingState::Approved {
            *approved.entry(council.code.as_str()).or_default() += 1;
        }
    }
    let mut short: Vec<ShortCouncil> = councils
        .iter()
        .filter_map(|c| {
            let n = standing.get(c.code.as_str()).copied().unwrap_or(0);
            let seats = i64::from(c.main_seats);
            let shortage = if n < seats {
                Shortage::FewerThanSeats
            } else if n < 2 * seats {
                Shortage::FewerThanTwiceSeats
            } else {
                return None;
            };
            Some(ShortCouncil {
                council: c.code.clone(),
                county: c.county_code.clone(),
                name: c.name.clone(),
                kind: c.kind,
                seats: c.main_seats,
                standing: n,
                approved: approved.get(c.code.as_str()).copied().unwrap_or(0),
                shortage,
            })
        })
        .collect();
    short.sort_by(|a, b| {
        let rank = |s: &ShortCouncil| {
            (
                s.shortage != Shortage::FewerThanSeats,
                s.standing - i64::from(s.seats),
            )
        };
        rank(a)
            .cmp(&rank(b))
            .then_with(|| a.council.cmp(&b.council))
    });
    Participation {
        total,
        per_day: per_day.into_iter().collect(),
        per_county: per_county.into_values().collect(),
        women,
        under_40: young,
        by_education: by_education.into_iter().collect(),
        by_state: VettingState::ALL
            .iter()
            .map(|s| (*s, by_state.get(s).copied().unwrap_or(0)))
            .collect(),
        short,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn council(code: &str, county: &str, kind: CouncilKind, seats: u32) -> Council {
        Council {
            code: code.into(),
            election_code: "e".into(),
            kind,
            name: format!("شورای {code}"),
            county_code: county.into(),
            place_code: code.into(),
            population: 1_000,
            main_seats: seats,
            alternate_seats: 2,
        }
    }

    fn fact(
        council: &str,
        at: OffsetDateTime,
        gender: Gender,
        born: Date,
        state: VettingState,
    ) -> RegistrationFact {
        RegistrationFact {
            submitted_at: at,
            council: council.into(),
            gender,
            birth_date: born,
            education: Education::Bachelor,
            state,
        }
    }

    #[test]
    fn counts_shares_and_shortages() {
        let councils = [
            council("c1", "01", CouncilKind::City, 5),
            council("v1", "01", CouncilKind::Village, 3),
            council("v2", "02", CouncilKind::Village, 3),
        ];
        // 23:00 UTC on 2026-01-11 is the 12th in Tehran.
        let day1 = datetime!(2026-01-11 06:00 UTC);
        let day2 = datetime!(2026-01-11 23:00 UTC);
        let old = date!(1970 - 01 - 01);
        let young = date!(1990 - 06 - 01);
        let mut facts = Vec::new();
        for i in 0..10 {
            let state = if i < 8 {
                VettingState::Approved
            } else {
                VettingState::Withdrawn
            };
            let gender = if i % 4 == 0 {
                Gender::Female
            } else {
                Gender::Male
            };
            facts.push(fact(
                "c1",
                day1,
                gender,
                if i < 3 { young } else { old },
                state,
            ));
        }
        facts.push(fact(
            "v1",
            day2,
            Gender::Female,
            old,
            VettingState::Submitted,
        ));
        facts.push(fact(
            "v1",
            day2,
            Gender::Male,
            old,
            VettingState::FinallyRejected,
        ));
        for _ in 0..4 {
            facts.push(fact("v2", day2, Gender::Male, old, VettingState::Approved));
        }
        facts.push(fact(
            "elsewhere",
            day2,
            Gender::Male,
            old,
            VettingState::Approved,
        ));
        let p = summarize(&facts, &councils);
        assert_eq!(p.total, 16, "a council not given is left out");
        assert_eq!(
            p.per_day,
            [(date!(2026 - 01 - 11), 10), (date!(2026 - 01 - 12), 6)]
        );
        assert_eq!(
            p.per_county,
            [
                CountyRow {
                    county: "01".into(),
                    city: 10,
                    village: 2
                },
                CountyRow {
                    county: "02".into(),
                    city: 0,
                    village: 4
                }
            ]
        );
        assert_eq!(p.women, 4);
        assert!((p.share(p.women) - 25.0).abs() < 1e-9);
        assert_eq!(p.under_40, 3);
        assert_eq!(p.by_education, [(Education::Bachelor, 16)]);
        assert_eq!(
            p.by_state
                .iter()
                .find(|(s, _)| *s == VettingState::Approved)
                .unwrap()
                .1,
            12
        );
        // v1: 1 standing for 3 seats (short); v2: 4 for 3 (one spare); c1: 8 for 5 (three).
        let short: Vec<(&str, Shortage, i64)> = p
            .short
            .iter()
            .map(|s| (s.council.as_str(), s.shortage, s.standing))
            .collect();
        assert_eq!(
            short,
            [
                ("v1", Shortage::FewerThanSeats, 1),
                ("v2", Shortage::FewerThanTwiceSeats, 4),
                ("c1", Shortage::FewerThanTwiceSeats, 8)
            ]
        );
        assert_eq!(p.short[2].approved, 8);
        let empty = summarize(&[], &councils);
        assert!(empty.share(0).abs() < 1e-9);
        assert_eq!(empty.short.len(), 3);
    }
}
