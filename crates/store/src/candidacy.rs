//! Candidacy: online registration, its vetting and appeals, and the approved candidates of
//! the final lists and the ballots.

use crate::{
    Actor, Entity, NewRegistration, Page, PageRequest, Refusal, Registration, RegistrationFilter,
    StoreError, StoreResult, StoredDocument, VettingEvent,
};
use async_trait::async_trait;
use domain::ballot::Candidate;
use domain::demo::DemoRegistration;
use domain::inquiry::InquiryAnswer;
use domain::vetting::{RejectionGround, VettingFile, VettingState};
use std::collections::HashMap;

#[async_trait]
pub trait CandidacyStore: Send + Sync + 'static {
    /// Records a candidacy in a council (the minimal record the staffing rules need; the
    /// candidates workflow builds on it).
    async fn add_candidate(
        &self,
        election_code: &str,
        council_code: &str,
        national_id: &str,
        by: &Actor,
    ) -> StoreResult<()>;

    /// What the participation statistics need of every registration of the election.
    async fn registration_facts(
        &self,
        election_code: &str,
    ) -> StoreResult<Vec<domain::participation::RegistrationFact>>;
    /// Every approved candidate of the election, by council and code (the final lists).
    async fn all_candidates(&self, election_code: &str) -> StoreResult<Vec<Candidate>>;
    /// The approved candidates of a council, in code order.
    async fn candidates(&self, election_code: &str, council: &str) -> StoreResult<Vec<Candidate>>;
    /// The photo uploaded with an approved candidate's registration, if any.
    async fn candidate_photo(
        &self,
        election_code: &str,
        candidate_code: &str,
    ) -> StoreResult<Option<StoredDocument>>;
    /// Files a registration, its documents' records and the first entry of its history.
    /// `Duplicate { Registration }` when the person has already registered in the election
    /// (one registration per person), or the tracking code is taken.
    async fn register(&self, registration: &NewRegistration, by: &Actor) -> StoreResult<()>;
    /// The hashes of every document any registration holds (of every election), for the sweep
    /// of uploaded files no registration came to hold.
    async fn document_hashes(&self) -> StoreResult<std::collections::HashSet<String>>;
    /// A registration by its tracking code, with its history, oldest first.
    async fn registration(
        &self,
        election_code: &str,
        tracking_code: &str,
    ) -> StoreResult<Option<(Registration, Vec<VettingEvent>)>>;
    /// Registrations in filing order (oldest first).
    async fn registrations(
        &self,
        election_code: &str,
        filter: &RegistrationFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Registration>>;
    /// Takes a vetting step by `domain::vetting::apply` (`Refused(Vetting)` otherwise). On
    /// approval the candidate gets the election's next free candidate code and joins the
    /// council's candidates.
    async fn vet(
        &self,
        election_code: &str,
        tracking_code: &str,
        action: &domain::vetting::VettingAction,
        reviewer: domain::vetting::Reviewer,
        by: &Actor,
    ) -> StoreResult<Registration>;
    /// Records a standard inquiry's answer on a file, checked by
    /// `domain::inquiry::check_answer` against the file's state and answers read in the same
    /// transaction (`Refused(Vetting)` otherwise), with its audit record
    /// (`registration.inquiry`). Returns the file's answers after it.
    async fn record_inquiry(
        &self,
        election_code: &str,
        tracking_code: &str,
        answer: &InquiryAnswer,
        by: &Actor,
    ) -> StoreResult<Vec<InquiryAnswer>>;
    /// A file's recorded inquiry answers (the pending ones have none), in the bodies' order;
    /// `NotFound { Registration }` for an unknown file.
    async fn inquiries(
        &self,
        election_code: &str,
        tracking_code: &str,
    ) -> StoreResult<Vec<InquiryAnswer>>;
}

/// Rejection grounds as stored beside their step: their codes joined by commas.
pub fn grounds_text(grounds: &[RejectionGround]) -> String {
    grounds
        .iter()
        .map(|g| g.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// Stored rejection grounds back ([`grounds_text`]); an unknown code is `Corrupt`.
pub fn parse_grounds(text: &str) -> StoreResult<Vec<RejectionGround>> {
    text.split(',')
        .filter(|code| !code.is_empty())
        .map(|code| {
            RejectionGround::parse(code)
                .ok_or_else(|| StoreError::Corrupt(format!("unknown rejection ground {code:?}")))
        })
        .collect()
}

/// Sorts a file's answers in the bodies' order (`domain::inquiry::Authority::ALL`).
pub fn sort_inquiries(answers: &mut [InquiryAnswer]) {
    answers.sort_by_key(|a| a.authority);
}

/// An inquiry's answer recorded: which body, the answer, its note.
pub fn inquiry_recorded(
    election_code: &str,
    tracking_code: &str,
    answer: &InquiryAnswer,
) -> crate::audit_log::AuditEntry {
    crate::audit_log::AuditEntry::new(
        domain::audit_terms::AuditAction::RegistrationInquiry,
        registration_entity(tracking_code),
        serde_json::json!({
            "election": election_code,
            "authority": answer.authority.as_str(),
            "answer": answer.answer.as_str(),
            "note": answer.note,
        }),
    )
}

/// Whether a candidacy of `election` may stand in `council`, read as `council_election` (the
/// election the council belongs to; `None` when there is no such council): `NotFound
/// { Council }`, or `CouncilNotInElection` for a council of another election.
pub fn check_candidate_council(
    election: &str,
    council: &str,
    council_election: Option<&str>,
) -> StoreResult<()> {
    match council_election {
        None => Err(StoreError::not_found(Entity::Council)),
        Some(e) if e != election => Err(Refusal::CouncilNotInElection {
            council: council.to_owned(),
            election: election.to_owned(),
        }
        .into()),
        Some(_) => Ok(()),
    }
}

/// Who files, objects and withdraws, in a registration's history (no account of their own).
pub const APPLICANT: &str = "applicant";

/// A demo registration's history as both backends write it, oldest first (its filing by the
/// applicant, then each vetting step with the state it led to), and its file as the last step
/// left it.
pub fn demo_history(
    registration: &DemoRegistration,
) -> StoreResult<(Vec<VettingEvent>, VettingFile)> {
    let files = registration.files()?;
    let last = files.last().copied().ok_or_else(|| {
        StoreError::Corrupt(format!(
            "demo registration {} has no file",
            registration.tracking_code
        ))
    })?;
    let filed = VettingEvent {
        at: registration.submitted_at,
        step: "submitted".to_owned(),
        state: VettingState::Submitted,
        by: APPLICANT.to_owned(),
        reason: String::new(),
        grounds: Vec::new(),
    };
    let steps = registration
        .steps
        .iter()
        .zip(files.iter().skip(1))
        .map(|(step, file)| VettingEvent {
            at: step.at,
            step: step.action.name().to_owned(),
            state: file.state,
            by: step.by.clone(),
            reason: step.action.reason().to_owned(),
            grounds: step.action.grounds().to_vec(),
        });
    Ok((std::iter::once(filed).chain(steps).collect(), last))
}

/// The national id each of the demo's approved candidates is written with, in the candidates'
/// order: its registration's, or `cand-<code>` for a candidate without one (which the demo does
/// not make). Both backends key the demo's candidates by it.
pub fn demo_candidate_ids(
    candidates: &[Candidate],
    registrations: &[DemoRegistration],
) -> Vec<String> {
    let by_code: HashMap<&str, &str> = registrations
        .iter()
        .filter_map(|r| {
            Some((
                r.candidate_code.as_deref()?,
                r.application.national_id.as_str(),
            ))
        })
        .collect();
    candidates
        .iter()
        .map(|c| {
            by_code
                .get(c.code.as_str())
                .map_or_else(|| format!("cand-{}", c.code), |id| (*id).to_owned())
        })
        .collect()
}

pub fn candidate_added(
    election_code: &str,
    council_code: &str,
    national_id: &str,
) -> crate::audit_log::AuditEntry {
    crate::audit_log::AuditEntry::new(
        domain::audit_terms::AuditAction::CandidateAdd,
        format!("candidate/{national_id}"),
        serde_json::json!({"council": council_code, "election": election_code}),
    )
}

fn registration_entity(tracking_code: &str) -> String {
    format!("registration/{tracking_code}")
}

/// A registration filed: where, by whom, and its documents by content hash.
pub fn registration_filed(registration: &NewRegistration) -> crate::audit_log::AuditEntry {
    let a = &registration.application;
    crate::audit_log::AuditEntry::new(
        domain::audit_terms::AuditAction::RegistrationSubmit,
        registration_entity(&registration.tracking_code),
        serde_json::json!({
            "election": registration.election_code,
            "council": a.council,
            "national_id": a.national_id.as_str(),
            "documents": registration
                .documents
                .iter()
                .map(|d| serde_json::json!({"kind": d.kind.as_str(), "sha256": d.sha256}))
                .collect::<Vec<_>>(),
        }),
    )
}

/// A vetting step taken: the step, the state it led to, its reason, who took it, and the
/// candidate code an approval gave.
pub fn vetting_step(
    election_code: &str,
    tracking_code: &str,
    action: &domain::vetting::VettingAction,
    state: domain::vetting::VettingState,
    reviewer: domain::vetting::Reviewer,
    candidate_code: Option<&str>,
) -> crate::audit_log::AuditEntry {
    crate::audit_log::AuditEntry::new(
        domain::audit_terms::AuditAction::of_vetting(action),
        registration_entity(tracking_code),
        serde_json::json!({
            "election": election_code,
            "step": action.name(),
            "state": state.as_str(),
            "reason": action.reason(),
            "grounds": action.grounds().iter().map(|g| g.as_str()).collect::<Vec<_>>(),
            "reviewer": reviewer,
            "candidate_code": candidate_code,
        }),
    )
}

/// Candidate codes of an election start here: the ballot's codes are five digits.
pub const FIRST_CANDIDATE_CODE: i64 = 10_001;

/// The code an approval gives: one above the election's highest numeric code so far, and
/// never below [`FIRST_CANDIDATE_CODE`].
pub fn next_candidate_code(highest: Option<i64>) -> String {
    highest
        .map_or(FIRST_CANDIDATE_CODE, |h| (h + 1).max(FIRST_CANDIDATE_CODE))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidate_codes_start_at_five_digits_and_count_up() {
        assert_eq!(next_candidate_code(None), "10001");
        assert_eq!(next_candidate_code(Some(17)), "10001");
        assert_eq!(next_candidate_code(Some(10_001)), "10002");
        assert_eq!(next_candidate_code(Some(12_345)), "12346");
    }
}
