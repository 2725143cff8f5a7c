//! Users and sessions on SQLite.

use crate::chain::append_audit;
use crate::db::{db_err, duplicate_or, Sqlite};
use crate::rows::{user_from_row, USER_COLUMNS};
use crate::sql::{all, bad_row};
use async_trait::async_trait;
use domain::access::Role;
use rusqlite::{params, OptionalExtension};
use store::audit_log::{logged_in, logged_out, user_created};
use store::{
    scope_columns, scope_from_columns, Actor, AuthStore, Entity, NewSession, NewUser,
    SessionRecord, StoreResult, UserRecord,
};

#[async_trait]
impl AuthStore for Sqlite {
    #[tracing::instrument(skip_all)]
    async fn create_user(&self, user: &NewUser, by: &Actor) -> StoreResult<()> {
        let (user, by) = (user.clone(), by.clone());
        self.write(move |tx| {
            let (kind, county, station) = scope_columns(&user.scope);
            tx.execute(
                &format!("INSERT INTO users ({USER_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
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
                "INSERT INTO sessions (token_hash, username, csrf_token, created_at_us, expires_at_us) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![s.token_hash, s.username, s.csrf_token, by.at_us(), s.expires_at_us],
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
            let sql = "SELECT s.token_hash, s.username, s.csrf_token, s.created_at_us, s.expires_at_us,
                              u.username, u.password_hash, u.role, u.scope_kind, u.county_code, u.station_code, u.created_at_us
                       FROM sessions s JOIN users u ON u.username = s.username
                       WHERE s.token_hash = ?1 AND s.expires_at_us > ?2";
            c.prepare_cached(sql)
                .map_err(db_err)?
                .query_row(params![token, now_us], |r| {
                    let session = SessionRecord {
                        token_hash: r.get(0)?,
                        username: r.get(1)?,
                        csrf_token: r.get(2)?,
                        created_at_us: r.get(3)?,
                        expires_at_us: r.get(4)?,
                    };
                    let role: String = r.get(7)?;
                    let kind: String = r.get(8)?;
                    let user = UserRecord {
                        username: r.get(5)?,
                        password_hash: r.get(6)?,
                        role: Role::parse(&role).map_err(|_| bad_row("role"))?,
                        scope: scope_from_columns(&kind, r.get(9)?, r.get(10)?).ok_or_else(|| bad_row("scope"))?,
                        created_at_us: r.get(11)?,
                    };
                    Ok((session, user))
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
}
