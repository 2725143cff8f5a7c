//! Station minutes on PostgreSQL (issue 18 §2): signing keys, the minutes' versions and their
//! marks. Drawing and marking lock the station's row, so the writes on one station's minutes
//! queue and each decides on what the previous one left; a registration locks its person's row.

use crate::chain::append_audit;
use crate::db::{db, lock_station, not_found, retry, settle, Attempt, Postgres, Unique};
use async_trait::async_trait;
use domain::audit_terms::AuditAction;
use domain::results::minutes::{self, DrawFacts, Minutes, MinutesRefusal, SigningFacts};
use domain::staffing::Post;
use sqlx::postgres::{PgConnection, PgRow};
use sqlx::Row;
use store::minutes::{
    key_registered, key_stepped, mark_columns, minutes_drawn, minutes_marked, read_key, read_mark,
    read_minutes, with_key, KeptMinutes, KeyState, NewMark, NewSigningKey, SigningKey,
};
use store::{Actor, Entity, MinutesStore, StoreError, StoreResult};

const KEY_COLUMNS: &str = "id, username, national_id, county_code, public_key, registered_at_us, \
     confirmed_by, confirmed_at_us, revoked_by, revoked_at_us";

fn key_row(r: &PgRow) -> Attempt<SigningKey> {
    let public_key: String = r.try_get(4)?;
    Ok(read_key(
        r.try_get(0)?,
        r.try_get(1)?,
        r.try_get(2)?,
        r.try_get(3)?,
        &public_key,
        r.try_get(5)?,
        (r.try_get(6)?, r.try_get(7)?),
        (r.try_get(8)?, r.try_get(9)?),
    )?)
}

async fn key(conn: &mut PgConnection, id: i64, lock: bool) -> Attempt<Option<SigningKey>> {
    let found = sqlx::query(&format!(
        "SELECT {KEY_COLUMNS} FROM signing_keys WHERE id = $1{}",
        if lock { " FOR UPDATE" } else { "" }
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    found.as_ref().map(key_row).transpose()
}

/// The kept versions the `WHERE` clause picks (over `station_minutes m`, binding `$1` the
/// election and `$2`, if used, the station), by station and version, each with its marks.
async fn kept(
    conn: &mut PgConnection,
    picked: &str,
    election: &str,
    station: Option<&str>,
) -> Attempt<Vec<KeptMinutes>> {
    let rows = sqlx::query(&format!(
        "SELECT m.body, m.drawn_at_us, m.drawn_by, m.reason FROM station_minutes m \
         WHERE {picked} ORDER BY m.station_code COLLATE \"C\", m.version"
    ))
    .bind(election)
    .bind(station)
    .fetch_all(&mut *conn)
    .await?;
    let mut kept = Vec::with_capacity(rows.len());
    for r in &rows {
        let body: String = r.try_get(0)?;
        kept.push(read_minutes(
            &body,
            r.try_get(1)?,
            r.try_get(2)?,
            r.try_get(3)?,
        )?);
    }
    let marks = sqlx::query(&format!(
        "SELECT k.station_code, k.version, k.post, k.national_id, k.username, k.key_id, \
                k.signature, k.refusal, k.at_us, s.public_key \
         FROM station_minutes m \
         JOIN minutes_marks k ON k.election_code = m.election_code \
              AND k.station_code = m.station_code AND k.version = m.version \
         JOIN signing_keys s ON s.id = k.key_id \
         WHERE {picked}"
    ))
    .bind(election)
    .bind(station)
    .fetch_all(&mut *conn)
    .await?;
    let mut at: std::collections::HashMap<(String, u32), usize> = kept
        .iter()
        .enumerate()
        .map(|(i, k)| ((k.minutes.station.clone(), k.minutes.version), i))
        .collect();
    for r in &marks {
        let station: String = r.try_get(0)?;
        let version: i32 = r.try_get(1)?;
        let post: String = r.try_get(2)?;
        let signature: Option<String> = r.try_get(6)?;
        let public_key: String = r.try_get(9)?;
        let mark = with_key(
            read_mark(
                &post,
                r.try_get(3)?,
                r.try_get(4)?,
                r.try_get(5)?,
                signature.as_deref(),
                r.try_get(7)?,
                r.try_get(8)?,
            )?,
            Some(&public_key),
        )?;
        let version = u32::try_from(version).unwrap_or(0);
        if let Some(i) = at.get_mut(&(station, version)) {
            kept[*i].marks.push(mark);
        }
    }
    for minutes in &mut kept {
        minutes.marks.sort_by_key(|m| m.post);
    }
    Ok(kept)
}

async fn versions(
    conn: &mut PgConnection,
    election: &str,
    station: &str,
) -> Attempt<Vec<KeptMinutes>> {
    kept(
        conn,
        "m.election_code = $1 AND m.station_code = $2",
        election,
        Some(station),
    )
    .await
}

impl Postgres {
    async fn try_register_key(&self, new: &NewSigningKey, by: &Actor) -> Attempt<SigningKey> {
        if !minutes::valid_key(&new.public_key) {
            return Err(StoreError::from(MinutesRefusal::BadPublicKey).into());
        }
        let public_key = minutes::encode(&new.public_key);
        let mut tx = self.pool.begin().await?;
        // The person's and the account's rows: two registrations for either queue.
        sqlx::query("SELECT 1 FROM people WHERE national_id = $1 FOR NO KEY UPDATE")
            .bind(&new.national_id)
            .fetch_optional(&mut *tx)
            .await?;
        sqlx::query("SELECT 1 FROM users WHERE username = $1 FOR NO KEY UPDATE")
            .bind(&new.username)
            .fetch_optional(&mut *tx)
            .await?;
        let taken: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM signing_keys WHERE public_key = $1)")
                .bind(&public_key)
                .fetch_one(&mut *tx)
                .await?;
        if taken {
            return Err(StoreError::Duplicate {
                entity: Entity::SigningKey,
                key: public_key,
            }
            .into());
        }
        let posts = sqlx::query(
            "SELECT sp.post, s.county_code FROM station_posts sp \
             JOIN stations s ON s.code = sp.station_code \
             WHERE sp.election_code = $1 AND sp.national_id = $2 \
               AND ($3::text IS NULL OR sp.station_code = $3) \
               AND ($4::text IS NULL OR s.county_code = $4)",
        )
        .bind(&new.election)
        .bind(&new.national_id)
        .bind(new.station.as_deref())
        .bind(new.county.as_deref())
        .fetch_all(&mut *tx)
        .await?;
        let mut county = None;
        for r in &posts {
            let post: String = r.try_get(0)?;
            if Post::parse(&post).is_some_and(minutes::signs) {
                county = Some(r.try_get::<String, _>(1)?);
                break;
            }
        }
        let county = county.ok_or(StoreError::from(MinutesRefusal::NoSigningPost))?;
        let live: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM signing_keys \
             WHERE (national_id = $1 OR username = $2) AND revoked_at_us IS NULL)",
        )
        .bind(&new.national_id)
        .bind(&new.username)
        .fetch_one(&mut *tx)
        .await?;
        if live {
            return Err(StoreError::from(MinutesRefusal::KeyExists).into());
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO signing_keys (username, national_id, county_code, public_key, \
             registered_at_us) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(&new.username)
        .bind(&new.national_id)
        .bind(&county)
        .bind(&public_key)
        .bind(by.at_us())
        .fetch_one(&mut *tx)
        .await?;
        let kept = key(&mut tx, id, false)
            .await?
            .ok_or_else(|| not_found(Entity::SigningKey))?;
        append_audit(&mut tx, by, &key_registered(&kept)).await?;
        tx.commit().await?;
        Ok(kept)
    }

    async fn try_step_key(&self, id: i64, confirm: bool, by: &Actor) -> Attempt<SigningKey> {
        let mut tx = self.pool.begin().await?;
        let current = key(&mut tx, id, true)
            .await?
            .ok_or_else(|| not_found(Entity::SigningKey))?;
        let (sql, action) = if confirm {
            if current.state() != KeyState::Pending {
                return Err(StoreError::from(MinutesRefusal::KeyNotPending).into());
            }
            if current.username == by.username {
                return Err(StoreError::from(MinutesRefusal::OwnKey).into());
            }
            (
                "UPDATE signing_keys SET confirmed_by = $2, confirmed_at_us = $3 WHERE id = $1",
                AuditAction::SigningKeyConfirm,
            )
        } else {
            if current.state() == KeyState::Revoked {
                return Err(StoreError::from(MinutesRefusal::KeyRevoked).into());
            }
            (
                "UPDATE signing_keys SET revoked_by = $2, revoked_at_us = $3 WHERE id = $1",
                AuditAction::SigningKeyRevoke,
            )
        };
        sqlx::query(sql)
            .bind(id)
            .bind(&by.username)
            .bind(by.at_us())
            .execute(&mut *tx)
            .await?;
        let kept = key(&mut tx, id, false)
            .await?
            .ok_or_else(|| not_found(Entity::SigningKey))?;
        append_audit(&mut tx, by, &key_stepped(&kept, action)).await?;
        tx.commit().await?;
        Ok(kept)
    }

    async fn try_draw(
        &self,
        drawn: &Minutes,
        reason: Option<&str>,
        by: &Actor,
    ) -> Attempt<KeptMinutes> {
        let mut tx = self.pool.begin().await?;
        lock_station(&mut tx, &drawn.station).await?;
        let current = versions(&mut tx, &drawn.election, &drawn.station)
            .await?
            .pop();
        let (version, reason) = minutes::check_draw(&DrawFacts {
            drawn,
            current: current.as_ref().map(|c| &c.minutes),
            reason,
        })
        .map_err(StoreError::from)?;
        let minutes = Minutes {
            version,
            ..drawn.clone()
        };
        sqlx::query(
            "INSERT INTO station_minutes (election_code, station_code, version, body, digest, \
                 drawn_at_us, drawn_by, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&minutes.election)
        .bind(&minutes.station)
        .bind(i32::try_from(version).unwrap_or(i32::MAX))
        .bind(minutes.canonical())
        .bind(minutes.digest())
        .bind(by.at_us())
        .bind(&by.username)
        .bind(reason.as_deref())
        .execute(&mut *tx)
        .await?;
        let kept = KeptMinutes {
            minutes,
            drawn_at: by.at,
            drawn_by: by.username.clone(),
            reason,
            marks: Vec::new(),
        };
        append_audit(&mut tx, by, &minutes_drawn(&kept)).await?;
        tx.commit().await?;
        Ok(kept)
    }

    async fn try_mark(
        &self,
        election: &str,
        station: &str,
        version: u32,
        new: &NewMark,
        by: &Actor,
    ) -> Attempt<KeptMinutes> {
        let (signature, refusal) = mark_columns(new)?;
        let mut tx = self.pool.begin().await?;
        lock_station(&mut tx, station).await?;
        let current = versions(&mut tx, election, station)
            .await?
            .pop()
            .ok_or(StoreError::from(MinutesRefusal::NotDrawn))?;
        let found = sqlx::query(&format!(
            "SELECT {KEY_COLUMNS} FROM signing_keys WHERE username = $1 \
               AND confirmed_at_us IS NOT NULL AND revoked_at_us IS NULL \
             ORDER BY id DESC LIMIT 1 FOR SHARE"
        ))
        .bind(&by.username)
        .fetch_optional(&mut *tx)
        .await?;
        let found = found.as_ref().map(key_row).transpose()?;
        let marks = current.marks();
        let post = minutes::check_mark(
            &SigningFacts {
                version,
                current: &current.minutes,
                key: found
                    .as_ref()
                    .map(|key| (key.national_id.as_str(), key.public_key)),
                marks: &marks,
            },
            match new {
                NewMark::Sign(signature) => Some(signature),
                NewMark::Refuse(_) => None,
            },
        )
        .map_err(StoreError::from)?;
        let key = found.ok_or(StoreError::from(MinutesRefusal::NoSigningKey))?;
        sqlx::query(
            "INSERT INTO minutes_marks (election_code, station_code, version, post, national_id, \
                 username, key_id, signature, refusal, at_us) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(election)
        .bind(station)
        .bind(i32::try_from(version).unwrap_or(i32::MAX))
        .bind(post.as_str())
        .bind(&key.national_id)
        .bind(&by.username)
        .bind(key.id)
        .bind(signature)
        .bind(refusal)
        .bind(by.at_us())
        .execute(&mut *tx)
        .await?;
        let kept = versions(&mut tx, election, station)
            .await?
            .pop()
            .ok_or_else(|| not_found(Entity::Minutes))?;
        let made = kept
            .marks
            .iter()
            .find(|m| m.post == post)
            .ok_or_else(|| not_found(Entity::Minutes))?;
        append_audit(&mut tx, by, &minutes_marked(&kept.minutes, made)).await?;
        tx.commit().await?;
        Ok(kept)
    }

    async fn read_current(&self, election: &str) -> Attempt<Vec<KeptMinutes>> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await?;
        let kept = kept(
            &mut tx,
            "m.election_code = $1 AND ($2::text IS NULL OR m.station_code = $2) \
             AND m.version = (SELECT max(v.version) FROM station_minutes v \
                 WHERE v.election_code = m.election_code AND v.station_code = m.station_code)",
            election,
            None,
        )
        .await?;
        tx.rollback().await?;
        Ok(kept)
    }
}

#[async_trait]
impl MinutesStore for Postgres {
    #[tracing::instrument(skip_all)]
    async fn register_signing_key(
        &self,
        new: &NewSigningKey,
        by: &Actor,
    ) -> StoreResult<SigningKey> {
        retry(
            Unique::Retry {
                entity: Entity::SigningKey,
                key: &new.national_id,
            },
            || self.try_register_key(new, by),
        )
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn confirm_signing_key(&self, id: i64, by: &Actor) -> StoreResult<SigningKey> {
        retry(Unique::Fail, || self.try_step_key(id, true, by)).await
    }

    #[tracing::instrument(skip_all)]
    async fn revoke_signing_key(&self, id: i64, by: &Actor) -> StoreResult<SigningKey> {
        retry(Unique::Fail, || self.try_step_key(id, false, by)).await
    }

    #[tracing::instrument(skip_all)]
    async fn signing_key(&self, id: i64) -> StoreResult<Option<SigningKey>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        key(&mut conn, id, false).await.map_err(settle)
    }

    #[tracing::instrument(skip_all)]
    async fn signing_keys(&self, county: Option<&str>) -> StoreResult<Vec<SigningKey>> {
        let rows = sqlx::query(&format!(
            "SELECT {KEY_COLUMNS} FROM signing_keys WHERE $1::text IS NULL OR county_code = $1 \
             ORDER BY registered_at_us DESC, id DESC"
        ))
        .bind(county)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(|r| key_row(r).map_err(settle)).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn draw_minutes(
        &self,
        drawn: &Minutes,
        reason: Option<&str>,
        by: &Actor,
    ) -> StoreResult<KeptMinutes> {
        retry(
            Unique::Retry {
                entity: Entity::Minutes,
                key: &drawn.station,
            },
            || self.try_draw(drawn, reason, by),
        )
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn mark_minutes(
        &self,
        election: &str,
        station: &str,
        version: u32,
        mark: &NewMark,
        by: &Actor,
    ) -> StoreResult<KeptMinutes> {
        retry(
            Unique::Retry {
                entity: Entity::Minutes,
                key: station,
            },
            || self.try_mark(election, station, version, mark, by),
        )
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn station_minutes(
        &self,
        election: &str,
        station: &str,
    ) -> StoreResult<Vec<KeptMinutes>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        versions(&mut conn, election, station).await.map_err(settle)
    }

    #[tracing::instrument(skip_all)]
    async fn current_minutes(&self, election: &str) -> StoreResult<Vec<KeptMinutes>> {
        self.read_current(election).await.map_err(settle)
    }
}
