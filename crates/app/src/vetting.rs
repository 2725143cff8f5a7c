//! Vetting (بررسی صلاحیت, issue 5): the boards' files and steps, and the applicant's own
//! steps (objecting, withdrawing). A county's executive board reviews, its supervision board
//! decides and hears the first objection, the province's supervision board the second; the
//! HQ and the governor see the files. Whether a file exists is told only to those who see
//! registrations.

use crate::lookups::{registrations_scope, sees_registrations};
pub use crate::registrations::File;
use crate::registrations::{Registrations, APPLICANT};
use crate::{authorize, Context, Error, Result};
use domain::access::{vetting_reviewer, Action, Principal};
use domain::identity::Purpose;
use domain::inquiry::{Answer, Authority, Inquiry, InquiryAnswer};
use domain::registration::DocumentKind;
use domain::vetting::{Reviewer, VettingAction, VettingState};
use store::{
    Actor, CandidacyStore, Page, PageRequest, Registration, RegistrationFilter, StoredDocument,
};

#[derive(Clone, Copy)]
pub struct Vetting<'a> {
    pub(crate) candidacy: &'a dyn CandidacyStore,
    pub(crate) incidents: &'a dyn store::IncidentStore,
    pub(crate) identity: crate::identity::Identity<'a>,
    pub(crate) ctx: Context<'a>,
}

/// What a registrations list asks for.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// A county; without it, the principal's own county (or the province's list).
    pub county: Option<String>,
    pub council: Option<String>,
    pub state: Option<VettingState>,
    /// What the search box was given (`store::RegistrationSearch::parse`).
    pub search: Option<store::RegistrationSearch>,
    pub sort: store::Sort<store::RegistrationSortKey>,
    pub page: PageRequest,
}

/// A page of registrations and the filter it was read with (its county the one the principal
/// may see).
pub struct Listed {
    pub county: Option<String>,
    pub filter: RegistrationFilter,
    pub page: Page<Registration>,
}

impl<'a> Vetting<'a> {
    /// The registrations' use cases on the same store area (a file by its code).
    fn registrations(self) -> Registrations<'a> {
        Registrations {
            candidacy: self.candidacy,
            incidents: self.incidents,
            identity: self.identity,
            ctx: self.ctx,
        }
    }

    /// A file by its code, for a principal who sees registrations somewhere (only they learn
    /// whether it exists); the caller authorizes what it does on the file's county.
    async fn boards_file<'p>(
        self,
        principal: Option<&'p Principal>,
        tracking_code: &str,
    ) -> Result<(&'p Principal, File)> {
        let p = principal.ok_or(Error::Unauthenticated)?;
        if !sees_registrations(principal) {
            return Err(Error::Forbidden);
        }
        Ok((
            p,
            self.registrations().by_tracking_code(tracking_code).await?,
        ))
    }

    /// Registrations in filing order, confined to what the principal may see.
    pub async fn list(self, principal: Option<&Principal>, query: ListQuery) -> Result<Listed> {
        let county = registrations_scope(principal, query.county.as_deref())?;
        let filter = RegistrationFilter {
            county: county.clone(),
            council: query.council.filter(|c| !c.is_empty()),
            state: query.state,
            national_id: None,
            search: query.search,
            sort: query.sort,
        };
        let election = self.ctx.cached().election_code().await?;
        let page = self
            .candidacy
            .registrations(election, &filter, query.page)
            .await?;
        Ok(Listed {
            county,
            filter,
            page,
        })
    }

    /// How many registrations a listed filter holds in `state` (the worklist's counts).
    pub async fn count(self, listed: &Listed, state: VettingState) -> Result<i64> {
        let election = self.ctx.cached().election_code().await?;
        let filter = RegistrationFilter {
            state: Some(state),
            ..listed.filter.clone()
        };
        Ok(self
            .candidacy
            .registrations(election, &filter, PageRequest::new(1, 1))
            .await?
            .total)
    }

    /// A file for a principal who may see its county's registrations.
    pub async fn visible_file(
        self,
        principal: Option<&Principal>,
        tracking_code: &str,
    ) -> Result<File> {
        let (_, (registration, history)) = self.boards_file(principal, tracking_code).await?;
        authorize(
            principal,
            Action::ViewRegistrations {
                county: &registration.county_code,
            },
        )?;
        Ok((registration, history))
    }

    /// One uploaded document of a file the principal may see, as stored (checked against its
    /// hash).
    pub async fn document(
        self,
        principal: Option<&Principal>,
        tracking_code: &str,
        kind: DocumentKind,
    ) -> Result<(StoredDocument, Vec<u8>)> {
        let (registration, _) = self.visible_file(principal, tracking_code).await?;
        let document = registration
            .documents
            .into_iter()
            .find(|d| d.kind == kind)
            .ok_or(Error::NotFound(store::Entity::Document))?;
        let bytes = crate::read_document(self.ctx.files, &document).await?;
        Ok((document, bytes))
    }

    /// Takes a vetting step and returns the file after it (`registration.<step>`). The
    /// applicant's own steps (`object`, `withdraw`) need no account but a proof of the
    /// applicant's national id (`identity`, purpose `applicant`), spent on the step, whoever
    /// is signed in: the tracking code alone is not enough, so whoever learns it cannot
    /// withdraw someone else's candidacy. The boards' steps need the reviewing board of the
    /// file's county (`Action::Vet`), and tell whether a file exists only to those who see
    /// registrations.
    pub async fn take_step(
        self,
        principal: Option<&Principal>,
        tracking_code: &str,
        action: &VettingAction,
        identity_proof: Option<&str>,
    ) -> Result<File> {
        let election = self.ctx.cached().election_code().await?;
        let now = self.ctx.clock.now();
        let tracking_code = tracking_code.trim();
        let applicant_step = matches!(
            action,
            VettingAction::Object { .. } | VettingAction::Withdraw { .. }
        );
        let (reviewer, actor) = if applicant_step {
            let proof = identity_proof.ok_or(Error::Identity(
                domain::identity::IdentityRefusal::NotVerified,
            ))?;
            let national_id = self.identity.proven(proof, Purpose::Applicant).await?;
            let (registration, _) = self
                .registrations()
                .applicants_file(tracking_code, national_id.as_str())
                .await?;
            // The step is judged before the proof is spent, so a refused one costs no code.
            if matches!(action, VettingAction::Withdraw { .. }) {
                let polls_open = self.registrations().withdrawals_close().await?;
                domain::vetting::may_withdraw(registration.vetting.state, now, polls_open)
                    .map_err(|r| Error::Store(r.into()))?;
            }
            // The applicant's own steps do not wait for the inquiries (the store checks again
            // with the file's answers).
            domain::vetting::apply(&registration.vetting, action, Reviewer::Applicant, now, &[])
                .map_err(|r| Error::Store(r.into()))?;
            self.identity
                .spend(proof, &national_id, Purpose::Applicant)
                .await?;
            (Reviewer::Applicant, Actor::new(APPLICANT, now))
        } else {
            let (p, (registration, _)) = self.boards_file(principal, tracking_code).await?;
            let county = registration.county_code.as_str();
            authorize(principal, Action::Vet { county })?;
            let reviewer = vetting_reviewer(p, county).ok_or(Error::Forbidden)?;
            (reviewer, Actor::new(p.username.clone(), now))
        };
        self.candidacy
            .vet(election, tracking_code, action, reviewer, &actor)
            .await?;
        self.registrations().by_tracking_code(tracking_code).await
    }

    /// A file's four standard inquiries (answered or pending), for those who may see the file.
    pub async fn inquiries(
        self,
        principal: Option<&Principal>,
        tracking_code: &str,
    ) -> Result<Vec<Inquiry>> {
        let (registration, _) = self.visible_file(principal, tracking_code).await?;
        let election = self.ctx.cached().election_code().await?;
        let answers = self
            .candidacy
            .inquiries(election, &registration.tracking_code)
            .await?;
        Ok(domain::inquiry::inquiries(&answers))
    }

    /// Whether the principal may record the inquiries of a file of `county` (the page shows
    /// its forms to them only).
    pub fn may_record_inquiries(principal: Option<&Principal>, county: &str) -> bool {
        authorize(principal, Action::RecordInquiry { county }).is_ok()
    }

    /// Records a standard inquiry's answer on a file (`registration.inquiry`), by one of the
    /// county's boards that vet it (`Action::RecordInquiry`), dated now; returns the file's
    /// four inquiries after it. Refused (409) on a closed file or a body that has answered.
    pub async fn record_inquiry(
        self,
        principal: Option<&Principal>,
        tracking_code: &str,
        authority: Authority,
        answer: Answer,
        note: &str,
    ) -> Result<Vec<Inquiry>> {
        let tracking_code = tracking_code.trim();
        let (p, (registration, _)) = self.boards_file(principal, tracking_code).await?;
        authorize(
            principal,
            Action::RecordInquiry {
                county: &registration.county_code,
            },
        )?;
        let election = self.ctx.cached().election_code().await?;
        let now = self.ctx.clock.now();
        let answer = InquiryAnswer {
            authority,
            answer,
            note: domain::text::normalize_name(note),
            answered_at: now,
        };
        let answers = self
            .candidacy
            .record_inquiry(
                election,
                tracking_code,
                &answer,
                &Actor::new(p.username.clone(), now),
            )
            .await?;
        Ok(domain::inquiry::inquiries(&answers))
    }
}
