//! One-time codes that prove a national id (`domain::identity`): each code asked for is a
//! challenge, kept by the hash of the token its asker holds; the code itself is kept only as a
//! hash bound to that token, so reading the table gives neither.

use crate::audit_log::AuditEntry;
use crate::{Actor, StoreResult};
use async_trait::async_trait;
use domain::identity::{Attempt, Challenge, Limits, Purpose};
use domain::ids::NationalId;

/// A code sent, or a look-up the registry did not match (no code: kept for the limits).
#[derive(Debug, Clone)]
pub struct NewChallenge {
    pub token_hash: String,
    /// The hash of the code with the token; `None` when no code was sent.
    pub code_hash: Option<String>,
    pub national_id: NationalId,
    pub purpose: Purpose,
    /// The client's network, as the login limiter counts it.
    pub address: String,
}

/// A challenge as kept, with the hash its code is checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredChallenge {
    pub challenge: Challenge,
    pub code_hash: Option<String>,
}

#[async_trait]
pub trait IdentityStore: Send + Sync + 'static {
    /// Records a challenge if `domain::identity::may_ask` lets its national id and address
    /// have another now; refused `Refused(Identity(TooManyCodes | TooSoon))` otherwise.
    /// Challenges older than `domain::identity::KEPT_FOR` go in the same transaction.
    async fn open_challenge(
        &self,
        challenge: &NewChallenge,
        limits: &Limits,
        by: &Actor,
    ) -> StoreResult<()>;

    async fn challenge(&self, token_hash: &str) -> StoreResult<Option<StoredChallenge>>;

    /// A code entered (`code_hash`, hashed as the challenge's was), judged by
    /// `domain::identity::attempt`: the right one verifies the challenge, a wrong one is
    /// counted (and that count kept: `Ok(Attempt::Wrong)`). `NotFound { Challenge }` when
    /// there is no such challenge.
    async fn enter_code(
        &self,
        token_hash: &str,
        code_hash: &str,
        limits: &Limits,
        by: &Actor,
    ) -> StoreResult<Attempt>;

    /// Spends a proof on a filing or a step, if `domain::identity::check_proof` lets it prove
    /// `national_id` for `purpose` now.
    async fn spend_proof(
        &self,
        token_hash: &str,
        national_id: &NationalId,
        purpose: Purpose,
        limits: &Limits,
        by: &Actor,
    ) -> StoreResult<()>;
}

pub fn challenge_opened(c: &NewChallenge) -> AuditEntry {
    AuditEntry::new(
        if c.code_hash.is_some() {
            domain::audit_terms::AuditAction::IdentityCodeSent
        } else {
            domain::audit_terms::AuditAction::IdentityNoMatch
        },
        format!("person/{}", c.national_id),
        serde_json::json!({"purpose": c.purpose.as_str()}),
    )
}

pub fn code_entered(national_id: &NationalId, attempt: Attempt) -> AuditEntry {
    AuditEntry::new(
        match attempt {
            Attempt::Verified => domain::audit_terms::AuditAction::IdentityVerified,
            Attempt::Wrong { .. } => domain::audit_terms::AuditAction::IdentityWrongCode,
        },
        format!("person/{national_id}"),
        serde_json::json!({}),
    )
}

pub fn proof_spent(national_id: &NationalId, purpose: Purpose) -> AuditEntry {
    AuditEntry::new(
        domain::audit_terms::AuditAction::IdentityProofSpent,
        format!("person/{national_id}"),
        serde_json::json!({"purpose": purpose.as_str()}),
    )
}

/// The challenges kept from before `now - KEPT_FOR` are gone (microseconds).
pub fn kept_since_us(now_us: i64) -> i64 {
    now_us - domain::identity::KEPT_FOR.whole_microseconds() as i64
}

/// The start of the limits' window (microseconds).
pub fn window_start_us(now_us: i64) -> i64 {
    now_us - domain::identity::WINDOW.whole_microseconds() as i64
}
