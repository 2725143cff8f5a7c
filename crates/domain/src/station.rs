//! Polling stations (شعبه اخذ رأی): where they are, what they have, and for a mobile station
//! its route of villages and the schedule it keeps.

use crate::ids::PostalCode;
use crate::DomainError;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

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

/// How a station reaches the network on election day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum LinkType {
    Fibre,
    Landline,
    Sim,
    #[default]
    None,
}

impl LinkType {
    pub const ALL: [LinkType; 4] = [Self::Fibre, Self::Landline, Self::Sim, Self::None];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Fibre => "fibre",
            Self::Landline => "landline",
            Self::Sim => "sim",
            Self::None => "none",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == s)
    }
    pub fn persian(self) -> &'static str {
        match self {
            Self::Fibre => "فیبر نوری",
            Self::Landline => "خط ثابت",
            Self::Sim => "سیم‌کارت",
            Self::None => "بدون اتصال",
        }
    }
}

/// What a station has for an electronic election.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Facilities {
    pub evoting_devices: u32,
    pub identity_devices: u32,
    pub power_backup: bool,
    pub cctv: bool,
    pub link: LinkType,
}

/// A point on the map (WGS 84).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GeoPoint {
    pub lat: f64,
    pub lon: f64,
}

impl Eq for GeoPoint {}

/// One stop of a mobile station's route: the village council it serves and when it is there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RouteStop {
    pub council: String,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub arrives_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub leaves_at: OffsetDateTime,
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
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub postal_code: Option<PostalCode>,
    #[serde(default)]
    pub location: Option<GeoPoint>,
    #[serde(default)]
    pub facilities: Facilities,
    /// A mobile station's route, in order; empty for a fixed station.
    #[serde(default)]
    pub route: Vec<RouteStop>,
    /// A closed station takes no part in the election (kept for the record).
    #[serde(default)]
    pub closed: bool,
}

/// Station codes: the county's two digits and a five-digit serial.
pub fn is_valid_station_code(code: &str) -> bool {
    code.len() == 7 && code.bytes().all(|b| b.is_ascii_digit())
}

impl Station {
    /// The councils whose voters this station serves: its own, and every stop of its route.
    pub fn councils(&self) -> Vec<&str> {
        let mut out = vec![self.council_code.as_str()];
        for stop in &self.route {
            if !out.contains(&stop.council.as_str()) {
                out.push(&stop.council);
            }
        }
        out
    }

    /// Checks the station's own consistency (not its references, which the store checks).
    pub fn validate(&self) -> Result<(), DomainError> {
        let bad = |field: &'static str, reason: &str| {
            Err(DomainError::InvalidField {
                field,
                reason: reason.to_owned(),
            })
        };
        if !is_valid_station_code(&self.code) {
            return bad(
                "code",
                "کد شعبه باید ۷ رقم باشد (۲ رقم شهرستان و ۵ رقم شماره)",
            );
        }
        if !self.code.starts_with(&self.county_code) {
            return bad("code", "دو رقم نخست کد شعبه باید کد شهرستان باشد");
        }
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return bad("name", "نام شعبه باید میان ۱ تا ۲۰۰ نویسه باشد");
        }
        if self.address.chars().count() > 500 {
            return bad("address", "نشانی حداکثر ۵۰۰ نویسه است");
        }
        if !(0..=1_000_000).contains(&self.expected_voters) {
            return bad(
                "expected_voters",
                "تعداد رأی‌دهندگان پیش‌بینی‌شده باید میان ۰ و ۱٬۰۰۰٬۰۰۰ باشد",
            );
        }
        if let Some(p) = self.location {
            if !(-90.0..=90.0).contains(&p.lat)
                || !(-180.0..=180.0).contains(&p.lon)
                || p.lat.is_nan()
                || p.lon.is_nan()
            {
                return bad("location", "مختصات جغرافیایی نامعتبر است");
            }
        }
        if self.facilities.evoting_devices > 50 || self.facilities.identity_devices > 50 {
            return bad("facilities", "تعداد دستگاه‌ها باید میان ۰ و ۵۰ باشد");
        }
        if self.mobile && self.route.is_empty() {
            return bad("route", "شعبه سیار باید مسیر داشته باشد");
        }
        if !self.mobile && !self.route.is_empty() {
            return bad("route", "شعبه ثابت مسیر ندارد");
        }
        let mut previous_leave: Option<OffsetDateTime> = None;
        for stop in &self.route {
            if stop.leaves_at <= stop.arrives_at {
                return bad("route", "زمان ترک هر توقف باید پس از زمان رسیدن باشد");
            }
            if previous_leave.is_some_and(|t| stop.arrives_at < t) {
                return bad(
                    "route",
                    "توقف‌های مسیر باید به ترتیب زمان و بدون هم‌پوشانی باشند",
                );
            }
            previous_leave = Some(stop.leaves_at);
        }
        Ok(())
    }
}
