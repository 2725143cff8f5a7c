//! Proving a national id without an account (`domain::identity`): a one-time code sent to the
//! mobile number the people registry holds for it, entered back, makes a proof good for one
//! filing or one step on one's own file. Public: anyone may ask, so every ask is counted per
//! national id and per client address, failed look-ups included.

use crate::random::{new_token, random_bytes, token_hash};
use crate::sms::Sms;
use crate::{Context, Error, Result};
use domain::identity::{self, Attempt, IdentityRefusal, Limits, Purpose};
use domain::ids::NationalId;
use store::{Actor, IdentityStore, NewChallenge, PeopleStore, StoreError};

/// The actor of what an applicant does without an account.
use crate::registrations::APPLICANT;

#[derive(Clone, Copy)]
pub struct Identity<'a> {
    pub(crate) people: &'a dyn PeopleStore,
    pub(crate) identity: &'a dyn IdentityStore,
    pub(crate) sms: &'a Sms,
    pub(crate) limits: &'a Limits,
    pub(crate) ctx: Context<'a>,
}

/// Who asks for a code, as typed.
#[derive(Debug, Clone, Default)]
pub struct CodeRequest {
    pub national_id: String,
    pub birth_date: String,
    pub father_name: String,
    pub purpose: Option<Purpose>,
}

/// A code sent: the challenge token to enter it against, where it went (masked), and until
/// when it may be entered.
#[derive(Debug, Clone)]
pub struct CodeSent {
    pub challenge: String,
    pub sent_to: String,
    pub expires_at: time::OffsetDateTime,
    pub purpose: Purpose,
}

/// A code entered: the proof (the challenge's token, now good for one use) and until when.
#[derive(Debug, Clone)]
pub struct Proven {
    pub proof: String,
    pub national_id: NationalId,
    pub purpose: Purpose,
    pub valid_until: time::OffsetDateTime,
}

/// A challenge as the page asking for its code sees it.
#[derive(Debug, Clone)]
pub struct Pending {
    pub purpose: Purpose,
    pub expires_at: time::OffsetDateTime,
    /// Whether its code may still be entered.
    pub open: bool,
}

/// A six-digit code, uniform (bytes past the last whole million are drawn again).
fn new_code() -> String {
    loop {
        let n = u32::from_le_bytes(random_bytes::<4>());
        if n < 4_294_000_000 {
            return format!("{:06}", n % 1_000_000);
        }
    }
}

/// What the store keeps of a code: its hash bound to the challenge's token, which the store
/// never sees, so the table alone does not give the code away.
fn code_hash(token: &str, code: &str) -> String {
    audit::digest_hex(format!("{token}:{code}").as_bytes())
}

/// An identity refusal from the store, as the use cases' error.
fn refused(e: StoreError) -> Error {
    match e {
        StoreError::Refused(store::Refusal::Identity(r)) => Error::Identity(r),
        StoreError::NotFound {
            entity: store::Entity::Challenge,
            ..
        } => Error::Identity(IdentityRefusal::UnknownChallenge),
        e => Error::Store(e),
    }
}

impl Identity<'_> {
    fn actor(self) -> Actor {
        Actor::new(APPLICANT, self.ctx.clock.now())
    }

    /// Sends a code to the registry's mobile number for this national id, if the birth date
    /// and the father's name given are the registry's; `address` is the client's network (as
    /// the login limiter counts it). A look-up the registry does not match is counted as a
    /// code is, before it is answered, so guessing costs as much as asking.
    pub async fn send_code(self, request: &CodeRequest, address: &str) -> Result<CodeSent> {
        let national_id = NationalId::parse(&request.national_id)?;
        let birth_date = domain::calendar::parse_date(request.birth_date.trim()).map_err(|_| {
            Error::invalid(
                "birth_date",
                "تاریخ را به صورت ۱۳۶۵/۰۱/۳۱ یا 1986-04-20 بنویسید",
            )
        })?;
        if request.father_name.trim().is_empty() {
            return Err(Error::invalid("father_name", "نام پدر را بنویسید"));
        }
        let purpose = request
            .purpose
            .ok_or_else(|| Error::invalid("purpose", "register یا applicant"))?;
        let person = self.people.person(national_id.as_str()).await?;
        let matched = identity::match_registry(person.as_ref(), birth_date, &request.father_name);
        let token = new_token();
        let code = new_code();
        let challenge = NewChallenge {
            token_hash: token_hash(&token),
            code_hash: matched.is_ok().then(|| code_hash(&token, &code)),
            national_id,
            purpose,
            address: address.to_owned(),
        };
        let actor = self.actor();
        self.identity
            .open_challenge(&challenge, self.limits, &actor)
            .await
            .map_err(refused)?;
        let mobile = matched.map_err(Error::Identity)?;
        self.sms
            .sender()
            .send(
                mobile,
                &identity::message(&code, purpose, self.limits),
                actor.at,
            )
            .await
            .map_err(|e| Error::SmsUnavailable(e.0))?;
        Ok(CodeSent {
            challenge: token,
            sent_to: identity::masked_mobile(mobile),
            expires_at: actor.at + self.limits.code_lifetime,
            purpose,
        })
    }

    /// Enters a code against its challenge: the right one makes the challenge a proof; a
    /// wrong one is counted and refused with how many tries are left.
    pub async fn verify(self, challenge: &str, code: &str) -> Result<Proven> {
        let challenge = challenge.trim();
        let code: String = domain::text::ascii_digits(code)
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        let actor = self.actor();
        let attempt = self
            .identity
            .enter_code(
                &token_hash(challenge),
                &code_hash(challenge, &code),
                self.limits,
                &actor,
            )
            .await
            .map_err(refused)?;
        if let Attempt::Wrong { attempts_left } = attempt {
            return Err(Error::Identity(IdentityRefusal::WrongCode {
                attempts_left,
            }));
        }
        let stored = self
            .identity
            .challenge(&token_hash(challenge))
            .await?
            .ok_or(Error::Identity(IdentityRefusal::UnknownChallenge))?;
        Ok(Proven {
            proof: challenge.to_owned(),
            national_id: stored.challenge.national_id,
            purpose: stored.challenge.purpose,
            valid_until: actor.at + self.limits.proof_lifetime,
        })
    }

    /// The national id a proof proves for `purpose` now, without spending it (to refuse a
    /// filing before any work, or to list the filings in one's name).
    pub async fn proven(self, proof: &str, purpose: Purpose) -> Result<NationalId> {
        let stored = self
            .identity
            .challenge(&token_hash(proof.trim()))
            .await?
            .ok_or(Error::Identity(IdentityRefusal::NotVerified))?;
        let national_id = stored.challenge.national_id.clone();
        identity::check_proof(
            self.limits,
            &stored.challenge,
            &national_id,
            purpose,
            self.ctx.clock.now(),
        )
        .map_err(Error::Identity)?;
        Ok(national_id)
    }

    /// Spends a proof of `national_id` for `purpose` (once; in its own transaction, before
    /// the filing or the step it pays for).
    pub(crate) async fn spend(
        self,
        proof: &str,
        national_id: &NationalId,
        purpose: Purpose,
    ) -> Result<()> {
        self.identity
            .spend_proof(
                &token_hash(proof.trim()),
                national_id,
                purpose,
                self.limits,
                &self.actor(),
            )
            .await
            .map_err(refused)
    }

    /// Whether the registry holds this birth date and father's name for `national_id` (a
    /// proven applicant's form must carry the registry's, not others).
    pub(crate) async fn registry_agrees(
        self,
        national_id: &NationalId,
        birth_date: time::Date,
        father_name: &str,
    ) -> Result<bool> {
        let person = self.people.person(national_id.as_str()).await?;
        Ok(person.is_some_and(|p| identity::registry_holds(&p, birth_date, father_name)))
    }

    /// A challenge whose code may still be entered (`open`), or not, by its token: for the
    /// page that asks for the code again after a wrong one.
    pub async fn pending(self, challenge: &str) -> Result<Option<Pending>> {
        let Some(stored) = self
            .identity
            .challenge(&token_hash(challenge.trim()))
            .await?
        else {
            return Ok(None);
        };
        let c = &stored.challenge;
        let expires_at = c.created_at + self.limits.code_lifetime;
        let open = c.sent
            && c.verified_at.is_none()
            && c.attempts < self.limits.max_attempts
            && self.ctx.clock.now() < expires_at;
        Ok(Some(Pending {
            purpose: c.purpose,
            expires_at,
            open,
        }))
    }

    /// Someone of the registry with a mobile number and no filing yet, for the demo's page to
    /// suggest (only a demo's pages ask: it names a person).
    pub async fn demo_applicant(self) -> Result<Option<domain::person::Person>> {
        let page = self
            .people
            .search_people("", None, false, store::PageRequest::new(1, 50))
            .await?;
        Ok(page.items.into_iter().find(|p| p.mobile.is_some()))
    }

    /// What the registry holds of a proven person, to fill their form in.
    pub async fn registry_entry(
        self,
        national_id: &NationalId,
    ) -> Result<Option<domain::person::Person>> {
        Ok(self.people.person(national_id.as_str()).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_and_their_hash_is_bound_to_the_token() {
        for _ in 0..100 {
            let code = new_code();
            assert_eq!(code.len(), 6);
            assert!(code.bytes().all(|b| b.is_ascii_digit()));
        }
        assert_ne!(code_hash("a", "123456"), code_hash("b", "123456"));
        assert_eq!(code_hash("a", "123456"), code_hash("a", "123456"));
    }
}
