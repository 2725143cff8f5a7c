//! A council's result certified (issue 18 §5): each step — approve, confirm, publish, reopen —
//! kept with the digest and the text of the result it certified, one row with its audit record.
//! The rules are `domain::results::certification`'s: the caller computes the council's result
//! as it stands (its status from the stations' reports and its digest); the store reads the
//! steps kept and the complaints pending in the writing transaction and decides. A result that
//! changes between the caller's computing and the write is certified as computed, and then no
//! longer matches: confirming it is refused until it is reopened.

use crate::audit_log::AuditEntry;
use crate::{Actor, StoreResult};
use async_trait::async_trait;
use domain::audit_terms::AuditAction;
use domain::results::certification::{KeptStep, Step};
use domain::results::status::ResultStatus;
use serde_json::json;
use time::OffsetDateTime;

/// A kept step of a council's certification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificationStep {
    pub council: String,
    pub step: Step,
    /// The digest of the result certified (`certification::digest`).
    pub digest: String,
    /// The result certified, as `results.json` publishes a council.
    pub result: String,
    pub reason: Option<String>,
    /// The lottery's seed an approval drew (hex), kept until the result is confirmed.
    pub lottery_seed: Option<String>,
    pub by: String,
    pub at: OffsetDateTime,
}

impl CertificationStep {
    pub fn kept(&self) -> KeptStep {
        KeptStep {
            step: self.step,
            digest: self.digest.clone(),
        }
    }
}

/// The council's result as the caller computed it, for a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultNow {
    pub council: String,
    /// The status its stations' reports give (unofficial-partial or -complete).
    pub reported: ResultStatus,
    pub digest: String,
    pub result: String,
    /// For an approval of a result with ties only the lottery breaks: the seed drawn (hex);
    /// the store keeps the council's first one instead, if it has one.
    pub lottery_seed: Option<String>,
    /// The complaints window (`complaints::window`), if the election sets one.
    pub complaints_window: Option<(OffsetDateTime, OffsetDateTime)>,
}

#[async_trait]
pub trait CertificationStore: Send + Sync + 'static {
    /// Takes a step on the council's result (`result.<step>`): refused out of order, when the
    /// result is incomplete (approving), changed since its approval or with complaints pending
    /// (confirming), or without a reason (reopening). `NotFound { Council }` for an unknown one.
    async fn certify(
        &self,
        election: &str,
        now: &ResultNow,
        step: Step,
        reason: &str,
        by: &Actor,
    ) -> StoreResult<CertificationStep>;
    /// Every step kept, by council code and then oldest first.
    async fn certifications(&self, election: &str) -> StoreResult<Vec<CertificationStep>>;
}

pub fn certified(election: &str, kept: &CertificationStep) -> AuditEntry {
    AuditEntry::new(
        match kept.step {
            Step::Approve => AuditAction::ResultApprove,
            Step::Confirm => AuditAction::ResultConfirm,
            Step::Publish => AuditAction::ResultPublish,
            Step::Reopen => AuditAction::ResultReopen,
        },
        format!("council/{}", kept.council),
        json!({
            "election": election,
            "digest": kept.digest,
            "reason": kept.reason,
            // The commitment only: the seed is revealed with the confirmation.
            "lottery_commitment": kept.lottery_seed.as_deref().and_then(domain::results::lottery::parse_seed).map(|seed| domain::results::lottery::commitment(&seed)),
        }),
    )
}
