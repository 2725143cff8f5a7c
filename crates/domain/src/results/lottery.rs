//! The public lottery that breaks a tie the law leaves standing (DESIGN §8, Winners): its seed
//! is drawn before the council's result is final and only its commitment (a hash) is published;
//! once the result is final the seed is revealed, and anyone replays the draw from the seed and
//! the tied candidates' codes alone.

use sha2::{Digest, Sha256};

/// A lottery's seed: 32 random bytes, drawn by the server and kept secret until revealed.
pub type Seed = [u8; 32];

/// The commitment published before the draw: SHA-256 over a fixed label and the seed, in hex.
pub fn commitment(seed: &Seed) -> String {
    let mut hash = Sha256::new();
    hash.update(b"sandoq-lottery-commitment-v1");
    hash.update(seed);
    hex::encode(hash.finalize())
}

/// Whether a revealed seed is the one committed to.
pub fn reveals(commitment_hex: &str, seed: &Seed) -> bool {
    commitment(seed).eq_ignore_ascii_case(commitment_hex.trim())
}

/// A seed from its 64 hex digits, as published.
pub fn parse_seed(hex_seed: &str) -> Option<Seed> {
    let bytes = hex::decode(hex_seed.trim()).ok()?;
    bytes.try_into().ok()
}

/// A candidate's lot: SHA-256 over a fixed label, the seed and the code (length-prefixed).
fn lot(seed: &Seed, code: &str) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(b"sandoq-lottery-draw-v1");
    hash.update(seed);
    hash.update((code.len() as u64).to_be_bytes());
    hash.update(code.as_bytes());
    hash.finalize().into()
}

/// The tied candidates in the order the lottery places them: by their lots, smallest first
/// (codes break the impossible equal lot). A function of the seed and the set of codes only: the
/// order they are given in changes nothing.
pub fn draw<S: AsRef<str>>(seed: &Seed, codes: &[S]) -> Vec<String> {
    let mut lots: Vec<([u8; 32], &str)> = codes
        .iter()
        .map(|code| (lot(seed, code.as_ref()), code.as_ref()))
        .collect();
    lots.sort_unstable();
    lots.dedup_by(|a, b| a.1 == b.1);
    lots.into_iter().map(|(_, code)| code.to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_revealed_seed_matches_its_commitment_and_no_other() {
        let seed = [7u8; 32];
        let committed = commitment(&seed);
        assert_eq!(committed.len(), 64);
        assert!(reveals(&committed, &seed));
        assert!(reveals(&committed.to_uppercase(), &seed));
        let mut other = seed;
        other[31] ^= 1;
        assert!(!reveals(&committed, &other));
        assert_eq!(parse_seed(&hex::encode(seed)), Some(seed));
        assert_eq!(parse_seed("00ff"), None);
        assert_eq!(parse_seed("not hex"), None);
    }

    #[test]
    fn different_seeds_order_the_same_candidates_differently() {
        let codes = ["10001", "10002", "10003", "10004", "10005", "10006"];
        let orders: std::collections::BTreeSet<Vec<String>> =
            (0..20u8).map(|i| draw(&[i; 32], &codes)).collect();
        assert!(orders.len() > 1, "the seed must matter");
    }

    proptest! {
        #[test]
        fn the_draw_is_a_pure_function_of_seed_and_codes(
            seed in proptest::array::uniform32(any::<u8>()),
            codes in proptest::collection::btree_set("[1-9][0-9]{4}", 1..12),
            rotate in 0usize..12,
        ) {
            let codes: Vec<String> = codes.into_iter().collect();
            let drawn = draw(&seed, &codes);
            let mut shuffled = codes.clone();
            shuffled.reverse();
            let len = shuffled.len();
            shuffled.rotate_left(rotate % len);
            prop_assert_eq!(&draw(&seed, &shuffled), &drawn);
            prop_assert_eq!(draw(&seed, &codes), drawn.clone());
            let mut sorted = drawn.clone();
            sorted.sort();
            prop_assert_eq!(sorted, codes);
        }
    }
}
