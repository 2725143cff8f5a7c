//! The use cases of sandoq: what the JSON API and the HTML views both do, written once.
//!
//! A use case takes the principal (`None` for the anonymous), authorizes through the one policy
//! (`domain::access::authorize`) with its `Action`, lets the domain decide, and calls the store
//! (whose every change carries its audit record). Neither the API nor a page can forget the
//! policy, since the use case asks it. Nothing here knows HTTP: errors are [`Error`], which
//! the web layer maps to status codes once.
//!
//! Each area's use cases hang off a small context ([`App::stations`], [`App::election_day`],
//! …) that borrows only the store areas it acts on (`&dyn StationStore`, …) and the
//! [`Context`] every area shares (the lookups, the documents, the settings, the clock), so a
//! use case shows what it touches and a test can hand it just those.

pub mod accounts;
pub mod audit;
pub mod boards;
pub mod cache;
pub mod candidates;
pub mod complaints;
pub mod election_day;
pub mod elections;
pub mod equipment;
mod error;
pub mod guardians;
pub mod identity;
pub mod incidents;
pub mod kiosks;
pub mod lookups;
pub mod minutes;
pub mod paper;
pub mod people;
pub mod random;
pub mod readiness;
pub mod record;
pub mod registrations;
pub mod results;
pub mod security;
pub mod sessions;
pub mod sms;
pub mod staffing;
pub mod stations;
pub mod tallies;
pub mod vetting;

pub use error::{Error, Result};

use domain::access::{Action, Principal};
use domain::clock::Clock;
use std::sync::Arc;
use store::files::FileStore;
use store::Store;

/// The settings the use cases follow, read by the `cli` crate and passed in typed.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Voters may vote only at a station of their own constituency (DESIGN §8; the default).
    pub own_constituency_only: bool,
    /// How one-time codes are rationed and how long they and their proofs last.
    pub identity_limits: domain::identity::Limits,
    /// How far a station's staff may extend its day on their own.
    pub extension_limits: domain::station_day::ExtensionLimits,
    /// A station may not open without its inspector; otherwise (the default) an absent
    /// inspector is recorded in the opening's minutes (issue 20; DESIGN §8 leaves it open).
    pub opening_needs_inspector: bool,
    /// A station opens only once it passed its equipment test or its county overrode it
    /// (issue 16 §6; the default).
    pub opening_needs_equipment_test: bool,
    /// Argon2 hashes or checks run at once (`sessions::Hashing`); twice the cores by default.
    pub hash_concurrency: usize,
    /// Argon2 hashes or checks that may wait for one of those; past them, `Error::Busy`.
    pub hash_queue: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            own_constituency_only: true,
            identity_limits: domain::identity::Limits::default(),
            extension_limits: domain::station_day::ExtensionLimits::default(),
            opening_needs_inspector: false,
            opening_needs_equipment_test: true,
            hash_concurrency: sessions::Hashing::default_running(),
            hash_queue: 32,
        }
    }
}

/// What the use cases run on: the store, the clock, the uploaded documents' store, the
/// settings, and the aggregates cached by the audit head. Cheap to clone.
#[derive(Clone)]
pub struct App {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    files: Arc<FileStore>,
    settings: Arc<Settings>,
    caches: Arc<cache::Caches>,
    sms: sms::Sms,
    hashing: Arc<sessions::Hashing>,
}

impl App {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        files: FileStore,
        settings: Settings,
        sms: sms::Sms,
    ) -> Self {
        Self {
            store,
            clock,
            files: Arc::new(files),
            hashing: Arc::new(sessions::Hashing::new(
                settings.hash_concurrency,
                settings.hash_queue,
            )),
            settings: Arc::new(settings),
            caches: Arc::default(),
            sms,
        }
    }

    /// The text messages' gateway (its outbox, for the demo's page).
    pub fn sms(&self) -> &sms::Sms {
        &self.sms
    }

    /// Whether the store answers (the health check); the name of its backend.
    pub async fn ping(&self) -> Result<&'static str> {
        self.store.ping().await?;
        Ok(self.store.backend())
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }

    /// The aggregates and codes read often, re-read only after a change.
    pub fn cached(&self) -> cache::Cached<'_> {
        cache::Cached {
            caches: &self.caches,
            geography: &*self.store,
            staffing: &*self.store,
            audit: &*self.store,
        }
    }

    /// The lookups the API and the views share: what a principal may see.
    pub fn lookups(&self) -> lookups::Lookups<'_> {
        lookups::Lookups {
            cached: self.cached(),
            geography: &*self.store,
            stations: &*self.store,
        }
    }

    /// What every area's use cases share beside the store areas they act on.
    fn context(&self) -> Context<'_> {
        Context {
            lookups: self.lookups(),
            files: &self.files,
            settings: &self.settings,
            clock: &*self.clock,
        }
    }

    pub fn stations(&self) -> stations::Stations<'_> {
        stations::Stations {
            stations: &*self.store,
            store: &*self.store,
            ctx: self.context(),
        }
    }

    pub fn people(&self) -> people::People<'_> {
        people::People {
            people: &*self.store,
            ctx: self.context(),
        }
    }

    pub fn staffing(&self) -> staffing::Staffing<'_> {
        staffing::Staffing {
            staffing: &*self.store,
            ctx: self.context(),
        }
    }

    pub fn boards(&self) -> boards::Boards<'_> {
        boards::Boards {
            boards: &*self.store,
            ctx: self.context(),
        }
    }

    /// Sensitive stations, their plans and the county security councils (issue 16).
    pub fn security(&self) -> security::Security<'_> {
        security::Security {
            security: &*self.store,
            boards: &*self.store,
            ctx: self.context(),
        }
    }

    pub fn elections(&self) -> elections::Elections<'_> {
        elections::Elections {
            geography: &*self.store,
            ctx: self.context(),
        }
    }

    pub fn election_day(&self) -> election_day::ElectionDay<'_> {
        election_day::ElectionDay {
            day: &*self.store,
            guardians: &*self.store,
            kiosks: self.kiosks(),
            equipment: self.equipment(),
            ctx: self.context(),
        }
    }

    /// The count: the guardians' decryption of closed stations' tallies (issue 17 §4).
    pub fn tallies(&self) -> tallies::Tallies<'_> {
        tallies::Tallies {
            store: &*self.store,
            ctx: self.context(),
        }
    }

    /// Results: a council's count, seats and what is missing (issue 18).
    pub fn minutes(&self) -> minutes::StationMinutes<'_> {
        minutes::StationMinutes {
            store: &*self.store,
            ctx: self.context(),
        }
    }

    /// Complaints about councils' results (issue 18 §5).
    pub fn complaints(&self) -> complaints::Complaints<'_> {
        complaints::Complaints {
            store: &*self.store,
            ctx: self.context(),
        }
    }

    /// The paper fallback's hand counts (issue 18 §1).
    pub fn paper(&self) -> paper::PaperCounts<'_> {
        paper::PaperCounts {
            store: &*self.store,
            ctx: self.context(),
        }
    }

    pub fn results(&self) -> results::Results<'_> {
        results::Results {
            store: &*self.store,
            ctx: self.context(),
        }
    }

    /// The voting devices: pairing, activation, the ballot live on one (issue 17 §1).
    pub fn kiosks(&self) -> kiosks::Kiosks<'_> {
        kiosks::Kiosks {
            kiosks: &*self.store,
            day: &*self.store,
            equipment: &*self.store,
            ctx: self.context(),
        }
    }

    /// Readiness and the timeline (issue 16).
    pub fn readiness(&self) -> readiness::ReadinessCases<'_> {
        readiness::ReadinessCases {
            readiness: &*self.store,
            equipment: self.equipment(),
            ctx: self.context(),
        }
    }

    pub fn registrations(&self) -> registrations::Registrations<'_> {
        registrations::Registrations {
            candidacy: &*self.store,
            incidents: &*self.store,
            identity: self.identity(),
            ctx: self.context(),
        }
    }

    /// Equipment tests (issue 16 §6), run through the kiosks under the test key (issue 17 §6).
    pub fn equipment(&self) -> equipment::Equipment<'_> {
        equipment::Equipment {
            equipment: &*self.store,
            candidacy: &*self.store,
            guardians: &*self.store,
            kiosks: self.kiosks(),
            ctx: self.context(),
        }
    }

    /// Incidents (issue 16 §5).
    pub fn incidents(&self) -> incidents::Incidents<'_> {
        incidents::Incidents {
            incidents: &*self.store,
            ctx: self.context(),
        }
    }

    pub fn vetting(&self) -> vetting::Vetting<'_> {
        vetting::Vetting {
            candidacy: &*self.store,
            incidents: &*self.store,
            identity: self.identity(),
            ctx: self.context(),
        }
    }

    /// Proving a national id with a one-time code.
    pub fn identity(&self) -> identity::Identity<'_> {
        identity::Identity {
            people: &*self.store,
            identity: &*self.store,
            sms: &self.sms,
            limits: &self.settings.identity_limits,
            ctx: self.context(),
        }
    }

    pub fn candidates(&self) -> candidates::Candidates<'_> {
        candidates::Candidates {
            candidacy: &*self.store,
            ctx: self.context(),
        }
    }

    /// Signing in and out.
    pub fn sessions(&self) -> sessions::Sessions<'_> {
        sessions::Sessions {
            auth: &*self.store,
            clock: &*self.clock,
            cached: self.cached(),
            hashing: &self.hashing,
        }
    }

    /// The accounts, for the province HQ.
    pub fn accounts(&self) -> accounts::Accounts<'_> {
        accounts::Accounts {
            auth: &*self.store,
            clock: &*self.clock,
            hashing: &self.hashing,
        }
    }

    /// The bound on Argon2 work every password check and hash goes through.
    pub fn hashing(&self) -> &sessions::Hashing {
        &self.hashing
    }

    pub fn audit(&self) -> audit::Audit<'_> {
        audit::Audit {
            audit: &*self.store,
        }
    }
}

/// What every area's use cases share beside the store areas they act on: the lookups (and
/// through them the cached reads, the councils and the stations), the uploaded documents, the
/// settings and the clock. An area's context holds its own store areas and this one, so a use
/// case shows what it writes to.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    pub(crate) lookups: lookups::Lookups<'a>,
    pub(crate) files: &'a FileStore,
    pub(crate) settings: &'a Settings,
    pub(crate) clock: &'a dyn Clock,
}

impl<'a> Context<'a> {
    /// The cached reads (the current election, the councils, the dashboards' aggregates).
    pub(crate) fn cached(self) -> cache::Cached<'a> {
        self.lookups.cached
    }

    /// The audit actor of a principal's change, now.
    pub(crate) fn actor(self, principal: &Principal) -> store::Actor {
        store::Actor::new(principal.username.clone(), self.clock.now())
    }
}

/// The one policy, answering with the principal it let through: every use case that acts
/// starts here.
pub fn authorize<'p>(
    principal: Option<&'p Principal>,
    action: Action<'_>,
) -> Result<&'p Principal> {
    domain::access::authorize(principal, action)?;
    principal.ok_or(Error::Unauthenticated)
}

/// Whether the policy lets `principal` do `action` (for showing a form or a link).
pub fn allows(principal: Option<&Principal>, action: Action<'_>) -> bool {
    domain::access::authorize(principal, action).is_ok()
}

/// A list request's paging: page 1 and 50 to a page unless asked otherwise.
pub fn page_request(page: Option<u32>, per_page: Option<u32>) -> store::PageRequest {
    store::PageRequest::new(page.unwrap_or(1), per_page.unwrap_or(50))
}

/// A stored document's bytes, read off the async workers and checked against its hash.
async fn read_document(files: &FileStore, document: &store::StoredDocument) -> Result<Vec<u8>> {
    let files = files.clone();
    let sha = document.sha256.clone();
    Ok(tokio::task::spawn_blocking(move || files.get(&sha)).await??)
}
