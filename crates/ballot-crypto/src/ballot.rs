//! A ballot encrypted when it is cast: one ciphertext per candidate, each proven to hold 0 or 1,
//! and a proof that at most the council's seats are 1. Its randomness is kept only to open a
//! challenged ballot (Benaloh): a cast ballot's opening is dropped at once.

use crate::codec::{scalar_from_text, scalar_to_text, Element};
use crate::{CryptoError, CryptoResult, Group};
use elastic_elgamal::group::{ElementOps, Group as _};
use elastic_elgamal::{
    Ciphertext, CiphertextWithValue, LogEqualityProof, PreparedRange, PublicKey,
    RangeDecomposition, RangeProof, SecretKey,
};
use merlin::Transcript;
use rand::{CryptoRng, RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

/// What a ballot is for: its election and council, the council's seats, and its candidates
/// in the order of the ballot's ciphertexts. Every proof is bound to it and to the station.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BallotStyle {
    pub election: String,
    pub council: String,
    pub seats: u32,
    pub candidates: Vec<String>,
}

impl BallotStyle {
    /// The choices as one flag per candidate, in the style's order; codes it does not list are
    /// left out (the ballot rule refuses them before encryption).
    pub fn flags<S: AsRef<str>>(&self, chosen: &[S]) -> Vec<bool> {
        self.candidates
            .iter()
            .map(|candidate| chosen.iter().any(|code| code.as_ref() == candidate))
            .collect()
    }

    /// The candidates a set of flags marks.
    pub fn marked(&self, flags: &[bool]) -> Vec<String> {
        self.candidates
            .iter()
            .zip(flags)
            .filter(|(_, &flag)| flag)
            .map(|(code, _)| code.clone())
            .collect()
    }

    /// A digest of the style (SHA-256, hex): a ballot encrypted for a style is cast only while
    /// the council's style still has this digest.
    pub fn digest(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut hash = Sha256::new();
        hash.update(b"sandoq-ballot-style-v1");
        for part in [self.election.as_str(), self.council.as_str()] {
            hash.update((part.len() as u64).to_be_bytes());
            hash.update(part.as_bytes());
        }
        hash.update(u64::from(self.seats).to_be_bytes());
        for candidate in &self.candidates {
            hash.update((candidate.len() as u64).to_be_bytes());
            hash.update(candidate.as_bytes());
        }
        hex::encode(hash.finalize())
    }

    fn check(&self) -> CryptoResult<()> {
        if self.seats == 0 || self.candidates.is_empty() {
            return Err(CryptoError::EmptyStyle);
        }
        Ok(())
    }

    fn transcript(&self, station: &str) -> Transcript {
        let mut transcript = Transcript::new(b"sandoq-ballot-v1");
        transcript.append_message(b"election", self.election.as_bytes());
        transcript.append_message(b"station", station.as_bytes());
        transcript.append_message(b"council", self.council.as_bytes());
        transcript.append_u64(b"seats", u64::from(self.seats));
        for candidate in &self.candidates {
            transcript.append_message(b"candidate", candidate.as_bytes());
        }
        transcript
    }

    fn marks_range(&self) -> PreparedRange<Group> {
        RangeDecomposition::optimal(u64::from(self.seats) + 1).into()
    }
}

fn bit_range() -> PreparedRange<Group> {
    RangeDecomposition::optimal(2).into()
}

/// A cast (or challenged) ballot as stored and published: nothing in it reveals a choice
/// without the guardians' key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EncryptedBallot {
    /// One ciphertext per candidate of the style, in its order: 1 marked, 0 not.
    pub choices: Vec<Ciphertext<Group>>,
    /// For each choice, a proof that it holds 0 or 1.
    pub choice_proofs: Vec<RangeProof<Group>>,
    /// A fresh encryption of how many candidates are marked...
    pub marks: Ciphertext<Group>,
    /// ... proven to be at most the council's seats ...
    pub marks_proof: RangeProof<Group>,
    /// ... and proven equal to the sum of the choices (their difference encrypts 0).
    pub marks_equal: LogEqualityProof<Group>,
}

/// What opens a challenged ballot: the choices shown to the voter and each ciphertext's
/// randomness, so anyone can recompute the ciphertexts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BallotOpening {
    pub choices: Vec<bool>,
    /// Base64 scalars, one per choice.
    pub randomness: Vec<String>,
}

impl Drop for BallotOpening {
    fn drop(&mut self) {
        self.choices.zeroize();
        self.randomness.zeroize();
    }
}

/// Encrypts a voter's choices (one flag per candidate of `style`) for `station` under the
/// election key, with every proof. The opening is for a Benaloh challenge only.
pub fn encrypt<R: CryptoRng + RngCore>(
    key: &PublicKey<Group>,
    style: &BallotStyle,
    station: &str,
    choices: &[bool],
    rng: &mut R,
) -> CryptoResult<(EncryptedBallot, BallotOpening)> {
    style.check()?;
    if choices.len() != style.candidates.len() {
        return Err(CryptoError::ChoiceCount {
            expected: style.candidates.len(),
            got: choices.len(),
        });
    }
    let marked = choices.iter().filter(|&&flag| flag).count();
    if marked > style.seats as usize {
        return Err(CryptoError::TooManyMarks {
            marked,
            seats: style.seats,
        });
    }
    // A clonable generator, seeded from the caller's, so each ciphertext's randomness can be
    // drawn again (see `encrypt_keeping_randomness`).
    let mut seed = [0_u8; 32];
    rng.fill_bytes(&mut seed);
    let mut rng = ChaCha20Rng::from_seed(seed);
    seed.zeroize();

    let bit = bit_range();
    let mut transcript = style.transcript(station);
    let mut ciphertexts = Vec::with_capacity(choices.len());
    let mut choice_proofs = Vec::with_capacity(choices.len());
    let mut randomness = Vec::with_capacity(choices.len());
    let mut randomness_sum = zero_secret()?;
    for &flag in choices {
        let (ciphertext, random) = encrypt_keeping_randomness(key, u64::from(flag), &mut rng)?;
        choice_proofs.push(RangeProof::from_ciphertext(
            key,
            &bit,
            &ciphertext,
            &mut transcript,
            &mut rng,
        ));
        ciphertexts.push(*ciphertext.inner());
        randomness.push(scalar_to_text(random.expose_scalar()));
        randomness_sum += random;
    }
    let (marks, marks_random) = encrypt_keeping_randomness(key, marked as u64, &mut rng)?;
    let marks_proof =
        RangeProof::from_ciphertext(key, &style.marks_range(), &marks, &mut transcript, &mut rng);
    let difference = sum(&ciphertexts) - *marks.inner();
    let marks_equal = LogEqualityProof::new(
        key,
        &(randomness_sum - marks_random),
        (*difference.random_element(), *difference.blinded_element()),
        &mut transcript,
        &mut rng,
    );
    let ballot = EncryptedBallot {
        choices: ciphertexts,
        choice_proofs,
        marks: *marks.inner(),
        marks_proof,
        marks_equal,
    };
    let opening = BallotOpening {
        choices: choices.to_vec(),
        randomness,
    };
    Ok((ballot, opening))
}

/// Checks every proof of a ballot for `station` under `style` and the election key.
pub fn verify(
    key: &PublicKey<Group>,
    style: &BallotStyle,
    station: &str,
    ballot: &EncryptedBallot,
) -> CryptoResult<()> {
    style.check()?;
    let expected = style.candidates.len();
    for got in [ballot.choices.len(), ballot.choice_proofs.len()] {
        if got != expected {
            return Err(CryptoError::ChoiceCount { expected, got });
        }
    }
    let bit = bit_range();
    let mut transcript = style.transcript(station);
    for (index, (choice, proof)) in ballot.choices.iter().zip(&ballot.choice_proofs).enumerate() {
        proof
            .verify(key, &bit, *choice, &mut transcript)
            .map_err(|_| CryptoError::ChoiceProof { index })?;
    }
    ballot
        .marks_proof
        .verify(key, &style.marks_range(), ballot.marks, &mut transcript)
        .map_err(|_| CryptoError::MarksProof)?;
    let difference = sum(&ballot.choices) - ballot.marks;
    ballot
        .marks_equal
        .verify(
            key,
            (*difference.random_element(), *difference.blinded_element()),
            &mut transcript,
        )
        .map_err(|_| CryptoError::MarksProof)
}

/// Checks that a challenged ballot's opening reproduces its ciphertexts: the ballot held the
/// choices the opening names (the ones the voter saw), and nothing else.
pub fn check_opening(
    key: &PublicKey<Group>,
    style: &BallotStyle,
    ballot: &EncryptedBallot,
    opening: &BallotOpening,
) -> CryptoResult<()> {
    let expected = style.candidates.len();
    for got in [
        ballot.choices.len(),
        opening.choices.len(),
        opening.randomness.len(),
    ] {
        if got != expected {
            return Err(CryptoError::ChoiceCount { expected, got });
        }
    }
    let marked = opening.choices.iter().filter(|&&flag| flag).count();
    if marked > style.seats as usize {
        return Err(CryptoError::OpeningMarks {
            marked,
            seats: style.seats,
        });
    }
    for (index, ((ciphertext, &flag), random)) in ballot
        .choices
        .iter()
        .zip(&opening.choices)
        .zip(&opening.randomness)
        .enumerate()
    {
        let random = scalar_from_text(random, "opening randomness")?;
        let message: Element = if flag {
            Group::generator()
        } else {
            Group::identity()
        };
        let random_element = Group::mul_generator(&random);
        let blinded_element = key.as_element() * random + message;
        if random_element != *ciphertext.random_element()
            || blinded_element != *ciphertext.blinded_element()
        {
            return Err(CryptoError::Opening { index });
        }
    }
    Ok(())
}

pub(crate) fn sum(ciphertexts: &[Ciphertext<Group>]) -> Ciphertext<Group> {
    ciphertexts
        .iter()
        .fold(Ciphertext::zero(), |total, &ciphertext| total + ciphertext)
}

fn zero_secret() -> CryptoResult<SecretKey<Group>> {
    SecretKey::from_bytes(&[0_u8; 32]).ok_or(CryptoError::Randomness)
}

/// Encrypts `value` and returns the randomness it used. elastic-elgamal keeps a ciphertext's
/// randomness to itself; its encryption draws that randomness first, so drawing from a clone
/// of the generator gives the same scalar. Checked against the ciphertext every time, so a
/// change in the crate is an error, never a wrong opening.
fn encrypt_keeping_randomness(
    key: &PublicKey<Group>,
    value: u64,
    rng: &mut ChaCha20Rng,
) -> CryptoResult<(CiphertextWithValue<Group, u64>, SecretKey<Group>)> {
    let random = SecretKey::<Group>::generate(&mut rng.clone());
    let ciphertext = CiphertextWithValue::new(value, key, rng);
    if Group::mul_generator(random.expose_scalar()) != *ciphertext.inner().random_element() {
        return Err(CryptoError::Randomness);
    }
    Ok((ciphertext, random))
}
