//! Annulled station boxes (issue 18 §5): the supervision board's annulment of a station's box,
//! with its reason, and its lifting, each one row change with its audit record. The rules are
//! `domain::results::annulment`'s; the store reads whether the box is annulled in the writing
//! transaction.

use crate::audit_log::AuditEntry;
use crate::{Actor, StoreResult};
use async_trait::async_trait;
use domain::audit_terms::AuditAction;
use serde_json::json;
use time::OffsetDateTime;

/// A station's box annulled, in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annulment {
    pub station: String,
    pub reason: String,
    pub by: String,
    pub at: OffsetDateTime,
}

#[async_trait]
pub trait AnnulmentStore: Send + Sync + 'static {
    /// Annuls the station's box (`station.annul`); refused when it is annulled already, or the
    /// reason is empty or too long. `NotFound { Station }` for an unknown station.
    async fn annul_station(
        &self,
        election: &str,
        station: &str,
        reason: &str,
        by: &Actor,
    ) -> StoreResult<Annulment>;
    /// Lifts the annulment in force (`station.restore`); refused when there is none.
    async fn restore_station(
        &self,
        election: &str,
        station: &str,
        reason: &str,
        by: &Actor,
    ) -> StoreResult<()>;
    /// The annulments in force, by station code.
    async fn annulments(&self, election: &str) -> StoreResult<Vec<Annulment>>;
}

pub fn annulled(election: &str, annulment: &Annulment) -> AuditEntry {
    AuditEntry::new(
        AuditAction::StationAnnul,
        format!("station/{}", annulment.station),
        json!({ "election": election, "reason": annulment.reason }),
    )
}

pub fn restored(election: &str, station: &str, reason: &str) -> AuditEntry {
    AuditEntry::new(
        AuditAction::StationRestore,
        format!("station/{station}"),
        json!({ "election": election, "reason": reason }),
    )
}
