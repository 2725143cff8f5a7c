//! Users and sessions on SQLite.

use crate::chain::append_audit;
use crate::db::{db_err, duplicate_or, Sqlite};
use crate::rows::{user_from_row, USER_COLUMNS};
use crate::sql::all;
use async_trait::async_trait;
use domain::access::Role;
use rusqlite::{params, OptionalExtension, Row, Transaction};
use store::audit_log::{
    logged_in, logged_out, password_changed, sessions_revoked, user_created, user_disabled,
    user_enabled,
};
use store::{
    scope_columns, AccountChange, Actor, AuthStore, Entity, NewSession, NewUser, Refusal,
    SessionRecord, StoreError, StoreResult, UserRecord,
};

/// A session's columns, in the order [`session_from_row`] reads them from `offset` on.
const SESSION_COLUMNS: &str = "s.token_hash, s.username, s.csrf_token, s.created_at_us, s.expires_at_us, s.last_seen_at_us, s.idle_timeout_us";

/// A session live at `?2`: neither expired nor unused for longer than it may be.
const LIVE: &str = "s.expires_at_us > ?2 AND (s.idle_timeout_us IS NULL OR s.last_seen_at_us + s.idle_timeout_us > ?2)";

fn session_from_row(r: &Row<'_>, offset: usize) -> rusqlite::Result<SessionRecord> {
    Ok(SessionRecord {
        token_hash: r.get(offset)?,
        username: r.get(offset + 1)?,
        csrf_token: r.get(offset + 2)?,
        created_at_us: r.get(offset + 3)?,
        expires_at_us: r.get(offset + 4)?,
        last_seen_at_us: r.get(offset + 5)?,
        idle_timeout_us: r.get(offset + 6)?,
    })
}

/// The account `username` in the transaction, or `NotFound { User }`.
fn user_in(tx: &Transaction<'_>, username: &str) -> StoreResult<UserRecord> {
    tx.query_row(
        &format!("SELECT {USER_COLUMNS} FROM users WHERE username = ?1"),
        [username],
        user_from_row,
    )
    .optional()
    .map_err(db_err)?
    .ok_or(StoreError::NotFound {
        entity: Entity::User,
    })
}

/// Ends every session of `username` but `keep`; how many ended.
fn end_sessions(tx: &Transaction<'_>, username: &str, keep: Option<&str>) -> StoreResult<u64> {
    let ended = tx
        .execute(
            "DELETE FROM sessions WHERE username = ?1 AND token_hash IS NOT ?2",
            params![username, keep],
        )
        .map_err(db_err)?;
    Ok(ended as u64)
}

#[async_trait]
impl AuthStore for Sqlite {
    #[tracing::instrument(skip_all)]
    async fn create_user(&self, user: &NewUser, by: &Actor) -> StoreResult<()> {
        let (user, by) = (user.clone(), by.clone());
        self.write(move |tx| {
            let (kind, county, station) = scope_columns(&user.scope);
            tx.execute(
                "INSERT INTO users (username, password_hash, role, scope_kind, county_code, station_code, created_at_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    user.username,
                    user.password_hash,
                    user.role.as_str(),
                    kind,
                    county,
                    station,
                    by.at_us()
                ],
            )
            .map_err(|e| duplicate_or(e, Entity::User, &user.username))?;
            append_audit(tx, &by, &user_created(&user))
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn user(&self, username: &str) -> StoreResult<Option<UserRecord>> {
        let name = username.to_owned();
        self.read(move |c| {
            c.query_row(
                &format!("SELECT {USER_COLUMNS} FROM users WHERE username = ?1"),
                [name],
                user_from_row,
            )
            .optional()
            .map_err(db_err)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn users(&self) -> StoreResult<Vec<UserRecord>> {
        self.read(|c| {
            let mut s = c
                .prepare(&format!(
                    "SELECT {USER_COLUMNS} FROM users ORDER BY username"
                ))
                .map_err(db_err)?;
            all(&mut s, [], user_from_row)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn create_session(&self, session: &NewSession, by: &Actor) -> StoreResult<()> {
        let (s, by) = (session.clone(), by.clone());
        self.write(move |tx| {
            // Housekeeping in the same transaction: the user's expired sessions go.
            let expired = tx
                .execute("DELETE FROM sessions WHERE username = ?1 AND expires_at_us <= ?2", params![s.username, by.at_us()])
                .map_err(db_err)?;
            tx.execute(
                "INSERT INTO sessions (token_hash, username, csrf_token, created_at_us, expires_at_us, last_seen_at_us, idle_timeout_us) VALUES (?1, ?2, ?3, ?4, ?5, ?4, ?6)",
                params![s.token_hash, s.username, s.csrf_token, by.at_us(), s.expires_at_us, s.idle_timeout_us],
            )
            .map_err(db_err)?;
            append_audit(tx, &by, &logged_in(&s.username, s.expires_at_us, expired as u64))
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn session(
        &self,
        token_hash: &str,
        now_us: i64,
    ) -> StoreResult<Option<(SessionRecord, UserRecord)>> {
        let token = token_hash.to_owned();
        self.read(move |c| {
            let sql = format!(
                "SELECT u.{}, {SESSION_COLUMNS}
                 FROM sessions s JOIN users u ON u.username = s.username
                 WHERE s.token_hash = ?1 AND {LIVE} AND u.disabled_at_us IS NULL",
                USER_COLUMNS.replace(", ", ", u.")
            );
            c.prepare_cached(&sql)
                .map_err(db_err)?
                .query_row(params![token, now_us], |r| {
                    Ok((session_from_row(r, 8)?, user_from_row(r)?))
                })
                .optional()
                .map_err(db_err)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn delete_session(&self, token_hash: &str, by: &Actor) -> StoreResult<()> {
        let (token, by) = (token_hash.to_owned(), by.clone());
        self.write(move |tx| {
            let username: Option<String> = tx
                .query_row(
                    "DELETE FROM sessions WHERE token_hash = ?1 RETURNING username",
                    [&token],
                    |r| r.get(0),
                )
                .optional()
                .map_err(db_err)?;
            match username {
                Some(u) => append_audit(tx, &by, &logged_out(&u)),
                None => Ok(()),
            }
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn disable_user(&self, username: &str, by: &Actor) -> StoreResult<AccountChange> {
        let (username, by) = (username.to_owned(), by.clone());
        self.write(move |tx| {
            let user = user_in(tx, &username)?;
            if user.disabled_at_us.is_some() {
                return Ok(AccountChange::default());
            }
            // The writer is the only one: no other disable can slip between count and update.
            let other_hq: i64 = tx
                .query_row(
                    "SELECT COUNT(*) FROM users WHERE role = ?1 AND disabled_at_us IS NULL AND username <> ?2",
                    params![Role::ProvinceHq.as_str(), username],
                    |r| r.get(0),
                )
                .map_err(db_err)?;
            domain::accounts::check_hq_left(user.role, u64::try_from(other_hq).unwrap_or(0))
                .map_err(|r| StoreError::Refused(Refusal::Account(r)))?;
            tx.execute(
                "UPDATE users SET disabled_at_us = ?2 WHERE username = ?1",
                params![username, by.at_us()],
            )
            .map_err(db_err)?;
            let sessions_ended = end_sessions(tx, &username, None)?;
            append_audit(tx, &by, &user_disabled(&username, sessions_ended))?;
            Ok(AccountChange {
                changed: true,
                sessions_ended,
            })
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn enable_user(&self, username: &str, by: &Actor) -> StoreResult<AccountChange> {
        let (username, by) = (username.to_owned(), by.clone());
        self.write(move |tx| {
            let user = user_in(tx, &username)?;
            if user.disabled_at_us.is_none() {
                return Ok(AccountChange::default());
            }
            tx.execute(
                "UPDATE users SET disabled_at_us = NULL WHERE username = ?1",
                [&username],
            )
            .map_err(db_err)?;
            // A login that raced the disable may have left a session: it stays ended.
            let sessions_ended = end_sessions(tx, &username, None)?;
            append_audit(tx, &by, &user_enabled(&username))?;
            Ok(AccountChange {
                changed: true,
                sessions_ended,
            })
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn set_password(
        &self,
        username: &str,
        password_hash: &str,
        keep: Option<&str>,
        by: &Actor,
    ) -> StoreResult<AccountChange> {
        let (username, hash, keep, by) = (
            username.to_owned(),
            password_hash.to_owned(),
            keep.map(str::to_owned),
            by.clone(),
        );
        self.write(move |tx| {
            user_in(tx, &username)?;
            tx.execute(
                "UPDATE users SET password_hash = ?2 WHERE username = ?1",
                params![username, hash],
            )
            .map_err(db_err)?;
            let sessions_ended = end_sessions(tx, &username, keep.as_deref())?;
            append_audit(tx, &by, &password_changed(&username, sessions_ended))?;
            Ok(AccountChange {
                changed: true,
                sessions_ended,
            })
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn user_sessions(&self, username: &str, now_us: i64) -> StoreResult<Vec<SessionRecord>> {
        let name = username.to_owned();
        self.read(move |c| {
            let mut s = c
                .prepare(&format!(
                    "SELECT {SESSION_COLUMNS} FROM sessions s WHERE s.username = ?1 AND {LIVE} ORDER BY s.created_at_us, s.token_hash"
                ))
                .map_err(db_err)?;
            all(&mut s, params![name, now_us], |r| session_from_row(r, 0))
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn revoke_sessions(&self, username: &str, by: &Actor) -> StoreResult<AccountChange> {
        let (username, by) = (username.to_owned(), by.clone());
        self.write(move |tx| {
            user_in(tx, &username)?;
            let sessions_ended = end_sessions(tx, &username, None)?;
            if sessions_ended > 0 {
                append_audit(tx, &by, &sessions_revoked(&username, sessions_ended))?;
            }
            Ok(AccountChange {
                changed: sessions_ended > 0,
                sessions_ended,
            })
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn touch_session(
        &self,
        token_hash: &str,
        now_us: i64,
        before_us: i64,
    ) -> StoreResult<()> {
        let token = token_hash.to_owned();
        self.write(move |tx| {
            tx.execute(
                "UPDATE sessions SET last_seen_at_us = ?2 WHERE token_hash = ?1 AND last_seen_at_us < ?3",
                params![token, now_us, before_us],
            )
            .map_err(db_err)?;
            Ok(())
        })
        .await
    }
}
