//! Station minutes on SQLite (issue 18 §2): signing keys, the minutes' versions and their marks.
//! The writer connection is the only one that writes, so a mark decides on the marks before it.

use crate::chain::append_audit;
use crate::db::{db_err, Sqlite};
use crate::sql::all;
use async_trait::async_trait;
use domain::audit_terms::AuditAction;
use domain::results::minutes::{self, DrawFacts, Minutes, MinutesRefusal, SigningFacts};
use domain::staffing::Post;
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};
use store::minutes::{
    key_registered, key_stepped, mark_columns, minutes_drawn, minutes_marked, read_key, read_mark,
    read_minutes, with_key, KeptMinutes, NewMark, NewSigningKey, SigningKey,
};
use store::{Actor, Entity, MinutesStore, StoreError, StoreResult};

const KEY_COLUMNS: &str = "id, username, national_id, county_code, public_key, registered_at_us, \
     confirmed_by, confirmed_at_us, revoked_by, revoked_at_us";

/// A key's columns, in [`KEY_COLUMNS`] order.
type KeyRow = (
    i64,
    String,
    String,
    String,
    String,
    i64,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<i64>,
);

fn key_row(r: &Row<'_>) -> rusqlite::Result<KeyRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
    ))
}

fn to_key(row: KeyRow) -> StoreResult<SigningKey> {
    let (id, username, national_id, county, public_key, at, cby, cat, rby, rat) = row;
    read_key(
        id,
        username,
        national_id,
        county,
        &public_key,
        at,
        (cby, cat),
        (rby, rat),
    )
}

fn key(conn: &Connection, id: i64) -> StoreResult<Option<SigningKey>> {
    conn.prepare_cached(&format!(
        "SELECT {KEY_COLUMNS} FROM signing_keys WHERE id = ?1"
    ))
    .map_err(db_err)?
    .query_row([id], key_row)
    .optional()
    .map_err(db_err)?
    .map(to_key)
    .transpose()
}

fn keys(conn: &Connection, county: Option<&str>) -> StoreResult<Vec<SigningKey>> {
    let rows = all(
        &mut *conn
            .prepare_cached(&format!(
                "SELECT {KEY_COLUMNS} FROM signing_keys
                 WHERE ?1 IS NULL OR county_code = ?1 ORDER BY registered_at_us DESC, id DESC"
            ))
            .map_err(db_err)?,
        [county],
        key_row,
    )?;
    rows.into_iter().map(to_key).collect()
}

fn register(tx: &Transaction<'_>, new: &NewSigningKey, by: &Actor) -> StoreResult<SigningKey> {
    if !minutes::valid_key(&new.public_key) {
        return Err(MinutesRefusal::BadPublicKey.into());
    }
    let public_key = minutes::encode(&new.public_key);
    let taken: bool = tx
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM signing_keys WHERE public_key = ?1)")
        .map_err(db_err)?
        .query_row([&public_key], |r| r.get(0))
        .map_err(db_err)?;
    if taken {
        return Err(StoreError::Duplicate {
            entity: Entity::SigningKey,
            key: public_key,
        });
    }
    let posts = all(
        &mut *tx
            .prepare_cached(
                "SELECT sp.post, s.county_code FROM station_posts sp
                 JOIN stations s ON s.code = sp.station_code
                 WHERE sp.election_code = ?1 AND sp.national_id = ?2
                   AND (?3 IS NULL OR sp.station_code = ?3) AND (?4 IS NULL OR s.county_code = ?4)",
            )
            .map_err(db_err)?,
        params![new.election, new.national_id, new.station, new.county],
        |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
    )?;
    let county = posts
        .into_iter()
        .find(|(post, _)| Post::parse(post).is_some_and(minutes::signs))
        .map(|(_, county)| county)
        .ok_or(MinutesRefusal::NoSigningPost)?;
    let live: bool = tx
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM signing_keys
             WHERE (national_id = ?1 OR username = ?2) AND revoked_at_us IS NULL)",
        )
        .map_err(db_err)?
        .query_row([&new.national_id, &new.username], |r| r.get(0))
        .map_err(db_err)?;
    if live {
        return Err(MinutesRefusal::KeyExists.into());
    }
    tx.prepare_cached(
        "INSERT INTO signing_keys (username, national_id, county_code, public_key, registered_at_us)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .map_err(db_err)?
    .execute(params![new.username, new.national_id, county, public_key, by.at_us()])
    .map_err(db_err)?;
    let kept = key(tx, tx.last_insert_rowid())?.ok_or(StoreError::not_found(Entity::SigningKey))?;
    append_audit(tx, by, &key_registered(&kept))?;
    Ok(kept)
}

fn step_key(tx: &Transaction<'_>, id: i64, confirm: bool, by: &Actor) -> StoreResult<SigningKey> {
    let current = key(tx, id)?.ok_or(StoreError::not_found(Entity::SigningKey))?;
    let (sql, action) = if confirm {
        if current.state() != store::minutes::KeyState::Pending {
            return Err(MinutesRefusal::KeyNotPending.into());
        }
        if current.username == by.username {
            return Err(MinutesRefusal::OwnKey.into());
        }
        (
            "UPDATE signing_keys SET confirmed_by = ?2, confirmed_at_us = ?3 WHERE id = ?1",
            AuditAction::SigningKeyConfirm,
        )
    } else {
        if current.state() == store::minutes::KeyState::Revoked {
            return Err(MinutesRefusal::KeyRevoked.into());
        }
        (
            "UPDATE signing_keys SET revoked_by = ?2, revoked_at_us = ?3 WHERE id = ?1",
            AuditAction::SigningKeyRevoke,
        )
    };
    tx.prepare_cached(sql)
        .map_err(db_err)?
        .execute(params![id, by.username, by.at_us()])
        .map_err(db_err)?;
    let kept = key(tx, id)?.ok_or(StoreError::not_found(Entity::SigningKey))?;
    append_audit(tx, by, &key_stepped(&kept, action))?;
    Ok(kept)
}

/// The kept versions the `WHERE` clause picks (over `station_minutes m`), by station and
/// version, each with its marks.
fn kept(
    conn: &Connection,
    picked: &str,
    values: &[&dyn rusqlite::ToSql],
) -> StoreResult<Vec<KeptMinutes>> {
    let rows = all(
        &mut *conn
            .prepare_cached(&format!(
                "SELECT m.body, m.drawn_at_us, m.drawn_by, m.reason FROM station_minutes m
                 WHERE {picked} ORDER BY m.station_code, m.version"
            ))
            .map_err(db_err)?,
        values,
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        },
    )?;
    let mut kept = rows
        .into_iter()
        .map(|(body, at, by, reason)| read_minutes(&body, at, by, reason))
        .collect::<StoreResult<Vec<_>>>()?;
    let marks = all(
        &mut *conn
            .prepare_cached(&format!(
                "SELECT k.station_code, k.version, k.post, k.national_id, k.username, k.key_id,
                        k.signature, k.refusal, k.at_us, s.public_key
                 FROM station_minutes m
                 JOIN minutes_marks k ON k.election_code = m.election_code
                      AND k.station_code = m.station_code AND k.version = m.version
                 JOIN signing_keys s ON s.id = k.key_id
                 WHERE {picked} ORDER BY k.station_code, k.version, k.post"
            ))
            .map_err(db_err)?,
        values,
        |r| {
            Ok((
                (r.get::<_, String>(0)?, r.get::<_, u32>(1)?),
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, Option<String>>(7)?,
                r.get::<_, i64>(8)?,
                r.get::<_, String>(9)?,
            ))
        },
    )?;
    let mut at: std::collections::HashMap<(String, u32), usize> = kept
        .iter()
        .enumerate()
        .map(|(i, k)| ((k.minutes.station.clone(), k.minutes.version), i))
        .collect();
    for (version, post, national_id, username, key_id, signature, refusal, at_us, public_key) in
        marks
    {
        let mark = with_key(
            read_mark(
                &post,
                national_id,
                username,
                key_id,
                signature.as_deref(),
                refusal,
                at_us,
            )?,
            Some(&public_key),
        )?;
        if let Some(i) = at.get_mut(&version) {
            kept[*i].marks.push(mark);
        }
    }
    for minutes in &mut kept {
        minutes.marks.sort_by_key(|m| m.post);
    }
    Ok(kept)
}

/// A station's versions, oldest first, each with its marks.
fn versions(conn: &Connection, election: &str, station: &str) -> StoreResult<Vec<KeptMinutes>> {
    kept(
        conn,
        "m.election_code = ?1 AND m.station_code = ?2",
        &[&election, &station],
    )
}

fn draw(
    tx: &Transaction<'_>,
    drawn: &Minutes,
    reason: Option<&str>,
    by: &Actor,
) -> StoreResult<KeptMinutes> {
    let current = versions(tx, &drawn.election, &drawn.station)?.pop();
    let (version, reason) = minutes::check_draw(&DrawFacts {
        drawn,
        current: current.as_ref().map(|c| &c.minutes),
        reason,
    })?;
    let minutes = Minutes {
        version,
        ..drawn.clone()
    };
    tx.prepare_cached(
        "INSERT INTO station_minutes (election_code, station_code, version, body, digest,
             drawn_at_us, drawn_by, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .map_err(db_err)?
    .execute(params![
        minutes.election,
        minutes.station,
        version,
        minutes.canonical(),
        minutes.digest(),
        by.at_us(),
        by.username,
        reason
    ])
    .map_err(db_err)?;
    let kept = KeptMinutes {
        minutes,
        drawn_at: by.at,
        drawn_by: by.username.clone(),
        reason,
        marks: Vec::new(),
    };
    append_audit(tx, by, &minutes_drawn(&kept))?;
    Ok(kept)
}

/// The signer's confirmed, unrevoked key (`None` without one).
fn signer_key(tx: &Transaction<'_>, username: &str) -> StoreResult<Option<SigningKey>> {
    tx.prepare_cached(&format!(
        "SELECT {KEY_COLUMNS} FROM signing_keys WHERE username = ?1
           AND confirmed_at_us IS NOT NULL AND revoked_at_us IS NULL
         ORDER BY id DESC LIMIT 1"
    ))
    .map_err(db_err)?
    .query_row([username], key_row)
    .optional()
    .map_err(db_err)?
    .map(to_key)
    .transpose()
}

fn mark(
    tx: &Transaction<'_>,
    election: &str,
    station: &str,
    version: u32,
    new: &NewMark,
    by: &Actor,
) -> StoreResult<KeptMinutes> {
    let (signature, refusal) = mark_columns(new)?;
    let current = versions(tx, election, station)?
        .pop()
        .ok_or(MinutesRefusal::NotDrawn)?;
    let found = signer_key(tx, &by.username)?;
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
    )?;
    let key = found.ok_or(MinutesRefusal::NoSigningKey)?;
    tx.prepare_cached(
        "INSERT INTO minutes_marks (election_code, station_code, version, post, national_id,
             username, key_id, signature, refusal, at_us)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )
    .map_err(db_err)?
    .execute(params![
        election,
        station,
        version,
        post.as_str(),
        key.national_id,
        by.username,
        key.id,
        signature,
        refusal,
        by.at_us()
    ])
    .map_err(db_err)?;
    let kept = versions(tx, election, station)?
        .pop()
        .ok_or(StoreError::not_found(Entity::Minutes))?;
    let made = kept
        .marks
        .iter()
        .find(|m| m.post == post)
        .ok_or(StoreError::not_found(Entity::Minutes))?;
    append_audit(tx, by, &minutes_marked(&kept.minutes, made))?;
    Ok(kept)
}

fn current(conn: &Connection, election: &str) -> StoreResult<Vec<KeptMinutes>> {
    kept(
        conn,
        "m.election_code = ?1 AND m.version = (SELECT max(v.version) FROM station_minutes v
             WHERE v.election_code = m.election_code AND v.station_code = m.station_code)",
        &[&election],
    )
}

#[async_trait]
impl MinutesStore for Sqlite {
    #[tracing::instrument(skip_all)]
    async fn register_signing_key(
        &self,
        new: &NewSigningKey,
        by: &Actor,
    ) -> StoreResult<SigningKey> {
        let (new, by) = (new.clone(), by.clone());
        self.write(move |tx| register(tx, &new, &by)).await
    }

    #[tracing::instrument(skip_all)]
    async fn confirm_signing_key(&self, id: i64, by: &Actor) -> StoreResult<SigningKey> {
        let by = by.clone();
        self.write(move |tx| step_key(tx, id, true, &by)).await
    }

    #[tracing::instrument(skip_all)]
    async fn revoke_signing_key(&self, id: i64, by: &Actor) -> StoreResult<SigningKey> {
        let by = by.clone();
        self.write(move |tx| step_key(tx, id, false, &by)).await
    }

    #[tracing::instrument(skip_all)]
    async fn signing_key(&self, id: i64) -> StoreResult<Option<SigningKey>> {
        self.read(move |conn| key(conn, id)).await
    }

    #[tracing::instrument(skip_all)]
    async fn signing_keys(&self, county: Option<&str>) -> StoreResult<Vec<SigningKey>> {
        let county = county.map(str::to_owned);
        self.read(move |conn| keys(conn, county.as_deref())).await
    }

    #[tracing::instrument(skip_all)]
    async fn draw_minutes(
        &self,
        drawn: &Minutes,
        reason: Option<&str>,
        by: &Actor,
    ) -> StoreResult<KeptMinutes> {
        let (drawn, reason, by) = (drawn.clone(), reason.map(str::to_owned), by.clone());
        self.write(move |tx| draw(tx, &drawn, reason.as_deref(), &by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn mark_minutes(
        &self,
        election: &str,
        station: &str,
        version: u32,
        new: &NewMark,
        by: &Actor,
    ) -> StoreResult<KeptMinutes> {
        let (election, station, new, by) = (
            election.to_owned(),
            station.to_owned(),
            new.clone(),
            by.clone(),
        );
        self.write(move |tx| mark(tx, &election, &station, version, &new, &by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn station_minutes(
        &self,
        election: &str,
        station: &str,
    ) -> StoreResult<Vec<KeptMinutes>> {
        let (election, station) = (election.to_owned(), station.to_owned());
        self.read(move |conn| versions(conn, &election, &station))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn current_minutes(&self, election: &str) -> StoreResult<Vec<KeptMinutes>> {
        let election = election.to_owned();
        self.read(move |conn| current(conn, &election)).await
    }
}
