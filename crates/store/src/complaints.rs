//! Complaints about a council's result (issue 18 §5): filed by a candidate of the council,
//! decided by the county's supervision board (an annulment decided here annuls the station's
//! box in the same transaction), objected to by the candidate, heard by the province's board.
//! Each write is one transaction with its audit record; the rules are
//! `domain::results::complaints`'s, decided on the complaint as read in the transaction.

use crate::audit_log::AuditEntry;
use crate::{Actor, StoreResult};
use async_trait::async_trait;
use domain::audit_terms::AuditAction;
use domain::results::complaints::{ComplaintState, Hearing, Outcome};
use serde_json::json;
use time::{Duration, OffsetDateTime};

/// A complaint as filed (the caller checked the window and the candidate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewComplaint {
    pub council: String,
    pub station: Option<String>,
    /// The complaining candidate's code.
    pub candidate: String,
    pub text: String,
}

/// A decision, objection or hearing with its reason or text, who and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ruling<T> {
    pub what: T,
    pub reason: String,
    pub by: String,
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Complaint {
    pub id: i64,
    pub council: String,
    pub station: Option<String>,
    pub candidate: String,
    pub text: String,
    pub filed_at: OffsetDateTime,
    pub decision: Option<Ruling<Outcome>>,
    /// The candidate's objection to the decision: its text and when.
    pub objection: Option<(String, OffsetDateTime)>,
    pub hearing: Option<Ruling<Hearing>>,
}

impl Complaint {
    pub fn state(&self) -> ComplaintState {
        ComplaintState {
            about_station: self.station.is_some(),
            decided_at: self.decision.as_ref().map(|d| d.at),
            objected: self.objection.is_some(),
            heard: self.hearing.is_some(),
        }
    }

    pub fn pending(&self) -> bool {
        self.state().pending()
    }
}

#[async_trait]
pub trait ComplaintStore: Send + Sync + 'static {
    /// Files a complaint (`complaint.file`). `NotFound { Council }` for an unknown council.
    async fn file_complaint(
        &self,
        election: &str,
        complaint: &NewComplaint,
        by: &Actor,
    ) -> StoreResult<Complaint>;
    /// The county board's decision (`complaint.decide`); an annulment annuls the station's box
    /// in the same transaction (`station.annul`). `NotFound { Complaint }` for an unknown id.
    async fn decide_complaint(
        &self,
        election: &str,
        id: i64,
        outcome: Outcome,
        reason: &str,
        by: &Actor,
    ) -> StoreResult<Complaint>;
    /// The candidate's objection to the decision, within `window` of it (`complaint.object`).
    async fn object_to_decision(
        &self,
        election: &str,
        id: i64,
        text: &str,
        window: Duration,
        by: &Actor,
    ) -> StoreResult<Complaint>;
    /// The province board's hearing of an objection (`complaint.hear`).
    async fn hear_objection(
        &self,
        election: &str,
        id: i64,
        hearing: Hearing,
        reason: &str,
        by: &Actor,
    ) -> StoreResult<Complaint>;
    /// The election's complaints, newest first.
    async fn complaints(&self, election: &str) -> StoreResult<Vec<Complaint>>;
}

pub fn filed(election: &str, complaint: &Complaint) -> AuditEntry {
    AuditEntry::new(
        AuditAction::ComplaintFile,
        format!("complaint/{}", complaint.id),
        json!({
            "election": election,
            "council": complaint.council,
            "station": complaint.station,
            "candidate_code": complaint.candidate,
        }),
    )
}

pub fn decided(election: &str, id: i64, outcome: Outcome, reason: &str) -> AuditEntry {
    AuditEntry::new(
        AuditAction::ComplaintDecide,
        format!("complaint/{id}"),
        json!({ "election": election, "outcome": outcome.as_str(), "reason": reason }),
    )
}

pub fn objected(election: &str, id: i64) -> AuditEntry {
    AuditEntry::new(
        AuditAction::ComplaintObject,
        format!("complaint/{id}"),
        json!({ "election": election }),
    )
}

pub fn heard(election: &str, id: i64, hearing: Hearing, reason: &str) -> AuditEntry {
    AuditEntry::new(
        AuditAction::ComplaintHear,
        format!("complaint/{id}"),
        json!({ "election": election, "hearing": hearing.as_str(), "reason": reason }),
    )
}
