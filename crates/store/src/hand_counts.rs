//! The paper fallback's hand counts (issue 18 §1): a station whose devices failed is declared
//! to count paper ballots by hand; two officials each enter its count per council, and the
//! county's executive board resolves entries that differ. Every row is kept as written; each
//! write is one transaction with its audit record. The rules are `domain::results::paper`'s; the
//! store reads the entries already made in the writing transaction.

use crate::audit_log::AuditEntry;
use crate::{Actor, StoreResult};
use async_trait::async_trait;
use domain::audit_terms::AuditAction;
use domain::results::paper::{self, Difference, HandCount};
use serde_json::json;
use time::OffsetDateTime;

/// One official's entry of a council's hand count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandCountEntry {
    pub count: HandCount,
    pub by: String,
    pub at: OffsetDateTime,
}

/// The executive board's count for entries that differ, with its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandCountResolution {
    pub count: HandCount,
    pub reason: String,
    pub by: String,
    pub at: OffsetDateTime,
}

/// A council's hand count at a station: its entries (at most two, in order) and resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CouncilHandCount {
    pub council: String,
    pub entries: Vec<HandCountEntry>,
    pub resolution: Option<HandCountResolution>,
}

impl CouncilHandCount {
    fn counts(&self) -> Vec<HandCount> {
        self.entries.iter().map(|e| e.count.clone()).collect()
    }

    /// The count that stands for the station: two agreeing entries, or the resolution.
    pub fn accepted(&self) -> Option<HandCount> {
        paper::accepted(&self.counts(), self.resolution.as_ref().map(|r| &r.count)).cloned()
    }

    /// Where the two entries differ, figure by figure (empty while fewer than two).
    pub fn differences(&self) -> Vec<Difference> {
        match self.entries.as_slice() {
            [first, second] => paper::compare(&first.count, &second.count),
            _ => Vec::new(),
        }
    }
}

/// A station declared to have fallen back to paper, and its hand counts by council code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaperStation {
    pub station: String,
    pub reason: String,
    pub by: String,
    pub at: OffsetDateTime,
    pub councils: Vec<CouncilHandCount>,
}

impl PaperStation {
    pub fn council(&self, code: &str) -> Option<&CouncilHandCount> {
        self.councils.iter().find(|c| c.council == code)
    }
}

#[async_trait]
pub trait HandCountStore: Send + Sync + 'static {
    /// Declares that the station's devices failed and it counts paper ballots by hand
    /// (`station.paper_fallback`); refused when declared already or without a reason.
    /// `NotFound { Station }` for an unknown station.
    async fn declare_paper(
        &self,
        election: &str,
        station: &str,
        reason: &str,
        by: &Actor,
    ) -> StoreResult<PaperStation>;
    /// Enters one official's hand count for a council (`hand_count.enter`): refused at a
    /// station not declared, for the official who made the first entry, and after two. The
    /// caller has checked the form against the council's ballot (`paper::check_form`).
    async fn enter_hand_count(
        &self,
        election: &str,
        station: &str,
        count: &HandCount,
        by: &Actor,
    ) -> StoreResult<CouncilHandCount>;
    /// Enters the executive board's count for two entries that differ, with a reason
    /// (`hand_count.resolve`); refused unless two entries differ and none is resolved.
    async fn resolve_hand_count(
        &self,
        election: &str,
        station: &str,
        count: &HandCount,
        reason: &str,
        by: &Actor,
    ) -> StoreResult<CouncilHandCount>;
    /// The stations declared to count by hand, by code, with their counts.
    async fn paper_stations(&self, election: &str) -> StoreResult<Vec<PaperStation>>;
}

/// The votes of a hand count as kept: a JSON object of candidate code to votes.
pub fn votes_text(count: &HandCount) -> String {
    serde_json::to_string(&count.votes).unwrap_or_else(|_| "{}".to_owned())
}

/// A kept hand count's votes; a row the store wrote always reads.
pub fn votes_from_text(text: &str) -> StoreResult<std::collections::BTreeMap<String, u64>> {
    serde_json::from_str(text)
        .map_err(|e| crate::StoreError::Corrupt(format!("hand count votes: {e}")))
}

/// A kept figure; the store keeps figures within `paper::MAX_FIGURE`.
pub fn figure(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// How the entries' and resolutions' rows tell what they are.
pub const FIRST_ENTRY: i64 = 1;
pub const SECOND_ENTRY: i64 = 2;
pub const RESOLUTION: i64 = 3;

/// Reads kept rows `(council, kind, count, reason, by, at)` in council and kind order into
/// each council's hand count.
pub fn gather(
    rows: impl IntoIterator<Item = (i64, HandCount, Option<String>, String, OffsetDateTime)>,
) -> Vec<CouncilHandCount> {
    let mut out: Vec<CouncilHandCount> = Vec::new();
    for (kind, count, reason, by, at) in rows {
        if out.last().is_none_or(|c| c.council != count.council) {
            out.push(CouncilHandCount {
                council: count.council.clone(),
                entries: Vec::new(),
                resolution: None,
            });
        }
        let Some(council) = out.last_mut() else {
            continue;
        };
        if kind == RESOLUTION {
            council.resolution = Some(HandCountResolution {
                count,
                reason: reason.unwrap_or_default(),
                by,
                at,
            });
        } else {
            council.entries.push(HandCountEntry { count, by, at });
        }
    }
    out
}

pub fn declared(election: &str, paper: &PaperStation) -> AuditEntry {
    AuditEntry::new(
        AuditAction::StationPaperFallback,
        format!("station/{}", paper.station),
        json!({ "election": election, "reason": paper.reason }),
    )
}

fn count_details(count: &HandCount) -> serde_json::Value {
    json!({
        "ballots": count.ballots,
        "blank": count.blank,
        "unused_choices": count.unused_choices,
        "votes": count.votes,
    })
}

pub fn entered(election: &str, station: &str, count: &HandCount, entry: i64) -> AuditEntry {
    AuditEntry::new(
        AuditAction::HandCountEnter,
        format!("station/{station}/council/{}", count.council),
        json!({ "election": election, "entry": entry, "count": count_details(count) }),
    )
}

pub fn resolved(election: &str, station: &str, count: &HandCount, reason: &str) -> AuditEntry {
    AuditEntry::new(
        AuditAction::HandCountResolve,
        format!("station/{station}/council/{}", count.council),
        json!({ "election": election, "reason": reason, "count": count_details(count) }),
    )
}
