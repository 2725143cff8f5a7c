//! The PostgreSQL backend of [`store::Store`].
//!
//! Runtime queries with binds only (no compile-time checked macros: no database exists at build
//! time). Every mutation writes its change and its audit record in one transaction; appends to
//! the audit chain serialise on the single `audit_head` row. Times are kept as BIGINT
//! microseconds, exactly as in SQLite, so that audit hashes are identical across backends.
//!
//! One module per area implements its trait (`geography`, `stations`, `people`, `staffing`,
//! `boards`, `candidacy`, `roll`, `election_day`, `auth`, `audit_log`), the same list of files
//! as the SQLite backend's. An area uses only the shared leaves (`db`: the store, its
//! transactions and errors; `sql`: query fragments; `rows`: row conversions; `chain`: the audit
//! append; `facts`: reads several operations need; `migrate`) and never another area. Only
//! this root composes areas: the demo's load writes every area's part in one transaction.

mod annulments;
mod audit_log;
mod auth;
mod boards;
mod candidacy;
mod certifications;
mod chain;
mod complaints;
mod db;
mod election_day;
mod equipment;
mod facts;
mod geography;
mod guardians;
mod hand_counts;
mod identity;
mod incidents;
mod kiosks;
mod migrate;
mod minutes;
mod people;
mod readiness;
mod roll;
mod rows;
mod security;
mod sql;
mod staffing;
mod stations;
mod tallies;
#[doc(hidden)]
pub mod testing;

pub use db::Postgres;
/// The most check-ins and ballots one election-day batch takes (for tests that count batches).
#[doc(hidden)]
pub use election_day::writer::MAX_BATCH as WRITER_MAX_BATCH;
pub use migrate::migrations;

use async_trait::async_trait;
use db::{retry, Attempt, Unique};
use domain::demo::DemoData;
use store::demo::demo_loaded;
use store::{Actor, DemoStore, Store, StoreError, StoreResult};

impl Postgres {
    /// Connects to `url` (`postgres://…`), brings the schema up to date and starts the
    /// election-day writer.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let (store, queue) = Postgres::open(url).await?;
        election_day::writer::spawn(store.pool.clone(), queue);
        Ok(store)
    }
}

#[async_trait]
impl Store for Postgres {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    #[tracing::instrument(skip_all)]
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(StoreError::database)?;
        Ok(())
    }
}

impl Postgres {
    /// The demo in one transaction: each area writes its part, then the one audit record.
    async fn try_load_demo(
        &self,
        data: &DemoData,
        seed: &domain::geo::ProvinceSeed,
        by: &Actor,
    ) -> Attempt<()> {
        let code = &data.election.code;
        let mut tx = self.pool.begin().await?;
        geography::write_seed(&mut tx, seed, by).await?;
        stations::write_stations(&mut tx, &data.stations, false).await?;
        stations::write_routes(&mut tx, &data.stations, false).await?;
        people::write_people(&mut tx, &self.pool, &data.people).await?;
        staffing::write_demo_assignments(&mut tx, code, &data.assignments, by).await?;
        boards::write_demo_members(&mut tx, &data.board_members, by).await?;
        security::write_demo(&mut tx, data, by).await?;
        let council: Vec<_> = data
            .council_meetings
            .iter()
            .map(|m| m.meeting.clone())
            .collect();
        let ids = boards::write_demo_meetings(&mut tx, &council, by).await?;
        security::write_demo_approvals(&mut tx, &data.council_meetings, &ids, by).await?;
        candidacy::write_demo_registrations(&mut tx, code, &data.registrations).await?;
        candidacy::write_demo_candidates(
            &mut tx,
            code,
            &data.councils,
            &data.candidates,
            &data.registrations,
            by,
        )
        .await?;
        readiness::write_demo(&mut tx, &data.readiness).await?;
        incidents::write_demo(&mut tx, &data.incidents).await?;
        equipment::write_demo(&mut tx, &data.election.code, &data.equipment_runs).await?;
        chain::append_audit(&mut tx, by, &demo_loaded(data)).await?;
        tx.commit().await?;
        Ok(())
    }
}

#[async_trait]
impl DemoStore for Postgres {
    #[tracing::instrument(skip_all)]
    async fn load_demo(&self, data: &DemoData, by: &Actor) -> StoreResult<()> {
        let seed = data.province();
        seed.validate()?;
        retry(Unique::Fail, || self.try_load_demo(data, &seed, by)).await
    }
}
