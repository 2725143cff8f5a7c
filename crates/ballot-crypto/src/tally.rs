//! The count: a station's encrypted tally is the sum of its ballots' ciphertexts, candidate by
//! candidate; guardians decrypt tallies (never ballots) with a proof per share, and any
//! `threshold` verified shares give the counts.

use crate::ballot::EncryptedBallot;
use crate::ceremony::{ElectionKey, Guardian};
use crate::{CryptoError, CryptoResult, Group};
use elastic_elgamal::group::Group as _;
use elastic_elgamal::{
    CandidateDecryption, Ciphertext, DiscreteLogTable, LogEqualityProof, VerifiableDecryption,
};
use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};

/// The sum of some ballots: how many, and one ciphertext per candidate.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EncryptedTally {
    pub ballots: u64,
    pub candidates: Vec<Ciphertext<Group>>,
}

impl EncryptedTally {
    pub fn empty(candidates: usize) -> Self {
        Self {
            ballots: 0,
            candidates: vec![Ciphertext::zero(); candidates],
        }
    }

    pub fn of<'a>(
        candidates: usize,
        ballots: impl IntoIterator<Item = &'a EncryptedBallot>,
    ) -> CryptoResult<Self> {
        let mut tally = Self::empty(candidates);
        for ballot in ballots {
            tally.add(ballot)?;
        }
        Ok(tally)
    }

    pub fn add(&mut self, ballot: &EncryptedBallot) -> CryptoResult<()> {
        if ballot.choices.len() != self.candidates.len() {
            return Err(CryptoError::ChoiceCount {
                expected: self.candidates.len(),
                got: ballot.choices.len(),
            });
        }
        for (total, &choice) in self.candidates.iter_mut().zip(&ballot.choices) {
            *total += choice;
        }
        self.ballots += 1;
        Ok(())
    }

    /// Adds another tally of the same ballot style (a county's sum of its stations').
    pub fn merge(&mut self, other: &Self) -> CryptoResult<()> {
        if other.candidates.len() != self.candidates.len() {
            return Err(CryptoError::TallyMismatch);
        }
        for (total, &part) in self.candidates.iter_mut().zip(&other.candidates) {
            *total += part;
        }
        self.ballots += other.ballots;
        Ok(())
    }

    /// Whether two tallies hold the same ciphertexts (a published tally against the sum of
    /// the published ballots).
    pub fn same_as(&self, other: &Self) -> bool {
        self.ballots == other.ballots
            && self.candidates.len() == other.candidates.len()
            && self.candidates.iter().zip(&other.candidates).all(|(a, b)| {
                a.random_element() == b.random_element()
                    && a.blinded_element() == b.blinded_element()
            })
    }
}

/// One guardian's decryption of a tally: for each candidate, their share with its proof.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DecryptionShare {
    pub guardian: usize,
    pub parts: Vec<SharePart>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SharePart {
    pub share: VerifiableDecryption<Group>,
    pub proof: LogEqualityProof<Group>,
}

impl Guardian {
    /// This guardian's share of a tally's decryption, with proofs.
    pub fn decrypt<R: CryptoRng + RngCore>(
        &self,
        tally: &EncryptedTally,
        rng: &mut R,
    ) -> DecryptionShare {
        let parts = tally
            .candidates
            .iter()
            .map(|&ciphertext| {
                let (share, proof) = self.participant.decrypt_share(ciphertext, rng);
                SharePart { share, proof }
            })
            .collect();
        DecryptionShare {
            guardian: self.index(),
            parts,
        }
    }
}

/// Checks one guardian's share of a tally against the guardian's public key share.
pub fn verify_share(
    key: &ElectionKey,
    tally: &EncryptedTally,
    share: &DecryptionShare,
) -> CryptoResult<Vec<VerifiableDecryption<Group>>> {
    if share.guardian >= key.guardians() {
        return Err(CryptoError::UnknownGuardian(share.guardian));
    }
    if share.parts.len() != tally.candidates.len() {
        return Err(CryptoError::ShareShape {
            guardian: share.guardian,
            expected: tally.candidates.len(),
            got: share.parts.len(),
        });
    }
    tally
        .candidates
        .iter()
        .zip(&share.parts)
        .enumerate()
        .map(|(index, (&ciphertext, part))| {
            key.key_set()
                .verify_share(
                    CandidateDecryption::from(part.share),
                    ciphertext,
                    share.guardian,
                    &part.proof,
                )
                .map_err(|_| CryptoError::ShareProof {
                    guardian: share.guardian,
                    index,
                })
        })
        .collect()
}

/// Verifies the shares and combines the first `threshold` of distinct guardians into one
/// decryption per candidate. Any share that fails its proof is an error, named.
pub fn combine(
    key: &ElectionKey,
    tally: &EncryptedTally,
    shares: &[DecryptionShare],
) -> CryptoResult<Vec<VerifiableDecryption<Group>>> {
    let mut verified: Vec<(usize, Vec<VerifiableDecryption<Group>>)> = Vec::new();
    for share in shares {
        if verified
            .iter()
            .any(|(guardian, _)| *guardian == share.guardian)
        {
            return Err(CryptoError::RepeatedGuardian(share.guardian));
        }
        verified.push((share.guardian, verify_share(key, tally, share)?));
    }
    let need = key.threshold();
    if verified.len() < need {
        return Err(CryptoError::NotEnoughShares {
            have: verified.len(),
            need,
        });
    }
    let params = key.key_set().params();
    (0..tally.candidates.len())
        .map(|index| {
            params
                .combine_shares(
                    verified
                        .iter()
                        .take(need)
                        .map(|(guardian, parts)| (*guardian, parts[index])),
                )
                .ok_or(CryptoError::NotEnoughShares {
                    have: verified.len(),
                    need,
                })
        })
        .collect()
}

/// The discrete logarithms a tally's counts can take: 0 to the most ballots any tally holds.
pub struct CountTable {
    table: DiscreteLogTable<Group>,
}

impl CountTable {
    pub fn up_to(ballots: u64) -> Self {
        Self {
            table: DiscreteLogTable::new(0..=ballots),
        }
    }
}

/// The counts the guardians' shares give for a tally (`CountMismatch` for a candidate whose
/// decryption is not a count in `table`).
pub fn decrypt_counts(
    key: &ElectionKey,
    tally: &EncryptedTally,
    shares: &[DecryptionShare],
    table: &CountTable,
) -> CryptoResult<Vec<u64>> {
    let decryptions = combine(key, tally, shares)?;
    tally
        .candidates
        .iter()
        .zip(decryptions)
        .enumerate()
        .map(|(index, (&ciphertext, decryption))| {
            decryption
                .decrypt(ciphertext, &table.table)
                .ok_or(CryptoError::CountMismatch { index })
        })
        .collect()
}

/// Checks published counts against a tally and its shares without a table: each count times
/// the generator must be what the shares decrypt.
pub fn check_counts(
    key: &ElectionKey,
    tally: &EncryptedTally,
    shares: &[DecryptionShare],
    counts: &[u64],
) -> CryptoResult<()> {
    if counts.len() != tally.candidates.len() {
        return Err(CryptoError::ChoiceCount {
            expected: tally.candidates.len(),
            got: counts.len(),
        });
    }
    let decryptions = combine(key, tally, shares)?;
    for (index, ((&ciphertext, decryption), &count)) in tally
        .candidates
        .iter()
        .zip(decryptions)
        .zip(counts)
        .enumerate()
    {
        let expected = Group::vartime_mul_generator(&count.into());
        if decryption.decrypt_to_element(ciphertext) != expected || count > tally.ballots {
            return Err(CryptoError::CountMismatch { index });
        }
    }
    Ok(())
}
