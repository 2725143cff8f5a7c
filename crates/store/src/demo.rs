//! The synthetic demo, loaded whole.

use crate::{Actor, StoreResult};
use async_trait::async_trait;
use domain::demo::DemoData;

#[async_trait]
pub trait DemoStore: Send + Sync + 'static {
    /// Loads the demo into an empty store in one transaction: its province (as
    /// `GeographyStore::load_province` does), then its stations, people, posts, board members,
    /// registrations and approved candidates, with one audit record holding the
    /// counts (`province.load`, as a province alone has, with every count). Users are not loaded
    /// here.
    async fn load_demo(&self, data: &DemoData, by: &Actor) -> StoreResult<()>;
}

/// The record of the demo's load: a province load's, with every count (issue 16's readiness,
/// sensitive stations, security council meetings, incidents and equipment test runs too).
pub fn demo_loaded(data: &DemoData) -> crate::audit_log::AuditEntry {
    let d = data;
    crate::audit_log::AuditEntry::new(
        domain::audit_terms::AuditAction::ProvinceLoad,
        format!("election/{}", d.election.code),
        serde_json::json!({
            "counties": d.counties.len(), "districts": d.districts.len(), "cities": d.cities.len(),
            "rural_districts": d.rural_districts.len(), "villages": d.villages.len(),
            "councils": d.councils.len(), "stations": d.stations.len(), "people": d.people.len(),
            "assignments": d.assignments.len(), "board_members": d.board_members.len(),
            "candidates": d.candidates.len(), "registrations": d.registrations.len(),
            "readiness": d.readiness.len(), "sensitive_stations": d.sensitive_stations.len(),
            "council_meetings": d.council_meetings.len(), "incidents": d.incidents.len(),
            "equipment_runs": d.equipment_runs.len(),
        }),
    )
}
