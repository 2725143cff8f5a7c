//! Users and their sessions.

use crate::{AccountChange, Actor, NewSession, NewUser, SessionRecord, StoreResult, UserRecord};
use async_trait::async_trait;

#[async_trait]
pub trait AuthStore: Send + Sync + 'static {
    /// Fails with `Duplicate { User }` when the username is taken.
    async fn create_user(&self, user: &NewUser, by: &Actor) -> StoreResult<()>;
    async fn user(&self, username: &str) -> StoreResult<Option<UserRecord>>;
    async fn users(&self) -> StoreResult<Vec<UserRecord>>;

    /// Records a login: the new session and its audit record.
    async fn create_session(&self, session: &NewSession, by: &Actor) -> StoreResult<()>;
    /// A session that has neither expired nor gone idle at `now_us`, of an enabled account,
    /// with its user.
    async fn session(
        &self,
        token_hash: &str,
        now_us: i64,
    ) -> StoreResult<Option<(SessionRecord, UserRecord)>>;
    /// Records a logout. Deleting a session that does not exist is not an error.
    async fn delete_session(&self, token_hash: &str, by: &Actor) -> StoreResult<()>;

    /// Disables an account and ends every session of it, with one audit record
    /// (`user.disable`). `NotFound { User }` when there is no such account; refused
    /// (`Refusal::Account(LastHq)`) when it is the last enabled province HQ account, counted in
    /// the same transaction. Disabling a disabled account changes and records nothing.
    async fn disable_user(&self, username: &str, by: &Actor) -> StoreResult<AccountChange>;
    /// Enables a disabled account (`user.enable`); an enabled one changes and records nothing.
    async fn enable_user(&self, username: &str, by: &Actor) -> StoreResult<AccountChange>;
    /// Sets an account's password hash and ends its sessions but `keep` (the session that
    /// changed its own password), with one audit record (`user.password`, never the hash).
    async fn set_password(
        &self,
        username: &str,
        password_hash: &str,
        keep: Option<&str>,
        by: &Actor,
    ) -> StoreResult<AccountChange>;
    /// The account's sessions still live at `now_us` (neither expired nor idle), oldest first.
    async fn user_sessions(&self, username: &str, now_us: i64) -> StoreResult<Vec<SessionRecord>>;
    /// Ends every session of an account (`auth.revoke`; nothing is recorded when it had none).
    /// `NotFound { User }` when there is no such account.
    async fn revoke_sessions(&self, username: &str, by: &Actor) -> StoreResult<AccountChange>;
    /// Notes that a session was used at `now_us`, if it was last noted before `before_us`.
    /// Bookkeeping, like a read: no audit record.
    async fn touch_session(&self, token_hash: &str, now_us: i64, before_us: i64)
        -> StoreResult<()>;
}
