//! Polling stations: their records, routes and facilities.

use crate::{Actor, Page, PageRequest, StationFilter, StoreResult};
use async_trait::async_trait;
use domain::station::Station;

#[async_trait]
pub trait StationStore: Send + Sync + 'static {
    async fn stations(
        &self,
        filter: &StationFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Station>>;
    async fn station(&self, code: &str) -> StoreResult<Option<Station>>;

    /// Adds a station; `Duplicate { Station }` if its code is taken, `Refused(Station)` if
    /// its record is invalid or its election, council or a route stop's council is unknown or
    /// lies in another county.
    async fn create_station(&self, station: &Station, by: &Actor) -> StoreResult<()>;
    /// Replaces a station's record (its code stays); `NotFound` if there is none.
    async fn update_station(&self, station: &Station, by: &Actor) -> StoreResult<()>;
    /// Creates or replaces every station given, all or nothing, with one audit record; a code
    /// given twice is refused. Returns how many were written.
    async fn import_stations(&self, stations: &[Station], by: &Actor) -> StoreResult<u64>;
}

/// What a backend reads to check stations' references: the elections among theirs that
/// exist, and the county of every council among theirs that exists.
#[derive(Debug, Clone, Default)]
pub struct StationReferences {
    pub elections: std::collections::HashSet<String>,
    pub council_counties: std::collections::HashMap<String, String>,
}

impl StationReferences {
    /// The election and council codes the stations refer to, for the backend to look up.
    pub fn wanted(stations: &[Station]) -> (Vec<String>, Vec<String>) {
        let mut elections: Vec<String> = stations.iter().map(|s| s.election_code.clone()).collect();
        elections.sort_unstable();
        elections.dedup();
        let mut councils: Vec<String> = stations
            .iter()
            .flat_map(|s| s.councils().into_iter().map(str::to_owned))
            .collect();
        councils.sort_unstable();
        councils.dedup();
        (elections, councils)
    }
}

/// Checks stations before they are written: each record valid (`Station::validate`), each
/// code once, each election known, each council (its own and every route stop's) known and in
/// the station's county. In a batch of more than one the refusal names the station.
pub fn check_stations(
    stations: &[Station],
    refs: &StationReferences,
) -> Result<(), crate::Refusal> {
    use crate::{Refusal, StationProblem};
    let mut seen = std::collections::HashSet::new();
    for station in stations {
        let refuse = |problem: StationProblem| Refusal::Station {
            station: (stations.len() > 1).then(|| station.code.clone()),
            problem,
        };
        station
            .validate()
            .map_err(|e| refuse(StationProblem::Invalid(e)))?;
        if !seen.insert(station.code.as_str()) {
            return Err(refuse(StationProblem::Repeated));
        }
        if !refs.elections.contains(&station.election_code) {
            return Err(refuse(StationProblem::UnknownElection {
                election: station.election_code.clone(),
            }));
        }
        for council in station.councils() {
            match refs.council_counties.get(council) {
                None => {
                    return Err(refuse(StationProblem::UnknownCouncil {
                        council: council.to_owned(),
                    }))
                }
                Some(county) if *county != station.county_code => {
                    return Err(refuse(StationProblem::CouncilElsewhere {
                        council: council.to_owned(),
                    }))
                }
                Some(_) => {}
            }
        }
    }
    Ok(())
}

fn station_entry(
    action: domain::audit_terms::AuditAction,
    station: &Station,
) -> StoreResult<crate::audit_log::AuditEntry> {
    let record = serde_json::to_value(station)
        .map_err(|e| crate::StoreError::Corrupt(format!("station {}: {e}", station.code)))?;
    Ok(crate::audit_log::AuditEntry::new(
        action,
        format!("station/{}", station.code),
        record,
    ))
}

/// A station created: its record as written.
pub fn station_created(station: &Station) -> StoreResult<crate::audit_log::AuditEntry> {
    station_entry(domain::audit_terms::AuditAction::StationCreate, station)
}

/// A station changed: its record as written.
pub fn station_updated(station: &Station) -> StoreResult<crate::audit_log::AuditEntry> {
    station_entry(domain::audit_terms::AuditAction::StationUpdate, station)
}

/// Stations imported: how many, and a digest of their codes in the file's order.
pub fn stations_imported(stations: &[Station]) -> crate::audit_log::AuditEntry {
    let codes: Vec<&str> = stations.iter().map(|s| s.code.as_str()).collect();
    let election = stations
        .first()
        .map_or("none", |s| s.election_code.as_str());
    crate::audit_log::AuditEntry::new(
        domain::audit_terms::AuditAction::StationImport,
        format!("election/{election}"),
        serde_json::json!({
            "count": stations.len(),
            "codes_digest": audit::digest_hex(codes.join(",").as_bytes()),
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Refusal, StationProblem};

    fn station(code: &str, council: &str) -> Station {
        let data = domain::demo::kerman(domain::demo::DemoOptions {
            seed: 1,
            people: 10,
        })
        .unwrap_or_else(|e| panic!("{e:?}"));
        let mut s = data
            .stations
            .into_iter()
            .find(|s| s.route.is_empty())
            .unwrap_or_else(|| panic!("a fixed station"));
        s.code = code.into();
        s.council_code = council.into();
        s
    }

    fn refs(station: &Station) -> StationReferences {
        StationReferences {
            elections: [station.election_code.clone()].into(),
            council_counties: [(station.council_code.clone(), station.county_code.clone())].into(),
        }
    }

    #[test]
    fn references_are_checked_and_a_batch_names_its_station() {
        let s = station("0100001", "C1");
        let known = refs(&s);
        assert_eq!(check_stations(std::slice::from_ref(&s), &known), Ok(()));
        let mut nowhere = s.clone();
        nowhere.council_code = "C2".into();
        assert_eq!(
            check_stations(std::slice::from_ref(&nowhere), &known),
            Err(Refusal::Station {
                station: None,
                problem: StationProblem::UnknownCouncil {
                    council: "C2".into()
                }
            })
        );
        let mut elsewhere = known.clone();
        elsewhere
            .council_counties
            .insert("C1".into(), "other".into());
        assert!(matches!(
            check_stations(std::slice::from_ref(&s), &elsewhere),
            Err(Refusal::Station {
                problem: StationProblem::CouncilElsewhere { .. },
                ..
            })
        ));
        let twice = [s.clone(), s.clone()];
        assert_eq!(
            check_stations(&twice, &known),
            Err(Refusal::Station {
                station: Some("0100001".into()),
                problem: StationProblem::Repeated
            })
        );
        let mut foreign = s.clone();
        foreign.election_code = "other".into();
        assert!(matches!(
            check_stations(&[foreign], &known),
            Err(Refusal::Station {
                problem: StationProblem::UnknownElection { .. },
                ..
            })
        ));
    }
}
