//! Signing in and out: a password checked against its Argon2id hash, a session opened or
//! closed (each with its audit record), and the session behind a token found. The web layer
//! keeps what belongs to HTTP: the cookies, the CSRF check, the rate of attempts and its cache
//! of recently read sessions.

use crate::random::{new_token, token_hash};
use crate::{Error, Result};
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use domain::access::{Action, Principal, Scope};
use domain::clock::Clock;
use store::{Actor, AuthStore, NewSession};

/// Hashes a password with Argon2id and a random salt (PHC string).
pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(e.to_string()))
}

/// Checks a password against a PHC string; a malformed hash never matches.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A valid hash of no one's password, so that an unknown username costs as much time as a
/// wrong password and does not reveal which usernames exist.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password nobody has").unwrap_or_default())
}

/// A session just opened: the token the client carries (the store keeps only its hash), the
/// CSRF token of the pages, who it is and until when.
pub struct Opened {
    pub token: String,
    pub csrf_token: String,
    pub principal: Principal,
    pub expires_at: time::OffsetDateTime,
}

/// A live session as the store has it.
#[derive(Debug, Clone)]
pub struct Live {
    pub principal: Principal,
    pub csrf_token: String,
    pub expires_at_us: i64,
}

#[derive(Clone, Copy)]
pub struct Sessions<'a> {
    pub(crate) auth: &'a dyn AuthStore,
    pub(crate) clock: &'a dyn Clock,
    pub(crate) cached: crate::cache::Cached<'a>,
}

impl Sessions<'_> {
    /// Checks the credentials and opens a session of `ttl` (`auth.login`); a wrong password
    /// and an unknown username are refused alike, in the same time. How often one may try is
    /// the caller's to limit (`web::auth::login` does, by username and address).
    pub async fn open(self, username: &str, password: &str, ttl: time::Duration) -> Result<Opened> {
        let user = self.auth.user(username.trim()).await?;
        let phc = user
            .as_ref()
            .map_or_else(|| decoy_hash().to_owned(), |u| u.password_hash.clone());
        let password = password.to_owned();
        let matches = tokio::task::spawn_blocking(move || verify_password(&password, &phc)).await?;
        let Some(user) = user.filter(|_| matches) else {
            return Err(Error::InvalidCredentials);
        };
        let principal = Principal {
            username: user.username,
            role: user.role,
            scope: user.scope,
        };
        let now = self.clock.now();
        let expires_at = self.expiry(&principal, now, ttl).await;
        let (token, csrf_token) = (new_token(), new_token());
        let session = NewSession {
            token_hash: token_hash(&token),
            username: principal.username.clone(),
            csrf_token: csrf_token.clone(),
            expires_at_us: domain::clock::to_micros(expires_at),
            idle_timeout_us: None,
        };
        self.auth
            .create_session(&session, &Actor::new(principal.username.clone(), now))
            .await?;
        Ok(Opened {
            token,
            csrf_token,
            principal,
            expires_at,
        })
    }

    /// When a session opened at `now` expires: after `ttl`, but the session of whoever may
    /// operate a station (the policy's `OperateStation`) lasts through its polling day
    /// (`domain::station_day::station_session_until`).
    async fn expiry(
        self,
        principal: &Principal,
        now: time::OffsetDateTime,
        ttl: time::Duration,
    ) -> time::OffsetDateTime {
        let operates_a_station = match &principal.scope {
            Scope::Station { station, .. } => {
                crate::allows(Some(principal), Action::OperateStation { station })
            }
            Scope::Province | Scope::County { .. } => false,
        };
        if !operates_a_station {
            return now + ttl;
        }
        // Without an election (or its polling hours) there is no polling day to keep to.
        let polls = self
            .cached
            .election()
            .await
            .ok()
            .as_ref()
            .and_then(store::election_day::polls);
        match polls {
            Some((open, close)) => {
                domain::station_day::station_session_until(now, ttl, open, close)
            }
            None => now + ttl,
        }
    }

    /// The live session whose token hashes to `token_hash`, if any.
    pub async fn find(self, token_hash: &str) -> Result<Option<Live>> {
        let now_us = domain::clock::to_micros(self.clock.now());
        Ok(self
            .auth
            .session(token_hash, now_us)
            .await?
            .map(|(session, user)| Live {
                principal: Principal {
                    username: user.username,
                    role: user.role,
                    scope: user.scope,
                },
                csrf_token: session.csrf_token,
                expires_at_us: session.expires_at_us,
            }))
    }

    /// Closes the principal's session (`auth.logout`).
    pub async fn close(self, token_hash: &str, principal: &Principal) -> Result<()> {
        let by = Actor::new(principal.username.clone(), self.clock.now());
        Ok(self.auth.delete_session(token_hash, &by).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_matches_its_own_hash_only() {
        let phc = hash_password("correct horse").unwrap();
        assert!(verify_password("correct horse", &phc));
        assert!(!verify_password("correct hors", &phc));
        assert!(!verify_password("correct horse", "not a phc string"));
        assert_ne!(phc, hash_password("correct horse").unwrap(), "salted");
    }
}
