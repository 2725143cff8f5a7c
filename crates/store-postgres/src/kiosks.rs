//! Voting devices on PostgreSQL (issue 17 §1): kiosks waiting to be paired, paired to a
//! station, and the ballot activated on each.

use crate::chain::append_audit;
use crate::db::{db, not_found, retry, settle, Attempt, Postgres, Unique};
use crate::sql::NO_ACTIVATION;
use async_trait::async_trait;
use domain::clock::{from_micros, to_micros};
use domain::kiosk::KioskRefusal;
use sqlx::postgres::{PgConnection, PgRow};
use sqlx::Row;
use store::kiosks::{
    kiosk_activated, kiosk_paired, kiosk_requested, kiosk_retired, Activation, Kiosk, NewKiosk,
    Pairing,
};
use store::{Actor, Entity, KioskStore, Refusal, StoreError, StoreResult};
use time::OffsetDateTime;

const KIOSK_COLUMNS: &str = "k.kiosk_id, k.election_code, k.csrf_token, k.requested_at_us, \
     k.pairing_code, k.station_code, s.county_code, k.number, k.paired_at_us, k.paired_by, \
     k.retired_at_us, k.activation_id, k.activation_token_hash, k.activation_council, \
     k.activation_at_us, k.activation_expires_us, k.activation_test_run";

fn kiosk_row(r: &PgRow) -> Attempt<Kiosk> {
    let paired = match r.try_get::<Option<String>, _>("station_code")? {
        Some(station) => Some(Pairing {
            station,
            county: r
                .try_get::<Option<String>, _>("county_code")?
                .unwrap_or_default(),
            number: u32::try_from(r.try_get::<Option<i32>, _>("number")?.unwrap_or_default())
                .map_err(|_| StoreError::Corrupt("a kiosk's number".into()))?,
            at: from_micros(
                r.try_get::<Option<i64>, _>("paired_at_us")?
                    .unwrap_or_default(),
            ),
            by: r
                .try_get::<Option<String>, _>("paired_by")?
                .unwrap_or_default(),
        }),
        None => None,
    };
    let activation = match r.try_get::<Option<String>, _>("activation_id")? {
        Some(id) => Some(Activation {
            id,
            token_hash: r
                .try_get::<Option<String>, _>("activation_token_hash")?
                .unwrap_or_default(),
            council: r
                .try_get::<Option<String>, _>("activation_council")?
                .unwrap_or_default(),
            at: from_micros(
                r.try_get::<Option<i64>, _>("activation_at_us")?
                    .unwrap_or_default(),
            ),
            expires_at: from_micros(
                r.try_get::<Option<i64>, _>("activation_expires_us")?
                    .unwrap_or_default(),
            ),
            test_run: r.try_get("activation_test_run")?,
        }),
        None => None,
    };
    Ok(Kiosk {
        kiosk_id: r.try_get("kiosk_id")?,
        election_code: r.try_get("election_code")?,
        csrf_token: r.try_get("csrf_token")?,
        requested_at: from_micros(r.try_get("requested_at_us")?),
        pairing_code: r.try_get("pairing_code")?,
        paired,
        retired_at: r
            .try_get::<Option<i64>, _>("retired_at_us")?
            .map(from_micros),
        activation,
    })
}

async fn kiosk_where(
    conn: &mut PgConnection,
    condition: &str,
    args: &[&str],
) -> Attempt<Vec<Kiosk>> {
    let sql = format!(
        "SELECT {KIOSK_COLUMNS} FROM kiosks k LEFT JOIN stations s ON s.code = k.station_code \
         WHERE {condition} ORDER BY k.number, k.kiosk_id"
    );
    let mut query = sqlx::query(&sql);
    for arg in args {
        query = query.bind(*arg);
    }
    query
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(kiosk_row)
        .collect()
}

/// A kiosk of a station in service, and its current activation's id.
struct InService {
    activation: Option<String>,
}

/// The station's kiosk in service `kiosk_id`, if it is one (locked for the transaction).
async fn in_service(
    conn: &mut PgConnection,
    station: &str,
    kiosk_id: &str,
) -> Attempt<Option<InService>> {
    Ok(sqlx::query_scalar::<_, Option<String>>(
        "SELECT activation_id FROM kiosks WHERE kiosk_id = $1 AND station_code = $2 \
             AND retired_at_us IS NULL FOR UPDATE",
    )
    .bind(kiosk_id)
    .bind(station)
    .fetch_optional(&mut *conn)
    .await?
    .map(|activation| InService { activation }))
}

impl Postgres {
    async fn try_request(
        &self,
        kiosk: &NewKiosk,
        pending_since: OffsetDateTime,
        max_pending: u32,
        by: &Actor,
    ) -> Attempt<bool> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM kiosks WHERE station_code IS NULL AND requested_at_us < $1")
            .bind(to_micros(pending_since))
            .execute(&mut *tx)
            .await?;
        let waiting = sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM kiosks WHERE election_code = $1 AND station_code IS NULL",
        )
        .bind(&kiosk.election_code)
        .fetch_one(&mut *tx)
        .await?;
        if waiting >= i64::from(max_pending) {
            return Err(StoreError::from(Refusal::Kiosk(KioskRefusal::TooManyPending)).into());
        }
        let inserted = sqlx::query(
            "INSERT INTO kiosks (kiosk_id, election_code, session_hash, csrf_token, \
                 requested_at_us, pairing_code) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT DO NOTHING",
        )
        .bind(&kiosk.kiosk_id)
        .bind(&kiosk.election_code)
        .bind(&kiosk.session_hash)
        .bind(&kiosk.csrf_token)
        .bind(by.at_us())
        .bind(&kiosk.pairing_code)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            return Ok(false);
        }
        append_audit(&mut tx, by, &kiosk_requested(&kiosk.kiosk_id)).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn try_pair(
        &self,
        election: &str,
        station: &str,
        code: &str,
        pending_since: OffsetDateTime,
        by: &Actor,
    ) -> Attempt<Kiosk> {
        let mut tx = self.pool.begin().await?;
        let known = sqlx::query_scalar::<_, i32>(
            "SELECT 1 FROM stations WHERE code = $1 AND election_code = $2",
        )
        .bind(station)
        .bind(election)
        .fetch_optional(&mut *tx)
        .await?;
        if known.is_none() {
            return Err(not_found(Entity::Station));
        }
        let Some(kiosk_id) = sqlx::query_scalar::<_, String>(
            "SELECT kiosk_id FROM kiosks WHERE election_code = $1 AND pairing_code = $2 \
                 AND station_code IS NULL AND requested_at_us >= $3 FOR UPDATE",
        )
        .bind(election)
        .bind(code)
        .bind(to_micros(pending_since))
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Err(StoreError::from(Refusal::Kiosk(KioskRefusal::PairingUnknown)).into());
        };
        // Two pairings at one station at once: the loser's number is taken (a unique
        // violation), and its retry reads the winner's.
        let number = sqlx::query_scalar::<_, i32>(
            "SELECT COALESCE(MAX(number), 0) + 1 FROM kiosks WHERE station_code = $1",
        )
        .bind(station)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE kiosks SET pairing_code = NULL, station_code = $2, number = $3, \
                 paired_at_us = $4, paired_by = $5 WHERE kiosk_id = $1",
        )
        .bind(&kiosk_id)
        .bind(station)
        .bind(number)
        .bind(by.at_us())
        .bind(&by.username)
        .execute(&mut *tx)
        .await?;
        let number =
            u32::try_from(number).map_err(|_| StoreError::Corrupt("a kiosk's number".into()))?;
        append_audit(&mut tx, by, &kiosk_paired(&kiosk_id, station, number)).await?;
        let kiosk = kiosk_where(&mut tx, "k.kiosk_id = $1", &[&kiosk_id])
            .await?
            .pop()
            .ok_or_else(|| not_found(Entity::Kiosk))?;
        tx.commit().await?;
        Ok(kiosk)
    }

    async fn try_retire(&self, station: &str, kiosk_id: &str, by: &Actor) -> Attempt<()> {
        let mut tx = self.pool.begin().await?;
        if in_service(&mut tx, station, kiosk_id).await?.is_none() {
            return Err(not_found(Entity::Kiosk));
        }
        sqlx::query(&format!(
            "UPDATE kiosks SET retired_at_us = $2, {NO_ACTIVATION} WHERE kiosk_id = $1"
        ))
        .bind(kiosk_id)
        .bind(by.at_us())
        .execute(&mut *tx)
        .await?;
        append_audit(&mut tx, by, &kiosk_retired(kiosk_id, station)).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn try_activate(
        &self,
        station: &str,
        kiosk_id: &str,
        replacing: Option<&str>,
        activation: &Activation,
        by: &Actor,
    ) -> Attempt<()> {
        let mut tx = self.pool.begin().await?;
        let Some(current) = in_service(&mut tx, station, kiosk_id).await? else {
            return Err(not_found(Entity::Kiosk));
        };
        if current.activation.as_deref() != replacing {
            return Err(StoreError::from(Refusal::Kiosk(KioskRefusal::Busy)).into());
        }
        // The voter's ballot is live on one kiosk: any other activation of it goes.
        sqlx::query(&format!(
            "UPDATE kiosks SET {NO_ACTIVATION} \
             WHERE activation_token_hash = $1 AND kiosk_id <> $2"
        ))
        .bind(&activation.token_hash)
        .bind(kiosk_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE kiosks SET activation_id = $2, activation_token_hash = $3, \
                 activation_council = $4, activation_at_us = $5, activation_expires_us = $6, \
                 activation_test_run = $7 \
             WHERE kiosk_id = $1",
        )
        .bind(kiosk_id)
        .bind(&activation.id)
        .bind(&activation.token_hash)
        .bind(&activation.council)
        .bind(to_micros(activation.at))
        .bind(to_micros(activation.expires_at))
        .bind(activation.test_run)
        .execute(&mut *tx)
        .await?;
        append_audit(&mut tx, by, &kiosk_activated(kiosk_id, station, activation)).await?;
        tx.commit().await?;
        Ok(())
    }
}

#[async_trait]
impl KioskStore for Postgres {
    #[tracing::instrument(skip_all)]
    async fn request_kiosk(
        &self,
        kiosk: &NewKiosk,
        pending_since: OffsetDateTime,
        max_pending: u32,
        by: &Actor,
    ) -> StoreResult<bool> {
        retry(Unique::Fail, || {
            self.try_request(kiosk, pending_since, max_pending, by)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn kiosk_by_session(&self, session_hash: &str) -> StoreResult<Option<Kiosk>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        Ok(
            kiosk_where(&mut conn, "k.session_hash = $1", &[session_hash])
                .await
                .map_err(settle)?
                .pop(),
        )
    }

    #[tracing::instrument(skip_all)]
    async fn pair_kiosk(
        &self,
        election_code: &str,
        station: &str,
        pairing_code: &str,
        pending_since: OffsetDateTime,
        by: &Actor,
    ) -> StoreResult<Kiosk> {
        retry(
            Unique::Retry {
                entity: Entity::Kiosk,
                key: pairing_code,
            },
            || self.try_pair(election_code, station, pairing_code, pending_since, by),
        )
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn station_kiosks(&self, election_code: &str, station: &str) -> StoreResult<Vec<Kiosk>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        kiosk_where(
            &mut conn,
            "k.election_code = $1 AND k.station_code = $2 AND k.retired_at_us IS NULL",
            &[election_code, station],
        )
        .await
        .map_err(settle)
    }

    #[tracing::instrument(skip_all)]
    async fn station_kiosk(
        &self,
        election_code: &str,
        station: &str,
        kiosk_id: &str,
    ) -> StoreResult<Option<Kiosk>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        Ok(kiosk_where(
            &mut conn,
            "k.election_code = $1 AND k.station_code = $2 AND k.kiosk_id = $3 \
             AND k.retired_at_us IS NULL",
            &[election_code, station, kiosk_id],
        )
        .await
        .map_err(settle)?
        .pop())
    }

    #[tracing::instrument(skip_all)]
    async fn retire_kiosk(&self, station: &str, kiosk_id: &str, by: &Actor) -> StoreResult<()> {
        retry(Unique::Fail, || self.try_retire(station, kiosk_id, by)).await
    }

    #[tracing::instrument(skip_all)]
    async fn activate_kiosk(
        &self,
        station: &str,
        kiosk_id: &str,
        replacing: Option<&str>,
        activation: &Activation,
        by: &Actor,
    ) -> StoreResult<()> {
        retry(Unique::Fail, || {
            self.try_activate(station, kiosk_id, replacing, activation, by)
        })
        .await
    }
}
