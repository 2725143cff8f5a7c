//! The storage contract of sandoq.
//!
//! One trait per area (geography, stations, people, staffing, boards, candidacy, the roll,
//! election day, auth, audit, the demo) and [`Store`] over them all, so that the web layer
//! can hold `Arc<dyn Store>` while a use case takes only the area it needs (`&dyn
//! StationStore`). Only the `cli` crate names a backend. Every mutating method takes an
//! [`Actor`] and writes its change and its audit record in one transaction. The rules a
//! backend would otherwise write for itself live beside their trait as pure functions fed by
//! the facts each backend reads, and every refusal is typed ([`Refusal`]) with its code and
//! Persian words written once ([`error`]).

pub mod annulments;
pub mod audit_log;
pub mod auth;
pub mod boards;
pub mod candidacy;
pub mod certifications;
pub mod complaints;
pub mod demo;
pub mod election_day;
pub mod equipment;
pub mod error;
pub mod files;
pub mod geography;
pub mod guardians;
pub mod hand_counts;
pub mod identity;
pub mod import;
pub mod incidents;
pub mod kiosks;
pub mod minutes;
pub mod models;
pub mod people;
pub mod readiness;
pub mod roll;
pub mod security;
pub mod staffing;
pub mod stations;
pub mod tallies;

#[cfg(feature = "conformance")]
pub mod conformance;

use async_trait::async_trait;
pub use error::{Entity, Refusal, RefusalKind, StationProblem, StoreError, StoreResult};
pub use models::*;
pub use roll::RollBatch;

pub use annulments::AnnulmentStore;
pub use audit_log::{verify_audit, AuditStore};
pub use auth::AuthStore;
pub use boards::BoardStore;
pub use candidacy::CandidacyStore;
pub use certifications::CertificationStore;
pub use complaints::ComplaintStore;
pub use demo::DemoStore;
pub use election_day::{checkin_batch_digest, BoardStation, ElectionDayStore};
pub use equipment::EquipmentStore;
pub use geography::GeographyStore;
pub use guardians::GuardianStore;
pub use hand_counts::HandCountStore;
pub use identity::{IdentityStore, NewChallenge, StoredChallenge};
pub use incidents::IncidentStore;
pub use kiosks::KioskStore;
pub use minutes::MinutesStore;
pub use people::PeopleStore;
pub use readiness::ReadinessStore;
pub use roll::RollStore;
pub use security::SecurityStore;
pub use staffing::StaffingStore;
pub use stations::StationStore;
pub use tallies::TallyStore;

/// Every area of the store. Each backend implements all of them and passes the conformance
/// suite (`store::conformance_suite!`).
#[async_trait]
pub trait Store:
    GeographyStore
    + StationStore
    + PeopleStore
    + StaffingStore
    + BoardStore
    + CandidacyStore
    + RollStore
    + ElectionDayStore
    + AuthStore
    + IdentityStore
    + AuditStore
    + DemoStore
    + ReadinessStore
    + SecurityStore
    + IncidentStore
    + EquipmentStore
    + GuardianStore
    + KioskStore
    + TallyStore
    + MinutesStore
    + AnnulmentStore
    + HandCountStore
    + CertificationStore
    + ComplaintStore
{
    /// The backend's name, for logs and the health check.
    fn backend(&self) -> &'static str;

    /// Cheap liveness query.
    async fn ping(&self) -> StoreResult<()>;
}

/// The area traits, for `use store::prelude::*` where a `dyn Store`'s methods are called.
pub mod prelude {
    pub use crate::{
        AnnulmentStore, EquipmentStore, GuardianStore, HandCountStore, IncidentStore, KioskStore,
        MinutesStore, TallyStore,
    };
    pub use crate::{
        AuditStore, AuthStore, BoardStore, CandidacyStore, DemoStore, ElectionDayStore,
        GeographyStore, IdentityStore, PeopleStore, ReadinessStore, RollStore, SecurityStore,
        StaffingStore, StationStore, Store,
    };
}
