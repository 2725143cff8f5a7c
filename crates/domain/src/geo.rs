//! The geography: province › county › district › city / rural district › village.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct County {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub centre: String,
    /// Last-census population, when known.
    pub population: Option<i64>,
    /// True for places the demo made up to fill gaps in the sources.
    pub synthetic: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct District {
    pub code: String,
    pub county_code: String,
    pub name: String,
    pub synthetic: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct City {
    pub code: String,
    pub district_code: String,
    pub name: String,
    pub name_en: String,
    pub population: i64,
    pub synthetic: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuralDistrict {
    pub code: String,
    pub district_code: String,
    pub name: String,
    pub synthetic: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Village {
    pub code: String,
    pub rural_district_code: String,
    pub name: String,
    pub population: i64,
    pub households: i64,
    pub synthetic: bool,
}

/// A province as it is loaded into an empty store: its geography, the election and the
/// election's councils. Stations, people and everything after come through their own
/// operations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvinceSeed {
    pub election: crate::election::Election,
    pub counties: Vec<County>,
    pub districts: Vec<District>,
    pub cities: Vec<City>,
    pub rural_districts: Vec<RuralDistrict>,
    pub villages: Vec<Village>,
    pub councils: Vec<crate::election::Council>,
}

impl ProvinceSeed {
    /// Checks that the seed holds together: every code valid and used once in its kind, every
    /// place under a parent the seed has, the seat table sound, every council of the seed's
    /// election, for a city or village of the council's own county.
    pub fn validate(&self) -> Result<(), crate::DomainError> {
        use std::collections::{HashMap, HashSet};
        let bad = |field: &'static str, reason: String| {
            Err(crate::DomainError::InvalidField { field, reason })
        };
        fn unique<'a>(
            field: &'static str,
            codes: impl Iterator<Item = &'a str>,
        ) -> Result<HashSet<&'a str>, crate::DomainError> {
            let mut seen = HashSet::new();
            for code in codes {
                if !is_valid_code(code) {
                    return Err(crate::DomainError::InvalidCode(code.to_owned()));
                }
                if !seen.insert(code) {
                    return Err(crate::DomainError::InvalidField {
                        field,
                        reason: format!("کد «{code}» بیش از یک بار آمده است"),
                    });
                }
            }
            Ok(seen)
        }
        let counties = unique("counties", self.counties.iter().map(|c| c.code.as_str()))?;
        let district_county: HashMap<&str, &str> = self
            .districts
            .iter()
            .map(|d| (d.code.as_str(), d.county_code.as_str()))
            .collect();
        unique("districts", self.districts.iter().map(|d| d.code.as_str()))?;
        for d in &self.districts {
            if !counties.contains(d.county_code.as_str()) {
                return bad(
                    "districts",
                    format!("شهرستان «{}» در داده نیست", d.county_code),
                );
            }
        }
        unique("cities", self.cities.iter().map(|c| c.code.as_str()))?;
        unique(
            "rural_districts",
            self.rural_districts.iter().map(|r| r.code.as_str()),
        )?;
        unique("villages", self.villages.iter().map(|v| v.code.as_str()))?;
        // The county of every city and village, through its district.
        let mut place_county: HashMap<&str, &str> = HashMap::new();
        for c in &self.cities {
            let Some(county) = district_county.get(c.district_code.as_str()) else {
                return bad("cities", format!("بخش «{}» در داده نیست", c.district_code));
            };
            place_county.insert(c.code.as_str(), county);
        }
        let rural_county: HashMap<&str, &str> = self
            .rural_districts
            .iter()
            .map(|r| {
                district_county
                    .get(r.district_code.as_str())
                    .map(|county| (r.code.as_str(), *county))
                    .ok_or_else(|| crate::DomainError::InvalidField {
                        field: "rural_districts",
                        reason: format!("بخش «{}» در داده نیست", r.district_code),
                    })
            })
            .collect::<Result<_, _>>()?;
        for v in &self.villages {
            let Some(county) = rural_county.get(v.rural_district_code.as_str()) else {
                return bad(
                    "villages",
                    format!("دهستان «{}» در داده نیست", v.rural_district_code),
                );
            };
            place_county.insert(v.code.as_str(), county);
        }
        self.election.seat_table.validate()?;
        unique("councils", self.councils.iter().map(|c| c.code.as_str()))?;
        for c in &self.councils {
            if c.election_code != self.election.code {
                return bad(
                    "councils",
                    format!("شورای «{}» از انتخابات دیگری است", c.code),
                );
            }
            match place_county.get(c.place_code.as_str()) {
                Some(county) if *county == c.county_code => {}
                Some(_) => {
                    return bad(
                        "councils",
                        format!("شورای «{}» در شهرستان محل خود نیست", c.code),
                    )
                }
                None => return bad("councils", format!("محل شورای «{}» در داده نیست", c.code)),
            }
        }
        Ok(())
    }
}

/// Codes are short strings of ASCII digits; they name things in URLs.
pub fn is_valid_code(code: &str) -> bool {
    (1..=16).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}
