//! The eligibility roll: who may vote, and in which council.

use crate::{Actor, StoreResult};
use async_trait::async_trait;
use domain::roll::Voter;

/// A batch of the eligibility roll on its way to `RollStore::import_roll`, or the sender's
/// reason to abort the import.
pub type RollBatch = Result<Vec<Voter>, String>;

#[async_trait]
pub trait RollStore: Send + Sync + 'static {
    /// Replaces the election's eligibility roll with the rows received, all or nothing, with
    /// one audit record (`roll.import`: the count and the caller's digest of the source). Rows
    /// arrive in batches through the channel so that neither side holds the whole roll; the
    /// import commits when the sender is dropped after only `Ok` batches. An `Err(reason)`
    /// batch aborts it (`Refused(RollAborted)`): a sender that finds a bad row says so. A
    /// national id twice is `Duplicate { Voter, key: the national id }`, a council not the
    /// election's `Refused(RollCouncilUnknown)`; either way the previous roll stays whole.
    /// Once anyone has checked in, the roll stays as it is: `Refused(RollLockedByVoting)`.
    async fn import_roll(
        &self,
        election_code: &str,
        rows: tokio::sync::mpsc::Receiver<RollBatch>,
        source_digest: &str,
        by: &Actor,
    ) -> StoreResult<u64>;
    /// One person on the election's roll.
    async fn voter(&self, election_code: &str, national_id: &str) -> StoreResult<Option<Voter>>;
    /// How many people the election's roll holds.
    async fn roll_count(&self, election_code: &str) -> StoreResult<i64>;
}

/// A roll replaced: how many voters, and the caller's digest of the source.
pub fn roll_imported(
    election_code: &str,
    count: u64,
    source_digest: &str,
) -> crate::audit_log::AuditEntry {
    crate::audit_log::AuditEntry::new(
        domain::audit_terms::AuditAction::RollImport,
        format!("election/{election_code}"),
        serde_json::json!({"count": count, "source_digest": source_digest}),
    )
}

/// A roll row's council must be the election's: the backend checks each row against the
/// election's councils as it arrives.
pub fn check_voter_council<S: std::hash::BuildHasher>(
    voter: &Voter,
    councils: &std::collections::HashSet<String, S>,
) -> Result<(), crate::Refusal> {
    if councils.contains(voter.council.as_str()) {
        Ok(())
    } else {
        Err(crate::Refusal::RollCouncilUnknown {
            national_id: voter.national_id.as_str().to_owned(),
            council: voter.council.clone(),
        })
    }
}
