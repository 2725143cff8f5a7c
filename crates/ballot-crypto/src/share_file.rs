//! A guardian's secret share as it leaves the server, once: a file sealed under the guardian's
//! passphrase (Argon2id stretches it; XChaCha20-Poly1305 seals the share and binds the file's
//! election, guardian and key, so a file cannot be passed off as another's).

use crate::ceremony::ElectionKey;
use crate::{CryptoError, CryptoResult, Group};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use elastic_elgamal::group::ScalarOps;
use elastic_elgamal::SecretKey;
use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

const FORMAT: &str = "sandoq-guardian-share-v1";
/// The shortest passphrase a share file takes.
pub const MIN_PASSPHRASE: usize = 12;
const MEMORY_KIB: u32 = 64 * 1024;
const ITERATIONS: u32 = 3;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareFile {
    pub format: String,
    pub election: String,
    pub guardian: usize,
    pub name: String,
    /// The election key the share belongs to (base64).
    pub public_key: String,
    pub salt: String,
    pub memory_kib: u32,
    pub iterations: u32,
    pub nonce: String,
    pub sealed: String,
}

impl ShareFile {
    /// Seals guardian `guardian`'s share of `key` under `passphrase`.
    pub fn seal<R: CryptoRng + RngCore>(
        election: &str,
        guardian: usize,
        name: &str,
        key: &ElectionKey,
        share: &SecretKey<Group>,
        passphrase: &str,
        rng: &mut R,
    ) -> CryptoResult<Self> {
        if passphrase.chars().count() < MIN_PASSPHRASE {
            return Err(CryptoError::WeakPassphrase(MIN_PASSPHRASE));
        }
        let mut salt = [0_u8; 16];
        rng.fill_bytes(&mut salt);
        let mut nonce = [0_u8; 24];
        rng.fill_bytes(&mut nonce);
        let mut file = Self {
            format: FORMAT.to_owned(),
            election: election.to_owned(),
            guardian,
            name: name.to_owned(),
            public_key: BASE64.encode(key.public().as_bytes()),
            salt: BASE64.encode(salt),
            memory_kib: MEMORY_KIB,
            iterations: ITERATIONS,
            nonce: BASE64.encode(nonce),
            sealed: String::new(),
        };
        let cipher = file.cipher(passphrase)?;
        let mut secret = Zeroizing::new([0_u8; 32]);
        Group::serialize_scalar(share.expose_scalar(), secret.as_mut());
        let aad = file.associated_data();
        let sealed = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: secret.as_ref(),
                    aad: &aad,
                },
            )
            .map_err(|_| CryptoError::ShareFileLocked)?;
        file.sealed = BASE64.encode(sealed);
        Ok(file)
    }

    /// The share, once the passphrase opens the file.
    pub fn open(&self, passphrase: &str) -> CryptoResult<SecretKey<Group>> {
        if self.format != FORMAT {
            return Err(CryptoError::Malformed(format!(
                "share file (format {:?})",
                self.format
            )));
        }
        let nonce = BASE64
            .decode(&self.nonce)
            .ok()
            .filter(|nonce| nonce.len() == 24)
            .ok_or_else(|| CryptoError::Malformed("share file nonce".into()))?;
        let sealed = BASE64
            .decode(&self.sealed)
            .map_err(|_| CryptoError::Malformed("share file".into()))?;
        let cipher = self.cipher(passphrase)?;
        let aad = self.associated_data();
        let secret = Zeroizing::new(
            cipher
                .decrypt(
                    XNonce::from_slice(&nonce),
                    Payload {
                        msg: &sealed,
                        aad: &aad,
                    },
                )
                .map_err(|_| CryptoError::ShareFileLocked)?,
        );
        SecretKey::from_bytes(&secret).ok_or(CryptoError::ShareFileLocked)
    }

    fn cipher(&self, passphrase: &str) -> CryptoResult<XChaCha20Poly1305> {
        // Bounds on what a file may ask for, so a crafted file cannot exhaust memory.
        if !(8 * 1024..=1024 * 1024).contains(&self.memory_kib)
            || !(1..=10).contains(&self.iterations)
        {
            return Err(CryptoError::Malformed("share file key parameters".into()));
        }
        let salt = BASE64
            .decode(&self.salt)
            .map_err(|_| CryptoError::Malformed("share file salt".into()))?;
        let params = Params::new(self.memory_kib, self.iterations, 1, Some(32))
            .map_err(|_| CryptoError::Malformed("share file key parameters".into()))?;
        let mut key = Zeroizing::new([0_u8; 32]);
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into(passphrase.as_bytes(), &salt, key.as_mut())
            .map_err(|_| CryptoError::Malformed("share file salt".into()))?;
        XChaCha20Poly1305::new_from_slice(key.as_ref())
            .map_err(|_| CryptoError::Malformed("share file key".into()))
    }

    fn associated_data(&self) -> Vec<u8> {
        serde_json::to_vec(&(
            &self.format,
            &self.election,
            self.guardian,
            &self.public_key,
        ))
        .unwrap_or_default()
    }
}
