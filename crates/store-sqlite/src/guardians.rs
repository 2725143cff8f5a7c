//! The guardians' election key on SQLite (issue 17): the ceremony's public record and the
//! guardians' confirmations.

use crate::chain::append_audit;
use crate::db::{db_err, Sqlite};
use async_trait::async_trait;
use domain::clock::from_micros;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use store::guardians::{
    check_server_held, guardian_confirmed, key_recorded, ElectionKeyRecord, GuardianConfirmation,
    KeyKind,
};
use store::{Actor, Entity, GuardianStore, Refusal, StoreError, StoreResult};

fn read_key(
    conn: &Connection,
    election: &str,
    kind: KeyKind,
) -> StoreResult<Option<ElectionKeyRecord>> {
    let row = conn
        .prepare_cached(
            "SELECT public_key, fingerprint, threshold, guardians, ceremony, created_at_us
             FROM election_keys WHERE election_code = ?1 AND kind = ?2",
        )
        .map_err(db_err)?
        .query_row(params![election, kind.as_str()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, u32>(2)?,
                r.get::<_, u32>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, i64>(5)?,
            ))
        })
        .optional()
        .map_err(db_err)?;
    let Some((public_key, fingerprint, threshold, guardians, ceremony, created_at_us)) = row else {
        return Ok(None);
    };
    let mut statement = conn
        .prepare_cached(
            "SELECT guardian, proof, at_us FROM guardian_confirmations
             WHERE election_code = ?1 AND kind = ?2 ORDER BY guardian",
        )
        .map_err(db_err)?;
    let confirmations = statement
        .query_map(params![election, kind.as_str()], |r| {
            Ok(GuardianConfirmation {
                guardian: r.get(0)?,
                proof: r.get(1)?,
                at: from_micros(r.get(2)?),
            })
        })
        .map_err(db_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(db_err)?;
    Ok(Some(ElectionKeyRecord {
        election_code: election.to_owned(),
        kind,
        public_key,
        fingerprint,
        threshold,
        guardians,
        ceremony,
        created_at: from_micros(created_at_us),
        confirmations,
    }))
}

fn record(
    tx: &Transaction<'_>,
    key: &ElectionKeyRecord,
    held_share: Option<&str>,
    by: &Actor,
) -> StoreResult<()> {
    let election: Option<i64> = tx
        .prepare_cached("SELECT 1 FROM elections WHERE code = ?1")
        .map_err(db_err)?
        .query_row([&key.election_code], |r| r.get(0))
        .optional()
        .map_err(db_err)?;
    if election.is_none() {
        return Err(StoreError::not_found(Entity::Election));
    }
    if read_key(tx, &key.election_code, key.kind)?.is_some() {
        return Err(StoreError::Refused(Refusal::ElectionKeyExists));
    }
    tx.prepare_cached(
        "INSERT INTO election_keys (election_code, kind, public_key, fingerprint, threshold,
             guardians, ceremony, created_at_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .map_err(db_err)?
    .execute(params![
        key.election_code,
        key.kind.as_str(),
        key.public_key,
        key.fingerprint,
        key.threshold,
        key.guardians,
        key.ceremony,
        by.at_us()
    ])
    .map_err(db_err)?;
    if let Some(share) = held_share {
        check_server_held(key)?;
        tx.prepare_cached("INSERT INTO test_key_shares (election_code, share) VALUES (?1, ?2)")
            .map_err(db_err)?
            .execute(params![key.election_code, share])
            .map_err(db_err)?;
    }
    append_audit(tx, by, &key_recorded(key))
}

fn confirm(
    tx: &Transaction<'_>,
    election: &str,
    kind: KeyKind,
    guardian: u32,
    proof: &str,
    by: &Actor,
) -> StoreResult<()> {
    if read_key(tx, election, kind)?.is_none() {
        return Err(StoreError::not_found(Entity::ElectionKey));
    }
    tx.prepare_cached(
        "INSERT INTO guardian_confirmations (election_code, kind, guardian, proof, at_us)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (election_code, kind, guardian) DO UPDATE SET proof = excluded.proof,
             at_us = excluded.at_us",
    )
    .map_err(db_err)?
    .execute(params![
        election,
        kind.as_str(),
        guardian,
        proof,
        by.at_us()
    ])
    .map_err(db_err)?;
    append_audit(tx, by, &guardian_confirmed(election, kind, guardian))
}

#[async_trait]
impl GuardianStore for Sqlite {
    #[tracing::instrument(skip_all)]
    async fn election_key(
        &self,
        election_code: &str,
        kind: KeyKind,
    ) -> StoreResult<Option<ElectionKeyRecord>> {
        let election = election_code.to_owned();
        self.read(move |conn| read_key(conn, &election, kind)).await
    }

    #[tracing::instrument(skip_all)]
    async fn record_election_key(&self, key: &ElectionKeyRecord, by: &Actor) -> StoreResult<()> {
        let (key, by) = (key.clone(), by.clone());
        self.write(move |tx| record(tx, &key, None, &by)).await
    }

    #[tracing::instrument(skip_all)]
    async fn record_test_key(
        &self,
        key: &ElectionKeyRecord,
        share: &str,
        by: &Actor,
    ) -> StoreResult<()> {
        let (key, share, by) = (key.clone(), share.to_owned(), by.clone());
        self.write(move |tx| record(tx, &key, Some(&share), &by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn test_key_share(&self, election_code: &str) -> StoreResult<Option<String>> {
        let election = election_code.to_owned();
        self.read(move |conn| {
            conn.prepare_cached("SELECT share FROM test_key_shares WHERE election_code = ?1")
                .map_err(db_err)?
                .query_row([&election], |r| r.get(0))
                .optional()
                .map_err(db_err)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn confirm_guardian(
        &self,
        election_code: &str,
        kind: KeyKind,
        guardian: u32,
        proof: &str,
        by: &Actor,
    ) -> StoreResult<()> {
        let (election, proof, by) = (election_code.to_owned(), proof.to_owned(), by.clone());
        self.write(move |tx| confirm(tx, &election, kind, guardian, &proof, &by))
            .await
    }
}
