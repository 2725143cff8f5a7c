//! Users and their sessions.

use crate::{Actor, NewSession, NewUser, SessionRecord, StoreResult, UserRecord};
use async_trait::async_trait;

#[async_trait]
pub trait AuthStore: Send + Sync + 'static {
    /// Fails with `Duplicate { User }` when the username is taken.
    async fn create_user(&self, user: &NewUser, by: &Actor) -> StoreResult<()>;
    async fn user(&self, username: &str) -> StoreResult<Option<UserRecord>>;
    async fn users(&self) -> StoreResult<Vec<UserRecord>>;

    /// Records a login: the new session and its audit record.
    async fn create_session(&self, session: &NewSession, by: &Actor) -> StoreResult<()>;
    /// A session that has not expired at `now_us`, with its user.
    async fn session(
        &self,
        token_hash: &str,
        now_us: i64,
    ) -> StoreResult<Option<(SessionRecord, UserRecord)>>;
    /// Records a logout. Deleting a session that does not exist is not an error.
    async fn delete_session(&self, token_hash: &str, by: &Actor) -> StoreResult<()>;
}
