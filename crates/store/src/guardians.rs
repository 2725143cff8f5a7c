//! The guardians' election key (issue 17): the public record of its ceremony and each
//! guardian's confirmation that they hold their share. No share of the secret key is ever
//! stored: each left the server once, sealed for its guardian. The records are
//! `ballot_crypto`'s JSON; the use case reads and checks them, the store keeps them.

use crate::audit_log::AuditEntry;
use crate::{Actor, StoreError, StoreResult};
use async_trait::async_trait;
use domain::audit_terms::AuditAction;
use serde_json::json;
use time::OffsetDateTime;

/// What a key is for: the election's ballots, or the equipment tests' (issue 16 §6), which
/// never mix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyKind {
    Election,
    Test,
}

impl KeyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Election => "election",
            Self::Test => "test",
        }
    }

    pub fn parse(text: &str) -> StoreResult<Self> {
        match text {
            "election" => Ok(Self::Election),
            "test" => Ok(Self::Test),
            other => Err(StoreError::Corrupt(format!("a key's kind {other:?}"))),
        }
    }
}

/// An election's key as the ceremony left it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElectionKeyRecord {
    pub election_code: String,
    pub kind: KeyKind,
    /// The public key (base64) and its fingerprint, for people to compare.
    pub public_key: String,
    pub fingerprint: String,
    pub threshold: u32,
    pub guardians: u32,
    /// `ballot_crypto::CeremonyRecord` as JSON, without confirmations.
    pub ceremony: String,
    pub created_at: OffsetDateTime,
    /// Each guardian's confirmation (`ballot_crypto::ceremony::Confirmation` as JSON), by
    /// guardian.
    pub confirmations: Vec<GuardianConfirmation>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardianConfirmation {
    pub guardian: u32,
    pub proof: String,
    pub at: OffsetDateTime,
}

#[async_trait]
pub trait GuardianStore: Send + Sync + 'static {
    /// The election's key of `kind`, with its confirmations; `None` before its ceremony.
    async fn election_key(
        &self,
        election_code: &str,
        kind: KeyKind,
    ) -> StoreResult<Option<ElectionKeyRecord>>;
    /// Keeps a ceremony's public record, once per election and kind
    /// (`Refused(ElectionKeyExists)` after), with its audit record (`guardians.ceremony`).
    /// `NotFound { Election }` for an unknown election. `key.confirmations` are ignored.
    async fn record_election_key(&self, key: &ElectionKeyRecord, by: &Actor) -> StoreResult<()>;
    /// Keeps the equipment tests' key (kind `test`, one of one): its public record as
    /// [`record_election_key`](Self::record_election_key) does, and its only share, which the
    /// server holds (test ballots are not votes), in one transaction. `Refused(ElectionKeyExists)`
    /// when the election has a test key already; a key of another kind is not kept.
    async fn record_test_key(
        &self,
        key: &ElectionKeyRecord,
        share: &str,
        by: &Actor,
    ) -> StoreResult<()>;
    /// The share of the election's test key the server holds; `None` before it is made (or
    /// when the test key was dealt to guardians).
    async fn test_key_share(&self, election_code: &str) -> StoreResult<Option<String>>;
    /// Keeps (or replaces) a guardian's confirmation, checked by the use case against the
    /// key, with its audit record (`guardians.confirm`). `NotFound { ElectionKey }` before the
    /// ceremony.
    async fn confirm_guardian(
        &self,
        election_code: &str,
        kind: KeyKind,
        guardian: u32,
        proof: &str,
        by: &Actor,
    ) -> StoreResult<()>;
}

/// Refuses a key of another kind than the equipment tests' to be server-held.
pub fn check_server_held(key: &ElectionKeyRecord) -> StoreResult<()> {
    if key.kind == KeyKind::Test {
        Ok(())
    } else {
        Err(StoreError::database(
            "only the equipment tests' key is held by the server",
        ))
    }
}

/// The audit record of a key ceremony: the key's kind, fingerprint and threshold (never a
/// share).
pub fn key_recorded(key: &ElectionKeyRecord) -> AuditEntry {
    AuditEntry::new(
        AuditAction::GuardiansCeremony,
        format!("election_key/{}/{}", key.election_code, key.kind.as_str()),
        json!({
            "key_kind": key.kind.as_str(),
            "fingerprint": key.fingerprint,
            "threshold": key.threshold,
            "guardians": key.guardians,
        }),
    )
}

/// The audit record of a guardian's confirmation.
pub fn guardian_confirmed(election_code: &str, kind: KeyKind, guardian: u32) -> AuditEntry {
    AuditEntry::new(
        AuditAction::GuardiansConfirm,
        format!("election_key/{election_code}/{}", kind.as_str()),
        json!({ "key_kind": kind.as_str(), "guardian": guardian }),
    )
}
