//! The count on SQLite (issue 17 §4): the guardians' decryption shares and the counts.

use crate::chain::append_audit;
use crate::db::{db_err, Sqlite};
use async_trait::async_trait;
use rusqlite::{params, Connection, Transaction};
use store::tallies::{decryption_recorded, StationDecryption, TallyCounts, TallyShare};
use store::{Actor, StoreResult, TallyStore};

fn record(
    tx: &Transaction<'_>,
    election: &str,
    guardian: u32,
    shares: &[TallyShare],
    counts: &[TallyCounts],
    by: &Actor,
) -> StoreResult<u64> {
    let mut new = 0;
    {
        let mut insert = tx
            .prepare_cached(
                "INSERT INTO decryption_shares (election_code, station_code, council_code,
                     guardian, share, at_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT DO NOTHING",
            )
            .map_err(db_err)?;
        for share in shares {
            new += insert
                .execute(params![
                    election,
                    share.station,
                    share.council,
                    guardian,
                    share.share,
                    by.at_us()
                ])
                .map_err(db_err)? as u64;
        }
        let mut insert = tx
            .prepare_cached(
                "INSERT INTO tally_counts (election_code, station_code, council_code, counts,
                     at_us) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
            )
            .map_err(db_err)?;
        for counted in counts {
            insert
                .execute(params![
                    election,
                    counted.station,
                    counted.council,
                    counted.counts,
                    by.at_us()
                ])
                .map_err(db_err)?;
        }
    }
    append_audit(
        tx,
        by,
        &decryption_recorded(election, guardian, new, counts.len()),
    )?;
    Ok(new)
}

fn read(conn: &Connection, election: &str, station: &str) -> StoreResult<StationDecryption> {
    let shares = conn
        .prepare_cached(
            "SELECT council_code, guardian, share FROM decryption_shares
             WHERE election_code = ?1 AND station_code = ?2 ORDER BY council_code, guardian",
        )
        .map_err(db_err)?
        .query_map([election, station], |r| {
            Ok(TallyShare {
                station: station.to_owned(),
                council: r.get(0)?,
                guardian: r.get(1)?,
                share: r.get(2)?,
            })
        })
        .map_err(db_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(db_err)?;
    let counts = conn
        .prepare_cached(
            "SELECT council_code, counts FROM tally_counts
             WHERE election_code = ?1 AND station_code = ?2 ORDER BY council_code",
        )
        .map_err(db_err)?
        .query_map([election, station], |r| {
            Ok(TallyCounts {
                station: station.to_owned(),
                council: r.get(0)?,
                counts: r.get(1)?,
            })
        })
        .map_err(db_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(db_err)?;
    Ok(StationDecryption { shares, counts })
}

#[async_trait]
impl TallyStore for Sqlite {
    #[tracing::instrument(skip_all)]
    async fn record_decryption(
        &self,
        election_code: &str,
        guardian: u32,
        shares: &[TallyShare],
        counts: &[TallyCounts],
        by: &Actor,
    ) -> StoreResult<u64> {
        let (election, shares, counts, by) = (
            election_code.to_owned(),
            shares.to_vec(),
            counts.to_vec(),
            by.clone(),
        );
        self.write(move |tx| record(tx, &election, guardian, &shares, &counts, &by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn station_decryption(
        &self,
        election_code: &str,
        station: &str,
    ) -> StoreResult<StationDecryption> {
        let (election, station) = (election_code.to_owned(), station.to_owned());
        self.read(move |conn| read(conn, &election, &station)).await
    }
}
