//! Election-day posts at the stations: who holds them, what is missing, what the rules would
//! now refuse.

use crate::{
    Actor, CountyCoverage, Page, PageRequest, StaffAssignment, StaffConflict, StationGap,
    StoreResult,
};
use async_trait::async_trait;
use domain::staffing::Post;

#[async_trait]
pub trait StaffingStore: Send + Sync + 'static {
    /// The posts held at a station, in post order.
    async fn station_staff(&self, station: &str) -> StoreResult<Vec<StaffAssignment>>;
    /// Gives a post to a person after `domain::staffing::check_assignment` approves it on facts
    /// read in the same transaction; `Refused(Staffing)` with the rule that stops it
    /// otherwise. `NotFound` for an unknown station or person.
    async fn assign_post(
        &self,
        station: &str,
        post: Post,
        national_id: &str,
        by: &Actor,
    ) -> StoreResult<StaffAssignment>;
    /// Frees a post; returns who held it (nothing is written when nobody did).
    async fn unassign_post(
        &self,
        station: &str,
        post: Post,
        by: &Actor,
    ) -> StoreResult<Option<StaffAssignment>>;
    /// Staffing coverage per county (all counties, or one), in county code order.
    async fn coverage(&self, county: Option<&str>) -> StoreResult<Vec<CountyCoverage>>;
    /// Open stations of a county with unheld posts, in station code order.
    async fn staffing_gaps(&self, county: &str, page: PageRequest)
        -> StoreResult<Page<StationGap>>;

    /// Posts whose holders the staffing rules would now refuse (a candidacy or a candidate
    /// relative in the station's councils arrived after the appointment, or the person sits on
    /// a council): for each held post at an open station of the county (or of all counties),
    /// the facts are read as for `assign_post` — but ignoring the post itself and the holder's
    /// own assignment — and `domain::staffing::check_assignment` decides; every refusal is a
    /// conflict. Ordered by station code, then post order.
    async fn staffing_conflicts(&self, county: Option<&str>) -> StoreResult<Vec<StaffConflict>>;
}

/// The entity of a post: `station/<code>/staff/<post>`.
fn post_entity(station: &str, post: Post) -> String {
    format!("station/{station}/staff/{}", post.as_str())
}

pub fn post_assigned(station: &str, post: Post, national_id: &str) -> crate::audit_log::AuditEntry {
    crate::audit_log::AuditEntry::new(
        domain::audit_terms::AuditAction::StaffAssign,
        post_entity(station, post),
        serde_json::json!({"national_id": national_id}),
    )
}

pub fn post_freed(station: &str, post: Post, national_id: &str) -> crate::audit_log::AuditEntry {
    crate::audit_log::AuditEntry::new(
        domain::audit_terms::AuditAction::StaffUnassign,
        post_entity(station, post),
        serde_json::json!({"national_id": national_id}),
    )
}
