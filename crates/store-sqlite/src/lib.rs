//! The embedded default store: SQLite via rusqlite (DESIGN §3).
//!
//! One module per area of the store, each implementing its trait (`geography`, `stations`,
//! `people`, `staffing`, `boards`, `candidacy`, `roll`, `election_day`, `auth`, `audit_log`),
//! over leaf modules that name no area: `db` (the connections and transactions), `migrate`,
//! `sql` (query helpers), `rows` (rows into models), `chain` (the audit append) and `facts`
//! (reads several areas share). The PostgreSQL backend has the same files. This root is the
//! only module that calls into several areas: it starts the store and loads the demo.

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

use async_trait::async_trait;
pub use db::{path_from_url, Sqlite};
use domain::demo::DemoData;
pub use migrate::migrations;
use std::sync::Arc;
use store::{Actor, DemoStore, Store, StoreError, StoreResult};

impl Sqlite {
    /// Opens (creating if needed) the database file, runs the migrations and starts the
    /// election-day writer and the checkpointer.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let path = path_from_url(url)?;
        tokio::task::spawn_blocking(move || {
            let (inner, queue) = db::open_store(path)?;
            election_day::writer::spawn(Arc::downgrade(&inner), queue)?;
            Ok(Self::from_inner(inner))
        })
        .await
        .map_err(StoreError::database)?
    }
}

#[async_trait]
impl Store for Sqlite {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    #[tracing::instrument(skip_all)]
    async fn ping(&self) -> StoreResult<()> {
        self.read(|c| c.query_row("SELECT 1", [], |_| Ok(())).map_err(db::db_err))
            .await
    }
}

#[async_trait]
impl DemoStore for Sqlite {
    #[tracing::instrument(skip_all)]
    async fn load_demo(&self, data: &DemoData, by: &Actor) -> StoreResult<()> {
        let seed = data.province();
        seed.validate()?;
        let (data, by) = (data.clone(), by.clone());
        self.write(move |tx| {
            geography::write_seed(tx, &seed, &by)?;
            stations::write_demo(tx, &data.stations)?;
            people::write_demo(tx, &data.people)?;
            staffing::write_demo(tx, &data.election.code, &data.assignments, &by)?;
            boards::write_demo(tx, &data.board_members, &by)?;
            security::write_demo(tx, &data, &by)?;
            let council: Vec<_> = data
                .council_meetings
                .iter()
                .map(|m| m.meeting.clone())
                .collect();
            let ids = boards::write_demo_meetings(tx, &council, &by)?;
            security::write_demo_approvals(tx, &data.council_meetings, &ids, &by)?;
            candidacy::write_demo(tx, &data.election.code, &data, &by)?;
            readiness::write_demo(tx, &data.readiness)?;
            incidents::write_demo(tx, &data.incidents)?;
            equipment::write_demo(tx, &data.election.code, &data.equipment_runs)?;
            chain::append_audit(tx, &by, &store::demo::demo_loaded(&data))
        })
        .await
    }
}
