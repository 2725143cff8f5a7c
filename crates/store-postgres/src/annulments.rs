//! Annulled station boxes on PostgreSQL (issue 18 §5). A decision locks the station's row, so
//! two at once on one station queue and the second decides on what the first left.

use crate::db::{db, retry, Attempt, Postgres, Unique};
use crate::facts::{annul_in, restore_in};
use async_trait::async_trait;
use sqlx::Row;
use store::annulments::Annulment;
use store::{Actor, AnnulmentStore, Entity, StoreResult};

impl Postgres {
    async fn try_annul(
        &self,
        election: &str,
        station: &str,
        reason: &str,
        by: &Actor,
    ) -> Attempt<Annulment> {
        let mut tx = self.pool.begin().await?;
        let made = annul_in(&mut tx, election, station, reason, by).await?;
        tx.commit().await?;
        Ok(made)
    }

    async fn try_restore(
        &self,
        election: &str,
        station: &str,
        reason: &str,
        by: &Actor,
    ) -> Attempt<()> {
        let mut tx = self.pool.begin().await?;
        restore_in(&mut tx, election, station, reason, by).await?;
        tx.commit().await?;
        Ok(())
    }
}

#[async_trait]
impl AnnulmentStore for Postgres {
    #[tracing::instrument(skip_all)]
    async fn annul_station(
        &self,
        election: &str,
        station: &str,
        reason: &str,
        by: &Actor,
    ) -> StoreResult<Annulment> {
        retry(
            Unique::Retry {
                entity: Entity::Station,
                key: station,
            },
            || self.try_annul(election, station, reason, by),
        )
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn restore_station(
        &self,
        election: &str,
        station: &str,
        reason: &str,
        by: &Actor,
    ) -> StoreResult<()> {
        retry(Unique::Fail, || {
            self.try_restore(election, station, reason, by)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn annulments(&self, election: &str) -> StoreResult<Vec<Annulment>> {
        let rows = sqlx::query(
            "SELECT station_code, reason, annulled_by, annulled_at_us FROM station_annulments \
             WHERE election_code = $1 AND restored_at_us IS NULL \
             ORDER BY station_code COLLATE \"C\"",
        )
        .bind(election)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(Annulment {
                    station: r.try_get(0).map_err(db)?,
                    reason: r.try_get(1).map_err(db)?,
                    by: r.try_get(2).map_err(db)?,
                    at: domain::clock::from_micros(r.try_get(3).map_err(db)?),
                })
            })
            .collect()
    }
}
