//! The audit log as stored: its pages, its scan for the verifier, its head.

use crate::{AuditFilter, Page, PageRequest, StoreResult};
use async_trait::async_trait;
use audit::AuditRecord;

/// What a mutation writes to the audit chain beside its change: the action (`thing.verb`), the
/// entity it names and its payload. Each area builds its entries in one place (its module's
/// functions), so both backends write the same records, hash for hash. The action is one of
/// `domain::audit_terms::AuditAction`, so that every action has its Persian name.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub action: String,
    pub entity: String,
    pub payload: serde_json::Value,
}

impl AuditEntry {
    pub fn new(
        action: domain::audit_terms::AuditAction,
        entity: impl Into<String>,
        payload: serde_json::Value,
    ) -> Self {
        Self {
            action: action.code().to_owned(),
            entity: entity.into(),
            payload,
        }
    }
}

/// A login: the new session's expiry and how many of the user's expired sessions went.
pub fn logged_in(username: &str, expires_at_us: i64, expired_removed: u64) -> AuditEntry {
    AuditEntry::new(
        domain::audit_terms::AuditAction::AuthLogin,
        format!("user/{username}"),
        serde_json::json!({"expires_at_us": expires_at_us, "expired_sessions_removed": expired_removed}),
    )
}

pub fn logged_out(username: &str) -> AuditEntry {
    AuditEntry::new(
        domain::audit_terms::AuditAction::AuthLogout,
        format!("user/{username}"),
        serde_json::json!({}),
    )
}

pub fn user_created(user: &crate::NewUser) -> AuditEntry {
    AuditEntry::new(
        domain::audit_terms::AuditAction::UserCreate,
        format!("user/{}", user.username),
        serde_json::json!({"role": user.role, "scope": user.scope}),
    )
}

/// An account disabled, and how many of its sessions ended with it.
pub fn user_disabled(username: &str, sessions_ended: u64) -> AuditEntry {
    AuditEntry::new(
        domain::audit_terms::AuditAction::UserDisable,
        format!("user/{username}"),
        serde_json::json!({"sessions_ended": sessions_ended}),
    )
}

pub fn user_enabled(username: &str) -> AuditEntry {
    AuditEntry::new(
        domain::audit_terms::AuditAction::UserEnable,
        format!("user/{username}"),
        serde_json::json!({}),
    )
}

/// A new password (never its hash), and how many of the account's sessions ended.
pub fn password_changed(username: &str, sessions_ended: u64) -> AuditEntry {
    AuditEntry::new(
        domain::audit_terms::AuditAction::UserPassword,
        format!("user/{username}"),
        serde_json::json!({"sessions_ended": sessions_ended}),
    )
}

/// Every session of an account ended at once.
pub fn sessions_revoked(username: &str, sessions_ended: u64) -> AuditEntry {
    AuditEntry::new(
        domain::audit_terms::AuditAction::AuthRevoke,
        format!("user/{username}"),
        serde_json::json!({"sessions_ended": sessions_ended}),
    )
}

#[async_trait]
pub trait AuditStore: Send + Sync + 'static {
    /// The audit log, newest first, filtered and paginated.
    async fn audit_page(
        &self,
        filter: &AuditFilter,
        page: PageRequest,
    ) -> StoreResult<Page<AuditRecord>>;
    /// Records with `seq > after`, in sequence order, at most `limit` (for the verifier).
    async fn audit_scan(&self, after: i64, limit: u32) -> StoreResult<Vec<AuditRecord>>;
    /// The chain's head: last sequence number and hash.
    async fn audit_head(&self) -> StoreResult<(i64, String)>;
}

/// Walks the whole audit chain through the store, page by page, and checks it against the head.
/// Returns the number of records checked.
pub async fn verify_audit<S: AuditStore + ?Sized>(
    store: &S,
) -> StoreResult<Result<i64, audit::AuditError>> {
    let mut verifier = audit::Verifier::new();
    let mut after = 0;
    loop {
        let batch = store.audit_scan(after, 5_000).await?;
        let Some(last) = batch.last() else { break };
        after = last.seq;
        for record in &batch {
            if let Err(e) = verifier.push(record) {
                return Ok(Err(e));
            }
        }
    }
    let (head_seq, head_hash) = store.audit_head().await?;
    Ok(verifier.finish(head_seq, &head_hash))
}
