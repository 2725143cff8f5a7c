//! Annulled station boxes on SQLite (issue 18 §5).

use crate::db::{db_err, Sqlite};
use crate::facts::{annul, restore};
use crate::sql::all;
use async_trait::async_trait;
use rusqlite::Connection;
use store::annulments::Annulment;
use store::{Actor, AnnulmentStore, StoreResult};

fn list(conn: &Connection, election: &str) -> StoreResult<Vec<Annulment>> {
    all(
        &mut *conn
            .prepare_cached(
                "SELECT station_code, reason, annulled_by, annulled_at_us FROM station_annulments
                 WHERE election_code = ?1 AND restored_at_us IS NULL ORDER BY station_code",
            )
            .map_err(db_err)?,
        [election],
        |r| {
            Ok(Annulment {
                station: r.get(0)?,
                reason: r.get(1)?,
                by: r.get(2)?,
                at: domain::clock::from_micros(r.get(3)?),
            })
        },
    )
}

#[async_trait]
impl AnnulmentStore for Sqlite {
    #[tracing::instrument(skip_all)]
    async fn annul_station(
        &self,
        election: &str,
        station: &str,
        reason: &str,
        by: &Actor,
    ) -> StoreResult<Annulment> {
        let (election, station, reason, by) = (
            election.to_owned(),
            station.to_owned(),
            reason.to_owned(),
            by.clone(),
        );
        self.write(move |tx| annul(tx, &election, &station, &reason, &by))
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
        let (election, station, reason, by) = (
            election.to_owned(),
            station.to_owned(),
            reason.to_owned(),
            by.clone(),
        );
        self.write(move |tx| restore(tx, &election, &station, &reason, &by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn annulments(&self, election: &str) -> StoreResult<Vec<Annulment>> {
        let election = election.to_owned();
        self.read(move |conn| list(conn, &election)).await
    }
}
