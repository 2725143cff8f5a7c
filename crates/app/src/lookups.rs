//! What a principal may see, decided once for the API and the views: the county a list is
//! confined to, the station a page shows, a board's code, the registrations' scope. Each is
//! the one policy applied to what was asked.

use crate::cache::Cached;
use crate::{authorize, Error, Result};
use domain::access::{Action, Principal, Scope};
use domain::boards::{parse_board_code, BoardKind};
use domain::station::Station;
use store::{
    CouncilFilter, CountyFilter, GeographyStore, Page, PageRequest, StationFilter, StationStore,
};

/// The county a list is confined to: the one asked for (if the principal may see it), else
/// the principal's own, or none for a province-wide principal.
pub fn list_county(principal: Option<&Principal>, asked: Option<String>) -> Result<Option<String>> {
    let p = authorize(principal, Action::ViewElection)?;
    let county = asked.or_else(|| p.scope.county().map(str::to_owned));
    match &county {
        Some(c) => authorize(principal, Action::ViewCounty(c))?,
        None if p.scope == Scope::Province => authorize(principal, Action::ViewProvince)?,
        None => return Err(Error::Forbidden),
    };
    Ok(county)
}

/// The county a registrations list or figure is confined to: the one asked for (if the
/// principal may see it), else a county-scoped principal's own; `None` is the whole
/// province. The one rule for the API's list, the worklist and the participation figures.
pub fn registrations_scope(
    principal: Option<&Principal>,
    asked: Option<&str>,
) -> Result<Option<String>> {
    let p = principal.ok_or(Error::Unauthenticated)?;
    let county = asked
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .or_else(|| p.scope.county().map(str::to_owned));
    match &county {
        Some(c) => authorize(principal, Action::ViewRegistrations { county: c })?,
        None => authorize(principal, Action::ViewAllRegistrations)?,
    };
    Ok(county)
}

/// Whether the principal sees registrations anywhere (their own county's, or the province's):
/// who may learn that a file exists, and who is shown the way to the worklist.
pub fn sees_registrations(principal: Option<&Principal>) -> bool {
    registrations_scope(principal, None).is_ok()
}

/// Reads a board code and checks that the principal may see the board: its county's, or the
/// province's for the province board.
pub fn board_access(
    principal: Option<&Principal>,
    code: &str,
) -> Result<(BoardKind, Option<String>)> {
    authorize(principal, Action::ViewElection)?;
    let (kind, county) = parse_board_code(code).ok_or(Error::NotFound(store::Entity::Board))?;
    match &county {
        Some(c) => authorize(principal, Action::ViewCounty(c))?,
        None => authorize(principal, Action::ViewProvince)?,
    };
    // The county security council is read by those who read the county's security (issue 16).
    if kind == BoardKind::CountySecurity {
        authorize(
            principal,
            Action::ViewSecurity {
                county: county.as_deref(),
            },
        )?;
    }
    Ok((kind, county))
}

/// A record the principal may see: the policy lets them view the election, the record is
/// read (`NotFound` of `entity` when there is none), and `may_see` lets them see it. `read` is
/// a future, so the store is not asked before the first check passes.
pub(crate) async fn visible<T>(
    principal: Option<&Principal>,
    entity: store::Entity,
    read: impl std::future::Future<Output = store::StoreResult<Option<T>>>,
    may_see: impl FnOnce(&T) -> Result<()>,
) -> Result<T> {
    authorize(principal, Action::ViewElection)?;
    let record = read.await?.ok_or(Error::NotFound(entity))?;
    may_see(&record)?;
    Ok(record)
}

/// The lookups that read the store.
#[derive(Clone, Copy)]
pub struct Lookups<'a> {
    pub(crate) cached: Cached<'a>,
    pub(crate) geography: &'a dyn GeographyStore,
    pub(crate) stations: &'a dyn StationStore,
}

impl Lookups<'_> {
    /// A station the principal may see; `NotFound` or `Forbidden` otherwise.
    pub async fn visible_station(
        self,
        principal: Option<&Principal>,
        code: &str,
    ) -> Result<Station> {
        visible(
            principal,
            store::Entity::Station,
            self.stations.station(code),
            |station| {
                authorize(
                    principal,
                    Action::ViewStation {
                        county: &station.county_code,
                        station: &station.code,
                    },
                )
                .map(drop)
            },
        )
        .await
    }

    /// A council the principal may see (its county's data).
    pub async fn visible_council(
        self,
        principal: Option<&Principal>,
        code: &str,
    ) -> Result<domain::election::Council> {
        visible(
            principal,
            store::Entity::Council,
            self.geography.council(code),
            |council| authorize(principal, Action::ViewCounty(&council.county_code)).map(drop),
        )
        .await
    }

    /// All stations of a county (or the province), in code order, page by page. A plain read:
    /// the caller has authorized it.
    pub async fn all_stations(self, county: Option<&str>) -> Result<Vec<Station>> {
        let mut out = Vec::new();
        for page in 1.. {
            let filter = StationFilter {
                county: county.map(str::to_owned),
                ..Default::default()
            };
            let batch = self
                .stations
                .stations(&filter, PageRequest::new(page, PageRequest::MAX_PER_PAGE))
                .await?;
            let done = batch.items.len() < PageRequest::MAX_PER_PAGE as usize;
            out.extend(batch.items);
            if done {
                break;
            }
        }
        Ok(out)
    }

    /// One county's summary (a plain read).
    pub async fn county(self, code: &str) -> Result<store::CountySummary> {
        self.geography
            .counties(&store::CountyFilter {
                county: Some(code.to_owned()),
            })
            .await?
            .pop()
            .ok_or(Error::NotFound(store::Entity::County))
    }

    /// One county's summary, if the principal may see the county.
    pub async fn visible_county(
        self,
        principal: Option<&Principal>,
        code: &str,
    ) -> Result<store::CountySummary> {
        authorize(principal, Action::ViewCounty(code))?;
        self.county(code).await
    }

    /// Every county's summary, in code order (a plain read, for the views' county choices).
    pub async fn all_counties(self) -> Result<Vec<store::CountySummary>> {
        Ok(self.geography.counties(&CountyFilter::default()).await?)
    }

    /// The counties the principal sees: every county province-wide, else their own.
    pub async fn counties(
        self,
        principal: Option<&Principal>,
    ) -> Result<Vec<store::CountySummary>> {
        let p = authorize(principal, Action::ViewElection)?;
        let filter = match &p.scope {
            Scope::Province => {
                authorize(principal, Action::ViewProvince)?;
                CountyFilter::default()
            }
            Scope::County { county } | Scope::Station { county, .. } => {
                authorize(principal, Action::ViewCounty(county))?;
                CountyFilter {
                    county: Some(county.clone()),
                }
            }
        };
        Ok(self.geography.counties(&filter).await?)
    }

    /// A page of councils, the filter's county confined by [`list_county`].
    pub async fn councils(
        self,
        principal: Option<&Principal>,
        mut filter: CouncilFilter,
        page: PageRequest,
    ) -> Result<Page<domain::election::Council>> {
        filter.county = list_county(principal, filter.county.take())?;
        Ok(self.geography.councils(&filter, page).await?)
    }

    /// A council by code, for the public pages (the ballot, the turnout): council names and
    /// seats are public.
    pub async fn council(self, code: &str) -> Result<domain::election::Council> {
        self.geography
            .council(code)
            .await?
            .ok_or(Error::NotFound(store::Entity::Council))
    }

    /// A page of stations the principal may see: a station's staff only their own station
    /// (asking for another county is refused), anyone else the filter's county confined by
    /// [`list_county`].
    pub async fn stations(
        self,
        principal: Option<&Principal>,
        mut filter: StationFilter,
        page: PageRequest,
    ) -> Result<Page<Station>> {
        if let Some(Scope::Station { county, station }) = principal.map(|p| &p.scope) {
            if filter.county.as_ref().is_some_and(|c| c != county) {
                return Err(Error::Forbidden);
            }
            authorize(principal, Action::ViewStation { county, station })?;
            filter.county = None;
            filter.station = Some(station.clone());
        } else {
            filter.station = None;
            filter.county = list_county(principal, filter.county.take())?;
        }
        Ok(self.stations.stations(&filter, page).await?)
    }

    /// The current election (public: its name heads every public document, such as a
    /// station's posted minutes); `None` before one is set up.
    pub async fn public_election(self) -> Result<Option<domain::election::Election>> {
        Ok(self.geography.election(None).await?)
    }

    /// The current election, if the principal may see it; `None` before one is set up.
    pub async fn election(
        self,
        principal: Option<&Principal>,
    ) -> Result<Option<domain::election::Election>> {
        authorize(principal, Action::ViewElection)?;
        Ok(self.geography.election(None).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::access::Role;

    fn user(role: Role, scope: Scope) -> Principal {
        Principal {
            username: "u".into(),
            role,
            scope,
        }
    }

    fn county(role: Role, county: &str) -> Principal {
        user(
            role,
            Scope::County {
                county: county.into(),
            },
        )
    }

    #[test]
    fn a_list_keeps_to_the_principals_county() {
        let governor = county(Role::CountyGovernor, "11");
        assert_eq!(
            list_county(Some(&governor), None).unwrap(),
            Some("11".into())
        );
        assert!(matches!(
            list_county(Some(&governor), Some("05".into())),
            Err(Error::Forbidden)
        ));
        let hq = user(Role::ProvinceHq, Scope::Province);
        assert_eq!(list_county(Some(&hq), None).unwrap(), None);
        assert_eq!(
            list_county(Some(&hq), Some("05".into())).unwrap(),
            Some("05".into())
        );
        let staff = user(
            Role::StationStaff,
            Scope::Station {
                county: "11".into(),
                station: "1100001".into(),
            },
        );
        assert!(matches!(
            list_county(Some(&staff), None),
            Err(Error::Forbidden)
        ));
        assert!(matches!(
            list_county(None, None),
            Err(Error::Unauthenticated)
        ));
    }

    #[test]
    fn registrations_are_seen_in_scope_and_the_province_by_its_own() {
        let hq = user(Role::ProvinceHq, Scope::Province);
        assert_eq!(registrations_scope(Some(&hq), None).unwrap(), None);
        assert_eq!(
            registrations_scope(Some(&hq), Some(" 05 ")).unwrap(),
            Some("05".into())
        );
        let executive = county(Role::ExecutiveBoard, "11");
        assert_eq!(
            registrations_scope(Some(&executive), None).unwrap(),
            Some("11".into())
        );
        assert!(matches!(
            registrations_scope(Some(&executive), Some("05")),
            Err(Error::Forbidden)
        ));
        for who in [
            user(Role::Observer, Scope::Province),
            county(Role::InspectionBoard, "11"),
        ] {
            assert!(!sees_registrations(Some(&who)), "{:?}", who.role);
        }
        assert!(sees_registrations(Some(&executive)));
        assert!(matches!(
            registrations_scope(None, None),
            Err(Error::Unauthenticated)
        ));
    }

    #[test]
    fn a_board_is_seen_in_its_county() {
        let governor = county(Role::CountyGovernor, "11");
        assert!(board_access(Some(&governor), "inspection-11").is_ok());
        assert!(matches!(
            board_access(Some(&governor), "inspection-05"),
            Err(Error::Forbidden)
        ));
        assert!(matches!(
            board_access(Some(&governor), "inspection-province"),
            Err(Error::Forbidden)
        ));
        assert!(matches!(
            board_access(Some(&governor), "nothing"),
            Err(Error::NotFound(store::Entity::Board))
        ));
    }
}
