//! The key ceremony: k of n guardians hold the election's secret key in Feldman shares
//! (elastic-elgamal's `sharing`). The server deals the shares in memory, hands each to its
//! guardian once (sealed in a [`ShareFile`](crate::ShareFile)) and keeps none; what it keeps
//! and publishes is the public record: the commitments to the sharing polynomial with the
//! dealer's proof, the guardians, and each guardian's proof that they hold their share.

use crate::codec::{element_from_text, element_to_text};
use crate::{CryptoError, CryptoResult, Group};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use elastic_elgamal::sharing::{ActiveParticipant, Dealer, Params, PublicKeySet};
use elastic_elgamal::{ProofOfPossession, PublicKey, SecretKey};
use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A guardian: their place in the sharing (0-based) and who they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardianEntry {
    pub index: usize,
    pub name: String,
}

/// A guardian's proof that they hold the share dealt to them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Confirmation {
    pub guardian: usize,
    pub proof: ProofOfPossession<Group>,
}

/// The ceremony's public record.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CeremonyRecord {
    pub election: String,
    pub threshold: usize,
    pub guardians: Vec<GuardianEntry>,
    /// The sharing polynomial's coefficients times the generator (base64); the first is the
    /// election's public key.
    pub commitments: Vec<String>,
    pub commitments_proof: ProofOfPossession<Group>,
    /// The election's public key (base64), for people to compare; always recomputed.
    pub public_key: String,
    pub confirmations: Vec<Confirmation>,
}

/// The key ballots are encrypted under, with every guardian's public share, as the ceremony's
/// commitments give it.
#[derive(Debug, Clone)]
pub struct ElectionKey {
    key_set: PublicKeySet<Group>,
}

impl ElectionKey {
    pub fn public(&self) -> &PublicKey<Group> {
        self.key_set.shared_key()
    }

    pub fn threshold(&self) -> usize {
        self.key_set.params().threshold
    }

    pub fn guardians(&self) -> usize {
        self.key_set.params().shares
    }

    pub(crate) fn key_set(&self) -> &PublicKeySet<Group> {
        &self.key_set
    }

    /// The public key's fingerprint: the first 16 hex digits of its SHA-256.
    pub fn fingerprint(&self) -> String {
        hex::encode(&Sha256::digest(self.public().as_bytes())[..8])
    }
}

fn check_params(guardians: usize, threshold: usize) -> CryptoResult<Params> {
    if guardians == 0 || threshold == 0 || threshold > guardians {
        return Err(CryptoError::Ceremony(format!(
            "{threshold} of {guardians} guardians is not a threshold"
        )));
    }
    Ok(Params::new(guardians, threshold))
}

/// Deals a `threshold`-of-`guardians.len()` key: the public record and each guardian's secret
/// share, in the guardians' order. The caller hands each share out once and drops it.
pub fn deal<R: CryptoRng + RngCore>(
    election: &str,
    guardians: &[String],
    threshold: usize,
    rng: &mut R,
) -> CryptoResult<(CeremonyRecord, Vec<SecretKey<Group>>)> {
    let params = check_params(guardians.len(), threshold)?;
    let dealer = Dealer::<Group>::new(params, rng);
    let (polynomial, proof) = dealer.public_info();
    let key_set = PublicKeySet::new(params, polynomial.clone(), proof)
        .map_err(|error| CryptoError::Ceremony(error.to_string()))?;
    let shares = (0..guardians.len())
        .map(|index| dealer.secret_share_for_participant(index))
        .collect();
    let record = CeremonyRecord {
        election: election.to_owned(),
        threshold,
        guardians: guardians
            .iter()
            .enumerate()
            .map(|(index, name)| GuardianEntry {
                index,
                name: name.clone(),
            })
            .collect(),
        commitments: polynomial.iter().map(element_to_text).collect(),
        commitments_proof: proof.clone(),
        public_key: BASE64.encode(key_set.shared_key().as_bytes()),
        confirmations: Vec::new(),
    };
    Ok((record, shares))
}

impl CeremonyRecord {
    /// The election key, after checking the commitments, their proof, the guardians' list
    /// and the stated public key.
    pub fn key(&self) -> CryptoResult<ElectionKey> {
        let params = check_params(self.guardians.len(), self.threshold)?;
        if self
            .guardians
            .iter()
            .enumerate()
            .any(|(position, guardian)| guardian.index != position)
        {
            return Err(CryptoError::Ceremony(
                "the guardians are not numbered 0, 1, 2, … in order".into(),
            ));
        }
        if self.commitments.len() != self.threshold {
            return Err(CryptoError::Ceremony(format!(
                "{} commitments for a threshold of {}",
                self.commitments.len(),
                self.threshold
            )));
        }
        let polynomial = self
            .commitments
            .iter()
            .map(|text| element_from_text(text, "commitment"))
            .collect::<CryptoResult<Vec<_>>>()?;
        let key_set = PublicKeySet::new(params, polynomial, &self.commitments_proof)
            .map_err(|error| CryptoError::Ceremony(error.to_string()))?;
        if BASE64.encode(key_set.shared_key().as_bytes()) != self.public_key {
            return Err(CryptoError::Ceremony(
                "the stated public key is not the commitments'".into(),
            ));
        }
        Ok(ElectionKey { key_set })
    }

    /// Checks every guardian's confirmation; the guardians who have confirmed, in order.
    pub fn confirmed(&self, key: &ElectionKey) -> CryptoResult<Vec<usize>> {
        let mut confirmed = Vec::new();
        for confirmation in &self.confirmations {
            check_confirmation(key, confirmation)?;
            if confirmed.contains(&confirmation.guardian) {
                return Err(CryptoError::RepeatedGuardian(confirmation.guardian));
            }
            confirmed.push(confirmation.guardian);
        }
        confirmed.sort_unstable();
        Ok(confirmed)
    }

    /// Adds (or replaces) a guardian's confirmation once it verifies.
    pub fn confirm(&mut self, confirmation: Confirmation) -> CryptoResult<()> {
        let key = self.key()?;
        check_confirmation(&key, &confirmation)?;
        self.confirmations
            .retain(|held| held.guardian != confirmation.guardian);
        self.confirmations.push(confirmation);
        self.confirmations.sort_by_key(|held| held.guardian);
        Ok(())
    }
}

fn check_confirmation(key: &ElectionKey, confirmation: &Confirmation) -> CryptoResult<()> {
    if confirmation.guardian >= key.guardians() {
        return Err(CryptoError::UnknownGuardian(confirmation.guardian));
    }
    key.key_set
        .verify_participant(confirmation.guardian, &confirmation.proof)
        .map_err(|_| CryptoError::ShareNotForKey(confirmation.guardian))
}

/// A guardian at work: their share, checked against the key.
pub struct Guardian {
    pub(crate) participant: ActiveParticipant<Group>,
}

impl Guardian {
    pub fn new(key: &ElectionKey, index: usize, share: SecretKey<Group>) -> CryptoResult<Self> {
        if index >= key.guardians() {
            return Err(CryptoError::UnknownGuardian(index));
        }
        let participant = ActiveParticipant::new(key.key_set.clone(), index, share)
            .map_err(|_| CryptoError::ShareNotForKey(index))?;
        Ok(Self { participant })
    }

    pub fn index(&self) -> usize {
        self.participant.index()
    }

    /// The proof, for the ceremony's record, that this guardian holds their share.
    pub fn confirmation<R: CryptoRng + RngCore>(&self, rng: &mut R) -> Confirmation {
        Confirmation {
            guardian: self.index(),
            proof: self.participant.proof_of_possession(rng),
        }
    }
}

/// The name the equipment tests' key gives its only holder.
pub const SERVER_HOLDER: &str = "server (equipment tests)";

/// Deals the equipment tests' key of `election`: one of one, held whole by the server (test
/// ballots are not votes: the key lets the server decrypt their tallies at once, through the
/// same sharing and proofs as the guardians' count). The public record, and the share as
/// base64 text for the server to keep.
pub fn deal_server_held<R: CryptoRng + RngCore>(
    election: &str,
    rng: &mut R,
) -> CryptoResult<(CeremonyRecord, String)> {
    let (record, shares) = deal(election, &[SERVER_HOLDER.to_owned()], 1, rng)?;
    let share = shares
        .first()
        .map(|share| crate::codec::scalar_to_text(share.expose_scalar()))
        .ok_or_else(|| CryptoError::Ceremony("a key dealt without its share".into()))?;
    Ok((record, share))
}

impl Guardian {
    /// The holder of a server-held key (see [`deal_server_held`]) from its share's text.
    pub fn server_held(key: &ElectionKey, share: &str) -> CryptoResult<Self> {
        let scalar = crate::codec::scalar_from_text(share, "a server-held share")?;
        let mut bytes = [0_u8; 32];
        <Group as elastic_elgamal::group::ScalarOps>::serialize_scalar(&scalar, &mut bytes);
        let secret = SecretKey::from_bytes(&bytes);
        zeroize::Zeroize::zeroize(&mut bytes);
        let secret = secret.ok_or_else(|| CryptoError::Malformed("a server-held share".into()))?;
        Self::new(key, 0, secret)
    }
}
