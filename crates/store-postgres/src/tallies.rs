//! The count on PostgreSQL (issue 17 §4): the guardians' decryption shares and the counts.

use crate::chain::append_audit;
use crate::db::{db, retry, Attempt, Postgres, Unique};
use async_trait::async_trait;
use sqlx::Row;
use store::tallies::{decryption_recorded, StationDecryption, TallyCounts, TallyShare};
use store::{Actor, StoreError, StoreResult, TallyStore};

fn guardian_of(value: i32) -> Attempt<u32> {
    u32::try_from(value)
        .map_err(|_| StoreError::Corrupt(format!("a share's guardian {value}")).into())
}

impl Postgres {
    async fn try_record_decryption(
        &self,
        election: &str,
        guardian: u32,
        shares: &[TallyShare],
        counts: &[TallyCounts],
        by: &Actor,
    ) -> Attempt<u64> {
        let mut tx = self.pool.begin().await?;
        let mut new = 0;
        for share in shares {
            new += sqlx::query(
                "INSERT INTO decryption_shares (election_code, station_code, council_code, \
                     guardian, share, at_us) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(election)
            .bind(&share.station)
            .bind(&share.council)
            .bind(i64::from(guardian))
            .bind(&share.share)
            .bind(by.at_us())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        for counted in counts {
            sqlx::query(
                "INSERT INTO tally_counts (election_code, station_code, council_code, counts, \
                     at_us) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            )
            .bind(election)
            .bind(&counted.station)
            .bind(&counted.council)
            .bind(&counted.counts)
            .bind(by.at_us())
            .execute(&mut *tx)
            .await?;
        }
        append_audit(
            &mut tx,
            by,
            &decryption_recorded(election, guardian, new, counts.len()),
        )
        .await?;
        tx.commit().await?;
        Ok(new)
    }
}

#[async_trait]
impl TallyStore for Postgres {
    #[tracing::instrument(skip_all)]
    async fn record_decryption(
        &self,
        election_code: &str,
        guardian: u32,
        shares: &[TallyShare],
        counts: &[TallyCounts],
        by: &Actor,
    ) -> StoreResult<u64> {
        retry(Unique::Fail, || {
            self.try_record_decryption(election_code, guardian, shares, counts, by)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn station_decryption(
        &self,
        election_code: &str,
        station: &str,
    ) -> StoreResult<StationDecryption> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        let shares = sqlx::query(
            "SELECT council_code, guardian, share FROM decryption_shares \
             WHERE election_code = $1 AND station_code = $2 ORDER BY council_code, guardian",
        )
        .bind(election_code)
        .bind(station)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            Ok(TallyShare {
                station: station.to_owned(),
                council: r.try_get("council_code")?,
                guardian: guardian_of(r.try_get("guardian")?)?,
                share: r.try_get("share")?,
            })
        })
        .collect::<Attempt<Vec<_>>>()
        .map_err(crate::db::settle)?;
        let counts = sqlx::query(
            "SELECT council_code, counts FROM tally_counts \
             WHERE election_code = $1 AND station_code = $2 ORDER BY council_code",
        )
        .bind(election_code)
        .bind(station)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            Ok(TallyCounts {
                station: station.to_owned(),
                council: r.try_get("council_code")?,
                counts: r.try_get("counts")?,
            })
        })
        .collect::<Attempt<Vec<_>>>()
        .map_err(crate::db::settle)?;
        Ok(StationDecryption { shares, counts })
    }
}
