//! Cached aggregates. Every change to the data is a mutation, and every mutation appends to the
//! audit chain in its own transaction; so the chain's head sequence number is an exact version
//! stamp of the whole database. An aggregate is recomputed only when the head has moved, and
//! reading the head is a one-row query.

use crate::{ApiError, AppState};
use std::collections::HashMap;
use std::sync::Mutex;
use store::CountyCoverage;

/// Figures by county (or `None` for all), with the audit head they were computed at.
type Versioned = HashMap<Option<String>, (i64, Vec<CountyCoverage>)>;

#[derive(Default)]
pub struct CoverageCache(Mutex<Versioned>);

impl CoverageCache {
    fn get(&self, county: Option<&str>, version: i64) -> Option<Vec<CountyCoverage>> {
        let map = self.0.lock().ok()?;
        map.get(&county.map(str::to_owned))
            .filter(|(v, _)| *v == version)
            .map(|(_, c)| c.clone())
    }

    fn put(&self, county: Option<&str>, version: i64, coverage: &[CountyCoverage]) {
        if let Ok(mut map) = self.0.lock() {
            map.insert(county.map(str::to_owned), (version, coverage.to_vec()));
        }
    }
}

/// Staffing coverage (all counties, or one), recomputed only after a change.
pub async fn coverage(
    state: &AppState,
    county: Option<&str>,
) -> Result<Vec<CountyCoverage>, ApiError> {
    // Read the version first: figures computed after it are at least as new as it says.
    let (version, _) = state.store.audit_head().await?;
    if let Some(hit) = state.coverage_cache.get(county, version) {
        return Ok(hit);
    }
    let fresh = state.store.coverage(county).await?;
    state.coverage_cache.put(county, version, &fresh);
    Ok(fresh)
}
