//! One-time codes on SQLite. The limits are counted and the challenge written in one write
//! transaction, and SQLite has one writer, so two requests cannot both take the last code.

use crate::chain::append_audit;
use crate::db::{db_err, Sqlite};
use crate::sql::bad_row;
use async_trait::async_trait;
use domain::clock::from_micros;
use domain::identity::{self, Attempt, Challenge, Limits, Purpose, Recent};
use domain::ids::NationalId;
use rusqlite::{params, Connection, OptionalExtension};
use store::identity::{
    challenge_opened, code_entered, kept_since_us, proof_spent, window_start_us, NewChallenge,
    StoredChallenge,
};
use store::{Actor, Entity, IdentityStore, StoreError, StoreResult};

const COLUMNS: &str =
    "national_id, purpose, code_hash, created_at_us, attempts, verified_at_us, spent_at_us";

fn challenge_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredChallenge> {
    let national_id: String = r.get(0)?;
    let purpose: String = r.get(1)?;
    let code_hash: Option<String> = r.get(2)?;
    Ok(StoredChallenge {
        challenge: Challenge {
            national_id: NationalId::parse(&national_id).map_err(|_| bad_row("national_id"))?,
            purpose: Purpose::parse(&purpose).ok_or_else(|| bad_row("purpose"))?,
            sent: code_hash.is_some(),
            created_at: from_micros(r.get(3)?),
            attempts: u32::try_from(r.get::<_, i64>(4)?).map_err(|_| bad_row("attempts"))?,
            verified_at: r.get::<_, Option<i64>>(5)?.map(from_micros),
            spent_at: r.get::<_, Option<i64>>(6)?.map(from_micros),
        },
        code_hash,
    })
}

fn find(c: &Connection, token_hash: &str) -> StoreResult<Option<StoredChallenge>> {
    c.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM identity_challenges WHERE token_hash = ?1"
    ))
    .map_err(db_err)?
    .query_row([token_hash], challenge_from_row)
    .optional()
    .map_err(db_err)
}

fn found(c: &Connection, token_hash: &str) -> StoreResult<StoredChallenge> {
    find(c, token_hash)?.ok_or_else(|| StoreError::not_found(Entity::Challenge))
}

#[async_trait]
impl IdentityStore for Sqlite {
    #[tracing::instrument(skip_all)]
    async fn open_challenge(
        &self,
        challenge: &NewChallenge,
        limits: &Limits,
        by: &Actor,
    ) -> StoreResult<()> {
        let (new, limits, by) = (challenge.clone(), *limits, by.clone());
        self.write(move |tx| {
            let now_us = by.at_us();
            tx.execute(
                "DELETE FROM identity_challenges WHERE created_at_us < ?1",
                [kept_since_us(now_us)],
            )
            .map_err(db_err)?;
            let since = window_start_us(now_us);
            let for_person = tx
                .prepare_cached(
                    "SELECT created_at_us FROM identity_challenges WHERE national_id = ?1 AND created_at_us >= ?2",
                )
                .map_err(db_err)?
                .query_map(params![new.national_id.as_str(), since], |r| {
                    r.get::<_, i64>(0).map(from_micros)
                })
                .map_err(db_err)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(db_err)?;
            let from_address: i64 = tx
                .query_row(
                    "SELECT count(*) FROM identity_challenges WHERE address = ?1 AND created_at_us >= ?2",
                    params![new.address, since],
                    |r| r.get(0),
                )
                .map_err(db_err)?;
            let recent = Recent {
                for_person,
                from_address: usize::try_from(from_address).unwrap_or(usize::MAX),
            };
            identity::may_ask(&limits, &recent, by.at)?;
            tx.execute(
                "INSERT INTO identity_challenges (token_hash, code_hash, national_id, purpose, address, created_at_us) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    new.token_hash,
                    new.code_hash,
                    new.national_id.as_str(),
                    new.purpose.as_str(),
                    new.address,
                    now_us
                ],
            )
            .map_err(db_err)?;
            append_audit(tx, &by, &challenge_opened(&new))
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn challenge(&self, token_hash: &str) -> StoreResult<Option<StoredChallenge>> {
        let token = token_hash.to_owned();
        self.read(move |c| find(c, &token)).await
    }

    #[tracing::instrument(skip_all)]
    async fn enter_code(
        &self,
        token_hash: &str,
        code_hash: &str,
        limits: &Limits,
        by: &Actor,
    ) -> StoreResult<Attempt> {
        let (token, entered, limits, by) = (
            token_hash.to_owned(),
            code_hash.to_owned(),
            *limits,
            by.clone(),
        );
        self.write(move |tx| {
            let stored = found(tx, &token)?;
            let right = stored.code_hash.as_deref() == Some(entered.as_str());
            let attempt = identity::attempt(&limits, &stored.challenge, right, by.at)?;
            match attempt {
                Attempt::Verified => tx.execute(
                    "UPDATE identity_challenges SET verified_at_us = ?2 WHERE token_hash = ?1",
                    params![token, by.at_us()],
                ),
                Attempt::Wrong { .. } => tx.execute(
                    "UPDATE identity_challenges SET attempts = attempts + 1 WHERE token_hash = ?1",
                    [&token],
                ),
            }
            .map_err(db_err)?;
            append_audit(
                tx,
                &by,
                &code_entered(&stored.challenge.national_id, attempt),
            )?;
            Ok(attempt)
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
        let (token, id, limits, by) = (
            token_hash.to_owned(),
            national_id.clone(),
            *limits,
            by.clone(),
        );
        self.write(move |tx| {
            let stored = found(tx, &token)?;
            identity::check_proof(&limits, &stored.challenge, &id, purpose, by.at)?;
            tx.execute(
                "UPDATE identity_challenges SET spent_at_us = ?2 WHERE token_hash = ?1",
                params![token, by.at_us()],
            )
            .map_err(db_err)?;
            append_audit(tx, &by, &proof_spent(&id, purpose))
        })
        .await
    }
}
