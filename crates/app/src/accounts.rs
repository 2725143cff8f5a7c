//! The accounts, for the province HQ (`Action::ManageAccounts`): the list, disabling and
//! enabling, a new password, and ending an account's sessions. Each change is one transaction
//! with its audit record (the store's). Accounts are still created on the command line
//! (`sandoq user add`), which also disables, enables and changes passwords without a session.

use crate::sessions::{hash_password, Hashing};
use crate::{authorize, Result};
use domain::access::{Action, Principal, Role, Scope};
use domain::clock::Clock;
use store::{AccountChange, Actor, AuthStore, UserRecord};

#[derive(Clone, Copy)]
pub struct Accounts<'a> {
    pub(crate) auth: &'a dyn AuthStore,
    pub(crate) clock: &'a dyn Clock,
    pub(crate) hashing: &'a Hashing,
}

/// An account as the HQ sees it: never its password hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub username: String,
    pub role: Role,
    pub scope: Scope,
    pub created_at_us: i64,
    pub disabled_at_us: Option<i64>,
}

impl From<UserRecord> for Account {
    fn from(u: UserRecord) -> Self {
        Self {
            username: u.username,
            role: u.role,
            scope: u.scope,
            created_at_us: u.created_at_us,
            disabled_at_us: u.disabled_at_us,
        }
    }
}

/// A live session as it is shown: its times, never its token nor the token's hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    pub created_at_us: i64,
    pub last_seen_at_us: i64,
    pub expires_at_us: i64,
    /// When it ends unless used again (`None`: only its expiry ends it).
    pub idle_until_us: Option<i64>,
}

impl From<store::SessionRecord> for SessionInfo {
    fn from(s: store::SessionRecord) -> Self {
        Self {
            idle_until_us: s.idle_until_us(),
            created_at_us: s.created_at_us,
            last_seen_at_us: s.last_seen_at_us,
            expires_at_us: s.expires_at_us,
        }
    }
}

impl Accounts<'_> {
    fn actor(self, principal: &Principal) -> Actor {
        Actor::new(principal.username.clone(), self.clock.now())
    }

    /// Every account, by username.
    pub async fn list(self, principal: Option<&Principal>) -> Result<Vec<Account>> {
        authorize(principal, Action::ManageAccounts)?;
        Ok(self
            .auth
            .users()
            .await?
            .into_iter()
            .map(Account::from)
            .collect())
    }

    /// Disables an account and ends its sessions: never one's own
    /// (`domain::accounts::check_disable`), never the last enabled HQ account (the store
    /// counts them in its transaction).
    pub async fn disable(
        self,
        principal: Option<&Principal>,
        username: &str,
    ) -> Result<AccountChange> {
        let p = authorize(principal, Action::ManageAccounts)?;
        domain::accounts::check_disable(&p.username, username)
            .map_err(|r| store::StoreError::Refused(store::Refusal::Account(r)))?;
        Ok(self.auth.disable_user(username, &self.actor(p)).await?)
    }

    pub async fn enable(
        self,
        principal: Option<&Principal>,
        username: &str,
    ) -> Result<AccountChange> {
        let p = authorize(principal, Action::ManageAccounts)?;
        Ok(self.auth.enable_user(username, &self.actor(p)).await?)
    }

    /// Sets a new password (at least `domain::accounts::MIN_PASSWORD_CHARS` characters) and
    /// ends the account's sessions, but the caller's own (`current`, the hash of its token)
    /// when it is the caller's own account.
    pub async fn set_password(
        self,
        principal: Option<&Principal>,
        username: &str,
        password: &str,
        current: Option<&str>,
    ) -> Result<AccountChange> {
        let p = authorize(principal, Action::ManageAccounts)?;
        domain::accounts::check_password(password)?;
        let password = password.to_owned();
        let hash = self.hashing.run(move || hash_password(&password)).await??;
        let keep = current.filter(|_| p.username == username);
        Ok(self
            .auth
            .set_password(username, &hash, keep, &self.actor(p))
            .await?)
    }

    /// The account's live sessions, oldest first.
    pub async fn sessions(
        self,
        principal: Option<&Principal>,
        username: &str,
    ) -> Result<Vec<SessionInfo>> {
        authorize(principal, Action::ManageAccounts)?;
        let now_us = domain::clock::to_micros(self.clock.now());
        Ok(self
            .auth
            .user_sessions(username, now_us)
            .await?
            .into_iter()
            .map(SessionInfo::from)
            .collect())
    }

    /// Ends every session of the account.
    pub async fn revoke(
        self,
        principal: Option<&Principal>,
        username: &str,
    ) -> Result<AccountChange> {
        let p = authorize(principal, Action::ManageAccounts)?;
        Ok(self.auth.revoke_sessions(username, &self.actor(p)).await?)
    }
}
