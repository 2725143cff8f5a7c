//! One-time codes on PostgreSQL. Counting the limits and writing the challenge happen under
//! transaction-scoped advisory locks on the national id and then the address (always in that
//! order), so two servers cannot both take the last code of a person or of an address.

use crate::chain::append_audit;
use crate::db::{db, not_found, retry, Attempt as Try, Postgres, Unique};
use crate::rows::{corrupt, national_id_of};
use async_trait::async_trait;
use domain::clock::from_micros;
use domain::identity::{self, Attempt, Challenge, Limits, Purpose, Recent};
use domain::ids::NationalId;
use sqlx::postgres::PgRow;
use sqlx::Row;
use store::identity::{
    challenge_opened, code_entered, kept_since_us, proof_spent, window_start_us, NewChallenge,
    StoredChallenge,
};
use store::{Actor, Entity, IdentityStore, StoreResult};

/// First keys of the advisory locks: a person's codes ("oqi" in ASCII) and an address's
/// ("oqa").
const PERSON_LOCK: i32 = 0x6f71_6900;
const ADDRESS_LOCK: i32 = 0x6f71_6100;

const COLUMNS: &str =
    "national_id, purpose, code_hash, created_at_us, attempts, verified_at_us, spent_at_us";

fn challenge(row: &PgRow) -> StoreResult<StoredChallenge> {
    let purpose: String = row.try_get("purpose").map_err(db)?;
    let code_hash: Option<String> = row.try_get("code_hash").map_err(db)?;
    let attempts: i64 = row.try_get("attempts").map_err(db)?;
    Ok(StoredChallenge {
        challenge: Challenge {
            national_id: national_id_of(row.try_get("national_id").map_err(db)?)?,
            purpose: Purpose::parse(&purpose).ok_or_else(|| corrupt("purpose", &purpose))?,
            sent: code_hash.is_some(),
            created_at: from_micros(row.try_get("created_at_us").map_err(db)?),
            attempts: u32::try_from(attempts).map_err(|e| corrupt("attempts", e))?,
            verified_at: row
                .try_get::<Option<i64>, _>("verified_at_us")
                .map_err(db)?
                .map(from_micros),
            spent_at: row
                .try_get::<Option<i64>, _>("spent_at_us")
                .map_err(db)?
                .map(from_micros),
        },
        code_hash,
    })
}

impl Postgres {
    async fn try_open_challenge(&self, new: &NewChallenge, limits: &Limits, by: &Actor) -> Try<()> {
        let mut tx = self.pool.begin().await?;
        for (class, key) in [
            (PERSON_LOCK, new.national_id.as_str()),
            (ADDRESS_LOCK, new.address.as_str()),
        ] {
            sqlx::query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
                .bind(class)
                .bind(key)
                .execute(&mut *tx)
                .await?;
        }
        let now_us = by.at_us();
        sqlx::query("DELETE FROM identity_challenges WHERE created_at_us < $1")
            .bind(kept_since_us(now_us))
            .execute(&mut *tx)
            .await?;
        let since = window_start_us(now_us);
        let for_person: Vec<i64> = sqlx::query_scalar(
            "SELECT created_at_us FROM identity_challenges WHERE national_id = $1 AND created_at_us >= $2",
        )
        .bind(new.national_id.as_str())
        .bind(since)
        .fetch_all(&mut *tx)
        .await?;
        let from_address: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM identity_challenges WHERE address = $1 AND created_at_us >= $2",
        )
        .bind(&new.address)
        .bind(since)
        .fetch_one(&mut *tx)
        .await?;
        let recent = Recent {
            for_person: for_person.into_iter().map(from_micros).collect(),
            from_address: usize::try_from(from_address).unwrap_or(usize::MAX),
        };
        identity::may_ask(limits, &recent, by.at).map_err(store::StoreError::from)?;
        sqlx::query(
            "INSERT INTO identity_challenges (token_hash, code_hash, national_id, purpose, address, created_at_us) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&new.token_hash)
        .bind(&new.code_hash)
        .bind(new.national_id.as_str())
        .bind(new.purpose.as_str())
        .bind(&new.address)
        .bind(now_us)
        .execute(&mut *tx)
        .await?;
        append_audit(&mut tx, by, &challenge_opened(new)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The challenge, locked for this transaction.
    async fn locked(
        tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
        token_hash: &str,
    ) -> Try<StoredChallenge> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM identity_challenges WHERE token_hash = $1 FOR UPDATE"
        ))
        .bind(token_hash)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| not_found(Entity::Challenge))?;
        Ok(challenge(&row)?)
    }

    async fn try_enter_code(
        &self,
        token_hash: &str,
        code_hash: &str,
        limits: &Limits,
        by: &Actor,
    ) -> Try<Attempt> {
        let mut tx = self.pool.begin().await?;
        let stored = Self::locked(&mut tx, token_hash).await?;
        let right = stored.code_hash.as_deref() == Some(code_hash);
        let attempt = identity::attempt(limits, &stored.challenge, right, by.at)
            .map_err(store::StoreError::from)?;
        let update = match attempt {
            Attempt::Verified => sqlx::query(
                "UPDATE identity_challenges SET verified_at_us = $2 WHERE token_hash = $1",
            )
            .bind(token_hash)
            .bind(by.at_us()),
            Attempt::Wrong { .. } => sqlx::query(
                "UPDATE identity_challenges SET attempts = attempts + 1 WHERE token_hash = $1",
            )
            .bind(token_hash),
        };
        update.execute(&mut *tx).await?;
        append_audit(
            &mut tx,
            by,
            &code_entered(&stored.challenge.national_id, attempt),
        )
        .await?;
        tx.commit().await?;
        Ok(attempt)
    }

    async fn try_spend_proof(
        &self,
        token_hash: &str,
        national_id: &NationalId,
        purpose: Purpose,
        limits: &Limits,
        by: &Actor,
    ) -> Try<()> {
        let mut tx = self.pool.begin().await?;
        let stored = Self::locked(&mut tx, token_hash).await?;
        identity::check_proof(limits, &stored.challenge, national_id, purpose, by.at)
            .map_err(store::StoreError::from)?;
        sqlx::query("UPDATE identity_challenges SET spent_at_us = $2 WHERE token_hash = $1")
            .bind(token_hash)
            .bind(by.at_us())
            .execute(&mut *tx)
            .await?;
        append_audit(&mut tx, by, &proof_spent(national_id, purpose)).await?;
        tx.commit().await?;
        Ok(())
    }
}

#[async_trait]
impl IdentityStore for Postgres {
    #[tracing::instrument(skip_all)]
    async fn open_challenge(
        &self,
        challenge: &NewChallenge,
        limits: &Limits,
        by: &Actor,
    ) -> StoreResult<()> {
        retry(Unique::Fail, || {
            self.try_open_challenge(challenge, limits, by)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn challenge(&self, token_hash: &str) -> StoreResult<Option<StoredChallenge>> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM identity_challenges WHERE token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref().map(challenge).transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn enter_code(
        &self,
        token_hash: &str,
        code_hash: &str,
        limits: &Limits,
        by: &Actor,
    ) -> StoreResult<Attempt> {
        retry(Unique::Fail, || {
            self.try_enter_code(token_hash, code_hash, limits, by)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn spend_proof(
        &self,
        token_hash: &str,
        national_id: &NationalId,
        purpose: Purpose,
        limits: &Limits,
        by: &Actor,
    ) -> StoreResult<()> {
        retry(Unique::Fail, || {
            self.try_spend_proof(token_hash, national_id, purpose, limits, by)
        })
        .await
    }
}
