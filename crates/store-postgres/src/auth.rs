//! Users and their sessions.

use crate::chain::append_audit;
use crate::db::{db, retry, unique_as, Attempt, Postgres, Unique};
use crate::rows;
use async_trait::async_trait;
use store::audit_log::{logged_in, logged_out, user_created};
use store::{
    scope_columns, Actor, AuthStore, Entity, NewSession, NewUser, SessionRecord, StoreResult,
    UserRecord,
};

impl Postgres {
    async fn try_create_user(&self, user: &NewUser, by: &Actor) -> Attempt<()> {
        let mut tx = self.pool.begin().await?;
        let (kind, county, station) = scope_columns(&user.scope);
        sqlx::query(
            "INSERT INTO users (username, password_hash, role, scope_kind, county_code, station_code, created_at_us) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&user.username)
        .bind(&user.password_hash)
        .bind(user.role.as_str())
        .bind(kind)
        .bind(county)
        .bind(station)
        .bind(by.at_us())
        .execute(&mut *tx)
        .await
        .map_err(|e| unique_as(e, Entity::User, &user.username))?;
        append_audit(&mut tx, by, &user_created(user)).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn try_create_session(&self, session: &NewSession, by: &Actor) -> Attempt<()> {
        let mut tx = self.pool.begin().await?;
        // Housekeeping in the same transaction: the user's expired sessions go.
        let expired =
            sqlx::query("DELETE FROM sessions WHERE username = $1 AND expires_at_us <= $2")
                .bind(&session.username)
                .bind(by.at_us())
                .execute(&mut *tx)
                .await?
                .rows_affected();
        sqlx::query(
            "INSERT INTO sessions (token_hash, username, csrf_token, created_at_us, expires_at_us) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&session.token_hash)
        .bind(&session.username)
        .bind(&session.csrf_token)
        .bind(by.at_us())
        .bind(session.expires_at_us)
        .execute(&mut *tx)
        .await
        .map_err(|e| unique_as(e, Entity::Session, &session.token_hash))?;
        append_audit(
            &mut tx,
            by,
            &logged_in(&session.username, session.expires_at_us, expired),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn try_delete_session(&self, token_hash: &str, by: &Actor) -> Attempt<()> {
        let mut tx = self.pool.begin().await?;
        let username: Option<String> =
            sqlx::query_scalar("DELETE FROM sessions WHERE token_hash = $1 RETURNING username")
                .bind(token_hash)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(username) = username else {
            // Nothing to end: no change, no audit record.
            tx.rollback().await?;
            return Ok(());
        };
        append_audit(&mut tx, by, &logged_out(&username)).await?;
        tx.commit().await?;
        Ok(())
    }
}

#[async_trait]
impl AuthStore for Postgres {
    #[tracing::instrument(skip_all)]
    async fn create_user(&self, user: &NewUser, by: &Actor) -> StoreResult<()> {
        retry(Unique::Fail, || self.try_create_user(user, by)).await
    }

    #[tracing::instrument(skip_all)]
    async fn user(&self, username: &str) -> StoreResult<Option<UserRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {} FROM users WHERE username = $1",
            rows::USER_COLUMNS
        ))
        .bind(username)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref().map(rows::user).transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn users(&self) -> StoreResult<Vec<UserRecord>> {
        let found = sqlx::query(&format!(
            "SELECT {} FROM users ORDER BY username COLLATE \"C\"",
            rows::USER_COLUMNS
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows::all(&found, rows::user)
    }

    #[tracing::instrument(skip_all)]
    async fn create_session(&self, session: &NewSession, by: &Actor) -> StoreResult<()> {
        retry(Unique::Fail, || self.try_create_session(session, by)).await
    }

    #[tracing::instrument(skip_all)]
    async fn session(
        &self,
        token_hash: &str,
        now_us: i64,
    ) -> StoreResult<Option<(SessionRecord, UserRecord)>> {
        let row = sqlx::query(
            "SELECT s.token_hash, s.csrf_token, s.created_at_us AS session_created_at_us, s.expires_at_us, \
               u.username, u.password_hash, u.role, u.scope_kind, u.county_code, u.station_code, u.created_at_us \
             FROM sessions s JOIN users u ON u.username = s.username \
             WHERE s.token_hash = $1 AND s.expires_at_us > $2",
        )
        .bind(token_hash)
        .bind(now_us)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref().map(rows::session).transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn delete_session(&self, token_hash: &str, by: &Actor) -> StoreResult<()> {
        retry(Unique::Fail, || self.try_delete_session(token_hash, by)).await
    }
}
