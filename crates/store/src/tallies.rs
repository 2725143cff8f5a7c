//! The count (issue 17 §4): the guardians' decryption shares of each closed station's
//! encrypted tallies, one per council it took ballots for, and the counts that any k of them
//! gave. The shares and counts are `ballot_crypto`'s JSON; the use case checks every share's
//! proof and decrypts, the store keeps what passed.

use crate::audit_log::AuditEntry;
use crate::{Actor, StoreResult};
use async_trait::async_trait;
use domain::audit_terms::AuditAction;
use serde_json::json;

/// One guardian's share of a station's tally for a council.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TallyShare {
    pub station: String,
    pub council: String,
    pub guardian: u32,
    /// `ballot_crypto::tally::DecryptionShare` as JSON.
    pub share: String,
}

/// The counts a station's tally for a council decrypted to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TallyCounts {
    pub station: String,
    pub council: String,
    /// `ballot_crypto::record::Counts` as JSON.
    pub counts: String,
}

/// A station's decryption as kept: every share, and the counts of the tallies decrypted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StationDecryption {
    pub shares: Vec<TallyShare>,
    pub counts: Vec<TallyCounts>,
}

#[async_trait]
pub trait TallyStore: Send + Sync + 'static {
    /// Keeps one guardian's checked shares and the counts they completed, in one transaction
    /// with one audit record (`guardians.decrypt`): a share the guardian posted before for the
    /// same tally, and counts already kept, stay as they were. How many shares were new.
    async fn record_decryption(
        &self,
        election_code: &str,
        guardian: u32,
        shares: &[TallyShare],
        counts: &[TallyCounts],
        by: &Actor,
    ) -> StoreResult<u64>;
    /// A station's shares (by council, then guardian) and counts (by council).
    async fn station_decryption(
        &self,
        election_code: &str,
        station: &str,
    ) -> StoreResult<StationDecryption>;
}

/// The audit record of a guardian's shares: how many, and how many tallies they completed.
pub fn decryption_recorded(
    election_code: &str,
    guardian: u32,
    shares: u64,
    counted: usize,
) -> AuditEntry {
    AuditEntry::new(
        AuditAction::GuardiansDecrypt,
        format!("election/{election_code}"),
        json!({ "guardian": guardian, "shares": shares, "counted": counted }),
    )
}
