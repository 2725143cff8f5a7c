//! The guardians' election key on PostgreSQL (issue 17): the ceremony's public record and the
//! guardians' confirmations.

use crate::chain::append_audit;
use crate::db::{db, not_found, retry, settle, Attempt, Postgres, Unique};
use async_trait::async_trait;
use domain::clock::from_micros;
use sqlx::postgres::PgConnection;
use sqlx::Row;
use store::guardians::{
    check_server_held, guardian_confirmed, key_recorded, ElectionKeyRecord, GuardianConfirmation,
    KeyKind,
};
use store::{Actor, Entity, GuardianStore, Refusal, StoreError, StoreResult};

fn count_of(value: i32) -> Attempt<u32> {
    u32::try_from(value).map_err(|_| StoreError::Corrupt(format!("a key's count {value}")).into())
}

async fn read_key(
    conn: &mut PgConnection,
    election: &str,
    kind: KeyKind,
) -> Attempt<Option<ElectionKeyRecord>> {
    let Some(row) = sqlx::query(
        "SELECT public_key, fingerprint, threshold, guardians, ceremony, created_at_us \
         FROM election_keys WHERE election_code = $1 AND kind = $2",
    )
    .bind(election)
    .bind(kind.as_str())
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let confirmations = sqlx::query(
        "SELECT guardian, proof, at_us FROM guardian_confirmations \
         WHERE election_code = $1 AND kind = $2 ORDER BY guardian",
    )
    .bind(election)
    .bind(kind.as_str())
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok(GuardianConfirmation {
            guardian: count_of(r.try_get("guardian")?)?,
            proof: r.try_get("proof")?,
            at: from_micros(r.try_get("at_us")?),
        })
    })
    .collect::<Attempt<Vec<_>>>()?;
    Ok(Some(ElectionKeyRecord {
        election_code: election.to_owned(),
        kind,
        public_key: row.try_get("public_key")?,
        fingerprint: row.try_get("fingerprint")?,
        threshold: count_of(row.try_get("threshold")?)?,
        guardians: count_of(row.try_get("guardians")?)?,
        ceremony: row.try_get("ceremony")?,
        created_at: from_micros(row.try_get("created_at_us")?),
        confirmations,
    }))
}

impl Postgres {
    async fn try_record_key(
        &self,
        key: &ElectionKeyRecord,
        held_share: Option<&str>,
        by: &Actor,
    ) -> Attempt<()> {
        let mut tx = self.pool.begin().await?;
        let election = sqlx::query_scalar::<_, i32>("SELECT 1 FROM elections WHERE code = $1")
            .bind(&key.election_code)
            .fetch_optional(&mut *tx)
            .await?;
        if election.is_none() {
            return Err(not_found(Entity::Election));
        }
        let inserted = sqlx::query(
            "INSERT INTO election_keys (election_code, kind, public_key, fingerprint, threshold, \
                 guardians, ceremony, created_at_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT DO NOTHING",
        )
        .bind(&key.election_code)
        .bind(key.kind.as_str())
        .bind(&key.public_key)
        .bind(&key.fingerprint)
        .bind(i64::from(key.threshold))
        .bind(i64::from(key.guardians))
        .bind(&key.ceremony)
        .bind(by.at_us())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            return Err(StoreError::Refused(Refusal::ElectionKeyExists).into());
        }
        if let Some(share) = held_share {
            check_server_held(key)?;
            sqlx::query("INSERT INTO test_key_shares (election_code, share) VALUES ($1, $2)")
                .bind(&key.election_code)
                .bind(share)
                .execute(&mut *tx)
                .await?;
        }
        append_audit(&mut tx, by, &key_recorded(key)).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn try_confirm(
        &self,
        election: &str,
        kind: KeyKind,
        guardian: u32,
        proof: &str,
        by: &Actor,
    ) -> Attempt<()> {
        let mut tx = self.pool.begin().await?;
        let key = sqlx::query_scalar::<_, i32>(
            "SELECT 1 FROM election_keys WHERE election_code = $1 AND kind = $2 FOR SHARE",
        )
        .bind(election)
        .bind(kind.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        if key.is_none() {
            return Err(not_found(Entity::ElectionKey));
        }
        sqlx::query(
            "INSERT INTO guardian_confirmations (election_code, kind, guardian, proof, at_us) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (election_code, kind, guardian) DO UPDATE SET proof = excluded.proof, \
                 at_us = excluded.at_us",
        )
        .bind(election)
        .bind(kind.as_str())
        .bind(i64::from(guardian))
        .bind(proof)
        .bind(by.at_us())
        .execute(&mut *tx)
        .await?;
        append_audit(&mut tx, by, &guardian_confirmed(election, kind, guardian)).await?;
        tx.commit().await?;
        Ok(())
    }
}

#[async_trait]
impl GuardianStore for Postgres {
    #[tracing::instrument(skip_all)]
    async fn election_key(
        &self,
        election_code: &str,
        kind: KeyKind,
    ) -> StoreResult<Option<ElectionKeyRecord>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        read_key(&mut conn, election_code, kind)
            .await
            .map_err(settle)
    }

    #[tracing::instrument(skip_all)]
    async fn record_election_key(&self, key: &ElectionKeyRecord, by: &Actor) -> StoreResult<()> {
        retry(Unique::Fail, || self.try_record_key(key, None, by)).await
    }

    #[tracing::instrument(skip_all)]
    async fn record_test_key(
        &self,
        key: &ElectionKeyRecord,
        share: &str,
        by: &Actor,
    ) -> StoreResult<()> {
        retry(Unique::Fail, || self.try_record_key(key, Some(share), by)).await
    }

    #[tracing::instrument(skip_all)]
    async fn test_key_share(&self, election_code: &str) -> StoreResult<Option<String>> {
        sqlx::query_scalar::<_, String>(
            "SELECT share FROM test_key_shares WHERE election_code = $1",
        )
        .bind(election_code)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)
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
        retry(Unique::Fail, || {
            self.try_confirm(election_code, kind, guardian, proof, by)
        })
        .await
    }
}
