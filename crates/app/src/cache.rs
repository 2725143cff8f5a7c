//! Cached aggregates. Every change to the data is a mutation, and every mutation appends to the
//! audit chain in its own transaction; so the chain's head sequence number is an exact version
//! stamp of the whole database. An aggregate is recomputed only when the head has moved, and
//! reading the head is a one-row query.

use crate::{Error, Result};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use store::{AuditStore, CountyCoverage, GeographyStore, StaffConflict, StaffingStore};

/// Values by county (or `None` for all), each with the audit head it was computed at.
pub struct Versioned<T>(Mutex<HashMap<Option<String>, (i64, T)>>);

impl<T> Default for Versioned<T> {
    fn default() -> Self {
        Self(Mutex::new(HashMap::new()))
    }
}

impl<T: Clone> Versioned<T> {
    fn get(&self, county: Option<&str>, version: i64) -> Option<T> {
        let map = self.0.lock().ok()?;
        map.get(&county.map(str::to_owned))
            .filter(|(v, _)| *v == version)
            .map(|(_, value)| value.clone())
    }

    fn put(&self, county: Option<&str>, version: i64, value: &T) {
        if let Ok(mut map) = self.0.lock() {
            map.insert(county.map(str::to_owned), (version, value.clone()));
        }
    }
}

/// The aggregates the dashboards read on every view.
#[derive(Default)]
pub struct Caches {
    coverage: Versioned<Vec<CountyCoverage>>,
    conflicts: Versioned<Vec<StaffConflict>>,
    /// Every council, for the registration form's list (some 2,940 in Kerman).
    councils: Versioned<Arc<Vec<domain::election::Council>>>,
    /// The public candidate exports (NIST reports and CSV lists), by format and scope:
    /// megabytes that anyone may ask for at any rate, so each is built and gzipped once per
    /// change of the data.
    pub(crate) reports: Versioned<crate::candidates::Export>,
    /// Stations' readiness as declared (by county, or `None` for the province): the
    /// dashboards read it on every view; what is overdue is judged at each view's moment.
    pub(crate) readiness: Versioned<Arc<crate::readiness::Rows>>,
    /// The current election's code (codes never change), so the check-in path reads none.
    election: tokio::sync::OnceCell<String>,
    /// The election's key, once its ceremony is held (a key is recorded once and never
    /// changes), so casting reads none.
    pub(crate) election_key: tokio::sync::OnceCell<Arc<ballot_crypto::ElectionKey>>,
    /// Closed stations' encrypted tallies, summed from their ballots once: a closed box never
    /// changes, and summing one costs a read and a decoding of every ballot (the public count
    /// pages and every guardian's post ask for them).
    pub(crate) closed_sums: ClosedSums,
}

/// A closed station's tally as summed from its ballots: its council, how many ballots it sums,
/// and the sum.
#[derive(Debug, Clone)]
pub struct StationSum {
    pub council: String,
    pub ballots: u64,
    pub tally: ballot_crypto::EncryptedTally,
}

/// Closed stations' sums, by election and station, at most [`ClosedSums::MAX`] of them (a
/// station's sums are some kilobytes a council).
#[derive(Default)]
pub struct ClosedSums(Mutex<HashMap<StationKey, Arc<Vec<StationSum>>>>);

/// An election's code and a station's.
type StationKey = (String, String);

impl ClosedSums {
    pub const MAX: usize = 10_000;

    pub(crate) fn get(&self, election: &str, station: &str) -> Option<Arc<Vec<StationSum>>> {
        let map = self.0.lock().ok()?;
        map.get(&(election.to_owned(), station.to_owned())).cloned()
    }

    /// Keeps a closed station's sums (one kept before, of any station, goes when full).
    pub(crate) fn put(&self, election: &str, station: &str, sums: Arc<Vec<StationSum>>) {
        if let Ok(mut map) = self.0.lock() {
            if map.len() >= Self::MAX {
                if let Some(any) = map.keys().next().cloned() {
                    map.remove(&any);
                }
            }
            map.insert((election.to_owned(), station.to_owned()), sums);
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.0.lock().map_or(0, |map| map.len())
    }
}

/// The caches with the store areas they are read from.
#[derive(Clone, Copy)]
pub struct Cached<'a> {
    pub(crate) caches: &'a Caches,
    pub(crate) geography: &'a dyn GeographyStore,
    pub(crate) staffing: &'a dyn StaffingStore,
    pub(crate) audit: &'a dyn AuditStore,
}

impl<'a> Cached<'a> {
    /// The current election's code; `NotFound` before any election is loaded.
    pub async fn election_code(self) -> Result<&'a str> {
        let geography = self.geography;
        self.caches
            .election
            .get_or_try_init(|| async {
                geography
                    .election(None)
                    .await?
                    .map(|e| e.code)
                    .ok_or(Error::NotFound(store::Entity::Election))
            })
            .await
            .map(String::as_str)
    }

    /// The current election, read whole.
    pub async fn election(self) -> Result<domain::election::Election> {
        let code = self.election_code().await?;
        self.geography
            .election(Some(code))
            .await?
            .ok_or(Error::NotFound(store::Entity::Election))
    }

    /// `cache`'s value for `county`, recomputed with `compute` only when the audit head has
    /// moved since it was stored.
    pub(crate) async fn versioned<T, F>(
        self,
        cache: &Versioned<T>,
        county: Option<&str>,
        compute: impl FnOnce() -> F,
    ) -> Result<T>
    where
        T: Clone,
        F: std::future::Future<Output = Result<T>>,
    {
        // Read the version first: figures computed after it are at least as new as it says.
        let (version, _) = self.audit.audit_head().await?;
        if let Some(hit) = cache.get(county, version) {
            return Ok(hit);
        }
        let fresh = compute().await?;
        cache.put(county, version, &fresh);
        Ok(fresh)
    }

    /// Staffing coverage (all counties, or one), recomputed only after a change.
    pub async fn coverage(self, county: Option<&str>) -> Result<Vec<CountyCoverage>> {
        self.versioned(&self.caches.coverage, county, || async {
            Ok(self.staffing.coverage(county).await?)
        })
        .await
    }

    /// Staffing conflicts (all counties, or one), recomputed only after a change.
    pub async fn conflicts(self, county: Option<&str>) -> Result<Vec<StaffConflict>> {
        self.versioned(&self.caches.conflicts, county, || async {
            Ok(self.staffing.staffing_conflicts(county).await?)
        })
        .await
    }

    /// Every council in code order, re-read only after a change.
    pub async fn councils(self) -> Result<Arc<Vec<domain::election::Council>>> {
        self.versioned(&self.caches.councils, None, || async {
            let mut all = Vec::new();
            for page in 1.. {
                let found = self
                    .geography
                    .councils(
                        &store::CouncilFilter::default(),
                        store::PageRequest::new(page, store::PageRequest::MAX_PER_PAGE),
                    )
                    .await?;
                let last = found.items.is_empty();
                all.extend(found.items);
                if last || all.len() as i64 >= found.total {
                    break;
                }
            }
            Ok(Arc::new(all))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sums(ballots: u64) -> Arc<Vec<StationSum>> {
        Arc::new(vec![StationSum {
            council: "C-1".into(),
            ballots,
            tally: ballot_crypto::EncryptedTally::empty(3),
        }])
    }

    #[test]
    fn closed_sums_are_kept_per_election_and_station_and_bounded() {
        let cache = ClosedSums::default();
        assert!(cache.get("e", "s1").is_none());
        cache.put("e", "s1", sums(7));
        assert_eq!(cache.get("e", "s1").map(|s| s[0].ballots), Some(7));
        assert!(cache.get("other", "s1").is_none());
        assert!(cache.get("e", "s2").is_none());
        for n in 0..ClosedSums::MAX + 5 {
            cache.put("e", &format!("station-{n}"), sums(1));
        }
        assert_eq!(cache.len(), ClosedSums::MAX);
        // The last kept is there.
        let last = format!("station-{}", ClosedSums::MAX + 4);
        assert!(cache.get("e", &last).is_some());
    }
}
