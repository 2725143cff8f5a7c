//! Polling stations: adding, editing and closing one, and a county's or the province's
//! stations in and out as CSV. The province HQ manages every county's, a governor their own.

use crate::lookups::list_county;
use crate::{authorize, Context, Error, Result};
use domain::access::{Action, Principal};
use domain::ids::PostalCode;
use domain::station::{Area, Facilities, GeoPoint, RouteStop, Station};
use domain::text::{ascii_digits, normalize_name};
use store::{PageRequest, StationFilter, StationStore, Store};

#[derive(Clone, Copy)]
pub struct Stations<'a> {
    pub(crate) stations: &'a dyn StationStore,
    /// A station file's references are checked against the councils before it is written
    /// (`store::import::stations_csv` reads both areas from one store).
    pub(crate) store: &'a dyn Store,
    pub(crate) ctx: Context<'a>,
}

/// A new station as asked for; `code` may be left out to take the county's next number.
#[derive(Debug, Clone)]
pub struct NewStation {
    pub code: Option<String>,
    pub name: String,
    pub county: String,
    pub council: String,
    pub area: Area,
    pub mobile: bool,
    pub hard_to_reach: bool,
    pub expected_voters: i64,
    pub address: String,
    pub postal_code: Option<String>,
    pub location: Option<GeoPoint>,
    pub facilities: Facilities,
    pub route: Vec<RouteStop>,
}

/// A postal code as typed: empty is none.
pub fn postal_code(code: Option<&str>) -> Result<Option<PostalCode>> {
    Ok(code
        .filter(|c| !c.trim().is_empty())
        .map(PostalCode::parse)
        .transpose()?)
}

impl Stations<'_> {
    /// The next free code of a county: its largest code plus one.
    async fn next_code(self, county: &str) -> Result<String> {
        let filter = StationFilter {
            county: Some(county.to_owned()),
            sort: store::Sort::descending(store::StationSortKey::Code),
            ..Default::default()
        };
        let last = self
            .stations
            .stations(&filter, PageRequest::new(1, 1))
            .await?
            .items
            .pop();
        let serial = last
            .and_then(|s| s.code.get(2..).and_then(|n| n.parse::<u32>().ok()))
            .unwrap_or(0)
            + 1;
        Ok(format!("{county}{serial:05}"))
    }

    /// Adds a station to the current election (`station.create`).
    pub async fn create(self, principal: Option<&Principal>, new: NewStation) -> Result<Station> {
        let county = ascii_digits(new.county.trim());
        let p = authorize(principal, Action::ManageStations { county: &county })?;
        let election = self.ctx.cached().election_code().await?;
        let code = match new.code {
            Some(c) => ascii_digits(c.trim()),
            None => self.next_code(&county).await?,
        };
        let station = Station {
            code,
            election_code: election.to_owned(),
            county_code: county,
            council_code: ascii_digits(new.council.trim()),
            name: normalize_name(&new.name),
            area: new.area,
            mobile: new.mobile,
            hard_to_reach: new.hard_to_reach,
            expected_voters: new.expected_voters,
            address: normalize_name(&new.address),
            postal_code: postal_code(new.postal_code.as_deref())?,
            location: new.location,
            facilities: new.facilities,
            route: new.route,
            closed: false,
        };
        station.validate()?;
        self.stations
            .create_station(&station, &self.ctx.actor(p))
            .await?;
        Ok(station)
    }

    /// Edits (or closes) a station the principal may see and manage: `edit` changes the
    /// record, which is then validated and written whole (`station.update`). Its code stays.
    pub async fn update(
        self,
        principal: Option<&Principal>,
        code: &str,
        edit: impl FnOnce(&mut Station) -> Result<()>,
    ) -> Result<Station> {
        let mut station = self.ctx.lookups.visible_station(principal, code).await?;
        let p = authorize(
            principal,
            Action::ManageStations {
                county: &station.county_code,
            },
        )?;
        edit(&mut station)?;
        station.code = code.to_owned();
        station.validate()?;
        self.stations
            .update_station(&station, &self.ctx.actor(p))
            .await?;
        Ok(station)
    }

    /// Imports a station file, all or nothing, every bad row by line (`station.import`). A
    /// governor imports their own county's stations only.
    pub async fn import(self, principal: Option<&Principal>, csv: &str) -> Result<u64> {
        let p = may_import(principal)?;
        let only_county = p.scope.county();
        Ok(store::import::stations_csv(self.store, csv, only_county, &self.ctx.actor(p)).await?)
    }

    /// Every station the principal may see (or of the county asked for, which must exist), as
    /// CSV (UTF-8 with a BOM), with the county it covers.
    pub async fn export(
        self,
        principal: Option<&Principal>,
        county: Option<String>,
    ) -> Result<(Option<String>, String)> {
        let county = list_county(principal, county)?;
        if let Some(code) = &county {
            self.ctx.lookups.county(code).await?;
        }
        let stations = self.ctx.lookups.all_stations(county.as_deref()).await?;
        Ok((county, domain::csv_io::stations_to_csv(&stations)))
    }
}

/// Whether the principal may import stations (for a handler to ask before it reads the
/// file): a province-wide manager for any county, everyone else for their own only.
pub fn may_import(principal: Option<&Principal>) -> Result<&Principal> {
    let p = authorize(principal, Action::ViewElection)?;
    authorize(
        principal,
        Action::ManageStations {
            county: p.scope.county().unwrap_or_default(),
        },
    )
}

/// A number typed in a form, Persian or ASCII digits.
pub fn number(field: &'static str, value: &str) -> Result<i64> {
    domain::text::parse_number(value).ok_or_else(|| Error::invalid(field, "عدد وارد کنید"))
}
