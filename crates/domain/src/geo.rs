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

/// Codes are short strings of ASCII digits; they name things in URLs.
pub fn is_valid_code(code: &str) -> bool {
    (1..=16).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}
