//! Complaints about a council's result (issue 18 §5): a candidate of the council — known by
//! their registration's tracking code and national id — files within the complaints window;
//! the county's supervision board decides (rejected, the station's box annulled, a recount
//! ordered); the candidate may object, and the province's board hears the objection. A
//! complaint pending keeps the council's result from being confirmed.

use crate::{authorize, Context, Error, Result};
use domain::access::{Action, Principal};
use domain::ids::NationalId;
use domain::results::complaints::{self, ComplaintRefusal, Hearing, Outcome};
use store::complaints::{Complaint, NewComplaint};
use store::{Actor, Store};

#[derive(Clone, Copy)]
pub struct Complaints<'a> {
    pub(crate) store: &'a dyn Store,
    pub(crate) ctx: Context<'a>,
}

/// What a candidate files.
#[derive(Debug, Clone)]
pub struct Filing {
    pub tracking_code: String,
    pub national_id: String,
    pub council: String,
    pub station: Option<String>,
    pub text: String,
}

fn refused(r: ComplaintRefusal) -> Error {
    Error::Store(r.into())
}

impl Complaints<'_> {
    /// The candidate code of an approved candidate of `council` with this tracking code and
    /// national id; `None` for anyone else (a wrong national id reads like no candidate).
    async fn candidate(
        self,
        tracking_code: &str,
        national_id: &str,
        council: &str,
    ) -> Result<Option<String>> {
        let Ok(id) = NationalId::parse(national_id) else {
            return Ok(None);
        };
        let election = self.ctx.cached().election_code().await?;
        let found = self
            .store
            .registration(election, tracking_code.trim())
            .await?;
        let Some(code) = found.and_then(|(registration, _)| {
            (registration.application.national_id == id
                && registration.application.council == council)
                .then_some(registration.candidate_code)
                .flatten()
        }) else {
            return Ok(None);
        };
        // On the council's ballot still: a candidate who withdrew keeps their code, not a say.
        let listed = self
            .store
            .candidates(election, council)
            .await?
            .iter()
            .any(|c| c.code == code);
        Ok(listed.then_some(code))
    }

    /// The window's length, for objections: the complaints window's own.
    async fn window(self) -> Result<Option<(time::OffsetDateTime, time::OffsetDateTime)>> {
        Ok(complaints::window(&self.ctx.cached().election().await?))
    }

    /// Files a complaint (public: the candidate's tracking code and national id).
    pub async fn file(self, filing: &Filing) -> Result<Complaint> {
        let council = self.ctx.lookups.council(&filing.council).await?;
        let candidate = self
            .candidate(&filing.tracking_code, &filing.national_id, &council.code)
            .await?;
        let station_in_council = match &filing.station {
            None => true,
            Some(code) => self
                .store
                .station(code)
                .await?
                .is_some_and(|s| s.councils().contains(&council.code.as_str())),
        };
        let now = self.ctx.clock.now();
        let text = complaints::check_filing(
            self.window().await?,
            now,
            (candidate.is_some(), station_in_council),
            &filing.text,
        )
        .map_err(refused)?;
        let candidate = candidate.unwrap_or_default();
        let election = self.ctx.cached().election_code().await?;
        Ok(self
            .store
            .file_complaint(
                election,
                &NewComplaint {
                    council: council.code,
                    station: filing.station.clone(),
                    candidate: candidate.clone(),
                    text,
                },
                &Actor::new(format!("candidate:{candidate}"), now),
            )
            .await?)
    }

    /// Every complaint of the election, newest first (public; the texts are the caller's to
    /// show only to whom `may_read_text` allows).
    pub async fn list(self) -> Result<Vec<Complaint>> {
        let election = self.ctx.cached().election_code().await?;
        Ok(self.store.complaints(election).await?)
    }

    async fn one(self, id: i64) -> Result<(Complaint, String)> {
        let complaint = self
            .list()
            .await?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or(Error::NotFound(store::Entity::Complaint))?;
        let county = self
            .ctx
            .lookups
            .council(&complaint.council)
            .await?
            .county_code;
        Ok((complaint, county))
    }

    /// Whether `principal` reads complaints' texts in `county`: who decides them there.
    pub fn may_read_text(principal: Option<&Principal>, county: &str) -> bool {
        crate::allows(principal, Action::DecideComplaint { county })
            || crate::allows(principal, Action::HearObjection)
    }

    /// The county supervision board's decision, with its reason.
    pub async fn decide(
        self,
        principal: Option<&Principal>,
        id: i64,
        outcome: Outcome,
        reason: &str,
    ) -> Result<Complaint> {
        let (_, county) = self.one(id).await?;
        let principal = authorize(principal, Action::DecideComplaint { county: &county })?;
        let election = self.ctx.cached().election_code().await?;
        Ok(self
            .store
            .decide_complaint(election, id, outcome, reason, &self.ctx.actor(principal))
            .await?)
    }

    /// The complaining candidate's objection to the decision (public: their tracking code and
    /// national id, which must be of the complaint's candidate).
    pub async fn object(
        self,
        id: i64,
        (tracking_code, national_id): (&str, &str),
        text: &str,
    ) -> Result<Complaint> {
        let (complaint, _) = self.one(id).await?;
        let candidate = self
            .candidate(tracking_code, national_id, &complaint.council)
            .await?;
        if candidate.as_deref() != Some(complaint.candidate.as_str()) {
            return Err(refused(ComplaintRefusal::NotACandidate));
        }
        let length = self.window().await?.map_or(
            time::Duration::days(complaints::DEFAULT_WINDOW_DAYS),
            |(from, until)| until - from,
        );
        let election = self.ctx.cached().election_code().await?;
        let by = Actor::new(
            format!("candidate:{}", complaint.candidate),
            self.ctx.clock.now(),
        );
        Ok(self
            .store
            .object_to_decision(election, id, text, length, &by)
            .await?)
    }

    /// The province board's hearing of an objection, with its reason.
    pub async fn hear(
        self,
        principal: Option<&Principal>,
        id: i64,
        hearing: Hearing,
        reason: &str,
    ) -> Result<Complaint> {
        self.one(id).await?;
        let principal = authorize(principal, Action::HearObjection)?;
        let election = self.ctx.cached().election_code().await?;
        Ok(self
            .store
            .hear_objection(election, id, hearing, reason, &self.ctx.actor(principal))
            .await?)
    }
}
