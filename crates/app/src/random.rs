//! Random tokens, codes and ids.

use base64::Engine;
use rand::RngCore;

/// `N` random bytes for tokens, codes and ids, from the thread's CSPRNG (`rand`'s `ThreadRng`:
/// ChaCha seeded, and regularly reseeded, from the operating system). It spares the hot path
/// of election day a system call per check-in, which reading the operating system's generator
/// directly cost.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes
}

/// A fresh random token, URL-safe (256 bits, base64 without padding: no `.` in it).
pub fn new_token() -> String {
    let bytes = random_bytes::<32>();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The SHA-256 of a token, hex: what the store keeps of it.
pub fn token_hash(token: &str) -> String {
    audit::digest_hex(token.as_bytes())
}

/// `N` random bytes, hex.
pub fn random_hex<const N: usize>() -> String {
    use std::fmt::Write;
    random_bytes::<N>()
        .iter()
        .fold(String::with_capacity(2 * N), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}
