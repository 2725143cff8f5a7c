//! Tracking codes: a hash of each encrypted ballot chained to the one its kiosk made before, as
//! ElectionGuard's confirmation codes are. A voter keeps theirs and finds it in the published
//! record; a ballot dropped or changed breaks its kiosk's chain.

use crate::{CryptoError, CryptoResult, EncryptedBallot};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TrackingCode(pub [u8; 32]);

impl TrackingCode {
    /// Where a kiosk's chain starts: bound to the election, the station and the kiosk.
    pub fn start(election: &str, station: &str, kiosk: &str) -> Self {
        let mut hash = Sha256::new();
        hash.update(b"sandoq-tracking-start-v1");
        for part in [election, station, kiosk] {
            hash.update((part.len() as u64).to_be_bytes());
            hash.update(part.as_bytes());
        }
        Self(hash.finalize().into())
    }

    /// The code of `ballot`, made on the kiosk whose previous code is `self`.
    pub fn next(&self, ballot: &EncryptedBallot) -> CryptoResult<Self> {
        Ok(self.next_encoded(encode(ballot)?.as_bytes()))
    }

    /// The same, from the ballot as [`encode`] wrote it (a store keeps that text and chains it
    /// without reading it).
    #[must_use]
    pub fn next_encoded(&self, encoded: &[u8]) -> Self {
        let mut hash = Sha256::new();
        hash.update(b"sandoq-tracking-v1");
        hash.update(self.0);
        hash.update(Sha256::digest(encoded));
        Self(hash.finalize().into())
    }

    /// The code's first 64 bits as a number: what a voter's receipt shows in digits
    /// (`domain::ids::ReceiptCode::from_number`).
    pub fn short_number(&self) -> u64 {
        let mut first = [0_u8; 8];
        first.copy_from_slice(&self.0[..8]);
        u64::from_be_bytes(first)
    }

    /// The form a voter reads and types: the first 80 bits, in five groups of four.
    pub fn short(&self) -> String {
        let hex = hex::encode_upper(&self.0[..10]);
        hex.as_bytes()
            .chunks(4)
            .map(|group| String::from_utf8_lossy(group).into_owned())
            .collect::<Vec<_>>()
            .join("-")
    }

    /// What a voter typed, as the short form's hex (dashes, spaces and case do not matter);
    /// `None` when it cannot be a short code.
    pub fn normalise_short(typed: &str) -> Option<String> {
        let hex: String = typed
            .chars()
            .filter(|c| !matches!(c, '-' | ' ' | '\u{200c}'))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        (hex.len() == 20 && hex.chars().all(|c| c.is_ascii_hexdigit())).then_some(hex)
    }

    pub fn hex(&self) -> String {
        hex::encode(self.0)
    }
}

/// A ballot's one encoding: the JSON its tracking code hashes, stored and published as is.
pub fn encode(ballot: &EncryptedBallot) -> CryptoResult<String> {
    serde_json::to_string(ballot).map_err(|_| CryptoError::Malformed("ballot".into()))
}

impl fmt::Debug for TrackingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TrackingCode({})", self.short())
    }
}

impl fmt::Display for TrackingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.hex())
    }
}

impl From<TrackingCode> for String {
    fn from(code: TrackingCode) -> Self {
        code.hex()
    }
}

impl TryFrom<String> for TrackingCode {
    type Error = CryptoError;
    fn try_from(text: String) -> CryptoResult<Self> {
        let bytes =
            hex::decode(text).map_err(|_| CryptoError::Malformed("tracking code".into()))?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| CryptoError::Malformed("tracking code".into()))?;
        Ok(Self(bytes))
    }
}
