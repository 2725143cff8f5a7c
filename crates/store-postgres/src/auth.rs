//! Users and their sessions.

use crate::chain::append_audit;
use crate::db::{db, retry, unique_as, Attempt, Postgres, Unique};
use crate::rows;
use async_trait::async_trait;
use domain::access::Role;
use sqlx::{PgConnection, Postgres as Pg, Transaction};
use store::audit_log::{
    logged_in, logged_out, password_changed, sessions_revoked, user_created, user_disabled,
    user_enabled,
};
use store::{
    scope_columns, AccountChange, Actor, AuthStore, Entity, NewSession, NewUser, Refusal,
    SessionRecord, StoreError, StoreResult, UserRecord,
};

/// A session live at `$2`: neither expired nor unused for longer than it may be.
const LIVE: &str = "s.expires_at_us > $2 \
     AND (s.idle_timeout_us IS NULL OR s.last_seen_at_us + s.idle_timeout_us > $2)";

/// The account `username`, its row locked for the transaction, or `NotFound { User }`.
async fn user_for_update(tx: &mut PgConnection, username: &str) -> Attempt<UserRecord> {
    let row = sqlx::query(&format!(
        "SELECT {} FROM users WHERE username = $1 FOR UPDATE",
        rows::USER_COLUMNS
    ))
    .bind(username)
    .fetch_optional(&mut *tx)
    .await?;
    match row {
        Some(row) => Ok(rows::user(&row)?),
        None => Err(StoreError::NotFound {
            entity: Entity::User,
        }
        .into()),
    }
}

/// Ends every session of `username` but `keep`; how many ended.
async fn end_sessions(tx: &mut PgConnection, username: &str, keep: Option<&str>) -> Attempt<u64> {
    Ok(
        sqlx::query("DELETE FROM sessions WHERE username = $1 AND token_hash IS DISTINCT FROM $2")
            .bind(username)
            .bind(keep)
            .execute(&mut *tx)
            .await?
            .rows_affected(),
    )
}

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
            "INSERT INTO sessions (token_hash, username, csrf_token, created_at_us, expires_at_us, \
             last_seen_at_us, idle_timeout_us) \
             VALUES ($1, $2, $3, $4, $5, $4, $6)",
        )
        .bind(&session.token_hash)
        .bind(&session.username)
        .bind(&session.csrf_token)
        .bind(by.at_us())
        .bind(session.expires_at_us)
        .bind(session.idle_timeout_us)
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

    async fn try_disable_user(&self, username: &str, by: &Actor) -> Attempt<AccountChange> {
        let mut tx: Transaction<'_, Pg> = self.pool.begin().await?;
        // The enabled HQ accounts are locked first, always in the same order, so that two HQ
        // users disabling each other at once queue here and the second sees the first's change.
        let hq: Vec<String> = sqlx::query_scalar(
            "SELECT username FROM users WHERE role = $1 AND disabled_at_us IS NULL \
             ORDER BY username COLLATE \"C\" FOR UPDATE",
        )
        .bind(Role::ProvinceHq.as_str())
        .fetch_all(&mut *tx)
        .await?;
        let user = user_for_update(&mut tx, username).await?;
        if user.disabled_at_us.is_some() {
            tx.rollback().await?;
            return Ok(AccountChange::default());
        }
        let other_hq = hq.iter().filter(|u| *u != username).count() as u64;
        domain::accounts::check_hq_left(user.role, other_hq).map_err(Refusal::Account)?;
        sqlx::query("UPDATE users SET disabled_at_us = $2 WHERE username = $1")
            .bind(username)
            .bind(by.at_us())
            .execute(&mut *tx)
            .await?;
        let sessions_ended = end_sessions(&mut tx, username, None).await?;
        append_audit(&mut tx, by, &user_disabled(username, sessions_ended)).await?;
        tx.commit().await?;
        Ok(AccountChange {
            changed: true,
            sessions_ended,
        })
    }

    async fn try_enable_user(&self, username: &str, by: &Actor) -> Attempt<AccountChange> {
        let mut tx = self.pool.begin().await?;
        let user = user_for_update(&mut tx, username).await?;
        if user.disabled_at_us.is_none() {
            tx.rollback().await?;
            return Ok(AccountChange::default());
        }
        sqlx::query("UPDATE users SET disabled_at_us = NULL WHERE username = $1")
            .bind(username)
            .execute(&mut *tx)
            .await?;
        // A login that raced the disable may have left a session: it stays ended.
        let sessions_ended = end_sessions(&mut tx, username, None).await?;
        append_audit(&mut tx, by, &user_enabled(username)).await?;
        tx.commit().await?;
        Ok(AccountChange {
            changed: true,
            sessions_ended,
        })
    }

    async fn try_set_password(
        &self,
        username: &str,
        password_hash: &str,
        keep: Option<&str>,
        by: &Actor,
    ) -> Attempt<AccountChange> {
        let mut tx = self.pool.begin().await?;
        user_for_update(&mut tx, username).await?;
        sqlx::query("UPDATE users SET password_hash = $2 WHERE username = $1")
            .bind(username)
            .bind(password_hash)
            .execute(&mut *tx)
            .await?;
        let sessions_ended = end_sessions(&mut tx, username, keep).await?;
        append_audit(&mut tx, by, &password_changed(username, sessions_ended)).await?;
        tx.commit().await?;
        Ok(AccountChange {
            changed: true,
            sessions_ended,
        })
    }

    async fn try_revoke_sessions(&self, username: &str, by: &Actor) -> Attempt<AccountChange> {
        let mut tx = self.pool.begin().await?;
        user_for_update(&mut tx, username).await?;
        let sessions_ended = end_sessions(&mut tx, username, None).await?;
        if sessions_ended == 0 {
            tx.rollback().await?;
            return Ok(AccountChange::default());
        }
        append_audit(&mut tx, by, &sessions_revoked(username, sessions_ended)).await?;
        tx.commit().await?;
        Ok(AccountChange {
            changed: true,
            sessions_ended,
        })
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
        let row = sqlx::query(&format!(
            "SELECT {}, u.username, u.password_hash, u.role, u.scope_kind, u.county_code, \
               u.station_code, u.created_at_us, u.disabled_at_us \
             FROM sessions s JOIN users u ON u.username = s.username \
             WHERE s.token_hash = $1 AND {LIVE} AND u.disabled_at_us IS NULL",
            rows::SESSION_COLUMNS
        ))
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

    #[tracing::instrument(skip_all)]
    async fn disable_user(&self, username: &str, by: &Actor) -> StoreResult<AccountChange> {
        retry(Unique::Fail, || self.try_disable_user(username, by)).await
    }

    #[tracing::instrument(skip_all)]
    async fn enable_user(&self, username: &str, by: &Actor) -> StoreResult<AccountChange> {
        retry(Unique::Fail, || self.try_enable_user(username, by)).await
    }

    #[tracing::instrument(skip_all)]
    async fn set_password(
        &self,
        username: &str,
        password_hash: &str,
        keep: Option<&str>,
        by: &Actor,
    ) -> StoreResult<AccountChange> {
        retry(Unique::Fail, || {
            self.try_set_password(username, password_hash, keep, by)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn user_sessions(&self, username: &str, now_us: i64) -> StoreResult<Vec<SessionRecord>> {
        let found = sqlx::query(&format!(
            "SELECT {} FROM sessions s WHERE s.username = $1 AND {LIVE} \
             ORDER BY s.created_at_us, s.token_hash COLLATE \"C\"",
            rows::SESSION_COLUMNS
        ))
        .bind(username)
        .bind(now_us)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows::all(&found, rows::session_only)
    }

    #[tracing::instrument(skip_all)]
    async fn revoke_sessions(&self, username: &str, by: &Actor) -> StoreResult<AccountChange> {
        retry(Unique::Fail, || self.try_revoke_sessions(username, by)).await
    }

    #[tracing::instrument(skip_all)]
    async fn touch_session(
        &self,
        token_hash: &str,
        now_us: i64,
        before_us: i64,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE sessions SET last_seen_at_us = $2 WHERE token_hash = $1 AND last_seen_at_us < $3",
        )
        .bind(token_hash)
        .bind(now_us)
        .bind(before_us)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }
}
