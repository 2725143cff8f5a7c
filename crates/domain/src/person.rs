//! People: the registry of everyone who can hold a post, stand, or vote.

use crate::ids::{MobileNumber, NationalId};
use crate::DomainError;
use serde::{Deserialize, Serialize};
use time::Date;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Gender {
    Female,
    Male,
}

impl Gender {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Female => "female",
            Self::Male => "male",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "female" => Some(Self::Female),
            "male" => Some(Self::Male),
            _ => None,
        }
    }
}

/// Education levels, in order (the candidacy rules compare them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Education {
    Literate,
    Diploma,
    Associate,
    Bachelor,
    Master,
    Doctorate,
}

impl Education {
    pub const ALL: [Education; 6] = [
        Self::Literate,
        Self::Diploma,
        Self::Associate,
        Self::Bachelor,
        Self::Master,
        Self::Doctorate,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Literate => "literate",
            Self::Diploma => "diploma",
            Self::Associate => "associate",
            Self::Bachelor => "bachelor",
            Self::Master => "master",
            Self::Doctorate => "doctorate",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == s)
    }
    pub fn persian(self) -> &'static str {
        match self {
            Self::Literate => "سواد خواندن و نوشتن",
            Self::Diploma => "دیپلم",
            Self::Associate => "کاردانی",
            Self::Bachelor => "کارشناسی",
            Self::Master => "کارشناسی ارشد",
            Self::Doctorate => "دکتری",
        }
    }
}

/// Close relatives as the law counts them for conflicts of interest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Relation {
    Parent,
    Child,
    Sibling,
    Spouse,
}

impl Relation {
    pub const ALL: [Relation; 4] = [Self::Parent, Self::Child, Self::Sibling, Self::Spouse];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Parent => "parent",
            Self::Child => "child",
            Self::Sibling => "sibling",
            Self::Spouse => "spouse",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
    pub fn persian(self) -> &'static str {
        match self {
            Self::Parent => "پدر/مادر",
            Self::Child => "فرزند",
            Self::Sibling => "خواهر/برادر",
            Self::Spouse => "همسر",
        }
    }
}

/// A declared close relative, by national id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Relative {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub national_id: NationalId,
    pub relation: Relation,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Person {
    pub national_id: NationalId,
    pub first_name: String,
    pub last_name: String,
    pub father_name: String,
    pub gender: Gender,
    #[serde(with = "crate::json_time::date")]
    pub birth_date: Date,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub mobile: Option<MobileNumber>,
    #[serde(default)]
    pub education: Option<Education>,
    /// Sits on a council now (and so may not serve at a station).
    #[serde(default)]
    pub sitting_council_member: bool,
    #[serde(default)]
    pub relatives: Vec<Relative>,
}

/// Age in full years on `on`, counted as Iranian law counts it: in years of the official
/// (Solar Hijri) calendar. Someone born 1379/10/23 turns 25 on 1404/10/23, not on the
/// Gregorian anniversary (2001-01-12 and 2026-01-12 are 1379/10/23 and 1404/10/22). A birthday
/// on 30 Esfand comes round, in a year without that day, on 1 Farvardin. Dates outside the
/// calendar's range (none a person has) are counted in Gregorian years.
pub fn age_on(birth: Date, on: Date) -> i32 {
    use crate::calendar::JalaliDate;
    match (
        JalaliDate::from_gregorian(birth),
        JalaliDate::from_gregorian(on),
    ) {
        (Ok(birth), Ok(on)) => full_years(
            (birth.year, birth.month, birth.day),
            (on.year, on.month, on.day),
        ),
        _ => full_years(
            (birth.year(), birth.month() as u8, birth.day()),
            (on.year(), on.month() as u8, on.day()),
        ),
    }
}

/// Whether someone born on `birth` is at least `years` full years old on `on`: the same as
/// `age_on(birth, on) >= years`, but by comparing `birth` with the last birth date that gives
/// that age, worked out once for each `(on, years)` and kept per thread. A check-in asks this
/// of every voter against the one election day, so the calendar is converted once, not twice
/// a voter.
pub fn has_age(birth: Date, on: Date, years: i32) -> bool {
    use std::cell::Cell;
    thread_local! {
        static LAST: Cell<Option<(Date, i32, Option<Date>)>> = const { Cell::new(None) };
    }
    let cutoff = LAST.with(|last| match last.get() {
        Some((d, y, cutoff)) if d == on && y == years => cutoff,
        _ => {
            let cutoff = latest_birth_for_age(on, years);
            last.set(Some((on, years, cutoff)));
            cutoff
        }
    });
    match cutoff {
        Some(cutoff) => birth <= cutoff,
        None => age_on(birth, on) >= years,
    }
}

/// The last birth date that makes someone `years` full Jalali years old on `on`: the same
/// month and day `years` years earlier, or 29 Esfand where that year has no 30 Esfand. `None`
/// outside the calendar's range.
fn latest_birth_for_age(on: Date, years: i32) -> Option<Date> {
    use crate::calendar::JalaliDate;
    let on = JalaliDate::from_gregorian(on).ok()?;
    let year = on.year.checked_sub(years)?;
    JalaliDate::new(year, on.month, on.day)
        .or_else(|_| JalaliDate::new(year, on.month, on.day - 1))
        .and_then(JalaliDate::to_gregorian)
        .ok()
}

/// Whole years from `birth` to `on`, each a (year, month, day) of one calendar.
fn full_years(birth: (i32, u8, u8), on: (i32, u8, u8)) -> i32 {
    let mut age = on.0 - birth.0;
    if (on.1, on.2) < (birth.1, birth.2) {
        age -= 1;
    }
    age
}

impl Person {
    /// Normalises names and checks the record's own consistency.
    pub fn normalized(mut self) -> Result<Self, DomainError> {
        use crate::text::normalize_name;
        self.first_name = normalize_name(&self.first_name);
        self.last_name = normalize_name(&self.last_name);
        self.father_name = normalize_name(&self.father_name);
        for (field, value) in [
            ("first_name", &self.first_name),
            ("last_name", &self.last_name),
        ] {
            if value.is_empty() || value.chars().count() > 100 {
                return Err(DomainError::InvalidField {
                    field,
                    reason: "نام باید میان ۱ تا ۱۰۰ نویسه باشد".into(),
                });
            }
        }
        if self.father_name.chars().count() > 100 {
            return Err(DomainError::InvalidField {
                field: "father_name",
                reason: "نام پدر حداکثر ۱۰۰ نویسه است".into(),
            });
        }
        if self.birth_date.year() < 1900 {
            return Err(DomainError::InvalidField {
                field: "birth_date",
                reason: "تاریخ تولد نامعتبر است".into(),
            });
        }
        if self
            .relatives
            .iter()
            .any(|r| r.national_id == self.national_id)
        {
            return Err(DomainError::InvalidField {
                field: "relatives",
                reason: "شخص نمی‌تواند خویشاوند خودش باشد".into(),
            });
        }
        let mut seen = std::collections::HashSet::new();
        if !self.relatives.iter().all(|r| seen.insert(&r.national_id)) {
            return Err(DomainError::InvalidField {
                field: "relatives",
                reason: "یک خویشاوند دو بار آمده است".into(),
            });
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::JalaliDate;
    use time::macros::date;

    fn jalali(year: i32, month: u8, day: u8) -> Date {
        JalaliDate::new(year, month, day)
            .and_then(JalaliDate::to_gregorian)
            .unwrap()
    }

    #[test]
    fn ages_are_full_solar_hijri_years() {
        // A candidate: the Gregorian anniversary comes a day before the Jalali one.
        assert_eq!(jalali(1379, 10, 23), date!(2001 - 01 - 12));
        assert_eq!(jalali(1404, 10, 22), date!(2026 - 01 - 12));
        assert_eq!(age_on(jalali(1379, 10, 23), jalali(1404, 10, 22)), 24);
        assert_eq!(age_on(jalali(1379, 10, 23), jalali(1404, 10, 23)), 25);
        // A voter on election day 1405/02/11 (2026-05-01).
        assert_eq!(jalali(1387, 2, 12), date!(2008 - 05 - 01));
        assert_eq!(age_on(jalali(1387, 2, 12), jalali(1405, 2, 11)), 17);
        assert_eq!(age_on(jalali(1387, 2, 11), jalali(1405, 2, 11)), 18);
        assert_eq!(age_on(jalali(1387, 2, 12), jalali(1405, 2, 12)), 18);
    }

    #[test]
    fn has_age_agrees_with_age_on_at_the_edges() {
        let day = jalali(1405, 2, 11);
        assert!(has_age(jalali(1387, 2, 11), day, 18));
        assert!(!has_age(jalali(1387, 2, 12), day, 18));
        // On 30 Esfand of a leap year, someone born 29 Esfand of a year without a 30th is of age.
        let leap_day = jalali(1403, 12, 30);
        assert!(has_age(jalali(1385, 12, 29), leap_day, 18));
        assert!(!has_age(jalali(1386, 1, 1), leap_day, 18));
        assert_eq!(
            has_age(jalali(1385, 12, 29), leap_day, 18),
            age_on(jalali(1385, 12, 29), leap_day) >= 18
        );
    }

    proptest::proptest! {
        #[test]
        fn has_age_is_age_on_compared(birth in 0i32..40_000, on in 0i32..40_000, years in 0i32..90) {
            let epoch = time::macros::date!(1930 - 01 - 01);
            let birth = epoch + time::Duration::days(i64::from(birth));
            let on = epoch + time::Duration::days(i64::from(on));
            proptest::prop_assert_eq!(has_age(birth, on, years), age_on(birth, on) >= years);
        }
    }

    #[test]
    fn a_birthday_on_the_leap_day_comes_round_on_nowruz() {
        // 1403 is a leap year: 30 Esfand exists; 1404 has no such day.
        let born = jalali(1403, 12, 30);
        assert_eq!(age_on(born, jalali(1404, 12, 29)), 0);
        assert_eq!(age_on(born, jalali(1405, 1, 1)), 1);
        assert_eq!(age_on(born, born), 0);
    }
}
