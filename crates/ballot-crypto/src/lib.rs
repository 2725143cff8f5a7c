//! End-to-end verifiable ballots for sandoq (issue 17), built on `elastic-elgamal` (ElGamal over
//! ristretto255): nothing here is hand-written cryptography, only how the crate's pieces are put
//! together and bound to an election.
//!
//! - [`ceremony`]: the guardians' k-of-n election key (Feldman sharing), its public record, and
//!   each guardian's proof that they hold their share.
//! - [`share_file`]: a guardian's secret share as it leaves the server, once: sealed under a
//!   passphrase (Argon2id, XChaCha20-Poly1305).
//! - [`ballot`]: a ballot encrypted when cast, one ciphertext per candidate, with proofs that
//!   each is 0 or 1 and that at most the council's seats are 1; its opening when challenged.
//! - [`tracking`]: tracking codes chained per kiosk.
//! - [`tally`]: the homomorphic sum of a station's ballots, guardians' decryption shares with
//!   proofs, and the counts any k shares give.
//! - [`record`]: the published election record and its verifier.

pub mod ballot;
pub mod ceremony;
mod codec;
mod error;
pub mod record;
pub mod sample;
pub mod share_file;
pub mod tally;
pub mod tracking;

pub use ballot::{BallotOpening, BallotStyle, EncryptedBallot};
pub use ceremony::{CeremonyRecord, ElectionKey, Guardian, GuardianEntry};
pub use error::CryptoError;
pub use share_file::ShareFile;
pub use tally::{DecryptionShare, EncryptedTally};
pub use tracking::TrackingCode;

/// The group every ciphertext lives in.
pub type Group = elastic_elgamal::group::Ristretto;

pub type CryptoResult<T> = Result<T, CryptoError>;
