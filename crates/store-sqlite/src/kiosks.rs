//! Voting devices on SQLite (issue 17 §1): kiosks waiting to be paired, paired to a station,
//! and the ballot activated on each.

use crate::chain::append_audit;
use crate::db::{db_err, Sqlite};
use crate::sql::NO_ACTIVATION;
use async_trait::async_trait;
use domain::clock::{from_micros, to_micros};
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};
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

fn kiosk_row(r: &Row<'_>) -> rusqlite::Result<Kiosk> {
    let station: Option<String> = r.get(5)?;
    let paired = match station {
        Some(station) => Some(Pairing {
            station,
            county: r.get::<_, Option<String>>(6)?.unwrap_or_default(),
            number: r.get::<_, Option<u32>>(7)?.unwrap_or_default(),
            at: from_micros(r.get::<_, Option<i64>>(8)?.unwrap_or_default()),
            by: r.get::<_, Option<String>>(9)?.unwrap_or_default(),
        }),
        None => None,
    };
    let activation = match r.get::<_, Option<String>>(11)? {
        Some(id) => Some(Activation {
            id,
            token_hash: r.get::<_, Option<String>>(12)?.unwrap_or_default(),
            council: r.get::<_, Option<String>>(13)?.unwrap_or_default(),
            at: from_micros(r.get::<_, Option<i64>>(14)?.unwrap_or_default()),
            expires_at: from_micros(r.get::<_, Option<i64>>(15)?.unwrap_or_default()),
            test_run: r.get(16)?,
        }),
        None => None,
    };
    Ok(Kiosk {
        kiosk_id: r.get(0)?,
        election_code: r.get(1)?,
        csrf_token: r.get(2)?,
        requested_at: from_micros(r.get(3)?),
        pairing_code: r.get(4)?,
        paired,
        retired_at: r.get::<_, Option<i64>>(10)?.map(from_micros),
        activation,
    })
}

fn kiosk_where(conn: &Connection, condition: &str, args: &[&str]) -> StoreResult<Vec<Kiosk>> {
    let sql = format!(
        "SELECT {KIOSK_COLUMNS} FROM kiosks k LEFT JOIN stations s ON s.code = k.station_code \
         WHERE {condition} ORDER BY k.number, k.kiosk_id"
    );
    let mut statement = conn.prepare_cached(&sql).map_err(db_err)?;
    let rows = statement
        .query_map(rusqlite::params_from_iter(args), kiosk_row)
        .map_err(db_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(db_err);
    rows
}

fn request(
    tx: &Transaction<'_>,
    kiosk: &NewKiosk,
    pending_since: OffsetDateTime,
    max_pending: u32,
    by: &Actor,
) -> StoreResult<bool> {
    let since = to_micros(pending_since);
    tx.prepare_cached("DELETE FROM kiosks WHERE station_code IS NULL AND requested_at_us < ?1")
        .map_err(db_err)?
        .execute([since])
        .map_err(db_err)?;
    let waiting: u32 = tx
        .prepare_cached(
            "SELECT COUNT(*) FROM kiosks WHERE election_code = ?1 AND station_code IS NULL",
        )
        .map_err(db_err)?
        .query_row([&kiosk.election_code], |r| r.get(0))
        .map_err(db_err)?;
    if waiting >= max_pending {
        return Err(Refusal::Kiosk(domain::kiosk::KioskRefusal::TooManyPending).into());
    }
    let inserted = tx
        .prepare_cached(
            "INSERT INTO kiosks (kiosk_id, election_code, session_hash, csrf_token,
                 requested_at_us, pairing_code) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT DO NOTHING",
        )
        .map_err(db_err)?
        .execute(params![
            kiosk.kiosk_id,
            kiosk.election_code,
            kiosk.session_hash,
            kiosk.csrf_token,
            by.at_us(),
            kiosk.pairing_code
        ])
        .map_err(db_err)?;
    if inserted == 0 {
        return Ok(false);
    }
    append_audit(tx, by, &kiosk_requested(&kiosk.kiosk_id))?;
    Ok(true)
}

fn pair(
    tx: &Transaction<'_>,
    election: &str,
    station: &str,
    code: &str,
    pending_since: OffsetDateTime,
    by: &Actor,
) -> StoreResult<Kiosk> {
    let known: Option<i64> = tx
        .prepare_cached("SELECT 1 FROM stations WHERE code = ?1 AND election_code = ?2")
        .map_err(db_err)?
        .query_row([station, election], |r| r.get(0))
        .optional()
        .map_err(db_err)?;
    if known.is_none() {
        return Err(StoreError::not_found(Entity::Station));
    }
    let kiosk_id: Option<String> = tx
        .prepare_cached(
            "SELECT kiosk_id FROM kiosks WHERE election_code = ?1 AND pairing_code = ?2
                 AND station_code IS NULL AND requested_at_us >= ?3",
        )
        .map_err(db_err)?
        .query_row(params![election, code, to_micros(pending_since)], |r| {
            r.get(0)
        })
        .optional()
        .map_err(db_err)?;
    let Some(kiosk_id) = kiosk_id else {
        return Err(Refusal::Kiosk(domain::kiosk::KioskRefusal::PairingUnknown).into());
    };
    let number: u32 = tx
        .prepare_cached("SELECT COALESCE(MAX(number), 0) + 1 FROM kiosks WHERE station_code = ?1")
        .map_err(db_err)?
        .query_row([station], |r| r.get(0))
        .map_err(db_err)?;
    tx.prepare_cached(
        "UPDATE kiosks SET pairing_code = NULL, station_code = ?2, number = ?3,
             paired_at_us = ?4, paired_by = ?5 WHERE kiosk_id = ?1",
    )
    .map_err(db_err)?
    .execute(params![kiosk_id, station, number, by.at_us(), by.username])
    .map_err(db_err)?;
    append_audit(tx, by, &kiosk_paired(&kiosk_id, station, number))?;
    kiosk_where(tx, "k.kiosk_id = ?1", &[&kiosk_id])?
        .pop()
        .ok_or_else(|| StoreError::not_found(Entity::Kiosk))
}

/// A kiosk of a station in service, and its current activation's id.
struct InService {
    activation: Option<String>,
}

/// The station's kiosk in service `kiosk_id`, if it is one.
fn in_service(
    tx: &Transaction<'_>,
    station: &str,
    kiosk_id: &str,
) -> StoreResult<Option<InService>> {
    tx.prepare_cached(
        "SELECT activation_id FROM kiosks WHERE kiosk_id = ?1 AND station_code = ?2
             AND retired_at_us IS NULL",
    )
    .map_err(db_err)?
    .query_row([kiosk_id, station], |r| {
        Ok(InService {
            activation: r.get(0)?,
        })
    })
    .optional()
    .map_err(db_err)
}

fn retire(tx: &Transaction<'_>, station: &str, kiosk_id: &str, by: &Actor) -> StoreResult<()> {
    if in_service(tx, station, kiosk_id)?.is_none() {
        return Err(StoreError::not_found(Entity::Kiosk));
    }
    tx.prepare_cached(&format!(
        "UPDATE kiosks SET retired_at_us = ?2, {NO_ACTIVATION} WHERE kiosk_id = ?1"
    ))
    .map_err(db_err)?
    .execute(params![kiosk_id, by.at_us()])
    .map_err(db_err)?;
    append_audit(tx, by, &kiosk_retired(kiosk_id, station))
}

fn activate(
    tx: &Transaction<'_>,
    station: &str,
    kiosk_id: &str,
    replacing: Option<&str>,
    activation: &Activation,
    by: &Actor,
) -> StoreResult<()> {
    let Some(current) = in_service(tx, station, kiosk_id)? else {
        return Err(StoreError::not_found(Entity::Kiosk));
    };
    if current.activation.as_deref() != replacing {
        return Err(Refusal::Kiosk(domain::kiosk::KioskRefusal::Busy).into());
    }
    // The voter's ballot is live on one kiosk: any other activation of it goes.
    tx.prepare_cached(&format!(
        "UPDATE kiosks SET {NO_ACTIVATION} WHERE activation_token_hash = ?1 AND kiosk_id <> ?2"
    ))
    .map_err(db_err)?
    .execute([&activation.token_hash, kiosk_id])
    .map_err(db_err)?;
    tx.prepare_cached(
        "UPDATE kiosks SET activation_id = ?2, activation_token_hash = ?3,
             activation_council = ?4, activation_at_us = ?5, activation_expires_us = ?6,
             activation_test_run = ?7
         WHERE kiosk_id = ?1",
    )
    .map_err(db_err)?
    .execute(params![
        kiosk_id,
        activation.id,
        activation.token_hash,
        activation.council,
        to_micros(activation.at),
        to_micros(activation.expires_at),
        activation.test_run
    ])
    .map_err(db_err)?;
    append_audit(tx, by, &kiosk_activated(kiosk_id, station, activation))
}

#[async_trait]
impl KioskStore for Sqlite {
    #[tracing::instrument(skip_all)]
    async fn request_kiosk(
        &self,
        kiosk: &NewKiosk,
        pending_since: OffsetDateTime,
        max_pending: u32,
        by: &Actor,
    ) -> StoreResult<bool> {
        let (kiosk, by) = (kiosk.clone(), by.clone());
        self.write(move |tx| request(tx, &kiosk, pending_since, max_pending, &by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn kiosk_by_session(&self, session_hash: &str) -> StoreResult<Option<Kiosk>> {
        let hash = session_hash.to_owned();
        self.read(move |conn| Ok(kiosk_where(conn, "k.session_hash = ?1", &[&hash])?.pop()))
            .await
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
        let (election, station, code, by) = (
            election_code.to_owned(),
            station.to_owned(),
            pairing_code.to_owned(),
            by.clone(),
        );
        self.write(move |tx| pair(tx, &election, &station, &code, pending_since, &by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn station_kiosks(&self, election_code: &str, station: &str) -> StoreResult<Vec<Kiosk>> {
        let (election, station) = (election_code.to_owned(), station.to_owned());
        self.read(move |conn| {
            kiosk_where(
                conn,
                "k.election_code = ?1 AND k.station_code = ?2 AND k.retired_at_us IS NULL",
                &[&election, &station],
            )
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn station_kiosk(
        &self,
        election_code: &str,
        station: &str,
        kiosk_id: &str,
    ) -> StoreResult<Option<Kiosk>> {
        let (election, station, kiosk_id) = (
            election_code.to_owned(),
            station.to_owned(),
            kiosk_id.to_owned(),
        );
        self.read(move |conn| {
            Ok(kiosk_where(
                conn,
                "k.election_code = ?1 AND k.station_code = ?2 AND k.kiosk_id = ?3 \
                 AND k.retired_at_us IS NULL",
                &[&election, &station, &kiosk_id],
            )?
            .pop())
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn retire_kiosk(&self, station: &str, kiosk_id: &str, by: &Actor) -> StoreResult<()> {
        let (station, kiosk_id, by) = (station.to_owned(), kiosk_id.to_owned(), by.clone());
        self.write(move |tx| retire(tx, &station, &kiosk_id, &by))
            .await
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
        let (station, kiosk_id, replacing, activation, by) = (
            station.to_owned(),
            kiosk_id.to_owned(),
            replacing.map(str::to_owned),
            activation.clone(),
            by.clone(),
        );
        self.write(move |tx| {
            activate(
                tx,
                &station,
                &kiosk_id,
                replacing.as_deref(),
                &activation,
                &by,
            )
        })
        .await
    }
}
