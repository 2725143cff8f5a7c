//! Elections, their timeline, councils and the seat table (DESIGN §8, Seats).

use crate::DomainError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::{Date, OffsetDateTime};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CouncilKind {
    City,
    Village,
}

impl CouncilKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::City => "city",
            Self::Village => "village",
        }
    }
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        match s {
            "city" => Ok(Self::City),
            "village" => Ok(Self::Village),
            other => Err(DomainError::InvalidField {
                field: "kind",
                reason: format!("«{other}» باید city یا village باشد"),
            }),
        }
    }
    pub fn persian(self) -> &'static str {
        match self {
            Self::City => "شورای اسلامی شهر",
            Self::Village => "شورای اسلامی روستا",
        }
    }
}

/// A council as a title is written: its name when the name already says it is a council
/// («شورای اسلامی شهر کرمان»), else the kind before it, so the kind is never said twice.
pub fn council_title(kind: CouncilKind, name: &str) -> String {
    let name = name.trim();
    if name.starts_with("شورا") {
        name.to_owned()
    } else {
        format!("{} {name}", kind.persian())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Seats {
    pub main: u32,
    pub alternate: u32,
}

/// One row of the seat table: places up to `max_population` (inclusive; `None` = no limit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeatBand {
    pub max_population: Option<i64>,
    pub main: u32,
    pub alternate: u32,
}

/// The seat table is data of the election: editable, with the law's table as the default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeatTable {
    pub city: Vec<SeatBand>,
    pub village: Vec<SeatBand>,
    /// Places the law treats specially (Tehran: 21 + 11), by place code.
    #[serde(default)]
    pub overrides: BTreeMap<String, Seats>,
}

impl SeatTable {
    /// The law of councils as amended 1403/12/19 (DESIGN §8).
    pub fn law_default() -> Self {
        let band = |max: Option<i64>, main, alternate| SeatBand {
            max_population: max,
            main,
            alternate,
        };
        Self {
            city: vec![
                band(Some(50_000), 5, 3),
                band(Some(200_000), 7, 5),
                band(Some(500_000), 9, 6),
                band(Some(1_000_000), 11, 7),
                band(Some(2_000_000), 13, 8),
                band(None, 15, 10),
            ],
            village: vec![band(Some(1_500), 3, 2), band(None, 5, 3)],
            overrides: BTreeMap::new(),
        }
    }

    /// Bands must rise strictly, end with an unbounded band, and give at least one seat.
    pub fn validate(&self) -> Result<(), DomainError> {
        for (kind, bands) in [("city", &self.city), ("village", &self.village)] {
            let Some(last) = bands.last() else {
                return Err(DomainError::InvalidSeatTable(format!(
                    "جدول {kind} خالی است"
                )));
            };
            if last.max_population.is_some() {
                return Err(DomainError::InvalidSeatTable(format!(
                    "آخرین ردیف جدول {kind} باید بی‌سقف باشد"
                )));
            }
            let mut previous: Option<i64> = None;
            for band in bands {
                if band.main == 0 {
                    return Err(DomainError::InvalidSeatTable(
                        "تعداد اعضای اصلی باید دست‌کم یک باشد".into(),
                    ));
                }
                if let (Some(prev), Some(max)) = (previous, band.max_population) {
                    if max <= prev {
                        return Err(DomainError::InvalidSeatTable(format!(
                            "سقف‌های جدول {kind} باید صعودی باشند"
                        )));
                    }
                }
                if band.max_population.is_none() && !std::ptr::eq(band, last) {
                    return Err(DomainError::InvalidSeatTable(format!(
                        "فقط آخرین ردیف جدول {kind} بی‌سقف است"
                    )));
                }
                previous = band.max_population;
            }
        }
        Ok(())
    }

    /// The seats of a council of `kind` for a place of `population` (band edges inclusive).
    pub fn seats(&self, kind: CouncilKind, place_code: &str, population: i64) -> Seats {
        if let Some(seats) = self.overrides.get(place_code) {
            return *seats;
        }
        let bands = match kind {
            CouncilKind::City => &self.city,
            CouncilKind::Village => &self.village,
        };
        bands
            .iter()
            .find(|b| b.max_population.is_none_or(|max| population <= max))
            .or(bands.last())
            .map_or(
                Seats {
                    main: 0,
                    alternate: 0,
                },
                |b| Seats {
                    main: b.main,
                    alternate: b.alternate,
                },
            )
    }
}

/// A dated milestone of an election's timeline (registration windows, vetting, election day).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Milestone {
    pub key: String,
    pub name: String,
    #[serde(with = "crate::json_time::instant")]
    pub starts_at: OffsetDateTime,
    #[serde(with = "crate::json_time::instant")]
    pub ends_at: OffsetDateTime,
    /// Who must see it done (the governors for the fibre deadline); `None` for a period that
    /// only passes.
    #[serde(default)]
    pub owner: Option<crate::access::Role>,
    /// When the province HQ marked it done.
    #[serde(default, with = "crate::json_time::instant::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub done_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Election {
    pub code: String,
    pub name: String,
    pub kind: String,
    #[serde(with = "crate::json_time::date")]
    pub election_day: Date,
    pub seat_table: SeatTable,
    pub milestones: Vec<Milestone>,
}

impl Election {
    /// The milestone in force at `now`, if any.
    pub fn current_milestone(&self, now: OffsetDateTime) -> Option<&Milestone> {
        self.milestones
            .iter()
            .find(|m| m.starts_at <= now && now < m.ends_at)
    }
    /// The next milestone that has not started at `now`.
    pub fn next_milestone(&self, now: OffsetDateTime) -> Option<&Milestone> {
        self.milestones
            .iter()
            .filter(|m| m.starts_at > now)
            .min_by_key(|m| m.starts_at)
    }
}

/// A council, which is also its constituency: one per city and one per village.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Council {
    pub code: String,
    pub election_code: String,
    pub kind: CouncilKind,
    pub name: String,
    #[serde(rename = "county")]
    pub county_code: String,
    pub place_code: String,
    pub population: i64,
    pub main_seats: u32,
    pub alternate_seats: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_councils_title_says_its_kind_once() {
        assert_eq!(
            council_title(CouncilKind::City, "شورای اسلامی شهر کرمان"),
            "شورای اسلامی شهر کرمان"
        );
        assert_eq!(
            council_title(CouncilKind::Village, "ده‌بالا"),
            "شورای اسلامی روستا ده‌بالا"
        );
    }
    use proptest::prelude::*;

    #[test]
    fn law_bands_with_inclusive_upper_edges() {
        let t = SeatTable::law_default();
        t.validate().unwrap();
        let city = |p| t.seats(CouncilKind::City, "x", p);
        assert_eq!(
            city(50_000),
            Seats {
                main: 5,
                alternate: 3
            }
        );
        assert_eq!(
            city(50_001),
            Seats {
                main: 7,
                alternate: 5
            }
        );
        assert_eq!(
            city(200_000),
            Seats {
                main: 7,
                alternate: 5
            }
        );
        assert_eq!(
            city(537_718),
            Seats {
                main: 11,
                alternate: 7
            }
        );
        assert_eq!(
            city(2_000_001),
            Seats {
                main: 15,
                alternate: 10
            }
        );
        let village = |p| t.seats(CouncilKind::Village, "x", p);
        assert_eq!(
            village(1_500),
            Seats {
                main: 3,
                alternate: 2
            }
        );
        assert_eq!(
            village(1_501),
            Seats {
                main: 5,
                alternate: 3
            }
        );
    }

    #[test]
    fn overrides_win() {
        let mut t = SeatTable::law_default();
        t.overrides.insert(
            "tehran".into(),
            Seats {
                main: 21,
                alternate: 11,
            },
        );
        assert_eq!(t.seats(CouncilKind::City, "tehran", 9_000_000).main, 21);
    }

    #[test]
    fn invalid_tables_are_refused() {
        let mut t = SeatTable::law_default();
        t.city.pop();
        assert!(t.validate().is_err(), "missing unbounded band");
        let mut t = SeatTable::law_default();
        t.city.swap(0, 1);
        assert!(t.validate().is_err(), "descending band");
        let mut t = SeatTable::law_default();
        t.village[0].main = 0;
        assert!(t.validate().is_err(), "zero seats");
        let mut t = SeatTable::law_default();
        t.village.clear();
        assert!(t.validate().is_err(), "empty");
    }

    proptest! {
        #[test]
        fn seats_never_fall_as_population_grows(a in 0i64..5_000_000, b in 0i64..5_000_000) {
            let t = SeatTable::law_default();
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            for kind in [CouncilKind::City, CouncilKind::Village] {
                prop_assert!(t.seats(kind, "p", lo).main <= t.seats(kind, "p", hi).main);
            }
        }
    }
}
