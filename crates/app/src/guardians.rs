//! The guardians and the election key (issue 17): the key ceremony, each guardian's
//! confirmation that they hold their share, and the ceremony's public record. The ceremony
//! deals the shares in memory and returns them only sealed, each under its guardian's
//! passphrase; the store keeps the public record alone. The operator's commands (`sandoq
//! guardian …`) and the web call the same functions.

use crate::{Error, Result};
use ballot_crypto::ceremony::{self, CeremonyRecord, Confirmation};
use ballot_crypto::{CryptoError, ElectionKey, ShareFile};
use store::guardians::{ElectionKeyRecord, GuardianConfirmation, KeyKind};
use store::{Actor, GuardianStore};

/// A guardian as the ceremony names them, with the passphrase their share is sealed under.
#[derive(Debug, Clone)]
pub struct GuardianSeat {
    pub name: String,
    pub passphrase: String,
}

/// A key ceremony dealt: its public record, and one sealed share file per guardian, in the
/// guardians' order, to hand over once.
#[derive(Debug, Clone)]
pub struct Ceremony {
    pub record: CeremonyRecord,
    pub share_files: Vec<ShareFile>,
}

/// The ceremony's public record, as the election publishes it: with every confirmation.
#[derive(Debug, Clone)]
pub struct PublishedKey {
    pub record: CeremonyRecord,
    pub kind: KeyKind,
    pub fingerprint: String,
    pub confirmed: Vec<usize>,
    pub created_at: time::OffsetDateTime,
}

impl From<CryptoError> for Error {
    fn from(error: CryptoError) -> Self {
        Error::Crypto(error)
    }
}

fn json_error(error: serde_json::Error) -> Error {
    Error::Internal(format!("an election key's record: {error}"))
}

/// Deals the key ceremony of `election`: a `threshold`-of-n key among `seats`, each share
/// sealed under its guardian's passphrase. Nothing is kept: the caller writes the files out,
/// then keeps the public record with [`record_ceremony`] (and removes the files if that is
/// refused), so that no key is ever recorded whose shares were not handed over.
pub fn deal_ceremony(election: &str, seats: &[GuardianSeat], threshold: usize) -> Result<Ceremony> {
    let names: Vec<String> = seats
        .iter()
        .map(|seat| seat.name.trim().to_owned())
        .collect();
    if names.iter().any(String::is_empty) {
        return Err(CryptoError::Ceremony("a guardian without a name".into()).into());
    }
    let mut rng = rand::rngs::OsRng;
    let (record, shares) = ceremony::deal(election, &names, threshold, &mut rng)?;
    let key = record.key()?;
    let share_files = seats
        .iter()
        .zip(&shares)
        .enumerate()
        .map(|(index, (seat, share))| {
            ShareFile::seal(
                election,
                index,
                &names[index],
                &key,
                share,
                &seat.passphrase,
                &mut rng,
            )
        })
        .collect::<std::result::Result<Vec<_>, _>>()?;
    drop(shares);
    Ok(Ceremony {
        record,
        share_files,
    })
}

/// Keeps a dealt ceremony's public record, checked first (`guardians.ceremony`), once per
/// election and kind (`Refused(ElectionKeyExists)` after).
pub async fn record_ceremony(
    store: &dyn GuardianStore,
    kind: KeyKind,
    record: &CeremonyRecord,
    by: &Actor,
) -> Result<ElectionKeyRecord> {
    let stored = key_record(kind, record, by)?;
    store.record_election_key(&stored, by).await?;
    Ok(stored)
}

/// A dealt ceremony's public record as the store keeps it, checked first.
pub(crate) fn key_record(
    kind: KeyKind,
    record: &CeremonyRecord,
    by: &Actor,
) -> Result<ElectionKeyRecord> {
    let key = record.key()?;
    Ok(ElectionKeyRecord {
        election_code: record.election.clone(),
        kind,
        public_key: record.public_key.clone(),
        fingerprint: key.fingerprint(),
        threshold: record.threshold as u32,
        guardians: record.guardians.len() as u32,
        ceremony: serde_json::to_string(record).map_err(json_error)?,
        created_at: by.at,
        confirmations: Vec::new(),
    })
}

/// The election's stored key of `kind`; `NotFound(ElectionKey)` before its ceremony.
async fn stored_key(
    store: &dyn GuardianStore,
    election: &str,
    kind: KeyKind,
) -> Result<ElectionKeyRecord> {
    store
        .election_key(election, kind)
        .await?
        .ok_or(Error::NotFound(store::Entity::ElectionKey))
}

/// The ceremony's public record as kept (without its confirmations).
fn ceremony_of(stored: &ElectionKeyRecord) -> Result<CeremonyRecord> {
    serde_json::from_str(&stored.ceremony).map_err(json_error)
}

/// The ceremony's record as stored, checked again (its commitments and every confirmation).
pub async fn published_key(
    store: &dyn GuardianStore,
    election: &str,
    kind: KeyKind,
) -> Result<Option<PublishedKey>> {
    let Some(stored) = store.election_key(election, kind).await? else {
        return Ok(None);
    };
    let mut record = ceremony_of(&stored)?;
    record.confirmations = stored
        .confirmations
        .iter()
        .map(|c: &GuardianConfirmation| serde_json::from_str(&c.proof).map_err(json_error))
        .collect::<Result<Vec<Confirmation>>>()?;
    let key = record.key()?;
    let confirmed = record.confirmed(&key)?;
    Ok(Some(PublishedKey {
        record,
        kind,
        fingerprint: stored.fingerprint,
        confirmed,
        created_at: stored.created_at,
    }))
}

/// The key ballots (or test ballots) are encrypted under; `NotFound(ElectionKey)` before the
/// ceremony.
pub async fn election_key(
    store: &dyn GuardianStore,
    election: &str,
    kind: KeyKind,
) -> Result<ElectionKey> {
    Ok(ceremony_of(&stored_key(store, election, kind).await?)?.key()?)
}

/// Keeps a guardian's proof that they hold their share, once it verifies against the key
/// (`guardians.confirm`); the guardian's index.
pub async fn confirm_guardian(
    store: &dyn GuardianStore,
    election: &str,
    kind: KeyKind,
    confirmation: &Confirmation,
    by: &Actor,
) -> Result<usize> {
    let mut record = ceremony_of(&stored_key(store, election, kind).await?)?;
    record.confirm(confirmation.clone())?;
    let proof = serde_json::to_string(confirmation).map_err(json_error)?;
    store
        .confirm_guardian(election, kind, confirmation.guardian as u32, &proof, by)
        .await?;
    Ok(confirmation.guardian)
}
