//! Station minutes (issue 18 §2): the officials' signing keys, each version of a station's count
//! minutes, and each signing post's mark on a version. A version is never changed once kept: a
//! correction is the next version, with its reason. The rules are the domain's
//! (`domain::results::minutes`): the store reads the facts in the writing transaction and the
//! domain decides.

use crate::audit_log::AuditEntry;
use crate::{Actor, StoreError, StoreResult};
use async_trait::async_trait;
use domain::audit_terms::AuditAction;
use domain::results::minutes::{self, Mark, Minutes, PublicKey, Signature};
use domain::staffing::Post;
use serde_json::json;
use time::OffsetDateTime;

/// Where a signing key stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyState {
    /// Registered by its holder; the county's governor has not confirmed it yet.
    Pending,
    /// Confirmed: signatures made with it are accepted.
    Confirmed,
    /// Revoked: signatures made with it from now on are refused; earlier ones stay valid.
    Revoked,
}

impl KeyState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Confirmed => "confirmed",
            Self::Revoked => "revoked",
        }
    }

    pub fn persian(self) -> &'static str {
        match self {
            Self::Pending => "در انتظار تأیید",
            Self::Confirmed => "تأییدشده",
            Self::Revoked => "باطل‌شده",
        }
    }
}

/// An official's key for signing the minutes: whose account registered it, the person it
/// names, the county whose governor confirms it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningKey {
    pub id: i64,
    pub username: String,
    pub national_id: String,
    pub county: String,
    pub public_key: PublicKey,
    pub registered_at: OffsetDateTime,
    pub confirmed: Option<(String, OffsetDateTime)>,
    pub revoked: Option<(String, OffsetDateTime)>,
}

impl SigningKey {
    pub fn state(&self) -> KeyState {
        match (&self.confirmed, &self.revoked) {
            (_, Some(_)) => KeyState::Revoked,
            (Some(_), None) => KeyState::Confirmed,
            (None, None) => KeyState::Pending,
        }
    }
}

/// A key to register: the account registering it and the person it is for, whose signing post
/// must lie within the account's scope (`station`, `county`: `None` is any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSigningKey {
    pub election: String,
    pub username: String,
    pub national_id: String,
    pub public_key: PublicKey,
    pub station: Option<String>,
    pub county: Option<String>,
}

/// A post's mark on a version, as kept: who made it, with which key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptMark {
    pub post: Post,
    pub national_id: String,
    pub username: String,
    pub key_id: i64,
    pub mark: Mark,
    pub at: OffsetDateTime,
}

/// A version of a station's minutes, as kept, with its marks in post order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptMinutes {
    pub minutes: Minutes,
    pub drawn_at: OffsetDateTime,
    pub drawn_by: String,
    /// A correction's reason; `None` for the first version.
    pub reason: Option<String>,
    pub marks: Vec<KeptMark>,
}

impl KeptMinutes {
    /// The marks as the domain reads them.
    pub fn marks(&self) -> Vec<(Post, Mark)> {
        self.marks
            .iter()
            .map(|m| (m.post, m.mark.clone()))
            .collect()
    }
}

/// A mark to make: a signature, or a refusal with its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewMark {
    Sign(Signature),
    Refuse(String),
}

#[async_trait]
pub trait MinutesStore: Send + Sync + 'static {
    /// Registers a pending key (`signing_key.register`). Refused (`Refusal::Minutes`) when the
    /// key is not a usable Ed25519 key, the person holds no signing post in the election within
    /// the account's scope, or the person or the account already has a pending or confirmed
    /// key. `Duplicate { SigningKey }` when the key itself is registered already.
    async fn register_signing_key(
        &self,
        new: &NewSigningKey,
        by: &Actor,
    ) -> StoreResult<SigningKey>;
    /// Confirms a pending key (`signing_key.confirm`); refused unless it is pending, and when
    /// `by` registered it.
    async fn confirm_signing_key(&self, id: i64, by: &Actor) -> StoreResult<SigningKey>;
    /// Revokes a key (`signing_key.revoke`); refused when it is revoked already.
    async fn revoke_signing_key(&self, id: i64, by: &Actor) -> StoreResult<SigningKey>;
    async fn signing_key(&self, id: i64) -> StoreResult<Option<SigningKey>>;
    /// Keys of a county (or every county), newest first.
    async fn signing_keys(&self, county: Option<&str>) -> StoreResult<Vec<SigningKey>>;
    /// Keeps `drawn` as the station's next version (`minutes.draw`): the first needs no reason,
    /// a later one a reason and a change (`minutes::check_draw`); `drawn.version` is ignored.
    async fn draw_minutes(
        &self,
        drawn: &Minutes,
        reason: Option<&str>,
        by: &Actor,
    ) -> StoreResult<KeptMinutes>;
    /// Keeps the mark of the post that the minutes' roster gives the person of `by`'s confirmed
    /// key, on `version` (`minutes.sign` or `minutes.refuse`); refused by `minutes::check_mark`.
    /// Refused (`minutes_not_drawn`) when the station has none.
    async fn mark_minutes(
        &self,
        election: &str,
        station: &str,
        version: u32,
        mark: &NewMark,
        by: &Actor,
    ) -> StoreResult<KeptMinutes>;
    /// Every version of a station's minutes, oldest first.
    async fn station_minutes(&self, election: &str, station: &str)
        -> StoreResult<Vec<KeptMinutes>>;
    /// Every station's current version, by station code.
    async fn current_minutes(&self, election: &str) -> StoreResult<Vec<KeptMinutes>>;
}

impl KeptMinutes {
    /// Where the version stands among the signers its roster names.
    pub fn state(&self) -> minutes::SigningState {
        minutes::SigningState::of(&self.minutes.roster(), &self.marks())
    }
}

/// A key's columns as stored, read back.
#[allow(clippy::too_many_arguments)]
pub fn read_key(
    id: i64,
    username: String,
    national_id: String,
    county: String,
    public_key: &str,
    registered_at_us: i64,
    confirmed: (Option<String>, Option<i64>),
    revoked: (Option<String>, Option<i64>),
) -> StoreResult<SigningKey> {
    let at = domain::clock::from_micros;
    let pair = |(by, us): (Option<String>, Option<i64>)| match (by, us) {
        (Some(by), Some(us)) => Some((by, at(us))),
        _ => None,
    };
    Ok(SigningKey {
        id,
        username,
        national_id,
        county,
        public_key: minutes::decode(public_key)
            .ok_or_else(|| StoreError::Corrupt(format!("signing key {id}")))?,
        registered_at: at(registered_at_us),
        confirmed: pair(confirmed),
        revoked: pair(revoked),
    })
}

/// A mark's columns as stored, read back: a signature or a refusal's reason.
pub fn read_mark(
    post: &str,
    national_id: String,
    username: String,
    key_id: i64,
    signature: Option<&str>,
    refusal: Option<String>,
    at_us: i64,
) -> StoreResult<KeptMark> {
    let corrupt = || StoreError::Corrupt(format!("a mark of post {post}"));
    let post = Post::parse(post).ok_or_else(corrupt)?;
    let mark = match (signature, refusal) {
        (Some(signature), None) => Mark::Signed {
            key: [0; 32],
            signature: minutes::decode(signature).ok_or_else(corrupt)?,
        },
        (None, Some(reason)) => Mark::Refused { reason },
        _ => return Err(corrupt()),
    };
    Ok(KeptMark {
        post,
        national_id,
        username,
        key_id,
        mark,
        at: domain::clock::from_micros(at_us),
    })
}

/// Puts each signature's public key (read with the mark, by its key id) in place.
pub fn with_key(mut mark: KeptMark, public_key: Option<&str>) -> StoreResult<KeptMark> {
    if let Mark::Signed { key, .. } = &mut mark.mark {
        *key = public_key
            .and_then(minutes::decode)
            .ok_or_else(|| StoreError::Corrupt(format!("signing key {}", mark.key_id)))?;
    }
    Ok(mark)
}

/// A kept version read back from its canonical text.
pub fn read_minutes(
    body: &str,
    drawn_at_us: i64,
    drawn_by: String,
    reason: Option<String>,
) -> StoreResult<KeptMinutes> {
    Ok(KeptMinutes {
        minutes: Minutes::parse(body).map_err(|e| StoreError::Corrupt(format!("minutes: {e}")))?,
        drawn_at: domain::clock::from_micros(drawn_at_us),
        drawn_by,
        reason,
        marks: Vec::new(),
    })
}

/// The mark's columns to write: (signature, refusal reason).
pub fn mark_columns(mark: &NewMark) -> StoreResult<(Option<String>, Option<String>)> {
    Ok(match mark {
        NewMark::Sign(signature) => (Some(minutes::encode(signature)), None),
        NewMark::Refuse(reason) => (None, Some(minutes::check_reason(reason)?)),
    })
}

pub fn key_registered(key: &SigningKey) -> AuditEntry {
    AuditEntry::new(
        AuditAction::SigningKeyRegister,
        format!("signing_key/{}", key.id),
        json!({
            "username": key.username,
            "national_id": key.national_id,
            "county": key.county,
            "public_key": minutes::encode(&key.public_key),
        }),
    )
}

pub fn key_stepped(key: &SigningKey, action: AuditAction) -> AuditEntry {
    AuditEntry::new(
        action,
        format!("signing_key/{}", key.id),
        json!({
            "username": key.username,
            "national_id": key.national_id,
            "public_key": minutes::encode(&key.public_key),
        }),
    )
}

pub fn minutes_drawn(kept: &KeptMinutes) -> AuditEntry {
    let m = &kept.minutes;
    AuditEntry::new(
        AuditAction::MinutesDraw,
        format!("minutes/{}/{}", m.station, m.version),
        json!({
            "election": m.election,
            "version": m.version,
            "digest": m.digest(),
            "reason": kept.reason,
        }),
    )
}

pub fn minutes_marked(minutes: &Minutes, mark: &KeptMark) -> AuditEntry {
    let (action, detail) = match &mark.mark {
        Mark::Signed { signature, .. } => (
            AuditAction::MinutesSign,
            json!({ "signature": minutes::encode(signature) }),
        ),
        Mark::Refused { reason } => (AuditAction::MinutesRefuse, json!({ "reason": reason })),
    };
    AuditEntry::new(
        action,
        format!("minutes/{}/{}", minutes.station, minutes.version),
        json!({
            "election": minutes.election,
            "post": mark.post.as_str(),
            "national_id": mark.national_id,
            "key": mark.key_id,
            "digest": minutes.digest(),
            "mark": detail,
        }),
    )
}
