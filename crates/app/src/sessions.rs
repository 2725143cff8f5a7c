//! Signing in and out: a password checked against its Argon2id hash, a session opened or
//! closed (each with its audit record), and the session behind a token found. The web layer
//! keeps what belongs to HTTP: the cookies, the CSRF check, the rate of attempts and its cache
//! of recently read sessions.
//!
//! Every Argon2 hash and check runs on the blocking pool through [`Hashing`], which bounds how
//! many run at once (each takes 19 MiB) and how many may wait: past that, a login is refused
//! at once as [`Error::Busy`], to be tried again, rather than queued without bound (issue 15).

use crate::random::{new_token, token_hash};
use crate::{Error, Result};
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use domain::access::{Action, Principal, Scope};
use domain::clock::Clock;
use std::sync::Arc;
use store::{Actor, AuthStore, NewSession};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Hashes a password with Argon2id and a random salt (PHC string). Slow and memory-hungry:
/// on a server, run it through [`Hashing::run`].
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

/// How often a session's last use is written: a request finds its session's last use older
/// than this before it writes the new one, so a busy device costs one write a minute, not one
/// a request (and the web layer's cache spares most reads as well).
pub const TOUCH_EVERY: time::Duration = time::Duration::minutes(1);

/// The bound on Argon2 work: at most `running` hashes or checks at once (each holds 19 MiB
/// while it runs), and at most `queued` more waiting for one of them to end. A request past
/// both is refused at once with [`Error::Busy`].
pub struct Hashing {
    /// One permit per hash running or waiting: when none is left, the queue is full.
    admitted: Arc<Semaphore>,
    /// One permit per hash running.
    running: Arc<Semaphore>,
    /// How many may run or wait in all.
    capacity: usize,
}

/// Places in [`Hashing`] held, as a running hash holds them (for tests: the next login must
/// wait or be refused while they are held).
pub struct Held {
    _admitted: OwnedSemaphorePermit,
    _running: OwnedSemaphorePermit,
}

impl Hashing {
    /// At most `running` (at least one) at once and `queued` waiting.
    pub fn new(running: usize, queued: usize) -> Self {
        let running = running.max(1);
        let capacity = running.saturating_add(queued);
        Self {
            admitted: Arc::new(Semaphore::new(capacity)),
            running: Arc::new(Semaphore::new(running)),
            capacity,
        }
    }

    /// Twice the machine's cores, the default of `sandoq serve --hash-concurrency`.
    pub fn default_running() -> usize {
        std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get) * 2
    }

    /// Runs `work` (an Argon2 hash or check) on the blocking pool once one of the running
    /// places is free; refuses at once with [`Error::Busy`] when every place, running and
    /// waiting, is taken. The places are held until the work ends, even if the caller gives
    /// up waiting for it, so the bound holds for the memory too.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T> {
        let admitted = self
            .admitted
            .clone()
            .try_acquire_owned()
            .map_err(|_| Error::Busy)?;
        let running = self
            .running
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| Error::Internal(e.to_string()))?;
        Ok(tokio::task::spawn_blocking(move || {
            let _held = (admitted, running);
            work()
        })
        .await?)
    }

    /// Takes a running place and its admission, if both are free (see [`Held`]).
    pub fn try_hold(&self) -> Option<Held> {
        let admitted = self.admitted.clone().try_acquire_owned().ok()?;
        let running = self.running.clone().try_acquire_owned().ok()?;
        Some(Held {
            _admitted: admitted,
            _running: running,
        })
    }

    /// How many hashes run or wait now.
    pub fn in_use(&self) -> usize {
        self.capacity
            .saturating_sub(self.admitted.available_permits())
    }
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
    /// When it ends unless used again (`None`: only its expiry ends it).
    pub idle_until_us: Option<i64>,
}

/// How long sessions last: `ttl` from the login, and `idle` without use.
#[derive(Debug, Clone, Copy)]
pub struct Lifetime {
    pub ttl: time::Duration,
    pub idle: time::Duration,
}

#[derive(Clone, Copy)]
pub struct Sessions<'a> {
    pub(crate) auth: &'a dyn AuthStore,
    pub(crate) clock: &'a dyn Clock,
    pub(crate) cached: crate::cache::Cached<'a>,
    pub(crate) hashing: &'a Hashing,
}

impl Sessions<'_> {
    /// Checks the credentials and opens a session (`auth.login`); a wrong password, an
    /// unknown username and a disabled account are refused alike, in the same time. How often
    /// one may try is the caller's to limit (`web::auth::login` does, by username and
    /// address). Refused with [`Error::Busy`] when too many passwords are being checked.
    pub async fn open(self, username: &str, password: &str, lifetime: Lifetime) -> Result<Opened> {
        let user = self.auth.user(username.trim()).await?;
        let phc = user.as_ref().map(|u| u.password_hash.clone());
        let password = password.to_owned();
        let matches = self
            .hashing
            .run(move || match phc {
                Some(phc) => verify_password(&password, &phc),
                None => verify_password(&password, decoy_hash()),
            })
            .await?;
        // The password is checked even for a disabled account, so that the answer and its time
        // tell nothing of which accounts exist or are disabled.
        let Some(user) = user.filter(|u| matches && u.disabled_at_us.is_none()) else {
            return Err(Error::InvalidCredentials);
        };
        let principal = Principal {
            username: user.username,
            role: user.role,
            scope: user.scope,
        };
        let now = self.clock.now();
        let (expires_at, idle) = self.lifetime(&principal, now, lifetime).await;
        let (token, csrf_token) = (new_token(), new_token());
        let session = NewSession {
            token_hash: token_hash(&token),
            username: principal.username.clone(),
            csrf_token: csrf_token.clone(),
            expires_at_us: domain::clock::to_micros(expires_at),
            idle_timeout_us: idle
                .map(|d| i64::try_from(d.whole_microseconds()).unwrap_or(i64::MAX)),
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

    /// When a session opened at `now` expires, and how long it may go unused: after `ttl`,
    /// and `idle`; but the session of whoever may operate a station (the policy's
    /// `OperateStation`), opened on its polling day, lasts through that day
    /// (`domain::station_day::station_session_until`) and is never ended for being idle: the
    /// device stands in the polling station under its staff's eyes, a quiet hour is no reason
    /// to type the password again in front of voters, and the day's end ends it anyway.
    async fn lifetime(
        self,
        principal: &Principal,
        now: time::OffsetDateTime,
        lifetime: Lifetime,
    ) -> (time::OffsetDateTime, Option<time::Duration>) {
        let Lifetime { ttl, idle } = lifetime;
        let operates_a_station = match &principal.scope {
            Scope::Station { station, .. } => {
                crate::allows(Some(principal), Action::OperateStation { station })
            }
            Scope::Province | Scope::County { .. } => false,
        };
        if !operates_a_station {
            return (now + ttl, Some(idle));
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
            Some((open, close)) if domain::station_day::on_polling_day(now, open, close) => (
                domain::station_day::station_session_until(now, ttl, open, close),
                None,
            ),
            _ => (now + ttl, Some(idle)),
        }
    }

    /// The live session whose token hashes to `token_hash`, if any: neither expired nor idle,
    /// of an enabled account. Notes its use when the last note is older than [`TOUCH_EVERY`].
    pub async fn find(self, token_hash: &str) -> Result<Option<Live>> {
        let now_us = domain::clock::to_micros(self.clock.now());
        let Some((session, user)) = self.auth.session(token_hash, now_us).await? else {
            return Ok(None);
        };
        let every = i64::try_from(TOUCH_EVERY.whole_microseconds()).unwrap_or(i64::MAX);
        let mut last_seen = session.last_seen_at_us;
        // A session that cannot go idle needs no note (a station's device on its polling day
        // writes nothing more than its check-ins).
        if session.idle_timeout_us.is_some() && now_us.saturating_sub(last_seen) > every {
            self.auth
                .touch_session(token_hash, now_us, now_us - every)
                .await?;
            last_seen = now_us;
        }
        Ok(Some(Live {
            principal: Principal {
                username: user.username,
                role: user.role,
                scope: user.scope,
            },
            csrf_token: session.csrf_token,
            expires_at_us: session.expires_at_us,
            idle_until_us: session
                .idle_timeout_us
                .map(|idle| last_seen.saturating_add(idle)),
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

    /// With one place to run and one to wait: while a hash runs, the next waits for it, and
    /// the one after is refused at once as busy; when the first ends, the waiting one runs.
    #[tokio::test]
    async fn hashing_runs_so_many_queues_so_many_and_refuses_the_rest() {
        let hashing = Arc::new(Hashing::new(1, 1));
        let held = hashing.try_hold().expect("a free place");
        assert_eq!(hashing.in_use(), 1);
        assert!(
            hashing.try_hold().is_none(),
            "the one running place is taken"
        );
        let waiting = tokio::spawn({
            let hashing = hashing.clone();
            async move { hashing.run(|| 7).await }
        });
        while hashing.in_use() < 2 {
            tokio::task::yield_now().await;
        }
        assert!(!waiting.is_finished(), "it waits for the running place");
        let refused = hashing.run(|| 8).await;
        assert!(matches!(refused, Err(Error::Busy)), "{refused:?}");
        drop(held);
        assert_eq!(waiting.await.unwrap().unwrap(), 7);
        assert_eq!(hashing.in_use(), 0);
        assert_eq!(hashing.run(|| 9).await.unwrap(), 9, "free again");
    }
}
