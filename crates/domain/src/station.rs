//! Polling stations (شعبه اخذ رأی). Their management comes with the stations issue; the
//! foundation holds what the demo and the dashboards need.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Area {
    Urban,
    Rural,
}

impl Area {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Urban => "urban",
            Self::Rural => "rural",
        }
    }
    pub fn persian(self) -> &'static str {
        match self {
            Self::Urban => "شهری",
            Self::Rural => "روستایی",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "urban" => Some(Self::Urban),
            "rural" => Some(Self::Rural),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Station {
    pub code: String,
    pub election_code: String,
    #[serde(rename = "county")]
    pub county_code: String,
    /// The council (constituency) whose voters the station mainly serves.
    #[serde(rename = "council")]
    pub council_code: String,
    pub name: String,
    pub area: Area,
    pub mobile: bool,
    pub hard_to_reach: bool,
    pub expected_voters: i64,
}
