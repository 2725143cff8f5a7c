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

#[cfg(test)]
mod tests {
    use domain::audit_terms::detail_label;
    use serde_json::Value;

    /// Keys whose children are data, not field names (usernames, station and place codes).
    const MAPS: [&str; 3] = ["accounts", "ballots", "overrides"];

    fn unlabelled(value: &Value, missing: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    if detail_label(key).is_none() {
                        missing.push(key.clone());
                    }
                    if !MAPS.contains(&key.as_str()) {
                        unlabelled(child, missing);
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| unlabelled(v, missing)),
            _ => {}
        }
    }

    /// The keys the builders write in their `json!` payloads, read from the sources: each
    /// `"key":` between an `AuditEntry::new(` and its closing parenthesis.
    fn builder_keys() -> Vec<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut keys = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{e}")) {
            let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
            if path.extension().and_then(|e| e.to_str()) != Some("rs") {
                continue;
            }
            let source = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
            for (at, _) in source.match_indices("AuditEntry::new(") {
                let call = &source[at..];
                let mut depth = 0;
                let end = call
                    .char_indices()
                    .find_map(|(i, c)| {
                        match c {
                            '(' => depth += 1,
                            ')' => depth -= 1,
                            _ => {}
                        }
                        (depth == 0 && c == ')').then_some(i)
                    })
                    .unwrap_or(call.len());
                let call = &call[..end];
                for piece in call.split('"').skip(1).step_by(2) {
                    let after = &call[call.find(&format!("\"{piece}\"")).unwrap_or(0)..];
                    let is_key = after[piece.len() + 2..].trim_start().starts_with(':')
                        && !after[piece.len() + 2..].trim_start().starts_with("::");
                    if is_key {
                        keys.push(piece.to_owned());
                    }
                }
            }
        }
        keys
    }

    #[test]
    fn every_key_an_audit_record_writes_has_a_persian_label() {
        let keys = builder_keys();
        // The scan reads the builders: a broken scan would check nothing.
        for known in [
            "expires_at_us",
            "national_id",
            "day",
            "closes_at_us",
            "sha256",
        ] {
            assert!(keys.iter().any(|k| k == known), "{known} not in {keys:?}");
        }
        let mut missing: Vec<String> = keys
            .into_iter()
            .filter(|k| detail_label(k).is_none())
            .collect();
        // The records the builders embed whole: a station (a mobile one, with its route and
        // place), the day actions, the seat table.
        let data = domain::demo::kerman(domain::demo::DemoOptions {
            seed: 1,
            people: 10,
        })
        .unwrap_or_else(|e| panic!("{e:?}"));
        let mobile = data
            .stations
            .iter()
            .find(|s| !s.route.is_empty())
            .unwrap_or_else(|| panic!("a mobile station"));
        let fixed = data
            .stations
            .iter()
            .find(|s| s.location.is_some())
            .unwrap_or_else(|| panic!("a placed station"));
        let until = time::macros::datetime!(2026-02-01 18:00 UTC);
        let embedded = [
            serde_json::to_value(mobile),
            serde_json::to_value(fixed),
            serde_json::to_value(domain::election::SeatTable::law_default()),
            serde_json::to_value(domain::station_day::DayAction::open_in_full(400)),
            serde_json::to_value(domain::station_day::DayAction::Pause {
                reason: domain::station_day::PauseReason::Other,
                notes: "x".into(),
            }),
            serde_json::to_value(domain::station_day::DayAction::ApproveExtension {
                until,
                reason: "x".into(),
            }),
        ];
        for value in embedded {
            unlabelled(&value.unwrap_or_else(|e| panic!("{e}")), &mut missing);
        }
        missing.sort();
        missing.dedup();
        assert!(
            missing.is_empty(),
            "keys without a Persian label: {missing:?}"
        );
    }
}
