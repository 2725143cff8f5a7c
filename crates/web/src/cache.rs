//! Cached aggregates. Every change to the data is a mutation, and every mutation appends to the
//! audit chain in its own transaction; so the chain's head sequence number is an exact version
//! stamp of the whole database. An aggregate is recomputed only when the head has moved, and
//! reading the head is a one-row query.

use crate::{ApiError, AppState};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use store::{CountyCoverage, StaffConflict};

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
    /// The current election's code (codes never change), so the check-in path reads none.
    election: tokio::sync::OnceCell<String>,
}

/// The current election's code; `NotFound` before any election is loaded.
pub async fn election_code(state: &AppState) -> Result<&str, ApiError> {
    state
        .caches
        .election
        .get_or_try_init(|| async {
            state
                .store
                .election(None)
                .await?
                .map(|e| e.code)
                .ok_or(ApiError::NotFound(store::Entity::Election))
        })
        .await
        .map(String::as_str)
}

/// Staffing coverage (all counties, or one), recomputed only after a change.
pub async fn coverage(
    state: &AppState,
    county: Option<&str>,
) -> Result<Vec<CountyCoverage>, ApiError> {
    // Read the version first: figures computed after it are at least as new as it says.
    let (version, _) = state.store.audit_head().await?;
    if let Some(hit) = state.caches.coverage.get(county, version) {
        return Ok(hit);
    }
    let fresh = state.store.coverage(county).await?;
    state.caches.coverage.put(county, version, &fresh);
    Ok(fresh)
}

/// Staffing conflicts (all counties, or one), recomputed only after a change.
pub async fn conflicts(
    state: &AppState,
    county: Option<&str>,
) -> Result<Vec<StaffConflict>, ApiError> {
    let (version, _) = state.store.audit_head().await?;
    if let Some(hit) = state.caches.conflicts.get(county, version) {
        return Ok(hit);
    }
    let fresh = state.store.staffing_conflicts(county).await?;
    state.caches.conflicts.put(county, version, &fresh);
    Ok(fresh)
}

/// Every council in code order, re-read only after a change.
pub async fn all_councils(
    state: &AppState,
) -> Result<Arc<Vec<domain::election::Council>>, ApiError> {
    let (version, _) = state.store.audit_head().await?;
    if let Some(hit) = state.caches.councils.get(None, version) {
        return Ok(hit);
    }
    let mut all = Vec::new();
    for page in 1.. {
        let found = state
            .store
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
    let fresh = Arc::new(all);
    state.caches.councils.put(None, version, &fresh);
    Ok(fresh)
}
