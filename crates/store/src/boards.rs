//! The boards: the province inspection board and each county's inspection and executive
//! boards, their members and their meetings.

use crate::{Actor, BoardWithMembers, StoreResult};
use async_trait::async_trait;
use domain::boards::{BoardMember, BoardRole, Meeting};

#[async_trait]
pub trait BoardStore: Send + Sync + 'static {
    /// The boards of a county (its inspection and executive boards), or with `None` the
    /// province inspection board and every county's boards; each with its members ordered by
    /// role (in `BoardRole::ALL` order) then last name, first name. Boards exist for every
    /// county without being created; their codes come from `domain::boards::board_code`.
    async fn boards(&self, county: Option<&str>) -> StoreResult<Vec<BoardWithMembers>>;
    /// One board by code; `None` for a code that names no board.
    async fn board(&self, code: &str) -> StoreResult<Option<BoardWithMembers>>;
    /// Appoints a member after `domain::boards::check_membership` approves it in the writing
    /// transaction (`Refused(Board)` otherwise); `NotFound` for an unknown board or person.
    async fn add_board_member(
        &self,
        board: &str,
        national_id: &str,
        role: BoardRole,
        term: (time::Date, Option<time::Date>),
        by: &Actor,
    ) -> StoreResult<BoardMember>;
    /// Removes a member; returns who was removed (nothing is written when nobody was).
    async fn remove_board_member(
        &self,
        board: &str,
        national_id: &str,
        by: &Actor,
    ) -> StoreResult<Option<BoardMember>>;
    /// Records a meeting (after `Meeting::validate` against the board's members:
    /// `Refused(Invalid)` otherwise; `NotFound` for an unknown board) and returns its id.
    async fn record_meeting(&self, meeting: &Meeting, by: &Actor) -> StoreResult<i64>;
    /// A board's meetings, newest first.
    async fn meetings(&self, board: &str) -> StoreResult<Vec<Meeting>>;
    async fn meeting(&self, id: i64) -> StoreResult<Option<Meeting>>;
    /// Marks decision `position` (from 0) of meeting `meeting_id` done at `by.at`, with a note
    /// of what was done, once [`decision_done`] approves it on the decision read in the
    /// writing transaction; audited (`board.decision_done`). `NotFound { Meeting }` for a
    /// meeting or decision that is not there. The meeting after.
    async fn complete_decision(
        &self,
        meeting_id: i64,
        position: i64,
        note: &str,
        by: &Actor,
    ) -> StoreResult<Meeting>;
}

fn board_entity(board: &str) -> String {
    format!("board/{board}")
}

pub fn member_added(
    board: &str,
    national_id: &str,
    role: BoardRole,
    term: (time::Date, Option<time::Date>),
) -> crate::audit_log::AuditEntry {
    let iso = |d: time::Date| format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day());
    crate::audit_log::AuditEntry::new(
        domain::audit_terms::AuditAction::BoardMemberAdd,
        board_entity(board),
        serde_json::json!({
            "national_id": national_id,
            "role": role.as_str(),
            "term_start": iso(term.0),
            "term_end": term.1.map(iso),
        }),
    )
}

pub fn member_removed(
    board: &str,
    national_id: &str,
    role: BoardRole,
) -> crate::audit_log::AuditEntry {
    crate::audit_log::AuditEntry::new(
        domain::audit_terms::AuditAction::BoardMemberRemove,
        board_entity(board),
        serde_json::json!({"national_id": national_id, "role": role.as_str()}),
    )
}

pub fn meeting_recorded(meeting: &Meeting, id: i64) -> crate::audit_log::AuditEntry {
    crate::audit_log::AuditEntry::new(
        domain::audit_terms::AuditAction::BoardMeeting,
        board_entity(&meeting.board),
        serde_json::json!({
            "meeting_id": id,
            "held_at_us": domain::clock::to_micros(meeting.held_at),
            "decisions": meeting.decisions.len(),
        }),
    )
}

/// A decision about to be marked done: the decision as read (`None`: no such meeting or
/// decision) of the meeting on `board`, checked by `domain::boards::check_decision_done`; the
/// note as it is stored and the change's audit record.
pub fn decision_done(
    board: &str,
    meeting_id: i64,
    position: i64,
    decision: Option<&domain::boards::Decision>,
    note: &str,
) -> StoreResult<(String, crate::audit_log::AuditEntry)> {
    let decision = decision.ok_or(crate::StoreError::not_found(crate::Entity::Meeting))?;
    let note = domain::boards::check_decision_done(decision, note)
        .map_err(|r| crate::StoreError::Refused(crate::Refusal::Board(r)))?;
    let entry = crate::audit_log::AuditEntry::new(
        domain::audit_terms::AuditAction::BoardDecisionDone,
        board_entity(board),
        serde_json::json!({
            "meeting_id": meeting_id,
            "decision": position,
            "done_note": note,
        }),
    );
    Ok((note, entry))
}

/// A decision's done mark from its columns (`done_at_us`, `done_by`, `done_note`): `None`
/// while it is not done.
pub fn done_of(
    at_us: Option<i64>,
    by: Option<String>,
    note: Option<String>,
) -> Option<domain::boards::DecisionDone> {
    Some(domain::boards::DecisionDone {
        at: domain::clock::from_micros(at_us?),
        by: by.unwrap_or_default(),
        note: note.unwrap_or_default(),
    })
}
