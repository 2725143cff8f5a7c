//! Voting devices (issue 17 §1): a kiosk asks to be paired (anonymously, showing a code), its
//! station's staff approve the code from the console, and then activate one voter's ballot on
//! it at a time. The store keeps the kiosks and their current activation; the rules (how long a
//! code or an activation lives, how many may wait) are `domain::kiosk`'s, passed in.

use crate::audit_log::AuditEntry;
use crate::{Actor, StoreResult};
use async_trait::async_trait;
use domain::audit_terms::AuditAction;
use serde_json::json;
use time::OffsetDateTime;

/// A kiosk asking to be paired: its id, the hash of its session's secret (kept by the device
/// as a cookie), the code it shows and its CSRF token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewKiosk {
    pub election_code: String,
    pub kiosk_id: String,
    pub session_hash: String,
    pub pairing_code: String,
    pub csrf_token: String,
}

/// A kiosk as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kiosk {
    pub kiosk_id: String,
    pub election_code: String,
    pub csrf_token: String,
    pub requested_at: OffsetDateTime,
    /// The code it shows while it waits; `None` once paired.
    pub pairing_code: Option<String>,
    /// Its station, once paired.
    pub paired: Option<Pairing>,
    pub retired_at: Option<OffsetDateTime>,
    /// The ballot last activated on it (live or not: the use case decides).
    pub activation: Option<Activation>,
}

/// Where and when a kiosk was paired, and its number among its station's kiosks (from 1,
/// never reused).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pairing {
    pub station: String,
    pub county: String,
    pub number: u32,
    pub at: OffsetDateTime,
    pub by: String,
}

/// One voter's ballot activated on a kiosk: the hash of the check-in's ballot token (the kiosk
/// never sees the token), its council, and when it expires. `id` is a fresh random value the
/// kiosk's screens carry, so a screen of an earlier activation is never taken for this one.
/// An equipment test's ballot names its run (`test_run`) and holds a token hash of its own
/// (`test_token_hash`), which no check-in's token has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activation {
    pub id: String,
    pub token_hash: String,
    pub council: String,
    pub at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub test_run: Option<i64>,
}

/// The token hash a test ballot's activation holds: bound to the activation, so it never
/// matches a check-in's token (hexadecimal) or another kiosk's test ballot.
pub fn test_token_hash(activation_id: &str) -> String {
    format!("test:{activation_id}")
}

#[async_trait]
pub trait KioskStore: Send + Sync + 'static {
    /// Keeps a kiosk's request to be paired, with its audit record (`kiosk.request`), after
    /// forgetting the requests made before `pending_since` that were never paired. `false`
    /// when its pairing code (or id) is taken: the caller draws another. Refused
    /// `TooManyPending` when `max_pending` requests made since `pending_since` wait already.
    async fn request_kiosk(
        &self,
        kiosk: &NewKiosk,
        pending_since: OffsetDateTime,
        max_pending: u32,
        by: &Actor,
    ) -> StoreResult<bool>;
    /// The kiosk whose session secret hashes to `session_hash`, paired or waiting.
    async fn kiosk_by_session(&self, session_hash: &str) -> StoreResult<Option<Kiosk>>;
    /// Pairs the kiosk that shows `pairing_code`, asked since `pending_since`, to `station`
    /// with the next number, with its audit record (`kiosk.pair`); refused `PairingUnknown`
    /// when no such kiosk waits. `NotFound { Station }` for a station not of the election.
    async fn pair_kiosk(
        &self,
        election_code: &str,
        station: &str,
        pairing_code: &str,
        pending_since: OffsetDateTime,
        by: &Actor,
    ) -> StoreResult<Kiosk>;
    /// The station's kiosks in service, by number.
    async fn station_kiosks(&self, election_code: &str, station: &str) -> StoreResult<Vec<Kiosk>>;
    /// The station's kiosk `kiosk_id` in service, if it is (a kiosk's own read on every cast).
    async fn station_kiosk(
        &self,
        election_code: &str,
        station: &str,
        kiosk_id: &str,
    ) -> StoreResult<Option<Kiosk>>;
    /// Takes a kiosk of the station out of service (its session ends, its activation goes),
    /// with its audit record (`kiosk.retire`). `NotFound { Kiosk }` for none in service there.
    async fn retire_kiosk(&self, station: &str, kiosk_id: &str, by: &Actor) -> StoreResult<()>;
    /// Activates a ballot on a kiosk of the station in service, replacing the activation
    /// whose id is `replacing` (`None`: the kiosk has none), with its audit record
    /// (`kiosk.activate`, without the token). Refused `Busy` when the kiosk's activation is
    /// not `replacing` (another was made meanwhile); `NotFound { Kiosk }` for no such kiosk.
    /// Any activation of the same token on another kiosk of the station goes: a voter's ballot
    /// is live on one kiosk.
    async fn activate_kiosk(
        &self,
        station: &str,
        kiosk_id: &str,
        replacing: Option<&str>,
        activation: &Activation,
        by: &Actor,
    ) -> StoreResult<()>;
}

/// The audit record of a kiosk's request to be paired (made by the kiosk itself).
pub fn kiosk_requested(kiosk_id: &str) -> AuditEntry {
    AuditEntry::new(
        AuditAction::KioskRequest,
        format!("kiosk/{kiosk_id}"),
        json!({ "kiosk": kiosk_id }),
    )
}

/// The audit record of a kiosk's pairing.
pub fn kiosk_paired(kiosk_id: &str, station: &str, number: u32) -> AuditEntry {
    AuditEntry::new(
        AuditAction::KioskPair,
        format!("kiosk/{kiosk_id}"),
        json!({ "kiosk": kiosk_id, "station": station, "number": number }),
    )
}

/// The audit record of a kiosk taken out of service.
pub fn kiosk_retired(kiosk_id: &str, station: &str) -> AuditEntry {
    AuditEntry::new(
        AuditAction::KioskRetire,
        format!("kiosk/{kiosk_id}"),
        json!({ "kiosk": kiosk_id, "station": station }),
    )
}

/// The audit record of a ballot activated on a kiosk: the kiosk and the expiry, never the
/// token or the voter.
pub fn kiosk_activated(kiosk_id: &str, station: &str, activation: &Activation) -> AuditEntry {
    AuditEntry::new(
        AuditAction::KioskActivate,
        format!("kiosk/{kiosk_id}"),
        json!({
            "kiosk": kiosk_id,
            "station": station,
            "expires_at_us": domain::clock::to_micros(activation.expires_at),
            "test_run": activation.test_run,
        }),
    )
}
